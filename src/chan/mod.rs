//! Channels with Go's semantics: [`bounded`] (capacity 0 is a rendezvous),
//! [`unbounded`], and the [`Sender`] / [`Receiver`] handles.
//!
//! ```
//! use gosync::chan;
//! use std::thread;
//!
//! let (tx, rx) = chan::bounded(0); // Go: make(chan int)
//! let producer = thread::spawn(move || {
//!     for i in 0..3 {
//!         tx.send(i).unwrap(); // returns once a receiver has taken the value
//!     }
//!     // dropping the last Sender closes the channel (Go: close(ch))
//! });
//! let got: Vec<i32> = rx.iter().collect(); // Go: for v := range ch
//! assert_eq!(got, [0, 1, 2]);
//! producer.join().unwrap();
//! ```
//!
//! Every value sent is, exactly once, received, handed back in an error, or dropped by
//! the channel (when the last receiver goes, or the channel is freed).

mod compat;
mod error;
#[cfg(feature = "async")]
pub mod future;
mod hchan;
mod ring;
mod timer;
pub(crate) mod waiter;
mod weak;

pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
#[cfg(feature = "async")]
pub use future::{RecvFuture, RecvManyFuture, RecvStream, SendFuture, SendSink};
pub(crate) use hchan::{Hchan, Locked, RecvAttempt, SendAttempt};
pub(crate) use timer::TimerState;
pub use timer::{after, after_func, at, tick, Ticker, Timer};
pub use weak::WeakSender;

use crate::facade::{thread, Arc, Ordering};
use crate::park::Block;
use std::fmt;
use std::time::{Duration, Instant};

/// Creates a channel with room for `cap` values; `cap == 0` is a rendezvous channel
/// (Go's unbuffered `make(chan T)`), where a send completes only when a receiver takes
/// the value.
///
/// Zero-sized values (`()`) use no buffer memory at any capacity.
///
/// # Panics
/// If the buffer cannot be allocated, with a message naming `cap`.
///
/// ```
/// let (tx, rx) = gosync::chan::bounded(2); // Go: make(chan i32, 2)
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// assert!(tx.is_full());
/// assert_eq!(rx.recv(), Ok(1));
/// assert_eq!(tx.capacity(), Some(2));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Hchan::new(Some(cap)));
    (
        Sender { chan: chan.clone() },
        Receiver {
            flavor: RecvFlavor::Chan(chan),
        },
    )
}

/// Creates a channel with no capacity limit: sends never block.
///
/// The buffer grows by doubling as values arrive, and gives its memory back once the
/// channel has been drained, or has stayed under a quarter full for a while, after a
/// burst (amortised over receives: never a reallocation per receive).
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Hchan::new(None));
    (
        Sender { chan: chan.clone() },
        Receiver {
            flavor: RecvFlavor::Chan(chan),
        },
    )
}

/// A receiver that is never ready: Go's nil channel. Receiving blocks forever (or
/// until the timeout); in a select it never fires.
///
/// ```
/// use std::time::Duration;
/// let rx = gosync::chan::never::<i32>();
/// assert!(rx.try_recv().is_err());
/// assert!(rx.recv_timeout(Duration::from_millis(1)).unwrap_err().is_timeout());
/// ```
pub fn never<T>() -> Receiver<T> {
    Receiver {
        flavor: RecvFlavor::Never,
    }
}

/// The sending half of a channel. Clone it for more senders (MPMC); the channel closes
/// when the last one is dropped or [`close`](Sender::close) is called.
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded();
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send("from a thread").unwrap()).join().unwrap();
/// assert_eq!(rx.recv(), Ok("from a thread"));
/// ```
pub struct Sender<T> {
    chan: Arc<Hchan<T>>,
}

/// The receiving half of a channel. Clone it for more receivers (MPMC).
///
/// ```
/// let (tx, rx) = gosync::chan::bounded(1);
/// tx.send(5).unwrap();
/// assert_eq!(rx.recv(), Ok(5));
/// ```
pub struct Receiver<T> {
    pub(crate) flavor: RecvFlavor<T>,
}

/// What a [`Receiver`] receives from.
pub(crate) enum RecvFlavor<T> {
    /// A channel (Go's hchan).
    Chan(Arc<Hchan<T>>),
    /// Never ready (Go's nil channel).
    Never,
    /// A timer ([`after`], [`at`], [`tick`]): its values are the instants it was due,
    /// converted to `T` by the function (the identity for the public constructors,
    /// which all return `Receiver<Instant>`; the function keeps the enum generic
    /// without an unsafe cast).
    Timer(Arc<TimerState>, fn(Instant) -> T),
}

/// A timer receiver's `try_recv`, out of line so that the channel flavor's fast path
/// stays small where it is inlined.
#[inline(never)]
fn try_fire<T>(t: &TimerState, conv: fn(Instant) -> T) -> Result<T, TryRecvError> {
    t.try_fire().map(conv).ok_or(TryRecvError::Empty)
}

/// A timer receiver's blocking receive, out of line (see [`try_fire`]).
#[inline(never)]
fn recv_timer<T>(
    t: &TimerState,
    conv: fn(Instant) -> T,
    block: Block,
) -> Result<T, RecvTimeoutError> {
    t.recv(block).map(conv)
}

impl<T> Sender<T> {
    /// Sends `v`, blocking until it is buffered or handed to a receiver. On a
    /// rendezvous channel, returns once a receiver has taken it.
    ///
    /// # Errors
    /// [`SendError`] with the value if the channel is closed, or closes while waiting.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv());
    /// tx.send(42).unwrap();
    /// assert_eq!(t.join().unwrap(), Ok(42));
    /// ```
    #[inline]
    pub fn send(&self, v: T) -> Result<(), SendError<T>> {
        self.chan
            .send(v, Block::Forever)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends `v` only if that can be done without blocking.
    ///
    /// # Errors
    /// [`TrySendError::Full`] if there is no room (on a rendezvous channel: no receiver
    /// waiting), [`TrySendError::Closed`] if the channel is closed; both hand `v` back.
    ///
    /// ```
    /// use gosync::chan::{bounded, TrySendError};
    /// let (tx, rx) = bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    #[inline]
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(v)
    }

    /// Sends `v`, blocking for at most `d`. `Duration::ZERO` is [`try_send`](Self::try_send);
    /// a timeout too long to represent blocks without limit.
    ///
    /// # Errors
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with `v`.
    ///
    /// ```
    /// use gosync::chan::{bounded, SendTimeoutError};
    /// use std::time::Duration;
    /// let (tx, _rx) = bounded(0);
    /// assert_eq!(tx.send_timeout(1, Duration::from_millis(5)), Err(SendTimeoutError::Timeout(1)));
    /// ```
    pub fn send_timeout(&self, v: T, d: Duration) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(v, Block::timeout(d))
    }

    /// Sends `v`, blocking until `deadline` at the latest.
    ///
    /// # Errors
    /// As [`send_timeout`](Self::send_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// tx.send_deadline(1, Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert!(tx.send_deadline(2, Instant::now()).unwrap_err().is_timeout());
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn send_deadline(&self, v: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(v, Block::Until(deadline))
    }

    /// Closes the channel: later and blocked sends fail with their values; receivers
    /// drain what is buffered, then get `Closed`. Returns `true` if this call closed
    /// it, `false` if it was already closed (Go panics on a double close).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// tx.send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// The number of buffered values (a snapshot; always 0 for rendezvous channels).
    ///
    /// ```
    /// let (tx, _rx) = gosync::chan::bounded(4);
    /// tx.send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether nothing is buffered (always true for rendezvous channels).
    ///
    /// ```
    /// let (tx, _rx) = gosync::chan::bounded::<i32>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.chan.len() == 0
    }

    /// Whether the buffer is full (always true for rendezvous channels, never for
    /// unbounded ones).
    ///
    /// ```
    /// let (tx, _rx) = gosync::chan::bounded(1);
    /// tx.send(1).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.chan.capacity().is_some_and(|c| self.chan.len() >= c)
    }

    /// The capacity: `Some(0)` for rendezvous, `None` for unbounded (Go's `cap`).
    ///
    /// ```
    /// assert_eq!(gosync::chan::bounded::<u8>(0).0.capacity(), Some(0));
    /// assert_eq!(gosync::chan::unbounded::<u8>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }

    /// Whether the channel is closed: by [`close`](Self::close), by dropping the last
    /// `Sender`, or by dropping the last `Receiver`.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded::<i32>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether `self` and `other` send into the same channel.
    ///
    /// ```
    /// let (a, _ra) = gosync::chan::bounded::<i32>(1);
    /// let (b, _rb) = gosync::chan::bounded::<i32>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// How many threads (or selects) are parked sending on this channel right now: a
    /// snapshot, for leak diagnostics and tests.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || tx.send(1));
    /// while rx.waiting_senders() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(rx.recv(), Ok(1));
    /// t.join().unwrap().unwrap();
    /// ```
    pub fn waiting_senders(&self) -> usize {
        self.chan.waiting_senders()
    }

    /// How many threads (or selects) are parked receiving on this channel right now.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv());
    /// while tx.waiting_receivers() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// tx.send(1).unwrap();
    /// assert_eq!(t.join().unwrap(), Ok(1));
    /// ```
    pub fn waiting_receivers(&self) -> usize {
        self.chan.waiting_receivers()
    }

    #[allow(dead_code)] // used by select
    pub(crate) fn hchan(&self) -> &Hchan<T> {
        &self.chan
    }
}

impl<T> Receiver<T> {
    /// Receives a value, blocking until one is available. Values buffered before a
    /// close are still delivered.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is closed and drained.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded();
    /// std::thread::spawn(move || tx.send("hi").unwrap());
    /// assert_eq!(rx.recv(), Ok("hi"));
    /// assert!(rx.recv().is_err()); // the sender is gone: closed
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.recv(Block::Forever).map_err(|_| RecvError),
            RecvFlavor::Never => loop {
                thread::park();
            },
            RecvFlavor::Timer(t, conv) => {
                recv_timer(t, *conv, Block::Forever).map_err(|_| RecvError)
            }
        }
    }

    /// Receives a value only if one is ready now. On an empty or closed channel this
    /// takes no lock and writes no shared memory.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] or [`TryRecvError::Closed`].
    ///
    /// ```
    /// use gosync::chan::{bounded, TryRecvError};
    /// let (tx, rx) = bounded(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.try_recv(),
            RecvFlavor::Never => Err(TryRecvError::Empty),
            RecvFlavor::Timer(t, conv) => try_fire(t, *conv),
        }
    }

    /// Receives, blocking for at most `d`. `Duration::ZERO` is
    /// [`try_recv`](Self::try_recv); a timeout too long to represent blocks without
    /// limit.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Closed`].
    ///
    /// ```
    /// use gosync::chan::{bounded, RecvTimeoutError};
    /// use std::time::Duration;
    /// let (_tx, rx) = bounded::<i32>(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(2)), Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, d: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_block(Block::timeout(d))
    }

    /// Receives, blocking until `deadline` at the latest.
    ///
    /// # Errors
    /// As [`recv_timeout`](Self::recv_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.recv_deadline(Instant::now() + Duration::from_secs(1)), Ok(3));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_block(Block::Until(deadline))
    }

    fn recv_block(&self, block: Block) -> Result<T, RecvTimeoutError> {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.recv(block),
            RecvFlavor::Never => {
                match block {
                    Block::No => {}
                    Block::Forever => loop {
                        thread::park();
                    },
                    Block::Until(t) => {
                        while !crate::facade::expired(t) {
                            thread::park_until(t);
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout)
            }
            RecvFlavor::Timer(t, conv) => recv_timer(t, *conv, block),
        }
    }

    /// A blocking iterator over received values; it ends when the channel is closed and
    /// drained (Go's `for v := range ch`).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded();
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// drop(tx);
    /// assert_eq!(rx.iter().sum::<i32>(), 3);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the values ready now; it never blocks.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }

    /// The number of buffered values (a snapshot).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(3);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.len(),
            RecvFlavor::Never => 0,
            RecvFlavor::Timer(t, _) => t.len(),
        }
    }

    /// Whether nothing is buffered.
    ///
    /// ```
    /// let (_tx, rx) = gosync::chan::bounded::<i32>(3);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the buffer is full (always true for rendezvous channels).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// tx.send(1).unwrap();
    /// assert!(rx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.capacity().is_some_and(|cap| c.len() >= cap),
            RecvFlavor::Never => true,
            RecvFlavor::Timer(t, _) => t.len() == 1,
        }
    }

    /// The capacity: `Some(0)` for rendezvous (and [`never()`]), `Some(1)` for the
    /// timers ([`after()`], [`at()`], [`tick()`]), `None` for unbounded.
    ///
    /// ```
    /// let (_tx, rx) = gosync::chan::bounded::<i32>(7);
    /// assert_eq!(rx.capacity(), Some(7));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.capacity(),
            RecvFlavor::Never => Some(0),
            RecvFlavor::Timer(..) => Some(1),
        }
    }

    /// Whether the channel is closed (by `close`, the last sender, or the last
    /// receiver). Values may still be buffered: see [`recv`](Self::recv).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded::<i32>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.is_closed(),
            RecvFlavor::Never | RecvFlavor::Timer(..) => false,
        }
    }

    /// Whether `self` and `other` receive from the same channel. Every
    /// [`never()`] receiver is the same channel as every other (Go: nil == nil).
    ///
    /// ```
    /// use gosync::chan;
    /// let (_tx, rx) = chan::bounded::<i32>(1);
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(chan::never::<i32>().same_channel(&chan::never()));
    /// assert!(!rx.same_channel(&chan::never()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        match (&self.flavor, &other.flavor) {
            (RecvFlavor::Chan(a), RecvFlavor::Chan(b)) => Arc::ptr_eq(a, b),
            (RecvFlavor::Timer(a, _), RecvFlavor::Timer(b, _)) => Arc::ptr_eq(a, b),
            (RecvFlavor::Never, RecvFlavor::Never) => true,
            _ => false,
        }
    }

    /// How many threads (or selects) are parked sending on this channel right now.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded::<i32>(0);
    /// assert_eq!(rx.waiting_senders(), 0);
    /// # drop(tx);
    /// ```
    pub fn waiting_senders(&self) -> usize {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.waiting_senders(),
            RecvFlavor::Never | RecvFlavor::Timer(..) => 0,
        }
    }

    /// How many threads (or selects) are parked receiving on this channel right now.
    ///
    /// ```
    /// let (_tx, rx) = gosync::chan::bounded::<i32>(0);
    /// assert_eq!(rx.waiting_receivers(), 0);
    /// ```
    pub fn waiting_receivers(&self) -> usize {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.waiting_receivers(),
            RecvFlavor::Never | RecvFlavor::Timer(..) => 0,
        }
    }
}

/// Batched receive: many values per lock acquisition.
impl<T> Receiver<T> {
    /// Receives many values at once: blocks until at least one value is ready or the
    /// channel is closed, then appends up to `limit` values to `buf` and returns how
    /// many it appended (at least one).
    ///
    /// The values are taken under one acquisition of the channel's lock: the
    /// buffered values and, after them, the values of parked senders in the order
    /// they parked (each such sender is woken, after the lock is released, as a
    /// single `recv` would wake it). They are exactly the values, in the same order,
    /// that that many successive [`recv`](Self::recv) calls would have returned. If
    /// nothing was ready, the receiver waits as `recv` does, for one value; what is
    /// ready after it is then taken under the lock once more.
    ///
    /// `buf` is only appended to: clear it between calls to reuse its capacity. Room
    /// is reserved before the lock is taken (for what the channel holds, at most
    /// `limit`), so nothing allocates while the lock is held; a value that arrives
    /// meanwhile is left for the next call.
    ///
    /// `limit == 0` returns `Ok(0)` at once without looking at the channel (as tokio's
    /// `recv_many` does). A receiver from [`after`], [`at`] or [`tick`] yields at most
    /// one value per call; one from [`never()`] blocks forever, as `recv` does.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is closed and drained (values buffered before a
    /// close are still delivered first).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(2);
    /// let t = std::thread::spawn(move || {
    ///     for i in 0..5 {
    ///         tx.send(i).unwrap(); // 2 buffered, then one sender parks
    ///     }
    /// });
    /// let mut buf = Vec::with_capacity(8);
    /// let mut got = Vec::new();
    /// while let Ok(n) = rx.recv_many(&mut buf, 8) {
    ///     assert!(n >= 1 && n == buf.len());
    ///     got.append(&mut buf); // empties `buf`
    /// }
    /// assert_eq!(got, [0, 1, 2, 3, 4]); // channel order, nothing lost
    /// t.join().unwrap();
    /// ```
    pub fn recv_many(&self, buf: &mut Vec<T>, limit: usize) -> Result<usize, RecvError> {
        if limit == 0 {
            return Ok(0);
        }
        match &self.flavor {
            RecvFlavor::Chan(c) => c.recv_many(buf, limit).map_err(|_| RecvError),
            // A timer gives one value per receive; `never()` blocks for good.
            RecvFlavor::Never | RecvFlavor::Timer(..) => self.recv().map(|v| {
                buf.push(v);
                1
            }),
        }
    }

    /// Receives many values at once, only those ready now: appends up to `limit` of
    /// them to `buf` (buffered values, then parked senders' values, as
    /// [`recv_many`](Self::recv_many) takes them, under one lock) and returns how
    /// many. On an empty or closed channel this takes no lock.
    ///
    /// `limit == 0` returns `Ok(0)` at once. A timer receiver yields at most one
    /// value per call.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] if no value is ready, [`TryRecvError::Closed`] if the
    /// channel is closed and drained.
    ///
    /// ```
    /// use gosync::chan::{unbounded, TryRecvError};
    /// let (tx, rx) = unbounded();
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.try_recv_many(&mut buf, 10), Err(TryRecvError::Empty));
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_recv_many(&mut buf, 3), Ok(3));
    /// assert_eq!(rx.try_recv_many(&mut buf, 10), Ok(2));
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// drop(tx);
    /// assert_eq!(rx.try_recv_many(&mut buf, 10), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv_many(&self, buf: &mut Vec<T>, limit: usize) -> Result<usize, TryRecvError> {
        if limit == 0 {
            return Ok(0);
        }
        match &self.flavor {
            RecvFlavor::Chan(c) => c.try_recv_many(buf, limit),
            RecvFlavor::Never | RecvFlavor::Timer(..) => self.try_recv().map(|v| {
                buf.push(v);
                1
            }),
        }
    }
}

// Handles are unwind safe, as crossbeam-channel's are (`catch_unwind(move || drop(tx))`
// compiles): the channel's state lives behind its own lock and is never left half
// updated for a later operation to trust after user code panics, so a caught panic
// cannot expose a broken channel through a handle. (Unwind safety is a lint, not a
// soundness property; the `UnsafeCell`s inside a channel would otherwise opt it out.)
impl<T> std::panic::UnwindSafe for Sender<T> {}
impl<T> std::panic::RefUnwindSafe for Sender<T> {}
impl<T> std::panic::UnwindSafe for Receiver<T> {}
impl<T> std::panic::RefUnwindSafe for Receiver<T> {}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        let old = self.chan.senders.fetch_add(1, Ordering::Relaxed);
        if old > isize::MAX as usize {
            std::process::abort();
        }
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // ORDERING: AcqRel so that the last sender's close comes after every other
        // sender's last use (as for `Arc`).
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        let flavor = match &self.flavor {
            RecvFlavor::Chan(c) => {
                let old = c.receivers.fetch_add(1, Ordering::Relaxed);
                if old > isize::MAX as usize {
                    std::process::abort();
                }
                RecvFlavor::Chan(c.clone())
            }
            RecvFlavor::Never => RecvFlavor::Never,
            RecvFlavor::Timer(t, conv) => RecvFlavor::Timer(t.clone(), *conv),
        };
        Receiver { flavor }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let RecvFlavor::Chan(c) = &self.flavor {
            // ORDERING: as in `Sender::drop`.
            if c.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
                c.disconnect_receivers();
            }
        }
    }
}

/// What `{:?}` calls a channel: its kind by capacity.
fn flavor_name(cap: Option<usize>) -> &'static str {
    match cap {
        None => "unbounded",
        Some(0) => "rendezvous",
        Some(_) => "bounded",
    }
}

/// Prints what a user can act on: the kind of channel, its length and capacity,
/// whether it is closed, and its handle counts, e.g.
/// `Sender { flavor: bounded, len: 1, capacity: Some(4), closed: false, senders: 1, receivers: 1 }`.
///
/// ```
/// let (tx, _rx) = gosync::chan::bounded(4);
/// tx.send(1).unwrap();
/// assert_eq!(
///     format!("{tx:?}"),
///     "Sender { flavor: bounded, len: 1, capacity: Some(4), closed: false, senders: 1, receivers: 1 }"
/// );
/// ```
impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("flavor", &format_args!("{}", flavor_name(self.capacity())))
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .field("senders", &self.sender_count())
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

/// Prints what a user can act on, as [`Sender`]'s `Debug` does; [`never()`] prints
/// `Receiver { flavor: never }` and a timer `Receiver { flavor: timer, len, capacity,
/// closed }`.
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded::<u8>();
/// drop(tx);
/// assert_eq!(
///     format!("{rx:?}"),
///     "Receiver { flavor: unbounded, len: 0, capacity: None, closed: true, senders: 0, receivers: 1 }"
/// );
/// assert_eq!(format!("{:?}", gosync::chan::never::<u8>()), "Receiver { flavor: never }");
/// ```
impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Receiver");
        match &self.flavor {
            RecvFlavor::Chan(c) => d
                .field("flavor", &format_args!("{}", flavor_name(c.capacity())))
                .field("len", &self.len())
                .field("capacity", &self.capacity())
                .field("closed", &self.is_closed())
                .field("senders", &self.sender_count())
                .field("receivers", &self.receiver_count()),
            RecvFlavor::Never => d.field("flavor", &format_args!("never")),
            RecvFlavor::Timer(..) => d
                .field("flavor", &format_args!("timer"))
                .field("len", &self.len())
                .field("capacity", &self.capacity())
                .field("closed", &self.is_closed()),
        }
        .finish()
    }
}

/// A blocking iterator over a [`Receiver`]: see [`Receiver::iter`].
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// let mut it = rx.iter();
/// assert_eq!(it.next(), Some(1));
/// assert_eq!(it.next(), None);
/// ```
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

/// A non-blocking iterator over a [`Receiver`]: see [`Receiver::try_iter`].
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded::<i32>();
/// assert_eq!(rx.try_iter().next(), None);
/// # drop(tx);
/// ```
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

/// An owning blocking iterator over a [`Receiver`] (`for v in rx`).
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded();
/// tx.send('a').unwrap();
/// drop(tx);
/// let v: Vec<char> = rx.into_iter().collect();
/// assert_eq!(v, ['a']);
/// ```
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter { .. }")
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TryIter { .. }")
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntoIter { .. }")
    }
}
