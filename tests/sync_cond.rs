//! `gosync::Cond`: FIFO signal, broadcast, no spurious wake-up, timeouts.

#![allow(clippy::disallowed_types)]

use gosync::{chan, Cond, Mutex};
use static_assertions::assert_impl_all;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

assert_impl_all!(Cond: Send, Sync, Default);

static GLOBAL: Cond = Cond::new();

#[test]
fn static_const_new_and_no_waiters() {
    GLOBAL.signal();
    GLOBAL.broadcast();
    assert_eq!(format!("{GLOBAL:?}"), "Cond { waiters: 0 }");
}

/// `wait` returns only when a signal chose this waiter: the state it returns to
/// always shows the signaller's change (no spurious wake-ups, unlike std's Condvar).
#[test]
fn no_spurious_return() {
    for _ in 0..if cfg!(miri) { 3 } else { 200 } {
        let m = Arc::new(Mutex::new((false, false))); // (waiting, signalled)
        let c = Arc::new(Cond::new());
        let (m2, c2) = (m.clone(), c.clone());
        let waiter = thread::spawn(move || {
            let mut g = m2.lock();
            g.0 = true;
            let g = c2.wait(g); // once, not in a loop
            assert!(g.1, "woke without a signal");
        });
        loop {
            let mut g = m.lock();
            if g.0 {
                g.1 = true;
                drop(g);
                c.signal();
                break;
            }
            drop(g);
            thread::yield_now();
        }
        waiter.join().unwrap();
    }
}

/// A signal sent without holding the mutex, after the waiter released it inside
/// `wait`, is not lost.
#[test]
fn signal_without_lock_after_wait_began() {
    let m = Arc::new(Mutex::new(false));
    let c = Arc::new(Cond::new());
    let (started_tx, started) = chan::bounded::<()>(0);
    let (m2, c2) = (m.clone(), c.clone());
    let waiter = thread::spawn(move || {
        let g = m2.lock();
        started_tx.send(()).unwrap();
        drop(c2.wait(g));
    });
    started.recv().unwrap();
    drop(m.lock()); // the waiter is inside `wait` now
    c.signal(); // without the lock
    waiter.join().unwrap();
}

#[test]
fn wait_while_and_broadcast() {
    let state = Arc::new(Mutex::new(0));
    let c = Arc::new(Cond::new());
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let (state, c) = (state.clone(), c.clone());
            thread::spawn(move || (i, *c.wait_while(state.lock(), |n| *n < i)))
        })
        .collect();
    for n in 1..=4 {
        *state.lock() = n;
        c.broadcast();
    }
    for w in waiters {
        let (i, seen) = w.join().unwrap();
        assert!(seen >= i, "returned while the condition still held");
    }
}

#[test]
fn wait_timeout_times_out_and_relocks() {
    let m = Mutex::new(5);
    let c = Cond::new();
    let (g, timed_out) = c.wait_timeout(m.lock(), Duration::from_millis(2));
    assert!(timed_out);
    assert_eq!(*g, 5, "the guard is locked again");
    assert!(m.try_lock().is_none());
    drop(g);
    let (g, timed_out) = c.wait_timeout(m.lock(), Duration::ZERO);
    assert!(timed_out);
    drop(g);
    assert_eq!(
        format!("{c:?}"),
        "Cond { waiters: 0 }",
        "timed-out waiters left"
    );
}

#[test]
fn wait_timeout_signalled() {
    let m = Arc::new(Mutex::new(false));
    let c = Arc::new(Cond::new());
    let (m2, c2) = (m.clone(), c.clone());
    let waiter = thread::spawn(move || {
        let mut g = m2.lock();
        while !*g {
            let (g2, timed_out) = c2.wait_timeout(g, Duration::MAX); // no deadline
            assert!(!timed_out);
            g = g2;
        }
    });
    *m.lock() = true;
    c.signal();
    waiter.join().unwrap();
}

/// A waiter that timed out leaves the queue: a later signal goes to a waiter that
/// is still there, never to the departed one.
#[test]
fn timed_out_waiter_does_not_swallow_a_signal() {
    let m = Arc::new(Mutex::new((false, false))); // (b waiting, go)
    let c = Arc::new(Cond::new());
    let (m2, c2) = (m.clone(), c.clone());
    let b = thread::spawn(move || {
        let mut g = m2.lock();
        g.0 = true;
        let g = c2.wait(g);
        assert!(g.1);
    });
    // Wait until B is queued (it set the flag under the lock, then queued before
    // unlocking).
    loop {
        if m.lock().0 {
            break;
        }
        thread::yield_now();
    }
    // A waits after B, and times out.
    let (g, timed_out) = c.wait_timeout(m.lock(), Duration::from_millis(1));
    assert!(timed_out);
    drop(g);
    m.lock().1 = true;
    c.signal(); // must reach B
    b.join().unwrap();
}

#[test]
fn signal_wakes_longest_waiter_first() {
    let n = 5;
    let m = Arc::new(Mutex::new(0usize)); // how many are waiting
    let c = Arc::new(Cond::new());
    let (order_tx, order) = chan::unbounded();
    let mut hs = Vec::new();
    for i in 0..n {
        let (m2, c2, order_tx) = (m.clone(), c.clone(), order_tx.clone());
        hs.push(thread::spawn(move || {
            let mut g = m2.lock();
            *g += 1;
            let g = c2.wait(g);
            order_tx.send(i).unwrap();
            drop(g);
        }));
        while *m.lock() != i + 1 {
            thread::yield_now();
        }
    }
    for i in 0..n {
        c.signal();
        assert_eq!(order.recv().unwrap(), i);
    }
    for h in hs {
        h.join().unwrap();
    }
}
