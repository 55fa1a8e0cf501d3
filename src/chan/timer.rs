//! Timer receivers: [`after`], [`at`] and [`tick`] (Go's `time.After`, a timer's
//! channel, and `time.Tick`).
//!
//! No background thread: a timer is a deadline, not a queue. Whoever receives from it
//! (a blocking `recv`, a `try_recv`, or a select) compares the deadline with the clock
//! and, once it has passed, takes the value with one atomic step, so that of several
//! clones of one timer receiver only one gets each value. A blocked receiver sleeps
//! until the deadline; a select parks with the earliest timer deadline of its cases as
//! its wake-up time (see `crate::select`).
//!
//! The value received is the instant the timer was due (not the later instant at which
//! it happened to be read).

use super::error::RecvTimeoutError;
use super::{Receiver, RecvFlavor};
use crate::facade::{thread, Arc, AtomicBool, Mutex, Ordering};
use crate::park::Block;
use std::fmt;
use std::time::{Duration, Instant};

/// A timer's state, shared by every clone of its receiver.
pub(crate) struct Timer {
    kind: Kind,
}

enum Kind {
    /// `after` / `at`: one value at `when`, then never again. `when` is `None` when the
    /// instant is too far away to represent: it never fires.
    Once {
        when: Option<Instant>,
        /// Set by the one receive that took the value.
        fired: AtomicBool,
    },
    /// `tick`: a value every `period`; `next` is when the next one is due (`None`:
    /// beyond what an `Instant` can represent). An `Instant` does not fit in one
    /// portable atomic word, so a small lock guards it (never held across a wait).
    Tick {
        period: Duration,
        next: Mutex<Option<Instant>>,
    },
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Once { when, fired } => f
                .debug_struct("Timer")
                .field("when", when)
                .field("fired", &fired.load(Ordering::Relaxed))
                .finish(),
            Kind::Tick { period, .. } => f.debug_struct("Ticker").field("period", period).finish(),
        }
    }
}

/// The first instant `due + k·period` (k ≥ 1) strictly after `now`: ticks a slow
/// receiver missed are dropped, and the schedule keeps its phase.
fn next_tick(due: Instant, period: Duration, now: Instant) -> Option<Instant> {
    if period.is_zero() {
        // A zero period is always due again.
        return Some(now);
    }
    let behind = now.saturating_duration_since(due).as_nanos();
    let p = period.as_nanos();
    // `p - behind % p` is in 1..=p: the wait from `now` to the next point of the grid.
    let wait = p - behind % p;
    let wait = Duration::new(
        u64::try_from(wait / 1_000_000_000).ok()?,
        (wait % 1_000_000_000) as u32,
    );
    now.checked_add(wait)
}

impl Timer {
    /// A timer that fires once at `when` (`None`: never).
    pub(crate) fn once(when: Option<Instant>) -> Self {
        Timer {
            kind: Kind::Once {
                when,
                fired: AtomicBool::new(false),
            },
        }
    }

    /// A ticker whose first value is due one `period` from now.
    pub(crate) fn tick(period: Duration) -> Self {
        Timer {
            kind: Kind::Tick {
                period,
                next: Mutex::new(Instant::now().checked_add(period)),
            },
        }
    }

    /// When the next value is due, or `None` if no value will ever be due again.
    /// A deadline in the past means a value is ready now.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match &self.kind {
            Kind::Once { when, fired } => {
                if fired.load(Ordering::Acquire) {
                    None
                } else {
                    *when
                }
            }
            Kind::Tick { next, .. } => *next.lock(),
        }
    }

    /// Takes the value that is due now, if any: the instant it was due.
    #[inline]
    pub(crate) fn try_fire(&self) -> Option<Instant> {
        match &self.kind {
            Kind::Once { when, fired } => {
                let when = (*when)?;
                if !crate::facade::expired(when) || fired.load(Ordering::Relaxed) {
                    return None;
                }
                // ORDERING: the flag guards no other data (the value is `when`, which
                // is immutable); the swap only decides which receiver gets it.
                if fired.swap(true, Ordering::AcqRel) {
                    None
                } else {
                    Some(when)
                }
            }
            Kind::Tick { period, next } => {
                let mut next = next.lock();
                let due = (*next)?;
                if !crate::facade::expired(due) {
                    return None;
                }
                *next = next_tick(due, *period, Instant::now());
                Some(due)
            }
        }
    }

    /// How many values are ready now: 0 or 1.
    pub(crate) fn len(&self) -> usize {
        match self.deadline() {
            Some(d) if crate::facade::expired(d) => 1,
            _ => 0,
        }
    }

    /// Receives the next value, sleeping until it is due, as `block` says. A timer
    /// never closes, so the only error is `Timeout`.
    pub(crate) fn recv(&self, block: Block) -> Result<Instant, RecvTimeoutError> {
        loop {
            if let Some(t) = self.try_fire() {
                return Ok(t);
            }
            let give_up = match block {
                Block::No => return Err(RecvTimeoutError::Timeout),
                Block::Forever => None,
                Block::Until(t) => {
                    if crate::facade::expired(t) {
                        return Err(RecvTimeoutError::Timeout);
                    }
                    Some(t)
                }
            };
            // Sleep until the value is due or we give up, whichever is first. Early
            // and spurious wake-ups only cause another round.
            let wake = match (self.deadline(), give_up) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match wake {
                Some(w) => thread::park_until(w),
                None => thread::park(),
            }
        }
    }
}

fn timer_receiver(timer: Timer) -> Receiver<Instant> {
    Receiver {
        flavor: RecvFlavor::Timer(Arc::new(timer), std::convert::identity),
    }
}

/// A receiver that delivers one value after `d` has passed, then is never ready again
/// (Go's `time.After`). The value is the instant it was due. It needs no background
/// thread; a `Duration` too long to represent never fires.
///
/// Its main use is a timeout in a [`select!`](crate::select!):
///
/// ```
/// use gosync::{chan, select};
/// use std::time::Duration;
///
/// let (_tx, rx) = chan::bounded::<i32>(0); // nobody will send
/// let timed_out = select! {
///     recv(rx) -> _ => false,
///     recv(chan::after(Duration::from_millis(5))) -> _ => true,
/// };
/// assert!(timed_out);
/// ```
///
/// It is an ordinary [`Receiver`]: it can also be waited on directly.
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// let t = gosync::chan::after(Duration::from_millis(2));
/// let due = t.recv().unwrap();
/// assert!(due >= start + Duration::from_millis(2));
/// assert!(t.try_recv().is_err()); // one value only
/// ```
pub fn after(d: Duration) -> Receiver<Instant> {
    timer_receiver(Timer::once(Instant::now().checked_add(d)))
}

/// A receiver that delivers one value at `when`, then is never ready again. The value
/// is `when`. An instant already past is ready at once.
///
/// ```
/// use std::time::{Duration, Instant};
/// let when = Instant::now() + Duration::from_millis(1);
/// let t = gosync::chan::at(when);
/// assert_eq!(t.recv(), Ok(when));
/// assert!(t.recv_timeout(Duration::from_millis(1)).is_err()); // never again
/// ```
pub fn at(when: Instant) -> Receiver<Instant> {
    timer_receiver(Timer::once(Some(when)))
}

/// A receiver that delivers a value every `d` (Go's `time.Tick`): the first is due
/// one period from now. The value is the instant the tick was due. Ticks that a slow
/// receiver misses are dropped (the next one is the next point of the schedule after
/// the receive), so ticks never pile up. A zero period is always ready.
///
/// ```
/// use gosync::{chan, select};
/// use std::time::Duration;
///
/// let ticker = chan::tick(Duration::from_millis(1));
/// let (done_tx, done) = chan::bounded::<()>(0);
/// let mut ticks = 0;
/// loop {
///     select! {
///         recv(ticker) -> _ => {
///             ticks += 1;
///             if ticks == 3 {
///                 done_tx.close();
///             }
///         }
///         recv(done) -> _ => break,
///     }
/// }
/// assert!(ticks >= 3);
/// ```
pub fn tick(d: Duration) -> Receiver<Instant> {
    timer_receiver(Timer::tick(d))
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn next_tick_skips_missed_ticks_and_keeps_phase() {
        let t0 = Instant::now();
        let p = Duration::from_millis(10);
        // Read right at the due time: next is one period later.
        assert_eq!(next_tick(t0, p, t0), Some(t0 + p));
        // Read 35 ms late: the ticks at +10, +20, +30 are dropped; next is at +40.
        assert_eq!(
            next_tick(t0, p, t0 + Duration::from_millis(35)),
            Some(t0 + 4 * p)
        );
        // Exactly on a later grid point: the next one after it.
        assert_eq!(next_tick(t0, p, t0 + 2 * p), Some(t0 + 3 * p));
        assert_eq!(next_tick(t0, Duration::ZERO, t0 + p), Some(t0 + p));
        assert_eq!(next_tick(t0, Duration::MAX, t0), None);
    }

    #[test]
    fn once_fires_exactly_once() {
        let t = Timer::once(Some(Instant::now()));
        assert_eq!(t.len(), 1);
        assert!(t.try_fire().is_some());
        assert!(t.try_fire().is_none());
        assert_eq!(t.deadline(), None);
        assert_eq!(t.len(), 0);
        let never = Timer::once(None);
        assert!(never.try_fire().is_none());
        assert_eq!(never.recv(Block::No), Err(RecvTimeoutError::Timeout));
    }
}
