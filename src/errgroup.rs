//! Groups of tasks that stop at the first error: Go's `golang.org/x/sync/errgroup`,
//! for scoped threads.
//!
//! A [`Group`] runs each function given to [`go`](Group::go) on a scoped thread
//! (inside [`std::thread::scope`]); [`wait`](Group::wait) waits for them all and
//! returns the first error. A group made by [`with_context`](Group::with_context)
//! also hands out a [`Context`] that is cancelled by the first error (or when `wait`
//! returns), so that the other tasks can give up early.
//! [`set_limit`](Group::set_limit) bounds how many tasks run at once.
//!
//! ```
//! use gosync::{context, errgroup::Group};
//! use std::thread;
//!
//! // g, ctx := errgroup.WithContext(context.Background())
//! let (g, ctx) = Group::<String>::with_context(&context::background());
//! let urls = ["a.example", "bad.example", "c.example"];
//! let result = thread::scope(|s| {
//!     for url in urls {
//!         let ctx = &ctx;
//!         g.go(s, move || {                            // g.Go(func() error { ... })
//!             if url.starts_with("bad") {
//!                 return Err(format!("fetching {url}: refused"));
//!             }
//!             // a real fetch would watch ctx.done() and give up once it closes
//!             let _ = ctx.err();
//!             Ok(())
//!         });
//!     }
//!     g.wait()                                         // err := g.Wait()
//! });
//! assert_eq!(result, Err("fetching bad.example: refused".to_string()));
//! assert!(ctx.err().is_some()); // the first error cancelled the group's context
//! ```
//!
//! # Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `var g errgroup.Group` | `let g = Group::<E>::new();` |
//! | `g, ctx := errgroup.WithContext(parent)` | `let (g, ctx) = Group::<E>::with_context(&parent);` |
//! | `g.Go(func() error { … })` | `g.go(scope, move \|\| { …; Ok(()) })` inside `std::thread::scope` |
//! | `g.TryGo(f)` | `g.try_go(scope, f)` |
//! | `g.SetLimit(n)` (`-1`: no limit) | `g.set_limit(Some(n))` (`None`: no limit) |
//! | `err := g.Wait()` | `let res = g.wait();` |
//!
//! # Differences from Go
//!
//! - Tasks are scoped OS threads, so they may borrow from the enclosing scope.
//! - The error type is any `E: Send`; `wait` moves the first error out, so a second
//!   `wait` returns `Ok(())`.
//! - A panicking task does not take the process down: `wait` resumes its panic
//!   (the first one) once every other task has finished. A panic cancels the group's
//!   context as an error does.

use crate::context::{CancelHandle, Context};
use crate::sync::{Cond, Mutex};
use crate::WaitGroup;
use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::thread::Scope;

/// A group of tasks that stops at the first error: Go's `errgroup.Group`. See the
/// [module docs](self).
///
/// ```
/// use gosync::errgroup::Group;
///
/// let g = Group::<std::io::Error>::new();
/// let mut squares = [0u64; 8];
/// std::thread::scope(|s| {
///     for (i, slot) in squares.iter_mut().enumerate() {
///         g.go(s, move || {
///             *slot = (i as u64) * (i as u64);
///             Ok(())
///         });
///     }
///     g.wait().unwrap();
/// });
/// assert_eq!(squares[7], 49);
/// ```
pub struct Group<E> {
    /// Counts the tasks that have not finished (their thread may still be ending).
    wg: WaitGroup,
    /// How many tasks hold a place under the limit, and the limit.
    running: Mutex<Running>,
    /// Signalled when a place under the limit frees up.
    room: Cond,
    /// The first error, and the first panic's payload, until `wait` takes them.
    outcome: Mutex<Outcome<E>>,
    /// Cancels the group's context (groups made by `with_context`).
    cancel: Option<CancelHandle>,
}

struct Running {
    active: usize,
    limit: Option<usize>,
}

struct Outcome<E> {
    err: Option<E>,
    panic: Option<Box<dyn Any + Send>>,
}

impl<E> Group<E> {
    /// A group with no context and no limit (Go's zero `errgroup.Group`).
    ///
    /// ```
    /// let g = gosync::errgroup::Group::<String>::new();
    /// assert_eq!(g.wait(), Ok(())); // no tasks
    /// ```
    pub fn new() -> Self {
        Group {
            wg: WaitGroup::new(),
            running: Mutex::new(Running {
                active: 0,
                limit: None,
            }),
            room: Cond::new(),
            outcome: Mutex::new(Outcome {
                err: None,
                panic: None,
            }),
            cancel: None,
        }
    }

    /// A group and a child of `parent` that is cancelled when a task first fails
    /// (returns `Err` or panics) or when [`wait`](Group::wait) returns, whichever
    /// comes first: Go's `errgroup.WithContext`.
    ///
    /// ```
    /// use gosync::{context, errgroup::Group};
    ///
    /// let (g, ctx) = Group::<&str>::with_context(&context::background());
    /// std::thread::scope(|s| {
    ///     g.go(s, || Err("boom"));
    ///     g.go(s, || {
    ///         // waits for the other task's failure to cancel the context
    ///         let _ = ctx.done().recv();
    ///         Ok(())
    ///     });
    ///     assert_eq!(g.wait(), Err("boom"));
    /// });
    /// ```
    pub fn with_context(parent: &Context) -> (Self, Context) {
        let (ctx, cancel) = parent.with_cancel();
        let mut g = Group::new();
        g.cancel = Some(cancel);
        (g, ctx)
    }

    /// Limits the tasks running at once to `n` (`None`: no limit, the default):
    /// Go's `SetLimit`. At the limit, [`go`](Group::go) blocks until a task finishes
    /// and [`try_go`](Group::try_go) returns `false`. `Some(0)` lets no task start.
    ///
    /// # Panics
    ///
    /// If tasks are running (as Go does): set the limit before starting any, or
    /// after [`wait`](Group::wait).
    ///
    /// ```
    /// use gosync::errgroup::Group;
    /// use gosync::Mutex;
    ///
    /// let g = Group::<()>::new();
    /// g.set_limit(Some(2));
    /// let (now, peak) = (Mutex::new(0), Mutex::new(0));
    /// std::thread::scope(|s| {
    ///     for _ in 0..6 {
    ///         g.go(s, || {
    ///             let n = { let mut now = now.lock(); *now += 1; *now };
    ///             { let mut p = peak.lock(); *p = (*p).max(n); }
    ///             *now.lock() -= 1;
    ///             Ok(())
    ///         });
    ///     }
    ///     g.wait().unwrap();
    /// });
    /// assert!(*peak.lock() <= 2);
    /// ```
    pub fn set_limit(&self, n: Option<usize>) {
        let mut r = self.running.lock();
        assert!(
            r.active == 0,
            "gosync: errgroup limit changed while {} tasks of the group are still running",
            r.active
        );
        r.limit = n;
    }

    /// Records a task's failure: the first error (or panic) is kept; any failure
    /// cancels the group's context.
    fn fail(&self, err: Option<E>, panic: Option<Box<dyn Any + Send>>) {
        {
            let mut o = self.outcome.lock();
            if o.err.is_none() && o.panic.is_none() {
                o.err = err;
            }
            if o.panic.is_none() {
                o.panic = panic;
            }
        }
        if let Some(c) = &self.cancel {
            c.cancel();
        }
    }

    /// A task gives its place back.
    fn finished(&self) {
        self.running.lock().active -= 1;
        self.room.signal();
        self.wg.done();
    }
}

impl<E: Send> Group<E> {
    /// Runs `f` on a new scoped thread of `scope`, counted by the group: Go's
    /// `g.Go(f)`. Blocks while the group is at its [limit](Group::set_limit). The
    /// first `f` to return `Err` (or panic) cancels the group's context and its
    /// error is what [`wait`](Group::wait) returns.
    ///
    /// ```
    /// use gosync::errgroup::Group;
    ///
    /// let g = Group::new();
    /// let data = vec![1, 2, 3];
    /// std::thread::scope(|s| {
    ///     g.go(s, || if data.contains(&2) { Err("found 2") } else { Ok(()) });
    ///     assert_eq!(g.wait(), Err("found 2"));
    /// });
    /// ```
    pub fn go<'s>(
        &'s self,
        scope: &'s Scope<'s, '_>,
        f: impl FnOnce() -> Result<(), E> + Send + 's,
    ) {
        {
            let mut r = self.running.lock();
            while r.limit.is_some_and(|l| r.active >= l) {
                r = self.room.wait(r);
            }
            r.active += 1;
        }
        self.spawn(scope, f);
    }

    /// Like [`go`](Group::go), but returns `false` instead of blocking when the
    /// group is at its limit (and then does not run `f`): Go's `g.TryGo(f)`.
    ///
    /// ```
    /// use gosync::{chan, errgroup::Group};
    ///
    /// let g = Group::<()>::new();
    /// g.set_limit(Some(1));
    /// let (release, wait_for_it) = chan::bounded::<()>(0);
    /// std::thread::scope(|s| {
    ///     assert!(g.try_go(s, || {
    ///         let _ = wait_for_it.recv();
    ///         Ok(())
    ///     }));
    ///     assert!(!g.try_go(s, || Ok(()))); // the one place is taken
    ///     drop(release);
    ///     g.wait().unwrap();
    /// });
    /// ```
    pub fn try_go<'s>(
        &'s self,
        scope: &'s Scope<'s, '_>,
        f: impl FnOnce() -> Result<(), E> + Send + 's,
    ) -> bool {
        {
            let mut r = self.running.lock();
            if r.limit.is_some_and(|l| r.active >= l) {
                return false;
            }
            r.active += 1;
        }
        self.spawn(scope, f);
        true
    }

    /// Starts a task that already holds its place under the limit.
    fn spawn<'s>(
        &'s self,
        scope: &'s Scope<'s, '_>,
        f: impl FnOnce() -> Result<(), E> + Send + 's,
    ) {
        self.wg.add(1);
        let task = move || {
            match panic::catch_unwind(AssertUnwindSafe(f)) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => self.fail(Some(e), None),
                Err(payload) => self.fail(None, Some(payload)),
            }
            self.finished();
        };
        if let Err(e) = std::thread::Builder::new().spawn_scoped(scope, task) {
            self.finished();
            panic!("gosync: errgroup cannot start a thread: {e}");
        }
    }

    /// Waits for every task started so far, cancels the group's context, and returns
    /// the first error: Go's `g.Wait()`. The error is moved out, so a second `wait`
    /// (with no new failure) returns `Ok(())`.
    ///
    /// # Panics
    ///
    /// If a task panicked: the first such panic is resumed here, after every other
    /// task has finished.
    ///
    /// ```
    /// use gosync::errgroup::Group;
    ///
    /// let g = Group::<String>::new();
    /// let res = std::thread::scope(|s| {
    ///     g.go(s, || Ok(()));
    ///     g.go(s, || Err("second task failed".into()));
    ///     g.wait()
    /// });
    /// assert_eq!(res.unwrap_err(), "second task failed");
    /// assert_eq!(g.wait(), Ok(()));
    /// ```
    pub fn wait(&self) -> Result<(), E> {
        self.wg.wait();
        if let Some(c) = &self.cancel {
            c.cancel();
        }
        let (err, panic) = {
            let mut o = self.outcome.lock();
            (o.err.take(), o.panic.take())
        };
        if let Some(payload) = panic {
            panic::resume_unwind(payload);
        }
        err.map_or(Ok(()), Err)
    }
}

impl<E> Default for Group<E> {
    /// [`Group::new`].
    ///
    /// ```
    /// let g: gosync::errgroup::Group<()> = Default::default();
    /// assert_eq!(g.wait(), Ok(()));
    /// ```
    fn default() -> Self {
        Group::new()
    }
}

impl<E> fmt::Debug for Group<E> {
    /// Shows the tasks running and the limit.
    ///
    /// ```
    /// let g = gosync::errgroup::Group::<()>::new();
    /// assert_eq!(format!("{g:?}"), "Group { running: 0, limit: None, .. }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.running.lock();
        f.debug_struct("Group")
            .field("running", &r.active)
            .field("limit", &r.limit)
            .finish_non_exhaustive()
    }
}
