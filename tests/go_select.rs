//! Go's own select tests, ported to threads: one module per Go file, each test named
//! after its origin. Goroutines become threads; `time.Sleep` used to order goroutines
//! becomes a wait on `waiting_senders()` / `waiting_receivers()`; "this blocks" checks
//! become a select (or receive) with a short timeout that must time out; Go's panics
//! on a closed channel become the `Err` that hands the value back. Sizes are cut for
//! a 2-core machine (and further under Miri).
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, Sender};
use gosync::{select, Select};
use std::thread;
use std::time::Duration;

fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 500).max(2)
    } else {
        n
    }
}

fn wait_until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

/// From `src/runtime/chan_test.go`.
mod chan_test {
    use super::*;

    /// TestSelectFairness: two always-ready buffered channels behind two never-ready
    /// ones; each must win about half the time. The same 10σ bound as Go.
    #[test]
    fn test_select_fairness() {
        let trials = scaled(10_000);
        let (c1_tx, c1) = chan::bounded::<u8>(trials + 1);
        let (c2_tx, c2) = chan::bounded::<u8>(trials + 1);
        for _ in 0..trials + 1 {
            c1_tx.send(1).unwrap();
            c2_tx.send(2).unwrap();
        }
        let (_c3_tx, c3) = chan::bounded::<u8>(0);
        let (_c4_tx, c4) = chan::bounded::<u8>(0);
        let (out_tx, out) = chan::bounded::<u8>(0);
        let (done_tx, done) = chan::bounded::<u8>(0);
        let worker = thread::spawn(move || loop {
            let b = select! {
                recv(c3) -> b => b.unwrap(),
                recv(c4) -> b => b.unwrap(),
                recv(c1) -> b => b.unwrap(),
                recv(c2) -> b => b.unwrap(),
            };
            select! {
                send(out_tx, b) -> r => r.unwrap(),
                recv(done) -> _ => return,
            }
        });
        let (mut cnt1, mut cnt2) = (0usize, 0usize);
        for _ in 0..trials {
            match out.recv().unwrap() {
                1 => cnt1 += 1,
                2 => cnt2 += 1,
                b => panic!("unexpected value {b} on channel"),
            }
        }
        let r = cnt1 as f64 / trials as f64;
        let e = (r - 0.5).abs();
        let ten_sigma = 10.0 * (0.25 / trials as f64).sqrt();
        eprintln!("TestSelectFairness: {cnt1} / {cnt2}, |r - 0.5| = {e:.4} (10σ = {ten_sigma:.4})");
        assert!(
            e <= ten_sigma,
            "unfair select: in {trials} trials, results were {cnt1}, {cnt2}"
        );
        done_tx.close();
        worker.join().unwrap();
    }

    /// TestPseudoRandomSend: two send cases on one channel; the receiver must see
    /// both values a fair share of the time, buffered or not.
    #[test]
    fn test_pseudo_random_send() {
        let n = 100;
        for cap in [0, n] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            let reader = thread::spawn(move || {
                (0..n)
                    .map(|_| {
                        thread::yield_now();
                        rx.recv().unwrap()
                    })
                    .collect::<Vec<_>>()
            });
            for _ in 0..n {
                select! {
                    send(tx, 1) -> r => r.unwrap(),
                    send(tx, 0) -> r => r.unwrap(),
                }
            }
            let l = reader.join().unwrap();
            let n1: usize = l.iter().sum();
            let n0 = n - n1;
            assert!(
                n0 > n / 10 && n1 > n / 10,
                "want pseudorandom, got {n0} zeros and {n1} ones (chan cap {cap})"
            );
        }
    }

    /// TestNonblockRecvRace: a buffered value closed behind: a select with
    /// `default` must still see it (or the close), never take `default`.
    #[test]
    fn test_nonblock_recv_race() {
        let (job_tx, jobs) = chan::bounded::<Receiver<i32>>(0);
        let (ok_tx, ok) = chan::bounded::<bool>(1);
        let worker = thread::spawn(move || {
            for c in jobs {
                let ready = select! {
                    recv(c) -> _ => true,
                    default => false,
                };
                ok_tx.send(ready).unwrap();
            }
        });
        for _ in 0..scaled(5_000) {
            let (tx, rx) = chan::bounded(1);
            tx.send(1).unwrap();
            job_tx.send(rx.clone()).unwrap();
            tx.close();
            let _ = rx.recv();
            assert!(ok.recv().unwrap(), "chan is not ready");
        }
        drop(job_tx);
        worker.join().unwrap();
    }

    /// The worker of TestNonblockSelectRace / ...Race2: selects without blocking on
    /// the channels it is given and reports whether a case was ready.
    /// The channels the selector is given for one round.
    type Job = (Receiver<i32>, Receiver<i32>);

    fn nonblock_selector() -> (Sender<Job>, Receiver<bool>, thread::JoinHandle<()>) {
        let (job_tx, jobs) = chan::bounded::<Job>(0);
        let (done_tx, done) = chan::bounded::<bool>(1);
        let worker = thread::spawn(move || {
            for (c1, c2) in jobs {
                let ready = select! {
                    recv(c1) -> _ => true,
                    recv(c2) -> _ => true,
                    default => false,
                };
                done_tx.send(ready).unwrap();
            }
        });
        (job_tx, done, worker)
    }

    /// TestNonblockSelectRace: from the moment the selector starts, at least one of
    /// c1 and c2 is always ready, so the select acts on one moment's state and must
    /// never take `default`.
    #[test]
    fn test_nonblock_select_race() {
        let (job_tx, done, worker) = nonblock_selector();
        for _ in 0..scaled(10_000) {
            let (c1_tx, c1) = chan::bounded(1);
            let (c2_tx, c2) = chan::bounded(1);
            c1_tx.send(1).unwrap();
            job_tx.send((c1.clone(), c2.clone())).unwrap();
            c2_tx.send(1).unwrap();
            select! {
                recv(c1) -> _ => {}
                default => {}
            }
            assert!(done.recv().unwrap(), "no chan is ready");
        }
        drop(job_tx);
        worker.join().unwrap();
    }

    /// TestNonblockSelectRace2: the same, with `close(c2)` making c2 ready.
    #[test]
    fn test_nonblock_select_race2() {
        let (job_tx, done, worker) = nonblock_selector();
        for _ in 0..scaled(10_000) {
            let (c1_tx, c1) = chan::bounded(1);
            let (c2_tx, c2) = chan::bounded(0);
            c1_tx.send(1).unwrap();
            job_tx.send((c1.clone(), c2)).unwrap();
            c2_tx.close();
            select! {
                recv(c1) -> _ => {}
                default => {}
            }
            assert!(done.recv().unwrap(), "no chan is ready");
        }
        drop(job_tx);
        worker.join().unwrap();
    }

    /// TestSelfSelect: two threads select send-or-receive on one channel; with no
    /// buffer, a thread must never receive its own value (nor deadlock).
    #[test]
    fn test_self_select() {
        for cap in [0usize, 10] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            let threads: Vec<_> = (0..2usize)
                .map(|p| {
                    let (tx, rx) = (tx.clone(), rx.clone());
                    thread::spawn(move || {
                        for i in 0..scaled(1000) {
                            if p == 0 || i % 2 == 0 {
                                select! {
                                    send(tx, p) -> r => r.unwrap(),
                                    recv(rx) -> v => {
                                        assert!(!(cap == 0 && v.unwrap() == p), "self receive");
                                    }
                                }
                            } else {
                                select! {
                                    recv(rx) -> v => {
                                        assert!(!(cap == 0 && v.unwrap() == p), "self receive");
                                    }
                                    send(tx, p) -> r => r.unwrap(),
                                }
                            }
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
        }
    }

    /// TestSelectStress: plain senders and receivers on four channels (two
    /// unbuffered, two buffered), plus one select that sends N on each and one that
    /// receives N on each, switching each case off (nil) once it is done. Must not
    /// deadlock.
    #[test]
    fn test_select_stress() {
        let n = scaled(2_000);
        let chans: Vec<(Sender<i32>, Receiver<i32>)> =
            [0, 0, 2, 3].iter().map(|&cap| chan::bounded(cap)).collect();
        let mut threads = Vec::new();
        for (tx, rx) in &chans {
            let tx = tx.clone();
            threads.push(thread::spawn(move || {
                for _ in 0..n {
                    tx.send(0).unwrap();
                }
            }));
            let rx = rx.clone();
            threads.push(thread::spawn(move || {
                for _ in 0..n {
                    rx.recv().unwrap();
                }
            }));
        }
        let senders: Vec<Sender<i32>> = chans.iter().map(|c| c.0.clone()).collect();
        threads.push(thread::spawn(move || {
            let mut c: Vec<Option<&Sender<i32>>> = senders.iter().map(Some).collect();
            let mut count = [0; 4];
            for _ in 0..4 * n {
                let k = select! {
                    send(c[3], 0) -> r => { r.unwrap(); 3 }
                    send(c[2], 0) -> r => { r.unwrap(); 2 }
                    send(c[0], 0) -> r => { r.unwrap(); 0 }
                    send(c[1], 0) -> r => { r.unwrap(); 1 }
                };
                count[k] += 1;
                if count[k] == n {
                    c[k] = None;
                }
            }
        }));
        let receivers: Vec<Receiver<i32>> = chans.iter().map(|c| c.1.clone()).collect();
        threads.push(thread::spawn(move || {
            let mut c: Vec<Option<&Receiver<i32>>> = receivers.iter().map(Some).collect();
            let mut count = [0; 4];
            for _ in 0..4 * n {
                let k = select! {
                    recv(c[0]) -> r => { r.unwrap(); 0 }
                    recv(c[1]) -> r => { r.unwrap(); 1 }
                    recv(c[2]) -> r => { r.unwrap(); 2 }
                    recv(c[3]) -> r => { r.unwrap(); 3 }
                };
                count[k] += 1;
                if count[k] == n {
                    c[k] = None;
                }
            }
        }));
        for t in threads {
            t.join().unwrap();
        }
        for (tx, _) in &chans {
            assert_eq!(tx.len(), 0);
        }
    }

    /// TestSelectDuplicateChannel: a select queued twice on one channel, behind
    /// which another receiver queues; waking the select through a third channel must
    /// leave the queue intact so that the later receiver is still reachable.
    #[test]
    fn test_select_duplicate_channel() {
        let (c_tx, c) = chan::bounded::<i32>(0);
        let (d_tx, d) = chan::bounded::<i32>(0);
        let (e_tx, e) = chan::bounded::<i32>(0);
        let a = {
            let c = c.clone();
            thread::spawn(move || {
                select! {
                    recv(c) -> _ => panic!("c is only sent to after A is done"),
                    recv(c) -> _ => panic!("c is only sent to after A is done"),
                    recv(d) -> v => assert_eq!(v, Ok(7)),
                }
                e_tx.send(9).unwrap();
            })
        };
        // A is queued (twice) on c ...
        wait_until(|| c_tx.waiting_receivers() == 2);
        let b = thread::spawn(move || c.recv().unwrap());
        // ... and B behind it.
        wait_until(|| c_tx.waiting_receivers() == 3);
        d_tx.send(7).unwrap(); // wakes A, which unlinks itself from c
        assert_eq!(e.recv(), Ok(9));
        assert_eq!(c_tx.waiting_receivers(), 1, "only B is left on c");
        c_tx.send(8).unwrap(); // must reach B
        assert_eq!(b.join().unwrap(), 8);
        a.join().unwrap();
    }
}

/// From `test/chan/select3.go`: the semantics of select for basic empty / nil /
/// ready / closed cases. "Always blocks" is checked with a timeout that must expire.
mod select3 {
    use super::*;

    const SHORT: Duration = Duration::from_millis(5);

    #[test]
    fn nil_channels() {
        let nil_rx: Option<Receiver<i32>> = None;
        let nil_tx: Option<Sender<i32>> = None;
        // Sending/receiving on a nil channel blocks.
        assert!(chan::never::<i32>().recv_timeout(SHORT).is_err());
        let blocked = select! { send(nil_tx, 7) -> _ => false, default(SHORT) => true };
        assert!(blocked);
        // ... and in a select is never selected.
        select! {
            send(nil_tx, 7) -> _ => unreachable!(),
            default => {}
        }
        select! {
            recv(nil_rx) -> _ => unreachable!(),
            default => {}
        }
        // Selects with only nil channels always block.
        let blocked = select! { recv(nil_rx) -> _ => false, default(SHORT) => true };
        assert!(blocked);
        let blocked = select! {
            recv(nil_rx) -> _ => false,
            send(nil_tx, 7) -> _ => false,
            default(SHORT) => true,
        };
        assert!(blocked);
    }

    #[test]
    fn buffered_and_closed_channels() {
        // Sending to a channel with free buffer space never blocks.
        let (tx, _rx) = chan::bounded(1);
        assert!(tx.try_send(7).is_ok());
        // Receiving from a closed channel never blocks, and yields "closed".
        let (ctx, closed) = chan::bounded::<i32>(0);
        ctx.close();
        for _ in 0..10 {
            assert!(closed.recv().is_err());
        }
        // Sending to a closed channel: Go panics; gosync hands the value back.
        assert_eq!(ctx.send(7).unwrap_err().into_inner(), 7);
        // Receiving from a non-ready channel always blocks.
        let (_t, rx) = chan::bounded::<i32>(0);
        assert!(rx.recv_timeout(SHORT).is_err());
    }

    #[test]
    fn empty_and_default_selects() {
        // An empty select always blocks (here: until its timeout).
        let blocked = select! { default(SHORT) => true };
        assert!(blocked);
        // Selects with default cases don't block.
        select! { default => {} }
    }

    #[test]
    fn non_ready_channels_block() {
        let (_tx, rx) = chan::bounded::<i32>(0);
        let blocked = select! { recv(rx) -> _ => false, default(SHORT) => true };
        assert!(blocked);
    }

    #[test]
    fn ready_channels_do_not_block() {
        let (tx, rx) = chan::bounded(1);
        select! {
            send(tx, 7) -> r => r.unwrap(),
            default => unreachable!(),
        }
        select! {
            recv(rx) -> v => assert_eq!(v, Ok(7)),
            default => unreachable!(),
        }
    }

    #[test]
    fn closed_channels_behave_like_ordinary_operations() {
        let (tx, closed) = chan::bounded::<i32>(0);
        tx.close();
        select! { recv(closed) -> v => assert!(v.is_err()) }
        // A send case on a closed channel: Go panics; gosync's case is ready with the
        // value handed back.
        select! { send(tx, 7) -> r => assert_eq!(r.unwrap_err().into_inner(), 7) }
    }

    #[test]
    fn select_does_not_get_confused_if_it_sees_itself() {
        let (tx, rx) = chan::bounded::<i32>(0);
        let blocked = select! {
            send(tx, 1) -> _ => false,
            recv(rx) -> _ => false,
            default(SHORT) => true,
        };
        assert!(blocked);
    }
}

/// From `test/chan/select6.go` (Go issue 2075): a select that loses on a channel
/// where it is the last of several waiters must not corrupt that channel's queue.
mod select6 {
    use super::*;

    #[test]
    fn failed_case_does_not_corrupt_the_queue() {
        let (c1_tx, c1) = chan::bounded::<bool>(0);
        let (c2_tx, c2) = chan::bounded::<bool>(0);
        let (c3_tx, c3) = chan::bounded::<bool>(0);
        let first = {
            let c1 = c1.clone();
            thread::spawn(move || c1.recv().unwrap())
        };
        wait_until(|| c1_tx.waiting_receivers() == 1);
        let second = thread::spawn(move || {
            select! {
                recv(c1) -> _ => panic!("dummy"),
                recv(c2) -> _ => c3_tx.send(true).unwrap(),
            }
            c1.recv().unwrap()
        });
        // The select is last in c1's queue.
        wait_until(|| c1_tx.waiting_receivers() == 2 && c2_tx.waiting_receivers() == 1);
        let third = thread::spawn(move || c2_tx.send(true).unwrap());
        assert!(c3.recv().unwrap());
        c1_tx.send(true).unwrap();
        c1_tx.send(true).unwrap();
        assert!(first.join().unwrap());
        assert!(second.join().unwrap());
        third.join().unwrap();
    }
}

/// From `test/chan/doubleselect.go`: a select whose cases are all ready-able must
/// never run two of them: no value arrives twice.
mod doubleselect {
    use super::*;

    #[test]
    fn no_value_is_delivered_twice() {
        let n = scaled(20_000);
        let chans: Vec<(Sender<usize>, Receiver<usize>)> =
            (0..4).map(|_| chan::bounded(0)).collect();
        let (cmux_tx, cmux) = chan::bounded::<usize>(0);
        let senders: Vec<Sender<usize>> = chans.iter().map(|c| c.0.clone()).collect();
        let sender = thread::spawn(move || {
            let [c1, c2, c3, c4] = &senders[..] else {
                unreachable!()
            };
            for i in 0..n {
                select! {
                    send(c1, i) -> r => r.unwrap(),
                    send(c2, i) -> r => r.unwrap(),
                    send(c3, i) -> r => r.unwrap(),
                    send(c4, i) -> r => r.unwrap(),
                }
            }
            // Dropping the senders closes the four channels.
        });
        let muxes: Vec<_> = chans
            .into_iter()
            .map(|(_, rx)| {
                let out = cmux_tx.clone();
                thread::spawn(move || {
                    for v in rx {
                        out.send(v).unwrap();
                    }
                })
            })
            .collect();
        drop(cmux_tx);
        let mut seen = vec![false; n];
        for v in cmux {
            assert!(!seen[v], "got duplicate value: {v}");
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s), "a value was lost");
        sender.join().unwrap();
        for m in muxes {
            m.join().unwrap();
        }
    }
}

/// From `test/chan/select7.go`: every combination of a plain / one-case select /
/// two-case select receiver with a plain / one-case / two-case sender.
mod select7 {
    use super::*;

    fn recv1(c: Receiver<i32>) {
        c.recv().unwrap();
    }
    fn recv2(c: Receiver<i32>) {
        select! { recv(c) -> v => { v.unwrap(); } }
    }
    fn recv3(c: Receiver<i32>) {
        let (_c2_tx, c2) = chan::bounded::<i32>(0);
        select! {
            recv(c) -> v => { v.unwrap(); }
            recv(c2) -> _ => unreachable!(),
        }
    }

    fn spawn_recv(recv: fn(Receiver<i32>)) -> (Sender<i32>, thread::JoinHandle<()>) {
        let (tx, rx) = chan::bounded(0);
        let t = thread::spawn(move || recv(rx));
        thread::yield_now(); // Go: runtime.Gosched()
        (tx, t)
    }

    fn send1(recv: fn(Receiver<i32>)) {
        let (c, t) = spawn_recv(recv);
        c.send(1).unwrap();
        t.join().unwrap();
    }
    fn send2(recv: fn(Receiver<i32>)) {
        let (c, t) = spawn_recv(recv);
        select! { send(c, 1) -> r => r.unwrap() }
        t.join().unwrap();
    }
    fn send3(recv: fn(Receiver<i32>)) {
        let (c, t) = spawn_recv(recv);
        let (c2, _c2_rx) = chan::bounded::<i32>(0);
        select! {
            send(c, 1) -> r => r.unwrap(),
            send(c2, 1) -> _ => unreachable!(),
        }
        t.join().unwrap();
    }

    #[test]
    fn every_combination() {
        for send in [send1, send2, send3] {
            for recv in [recv1, recv2, recv3] {
                send(recv);
            }
        }
    }

    /// The same combinations through the dynamic `Select` (Go's `reflect.Select`).
    #[test]
    fn every_combination_dynamic() {
        let (tx, rx) = chan::bounded::<i32>(0);
        let (_tx2, rx2) = chan::bounded::<i32>(0);
        let t = thread::spawn(move || {
            Select::new()
                .recv(&rx, |v| v.unwrap())
                .recv(&rx2, |_| 0)
                .wait()
        });
        let (c2, _c2_rx) = chan::bounded::<i32>(0);
        Select::new()
            .send(&tx, 1, |r| r.unwrap())
            .send(&c2, 2, |_| unreachable!())
            .wait();
        assert_eq!(t.join().unwrap(), 1);
    }
}
