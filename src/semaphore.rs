//! A weighted semaphore (golang.org/x/sync/semaphore's `Weighted`).
//!
//! [`Weighted`] hands out up to `size` permits; a caller takes `n` of them at once and
//! gives them back with [`release`](Weighted::release). Waiters are served in arrival
//! order, and a waiting large request holds back the small ones that came after it, so
//! a large request is never starved by a stream of small ones (Go's rule).
//!
//! | Go (`golang.org/x/sync/semaphore`) | gosync |
//! |----|--------|
//! | `s := semaphore.NewWeighted(n)` | `let s = Weighted::new(n);` |
//! | `s.Acquire(ctx, n)` with `context.Background()` | `s.acquire(n)` |
//! | `s.Acquire(ctx, n)` with a deadline | `s.acquire_timeout(n, d)` → `bool` |
//! | `s.TryAcquire(n)` | `s.try_acquire(n)` |
//! | `s.Release(n)` | `s.release(n)` |
//! | `s.Acquire(ctx, n)` from a goroutine that must not block a thread | `s.acquire_async(n).await` |
//!
//! ```
//! use gosync::semaphore::Weighted;
//! use std::thread;
//!
//! let sem = Weighted::new(3); // at most 3 workers at once
//! thread::scope(|s| {
//!     for _ in 0..8 {
//!         s.spawn(|| {
//!             sem.acquire(1);
//!             // ... at most 3 threads are here at any moment ...
//!             sem.release(1);
//!         });
//!     }
//! });
//! assert!(sem.try_acquire(3)); // all permits are back
//! ```
//!
//! # How it works
//!
//! One atomic word holds the free permits and a `WAITERS` flag. While nobody waits, an
//! acquire and a release are one compare-and-swap each. A caller that cannot be served
//! at once takes the queue lock, sets `WAITERS` and joins the FIFO queue with a
//! rendezvous channel of its own (Go's `ready`), on which it waits, alone or in a
//! select with a deadline or a cancellation channel. While `WAITERS` is set every
//! change of the word happens under the queue lock: releases add their permits there
//! and hand them to the waiters at the head of the queue for as long as they fit,
//! removing each from the queue and closing its channel (after unlocking). A waiter
//! that gives up takes itself out of the queue under the same lock, so a grant and a
//! cancel never both happen: a waiter found already granted keeps its permits.

use crate::chan::{self, Receiver, Sender};
use crate::facade::{AtomicU64, Mutex, Ordering};
use crate::select::Select;
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Flag in [`Weighted::state`]: the queue is not empty. Below it, the free permits.
const WAITERS: u64 = 1 << 63;

/// A weighted semaphore: up to `size` permits, taken `n` at a time, served in FIFO
/// order (Go's `semaphore.Weighted`).
///
/// Differences from Go: `acquire` takes no context (the lead's `acquire_ctx` does);
/// [`acquire`](Self::acquire) of more than `size` permits panics instead of blocking
/// until the context is done, since nothing could ever end that wait.
///
/// ```
/// use gosync::semaphore::Weighted;
/// let sem = Weighted::new(10);
/// sem.acquire(7);
/// assert!(!sem.try_acquire(4)); // only 3 left
/// sem.release(7);
/// assert!(sem.try_acquire(10));
/// ```
pub struct Weighted {
    /// The number of permits.
    size: u64,
    /// Free permits, plus [`WAITERS`] while the queue is not empty. Without the flag,
    /// changed by CAS by anyone; with it, only under the `queue` lock.
    state: AtomicU64,
    /// The waiters, by arrival number.
    queue: Mutex<Queue>,
}

/// The waiters (guarded by [`Weighted::queue`]).
struct Queue {
    /// The next arrival number.
    next: u64,
    /// The waiters in arrival order. A waiter is removed by whoever settles it: a
    /// release that grants it its permits, or the waiter itself when it gives up.
    waiters: BTreeMap<u64, Waiting>,
}

/// One queued request.
struct Waiting {
    /// How many permits it asks for.
    n: u64,
    /// Dropped (closing the waiter's channel) once the permits are granted.
    ready: Sender<()>,
}

/// Why [`Weighted::acquire_until`] returned without the permits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]

pub(crate) enum Interrupted {
    /// The `done` channel closed (or received a value).
    Done,
    /// The deadline passed.
    TimedOut,
}

impl fmt::Debug for Weighted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Ordering::Relaxed);
        f.debug_struct("Weighted")
            .field("size", &self.size)
            .field("free", &(s & !WAITERS))
            .field("waiters", &(s & WAITERS != 0))
            .finish()
    }
}

impl Weighted {
    /// A semaphore with `size` permits, all free.
    ///
    /// # Panics
    /// If `size` is `2^63` or more (Go's sizes are `int64`).
    ///
    /// ```
    /// let sem = gosync::semaphore::Weighted::new(2);
    /// assert!(sem.try_acquire(2));
    /// ```
    pub fn new(size: u64) -> Self {
        assert!(
            size < WAITERS,
            "gosync: Weighted::new({size}): the size must be below 2^63"
        );
        Weighted {
            size,
            state: AtomicU64::new(size),
            queue: Mutex::new(Queue {
                next: 0,
                waiters: BTreeMap::new(),
            }),
        }
    }

    /// Takes `n` permits if they are free and nobody is waiting; never blocks. With
    /// waiters queued it fails even if `n` are free (they come first).
    ///
    /// ```
    /// let sem = gosync::semaphore::Weighted::new(1);
    /// assert!(sem.try_acquire(1));
    /// assert!(!sem.try_acquire(1));
    /// assert!(!sem.try_acquire(2)); // more than the size: never
    /// ```
    #[inline]
    pub fn try_acquire(&self, n: u64) -> bool {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & WAITERS != 0 || s < n {
                return false;
            }
            // ORDERING: Acquire pairs with the Release of the `release` that freed
            // these permits: what its caller did while holding them is visible.
            match self
                .state
                .compare_exchange_weak(s, s - n, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(cur) => s = cur,
            }
        }
    }

    /// Takes `n` permits, blocking until they are free and every earlier waiter has
    /// been served.
    ///
    /// # Panics
    /// If `n` is more than the size: the call could never succeed.
    ///
    /// ```
    /// use gosync::semaphore::Weighted;
    /// let sem = Weighted::new(4);
    /// std::thread::scope(|s| {
    ///     sem.acquire(4);
    ///     s.spawn(|| sem.acquire(2)); // waits for the release below
    ///     sem.release(4);
    /// });
    /// assert!(sem.try_acquire(2));
    /// assert!(!sem.try_acquire(1));
    /// ```
    #[inline]
    pub fn acquire(&self, n: u64) {
        if !self.try_acquire(n) {
            self.acquire_slow(n);
        }
    }

    #[cold]
    fn acquire_slow(&self, n: u64) {
        self.acquire_until(n, None, None)
            .expect("bug: an acquire without deadline or done channel gave up");
    }

    /// Takes `n` permits, waiting at most `timeout`; `true` if it got them. Nothing is
    /// taken when it returns `false`. `Duration::ZERO` is [`try_acquire`](Self::try_acquire);
    /// a timeout too long to represent waits without limit.
    ///
    /// A request for more than the size waits out the timeout and fails, without
    /// holding back the others (as Go's `Acquire` with a context does).
    ///
    /// # Panics
    /// If `n` is more than the size and the timeout is too long to represent.
    ///
    /// ```
    /// use gosync::semaphore::Weighted;
    /// use std::time::Duration;
    /// let sem = Weighted::new(1);
    /// sem.acquire(1);
    /// assert!(!sem.acquire_timeout(1, Duration::from_millis(1)));
    /// sem.release(1);
    /// assert!(sem.acquire_timeout(1, Duration::from_secs(60)));
    /// ```
    pub fn acquire_timeout(&self, n: u64, timeout: Duration) -> bool {
        if timeout.is_zero() {
            return self.try_acquire(n);
        }
        self.acquire_until(n, None, Instant::now().checked_add(timeout))
            .is_ok()
    }

    /// Gives back `n` permits, serving the waiters at the head of the queue whose
    /// requests now fit.
    ///
    /// # Panics
    /// If that would make more permits free than the size: more were released than
    /// were held.
    ///
    /// ```
    /// let sem = gosync::semaphore::Weighted::new(2);
    /// sem.acquire(2);
    /// sem.release(1);
    /// sem.release(1);
    /// assert!(sem.try_acquire(2));
    /// ```
    #[inline]
    pub fn release(&self, n: u64) {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            if s & WAITERS != 0 {
                return self.release_slow(n);
            }
            let free = self.check_release(s, n);
            // ORDERING: Release pairs with the Acquire of the next acquire of these
            // permits.
            match self
                .state
                .compare_exchange_weak(s, free, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(cur) => s = cur,
            }
        }
    }

    /// The free permits after releasing `n` with `state` as it is; panics on a release
    /// of more than is held.
    #[inline]
    fn check_release(&self, state: u64, n: u64) -> u64 {
        let free = state & !WAITERS;
        match free.checked_add(n) {
            Some(f) if f <= self.size => f,
            _ => release_too_many(n, self.size - free),
        }
    }

    #[cold]
    fn release_slow(&self, n: u64) {
        let mut q = self.queue.lock();
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let free = match (s & !WAITERS).checked_add(n) {
                Some(f) if f <= self.size => f,
                _ => {
                    drop(q);
                    release_too_many(n, self.size - (s & !WAITERS));
                }
            };
            match self.state.compare_exchange_weak(
                s,
                free | (s & WAITERS),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(cur) => s = cur,
            }
        }
        let granted = self.grant_locked(&mut q);
        drop(q);
        drop(granted); // closes the granted waiters' channels: wakes them
    }

    /// Hands free permits to the waiters at the head of the queue for as long as
    /// their requests fit, removing them from the queue; clears `WAITERS` if the queue
    /// empties. Returns the granted waiters' channels, to be dropped (which wakes them)
    /// after the lock is released.
    fn grant_locked(&self, q: &mut Queue) -> Vec<Sender<()>> {
        let mut granted = Vec::new();
        loop {
            let Some(head) = q.waiters.first_entry() else {
                // ORDERING: Release: the queue is empty; fast paths that see the flag
                // clear may go on without the lock.
                self.state.fetch_and(!WAITERS, Ordering::Release);
                return granted;
            };
            // With WAITERS set nobody changes the word without the lock, which we hold.
            let free = self.state.load(Ordering::Acquire) & !WAITERS;
            let n = head.get().n;
            if n > free {
                return granted; // the head holds back everyone behind it (no starvation)
            }
            self.state.fetch_sub(n, Ordering::Relaxed);
            granted.push(head.remove().ready);
        }
    }

    /// Joins the queue for `n` permits, or takes them if they are free and nobody
    /// waits. `None`: taken. Else the arrival number and the channel that closes once
    /// the permits are granted.
    fn enqueue(&self, n: u64) -> Option<(u64, Receiver<()>)> {
        let mut q = self.queue.lock();
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let (new, taken) = if s & WAITERS == 0 && s >= n {
                (s - n, true)
            } else if s & WAITERS == 0 {
                (s | WAITERS, false)
            } else {
                break; // others wait: queue behind them
            };
            // ORDERING: Acquire as in `try_acquire`, when taking.
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) if taken => return None,
                Ok(_) => break,
                Err(cur) => s = cur,
            }
        }
        let (ready, granted) = chan::bounded(0);
        let id = q.next;
        q.next += 1;
        q.waiters.insert(id, Waiting { n, ready });
        Some((id, granted))
    }

    /// A waiter gives up: takes it out of the queue if it is still there (`true`:
    /// nothing was granted), letting the waiters behind it go first if they now fit.
    /// `false`: its permits were granted meanwhile; it holds them.
    fn cancel(&self, id: u64) -> bool {
        let mut q = self.queue.lock();
        match q.waiters.remove(&id) {
            Some(w) => {
                let granted = self.grant_locked(&mut q);
                drop(q);
                drop(granted);
                drop(w);
                true
            }
            None => false,
        }
    }

    /// Takes `n` permits, waiting until they are granted, `done` closes (or yields a
    /// value), or `deadline` passes, whichever is first. On `Err` nothing is held. A
    /// grant that races the cancellation is kept and reported as `Ok`.
    ///
    /// A request for more than the size waits for `done` or the deadline without
    /// queueing (so it holds nobody back) and fails; with neither, it panics.
    ///
    /// This is the hook for `acquire_ctx` (Go's `Acquire(ctx, n)`): pass the context's
    /// `done()` channel (its deadline closes that channel too, so `None` will do) and
    /// map `Err(_)` to the context's error. A context that is already done still
    /// gets permits that are free at once, as in Go.
    pub(crate) fn acquire_until(
        &self,
        n: u64,
        done: Option<&Receiver<()>>,
        deadline: Option<Instant>,
    ) -> Result<(), Interrupted> {
        if n > self.size {
            if done.is_none() && deadline.is_none() {
                never_fits(n, self.size);
            }
            let mut sel = Select::biased();
            if let Some(d) = done {
                sel = sel.recv(d, |_| Interrupted::Done);
            }
            return Err(match deadline {
                Some(t) => sel.wait_deadline(t).unwrap_or(Interrupted::TimedOut),
                None => sel.wait(),
            });
        }
        if self.try_acquire(n) {
            return Ok(());
        }
        let _rec = crate::park::record::blocking(crate::park::record::What::Semaphore(
            crate::park::record::What::addr(self),
        ));
        let Some((id, granted)) = self.enqueue(n) else {
            return Ok(());
        };
        let mut sel = Select::biased().recv(&granted, |_| Ok(()));
        if let Some(d) = done {
            sel = sel.recv(d, |_| Err(Interrupted::Done));
        }
        let outcome = match deadline {
            Some(t) => sel.wait_deadline(t).unwrap_or(Err(Interrupted::TimedOut)),
            None => sel.wait(),
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(why) => {
                if self.cancel(id) {
                    Err(why)
                } else {
                    Ok(()) // granted while we were giving up: keep it
                }
            }
        }
    }

    /// Takes `n` permits, waiting as a task (no thread blocks). Cancel safe: a future
    /// dropped before it completes holds nothing — if it had been granted its permits,
    /// they go back to the semaphore (to the next waiters). Lazy: nothing happens until
    /// the first poll.
    ///
    /// # Panics
    /// If `n` is more than the size (when first polled).
    ///
    /// ```
    /// use gosync::semaphore::Weighted;
    /// let sem = Weighted::new(2);
    /// futures::executor::block_on(async {
    ///     sem.acquire_async(2).await;
    ///     sem.release(2);
    /// });
    /// assert!(sem.try_acquire(2));
    /// ```
    #[cfg(feature = "async")]
    pub async fn acquire_async(&self, n: u64) {
        if n > self.size {
            never_fits(n, self.size);
        }
        if self.try_acquire(n) {
            return;
        }
        let Some((id, granted)) = self.enqueue(n) else {
            return;
        };
        let mut guard = AsyncWait {
            sem: self,
            id,
            n,
            waiting: true,
        };
        let _ = granted.recv_async().await; // closed when the permits are granted
        guard.waiting = false;
    }
}

/// The part of an [`acquire_async`](Weighted::acquire_async) future that settles it
/// if it is dropped while waiting.
#[cfg(feature = "async")]
struct AsyncWait<'a> {
    sem: &'a Weighted,
    id: u64,
    n: u64,
    /// Still in the queue, or granted without having seen it.
    waiting: bool,
}

#[cfg(feature = "async")]
impl Drop for AsyncWait<'_> {
    fn drop(&mut self) {
        if self.waiting && !self.sem.cancel(self.id) {
            // Granted just before being dropped: pass the permits on.
            self.sem.release(self.n);
        }
    }
}

#[cold]
#[track_caller]
fn never_fits(n: u64, size: u64) -> ! {
    panic!(
        "gosync: acquire of {n} permits from a Weighted semaphore of size {size} can never succeed"
    )
}

#[cold]
#[track_caller]
fn release_too_many(n: u64, held: u64) -> ! {
    panic!("gosync: Weighted::release({n}) releases more permits than are held ({held})")
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_flag_tracks_the_queue() {
        let sem = Weighted::new(2);
        assert!(sem.try_acquire(2));
        let (id, _granted) = sem.enqueue(1).expect("queued");
        assert_ne!(sem.state.load(Ordering::Relaxed) & WAITERS, 0);
        assert!(sem.cancel(id));
        assert_eq!(sem.state.load(Ordering::Relaxed), 0);
        sem.release(2);
        assert_eq!(sem.state.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_release_grants_in_order_and_stops_at_a_request_that_does_not_fit() {
        let sem = Weighted::new(4);
        assert!(sem.try_acquire(4));
        let (_, a) = sem.enqueue(1).unwrap();
        let (_, b) = sem.enqueue(3).unwrap();
        let (_, c) = sem.enqueue(1).unwrap();
        sem.release(2);
        assert!(a.is_closed());
        assert!(!b.is_closed() && !c.is_closed(), "b holds back c");
        sem.release(2);
        assert!(b.is_closed());
        assert!(!c.is_closed());
    }

    /// Go's TestAllocCancelDoesntStarve with a real cancellation: the request for 10
    /// at the head of the queue is cancelled through its `done` channel while a
    /// request for 1 waits behind it; the cancel must let the small one through.
    #[test]
    fn alloc_cancel_doesnt_starve() {
        let sem = Weighted::new(10);
        sem.acquire(1);
        let (cancel, done) = chan::bounded::<()>(0);
        std::thread::scope(|s| {
            let big = s.spawn(|| sem.acquire_until(10, Some(&done), None));
            while sem.try_acquire(1) {
                sem.release(1);
                std::thread::yield_now();
            }
            s.spawn(move || drop(cancel)); // Go: go cancel()
            sem.acquire(1);
            sem.release(1);
            assert_eq!(big.join().unwrap(), Err(Interrupted::Done));
        });
        sem.release(1);
        assert!(sem.try_acquire(10));
    }

    /// Go's TestWeightedDoesntBlockIfTooBig: a doomed request waits for its `done`
    /// channel without queueing.
    #[test]
    fn too_big_waits_for_done_without_queueing() {
        let sem = Weighted::new(2);
        let (cancel, done) = chan::bounded::<()>(0);
        std::thread::scope(|s| {
            let big = s.spawn(|| sem.acquire_until(3, Some(&done), None));
            for _ in 0..6 {
                sem.acquire(1);
                sem.release(1);
            }
            assert!(!big.is_finished(), "it waits for done alone");
            drop(cancel);
            assert_eq!(big.join().unwrap(), Err(Interrupted::Done));
        });
        let past = Instant::now();
        assert_eq!(
            sem.acquire_until(3, None, Some(past)),
            Err(Interrupted::TimedOut)
        );
    }

    /// `done` already closed: a request that fits right away still succeeds (Go: "If
    /// ctx is already done, Acquire may still succeed without blocking"); one that
    /// must wait fails and leaves nothing queued.
    #[test]
    fn done_already_closed() {
        let sem = Weighted::new(1);
        let (cancel, done) = chan::bounded::<()>(0);
        drop(cancel);
        assert_eq!(sem.acquire_until(1, Some(&done), None), Ok(()));
        assert_eq!(
            sem.acquire_until(1, Some(&done), None),
            Err(Interrupted::Done)
        );
        assert_eq!(
            sem.state.load(Ordering::Relaxed),
            0,
            "no waiter left queued"
        );
        sem.release(1);
        assert_eq!(sem.state.load(Ordering::Relaxed), 1);
    }
}

/// Loom models: a release racing a waiter that gives up (deadline or `done`). In
/// every interleaving the permits are either granted and kept (`Ok`) or not taken,
/// and none is lost: all are free at the end.
#[cfg(all(test, gosync_loom))]
mod loom_tests {
    use super::*;
    use crate::facade::Arc;

    #[test]
    fn release_races_a_timed_acquire() {
        loom::model(|| {
            let sem = Arc::new(Weighted::new(1));
            sem.acquire(1);
            let s2 = sem.clone();
            // Under loom every deadline "may have passed": the wait can time out at
            // any point the scheduler picks.
            let waiter = loom::thread::spawn(move || {
                let r = s2.acquire_until(1, None, Some(Instant::now()));
                if r.is_ok() {
                    s2.release(1);
                }
                r
            });
            sem.release(1);
            let _ = waiter.join().unwrap();
            assert!(sem.try_acquire(1), "a permit was lost");
            assert_eq!(sem.state.load(Ordering::Relaxed), 0);
        });
    }

    #[test]
    fn release_races_a_cancelled_acquire() {
        loom::model(|| {
            let sem = Arc::new(Weighted::new(2));
            sem.acquire(2);
            let (cancel, done) = chan::bounded::<()>(0);
            let s2 = sem.clone();
            let waiter = loom::thread::spawn(move || {
                let r = s2.acquire_until(2, Some(&done), None);
                if r.is_ok() {
                    s2.release(2);
                }
                r
            });
            let canceller = loom::thread::spawn(move || drop(cancel));
            sem.release(2);
            canceller.join().unwrap();
            let _ = waiter.join().unwrap();
            assert!(sem.try_acquire(2), "permits were lost");
        });
    }
}
