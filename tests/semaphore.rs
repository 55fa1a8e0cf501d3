//! `gosync::semaphore::Weighted`: ports of golang.org/x/sync/semaphore's tests
//! (`semaphore_test.go`), then gosync's own (timeouts, async, bad input).
//!
//! Go's tests take a `context.Context`; here a context with a timeout becomes
//! `acquire_timeout`, and the cancelled ones are ported with timeouts (the
//! cancellation-channel forms are unit tests in `src/semaphore.rs`). Sizes are scaled
//! down under Miri. No timing is asserted: timeouts are either upper bounds that only
//! a hang reaches, or deadlines that must have passed.

#![allow(clippy::disallowed_types)]

use gosync::semaphore::Weighted;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use std::thread;
use std::time::Duration;

/// An upper bound that only a hang reaches.
const WATCHDOG: Duration = Duration::from_secs(20);

fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 100).max(2)
    } else {
        n
    }
}

fn workers() -> u64 {
    if cfg!(miri) {
        3
    } else {
        thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8) as u64
    }
}

/// HammerWeighted: acquire `n`, hold it for a moment, release.
fn hammer(sem: &Weighted, n: u64, loops: usize, held: &AtomicU64, size: u64) {
    for i in 0..loops {
        sem.acquire(n);
        let now = held.fetch_add(n, Ordering::SeqCst) + n;
        assert!(now <= size, "{now} permits held of {size}");
        if i % 16 == 0 {
            thread::yield_now();
        }
        held.fetch_sub(n, Ordering::SeqCst);
        sem.release(n);
    }
}

/// TestWeighted: GOMAXPROCS threads, thread `i` taking `i` permits at a time (0
/// included) of a semaphore of GOMAXPROCS; added: the permits held never exceed the
/// size.
#[test]
fn weighted() {
    let n = workers();
    let loops = scaled(10_000) / n as usize;
    let sem = Weighted::new(n);
    let held = AtomicU64::new(0);
    thread::scope(|s| {
        for i in 0..n {
            let (sem, held) = (&sem, &held);
            s.spawn(move || hammer(sem, i, loops, held, n));
        }
    });
    assert!(sem.try_acquire(n), "every permit is back");
}

/// TestWeightedPanic: releasing what was never acquired panics.
#[test]
fn weighted_panic() {
    let w = Weighted::new(1);
    let err = panic::catch_unwind(AssertUnwindSafe(|| w.release(1))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("more permits than are held"), "{msg}");
    // The semaphore is unchanged by the failed release.
    assert!(w.try_acquire(1));
    assert!(!w.try_acquire(1));
}

/// TestWeightedTryAcquire.
#[test]
fn weighted_try_acquire() {
    let sem = Weighted::new(2);
    let mut tries = Vec::new();
    sem.acquire(1);
    tries.push(sem.try_acquire(1));
    tries.push(sem.try_acquire(1));
    sem.release(2);
    tries.push(sem.try_acquire(1));
    sem.acquire(1);
    tries.push(sem.try_acquire(1));
    assert_eq!(tries, [true, false, true, false]);
}

/// TestWeightedAcquire: Go's 10 ms context timeouts become `acquire_timeout`.
#[test]
fn weighted_acquire() {
    let sem = Weighted::new(2);
    let try_acquire = |n| sem.acquire_timeout(n, Duration::from_millis(10));
    let mut tries = Vec::new();
    sem.acquire(1);
    tries.push(try_acquire(1));
    tries.push(try_acquire(1));
    sem.release(2);
    tries.push(try_acquire(1));
    sem.acquire(1);
    tries.push(try_acquire(1));
    assert_eq!(tries, [true, false, true, false]);
}

/// TestWeightedDoesntBlockIfTooBig: a pending request for more than the size does not
/// hold back requests that fit. (Go's cancelled context: a timeout that outlasts the
/// other requests, which must all succeed meanwhile.)
#[test]
fn weighted_doesnt_block_if_too_big() {
    const N: u64 = 2;
    let sem = Weighted::new(N);
    thread::scope(|s| {
        let big = s.spawn(|| sem.acquire_timeout(N + 1, Duration::from_millis(50)));
        let small: Vec<_> = (0..N * 3)
            .map(|_| {
                s.spawn(|| {
                    let ok = sem.acquire_timeout(1, WATCHDOG);
                    if ok {
                        thread::sleep(Duration::from_millis(1));
                        sem.release(1);
                    }
                    ok
                })
            })
            .collect();
        for h in small {
            assert!(h.join().unwrap(), "a request that fits was held back");
        }
        assert!(!big.join().unwrap(), "a request above the size succeeded");
    });
    assert!(sem.try_acquire(N));
}

/// TestLargeAcquireDoesntStarve: threads that keep releasing and re-acquiring one
/// permit cannot starve a request for all of them (FIFO: once it waits, their
/// re-acquires queue behind it). Only a hang fails it.
#[test]
fn large_acquire_doesnt_starve() {
    let n = workers();
    let sem = Weighted::new(n);
    let running = AtomicBool::new(true);
    thread::scope(|s| {
        for _ in 0..n {
            sem.acquire(1);
            let (sem, running) = (&sem, &running);
            s.spawn(move || {
                while running.load(Ordering::SeqCst) {
                    thread::sleep(Duration::from_micros(200));
                    sem.release(1);
                    sem.acquire(1);
                }
                sem.release(1);
            });
        }
        assert!(
            sem.acquire_timeout(n, WATCHDOG),
            "the large request starved"
        );
        running.store(false, Ordering::SeqCst);
        sem.release(n);
    });
    assert!(sem.try_acquire(n));
}

/// TestAllocCancelDoesntStarve: a large request at the head of the queue gives up
/// (Go: its context is cancelled; here: its timeout), and the small request queued
/// behind it must then be served — the cancel has to wake the waiters it held back.
#[test]
fn alloc_cancel_doesnt_starve() {
    let sem = Weighted::new(10);
    // Block off a portion so that the request for 10 waits.
    sem.acquire(1);
    thread::scope(|s| {
        let big = s.spawn(|| sem.acquire_timeout(10, Duration::from_millis(30)));
        // Wait until the request for 10 waits (then try_acquire fails: FIFO).
        while sem.try_acquire(1) {
            sem.release(1);
            thread::yield_now();
        }
        // Queued behind the big one; served once it gives up.
        assert!(
            sem.acquire_timeout(1, WATCHDOG),
            "starved by a cancelled request"
        );
        sem.release(1);
        assert!(!big.join().unwrap());
    });
    sem.release(1);
    assert!(sem.try_acquire(10));
}

/// The acquire that can never succeed panics with a message saying so.
#[test]
fn acquire_more_than_the_size_panics() {
    let sem = Weighted::new(3);
    let err = panic::catch_unwind(AssertUnwindSafe(|| sem.acquire(4))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("can never succeed"), "{msg}");
    assert!(!sem.try_acquire(4));
    assert!(
        !sem.acquire_timeout(4, Duration::from_millis(1)),
        "times out, no panic"
    );
    assert!(sem.try_acquire(3), "nothing was taken");
}

#[test]
#[should_panic(expected = "below 2^63")]
fn a_size_of_2_pow_63_panics() {
    let _ = Weighted::new(1 << 63);
}

#[test]
fn releasing_more_than_held_panics_with_waiters_too() {
    let sem = Weighted::new(2);
    sem.acquire(2);
    thread::scope(|s| {
        let waiter = s.spawn(|| sem.acquire_timeout(2, WATCHDOG));
        while sem.try_acquire(0) {
            thread::yield_now(); // until the waiter is queued (then even 0 fails)
        }
        let err = panic::catch_unwind(AssertUnwindSafe(|| sem.release(3))).unwrap_err();
        assert!(err
            .downcast_ref::<String>()
            .unwrap()
            .contains("more permits than are held"));
        sem.release(2);
        assert!(waiter.join().unwrap());
    });
    sem.release(2);
}

/// Waiters are served in arrival order, and a big one at the head holds back a small
/// one behind it even when the small one would fit.
#[test]
fn fifo_and_head_of_line() {
    let sem = Weighted::new(4);
    sem.acquire(4);
    let order = gosync::Mutex::new(Vec::new());
    thread::scope(|s| {
        let big = s.spawn(|| {
            sem.acquire(3);
            order.lock().push(3);
            sem.release(3);
        });
        // Queued once even a request for nothing must wait its turn.
        while sem.try_acquire(0) {
            thread::yield_now();
        }
        let small = s.spawn(|| {
            sem.acquire(1);
            order.lock().push(1);
            sem.release(1);
        });
        // 1 free: the small request would fit, but the big one is first (whether the
        // small one is queued already or comes later, it queues behind).
        sem.release(1);
        sem.release(2); // 3 free: the big one goes, then the small one
        big.join().unwrap();
        small.join().unwrap();
    });
    assert_eq!(*order.lock(), [3, 1]);
    sem.release(1);
    assert!(sem.try_acquire(4));
}

#[cfg(feature = "async")]
mod async_acquire {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn async_and_blocking_waiters_share_the_queue() {
        let sem = std::sync::Arc::new(Weighted::new(1));
        sem.acquire(1);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let sem = sem.clone();
                rt.spawn(async move {
                    sem.acquire_async(1).await;
                    sem.release(1);
                })
            })
            .collect();
        let blocking = {
            let sem = sem.clone();
            thread::spawn(move || {
                assert!(sem.acquire_timeout(1, WATCHDOG));
                sem.release(1);
            })
        };
        sem.release(1);
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        blocking.join().unwrap();
        assert!(sem.try_acquire(1));
    }

    /// A future dropped while queued leaves nothing behind; one dropped after its
    /// permits were granted (but before it saw them) gives them back.
    #[test]
    fn dropped_futures_hold_nothing() {
        let sem = Weighted::new(2);
        sem.acquire(2);
        let mut queued = Box::pin(sem.acquire_async(2));
        assert!((&mut queued).now_or_never().is_none());
        assert!(!sem.try_acquire(0), "queued");
        drop(queued);
        assert!(sem.try_acquire(0), "the queue is empty again");

        let mut granted = Box::pin(sem.acquire_async(2));
        assert!((&mut granted).now_or_never().is_none());
        sem.release(2); // granted to the future, which has not seen it yet
        drop(granted); // gives the 2 back
        assert!(sem.try_acquire(2));
        sem.release(2);

        // A lazy future: nothing happens before the first poll.
        let unpolled = sem.acquire_async(2);
        assert!(sem.try_acquire(2));
        sem.release(2);
        drop(unpolled);
        assert!(sem.try_acquire(2));
    }

    #[test]
    fn acquire_async_more_than_the_size_panics() {
        let sem = Weighted::new(1);
        let err = panic::catch_unwind(AssertUnwindSafe(|| {
            futures::executor::block_on(sem.acquire_async(2))
        }))
        .unwrap_err();
        assert!(err
            .downcast_ref::<String>()
            .unwrap()
            .contains("can never succeed"));
    }
}
