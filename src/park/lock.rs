//! The channel lock: a mutex that spins briefly, then parks on the wait table.
//!
//! Two words of state:
//!
//! | field    | meaning                                                              |
//! |----------|----------------------------------------------------------------------|
//! | `locked` | `1` while held; taken with a CAS, released with a plain store        |
//! | `queued` | threads parked on the lock, changed only under the wait-table bucket lock |
//!
//! `unlock` is a store of `0` to `locked`, a [`light`](fence::light) fence and a
//! load of `queued`: no read-modify-write, which was a third of the cost of an
//! uncontended channel operation. It goes to the wait table only when `queued` is not
//! zero, and then wakes one parked thread.
//!
//! A thread that gives up spinning links itself into the lock's queue if `locked` is
//! still `1` (checked under the bucket lock, which also counts it in `queued`), then
//! runs the [`heavy`](fence::heavy) fence (a `membarrier` system call on Linux;
//! the thread is about to sleep, which costs more) and reads `locked` again. The two
//! fences make this Dekker's handshake: either the unlocker's load sees the parker
//! counted in `queued` (and wakes a parked thread), or the parker's second load sees
//! the unlocker's `0`, and it wakes one parked thread itself (perhaps itself) instead
//! of trusting that somebody will. A woken thread is taken off `queued` by its waker,
//! under the bucket lock, before it runs; if it loses the lock to a barging thread, it
//! parks again by the same handshake. So a thread never sleeps on a free lock with
//! nobody about to wake a parked thread.
//!
//! Before it parks, a thread that finds nobody parked yet naps instead, up to
//! [`LOCK_NAPS`] times: a timed sleep it wakes from by itself, unregistered, then
//! spins again. A lock held this persistently is one that a holder takes again and
//! again in a loop (a sender filling a buffer while a receiver drains it); a parked
//! waiter makes each such unlock a futex wake and each park a heavy fence, which
//! interrupts the holder's core, while a napping one leaves the holder to run alone,
//! its cache lines local. On the 2-CPU development machine this took contended
//! buffered channels from 45–75 to 23–35 ns per message; the blocking cells did not
//! move. The cost is latency for the napping thread only: at most
//! `LOCK_NAPS` × ([`LOCK_NAP`] plus the kernel's timer slack, 50 µs by default), and
//! only on a lock it has already failed to take for several microseconds.
//!
//! The heavy fence runs after the thread is linked, not before: unlocks see `queued`
//! above zero only while a thread really sleeps (or is about to), so they do not all
//! take the slow path for the whole length of a system call.

use super::fence;
use super::spin::SpinWait;
use super::table::{self, Queueing};
use crate::facade::{thread, AtomicU32, AtomicU8, Ordering};

/// Spin rounds (1, 2, 4, … pauses: 127 in all, a few microseconds) before a
/// contended lock starts yielding. Fewer (15) made contended buffered channels park
/// on the lock, and pay a futex wake per unlock, several times as often.
const LOCK_SPINS: u32 = 7;
/// Yields before a contended lock parks: one, in case the holder was preempted on
/// this core; more only burn time slices when every core is busy.
const LOCK_YIELDS: u32 = 1;
/// Naps (timed sleeps, no wake-up needed) before a contended lock parks, while no
/// thread is parked on it (module docs). Under loom a nap is a yield and one is
/// modelled: it is the lock's one unregistered retry there (loom's spin gives up at
/// once), and a second doubled the states of the models that contend on a lock
/// (`loom_many`: 57 s without naps, 98 s with one, 134 s with two).
const LOCK_NAPS: u32 = if cfg!(gosync_loom) { 1 } else { 2 };
/// The length asked for one nap; the kernel adds its timer slack.
const LOCK_NAP: std::time::Duration = std::time::Duration::from_micros(20);
/// A raw mutual-exclusion lock with no data and no guard: lock and unlock are separate
/// calls, so that a select can hold the locks of several channels at once.
#[derive(Debug)]
pub(crate) struct RawLock {
    locked: AtomicU8,
    /// Threads linked in the lock's wait-table queue (changed under the bucket lock).
    queued: AtomicU32,
}

impl RawLock {
    pub(crate) fn new() -> Self {
        // Decide the fences now, so that the first unlocks are already cheap.
        fence::init();
        RawLock {
            locked: AtomicU8::new(0),
            queued: AtomicU32::new(0),
        }
    }

    /// Acquires the lock.
    #[inline]
    pub(crate) fn lock(&self) {
        // ORDERING: Acquire pairs with the Release store in `unlock`: everything done
        // under the lock by the previous holder is visible to the next.
        if self
            .locked
            .compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
    }

    /// Releases the lock.
    ///
    /// The caller holds it (a broken pairing is a bug in gosync, not user misuse).
    #[inline]
    pub(crate) fn unlock(&self) {
        // ORDERING: Release publishes the critical section to the next holder. The
        // light fence orders this store before the load of `queued`, against a
        // parker's heavy fence (see the module documentation).
        self.locked.store(0, Ordering::Release);
        fence::light();
        if self.queued.load(Ordering::Relaxed) != 0 {
            self.wake_one();
        }
    }

    fn key(&self) -> usize {
        self as *const Self as usize
    }

    #[cold]
    fn lock_slow(&self) {
        let mut spin = SpinWait::new(LOCK_SPINS, LOCK_YIELDS);
        let mut naps = 0;
        loop {
            if self.locked.load(Ordering::Relaxed) == 0
                && self
                    .locked
                    .compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            // Spin a bounded number of rounds while nobody is parked: the holder is
            // usually out within a few hundred nanoseconds. Once threads sleep on the
            // lock, newcomers queue behind them instead of spinning.
            if self.queued.load(Ordering::Relaxed) == 0 {
                if spin.spin() {
                    continue;
                }
                if naps < LOCK_NAPS {
                    naps += 1;
                    thread::nap(LOCK_NAP);
                    spin.reset();
                    continue;
                }
            }
            table::park_with(
                self.key(),
                0,
                Queueing::Back,
                || {
                    // Under the bucket lock: link (and count) this thread only while
                    // the lock is held.
                    if self.locked.load(Ordering::Relaxed) == 0 {
                        return false;
                    }
                    self.queued.fetch_add(1, Ordering::Relaxed);
                    true
                },
                || {
                    // Linked and counted: the heavy fence, then look again. An unlock
                    // that did not see us counted has stored a `0` we see now; wake
                    // one parked thread in its place (the first in line, maybe us).
                    // ORDERING: `false` means the kernel refused the barrier, so an
                    // unlock under way may have run only its compiler fence and missed
                    // our count while we miss its `0`: then do not sleep on the chance;
                    // wake the first in line (maybe us), which looks at `locked` again.
                    // While barriers are refused, parkers poll the lock this way (its
                    // critical sections are short) and none sleeps on a free lock.
                    let fenced = fence::heavy();
                    if !fenced || self.locked.load(Ordering::Relaxed) == 0 {
                        self.wake_one();
                    }
                },
                None,
                |_| unreachable!("the channel lock parks without a deadline"),
            );
            spin.reset();
        }
    }

    #[cold]
    fn wake_one(&self) {
        table::unpark_one(self.key(), |res| {
            // Under the bucket lock: the woken thread is no longer queued, so that
            // unlocks stop taking this path once nobody sleeps.
            if res.unparked != 0 {
                self.queued.fetch_sub(1, Ordering::Relaxed);
            }
            0
        });
    }
}

#[cfg(all(test, gosync_loom))]
mod loom_tests {
    use super::*;
    use crate::facade::UnsafeCell;
    use loom::sync::Arc;

    struct Counter {
        lock: RawLock,
        n: UnsafeCell<u32>,
    }

    // SAFETY: `n` is only touched while `lock` is held.
    unsafe impl Sync for Counter {}

    impl Counter {
        fn new() -> Arc<Self> {
            Arc::new(Counter {
                lock: RawLock::new(),
                n: UnsafeCell::new(0),
            })
        }

        /// The count, read under the lock.
        fn count(&self) -> u32 {
            self.lock.lock();
            // SAFETY: the lock is held.
            let n = self.n.with(|p| unsafe { *p });
            self.lock.unlock();
            n
        }
    }

    /// Explores `f` with at most two preemptions.
    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut b = loom::model::Builder::new();
        b.preemption_bound = Some(2);
        b.check(f);
    }

    fn bump(c: &Counter) {
        c.lock.lock();
        // SAFETY: the lock is held; loom's cell checks that no other access overlaps.
        c.n.with_mut(|p| unsafe { *p += 1 });
        c.lock.unlock();
    }

    /// Three threads take the lock; loom's spin gives up at once, so every one of them
    /// may park. A lost wake-up (an unlock that neither sees `queued` nor is seen by the
    /// parker's check) leaves a thread asleep forever, which loom reports as a
    /// deadlock; two holders at once are an overlapping cell access.
    #[test]
    fn raw_lock_plain_store_unlock_never_loses_a_parker() {
        model(|| {
            let c = Counter::new();
            let ts: Vec<_> = (0..2)
                .map(|_| {
                    let c = c.clone();
                    loom::thread::spawn(move || bump(&c))
                })
                .collect();
            bump(&c);
            for t in ts {
                t.join().unwrap();
            }
            assert_eq!(c.count(), 3);
            assert_eq!(
                c.lock.queued.load(Ordering::Relaxed),
                0,
                "no parker left counted"
            );
        });
    }

    /// Two threads, each taking the lock twice: a woken thread that loses the race
    /// for the lock parks again, and its second park is woken too.
    #[test]
    fn raw_lock_woken_thread_can_park_again() {
        model(|| {
            let c = Counter::new();
            let c2 = c.clone();
            let t = loom::thread::spawn(move || {
                bump(&c2);
                bump(&c2);
            });
            bump(&c);
            bump(&c);
            t.join().unwrap();
            assert_eq!(c.count(), 4);
        });
    }
}
