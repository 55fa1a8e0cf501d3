//! Fault injection on the park layer's wake-ups: a task's `Waker` that panics in
//! `wake()`, woken by the wait table (a `WaitGroup`'s last `done`) or by the async
//! timer thread (an `after` timer coming due). Every other waiter is still woken, the
//! panic reaches the caller that woke (the timer thread has no caller: it reports the
//! panic through the panic hook and goes on), and the primitive stays usable.
//!
//! A waiter that was never woken would hang its test; each wait that a broken wake-up
//! would strand is bounded by [`STRANDED`] and reported as stranded instead (a liveness
//! check, not a speed one: nothing here takes more than milliseconds when it works).

#![cfg(all(feature = "async", not(gosync_loom)))]
#![allow(clippy::disallowed_types)]

use futures::executor::block_on;
use gosync::WaitGroup;
use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

mod fault_common;
use fault_common::*;

/// How long a woken waiter may take to report before it counts as stranded.
const STRANDED: Duration = Duration::from_secs(60);

/// A waker whose `wake` panics with the injected message.
struct Panicking;
impl Wake for Panicking {
    fn wake(self: Arc<Self>) {
        panic!("injected: a waker panicking in wake()");
    }
}

/// A waker that reports its wakes on a channel.
struct Tell(mpsc::Sender<usize>, usize);
impl Wake for Tell {
    fn wake(self: Arc<Self>) {
        let _ = self.0.send(self.1);
    }
}

fn poll_with<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// The waiter count, from the group's `Debug` output.
fn waiters(wg: &WaitGroup) -> u32 {
    let s = format!("{wg:?}");
    let w = s.split("waiters: ").nth(1).unwrap().trim_end_matches(" }");
    w.parse().unwrap()
}

/// A `WaitGroup`'s last `done` releases a task whose waker panics, queued first,
/// and threads queued behind it: the threads are woken all the same, and the
/// waker's panic comes out of `done` afterwards. The group is reusable.
#[test]
fn waitgroup_task_waker_panicking_does_not_strand_the_threads_behind_it() {
    quiet_injected_panics();
    let threads = scaled(3, 2);
    let wg = Arc::new(WaitGroup::new());
    wg.add(1);
    // The task first: it is at the front of the wait queue, woken first.
    let mut task = Box::pin(wg.wait_async());
    let panicking = Waker::from(Arc::new(Panicking));
    assert!(poll_with(task.as_mut(), &panicking).is_pending());
    assert_eq!(waiters(&wg), 1);
    let (tx, rx) = mpsc::channel();
    let joins: Vec<_> = (0..threads)
        .map(|i| {
            let (wg, tx) = (wg.clone(), tx.clone());
            thread::spawn(move || {
                wg.wait();
                tx.send(i).unwrap();
            })
        })
        .collect();
    // Every thread is queued behind the task.
    wait_for(|| waiters(&wg) == 1 + threads as u32);
    expect_injected(|| wg.done());
    for _ in 0..threads {
        rx.recv_timeout(STRANDED)
            .expect("a thread queued behind the panicking waker was stranded");
    }
    for j in joins {
        j.join().unwrap();
    }
    // The task was released too (its token published before the wake panicked).
    assert_eq!(
        poll_with(task.as_mut(), &Waker::from(Arc::new(Tell(tx, 99)))),
        Poll::Ready(())
    );
    assert_eq!(waiters(&wg), 0);
    wg.add(1);
    wg.done();
    wg.wait();
}

/// Eight futures wait on one `after` timer; the first one registered (so the first
/// the timer thread wakes) has a waker that panics. The other seven are woken, and
/// the timer thread keeps serving later timers.
#[test]
fn timer_thread_survives_a_panicking_waker_and_wakes_every_other_one() {
    quiet_injected_panics();
    let others = 7;
    // 20 ms, unless the eight polls took longer than that (a busy machine, Miri):
    // then again with a longer timer, until all eight are registered before it fires.
    let mut d = Duration::from_millis(20);
    loop {
        let timer = gosync::chan::after(d);
        let (tx, rx) = mpsc::channel();
        let mut futures: Vec<_> = (0..=others).map(|_| Box::pin(timer.recv_async())).collect();
        let panicking = Waker::from(Arc::new(Panicking));
        let mut registered = poll_with(futures[0].as_mut(), &panicking).is_pending();
        for (i, f) in futures.iter_mut().enumerate().skip(1) {
            let w = Waker::from(Arc::new(Tell(tx.clone(), i)));
            registered &= poll_with(f.as_mut(), &w).is_pending();
        }
        if !registered {
            d *= 10;
            continue;
        }
        let mut woken = vec![false; others + 1];
        for _ in 0..others {
            let i = rx
                .recv_timeout(STRANDED)
                .expect("a waker due with the panicking one was never woken");
            assert!(!woken[i], "future {i} woken twice");
            woken[i] = true;
        }
        // One of them receives the timer's one value; the others stay pending.
        let mut ready = 0;
        for f in futures.iter_mut().skip(1) {
            let w = Waker::from(Arc::new(Tell(tx.clone(), 0)));
            if let Poll::Ready(v) = poll_with(f.as_mut(), &w) {
                v.unwrap();
                ready += 1;
            }
        }
        assert_eq!(ready, 1);
        break;
    }
    // Later timers still fire (on a thread, so that a dead timer thread shows as a
    // stranded wait rather than a hung test).
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let t = gosync::chan::after(Duration::from_millis(1));
        block_on(t.recv_async()).unwrap();
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(STRANDED)
        .expect("the timer thread no longer fires");
    let stopped = gosync::__private::stop_timer_thread();
    assert!(
        stopped || !cfg!(miri),
        "a test left an async timer registered"
    );
}
