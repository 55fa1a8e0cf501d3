//! A dynamic select over K ready channels on one thread: what building, choosing and
//! dropping a select costs when nothing has to wait. gosync's `Select` builder (used
//! by value, so rebuilt per select, as its users write it), crossbeam-channel's
//! reusable `Select` (built once, as its users write it) and flume's `Selector`
//! (rebuilt). Each iteration receives one message from a uniformly chosen ready
//! channel and sends it back to the same channel, so every channel stays ready.
//!
//! Run: `cargo bench -p gosync-benches --bench select -- --warm-up-time 1 --measurement-time 2`
//! and compare contenders within one run (ratios, never absolute times: the machine
//! is shared). The threaded version of this cell, with senders refilling the
//! channels, is `xshape CONTENDER selectk K` (benches/README.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;

/// Messages waiting in every channel.
const DEPTH: usize = 4;

/// `k` channels made by `make`, each holding `DEPTH` messages.
fn filled<S, R>(k: usize, make: impl Fn() -> (S, R), send: impl Fn(&S, usize)) -> Vec<(S, R)> {
    let chans: Vec<_> = (0..k).map(|_| make()).collect();
    for (tx, _) in &chans {
        for v in 0..DEPTH {
            send(tx, v);
        }
    }
    chans
}

fn select_ready(c: &mut Criterion) {
    let mut g = c.benchmark_group("select_ready");
    for k in [1usize, 4, 16, 64] {
        let chans = filled(
            k,
            || gosync::chan::bounded(DEPTH),
            |tx, v| tx.send(v).unwrap(),
        );
        g.bench_with_input(BenchmarkId::new("gosync", k), &k, |b, _| {
            b.iter(|| {
                let mut sel = gosync::Select::new();
                for (i, (_, rx)) in chans.iter().enumerate() {
                    sel = sel.recv(rx, move |m| (i, m.unwrap()));
                }
                let (i, v) = sel.wait();
                chans[i].0.send(black_box(v)).unwrap();
            })
        });

        let chans = filled(
            k,
            || crossbeam_channel::bounded(DEPTH),
            |tx, v| tx.send(v).unwrap(),
        );
        let mut sel = crossbeam_channel::Select::new();
        for (_, rx) in &chans {
            sel.recv(rx);
        }
        g.bench_with_input(BenchmarkId::new("crossbeam", k), &k, |b, _| {
            b.iter(|| {
                let op = sel.select();
                let i = op.index();
                let v = op.recv(&chans[i].1).unwrap();
                chans[i].0.send(black_box(v)).unwrap();
            })
        });

        let chans = filled(k, || flume::bounded(DEPTH), |tx, v| tx.send(v).unwrap());
        g.bench_with_input(BenchmarkId::new("flume", k), &k, |b, _| {
            b.iter(|| {
                let mut sel = flume::Selector::new();
                for (i, (_, rx)) in chans.iter().enumerate() {
                    sel = sel.recv(rx, move |m| (i, m.unwrap()));
                }
                let (i, v) = sel.wait();
                chans[i].0.send(black_box(v)).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, select_ready);
criterion_main!(benches);
