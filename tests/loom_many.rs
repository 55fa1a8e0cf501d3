//! Loom models of the batched receive (`recv_many`, `try_recv_many`,
//! `recv_many_async`): a batch racing parked senders and a close.
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release --test loom_many`
#![cfg(gosync_loom)]

use gosync::chan::{self, RecvError, TryRecvError};
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// Two senders that may both be parked when the batch runs (on a rendezvous
/// channel), or one buffered and one parked (capacity 1): batches take both values,
/// each exactly once, per-sender order kept, and both senders return.
fn batch_takes_two_parked_senders(cap: usize) {
    model(move || {
        let (tx, rx) = chan::bounded::<usize>(cap);
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let mut buf = Vec::new();
        while buf.len() < 2 {
            let n = rx.recv_many(&mut buf, 4).unwrap();
            assert!(n >= 1 && buf.len() <= 2);
        }
        a.join().unwrap();
        b.join().unwrap();
        buf.sort_unstable();
        assert_eq!(buf, [1, 2]);
        assert_eq!((rx.waiting_senders(), rx.len()), (0, 0));
    });
}

/// A sender that may be parked when the batch runs, and a close racing both: the
/// receiver batches until `RecvError`; the value is received exactly when its send
/// succeeded, else the close handed it back — never both, never neither. (Plain
/// values, no drop counters: each atomic would multiply the interleavings; the send
/// result accounts for the value.)
fn batch_races_a_parked_sender_and_a_close(cap: usize) {
    model(move || {
        let (tx, rx) = chan::bounded::<usize>(cap);
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).map_err(|e| e.into_inner()));
        let c = thread::spawn(move || {
            tx2.close();
        });
        let mut buf = Vec::new();
        while let Ok(n) = rx.recv_many(&mut buf, 4) {
            assert_eq!(n, 1);
        }
        match a.join().unwrap() {
            Ok(()) => assert_eq!(buf, [1]),
            Err(v) => assert_eq!((v, buf.len()), (1, 0)),
        }
        c.join().unwrap();
        assert_eq!((rx.waiting_senders(), rx.len()), (0, 0));
    });
}

#[test]
fn rendezvous_batch_takes_two_parked_senders() {
    batch_takes_two_parked_senders(0);
}

#[test]
fn buffered_batch_takes_a_buffered_value_and_refills_from_a_parked_sender() {
    batch_takes_two_parked_senders(1);
}

#[test]
fn rendezvous_batch_races_a_parked_sender_and_a_close() {
    batch_races_a_parked_sender_and_a_close(0);
}

#[test]
fn buffered_batch_races_a_sender_and_a_close() {
    batch_races_a_parked_sender_and_a_close(1);
}

/// A non-blocking batch on a full buffer with a parked sender, racing a close: it
/// takes the buffered value and the refilled one in FIFO order, or sees what the
/// close left (the sender's value handed back).
#[test]
fn try_batch_races_a_parked_sender_and_a_close() {
    model(|| {
        let (tx, rx) = chan::bounded::<usize>(1);
        tx.send(1).unwrap();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx2.send(2).is_ok());
        let c = thread::spawn(move || {
            tx.close();
        });
        let mut buf = Vec::new();
        loop {
            match rx.try_recv_many(&mut buf, 4) {
                Ok(_) => {}
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Closed) => break,
            }
        }
        let sent = a.join().unwrap();
        c.join().unwrap();
        // FIFO: the buffered value first; the parked one only if it was sent.
        assert_eq!(buf, if sent { vec![1, 2] } else { vec![1] });
        assert_eq!(rx.recv_many(&mut buf, 1), Err(RecvError));
    });
}

/// A no-op waker (the model polls once and drops the future).
struct Noop;
impl std::task::Wake for Noop {
    fn wake(self: std::sync::Arc<Self>) {}
}

/// A batched receive future dropped while a sender hands it a value (buffer of one,
/// two values): a value handed to it goes back to the FRONT of the buffer, so the
/// batches that follow still see 1 then 2, each exactly once.
#[cfg(feature = "async")]
#[test]
fn batch_future_dropped_racing_handoff_keeps_order() {
    use std::future::Future;
    use std::task::{Context, Waker};
    model(|| {
        let (tx, rx) = chan::bounded::<usize>(1);
        let mut buf = Vec::new();
        let t = {
            let mut fut = Box::pin(rx.recv_many_async(&mut buf, 4));
            let waker = Waker::from(std::sync::Arc::new(Noop));
            let polled = fut.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(polled.is_pending());
            let t = thread::spawn(move || {
                tx.send(1).unwrap();
                tx.send(2).unwrap();
            });
            drop(fut); // races the sends
            t
        };
        assert!(buf.is_empty());
        while buf.len() < 2 {
            rx.recv_many(&mut buf, 4).unwrap();
        }
        assert_eq!(buf, [1, 2]);
        t.join().unwrap();
        assert_eq!((rx.waiting_receivers(), rx.len()), (0, 0));
    });
}
