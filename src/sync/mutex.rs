//! `Mutex<T>`: Go's `sync.Mutex` (barging with spinning, then FIFO parking, and
//! starvation mode) wrapped around the data it guards, Rust-style.
//!
//! # State word
//!
//! One `AtomicU8`:
//!
//! | bits                          | meaning                                                   |
//! |-------------------------------|-----------------------------------------------------------|
//! | `0`                           | unlocked, nobody parked: `lock` is one CAS                |
//! | `LOCKED`                      | held, nobody parked: `unlock` is one CAS                  |
//! | `PARKED`                      | unlocked, threads parked (a woken one is about to retry)  |
//! | `LOCKED \| PARKED`            | held, threads parked: `unlock` wakes the longest waiter   |
//! | `LOCKED \| PARKED \| STARVING`| held, starvation mode: `unlock` hands the lock over       |
//!
//! `STARVING` implies `LOCKED | PARKED`: a starving waiter sets it only while the lock
//! is held, and only an unlock that hands the lock over (keeping `LOCKED`) or finds
//! nobody queued (clearing everything) ends it. So "the lock is free" is exactly
//! `state & LOCKED == 0`, and an arriving thread can never barge past a hand-off.
//!
//! # Fairness (Go's `sync.Mutex`)
//!
//! Normal mode: an unlock wakes the longest-parked thread, which then competes with
//! arriving threads for the lock (arrivals usually win: they are already running). A
//! woken waiter that loses goes back to the *front* of the queue. A waiter that has
//! been waiting for more than [`STARVATION_THRESHOLD`] sets `STARVING`; from then on
//! every unlock hands the lock directly to the front waiter, without ever clearing
//! `LOCKED`, until the queue empties or a waiter that got the lock had waited less
//! than the threshold.

use super::STARVATION_THRESHOLD;
use crate::facade::{const_fn, AtomicU8, Ordering, UnsafeCell};
use crate::park::spin::SpinWait;
use crate::park::table::{self, ParkResult, Queueing};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::time::Instant;

const LOCKED: u8 = 1;
const PARKED: u8 = 2;
const STARVING: u8 = 4;

/// Unpark token: the lock was released; compete for it again.
const TOKEN_RETRY: usize = 0;
/// Unpark token: the lock was handed over; the woken thread holds it.
const TOKEN_HANDOFF: usize = 1;

/// Spin rounds (1, 2, 4, … pauses) before a contended waiter starts yielding
/// (Go's `sync.Mutex` spins about as long, ~120 pauses, before it sleeps).
const SPINS: u32 = 6;
/// Yields before a contended waiter parks: when the threads outnumber the cores the
/// holder may be waiting for our core, and its critical section is short. (None of
/// this under loom: see `super::spin`.)
const YIELDS: u32 = 4;

/// A mutual-exclusion lock around a value of type `T`: Go's `sync.Mutex`, with the
/// data inside it as in Rust.
///
/// `lock` returns a [`MutexGuard`] that derefs to the data and unlocks when dropped.
///
/// # Go → gosync
///
/// ```go
/// var mu sync.Mutex
/// var count int
///
/// mu.Lock()
/// count++
/// mu.Unlock()
/// ```
///
/// ```
/// use gosync::Mutex;
///
/// static COUNT: Mutex<u64> = Mutex::new(0);
///
/// *COUNT.lock() += 1; // the guard unlocks at the end of the statement
/// assert_eq!(*COUNT.lock(), 1);
/// ```
///
/// # Differences from Go
///
/// - The mutex owns the data it guards; only a guard reaches it.
/// - Unlocking is dropping the guard, so unlocking an unlocked mutex (a fatal error in
///   Go) cannot be written. The guard cannot move to another thread (Go lets another
///   goroutine unlock).
/// - Fairness is Go's: an unlock wakes the longest waiter, and a waiter that has waited
///   more than about 1 ms switches the mutex to hand-off (starvation) mode.
///
/// # Differences from std's `Mutex`
///
/// - No poisoning: a panic while the lock is held unlocks it (the guard's drop runs
///   during unwinding), and later `lock` calls succeed. Data left half-updated by the
///   panicking thread is visible to the next holder, as after a Go panic.
/// - `lock` and `try_lock` return the guard directly, not a `Result`.
/// - `const fn new`, one byte of state, and no allocation.
pub struct Mutex<T: ?Sized> {
    /// `LOCKED | PARKED | STARVING` (state table in the module docs).
    state: AtomicU8,
    /// `deadlock-detection`: the holder's `record::lock_id`, 0 when free.
    #[cfg(feature = "deadlock-detection")]
    holder: crate::facade::AtomicUsize,
    /// Reached only by the thread holding `LOCKED`, through a guard.
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands `T` from thread to thread, so it is `Send` when `T` is.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: only one thread at a time reaches the data (the one holding `LOCKED`), so
// sharing the mutex needs `T: Send` (the value moves between threads), not `T: Sync`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Holds a [`Mutex`] locked and gives access to its data; unlocks when dropped.
///
/// ```
/// use gosync::Mutex;
///
/// let m = Mutex::new(vec![1, 2]);
/// let mut guard = m.lock();
/// guard.push(3);
/// drop(guard); // unlock
/// assert_eq!(m.lock().len(), 3);
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Not `Send`: the guard stays on the thread that locked (as `std`'s).
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Mutex<T> {
    const_fn! {
        /// A new, unlocked mutex holding `value`. `const`, so it can initialise a
        /// `static`.
        ///
        /// ```
        /// use gosync::Mutex;
        ///
        /// static NAMES: Mutex<Vec<&str>> = Mutex::new(Vec::new());
        /// NAMES.lock().push("gopher");
        /// assert_eq!(NAMES.lock().len(), 1);
        /// ```
        pub fn new(value: T) -> Self {
            Mutex {
                state: AtomicU8::new(0),
                #[cfg(feature = "deadlock-detection")]
                holder: crate::facade::AtomicUsize::new(0),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex and returns its data (no locking needed: nobody else can
    /// hold it).
    ///
    /// ```
    /// use gosync::Mutex;
    ///
    /// let m = Mutex::new(String::from("go"));
    /// m.lock().push_str("sync");
    /// assert_eq!(m.into_inner(), "gosync");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is available, and returns a guard that
    /// unlocks it when dropped (Go's `Lock`).
    ///
    /// Locking a mutex the current thread already holds deadlocks, as in Go.
    ///
    /// ```
    /// use gosync::Mutex;
    /// use std::thread;
    ///
    /// let total = Mutex::new(0);
    /// thread::scope(|s| {
    ///     for i in 1..=4 {
    ///         let total = &total;
    ///         s.spawn(move || *total.lock() += i);
    ///     }
    /// });
    /// assert_eq!(*total.lock(), 10);
    /// ```
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock_raw();
        MutexGuard::new(self)
    }

    /// Locks the mutex if it is free right now (Go's `TryLock`).
    ///
    /// ```
    /// use gosync::Mutex;
    ///
    /// let m = Mutex::new(1);
    /// let g = m.try_lock().expect("free");
    /// assert!(m.try_lock().is_none()); // held by `g`
    /// drop(g);
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & LOCKED != 0 {
                return None;
            }
            // ORDERING: Acquire pairs with the Release of the unlock that freed it.
            match self.state.compare_exchange_weak(
                state,
                state | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.note_held();
                    return Some(MutexGuard::new(self));
                }
                Err(s) => state = s,
            }
        }
    }

    /// A mutable reference to the data, without locking: `&mut self` proves that
    /// nobody else holds the mutex.
    ///
    /// ```
    /// use gosync::Mutex;
    ///
    /// let mut m = Mutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` excludes every guard and every other access.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    /// Acquires the lock without making a guard (for `Cond`, which unlocks and
    /// relocks around its sleep).
    #[inline]
    pub(crate) fn lock_raw(&self) {
        // ORDERING: Acquire pairs with the Release of the previous unlock: whatever
        // the previous holder wrote under the lock is visible to us.
        if self
            .state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
        self.note_held();
    }

    /// `deadlock-detection`: names this thread as the holder (nothing otherwise).
    #[inline(always)]
    fn note_held(&self) {
        // ORDERING: Relaxed: a name for the watchdog, not synchronisation; the lock's
        // own Acquire/Release order it after the previous holder's clearing.
        #[cfg(feature = "deadlock-detection")]
        self.holder
            .store(crate::park::record::lock_id(), Ordering::Relaxed);
    }

    /// Releases the lock. The caller holds it (through a guard it has consumed).
    #[inline]
    pub(crate) fn unlock_raw(&self) {
        // `deadlock-detection`: no holder any more, before the lock is free.
        // ORDERING: Relaxed; the Release below orders it before the next holder's.
        #[cfg(feature = "deadlock-detection")]
        self.holder.store(0, Ordering::Relaxed);
        // ORDERING: Release pairs with the Acquire of the next lock.
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    /// The wait-table key: the address of the state word.
    fn key(&self) -> usize {
        &self.state as *const AtomicU8 as usize
    }

    #[cold]
    fn lock_slow(&self) {
        let what = crate::park::record::What::Mutex(crate::park::record::What::addr(self));
        #[cfg(feature = "deadlock-detection")]
        let _rec = crate::park::record::blocking_lock(what, &self.holder);
        #[cfg(not(feature = "deadlock-detection"))]
        let _rec = crate::park::record::blocking(what);
        let mut spin = SpinWait::new(SPINS, YIELDS);
        // When this thread first parked; `None` until it has to.
        let mut wait_start: Option<Instant> = None;
        let mut starving = false;
        let mut queueing = Queueing::Back;
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            // Free (STARVING implies LOCKED, so nobody is being handed it): take it,
            // even past parked waiters (normal mode barging).
            if state & LOCKED == 0 {
                // ORDERING: as in `lock_raw`.
                match self.state.compare_exchange_weak(
                    state,
                    state | LOCKED,
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
            // Spin a bounded number of rounds while nobody is parked: the holder is
            // usually out within a few hundred nanoseconds. Never in starvation mode
            // (STARVING implies PARKED): the lock goes to the queue, not to spinners.
            if state & PARKED == 0 && super::spin(&mut spin) {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            // Announce that we park (and, if we have waited too long, that the mutex
            // is to hand itself over from now on).
            let want = state | PARKED | if starving { STARVING } else { 0 };
            if state != want {
                if let Err(s) = self.state.compare_exchange_weak(
                    state,
                    want,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = s;
                    continue;
                }
            }
            let start = *wait_start.get_or_insert_with(Instant::now);
            // Sleep only if the lock is still held with PARKED set: an unlocker's
            // callback runs under the same bucket lock, so either it sees us queued or
            // we see its new state here.
            let result = table::park_with(
                self.key(),
                0,
                queueing,
                || self.state.load(Ordering::Relaxed) & (LOCKED | PARKED) == LOCKED | PARKED,
                || {},
                None,
                |_| {},
            );
            match result {
                ParkResult::Unparked(TOKEN_HANDOFF) => {
                    // We hold the lock. Go: a waiter that did not wait long ends
                    // starvation mode (the unlocker already ended it if we were last).
                    if !crate::facade::expired(start + STARVATION_THRESHOLD) {
                        self.state.fetch_and(!STARVING, Ordering::Relaxed);
                    }
                    return;
                }
                ParkResult::Unparked(_) => {
                    // Woken to compete: if we lose, go back in front of the queue.
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

    #[cold]
    fn unlock_slow(&self) {
        table::unpark_one(self.key(), |res| {
            // Under the bucket lock, so no parker can validate concurrently; other
            // threads may still add PARKED or STARVING by CAS, hence the CAS loop.
            let mut state = self.state.load(Ordering::Relaxed);
            loop {
                let (next, token) = if res.unparked == 0 {
                    // Whoever set PARKED has not queued yet; its validate will fail
                    // and it will retry.
                    (0, TOKEN_RETRY)
                } else if state & STARVING != 0 {
                    // Hand over: LOCKED stays set, so nobody can barge in between.
                    let next = if res.have_more {
                        LOCKED | PARKED | STARVING
                    } else {
                        LOCKED
                    };
                    (next, TOKEN_HANDOFF)
                } else {
                    (if res.have_more { PARKED } else { 0 }, TOKEN_RETRY)
                };
                // ORDERING: Release, as in `unlock_raw`; a handed-over lock is
                // published to the woken thread by the table's Release store of the
                // token.
                match self.state.compare_exchange_weak(
                    state,
                    next,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return token,
                    Err(s) => state = s,
                }
            }
        });
    }
}

impl<T: Default> Default for Mutex<T> {
    /// A mutex holding `T::default()`.
    ///
    /// ```
    /// let m: gosync::Mutex<Vec<u8>> = Default::default();
    /// assert!(m.lock().is_empty());
    /// ```
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    /// A mutex holding `value`.
    ///
    /// ```
    /// let m = gosync::Mutex::from(5);
    /// assert_eq!(*m.lock(), 5);
    /// ```
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    /// Shows the data if the mutex is free right now, else `<locked>`.
    ///
    /// ```
    /// let m = gosync::Mutex::new(1);
    /// assert_eq!(format!("{m:?}"), "Mutex { data: 1 }");
    /// let _g = m.lock();
    /// assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Wraps a lock the caller has just acquired.
    fn new(mutex: &'a Mutex<T>) -> Self {
        MutexGuard {
            mutex,
            _not_send: PhantomData,
        }
    }

    /// Gives up the guard without unlocking; the caller now owns the lock and must
    /// release it with `unlock_raw` (or rewrap it with [`MutexGuard::relock_of`]).
    pub(crate) fn leak(guard: Self) -> &'a Mutex<T> {
        let mutex = guard.mutex;
        std::mem::forget(guard);
        mutex
    }

    /// Locks `mutex` again and wraps it in a guard (the other half of `leak`).
    pub(crate) fn relock_of(mutex: &'a Mutex<T>) -> Self {
        mutex.lock_raw();
        MutexGuard::new(mutex)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut` to the data exists elsewhere,
        // and the reference cannot outlive the guard.
        self.mutex.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock and is borrowed mutably, so this is the
        // only reference to the data while it lives.
        self.mutex.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    /// Unlocks (also while unwinding: there is no poisoning).
    #[inline]
    fn drop(&mut self) {
        self.mutex.unlock_raw();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    /// Shows the data.
    ///
    /// ```
    /// let m = gosync::Mutex::new(7);
    /// assert_eq!(format!("{:?}", m.lock()), "7");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    /// Shows the data.
    ///
    /// ```
    /// let m = gosync::Mutex::new("go");
    /// assert_eq!(m.lock().to_string(), "go");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn state_returns_to_zero() {
        let m = Mutex::new(0);
        {
            let _g = m.lock();
            assert_eq!(m.state.load(Ordering::Relaxed), LOCKED);
        }
        assert_eq!(m.state.load(Ordering::Relaxed), 0);
    }
}
