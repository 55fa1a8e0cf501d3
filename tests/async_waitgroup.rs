//! `WaitGroup::wait_async`: tasks waiting for a group under tokio's multi-thread
//! runtime and `futures::executor`, mixed with blocked threads, and futures dropped
//! mid-wait that must leave nothing registered.
#![cfg(all(feature = "async", not(gosync_loom)))]
#![allow(clippy::disallowed_types)]

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use gosync::sync::WaitGroupFuture;
use gosync::WaitGroup;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

static_assertions::assert_impl_all!(WaitGroupFuture<'static>: Send, Sync);

fn n(full: usize) -> usize {
    if cfg!(miri) {
        (full / 20).max(2)
    } else {
        full
    }
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .unwrap()
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(noop_waker_ref()))
}

/// The waiter count, from the group's `Debug` output.
fn waiters(wg: &WaitGroup) -> u32 {
    let s = format!("{wg:?}");
    let w = s.split("waiters: ").nth(1).unwrap().trim_end_matches(" }");
    w.parse().unwrap()
}

#[test]
fn ready_at_once_on_zero_and_lazy() {
    let wg = WaitGroup::new();
    block_on(wg.wait_async());
    wg.add(1);
    let f = wg.wait_async();
    assert_eq!(waiters(&wg), 0, "nothing happens before the first poll");
    drop(f);
    wg.done();
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_after_completion_panics() {
    let wg = WaitGroup::new();
    let mut f = Box::pin(wg.wait_async());
    assert!(poll_once(f.as_mut()).is_ready());
    let _ = poll_once(f.as_mut());
}

#[test]
fn parked_future_is_registered_released_by_the_last_done() {
    use futures::future::FusedFuture;
    let wg = WaitGroup::new();
    wg.add(2);
    let mut f = Box::pin(wg.wait_async());
    assert!(poll_once(f.as_mut()).is_pending());
    assert_eq!(waiters(&wg), 1);
    wg.done();
    assert!(poll_once(f.as_mut()).is_pending(), "one task still out");
    wg.done(); // releases the waiter: the count of waiters is cleared
    assert_eq!(waiters(&wg), 0);
    assert!(!f.is_terminated());
    assert_eq!(poll_once(f.as_mut()), Poll::Ready(()));
    assert!(f.is_terminated());
    // The group is reusable at once (no "add concurrently with wait" misuse).
    wg.add(1);
    wg.done();
}

#[test]
fn dropped_future_unregisters_and_unlinks() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut a = Box::pin(wg.wait_async());
    let mut b = Box::pin(wg.wait_async());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(waiters(&wg), 2);
    drop(a);
    assert_eq!(waiters(&wg), 1);
    wg.done();
    assert_eq!(poll_once(b.as_mut()), Poll::Ready(()));
    // A future released but dropped before it was polled again changes nothing.
    wg.add(1);
    let mut c = Box::pin(wg.wait_async());
    assert!(poll_once(c.as_mut()).is_pending());
    wg.done();
    drop(c);
    assert_eq!(waiters(&wg), 0);
    wg.add(1); // not a misuse: nobody is registered
    wg.done();
}

/// Threads and tasks (on tokio's multi-thread runtime and on `futures::executor`)
/// wait on one group at once; every round's last `done` releases them all, and each
/// sees the work done before it. The group is reused round after round.
#[test]
fn threads_and_tasks_wait_together_round_after_round() {
    let rt = runtime(2);
    let wg = Arc::new(WaitGroup::new());
    let work = Arc::new(AtomicUsize::new(0));
    for round in 1..=n(40) {
        let workers = 3;
        wg.add(workers as isize);
        let mut tasks = Vec::new();
        let mut waiting_threads = Vec::new();
        for i in 0..4 {
            let (wg, work) = (wg.clone(), work.clone());
            let check = move || assert!(work.load(Ordering::Relaxed) >= round * workers);
            match i {
                0 => tasks.push(rt.spawn(async move {
                    wg.wait_async().await;
                    check();
                })),
                1 => waiting_threads.push(std::thread::spawn(move || {
                    block_on(wg.wait_async());
                    check();
                })),
                _ => waiting_threads.push(std::thread::spawn(move || {
                    wg.wait();
                    check();
                })),
            }
        }
        let done: Vec<_> = (0..workers)
            .map(|_| {
                let (wg, work) = (wg.clone(), work.clone());
                std::thread::spawn(move || {
                    work.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                })
            })
            .collect();
        for t in done.into_iter().chain(waiting_threads) {
            t.join().unwrap();
        }
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(waiters(&wg), 0);
    }
}

/// Wait futures dropped mid-wait inside `tokio::select!` (against a branch that is
/// ready on its second poll) while threads count the group down: every dropped
/// future unregisters itself, so the group ends each round with no waiter left, and
/// `add` never mistakes a leftover for a concurrent `wait`.
#[test]
fn cancellation_storm_in_tokio_select() {
    let rt = runtime(2);
    let wg = Arc::new(WaitGroup::new());
    let cancelled = Arc::new(AtomicUsize::new(0));
    for _ in 0..n(200) {
        let workers = 2;
        wg.add(workers);
        let task = {
            let (wg, cancelled) = (wg.clone(), cancelled.clone());
            rt.spawn(async move {
                loop {
                    tokio::select! {
                        biased;
                        () = wg.wait_async() => break,
                        () = tokio::task::yield_now() => {
                            cancelled.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        };
        let done: Vec<_> = (0..workers)
            .map(|_| {
                let wg = wg.clone();
                std::thread::spawn(move || wg.done())
            })
            .collect();
        for t in done {
            t.join().unwrap();
        }
        rt.block_on(task).unwrap();
        assert_eq!(waiters(&wg), 0, "a dropped future left a waiter registered");
    }
    println!(
        "waitgroup storm: {} wait futures dropped mid-wait",
        cancelled.load(Ordering::Relaxed)
    );
}
