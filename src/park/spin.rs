//! How long a waiting thread spins (and yields) before it parks.
//!
//! - [`Spin`]: the adaptive budget of a blocked channel operation or select
//!   ([`Context::wait`](super::Context::wait)), learnt per thread from how its own
//!   recent waits ended.
//! - [`SpinWait`]: a fixed budget, for the locks (the channel lock, `Mutex`,
//!   `RwMutex`).
//!
//! # The adaptive budget
//!
//! Parking costs a futex wait on one side and a futex wake on the other, and a
//! sleeping thread takes tens of microseconds to run again; a peer that is running
//! on another core usually answers sooner than that. So a thread whose recent waits
//! ended soon after it parked (it would have caught the peer by spinning a little
//! longer) doubles its spin budget, up to as many pauses as take about 6 µs on this CPU
//! (measured once; 2^9 of 10 ns pauses, 2^7 of 40 ns ones; never more than 2^12),
//! and a thread whose waits outlast the budget by far (the peer was not running: the
//! cores are busy, or the peer had nothing to say) shrinks it fourfold, down to 2^6.
//! After the pauses it yields a few times, more the shorter its recent waits were, and
//! not at all once they have been long (when busy processes hold every core, a yield
//! hands the core away for a whole time slice). At most half the CPUs spin beyond the
//! minimum at once. A thread that sees the cores contended — a yield that kept it off
//! its core for a time slice, or pauses that took far longer than pauses take (it was
//! preempted) — starts a calm period for the whole process: every thread spins only the
//! minimum and never yields for 10 ms, twice that if the sign comes again before a wait
//! has shown the cores free, and so on up to 1.28 s (signs seen while a period is under
//! way count once, and a slow yield during which this process's own waits kept ending
//! is its own threads taking turns, not a sign). A process confined to one CPU
//! (`taskset`, cgroups) never pauses (the peer cannot run meanwhile); it only yields.
//! The budget is a per-thread hint, not shared state: loom need not see it, and under
//! loom nothing spins at all.

use crate::facade::thread;

#[cfg(not(gosync_loom))]
mod adaptive {
    use crate::facade::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
    // A thread-local `Cell`: no other thread ever reads it, so loom need not see it.
    #[allow(clippy::disallowed_types)]
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// The budget is `1 << shift` pauses, `shift` in `MIN_SHIFT..=max_shift()`, which
    /// is at most `MAX_SHIFT`.
    const MIN_SHIFT: u32 = 6;
    const MAX_SHIFT: u32 = 12;
    /// The longest pause phase, in time: `max_shift()` is the largest shift whose
    /// pauses take no longer on this CPU. A hand-off between two running threads
    /// answers within a few microseconds; a wait that outlasts this has a peer that is
    /// not running, and spinning on only takes the core from whoever could run (on a
    /// loaded machine, often the peer itself). Measured on a 2-CPU virtual machine
    /// (`xshape gosync spsc|mpsc|mpmc 0|1`, 7 interleaved runs): a cap of 2^12 pauses
    /// (40 µs there) against 2^9 (5 µs) gave 0.78–0.94 of the time per message on
    /// the blocking cells at 2^9 and 1.04 on ping-pong; 2^8 (2.5 µs) was 1.4 times
    /// slower on the rendezvous cells (shorter than the round trip it waits for).
    const PAUSE_PHASE: Duration = Duration::from_micros(6);
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
        #[allow(clippy::disallowed_types)]
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

    /// The process's calm period: after a sign that the cores are contended, every
    /// thread spins only the minimum and never yields until it ends. Process-wide: a
    /// busy machine is busy for every thread, and the threads that come next (a pool's
    /// fresh workers) need not each pay a probe to learn it.
    struct Calm {
        /// The end of the current calm period, in nanoseconds since [`epoch`] (0: none).
        until: AtomicU64,
        /// Doublings of the next calm period.
        level: AtomicU32,
    }

    // ORDERING: every access is Relaxed: the calm period is a hint each thread reads
    // for itself, guarding no other data; a thread that sees it late spins a little
    // more or less, never wrongly.
    impl Calm {
        const fn new() -> Self {
            Calm {
                until: AtomicU64::new(0),
                level: AtomicU32::new(0),
            }
        }

        /// Whether a calm period is under way at `now()` (nanoseconds since [`epoch`]);
        /// the clock is read only while one was started. Clears one that has ended.
        fn active(&self, now: impl FnOnce() -> u64) -> bool {
            let until = self.until.load(Ordering::Relaxed);
            if until == 0 {
                return false;
            }
            if now() < until {
                return true;
            }
            // Over; unless another thread just started a new one.
            let _ = self
                .until
                .compare_exchange(until, 0, Ordering::Relaxed, Ordering::Relaxed);
            false
        }

        /// A sign of contention at `now`: starts a calm period and doubles the next
        /// one. A sign seen while a calm period is under way changes nothing: many
        /// threads that were yielding at the same moment all see the same sign, and
        /// counted each they would double the period up to its longest (over a
        /// second) at once, so that the whole process parked on every wait for that
        /// long after one burst of load (or of its own start-up).
        fn start(&self, now: u64) {
            if self.active(|| now) {
                return;
            }
            let level = self.level.load(Ordering::Relaxed);
            let until = now + calm_length(level).as_nanos() as u64;
            self.until.fetch_max(until, Ordering::Relaxed);
            self.level
                .store((level + 1).min(CALM_MAX_LEVEL), Ordering::Relaxed);
        }

        /// A wait saw the cores free: the next sign of contention starts over with the
        /// shortest calm period.
        fn cores_free(&self) {
            if self.level.load(Ordering::Relaxed) != 0 {
                self.level.store(0, Ordering::Relaxed);
            }
        }
    }

    static CALM: Calm = Calm::new();

    fn epoch() -> Instant {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    fn now_ns() -> u64 {
        // Past `epoch`, at least 1 (0 means "no calm period").
        (epoch().elapsed().as_nanos() as u64).max(1)
    }

    /// Whether the process is in a calm period now.
    fn in_calm() -> bool {
        CALM.active(now_ns)
    }

    /// The length of a calm period started at `level`.
    fn calm_length(level: u32) -> Duration {
        CALM_BASE * (1 << level.min(CALM_MAX_LEVEL))
    }

    /// Picoseconds per pause instruction, measured once (0: not yet).
    static PAUSE_PS: AtomicUsize = AtomicUsize::new(0);

    fn pause_ps() -> usize {
        match PAUSE_PS.load(Ordering::Relaxed) {
            0 => {
                // The fastest of three rounds: a round during which the thread was
                // preempted would make pauses look slow, and the spin cap too low,
                // for the life of the process.
                let ps = (0..3)
                    .map(|_| {
                        let t = Instant::now();
                        for _ in 0..1024 {
                            std::hint::spin_loop();
                        }
                        t.elapsed().as_nanos() as usize * 1000 / 1024
                    })
                    .min()
                    .unwrap_or(0)
                    .max(1);
                PAUSE_PS.store(ps, Ordering::Relaxed);
                ps
            }
            ps => ps,
        }
    }

    /// The largest budget exponent on a CPU whose pause takes `ps` picoseconds: the
    /// largest shift whose pauses fit in [`PAUSE_PHASE`], within
    /// `MIN_SHIFT..=MAX_SHIFT`.
    fn max_shift_for(ps: usize) -> u32 {
        let fits = (PAUSE_PHASE.as_nanos() as usize * 1000) / ps.max(1);
        // floor(log2(fits)), for fits >= 1.
        let s = usize::BITS - 1 - fits.max(1).leading_zeros();
        s.clamp(MIN_SHIFT, MAX_SHIFT)
    }

    /// [`max_shift_for`] this CPU, measured once.
    fn max_shift() -> u32 {
        static MAX: AtomicU32 = AtomicU32::new(0);
        match MAX.load(Ordering::Relaxed) {
            0 => {
                let m = max_shift_for(pause_ps());
                MAX.store(m, Ordering::Relaxed);
                m
            }
            m => m,
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
        /// [`ENDED`] when the pause phase's spinner slot was taken.
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
                CALM.start(now_ns());
                return;
            }
            if self.quick_yields > 0 {
                // The cores were free for this wait's yields.
                CALM.cores_free();
            }
            if let Some(t) = self.parked_at {
                let waited = t.elapsed();
                let cap = max_shift();
                let _ = SHIFT.try_with(|s| s.set(learn(s.get(), waited, cap)));
            }
        }
    }

    /// The next budget exponent, at most `cap`, after a wait that parked and lasted
    /// `waited` in all.
    fn learn(shift: u32, waited: Duration, cap: u32) -> u32 {
        if waited < SHORT {
            (shift + 1).min(cap)
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
                s = learn(s, Duration::from_micros(50), MAX_SHIFT);
            }
            assert_eq!(s, MAX_SHIFT);
            s = learn(s, Duration::from_millis(5), MAX_SHIFT);
            assert_eq!(s, MAX_SHIFT - 2);
            for _ in 0..20 {
                s = learn(s, Duration::from_secs(1), MAX_SHIFT);
            }
            assert_eq!(s, MIN_SHIFT);
            // A lower cap (a CPU with slow pauses) is never passed.
            for _ in 0..20 {
                s = learn(s, Duration::from_micros(50), 8);
            }
            assert_eq!(s, 8);
        }

        #[test]
        fn the_pause_phase_is_capped_in_time_whatever_a_pause_costs() {
            // 10 ns pauses: 2^9 of them (5.1 µs) fit in 6 µs, 2^10 do not.
            assert_eq!(max_shift_for(10_000), 9);
            // 40 ns pauses (older Intel cores): 2^7.
            assert_eq!(max_shift_for(40_000), 7);
            // Very fast pauses: no more than MAX_SHIFT; very slow ones: no fewer than
            // MIN_SHIFT (a budget that short would park before any hand-off).
            assert_eq!(max_shift_for(1), MAX_SHIFT);
            assert_eq!(max_shift_for(0), MAX_SHIFT);
            assert_eq!(max_shift_for(10_000_000), MIN_SHIFT);
            for ps in [1, 500, 5_000, 10_000, 40_000, 1_000_000] {
                let s = max_shift_for(ps);
                assert!(
                    s == MIN_SHIFT || (1u128 << s) * ps as u128 <= 6_000_000,
                    "{ps}: {s}"
                );
            }
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

        /// Milliseconds as the calm period's nanosecond clock.
        fn ms(n: u64) -> u64 {
            n * 1_000_000
        }

        #[test]
        fn a_calm_period_lasts_its_length_then_ends_and_is_cleared() {
            let calm = Calm::new();
            assert!(
                !calm.active(|| unreachable!("no clock read while none was started")),
                "none at first"
            );
            calm.start(ms(100));
            let end = ms(100) + CALM_BASE.as_nanos() as u64;
            assert!(calm.active(|| ms(100)));
            assert!(calm.active(|| end - 1));
            assert!(!calm.active(|| end), "over at its end");
            assert_eq!(calm.until.load(Ordering::Relaxed), 0, "and cleared");
            assert!(!calm.active(|| unreachable!("cleared: no clock read")));
        }

        #[test]
        fn each_sign_doubles_the_next_calm_period_until_the_cores_are_seen_free() {
            let calm = Calm::new();
            let mut now = ms(1);
            let mut lengths = Vec::new();
            for _ in 0..CALM_MAX_LEVEL + 3 {
                calm.start(now);
                let until = calm.until.load(Ordering::Relaxed);
                lengths.push(until - now);
                now = until; // the next sign comes as this period ends
                assert!(!calm.active(|| now));
            }
            for (level, len) in lengths.iter().enumerate() {
                assert_eq!(*len, calm_length(level as u32).as_nanos() as u64);
            }
            assert_eq!(lengths[1], 2 * lengths[0]);
            assert_eq!(
                lengths.last(),
                lengths.get(CALM_MAX_LEVEL as usize),
                "capped"
            );
            // A wait whose yields came back soon: the next period is the shortest again.
            calm.cores_free();
            calm.start(now);
            assert_eq!(
                calm.until.load(Ordering::Relaxed) - now,
                CALM_BASE.as_nanos() as u64
            );
        }

        #[test]
        fn a_sign_during_a_calm_period_changes_nothing() {
            let calm = Calm::new();
            calm.start(ms(10)); // level 0: ends at 10 ms + CALM_BASE
            let end = calm.until.load(Ordering::Relaxed);
            assert_eq!(end, ms(10) + CALM_BASE.as_nanos() as u64);
            // Many threads report the same burst: neither longer nor doubled.
            for t in 10..20 {
                calm.start(ms(t));
            }
            assert_eq!(calm.until.load(Ordering::Relaxed), end, "not extended");
            assert_eq!(calm.level.load(Ordering::Relaxed), 1, "doubled once");
            // After it ends, the next sign starts the doubled period.
            calm.start(end);
            assert_eq!(
                calm.until.load(Ordering::Relaxed),
                end + 2 * CALM_BASE.as_nanos() as u64
            );
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

pub(crate) use adaptive::Spin;

/// Under loom nothing spins: a wait yields to the model once, then parks.
#[cfg(gosync_loom)]
mod adaptive {
    /// One wait's (absent) spinning.
    #[derive(Debug)]
    pub(crate) struct Spin;

    impl Spin {
        pub(crate) fn new() -> Self {
            Spin
        }
        pub(crate) fn spin(&mut self) -> bool {
            crate::facade::thread::yield_now();
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
            thread::yield_now();
            false
        }
        #[cfg(not(gosync_loom))]
        {
            if self.step < self.spins {
                for _ in 0..1u32 << self.step {
                    std::hint::spin_loop();
                }
            } else if self.step < self.spins + self.yields {
                thread::yield_now();
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

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn spin_wait_pauses_then_yields_then_says_park_until_reset() {
        let mut w = SpinWait::new(3, 2);
        let steps = std::iter::from_fn(|| w.spin().then_some(())).count();
        assert_eq!(steps, 3 + 2);
        assert!(!w.spin(), "spent: it keeps saying park");
        w.reset();
        assert!(w.spin(), "a reset budget spins again");
    }
}
