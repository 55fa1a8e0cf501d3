//! `select_ops`: scripts that fill, drain, close and drop the handles of a few
//! channels (capacity 0, 1, small N, unbounded), and run selects over them — with the
//! dynamic [`Select`] builder and with the `select!` / `select_biased!` macros, biased
//! or not, with `try_wait` / `default`, timeouts, deadlines or blocking — on one thread
//! against an exact model.
//!
//! On one thread no peer is ever parked, so the model knows which cases are ready: a
//! receive when something is buffered or the channel is closed, a send when the
//! channel is closed or its buffer has room (never on a rendezvous channel: a select
//! does not complete against itself). The select must choose a ready case (the first
//! in source order when biased) or, when none is ready, time out having unlinked every
//! waiter it parked. Values are tracked: the chosen case's value must match, a send
//! value whose case was not chosen must be dropped when the select ends, and every
//! value must be dropped exactly once.

use super::encode::Enc;
use super::tracked::{self, Tracked, Val};
use arbitrary::{Arbitrary, Unstructured};
use gosync::chan::{self, Receiver, RecvError, SendError, Sender};
use gosync::{select, select_biased, Select};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Channels per script.
const MAX_CHANS: usize = 4;
/// Cases per builder select.
const MAX_CASES: usize = 8;

/// A channel's capacity class.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Cap {
    /// Rendezvous.
    Zero,
    /// One slot.
    One,
    /// 2..=5 slots.
    Small(u8),
    /// Unbounded.
    Unbounded,
}

impl Cap {
    fn get(self) -> Option<usize> {
        match self {
            Cap::Zero => Some(0),
            Cap::One => Some(1),
            Cap::Small(n) => Some(2 + usize::from(n) % 4),
            Cap::Unbounded => None,
        }
    }
}

/// One case of a builder select.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Case {
    /// Receive from channel `i` (a nil case once its receiver is dropped).
    Recv(u8),
    /// Send a new value on channel `i` (a nil case once its sender is dropped).
    Send(u8),
    /// Receive from `never()`: never ready.
    Never,
    /// Receive from `after(0)`: ready at once.
    AfterZero,
    /// Receive from `after(1 h)`: not ready within the script.
    AfterLong,
}

/// How long a select may wait.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// Zero: behaves like `try_wait` / `default`.
    Zero,
    /// 1..=16 µs: parks a waiter on every case before timing out.
    Micros(u8),
    /// Without limit (only used when a case is ready; else shortened to 1 µs).
    Forever,
}

impl Wait {
    fn duration(self, none_ready: bool) -> Duration {
        match self {
            Wait::Zero => Duration::ZERO,
            Wait::Micros(n) => Duration::from_micros(1 + u64::from(n) % 16),
            Wait::Forever if none_ready => Duration::from_micros(1),
            Wait::Forever => Duration::MAX,
        }
    }
}

/// How a select waits.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// `try_wait` / `default =>`.
    Try,
    /// `wait_timeout` / `default(d) =>`.
    Timeout(Wait),
    /// `wait_deadline` (the macros use `default(d)`).
    Deadline(Wait),
    /// `wait` / no default (shortened to a 1 µs timeout when no case is ready).
    Block,
}

/// One step of a script.
#[derive(Arbitrary, Debug, Clone)]
pub(crate) enum Op {
    /// `try_send` a new value on channel `i`.
    Fill(u8),
    /// `try_recv` from channel `i`.
    Take(u8),
    /// `close` channel `i`.
    Close(u8),
    /// Drop channel `i`'s sender (closes it).
    DropSender(u8),
    /// Drop channel `i`'s receiver (closes it, drops what is buffered).
    DropReceiver(u8),
    /// A select built with [`Select`].
    Build {
        /// `Select::biased()` instead of `Select::new()`.
        biased: bool,
        /// How it waits.
        mode: Mode,
        /// Its cases (at most 8 are used).
        cases: Vec<Case>,
    },
    /// `select!` / `select_biased!` with `recv(a)`, `recv(b)`, `send(c, _)`,
    /// `send(d, _)`; bit `k` of `on` clear makes case `k`'s operand `None`.
    Macro {
        /// `select_biased!` instead of `select!`.
        biased: bool,
        /// `default`, `default(d)`, or none.
        mode: Mode,
        /// Channel of each case.
        chans: [u8; 4],
        /// Which operands are `Some`.
        on: u8,
    },
}

/// A decoded script.
#[derive(Arbitrary, Debug)]
pub(crate) struct Script {
    /// The channels (at most 4 are used; none means one rendezvous channel).
    pub(crate) chans: Vec<Cap>,
    /// The steps.
    pub(crate) ops: Vec<Op>,
}

/// Decodes `data` and runs it; undecodable input is ignored.
pub(crate) fn run_bytes(data: &[u8]) {
    if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
        run(&script);
    }
}

/// A channel under test and its model.
struct Chan {
    cap: Option<usize>,
    tx: Option<Sender<Tracked>>,
    rx: Option<Receiver<Tracked>>,
    /// Ids of the buffered values, oldest first.
    buf: VecDeque<u64>,
    closed: bool,
}

impl Chan {
    fn new(cap: Option<usize>) -> Self {
        let (tx, rx) = match cap {
            Some(c) => chan::bounded(c),
            None => chan::unbounded(),
        };
        Chan {
            cap,
            tx: Some(tx),
            rx: Some(rx),
            buf: VecDeque::new(),
            closed: false,
        }
    }

    fn room(&self) -> bool {
        self.cap.map_or(true, |c| self.buf.len() < c)
    }

    fn receiver_gone(&mut self, drops: &mut u64) {
        self.closed = true;
        *drops += self.buf.len() as u64;
        for id in self.buf.drain(..) {
            assert!(tracked::is_dropped(id), "buffered value {id} leaked");
        }
    }

    fn check(&self, i: usize) {
        let len = self.buf.len();
        if let Some(tx) = &self.tx {
            assert_eq!(tx.len(), len, "chan {i}: len");
            assert_eq!(tx.is_closed(), self.closed, "chan {i}: is_closed");
            assert_eq!(tx.waiting_senders(), 0, "chan {i}: a send waiter stayed");
            assert_eq!(tx.waiting_receivers(), 0, "chan {i}: a recv waiter stayed");
        }
        if let Some(rx) = &self.rx {
            assert_eq!(rx.len(), len, "chan {i}: len");
            assert_eq!(rx.is_closed(), self.closed, "chan {i}: is_closed");
            assert_eq!(rx.waiting_senders(), 0, "chan {i}: a send waiter stayed");
            assert_eq!(rx.waiting_receivers(), 0, "chan {i}: a recv waiter stayed");
        }
    }
}

/// What a chosen case produced.
enum Outcome {
    Recv(Result<Tracked, RecvError>),
    Send(Result<(), SendError<Tracked>>),
    Timer(Result<Instant, RecvError>),
}

/// A case as the model sees it.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Receive from a channel (by index).
    Recv(usize),
    /// Send the value `id` on a channel.
    Send(usize, u64),
    /// A timer or `never` receiver, ready or not.
    Timer(bool),
    /// Not part of the select (nil operand).
    Nil,
}

struct World {
    chans: Vec<Chan>,
    /// Value drops the model expects.
    drops: u64,
}

impl World {
    fn chan(&self, i: u8) -> usize {
        usize::from(i) % self.chans.len()
    }

    fn ready(&self, s: Slot) -> bool {
        match s {
            Slot::Recv(c) => !self.chans[c].buf.is_empty() || self.chans[c].closed,
            Slot::Send(c, _) => self.chans[c].closed || self.chans[c].room(),
            Slot::Timer(ready) => ready,
            Slot::Nil => false,
        }
    }

    /// Checks the select's result against the model and applies it.
    fn settle(&mut self, slots: &[Slot], biased: bool, got: Option<(usize, Outcome)>) {
        let ready: Vec<usize> = (0..slots.len()).filter(|&k| self.ready(slots[k])).collect();
        let sends = slots.iter().filter(|s| matches!(s, Slot::Send(..))).count() as u64;
        let Some((k, outcome)) = got else {
            assert!(
                ready.is_empty(),
                "no case chosen though {ready:?} were ready"
            );
            // Every send value went back unsent and was dropped.
            self.drops += sends;
            return;
        };
        assert!(
            ready.contains(&k),
            "case {k} chosen, but ready were {ready:?}"
        );
        if biased {
            assert_eq!(k, ready[0], "a biased select skipped an earlier ready case");
        }
        // The values of the send cases not chosen were dropped with the select.
        self.drops += sends - u64::from(matches!(slots[k], Slot::Send(..)));
        match (slots[k], outcome) {
            (Slot::Recv(c), Outcome::Recv(r)) => {
                let ch = &mut self.chans[c];
                match r {
                    Ok(v) => {
                        assert_eq!(Some(v.id()), ch.buf.pop_front(), "received the wrong value");
                        drop(v);
                        self.drops += 1;
                    }
                    Err(RecvError) => assert!(ch.buf.is_empty() && ch.closed, "recv case: Err"),
                }
            }
            (Slot::Send(c, id), Outcome::Send(r)) => {
                let ch = &mut self.chans[c];
                match r {
                    Ok(()) => {
                        assert!(!ch.closed && ch.room(), "send case accepted a value");
                        ch.buf.push_back(id);
                    }
                    Err(SendError(v)) => {
                        assert!(ch.closed, "send case failed on an open channel");
                        assert_eq!(v.id(), id, "send case handed back another value");
                        drop(v);
                        self.drops += 1;
                    }
                }
            }
            (Slot::Timer(_), Outcome::Timer(r)) => assert!(r.is_ok(), "timer case: Err"),
            _ => panic!("case {k} produced another kind of outcome"),
        }
    }

    fn build(&mut self, biased: bool, mode: Mode, cases: &[Case]) {
        let cases = &cases[..cases.len().min(MAX_CASES)];
        // Timer receivers live beside the select, which borrows them.
        let timers: Vec<Receiver<Instant>> = cases
            .iter()
            .map(|c| match c {
                Case::AfterZero => chan::after(Duration::ZERO),
                Case::AfterLong => chan::after(Duration::from_secs(3600)),
                _ => chan::never(),
            })
            .collect();
        let mut slots = Vec::new();
        let mut sel: Select<'_, (usize, Outcome)> = if biased {
            Select::biased()
        } else {
            Select::new()
        };
        for (k, &case) in cases.iter().enumerate() {
            let slot = match case {
                Case::Recv(i) => {
                    let c = self.chan(i);
                    match &self.chans[c].rx {
                        Some(rx) => {
                            let at = slots.len();
                            sel = sel.recv(rx, move |m| (at, Outcome::Recv(m)));
                            Slot::Recv(c)
                        }
                        None => continue, // nil: not added
                    }
                }
                Case::Send(i) => {
                    let c = self.chan(i);
                    match &self.chans[c].tx {
                        Some(tx) => {
                            let v = Tracked::make();
                            let id = v.id();
                            let at = slots.len();
                            sel = sel.send(tx, v, move |r| (at, Outcome::Send(r)));
                            Slot::Send(c, id)
                        }
                        None => continue,
                    }
                }
                Case::Never | Case::AfterZero | Case::AfterLong => {
                    let at = slots.len();
                    sel = sel.recv(&timers[k], move |m| (at, Outcome::Timer(m)));
                    Slot::Timer(matches!(case, Case::AfterZero))
                }
            };
            slots.push(slot);
        }
        assert_eq!(sel.len(), slots.len());
        let none_ready = !slots.iter().any(|&s| self.ready(s));
        let got = match mode {
            Mode::Try => sel.try_wait(),
            Mode::Timeout(w) => sel.wait_timeout(w.duration(none_ready)),
            Mode::Deadline(w) => match w {
                Wait::Forever if !none_ready => {
                    sel.wait_deadline(Instant::now() + Duration::from_secs(3600))
                }
                w => sel.wait_deadline(Instant::now() + w.duration(true)),
            },
            Mode::Block if none_ready => sel.wait_timeout(Duration::from_micros(1)),
            Mode::Block => Some(sel.wait()),
        };
        self.settle(&slots, biased, got);
    }

    fn macro_select(&mut self, biased: bool, mode: Mode, chans: [u8; 4], on: u8) {
        let c: Vec<usize> = chans.iter().map(|&i| self.chan(i)).collect();
        let enabled = |k: usize| on & (1 << k) != 0;
        let ra = self.chans[c[0]].rx.as_ref().filter(|_| enabled(0));
        let rb = self.chans[c[1]].rx.as_ref().filter(|_| enabled(1));
        let tc = self.chans[c[2]].tx.as_ref().filter(|_| enabled(2));
        let td = self.chans[c[3]].tx.as_ref().filter(|_| enabled(3));
        // Both send values are evaluated whether or not their operand is nil.
        let (vc, vd) = (Tracked::make(), Tracked::make());
        let (idc, idd) = (vc.id(), vd.id());
        let slots = [
            if ra.is_some() {
                Slot::Recv(c[0])
            } else {
                Slot::Nil
            },
            if rb.is_some() {
                Slot::Recv(c[1])
            } else {
                Slot::Nil
            },
            if tc.is_some() {
                Slot::Send(c[2], idc)
            } else {
                Slot::Nil
            },
            if td.is_some() {
                Slot::Send(c[3], idd)
            } else {
                Slot::Nil
            },
        ];
        let none_ready = !slots.iter().any(|&s| self.ready(s));
        // A nil send case's value is dropped with the select, like an unchosen one.
        self.drops += u64::from(tc.is_none()) + u64::from(td.is_none());
        const NONE: usize = usize::MAX;
        macro_rules! run {
            ($sel:ident, $($default:tt)*) => {
                $sel! {
                    recv(ra) -> m => (0, Some(Outcome::Recv(m))),
                    recv(rb) -> m => (1, Some(Outcome::Recv(m))),
                    send(tc, vc) -> r => (2, Some(Outcome::Send(r))),
                    send(td, vd) -> r => (3, Some(Outcome::Send(r))),
                    $($default)*
                }
            };
        }
        let d = match mode {
            Mode::Try => Duration::ZERO,
            Mode::Timeout(w) | Mode::Deadline(w) => w.duration(none_ready),
            Mode::Block => Duration::from_micros(1),
        };
        let blocking = matches!(mode, Mode::Block) && !none_ready;
        let (k, outcome) = match (biased, matches!(mode, Mode::Try), blocking) {
            (true, true, _) => run!(select_biased, default => (NONE, None)),
            (false, true, _) => run!(select, default => (NONE, None)),
            (true, false, true) => run!(select_biased,),
            (false, false, true) => run!(select,),
            (true, false, false) => run!(select_biased, default(d) => (NONE, None)),
            (false, false, false) => run!(select, default(d) => (NONE, None)),
        };
        let got = outcome.map(|o| (k, o));
        assert_eq!(got.is_none(), k == NONE);
        // `settle` counts the unchosen send values among the slots; the nil ones were
        // counted above.
        self.settle(&slots, biased, got);
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Fill(i) => {
                let c = self.chan(i);
                let ch = &mut self.chans[c];
                let Some(tx) = &ch.tx else { return };
                let v = Tracked::make();
                let id = v.id();
                match tx.try_send(v) {
                    Ok(()) => {
                        assert!(!ch.closed && ch.room(), "try_send accepted");
                        ch.buf.push_back(id);
                    }
                    Err(e) => {
                        assert!(ch.closed || !ch.room(), "try_send refused");
                        assert_eq!(e.is_closed(), ch.closed);
                        drop(e);
                        self.drops += 1;
                    }
                }
            }
            Op::Take(i) => {
                let c = self.chan(i);
                let ch = &mut self.chans[c];
                let Some(rx) = &ch.rx else { return };
                match rx.try_recv() {
                    Ok(v) => {
                        assert_eq!(Some(v.id()), ch.buf.pop_front(), "try_recv: wrong value");
                        drop(v);
                        self.drops += 1;
                    }
                    Err(e) => {
                        assert!(ch.buf.is_empty(), "try_recv: Err with values buffered");
                        assert_eq!(e.is_closed(), ch.closed, "try_recv: {e:?}");
                    }
                }
            }
            Op::Close(i) => {
                let c = self.chan(i);
                let ch = &mut self.chans[c];
                if let Some(tx) = &ch.tx {
                    assert_eq!(tx.close(), !ch.closed, "close");
                    ch.closed = true;
                }
            }
            Op::DropSender(i) => {
                let c = self.chan(i);
                if self.chans[c].tx.take().is_some() {
                    self.chans[c].closed = true;
                }
            }
            Op::DropReceiver(i) => {
                let c = self.chan(i);
                if self.chans[c].rx.take().is_some() {
                    let mut drops = self.drops;
                    self.chans[c].receiver_gone(&mut drops);
                    self.drops = drops;
                }
            }
            Op::Build {
                biased,
                mode,
                ref cases,
            } => self.build(biased, mode, cases),
            Op::Macro {
                biased,
                mode,
                chans,
                on,
            } => self.macro_select(biased, mode, chans, on),
        }
    }
}

/// Runs `script`, panicking on the first disagreement with the model.
pub(crate) fn run(script: &Script) {
    tracked::reset();
    let mut caps: Vec<Option<usize>> = script
        .chans
        .iter()
        .take(MAX_CHANS)
        .map(|c| c.get())
        .collect();
    if caps.is_empty() {
        caps.push(Some(0));
    }
    let mut w = World {
        chans: caps.into_iter().map(Chan::new).collect(),
        drops: 0,
    };
    for (n, op) in script.ops.iter().enumerate() {
        w.apply(op);
        for (i, ch) in w.chans.iter().enumerate() {
            ch.check(i);
        }
        assert_eq!(tracked::drops(), w.drops, "step {n} ({op:?}): drops differ");
    }
    let mut drops = w.drops;
    for mut ch in w.chans {
        let had_rx = ch.rx.is_some();
        drop(ch.tx.take());
        drop(ch.rx.take());
        if had_rx {
            ch.receiver_gone(&mut drops);
        }
    }
    assert_eq!(tracked::drops(), drops, "drops differ after freeing");
    assert_eq!(tracked::drops(), tracked::created(), "a value was leaked");
}

// ----- seeds: encoding and the named scripts -----

impl Wait {
    fn encode(self, e: &mut Enc) {
        match self {
            Wait::Zero => e.variant(0, 3),
            Wait::Micros(n) => {
                e.variant(1, 3);
                e.u8(n);
            }
            Wait::Forever => e.variant(2, 3),
        }
    }
}

impl Mode {
    fn encode(self, e: &mut Enc) {
        match self {
            Mode::Try => e.variant(0, 4),
            Mode::Timeout(w) => {
                e.variant(1, 4);
                w.encode(e);
            }
            Mode::Deadline(w) => {
                e.variant(2, 4);
                w.encode(e);
            }
            Mode::Block => e.variant(3, 4),
        }
    }
}

impl Script {
    /// The bytes that decode to this script.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.seq(&self.chans, |e, &c| match c {
            Cap::Zero => e.variant(0, 4),
            Cap::One => e.variant(1, 4),
            Cap::Small(n) => {
                e.variant(2, 4);
                e.u8(n);
            }
            Cap::Unbounded => e.variant(3, 4),
        });
        e.seq(&self.ops, |e, op| match *op {
            Op::Fill(i) | Op::Take(i) | Op::Close(i) | Op::DropSender(i) | Op::DropReceiver(i) => {
                let index = match op {
                    Op::Fill(_) => 0,
                    Op::Take(_) => 1,
                    Op::Close(_) => 2,
                    Op::DropSender(_) => 3,
                    _ => 4,
                };
                e.variant(index, 7);
                e.u8(i);
            }
            Op::Build {
                biased,
                mode,
                ref cases,
            } => {
                e.variant(5, 7);
                e.bool(biased);
                mode.encode(e);
                e.seq(cases, |e, &c| match c {
                    Case::Recv(i) => {
                        e.variant(0, 5);
                        e.u8(i);
                    }
                    Case::Send(i) => {
                        e.variant(1, 5);
                        e.u8(i);
                    }
                    Case::Never => e.variant(2, 5),
                    Case::AfterZero => e.variant(3, 5),
                    Case::AfterLong => e.variant(4, 5),
                });
            }
            Op::Macro {
                biased,
                mode,
                chans,
                on,
            } => {
                e.variant(6, 7);
                e.bool(biased);
                mode.encode(e);
                chans.iter().for_each(|&c| e.u8(c));
                e.u8(on);
            }
        });
        e.0
    }
}

/// Hand-written seeds.
pub(crate) fn seeds() -> Vec<(&'static str, Script)> {
    use Case::*;
    use Op::*;
    let build = |biased, mode, cases: &[Case]| Build {
        biased,
        mode,
        cases: cases.to_vec(),
    };
    let mac = |biased, mode, chans, on| Macro {
        biased,
        mode,
        chans,
        on,
    };
    let us = |n| Mode::Timeout(Wait::Micros(n));
    vec![
        (
            "biased_prefers_first_ready",
            Script {
                chans: vec![Cap::One, Cap::One],
                ops: vec![
                    Fill(0),
                    Fill(1),
                    build(true, Mode::Try, &[Recv(0), Recv(1)]),
                    build(true, Mode::Block, &[Recv(1), Recv(0)]),
                    build(false, Mode::Block, &[Recv(0), Recv(1), Send(0), Send(1)]),
                ],
            },
        ),
        (
            "nothing_ready_parks_and_times_out",
            Script {
                chans: vec![Cap::Zero, Cap::One],
                ops: vec![
                    build(false, us(8), &[Recv(0), Send(0), Recv(1), Never, AfterLong]),
                    build(true, Mode::Deadline(Wait::Micros(3)), &[Recv(1), Send(0)]),
                    build(false, Mode::Block, &[]),
                    mac(false, us(4), [0, 0, 1, 0], 0b1111),
                ],
            },
        ),
        (
            "closed_channels_are_ready",
            Script {
                chans: vec![Cap::Zero, Cap::Small(1)],
                ops: vec![
                    Close(0),
                    build(false, Mode::Block, &[Recv(0)]),
                    build(true, Mode::Try, &[Send(0)]),
                    Fill(1),
                    DropReceiver(1),
                    build(false, Mode::Try, &[Send(1), Recv(1)]),
                    mac(true, Mode::Block, [0, 1, 0, 1], 0b1111),
                ],
            },
        ),
        (
            "send_cases_fill_the_buffer",
            Script {
                chans: vec![Cap::Small(0)],
                ops: vec![
                    build(true, Mode::Try, &[Send(0)]),
                    build(false, Mode::Block, &[Send(0), Send(0)]),
                    build(false, us(3), &[Send(0), Send(0)]),
                    Take(0),
                    build(true, Mode::Block, &[Recv(0), Send(0)]),
                    build(false, Mode::Timeout(Wait::Forever), &[Send(0), Recv(0)]),
                ],
            },
        ),
        (
            "timer_cases",
            Script {
                chans: vec![Cap::Zero],
                ops: vec![
                    build(false, Mode::Block, &[Never, AfterLong, AfterZero]),
                    build(true, Mode::Deadline(Wait::Micros(5)), &[AfterLong, Never]),
                    build(true, Mode::Try, &[AfterZero, AfterZero, Recv(0)]),
                ],
            },
        ),
        (
            "macro_forms",
            Script {
                chans: vec![Cap::One, Cap::Zero, Cap::Unbounded],
                ops: vec![
                    Fill(0),
                    mac(true, Mode::Try, [0, 1, 2, 1], 0b1111),
                    mac(false, Mode::Block, [1, 0, 1, 2], 0b0101),
                    mac(true, us(2), [1, 1, 1, 1], 0b0011),
                    mac(false, Mode::Deadline(Wait::Forever), [2, 2, 2, 2], 0b1000),
                    mac(false, Mode::Try, [0, 0, 0, 0], 0),
                    mac(true, Mode::Block, [2, 2, 0, 0], 0b0011),
                ],
            },
        ),
        (
            "rendezvous_select_never_meets_itself",
            Script {
                chans: vec![Cap::Zero],
                ops: vec![
                    build(false, us(10), &[Send(0), Recv(0)]),
                    build(true, Mode::Block, &[Recv(0), Send(0), Send(0)]),
                    mac(false, us(6), [0, 0, 0, 0], 0b1111),
                ],
            },
        ),
        (
            "dropped_handles_make_nil_and_closed_cases",
            Script {
                chans: vec![Cap::One, Cap::One],
                ops: vec![
                    Fill(0),
                    DropReceiver(0),
                    DropSender(1),
                    build(true, Mode::Try, &[Recv(0), Send(0), Recv(1), Send(1)]),
                    build(false, Mode::Block, &[Recv(1), Send(1)]),
                    mac(true, Mode::Try, [0, 1, 0, 1], 0b1111),
                ],
            },
        ),
    ]
}
