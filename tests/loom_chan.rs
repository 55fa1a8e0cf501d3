//! Loom models of every channel transition (issue: the channel core).
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release --test loom_chan`
//!
//! Under loom, a timed wait may time out at any point (`facade::expired` is always
//! true), so each `*_timeout` call below races its peer at every interleaving loom
//! explores.
#![cfg(gosync_loom)]

use gosync::chan::{self, RecvTimeoutError, SendTimeoutError, TryRecvError};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

/// Far enough never to pass for real; under loom it "passes" whenever loom likes.
const LONG: Duration = Duration::from_secs(3600);

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// A value that counts its drops, to prove nothing is lost or dropped twice.
struct Counted(usize, Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn rendezvous_send_recv() {
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(rx.recv(), Ok(7));
        t.join().unwrap();
        // The sender is gone: closed and drained.
        assert_eq!(rx.recv(), Err(chan::RecvError));
    });
}

#[test]
fn cap1_send_recv() {
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        t.join().unwrap();
    });
}

#[test]
fn capn_send_recv() {
    model(|| {
        let (tx, rx) = chan::bounded(2);
        let t = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(rx.recv(), Ok(i));
        }
        t.join().unwrap();
    });
}

#[test]
fn unbounded_send_recv() {
    model(|| {
        let (tx, rx) = chan::unbounded();
        let tx2 = tx.clone();
        let t = thread::spawn(move || {
            tx2.send(1).unwrap();
            tx2.send(2).unwrap();
        });
        tx.send(10).unwrap();
        drop(tx);
        let mut got: Vec<i32> = rx.iter().collect();
        t.join().unwrap();
        // Per-sender FIFO: 1 before 2.
        let p1 = got.iter().position(|&v| v == 1).unwrap();
        let p2 = got.iter().position(|&v| v == 2).unwrap();
        assert!(p1 < p2);
        got.sort_unstable();
        assert_eq!(got, [1, 2, 10]);
    });
}

#[test]
fn handoff_to_parked_receiver() {
    // A receiver parked on an empty buffered channel is handed the value directly.
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let t = thread::spawn(move || rx.recv());
        tx.send(5).unwrap();
        assert_eq!(t.join().unwrap(), Ok(5));
    });
}

#[test]
fn handoff_from_parked_sender() {
    // Two senders park on a rendezvous channel; the receiver takes each value from a
    // parked sender's waiter, exactly once, and each send returns only after that.
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let mut got = [rx.recv().unwrap(), rx.recv().unwrap()];
        a.join().unwrap();
        b.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert_eq!(rx.recv(), Err(chan::RecvError));
    });
}

#[test]
fn full_buffer_refill_from_parked_sender() {
    // cap 1: the second send parks; the receiver that empties the buffer moves the
    // parked sender's value into it, keeping FIFO order.
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx.send(3).unwrap();
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.recv(), Ok(3));
        t.join().unwrap();
    });
}

#[test]
fn close_wakes_blocked_receivers() {
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let rx2 = rx.clone();
        let a = thread::spawn(move || rx.recv());
        let b = thread::spawn(move || rx2.recv());
        assert!(tx.close());
        assert_eq!(a.join().unwrap(), Err(chan::RecvError));
        assert_eq!(b.join().unwrap(), Err(chan::RecvError));
        assert!(!tx.close());
    });
}

#[test]
fn close_returns_blocked_senders_values() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded(0);
        let tx2 = tx.clone();
        let d = drops.clone();
        let t = thread::spawn(move || match tx2.send(Counted(1, d)) {
            Ok(()) => None,
            Err(e) => Some(e.into_inner()),
        });
        tx.close();
        let back = t.join().unwrap();
        // Nobody received, so the value must come back, undropped.
        let back = back.expect("send on a channel closed with no receiver must fail");
        assert_eq!(back.0, 1);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(back);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    });
}

#[test]
fn timeout_races_handoff_send() {
    // A timed send races a receiver: the value is delivered or returned, never both,
    // never lost.
    model(|| {
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || tx.send_timeout(9, LONG));
        let got = rx.recv_timeout(LONG);
        let sent = t.join().unwrap();
        match (sent, got) {
            (Ok(()), Ok(9)) => {}
            (Err(SendTimeoutError::Timeout(9)), Err(RecvTimeoutError::Timeout)) => {}
            (Err(SendTimeoutError::Timeout(9)), Err(RecvTimeoutError::Closed)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
    });
}

#[test]
fn timeout_races_handoff_recv() {
    // A timed receive on a buffered channel races a send: if it timed out the value
    // is still buffered; exactly one of the two places holds it.
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let rx2 = rx.clone();
        let t = thread::spawn(move || rx2.recv_timeout(LONG));
        tx.send(4).unwrap();
        let got = t.join().unwrap();
        let left = rx.try_recv();
        match (got, left) {
            (Ok(4), Err(TryRecvError::Empty)) => {}
            (Err(RecvTimeoutError::Timeout), Ok(4)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
    });
}

#[test]
fn last_receiver_drop_races_send() {
    // Dropping the last receiver fails pending and later sends with their values and
    // drops what was buffered: every value is dropped exactly once.
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded(1);
        let d = drops.clone();
        let t = thread::spawn(move || {
            let mut returned = 0;
            for i in 0..2 {
                if let Err(e) = tx.send(Counted(i, d.clone())) {
                    drop(e.into_inner());
                    returned += 1;
                }
            }
            returned
        });
        drop(rx);
        let returned = t.join().unwrap();
        assert!(
            returned >= 1,
            "the second send cannot have succeeded after the drop"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn lock_contention_parks() {
    // Three threads contend for one channel lock with non-blocking operations; the
    // lock's park/unpark path must neither lose a wake-up nor let two in at once.
    model(|| {
        let (tx, rx) = chan::bounded(1);
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        let a = thread::spawn(move || tx2.try_send(1).is_ok());
        let b = thread::spawn(move || rx2.try_recv().ok());
        let sent_main = tx.try_send(2).is_ok();
        let sent_a = a.join().unwrap();
        let got_b = b.join().unwrap();
        let mut rest: Vec<i32> = rx.try_iter().collect();
        rest.extend(got_b);
        rest.sort_unstable();
        let mut expect = vec![];
        if sent_a {
            expect.push(1);
        }
        if sent_main {
            expect.push(2);
        }
        assert_eq!(rest, expect);
    });
}

#[test]
fn last_sender_drop_wakes_receiver() {
    // C11: a receiver blocks on an empty rendezvous channel while the two senders
    // are dropped concurrently: exactly one drop is the last, and it closes the
    // channel and wakes the receiver (no lost wake-up, whichever drop comes last).
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let tx2 = tx.clone();
        let r = thread::spawn(move || {
            let got = rx.recv();
            // The woken receiver sees the close published (C16).
            assert!(rx.is_closed());
            assert_eq!(rx.waiting_receivers(), 0);
            got
        });
        let d = thread::spawn(move || drop(tx2));
        drop(tx);
        d.join().unwrap();
        assert_eq!(r.join().unwrap(), Err(chan::RecvError));
    });
}

#[test]
fn last_sender_drop_races_a_buffered_value() {
    // C11 with a value in the buffer: the last sender's drop closes the channel, but
    // the blocked-or-not receiver still gets the value first, then `Closed`.
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(1);
        let r = thread::spawn(move || (rx.recv(), rx.recv()));
        tx.send(3).unwrap();
        drop(tx);
        assert_eq!(r.join().unwrap(), (Ok(3), Err(chan::RecvError)));
    });
}

#[test]
fn woken_receiver_sees_mirrors_published() {
    // C16: the mirrors (`len`, `waiting_*`) are published before a claimed waiter is
    // completed: the woken receiver, and the sender after its hand-off, never see
    // the receiver still counted as waiting, or the value as buffered.
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let r = thread::spawn(move || {
            let got = rx.recv();
            assert_eq!((rx.waiting_receivers(), rx.len()), (0, 0));
            got
        });
        tx.send(8).unwrap();
        assert_eq!((tx.waiting_receivers(), tx.len()), (0, 0));
        assert_eq!(r.join().unwrap(), Ok(8));
    });
}

#[test]
fn try_recv_fast_path_races_close_with_a_buffered_value() {
    // C15: `try_recv`'s lock-free "empty" / "closed" answer races another receiver
    // taking the only buffered value and a close. It may say `Empty` or `Closed` only
    // once the value is gone: exactly one of the two receivers gets it.
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(2);
        tx.send(1).unwrap();
        let rx2 = rx.clone();
        let other = thread::spawn(move || rx2.recv().ok());
        let closer = thread::spawn(move || {
            tx.close();
        });
        let mine = rx.try_recv();
        let theirs = other.join().unwrap();
        closer.join().unwrap();
        match (mine, theirs) {
            (Ok(1), None) => {}
            (Err(TryRecvError::Empty | TryRecvError::Closed), Some(1)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    });
}

#[test]
fn try_recv_fast_path_races_close_with_a_parked_sender() {
    // C15 on a rendezvous channel: the fast path reads the parked-sender count; a
    // `Closed` answer means the close came first and handed the sender its value
    // back, an `Ok` that the sender's value was taken from its waiter.
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(0);
        let tx2 = tx.clone();
        let sender = thread::spawn(move || tx2.send(5).map_err(|e| e.into_inner()));
        let closer = thread::spawn(move || {
            tx.close();
        });
        let mine = rx.try_recv();
        let sent = sender.join().unwrap();
        closer.join().unwrap();
        match (mine, sent) {
            (Ok(5), Ok(())) => {}
            (Err(TryRecvError::Empty | TryRecvError::Closed), Err(5)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
        assert_eq!(rx.waiting_senders(), 0);
    });
}

#[test]
fn try_send_fast_path_races_recv_and_close() {
    // C15, send side: a full buffer is emptied by a receiver, which then closes the
    // channel, while `try_send` answers. `Full` (before the receive), `Ok` (between:
    // the value is buffered and still received after the close) or `Closed` (after):
    // never a value lost.
    model(|| {
        let (tx, rx) = chan::bounded::<i32>(1);
        tx.send(1).unwrap();
        let rx2 = rx.clone();
        let tx2 = tx.clone();
        let peer = thread::spawn(move || {
            let got = rx2.recv();
            tx2.close();
            got
        });
        let mine = tx.try_send(2);
        assert_eq!(peer.join().unwrap(), Ok(1));
        let rest: Vec<i32> = rx.try_iter().collect();
        match mine {
            Ok(()) => assert_eq!(rest, [2]),
            Err(chan::TrySendError::Full(2) | chan::TrySendError::Closed(2)) => {
                assert!(rest.is_empty())
            }
            other => panic!("unexpected: {other:?}"),
        }
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    });
}
