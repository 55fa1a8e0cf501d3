//! What each parked thread waits for: the low-level record that `crate::debug` reads.
//!
//! Two hooks, both on the slow path only:
//! - [`blocking`], at the start of a blocking operation's slow path (a channel's
//!   `block_send` / `block_recv`, a select's park, a sync primitive's slow path): it
//!   notes in a thread-local *what* the thread is about to wait for. No lock, no clock,
//!   no allocation.
//! - [`asleep`], right before the thread actually parks (in `Context::wait` and the
//!   wait table's `park_with`): it copies that note into the thread's shared
//!   [`Record`] together with the *park token* — the word a waker changes when it
//!   claims the thread (a [`Context`]'s state, a wait-table node's token) — and clears
//!   the token again when the park returns.
//!
//! The first park of a thread allocates its record and links it into the global
//! registry; a thread that never parks never has one.
//!
//! # Why a snapshot never calls a claimed thread asleep
//!
//! The token lives in the parked thread's frame. The record holds a pointer to it only
//! between [`asleep`] and the end of that park, and the thread clears the pointer under
//! the record's lock before its frame can go; [`snapshot`] reads the token under the
//! same lock. So a snapshot sees, for each record, the live token of a park in
//! progress, and reports the thread as *unclaimed* only if no waker has claimed that
//! park yet. Claims are final (a claimed park never becomes unclaimed again), and each
//! park has its own generation number, so two snapshots that see the same generation
//! unclaimed prove the thread was parked and unclaimed during the whole time between
//! them (what `crate::debug` builds its deadlock rule on).

use super::Context;
use crate::facade::{thread, Arc, AtomicUsize, Mutex, Ordering};
use std::cell::RefCell;
use std::time::Instant;

/// A channel's numbers, read (without its lock) by a snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChanStats {
    /// The channel's identity (its lock-order key: the address).
    pub(crate) id: usize,
    /// `Some(0)` rendezvous, `None` unbounded.
    pub(crate) cap: Option<usize>,
    pub(crate) len: usize,
    pub(crate) senders: usize,
    pub(crate) receivers: usize,
    pub(crate) waiting_senders: usize,
    pub(crate) waiting_receivers: usize,
    pub(crate) closed: bool,
}

/// A channel a snapshot can describe (implemented in `crate::debug` for `Hchan<T>`).
pub(crate) trait ChanInfo {
    fn stats(&self) -> ChanStats;
}

/// A type-erased reference to a channel, valid while its record's park is live.
#[derive(Clone, Copy)]
pub(crate) struct ChanRef {
    ptr: *const (),
    stats: unsafe fn(*const ()) -> ChanStats,
}

/// # Safety
/// `p` points at a live `C`.
unsafe fn stats_of<C: ChanInfo>(p: *const ()) -> ChanStats {
    // SAFETY: per the contract.
    unsafe { (*p.cast::<C>()).stats() }
}

/// A type-erased reference to a select's cases: their number and a function (a
/// closure on the selecting thread's frame) that gives each case's channel identity
/// (`None`: not a channel). Valid while its record's park is live.
#[derive(Clone, Copy)]
pub(crate) struct CasesRef {
    n: usize,
    ptr: *const (),
    key: unsafe fn(*const (), usize) -> Option<usize>,
}

/// # Safety
/// `p` points at a live `F`.
unsafe fn key_of<F: Fn(usize) -> Option<usize>>(p: *const (), i: usize) -> Option<usize> {
    // SAFETY: per the contract.
    unsafe { (*p.cast::<F>())(i) }
}

/// What a thread is about to wait for. Object identities are addresses.
#[derive(Clone, Copy)]
#[allow(dead_code)] // Context: for the pattern layer's hooks
pub(crate) enum What {
    ChanSend(ChanRef),
    ChanRecv(ChanRef),
    Select(CasesRef),
    Mutex(usize),
    RwRead(usize),
    RwWrite(usize),
    Cond(usize),
    WaitGroup(usize),
    Once(usize),
    Semaphore(usize),
    Context(usize),
}

impl What {
    /// A send on `chan`.
    #[inline]
    pub(crate) fn chan_send<C: ChanInfo>(chan: &C) -> What {
        What::ChanSend(ChanRef {
            ptr: (chan as *const C).cast(),
            stats: stats_of::<C>,
        })
    }

    /// A receive on `chan`.
    #[inline]
    pub(crate) fn chan_recv<C: ChanInfo>(chan: &C) -> What {
        What::ChanRecv(ChanRef {
            ptr: (chan as *const C).cast(),
            stats: stats_of::<C>,
        })
    }

    /// A select over `n` cases whose channel identities `key` gives (it must stay
    /// where it is until the [`Blocking`] guard is dropped).
    #[inline]
    pub(crate) fn select<F: Fn(usize) -> Option<usize>>(n: usize, key: &F) -> What {
        What::Select(CasesRef {
            n,
            ptr: (key as *const F).cast(),
            key: key_of::<F>,
        })
    }

    /// The identity of `obj` (its address), as the sync primitives' hooks record it.
    #[inline]
    pub(crate) fn addr<T: ?Sized>(obj: &T) -> usize {
        (obj as *const T).cast::<()>() as usize
    }
}

/// [`What`] resolved by a snapshot: channel numbers read, select cases listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WhatNow {
    ChanSend(ChanStats),
    ChanRecv(ChanStats),
    Select(Vec<Option<usize>>),
    Mutex(usize),
    RwRead(usize),
    RwWrite(usize),
    Cond(usize),
    WaitGroup(usize),
    Once(usize),
    Semaphore(usize),
    Context(usize),
}

impl What {
    /// # Safety
    /// The references inside are live (the record's park is in progress and its lock
    /// is held).
    unsafe fn resolve(self) -> WhatNow {
        match self {
            // SAFETY: per the contract.
            What::ChanSend(c) => WhatNow::ChanSend(unsafe { (c.stats)(c.ptr) }),
            // SAFETY: per the contract.
            What::ChanRecv(c) => WhatNow::ChanRecv(unsafe { (c.stats)(c.ptr) }),
            What::Select(c) => WhatNow::Select(
                (0..c.n)
                    // SAFETY: per the contract.
                    .map(|i| unsafe { (c.key)(c.ptr, i) })
                    .collect(),
            ),
            What::Mutex(a) => WhatNow::Mutex(a),
            What::RwRead(a) => WhatNow::RwRead(a),
            What::RwWrite(a) => WhatNow::RwWrite(a),
            What::Cond(a) => WhatNow::Cond(a),
            What::WaitGroup(a) => WhatNow::WaitGroup(a),
            What::Once(a) => WhatNow::Once(a),
            What::Semaphore(a) => WhatNow::Semaphore(a),
            What::Context(a) => WhatNow::Context(a),
        }
    }
}

/// The word a waker changes when it claims a parked thread.
#[derive(Clone, Copy)]
pub(crate) enum Token {
    /// A [`Context`]: unclaimed while its state is `WAITING`.
    Context(*const Context),
    /// A wait-table node's token: unclaimed while it still equals the value.
    Word(*const AtomicUsize, usize),
}

impl Token {
    /// # Safety
    /// The pointer is live.
    unsafe fn unclaimed(self) -> bool {
        match self {
            // SAFETY: per the contract.
            Token::Context(c) => matches!(unsafe { (*c).state() }, super::State::Waiting),
            // ORDERING: Acquire, like the parked thread's own check: a claim is final,
            // so any later read sees it too.
            // SAFETY: per the contract.
            Token::Word(w, parked) => (unsafe { (*w).load(Ordering::Acquire) }) == parked,
        }
    }
}

/// The shared part of a thread's record, guarded by [`Record::slot`].
struct Slot {
    /// The thread that owns the record (records of exited threads are reused).
    id: thread::ThreadId,
    /// Its name; the buffer is kept when the record is reused.
    name: String,
    named: bool,
    /// What the current (or last) park waits for.
    what: Option<What>,
    since: Option<Instant>,
    deadline: Option<Instant>,
    /// Set only while a park is in progress.
    token: Option<Token>,
    /// Bumped by every park.
    gen: u64,
    /// The thread has exited.
    dead: bool,
    /// The thread's [`lock_id`] (0 without the `deadlock-detection` feature).
    lock_id: usize,
    /// The holder word of the lock the current park waits for (see [`blocking_lock`]).
    holder: Option<*const AtomicUsize>,
}

// SAFETY: the raw pointers in `what` and `token` are followed only under the slot's
// lock while the park they belong to is in progress, which keeps their targets alive
// (see the module docs); what they point at is `Sync` (atomics, channels' mirrors).
unsafe impl Send for Slot {}

/// One thread's record: who it is and what it is parked on.
pub(crate) struct Record {
    slot: Mutex<Slot>,
}

/// One parked (or just woken) operation, as a snapshot saw it.
#[derive(Clone, Debug)]
pub(crate) struct Parked {
    pub(crate) thread: thread::ThreadId,
    pub(crate) name: Option<String>,
    pub(crate) what: WhatNow,
    pub(crate) since: Instant,
    pub(crate) deadline: Option<Instant>,
    /// The park's generation (per thread).
    pub(crate) gen: u64,
    /// No waker has claimed this park yet.
    pub(crate) unclaimed: bool,
    /// The parked thread's [`lock_id`] (0 without the `deadlock-detection` feature).
    pub(crate) lock_id: usize,
    /// The [`lock_id`] of the thread holding the lock this park waits for, read by the
    /// snapshot while the park was in progress (only for a [`blocking_lock`] wait).
    pub(crate) held_by: Option<usize>,
}

#[cfg(not(gosync_loom))]
static REGISTRY: Mutex<Vec<Arc<Record>>> = Mutex::new(Vec::new());

#[cfg(gosync_loom)]
loom::lazy_static! {
    static ref REGISTRY: Mutex<Vec<Arc<Record>>> = Mutex::new(Vec::new());
}

/// The thread-local part: what the thread is about to wait for, and its record.
struct Local {
    what: Option<What>,
    since: Option<Instant>,
    /// The holder word of the lock `what` waits for, if any.
    holder: Option<*const AtomicUsize>,
    rec: Option<Arc<Record>>,
}

impl Drop for Local {
    fn drop(&mut self) {
        if let Some(rec) = &self.rec {
            rec.slot.lock().dead = true;
        }
    }
}

#[cfg(not(gosync_loom))]
std::thread_local! {
    static LOCAL: RefCell<Local> = const { RefCell::new(Local { what: None, since: None, holder: None, rec: None }) };
}

#[cfg(gosync_loom)]
loom::thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local { what: None, since: None, holder: None, rec: None });
}

/// Under loom, records are kept only in the models that check them
/// (`tests/loom_debug.rs`): their locks add loom-visible steps to every park, and loom's
/// `Mutex` model marks a thread whose last step touched a lock as blocked when another
/// thread takes it, dropping an unpark loom had saved for it — a hang std's locks
/// cannot cause (they never touch a thread's park token), which would show up in the
/// other primitives' models. A switch, not synchronisation: a plain std atomic.
#[cfg(gosync_loom)]
static LOOM_RECORDS: crate::facade::UnmodelledAtomicBool =
    crate::facade::UnmodelledAtomicBool::new(false);

/// Turns the records on in loom builds (see [`LOOM_RECORDS`]).
#[cfg(gosync_loom)]
pub(crate) fn record_under_loom() {
    LOOM_RECORDS.store(true, Ordering::Relaxed);
}

/// Notes that this thread is about to wait for `what`, until the guard drops.
#[inline]
pub(crate) fn blocking(what: What) -> Blocking {
    note(what, None)
}

/// Like [`blocking`], for a wait on a lock whose holder word is `holder` (the
/// [`lock_id`] of the thread holding it, 0 if none): a snapshot reads it, for the
/// watchdog's lock-cycle rule. The word must live as long as the guard.
#[cfg(feature = "deadlock-detection")]
#[inline]
pub(crate) fn blocking_lock(what: What, holder: &AtomicUsize) -> Blocking {
    note(what, Some(holder))
}

#[inline]
fn note(what: What, holder: Option<*const AtomicUsize>) -> Blocking {
    let prev = LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            let prev = (l.what, l.since, l.holder);
            // The outermost note wins: a wait built on another (a semaphore's or a
            // context's wait is a select inside) shows as what its caller called.
            if l.what.is_none() {
                l.what = Some(what);
                l.since = None;
                l.holder = holder;
            }
            prev
        })
        .unwrap_or((None, None, None));
    Blocking { prev }
}

/// A small number naming this thread in a lock's holder word (`deadlock-detection`
/// feature): never 0, never reused (a counter), assigned on the thread's first call.
#[cfg(feature = "deadlock-detection")]
#[inline]
pub(crate) fn lock_id() -> usize {
    // A name, not synchronisation: only uniqueness matters.
    fn next() -> usize {
        #[cfg(not(gosync_loom))]
        static NEXT: crate::facade::AtomicUsize = crate::facade::AtomicUsize::new(1);
        #[cfg(gosync_loom)]
        loom::lazy_static! {
            static ref NEXT: crate::facade::AtomicUsize = crate::facade::AtomicUsize::new(1);
        }
        NEXT.fetch_add(1, Ordering::Relaxed)
    }
    #[cfg(not(gosync_loom))]
    std::thread_local! {
        static ID: usize = next();
    }
    #[cfg(gosync_loom)]
    loom::thread_local! {
        static ID: usize = next();
    }
    // Thread-local storage already gone (a lock taken in a TLS destructor): a holder
    // no thread is named by.
    ID.try_with(|id| *id).unwrap_or(usize::MAX)
}

/// Ends a [`blocking`] scope (restoring an enclosing one's note, if any).
#[must_use = "the note lasts as long as the guard"]
pub(crate) struct Blocking {
    prev: (Option<What>, Option<Instant>, Option<*const AtomicUsize>),
}

impl Drop for Blocking {
    #[inline]
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|l| {
            let mut l = l.borrow_mut();
            l.what = self.prev.0;
            l.since = self.prev.1;
            l.holder = self.prev.2;
        });
    }
}

/// Publishes that this thread parks now, claimable through `token`, if it is inside a
/// [`blocking`] scope; the guard withdraws it. The thread must not leave the frame
/// that owns `token` before dropping the guard.
#[inline]
pub(crate) fn asleep(token: Token, deadline: Option<Instant>) -> Option<Asleep> {
    #[cfg(gosync_loom)]
    if !LOOM_RECORDS.load(Ordering::Relaxed) {
        return None;
    }
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            let what = l.what?;
            let since = *l.since.get_or_insert_with(Instant::now);
            let rec = l.rec.get_or_insert_with(register).clone();
            {
                let mut s = rec.slot.lock();
                s.what = Some(what);
                s.since = Some(since);
                s.deadline = deadline;
                s.token = Some(token);
                s.holder = l.holder;
                #[cfg(feature = "deadlock-detection")]
                {
                    s.lock_id = lock_id();
                }
                s.gen += 1;
            }
            Some(Asleep { rec })
        })
        .ok()
        .flatten()
}

/// Withdraws an [`asleep`] publication when dropped.
#[must_use = "the record stays published as long as the guard"]
pub(crate) struct Asleep {
    rec: Arc<Record>,
}

impl Drop for Asleep {
    #[inline]
    fn drop(&mut self) {
        self.rec.slot.lock().token = None;
    }
}

/// This thread's first park: a record of an exited thread, or a new one, in the
/// registry. Records are reused, never freed: a program that starts short-lived
/// threads allocates one only when more threads than ever before have parked in
/// their lifetimes at once (the registry holds as many records as that peak, about a
/// hundred bytes each), and a thread's park allocates nothing after its first.
#[cold]
fn register() -> Arc<Record> {
    let t = thread::current();
    let mut reg = REGISTRY.lock();
    for r in reg.iter() {
        let mut s = r.slot.lock();
        if s.dead {
            // Its thread is gone (no guard of it is alive): take it over. A snapshot
            // that still holds it reads it under this lock, before or after.
            s.id = t.id();
            s.name.clear();
            s.named = false;
            if let Some(n) = t.name() {
                s.name.push_str(n);
                s.named = true;
            }
            (s.what, s.since, s.deadline, s.token, s.dead) = (None, None, None, None, false);
            (s.lock_id, s.holder) = (0, None);
            drop(s);
            return r.clone();
        }
    }
    let rec = Arc::new(Record {
        slot: Mutex::new(Slot {
            id: t.id(),
            name: t.name().map(str::to_owned).unwrap_or_default(),
            named: t.name().is_some(),
            what: None,
            since: None,
            deadline: None,
            token: None,
            gen: 0,
            dead: false,
            lock_id: 0,
            holder: None,
        }),
    });
    reg.push(rec.clone());
    rec
}

/// Every park in progress right now, claimed or not (a claimed one is a thread that a
/// waker is about to run), and how many live threads have a record.
pub(crate) fn snapshot() -> (Vec<Parked>, usize) {
    let recs: Vec<Arc<Record>> = REGISTRY.lock().clone();
    let mut out = Vec::new();
    let mut live = 0;
    for r in &recs {
        let s = r.slot.lock();
        if s.dead {
            continue;
        }
        live += 1;
        let (Some(token), Some(what), Some(since)) = (s.token, s.what, s.since) else {
            continue;
        };
        // SAFETY: the park is in progress and we hold its record's lock, so the
        // thread is still in the frame that owns the token and the objects `what`
        // refers to (it takes this lock to withdraw them before leaving).
        let (unclaimed, what) = unsafe { (token.unclaimed(), what.resolve()) };
        // ORDERING: Relaxed is enough for the lock-cycle rule: a thread writes only its
        // own id into a holder word and clears it before it releases the lock, and the
        // watchdog believes a holder only if that holder's park was seen (under its
        // record's lock, which orders all its earlier writes before) by an earlier
        // snapshot; so a value naming it is its latest write (see `crate::debug`).
        let held_by = s
            .holder
            .map(|h| {
                // SAFETY: as above: the lock the parked thread waits for is alive
                // while it waits, and the holder word is a field of it.
                unsafe { (*h).load(Ordering::Relaxed) }
            })
            .filter(|&id| id != 0);
        out.push(Parked {
            thread: s.id,
            name: s.named.then(|| s.name.clone()),
            what,
            since,
            deadline: s.deadline,
            gen: s.gen,
            unclaimed,
            lock_id: s.lock_id,
            held_by,
        });
    }
    (out, live)
}
