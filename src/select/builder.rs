//! [`Select`]: a select over a list of cases built at run time (Go's
//! `reflect.Select`).
//!
//! The cases live side by side in one buffer ([`Arms`]): a case owns the waiter it
//! links into a channel while the select is parked, and the buffer keeps that waiter
//! at one address however the builder (or, later, a future that owns it) is moved;
//! cases are only added before the wait. The engine sees them through [`Cases`],
//! the same interface the `select!` expansion uses.
//!
//! Storing them so erases each case's closure and value types, and with them whether
//! they may cross threads. The builder's third type parameter, its [`Kind`], keeps
//! that one fact: a [`Local`] select (the default) accepts any closure and owns its
//! cases as `dyn Arm`; a [`Sendable`] one accepts only `Send` closures and values and
//! owns them as `dyn Arm + Send`, so the compiler itself knows that the builder, and
//! the future of `wait_async`, are `Send`. No `unsafe impl Send` is involved.

use super::arms::Arms;
use super::engine;
use super::handle::{RecvCase, SelectHandle, SendCase};
use crate::chan::{Receiver, RecvError, SendError, Sender};
use crate::park::Block;
use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// A case of a [`Select`] as the engine sees it, whatever its result type.
///
/// Public only in name, as is [`Arm`]: [`Kind`] names them in a bound (a public
/// trait may not name a crate-private one), but they live in a private module, so
/// no code outside the crate can name, implement or call them.
pub trait HasHandle {
    /// The case, for the engine.
    #[doc(hidden)]
    // `SelectHandle` is crate-private; this trait is unnameable outside the crate,
    // so the method cannot be reached from there either.
    #[allow(private_interfaces)]
    fn handle(&self) -> &dyn SelectHandle;
}

/// One case of a [`Select`]: the engine's view of it, and its closure.
pub trait Arm<R>: HasHandle {
    /// Runs the closure on the outcome (the engine chose this case), moving the case
    /// out of `*self`.
    ///
    /// # Safety
    /// `*self` is never used or dropped afterwards (its memory is freed as is).
    #[doc(hidden)]
    unsafe fn run_in_place(&mut self) -> R;
}

struct RecvArm<'a, T, F> {
    case: RecvCase<'a, T>,
    f: F,
}

impl<T, F> HasHandle for RecvArm<'_, T, F> {
    fn handle(&self) -> &dyn SelectHandle {
        &self.case
    }
}

impl<T, R, F: FnOnce(Result<T, RecvError>) -> R> Arm<R> for RecvArm<'_, T, F> {
    unsafe fn run_in_place(&mut self) -> R {
        // SAFETY: the caller never uses or drops `*self` again (contract).
        let RecvArm { mut case, f } = unsafe { std::ptr::read(self) };
        let out = case.take().expect("bug: chosen select case has no outcome");
        f(out)
    }
}

struct SendArm<'a, T, F> {
    case: SendCase<'a, T>,
    f: F,
}

impl<T, F> HasHandle for SendArm<'_, T, F> {
    fn handle(&self) -> &dyn SelectHandle {
        &self.case
    }
}

impl<T, R, F: FnOnce(Result<(), SendError<T>>) -> R> Arm<R> for SendArm<'_, T, F> {
    unsafe fn run_in_place(&mut self) -> R {
        // SAFETY: the caller never uses or drops `*self` again (contract).
        let SendArm { mut case, f } = unsafe { std::ptr::read(self) };
        let out = case.take().expect("bug: chosen select case has no outcome");
        f(out)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Local {}
    impl Sealed for super::Sendable {}
}

/// What a [`Select`] may hold, and so whether it (and its
/// [`wait_async`](Select::wait_async) future) is `Send`: [`Local`] or
/// [`Sendable`]. Sealed: these two are all there is.
///
/// Code generic over selects names it as a bound:
///
/// ```
/// use gosync::select::Kind;
/// use gosync::{chan, Select};
///
/// /// Adds a receive case for each receiver, to a select of either kind.
/// fn recv_all<'a, K: Kind>(
///     mut sel: Select<'a, usize, K>,
///     rxs: &'a [gosync::Receiver<usize>],
///     add: impl Fn(Select<'a, usize, K>, &'a gosync::Receiver<usize>) -> Select<'a, usize, K>,
/// ) -> Select<'a, usize, K> {
///     for rx in rxs {
///         sel = add(sel, rx);
///     }
///     sel
/// }
///
/// let (tx, rx) = chan::bounded(1);
/// tx.send(4).unwrap();
/// let rxs = [rx];
/// let sel = recv_all(Select::new_sendable(), &rxs, |s, rx| s.recv(rx, |v| v.unwrap()));
/// assert_eq!(sel.len(), 1);
/// assert_eq!(sel.wait(), 4);
/// ```
pub trait Kind: sealed::Sealed + 'static {
    /// What a case is owned as: `dyn Arm<R>`, plus `Send` for [`Sendable`].
    #[doc(hidden)]
    type Case<'a, R>: Arm<R> + ?Sized;
}

/// The default [`Kind`] of a [`Select`]: its closures and send values may be anything,
/// `Rc`s and borrows of thread-local state included; the select and its
/// [`wait_async`](Select::wait_async) future are not `Send`. Made by
/// [`Select::new`] and [`Select::biased`].
///
/// ```
/// use gosync::{chan, Select};
/// use std::rc::Rc;
///
/// let (tx, rx) = chan::bounded(1);
/// tx.send(1).unwrap();
/// let seen = Rc::new(std::cell::Cell::new(0)); // not Send: fine for a local select
/// let s = seen.clone();
/// Select::new().recv(&rx, move |v| s.set(v.unwrap())).wait();
/// assert_eq!(seen.get(), 1);
/// ```
#[derive(Debug)]
pub enum Local {}

/// The [`Kind`] of a [`Select`] whose closures and send values are all `Send`: the
/// select is `Send`, and so is its [`wait_async`](Select::wait_async) future when the
/// result `R` is. Made by [`Select::new_sendable`] and [`Select::biased_sendable`].
///
/// ```
/// use gosync::select::Sendable;
/// use gosync::{chan, Select};
///
/// let (tx, rx) = chan::bounded::<u32>(1);
/// let sel: Select<'_, u32, Sendable> = Select::new_sendable().recv(&rx, |v| v.unwrap());
/// tx.send(3).unwrap();
/// // Built on one thread, waited on another.
/// let got = std::thread::scope(|s| s.spawn(move || sel.wait()).join().unwrap());
/// assert_eq!(got, 3);
/// ```
#[derive(Debug)]
pub enum Sendable {}

impl Kind for Local {
    type Case<'a, R> = dyn Arm<R> + 'a;
}

impl Kind for Sendable {
    type Case<'a, R> = dyn Arm<R> + Send + 'a;
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
///
/// # `Send`
///
/// A select made by [`Select::new`] or [`Select::biased`] (kind [`Local`], the
/// default third parameter) takes any closure and is never `Send`. One made by
/// [`Select::new_sendable`] or [`Select::biased_sendable`] (kind [`Sendable`]) takes only
/// `Send` closures and send values, and is `Send` — as is its
/// [`wait_async`](Select::wait_async) future when `R` is, so that it can be awaited
/// in a task of a multi-threaded executor (`tokio::spawn`). Both run the same engine.
pub struct Select<'a, R, K: Kind = Local> {
    pub(super) arms: Arms<'a, R, K>,
    pub(super) order: Order,
    _kind: PhantomData<K>,
}

/// Whether a select prefers earlier cases. A word rather than a `bool`: the builder
/// moves the `Select` by value once per case added, and a `bool` beside the two
/// vectors left seven bytes of padding that each move copied with overlapping loads
/// and stores, two store-forwarding stalls per case (`perf annotate` on `xshape gosync
/// selectk 64`: three quarters of the time spent building the select).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(usize)]
pub(super) enum Order {
    /// Uniformly random among ready cases.
    Fair = 0,
    /// The first ready case, in the order added.
    Biased = 1,
}

impl Order {
    pub(super) fn biased(self) -> bool {
        self == Order::Biased
    }
}

impl<R, K: Kind> fmt::Debug for Select<'_, R, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.arms.len())
            .field("biased", &self.order.biased())
            .finish()
    }
}

impl<R> Default for Select<'_, R> {
    /// [`Select::new`].
    ///
    /// ```
    /// let sel: gosync::Select<'_, ()> = Default::default();
    /// assert!(sel.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<R> Default for Select<'_, R, Sendable> {
    /// [`Select::new_sendable`].
    ///
    /// ```
    /// let sel: gosync::Select<'_, (), gosync::select::Sendable> = Default::default();
    /// assert!(sel.is_empty());
    /// ```
    fn default() -> Self {
        Self::new_sendable()
    }
}

impl<'a, R, K: Kind> Select<'a, R, K> {
    fn empty(order: Order) -> Self {
        Select {
            arms: Arms::new(),
            order,
            _kind: PhantomData,
        }
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
        Self::empty(Order::Fair)
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
        Self::empty(Order::Biased)
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
    #[inline]
    pub fn recv<T>(
        mut self,
        rx: &'a Receiver<T>,
        f: impl FnOnce(Result<T, RecvError>) -> R + 'a,
    ) -> Self {
        self.arms.push(RecvArm {
            case: RecvCase::new(Some(rx)),
            f,
        });
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
    #[inline]
    pub fn send<T>(
        mut self,
        tx: &'a Sender<T>,
        value: T,
        f: impl FnOnce(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.arms.push(SendArm {
            case: SendCase::new(Some(tx), value),
            f,
        });
        self
    }
}

impl<'a, R> Select<'a, R, Sendable> {
    /// An empty select like [`Select::new`] whose closures and send values must be
    /// `Send`, so that the select, and its [`wait_async`](Select::wait_async) future
    /// (when `R: Send`), are `Send`.
    ///
    /// Named for the [`Sendable`] kind it makes (`Select<'_, R, Sendable>`): the
    /// select is `Send`; its cases may send or receive, as any select's.
    ///
    /// ```
    /// use gosync::{chan, Select};
    ///
    /// let (tx, rx) = chan::bounded::<String>(0);
    /// let rt = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .build()
    ///     .unwrap();
    /// // `tokio::spawn` wants a `Send` future: the owned receivers move into the task.
    /// let (quit_tx, quit) = chan::bounded::<()>(0);
    /// let task = rt.spawn(async move {
    ///     Select::new_sendable()
    ///         .recv(&rx, |v| v.unwrap())
    ///         .recv(&quit, |_| String::from("quit"))
    ///         .wait_async()
    ///         .await
    /// });
    /// tx.send("hello".to_string()).unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), "hello");
    /// drop(quit_tx);
    /// ```
    pub fn new_sendable() -> Self {
        Self::empty(Order::Fair)
    }

    /// The former name of [`Select::new_sendable`], which it calls: it read as "a new
    /// send case".
    ///
    /// ```
    /// #[allow(deprecated)]
    /// let sel: gosync::Select<(), gosync::select::Sendable> = gosync::Select::new_send();
    /// assert!(sel.is_empty());
    /// ```
    #[deprecated(note = "renamed `Select::new_sendable` (a select that is `Send`)")]
    pub fn new_send() -> Self {
        Self::new_sendable()
    }

    /// An empty select like [`Select::biased`] (earlier cases first) whose closures
    /// and send values must be `Send`: see [`Select::new_sendable`].
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (a_tx, a) = chan::bounded(1);
    /// let (b_tx, b) = chan::bounded(1);
    /// a_tx.send('a').unwrap();
    /// b_tx.send('b').unwrap();
    /// let sel = Select::biased_sendable().recv(&a, |m| m.unwrap()).recv(&b, |m| m.unwrap());
    /// let first = std::thread::scope(|s| s.spawn(move || sel.wait()).join().unwrap());
    /// assert_eq!(first, 'a');
    /// ```
    pub fn biased_sendable() -> Self {
        Self::empty(Order::Biased)
    }

    /// The former name of [`Select::biased_sendable`], which it calls.
    ///
    /// ```
    /// #[allow(deprecated)]
    /// let sel: gosync::Select<(), gosync::select::Sendable> = gosync::Select::biased_send();
    /// assert!(sel.is_empty());
    /// ```
    #[deprecated(note = "renamed `Select::biased_sendable` (a biased select that is `Send`)")]
    pub fn biased_send() -> Self {
        Self::biased_sendable()
    }

    /// Adds a receive case, as [`Select::recv`]; `f` must be `Send`.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (tx, rx) = chan::bounded::<i32>(1);
    /// drop(tx);
    /// let closed = Select::new_sendable().recv(&rx, |m| m.is_err()).wait();
    /// assert!(closed);
    /// ```
    #[inline]
    pub fn recv<T: Send>(
        mut self,
        rx: &'a Receiver<T>,
        f: impl FnOnce(Result<T, RecvError>) -> R + Send + 'a,
    ) -> Self {
        self.arms.push(RecvArm {
            case: RecvCase::new(Some(rx)),
            f,
        });
        self
    }

    /// Adds a send case, as [`Select::send`]; `value` and `f` must be `Send`.
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// let (tx, rx) = chan::bounded(1);
    /// let sent = Select::new_sendable().send(&tx, 7, |r| r.is_ok()).wait();
    /// assert!(sent);
    /// assert_eq!(rx.recv(), Ok(7));
    /// ```
    #[inline]
    pub fn send<T: Send>(
        mut self,
        tx: &'a Sender<T>,
        value: T,
        f: impl FnOnce(Result<(), SendError<T>>) -> R + Send + 'a,
    ) -> Self {
        self.arms.push(SendArm {
            case: SendCase::new(Some(tx), value),
            f,
        });
        self
    }
}

impl<'a, R, K: Kind> Select<'a, R, K> {
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
        self.arms.len() == 0
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
        let chosen = engine::run(&self.arms, block, self.order.biased())?;
        // The cases not chosen (and their unsent values) go before the closure runs.
        Some(self.arms.run(chosen))
    }
}
