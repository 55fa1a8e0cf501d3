//! Go's `context` package tests (`src/context/context_test.go`, `x_test.go`),
//! ported to gosync's contexts and OS threads. Go's `otherContext` wrapper (a
//! user-defined Context that hides the implementation) has no counterpart: gosync's
//! value contexts play that role (a context in between that is not itself
//! cancellable). Tests that read Go's internals (the parent's children map) are unit
//! tests in `src/context/tests.rs`. Sizes are scaled down under Miri; no assertion is
//! about speed — deadlines are only checked never to fire early.

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, RecvError};
use gosync::context::{self, Cause, Context, ContextError};
use gosync::{select, WaitGroup};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Longer than any test runs: a deadline that must not fire.
const VERY_LONG: Duration = Duration::from_secs(3600);

/// Scales an iteration count down under Miri.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 20).max(2)
    } else {
        n
    }
}

/// Ends the timer thread once a test's deadlines are gone (Miri reports threads left
/// running at exit; it runs tests one at a time, so there nothing else holds one).
fn stop_timers() {
    let stopped = gosync::__private::stop_timer_thread();
    assert!(stopped || !cfg!(miri), "a test left a deadline registered");
}

/// Whether the context's done channel is ready (closed) right now.
fn is_done(ctx: &Context) -> bool {
    select! {
        recv(ctx.done()) -> r => {
            assert_eq!(r, Err(RecvError), "a done channel delivered a value");
            true
        }
        default => false,
    }
}

#[derive(Debug)]
struct Boom(&'static str);
impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for Boom {}

fn cause(msg: &'static str) -> Cause {
    Arc::new(Boom(msg))
}

/// TestBackground: never done, no deadline, no error, no cause.
#[test]
fn background() {
    let c = context::background();
    assert!(!is_done(&c));
    assert_eq!(c.err(), None);
    assert!(c.cause().is_none());
    assert_eq!(c.deadline(), None);
    assert!(c.done().recv_timeout(Duration::from_millis(1)).is_err());
}

/// TestWithCancel: a cancellable context, a context in between, and a cancellable
/// child of that; one cancel reaches all three.
#[test]
fn with_cancel() {
    let (c1, cancel) = context::background().with_cancel();
    let o = c1.with_value("in between");
    let (c2, _cancel2) = o.with_cancel();
    let contexts = [&c1, &o, &c2];
    for c in contexts {
        assert!(!is_done(c));
        assert_eq!(c.err(), None);
    }
    cancel.cancel();
    for c in contexts {
        // Before `cancel` returns, every descendant is cancelled: no sleep needed.
        assert!(is_done(c));
        assert_eq!(c.err(), Some(ContextError::Canceled));
    }
}

/// TestParentFinishesChild: cancelling a parent finishes a cancel child, a value
/// child, a timer child and an after_func; a child made after the cancel is born
/// cancelled.
#[test]
fn parent_finishes_child() {
    let (parent, cancel) = context::background().with_cancel();
    let (cancel_child, _stop1) = parent.with_cancel();
    let value_child = parent.with_value(("key", "value"));
    let (timer_child, _stop2) = value_child.with_timeout(VERY_LONG);
    let (ran_tx, ran) = chan::bounded(1);
    let _after = parent.after_func(move || ran_tx.send(()).unwrap());
    for c in [&parent, &cancel_child, &value_child, &timer_child] {
        assert!(!is_done(c));
    }
    cancel.cancel();
    for c in [&parent, &cancel_child, &value_child, &timer_child] {
        assert!(is_done(c));
        assert_eq!(c.err(), Some(ContextError::Canceled));
    }
    assert_eq!(ran.recv(), Ok(()));
    // WithCancel / WithValue of a cancelled parent.
    let (precancelled, _c) = parent.with_cancel();
    assert!(is_done(&precancelled));
    assert_eq!(precancelled.err(), Some(ContextError::Canceled));
    assert!(is_done(&parent.with_value(1u8)));
    drop((_stop1, _stop2, timer_child));
    context::__join_after_func_threads();
    stop_timers();
}

/// TestChildFinishesFirst: a child cancelled first does not cancel its parent.
#[test]
fn child_finishes_first() {
    let (cancelable, _cancel) = context::background().with_cancel();
    for parent in [context::background(), cancelable] {
        let (cc, cancel) = parent.with_cancel();
        cancel.cancel();
        assert!(is_done(&cc));
        assert_eq!(cc.err(), Some(ContextError::Canceled));
        assert!(!is_done(&parent));
        assert_eq!(parent.err(), None);
    }
}

/// Waits for `c` to be cancelled by its deadline `at`, and checks it was not early.
fn expect_deadline(c: &Context, at: Instant) {
    assert_eq!(c.done().recv(), Err(RecvError)); // blocks until the timer thread cancels
    assert!(Instant::now() >= at, "cancelled before its deadline");
    assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
    assert!(c
        .cause()
        .unwrap()
        .downcast_ref::<ContextError>()
        .is_some_and(|e| *e == ContextError::DeadlineExceeded));
}

/// TestDeadline: a deadline fires; a later deadline under an earlier one fires at the
/// earlier one; a deadline in the past fires at once.
#[test]
fn deadline() {
    {
        let at = Instant::now() + Duration::from_millis(20);
        let (c, _cancel) = context::background().with_deadline(at);
        assert_eq!(c.deadline(), Some(at));
        expect_deadline(&c, at);
    }
    {
        let at = Instant::now() + Duration::from_millis(20);
        let (c, _cancel) = context::background().with_deadline(at);
        let o = c.with_value(1u32);
        let (c2, _cancel2) = o.with_deadline(at + VERY_LONG);
        assert_eq!(c2.deadline(), Some(at), "the parent's deadline is earlier");
        expect_deadline(&c2, at);
    }
    {
        // The parent's deadline far away: `!is_done(&c)` below must not depend on how
        // fast this block runs (under Miri 20 ms passed before it, and the test failed).
        let (c, _cancel) = context::background().with_deadline(Instant::now() + VERY_LONG);
        let (past, _cancel2) = c.with_deadline(Instant::now() - Duration::from_secs(1));
        assert_eq!(
            past.err(),
            Some(ContextError::DeadlineExceeded),
            "born expired"
        );
        assert!(is_done(&past));
        assert!(!is_done(&c));
    }
    stop_timers();
}

/// TestTimeout: the same with durations.
#[test]
fn timeout() {
    {
        let start = Instant::now();
        let (c, _cancel) = context::background().with_timeout(Duration::from_millis(20));
        expect_deadline(&c, start + Duration::from_millis(20));
    }
    {
        let start = Instant::now();
        let (c, _cancel) = context::background().with_timeout(Duration::from_millis(20));
        let (c2, _cancel2) = c.with_value("o").with_timeout(VERY_LONG);
        expect_deadline(&c2, start + Duration::from_millis(20));
    }
    // A timeout too large for an Instant: no deadline.
    let (forever, _cancel3) = context::background().with_timeout(Duration::MAX);
    assert_eq!(forever.deadline(), None);
    stop_timers();
}

/// TestCanceledTimeout: cancelling a context with a timeout gives Canceled, not
/// DeadlineExceeded, and withdraws the timer.
#[test]
fn canceled_timeout() {
    {
        // Timeouts far away: the cancel must come first however slow the run.
        let (c, _cancel) = context::background().with_timeout(VERY_LONG);
        let o = c.with_value(());
        let (c, cancel) = o.with_timeout(2 * VERY_LONG);
        cancel.cancel();
        assert!(is_done(&c));
        assert_eq!(c.err(), Some(ContextError::Canceled));
    }
    stop_timers();
}

/// TestValues: values are found in the nearest ancestor that has one of the type;
/// cancel contexts in between pass lookups through.
#[test]
fn values() {
    #[derive(Debug, PartialEq)]
    struct K1(&'static str);
    #[derive(Debug, PartialEq)]
    struct K2(&'static str);
    #[derive(Debug, PartialEq)]
    struct K3(&'static str);

    let check = |c: &Context, k1: Option<&str>, k2: Option<&str>, k3: Option<&str>| {
        assert_eq!(c.value::<K1>().map(|v| v.0), k1);
        assert_eq!(c.value::<K2>().map(|v| v.0), k2);
        assert_eq!(c.value::<K3>().map(|v| v.0), k3);
    };
    let c0 = context::background();
    check(&c0, None, None, None);
    let c1 = c0.with_value(K1("c1k1"));
    check(&c1, Some("c1k1"), None, None);
    let c2 = c1.with_value(K2("c2k2"));
    check(&c2, Some("c1k1"), Some("c2k2"), None);
    let c3 = c2.with_value(K3("c3k3"));
    check(&c3, Some("c1k1"), Some("c2k2"), Some("c3k3"));
    let c4 = c3.with_value(K1("c4k1"));
    check(&c4, Some("c4k1"), Some("c2k2"), Some("c3k3"));
    let (o0, _c) = c4.with_cancel();
    check(&o0, Some("c4k1"), Some("c2k2"), Some("c3k3"));
    let o1 = o0.with_value(K2("c4k2"));
    check(&o1, Some("c4k1"), Some("c4k2"), Some("c3k3"));
    let (o2, _c2) = o1.with_cancel();
    let o3 = o2.with_value(K3("o3k3"));
    check(&o3, Some("c4k1"), Some("c4k2"), Some("o3k3"));
    check(&c1, Some("c1k1"), None, None);
}

/// TestSimultaneousCancels: a tree of contexts cancelled from many threads at once;
/// every one ends cancelled exactly once, and every cancel returns.
#[test]
fn simultaneous_cancels() {
    let (root, cancel) = context::background().with_cancel();
    let mut nodes = vec![(root.clone(), None)];
    // A tree: each node gets two or three children, four levels deep.
    let mut frontier = vec![root.clone()];
    for depth in 0..4 {
        let mut next = Vec::new();
        for parent in &frontier {
            for _ in 0..if depth % 2 == 0 { 2 } else { 3 } {
                let (c, h) = parent.with_cancel();
                next.push(c.clone());
                nodes.push((c, Some(h)));
            }
        }
        frontier = next;
    }
    let after_funcs_run = Arc::new(AtomicUsize::new(0));
    for (c, _) in &nodes {
        let n = after_funcs_run.clone();
        let _keep = c.after_func(move || {
            n.fetch_add(1, Ordering::SeqCst);
        });
    }
    let handles: Vec<_> = nodes.iter().filter_map(|(_, h)| h.as_ref()).collect();
    thread::scope(|s| {
        for chunk in handles.chunks(handles.len().div_ceil(4)) {
            s.spawn(move || chunk.iter().for_each(|h| h.cancel()));
        }
        cancel.cancel();
    });
    for (c, _) in &nodes {
        assert!(is_done(c));
        assert_eq!(c.err(), Some(ContextError::Canceled));
    }
    context::__join_after_func_threads();
    assert_eq!(
        after_funcs_run.load(Ordering::SeqCst),
        nodes.len(),
        "each after_func runs exactly once"
    );
}

/// TestInterlockedCancels: a thread cancels the child when it sees the parent done.
#[test]
fn interlocked_cancels() {
    let (parent, cancel_parent) = context::background().with_cancel();
    let (child, cancel_child) = parent.with_cancel();
    let t = thread::spawn({
        let parent = parent.clone();
        move || {
            let _ = parent.done().recv();
            cancel_child.cancel();
        }
    });
    cancel_parent.cancel();
    assert_eq!(child.done().recv(), Err(RecvError));
    t.join().unwrap();
}

/// TestLayersCancel / TestLayersTimeout: random stacks of value, cancel and
/// timeout layers; cancelling one cancel layer cancels that layer and those below
/// it, never those above.
#[test]
fn layers() {
    let mut seed = 0x9e37_79b9_u32;
    let mut rand = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed % n
    };
    for _ in 0..scaled(100) {
        let mut layers: Vec<(Context, Option<context::CancelHandle>)> =
            vec![(context::background(), None)];
        for i in 0..1 + rand(9) {
            let top = layers.last().unwrap().0.clone();
            let layer = match rand(3) {
                0 => (top.with_value(i), None),
                1 => {
                    let (c, h) = top.with_cancel();
                    (c, Some(h))
                }
                _ => {
                    let (c, h) = top.with_timeout(VERY_LONG);
                    (c, Some(h))
                }
            };
            layers.push(layer);
        }
        let cancellable: Vec<usize> = (0..layers.len())
            .filter(|&i| layers[i].1.is_some())
            .collect();
        if cancellable.is_empty() {
            continue;
        }
        let at = cancellable[rand(cancellable.len() as u32) as usize];
        layers[at].1.as_ref().unwrap().cancel();
        for (i, (c, _)) in layers.iter().enumerate() {
            // The cancelled layer and everything below it; nothing above.
            let cancelled = i >= at;
            assert_eq!(is_done(c), cancelled, "layer {i}, cancelled at {at}");
            assert_eq!(c.err().is_some(), cancelled, "layer {i}, cancelled at {at}");
            // The nearest value layer above (value `k` sits at layer `k + 1`).
            let nearest = (1..=i)
                .rev()
                .find(|&k| layers[k].1.is_none())
                .map(|k| k as u32 - 1);
            assert_eq!(c.value::<u32>().copied(), nearest);
        }
    }
    stop_timers();
}

/// TestWithCancelCanceledParent: a child of a parent cancelled with a cause is born
/// cancelled, with the parent's error and cause.
#[test]
fn with_cancel_canceled_parent() {
    let (parent, cancel) = context::background().with_cancel_cause();
    cancel.cancel(cause("whatever"));
    let (c, _cancel) = parent.with_cancel();
    assert!(is_done(&c));
    assert_eq!(c.err(), Some(ContextError::Canceled));
    assert_eq!(c.cause().unwrap().to_string(), "whatever");
}

/// TestWithCancelSimultaneouslyCanceledParent: children made while another thread
/// cancels the parent are each cancelled once the parent's cancel has returned.
#[test]
fn with_cancel_simultaneously_canceled_parent() {
    for _ in 0..scaled(100) {
        let (parent, cancel) = context::background().with_cancel_cause();
        let (cancelled_tx, cancelled) = chan::bounded::<()>(0);
        let t = thread::spawn(move || {
            cancel.cancel(cause("whatever"));
            drop(cancelled_tx); // the cancel has returned
        });
        let mut children = Vec::new();
        loop {
            let (c, h) = parent.with_cancel();
            children.push((c, h));
            if cancelled.try_recv() == Err(chan::TryRecvError::Closed) {
                break;
            }
        }
        for (c, _) in &children {
            assert!(is_done(c));
            assert_eq!(c.err(), Some(ContextError::Canceled));
            assert_eq!(c.cause().unwrap().to_string(), "whatever");
        }
        t.join().unwrap();
    }
}

/// TestCause: which cause each kind of cancel leaves, in the context and its
/// descendants.
#[test]
fn cause_table() {
    let bg = context::background();
    // Not cancelled: no cause.
    let (c, _h) = bg.with_cancel_cause();
    assert!(c.cause().is_none());
    // Cancelled with a cause.
    let (c, h) = bg.with_cancel_cause();
    h.cancel(cause("finishedEarly"));
    assert_eq!(c.cause().unwrap().to_string(), "finishedEarly");
    // The first cause wins.
    h.cancel(cause("tooSlow"));
    assert_eq!(c.cause().unwrap().to_string(), "finishedEarly");
    // Dropping a cause handle: the cause is the error (Go's cancel(nil)).
    let (c, h) = bg.with_cancel_cause();
    drop(h);
    assert_eq!(
        c.cause().unwrap().downcast_ref::<ContextError>(),
        Some(&ContextError::Canceled)
    );
    // A plain cancel: the cause is the error.
    let (c, h) = bg.with_cancel();
    h.cancel();
    assert_eq!(c.cause().unwrap().to_string(), "context canceled");
    // The parent's cause reaches a child, whatever kind it is.
    let (p, h) = bg.with_cancel_cause();
    let (child, _hc) = p.with_cancel();
    let (timer_child, _ht) = p.with_timeout(VERY_LONG);
    let value_child = p.with_value(0i64);
    h.cancel(cause("parent"));
    for c in [&child, &timer_child, &value_child] {
        assert_eq!(c.err(), Some(ContextError::Canceled));
        assert_eq!(c.cause().unwrap().to_string(), "parent");
    }
    // A child cancelled first keeps its own cause.
    let (p, h) = bg.with_cancel_cause();
    let (child, hc) = p.with_cancel_cause();
    hc.cancel(cause("child"));
    h.cancel(cause("parent"));
    assert_eq!(child.cause().unwrap().to_string(), "child");
    assert_eq!(p.cause().unwrap().to_string(), "parent");
    // A deadline: DeadlineExceeded is the cause.
    let (c, _h) = bg.with_deadline(Instant::now());
    assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
    assert_eq!(c.cause().unwrap().to_string(), "context deadline exceeded");
    // A deadline under a cancelled-with-cause parent: the parent's cause.
    let (p, h) = bg.with_cancel_cause();
    h.cancel(cause("parent first"));
    let (c, _h2) = p.with_timeout(VERY_LONG);
    assert_eq!(c.err(), Some(ContextError::Canceled));
    assert_eq!(c.cause().unwrap().to_string(), "parent first");
    drop(timer_child);
    drop(_ht);
    stop_timers();
}

/// TestCauseRace: a cause is set and read concurrently; a reader that sees the
/// error sees the cause.
#[test]
fn cause_race() {
    let (c, h) = context::background().with_cancel_cause();
    let reader = thread::spawn({
        let c = c.clone();
        move || loop {
            // A cause seen means the error is set; an error seen means the cause is.
            if let Some(cause) = c.cause() {
                assert_eq!(cause.to_string(), "raced");
                assert_eq!(c.err(), Some(ContextError::Canceled));
                break;
            }
            if c.err().is_some() {
                assert_eq!(c.cause().unwrap().to_string(), "raced");
                break;
            }
            thread::yield_now();
        }
    });
    thread::yield_now();
    h.cancel(cause("raced"));
    reader.join().unwrap();
}

/// TestWithoutCancel: a WithoutCancel child keeps values, is never done, and a
/// cancellable child of it is independent of the original parent.
#[test]
fn without_cancel() {
    #[derive(Debug, PartialEq)]
    struct Key(u8);
    let (parent, cancel) = context::background().with_value(Key(1)).with_cancel();
    let (p2, _c2) = parent.with_timeout(VERY_LONG);
    let wc = p2.without_cancel();
    cancel.cancel();
    assert!(is_done(&p2));
    assert_eq!(wc.err(), None);
    assert!(wc.cause().is_none());
    assert!(!is_done(&wc));
    assert_eq!(wc.deadline(), None, "no deadline either");
    assert_eq!(wc.value::<Key>(), Some(&Key(1)));
    let (child, cancel_child) = wc.with_cancel();
    assert!(!is_done(&child));
    assert!(wc.after_func(|| unreachable!("never cancelled")).stop());
    cancel_child.cancel();
    assert!(is_done(&child));
    assert!(!is_done(&wc));
    drop((_c2, p2));
    stop_timers();
}

mod after_func {
    use super::*;

    /// TestAfterFuncCalledAfterCancel.
    #[test]
    fn called_after_cancel() {
        let (ctx, cancel) = context::background().with_cancel();
        let (tx, ran) = chan::bounded(1);
        let _stop = ctx.after_func(move || tx.send(()).unwrap());
        assert!(ran.try_recv().is_err(), "ran before the cancel");
        cancel.cancel();
        assert_eq!(ran.recv(), Ok(()));
        context::__join_after_func_threads();
    }

    /// TestAfterFuncCalledAfterTimeout.
    #[test]
    fn called_after_timeout() {
        let at = Instant::now() + Duration::from_millis(10);
        let (ctx, _cancel) = context::background().with_deadline(at);
        let (tx, ran) = chan::bounded(1);
        let _stop = ctx.after_func(move || tx.send(Instant::now()).unwrap());
        assert!(ran.recv().unwrap() >= at);
        context::__join_after_func_threads();
        drop((_cancel, ctx));
        stop_timers();
    }

    /// TestAfterFuncCalledImmediately: on a cancelled context f starts at once, and
    /// stop is too late.
    #[test]
    fn called_immediately() {
        let (ctx, cancel) = context::background().with_cancel();
        cancel.cancel();
        let (tx, ran) = chan::bounded(1);
        let stop = ctx.after_func(move || tx.send(()).unwrap());
        assert_eq!(ran.recv(), Ok(()));
        assert!(!stop.stop());
        context::__join_after_func_threads();
    }

    /// TestAfterFuncNotCalledAfterStop: stop before the cancel withdraws f, once.
    #[test]
    fn not_called_after_stop() {
        let (ctx, cancel) = context::background().with_cancel();
        let (tx, ran) = chan::bounded::<()>(1);
        let stop = ctx.after_func(move || tx.send(()).unwrap());
        assert!(stop.stop(), "first stop withdraws");
        assert!(!stop.stop(), "second stop is a no-op");
        cancel.cancel();
        // f was dropped unrun, with its sender: the channel is closed and empty.
        assert_eq!(ran.recv(), Err(RecvError));
    }

    /// TestAfterFuncCalledAsynchronously: f runs on another thread, and cancel does
    /// not wait for it (here f blocks until after cancel has returned).
    #[test]
    fn called_asynchronously() {
        let (ctx, cancel) = context::background().with_cancel();
        let (go_tx, go) = chan::bounded::<()>(0);
        let (tx, ran) = chan::bounded(1);
        let me = thread::current().id();
        let _stop = ctx.after_func(move || {
            let _ = go.recv(); // blocks until the cancel has returned
            tx.send(thread::current().id()).unwrap();
        });
        cancel.cancel();
        drop(go_tx);
        assert_ne!(ran.recv().unwrap(), me);
        context::__join_after_func_threads();
    }

    /// A stop racing the cancel: exactly one of "stop returned true" and "f ran".
    #[test]
    fn stop_races_cancel() {
        for _ in 0..scaled(200) {
            let (ctx, cancel) = context::background().with_cancel();
            let ran = Arc::new(AtomicUsize::new(0));
            let stop = ctx.after_func({
                let ran = ran.clone();
                move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }
            });
            let t = thread::spawn(move || cancel.cancel());
            let stopped = stop.stop();
            t.join().unwrap();
            context::__join_after_func_threads();
            assert_eq!(ran.load(Ordering::SeqCst), usize::from(!stopped));
        }
    }
}

/// recv_ctx, send_ctx and wait_ctx: each returns when the context is cancelled while
/// it blocks, and send_ctx hands the value back.
mod blocking_forms {
    use super::*;
    use gosync::context::{RecvCtxError, SendCtxError};

    #[test]
    fn recv_ctx_interrupted_by_cancel() {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let (ctx, cancel) = context::background().with_cancel();
        let t = thread::spawn(move || rx.recv_ctx(&ctx));
        thread::sleep(Duration::from_millis(5));
        cancel.cancel();
        assert_eq!(
            t.join().unwrap(),
            Err(RecvCtxError::Context(ContextError::Canceled))
        );
    }

    #[test]
    fn recv_ctx_gets_values_then_closed() {
        let (tx, rx) = chan::bounded(2);
        let (ctx, _cancel) = context::background().with_cancel();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        assert_eq!(rx.recv_ctx(&ctx), Ok(1));
        assert_eq!(rx.recv_ctx(&ctx), Ok(2));
        assert_eq!(rx.recv_ctx(&ctx), Err(RecvCtxError::Closed));
        assert_eq!(
            rx.recv_ctx(&context::background()),
            Err(RecvCtxError::Closed)
        );
    }

    #[test]
    fn recv_ctx_at_deadline() {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let at = Instant::now() + Duration::from_millis(10);
        let (ctx, _cancel) = context::background().with_deadline(at);
        assert_eq!(
            rx.recv_ctx(&ctx),
            Err(RecvCtxError::Context(ContextError::DeadlineExceeded))
        );
        assert!(Instant::now() >= at);
        drop((_cancel, ctx));
        stop_timers();
    }

    #[test]
    fn send_ctx_hands_the_value_back() {
        let (tx, rx) = chan::bounded::<String>(0);
        let (ctx, cancel) = context::background().with_cancel();
        let t = thread::spawn({
            let tx = tx.clone();
            move || tx.send_ctx(&ctx, "parked".to_string())
        });
        thread::sleep(Duration::from_millis(5));
        cancel.cancel();
        match t.join().unwrap() {
            Err(SendCtxError::Context(ContextError::Canceled, v)) => assert_eq!(v, "parked"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(rx.waiting_senders(), 0, "the waiter was unlinked");
        drop(rx);
        let (ctx, _c) = context::background().with_cancel();
        let e = tx.send_ctx(&ctx, "closed".into()).unwrap_err();
        assert!(matches!(e, SendCtxError::Closed(_)));
        assert_eq!(e.into_inner(), "closed");
    }

    #[test]
    fn send_ctx_delivers() {
        let (tx, rx) = chan::bounded(0);
        let (ctx, _cancel) = context::background().with_cancel();
        let t = thread::spawn(move || {
            for i in 0..10 {
                tx.send_ctx(&ctx, i).unwrap();
            }
        });
        assert_eq!(
            rx.iter().take(10).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        t.join().unwrap();
    }

    #[test]
    fn wait_ctx_interrupted_by_cancel_and_released_by_done() {
        let wg = WaitGroup::new();
        wg.add(1);
        let (ctx, cancel) = context::background().with_cancel();
        thread::scope(|s| {
            let waiter = s.spawn(|| wg.wait_ctx(&ctx));
            thread::sleep(Duration::from_millis(5));
            cancel.cancel();
            assert_eq!(waiter.join().unwrap(), Err(ContextError::Canceled));
        });
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 1, waiters: 0 }");
        let (ctx, _cancel) = context::background().with_cancel();
        thread::scope(|s| {
            let waiters: Vec<_> = (0..3).map(|_| s.spawn(|| wg.wait_ctx(&ctx))).collect();
            thread::sleep(Duration::from_millis(5));
            wg.done();
            for w in waiters {
                assert_eq!(w.join().unwrap(), Ok(()));
            }
        });
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
        // Zero: Ok even with a cancelled context.
        drop(_cancel);
        assert_eq!(wg.wait_ctx(&ctx), Ok(()));
    }

    #[test]
    fn wait_ctx_at_deadline() {
        let wg = WaitGroup::new();
        wg.add(1);
        let at = Instant::now() + Duration::from_millis(10);
        let (ctx, _cancel) = context::background().with_deadline(at);
        assert_eq!(wg.wait_ctx(&ctx), Err(ContextError::DeadlineExceeded));
        assert!(Instant::now() >= at);
        wg.done();
        drop((_cancel, ctx));
        stop_timers();
    }

    /// Cancels racing dones: every waiter returns, with Ok only if the counter did
    /// reach zero, and no waiter is left registered.
    #[test]
    fn wait_ctx_cancel_races_done() {
        for _ in 0..scaled(100) {
            let wg = WaitGroup::new();
            wg.add(1);
            let (ctx, cancel) = context::background().with_cancel();
            thread::scope(|s| {
                let a = s.spawn(|| wg.wait_ctx(&ctx));
                let b = s.spawn(|| wg.wait_ctx(&ctx));
                s.spawn(|| wg.done());
                cancel.cancel();
                for r in [a.join().unwrap(), b.join().unwrap()] {
                    assert!(matches!(r, Ok(()) | Err(ContextError::Canceled)));
                }
            });
            assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
        }
    }
}

/// `cancelled().await` resolves on cancel, from a thread or a deadline.
#[cfg(feature = "async")]
#[test]
fn cancelled_future() {
    let (ctx, cancel) = context::background().with_cancel();
    let t = thread::spawn({
        let ctx = ctx.clone();
        move || futures::executor::block_on(ctx.cancelled())
    });
    cancel.cancel();
    t.join().unwrap();
    let (ctx, _cancel) = context::background().with_timeout(Duration::from_millis(5));
    futures::executor::block_on(ctx.cancelled());
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    drop((_cancel, ctx));
    stop_timers();
}

/// `done()` in a `select!` among other cases, from several threads: each sees it.
#[test]
fn done_in_select_from_many_threads() {
    let (ctx, cancel) = context::background().with_cancel();
    let (tx, rx) = chan::bounded::<u32>(0);
    let n = if cfg!(miri) { 2 } else { 4 };
    let total = thread::scope(|s| {
        let threads: Vec<_> = (0..n)
            .map(|_| {
                let (ctx, rx) = (&ctx, &rx);
                s.spawn(move || {
                    let mut got = 0;
                    loop {
                        select! {
                            recv(rx) -> v => got += v.unwrap(),
                            recv(ctx.done()) -> _ => return got,
                        }
                    }
                })
            })
            .collect();
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        cancel.cancel();
        threads.into_iter().map(|t| t.join().unwrap()).sum::<u32>()
    });
    assert_eq!(total, 45, "every value sent before the cancel was received");
}

/// User code panicking inside a context's reach.
mod faults {
    use super::*;

    /// A panicking `after_func` ends its own thread only: the cancel returns, the
    /// other functions run, and the tree is cancelled.
    #[test]
    fn panicking_after_func() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let (ctx, cancel) = context::background().with_cancel();
        let (child, _c) = ctx.with_cancel();
        let (tx, ran) = chan::unbounded();
        let _a = ctx.after_func(|| panic!("after_func panicked"));
        let _b = child.after_func({
            let tx = tx.clone();
            move || tx.send("child").unwrap()
        });
        let _c2 = ctx.after_func(move || tx.send("parent").unwrap());
        cancel.cancel();
        let mut got = vec![ran.recv().unwrap(), ran.recv().unwrap()];
        got.sort_unstable();
        assert_eq!(got, ["child", "parent"]);
        assert!(is_done(&child));
        context::__join_after_func_threads();
        std::panic::set_hook(hook);
        // The context still works: a later after_func runs.
        let (tx, ran) = chan::bounded(1);
        let _d = ctx.after_func(move || tx.send(()).unwrap());
        assert_eq!(ran.recv(), Ok(()));
        context::__join_after_func_threads();
    }

    /// A thread panics while holding a cancel handle: unwinding drops it, which
    /// cancels (Go's deferred cancel runs on panic too).
    #[test]
    fn panicking_holder_of_a_cancel_handle_cancels() {
        let (ctx, cancel) = context::background().with_cancel();
        let t = thread::spawn(move || {
            let _cancel = cancel;
            std::panic::resume_unwind(Box::new("holder panicked"));
        });
        assert!(t.join().is_err());
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
    }
}

/// The handles are what the API says: shareable across threads, cheap to clone.
#[test]
fn auto_traits() {
    use static_assertions::assert_impl_all;
    assert_impl_all!(Context: Send, Sync, Clone, Default, std::fmt::Debug);
    assert_impl_all!(context::CancelHandle: Send, Sync, std::fmt::Debug);
    assert_impl_all!(context::CancelCauseHandle: Send, Sync, std::fmt::Debug);
    assert_impl_all!(context::AfterFunc: Send, Sync, std::fmt::Debug);
    assert_impl_all!(ContextError: Send, Sync, Copy, Eq, std::error::Error);
    assert_impl_all!(context::RecvCtxError: Send, Sync, Copy, Eq, std::error::Error);
    assert_impl_all!(context::SendCtxError<String>: Send, Sync, std::error::Error);
    assert_impl_all!(gosync::errgroup::Group<String>: Send, Sync, Default);
    #[cfg(feature = "async")]
    {
        fn is_send<T: Send>(_: &T) {}
        let ctx = context::background();
        is_send(&ctx.cancelled());
    }
    assert_eq!(std::mem::size_of::<Context>(), std::mem::size_of::<usize>());
}

/// The async forms: `recv_ctx_async` and `wait_ctx_async` end on a value / zero, or
/// on the cancel, and a cancelled `recv_ctx_async` leaves the value in the channel.
#[cfg(feature = "async")]
#[test]
fn async_forms() {
    use context::RecvCtxError;
    use futures::executor::block_on;
    let (tx, rx) = chan::bounded::<u32>(1);
    let (ctx, cancel) = context::background().with_cancel();
    let t = thread::spawn(move || {
        tx.send(1).unwrap();
        tx
    });
    assert_eq!(block_on(rx.recv_ctx_async(&ctx)), Ok(1));
    let tx = t.join().unwrap();
    let t = thread::spawn(move || cancel.cancel());
    assert_eq!(
        block_on(rx.recv_ctx_async(&ctx)),
        Err(RecvCtxError::Context(ContextError::Canceled))
    );
    t.join().unwrap();
    tx.send(2).unwrap();
    assert_eq!(
        rx.try_recv(),
        Ok(2),
        "nothing was taken by the cancelled receive"
    );

    let wg = WaitGroup::new();
    wg.add(1);
    let (ctx, cancel) = context::background().with_cancel();
    thread::scope(|s| {
        s.spawn(|| wg.done());
        assert_eq!(block_on(wg.wait_ctx_async(&ctx)), Ok(()));
        wg.add(1);
        s.spawn(move || cancel.cancel());
        assert_eq!(
            block_on(wg.wait_ctx_async(&ctx)),
            Err(ContextError::Canceled)
        );
        wg.done();
    });
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
}
