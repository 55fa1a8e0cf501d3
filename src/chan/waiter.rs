//! Waiters (Go's `sudog`) and the FIFO wait queues `sendq` / `recvq`.
//!
//! A [`Waiter`] lives on the stack of the thread blocked in a send, a receive or a
//! select — or inside the pinned future of an async task — and is linked into one
//! channel's queue while its owner waits. Threads and tasks share the queues, so they
//! are served in one arrival order. Its fields are grouped by who may touch them:
//!
//! - `links`: under the channel lock only (queue surgery).
//! - `slot`, `closed`: by the waiting thread before it links the waiter and after its
//!   [`Context`] reached a final state; in between, only by the peer that won the
//!   context's claim (one CAS), and only until it completes the context.
//! - `ctx`, `case`: immutable.
//!
//! A waiter is claimed only by a thread that holds the lock of the channel whose queue
//! it is linked in, and that thread completes the claimed context before unlocking.
//! So the owner of a single-channel operation that takes that lock finds the context
//! `WAITING` or final, never `BUSY` (a select's context, shared by waiters in several
//! channels, may be `BUSY` under another channel's lock).

use crate::facade::UnsafeCell;
use crate::park::Context;
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
    /// Set by the peer that completed this waiter because the channel closed.
    closed: UnsafeCell<bool>,
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
    pub(crate) fn new(ctx: &Context, case: usize, value: Option<T>) -> Self {
        Waiter {
            ctx,
            case,
            links: UnsafeCell::new(Links {
                prev: ptr::null(),
                next: ptr::null(),
                linked: false,
            }),
            slot: UnsafeCell::new(value),
            closed: UnsafeCell::new(false),
        }
    }

    /// The context this waiter belongs to.
    ///
    /// # Safety
    /// The waiter is live (its context outlives it).
    #[inline]
    pub(crate) unsafe fn ctx(&self) -> &Context {
        // SAFETY: a waiter never outlives its context (both are on the waiting
        // thread's stack, the context declared first).
        unsafe { &*self.ctx }
    }

    #[inline]
    pub(crate) fn case(&self) -> usize {
        self.case
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

    /// Marks the waiter as completed by a close.
    ///
    /// # Safety
    /// As for [`Waiter::take`].
    #[inline]
    pub(crate) unsafe fn set_closed(&self) {
        // SAFETY: exclusive access per the caller's contract.
        self.closed.with_mut(|p| unsafe { *p = true });
    }

    /// Whether the waiter was completed by a close.
    ///
    /// # Safety
    /// As for [`Waiter::take`].
    #[inline]
    pub(crate) unsafe fn is_closed(&self) -> bool {
        // SAFETY: exclusive access per the caller's contract.
        self.closed.with(|p| unsafe { *p })
    }

    /// Whether the waiter is in a queue.
    #[allow(dead_code)] // for select and the debug checks
    ///
    /// # Safety
    /// The channel lock is held.
    #[inline]
    pub(crate) unsafe fn is_linked(&self) -> bool {
        // SAFETY: links are guarded by the channel lock, which the caller holds.
        self.links.with(|l| unsafe { (*l).linked })
    }
}

/// A FIFO queue of waiters (`sendq` or `recvq`), guarded by the channel lock.
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
    /// The channel lock is held; `w` is not linked and stays alive and unmoved until
    /// unlinked.
    pub(crate) unsafe fn push_back(&mut self, w: &Waiter<T>) {
        let wp: *const Waiter<T> = w;
        // SAFETY: the lock is held; `w` and the tail are live waiters.
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
    /// The channel lock is held; `w` is live and, if linked, linked in this queue.
    pub(crate) unsafe fn remove(&mut self, w: &Waiter<T>) -> bool {
        // SAFETY: the lock is held; linked neighbours are live waiters.
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
    /// The claimed waiter must be completed by the caller ([`Context::complete`]).
    ///
    /// # Safety
    /// The channel lock is held.
    pub(crate) unsafe fn claim_front(&mut self) -> Option<&Waiter<T>> {
        while !self.head.is_null() {
            // SAFETY: the lock is held, so the head is a live linked waiter.
            let w = unsafe { &*self.head };
            // SAFETY: as above.
            unsafe { self.remove(w) };
            // SAFETY: `w` is live; its context outlives it.
            if unsafe { w.ctx() }.try_claim() {
                return Some(w);
            }
        }
        None
    }

    /// Calls `f` on every linked waiter, front to back (for the invariant checker).
    ///
    /// # Safety
    /// The channel lock is held.
    #[cfg(any(debug_assertions, gosync_loom))]
    pub(crate) unsafe fn for_each(&self, mut f: impl FnMut(&Waiter<T>)) {
        let mut cur = self.head;
        while !cur.is_null() {
            // SAFETY: the lock is held, so linked waiters are live.
            let w = unsafe { &*cur };
            f(w);
            // SAFETY: as above.
            cur = unsafe { w.links.with(|l| (*l).next) };
        }
    }

    /// The context of the first still-claimable waiter, if any (for the checker).
    ///
    /// # Safety
    /// The channel lock is held.
    #[cfg(any(debug_assertions, gosync_loom))]
    pub(crate) unsafe fn first_claimable(&self) -> Option<*const Context> {
        let mut found = None;
        // SAFETY: forwarded contract.
        unsafe {
            self.for_each(|w| {
                if found.is_none() && w.ctx().state() == crate::park::WAITING {
                    found = Some(w.ctx);
                }
            })
        };
        found
    }
}
