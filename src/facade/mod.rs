//! The only door to atomics, `UnsafeCell`, locks, threads and spinning.
//!
//! Every other module imports these from here, never from `std` or `core` directly
//! (`clippy.toml` forbids it), so that building with `--cfg gosync_loom` swaps the
//! whole crate onto loom's model-checked versions. The std side is shaped like loom's
//! API (`UnsafeCell::with` / `with_mut`), so the code above is the same under both.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::time::Instant;

pub(crate) use std::sync::atomic::Ordering;
#[cfg(not(gosync_loom))]
pub(crate) use std::sync::Arc;

/// Thin wrappers over std's atomics with loom's API, so that `clippy.toml` can forbid
/// std's atomic types everywhere but here.
#[cfg(not(gosync_loom))]
macro_rules! atomic_int {
    ($name:ident, $std:ty, $int:ty) => {
        #[derive(Debug, Default)]
        #[repr(transparent)]
        pub(crate) struct $name($std);

        #[allow(dead_code)]
        impl $name {
            #[inline]
            pub(crate) const fn new(v: $int) -> Self {
                Self(<$std>::new(v))
            }
            #[inline]
            pub(crate) fn load(&self, o: Ordering) -> $int {
                self.0.load(o)
            }
            #[inline]
            pub(crate) fn store(&self, v: $int, o: Ordering) {
                self.0.store(v, o)
            }
            #[inline]
            pub(crate) fn swap(&self, v: $int, o: Ordering) -> $int {
                self.0.swap(v, o)
            }
            #[inline]
            pub(crate) fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange(current, new, success, failure)
            }
            #[inline]
            pub(crate) fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                self.0.compare_exchange_weak(current, new, success, failure)
            }
            #[inline]
            pub(crate) fn fetch_add(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_add(v, o)
            }
            #[inline]
            pub(crate) fn fetch_sub(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_sub(v, o)
            }
            #[inline]
            pub(crate) fn fetch_or(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_or(v, o)
            }
            #[inline]
            pub(crate) fn fetch_and(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_and(v, o)
            }
            #[inline]
            pub(crate) fn fetch_max(&self, v: $int, o: Ordering) -> $int {
                self.0.fetch_max(v, o)
            }
            #[inline]
            pub(crate) fn get_mut(&mut self) -> &mut $int {
                self.0.get_mut()
            }
            #[inline]
            pub(crate) fn into_inner(self) -> $int {
                self.0.into_inner()
            }
        }
    };
}

#[cfg(not(gosync_loom))]
atomic_int!(AtomicUsize, std::sync::atomic::AtomicUsize, usize);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU64, std::sync::atomic::AtomicU64, u64);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU32, std::sync::atomic::AtomicU32, u32);
#[cfg(not(gosync_loom))]
atomic_int!(AtomicU8, std::sync::atomic::AtomicU8, u8);

/// A thin wrapper over std's `AtomicBool` with loom's API.
#[cfg(not(gosync_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub(crate) struct AtomicBool(std::sync::atomic::AtomicBool);

#[cfg(not(gosync_loom))]
#[allow(dead_code)]
impl AtomicBool {
    #[inline]
    pub(crate) const fn new(v: bool) -> Self {
        Self(std::sync::atomic::AtomicBool::new(v))
    }
    #[inline]
    pub(crate) fn load(&self, o: Ordering) -> bool {
        self.0.load(o)
    }
    #[inline]
    pub(crate) fn store(&self, v: bool, o: Ordering) {
        self.0.store(v, o)
    }
    #[inline]
    pub(crate) fn swap(&self, v: bool, o: Ordering) -> bool {
        self.0.swap(v, o)
    }
    #[inline]
    pub(crate) fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        self.0.compare_exchange(current, new, success, failure)
    }
}

#[cfg(gosync_loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::fence;
/// A fence (std or loom).
#[cfg(not(gosync_loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::atomic::fence;

#[cfg(gosync_loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize};
#[cfg(gosync_loom)]
pub(crate) use loom::sync::Arc;

/// Defines a `const fn` on the normal build and a plain `fn` under loom, whose
/// atomics and cells cannot be built in a constant context. Public constructors
/// documented as `const fn` (e.g. `Mutex::new`) are written once through this macro.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        #[cfg(not(gosync_loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(gosync_loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// Threads: a handle to wake, the current thread, parking.
pub(crate) mod thread {
    #[cfg(gosync_loom)]
    #[allow(unused_imports)]
    pub(crate) use loom::thread::{current, yield_now, Thread, ThreadId};
    #[cfg(not(gosync_loom))]
    #[allow(unused_imports)]
    pub(crate) use std::thread::{current, yield_now, Thread, ThreadId};

    use std::time::Instant;

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
}

/// Whether `deadline` has passed.
///
/// Under loom this is always true: a model of a timed wait explores the wait being
/// cancelled at every point the scheduler can place it, racing every peer.
#[inline]
pub(crate) fn expired(deadline: Instant) -> bool {
    #[cfg(gosync_loom)]
    {
        let _ = deadline;
        true
    }
    #[cfg(not(gosync_loom))]
    {
        Instant::now() >= deadline
    }
}

/// A cell whose contents are only reached through closures, as loom's is, so that
/// loom can check every access for races.
#[cfg(gosync_loom)]
pub(crate) use loom::cell::UnsafeCell;

/// A cell whose contents are only reached through closures, as loom's is, so that
/// loom can check every access for races.
#[cfg(not(gosync_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(gosync_loom))]
impl<T> UnsafeCell<T> {
    #[inline]
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    #[inline]
    #[allow(dead_code)]
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(gosync_loom))]
impl<T: ?Sized> UnsafeCell<T> {
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A plain mutex for the wait table's buckets (never held across a park).
///
/// Under loom, `lock` spins on `try_lock` with `yield_now` instead of blocking: the
/// wait table wakes threads with `unpark` *after* releasing a bucket, so an unpark can
/// reach a thread that is meanwhile waiting for another bucket. Loom makes any blocked
/// thread runnable on `unpark`, which inside a blocking `loom::sync::Mutex::lock`
/// trips its "expected to be able to acquire lock" assertion; a yielding thread just
/// tries again.
#[derive(Debug)]
pub(crate) struct Mutex<T> {
    #[cfg(not(gosync_loom))]
    inner: std::sync::Mutex<T>,
    #[cfg(gosync_loom)]
    inner: loom::sync::Mutex<T>,
}

/// The guard of [`Mutex`].
#[cfg(not(gosync_loom))]
pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;
/// The guard of [`Mutex`].
#[cfg(gosync_loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    #[cfg(not(gosync_loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self {
            inner: std::sync::Mutex::new(value),
        }
    }

    #[cfg(gosync_loom)]
    pub(crate) fn new(value: T) -> Self {
        Self {
            inner: loom::sync::Mutex::new(value),
        }
    }

    /// Locks. Nothing in gosync panics while holding one of these, so poisoning is
    /// ignored rather than propagated.
    #[cfg(not(gosync_loom))]
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks (loom build: `try_lock`, yielding to the holder until it succeeds).
    #[cfg(gosync_loom)]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        loop {
            match self.inner.try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => loom::thread::yield_now(),
            }
        }
    }
}

/// Spin-then-yield backoff for short waits before parking.
///
/// On std this is crossbeam-utils' `Backoff`. Under loom spinning only multiplies the
/// states to explore, so the loom version gives up at once and the caller parks.
#[cfg(not(gosync_loom))]
#[allow(unused_imports)]
pub(crate) use crossbeam_utils::Backoff;

/// Spin-then-yield backoff for short waits before parking (loom version: gives up at
/// once, so that callers go straight to park).
#[cfg(gosync_loom)]
#[derive(Debug, Default)]
pub(crate) struct Backoff;

#[cfg(gosync_loom)]
#[allow(dead_code)] // the same API as crossbeam's, not all of it used under loom
impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff
    }
    pub(crate) fn spin(&self) {
        loom::thread::yield_now();
    }
    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }
    pub(crate) fn is_completed(&self) -> bool {
        true
    }
}

/// How long a blocked operation spins (and yields) before it parks, learnt per thread
/// from how its own recent waits ended.
///
/// Parking costs a futex wait on one side and a futex wake on the other, and a
/// sleeping thread takes tens of microseconds to run again; a peer that is running
/// on another core usually answers sooner than that. So a thread whose recent waits
/// ended soon after it parked (it would have caught the peer by spinning a little
/// longer) doubles its spin budget, up to 2^12 pauses (about 40–130 µs, by the CPU),
/// and a thread whose waits outlast the budget by far (the peer was not running: the
/// cores are busy, or the peer had nothing to say) shrinks it fourfold, down to 2^6.
/// After the pauses it yields a few times, more the shorter its recent waits were, and
/// not at all once they have been long (when busy processes hold every core, a yield
/// hands the core away for a whole time slice). At most half the CPUs spin beyond the
/// minimum at once. A thread that sees the cores contended — a yield that kept it off
/// its core for a time slice, or pauses that took far longer than pauses take (it was
/// preempted) — spins only the minimum and never yields for its next 64 waits. A
/// process confined to one CPU (`taskset`, cgroups) never pauses (the peer cannot run
/// meanwhile); it only yields. The budget is a per-thread hint, not shared state: loom need not
/// see it, and under loom nothing spins at all.
#[cfg(not(gosync_loom))]
pub(crate) mod adaptive {
    use super::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// The budget is `1 << shift` pauses, `shift` in `MIN_SHIFT..=MAX_SHIFT`.
    const MIN_SHIFT: u32 = 6;
    const MAX_SHIFT: u32 = 12;
    /// Yields after the pauses, per step of `shift` above the minimum (so none once
    /// waits have been long, e.g. when busy processes hold every core: a yield then
    /// hands the core away for a whole time slice).
    const YIELDS_PER_SHIFT: u32 = 8;
    /// A wait that ended this soon after parking might have been caught by spinning
    /// longer: grow the budget. The wake-up latency of a parked thread is part of
    /// what is measured, and on virtual machines it alone can reach a few hundred
    /// microseconds; a wait this long or longer was not worth spinning: shrink it
    /// twice as fast.
    const SHORT: Duration = Duration::from_millis(1);

    std::thread_local! {
        static SHIFT: Cell<u32> = const { Cell::new(MIN_SHIFT) };
    }

    /// The number of CPUs this process may run on (0: not known yet).
    static CPUS: AtomicUsize = AtomicUsize::new(0);
    /// Threads spinning beyond the minimum budget right now. At most half the CPUs
    /// (at least one) may: with more threads than cores, the others park sooner
    /// rather than burn the time slices their peers need (Go bounds its spinning
    /// threads the same way).
    static SPINNERS: AtomicUsize = AtomicUsize::new(0);
    /// Waits of this process that have ended after their pauses (those that yielded
    /// or parked: a wait caught while pausing does not touch this shared counter,
    /// which keeps it off the fastest hand-offs). A yield or a pause phase kept off
    /// its core for long while this process's own waits went on ending meanwhile was
    /// this process's own threads taking turns on the cores (say 64 senders on one
    /// `bounded(64)`, whose receiver runs for whole time slices), not busy processes
    /// holding them: no reason for a calm period. Without this check those senders
    /// read their own turn-taking as load, stop yielding and all park: each message
    /// then costs a futex wake and a sleep (about one voluntary context switch per
    /// message).
    static ENDED: AtomicUsize = AtomicUsize::new(0);
    /// Own progress that explains a slow yield: at least one own wait ended per this
    /// much of the time the yield (or pause phase) took.
    const OWN_TURN: Duration = Duration::from_micros(50);

    /// Whether the waits of this process that ended since `ended_before` explain
    /// `took` off the core (see [`ENDED`]).
    fn own_turns(ended_before: usize, took: Duration) -> bool {
        let ended = ENDED.load(Ordering::Relaxed).wrapping_sub(ended_before) as u128;
        ended * OWN_TURN.as_nanos() >= took.as_nanos()
    }

    fn cpus() -> usize {
        match CPUS.load(Ordering::Relaxed) {
            0 => {
                let n = std::thread::available_parallelism().map_or(1, |n| n.get());
                CPUS.store(n, Ordering::Relaxed);
                n
            }
            n => n,
        }
    }

    /// The first calm period: after a sign that the cores are contended, every
    /// thread of the process spins only the minimum and never yields for this long.
    /// Each sign seen again, before a wait has shown the cores free, doubles the next
    /// period, up to `CALM_BASE << CALM_MAX_LEVEL`: under a lasting load the probes
    /// (a yield that hands the core to a busy process for a time slice) become rare,
    /// and the process waits like a plain parking lock.
    const CALM_BASE: Duration = Duration::from_millis(10);
    const CALM_MAX_LEVEL: u32 = 7;
    /// A yield (or a pause phase, beyond what its pauses take) that kept the thread
    /// off its core this long means another runnable thread held the core for a
    /// whole time slice: the cores are contended by busy threads. (Peers that block
    /// soon, as in an oversubscribed but otherwise idle process, give the core back
    /// much sooner.)
    const SLOW_YIELD: Duration = Duration::from_micros(500);
    /// A yield back this soon found no busy process holding the core.
    const QUICK_YIELD: Duration = Duration::from_micros(50);

    /// The end of the current calm period, in nanoseconds since [`epoch`] (0: none).
    /// Process-wide: a busy machine is busy for every thread, and the threads that
    /// come next (a pool's fresh workers) need not each pay a probe to learn it.
    static CALM_UNTIL: AtomicU64 = AtomicU64::new(0);
    /// Doublings of the next calm period.
    static CALM_LEVEL: AtomicU32 = AtomicU32::new(0);

    fn epoch() -> Instant {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    fn now_ns() -> u64 {
        // Past `epoch`, at least 1 (0 means "no calm period").
        (epoch().elapsed().as_nanos() as u64).max(1)
    }

    /// Whether a calm period is under way (no clock read while none was started).
    fn in_calm() -> bool {
        let until = CALM_UNTIL.load(Ordering::Relaxed);
        if until == 0 {
            return false;
        }
        if now_ns() < until {
            return true;
        }
        // Over; unless another thread just started a new one.
        let _ = CALM_UNTIL.compare_exchange(until, 0, Ordering::Relaxed, Ordering::Relaxed);
        false
    }

    /// The length of a calm period started at `level`.
    fn calm_length(level: u32) -> Duration {
        CALM_BASE * (1 << level.min(CALM_MAX_LEVEL))
    }

    /// Starts a calm period, and doubles the next one; a sign seen while a calm
    /// period is under way changes nothing. Many threads that were yielding at the
    /// same moment all see the same sign: counted each, they would double the period
    /// up to its longest (over a second) at once, and the whole process would park
    /// on every wait for that long after one burst of load (or of its own start-up).
    fn start_calm() {
        if in_calm() {
            return;
        }
        let level = CALM_LEVEL.load(Ordering::Relaxed);
        let until = now_ns() + calm_length(level).as_nanos() as u64;
        CALM_UNTIL.fetch_max(until, Ordering::Relaxed);
        CALM_LEVEL.store((level + 1).min(CALM_MAX_LEVEL), Ordering::Relaxed);
    }

    /// Picoseconds per pause instruction, measured once (0: not yet).
    static PAUSE_PS: AtomicUsize = AtomicUsize::new(0);

    fn pause_ps() -> usize {
        match PAUSE_PS.load(Ordering::Relaxed) {
            0 => {
                let t = Instant::now();
                for _ in 0..1024 {
                    std::hint::spin_loop();
                }
                let ps = (t.elapsed().as_nanos() as usize * 1000 / 1024).max(1);
                PAUSE_PS.store(ps, Ordering::Relaxed);
                ps
            }
            ps => ps,
        }
    }

    /// One wait's spinning: a budget of pauses then yields, whether it holds a
    /// spinner slot (and since when), whether it saw the cores contended, and when
    /// the owner parked.
    #[derive(Debug)]
    pub(crate) struct Spin {
        left: u32,
        yields: u32,
        slot: Option<(Instant, u32)>,
        contended: bool,
        /// Yields that gave the core back soon: the cores are not held by busy
        /// processes.
        quick_yields: u32,
        parked_at: Option<Instant>,
        /// [`ENDED`] when the pause phase's slot was taken.
        slot_ended: usize,
    }

    impl Spin {
        /// This thread's current budget (no pauses on a single CPU; the fewest when
        /// the spinner slots are taken or the thread is in a calm period).
        #[inline]
        pub(crate) fn new() -> Self {
            let cpus = cpus();
            let mut spin = Spin {
                left: 0,
                yields: 0,
                slot: None,
                contended: false,
                quick_yields: 0,
                parked_at: None,
                slot_ended: 0,
            };
            let shift = if in_calm() {
                MIN_SHIFT
            } else {
                SHIFT.try_with(|s| s.get()).unwrap_or(MIN_SHIFT)
            };
            // Yields too, while recent waits were short: with more threads than
            // cores, the peer may be waiting for this very core.
            spin.yields = YIELDS_PER_SHIFT * (shift - MIN_SHIFT);
            if cpus < 2 {
                // Pausing is useless when the peer cannot run meanwhile.
                return spin;
            }
            spin.left = 1 << MIN_SHIFT;
            if shift > MIN_SHIFT {
                let max = (cpus / 2).max(1);
                let mut n = SPINNERS.load(Ordering::Relaxed);
                while n < max {
                    match SPINNERS.compare_exchange_weak(
                        n,
                        n + 1,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => {
                            spin.left = 1 << shift;
                            spin.slot = Some((Instant::now(), spin.left));
                            spin.slot_ended = ENDED.load(Ordering::Relaxed);
                            break;
                        }
                        Err(m) => n = m,
                    }
                }
            }
            spin
        }

        /// Spends one pause (or, after the pauses, one yield) of the budget; `false`
        /// once it is spent (then park).
        #[inline]
        pub(crate) fn spin(&mut self) -> bool {
            if self.left == 0 {
                self.pauses_spent();
                if self.yields == 0 {
                    return false;
                }
                self.yields -= 1;
                let t = Instant::now();
                let ended = ENDED.load(Ordering::Relaxed);
                std::thread::yield_now();
                let took = t.elapsed();
                if took > SLOW_YIELD {
                    if !own_turns(ended, took) {
                        self.contended = true;
                        self.yields = 0;
                    }
                } else if took < QUICK_YIELD {
                    self.quick_yields += 1;
                }
                return true;
            }
            self.left -= 1;
            std::hint::spin_loop();
            true
        }

        /// The long pause phase ended without a peer: gives the spinner slot back,
        /// and notes whether the thread was kept off its core meanwhile (the pauses
        /// took far longer than pauses take).
        #[cold]
        fn pauses_spent(&mut self) {
            if let Some((t, pauses)) = self.slot.take() {
                SPINNERS.fetch_sub(1, Ordering::Relaxed);
                let expected_ns = pauses as usize * pause_ps() / 1000;
                let took = t.elapsed();
                if took > Duration::from_nanos(2 * expected_ns as u64) + SLOW_YIELD
                    && !own_turns(self.slot_ended, took)
                {
                    self.contended = true;
                    self.yields = 0;
                }
            }
        }

        /// Gives the spinner slot back, if this wait holds one.
        #[inline]
        fn release(&mut self) {
            if self.slot.take().is_some() {
                SPINNERS.fetch_sub(1, Ordering::Relaxed);
            }
        }

        /// The owner is about to park (the first time is remembered).
        #[inline]
        pub(crate) fn parking(&mut self) {
            self.pauses_spent();
            if self.parked_at.is_none() {
                self.parked_at = Some(Instant::now());
            }
        }
    }

    impl Drop for Spin {
        /// Learns from the wait: only waits that parked say anything about the budget.
        fn drop(&mut self) {
            self.release();
            if self.left == 0 || self.parked_at.is_some() {
                ENDED.fetch_add(1, Ordering::Relaxed);
            }
            if self.contended {
                // Another thread wanted this core: spin little and yield not at all
                // for a while, in every thread.
                let _ = SHIFT.try_with(|s| s.set(MIN_SHIFT));
                start_calm();
                return;
            }
            if self.quick_yields > 0 && CALM_LEVEL.load(Ordering::Relaxed) != 0 {
                // The cores were free for this wait's yields: the next sign of load
                // starts over with the shortest calm period.
                CALM_LEVEL.store(0, Ordering::Relaxed);
            }
            if let Some(t) = self.parked_at {
                let waited = t.elapsed();
                let _ = SHIFT.try_with(|s| s.set(learn(s.get(), waited)));
            }
        }
    }

    /// The next budget exponent after a wait that parked and lasted `waited` in all.
    fn learn(shift: u32, waited: Duration) -> u32 {
        if waited < SHORT {
            (shift + 1).min(MAX_SHIFT)
        } else {
            shift.saturating_sub(2).max(MIN_SHIFT)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn short_waits_grow_the_budget_up_to_the_cap_long_ones_shrink_it() {
            let mut s = MIN_SHIFT;
            for _ in 0..20 {
                s = learn(s, Duration::from_micros(50));
            }
            assert_eq!(s, MAX_SHIFT);
            s = learn(s, Duration::from_millis(5));
            assert_eq!(s, MAX_SHIFT - 2);
            for _ in 0..20 {
                s = learn(s, Duration::from_secs(1));
            }
            assert_eq!(s, MIN_SHIFT);
        }

        #[test]
        fn a_long_parked_wait_lowers_this_threads_budget() {
            std::thread::spawn(|| {
                SHIFT.with(|s| s.set(MAX_SHIFT));
                let mut spin = Spin::new();
                // Pretend it parked 10 ms ago and was woken now.
                spin.parked_at = Instant::now().checked_sub(Duration::from_millis(10));
                let parked = spin.parked_at.is_some();
                drop(spin);
                if parked {
                    assert_eq!(SHIFT.with(|s| s.get()), MAX_SHIFT - 2);
                }
                // A wait that never parked teaches nothing.
                drop(Spin::new());
                if parked {
                    assert_eq!(SHIFT.with(|s| s.get()), MAX_SHIFT - 2);
                }
            })
            .join()
            .unwrap();
        }

        #[test]
        fn a_slow_yield_is_own_turn_taking_only_if_own_waits_ended_meanwhile() {
            // 100 waits ended during 1 ms: 10 µs each, this process's own threads.
            assert!(own_turns(
                ENDED.load(Ordering::Relaxed).wrapping_sub(100),
                Duration::from_millis(1)
            ));
            // None (or too few) during 5 ms: the core was held by someone else. (Other
            // tests may end waits meanwhile, but not 100 of them.)
            assert!(!own_turns(
                ENDED.load(Ordering::Relaxed),
                Duration::from_millis(5)
            ));
            // Every wait that ended after its pauses counts.
            let before = ENDED.load(Ordering::Relaxed);
            std::thread::spawn(|| {
                let mut spin = Spin::new();
                spin.left = 0;
                drop(spin);
            })
            .join()
            .unwrap();
            assert!(ENDED.load(Ordering::Relaxed).wrapping_sub(before) >= 1);
        }

        #[test]
        fn signs_seen_during_a_calm_period_do_not_lengthen_the_next_one() {
            start_calm();
            assert!(in_calm());
            let level = CALM_LEVEL.load(Ordering::Relaxed);
            // Many threads that were yielding at once report the same sign: only the
            // first one counts. (Other tests may reset the level, never raise it while
            // this calm period lasts: it lasts at least `CALM_BASE` from the call.)
            for _ in 0..10 {
                start_calm();
            }
            assert!(CALM_LEVEL.load(Ordering::Relaxed) <= level);
        }

        #[test]
        fn contended_cores_start_a_calm_period_for_every_thread() {
            std::thread::spawn(|| {
                SHIFT.with(|s| s.set(MAX_SHIFT));
                let mut spin = Spin::new();
                spin.contended = true;
                drop(spin);
                assert_eq!(SHIFT.with(|s| s.get()), MIN_SHIFT);
                // (Other tests of this binary may start or end calm periods too, but
                // none ends one early: it lasts at least `CALM_BASE` from here.)
                assert!(in_calm());
            })
            .join()
            .unwrap();
            // During the calm period even a thread that learnt a large budget, and a
            // thread that never waited before, spin the minimum and never yield.
            for learnt in [MAX_SHIFT, MIN_SHIFT] {
                std::thread::spawn(move || {
                    SHIFT.with(|s| s.set(learnt));
                    if in_calm() {
                        let spin = Spin::new();
                        assert_eq!(spin.yields, 0);
                        assert!(spin.slot.is_none());
                        assert!(spin.left <= 1 << MIN_SHIFT);
                    }
                })
                .join()
                .unwrap();
            }
        }

        #[test]
        fn calm_periods_double_up_to_a_cap() {
            assert_eq!(calm_length(0), CALM_BASE);
            assert_eq!(calm_length(1), CALM_BASE * 2);
            assert_eq!(
                calm_length(CALM_MAX_LEVEL),
                CALM_BASE * (1 << CALM_MAX_LEVEL)
            );
            assert_eq!(calm_length(CALM_MAX_LEVEL + 5), calm_length(CALM_MAX_LEVEL));
            assert!(calm_length(CALM_MAX_LEVEL) <= Duration::from_secs(2));
        }

        #[test]
        fn the_budget_is_bounded_and_spent() {
            std::thread::spawn(|| {
                SHIFT.with(|s| s.set(MAX_SHIFT));
                let mut spin = Spin::new();
                let mut steps = 0u32;
                while spin.spin() {
                    steps += 1;
                    assert!(steps <= (1 << MAX_SHIFT) + YIELDS_PER_SHIFT * MAX_SHIFT);
                }
                // Spent: it says park, and keeps saying so; the slot was given back.
                assert!(!spin.spin());
                assert!(spin.slot.is_none());
            })
            .join()
            .unwrap();
        }
    }
}

/// Under loom nothing spins: a wait yields to the model once, then parks.
#[cfg(gosync_loom)]
pub(crate) mod adaptive {
    /// One wait's (absent) spinning.
    #[derive(Debug)]
    pub(crate) struct Spin;

    impl Spin {
        pub(crate) fn new() -> Self {
            Spin
        }
        pub(crate) fn spin(&mut self) -> bool {
            loom::thread::yield_now();
            false
        }
        pub(crate) fn parking(&mut self) {}
    }
}

/// A bounded spin-then-yield budget for waits that end in parking.
///
/// `spin()` first spins in rounds of doubling length (`spins` rounds: 1, 2, 4, …
/// pause instructions), then yields the CPU (`yields` times), then reports the budget
/// spent so the caller parks. Spinning wins when the peer is running on another core;
/// yielding wins when the cores are busy (the peer may be waiting for our core); and
/// parking bounds the CPU a long wait burns.
#[derive(Debug)]
#[cfg_attr(gosync_loom, allow(dead_code))] // under loom it never spins
pub(crate) struct SpinWait {
    step: u32,
    spins: u32,
    yields: u32,
}

impl SpinWait {
    #[inline]
    pub(crate) fn new(spins: u32, yields: u32) -> Self {
        SpinWait {
            step: 0,
            spins,
            yields,
        }
    }

    /// Spends one step of the budget; `false` once it is spent (then park).
    #[inline]
    pub(crate) fn spin(&mut self) -> bool {
        #[cfg(gosync_loom)]
        {
            // Under loom spinning only multiplies the states to explore.
            loom::thread::yield_now();
            false
        }
        #[cfg(not(gosync_loom))]
        {
            if self.step < self.spins {
                for _ in 0..1u32 << self.step {
                    std::hint::spin_loop();
                }
            } else if self.step < self.spins + self.yields {
                std::thread::yield_now();
            } else {
                return false;
            }
            self.step += 1;
            true
        }
    }

    /// Starts the budget over.
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.step = 0;
    }
}

/// A small per-thread number (round robin, assigned on the thread's first call), used
/// to spread threads over shards.
///
/// A placement hint, not synchronisation: loom need not see it, so it is a plain std
/// atomic (under loom every model thread may share one index, which is still correct:
/// they then contend for one shard).
pub(crate) fn thread_index() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    INDEX.try_with(|i| *i).unwrap_or(0)
}

/// The next creation number under loom (a channel's select lock-order key), reset
/// for every execution of a model (a `loom::lazy_static` lives for one execution). A
/// plain atomic: it is not part of what the model checks, only a deterministic name.
#[cfg(gosync_loom)]
pub(crate) fn loom_creation_number() -> usize {
    loom::lazy_static! {
        static ref NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    }
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Pads and aligns a value to a cache line to keep hot words apart.
#[allow(unused_imports)]
pub(crate) use crossbeam_utils::CachePadded;

/// Asymmetric fences: a nearly free [`light`](asymmetric::light) fence for a hot path
/// and an expensive [`heavy`](asymmetric::heavy) one for a rare path, which together
/// order a store before a later load on both sides, as two `fence(SeqCst)` would.
///
/// The pattern they serve is Dekker's: the hot side stores `A` then loads `B`, the rare
/// side stores `B` then loads `A`, and at least one of them must see the other's
/// store. The channel lock uses it so that `unlock` is a plain store (no
/// read-modify-write) followed by a load of the "threads parked" count, while a thread
/// about to park pays for the ordering instead.
///
/// On Linux (x86-64, AArch64) `heavy` is the `membarrier(2)` system call with
/// `MEMBARRIER_CMD_PRIVATE_EXPEDITED`: the kernel runs a full memory barrier on every
/// CPU that is running one of this process's threads, and a thread that is not
/// running passes through one when it is switched back in. So wherever the hot side
/// was in its store-then-load sequence, either its store is visible to the rare side
/// after the call, or its load comes after the barrier and sees the rare side's store.
/// `light` then only has to keep the compiler from swapping the store and the load.
/// Elsewhere, or when the kernel refuses the call (old kernels, seccomp filters,
/// Valgrind), both fences are `fence(SeqCst)`; under loom and Miri too, so that the
/// protocol is checked with the fences the C++ memory model knows.
pub(crate) mod asymmetric {
    use super::Ordering;

    #[cfg(not(any(gosync_loom, miri)))]
    mod mode {
        /// Not decided yet: the light fence is a full fence.
        pub(super) const UNKNOWN: u8 = 0;
        /// `membarrier` is registered: the light fence is a compiler fence.
        pub(super) const MEMBARRIER: u8 = 1;
        /// No `membarrier`: both fences are full fences.
        pub(super) const FENCES: u8 = 2;

        /// A process-wide setting, decided once; not synchronisation the model checker
        /// need see (loom and Miri never leave `FENCES`'s equivalent).
        pub(super) static MODE: std::sync::atomic::AtomicU8 =
            std::sync::atomic::AtomicU8::new(UNKNOWN);
    }

    #[cfg(all(
        not(any(gosync_loom, miri)),
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    mod sys {
        const CMD_QUERY: usize = 0;
        const CMD_PRIVATE_EXPEDITED: usize = 1 << 3;
        const CMD_REGISTER_PRIVATE_EXPEDITED: usize = 1 << 4;

        /// `membarrier(cmd, 0, 0)`; returns the kernel's answer (negative: an errno).
        #[inline]
        fn membarrier(cmd: usize) -> isize {
            let ret: isize;
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a raw `membarrier` system call (x86-64 number 324) with scalar
            // arguments only: it reads and writes no memory of ours, and the registers
            // the `syscall` instruction clobbers (rcx, r11) are declared.
            unsafe {
                std::arch::asm!(
                    "syscall",
                    inlateout("rax") 324isize => ret,
                    in("rdi") cmd,
                    in("rsi") 0usize,
                    in("rdx") 0usize,
                    lateout("rcx") _,
                    lateout("r11") _,
                    options(nostack),
                );
            }
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a raw `membarrier` system call (AArch64 number 283) with scalar
            // arguments only: it reads and writes no memory of ours; x0 returns.
            unsafe {
                std::arch::asm!(
                    "svc 0",
                    in("x8") 283usize,
                    inlateout("x0") cmd as isize => ret,
                    in("x1") 0usize,
                    in("x2") 0usize,
                    options(nostack),
                );
            }
            ret
        }

        /// Registers the process for expedited private barriers; `true` on success.
        pub(super) fn register() -> bool {
            let supported = membarrier(CMD_QUERY);
            let needed = (CMD_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED) as isize;
            supported >= 0
                && supported & needed == needed
                && membarrier(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
        }

        /// One process-wide barrier; `false` if the kernel refused it (e.g. a child
        /// after `fork`, which does not inherit the registration, and re-registering
        /// failed).
        pub(super) fn barrier() -> bool {
            membarrier(CMD_PRIVATE_EXPEDITED) == 0
                || (register() && membarrier(CMD_PRIVATE_EXPEDITED) == 0)
        }
    }

    #[cfg(all(
        not(any(gosync_loom, miri)),
        not(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))
    ))]
    mod sys {
        pub(super) fn register() -> bool {
            false
        }
        pub(super) fn barrier() -> bool {
            false
        }
    }

    /// Decides, once per process, which pair of fences to use. Cheap after the first
    /// call (one relaxed load); call it before the first `light` fence of an object
    /// whose hot path should be fast (e.g. when creating a channel).
    #[inline]
    pub(crate) fn init() {
        #[cfg(not(any(gosync_loom, miri)))]
        if mode::MODE.load(Ordering::Relaxed) == mode::UNKNOWN {
            decide();
        }
    }

    #[cfg(not(any(gosync_loom, miri)))]
    #[cold]
    fn decide() {
        // Two threads may both register: the call is idempotent and both store the
        // same answer.
        let m = if sys::register() {
            mode::MEMBARRIER
        } else {
            mode::FENCES
        };
        mode::MODE.store(m, Ordering::Relaxed);
    }

    /// The hot side's fence: orders its earlier store before its later load, against a
    /// thread that runs [`heavy`] between its own store and load.
    #[inline]
    pub(crate) fn light() {
        #[cfg(not(any(gosync_loom, miri)))]
        {
            if mode::MODE.load(Ordering::Relaxed) == mode::MEMBARRIER {
                std::sync::atomic::compiler_fence(Ordering::SeqCst);
            } else {
                std::sync::atomic::fence(Ordering::SeqCst);
            }
        }
        #[cfg(any(gosync_loom, miri))]
        super::fence(Ordering::SeqCst);
    }

    /// The rare side's fence. Returns `false` when it could not give the guarantee
    /// against a `light` fence already under way (the kernel refused a barrier it had
    /// accepted before, and the process fell back to full fences): the caller must
    /// then not rely on being woken, e.g. park with a short timeout and check again.
    #[must_use]
    pub(crate) fn heavy() -> bool {
        #[cfg(not(any(gosync_loom, miri)))]
        {
            init();
            if mode::MODE.load(Ordering::Relaxed) == mode::MEMBARRIER {
                if sys::barrier() {
                    return true;
                }
                mode::MODE.store(mode::FENCES, Ordering::Relaxed);
                std::sync::atomic::fence(Ordering::SeqCst);
                return false;
            }
            std::sync::atomic::fence(Ordering::SeqCst);
            true
        }
        #[cfg(any(gosync_loom, miri))]
        {
            super::fence(Ordering::SeqCst);
            true
        }
    }

    #[cfg(all(test, not(any(gosync_loom, miri))))]
    mod tests {
        use super::*;

        #[test]
        fn decides_once_and_barriers_work() {
            init();
            let m = mode::MODE.load(Ordering::Relaxed);
            assert_ne!(m, mode::UNKNOWN, "init decides the mode");
            assert!(heavy(), "a barrier in the decided mode succeeds");
            light();
            assert_eq!(mode::MODE.load(Ordering::Relaxed), m, "the mode stays");
        }

        #[cfg(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))]
        #[test]
        fn membarrier_is_used_where_the_kernel_has_it() {
            // The answer depends on the kernel (and on seccomp / Valgrind), so this
            // checks consistency: a successful registration means the fast mode.
            if sys::register() {
                init();
                assert_eq!(mode::MODE.load(Ordering::Relaxed), mode::MEMBARRIER);
                assert!(sys::barrier());
            }
        }
    }
}
