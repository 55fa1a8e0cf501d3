//! Memory that comes back: an unbounded channel that grew for a burst gives its
//! storage back once it has been drained or mostly empty for a while (the ring's
//! shrink policy, `src/chan/ring.rs`).
//!
//! A counting global allocator keeps, per thread, the bytes allocated and not yet
//! freed (a thread-local counter, so that the harness and tests running in parallel
//! are not counted); each test runs single-threaded and reads what the channel holds
//! as the difference before and after.
#![cfg(not(gosync_loom))]
#![allow(clippy::disallowed_types)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    // `try_with`: an allocation during this thread's TLS teardown is not counted.
    let _ = LIVE.try_with(|n| n.set(n.get() + delta));
}

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract;
// the counting touches only a const-initialised thread-local, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `alloc` are passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

/// 64-byte values, as in the report.
type Value = [u64; 8];
const VALUE: usize = std::mem::size_of::<Value>();

/// The burst (scaled down under Miri, where rings shrink from 64 slots instead of
/// 1024; the policy scales with the storage).
const BURST: usize = if cfg!(miri) { 300 } else { 200_000 };
/// Rounds of further traffic.
const ROUNDS: u64 = if cfg!(miri) { 10 } else { 1_000 };
/// A bounded channel's capacity, and how often it is filled and drained.
const CAP: usize = if cfg!(miri) { 64 } else { 4096 };
const CAP_ROUNDS: u64 = if cfg!(miri) { 2 } else { 4 };

/// The bytes a channel may hold beyond its values' storage (the channel object).
const OVERHEAD: isize = 1024;

#[test]
fn counter_sees_the_buffer() {
    let before = live();
    let (tx, rx) = gosync::chan::unbounded::<Value>();
    let n = if cfg!(miri) { 100 } else { 1000 };
    for i in 0..n as u64 {
        tx.send([i; 8]).unwrap();
    }
    let held = live() - before;
    assert!(held >= (n * VALUE) as isize, "counted {held} bytes");
    drop((tx, rx));
    assert_eq!(live(), before, "everything freed with the channel");
}

#[test]
fn drained_after_a_burst_holds_almost_nothing() {
    let before = live();
    let (tx, rx) = gosync::chan::unbounded::<Value>();
    for i in 0..BURST as u64 {
        tx.send([i; 8]).unwrap();
    }
    let peak = live() - before;
    assert!(peak >= (BURST * VALUE) as isize);
    for i in 0..BURST as u64 {
        assert_eq!(rx.recv(), Ok([i; 8]));
    }
    assert!(rx.is_empty());
    let held = live() - before;
    // 16 slots and the channel object.
    assert!(
        held <= (16 * VALUE) as isize + OVERHEAD,
        "a drained channel holds {held} bytes (the burst took {peak})"
    );
    // Further traffic of at most 8 values at a time: a small multiple of that.
    for round in 0..ROUNDS {
        for i in 0..8 {
            tx.send([round + i; 8]).unwrap();
        }
        for i in 0..8 {
            assert_eq!(rx.recv(), Ok([round + i; 8]));
        }
    }
    let held = live() - before;
    assert!(
        held <= (4 * 8 * VALUE) as isize + OVERHEAD,
        "holds {held} bytes"
    );
    drop((tx, rx));
    assert_eq!(live(), before);
}

#[test]
fn a_backlog_after_a_burst_shrinks_to_a_small_multiple_of_its_length() {
    let before = live();
    let (tx, rx) = gosync::chan::unbounded::<Value>();
    for i in 0..BURST as u64 {
        tx.send([i; 8]).unwrap();
    }
    // Drain to a backlog of 100 values that never empties, with traffic around it
    // (up to 110 values), for as many receives as the burst.
    let mut next_out = 0u64;
    let mut next_in = BURST as u64;
    while rx.len() > 100 {
        assert_eq!(rx.recv(), Ok([next_out; 8]));
        next_out += 1;
    }
    for _ in 0..BURST / 10 {
        for _ in 0..10 {
            tx.send([next_in; 8]).unwrap();
            next_in += 1;
        }
        for _ in 0..10 {
            assert_eq!(rx.recv(), Ok([next_out; 8]));
            next_out += 1;
        }
    }
    assert_eq!(rx.len(), 100);
    let held = live() - before;
    // At most 4 × the recent peak of 110 values (the ring shrinks to a power of two
    // at or above twice its length).
    let limit = 4 * 110 * VALUE;
    assert!(
        held <= limit as isize + OVERHEAD,
        "a backlog of 100 holds {held} bytes"
    );
    drop((tx, rx));
    assert_eq!(live(), before);
}

#[test]
fn bounded_channels_keep_their_buffer() {
    let before = live();
    let (tx, rx) = gosync::chan::bounded::<Value>(CAP);
    let held = live() - before;
    for round in 0..CAP_ROUNDS {
        for i in 0..CAP as u64 {
            tx.send([round + i; 8]).unwrap();
        }
        for i in 0..CAP as u64 {
            assert_eq!(rx.recv(), Ok([round + i; 8]));
        }
    }
    assert_eq!(live() - before, held, "a bounded buffer is allocated once");
    drop((tx, rx));
    assert_eq!(live(), before);
}
