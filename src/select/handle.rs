//! How a select sees one case: the [`SelectHandle`] trait, and the two kinds of case
//! that implement it, [`RecvCase`] and [`SendCase`], over every receiver and sender
//! flavor (a channel, a timer, `never`, or a nil operand).
//!
//! A case owns everything the select needs for it across the three passes: its
//! operand, the send value (until it is sent), the waiter it links into the channel
//! while the select is parked (Go's sudog), and the outcome once it is chosen.
//!
//! # Who touches what
//!
//! The engine holds only shared references to cases: once a waiter is linked, peers
//! hold raw pointers to it, and a fresh `&mut` to the case would claim exclusive access
//! to memory that a peer may be writing. So a case keeps its mutable state in a
//! [`UnsafeCell`] that only the selecting thread opens, and it never forms a `&mut` to
//! a linked waiter: it reaches the waiter through shared references, and moves it out
//! only after pass 3 has unlinked it (then no peer can reach it).

use crate::chan::waiter::Waiter;
use crate::chan::{
    Receiver, RecvAttempt, RecvError, RecvFlavor, SendAttempt, SendError, Sender, TryRecvError,
    TrySendError,
};
use crate::facade::UnsafeCell;
use crate::park::{Context, Unparker};
use std::fmt;
use std::time::Instant;

/// The outcome of pass 1 for one case.
pub(crate) enum Poll {
    /// The case cannot proceed now.
    Pending,
    /// The case completed (its outcome is stored in the case); a peer to wake once
    /// every lock is released, if one was completed.
    Ready(Option<Unparker>),
}

/// One case of a select, as the engine sees it (DESIGN.md's `SelectHandle`).
///
/// The engine calls, in order: [`try_complete`](Self::try_complete) (pass 1, under
/// the locks); if nothing was ready, [`register`](Self::register) (pass 2, under the
/// locks), then after waking [`unregister`](Self::unregister) (pass 3, under the
/// locks) and [`finish`](Self::finish) (unlocked). It may loop back to pass 1 after
/// `finish` (a timer came due).
///
/// All methods take `&self`: see the module docs.
pub(crate) trait SelectHandle {
    /// Whether the case can ever proceed. A nil operand (`None`) or [`never`](crate::chan::never)
    /// is left out of the select entirely.
    fn is_active(&self) -> bool;

    /// The channel this case must lock, identified by address (the lock order key),
    /// or `None` when it has no lock (a timer).
    fn lock_key(&self) -> Option<usize>;

    /// Locks the channel of [`lock_key`](Self::lock_key). The engine calls it once per
    /// distinct key, in key order.
    fn lock(&self);

    /// Unlocks it.
    ///
    /// # Safety
    /// The calling thread holds the lock.
    unsafe fn unlock(&self);

    /// When the case becomes ready without a peer (a timer's deadline), if ever.
    fn ready_at(&self) -> Option<Instant>;

    /// A non-blocking select whose only active case is this one (Go compiles it to
    /// `selectnbrecv` / `selectnbsend`): tries the operation through the channel's
    /// own non-blocking path, which answers "empty" or "full" without taking the
    /// lock. Stores the outcome; returns whether the case completed.
    ///
    /// # Safety
    /// Only the selecting thread calls this, holding no channel lock, with the case
    /// not registered.
    unsafe fn try_alone(&self) -> bool;

    /// Pass 1: tries to complete the operation now, storing the outcome in the case.
    ///
    /// # Safety
    /// The channel lock is held (if the case has one); only the selecting thread
    /// calls this, and not while the case is registered.
    unsafe fn try_complete(&self) -> Poll;

    /// Pass 2: links a waiter for case `index` of `ctx` into the channel's queue.
    ///
    /// # Safety
    /// The channel lock is held, and pass 1 just found the case not ready under that
    /// same lock hold (so the channel is open). The case does not move, and `ctx`
    /// stays alive, until [`finish`](Self::finish) has run.
    unsafe fn register(&self, ctx: &Context, index: usize);

    /// Pass 3: unlinks the waiter unless a peer already did.
    ///
    /// # Safety
    /// The channel lock is held; [`register`](Self::register) was called and
    /// `ctx` has reached a final state.
    unsafe fn unregister(&self);

    /// After pass 3, unlocked: if `selected`, collects the outcome from the waiter;
    /// otherwise takes a send value back. Drops the waiter.
    ///
    /// # Safety
    /// [`unregister`](Self::unregister) ran under the lock after `ctx` reached its
    /// final state (so no peer can reach the waiter any more), and `selected` says
    /// whether that final state chose this case.
    unsafe fn finish(&self, selected: bool);

    /// An async select dropped after a peer completed this case (and before the
    /// outcome reached the caller): gives a received value back to its channel
    /// (invariant 7 of `chan::hchan`), so that the drop loses nothing. Other cases
    /// have nothing to give back: a completed send stays sent.
    ///
    /// # Safety
    /// [`finish`](Self::finish) ran with `selected`; no lock is held.
    #[cfg(feature = "async")]
    unsafe fn give_back(&self) {}
}

// ----- receive ---------------------------------------------------------------------

/// A receive case: `recv(r) -> msg` (hidden: used by the `select!` expansion).
#[doc(hidden)]
pub struct RecvCase<'a, T> {
    rx: Option<&'a Receiver<T>>,
    /// Opened only by the selecting thread (module docs).
    state: UnsafeCell<RecvState<T>>,
}

struct RecvState<T> {
    /// Linked into `recvq` between pass 2 and pass 3.
    waiter: Option<Waiter<T>>,
    /// The outcome, once chosen.
    result: Option<Result<T, RecvError>>,
}

// SAFETY: a case changes threads only with its owner (a `Send` select builder or
// `wait_async` future moved to, or polled from, another thread), never while the
// owner is inside a select pass. What it owns is at most `T`s (`T: Send`). The
// waiter's raw pointers point at the select's `Context` (which moves with the same
// owner and is itself `Send`) and at neighbouring waiters of one channel, which every
// thread follows only under that channel's lock — the argument that makes the async
// `Op<T>` of `chan::future` `Send`. Not `Sync`: only the selecting thread opens the
// state.
unsafe impl<T: Send> Send for RecvState<T> {}

impl<'a, T> RecvCase<'a, T> {
    /// A case receiving from `rx` (`None`: never ready).
    pub(crate) fn new(rx: Option<&'a Receiver<T>>) -> Self {
        RecvCase {
            rx,
            state: UnsafeCell::new(RecvState {
                waiter: None,
                result: None,
            }),
        }
    }

    /// The outcome, if the select chose this case (taken once).
    #[inline]
    pub(crate) fn take(&mut self) -> Option<Result<T, RecvError>> {
        // SAFETY: `&mut self`: no select is running on this case, so no waiter is
        // linked and nobody else opens the cell.
        self.state.with_mut(|p| unsafe { (*p).result.take() })
    }

    fn flavor(&self) -> Option<&'a RecvFlavor<T>> {
        self.rx.map(|r| &r.flavor)
    }

    fn set_result(&self, r: Result<T, RecvError>) {
        // SAFETY: only the selecting thread opens the cell; the assignment touches
        // `result` only, never the (possibly linked) waiter.
        self.state.with_mut(|p| unsafe { (*p).result = Some(r) });
    }

    /// The linked waiter.
    ///
    /// # Safety
    /// Called by the selecting thread between `register` and `finish`.
    unsafe fn waiter(&self) -> &Waiter<T> {
        // SAFETY: a shared reference only; the waiter stays in place (the case does
        // not move while registered) until `finish` takes it out.
        self.state.with(|p| unsafe {
            (*p).waiter
                .as_ref()
                .expect("bug: select case has no waiter")
        })
    }
}

impl<T> fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvCase")
            .field("rx", &self.rx)
            .finish_non_exhaustive()
    }
}

impl<T> SelectHandle for RecvCase<'_, T> {
    #[cfg(feature = "async")]
    unsafe fn give_back(&self) {
        // SAFETY: `finish` ran: no waiter is linked and only this thread opens the cell.
        let r = self.state.with_mut(|p| unsafe { (*p).result.take() });
        if let (Some(Ok(v)), Some(RecvFlavor::Chan(c))) = (r, self.flavor()) {
            c.lock();
            // SAFETY: the lock is held.
            let u = unsafe { c.give_back_locked(v) };
            // SAFETY: taken above.
            unsafe { c.unlock() };
            if let Some(u) = u {
                u.unpark();
            }
        }
    }

    fn is_active(&self) -> bool {
        matches!(
            self.flavor(),
            Some(RecvFlavor::Chan(_) | RecvFlavor::Timer(..))
        )
    }

    fn lock_key(&self) -> Option<usize> {
        match self.flavor()? {
            RecvFlavor::Chan(c) => Some(c.lock_order()),
            _ => None,
        }
    }

    fn lock(&self) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            c.lock();
        }
    }

    unsafe fn unlock(&self) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: forwarded contract: the lock is held.
            unsafe { c.unlock() };
        }
    }

    fn ready_at(&self) -> Option<Instant> {
        match self.flavor()? {
            RecvFlavor::Timer(t, _) => t.deadline(),
            _ => None,
        }
    }

    unsafe fn try_alone(&self) -> bool {
        let Some(rx) = self.rx else {
            return false;
        };
        match rx.try_recv() {
            Ok(v) => self.set_result(Ok(v)),
            Err(TryRecvError::Closed) => self.set_result(Err(RecvError)),
            Err(TryRecvError::Empty) => return false,
        }
        true
    }

    unsafe fn try_complete(&self) -> Poll {
        match self.flavor() {
            Some(RecvFlavor::Chan(c)) => {
                // SAFETY: the lock is held (contract).
                match unsafe { c.try_recv_locked() } {
                    RecvAttempt::Received(v, u) => {
                        self.set_result(Ok(v));
                        Poll::Ready(u)
                    }
                    RecvAttempt::Closed => {
                        self.set_result(Err(RecvError));
                        Poll::Ready(None)
                    }
                    RecvAttempt::Empty => Poll::Pending,
                }
            }
            Some(RecvFlavor::Timer(t, conv)) => match t.try_fire() {
                Some(due) => {
                    self.set_result(Ok(conv(due)));
                    Poll::Ready(None)
                }
                None => Poll::Pending,
            },
            Some(RecvFlavor::Never) | None => Poll::Pending,
        }
    }

    unsafe fn register(&self, ctx: &Context, index: usize) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: the waiter is not linked yet (a fresh one replaces none: `finish`
            // took the last one out), and only this thread opens the cell.
            let w: *const Waiter<T> = self.state.with_mut(|p| unsafe {
                debug_assert!((*p).waiter.is_none(), "bug: select case registered twice");
                (*p).waiter.insert(Waiter::new(ctx, index, None)) as *const Waiter<T>
            });
            // SAFETY: the lock is held and the channel is open (contract); the waiter
            // stays in place until `unregister` unlinks it and `finish` drops it.
            unsafe { c.enqueue_recv(&*w) };
        }
    }

    unsafe fn unregister(&self) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: the lock is held; the waiter was enqueued on this channel.
            unsafe { c.unlink_recv(self.waiter()) };
        }
    }

    unsafe fn finish(&self, selected: bool) {
        if !matches!(self.flavor(), Some(RecvFlavor::Chan(_))) {
            return;
        }
        // SAFETY: the waiter is unlinked and its context final (contract): nobody
        // else can reach it, so it may be moved out and its slot read.
        let w = self.state.with_mut(|p| unsafe { (*p).waiter.take() });
        let w = w.expect("bug: select case finished without a waiter");
        if selected {
            // SAFETY: as above: the slot is ours again.
            let r = match unsafe { w.take() } {
                Some(v) => Ok(v),
                None => {
                    // SAFETY: as above.
                    let closed = unsafe { w.is_closed() };
                    debug_assert!(closed, "bug: select woken without a value");
                    Err(RecvError)
                }
            };
            self.set_result(r);
        }
    }
}

// ----- send ------------------------------------------------------------------------

/// A send case: `send(s, v) -> res` (hidden: used by the `select!` expansion).
#[doc(hidden)]
pub struct SendCase<'a, T> {
    tx: Option<&'a Sender<T>>,
    /// Opened only by the selecting thread (module docs).
    state: UnsafeCell<SendState<T>>,
}

struct SendState<T> {
    /// The value, while it is neither sent nor parked in the waiter. Dropped with the
    /// case if the case is not chosen.
    value: Option<T>,
    /// Linked into `sendq` (holding the value) between pass 2 and pass 3.
    waiter: Option<Waiter<T>>,
    /// The outcome, once chosen.
    result: Option<Result<(), SendError<T>>>,
}

// SAFETY: as for `RecvState`: at most `T`s owned, and the waiter's pointers are
// followed by other threads only under its channel's lock.
unsafe impl<T: Send> Send for SendState<T> {}

impl<'a, T> SendCase<'a, T> {
    /// A case sending `value` on `tx` (`None`: never ready; the value is dropped with
    /// the case).
    pub(crate) fn new(tx: Option<&'a Sender<T>>, value: T) -> Self {
        SendCase {
            tx,
            state: UnsafeCell::new(SendState {
                value: Some(value),
                waiter: None,
                result: None,
            }),
        }
    }

    /// The outcome, if the select chose this case (taken once).
    #[inline]
    pub(crate) fn take(&mut self) -> Option<Result<(), SendError<T>>> {
        // SAFETY: as in `RecvCase::take`.
        self.state.with_mut(|p| unsafe { (*p).result.take() })
    }

    /// The value back from a case the select did not choose (`None` if it was
    /// chosen): for `Sender::send_ctx`, whose error hands the value back.
    pub(crate) fn into_unsent(self) -> Option<T> {
        self.state.into_inner().value
    }

    fn set_result(&self, r: Result<(), SendError<T>>) {
        // SAFETY: as in `RecvCase::set_result`.
        self.state.with_mut(|p| unsafe { (*p).result = Some(r) });
    }

    /// # Safety
    /// As for `RecvCase::waiter`.
    unsafe fn waiter(&self) -> &Waiter<T> {
        // SAFETY: as in `RecvCase::waiter`.
        self.state.with(|p| unsafe {
            (*p).waiter
                .as_ref()
                .expect("bug: select case has no waiter")
        })
    }
}

impl<T> fmt::Debug for SendCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendCase")
            .field("tx", &self.tx)
            .finish_non_exhaustive()
    }
}

impl<T> SelectHandle for SendCase<'_, T> {
    fn is_active(&self) -> bool {
        self.tx.is_some()
    }

    fn lock_key(&self) -> Option<usize> {
        self.tx.map(|s| s.hchan().lock_order())
    }

    fn lock(&self) {
        if let Some(s) = self.tx {
            s.hchan().lock();
        }
    }

    unsafe fn unlock(&self) {
        if let Some(s) = self.tx {
            // SAFETY: forwarded contract: the lock is held.
            unsafe { s.hchan().unlock() };
        }
    }

    fn ready_at(&self) -> Option<Instant> {
        None
    }

    unsafe fn try_alone(&self) -> bool {
        let Some(s) = self.tx else {
            return false;
        };
        // SAFETY: only this thread opens the cell; the value is not in a waiter.
        let v = self.state.with_mut(|p| unsafe { (*p).value.take() });
        let v = v.expect("bug: select send case lost its value");
        match s.try_send(v) {
            Ok(()) => self.set_result(Ok(())),
            Err(TrySendError::Closed(v)) => self.set_result(Err(SendError(v))),
            Err(TrySendError::Full(v)) => {
                // SAFETY: as above.
                self.state.with_mut(|p| unsafe { (*p).value = Some(v) });
                return false;
            }
        }
        true
    }

    unsafe fn try_complete(&self) -> Poll {
        let Some(s) = self.tx else {
            return Poll::Pending;
        };
        // SAFETY: only this thread opens the cell; the value is not in a waiter.
        let v = self.state.with_mut(|p| unsafe { (*p).value.take() });
        let v = v.expect("bug: select send case lost its value");
        // SAFETY: the lock is held (contract).
        match unsafe { s.hchan().try_send_locked(v) } {
            SendAttempt::Sent(u) => {
                self.set_result(Ok(()));
                Poll::Ready(u)
            }
            SendAttempt::Closed(v) => {
                self.set_result(Err(SendError(v)));
                Poll::Ready(None)
            }
            SendAttempt::Full(v) => {
                // SAFETY: as above.
                self.state.with_mut(|p| unsafe { (*p).value = Some(v) });
                Poll::Pending
            }
        }
    }

    unsafe fn register(&self, ctx: &Context, index: usize) {
        let Some(s) = self.tx else {
            return;
        };
        // SAFETY: as in `RecvCase::register`; the value moves into the waiter's slot.
        let w: *const Waiter<T> = self.state.with_mut(|p| unsafe {
            debug_assert!((*p).waiter.is_none(), "bug: select case registered twice");
            let v = (*p).value.take();
            debug_assert!(v.is_some(), "bug: select send case lost its value");
            (*p).waiter.insert(Waiter::new(ctx, index, v)) as *const Waiter<T>
        });
        // SAFETY: as in `RecvCase::register`.
        unsafe { s.hchan().enqueue_send(&*w) };
    }

    unsafe fn unregister(&self) {
        if let Some(s) = self.tx {
            // SAFETY: the lock is held; the waiter was enqueued on this channel.
            unsafe { s.hchan().unlink_send(self.waiter()) };
        }
    }

    unsafe fn finish(&self, selected: bool) {
        if self.tx.is_none() {
            return;
        }
        // SAFETY: as in `RecvCase::finish`.
        let w = self.state.with_mut(|p| unsafe { (*p).waiter.take() });
        let w = w.expect("bug: select case finished without a waiter");
        // SAFETY: the waiter is unlinked and its context final: its slot is ours.
        let (closed, v) = unsafe { (w.is_closed(), w.take()) };
        if selected {
            if closed {
                let v = v.expect("bug: send failed by close lost its value");
                self.set_result(Err(SendError(v)));
            } else {
                debug_assert!(v.is_none(), "bug: completed send kept its value");
                self.set_result(Ok(()));
            }
        } else {
            debug_assert!(v.is_some(), "bug: unchosen send lost its value");
            // SAFETY: only this thread opens the cell.
            self.state.with_mut(|p| unsafe { (*p).value = v });
        }
    }
}
