//! # Async: the same channels from async tasks
//!
//! Every gosync channel serves blocking threads and async tasks at once, in both
//! directions: a thread may send to a task, a task to a thread, and a channel may have
//! both kinds on each side. Nothing here depends on an executor: the futures work
//! under tokio, async-std, smol, `futures::executor` or a hand-written one (feature
//! `async`, on by default).
//!
//! | blocking | async | output |
//! |----------|-------|--------|
//! | [`Sender::send`] | [`Sender::send_async`] → [`SendFuture`] | `Result<(), SendError<T>>` |
//! | [`Receiver::recv`] | [`Receiver::recv_async`] → [`RecvFuture`] | `Result<T, RecvError>` |
//! | [`Receiver::recv_many`] | [`Receiver::recv_many_async`] → [`RecvManyFuture`] | `Result<usize, RecvError>` |
//! | [`Receiver::iter`] | [`Receiver::stream`] / [`Receiver::into_stream`] → [`RecvStream`] | `Stream<Item = T>` |
//! | — | [`Sender::sink`] / [`Sender::into_sink`] → [`SendSink`] | `Sink<T, Error = SendError<T>>` |
//! | [`Select::wait`](crate::Select::wait) | [`Select::wait_async`](crate::Select::wait_async) | the chosen arm's `R` |
//! | [`WaitGroup::wait`](crate::WaitGroup::wait) | [`WaitGroup::wait_async`](crate::WaitGroup::wait_async) → [`WaitGroupFuture`](crate::sync::WaitGroupFuture) | `()` |
//!
//! ```
//! use gosync::chan;
//! use futures::executor::block_on;
//!
//! let (tx, rx) = chan::bounded(0);
//! // A thread sends, a task receives.
//! let t = std::thread::spawn(move || {
//!     for i in 0..3 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let got = block_on(async {
//!     let mut got = Vec::new();
//!     while let Ok(v) = rx.recv_async().await {
//!         got.push(v);
//!     }
//!     got
//! });
//! assert_eq!(got, [0, 1, 2]);
//! t.join().unwrap();
//! ```
//!
//! ## How it works
//!
//! A blocked task waits exactly as a blocked thread does (Go's `sudog`): its future
//! holds the waiter node that is linked into the channel's `sendq` or `recvq`, so
//! threads and tasks are served in one arrival order, and both count in
//! `waiting_senders()` / `waiting_receivers()`. A sender that finds a parked task
//! hands the value straight into the task's future and wakes it, as it would unpark a
//! thread. The future is pinned, so the node stays put while it is linked; the
//! future's `Drop` unlinks it.
//!
//! ## Laziness, `Send`, and polling
//!
//! The futures do nothing until first polled: creating one and dropping it unpolled
//! has no effect (a `SendFuture` then drops its value). [`RecvFuture`] and
//! [`RecvStream`] are `Send` and `Sync` when `T: Send`. [`SendFuture`] and
//! [`SendSink`] hold a `T` until it is sent, so they are `Send` when `T: Send` and
//! `Sync` only when `T` is also `Sync`. A [`Select`](crate::Select)'s `wait_async`
//! future is `Send` when the select was built with
//! [`Select::new_sendable`](crate::Select::new_sendable) or
//! [`Select::biased_sendable`](crate::Select::biased_sendable), which take only
//! `Send` closures and values (and `R: Send`); a [`Select::new`](crate::Select::new)
//! select takes any closure and its future is not `Send`. Polling a future again
//! after it returned `Ready` panics; they implement `FusedFuture`, so
//! `futures::select!` never does that.
//!
//! ## Cancel safety
//!
//! Dropping a future at any point — as `tokio::select!` and `futures::select!` do to
//! the branches that lose — never loses or duplicates a value:
//!
//! - A [`RecvFuture`] dropped after a sender handed it a value, but before it was
//!   polled to completion, gives the value back: to the next waiting receiver, or to
//!   the front of the buffer, so that it is the next value received. (To make room,
//!   the buffer may briefly hold more than its capacity; a rendezvous channel may
//!   briefly hold one value. Two futures that give values back at the same moment may
//!   swap those two values' order.) If the channel was closed in between, the value
//!   still goes back into the buffer: a receiver that already got `Closed` does not
//!   see it, a later receive does, and otherwise the channel drops it when it is
//!   freed — it is never lost and never delivered twice.
//! - A [`SendFuture`] dropped while waiting has either sent its value (a receiver
//!   took it, or moved it into the buffer) or drops it unsent — never both, and never
//!   half-done.
//! - A dropped future's waiter is unlinked, so it leaks nothing and is no longer
//!   counted by `waiting_senders()` / `waiting_receivers()`.
//!
//! ```
//! use gosync::chan;
//! use futures::executor::block_on;
//! use futures::{select, FutureExt};
//!
//! let (tx, rx) = chan::bounded::<u32>(1);
//! let (quit_tx, quit) = chan::bounded::<()>(0);
//! quit_tx.close();
//! block_on(async {
//!     select! {
//!         v = rx.recv_async() => unreachable!("nothing was sent: {v:?}"),
//!         _ = quit.recv_async() => {} // closed: ready; the other receive is dropped
//!     }
//! });
//! assert_eq!(rx.waiting_receivers(), 0); // the dropped future left nothing behind
//! tx.send(7).unwrap();
//! assert_eq!(rx.recv(), Ok(7));
//! ```
//!
//! ## Differences from a blocking call
//!
//! - The lock of a channel is the same short spin-then-park lock that threads use; a
//!   task may therefore block its worker thread for the few hundred nanoseconds a
//!   peer holds it, never longer.
//! - A [`never()`](super::never) receiver's future is simply never ready.
//! - Timer receivers ([`after`](super::after), [`at`](super::at),
//!   [`tick`](super::tick)) need no thread for blocking waits, but a task cannot
//!   sleep by itself: async waits on them are woken at the deadline by one timer
//!   thread shared by the whole process, started by the first such wait and ended
//!   after a second with none registered. A dropped future withdraws its
//!   registration at once.
//!
//! ```
//! use futures::{executor::block_on, StreamExt};
//! use gosync::chan;
//! use std::time::Duration;
//!
//! let ticks = chan::tick(Duration::from_millis(1));
//! let first_three: Vec<_> = block_on(ticks.stream().take(3).collect());
//! assert_eq!(first_three.len(), 3);
//! assert!(block_on(chan::after(Duration::from_millis(1)).recv_async()).is_ok());
//! ```

use super::error::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use super::hchan::{ChanGuard, Hchan, RecvAttempt, SendAttempt};
use super::timer::TimerState;
use super::waiter::Waiter;
use super::{Receiver, RecvFlavor, Sender};
use crate::park::timers::TimerEntry;
use crate::park::Context;
use futures_core::future::FusedFuture;
use futures_core::stream::{FusedStream, Stream};
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{self, Poll};
use std::time::Instant;

// ----- the core: one async operation on one channel -----

/// What a receive got: the result of its first attempt (made under the lock on the
/// first poll), or a value a sender handed to its waiter later.
enum Got<R, T> {
    Now(R),
    Handed(T),
}

/// Where an async operation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started (or, for a stream or sink, between two operations): not linked.
    Idle,
    /// The waiter is (or was, until a peer claimed it) linked in a queue, and its
    /// final state has not been consumed yet.
    Waiting,
    /// Completed; the output was returned.
    Done,
}

/// The part of an async operation that peers reach while it waits: its [`Context`]
/// and its [`Waiter`] (which points at the context). Pinned: it must not move while
/// the waiter is linked, and it is reached only through shared references (peers hold
/// raw pointers into it), except to (re)write `waiter` while it is not linked.
struct Op<T> {
    phase: Phase,
    /// Built on the first wait, once the op is pinned (it points at `ctx`). Declared
    /// before `ctx`: dropped first.
    waiter: Option<Waiter<T>>,
    ctx: Context,
    _pin: PhantomPinned,
}

// SAFETY: the op owns at most one `T` (in the waiter's slot), which moves between
// threads only under the channel lock or by the winner of the context's claim; the
// raw pointers in the waiter point into the op itself or at other waiters of the same
// channel, reached only under that channel's lock.
unsafe impl<T: Send> Send for Op<T> {}
// SAFETY: through `&Op` nothing reaches a `T` (every method that does takes
// `Pin<&mut Op>`); shared access by peers follows the waiter's protocol.
unsafe impl<T: Send> Sync for Op<T> {}

impl<T> Op<T> {
    fn new() -> Self {
        Op {
            phase: Phase::Idle,
            waiter: None,
            ctx: Context::new_locked_task(),
            _pin: PhantomPinned,
        }
    }

    /// The linked (or claimed) waiter.
    fn waiter(&self) -> &Waiter<T> {
        self.waiter
            .as_ref()
            .expect("bug: an async op is waiting without a waiter")
    }

    /// Registers the task's waker and reports whether a peer completed the op.
    /// `true`: the context is final (its outcome is in the waiter). `false`: still
    /// linked, and the peer that completes it will wake the task. A poll that finds
    /// the op still waiting (the first poll registers under the lock it enqueues in)
    /// takes the channel lock to leave its waker: a spurious poll costs a lock
    /// instead of the two read-modify-writes of a lock-free hand-shake, and every
    /// hand-off saves those two and the claimer's two.
    fn poll_done(&self, chan: &Hchan<T>, cx: &mut task::Context<'_>) -> bool {
        // A task woken by its completer finds the context final, without the lock.
        if self.ctx.state().is_final() {
            return true;
        }
        // Claims are made, and completed, under the channel lock: under it the state
        // is `Waiting` or final, and a waker left there is taken by the next claimer.
        let _g = chan.lock();
        if self.ctx.state().is_final() {
            return true;
        }
        // SAFETY: we hold the lock of the one channel whose queue links our waiter,
        // and saw the state `Waiting` under it.
        unsafe { self.ctx.set_waker_locked(cx.waker()) };
        false
    }

    /// Builds the waiter (holding `value`, a sender's) for this op's context.
    fn new_waiter(&mut self, value: Option<T>) -> &Waiter<T> {
        // SAFETY: `ctx` is pinned in this op next to the waiter, and the waiter is
        // dropped (or rebuilt) before `ctx` goes.
        self.waiter
            .insert(unsafe { Waiter::new(&self.ctx, 0, value) })
    }

    /// Makes the op reusable after it completed (a stream's next item, a sink's next
    /// value).
    fn reset(self: Pin<&mut Self>) {
        // SAFETY: nothing is moved out; `waiter` is rewritten only while unlinked.
        let this = unsafe { self.get_unchecked_mut() };
        if this.phase == Phase::Done && this.waiter.is_some() {
            // SAFETY: the op completed through its waiter, which the completing peer
            // unlinked: the context is final and nobody else can reach it.
            unsafe { this.ctx.reset() };
        }
        this.waiter = None;
        this.phase = Phase::Idle;
    }

    // ----- receive -----

    /// Polls a receive on `chan`.
    fn poll_recv(
        self: Pin<&mut Self>,
        chan: &Hchan<T>,
        cx: &mut task::Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        self.poll_recv_with(chan, cx, |g| g.try_recv())
            .map_ok(|got| match got {
                Got::Now(v) | Got::Handed(v) => v,
            })
    }

    /// Polls a receive on `chan` whose first attempt, made under the lock on the
    /// first poll, is `attempt` (one value, or a batch): its result, or — if it found
    /// the channel empty — the value a sender later hands to the waiter.
    fn poll_recv_with<R>(
        self: Pin<&mut Self>,
        chan: &Hchan<T>,
        cx: &mut task::Context<'_>,
        attempt: impl FnOnce(&mut ChanGuard<'_, T>) -> RecvAttempt<R>,
    ) -> Poll<Result<Got<R, T>, RecvError>> {
        // SAFETY: nothing is moved out; `waiter` is written only while unlinked.
        let this = unsafe { self.get_unchecked_mut() };
        match this.phase {
            Phase::Idle => {
                let mut g = chan.lock();
                match attempt(&mut g) {
                    RecvAttempt::Received(r) => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Ok(Got::Now(r)));
                    }
                    RecvAttempt::Closed => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Err(RecvError));
                    }
                    RecvAttempt::Empty => {
                        let w = this.new_waiter(None);
                        // SAFETY: the waiter is pinned inside this op, linked only
                        // here, and the owner's `Drop` cancels (unlinks) it before the
                        // memory goes.
                        unsafe { g.ops().enqueue_recv(w) };
                        // SAFETY: the waiter was linked in this channel's queue under
                        // the lock we hold, and nobody could claim it yet.
                        unsafe { this.ctx.set_waker_locked(cx.waker()) };
                        drop(g);
                        this.phase = Phase::Waiting;
                        // A sender that comes after the unlock takes the waker.
                        return Poll::Pending;
                    }
                }
            }
            Phase::Waiting => {}
            Phase::Done => panic!("gosync: a receive future was polled after it completed"),
        }
        if !this.poll_done(chan, cx) {
            return Poll::Pending;
        }
        this.phase = Phase::Done;
        // SAFETY: the context is final, and the peer that completed the waiter
        // unlinked it: the waiter is ours again.
        match unsafe { this.waiter().outcome() }.into_recv() {
            Ok(v) => Poll::Ready(Ok(Got::Handed(v))),
            Err(RecvTimeoutError::Closed) => Poll::Ready(Err(RecvError)),
            Err(RecvTimeoutError::Timeout) => unreachable!("bug: a receive future aborted"),
        }
    }

    /// Cancels a receive (the owner is being dropped): unlinks the waiter or, if a
    /// sender already handed it a value, gives the value back to the channel.
    fn cancel_recv(self: Pin<&mut Self>, chan: &Hchan<T>) {
        // SAFETY: nothing is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        if this.phase != Phase::Waiting {
            return;
        }
        this.phase = Phase::Done;
        let w = this.waiter();
        let mut g = chan.lock();
        if this.ctx.try_abort() {
            // SAFETY: `w` was linked only in this channel's `recvq`.
            unsafe { g.ops().unlink_recv(w) };
            return;
        }
        // A peer claimed the waiter, under this lock: it is final now.
        debug_assert!(this.ctx.state().is_final(), "bug: claimed waiter not final");
        // SAFETY: the context is final, and the peer that completed the waiter
        // unlinked it: its slot is ours.
        if let Ok(v) = unsafe { w.outcome() }.into_recv() {
            g.give_back(v);
        }
    }

    // ----- send -----

    /// Polls a send of `*value` on `chan` (`value` is taken on the first poll).
    fn poll_send(
        self: Pin<&mut Self>,
        chan: &Hchan<T>,
        value: &mut Option<T>,
        cx: &mut task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        // SAFETY: nothing is moved out; `waiter` is written only while unlinked.
        let this = unsafe { self.get_unchecked_mut() };
        match this.phase {
            Phase::Idle => {
                let v = value.take().expect("bug: a send future without a value");
                let mut g = chan.lock();
                match g.try_send(v) {
                    SendAttempt::Sent => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Ok(()));
                    }
                    SendAttempt::Closed(v) => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Err(SendError(v)));
                    }
                    SendAttempt::Full(v) => {
                        let w = this.new_waiter(Some(v));
                        // SAFETY: as in `poll_recv`.
                        unsafe { g.ops().enqueue_send(w) };
                        // SAFETY: as in `poll_recv_with`.
                        unsafe { this.ctx.set_waker_locked(cx.waker()) };
                        drop(g);
                        this.phase = Phase::Waiting;
                        return Poll::Pending;
                    }
                }
            }
            Phase::Waiting => {}
            Phase::Done => panic!("gosync: a send future was polled after it completed"),
        }
        if !this.poll_done(chan, cx) {
            return Poll::Pending;
        }
        this.phase = Phase::Done;
        // SAFETY: as in `poll_recv`.
        match unsafe { this.waiter().outcome() }.into_send() {
            Ok(()) => Poll::Ready(Ok(())),
            Err(SendTimeoutError::Closed(v)) => Poll::Ready(Err(SendError(v))),
            Err(SendTimeoutError::Timeout(_)) => unreachable!("bug: a send future aborted"),
        }
    }

    /// Cancels a send (the owner is being dropped): unlinks the waiter and returns the
    /// unsent value for the caller to drop (outside the lock), or `None` when a
    /// receiver already took it.
    fn cancel_send(self: Pin<&mut Self>, chan: &Hchan<T>) -> Option<T> {
        // SAFETY: nothing is moved out.
        let this = unsafe { self.get_unchecked_mut() };
        if this.phase != Phase::Waiting {
            return None;
        }
        this.phase = Phase::Done;
        let w = this.waiter();
        let mut g = chan.lock();
        if this.ctx.try_abort() {
            // SAFETY: `w` was linked only in this channel's `sendq`.
            unsafe { g.ops().unlink_send(w) };
        } else {
            // A peer claimed the waiter, under this lock: it is final now, and the
            // slot is empty unless the peer was a close.
            debug_assert!(this.ctx.state().is_final(), "bug: claimed waiter not final");
        }
        drop(g);
        // SAFETY: the context is final (aborted by us, or completed) and the waiter
        // unlinked (by us, or by the peer): the slot is ours.
        match unsafe { w.outcome() }.into_send() {
            Ok(()) => None,
            Err(SendTimeoutError::Closed(v) | SendTimeoutError::Timeout(v)) => Some(v),
        }
    }
}

// ----- receive future -----

/// The future of [`Receiver::recv_async`]: resolves to the next value, or to
/// [`RecvError`] once the channel is closed and drained.
///
/// # Cancel safety
///
/// Dropping it never loses a value: if a sender had already handed it a value that it
/// had not yet returned, the value goes to the next waiting receiver or back to the
/// front of the buffer. Its waiter is unlinked. See the [module docs](self).
///
/// ```
/// use futures::executor::block_on;
///
/// let (tx, rx) = gosync::chan::bounded(1);
/// tx.send("hello").unwrap();
/// let fut = rx.recv_async(); // lazy: nothing happens yet
/// assert_eq!(block_on(fut), Ok("hello"));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a, T> {
    rx: &'a Receiver<T>,
    op: Op<T>,
    /// For a timer receiver: the registration with the timer thread.
    timer: TimerEntry,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `op` is structurally pinned: never moved, and cancelled by `Drop`
        // before the future's memory goes.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let op = unsafe { Pin::new_unchecked(&mut this.op) };
        match &this.rx.flavor {
            RecvFlavor::Chan(c) => op.poll_recv(c, cx),
            // Go's nil channel: never ready, nobody to wake us.
            RecvFlavor::Never => Poll::Pending,
            RecvFlavor::Timer(t, conv) => {
                assert!(
                    this.op.phase != Phase::Done,
                    "gosync: a receive future was polled after it completed"
                );
                let r = poll_timer(t, *conv, &mut this.timer, cx);
                if r.is_ready() {
                    this.op.phase = Phase::Done;
                }
                r.map(Ok)
            }
        }
    }
}

/// Polls a timer receiver: its value if due, else a registration with the timer
/// thread to be woken at the deadline (no registration when it will never fire again).
fn poll_timer<T>(
    t: &TimerState,
    conv: fn(Instant) -> T,
    entry: &mut TimerEntry,
    cx: &mut task::Context<'_>,
) -> Poll<T> {
    t.watch(cx.waker()); // a `Timer::reset` wakes us (before we look: none is missed)
    if let Some(due) = t.try_fire() {
        entry.cancel();
        return Poll::Ready(conv(due));
    }
    // If the deadline passes (or another receiver takes the value) between the two
    // calls, the timer thread wakes us at once and the next poll sorts it out.
    if let Some(deadline) = t.deadline() {
        entry.wake_at(deadline, cx.waker());
    }
    Poll::Pending
}

impl<T> FusedFuture for RecvFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.phase == Phase::Done
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        if let RecvFlavor::Chan(c) = &self.rx.flavor {
            // SAFETY: `drop` runs on the pinned future in place.
            unsafe { Pin::new_unchecked(&mut self.op) }.cancel_recv(c);
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("phase", &self.op.phase)
            .finish_non_exhaustive()
    }
}

// ----- batched receive future -----

/// The future of [`Receiver::recv_many_async`]: resolves to how many values it
/// appended to the buffer (at least one), or to [`RecvError`] once the channel is
/// closed and drained — [`Receiver::recv_many`] without blocking the thread.
///
/// # Cancel safety
///
/// Values are appended to the buffer only in the poll that returns `Ready`, so a
/// future dropped before that has appended nothing; a value a sender had already
/// handed to its waiter goes back to the channel as for [`RecvFuture`] (to the next
/// waiting receiver, or to the front of the buffer). Nothing is lost or received
/// twice. Its waiter is unlinked. See the [module docs](self).
///
/// ```
/// use futures::executor::block_on;
///
/// let (tx, rx) = gosync::chan::unbounded();
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// let mut buf = Vec::new();
/// assert_eq!(block_on(rx.recv_many_async(&mut buf, 10)), Ok(3));
/// assert_eq!(buf, [0, 1, 2]);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct RecvManyFuture<'a, T> {
    rx: &'a Receiver<T>,
    buf: &'a mut Vec<T>,
    limit: usize,
    op: Op<T>,
    /// For a timer receiver: the registration with the timer thread.
    timer: TimerEntry,
}

impl<T> Future for RecvManyFuture<'_, T> {
    type Output = Result<usize, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `op` is structurally pinned (see `RecvFuture::poll`); `buf` and
        // `limit` are not.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(
            this.op.phase != Phase::Done,
            "gosync: a receive future was polled after it completed"
        );
        let limit = this.limit;
        if limit == 0 {
            this.op.phase = Phase::Done;
            return Poll::Ready(Ok(0));
        }
        let buf = &mut *this.buf;
        match &this.rx.flavor {
            RecvFlavor::Chan(c) => {
                if this.op.phase == Phase::Idle {
                    // Room for what is ready, before the lock (`Hchan::recv_many`).
                    c.reserve_for_many(buf, limit);
                }
                // SAFETY: as above.
                let op = unsafe { Pin::new_unchecked(&mut this.op) };
                op.poll_recv_with(c, cx, |g| g.try_recv_many(buf, limit))
                    .map_ok(|got| match got {
                        Got::Now(n) => n,
                        // Waited for one value: add what is ready after it.
                        Got::Handed(v) => {
                            buf.push(v);
                            1 + c.recv_more(buf, limit - 1)
                        }
                    })
            }
            // Go's nil channel: never ready, nobody to wake us.
            RecvFlavor::Never => Poll::Pending,
            // A timer gives one value per receive.
            RecvFlavor::Timer(t, conv) => poll_timer(t, *conv, &mut this.timer, cx).map(|v| {
                this.op.phase = Phase::Done;
                buf.push(v);
                Ok(1)
            }),
        }
    }
}

impl<T> FusedFuture for RecvManyFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.phase == Phase::Done
    }
}

impl<T> Drop for RecvManyFuture<'_, T> {
    fn drop(&mut self) {
        if let RecvFlavor::Chan(c) = &self.rx.flavor {
            // SAFETY: `drop` runs on the pinned future in place.
            unsafe { Pin::new_unchecked(&mut self.op) }.cancel_recv(c);
        }
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("phase", &self.op.phase)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Receives many values at once from an async task: the future resolves to how
    /// many values it appended to `buf` (at least one), taken as
    /// [`recv_many`](Receiver::recv_many) takes them (under one lock: buffered
    /// values, then parked senders' values, in channel order), or to [`RecvError`]
    /// once the channel is closed and drained. `limit == 0` resolves to `Ok(0)` at
    /// once; a timer receiver yields one value per call; a [`never()`](super::never)
    /// receiver's future is never ready.
    ///
    /// Lazy: nothing happens until it is first polled. Cancel safe: dropping the
    /// future never loses a value (see [`RecvManyFuture`]).
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || {
    ///     for i in 0..4 {
    ///         tx.send(i).unwrap();
    ///     }
    /// });
    /// let got = block_on(async {
    ///     let mut buf = Vec::new();
    ///     while rx.recv_many_async(&mut buf, 16).await.is_ok() {}
    ///     buf
    /// });
    /// assert_eq!(got, [0, 1, 2, 3]);
    /// t.join().unwrap();
    /// ```
    pub fn recv_many_async<'a>(
        &'a self,
        buf: &'a mut Vec<T>,
        limit: usize,
    ) -> RecvManyFuture<'a, T> {
        RecvManyFuture {
            rx: self,
            buf,
            limit,
            op: Op::new(),
            timer: TimerEntry::new(),
        }
    }
}

// ----- send future -----

/// The future of [`Sender::send_async`]: resolves once the value is buffered or handed
/// to a receiver (on a rendezvous channel: taken by a receiver), or to
/// [`SendError`] with the value if the channel is closed.
///
/// # Cancel safety
///
/// Dropping it either has sent the value or drops it unsent, never both: a value that
/// a receiver took (or moved into the buffer) stays sent; otherwise the waiter is
/// unlinked and the value dropped. See the [module docs](self).
///
/// ```
/// use futures::executor::block_on;
///
/// let (tx, rx) = gosync::chan::bounded(1);
/// block_on(tx.send_async(1)).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// drop(rx);
/// assert_eq!(block_on(tx.send_async(2)).unwrap_err().into_inner(), 2);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a, T> {
    tx: &'a Sender<T>,
    /// The value, until the first poll moves it into the channel or the waiter.
    value: Option<T>,
    op: Op<T>,
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `op` is structurally pinned (see `RecvFuture::poll`); `value` is not.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let op = unsafe { Pin::new_unchecked(&mut this.op) };
        op.poll_send(&this.tx.chan, &mut this.value, cx)
    }
}

impl<T> FusedFuture for SendFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.phase == Phase::Done
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `drop` runs on the pinned future in place.
        let unsent = unsafe { Pin::new_unchecked(&mut self.op) }.cancel_send(&self.tx.chan);
        drop(unsent);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("phase", &self.op.phase)
            .finish_non_exhaustive()
    }
}

// ----- stream and sink: a reusable op on the heap -----

/// An [`Op`] allocated once per stream or sink and reused for every item, so that the
/// stream or sink itself is `Unpin` (as `StreamExt::next` and `SinkExt::send` want).
/// The allocation happens on the first poll.
struct HeapOp<T> {
    /// Owned (from `Box::into_raw`); freed in `Drop`, after the owner cancelled it.
    /// Accessed only through pinned references made from this pointer (never a `Box`,
    /// whose uniqueness would clash with the peers' pointers into the op).
    ptr: Option<NonNull<Op<T>>>,
}

// SAFETY: `HeapOp` owns its `Op` (as a `Box` would): `Send`/`Sync` as `Op` is.
unsafe impl<T: Send> Send for HeapOp<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for HeapOp<T> {}

impl<T> HeapOp<T> {
    const fn new() -> Self {
        HeapOp { ptr: None }
    }

    /// The op, allocated on first use.
    fn get(&mut self) -> Pin<&mut Op<T>> {
        let p = *self
            .ptr
            .get_or_insert_with(|| NonNull::from(Box::leak(Box::new(Op::new()))));
        // SAFETY: the op lives at a fixed heap address until `Drop`, and `&mut self`
        // makes this the only handle the owner has.
        unsafe { Pin::new_unchecked(&mut *p.as_ptr()) }
    }

    /// The op if allocated.
    fn get_if_allocated(&mut self) -> Option<Pin<&mut Op<T>>> {
        self.ptr.is_some().then(|| self.get())
    }

    fn phase(&self) -> Phase {
        match self.ptr {
            // SAFETY: the op is live; `phase` is touched only by the owner.
            Some(p) => unsafe { (*p.as_ptr()).phase },
            None => Phase::Idle,
        }
    }
}

impl<T> Drop for HeapOp<T> {
    fn drop(&mut self) {
        if let Some(p) = self.ptr.take() {
            // SAFETY: allocated by `Box::leak` in `get`; the owner cancelled the op
            // (its waiter is unlinked and final), so no peer can reach it.
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    }
}

/// A receiver borrowed or owned.
enum RxRef<'a, T> {
    Borrowed(&'a Receiver<T>),
    Owned(Receiver<T>),
}

impl<T> RxRef<'_, T> {
    fn get(&self) -> &Receiver<T> {
        match self {
            RxRef::Borrowed(r) => r,
            RxRef::Owned(r) => r,
        }
    }
}

/// A sender borrowed or owned.
enum TxRef<'a, T> {
    Borrowed(&'a Sender<T>),
    Owned(Sender<T>),
}

impl<T> TxRef<'_, T> {
    fn get(&self) -> &Sender<T> {
        match self {
            TxRef::Borrowed(s) => s,
            TxRef::Owned(s) => s,
        }
    }
}

/// A [`Stream`] of the values received from a channel, from [`Receiver::stream`]
/// (borrowing) or [`Receiver::into_stream`] (owning). It ends when the channel is
/// closed and drained. `Unpin`: it allocates its waiter once, on the first poll.
///
/// # Cancel safety
///
/// Dropping the stream, or the future of `StreamExt::next`, loses no value: a value
/// already handed to it goes back as for [`RecvFuture`]. A stream whose `next()` was
/// cancelled may be polled again; it keeps its place in the queue.
///
/// ```
/// use futures::{executor::block_on, StreamExt};
///
/// let (tx, rx) = gosync::chan::unbounded();
/// for i in 1..=3 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// let sum: i32 = block_on(rx.stream().fold(0, |a, v| async move { a + v }));
/// assert_eq!(sum, 6);
/// ```
pub struct RecvStream<'a, T> {
    rx: RxRef<'a, T>,
    op: HeapOp<T>,
    /// For a timer receiver: the registration with the timer thread.
    timer: TimerEntry,
    /// The channel was found closed and drained.
    ended: bool,
}

// The op is on the heap and values are never pinned: moving the stream is fine.
impl<T> Unpin for RecvStream<'_, T> {}

impl<T> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let chan = match &this.rx.get().flavor {
            RecvFlavor::Chan(c) => c,
            RecvFlavor::Never => return Poll::Pending,
            // A timer never closes: a `tick` stream never ends.
            RecvFlavor::Timer(t, conv) => {
                return poll_timer(t, *conv, &mut this.timer, cx).map(Some)
            }
        };
        let mut op = this.op.get();
        match op.as_mut().poll_recv(chan, cx) {
            Poll::Ready(Ok(v)) => {
                op.reset();
                Poll::Ready(Some(v))
            }
            Poll::Ready(Err(RecvError)) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        // Runs before the fields drop: an owned receiver is still alive here, so a
        // given-back value is not lost to the last receiver's disconnect.
        if let RecvFlavor::Chan(c) = &self.rx.get().flavor {
            if let Some(op) = self.op.get_if_allocated() {
                op.cancel_recv(c);
            }
        }
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// A [`Sink`](futures_sink::Sink) that sends into a channel, from [`Sender::sink`]
/// (borrowing) or [`Sender::into_sink`] (owning). `Unpin`: it allocates its waiter
/// once, on the first send that has to wait.
///
/// It holds at most one value in flight: `start_send` sends at once if it can, else
/// keeps the value until `poll_ready` / `poll_flush` completes the send. Its error is
/// [`SendError`] with the value that could not be sent (the channel is closed).
/// `poll_close` only flushes: the channel closes when the last sender (this sink,
/// if it owns the last one) is dropped, or by [`Sender::close`].
///
/// # Cancel safety
///
/// Dropping the sink with a value in flight either has sent it or drops it unsent,
/// as for [`SendFuture`].
///
/// ```
/// use futures::{executor::block_on, stream, SinkExt, StreamExt};
///
/// let (tx, rx) = gosync::chan::bounded(1);
/// let t = std::thread::spawn(move || rx.iter().collect::<Vec<i32>>());
/// let mut sink = tx.into_sink();
/// block_on(sink.send_all(&mut stream::iter(1..=4).map(Ok))).unwrap();
/// drop(sink); // the last sender: closes the channel
/// assert_eq!(t.join().unwrap(), [1, 2, 3, 4]);
/// ```
pub struct SendSink<'a, T> {
    tx: TxRef<'a, T>,
    /// A value accepted by `start_send` that did not fit at once.
    pending: Option<T>,
    op: HeapOp<T>,
}

// The op is on the heap and values are never pinned: moving the sink is fine.
impl<T> Unpin for SendSink<'_, T> {}

impl<T> SendSink<'_, T> {
    /// Drives the value in flight, if any, to completion.
    fn poll_flush_inner(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if self.pending.is_none() && self.op.phase() != Phase::Waiting {
            return Poll::Ready(Ok(()));
        }
        let chan = &self.tx.get().chan;
        let mut op = self.op.get();
        let r = op.as_mut().poll_send(chan, &mut self.pending, cx);
        if r.is_ready() {
            op.reset();
        }
        r
    }
}

impl<T> futures_sink::Sink<T> for SendSink<'_, T> {
    type Error = SendError<T>;

    fn poll_ready(
        self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_flush_inner(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), SendError<T>> {
        let this = self.get_mut();
        assert!(
            this.pending.is_none() && this.op.phase() != Phase::Waiting,
            "gosync: SendSink::start_send called without poll_ready"
        );
        match this.tx.get().try_send(item) {
            Ok(()) => Ok(()),
            Err(super::TrySendError::Full(v)) => {
                this.pending = Some(v);
                Ok(())
            }
            Err(super::TrySendError::Closed(v)) => Err(SendError(v)),
        }
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_flush_inner(cx)
    }

    fn poll_close(
        self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        let chan = &self.tx.get().chan;
        let unsent = self
            .op
            .get_if_allocated()
            .and_then(|op| op.cancel_send(chan));
        drop(unsent);
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field(
                "in_flight",
                &(self.pending.is_some() || self.op.phase() == Phase::Waiting),
            )
            .finish_non_exhaustive()
    }
}

// ----- the methods on the handles -----

impl<T> Sender<T> {
    /// Sends `v` from an async task: the future resolves once `v` is buffered or
    /// handed to a receiver (thread or task), like [`send`](Sender::send) without
    /// blocking the thread.
    ///
    /// Lazy: nothing happens until it is first polled. Cancel safe: dropping the future
    /// either has sent `v` or drops it unsent, never both (see [`SendFuture`]).
    ///
    /// # Errors
    /// The future resolves to [`SendError`] with `v` if the channel is closed, or
    /// closes while waiting.
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv());
    /// block_on(tx.send_async(5)).unwrap(); // a task sends, a thread receives
    /// assert_eq!(t.join().unwrap(), Ok(5));
    /// ```
    pub fn send_async(&self, v: T) -> SendFuture<'_, T> {
        SendFuture {
            tx: self,
            value: Some(v),
            op: Op::new(),
        }
    }

    /// A [`Sink`](futures_sink::Sink) borrowing this sender: see [`SendSink`].
    ///
    /// ```
    /// use futures::{executor::block_on, SinkExt};
    ///
    /// let (tx, rx) = gosync::chan::unbounded();
    /// block_on(tx.sink().send(1)).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink {
            tx: TxRef::Borrowed(self),
            pending: None,
            op: HeapOp::new(),
        }
    }

    /// A [`Sink`](futures_sink::Sink) owning this sender: see [`SendSink`]. Dropping
    /// the sink drops the sender (closing the channel if it was the last one).
    ///
    /// ```
    /// use futures::{executor::block_on, SinkExt};
    ///
    /// let (tx, rx) = gosync::chan::unbounded();
    /// let mut sink = tx.into_sink();
    /// block_on(sink.send("a")).unwrap();
    /// drop(sink);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), ["a"]);
    /// ```
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink {
            tx: TxRef::Owned(self),
            pending: None,
            op: HeapOp::new(),
        }
    }
}

impl<T> Receiver<T> {
    /// Receives from an async task: the future resolves to the next value (from a
    /// thread or a task), or to [`RecvError`] once the channel is closed and drained —
    /// [`recv`](Receiver::recv) without blocking the thread.
    ///
    /// Lazy: nothing happens until it is first polled. Cancel safe: dropping the future
    /// never loses a value (see [`RecvFuture`]).
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || tx.send(9));
    /// assert_eq!(block_on(rx.recv_async()), Ok(9)); // a thread sends, a task receives
    /// t.join().unwrap().unwrap();
    /// ```
    pub fn recv_async(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            rx: self,
            op: Op::new(),
            timer: TimerEntry::new(),
        }
    }

    /// A [`Stream`] of received values borrowing this receiver; it ends when the
    /// channel is closed and drained (Go's `for v := range ch`). See [`RecvStream`].
    ///
    /// ```
    /// use futures::{executor::block_on, StreamExt};
    ///
    /// let (tx, rx) = gosync::chan::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(block_on(rx.stream().collect::<Vec<_>>()), [1, 2]);
    /// ```
    pub fn stream(&self) -> RecvStream<'_, T> {
        RecvStream {
            rx: RxRef::Borrowed(self),
            op: HeapOp::new(),
            timer: TimerEntry::new(),
            ended: false,
        }
    }

    /// A [`Stream`] of received values owning this receiver. See [`RecvStream`].
    ///
    /// ```
    /// use futures::{executor::block_on, StreamExt};
    ///
    /// let (tx, rx) = gosync::chan::bounded(4);
    /// let mut s = rx.into_stream();
    /// tx.send('x').unwrap();
    /// assert_eq!(block_on(s.next()), Some('x'));
    /// drop(tx);
    /// assert_eq!(block_on(s.next()), None);
    /// ```
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream {
            rx: RxRef::Owned(self),
            op: HeapOp::new(),
            timer: TimerEntry::new(),
            ended: false,
        }
    }
}
