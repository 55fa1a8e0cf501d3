//! The one timer thread for async waits on timer receivers (`after`, `at`, `tick`).
//!
//! A blocked thread sleeps until its timer's deadline by itself, but a task cannot:
//! someone must wake it then. That someone is a single thread, started lazily by the
//! first async wait on a timer and shared by the whole process, that sleeps until the
//! earliest registered deadline and wakes the wakers that came due (after releasing
//! its lock).
//!
//! Registrations are keyed by `(deadline, sequence number)` in an ordered map, so a
//! future that is dropped (or re-polled with a new waker) removes or replaces its
//! entry at once: a select loop that makes a new future on a far-off timer every
//! iteration keeps at most one entry per live future.
//!
//! Under loom there is no thread: time does not pass there, and a registration wakes
//! its waker at once ("the deadline may already have passed", as
//! `facade::expired` answers).

use std::fmt;
use std::task::Waker;
use std::time::Instant;

#[cfg(not(gosync_loom))]
use crate::facade::{thread, Mutex};
#[cfg(not(gosync_loom))]
use std::collections::BTreeMap;

/// The registered wakers and the timer thread's handle, behind one lock (never held
/// while waking or parking).
#[cfg(not(gosync_loom))]
struct Timers {
    /// Wakers by `(deadline, sequence)`: the first key is the next to fire.
    entries: BTreeMap<(Instant, u64), Waker>,
    /// The next sequence number.
    next_seq: u64,
    /// Whether the thread was spawned.
    started: bool,
    /// The thread, once it is running (to unpark it for an earlier deadline).
    thread: Option<thread::Thread>,
}

#[cfg(not(gosync_loom))]
static TIMERS: Mutex<Timers> = Mutex::new(Timers {
    entries: BTreeMap::new(),
    next_seq: 0,
    started: false,
    thread: None,
});

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
    /// earlier registration, if any.
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
        let earliest = timers
            .entries
            .keys()
            .next()
            .map_or(true, |first| key < *first);
        timers.entries.insert(key, waker.clone());
        self.key = Some(key);
        let spawn = !timers.started;
        timers.started = true;
        let wake = if earliest {
            timers.thread.clone()
        } else {
            None
        };
        drop(timers);
        drop(replaced);
        if spawn {
            std::thread::Builder::new()
                .name("gosync-timer".into())
                .spawn(run)
                .expect("gosync: cannot start the timer thread");
        } else if let Some(t) = wake {
            t.unpark();
        }
    }

    /// Under loom time does not pass: the deadline may have passed already.
    #[cfg(gosync_loom)]
    pub(crate) fn wake_at(&mut self, _deadline: Instant, waker: &Waker) {
        waker.wake_by_ref();
    }

    /// Cancels the registration, if any.
    pub(crate) fn cancel(&mut self) {
        #[cfg(not(gosync_loom))]
        if let Some(key) = self.key.take() {
            let w = TIMERS.lock().entries.remove(&key);
            drop(w);
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The timer thread: wakes what is due, sleeps until the next deadline.
#[cfg(not(gosync_loom))]
fn run() {
    let mut due = Vec::new();
    loop {
        let next = {
            let mut timers = TIMERS.lock();
            if timers.thread.is_none() {
                timers.thread = Some(thread::current());
            }
            let now = Instant::now();
            while let Some(entry) = timers.entries.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            timers.entries.keys().next().map(|k| k.0)
        };
        for w in due.drain(..) {
            w.wake();
        }
        match next {
            Some(t) => thread::park_until(t),
            None => thread::park(),
        }
    }
}

// Not under Miri: the timer thread lives as long as the process, which Miri reports
// as a leaked thread.
#[cfg(all(test, not(gosync_loom), not(miri)))]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    struct Tell(mpsc::SyncSender<u32>, u32);
    impl Wake for Tell {
        fn wake(self: Arc<Self>) {
            let _ = self.0.try_send(self.1);
        }
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
    }

    #[test]
    fn cancelled_and_replaced_registrations_do_not_fire() {
        let (tx, rx) = mpsc::sync_channel(8);
        let soon = Instant::now() + Duration::from_millis(5);
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
    }
}
