//! Property test: random single-thread sequences of channel operations, on every
//! capacity class, against a `VecDeque` model that predicts every result exactly.
//!
//! With one thread nobody is ever parked, so the model is simple: a rendezvous
//! channel never has room (`try_send` is always `Full` while open), a bounded one has
//! room below its capacity, an unbounded one always. Blocking `send` / `recv` are only
//! issued when the model says they complete at once. Every value carries an id and a
//! shared live-count, so the test also checks that values are dropped exactly when the
//! model lets go of them: when received, when handed back, when the last receiver is
//! dropped, and when the channel is freed.

#![allow(clippy::disallowed_types)] // a plain Cell as a live-value counter

use gosync::chan::{self, Receiver, Sender};
use gosync::chan::{RecvError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use proptest::prelude::*;
use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A value with an id; `live` counts the values not yet dropped.
#[derive(Debug)]
struct V {
    id: u32,
    live: Rc<Cell<usize>>,
}

impl V {
    fn new(id: u32, live: &Rc<Cell<usize>>) -> V {
        live.set(live.get() + 1);
        V {
            id,
            live: live.clone(),
        }
    }
}

impl Drop for V {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

/// A short wait (the model predicts the same result as for no wait at all).
const SHORT: Duration = Duration::from_micros(30);

#[derive(Clone, Debug)]
enum Op {
    TrySend(usize),
    /// Only issued when the model says it completes at once.
    Send(usize),
    /// `true`: a short timeout; `false`: `Duration::ZERO`.
    SendTimeout(usize, bool),
    /// `true`: a deadline shortly ahead; `false`: one already past.
    SendDeadline(usize, bool),
    TryRecv(usize),
    /// Only issued when the model says it completes at once.
    Recv(usize),
    RecvTimeout(usize, bool),
    RecvDeadline(usize, bool),
    /// `try_iter().take(n)`.
    TryIter(usize, usize),
    Close(usize),
    CloneSender(usize),
    DropSender(usize),
    CloneReceiver(usize),
    DropReceiver(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0..4usize;
    prop_oneof![
        4 => i.clone().prop_map(Op::TrySend),
        2 => i.clone().prop_map(Op::Send),
        2 => (i.clone(), any::<bool>()).prop_map(|(i, b)| Op::SendTimeout(i, b)),
        1 => (i.clone(), any::<bool>()).prop_map(|(i, b)| Op::SendDeadline(i, b)),
        4 => i.clone().prop_map(Op::TryRecv),
        2 => i.clone().prop_map(Op::Recv),
        2 => (i.clone(), any::<bool>()).prop_map(|(i, b)| Op::RecvTimeout(i, b)),
        1 => (i.clone(), any::<bool>()).prop_map(|(i, b)| Op::RecvDeadline(i, b)),
        1 => (i.clone(), 0..4usize).prop_map(|(i, n)| Op::TryIter(i, n)),
        1 => i.clone().prop_map(Op::Close),
        1 => i.clone().prop_map(Op::CloneSender),
        1 => i.clone().prop_map(Op::DropSender),
        1 => i.clone().prop_map(Op::CloneReceiver),
        1 => i.prop_map(Op::DropReceiver),
    ]
}

fn capacity() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![
        Just(Some(0)),
        Just(Some(1)),
        Just(Some(2)),
        Just(Some(3)),
        Just(Some(8)),
        Just(None),
    ]
}

/// The sequential model of one channel.
struct Model {
    cap: Option<usize>,
    buf: VecDeque<u32>,
    closed: bool,
}

/// What a send does, per the model.
#[derive(Debug, PartialEq)]
enum SendOutcome {
    Sent,
    Full,
    Closed,
}

impl Model {
    fn send(&mut self, id: u32) -> SendOutcome {
        if self.closed {
            return SendOutcome::Closed;
        }
        match self.cap {
            Some(c) if self.buf.len() >= c => SendOutcome::Full,
            _ => {
                self.buf.push_back(id);
                SendOutcome::Sent
            }
        }
    }

    fn would_send_now(&self) -> bool {
        self.closed || self.cap.map_or(true, |c| self.buf.len() < c)
    }

    /// `Ok(id)`, `Err(true)` closed and drained, `Err(false)` empty.
    fn recv(&mut self) -> Result<u32, bool> {
        match self.buf.pop_front() {
            Some(id) => Ok(id),
            None => Err(self.closed),
        }
    }

    fn would_recv_now(&self) -> bool {
        self.closed || !self.buf.is_empty()
    }
}

/// The harness: handles, model, value ids.
struct World {
    model: Model,
    senders: Vec<Sender<V>>,
    receivers: Vec<Receiver<V>>,
    live: Rc<Cell<usize>>,
    next_id: u32,
}

impl World {
    fn new(cap: Option<usize>) -> World {
        let (tx, rx) = match cap {
            Some(c) => chan::bounded(c),
            None => chan::unbounded(),
        };
        World {
            model: Model {
                cap,
                buf: VecDeque::new(),
                closed: false,
            },
            senders: vec![tx],
            receivers: vec![rx],
            live: Rc::new(Cell::new(0)),
            next_id: 0,
        }
    }

    fn value(&mut self) -> V {
        self.next_id += 1;
        V::new(self.next_id, &self.live)
    }

    fn sender(&self, i: usize) -> Option<&Sender<V>> {
        (!self.senders.is_empty()).then(|| &self.senders[i % self.senders.len()])
    }

    fn receiver(&self, i: usize) -> Option<&Receiver<V>> {
        (!self.receivers.is_empty()).then(|| &self.receivers[i % self.receivers.len()])
    }

    /// Applies `op` to the channel and to the model; checks the result.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::TrySend(i) | Op::Send(i) | Op::SendTimeout(i, _) | Op::SendDeadline(i, _) => {
                if self.senders.is_empty() {
                    return Ok(());
                }
                if matches!(op, Op::Send(_)) && !self.model.would_send_now() {
                    return Ok(());
                }
                let v = self.value();
                let id = v.id;
                let tx = self.sender(i).unwrap();
                // Normalise every flavour to (outcome, value handed back).
                let (got, back) = match *op {
                    Op::TrySend(_) => match tx.try_send(v) {
                        Ok(()) => (SendOutcome::Sent, None),
                        Err(TrySendError::Full(v)) => (SendOutcome::Full, Some(v)),
                        Err(TrySendError::Closed(v)) => (SendOutcome::Closed, Some(v)),
                    },
                    Op::Send(_) => match tx.send(v) {
                        Ok(()) => (SendOutcome::Sent, None),
                        Err(e) => (SendOutcome::Closed, Some(e.into_inner())),
                    },
                    Op::SendTimeout(_, short) => {
                        let d = if short { SHORT } else { Duration::ZERO };
                        timed_send(tx.send_timeout(v, d))
                    }
                    Op::SendDeadline(_, ahead) => {
                        let t = if ahead {
                            Instant::now() + SHORT
                        } else {
                            Instant::now()
                        };
                        timed_send(tx.send_deadline(v, t))
                    }
                    _ => unreachable!(),
                };
                let want = self.model.send(id);
                prop_assert_eq!(&got, &want, "{:?}", op);
                if let Some(v) = back {
                    prop_assert_eq!(v.id, id, "a failed send handed back another value");
                }
            }
            Op::TryRecv(i) | Op::Recv(i) | Op::RecvTimeout(i, _) | Op::RecvDeadline(i, _) => {
                let Some(rx) = self.receiver(i) else {
                    return Ok(());
                };
                if matches!(op, Op::Recv(_)) && !self.model.would_recv_now() {
                    return Ok(());
                }
                let got: Result<u32, bool> = match *op {
                    Op::TryRecv(_) => match rx.try_recv() {
                        Ok(v) => Ok(v.id),
                        Err(TryRecvError::Empty) => Err(false),
                        Err(TryRecvError::Closed) => Err(true),
                    },
                    Op::Recv(_) => rx.recv().map(|v| v.id).map_err(|RecvError| true),
                    Op::RecvTimeout(_, short) => {
                        let d = if short { SHORT } else { Duration::ZERO };
                        timed_recv(rx.recv_timeout(d))
                    }
                    Op::RecvDeadline(_, ahead) => {
                        let t = if ahead {
                            Instant::now() + SHORT
                        } else {
                            Instant::now()
                        };
                        timed_recv(rx.recv_deadline(t))
                    }
                    _ => unreachable!(),
                };
                prop_assert_eq!(got, self.model.recv(), "{:?}", op);
            }
            Op::TryIter(i, n) => {
                let Some(rx) = self.receiver(i) else {
                    return Ok(());
                };
                let got: Vec<u32> = rx.try_iter().take(n).map(|v| v.id).collect();
                let mut want = Vec::new();
                while want.len() < n {
                    match self.model.recv() {
                        Ok(id) => want.push(id),
                        Err(_) => break,
                    }
                }
                prop_assert_eq!(got, want);
            }
            Op::Close(i) => {
                let Some(tx) = self.sender(i) else {
                    return Ok(());
                };
                prop_assert_eq!(tx.close(), !self.model.closed, "close's result");
                self.model.closed = true;
            }
            Op::CloneSender(i) => {
                if let Some(tx) = self.sender(i) {
                    let tx2 = tx.clone();
                    prop_assert!(tx2.same_channel(tx));
                    self.senders.push(tx2);
                }
            }
            Op::DropSender(i) => {
                if !self.senders.is_empty() {
                    let k = i % self.senders.len();
                    drop(self.senders.swap_remove(k));
                    if self.senders.is_empty() {
                        // The last sender closes; buffered values stay receivable.
                        self.model.closed = true;
                    }
                }
            }
            Op::CloneReceiver(i) => {
                if let Some(rx) = self.receiver(i) {
                    let rx2 = rx.clone();
                    prop_assert!(rx2.same_channel(rx));
                    self.receivers.push(rx2);
                }
            }
            Op::DropReceiver(i) => {
                if !self.receivers.is_empty() {
                    let k = i % self.receivers.len();
                    drop(self.receivers.swap_remove(k));
                    if self.receivers.is_empty() {
                        // The last receiver closes and drops what is buffered.
                        self.model.closed = true;
                        self.model.buf.clear();
                    }
                }
            }
        }
        self.check_queries()
    }

    /// Every query on every handle agrees with the model, and exactly the values the
    /// model holds are alive.
    fn check_queries(&self) -> Result<(), TestCaseError> {
        let m = &self.model;
        let len = m.buf.len();
        let full = m.cap.is_some_and(|c| len >= c);
        for tx in &self.senders {
            prop_assert_eq!(tx.len(), len);
            prop_assert_eq!(tx.is_empty(), len == 0);
            prop_assert_eq!(tx.is_full(), full);
            prop_assert_eq!(tx.capacity(), m.cap);
            prop_assert_eq!(tx.is_closed(), m.closed);
            prop_assert_eq!((tx.waiting_senders(), tx.waiting_receivers()), (0, 0));
            prop_assert!(tx.same_channel(&self.senders[0]));
        }
        for rx in &self.receivers {
            prop_assert_eq!(rx.len(), len);
            prop_assert_eq!(rx.is_empty(), len == 0);
            prop_assert_eq!(rx.is_full(), full);
            prop_assert_eq!(rx.capacity(), m.cap);
            prop_assert_eq!(rx.is_closed(), m.closed);
            prop_assert_eq!((rx.waiting_senders(), rx.waiting_receivers()), (0, 0));
            prop_assert!(rx.same_channel(&self.receivers[0]));
        }
        prop_assert_eq!(self.live.get(), len, "live values != values in the channel");
        Ok(())
    }
}

fn timed_send(r: Result<(), SendTimeoutError<V>>) -> (SendOutcome, Option<V>) {
    match r {
        Ok(()) => (SendOutcome::Sent, None),
        Err(SendTimeoutError::Timeout(v)) => (SendOutcome::Full, Some(v)),
        Err(SendTimeoutError::Closed(v)) => (SendOutcome::Closed, Some(v)),
    }
}

fn timed_recv(r: Result<V, RecvTimeoutError>) -> Result<u32, bool> {
    match r {
        Ok(v) => Ok(v.id),
        Err(RecvTimeoutError::Timeout) => Err(false),
        Err(RecvTimeoutError::Closed) => Err(true),
    }
}

/// Proptest's defaults (256 cases, or `PROPTEST_CASES`); far fewer under Miri.
fn config() -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if cfg!(miri) {
        c.cases = c.cases.min(8);
        // Miri's isolation forbids the file system (the regressions file).
        c.failure_persistence = None;
    }
    c
}

proptest! {
    #![proptest_config(config())]

    /// The channel agrees with the model after every operation, and freeing it drops
    /// whatever it still held.
    #[test]
    fn channel_matches_vecdeque_model(
        cap in capacity(),
        ops in prop::collection::vec(op(), 1..if cfg!(miri) { 20 } else { 80 }),
    ) {
        let mut world = World::new(cap);
        for op in &ops {
            world.step(op)?;
        }
        let live = world.live.clone();
        drop(world);
        prop_assert_eq!(live.get(), 0, "values leaked when the channel was freed");
    }
}
