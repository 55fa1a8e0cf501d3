//! One sending and one receiving interface over every contender's channel, and the
//! matrix cells of each contender.
//!
//! A blocking `send` / `recv` that fails (a closed channel) panics: no workload closes
//! a channel before every message has been received, so a failure is a bug in the
//! benchmark or in the channel.

use crate::{mpmc, mpsc, select_both, select_rx, seq, spsc, Cap, Cell, THREADS};
use std::time::Duration;

/// The sending half of any contender's channel.
pub trait Tx<T>: Clone + Send + 'static {
    /// Sends `v`, blocking while the channel is full.
    fn send(&self, v: T);
}

/// The receiving half of any contender's channel.
pub trait Rx<T>: Send + 'static {
    /// Receives a value, blocking while the channel is empty.
    fn recv(&self) -> T;
    /// A value if one is ready now (`None` when empty or closed).
    fn try_recv(&self) -> Option<T>;
}

impl<T: Send + 'static> Tx<T> for gosync::Sender<T> {
    #[inline]
    fn send(&self, v: T) {
        if gosync::Sender::send(self, v).is_err() {
            panic!("gosync: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Rx<T> for gosync::Receiver<T> {
    #[inline]
    fn recv(&self) -> T {
        gosync::Receiver::recv(self).expect("gosync: recv on a closed channel")
    }
    #[inline]
    fn try_recv(&self) -> Option<T> {
        gosync::Receiver::try_recv(self).ok()
    }
}

impl<T: Send + 'static> Tx<T> for std::sync::mpsc::SyncSender<T> {
    #[inline]
    fn send(&self, v: T) {
        if std::sync::mpsc::SyncSender::send(self, v).is_err() {
            panic!("std: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Tx<T> for std::sync::mpsc::Sender<T> {
    #[inline]
    fn send(&self, v: T) {
        if std::sync::mpsc::Sender::send(self, v).is_err() {
            panic!("std: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Rx<T> for std::sync::mpsc::Receiver<T> {
    #[inline]
    fn recv(&self) -> T {
        std::sync::mpsc::Receiver::recv(self).expect("std: recv on a closed channel")
    }
    #[inline]
    fn try_recv(&self) -> Option<T> {
        std::sync::mpsc::Receiver::try_recv(self).ok()
    }
}

impl<T: Send + 'static> Tx<T> for crossbeam_channel::Sender<T> {
    #[inline]
    fn send(&self, v: T) {
        if crossbeam_channel::Sender::send(self, v).is_err() {
            panic!("crossbeam: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Rx<T> for crossbeam_channel::Receiver<T> {
    #[inline]
    fn recv(&self) -> T {
        crossbeam_channel::Receiver::recv(self).expect("crossbeam: recv on a closed channel")
    }
    #[inline]
    fn try_recv(&self) -> Option<T> {
        crossbeam_channel::Receiver::try_recv(self).ok()
    }
}

impl<T: Send + 'static> Tx<T> for flume::Sender<T> {
    #[inline]
    fn send(&self, v: T) {
        if flume::Sender::send(self, v).is_err() {
            panic!("flume: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Rx<T> for flume::Receiver<T> {
    #[inline]
    fn recv(&self) -> T {
        flume::Receiver::recv(self).expect("flume: recv on a closed channel")
    }
    #[inline]
    fn try_recv(&self) -> Option<T> {
        flume::Receiver::try_recv(self).ok()
    }
}

impl<T: Send + 'static> Tx<T> for kanal::Sender<T> {
    #[inline]
    fn send(&self, v: T) {
        if kanal::Sender::send(self, v).is_err() {
            panic!("kanal: send on a closed channel");
        }
    }
}

impl<T: Send + 'static> Rx<T> for kanal::Receiver<T> {
    #[inline]
    fn recv(&self) -> T {
        kanal::Receiver::recv(self).expect("kanal: recv on a closed channel")
    }
    #[inline]
    fn try_recv(&self) -> Option<T> {
        kanal::Receiver::try_recv(self).ok().flatten()
    }
}

/// A workload run on one thread pair: its channel and how long an iteration took.
type Case<S, R> = fn(usize, (S, R)) -> Duration;

/// A case by name, for a contender's bounded and unbounded channel types.
type CaseRow<S1, R1, S2, R2> = (&'static str, Case<S1, R1>, Case<S2, R2>);

/// Adds the `seq`, `spsc` and `mpsc` cells of one contender, at every capacity.
fn add_basic<S1, R1, S2, R2>(
    cells: &mut Vec<Cell>,
    contender: &'static str,
    bounded: fn(usize) -> (S1, R1),
    unbounded: fn() -> (S2, R2),
) where
    S1: Tx<u64>,
    R1: Rx<u64>,
    S2: Tx<u64>,
    R2: Rx<u64>,
{
    let cases: [CaseRow<S1, R1, S2, R2>; 3] = [
        ("seq", seq, seq),
        ("spsc", spsc, spsc),
        ("mpsc", mpsc, mpsc),
    ];
    for (case, on_bounded, on_unbounded) in cases {
        for cap in Cap::ALL {
            if case == "seq" && matches!(cap, Cap::Rendezvous | Cap::One) {
                continue; // one thread cannot send N before receiving through 0 or 1 slots
            }
            let n = cap.messages();
            let run: Box<dyn Fn(usize) -> Duration> = match cap.bound() {
                Some(b) => Box::new(move |n| on_bounded(n, bounded(b))),
                None => Box::new(move |n| on_unbounded(n, unbounded())),
            };
            cells.push(Cell {
                suite: "matrix",
                case,
                cap: cap.label(),
                contender,
                messages: n,
                unit: if case == "seq" { 1 } else { THREADS },
                run,
            });
        }
    }
}

/// Adds the `mpmc` cells of a contender whose receivers can be shared.
fn add_mpmc<S: Tx<u64>, R: Rx<u64> + Clone>(
    cells: &mut Vec<Cell>,
    contender: &'static str,
    make: fn(Option<usize>) -> (S, R),
) {
    for cap in Cap::ALL {
        let n = cap.messages();
        cells.push(Cell {
            suite: "matrix",
            case: "mpmc",
            cap: cap.label(),
            contender,
            messages: n,
            unit: THREADS,
            run: Box::new(move |n| mpmc(n, make(cap.bound()))),
        });
    }
}

/// Adds the `select_rx` cells of a contender with a select, and its `select_both`
/// cells when it has `select_send`.
pub fn add_select<S: Tx<u64>, R: Rx<u64> + Clone>(
    cells: &mut Vec<Cell>,
    contender: &'static str,
    make: fn(Option<usize>) -> (S, R),
    select_send: Option<fn(&[S], u64)>,
    select_recv: fn(&[R]) -> u64,
) {
    for cap in Cap::ALL {
        let n = cap.messages();
        let chans = move || (0..THREADS).map(|_| make(cap.bound())).collect::<Vec<_>>();
        cells.push(Cell {
            suite: "matrix",
            case: "select_rx",
            cap: cap.label(),
            contender,
            messages: n,
            unit: THREADS,
            run: Box::new(move |n| select_rx(n, chans(), select_recv)),
        });
        if let Some(select_send) = select_send {
            cells.push(Cell {
                suite: "matrix",
                case: "select_both",
                cap: cap.label(),
                contender,
                messages: n,
                unit: THREADS,
                run: Box::new(move |n| select_both(n, chans(), select_send, select_recv)),
            });
        }
    }
}

/// `bounded(n)` or `unbounded()` of gosync.
pub fn gosync_new<T>(cap: Option<usize>) -> (gosync::Sender<T>, gosync::Receiver<T>) {
    cap.map_or_else(gosync::unbounded, gosync::bounded)
}

/// `bounded(n)` or `unbounded()` of crossbeam-channel.
pub fn crossbeam_new<T>(
    cap: Option<usize>,
) -> (crossbeam_channel::Sender<T>, crossbeam_channel::Receiver<T>) {
    cap.map_or_else(crossbeam_channel::unbounded, crossbeam_channel::bounded)
}

/// `bounded(n)` or `unbounded()` of flume.
pub fn flume_new<T>(cap: Option<usize>) -> (flume::Sender<T>, flume::Receiver<T>) {
    cap.map_or_else(flume::unbounded, flume::bounded)
}

/// `bounded(n)` or `unbounded()` of kanal.
pub fn kanal_new<T>(cap: Option<usize>) -> (kanal::Sender<T>, kanal::Receiver<T>) {
    cap.map_or_else(kanal::unbounded, kanal::bounded)
}

fn gosync_select_send(txs: &[gosync::Sender<u64>], v: u64) {
    let r = gosync::select! {
        send(txs[0], v) -> r => r,
        send(txs[1], v) -> r => r,
        send(txs[2], v) -> r => r,
        send(txs[3], v) -> r => r,
    };
    r.expect("gosync: select send on a closed channel");
}

fn gosync_select_recv(rxs: &[gosync::Receiver<u64>]) -> u64 {
    let r = gosync::select! {
        recv(rxs[0]) -> r => r,
        recv(rxs[1]) -> r => r,
        recv(rxs[2]) -> r => r,
        recv(rxs[3]) -> r => r,
    };
    r.expect("gosync: select recv on a closed channel")
}

fn crossbeam_select_send(txs: &[crossbeam_channel::Sender<u64>], v: u64) {
    let r = crossbeam_channel::select! {
        send(txs[0], v) -> r => r,
        send(txs[1], v) -> r => r,
        send(txs[2], v) -> r => r,
        send(txs[3], v) -> r => r,
    };
    r.expect("crossbeam: select send on a closed channel");
}

fn crossbeam_select_recv(rxs: &[crossbeam_channel::Receiver<u64>]) -> u64 {
    let r = crossbeam_channel::select! {
        recv(rxs[0]) -> r => r,
        recv(rxs[1]) -> r => r,
        recv(rxs[2]) -> r => r,
        recv(rxs[3]) -> r => r,
    };
    r.expect("crossbeam: select recv on a closed channel")
}

// Not registered (flume's `select_both` hangs, see `add_all`); kept to re-check that.
#[allow(dead_code)]
fn flume_select_send(txs: &[flume::Sender<u64>], v: u64) {
    flume::Selector::new()
        .send(&txs[0], v, |r| r)
        .send(&txs[1], v, |r| r)
        .send(&txs[2], v, |r| r)
        .send(&txs[3], v, |r| r)
        .wait()
        .expect("flume: select send on a closed channel");
}

fn flume_select_recv(rxs: &[flume::Receiver<u64>]) -> u64 {
    flume::Selector::new()
        .recv(&rxs[0], |r| r)
        .recv(&rxs[1], |r| r)
        .recv(&rxs[2], |r| r)
        .recv(&rxs[3], |r| r)
        .wait()
        .expect("flume: select recv on a closed channel")
}

/// Adds every contender's matrix cells.
pub(crate) fn add_all(cells: &mut Vec<Cell>) {
    add_basic(cells, "gosync", gosync::bounded, gosync::unbounded);
    add_mpmc(cells, "gosync", gosync_new);
    add_select(
        cells,
        "gosync",
        gosync_new,
        Some(gosync_select_send),
        gosync_select_recv,
    );

    add_basic(
        cells,
        "std",
        std::sync::mpsc::sync_channel,
        std::sync::mpsc::channel,
    );
    // std::sync::mpsc has no shared receiver (mpmc) and no select.

    add_basic(
        cells,
        "crossbeam",
        crossbeam_channel::bounded,
        crossbeam_channel::unbounded,
    );
    add_mpmc(cells, "crossbeam", crossbeam_new);
    add_select(
        cells,
        "crossbeam",
        crossbeam_new,
        Some(crossbeam_select_send),
        crossbeam_select_recv,
    );

    add_basic(cells, "flume", flume::bounded, flume::unbounded);
    add_mpmc(cells, "flume", flume_new);
    // flume's Selector hangs when several threads select-receive (a lost wake-up: seen
    // here with 4 select-receivers at every capacity, even 40 messages on bounded(0) or
    // bounded(1); see flume issue #44), so flume has no `select_both` cells.
    add_select(cells, "flume", flume_new, None, flume_select_recv);

    add_basic(cells, "kanal", kanal::bounded, kanal::unbounded);
    add_mpmc(cells, "kanal", kanal_new);
    // kanal has no select.
}
