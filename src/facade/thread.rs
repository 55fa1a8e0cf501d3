//! Threads: a handle to wake, the current thread, parking.

#[cfg(gosync_loom)]
pub(crate) use loom::thread::{current, yield_now, Thread, ThreadId};
#[cfg(not(gosync_loom))]
pub(crate) use std::thread::{current, yield_now, Thread, ThreadId};

use std::time::Instant;

/// Sleeps for `d` without anybody's help to wake up (loom: yields to the model, for
/// which a timed sleep is just another chance for the other threads to run).
#[inline]
pub(crate) fn nap(d: std::time::Duration) {
    #[cfg(gosync_loom)]
    {
        let _ = d;
        loom::thread::yield_now();
    }
    #[cfg(not(gosync_loom))]
    std::thread::sleep(d);
}

/// Parks the current thread until it is unparked (or wakes spuriously).
#[inline]
pub(crate) fn park() {
    #[cfg(gosync_loom)]
    loom::thread::park();
    #[cfg(not(gosync_loom))]
    std::thread::park();
}

/// Parks the current thread until it is unparked, `deadline` passes, or it wakes
/// spuriously. Callers loop on their own condition.
#[cfg(not(gosync_loom))]
pub(crate) fn park_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        std::thread::park_timeout(deadline - now);
    }
}

/// Under loom time does not pass: a timed wait is modelled as "the deadline may
/// already have passed", which [`super::expired`] always answers yes to, so this
/// only yields.
#[cfg(gosync_loom)]
pub(crate) fn park_until(_deadline: Instant) {
    loom::thread::yield_now();
}
