//! The select engine: Go's `selectgo`, as phase functions.
//!
//! ```text
//!  plan         poll order (random permutation, or source order when biased) and
//!               lock order (distinct channels sorted by address: `Hchan::lock_order`)
//!  try_each     pass 0: each case alone, in poll order, by its non-blocking path
//!               (biased: the first case only, see `pass0_len`, then the second
//!               under its lock if the first is seen idle meanwhile: `try_second`)
//!  lock_all ─┐  (a LockSet: every lock, released when it drops)
//!  poll      │  pass 1: the first ready case in poll order completes → done
//!            │  none ready: default / deadline passed → unlock, done
//!  register  │  pass 2: one waiter per case, all pointing at one Context
//!  drop     ─┘  unlock, then wake the peers pass 1 completed
//!  Context::wait(earliest of: the caller's deadline, the timers' deadlines)
//!  lock_all, unregister, drop           pass 3: unlink every waiter still linked
//!  finish       collect the chosen case's outcome, take back unsent values
//!               aborted by a timer's deadline → back to pass 1
//! ```
//!
//! A select never completes against itself: it polls only in pass 1, before any of
//! its waiters is linked, and a peer that claims one waiter of the select wins the
//! whole Context, so the select's other waiters are dead to every later claimer.
//!
//! The phases are separate functions over a [`Cases`] collection so that other
//! drivers (the dynamic [`Select`](crate::Select) builder, and a future async wait
//! whose Context wakes a task instead of a thread) reuse them; [`run`] is the
//! blocking driver.

use super::handle::{Held, SelectHandle};
use super::rng;
use super::spare;
use crate::park::{Block, Context};
use std::fmt;
use std::time::Instant;

/// A collection of select cases, indexed by case number (source order).
pub(crate) trait Cases {
    /// How many cases.
    fn count(&self) -> usize;
    /// Case `i`. Must return the same case, at the same address, for the whole select.
    fn case(&self, i: usize) -> &dyn SelectHandle;
    /// Whether every case is known to be active ([`SelectHandle::is_active`]) without
    /// asking each; `false` says only that the cases must be asked.
    #[inline]
    fn all_active(&self) -> bool {
        false
    }
}

/// How many cases a select handles without allocating its orders.
const INLINE: usize = 16;

/// Scratch memory for a plan: on the stack for small selects.
pub(crate) struct Scratch {
    poll: [u32; INLINE],
    lock: [(usize, u32); INLINE],
    heap_poll: Vec<u32>,
    heap_lock: Vec<(usize, u32)>,
}

impl Scratch {
    /// Keeps the heap orders for the thread's next large select (the blocking driver
    /// calls it; elsewhere they are simply freed).
    #[cold]
    #[inline(never)]
    fn give_back(&mut self) {
        spare::give_orders((
            std::mem::take(&mut self.heap_poll),
            std::mem::take(&mut self.heap_lock),
        ));
    }

    pub(crate) fn new() -> Self {
        Scratch {
            poll: [0; INLINE],
            lock: [(0, 0); INLINE],
            heap_poll: Vec::new(),
            heap_lock: Vec::new(),
        }
    }
}

/// The order in which a select polls its cases and locks its channels.
pub(crate) struct Plan<'s> {
    /// Active cases (not nil, not `never`), in poll order.
    poll: &'s [u32],
    /// `(lock-order key, case)` for every case with a channel, sorted by key (the
    /// channel's address; a creation number under loom): lock each distinct key
    /// once, in this order.
    lock: &'s [(usize, u32)],
}

/// Computes the poll order and lock order of `cases` (for the async wait, which
/// registers at once; the blocking driver computes them one at a time).
#[cfg_attr(not(feature = "async"), allow(dead_code))]
pub(crate) fn plan<'s, C: Cases + ?Sized>(cases: &C, biased: bool, s: &'s mut Scratch) -> Plan<'s> {
    let (poll, lock) = split(cases.count(), s);
    let np = poll_order(cases, biased, poll);
    let poll = &poll[..np];
    let nl = lock_order(cases, poll, lock);
    Plan {
        poll,
        lock: &lock[..nl],
    }
}

/// The scratch arrays for `n` cases: inline for small selects.
fn split(n: usize, s: &mut Scratch) -> (&mut [u32], &mut [(usize, u32)]) {
    assert!(u32::try_from(n).is_ok(), "gosync: too many select cases");
    if n <= INLINE {
        (&mut s.poll[..n], &mut s.lock[..n])
    } else {
        if s.heap_lock.capacity() == 0 {
            // The thread's last heap orders, if any (kept by `Scratch`'s drop).
            (s.heap_poll, s.heap_lock) = spare::take_orders();
        }
        s.heap_poll.resize(n, 0);
        s.heap_lock.resize(n, (0, 0));
        (&mut s.heap_poll[..], &mut s.heap_lock[..])
    }
}

/// Fills `poll` with the active cases (not nil, not `never`) in poll order; returns
/// how many.
fn poll_order<C: Cases + ?Sized>(cases: &C, biased: bool, poll: &mut [u32]) -> usize {
    let n = active_cases(cases, poll);
    shuffle_until(&mut poll[..n], biased, |_| false);
    n
}

/// Fills `lock` with `(lock-order key, case)` for the polled cases that have a
/// channel, sorted by key; returns how many.
fn lock_order<C: Cases + ?Sized>(cases: &C, poll: &[u32], lock: &mut [(usize, u32)]) -> usize {
    let mut nl = 0usize;
    for &i in poll {
        if let Some(key) = cases.case(i as usize).lock_key() {
            lock[nl] = (key, i);
            nl += 1;
        }
    }
    lock[..nl].sort_unstable();
    nl
}

/// The locks of a select's distinct channels, held (from [`lock_all`]). Its
/// [`held`](LockSet::held) proof is what the passes hand to the cases. Dropping it
/// releases every lock, in reverse lock order — also when a panic unwinds through a
/// pass — and then wakes the peers the cases completed.
pub(crate) struct LockSet<'a, C: Cases + ?Sized> {
    cases: &'a C,
    /// `(lock-order key, case)`, sorted by key: one lock per distinct key.
    lock: &'a [(usize, u32)],
    /// Dropped after `Drop::drop` released the locks: wakes the completed peers.
    held: Held<'a>,
}

impl<C: Cases + ?Sized> fmt::Debug for LockSet<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockSet")
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl<'a, C: Cases + ?Sized> LockSet<'a, C> {
    /// The proof that the locks are held, for the passes.
    #[inline]
    pub(crate) fn held(&mut self) -> &mut Held<'a> {
        &mut self.held
    }
}

impl<C: Cases + ?Sized> Drop for LockSet<'_, C> {
    #[inline]
    fn drop(&mut self) {
        let mut last = None;
        for &(key, i) in self.lock.iter().rev() {
            if last != Some(key) {
                // SAFETY: `lock_all` took this lock, and no view of it is alive: views
                // borrow `held`, which is not borrowed while we are dropped.
                unsafe { self.cases.case(i as usize).unlock() };
                last = Some(key);
            }
        }
    }
}

/// Locks every distinct channel, in lock-order key order (a global order, which keeps
/// two selects over the same channels from deadlocking).
pub(crate) fn lock_all<'a, C: Cases + ?Sized>(cases: &'a C, plan: &Plan<'a>) -> LockSet<'a, C> {
    let mut last = None;
    for &(key, i) in plan.lock {
        if last != Some(key) {
            cases.case(i as usize).lock();
            last = Some(key);
        }
    }
    LockSet {
        cases,
        lock: plan.lock,
        // SAFETY: every channel of `plan.lock` was locked just above, each through
        // the case that reported its key, and stays locked until the set drops.
        held: unsafe { Held::new(plan.lock) },
    }
}

/// Pass 1: completes the first ready case in poll order and returns it; a peer it
/// completed is woken when the locks are released. No case is registered.
pub(crate) fn poll<C: Cases + ?Sized>(
    cases: &C,
    plan: &Plan<'_>,
    held: &mut Held<'_>,
) -> Option<usize> {
    plan.poll
        .iter()
        .map(|&i| i as usize)
        .find(|&i| cases.case(i).try_complete(held))
}

/// The earliest instant at which a case becomes ready by itself (a timer).
pub(crate) fn next_timer<C: Cases + ?Sized>(cases: &C, plan: &Plan<'_>) -> Option<Instant> {
    plan.poll
        .iter()
        .filter_map(|&i| cases.case(i as usize).ready_at())
        .min()
}

/// Pass 2: links one waiter per case, all pointing at `ctx`.
///
/// # Safety
/// Pass 1 just found no case ready under this same hold of the locks. The cases do
/// not move and `ctx` lives until [`finish`] returns.
pub(crate) unsafe fn register<C: Cases + ?Sized>(
    cases: &C,
    plan: &Plan<'_>,
    held: &mut Held<'_>,
    ctx: &Context,
) {
    for &i in plan.poll {
        // SAFETY: forwarded contract.
        unsafe { cases.case(i as usize).register(held, ctx, i as usize) };
    }
}

/// Pass 3: unlinks every waiter a peer did not unlink. [`register`] ran.
pub(crate) fn unregister<C: Cases + ?Sized>(cases: &C, plan: &Plan<'_>, held: &mut Held<'_>) {
    for &i in plan.poll {
        cases.case(i as usize).unregister(held);
    }
}

/// After pass 3 (unlocked): the chosen case collects its outcome, the others take
/// their send values back; every waiter is dropped.
///
/// # Safety
/// [`unregister`] ran, under the locks, after the context became final.
pub(crate) unsafe fn finish<C: Cases + ?Sized>(cases: &C, plan: &Plan<'_>) {
    for &i in plan.poll {
        // SAFETY: forwarded contract.
        unsafe { cases.case(i as usize).finish() };
    }
}

/// Runs a select to completion on the current thread: blocks as `block` says.
/// Returns the chosen case (its outcome is stored in it), or `None` if nothing was
/// ready (`Block::No`) or the deadline passed.
pub(crate) fn run<C: Cases + ?Sized>(cases: &C, block: Block, biased: bool) -> Option<usize> {
    if block == Block::No {
        if let Some(i) = sole_active(cases) {
            // `select! { case => …, default => … }`: the channel's non-blocking path,
            // which answers an empty or full channel without its lock.
            // SAFETY: no lock is held and nothing is registered.
            return unsafe { cases.case(i).try_alone() }.then_some(i);
        }
    }
    let mut scratch = Scratch::new();
    let chosen = run_with(cases, block, biased, &mut scratch);
    if scratch.heap_lock.capacity() != 0 {
        scratch.give_back();
    }
    chosen
}

/// [`run`] past its single-case shortcut, with its orders in `scratch`.
#[inline]
fn run_with<C: Cases + ?Sized>(
    cases: &C,
    block: Block,
    biased: bool,
    scratch: &mut Scratch,
) -> Option<usize> {
    let (order, lock) = split(cases.count(), scratch);
    let np = active_cases(cases, order);
    let order = &mut order[..np];
    // Pass 0 shuffles the poll order as it goes, and stops at the first ready case:
    // a ready select draws only as many random numbers as it polls cases. The lock
    // order is sorted only if pass 0 fails. A biased select tries only its first
    // case alone (`pass0_len`).
    let pass0 = &mut order[..pass0_len(np, biased)];
    // SAFETY: no lock is held and nothing is registered.
    if let Some(i) = unsafe { shuffle_and_try_each(cases, pass0, biased) } {
        return Some(i);
    }
    if biased && np >= 2 {
        // SAFETY: no lock is held and nothing is registered.
        if let Some(i) = unsafe { try_second(cases, order[0], order[1]) } {
            return Some(i);
        }
    }
    let order = &*order;
    let nl = lock_order(cases, order, lock);
    let plan = Plan {
        poll: order,
        lock: &lock[..nl],
    };
    loop {
        let mut locks = lock_all(cases, &plan);
        if let Some(i) = poll(cases, &plan, locks.held()) {
            return Some(i);
        }
        let give_up = match block {
            Block::No => None,
            Block::Forever => Some(None),
            // The clock, not `facade::expired`: under loom the deadline is modelled by
            // the Context's wait, which may abort at any point.
            Block::Until(t) if Instant::now() < t => Some(Some(t)),
            Block::Until(_) => None,
        };
        let deadline = give_up?;
        if let Some(i) = park(cases, &plan, locks, deadline) {
            return Some(i);
        }
        if deadline.is_some_and(crate::facade::expired) {
            return None;
        }
        // A timer came due (or the wait for it ended early): poll again, pass 0 first.
        // SAFETY: no lock is held and nothing is registered.
        if let Some(i) = unsafe { try_each(cases, &plan.poll[..pass0_len(np, biased)]) } {
            return Some(i);
        }
    }
}

/// Fills `order` with the active cases (not nil, not `never`) in source order;
/// returns how many.
#[inline]
fn active_cases<C: Cases + ?Sized>(cases: &C, order: &mut [u32]) -> usize {
    if cases.all_active() {
        for (k, slot) in order.iter_mut().enumerate() {
            *slot = k as u32;
        }
        return order.len();
    }
    let mut n = 0usize;
    for i in 0..cases.count() {
        if cases.case(i).is_active() {
            order[n] = i as u32;
            n += 1;
        }
    }
    n
}

/// A forward Fisher–Yates shuffle of `order` (none if `biased`) that hands each case
/// to `stop` as soon as it takes its place, and stops at the first one `stop` accepts,
/// returning it. The cases handed over so far are a uniformly random prefix of a
/// uniformly random permutation, so the first accepted is uniform among those `stop`
/// would accept; if none is, `order` ends a whole uniform permutation. Each ready case
/// is then equally likely to be polled first wherever it sits in the source.
#[inline]
fn shuffle_until(
    order: &mut [u32],
    biased: bool,
    mut stop: impl FnMut(usize) -> bool,
) -> Option<usize> {
    let n = order.len();
    let mut draws = rng::Draws::new();
    for k in 0..n {
        if !biased && n - k > 1 {
            let j = k + draws.below((n - k) as u32) as usize;
            order.swap(k, j);
        }
        let i = order[k] as usize;
        if stop(i) {
            return Some(i);
        }
    }
    None
}

/// How many cases, of `active` in poll order, pass 0 may try one at a time.
///
/// All of them for a fair select: any ready case it finds is a correct choice, since
/// the poll order is random. Only the first for a biased one, which must choose the
/// first case in source order of those ready *at one instant*: pass 0 looks at each
/// case at a different instant, so an earlier case seen empty may be ready by the
/// time a later one is found ready (a producer that sends on `hi` and then on `lo`
/// would be seen out of order). Nothing precedes the first case, so it alone may be
/// taken without the other locks; for the rest only pass 1, under every lock, sees
/// all the cases at one instant.
#[inline]
fn pass0_len(active: usize, biased: bool) -> usize {
    if biased {
        active.min(1)
    } else {
        active
    }
}

/// Biased pass 0, after the first case was found not ready alone: the second case
/// under its own channel's lock, chosen only if the first is seen idle (lock-free,
/// [`SelectHandle::surely_idle`]) while that lock is held. The second case cannot
/// change while its lock is held, so at the instant of that load the first case was
/// not ready and the second was: choosing the second is choosing the first ready case
/// at one instant, without the other locks. A producer that sends on the first
/// channel and then on the second is seen in that order: taking the second's lock
/// after its send makes the first's earlier send visible to the load.
///
/// Only the second case: for a third, the first two would be seen idle by two loads
/// at two instants, and each may have been ready at the other's (one filled between
/// the loads, the other drained): no single instant would have them both idle.
/// Those selects take every lock (pass 1).
///
/// # Safety
/// No channel lock is held and no case is registered.
#[cold]
unsafe fn try_second<C: Cases + ?Sized>(cases: &C, first: u32, second: u32) -> Option<usize> {
    let case = cases.case(second as usize);
    // A timer (no lock), or a case that looks idle itself: the locked passes decide.
    let key = case.lock_key()?;
    if case.surely_idle() {
        return None;
    }
    let lock = [(key, second)];
    let mut locks = lock_all(
        cases,
        &Plan {
            poll: &[],
            lock: &lock,
        },
    );
    if !cases.case(first as usize).surely_idle() {
        return None;
    }
    case.try_complete(locks.held()).then_some(second as usize)
}

/// Pass 0 while building the poll order: [`try_each`] over the shuffle as it is made,
/// so a ready select draws only as many random numbers as it polls cases. If none is
/// ready, `order` is the poll order of the later passes.
///
/// # Safety
/// As [`try_each`].
#[inline]
unsafe fn shuffle_and_try_each<C: Cases + ?Sized>(
    cases: &C,
    order: &mut [u32],
    biased: bool,
) -> Option<usize> {
    // SAFETY: forwarded contract.
    shuffle_until(order, biased, |i| unsafe { cases.case(i).try_alone() })
}

/// Pass 0, before taking every lock: each case in poll order on its own, through its
/// channel's non-blocking path (which answers "empty" or "full" without the lock and
/// otherwise locks that one channel). A ready select then costs one channel's lock
/// instead of all of them; the first case found ready is still uniformly random among
/// the ready ones, as the poll order is. Pass 1 under every lock remains the answer
/// for "nothing is ready".
///
/// # Safety
/// No channel lock is held and no case is registered.
#[inline]
unsafe fn try_each<C: Cases + ?Sized>(cases: &C, poll: &[u32]) -> Option<usize> {
    for &i in poll {
        // SAFETY: forwarded contract.
        if unsafe { cases.case(i as usize).try_alone() } {
            return Some(i as usize);
        }
    }
    None
}

/// The only active case, if exactly one is.
#[inline]
fn sole_active<C: Cases + ?Sized>(cases: &C) -> Option<usize> {
    if cases.all_active() {
        return (cases.count() == 1).then_some(0);
    }
    let mut found = None;
    for i in 0..cases.count() {
        if cases.case(i).is_active() {
            if found.is_some() {
                return None;
            }
            found = Some(i);
        }
    }
    found
}

/// Passes 2 and 3 around one wait, from the locks that pass 1 held (released here);
/// returns the case a peer completed, or `None` if the wait ended first.
#[cold]
fn park<'a, C: Cases + ?Sized>(
    cases: &'a C,
    plan: &Plan<'a>,
    mut locks: LockSet<'a, C>,
    deadline: Option<Instant>,
) -> Option<usize> {
    let wake_at = match (deadline, next_timer(cases, plan)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let keys = |i| cases.case(i).lock_key();
    let _rec =
        crate::park::record::blocking(crate::park::record::What::select(cases.count(), &keys));
    let ctx = Context::new();
    // SAFETY: pass 1 found nothing ready under this hold; the cases are borrowed for
    // this whole call (they cannot move) and `ctx` outlives `finish` below.
    unsafe { register(cases, plan, locks.held(), &ctx) };
    drop(locks);
    // A final state: `Operation` or `Closed` of the case a peer completed, or
    // `Aborted` (`wake_at` passed before any peer claimed the select).
    let chosen = ctx.wait(wake_at).case();
    let mut locks = lock_all(cases, plan);
    unregister(cases, plan, locks.held());
    drop(locks);
    // SAFETY: `ctx` was final before pass 3, which unlinked every waiter under its
    // channel's lock; after the unlock no peer can reach a waiter of ours, so `finish`
    // may take them apart.
    unsafe { finish(cases, plan) };
    chosen
}
