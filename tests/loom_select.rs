//! Loom models of the select protocol: the races between a select's passes and its peers.
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release --test loom_select`
//!
//! Under loom a timed wait may time out at any point (the facade's `expired` is
//! always true), so the timeout models explore the deadline racing every peer step.
#![cfg(gosync_loom)]
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver};
use gosync::{select, select_biased};
use loom::thread;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(3600);

/// A spawned model thread that the main thread waits for by spinning on a flag
/// before joining it.
///
/// The channel core wakes a thread with `Thread::unpark` after releasing its locks,
/// so a wake-up can reach its thread late — after that thread has moved on. On std
/// that is harmless (the token only makes a later `park` return at once), but loom
/// 0.7 resumes a thread blocked in `JoinHandle::join` on any unpark and aborts the
/// model (tokio-rs/loom#249). A thread spinning with `yield_now` is immune.
struct Task<T> {
    done: Arc<loom::sync::atomic::AtomicBool>,
    handle: thread::JoinHandle<T>,
}

fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> Task<T> {
    let done = Arc::new(loom::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let handle = thread::spawn(move || {
        // `f`'s captures (senders, receivers) are dropped, and their wake-ups sent,
        // before the flag is raised.
        let out = f();
        flag.store(true, Ordering::Release);
        out
    });
    Task { done, handle }
}

impl<T> Task<T> {
    fn join(self) -> T {
        while !self.done.load(Ordering::Acquire) {
            thread::yield_now();
        }
        self.handle.join().unwrap()
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// As [`model`], with at most `bound` preemptions whatever `LOOM_MAX_PREEMPTIONS`
/// says: for the three-thread models whose state space, with every select's pass 0
/// (each case tried alone before all locks are taken), is too large to explore at 2
/// in CI's time (about 3 minutes).
fn model_bounded(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(bound.min(b.preemption_bound.unwrap_or(bound)));
    b.check(f);
}

/// Two selects race for one sender: exactly one receives the value, the other is
/// released by the quit channel, and no waiter of the loser stays linked.
#[test]
fn two_selects_race_for_one_sender() {
    model_bounded(1, || {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (quit_tx, quit) = chan::bounded::<()>(0);
        let selector = |rx: Receiver<u32>, quit: Receiver<()>| {
            spawn(move || {
                select! {
                    recv(rx) -> v => Some(v.unwrap()),
                    recv(quit) -> _ => None,
                }
            })
        };
        let x = selector(rx.clone(), quit.clone());
        let y = selector(rx, quit);
        tx.send(1).unwrap();
        quit_tx.close();
        let (a, b) = (x.join(), y.join());
        assert!(
            matches!((a, b), (Some(1), None) | (None, Some(1))),
            "exactly one select wins: {a:?} {b:?}"
        );
        assert_eq!(tx.waiting_receivers(), 0, "the loser's waiter is unlinked");
    });
}

/// A select parked on two channels is claimed through one case while the other
/// case's sender arrives: exactly one claim wins the selected word; the loser's value
/// stays with its sender, to be received later, once.
#[test]
fn select_woken_by_one_case_while_the_other_peer_arrives() {
    model(|| {
        let (a_tx, a) = chan::bounded::<u32>(0);
        let (b_tx, b) = chan::bounded::<u32>(0);
        let p = spawn(move || a_tx.send(1).unwrap());
        let q = spawn(move || b_tx.send(2).unwrap());
        let first = select! {
            recv(a) -> v => v.unwrap(),
            recv(b) -> v => v.unwrap(),
        };
        let second = if first == 1 { b.recv() } else { a.recv() }.unwrap();
        assert_eq!(first + second, 3);
        p.join();
        q.join();
        assert_eq!(a.waiting_receivers() + b.waiting_receivers(), 0);
    });
}

/// A biased select over `hi` then `lo` while a producer sends on `hi` and then on `lo`
/// (capacity 1 each): whenever `lo` is ready, `hi` is too (nothing else receives from
/// it), so the select takes `hi`. A pass 0 that tried every case alone, one at a time,
/// could see `hi` empty, then both sends land, then `lo` ready, and take `lo`.
#[test]
fn biased_select_takes_the_first_case_ready_at_one_instant() {
    model(|| {
        let (hi_tx, hi) = chan::bounded::<u32>(1);
        let (lo_tx, lo) = chan::bounded::<u32>(1);
        let p = spawn(move || {
            hi_tx.send(1).unwrap();
            lo_tx.send(2).unwrap();
        });
        let got = select_biased! {
            recv(hi) -> v => v.unwrap(),
            recv(lo) -> v => v.unwrap(),
        };
        assert_eq!(got, 1, "lo chosen while hi, sent before it, was ready");
        p.join();
    });
}

struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A select with a receive case and a send case races two closes: whichever wins,
/// the select completes with that case's "closed" outcome, and the send value is
/// dropped exactly once (handed back, or dropped with the unchosen case).
#[test]
fn select_vs_close() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (a_tx, a) = chan::bounded::<u32>(0);
        let (b, b_rx) = chan::bounded::<Counted>(0);
        let c1 = spawn(move || {
            a_tx.close();
        });
        let c2 = spawn(move || drop(b_rx));
        select! {
            recv(a) -> v => assert!(v.is_err()),
            send(b, Counted(drops.clone())) -> r => drop(r.unwrap_err().into_inner()),
        }
        c1.join();
        c2.join();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(a.waiting_receivers(), 0);
    });
}

/// A select with a timeout races a sender with a timeout on a rendezvous channel:
/// the value is received if and only if the send reports success.
#[test]
fn select_timeout_races_a_hand_off() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let p = spawn(move || {
            let sent = tx.send_timeout(7, LONG).is_ok();
            (sent, tx)
        });
        let got = select! {
            recv(rx) -> v => Some(v.unwrap()),
            default(LONG) => None,
        };
        let (sent, tx) = p.join();
        assert_eq!(got.is_some(), sent, "received {got:?}, send ok: {sent}");
        if let Some(v) = got {
            assert_eq!(v, 7);
        }
        assert_eq!(tx.waiting_senders() + tx.waiting_receivers(), 0);
    });
}

/// A select that sends and receives on one rendezvous channel never completes
/// against itself; against a peer doing the same, one sends and the other receives.
#[test]
fn self_select_pairs_with_a_peer_never_itself() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let peer = spawn(move || {
            select! {
                send(tx2, 2) -> r => { r.unwrap(); None }
                recv(rx2) -> v => Some(v.unwrap()),
            }
        });
        let mine = select! {
            send(tx, 1) -> r => { r.unwrap(); None }
            recv(rx) -> v => Some(v.unwrap()),
        };
        let theirs = peer.join();
        assert!(
            matches!((mine, theirs), (Some(2), None) | (None, Some(1))),
            "{mine:?} {theirs:?}"
        );
    });
}

/// A select with a timer case races a timed sender (S7). Under loom a timer is due
/// at once (the clock has always passed every deadline), so this explores pass 1
/// choosing between a due timer and a channel whose sender arrives, parks or gives
/// up at any point (the receive is chosen when the sender is parked by then): the value is received if and only if the send reports success,
/// and no waiter stays linked.
#[test]
fn select_timer_races_a_hand_off() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let p = spawn(move || {
            let sent = tx.send_timeout(7, LONG).is_ok();
            (sent, tx)
        });
        // Biased, receive first: loom replaces the poll order's random generator by
        // a constant, and with the timer always due an unbiased order might never
        // poll the channel before it.
        let got = select_biased! {
            recv(rx) -> v => Some(v.unwrap()),
            recv(chan::after(LONG)) -> t => { assert!(t.is_ok()); None }
        };
        let (sent, tx) = p.join();
        assert_eq!(got.is_some(), sent, "received {got:?}, send ok: {sent}");
        assert_eq!(tx.waiting_senders() + tx.waiting_receivers(), 0);
    });
}

/// The single-case non-blocking select (`select!` with one case and `default`:
/// Go's `selectnbrecv`, S8) races a sender and a close: it answers from the
/// channel's lock-free fast path, and never reports the channel closed while the
/// value is still buffered.
#[test]
fn single_case_select_with_default_races_send_and_close() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(1);
        let p = spawn(move || {
            tx.send(4).unwrap();
            tx.close();
        });
        let first = select! {
            recv(rx) -> v => Some(v),
            default => None,
        };
        p.join();
        match first {
            Some(Ok(4)) => assert_eq!(rx.recv(), Err(chan::RecvError)),
            None => {
                assert_eq!(rx.recv(), Ok(4));
                assert_eq!(rx.recv(), Err(chan::RecvError));
            }
            other => panic!("closed reported before the buffered value: {other:?}"),
        }
    });
}
