//! `gosync::WaitGroup`: counting, reuse, misuse panics, timeouts, `go`.

#![allow(clippy::disallowed_types)]

use gosync::WaitGroup;
use static_assertions::assert_impl_all;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

assert_impl_all!(WaitGroup: Send, Sync, Default);

static GLOBAL: WaitGroup = WaitGroup::new();

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap()
}

#[test]
fn static_const_new() {
    GLOBAL.wait();
    assert!(GLOBAL.wait_timeout(Duration::ZERO));
}

#[test]
fn many_waiters_released_and_group_reused() {
    let wg = Arc::new(WaitGroup::new());
    for _round in 0..3 {
        wg.add(2);
        let released = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let (wg, released) = (wg.clone(), released.clone());
                thread::spawn(move || {
                    wg.wait();
                    released.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        wg.done();
        assert!(
            !wg.wait_timeout(Duration::from_millis(1)),
            "one task still out"
        );
        wg.done();
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(released.load(Ordering::Relaxed), 4);
    }
}

#[test]
fn negative_counter_panics_and_leaves_the_group_usable() {
    let wg = WaitGroup::new();
    wg.add(1);
    let p = catch_unwind(AssertUnwindSafe(|| wg.add(-2))).unwrap_err();
    assert_eq!(panic_message(p), "gosync: negative WaitGroup counter");
    assert_eq!(
        format!("{wg:?}"),
        "WaitGroup { count: 1, waiters: 0 }",
        "undone"
    );
    wg.done();
    wg.wait();
    let p = catch_unwind(AssertUnwindSafe(|| wg.done())).unwrap_err();
    assert_eq!(panic_message(p), "gosync: negative WaitGroup counter");
}

#[test]
fn oversized_delta_panics() {
    let wg = WaitGroup::new();
    let r = catch_unwind(AssertUnwindSafe(|| wg.add(isize::MAX)));
    assert!(r.is_err());
    wg.add(i32::MAX as isize);
    let p = catch_unwind(AssertUnwindSafe(|| wg.add(1))).unwrap_err();
    assert!(panic_message(p).contains("overflow"));
    wg.add(-(i32::MAX as isize));
    wg.wait();
}

#[test]
fn wait_timeout_unregisters_then_sees_zero() {
    let wg = Arc::new(WaitGroup::new());
    wg.add(1);
    assert!(!wg.wait_timeout(Duration::from_millis(1)));
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 1, waiters: 0 }");
    let wg2 = wg.clone();
    let t = thread::spawn(move || wg2.wait_timeout(Duration::from_secs(60)));
    wg.done();
    assert!(t.join().unwrap());
    assert!(wg.wait_timeout(Duration::MAX));
}

#[test]
fn done_happens_before_wait_returns() {
    for _ in 0..if cfg!(miri) { 3 } else { 100 } {
        let wg = WaitGroup::new();
        let mut data = [0u64; 4];
        thread::scope(|s| {
            for (i, d) in data.iter_mut().enumerate() {
                wg.add(1);
                let wg = &wg;
                s.spawn(move || {
                    *d = i as u64 + 1;
                    wg.done();
                });
            }
            wg.wait();
        });
        assert_eq!(data, [1, 2, 3, 4]);
    }
}

#[test]
fn go_returns_the_join_handle_and_counts_panics_as_done() {
    let wg = WaitGroup::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        thread::scope(|s| {
            let h = wg.go(s, || 6 * 7);
            let bad = wg.go(s, || -> u8 { panic!("task") });
            wg.wait();
            assert_eq!(h.join().unwrap(), 42);
            assert!(bad.join().is_err());
        })
    }));
    assert!(
        r.is_ok(),
        "the panic was joined, so the scope does not re-raise it"
    );
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
}
