//! Loom models of the async side: tasks parked on channels, their wake-ups, and
//! futures dropped while a peer completes them (issue: async channels).
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release --test loom_async`
//!
//! No executor crate here: a tiny `block_on` whose waker unparks a loom thread. A lost
//! wake-up shows up as a loom deadlock (every thread parked), a lost or duplicated
//! value as a wrong drop count.
#![cfg(gosync_loom)]

use gosync::chan::{self, RecvError, SendError};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Wake, Waker};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// A waker that sets a flag and unparks the loom thread that made it.
struct Notify {
    woken: AtomicBool,
    thread: thread::Thread,
}

impl Wake for Notify {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        // An RMW, not a store: loom 0.7 may let a later RMW (the waiter's `swap`)
        // read a value older than a concurrent plain store (tokio-rs/loom#254).
        self.woken.swap(true, Ordering::AcqRel);
        self.thread.unpark();
    }
}

fn notifier() -> (std::sync::Arc<Notify>, Waker) {
    let n = std::sync::Arc::new(Notify {
        woken: AtomicBool::new(false),
        thread: thread::current(),
    });
    let w = Waker::from(n.clone());
    (n, w)
}

/// Parks until `n` was woken.
fn wait_woken(n: &Notify) {
    while !n.woken.swap(false, Ordering::Acquire) {
        thread::park();
    }
}

/// Polls `fut` to completion on this loom thread.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let (n, w) = notifier();
    let mut cx = Context::from_waker(&w);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        wait_woken(&n);
    }
}

/// Polls once with a throwaway waker.
fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let (_n, w) = notifier();
    fut.poll(&mut Context::from_waker(&w))
}

/// A value that counts its drops: nothing lost, nothing dropped twice.
struct Counted(usize, loom::sync::Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

/// A thread sends to a task (rendezvous): the task is woken with the value.
#[test]
fn sync_sender_async_receiver() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx.recv_async()), Ok(7));
        t.join().unwrap();
        assert_eq!(block_on(rx.recv_async()), Err(RecvError));
    });
}

/// A task sends to a thread, through a one-slot buffer and a hand-off.
#[test]
fn async_sender_sync_receiver() {
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let t = thread::spawn(move || {
            block_on(async {
                tx.send_async(1).await.unwrap();
                tx.send_async(2).await.unwrap();
            })
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        t.join().unwrap();
    });
}

/// Task to task across two threads, rendezvous, then close.
#[test]
fn async_sender_async_receiver() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || block_on(tx.send_async(3)).unwrap());
        assert_eq!(block_on(rx.recv_async()), Ok(3));
        t.join().unwrap();
        assert_eq!(block_on(rx.recv_async()), Err(RecvError));
    });
}

/// The task re-polls with a NEW waker while a sender hands the value off: whichever
/// waker the sender takes, the task is not left asleep on the new one.
#[test]
fn waker_registered_while_sender_hands_off() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let mut fut = pin!(rx.recv_async());
        assert!(poll_once(fut.as_mut()).is_pending()); // parked in recvq, waker A
        let t = thread::spawn(move || tx.send(5).unwrap());
        // Waker B, registered racing the hand-off.
        let (n, w) = notifier();
        let mut cx = Context::from_waker(&w);
        let v = loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                break v;
            }
            wait_woken(&n);
        };
        assert_eq!(v, Ok(5));
        t.join().unwrap();
    });
}

/// The send side of the same race: a send future parked with waker A is re-polled
/// with waker B (under the channel lock, as every registration of a plain future is)
/// while a thread receives; the task is not left asleep, and the value arrives once.
#[test]
fn send_waker_registered_while_receiver_takes() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let mut fut = pin!(tx.send_async(9));
        assert!(poll_once(fut.as_mut()).is_pending()); // parked in sendq, waker A
        let t = thread::spawn(move || rx.recv().unwrap());
        let (n, w) = notifier();
        let mut cx = Context::from_waker(&w);
        loop {
            if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
                r.unwrap();
                break;
            }
            wait_woken(&n);
        }
        assert_eq!(t.join().unwrap(), 9);
    });
}

/// A parked task is woken by a close on another thread.
#[test]
fn close_wakes_async_receiver_and_sender() {
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let tx2 = tx.clone();
        let t = thread::spawn(move || {
            tx.close();
        });
        let r = block_on(async {
            // Either parks then is failed by the close, or finds it closed.
            tx2.send_async(1).await
        });
        assert_eq!(r, Err(SendError(1)));
        t.join().unwrap();
        assert_eq!(block_on(rx.recv_async()), Err(RecvError));
    });
}

/// A receive future dropped while a sender hands it a value: the value is received
/// exactly once afterwards (given back to the buffer, or still with its sender).
#[test]
fn recv_future_dropped_racing_handoff() {
    model(|| {
        let drops = loom::sync::Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded(0);
        {
            let mut fut = Box::pin(rx.recv_async());
            assert!(poll_once(fut.as_mut()).is_pending());
            let d = drops.clone();
            let t = thread::spawn(move || tx.send(Counted(1, d)).map_err(|_| ()).unwrap());
            drop(fut); // races the send
            let v = rx.recv().unwrap();
            assert_eq!(v.0, 1);
            drop(v);
            t.join().unwrap();
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(rx.try_recv().map(|c| c.0), Err(chan::TryRecvError::Closed));
        assert_eq!(rx.waiting_receivers(), 0);
    });
}

/// As above with a buffer and two values: a value given back goes to the FRONT, so
/// the order survives the cancellation.
#[test]
fn recv_future_dropped_keeps_order() {
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let mut fut = Box::pin(rx.recv_async());
        assert!(poll_once(fut.as_mut()).is_pending());
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        drop(fut);
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        t.join().unwrap();
    });
}

/// A send future dropped while a receiver may take its value: the value is either
/// received or dropped unsent, exactly once.
#[test]
fn send_future_dropped_racing_receiver() {
    model(|| {
        let drops = loom::sync::Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded(0);
        let rx2 = rx.clone(); // keeps the channel open whatever the thread does
        let t = thread::spawn(move || {
            // Under loom the timeout may fire at any point.
            rx2.recv_timeout(std::time::Duration::from_secs(3600))
                .is_ok()
        });
        let received = {
            let mut fut = Box::pin(tx.send_async(Counted(1, drops.clone())));
            let first = poll_once(fut.as_mut());
            drop(fut); // races the receive
            let received = t.join().unwrap();
            if let Poll::Ready(r) = first {
                assert!(r.is_ok(), "the receiver is alive");
                assert!(received, "a completed send was received");
            }
            received
        };
        // Received (and dropped by the receiver) or dropped unsent: once either way.
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let _ = received;
        assert_eq!(tx.waiting_senders(), 0);
        assert!(rx.try_recv().is_err());
    });
}

/// A stream reuses its waiter across items: two values from a thread, then the end.
#[test]
fn stream_reuses_its_waiter() {
    model(|| {
        use futures_core::Stream;
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        let mut s = rx.into_stream();
        let next = |s: &mut chan::RecvStream<'static, i32>| {
            block_on(std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)))
        };
        assert_eq!(next(&mut s), Some(1));
        assert_eq!(next(&mut s), Some(2));
        t.join().unwrap();
        assert_eq!(next(&mut s), None);
    });
}

/// A receive future dropped racing a hand-off while a blocked thread also waits: the
/// value is received exactly once — by the thread (directly, or given back to it as
/// the next waiting receiver, or through the buffer), or, when the sender's close
/// reached the thread before the future gave the value back, from the buffer
/// afterwards (a give-back after close lands in the buffer; see `chan::future`).
#[test]
fn dropped_recv_future_gives_back_to_a_waiting_thread() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let mut fut = Box::pin(rx.recv_async());
        assert!(poll_once(fut.as_mut()).is_pending());
        let rx2 = rx.clone();
        let receiver = thread::spawn(move || rx2.recv());
        let sender = thread::spawn(move || tx.send(1).unwrap());
        drop(fut);
        // Works around loom's `assertion failed: state.notified` in `join` at higher
        // preemption bounds (tokio-rs/loom#249); adds no synchronisation.
        thread::yield_now();
        let by_thread = receiver.join().unwrap();
        sender.join().unwrap();
        let after = rx.try_recv();
        match (by_thread, after) {
            (Ok(1), Err(chan::TryRecvError::Closed)) | (Err(RecvError), Ok(1)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
        assert_eq!(rx.try_recv(), Err(chan::TryRecvError::Closed));
    });
}

/// An async select over two channels, dropped while a thread hands a value to one of
/// its cases: the value is received exactly once afterwards.
#[test]
fn select_future_dropped_racing_handoff() {
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let (_other_tx, other) = chan::bounded::<i32>(0);
        let mut fut = Box::pin(
            gosync::Select::new()
                .recv(&rx, |v| v.unwrap())
                .recv(&other, |v| v.unwrap())
                .wait_async(),
        );
        assert!(poll_once(fut.as_mut()).is_pending());
        let t = thread::spawn(move || tx.send(4).unwrap());
        drop(fut); // races the hand-off
        assert_eq!(rx.recv(), Ok(4));
        t.join().unwrap();
        assert_eq!(other.waiting_receivers(), 0);
    });
}

/// An async select woken by a thread's send (a waker registered, then the claim).
#[test]
fn select_future_woken_by_a_thread() {
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let (_other_tx, other) = chan::bounded::<i32>(0);
        let t = thread::spawn(move || tx.send(6).unwrap());
        let v = block_on(
            gosync::Select::new()
                .recv(&rx, |v| v.unwrap())
                .recv(&other, |v| v.unwrap())
                .wait_async(),
        );
        assert_eq!(v, 6);
        t.join().unwrap();
    });
}

/// A task waits on a `WaitGroup` while a thread counts it down: woken, never lost.
#[test]
fn waitgroup_wait_async_vs_last_done() {
    model(|| {
        let wg = loom::sync::Arc::new(gosync::WaitGroup::new());
        let seen = loom::sync::Arc::new(AtomicUsize::new(0));
        wg.add(1);
        let (wg2, seen2) = (wg.clone(), seen.clone());
        let t = thread::spawn(move || {
            seen2.fetch_add(1, Ordering::Relaxed);
            wg2.done();
        });
        block_on(wg.wait_async());
        // The task's work before `done` is visible after the wait.
        assert_eq!(seen.load(Ordering::Relaxed), 1);
        t.join().unwrap();
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
    });
}

/// A wait future dropped while the last `done` releases it: whichever wins, the
/// group ends with no waiter registered, so a new round's `add` is not mistaken for
/// a concurrent wait, and a blocked thread waiting alongside is released too.
#[test]
fn waitgroup_future_dropped_racing_done() {
    model(|| {
        let wg = loom::sync::Arc::new(gosync::WaitGroup::new());
        wg.add(1);
        let mut fut = Box::pin(wg.wait_async());
        let first = poll_once(fut.as_mut());
        let wg2 = wg.clone();
        let t = thread::spawn(move || wg2.done());
        drop(fut); // races the release
        t.join().unwrap();
        let _ = first; // pending (registered, then dropped) or ready: either way
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
        wg.add(1); // panics on a leftover waiter ("add called concurrently with wait")
        wg.done();
    });
}

/// A task and a thread wait on one group; the last `done` releases both.
#[test]
fn waitgroup_task_and_thread_released_together() {
    model(|| {
        let wg = loom::sync::Arc::new(gosync::WaitGroup::new());
        wg.add(1);
        let wg2 = wg.clone();
        let waiter = thread::spawn(move || wg2.wait());
        let wg3 = wg.clone();
        let doner = thread::spawn(move || wg3.done());
        block_on(wg.wait_async());
        doner.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
    });
}

/// A wait future dropped while another thread's `done` (not the last) changes the
/// counter: the drop takes its waiter off the count at once.
#[test]
fn waitgroup_future_dropped_unregisters_racing_a_done() {
    model(|| {
        let wg = loom::sync::Arc::new(gosync::WaitGroup::new());
        wg.add(2);
        let mut fut = Box::pin(wg.wait_async());
        assert!(poll_once(fut.as_mut()).is_pending());
        let wg2 = wg.clone();
        let t = thread::spawn(move || wg2.done());
        drop(fut);
        let s = format!("{:?}", *wg);
        assert!(
            s.ends_with("waiters: 0 }"),
            "a dropped future stayed registered: {s}"
        );
        t.join().unwrap();
        wg.done();
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
    });
}
