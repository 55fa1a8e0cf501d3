//! `Select::wait_async`: the select engine from async code — fairness, nil cases,
//! timers, wake-ups from threads, and cancellation that loses no value.
#![cfg(all(feature = "async", not(gosync_loom)))]
#![allow(clippy::disallowed_types)]

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use futures::FutureExt;
use gosync::{chan, Select};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

fn n(full: usize) -> usize {
    if cfg!(miri) {
        (full / 50).max(4)
    } else {
        full
    }
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
}
