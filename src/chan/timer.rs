//! Timer receivers: [`after`], [`at`] and [`tick`] (Go's `time.After`, a timer's
//! channel, and `time.Tick`), and the handles with `stop` / `reset`: [`Timer`],
//! [`Ticker`] and [`after_func`] (Go's `time.Timer`, `time.Ticker`, `time.AfterFunc`).
//!
//! | Go | gosync |
//! |----|--------|
//! | `<-time.After(d)` | `chan::after(d).recv()` |
//! | `time.Tick(d)` | `chan::tick(d)` |
//! | `t := time.NewTimer(d)`; `<-t.C` | `let t = Timer::new(d);` `t.receiver().recv()` |
//! | `t.Stop()`, `t.Reset(d)` | `t.stop()`, `t.reset(d)` (same results, Go 1.23 semantics) |
//! | `tk := time.NewTicker(d)`; `tk.Stop()`, `tk.Reset(d)` | `Ticker::new(d)`; `tk.stop()`, `tk.reset(d)` |
//! | `time.AfterFunc(d, f)` | `after_func(d, f)` |
//!
//! No background thread: a timer is a deadline, not a queue. Whoever receives from it
//! (a blocking `recv`, a `try_recv`, or a select) compares the deadline with the clock
//! and, once it has passed, takes the value with one atomic step, so that of several
//! clones of one timer receiver only one gets each value. A blocked receiver sleeps
//! until the deadline; a select parks with the earliest timer deadline of its cases as
//! its wake-up time (see `crate::select`). Because the value is made at the moment of
//! the receive, a `stop` or `reset` simply changes the schedule, and no value of the
//! old one can be received afterwards (Go 1.23's guarantee, with nothing to drain).
//! A `reset` wakes the threads blocked in a receive on that timer, so they sleep
//! towards the new schedule.
//!
//! The value received is the instant the timer was due (not the later instant at which
//! it happened to be read).
//!
//! [`after_func`] timers have a function instead of values. With the `async` feature
//! the process's one timer thread (`park::timers`) wakes a waker at the deadline that
//! claims the function under the timer's lock (so `stop` and the firing agree on who
//! won) and starts a thread to run it; no thread waits for a pending timer.

use super::error::RecvTimeoutError;
use super::{Receiver, RecvFlavor};
use crate::facade::{thread, Arc, AtomicBool, Mutex, Ordering};
use crate::park::Block;
use std::fmt;
use std::time::{Duration, Instant};

/// A timer's state, shared by every clone of its receiver.
pub(crate) struct TimerState {
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
    /// [`Timer`] / [`Ticker`]: a schedule that `stop` and `reset` change. A small lock
    /// guards it (never held across a wait).
    Resettable(Mutex<Sched>),
}

/// A [`Timer`]'s or [`Ticker`]'s schedule (under its lock).
#[derive(Debug)]
struct Sched {
    /// When the next value is due.
    next: Next,
    /// A ticker's period (`None`: a one-shot timer).
    period: Option<Duration>,
    /// Threads blocked in a receive on this timer: `reset` wakes them, so that they
    /// sleep towards the new schedule.
    sleepers: Vec<thread::Thread>,
    /// Tasks whose receive futures wait on this timer: `reset` wakes them too (the
    /// timer thread only knows the deadline they saw). At most [`MAX_WATCHERS`]
    /// (one per task).
    #[cfg(feature = "async")]
    tasks: Vec<std::task::Waker>,
}

/// The most task wakers a resettable timer keeps for `reset`; past it, they are all
/// woken (they register again if they still wait), so that a long-lived timer polled
/// by ever new tasks does not grow.
#[cfg(feature = "async")]
const MAX_WATCHERS: usize = 32;

/// When a resettable timer fires next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// Stopped, or a one-shot timer whose value was taken (or whose function ran).
    Off,
    /// Armed: due at this instant.
    At(Instant),
    /// Armed, but so far away that an `Instant` cannot hold it: never due, yet active
    /// (`stop` reports that it stopped it).
    Never,
}

impl Next {
    /// Armed for `d` from now.
    fn after(d: Duration) -> Next {
        match Instant::now().checked_add(d) {
            Some(t) => Next::At(t),
            None => Next::Never,
        }
    }
}

impl Sched {
    /// Takes the value due now, if any, moving the schedule on.
    fn try_fire(&mut self) -> Option<Instant> {
        let Next::At(due) = self.next else {
            return None;
        };
        if !crate::facade::expired(due) {
            return None;
        }
        self.next = match self.period {
            Some(p) => next_tick(due, p, Instant::now()).map_or(Next::Never, Next::At),
            None => Next::Off,
        };
        Some(due)
    }

    /// Sets a new schedule; returns whether the old one was still active, and the
    /// blocked receivers to wake (after unlocking).
    fn rearm(&mut self, next: Next) -> (bool, Wakeups) {
        let was = self.next != Next::Off;
        self.next = next;
        let wakeups = Wakeups {
            threads: std::mem::take(&mut self.sleepers),
            #[cfg(feature = "async")]
            tasks: std::mem::take(&mut self.tasks),
        };
        (was, wakeups)
    }
}

/// The receivers a `reset` wakes, after unlocking.
struct Wakeups {
    threads: Vec<thread::Thread>,
    #[cfg(feature = "async")]
    tasks: Vec<std::task::Waker>,
}

impl Wakeups {
    fn wake(self) {
        for t in self.threads {
            t.unpark();
        }
        #[cfg(feature = "async")]
        for w in self.tasks {
            w.wake();
        }
    }
}

impl fmt::Debug for TimerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Once { when, fired } => f
                .debug_struct("Timer")
                .field("when", when)
                .field("fired", &fired.load(Ordering::Relaxed))
                .finish(),
            Kind::Tick { period, .. } => f.debug_struct("Ticker").field("period", period).finish(),
            Kind::Resettable(sched) => {
                let s = sched.lock();
                f.debug_struct("Timer")
                    .field("next", &s.next)
                    .field("period", &s.period)
                    .finish()
            }
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

impl TimerState {
    /// A timer that fires once at `when` (`None`: never).
    pub(crate) fn once(when: Option<Instant>) -> Self {
        TimerState {
            kind: Kind::Once {
                when,
                fired: AtomicBool::new(false),
            },
        }
    }

    /// A ticker whose first value is due one `period` from now.
    pub(crate) fn tick(period: Duration) -> Self {
        TimerState {
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
            Kind::Resettable(sched) => match sched.lock().next {
                Next::At(t) => Some(t),
                Next::Off | Next::Never => None,
            },
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
            Kind::Resettable(sched) => sched.lock().try_fire(),
        }
    }

    /// A resettable timer (or ticker, with a period) armed as `next` says.
    fn resettable(next: Next, period: Option<Duration>) -> Self {
        TimerState {
            kind: Kind::Resettable(Mutex::new(Sched {
                next,
                period,
                sleepers: Vec::new(),
                #[cfg(feature = "async")]
                tasks: Vec::new(),
            })),
        }
    }

    /// The schedule of a resettable timer.
    fn sched(&self) -> &Mutex<Sched> {
        match &self.kind {
            Kind::Resettable(s) => s,
            _ => unreachable!("bug: stop or reset of an `after`/`at`/`tick` receiver"),
        }
    }

    /// Sets a resettable timer's schedule and wakes its blocked receivers; returns
    /// whether the old schedule was still active (Go's `Stop`/`Reset` result).
    fn rearm(&self, next: Next, period: Option<Duration>) -> bool {
        let (was, wakeups) = {
            let mut s = self.sched().lock();
            if period.is_some() {
                s.period = period;
            }
            s.rearm(next)
        };
        wakeups.wake();
        was
    }

    /// For an async receive of a resettable timer: notes the task, so that a `reset`
    /// wakes it. Called before the poll looks at the schedule, so that a reset after
    /// that look is never missed. Other timers have a fixed schedule.
    #[cfg(feature = "async")]
    pub(crate) fn watch(&self, waker: &std::task::Waker) {
        let Kind::Resettable(sched) = &self.kind else {
            return;
        };
        let mut s = sched.lock();
        if s.tasks.iter().any(|w| w.will_wake(waker)) {
            return;
        }
        let overflow = if s.tasks.len() >= MAX_WATCHERS {
            std::mem::take(&mut s.tasks)
        } else {
            Vec::new()
        };
        s.tasks.push(waker.clone());
        drop(s);
        for w in overflow {
            w.wake();
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
        let r = self.recv_loop(block);
        self.wake_here();
        r
    }

    fn recv_loop(&self, block: Block) -> Result<Instant, RecvTimeoutError> {
        loop {
            if block != Block::No {
                // Before looking at the schedule: a `reset` from now on wakes us, so
                // we never sleep towards a schedule it replaced.
                self.sleep_here();
            }
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

    /// For a resettable timer: notes the current thread as a blocked receiver, so
    /// that a `reset` wakes it. Other timers have a fixed schedule.
    fn sleep_here(&self) {
        if let Kind::Resettable(sched) = &self.kind {
            let me = thread::current();
            let mut s = sched.lock();
            if !s.sleepers.iter().any(|t| t.id() == me.id()) {
                s.sleepers.push(me);
            }
        }
    }

    /// Undoes [`sleep_here`](Self::sleep_here), unless a `reset` took us out already.
    fn wake_here(&self) {
        if let Kind::Resettable(sched) = &self.kind {
            let me = thread::current().id();
            sched.lock().sleepers.retain(|t| t.id() != me);
        }
    }
}

fn timer_receiver(timer: TimerState) -> Receiver<Instant> {
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
    timer_receiver(TimerState::once(Instant::now().checked_add(d)))
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
    timer_receiver(TimerState::once(Some(when)))
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
    timer_receiver(TimerState::tick(d))
}

/// A timer with [`stop`](Timer::stop) and [`reset`](Timer::reset) (Go's
/// `time.Timer`, with Go 1.23's semantics): its [`receiver`](Timer::receiver) yields
/// one value, the instant it was due, once the timer's time has come.
///
/// The value is made when a receiver takes it, not when the time comes, so after
/// `stop` or `reset` returns no value of the old schedule is ever received (the
/// channel behaves as unbuffered: nothing to drain). Like [`after`], it needs no
/// background thread, and a timer nobody holds any more is simply freed.
///
/// ```
/// use gosync::chan::Timer;
/// use std::time::Duration;
///
/// let t = Timer::new(Duration::from_millis(1)); // Go: t := time.NewTimer(d)
/// t.receiver().recv().unwrap();                 // Go: <-t.C
/// assert!(!t.stop(), "it had fired: nothing to stop");
/// assert!(!t.reset(Duration::from_secs(3600))); // Go: t.Reset(d) — re-armed
/// assert!(t.stop(), "stopped the re-armed timer");
/// assert!(t.receiver().try_recv().is_err());    // and nothing is left to receive
/// ```
///
/// # Differences from Go
/// - A [`select!`](crate::select!) or [`Select`](crate::Select) (blocking or async)
///   that is already waiting on [`receiver`](Timer::receiver) when *another* thread
///   resets the timer to an earlier time, or re-arms it after a stop, wakes at the
///   time it saw when it started waiting (for a re-armed stopped timer: when another
///   case wakes it). A blocking `recv` / `recv_timeout` and an async `recv_async` /
///   stream follow every reset at once, and so does a select loop in the thread that
///   calls `reset` (the usual Go pattern: the loop that selects on the timer also
///   resets it).
/// - An [`after_func`] timer runs `f` once at most: `reset` after `f` has started does
///   not run it again (Go's `f` is a `func()` that may run once per reset).
pub struct Timer {
    /// The schedule (shared with the receiver, for a channel timer).
    state: Arc<TimerState>,
    /// `never()` for an [`after_func`] timer (Go: its `C` is nil).
    rx: Receiver<Instant>,
    /// The function of an [`after_func`] timer.
    func: Option<func::FuncTimer>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.func {
            Some(func) => func.fmt(f),
            None => self.state.fmt(f),
        }
    }
}

impl Timer {
    /// A timer that yields one value `d` from now (Go's `time.NewTimer`). A duration
    /// too long to represent never fires (but counts as active for `stop`).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let start = Instant::now();
    /// let t = gosync::chan::Timer::new(Duration::from_millis(2));
    /// let due = t.receiver().recv().unwrap();
    /// assert!(due >= start + Duration::from_millis(2));
    /// ```
    pub fn new(d: Duration) -> Timer {
        Self::armed(Next::after(d))
    }

    /// A timer that yields one value at `when` (at once if it has passed).
    ///
    /// ```
    /// use std::time::Instant;
    /// let when = Instant::now();
    /// let t = gosync::chan::Timer::at(when);
    /// assert_eq!(t.receiver().recv(), Ok(when));
    /// ```
    pub fn at(when: Instant) -> Timer {
        Self::armed(Next::At(when))
    }

    fn armed(next: Next) -> Timer {
        let state = Arc::new(TimerState::resettable(next, None));
        let rx = Receiver {
            flavor: RecvFlavor::Timer(state.clone(), std::convert::identity),
        };
        Timer {
            state,
            rx,
            func: None,
        }
    }

    /// The timer's channel (Go's `t.C`): receive from it, alone or in a
    /// [`select!`](crate::select!). Clones of it share the timer's one value. For an
    /// [`after_func`] timer it is never ready (Go's nil `C`).
    ///
    /// ```
    /// use gosync::{chan::Timer, select};
    /// use std::time::Duration;
    /// let t = Timer::new(Duration::from_millis(1));
    /// select! {
    ///     recv(t.receiver()) -> due => assert!(due.is_ok()),
    /// }
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the timer. Returns `true` if it was active — armed, with its value not
    /// yet received (or its function not yet started) — and `false` if it had fired or
    /// was stopped already (Go's `Stop`). Once it returns, no value of the stopped
    /// schedule can be received, and an [`after_func`] function that had not started
    /// never will.
    ///
    /// ```
    /// use gosync::chan::Timer;
    /// use std::time::Duration;
    /// let t = Timer::new(Duration::ZERO);
    /// assert!(t.stop(), "due but not received: still active");
    /// assert!(t.receiver().try_recv().is_err(), "no stale value after stop");
    /// assert!(!t.stop());
    /// ```
    pub fn stop(&self) -> bool {
        match &self.func {
            Some(func) => func.set(Next::Off).0,
            None => self.state.rearm(Next::Off, None),
        }
    }

    /// Re-arms the timer to fire `d` from now, whatever its state. Returns `true` if
    /// it was active (as [`stop`](Self::stop) would have said). Once it returns, no
    /// value of the old schedule can be received.
    ///
    /// For an [`after_func`] timer whose function has started, it arms nothing and
    /// returns `false`: the function runs once at most.
    ///
    /// ```
    /// use gosync::chan::Timer;
    /// use std::time::{Duration, Instant};
    /// let t = Timer::new(Duration::from_secs(3600));
    /// let start = Instant::now();
    /// assert!(t.reset(Duration::from_millis(1)), "it was active");
    /// let due = t.receiver().recv().unwrap();
    /// assert!(due >= start + Duration::from_millis(1));
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        match &self.func {
            Some(func) => func.set(Next::after(d)).0,
            None => self.state.rearm(Next::after(d), None),
        }
    }
}

/// A ticker (Go's `time.Ticker`): its [`receiver`](Ticker::receiver) yields a value
/// every period, the instant each tick was due. Ticks that a slow receiver misses are
/// dropped. Go 1.23's semantics: after [`stop`](Ticker::stop) or
/// [`reset`](Ticker::reset) returns, no tick of the old schedule is received. No
/// background thread.
///
/// ```
/// use gosync::chan::Ticker;
/// use std::time::Duration;
///
/// let ticker = Ticker::new(Duration::from_millis(1)); // Go: time.NewTicker(d)
/// for _ in 0..3 {
///     ticker.receiver().recv().unwrap();              // Go: <-ticker.C
/// }
/// ticker.stop();                                      // Go: ticker.Stop()
/// assert!(ticker.receiver().recv_timeout(Duration::from_millis(5)).is_err());
/// ```
///
/// The [`Timer`] differences from Go about waits already parked in a `select!` apply
/// to tickers too.
pub struct Ticker {
    state: Arc<TimerState>,
    rx: Receiver<Instant>,
}

impl fmt::Debug for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.state.fmt(f)
    }
}

#[track_caller]
fn check_period(d: Duration, what: &str) {
    assert!(
        !d.is_zero(),
        "gosync: non-positive interval for {what} (a zero period would tick without end)"
    );
}

impl Ticker {
    /// A ticker whose first tick is due one `period` from now.
    ///
    /// # Panics
    /// If `period` is zero, as Go's `NewTicker` does for a non-positive interval.
    ///
    /// ```
    /// let t = gosync::chan::Ticker::new(std::time::Duration::from_millis(1));
    /// assert!(t.receiver().recv().is_ok());
    /// ```
    #[track_caller]
    pub fn new(period: Duration) -> Ticker {
        check_period(period, "Ticker::new");
        let state = Arc::new(TimerState::resettable(Next::after(period), Some(period)));
        let rx = Receiver {
            flavor: RecvFlavor::Timer(state.clone(), std::convert::identity),
        };
        Ticker { state, rx }
    }

    /// The ticker's channel (Go's `ticker.C`).
    ///
    /// ```
    /// use gosync::{chan::Ticker, select};
    /// let t = Ticker::new(std::time::Duration::from_millis(1));
    /// select! {
    ///     recv(t.receiver()) -> tick => assert!(tick.is_ok()),
    /// }
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the ticker: no more ticks, and none of the old schedule is received
    /// after this returns. [`reset`](Self::reset) starts it again.
    ///
    /// ```
    /// let t = gosync::chan::Ticker::new(std::time::Duration::from_millis(1));
    /// t.stop();
    /// assert!(t.receiver().try_recv().is_err());
    /// ```
    pub fn stop(&self) {
        self.state.rearm(Next::Off, None);
    }

    /// Changes the period to `period` and restarts the schedule: the next tick is due
    /// one new period from now (also after a [`stop`](Self::stop)).
    ///
    /// # Panics
    /// If `period` is zero (Go's `Reset` panics on a non-positive interval).
    ///
    /// ```
    /// use gosync::chan::Ticker;
    /// use std::time::Duration;
    /// let t = Ticker::new(Duration::from_secs(3600));
    /// t.reset(Duration::from_millis(1));
    /// assert!(t.receiver().recv().is_ok());
    /// ```
    #[track_caller]
    pub fn reset(&self, period: Duration) {
        check_period(period, "Ticker::reset");
        self.state.rearm(Next::after(period), Some(period));
    }
}

/// Runs `f` on a thread of its own once `d` has passed (Go's `time.AfterFunc`), unless
/// the returned timer is stopped first: [`Timer::stop`] returns `true` when it
/// prevented `f` from running. The timer's receiver is never ready.
///
/// Dropping the returned [`Timer`] does not stop it (as in Go). With the `async`
/// feature, a pending timer costs no thread: the process's one timer thread (the one
/// that wakes async timer waits) starts `f`'s thread when the time comes. Without
/// it, each pending timer has a sleeping thread. A panic in `f` ends `f`'s thread
/// only.
///
/// ```
/// use gosync::chan;
/// use std::time::Duration;
///
/// let (tx, rx) = chan::bounded(1);
/// let _t = chan::after_func(Duration::from_millis(1), move || tx.send("ran").unwrap());
/// assert_eq!(rx.recv(), Ok("ran"));
///
/// let never = chan::after_func(Duration::from_secs(3600), || unreachable!());
/// assert!(never.stop(), "stopped before it ran");
/// ```
pub fn after_func(d: Duration, f: impl FnOnce() + Send + 'static) -> Timer {
    let func = func::FuncTimer::new(Box::new(f));
    func.set(Next::after(d));
    Timer {
        // Only for `Debug`: the schedule lives in `func`.
        state: Arc::new(TimerState::once(None)),
        rx: super::never(),
        func: Some(func),
    }
}

/// The machinery of [`after_func`].
mod func;

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
        let t = TimerState::once(Some(Instant::now()));
        assert_eq!(t.len(), 1);
        assert!(t.try_fire().is_some());
        assert!(t.try_fire().is_none());
        assert_eq!(t.deadline(), None);
        assert_eq!(t.len(), 0);
        let never = TimerState::once(None);
        assert!(never.try_fire().is_none());
        assert_eq!(never.recv(Block::No), Err(RecvTimeoutError::Timeout));
    }
}
