//! Criterion benchmarks of gosync's channels against std::sync::mpsc, crossbeam-channel,
//! flume and kanal: crossbeam-channel's matrix (seq, spsc, mpsc, mpmc, select_rx,
//! select_both at capacity 0, 1, large and unbounded) and Go's channel
//! microbenchmarks. The workloads live in `gosync_benches` (benches/src), shared with
//! the interleaving runner that `benches/report.py` drives for the README's table.
//!
//! ```text
//! cargo bench --bench chan                      # everything (a few minutes)
//! cargo bench --bench chan -- 'spsc/0/'         # one workload, every contender
//! cargo bench --bench chan -- --test            # run each benchmark once (CI)
//! ```
//! Criterion's throughput is messages per second; its per-iteration time divided by
//! the message count (Throughput::Elements) is ns per message.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::time::Duration;

fn matrix(c: &mut Criterion) {
    let cells = gosync_benches::cells();
    let mut i = 0;
    while i < cells.len() {
        let (case, cap) = (cells[i].case, cells[i].cap);
        let mut group = c.benchmark_group(format!("{case}/{cap}"));
        // Each iteration moves thousands of messages across threads: few, long samples.
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(cells[i].messages as u64));
        while i < cells.len() && (cells[i].case, cells[i].cap) == (case, cap) {
            let cell = &cells[i];
            group.bench_function(cell.contender, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| (cell.run)(cell.messages)).sum())
            });
            i += 1;
        }
        group.finish();
    }
}

criterion_group!(benches, matrix);
criterion_main!(benches);
