//! Batched receive: `recv_many`, `try_recv_many`, `recv_many_async`.
//!
//! The values a batch takes must be exactly those that as many successive `recv`
//! calls would give — buffered values first, a full buffer refilled from parked
//! senders as it drains, parked senders in the order they parked — with every
//! sender whose value was taken woken, the limit kept, the buffer only appended to,
//! and (async) nothing lost or duplicated when the future is dropped mid-wait.

#![allow(clippy::disallowed_types)]

mod fault_common;

use fault_common::{assert_each_dropped_once, counters, dropped, scaled, val, wait_for, Val};
use gosync::chan::{self, RecvError, Sender, TryRecvError};
use std::collections::VecDeque;
use std::thread;
use std::time::Duration;

/// A tiny deterministic generator (xorshift64*): the cases are reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Parks one sender thread per value of `ids`, one after the other, so that they sit
/// in `sendq` in that order. The channel must be full (or a rendezvous).
fn park_senders<'s, T: Send + 's>(
    s: &'s thread::Scope<'s, '_>,
    tx: &'s Sender<T>,
    values: impl IntoIterator<Item = T>,
) -> Vec<thread::ScopedJoinHandle<'s, ()>> {
    let mut handles = Vec::new();
    for v in values {
        let before = tx.waiting_senders();
        handles.push(s.spawn(move || tx.send(v).map_err(|_| ()).expect("send failed")));
        wait_for(|| tx.waiting_senders() == before + 1);
    }
    handles
}

// ----- against a model -----

/// Random scripts of batched and single receives (and non-blocking sends) on every
/// capacity class, starting from a buffer holding some values and, when it is full,
/// some parked senders: every result equals that of a sequential model (a FIFO of
/// the values in channel order), every parked sender returns once its value is
/// taken, and `len()` matches the model throughout.
#[test]
fn batches_equal_successive_receives() {
    let seeds = scaled(40, 3) as u64;
    for cap in [Some(0), Some(1), Some(2), Some(3), None] {
        for seed in 1..=seeds {
            let mut rng = Rng(seed * 0x9e37_79b9 + cap.map_or(7, |c| c as u64));
            let (tx, rx) = match cap {
                Some(c) => chan::bounded::<usize>(c),
                None => chan::unbounded(),
            };
            let buffered = match cap {
                Some(c) => rng.below(c + 1),
                None => rng.below(6),
            };
            // Senders park only on a full buffer (or a rendezvous).
            let parked = if cap == Some(buffered) {
                rng.below(4)
            } else {
                0
            };
            let mut model: VecDeque<usize> = (0..buffered + parked).collect();
            let mut next = buffered + parked;
            for i in 0..buffered {
                tx.try_send(i).unwrap();
            }
            thread::scope(|s| {
                let senders = park_senders(s, &tx, buffered..buffered + parked);
                let mut buf = Vec::new();
                let mut steps = 0;
                while !model.is_empty() || steps < 4 {
                    steps += 1;
                    let limit = 1 + rng.below(4);
                    match rng.below(4) {
                        0 if !model.is_empty() => {
                            let before = buf.len();
                            let n = rx.recv_many(&mut buf, limit).unwrap();
                            let want: Vec<_> = model.drain(..limit.min(model.len())).collect();
                            assert_eq!(n, want.len(), "cap {cap:?} seed {seed}");
                            assert_eq!(buf[before..], want[..], "cap {cap:?} seed {seed}");
                        }
                        1 => {
                            let before = buf.len();
                            match rx.try_recv_many(&mut buf, limit) {
                                Ok(n) => {
                                    let want: Vec<_> =
                                        model.drain(..limit.min(model.len())).collect();
                                    assert_eq!(n, want.len(), "cap {cap:?} seed {seed}");
                                    assert_eq!(buf[before..], want[..], "cap {cap:?} seed {seed}");
                                }
                                Err(e) => {
                                    assert_eq!(e, TryRecvError::Empty);
                                    assert!(model.is_empty(), "cap {cap:?} seed {seed}");
                                }
                            }
                        }
                        2 => {
                            // A send succeeds exactly when the model has room: a
                            // full buffer stays full while senders are parked.
                            let room = cap.map_or(true, |c| model.len() < c);
                            assert_eq!(tx.try_send(next).is_ok(), room, "cap {cap:?} seed {seed}");
                            if room {
                                model.push_back(next);
                            }
                            next += 1;
                        }
                        _ => {
                            if let Some(want) = model.pop_front() {
                                assert_eq!(rx.recv(), Ok(want), "cap {cap:?} seed {seed}");
                            }
                        }
                    }
                    let buffered_now = cap.map_or(model.len(), |c| model.len().min(c));
                    assert_eq!(rx.len(), buffered_now, "cap {cap:?} seed {seed}");
                }
                for h in senders {
                    h.join().unwrap();
                }
                assert_eq!(rx.waiting_senders(), 0);
            });
            tx.close();
            let mut buf = Vec::new();
            assert_eq!(rx.recv_many(&mut buf, 3), Err(RecvError));
            assert_eq!(rx.try_recv_many(&mut buf, 3), Err(TryRecvError::Closed));
            assert!(buf.is_empty());
        }
    }
}

// ----- parked senders -----

#[test]
fn rendezvous_takes_parked_senders_in_fifo_order_and_wakes_them() {
    let (tx, rx) = chan::bounded::<u32>(0);
    thread::scope(|s| {
        let senders = park_senders(s, &tx, [10, 11, 12]);
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 8), Ok(3));
        assert_eq!(buf, [10, 11, 12]);
        assert_eq!(rx.waiting_senders(), 0);
        // Every sender was completed: each one returns.
        for h in senders {
            h.join().unwrap();
        }
    });
}

#[test]
fn a_full_buffer_is_refilled_from_parked_senders_as_it_drains() {
    let (tx, rx) = chan::bounded::<u32>(2);
    tx.send(0).unwrap();
    tx.send(1).unwrap();
    thread::scope(|s| {
        let senders = park_senders(s, &tx, [2, 3, 4]);
        let mut buf = Vec::new();
        // Three successive receives: 0 (refill 2), 1 (refill 3), 2 (refill 4).
        assert_eq!(rx.recv_many(&mut buf, 3), Ok(3));
        assert_eq!(buf, [0, 1, 2]);
        assert_eq!((rx.len(), rx.waiting_senders()), (2, 0));
        for h in senders {
            h.join().unwrap();
        }
        assert_eq!(rx.try_recv_many(&mut buf, 10), Ok(2));
        assert_eq!(buf, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn the_limit_is_kept_and_later_senders_stay_parked() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.send(0).unwrap();
    thread::scope(|s| {
        let mut senders = park_senders(s, &tx, [1, 2, 3]);
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 2), Ok(2));
        assert_eq!(buf, [0, 1]);
        // 2 moved into the buffer (its sender is done), 3's sender still waits.
        assert_eq!((rx.len(), rx.waiting_senders()), (1, 1));
        let last = senders.pop().unwrap();
        for h in senders {
            h.join().unwrap();
        }
        assert_eq!(rx.recv_many(&mut buf, 1), Ok(1));
        assert_eq!(rx.recv_many(&mut buf, 1), Ok(1));
        last.join().unwrap();
        assert_eq!(buf, [0, 1, 2, 3]);
    });
}

// ----- limits, buffers, closing -----

#[test]
fn limit_zero_returns_zero_at_once_even_when_closed() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.send(1).unwrap();
    let mut buf = vec![7];
    assert_eq!(rx.recv_many(&mut buf, 0), Ok(0));
    assert_eq!(rx.try_recv_many(&mut buf, 0), Ok(0));
    tx.close();
    assert_eq!(rx.recv_many(&mut buf, 0), Ok(0));
    assert_eq!(buf, [7]);
    assert_eq!(rx.len(), 1);
    // A never() receiver does not block for a zero limit either.
    assert_eq!(chan::never::<u32>().recv_many(&mut buf, 0), Ok(0));
}

#[test]
fn the_buffer_is_appended_to_and_its_capacity_reused() {
    let (tx, rx) = chan::bounded::<usize>(64);
    let mut buf = Vec::with_capacity(64);
    let ptr = buf.as_ptr();
    for round in 0..scaled(20, 3) {
        for i in 0..64 {
            tx.send(round * 64 + i).unwrap();
        }
        assert_eq!(rx.recv_many(&mut buf, 64), Ok(64));
        assert!(buf.iter().copied().eq(round * 64..round * 64 + 64));
        // No reallocation: the same storage every round.
        assert_eq!((buf.as_ptr(), buf.capacity()), (ptr, 64));
        buf.clear();
    }
    buf.push(usize::MAX);
    tx.send(5).unwrap();
    assert_eq!(rx.try_recv_many(&mut buf, 10), Ok(1));
    assert_eq!(buf, [usize::MAX, 5]);
}

#[test]
fn buffered_values_are_delivered_after_a_close_then_recv_error() {
    let (tx, rx) = chan::unbounded::<u32>();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    tx.close();
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 3), Ok(3));
    assert_eq!(rx.try_recv_many(&mut buf, 3), Ok(2));
    assert_eq!(buf, [0, 1, 2, 3, 4]);
    assert_eq!(rx.recv_many(&mut buf, 3), Err(RecvError));
    assert_eq!(rx.try_recv_many(&mut buf, 3), Err(TryRecvError::Closed));
    assert_eq!(buf.len(), 5);
}

#[test]
fn a_blocked_batch_is_woken_by_a_send_or_a_close() {
    let (tx, rx) = chan::bounded::<u32>(0);
    thread::scope(|s| {
        let t = s.spawn(|| {
            let mut buf = Vec::new();
            let n = rx.recv_many(&mut buf, 4);
            (n, buf)
        });
        wait_for(|| rx.waiting_receivers() == 1);
        tx.send(9).unwrap();
        assert_eq!(t.join().unwrap(), (Ok(1), vec![9]));
        let t = s.spawn(|| rx.recv_many(&mut Vec::new(), 4));
        wait_for(|| rx.waiting_receivers() == 1);
        tx.close();
        assert_eq!(t.join().unwrap(), Err(RecvError));
    });
}

/// A receiver woken with one value then takes what is ready after it: whatever the
/// timing, the values come in order and each exactly once.
#[test]
fn a_woken_batch_takes_what_arrived_after_its_first_value() {
    for cap in [0, 1, 4] {
        let total = scaled(300, 20);
        let (tx, rx) = chan::bounded::<usize>(cap);
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..total {
                    tx.send(i).unwrap();
                }
            });
            let mut buf = Vec::new();
            while let Ok(n) = rx.recv_many(&mut buf, 5) {
                assert!((1..=5).contains(&n));
            }
            assert!(buf.iter().copied().eq(0..total), "cap {cap}");
        });
    }
}

/// Several receivers batching against several senders: every value is received once.
#[test]
fn concurrent_batches_receive_every_value_once() {
    let per = scaled(2000, 30);
    let drops = counters(2 * per);
    let (tx, rx) = chan::bounded::<Val>(3);
    let got: Vec<Vec<usize>> = thread::scope(|s| {
        for k in 0..2 {
            let (tx, drops) = (tx.clone(), &drops);
            s.spawn(move || {
                for id in k * per..(k + 1) * per {
                    tx.send(val(drops, id)).map_err(|_| ()).unwrap();
                }
            });
        }
        drop(tx);
        let receivers: Vec<_> = (0..2)
            .map(|k| {
                let rx = rx.clone();
                s.spawn(move || {
                    let mut ids = Vec::new();
                    let mut buf = Vec::new();
                    if k == 0 {
                        while rx.recv_many(&mut buf, 7).is_ok() {
                            ids.extend(buf.drain(..).map(|v| v.id));
                        }
                    } else {
                        while let Ok(v) = rx.recv() {
                            ids.push(v.id);
                        }
                    }
                    ids
                })
            })
            .collect();
        receivers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<usize> = got.iter().flatten().copied().collect();
    // Per sender, the ids each receiver saw are increasing (FIFO per sender).
    for ids in &got {
        for k in 0..2 {
            let mine: Vec<_> = ids.iter().filter(|&&i| i / per == k).collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]));
        }
    }
    all.sort_unstable();
    assert!(all.iter().copied().eq(0..2 * per));
    assert_each_dropped_once(&drops, 2 * per);
}

// ----- drop counting -----

#[test]
fn every_value_is_dropped_once_after_partial_batches() {
    let drops = counters(6);
    let (tx, rx) = chan::bounded::<Val>(4);
    for id in 0..4 {
        tx.send(val(&drops, id)).map_err(|_| ()).unwrap();
    }
    thread::scope(|s| {
        let senders = park_senders(s, &tx, [val(&drops, 4), val(&drops, 5)]);
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 3), Ok(3));
        assert_eq!(buf.iter().map(|v| v.id).collect::<Vec<_>>(), [0, 1, 2]);
        for h in senders {
            h.join().unwrap();
        }
        assert_eq!(dropped(&drops, 6), 0);
        drop(buf);
        assert_eq!(dropped(&drops, 6), 3);
    });
    // 3, 4 and 5 are buffered: the last receiver drops them.
    drop(rx);
    assert_each_dropped_once(&drops, 6);
    drop(tx);
}

// ----- other receiver flavors -----

#[test]
fn timers_yield_one_value_per_call_and_never_is_empty() {
    let mut buf = Vec::new();
    let rx = chan::after(Duration::from_millis(1));
    assert_eq!(rx.recv_many(&mut buf, 10), Ok(1));
    let ticks = chan::tick(Duration::from_millis(1));
    thread::sleep(Duration::from_millis(5));
    assert_eq!(ticks.recv_many(&mut buf, 10), Ok(1));
    assert_eq!(ticks.recv_many(&mut buf, 10), Ok(1));
    assert_eq!(buf.len(), 3);
    let never = chan::never::<u8>();
    assert_eq!(
        never.try_recv_many(&mut Vec::new(), 4),
        Err(TryRecvError::Empty)
    );
}

// ----- async -----

#[cfg(feature = "async")]
mod async_many {
    use super::*;
    use futures::executor::block_on;
    use futures::task::noop_waker_ref;
    use gosync::chan::Receiver;
    use std::future::Future;
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    static_assertions::assert_impl_all!(chan::RecvManyFuture<'static, String>: Send, Sync);

    fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(noop_waker_ref()))
    }

    #[test]
    fn takes_buffered_and_parked_values_like_the_blocking_call() {
        let (tx, rx) = chan::bounded::<u32>(2);
        tx.send(0).unwrap();
        tx.send(1).unwrap();
        thread::scope(|s| {
            let senders = park_senders(s, &tx, [2, 3]);
            let mut buf = Vec::new();
            assert_eq!(block_on(rx.recv_many_async(&mut buf, 3)), Ok(3));
            assert_eq!(buf, [0, 1, 2]);
            for h in senders {
                h.join().unwrap();
            }
        });
        let mut buf = Vec::new();
        assert_eq!(block_on(rx.recv_many_async(&mut buf, 0)), Ok(0));
        tx.close();
        assert_eq!(block_on(rx.recv_many_async(&mut buf, 9)), Ok(1));
        assert_eq!(block_on(rx.recv_many_async(&mut buf, 9)), Err(RecvError));
        assert_eq!(buf, [3]);
    }

    #[test]
    fn a_waiting_batch_gets_a_handed_value_then_what_is_ready() {
        let (tx, rx) = chan::bounded::<u32>(2);
        let mut buf = Vec::new();
        {
            let mut fut = pin!(rx.recv_many_async(&mut buf, 8));
            assert!(poll_once(fut.as_mut()).is_pending());
            assert_eq!(rx.waiting_receivers(), 1);
            tx.try_send(1).unwrap(); // handed to the waiter
            tx.try_send(2).unwrap(); // buffered
            assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Ok(2)));
        }
        assert_eq!(buf, [1, 2]);
    }

    /// Dropped after a sender handed it a value: the value goes back to the front.
    #[test]
    fn a_dropped_future_gives_a_handed_value_back() {
        let (tx, rx) = chan::bounded::<u32>(0);
        let mut buf = Vec::new();
        {
            let mut fut = pin!(rx.recv_many_async(&mut buf, 4));
            assert!(poll_once(fut.as_mut()).is_pending());
            tx.try_send(7).unwrap();
        }
        assert!(buf.is_empty());
        assert_eq!(rx.waiting_receivers(), 0);
        assert_eq!(rx.try_recv_many(&mut buf, 4), Ok(1));
        assert_eq!(buf, [7]);
        // Dropped while waiting with nothing handed over: just unlinked.
        {
            let mut fut = pin!(rx.recv_many_async(&mut buf, 4));
            assert!(poll_once(fut.as_mut()).is_pending());
        }
        assert_eq!(rx.waiting_receivers(), 0);
    }

    #[test]
    fn never_is_pending_and_timers_give_one_value() {
        let never = chan::never::<u8>();
        let mut buf = Vec::new();
        assert!(poll_once(pin!(never.recv_many_async(&mut buf, 3))).is_pending());
        let rx = chan::after(Duration::from_millis(1));
        thread::sleep(Duration::from_millis(3));
        let mut buf = Vec::new();
        // Due already: ready on the first poll, no timer-thread registration.
        assert_eq!(
            poll_once(pin!(rx.recv_many_async(&mut buf, 3))),
            Poll::Ready(Ok(1))
        );
        assert_eq!(buf.len(), 1);
    }

    /// Batched receives dropped mid-wait inside `tokio::select!` (against a branch
    /// that is ready on its second poll), while a thread sends: every value arrives
    /// exactly once and is dropped exactly once.
    #[test]
    fn cancelled_batches_in_tokio_select_lose_nothing() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        for cap in [0, 1, 8] {
            let total = scaled(4000, 12);
            let drops = counters(total);
            let seen = Arc::new(Mutex::new(vec![0u8; total]));
            let cancelled = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = chan::bounded::<Val>(cap);
            let values: Vec<_> = (0..total).map(|id| val(&drops, id)).collect();
            let producer = thread::spawn(move || {
                for v in values {
                    tx.send(v).map_err(|_| ()).unwrap();
                }
            });
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let (rx, seen, cancelled) = (rx.clone(), seen.clone(), cancelled.clone());
                    rt.spawn(async move { consume(rx, &seen, &cancelled).await })
                })
                .collect();
            drop(rx);
            producer.join().unwrap();
            rt.block_on(async {
                for c in consumers {
                    c.await.unwrap();
                }
            });
            assert!(seen.lock().unwrap().iter().all(|&c| c == 1), "cap {cap}");
            assert_each_dropped_once(&drops, total);
            println!(
                "cap {cap}: {total} values once each, {} batches cancelled",
                cancelled.load(Ordering::Relaxed)
            );
        }
    }

    async fn consume(rx: Receiver<Val>, seen: &Mutex<Vec<u8>>, cancelled: &AtomicUsize) {
        let mut buf = Vec::new();
        loop {
            let r = tokio::select! {
                biased;
                r = rx.recv_many_async(&mut buf, 4) => Some(r),
                _ = tokio::task::yield_now() => None,
            };
            match r {
                Some(Ok(n)) => {
                    assert!((1..=4).contains(&n) && n == buf.len());
                    let mut seen = seen.lock().unwrap();
                    for v in buf.drain(..) {
                        seen[v.id] += 1;
                    }
                }
                Some(Err(RecvError)) => return,
                None => {
                    assert!(buf.is_empty(), "a cancelled batch appended values");
                    cancelled.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}
