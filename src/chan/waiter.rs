//! Waiters (Go's `sudog`) and the FIFO wait queues `sendq` / `recvq`.
//!
//! A [`Waiter`] lives on the stack of the thread blocked in a send, a receive or a
//! select — or inside the pinned future of an async task — and is linked into one
//! channel's queue while its owner waits. Threads and tasks share the queues, so they
//! are served in one arrival order. Its fields are grouped by who may touch them:
//!
//! - `links`: under the channel lock only (queue surgery).
//! - `slot`: by the waiting thread before it links the waiter and after its
//!   [`Context`] reached a final state; in between, only by the peer that won the
//!   context's claim (one CAS), and only until it completes the context.
//! - `ctx`, `case`: immutable.
//!
//! A waiter is claimed only by a thread that holds the lock of the channel whose queue
//! it is linked in, and that thread completes the claimed context before unlocking.
//! So the owner of a single-channel operation that takes that lock finds the context
//! `Waiting` or final, never `Busy` (a select's context, shared by waiters in several
//! channels, may be `Busy` under another channel's lock).
//!
//! How the operation ended is read in one place, [`Waiter::outcome`], by the blocking,
//! async and select paths alike.

use super::error::{RecvTimeoutError, SendTimeoutError};
use crate::facade::UnsafeCell;
use crate::park::{Context, State, Unparker};
use std::fmt;
use std::ptr;

/// Queue links of a waiter, guarded by the channel lock.
struct Links<T> {
    prev: *const Waiter<T>,
    next: *const Waiter<T>,
    /// Whether the waiter is in a queue (it may have been unlinked by a peer that
    /// found its context already claimed or aborted).
    linked: bool,
}

/// One blocked operation's node in a channel queue: Go's sudog.
#[doc(alias = "sudog")]
pub(crate) struct Waiter<T> {
    /// The blocked operation (shared by every case of one select).
    ctx: *const Context,
    /// Which case of the select this is (0 for a plain send or receive).
    case: usize,
    links: UnsafeCell<Links<T>>,
    /// A sender's value until it is taken; a receiver's value once handed over.
    slot: UnsafeCell<Option<T>>,
}

/// How a waiter's operation ended, with what its slot held: read by
/// [`Waiter::outcome`] once the waiter's context is final and the waiter unlinked.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// A peer completed this waiter's operation: a receiver got this value (a
    /// sender's slot is empty: its value was taken).
    Completed(Option<T>),
    /// The channel closed: a sender gets its value back (a receiver gets nothing).
    Closed(Option<T>),
    /// Not completed: the owner aborted (deadline, dropped future), or another case of
    /// the same select won. A sender gets its value back.
    NotChosen(Option<T>),
}

impl<T> Outcome<T> {
    /// A receive's result. `Timeout` when the waiter was not chosen.
    pub(crate) fn into_recv(self) -> Result<T, RecvTimeoutError> {
        match self {
            Outcome::Completed(v) => Ok(v.expect("bug: receiver completed without a value")),
            Outcome::Closed(v) => {
                debug_assert!(v.is_none(), "bug: receiver failed by close holds a value");
                Err(RecvTimeoutError::Closed)
            }
            Outcome::NotChosen(v) => {
                debug_assert!(v.is_none(), "bug: unchosen receiver holds a value");
                Err(RecvTimeoutError::Timeout)
            }
        }
    }

    /// A send's result, handing the value back unless it was sent. `Timeout` when
    /// the waiter was not chosen.
    pub(crate) fn into_send(self) -> Result<(), SendTimeoutError<T>> {
        match self {
            Outcome::Completed(v) => {
                debug_assert!(v.is_none(), "bug: completed sender kept its value");
                Ok(())
            }
            Outcome::Closed(v) => Err(SendTimeoutError::Closed(
                v.expect("bug: sender failed by close lost its value"),
            )),
            Outcome::NotChosen(v) => Err(SendTimeoutError::Timeout(
                v.expect("bug: unchosen sender lost its value"),
            )),
        }
    }
}

impl<T> fmt::Debug for Waiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("case", &self.case)
            .finish_non_exhaustive()
    }
}

impl<T> Waiter<T> {
    /// A waiter for case `case` of the operation `ctx`, holding `value` (a sender's).
    ///
    /// The waiter must not move once linked; callers keep it in a local they never
    /// move until their context reached a final state and the waiter is unlinked.
    ///
    /// # Safety
    /// `ctx` stays alive and in place for as long as the waiter is used: linked, or
    /// any of its methods called. (Dropping the waiter does not touch `ctx`.)
    pub(crate) unsafe fn new(ctx: &Context, case: usize, value: Option<T>) -> Self {
        Waiter {
            ctx,
            case,
            links: UnsafeCell::new(Links {
                prev: ptr::null(),
                next: ptr::null(),
                linked: false,
            }),
            slot: UnsafeCell::new(value),
        }
    }

    /// The context this waiter belongs to.
    #[inline]
    pub(crate) fn ctx(&self) -> &Context {
        // SAFETY: a waiter never outlives its context (`Waiter::new`'s contract).
        unsafe { &*self.ctx }
    }

    /// Takes the value out of the slot.
    ///
    /// # Safety
    /// The caller may touch the slot (see the module docs).
    #[inline]
    pub(crate) unsafe fn take(&self) -> Option<T> {
        // SAFETY: exclusive access per the caller's contract.
        self.slot.with_mut(|p| unsafe { (*p).take() })
    }

    /// Puts a value into the slot.
    ///
    /// # Safety
    /// As for [`Waiter::take`].
    #[inline]
    pub(crate) unsafe fn put(&self, v: T) {
        // SAFETY: exclusive access per the caller's contract.
        self.slot.with_mut(|p| unsafe { *p = Some(v) });
    }

    /// Completes the operation this waiter stands for (case `case` of its context):
    /// the value moved (`closed == false`), or its channel closed. Returns what wakes
    /// the owner, for the lock's wake list.
    ///
    /// Takes a raw pointer, not `&self`: once the context is complete, the owner may
    /// return and free the waiter at once, while a `&Waiter` argument would still be
    /// live (and protected) for the rest of this call.
    ///
    /// # Safety
    /// As for [`Context::complete`]: `this` points at a live waiter whose context the
    /// caller claimed (and which it unlinked), and the caller touches neither again.
    #[inline]
    pub(crate) unsafe fn complete(this: *const Self, closed: bool) -> Option<Unparker> {
        // SAFETY: `this` is live until the context is complete; read what is needed
        // before completing it.
        let (ctx, case) = unsafe { ((*this).ctx, (*this).case) };
        let outcome = if closed {
            State::Closed(case)
        } else {
            State::Operation(case)
        };
        // SAFETY: forwarded contract; the context outlives the waiter (`Waiter::new`).
        unsafe { (*ctx).complete(outcome) }
    }

    /// How this waiter's operation ended, taking its slot's value: the one reading of
    /// a finished waiter, for every path (blocking, async, select).
    ///
    /// # Safety
    /// The context is final and the waiter unlinked (no peer can reach it any more):
    /// the slot is the owner's again.
    pub(crate) unsafe fn outcome(&self) -> Outcome<T> {
        let state = self.ctx().state();
        // SAFETY: the slot is ours (contract).
        let v = unsafe { self.take() };
        match state {
            State::Operation(i) if i == self.case => Outcome::Completed(v),
            State::Closed(i) if i == self.case => Outcome::Closed(v),
            State::Operation(_) | State::Closed(_) | State::Aborted => Outcome::NotChosen(v),
            State::Waiting | State::Busy => {
                unreachable!("bug: outcome of a waiter whose context is {state:?}")
            }
        }
    }
}

/// A FIFO queue of waiters (`sendq` or `recvq`).
///
/// It lives in the channel's guarded state, so a reference to it is proof that the
/// channel lock is held; the waiters linked in it, and their links, are touched only
/// through it. Every linked waiter is live: [`push_back`](Self::push_back)'s caller
/// keeps it alive and in place until it is unlinked (invariant 5 of `chan::hchan`).
pub(crate) struct WaitQueue<T> {
    head: *const Waiter<T>,
    tail: *const Waiter<T>,
    len: usize,
}

impl<T> fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue").field("len", &self.len).finish()
    }
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> Self {
        WaitQueue {
            head: ptr::null(),
            tail: ptr::null(),
            len: 0,
        }
    }

    /// How many waiters are linked (some may already be claimed or aborted, waiting
    /// for their owner to unlink them).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter (claimable or stale) is linked.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Links `w` at the back.
    ///
    /// # Safety
    /// `w` is not linked, and stays alive and unmoved until it is unlinked from this
    /// queue (by [`remove`](Self::remove) or [`claim_front`](Self::claim_front)).
    pub(crate) unsafe fn push_back(&mut self, w: &Waiter<T>) {
        let wp: *const Waiter<T> = w;
        // SAFETY: `&mut self` is the lock; `w` and the tail are live waiters.
        unsafe {
            w.links.with_mut(|l| {
                debug_assert!(!(*l).linked, "bug: waiter linked twice");
                *l = Links {
                    prev: self.tail,
                    next: ptr::null(),
                    linked: true,
                };
            });
            if self.tail.is_null() {
                self.head = wp;
            } else {
                (*self.tail).links.with_mut(|l| (*l).next = wp);
            }
        }
        self.tail = wp;
        self.len += 1;
    }

    /// Unlinks `w` if it is linked (in this queue). Returns whether it was.
    ///
    /// # Safety
    /// If `w` is linked, it is linked in this queue (not in another channel's, nor in
    /// the other queue of this channel).
    pub(crate) unsafe fn remove(&mut self, w: &Waiter<T>) -> bool {
        // SAFETY: `&mut self` is the lock; linked neighbours are live waiters.
        unsafe {
            let (prev, next, linked) = w.links.with(|l| ((*l).prev, (*l).next, (*l).linked));
            if !linked {
                return false;
            }
            if prev.is_null() {
                self.head = next;
            } else {
                (*prev).links.with_mut(|l| (*l).next = next);
            }
            if next.is_null() {
                self.tail = prev;
            } else {
                (*next).links.with_mut(|l| (*l).prev = prev);
            }
            w.links.with_mut(|l| {
                *l = Links {
                    prev: ptr::null(),
                    next: ptr::null(),
                    linked: false,
                }
            });
        }
        self.len -= 1;
        true
    }

    /// Unlinks waiters from the front until one whose context this call claims; returns
    /// it. Waiters whose context is already claimed (another case of their select won)
    /// or aborted (their deadline passed) are dropped from the queue on the way; their
    /// owners find them unlinked. Go's `dequeue` with its `selectDone` skip.
    ///
    /// The claimed waiter must be completed by the caller ([`Waiter::complete`]).
    pub(crate) fn claim_front(&mut self) -> Option<&Waiter<T>> {
        while !self.head.is_null() {
            // SAFETY: linked waiters are live (type docs).
            let w = unsafe { &*self.head };
            // SAFETY: `w` is linked in this queue.
            unsafe { self.remove(w) };
            if w.ctx().try_claim() {
                return Some(w);
            }
        }
        None
    }

    /// Calls `f` on every linked waiter, front to back (for the invariant checker).
    #[cfg(any(debug_assertions, gosync_loom))]
    fn for_each(&self, mut f: impl FnMut(&Waiter<T>)) {
        let mut cur = self.head;
        while !cur.is_null() {
            // SAFETY: linked waiters are live (type docs), and their links are ours
            // while we hold the queue.
            let w = unsafe { &*cur };
            f(w);
            // SAFETY: as above.
            cur = unsafe { w.links.with(|l| (*l).next) };
        }
    }

    /// The context of the first still-claimable waiter, if any (for the checker).
    #[cfg(any(debug_assertions, gosync_loom))]
    pub(crate) fn first_claimable(&self) -> Option<*const Context> {
        let mut found = None;
        self.for_each(|w| {
            if found.is_none() && w.ctx().state() == State::Waiting {
                found = Some(w.ctx);
            }
        });
        found
    }
}
