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
//! 4. No thread is woken and no user `Drop` runs while the lock is held: the
//!    operations push the [`Unparker`]s of the peers they complete into the lock
//!    holder's [`WakeList`], which wakes them only after the guard released the lock;
//!    a close takes the values to drop out and drops them after unlocking (Go's
//!    `closechan`). The one exception is a panic under the lock: a value being pushed
//!    when the ring fails to grow may drop while the guard unwinds.
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
//! # The lock as a type
//!
//! The guarded state is reached only through a held lock: [`Hchan::lock`] returns a
//! [`ChanGuard`], whose methods (and those of its [`Locked`] view) are the
//! operations that need the lock; a select's lock set hands its cases the same view
//! ([`Hchan::assume_locked`]). A function that releases the lock takes the guard by
//! value. Dropping a guard releases the lock — on unwind too, so a panic under the
//! lock (a ring that cannot grow) leaves the channel unlocked and consistent — and
//! then wakes the peers completed under it.
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
use crate::park::{Block, Context, State, Unparker, WakeList};
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;
use std::{fmt, mem};

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

/// The outcome of [`Locked::try_send`].
pub(crate) enum SendAttempt<T> {
    /// Buffered, or handed to a waiting receiver (woken when the lock is released).
    Sent,
    /// No room and no waiting receiver.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

/// The outcome of [`Locked::try_recv`].
pub(crate) enum RecvAttempt<T> {
    /// A value (a sender it completed is woken when the lock is released).
    Received(T),
    /// Nothing buffered and no waiting sender.
    Empty,
    /// Closed and drained.
    Closed,
}

/// A channel (Go's `hchan`).
pub(crate) struct Hchan<T> {
    lock: RawLock,
    /// Guarded by `lock`: reached only through a [`Locked`].
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
        let (s, r) = (self.sendq.first_claimable(), self.recvq.first_claimable());
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

    /// Buffers `v` at the back (may grow an unbounded ring, which may panic).
    #[inline]
    fn push(&mut self, v: T) {
        #[cfg(all(test, not(gosync_loom)))]
        tests::fail_point();
        self.ring.push(v);
    }

    /// Buffers `v` at the front (a give-back; may grow the ring, which may panic).
    #[cfg(feature = "async")]
    fn push_front(&mut self, v: T) {
        #[cfg(all(test, not(gosync_loom)))]
        tests::fail_point();
        self.ring.push_front(v);
    }
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

    // ----- locking -----

    /// Acquires the channel lock. The guard's methods are the operations that need
    /// it; dropping the guard releases it, then wakes the peers they completed.
    #[inline]
    pub(crate) fn lock(&self) -> ChanGuard<'_, T> {
        self.lock.lock();
        ChanGuard {
            chan: self,
            wake: WakeList::new(),
        }
    }

    /// Acquires the channel lock for a fast path, which completes no peer.
    #[inline]
    fn lock_fast(&self) -> FastGuard<'_, T> {
        self.lock.lock();
        FastGuard { chan: self }
    }

    /// Acquires the channel lock without a guard, for a select, which holds the
    /// locks of several channels at once (its lock set releases them with
    /// [`Hchan::unlock_raw`] and reaches the state with [`Hchan::assume_locked`]).
    #[inline]
    pub(crate) fn lock_raw(&self) {
        self.lock.lock();
    }

    /// Releases a lock taken with [`Hchan::lock_raw`].
    ///
    /// # Safety
    /// The calling thread took it with [`Hchan::lock_raw`], and no [`Locked`] view of
    /// it is alive.
    #[inline]
    pub(crate) unsafe fn unlock_raw(&self) {
        self.lock.unlock();
    }

    /// The locked operations of a channel whose lock the caller holds (taken with
    /// [`Hchan::lock_raw`]), sending the wake-ups they produce to `wake`.
    ///
    /// # Safety
    /// The calling thread holds this channel's lock for all of `'g`, and no other
    /// [`Locked`] view of it is alive during `'g`.
    #[inline]
    pub(crate) unsafe fn assume_locked<'g>(
        &'g self,
        wake: &'g mut WakeList<Unparker>,
    ) -> Locked<'g, T> {
        Locked { chan: self, wake }
    }

    /// Runs `f` on the guarded state.
    ///
    /// # Safety
    /// The calling thread holds the lock, and no other access to the state is live
    /// (callers reach this only from a `&mut self` method of a guard or view).
    #[inline]
    unsafe fn guarded<R>(&self, f: impl FnOnce(&mut Inner<T>) -> R) -> R {
        self.inner.with_mut(|p| {
            // SAFETY: the lock is held and this is the only access (contract).
            f(unsafe { &mut *p })
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
    #[inline(always)]
    pub(crate) fn send(&self, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        if block == Block::No && self.looks_full() {
            return Err(SendTimeoutError::Timeout(v));
        }
        self.send_via_lock(v, block)
    }

    /// [`Hchan::send`] without its lock-free check (made by the caller, or not
    /// wanted): straight to the lock.
    #[inline(always)]
    fn send_via_lock(&self, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        let mut g = self.lock_fast();
        match g.try_buffer(v) {
            Ok(()) => Ok(()),
            Err(v) => Self::send_locked(g.into_guard(), v, block),
        }
    }

    /// The rest of a send, with the lock held (released here): a hand-off to a
    /// waiting receiver, closed, or — full — waiting as `block` says.
    #[inline(never)]
    fn send_locked(mut g: ChanGuard<'_, T>, v: T, block: Block) -> Result<(), SendTimeoutError<T>> {
        let v = match g.try_send(v) {
            SendAttempt::Sent => return Ok(()),
            SendAttempt::Closed(v) => return Err(SendTimeoutError::Closed(v)),
            SendAttempt::Full(v) => v,
        };
        let expired = match block {
            Block::No => true,
            Block::Until(t) => Instant::now() >= t,
            Block::Forever => false,
        };
        if expired {
            return Err(SendTimeoutError::Timeout(v));
        }
        Self::block_send(g, v, block.deadline())
    }

    /// Parks in `sendq` with `v` until a receiver takes it, the channel closes, or the
    /// deadline passes. The channel is open and full (the guard's last operation
    /// found it so); the lock is released here.
    #[cold]
    fn block_send(
        mut g: ChanGuard<'_, T>,
        v: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        let chan = g.chan;
        let _rec = crate::park::record::blocking(crate::park::record::What::chan_send(chan));
        let ctx = Context::new();
        // SAFETY: `ctx` is declared first: it outlives `w`.
        let w = unsafe { Waiter::new(&ctx, 0, Some(v)) };
        // SAFETY: `w` stays on this frame, unmoved, until it is unlinked (below, or by
        // the peer that completes it); it is never linked anywhere else.
        unsafe { g.ops().enqueue_send(&w) };
        drop(g);
        if ctx.wait(deadline) == State::Aborted {
            // Nobody can claim `w` any more; unlink it unless a peer already did.
            // SAFETY: `w` was linked only in this channel's `sendq`.
            unsafe { chan.lock().ops().unlink_send(&w) };
        }
        // SAFETY: the context is final and `w` unlinked (by us, or by the peer that
        // completed it): the slot is ours again.
        unsafe { w.outcome() }.into_send()
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
        self.recv_via_lock(block)
    }

    /// [`Hchan::recv`] without its lock-free check (made by the caller, or not
    /// wanted): straight to the lock.
    #[inline]
    fn recv_via_lock(&self, block: Block) -> Result<T, RecvTimeoutError> {
        let mut g = self.lock_fast();
        match g.try_unbuffer() {
            Some(v) => {
                drop(g);
                Ok(v)
            }
            None => Self::recv_locked(g.into_guard(), block),
        }
    }

    /// The rest of a receive, with the lock held (released here): a parked sender's
    /// value, closed, or — empty — waiting as `block` says.
    #[inline(never)]
    fn recv_locked(mut g: ChanGuard<'_, T>, block: Block) -> Result<T, RecvTimeoutError> {
        match g.try_recv() {
            RecvAttempt::Received(v) => return Ok(v),
            RecvAttempt::Closed => return Err(RecvTimeoutError::Closed),
            RecvAttempt::Empty => {}
        }
        let expired = match block {
            Block::No => true,
            Block::Until(t) => Instant::now() >= t,
            Block::Forever => false,
        };
        if expired {
            return Err(RecvTimeoutError::Timeout);
        }
        Self::block_recv(g, block.deadline())
    }

    /// Parks in `recvq` until a sender hands a value over, the channel closes, or the
    /// deadline passes. The channel is open and empty (the guard's last operation
    /// found it so); the lock is released here.
    #[cold]
    fn block_recv(
        mut g: ChanGuard<'_, T>,
        deadline: Option<Instant>,
    ) -> Result<T, RecvTimeoutError> {
        let chan = g.chan;
        let _rec = crate::park::record::blocking(crate::park::record::What::chan_recv(chan));
        let ctx = Context::new();
        // SAFETY: `ctx` is declared first: it outlives `w`.
        let w = unsafe { Waiter::new(&ctx, 0, None) };
        // SAFETY: as in `block_send`.
        unsafe { g.ops().enqueue_recv(&w) };
        drop(g);
        if ctx.wait(deadline) == State::Aborted {
            // SAFETY: `w` was linked only in this channel's `recvq`.
            unsafe { chan.lock().ops().unlink_recv(&w) };
        }
        // SAFETY: as in `block_send`.
        unsafe { w.outcome() }.into_recv()
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
        self.send_via_lock(v, Block::No).map_err(|e| match e {
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
        self.recv_via_lock(Block::No).map_err(|e| match e {
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
        let mut g = self.lock();
        let (closed_now, dropped) = g.ops().close(rx_gone);
        let wake = g.unlock();
        // Every claimed waiter is woken, even if a task's waker panics; the values
        // are dropped even then; a waker's panic resurfaces last.
        let woken = panic::catch_unwind(AssertUnwindSafe(move || drop(wake)));
        drop(dropped);
        if let Err(p) = woken {
            panic::resume_unwind(p);
        }
        closed_now
    }
}

// ----- the lock held -----

/// A channel's lock, held (from [`Hchan::lock`]). The operations that need the lock
/// are its methods (and those of [`Locked`], its view shared with a select).
///
/// Dropping it releases the lock — also when a panic unwinds through the locked
/// section, so the channel is never left locked — and then wakes the peers its
/// operations completed: they are collected in its [`WakeList`] and woken only after
/// the unlock (invariant 4), each one even if another's waker panics. A function that
/// releases the lock takes the guard by value.
#[must_use = "dropping the guard releases the lock at once"]
pub(crate) struct ChanGuard<'a, T> {
    chan: &'a Hchan<T>,
    /// Woken after the unlock: `Drop` releases the lock before the fields drop.
    wake: WakeList<Unparker>,
}

impl<T> fmt::Debug for ChanGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChanGuard")
            .field("chan", self.chan)
            .finish_non_exhaustive()
    }
}

impl<T> Drop for ChanGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.chan.lock.unlock();
        // `wake` drops next, waking the completed peers.
    }
}

impl<'a, T> ChanGuard<'a, T> {
    /// The locked operations, as a view ([`Locked`]) borrowing this guard.
    #[inline]
    pub(crate) fn ops(&mut self) -> Locked<'_, T> {
        Locked {
            chan: self.chan,
            wake: &mut self.wake,
        }
    }

    /// Releases the lock, handing back the peers to wake (dropping the list wakes
    /// them), for a caller that has more to do between the two.
    pub(crate) fn unlock(self) -> WakeList<Unparker> {
        let mut this = mem::ManuallyDrop::new(self);
        this.chan.lock.unlock();
        mem::take(&mut this.wake)
    }

    /// See [`Locked::try_send`].
    #[inline]
    pub(crate) fn try_send(&mut self, v: T) -> SendAttempt<T> {
        self.ops().try_send(v)
    }

    /// See [`Locked::try_recv`].
    #[inline]
    pub(crate) fn try_recv(&mut self) -> RecvAttempt<T> {
        self.ops().try_recv()
    }

    /// See [`Locked::give_back`].
    #[cfg(feature = "async")]
    pub(crate) fn give_back(&mut self, v: T) {
        self.ops().give_back(v);
    }
}

/// A channel's lock, held by a fast path ([`Hchan::send`] / [`Hchan::recv`] on a
/// buffered channel with nobody waiting): it completes no peer, so it carries no
/// wake list. Dropping it releases the lock (on unwind too). A fast path that finds
/// more to do turns it into a [`ChanGuard`].
struct FastGuard<'a, T> {
    chan: &'a Hchan<T>,
}

impl<T> Drop for FastGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.chan.lock.unlock();
    }
}

impl<'a, T> FastGuard<'a, T> {
    /// The same lock hold, as a guard that can complete peers.
    #[inline]
    fn into_guard(self) -> ChanGuard<'a, T> {
        let chan = self.chan;
        mem::forget(self);
        ChanGuard {
            chan,
            wake: WakeList::new(),
        }
    }

    /// The fast path of a send: buffers `v` if the channel is open, no waiter (not
    /// even a stale one) is linked in `recvq`, and the buffer has room; else hands `v`
    /// back with nothing changed. Only the length mirror changes.
    #[inline]
    fn try_buffer(&mut self, v: T) -> Result<(), T> {
        let chan = self.chan;
        let cap = chan.cap;
        // SAFETY: this guard holds the lock, and `&mut self` makes this the only
        // access to the state.
        unsafe {
            chan.guarded(|inner| {
                if inner.closed
                    || !inner.recvq.is_empty()
                    || !cap.map_or(true, |c| inner.ring.len() < c)
                {
                    return Err(v);
                }
                inner.push(v);
                inner.check(cap);
                // ORDERING: as in `publish`.
                chan.len.store(inner.ring.len(), Ordering::Release);
                Ok(())
            })
        }
    }

    /// The fast path of a receive: the front buffered value, if there is one and no
    /// waiter (not even a stale one) is linked in `sendq` (then nobody needs the room
    /// it makes). Only the length mirror changes. A closed channel still gives its
    /// buffered values.
    #[inline]
    fn try_unbuffer(&mut self) -> Option<T> {
        let chan = self.chan;
        // SAFETY: as in `try_buffer`.
        unsafe {
            chan.guarded(|inner| {
                if !inner.sendq.is_empty() {
                    return None;
                }
                let v = inner.ring.pop()?;
                inner.check(chan.cap);
                // ORDERING: as in `publish`.
                chan.len.store(inner.ring.len(), Ordering::Release);
                Some(v)
            })
        }
    }
}

/// The locked operations of one channel: a view of a held lock, borrowed from a
/// [`ChanGuard`] ([`ChanGuard::ops`]) or from a select's lock set
/// ([`Hchan::assume_locked`]). The peers an operation completes go into the lock
/// holder's wake list, woken after the unlock.
///
/// A peer's waiter is claimed and completed within one method, after the invariants
/// are checked and the mirrors published; nothing between the claim and the
/// completion can panic but a broken-invariant ("bug:") assertion. So a panic under
/// the lock (a ring that cannot grow) leaves no waiter claimed and not completed.
pub(crate) struct Locked<'g, T> {
    chan: &'g Hchan<T>,
    wake: &'g mut WakeList<Unparker>,
}

impl<T> fmt::Debug for Locked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locked")
            .field("chan", self.chan)
            .finish_non_exhaustive()
    }
}

impl<T> Locked<'_, T> {
    /// Runs `f` on the guarded state.
    #[inline]
    fn inner<R>(&mut self, f: impl FnOnce(&mut Inner<T>) -> R) -> R {
        // SAFETY: the lock is held for as long as this view lives (how it was made),
        // and `&mut self` makes this the only access to the state.
        unsafe { self.chan.guarded(f) }
    }

    /// Runs `f` on the guarded state, then checks the invariants, refreshes the
    /// mirrors, and only then completes the waiter `f` claimed, if any (its value
    /// moved), queueing its owner to be woken after the unlock — so that a woken
    /// thread, which may return the instant its context is final, already sees the
    /// counts and flags its operation produced.
    #[inline]
    fn step<R>(&mut self, f: impl FnOnce(&mut Inner<T>) -> (R, Option<*const Waiter<T>>)) -> R {
        let chan = self.chan;
        let (r, claimed) = self.inner(|inner| {
            let (r, claimed) = f(inner);
            inner.check(chan.cap);
            chan.publish(inner);
            (r, claimed)
        });
        if let Some(w) = claimed {
            // SAFETY: `f` claimed this waiter (and unlinked it) under the lock we
            // hold and did not complete it; we never touch it again.
            if let Some(u) = unsafe { Waiter::complete(w, false) } {
                self.wake.push(u);
            }
        }
        r
    }

    /// Go's `chansend` minus the blocking: closed → error; a claimable waiting
    /// receiver → hand the value over; room in the buffer → buffer it; else `Full`.
    pub(crate) fn try_send(&mut self, v: T) -> SendAttempt<T> {
        let cap = self.chan.cap;
        self.step(|inner| {
            if inner.closed {
                return (SendAttempt::Closed(v), None);
            }
            if let Some(w) = inner.recvq.claim_front() {
                // SAFETY: we won the claim: the slot is ours until `complete`.
                unsafe { w.put(v) };
                return (SendAttempt::Sent, Some(w as *const Waiter<T>));
            }
            if cap.map_or(true, |c| inner.ring.len() < c) {
                inner.push(v);
                return (SendAttempt::Sent, None);
            }
            (SendAttempt::Full(v), None)
        })
    }

    /// Go's `chanrecv` minus the blocking: a buffered value (refilled from a parked
    /// sender if the buffer was full), or a parked sender's value (rendezvous), or
    /// `Closed` once closed and drained, else `Empty`.
    pub(crate) fn try_recv(&mut self) -> RecvAttempt<T> {
        let cap = self.chan.cap;
        self.step(|inner| {
            if let Some(v) = inner.ring.pop() {
                // The buffer was full if a sender is parked: move its value into the
                // room just made (invariant 2 keeps FIFO order). No room was made if
                // the buffer was over capacity (invariant 7).
                let room = cap.map_or(true, |c| inner.ring.len() < c);
                let parked = if room {
                    inner.sendq.claim_front()
                } else {
                    None
                };
                if let Some(w) = parked {
                    // SAFETY: we won the claim: the slot is ours until `complete`.
                    let sv = unsafe { w.take() }.expect("bug: parked sender without a value");
                    // Into the room just made: a bounded ring with room never grows.
                    inner.ring.push(sv);
                    return (RecvAttempt::Received(v), Some(w as *const Waiter<T>));
                }
                return (RecvAttempt::Received(v), None);
            }
            if let Some(w) = inner.sendq.claim_front() {
                // SAFETY: we won the claim: the slot is ours until `complete`.
                let v = unsafe { w.take() }.expect("bug: parked sender without a value");
                return (RecvAttempt::Received(v), Some(w as *const Waiter<T>));
            }
            if inner.closed {
                (RecvAttempt::Closed, None)
            } else {
                (RecvAttempt::Empty, None)
            }
        })
    }

    /// Gives back a value that a dropped receive future had been handed (invariant
    /// 7): to the first claimable waiting receiver (woken after the unlock), else to
    /// the front of the buffer, past the capacity if need be.
    #[cfg(feature = "async")]
    pub(crate) fn give_back(&mut self, v: T) {
        let cap = self.chan.cap;
        self.step(|inner| {
            // A claimable receiver means an empty buffer (invariant 2): handing the
            // value to it keeps it first in line.
            if let Some(w) = inner.recvq.claim_front() {
                // SAFETY: we won the claim: the slot is ours until `complete`.
                unsafe { w.put(v) };
                return ((), Some(w as *const Waiter<T>));
            }
            inner.push_front(v);
            #[cfg(any(debug_assertions, gosync_loom))]
            if cap.is_some_and(|c| inner.ring.len() > c) {
                inner.over_cap += 1;
            }
            let _ = cap;
            ((), None)
        })
    }

    /// Links a send waiter (holding its value) into `sendq`. The channel must be open
    /// (checked: a waiter on a closed channel would never be woken).
    ///
    /// # Safety
    /// `w` is not linked, and stays alive and unmoved until it is unlinked — by a
    /// peer that claims it, or by [`Locked::unlink_send`] under this channel's lock.
    pub(crate) unsafe fn enqueue_send(&mut self, w: &Waiter<T>) {
        self.step(|inner| {
            assert!(!inner.closed, "bug: a waiter enqueued on a closed channel");
            // SAFETY: forwarded contract.
            unsafe { inner.sendq.push_back(w) };
            ((), None)
        });
    }

    /// Links a receive waiter into `recvq`. As [`Locked::enqueue_send`].
    ///
    /// # Safety
    /// As for [`Locked::enqueue_send`].
    pub(crate) unsafe fn enqueue_recv(&mut self, w: &Waiter<T>) {
        self.step(|inner| {
            assert!(!inner.closed, "bug: a waiter enqueued on a closed channel");
            // SAFETY: forwarded contract.
            unsafe { inner.recvq.push_back(w) };
            ((), None)
        });
    }

    /// Unlinks a send waiter if it is still linked.
    ///
    /// # Safety
    /// `w` was never linked anywhere but in this channel's `sendq`.
    pub(crate) unsafe fn unlink_send(&mut self, w: &Waiter<T>) {
        self.step(|inner| {
            // SAFETY: forwarded contract.
            unsafe { inner.sendq.remove(w) };
            ((), None)
        });
    }

    /// Unlinks a receive waiter if it is still linked.
    ///
    /// # Safety
    /// `w` was never linked anywhere but in this channel's `recvq`.
    pub(crate) unsafe fn unlink_recv(&mut self, w: &Waiter<T>) {
        self.step(|inner| {
            // SAFETY: forwarded contract.
            unsafe { inner.recvq.remove(w) };
            ((), None)
        });
    }

    /// Go's `closechan` under the lock: marks the channel closed, claims every
    /// waiter (senders keep their values: each takes it back itself), and, if the
    /// last receiver is gone, takes the buffered values out for the caller to drop
    /// after unlocking. Returns whether this call closed the channel.
    fn close(&mut self, rx_gone: bool) -> (bool, Option<Ring<T>>) {
        let chan = self.chan;
        // Closed must be visible before any waiter learns of it (a woken thread that
        // checks `is_closed()` or a fast path right after must see it closed).
        let flags = if rx_gone { CLOSED | RX_GONE } else { CLOSED };
        // ORDERING: Release, under the lock, after every value this channel ever
        // buffered: pairs with the Acquire in `looks_empty`.
        chan.flags.fetch_or(flags, Ordering::Release);
        let mut claimed: Vec<*const Waiter<T>> = Vec::new();
        let r = self.inner(|inner| {
            // Room for every linked waiter first: nothing below allocates (or can
            // fail) between a claim and its completion.
            claimed.reserve_exact(inner.recvq.len() + inner.sendq.len());
            let closed_now = !inner.closed;
            inner.closed = true;
            let dropped = rx_gone.then(|| inner.ring.take_all());
            for q in [&mut inner.recvq, &mut inner.sendq] {
                while let Some(w) = q.claim_front() {
                    claimed.push(w);
                }
            }
            inner.check(chan.cap);
            chan.publish(inner);
            (closed_now, dropped)
        });
        // The mirrors are published: complete the claimed waiters, still under the
        // lock (invariant 3); they are woken after it.
        for w in claimed {
            // SAFETY: each was claimed above under the lock we still hold, and is
            // completed exactly once here and never touched again.
            if let Some(u) = unsafe { Waiter::complete(w, true) } {
                self.wake.push(u);
            }
        }
        r
    }
}

// ----- batched receive (`recv_many`) -----

impl<T> Hchan<T> {
    /// Reserves room in `buf` for what a receive of up to `limit` values may take —
    /// the buffered values and the parked senders' values, read from the mirrors, at
    /// least one — so that nothing allocates under the lock ([`Locked::try_recv_many`]
    /// takes no more than `buf` has room for). `limit > 0`.
    #[inline]
    pub(crate) fn reserve_for_many(&self, buf: &mut Vec<T>, limit: usize) {
        debug_assert!(limit > 0, "bug: reserving for a receive of no values");
        let hint = self.len().saturating_add(self.waiting_senders());
        buf.reserve(hint.clamp(1, limit));
    }

    /// Non-blocking batched receive: up to `limit` (> 0) values appended to `buf`,
    /// the same values, in the same order, as that many successive `try_recv` calls
    /// would give. The lock-free `Empty` / `Closed` answers first (as `try_recv`).
    pub(crate) fn try_recv_many(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Result<usize, TryRecvError> {
        if let Some(e) = self.looks_empty() {
            return Err(e);
        }
        self.reserve_for_many(buf, limit);
        match self.lock().try_recv_many(buf, limit) {
            RecvAttempt::Received(n) => Ok(n),
            RecvAttempt::Empty => Err(TryRecvError::Empty),
            RecvAttempt::Closed => Err(TryRecvError::Closed),
        }
    }

    /// What is ready now, after a batched receive got its first value by waiting:
    /// up to `limit` more values (0 if none, or `limit == 0`).
    pub(crate) fn recv_more(&self, buf: &mut Vec<T>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        self.try_recv_many(buf, limit).unwrap_or(0)
    }

    /// Blocking batched receive of up to `limit` (> 0) values: what is ready, under
    /// one lock; if nothing is, waits for one value exactly as [`Hchan::recv`] does
    /// (the `block_recv` waiter), then takes what is ready after it under the lock
    /// once more. A value handed to a parked receiver was sent before anything
    /// buffered after it (the buffer was empty when it parked, invariant 2), so
    /// the values still come in channel order.
    pub(crate) fn recv_many(
        &self,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Result<usize, RecvTimeoutError> {
        self.reserve_for_many(buf, limit);
        let mut g = self.lock();
        match g.try_recv_many(buf, limit) {
            RecvAttempt::Received(n) => return Ok(n),
            RecvAttempt::Closed => return Err(RecvTimeoutError::Closed),
            RecvAttempt::Empty => {}
        }
        let v = Self::block_recv(g, None)?;
        // Reserved above and nothing taken since: no allocation.
        buf.push(v);
        Ok(1 + self.recv_more(buf, limit - 1))
    }
}

impl<T> Locked<'_, T> {
    /// A batched [`Locked::try_recv`]: appends to `buf` up to `limit` values — no more
    /// than `buf` has spare capacity for, so that nothing allocates under the lock
    /// (the caller reserves first, [`Hchan::reserve_for_many`]) — exactly the values,
    /// in the order, that as many successive `try_recv` calls would give: a full
    /// buffer is refilled from parked senders, front first, as it drains; a
    /// rendezvous channel's parked senders give their values in arrival order. The
    /// senders it completes are woken after the unlock. `Received(n)` with `n > 0`
    /// values appended, else `Empty` or `Closed` (closed and drained) as `try_recv`.
    pub(crate) fn try_recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> RecvAttempt<usize> {
        let max = limit.min(buf.capacity() - buf.len());
        debug_assert!(
            limit == 0 || max > 0,
            "bug: a batched receive with no room reserved"
        );
        let mut n = 0;
        while n < max {
            // Values that no parked sender waits to refill go all at once; a parked
            // sender (or a stale waiter) makes it one value at a time, through the
            // single-value path, until `sendq` is empty again.
            n += self.unbuffer_many(buf, max - n);
            if n == max {
                break;
            }
            match self.try_recv() {
                RecvAttempt::Received(v) => {
                    // Within the spare capacity: no allocation, no panic.
                    buf.push(v);
                    n += 1;
                }
                RecvAttempt::Closed if n == 0 => return RecvAttempt::Closed,
                RecvAttempt::Empty | RecvAttempt::Closed => break,
            }
        }
        if n == 0 {
            RecvAttempt::Empty
        } else {
            RecvAttempt::Received(n)
        }
    }

    /// Moves up to `max` buffered values to `buf` (which has room for them), if no
    /// waiter at all (not even a stale one) is linked in `sendq`: then nobody needs
    /// the room they make, and they go in one step (a copy of at most two runs of
    /// the ring) with one check and one store of the length mirror — the batched
    /// fast path of a receive (`try_unbuffer`).
    fn unbuffer_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        let chan = self.chan;
        self.inner(|inner| {
            if !inner.sendq.is_empty() {
                return 0;
            }
            let k = max.min(inner.ring.len());
            if k == 0 {
                return 0;
            }
            inner.ring.pop_into(buf, k);
            inner.check(chan.cap);
            // ORDERING: as in `publish`.
            chan.len.store(inner.ring.len(), Ordering::Release);
            k
        })
    }
}

impl<T> ChanGuard<'_, T> {
    /// See [`Locked::try_recv_many`].
    #[inline]
    pub(crate) fn try_recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> RecvAttempt<usize> {
        self.ops().try_recv_many(buf, limit)
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    //! Panics under the channel lock (the injected kind: a ring that cannot grow).
    // A thread-local test switch, not state shared between threads.
    #![allow(clippy::disallowed_types)]

    use crate::chan::{self, RecvError};
    use std::cell::Cell;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    std::thread_local! {
        /// Armed: the next growth point under a channel lock on this thread panics.
        static PANIC_AT_GROWTH: Cell<bool> = const { Cell::new(false) };
    }

    /// Where a ring may grow under the lock (every buffering push). Panics once when
    /// armed by [`arm`].
    pub(super) fn fail_point() {
        if PANIC_AT_GROWTH.with(|p| p.replace(false)) {
            panic!("injected: the ring cannot grow");
        }
    }

    fn arm() {
        PANIC_AT_GROWTH.with(|p| p.set(true));
    }

    #[test]
    fn a_panic_under_the_lock_releases_it_and_leaves_the_channel_consistent() {
        let (tx, rx) = chan::unbounded::<u32>();
        tx.send(1).unwrap();
        arm();
        let err = catch_unwind(AssertUnwindSafe(|| tx.send(2))).unwrap_err();
        assert_eq!(
            err.downcast_ref::<&str>(),
            Some(&"injected: the ring cannot grow")
        );
        // The lock is free (these would hang otherwise) and the counts are right.
        assert_eq!(rx.len(), 1);
        tx.send(3).unwrap();
        arm();
        assert!(catch_unwind(AssertUnwindSafe(|| tx.try_send(4))).is_err());
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(chan::TryRecvError::Empty));
        // A parked receiver is still served.
        std::thread::scope(|s| {
            let t = s.spawn(|| rx.recv());
            while rx.waiting_receivers() == 0 {
                std::thread::yield_now();
            }
            tx.send(5).unwrap();
            assert_eq!(t.join().unwrap(), Ok(5));
        });
    }

    #[test]
    fn the_last_sender_dropped_by_a_panic_under_the_lock_still_closes() {
        let (tx, rx) = chan::unbounded::<u32>();
        tx.send(1).unwrap();
        let t = std::thread::spawn(move || {
            arm();
            // Panics under the lock; unwinding drops `tx`, the last sender, whose
            // close takes the same lock.
            let _ = tx.send(2);
        });
        assert!(t.join().is_err());
        assert!(rx.is_closed());
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Err(RecvError));
    }

    #[cfg(feature = "async")]
    #[test]
    fn a_panic_under_a_select_s_locks_releases_every_one() {
        use crate::chan::SendError;
        use crate::Select;

        let (tx, rx) = chan::unbounded::<u32>();
        let (tx2, rx2) = chan::bounded::<u32>(0);
        arm();
        let fut = Select::new()
            .send(&tx, 1, |r| r.map_err(SendError::into_inner))
            .recv(&rx2, |_| Ok(()))
            .wait_async();
        // The async select runs pass 1 under every lock at once.
        let err = catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(fut)));
        assert!(err.is_err());
        // Both locks are free and nothing is left linked.
        assert_eq!((rx.len(), rx2.waiting_receivers()), (0, 0));
        tx.send(7).unwrap();
        assert_eq!(rx.recv(), Ok(7));
        std::thread::scope(|s| {
            s.spawn(|| tx2.send(8).unwrap());
            assert_eq!(rx2.recv(), Ok(8));
        });
    }
}
