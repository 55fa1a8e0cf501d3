//! Loom models of the sync primitives: every interleaving (up to the preemption
//! bound) of small 2–3-thread programs. Run with
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom"
//! cargo test --release --test loom_sync`.
//!
//! Under loom a timed wait may time out at any point (`facade::expired` is always
//! true), and a lock waiter that is woken and loses the race counts as starving, so
//! the models also go through `wait_timeout` cancellation and the mutex's
//! starvation hand-off.

#![cfg(gosync_loom)]

use gosync::{Cond, Mutex, Once, OnceValue, Pool, RwMutex, WaitGroup};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Runs a model with a preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    // Yield-spinning (the bucket lock under loom, `try_read` polling) makes long
    // paths at higher preemption bounds.
    builder.max_branches = builder.max_branches.max(20_000);
    builder.check(f);
}

/// Silences the default panic hook while `f` runs (models that panic on purpose
/// would print once per explored interleaving).
fn quietly(f: impl FnOnce()) {
    let hook = std::panic::take_hook();
    if std::env::var_os("LOOM_LOUD").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    f();
    std::panic::set_hook(hook);
}

#[test]
fn mutex_mutual_exclusion() {
    model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock() += 1);
        *m.lock() += 1;
        t.join().unwrap();
        assert_eq!(*m.lock(), 2);
    });
}

/// One thread relocks right after unlocking while another waits: the waiter is
/// woken, may lose to the relock, re-queues at the front as starving, and is then
/// handed the lock directly.
#[test]
fn mutex_handoff() {
    model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock() += 1);
        for _ in 0..2 {
            *m.lock() += 1;
        }
        t.join().unwrap();
        assert_eq!(*m.lock(), 3);
    });
}

#[test]
fn mutex_try_lock() {
    model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || *m2.lock() += 1);
        if let Some(mut g) = m.try_lock() {
            *g += 10;
        }
        t.join().unwrap();
        let v = *m.lock();
        assert!(v == 1 || v == 11);
    });
}

#[test]
fn rwmutex_readers_and_writer() {
    model(|| {
        let rw = Arc::new(RwMutex::new(0));
        let rw2 = rw.clone();
        let w = thread::spawn(move || *rw2.write() += 1);
        let v = *rw.read();
        assert!(v == 0 || v == 1);
        w.join().unwrap();
        assert_eq!(*rw.read(), 1);
    });
}

/// A reader inside, a writer waiting: new readers are held back, and a reader that
/// arrives now runs after the writer. (No polling loop: loom explores the
/// interleavings where the writer already waits when `try_read` looks.)
#[test]
fn rwmutex_writer_preference() {
    model(|| {
        let rw = Arc::new(RwMutex::new(0));
        let first = rw.read();
        let rw_w = rw.clone();
        let writer = thread::spawn(move || *rw_w.write() = 1);
        let late = match rw.try_read() {
            Some(r) => {
                drop(r); // the writer does not wait yet
                None
            }
            None => {
                // The writer has claimed the lock and waits for `first`.
                let rw_r = rw.clone();
                Some(thread::spawn(move || *rw_r.read()))
            }
        };
        drop(first);
        writer.join().unwrap();
        if let Some(late) = late {
            assert_eq!(late.join().unwrap(), 1, "the late reader went first");
        }
        assert_eq!(*rw.read(), 1);
    });
}

#[test]
fn cond_signal_no_lost_wakeup() {
    model(|| {
        let pair = Arc::new((Mutex::new(false), Cond::new()));
        let p2 = pair.clone();
        let t = thread::spawn(move || {
            *p2.0.lock() = true;
            p2.1.signal(); // after unlocking
        });
        let mut g = pair.0.lock();
        while !*g {
            g = pair.1.wait(g);
        }
        drop(g);
        t.join().unwrap();
    });
}

#[test]
fn cond_signal_under_lock_no_spurious_return() {
    model(|| {
        let pair = Arc::new((Mutex::new((false, false)), Cond::new())); // (waiting, set)
        let p2 = pair.clone();
        let waiter = thread::spawn(move || {
            let mut g = p2.0.lock();
            g.0 = true;
            let g = p2.1.wait(g); // once: no loop
            assert!(g.1, "returned without a signal");
        });
        loop {
            let mut g = pair.0.lock();
            if g.0 {
                g.1 = true;
                pair.1.signal(); // with the lock held
                break;
            }
            drop(g);
            thread::yield_now();
        }
        waiter.join().unwrap();
    });
}

#[test]
fn cond_broadcast_wakes_all() {
    model(|| {
        let pair = Arc::new((Mutex::new(false), Cond::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let p = pair.clone();
                thread::spawn(move || drop(p.1.wait_while(p.0.lock(), |ready| !*ready)))
            })
            .collect();
        *pair.0.lock() = true;
        pair.1.broadcast();
        for w in waiters {
            w.join().unwrap();
        }
    });
}

#[test]
fn cond_wait_timeout_vs_signal() {
    model(|| {
        let pair = Arc::new((Mutex::new(false), Cond::new()));
        let p2 = pair.clone();
        let t = thread::spawn(move || {
            *p2.0.lock() = true;
            p2.1.signal();
        });
        let g = pair.0.lock();
        if !*g {
            let (g, timed_out) = pair.1.wait_timeout(g, Duration::from_secs(1));
            // Not timed out means a signal chose us, and it came after the flag.
            assert!(timed_out || *g);
        }
        t.join().unwrap();
        assert_eq!(format!("{:?}", pair.1), "Cond { waiters: 0 }");
    });
}

#[test]
fn waitgroup_wait_vs_last_done() {
    model(|| {
        let wg = Arc::new(WaitGroup::new());
        let work = Arc::new(AtomicUsize::new(0));
        wg.add(2);
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (wg, work) = (wg.clone(), work.clone());
                thread::spawn(move || {
                    // Relaxed: only `done`/`wait` order this before the check.
                    work.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                })
            })
            .collect();
        wg.wait();
        assert_eq!(work.load(Ordering::Relaxed), 2);
        for t in ts {
            t.join().unwrap();
        }
    });
}

#[test]
fn waitgroup_wait_timeout() {
    model(|| {
        let wg = Arc::new(WaitGroup::new());
        let work = Arc::new(AtomicUsize::new(0));
        wg.add(1);
        let (wg2, work2) = (wg.clone(), work.clone());
        let t = thread::spawn(move || {
            work2.store(1, Ordering::Relaxed);
            wg2.done();
        });
        if wg.wait_timeout(Duration::from_secs(1)) {
            assert_eq!(work.load(Ordering::Relaxed), 1);
        }
        t.join().unwrap();
        wg.wait();
        assert_eq!(format!("{:?}", *wg), "WaitGroup { count: 0, waiters: 0 }");
    });
}

#[test]
fn once_racing_callers() {
    model(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let (o2, r2) = (once.clone(), runs.clone());
        let t = thread::spawn(move || {
            o2.call_once(|| {
                r2.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(r2.load(Ordering::Relaxed), 1);
        });
        once.call_once(|| {
            runs.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        t.join().unwrap();
    });
}

#[test]
fn once_racing_callers_with_panicking_f() {
    quietly(|| {
        model(|| {
            let once = Arc::new(Once::new());
            // (runs of the panicking f, runs of the plain f)
            let runs = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
            let (o2, r2) = (once.clone(), runs.clone());
            let t = thread::spawn(move || {
                let r = catch_unwind(AssertUnwindSafe(|| {
                    o2.call_once(|| {
                        r2.0.fetch_add(1, Ordering::Relaxed);
                        panic!("f failed");
                    })
                }));
                assert!(o2.is_completed(), "a panicking f completes the Once");
                r.is_err()
            });
            once.call_once(|| {
                runs.1.fetch_add(1, Ordering::Relaxed);
            });
            assert!(once.is_completed());
            let panicked = t.join().unwrap();
            let (bad, good) = (
                runs.0.load(Ordering::Relaxed),
                runs.1.load(Ordering::Relaxed),
            );
            assert_eq!(bad + good, 1, "exactly one f ran");
            assert_eq!(
                panicked,
                bad == 1,
                "the panic reached the caller that ran f"
            );
        });
    });
}

#[test]
fn once_value_racing_get() {
    model(|| {
        let v = Arc::new(OnceValue::new(|| vec![1u8, 2]));
        let v2 = v.clone();
        let t = thread::spawn(move || v2.len());
        assert_eq!(v.get()[1], 2);
        assert_eq!(t.join().unwrap(), 2);
    });
}

/// Counts made and dropped values of a pool.
struct Counted(Arc<(AtomicUsize, AtomicUsize)>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0 .1.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn pool_get_put_across_threads() {
    model(|| {
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let c = counts.clone();
        let pool = Arc::new(Pool::with_max_idle(1, move || {
            c.0.fetch_add(1, Ordering::SeqCst);
            Counted(c.clone())
        }));
        let p2 = pool.clone();
        let t = thread::spawn(move || drop(p2.get()));
        drop(pool.get());
        t.join().unwrap();
        let idle = counts.0.load(Ordering::SeqCst) - counts.1.load(Ordering::SeqCst);
        assert!(idle <= 1, "{idle} idle values, bound 1");
        drop(pool.get()); // reuses the idle value, if any
        pool.clear();
        assert_eq!(
            counts.0.load(Ordering::SeqCst),
            counts.1.load(Ordering::SeqCst)
        );
    });
}

#[test]
fn pool_unbounded_put_get() {
    model(|| {
        let pool = Arc::new(Pool::new(|| 0u32));
        let p2 = pool.clone();
        let t = thread::spawn(move || p2.put(7));
        let v = gosync::Pooled::into_inner(pool.get());
        assert!(v == 0 || v == 7);
        t.join().unwrap();
    });
}

/// `clear` racing a `put` and a `get` / drop on other threads (Y15): a value is
/// never lost or dropped twice — whatever `clear` misses stays idle (at most
/// `max_idle`), and a second `clear` drops it.
#[test]
fn pool_clear_races_put() {
    model(|| {
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let c = counts.clone();
        let pool = Arc::new(Pool::with_max_idle(2, move || {
            c.0.fetch_add(1, Ordering::SeqCst);
            Counted(c.clone())
        }));
        let made = counts.clone();
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            made.0.fetch_add(1, Ordering::SeqCst);
            p2.put(Counted(made.clone()));
        });
        pool.clear();
        t.join().unwrap();
        let idle = counts.0.load(Ordering::SeqCst) - counts.1.load(Ordering::SeqCst);
        assert!(idle <= 1, "{idle} idle values after one put");
        pool.clear();
        assert_eq!(
            counts.0.load(Ordering::SeqCst),
            counts.1.load(Ordering::SeqCst),
            "clear dropped every idle value"
        );
    });
}

/// `clear` racing a thread that takes a value and gives it back (Y15): the value
/// taken is not cleared under its holder, and is idle or dropped afterwards.
#[test]
fn pool_clear_races_get_and_return() {
    model(|| {
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let c = counts.clone();
        let pool = Arc::new(Pool::new(move || {
            c.0.fetch_add(1, Ordering::SeqCst);
            Counted(c.clone())
        }));
        drop(pool.get()); // one idle value
        let p2 = pool.clone();
        let t = thread::spawn(move || drop(p2.get()));
        pool.clear();
        t.join().unwrap();
        let made = counts.0.load(Ordering::SeqCst);
        assert!(made <= 2);
        drop(pool);
        assert_eq!(made, counts.1.load(Ordering::SeqCst));
    });
}
