//! gosync's contexts: what `ctx.done()` costs in a `select!` next to a plain channel
//! case (the target: within 1.1× of the plain channel), what cancelling a tree of
//! 1 000 contexts costs, and what a short-lived child costs its parent.
//!
//! Run: `cargo bench -p gosync-benches --bench context -- --warm-up-time 1 --measurement-time 2`
//! and compare contenders within one run (ratios, never absolute times: the machine
//! is shared). `-- --test` runs each once, as a smoke test.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use gosync::context::{self, CancelHandle, Context};
use gosync::{chan, select};
use std::hint::black_box;

/// A `select!` over a ready data channel and a second, never-ready case: a live
/// context's `done()`, `background().done()`, or an open plain channel (what a Go
/// program had before contexts: a quit channel). One send and one select per
/// iteration.
fn select_done(c: &mut Criterion) {
    let mut g = c.benchmark_group("select_done");
    let (tx, rx) = chan::bounded::<u64>(1);
    let (ctx, _cancel) = context::background().with_cancel();
    g.bench_function("ctx.done()", |b| {
        b.iter(|| {
            tx.send(1).unwrap();
            select! {
                recv(rx) -> v => black_box(v.unwrap()),
                recv(ctx.done()) -> _ => unreachable!(),
            }
        })
    });
    let bg = context::background();
    g.bench_function("background().done()", |b| {
        b.iter(|| {
            tx.send(1).unwrap();
            select! {
                recv(rx) -> v => black_box(v.unwrap()),
                recv(bg.done()) -> _ => unreachable!(),
            }
        })
    });
    let (_quit_tx, quit) = chan::bounded::<()>(0);
    g.bench_function("plain channel", |b| {
        b.iter(|| {
            tx.send(1).unwrap();
            select! {
                recv(rx) -> v => black_box(v.unwrap()),
                recv(quit) -> _ => unreachable!(),
            }
        })
    });
    g.finish();
}

/// A tree of `n` cancellable contexts under one root, ten children per node.
fn tree(n: usize) -> (CancelHandle, Vec<(Context, CancelHandle)>) {
    let (root, cancel) = context::background().with_cancel();
    let mut nodes: Vec<(Context, CancelHandle)> = Vec::with_capacity(n);
    let mut parent = 0;
    while nodes.len() + 1 < n {
        let p = if nodes.is_empty() {
            root.clone()
        } else {
            nodes[parent / 10].0.clone()
        };
        nodes.push(p.with_cancel());
        parent += 1;
    }
    (cancel, nodes)
}

/// Cancelling the root of a 1 000-context tree (every descendant cancelled before
/// `cancel` returns); building the tree and dropping it are not timed.
fn cancel_tree(c: &mut Criterion) {
    let mut g = c.benchmark_group("cancel_tree");
    let n = 1_000usize;
    g.bench_with_input(BenchmarkId::new("gosync", n), &n, |b, &n| {
        b.iter_batched(
            || tree(n),
            |(cancel, nodes)| {
                cancel.cancel();
                (cancel, nodes) // dropped after the timing
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// A short-lived child of a long-lived parent: `with_cancel` then drop (register
/// and detach), and the same with a timeout (also registers with the timer thread).
fn child_churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("child_churn");
    let (parent, _cancel) = context::background().with_cancel();
    g.bench_function("with_cancel+drop", |b| {
        b.iter(|| drop(black_box(parent.with_cancel())))
    });
    g.bench_function("with_timeout+drop", |b| {
        b.iter(|| {
            drop(black_box(
                parent.with_timeout(std::time::Duration::from_secs(60)),
            ))
        })
    });
    g.bench_function("with_value", |b| {
        b.iter(|| drop(black_box(parent.with_value(7u64))))
    });
    g.finish();
}

criterion_group!(benches, select_done, cancel_tree, child_churn);
criterion_main!(benches);
