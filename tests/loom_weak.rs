//! Loom models of weak senders and the handle counts: `WeakSender::upgrade` racing
//! the last `Sender`'s drop.
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release -p gosync --test loom_weak`
//!
//! What must hold in every interleaving: an upgrade either fails, or succeeds and the
//! channel stays open until the upgraded `Sender` drops (its send succeeds); a
//! receiver sees the close exactly when the last strong sender is gone (then the
//! sender count is 0 and no upgrade can succeed any more).
#![cfg(gosync_loom)]

use gosync::chan;
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

#[test]
fn upgrade_races_the_last_sender_drop() {
    model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let weak = tx.downgrade();
        let dropper = thread::spawn(move || drop(tx));
        let upgrader = thread::spawn(move || match weak.upgrade() {
            Some(tx2) => {
                // Upgraded: the channel must still be open, and stay open until
                // `tx2` drops.
                assert_eq!(tx2.send(7), Ok(()), "upgraded sender found it closed");
                drop(tx2);
                true
            }
            None => false,
        });
        // The receiver: values until the close, which comes only when no strong
        // sender is left.
        let got: Vec<u32> = rx.iter().collect();
        assert_eq!(rx.sender_count(), 0, "closed while a sender lives");
        dropper.join().unwrap();
        let upgraded = upgrader.join().unwrap();
        assert_eq!(got, if upgraded { vec![7] } else { vec![] });
        assert!(rx.is_closed());
    });
}

#[test]
fn two_upgrades_race_the_last_sender_drop() {
    model(|| {
        let (tx, rx) = chan::bounded::<u32>(2);
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        let a = thread::spawn(move || weak.upgrade().map(|t| t.send(1).is_ok()));
        let b = thread::spawn(move || weak2.upgrade().map(|t| t.send(2).is_ok()));
        drop(tx);
        let ra = a.join().unwrap();
        let rb = b.join().unwrap();
        // Every upgrade that succeeded could send.
        assert_ne!(ra, Some(false));
        assert_ne!(rb, Some(false));
        let mut got: Vec<u32> = rx.iter().collect();
        got.sort_unstable();
        let mut want = Vec::new();
        if ra.is_some() {
            want.push(1);
        }
        if rb.is_some() {
            want.push(2);
        }
        assert_eq!(got, want);
        assert_eq!(rx.sender_count(), 0);
    });
}

#[test]
fn clone_and_drop_keep_the_count() {
    model(|| {
        let (tx, rx) = chan::unbounded::<u32>();
        let tx2 = tx.clone();
        let weak = tx.downgrade();
        let t = thread::spawn(move || {
            tx2.send(1).unwrap();
            drop(tx2);
        });
        let up = weak.upgrade().expect("tx is alive");
        drop(tx);
        t.join().unwrap();
        assert_eq!(rx.sender_count(), 1);
        assert!(!rx.is_closed());
        drop(up);
        assert!(rx.is_closed());
        assert!(weak.upgrade().is_none());
        assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    });
}
