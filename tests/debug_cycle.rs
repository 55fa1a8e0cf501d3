//! The watchdog's lock-cycle rule (`deadlock-detection` feature): a circular wait on
//! `Mutex`/`RwMutex` is reported while other threads of the process still run (so the
//! all-asleep rule cannot fire), and heavy contention without a cycle never is.
//!
//! Run with `cargo test -p gosync --features deadlock-detection --test debug_cycle`.
//! The deadlocked threads of a test stay parked until the process exits (a deadlock
//! cannot be undone); each test names its locks with labels of its own and looks only
//! at reports about them, since every watchdog sees every thread of the process.

#![cfg(all(feature = "deadlock-detection", not(miri)))]
#![allow(clippy::disallowed_types)]

use gosync::debug::{self, DeadlockReport, ReportKind, WatchdogHandle};
use gosync::{Mutex, RwMutex};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// A watchdog that forwards every lock-cycle report (never aborting).
fn watch(interval: Duration) -> (WatchdogHandle, mpsc::Receiver<DeadlockReport>) {
    let (tx, rx) = mpsc::channel();
    let wd = debug::watchdog()
        .interval(interval)
        .on_deadlock(move |r| {
            if r.kind() == ReportKind::LockCycle {
                let _ = tx.send(r.clone());
            }
        })
        .on_warning(|_| {})
        .start();
    (wd, rx)
}

/// Whether the report's cycle is made of locks labeled `prefix…`.
fn about(r: &DeadlockReport, prefix: &str) -> bool {
    r.blocked()
        .iter()
        .all(|op| op.label().is_some_and(|l| l.starts_with(prefix)))
}

/// The first report about `prefix` locks (failing after a minute: the cycle is there
/// from the start, so only a missed detection gets that far).
fn expect_cycle(rx: &mpsc::Receiver<DeadlockReport>, prefix: &str) -> DeadlockReport {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(100)) {
            if about(&r, prefix) {
                return r;
            }
        }
    }
    panic!("no lock cycle reported on {prefix}*:\n{}", debug::dump());
}

/// A thread that keeps running outside gosync until the test ends.
fn busy_bystander() -> (Arc<AtomicBool>, thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let h = thread::spawn(move || {
        while !s.load(Ordering::Relaxed) {
            thread::sleep(Duration::from_millis(1));
        }
    });
    (stop, h)
}

#[test]
fn two_mutexes_opposite_order_is_a_cycle() {
    let (_wd, rx) = watch(Duration::from_millis(5));
    let (stop, bystander) = busy_bystander();
    let m1: &'static Mutex<u32> = Box::leak(Box::new(Mutex::new(0)));
    let m2: &'static Mutex<u32> = Box::leak(Box::new(Mutex::new(0)));
    debug::set_label(m1, "two-m1");
    debug::set_label(m2, "two-m2");
    let both = Arc::new(Barrier::new(2));
    let b = both.clone();
    thread::Builder::new()
        .name("two-a".into())
        .spawn(move || {
            let _g1 = m1.lock();
            b.wait();
            let _g2 = m2.lock();
            unreachable!("the cycle let thread a through");
        })
        .unwrap();
    let b = both.clone();
    thread::Builder::new()
        .name("two-b".into())
        .spawn(move || {
            let _g2 = m2.lock();
            b.wait();
            let _g1 = m1.lock();
            unreachable!("the cycle let thread b through");
        })
        .unwrap();

    let r = expect_cycle(&rx, "two-");
    assert!(r.is_deadlock());
    assert_eq!(r.blocked().len(), 2);
    let reason = r.reason();
    assert!(
        reason.starts_with("gosync: lock cycle - deadlock!\n"),
        "{reason}"
    );
    assert!(
        reason.contains("\"two-a\" waits for `two-m2` held by thread")
            && reason.contains("\"two-b\" waits for `two-m1` held by thread"),
        "{reason}"
    );
    assert!(r.to_string().contains("sync.Mutex.Lock"), "{r}");
    // The bystander ran the whole time.
    stop.store(true, Ordering::Relaxed);
    bystander.join().unwrap();
}

#[test]
fn three_threads_in_a_ring_are_a_cycle() {
    let (_wd, rx) = watch(Duration::from_millis(5));
    let (stop, bystander) = busy_bystander();
    // Two `Mutex`es and an `RwMutex` taken for writing.
    let m0: &'static Mutex<()> = Box::leak(Box::new(Mutex::new(())));
    let m1: &'static Mutex<()> = Box::leak(Box::new(Mutex::new(())));
    let rw: &'static RwMutex<()> = Box::leak(Box::new(RwMutex::new(())));
    debug::set_label(m0, "ring-m0");
    debug::set_label(m1, "ring-m1");
    debug::set_label(rw, "ring-rw");
    let all = Arc::new(Barrier::new(3));
    let spawn = |name: &str, f: Box<dyn FnOnce(&Barrier) + Send>| {
        let b = all.clone();
        thread::Builder::new()
            .name(name.into())
            .spawn(move || f(&b))
            .unwrap();
    };
    spawn(
        "ring-0",
        Box::new(move |b| {
            let _g = m0.lock();
            b.wait();
            let _h = m1.lock();
        }),
    );
    spawn(
        "ring-1",
        Box::new(move |b| {
            let _g = m1.lock();
            b.wait();
            let _h = rw.write();
        }),
    );
    spawn(
        "ring-2",
        Box::new(move |b| {
            let _g = rw.write();
            b.wait();
            let _h = m0.lock();
        }),
    );

    let r = expect_cycle(&rx, "ring-");
    assert_eq!(r.blocked().len(), 3);
    let reason = r.reason();
    for line in [
        "\"ring-0\" waits for `ring-m1` held by thread",
        "\"ring-1\" waits for `ring-rw` held by thread",
        "\"ring-2\" waits for `ring-m0` held by thread",
    ] {
        assert!(reason.contains(line), "{line} missing:\n{reason}");
    }
    assert_eq!(reason.lines().count(), 4, "{reason}");
    stop.store(true, Ordering::Relaxed);
    bystander.join().unwrap();
}

#[test]
fn a_thread_locking_its_own_mutex_again_is_a_cycle() {
    let (_wd, rx) = watch(Duration::from_millis(5));
    let m: &'static Mutex<()> = Box::leak(Box::new(Mutex::new(())));
    debug::set_label(m, "self-m");
    thread::Builder::new()
        .name("self-a".into())
        .spawn(move || {
            let _g = m.lock();
            let _again = m.lock();
        })
        .unwrap();
    let r = expect_cycle(&rx, "self-");
    assert!(
        r.reason().contains("waits for `self-m` held by itself"),
        "{}",
        r.reason()
    );
}

/// Reports about locks labeled `prefix…` (any of the cycle's), after stopping the
/// watchdog.
fn false_alarms(
    wd: WatchdogHandle,
    rx: &mpsc::Receiver<DeadlockReport>,
    prefix: &str,
) -> Vec<DeadlockReport> {
    // One more look, then stop the watchdog and collect what it said.
    thread::sleep(Duration::from_millis(20));
    drop(wd);
    rx.try_iter()
        .filter(|r| {
            r.blocked()
                .iter()
                .any(|op| op.label().is_some_and(|l| l.starts_with(prefix)))
        })
        .collect()
}

/// A thread that lets `m2` go and then waits for `m1`, while the other holds `m1` and
/// waits for `m2`: both orders, but never both locks held against each other. A
/// holder word read stale (`m2` still "held" by the thread now waiting for `m1`) would
/// make a cycle of it.
#[test]
fn released_lock_then_wait_is_not_a_cycle() {
    let (wd, rx) = watch(Duration::from_millis(1));
    let m1: &'static Mutex<u64> = Box::leak(Box::new(Mutex::new(0)));
    let m2: &'static Mutex<u64> = Box::leak(Box::new(Mutex::new(0)));
    debug::set_label(m1, "handover-m1");
    debug::set_label(m2, "handover-m2");
    let until = Instant::now() + Duration::from_millis(300);
    let a = thread::spawn(move || {
        let mut rounds = 0;
        while rounds < 1000 || Instant::now() < until {
            rounds += 1;
            let mut g1 = m1.lock();
            *m2.lock() += 1;
            *g1 += 1;
        }
        rounds
    });
    let b = thread::spawn(move || {
        let mut i = 0;
        while i < 1000 || Instant::now() < until {
            i += 1;
            let mut g2 = m2.lock();
            *g2 += 1;
            if i % 16 == 0 {
                thread::yield_now();
            }
            drop(g2);
            *m1.lock() += 1;
        }
        i
    });
    let rounds = a.join().unwrap() + b.join().unwrap();
    assert_eq!(*m1.lock(), rounds);
    let alarms = false_alarms(wd, &rx, "handover-");
    assert!(alarms.is_empty(), "a cycle that is not one:\n{}", alarms[0]);
}

#[test]
fn consistent_order_under_contention_never_fires() {
    let (wd, rx) = watch(Duration::from_millis(1));
    let a: &'static Mutex<u64> = Box::leak(Box::new(Mutex::new(0)));
    let b: &'static Mutex<u64> = Box::leak(Box::new(Mutex::new(0)));
    let rw: &'static RwMutex<u64> = Box::leak(Box::new(RwMutex::new(0)));
    debug::set_label(a, "order-a");
    debug::set_label(b, "order-b");
    debug::set_label(rw, "order-rw");
    let threads: usize = 6;
    let until = Instant::now() + Duration::from_millis(300);
    let done = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let done = done.clone();
            thread::spawn(move || {
                let mut i: u64 = 0;
                while i < 1000 || Instant::now() < until {
                    i += 1;
                    // Always a, then b, then rw: waits, but never in a circle.
                    let mut ga = a.lock();
                    let mut gb = b.lock();
                    *ga += 1;
                    *gb += 1;
                    if (i + t as u64) % 4 == 0 {
                        *rw.write() += 1;
                    } else {
                        let _ = *rw.read();
                    }
                    drop(gb);
                    if i % 64 == 0 {
                        thread::yield_now();
                    }
                    drop(ga);
                    // Sometimes only b (still in order: nothing held).
                    if i % 3 == 0 {
                        *b.lock() += 1;
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
                i
            })
        })
        .collect();
    let rounds: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(done.load(Ordering::Relaxed), threads);
    assert_eq!(*a.lock(), rounds);
    let alarms = false_alarms(wd, &rx, "order-");
    assert!(alarms.is_empty(), "a cycle that is not one:\n{}", alarms[0]);
}
