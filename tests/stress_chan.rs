//! Multi-thread stress of the channel core that accounts for every value.
//!
//! Every value is a [`Tracked`]: it carries its id, its sender and sequence number and
//! a check word, and its `Drop` records, per id, how often it was dropped and what had
//! become of it: received by a receiver, handed back to its sender in an error, or
//! neither — which means the channel dropped it (when the last receiver went, or the
//! channel was freed). At the end of each run:
//!
//! - every value created was dropped exactly once (nothing leaked, nothing dropped
//!   twice, which a bitwise duplicate would do);
//! - received + returned in errors + dropped by the channel == created, and every id
//!   was seen by at most one receiver, at most once;
//! - no value was dropped by the channel unless a receiver was dropped mid-stream;
//! - every received value is intact (check word), and each receiver sees each sender's
//!   values in the order they were sent (FIFO per channel).
//!
//! Senders and receivers pick random mixes of `send` / `try_send` / `send_timeout` /
//! `send_deadline` and `recv` / `try_recv` / `recv_timeout` / `recv_deadline`, on every
//! capacity class (rendezvous, 1, 16, unbounded); some runs close the channel mid-stream
//! and some drop receivers mid-stream. Sized for a 2-core machine; tiny under Miri.

#![allow(clippy::disallowed_types)] // plain std atomics as counters

use gosync::chan::{self, Receiver, Sender};
use gosync::chan::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

const MIRI: bool = cfg!(miri);

/// The capacity classes: rendezvous, one slot, a few slots, unbounded.
const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(16), None];

fn make<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(c) => chan::bounded(c),
        None => chan::unbounded(),
    }
}

fn wait_until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

/// A small fast PRNG (xorshift64*), seeded per thread so runs differ by thread.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A short wait: zero (a `try_*`), a few microseconds, or a long one.
    fn duration(&mut self) -> Duration {
        match self.below(8) {
            0 => Duration::ZERO,
            1 => Duration::from_nanos(100),
            2 | 3 => Duration::from_micros(self.below(20)),
            4 | 5 => Duration::from_micros(50 + self.below(200)),
            6 => Duration::from_secs(3600),
            _ => Duration::MAX,
        }
    }
}

/// What became of a value, recorded when it is dropped.
const FATE_NONE: u32 = 0;
const FATE_RECEIVED: u32 = 1;
const FATE_RETURNED: u32 = 2;
const FATE_BY_CHANNEL: u32 = 3;

/// Per-id records of one run.
struct Ledger {
    drops: Vec<AtomicU32>,
    fate: Vec<AtomicU32>,
    received: Vec<AtomicU32>,
    created: AtomicUsize,
    received_total: AtomicUsize,
    returned_total: AtomicUsize,
    by_channel_total: AtomicUsize,
}

impl Ledger {
    fn new(ids: usize) -> Self {
        let v = || (0..ids).map(|_| AtomicU32::new(0)).collect();
        Ledger {
            drops: v(),
            fate: v(),
            received: v(),
            created: AtomicUsize::new(0),
            received_total: AtomicUsize::new(0),
            returned_total: AtomicUsize::new(0),
            by_channel_total: AtomicUsize::new(0),
        }
    }

    /// Checks the books after every thread and every channel handle is gone.
    fn audit(&self, what: &str, expect_channel_drops: bool) {
        let created = self.created.load(SeqCst);
        for id in 0..created {
            let drops = self.drops[id].load(SeqCst);
            assert_eq!(drops, 1, "{what}: value {id} dropped {drops} times");
            let fate = self.fate[id].load(SeqCst);
            let received = self.received[id].load(SeqCst);
            assert_eq!(
                received,
                u32::from(fate == FATE_RECEIVED),
                "{what}: value {id} received {received} times (fate {fate})"
            );
        }
        for id in created..self.drops.len() {
            assert_eq!(self.drops[id].load(SeqCst), 0, "{what}: phantom value {id}");
        }
        let (rx, ret, ch) = (
            self.received_total.load(SeqCst),
            self.returned_total.load(SeqCst),
            self.by_channel_total.load(SeqCst),
        );
        assert_eq!(
            rx + ret + ch,
            created,
            "{what}: received {rx} + returned {ret} + dropped by channel {ch} != sent {created}"
        );
        if !expect_channel_drops {
            assert_eq!(
                ch, 0,
                "{what}: channel dropped {ch} values with receivers alive"
            );
        }
    }
}

/// A value whose fate and drops are counted.
struct Tracked<'a> {
    id: usize,
    sender: usize,
    seq: usize,
    check: u64,
    fate: u32,
    ledger: &'a Ledger,
}

fn check_word(id: usize) -> u64 {
    (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF
}

impl<'a> Tracked<'a> {
    fn new(ledger: &'a Ledger, id: usize, sender: usize, seq: usize) -> Self {
        ledger.created.fetch_add(1, SeqCst);
        Tracked {
            id,
            sender,
            seq,
            check: check_word(id),
            fate: FATE_NONE,
            ledger,
        }
    }

    /// A receiver took it.
    fn received(mut self) {
        assert_eq!(
            self.check,
            check_word(self.id),
            "value {} corrupted",
            self.id
        );
        self.ledger.received[self.id].fetch_add(1, SeqCst);
        self.ledger.received_total.fetch_add(1, SeqCst);
        self.fate = FATE_RECEIVED;
    }

    /// It came back to its sender in an error.
    fn returned(mut self) {
        assert_eq!(
            self.check,
            check_word(self.id),
            "value {} corrupted",
            self.id
        );
        self.ledger.returned_total.fetch_add(1, SeqCst);
        self.fate = FATE_RETURNED;
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        if self.fate == FATE_NONE {
            self.fate = FATE_BY_CHANNEL;
            self.ledger.by_channel_total.fetch_add(1, SeqCst);
        }
        self.ledger.fate[self.id].store(self.fate, SeqCst);
        self.ledger.drops[self.id].fetch_add(1, SeqCst);
    }
}

/// One run's shape.
#[derive(Clone, Copy, Debug)]
struct Plan {
    cap: Option<usize>,
    senders: usize,
    receivers: usize,
    per_sender: usize,
    /// Sender 0 closes the channel after sending this many values.
    close_after: Option<usize>,
    /// Receivers other than the first drop their handle after at most this many
    /// receives (the first too when `all_receivers_drop`).
    drop_receivers_after: Option<usize>,
    all_receivers_drop: bool,
    seed: u64,
}

/// How a sender's attempt at one value ended.
enum Sent<'a> {
    Ok,
    Again(Tracked<'a>),
    Closed(Tracked<'a>),
}

fn send_one<'a>(tx: &Sender<Tracked<'a>>, v: Tracked<'a>, rng: &mut Rng) -> Sent<'a> {
    match rng.below(4) {
        0 => match tx.send(v) {
            Ok(()) => Sent::Ok,
            Err(e) => Sent::Closed(e.into_inner()),
        },
        1 => match tx.try_send(v) {
            Ok(()) => Sent::Ok,
            Err(TrySendError::Full(v)) => Sent::Again(v),
            Err(TrySendError::Closed(v)) => Sent::Closed(v),
        },
        2 => match tx.send_timeout(v, rng.duration()) {
            Ok(()) => Sent::Ok,
            Err(SendTimeoutError::Timeout(v)) => Sent::Again(v),
            Err(SendTimeoutError::Closed(v)) => Sent::Closed(v),
        },
        _ => {
            let deadline = Instant::now()
                .checked_add(rng.duration())
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            match tx.send_deadline(v, deadline) {
                Ok(()) => Sent::Ok,
                Err(SendTimeoutError::Timeout(v)) => Sent::Again(v),
                Err(SendTimeoutError::Closed(v)) => Sent::Closed(v),
            }
        }
    }
}

/// One receive attempt: `Ok(Some(v))`, `Ok(None)` for nothing yet, `Err(())` closed.
fn recv_one<'a>(rx: &Receiver<Tracked<'a>>, rng: &mut Rng) -> Result<Option<Tracked<'a>>, ()> {
    match rng.below(4) {
        0 => rx.recv().map(Some).map_err(|_| ()),
        1 => match rx.try_recv() {
            Ok(v) => Ok(Some(v)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Closed) => Err(()),
        },
        2 => match rx.recv_timeout(rng.duration()) {
            Ok(v) => Ok(Some(v)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Closed) => Err(()),
        },
        _ => {
            let deadline = Instant::now()
                .checked_add(rng.duration())
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            match rx.recv_deadline(deadline) {
                Ok(v) => Ok(Some(v)),
                Err(RecvTimeoutError::Timeout) => Ok(None),
                Err(RecvTimeoutError::Closed) => Err(()),
            }
        }
    }
}

fn run(plan: Plan) {
    let what = format!("{plan:?}");
    let ledger = Ledger::new(plan.senders * plan.per_sender);
    {
        let (tx, rx) = make::<Tracked<'_>>(plan.cap);
        let closed_seen = AtomicBool::new(false);
        thread::scope(|s| {
            for sender in 0..plan.senders {
                let tx = tx.clone();
                let (ledger, closed_seen) = (&ledger, &closed_seen);
                s.spawn(move || {
                    let mut rng = Rng::new(plan.seed ^ (sender as u64 + 1) << 32);
                    for seq in 0..plan.per_sender {
                        if sender == 0 && plan.close_after == Some(seq) {
                            tx.close();
                        }
                        let id = sender * plan.per_sender + seq;
                        let mut v = Tracked::new(ledger, id, sender, seq);
                        let mut tries = 0;
                        loop {
                            match send_one(&tx, v, &mut rng) {
                                Sent::Ok => break,
                                Sent::Again(back) if tries < 4 => {
                                    tries += 1;
                                    v = back;
                                }
                                Sent::Again(back) => {
                                    back.returned();
                                    break;
                                }
                                Sent::Closed(back) => {
                                    assert!(
                                        tx.is_closed(),
                                        "send failed as closed, yet is_closed() is false \
                                         (see sender_failed_by_close_sees_it_closed)"
                                    );
                                    closed_seen.store(true, SeqCst);
                                    back.returned();
                                    break;
                                }
                            }
                        }
                    }
                });
            }
            for receiver in 0..plan.receivers {
                let rx = rx.clone();
                let ledger = &ledger;
                s.spawn(move || {
                    let mut rng = Rng::new(plan.seed ^ (receiver as u64 + 101) << 32);
                    let quit_after = plan
                        .drop_receivers_after
                        .filter(|_| receiver != 0 || plan.all_receivers_drop)
                        .map(|n| rng.below(n as u64 + 1) as usize);
                    let mut last_seq = vec![None; plan.senders];
                    let mut got = 0;
                    loop {
                        if quit_after == Some(got) {
                            return; // drops this receiver mid-stream
                        }
                        match recv_one(&rx, &mut rng) {
                            Ok(Some(v)) => {
                                let prev = last_seq[v.sender].replace(v.seq);
                                assert!(
                                    prev < Some(v.seq),
                                    "sender {}'s values out of order: {prev:?} then {}",
                                    v.sender,
                                    v.seq
                                );
                                assert!(std::ptr::eq(v.ledger, ledger));
                                v.received();
                                got += 1;
                            }
                            Ok(None) => thread::yield_now(),
                            Err(()) => {
                                assert!(
                                    rx.is_closed(),
                                    "recv failed as closed, yet is_closed() is false \
                                     (see receiver_failed_by_close_sees_it_closed)"
                                );
                                assert!(rx.is_empty());
                                return;
                            }
                        }
                    }
                });
            }
            drop(tx);
            drop(rx);
        });
        // Every handle is gone: the channel is freed.
        if plan.close_after.is_some() {
            assert!(closed_seen.load(SeqCst), "{what}: no send saw the close");
        }
    }
    ledger.audit(&what, plan.drop_receivers_after.is_some());
}

fn plans(close: bool, drop_receivers: bool, all_receivers_drop: bool) -> Vec<Plan> {
    let (senders, receivers, per_sender, rounds) =
        if MIRI { (2, 2, 8, 1) } else { (3, 3, 2000, 3) };
    let mut out = Vec::new();
    for round in 0..rounds {
        for cap in CAPS {
            out.push(Plan {
                cap,
                senders,
                receivers,
                per_sender,
                close_after: close.then_some(per_sender * 3 / 4),
                drop_receivers_after: drop_receivers.then_some(per_sender / 2),
                all_receivers_drop,
                seed: 0x5EED + round as u64 * 7919 + cap.unwrap_or(999) as u64,
            });
        }
    }
    out
}

/// Senders finish, the last one's drop closes, receivers drain: everything is received
/// or handed back (a `try_send`/timeout that gave up), nothing dropped by the channel.
#[test]
fn every_value_accounted_for() {
    plans(false, false, false).into_iter().for_each(run);
}

/// One sender closes the channel halfway: later and blocked sends get their values
/// back; receivers drain what was buffered.
#[test]
fn close_mid_stream() {
    plans(true, false, false).into_iter().for_each(run);
}

/// Receivers drop their handles mid-stream (one stays): values move on to the others.
#[test]
fn receivers_drop_mid_stream() {
    plans(false, true, false).into_iter().for_each(run);
}

/// Every receiver drops mid-stream: the last drop closes the channel, drops what is
/// buffered, and fails blocked senders with their values.
#[test]
fn all_receivers_drop_mid_stream() {
    plans(false, true, true).into_iter().for_each(run);
}

/// Closes and receiver drops in one run.
#[test]
fn close_and_receiver_drops() {
    plans(true, true, true).into_iter().for_each(run);
}

/// A rendezvous channel with only timed operations, so that a waiter's timeout keeps
/// racing with a peer's hand-off: each value is delivered or handed back, never both,
/// never lost, and in order.
#[test]
fn timeouts_race_with_hand_off() {
    let n = if MIRI { 10 } else { 3000 };
    // Miri's clock runs fast against its slow threads: give peers longer to meet.
    const MAX_WAIT_NS: u64 = if MIRI { 20_000_000 } else { 20_000 };
    for cap in [Some(0), Some(1)] {
        let ledger = Ledger::new(n);
        {
            let (tx, rx) = make::<Tracked<'_>>(cap);
            thread::scope(|s| {
                s.spawn(|| {
                    let mut rng = Rng::new(1);
                    for id in 0..n {
                        let mut v = Tracked::new(&ledger, id, 0, id);
                        loop {
                            let d = Duration::from_nanos(rng.below(MAX_WAIT_NS));
                            match tx.send_timeout(v, d) {
                                Ok(()) => break,
                                Err(SendTimeoutError::Timeout(back)) => v = back,
                                Err(SendTimeoutError::Closed(_)) => unreachable!(),
                            }
                        }
                    }
                    drop(tx);
                });
                s.spawn(|| {
                    let mut rng = Rng::new(2);
                    let mut next = 0;
                    loop {
                        let d = Duration::from_nanos(rng.below(MAX_WAIT_NS));
                        match rx.recv_timeout(d) {
                            Ok(v) => {
                                assert_eq!(v.id, next, "out of order");
                                next += 1;
                                v.received();
                            }
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Closed) => break,
                        }
                    }
                    assert_eq!(next, n);
                });
            });
        }
        ledger.audit("timeouts_race_with_hand_off", false);
        assert_eq!(ledger.received_total.load(SeqCst), n);
    }
}

/// Values buffered when the channel is freed are dropped exactly once, whichever
/// handle goes last, including after the unbounded ring wrapped and grew.
#[test]
fn buffered_values_dropped_once_when_channel_freed() {
    for cap in [Some(1), Some(16), None] {
        for receiver_last in [false, true] {
            let ledger = Ledger::new(200);
            let k = cap.unwrap_or(40);
            let (tx, rx) = make::<Tracked<'_>>(cap);
            let mut id = 0;
            let ledger = &ledger;
            let mut send = |n: usize| {
                for _ in 0..n {
                    let v = Tracked::new(ledger, id, 0, id);
                    id += 1;
                    tx.try_send(v).unwrap_or_else(|_| panic!("room for {id}"));
                }
            };
            // Fill, take some out, refill: the ring wraps (and an unbounded one grows).
            send(k);
            for _ in 0..k / 2 {
                rx.recv().unwrap().received();
            }
            send(k / 2 + cap.map_or(30, |_| 0));
            let buffered = rx.len();
            if receiver_last {
                drop(tx);
                assert_eq!(
                    ledger.by_channel_total.load(SeqCst),
                    0,
                    "closing drops nothing"
                );
                drop(rx);
            } else {
                drop(rx);
                assert_eq!(
                    ledger.by_channel_total.load(SeqCst),
                    buffered,
                    "the last receiver's drop drops the buffered values"
                );
                drop(tx);
            }
            assert_eq!(ledger.by_channel_total.load(SeqCst), buffered);
            ledger.audit("buffered_values_dropped_once_when_channel_freed", true);
        }
    }
}

/// Dropping a receiver clone drops nothing; dropping the last one drops the buffered
/// values at once (not when the senders go), and fails blocked senders, each with its
/// own value.
#[test]
fn last_receiver_drop_drops_buffer_and_fails_blocked_senders() {
    const BLOCKED: usize = 3;
    for cap in [0, 1, 4] {
        let ledger = Ledger::new(cap + BLOCKED + 1);
        let (tx, rx) = chan::bounded::<Tracked<'_>>(cap);
        for id in 0..cap {
            tx.send(Tracked::new(&ledger, id, 0, id)).unwrap();
        }
        let rx2 = rx.clone();
        thread::scope(|s| {
            let blocked: Vec<_> = (0..BLOCKED)
                .map(|k| {
                    let (tx, ledger) = (&tx, &ledger);
                    let id = cap + k;
                    s.spawn(move || {
                        let err = tx.send(Tracked::new(ledger, id, 1 + k, 0)).unwrap_err();
                        let v = err.into_inner();
                        assert_eq!(v.id, id, "a blocked sender got another's value back");
                        v.returned();
                    })
                })
                .collect();
            wait_until(|| tx.waiting_senders() == BLOCKED);
            drop(rx2);
            assert!(!tx.is_closed());
            assert_eq!(ledger.by_channel_total.load(SeqCst), 0);
            assert_eq!(tx.waiting_senders(), BLOCKED);
            drop(rx);
            assert!(tx.is_closed());
            assert_eq!(ledger.by_channel_total.load(SeqCst), cap, "cap {cap}");
            for b in blocked {
                b.join().unwrap();
            }
        });
        assert_eq!(tx.waiting_senders(), 0);
        let late = Tracked::new(&ledger, cap + BLOCKED, 9, 0);
        let late = tx.try_send(late).unwrap_err();
        assert!(late.is_closed());
        late.into_inner().returned();
        drop(tx);
        ledger.audit("last_receiver_drop", true);
        assert_eq!(ledger.returned_total.load(SeqCst), BLOCKED + 1);
    }
}

/// How many of `rounds` runs saw a thread that a close had just failed find the
/// channel not (yet) closed. `parked` threads block on `recv` (or, with
/// `senders`, on `send` to a full channel) and then `close` wakes them all.
fn close_wakeups_seen_open(senders: bool, cap: usize, parked: usize, rounds: usize) -> usize {
    let stale = AtomicUsize::new(0);
    for _ in 0..rounds {
        let (tx, rx) = chan::bounded::<u32>(cap);
        if senders {
            (0..cap).for_each(|_| tx.send(0).unwrap());
        }
        thread::scope(|s| {
            for _ in 0..parked {
                s.spawn(|| {
                    if senders {
                        assert_eq!(tx.send(1).unwrap_err().into_inner(), 1);
                        // The close that failed our send happened before we returned.
                        if !tx.is_closed() || !tx.try_send(2).unwrap_err().is_closed() {
                            stale.fetch_add(1, SeqCst);
                        }
                    } else {
                        assert!(rx.recv().is_err());
                        if !rx.is_closed() || rx.try_recv() != Err(TryRecvError::Closed) {
                            stale.fetch_add(1, SeqCst);
                        }
                    }
                });
            }
            if senders {
                wait_until(|| tx.waiting_senders() == parked);
            } else {
                wait_until(|| rx.waiting_receivers() == parked);
            }
            tx.close();
        });
    }
    stale.into_inner()
}

/// A receiver that `recv` reported closed must then see `is_closed()` and get
/// `TryRecvError::Closed` from `try_recv` (closing is permanent). Regression test: the
/// closer once completed the parked waiters before it published the closed flag, so a
/// woken receiver still spinning in its wait could run ahead of the flag.
#[test]
fn receiver_failed_by_close_sees_it_closed() {
    let rounds = if MIRI { 5 } else { 1000 };
    for cap in [0, 1] {
        let stale = close_wakeups_seen_open(false, cap, 4, rounds);
        assert_eq!(
            stale, 0,
            "cap {cap}: {stale} receivers saw the channel open after recv failed"
        );
    }
}

/// The same for senders: after `send` failed with the value back, the channel is
/// closed, and `try_send` says `Closed`, not `Full`.
#[test]
fn sender_failed_by_close_sees_it_closed() {
    let rounds = if MIRI { 5 } else { 1000 };
    for cap in [0, 1] {
        let stale = close_wakeups_seen_open(true, cap, 4, rounds);
        assert_eq!(
            stale, 0,
            "cap {cap}: {stale} senders saw the channel open after send failed"
        );
    }
}

/// How many of `rounds` hand-offs left the woken thread seeing a stale snapshot of the
/// channel: itself still counted as waiting, or the wrong `len`.
fn hand_off_wakeups_seen_stale(senders: bool, rounds: usize) -> usize {
    let stale = AtomicUsize::new(0);
    for _ in 0..rounds {
        // Rendezvous for a parked receiver; one full slot for a parked sender (the
        // receiver that takes the slot moves the sender's value into it).
        let (tx, rx) = chan::bounded::<u32>(usize::from(senders));
        if senders {
            tx.send(0).unwrap();
        }
        thread::scope(|s| {
            s.spawn(|| {
                let seen = if senders {
                    tx.send(1).unwrap();
                    (tx.waiting_senders(), tx.len())
                } else {
                    rx.recv().unwrap();
                    (tx.waiting_receivers(), tx.len())
                };
                if seen != (0, usize::from(senders)) {
                    stale.fetch_add(1, SeqCst);
                }
            });
            if senders {
                wait_until(|| tx.waiting_senders() == 1);
                assert_eq!(rx.recv(), Ok(0));
            } else {
                wait_until(|| rx.waiting_receivers() == 1);
                tx.send(1).unwrap();
            }
        });
    }
    stale.into_inner()
}

/// After its operation returned, a thread is no longer waiting: `waiting_receivers()`
/// must not count it, and `len()` must include what the hand-off did. Regression
/// test: the peer once completed the waiter before it refreshed the published counts,
/// so a woken thread still spinning in its wait could read the counts of before the
/// hand-off.
#[test]
fn woken_receiver_sees_fresh_counts() {
    let rounds = if MIRI { 5 } else { 3000 };
    let stale = hand_off_wakeups_seen_stale(false, rounds);
    assert_eq!(
        stale, 0,
        "{stale} of {rounds} woken receivers saw stale counts"
    );
}

/// The same for a sender whose value a receiver moved into the buffer.
#[test]
fn woken_sender_sees_fresh_counts() {
    let rounds = if MIRI { 5 } else { 3000 };
    let stale = hand_off_wakeups_seen_stale(true, rounds);
    assert_eq!(
        stale, 0,
        "{stale} of {rounds} woken senders saw stale counts"
    );
}

/// A send happens-before the matching receive completes: what the sender wrote into a
/// value (here, behind a pointer) before sending it is what the receiver reads. Miri's
/// data-race detector checks the ordering, not just the result.
#[test]
fn send_happens_before_receive() {
    let n = if MIRI { 20 } else { 2000 };
    for cap in CAPS {
        let (tx, rx) = make::<Box<[u64; 8]>>(cap);
        thread::scope(|s| {
            s.spawn(move || {
                for i in 0..n {
                    let mut b = Box::new([0u64; 8]);
                    b.iter_mut().for_each(|x| *x = i);
                    tx.send(b).unwrap();
                }
            });
            for i in 0..n {
                assert_eq!(*rx.recv().unwrap(), [i; 8], "cap {cap:?}");
            }
        });
    }
}
