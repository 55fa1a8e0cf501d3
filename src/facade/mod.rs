//! The only door to atomics, `UnsafeCell`, locks and threads.
//!
//! Every other module imports these from here, never from `std` or `core` directly
//! (`clippy.toml` forbids it), so that building with `--cfg gosync_loom` swaps the
//! whole crate onto loom's model-checked versions. The std side is shaped like loom's
//! API (`UnsafeCell::with` / `with_mut`), so the code above is the same under both.
//!
//! A shim, not policy: how long to spin and which fences pair with which live in
//! `park` (`park::spin`, `park::fence`).

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod atomic;
mod cell;
mod mutex;
pub(crate) mod thread;

#[cfg(not(gosync_loom))]
pub(crate) use atomic::compiler_fence;
pub(crate) use atomic::{fence, AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
pub(crate) use cell::UnsafeCell;
pub(crate) use mutex::Mutex;
/// A plain std atomic even under loom: for a test-only switch that guards no data and
/// that loom must not see as synchronisation (`park::record`'s loom switch).
#[cfg(gosync_loom)]
#[allow(clippy::disallowed_types)]
pub(crate) use std::sync::atomic::AtomicBool as UnmodelledAtomicBool;

#[cfg(gosync_loom)]
pub(crate) use loom::sync::Arc;
#[cfg(not(gosync_loom))]
pub(crate) use std::sync::Arc;

/// Pads and aligns a value to a cache line to keep hot words apart.
pub(crate) use crossbeam_utils::CachePadded;

use std::time::Instant;

/// Defines a `const fn` on the normal build and a plain `fn` under loom, whose
/// atomics and cells cannot be built in a constant context. Public constructors
/// documented as `const fn` (e.g. `Mutex::new`) are written once through this macro.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(gosync_loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(gosync_loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// Whether `deadline` has passed.
///
/// Under loom this is always true: a model of a timed wait explores the wait being
/// cancelled at every point the scheduler can place it, racing every peer.
#[inline]
pub(crate) fn expired(deadline: Instant) -> bool {
    #[cfg(gosync_loom)]
    {
        let _ = deadline;
        true
    }
    #[cfg(not(gosync_loom))]
    {
        Instant::now() >= deadline
    }
}

/// Spin-then-yield backoff for short waits (a `Pool`'s shard lock).
///
/// On std this is crossbeam-utils' `Backoff`. Under loom spinning only multiplies the
/// states to explore, so the loom version yields to the model at once.
#[cfg(not(gosync_loom))]
pub(crate) use crossbeam_utils::Backoff;

/// Spin-then-yield backoff (loom version: each step yields to the model).
#[cfg(gosync_loom)]
#[derive(Debug, Default)]
pub(crate) struct Backoff;

#[cfg(gosync_loom)]
impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff
    }
    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }
}

/// A small per-thread number (round robin, assigned on the thread's first call), used
/// to spread threads over shards.
///
/// A placement hint, not synchronisation: loom need not see it, so it is a plain std
/// atomic (under loom every model thread may share one index, which is still correct:
/// they then contend for one shard).
pub(crate) fn thread_index() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    INDEX.try_with(|i| *i).unwrap_or(0)
}

/// The next creation number under loom (a channel's select lock-order key), reset
/// for every execution of a model (a `loom::lazy_static` lives for one execution). A
/// plain atomic: it is not part of what the model checks, only a deterministic name.
#[cfg(gosync_loom)]
pub(crate) fn loom_creation_number() -> usize {
    loom::lazy_static! {
        static ref NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    }
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
