//! `Pool<T>`: Go's `sync.Pool` — a cache of reusable values, close to the threads
//! that use them.
//!
//! # Layout
//!
//! - `shards`: a power-of-two number of cache-line-padded slots, each holding at most
//!   one idle value (Go's per-P `private`). A thread always uses the same shard (its
//!   small thread index modulo the shard count), so an uncontended `get` / drop round
//!   trip touches only that shard's line: one CAS to take its try-lock, one store to
//!   release it. A shard busy with another thread is never waited for: the caller
//!   moves on to the overflow.
//! - `overflow`: a [`Mutex`]`<Vec<T>>` shared by all (Go's `shared` chains), for values
//!   put while the caller's shard was full, bounded by `overflow_cap`.
//!
//! `get` looks in its own shard, then the overflow, then steals from the other
//! shards, and only then calls `new`. `put` fills its own shard, then the overflow,
//! then an empty slot of another shard, and otherwise drops the value.
//!
//! # The idle bound
//!
//! With `with_max_idle(m)` the pool uses at most `m` shards (the largest power of two
//! not above `m` and the default shard count) and an overflow capped at `m - shards`,
//! so it never holds more than `m` idle values, whatever the interleaving.

use super::mutex::Mutex;
use crate::facade::{AtomicBool, AtomicUsize, Backoff, CachePadded, Ordering, UnsafeCell};
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// The most shards a pool spreads over.
#[cfg(not(gosync_loom))]
const MAX_SHARDS: usize = 64;

/// One thread-affine slot holding at most one idle value.
struct Shard<T> {
    /// Try-lock over `slot`: true while some thread is looking at it.
    busy: AtomicBool,
    /// Reached only by the thread that set `busy`.
    slot: UnsafeCell<Option<T>>,
}

impl<T> Shard<T> {
    fn new() -> Self {
        Shard {
            busy: AtomicBool::new(false),
            slot: UnsafeCell::new(None),
        }
    }

    /// Takes the try-lock, if nobody else holds it right now.
    #[inline]
    fn try_lock(&self) -> bool {
        // ORDERING: Acquire pairs with the Release in `unlock`: the previous user's
        // write of the slot (and of the value in it) is visible to us.
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Takes the idle value, if the shard is free right now and holds one.
    #[inline]
    fn try_take(&self) -> Option<T> {
        if !self.try_lock() {
            return None;
        }
        // SAFETY: we hold the try-lock, so no one else touches the slot.
        let v = self.slot.with_mut(|p| unsafe { (*p).take() });
        self.unlock();
        v
    }

    /// Stores `v`, if the shard is free right now and empty; else hands it back.
    #[inline]
    fn try_put(&self, v: T) -> Result<(), T> {
        if !self.try_lock() {
            return Err(v);
        }
        // SAFETY: we hold the try-lock, so no one else touches the slot.
        let r = self.slot.with_mut(|p| unsafe {
            if (*p).is_none() {
                *p = Some(v);
                Ok(())
            } else {
                Err(v)
            }
        });
        self.unlock();
        r
    }

    /// Takes the idle value, waiting for a thread that is using the shard (for
    /// `clear`, which must not miss a value).
    fn take_waiting(&self) -> Option<T> {
        let backoff = Backoff::new();
        while !self.try_lock() {
            backoff.snooze();
        }
        // SAFETY: we hold the try-lock.
        let v = self.slot.with_mut(|p| unsafe { (*p).take() });
        self.unlock();
        v
    }

    fn unlock(&self) {
        // ORDERING: Release publishes our write of the slot to the next user.
        self.busy.store(false, Ordering::Release);
    }
}

/// A small per-thread number that spreads threads over shards (round robin, assigned
/// on a thread's first use of any pool): see [`crate::facade::thread_index`].
fn thread_index() -> usize {
    crate::facade::thread_index()
}

/// The default number of shards: twice the available parallelism, as a power of two.
fn default_shards() -> usize {
    #[cfg(gosync_loom)]
    {
        2
    }
    #[cfg(not(gosync_loom))]
    {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        (cpus * 2).next_power_of_two().min(MAX_SHARDS)
    }
}

/// A cache of reusable values: Go's `sync.Pool`.
///
/// [`get`](Pool::get) hands out an idle value, or a new one from the pool's `new`
/// function, wrapped in a [`Pooled`] guard that puts it back when dropped. Values
/// are cached close to the thread that put them, so an uncontended get / drop round
/// trip takes no lock shared with other threads.
///
/// # Go → gosync
///
/// ```go
/// var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}
///
/// b := bufs.Get().(*bytes.Buffer)
/// b.Reset()
/// b.WriteString("hello")
/// bufs.Put(b)
/// ```
///
/// ```
/// use gosync::Pool;
///
/// let bufs = Pool::new(Vec::<u8>::new);
/// {
///     let mut b = bufs.get();
///     b.clear(); // a reused value keeps its old contents: reset it
///     b.extend_from_slice(b"hello");
/// } // back in the pool
/// assert_eq!(bufs.get().capacity() >= 5, true); // likely the same buffer again
/// ```
///
/// # Differences from Go
///
/// - Typed (`Pool<T>`), and `get` returns a guard that puts the value back on drop
///   ([`Pooled::into_inner`] keeps it instead); [`put`](Pool::put) also exists.
/// - Idle values are never dropped behind your back by a garbage collector: they stay
///   until reused, [`clear`](Pool::clear)ed, or the pool is dropped.
///   [`with_max_idle`](Pool::with_max_idle) bounds how many are kept.
/// - As in Go, a pool promises no order and no identity: it is a cache, not a
///   registry; a value you put may be dropped, or reach another thread.
pub struct Pool<T> {
    /// Thread-affine single-value slots; empty when `max_idle` is 0.
    shards: Box<[CachePadded<Shard<T>>]>,
    /// Values that did not fit a shard; at most `overflow_cap`.
    overflow: Mutex<Vec<T>>,
    /// How many values `overflow` holds (a hint read without the lock, so that
    /// `get` on an empty pool does not lock).
    overflow_len: AtomicUsize,
    overflow_cap: usize,
    max_idle: Option<usize>,
    new: Box<dyn Fn() -> T + Send + Sync>,
}

// SAFETY: a value in the pool is reached by one thread at a time (a shard's try-lock
// or the overflow mutex), and moves between threads: `T: Send` is what sharing and
// sending the pool need. `new` is `Send + Sync` by its bound.
unsafe impl<T: Send> Sync for Pool<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Pool<T> {}

impl<T: Send> Pool<T> {
    /// A pool that makes new values with `new` and keeps every value put back (like
    /// Go's).
    ///
    /// ```
    /// let pool = gosync::Pool::new(|| String::with_capacity(64));
    /// assert!(pool.get().capacity() >= 64);
    /// ```
    pub fn new(new: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self::build(default_shards(), usize::MAX, None, Box::new(new))
    }

    /// A pool that keeps at most `max_idle` idle values: values put back beyond that
    /// are dropped. `with_max_idle(0, ..)` caches nothing.
    ///
    /// ```
    /// use gosync::Pool;
    ///
    /// let pool = Pool::with_max_idle(1, || 0u32);
    /// let (a, b) = (pool.get(), pool.get());
    /// drop(a); // kept
    /// drop(b); // dropped: the pool is full
    /// ```
    pub fn with_max_idle(max_idle: usize, new: impl Fn() -> T + Send + Sync + 'static) -> Self {
        let shards = if max_idle == 0 {
            0
        } else {
            let fit = 1usize << (usize::BITS - 1 - max_idle.leading_zeros());
            fit.min(default_shards())
        };
        Self::build(shards, max_idle - shards, Some(max_idle), Box::new(new))
    }

    fn build(
        shards: usize,
        overflow_cap: usize,
        max_idle: Option<usize>,
        new: Box<dyn Fn() -> T + Send + Sync>,
    ) -> Self {
        Pool {
            shards: (0..shards)
                .map(|_| CachePadded::new(Shard::new()))
                .collect(),
            overflow: Mutex::new(Vec::new()),
            overflow_len: AtomicUsize::new(0),
            overflow_cap,
            max_idle,
            new,
        }
    }

    /// An idle value, or a new one (Go's `Get`), in a guard that puts it back into
    /// the pool when dropped.
    ///
    /// A reused value is as it was put back: reset it if that matters.
    ///
    /// ```
    /// use gosync::Pool;
    ///
    /// let pool = Pool::new(|| vec![0u8; 1024]);
    /// let mut buf = pool.get();
    /// buf[0] = 1;
    /// drop(buf); // returned
    /// let buf = pool.get();
    /// assert_eq!(buf.len(), 1024);
    /// ```
    #[inline]
    pub fn get(&self) -> Pooled<'_, T> {
        let value = match self.own_shard().and_then(Shard::try_take) {
            Some(v) => v,
            None => self.get_slow(),
        };
        Pooled {
            pool: self,
            value: ManuallyDrop::new(value),
        }
    }

    /// Offers `v` for reuse (Go's `Put`). Dropping a [`Pooled`] does this for you.
    /// Beyond the pool's `max_idle` the value is dropped.
    ///
    /// ```
    /// use gosync::Pool;
    ///
    /// let pool = Pool::new(|| 0);
    /// pool.put(41);
    /// assert_eq!(*pool.get(), 41); // one thread, one idle value: reused
    /// ```
    #[inline]
    pub fn put(&self, v: T) {
        let v = match self.own_shard() {
            Some(shard) => match shard.try_put(v) {
                Ok(()) => return,
                Err(v) => v,
            },
            None => v,
        };
        self.put_slow(v);
    }

    /// Drops every idle value, in every thread's shard and in the overflow.
    ///
    /// Values handed out and not yet returned are not affected.
    ///
    /// ```
    /// use gosync::Pool;
    ///
    /// let pool = Pool::new(|| 0);
    /// pool.put(7);
    /// pool.clear();
    /// assert_eq!(*pool.get(), 0); // a new value
    /// ```
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            // Dropped after the shard is released, so that a `Drop` that uses the
            // pool cannot deadlock on it.
            drop(shard.take_waiting());
        }
        let idle = {
            let mut overflow = self.overflow.lock();
            self.overflow_len.store(0, Ordering::Relaxed);
            std::mem::take(&mut *overflow)
        };
        drop(idle);
    }

    /// This thread's shard, if the pool has any.
    #[inline]
    fn own_shard(&self) -> Option<&Shard<T>> {
        if self.shards.is_empty() {
            return None;
        }
        Some(&self.shards[thread_index() & (self.shards.len() - 1)])
    }

    #[cold]
    fn get_slow(&self) -> T {
        if self.overflow_len.load(Ordering::Relaxed) != 0 {
            let mut overflow = self.overflow.lock();
            if let Some(v) = overflow.pop() {
                self.overflow_len.store(overflow.len(), Ordering::Relaxed);
                return v;
            }
        }
        // Steal from other threads' shards before making a new value.
        for shard in self.shards.iter() {
            if let Some(v) = shard.try_take() {
                return v;
            }
        }
        (self.new)()
    }

    #[cold]
    fn put_slow(&self, v: T) {
        if self.overflow_cap != 0 {
            let mut overflow = self.overflow.lock();
            if overflow.len() < self.overflow_cap {
                overflow.push(v);
                self.overflow_len.store(overflow.len(), Ordering::Relaxed);
                return;
            }
        }
        // The overflow is full: use an empty slot of another thread's shard, so that
        // the pool can hold `max_idle` values even when one thread puts them all.
        let mut v = v;
        for shard in self.shards.iter() {
            match shard.try_put(v) {
                Ok(()) => return,
                Err(back) => v = back,
            }
        }
        // Full: drop it (outside the lock, which was released above).
        drop(v);
    }
}

impl<T> fmt::Debug for Pool<T> {
    /// Shows the idle bound and the shard count, not the values.
    ///
    /// ```
    /// let pool = gosync::Pool::with_max_idle(0, || 1);
    /// assert_eq!(format!("{pool:?}"), "Pool { max_idle: Some(0), shards: 0, .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("max_idle", &self.max_idle)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// A value taken from a [`Pool`]; derefs to it, and puts it back into the pool when
/// dropped.
///
/// ```
/// use gosync::Pool;
///
/// let pool = Pool::new(String::new);
/// let mut s = pool.get();
/// s.push_str("scratch");
/// assert_eq!(s.as_str(), "scratch");
/// ```
pub struct Pooled<'a, T: Send> {
    pool: &'a Pool<T>,
    /// Taken out exactly once: by `drop` (back to the pool) or `into_inner`.
    value: ManuallyDrop<T>,
}

impl<T: Send> Pooled<'_, T> {
    /// Keeps the value instead of returning it to the pool.
    ///
    /// ```
    /// use gosync::{Pool, Pooled};
    ///
    /// let pool = Pool::new(|| vec![1, 2, 3]);
    /// let v: Vec<i32> = Pooled::into_inner(pool.get());
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    pub fn into_inner(this: Self) -> T {
        let mut this = ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped (ManuallyDrop), so the value is taken out
        // exactly once, here.
        unsafe { ManuallyDrop::take(&mut this.value) }
    }
}

impl<T: Send> Deref for Pooled<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Send> DerefMut for Pooled<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Send> Drop for Pooled<'_, T> {
    /// Puts the value back into the pool.
    #[inline]
    fn drop(&mut self) {
        // SAFETY: drop runs once, and `into_inner` (the only other taker) forgets
        // the guard, so the value is still here and is taken out exactly once.
        let v = unsafe { ManuallyDrop::take(&mut self.value) };
        self.pool.put(v);
    }
}

impl<T: Send + fmt::Debug> fmt::Debug for Pooled<'_, T> {
    /// Shows the value.
    ///
    /// ```
    /// let pool = gosync::Pool::new(|| 3);
    /// assert_eq!(format!("{:?}", pool.get()), "3");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
