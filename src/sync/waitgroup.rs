//! `WaitGroup`: Go's `sync.WaitGroup` — wait for a collection of tasks to finish.
//!
//! # State word
//!
//! One `AtomicU64`, as in Go: the counter (an `i32`) in the high half, the number of
//! registered waiters (a `u32`) in the low half.
//!
//! | counter | waiters | meaning                                                     |
//! |---------|---------|-------------------------------------------------------------|
//! | `0`     | `0`     | idle: `wait` returns at once                                |
//! | `n > 0` | `0`     | `n` tasks outstanding, nobody waiting: `done` is one add     |
//! | `n > 0` | `w > 0` | `w` threads parked (or about to park) until the counter is 0 |
//! | `0`     | `w > 0` | the last `done` is about to wake the `w` waiters            |
//!
//! A waiter registers (adds one to `waiters`) *inside* the wait table's `validate`,
//! under the bucket lock, and only while the counter is not zero; the last `done`
//! wakes every parked waiter and clears `waiters` in one critical section under the
//! same lock. So every registered waiter is queued when it is woken, none can
//! register for a counter that already reached zero, and a timed-out waiter
//! unregisters itself under that lock too.
//!
//! An async waiter ([`WaitGroup::wait_async`], feature `async`) is the same waiter
//! with a `Waker` instead of a thread: a `table::TaskNode` in its pinned future,
//! registered in the same `validate`, released by the same `release_waiters`, and,
//! when the future is dropped first, unlinked and unregistered under the bucket lock
//! exactly as a timed-out thread is.
//!
//! An interruptible waiter (`wait_interruptible`, under `WaitGroup::wait_ctx`) is a
//! thread waiter whose park token is the address of its [`Interrupt`]; firing the
//! interrupt unlinks exactly that waiter and unregisters it, under the bucket lock,
//! as a timeout would, and wakes it with the token `INTERRUPTED`.

use crate::facade::{const_fn, AtomicBool, AtomicU64, Ordering};
use crate::park::table::{self, FilterOp, ParkResult};
use std::fmt;
use std::time::{Duration, Instant};

const WAITERS_MASK: u64 = 0xFFFF_FFFF;

/// The token of a waiter woken by its [`Interrupt`] (the last `done` gives 0).
const INTERRUPTED: usize = 1;

/// The counter half of a state word.
fn counter(state: u64) -> i32 {
    (state >> 32) as i32
}

/// The waiters half of a state word.
fn waiters(state: u64) -> u32 {
    state as u32
}

/// Waits for a collection of tasks to finish: Go's `sync.WaitGroup`.
///
/// [`add`](WaitGroup::add) counts tasks in, [`done`](WaitGroup::done) counts one out,
/// [`wait`](WaitGroup::wait) blocks until the count is zero. A group can be reused
/// once `wait` has returned.
///
/// # Go → gosync
///
/// ```go
/// var wg sync.WaitGroup
/// for i := 0; i < 3; i++ {
///     wg.Add(1)
///     go func() {
///         defer wg.Done()
///         work(i)
///     }()
/// }
/// wg.Wait()
/// ```
///
/// ```
/// use gosync::{Mutex, WaitGroup};
/// use std::thread;
///
/// let wg = WaitGroup::new();
/// let finished = Mutex::new(0);
/// thread::scope(|s| {
///     for _ in 0..3 {
///         wg.add(1);
///         s.spawn(|| {
///             *finished.lock() += 1;
///             wg.done();
///         });
///     }
///     wg.wait();
///     assert_eq!(*finished.lock(), 3);
/// });
/// ```
///
/// Go 1.25's `wg.Go(f)` is [`go`](WaitGroup::go):
///
/// ```
/// use gosync::WaitGroup;
/// use std::thread;
///
/// let wg = WaitGroup::new();
/// thread::scope(|s| {
///     for i in 0..3 {
///         wg.go(s, move || assert!(i < 3));
///     }
///     wg.wait();
/// });
/// ```
///
/// # Differences from Go
///
/// - Misuse panics with messages prefixed `gosync:`; a panicking `add` first undoes its
///   change, so the group stays consistent for other threads.
/// - [`wait_timeout`](WaitGroup::wait_timeout) exists, and (feature `async`)
///   [`wait_async`](WaitGroup::wait_async) for async tasks, which wait alongside
///   blocked threads.
/// - [`go`](WaitGroup::go) runs `f` on a scoped OS thread and returns its join handle.
///
/// # Differences from crossbeam-utils' `WaitGroup`
///
/// crossbeam's is a cloned handle whose drop counts done; this one is Go's counter, so
/// one group is shared by reference and `add` can count several tasks at once.
pub struct WaitGroup {
    /// `counter << 32 | waiters` (state table in the module docs).
    state: AtomicU64,
}

impl WaitGroup {
    const_fn! {
        /// A new group with a zero counter. `const`, so it can initialise a `static`.
        ///
        /// ```
        /// static PENDING: gosync::WaitGroup = gosync::WaitGroup::new();
        /// PENDING.wait(); // zero: returns at once
        /// ```
        pub fn new() -> Self {
            WaitGroup {
                state: AtomicU64::new(0),
            }
        }
    }

    /// Adds `delta` (which may be negative) to the counter (Go's `Add`). When the
    /// counter reaches zero, every thread blocked in [`wait`](WaitGroup::wait) is
    /// released.
    ///
    /// Add before starting the task, not inside it, so that `wait` cannot see zero
    /// too early.
    ///
    /// # Panics
    ///
    /// - `"gosync: negative WaitGroup counter"` if the counter would go below zero;
    /// - if `add` with a positive delta races with the end of a `wait` (the counter
    ///   was zero with waiters still being released: Go's "WaitGroup misuse");
    /// - if the counter would overflow an `i32`.
    ///
    /// In each case the call's change is undone before it panics.
    ///
    /// ```
    /// let wg = gosync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// wg.add(-1);
    /// wg.wait(); // zero
    /// ```
    ///
    /// ```should_panic
    /// let wg = gosync::WaitGroup::new();
    /// wg.done(); // panics: "gosync: negative WaitGroup counter"
    /// ```
    pub fn add(&self, delta: isize) {
        let Ok(delta) = i32::try_from(delta) else {
            panic!("gosync: WaitGroup delta {delta} does not fit the counter");
        };
        let (old, new, waiting) = self.add_raw(delta);
        if new < 0 {
            self.undo(delta);
            panic!("gosync: negative WaitGroup counter");
        }
        if new > i64::from(i32::MAX) {
            self.undo(delta);
            panic!("gosync: WaitGroup counter overflow");
        }
        if waiting != 0 && delta > 0 && old == 0 {
            self.undo(delta);
            panic!("gosync: WaitGroup misuse: add called concurrently with wait");
        }
        if new == 0 && waiting != 0 {
            self.release_waiters();
        }
    }

    /// Counts one task out: `add(-1)` (Go's `Done`).
    ///
    /// # Panics
    ///
    /// `"gosync: negative WaitGroup counter"` if the counter is already zero.
    ///
    /// ```
    /// let wg = gosync::WaitGroup::new();
    /// wg.add(1);
    /// wg.done();
    /// wg.wait();
    /// ```
    #[inline]
    pub fn done(&self) {
        self.add(-1);
    }

    /// Blocks until the counter is zero (Go's `Wait`). Returns at once if it is zero
    /// now. Everything the tasks did before their `done` is visible after `wait`.
    ///
    /// ```
    /// use gosync::WaitGroup;
    /// use std::thread;
    ///
    /// let wg = WaitGroup::new();
    /// let mut results = [0; 4];
    /// thread::scope(|s| {
    ///     for (i, slot) in results.iter_mut().enumerate() {
    ///         wg.add(1);
    ///         let wg = &wg;
    ///         s.spawn(move || {
    ///             *slot = i * i;
    ///             wg.done();
    ///         });
    ///     }
    ///     wg.wait();
    /// });
    /// assert_eq!(results, [0, 1, 4, 9]);
    /// ```
    #[inline]
    pub fn wait(&self) {
        // ORDERING: Acquire pairs with the Release half of every `done`'s fetch_add
        // (a chain of RMWs), so the tasks' work is visible to us.
        if counter(self.state.load(Ordering::Acquire)) != 0 {
            self.wait_slow(None);
        }
    }

    /// Like [`wait`](WaitGroup::wait), but gives up after `timeout`. Returns `true` if
    /// the counter reached zero, `false` if the time ran out first.
    ///
    /// `Duration::ZERO` only checks; a timeout too large to represent waits without a
    /// deadline.
    ///
    /// ```
    /// use gosync::WaitGroup;
    /// use std::time::Duration;
    ///
    /// let wg = WaitGroup::new();
    /// wg.add(1);
    /// assert!(!wg.wait_timeout(Duration::from_millis(1))); // nobody calls done
    /// wg.done();
    /// assert!(wg.wait_timeout(Duration::from_secs(1)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // ORDERING: as in `wait`.
        if counter(self.state.load(Ordering::Acquire)) == 0 {
            return true;
        }
        if timeout.is_zero() {
            return false;
        }
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.wait_slow(Some(deadline)),
            None => {
                self.wait_slow(None);
                true
            }
        }
    }

    /// Waits from an async task until the counter is zero: [`wait`](WaitGroup::wait)
    /// without blocking the thread. Resolves at once if the counter is zero when first
    /// polled. Everything the tasks did before their `done` is visible after it
    /// resolves. Threads and tasks may wait on one group together; the last `done`
    /// releases them all.
    ///
    /// Lazy: nothing happens until the first poll. Cancel safe: dropping the future
    /// unregisters and unlinks its waiter, and has no other effect on the group. The
    /// future is `Send` and `Sync`.
    ///
    /// ```
    /// use gosync::WaitGroup;
    /// use std::sync::Arc;
    ///
    /// let rt = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .build()
    ///     .unwrap();
    /// let wg = Arc::new(WaitGroup::new());
    /// let results = Arc::new(gosync::Mutex::new(Vec::new()));
    /// for i in 0..3 {
    ///     wg.add(1);
    ///     let (wg, results) = (wg.clone(), results.clone());
    ///     std::thread::spawn(move || {
    ///         results.lock().push(i); // threads do the work...
    ///         wg.done();
    ///     });
    /// }
    /// let waiter = {
    ///     let wg = wg.clone();
    ///     rt.spawn(async move { wg.wait_async().await }) // ...a task waits for them
    /// };
    /// rt.block_on(waiter).unwrap();
    /// assert_eq!(results.lock().len(), 3);
    /// ```
    #[cfg(feature = "async")]
    pub fn wait_async(&self) -> WaitGroupFuture<'_> {
        WaitGroupFuture {
            wg: self,
            node: table::TaskNode::new(self.key(), 0),
            phase: Phase::Idle,
        }
    }

    /// Runs `f` on a new scoped thread counted by this group: Go 1.25's `wg.Go(f)`.
    ///
    /// Calls `add(1)` now and `done()` when `f` returns *or panics*, so `wait` never
    /// hangs on a task that panicked (the panic itself reaches whoever joins the
    /// returned handle, or else `std::thread::scope` when the scope ends).
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread (after undoing the `add`).
    ///
    /// ```
    /// use gosync::{Mutex, WaitGroup};
    /// use std::thread;
    ///
    /// let wg = WaitGroup::new();
    /// let sum = Mutex::new(0);
    /// thread::scope(|s| {
    ///     for i in 1..=3 {
    ///         let sum = &sum;
    ///         wg.go(s, move || *sum.lock() += i);
    ///     }
    ///     wg.wait();
    ///     assert_eq!(*sum.lock(), 6);
    /// });
    /// ```
    #[cfg(not(gosync_loom))]
    pub fn go<'scope, 'env, F, R>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        f: F,
    ) -> std::thread::ScopedJoinHandle<'scope, R>
    where
        F: FnOnce() -> R + Send + 'scope,
        R: Send + 'scope,
    {
        /// Calls `done` when dropped, also while unwinding out of `f`.
        struct DoneOnDrop<'a>(&'a WaitGroup);
        impl Drop for DoneOnDrop<'_> {
            fn drop(&mut self) {
                self.0.done();
            }
        }

        self.add(1);
        let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
            let _done = DoneOnDrop(self);
            f()
        });
        match spawned {
            Ok(handle) => handle,
            Err(e) => {
                self.done();
                panic!("gosync: WaitGroup::go failed to spawn a thread: {e}");
            }
        }
    }

    /// The wait-table key: the address of the state word.
    fn key(&self) -> usize {
        &self.state as *const AtomicU64 as usize
    }

    /// Adds `delta` to the counter; returns the old and new counter (the new one
    /// unwrapped, to detect overflow) and the waiters.
    fn add_raw(&self, delta: i32) -> (i32, i64, u32) {
        // The counter is the high half: adding `delta << 32` (two's complement)
        // changes only it, modulo 2^32.
        let shifted = (i64::from(delta) as u64) << 32;
        // ORDERING: Release publishes the task's work to the waiter (through the
        // chain of RMWs on this word); Acquire lets the last `done`, which wakes the
        // waiters, carry every earlier `done`'s work along with its own.
        let prev = self.state.fetch_add(shifted, Ordering::AcqRel);
        let old = counter(prev);
        (old, i64::from(old) + i64::from(delta), waiters(prev))
    }

    /// Reverts a panicking `add`, releasing the waiters if that brings the counter
    /// back to a zero they are waiting for.
    fn undo(&self, delta: i32) {
        let (_, new, waiting) = self.add_raw(delta.wrapping_neg());
        if new == 0 && waiting != 0 {
            self.release_waiters();
        }
    }

    /// The counter reached zero with waiters registered: wake them all and clear the
    /// waiters half, in one critical section of the bucket lock.
    #[cold]
    fn release_waiters(&self) {
        table::unpark_filter(
            self.key(),
            |_| FilterOp::Unpark,
            |_| {
                // Every registered waiter is queued (it registers while queueing,
                // under this lock) and is woken now, so none remains registered.
                self.state.fetch_and(!WAITERS_MASK, Ordering::Relaxed);
                0
            },
        );
    }

    /// A wait table `validate`: registers one waiter unless the counter is zero;
    /// `true` if it registered (the caller then queues, under the same bucket lock).
    fn register_waiter(&self) -> bool {
        // ORDERING: Acquire as in `wait`, for when we see zero and return.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if counter(state) == 0 {
                return false;
            }
            assert!(
                waiters(state) != u32::MAX,
                "gosync: too many threads waiting on one WaitGroup"
            );
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(s) => state = s,
            }
        }
    }

    /// Registers and parks until the counter is zero or `deadline`; `true` if zero.
    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>) -> bool {
        let _rec = crate::park::record::blocking(crate::park::record::What::WaitGroup(
            crate::park::record::What::addr(self),
        ));
        let mut reached_zero_at_timeout = false;
        let result = table::park(
            self.key(),
            0,
            || self.register_waiter(),
            deadline,
            |_| {
                // Still queued, so still registered: unregister. The counter may be
                // zero already, with the last `done` about to take this lock.
                // ORDERING: Acquire as in `wait`, for when it is zero.
                let prev = self.state.fetch_sub(1, Ordering::Acquire);
                reached_zero_at_timeout = counter(prev) == 0;
            },
        );
        match result {
            // Woken by the last `done`: the table's token hand-off (Release/Acquire)
            // orders everything before it ahead of our return.
            ParkResult::Unparked(_) | ParkResult::Invalid => true,
            ParkResult::TimedOut => reached_zero_at_timeout,
        }
    }
}

impl WaitGroup {
    /// Like [`wait`](WaitGroup::wait), until the counter is zero (`true`) or
    /// `interrupt` is fired (`false`, unless the counter reached zero meanwhile).
    /// `interrupt` must have been made for this group.
    pub(crate) fn wait_interruptible(&self, interrupt: &Interrupt) -> bool {
        debug_assert_eq!(interrupt.key, self.key(), "bug: interrupt of another group");
        // ORDERING: as in `wait`.
        if counter(self.state.load(Ordering::Acquire)) == 0 {
            return true;
        }
        let result = table::park(
            self.key(),
            interrupt.token(),
            // A fire that comes before this (under the bucket lock) is seen here;
            // one that comes after finds the waiter linked.
            || !interrupt.fired() && self.register_waiter(),
            None,
            |_| unreachable!("bug: a wait without a deadline timed out"),
        );
        match result {
            ParkResult::Unparked(INTERRUPTED) | ParkResult::Invalid => {
                // Interrupted (unregistered by `fire`), or never registered: the
                // counter may still have reached zero.
                // ORDERING: Acquire as in `wait`.
                counter(self.state.load(Ordering::Acquire)) == 0
            }
            // Woken by the last `done`, as in `wait_slow`.
            ParkResult::Unparked(_) => true,
            ParkResult::TimedOut => unreachable!("bug: a wait without a deadline timed out"),
        }
    }
}

/// Wakes one [`WaitGroup::wait_interruptible`] early: whoever fires it (say, a
/// context's cancel, through its `Waker`) takes that waiter out of the wait table,
/// unregistered, under the bucket lock. Firing after the wait ended does nothing.
pub(crate) struct Interrupt {
    /// Set (once) before the waiter is looked for.
    fired: AtomicBool,
    /// The group's wait-table key.
    key: usize,
    /// The group's state word: reached only while the waiter is found linked, hence
    /// blocked in `wait_interruptible` with the group borrowed.
    state: *const AtomicU64,
}

// SAFETY: `state` is only followed under the conditions of its field doc, where the
// group (which is `Sync`) is alive; everything else is atomic or plain data.
unsafe impl Send for Interrupt {}
// SAFETY: as above.
unsafe impl Sync for Interrupt {}

impl Interrupt {
    /// An interrupt for waits on `wg`.
    pub(crate) fn new(wg: &WaitGroup) -> Interrupt {
        Interrupt {
            fired: AtomicBool::new(false),
            key: wg.key(),
            state: &wg.state,
        }
    }

    /// The waiter's park token: this interrupt's address, unique while it lives
    /// (and it lives while it can fire), never 0 (the ordinary waiters' token).
    fn token(&self) -> usize {
        self as *const Interrupt as usize
    }

    fn fired(&self) -> bool {
        // ORDERING: Acquire pairs with `fire`'s Release; the bucket lock does the
        // real work (see `wait_interruptible`), this only makes a fire that is
        // already visible count.
        self.fired.load(Ordering::Acquire)
    }

    /// Interrupts the wait, if it is still going on.
    pub(crate) fn fire(&self) {
        // ORDERING: Release pairs with `fired()`.
        self.fired.store(true, Ordering::Release);
        let token = self.token();
        let state = self.state;
        table::unpark_filter(
            self.key,
            |t| {
                if t == token {
                    FilterOp::Unpark
                } else {
                    FilterOp::Skip
                }
            },
            |r| {
                if r.unparked != 0 {
                    // The waiter was found linked: it was registered and is blocked in
                    // `wait_interruptible`; unregister it under the bucket lock, as a
                    // timed-out waiter does. ORDERING: Relaxed: the bucket lock orders
                    // it with the release.
                    // SAFETY: the group that waiter blocks on is alive (`state`'s doc).
                    unsafe { (*state).fetch_sub(1, Ordering::Relaxed) };
                }
                INTERRUPTED
            },
        );
    }
}

impl std::task::Wake for Interrupt {
    fn wake(self: std::sync::Arc<Self>) {
        self.fire();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.fire();
    }
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupt")
            .field("fired", &self.fired())
            .finish_non_exhaustive()
    }
}

/// Where a [`WaitGroupFuture`] stands.
#[cfg(feature = "async")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not polled yet: not registered.
    Idle,
    /// Registered and queued; not released yet as far as the future knows.
    Waiting,
    /// Resolved.
    Done,
}

/// The future of [`WaitGroup::wait_async`]: resolves once the group's counter is
/// zero.
///
/// # Cancel safety
///
/// Dropping it while it waits unlinks its waiter from the wait table and takes it off
/// the group's count of waiters (under the table's bucket lock, as a timed-out
/// [`wait_timeout`](WaitGroup::wait_timeout) does); it has no other effect.
///
/// ```
/// use futures::executor::block_on;
/// use futures::FutureExt;
///
/// let wg = gosync::WaitGroup::new();
/// wg.add(1);
/// // Polled once (counter not zero: registers and waits), then dropped.
/// assert!(wg.wait_async().now_or_never().is_none());
/// assert_eq!(format!("{wg:?}"), "WaitGroup { count: 1, waiters: 0 }");
/// wg.done();
/// block_on(wg.wait_async()); // zero: ready at once
/// ```
#[cfg(feature = "async")]
#[must_use = "futures do nothing unless polled"]
pub struct WaitGroupFuture<'a> {
    wg: &'a WaitGroup,
    /// Linked into the wait table while `Waiting`: the future is pinned then.
    node: table::TaskNode,
    phase: Phase,
}

#[cfg(feature = "async")]
impl std::future::Future for WaitGroupFuture<'_> {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        use std::task::Poll;
        // SAFETY: `node` is structurally pinned: never moved out, and unlinked by
        // `Drop` (or by the last `done`) before the future's memory goes.
        let this = unsafe { self.get_unchecked_mut() };
        match this.phase {
            Phase::Done => panic!("gosync: a WaitGroup future was polled after it completed"),
            Phase::Idle => {
                let wg = this.wg;
                // ORDERING: as in `wait`.
                if counter(wg.state.load(Ordering::Acquire)) == 0 {
                    this.phase = Phase::Done;
                    return Poll::Ready(());
                }
                // SAFETY: pinned (above) and not linked yet; `Drop` cancels it while
                // `Waiting`.
                if !unsafe { this.node.enqueue(|| wg.register_waiter(), cx.waker()) } {
                    this.phase = Phase::Done; // reached zero meanwhile
                    return Poll::Ready(());
                }
                this.phase = Phase::Waiting;
                // The last `done` may come between the enqueue and here: `poll`
                // below sees its token then.
            }
            Phase::Waiting => {}
        }
        match this.node.poll(cx.waker()) {
            // Released by the last `done`: the token hand-off (Release/Acquire)
            // orders the tasks' work before our return, as in `wait_slow`.
            Some(_) => {
                this.phase = Phase::Done;
                Poll::Ready(())
            }
            None => Poll::Pending,
        }
    }
}

#[cfg(feature = "async")]
impl futures_core::future::FusedFuture for WaitGroupFuture<'_> {
    fn is_terminated(&self) -> bool {
        self.phase == Phase::Done
    }
}

#[cfg(feature = "async")]
impl Drop for WaitGroupFuture<'_> {
    fn drop(&mut self) {
        if self.phase != Phase::Waiting {
            return;
        }
        let wg = self.wg;
        // Still queued, so still registered: unregister, under the bucket lock (the
        // last `done` clears the waiters under the same lock, after waking every
        // queued waiter; a released node is left alone).
        let _ = self.node.cancel(|_| {
            // ORDERING: Relaxed: the bucket lock orders this against the release.
            wg.state.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

#[cfg(feature = "async")]
impl fmt::Debug for WaitGroupFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroupFuture")
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl Default for WaitGroup {
    /// Same as [`WaitGroup::new`].
    ///
    /// ```
    /// let wg: gosync::WaitGroup = Default::default();
    /// wg.wait();
    /// ```
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    /// Shows the counter and how many threads wait (a snapshot).
    ///
    /// ```
    /// let wg = gosync::WaitGroup::new();
    /// wg.add(2);
    /// assert_eq!(format!("{wg:?}"), "WaitGroup { count: 2, waiters: 0 }");
    /// # wg.add(-2);
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("WaitGroup")
            .field("count", &counter(state))
            .field("waiters", &waiters(state))
            .finish()
    }
}
