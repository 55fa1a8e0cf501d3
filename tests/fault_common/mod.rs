//! Helpers shared by the fault-injection tests (`fault_sync.rs`, `fault_select.rs`):
//! values that count their drops, the injected panic and its quiet hook, and waiting
//! on an observable state.

#![allow(dead_code, clippy::disallowed_types)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// A value that counts its drops in its own slot; a second drop fails the test.
pub(crate) struct Val {
    pub(crate) id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Val {
    fn drop(&mut self) {
        let n = self.drops[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(n, 0, "value {} dropped twice", self.id);
    }
}

pub(crate) fn counters(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

pub(crate) fn val(drops: &Arc<Vec<AtomicUsize>>, id: usize) -> Val {
    Val {
        id,
        drops: drops.clone(),
    }
}

/// How many drops value `id` has had (0 or 1: `Val` checks a second itself).
pub(crate) fn drop_count(drops: &[AtomicUsize], id: usize) -> usize {
    drops[id].load(Ordering::SeqCst)
}

/// How many of the first `n` values have been dropped (each at most once: `Val`
/// checks that itself).
pub(crate) fn dropped(drops: &[AtomicUsize], n: usize) -> usize {
    drops[..n]
        .iter()
        .map(|d| d.load(Ordering::SeqCst))
        .sum::<usize>()
}

pub(crate) fn assert_each_dropped_once(drops: &[AtomicUsize], n: usize) {
    for (id, d) in drops[..n].iter().enumerate() {
        assert_eq!(
            d.load(Ordering::SeqCst),
            1,
            "value {id} dropped {d:?} times"
        );
    }
}

/// The message of a panic payload ("" if not a string).
pub(crate) fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `f`, expecting the injected panic (its message starts with "injected").
pub(crate) fn expect_injected<R>(f: impl FnOnce() -> R) {
    let payload = panic::catch_unwind(AssertUnwindSafe(f))
        .err()
        .expect("the injected panic did not happen");
    let msg = message(&*payload);
    assert!(msg.starts_with("injected"), "unexpected panic: {msg}");
}

/// Keeps the default hook's report of the injected panics (one per thread and round)
/// out of the test output; any other panic is still reported.
pub(crate) fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !message(info.payload()).starts_with("injected") {
                default(info);
            }
        }));
    });
}

/// Spins (yielding) until `cond` holds: waiting on an observable state.
pub(crate) fn wait_for(cond: impl Fn() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

pub(crate) fn scaled(n: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        n
    }
}
