//! `chan::Timer`, `chan::Ticker` and `chan::after_func`: ports of Go's `time` tests
//! for `Stop` / `Reset` / `AfterFunc` / `NewTicker` (`sleep_test.go`, `tick_test.go`),
//! with Go 1.23's rule that no value of a stopped or reset schedule is received;
//! then gosync's own (blocked receivers and resets, panicking functions, bad input).
//!
//! No timing is asserted: waits are bounded by a watchdog only a hang reaches, and
//! "not yet" checks use schedules an hour away.

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, after_func, Ticker, Timer};
use gosync::select;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// An upper bound that only a hang reaches.
const WATCHDOG: Duration = Duration::from_secs(20);
const HOUR: Duration = Duration::from_secs(3600);

/// Ends gosync's timer thread once this test's `after_func` timers are gone (Miri
/// reports threads still running at exit; it runs the tests one at a time). Also lets
/// the threads that ran the functions finish.
fn tidy_up() {
    if cfg!(miri) {
        thread::sleep(Duration::from_millis(20));
    }
    #[cfg(feature = "async")]
    {
        let stopped = gosync::__private::stop_timer_thread();
        assert!(stopped || !cfg!(miri), "a test left a timer registered");
    }
}

/// TestTimerStopStress: many `AfterFunc` timers stopped by as many threads, some
/// before and some after they fire. Go checks that a stopped one never runs by waiting
/// past its time; here each `stop` result is checked against what happened: `true`
/// exactly for the functions that never ran (each function holds a sender, so the
/// channel closes once every function has run or been dropped).
#[test]
fn timer_stop_stress() {
    let n = if cfg!(miri) { 4 } else { 100 };
    let (ran_tx, ran) = chan::unbounded::<usize>();
    let stopped = AtomicUsize::new(0);
    thread::scope(|s| {
        for i in 0..n {
            let ran_tx = ran_tx.clone();
            let stopped = &stopped;
            s.spawn(move || {
                // Half fire at once, half an hour away: both sides of the race.
                let d = if i % 2 == 0 { Duration::ZERO } else { HOUR };
                let t = after_func(d, move || ran_tx.send(i).unwrap());
                if i % 4 == 0 {
                    thread::yield_now();
                }
                if t.stop() {
                    stopped.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    drop(ran_tx);
    let mut count = 0;
    while let Ok(i) = ran.recv_timeout(WATCHDOG) {
        assert_eq!(i % 2, 0, "timer {i} (an hour away) ran although stopped");
        count += 1;
    }
    assert!(ran.is_closed(), "a function neither ran nor was dropped");
    assert_eq!(count + stopped.load(Ordering::SeqCst), n);
    tidy_up();
}

/// TestReset, without its sleeps: resetting an unfired timer returns true and moves
/// its schedule (no value of the old one); a reset to now fires; resetting a fired
/// (received) timer returns false.
#[test]
fn reset() {
    let t = Timer::new(HOUR);
    assert!(
        t.reset(2 * HOUR),
        "resetting an unfired timer returned false"
    );
    assert!(t.receiver().try_recv().is_err(), "timer fired early");
    assert!(t.reset(Duration::ZERO));
    let due = t
        .receiver()
        .recv_timeout(WATCHDOG)
        .expect("reset timer did not fire");
    assert!(due <= Instant::now());
    assert!(!t.reset(HOUR), "resetting an expired timer returned true");
    assert!(t.stop());
}

/// Go 1.23: a timer that is due but not received is still active: stop / reset return
/// true, and the value of the old schedule is never received afterwards.
#[test]
fn no_stale_value_after_stop_or_reset() {
    let t = Timer::new(Duration::ZERO);
    let clone = t.receiver().clone();
    assert!(t.stop(), "due and unreceived: active");
    assert!(clone.try_recv().is_err(), "a stale value after stop");
    assert!(!t.stop());

    let t = Timer::new(Duration::ZERO);
    thread::sleep(Duration::from_millis(1)); // surely due
    assert!(t.reset(HOUR));
    assert!(
        t.receiver().try_recv().is_err(),
        "a stale value after reset"
    );
    assert_eq!(t.receiver().len(), 0);

    // A ticker with a tick due: reset and stop drop it.
    let tk = Ticker::new(Duration::from_nanos(1));
    thread::sleep(Duration::from_millis(1));
    tk.reset(HOUR);
    assert!(
        tk.receiver().try_recv().is_err(),
        "a stale tick after reset"
    );
    tk.reset(Duration::from_nanos(1));
    thread::sleep(Duration::from_millis(1));
    tk.stop();
    assert!(tk.receiver().try_recv().is_err(), "a stale tick after stop");
}

/// Clones of the receiver share the one value.
#[test]
fn clones_share_one_value() {
    let t = Timer::at(Instant::now());
    let a = t.receiver().clone();
    let b = t.receiver().clone();
    let got = [a.try_recv().is_ok(), b.try_recv().is_ok()];
    assert_eq!(got.iter().filter(|&&g| g).count(), 1);
    assert!(!t.stop(), "received: nothing to stop");
}

/// A timer whose instant is too far to represent never fires, yet is active.
#[test]
fn far_timer_never_fires_but_is_active() {
    let t = Timer::new(Duration::MAX);
    assert!(t.receiver().recv_timeout(Duration::from_millis(1)).is_err());
    assert!(t.stop());
}

/// A thread blocked on a timer's receiver follows a reset made by another thread:
/// to an earlier time, and after a stop.
#[test]
fn blocked_receiver_follows_reset() {
    let t = Timer::new(HOUR);
    thread::scope(|s| {
        let r = s.spawn(|| t.receiver().recv_timeout(WATCHDOG));
        thread::sleep(Duration::from_millis(2)); // likely blocked by now (either way works)
        assert!(t.reset(Duration::from_millis(1)));
        assert!(r.join().unwrap().is_ok(), "the blocked receiver slept on");
    });

    let t = Timer::new(HOUR);
    assert!(t.stop());
    thread::scope(|s| {
        let r = s.spawn(|| t.receiver().recv_timeout(WATCHDOG));
        thread::sleep(Duration::from_millis(2));
        assert!(!t.reset(Duration::ZERO), "was stopped");
        assert!(
            r.join().unwrap().is_ok(),
            "the re-armed timer did not wake it"
        );
    });
}

/// In a select loop, the thread that resets the timer sees the new schedule (Go's
/// idle-timeout pattern).
#[test]
fn select_loop_with_reset() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let (quit_tx, quit) = chan::bounded::<()>(0);
    let idle = Timer::new(HOUR);
    let producer = thread::spawn(move || {
        for i in 0..3 {
            tx.send(i).unwrap();
        }
        // then stays quiet (keeps the channel open) until the timer has fired
        let _ = quit.recv_timeout(WATCHDOG);
        drop(tx);
    });
    let mut got = Vec::new();
    loop {
        select! {
            recv(rx) -> v => {
                got.push(v.unwrap());
                if got.len() == 3 {
                    idle.reset(Duration::from_millis(1));
                } else {
                    idle.reset(HOUR);
                }
            }
            recv(idle.receiver()) -> _ => break,
        }
    }
    assert_eq!(got, [0, 1, 2]);
    drop(quit_tx);
    producer.join().unwrap();
}

/// TestAfterFunc: a chain of functions, each starting the next with `AfterFunc(0)`.
#[test]
fn after_func_chain() {
    fn step(left: u32, done: chan::Sender<()>) {
        if left == 0 {
            done.send(()).unwrap();
        } else {
            after_func(Duration::ZERO, move || step(left - 1, done));
        }
    }
    let (done_tx, done) = chan::bounded(0);
    after_func(Duration::ZERO, move || step(10, done_tx));
    assert!(done.recv_timeout(WATCHDOG).is_ok());
    tidy_up();
}

/// Stop after the function ran returns false; reset then arms nothing.
#[test]
fn after_func_stop_and_reset() {
    let (tx, rx) = chan::unbounded();
    let t = after_func(Duration::ZERO, move || tx.send(()).unwrap());
    assert!(rx.recv_timeout(WATCHDOG).is_ok());
    assert!(!t.stop());
    assert!(!t.reset(Duration::ZERO), "ran already: nothing to re-arm");
    assert!(
        rx.recv_timeout(WATCHDOG).is_err(),
        "f ran twice or its sender leaked"
    );

    // Stopped, then reset: runs then.
    let (tx, rx) = chan::bounded(1);
    let t = after_func(HOUR, move || tx.send("late").unwrap());
    assert!(t.stop());
    assert!(!t.reset(Duration::ZERO), "it was stopped");
    assert_eq!(rx.recv_timeout(WATCHDOG), Ok("late"));
    assert!(
        t.receiver().try_recv().is_err(),
        "an after_func timer has no values"
    );

    // A reset to later postpones it.
    let (tx, rx) = chan::bounded::<()>(1);
    let t = after_func(Duration::ZERO, move || tx.send(()).unwrap());
    if t.reset(HOUR) {
        assert!(rx.try_recv().is_err());
        assert!(t.stop());
        drop(t);
        assert!(
            rx.recv_timeout(WATCHDOG).is_err(),
            "its function was dropped"
        );
    }
    tidy_up();
}

/// Dropping the timer does not stop it (Go).
#[test]
fn after_func_runs_after_its_timer_is_dropped() {
    let (tx, rx) = chan::bounded(1);
    drop(after_func(Duration::from_millis(1), move || {
        tx.send(1).unwrap()
    }));
    assert_eq!(rx.recv_timeout(WATCHDOG), Ok(1));
    tidy_up();
}

/// A panicking function ends its own thread only: later timers still run.
#[test]
fn after_func_panicking_function() {
    let (tx, rx) = chan::bounded(1);
    after_func(Duration::ZERO, || panic!("boom in after_func"));
    after_func(Duration::from_millis(1), move || {
        tx.send("still works").unwrap()
    });
    assert_eq!(rx.recv_timeout(WATCHDOG), Ok("still works"));
    tidy_up();
}

/// TestNewTickerLtZeroDuration (Go panics on a non-positive interval; a `Duration`
/// cannot be negative, so zero): `new` and `reset` panic with a message saying so.
#[test]
fn zero_ticker_period_panics() {
    let err = panic::catch_unwind(|| Ticker::new(Duration::ZERO)).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("non-positive interval for Ticker::new"),
        "{msg}"
    );
    let tk = Ticker::new(HOUR);
    let err = panic::catch_unwind(AssertUnwindSafe(|| tk.reset(Duration::ZERO))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("non-positive interval for Ticker::reset"),
        "{msg}"
    );
    tk.stop();
}

/// TestTickerStopWithDirectInitialization (Go: stopping a `Ticker` that was never
/// started does not panic). Rust has no such ticker; the nearest: stop and reset in
/// any order, repeatedly, are fine, and a stopped ticker restarts on reset.
#[test]
fn ticker_stop_and_reset_in_any_order() {
    let tk = Ticker::new(HOUR);
    tk.stop();
    tk.stop();
    assert!(tk.receiver().try_recv().is_err());
    tk.reset(Duration::from_millis(1));
    for _ in 0..3 {
        assert!(tk.receiver().recv_timeout(WATCHDOG).is_ok());
    }
    tk.stop();
    assert!(tk.receiver().try_recv().is_err());
}

/// A ticker's values keep their phase and are increasing.
#[test]
fn ticker_ticks_increase() {
    let tk = Ticker::new(Duration::from_millis(1));
    let a = tk.receiver().recv().unwrap();
    let b = tk.receiver().recv().unwrap();
    assert!(b > a);
}

/// Async receives work on a timer's receiver.
#[cfg(feature = "async")]
#[test]
fn async_receive() {
    let t = Timer::new(Duration::from_millis(1));
    let due = futures::executor::block_on(t.receiver().recv_async()).unwrap();
    assert!(due <= Instant::now());
    assert!(!t.stop());
    tidy_up();
}

/// An async receive waiting on a stopped timer (no deadline registered with the timer
/// thread) is woken when another thread re-arms it; and one waiting on a far deadline
/// follows a reset to an earlier one. The future runs on a thread of its own, so
/// that the watchdog (an upper bound only a lost wake-up reaches) never polls it.
#[cfg(feature = "async")]
#[test]
fn async_receive_follows_reset() {
    for stopped_first in [true, false] {
        let t = Arc::new(Timer::new(HOUR));
        if stopped_first {
            assert!(t.stop());
        }
        let (polled_tx, polled) = chan::bounded::<()>(1);
        let (done_tx, done) = chan::bounded(1);
        let receiver = {
            let t = t.clone();
            thread::spawn(move || {
                let mut fut = Box::pin(t.receiver().recv_async());
                let got = futures::executor::block_on(futures::future::poll_fn(|cx| {
                    let r = std::future::Future::poll(fut.as_mut(), cx);
                    let _ = polled_tx.try_send(()); // polled: it waits now
                    r
                }));
                done_tx.send(got.is_ok()).unwrap();
            })
        };
        polled.recv().unwrap();
        t.reset(Duration::from_millis(1));
        let got = done
            .recv_timeout(WATCHDOG)
            .expect("the waiting receive was not woken by the reset");
        assert!(got);
        receiver.join().unwrap();
    }
    tidy_up();
}

/// `Timer` and `Ticker` can move between threads; `after_func` timers too.
#[test]
fn send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Timer>();
    assert_send_sync::<Ticker>();
    let t = Arc::new(Timer::new(HOUR));
    let t2 = t.clone();
    thread::spawn(move || assert!(t2.stop())).join().unwrap();
    assert!(!t.stop());
}
