//! Exactly-once accounting under select on both sides, with timeouts: every value
//! created is dropped exactly once; a value whose send case was chosen (and returned
//! `Ok`) is received exactly once; a value whose case was not chosen, or whose select
//! timed out, is never received. One channel loses its receiver midway, so values are
//! also handed back in `SendError` and dropped by the channel from its buffer.
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, Sender};
use gosync::{select, Select};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

struct Ledger {
    drops: Vec<AtomicU8>,
    received: Vec<AtomicU8>,
    /// The sender saw `Ok` for this value.
    sent: Vec<AtomicU8>,
}

impl Ledger {
    fn new(n: usize) -> Arc<Ledger> {
        let v = || (0..n).map(|_| AtomicU8::new(0)).collect();
        Arc::new(Ledger {
            drops: v(),
            received: v(),
            sent: v(),
        })
    }
}

struct Tracked {
    id: usize,
    ledger: Arc<Ledger>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

const ITERS: usize = if cfg!(miri) { 20 } else { 1500 };
/// Values per producer iteration (one per send case).
const WIDTH: usize = 3;
const PRODUCERS: usize = 3;

fn timeout(k: usize) -> Duration {
    // A mix of non-blocking, short and longer waits.
    match k % 4 {
        0 => Duration::ZERO,
        1 => Duration::from_micros(20),
        2 => Duration::from_micros(200),
        _ => Duration::from_millis(2),
    }
}

#[test]
fn exactly_once_under_select_with_timeouts() {
    let total = PRODUCERS * ITERS * WIDTH;
    let ledger = Ledger::new(total);
    let (a_tx, a_rx) = chan::bounded::<Tracked>(0);
    let (b_tx, b_rx) = chan::bounded::<Tracked>(1);
    let (c_tx, c_rx) = chan::bounded::<Tracked>(4);
    // `d` loses its only receiver midway: sends fail and hand values back; what it
    // buffered is dropped by the channel.
    let (d_tx, d_rx) = chan::bounded::<Tracked>(8);

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (a, b, c, d) = (a_tx.clone(), b_tx.clone(), c_tx.clone(), d_tx.clone());
            let ledger = ledger.clone();
            thread::spawn(move || {
                let mk = |k: usize, j: usize| Tracked {
                    id: (p * ITERS + k) * WIDTH + j,
                    ledger: ledger.clone(),
                };
                for k in 0..ITERS {
                    let (v0, v1, v2) = (mk(k, 0), mk(k, 1), mk(k, 2));
                    let ids = (v0.id, v1.id, v2.id);
                    let chosen = match p {
                        // The macro, with a timeout.
                        0 => select! {
                            send(a, v0) -> r => r.is_ok().then_some(ids.0),
                            send(b, v1) -> r => r.is_ok().then_some(ids.1),
                            send(d, v2) -> r => r.is_ok().then_some(ids.2),
                            default(timeout(k)) => None,
                        },
                        // The dynamic select, with a timeout.
                        1 => Select::new()
                            .send(&c, v0, |r| r.is_ok().then_some(ids.0))
                            .send(&a, v1, |r| r.is_ok().then_some(ids.1))
                            .send(&d, v2, |r| r.is_ok().then_some(ids.2))
                            .wait_timeout(timeout(k))
                            .flatten(),
                        // Plain sends with timeouts, racing the selects.
                        _ => {
                            let target = [&a, &b, &c][k % 3];
                            drop((v1, v2)); // created, never sent
                            target.send_timeout(v0, timeout(k)).is_ok().then_some(ids.0)
                        }
                    };
                    if let Some(id) = chosen {
                        ledger.sent[id].store(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    drop((a_tx, b_tx, c_tx, d_tx));

    let record = |v: Tracked| {
        v.ledger.received[v.id].fetch_add(1, Ordering::SeqCst);
    };
    // Two select consumers: the macro and the dynamic select, both with timeouts,
    // switching closed channels off.
    let consumers: Vec<_> = (0..2)
        .map(|q| {
            let (a, b, c) = (a_rx.clone(), b_rx.clone(), c_rx.clone());
            thread::spawn(move || {
                let mut open: [Option<Receiver<Tracked>>; 3] = [Some(a), Some(b), Some(c)];
                let mut k = 0;
                while open.iter().any(Option::is_some) {
                    k += 1;
                    let got: Option<(usize, Option<Tracked>)> = if q == 0 {
                        select! {
                            recv(open[0]) -> m => Some((0, m.ok())),
                            recv(open[1]) -> m => Some((1, m.ok())),
                            recv(open[2]) -> m => Some((2, m.ok())),
                            default(timeout(k)) => None,
                        }
                    } else {
                        let mut sel = Select::new();
                        for (i, rx) in open.iter().enumerate() {
                            if let Some(rx) = rx {
                                sel = sel.recv(rx, move |m| (i, m.ok()));
                            }
                        }
                        sel.wait_timeout(timeout(k))
                    };
                    match got {
                        Some((_, Some(v))) => record(v),
                        Some((i, None)) => open[i] = None, // closed and drained
                        None => {}
                    }
                }
            })
        })
        .collect();
    drop((a_rx, b_rx, c_rx));
    // The consumer of `d` takes a few values, then leaves (dropping the receiver),
    // most likely while the producers still send to it.
    let d_consumer = thread::spawn(move || {
        for _ in 0..ITERS / 10 {
            match d_rx.recv() {
                Ok(v) => record(v),
                Err(_) => break,
            }
        }
    });
    d_consumer.join().unwrap();

    for p in producers {
        p.join().unwrap();
    }
    for c in consumers {
        c.join().unwrap();
    }

    let (mut sent, mut received, mut lost_to_d) = (0, 0, 0);
    for id in 0..total {
        let drops = ledger.drops[id].load(Ordering::SeqCst);
        let r = ledger.received[id].load(Ordering::SeqCst);
        let s = ledger.sent[id].load(Ordering::SeqCst);
        assert_eq!(drops, 1, "value {id} dropped {drops} times");
        assert!(
            r <= s,
            "value {id} received {r} times but its send did not succeed"
        );
        if r < s {
            // Only `d` may drop a value it accepted: case 2 of producers 0 and 1.
            let (p, j) = (id / (ITERS * WIDTH), id % WIDTH);
            assert!(p < 2 && j == 2, "value {id} was sent but never received");
            lost_to_d += 1;
        }
        sent += s as usize;
        received += r as usize;
    }
    eprintln!(
        "{total} values: {sent} sent, {received} received, {lost_to_d} dropped by a closed channel"
    );
    assert!(sent > 0 && received > 0);
}

#[test]
fn exactly_once_with_selects_on_both_sides_of_rendezvous_channels() {
    // Selects that both send and receive on the same rendezvous channels, in several
    // threads: every value is received exactly once or dropped unsent, never both.
    let threads = 3;
    let per = if cfg!(miri) { 10 } else { 2000 };
    let ledger = Ledger::new(threads * per);
    let chans: Vec<(Sender<Tracked>, Receiver<Tracked>)> =
        (0..2).map(|_| chan::bounded(0)).collect();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let ledger = ledger.clone();
            let (x_tx, x_rx) = chans[0].clone();
            let (y_tx, y_rx) = chans[1].clone();
            thread::spawn(move || {
                for k in 0..per {
                    let id = t * per + k;
                    let v = Tracked {
                        id,
                        ledger: ledger.clone(),
                    };
                    let (tx, rx) = if k % 2 == 0 {
                        (&x_tx, &y_rx)
                    } else {
                        (&y_tx, &x_rx)
                    };
                    select! {
                        send(tx, v) -> r => {
                            assert!(r.is_ok());
                            ledger.sent[id].store(1, Ordering::SeqCst);
                        }
                        recv(rx) -> m => {
                            let m = m.unwrap();
                            m.ledger.received[m.id].fetch_add(1, Ordering::SeqCst);
                        }
                        recv(x_rx) -> m => {
                            let m = m.unwrap();
                            m.ledger.received[m.id].fetch_add(1, Ordering::SeqCst);
                        }
                        default(timeout(k)) => {}
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    drop(chans);
    for id in 0..threads * per {
        assert_eq!(ledger.drops[id].load(Ordering::SeqCst), 1, "value {id}");
        assert_eq!(
            ledger.received[id].load(Ordering::SeqCst),
            ledger.sent[id].load(Ordering::SeqCst),
            "value {id}: a successful send is received exactly once, a failed one never"
        );
    }
}
