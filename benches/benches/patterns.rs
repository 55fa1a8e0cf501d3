//! The patterns layer against what users would otherwise pick: `semaphore::Weighted`
//! vs tokio's `Semaphore` (async) and a `Mutex` + `Condvar` counting semaphore
//! (threads); `singleflight::Group` vs a `Mutex<HashMap>` of `OnceValue`s.
//!
//! Run: `cargo bench -p gosync-benches --bench patterns -- --warm-up-time 1 --measurement-time 2`
//! and compare contenders within one run (ratios, never absolute times: the machine
//! is shared).

#![allow(clippy::disallowed_types)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gosync_benches::parallel;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// The classic counting semaphore on std's `Mutex` + `Condvar` (not FIFO).
struct CondvarSemaphore {
    free: Mutex<u64>,
    cv: Condvar,
}

impl CondvarSemaphore {
    fn new(n: u64) -> Self {
        CondvarSemaphore {
            free: Mutex::new(n),
            cv: Condvar::new(),
        }
    }
    fn acquire(&self, n: u64) {
        let mut free = self.free.lock().unwrap();
        while *free < n {
            free = self.cv.wait(free).unwrap();
        }
        *free -= n;
    }
    fn release(&self, n: u64) {
        *self.free.lock().unwrap() += n;
        self.cv.notify_all();
    }
}

/// Uncontended acquire + release of one permit, on one thread.
fn semaphore_uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore_uncontended");
    let sem = gosync::semaphore::Weighted::new(4);
    g.bench_function("gosync_acquire", |b| {
        b.iter(|| {
            sem.acquire(black_box(1));
            sem.release(black_box(1));
        })
    });
    g.bench_function("gosync_try_acquire", |b| {
        b.iter(|| {
            assert!(sem.try_acquire(black_box(1)));
            sem.release(black_box(1));
        })
    });
    let tsem = tokio::sync::Semaphore::new(4);
    g.bench_function("tokio_try_acquire", |b| {
        b.iter(|| drop(black_box(tsem.try_acquire().unwrap())))
    });
    let cv = CondvarSemaphore::new(4);
    g.bench_function("mutex_condvar", |b| {
        b.iter(|| {
            cv.acquire(black_box(1));
            cv.release(black_box(1));
        })
    });
    // The async forms, polled on a current-thread runtime (the loop inside one
    // `block_on`, so the runtime's entry is not measured).
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    g.bench_function("gosync_acquire_async", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    sem.acquire_async(black_box(1)).await;
                    sem.release(1);
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("tokio_acquire_async", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    drop(black_box(tsem.acquire().await.unwrap()));
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

/// Threads contending for a semaphore of 1 permit (a lock) or 2 of 8 threads.
fn semaphore_contended_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore_contended_threads");
    for (shape, threads, size) in [("2_threads_1_permit", 2, 1), ("8_threads_2_permits", 8, 2)] {
        let sem = gosync::semaphore::Weighted::new(size);
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        sem.acquire(1);
                        black_box(());
                        sem.release(1);
                    }
                })
            })
        });
        let cv = CondvarSemaphore::new(size);
        g.bench_function(BenchmarkId::new("mutex_condvar", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for _ in 0..k {
                        cv.acquire(1);
                        black_box(());
                        cv.release(1);
                    }
                })
            })
        });
    }
    g.finish();
}

/// Tasks on a 2-worker runtime contending for 2 permits.
fn semaphore_contended_async(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore_contended_async");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    const TASKS: u64 = 8;
    let sem = Arc::new(gosync::semaphore::Weighted::new(2));
    g.bench_function("gosync_8_tasks_2_permits", |b| {
        b.iter_custom(|n| {
            let per = n.div_ceil(TASKS);
            rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..per {
                                sem.acquire_async(1).await;
                                tokio::task::yield_now().await;
                                sem.release(1);
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    let tsem = Arc::new(tokio::sync::Semaphore::new(2));
    g.bench_function("tokio_8_tasks_2_permits", |b| {
        b.iter_custom(|n| {
            let per = n.div_ceil(TASKS);
            rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let tsem = tsem.clone();
                        tokio::spawn(async move {
                            for _ in 0..per {
                                let p = tsem.acquire().await.unwrap();
                                tokio::task::yield_now().await;
                                drop(p);
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    g.finish();
}

type Lazy = gosync::OnceValue<u64, Box<dyn FnOnce() -> u64 + Send>>;

/// Singleflight with a `Mutex<HashMap>` of `OnceValue`s: join the key's entry or
/// insert one, compute (once) outside the lock, and take the entry out when done so
/// that the next call computes anew (as singleflight does).
#[derive(Default)]
struct OnceMap {
    calls: Mutex<HashMap<u64, Arc<Lazy>>>,
}

impl OnceMap {
    fn do_call(&self, key: u64, f: impl FnOnce() -> u64 + Send + 'static) -> u64 {
        let entry = self
            .calls
            .lock()
            .unwrap()
            .entry(key)
            .or_insert_with(|| Arc::new(gosync::OnceValue::new(Box::new(f) as Box<_>)))
            .clone();
        let v = *entry.get();
        let mut calls = self.calls.lock().unwrap();
        if calls.get(&key).is_some_and(|e| Arc::ptr_eq(e, &entry)) {
            calls.remove(&key);
        }
        v
    }
}

/// A little work standing for the call's cost.
fn compute(x: u64) -> u64 {
    let mut v = x;
    for _ in 0..16 {
        v = black_box(v.wrapping_mul(31).wrapping_add(7));
    }
    v
}

fn singleflight(c: &mut Criterion) {
    let mut g = c.benchmark_group("singleflight");
    for (shape, threads) in [("uncontended", 1), ("8_threads_one_key", 8)] {
        let group = gosync::singleflight::Group::<u64, u64>::new();
        g.bench_function(BenchmarkId::new("gosync", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for i in 0..k {
                        black_box(group.do_call(1, || compute(i)));
                    }
                })
            })
        });
        let map = OnceMap::default();
        g.bench_function(BenchmarkId::new("mutex_hashmap_oncevalue", shape), |b| {
            b.iter_custom(|n| {
                parallel(threads, n, |k| {
                    for i in 0..k {
                        black_box(map.do_call(1, move || compute(i)));
                    }
                })
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    semaphore_uncontended,
    semaphore_contended_threads,
    semaphore_contended_async,
    singleflight
);
criterion_main!(benches);
