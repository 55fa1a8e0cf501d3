//! Batched receive: gosync's `recv_many` against a loop of `recv`, and against tokio's
//! mpsc `recv_many` (workloads in `gosync_benches::batch`).
//!
//! - `fill_drain`: one thread fills a 1024-slot channel, then drains it (no
//!   contention: the cost of taking values out).
//! - `spsc`: a producer thread and a consumer that drains by batches or one by one.
//!
//! ```text
//! cargo bench -p gosync-benches --bench recv_many
//! cargo bench -p gosync-benches --bench recv_many -- --test   # each once (CI)
//! ```
//! For instruction counts per message (repeatable on a busy machine), see
//! `src/bin/recv_many_count.rs`.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use gosync_benches::batch;
use std::time::Duration;

fn fill_drain(c: &mut Criterion) {
    let mut group = c.benchmark_group("recv_many/fill_drain");
    group.throughput(Throughput::Elements(batch::CAP as u64));
    for (name, contender) in [
        ("gosync recv_many", "many"),
        ("gosync recv loop", "loop"),
        ("tokio recv_many", "tokio"),
    ] {
        let mut run = batch::fill_drain(contender);
        group.bench_function(name, |b| b.iter(|| run(1)));
    }
    group.finish();
}

fn spsc(c: &mut Criterion) {
    let mut group = c.benchmark_group("recv_many/spsc");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(batch::SPSC_MSGS as u64));
    group.bench_function("gosync recv_many", |b| b.iter(|| batch::spsc_gosync(true)));
    group.bench_function("gosync recv loop", |b| b.iter(|| batch::spsc_gosync(false)));
    group.bench_function("tokio recv_many", |b| b.iter(batch::spsc_tokio));
    group.finish();
}

criterion_group!(benches, fill_drain, spsc);
criterion_main!(benches);
