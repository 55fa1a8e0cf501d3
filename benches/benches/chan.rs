//! Placeholder: the full matrix lands with the benchmarks issue.
use criterion::{criterion_group, criterion_main, Criterion};

fn try_recv_empty(c: &mut Criterion) {
    let (_tx, rx) = gosync::bounded::<u64>(1);
    c.bench_function("try_recv_empty/gosync", |b| {
        b.iter(|| rx.try_recv().is_err())
    });
}

criterion_group!(benches, try_recv_empty);
criterion_main!(benches);
