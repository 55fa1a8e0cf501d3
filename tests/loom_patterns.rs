//! Loom models of the patterns layer: `semaphore::Weighted`, `singleflight::Group`,
//! and the resettable timers (`chan::Timer`, `chan::after_func`). Run with
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom"
//! cargo test --release --test loom_patterns`.
//!
//! Under loom a timed wait may time out at any point (`facade::expired` is always
//! true), and an `after_func` timer is fired by a model thread standing for the
//! process's timer thread, at whatever point the scheduler picks. The models that
//! need gosync's internals (a semaphore acquire cancelled through a `done` channel,
//! a singleflight call's duplicate count) are `loom_tests` unit tests in
//! `src/semaphore.rs` and `src/singleflight.rs`.

#![cfg(gosync_loom)]

use gosync::chan::{self, after_func, Timer};
use gosync::semaphore::Weighted;
use gosync::singleflight::Group;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

/// Runs a model with a preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS` says
/// otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.max_branches = builder.max_branches.max(20_000);
    builder.check(f);
}

/// A release races an `acquire_timeout` that may time out at any point: the waiter
/// either got the permit (and gives it back) or holds nothing; no permit is lost and
/// no waiter is left queued.
#[test]
fn semaphore_release_races_a_timed_acquire() {
    model(|| {
        let sem = Arc::new(Weighted::new(1));
        sem.acquire(1);
        let s2 = sem.clone();
        let waiter = thread::spawn(move || {
            let got = s2.acquire_timeout(1, Duration::from_secs(1));
            if got {
                s2.release(1);
            }
        });
        sem.release(1);
        waiter.join().unwrap();
        assert!(
            sem.try_acquire(1),
            "a permit was lost or a waiter left queued"
        );
    });
}

/// A large waiter at the head of the queue gives up (its timeout) while a small one
/// waits behind it with permits free for it: the cancel must hand them on (else the
/// small one, which has no timeout, sleeps forever and loom reports the deadlock).
/// The grants never over-commit, and everything comes back.
#[test]
fn semaphore_cancelled_head_lets_the_next_through() {
    model(|| {
        let sem = Arc::new(Weighted::new(2));
        sem.acquire(2);
        let held = Arc::new(AtomicUsize::new(0));
        let hold = |held: &AtomicUsize, n: u64| {
            let now = held.fetch_add(n as usize, Ordering::SeqCst) + n as usize;
            assert!(now <= 2, "over-committed: {now} of 2");
            held.fetch_sub(n as usize, Ordering::SeqCst);
        };
        let (s2, h2) = (sem.clone(), held.clone());
        let big = thread::spawn(move || {
            if s2.acquire_timeout(2, Duration::from_secs(1)) {
                hold(&h2, 2);
                s2.release(2);
            }
        });
        let (s3, h3) = (sem.clone(), held.clone());
        let small = thread::spawn(move || {
            s3.acquire(1);
            hold(&h3, 1);
            s3.release(1);
        });
        sem.release(1);
        big.join().unwrap();
        small.join().unwrap();
        sem.release(1);
        assert!(sem.try_acquire(2));
    });
}

/// Singleflight: two callers of one key; if they shared a call, they saw one result
/// and one run of `f`.
#[test]
fn singleflight_shared_result() {
    model(|| {
        let g = Arc::new(Group::<u8, usize>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let call = |g: &Group<u8, usize>, runs: &AtomicUsize| {
            g.do_call(7, || runs.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let (g2, runs2) = (g.clone(), runs.clone());
        let other = thread::spawn(move || call(&g2, &runs2));
        let (a, shared_a) = call(&g, &runs);
        let (b, shared_b) = other.join().unwrap();
        assert_eq!(shared_a, shared_b);
        if shared_a {
            assert_eq!(a, b);
            assert_eq!(runs.load(Ordering::SeqCst), 1);
        } else {
            assert_ne!(a, b);
            assert_eq!(runs.load(Ordering::SeqCst), 2);
        }
    });
}

/// `after_func` vs `stop`: `stop` returns true exactly when the function never runs.
#[test]
fn after_func_races_stop() {
    model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let r2 = ran.clone();
        let (done_tx, done) = chan::bounded::<()>(1);
        let t = after_func(Duration::from_millis(1), move || {
            r2.fetch_add(1, Ordering::SeqCst);
            done_tx.send(()).unwrap();
        });
        let stopped = t.stop();
        drop(t);
        // The function ran (and sent), or was dropped unrun (closing the channel).
        let sent = done.recv().is_ok();
        assert_eq!(sent, !stopped);
        assert_eq!(ran.load(Ordering::SeqCst), usize::from(!stopped));
    });
}

/// Go 1.23: a receive racing `stop` on a due timer: exactly one of them gets it —
/// the receive takes the value, or `stop` reports it stopped an active timer and no
/// value is received afterwards.
#[test]
fn timer_stop_races_a_receive() {
    model(|| {
        let t = Timer::new(Duration::ZERO);
        let rx = t.receiver().clone();
        let receiver = thread::spawn(move || rx.try_recv().is_ok());
        let stopped = t.stop();
        let received = receiver.join().unwrap();
        assert!(
            stopped != received,
            "stopped {stopped}, received {received}"
        );
        assert!(t.receiver().try_recv().is_err());
    });
}

/// A reset racing a receive: if `reset` found the old value unreceived (`true`), that
/// value is never received, and the new schedule yields exactly one; if the receive
/// took it first, the new schedule still yields one more.
#[test]
fn timer_reset_races_a_receive() {
    model(|| {
        let t = Arc::new(Timer::new(Duration::ZERO));
        let t2 = t.clone();
        let receiver = thread::spawn(move || t2.receiver().try_recv().is_ok());
        let was_active = t.reset(Duration::ZERO);
        let first = usize::from(receiver.join().unwrap());
        let later = usize::from(t.receiver().try_recv().is_ok());
        assert!(
            t.receiver().try_recv().is_err(),
            "a one-shot timer gave two values"
        );
        let expected = if was_active { 1 } else { 2 };
        assert_eq!(first + later, expected, "was_active {was_active}");
    });
}

/// `acquire_async` is cancel safe: a future polled once (queued), then dropped while
/// another thread releases the permits. Whether the release granted them to the
/// future before the drop or not, they all come back.
#[test]
fn semaphore_async_acquire_dropped_while_released() {
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    model(|| {
        let sem = Arc::new(Weighted::new(2));
        sem.acquire(2);
        let s2 = sem.clone();
        {
            let mut fut = Box::pin(sem.acquire_async(2));
            let waker = Waker::from(std::sync::Arc::new(Noop));
            let mut cx = Context::from_waker(&waker);
            assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
            let releaser = thread::spawn(move || s2.release(2));
            drop(fut);
            releaser.join().unwrap();
        }
        assert!(
            sem.try_acquire(2),
            "permits were lost with the dropped future"
        );
    });
}
