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
//!
//! # Locks
//!
//! The methods of passes 1 to 3 take a [`Held`]: the proof that the select holds the
//! locks of all its channels (made only by the engine's lock set, which releases
//! them when it drops), through which a case reaches its channel's locked
//! operations. The peers those operations complete go into the `Held`'s wake list,
//! woken after every lock is released.

use crate::chan::waiter::Waiter;
use crate::chan::{
    Hchan, Locked, Receiver, RecvAttempt, RecvError, RecvFlavor, RecvTimeoutError, SendAttempt,
    SendError, SendTimeoutError, Sender, TryRecvError, TrySendError,
};
use crate::facade::UnsafeCell;
use crate::park::{Context, Unparker, WakeList};
use std::fmt;
use std::time::Instant;

/// The locks of a select's channels, held: passed to the cases in passes 1 to 3 so
/// that each reaches its channel's locked operations ([`Held::chan`]), and the wake
/// list of the peers they complete (woken after every lock is released).
///
/// Made only by the engine's lock set (`engine::LockSet`), which took the lock of
/// every key in `keys` before making it and releases them only when it drops, after
/// every borrow of this `Held` has ended.
pub(crate) struct Held<'p> {
    /// `(lock-order key, case)` of every locked channel, sorted by key.
    keys: &'p [(usize, u32)],
    /// The peers completed under the locks.
    wake: WakeList<Unparker>,
}

impl fmt::Debug for Held<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held")
            .field("locks", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl<'p> Held<'p> {
    /// A proof for the locks of `keys` (`(lock-order key, case)`, sorted by key).
    ///
    /// # Safety
    /// The calling thread holds the lock of every channel whose lock-order key is in
    /// `keys` (taken with `Hchan::lock_raw`), for as long as the result lives.
    pub(crate) unsafe fn new(keys: &'p [(usize, u32)]) -> Self {
        Held {
            keys,
            wake: WakeList::new(),
        }
    }

    /// The locked operations of `c`, one of the select's channels.
    ///
    /// # Panics
    /// If `c`'s lock is not among those held (a bug in the engine).
    #[inline]
    pub(crate) fn chan<'h, T>(&'h mut self, c: &'h Hchan<T>) -> Locked<'h, T> {
        let key = c.lock_order();
        // A few locks (the usual select): a scan; many: a binary search.
        let held = if self.keys.len() <= 8 {
            self.keys.iter().any(|&(k, _)| k == key)
        } else {
            self.keys.binary_search_by_key(&key, |&(k, _)| k).is_ok()
        };
        assert!(held, "bug: a select case's channel is not locked");
        // SAFETY: this thread holds the lock of every channel in `keys` while `self`
        // lives (`Held::new`), `c` is among them, and `&mut self` keeps this the only
        // view until it is dropped.
        unsafe { c.assume_locked(&mut self.wake) }
    }
}

/// One case of a select, as the engine sees it: every receiver and sender flavor
/// takes part in a select through this trait.
///
/// The engine calls, in order: [`try_complete`](Self::try_complete) (pass 1, under
/// the locks); if nothing was ready, [`register`](Self::register) (pass 2, under the
/// locks), then after waking [`unregister`](Self::unregister) (pass 3, under the
/// locks) and [`finish`](Self::finish) (unlocked). It may loop back to pass 1 after
/// `finish` (a timer came due).
///
/// All methods take `&self`: see the module docs. A case is not `Sync`, so only the
/// selecting thread ever calls them.
pub(crate) trait SelectHandle {
    /// Whether the case can ever proceed. A nil operand (`None`) or [`never`](crate::chan::never)
    /// is left out of the select entirely.
    fn is_active(&self) -> bool;

    /// The channel this case must lock, identified by address (the lock order key),
    /// or `None` when it has no lock (a timer).
    fn lock_key(&self) -> Option<usize>;

    /// Locks the channel of [`lock_key`](Self::lock_key). Only the engine's lock set
    /// calls it, once per distinct key, in key order.
    fn lock(&self);

    /// Unlocks it.
    ///
    /// # Safety
    /// The calling thread took the lock with [`lock`](Self::lock) and no view of it
    /// (from [`Held::chan`]) is alive.
    unsafe fn unlock(&self);

    /// When the case becomes ready without a peer (a timer's deadline), if ever.
    fn ready_at(&self) -> Option<Instant>;

    /// A non-blocking select whose only active case is this one (Go compiles it to
    /// `selectnbrecv` / `selectnbsend`): tries the operation through the channel's
    /// own non-blocking path, which answers "empty" or "full" without taking the
    /// lock. Stores the outcome; returns whether the case completed.
    ///
    /// # Safety
    /// The calling thread holds no channel lock (this takes the channel's own), and
    /// the case is not registered (a send case's value is then in no waiter).
    unsafe fn try_alone(&self) -> bool;

    /// Whether the case is certainly not ready at the instant of a load made by this
    /// call, read from the channel's lock-free mirrors without its lock (`false`
    /// when unsure: a timer, a closed channel). Biased pass 0 uses it to see an
    /// earlier case idle at one instant while it holds a later case's lock.
    fn surely_idle(&self) -> bool {
        false
    }

    /// Pass 1: tries to complete the operation now, storing the outcome in the case;
    /// returns whether it completed (a peer it completed is woken after the unlock).
    /// Not called while the case is registered.
    fn try_complete(&self, held: &mut Held<'_>) -> bool;

    /// Pass 2: links a waiter for case `index` of `ctx` into the channel's queue.
    ///
    /// # Safety
    /// Pass 1 just found the case not ready under this same hold of the locks (so the
    /// channel is open). The case does not move, and `ctx` stays alive, until
    /// [`finish`](Self::finish) has run.
    unsafe fn register(&self, held: &mut Held<'_>, ctx: &Context, index: usize);

    /// Pass 3: unlinks the waiter unless a peer already did.
    ///
    /// # Panics
    /// If the case was not registered (a bug).
    fn unregister(&self, held: &mut Held<'_>);

    /// After pass 3, unlocked: reads the waiter's outcome — the chosen case stores
    /// it, an unchosen send case takes its value back — and drops the waiter.
    ///
    /// # Safety
    /// [`unregister`](Self::unregister) ran under the locks after the context reached
    /// its final state (so no peer can reach the waiter any more).
    unsafe fn finish(&self);

    /// An async select dropped after a peer completed this case (and before the
    /// outcome reached the caller): gives a received value back to its channel
    /// (invariant 7 of `chan::hchan`), so that the drop loses nothing. Other cases
    /// have nothing to give back: a completed send stays sent. Called after
    /// [`finish`](Self::finish), holding no channel lock (it takes its channel's).
    #[cfg(feature = "async")]
    fn give_back(&self) {}
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
    /// Called between `register` and `finish` (which moves the waiter out: the
    /// reference must be gone by then).
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
    fn give_back(&self) {
        // SAFETY: only this thread opens the cell; the access touches `result` only,
        // never the waiter.
        let r = self.state.with_mut(|p| unsafe { (*p).result.take() });
        if let (Some(Ok(v)), Some(RecvFlavor::Chan(c))) = (r, self.flavor()) {
            c.lock().give_back(v);
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
            c.lock_raw();
        }
    }

    unsafe fn unlock(&self) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: forwarded contract.
            unsafe { c.unlock_raw() };
        }
    }

    fn ready_at(&self) -> Option<Instant> {
        match self.flavor()? {
            RecvFlavor::Timer(t, _) => t.deadline(),
            _ => None,
        }
    }

    fn surely_idle(&self) -> bool {
        match self.flavor() {
            // As the channel's own `Empty` answer: emptiness first, then `flags`. Empty
            // at the first loads and still open at the last means empty and open at
            // the first (closing is permanent).
            Some(RecvFlavor::Chan(c)) => c.len() == 0 && c.waiting_senders() == 0 && !c.is_closed(),
            Some(RecvFlavor::Never) | None => true,
            Some(RecvFlavor::Timer(..)) => false,
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

    fn try_complete(&self, held: &mut Held<'_>) -> bool {
        match self.flavor() {
            Some(RecvFlavor::Chan(c)) => match held.chan(c).try_recv() {
                RecvAttempt::Received(v) => {
                    self.set_result(Ok(v));
                    true
                }
                RecvAttempt::Closed => {
                    self.set_result(Err(RecvError));
                    true
                }
                RecvAttempt::Empty => false,
            },
            Some(RecvFlavor::Timer(t, conv)) => match t.try_fire() {
                Some(due) => {
                    self.set_result(Ok(conv(due)));
                    true
                }
                None => false,
            },
            Some(RecvFlavor::Never) | None => false,
        }
    }

    unsafe fn register(&self, held: &mut Held<'_>, ctx: &Context, index: usize) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: `ctx` lives until `finish`, which drops the waiter (contract).
            let w = unsafe { Waiter::new(ctx, index, None) };
            // SAFETY: the waiter is not linked yet (a fresh one replaces none: `finish`
            // took the last one out), and only this thread opens the cell.
            let w: *const Waiter<T> = self.state.with_mut(|p| unsafe {
                debug_assert!((*p).waiter.is_none(), "bug: select case registered twice");
                (*p).waiter.insert(w) as *const Waiter<T>
            });
            // SAFETY: the waiter stays in place (the case does not move) until
            // `unregister` unlinks it and `finish` drops it; it is linked nowhere else.
            unsafe { held.chan(c).enqueue_recv(&*w) };
        }
    }

    fn unregister(&self, held: &mut Held<'_>) {
        if let Some(RecvFlavor::Chan(c)) = self.flavor() {
            // SAFETY: between `register` and `finish`; the waiter was linked only in
            // this channel's `recvq`.
            unsafe { held.chan(c).unlink_recv(self.waiter()) };
        }
    }

    unsafe fn finish(&self) {
        if !matches!(self.flavor(), Some(RecvFlavor::Chan(_))) {
            return;
        }
        // SAFETY: the waiter is unlinked and its context final (contract): nobody
        // else can reach it, so it may be moved out.
        let w = self.state.with_mut(|p| unsafe { (*p).waiter.take() });
        let w = w.expect("bug: select case finished without a waiter");
        // SAFETY: as above: its slot is ours again.
        match unsafe { w.outcome() }.into_recv() {
            Ok(v) => self.set_result(Ok(v)),
            Err(RecvTimeoutError::Closed) => self.set_result(Err(RecvError)),
            Err(RecvTimeoutError::Timeout) => {} // another case won, or the wait ended
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

    /// Takes the value out to send it (while it is in no waiter).
    fn take_value(&self) -> T {
        // SAFETY: only this thread opens the cell; the access touches `value` only,
        // never the (possibly linked) waiter.
        let v = self.state.with_mut(|p| unsafe { (*p).value.take() });
        v.expect("bug: select send case lost its value")
    }

    /// Puts back a value that was not sent.
    fn put_value(&self, v: T) {
        // SAFETY: as in `take_value`.
        self.state.with_mut(|p| unsafe { (*p).value = Some(v) });
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
            s.hchan().lock_raw();
        }
    }

    unsafe fn unlock(&self) {
        if let Some(s) = self.tx {
            // SAFETY: forwarded contract.
            unsafe { s.hchan().unlock_raw() };
        }
    }

    fn ready_at(&self) -> Option<Instant> {
        None
    }

    fn surely_idle(&self) -> bool {
        let Some(s) = self.tx else {
            return true;
        };
        let c = s.hchan();
        // As the channel's own `Full` answer: `flags` first, then fullness. Open at the
        // first load and full at the last means open and full at the last.
        if c.is_closed() {
            return false;
        }
        match c.capacity() {
            None => false,
            Some(0) => c.waiting_receivers() == 0,
            // `>=`: a give-back may push the buffer past its capacity.
            Some(cap) => c.len() >= cap,
        }
    }

    unsafe fn try_alone(&self) -> bool {
        let Some(s) = self.tx else {
            return false;
        };
        let v = self.take_value();
        match s.try_send(v) {
            Ok(()) => self.set_result(Ok(())),
            Err(TrySendError::Closed(v)) => self.set_result(Err(SendError(v))),
            Err(TrySendError::Full(v)) => {
                self.put_value(v);
                return false;
            }
        }
        true
    }

    fn try_complete(&self, held: &mut Held<'_>) -> bool {
        let Some(s) = self.tx else {
            return false;
        };
        let v = self.take_value();
        match held.chan(s.hchan()).try_send(v) {
            SendAttempt::Sent => self.set_result(Ok(())),
            SendAttempt::Closed(v) => self.set_result(Err(SendError(v))),
            SendAttempt::Full(v) => {
                self.put_value(v);
                return false;
            }
        }
        true
    }

    unsafe fn register(&self, held: &mut Held<'_>, ctx: &Context, index: usize) {
        let Some(s) = self.tx else {
            return;
        };
        let v = self.take_value();
        // SAFETY: as in `RecvCase::register`.
        let w = unsafe { Waiter::new(ctx, index, Some(v)) };
        // SAFETY: as in `RecvCase::register`; the value moved into the waiter's slot.
        let w: *const Waiter<T> = self.state.with_mut(|p| unsafe {
            debug_assert!((*p).waiter.is_none(), "bug: select case registered twice");
            (*p).waiter.insert(w) as *const Waiter<T>
        });
        // SAFETY: as in `RecvCase::register`.
        unsafe { held.chan(s.hchan()).enqueue_send(&*w) };
    }

    fn unregister(&self, held: &mut Held<'_>) {
        if let Some(s) = self.tx {
            // SAFETY: between `register` and `finish`; the waiter was linked only in
            // this channel's `sendq`.
            unsafe { held.chan(s.hchan()).unlink_send(self.waiter()) };
        }
    }

    unsafe fn finish(&self) {
        if self.tx.is_none() {
            return;
        }
        // SAFETY: as in `RecvCase::finish`.
        let w = self.state.with_mut(|p| unsafe { (*p).waiter.take() });
        let w = w.expect("bug: select case finished without a waiter");
        // SAFETY: as in `RecvCase::finish`.
        match unsafe { w.outcome() }.into_send() {
            Ok(()) => self.set_result(Ok(())),
            Err(SendTimeoutError::Closed(v)) => self.set_result(Err(SendError(v))),
            // Another case won, or the wait ended: the value comes back.
            Err(SendTimeoutError::Timeout(v)) => self.put_value(v),
        }
    }
}
