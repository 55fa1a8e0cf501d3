//! `UnsafeCell`, reached only through closures as loom's is.

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
