//! `pool_ops`: scripts of `get` (kept as a guard, or taken with `into_inner`), `put`,
//! guard drops, `clear` and pool drops on a [`Pool`], unbounded or with a `max_idle`
//! of 0..=8, on one thread against an exact model.
//!
//! On one thread the pool is exact although it promises no order: a `get` returns an
//! idle value (some one of them) whenever there is one, else a new one from the
//! constructor; a `put` keeps the value while fewer than `max_idle` are idle, else
//! drops it (`Pool::new` keeps everything); `clear` and dropping the pool drop every
//! idle value. Values are tracked, so the model sees each of these drops.

use super::encode::Enc;
use super::tracked::{self, Tracked, Val};
use arbitrary::{Arbitrary, Unstructured};
use gosync::{Pool, Pooled};
use std::collections::BTreeSet;

/// Guard slots.
const GUARDS: usize = 4;

/// The pool's idle bound.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Bound {
    /// `Pool::new`: keeps whatever is put.
    Unbounded,
    /// `Pool::with_max_idle(n % 9)`.
    Max(u8),
}

impl Bound {
    fn get(self) -> Option<usize> {
        match self {
            Bound::Unbounded => None,
            Bound::Max(n) => Some(usize::from(n) % 9),
        }
    }
}

/// One step; slot and index arguments are taken modulo what exists.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum PoolOp {
    /// `get` into guard slot `i` (a guard already there is dropped first: put back).
    Get(u8),
    /// `Pooled::into_inner(pool.get())`: the script keeps the value.
    GetKeep,
    /// `put` back the `i`-th kept value.
    PutKept(u8),
    /// `put` a value the pool never made.
    PutNew,
    /// Drops guard slot `i` (puts its value back).
    DropGuard(u8),
    /// Drops the `i`-th kept value.
    DropKept(u8),
    /// `clear`.
    Clear,
    /// Reads every guard through `Deref` / `DerefMut`, formats the pool.
    Inspect,
    /// Drops the guards and the pool (with its idle values), then makes a new pool.
    Restart(Bound),
}

/// A decoded script.
#[derive(Arbitrary, Debug)]
pub(crate) struct Script {
    /// The first pool's bound.
    pub(crate) bound: Bound,
    /// The steps.
    pub(crate) ops: Vec<PoolOp>,
}

/// Decodes `data` and runs it; undecodable input is ignored.
pub(crate) fn run_bytes(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        run(&script);
    }
}

/// The model of one pool's life, and the script's kept values.
struct Model {
    max_idle: Option<usize>,
    /// Ids of the idle values (the pool chooses which one a `get` returns).
    idle: BTreeSet<u64>,
    /// Value drops expected so far.
    drops: u64,
}

impl Model {
    /// A value came back from `get`: an idle one if any was idle, else a new one.
    fn got(&mut self, id: u64, created_before: u64) {
        if self.idle.is_empty() {
            assert_eq!(
                (id, tracked::created()),
                (created_before + 1, created_before + 1),
                "get on an empty pool must make one new value"
            );
        } else {
            assert!(
                self.idle.remove(&id),
                "get returned {id}, not one of the idle {:?}",
                self.idle
            );
            assert_eq!(tracked::created(), created_before, "get made a value");
        }
    }

    /// A value `id` was offered back: kept while there is room, else dropped now.
    fn put(&mut self, id: u64) {
        if self.max_idle.map_or(true, |m| self.idle.len() < m) {
            assert!(
                !tracked::is_dropped(id),
                "put dropped {id} though there was room"
            );
            self.idle.insert(id);
        } else {
            assert!(tracked::is_dropped(id), "put kept {id} beyond max_idle");
            self.drops += 1;
        }
    }

    /// Every idle value was dropped (by `clear` or with the pool).
    fn all_idle_dropped(&mut self) {
        for &id in &self.idle {
            assert!(tracked::is_dropped(id), "idle value {id} not dropped");
        }
        self.drops += self.idle.len() as u64;
        self.idle.clear();
    }
}

/// Runs one pool's life: `ops` up to (not including) the next `Restart`. Returns the
/// index of that `Restart`, if any.
fn one_pool(
    bound: Bound,
    ops: &[PoolOp],
    kept: &mut Vec<Tracked>,
    drops: &mut u64,
) -> Option<usize> {
    let pool = match bound.get() {
        Some(m) => Pool::with_max_idle(m, Tracked::make),
        None => Pool::new(Tracked::make),
    };
    let mut m = Model {
        max_idle: bound.get(),
        idle: BTreeSet::new(),
        drops: *drops,
    };
    let mut guards: Vec<Option<Pooled<'_, Tracked>>> = (0..GUARDS).map(|_| None).collect();
    let mut restart = None;
    for (n, &op) in ops.iter().enumerate() {
        match op {
            PoolOp::Get(i) => {
                let slot = usize::from(i) % GUARDS;
                if let Some(g) = guards[slot].take() {
                    let id = g.id();
                    drop(g);
                    m.put(id);
                }
                let before = tracked::created();
                let g = pool.get();
                m.got(g.id(), before);
                guards[slot] = Some(g);
            }
            PoolOp::GetKeep => {
                let before = tracked::created();
                let v = Pooled::into_inner(pool.get());
                m.got(v.id(), before);
                kept.push(v);
            }
            PoolOp::PutKept(i) => {
                if !kept.is_empty() {
                    let v = kept.swap_remove(usize::from(i) % kept.len());
                    let id = v.id();
                    pool.put(v);
                    m.put(id);
                }
            }
            PoolOp::PutNew => {
                let v = Tracked::make();
                let id = v.id();
                pool.put(v);
                m.put(id);
            }
            PoolOp::DropGuard(i) => {
                if let Some(g) = guards[usize::from(i) % GUARDS].take() {
                    let id = g.id();
                    drop(g);
                    m.put(id);
                }
            }
            PoolOp::DropKept(i) => {
                if !kept.is_empty() {
                    drop(kept.swap_remove(usize::from(i) % kept.len()));
                    m.drops += 1;
                }
            }
            PoolOp::Clear => {
                pool.clear();
                m.all_idle_dropped();
            }
            PoolOp::Inspect => {
                for g in guards.iter_mut().flatten() {
                    let id = g.id();
                    let v: &mut Tracked = g;
                    assert_eq!(v.id(), id, "DerefMut reaches another value");
                    assert!(!tracked::is_dropped(id), "a guard's value was dropped");
                }
                assert!(format!("{pool:?}").starts_with("Pool"));
            }
            PoolOp::Restart(_) => {
                restart = Some(n);
                break;
            }
        }
        if let Some(max) = m.max_idle {
            assert!(m.idle.len() <= max, "more than max_idle values idle");
        }
        assert_eq!(tracked::drops(), m.drops, "op {n} ({op:?}): drops differ");
    }
    // The guards go back into the pool, then the pool goes with its idle values.
    for g in guards.iter_mut() {
        if let Some(g) = g.take() {
            let id = g.id();
            drop(g);
            m.put(id);
        }
    }
    drop(guards);
    drop(pool);
    m.all_idle_dropped();
    assert_eq!(
        tracked::drops(),
        m.drops,
        "drops differ after the pool went"
    );
    *drops = m.drops;
    restart
}

/// Runs `script`, panicking on the first disagreement with the model.
pub(crate) fn run(script: &Script) {
    tracked::reset();
    let mut kept = Vec::new();
    let mut drops = 0;
    let mut bound = script.bound;
    let mut ops = &script.ops[..];
    while let Some(r) = one_pool(bound, ops, &mut kept, &mut drops) {
        if let PoolOp::Restart(b) = ops[r] {
            bound = b;
        }
        ops = &ops[r + 1..];
    }
    drops += kept.len() as u64;
    drop(kept);
    assert_eq!(tracked::drops(), drops, "drops differ at the end");
    assert_eq!(tracked::drops(), tracked::created(), "a value was leaked");
}

// ----- seeds: encoding and the named scripts -----

impl Bound {
    fn encode(self, e: &mut Enc) {
        match self {
            Bound::Unbounded => e.variant(0, 2),
            Bound::Max(n) => {
                e.variant(1, 2);
                e.u8(n);
            }
        }
    }
}

impl Script {
    /// The bytes that decode to this script.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut e = Enc::default();
        self.bound.encode(&mut e);
        e.seq(&self.ops, |e, &op| {
            let (index, arg) = match op {
                PoolOp::Get(i) => (0, Some(i)),
                PoolOp::GetKeep => (1, None),
                PoolOp::PutKept(i) => (2, Some(i)),
                PoolOp::PutNew => (3, None),
                PoolOp::DropGuard(i) => (4, Some(i)),
                PoolOp::DropKept(i) => (5, Some(i)),
                PoolOp::Clear => (6, None),
                PoolOp::Inspect => (7, None),
                PoolOp::Restart(b) => {
                    e.variant(8, 9);
                    b.encode(e);
                    return;
                }
            };
            e.variant(index, 9);
            if let Some(i) = arg {
                e.u8(i);
            }
        });
        e.0
    }
}

/// Hand-written seeds.
pub(crate) fn seeds() -> Vec<(&'static str, Script)> {
    use PoolOp::*;
    let s = |bound, ops: &[PoolOp]| Script {
        bound,
        ops: ops.to_vec(),
    };
    vec![
        (
            "reuse_on_one_thread",
            s(
                Bound::Unbounded,
                &[
                    Get(0),
                    DropGuard(0),
                    Get(1),
                    Inspect,
                    Get(2),
                    DropGuard(1),
                    Get(0),
                    Clear,
                    Get(3),
                ],
            ),
        ),
        (
            "max_idle_drops_the_excess",
            s(
                Bound::Max(3),
                &[
                    Get(0),
                    Get(1),
                    Get(2),
                    Get(3),
                    PutNew,
                    DropGuard(0),
                    DropGuard(1),
                    DropGuard(2),
                    DropGuard(3),
                    PutNew,
                    Get(0),
                    Inspect,
                ],
            ),
        ),
        (
            "max_idle_zero_keeps_nothing",
            s(
                Bound::Max(0),
                &[Get(0), DropGuard(0), PutNew, Get(0), GetKeep, PutKept(0)],
            ),
        ),
        (
            "into_inner_and_put_back",
            s(
                Bound::Max(8),
                &[
                    GetKeep,
                    GetKeep,
                    GetKeep,
                    PutKept(1),
                    Get(0),
                    PutKept(0),
                    DropKept(0),
                    Clear,
                    PutNew,
                    PutNew,
                ],
            ),
        ),
        (
            "pool_dropped_with_idle_and_guards",
            s(
                Bound::Max(5),
                &[
                    PutNew,
                    PutNew,
                    Get(0),
                    Get(1),
                    Restart(Bound::Unbounded),
                    PutNew,
                    Get(2),
                    Restart(Bound::Max(1)),
                    PutNew,
                    PutNew,
                ],
            ),
        ),
    ]
}
