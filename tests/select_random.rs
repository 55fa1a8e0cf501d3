//! Randomized selects in the spirit of Go's `reflect` TestSelect: lists of cases of
//! every kind — ready, blocking, nil, closed, timers — with and without `default`.
//! Only a case that can proceed is ever chosen; if one can, `default` never runs; the
//! chosen case's effect (and only its effect) is visible afterwards; no waiter is
//! left behind. A concurrent variant parks the select and makes one blocked case
//! ready from another thread.
//!
//! The generator is seeded from the clock; a failure prints its seed, and
//! `GOSYNC_SELECT_SEED=<seed>` replays it.

use gosync::chan::{self, Receiver, RecvError, SendError, Sender};
use gosync::{select, Select};
use std::thread;
use std::time::{Duration, Instant};

struct Rng(u64);
impl Rng {
    fn new() -> (Rng, u64) {
        let seed = std::env::var("GOSYNC_SELECT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                if cfg!(miri) {
                    return 0x2545_F491_4F6C_DD1D; // no wall clock under Miri's isolation
                }
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        (Rng(seed), seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    RecvReady,
    RecvBlocked,
    RecvClosed,
    RecvNil,
    SendReady,
    SendBlocked,
    SendClosed,
    SendNil,
    TimerReady,
    TimerBlocked,
}
use Kind::*;

const KINDS: [Kind; 10] = [
    RecvReady,
    RecvBlocked,
    RecvClosed,
    RecvNil,
    SendReady,
    SendBlocked,
    SendClosed,
    SendNil,
    TimerReady,
    TimerBlocked,
];

impl Kind {
    fn can_proceed(self) -> bool {
        matches!(
            self,
            RecvReady | RecvClosed | SendReady | SendClosed | TimerReady
        )
    }
}

/// One case's channel ends, kept by the test to inspect effects afterwards.
struct Fixture {
    kind: Kind,
    tx: Option<Sender<usize>>,
    rx: Option<Receiver<usize>>,
    timer: Option<Receiver<Instant>>,
}

impl Fixture {
    fn new(kind: Kind, id: usize) -> Fixture {
        let (tx, rx) = match kind {
            RecvReady | SendReady | SendClosed => chan::bounded(1),
            _ => chan::bounded(0),
        };
        let mut f = Fixture {
            kind,
            tx: Some(tx),
            rx: Some(rx),
            timer: None,
        };
        match kind {
            RecvReady => f.tx.as_ref().unwrap().send(id).unwrap(),
            RecvClosed => f.tx = None, // dropping the only sender closes
            SendClosed => f.rx = None, // dropping the only receiver closes
            TimerReady => f.timer = Some(chan::after(Duration::ZERO)),
            TimerBlocked => f.timer = Some(chan::after(Duration::from_secs(3600))),
            _ => {}
        }
        f
    }

    /// The operand a select sees (None: a nil case).
    fn recv_operand(&self) -> Option<&Receiver<usize>> {
        match self.kind {
            RecvReady | RecvBlocked | RecvClosed => self.rx.as_ref(),
            _ => None,
        }
    }
    fn send_operand(&self) -> Option<&Sender<usize>> {
        match self.kind {
            SendReady | SendBlocked | SendClosed => self.tx.as_ref(),
            _ => None,
        }
    }

    /// Checks the channel after a select in which this case was (or was not) chosen.
    fn check_after(&self, id: usize, chosen: bool, ctx: &str) {
        if let Some(rx) = &self.rx {
            assert_eq!(rx.waiting_receivers(), 0, "{ctx}: case {id} left a waiter");
            assert_eq!(rx.waiting_senders(), 0, "{ctx}: case {id} left a waiter");
        }
        match self.kind {
            RecvReady => {
                let left = self.rx.as_ref().unwrap().len();
                assert_eq!(left, usize::from(!chosen), "{ctx}: case {id} value count");
            }
            SendReady => {
                let rx = self.rx.as_ref().unwrap();
                if chosen {
                    assert_eq!(rx.try_recv(), Ok(id), "{ctx}: case {id} sent value");
                } else {
                    assert!(rx.try_recv().is_err(), "{ctx}: unchosen case {id} sent");
                }
            }
            SendBlocked => {
                assert!(
                    self.rx.as_ref().unwrap().try_recv().is_err(),
                    "{ctx}: case {id} sent"
                );
            }
            _ => {}
        }
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Received(usize, Result<usize, RecvError>),
    Sent(usize, Result<(), SendError<usize>>),
    Timer(usize),
}

impl Outcome {
    fn case(&self) -> usize {
        match self {
            Outcome::Received(i, _) | Outcome::Sent(i, _) | Outcome::Timer(i) => *i,
        }
    }
}

/// Checks that `out` is a legal outcome for case `i` of kind `kind`.
fn check_outcome(kind: Kind, out: &Outcome, ctx: &str) {
    let i = out.case();
    match (kind, out) {
        (RecvReady, Outcome::Received(_, Ok(v))) => assert_eq!(*v, i, "{ctx}"),
        (RecvClosed, Outcome::Received(_, Err(RecvError))) => {}
        (SendReady, Outcome::Sent(_, Ok(()))) => {}
        (SendClosed, Outcome::Sent(_, Err(SendError(v)))) => {
            assert_eq!(*v, i, "{ctx}: value handed back")
        }
        (TimerReady, Outcome::Timer(_)) => {}
        _ => panic!("{ctx}: case {i} of kind {kind:?} cannot produce {out:?}"),
    }
}

fn iterations(n: usize) -> usize {
    if cfg!(miri) {
        n / 100
    } else {
        n
    }
}

fn dynamic_select<'a>(fixtures: &'a [Fixture], biased: bool) -> Select<'a, Outcome> {
    let mut sel = if biased {
        Select::biased()
    } else {
        Select::new()
    };
    for (i, f) in fixtures.iter().enumerate() {
        if let Some(rx) = f.recv_operand() {
            sel = sel.recv(rx, move |m| Outcome::Received(i, m));
        } else if let Some(tx) = f.send_operand() {
            sel = sel.send(tx, i, move |r| Outcome::Sent(i, r));
        } else if let Some(t) = &f.timer {
            sel = sel.recv(t, move |m| {
                assert!(m.is_ok());
                Outcome::Timer(i)
            });
        }
        // A nil case is simply not added.
    }
    sel
}

#[test]
fn dynamic_select_chooses_only_cases_that_can_proceed() {
    let (mut rng, seed) = Rng::new();
    let mut chosen_kinds = [0usize; KINDS.len()];
    for iter in 0..iterations(4000) {
        let n = rng.below(8);
        let kinds: Vec<Kind> = (0..n).map(|_| KINDS[rng.below(KINDS.len())]).collect();
        let with_default = rng.below(3) == 0;
        let biased = rng.below(4) == 0;
        let ctx = format!(
            "seed {seed} iteration {iter}: {kinds:?} default={with_default} biased={biased}"
        );
        let fixtures: Vec<Fixture> = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| Fixture::new(k, i))
            .collect();
        let any_ready = kinds.iter().any(|k| k.can_proceed());
        let sel = dynamic_select(&fixtures, biased);
        let out = if with_default {
            sel.try_wait()
        } else if any_ready {
            Some(sel.wait())
        } else {
            sel.wait_timeout(Duration::from_micros(200))
        };
        match &out {
            None => assert!(!any_ready, "{ctx}: took default/timeout with a ready case"),
            Some(out) => {
                let i = out.case();
                check_outcome(kinds[i], out, &ctx);
                if biased {
                    let first = kinds.iter().position(|k| k.can_proceed()).unwrap();
                    assert_eq!(i, first, "{ctx}: biased select skipped a ready case");
                }
                chosen_kinds[KINDS.iter().position(|&k| k == kinds[i]).unwrap()] += 1;
            }
        }
        let chosen = out.as_ref().map(Outcome::case);
        for (i, f) in fixtures.iter().enumerate() {
            f.check_after(i, chosen == Some(i), &ctx);
        }
    }
    if !cfg!(miri) {
        // Every kind that can proceed was chosen at some point.
        for (k, &c) in KINDS.iter().zip(&chosen_kinds) {
            assert_eq!(
                c > 0,
                k.can_proceed(),
                "seed {seed}: kind {k:?} chosen {c} times"
            );
        }
    }
}

#[test]
fn select_macro_chooses_only_cases_that_can_proceed() {
    // Four fixed slots (two receive, two send, plus a timer slot); each slot's kind
    // is drawn from its family, nil included.
    let (mut rng, seed) = Rng::new();
    let recv_kinds = [RecvReady, RecvBlocked, RecvClosed, RecvNil];
    let send_kinds = [SendReady, SendBlocked, SendClosed, SendNil];
    let timer_kinds = [TimerReady, TimerBlocked, RecvNil];
    for iter in 0..iterations(4000) {
        let kinds = [
            recv_kinds[rng.below(4)],
            send_kinds[rng.below(4)],
            recv_kinds[rng.below(4)],
            send_kinds[rng.below(4)],
            timer_kinds[rng.below(3)],
        ];
        let with_default = rng.below(3) == 0;
        let ctx = format!("seed {seed} iteration {iter}: {kinds:?} default={with_default}");
        let f: Vec<Fixture> = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| Fixture::new(k, i))
            .collect();
        let any_ready = kinds.iter().any(|k| k.can_proceed());
        let timer = f[4].timer.as_ref();
        let out = if with_default {
            select! {
                recv(f[0].recv_operand()) -> m => Some(Outcome::Received(0, m)),
                send(f[1].send_operand(), 1) -> r => Some(Outcome::Sent(1, r)),
                recv(f[2].recv_operand()) -> m => Some(Outcome::Received(2, m)),
                send(f[3].send_operand(), 3) -> r => Some(Outcome::Sent(3, r)),
                recv(timer) -> _ => Some(Outcome::Timer(4)),
                default => None,
            }
        } else if any_ready {
            select! {
                recv(f[0].recv_operand()) -> m => Some(Outcome::Received(0, m)),
                send(f[1].send_operand(), 1) -> r => Some(Outcome::Sent(1, r)),
                recv(f[2].recv_operand()) -> m => Some(Outcome::Received(2, m)),
                send(f[3].send_operand(), 3) -> r => Some(Outcome::Sent(3, r)),
                recv(timer) -> _ => Some(Outcome::Timer(4)),
            }
        } else {
            select! {
                recv(f[0].recv_operand()) -> m => Some(Outcome::Received(0, m)),
                send(f[1].send_operand(), 1) -> r => Some(Outcome::Sent(1, r)),
                recv(f[2].recv_operand()) -> m => Some(Outcome::Received(2, m)),
                send(f[3].send_operand(), 3) -> r => Some(Outcome::Sent(3, r)),
                recv(timer) -> _ => Some(Outcome::Timer(4)),
                default(Duration::from_micros(200)) => None,
            }
        };
        match &out {
            None => assert!(!any_ready, "{ctx}: took default with a ready case"),
            Some(out) => check_outcome(kinds[out.case()], out, &ctx),
        }
        let chosen = out.as_ref().map(Outcome::case);
        for (i, fx) in f.iter().enumerate() {
            fx.check_after(i, chosen == Some(i), &ctx);
        }
    }
}

#[test]
fn parked_select_is_completed_by_the_case_a_peer_readies() {
    let (mut rng, seed) = Rng::new();
    let blocked_kinds = [RecvBlocked, SendBlocked, RecvNil, SendNil, TimerBlocked];
    for iter in 0..iterations(300) {
        let n = 1 + rng.below(6);
        let mut kinds: Vec<Kind> = (0..n)
            .map(|_| blocked_kinds[rng.below(blocked_kinds.len())])
            .collect();
        let target = rng.below(n);
        kinds[target] = if rng.below(2) == 0 {
            RecvBlocked
        } else {
            SendBlocked
        };
        let ctx = format!("seed {seed} iteration {iter}: {kinds:?} target={target}");
        let fixtures: Vec<Fixture> = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| Fixture::new(k, i))
            .collect();
        let out = thread::scope(|s| {
            let peer = s.spawn(|| {
                let f = &fixtures[target];
                match f.kind {
                    RecvBlocked => {
                        let tx = f.tx.as_ref().unwrap();
                        while tx.waiting_receivers() == 0 {
                            thread::yield_now();
                        }
                        tx.send(target).unwrap();
                    }
                    SendBlocked => {
                        let rx = f.rx.as_ref().unwrap();
                        while rx.waiting_senders() == 0 {
                            thread::yield_now();
                        }
                        assert_eq!(rx.recv(), Ok(target));
                    }
                    _ => unreachable!(),
                }
            });
            let out = dynamic_select(&fixtures, false).wait();
            peer.join().unwrap();
            out
        });
        assert_eq!(out.case(), target, "{ctx}: {out:?}");
        match out {
            Outcome::Received(_, m) => assert_eq!(m, Ok(target), "{ctx}"),
            Outcome::Sent(_, r) => assert_eq!(r, Ok(()), "{ctx}"),
            Outcome::Timer(_) => panic!("{ctx}: the timer is an hour away"),
        }
        for (i, f) in fixtures.iter().enumerate() {
            f.check_after(i, i == target, &ctx);
        }
    }
}
