//! The machinery of [`after_func`](super::after_func): the schedule and the function
//! behind one lock, so that a firing and a `stop` agree on who won; with the `async`
//! feature, a registration with the process's timer thread whose waker claims the
//! function and starts a thread to run it (no thread waits for a pending timer).

use super::Next;
use crate::facade::{Arc, Mutex};
use std::fmt;

type Func = Box<dyn FnOnce() + Send + 'static>;

/// An [`after_func`](super::after_func) timer, shared with whatever will fire it.
pub(super) struct FuncTimer(Arc<Shared>);

pub(super) struct Shared {
    /// The schedule and the function (taken by the one who runs it).
    sched: Mutex<FuncSched>,
    /// The registration with the timer thread. Lock order: `entry`, then `sched`.
    #[cfg(all(feature = "async", not(gosync_loom)))]
    entry: Mutex<crate::park::timers::TimerEntry>,
}

struct FuncSched {
    next: Next,
    f: Option<Func>,
    /// Bumped by every change of `next` (tells a sleeper its schedule is gone).
    #[cfg_attr(feature = "async", allow(dead_code))]
    generation: u64,
    /// Without the timer thread: the thread sleeping towards `next`, woken when
    /// the schedule changes (it then exits, and a new one sleeps towards the new
    /// schedule).
    #[cfg(not(any(feature = "async", gosync_loom)))]
    sleeper: Option<std::thread::Thread>,
}

impl fmt::Debug for FuncTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.sched.lock();
        f.debug_struct("Timer")
            .field("next", &s.next)
            .field(
                "after_func",
                &if s.f.is_some() { "pending" } else { "started" },
            )
            .finish()
    }
}

impl FuncTimer {
    pub(super) fn new(f: Func) -> Self {
        FuncTimer(Arc::new(Shared {
            sched: Mutex::new(FuncSched {
                next: Next::Off,
                f: Some(f),
                generation: 0,
                #[cfg(not(any(feature = "async", gosync_loom)))]
                sleeper: None,
            }),
            #[cfg(all(feature = "async", not(gosync_loom)))]
            entry: Mutex::new(crate::park::timers::TimerEntry::new()),
        }))
    }

    /// Sets the schedule (`Off`: stop). Returns whether the old one was active.
    /// Arms nothing once the function was taken. The second field: whether it
    /// armed.
    pub(super) fn set(&self, next: Next) -> (bool, bool) {
        let (was, armed, generation) = {
            let mut s = self.0.sched.lock();
            let was = s.next != Next::Off;
            s.next = if s.f.is_some() { next } else { Next::Off };
            s.generation += 1;
            #[cfg(not(any(feature = "async", gosync_loom)))]
            if let Some(t) = s.sleeper.take() {
                t.unpark(); // its schedule is gone: it exits
            }
            (was, s.next != Next::Off, s.generation)
        };
        Shared::schedule(&self.0, generation);
        (was, armed)
    }
}

impl Shared {
    /// Takes the function if the schedule is due now (the one place that decides
    /// that it runs: under the lock, against `stop`).
    fn claim(&self) -> Option<Func> {
        let mut s = self.sched.lock();
        match s.next {
            Next::At(t) if crate::facade::expired(t) => {
                s.next = Next::Off;
                s.f.take()
            }
            _ => None,
        }
    }

    /// Makes the timer thread's registration match the schedule (under `entry`, so
    /// that the last of several racing calls registers the latest schedule).
    #[cfg(all(feature = "async", not(gosync_loom)))]
    fn schedule(this: &Arc<Self>, _generation: u64) {
        let mut entry = this.entry.lock();
        let next = this.sched.lock().next;
        match next {
            Next::At(t) => {
                let waker = std::task::Waker::from(std::sync::Arc::new(Fire(this.clone())));
                entry.wake_at(t, &waker);
            }
            Next::Off | Next::Never => entry.cancel(),
        }
    }

    /// Under loom: a model thread stands for the timer thread, firing at a point
    /// the scheduler picks (every deadline "may have passed"), racing `stop`.
    #[cfg(gosync_loom)]
    fn schedule(this: &Arc<Self>, _generation: u64) {
        if let Next::At(_) = this.sched.lock().next {
            let this = this.clone();
            loom::thread::spawn(move || Shared::fire(&this));
        }
    }

    /// Without the timer thread: a sleeping thread per schedule, which gives up
    /// when the schedule changes.
    #[cfg(not(any(feature = "async", gosync_loom)))]
    fn schedule(this: &Arc<Self>, generation: u64) {
        use crate::facade::thread;
        let Next::At(_) = this.sched.lock().next else {
            return;
        };
        let this_again = this.clone();
        let this = this.clone();
        let spawned = std::thread::Builder::new()
            .name("gosync-after-func".into())
            .spawn(move || loop {
                let due = {
                    let s = this.sched.lock();
                    match s.next {
                        Next::At(t) if s.generation == generation => t,
                        _ => return,
                    }
                };
                if crate::facade::expired(due) {
                    if let Some(f) = this.claim() {
                        f();
                    }
                    return;
                }
                thread::park_until(due);
            });
        match spawned {
            Ok(join) => {
                let mut s = this_again.sched.lock();
                if s.generation == generation {
                    s.sleeper = Some(join.thread().clone());
                } else {
                    join.thread().unpark(); // already replaced
                }
            }
            Err(e) => panic!("gosync: cannot start the thread of an after_func timer: {e}"),
        }
    }

    /// Runs the function on a thread of its own, if it is due and not stopped.
    #[cfg(any(feature = "async", gosync_loom))]
    fn fire(this: &Arc<Self>) {
        match this.claim() {
            Some(f) => run(f),
            None => {
                // Woken early (a reset moved the schedule later): register anew.
                // (Stopped, or already run: nothing to do.)
                let (next, generation) = {
                    let s = this.sched.lock();
                    (s.next, s.generation)
                };
                if let Next::At(_) = next {
                    Self::schedule(this, generation);
                }
            }
        }
    }
}

/// Starts `f` on a thread of its own.
#[cfg(all(feature = "async", not(gosync_loom)))]
fn run(f: Func) {
    let spawned = std::thread::Builder::new()
        .name("gosync-after-func".into())
        .spawn(f);
    if let Err(e) = spawned {
        panic!("gosync: cannot start the thread of an after_func timer: {e}");
    }
}

/// Under loom: a model thread.
#[cfg(gosync_loom)]
fn run(f: Func) {
    loom::thread::spawn(f);
}

/// The waker the timer thread wakes at the deadline.
#[cfg(all(feature = "async", not(gosync_loom)))]
struct Fire(Arc<Shared>);

#[cfg(all(feature = "async", not(gosync_loom)))]
impl std::task::Wake for Fire {
    fn wake(self: std::sync::Arc<Self>) {
        Shared::fire(&self.0);
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        Shared::fire(&self.0);
    }
}
