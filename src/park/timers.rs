//! The one timer thread: it wakes async waits on timer receivers (`after`, `at`,
//! `tick`, `Timer`) and fires context deadlines and `after_func`s at their times.
//!
//! A blocked thread sleeps until its timer's deadline by itself, but a task cannot:
//! someone must wake it then. That someone is a single thread, shared by the whole
//! process, that sleeps until the earliest registered deadline and wakes the wakers
//! that came due (after releasing its lock). It is started lazily by a registration
//! that finds none running, and it exits once nothing has been registered for
//! [`IDLE_GRACE`] (a select loop that registers a timer every few hundred
//! milliseconds keeps one thread; a process that stops using async timers keeps
//! none, and Miri's end-of-program check finds no thread left behind). A waker that
//! panics in `wake()` does not end it: the other due wakers are woken all the same.
//!
//! Registrations are keyed by `(deadline, sequence number)` in an ordered map, so a
//! future that is dropped (or re-polled with a new waker) removes or replaces its
//! entry at once: a select loop that makes a new future on a far-off timer every
//! iteration keeps at most one entry per live future.
//!
//! # Exit versus registration
//!
//! The thread decides to exit under the [`TIMERS`] lock, from what it sees under
//! that lock — no entry, and none for the whole grace period — and in the same
//! critical section clears `worker`. A registration inserts its entry and reads
//! `worker` in one critical section of the same lock. So the two are ordered by the
//! lock: a registration that comes first leaves an entry the thread sees (so it does
//! not exit), and one that comes after finds `worker` empty and starts a new thread.
//! No registration can fall between the decision and the exit. A thread that wakes
//! to find itself no longer the `worker` (a [`stop_if_idle`] took it out) returns
//! without touching anything. Loom cannot model this thread (time does not pass
//! there; see below), so the argument above stands in for a model, and the decision
//! itself is the pure function [`next_step`], unit-tested on its own.
//!
//! Under loom there is no thread: time does not pass there, and a registration wakes
//! its waker at once ("the deadline may already have passed", as
//! `facade::expired` answers).

use std::fmt;
use std::task::Waker;
use std::time::{Duration, Instant};

#[cfg(not(gosync_loom))]
use crate::facade::{thread, Mutex};
#[cfg(not(gosync_loom))]
use std::collections::BTreeMap;

/// How long the timer thread stays after its last registration went, in case
/// another comes (restarting costs a thread spawn).
const IDLE_GRACE: Duration = Duration::from_secs(1);

/// The registered wakers and the timer thread, behind one lock (never held while
/// waking or parking; held while spawning the thread, which happens rarely).
#[cfg(not(gosync_loom))]
struct Timers {
    /// Wakers by `(deadline, sequence)`: the first key is the next to fire.
    entries: BTreeMap<(Instant, u64), Waker>,
    /// The next sequence number (also numbers the threads).
    next_seq: u64,
    /// The running thread, if any. Cleared by the thread itself when it decides to
    /// exit, or by [`stop_if_idle`].
    worker: Option<Worker>,
    /// Threads that decided to exit and may still be finishing (waking their last
    /// due wakers): joined by [`stop_if_idle`], dropped (detached) once finished.
    exiting: Vec<std::thread::JoinHandle<()>>,
}

/// The running timer thread.
#[cfg(not(gosync_loom))]
struct Worker {
    /// Which thread this is: a thread that finds another number here (or none)
    /// returns at once.
    id: u64,
    /// Its handle.
    join: std::thread::JoinHandle<()>,
    /// When it will next look at the entries by itself: its park deadline, set under
    /// the lock as it goes to sleep. `None` while it is awake (it looks at the
    /// entries before it parks again), and after someone unparked it.
    wakes_at: Option<Instant>,
}

#[cfg(not(gosync_loom))]
impl Worker {
    /// Unparks the thread if it would otherwise sleep past `t`.
    fn wake_before(&mut self, t: Instant) {
        if self.wakes_at.is_some_and(|w| t < w) {
            self.wakes_at = None;
            self.join.thread().unpark();
        }
    }
}

#[cfg(not(gosync_loom))]
static TIMERS: Mutex<Timers> = Mutex::new(Timers {
    entries: BTreeMap::new(),
    next_seq: 0,
    worker: None,
    exiting: Vec::new(),
});

/// What the timer thread does next, having woken every waker that came due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Sleep until this instant (the next deadline, or the end of the grace period),
    /// or until a registration needs it earlier.
    Park(Instant),
    /// Nothing was registered for the whole grace period: exit.
    Exit,
}

/// The timer thread's decision, under the lock, at `now`: `first` is the earliest
/// registered deadline, and `idle_since` when the thread first found nothing
/// registered (kept by the thread between calls; reset by any registration).
#[cfg_attr(gosync_loom, allow(dead_code))]
fn next_step(first: Option<Instant>, idle_since: &mut Option<Instant>, now: Instant) -> Step {
    match first {
        Some(t) => {
            *idle_since = None;
            Step::Park(t)
        }
        None => {
            let since = *idle_since.get_or_insert(now);
            match since.checked_add(IDLE_GRACE) {
                Some(end) if now < end => Step::Park(end),
                _ => Step::Exit,
            }
        }
    }
}

/// Stops the timer thread if no async timer wait is registered, and waits until it
/// (and any thread that was exiting on its own) has ended. Returns `false`, doing
/// nothing, while registrations are live. The next registration starts a new thread.
///
/// For tests: Miri reports any thread still running when `main` returns, and a test
/// binary's `main` returns as soon as its last test does.
#[cfg(not(gosync_loom))]
pub(crate) fn stop_if_idle() -> bool {
    let (worker, exiting) = {
        let mut timers = TIMERS.lock();
        if !timers.entries.is_empty() {
            return false;
        }
        (timers.worker.take(), std::mem::take(&mut timers.exiting))
    };
    if let Some(w) = worker {
        // It wakes, finds itself no longer the worker, and returns.
        w.join.thread().unpark();
        w.join.join().expect("bug: the timer thread panicked");
    }
    for t in exiting {
        t.join().expect("bug: the timer thread panicked");
    }
    true
}

/// Under loom there is no timer thread.
#[cfg(gosync_loom)]
pub(crate) fn stop_if_idle() -> bool {
    true
}

/// One future's registration with the timer thread: at most one deadline and waker.
/// Dropping it cancels the registration.
pub(crate) struct TimerEntry {
    /// The key of the live registration, if any (it may have fired since).
    #[cfg(not(gosync_loom))]
    key: Option<(Instant, u64)>,
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry").finish_non_exhaustive()
    }
}

impl TimerEntry {
    /// No registration.
    pub(crate) const fn new() -> Self {
        TimerEntry {
            #[cfg(not(gosync_loom))]
            key: None,
        }
    }

    /// Wakes `waker` at `deadline` (at once if it has passed), replacing this entry's
    /// earlier registration, if any. Starts the timer thread if none is running.
    #[cfg(not(gosync_loom))]
    pub(crate) fn wake_at(&mut self, deadline: Instant, waker: &Waker) {
        let mut replaced = None;
        let mut timers = TIMERS.lock();
        if let Some(key) = self.key {
            if key.0 == deadline {
                if let Some(w) = timers.entries.get_mut(&key) {
                    if !w.will_wake(waker) {
                        replaced = Some(std::mem::replace(w, waker.clone()));
                    }
                    drop(timers);
                    drop(replaced);
                    return;
                }
                // It fired already (yet the deadline is asked for again): re-register.
            }
            replaced = timers.entries.remove(&key);
        }
        let key = (deadline, timers.next_seq);
        timers.next_seq += 1;
        timers.entries.insert(key, waker.clone());
        self.key = Some(key);
        // In the same critical section as the insert: a thread deciding to exit
        // either saw the entry or has already cleared `worker` (module docs).
        match &mut timers.worker {
            Some(w) => w.wake_before(deadline),
            None => {
                let id = timers.next_seq;
                timers.next_seq += 1;
                timers.exiting.retain(|t| !t.is_finished());
                // Spawned under the lock, so that `worker` is never empty while a
                // thread runs for these entries; it blocks on the lock until we
                // release it.
                let spawned = std::thread::Builder::new()
                    .name("gosync-timer".into())
                    .spawn(move || run(id));
                match spawned {
                    Ok(join) => {
                        timers.worker = Some(Worker {
                            id,
                            join,
                            wakes_at: None,
                        });
                    }
                    Err(e) => {
                        timers.entries.remove(&key);
                        self.key = None;
                        drop(timers);
                        drop(replaced);
                        panic!("gosync: cannot start the timer thread: {e}");
                    }
                }
            }
        }
        drop(timers);
        drop(replaced);
    }

    /// Under loom time does not pass: the deadline may have passed already.
    #[cfg(gosync_loom)]
    pub(crate) fn wake_at(&mut self, _deadline: Instant, waker: &Waker) {
        waker.wake_by_ref();
    }

    /// Cancels the registration, if any.
    #[inline]
    pub(crate) fn cancel(&mut self) {
        // Most entries (every future's, until it waits with a deadline) never register:
        // their drop is this test.
        #[cfg(not(gosync_loom))]
        if self.key.is_some() {
            self.cancel_registered();
        }
    }

    #[cfg(not(gosync_loom))]
    #[cold]
    fn cancel_registered(&mut self) {
        if let Some(key) = self.key.take() {
            let mut timers = TIMERS.lock();
            let w = timers.entries.remove(&key);
            if w.is_some() && timers.entries.is_empty() {
                // The last registration went: let a thread sleeping towards a far
                // deadline (now withdrawn) start its grace period now.
                let grace_end = Instant::now().checked_add(IDLE_GRACE);
                if let (Some(worker), Some(end)) = (&mut timers.worker, grace_end) {
                    worker.wake_before(end);
                }
            }
            drop(timers);
            drop(w);
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The timer thread number `id`: wakes what is due, sleeps until the next deadline,
/// and exits once nothing was registered for [`IDLE_GRACE`] (or when
/// [`stop_if_idle`] took it out of `worker`).
#[cfg(not(gosync_loom))]
fn run(id: u64) {
    let mut due = Vec::new();
    let mut idle_since = None;
    // `next_seq` as last seen: it moves on every registration, even one that was
    // withdrawn before this thread looked, which restarts the grace period.
    let mut seen_seq = None;
    loop {
        let step = {
            let mut timers = TIMERS.lock();
            if timers.worker.as_ref().map(|w| w.id) != Some(id) {
                return; // stopped: nothing registered, someone waits to join us
            }
            let now = Instant::now();
            while let Some(entry) = timers.entries.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if seen_seq != Some(timers.next_seq) {
                seen_seq = Some(timers.next_seq);
                idle_since = None; // something was registered since we last looked
            }
            let first = timers.entries.keys().next().map(|k| k.0);
            let step = next_step(first, &mut idle_since, now);
            match step {
                Step::Park(t) => {
                    if let Some(w) = &mut timers.worker {
                        w.wakes_at = Some(t);
                    }
                }
                Step::Exit => {
                    // Decided under the lock: a registration from now on finds no
                    // worker and starts a new thread (module docs).
                    if let Some(w) = timers.worker.take() {
                        timers.exiting.retain(|t| !t.is_finished());
                        timers.exiting.push(w.join);
                    }
                }
            }
            step
        };
        for w in due.drain(..) {
            wake_surviving(w);
        }
        match step {
            Step::Park(t) => thread::park_until(t),
            Step::Exit => return,
        }
    }
}

/// Wakes `w` on the timer thread, which must outlive any waker: it serves every task
/// of the process, and a panic that unwound it would drop the other due wakers
/// unwoken and leave `worker` naming a dead thread (no async timer would ever fire
/// again). A panic in `wake()` has already been reported by the panic hook, as every
/// panic is; it goes no further than a note that the thread carries on.
#[cfg(not(gosync_loom))]
fn wake_surviving(w: Waker) {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| w.wake())) {
        eprintln!("gosync: a task's waker panicked in wake() on the timer thread; it goes on");
        // A payload whose own drop panics is leaked rather than let unwind us.
        if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(again);
        }
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::task::Wake;

    struct Tell(mpsc::SyncSender<u32>, u32);
    impl Wake for Tell {
        fn wake(self: Arc<Self>) {
            let _ = self.0.try_send(self.1);
        }
    }

    /// Ends the timer thread after a test, for Miri's end-of-program check. Other
    /// tests running at the same time may hold registrations (then the last of them
    /// stops it); Miri runs the tests one at a time, so there it always stops.
    fn stop() {
        let stopped = stop_if_idle();
        assert!(stopped || !cfg!(miri), "a test left a timer registered");
    }

    fn worker_running() -> bool {
        TIMERS.lock().worker.is_some()
    }

    #[test]
    fn next_step_parks_until_the_first_deadline_then_idles_then_exits() {
        let now = Instant::now();
        let mut idle = None;
        let soon = now + Duration::from_millis(3);
        assert_eq!(next_step(Some(soon), &mut idle, now), Step::Park(soon));
        assert_eq!(idle, None);
        // Nothing registered: the grace period starts now...
        assert_eq!(
            next_step(None, &mut idle, now),
            Step::Park(now + IDLE_GRACE)
        );
        assert_eq!(idle, Some(now));
        // ...and does not restart on a spurious wake-up within it...
        let later = now + IDLE_GRACE / 2;
        assert_eq!(
            next_step(None, &mut idle, later),
            Step::Park(now + IDLE_GRACE)
        );
        // ...a registration within it cancels it...
        assert_eq!(next_step(Some(soon), &mut idle, later), Step::Park(soon));
        assert_eq!(idle, None);
        // ...and a whole grace period with nothing registered ends the thread.
        assert_eq!(
            next_step(None, &mut idle, later),
            Step::Park(later + IDLE_GRACE)
        );
        assert_eq!(next_step(None, &mut idle, later + IDLE_GRACE), Step::Exit);
    }

    #[test]
    fn wakes_in_deadline_order_and_not_before() {
        let (tx, rx) = mpsc::sync_channel(8);
        let now = Instant::now();
        let (mut a, mut b) = (TimerEntry::new(), TimerEntry::new());
        let (late, early) = (
            now + Duration::from_millis(40),
            now + Duration::from_millis(10),
        );
        a.wake_at(late, &Waker::from(Arc::new(Tell(tx.clone(), 1))));
        b.wake_at(early, &Waker::from(Arc::new(Tell(tx.clone(), 2))));
        assert_eq!(rx.recv().unwrap(), 2);
        assert!(Instant::now() >= early);
        assert_eq!(rx.recv().unwrap(), 1);
        assert!(Instant::now() >= late);
        stop();
    }

    #[test]
    fn cancelled_and_replaced_registrations_do_not_fire() {
        let (tx, rx) = mpsc::sync_channel(8);
        // Far enough that the registrations below are all made before it: Miri's
        // clock moves with the work it interprets (and jumps while all threads sleep).
        let soon = Instant::now() + Duration::from_millis(if cfg!(miri) { 500 } else { 50 });
        let mut e = TimerEntry::new();
        e.wake_at(soon, &Waker::from(Arc::new(Tell(tx.clone(), 1))));
        // Same deadline, another waker: replaces the first.
        e.wake_at(soon, &Waker::from(Arc::new(Tell(tx.clone(), 2))));
        let mut dropped = TimerEntry::new();
        dropped.wake_at(soon, &Waker::from(Arc::new(Tell(tx.clone(), 3))));
        drop(dropped);
        let mut marker = TimerEntry::new();
        marker.wake_at(
            soon + Duration::from_millis(20),
            &Waker::from(Arc::new(Tell(tx, 4))),
        );
        assert_eq!(rx.recv().unwrap(), 2);
        assert_eq!(rx.recv().unwrap(), 4, "1 was replaced and 3 cancelled");
        stop();
    }

    /// The thread does not stop while something is registered; once stopped, the
    /// next registration starts a new one, which fires.
    #[test]
    fn stops_only_when_idle_and_restarts_on_the_next_registration() {
        let (tx, rx) = mpsc::sync_channel(8);
        let mut far = TimerEntry::new();
        far.wake_at(
            Instant::now() + Duration::from_secs(3600),
            &Waker::from(Arc::new(Tell(tx.clone(), 1))),
        );
        assert!(worker_running());
        assert!(!stop_if_idle(), "stopped with a registration live");
        assert!(worker_running());
        drop(far); // the far-off registration goes: nothing holds the thread
        stop();
        if cfg!(miri) {
            assert!(!worker_running());
        }
        let mut soon = TimerEntry::new();
        soon.wake_at(
            Instant::now() + Duration::from_millis(1),
            &Waker::from(Arc::new(Tell(tx, 2))),
        );
        assert!(worker_running());
        assert_eq!(rx.recv().unwrap(), 2, "the restarted thread fires");
        drop(soon);
        stop();
    }
}
