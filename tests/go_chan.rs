//! Go's own channel tests, ported to threads: the channel parts of
//! `src/runtime/chan_test.go` and of `test/chan/*.go` (with `test/chancap.go` and
//! `test/closedchan.go`), one module per Go file, each naming its origin.
//!
//! How the port maps Go onto gosync:
//! - a goroutine is a (scoped) thread;
//! - `select { case ...: default: }` on one channel is `try_send` / `try_recv`
//!   (multi-case selects belong to the select tests);
//! - where Go sleeps "so that the peer blocks", these tests wait until
//!   `waiting_senders()` / `waiting_receivers()` shows the peer parked: a parked peer is
//!   what the sleep was hoping for, and waiting for it cannot flake;
//! - where Go panics (send on a closed channel, double close), gosync returns an error
//!   that hands the value back, or `false`;
//! - the counts are sized for a 2-core machine, and much smaller under Miri.
//!
//! Only the public API is used.

#![allow(clippy::disallowed_types)] // plain std atomics as test flags

use gosync::chan::{self, Receiver, Sender};
use std::thread;

/// Whether the tests run under Miri (which is slow: scale everything down).
const MIRI: bool = cfg!(miri);

/// Spins, yielding, until `cond` holds: the replacement for Go's "sleep so that the
/// other goroutine blocks". A hang here is a failure (the peer never parked).
fn wait_until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

/// A channel of capacity `cap` (`None`: unbounded).
fn make<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(c) => chan::bounded(c),
        None => chan::unbounded(),
    }
}

/// Go's `stackGrowthRecursive`: uses a lot of stack, briefly.
fn stack_growth_recursive(i: u32) {
    let pad = std::hint::black_box([0u64; 128]);
    if i != 0 && pad[0] == 0 {
        stack_growth_recursive(i - 1);
    }
}

/// Port of `src/runtime/chan_test.go` (channel tests; the select tests are ported with
/// `select!`).
mod chan_test {
    use super::*;
    use gosync::chan::{RecvError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::time::Duration;

    /// Go loops `chanCap` over `0..N` (N = 200, 20 with `-short`); here over `0..N`
    /// plus one large capacity and unbounded.
    fn caps() -> Vec<Option<usize>> {
        let n = if MIRI { 3 } else { 20 };
        (0..n).map(Some).chain([Some(100), None]).collect()
    }

    /// TestChan: "Ensure that receive from empty chan blocks." and "Ensure that
    /// non-blocking receive does not block."
    #[test]
    fn recv_from_empty_chan_blocks() {
        for cap in caps() {
            let (tx, rx) = make::<i32>(cap);
            let recv1 = AtomicBool::new(false);
            let recv2 = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    let _ = rx.recv();
                    recv1.store(true, SeqCst);
                });
                s.spawn(|| {
                    // Go's `_, _ = <-c` (the two-result receive): here `iter`.
                    let _ = rx.iter().next();
                    recv2.store(true, SeqCst);
                });
                wait_until(|| tx.waiting_receivers() == 2);
                assert!(
                    !recv1.load(SeqCst) && !recv2.load(SeqCst),
                    "chan[{cap:?}]: receive from empty chan"
                );
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "chan[{cap:?}]");
                assert_eq!(
                    rx.recv_timeout(Duration::ZERO),
                    Err(RecvTimeoutError::Timeout),
                    "chan[{cap:?}]"
                );
                assert_eq!(rx.try_iter().next(), None, "chan[{cap:?}]");
                tx.send(0).unwrap();
                tx.send(0).unwrap();
            });
            assert!(recv1.load(SeqCst) && recv2.load(SeqCst), "chan[{cap:?}]");
            assert_eq!(rx.len(), 0, "chan[{cap:?}]: both values were handed over");
        }
    }

    /// TestChan: "Ensure that send to full chan blocks." and "Ensure that non-blocking
    /// send does not block." Then, beyond Go: the blocked sender's value lands at the
    /// tail of the buffer (hand-off from a parked sender keeps FIFO order).
    #[test]
    fn send_to_full_chan_blocks() {
        for cap in caps().into_iter().flatten() {
            let (tx, rx) = chan::bounded::<usize>(cap);
            for i in 0..cap {
                tx.send(i).unwrap();
            }
            const LAST: usize = 1_000_000;
            let sent = AtomicBool::new(false);
            thread::scope(|s| {
                s.spawn(|| {
                    tx.send(LAST).unwrap();
                    sent.store(true, SeqCst);
                });
                wait_until(|| rx.waiting_senders() == 1);
                assert!(!sent.load(SeqCst), "chan[{cap}]: send to full chan");
                assert_eq!(tx.try_send(7), Err(TrySendError::Full(7)), "chan[{cap}]");
                assert_eq!(
                    tx.send_timeout(8, Duration::ZERO),
                    Err(SendTimeoutError::Timeout(8)),
                    "chan[{cap}]"
                );
                let first = rx.recv().unwrap();
                assert_eq!(first, if cap == 0 { LAST } else { 0 }, "chan[{cap}]");
            });
            assert!(sent.load(SeqCst));
            let rest: Vec<usize> = rx.try_iter().collect();
            let want: Vec<usize> = (1..cap).chain((cap > 0).then_some(LAST)).collect();
            assert_eq!(rest, want, "chan[{cap}]");
        }
    }

    /// TestChan: "Ensure that we receive 0 from closed chan." Go's zero value and
    /// `ok == false` are `Err(RecvError)` here; buffered values come first.
    #[test]
    fn recv_from_closed_chan() {
        for cap in caps() {
            let n = cap.unwrap_or(16);
            let (tx, rx) = make::<usize>(cap);
            for i in 0..n {
                tx.send(i).unwrap();
            }
            assert!(tx.close());
            for i in 0..n {
                assert_eq!(rx.recv(), Ok(i), "chan[{cap:?}]");
            }
            assert_eq!(rx.recv(), Err(RecvError), "chan[{cap:?}]");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "chan[{cap:?}]");
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(3600)),
                Err(RecvTimeoutError::Closed),
                "chan[{cap:?}]"
            );
        }
    }

    /// TestChan: "Ensure that close unblocks receive."
    #[test]
    fn close_unblocks_recv() {
        for cap in caps() {
            let (tx, rx) = make::<i32>(cap);
            thread::scope(|s| {
                let done = s.spawn(|| rx.recv());
                wait_until(|| tx.waiting_receivers() == 1);
                assert!(tx.close());
                assert_eq!(done.join().unwrap(), Err(RecvError), "chan[{cap:?}]");
            });
            assert_eq!(rx.waiting_receivers(), 0);
        }
    }

    /// TestChan: "Send 100 integers, ensure that we receive them non-corrupted in FIFO
    /// order." (with `recv`, then with the two-result receive: here `recv_timeout`).
    #[test]
    fn fifo_one_sender() {
        let n = if MIRI { 10 } else { 100 };
        for cap in caps() {
            let (tx, rx) = make::<i32>(cap);
            thread::scope(|s| {
                s.spawn(|| (0..n).for_each(|i| tx.send(i).unwrap()));
                for i in 0..n {
                    assert_eq!(rx.recv(), Ok(i), "chan[{cap:?}]");
                }
                s.spawn(|| (0..n).for_each(|i| tx.send(i).unwrap()));
                for i in 0..n {
                    assert_eq!(
                        rx.recv_timeout(Duration::from_secs(3600)),
                        Ok(i),
                        "chan[{cap:?}]"
                    );
                }
            });
        }
    }

    /// TestChan: "Send 1000 integers in 4 goroutines, ensure that we receive what we
    /// send."
    #[test]
    fn many_senders_many_receivers() {
        const P: usize = 4;
        let l: usize = if MIRI { 10 } else { 200 };
        for cap in caps() {
            let (tx, rx) = make::<usize>(cap);
            let mut total: HashMap<usize, usize> = HashMap::new();
            thread::scope(|s| {
                for _ in 0..P {
                    s.spawn(|| (0..l).for_each(|i| tx.send(i).unwrap()));
                }
                let receivers: Vec<_> = (0..P)
                    .map(|_| {
                        s.spawn(|| {
                            let mut recv = HashMap::new();
                            for _ in 0..l {
                                *recv.entry(rx.recv().unwrap()).or_insert(0) += 1;
                            }
                            recv
                        })
                    })
                    .collect();
                for r in receivers {
                    for (k, v) in r.join().unwrap() {
                        *total.entry(k).or_insert(0) += v;
                    }
                }
            });
            assert_eq!(total.len(), l, "chan[{cap:?}]: received values");
            assert!(total.values().all(|&v| v == P), "chan[{cap:?}]: {total:?}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    }

    /// TestChan: "Test len/cap."
    #[test]
    fn len_cap() {
        for cap in caps() {
            let (tx, rx) = make::<usize>(cap);
            assert_eq!((rx.len(), rx.capacity()), (0, cap), "chan[{cap:?}]");
            let n = cap.unwrap_or(50);
            for i in 0..n {
                tx.send(i).unwrap();
            }
            assert_eq!((tx.len(), tx.capacity()), (n, cap), "chan[{cap:?}]");
            assert_eq!(rx.is_full(), cap.is_some(), "chan[{cap:?}]");
        }
    }

    /// TestNonblockRecvRace: a non-blocking receive racing with `close` on a channel
    /// that holds a value must find the channel ready (a value, or closed), never
    /// "empty": the lock-free empty check must be linearizable.
    #[test]
    fn nonblock_recv_race() {
        let n = if MIRI { 10 } else { 2000 };
        for _ in 0..n {
            let (tx, rx) = chan::bounded(1);
            tx.send(1).unwrap();
            thread::scope(|s| {
                let h = s.spawn(|| rx.try_recv());
                tx.close();
                let _ = rx.recv();
                let got = h.join().unwrap();
                assert_ne!(got, Err(TryRecvError::Empty), "chan is not ready");
            });
        }
    }

    /// TestChanSendInterface: non-blocking sends of trait objects to a full channel
    /// fail and hand the very same object back.
    #[test]
    fn send_interface() {
        let (tx, rx) = chan::bounded::<Box<dyn std::any::Any + Send>>(1);
        tx.send(Box::new(())).unwrap();
        let m: Box<dyn std::any::Any + Send> = Box::new(5u8);
        let addr = &*m as *const dyn std::any::Any as *const u8;
        let back = tx.try_send(m).unwrap_err().into_inner();
        assert_eq!(&*back as *const dyn std::any::Any as *const u8, addr);
        assert!(tx.try_send(Box::new("other")).unwrap_err().is_full());
        assert!(rx.recv().unwrap().is::<()>());
    }

    /// TestMultiConsumer: many workers ranging over one channel and feeding another;
    /// the feeder closes the first, waits for the workers, closes the second.
    #[test]
    fn multi_consumer() {
        const NWORK: usize = 23;
        let niter: usize = if MIRI { 50 } else { 20_000 };
        const PN: [usize; 10] = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];

        let (q_tx, q) = chan::bounded::<usize>(NWORK * 3);
        let (r_tx, r) = chan::bounded::<usize>(NWORK * 3);

        let workers: Vec<_> = (0..NWORK)
            .map(|w| {
                let (q, r_tx) = (q.clone(), r_tx.clone());
                thread::spawn(move || {
                    for v in &q {
                        // mess with the fifo-ish nature of range
                        if PN[w % PN.len()] == v {
                            thread::yield_now();
                        }
                        r_tx.send(v).unwrap();
                    }
                })
            })
            .collect();
        drop(q);

        let feeder = thread::spawn(move || {
            let mut expect = 0;
            for i in 0..niter {
                let v = PN[i % PN.len()];
                expect += v;
                q_tx.send(v).unwrap();
            }
            assert!(q_tx.close()); // no more work
            for w in workers {
                w.join().unwrap(); // workers done
            }
            assert!(r_tx.close()); // ... so there can be no more results
            expect
        });

        let (mut n, mut s) = (0, 0);
        for v in &r {
            n += 1;
            s += v;
        }
        let expect = feeder.join().unwrap();
        assert_eq!((n, s), (niter, expect));
    }

    /// Sends from deep in the stack, each time after using a lot of stack.
    fn deep_send(c: &Sender<[u64; 8]>, i: u64, depth: u32) {
        if depth == 0 {
            c.send([i; 8]).unwrap();
        } else {
            let pad = std::hint::black_box([depth; 64]);
            deep_send(c, i, depth - 1);
            std::hint::black_box(pad);
        }
    }

    /// TestShrinkStackDuringBlockedSend. Rust stacks do not move, but the waiter of a
    /// blocked send lives on the sender's stack: this checks that a receiver reads the
    /// right value out of a sender parked deep in its stack, each time after the sender
    /// used (and released) a lot of stack in between.
    #[test]
    fn blocked_send_deep_in_the_stack() {
        let n = if MIRI { 3 } else { 10 };
        let (c, rx) = chan::bounded(0);
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..n {
                    deep_send(&c, i, 20 + (i as u32 % 3));
                    // use lots of stack, briefly.
                    stack_growth_recursive(20);
                }
            });
            for i in 0..n {
                // Go sleeps so that the sender blocks; we wait until it has.
                wait_until(|| rx.waiting_senders() == 1);
                assert_eq!(rx.recv(), Ok([i; 8]), "bad channel read");
            }
        });
    }
}

/// Port of `test/chan/fifo.go`: "Test that unbuffered channels act as pure fifos."
mod fifo {
    use super::*;

    const N: i32 = 10;

    /// AsynchFifo (plus other capacities and unbounded).
    #[test]
    fn asynch_fifo() {
        for cap in [Some(N as usize), Some(1), Some(3), None] {
            let (tx, rx) = make(cap);
            for round in 0..3 {
                let k = cap.unwrap_or(N as usize) as i32;
                for i in 0..k {
                    tx.send(round * 100 + i).unwrap();
                }
                for i in 0..k {
                    assert_eq!(rx.recv(), Ok(round * 100 + i), "bad receive");
                }
            }
        }
    }

    /// Go's `Chain`: waits for its turn on `inp`, takes one value from `ch`, which must be
    /// `val`, then passes the turn on.
    fn chain(ch: &Receiver<i32>, val: i32, inp: Receiver<i32>, out: Sender<i32>) {
        inp.recv().unwrap();
        assert_eq!(ch.recv(), Ok(val));
        out.send(1).unwrap();
    }

    /// SynchFifo: "thread together a daisy chain to read the elements in sequence".
    #[test]
    fn synch_fifo() {
        let (ch_tx, ch) = chan::bounded(0);
        let (start, mut inp) = chan::bounded(0);
        thread::scope(|s| {
            for i in 0..N {
                let (out, next) = chan::bounded(0);
                let ch = &ch;
                s.spawn(move || chain(ch, i, inp, out));
                inp = next;
            }
            start.send(0).unwrap();
            for i in 0..N {
                ch_tx.send(i).unwrap();
            }
            assert_eq!(inp.recv(), Ok(1));
        });
    }
}

/// Port of `test/chan/nonblock.go`: "Test channel operations that test for blocking.
/// Use several sizes and types of operands."
///
/// Go retries each non-blocking operation with sleeps until the peer goroutine is
/// ready; here the peer is known to be ready (parked, or done for a buffered channel)
/// before the one non-blocking attempt, which must then succeed.
mod nonblock {
    use super::*;
    use gosync::chan::TryRecvError;
    use std::fmt::Debug;

    fn check<T>(a: T, b: T)
    where
        T: Clone + PartialEq + Debug + Send + Sync,
    {
        for buffer in 0..2 {
            let (tx, rx) = chan::bounded::<T>(buffer);
            let (sync_tx, sync_rx) = chan::bounded::<bool>(0);

            // Nothing to receive yet: a non-blocking receive does not block.
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

            thread::scope(|s| {
                // i32receiver
                s.spawn(|| {
                    assert_eq!(rx.recv().as_ref(), Ok(&a), "value");
                    sync_tx.send(true).unwrap();
                });
                if buffer == 0 {
                    wait_until(|| tx.waiting_receivers() == 1);
                }
                assert!(tx.try_send(a.clone()).is_ok(), "receiver buffer={buffer}");
                assert_eq!(sync_rx.recv(), Ok(true));

                // i32sender
                s.spawn(|| {
                    tx.send(b.clone()).unwrap();
                    sync_tx.send(true).unwrap();
                });
                if buffer > 0 {
                    assert_eq!(sync_rx.recv(), Ok(true));
                } else {
                    wait_until(|| rx.waiting_senders() == 1);
                }
                assert_eq!(rx.try_recv().as_ref(), Ok(&b), "sender buffer={buffer}");
                if buffer == 0 {
                    assert_eq!(sync_rx.recv(), Ok(true));
                }
            });
        }
    }

    #[test]
    fn i32_values() {
        check::<i32>(123, 234);
    }

    #[test]
    fn i64_values() {
        check::<i64>(123456, 234567);
    }

    #[test]
    fn bool_values() {
        check(true, true);
    }

    #[test]
    fn string_values() {
        check("hello".to_string(), "hello again".to_string());
    }

    #[test]
    fn large_values() {
        check([7u64; 64], [9u64; 64]);
    }
}

/// Port of `test/chan/zerosize.go`: "Test making channels of a zero-sized type."
/// Extended: such channels work (and drop their values) at every capacity.
mod zerosize {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[derive(Debug, PartialEq)]
    struct Empty;

    #[test]
    fn make_zero_sized() {
        let _ = chan::bounded::<[u8; 0]>(0);
        let _ = chan::bounded::<[u8; 0]>(1);
        let _ = chan::bounded::<()>(0);
        let _ = chan::bounded::<()>(1);
        let _ = chan::bounded::<Empty>(0);
        let _ = chan::bounded::<Empty>(1);
        let _ = chan::bounded::<Empty>(usize::MAX);
        let _ = chan::unbounded::<Empty>();
    }

    #[test]
    fn zero_sized_values_flow() {
        for cap in [Some(1), Some(5), Some(usize::MAX), None] {
            let (tx, rx) = make::<[u8; 0]>(cap);
            let n = cap.map_or(1000, |c| c.min(1000));
            for _ in 0..n {
                tx.try_send([]).unwrap();
            }
            assert_eq!(rx.len(), n);
            assert_eq!(tx.is_full(), cap == Some(n));
            assert_eq!(rx.try_iter().count(), n);
            assert!(rx.is_empty());
        }
        let (tx, rx) = chan::bounded::<Empty>(0);
        thread::scope(|s| {
            s.spawn(|| tx.send(Empty).unwrap());
            assert_eq!(rx.recv(), Ok(Empty));
        });
    }

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    /// A zero-sized value whose drops are counted.
    struct Zd;
    impl Drop for Zd {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn zero_sized_values_are_dropped_once() {
        let (tx, rx) = chan::bounded::<Zd>(usize::MAX);
        for _ in 0..10 {
            tx.send(Zd).unwrap();
        }
        drop(rx.recv().unwrap());
        assert_eq!(DROPS.load(SeqCst), 1);
        drop(rx); // the last receiver drops the 9 buffered values
        assert_eq!(DROPS.load(SeqCst), 10);
        drop(tx.send(Zd).unwrap_err().into_inner());
        assert_eq!(DROPS.load(SeqCst), 11);
    }
}

/// Port of `test/chancap.go`: "Test the cap predeclared function applied to
/// channels." Go's `makechan: size out of range` panics are gosync's allocation
/// failure panic, which names the capacity.
mod chancap {
    use super::*;

    #[test]
    fn len_and_cap() {
        let (tx, rx) = chan::bounded::<i64>(10);
        assert_eq!((rx.len(), rx.capacity()), (0, Some(10)));
        for i in 0..3 {
            tx.send(i).unwrap();
        }
        assert_eq!((rx.len(), tx.capacity()), (3, Some(10)));
        let (tx, rx) = chan::bounded::<i64>(0);
        assert_eq!(
            (rx.len(), rx.capacity(), tx.capacity()),
            (0, Some(0), Some(0))
        );
    }

    /// `make(T, n)` with `n := -1`: the nearest Rust spelling is `-1 as usize`.
    #[test]
    #[cfg(target_pointer_width = "64")]
    #[should_panic(
        expected = "gosync: cannot allocate a channel buffer of capacity 18446744073709551615"
    )]
    fn negative_capacity() {
        let n: i64 = -1;
        let _ = chan::bounded::<i64>(n as usize);
    }

    /// "Test mem > maxAlloc": 2^59 eight-byte values. (Not under Miri, which stops
    /// on an allocation this size instead of reporting a failure.)
    #[test]
    #[cfg(all(target_pointer_width = "64", not(miri)))]
    #[should_panic(
        expected = "gosync: cannot allocate a channel buffer of capacity 576460752303423488"
    )]
    fn capacity_over_max_alloc() {
        let _ = chan::bounded::<i64>(1 << 59);
    }

    /// "Test elem.size*cap overflow".
    #[test]
    #[cfg(target_pointer_width = "64")]
    #[should_panic(
        expected = "gosync: cannot allocate a channel buffer of capacity 9223372036854775807"
    )]
    fn capacity_times_size_overflows() {
        let _ = chan::bounded::<i64>((1 << 63) - 1);
    }
}

/// Port of `test/closedchan.go`: "Test close(c), receive of closed channel."
///
/// Go runs every check through three implementations of one interface: plain
/// operations, `select`, and `select` with an extra case. Here the three are plain
/// operations, the `*_timeout` operations (non-blocking = `Duration::ZERO`), and the
/// `*_deadline` operations and iterators. Go's panics become errors: a send on a
/// closed channel hands the value back, and a second close returns `false`.
mod closedchan {
    use super::*;
    use std::time::{Duration, Instant};

    /// Go's `Chan` interface, adapted: `None` is Go's zero value with `ok == false`.
    trait Chan {
        /// Blocking send; `Err` hands the value back (Go panics).
        fn send(&self, v: i32) -> Result<(), i32>;
        /// Non-blocking send: `Ok(true)` sent, `Ok(false)` would block, `Err` closed.
        fn nbsend(&self, v: i32) -> Result<bool, i32>;
        /// Blocking receive (Go's `Recv2`).
        fn recv(&self) -> Option<i32>;
        /// Non-blocking receive: `(value, selected)` (Go's `Nbrecv2`).
        fn nbrecv(&self) -> (Option<i32>, bool);
        fn close(&self) -> bool;
        fn imp(&self) -> &'static str;
    }

    /// Go's `XChan`: plain operations.
    struct XChan(Sender<i32>, Receiver<i32>);
    /// Go's `SChan`: here, the timeout operations.
    struct TChan(Sender<i32>, Receiver<i32>);
    /// Go's `SSChan`: here, the deadline operations and the iterators.
    struct DChan(Sender<i32>, Receiver<i32>);

    const LONG: Duration = Duration::from_secs(3600);

    impl Chan for XChan {
        fn send(&self, v: i32) -> Result<(), i32> {
            self.0.send(v).map_err(|e| e.into_inner())
        }
        fn nbsend(&self, v: i32) -> Result<bool, i32> {
            match self.0.try_send(v) {
                Ok(()) => Ok(true),
                Err(chan::TrySendError::Full(_)) => Ok(false),
                Err(chan::TrySendError::Closed(v)) => Err(v),
            }
        }
        fn recv(&self) -> Option<i32> {
            self.1.recv().ok()
        }
        fn nbrecv(&self) -> (Option<i32>, bool) {
            match self.1.try_recv() {
                Ok(v) => (Some(v), true),
                Err(chan::TryRecvError::Empty) => (None, false),
                Err(chan::TryRecvError::Closed) => (None, true),
            }
        }
        fn close(&self) -> bool {
            self.0.close()
        }
        fn imp(&self) -> &'static str {
            "(plain)"
        }
    }

    impl Chan for TChan {
        fn send(&self, v: i32) -> Result<(), i32> {
            self.0.send_timeout(v, LONG).map_err(|e| {
                assert!(e.is_closed(), "timed out");
                e.into_inner()
            })
        }
        fn nbsend(&self, v: i32) -> Result<bool, i32> {
            match self.0.send_timeout(v, Duration::ZERO) {
                Ok(()) => Ok(true),
                Err(chan::SendTimeoutError::Timeout(_)) => Ok(false),
                Err(chan::SendTimeoutError::Closed(v)) => Err(v),
            }
        }
        fn recv(&self) -> Option<i32> {
            match self.1.recv_timeout(Duration::MAX) {
                Ok(v) => Some(v),
                Err(e) => {
                    assert!(e.is_closed(), "timed out");
                    None
                }
            }
        }
        fn nbrecv(&self) -> (Option<i32>, bool) {
            match self.1.recv_timeout(Duration::ZERO) {
                Ok(v) => (Some(v), true),
                Err(chan::RecvTimeoutError::Timeout) => (None, false),
                Err(chan::RecvTimeoutError::Closed) => (None, true),
            }
        }
        fn close(&self) -> bool {
            self.0.close()
        }
        fn imp(&self) -> &'static str {
            "(timeout)"
        }
    }

    impl Chan for DChan {
        fn send(&self, v: i32) -> Result<(), i32> {
            self.0.send_deadline(v, Instant::now() + LONG).map_err(|e| {
                assert!(e.is_closed(), "timed out");
                e.into_inner()
            })
        }
        fn nbsend(&self, v: i32) -> Result<bool, i32> {
            // A deadline already past: one attempt, no wait.
            match self.0.send_deadline(v, Instant::now()) {
                Ok(()) => Ok(true),
                Err(chan::SendTimeoutError::Timeout(_)) => Ok(false),
                Err(chan::SendTimeoutError::Closed(v)) => Err(v),
            }
        }
        fn recv(&self) -> Option<i32> {
            self.1.iter().next()
        }
        fn nbrecv(&self) -> (Option<i32>, bool) {
            match self.1.recv_deadline(Instant::now()) {
                Ok(v) => (Some(v), true),
                Err(chan::RecvTimeoutError::Timeout) => (None, false),
                Err(chan::RecvTimeoutError::Closed) => (None, true),
            }
        }
        fn close(&self) -> bool {
            self.0.close()
        }
        fn imp(&self) -> &'static str {
            "(deadline)"
        }
    }

    fn test1(c: &dyn Chan) {
        let imp = c.imp();
        for _ in 0..3 {
            // recv a close signal
            assert_eq!(c.recv(), None, "test1: recv on closed {imp}");
            // should work with select: received without blocking, so selected == true.
            assert_eq!(c.nbrecv(), (None, true), "test1: recv on closed nb {imp}");
        }

        // Go panics on a send on a closed channel; here it hands the value back.
        assert_eq!(c.nbsend(1), Err(1), "test1: nbsend on closed {imp}");
        // the value should have been discarded.
        assert_eq!(
            c.recv(),
            None,
            "test1: recv on closed got a value after send on closed {imp}"
        );

        // similarly Send.
        assert_eq!(c.send(2), Err(2), "test1: send on closed {imp}");
        assert_eq!(
            c.recv(),
            None,
            "test1: recv on closed got a value after send on closed {imp}"
        );
        assert!(!c.close(), "test1: second close {imp}");
    }

    /// Should be able to get the last value with a blocking receive.
    fn testasync1(c: &dyn Chan) {
        assert_eq!(c.recv(), Some(1), "testasync1: {}", c.imp());
        test1(c);
    }

    /// Should be able to get the last value with a non-blocking receive.
    fn testasync2(c: &dyn Chan) {
        assert_eq!(c.nbrecv(), (Some(1), true), "testasync2: {}", c.imp());
        test1(c);
    }

    fn closedsync() -> (Sender<i32>, Receiver<i32>) {
        let (tx, rx) = chan::bounded(0);
        assert!(tx.close());
        (tx, rx)
    }

    fn closedasync() -> (Sender<i32>, Receiver<i32>) {
        let (tx, rx) = chan::bounded(2);
        tx.send(1).unwrap();
        assert!(tx.close());
        (tx, rx)
    }

    type Mk = fn((Sender<i32>, Receiver<i32>)) -> Box<dyn Chan>;
    const MKS: [Mk; 3] = [
        |(t, r)| Box::new(XChan(t, r)),
        |(t, r)| Box::new(TChan(t, r)),
        |(t, r)| Box::new(DChan(t, r)),
    ];

    #[test]
    fn closed_sync() {
        for mk in MKS {
            test1(&*mk(closedsync()));
        }
    }

    #[test]
    fn closed_async() {
        for testclosed in [testasync1, testasync2] {
            for mk in MKS {
                testclosed(&*mk(closedasync()));
            }
        }
        // Unbounded, too.
        for mk in MKS {
            let (tx, rx) = chan::unbounded();
            tx.send(1).unwrap();
            tx.close();
            testasync1(&*mk((tx, rx)));
        }
    }

    /// Go: closing a closed channel panics. Here the second close returns `false`,
    /// whichever way the channel was closed first.
    #[test]
    fn double_close() {
        let (tx, _rx) = chan::bounded::<i32>(0);
        assert!(tx.close());
        assert!(!tx.close());

        // Closed by dropping the other senders.
        let (tx, _rx) = chan::bounded::<i32>(1);
        let tx2 = tx.clone();
        tx.close();
        drop(tx);
        assert!(!tx2.close());

        // Closed by dropping the last receiver.
        let (tx, rx) = chan::bounded::<i32>(1);
        drop(rx);
        assert!(tx.is_closed());
        assert!(!tx.close());
    }

    /// A close wakes a receiver parked on each kind of channel, and a parked sender
    /// gets its value back.
    #[test]
    fn close_wakes_parked() {
        for cap in [Some(0), Some(1), None] {
            let (tx, rx) = make::<i32>(cap);
            thread::scope(|s| {
                let r = s.spawn(|| rx.recv());
                wait_until(|| tx.waiting_receivers() == 1);
                assert!(tx.close());
                assert!(r.join().unwrap().is_err());
            });
        }
        for cap in [0, 1] {
            let (tx, rx) = chan::bounded::<i32>(cap);
            if cap == 1 {
                tx.send(10).unwrap();
            }
            thread::scope(|s| {
                let w = s.spawn(|| tx.send(11));
                wait_until(|| rx.waiting_senders() == 1);
                assert!(tx.close());
                assert_eq!(w.join().unwrap().unwrap_err().into_inner(), 11);
            });
            if cap == 1 {
                assert_eq!(rx.recv(), Ok(10));
            }
            assert!(rx.recv().is_err());
        }
    }
}

/// Port of `test/chan/sieve1.go`: "Test basic concurrency: the classic prime sieve."
///
/// Go's version runs forever; this one stops after the first primes: the main thread
/// drops its receiver, so the last filter's send fails, it returns and drops its own
/// receiver, and so on up the chain to the generator.
mod sieve {
    use super::*;

    /// Send the sequence 2, 3, 4, ... to channel `ch` (until nobody listens).
    fn generate(ch: Sender<u32>) {
        for i in 2.. {
            if ch.send(i).is_err() {
                return;
            }
        }
    }

    /// Copy the values from `inp` to `out`, removing those divisible by `prime`.
    fn filter(inp: Receiver<u32>, out: Sender<u32>, prime: u32) {
        for i in inp {
            if i % prime != 0 && out.send(i).is_err() {
                return;
            }
        }
    }

    fn sieve(cap: usize, n: usize) -> Vec<u32> {
        let (tx, mut ch) = chan::bounded(cap);
        let mut threads = vec![thread::spawn(move || generate(tx))];
        let mut primes = Vec::new();
        for _ in 0..n {
            let prime = ch.recv().unwrap();
            primes.push(prime);
            let (tx1, ch1) = chan::bounded(cap);
            threads.push(thread::spawn(move || filter(ch, tx1, prime)));
            ch = ch1;
        }
        drop(ch);
        for t in threads {
            t.join().unwrap();
        }
        primes
    }

    #[test]
    fn primes() {
        const PRIMES: [u32; 30] = [
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97, 101, 103, 107, 109, 113,
        ];
        let n = if MIRI { 4 } else { PRIMES.len() };
        for cap in [0, 1, 8] {
            assert_eq!(sieve(cap, n), PRIMES[..n], "cap {cap}");
        }
    }
}
