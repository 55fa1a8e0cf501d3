//! A long-lived parent context that sees millions of short-lived children keeps a
//! constant footprint: every child, with its value, timer and `after_func`, detaches
//! when it goes. A counting global allocator tracks the bytes live in the whole
//! process; the one test in this file measures them after a warm-up and after many
//! more children, and allows a small fixed slack (a leak of even a few bytes per
//! child would exceed it many times over).
#![cfg(not(gosync_loom))]
#![allow(clippy::disallowed_types)]

use gosync::context;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

struct Counting;

/// Bytes allocated and not yet freed, process-wide.
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract;
// the counting is one atomic add, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `alloc` are passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One short-lived child of each kind, used and dropped.
fn churn(parent: &context::Context, i: usize) {
    let (child, cancel) = parent.with_cancel();
    let value = child.with_value(i);
    let (timed, _cancel_timed) = value.with_timeout(Duration::from_secs(3600));
    let after = timed.after_func(|| unreachable!("stopped before the cancel"));
    assert_eq!(timed.value::<usize>(), Some(&i));
    assert!(after.stop());
    if i % 2 == 0 {
        cancel.cancel(); // cancelled explicitly; the others by their handle's drop
    }
}

#[test]
fn long_lived_parent_with_many_short_lived_children_stays_small() {
    let (total, warm_up) = if cfg!(miri) {
        (200, 50)
    } else {
        (100_000, 1_000)
    };
    let (parent, _cancel) = context::background().with_timeout(Duration::from_secs(7200));
    let parent = parent.with_value("request");
    for i in 0..warm_up {
        churn(&parent, i);
    }
    let before = LIVE.load(Ordering::SeqCst);
    for i in 0..total {
        churn(&parent, i);
    }
    let after = LIVE.load(Ordering::SeqCst);
    let growth = after - before;
    println!("live bytes: {before} after the warm-up, {after} after {total} more children");
    assert!(
        growth < 16 * 1024,
        "the parent grew by {growth} bytes over {total} short-lived children"
    );
    assert!(parent.err().is_none());
    drop((parent, _cancel));
    let stopped = gosync::__private::stop_timer_thread();
    assert!(stopped || !cfg!(miri));
}
