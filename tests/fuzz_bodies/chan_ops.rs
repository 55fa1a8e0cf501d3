//! `chan_ops`: scripts of sends, receives, timeouts, closes, clones and drops of
//! handles over a few channels of mixed capacity classes (0, 1, small N, unbounded),
//! with tracked or zero-sized values, run on one thread against an exact model.
//!
//! On one thread nobody else can ever be parked on a channel, so the model knows the
//! outcome of every operation: a send succeeds iff the channel is open and has room
//! (never for a rendezvous channel), a receive gets the oldest buffered value, or
//! `Closed` once closed and drained. An operation the model knows would block forever
//! is given a tiny timeout instead, so that the parking path (enqueue, spin, time out,
//! abort, unlink) runs and must report a timeout and leave no waiter linked.

use super::encode::Enc;
use super::tracked::{self, Tracked, Val, Zst};
use arbitrary::{Arbitrary, Unstructured};
use gosync::chan::{
    self, Receiver, RecvError, RecvTimeoutError, SendTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Handle slots per side per channel.
const SLOTS: usize = 4;
/// Channels per script.
const MAX_CHANS: usize = 4;

/// A channel's capacity class.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Cap {
    /// Rendezvous.
    Zero,
    /// One slot.
    One,
    /// 2..=8 slots.
    Small(u8),
    /// Unbounded.
    Unbounded,
}

impl Cap {
    fn get(self) -> Option<usize> {
        match self {
            Cap::Zero => Some(0),
            Cap::One => Some(1),
            Cap::Small(n) => Some(2 + usize::from(n) % 7),
            Cap::Unbounded => None,
        }
    }
}

/// One channel of the script.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) struct ChanSpec {
    /// Its capacity class.
    pub(crate) cap: Cap,
    /// Whether it carries zero-sized values (no buffer memory) instead of tracked ones.
    pub(crate) zero_sized: bool,
}

/// How long a timed operation may wait.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// `Duration::ZERO` / a deadline of now: behaves like `try_*`.
    Zero,
    /// 1..=32 µs: may park before timing out.
    Micros(u8),
    /// A deadline already in the past (for timeouts: 1 ns).
    Past,
    /// `Duration::MAX` / a deadline an hour away: blocks without limit (used only when
    /// the model says the operation completes at once; else shortened to 1 µs).
    Forever,
}

impl Wait {
    /// The wait, shortened to 1 µs when it is `Forever` and the operation would block.
    fn duration(self, would_block: bool) -> Duration {
        match self {
            Wait::Zero => Duration::ZERO,
            Wait::Micros(n) => Duration::from_micros(1 + u64::from(n) % 32),
            Wait::Past => Duration::from_nanos(1),
            Wait::Forever if would_block => Duration::from_micros(1),
            Wait::Forever => Duration::MAX,
        }
    }

    fn deadline(self, would_block: bool) -> Instant {
        let now = Instant::now();
        match self {
            Wait::Zero => now,
            Wait::Micros(n) => now + Duration::from_micros(1 + u64::from(n) % 32),
            Wait::Past => now.checked_sub(Duration::from_millis(1)).unwrap_or(now),
            Wait::Forever if would_block => now + Duration::from_micros(1),
            Wait::Forever => now + Duration::from_secs(3600),
        }
    }
}

/// One operation; `tx` / `rx` / `from` / `to` pick a handle slot (modulo the slots),
/// and an operation through an empty slot does nothing.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Op {
    /// `send` (shortened to a 1 µs `send_timeout` when it would block forever).
    Send { tx: u8 },
    /// `try_send`.
    TrySend { tx: u8 },
    /// `send_timeout`.
    SendTimeout { tx: u8, wait: Wait },
    /// `send_deadline`.
    SendDeadline { tx: u8, wait: Wait },
    /// `recv` (shortened like `Send`).
    Recv { rx: u8 },
    /// `try_recv`.
    TryRecv { rx: u8 },
    /// `recv_timeout`.
    RecvTimeout { rx: u8, wait: Wait },
    /// `recv_deadline`.
    RecvDeadline { rx: u8, wait: Wait },
    /// `close` through a sender.
    Close { tx: u8 },
    /// Clones a sender into slot `to` (dropping what was there).
    CloneSender { from: u8, to: u8 },
    /// Drops a sender (the last one closes the channel).
    DropSender { tx: u8 },
    /// Clones a receiver into slot `to` (dropping what was there).
    CloneReceiver { from: u8, to: u8 },
    /// Drops a receiver (the last one closes the channel and drops what is buffered).
    DropReceiver { rx: u8 },
    /// Takes up to `max % 8` values with `try_iter`.
    TryIter { rx: u8, max: u8 },
    /// Drains with the blocking `iter` if the channel is closed (it then ends), else
    /// with `try_iter`.
    Drain { rx: u8 },
    /// Checks every observer of every live handle (`len`, `is_full`, `Debug`, …).
    Inspect,
    /// A `never()` receiver: never ready, whatever the wait.
    Never { wait: Wait },
}

/// A decoded script: channels, then steps on them.
#[derive(Arbitrary, Debug)]
pub(crate) struct Script {
    /// The channels (at most 4 are used; none means one rendezvous channel).
    pub(crate) chans: Vec<ChanSpec>,
    /// `(channel index modulo the channels, operation)`.
    pub(crate) steps: Vec<(u8, Op)>,
}

/// Decodes `data` and runs it; undecodable input is ignored.
pub(crate) fn run_bytes(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        run(&script);
    }
}

/// Runs `script`, panicking on the first disagreement with the model.
pub(crate) fn run(script: &Script) {
    tracked::reset();
    let mut specs: Vec<ChanSpec> = script.chans.iter().copied().take(MAX_CHANS).collect();
    if specs.is_empty() {
        specs.push(ChanSpec {
            cap: Cap::Zero,
            zero_sized: false,
        });
    }
    let mut chans: Vec<Box<dyn AnyChan>> = specs
        .iter()
        .map(|s| -> Box<dyn AnyChan> {
            if s.zero_sized {
                Box::new(Chan::<Zst>::new(s.cap.get()))
            } else {
                Box::new(Chan::<Tracked>::new(s.cap.get()))
            }
        })
        .collect();
    // The number of value drops the model expects so far.
    let mut drops = 0;
    for (i, &(ch, op)) in script.steps.iter().enumerate() {
        let n = chans.len();
        let c = &mut chans[usize::from(ch) % n];
        c.apply(op, &mut drops);
        c.check();
        assert_eq!(
            tracked::drops(),
            drops,
            "step {i} ({op:?}): drops differ from the model"
        );
    }
    for c in chans.drain(..) {
        c.finish(&mut drops);
    }
    assert_eq!(tracked::drops(), drops, "drops differ after freeing");
    assert_eq!(
        tracked::drops(),
        tracked::created(),
        "a value was leaked (created vs dropped)"
    );
}

/// A channel of either value type, behind one interface.
trait AnyChan {
    fn apply(&mut self, op: Op, drops: &mut u64);
    fn check(&self);
    fn finish(self: Box<Self>, drops: &mut u64);
}

/// What the model predicts for a send or a receive.
#[derive(Debug, PartialEq, Eq)]
enum Predict {
    /// Completes (for a receive: with the value of this id).
    Ready(u64),
    /// Would block: full (send) or empty (receive).
    Block,
    /// Closed (for a receive: and drained).
    Closed,
}

/// A channel under test and its model.
struct Chan<V: Val> {
    cap: Option<usize>,
    txs: [Option<Sender<V>>; SLOTS],
    rxs: [Option<Receiver<V>>; SLOTS],
    /// Ids of the buffered values, oldest first (0 for zero-sized values).
    buf: VecDeque<u64>,
    closed: bool,
}

fn slot(i: u8) -> usize {
    usize::from(i) % SLOTS
}

impl<V: Val> Chan<V> {
    fn new(cap: Option<usize>) -> Self {
        let (tx, rx) = match cap {
            Some(c) => chan::bounded(c),
            None => chan::unbounded(),
        };
        Chan {
            cap,
            txs: [Some(tx), None, None, None],
            rxs: [Some(rx), None, None, None],
            buf: VecDeque::new(),
            closed: false,
        }
    }

    fn live_senders(&self) -> usize {
        self.txs.iter().flatten().count()
    }

    fn live_receivers(&self) -> usize {
        self.rxs.iter().flatten().count()
    }

    fn predict_send(&self) -> Predict {
        if self.closed {
            Predict::Closed
        } else if self.cap.map_or(true, |c| self.buf.len() < c) {
            Predict::Ready(0)
        } else {
            Predict::Block
        }
    }

    fn predict_recv(&self) -> Predict {
        match self.buf.front() {
            Some(&id) => Predict::Ready(id),
            None if self.closed => Predict::Closed,
            None => Predict::Block,
        }
    }

    /// Checks that `v` is the value the model expected, then drops it.
    fn got(&mut self, v: V, want: u64, drops: &mut u64) {
        if V::DISTINCT {
            assert_eq!(v.id(), want, "received the wrong value");
        }
        drop(v);
        *drops += 1;
    }

    /// Checks that a failed send handed back the value it was given, then drops it.
    fn handed_back(v: V, id: u64, drops: &mut u64) {
        assert_eq!(v.id(), id, "a failed send handed back another value");
        drop(v);
        *drops += 1;
    }

    /// Applies a predicted send's outcome: buffer the id, or check the value came back.
    fn sent(&mut self, p: &Predict, id: u64, back: Option<V>, drops: &mut u64) {
        match (p, back) {
            (Predict::Ready(_), None) => self.buf.push_back(id),
            (Predict::Block | Predict::Closed, Some(v)) => Self::handed_back(v, id, drops),
            (p, back) => panic!(
                "send: model predicted {p:?}, channel {}",
                if back.is_some() { "failed" } else { "accepted" }
            ),
        }
    }

    /// The received value, or the error kind, against the prediction.
    fn received(&mut self, p: Predict, r: Result<V, Predict>, drops: &mut u64) {
        match (p, r) {
            (Predict::Ready(want), Ok(v)) => {
                self.buf.pop_front();
                self.got(v, want, drops);
            }
            (p, Err(e)) => assert_eq!(p, e, "receive"),
            (p, Ok(v)) => panic!("receive: model predicted {p:?}, got value {}", v.id()),
        }
    }

    fn last_receiver_gone(&mut self, drops: &mut u64) {
        self.closed = true;
        *drops += self.buf.len() as u64;
        for id in self.buf.drain(..) {
            if V::DISTINCT {
                assert!(
                    tracked::is_dropped(id),
                    "buffered value {id} not dropped with the last receiver"
                );
            }
        }
    }

    fn send_result(r: Result<(), SendTimeoutError<V>>, p: &Predict) -> Option<V> {
        match r {
            Ok(()) => None,
            Err(SendTimeoutError::Timeout(v)) => {
                assert_eq!(*p, Predict::Block, "send timed out");
                Some(v)
            }
            Err(SendTimeoutError::Closed(v)) => {
                assert_eq!(*p, Predict::Closed, "send found the channel closed");
                Some(v)
            }
        }
    }

    fn timeout_result(r: Result<V, RecvTimeoutError>) -> Result<V, Predict> {
        r.map_err(|e| match e {
            RecvTimeoutError::Timeout => Predict::Block,
            RecvTimeoutError::Closed => Predict::Closed,
        })
    }
}

impl<V: Val> AnyChan for Chan<V> {
    fn apply(&mut self, op: Op, drops: &mut u64) {
        match op {
            Op::Send { tx } | Op::TrySend { tx } => {
                let Some(s) = &self.txs[slot(tx)] else { return };
                let p = self.predict_send();
                let v = V::make();
                let id = v.id();
                let back = if matches!(op, Op::TrySend { .. }) {
                    match s.try_send(v) {
                        Ok(()) => None,
                        Err(TrySendError::Full(v)) => {
                            assert_eq!(p, Predict::Block, "try_send: Full");
                            Some(v)
                        }
                        Err(TrySendError::Closed(v)) => {
                            assert_eq!(p, Predict::Closed, "try_send: Closed");
                            Some(v)
                        }
                    }
                } else if p == Predict::Block {
                    let r = s.send_timeout(v, Duration::from_micros(1));
                    Self::send_result(r, &p)
                } else {
                    s.send(v).err().map(|e| {
                        assert_eq!(p, Predict::Closed, "send: Err");
                        e.into_inner()
                    })
                };
                self.sent(&p, id, back, drops);
            }
            Op::SendTimeout { tx, wait } | Op::SendDeadline { tx, wait } => {
                let Some(s) = &self.txs[slot(tx)] else { return };
                let p = self.predict_send();
                let v = V::make();
                let id = v.id();
                let r = if matches!(op, Op::SendTimeout { .. }) {
                    s.send_timeout(v, wait.duration(p == Predict::Block))
                } else {
                    s.send_deadline(v, wait.deadline(p == Predict::Block))
                };
                let back = Self::send_result(r, &p);
                self.sent(&p, id, back, drops);
            }
            Op::Recv { rx } => {
                let Some(r) = &self.rxs[slot(rx)] else { return };
                let p = self.predict_recv();
                let got = if p == Predict::Block {
                    Self::timeout_result(r.recv_timeout(Duration::from_micros(1)))
                } else {
                    r.recv().map_err(|RecvError| Predict::Closed)
                };
                self.received(p, got, drops);
            }
            Op::TryRecv { rx } => {
                let Some(r) = &self.rxs[slot(rx)] else { return };
                let p = self.predict_recv();
                let got = r.try_recv().map_err(|e| match e {
                    TryRecvError::Empty => Predict::Block,
                    TryRecvError::Closed => Predict::Closed,
                });
                self.received(p, got, drops);
            }
            Op::RecvTimeout { rx, wait } | Op::RecvDeadline { rx, wait } => {
                let Some(r) = &self.rxs[slot(rx)] else { return };
                let p = self.predict_recv();
                let block = p == Predict::Block;
                let got = Self::timeout_result(if matches!(op, Op::RecvTimeout { .. }) {
                    r.recv_timeout(wait.duration(block))
                } else {
                    r.recv_deadline(wait.deadline(block))
                });
                self.received(p, got, drops);
            }
            Op::Close { tx } => {
                let Some(s) = &self.txs[slot(tx)] else { return };
                assert_eq!(s.close(), !self.closed, "close: closed it now?");
                self.closed = true;
            }
            Op::CloneSender { from, to } => {
                let Some(s) = &self.txs[slot(from)] else {
                    return;
                };
                // The new clone keeps the channel's sender count above zero, so
                // dropping the handle it replaces never closes the channel.
                let s = s.clone();
                drop(self.txs[slot(to)].replace(s));
            }
            Op::DropSender { tx } => {
                if self.txs[slot(tx)].take().is_some() && self.live_senders() == 0 {
                    self.closed = true;
                }
            }
            Op::CloneReceiver { from, to } => {
                let Some(r) = &self.rxs[slot(from)] else {
                    return;
                };
                let r = r.clone();
                drop(self.rxs[slot(to)].replace(r));
            }
            Op::DropReceiver { rx } => {
                if self.rxs[slot(rx)].take().is_some() && self.live_receivers() == 0 {
                    self.last_receiver_gone(drops);
                }
            }
            Op::TryIter { rx, max } => {
                let Some(r) = &self.rxs[slot(rx)] else { return };
                let got: Vec<V> = r.try_iter().take(usize::from(max % 8)).collect();
                let want = usize::from(max % 8).min(self.buf.len());
                assert_eq!(got.len(), want, "try_iter took the wrong number of values");
                for v in got {
                    let id = self.buf.pop_front().expect("checked above");
                    self.got(v, id, drops);
                }
            }
            Op::Drain { rx } => {
                let Some(r) = &self.rxs[slot(rx)] else { return };
                let got: Vec<V> = if self.closed {
                    r.iter().collect()
                } else {
                    r.try_iter().collect()
                };
                assert_eq!(got.len(), self.buf.len(), "drain took the wrong count");
                for v in got {
                    let id = self.buf.pop_front().expect("checked above");
                    self.got(v, id, drops);
                }
            }
            Op::Inspect => {
                self.check();
                for s in self.txs.iter().flatten() {
                    assert!(!format!("{s:?}").is_empty());
                    for t in self.txs.iter().flatten() {
                        assert!(s.same_channel(t));
                    }
                }
                for r in self.rxs.iter().flatten() {
                    assert!(!format!("{r:?}").is_empty());
                    for q in self.rxs.iter().flatten() {
                        assert!(r.same_channel(q));
                    }
                    assert!(!r.same_channel(&chan::never()));
                }
            }
            Op::Never { wait } => {
                let r = chan::never::<V>();
                assert_eq!(r.try_recv().err(), Some(TryRecvError::Empty));
                let e = r.recv_timeout(wait.duration(true)).err();
                assert_eq!(e, Some(RecvTimeoutError::Timeout));
                let e = r.recv_deadline(wait.deadline(true)).err();
                assert_eq!(e, Some(RecvTimeoutError::Timeout));
                let r2 = r.clone();
                assert_eq!((r2.len(), r2.capacity()), (0, Some(0)));
                assert!(r2.is_empty() && r2.is_full() && !r2.is_closed());
                assert!(r.same_channel(&r2), "never() is never() (nil == nil)");
            }
        }
    }

    fn check(&self) {
        let len = self.buf.len();
        let full = self.cap.is_some_and(|c| len >= c);
        for s in self.txs.iter().flatten() {
            assert_eq!(s.len(), len, "Sender::len");
            assert_eq!(s.is_empty(), len == 0, "Sender::is_empty");
            assert_eq!(s.is_full(), full, "Sender::is_full");
            assert_eq!(s.capacity(), self.cap, "Sender::capacity");
            assert_eq!(s.is_closed(), self.closed, "Sender::is_closed");
            assert_eq!(s.waiting_senders(), 0, "a sender stayed linked");
            assert_eq!(s.waiting_receivers(), 0, "a receiver stayed linked");
        }
        for r in self.rxs.iter().flatten() {
            assert_eq!(r.len(), len, "Receiver::len");
            assert_eq!(r.is_empty(), len == 0, "Receiver::is_empty");
            assert_eq!(r.is_full(), full, "Receiver::is_full");
            assert_eq!(r.capacity(), self.cap, "Receiver::capacity");
            assert_eq!(r.is_closed(), self.closed, "Receiver::is_closed");
            assert_eq!(r.waiting_senders(), 0, "a sender stayed linked");
            assert_eq!(r.waiting_receivers(), 0, "a receiver stayed linked");
        }
    }

    fn finish(mut self: Box<Self>, drops: &mut u64) {
        let live_rx = self.live_receivers();
        for s in &mut self.txs {
            drop(s.take());
        }
        for r in &mut self.rxs {
            drop(r.take());
        }
        if live_rx > 0 {
            self.last_receiver_gone(drops);
        }
    }
}

// ----- seeds: encoding and the named scripts -----

impl Wait {
    fn encode(self, e: &mut Enc) {
        match self {
            Wait::Zero => e.variant(0, 4),
            Wait::Micros(n) => {
                e.variant(1, 4);
                e.u8(n);
            }
            Wait::Past => e.variant(2, 4),
            Wait::Forever => e.variant(3, 4),
        }
    }
}

impl Op {
    fn encode(self, e: &mut Enc) {
        // (variant index, byte fields in declaration order, then the wait if any)
        let (index, bytes, wait): (u32, Vec<u8>, Option<Wait>) = match self {
            Op::Send { tx } => (0, vec![tx], None),
            Op::TrySend { tx } => (1, vec![tx], None),
            Op::SendTimeout { tx, wait } => (2, vec![tx], Some(wait)),
            Op::SendDeadline { tx, wait } => (3, vec![tx], Some(wait)),
            Op::Recv { rx } => (4, vec![rx], None),
            Op::TryRecv { rx } => (5, vec![rx], None),
            Op::RecvTimeout { rx, wait } => (6, vec![rx], Some(wait)),
            Op::RecvDeadline { rx, wait } => (7, vec![rx], Some(wait)),
            Op::Close { tx } => (8, vec![tx], None),
            Op::CloneSender { from, to } => (9, vec![from, to], None),
            Op::DropSender { tx } => (10, vec![tx], None),
            Op::CloneReceiver { from, to } => (11, vec![from, to], None),
            Op::DropReceiver { rx } => (12, vec![rx], None),
            Op::TryIter { rx, max } => (13, vec![rx, max], None),
            Op::Drain { rx } => (14, vec![rx], None),
            Op::Inspect => (15, vec![], None),
            Op::Never { wait } => (16, vec![], Some(wait)),
        };
        e.variant(index, 17);
        bytes.into_iter().for_each(|b| e.u8(b));
        if let Some(w) = wait {
            w.encode(e);
        }
    }
}

impl Script {
    /// The bytes that decode to this script.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.seq(&self.chans, |e, c| {
            match c.cap {
                Cap::Zero => e.variant(0, 4),
                Cap::One => e.variant(1, 4),
                Cap::Small(n) => {
                    e.variant(2, 4);
                    e.u8(n);
                }
                Cap::Unbounded => e.variant(3, 4),
            }
            e.bool(c.zero_sized);
        });
        e.seq(&self.steps, |e, &(ch, op)| {
            e.u8(ch);
            op.encode(e);
        });
        e.0
    }
}

/// Hand-written seeds, one per behaviour worth starting the fuzzer from.
pub(crate) fn seeds() -> Vec<(&'static str, Script)> {
    use Op::*;
    let t = |cap| ChanSpec {
        cap,
        zero_sized: false,
    };
    let z = |cap| ChanSpec {
        cap,
        zero_sized: true,
    };
    let on = |ch: u8, ops: &[Op]| ops.iter().map(|&op| (ch, op)).collect::<Vec<_>>();
    let micros = Wait::Micros(4);
    vec![
        (
            "rendezvous_alone_times_out",
            Script {
                chans: vec![t(Cap::Zero)],
                steps: on(
                    0,
                    &[
                        Send { tx: 0 },
                        TrySend { tx: 0 },
                        SendTimeout {
                            tx: 0,
                            wait: micros,
                        },
                        SendDeadline {
                            tx: 0,
                            wait: Wait::Forever,
                        },
                        Recv { rx: 0 },
                        RecvTimeout {
                            rx: 0,
                            wait: micros,
                        },
                        RecvDeadline {
                            rx: 0,
                            wait: Wait::Past,
                        },
                        Inspect,
                        Close { tx: 0 },
                        Send { tx: 0 },
                        Recv { rx: 0 },
                        Close { tx: 0 },
                        Inspect,
                    ],
                ),
            },
        ),
        (
            "cap1_fill_park_drain",
            Script {
                chans: vec![t(Cap::One)],
                steps: on(
                    0,
                    &[
                        Send { tx: 0 },
                        TrySend { tx: 0 },
                        SendTimeout {
                            tx: 0,
                            wait: Wait::Micros(20),
                        },
                        Send { tx: 0 },
                        Inspect,
                        Recv { rx: 0 },
                        Recv { rx: 0 },
                        RecvTimeout {
                            rx: 0,
                            wait: Wait::Micros(20),
                        },
                        SendDeadline {
                            tx: 0,
                            wait: Wait::Forever,
                        },
                        RecvDeadline {
                            rx: 0,
                            wait: Wait::Forever,
                        },
                        TryRecv { rx: 0 },
                    ],
                ),
            },
        ),
        (
            "capn_full_close_drain",
            Script {
                chans: vec![t(Cap::Small(1))],
                steps: on(
                    0,
                    &[
                        Send { tx: 0 },
                        Send { tx: 0 },
                        Send { tx: 0 },
                        TrySend { tx: 0 },
                        Recv { rx: 0 },
                        Send { tx: 0 },
                        Close { tx: 0 },
                        TrySend { tx: 0 },
                        SendTimeout {
                            tx: 0,
                            wait: Wait::Forever,
                        },
                        Inspect,
                        Drain { rx: 0 },
                        Recv { rx: 0 },
                        TryRecv { rx: 0 },
                    ],
                ),
            },
        ),
        (
            "unbounded_many_then_iter",
            Script {
                chans: vec![t(Cap::Unbounded)],
                steps: [
                    vec![(0, Send { tx: 0 }); 40],
                    on(
                        0,
                        &[
                            TryIter { rx: 0, max: 7 },
                            Recv { rx: 0 },
                            Inspect,
                            DropSender { tx: 0 },
                            Drain { rx: 0 },
                            Recv { rx: 0 },
                        ],
                    ),
                ]
                .concat(),
            },
        ),
        (
            "last_receiver_drop_drops_buffer",
            Script {
                chans: vec![t(Cap::Small(2))],
                steps: on(
                    0,
                    &[
                        Send { tx: 0 },
                        Send { tx: 0 },
                        Send { tx: 0 },
                        CloneReceiver { from: 0, to: 1 },
                        DropReceiver { rx: 0 },
                        Inspect,
                        Send { tx: 0 },
                        DropReceiver { rx: 1 },
                        Inspect,
                        Send { tx: 0 },
                        TrySend { tx: 0 },
                        SendTimeout {
                            tx: 0,
                            wait: micros,
                        },
                        Close { tx: 0 },
                    ],
                ),
            },
        ),
        (
            "last_sender_drop_closes",
            Script {
                chans: vec![t(Cap::One), t(Cap::Zero)],
                steps: [
                    on(
                        0,
                        &[
                            CloneSender { from: 0, to: 2 },
                            Send { tx: 2 },
                            DropSender { tx: 0 },
                            Inspect,
                            DropSender { tx: 2 },
                            Inspect,
                            Recv { rx: 0 },
                            Recv { rx: 0 },
                        ],
                    ),
                    on(
                        1,
                        &[
                            CloneSender { from: 0, to: 0 },
                            DropSender { tx: 0 },
                            RecvTimeout {
                                rx: 0,
                                wait: Wait::Forever,
                            },
                        ],
                    ),
                ]
                .concat(),
            },
        ),
        (
            "zero_sized_values",
            Script {
                chans: vec![z(Cap::Zero), z(Cap::One), z(Cap::Unbounded)],
                steps: [
                    on(
                        0,
                        &[
                            Send { tx: 0 },
                            RecvTimeout {
                                rx: 0,
                                wait: micros,
                            },
                        ],
                    ),
                    on(1, &[Send { tx: 0 }, TrySend { tx: 0 }, Recv { rx: 0 }]),
                    vec![(2, Send { tx: 0 }); 20],
                    on(
                        2,
                        &[TryIter { rx: 0, max: 3 }, Inspect, DropReceiver { rx: 0 }],
                    ),
                    on(1, &[Send { tx: 0 }, DropReceiver { rx: 0 }, Send { tx: 0 }]),
                ]
                .concat(),
            },
        ),
        (
            "four_channels_interleaved",
            Script {
                chans: vec![
                    t(Cap::Zero),
                    t(Cap::One),
                    t(Cap::Small(6)),
                    t(Cap::Unbounded),
                ],
                steps: (0..48u8)
                    .map(|i| {
                        let op = match i % 6 {
                            0 | 1 => Send { tx: i % 2 },
                            2 => CloneSender { from: 0, to: 1 },
                            3 => TryRecv { rx: 0 },
                            4 => RecvTimeout {
                                rx: 0,
                                wait: Wait::Micros(i),
                            },
                            _ => Inspect,
                        };
                        (i % 4, op)
                    })
                    .collect(),
            },
        ),
        (
            "handle_slots_shuffle",
            Script {
                chans: vec![t(Cap::Small(0))],
                steps: on(
                    0,
                    &[
                        CloneSender { from: 0, to: 1 },
                        CloneSender { from: 1, to: 0 },
                        CloneReceiver { from: 0, to: 3 },
                        CloneReceiver { from: 3, to: 0 },
                        Send { tx: 1 },
                        Recv { rx: 3 },
                        DropSender { tx: 1 },
                        Send { tx: 0 },
                        DropReceiver { rx: 0 },
                        Recv { rx: 3 },
                        Inspect,
                        DropSender { tx: 0 },
                        Recv { rx: 3 },
                    ],
                ),
            },
        ),
        (
            "never_and_deadlines",
            Script {
                chans: vec![t(Cap::One)],
                steps: on(
                    0,
                    &[
                        Never { wait: Wait::Zero },
                        Never { wait: micros },
                        Never { wait: Wait::Past },
                        Never {
                            wait: Wait::Forever,
                        },
                        SendDeadline {
                            tx: 0,
                            wait: Wait::Past,
                        },
                        SendDeadline {
                            tx: 0,
                            wait: Wait::Past,
                        },
                        RecvDeadline {
                            rx: 0,
                            wait: Wait::Zero,
                        },
                        RecvDeadline {
                            rx: 0,
                            wait: micros,
                        },
                        SendTimeout {
                            tx: 0,
                            wait: Wait::Zero,
                        },
                        SendTimeout {
                            tx: 0,
                            wait: Wait::Zero,
                        },
                        RecvTimeout {
                            rx: 0,
                            wait: Wait::Zero,
                        },
                    ],
                ),
            },
        ),
    ]
}
