//! `Select::wait_async`: the select engine from async code — fairness, nil cases,
//! timers, wake-ups from threads, and cancellation that loses no value.
#![cfg(all(feature = "async", not(gosync_loom)))]
#![allow(clippy::disallowed_types)]

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use futures::FutureExt;
use gosync::select::{Local, Sendable};
use gosync::{chan, Select};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

// A `Sendable` select is `Send`; a `Local` one (the default kind) is not, since it may
// hold any closure.
static_assertions::assert_impl_all!(Select<'static, String, Sendable>: Send);
static_assertions::assert_not_impl_any!(Select<'static, String, Local>: Send, Sync);
static_assertions::assert_not_impl_any!(Select<'static, String>: Send);
static_assertions::assert_type_eq_all!(Select<'static, u8>, Select<'static, u8, Local>);

/// Compiles only for a `Send` future.
fn assert_send<F: Future + Send>(f: F) -> F {
    f
}

/// The `wait_async` future of a `Sendable` select over `Send` values is `Send`,
/// whatever its case types (the check is the call to `assert_send`, at compile time).
#[allow(dead_code)]
fn sendable_select_futures_are_send<'a>(
    rx: &'a gosync::Receiver<String>,
    tx: &'a gosync::Sender<Vec<u8>>,
    ticker: &'a gosync::Receiver<std::time::Instant>,
) -> impl Future<Output = usize> + Send + 'a {
    assert_send(
        Select::new_sendable()
            .recv(rx, |v| v.map_or(0, |s| s.len()))
            .send(tx, vec![1, 2], |r| usize::from(r.is_ok()))
            .recv(ticker, |_| 0)
            .wait_async(),
    )
}

fn n(full: usize) -> usize {
    if cfg!(miri) {
        // Miri runs these about 10^4 times slower, and tokio's runtime with them:
        // a handful of values per test still drives every path.
        (full / 200).max(4)
    } else {
        full
    }
}
/// Ends gosync's async timer thread once this test's timers are gone. Miri runs the
/// tests one at a time and reports any thread still running when the binary exits;
/// elsewhere another test may still hold a timer (then the thread ends when that
/// test stops it, or by itself after its idle grace).
fn stop_timer_thread() {
    let stopped = gosync::__private::stop_timer_thread();
    assert!(
        stopped || !cfg!(miri),
        "a test left an async timer registered"
    );
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(noop_waker_ref()))
}

#[test]
fn ready_cases_are_chosen_uniformly_and_biased_prefers_the_first() {
    let (atx, arx) = chan::bounded::<u8>(1);
    let (btx, brx) = chan::bounded::<u8>(1);
    let rounds = n(2000);
    let mut firsts = 0;
    for _ in 0..rounds {
        atx.try_send(1).ok();
        btx.try_send(2).ok();
        let v = block_on(
            Select::new()
                .recv(&arx, |v| v.unwrap())
                .recv(&brx, |v| v.unwrap())
                .wait_async(),
        );
        firsts += usize::from(v == 1);
    }
    // Uniform: both chosen often (the chance of a miss here is below 2^-100).
    assert!(
        firsts > rounds / 10 && firsts < rounds - rounds / 10,
        "{firsts}/{rounds}"
    );
    for _ in 0..n(100) {
        atx.try_send(1).ok();
        btx.try_send(2).ok();
        let v = block_on(
            Select::biased()
                .recv(&arx, |v| v.unwrap())
                .recv(&brx, |v| v.unwrap())
                .wait_async(),
        );
        assert_eq!(v, 1);
    }
}

#[test]
fn parks_and_is_woken_by_a_thread_and_by_a_receiver_taking_its_send() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let (out_tx, out_rx) = chan::bounded::<u32>(0);
    let mut fut = Box::pin(
        Select::new()
            .recv(&rx, |v| format!("recv {}", v.unwrap()))
            .send(&out_tx, 9, |r| format!("send {r:?}"))
            .wait_async(),
    );
    assert!(poll_once(fut.as_mut()).is_pending());
    assert_eq!(rx.waiting_receivers(), 1);
    assert_eq!(out_rx.waiting_senders(), 1);
    let t = std::thread::spawn(move || out_rx.recv());
    let r = block_on(fut);
    assert_eq!(r, "send Ok(())");
    assert_eq!(t.join().unwrap(), Ok(9));
    assert_eq!(
        rx.waiting_receivers(),
        0,
        "the losing case was unregistered"
    );
    drop(tx);
}

#[test]
fn a_select_with_no_case_never_completes() {
    let mut fut = Box::pin(Select::<()>::new().wait_async());
    assert!(poll_once(fut.as_mut()).is_pending());
    assert!(poll_once(fut.as_mut()).is_pending());
}

#[test]
fn timer_cases_fire_from_async_waits() {
    let (_tx, rx) = chan::bounded::<u8>(0);
    let timeout = chan::after(Duration::from_millis(5));
    let r = block_on(
        Select::new()
            .recv(&rx, |_| "value")
            .recv(&timeout, |_| "timeout")
            .wait_async(),
    );
    assert_eq!(r, "timeout");
    assert_eq!(rx.waiting_receivers(), 0);
    stop_timer_thread();
}

#[test]
fn dropping_a_completed_select_gives_the_value_back() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let (_other_tx, other) = chan::bounded::<u32>(0);
    let mut fut = Box::pin(
        Select::new()
            .recv(&rx, |v| v.unwrap())
            .recv(&other, |v| v.unwrap())
            .wait_async(),
    );
    assert!(poll_once(fut.as_mut()).is_pending());
    tx.send(5).unwrap(); // handed straight into the select's waiter
    drop(fut); // before the select returned it
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(other.waiting_receivers(), 0);
}

#[test]
fn dropping_a_waiting_select_drops_its_unsent_value_once() {
    struct Counted(std::sync::Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    let drops = std::sync::Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded::<Counted>(0);
    let mut fut = Box::pin(
        Select::new()
            .send(&tx, Counted(drops.clone()), |_| ())
            .wait_async(),
    );
    assert!(poll_once(fut.as_mut()).is_pending());
    assert_eq!(rx.waiting_senders(), 1);
    drop(fut);
    assert_eq!(rx.waiting_senders(), 0);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    assert!(rx.try_recv().is_err());
}

/// A storm of async selects dropped mid-wait (inside `futures::select!`, against a
/// timer) while a thread sends: every value is received exactly once.
#[test]
fn cancellation_storm_of_async_selects() {
    let total = n(3000);
    let (tx, rx) = chan::bounded::<usize>(0);
    let (_idle_tx, idle) = chan::bounded::<usize>(0);
    let producer = std::thread::spawn(move || {
        for i in 0..total {
            tx.send(i).unwrap();
            if i % 16 == 0 {
                // Gaps so that timers win (pacing only; any timing passes).
                std::thread::sleep(Duration::from_micros(300));
            }
        }
    });
    let mut seen = vec![0u8; total];
    let mut timer_wins = 0usize;
    block_on(async {
        loop {
            let sel = Select::new()
                .recv(&rx, |v| v.ok())
                .recv(&idle, |v| v.ok())
                .wait_async();
            let timer = chan::after(Duration::from_micros(100));
            futures::select! {
                v = sel.fuse() => match v {
                    Some(v) => seen[v] += 1,
                    None => break,
                },
                _ = timer.recv_async() => timer_wins += 1,
            }
        }
    });
    producer.join().unwrap();
    println!("async select storm: {total} values received exactly once; {timer_wins} selects dropped by the timer");
    assert!(
        seen.iter().all(|&c| c == 1),
        "a value was lost or duplicated"
    );
    stop_timer_thread();
}

/// The default (`Local`) select still takes closures that are not `Send` (an `Rc`
/// here), both blocking and async.
#[test]
fn local_selects_accept_closures_that_are_not_send() {
    use std::cell::Cell;
    use std::rc::Rc;
    let (tx, rx) = chan::bounded::<u32>(2);
    let seen = Rc::new(Cell::new(0));
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let s = seen.clone();
    Select::new().recv(&rx, move |v| s.set(v.unwrap())).wait();
    let s = seen.clone();
    let value = Rc::new(5u32); // a send value that is not `Send` either
    let (rc_tx, rc_rx) = chan::bounded::<Rc<u32>>(1);
    block_on(
        Select::biased()
            .recv(&rx, move |v| s.set(s.get() + v.unwrap()))
            .send(&rc_tx, value, |_| ())
            .wait_async(),
    );
    assert_eq!(seen.get(), 3, "the first (biased) case ran");
    assert!(rc_rx.try_recv().is_err(), "the send case was not chosen");
}

/// A `Sendable` select's future runs as a `tokio::spawn`ed task on the multi-thread
/// runtime, moving between worker threads, fed and closed by plain threads; with a
/// timer case, so that the timer thread wakes it too.
#[test]
fn sendable_select_runs_in_tokio_spawn_on_the_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let total = n(2000) as u32;
    let (tx, rx) = chan::bounded::<u32>(0);
    let (ack_tx, ack_rx) = chan::bounded::<u32>(0);
    let task = rt.spawn(async move {
        let (mut sum, mut timeouts) = (0u64, 0usize);
        let mut pending_ack: Option<u32> = None;
        loop {
            let timer = chan::after(Duration::from_millis(1));
            let mut sel = Select::new_sendable()
                .recv(&rx, |v| v.map(Some).ok())
                .recv(&timer, |_| Some(None));
            if let Some(a) = pending_ack {
                sel = sel.send(&ack_tx, a, |r| {
                    r.unwrap();
                    Some(Some(u32::MAX))
                });
            }
            match sel.wait_async().await {
                None => return (sum, timeouts),
                Some(None) => timeouts += 1,
                Some(Some(u32::MAX)) => pending_ack = None,
                Some(Some(v)) => {
                    assert!(pending_ack.is_none(), "a value arrived before its ack went");
                    sum += u64::from(v);
                    pending_ack = Some(v);
                }
            }
        }
    });
    let producer = std::thread::spawn(move || {
        for i in 0..total {
            tx.send(i).unwrap();
            assert_eq!(ack_rx.recv(), Ok(i), "acks come back in order");
        }
    });
    producer.join().unwrap();
    let (sum, timeouts) = rt.block_on(task).unwrap();
    println!("sendable select under tokio::spawn: {total} values, {timeouts} timer wins");
    assert_eq!(sum, u64::from(total) * u64::from(total - 1) / 2);
    drop(rt);
    stop_timer_thread();
}
