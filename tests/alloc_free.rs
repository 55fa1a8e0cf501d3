//! No heap allocation per channel operation, after warm-up: a counting global
//! allocator counts the allocations made by the threads under measurement (a
//! thread-local flag and counter, so that spawning, the test harness and other tests
//! running in parallel are not counted), and every test asserts a count of zero over
//! many operations.
//!
//! The blocking tests force the blocking paths instead of hoping for them: before
//! each send, the sender waits until the receiver is parked (`waiting_receivers()`),
//! or the receiver waits until the sender is parked (`waiting_senders()`), so every
//! measured operation goes through the wait queues, the park and the direct hand-off.
#![cfg(not(gosync_loom))]
#![allow(clippy::disallowed_types)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::thread;

mod park_common;

struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc() {
    // `try_with`: an allocation during this thread's TLS teardown is not measured.
    if MEASURING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract;
// the counting touches only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: the caller's guarantees for `alloc` are passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` on this thread with its allocations counted; returns how many it made.
fn allocs_during(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    MEASURING.with(|m| m.set(true));
    f();
    MEASURING.with(|m| m.set(false));
    ALLOCS.with(Cell::get) - before
}

/// Measured operations per test (scaled down under Miri), and warm-up rounds first.
const OPS: usize = if cfg!(miri) { 50 } else { 5_000 };
const WARMUP: usize = if cfg!(miri) { 5 } else { 100 };

#[test]
fn counter_sees_allocations() {
    // The instrument itself: a Box made while measuring is counted.
    let n = allocs_during(|| drop(std::hint::black_box(Box::new(7u64))));
    assert_eq!(n, 1);
    // And nothing is counted when not measuring.
    let before = ALLOCS.with(Cell::get);
    drop(std::hint::black_box(vec![1u8; 32]));
    assert_eq!(ALLOCS.with(Cell::get), before);
}

#[test]
fn bounded_send_recv_allocate_nothing() {
    for cap in [1, 4, 64] {
        let (tx, rx) = gosync::bounded::<u64>(cap);
        let round = |i: u64| {
            for k in 0..cap as u64 {
                tx.send(i + k).unwrap();
            }
            assert!(tx.try_send(0).is_err(), "full");
            for k in 0..cap as u64 {
                assert_eq!(rx.recv(), Ok(i + k));
            }
            assert!(rx.try_recv().is_err(), "empty");
        };
        for i in 0..WARMUP as u64 {
            round(i);
        }
        let n = allocs_during(|| {
            for i in 0..(OPS / cap) as u64 {
                round(i);
            }
        });
        assert_eq!(n, 0, "cap {cap}: {n} allocations in {OPS} send/recv pairs");
    }
}

#[test]
fn try_ops_and_closed_channel_allocate_nothing() {
    let (tx, rx) = gosync::bounded::<u64>(2);
    for _ in 0..WARMUP {
        let _ = rx.try_recv();
    }
    let n = allocs_during(|| {
        for i in 0..OPS as u64 {
            assert!(rx.try_recv().is_err());
            tx.try_send(i).unwrap();
            assert_eq!(rx.try_recv(), Ok(i));
        }
    });
    assert_eq!(n, 0, "{n} allocations in {OPS} try_send/try_recv rounds");
    drop(tx);
    let n = allocs_during(|| {
        for _ in 0..OPS {
            assert!(rx.try_recv().is_err());
            assert!(rx.recv().is_err());
        }
    });
    assert_eq!(
        n, 0,
        "{n} allocations in {OPS} receives on a closed channel"
    );
}

/// Parks this thread once: a thread's first park registers its park record
/// (`gosync::debug` reads it), one allocation that the thread keeps for every later
/// park. Records of exited threads are reused, but a scoped thread marks its record
/// free in a TLS destructor, which runs after `thread::scope` has already returned:
/// the fresh thread of the next measurement may find none free and allocate one.
/// Each measured thread that the tests spawn therefore parks once before its
/// measurement. (Without this, the blocking tests failed about one run in five with
/// `GOSYNC_FENCES=full`: a 184-byte record and the registry's growth.)
///
/// A wait yields up to a few hundred times before it parks, and on a machine busy
/// with other tests those yields can outlast any deadline (a 1 ms timeout, then a
/// 20 ms one, sometimes never parked). So no deadline: a helper thread sends only
/// once `gosync::debug::blocked()` lists this thread as parked.
fn first_park() {
    let (tx, rx) = gosync::bounded::<()>(0);
    let me = thread::current().id();
    let helper = thread::spawn(move || {
        park_common::wait_until_parked(me);
        tx.send(()).unwrap();
    });
    assert_eq!(rx.recv(), Ok(()));
    helper.join().unwrap();
}

/// `rounds` hand-offs in which the receiver is parked before each send: the sender
/// hands its value straight to the parked receiver and wakes it.
fn receiver_parks_first(
    tx: &gosync::Sender<u64>,
    rx: &gosync::Receiver<u64>,
    rounds: usize,
) -> (usize, usize) {
    thread::scope(|s| {
        let receiver = s.spawn(|| {
            first_park();
            allocs_during(|| {
                for i in 0..rounds as u64 {
                    assert_eq!(rx.recv(), Ok(i));
                }
            })
        });
        let sent = allocs_during(|| {
            for i in 0..rounds as u64 {
                while tx.waiting_receivers() == 0 {
                    thread::yield_now();
                }
                tx.send(i).unwrap();
            }
        });
        (sent, receiver.join().unwrap())
    })
}

/// `rounds` sends in which the sender parks (the buffer full, or no receiver on a
/// rendezvous channel) before the receiver takes each value and wakes it.
fn sender_parks_first(
    tx: &gosync::Sender<u64>,
    rx: &gosync::Receiver<u64>,
    cap: usize,
    rounds: usize,
) -> (usize, usize) {
    thread::scope(|s| {
        let sender = s.spawn(|| {
            first_park();
            allocs_during(|| {
                for i in 0..rounds as u64 {
                    tx.send(i).unwrap();
                }
            })
        });
        let received = allocs_during(|| {
            for i in 0..rounds as u64 {
                // The last `cap` values sit in the buffer with no sender behind them.
                if (i as usize) < rounds.saturating_sub(cap) {
                    while rx.waiting_senders() == 0 {
                        thread::yield_now();
                    }
                }
                assert_eq!(rx.recv(), Ok(i));
            }
        });
        (sender.join().unwrap(), received)
    })
}

#[test]
fn blocking_handoffs_allocate_nothing() {
    // Forced hand-offs are slow (a park and an unpark each, and a busy machine may
    // give each wait a whole time slice): fewer of them.
    // At least a few rounds past the largest capacity, so that the sender really parks.
    let rounds = (OPS / 25).max(8);
    for cap in [0, 1, 4] {
        let (tx, rx) = gosync::bounded::<u64>(cap);
        receiver_parks_first(&tx, &rx, WARMUP);
        sender_parks_first(&tx, &rx, cap, WARMUP);
        let (s, r) = receiver_parks_first(&tx, &rx, rounds);
        assert_eq!(
            (s, r),
            (0, 0),
            "cap {cap}, receiver parked first: allocations by (sender, receiver)"
        );
        let (s, r) = sender_parks_first(&tx, &rx, cap, rounds);
        assert_eq!(
            (s, r),
            (0, 0),
            "cap {cap}, sender parked first: allocations by (sender, receiver)"
        );
    }
}

#[test]
fn unforced_rendezvous_traffic_allocates_nothing() {
    // Two threads hand values over a rendezvous channel as fast as they can (some
    // hand-offs spin, some park): neither allocates. The sending thread (this one)
    // parks once first too: its warm-up hand-offs may all succeed before it parks.
    first_park();
    let (tx, rx) = gosync::bounded::<u64>(0);
    let run = |rounds: usize| {
        thread::scope(|s| {
            let receiver = s.spawn(|| {
                first_park();
                allocs_during(|| {
                    for i in 0..rounds as u64 {
                        assert_eq!(rx.recv(), Ok(i));
                    }
                })
            });
            let sent = allocs_during(|| {
                for i in 0..rounds as u64 {
                    tx.send(i).unwrap();
                }
            });
            (sent, receiver.join().unwrap())
        })
    };
    run(WARMUP);
    assert_eq!(run(OPS), (0, 0), "allocations by (sender, receiver)");
}

/// A `select!` receiving over the first `k` (1 to 4) of `rxs`; returns the value.
fn select_recv(rxs: &[gosync::Receiver<u64>], k: usize) -> u64 {
    let r = match k {
        1 => gosync::select! { recv(rxs[0]) -> m => m },
        2 => gosync::select! { recv(rxs[0]) -> m => m, recv(rxs[1]) -> m => m },
        3 => gosync::select! {
            recv(rxs[0]) -> m => m,
            recv(rxs[1]) -> m => m,
            recv(rxs[2]) -> m => m,
        },
        _ => gosync::select! {
            recv(rxs[0]) -> m => m,
            recv(rxs[1]) -> m => m,
            recv(rxs[2]) -> m => m,
            recv(rxs[3]) -> m => m,
        },
    };
    r.unwrap()
}

/// A `select!` sending `v` over the first `k` (1 to 4) of `txs`.
fn select_send(txs: &[gosync::Sender<u64>], k: usize, v: u64) {
    let r = match k {
        1 => gosync::select! { send(txs[0], v) -> r => r },
        2 => gosync::select! { send(txs[0], v) -> r => r, send(txs[1], v) -> r => r },
        3 => gosync::select! {
            send(txs[0], v) -> r => r,
            send(txs[1], v) -> r => r,
            send(txs[2], v) -> r => r,
        },
        _ => gosync::select! {
            send(txs[0], v) -> r => r,
            send(txs[1], v) -> r => r,
            send(txs[2], v) -> r => r,
            send(txs[3], v) -> r => r,
        },
    };
    r.unwrap()
}

fn channels(cap: usize) -> (Vec<gosync::Sender<u64>>, Vec<gosync::Receiver<u64>>) {
    (0..4).map(|_| gosync::bounded(cap)).unzip()
}

#[test]
fn ready_selects_allocate_nothing() {
    // Selects that find a case ready at once: sends into room, receives of buffered
    // values, a default, and a mixed select of both kinds.
    let (txs, rxs) = channels(4);
    let round = |k: usize, i: u64| {
        select_send(&txs, k, i);
        assert_eq!(select_recv(&rxs, k), i);
        let nothing = gosync::select! {
            recv(rxs[0]) -> _ => false,
            recv(rxs[1]) -> _ => false,
            default => true,
        };
        assert!(nothing);
        let sent = gosync::select! {
            send(txs[2], i) -> r => r.is_ok(),
            recv(rxs[3]) -> _ => false,
        };
        assert!(sent);
        assert_eq!(rxs[2].try_recv(), Ok(i));
    };
    for k in 1..=4 {
        for i in 0..WARMUP as u64 {
            round(k, i);
        }
        let n = allocs_during(|| {
            for i in 0..OPS as u64 {
                round(k, i);
            }
        });
        assert_eq!(
            n, 0,
            "{k} cases: {n} allocations in {OPS} rounds of ready selects"
        );
    }
}

/// `rounds` selects over `k` channels that park before a peer completes them: the
/// receiving select parks on all `k`, then the sender sends on one of them; then the
/// sending select parks on all `k`, then the receiver takes from one of them.
fn parked_selects(
    txs: &[gosync::Sender<u64>],
    rxs: &[gosync::Receiver<u64>],
    k: usize,
    rounds: usize,
) -> (usize, usize) {
    thread::scope(|s| {
        let selecting = s.spawn(|| {
            first_park();
            allocs_during(|| {
                for i in 0..rounds as u64 {
                    assert_eq!(select_recv(rxs, k), i);
                    select_send(txs, k, i);
                }
            })
        });
        let peer = allocs_during(|| {
            for i in 0..rounds as u64 {
                let c = i as usize % k;
                while txs[c].waiting_receivers() == 0 {
                    thread::yield_now();
                }
                txs[c].send(i).unwrap();
                while rxs[c].waiting_senders() == 0 {
                    thread::yield_now();
                }
                assert_eq!(rxs[c].recv(), Ok(i));
            }
        });
        (selecting.join().unwrap(), peer)
    })
}

#[test]
fn parked_selects_allocate_nothing() {
    // At least a few rounds past the largest capacity, so that the sender really parks.
    let rounds = (OPS / 25).max(8); // as in `blocking_handoffs_allocate_nothing`
    for k in 1..=4 {
        // Rendezvous channels: nothing is ever ready without a parked peer.
        let (txs, rxs) = channels(0);
        parked_selects(&txs, &rxs, k, WARMUP);
        let (sel, peer) = parked_selects(&txs, &rxs, k, rounds);
        assert_eq!(
            (sel, peer),
            (0, 0),
            "{k} cases: allocations by (select thread, peer) in {rounds} parked selects"
        );
    }
}
