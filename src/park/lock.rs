//! The channel lock: a one-byte mutex that spins briefly, then parks on the wait table.
//!
//! State table (`state: AtomicU8`):
//!
//! | bits       | meaning                                                        |
//! |------------|----------------------------------------------------------------|
//! | `0`        | unlocked, nobody parked                                        |
//! | `LOCKED`   | held, nobody parked: unlock is one CAS                          |
//! | `PARKED`   | unlocked, threads parked (a woken one is about to retry)       |
//! | `LOCKED \| PARKED` | held, threads parked: unlock goes through the table      |
//!
//! `PARKED` is set by a thread about to park (under no lock: a CAS), and cleared or
//! kept by the unlocker's callback, which runs under the bucket lock and so sees every
//! parker that validated before it.

use super::table;
use crate::facade::{AtomicU8, Ordering, SpinWait};

const LOCKED: u8 = 1;
const PARKED: u8 = 2;

/// Spin rounds (1, 2, 4, … pauses: 127 in all, a few microseconds) before a
/// contended lock starts yielding. Fewer (15) made contended buffered channels park
/// on the lock, and pay a futex wake per unlock, several times as often.
const LOCK_SPINS: u32 = 7;
/// Yields before a contended lock parks: one, in case the holder was preempted on
/// this core; more only burn time slices when every core is busy.
const LOCK_YIELDS: u32 = 1;

/// A raw mutual-exclusion lock with no data and no guard: lock and unlock are separate
/// calls, so that a select can hold the locks of several channels at once.
#[derive(Debug)]
pub(crate) struct RawLock {
    state: AtomicU8,
}

impl RawLock {
    pub(crate) fn new() -> Self {
        RawLock {
            state: AtomicU8::new(0),
        }
    }

    /// Acquires the lock.
    #[inline]
    pub(crate) fn lock(&self) {
        // ORDERING: Acquire pairs with the Release in `unlock`: everything done under
        // the lock by the previous holder is visible to the next.
        if self
            .state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
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
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    fn key(&self) -> usize {
        self as *const Self as usize
    }

    #[cold]
    fn lock_slow(&self) {
        let mut spin = SpinWait::new(LOCK_SPINS, LOCK_YIELDS);
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & LOCKED == 0 {
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
            // usually out within a few hundred nanoseconds.
            if state & PARKED == 0 && spin.spin() {
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
            // Sleep only if the lock is still held with PARKED set; the unlocker's
            // callback runs under the same bucket lock, so it either sees us queued or
            // we see its store here.
            table::park(
                self.key(),
                0,
                || self.state.load(Ordering::Relaxed) == LOCKED | PARKED,
                None,
                |_| {},
            );
            spin.reset();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    fn unlock_slow(&self) {
        table::unpark_one(self.key(), |res| {
            // ORDERING: Release as in `unlock`. Keep PARKED while others still sleep,
            // so that the next unlock wakes one of them too.
            let next = if res.have_more { PARKED } else { 0 };
            self.state.store(next, Ordering::Release);
            0
        });
    }
}
