//! `ring`: long push / pop sequences through a bounded and an unbounded channel side by
//! side, each checked against a `VecDeque`, so that the ring buffer wraps around again
//! and again and the unbounded one grows while wrapped (head not at slot 0). Values are
//! tracked: every value must come out once, in order, or be dropped exactly once when
//! the channel goes (also while wrapped).

use super::encode::Enc;
use super::tracked::{self, Tracked, Val};
use arbitrary::{Arbitrary, Unstructured};
use gosync::chan::{self, Receiver, Sender, TryRecvError, TrySendError};
use std::collections::VecDeque;

/// One operation, applied to both channels.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum RingOp {
    /// Pushes `n` values (the bounded channel refuses those beyond its capacity).
    Push(u8),
    /// Pops up to `n` values.
    Pop(u8),
    /// `n` rounds of push-then-pop: walks the head around the ring at a fixed length.
    Cycle(u8),
    /// Pushes `n` and pops `n / 2`: grows the unbounded ring while it is wrapped.
    Grow(u8),
    /// Closes both channels (pushes then fail with the value; pops drain, then `Closed`).
    Close,
    /// Drops both channels with whatever they hold, and starts new ones of capacity
    /// `1 + cap % 64`.
    Restart(u8),
}

impl RingOp {
    /// The same operation with its count capped at `max`.
    fn shortened(self, max: u8) -> Self {
        match self {
            RingOp::Push(n) => RingOp::Push(n.min(max)),
            RingOp::Pop(n) => RingOp::Pop(n.min(max)),
            RingOp::Cycle(n) => RingOp::Cycle(n.min(max)),
            RingOp::Grow(n) => RingOp::Grow(n.min(max)),
            other => other,
        }
    }
}

/// A decoded script.
#[derive(Arbitrary, Debug)]
pub(crate) struct Script {
    /// The bounded channel's capacity is `1 + cap % 64`.
    pub(crate) cap: u8,
    /// The operations.
    pub(crate) ops: Vec<RingOp>,
}

/// Decodes `data` and runs it; undecodable input is ignored.
pub(crate) fn run_bytes(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        run(&script);
    }
}

/// One channel and its model.
struct Side {
    cap: Option<usize>,
    tx: Sender<Tracked>,
    rx: Receiver<Tracked>,
    model: VecDeque<u64>,
    closed: bool,
}

impl Side {
    fn new(cap: Option<usize>) -> Self {
        let (tx, rx) = match cap {
            Some(c) => chan::bounded(c),
            None => chan::unbounded(),
        };
        Side {
            cap,
            tx,
            rx,
            model: VecDeque::new(),
            closed: false,
        }
    }

    fn push(&mut self, drops: &mut u64) {
        let v = Tracked::make();
        let id = v.id();
        let room = self.cap.map_or(true, |c| self.model.len() < c);
        match self.tx.try_send(v) {
            Ok(()) => {
                assert!(
                    room && !self.closed,
                    "try_send accepted a value it should not"
                );
                self.model.push_back(id);
            }
            Err(TrySendError::Full(v)) => {
                assert!(!room && !self.closed, "try_send: unexpected Full");
                assert_eq!(v.id(), id);
                *drops += 1;
            }
            Err(TrySendError::Closed(v)) => {
                assert!(self.closed, "try_send: unexpected Closed");
                assert_eq!(v.id(), id);
                *drops += 1;
            }
        }
    }

    fn pop(&mut self, drops: &mut u64) {
        match self.rx.try_recv() {
            Ok(v) => {
                let want = self
                    .model
                    .pop_front()
                    .expect("received from an empty model");
                assert_eq!(v.id(), want, "out of order");
                *drops += 1;
            }
            Err(TryRecvError::Empty) => {
                assert!(self.model.is_empty() && !self.closed, "unexpected Empty");
            }
            Err(TryRecvError::Closed) => {
                assert!(self.model.is_empty() && self.closed, "unexpected Closed");
            }
        }
    }

    fn check(&self) {
        assert_eq!(self.rx.len(), self.model.len(), "len");
        assert_eq!(self.tx.is_closed(), self.closed, "is_closed");
        if let Some(c) = self.cap {
            assert_eq!(self.tx.is_full(), self.model.len() == c, "is_full");
        }
    }

    /// Drops the channel; every buffered value must be dropped with it.
    fn finish(self, drops: &mut u64) {
        let Side { tx, rx, model, .. } = self;
        drop(tx);
        drop(rx);
        *drops += model.len() as u64;
        for id in model {
            assert!(tracked::is_dropped(id), "buffered value {id} leaked");
        }
    }
}

/// Runs `script`, panicking on the first disagreement with the model.
pub(crate) fn run(script: &Script) {
    tracked::reset();
    let mut drops = 0;
    let cap = |c: u8| Some(1 + usize::from(c) % 64);
    let mut sides = [Side::new(cap(script.cap)), Side::new(None)];
    for (i, &op) in script.ops.iter().enumerate() {
        // Miri runs these thousands of times slower: shorter bursts still wrap the
        // rings and grow the unbounded one (past its first 16 slots) while wrapped.
        let op = if cfg!(miri) { op.shortened(24) } else { op };
        for side in &mut sides {
            match op {
                RingOp::Push(n) => (0..n).for_each(|_| side.push(&mut drops)),
                RingOp::Pop(n) => (0..n).for_each(|_| side.pop(&mut drops)),
                RingOp::Cycle(n) => (0..n).for_each(|_| {
                    side.push(&mut drops);
                    side.pop(&mut drops);
                }),
                RingOp::Grow(n) => {
                    (0..n).for_each(|_| side.push(&mut drops));
                    (0..n / 2).for_each(|_| side.pop(&mut drops));
                }
                RingOp::Close => {
                    assert_eq!(side.tx.close(), !side.closed, "close");
                    side.closed = true;
                }
                RingOp::Restart(_) => {}
            }
            side.check();
        }
        if let RingOp::Restart(c) = op {
            let [a, b] = std::mem::replace(&mut sides, [Side::new(cap(c)), Side::new(None)]);
            a.finish(&mut drops);
            b.finish(&mut drops);
        }
        assert_eq!(tracked::drops(), drops, "op {i} ({op:?}): drops differ");
    }
    for side in sides {
        side.finish(&mut drops);
    }
    assert_eq!(tracked::drops(), drops, "drops differ at the end");
    assert_eq!(tracked::drops(), tracked::created(), "a value was leaked");
}

// ----- seeds: encoding and the named scripts -----

impl Script {
    /// The bytes that decode to this script.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.u8(self.cap);
        e.seq(&self.ops, |e, &op| {
            let (index, n) = match op {
                RingOp::Push(n) => (0, Some(n)),
                RingOp::Pop(n) => (1, Some(n)),
                RingOp::Cycle(n) => (2, Some(n)),
                RingOp::Grow(n) => (3, Some(n)),
                RingOp::Close => (4, None),
                RingOp::Restart(c) => (5, Some(c)),
            };
            e.variant(index, 6);
            if let Some(n) = n {
                e.u8(n);
            }
        });
        e.0
    }
}

/// Hand-written seeds.
pub(crate) fn seeds() -> Vec<(&'static str, Script)> {
    use RingOp::*;
    let s = |cap, ops: &[RingOp]| Script {
        cap,
        ops: ops.to_vec(),
    };
    vec![
        (
            "wrap_small_ring_many_times",
            s(2, &[Push(2), Cycle(250), Pop(3)]),
        ),
        (
            "fill_exactly_then_refuse",
            s(63, &[Push(64), Push(3), Pop(64), Pop(1)]),
        ),
        (
            "grow_while_wrapped",
            s(
                15,
                &[
                    Push(10),
                    Pop(7),
                    Push(12),
                    Push(40),
                    Pop(20),
                    Push(100),
                    Pop(255),
                ],
            ),
        ),
        (
            "grow_large",
            s(7, &[Grow(255), Grow(255), Grow(255), Grow(255), Pop(255)]),
        ),
        (
            "close_midway",
            s(9, &[Push(20), Pop(3), Close, Push(4), Pop(30), Close]),
        ),
        (
            "drop_while_wrapped",
            s(
                4,
                &[
                    Push(5),
                    Pop(3),
                    Push(3),
                    Restart(0),
                    Cycle(9),
                    Push(40),
                    Pop(21),
                    Push(30),
                ],
            ),
        ),
        (
            "restart_repeatedly",
            s(0, &[Push(1), Restart(1), Push(2), Restart(2), Grow(17)]),
        ),
    ]
}
