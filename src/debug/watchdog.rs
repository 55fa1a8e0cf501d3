//! The deadlock watchdog: a thread that looks at the parked operations every
//! `interval` and reports what it can prove.
//!
//! # The all-asleep rule, and why it never fires by mistake
//!
//! One check takes two snapshots of the parked records and counts the threads of the
//! process (`/proc/self/task`) in between. A thread counts as asleep only if both
//! snapshots saw the *same* park of it (same generation) unclaimed by any waker and
//! with no deadline. A claim is final and a park's record is withdrawn only by its own
//! thread after it wakes, so such a thread was parked and unclaimed during the whole
//! time between the two snapshots, and in particular when the threads were counted.
//! If every thread but the watchdog was asleep at that moment, nobody was left to wake
//! anyone: the process is deadlocked (Go's `checkdead`). A thread that blocks outside
//! gosync (a `join`, a socket, a sleep) is not asleep by this rule, so it always keeps
//! the rule from firing; where that leaves every gosync thread parked, the watchdog
//! only warns.

use super::{plural, write_dump, BlockedOp};
use crate::facade::thread;
use crate::park::record::{self, Parked};
use std::fmt;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Callback = Arc<dyn Fn(&DeadlockReport) + Send + Sync + 'static>;

/// What a [`DeadlockReport`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportKind {
    /// Every thread of the process is parked in gosync with no deadline (Go's
    /// `all goroutines are asleep - deadlock!`). A deadlock: the default action aborts.
    AllAsleep,
    /// Operations parked longer than `stuck_after` with no deadline. A warning.
    Stuck,
    /// A cycle of threads each parked on a `Mutex`/`RwMutex` (write side) that the next
    /// one holds (the circular wait). A deadlock: the default action aborts. Needs the
    /// `deadlock-detection` feature (without it no lock records its holder).
    LockCycle,
    /// Every thread that uses gosync is parked with no deadline, while other threads of
    /// the process block elsewhere (a `join`, a socket) and might still wake them.
    /// A warning.
    GosyncAsleep,
}

/// What the watchdog found: the reason line and the parked operations.
///
/// `Display` prints the reason line, a blank line and the [`dump`](super::dump).
///
/// ```
/// use gosync::debug::{self, ReportKind};
///
/// let _wd = debug::watchdog()
///     .on_deadlock(|report| {
///         assert_eq!(report.kind(), ReportKind::AllAsleep);
///         eprintln!("{report}");
///         std::process::exit(2);
///     })
///     .start();
/// ```
#[derive(Clone, Debug)]
pub struct DeadlockReport {
    kind: ReportKind,
    reason: String,
    ops: Vec<BlockedOp>,
}

impl DeadlockReport {
    /// What kind of report this is.
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().on_deadlock(|r| println!("{:?}", r.kind())).start();
    /// ```
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    /// Whether it reports a deadlock (rather than a warning).
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().on_warning(|r| assert!(!r.is_deadlock())).start();
    /// ```
    pub fn is_deadlock(&self) -> bool {
        matches!(self.kind, ReportKind::AllAsleep | ReportKind::LockCycle)
    }

    /// The reason line (`gosync: all threads are asleep - deadlock!`); for a lock
    /// cycle, `gosync: lock cycle - deadlock!` and one line per thread of the cycle.
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().on_deadlock(|r| eprintln!("{}", r.reason())).start();
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The operations it is about (for a lock cycle: the cycle's, in its order).
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog()
    ///     .on_deadlock(|r| eprintln!("{} parked", r.blocked().len()))
    ///     .start();
    /// ```
    pub fn blocked(&self) -> &[BlockedOp] {
        &self.ops
    }
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut dump = String::new();
        write_dump(&mut dump, &self.ops);
        write!(f, "{}\n\n{}", self.reason, dump)
    }
}

/// A watchdog to configure and [`start`](Watchdog::start) (see [`watchdog`]).
#[must_use = "a watchdog does nothing until started"]
pub struct Watchdog {
    stuck_after: Option<Duration>,
    interval: Duration,
    on_deadlock: Option<Callback>,
    on_warning: Option<Callback>,
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("stuck_after", &self.stuck_after)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// A deadlock watchdog, off until started. What it reports, from the most certain
/// down:
///
/// - every thread of the process parked in gosync with no deadline (so no timer is
///   pending either): `gosync: all threads are asleep - deadlock!` and the dump, then
///   its action ([`on_deadlock`](Watchdog::on_deadlock); by default: print to stderr
///   and abort, as Go does). Linux only (it counts the process's threads in
///   `/proc/self/task`).
/// - with the `deadlock-detection` feature, a cycle of threads each parked on a
///   `Mutex`/`RwMutex` (write side) that the next one holds, even while other threads
///   run: `gosync: lock cycle - deadlock!`, the cycle and its threads' dump, then the
///   same action (see [the module docs](crate::debug#lock-cycles-the-deadlock-detection-feature)).
/// - warnings, once per episode and never an abort, through
///   [`on_warning`](Watchdog::on_warning) (by default printed to stderr): operations
///   parked longer than [`stuck_after`](Watchdog::stuck_after) with no deadline, and
///   every thread that uses gosync parked (for `stuck_after`, or 1 s if unset) while
///   other threads block outside gosync, since those might still wake them.
///
/// ```no_run
/// use gosync::chan;
/// use std::time::Duration;
///
/// let _watchdog = gosync::debug::watchdog()
///     .stuck_after(Duration::from_secs(30))
///     .start();
/// let (tx, _rx) = chan::bounded::<u32>(0);
/// tx.send(1).unwrap(); // nobody receives: "gosync: all threads are asleep - deadlock!"
/// ```
pub fn watchdog() -> Watchdog {
    Watchdog {
        stuck_after: None,
        interval: Duration::from_millis(100),
        on_deadlock: None,
        on_warning: None,
    }
}

impl Watchdog {
    /// Warns about operations parked longer than `d` with no deadline (once each).
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().stuck_after(std::time::Duration::from_secs(10)).start();
    /// ```
    pub fn stuck_after(mut self, d: Duration) -> Self {
        self.stuck_after = Some(d);
        self
    }

    /// How often the watchdog looks (default 100 ms). A deadlock is reported within
    /// about one interval.
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().interval(std::time::Duration::from_millis(10)).start();
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        assert!(!d.is_zero(), "gosync: watchdog interval must not be zero");
        self.interval = d;
        self
    }

    /// Replaces the default action on a deadlock (print to stderr, then abort). It runs
    /// on the watchdog's thread, once per deadlock.
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog()
    ///     .on_deadlock(|report| {
    ///         eprintln!("{report}");
    ///         std::process::exit(1);
    ///     })
    ///     .start();
    /// ```
    pub fn on_deadlock(mut self, f: impl Fn(&DeadlockReport) + Send + Sync + 'static) -> Self {
        self.on_deadlock = Some(Arc::new(f));
        self
    }

    /// Replaces the default action on a warning (print to stderr).
    ///
    /// ```
    /// let _wd = gosync::debug::watchdog().on_warning(|report| log_it(report)).start();
    /// fn log_it(r: &gosync::debug::DeadlockReport) { eprintln!("{r}") }
    /// ```
    pub fn on_warning(mut self, f: impl Fn(&DeadlockReport) + Send + Sync + 'static) -> Self {
        self.on_warning = Some(Arc::new(f));
        self
    }

    /// Starts the watchdog's thread; dropping the handle stops it.
    ///
    /// ```
    /// let handle = gosync::debug::watchdog().start();
    /// drop(handle); // stopped
    /// ```
    pub fn start(self) -> WatchdogHandle {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("gosync-watchdog".into())
            .spawn(move || {
                let mut state = State::default();
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(self.interval)
                {
                    self.check(&mut state);
                }
            })
            .expect("gosync: failed to spawn the watchdog thread");
        WatchdogHandle {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn check(&self, state: &mut State) {
        let (asleep, threads, live) = stable_asleep();
        let forever: Vec<&Parked> = asleep.iter().filter(|p| p.deadline.is_none()).collect();
        let ops = |ps: &[&Parked]| -> Vec<BlockedOp> {
            let mut v: Vec<BlockedOp> = ps
                .iter()
                .map(|p| BlockedOp::from_parked((*p).clone()))
                .collect();
            v.sort_by_key(|op| op.since);
            v
        };

        // Go's rule: every thread but this one asleep, none with a deadline.
        if let Some(n) = threads {
            if n >= 2 && forever.len() == n - 1 {
                let key: Vec<Episode> = forever.iter().map(|p| episode(p)).collect();
                if state.deadlock != key {
                    state.deadlock = key;
                    let report = DeadlockReport {
                        kind: ReportKind::AllAsleep,
                        reason: "gosync: all threads are asleep - deadlock!".into(),
                        ops: ops(&forever),
                    };
                    self.deadlock(&report);
                }
                return;
            }
        }

        // Lock cycles, each once (no park names a holder without `deadlock-detection`).
        let cycles = lock_cycles(&asleep);
        state.cycles.retain(|k| cycles.iter().any(|c| c.0 == *k));
        for (key, members) in cycles {
            if state.cycles.contains(&key) {
                continue;
            }
            state.cycles.push(key);
            let ops: Vec<BlockedOp> = members
                .iter()
                .map(|&i| BlockedOp::from_parked(asleep[i].clone()))
                .collect();
            let mut reason = String::from("gosync: lock cycle - deadlock!");
            for (k, op) in ops.iter().enumerate() {
                let next = &ops[(k + 1) % ops.len()];
                let holder = if next.thread == op.thread {
                    "itself".to_owned()
                } else {
                    next.thread_title()
                };
                reason.push_str(&format!(
                    "\n    {} waits for {} held by {}",
                    op.thread_title(),
                    op.object_name(),
                    holder
                ));
            }
            self.deadlock(&DeadlockReport {
                kind: ReportKind::LockCycle,
                reason,
                ops,
            });
        }

        // Every thread that uses gosync asleep, others elsewhere: a warning.
        let grace = self.stuck_after.unwrap_or(Duration::from_secs(1));
        let now = Instant::now();
        if live > 0
            && forever.len() == live
            && forever.iter().all(|p| now.duration_since(p.since) >= grace)
        {
            let key: Vec<Episode> = forever.iter().map(|p| episode(p)).collect();
            if state.gosync_asleep != key {
                state.gosync_asleep = key;
                let others = threads.map(|n| n.saturating_sub(1 + live));
                let reason = match others {
                    Some(k) => format!(
                        "gosync: warning: all {} that use gosync are asleep; {} outside gosync might still wake them",
                        plural(live, "thread", "threads"),
                        plural(k, "other thread blocks", "other threads block"),
                    ),
                    None => format!(
                        "gosync: warning: all {} that use gosync are asleep",
                        plural(live, "thread", "threads"),
                    ),
                };
                self.warn(DeadlockReport {
                    kind: ReportKind::GosyncAsleep,
                    reason,
                    ops: ops(&forever),
                });
            }
        } else {
            state.gosync_asleep.clear();
        }

        // Stuck operations, each once.
        if let Some(d) = self.stuck_after {
            let stuck: Vec<&Parked> = forever
                .iter()
                .copied()
                .filter(|p| now.duration_since(p.since) >= d)
                .collect();
            state
                .stuck
                .retain(|k| stuck.iter().any(|p| episode(p) == *k));
            let new: Vec<&Parked> = stuck
                .iter()
                .copied()
                .filter(|p| !state.stuck.contains(&episode(p)))
                .collect();
            if !new.is_empty() {
                state.stuck.extend(new.iter().map(|p| episode(p)));
                self.warn(DeadlockReport {
                    kind: ReportKind::Stuck,
                    reason: format!(
                        "gosync: warning: {} parked for more than {:?}",
                        plural(new.len(), "operation", "operations"),
                        d
                    ),
                    ops: ops(&new),
                });
            }
        }
    }

    fn deadlock(&self, report: &DeadlockReport) {
        match &self.on_deadlock {
            Some(f) => f(report),
            None => {
                eprintln!("{report}");
                std::process::abort();
            }
        }
    }

    fn warn(&self, report: DeadlockReport) {
        match &self.on_warning {
            Some(f) => f(&report),
            None => eprintln!("{report}"),
        }
    }
}

/// One parked operation, across the re-parks of a spurious wake-up: the thread and
/// when the operation first parked.
type Episode = (thread::ThreadId, Instant);

fn episode(p: &Parked) -> Episode {
    (p.thread, p.since)
}

/// The parks that two snapshots in a row both saw unclaimed (the same park of each
/// thread: parked and unclaimed during the whole time between them), the number of
/// threads of the process counted in between, and how many live threads have records.
fn stable_asleep() -> (Vec<Parked>, Option<usize>, usize) {
    let (first, _) = record::snapshot();
    let threads = process_threads();
    let (second, live) = record::snapshot();
    let asleep = second
        .into_iter()
        .filter(|p| {
            p.unclaimed
                && first
                    .iter()
                    .any(|q| q.thread == p.thread && q.gen == p.gen && q.unclaimed)
        })
        .collect();
    (asleep, threads, live)
}

/// The wait-for cycles among `asleep` (parks that two snapshots in a row saw
/// unclaimed): each as its key (the members' episodes, from the lowest lock id) and the members'
/// indices in cycle order, each waiting for a lock the next one holds.
///
/// Why a cycle found here is a deadlock: a holder word names only a thread that wrote
/// its own id there after taking the lock, and that thread clears it before letting
/// the lock go. The holder word was read by the second snapshot, after the first one
/// saw the holder's park (under its record's lock, which orders the holder's earlier
/// writes before it) and before the second saw the same park again: so the holder was
/// parked, not running, the whole time, and the value read is its latest write — it
/// holds the lock. Each thread of the cycle holds a lock that another parked thread of
/// the cycle waits for, and only the holder can release it (guards are not `Send`): no
/// one of them can ever run again.
fn lock_cycles(asleep: &[Parked]) -> Vec<(Vec<Episode>, Vec<usize>)> {
    let owner: std::collections::HashMap<usize, usize> = asleep
        .iter()
        .enumerate()
        .filter(|(_, p)| p.lock_id != 0)
        .map(|(i, p)| (p.lock_id, i))
        .collect();
    let next = |i: usize| asleep[i].held_by.and_then(|h| owner.get(&h).copied());
    // Each park waits for at most one lock: follow the one edge out of each.
    let mut done = vec![false; asleep.len()];
    let mut cycles = Vec::new();
    for start in 0..asleep.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut i = start;
        while !done[i] {
            if let Some(pos) = path.iter().position(|&j| j == i) {
                let mut members = path[pos..].to_vec();
                // The same cycle found from another member: one rotation of it.
                let first = (0..members.len())
                    .min_by_key(|&k| asleep[members[k]].lock_id)
                    .unwrap_or(0);
                members.rotate_left(first);
                let key: Vec<Episode> = members.iter().map(|&j| episode(&asleep[j])).collect();
                cycles.push((key, members));
                break;
            }
            path.push(i);
            match next(i) {
                Some(j) => i = j,
                None => break,
            }
        }
        for j in path {
            done[j] = true;
        }
    }
    cycles
}

/// For the loom models: how many threads the all-asleep rule counts as asleep now
/// (parked with no deadline, unclaimed across two snapshots).
#[doc(hidden)]
pub fn __asleep_forever() -> usize {
    stable_asleep()
        .0
        .iter()
        .filter(|p| p.deadline.is_none())
        .count()
}

/// For the loom models: keep records in this (loom) build; off by default there.
#[cfg(gosync_loom)]
#[doc(hidden)]
pub fn __record_under_loom() {
    record::record_under_loom();
}

/// What the watchdog remembers between checks, so that each report is made once.
#[derive(Default)]
struct State {
    deadlock: Vec<Episode>,
    gosync_asleep: Vec<Episode>,
    stuck: Vec<Episode>,
    cycles: Vec<Vec<Episode>>,
}

/// The number of threads of this process, where the platform tells.
fn process_threads() -> Option<usize> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        std::fs::read_dir("/proc/self/task")
            .ok()
            .map(|d| d.filter(|e| e.is_ok()).count())
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        None
    }
}

/// A running watchdog; dropping it stops the watchdog (and waits for its thread).
///
/// ```
/// let handle = gosync::debug::watchdog().start();
/// drop(handle);
/// ```
#[derive(Debug)]
pub struct WatchdogHandle {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for WatchdogHandle {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            // A deadlock action that panicked has been reported already.
            let _ = t.join();
        }
    }
}
