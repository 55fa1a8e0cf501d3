//! Blocking: how a thread waits for a peer and how the peer wakes it.
//!
//! - [`Context`]: one blocked operation of one thread — a plain `send`/`recv` or a
//!   whole select. It holds the "selected" word that peers claim with one CAS (Go's
//!   `selectDone`) and the handle that wakes the thread. Channel waiters
//!   (`chan::waiter::Waiter`, Go's sudog) point at it.
//! - [`table`]: an address-keyed wait table (Go's `sema.go`, parking_lot's parking
//!   lot) for everything that parks on a word rather than on a waiter node.
//! - [`lock::RawLock`]: the channel lock, a spin-then-park mutex on the table whose unlock is a
//!   plain store (asymmetric fences make the handshake with parkers).
//! - `waker::WakerSlot` (feature `async`): where a task leaves its `Waker`, so that a
//!   [`Context`] can stand for a task as well as for a thread (a select's task; a
//!   plain send or receive future leaves its waker under the channel lock instead:
//!   [`Context::set_waker_locked`]).
//! - [`wake_list::WakeList`]: the threads and tasks a completer collects under a lock
//!   and wakes after releasing it, every one even if a task's waker panics.
//! - `timers`: the one lazily started thread that wakes tasks waiting on timer
//!   receivers at their deadlines (and cancels contexts at theirs).

mod fence;
pub(crate) mod lock;
pub(crate) mod record;
pub(crate) mod spin;
pub(crate) mod table;
pub(crate) mod timers;
pub(crate) mod wake_list;
#[cfg(feature = "async")]
pub(crate) mod waker;

pub(crate) use wake_list::{WakeList, Wakeup};

use crate::facade::{thread, AtomicUsize, Ordering, UnsafeCell};
use std::fmt;
use std::time::Instant;

/// Where a [`Context`] stands: the claim word, read as an enum.
///
/// | state           | meaning                                         | who moves it on  |
/// |-----------------|-------------------------------------------------|------------------|
/// | `Waiting`       | linked, nobody has claimed it                   | a peer ([`try_claim`](Context::try_claim) → `Busy`), or the owner ([`try_abort`](Context::try_abort) → `Aborted`) |
/// | `Busy`          | a peer won the claim and is moving the value   | that peer ([`complete`](Context::complete) → `Operation` or `Closed`) |
/// | `Aborted`       | the owner gave up (deadline, dropped future)    | final            |
/// | `Operation(i)`  | case `i` completed: its value moved             | final            |
/// | `Closed(i)`     | case `i` completed by its channel's close       | final            |
///
/// The atomic word is converted to and from this enum only by [`State::word`] and
/// [`State::from_word`]. The word also carries [`SLEEPING`], set by the owner (only
/// from `Waiting`) once it has stored its thread handle and is about to park: a
/// claimer takes the handle and wakes the thread only then, so a hand-off to a thread
/// that is still spinning costs no handle clone and no unpark. `SLEEPING` is never
/// part of a `State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Linked, not claimed.
    Waiting,
    /// Claimed by a peer that has not completed it yet.
    Busy,
    /// Given up by its owner. Final.
    Aborted,
    /// Case `i` completed: a value was handed over or taken. Final.
    Operation(usize),
    /// Case `i` completed because its channel closed. Final.
    Closed(usize),
}

/// Flag in the raw state word: the owner is parked (or about to park) and must be
/// woken through its thread handle. Never part of a [`State`].
const SLEEPING: usize = 1 << (usize::BITS - 1);

impl State {
    /// The word for this state (without `SLEEPING`): `0` waiting, `1` busy, `2`
    /// aborted, `3 + 2i` operation `i`, `4 + 2i` closed `i`.
    #[inline]
    const fn word(self) -> usize {
        match self {
            State::Waiting => 0,
            State::Busy => 1,
            State::Aborted => 2,
            State::Operation(i) => 3 + 2 * i,
            State::Closed(i) => 4 + 2 * i,
        }
    }

    /// The state a word (with or without `SLEEPING`) stands for.
    #[inline]
    const fn from_word(w: usize) -> State {
        match w & !SLEEPING {
            0 => State::Waiting,
            1 => State::Busy,
            2 => State::Aborted,
            w => {
                let i = (w - 3) / 2;
                if w % 2 == 1 {
                    State::Operation(i)
                } else {
                    State::Closed(i)
                }
            }
        }
    }

    /// Whether nobody will change the state any more (`Aborted`, `Operation`,
    /// `Closed`).
    #[inline]
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) const fn is_final(self) -> bool {
        !matches!(self, State::Waiting | State::Busy)
    }

    /// The case a final state completed (`Operation` or `Closed`), if any.
    #[inline]
    pub(crate) const fn case(self) -> Option<usize> {
        match self {
            State::Operation(i) | State::Closed(i) => Some(i),
            _ => None,
        }
    }
}

/// When a blocking operation gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// Do not block at all (`try_*`).
    No,
    /// Block until the operation completes.
    Forever,
    /// Block until the operation completes or the instant passes.
    Until(Instant),
}

impl Block {
    /// The blocking mode for a timeout of `d` from now: far timeouts that do not fit
    /// in an `Instant` block forever instead of panicking.
    pub(crate) fn timeout(d: std::time::Duration) -> Block {
        if d.is_zero() {
            return Block::No;
        }
        match Instant::now().checked_add(d) {
            Some(t) => Block::Until(t),
            None => Block::Forever,
        }
    }

    /// The deadline, if any.
    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Block::Until(t) => Some(t),
            _ => None,
        }
    }
}

/// One blocked operation of one thread or task: the claim word (a [`State`]) and
/// the wake handle.
///
/// A thread's context lives on its stack for as long as any waiter pointing at it is
/// linked into a queue or claimed ([`Context::wait`] returns only on a final state).
/// A task's context lives inside its pinned future, whose `Drop` unlinks its waiter
/// and, if a peer claimed the context, settles the outcome before the memory goes.
///
/// The claimer's protocol is the same for both: [`try_claim`](Context::try_claim)
/// (`Waiting` → `Busy`), move the value, [`complete`](Context::complete) (which takes
/// the wake handle while still `Busy`, then publishes the final state and never
/// touches the context again), and wake after unlocking. A select's task registers
/// its waker first and reads the state after ([`Context::poll_state`]), so a claim is
/// never missed: either the claimer takes the new waker, or the poll sees `Busy` or
/// final. A plain future's task, whose one waiter sits in one channel's queue, leaves
/// its waker under that channel's lock ([`Context::set_waker_locked`]), which every
/// claimer holds: no hand-shake, and two read-modify-writes fewer on each side.
/// (`SLEEPING` is a thread's business only: a task context never sets it.)
pub(crate) struct Context {
    /// A [`State`] as a word ([`State::word`]), plus the `SLEEPING` flag.
    state: AtomicUsize,
    /// Whom to wake.
    wake: Wake,
}

/// The wake handle of a [`Context`].
enum Wake {
    /// The thread to wake. Written by the owner while the state is `Waiting` without
    /// `SLEEPING` (it sets `SLEEPING` with Release right after); from a claim of a
    /// `SLEEPING` context on, owned by the claimer, which takes it out before
    /// publishing the final state (after which the context may be gone).
    Thread(UnsafeCell<Option<thread::Thread>>),
    /// The task's waker: registered by the polling task at any time, taken by the
    /// claimer before it publishes the final state.
    #[cfg(feature = "async")]
    Task(waker::WakerSlot),
    /// The waker of a task whose context only ever has one waiter, linked into one
    /// channel's queue (a plain send or receive future): the task registers it, and
    /// the claimer takes it, only while holding that channel's lock, which orders
    /// them; no hand-shake of its own is needed. (A select's waiters sit in several
    /// channels' queues, whose claimers hold different locks: `Task`.)
    #[cfg(feature = "async")]
    LockedTask(UnsafeCell<Option<std::task::Waker>>),
}

/// What an [`Unparker`] wakes.
#[derive(Debug)]
enum Handle {
    Thread(thread::Thread),
    #[cfg(feature = "async")]
    Task(std::task::Waker),
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Wakes a thread or task whose [`Context`] was completed. Goes into the lock's
/// [`WakeList`], which wakes it after the lock is released.
#[derive(Debug)]
pub(crate) struct Unparker(Handle);

impl Wakeup for Unparker {
    /// Wakes the thread, parked (or about to park) on its context, or the task
    /// through the waker it registered (a task that was registering at that moment
    /// sees the final state itself).
    #[inline]
    fn wake(self) {
        match self.0 {
            Handle::Thread(t) => t.unpark(),
            #[cfg(feature = "async")]
            Handle::Task(w) => w.wake(),
        }
    }
}

impl Context {
    /// A context for the current thread. Cheap: the thread handle is fetched only if
    /// the thread ends up parking.
    #[inline]
    pub(crate) fn new() -> Self {
        Context {
            state: AtomicUsize::new(State::Waiting.word()),
            wake: Wake::Thread(UnsafeCell::new(None)),
        }
    }

    /// A context for an async task: woken through the waker its polls register with
    /// [`Context::poll_state`].
    #[cfg(feature = "async")]
    pub(crate) fn new_task() -> Self {
        Context {
            state: AtomicUsize::new(State::Waiting.word()),
            wake: Wake::Task(waker::WakerSlot::new()),
        }
    }

    /// A context for an async task whose one waiter is linked into one channel's
    /// queue: its waker is registered with [`Context::set_waker_locked`], under that
    /// channel's lock.
    #[cfg(feature = "async")]
    pub(crate) fn new_locked_task() -> Self {
        Context {
            state: AtomicUsize::new(State::Waiting.word()),
            wake: Wake::LockedTask(UnsafeCell::new(None)),
        }
    }

    /// Claims this context for a peer: `Waiting` → `Busy`. Exactly one claim or abort
    /// ever succeeds. The winner must call [`Context::complete`].
    #[inline]
    pub(crate) fn try_claim(&self) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if State::from_word(cur) != State::Waiting {
                return false;
            }
            // ORDERING: Acquire pairs with the owner's Release when it set SLEEPING,
            // so the thread handle it stored is visible to us. (Every other field a
            // claimer reads was written under the channel lock it holds.)
            match self.state.compare_exchange_weak(
                cur,
                State::Busy.word() | (cur & SLEEPING),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(s) => cur = s,
            }
        }
    }

    /// Publishes the final state `outcome` (`Operation` or `Closed`) and hands back
    /// what wakes the owner (nothing if it never parked).
    ///
    /// # Safety
    /// The caller won [`Context::try_claim`] on this context and has not completed it
    /// yet. After this call the context may be freed at any moment: the caller must
    /// not touch it (nor any waiter pointing at it) again.
    #[inline]
    pub(crate) unsafe fn complete(&self, outcome: State) -> Option<Unparker> {
        debug_assert!(
            outcome.case().is_some(),
            "bug: a claimed context completed as {outcome:?}"
        );
        let h = match &self.wake {
            Wake::Thread(thread) => {
                // Only the claimer writes the state while it is Busy.
                let sleeping = self.state.load(Ordering::Relaxed) & SLEEPING != 0;
                if sleeping {
                    // The owner stored the handle before setting SLEEPING (which our
                    // Acquire claim saw) and never touches it again; the claim made
                    // us its only user until the final state is published below.
                    let taken = thread.with_mut(|p| {
                        // SAFETY: exclusive access, as just argued.
                        unsafe { (*p).take() }
                    });
                    taken.map(Handle::Thread)
                } else {
                    None
                }
            }
            // Taken while still Busy: after the store below the future that holds
            // this context may be dropped at once.
            #[cfg(feature = "async")]
            Wake::Task(slot) => slot.take().map(Handle::Task),
            // A claimer holds the lock of the queue it claimed the waiter from: the one
            // channel whose lock `set_waker_locked` is called under.
            #[cfg(feature = "async")]
            Wake::LockedTask(w) => w
                .with_mut(|p| {
                    // SAFETY: the owner writes the cell only under that same lock
                    // (`set_waker_locked`), which we hold: nobody else touches it.
                    unsafe { (*p).take() }
                })
                .map(Handle::Task),
        };
        // ORDERING: Release pairs with the Acquire load in `wait` / `poll_state`: the
        // value written into the waiter's slot before this store is visible to the
        // woken thread or task.
        self.state.store(outcome.word(), Ordering::Release);
        h.map(Unparker)
    }

    /// For the task that owns this context: registers `waker` for the claimer to take,
    /// then returns the state read after registering.
    ///
    /// `Waiting`: nobody has claimed it yet, and whoever does will wake `waker` (or a
    /// waker of the same task). `Busy`: a claimer is inside its critical section; the
    /// caller waits for it to finish (e.g. by taking the lock the claimer holds), then
    /// asks again. Final: done.
    #[cfg(feature = "async")]
    pub(crate) fn poll_state(&self, waker: &std::task::Waker) -> State {
        // A task woken by its completer finds the context final: it needs no waker,
        // and registering one would cost two read-modify-writes and a clone.
        // ORDERING: Acquire (in `state`) pairs with the Release in `complete`, as below.
        let s = self.state();
        if s.is_final() {
            return s;
        }
        match &self.wake {
            Wake::Task(slot) => slot.register(waker),
            Wake::Thread(_) => unreachable!("bug: poll_state on a thread's context"),
            Wake::LockedTask(_) => unreachable!("bug: poll_state on a locked task context"),
        }
        // ORDERING: Acquire pairs with the Release in `complete` (the value moved
        // before it is visible). A claim whose take came before our register is seen
        // here: `register` synchronised with that take, which followed the claim's
        // CAS.
        self.state()
    }

    /// For the task that owns a [`new_locked_task`](Context::new_locked_task) context:
    /// leaves `waker` (a clone of it, unless the one left before wakes the same task)
    /// for the claimer to take.
    ///
    /// # Safety
    /// The caller holds the lock of the channel whose queue links (or, before the lock
    /// is released, will link) this context's only waiter, and has seen the state
    /// `Waiting` under that lock. Every claimer of the context holds that lock, so it
    /// neither runs meanwhile nor misses the waker: it claims afterwards and takes it.
    #[cfg(feature = "async")]
    pub(crate) unsafe fn set_waker_locked(&self, waker: &std::task::Waker) {
        match &self.wake {
            Wake::LockedTask(w) => w.with_mut(|p| {
                // SAFETY: the claimer reaches the cell only under the lock we hold
                // (contract), and only the owner writes it.
                let slot = unsafe { &mut *p };
                if !slot.as_ref().is_some_and(|old| old.will_wake(waker)) {
                    *slot = Some(waker.clone());
                }
            }),
            _ => unreachable!("bug: set_waker_locked on another kind of context"),
        }
    }

    /// Makes a completed context reusable for the next operation of the same task
    /// (a stream's next item, a sink's next value).
    ///
    /// # Safety
    /// The caller owns the context, its state is final, and no waiter pointing at it
    /// is linked: nobody else can reach it.
    #[cfg(feature = "async")]
    pub(crate) unsafe fn reset(&self) {
        debug_assert!(self.state().is_final(), "bug: reset of a live context");
        // ORDERING: Relaxed: the next peer reaches the context only through a waiter
        // linked under a channel lock, whose release publishes this store.
        self.state.store(State::Waiting.word(), Ordering::Relaxed);
    }

    /// The owner gives up: `Waiting` → `Aborted`. Fails when a peer claimed first.
    #[inline]
    pub(crate) fn try_abort(&self) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if State::from_word(cur) != State::Waiting {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                State::Aborted.word(),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(s) => cur = s,
            }
        }
    }

    /// The current state (an Acquire load).
    #[inline]
    pub(crate) fn state(&self) -> State {
        State::from_word(self.state.load(Ordering::Acquire))
    }

    /// Waits until a peer completes this context, or until `deadline` passes and the
    /// owner wins the abort. Returns the final state: `Operation`, `Closed` or
    /// `Aborted`.
    ///
    /// Spins first, for as long as this thread's recent waits say is worth it (see
    /// [`spin`]: a peer on another core often answers within microseconds, far
    /// sooner than a parked thread can run again), then stores the thread handle, sets
    /// `SLEEPING` and parks. Spurious and stale unparks only cause another loop.
    pub(crate) fn wait(&self, deadline: Option<std::time::Instant>) -> State {
        #[allow(clippy::infallible_destructuring_match)] // two variants with `async`
        let thread_slot = match &self.wake {
            Wake::Thread(t) => t,
            #[cfg(feature = "async")]
            Wake::Task(_) | Wake::LockedTask(_) => {
                unreachable!("bug: Context::wait on a task's context")
            }
        };
        let mut spin = spin::Spin::new();
        let mut _asleep = None; // debug's record of this park, until a final state
        loop {
            let raw = self.state.load(Ordering::Acquire);
            match State::from_word(raw) {
                State::Waiting => {}
                State::Busy => {
                    // The claimer is inside its critical section moving the value; it
                    // will publish the final state in a moment. (It only wakes us if
                    // we were SLEEPING before it claimed.)
                    if raw & SLEEPING != 0 {
                        thread::park();
                    } else {
                        thread::yield_now();
                    }
                    continue;
                }
                done => return done,
            }
            if let Some(d) = deadline {
                if crate::facade::expired(d) {
                    if self.try_abort() {
                        return State::Aborted;
                    }
                    continue;
                }
            }
            if raw & SLEEPING == 0 && spin.spin() {
                continue;
            }
            if raw & SLEEPING == 0 {
                // SAFETY: while the state is Waiting without SLEEPING only the owner
                // (this thread) touches the handle.
                thread_slot.with_mut(|p| unsafe {
                    if (*p).is_none() {
                        *p = Some(thread::current());
                    }
                });
                _asleep = record::asleep(record::Token::Context(self), deadline);
                // ORDERING: Release publishes the handle to the claimer's Acquire.
                if self
                    .state
                    .compare_exchange(
                        State::Waiting.word(),
                        State::Waiting.word() | SLEEPING,
                        Ordering::Release,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    continue;
                }
            }
            spin.parking();
            match deadline {
                Some(d) => thread::park_until(d),
                None => thread::park(),
            }
        }
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::State;

    #[test]
    fn state_words_round_trip() {
        let states = [
            State::Waiting,
            State::Busy,
            State::Aborted,
            State::Operation(0),
            State::Closed(0),
            State::Operation(1),
            State::Closed(1),
            State::Operation(u32::MAX as usize),
            State::Closed(u32::MAX as usize),
        ];
        for s in states {
            assert_eq!(State::from_word(s.word()), s);
            assert_eq!(State::from_word(s.word() | super::SLEEPING), s);
        }
        let words: Vec<usize> = states.iter().map(|s| s.word()).collect();
        for (i, w) in words.iter().enumerate() {
            assert!(!words[..i].contains(w), "two states share word {w}");
        }
        assert!(!State::Waiting.is_final() && !State::Busy.is_final());
        assert!(State::Aborted.is_final() && State::Aborted.case().is_none());
        assert_eq!(State::Closed(3).case(), Some(3));
    }
}
