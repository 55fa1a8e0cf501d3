//! The workloads behind gosync's benchmarks, shared by the criterion bench
//! (`benches/chan.rs`) and the interleaving runner (`src/bin/matrix.rs`) that
//! `benches/report.py` drives.
//!
//! Every *cell* is one workload (a case at a capacity) run by one contender. A cell
//! moves a fixed number of messages per iteration and returns the wall-clock time of
//! that iteration; threads are spawned per iteration for every contender alike, and
//! the clock runs from the first thread's start (after all of them have met at a
//! barrier) to the last thread's end, so neither spawning nor joining is timed.
//!
//! The matrix (crossbeam-channel's benchmark matrix):
//!
//! | case | threads |
//! |------|---------|
//! | `seq` | one thread sends N, then receives N (large capacity and unbounded only) |
//! | `spsc` | 1 sender, 1 receiver |
//! | `mpsc` | 4 senders, 1 receiver |
//! | `mpmc` | 4 senders, 4 receivers |
//! | `select_rx` | 4 senders on 4 channels, 1 receiver selecting over all 4 |
//! | `select_both` | 4 threads select-sending over 4 channels, 4 select-receiving |
//!
//! each at capacity 0 (rendezvous), 1, [`LARGE_CAP`] and unbounded. Go's channel
//! microbenchmarks that have no cell in that matrix are in [`micro`].
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

pub mod batch;
pub mod micro;
pub mod peers;
pub mod process;

pub use peers::{Rx, Tx};

/// Threads on each side of the many-thread cases (`mpsc`, `mpmc`, `select_*`), and
/// channels in the select cases.
pub const THREADS: usize = 4;

/// The "large" capacity: as in crossbeam-channel's suite, room for every message of an
/// iteration, so a sender never blocks (and `seq` can send all before receiving).
pub const LARGE_CAP: usize = 100_000;

/// Messages per iteration on the blocking capacities (0 and 1).
pub const MSGS_BLOCKING: usize = 20_000;

/// Messages per iteration on the buffered capacities (large and unbounded).
pub const MSGS_BUFFERED: usize = 100_000;

/// A column of the matrix: the channel's capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// `bounded(0)`: every send is a hand-off to a receiver.
    Rendezvous,
    /// `bounded(1)`.
    One,
    /// `bounded(LARGE_CAP)`.
    Large,
    /// `unbounded()` (Go has no such channel).
    Unbounded,
}

impl Cap {
    /// All four, in table order.
    pub const ALL: [Cap; 4] = [Cap::Rendezvous, Cap::One, Cap::Large, Cap::Unbounded];

    /// The label used in results (`"0"`, `"1"`, `"large"`, `"unbounded"`).
    pub fn label(self) -> &'static str {
        match self {
            Cap::Rendezvous => "0",
            Cap::One => "1",
            Cap::Large => "large",
            Cap::Unbounded => "unbounded",
        }
    }

    /// The bound passed to `bounded(n)`, or `None` for unbounded.
    pub fn bound(self) -> Option<usize> {
        match self {
            Cap::Rendezvous => Some(0),
            Cap::One => Some(1),
            Cap::Large => Some(LARGE_CAP),
            Cap::Unbounded => None,
        }
    }

    /// Messages moved per iteration at this capacity.
    pub fn messages(self) -> usize {
        match self {
            Cap::Rendezvous | Cap::One => MSGS_BLOCKING,
            Cap::Large | Cap::Unbounded => MSGS_BUFFERED,
        }
    }
}

/// One benchmark cell: a workload run by one contender.
pub struct Cell {
    /// `"matrix"` for the crossbeam-style matrix, `"go"` for Go's microbenchmarks.
    pub suite: &'static str,
    /// The case (`"spsc"`, `"try_recv_empty"`, ...).
    pub case: &'static str,
    /// The capacity label ([`Cap::label`], or a fixed label for microbenchmarks).
    pub cap: &'static str,
    /// `"gosync"`, `"std"`, `"crossbeam"`, `"flume"` or `"kanal"`.
    pub contender: &'static str,
    /// Messages (operations) per iteration by default: the divisor for ns per message.
    pub messages: usize,
    /// The workload splits its messages into this many equal parts (threads, rounds):
    /// a count passed to `run` must be a multiple of it (see [`Cell::messages_at`]).
    pub unit: usize,
    /// Runs one iteration moving `n` messages and returns its wall-clock time.
    pub run: Box<dyn Fn(usize) -> Duration>,
}

impl Cell {
    /// The message count for `scale` × the default (`scale` in (0, 1]), rounded to a
    /// multiple of [`unit`](Cell::unit), at least one unit.
    pub fn messages_at(&self, scale: f64) -> usize {
        assert!(scale > 0.0 && scale <= 1.0, "scale must be in (0, 1]");
        let n = (self.messages as f64 * scale) as usize;
        (n / self.unit).max(1) * self.unit
    }

    /// `case/cap/contender`, the name used by filters and criterion.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.case, self.cap, self.contender)
    }
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cell")
            .field("id", &self.id())
            .field("messages", &self.messages)
            .finish()
    }
}

/// The contenders, in table order.
pub const CONTENDERS: [&str; 5] = ["gosync", "std", "crossbeam", "flume", "kanal"];

/// The order of workloads in results: the matrix by capacity, then by case; then the
/// microbenchmarks.
pub const CASES: [&str; 13] = [
    "seq",
    "spsc",
    "mpsc",
    "mpmc",
    "select_rx",
    "select_both",
    "try_recv_empty",
    "try_recv_closed",
    "try_recv_shared",
    "uncontended",
    "ping_pong",
    "sem",
    "select_timer",
];

/// Every cell of the matrix and of the microbenchmarks, grouped by workload (all the
/// contenders of one workload are adjacent, in [`CONTENDERS`] order), workloads in
/// [`CASES`] order, the matrix by capacity first.
pub fn cells() -> Vec<Cell> {
    let mut all = Vec::new();
    peers::add_all(&mut all);
    micro::add_all(&mut all);
    let rank = |c: &Cell| {
        let case = CASES
            .iter()
            .position(|&n| n == c.case)
            .expect("case in CASES");
        let cap = Cap::ALL.iter().position(|k| k.label() == c.cap);
        let contender = CONTENDERS
            .iter()
            .position(|&n| n == c.contender)
            .expect("contender in CONTENDERS");
        match c.suite {
            "matrix" => (0, cap.expect("matrix capacity"), case, contender),
            _ => (1, 0, case, contender),
        }
    };
    all.sort_by_key(rank);
    all
}

/// A thread body for [`run_threads`].
pub type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

/// Spawns one thread per job, lines them all up at a barrier, and returns the time from
/// the first job's start to the last job's end.
///
/// Each thread reads the clock itself, right after the barrier and right after its job:
/// on a busy machine the spawning thread may be scheduled long after the barrier
/// releases the others, so its own clock would miss the start of the work.
pub fn run_threads(jobs: Vec<Job<'_>>) -> Duration {
    let barrier = Barrier::new(jobs.len());
    let spans: Vec<(Instant, Instant)> = thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    job();
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark thread panicked"))
            .collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("at least one job");
    let end = spans.iter().map(|s| s.1).max().expect("at least one job");
    end - start
}

/// `seq`: one thread sends `n` messages, then receives them.
pub fn seq<S: Tx<u64>, R: Rx<u64>>(n: usize, (tx, rx): (S, R)) -> Duration {
    let start = Instant::now();
    for i in 0..n as u64 {
        tx.send(i);
    }
    for _ in 0..n {
        black_box(rx.recv());
    }
    start.elapsed()
}

/// `spsc`: one sender thread, one receiver thread.
pub fn spsc<S: Tx<u64>, R: Rx<u64>>(n: usize, (tx, rx): (S, R)) -> Duration {
    run_threads(vec![
        Box::new(move || {
            for i in 0..n as u64 {
                tx.send(i);
            }
        }),
        Box::new(move || {
            for _ in 0..n {
                black_box(rx.recv());
            }
        }),
    ])
}

/// `mpsc`: [`THREADS`] sender threads, one receiver thread.
pub fn mpsc<S: Tx<u64>, R: Rx<u64>>(n: usize, (tx, rx): (S, R)) -> Duration {
    let per = n / THREADS;
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for _ in 0..THREADS {
        let tx = tx.clone();
        jobs.push(Box::new(move || {
            for i in 0..per as u64 {
                tx.send(i);
            }
        }));
    }
    drop(tx);
    jobs.push(Box::new(move || {
        for _ in 0..per * THREADS {
            black_box(rx.recv());
        }
    }));
    run_threads(jobs)
}

/// `mpmc`: [`THREADS`] sender threads, [`THREADS`] receiver threads, one channel.
pub fn mpmc<S: Tx<u64>, R: Rx<u64> + Clone>(n: usize, (tx, rx): (S, R)) -> Duration {
    let per = n / THREADS;
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for _ in 0..THREADS {
        let tx = tx.clone();
        jobs.push(Box::new(move || {
            for i in 0..per as u64 {
                tx.send(i);
            }
        }));
        let rx = rx.clone();
        jobs.push(Box::new(move || {
            for _ in 0..per {
                black_box(rx.recv());
            }
        }));
    }
    drop((tx, rx));
    run_threads(jobs)
}

/// `select_rx`: one sender thread on each of [`THREADS`] channels; one receiver thread
/// that receives every message with a select over all of them (`select_recv`).
pub fn select_rx<S, R, F>(n: usize, chans: Vec<(S, R)>, select_recv: F) -> Duration
where
    S: Tx<u64>,
    R: Rx<u64>,
    F: Fn(&[R]) -> u64 + Send,
{
    let per = n / chans.len();
    let total = per * chans.len();
    let (txs, rxs): (Vec<S>, Vec<R>) = chans.into_iter().unzip();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for tx in &txs {
        let tx = tx.clone();
        jobs.push(Box::new(move || {
            for i in 0..per as u64 {
                tx.send(i);
            }
        }));
    }
    jobs.push(Box::new(move || {
        for _ in 0..total {
            black_box(select_recv(&rxs));
        }
    }));
    // `txs` outlives the threads: a sender that finishes first must not close its
    // channel, or the select would see a closed (ready) case.
    let t = run_threads(jobs);
    drop(txs);
    t
}

/// `select_both`: [`THREADS`] threads each sending with a select over the senders of
/// [`THREADS`] channels (`select_send`), and [`THREADS`] threads each receiving with a
/// select over their receivers (`select_recv`).
pub fn select_both<S, R, FS, FR>(
    n: usize,
    chans: Vec<(S, R)>,
    select_send: FS,
    select_recv: FR,
) -> Duration
where
    S: Tx<u64>,
    R: Rx<u64> + Clone,
    FS: Fn(&[S], u64) + Send + Clone,
    FR: Fn(&[R]) -> u64 + Send + Clone,
{
    let per = n / THREADS;
    let (txs, rxs): (Vec<S>, Vec<R>) = chans.into_iter().unzip();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for _ in 0..THREADS {
        let txs = txs.clone();
        let select_send = select_send.clone();
        jobs.push(Box::new(move || {
            for i in 0..per as u64 {
                select_send(&txs, i);
            }
        }));
        let rxs = rxs.clone();
        let select_recv = select_recv.clone();
        jobs.push(Box::new(move || {
            for _ in 0..per {
                black_box(select_recv(&rxs));
            }
        }));
    }
    drop(rxs);
    // `txs` outlives the threads, as in `select_rx`.
    let t = run_threads(jobs);
    drop(txs);
    t
}

/// How many CPUs the benchmarks may use (`available_parallelism`, at least 1).
pub fn cpus() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `body(n)` on `threads` threads, `iters` operations in all, and returns the
/// wall time from a common start to the last thread's end (shared by the `sync` and
/// `patterns` benches).
pub fn parallel(threads: usize, iters: u64, body: impl Fn(u64) + Sync) -> std::time::Duration {
    let per = iters.div_ceil(threads as u64);
    let start_line = std::sync::Barrier::new(threads + 1);
    let mut start = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start_line.wait();
                body(per);
            });
        }
        start_line.wait();
        start = std::time::Instant::now();
    });
    start.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_grouped_and_unique() {
        let cells = cells();
        let mut ids: Vec<String> = cells.iter().map(Cell::id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate cell ids");
        // gosync and at least one peer on every workload.
        for c in &cells {
            let peers = cells
                .iter()
                .filter(|d| (d.case, d.cap) == (c.case, c.cap))
                .map(|d| d.contender)
                .collect::<Vec<_>>();
            assert!(peers.contains(&"gosync"), "{}: no gosync", c.id());
            assert!(peers.len() >= 2, "{}: no peer", c.id());
            assert_eq!(c.messages % c.unit, 0, "{}", c.id());
            if c.suite == "matrix" {
                assert!(Cap::ALL.iter().any(|cap| cap.label() == c.cap));
            }
        }
    }
}
