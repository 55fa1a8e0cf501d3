//! Loom models of the debug snapshot (`gosync::debug`): the watchdog's all-asleep rule
//! must never count as asleep a thread that a waker has already claimed, in any
//! interleaving of a wake-up with the snapshot, and must see a thread that stays
//! parked.
//!
//! No model of the wait table's side (a `Mutex` waiter woken while a snapshot runs):
//! under loom, a snapshot that takes a record's lock marks the parked thread, whose
//! last operation touched that lock, as blocked on it, which drops an unpark loom had
//! saved for that thread; the model then hangs for a reason std's locks do not have
//! (they never touch a thread's park token). The table's token check is the same
//! rule as the context's, and `tests/debug_deadlock.rs` runs it for real.
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release --test loom_debug`
#![cfg(gosync_loom)]

use gosync::{chan, debug};
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    // Records are off in loom builds unless a model asks for them.
    debug::__record_under_loom();
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.max_branches = b.max_branches.max(20_000);
    b.check(f);
}

/// A hand-off chain: `t2` wakes `t1` (claiming it) and then parks itself. At no
/// instant are both parked and unclaimed, so however the snapshot interleaves with the
/// claim, the wake-up and `t2`'s park, it counts at most one of them asleep. (A
/// snapshot that read `t1` before the claim and `t2` after its park, without checking
/// both again, would count two: a false deadlock.)
#[test]
fn wake_up_racing_the_snapshot() {
    model(|| {
        let (tx_a, rx_a) = chan::bounded::<u32>(0);
        let (tx_b, rx_b) = chan::bounded::<u32>(0);
        let t1 = thread::spawn(move || rx_a.recv().unwrap());
        let t2 = thread::spawn(move || {
            tx_a.send(1).unwrap();
            rx_b.recv().unwrap()
        });
        let asleep = debug::__asleep_forever();
        assert!(asleep <= 1, "{asleep} threads counted asleep");
        tx_b.send(2).unwrap();
        assert_eq!(t1.join().unwrap(), 1);
        assert_eq!(t2.join().unwrap(), 2);
    });
}

/// No false negative: a receiver that stays parked is eventually seen asleep.
#[test]
fn parked_receiver_is_seen() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let t = thread::spawn(move || rx.recv().unwrap());
        while debug::__asleep_forever() == 0 {
            thread::yield_now();
        }
        tx.send(4).unwrap();
        assert_eq!(t.join().unwrap(), 4);
    });
}
