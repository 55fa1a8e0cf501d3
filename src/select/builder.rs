//! [`Select`]: a select over a list of cases built at run time (Go's
//! `reflect.Select`).
//!
//! Each case is boxed: a case owns the waiter it links into a channel while the
//! select is parked, and a box keeps that waiter at one address however the builder
//! (or, later, a future that owns it) is moved. The engine sees the boxes through
//! [`Cases`], the same interface the `select!` expansion uses.

use super::engine::{self, Cases};
use super::handle::{RecvCase, SelectHandle, SendCase};
use crate::chan::{Receiver, RecvError, SendError, Sender};
use crate::park::Block;
use std::fmt;
use std::time::{Duration, Instant};

/// One case of a [`Select`]: the engine's view of it, and its closure.
pub(super) trait Arm<R> {
    /// The case, for the engine.
    fn handle(&self) -> &dyn SelectHandle;
    /// Runs the closure on the outcome (the engine chose this case).
    fn run(self: Box<Self>) -> R;
}

struct RecvArm<'a, T, F> {
    case: RecvCase<'a, T>,
    f: F,
}

impl<T, R, F: FnOnce(Result<T, RecvError>) -> R> Arm<R> for RecvArm<'_, T, F> {
    fn handle(&self) -> &dyn SelectHandle {
        &self.case
    }
    fn run(self: Box<Self>) -> R {
        let RecvArm { mut case, f } = *self;
        let out = case.take().expect("bug: chosen select case has no outcome");
        f(out)
    }
}

struct SendArm<'a, T, F> {
    case: SendCase<'a, T>,
    f: F,
}

impl<T, R, F: FnOnce(Result<(), SendError<T>>) -> R> Arm<R> for SendArm<'_, T, F> {
    fn handle(&self) -> &dyn SelectHandle {
        &self.case
    }
    fn run(self: Box<Self>) -> R {
        let SendArm { mut case, f } = *self;
        let out = case.take().expect("bug: chosen select case has no outcome");
        f(out)
    }
}

impl<R> Cases for [Box<dyn Arm<R> + '_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn case(&self, i: usize) -> &dyn SelectHandle {
        self[i].handle()
    }
}

/// A select whose cases are known only at run time: Go's `reflect.Select`, with a
/// closure per case instead of a case index.
///
/// Build it by value — each call returns the builder, so cases can be added in a
/// loop — then wait. When several cases are ready, one is chosen uniformly at random
/// ([`Select::biased`] prefers earlier cases); the chosen case's operation has
/// completed when its closure runs, and no other case has taken effect. A send value
/// whose case is not chosen is dropped when the select ends. A nil case is simply
/// not added. The same rules as [`select!`](crate::select!) apply otherwise.
///
/// ```
/// use gosync::{chan, Select};
///
/// // Receive from whichever of many workers answers first.
/// let receivers: Vec<_> = (0..5)
///     .map(|i| {
///         let (tx, rx) = chan::bounded(1);
///         if i == 3 {
///             tx.send(i * 100).unwrap();
///         }
///         (tx, rx)
///     })
///     .collect();
/// let mut sel = Select::new();
/// for (i, (_, rx)) in receivers.iter().enumerate() {
///     sel = sel.recv(rx, move |msg| (i, msg.unwrap()));
/// }
/// assert_eq!(sel.wait(), (3, 300));
/// ```
pub struct Select<'a, R> {
    pub(super) arms: Vec<Box<dyn Arm<R> + 'a>>,
    pub(super) biased: bool,
}

impl<R> fmt::Debug for Select<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.arms.len())
            .field("biased", &self.biased)
            .finish()
    }
}

impl<R> Default for Select<'_, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, R> Select<'a, R> {
    /// An empty select that chooses uniformly among ready cases.
    ///
    /// ```
    /// let sel = gosync::Select::<()>::new();
    /// assert!(sel.try_wait().is_none()); // no cases: nothing is ever ready
    /// ```
    pub fn new() -> Self {
        Select {
            arms: Vec::new(),
            biased: false,
        }
    }

    /// An empty select that prefers earlier cases: when several are ready, the first
    /// added wins (like [`select_biased!`](crate::select_biased!)).
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (a_tx, a) = chan::bounded(1);
    /// let (b_tx, b) = chan::bounded(1);
    /// a_tx.send('a').unwrap();
    /// b_tx.send('b').unwrap();
    /// let first = Select::biased()
    ///     .recv(&a, |m| m.unwrap())
    ///     .recv(&b, |m| m.unwrap())
    ///     .wait();
    /// assert_eq!(first, 'a');
    /// ```
    pub fn biased() -> Self {
        Select {
            arms: Vec::new(),
            biased: true,
        }
    }

    /// Adds a receive case: if chosen, `f` gets the value, or `Err(RecvError)` if the
    /// channel is closed and drained.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (tx, rx) = chan::bounded::<i32>(1);
    /// drop(tx);
    /// let closed = Select::new().recv(&rx, |m| m.is_err()).wait();
    /// assert!(closed);
    /// ```
    pub fn recv<T>(
        mut self,
        rx: &'a Receiver<T>,
        f: impl FnOnce(Result<T, RecvError>) -> R + 'a,
    ) -> Self {
        self.arms.push(Box::new(RecvArm {
            case: RecvCase::new(Some(rx)),
            f,
        }));
        self
    }

    /// Adds a send case: if chosen, `f` gets `Ok(())` once `value` is sent, or
    /// `Err(SendError(value))` if the channel is closed.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (tx, rx) = chan::bounded(1);
    /// let sent = Select::new().send(&tx, 7, |r| r.is_ok()).wait();
    /// assert!(sent);
    /// assert_eq!(rx.recv(), Ok(7));
    /// ```
    pub fn send<T>(
        mut self,
        tx: &'a Sender<T>,
        value: T,
        f: impl FnOnce(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.arms.push(Box::new(SendArm {
            case: SendCase::new(Some(tx), value),
            f,
        }));
        self
    }

    /// The number of cases added.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (_tx, rx) = chan::bounded::<()>(0);
    /// assert_eq!(Select::<()>::new().recv(&rx, |_| ()).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.arms.len()
    }

    /// Whether no case was added.
    ///
    /// ```
    /// assert!(gosync::Select::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.arms.is_empty()
    }

    /// Blocks until a case completes, then runs its closure. With no cases (or only
    /// cases that can never proceed, like [`never`](crate::chan::never)) this blocks
    /// forever, as Go's empty `select {}`.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (tx, rx) = chan::bounded(0);
    /// let t = std::thread::spawn(move || tx.send("hi").unwrap());
    /// let got = Select::new().recv(&rx, |m| m.unwrap()).wait();
    /// assert_eq!(got, "hi");
    /// t.join().unwrap();
    /// ```
    pub fn wait(self) -> R {
        self.run(Block::Forever)
            .unwrap_or_else(|| crate::select::private::unreachable())
    }

    /// Runs the closure of a case that can complete now, if any, without blocking
    /// (Go's `select` with a `default` case).
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (_tx, rx) = chan::bounded::<i32>(1);
    /// assert_eq!(Select::new().recv(&rx, |m| m.unwrap()).try_wait(), None);
    /// ```
    pub fn try_wait(self) -> Option<R> {
        self.run(Block::No)
    }

    /// Blocks for at most `timeout` until a case completes, then runs its closure;
    /// `None` if none completed in time. `Duration::ZERO` is [`try_wait`](Self::try_wait);
    /// a timeout too long to represent waits without limit.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// use std::time::Duration;
    /// let (_tx, rx) = chan::bounded::<i32>(0);
    /// let r = Select::new().recv(&rx, |m| m.unwrap()).wait_timeout(Duration::from_millis(5));
    /// assert_eq!(r, None);
    /// ```
    pub fn wait_timeout(self, timeout: Duration) -> Option<R> {
        self.run(Block::timeout(timeout))
    }

    /// Blocks until `deadline` at the latest for a case to complete, then runs its
    /// closure; `None` if none completed in time.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = chan::bounded(1);
    /// tx.send(1).unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(Select::new().recv(&rx, |m| m.unwrap()).wait_deadline(deadline), Some(1));
    /// ```
    pub fn wait_deadline(self, deadline: Instant) -> Option<R> {
        self.run(Block::Until(deadline))
    }

    fn run(mut self, block: Block) -> Option<R> {
        let chosen = engine::run(&self.arms[..], block, self.biased)?;
        let arm = self.arms.swap_remove(chosen);
        // The cases not chosen (and their unsent values) go before the closure runs.
        drop(self.arms);
        Some(arm.run())
    }
}
