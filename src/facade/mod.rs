//! The only door to atomics, `UnsafeCell`, locks, threads and spinning.
//!
//! Every other module imports these from here, never from `std` or `core` directly
//! (`clippy.toml` forbids it), so that building with `--cfg gosync_loom` swaps the
//! whole crate onto loom's model-checked versions. The std side is shaped like loom's
//! API (`UnsafeCell::with` / `with_mut`), so the code above is the same under both.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::time::Instant;

#[cfg(not(gosync_loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(not(gosync_loom))]
pub(crate) use std::sync::Arc;

#[cfg(gosync_loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(gosync_loom)]
pub(crate) use loom::sync::Arc;

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

/// Threads: a handle to wake, the current thread, parking.
pub(crate) mod thread {
    #[cfg(gosync_loom)]
    pub(crate) use loom::thread::{current, park, yield_now, Thread, ThreadId};
    #[cfg(not(gosync_loom))]
    pub(crate) use std::thread::{current, park, yield_now, Thread, ThreadId};

    use std::time::Instant;

    /// Parks the current thread until it is unparked, `deadline` passes, or it wakes
    /// spuriously. Callers loop on their own condition.
    #[cfg(not(gosync_loom))]
    pub(crate) fn park_until(deadline: Instant) {
        let now = Instant::now();
        if deadline > now {
            std::thread::park_timeout(deadline - now);
        }
    }

    /// Under loom time does not pass: a timed wait is modelled as "the deadline may
    /// already have passed", which [`super::expired`] always answers yes to, so this
    /// only yields.
    #[cfg(gosync_loom)]
    pub(crate) fn park_until(_deadline: Instant) {
        loom::thread::yield_now();
    }
}

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

/// A cell whose contents are only reached through closures, as loom's is, so that
/// loom can check every access for races.
#[cfg(gosync_loom)]
pub(crate) use loom::cell::UnsafeCell;

/// A cell whose contents are only reached through closures, as loom's is, so that
/// loom can check every access for races.
#[cfg(not(gosync_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(gosync_loom))]
impl<T> UnsafeCell<T> {
    #[inline]
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    #[inline]
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(gosync_loom))]
impl<T: ?Sized> UnsafeCell<T> {
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A plain mutex for the wait table's buckets (never held across a park).
///
/// Under loom, `lock` spins on `try_lock` with `yield_now` instead of blocking: the
/// wait table wakes threads with `unpark` *after* releasing a bucket, so an unpark can
/// reach a thread that is meanwhile waiting for another bucket. Loom makes any blocked
/// thread runnable on `unpark`, which inside a blocking `loom::sync::Mutex::lock`
/// trips its "expected to be able to acquire lock" assertion; a yielding thread just
/// tries again.
#[derive(Debug)]
pub(crate) struct Mutex<T> {
    #[cfg(not(gosync_loom))]
    inner: std::sync::Mutex<T>,
    #[cfg(gosync_loom)]
    inner: loom::sync::Mutex<T>,
}

/// The guard of [`Mutex`].
#[cfg(not(gosync_loom))]
pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;
/// The guard of [`Mutex`].
#[cfg(gosync_loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    #[cfg(not(gosync_loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self {
            inner: std::sync::Mutex::new(value),
        }
    }

    #[cfg(gosync_loom)]
    pub(crate) fn new(value: T) -> Self {
        Self {
            inner: loom::sync::Mutex::new(value),
        }
    }

    /// Locks. Nothing in gosync panics while holding one of these, so poisoning is
    /// ignored rather than propagated.
    #[cfg(not(gosync_loom))]
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks (loom build: `try_lock`, yielding to the holder until it succeeds).
    #[cfg(gosync_loom)]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        loop {
            match self.inner.try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => loom::thread::yield_now(),
            }
        }
    }
}

/// Spin-then-yield backoff for short waits before parking.
///
/// On std this is crossbeam-utils' `Backoff`. Under loom spinning only multiplies the
/// states to explore, so the loom version gives up at once and the caller parks.
#[cfg(not(gosync_loom))]
pub(crate) use crossbeam_utils::Backoff;

/// Spin-then-yield backoff for short waits before parking (loom version: gives up at
/// once, so that callers go straight to park).
#[cfg(gosync_loom)]
#[derive(Debug, Default)]
pub(crate) struct Backoff;

#[cfg(gosync_loom)]
impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff
    }
    pub(crate) fn spin(&self) {
        loom::thread::yield_now();
    }
    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }
    pub(crate) fn is_completed(&self) -> bool {
        true
    }
}

/// Pads and aligns a value to a cache line to keep hot words apart.
pub(crate) use crossbeam_utils::CachePadded;
