//! Pipelines and cancellation, after the Go blog post of that name: stages joined by
//! channels, fan-out to workers, fan-in with `select!`, and a `done` channel that
//! stops every stage early without leaking a thread.
//!
//! ```text
//!              ┌─ square ─┐
//!  generate ──┼─ square ─┼── merge ─┐
//!              ├─ square ─┤           ├── merge ── consumer
//!              └─ square ─┴── merge ─┘
//! ```
//!
//! Every stage is a thread that receives from upstream and sends downstream, and
//! every send and receive is a `select!` with a second case, `recv(done)`: when the
//! consumer closes `done`, each stage's select becomes ready on that case wherever the
//! stage is blocked, and the stage returns. (In Go, a stage blocked on a send nobody
//! will receive leaks its goroutine forever; the done channel is how Go avoids it.)
//!
//! Run 1 squares 1..=N and checks the sum. Run 2 asks the generator for a million
//! numbers, takes the first few results, closes `done`, and checks that every stage
//! thread has exited — while still holding the pipeline's output, so it is `done`
//! (not a dropped receiver) that stopped them.
//!
//! ```text
//! cargo run --example pipeline              # N = 1000, 4 workers
//! cargo run --example pipeline -- 100000 8  # N = 100000, 8 workers
//! ```

use gosync::chan::{self, Receiver};
use gosync::{select, Mutex, WaitGroup};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("usage: pipeline [N] [WORKERS]"));
    let n = args.next().unwrap_or(1000);
    let workers = args.next().unwrap_or(4).max(1) as usize;

    run_to_completion(n, workers);
    run_cancelled(workers);
    println!("\nall checks passed");
}

/// Run 1: every number flows through; the consumer reads until the output closes.
fn run_to_completion(n: u64, workers: usize) {
    println!("run 1: square 1..={n} with {workers} workers, read everything");
    let threads = Threads::new();
    let (done_tx, done) = chan::bounded::<()>(0);
    let out = build(&threads, &done, n, workers);
    println!("  {} stage threads running", threads.live());

    let (mut count, mut sum, mut per_worker) = (0u64, 0u64, vec![0u64; workers]);
    for (worker, sq) in &out {
        count += 1;
        sum += sq;
        per_worker[worker] += 1;
    }
    // The output closed: generate finished, then each stage after it saw its input
    // close and returned, closing its own output.
    assert_eq!(count, n);
    assert_eq!(sum, (1..=n).map(|i| i * i).sum::<u64>());
    println!("  got {count} squares, sum {sum} (= 1² + 2² + … + {n}²)");
    println!("  squares per worker: {per_worker:?}");
    threads.check_all_exited("the output closed");
    drop(done_tx);
}

/// Run 2: take a few results from a pipeline that could run for a long time, then
/// cancel it by closing `done`.
fn run_cancelled(workers: usize) {
    const WANT: usize = 10;
    const ENDLESS: u64 = 1_000_000;
    println!("\nrun 2: ask for 1..={ENDLESS}, take {WANT} results, then close done");
    let threads = Threads::new();
    let (done_tx, done) = chan::bounded::<()>(0);
    let out = build(&threads, &done, ENDLESS, workers);
    let first: Vec<u64> = out.iter().take(WANT).map(|(_, sq)| sq).collect();
    assert_eq!(first.len(), WANT);
    assert!(first.iter().all(|&sq| is_square(sq)));
    println!("  first {WANT} results: {first:?}");
    println!(
        "  {} stage threads still running; closing done",
        threads.live()
    );

    done_tx.close(); // Go: close(done)
    threads.check_all_exited("done was closed");
    // `out` is still alive here: the stages stopped because of `done`, not because
    // their output went away.
    assert!(
        out.is_closed(),
        "the last stage closed its output on the way out"
    );
    let generated = *GENERATED.lock();
    println!("  the generator stopped after {generated} of {ENDLESS} numbers");
    assert!(generated < ENDLESS);
    drop(out);
}

/// How many numbers the last generator sent (for run 2's report).
static GENERATED: Mutex<u64> = Mutex::new(0);

/// generate → `workers` × square → a tree of merges. Returns the final output, of
/// (worker index, square) pairs.
fn build(threads: &Threads, done: &Receiver<()>, n: u64, workers: usize) -> Receiver<(usize, u64)> {
    let numbers = generate(threads, done, n);
    // Fan-out: the workers share one input channel (clones of one Receiver); each
    // number goes to whichever worker is free.
    let squares: Vec<_> = (0..workers)
        .map(|w| square(threads, done, w, numbers.clone()))
        .collect();
    drop(numbers);
    merge_all(threads, done, squares)
}

/// Stage 1: sends 1..=n, then closes its output (by dropping the Sender).
fn generate(threads: &Threads, done: &Receiver<()>, n: u64) -> Receiver<u64> {
    let (out, rx) = chan::bounded(0);
    let done = done.clone();
    threads.spawn(move || {
        let mut sent = 0;
        for i in 1..=n {
            select! {
                send(out, i) -> res => if res.is_err() { break },
                recv(done) -> _ => break,
            }
            sent += 1;
        }
        *GENERATED.lock() = sent;
    });
    rx
}

/// Stage 2, run by several workers: squares whatever arrives.
fn square(
    threads: &Threads,
    done: &Receiver<()>,
    worker: usize,
    input: Receiver<u64>,
) -> Receiver<(usize, u64)> {
    let (out, rx) = chan::bounded(0);
    let done = done.clone();
    threads.spawn(move || loop {
        let n = select! {
            recv(input) -> n => match n {
                Ok(n) => n,
                Err(_) => return, // upstream finished
            },
            recv(done) -> _ => return,
        };
        select! {
            send(out, (worker, n * n)) -> res => if res.is_err() { return },
            recv(done) -> _ => return,
        }
    });
    rx
}

/// Fan-in: merges many channels into one with a balanced tree of two-way merges.
fn merge_all<T: Send + 'static>(
    threads: &Threads,
    done: &Receiver<()>,
    mut inputs: Vec<Receiver<T>>,
) -> Receiver<T> {
    while inputs.len() > 1 {
        let mut next = Vec::with_capacity(inputs.len().div_ceil(2));
        let mut it = inputs.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => merge(threads, done, a, b),
                None => a,
            });
        }
        inputs = next;
    }
    inputs.pop().expect("at least one input")
}

/// Merges two channels with `select!`, switching off each input (Go: setting it to
/// nil) once it closes; closes its output when both have.
fn merge<T: Send + 'static>(
    threads: &Threads,
    done: &Receiver<()>,
    a: Receiver<T>,
    b: Receiver<T>,
) -> Receiver<T> {
    let (out, rx) = chan::bounded(0);
    let done = done.clone();
    threads.spawn(move || {
        let (mut a, mut b) = (Some(a), Some(b));
        while a.is_some() || b.is_some() {
            let v = select! {
                recv(a) -> v => match v {
                    Ok(v) => v,
                    Err(_) => { a = None; continue }
                },
                recv(b) -> v => match v {
                    Ok(v) => v,
                    Err(_) => { b = None; continue }
                },
                recv(done) -> _ => return,
            };
            select! {
                send(out, v) -> res => if res.is_err() { return },
                recv(done) -> _ => return,
            }
        }
    });
    rx
}

fn is_square(x: u64) -> bool {
    let r = (x as f64).sqrt() as u64;
    (r.saturating_sub(1)..=r + 1).any(|r| r * r == x)
}

/// Starts threads and keeps count of those still running, so that a run can check
/// that it leaked none.
struct Threads {
    inner: Arc<Live>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

struct Live {
    count: Mutex<usize>,
    wg: WaitGroup,
}

/// Counts its thread out when dropped: when the thread's function returns, or if it
/// panics.
struct ExitGuard(Arc<Live>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        *self.0.count.lock() -= 1;
        self.0.wg.done();
    }
}

impl Threads {
    fn new() -> Self {
        Threads {
            inner: Arc::new(Live {
                count: Mutex::new(0),
                wg: WaitGroup::new(),
            }),
            handles: Mutex::new(Vec::new()),
        }
    }

    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        *self.inner.count.lock() += 1;
        self.inner.wg.add(1);
        let guard = ExitGuard(Arc::clone(&self.inner));
        self.handles.lock().push(thread::spawn(move || {
            let _guard = guard;
            f();
        }));
    }

    fn live(&self) -> usize {
        *self.inner.count.lock()
    }

    /// Waits (boundedly) for every thread to finish, then joins them all.
    fn check_all_exited(&self, why: &str) {
        let started = self.handles.lock().len();
        assert!(
            self.inner.wg.wait_timeout(Duration::from_secs(10)),
            "leak: {} of {started} stage threads still running after {why}",
            self.live()
        );
        assert_eq!(self.live(), 0);
        for h in std::mem::take(&mut *self.handles.lock()) {
            h.join().unwrap();
        }
        println!("  {why}: all {started} stage threads exited (none leaked)");
    }
}
