//! Go's `sync` package tests, ported to OS threads: one module per Go test file
//! (`src/sync/*_test.go`). Goroutines become threads, Go channels become gosync
//! channels. Sizes are scaled down for a 2-core machine (and further under Miri);
//! each port names the Go test it comes from and says what changed.

#![allow(clippy::disallowed_types)]

use gosync::chan;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Scales an iteration count down under Miri.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 50).max(2)
    } else {
        n
    }
}

/// A watchdog bound for liveness checks (never a timing assertion: only a hang
/// trips it).
const WATCHDOG: Duration = Duration::from_secs(10);

mod cond_test {
    use super::*;
    use gosync::{Cond, Mutex};

    /// TestCondSignal: each signal wakes exactly one sleeping waiter.
    #[test]
    fn cond_signal() {
        let m = Arc::new(Mutex::new(()));
        let c = Arc::new(Cond::new());
        let n = 2;
        let (running_tx, running) = chan::bounded::<()>(n);
        let (awake_tx, awake) = chan::bounded::<()>(n);
        let mut handles = Vec::new();
        for _ in 0..n {
            let (m, c, running_tx, awake_tx) =
                (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
            handles.push(thread::spawn(move || {
                let g = m.lock();
                running_tx.send(()).unwrap();
                let g = c.wait(g);
                awake_tx.send(()).unwrap();
                drop(g);
            }));
        }
        for _ in 0..n {
            running.recv().unwrap(); // wait for everyone to run
        }
        for _ in 0..n {
            assert!(awake.try_recv().is_err(), "goroutine not asleep");
            let g = m.lock();
            c.signal();
            drop(g);
            awake.recv_timeout(WATCHDOG).expect("no waiter woke up");
            assert!(awake.try_recv().is_err(), "too many goroutines awake");
        }
        c.signal();
        for h in handles {
            h.join().unwrap();
        }
    }

    /// TestCondSignalGenerations: waiters are woken in the order they waited.
    #[test]
    fn cond_signal_generations() {
        let m = Arc::new(Mutex::new(()));
        let c = Arc::new(Cond::new());
        let n = scaled(100);
        let (running_tx, running) = chan::bounded::<()>(n);
        let (awake_tx, awake) = chan::bounded::<usize>(n);
        let mut handles = Vec::new();
        for i in 0..n {
            let (m, c, running_tx, awake_tx) =
                (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
            handles.push(thread::spawn(move || {
                let g = m.lock();
                running_tx.send(()).unwrap();
                let g = c.wait(g);
                awake_tx.send(i).unwrap();
                drop(g);
            }));
            // Wait for the thread to start running and block on the lock.
            running.recv().unwrap();
        }
        for i in 0..n {
            let g = m.lock();
            c.signal();
            drop(g);
            let woke = awake.recv_timeout(WATCHDOG).expect("no waiter woke up");
            assert_eq!(woke, i, "woke up goroutine {woke}, expected {i}");
        }
        for h in handles {
            h.join().unwrap();
        }
    }

    /// TestCondBroadcast: each broadcast wakes every waiter exactly once
    /// (Go: n = 200 goroutines; here 16 threads).
    #[test]
    fn cond_broadcast() {
        let n = scaled(16).max(4);
        // (exit flag) under the mutex
        let m = Arc::new(Mutex::new(false));
        let c = Arc::new(Cond::new());
        let (running_tx, running) = chan::bounded::<usize>(n);
        let (awake_tx, awake) = chan::bounded::<usize>(n);
        let mut handles = Vec::new();
        for g in 0..n {
            let (m, c, running_tx, awake_tx) =
                (m.clone(), c.clone(), running_tx.clone(), awake_tx.clone());
            handles.push(thread::spawn(move || {
                let mut exit = m.lock();
                while !*exit {
                    running_tx.send(g).unwrap();
                    exit = c.wait(exit);
                    awake_tx.send(g).unwrap();
                }
            }));
        }
        for round in 0..n {
            for _ in 0..n {
                running.recv().unwrap(); // deadlocks unless n are running
            }
            if round == n - 1 {
                *m.lock() = true;
            }
            assert!(awake.try_recv().is_err(), "goroutine not asleep");
            let g = m.lock();
            c.broadcast();
            drop(g);
            let mut seen = vec![false; n];
            for _ in 0..n {
                let g = awake.recv_timeout(WATCHDOG).expect("waiter not woken");
                assert!(!seen[g], "goroutine woke up twice");
                seen[g] = true;
            }
        }
        for h in handles {
            h.join().unwrap();
        }
        assert!(running.try_recv().is_err(), "goroutine did not exit");
        c.broadcast();
    }

    /// TestRace: three threads hand a value around through one cond.
    #[test]
    fn race() {
        for _ in 0..scaled(50) {
            let m = Arc::new(Mutex::new(0));
            let c = Arc::new(Cond::new());
            let (m1, c1) = (m.clone(), c.clone());
            let a = thread::spawn(move || {
                let mut x = m1.lock();
                *x = 1;
                x = c1.wait(x);
                assert_eq!(*x, 2, "want 2");
                *x = 3;
                c1.signal();
            });
            let (m2, c2) = (m.clone(), c.clone());
            let b = thread::spawn(move || loop {
                let mut x = m2.lock();
                if *x == 1 {
                    *x = 2;
                    c2.signal();
                    break;
                }
                drop(x);
                thread::yield_now();
            });
            let (m3, c3) = (m.clone(), c.clone());
            let d = thread::spawn(move || loop {
                let x = m3.lock();
                if *x == 2 {
                    let x = c3.wait(x);
                    assert_eq!(*x, 3, "want 3");
                    break;
                }
                if *x == 3 {
                    break;
                }
                drop(x);
                thread::yield_now();
            });
            a.join().unwrap();
            b.join().unwrap();
            d.join().unwrap();
        }
    }

    /// TestCondSignalStealing: a waiter that was already asleep when a broadcast
    /// started must be woken by it, even while a new waiter races in.
    #[test]
    fn cond_signal_stealing() {
        for _ in 0..scaled(200) {
            let m = Arc::new(Mutex::new(false)); // `done`
            let c = Arc::new(Cond::new());
            let (ch_tx, ch) = chan::bounded::<()>(0);

            // Start a waiter.
            let (m1, c1, tx1) = (m.clone(), c.clone(), ch_tx.clone());
            let first = thread::spawn(move || {
                let g = m1.lock();
                tx1.send(()).unwrap();
                let g = c1.wait(g);
                drop(g);
                tx1.send(()).unwrap();
            });
            ch.recv().unwrap();
            // Acquiring the mutex after it synchronised with us means the waiter
            // is inside `wait`.
            drop(m.lock());

            // Race a broadcast against a new waiter: the new one may or may not be
            // woken, but the first one has to be.
            let c2 = c.clone();
            let broadcaster = thread::spawn(move || c2.broadcast());
            let (m3, c3) = (m.clone(), c.clone());
            let second = thread::spawn(move || {
                drop(c3.wait_while(m3.lock(), |done| !*done));
            });

            ch.recv_timeout(WATCHDOG)
                .expect("first waiter didn't get broadcast");

            // Release the second waiter in case it didn't get the broadcast.
            *m.lock() = true;
            c.broadcast();
            first.join().unwrap();
            broadcaster.join().unwrap();
            second.join().unwrap();
        }
    }
}

mod once_test {
    use super::*;
    use gosync::Once;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    /// TestOnce: ten racing callers, one increment, and everyone sees it.
    #[test]
    fn once() {
        let once = Arc::new(Once::new());
        let o = Arc::new(AtomicI32::new(0));
        let (c_tx, c) = chan::bounded::<()>(0);
        const N: usize = 10;
        for _ in 0..N {
            let (once, o, c_tx) = (once.clone(), o.clone(), c_tx.clone());
            thread::spawn(move || {
                once.call_once(|| {
                    o.fetch_add(1, Ordering::Relaxed);
                });
                let v = o.load(Ordering::Relaxed);
                assert_eq!(v, 1, "once failed inside run: {v} is not 1");
                c_tx.send(()).unwrap();
            });
        }
        for _ in 0..N {
            c.recv().unwrap();
        }
        assert_eq!(o.load(Ordering::Relaxed), 1, "once failed outside run");
    }

    /// TestOncePanic: a panicking function completes the Once.
    #[test]
    fn once_panic() {
        let once = Once::new();
        let r = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("failed"))));
        assert!(r.is_err(), "Once.Do did not panic");
        once.call_once(|| panic!("Once.Do called twice"));
        assert!(once.is_completed());
    }
}

mod oncefunc_test {
    use super::*;
    use gosync::OnceValue;
    use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};

    /// The message of a caught panic, if it was a string.
    fn message(p: Box<dyn std::any::Any + Send>) -> String {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .expect("string payload")
    }

    /// TestOnceValue: the function runs once, the value is shared, concurrently too.
    #[test]
    fn once_value() {
        let calls = Arc::new(AtomicUsize::new(0));
        let calls2 = calls.clone();
        let f = Arc::new(OnceValue::new(move || {
            calls2.fetch_add(1, Ordering::Relaxed);
            calls2.load(Ordering::Relaxed)
        }));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let f = f.clone();
                thread::spawn(move || assert_eq!(*f.get(), 1))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*f.get(), 1);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    /// TestOnceValuePanic: every call, not only the first, panics with the
    /// initializer's panic value.
    #[test]
    fn once_value_panic() {
        let calls = AtomicUsize::new(0);
        let f = OnceValue::new(|| -> u32 {
            calls.fetch_add(1, Ordering::Relaxed);
            panic!("x")
        });
        for i in 0..3 {
            let p = catch_unwind(AssertUnwindSafe(|| *f.get()))
                .expect_err(&format!("call {i}: did not panic"));
            assert_eq!(message(p), "x", "call {i}");
        }
        assert_eq!(calls.load(Ordering::Relaxed), 1, "initializer ran twice");
    }

    /// TestOnceFuncPanicNil (Go: panic(nil)): a payload that is not a string gives
    /// later calls a message saying the initializer panicked.
    #[test]
    fn once_value_panic_non_string() {
        let f: OnceValue<u8> = OnceValue::new(|| panic_any(42_u64));
        let first = catch_unwind(AssertUnwindSafe(|| *f.get())).unwrap_err();
        assert_eq!(first.downcast_ref::<u64>(), Some(&42), "original payload");
        let later = catch_unwind(AssertUnwindSafe(|| *f.get())).unwrap_err();
        assert!(
            message(later).contains("initializer panicked"),
            "later calls say what happened"
        );
    }

    /// TestOnceValuePanic, concurrent: callers that were blocked while the
    /// initializer panicked panic too.
    #[test]
    fn once_value_panic_concurrent() {
        let f: Arc<OnceValue<u8, _>> = Arc::new(OnceValue::new(|| {
            thread::yield_now();
            panic!("boom")
        }));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let f = f.clone();
                thread::spawn(move || catch_unwind(AssertUnwindSafe(|| *f.get())).is_err())
            })
            .collect();
        for h in handles {
            assert!(h.join().unwrap(), "a caller did not panic");
        }
    }
}

mod waitgroup_test {
    use super::*;
    use gosync::WaitGroup;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    fn test_wait_group(wg1: &Arc<WaitGroup>, wg2: &Arc<WaitGroup>) {
        let n = 16;
        wg1.add(n as isize);
        wg2.add(n as isize);
        let (exited_tx, exited) = chan::bounded::<()>(n);
        for _ in 0..n {
            let (wg1, wg2, exited_tx) = (wg1.clone(), wg2.clone(), exited_tx.clone());
            thread::spawn(move || {
                wg1.done();
                wg2.wait();
                exited_tx.send(()).unwrap();
            });
        }
        wg1.wait();
        for _ in 0..n {
            assert!(
                exited.try_recv().is_err(),
                "WaitGroup released group too soon"
            );
            wg2.done();
        }
        for _ in 0..n {
            exited.recv_timeout(WATCHDOG).expect("waiter not released");
        }
    }

    /// TestWaitGroup: two groups, reused eight times.
    #[test]
    fn wait_group() {
        let wg1 = Arc::new(WaitGroup::new());
        let wg2 = Arc::new(WaitGroup::new());
        // Run the same test a few times to ensure barrier is in a proper state.
        for _ in 0..scaled(8).min(8) {
            test_wait_group(&wg1, &wg2);
        }
    }

    /// TestWaitGroupMisuse: a second Done panics with Go's message (gosync prefix).
    #[test]
    fn wait_group_misuse() {
        let wg = WaitGroup::new();
        wg.add(1);
        wg.done();
        let p = catch_unwind(AssertUnwindSafe(|| wg.done())).expect_err("did not panic");
        assert_eq!(
            p.downcast_ref::<&str>().copied(),
            Some("gosync: negative WaitGroup counter")
        );
    }

    /// TestWaitGroupRace: two tasks racing to the last Done, many times.
    #[test]
    fn wait_group_race() {
        for _ in 0..scaled(300) {
            let wg = Arc::new(WaitGroup::new());
            let n = Arc::new(AtomicI32::new(0));
            let mut handles = Vec::new();
            for _ in 0..2 {
                wg.add(1);
                let (wg, n) = (wg.clone(), n.clone());
                handles.push(thread::spawn(move || {
                    n.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                }));
            }
            wg.wait();
            assert_eq!(n.load(Ordering::Relaxed), 2, "Spurious wakeup from Wait");
            for h in handles {
                h.join().unwrap();
            }
        }
    }

    /// TestWaitGroupGo (Go 1.25): Go counts the spawned function.
    #[test]
    fn wait_group_go() {
        let wg = WaitGroup::new();
        let i = AtomicI32::new(0);
        thread::scope(|s| {
            wg.go(s, || {
                i.fetch_add(1, Ordering::Relaxed);
            });
            wg.wait();
            assert_eq!(i.load(Ordering::Relaxed), 1);
        });
    }

    /// Go 1.25 WaitGroup.Go with a panicking function: Wait does not hang.
    #[test]
    fn wait_group_go_panic() {
        let wg = WaitGroup::new();
        let r = catch_unwind(AssertUnwindSafe(|| {
            thread::scope(|s| {
                wg.go(s, || panic!("task failed"));
                wg.wait(); // must return although the task panicked
            })
        }));
        assert!(r.is_err(), "the scope reports the task's panic");
        wg.wait();
    }
}

mod mutex_test {
    use super::*;
    use gosync::Mutex;

    fn hammer_mutex(m: &Mutex<u64>, loops: usize) -> u64 {
        let mut mine = 0;
        for i in 0..loops {
            if i % 3 == 0 {
                if let Some(mut g) = m.try_lock() {
                    *g += 1;
                    mine += 1;
                }
                continue;
            }
            *m.lock() += 1;
            mine += 1;
        }
        mine
    }

    /// TestMutex: TryLock semantics, then ten hammering threads (with a count that
    /// checks mutual exclusion).
    #[test]
    fn mutex() {
        let m = Arc::new(Mutex::new(0u64));
        let g = m.lock();
        assert!(
            m.try_lock().is_none(),
            "TryLock succeeded with mutex locked"
        );
        drop(g);
        drop(m.try_lock().expect("TryLock failed with mutex unlocked"));

        let loops = scaled(1000);
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || hammer_mutex(&m, loops))
            })
            .collect();
        let mine: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(*m.lock(), mine, "lost updates: no mutual exclusion");
    }

    /// TestMutexFairness: a thread that holds the lock almost all the time cannot
    /// starve another (starvation mode hands the lock over).
    #[test]
    fn mutex_fairness() {
        let mu = Arc::new(Mutex::new(()));
        let (stop_tx, stop) = chan::bounded::<()>(0);
        let mu1 = mu.clone();
        let hog = thread::spawn(move || loop {
            let g = mu1.lock();
            // The workload: hold the lock (not synchronisation).
            thread::sleep(Duration::from_micros(100));
            drop(g);
            if matches!(stop.try_recv(), Err(chan::TryRecvError::Closed)) {
                return;
            }
        });
        let (done_tx, done) = chan::bounded::<()>(1);
        let mu2 = mu.clone();
        let other = thread::spawn(move || {
            for _ in 0..scaled(10) {
                thread::sleep(Duration::from_micros(100));
                drop(mu2.lock());
            }
            done_tx.send(()).unwrap();
        });
        let r = done.recv_timeout(WATCHDOG);
        drop(stop_tx);
        hog.join().unwrap();
        other.join().unwrap();
        r.expect("can't acquire Mutex in 10 seconds");
    }
}

mod rwmutex_test {
    use super::*;
    use gosync::RwMutex;

    /// TestParallelReaders: n readers all hold the read lock at once.
    #[test]
    fn parallel_readers() {
        for num_readers in [1, 3, 4] {
            let m = Arc::new(RwMutex::new(()));
            let (clocked_tx, clocked) = chan::unbounded::<()>();
            let (cunlock_tx, cunlock) = chan::unbounded::<()>();
            let (cdone_tx, cdone) = chan::unbounded::<()>();
            for _ in 0..num_readers {
                let (m, clocked_tx, cunlock, cdone_tx) = (
                    m.clone(),
                    clocked_tx.clone(),
                    cunlock.clone(),
                    cdone_tx.clone(),
                );
                thread::spawn(move || {
                    let g = m.read();
                    clocked_tx.send(()).unwrap();
                    cunlock.recv().unwrap();
                    drop(g);
                    cdone_tx.send(()).unwrap();
                });
            }
            // Every reader holds the lock before any is told to unlock.
            for _ in 0..num_readers {
                clocked
                    .recv_timeout(WATCHDOG)
                    .expect("readers not parallel");
            }
            for _ in 0..num_readers {
                cunlock_tx.send(()).unwrap();
            }
            for _ in 0..num_readers {
                cdone.recv().unwrap();
            }
        }
    }

    fn reader(rwm: &RwMutex<()>, iterations: usize, activity: &AtomicI32) {
        for _ in 0..iterations {
            let g = rwm.read();
            let n = activity.fetch_add(1, Ordering::SeqCst) + 1;
            assert!((1..10000).contains(&n), "wlock({n})");
            for _ in 0..100 {
                std::hint::spin_loop();
            }
            activity.fetch_sub(1, Ordering::SeqCst);
            drop(g);
        }
    }

    fn writer(rwm: &RwMutex<()>, iterations: usize, activity: &AtomicI32) {
        for _ in 0..iterations {
            let g = rwm.write();
            let n = activity.fetch_add(10000, Ordering::SeqCst) + 10000;
            assert_eq!(n, 10000, "wlock({n})");
            for _ in 0..100 {
                std::hint::spin_loop();
            }
            activity.fetch_sub(10000, Ordering::SeqCst);
            drop(g);
        }
    }

    fn hammer_rw_mutex(num_readers: usize, iterations: usize) {
        let activity = AtomicI32::new(0);
        let rwm = RwMutex::new(());
        thread::scope(|s| {
            s.spawn(|| writer(&rwm, iterations, &activity));
            let mut i = 0;
            while i < num_readers / 2 {
                s.spawn(|| reader(&rwm, iterations, &activity));
                i += 1;
            }
            s.spawn(|| writer(&rwm, iterations, &activity));
            while i < num_readers {
                s.spawn(|| reader(&rwm, iterations, &activity));
                i += 1;
            }
        });
    }

    /// TestRWMutex: readers and writers hammering; a writer never overlaps anyone.
    #[test]
    fn rw_mutex() {
        let m = RwMutex::new(());
        let g = m.write();
        assert!(
            m.try_write().is_none(),
            "TryLock succeeded with mutex locked"
        );
        assert!(
            m.try_read().is_none(),
            "TryRLock succeeded with mutex locked"
        );
        drop(g);
        let g = m.try_write().expect("TryLock failed with mutex unlocked");
        drop(g);
        let r1 = m.try_read().expect("TryRLock failed with mutex unlocked");
        let r2 = m.try_read().expect("TryRLock failed with mutex rlocked");
        assert!(
            m.try_write().is_none(),
            "TryLock succeeded with mutex rlocked"
        );
        drop((r1, r2));

        let n = scaled(300);
        for readers in [1, 3, 10] {
            hammer_rw_mutex(readers, n);
        }
    }
}

mod pool_test {
    use super::*;
    use gosync::Pool;

    /// TestPool: values come back in Go's order (private slot, then shared), and
    /// `clear` (Go: a GC cycle) empties the pool.
    #[test]
    fn pool() {
        let p = Pool::new(|| "");
        assert_eq!(gosync::Pooled::into_inner(p.get()), "", "expected empty");
        p.put("a");
        p.put("b");
        let a = p.get();
        let b = p.get();
        assert_eq!((*a, *b), ("a", "b"));
        gosync::Pooled::into_inner(a);
        gosync::Pooled::into_inner(b);
        assert_eq!(*p.get(), "", "expected empty");

        p.put("c");
        p.clear();
        assert_eq!(*p.get(), "", "got a value after clear");
    }

    /// TestPoolNew: New is called only when the pool has nothing idle.
    #[test]
    fn pool_new() {
        let i = Arc::new(AtomicUsize::new(0));
        let i2 = i.clone();
        let p = Pool::new(move || i2.fetch_add(1, Ordering::Relaxed) + 1);
        assert_eq!(gosync::Pooled::into_inner(p.get()), 1);
        assert_eq!(gosync::Pooled::into_inner(p.get()), 2);
        p.put(42);
        assert_eq!(gosync::Pooled::into_inner(p.get()), 42);
        assert_eq!(gosync::Pooled::into_inner(p.get()), 3);
    }

    /// Counts live values: made by the pool's `new`, dropped by anyone.
    struct Counted(Arc<(AtomicUsize, AtomicUsize)>, u32);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0 .1.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// TestPoolGC / TestPoolRelease: `clear` (Go: GC) releases every idle value,
    /// wherever it is cached; dropping the pool releases the rest.
    #[test]
    fn pool_clear_releases() {
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let c = counts.clone();
        let p = Arc::new(Pool::new(move || {
            c.0.fetch_add(1, Ordering::Relaxed);
            Counted(c.clone(), 0)
        }));
        // Cache values on several threads (their own shards) and in the overflow.
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let vs: Vec<_> = (0..25)
                        .map(|_| gosync::Pooled::into_inner(p.get()))
                        .collect();
                    for v in vs {
                        p.put(v);
                    }
                });
            }
        });
        // Threads that ran one after the other reused each other's values.
        let made = counts.0.load(Ordering::Relaxed);
        assert!((25..=100).contains(&made), "made {made}");
        assert_eq!(
            counts.1.load(Ordering::Relaxed),
            0,
            "a value was dropped early"
        );
        p.clear();
        assert_eq!(
            counts.1.load(Ordering::Relaxed),
            made,
            "clear missed values"
        );

        for _ in 0..10 {
            p.put(Counted(counts.clone(), 0));
        }
        drop(p);
        assert_eq!(
            counts.1.load(Ordering::Relaxed),
            made + 10,
            "drop missed values"
        );
    }

    /// TestPoolStress: threads put and get concurrently; every value seen is one the
    /// pool handed out, and a bounded pool never holds more than its bound.
    #[test]
    fn pool_stress() {
        const P: usize = 10;
        const MAX_IDLE: usize = 4;
        let n = scaled(2000);
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let c = counts.clone();
        let p = Pool::with_max_idle(MAX_IDLE, move || {
            c.0.fetch_add(1, Ordering::Relaxed);
            Counted(c.clone(), 0)
        });
        thread::scope(|s| {
            for _ in 0..P {
                s.spawn(|| {
                    let mut v = gosync::Pooled::into_inner(p.get());
                    for _ in 0..n {
                        assert_eq!(v.1, 0, "expect 0");
                        p.put(v);
                        v = gosync::Pooled::into_inner(p.get());
                    }
                    p.put(v);
                });
            }
        });
        let idle = counts.0.load(Ordering::Relaxed) - counts.1.load(Ordering::Relaxed);
        assert!(idle <= MAX_IDLE, "{idle} idle values, bound {MAX_IDLE}");
        p.clear();
        assert_eq!(
            counts.0.load(Ordering::Relaxed),
            counts.1.load(Ordering::Relaxed),
            "clear missed values"
        );
    }
}
