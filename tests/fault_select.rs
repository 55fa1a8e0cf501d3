//! Fault injection on select: a `select!` arm that panics, a `Select` builder closure
//! that panics, a send value whose expression panics — on a select that found a case
//! ready, and on one that parked and was woken by a peer. Every value is counted: the
//! chosen case's value is consumed exactly once, the send values of the cases not
//! chosen are dropped exactly once, the channels stay usable, and no waiter is left
//! linked in any queue (`waiting_senders()` / `waiting_receivers()` back to 0).
//!
//! Deterministic: peers wait on the waiter counts, never on sleeps. Counts shrink
//! under Miri.

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, Sender};
use gosync::{select, select_biased, Select};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

mod fault_common;
use fault_common::*;

fn rounds(n: usize) -> usize {
    if cfg!(miri) {
        2
    } else {
        n
    }
}

/// No waiter left linked on either channel, and both still carry values.
fn assert_clean_and_usable(a: (&Sender<Val>, &Receiver<Val>), b: (&Sender<Val>, &Receiver<Val>)) {
    for (tx, rx) in [a, b] {
        assert_eq!((tx.waiting_senders(), rx.waiting_receivers()), (0, 0));
        let extra = counters(1);
        // A rendezvous channel needs a receiver: use a select with a waiting peer
        // only for buffered ones; here a try on each side checks the lock is free.
        match tx.capacity() {
            Some(0) => {
                assert!(tx.try_send(val(&extra, 0)).is_err());
                assert!(rx.try_recv().is_err());
            }
            _ => {
                tx.try_send(val(&extra, 0)).map_err(|_| ()).unwrap();
                assert_eq!(rx.try_recv().map_err(|_| ()).unwrap().id, 0);
            }
        }
        assert_eq!(drop_count(&extra, 0), 1);
    }
}

#[test]
fn select_arm_panicking_after_a_ready_receive() {
    // A receive is ready at once (pass 1); its arm panics. The received value is
    // dropped once, by the unwinding arm; the send case's value, not chosen, once.
    quiet_injected_panics();
    for biased in [false, true] {
        let drops = counters(2);
        let (a_tx, a_rx) = chan::bounded::<Val>(1);
        let (b_tx, b_rx) = chan::bounded::<Val>(0); // nobody receives: never ready
        a_tx.send(val(&drops, 0)).unwrap();
        expect_injected(|| {
            let body = |v: Val| {
                assert_eq!(v.id, 0);
                panic!("injected: select arm fails")
            };
            if biased {
                select_biased! {
                    recv(a_rx) -> v => body(v.unwrap()),
                    send(b_tx, val(&drops, 1)) -> _ => unreachable!("no receiver"),
                }
            } else {
                select! {
                    send(b_tx, val(&drops, 1)) -> _ => unreachable!("no receiver"),
                    recv(a_rx) -> v => body(v.unwrap()),
                }
            }
        });
        assert_each_dropped_once(&drops, 2);
        assert_clean_and_usable((&a_tx, &a_rx), (&b_tx, &b_rx));
    }
}

#[test]
fn select_arm_panicking_after_a_parked_select_is_woken() {
    // The select parks on a receive and a send (both rendezvous); a peer completes
    // one of them; the arm of that case panics. Receive chosen: the value is dropped
    // once by the arm, the unsent value once by the select. Send chosen: the peer got
    // the value (and drops it), nothing else was taken.
    quiet_injected_panics();
    for r in 0..rounds(200) {
        let drops = counters(2);
        let (a_tx, a_rx) = chan::bounded::<Val>(0);
        let (b_tx, b_rx) = chan::bounded::<Val>(0);
        let peer_sends = r % 2 == 0;
        thread::scope(|s| {
            let peer = s.spawn(|| {
                // Wait until the select has linked both its waiters.
                wait_for(|| a_rx.waiting_receivers() == 1 && b_tx.waiting_senders() == 1);
                if peer_sends {
                    a_tx.send(val(&drops, 0)).unwrap();
                    None
                } else {
                    Some(b_rx.recv().unwrap().id)
                }
            });
            expect_injected(|| {
                select! {
                    recv(a_rx) -> v => {
                        assert_eq!(v.unwrap().id, 0);
                        panic!("injected: receive arm fails")
                    }
                    send(b_tx, val(&drops, 1)) -> res => {
                        res.unwrap();
                        panic!("injected: send arm fails")
                    }
                }
            });
            let got = peer.join().unwrap();
            assert_eq!(got, if peer_sends { None } else { Some(1) });
        });
        if peer_sends {
            assert_each_dropped_once(&drops, 2);
        } else {
            // Value 0 was never made; value 1 went to the peer, which dropped it.
            assert_eq!(drop_count(&drops, 1), 1);
        }
        assert_clean_and_usable((&a_tx, &a_rx), (&b_tx, &b_rx));
    }
}

#[test]
fn select_builder_closure_panicking() {
    // The same with the `Select` builder, through `wait`, `try_wait` and
    // `wait_timeout`: the chosen case's closure panics; the received value is dropped
    // once by the unwinding closure, the unsent value once with its case.
    quiet_injected_panics();
    for r in 0..rounds(200) {
        let drops = counters(3);
        let (a_tx, a_rx) = chan::bounded::<Val>(1);
        let (b_tx, b_rx) = chan::bounded::<Val>(0);
        let (c_tx, c_rx) = chan::unbounded::<Val>();
        let mode = r % 3;
        thread::scope(|s| {
            let peer = s.spawn(|| {
                if mode == 0 {
                    // `wait` parks first: hand the value to the parked select.
                    wait_for(|| a_rx.waiting_receivers() == 1);
                }
                a_tx.send(val(&drops, 0)).unwrap();
            });
            if mode != 0 {
                wait_for(|| a_rx.len() == 1);
            }
            expect_injected(|| {
                let sel = Select::new()
                    .send(&b_tx, val(&drops, 1), |_| unreachable!("no receiver"))
                    .recv(&a_rx, |v| {
                        let v = v.unwrap();
                        assert_eq!(v.id, 0);
                        panic!("injected: Select closure fails")
                    })
                    .recv(&c_rx, |_| unreachable!("empty"));
                match mode {
                    0 => sel.wait(),
                    1 => sel.try_wait().unwrap(),
                    _ => sel.wait_timeout(Duration::from_secs(3600)).unwrap(),
                }
            });
            peer.join().unwrap();
        });
        assert_each_dropped_once(&drops, 2);
        assert_eq!(drop_count(&drops, 2), 0);
        assert_clean_and_usable((&a_tx, &a_rx), (&b_tx, &b_rx));
        assert_eq!(c_rx.waiting_receivers(), 0);
        c_tx.send(val(&drops, 2)).unwrap();
        assert_eq!(c_rx.recv().unwrap().id, 2);
        assert_each_dropped_once(&drops, 3);
    }
}

#[test]
fn select_send_value_expression_panicking() {
    // The operands and send values are evaluated in source order before anything is
    // selected; the third case's value expression panics. The values already made
    // are dropped once, nothing was sent, nothing is linked.
    quiet_injected_panics();
    let drops = counters(2);
    let (a_tx, a_rx) = chan::bounded::<Val>(1);
    let (b_tx, b_rx) = chan::bounded::<Val>(1);
    let make = |id: usize| -> Val {
        if id == 9 {
            panic!("injected: send value expression fails");
        }
        val(&drops, id)
    };
    expect_injected(|| {
        select! {
            send(a_tx, make(0)) -> _ => unreachable!(),
            send(b_tx, make(1)) -> _ => unreachable!(),
            send(b_tx, make(9)) -> _ => unreachable!(),
        }
    });
    assert_each_dropped_once(&drops, 2);
    assert!(a_rx.is_empty() && b_rx.is_empty());
    assert_clean_and_usable((&a_tx, &a_rx), (&b_tx, &b_rx));
}

#[test]
fn panicking_arms_under_load_count_every_value() {
    // Two producers send on two rendezvous channels; two consumers loop on a select
    // that receives from both and sends a fresh value on a side channel drained by a
    // third thread; every fifth received value's arm panics (caught per iteration).
    // At the end every value made — received, sent on the side, or unsent — was
    // dropped exactly once, and every queue is empty.
    quiet_injected_panics();
    let per_producer = if cfg!(miri) { 10 } else { 2000 };
    let side_limit = per_producer / 2;
    let consumers = 2;
    // Ids: producer values first, then side values (one per consumer iteration).
    let side_base = 2 * per_producer;
    let side_cap = consumers * (2 * per_producer + side_limit + 4);
    let drops = counters(side_base + side_cap);
    let next_side = AtomicUsize::new(side_base);
    let panics = AtomicUsize::new(0);
    let (a_tx, a_rx) = chan::bounded::<Val>(0);
    let (b_tx, b_rx) = chan::bounded::<Val>(0);
    let (side_tx, side_rx) = chan::bounded::<Val>(0);
    thread::scope(|s| {
        for (p, tx) in [a_tx, b_tx].into_iter().enumerate() {
            let drops = &drops;
            s.spawn(move || {
                for i in 0..per_producer {
                    tx.send(val(drops, p * per_producer + i)).unwrap();
                }
            });
        }
        let drainer = s.spawn(move || side_rx.iter().count());
        for _ in 0..consumers {
            let (a_rx, b_rx, side_tx) = (a_rx.clone(), b_rx.clone(), side_tx.clone());
            let (drops, next_side, panics) = (&drops, &next_side, &panics);
            s.spawn(move || {
                let (mut a, mut b) = (Some(a_rx), Some(b_rx));
                let mut side_sent = 0;
                while a.is_some() || b.is_some() {
                    let side = (side_sent < side_limit).then_some(&side_tx);
                    let side_val = val(drops, next_side.fetch_add(1, Ordering::SeqCst));
                    let r = panic::catch_unwind(AssertUnwindSafe(|| {
                        let take = |v: Val| {
                            if v.id % 5 == 0 {
                                panic!("injected: arm fails on value {}", v.id);
                            }
                        };
                        select! {
                            recv(a) -> v => match v {
                                Ok(v) => take(v),
                                Err(_) => a = None,
                            },
                            recv(b) -> v => match v {
                                Ok(v) => take(v),
                                Err(_) => b = None,
                            },
                            send(side, side_val) -> res => {
                                res.unwrap();
                                side_sent += 1;
                            }
                        }
                    }));
                    if r.is_err() {
                        panics.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
        drop((a_rx, b_rx, side_tx));
        let side_received = drainer.join().unwrap();
        assert!(side_received <= consumers * side_limit);
    });
    let made = next_side.load(Ordering::SeqCst);
    assert!(made <= side_base + side_cap);
    assert_eq!(
        panics.load(Ordering::SeqCst),
        (2 * per_producer).div_ceil(5)
    );
    assert_each_dropped_once(&drops, made);
}
