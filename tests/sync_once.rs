//! `gosync::Once` and `OnceValue`: exactly once, no poisoning, re-entrancy.

#![allow(clippy::disallowed_types)]

use gosync::{Once, OnceValue};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

assert_impl_all!(Once: Send, Sync, Default);
assert_impl_all!(OnceValue<Vec<u8>>: Send, Sync);
assert_not_impl_any!(OnceValue<Cell<u8>>: Sync);

static ONCE: Once = Once::new();
static VALUE: OnceValue<String> = OnceValue::new(|| "computed".to_string());

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap()
}

#[test]
fn statics() {
    let mut runs = 0;
    ONCE.call_once(|| runs += 1);
    ONCE.call_once(|| runs += 1);
    assert_eq!(runs, 1);
    assert_eq!(&*VALUE, "computed");
    assert_eq!(VALUE.get().len(), 8);
}

#[test]
fn concurrent_callers_wait_for_f() {
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        let once = Arc::new(Once::new());
        let value = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let (once, value) = (once.clone(), value.clone());
                thread::spawn(move || {
                    once.call_once(|| {
                        thread::yield_now();
                        value.fetch_add(1, Ordering::Relaxed);
                    });
                    // Everyone returns only after f finished.
                    assert_eq!(value.load(Ordering::Relaxed), 1);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }
}

#[test]
fn panicking_f_completes_the_once() {
    let once = Once::new();
    let p = catch_unwind(AssertUnwindSafe(|| {
        once.call_once(|| panic!("init failed"))
    }));
    assert_eq!(panic_message(p.unwrap_err()), "init failed");
    assert!(once.is_completed());
    let mut ran = false;
    once.call_once(|| ran = true);
    assert!(!ran, "no second run, no poisoning");
}

#[test]
fn reentrant_call_once_panics_instead_of_deadlocking() {
    let once = Once::new();
    let p = catch_unwind(AssertUnwindSafe(|| {
        once.call_once(|| once.call_once(|| {}));
    }))
    .unwrap_err();
    assert!(
        panic_message(p).contains("from inside its own function"),
        "a clear message"
    );
    assert!(once.is_completed());
}

#[test]
fn blocked_callers_of_a_panicking_f_return() {
    let once = Arc::new(Once::new());
    let (started_tx, started) = gosync::chan::bounded::<()>(0);
    let (go_tx, go) = gosync::chan::bounded::<()>(0);
    let o = once.clone();
    let runner = thread::spawn(move || {
        o.call_once(|| {
            started_tx.send(()).unwrap();
            go.recv().unwrap(); // hold f while the other caller arrives
            panic!("f failed");
        })
    });
    started.recv().unwrap(); // f is running
    let o = once.clone();
    let other = thread::spawn(move || o.call_once(|| unreachable!("runs twice")));
    thread::yield_now();
    go_tx.send(()).unwrap();
    assert!(runner.join().is_err());
    other.join().unwrap();
    assert!(once.is_completed());
}

#[test]
fn once_value_runs_once_across_threads() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let v = Arc::new(OnceValue::new(move || {
        c.fetch_add(1, Ordering::Relaxed);
        vec![1, 2, 3]
    }));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let v = v.clone();
            thread::spawn(move || v.iter().sum::<i32>())
        })
        .collect();
    for h in hs {
        assert_eq!(h.join().unwrap(), 6);
    }
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert_eq!(format!("{v:?}"), "OnceValue([1, 2, 3])");
}

#[test]
fn once_value_panics_every_time_with_the_message() {
    let v: OnceValue<u8> = OnceValue::new(|| panic!("bad {}", "config"));
    for _ in 0..3 {
        let p = catch_unwind(AssertUnwindSafe(|| *v.get())).unwrap_err();
        assert_eq!(panic_message(p), "bad config");
    }
    assert_eq!(format!("{v:?}"), "OnceValue(<panicked>)");
}

#[test]
fn once_value_reentrant_get_panics() {
    // A self-referential initializer: `get` inside `f` must panic, not deadlock.
    let v: Arc<OnceValue<u8, Box<dyn FnOnce() -> u8 + Send + Sync>>> = Arc::new_cyclic(|weak| {
        let weak = weak.clone();
        OnceValue::new(Box::new(move || {
            let me: Arc<OnceValue<u8, Box<dyn FnOnce() -> u8 + Send + Sync>>> =
                weak.upgrade().unwrap_or_else(|| panic!("gone"));
            *me.get() + 1
        }) as Box<dyn FnOnce() -> u8 + Send + Sync>)
    });
    let p = catch_unwind(AssertUnwindSafe(|| *v.get()));
    assert!(p.is_err());
}

#[test]
fn drops_the_value_and_unused_initializer() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct D(Arc<AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    let (d1, d2) = (D(drops.clone()), D(drops.clone()));
    let unused = OnceValue::new(move || d1.0.load(Ordering::Relaxed));
    drop(unused); // drops the closure, and d1 in it
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    let used = OnceValue::new(move || d2);
    let _ = &*used;
    drop(used);
    assert_eq!(drops.load(Ordering::Relaxed), 2);
}
