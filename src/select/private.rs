//! What the `select!` / `select_biased!` expansions call. Not part of the API: the
//! names here may change in any release.

pub use super::handle::{RecvCase, SendCase};

use super::engine::{self, Cases};
use super::handle::SelectHandle;
use crate::chan::{Receiver, RecvError, SendError, Sender};
use crate::park::Block;
use std::fmt;
use std::ops::Deref;
use std::time::{Duration, Instant};

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

// ----- operands ----------------------------------------------------------------------
//
// The expansion evaluates an operand `$r` as `match &$r { op => .. }` (so that every
// temporary in it lives until the select ends) and turns `op: &R` into a case in two
// steps:
//
// 1. `(&&Probe(op)).__gosync_recv_operand()` picks, by method resolution, the first
//    of: `ViaDeref` (implemented on `&Probe<R>` when `R` dereferences, through any
//    number of references and `Deref` types, to a `Receiver`: `&&rx`, `Arc<Receiver>`,
//    a user's own wrapper), which yields the `Receiver` itself; else `Probe`'s
//    inherent method (no bound), which yields `R` unchanged — an `Option`, or a wrong
//    operand.
// 2. `recv(operand)` requires `R: RecvOperand`. A wrong operand fails there, with the
//    trait's `on_unimplemented` message in the user's terms.
//
// Two traits, because one cannot hold both: an impl for `Option<X>` beside a blanket
// impl over `Deref` types is rejected by coherence (std may one day implement `Deref`
// for `Option`). `RecvOperand` lists the pointer types it looks through instead.

/// An operand, borrowed, before it is known to be a receiver or a sender (step 1
/// above).
#[derive(Debug)]
pub struct Probe<'a, P: ?Sized>(pub &'a P);

/// An operand after step 1: what `recv` / `send` check and take apart.
#[derive(Debug)]
pub struct Operand<'a, P: ?Sized>(&'a P);

impl<'a, P: ?Sized> Probe<'a, P> {
    /// The fallback of step 1: the operand unchanged.
    #[inline]
    pub fn __gosync_recv_operand(&self) -> Operand<'a, P> {
        Operand(self.0)
    }

    /// As [`Probe::__gosync_recv_operand`], for `send` cases.
    #[inline]
    pub fn __gosync_send_operand(&self) -> Operand<'a, P> {
        Operand(self.0)
    }
}

/// Step 1, preferred: an operand that dereferences to a receiver or a sender.
pub trait ViaDeref<'a> {
    /// The receiver or sender reached.
    type Target: ?Sized;
    /// The receiver reached (`recv` cases).
    fn __gosync_recv_operand(&self) -> Operand<'a, Self::Target>;
    /// The sender reached (`send` cases).
    fn __gosync_send_operand(&self) -> Operand<'a, Self::Target>;
}

/// A `Receiver` or `Sender`, behind any number of references and `Deref` types.
pub trait DerefToChannel {
    /// `Receiver<T>` or `Sender<T>`.
    type Handle;
    /// The handle reached.
    fn handle(&self) -> &Self::Handle;
}

impl<T> DerefToChannel for Receiver<T> {
    type Handle = Receiver<T>;
    #[inline]
    fn handle(&self) -> &Receiver<T> {
        self
    }
}

impl<T> DerefToChannel for Sender<T> {
    type Handle = Sender<T>;
    #[inline]
    fn handle(&self) -> &Sender<T> {
        self
    }
}

impl<P: Deref + ?Sized> DerefToChannel for P
where
    P::Target: DerefToChannel,
{
    type Handle = <P::Target as DerefToChannel>::Handle;
    #[inline]
    fn handle(&self) -> &Self::Handle {
        (**self).handle()
    }
}

impl<'a, P: DerefToChannel + ?Sized> ViaDeref<'a> for &Probe<'a, P> {
    type Target = P::Handle;
    #[inline]
    fn __gosync_recv_operand(&self) -> Operand<'a, P::Handle> {
        Operand(self.0.handle())
    }
    #[inline]
    fn __gosync_send_operand(&self) -> Operand<'a, P::Handle> {
        Operand(self.0.handle())
    }
}

/// What a `recv(..)` operand may be, after step 1: a receiver, or an `Option` of one
/// (`None`: a nil case, never ready), looked through references, `Box`, `Arc` and
/// `Rc`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a receiver, so it cannot be the operand of a `recv` case",
    label = "expected a `Receiver`, or an `Option` of one",
    note = "a `recv(..)` operand is a `Receiver<T>`, a reference to one, a type that `Deref`s to one (`Box`, `Arc`, ..), or an `Option` of these (`None`: a case that is never ready)",
    note = "to send on a `Sender`, write `send(sender, value) -> res => ..`"
)]
pub trait RecvOperand {
    /// The message type.
    type Msg;
    /// The receiver, or `None` for a nil case.
    fn receiver(&self) -> Option<&Receiver<Self::Msg>>;
}

/// What a `send(..)` operand may be: as for [`RecvOperand`], with senders.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sender, so it cannot be the operand of a `send` case",
    label = "expected a `Sender`, or an `Option` of one",
    note = "a `send(.., value)` operand is a `Sender<T>`, a reference to one, a type that `Deref`s to one (`Box`, `Arc`, ..), or an `Option` of these (`None`: a case that is never ready)",
    note = "to receive from a `Receiver`, write `recv(receiver) -> msg => ..`"
)]
pub trait SendOperand {
    /// The message type.
    type Msg;
    /// The sender, or `None` for a nil case.
    fn sender(&self) -> Option<&Sender<Self::Msg>>;
}

impl<T> RecvOperand for Receiver<T> {
    type Msg = T;
    #[inline]
    fn receiver(&self) -> Option<&Receiver<T>> {
        Some(self)
    }
}

impl<T> SendOperand for Sender<T> {
    type Msg = T;
    #[inline]
    fn sender(&self) -> Option<&Sender<T>> {
        Some(self)
    }
}

impl<X: RecvOperand> RecvOperand for Option<X> {
    type Msg = X::Msg;
    #[inline]
    fn receiver(&self) -> Option<&Receiver<X::Msg>> {
        self.as_ref()?.receiver()
    }
}

impl<X: SendOperand> SendOperand for Option<X> {
    type Msg = X::Msg;
    #[inline]
    fn sender(&self) -> Option<&Sender<X::Msg>> {
        self.as_ref()?.sender()
    }
}

/// `RecvOperand` and `SendOperand` through a pointer type.
macro_rules! through_pointers {
    ($($ptr:ty),*) => {$(
        impl<X: RecvOperand + ?Sized> RecvOperand for $ptr {
            type Msg = X::Msg;
            #[inline]
            fn receiver(&self) -> Option<&Receiver<X::Msg>> {
                (**self).receiver()
            }
        }

        impl<X: SendOperand + ?Sized> SendOperand for $ptr {
            type Msg = X::Msg;
            #[inline]
            fn sender(&self) -> Option<&Sender<X::Msg>> {
                (**self).sender()
            }
        }
    )*};
}

through_pointers!(&X, &mut X, Box<X>, std::sync::Arc<X>, std::rc::Rc<X>);

/// A receive case on an operand (after step 1).
#[inline]
pub fn recv<'a, P: RecvOperand + ?Sized>(op: Operand<'a, P>) -> RecvCase<'a, P::Msg> {
    RecvCase::new(op.0.receiver())
}

/// A send case on an operand (after step 1), with the value to send.
#[inline]
pub fn send<'a, P: SendOperand + ?Sized>(
    op: Operand<'a, P>,
    value: P::Msg,
) -> SendCase<'a, P::Msg> {
    SendCase::new(op.0.sender(), value)
}

/// What `default(t)` takes: how long to wait (`Duration`) or until when (`Instant`).
#[diagnostic::on_unimplemented(
    message = "`default({Self})`: a `select!` timeout is a `Duration` or an `Instant`",
    label = "expected a `Duration` (how long to wait) or an `Instant` (until when)"
)]
pub trait IntoDeadline {
    /// The blocking mode, from now.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn into_block(self) -> Block;
}

impl IntoDeadline for Duration {
    #[allow(private_interfaces)]
    fn into_block(self) -> Block {
        Block::timeout(self)
    }
}

impl IntoDeadline for Instant {
    #[allow(private_interfaces)]
    fn into_block(self) -> Block {
        Block::Until(self)
    }
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

    /// `default(t) =>`: block for at most `t` (a `Duration`, counted from when the
    /// `default` case is reached in source order) or until `t` (an `Instant`).
    #[inline]
    pub fn timeout(t: impl IntoDeadline) -> Wait {
        Wait(t.into_block())
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
