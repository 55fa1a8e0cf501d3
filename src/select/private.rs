//! What the `select!` / `select_biased!` expansions call. Not part of the API: the
//! names here may change in any release.

pub use super::handle::{RecvCase, SendCase};

use super::engine::{self, Cases};
use super::handle::SelectHandle;
use crate::chan::{Receiver, RecvError, SendError, Sender};
use crate::park::Block;
use std::fmt;
use std::time::Duration;

/// A borrowed case, as the engine takes it.
pub struct Handle<'a>(&'a (dyn SelectHandle + 'a));

impl fmt::Debug for Handle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handle { .. }")
    }
}

impl Cases for [Handle<'_>] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn case(&self, i: usize) -> &dyn SelectHandle {
        self[i].0
    }
}

impl<'a, T> RecvCase<'a, T> {
    /// The case, for the engine.
    #[inline]
    pub fn handle(&self) -> Handle<'_> {
        Handle(self)
    }

    /// The outcome, if this case was chosen.
    #[inline]
    pub fn result(&mut self) -> Option<Result<T, RecvError>> {
        self.take()
    }
}

impl<'a, T> SendCase<'a, T> {
    /// The case, for the engine.
    #[inline]
    pub fn handle(&self) -> Handle<'_> {
        Handle(self)
    }

    /// The outcome, if this case was chosen.
    #[inline]
    pub fn result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.take()
    }
}

/// What a `recv(..)` operand may be: a receiver, a reference to one, or an `Option` of
/// either (`None`: a nil case, never ready). The expansion borrows the operand, so
/// these are all implemented on references.
pub trait RecvOperand<'a> {
    /// The message type.
    type Msg;
    /// The receiver, or `None` for a nil case.
    fn receiver(self) -> Option<&'a Receiver<Self::Msg>>;
}

impl<'a, T> RecvOperand<'a> for &'a Receiver<T> {
    type Msg = T;
    #[inline]
    fn receiver(self) -> Option<&'a Receiver<T>> {
        Some(self)
    }
}

impl<'a, 'b: 'a, T> RecvOperand<'a> for &'a &'b Receiver<T> {
    type Msg = T;
    #[inline]
    fn receiver(self) -> Option<&'a Receiver<T>> {
        Some(*self)
    }
}

impl<'a, T> RecvOperand<'a> for &'a Option<Receiver<T>> {
    type Msg = T;
    #[inline]
    fn receiver(self) -> Option<&'a Receiver<T>> {
        self.as_ref()
    }
}

impl<'a, 'b: 'a, T> RecvOperand<'a> for &'a Option<&'b Receiver<T>> {
    type Msg = T;
    #[inline]
    fn receiver(self) -> Option<&'a Receiver<T>> {
        *self
    }
}

/// What a `send(..)` operand may be: as for [`RecvOperand`], with senders.
pub trait SendOperand<'a> {
    /// The message type.
    type Msg;
    /// The sender, or `None` for a nil case.
    fn sender(self) -> Option<&'a Sender<Self::Msg>>;
}

impl<'a, T> SendOperand<'a> for &'a Sender<T> {
    type Msg = T;
    #[inline]
    fn sender(self) -> Option<&'a Sender<T>> {
        Some(self)
    }
}

impl<'a, 'b: 'a, T> SendOperand<'a> for &'a &'b Sender<T> {
    type Msg = T;
    #[inline]
    fn sender(self) -> Option<&'a Sender<T>> {
        Some(*self)
    }
}

impl<'a, T> SendOperand<'a> for &'a Option<Sender<T>> {
    type Msg = T;
    #[inline]
    fn sender(self) -> Option<&'a Sender<T>> {
        self.as_ref()
    }
}

impl<'a, 'b: 'a, T> SendOperand<'a> for &'a Option<&'b Sender<T>> {
    type Msg = T;
    #[inline]
    fn sender(self) -> Option<&'a Sender<T>> {
        *self
    }
}

/// A receive case on a (borrowed) operand.
#[inline]
pub fn recv<'a, O: RecvOperand<'a>>(op: O) -> RecvCase<'a, O::Msg> {
    RecvCase::new(op.receiver())
}

/// A send case on a (borrowed) operand, with the value to send.
#[inline]
pub fn send<'a, O: SendOperand<'a>>(op: O, value: O::Msg) -> SendCase<'a, O::Msg> {
    SendCase::new(op.sender(), value)
}

/// How long a `select!` waits: from its `default` case, if any.
#[derive(Debug, Clone, Copy)]
pub struct Wait(Block);

impl Wait {
    /// No `default`: block until a case completes.
    #[inline]
    pub fn forever() -> Wait {
        Wait(Block::Forever)
    }

    /// `default =>`: do not block.
    #[inline]
    pub fn now() -> Wait {
        Wait(Block::No)
    }

    /// `default(timeout) =>`: block for at most `timeout` (evaluated when the
    /// `default` case is reached in source order).
    #[inline]
    pub fn timeout(timeout: Duration) -> Wait {
        Wait(Block::timeout(timeout))
    }
}

/// Runs the select. The chosen case holds its outcome; `false` means none was chosen
/// (the `default` case runs).
#[inline]
pub fn select(cases: &[Handle<'_>], wait: Wait, biased: bool) -> bool {
    engine::run(cases, wait.0, biased).is_some()
}

/// The engine returned without choosing a case although the select has no `default`.
#[cold]
pub fn unreachable() -> ! {
    panic!("bug: select returned without choosing a case")
}

/// Test support, not API: stops the process's async timer thread if no async wait on
/// a timer receiver is registered, and waits until it has ended; `false` (nothing
/// done) while registrations are live. The next registration starts a new thread.
///
/// The thread also ends by itself after a second with nothing registered; this is for
/// test binaries under Miri, which reports any thread still running when `main`
/// returns, and whose `main` returns as soon as the last test does.
///
/// ```
/// # #[cfg(feature = "async")] {
/// let timer = gosync::chan::after(std::time::Duration::from_millis(1));
/// futures::executor::block_on(timer.recv_async()).unwrap();
/// let _ = gosync::__private::stop_timer_thread(); // other tests may hold timers
/// # }
/// ```
pub fn stop_timer_thread() -> bool {
    crate::park::timers::stop_if_idle()
}
