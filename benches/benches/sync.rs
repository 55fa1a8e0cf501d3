//! gosync's sync primitives against their std / parking_lot / crossbeam-utils
//! counterparts, on Go's `sync` benchmark shapes: uncontended (one thread),
//! contended (2 threads, one per core here) and oversubscribed (8 threads).
//!
//! Run: `cargo bench -p gosync-benches --bench sync -- --warm-up-time 1 --measurement-time 2`
//! and compare contenders within one run (ratios, never absolute times: the machine
//! is shared).

#![allow(clippy::disallowed_types)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gosync_benches::parallel;
use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const CONTENDED: usize = 2;
const OVERSUBSCRIBED: usize = 8;

/// The three shapes, by name and thread count.
const SHAPES: [(&str, usize); 3] = [
    ("uncontended", 1),
    ("contended", CONTENDED),
    ("oversubscribed", OVERSUBSCRIBED),
];

/// A little work inside a critical section (Go's `BenchmarkMutexWork` idea).
#[inline]
fn work(x: &mut u64) {
    for _ in 0..4 {
        *x = black_box(x.wrapping_mul(31).wrapping_add(7));
    }
}

fn mutex(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex");
    for (shape, threads) in SHAPES {
        let m = gosync::Mutex::new(0u64);
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        work(&mut m.lock());
                    }
                })
            })
        });
        let m = std::sync::Mutex::new(0u64);
        g.bench_function(BenchmarkId::new("std", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        work(&mut m.lock().unwrap());
                    }
                })
            })
        });
        let m = parking_lot::Mutex::new(0u64);
        g.bench_function(BenchmarkId::new("parking_lot", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        work(&mut m.lock());
                    }
                })
            })
        });
    }
    g.finish();
}

/// Readers with one write in 16 operations (Go's `BenchmarkRWMutexWrite100`-ish).
fn rwmutex(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwmutex");
    for (shape, threads) in SHAPES {
        let m = gosync::RwMutex::new(0u64);
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for i in 0..k {
                        if i % 16 == 0 {
                            work(&mut m.write());
                        } else {
                            black_box(*m.read());
                        }
                    }
                })
            })
        });
        let m = std::sync::RwLock::new(0u64);
        g.bench_function(BenchmarkId::new("std", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for i in 0..k {
                        if i % 16 == 0 {
                            work(&mut m.write().unwrap());
                        } else {
                            black_box(*m.read().unwrap());
                        }
                    }
                })
            })
        });
        let m = parking_lot::RwLock::new(0u64);
        g.bench_function(BenchmarkId::new("parking_lot", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for i in 0..k {
                        if i % 16 == 0 {
                            work(&mut m.write());
                        } else {
                            black_box(*m.read());
                        }
                    }
                })
            })
        });
    }
    g.finish();
}

/// Go's `BenchmarkWaitGroupUncontended` (each thread its own group: add, done,
/// wait) and `BenchmarkWaitGroupAddDone` (one shared group).
fn waitgroup(c: &mut Criterion) {
    let mut g = c.benchmark_group("waitgroup");
    for (shape, threads) in SHAPES {
        g.bench_function(BenchmarkId::new("gosync/own", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    let wg = gosync::WaitGroup::new();
                    for _ in 0..k {
                        wg.add(1);
                        wg.done();
                        wg.wait();
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("crossbeam/own", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        let wg = crossbeam_utils::sync::WaitGroup::new();
                        drop(wg.clone());
                        wg.wait();
                    }
                })
            })
        });
        let wg = gosync::WaitGroup::new();
        g.bench_function(BenchmarkId::new("gosync/shared", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        wg.add(1);
                        wg.done();
                    }
                })
            })
        });
        let wg = crossbeam_utils::sync::WaitGroup::new();
        g.bench_function(BenchmarkId::new("crossbeam/shared", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        drop(wg.clone());
                    }
                })
            })
        });
    }
    g.finish();
}

/// Go's `BenchmarkCond1`/`Cond2`…: `threads` threads pass a turn around a ring under
/// one mutex, each waiting for its turn and broadcasting when done (every
/// operation is a wake-up); uncontended: `signal` with nobody waiting.
fn cond(c: &mut Criterion) {
    let mut g = c.benchmark_group("cond");
    {
        let cv = gosync::Cond::new();
        g.bench_function("gosync/signal_no_waiters", |b| b.iter(|| cv.signal()));
        let cv = std::sync::Condvar::new();
        g.bench_function("std/signal_no_waiters", |b| b.iter(|| cv.notify_one()));
        let cv = parking_lot::Condvar::new();
        g.bench_function("parking_lot/signal_no_waiters", |b| {
            b.iter(|| cv.notify_one())
        });
    }
    for (shape, threads) in [("contended", CONTENDED), ("oversubscribed", 4)] {
        g.bench_function(BenchmarkId::new("gosync/ring", shape), |b| {
            b.iter_custom(|n| {
                let turn = gosync::Mutex::new(0u64);
                let cv = gosync::Cond::new();
                ring(threads, n, |me, total| {
                    let mut t = turn.lock();
                    loop {
                        if *t >= total {
                            return false;
                        }
                        if *t % threads as u64 == me {
                            *t += 1;
                            cv.broadcast();
                            return true;
                        }
                        t = cv.wait(t);
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("std/ring", shape), |b| {
            b.iter_custom(|n| {
                let turn = std::sync::Mutex::new(0u64);
                let cv = std::sync::Condvar::new();
                ring(threads, n, |me, total| {
                    let mut t = turn.lock().unwrap();
                    loop {
                        if *t >= total {
                            return false;
                        }
                        if *t % threads as u64 == me {
                            *t += 1;
                            cv.notify_all();
                            return true;
                        }
                        t = cv.wait(t).unwrap();
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("parking_lot/ring", shape), |b| {
            b.iter_custom(|n| {
                let turn = parking_lot::Mutex::new(0u64);
                let cv = parking_lot::Condvar::new();
                ring(threads, n, |me, total| {
                    let mut t = turn.lock();
                    loop {
                        if *t >= total {
                            return false;
                        }
                        if *t % threads as u64 == me {
                            *t += 1;
                            cv.notify_all();
                            return true;
                        }
                        cv.wait(&mut t);
                    }
                })
            })
        });
    }
    g.finish();
}

/// Runs `step(me, total)` on `threads` threads until each returns false; `total`
/// turns in all. Returns the wall time.
fn ring(threads: usize, total: u64, step: impl Fn(u64, u64) -> bool + Sync) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for me in 0..threads as u64 {
            let step = &step;
            s.spawn(move || while step(me, total) {});
        }
    });
    start.elapsed()
}

/// Go's `BenchmarkOnce`: the fast path once done; plus `OnceValue` vs `OnceLock`.
fn once(c: &mut Criterion) {
    let mut g = c.benchmark_group("once");
    for (shape, threads) in [("uncontended", 1), ("contended", CONTENDED)] {
        let o = gosync::Once::new();
        o.call_once(|| {});
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        o.call_once(|| {});
                    }
                })
            })
        });
        let o = std::sync::Once::new();
        o.call_once(|| {});
        g.bench_function(BenchmarkId::new("std", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        o.call_once(|| {});
                    }
                })
            })
        });
        let o = parking_lot::Once::new();
        o.call_once(|| {});
        g.bench_function(BenchmarkId::new("parking_lot", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        o.call_once(|| {});
                    }
                })
            })
        });
    }
    let v = gosync::OnceValue::new(|| 42u64);
    g.bench_function("gosync/once_value_get", |b| b.iter(|| *black_box(&v).get()));
    let l = std::sync::OnceLock::new();
    g.bench_function("std/once_lock_get_or_init", |b| {
        b.iter(|| *black_box(&l).get_or_init(|| 42u64))
    });
    g.finish();
}

/// Go's `BenchmarkPool`: get, use, put back, from every thread. The counterparts are
/// a `Mutex<Vec<_>>` free list (std and parking_lot mutexes) and plain allocation.
fn pool(c: &mut Criterion) {
    type Buf = Vec<u8>;
    fn make() -> Buf {
        Vec::with_capacity(256)
    }
    let mut g = c.benchmark_group("pool");
    for (shape, threads) in SHAPES {
        let p = gosync::Pool::new(make);
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        let mut v = p.get();
                        v.push(1);
                        v.clear();
                    }
                })
            })
        });
        let p = Arc::new(parking_lot::Mutex::new(Vec::<Buf>::new()));
        g.bench_function(BenchmarkId::new("parking_lot_mutex_vec", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        let mut v = p.lock().pop().unwrap_or_else(make);
                        v.push(1);
                        v.clear();
                        p.lock().push(v);
                    }
                })
            })
        });
        let p = std::sync::Mutex::new(Vec::<Buf>::new());
        g.bench_function(BenchmarkId::new("std_mutex_vec", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        let mut v = p.lock().unwrap().pop().unwrap_or_else(make);
                        v.push(1);
                        v.clear();
                        p.lock().unwrap().push(v);
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("alloc", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        let mut v = black_box(make());
                        v.push(1);
                        black_box(&v);
                    }
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, mutex, rwmutex, waitgroup, cond, once, pool);
criterion_main!(benches);
