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
//! answers sooner than that. A wait pauses, then yields, then parks:
//!
//! - Pauses pay only when the peer runs on another core. A thread whose recent waits
//!   were caught while pausing (or ended soon after parking) doubles its pause phase,
//!   up to as many pauses as take about 6 µs on this CPU (measured once; 2^9 of 10 ns
//!   pauses, 2^7 of 40 ns ones; never more than 2^12). A wait caught on its first
//!   yield after pausing in vain had a peer waiting for this very core (beside a
//!   build, the two threads of a hand-off often share one core): every pause only
//!   delayed it, so the thread stops pausing, and tries the shortest pause phase
//!   again one wait in sixteen. A fresh thread starts without pauses.
//! - Yields: up to 256 (a yield with nothing else to run is back in well under a
//!   microsecond), fewer once waits have been long (the peer had nothing to say;
//!   down to 4).
//! - Waits that outlast the budget by far shrink both.
//!
//! At most half the CPUs pause beyond the minimum at once. A thread whose recent
//! yields mostly kept it off its core for a time slice (four of its last eight; or
//! pauses that took far longer than pauses take: it was preempted) sees the cores
//! contended by busy processes and starts a calm period for the whole process: every
//! thread parks at once, neither pausing nor yielding, for 10 ms, twice that if the
//! sign comes again before a wait has shown the cores free, and so on up to 1.28 s
//! (signs seen while a period is under way count once, and a slow yield during which
//! this process's own waits kept ending is its own threads taking turns, not a sign).
//! A process confined to one CPU
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

    /// A pause phase is `1 << shift` pauses, `shift` in `MIN_SHIFT..=max_shift()`,
    /// which is at most `MAX_SHIFT` (or no pauses at all).
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
    /// Yields after the pauses: `1 << yields` of them, `yields` in
    /// `MIN_YIELD_SHIFT..=MAX_YIELD_SHIFT`. A yield with nothing else to run comes
    /// back in well under a microsecond, so yielding is spinning that lets a peer
    /// waiting for this core run: beside a build at nice 10 the two threads of a
    /// hand-off often share one core, and then only a yield lets the peer answer
    /// (`xshape gosync spsc|mpsc|mpmc 0`, 3 to 5 interleaved runs beside the build:
    /// up to 256 yields and no pauses took 740–830 ns per message, kanal's 256 yields
    /// 560–620, the earlier policy of at most 24 yields after its pauses 1 600–2 700).
    /// A yield that hands the core to a busy process for a time slice ends the
    /// yielding (see [`SLOW_YIELD`]).
    const MIN_YIELD_SHIFT: u32 = 2;
    const MAX_YIELD_SHIFT: u32 = 8;
    /// With no pause phase (`pause == 0`), one wait in this many still pauses the
    /// minimum, to find out whether the peer is now on another core.
    const PROBE_EVERY: u32 = 16;
    /// A wait that ended this soon after parking might have been caught by spinning
    /// longer: grow the budget. The wake-up latency of a parked thread is part of
    /// what is measured, and on virtual machines it alone can reach a few hundred
    /// microseconds; a wait this long or longer was not worth spinning: shrink it
    /// twice as fast.
    const SHORT: Duration = Duration::from_millis(1);

    /// A thread's learnt budget.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Budget {
        /// `1 << pause` pauses (0: none), `pause` in `MIN_SHIFT..=max_shift()`.
        pause: u32,
        /// `1 << yields` yields.
        yields: u32,
        /// Waits without pauses, counted for the probes.
        probe: u32,
    }

    std::thread_local! {
        /// A fresh thread yields fully and pauses not at all until a probe finds the
        /// peer on another core.
        #[allow(clippy::disallowed_types)]
        static BUDGET: Cell<Budget> = const {
            Cell::new(Budget { pause: 0, yields: MAX_YIELD_SHIFT, probe: PROBE_EVERY - 1 })
        };
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
    /// thread of the process parks at once (no pauses, no yields) for this long.
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
    /// How many of a thread's last eight yields (and preempted pause phases) must
    /// have been slow for it to call the cores contended. One slow yield is not
    /// enough: beside a build at nice 10 most yields come back at once and now and
    /// then one hands the core away for a time slice; called contended on that one,
    /// the process parked every wait of the calm period that followed, and a
    /// ping-pong round trip's p99 was 4 to 8 times kanal's (benches/results/
    /// analysis-blocking.md, section 6). Beside busy loops at normal priority nearly
    /// every yield is slow, and the calm period starts after this many waits.
    const SLOW_SHARE: u32 = 4;

    std::thread_local! {
        /// This thread's last eight yields, newest in the lowest bit: 1 for a slow
        /// one (see [`SLOW_YIELD`]).
        #[allow(clippy::disallowed_types)]
        static SLOW_HISTORY: Cell<u8> = const { Cell::new(0) };
    }

    /// Notes one yield (or pause phase) in this thread's history: `slow` when it kept
    /// the thread off its core for a time slice. Whether the recent ones show the
    /// cores contended (at least [`SLOW_SHARE`] of the last eight slow); the history
    /// starts over when they do, so that the next sign needs as many again.
    fn note_yield(slow: bool) -> bool {
        SLOW_HISTORY
            .try_with(|h| {
                let v = (h.get() << 1) | u8::from(slow);
                if v.count_ones() >= SLOW_SHARE {
                    h.set(0);
                    true
                } else {
                    h.set(v);
                    false
                }
            })
            .unwrap_or(false)
    }

    /// The process's calm period: after a sign that the cores are contended, every
    /// thread parks at once (no pauses, no yields) until it ends. Process-wide: a
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
        /// Pauses left.
        left: u32,
        /// Pauses spent.
        paused: u32,
        /// Yields left.
        yields: u32,
        /// Yields spent.
        yielded: u32,
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
        /// the spinner slots are taken; no yields in a calm period).
        #[inline]
        pub(crate) fn new() -> Self {
            let cpus = cpus();
            let mut spin = Spin {
                left: 0,
                paused: 0,
                yields: 0,
                yielded: 0,
                slot: None,
                contended: false,
                quick_yields: 0,
                parked_at: None,
                slot_ended: 0,
            };
            let (pause, yields) = BUDGET
                .try_with(|b| {
                    let mut v = b.get();
                    if v.pause == 0 {
                        // Every PROBE_EVERY-th wait tries the shortest pause phase:
                        // whether the peer is on another core now.
                        v.probe = v.probe.wrapping_add(1);
                        b.set(v);
                        if v.probe % PROBE_EVERY == 0 {
                            v.pause = MIN_SHIFT;
                        }
                    }
                    (v.pause, v.yields)
                })
                .unwrap_or((MIN_SHIFT, MIN_YIELD_SHIFT));
            if in_calm() {
                // Busy processes hold the cores: park at once. A yield would hand the
                // core to one of them for a time slice, and pauses spend this
                // process's share of the cores, which the scheduler takes back later
                // by running the busy processes for whole slices while a thread of
                // this process that could run waits (benches/results/
                // analysis-blocking.md, section 12).
                return spin;
            }
            spin.yields = 1 << yields;
            if cpus < 2 || pause == 0 {
                // Pausing is useless when the peer cannot run meanwhile (one CPU), or
                // when it has lately been waiting for this very core.
                return spin;
            }
            spin.left = 1 << MIN_SHIFT;
            if pause > MIN_SHIFT {
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
                            spin.left = 1 << pause;
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
                self.yielded += 1;
                let t = Instant::now();
                let ended = ENDED.load(Ordering::Relaxed);
                std::thread::yield_now();
                let took = t.elapsed();
                if took > SLOW_YIELD && !own_turns(ended, took) {
                    // Yield no more in this wait (another slow one would cost a
                    // time slice again); the process calms down if this thread's
                    // recent yields were mostly slow.
                    self.kept_off_core();
                } else {
                    note_yield(false);
                    if took < QUICK_YIELD {
                        self.quick_yields += 1;
                    }
                }
                return true;
            }
            self.left -= 1;
            self.paused += 1;
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
                    self.kept_off_core();
                }
            }
        }

        /// A yield or the pause phase kept the thread off its core for a time slice:
        /// no more yields in this wait, and the cores are contended if this thread's
        /// recent yields were mostly like that.
        fn kept_off_core(&mut self) {
            self.yields = 0;
            if note_yield(true) {
                self.contended = true;
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

        /// How the wait ended, for [`learn`].
        fn ending(&self) -> Ending {
            match self.parked_at {
                Some(t) => Ending::Parked(t.elapsed()),
                None if self.yielded == 0 && self.paused > 0 => Ending::Paused,
                None if self.yielded == 1 && self.paused > 0 => Ending::FirstYield,
                None => Ending::Other,
            }
        }
    }

    impl Drop for Spin {
        /// Learns from the wait (see [`learn`]).
        fn drop(&mut self) {
            self.release();
            if self.yielded > 0 || self.parked_at.is_some() {
                ENDED.fetch_add(1, Ordering::Relaxed);
            }
            if self.contended {
                // Another thread wanted this core: no long pause phases, and no
                // yields for a while, in every thread.
                let _ = BUDGET.try_with(|b| {
                    let mut v = b.get();
                    v.pause = v.pause.min(MIN_SHIFT);
                    b.set(v);
                });
                CALM.start(now_ns());
                return;
            }
            if self.quick_yields > 0 {
                // The cores were free for this wait's yields.
                CALM.cores_free();
            }
            let ending = self.ending();
            if ending != Ending::Other {
                let cap = max_shift();
                let _ = BUDGET.try_with(|b| b.set(learn(b.get(), ending, cap)));
            }
        }
    }

    /// How a wait ended, as far as its budget is concerned.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Ending {
        /// Caught the peer while pausing: the peer runs on another core.
        Paused,
        /// Caught the peer on its first yield, after pausing in vain: the peer was
        /// most likely waiting for this very core (two threads of a process sharing
        /// one core, as beside a build that holds the other), and every pause only
        /// delayed it.
        FirstYield,
        /// Parked, and was woken this long after parking.
        Parked(Duration),
        /// Anything else (no pauses, or caught after several yields): says nothing.
        Other,
    }

    /// The next budget, pauses at most `cap`, after a wait that ended as `ending`.
    fn learn(b: Budget, ending: Ending, cap: u32) -> Budget {
        let mut b = b;
        match ending {
            Ending::Paused => b.pause = (b.pause + 1).clamp(MIN_SHIFT, cap),
            Ending::FirstYield => b.pause = 0,
            Ending::Parked(waited) if waited < SHORT => {
                // Spinning a little longer might have caught the peer.
                b.pause = (b.pause + 1).clamp(MIN_SHIFT, cap);
                b.yields = (b.yields + 1).min(MAX_YIELD_SHIFT);
            }
            Ending::Parked(_) => {
                // Not worth spinning: the peer had nothing to say for a while.
                b.pause = if b.pause > MIN_SHIFT + 1 {
                    b.pause - 2
                } else {
                    0
                };
                b.yields = b.yields.saturating_sub(2).max(MIN_YIELD_SHIFT);
            }
            Ending::Other => {}
        }
        b
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn budget(pause: u32, yields: u32) -> Budget {
            Budget {
                pause,
                yields,
                probe: 0,
            }
        }

        #[test]
        fn waits_caught_while_pausing_grow_the_pause_phase_up_to_the_cap() {
            let mut b = budget(0, MAX_YIELD_SHIFT);
            b = learn(b, Ending::Paused, MAX_SHIFT);
            assert_eq!(b.pause, MIN_SHIFT, "from none to the shortest");
            for _ in 0..20 {
                b = learn(b, Ending::Paused, MAX_SHIFT);
            }
            assert_eq!(b.pause, MAX_SHIFT);
            // A lower cap (a CPU with slow pauses) is never passed.
            for _ in 0..20 {
                b = learn(b, Ending::Paused, 8);
            }
            assert_eq!(b.pause, 8);
            assert_eq!(b.yields, MAX_YIELD_SHIFT, "pauses say nothing about yields");
        }

        #[test]
        fn a_wait_caught_on_its_first_yield_after_pausing_drops_the_pauses() {
            let b = learn(budget(9, 5), Ending::FirstYield, MAX_SHIFT);
            assert_eq!(b, budget(0, 5));
            // Caught after several yields, or without pausing: nothing learnt.
            assert_eq!(learn(budget(9, 5), Ending::Other, MAX_SHIFT), budget(9, 5));
        }

        #[test]
        fn short_parked_waits_grow_the_budget_long_ones_shrink_it_to_none() {
            let mut b = budget(0, MIN_YIELD_SHIFT);
            for _ in 0..20 {
                b = learn(b, Ending::Parked(Duration::from_micros(50)), 9);
            }
            assert_eq!(b, budget(9, MAX_YIELD_SHIFT));
            b = learn(b, Ending::Parked(Duration::from_millis(5)), 9);
            assert_eq!(b, budget(7, MAX_YIELD_SHIFT - 2));
            for _ in 0..20 {
                b = learn(b, Ending::Parked(Duration::from_secs(1)), 9);
            }
            // A thread whose peer is silent for long spins not at all and yields
            // only a few times.
            assert_eq!(b, budget(0, MIN_YIELD_SHIFT));
        }

        #[test]
        fn a_thread_without_pauses_probes_them_now_and_then() {
            std::thread::spawn(|| {
                if cpus() < 2 {
                    return; // no pauses on one CPU
                }
                BUDGET.with(|b| b.set(budget(0, MAX_YIELD_SHIFT)));
                let mut probes = 0;
                for _ in 0..4 * PROBE_EVERY {
                    let spin = Spin::new();
                    if in_calm() {
                        return; // another test's calm period: the budget is not the learnt one
                    }
                    assert_eq!(spin.yields, 1 << MAX_YIELD_SHIFT);
                    match spin.left {
                        0 => {}
                        n => {
                            assert_eq!(n, 1 << MIN_SHIFT);
                            probes += 1;
                        }
                    }
                    // Ended without spinning: nothing learnt.
                    drop(spin);
                }
                assert_eq!(probes, 4);
            })
            .join()
            .unwrap();
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
                BUDGET.with(|b| b.set(budget(MAX_SHIFT, MAX_YIELD_SHIFT)));
                let mut spin = Spin::new();
                // Pretend it parked 10 ms ago and was woken now.
                spin.parked_at = Instant::now().checked_sub(Duration::from_millis(10));
                let parked = spin.parked_at.is_some();
                drop(spin);
                let lowered = budget(MAX_SHIFT - 2, MAX_YIELD_SHIFT - 2);
                if parked {
                    assert_eq!(BUDGET.with(|b| b.get()), lowered);
                }
                // A wait that ended before it spun teaches nothing.
                drop(Spin::new());
                if parked {
                    assert_eq!(BUDGET.with(|b| b.get()), lowered);
                }
            })
            .join()
            .unwrap();
        }

        #[test]
        fn contended_cores_start_a_calm_period_for_every_thread() {
            std::thread::spawn(|| {
                BUDGET.with(|b| b.set(budget(MAX_SHIFT, MAX_YIELD_SHIFT)));
                let mut spin = Spin::new();
                spin.contended = true;
                drop(spin);
                assert_eq!(BUDGET.with(|b| b.get().pause), MIN_SHIFT);
                // (Other tests of this binary may start or end calm periods too, but
                // none ends one early: it lasts at least `CALM_BASE` from here.)
                assert!(in_calm());
            })
            .join()
            .unwrap();
            // During the calm period even a thread that learnt a large budget, and a
            // thread that never waited before, neither pause nor yield: they park.
            for learnt in [MAX_SHIFT, MIN_SHIFT, 0] {
                std::thread::spawn(move || {
                    BUDGET.with(|b| b.set(budget(learnt, MAX_YIELD_SHIFT)));
                    if in_calm() {
                        let spin = Spin::new();
                        assert_eq!(spin.yields, 0);
                        assert!(spin.slot.is_none());
                        assert_eq!(spin.left, 0, "nor pause");
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
            // Every wait that yielded counts.
            let before = ENDED.load(Ordering::Relaxed);
            std::thread::spawn(|| {
                let mut spin = Spin::new();
                spin.yielded = 1;
                drop(spin);
            })
            .join()
            .unwrap();
            assert!(ENDED.load(Ordering::Relaxed).wrapping_sub(before) >= 1);
        }

        #[test]
        fn the_budget_is_bounded_and_spent() {
            std::thread::spawn(|| {
                BUDGET.with(|b| b.set(budget(MAX_SHIFT, MAX_YIELD_SHIFT)));
                let mut spin = Spin::new();
                let mut steps = 0u32;
                while spin.spin() {
                    steps += 1;
                    assert!(steps <= (1 << MAX_SHIFT) + (1 << MAX_YIELD_SHIFT));
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
