//! Atomics: thin wrappers over std's with loom's API (so that `clippy.toml` can forbid
//! std's atomic types everywhere but here), or loom's own under `--cfg gosync_loom`;
//! and the fences.

pub(crate) use std::sync::atomic::Ordering;

/// Thin wrappers over std's atomics with loom's API, so that `clippy.toml` can forbid
/// std's atomic types everywhere but here.
#[cfg(not(gosync_loom))]
macro_rules! atomic_int {
    ($name:ident, $std:ty, $int:ty) => {
        #[derive(Debug, Default)]
        #[repr(transparent)]
        pub(crate) struct $name($std);

        // The whole of loom's API for every width, each used by some width.
        #[allow(dead_code)]
        impl $name {
            #[inline]
            pub(crate) const fn new(v: $int) -> Self {
                Self(<$std>::new(v))
            }
            #[inline]
            pub(crate) fn load(&self, o: Ordering) -> $int {
                self.0.load(o)
            }
            #[inline]
            pub(crate) fn store(&self, v: $int, o: Ordering) {
                self.0.store(v, o)
            }
            #[inline]
            pub(crate) fn swap(&self, v: $int, o: Ordering) -> $int {
                self.0.swap(v, o)
            }
            #[inline]
            pub(crate) fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange(current, new, success, failure)
            }
            #[inline]
            pub(crate) fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange_weak(current, new, success, failure)
            }
            #[inline]
            pub(crate) fn fetch_add(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_add(v, o)
            }
            #[inline]
            pub(crate) fn fetch_sub(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_sub(v, o)
            }
            #[inline]
            pub(crate) fn fetch_or(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_or(v, o)
            }
            #[inline]
            pub(crate) fn fetch_and(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_and(v, o)
            }
            #[inline]
            pub(crate) fn fetch_max(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_max(v, o)
            }
            #[inline]
            pub(crate) fn get_mut(&mut self) -> &mut $int {
                self.0.get_mut()
            }
            #[inline]
            pub(crate) fn into_inner(self) -> $int {
                self.0.into_inner()
            }
        }
    };
}

#[cfg(not(gosync_loom))]
atomic_int!(AtomicUsize, std::sync::atomic::AtomicUsize, usize);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU64, std::sync::atomic::AtomicU64, u64);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU32, std::sync::atomic::AtomicU32, u32);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU8, std::sync::atomic::AtomicU8, u8);

/// A thin wrapper over std's `AtomicBool` with loom's API.
#[cfg(not(gosync_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub(crate) struct AtomicBool(std::sync::atomic::AtomicBool);

#[cfg(not(gosync_loom))]
impl AtomicBool {
    #[inline]
    pub(crate) const fn new(v: bool) -> Self {
        Self(std::sync::atomic::AtomicBool::new(v))
    }
    #[inline]
    pub(crate) fn load(&self, o: Ordering) -> bool {
        self.0.load(o)
    }
    #[inline]
    pub(crate) fn store(&self, v: bool, o: Ordering) {
        self.0.store(v, o)
    }
    #[inline]
    pub(crate) fn swap(&self, v: bool, o: Ordering) -> bool {
        self.0.swap(v, o)
    }
    #[inline]
    pub(crate) fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        self.0.compare_exchange(current, new, success, failure)
    }
}

#[cfg(gosync_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize};

/// A fence (std or loom).
#[cfg(gosync_loom)]
pub(crate) use loom::sync::atomic::fence;
/// A fence (std or loom).
#[cfg(not(gosync_loom))]
pub(crate) use std::sync::atomic::fence;

/// A compiler-only fence (loom has none: its users there use [`fence`] instead).
#[cfg(not(gosync_loom))]
pub(crate) use std::sync::atomic::compiler_fence;
