//! A pipeline cancelled through a context, as Go programs write it: every stage
//! watches `ctx.done()`, so that when the consumer has what it wants it cancels the
//! context and every stage — the generator first of all — returns, leaking no thread.
//!
//! It starts from the example in Go's `context` documentation:
//!
//! ```go
//! gen := func(ctx context.Context) <-chan int {
//!     dst := make(chan int)
//!     n := 1
//!     go func() {
//!         for {
//!             select {
//!             case <-ctx.Done():
//!                 return // returning not to leak the goroutine
//!             case dst <- n:
//!                 n++
//!             }
//!         }
//!     }()
//!     return dst
//! }
//!
//! ctx, cancel := context.WithCancel(context.Background())
//! defer cancel() // cancel when we are finished consuming integers
//! for n := range gen(ctx) {
//!     fmt.Println(n)
//!     if n == 5 {
//!         break
//!     }
//! }
//! ```
//!
//! and grows it, one run at a time:
//!
//! 1. that program, then a check that the generator's thread has returned;
//! 2. `gen → square ×W → merge → consumer`: the consumer takes a few squares and
//!    cancels; every stage thread returns (each is joined, and a live-thread
//!    counter must read zero);
//! 3. the same pipeline under `with_timeout`: it runs until its deadline, and the
//!    consumer sees `DeadlineExceeded`;
//! 4. the stages as tasks of an `errgroup` with its context: one stage fails on a
//!    bad value, the group's context cancels the others, and `wait` returns the
//!    error.
//!
//! ```text
//! cargo run --example context_pipeline            # take 10 squares, 4 workers
//! cargo run --example context_pipeline -- 1000 8  # take 1000 squares, 8 workers
//! ```

use gosync::chan::{self, Receiver};
use gosync::context::{self, Context, ContextError, RecvCtxError};
use gosync::errgroup::Group;
use gosync::{select, Mutex};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("usage: context_pipeline [TAKE] [WORKERS]")
    });
    let take = args.next().unwrap_or(10).max(1);
    let workers = args.next().unwrap_or(4).max(1);

    run_gen_example();
    run_cancelled_pipeline(take, workers);
    run_pipeline_with_deadline(workers);
    run_errgroup_pipeline(workers);
    println!("\nall checks passed");
}

/// The stage threads of one run: each is joined, and a counter of live stages
/// (decremented as each stage returns) shows that none is left behind.
struct Stages {
    live: Arc<Mutex<usize>>,
    handles: Vec<JoinHandle<()>>,
}

impl Stages {
    fn new() -> Self {
        Stages {
            live: Arc::new(Mutex::new(0)),
            handles: Vec::new(),
        }
    }

    /// Starts a stage thread.
    fn spawn(&mut self, f: impl FnOnce() + Send + 'static) {
        struct Exit(Arc<Mutex<usize>>);
        impl Drop for Exit {
            fn drop(&mut self) {
                *self.0.lock() -= 1;
            }
        }
        *self.live.lock() += 1;
        let exit = Exit(self.live.clone());
        self.handles.push(thread::spawn(move || {
            let _exit = exit;
            f();
        }));
    }

    /// Joins every stage (a leaked one would hang here: `.ci/examples.sh` runs this
    /// under a time limit) and checks that none is still running.
    fn join_all(self, why: &str) {
        let n = self.handles.len();
        for h in self.handles {
            h.join().expect("a stage panicked");
        }
        assert_eq!(*self.live.lock(), 0);
        println!("  all {n} stage threads returned ({why})");
    }
}

/// Go's `gen`: sends 1, 2, 3, … until the context is cancelled.
fn gen(ctx: &Context, stages: &mut Stages) -> Receiver<u64> {
    let (dst, out) = chan::bounded(0); // dst := make(chan int)
    let ctx = ctx.clone();
    stages.spawn(move || {
        let mut n = 1;
        loop {
            select! {
                recv(ctx.done()) -> _ => return, // returning not to leak the thread
                send(dst, n) -> res => {
                    if res.is_err() {
                        return; // every receiver is gone
                    }
                    n += 1;
                }
            }
        }
    });
    out
}

/// A stage that squares what it receives: the `*_ctx` forms do the select.
fn square(ctx: &Context, input: &Receiver<u64>, stages: &mut Stages) -> Receiver<u64> {
    let (tx, out) = chan::bounded(0);
    let (ctx, input) = (ctx.clone(), input.clone());
    stages.spawn(move || {
        while let Ok(n) = input.recv_ctx(&ctx) {
            if tx.send_ctx(&ctx, n * n).is_err() {
                return; // cancelled (or nobody receives): the value comes back, dropped
            }
        }
    });
    out
}

/// Fan-in: one output for all the inputs; closes when they all close or on cancel.
fn merge(ctx: &Context, inputs: Vec<Receiver<u64>>, stages: &mut Stages) -> Receiver<u64> {
    let (tx, out) = chan::bounded(0);
    for input in inputs {
        let (ctx, tx) = (ctx.clone(), tx.clone());
        stages.spawn(move || {
            while let Ok(v) = input.recv_ctx(&ctx) {
                if tx.send_ctx(&ctx, v).is_err() {
                    return;
                }
            }
        });
    }
    out // the last merging thread to return drops the last sender: `out` closes
}

/// `gen → square ×workers → merge`.
fn build(ctx: &Context, workers: usize, stages: &mut Stages) -> Receiver<u64> {
    let numbers = gen(ctx, stages);
    let squares = (0..workers)
        .map(|_| square(ctx, &numbers, stages))
        .collect();
    merge(ctx, squares, stages)
}

fn is_square(v: u64) -> bool {
    let r = (v as f64).sqrt().round() as u64;
    r * r == v
}

/// Run 1: Go's example, line for line.
fn run_gen_example() {
    println!("run 1: the context.WithCancel example");
    let mut stages = Stages::new();
    let (ctx, cancel) = context::background().with_cancel();
    let mut seen = Vec::new();
    for n in gen(&ctx, &mut stages).iter() {
        seen.push(n);
        if n == 5 {
            break;
        }
    }
    println!("  {seen:?}");
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    drop(cancel); // the `defer cancel()`
    stages.join_all("cancelled after 5");
}

/// Run 2: take `take` squares from a pipeline that could run forever, then cancel.
fn run_cancelled_pipeline(take: usize, workers: usize) {
    println!("\nrun 2: gen -> square x{workers} -> merge; take {take} squares, then cancel");
    let mut stages = Stages::new();
    let (ctx, cancel) = context::background().with_cancel();
    let out = build(&ctx, workers, &mut stages);
    let mut got: Vec<u64> = (0..take).map(|_| out.recv().unwrap()).collect();
    cancel.cancel();
    // Still holding `out`: it is the context, not a dropped receiver, that stops them.
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), take, "no square twice");
    assert!(got.iter().all(|&v| is_square(v)));
    println!(
        "  smallest {:?}, largest {}",
        &got[..got.len().min(5)],
        got[got.len() - 1]
    );
    stages.join_all("the consumer cancelled");
    // Every stage returned, so the output's senders are gone: it is closed.
    assert_eq!(out.recv(), Err(chan::RecvError));
}

/// Run 3: the pipeline runs until its deadline.
fn run_pipeline_with_deadline(workers: usize) {
    println!("\nrun 3: the same pipeline under with_timeout(20 ms)");
    let mut stages = Stages::new();
    let (ctx, _cancel) = context::background().with_timeout(Duration::from_millis(20));
    let out = build(&ctx, workers, &mut stages);
    let mut count = 0u64;
    let why = loop {
        match out.recv_ctx(&ctx) {
            Ok(v) => {
                assert!(is_square(v));
                count += 1;
            }
            Err(e) => break e,
        }
    };
    println!("  received {count} squares before: {why}");
    assert_eq!(why, RecvCtxError::Context(ContextError::DeadlineExceeded));
    stages.join_all("the deadline passed");
}

/// Run 4: stages as errgroup tasks; the first failure cancels the rest.
fn run_errgroup_pipeline(workers: usize) {
    const BAD: u64 = 13;
    println!("\nrun 4: stages in an errgroup; a square stage fails on {BAD}");
    let (g, ctx) = Group::<String>::with_context(&context::background());
    let squared = Mutex::new(0u64);
    let result = thread::scope(|s| {
        let (numbers_tx, numbers) = chan::bounded::<u64>(0);
        let (squares_tx, squares) = chan::bounded::<u64>(0);
        // The generator: runs until the group's context is cancelled.
        let ctx_ref = &ctx;
        g.go(s, move || {
            for n in 1.. {
                if let Err(e) = numbers_tx.send_ctx(ctx_ref, n) {
                    return match e {
                        context::SendCtxError::Context(..) => Ok(()), // told to stop
                        context::SendCtxError::Closed(_) => Err("numbers closed".into()),
                    };
                }
            }
            Ok(())
        });
        for _ in 0..workers {
            let (numbers, squares_tx, squared) = (numbers.clone(), squares_tx.clone(), &squared);
            g.go(s, move || loop {
                let n = match numbers.recv_ctx(ctx_ref) {
                    Ok(n) => n,
                    Err(_) => return Ok(()), // cancelled
                };
                if n == BAD {
                    return Err(format!("cannot square {n}: unlucky"));
                }
                if squares_tx.send_ctx(ctx_ref, n * n).is_err() {
                    return Ok(());
                }
                *squared.lock() += 1;
            });
        }
        drop(squares_tx);
        // The consumer, in the group too: it reads until the cancel.
        g.go(s, move || {
            while let Ok(v) = squares.recv_ctx(ctx_ref) {
                assert!(is_square(v));
            }
            Ok(())
        });
        g.wait() // the scope then joins every task's thread
    });
    println!("  wait() = {result:?} after {} squares", *squared.lock());
    assert_eq!(result, Err(format!("cannot square {BAD}: unlucky")));
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
    println!(
        "  all {} tasks returned (the scope joined them)",
        workers + 2
    );
}
