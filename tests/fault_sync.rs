//! Fault injection on the sync primitives: user code that panics inside gosync's reach
//! (a `Pool`'s `new`, a `Once` body, a thread holding a guard or a `Pooled` value, a
//! `Cond` or `WaitGroup` peer). gosync has no poisoning (Go's semantics): every test
//! checks that the primitive is released by the unwinding, stays usable, that no
//! waiter stays parked (every thread joins, a final lock / wait succeeds), and — with
//! drop counters — that nothing is leaked or dropped twice.
//!
//! Deterministic: threads wait on observable states (counters, channels), never on
//! sleeps. Counts shrink under Miri.

#![allow(clippy::disallowed_types)]

use gosync::{chan, Cond, Mutex, Once, OnceValue, Pool, Pooled, RwMutex, WaitGroup};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

mod fault_common;
use fault_common::*;

// ---------------------------------------------------------------------------------
// Pool

#[test]
fn pool_new_panicking_while_others_get_and_put() {
    // `new` panics on every third call. Four threads get, hold and drop (or keep, or
    // put back) values concurrently; a `get` whose `new` panics gets the panic and
    // holds nothing. The pool stays usable; every value made is dropped exactly once
    // (held, idle in a shard or the overflow, or dropped past `max_idle`).
    quiet_injected_panics();
    for max_idle in [None, Some(2)] {
        let threads = 4;
        let rounds = scaled(300, 12);
        let cap = threads * rounds + 8;
        let drops = counters(cap);
        let calls = Arc::new(AtomicUsize::new(0));
        let made = Arc::new(AtomicUsize::new(0));
        let new = {
            let (drops, calls, made) = (drops.clone(), calls.clone(), made.clone());
            move || {
                if calls.fetch_add(1, Ordering::SeqCst) % 3 == 2 {
                    panic!("injected: Pool::new fails");
                }
                val(&drops, made.fetch_add(1, Ordering::SeqCst))
            }
        };
        let pool = match max_idle {
            None => Pool::new(new),
            Some(m) => Pool::with_max_idle(m, new),
        };
        let failed = AtomicUsize::new(0);
        let kept = Mutex::new(Vec::new());
        thread::scope(|s| {
            for t in 0..threads {
                let (pool, failed, kept) = (&pool, &failed, &kept);
                s.spawn(move || {
                    for r in 0..rounds {
                        match panic::catch_unwind(AssertUnwindSafe(|| pool.get())) {
                            Ok(v) => match (t + r) % 4 {
                                0 => kept.lock().push(Pooled::into_inner(v)),
                                1 => pool.put(Pooled::into_inner(v)),
                                _ => drop(v),
                            },
                            Err(p) => {
                                assert!(message(&*p).starts_with("injected"));
                                failed.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                });
            }
        });
        let made_n = made.load(Ordering::SeqCst);
        assert!(made_n <= cap);
        assert!(failed.load(Ordering::SeqCst) > 0, "no `new` panicked");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            made_n + failed.load(Ordering::SeqCst),
            "every failed get is one panicking `new` call"
        );
        // Still usable: a get after the panics works (reused or new; `new` panics
        // on every third call, so at most two more tries).
        let got =
            (0..3).any(|_| panic::catch_unwind(AssertUnwindSafe(|| drop(pool.get()))).is_ok());
        assert!(got, "the pool is unusable after a panicking `new`");
        let kept = kept.into_inner();
        let live = kept.len();
        let made_n = made.load(Ordering::SeqCst);
        // What is neither kept nor dropped is idle in the pool.
        let idle = made_n - live - dropped(&drops, made_n);
        if let Some(m) = max_idle {
            assert!(idle <= m, "{idle} idle values, bound {m}");
        }
        drop(pool);
        assert_eq!(
            dropped(&drops, made_n),
            made_n - live,
            "the pool's drop dropped every idle value once"
        );
        drop(kept);
        assert_each_dropped_once(&drops, made_n);
    }
}

#[test]
fn pooled_value_goes_back_when_its_thread_panics() {
    // A thread panics while holding a `Pooled`: its drop during unwinding puts the
    // value back into the pool (the documented behaviour of a `Pooled` drop), once.
    quiet_injected_panics();
    let drops = counters(8);
    let made = Arc::new(AtomicUsize::new(0));
    let pool = {
        let (drops, made) = (drops.clone(), made.clone());
        Pool::with_max_idle(1, move || val(&drops, made.fetch_add(1, Ordering::SeqCst)))
    };
    thread::scope(|s| {
        let h = s.spawn(|| {
            let v = pool.get();
            assert_eq!(v.id, 0);
            panic!("injected: panic while holding a Pooled");
        });
        expect_injected(|| h.join().map_err(panic::resume_unwind));
    });
    assert_eq!(made.load(Ordering::SeqCst), 1);
    assert_eq!(dropped(&drops, 1), 0, "the value went back, not dropped");
    // The same value comes back (the only idle one), on this thread or another.
    let v = thread::scope(|s| s.spawn(|| Pooled::into_inner(pool.get())).join().unwrap());
    assert_eq!(v.id, 0);
    assert_eq!(made.load(Ordering::SeqCst), 1, "no new value was made");
    // Two threads panic holding a value each; the bound keeps one, drops the other.
    pool.put(v);
    let barrier = std::sync::Barrier::new(2);
    thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let _v = pool.get();
                    barrier.wait();
                    panic!("injected: two holders panic");
                })
            })
            .collect();
        for h in hs {
            expect_injected(|| h.join().map_err(panic::resume_unwind));
        }
    });
    let made_n = made.load(Ordering::SeqCst);
    assert_eq!(made_n, 2);
    assert_eq!(
        dropped(&drops, made_n),
        1,
        "max_idle 1: one kept, one dropped"
    );
    drop(pool);
    assert_each_dropped_once(&drops, made_n);
}

// ---------------------------------------------------------------------------------
// Once

#[test]
fn once_body_panicking_under_contention_completes_the_once() {
    // Several threads enter `call_once` together; the body panics after the others
    // have arrived (so they wait on it). Go's semantics, as documented: the panic
    // reaches only the caller that ran the body, the `Once` counts as done (no
    // poisoning, no retry), and every waiter returns without running anything.
    quiet_injected_panics();
    let threads = 4;
    for _ in 0..scaled(50, 2) {
        let once = Once::new();
        let runs = AtomicUsize::new(0);
        let arrived = AtomicUsize::new(0);
        let outcomes: Vec<bool> = thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        arrived.fetch_add(1, Ordering::SeqCst);
                        panic::catch_unwind(AssertUnwindSafe(|| {
                            once.call_once(|| {
                                runs.fetch_add(1, Ordering::SeqCst);
                                wait_for(|| arrived.load(Ordering::SeqCst) == threads);
                                panic!("injected: Once body fails");
                            })
                        }))
                        .is_err()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1, "exactly one body ran");
        assert_eq!(
            outcomes.iter().filter(|&&p| p).count(),
            1,
            "only the runner saw the panic: {outcomes:?}"
        );
        assert!(once.is_completed(), "a panicking body completes the Once");
        once.call_once(|| unreachable!("a completed Once runs nothing"));
    }
}

#[test]
fn once_value_initializer_panicking_under_contention() {
    // OnceValue: the initializer panics while others wait for it; every caller, then
    // and later, panics with the original message (Go's `OnceValue` re-panics), and
    // the initializer ran once.
    quiet_injected_panics();
    let threads = 4;
    for _ in 0..scaled(30, 2) {
        let runs = AtomicUsize::new(0);
        let arrived = AtomicUsize::new(0);
        let value = OnceValue::new(|| -> usize {
            runs.fetch_add(1, Ordering::SeqCst);
            wait_for(|| arrived.load(Ordering::SeqCst) == threads);
            panic!("injected: OnceValue initializer fails")
        });
        thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    expect_injected(|| *value.get());
                });
            }
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        expect_injected(|| *value.get());
        assert_eq!(format!("{value:?}"), "OnceValue(<panicked>)");
    }
}

// ---------------------------------------------------------------------------------
// Mutex and RwMutex

#[test]
fn thread_panicking_with_a_mutex_guard_releases_the_lock() {
    // The holder panics after replacing the data (the old value dropped once); the
    // threads blocked in `lock` proceed (no poisoning) and see what it wrote.
    quiet_injected_panics();
    let waiters = 3;
    for _ in 0..scaled(40, 2) {
        let drops = counters(1 + waiters + 1);
        let m = Mutex::new(vec![val(&drops, 0)]);
        let locking = AtomicUsize::new(0);
        let (tx, rx) = chan::bounded::<()>(0);
        thread::scope(|s| {
            let holder = s.spawn(|| {
                let mut g = m.lock();
                tx.send(()).unwrap(); // the lock is held
                wait_for(|| locking.load(Ordering::SeqCst) == waiters);
                // Replace the data, then fail: the old value is dropped here, once.
                *g = vec![val(&drops, waiters + 1)];
                panic!("injected: panic holding a MutexGuard");
            });
            rx.recv().unwrap();
            for i in 0..waiters {
                let (m, locking, drops) = (&m, &locking, &drops);
                s.spawn(move || {
                    locking.fetch_add(1, Ordering::SeqCst);
                    m.lock().push(val(drops, 1 + i));
                });
            }
            expect_injected(|| holder.join().map_err(panic::resume_unwind));
        });
        assert_eq!(
            dropped(&drops, drops.len()),
            1,
            "only the replaced value went"
        );
        let data = m.into_inner();
        assert_eq!(data.len(), 1 + waiters);
        assert_eq!(
            data[0].id,
            waiters + 1,
            "the panicking writer's data is kept"
        );
        drop(data);
        assert_each_dropped_once(&drops, drops.len());
    }
}

#[test]
fn thread_panicking_with_rwmutex_guards_releases_them() {
    // A reader panics while a writer waits for it, and a writer panics while readers
    // and a writer wait: each guard is released by the unwinding, the waiters
    // proceed, and the data is dropped once.
    quiet_injected_panics();
    for _ in 0..scaled(40, 2) {
        let drops = counters(3);
        let rw = RwMutex::new(val(&drops, 0));
        let arrived = AtomicUsize::new(0);
        // A panicking reader; a writer replaces the value after it.
        let (tx, rx) = chan::bounded::<()>(0);
        thread::scope(|s| {
            let reader = s.spawn(|| {
                let g = rw.read();
                tx.send(()).unwrap();
                wait_for(|| arrived.load(Ordering::SeqCst) == 1);
                assert_eq!(g.id, 0);
                panic!("injected: panic holding a read guard");
            });
            rx.recv().unwrap();
            s.spawn(|| {
                arrived.fetch_add(1, Ordering::SeqCst);
                *rw.write() = val(&drops, 1);
            });
            expect_injected(|| reader.join().map_err(panic::resume_unwind));
        });
        assert_eq!(dropped(&drops, 3), 1);
        assert_eq!(rw.read().id, 1);
        // A panicking writer, with two readers and a writer queued behind it.
        arrived.store(0, Ordering::SeqCst);
        let seen = Mutex::new(Vec::new());
        let (tx, rx) = chan::bounded::<()>(0);
        thread::scope(|s| {
            let writer = s.spawn(|| {
                let mut g = rw.write();
                tx.send(()).unwrap();
                wait_for(|| arrived.load(Ordering::SeqCst) == 3);
                *g = val(&drops, 2); // value 1 dropped here
                panic!("injected: panic holding a write guard");
            });
            rx.recv().unwrap();
            for _ in 0..2 {
                s.spawn(|| {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    seen.lock().push(rw.read().id);
                });
            }
            s.spawn(|| {
                arrived.fetch_add(1, Ordering::SeqCst);
                seen.lock().push(rw.write().id + 100);
            });
            expect_injected(|| writer.join().map_err(panic::resume_unwind));
        });
        let mut seen = seen.into_inner();
        seen.sort_unstable();
        assert_eq!(
            seen,
            [2, 2, 102],
            "everyone saw the panicking writer's value"
        );
        assert!(rw.try_write().is_some(), "nothing is left locked");
        assert_eq!(dropped(&drops, 3), 2);
        drop(rw);
        assert_each_dropped_once(&drops, 3);
    }
}

// ---------------------------------------------------------------------------------
// Cond and WaitGroup

#[test]
fn cond_condition_panicking_in_wait_while_releases_the_mutex() {
    // Threads wait in `wait_while`; a broadcast wakes them all; one's condition
    // panics (after relocking). Its guard is released by the unwinding, so the
    // others relock and return, and later waits and signals work.
    quiet_injected_panics();
    let threads = 3;
    for _ in 0..scaled(30, 2) {
        let state = Mutex::new(0usize);
        let cond = Cond::new();
        let entered = AtomicUsize::new(0);
        thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|i| {
                    let (state, cond, entered) = (&state, &cond, &entered);
                    s.spawn(move || {
                        let g = state.lock();
                        entered.fetch_add(1, Ordering::SeqCst);
                        let g = cond.wait_while(g, |n| {
                            if *n == 1 && i == 0 {
                                panic!("injected: wait_while condition fails");
                            }
                            *n == 0
                        });
                        *g
                    })
                })
                .collect();
            // Everyone has checked the condition under the lock and is waiting (or
            // about to: the lock is released only once it is queued).
            wait_for(|| entered.load(Ordering::SeqCst) == threads);
            *state.lock() = 1;
            cond.broadcast();
            let mut hs = hs.into_iter();
            expect_injected(|| hs.next().unwrap().join().map_err(panic::resume_unwind));
            for h in hs {
                assert_eq!(h.join().unwrap(), 1);
            }
        });
        assert!(state.try_lock().is_some(), "the mutex is free");
        assert_eq!(format!("{cond:?}"), "Cond { waiters: 0 }");
    }
}

#[test]
fn cond_waiter_woken_by_a_peer_panicking_after_its_update() {
    // The peer sets the condition and panics before its own `signal`; Go code would
    // `defer cond.Signal()`: a drop guard does it during unwinding. The waiter wakes
    // once the panicking thread's guard and signal have both run.
    quiet_injected_panics();
    struct SignalOnDrop<'a>(&'a Cond);
    impl Drop for SignalOnDrop<'_> {
        fn drop(&mut self) {
            self.0.signal();
        }
    }
    for _ in 0..scaled(50, 2) {
        let ready = Mutex::new(false);
        let cond = Cond::new();
        thread::scope(|s| {
            let mut g = ready.lock();
            let peer = s.spawn(|| {
                let _signal = SignalOnDrop(&cond);
                *ready.lock() = true;
                panic!("injected: peer fails after its update");
            });
            while !*g {
                g = cond.wait(g);
            }
            drop(g);
            expect_injected(|| peer.join().map_err(panic::resume_unwind));
        });
        assert_eq!(format!("{cond:?}"), "Cond { waiters: 0 }");
    }
}

#[test]
fn waitgroup_task_panicking_between_add_and_done() {
    // A task panics between `add` and `done`; `done` runs from a drop guard (Go's
    // `defer wg.Done()`), as `WaitGroup::go` does for its own tasks. The waiter is
    // released once every task is done, panicked or not, and the group is reusable.
    quiet_injected_panics();
    struct DoneOnDrop<'a>(&'a WaitGroup);
    impl Drop for DoneOnDrop<'_> {
        fn drop(&mut self) {
            self.0.done();
        }
    }
    let tasks = 4;
    for _ in 0..scaled(30, 2) {
        let wg = WaitGroup::new();
        let finished = AtomicUsize::new(0);
        thread::scope(|s| {
            let mut hs = Vec::new();
            for i in 0..tasks {
                wg.add(1);
                let (wg, finished) = (&wg, &finished);
                hs.push(s.spawn(move || {
                    let _done = DoneOnDrop(wg);
                    if i % 2 == 0 {
                        panic!("injected: task {i} fails");
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                }));
            }
            // `wg.go`: done also when `f` panics.
            hs.push(wg.go(s, || panic!("injected: go task fails")));
            let waiter = s.spawn(|| wg.wait());
            wg.wait();
            waiter.join().unwrap();
            for (i, h) in hs.into_iter().enumerate() {
                let r = h.join();
                assert_eq!(r.is_err(), i % 2 == 0 || i == tasks, "task {i}");
            }
        });
        assert_eq!(finished.load(Ordering::SeqCst), tasks / 2);
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
        wg.add(1);
        wg.done();
        wg.wait();
    }
}

#[test]
fn waitgroup_misuse_panic_leaves_waiters_consistent() {
    // A task calls `add(-2)` on a counter of 1 while a waiter is parked: `add` panics
    // ("negative WaitGroup counter") after undoing its change, so the counter is
    // still 1 and the waiter still waits; the real `done` releases it.
    quiet_injected_panics();
    for _ in 0..scaled(50, 2) {
        let wg = WaitGroup::new();
        wg.add(1);
        let released = AtomicBool::new(false);
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                wg.wait();
                released.store(true, Ordering::SeqCst);
            });
            // Wait until the waiter is registered (the Debug output shows it).
            wait_for(|| format!("{wg:?}") == "WaitGroup { count: 1, waiters: 1 }");
            let p = panic::catch_unwind(AssertUnwindSafe(|| wg.add(-2))).unwrap_err();
            assert!(message(&*p).contains("negative WaitGroup counter"));
            assert_eq!(format!("{wg:?}"), "WaitGroup { count: 1, waiters: 1 }");
            assert!(!released.load(Ordering::SeqCst));
            wg.done();
            waiter.join().unwrap();
        });
        assert!(released.load(Ordering::SeqCst));
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 0, waiters: 0 }");
    }
}

// ---------------------------------------------------------------------------------
// Pool and Mutex values whose own Drop panics

/// A value whose drop panics once counted (for `clear`).
struct Bomb {
    inner: Val,
    armed: bool,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.armed && !thread::panicking() {
            panic!("injected: idle value {} panics in drop", self.inner.id);
        }
    }
}

#[test]
fn pool_clear_with_an_idle_value_panicking_in_drop() {
    // `clear` drops idle values; one panics. The panic reaches the caller; every
    // other idle value is dropped by `clear` or by the pool's drop, each once.
    quiet_injected_panics();
    let n = 6;
    let drops = counters(n);
    let pool = Pool::new(|| unreachable!("never makes values"));
    for i in 0..n {
        pool.put(Bomb {
            inner: val(&drops, i),
            armed: i == 2,
        });
    }
    expect_injected(|| pool.clear());
    // The pool is still usable.
    let extra = counters(1);
    pool.put(Bomb {
        inner: val(&extra, 0),
        armed: false,
    });
    assert_eq!(pool.get().inner.id, 0);
    drop(pool);
    assert_each_dropped_once(&extra, 1);
    assert_each_dropped_once(&drops, n);
}
