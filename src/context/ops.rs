//! The context-taking forms of the blocking operations: [`Receiver::recv_ctx`],
//! [`Sender::send_ctx`], [`WaitGroup::wait_ctx`]. Written here, beside
//! [`Context`], so that channels and the sync primitives stay below it.
//!
//! The channel forms are selects over the channel and `ctx.done()`; the wait is an
//! interruptible `WaitGroup` wait whose interrupt is woken by the cancel.

use super::{Context, ContextError};
use crate::chan::{Receiver, RecvError, SendError, Sender};
use crate::select::private as sel;
use crate::sync::Interrupt;
use crate::WaitGroup;
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// Why [`Receiver::recv_ctx`] returned without a value.
///
/// ```
/// use gosync::{chan, context};
/// use gosync::context::{ContextError, RecvCtxError};
///
/// let (tx, rx) = chan::bounded::<u8>(1);
/// let (ctx, cancel) = context::background().with_cancel();
/// cancel.cancel();
/// assert_eq!(rx.recv_ctx(&ctx), Err(RecvCtxError::Context(ContextError::Canceled)));
/// drop(tx);
/// assert_eq!(rx.recv_ctx(&context::background()), Err(RecvCtxError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvCtxError {
    /// The channel is closed and empty.
    Closed,
    /// The context was cancelled first.
    Context(ContextError),
}

impl fmt::Display for RecvCtxError {
    /// ```
    /// use gosync::context::{ContextError, RecvCtxError};
    /// assert_eq!(RecvCtxError::Closed.to_string(), "receiving on a closed and empty channel");
    /// assert_eq!(
    ///     RecvCtxError::Context(ContextError::Canceled).to_string(),
    ///     "context canceled"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvCtxError::Closed => RecvError.fmt(f),
            RecvCtxError::Context(e) => e.fmt(f),
        }
    }
}

impl Error for RecvCtxError {}

impl From<RecvError> for RecvCtxError {
    /// ```
    /// use gosync::{chan::RecvError, context::RecvCtxError};
    /// assert_eq!(RecvCtxError::from(RecvError), RecvCtxError::Closed);
    /// ```
    fn from(_: RecvError) -> Self {
        RecvCtxError::Closed
    }
}

/// Why [`Sender::send_ctx`] did not send; holds the value, which
/// [`into_inner`](SendCtxError::into_inner) gives back.
///
/// ```
/// use gosync::{chan, context};
/// use gosync::context::{ContextError, SendCtxError};
///
/// let (tx, _rx) = chan::bounded(0); // nobody receives
/// let (ctx, cancel) = context::background().with_cancel();
/// cancel.cancel();
/// let err = tx.send_ctx(&ctx, String::from("hi")).unwrap_err();
/// assert!(matches!(err, SendCtxError::Context(ContextError::Canceled, _)));
/// assert_eq!(err.into_inner(), "hi");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendCtxError<T> {
    /// The channel is closed (every receiver is gone, or it was closed).
    Closed(T),
    /// The context was cancelled first.
    Context(ContextError, T),
}

impl<T> SendCtxError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// use gosync::chan;
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// drop(rx);
    /// let err = tx.send_ctx(&gosync::context::background(), 5).unwrap_err();
    /// assert_eq!(err.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendCtxError::Closed(v) | SendCtxError::Context(_, v) => v,
        }
    }
}

impl<T> fmt::Debug for SendCtxError<T> {
    /// Leaves the value out (it need not be `Debug`).
    ///
    /// ```
    /// use gosync::context::SendCtxError;
    /// assert_eq!(format!("{:?}", SendCtxError::Closed(1)), "Closed(..)");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendCtxError::Closed(_) => f.write_str("Closed(..)"),
            SendCtxError::Context(e, _) => write!(f, "Context({e:?}, ..)"),
        }
    }
}

impl<T> fmt::Display for SendCtxError<T> {
    /// ```
    /// use gosync::context::{ContextError, SendCtxError};
    /// assert_eq!(SendCtxError::Closed(1).to_string(), "sending on a closed channel");
    /// assert_eq!(
    ///     SendCtxError::Context(ContextError::DeadlineExceeded, 1).to_string(),
    ///     "context deadline exceeded"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendCtxError::Closed(_) => f.write_str("sending on a closed channel"),
            SendCtxError::Context(e, _) => e.fmt(f),
        }
    }
}

impl<T> Error for SendCtxError<T> {}

impl<T> From<SendError<T>> for SendCtxError<T> {
    /// ```
    /// use gosync::{chan::SendError, context::SendCtxError};
    /// assert_eq!(SendCtxError::from(SendError(3)).into_inner(), 3);
    /// ```
    fn from(e: SendError<T>) -> Self {
        SendCtxError::Closed(e.0)
    }
}

/// The error of a context that a select saw done.
fn done_err(ctx: &Context) -> ContextError {
    ctx.err()
        .expect("bug: a context's done channel closed before its error was set")
}

impl<T> Receiver<T> {
    /// Receives a value, unless `ctx` is cancelled first: Go's
    /// `select { case v := <-ch: … case <-ctx.Done(): return ctx.Err() }`.
    ///
    /// If `ctx` is already cancelled when called, returns its error without
    /// receiving, even if a value is ready; otherwise, if both become ready, either
    /// may win (as in Go's `select`). A context that cannot be cancelled costs a
    /// plain `recv`.
    ///
    /// ```
    /// use gosync::{chan, context};
    /// use gosync::context::{ContextError, RecvCtxError};
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// let (ctx, _cancel) = context::background().with_timeout(Duration::from_millis(10));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_ctx(&ctx), Ok(1));
    /// // Nothing more is sent: the deadline ends the wait.
    /// assert_eq!(
    ///     rx.recv_ctx(&ctx),
    ///     Err(RecvCtxError::Context(ContextError::DeadlineExceeded))
    /// );
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    pub fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        if !ctx.can_cancel() {
            return self.recv().map_err(RecvCtxError::from);
        }
        if let Some(e) = ctx.err() {
            return Err(RecvCtxError::Context(e));
        }
        crate::select! {
            recv(self) -> v => v.map_err(RecvCtxError::from),
            recv(ctx.done()) -> _ => Err(RecvCtxError::Context(done_err(ctx))),
        }
    }
}

#[cfg(feature = "async")]
impl<T> Receiver<T> {
    /// [`recv_ctx`](Receiver::recv_ctx) for async tasks: receives a value unless
    /// `ctx` is cancelled first. Cancel safe: dropped after a sender handed it a
    /// value, it gives the value back to the channel (as
    /// [`recv_async`](Receiver::recv_async) does).
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use gosync::{chan, context};
    /// use gosync::context::{ContextError, RecvCtxError};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// let (ctx, cancel) = context::background().with_cancel();
    /// tx.send("ready").unwrap();
    /// assert_eq!(block_on(rx.recv_ctx_async(&ctx)), Ok("ready"));
    /// cancel.cancel();
    /// assert_eq!(
    ///     block_on(rx.recv_ctx_async(&ctx)),
    ///     Err(RecvCtxError::Context(ContextError::Canceled))
    /// );
    /// ```
    pub async fn recv_ctx_async(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        use std::future::Future;
        use std::task::Poll;
        if let Some(e) = ctx.err() {
            return Err(RecvCtxError::Context(e));
        }
        let mut recv = std::pin::pin!(self.recv_async());
        let mut done = std::pin::pin!(ctx.cancelled());
        std::future::poll_fn(|cx| {
            if let Poll::Ready(r) = recv.as_mut().poll(cx) {
                return Poll::Ready(r.map_err(RecvCtxError::from));
            }
            match done.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(RecvCtxError::Context(done_err(ctx)))),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

impl<T> Sender<T> {
    /// Sends `v`, unless `ctx` is cancelled first: Go's
    /// `select { case ch <- v: … case <-ctx.Done(): return ctx.Err() }`. Every error
    /// hands `v` back.
    ///
    /// If `ctx` is already cancelled when called, returns its error without
    /// sending; otherwise, if both become ready, either may win (as in Go's
    /// `select`). A context that cannot be cancelled costs a plain `send`.
    ///
    /// ```
    /// use gosync::{chan, context};
    /// use gosync::context::{ContextError, SendCtxError};
    /// use std::thread;
    ///
    /// let (tx, rx) = chan::bounded(0);
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let consumer = thread::spawn(move || rx.recv().unwrap());
    /// assert!(tx.send_ctx(&ctx, 1).is_ok());
    /// assert_eq!(consumer.join().unwrap(), 1);
    /// cancel.cancel();
    /// match tx.send_ctx(&ctx, 2) {
    ///     Err(SendCtxError::Context(ContextError::Canceled, v)) => assert_eq!(v, 2),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn send_ctx(&self, ctx: &Context, v: T) -> Result<(), SendCtxError<T>> {
        if !ctx.can_cancel() {
            return self.send(v).map_err(SendCtxError::from);
        }
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, v));
        }
        let mut send = sel::send(sel::Probe(self).__gosync_send_operand(), v);
        let mut done = sel::recv(sel::Probe(ctx.done()).__gosync_recv_operand());
        let chosen = sel::select(&[send.handle(), done.handle()], sel::Wait::forever(), false);
        debug_assert!(chosen, "bug: a blocking select chose nothing");
        if let Some(r) = send.result() {
            return r.map_err(SendCtxError::from);
        }
        let _closed = done.result();
        let v = send
            .into_unsent()
            .expect("bug: an unchosen send case lost its value");
        Err(SendCtxError::Context(done_err(ctx), v))
    }
}

impl WaitGroup {
    /// Waits until the counter is zero (`Ok`), unless `ctx` is cancelled first
    /// (`Err` with its error): Go's `wg.Wait()` raced against `<-ctx.Done()`, without
    /// the extra goroutine. Returns `Ok` at once if the counter is zero, even for a
    /// cancelled `ctx`. The cancel interrupts the wait directly (its thread is taken
    /// out of the wait queue); a context that cannot be cancelled costs a plain
    /// `wait`.
    ///
    /// ```
    /// use gosync::{context, WaitGroup};
    /// use gosync::context::ContextError;
    /// use std::time::Duration;
    ///
    /// let wg = WaitGroup::new();
    /// wg.add(1); // a task that never finishes
    /// let (ctx, _cancel) = context::background().with_timeout(Duration::from_millis(5));
    /// assert_eq!(wg.wait_ctx(&ctx), Err(ContextError::DeadlineExceeded));
    /// wg.done();
    /// assert_eq!(wg.wait_ctx(&ctx), Ok(()));
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    pub fn wait_ctx(&self, ctx: &Context) -> Result<(), ContextError> {
        if !ctx.can_cancel() {
            self.wait();
            return Ok(());
        }
        if self.wait_timeout(Duration::ZERO) {
            return Ok(());
        }
        let interrupt = Arc::new(Interrupt::new(self));
        let _registered = ctx.wake_on_cancel(Waker::from(interrupt.clone()))?;
        if self.wait_interruptible(&interrupt) {
            Ok(())
        } else {
            Err(done_err(ctx))
        }
    }

    /// [`wait_ctx`](WaitGroup::wait_ctx) for async tasks: resolves `Ok` once the
    /// counter is zero, or `Err` once `ctx` is cancelled, whichever it sees first.
    /// Cancel safe, as [`wait_async`](WaitGroup::wait_async) is.
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use gosync::{context, WaitGroup};
    /// use gosync::context::ContextError;
    ///
    /// let wg = WaitGroup::new();
    /// wg.add(1);
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let canceller = std::thread::spawn(move || cancel.cancel());
    /// assert_eq!(block_on(wg.wait_ctx_async(&ctx)), Err(ContextError::Canceled));
    /// canceller.join().unwrap();
    /// wg.done();
    /// assert_eq!(block_on(wg.wait_ctx_async(&ctx)), Ok(()));
    /// ```
    #[cfg(feature = "async")]
    pub async fn wait_ctx_async(&self, ctx: &Context) -> Result<(), ContextError> {
        use std::future::Future;
        use std::task::Poll;
        if self.wait_timeout(Duration::ZERO) {
            return Ok(());
        }
        if let Some(e) = ctx.err() {
            return Err(e);
        }
        let mut wait = std::pin::pin!(self.wait_async());
        let mut done = std::pin::pin!(ctx.cancelled());
        std::future::poll_fn(|cx| {
            if wait.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            match done.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(done_err(ctx))),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

impl crate::semaphore::Weighted {
    /// Acquires `n` permits, unless `ctx` is cancelled first (`Err` with its error,
    /// and the semaphore unchanged): Go's `Acquire(ctx, n)`. Permits that are free at
    /// once are taken even if `ctx` is already cancelled, as in Go; a waiter that
    /// gives up hands on to the waiters behind it what it would have blocked. As in
    /// Go, `n` above the semaphore's size waits for the cancel (it can never succeed).
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    /// use gosync::semaphore::Weighted;
    /// use std::time::Duration;
    ///
    /// let sem = Weighted::new(2);
    /// let ctx = context::background();
    /// assert_eq!(sem.acquire_ctx(&ctx, 2), Ok(()));
    /// let (short, _cancel) = ctx.with_timeout(Duration::from_millis(5));
    /// assert_eq!(sem.acquire_ctx(&short, 1), Err(ContextError::DeadlineExceeded));
    /// sem.release(2);
    /// assert!(sem.try_acquire(2), "the cancelled waiter took nothing");
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    pub fn acquire_ctx(&self, ctx: &Context, n: u64) -> Result<(), ContextError> {
        match self.acquire_until(n, Some(ctx.done()), None) {
            Ok(()) => Ok(()),
            Err(_) => Err(done_err(ctx)),
        }
    }
}
