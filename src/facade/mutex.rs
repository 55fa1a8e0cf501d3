//! A plain mutex (std's, or loom's without blocking).

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
