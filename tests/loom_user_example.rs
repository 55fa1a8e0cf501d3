//! Model-checking your own code with loom through gosync: the worked example of
//! `docs/loom.md`. A planted ordering bug that ordinary tests hit only sometimes is
//! found by loom in every run; the fixed version passes.
//!
//! Run with:
//! `CARGO_TARGET_DIR=target/loom LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg gosync_loom" cargo test --release -p gosync --test loom_user_example`
//!
//! Built with `--cfg gosync_loom`, gosync's channels, `select!` and sync types run on
//! loom's atomics and threads, so loom explores every interleaving of *your* code
//! around them and reports deadlocks, panics and failed assertions with the schedule
//! that caused them.
#![cfg(gosync_loom)]

use gosync::chan::{self, Receiver, Sender};
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::panic::{self, AssertUnwindSafe};

/// "The user's code": a worker that handles jobs, counts them in `handled` (a
/// statistic the caller reads), and sends each result back.
///
/// BUG (planted): the count is made after the result is sent. A caller that has
/// received a result and then reads the count may see the job not counted yet.
fn worker_counts_after_sending(jobs: Receiver<u32>, results: Sender<u32>, handled: &AtomicUsize) {
    for job in &jobs {
        results.send(job * 10).expect("the caller is waiting");
        handled.fetch_add(1, Ordering::Relaxed);
    }
}

/// The fix: count first, then send. A send happens before the receive that takes
/// its value, so whoever receives the result also sees the count, even with a
/// `Relaxed` increment (loom checks that too, through gosync's channel).
fn worker_counts_before_sending(jobs: Receiver<u32>, results: Sender<u32>, handled: &AtomicUsize) {
    for job in &jobs {
        handled.fetch_add(1, Ordering::Relaxed);
        results.send(job * 10).expect("the caller is waiting");
    }
}

type Worker = fn(Receiver<u32>, Sender<u32>, &AtomicUsize);

/// The caller: one job, its result, then the statistic must count it.
fn one_job(worker: Worker) {
    let (jobs_tx, jobs_rx) = chan::bounded::<u32>(1);
    let (results_tx, results_rx) = chan::bounded::<u32>(0);
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    let t = thread::spawn(move || worker(jobs_rx, results_tx, &h));
    jobs_tx.send(4).unwrap();
    assert_eq!(results_rx.recv(), Ok(40));
    let seen = handled.load(Ordering::Relaxed);
    drop(jobs_tx); // the worker's loop ends
    t.join().unwrap();
    // (Asserted after the join, so that no model thread is left running when it
    // fails: loom can then report the failure cleanly.)
    assert_eq!(seen, 1, "a received result was not counted yet");
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

#[test]
fn loom_finds_the_planted_bug() {
    // Some interleaving lets the caller read the count between the worker's send
    // and its increment: loom finds it and fails the model with the assertion.
    let found = panic::catch_unwind(AssertUnwindSafe(|| {
        model(|| one_job(worker_counts_after_sending));
    }));
    let err = found.expect_err("loom must find the planted bug");
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("");
    assert!(
        msg.contains("a received result was not counted yet"),
        "loom failed the model for another reason: {msg:?}"
    );
}

#[test]
fn the_fixed_version_passes_every_interleaving() {
    model(|| one_job(worker_counts_before_sending));
}
