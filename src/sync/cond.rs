//! `Cond`: Go's `sync.Cond` — wait for a condition under a [`Mutex`], woken by
//! `signal` (the longest waiter) or `broadcast` (every current waiter).
//!
//! # How a wake-up is never lost
//!
//! Go's `notifyList` gives each waiter a ticket (`notifyListAdd`) *before* it unlocks
//! the mutex, and `Signal` wakes the lowest ticket not yet notified, even if its
//! waiter has not gone to sleep yet. The ticket order is the order in which waiters
//! held the mutex, and a signal sent between a waiter's unlock and its sleep is not
//! lost.
//!
//! Here the wait table plays the ticket dispenser: a waiter links itself into the
//! FIFO queue of the cond's key (under the bucket lock) while it *still holds the
//! mutex*, and unlocks the mutex only after that (the table's `before_sleep` hook). So
//! the queue order is the ticket order, a signal after the unlock always finds the
//! waiter queued, and a signal with an empty queue is a no-op as in Go. Unlike a
//! ticket counter, the queue also lets a timed-out waiter leave without swallowing a
//! later signal (Go's `Cond` has no timed wait; a departed ticket would be skipped).
//!
//! `waiters` counts the queued threads, changed only under the bucket lock, so that
//! `signal` and `broadcast` with nobody waiting are one load (Go's fast path).

use super::mutex::{Mutex, MutexGuard};
use crate::facade::{const_fn, AtomicUsize, Ordering};
use crate::park::table::{self, FilterOp, ParkResult, Queueing};
use std::fmt;
use std::time::{Duration, Instant};

/// A condition variable: Go's `sync.Cond`, used with a [`gosync::Mutex`](crate::Mutex).
///
/// A thread that needs a condition to hold locks the mutex, checks, and if it does not
/// hold yet calls [`wait`](Cond::wait), which atomically unlocks, sleeps until
/// signalled, and locks again. A thread that makes the condition true changes the data
/// under the mutex and calls [`signal`](Cond::signal) or
/// [`broadcast`](Cond::broadcast).
///
/// # Go → gosync
///
/// ```go
/// var mu sync.Mutex
/// cond := sync.NewCond(&mu)
/// var ready bool
///
/// go func() {
///     mu.Lock()
///     ready = true
///     mu.Unlock()
///     cond.Broadcast()
/// }()
///
/// mu.Lock()
/// for !ready {
///     cond.Wait()
/// }
/// mu.Unlock()
/// ```
///
/// ```
/// use gosync::{Cond, Mutex};
/// use std::thread;
///
/// let ready = Mutex::new(false);
/// let cond = Cond::new();
/// thread::scope(|s| {
///     s.spawn(|| {
///         *ready.lock() = true;
///         cond.broadcast();
///     });
///     let mut g = ready.lock();
///     while !*g {
///         g = cond.wait(g);
///     }
/// });
/// ```
///
/// # Differences from Go
///
/// - The mutex is not stored in the `Cond`: `wait` takes the guard and gives it back,
///   so waiting without holding the lock cannot be written. One `Cond` may serve
///   several mutexes.
/// - `wait_while` and `wait_timeout` exist (Go has neither).
///
/// # Differences from std's `Condvar`
///
/// - No spurious wake-ups: `wait` returns only after a `signal` or `broadcast` that
///   chose this waiter (you still re-check the condition, since another thread may
///   have changed it before you relocked).
/// - `signal` wakes the longest waiter (FIFO), not an arbitrary one.
/// - No poisoning, and it works with gosync's [`Mutex`], not std's.
pub struct Cond {
    /// How many threads are queued on this cond's key; changed only under the
    /// wait-table bucket lock, read without it by the fast paths.
    waiters: AtomicUsize,
}

impl Cond {
    const_fn! {
        /// A new condition variable with no waiters. `const`, so it can initialise a
        /// `static`.
        ///
        /// ```
        /// static WORK: gosync::Cond = gosync::Cond::new();
        /// WORK.signal(); // nobody waits: nothing happens
        /// ```
        pub fn new() -> Self {
            Cond {
                waiters: AtomicUsize::new(0),
            }
        }
    }

    /// Unlocks the guard's mutex, sleeps until [`signal`](Cond::signal) or
    /// [`broadcast`](Cond::broadcast) wakes this thread, then locks the mutex again
    /// and returns the guard (Go's `Wait`).
    ///
    /// A signal or broadcast sent after this call unlocked the mutex is never lost.
    /// The condition may have changed again before the mutex was relocked: check it in
    /// a loop (or use [`wait_while`](Cond::wait_while)).
    ///
    /// ```
    /// use gosync::{Cond, Mutex};
    /// use std::thread;
    ///
    /// let queue = Mutex::new(Vec::new());
    /// let nonempty = Cond::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         queue.lock().push("job");
    ///         nonempty.signal();
    ///     });
    ///     let mut q = queue.lock();
    ///     while q.is_empty() {
    ///         q = nonempty.wait(q);
    ///     }
    ///     assert_eq!(q.pop(), Some("job"));
    /// });
    /// ```
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.wait_until(guard, None).0
    }

    /// Waits while `condition` returns true: checks it under the lock, and waits
    /// again after every wake-up until it returns false.
    ///
    /// ```
    /// use gosync::{Cond, Mutex};
    /// use std::thread;
    ///
    /// let count = Mutex::new(0);
    /// let changed = Cond::new();
    /// thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| {
    ///             *count.lock() += 1;
    ///             changed.broadcast();
    ///         });
    ///     }
    ///     let g = changed.wait_while(count.lock(), |n| *n < 3);
    ///     assert_eq!(*g, 3);
    /// });
    /// ```
    pub fn wait_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Like [`wait`](Cond::wait), but gives up after `timeout`. Returns the relocked
    /// guard and `true` if it timed out (no signal or broadcast chose this waiter).
    ///
    /// A timeout too large to represent waits without a deadline.
    ///
    /// ```
    /// use gosync::{Cond, Mutex};
    /// use std::time::Duration;
    ///
    /// let m = Mutex::new(());
    /// let cond = Cond::new();
    /// let (_g, timed_out) = cond.wait_timeout(m.lock(), Duration::from_millis(1));
    /// assert!(timed_out); // nobody signalled
    /// ```
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        let deadline = Instant::now().checked_add(timeout);
        if deadline.is_none() {
            return (self.wait(guard), false);
        }
        self.wait_until(guard, deadline)
    }

    /// Wakes the thread that has waited longest, if any (Go's `Signal`). May be called
    /// with or without the mutex held.
    ///
    /// ```
    /// use gosync::{Cond, Mutex};
    /// use std::thread;
    ///
    /// let turn = Mutex::new(0);
    /// let cond = Cond::new();
    /// thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let g = cond.wait_while(turn.lock(), |t| *t != 1);
    ///         assert_eq!(*g, 1);
    ///     });
    ///     *turn.lock() = 1;
    ///     cond.signal();
    /// });
    /// ```
    #[inline]
    pub fn signal(&self) {
        // ORDERING: Relaxed is enough: a waiter counts itself in while it holds the
        // mutex, and a signaller that changed the condition under that mutex after
        // the waiter unlocked it sees the count through the mutex's Release/Acquire.
        // A signal racing with a wait that no lock orders may miss it, as in Go.
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.signal_slow();
        }
    }

    /// Wakes every thread waiting right now (Go's `Broadcast`). May be called with or
    /// without the mutex held.
    ///
    /// ```
    /// use gosync::{Cond, Mutex};
    /// use std::thread;
    ///
    /// let open = Mutex::new(false);
    /// let gate = Cond::new();
    /// thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| drop(gate.wait_while(open.lock(), |o| !*o)));
    ///     }
    ///     *open.lock() = true;
    ///     gate.broadcast();
    /// });
    /// ```
    #[inline]
    pub fn broadcast(&self) {
        // ORDERING: as in `signal`.
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.broadcast_slow();
        }
    }

    fn key(&self) -> usize {
        &self.waiters as *const AtomicUsize as usize
    }

    #[cold]
    fn signal_slow(&self) {
        table::unpark_one(self.key(), |res| {
            self.waiters.fetch_sub(res.unparked, Ordering::Relaxed);
            0
        });
    }

    #[cold]
    fn broadcast_slow(&self) {
        table::unpark_filter(
            self.key(),
            |_| FilterOp::Unpark,
            |res| {
                self.waiters.fetch_sub(res.unparked, Ordering::Relaxed);
                0
            },
        );
    }

    /// Queues, unlocks, sleeps until woken or `deadline`, relocks. `true` = timed out.
    fn wait_until<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, T>, bool) {
        let _rec = crate::park::record::blocking(crate::park::record::What::Cond(
            crate::park::record::What::addr(self),
        ));
        let mutex: &'a Mutex<T> = MutexGuard::leak(guard);
        let result = table::park_with(
            self.key(),
            0,
            Queueing::Back,
            || {
                // Under the bucket lock, with the mutex still held: this is our ticket.
                self.waiters.fetch_add(1, Ordering::Relaxed);
                true
            },
            // Queued: now a signal finds us, so the mutex may go.
            || mutex.unlock_raw(),
            deadline,
            // Unlinked under the bucket lock: no signal can have chosen us.
            |_| {
                self.waiters.fetch_sub(1, Ordering::Relaxed);
            },
        );
        let guard = MutexGuard::relock_of(mutex);
        match result {
            ParkResult::Unparked(_) => (guard, false),
            ParkResult::TimedOut => (guard, true),
            ParkResult::Invalid => unreachable!("bug: cond validation always queues"),
        }
    }
}

impl Default for Cond {
    /// Same as [`Cond::new`].
    ///
    /// ```
    /// let c: gosync::Cond = Default::default();
    /// c.broadcast();
    /// ```
    fn default() -> Self {
        Cond::new()
    }
}

impl fmt::Debug for Cond {
    /// Shows how many threads wait right now.
    ///
    /// ```
    /// assert_eq!(format!("{:?}", gosync::Cond::new()), "Cond { waiters: 0 }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cond")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish()
    }
}
