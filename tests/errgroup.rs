//! `gosync::errgroup`: ports of `golang.org/x/sync/errgroup`'s tests
//! (`errgroup_test.go`: `TestZeroGroup`, `TestWithContext`, `TestGoLimit`,
//! `TestTryGo`, and the panic tests), plus the failure paths: a panicking task,
//! changing the limit while tasks run. Goroutines become scoped threads; sizes are
//! scaled down under Miri.

#![allow(clippy::disallowed_types)]

use gosync::chan;
use gosync::context::{self, ContextError};
use gosync::errgroup::Group;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Err1;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum E {
    One,
    Two,
}

/// TestZeroGroup: a zero group; `wait` after each task returns that task's error.
/// (Go's `Wait` returns the first error ever recorded, again and again; gosync's
/// moves it out, so each `wait` here sees only the error recorded since the last.)
#[test]
fn zero_group() {
    let cases: [&[Option<E>]; 5] = [
        &[],
        &[None],
        &[Some(E::One)],
        &[Some(E::One), None, Some(E::Two)],
        &[None, Some(E::Two), Some(E::One)],
    ];
    for errs in cases {
        let g = Group::<E>::new();
        thread::scope(|s| {
            for &err in errs {
                g.go(s, move || err.map_or(Ok(()), Err));
                let got = g.wait();
                // Each wait takes the error it returns: the next sees only new ones.
                assert_eq!(got, err.map_or(Ok(()), Err), "after {errs:?}");
            }
        });
    }
}

/// TestWithContext: `wait` returns the first error, and the context is cancelled
/// after `wait` whatever happened.
#[test]
fn with_context() {
    let cases: [(&[Option<E>], Option<E>); 4] = [
        (&[], None),
        (&[None], None),
        (&[Some(E::One)], Some(E::One)),
        (&[Some(E::One), None], Some(E::One)),
    ];
    for (errs, want) in cases {
        let (g, ctx) = Group::<E>::with_context(&context::background());
        let got = thread::scope(|s| {
            for &err in errs {
                g.go(s, move || err.map_or(Ok(()), Err));
            }
            g.wait()
        });
        assert_eq!(got, want.map_or(Ok(()), Err));
        assert_eq!(
            ctx.err(),
            Some(ContextError::Canceled),
            "cancelled after wait"
        );
    }
}

/// The first error cancels the context while the others still run, and they see it.
#[test]
fn first_error_cancels_the_others() {
    let (g, ctx) = Group::<&str>::with_context(&context::background());
    let res = thread::scope(|s| {
        for _ in 0..3 {
            let ctx = &ctx;
            g.go(s, move || {
                // Blocks until the failing task cancels the group's context.
                assert!(ctx.done().recv().is_err());
                Err("saw the cancel")
            });
        }
        g.go(s, || Err("first"));
        g.wait()
    });
    assert_eq!(res, Err("first"), "the failing task came first");
}

/// The group's context is a child of the parent: cancelling the parent reaches it.
#[test]
fn parent_cancel_reaches_the_group() {
    let (parent, cancel) = context::background().with_cancel();
    let (g, ctx) = Group::<ContextError>::with_context(&parent);
    let res = thread::scope(|s| {
        g.go(s, || {
            let (_tx, never) = chan::bounded::<()>(0);
            match never.recv_ctx(&ctx) {
                Err(gosync::context::RecvCtxError::Context(e)) => Err(e),
                other => panic!("{other:?}"),
            }
        });
        cancel.cancel();
        g.wait()
    });
    assert_eq!(res, Err(ContextError::Canceled));
}

/// TestGoLimit: never more than `limit` tasks at once.
#[test]
fn go_limit() {
    let limit = 3;
    let n = if cfg!(miri) { 10 } else { 100 };
    let g = Group::<String>::new();
    g.set_limit(Some(limit));
    let active = AtomicUsize::new(0);
    let res = thread::scope(|s| {
        for _ in 0..n {
            let active = &active;
            g.go(s, move || {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                if now > limit {
                    return Err(format!("{now} tasks active at once; want at most {limit}"));
                }
                thread::yield_now();
                active.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            });
        }
        g.wait()
    });
    assert_eq!(res, Ok(()));
}

/// TestTryGo: `try_go` starts tasks up to the limit, then refuses; after the tasks
/// finish it starts them again; the limit can be changed once they are done.
#[test]
fn try_go() {
    let g = Group::<Err1>::new();
    let (tx, rx) = chan::bounded::<()>(0);
    let limit = 10;
    g.set_limit(Some(limit));
    thread::scope(|s| {
        let task = || {
            tx.send(()).unwrap(); // blocks until the test receives
            Ok(())
        };
        let mut started = 0;
        while g.try_go(s, task) {
            started += 1;
        }
        assert_eq!(started, limit);
        assert!(!g.try_go(s, || Ok(())), "at the limit");
        for _ in 0..limit {
            rx.recv().unwrap();
        }
        assert_eq!(g.wait(), Ok(()));

        assert!(
            g.try_go(s, || Err(Err1)),
            "the tasks have finished: room again"
        );
        assert_eq!(g.wait(), Err(Err1));

        g.set_limit(Some(1));
        assert!(g.try_go(s, task));
        assert!(!g.try_go(s, task), "limit 1");
        rx.recv().unwrap();
        assert_eq!(g.wait(), Ok(()));
        g.set_limit(Some(0));
        assert!(!g.try_go(s, || Ok(())), "limit 0 admits nothing");
        g.set_limit(None);
        assert!(g.try_go(s, || Ok(())));
        assert_eq!(g.wait(), Ok(()));
    });
}

/// `go` at the limit blocks until a task finishes, then starts.
#[test]
fn go_blocks_at_the_limit() {
    let g = Group::<()>::new();
    g.set_limit(Some(1));
    let (release_tx, release) = chan::bounded::<()>(0);
    let (started_tx, started) = chan::unbounded();
    thread::scope(|s| {
        g.go(s, || {
            started_tx.send(1).unwrap();
            release.recv().unwrap();
            Ok(())
        });
        assert_eq!(started.recv(), Ok(1));
        let second = s.spawn(|| {
            g.go(s, || {
                started_tx.send(2).unwrap();
                Ok(())
            })
        });
        // The second task cannot start while the first holds the only place.
        assert!(started.try_recv().is_err());
        release_tx.send(()).unwrap();
        second.join().unwrap();
        assert_eq!(started.recv(), Ok(2));
        assert_eq!(g.wait(), Ok(()));
    });
}

mod faults {
    use super::*;

    /// Silences the default panic hook while `f` runs (the panics are on purpose).
    fn quietly<R>(f: impl FnOnce() -> R) -> R {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = f();
        std::panic::set_hook(hook);
        r
    }

    /// TestPanic: a panicking task's panic is resumed by `wait`, after every other
    /// task has finished; it cancels the context; the other tasks' work is done.
    #[test]
    fn panicking_task_is_resumed_by_wait_after_the_others() {
        let (g, ctx) = Group::<E>::with_context(&context::background());
        let finished = AtomicUsize::new(0);
        let payload = quietly(|| {
            catch_unwind(AssertUnwindSafe(|| {
                thread::scope(|s| {
                    for _ in 0..3 {
                        let (ctx, finished) = (&ctx, &finished);
                        g.go(s, move || {
                            // Waits for the panic to cancel the context.
                            assert!(ctx.done().recv().is_err());
                            finished.fetch_add(1, Ordering::SeqCst);
                            Err(E::Two)
                        });
                    }
                    g.go(s, || panic!("task panicked"));
                    let _ = g.wait();
                })
            }))
        })
        .expect_err("wait resumes the panic");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"task panicked"));
        assert_eq!(
            finished.load(Ordering::SeqCst),
            3,
            "the others finished first"
        );
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
        // The group is usable afterwards; the panic was handed out once.
        thread::scope(|s| {
            g.go(s, || Ok(()));
            assert_eq!(g.wait(), Ok(()));
        });
    }

    /// A panic with an error from another task: the panic wins (it is resumed).
    #[test]
    fn panic_and_error_together() {
        let g = Group::<E>::new();
        let r = quietly(|| {
            catch_unwind(AssertUnwindSafe(|| {
                thread::scope(|s| {
                    g.go(s, || Err(E::One));
                    g.go(s, || std::panic::panic_any(7u32));
                    g.wait()
                })
            }))
        });
        assert_eq!(r.unwrap_err().downcast_ref::<u32>(), Some(&7));
    }

    /// Bad input: changing the limit while tasks run panics (as Go does), and leaves
    /// the group working.
    #[test]
    fn set_limit_while_running_panics() {
        let g = Group::<()>::new();
        let (tx, rx) = chan::bounded::<()>(0);
        thread::scope(|s| {
            g.go(s, || {
                rx.recv().unwrap();
                Ok(())
            });
            let err =
                quietly(|| catch_unwind(AssertUnwindSafe(|| g.set_limit(Some(2))))).unwrap_err();
            let msg = err.downcast_ref::<String>().unwrap();
            assert!(msg.contains("limit changed while 1 tasks"), "{msg}");
            tx.send(()).unwrap();
            assert_eq!(g.wait(), Ok(()));
        });
        g.set_limit(Some(2)); // fine once they are done
    }
}
