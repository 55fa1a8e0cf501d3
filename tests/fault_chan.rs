//! Fault injection on channels: user code that panics inside gosync's reach, and
//! timeouts that fire at the instant of a hand-off. Every value is counted: each test
//! checks that nothing is leaked, nothing is dropped twice, and no waiter stays linked.
//!
//! These also give Miri, ThreadSanitizer and AddressSanitizer real races to look at
//! (counts shrink under Miri).

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, RecvTimeoutError, SendTimeoutError, TryRecvError};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Counts drops; panics in `drop` when `bomb` is set (after counting).
struct Val {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
    bomb: bool,
}

impl Drop for Val {
    fn drop(&mut self) {
        let n = self.drops[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(n, 0, "value {} dropped twice", self.id);
        if self.bomb && !thread::panicking() {
            panic!("boom: value {} panics in drop", self.id);
        }
    }
}

/// `n` drop counters, one per value id.
fn counters(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn val(drops: &Arc<Vec<AtomicUsize>>, id: usize, bomb: bool) -> Val {
    Val {
        id,
        drops: drops.clone(),
        bomb,
    }
}

fn assert_each_dropped_once(drops: &[AtomicUsize]) {
    for (id, d) in drops.iter().enumerate() {
        assert_eq!(
            d.load(Ordering::SeqCst),
            1,
            "value {id} dropped the wrong number of times"
        );
    }
}

/// Runs `f`, expecting it to panic with the bomb's message; the default hook's report
/// of the expected panic is kept out of the test output.
fn expect_boom(f: impl FnOnce()) {
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    let payload = r.expect_err("a value's drop should have panicked");
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or("");
    assert!(msg.starts_with("boom"), "unexpected panic: {msg}");
}

#[test]
fn value_panicking_in_drop_while_buffered_when_last_receiver_goes() {
    // Buffered values are dropped when the last receiver goes; one of them panics. The
    // panic reaches the dropping thread, and every other value is still dropped once
    // (none leaked behind the panicking one, none dropped twice).
    for (cap, bomb_at) in [(Some(8), 0), (Some(8), 3), (Some(8), 7), (None, 20)] {
        let n = cap.unwrap_or(40);
        let drops = counters(n);
        let (tx, rx) = match cap {
            Some(c) => chan::bounded(c),
            None => chan::unbounded(),
        };
        // Wrap the ring first, so that the drop walks a wrapped buffer.
        for i in 0..n / 2 {
            tx.send(val(&drops, i, false)).unwrap();
        }
        for i in 0..n / 2 {
            assert_eq!(rx.recv().unwrap().id, i);
        }
        let drops = counters(n);
        for i in 0..n {
            tx.send(val(&drops, i, i == bomb_at)).unwrap();
        }
        expect_boom(move || drop(rx));
        assert_each_dropped_once(&drops);
        // The channel is closed and empty; sends hand their values back.
        assert!(tx.is_closed());
        let back = tx
            .send(val(&counters(1), 0, false))
            .unwrap_err()
            .into_inner();
        assert_eq!(back.id, 0);
    }
}

#[test]
fn value_panicking_in_drop_when_channel_freed_with_values() {
    // The channel is freed (senders dropped first, then the last receiver) with
    // values buffered, one of which panics in drop.
    let drops = counters(5);
    let (tx, rx) = chan::bounded(5);
    for i in 0..5 {
        tx.send(val(&drops, i, i == 1)).unwrap();
    }
    drop(tx);
    expect_boom(move || drop(rx));
    assert_each_dropped_once(&drops);
}

#[test]
fn panicking_drop_of_a_received_value_leaves_the_channel_usable() {
    // A value whose drop panics in the receiving thread (after `recv` returned) must
    // not poison the channel: the lock is not held then.
    let drops = counters(3);
    let (tx, rx) = chan::bounded(2);
    tx.send(val(&drops, 0, true)).unwrap();
    tx.send(val(&drops, 1, false)).unwrap();
    expect_boom(|| drop(rx.recv().unwrap()));
    tx.send(val(&drops, 2, false)).unwrap();
    assert_eq!(rx.recv().unwrap().id, 1);
    assert_eq!(rx.recv().unwrap().id, 2);
    assert_eq!(rx.try_recv().err(), Some(TryRecvError::Empty));
    assert_each_dropped_once(&drops);
}

/// Iterations of the timeout races (each a few microseconds to a few milliseconds).
fn rounds() -> usize {
    if cfg!(miri) {
        8
    } else {
        2000
    }
}

/// A timeout from 0 to ~20 µs, varied by round, so the deadline lands before, during
/// and after the peer's hand-off.
fn jitter(i: usize) -> Duration {
    Duration::from_nanos(((i * 7919) % 20_000) as u64)
}

#[test]
fn receiver_times_out_at_the_instant_a_sender_hands_off() {
    // A rendezvous channel: a timed receiver and a timed sender whose deadlines land
    // around the moment they meet. Each value is received or handed back, exactly
    // once; both sides agree on which.
    let n = rounds();
    let drops = counters(n);
    let (tx, rx) = chan::bounded::<Val>(0);
    let received = thread::scope(|s| {
        let sender = s.spawn(|| {
            let mut delivered = Vec::new();
            for i in 0..n {
                match tx.send_timeout(val(&drops, i, false), jitter(i)) {
                    Ok(()) => delivered.push(i),
                    Err(SendTimeoutError::Timeout(v)) => assert_eq!(v.id, i),
                    Err(SendTimeoutError::Closed(_)) => unreachable!("nobody closes"),
                }
            }
            delivered
        });
        let mut got = Vec::new();
        // Receive until the sender is done and nothing more can come.
        loop {
            match rx.recv_timeout(jitter(got.len() * 3 + 1)) {
                Ok(v) => got.push(v.id),
                Err(RecvTimeoutError::Timeout) if sender.is_finished() => break,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Closed) => unreachable!("the sender lives"),
            }
        }
        let delivered = sender.join().unwrap();
        assert_eq!(
            got, delivered,
            "receiver and sender disagree on what was handed off"
        );
        got
    });
    assert!(received.windows(2).all(|w| w[0] < w[1]), "FIFO broken");
    assert_eq!((tx.waiting_senders(), rx.waiting_receivers()), (0, 0));
    drop((tx, rx));
    assert_each_dropped_once(&drops);
}

#[test]
fn buffered_receiver_times_out_while_full_buffer_refills() {
    // Capacity 1: a timed sender parks on the full buffer while a timed receiver
    // empties it (moving the parked sender's value in): values are received in order
    // or handed back; whatever is left buffered is dropped with the channel.
    let n = rounds();
    let drops = counters(n);
    let (tx, rx) = chan::bounded::<Val>(1);
    let mut got: Vec<usize> = Vec::new();
    let mut back = Vec::new();
    thread::scope(|s| {
        let sender = s.spawn(|| {
            let mut back = Vec::new();
            for i in 0..n {
                if let Err(e) = tx.send_timeout(val(&drops, i, false), jitter(i)) {
                    back.push(e.into_inner().id);
                }
            }
            back
        });
        loop {
            match rx.recv_timeout(jitter(got.len() + 5)) {
                Ok(v) => got.push(v.id),
                Err(RecvTimeoutError::Timeout) if sender.is_finished() => break,
                Err(_) => {}
            }
        }
        back = sender.join().unwrap();
    });
    // Anything still buffered.
    got.extend(rx.try_iter().map(|v| v.id));
    assert!(got.windows(2).all(|w| w[0] < w[1]), "FIFO broken");
    let mut all: Vec<usize> = got.iter().chain(back.iter()).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..n).collect::<Vec<_>>(),
        "a value was lost or duplicated"
    );
    assert_eq!((tx.waiting_senders(), rx.waiting_receivers()), (0, 0));
    drop((tx, rx));
    assert_each_dropped_once(&drops);
}

#[test]
fn close_races_timed_senders_and_receivers() {
    // Timed senders and receivers park on a rendezvous channel while it is closed:
    // every sender gets its value back or had it received; nothing stays parked.
    let rounds = if cfg!(miri) { 2 } else { 200 };
    for r in 0..rounds {
        let drops = counters(2);
        let (tx, rx) = chan::bounded::<Val>(0);
        let received = AtomicUsize::new(0);
        thread::scope(|s| {
            for i in 0..2 {
                let (tx, d) = (tx.clone(), &drops);
                s.spawn(move || {
                    let _ = tx.send_timeout(val(d, i, false), Duration::from_micros(50 + r as u64));
                });
            }
            for _ in 0..2 {
                let (rx, received) = (rx.clone(), &received);
                s.spawn(move || {
                    if rx.recv_timeout(Duration::from_micros(50)).is_ok() {
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
            tx.close();
        });
        assert_eq!((tx.waiting_senders(), rx.waiting_receivers()), (0, 0));
        assert_each_dropped_once(&drops);
        assert!(received.load(Ordering::SeqCst) <= 2);
    }
}

/// A task's waker: counts its wakes, or panics in `wake` when `bomb`.
#[cfg(feature = "async")]
struct TaskWaker {
    id: usize,
    woken: AtomicUsize,
    bomb: bool,
}

#[cfg(feature = "async")]
impl std::task::Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.bomb {
            panic!("boom: task {} panics in wake", self.id);
        }
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(feature = "async")]
#[test]
fn close_wakes_every_waiter_when_a_task_s_waker_panics() {
    // Threads and tasks wait on one channel, the first in line a task whose waker
    // panics. `close` wakes every other waiter, then the panic reaches its caller.
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let (tx, rx) = chan::bounded::<u32>(0);
    let wakers: Vec<Arc<TaskWaker>> = (0..3)
        .map(|id| {
            Arc::new(TaskWaker {
                id,
                woken: AtomicUsize::new(0),
                bomb: id == 0,
            })
        })
        .collect();
    let mut futs: Vec<_> = (0..3).map(|_| Box::pin(rx.recv_async())).collect();
    let poll = |f: &mut std::pin::Pin<Box<chan::RecvFuture<'_, u32>>>, w: &Arc<TaskWaker>| {
        f.as_mut()
            .poll(&mut Context::from_waker(&Waker::from(w.clone())))
    };
    // The panicking task first in line, then two threads, then two tasks.
    assert!(poll(&mut futs[0], &wakers[0]).is_pending());
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let rx2 = rx.clone();
            let t = thread::spawn(move || rx2.recv());
            while rx.waiting_receivers() < 2 + i {
                thread::yield_now();
            }
            t
        })
        .collect();
    for i in 1..3 {
        assert!(poll(&mut futs[i], &wakers[i]).is_pending());
    }
    assert_eq!(rx.waiting_receivers(), 5);
    // Give the threads time to fall asleep (a thread that still spins would see the
    // close by itself; a sleeping one needs its wake-up).
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 20 }));

    expect_boom(|| {
        tx.close();
    });
    assert!(rx.is_closed());
    assert_eq!(rx.waiting_receivers(), 0);
    for w in &wakers[1..] {
        assert_eq!(w.woken.load(Ordering::SeqCst), 1, "task {} not woken", w.id);
    }
    for t in threads {
        assert_eq!(t.join().unwrap(), Err(chan::RecvError));
    }
    // Every future (the panicking task's too) sees the close.
    for f in &mut futs {
        assert_eq!(poll(f, &wakers[1]), Poll::Ready(Err(chan::RecvError)));
    }
}
