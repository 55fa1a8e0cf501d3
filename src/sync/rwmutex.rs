//! `RwMutex<T>`: Go's `sync.RWMutex` — many readers or one writer, writer-preferring —
//! wrapped around the data it guards.
//!
//! # State word
//!
//! One `AtomicUsize`:
//!
//! | bits            | meaning                                                          |
//! |-----------------|------------------------------------------------------------------|
//! | `WRITER`        | a writer holds the lock, or has claimed it and waits for the readers inside to leave |
//! | `PARKED`        | threads are parked on the main key (readers and writers waiting to enter), or a woken writer is on its way in |
//! | `WRITER_PARKED` | the claiming writer is parked on the second key until the readers are out |
//! | `n * ONE_READER`| `n` readers inside                                               |
//!
//! Readers enter only when neither `WRITER` nor `PARKED` is set: once a writer waits,
//! new readers queue behind it (writer preference, Go's `readerCount` going
//! negative). A writer claims `WRITER` as soon as no other writer has it, even with
//! readers inside, and then waits for those readers to leave; the last one wakes it.
//!
//! # Wake-up order (Go's `Unlock`)
//!
//! A writer's unlock with `PARKED` set wakes every parked reader *and* the first parked
//! writer. The readers are handed the lock (counted in before they run); the writer
//! then claims `WRITER` and waits for them, so readers that queued during a write
//! phase go next, and the writer after them. With no reader queued, the first writer
//! is woken to compete (or, if it has waited longer than
//! [`STARVATION_THRESHOLD`](super::STARVATION_THRESHOLD), is handed the lock).
//!
//! Invariant: `PARKED` set with `WRITER` clear means a woken writer is on its way to
//! claim `WRITER` (or a parker has yet to queue and will fail validation), so some
//! writer's unlock will serve whoever is parked.

use super::STARVATION_THRESHOLD;
use crate::facade::{const_fn, AtomicUsize, Ordering, UnsafeCell};
use crate::park::spin::SpinWait;
use crate::park::table::{self, FilterOp, ParkResult, Queueing};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::time::Instant;

const WRITER: usize = 1;
const PARKED: usize = 2;
const WRITER_PARKED: usize = 4;
const ONE_READER: usize = 8;
const READERS_MASK: usize = !(ONE_READER - 1);
/// Above this many readers `read` panics instead of overflowing the count.
const MAX_READERS: usize = READERS_MASK >> 1;

/// Park tokens: who is waiting on the main key.
const PARK_READER: usize = 0;
const PARK_WRITER: usize = 1;
/// A writer that has waited longer than the starvation threshold.
const PARK_WRITER_STARVING: usize = 2;

/// Unpark tokens. Readers: the lock is yours (counted in). Writers: compete again.
const TOKEN_READERS_IN: usize = 0;
/// A writer: compete for `WRITER` again.
const TOKEN_RETRY: usize = 1;
/// A writer: `WRITER` is yours, and no reader is inside.
const TOKEN_WRITER_HANDOFF: usize = 2;

/// Spin rounds (1, 2, 4, … pauses) before a contended waiter starts yielding
/// (Go's `sync.Mutex` spins about as long, ~120 pauses, before it sleeps).
const SPINS: u32 = 6;
/// Yields before a contended waiter parks: when the threads outnumber the cores the
/// holder may be waiting for our core, and its critical section is short. (None of
/// this under loom: see `super::spin`.)
const YIELDS: u32 = 4;

/// A reader-writer lock around a value of type `T`: Go's `sync.RWMutex`.
///
/// Any number of readers, or one writer. Writer-preferring: once a writer waits, new
/// readers wait behind it, so a stream of readers cannot starve writers.
///
/// # Go → gosync
///
/// ```go
/// var mu sync.RWMutex
/// var config map[string]string
///
/// mu.RLock()
/// v := config["mode"]
/// mu.RUnlock()
///
/// mu.Lock()
/// config["mode"] = "fast"
/// mu.Unlock()
/// ```
///
/// ```
/// use gosync::RwMutex;
/// use std::collections::HashMap;
///
/// let config = RwMutex::new(HashMap::from([("mode", "safe")]));
/// let v = config.read()["mode"];
/// assert_eq!(v, "safe");
/// config.write().insert("mode", "fast");
/// assert_eq!(config.read()["mode"], "fast");
/// ```
///
/// # Differences from Go
///
/// - The lock owns its data; guards unlock on drop, so unbalanced unlocks cannot be
///   written. Guards stay on the thread that locked.
/// - A writer that waited longer than about 1 ms is handed the lock directly (Go's
///   writers get this from the `sync.Mutex` inside `RWMutex`).
///
/// # Differences from `std::sync::RwLock`
///
/// - No poisoning: a panic while holding a guard releases it.
/// - Writer preference is a promise here (std leaves the policy to the platform).
/// - `read`/`write` return guards directly, not `Result`s.
///
/// Like Go's (and std's), a thread that already holds a read lock and asks for
/// another may deadlock if a writer started waiting in between: don't re-lock
/// recursively.
pub struct RwMutex<T: ?Sized> {
    /// `WRITER | PARKED | WRITER_PARKED | readers` (state table in the module docs).
    state: AtomicUsize,
    /// `deadlock-detection`: the writer's `record::lock_id`, 0 when no writer holds it
    /// (readers are not recorded).
    #[cfg(feature = "deadlock-detection")]
    holder: AtomicUsize,
    /// Shared by readers, exclusive to the writer, reached through guards.
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands `T` between threads, so it is `Send` when `T` is.
unsafe impl<T: ?Sized + Send> Send for RwMutex<T> {}
// SAFETY: readers on several threads share `&T` (needs `T: Sync`); a writer on any
// thread gets `&mut T` (needs `T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutex<T> {}

/// Shared access to an [`RwMutex`]'s data; releases the read lock when dropped.
///
/// ```
/// let rw = gosync::RwMutex::new(5);
/// let a = rw.read();
/// let b = rw.read(); // readers share
/// assert_eq!(*a + *b, 10);
/// ```
#[must_use = "if unused the RwMutex will immediately unlock"]
pub struct RwMutexReadGuard<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
    _not_send: PhantomData<*const ()>,
}

/// Exclusive access to an [`RwMutex`]'s data; releases the write lock when dropped.
///
/// ```
/// let rw = gosync::RwMutex::new(5);
/// *rw.write() += 1;
/// assert_eq!(*rw.read(), 6);
/// ```
#[must_use = "if unused the RwMutex will immediately unlock"]
pub struct RwMutexWriteGuard<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared read guard only gives `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for RwMutexReadGuard<'_, T> {}
// SAFETY: a shared write guard only gives `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for RwMutexWriteGuard<'_, T> {}

/// What a writer's unlock chose to wake (kept by the filter, read by the callback).
#[derive(Default)]
struct Woken {
    readers: usize,
    writer: Option<usize>,
}

impl<T> RwMutex<T> {
    const_fn! {
        /// A new, unlocked `RwMutex` holding `value`. `const`, so it can initialise a
        /// `static`.
        ///
        /// ```
        /// use gosync::RwMutex;
        ///
        /// static LEVEL: RwMutex<u8> = RwMutex::new(3);
        /// assert_eq!(*LEVEL.read(), 3);
        /// ```
        pub fn new(value: T) -> Self {
            RwMutex {
                state: AtomicUsize::new(0),
                #[cfg(feature = "deadlock-detection")]
                holder: AtomicUsize::new(0),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the lock and returns its data.
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(vec![1]);
    /// rw.write().push(2);
    /// assert_eq!(rw.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwMutex<T> {
    /// Locks for reading, blocking while a writer holds or waits for the lock (Go's
    /// `RLock`).
    ///
    /// ```
    /// use gosync::RwMutex;
    /// use std::thread;
    ///
    /// let table = RwMutex::new([1, 2, 3]);
    /// thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| assert_eq!(table.read().iter().sum::<i32>(), 6));
    ///     }
    /// });
    /// ```
    #[inline]
    pub fn read(&self) -> RwMutexReadGuard<'_, T> {
        let state = self.state.load(Ordering::Relaxed);
        // ORDERING: Acquire pairs with the Release of the last writer's unlock.
        if state & (WRITER | PARKED) != 0
            || state >= MAX_READERS
            || self
                .state
                .compare_exchange_weak(
                    state,
                    state + ONE_READER,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            self.read_slow();
        }
        RwMutexReadGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Locks for reading if that is possible right now: no writer holds or waits
    /// for the lock (Go's `TryRLock`).
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(0);
    /// let w = rw.write();
    /// assert!(rw.try_read().is_none());
    /// drop(w);
    /// assert!(rw.try_read().is_some());
    /// ```
    #[inline]
    pub fn try_read(&self) -> Option<RwMutexReadGuard<'_, T>> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITER | PARKED) != 0 || state >= MAX_READERS {
                return None;
            }
            // ORDERING: as in `read`.
            match self.state.compare_exchange_weak(
                state,
                state + ONE_READER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(RwMutexReadGuard {
                        lock: self,
                        _not_send: PhantomData,
                    })
                }
                Err(s) => state = s,
            }
        }
    }

    /// Locks for writing, blocking until no reader or writer holds the lock (Go's
    /// `Lock`). New readers are held back as soon as this call waits.
    ///
    /// ```
    /// use gosync::RwMutex;
    /// use std::thread;
    ///
    /// let hits = RwMutex::new(0);
    /// thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| *hits.write() += 1);
    ///     }
    /// });
    /// assert_eq!(*hits.read(), 4);
    /// ```
    #[inline]
    pub fn write(&self) -> RwMutexWriteGuard<'_, T> {
        // ORDERING: Acquire pairs with the Release of the previous unlock (a writer's,
        // or the last reader's decrement).
        if self
            .state
            .compare_exchange_weak(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.write_slow();
        }
        self.note_writer();
        RwMutexWriteGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Locks for writing if no reader or writer holds the lock right now (Go's
    /// `TryLock`).
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(0);
    /// let r = rw.read();
    /// assert!(rw.try_write().is_none());
    /// drop(r);
    /// assert!(rw.try_write().is_some());
    /// ```
    #[inline]
    pub fn try_write(&self) -> Option<RwMutexWriteGuard<'_, T>> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITER | READERS_MASK) != 0 {
                return None;
            }
            // ORDERING: as in `write`.
            match self.state.compare_exchange_weak(
                state,
                state | WRITER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.note_writer();
                    return Some(RwMutexWriteGuard {
                        lock: self,
                        _not_send: PhantomData,
                    });
                }
                Err(s) => state = s,
            }
        }
    }

    /// A mutable reference to the data, without locking (`&mut self` proves that no
    /// guard exists).
    ///
    /// ```
    /// let mut rw = gosync::RwMutex::new(1);
    /// *rw.get_mut() = 2;
    /// assert_eq!(*rw.read(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` excludes every guard and every other access.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Wait-table key of threads waiting to enter.
    fn key(&self) -> usize {
        &self.state as *const AtomicUsize as usize
    }

    /// Wait-table key of the writer waiting for readers to leave (inside the state
    /// word, so no other object's key).
    fn drain_key(&self) -> usize {
        self.key() + 1
    }

    #[cold]
    fn read_slow(&self) {
        let what = crate::park::record::What::RwRead(crate::park::record::What::addr(self));
        #[cfg(feature = "deadlock-detection")]
        let _rec = crate::park::record::blocking_lock(what, &self.holder);
        #[cfg(not(feature = "deadlock-detection"))]
        let _rec = crate::park::record::blocking(what);
        let mut spin = SpinWait::new(SPINS, YIELDS);
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WRITER | PARKED) == 0 {
                assert!(
                    state < MAX_READERS,
                    "gosync: too many readers on one RwMutex"
                );
                // ORDERING: as in `read`.
                match self.state.compare_exchange_weak(
                    state,
                    state + ONE_READER,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return,
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            // A writer holds it and nobody queues yet: it may be out soon.
            if state & PARKED == 0 && super::spin(&mut spin) {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if state & PARKED == 0 {
                if let Err(s) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = s;
                    continue;
                }
            }
            let result = table::park(
                self.key(),
                PARK_READER,
                || self.state.load(Ordering::Relaxed) & PARKED != 0,
                None,
                |_| {},
            );
            if result == ParkResult::Unparked(TOKEN_READERS_IN) {
                // The unlocking writer counted us in; its unlock (Release) and the
                // table's token hand-off (Release/Acquire) order its writes first.
                return;
            }
            spin.reset();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    fn write_slow(&self) {
        let what = crate::park::record::What::RwWrite(crate::park::record::What::addr(self));
        #[cfg(feature = "deadlock-detection")]
        let _rec = crate::park::record::blocking_lock(what, &self.holder);
        #[cfg(not(feature = "deadlock-detection"))]
        let _rec = crate::park::record::blocking(what);
        let mut spin = SpinWait::new(SPINS, YIELDS);
        let mut wait_start: Option<Instant> = None;
        let mut starving = false;
        let mut queueing = Queueing::Back;
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & WRITER == 0 {
                // Claim the lock even with readers inside: from now on new readers
                // wait, and we wait for those inside to leave.
                // ORDERING: Acquire pairs with the previous writer's Release.
                match self.state.compare_exchange_weak(
                    state,
                    state | WRITER,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        self.wait_for_readers();
                        return;
                    }
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            if state & PARKED == 0 && super::spin(&mut spin) {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if state & PARKED == 0 {
                if let Err(s) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = s;
                    continue;
                }
            }
            let start = *wait_start.get_or_insert_with(Instant::now);
            let token = if starving {
                PARK_WRITER_STARVING
            } else {
                PARK_WRITER
            };
            let result = table::park_with(
                self.key(),
                token,
                queueing,
                || self.state.load(Ordering::Relaxed) & (WRITER | PARKED) == WRITER | PARKED,
                || {},
                None,
                |_| {},
            );
            match result {
                // WRITER is ours and no reader is inside (the unlocking writer had it
                // exclusively and handed it on).
                ParkResult::Unparked(TOKEN_WRITER_HANDOFF) => return,
                ParkResult::Unparked(_) => {
                    queueing = Queueing::Front;
                    starving = starving || crate::facade::expired(start + STARVATION_THRESHOLD);
                }
                ParkResult::Invalid => {}
                ParkResult::TimedOut => unreachable!("bug: untimed park timed out"),
            }
            spin.reset();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    /// With `WRITER` claimed, waits until the readers inside have left.
    fn wait_for_readers(&self) {
        let what = crate::park::record::What::RwWrite(crate::park::record::What::addr(self));
        #[cfg(feature = "deadlock-detection")]
        let _rec = crate::park::record::blocking_lock(what, &self.holder);
        #[cfg(not(feature = "deadlock-detection"))]
        let _rec = crate::park::record::blocking(what);
        let mut spin = SpinWait::new(SPINS, YIELDS);
        // ORDERING: Acquire pairs with the readers' Release decrements, so their reads
        // of the data happen before our writes.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & READERS_MASK == 0 {
                return;
            }
            if super::spin(&mut spin) {
                state = self.state.load(Ordering::Acquire);
                continue;
            }
            if state & WRITER_PARKED == 0 {
                if let Err(s) = self.state.compare_exchange_weak(
                    state,
                    state | WRITER_PARKED,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    state = s;
                    continue;
                }
            }
            // The last reader out clears WRITER_PARKED under this bucket's lock, so
            // either it sees us queued or we see the count at zero here.
            table::park(
                self.drain_key(),
                0,
                || {
                    let s = self.state.load(Ordering::Relaxed);
                    s & READERS_MASK != 0 && s & WRITER_PARKED != 0
                },
                None,
                |_| {},
            );
            state = self.state.load(Ordering::Acquire);
        }
    }

    /// Releases a read lock.
    #[inline]
    fn read_unlock(&self) {
        // ORDERING: Release pairs with a writer's Acquire: our reads of the data
        // happen before its writes.
        let prev = self.state.fetch_sub(ONE_READER, Ordering::Release);
        if prev & READERS_MASK == ONE_READER && prev & WRITER_PARKED != 0 {
            self.wake_drained_writer();
        }
    }

    /// The last reader left while the claiming writer sleeps: wake it.
    #[cold]
    fn wake_drained_writer(&self) {
        table::unpark_one(self.drain_key(), |_| {
            self.state.fetch_and(!WRITER_PARKED, Ordering::Relaxed);
            0
        });
    }

    /// `deadlock-detection`: names this thread as the writer (nothing otherwise).
    #[inline(always)]
    fn note_writer(&self) {
        // ORDERING: Relaxed: a name for the watchdog, not synchronisation.
        #[cfg(feature = "deadlock-detection")]
        self.holder
            .store(crate::park::record::lock_id(), Ordering::Relaxed);
    }

    /// Releases the write lock.
    #[inline]
    fn write_unlock(&self) {
        // `deadlock-detection`: no writer any more, before the lock is free.
        // ORDERING: Relaxed; the Release below orders it before the next writer's.
        #[cfg(feature = "deadlock-detection")]
        self.holder.store(0, Ordering::Relaxed);
        // ORDERING: Release pairs with the next locker's Acquire.
        if self
            .state
            .compare_exchange(WRITER, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.write_unlock_slow();
        }
    }

    #[cold]
    fn write_unlock_slow(&self) {
        table::unpark_filter_with(
            self.key(),
            Woken::default(),
            |woken, token| {
                if token == PARK_READER {
                    woken.readers += 1;
                    FilterOp::Unpark
                } else if woken.writer.is_none() {
                    woken.writer = Some(token);
                    FilterOp::Unpark
                } else {
                    FilterOp::Skip
                }
            },
            |woken, res| {
                // We hold WRITER with no reader inside, so the new state does not
                // depend on the old one, except for a stale WRITER_PARKED (left by a
                // last reader whose wake-up found us already gone), which is to be
                // dropped. Still a swap, not a store: a parker's CAS or that stale
                // clear may race with it, and an RMW keeps one total order with them.
                let parked = if res.have_more { PARKED } else { 0 };
                // ORDERING: Release, as in `write_unlock`.
                if woken.readers > 0 {
                    // Hand the lock to the readers; a woken writer claims WRITER next
                    // and waits for them, and until it does PARKED keeps new readers
                    // out.
                    let parked = if woken.writer.is_some() {
                        PARKED
                    } else {
                        parked
                    };
                    self.state
                        .swap((woken.readers * ONE_READER) | parked, Ordering::Release);
                    TOKEN_READERS_IN
                } else if woken.writer == Some(PARK_WRITER_STARVING) {
                    self.state.swap(WRITER | parked, Ordering::Release);
                    TOKEN_WRITER_HANDOFF
                } else {
                    self.state.swap(parked, Ordering::Release);
                    TOKEN_RETRY
                }
            },
        );
    }
}

impl<T: Default> Default for RwMutex<T> {
    /// An `RwMutex` holding `T::default()`.
    ///
    /// ```
    /// let rw: gosync::RwMutex<String> = Default::default();
    /// assert!(rw.read().is_empty());
    /// ```
    fn default() -> Self {
        RwMutex::new(T::default())
    }
}

impl<T> From<T> for RwMutex<T> {
    /// An `RwMutex` holding `value`.
    ///
    /// ```
    /// let rw = gosync::RwMutex::from(1);
    /// assert_eq!(*rw.read(), 1);
    /// ```
    fn from(value: T) -> Self {
        RwMutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutex<T> {
    /// Shows the data if a read lock can be had right now, else `<locked>`.
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(1);
    /// assert_eq!(format!("{rw:?}"), "RwMutex { data: 1 }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwMutex");
        match self.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized> Deref for RwMutexReadGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: a read lock is held, so no writer has `&mut T`; the reference
        // cannot outlive the guard.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for RwMutexReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.read_unlock();
    }
}

impl<T: ?Sized> Deref for RwMutexWriteGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held, so this guard is the only access path.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for RwMutexWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock is held and the guard borrowed mutably: this is the
        // only reference to the data while it lives.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for RwMutexWriteGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.write_unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexReadGuard<'_, T> {
    /// Shows the data.
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(2);
    /// assert_eq!(format!("{:?}", rw.read()), "2");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexWriteGuard<'_, T> {
    /// Shows the data.
    ///
    /// ```
    /// let rw = gosync::RwMutex::new(3);
    /// assert_eq!(format!("{:?}", rw.write()), "3");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
