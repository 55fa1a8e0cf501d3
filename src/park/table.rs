//! An address-keyed wait table: threads park on a key (the address of the word they
//! wait on) and are woken by key, FIFO per key (a waiter that re-parks after losing a
//! race may ask to go back to the front: [`Queueing::Front`]) (Go's `sema.go` semaphore table,
//! parking_lot's parking lot).
//!
//! The table is a fixed array of buckets, each a small mutex over an intrusive FIFO
//! list of [`Node`]s that live on the parked threads' stacks. A caller's `validate`
//! (for [`park`]) or `callback` (for the unpark calls) runs under the bucket lock, which
//! is what makes "check the word, then sleep" atomic with respect to "change the word,
//! then wake": a waker that changes the word under the bucket lock cannot slip between
//! a parker's check and its enqueue.
//!
//! Rules kept here:
//! - A node is linked only while its thread is parked or about to park on it; whoever
//!   unlinks it (an unparker, or the thread itself on timeout) does so under the
//!   bucket lock, and the thread does not return before it is unlinked.
//! - An unparker takes the node's thread handle out and publishes `token` under the
//!   bucket lock; it wakes the thread only after unlocking, with that handle, never
//!   touching the node again (it may already be gone). It wakes every handle it took,
//!   even if a task's waker panics; the first panic resumes afterwards.
//!
//! An async task waits the same way with a [`TaskNode`] (feature `async`): a node in
//! its pinned future whose wake handle is the task's `Waker` instead of a thread.
//! Everything about it is done under the bucket lock too — the owner links it
//! ([`TaskNode::enqueue`]), refreshes its waker ([`TaskNode::poll`]) and unlinks it
//! when the future is dropped ([`TaskNode::cancel`]); an unparker takes the waker and
//! publishes the token — so a wake-up is never lost and a dropped future leaves no
//! node behind. The unparker wakes the task after unlocking, as it would a thread.

use crate::facade::{thread, AtomicUsize, Mutex, Ordering, UnsafeCell};
use std::ptr;
use std::time::Instant;

/// Whom an unparker wakes: the thread parked on a node, or the task that owns it.
enum Wake {
    Thread(thread::Thread),
    #[cfg(feature = "async")]
    Task(std::task::Waker),
}

impl super::Wakeup for Wake {
    /// Wakes it; called after the bucket lock is released.
    fn wake(self) {
        match self {
            Wake::Thread(t) => t.unpark(),
            #[cfg(feature = "async")]
            Wake::Task(w) => w.wake(),
        }
    }
}

#[cfg(not(gosync_loom))]
const BUCKETS: usize = 256;
/// One bucket under loom: which keys share a bucket depends on heap addresses, which
/// change from one explored execution to the next, and loom needs every execution of
/// a model to be deterministic. One bucket also explores every key collision.
#[cfg(gosync_loom)]
const BUCKETS: usize = 1;

/// Sentinel in [`Node::token`]: still parked.
const PARKED: usize = usize::MAX;

/// The result of [`park`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParkResult {
    /// Woken by an unpark call, with the token it passed.
    Unparked(usize),
    /// `validate` returned false: the thread did not park.
    Invalid,
    /// The deadline passed first; the node was unlinked.
    TimedOut,
}

/// What an unpark call did, as seen by its callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnparkResult {
    /// How many threads were unparked.
    pub(crate) unparked: usize,
    /// Whether threads are still parked on the key afterwards.
    pub(crate) have_more: bool,
}

/// What [`unpark_filter`]'s filter says of each parked thread, in FIFO order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FilterOp {
    /// Wake this one and go on.
    Unpark,
    /// Leave this one parked and go on.
    Skip,
    /// Leave this one parked and stop.
    Stop,
}

/// One parked thread, on its own stack (or one waiting task, in its pinned future).
struct Node {
    key: usize,
    /// The parker's token, for [`unpark_filter`]'s filter (e.g. reader vs writer).
    park_token: usize,
    /// Link in the bucket queue; guarded by the bucket lock.
    next: UnsafeCell<*const Node>,
    /// Whom to wake. Taken by the unparker under the bucket lock; a task's waker is
    /// also replaced by its owner under that lock.
    wake: UnsafeCell<Option<Wake>>,
    /// `PARKED`, or the unpark token once unlinked by an unparker.
    token: AtomicUsize,
}

/// A bucket's FIFO list of nodes (guarded by the bucket's mutex).
struct Queue {
    head: *const Node,
    tail: *const Node,
}

// SAFETY: the raw pointers are only followed under the bucket mutex, and point at nodes
// whose threads stay parked (so the nodes stay alive) until unlinked under that mutex.
unsafe impl Send for Queue {}

struct Bucket {
    queue: Mutex<Queue>,
}

impl Bucket {
    #[cfg(not(gosync_loom))]
    const fn new() -> Self {
        Bucket {
            queue: Mutex::new(Queue {
                head: ptr::null(),
                tail: ptr::null(),
            }),
        }
    }
    #[cfg(gosync_loom)]
    fn new() -> Self {
        Bucket {
            queue: Mutex::new(Queue {
                head: ptr::null(),
                tail: ptr::null(),
            }),
        }
    }
}

#[cfg(not(gosync_loom))]
static TABLE: [crossbeam_utils::CachePadded<Bucket>; BUCKETS] =
    [const { crossbeam_utils::CachePadded::new(Bucket::new()) }; BUCKETS];

#[cfg(not(gosync_loom))]
fn bucket(key: usize) -> &'static Bucket {
    &TABLE[hash(key)]
}

#[cfg(gosync_loom)]
loom::lazy_static! {
    static ref TABLE: Vec<Bucket> = (0..BUCKETS).map(|_| Bucket::new()).collect();
}

#[cfg(gosync_loom)]
fn bucket(key: usize) -> &'static Bucket {
    &TABLE[hash(key)]
}

/// Fibonacci hashing of an address onto a bucket.
fn hash(key: usize) -> usize {
    const BITS: u32 = BUCKETS.trailing_zeros();
    if BITS == 0 {
        return 0;
    }
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> (usize::BITS - BITS)) % BUCKETS
}

impl Queue {
    /// Appends `node`.
    ///
    /// # Safety
    /// `node` is live and not linked; the bucket lock is held (we have `&mut self`).
    unsafe fn push(&mut self, node: *const Node) {
        // SAFETY: per the contract, `node` and the current tail are live nodes.
        unsafe {
            (*node).next.with_mut(|n| *n = ptr::null());
            if self.tail.is_null() {
                self.head = node;
            } else {
                (*self.tail).next.with_mut(|n| *n = node);
            }
        }
        self.tail = node;
    }

    /// Prepends `node`.
    ///
    /// # Safety
    /// `node` is live and not linked; the bucket lock is held (we have `&mut self`).
    unsafe fn push_front(&mut self, node: *const Node) {
        // SAFETY: per the contract, `node` is a live node that we may link.
        unsafe { (*node).next.with_mut(|n| *n = self.head) };
        if self.tail.is_null() {
            self.tail = node;
        }
        self.head = node;
    }

    /// Unlinks `node` (whose predecessor is `prev`, null for the head).
    ///
    /// # Safety
    /// `node` is linked in this queue after `prev`; the bucket lock is held.
    unsafe fn unlink(&mut self, prev: *const Node, node: *const Node) {
        // SAFETY: per the contract, both are live linked nodes.
        unsafe {
            let next = (*node).next.with(|n| *n);
            if prev.is_null() {
                self.head = next;
            } else {
                (*prev).next.with_mut(|n| *n = next);
            }
            if self.tail == node {
                self.tail = prev;
            }
        }
    }

    /// Unlinks `node`, wherever it is in the queue.
    ///
    /// # Safety
    /// `node` is linked in this queue; the bucket lock is held.
    unsafe fn remove(&mut self, node: *const Node) {
        let mut prev: *const Node = ptr::null();
        let mut cur = self.head;
        while cur != node {
            assert!(!cur.is_null(), "bug: parked node missing from its bucket");
            prev = cur;
            // SAFETY: linked nodes are live under the bucket lock.
            cur = unsafe { (*cur).next.with(|n| *n) };
        }
        // SAFETY: `node` is linked after `prev`; the lock is held.
        unsafe { self.unlink(prev, node) };
    }

    /// Whether any node of `key` is linked.
    fn has_key(&self, key: usize) -> bool {
        let mut cur = self.head;
        while !cur.is_null() {
            // SAFETY: linked nodes are live while the bucket lock is held.
            unsafe {
                if (*cur).key == key {
                    return true;
                }
                cur = (*cur).next.with(|n| *n);
            }
        }
        false
    }
}

/// Parks the current thread on `key` if `validate()` (run under the bucket lock)
/// returns true, until an unpark call for `key` wakes it or `deadline` passes.
///
/// On timeout, `timed_out(have_more)` runs under the bucket lock after the node is
/// unlinked, with whether other threads are still parked on `key`.
pub(crate) fn park(
    key: usize,
    park_token: usize,
    validate: impl FnOnce() -> bool,
    deadline: Option<Instant>,
    timed_out: impl FnOnce(bool),
) -> ParkResult {
    park_with(
        key,
        park_token,
        Queueing::Back,
        validate,
        || {},
        deadline,
        timed_out,
    )
}

/// Where [`park_with`] links the thread into its key's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Queueing {
    /// Behind everyone (FIFO): a first-time waiter.
    Back,
    /// In front of everyone: a waiter that was woken, lost the race for what it
    /// waited for, and goes back to sleep keeping its seniority (Go's `queueLifo` in
    /// `sync.Mutex`).
    Front,
}

/// [`park`] with more control: `queueing` says where the thread joins the queue, and
/// `before_sleep` runs once the thread is linked and the bucket lock released, before
/// it sleeps (not at all when `validate` fails). A `Cond` waiter unlocks its mutex
/// there: a wake-up sent after that unlock finds the waiter already queued.
///
/// If `before_sleep` panics, the node (on this frame) is unlinked under the bucket
/// lock before the panic leaves: no queue keeps a pointer to it. A token an unparker
/// delivered in between is lost with the panic.
pub(crate) fn park_with(
    key: usize,
    park_token: usize,
    queueing: Queueing,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    deadline: Option<Instant>,
    timed_out: impl FnOnce(bool),
) -> ParkResult {
    let node = Node {
        key,
        park_token,
        next: UnsafeCell::new(ptr::null()),
        wake: UnsafeCell::new(Some(Wake::Thread(thread::current()))),
        token: AtomicUsize::new(PARKED),
    };
    let b = bucket(key);
    {
        let mut q = b.queue.lock();
        if !validate() {
            return ParkResult::Invalid;
        }
        // SAFETY: `node` lives on this frame, which does not return before the node is
        // unlinked (below); the bucket lock is held.
        unsafe {
            match queueing {
                Queueing::Back => q.push(&node),
                Queueing::Front => q.push_front(&node),
            }
        }
    }
    // Unlinks the node if `before_sleep` unwinds (disarmed by `forget` otherwise).
    struct UnlinkOnUnwind<'a> {
        bucket: &'a Bucket,
        node: &'a Node,
    }
    impl Drop for UnlinkOnUnwind<'_> {
        fn drop(&mut self) {
            let mut q = self.bucket.queue.lock();
            // An unparker unlinks a node and publishes its token under this lock: a
            // token still PARKED means the node is still linked.
            if self.node.token.load(Ordering::Acquire) == PARKED {
                // SAFETY: `node` is linked in this bucket; the lock is held.
                unsafe { q.remove(self.node) };
            }
        }
    }
    let unlink = UnlinkOnUnwind {
        bucket: b,
        node: &node,
    };
    before_sleep();
    std::mem::forget(unlink);
    let _asleep = super::record::asleep(super::record::Token::Word(&node.token, PARKED), deadline);
    loop {
        // ORDERING: Acquire pairs with the unparker's Release store of the token, so
        // whatever it did before waking us (e.g. handing over a lock) is visible.
        let t = node.token.load(Ordering::Acquire);
        if t != PARKED {
            return ParkResult::Unparked(t);
        }
        let _asleep =
            super::record::asleep(super::record::Token::Word(&node.token, PARKED), deadline);
        match deadline {
            None => thread::park(),
            Some(d) => {
                if crate::facade::expired(d) {
                    let mut q = b.queue.lock();
                    let t = node.token.load(Ordering::Acquire);
                    if t != PARKED {
                        return ParkResult::Unparked(t);
                    }
                    // Still linked: unlink ourselves.
                    // SAFETY: `node` is linked in this bucket; the lock is held.
                    unsafe { q.remove(&node) };
                    timed_out(q.has_key(key));
                    return ParkResult::TimedOut;
                }
                thread::park_until(d);
            }
        }
    }
}

/// Wakes the longest-parked thread on `key`, if any. `callback` runs under the bucket
/// lock with what was done, before the thread is woken, and returns the token the
/// woken thread receives.
pub(crate) fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
    let mut taken = false;
    unpark_filter(
        key,
        |_| {
            if taken {
                FilterOp::Stop
            } else {
                taken = true;
                FilterOp::Unpark
            }
        },
        callback,
    )
}

/// Wakes every thread parked on `key`, giving each `token`. Returns how many.
pub(crate) fn unpark_all(key: usize, token: usize) -> usize {
    unpark_filter(key, |_| FilterOp::Unpark, |_| token).unparked
}

/// Walks the threads parked on `key` in FIFO order, waking those `filter` chooses
/// (it sees each one's park token). `callback` runs under the bucket lock once the
/// choice is made, and returns the token every woken thread receives.
pub(crate) fn unpark_filter(
    key: usize,
    mut filter: impl FnMut(usize) -> FilterOp,
    callback: impl FnOnce(UnparkResult) -> usize,
) -> UnparkResult {
    unpark_filter_with(key, (), |_, token| filter(token), |_, res| callback(res))
}

/// [`unpark_filter`] whose filter keeps notes in `notes` (say, how many readers and
/// writers it chose) that the callback then reads, all under the bucket lock.
pub(crate) fn unpark_filter_with<S>(
    key: usize,
    mut notes: S,
    mut filter: impl FnMut(&mut S, usize) -> FilterOp,
    callback: impl FnOnce(S, UnparkResult) -> usize,
) -> UnparkResult {
    let b = bucket(key);
    let mut q = b.queue.lock();
    // Unlinked nodes, chained through their `next` fields (they stay alive: their
    // threads wait for `token`, which is published only below).
    let mut woken: *const Node = ptr::null();
    let mut woken_tail: *const Node = ptr::null();
    let mut count = 0;
    let mut have_more = false;
    let mut prev: *const Node = ptr::null();
    let mut cur = q.head;
    while !cur.is_null() {
        // SAFETY: linked nodes are live under the bucket lock.
        let (node_key, tok, next) =
            unsafe { ((*cur).key, (*cur).park_token, (*cur).next.with(|n| *n)) };
        if node_key == key {
            match filter(&mut notes, tok) {
                FilterOp::Unpark => {
                    // SAFETY: `cur` is linked after `prev`; the lock is held.
                    unsafe { q.unlink(prev, cur) };
                    // SAFETY: `cur` is now ours until its token is published.
                    unsafe {
                        (*cur).next.with_mut(|n| *n = ptr::null());
                        if woken_tail.is_null() {
                            woken = cur;
                        } else {
                            (*woken_tail).next.with_mut(|n| *n = cur);
                        }
                    }
                    woken_tail = cur;
                    count += 1;
                    cur = next;
                    continue;
                }
                FilterOp::Skip => have_more = true,
                FilterOp::Stop => {
                    have_more = true;
                    break;
                }
            }
        }
        prev = cur;
        cur = next;
    }
    let token = callback(
        notes,
        UnparkResult {
            unparked: count,
            have_more,
        },
    );
    assert!(
        token != PARKED,
        "bug: unpark token collides with the parked sentinel"
    );
    // Take the handles and publish the token, still under the lock (a timing-out
    // thread checks the token under the same lock).
    // Woken once the bucket lock is released, every one even if a task's waker
    // panics (the first panic resumes after); waking one thread never allocates.
    let mut wakes = super::WakeList::new();
    let mut cur = woken;
    while !cur.is_null() {
        // SAFETY: `cur` is unlinked and its thread waits for the token, so it is live
        // until the Release store below; we read `next` and the handle before it.
        unsafe {
            let next = (*cur).next.with(|n| *n);
            if let Some(t) = (*cur).wake.with_mut(|p| (*p).take()) {
                wakes.push(t);
            }
            // ORDERING: Release pairs with the parker's Acquire load of the token.
            (*cur).token.store(token, Ordering::Release);
            cur = next;
        }
    }
    drop(q);
    wakes.wake_all();
    UnparkResult {
        unparked: count,
        have_more,
    }
}

/// A task waiting on a key: the async counterpart of a thread in [`park`], kept in
/// the task's pinned future. The owner calls [`enqueue`](Self::enqueue) once, then
/// [`poll`](Self::poll) on every poll of its future until it returns the token, and
/// [`cancel`](Self::cancel) when dropped before that.
#[cfg(feature = "async")]
pub(crate) struct TaskNode {
    node: Node,
    /// Peers hold pointers to `node` while it is linked.
    _pin: std::marker::PhantomPinned,
}

// SAFETY: the node's links and waker are only touched under its bucket lock (by the
// owner or an unparker), its token is atomic, and `Waker` is `Send + Sync`; the raw
// pointers are queue links, followed only under that lock.
#[cfg(feature = "async")]
unsafe impl Send for TaskNode {}
// SAFETY: as above: through `&TaskNode` everything goes through the bucket lock or
// the atomic token.
#[cfg(feature = "async")]
unsafe impl Sync for TaskNode {}

#[cfg(feature = "async")]
impl TaskNode {
    /// A node for a task that will wait on `key` with `park_token`; not linked yet.
    pub(crate) fn new(key: usize, park_token: usize) -> Self {
        TaskNode {
            node: Node {
                key,
                park_token,
                next: UnsafeCell::new(ptr::null()),
                wake: UnsafeCell::new(None),
                token: AtomicUsize::new(PARKED),
            },
            _pin: std::marker::PhantomPinned,
        }
    }

    /// Links the node behind the key's other waiters, to wake `waker`, if
    /// `validate()` (run under the bucket lock) returns true; returns whether it did.
    ///
    /// # Safety
    /// The node is pinned and not linked (this is its first `enqueue`), and its owner
    /// calls [`cancel`](Self::cancel) before the memory goes unless
    /// [`poll`](Self::poll) has returned the token.
    pub(crate) unsafe fn enqueue(
        &self,
        validate: impl FnOnce() -> bool,
        waker: &std::task::Waker,
    ) -> bool {
        let mut q = bucket(self.node.key).queue.lock();
        if !validate() {
            return false;
        }
        // SAFETY: not linked yet, so nobody else reaches the handle.
        self.node
            .wake
            .with_mut(|p| unsafe { *p = Some(Wake::Task(waker.clone())) });
        // SAFETY: pinned and not linked (the contract); the bucket lock is held.
        unsafe { q.push(&self.node) };
        true
    }

    /// The token, once an unparker has unlinked the node; until then, makes `waker`
    /// the one the unparker will wake, and returns `None`.
    ///
    /// Only after a successful [`enqueue`](Self::enqueue).
    pub(crate) fn poll(&self, waker: &std::task::Waker) -> Option<usize> {
        // ORDERING: Acquire pairs with the unparker's Release store of the token, as
        // in `park`.
        let t = self.node.token.load(Ordering::Acquire);
        if t != PARKED {
            return Some(t);
        }
        let q = bucket(self.node.key).queue.lock();
        // Under the lock an unparker either has published the token already, or will
        // find the waker stored here.
        let t = self.node.token.load(Ordering::Acquire);
        if t != PARKED {
            return Some(t);
        }
        let old = self.node.wake.with_mut(|p| {
            // SAFETY: still linked: the handle is touched only under the bucket lock,
            // which we hold.
            let slot = unsafe { &mut *p };
            match slot {
                Some(Wake::Task(w)) if w.will_wake(waker) => None,
                _ => slot.replace(Wake::Task(waker.clone())),
            }
        });
        drop(q);
        drop(old);
        None
    }

    /// The owner gives up: unlinks the node if it is still linked, running
    /// `cancelled(have_more)` under the bucket lock (`have_more`: other waiters on
    /// the key remain), and returns `None`; or returns the token if an unparker got
    /// there first. Afterwards no other thread reaches the node.
    ///
    /// Only after a successful [`enqueue`](Self::enqueue), and only while
    /// [`poll`](Self::poll) has not returned the token.
    pub(crate) fn cancel(&self, cancelled: impl FnOnce(bool)) -> Option<usize> {
        let mut q = bucket(self.node.key).queue.lock();
        let t = self.node.token.load(Ordering::Acquire);
        if t != PARKED {
            return Some(t);
        }
        // SAFETY: the token is unpublished, so the node is still linked here; the
        // lock is held.
        unsafe { q.remove(&self.node) };
        // SAFETY: unlinked under the lock: nobody else reaches the handle now.
        let w = self.node.wake.with_mut(|p| unsafe { (*p).take() });
        cancelled(q.has_key(self.node.key));
        drop(q);
        drop(w);
        None
    }
}

#[cfg(all(test, feature = "async", not(gosync_loom)))]
mod tests {
    use super::*;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Arc;
    use std::task::Waker;

    /// Counts its wakes, or panics with its number.
    struct W(AtomicUsize, Option<usize>);
    impl std::task::Wake for W {
        fn wake(self: Arc<Self>) {
            if let Some(n) = self.1 {
                panic!("waker {n} panics");
            }
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn every_one_is_woken_and_the_first_panic_resumes_after() {
        let w: Vec<_> = [None, Some(1), None, Some(3), None]
            .into_iter()
            .map(|p| Arc::new(W(AtomicUsize::new(0), p)))
            .collect();
        // (The panic hook reports both panics into this test's captured output.)
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut wakes = super::super::WakeList::new();
            for w in &w {
                wakes.push(Wake::Task(Waker::from(w.clone())));
            }
            wakes.wake_all();
        }));
        let payload = r.expect_err("a waker's panic comes out");
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "waker 1 panics");
        for (i, w) in w.iter().enumerate() {
            if w.1.is_none() {
                assert_eq!(w.0.load(Ordering::Relaxed), 1, "waker {i} woken once");
            }
        }
    }
}

#[cfg(all(test, gosync_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// A timed park races an unpark: either the parker is woken with the token and the
    /// unparker counts it, or it times out and the unparker finds nobody.
    #[test]
    fn table_park_timeout_races_unpark() {
        loom::model(|| {
            let word = Arc::new(AtomicUsize::new(0));
            let key = &*word as *const AtomicUsize as usize;
            let far = Instant::now() + std::time::Duration::from_secs(3600);
            let t = loom::thread::spawn(move || park(key, 0, || true, Some(far), |_| {}));
            let r = unpark_one(key, |_| 7);
            match (t.join().unwrap(), r.unparked) {
                (ParkResult::Unparked(7), 1) | (ParkResult::TimedOut, 0) => {}
                // The unparker ran before the parker queued: nothing to wake, and the
                // parker then timed out.
                other => panic!("inconsistent park/unpark outcome: {other:?}"),
            }
        });
    }

    /// `validate` runs under the bucket lock: a waker that changes the word under the
    /// same lock (in its callback) is never missed by a parker that checks it.
    #[test]
    fn table_validate_is_atomic_with_unpark() {
        loom::model(|| {
            let word = Arc::new(AtomicUsize::new(0));
            let key = &*word as *const AtomicUsize as usize;
            let w = word.clone();
            let t = loom::thread::spawn(move || loop {
                match park(key, 0, || w.load(Ordering::Relaxed) == 0, None, |_| {}) {
                    ParkResult::Invalid | ParkResult::Unparked(_) => break,
                    ParkResult::TimedOut => unreachable!(),
                }
            });
            unpark_all_after(key, &word);
            t.join().unwrap();
        });
    }

    fn unpark_all_after(key: usize, word: &AtomicUsize) {
        unpark_filter(
            key,
            |_| FilterOp::Unpark,
            |_| {
                word.store(1, Ordering::Relaxed);
                0
            },
        );
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod park_with_tests {
    use super::*;

    #[test]
    fn park_with_unlinks_its_node_when_before_sleep_panics() {
        let word = 0u8;
        let key = &word as *const u8 as usize;
        let r = std::panic::catch_unwind(|| {
            park_with(
                key,
                0,
                Queueing::Back,
                || true,
                || panic!("before_sleep panics"),
                None,
                |_| {},
            )
        });
        assert!(r.is_err());
        // The node was on the unwound frame: nothing of it may be left in the queue
        // (an unpark would follow a dangling pointer; Miri checks that).
        assert_eq!(unpark_all(key, 0), 0);
        assert!(!bucket(key).queue.lock().has_key(key));
    }
}
