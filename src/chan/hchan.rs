//! The channel: Go's `hchan` for OS threads.
//!
//! One heap object per channel: a lock, a ring buffer, and two FIFO queues of waiters
//! (`sendq`, `recvq`) that live on blocked threads' stacks. A send that finds a parked
//! receiver hands the value straight into that receiver's waiter; a receive that makes
//! room in a full buffer moves a parked sender's value into the buffer. Threads are
//! woken only after the lock is released.
//!
//! # Invariants
//!
//! Under the lock (checked by [`Inner::check`] in debug builds and under loom):
//!
//! 1. `sendq` and `recvq` never both hold a claimable waiter, except the two waiters
//!    of one select that both sends and receives on one rendezvous channel.
//! 2. Buffered: `len > 0` ⇒ `recvq` has no claimable waiter; `len < cap` ⇒ `sendq`
//!    has no claimable waiter. (Claimed or aborted waiters may stay linked until their
//!    owner, or the next peer, unlinks them.)
//! 3. Every value has exactly one owner at a time: the sender's stack, a waiter's
//!    slot, a buffer slot, or the receiver. It moves between them only under the lock,
//!    and into or out of a waiter's slot only by the peer that won the waiter's
//!    context claim (a CAS), or by the waiting thread itself once its context is final.
//! 4. No thread is woken and no user `Drop` runs while the lock is held: operations
//!    collect [`Unparker`]s and values to drop, unlock, then wake and drop (Go's
//!    `closechan`).
//! 5. A waiter is linked only while its thread waits on it; whoever completes or
//!    cancels it unlinks it (under the lock) before that thread returns.
//! 6. Once `closed` is set it stays set; after it, no waiter is enqueued and no send
//!    adds to the buffer (only a give-back, below, may).
//! 7. Give-back (feature `async`): a receive future dropped after a sender handed it a
//!    value gives the value back, under the lock: to the first claimable waiting
//!    receiver, else to the FRONT of the buffer (it was sent before anything buffered
//!    since, because the buffer was empty when it was handed over). This is the one
//!    way the buffer can exceed its capacity: by one value per such give-back (so a
//!    rendezvous channel may briefly hold a value). While over capacity, sends do not
//!    buffer and a receive does not refill the buffer from a parked sender; the
//!    checker bounds the excess by the give-backs not yet drained.
//!
//! Lock order: a thread holds at most one channel lock, except a select, which takes
//! the locks of its distinct channels in address order. No other lock is taken while
//! a channel lock is held, except the wait table's bucket lock inside the channel
//! lock's own slow path.
//!
//! The atomics outside the lock (`len`, `sendq_len`, `recvq_len`, `flags`) mirror the
//! guarded state; they are written under the lock and read without it by the
//! non-blocking fast paths and by the diagnostics (`len()`, `waiting_senders()`, …).

use super::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use super::ring::Ring;
use super::waiter::{WaitQueue, Waiter};
use crate::facade::{AtomicU8, AtomicUsize, Ordering, UnsafeCell};
use crate::park::lock::RawLock;
use crate::park::{Block, Context, Unparker, ABORTED};
use std::fmt;
use std::time::Instant;

/// `flags` bit: the channel is closed (by `close`, the last sender, or the last
/// receiver).
const CLOSED: u8 = 1;
/// `flags` bit: the last receiver is gone (buffered values were dropped).
const RX_GONE: u8 = 2;

/// The state guarded by the channel lock.
struct Inner<T> {
    ring: Ring<T>,
    sendq: WaitQueue<T>,
    recvq: WaitQueue<T>,
    closed: bool,
    /// For the checker: values given back over capacity (invariant 7) since the
    /// buffer was last within its capacity.
    #[cfg(any(debug_assertions, gosync_loom))]
    over_cap: usize,
}

/// The outcome of a send attempt made under the lock.
pub(crate) enum SendAttempt<T> {
    /// Buffered, or handed to a waiting receiver (to be woken after unlocking).
    Sent(Option<Unparker>),
    /// No room and no waiting receiver.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

/// The outcome of a receive attempt made under the lock.
pub(crate) enum RecvAttempt<T> {
    /// A value, and a sender to wake after unlocking if one was completed.
    Received(T, Option<Unparker>),
    /// Nothing buffered and no waiting sender.
    Empty,
    /// Closed and drained.
    Closed,
}

/// A channel (Go's `hchan`).
pub(crate) struct Hchan<T> {
    lock: RawLock,
    /// Guarded by `lock`.
    inner: UnsafeCell<Inner<T>>,
    /// Capacity: `Some(0)` rendezvous, `None` unbounded. Immutable.
    cap: Option<usize>,

    // Mirrors of the guarded state, stored under the lock.
    /// Number of buffered values.
    len: AtomicUsize,
    /// Number of waiters linked in `sendq` (some may be stale: claimed elsewhere).
    sendq_len: AtomicUsize,
    /// Number of waiters linked in `recvq` (same caveat).
    recvq_len: AtomicUsize,
    /// `CLOSED` | `RX_GONE`.
    flags: AtomicU8,

    /// Live `Sender` handles.
    pub(crate) senders: AtomicUsize,
    /// Live `Receiver` handles.
    pub(crate) receivers: AtomicUsize,

    /// Under loom: this channel's creation number, the select lock-order key (see
    /// [`Hchan::lock_order`]). Immutable.
    #[cfg(gosync_loom)]
    order: usize,
}

// SAFETY: the values of type `T` inside move between threads (so `T: Send`), and every
// access to the guarded state goes through the lock; the raw waiter pointers point at
// waiters kept alive by their blocked threads (invariant 5).
unsafe impl<T: Send> Send for Hchan<T> {}
// SAFETY: as above: shared access only reaches `T` values by moving them out under
// the lock, never by reference, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for Hchan<T> {}

impl<T> fmt::Debug for Hchan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hchan")
            .field("len", &self.len())
            .field("cap", &self.cap)
            .field("closed", &self.is_closed())
            .field("waiting_senders", &self.waiting_senders())
            .field("waiting_receivers", &self.waiting_receivers())
            .finish()
    }
}

impl<T> Inner<T> {
    /// Asserts invariants 1, 2, 6 and 7 (debug builds and loom). Runs at the end of
    /// every locked section.
    #[cfg(any(debug_assertions, gosync_loom))]
    fn check(&mut self, cap: Option<usize>) {
        let len = self.ring.len();
        if let Some(c) = cap {
            if len <= c {
                self.over_cap = 0;
            }
            // 7: only give-backs push the buffer past its capacity.
            assert!(
                len <= c + self.over_cap,
                "bug: channel holds {len} values over capacity {c}"
            );
        }
        if self.closed {
            // 6: close drained both queues (stale waiters included) and nothing is
            // enqueued after it.
            assert!(
                self.sendq.is_empty() && self.recvq.is_empty(),
                "bug: waiters linked on a closed channel"
            );
            return;
        }
        // SAFETY: `check` runs inside a locked section.
        let (s, r) = unsafe { (self.sendq.first_claimable(), self.recvq.first_claimable()) };
        // 1: a claimable sender and a claimable receiver never wait together, unless
        //    both are cases of one select (it never completes against itself).
        if let (Some(s), Some(r)) = (s, r) {
            assert!(
                std::ptr::eq(s, r),
                "bug: a claimable sender and receiver wait together"
            );
        }
        // 2: values buffered ⇒ no claimable receiver; room ⇒ no claimable sender.
        assert!(
            len == 0 || r.is_none(),
            "bug: a receiver waits while {len} values are buffered"
        );
        if let Some(c) = cap {
            assert!(
                len >= c || s.is_none(),
                "bug: a sender waits while the buffer has room"
            );
        } else {
            assert!(s.is_none(), "bug: a sender waits on an unbounded channel");
        }
    }

    #[cfg(not(any(debug_assertions, gosync_loom)))]
    #[inline(always)]
    fn check(&mut self, _cap: Option<usize>) {}
}

impl<T> Hchan<T> {
    /// A channel of capacity `cap` (`None`: unbounded).
    pub(crate) fn new(cap: Option<usize>) -> Self {
        let ring = match cap {
            Some(c) => Ring::with_slots(c),
            None => Ring::unbounded(),
        };
        Hchan {
            lock: RawLock::new(),
            inner: UnsafeCell::new(Inner {
                ring,
                sendq: WaitQueue::new(),
                recvq: WaitQueue::new(),
                closed: false,
                #[cfg(any(debug_assertions, gosync_loom))]
                over_cap: 0,
            }),
            cap,
            len: AtomicUsize::new(0),
            sendq_len: AtomicUsize::new(0),
            recvq_len: AtomicUsize::new(0),
            flags: AtomicU8::new(0),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            #[cfg(gosync_loom)]
            order: crate::facade::loom_creation_number(),
        }
    }

    /// The key that orders this channel's lock among others (a select locks its
    /// distinct channels in increasing key order): the channel's address, which is
    /// stable while the channel is shared. Under loom it is the creation number
    /// instead, because addresses differ from one execution of a model to the next
    /// and the model must behave the same in every execution.
    #[inline]
    pub(crate) fn lock_order(&self) -> usize {
        #[cfg(not(gosync_loom))]
        {
            self as *const Self as *const () as usize
        }
        #[cfg(gosync_loom)]
        {
            self.order
        }
    }

    // ----- diagnostics (snapshots, no lock) -----

    #[inline]
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.cap
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.flags.load(Ordering::Acquire) & CLOSED != 0
    }

    #[inline]
    pub(crate) fn waiting_senders(&self) -> usize {
        self.sendq_len.load(Ordering::Acquire)
    }

    #[inline]
    pub(crate) fn waiting_receivers(&self) -> usize {
        self.recvq_len.load(Ordering::Acquire)
    }

    // ----- locking, for the operations below and for select -----

    /// Acquires the channel lock.
    #[inline]
    pub(crate) fn lock(&self) {
        self.lock.lock();
    }

    /// Releases the channel lock.
    ///
    /// # Safety
    /// The caller holds it.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        self.lock.unlock();
    }

    /// Runs `f` on the guarded state, then checks the invariants, refreshes the
    /// mirrors, and only then completes the waiter `f` claimed, if any — so that a
    /// woken thread, which may return the instant its context is final, already sees
    /// the counts and flags its operation produced.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline]
    unsafe fn locked<R>(
        &self,
        f: impl FnOnce(&mut Inner<T>) -> (R, Option<*const Waiter<T>>),
    ) -> (R, Option<Unparker>) {
        self.inner.with_mut(|p| {
            // SAFETY: the lock is held, so nobody else touches the guarded state.
            let inner = unsafe { &mut *p };
            let (r, claimed) = f(inner);
            inner.check(self.cap);
            self.publish(inner);
            // SAFETY: `f` claimed this waiter (and unlinked it) under the lock we hold
            // and has not completed it; we never touch it again after `complete`.
            let u = claimed.map(|w| unsafe { (*w).ctx().complete((*w).case()) });
            (r, u)
        })
    }

    /// Stores the mirrors of the guarded state.
    #[inline]
    fn publish(&self, inner: &Inner<T>) {
        // ORDERING: Release stores pair with the Acquire loads of the fast paths and
        // diagnostics: a reader that sees a count sees the state that produced it.
        self.len.store(inner.ring.len(), Ordering::Release);
        self.sendq_len.store(inner.sendq.len(), Ordering::Release);
        self.recvq_len.store(inner.recvq.len(), Ordering::Release);
    }

    /// Go's `chansend` minus the blocking: closed → error; a claimable waiting
    /// receiver → hand the value over; room in the buffer → buffer it; else `Full`.
    ///
    /// # Safety
    /// The caller holds the lock.
    pub(crate) unsafe fn try_send_locked(&self, v: T) -> SendAttempt<T> {
        let cap = self.cap;
        // SAFETY: the caller holds the lock.
        let (r, u) = unsafe {
            self.locked(|inner| {
                if inner.closed {
                    return (SendAttempt::Closed(v), None);
                }
                if let Some(w) = inner.recvq.claim_front() {
                    // We won the claim: the slot is ours until `complete`.
                    w.put(v);
                    return (SendAttempt::Sent(None), Some(w as *const Waiter<T>));
                }
                if cap.map_or(true, |c| inner.ring.len() < c) {
                    inner.ring.push(v);
                    return (SendAttempt::Sent(None), None);
                }
                (SendAttempt::Full(v), None)
            })
        };
        match r {
            SendAttempt::Sent(_) => SendAttempt::Sent(u),
            other => other,
        }
    }

    /// Go's `chanrecv` minus the blocking: a buffered value (refilled from a parked
    /// sender if the buffer was full), or a parked sender's value (rendezvous), or
    /// `Closed` once closed and drained, else `Empty`.
    ///
    /// # Safety
    /// The caller holds the lock.
    pub(crate) unsafe fn try_recv_locked(&self) -> RecvAttempt<T> {
        let cap = self.cap;
        // SAFETY: the caller holds the lock.
        let (r, u) = unsafe {
            self.locked(|inner| {
                if let Some(v) = inner.ring.pop() {
                    // The buffer was full if a sender is parked: move its value into
                    // the room just made (invariant 2 keeps FIFO order). No room was
                    // made if the buffer was over capacity (invariant 7).
                    let room = cap.map_or(true, |c| inner.ring.len() < c);
                    let parked = if room {
                        inner.sendq.claim_front()
                    } else {
                        None
                    };
                    if let Some(w) = parked {
                        let sv = w.take().expect("bug: parked sender without a value");
                        inner.ring.push(sv);
                        return (Some(v), Some(w as *const Waiter<T>));
                    }
                    return (Some(v), None);
                }
                if let Some(w) = inner.sendq.claim_front() {
                    let v = w.take().expect("bug: parked sender without a value");
                    return (Some(v), Some(w as *const Waiter<T>));
                }
                (None, None)
            })
        };
        match r {
            Some(v) => RecvAttempt::Received(v, u),
            // SAFETY: the caller holds the lock.
            None if unsafe { self.closed_locked() } => RecvAttempt::Closed,
            None => RecvAttempt::Empty,
        }
    }

    /// Gives back a value that a dropped receive future had been handed (invariant
    /// 7): to the first claimable waiting receiver (returned, to be woken after
    /// unlocking), else to the front of the buffer, past the capacity if need be.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[cfg(feature = "async")]
    pub(crate) unsafe fn give_back_locked(&self, v: T) -> Option<Unparker> {
        let cap = self.cap;
        // SAFETY: the caller holds the lock.
        let ((), u) = unsafe {
            self.locked(|inner| {
                // A claimable receiver means an empty buffer (invariant 2): handing
                // the value to it keeps it first in line.
                if let Some(w) = inner.recvq.claim_front() {
                    // We won the claim: the slot is ours until `complete`.
                    w.put(v);
                    return ((), Some(w as *const Waiter<T>));
                }
                inner.ring.push_front(v);
                #[cfg(any(debug_assertions, gosync_loom))]
                if cap.is_some_and(|c| inner.ring.len() > c) {
                    inner.over_cap += 1;
                }
                let _ = cap;
                ((), None)
            })
        };
        u
    }

    /// Whether the channel is closed.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline]
    unsafe fn closed_locked(&self) -> bool {
        // SAFETY: the caller holds the lock.
        self.inner.with(|p| unsafe { (*p).closed })
    }

    /// Links a send waiter (holding its value) into `sendq`.
    ///
    /// # Safety
    /// The caller holds the lock; the channel is open; `w` stays alive and unmoved
    /// until it is unlinked (by a peer or by [`Hchan::unlink_send`]).
    pub(crate) unsafe fn enqueue_send(&self, w: &Waiter<T>) {
        // SAFETY: forwarded contract.
        unsafe { self.locked(|inner| (inner.sendq.push_back(w), None)) };
    }

    /// Links a receive waiter into `recvq`.
    ///
    /// # Safety
    /// As for [`Hchan::enqueue_send`].
    pub(crate) unsafe fn enqueue_recv(&self, w: &Waiter<T>) {
        // SAFETY: forwarded contract.
        unsafe { self.locked(|inner| (inner.recvq.push_back(w), None)) };
    }

    /// Unlinks a send waiter if it is still linked.
    ///
    /// # Safety
    /// The caller holds the lock; `w` was enqueued with [`Hchan::enqueue_send`].
    pub(crate) unsafe fn unlink_send(&self, w: &Waiter<T>) {
        // SAFETY: forwarded contract.
        unsafe { self.locked(|inner| (inner.sendq.remove(w), None)) };
    }

    /// Unlinks a receive waiter if it is still linked.
    ///
    /// # Safety
    /// The caller holds the lock; `w` was enqueued with [`Hchan::enqueue_recv`].
    pub(crate) unsafe fn unlink_recv(&self, w: &Waiter<T>) {
        // SAFETY: forwarded contract.
        unsafe { self.locked(|inner| (inner.recvq.remove(w), None)) };
    }

    // ----- the operations -----

    /// Lock-free answer for a `try_send` that cannot succeed because the channel is
    /// open and full (Go's `full`).
    ///
    /// Linearizable: `flags` is read first, then the fullness. A closed channel never
    /// reopens, and after a close the buffer only shrinks and no receiver waits, so if
    /// the channel was open at the first read and full at the second, there was a
    /// moment in between when it was both open and full — a `Full` answer is correct
    /// at that moment. A stale reading can only send us to the slow path.
    #[inline]
    fn looks_full(&self) -> bool {
        if self.flags.load(Ordering::Acquire) != 0 {
            return false;
        }
        match self.cap {
            None => false,
            Some(0) => self.recvq_len.load(Ordering::Acquire) == 0,
            // `>=`: a give-back may push the buffer past its capacity (invariant 7).
            Some(c) => self.len.load(Ordering::Acquire) >= c,
        }
    }

    /// Lock-free answer for a `try_recv` on an empty channel (Go's `empty`): `Some`
    /// when the answer is known without the lock.
    ///
    /// Linearizable: emptiness is read before `flags`. If the channel was empty at the
    /// first read and open at the second, it was empty and open at the first
    /// (closing is permanent): `Empty`. If it is closed, emptiness is read again:
    /// after a close nothing is added, so empty then means closed and drained. The
    /// Acquire load of `flags` pairs with the Release store made under the lock that
    /// closed the channel, after every value it buffered: the second read sees them.
    #[inline]
    fn looks_empty(&self) -> Option<TryRecvError> {
        let empty =
            || self.len.load(Ordering::Acquire) == 0 && self.sendq_len.load(Ordering::Acquire) == 0;
        if !empty() {
            return None;
        }
        if self.flags.load(Ordering::Acquire) & CLOSED == 0 {
            return Some(TryRecvError::Empty);
        }
        if empty() {
            Some(TryRecvError::Closed)
        } else {
            None
        }
    }

    /// Sends `v`, blocking as `block` says. A `Timeout` with `Block::No` means full.
    ///
    /// The common buffered case — open, nobody waiting to receive, room in the buffer
    /// — is inlined into the caller: lock, push, publish the length, unlock. Anything
    /// else (a hand-off, closed, full) goes on in [`Hchan::send_locked`].
    #[inline]
    pub(crate) fn send(&self, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        if block == Block::No && self.looks_full() {
            return Err(SendTimeoutError::Timeout(v));
        }
        self.send_unchecked(v, block)
    }

    /// [`Hchan::send`] without its lock-free check (made by the caller, or not
    /// wanted).
    #[inline]
    fn send_unchecked(&self, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        self.lock();
        // SAFETY: the lock is held.
        match unsafe { self.try_buffer_locked(v) } {
            Ok(()) => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                Ok(())
            }
            Err(v) => self.send_locked(v, block),
        }
    }

    /// The fast path of a send: buffers `v` if the channel is open, no waiter (not
    /// even a stale one) is linked in `recvq`, and the buffer has room; else hands `v`
    /// back with nothing changed. Only the length mirror changes.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline]
    unsafe fn try_buffer_locked(&self, v: T) -> Result<(), T> {
        let cap = self.cap;
        self.inner.with_mut(|p| {
            // SAFETY: the lock is held, so nobody else touches the guarded state.
            let inner = unsafe { &mut *p };
            if inner.closed
                || !inner.recvq.is_empty()
                || !cap.map_or(true, |c| inner.ring.len() < c)
            {
                return Err(v);
            }
            inner.ring.push(v);
            inner.check(cap);
            // ORDERING: as in `publish`.
            self.len.store(inner.ring.len(), Ordering::Release);
            Ok(())
        })
    }

    /// The rest of a send, with the lock held (released here): a hand-off to a
    /// waiting receiver, closed, or — full — waiting as `block` says.
    #[inline(never)]
    fn send_locked(&self, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        // SAFETY: the lock is held.
        let v = match unsafe { self.try_send_locked(v) } {
            SendAttempt::Sent(u) => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                if let Some(u) = u {
                    u.unpark();
                }
                return Ok(());
            }
            SendAttempt::Closed(v) => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                return Err(SendTimeoutError::Closed(v));
            }
            SendAttempt::Full(v) => v,
        };
        if let Block::No = block {
            // SAFETY: the lock is held.
            unsafe { self.unlock() };
            return Err(SendTimeoutError::Timeout(v));
        }
        if let Block::Until(t) = block {
            if Instant::now() >= t {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                return Err(SendTimeoutError::Timeout(v));
            }
        }
        self.block_send(v, block.deadline())
    }

    /// Parks in `sendq` with `v` until a receiver takes it, the channel closes, or the
    /// deadline passes.
    ///
    /// Precondition: the lock is held and the channel is open and full; released here.
    #[cold]
    fn block_send(&self, v: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        let _rec = crate::park::record::blocking(crate::park::record::What::chan_send(self));
        let ctx = Context::new();
        let w = Waiter::new(&ctx, 0, Some(v));
        // SAFETY: the lock is held and the channel open; `w` stays on this frame,
        // unmoved, until it is unlinked (below, or by the peer that completes it).
        unsafe {
            self.enqueue_send(&w);
            self.unlock();
        }
        if ctx.wait(deadline) == ABORTED {
            // Nobody can claim `w` any more; unlink it unless a peer already did.
            self.lock();
            // SAFETY: the lock is held; `w` was enqueued above.
            unsafe {
                self.unlink_send(&w);
                self.unlock();
            }
            // SAFETY: the context is final (aborted): the slot is ours again.
            let v = unsafe { w.take() }.expect("bug: aborted sender lost its value");
            return Err(SendTimeoutError::Timeout(v));
        }
        // Completed by a peer, which unlinked `w` and published the final state.
        // SAFETY: the context is final: the slot is ours again.
        unsafe {
            if w.is_closed() {
                let v = w
                    .take()
                    .expect("bug: sender failed by close lost its value");
                return Err(SendTimeoutError::Closed(v));
            }
            debug_assert!(w.take().is_none(), "bug: completed sender kept its value");
        }
        Ok(())
    }

    /// Receives, blocking as `block` says. A `Timeout` with `Block::No` means empty.
    ///
    /// The common buffered case — a value buffered and no sender parked — is inlined
    /// into the caller; anything else goes on in [`Hchan::recv_locked`].
    #[inline]
    pub(crate) fn recv(&self, block: Block) -> Result<T, RecvTimeoutError> {
        if block == Block::No {
            match self.looks_empty() {
                Some(TryRecvError::Empty) => return Err(RecvTimeoutError::Timeout),
                Some(TryRecvError::Closed) => return Err(RecvTimeoutError::Closed),
                None => {}
            }
        }
        self.recv_unchecked(block)
    }

    /// [`Hchan::recv`] without its lock-free check (made by the caller, or not
    /// wanted).
    #[inline]
    fn recv_unchecked(&self, block: Block) -> Result<T, RecvTimeoutError> {
        self.lock();
        // SAFETY: the lock is held.
        match unsafe { self.try_unbuffer_locked() } {
            Some(v) => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                Ok(v)
            }
            None => self.recv_locked(block),
        }
    }

    /// The fast path of a receive: the front buffered value, if there is one and no
    /// waiter (not even a stale one) is linked in `sendq` (then nobody needs the room
    /// it makes). Only the length mirror changes. A closed channel still gives its
    /// buffered values.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline]
    unsafe fn try_unbuffer_locked(&self) -> Option<T> {
        let cap = self.cap;
        self.inner.with_mut(|p| {
            // SAFETY: the lock is held, so nobody else touches the guarded state.
            let inner = unsafe { &mut *p };
            if !inner.sendq.is_empty() {
                return None;
            }
            let v = inner.ring.pop()?;
            inner.check(cap);
            // ORDERING: as in `publish`.
            self.len.store(inner.ring.len(), Ordering::Release);
            Some(v)
        })
    }

    /// The rest of a receive, with the lock held (released here): a parked sender's
    /// value, closed, or — empty — waiting as `block` says.
    #[inline(never)]
    fn recv_locked(&self, block: Block) -> Result<T, RecvTimeoutError> {
        // SAFETY: the lock is held.
        match unsafe { self.try_recv_locked() } {
            RecvAttempt::Received(v, u) => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                if let Some(u) = u {
                    u.unpark();
                }
                return Ok(v);
            }
            RecvAttempt::Closed => {
                // SAFETY: the lock is held.
                unsafe { self.unlock() };
                return Err(RecvTimeoutError::Closed);
            }
            RecvAttempt::Empty => {}
        }
        let expired = match block {
            Block::No => true,
            Block::Until(t) => Instant::now() >= t,
            Block::Forever => false,
        };
        if expired {
            // SAFETY: the lock is held.
            unsafe { self.unlock() };
            return Err(RecvTimeoutError::Timeout);
        }
        self.block_recv(block.deadline())
    }

    /// Parks in `recvq` until a sender hands a value over, the channel closes, or the
    /// deadline passes.
    ///
    /// Precondition: the lock is held and the channel is open and empty; released here.
    #[cold]
    fn block_recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let _rec = crate::park::record::blocking(crate::park::record::What::chan_recv(self));
        let ctx = Context::new();
        let w = Waiter::new(&ctx, 0, None);
        // SAFETY: as in `block_send`.
        unsafe {
            self.enqueue_recv(&w);
            self.unlock();
        }
        if ctx.wait(deadline) == ABORTED {
            self.lock();
            // SAFETY: the lock is held; `w` was enqueued above.
            unsafe {
                self.unlink_recv(&w);
                self.unlock();
            }
            return Err(RecvTimeoutError::Timeout);
        }
        // SAFETY: the context is final: the slot is ours again.
        match unsafe { w.take() } {
            Some(v) => Ok(v),
            None => {
                // SAFETY: the context is final: the waiter is ours again.
                let closed = unsafe { w.is_closed() };
                debug_assert!(closed, "bug: receiver woken without a value");
                Err(RecvTimeoutError::Closed)
            }
        }
    }

    /// Non-blocking send: the lock-free `Full` answer inlined, the rest out of line
    /// (so that a polling caller's loop stays small).
    #[inline]
    pub(crate) fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        if self.looks_full() {
            return Err(TrySendError::Full(v));
        }
        self.try_send_slow(v)
    }

    /// `send(v, Block::No)` past its lock-free check, which the caller just made.
    #[inline(never)]
    fn try_send_slow(&self, v: T) -> Result<(), TrySendError<T>> {
        self.send_unchecked(v, Block::No).map_err(|e| match e {
            SendTimeoutError::Timeout(v) => TrySendError::Full(v),
            SendTimeoutError::Closed(v) => TrySendError::Closed(v),
        })
    }

    /// Non-blocking receive: the lock-free `Empty` / `Closed` answers inlined, the
    /// rest out of line.
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        if let Some(e) = self.looks_empty() {
            return Err(e);
        }
        self.try_recv_slow()
    }

    /// `recv(Block::No)` past its lock-free check, which the caller just made.
    #[inline(never)]
    fn try_recv_slow(&self) -> Result<T, TryRecvError> {
        self.recv_unchecked(Block::No).map_err(|e| match e {
            RecvTimeoutError::Timeout => TryRecvError::Empty,
            RecvTimeoutError::Closed => TryRecvError::Closed,
        })
    }

    /// Closes the channel (Go's `closechan`): parked receivers get `Closed`, parked
    /// senders get their values back. Returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.close_with(false)
    }

    /// The last receiver is gone: close, fail parked senders, and drop buffered values
    /// (after unlocking).
    pub(crate) fn disconnect_receivers(&self) {
        self.close_with(true);
    }

    fn close_with(&self, rx_gone: bool) -> bool {
        let mut claimed: Vec<*const Waiter<T>> = Vec::new();
        self.lock();
        // Closed must be visible before any waiter learns of it (a woken thread that
        // checks `is_closed()` or a fast path right after must see it closed).
        let flags = if rx_gone { CLOSED | RX_GONE } else { CLOSED };
        // ORDERING: Release, under the lock, after every value this channel ever
        // buffered: pairs with the Acquire in `looks_empty`.
        self.flags.fetch_or(flags, Ordering::Release);
        // SAFETY: the lock is held.
        let ((closed_now, dropped), _) = unsafe {
            self.locked(|inner| {
                let closed_now = !inner.closed;
                inner.closed = true;
                let dropped = if rx_gone {
                    Some(inner.ring.take_all())
                } else {
                    None
                };
                for q in [&mut inner.recvq, &mut inner.sendq] {
                    while let Some(w) = q.claim_front() {
                        // A parked sender keeps its value: it takes it back itself.
                        w.set_closed();
                        claimed.push(w);
                    }
                }
                ((closed_now, dropped), None)
            })
        };
        // The mirrors are published: complete the claimed waiters, still under the
        // lock (invariant 3), and wake them after it.
        let wake: Vec<Unparker> = claimed
            .into_iter()
            // SAFETY: each was claimed above under the lock we still hold, and is
            // completed exactly once here and never touched again.
            .map(|w| unsafe { (*w).ctx().complete((*w).case()) })
            .collect();
        // SAFETY: the lock is held.
        unsafe { self.unlock() };
        for u in wake {
            u.unpark();
        }
        drop(dropped);
        closed_now
    }
}
