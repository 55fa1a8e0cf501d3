//! Go's channel microbenchmarks (from Go's `runtime/chan_test.go`) that have no cell in
//! the matrix, run by every contender that can do the same thing. Each is suite `"go"`.
//!
//! | case | Go benchmark | what one message is |
//! |------|--------------|---------------------|
//! | `try_recv_empty` | `BenchmarkChanNonblocking` | a non-blocking receive on an empty rendezvous channel |
//! | `try_recv_closed` | `BenchmarkChanClosed` | a non-blocking receive on a closed channel |
//! | `try_recv_shared` | — | the same on one empty channel polled by [`THREADS`] threads at once (a lock or shared write shows here) |
//! | `uncontended` | `BenchmarkChanUncontended` | a send + receive on a buffered channel (cap 100) of the thread's own; one thread per CPU |
//! | `ping_pong` | `BenchmarkChanSync` | one hand-off between two threads that take turns on one rendezvous channel |
//! | `sem` | `BenchmarkChanSem` | an acquire (send `()`) + release (receive) on a channel of `()` of capacity = CPUs, one thread per CPU |
//! | `select_timer` | `BenchmarkSelectProdCons` | a producer's select {send, timer} matched by a consumer's select {recv, timer}, cap 128; the timer never fires |

use crate::peers::{crossbeam_new, flume_new, gosync_new, kanal_new};
use crate::{cpus, run_threads, Cell, Job, Rx, Tx, MSGS_BLOCKING, MSGS_BUFFERED, THREADS};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Non-blocking operations per iteration of the `try_recv_*` cases.
pub const MSGS_NONBLOCKING: usize = 1_000_000;

/// `try_recv_empty`: `n` non-blocking receives on an empty channel (the sender alive).
pub fn try_recv_empty<S: Tx<u64>, R: Rx<u64>>(n: usize, (tx, rx): (S, R)) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(rx.try_recv());
    }
    let t = start.elapsed();
    drop(tx);
    t
}

/// `try_recv_closed`: `n` non-blocking receives on a closed, empty channel.
pub fn try_recv_closed<S: Tx<u64>, R: Rx<u64>>(n: usize, (tx, rx): (S, R)) -> Duration {
    drop(tx);
    let start = Instant::now();
    for _ in 0..n {
        black_box(rx.try_recv());
    }
    start.elapsed()
}

/// `try_recv_shared`: [`THREADS`] threads each make `n / THREADS` non-blocking receives
/// on the same empty channel.
pub fn try_recv_shared<S: Tx<u64>, R: Rx<u64> + Clone>(n: usize, (tx, rx): (S, R)) -> Duration {
    let per = n / THREADS;
    let jobs: Vec<Job<'_>> = (0..THREADS)
        .map(|_| {
            let rx = rx.clone();
            Box::new(move || {
                for _ in 0..per {
                    black_box(rx.try_recv());
                }
            }) as Job<'_>
        })
        .collect();
    let t = run_threads(jobs);
    drop(tx);
    t
}

/// Capacity of each thread's channel in `uncontended` (Go's value).
pub const UNCONTENDED_CAP: usize = 100;

/// `uncontended`: one thread per CPU, each with a channel of its own, sends
/// [`UNCONTENDED_CAP`] values then receives them, until `n` messages in all.
pub fn uncontended<S: Tx<u64>, R: Rx<u64>>(n: usize, make: impl Fn() -> (S, R)) -> Duration {
    let threads = cpus();
    let rounds = n / threads / UNCONTENDED_CAP;
    let jobs: Vec<Job<'_>> = (0..threads)
        .map(|_| {
            let (tx, rx) = make();
            Box::new(move || {
                for _ in 0..rounds {
                    for i in 0..UNCONTENDED_CAP as u64 {
                        tx.send(i);
                    }
                    for _ in 0..UNCONTENDED_CAP {
                        black_box(rx.recv());
                    }
                }
            }) as Job<'_>
        })
        .collect();
    run_threads(jobs)
}

/// `ping_pong`: two threads hand `n` values back and forth over one rendezvous
/// channel: one sends then receives, the other receives then sends.
pub fn ping_pong<S: Tx<u64>, R: Rx<u64> + Clone>(n: usize, (tx, rx): (S, R)) -> Duration {
    let rounds = n / 2;
    let (tx2, rx2) = (tx.clone(), rx.clone());
    run_threads(vec![
        Box::new(move || {
            for i in 0..rounds as u64 {
                tx.send(i);
                black_box(rx.recv());
            }
        }),
        Box::new(move || {
            for _ in 0..rounds {
                let v = rx2.recv();
                tx2.send(v);
            }
        }),
    ])
}

/// `sem`: one thread per CPU acquires (sends `()`) and releases (receives) a
/// semaphore made of a channel of `()` with one slot per CPU, `n` times in all.
pub fn sem<S: Tx<()>, R: Rx<()> + Clone>(n: usize, (tx, rx): (S, R)) -> Duration {
    let threads = cpus();
    let per = n / threads;
    let jobs: Vec<Job<'_>> = (0..threads)
        .map(|_| {
            let (tx, rx) = (tx.clone(), rx.clone());
            Box::new(move || {
                for _ in 0..per {
                    tx.send(());
                    rx.recv();
                }
            }) as Job<'_>
        })
        .collect();
    drop((tx, rx));
    run_threads(jobs)
}

/// Capacity of the channel in `select_timer` (Go's value).
pub const SELECT_TIMER_CAP: usize = 128;

/// A timer that never fires during a benchmark.
pub const NEVER_FIRES: Duration = Duration::from_secs(3600);

/// `select_timer` with gosync's `select!` and `after`.
pub fn select_timer_gosync(n: usize) -> Duration {
    let (tx, rx) = gosync::bounded::<u64>(SELECT_TIMER_CAP);
    let (t1, t2) = (
        gosync::chan::after(NEVER_FIRES),
        gosync::chan::after(NEVER_FIRES),
    );
    run_threads(vec![
        Box::new(move || {
            for i in 0..n as u64 {
                gosync::select! {
                    send(tx, i) -> r => r.expect("gosync: send on a closed channel"),
                    recv(t1) -> _ => unreachable!("the timer fired"),
                }
            }
        }),
        Box::new(move || {
            for _ in 0..n {
                gosync::select! {
                    recv(rx) -> m => { black_box(m.expect("gosync: recv on a closed channel")); },
                    recv(t2) -> _ => unreachable!("the timer fired"),
                }
            }
        }),
    ])
}

/// `select_timer` with crossbeam-channel's `select!` and `after`.
pub fn select_timer_crossbeam(n: usize) -> Duration {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(SELECT_TIMER_CAP);
    let (t1, t2) = (
        crossbeam_channel::after(NEVER_FIRES),
        crossbeam_channel::after(NEVER_FIRES),
    );
    run_threads(vec![
        Box::new(move || {
            for i in 0..n as u64 {
                crossbeam_channel::select! {
                    send(tx, i) -> r => r.expect("crossbeam: send on a closed channel"),
                    recv(t1) -> _ => unreachable!("the timer fired"),
                }
            }
        }),
        Box::new(move || {
            for _ in 0..n {
                crossbeam_channel::select! {
                    recv(rx) -> m => { black_box(m.expect("crossbeam: recv on a closed channel")); },
                    recv(t2) -> _ => unreachable!("the timer fired"),
                }
            }
        }),
    ])
}

fn cell(
    case: &'static str,
    cap: &'static str,
    contender: &'static str,
    (messages, unit): (usize, usize),
    run: impl Fn(usize) -> Duration + 'static,
) -> Cell {
    Cell {
        suite: "go",
        case,
        cap,
        contender,
        messages: messages / unit * unit,
        unit,
        run: Box::new(run),
    }
}

/// Adds the cells every contender can run, given how it makes a channel of `u64` and
/// of `()`; `shared` cells only when its receivers can be shared.
macro_rules! add_contender {
    ($cells:expr, $name:literal, $new:expr, $new_unit:expr, shared) => {{
        add_contender!($cells, $name, $new, $new_unit);
        $cells.push(cell(
            "try_recv_shared",
            "0",
            $name,
            (MSGS_NONBLOCKING, THREADS),
            |n| try_recv_shared(n, $new(Some(0))),
        ));
        $cells.push(cell("ping_pong", "0", $name, (MSGS_BLOCKING, 2), |n| {
            ping_pong(n, $new(Some(0)))
        }));
        $cells.push(cell("sem", "cpus", $name, (MSGS_BUFFERED, cpus()), |n| {
            sem(n, $new_unit(Some(cpus())))
        }));
    }};
    ($cells:expr, $name:literal, $new:expr, $new_unit:expr) => {{
        $cells.push(cell(
            "try_recv_empty",
            "0",
            $name,
            (MSGS_NONBLOCKING, 1),
            |n| try_recv_empty(n, $new(Some(0))),
        ));
        $cells.push(cell(
            "try_recv_closed",
            "0",
            $name,
            (MSGS_NONBLOCKING, 1),
            |n| try_recv_closed(n, $new(Some(0))),
        ));
        $cells.push(cell(
            "uncontended",
            "100",
            $name,
            (MSGS_BUFFERED, cpus() * UNCONTENDED_CAP),
            |n| uncontended(n, || $new(Some(UNCONTENDED_CAP))),
        ));
    }};
}

fn std_new<T>(
    cap: Option<usize>,
) -> (std::sync::mpsc::SyncSender<T>, std::sync::mpsc::Receiver<T>) {
    std::sync::mpsc::sync_channel(cap.expect("std: only sync_channel here"))
}

/// Adds every contender's microbenchmark cells.
pub(crate) fn add_all(cells: &mut Vec<Cell>) {
    add_contender!(cells, "gosync", gosync_new::<u64>, gosync_new::<()>, shared);
    add_contender!(cells, "std", std_new::<u64>, std_new::<()>);
    add_contender!(
        cells,
        "crossbeam",
        crossbeam_new::<u64>,
        crossbeam_new::<()>,
        shared
    );
    add_contender!(cells, "flume", flume_new::<u64>, flume_new::<()>, shared);
    add_contender!(cells, "kanal", kanal_new::<u64>, kanal_new::<()>, shared);
    cells.push(cell(
        "select_timer",
        "128",
        "gosync",
        (MSGS_BLOCKING, 1),
        select_timer_gosync,
    ));
    cells.push(cell(
        "select_timer",
        "128",
        "crossbeam",
        (MSGS_BLOCKING, 1),
        select_timer_crossbeam,
    ));
}
