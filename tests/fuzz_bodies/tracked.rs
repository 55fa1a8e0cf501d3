//! Values that count their drops, per thread (each fuzz run, and each replay test, is
//! one thread): every value gets a fresh id; dropping one twice panics at once, and the
//! bodies compare the number of drops with their model after every operation.

use std::cell::RefCell;
use std::collections::BTreeSet;

#[derive(Default)]
struct Log {
    /// Ids handed out so far (tracked and zero-sized values share the sequence).
    created: u64,
    /// Ids of dropped [`Tracked`] values.
    dropped: BTreeSet<u64>,
    /// Drops of either kind.
    drops: u64,
}

thread_local! {
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

/// Forgets every earlier id and drop: call at the start of a script.
pub(crate) fn reset() {
    LOG.with(|l| *l.borrow_mut() = Log::default());
}

/// How many values have been dropped since [`reset`].
pub(crate) fn drops() -> u64 {
    LOG.with(|l| l.borrow().drops)
}

/// How many values have been created since [`reset`].
pub(crate) fn created() -> u64 {
    LOG.with(|l| l.borrow().created)
}

/// Whether the tracked value `id` has been dropped.
pub(crate) fn is_dropped(id: u64) -> bool {
    LOG.with(|l| l.borrow().dropped.contains(&id))
}

fn next_id() -> u64 {
    LOG.with(|l| {
        let mut l = l.borrow_mut();
        l.created += 1;
        l.created
    })
}

/// A value a channel can carry, made from the model's id.
pub(crate) trait Val: Sized + 'static {
    /// Whether values of this type can be told apart (zero-sized ones cannot).
    const DISTINCT: bool;
    /// A new value with a fresh id (returned by [`Val::id`] when `DISTINCT`).
    fn make() -> Self;
    /// The id, or 0 when not `DISTINCT`.
    fn id(&self) -> u64;
}

/// A heap-free value with an id that records its drop.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Tracked(u64);

impl Val for Tracked {
    const DISTINCT: bool = true;
    fn make() -> Self {
        Tracked(next_id())
    }
    fn id(&self) -> u64 {
        self.0
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let id = self.0;
        LOG.with(|l| {
            let mut l = l.borrow_mut();
            assert!(l.dropped.insert(id), "value {id} dropped twice");
            l.drops += 1;
        });
    }
}

/// A zero-sized value (Go's `struct{}`) that counts its drops.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Zst;

impl Val for Zst {
    const DISTINCT: bool = false;
    fn make() -> Self {
        next_id();
        Zst
    }
    fn id(&self) -> u64 {
        0
    }
}

impl Drop for Zst {
    fn drop(&mut self) {
        LOG.with(|l| l.borrow_mut().drops += 1);
    }
}
