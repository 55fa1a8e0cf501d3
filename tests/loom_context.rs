//! Loom models of contexts: every interleaving (up to the preemption bound) of small
//! 2–3-thread programs. Run with
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom"
//! cargo test --release --test loom_context`.
//!
//! What they rule out: a child created while its parent is being cancelled that
//! escapes the cancel (it must be born cancelled or be reached by the cancel); a
//! cancel that meets a child being dropped (a dead entry in the parent) and
//! misbehaves; an `after_func` that both runs and is reported stopped, or neither; a
//! function run twice when a context and its parent are cancelled at once; a
//! `wait_ctx` whose interrupt races the last `done` and leaves the group with a
//! waiter registered or a thread parked. (Under loom a deadline has always passed,
//! so deadline contexts are born cancelled: the timer thread is not modelled.)

#![cfg(gosync_loom)]

use gosync::chan::{self, RecvError};
use gosync::context::{self, ContextError};
use gosync::WaitGroup;
use loom::sync::Arc;
use loom::thread;

/// Runs a model with a preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.max_branches = builder.max_branches.max(20_000);
    builder.check(f);
}

/// A child made while another thread cancels the parent ends up cancelled, with
/// its done channel closed, whichever comes first.
#[test]
fn cancel_races_child_creation() {
    model(|| {
        let (parent, cancel) = context::background().with_cancel();
        let t = thread::spawn(move || cancel.cancel());
        let (child, _keep) = parent.with_cancel();
        t.join().unwrap();
        assert_eq!(child.err(), Some(ContextError::Canceled));
        assert_eq!(child.done().try_recv(), Err(chan::TryRecvError::Closed));
        assert_eq!(parent.err(), Some(ContextError::Canceled));
    });
}

/// A child is dropped (its handle and context) while the parent is cancelled: the
/// cancel may find the child gone, dying, or alive; either way both end cancelled
/// and nothing is left behind.
#[test]
fn cancel_races_child_drop() {
    model(|| {
        let (parent, cancel) = context::background().with_cancel();
        let (child, child_cancel) = parent.with_cancel();
        let watch = child.with_value(()); // outlives the drop, to look at afterwards
        let t = thread::spawn(move || drop((child, child_cancel)));
        cancel.cancel();
        t.join().unwrap();
        assert_eq!(watch.err(), Some(ContextError::Canceled));
        assert_eq!(watch.done().try_recv(), Err(chan::TryRecvError::Closed));
        // A fresh child still registers and is cancelled (the parent is done).
        let (late, _c) = parent.with_cancel();
        assert!(late.err().is_some());
    });
}

/// `stop` races the cancel: exactly one of "stop returned true" and "f ran".
#[test]
fn after_func_vs_stop() {
    model(|| {
        let (ctx, cancel) = context::background().with_cancel();
        let (tx, ran) = chan::bounded::<()>(1);
        let after = ctx.after_func(move || tx.send(()).unwrap());
        let t = thread::spawn(move || cancel.cancel());
        let stopped = after.stop();
        t.join().unwrap();
        // If f ran, it sent; if it was stopped, it was dropped unrun with its sender.
        let got = ran.recv();
        assert_eq!(got.is_ok(), !stopped, "stopped: {stopped}, got: {got:?}");
        if got.is_ok() {
            assert_eq!(ran.recv(), Err(RecvError), "f ran once");
        }
        context::__join_after_func_threads();
    });
}

/// A context and its parent cancelled at once by two threads: every descendant's
/// `after_func` runs exactly once, and both cancels return with the tree cancelled.
#[test]
fn concurrent_cancels_run_hooks_once() {
    model(|| {
        let (parent, cancel_parent) = context::background().with_cancel();
        let (child, cancel_child) = parent.with_cancel();
        let (tx, ran) = chan::bounded::<&str>(2);
        let _after = child.after_func(move || tx.send("child").unwrap());
        let t = thread::spawn(move || cancel_child.cancel());
        cancel_parent.cancel();
        assert!(
            child.err().is_some(),
            "cancelled before the parent's cancel returned"
        );
        t.join().unwrap();
        assert_eq!(ran.recv(), Ok("child"));
        assert_eq!(ran.recv(), Err(RecvError), "exactly once");
        context::__join_after_func_threads();
    });
}

/// `wait_ctx`'s interrupt (woken by the cancel) races the last `done`: the waiter
/// returns `Ok` or `Canceled`, and the group is left with no waiter registered.
#[test]
fn wait_ctx_cancel_races_done() {
    model(|| {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1);
        let (ctx, cancel) = context::background().with_cancel();
        let t1 = thread::spawn({
            let wg = wg.clone();
            move || wg.done()
        });
        let t2 = thread::spawn(move || cancel.cancel());
        let r = wg.wait_ctx(&ctx);
        assert!(matches!(r, Ok(()) | Err(ContextError::Canceled)), "{r:?}");
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
    });
}

/// The cancel interrupts a parked `wait_ctx` (nobody calls `done`), and the group
/// forgets the waiter.
#[test]
fn wait_ctx_interrupted() {
    model(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let (ctx, cancel) = context::background().with_cancel();
        let t = thread::spawn(move || cancel.cancel());
        assert_eq!(wg.wait_ctx(&ctx), Err(ContextError::Canceled));
        t.join().unwrap();
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 1, waiters: 0 }");
        wg.done();
    });
}

/// `recv_ctx` against a sender and a cancel: a value is received at most once, and
/// a value not received stays in the channel.
#[test]
fn recv_ctx_races_send_and_cancel() {
    model(|| {
        let (tx, rx) = chan::bounded::<u8>(1);
        let (ctx, cancel) = context::background().with_cancel();
        let t1 = thread::spawn(move || tx.send(7).unwrap());
        let t2 = thread::spawn(move || cancel.cancel());
        let r = rx.recv_ctx(&ctx);
        t1.join().unwrap();
        t2.join().unwrap();
        match r {
            Ok(v) => {
                assert_eq!(v, 7);
                assert_eq!(rx.try_recv(), Err(chan::TryRecvError::Closed));
            }
            Err(e) => {
                assert_eq!(e, context::RecvCtxError::Context(ContextError::Canceled));
                assert_eq!(rx.try_recv(), Ok(7), "the value stays buffered");
            }
        }
    });
}

/// `send_ctx` on a rendezvous channel against a receiver and a cancel: the value is
/// either received or handed back, never both, never lost.
#[test]
fn send_ctx_races_recv_and_cancel() {
    model(|| {
        let (tx, rx) = chan::bounded::<u8>(0);
        let (ctx, cancel) = context::background().with_cancel();
        let t1 = thread::spawn(move || rx.recv_timeout(std::time::Duration::from_secs(1)));
        let t2 = thread::spawn(move || cancel.cancel());
        let r = tx.send_ctx(&ctx, 9);
        let received = t1.join().unwrap();
        t2.join().unwrap();
        match r {
            Ok(()) => assert_eq!(received, Ok(9)),
            Err(e) => {
                assert_eq!(e.into_inner(), 9, "handed back");
                assert!(received.is_err(), "and not received");
            }
        }
    });
}
