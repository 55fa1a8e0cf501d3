//! Contexts: cancellation trees with deadlines and values — Go's `context` package,
//! for threads and async tasks alike.
//!
//! A [`Context`] carries a cancellation signal, maybe a deadline, and values down a
//! tree of calls. [`background()`] is the root: never cancelled, no deadline, no
//! values. Every other context is derived from a parent and is cancelled when its
//! parent is: [`with_cancel`](Context::with_cancel) adds a [`CancelHandle`] that
//! cancels it, [`with_timeout`](Context::with_timeout) and
//! [`with_deadline`](Context::with_deadline) also cancel it when the time comes, and
//! [`with_value`](Context::with_value) attaches a value looked up by type.
//!
//! [`done()`](Context::done) is a channel that is **closed** when the context is
//! cancelled, so a receive on it is ready from then on: it takes part in
//! [`select!`](crate::select!), [`Select`](crate::Select) and async selects like any
//! other receiver, exactly as Go's `<-ctx.Done()` does. The blocking operations take
//! a context too: [`Receiver::recv_ctx`](crate::Receiver::recv_ctx),
//! [`Sender::send_ctx`](crate::Sender::send_ctx) (the value comes back in the error),
//! [`WaitGroup::wait_ctx`](crate::WaitGroup::wait_ctx).
//!
//! ```
//! use gosync::{chan, context, select};
//! use std::thread;
//! use std::time::Duration;
//!
//! // ctx, cancel := context.WithTimeout(context.Background(), time.Second)
//! // defer cancel()
//! let (ctx, _cancel) = context::background().with_timeout(Duration::from_secs(1));
//! let (tx, rx) = chan::bounded::<u32>(0);
//! let worker = thread::spawn({
//!     let ctx = ctx.clone();
//!     move || {
//!         let mut sent = 0;
//!         loop {
//!             select! {
//!                 send(tx, sent) -> _ => sent += 1,
//!                 recv(ctx.done()) -> _ => return sent, // case <-ctx.Done(): return
//!             }
//!         }
//!     }
//! });
//! assert_eq!(rx.recv(), Ok(0));
//! assert_eq!(rx.recv(), Ok(1));
//! drop(_cancel); // cancel(): the worker sees ctx.done() closed and returns
//! assert!(worker.join().unwrap() >= 2);
//! assert_eq!(ctx.err(), Some(context::ContextError::Canceled));
//! ```
//!
//! # Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `context.Background()`, `context.TODO()` | [`context::background()`](background) |
//! | `ctx, cancel := context.WithCancel(parent)`; `defer cancel()` | `let (ctx, cancel) = parent.with_cancel();` (cancels when `cancel` drops) |
//! | `cancel()` | `cancel.cancel()` (idempotent) |
//! | `context.WithTimeout(parent, d)` | `parent.with_timeout(d)` |
//! | `context.WithDeadline(parent, t)` | `parent.with_deadline(t)` (an `Instant`) |
//! | `context.WithCancelCause(parent)`; `cancel(err)` | `parent.with_cancel_cause()`; `cancel.cancel(cause)` |
//! | `context.Cause(ctx)` | `ctx.cause()` |
//! | `context.WithValue(parent, key, v)`; `ctx.Value(key)` | `parent.with_value(v)`; `ctx.value::<V>()` (the type is the key) |
//! | `context.WithoutCancel(parent)` | `parent.without_cancel()` |
//! | `<-ctx.Done()` in a `select` | `recv(ctx.done()) -> _ => …` in `select!` |
//! | `ctx.Err()` | `ctx.err()`: `None`, `Some(Canceled)` or `Some(DeadlineExceeded)` |
//! | `ctx.Deadline()` | `ctx.deadline()` → `Option<Instant>` |
//! | `stop := context.AfterFunc(ctx, f)`; `stop()` | `let a = ctx.after_func(f);` `a.stop()` |
//! | `context.Canceled`, `context.DeadlineExceeded` | [`ContextError::Canceled`], [`ContextError::DeadlineExceeded`] |
//! | `select { case v := <-ch: case <-ctx.Done(): }` | `rx.recv_ctx(&ctx)` |
//! | `select { case ch <- v: case <-ctx.Done(): }` | `tx.send_ctx(&ctx, v)` |
//!
//! # The `let _ =` trap
//!
//! Dropping a [`CancelHandle`] cancels its context (that is Go's `defer cancel()`,
//! done by the compiler). So `let _ = ctx.with_cancel();` — or `let (ctx, _) = …` —
//! drops the handle **at once**, and the new context is born cancelled. Bind the
//! handle to a named variable (`_cancel` is fine: only a bare `_` drops at once):
//!
//! ```
//! use gosync::context;
//!
//! let (ctx, _) = context::background().with_cancel(); // the handle is gone already
//! assert!(ctx.err().is_some());
//!
//! let (ctx, _cancel) = context::background().with_cancel(); // lives to the scope's end
//! assert!(ctx.err().is_none());
//! ```
//!
//! # How it is built
//!
//! A cancellable context owns a node: a [`gosync::Mutex`](crate::Mutex) over its
//! error and cause, its live children and its cancel hooks (`after_func`s and
//! wakers), and an unbuffered channel whose sender is closed on cancel. Children are
//! kept in a slab (key: slot and generation), so a child that is cancelled or dropped
//! removes itself in O(1), and a parent that outlives millions of short-lived
//! children keeps only as many slots as were ever live at once. Cancelling locks one
//! node at a time (never two), takes its children out, and goes on down the tree with
//! an explicit stack; hooks run once every descendant is cancelled. A deadline is a
//! registration with gosync's one timer thread (the one that wakes async timer
//! waits), whose wake-up cancels the node — no thread per context. Value and
//! `without_cancel` contexts are plain nodes that point at their parent.
//!
//! # Differences from Go
//!
//! - Values are keyed by their type, not by an arbitrary key: wrap a value in a
//!   newtype to give it its own key.
//! - The cancel function is a handle that cancels when dropped, so forgetting
//!   `defer cancel()` leaks nothing — but see the `let _ =` trap above.
//! - A cancel cause is any `Arc<dyn Error + Send + Sync>` ([`Cause`]).

mod ops;
mod slab;

pub use ops::{RecvCtxError, SendCtxError};

use crate::chan::{self, Receiver, Sender};
use crate::facade::{AtomicBool, AtomicU8, Ordering};
use crate::park::timers::TimerEntry;
use crate::sync::Mutex;
use slab::{Key, Slab};
use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Weak};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// Why a context was cancelled: any error, shared. [`Context::cause`] returns it.
///
/// ```
/// use gosync::context::{self, Cause};
/// use std::sync::Arc;
///
/// let cause: Cause = Arc::new(std::io::Error::other("disk full"));
/// let (ctx, cancel) = context::background().with_cancel_cause();
/// cancel.cancel(cause);
/// assert_eq!(ctx.cause().unwrap().to_string(), "disk full");
/// ```
pub type Cause = Arc<dyn Error + Send + Sync>;

/// Why a context is done: Go's `context.Canceled` and `context.DeadlineExceeded`.
///
/// ```
/// use gosync::context::{self, ContextError};
///
/// let (ctx, cancel) = context::background().with_cancel();
/// cancel.cancel();
/// assert_eq!(ctx.err(), Some(ContextError::Canceled));
/// assert_eq!(ContextError::Canceled.to_string(), "context canceled");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// Cancelled by a cancel handle (its own or an ancestor's).
    Canceled,
    /// Its deadline (or an ancestor's) passed.
    DeadlineExceeded,
}

impl ContextError {
    /// The code kept in [`Canceller::err`]: never 0 (live).
    fn code(self) -> u8 {
        match self {
            ContextError::Canceled => 1,
            ContextError::DeadlineExceeded => 2,
        }
    }

    fn from_code(code: u8) -> Option<ContextError> {
        match code {
            0 => None,
            1 => Some(ContextError::Canceled),
            _ => Some(ContextError::DeadlineExceeded),
        }
    }
}

impl fmt::Display for ContextError {
    /// Go's messages: `context canceled`, `context deadline exceeded`.
    ///
    /// ```
    /// use gosync::context::ContextError;
    /// assert_eq!(ContextError::DeadlineExceeded.to_string(), "context deadline exceeded");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl Error for ContextError {}

/// A cancellation signal with an optional deadline and values: Go's
/// `context.Context`. Cheap to clone (one reference count), `Send` and `Sync`.
///
/// Derive contexts from [`background()`] with the `with_*` methods; see the
/// [module docs](self).
///
/// ```
/// use gosync::context;
///
/// let root = context::background();
/// let (ctx, cancel) = root.with_cancel();
/// let child = ctx.with_value("request-42");
/// assert_eq!(child.value::<&str>(), Some(&"request-42"));
/// cancel.cancel();
/// assert!(child.err().is_some()); // cancelling a parent cancels its descendants
/// assert!(root.err().is_none());
/// ```
#[derive(Clone)]
pub struct Context {
    node: Arc<Node>,
}

/// One context. Never mutated after it is made.
struct Node {
    /// For value lookups (and to keep the chain alive): `None` only at a root.
    parent: Option<Context>,
    /// The value of a `with_value` context.
    value: Option<Box<dyn Any + Send + Sync>>,
    /// Where cancellation comes from.
    signal: Signal,
}

enum Signal {
    /// Never cancelled (`background()`, `without_cancel()` and what derives from them
    /// by value): `done()` is this never-ready receiver.
    Never(Receiver<()>),
    /// Cancelled with this canceller: its own (`with_cancel` & co.) or its nearest
    /// cancellable ancestor's (value contexts).
    Cancel(Arc<Canceller>),
}

impl Drop for Node {
    /// Unlinks the parent chain iteratively, so that dropping a context at the end of
    /// a very long chain cannot overflow the stack.
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(ctx) = next {
            next = match Arc::into_inner(ctx.node) {
                Some(mut node) => node.parent.take(),
                None => None,
            };
        }
    }
}

/// The cancellable part of a context, shared by it, its handle, and the value
/// contexts derived from it.
struct Canceller {
    /// The nearest cancellable ancestor, whose `children` this one is registered in
    /// (the key is `State::parent_key`).
    parent: Option<Arc<Canceller>>,
    /// The earliest of its own deadline and its ancestors'.
    deadline: Option<Instant>,
    /// `ContextError::code()` once cancelled, 0 while live: written under the lock,
    /// before `done` is closed; read without it by `err()`.
    err: AtomicU8,
    /// Closed on cancel (nothing is ever sent).
    done_tx: Sender<()>,
    /// What `done()` hands out.
    done_rx: Receiver<()>,
    state: Mutex<State>,
}

/// A canceller's mutable part, under its lock.
struct State {
    /// Set once, by the cancel.
    err: Option<ContextError>,
    /// Set with `err`: the cause given, or `err` itself.
    cause: Option<Cause>,
    /// The key of this canceller in its parent's `children`, while registered there.
    parent_key: Option<Key>,
    /// Live children: taken (and this slab left empty for good) by the cancel; a child
    /// that is cancelled or dropped first removes its own entry.
    children: Slab<Weak<Canceller>>,
    /// `after_func`s and wakers to run on cancel: taken by the cancel.
    hooks: Slab<Hook>,
    /// The deadline's registration with the timer thread, if any: dropped by the
    /// cancel (which withdraws it).
    timer: Option<TimerEntry>,
}

/// Something to run when a context is cancelled.
enum Hook {
    /// An `after_func`: runs on a thread of its own.
    Func(Box<dyn FnOnce() + Send>),
    /// A blocked operation's waker (`wait_ctx`): woken by the cancelling thread.
    Wake(Waker),
}

impl Hook {
    fn run(self) {
        match self {
            Hook::Func(f) => spawn_after_func(f),
            Hook::Wake(w) => w.wake(),
        }
    }
}

impl Canceller {
    /// A new live canceller below `parent` (registered there), or a cancelled one if
    /// `parent` is cancelled already.
    fn new(parent: Option<&Arc<Canceller>>, deadline: Option<Instant>) -> Arc<Canceller> {
        let (done_tx, done_rx) = chan::bounded(0);
        let make = |parent, parent_key| Canceller {
            parent,
            deadline,
            err: AtomicU8::new(0),
            done_tx,
            done_rx,
            state: Mutex::new(State {
                err: None,
                cause: None,
                parent_key,
                children: Slab::new(),
                hooks: Slab::new(),
                timer: None,
            }),
        };
        let Some(p) = parent else {
            return Arc::new(make(None, None));
        };
        let mut st = p.state.lock();
        match st.err {
            None => Arc::new_cyclic(|me| {
                let key = st.children.insert(me.clone());
                make(Some(p.clone()), Some(key))
            }),
            Some(err) => {
                // Born cancelled, with the parent's reason.
                let cause = st.cause.clone();
                drop(st);
                let c = Arc::new(make(None, None));
                c.cancel(err, cause);
                c
            }
        }
    }

    fn err(&self) -> Option<ContextError> {
        // ORDERING: Acquire pairs with the Release store in `cancel`: whoever sees the
        // error also sees the cause stored before it (and may lock to read it).
        ContextError::from_code(self.err.load(Ordering::Acquire))
    }

    /// Cancels this canceller and every live descendant, each exactly once (a
    /// canceller already cancelled is left alone, with its first reason); then runs
    /// their hooks. Returns when all of that is done. Removes this one (not the
    /// descendants, whose parents' slabs are emptied anyway) from its parent.
    fn cancel(self: &Arc<Self>, err: ContextError, cause: Option<Cause>) {
        if self.err().is_some() {
            return;
        }
        let cause = cause.unwrap_or_else(|| Arc::new(err));
        let mut hooks = Vec::new();
        let mut pending: Vec<Arc<Canceller>> = Vec::new();
        let mut cur = Some(self.clone());
        let mut root = true;
        while let Some(c) = cur.take() {
            let taken = {
                let mut st = c.state.lock();
                if st.err.is_none() {
                    st.err = Some(err);
                    st.cause = Some(cause.clone());
                    // ORDERING: Release pairs with `err()`'s Acquire (above).
                    c.err.store(err.code(), Ordering::Release);
                    Some((
                        st.parent_key.take(),
                        std::mem::replace(&mut st.children, Slab::new()),
                        std::mem::replace(&mut st.hooks, Slab::new()),
                        st.timer.take(),
                    ))
                } else {
                    None // cancelled already, by itself or another cancel
                }
            };
            if let Some((parent_key, children, own_hooks, timer)) = taken {
                // Closing wakes every receiver of `done()`, and makes it ready for
                // good.
                c.done_tx.close();
                drop(timer); // withdraws the registration with the timer thread
                if root {
                    if let (Some(p), Some(key)) = (&c.parent, parent_key) {
                        let removed = p.state.lock().children.remove(key);
                        drop(removed);
                    }
                }
                pending.extend(children.into_values().filter_map(|w| w.upgrade()));
                hooks.extend(own_hooks.into_values());
            }
            root = false;
            cur = pending.pop();
        }
        // Every descendant is cancelled: now the hooks. The wakers first (woken
        // here; they cannot fail), then the `after_func`s (each starts a thread).
        let (wakes, funcs): (Vec<Hook>, Vec<Hook>) =
            hooks.into_iter().partition(|h| matches!(h, Hook::Wake(_)));
        for h in wakes.into_iter().chain(funcs) {
            h.run();
        }
    }

    /// Registers `hook` to run on cancel; gives it back if cancelled already.
    fn add_hook(&self, hook: Hook) -> Result<Key, Hook> {
        let mut st = self.state.lock();
        if st.err.is_some() {
            return Err(hook);
        }
        Ok(st.hooks.insert(hook))
    }

    /// Withdraws a hook; `None` if it ran (or is about to) or was withdrawn already.
    fn remove_hook(&self, key: Key) -> Option<Hook> {
        self.state.lock().hooks.remove(key)
    }
}

impl Canceller {
    /// Removes this canceller from its parent's children if it is still there: only
    /// if it was never cancelled (every handle cancels when it drops, so this is a
    /// leaked handle's context going, or the unwinding of a panic).
    fn unregister(&mut self) {
        let key = self.state.lock().parent_key.take();
        if let (Some(p), Some(key)) = (&self.parent, key) {
            let removed = p.state.lock().children.remove(key);
            drop(removed);
        }
    }
}

impl Wake for Canceller {
    /// The deadline came (the timer thread calls this).
    fn wake(self: Arc<Self>) {
        self.cancel(ContextError::DeadlineExceeded, None);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.cancel(ContextError::DeadlineExceeded, None);
    }
}

impl Drop for Canceller {
    fn drop(&mut self) {
        self.unregister();
        // Unlink the chain of cancellable ancestors iteratively (no deep recursion).
        let mut next = self.parent.take();
        while let Some(c) = next {
            next = Arc::into_inner(c).and_then(|mut c| {
                c.unregister();
                c.parent.take()
            });
        }
    }
}

/// The root context: never cancelled, no deadline, no values (Go's
/// `context.Background()`, and `context.TODO()`).
///
/// ```
/// use gosync::context;
/// use std::time::Duration;
///
/// let ctx = context::background();
/// assert_eq!(ctx.err(), None);
/// assert_eq!(ctx.deadline(), None);
/// assert!(ctx.done().recv_timeout(Duration::from_millis(1)).is_err()); // never ready
/// ```
pub fn background() -> Context {
    Context {
        node: Arc::new(Node {
            parent: None,
            value: None,
            signal: Signal::Never(chan::never()),
        }),
    }
}

impl Context {
    /// A child node pointing at `self`, with `signal` and `value`.
    fn child(&self, signal: Signal, value: Option<Box<dyn Any + Send + Sync>>) -> Context {
        Context {
            node: Arc::new(Node {
                parent: Some(self.clone()),
                value,
                signal,
            }),
        }
    }

    fn canceller(&self) -> Option<&Arc<Canceller>> {
        match &self.node.signal {
            Signal::Never(_) => None,
            Signal::Cancel(c) => Some(c),
        }
    }

    /// A cancellable child with `deadline` (already the earliest of its own and the
    /// parent's).
    fn cancellable(&self, deadline: Option<Instant>) -> (Context, Arc<Canceller>) {
        let c = Canceller::new(self.canceller(), deadline);
        (self.child(Signal::Cancel(c.clone()), None), c)
    }

    /// A child that is cancelled when `self` is, or when the returned handle is used
    /// or dropped: Go's `context.WithCancel`.
    ///
    /// Keep the handle in a named variable for as long as the context should live:
    /// dropping it cancels (module docs, "the `let _ =` trap").
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    ///
    /// let (parent, cancel_parent) = context::background().with_cancel();
    /// let (child, _cancel_child) = parent.with_cancel();
    /// cancel_parent.cancel();
    /// assert_eq!(child.err(), Some(ContextError::Canceled));
    /// assert!(child.done().is_closed());
    /// ```
    #[must_use = "the handle cancels the new context when dropped; bind both"]
    pub fn with_cancel(&self) -> (Context, CancelHandle) {
        let (ctx, c) = self.cancellable(self.deadline());
        (ctx, CancelHandle { c })
    }

    /// Like [`with_cancel`](Context::with_cancel), with a handle that records why:
    /// Go's `context.WithCancelCause`. [`cause`](Context::cause) returns the cause
    /// given (also in every descendant); [`err`](Context::err) is still `Canceled`.
    ///
    /// ```
    /// use gosync::context::{self, Cause, ContextError};
    /// use std::sync::Arc;
    ///
    /// #[derive(Debug)]
    /// struct Shutdown;
    /// impl std::fmt::Display for Shutdown {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("shutting down")
    ///     }
    /// }
    /// impl std::error::Error for Shutdown {}
    ///
    /// let (ctx, cancel) = context::background().with_cancel_cause();
    /// let child = ctx.with_value(7u8);
    /// cancel.cancel(Arc::new(Shutdown) as Cause);
    /// assert_eq!(child.err(), Some(ContextError::Canceled));
    /// assert_eq!(child.cause().unwrap().to_string(), "shutting down");
    /// ```
    #[must_use = "the handle cancels the new context when dropped; bind both"]
    pub fn with_cancel_cause(&self) -> (Context, CancelCauseHandle) {
        let (ctx, c) = self.cancellable(self.deadline());
        (ctx, CancelCauseHandle { c })
    }

    /// A child cancelled with [`DeadlineExceeded`](ContextError::DeadlineExceeded)
    /// after `d` (and like [`with_cancel`](Context::with_cancel) otherwise): Go's
    /// `context.WithTimeout`. A timeout too large to represent means no deadline.
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    /// use std::time::Duration;
    ///
    /// let (ctx, _cancel) = context::background().with_timeout(Duration::from_millis(5));
    /// assert_eq!(ctx.done().recv(), Err(gosync::chan::RecvError)); // closed at the deadline
    /// assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    #[must_use = "the handle cancels the new context when dropped; bind both"]
    pub fn with_timeout(&self, d: Duration) -> (Context, CancelHandle) {
        match Instant::now().checked_add(d) {
            Some(t) => self.with_deadline(t),
            None => self.with_cancel(),
        }
    }

    /// A child cancelled with [`DeadlineExceeded`](ContextError::DeadlineExceeded)
    /// at `t` (at once if `t` has passed), unless its parent's deadline is earlier:
    /// Go's `context.WithDeadline`. No thread is started per context: the deadline
    /// is registered with gosync's one timer thread.
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    /// use std::time::{Duration, Instant};
    ///
    /// let soon = Instant::now() + Duration::from_secs(3600);
    /// let (ctx, cancel) = context::background().with_deadline(soon);
    /// assert_eq!(ctx.deadline(), Some(soon));
    /// let (past, _c) = ctx.with_deadline(Instant::now());
    /// assert_eq!(past.err(), Some(ContextError::DeadlineExceeded));
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(ContextError::Canceled));
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    #[must_use = "the handle cancels the new context when dropped; bind both"]
    pub fn with_deadline(&self, t: Instant) -> (Context, CancelHandle) {
        if self.deadline().is_some_and(|d| d <= t) {
            return self.with_cancel(); // the parent's deadline comes first
        }
        let (ctx, c) = self.cancellable(Some(t));
        if c.err().is_none() {
            if crate::facade::expired(t) {
                c.cancel(ContextError::DeadlineExceeded, None);
            } else {
                // Registered outside the lock: it may fire (and cancel) at once.
                let mut entry = TimerEntry::new();
                entry.wake_at(t, &Waker::from(c.clone()));
                let mut st = c.state.lock();
                let late = if st.err.is_none() {
                    st.timer = Some(entry);
                    None
                } else {
                    Some(entry) // cancelled meanwhile: withdraw it (after unlocking)
                };
                drop(st);
                drop(late);
            }
        }
        (ctx, CancelHandle { c })
    }

    /// A child carrying `v`, found by [`value::<V>()`](Context::value) on it and its
    /// descendants (the nearest one wins): Go's `context.WithValue`, keyed by type.
    /// It is cancelled exactly when `self` is.
    ///
    /// ```
    /// use gosync::context;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct RequestId(u64);
    ///
    /// let ctx = context::background().with_value(RequestId(1));
    /// let inner = ctx.with_value(RequestId(2)).with_value("a &str");
    /// assert_eq!(inner.value::<RequestId>(), Some(&RequestId(2)));
    /// assert_eq!(ctx.value::<RequestId>(), Some(&RequestId(1)));
    /// assert_eq!(ctx.value::<&str>(), None);
    /// ```
    pub fn with_value<V: Send + Sync + 'static>(&self, v: V) -> Context {
        let signal = match &self.node.signal {
            Signal::Never(_) => Signal::Never(chan::never()),
            Signal::Cancel(c) => Signal::Cancel(c.clone()),
        };
        self.child(signal, Some(Box::new(v)))
    }

    /// The value of type `V` of the nearest context, from this one up, made by
    /// [`with_value`](Context::with_value); `None` if there is none.
    ///
    /// ```
    /// use gosync::context;
    ///
    /// let ctx = context::background().with_value(42u32);
    /// let (child, _cancel) = ctx.with_cancel();
    /// assert_eq!(child.value::<u32>(), Some(&42));
    /// assert_eq!(child.value::<u64>(), None);
    /// ```
    pub fn value<V: Send + Sync + 'static>(&self) -> Option<&V> {
        let mut node: &Node = &self.node;
        loop {
            if let Some(v) = node.value.as_ref().and_then(|b| b.downcast_ref::<V>()) {
                return Some(v);
            }
            node = &node.parent.as_ref()?.node;
        }
    }

    /// A child with `self`'s values that is never cancelled and has no deadline: Go's
    /// `context.WithoutCancel` (for work that must finish even when the request
    /// that started it is cancelled).
    ///
    /// ```
    /// use gosync::context;
    ///
    /// let (ctx, cancel) = context::background().with_value("trace-7").with_cancel();
    /// let detached = ctx.without_cancel();
    /// cancel.cancel();
    /// assert!(ctx.err().is_some());
    /// assert_eq!(detached.err(), None);
    /// assert_eq!(detached.value::<&str>(), Some(&"trace-7"));
    /// ```
    pub fn without_cancel(&self) -> Context {
        self.child(Signal::Never(chan::never()), None)
    }

    /// A receiver that is closed when this context is cancelled, so that receiving
    /// from it is ready from then on (`Err(RecvError)`): Go's `ctx.Done()`. Use it as a
    /// `recv(ctx.done())` case in [`select!`](crate::select!) or
    /// [`Select`](crate::Select), or with `recv_async` in async code. Never ready for
    /// a context that cannot be cancelled ([`background()`]).
    ///
    /// ```
    /// use gosync::{chan, context, select};
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let (_tx, jobs) = chan::bounded::<u32>(1);
    /// cancel.cancel();
    /// let got = select! {
    ///     recv(jobs) -> j => Some(j),
    ///     recv(ctx.done()) -> _ => None, // closed: ready
    /// };
    /// assert_eq!(got, None);
    /// ```
    pub fn done(&self) -> &Receiver<()> {
        match &self.node.signal {
            Signal::Never(rx) => rx,
            Signal::Cancel(c) => &c.done_rx,
        }
    }

    /// `None` while the context is live; once it is cancelled, why: Go's `ctx.Err()`.
    /// It is set before [`done()`](Context::done) closes, so after a receive on
    /// `done()` returns, `err()` is `Some`.
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// assert_eq!(ctx.err(), None);
    /// drop(cancel); // dropping the handle cancels
    /// assert_eq!(ctx.err(), Some(ContextError::Canceled));
    /// ```
    pub fn err(&self) -> Option<ContextError> {
        self.canceller().and_then(|c| c.err())
    }

    /// `None` while the context is live; once cancelled, the cause given to a
    /// [`CancelCauseHandle`] (its own or an ancestor's, whichever cancelled it), or
    /// else [`err()`](Context::err) as an error: Go's `context.Cause`.
    ///
    /// ```
    /// use gosync::context::{self, ContextError};
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// assert!(ctx.cause().is_none());
    /// cancel.cancel();
    /// let cause = ctx.cause().unwrap();
    /// assert_eq!(cause.downcast_ref::<ContextError>(), Some(&ContextError::Canceled));
    /// ```
    pub fn cause(&self) -> Option<Cause> {
        let c = self.canceller()?;
        c.err()?;
        let cause = c.state.lock().cause.clone();
        cause
    }

    /// When this context will be cancelled by a deadline, if ever: the earliest
    /// deadline of it and its ancestors (Go's `ctx.Deadline()`).
    ///
    /// ```
    /// use gosync::context;
    /// use std::time::{Duration, Instant};
    ///
    /// let t = Instant::now() + Duration::from_secs(60);
    /// let (ctx, _c1) = context::background().with_deadline(t);
    /// let (later, _c2) = ctx.with_timeout(Duration::from_secs(3600));
    /// assert_eq!(later.deadline(), Some(t)); // the parent's comes first
    /// assert_eq!(context::background().deadline(), None);
    /// # drop((_c1, _c2));
    /// # let _ = gosync::__private::stop_timer_thread();
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.canceller().and_then(|c| c.deadline)
    }

    /// Arranges for `f` to run on a thread of its own once this context is cancelled
    /// (at once if it already is): Go's `context.AfterFunc`. The returned
    /// [`AfterFunc`]'s [`stop`](AfterFunc::stop) withdraws `f` if it has not
    /// started; dropping the `AfterFunc` does not. For a context that can never be
    /// cancelled, `f` never runs.
    ///
    /// ```
    /// use gosync::{chan, context};
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let (tx, rx) = chan::bounded(1);
    /// let _after = ctx.after_func(move || tx.send("cleaned up").unwrap());
    /// cancel.cancel();
    /// assert_eq!(rx.recv(), Ok("cleaned up"));
    /// # gosync::context::__join_after_func_threads();
    /// ```
    pub fn after_func(&self, f: impl FnOnce() + Send + 'static) -> AfterFunc {
        let Some(c) = self.canceller() else {
            return AfterFunc {
                registered: None,
                stopped: AtomicBool::new(false),
            };
        };
        match c.add_hook(Hook::Func(Box::new(f))) {
            Ok(key) => AfterFunc {
                registered: Some((c.clone(), key)),
                stopped: AtomicBool::new(false),
            },
            Err(hook) => {
                hook.run(); // cancelled already: start it now
                AfterFunc {
                    registered: Some((c.clone(), Key::NONE)),
                    stopped: AtomicBool::new(true),
                }
            }
        }
    }

    /// Resolves once this context is cancelled (never, for one that cannot be): an
    /// async `<-ctx.Done()`. Cancel safe.
    ///
    /// ```
    /// use gosync::context;
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let waiter = std::thread::spawn({
    ///     let ctx = ctx.clone();
    ///     move || futures::executor::block_on(ctx.cancelled())
    /// });
    /// cancel.cancel();
    /// waiter.join().unwrap();
    /// ```
    #[cfg(feature = "async")]
    pub async fn cancelled(&self) {
        let _closed = self.done().recv_async().await;
    }

    /// Registers `waker` to be woken (by the cancelling thread, after every
    /// descendant is cancelled) when this context is cancelled; the registration
    /// ends when the guard drops. `Err` if it is cancelled already.
    pub(crate) fn wake_on_cancel(&self, waker: Waker) -> Result<WakeGuard, ContextError> {
        let Some(c) = self.canceller() else {
            return Ok(WakeGuard(None));
        };
        match c.add_hook(Hook::Wake(waker)) {
            Ok(key) => Ok(WakeGuard(Some((c.clone(), key)))),
            Err(_) => Err(c.err().expect("bug: a hook refused by a live context")),
        }
    }

    /// Whether this context can ever be cancelled.
    pub(crate) fn can_cancel(&self) -> bool {
        self.canceller().is_some()
    }
}

impl fmt::Debug for Context {
    /// Shows whether it is cancelled and its deadline.
    ///
    /// ```
    /// let ctx = gosync::context::background();
    /// assert_eq!(format!("{ctx:?}"), "Context { err: None, deadline: None, .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.deadline())
            .finish_non_exhaustive()
    }
}

impl Default for Context {
    /// [`background()`].
    ///
    /// ```
    /// let ctx: gosync::context::Context = Default::default();
    /// assert!(ctx.err().is_none());
    /// ```
    fn default() -> Self {
        background()
    }
}

/// A waker registered with [`Context::wake_on_cancel`]: withdrawn when dropped.
pub(crate) struct WakeGuard(Option<(Arc<Canceller>, Key)>);

impl Drop for WakeGuard {
    fn drop(&mut self) {
        if let Some((c, key)) = self.0.take() {
            drop(c.remove_hook(key));
        }
    }
}

/// Cancels its context: Go's `cancel` function from `context.WithCancel`,
/// `WithTimeout` and `WithDeadline`. **Dropping it cancels** (Go's `defer
/// cancel()`), so keep it in a named variable for as long as the context should
/// live; `let _ = …` drops it at once (module docs).
///
/// ```
/// use gosync::context;
///
/// let (ctx, cancel) = context::background().with_cancel();
/// cancel.cancel();
/// cancel.cancel(); // idempotent
/// assert!(ctx.err().is_some());
/// ```
#[must_use = "dropping a CancelHandle cancels its context at once; bind it to a named variable"]
pub struct CancelHandle {
    c: Arc<Canceller>,
}

impl CancelHandle {
    /// Cancels the context and all its descendants (with
    /// [`Canceled`](ContextError::Canceled)), and returns once they are all
    /// cancelled. Does nothing if the context is cancelled already.
    ///
    /// ```
    /// use gosync::context;
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let (child, _c1) = ctx.with_cancel();
    /// let (grandchild, _c2) = child.with_cancel();
    /// assert!(grandchild.err().is_none());
    /// cancel.cancel();
    /// assert!(grandchild.err().is_some()); // already, when cancel() returns
    /// ```
    pub fn cancel(&self) {
        self.c.cancel(ContextError::Canceled, None);
    }
}

impl Drop for CancelHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for CancelHandle {
    /// ```
    /// let (_ctx, cancel) = gosync::context::background().with_cancel();
    /// assert_eq!(format!("{cancel:?}"), "CancelHandle { cancelled: false }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.c.err().is_some())
            .finish()
    }
}

/// Cancels its context with a cause: Go's `cancel` function from
/// `context.WithCancelCause`. Dropping it cancels with the cause
/// [`Canceled`](ContextError::Canceled), as Go's `cancel(nil)` does.
///
/// ```
/// use gosync::context::{self, Cause};
/// use std::sync::Arc;
///
/// let (ctx, cancel) = context::background().with_cancel_cause();
/// let cause: Cause = Arc::new(std::fmt::Error);
/// cancel.cancel(cause);
/// assert!(ctx.cause().unwrap().is::<std::fmt::Error>());
/// ```
#[must_use = "dropping a CancelCauseHandle cancels its context at once; bind it to a named variable"]
pub struct CancelCauseHandle {
    c: Arc<Canceller>,
}

impl CancelCauseHandle {
    /// Cancels the context and its descendants with
    /// [`Canceled`](ContextError::Canceled) and `cause` (which
    /// [`Context::cause`] returns). Only the first cancel counts.
    ///
    /// ```
    /// use gosync::context::{self, Cause};
    /// use std::sync::Arc;
    ///
    /// let (ctx, cancel) = context::background().with_cancel_cause();
    /// cancel.cancel(Arc::new(std::io::Error::other("first")) as Cause);
    /// cancel.cancel(Arc::new(std::io::Error::other("second")) as Cause);
    /// assert_eq!(ctx.cause().unwrap().to_string(), "first");
    /// ```
    pub fn cancel(&self, cause: impl Into<Cause>) {
        self.c.cancel(ContextError::Canceled, Some(cause.into()));
    }
}

impl Drop for CancelCauseHandle {
    fn drop(&mut self) {
        self.c.cancel(ContextError::Canceled, None);
    }
}

impl fmt::Debug for CancelCauseHandle {
    /// ```
    /// let (_ctx, cancel) = gosync::context::background().with_cancel_cause();
    /// assert_eq!(format!("{cancel:?}"), "CancelCauseHandle { cancelled: false }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelCauseHandle")
            .field("cancelled", &self.c.err().is_some())
            .finish()
    }
}

/// A function registered with [`Context::after_func`]; [`stop`](AfterFunc::stop)
/// withdraws it (Go's `stop` function). Dropping it leaves the function registered.
///
/// ```
/// use gosync::context;
///
/// let (ctx, cancel) = context::background().with_cancel();
/// let after = ctx.after_func(|| unreachable!("stopped before the cancel"));
/// assert!(after.stop());  // withdrawn: f will not run
/// assert!(!after.stop()); // only the first stop does it
/// cancel.cancel();
/// ```
pub struct AfterFunc {
    /// The canceller holding the function, and its key there (`Key::NONE` when the
    /// function was started at once).
    registered: Option<(Arc<Canceller>, Key)>,
    /// For a context that cannot be cancelled (nothing registered): whether `stop`
    /// was called.
    stopped: AtomicBool,
}

impl AfterFunc {
    /// Withdraws the function. `true` if that stopped it from running; `false` if it
    /// has already been started (the context was cancelled) or `stop` was called
    /// before — Go's `stop()`. Does not wait for a started function to finish.
    ///
    /// ```
    /// use gosync::{chan, context};
    ///
    /// let (ctx, cancel) = context::background().with_cancel();
    /// let (tx, rx) = chan::bounded(1);
    /// let after = ctx.after_func(move || tx.send(()).unwrap());
    /// cancel.cancel();
    /// assert!(!after.stop()); // too late: it was started by the cancel
    /// assert_eq!(rx.recv(), Ok(()));
    /// # gosync::context::__join_after_func_threads();
    /// ```
    pub fn stop(&self) -> bool {
        match &self.registered {
            Some((c, key)) => c.remove_hook(*key).is_some(),
            // ORDERING: Relaxed: the flag guards nothing but itself.
            None => !self.stopped.swap(true, Ordering::Relaxed),
        }
    }
}

impl fmt::Debug for AfterFunc {
    /// ```
    /// let ctx = gosync::context::background();
    /// let after = ctx.after_func(|| {});
    /// assert_eq!(format!("{after:?}"), "AfterFunc { .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfterFunc").finish_non_exhaustive()
    }
}

/// Starts an `after_func` on a thread of its own, as Go starts a goroutine. Its
/// panic ends that thread only (printed by the panic hook), as it would in a thread
/// the user spawned.
fn spawn_after_func(f: Box<dyn FnOnce() + Send>) {
    #[cfg(gosync_loom)]
    let t = loom::thread::spawn(f);
    #[cfg(not(gosync_loom))]
    let t = std::thread::Builder::new()
        .name("gosync-after-func".into())
        .spawn(f)
        .unwrap_or_else(|e| panic!("gosync: cannot start a thread for after_func: {e}"));
    let mut threads = AFTER_FUNC_THREADS.lock();
    #[cfg(not(gosync_loom))]
    threads.retain(|t| !t.is_finished());
    threads.push(t);
}

/// The `after_func` threads that may still run, for [`__join_after_func_threads`].
#[cfg(not(gosync_loom))]
static AFTER_FUNC_THREADS: crate::facade::Mutex<Vec<std::thread::JoinHandle<()>>> =
    crate::facade::Mutex::new(Vec::new());

#[cfg(gosync_loom)]
loom::lazy_static! {
    /// The `after_func` threads of this model execution, for
    /// [`__join_after_func_threads`].
    static ref AFTER_FUNC_THREADS: crate::facade::Mutex<Vec<loom::thread::JoinHandle<()>>> =
        crate::facade::Mutex::new(Vec::new());
}

/// Test support, not API: waits until every thread started for an
/// [`after_func`](Context::after_func) so far has finished (Miri reports threads
/// still running when a test binary's `main` returns). A function that panicked is
/// not reported here.
///
/// ```
/// gosync::context::__join_after_func_threads();
/// ```
#[doc(hidden)]
pub fn __join_after_func_threads() {
    loop {
        let threads = std::mem::take(&mut *AFTER_FUNC_THREADS.lock());
        if threads.is_empty() {
            return;
        }
        for t in threads {
            let _panicked = t.join();
        }
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests;
