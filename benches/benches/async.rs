//! Async sides of the channels: gosync's `send_async` / `recv_async` against tokio's
//! mpsc, async-channel, flume and kanal, all on one tokio multi-thread runtime
//! (2 workers), every producer and consumer a task.
//!
//! Shapes: spsc, mpsc (4 producers, 1 consumer) and mpmc (4 × 4; tokio's mpsc has no
//! multi-consumer side and sits it out), for a one-slot and a 64-slot buffer.
//! Compare contenders within one run, as ratios: this machine is shared and noisy.
//!
//! `cargo bench -p gosync-benches --bench async`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use tokio::runtime::Runtime;

/// Messages per iteration (split among producers).
const MSGS: usize = 20_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// Runs `producers` sending tasks and `consumers` receiving tasks over one channel
/// made by `$make(cap)`; consumers receive until the channel closes. `$send` and
/// `$recv` are async expressions in `$tx` / `$rx`; `$recv` yields whether a value came.
macro_rules! contender {
    ($name:ident, $make:expr, |$tx:ident, $v:ident| $send:expr, |$rx:ident| $recv:expr) => {
        fn $name(rt: &Runtime, producers: usize, consumers: usize, cap: usize) {
            rt.block_on(async {
                let (tx, rx) = $make(cap);
                let per = MSGS / producers;
                let mut tasks = Vec::new();
                for _ in 0..producers {
                    let $tx = tx.clone();
                    tasks.push(tokio::spawn(async move {
                        for $v in 0..per {
                            $send;
                        }
                    }));
                }
                drop(tx);
                let mut counts = Vec::new();
                #[allow(unused_mut)]
                let mut rx = rx;
                for _ in 0..consumers - 1 {
                    #[allow(unused_mut)]
                    let mut $rx = rx.clone();
                    counts.push(tokio::spawn(async move {
                        let mut n = 0usize;
                        while $recv {
                            n += 1;
                        }
                        n
                    }));
                }
                let last = {
                    #[allow(unused_mut)]
                    let mut $rx = rx;
                    tokio::spawn(async move {
                        let mut n = 0usize;
                        while $recv {
                            n += 1;
                        }
                        n
                    })
                };
                counts.push(last);
                for t in tasks {
                    t.await.unwrap();
                }
                let mut total = 0;
                for c in counts {
                    total += c.await.unwrap();
                }
                assert_eq!(total, per * producers);
            })
        }
    };
}

contender!(
    gosync_run,
    gosync::chan::bounded::<usize>,
    |tx, v| tx.send_async(v).await.unwrap(),
    |rx| rx.recv_async().await.is_ok()
);
contender!(
    async_channel_run,
    async_channel::bounded::<usize>,
    |tx, v| tx.send(v).await.unwrap(),
    |rx| rx.recv().await.is_ok()
);
contender!(
    flume_run,
    flume::bounded::<usize>,
    |tx, v| tx.send_async(v).await.unwrap(),
    |rx| rx.recv_async().await.is_ok()
);
contender!(
    kanal_run,
    kanal::bounded_async::<usize>,
    |tx, v| tx.send(v).await.unwrap(),
    |rx| rx.recv().await.is_ok()
);

/// tokio's mpsc: one consumer only (its receiver is not `Clone`).
fn tokio_run(rt: &Runtime, producers: usize, consumers: usize, cap: usize) {
    assert_eq!(consumers, 1);
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(cap);
        let per = MSGS / producers;
        let mut tasks = Vec::new();
        for _ in 0..producers {
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for v in 0..per {
                    tx.send(v).await.unwrap();
                }
            }));
        }
        drop(tx);
        let c = tokio::spawn(async move {
            let mut n = 0usize;
            while rx.recv().await.is_some() {
                n += 1;
            }
            n
        });
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(c.await.unwrap(), per * producers);
    })
}

type Run = fn(&Runtime, usize, usize, usize);

fn shapes(c: &mut Criterion) {
    let rt = runtime();
    let contenders: [(&str, Run); 5] = [
        ("gosync", gosync_run),
        ("tokio-mpsc", tokio_run),
        ("async-channel", async_channel_run),
        ("flume", flume_run),
        ("kanal", kanal_run),
    ];
    for (shape, producers, consumers) in [("spsc", 1, 1), ("mpsc", 4, 1), ("mpmc", 4, 4)] {
        for cap in [1, 64] {
            let mut g = c.benchmark_group(format!("async/{shape}/cap{cap}"));
            g.throughput(Throughput::Elements(MSGS as u64))
                .sample_size(10)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(2));
            for (name, run) in contenders {
                if name == "tokio-mpsc" && consumers > 1 {
                    continue;
                }
                g.bench_function(BenchmarkId::from_parameter(name), |b| {
                    b.iter(|| run(&rt, producers, consumers, cap))
                });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, shapes);
criterion_main!(benches);
