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

use crate::facade::{thread, AtomicUsize, Ordering, SpinWait, UnsafeCell};
use std::fmt;
use std::time::Instant;

/// State of a [`Context`] (as returned by [`Context::state`]):
///
/// | value            | meaning                                  | who moves it on        |
/// |------------------|------------------------------------------|------------------------|
/// | `WAITING`        | linked, nobody has claimed it            | a peer (CAS → `BUSY`), or the owner (CAS → `ABORTED`) |
/// | `BUSY`           | a peer won the claim and is moving data  | that peer (→ `SELECTED + case`) |
/// | `ABORTED`        | the owner gave up (deadline)             | final                  |
/// | `SELECTED + i`   | case `i` completed (value moved, or closed) | final               |
///
/// The raw word also carries [`SLEEPING`], set by the owner (only from `WAITING`) once
/// it has stored its thread handle and is about to park: a claimer takes the handle
/// and wakes the thread only then, so a hand-off to a thread that is still spinning
/// costs no handle clone and no unpark.
pub(crate) const WAITING: usize = 0;
/// See [`WAITING`].
pub(crate) const BUSY: usize = 1;
/// See [`WAITING`].
pub(crate) const ABORTED: usize = 2;
/// See [`WAITING`]: final states are `SELECTED + case index`.
pub(crate) const SELECTED: usize = 3;
/// Flag in the raw state word: the owner is parked (or about to park) and must be
/// woken through its thread handle. Never visible through [`Context::state`].
const SLEEPING: usize = 1 << (usize::BITS - 1);

/// Spin rounds (1, 2, 4, … pauses) before a blocked operation starts yielding.
const WAIT_SPINS: u32 = 4;
/// Yields before a blocked operation parks.
const WAIT_YIELDS: u32 = 32;

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
    /// `WAITING`, `BUSY`, `ABORTED` or `SELECTED + case` (table above), plus the
    /// `SLEEPING` flag.
    state: AtomicUsize,
    /// The thread to wake. Written by the owner while the state is `WAITING` without
    /// `SLEEPING` (it sets `SLEEPING` with Release right after); from a claim of a
    /// `SLEEPING` context on, owned by the claimer, which takes it out before
    /// publishing the final state (after which the context may be gone).
    thread: UnsafeCell<Option<thread::Thread>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Wakes a thread whose [`Context`] was completed; call it after unlocking.
#[must_use = "a completed waiter must be woken"]
#[derive(Debug)]
pub(crate) struct Unparker(Option<thread::Thread>);

impl Unparker {
    /// Wakes the thread, if it was parked (or about to park) on its context.
    #[inline]
    pub(crate) fn unpark(self) {
        if let Some(t) = self.0 {
            t.unpark();
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

impl Context {
    /// A context for the current thread. Cheap: the thread handle is fetched only if
    /// the thread ends up parking.
    #[inline]
    pub(crate) fn new() -> Self {
        Context {
            state: AtomicUsize::new(WAITING),
            thread: UnsafeCell::new(None),
        }
    }

    /// Claims this context for a peer: `WAITING` → `BUSY`. Exactly one claim or abort
    /// ever succeeds. The winner must call [`Context::complete`].
    #[inline]
    pub(crate) fn try_claim(&self) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & !SLEEPING != WAITING {
                return false;
            }
            // ORDERING: Acquire pairs with the owner's Release when it set SLEEPING,
            // so the thread handle it stored is visible to us. (Every other field a
            // claimer reads was written under the channel lock it holds.)
            match self.state.compare_exchange_weak(
                cur,
                BUSY | (cur & SLEEPING),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(s) => cur = s,
            }
        }
    }

    /// Publishes the final state `SELECTED + case` and hands back what wakes the
    /// owner (nothing if it never parked).
    ///
    /// # Safety
    /// The caller won [`Context::try_claim`] on this context and has not completed it
    /// yet. After this call the context may be freed at any moment: the caller must
    /// not touch it (nor any waiter pointing at it) again.
    #[inline]
    pub(crate) unsafe fn complete(&self, case: usize) -> Unparker {
        // Only the claimer writes the state while it is BUSY.
        let sleeping = self.state.load(Ordering::Relaxed) & SLEEPING != 0;
        let t = if sleeping {
            // SAFETY: the owner stored the handle before setting SLEEPING (which our
            // Acquire claim saw) and never touches it again; the claim made us its
            // only user until the final state is published below.
            self.thread.with_mut(|p| unsafe { (*p).take() })
        } else {
            None
        };
        // ORDERING: Release pairs with the Acquire load in `wait`: the value written
        // into the waiter's slot before this store is visible to the woken thread.
        self.state.store(SELECTED + case, Ordering::Release);
        Unparker(t)
    }

    /// The owner gives up: `WAITING` → `ABORTED`. Fails when a peer claimed first.
    #[inline]
    pub(crate) fn try_abort(&self) -> bool {
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & !SLEEPING != WAITING {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                ABORTED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(s) => cur = s,
            }
        }
    }

    /// The current state (Acquire), without the `SLEEPING` flag.
    #[inline]
    pub(crate) fn state(&self) -> usize {
        self.state.load(Ordering::Acquire) & !SLEEPING
    }

    /// Waits until a peer completes this context, or until `deadline` passes and the
    /// owner wins the abort. Returns the final state: `SELECTED + case` or `ABORTED`.
    ///
    /// Spins briefly first (a peer often arrives within a few hundred nanoseconds),
    /// then stores the thread handle, sets `SLEEPING` and parks. Spurious and stale
    /// unparks only cause another loop.
    pub(crate) fn wait(&self, deadline: Option<std::time::Instant>) -> usize {
        let mut spin = SpinWait::new(WAIT_SPINS, WAIT_YIELDS);
        loop {
            let raw = self.state.load(Ordering::Acquire);
            let s = raw & !SLEEPING;
            if s >= SELECTED {
                return s;
            }
            if s == BUSY {
                // The claimer is inside its critical section moving the value; it
                // will publish the final state in a moment. (It only wakes us if we
                // were SLEEPING before it claimed.)
                if raw & SLEEPING != 0 {
                    thread::park();
                } else {
                    thread::yield_now();
                }
                continue;
            }
            // WAITING
            if let Some(d) = deadline {
                if crate::facade::expired(d) {
                    if self.try_abort() {
                        return ABORTED;
                    }
                    continue;
                }
            }
            if raw & SLEEPING == 0 && spin.spin() {
                continue;
            }
            if raw & SLEEPING == 0 {
                // SAFETY: while the state is WAITING without SLEEPING only the owner
                // (this thread) touches the handle.
                self.thread.with_mut(|p| unsafe {
                    if (*p).is_none() {
                        *p = Some(thread::current());
                    }
                });
                // ORDERING: Release publishes the handle to the claimer's Acquire.
                if self
                    .state
                    .compare_exchange(
                        WAITING,
                        WAITING | SLEEPING,
                        Ordering::Release,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    continue;
                }
            }
            match deadline {
                Some(d) => thread::park_until(d),
                None => thread::park(),
            }
        }
    }
}
