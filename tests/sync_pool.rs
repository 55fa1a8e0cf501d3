//! `gosync::Pool`: reuse, guards, the idle bound, `clear`, drops.

#![allow(clippy::disallowed_types)]

use gosync::{Pool, Pooled};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

assert_impl_all!(Pool<Vec<u8>>: Send, Sync);
assert_impl_all!(Pool<Cell<u8>>: Send, Sync); // values move, never shared
assert_not_impl_any!(Pool<Rc<u8>>: Send, Sync);

/// Counts values made and dropped.
#[derive(Default)]
struct Counts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    fn idle(&self) -> usize {
        self.made.load(Ordering::SeqCst) - self.dropped.load(Ordering::SeqCst)
    }
}

struct Counted(Arc<Counts>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted_pool(max_idle: Option<usize>) -> (Pool<Counted>, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    let new = move || {
        c.made.fetch_add(1, Ordering::SeqCst);
        Counted(c.clone())
    };
    let pool = match max_idle {
        Some(m) => Pool::with_max_idle(m, new),
        None => Pool::new(new),
    };
    (pool, counts)
}

#[test]
fn get_drop_get_reuses_on_one_thread() {
    let (pool, counts) = counted_pool(None);
    for _ in 0..10 {
        drop(pool.get());
    }
    assert_eq!(counts.made.load(Ordering::SeqCst), 1);
}

#[test]
fn into_inner_keeps_the_value() {
    let (pool, counts) = counted_pool(None);
    let v = Pooled::into_inner(pool.get());
    drop(pool.get()); // a second value: the first is not in the pool
    assert_eq!(counts.made.load(Ordering::SeqCst), 2);
    drop(v);
    assert_eq!(counts.dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn deref_mut_changes_stick() {
    let pool = Pool::new(Vec::<u8>::new);
    pool.get().push(1);
    assert_eq!(*pool.get(), [1]);
}

#[test]
fn value_put_on_one_thread_is_found_on_another() {
    let (pool, counts) = counted_pool(None);
    let pool = Arc::new(pool);
    let p = pool.clone();
    thread::spawn(move || drop(p.get())).join().unwrap();
    drop(pool.get()); // stolen from the other thread's shard
    assert_eq!(counts.made.load(Ordering::SeqCst), 1);
}

#[test]
fn max_idle_bound_is_never_exceeded() {
    for max_idle in [0, 1, 2, 3, 5, 100] {
        let (pool, counts) = counted_pool(Some(max_idle));
        let held: Vec<_> = (0..max_idle + 10).map(|_| pool.get()).collect();
        drop(held);
        assert_eq!(counts.idle(), max_idle, "bound {max_idle}");
        drop(pool);
        assert_eq!(counts.idle(), 0);
    }
}

#[test]
fn max_idle_bound_under_concurrency() {
    let (pool, counts) = counted_pool(Some(3));
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..if cfg!(miri) { 10 } else { 2_000 } {
                    let held: Vec<_> = (0..i % 4 + 1).map(|_| pool.get()).collect();
                    drop(held);
                }
            });
        }
    });
    assert!(counts.idle() <= 3, "{} idle", counts.idle());
}

#[test]
fn clear_reaches_every_thread_and_drop_releases_all() {
    let (pool, counts) = counted_pool(None);
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let held: Vec<_> = (0..5).map(|_| pool.get()).collect();
                drop(held);
            });
        }
    });
    assert!(counts.idle() > 0);
    pool.clear();
    assert_eq!(counts.idle(), 0, "clear missed a shard or the overflow");
    for _ in 0..4 {
        pool.put(Counted(counts.clone()));
    }
    drop(pool);
    assert_eq!(
        counts.dropped.load(Ordering::SeqCst),
        counts.made.load(Ordering::SeqCst) + 4
    );
}

#[test]
fn debug() {
    let pool = Pool::with_max_idle(0, || 1u8);
    assert_eq!(
        format!("{pool:?}"),
        "Pool { max_idle: Some(0), shards: 0, .. }"
    );
    assert_eq!(format!("{:?}", pool.get()), "1");
}
