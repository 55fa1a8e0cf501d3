//! Blocking: how a thread waits for a peer and how the peer wakes it.
//!
//! - [`Context`]: one blocked operation of one thread — a plain `send`/`recv` or a
//!   whole select. It holds the "selected" word that peers claim with one CAS (Go's
//!   `selectDone`) and the handle that wakes the thread. Channel waiters
//!   (`chan::waiter::Waiter`, Go's sudog) point at it.
//! - [`table`]: an address-keyed wait table (Go's `sema.go`, parking_lot's parking
//!   lot) for everything that parks on a word rather than on a waiter node.
//! - [`lock::RawLock`]: the channel lock, a one-byte spin-then-park mutex on the table.

pub(crate) mod lock;
pub(crate) mod table;

use crate::facade::{thread, AtomicUsize, Backoff, Ordering, UnsafeCell};
use std::fmt;
use std::time::Instant;

/// State of a [`Context`]:
///
/// | value            | meaning                                  | who moves it on        |
/// |------------------|------------------------------------------|------------------------|
/// | `WAITING`        | linked, nobody has claimed it            | a peer (CAS → `BUSY`), or the owner (CAS → `ABORTED`) |
/// | `BUSY`           | a peer won the claim and is moving data  | that peer (→ `SELECTED + case`) |
/// | `ABORTED`        | the owner gave up (deadline)             | final                  |
/// | `SELECTED + i`   | case `i` completed (value moved, or closed) | final               |
pub(crate) const WAITING: usize = 0;
/// See [`WAITING`].
pub(crate) const BUSY: usize = 1;
/// See [`WAITING`].
pub(crate) const ABORTED: usize = 2;
/// See [`WAITING`]: final states are `SELECTED + case index`.
pub(crate) const SELECTED: usize = 3;

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

/// One blocked operation of one thread: the "selected" word and the wake handle.
///
/// Lives on the blocked thread's stack for as long as any waiter pointing at it is
/// linked into a queue or claimed ([`Context::wait`] returns only on a final state).
pub(crate) struct Context {
    /// `WAITING`, `BUSY`, `ABORTED` or `SELECTED + case` (table above).
    state: AtomicUsize,
    /// The thread to wake. Owned by the waiting thread until a peer wins the claim;
    /// from then on owned by that peer, which takes it out before publishing the
    /// final state (after which the context may be gone).
    thread: UnsafeCell<Option<thread::Thread>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Wakes a thread whose [`Context`] was completed; call it after unlocking.
#[must_use = "a completed waiter must be woken"]
#[derive(Debug)]
pub(crate) struct Unparker(Option<thread::Thread>);

impl Unparker {
    /// Wakes the thread (a no-op when the waiter was a thread that had nothing to
    /// wake, e.g. already running).
    #[inline]
    pub(crate) fn unpark(self) {
        if let Some(t) = self.0 {
            t.unpark();
        }
    }
}

impl Context {
    /// A context for the current thread.
    pub(crate) fn new() -> Self {
        Context {
            state: AtomicUsize::new(WAITING),
            thread: UnsafeCell::new(Some(thread::current())),
        }
    }

    /// Claims this context for a peer: `WAITING` → `BUSY`. Exactly one claim or abort
    /// ever succeeds. The winner must call [`Context::complete`].
    #[inline]
    pub(crate) fn try_claim(&self) -> bool {
        // ORDERING: Acquire pairs with nothing in particular — every field a claimer
        // reads next (the waiter's slot) was written before the waiter was linked,
        // under the lock the claimer holds. Kept Acquire for robustness; a CAS costs
        // the same on x86.
        self.state
            .compare_exchange(WAITING, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Publishes the final state `SELECTED + case` and hands back the wake handle.
    ///
    /// # Safety
    /// The caller won [`Context::try_claim`] on this context and has not completed it
    /// yet. After this call the context may be freed at any moment: the caller must
    /// not touch it (nor any waiter pointing at it) again.
    #[inline]
    pub(crate) unsafe fn complete(&self, case: usize) -> Unparker {
        // SAFETY: winning the claim made this caller the only one that touches
        // `thread` until the final state is published below.
        let t = self.thread.with_mut(|p| unsafe { (*p).take() });
        // ORDERING: Release pairs with the Acquire load in `wait`: the value written
        // into the waiter's slot before this store is visible to the woken thread.
        self.state.store(SELECTED + case, Ordering::Release);
        Unparker(t)
    }

    /// The owner gives up: `WAITING` → `ABORTED`. Fails when a peer claimed first.
    #[inline]
    pub(crate) fn try_abort(&self) -> bool {
        self.state
            .compare_exchange(WAITING, ABORTED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// The current state (Acquire).
    #[inline]
    pub(crate) fn state(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }

    /// Waits until a peer completes this context, or until `deadline` passes and the
    /// owner wins the abort. Returns the final state: `SELECTED + case` or `ABORTED`.
    ///
    /// Spins briefly first (a peer often arrives within a few hundred nanoseconds),
    /// then parks. Spurious and stale unparks only cause another loop.
    pub(crate) fn wait(&self, deadline: Option<std::time::Instant>) -> usize {
        let backoff = Backoff::new();
        loop {
            let s = self.state();
            if s >= SELECTED {
                return s;
            }
            if s == WAITING {
                if let Some(d) = deadline {
                    if crate::facade::expired(d) {
                        if self.try_abort() {
                            return ABORTED;
                        }
                        continue;
                    }
                }
            }
            if !backoff.is_completed() {
                backoff.snooze();
                continue;
            }
            match deadline {
                // BUSY: the claimer is mid-transfer and will unpark us when done.
                Some(d) if s == WAITING => thread::park_until(d),
                _ => thread::park(),
            }
        }
    }
}
