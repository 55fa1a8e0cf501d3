//! One benchmark cell per process, in the shape of crossbeam-channel's `benchmarks/`
//! programs: millions of `[usize; 1]` messages through one channel, threads spawned
//! once, the clock around the whole transfer. `benches/xshape.py` (run by
//! `benches/crossbeam-shape.sh`) starts this binary once per cell, contender and run,
//! and the Go twin (`benches/go/xshape`) with the same arguments.
//!
//! ```text
//! xshape CONTENDER CASE PARAM MESSAGES
//! ```
//!
//! * CONTENDER: `gosync`, `std`, `crossbeam`, `flume`, `kanal`.
//! * CASE and PARAM:
//!   - the matrix: `seq`, `spsc`, `mpsc`, `mpmc`, `select_rx`, `select_both` with PARAM a
//!     capacity, `0`, `1`, `N` (room for every message) or `unbounded`; 4 threads a side;
//!   - `pingpong` with PARAM `0` or `1`: MESSAGES round trips between two threads over
//!     two channels of that capacity, each timed (p50, p99, p99.9);
//!   - `senders` with PARAM the number of sender threads on one `bounded(64)` channel
//!     and one receiver;
//!   - `selectk` with PARAM K: one receiver selects (a dynamic select built at run
//!     time) over K `bounded(64)` channels fed by min(K, 4) sender threads, each
//!     sending round-robin over its share of the channels;
//!   - `park` with PARAM the number of threads blocked in `recv` on one channel: the
//!     time from dropping the last sender to every thread joined (MESSAGES unused);
//!   - `burst` with PARAM `unbounded` or `N`: one thread sends MESSAGES with nobody
//!     receiving, then receives them all; prints `held_bytes_per_msg` (resident memory
//!     grown per message with the channel full), `peak_kb` (the high-water mark,
//!     `VmHWM`), `drained_kb` (still held once drained,
//!     the channel alive) and `dropped_kb` (after the channel is dropped), each over
//!     the resident size before the channel was made.
//!
//! Prints one JSON line: `ns` (wall clock of the transfer), `ns_per_msg`, `nvcsw` and
//! `nivcsw` (voluntary and involuntary context switches of the whole process during the
//! transfer, `getrusage(RUSAGE_SELF)` after minus before), `csw_per_msg`, and for
//! `pingpong` `p50`, `p99`, `p999` in ns. A case the contender lacks (std has no shared
//! receiver and no select, kanal no select, flume's select hangs with several
//! select-receivers) exits with status 2 and prints nothing on stdout.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use gosync_benches::process::{pct, rusage, Rusage};
use gosync_benches::{Rx, Tx};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The message, as in crossbeam-channel's benchmarks.
type Msg = [usize; 1];

/// Threads a side in `mpsc`, `mpmc`, `select_*`; channels in `select_*`.
const THREADS: usize = 4;

/// The bound of the `senders` and `selectk` channels.
const SCALE_CAP: usize = 64;

/// A contender: how to make its channels and select over them.
trait Chan: 'static {
    type S: Tx<Msg> + Sync;
    type R: Rx<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R);
    /// A second handle on the receiving side, if the receiver can be shared.
    fn clone_rx(_r: &Self::R) -> Option<Self::R> {
        None
    }
    /// Has a select over receive cases (`select4_recv`, `selectk`).
    const SELECT: bool = false;
    /// Has a select over send cases (`select4_send`).
    const SELECT_SEND: bool = false;
    fn select4_recv(_rs: &[Self::R]) -> Msg {
        unreachable!()
    }
    fn select4_send(_ts: &[Self::S], _v: Msg) {
        unreachable!()
    }
    /// Receives `n` messages, each by a select over every channel of `rs`.
    fn selectk(_rs: &[Self::R], _n: usize) {
        unreachable!()
    }
    /// `recv` until it reports the channel closed (the `park` case).
    fn recv_closed(r: &Self::R);
}

struct Gosync;
impl Chan for Gosync {
    type S = gosync::Sender<Msg>;
    type R = gosync::Receiver<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R) {
        cap.map_or_else(gosync::unbounded, gosync::bounded)
    }
    fn clone_rx(r: &Self::R) -> Option<Self::R> {
        Some(r.clone())
    }
    const SELECT: bool = true;
    const SELECT_SEND: bool = true;
    fn select4_recv(rs: &[Self::R]) -> Msg {
        gosync::select! {
            recv(rs[0]) -> r => r,
            recv(rs[1]) -> r => r,
            recv(rs[2]) -> r => r,
            recv(rs[3]) -> r => r,
        }
        .expect("gosync: select recv on a closed channel")
    }
    fn select4_send(ts: &[Self::S], v: Msg) {
        gosync::select! {
            send(ts[0], v) -> r => r,
            send(ts[1], v) -> r => r,
            send(ts[2], v) -> r => r,
            send(ts[3], v) -> r => r,
        }
        .expect("gosync: select send on a closed channel")
    }
    fn selectk(rs: &[Self::R], n: usize) {
        for _ in 0..n {
            let mut sel = gosync::Select::new();
            for r in rs {
                sel = sel.recv(r, |m| m);
            }
            black_box(sel.wait().expect("gosync: select on a closed channel"));
        }
    }
    fn recv_closed(r: &Self::R) {
        assert!(r.recv().is_err());
    }
}

/// std's two sender types behind one.
#[derive(Clone)]
enum StdTx {
    Sync(std::sync::mpsc::SyncSender<Msg>),
    Async(std::sync::mpsc::Sender<Msg>),
}
impl Tx<Msg> for StdTx {
    #[inline]
    fn send(&self, v: Msg) {
        match self {
            StdTx::Sync(s) => Tx::send(s, v),
            StdTx::Async(s) => Tx::send(s, v),
        }
    }
}

struct Std;
impl Chan for Std {
    type S = StdTx;
    type R = std::sync::mpsc::Receiver<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R) {
        match cap {
            Some(c) => {
                let (s, r) = std::sync::mpsc::sync_channel(c);
                (StdTx::Sync(s), r)
            }
            None => {
                let (s, r) = std::sync::mpsc::channel();
                (StdTx::Async(s), r)
            }
        }
    }
    fn recv_closed(r: &Self::R) {
        assert!(r.recv().is_err());
    }
}

struct Crossbeam;
impl Chan for Crossbeam {
    type S = crossbeam_channel::Sender<Msg>;
    type R = crossbeam_channel::Receiver<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R) {
        cap.map_or_else(crossbeam_channel::unbounded, crossbeam_channel::bounded)
    }
    fn clone_rx(r: &Self::R) -> Option<Self::R> {
        Some(r.clone())
    }
    const SELECT: bool = true;
    const SELECT_SEND: bool = true;
    fn select4_recv(rs: &[Self::R]) -> Msg {
        crossbeam_channel::select! {
            recv(rs[0]) -> r => r,
            recv(rs[1]) -> r => r,
            recv(rs[2]) -> r => r,
            recv(rs[3]) -> r => r,
        }
        .expect("crossbeam: select recv on a closed channel")
    }
    fn select4_send(ts: &[Self::S], v: Msg) {
        crossbeam_channel::select! {
            send(ts[0], v) -> r => r,
            send(ts[1], v) -> r => r,
            send(ts[2], v) -> r => r,
            send(ts[3], v) -> r => r,
        }
        .expect("crossbeam: select send on a closed channel")
    }
    fn selectk(rs: &[Self::R], n: usize) {
        // crossbeam's `Select` is reusable: built once, as its users do.
        let mut sel = crossbeam_channel::Select::new();
        for r in rs {
            sel.recv(r);
        }
        for _ in 0..n {
            let op = sel.select();
            let i = op.index();
            black_box(
                op.recv(&rs[i])
                    .expect("crossbeam: select on a closed channel"),
            );
        }
    }
    fn recv_closed(r: &Self::R) {
        assert!(r.recv().is_err());
    }
}

struct Flume;
impl Chan for Flume {
    type S = flume::Sender<Msg>;
    type R = flume::Receiver<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R) {
        cap.map_or_else(flume::unbounded, flume::bounded)
    }
    fn clone_rx(r: &Self::R) -> Option<Self::R> {
        Some(r.clone())
    }
    const SELECT: bool = true;
    // flume's Selector loses a wake-up with several select-receivers (select_both
    // hangs; see src/peers.rs), so it has no select-send cell.
    fn select4_recv(rs: &[Self::R]) -> Msg {
        flume::Selector::new()
            .recv(&rs[0], |r| r)
            .recv(&rs[1], |r| r)
            .recv(&rs[2], |r| r)
            .recv(&rs[3], |r| r)
            .wait()
            .expect("flume: select recv on a closed channel")
    }
    fn selectk(rs: &[Self::R], n: usize) {
        for _ in 0..n {
            let mut sel = flume::Selector::new();
            for r in rs {
                sel = sel.recv(r, |m| m);
            }
            black_box(sel.wait().expect("flume: select on a closed channel"));
        }
    }
    fn recv_closed(r: &Self::R) {
        assert!(r.recv().is_err());
    }
}

struct Kanal;
impl Chan for Kanal {
    type S = kanal::Sender<Msg>;
    type R = kanal::Receiver<Msg>;
    fn new(cap: Option<usize>) -> (Self::S, Self::R) {
        cap.map_or_else(kanal::unbounded, kanal::bounded)
    }
    fn clone_rx(r: &Self::R) -> Option<Self::R> {
        Some(r.clone())
    }
    fn recv_closed(r: &Self::R) {
        assert!(r.recv().is_err());
    }
}

/// What a run measured.
#[derive(Default)]
struct Outcome {
    elapsed: Duration,
    /// Sorted round-trip times (pingpong only).
    lat: Vec<u64>,
    /// Resident memory (burst only): bytes held per message with the channel full,
    /// the peak in kB, kB still held after the drain, kB after the channel is dropped
    /// (all over the resident size before the channel was made).
    mem: Option<(f64, i64, i64, i64)>,
}

fn msg(i: usize) -> Msg {
    [i]
}

/// Sends `n` messages from each of `senders` threads and receives them all on the
/// calling thread (`receivers` == 1) or on `receivers` threads sharing `rx`.
fn many<C: Chan>(
    cap: Option<usize>,
    senders: usize,
    receivers: usize,
    n: usize,
) -> Option<Outcome> {
    let (tx, rx) = C::new(cap);
    let per_tx = n / senders;
    let per_rx = per_tx * senders / receivers;
    let rxs: Vec<C::R> = if receivers == 1 {
        vec![]
    } else {
        let mut v = Vec::new();
        for _ in 0..receivers {
            v.push(C::clone_rx(&rx)?);
        }
        v
    };
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..senders {
            let tx = tx.clone();
            s.spawn(move || {
                for i in 0..per_tx {
                    tx.send(msg(i));
                }
            });
        }
        if receivers == 1 {
            for _ in 0..per_rx {
                black_box(rx.recv());
            }
        } else {
            for r in rxs {
                s.spawn(move || {
                    for _ in 0..per_rx {
                        black_box(r.recv());
                    }
                });
            }
        }
    });
    Some(Outcome {
        elapsed: start.elapsed(),
        ..Outcome::default()
    })
}

fn seq<C: Chan>(cap: Option<usize>, n: usize) -> Outcome {
    let (tx, rx) = C::new(cap);
    let start = Instant::now();
    for i in 0..n {
        tx.send(msg(i));
    }
    for _ in 0..n {
        black_box(rx.recv());
    }
    Outcome {
        elapsed: start.elapsed(),
        ..Outcome::default()
    }
}

/// The process's resident set in bytes (`/proc/self/statm`).
fn rss() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("reading /proc/self/statm");
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .expect("statm's second field");
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as i64
}

/// The process's resident high-water mark in kB (`VmHWM` in `/proc/self/status`: the
/// address space's own, where `getrusage`'s `ru_maxrss` can carry the peak of the
/// process before `exec`).
fn peak_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// A burst with nobody receiving: `n` messages into the channel, then all out, on one
/// thread; resident memory measured full, drained and dropped.
fn burst<C: Chan>(cap: Option<usize>, n: usize) -> Outcome {
    let before = rss();
    let start = Instant::now();
    let (tx, rx) = C::new(cap);
    for i in 0..n {
        tx.send(msg(i));
    }
    let full = rss();
    for _ in 0..n {
        black_box(rx.recv());
    }
    let drained = rss();
    let elapsed = start.elapsed();
    drop((tx, rx));
    let dropped = rss();
    Outcome {
        elapsed,
        mem: Some((
            (full - before) as f64 / n as f64,
            peak_kb() - before / 1024,
            (drained - before) / 1024,
            (dropped - before) / 1024,
        )),
        ..Outcome::default()
    }
}

fn select_rx<C: Chan>(cap: Option<usize>, n: usize) -> Option<Outcome> {
    if !C::SELECT {
        return None;
    }
    let chans: Vec<_> = (0..THREADS).map(|_| C::new(cap)).collect();
    let per = n / THREADS;
    let rs: Vec<C::R> = chans
        .iter()
        .map(|c| C::clone_rx(&c.1))
        .collect::<Option<_>>()?;
    let start = Instant::now();
    thread::scope(|s| {
        for (tx, _) in &chans {
            s.spawn(move || {
                for i in 0..per {
                    tx.send(msg(i));
                }
            });
        }
        for _ in 0..per * THREADS {
            black_box(C::select4_recv(&rs));
        }
    });
    Some(Outcome {
        elapsed: start.elapsed(),
        ..Outcome::default()
    })
}

fn select_both<C: Chan>(cap: Option<usize>, n: usize) -> Option<Outcome> {
    if !C::SELECT_SEND {
        return None;
    }
    let chans: Vec<_> = (0..THREADS).map(|_| C::new(cap)).collect();
    let per = n / THREADS;
    let ts: Vec<C::S> = chans.iter().map(|c| c.0.clone()).collect();
    let mut rss: Vec<Vec<C::R>> = Vec::new();
    for _ in 0..THREADS {
        rss.push(
            chans
                .iter()
                .map(|c| C::clone_rx(&c.1))
                .collect::<Option<_>>()?,
        );
    }
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..THREADS {
            let ts = &ts;
            s.spawn(move || {
                for i in 0..per {
                    C::select4_send(ts, msg(i));
                }
            });
        }
        for rs in rss {
            s.spawn(move || {
                let rs = &rs;
                for _ in 0..per {
                    black_box(C::select4_recv(rs));
                }
            });
        }
    });
    Some(Outcome {
        elapsed: start.elapsed(),
        ..Outcome::default()
    })
}

/// `n` round trips: the caller sends on one channel, an echo thread sends it back on
/// another; each round trip is timed.
fn pingpong<C: Chan>(cap: usize, n: usize) -> Outcome {
    let (ping_tx, ping_rx) = C::new(Some(cap));
    let (pong_tx, pong_rx) = C::new(Some(cap));
    let warm = (n / 10).max(10);
    let mut lat = Vec::with_capacity(n);
    let mut elapsed = Duration::ZERO;
    thread::scope(|s| {
        s.spawn(move || {
            for _ in 0..warm + n {
                pong_tx.send(ping_rx.recv());
            }
        });
        for i in 0..warm {
            ping_tx.send(msg(i));
            black_box(pong_rx.recv());
        }
        let start = Instant::now();
        let mut t0 = start;
        for i in 0..n {
            ping_tx.send(msg(i));
            black_box(pong_rx.recv());
            let t1 = Instant::now();
            lat.push((t1 - t0).as_nanos() as u64);
            t0 = t1;
        }
        elapsed = start.elapsed();
    });
    lat.sort_unstable();
    Outcome {
        elapsed,
        lat,
        ..Outcome::default()
    }
}

fn selectk<C: Chan>(k: usize, n: usize) -> Option<Outcome> {
    if !C::SELECT {
        return None;
    }
    let senders = k.min(THREADS);
    let chans: Vec<_> = (0..k).map(|_| C::new(Some(SCALE_CAP))).collect();
    let rs: Vec<C::R> = chans
        .iter()
        .map(|c| C::clone_rx(&c.1))
        .collect::<Option<_>>()?;
    let per = n / senders;
    let start = Instant::now();
    thread::scope(|s| {
        for t in 0..senders {
            let mine: Vec<&C::S> = chans
                .iter()
                .skip(t)
                .step_by(senders)
                .map(|c| &c.0)
                .collect();
            s.spawn(move || {
                for i in 0..per {
                    mine[i % mine.len()].send(msg(i));
                }
            });
        }
        C::selectk(&rs, per * senders);
    });
    Some(Outcome {
        elapsed: start.elapsed(),
        ..Outcome::default()
    })
}

/// `threads` threads blocked in `recv` on one empty channel; the clock runs from
/// dropping the only sender to the last thread joined. The context-switch counts cover
/// the same span (see `main`: they are re-read at `CLOSE_AT`).
fn park<C: Chan>(threads: usize, before: &mut Rusage) -> Option<Outcome> {
    let (tx, rx) = C::new(Some(0));
    let rxs: Vec<C::R> = (0..threads)
        .map(|_| C::clone_rx(&rx))
        .collect::<Option<_>>()?;
    drop(rx);
    let started = AtomicUsize::new(0);
    let mut elapsed = Duration::ZERO;
    thread::scope(|s| {
        let mut handles = Vec::with_capacity(threads);
        for r in rxs {
            let started = &started;
            let h = thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(s, move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    C::recv_closed(&r);
                })
                .expect("spawn a parked thread");
            handles.push(h);
        }
        while started.load(Ordering::SeqCst) < threads {
            thread::sleep(Duration::from_millis(1));
        }
        // Every thread has started; give the last ones time to reach their park.
        thread::sleep(Duration::from_millis(200 + threads as u64 / 20));
        *before = rusage();
        let start = Instant::now();
        drop(tx);
        for h in handles {
            h.join().expect("a parked thread panicked");
        }
        elapsed = start.elapsed();
    });
    Some(Outcome {
        elapsed,
        ..Outcome::default()
    })
}

fn cap_of(param: &str, n: usize) -> Option<usize> {
    match param {
        "0" => Some(0),
        "1" => Some(1),
        "N" => Some(n),
        "unbounded" => None,
        _ => panic!("capacity must be 0, 1, N or unbounded, not {param:?}"),
    }
}

fn run<C: Chan>(case: &str, param: &str, n: usize, before: &mut Rusage) -> Option<Outcome> {
    let num = || -> usize {
        param
            .parse()
            .unwrap_or_else(|_| panic!("{case}: PARAM must be a number, not {param:?}"))
    };
    match case {
        "seq" => {
            if matches!(param, "0" | "1") {
                return None; // one thread cannot send n before receiving
            }
            Some(seq::<C>(cap_of(param, n), n))
        }
        "spsc" => many::<C>(cap_of(param, n), 1, 1, n),
        "mpsc" => many::<C>(cap_of(param, n), THREADS, 1, n),
        "mpmc" => many::<C>(cap_of(param, n), THREADS, THREADS, n),
        "select_rx" => select_rx::<C>(cap_of(param, n), n),
        "select_both" => select_both::<C>(cap_of(param, n), n),
        "pingpong" => Some(pingpong::<C>(num(), n)),
        "senders" => many::<C>(Some(SCALE_CAP), num(), 1, n),
        "selectk" => selectk::<C>(num(), n),
        "park" => park::<C>(num(), before),
        "burst" => Some(burst::<C>(cap_of(param, n), n)),
        _ => panic!("unknown case {case:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 {
        eprintln!("usage: xshape CONTENDER CASE PARAM MESSAGES (see the source's header)");
        std::process::exit(64);
    }
    let (contender, case, param) = (&args[0], args[1].as_str(), args[2].as_str());
    let n: usize = args[3].parse().expect("MESSAGES must be a number");
    assert!(n > 0, "MESSAGES must be positive");
    let mut before = rusage();
    let out = match contender.as_str() {
        "gosync" => run::<Gosync>(case, param, n, &mut before),
        "std" => run::<Std>(case, param, n, &mut before),
        "crossbeam" => run::<Crossbeam>(case, param, n, &mut before),
        "flume" => run::<Flume>(case, param, n, &mut before),
        "kanal" => run::<Kanal>(case, param, n, &mut before),
        _ => panic!("unknown contender {contender:?}"),
    };
    let after = rusage();
    let Some(out) = out else {
        eprintln!("xshape: {contender} has no {case} · {param}");
        std::process::exit(2);
    };
    // The count the per-message figures divide by.
    let msgs = match case {
        "park" => param.parse().unwrap_or(1),
        "senders" => n / param.parse::<usize>().unwrap_or(1) * param.parse::<usize>().unwrap_or(1),
        _ => n,
    };
    let ns = out.elapsed.as_nanos() as f64;
    let (vol, invol) = (after.nvcsw - before.nvcsw, after.nivcsw - before.nivcsw);
    let mut line = format!(
        "{{\"contender\":\"{contender}\",\"case\":\"{case}\",\"param\":\"{param}\",\"msgs\":{msgs},\
         \"ns\":{ns:.0},\"ns_per_msg\":{:.3},\"nvcsw\":{vol},\"nivcsw\":{invol},\"csw_per_msg\":{:.5}",
        ns / msgs as f64,
        (vol + invol) as f64 / msgs as f64,
    );
    if !out.lat.is_empty() {
        line += &format!(
            ",\"p50\":{},\"p99\":{},\"p999\":{}",
            pct(&out.lat, 0.50),
            pct(&out.lat, 0.99),
            pct(&out.lat, 0.999)
        );
    }
    if let Some((per_msg, peak_kb, drained_kb, dropped_kb)) = out.mem {
        line += &format!(
            ",\"held_bytes_per_msg\":{per_msg:.2},\"peak_kb\":{peak_kb},\"drained_kb\":{drained_kb},\"dropped_kb\":{dropped_kb}"
        );
    }
    line.push('}');
    println!("{line}");
}
