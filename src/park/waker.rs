//! [`WakerSlot`]: where an async task leaves its `Waker` for the peer that completes
//! its operation.
//!
//! One owner (the task polling the future) registers wakers; one peer at a time (the
//! claimer of the task's [`Context`](super::Context)) takes the waker to wake it.
//! Neither side ever waits for the other: a take that meets a register in progress
//! leaves a note (`WAKING`), and the registering task wakes itself when it sees it.
//!
//! Written over the facade's atomics (not the `atomic-waker` crate) so that loom sees
//! every step of the hand-shake between a register and a take; the protocol is the
//! classic three-state one.
//!
//! State table (`state: AtomicUsize`):
//!
//! | value                  | meaning                                        | next           |
//! |------------------------|------------------------------------------------|----------------|
//! | `IDLE`                 | nobody touches `waker`                         | register: CAS → `REGISTERING`; take: `fetch_or(WAKING)` |
//! | `REGISTERING`          | the owner is replacing `waker`                 | owner: CAS → `IDLE` |
//! | `REGISTERING \| WAKING` | a take came during the register and took nothing | owner: takes its new waker, stores `IDLE`, wakes it |
//! | `WAKING`               | a take is moving `waker` out                   | taker: `fetch_and(!WAKING)` → `IDLE` |
//!
//! Who owns `waker`: the thread that moved the state from `IDLE` (owner to
//! `REGISTERING`, taker to `WAKING`), until it clears its bit.

use crate::facade::{AtomicUsize, Ordering, UnsafeCell};
use std::fmt;
use std::task::Waker;

const IDLE: usize = 0;
const REGISTERING: usize = 1;
const WAKING: usize = 2;

/// A slot for one task's `Waker`, written by its owner and taken by a peer.
pub(crate) struct WakerSlot {
    /// `IDLE`, `REGISTERING`, `WAKING` or both (table above).
    state: AtomicUsize,
    /// Owned as the state table says.
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: `waker` is only reached by the one thread that owns it per the state table;
// `Waker` is `Send + Sync`.
unsafe impl Send for WakerSlot {}
// SAFETY: as above.
unsafe impl Sync for WakerSlot {}

impl fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakerSlot")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl WakerSlot {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        WakerSlot {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    /// Leaves `waker` (a clone of it, unless the slot already holds one that wakes the
    /// same task) for the next [`take`](Self::take).
    ///
    /// If a take runs concurrently and so cannot take the new waker, this wakes it
    /// instead: whatever the interleaving, a take that starts after this call started
    /// leads to a wake of `waker` (or of the waker it found, which wakes the same task).
    ///
    /// Only the owner calls this, never two at once. Runs no executor code other than
    /// `Waker::clone`, `Waker::drop` of a replaced waker and, in the race above,
    /// `Waker::wake`.
    pub(crate) fn register(&self, waker: &Waker) {
        // ORDERING: Acquire pairs with the Release of a take's `fetch_and` (and the
        // AcqRel `fetch_or` before it): a register that follows a take sees everything
        // the taker did before taking — in particular its claim of the context, which
        // the owner reads right after registering.
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                let old = self.waker.with_mut(|p| {
                    // SAFETY: the state is REGISTERING and we set it: we own `waker`.
                    let slot = unsafe { &mut *p };
                    match slot {
                        Some(w) if w.will_wake(waker) => None,
                        _ => slot.replace(waker.clone()),
                    }
                });
                // ORDERING: AcqRel: Release publishes the new waker to the next take
                // (its Acquire `fetch_or`); Acquire, on failure, pairs with the take
                // that set WAKING meanwhile.
                match self.state.compare_exchange(
                    REGISTERING,
                    IDLE,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // A take arrived while we held the slot and took nothing: it
                        // relies on us to wake the task.
                        // SAFETY: the state is REGISTERING | WAKING and only we can
                        // leave it: we still own `waker`.
                        let w = self.waker.with_mut(|p| unsafe { (*p).take() });
                        // ORDERING: Release: the emptied slot is seen by the next owner.
                        self.state.store(IDLE, Ordering::Release);
                        drop(old);
                        if let Some(w) = w {
                            w.wake();
                        }
                    }
                }
            }
            Err(WAKING) => {
                // A take is moving the previous waker out right now. It may wake a
                // task other than the current one: wake the current one ourselves.
                waker.wake_by_ref();
            }
            Err(s) => unreachable!("bug: concurrent WakerSlot::register (state {s})"),
        }
    }

    /// Takes the registered waker to wake it, or `None` when there is none or a
    /// register is in progress (which will then wake its task itself).
    pub(crate) fn take(&self) -> Option<Waker> {
        // ORDERING: AcqRel: Acquire pairs with the Release in `register`, so the waker
        // it stored is visible; Release orders what the taker did before (claiming the
        // context) before a register that reads this state.
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            IDLE => {
                // SAFETY: we moved the state from IDLE to WAKING: we own `waker`.
                let w = self.waker.with_mut(|p| unsafe { (*p).take() });
                // ORDERING: Release pairs with the Acquire CAS in `register`.
                self.state.fetch_and(!WAKING, Ordering::Release);
                w
            }
            _ => None,
        }
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;
    use crate::facade::{AtomicUsize as StdUsize, Ordering as O};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(StdUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, O::SeqCst);
        }
    }

    #[test]
    fn register_then_take_wakes_latest() {
        let a = Arc::new(Count(StdUsize::new(0)));
        let b = Arc::new(Count(StdUsize::new(0)));
        let slot = WakerSlot::new();
        slot.register(&Waker::from(a.clone()));
        slot.register(&Waker::from(b.clone()));
        slot.take().unwrap().wake();
        assert_eq!(a.0.load(O::SeqCst), 0);
        assert_eq!(b.0.load(O::SeqCst), 1);
        assert!(slot.take().is_none());
    }
}

#[cfg(all(test, gosync_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicUsize as LoomUsize;
    use loom::sync::Arc;

    /// Counts wakes (loom atomics, RMW only: see tests/loom_async.rs on loom#254).
    struct Count(LoomUsize);
    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// A take racing a register (with a new waker replacing an old one): the new
    /// waker is woken — by the taker, or by the register itself when the take came
    /// in the middle — unless the take got the old waker before the register began.
    #[test]
    fn waker_slot_take_races_register() {
        loom::model(|| {
            let slot = Arc::new(WakerSlot::new());
            let old = std::sync::Arc::new(Count(LoomUsize::new(0)));
            let new = std::sync::Arc::new(Count(LoomUsize::new(0)));
            slot.register(&Waker::from(old.clone()));
            let s2 = slot.clone();
            let t = loom::thread::spawn(move || {
                if let Some(w) = s2.take() {
                    w.wake();
                }
            });
            slot.register(&Waker::from(new.clone()));
            t.join().unwrap();
            let (o, n) = (old.0.load(Ordering::Acquire), new.0.load(Ordering::Acquire));
            assert!(o <= 1 && n <= 1, "woken twice (old {o}, new {n})");
            if n == 0 {
                // The take came first and took the old waker: the new one stays
                // registered for the next take.
                assert_eq!(o, 1, "the take woke nobody");
                let w = slot.take().expect("new waker registered");
                assert!(w.will_wake(&Waker::from(new.clone())));
            }
        });
    }
}
