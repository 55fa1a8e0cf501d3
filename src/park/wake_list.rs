//! [`WakeList`]: the threads and tasks to wake once a lock is released.
//!
//! Whoever completes waiters under a lock (a channel's, or a wait-table bucket's)
//! must not wake them there: a woken thread would run straight into the lock, and a
//! task's `Waker::wake` is executor code that may take its own locks or panic. So the
//! completer pushes each wake handle into a list kept beside the lock guard, and the
//! list wakes them when it is dropped — after the guard, which releases the lock, has
//! run. The list never wakes anything by itself while the lock is held: a guard that
//! owns a list releases the lock in its `Drop` before its fields (the list) drop.
//!
//! Every handle in the list is woken, even when one of them panics (an executor's
//! waker may): each wake runs under `catch_unwind`; the first panic is resumed once
//! all are woken, so the caller still sees it. A list dropped while its thread is
//! already unwinding (a panic under the lock) still wakes everyone, and swallows a
//! waker's panic instead of aborting the process with a second panic.
//!
//! Waking one handle, the common case, allocates nothing; more spill into a `Vec`.

use std::fmt;
use std::mem::{self, ManuallyDrop};
use std::panic::{self, AssertUnwindSafe};

/// A wake handle that a [`WakeList`] can hold: a thread to unpark or a task to wake.
pub(crate) trait Wakeup {
    /// Wakes it (consuming the handle). May panic (a task's waker is foreign code).
    fn wake(self);
}

/// Wake handles collected under a lock, woken when the list is dropped (after the
/// lock is released; see the module docs).
///
/// API, for every lock that completes waiters:
/// - [`WakeList::new`]: an empty list (no allocation).
/// - [`WakeList::push`]: adds a handle to wake later.
/// - [`WakeList::is_empty`]: whether there is anything to wake.
/// - [`WakeList::wake_all`]: wakes every handle now (each one, even if another
///   panics; the first panic is resumed afterwards). `Drop` calls it.
#[must_use = "dropping a wake list wakes its handles at once"]
pub(crate) struct WakeList<W: Wakeup> {
    /// The first handle, kept inline: a channel operation wakes at most one peer.
    first: ManuallyDrop<Option<W>>,
    /// Every further handle, in push order (`close` wakes many). Holds something, or
    /// any memory, only while `first` does.
    ///
    /// Both fields are `ManuallyDrop`: `Drop` checks `first` alone, and `wake_all`
    /// empties both. So an untouched list costs its owner one compare and no drop
    /// glue (a channel's fast paths make and drop one on every operation).
    rest: ManuallyDrop<Vec<W>>,
}

impl<W: Wakeup> fmt::Debug for WakeList<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeList")
            .field(
                "len",
                &(usize::from(self.first.is_some()) + self.rest.len()),
            )
            .finish()
    }
}

impl<W: Wakeup> Default for WakeList<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W: Wakeup> WakeList<W> {
    /// An empty list.
    #[inline]
    pub(crate) const fn new() -> Self {
        WakeList {
            first: ManuallyDrop::new(None),
            rest: ManuallyDrop::new(Vec::new()),
        }
    }

    /// Adds `w`, to be woken after the lock is released.
    #[inline]
    pub(crate) fn push(&mut self, w: W) {
        if self.first.is_none() {
            *self.first = Some(w);
        } else {
            self.push_slow(w);
        }
    }

    #[cold]
    fn push_slow(&mut self, w: W) {
        self.rest.push(w);
    }

    /// Whether the list holds no handle.
    #[inline]
    #[allow(dead_code)] // for the tests, and for users that skip work when empty
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.is_empty()
    }

    /// Wakes every handle now, in push order, and empties the list.
    ///
    /// # Panics
    /// With the first waker's panic, once every handle has been woken (unless this
    /// thread is already panicking: then the waker's panic is dropped).
    #[inline(always)]
    pub(crate) fn wake_all(&mut self) {
        // By value from here: the list's own memory is not handed to the out-of-line
        // part, so an untouched list stays in registers.
        if let Some(first) = (*self.first).take() {
            wake_each(first, mem::take(&mut *self.rest));
        }
    }
}

/// Wakes `first`, then every handle of `rest`; see [`WakeList::wake_all`].
#[inline(never)]
fn wake_each<W: Wakeup>(first: W, rest: Vec<W>) {
    if rest.is_empty() && !std::thread::panicking() {
        // Alone: a panic strands nobody, so it needs no catching.
        first.wake();
        return;
    }
    let mut panicked = None;
    for w in std::iter::once(first).chain(rest) {
        if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| w.wake())) {
            panicked.get_or_insert(p);
        }
    }
    if let Some(p) = panicked {
        if !std::thread::panicking() {
            panic::resume_unwind(p);
        }
    }
}

impl<W: Wakeup> Drop for WakeList<W> {
    #[inline(always)]
    fn drop(&mut self) {
        // `rest` holds no memory unless `first` is set (field docs), and `wake_all`
        // frees it.
        self.wake_all();
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Records its number when woken; panics instead when `boom`.
    struct Probe {
        id: u32,
        boom: bool,
        log: Rc<RefCell<Vec<u32>>>,
    }

    impl Wakeup for Probe {
        fn wake(self) {
            if self.boom {
                panic!("waker {} panics", self.id);
            }
            self.log.borrow_mut().push(self.id);
        }
    }

    fn probes(log: &Rc<RefCell<Vec<u32>>>, booms: &[u32], n: u32) -> WakeList<Probe> {
        let mut l = WakeList::new();
        for id in 0..n {
            l.push(Probe {
                id,
                boom: booms.contains(&id),
                log: log.clone(),
            });
        }
        l
    }

    #[test]
    fn wakes_in_push_order_when_dropped() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = probes(&log, &[], 4);
        assert!(!l.is_empty());
        assert!(log.borrow().is_empty(), "woken before the drop");
        drop(l);
        assert_eq!(*log.borrow(), [0, 1, 2, 3]);
    }

    #[test]
    fn a_panicking_waker_strands_nobody_and_its_panic_resurfaces() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = probes(&log, &[0, 2], 5);
        let err = panic::catch_unwind(AssertUnwindSafe(|| drop(l))).unwrap_err();
        assert_eq!(*log.borrow(), [1, 3, 4], "every other handle is woken");
        let msg = err.downcast_ref::<String>().expect("a formatted panic");
        assert_eq!(msg, "waker 0 panics", "the first panic resurfaces");
    }

    #[test]
    fn a_lone_panicking_waker_panics_through() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut l = probes(&log, &[0], 1);
        assert!(panic::catch_unwind(AssertUnwindSafe(|| l.wake_all())).is_err());
        assert!(l.is_empty());
    }

    #[test]
    fn dropped_while_unwinding_it_wakes_everyone_without_aborting() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = probes(&log, &[1], 3);
        let err = panic::catch_unwind(AssertUnwindSafe(move || {
            let _l = l;
            panic!("under the lock");
        }))
        .unwrap_err();
        assert_eq!(*log.borrow(), [0, 2]);
        assert_eq!(err.downcast_ref::<&str>(), Some(&"under the lock"));
    }
}
