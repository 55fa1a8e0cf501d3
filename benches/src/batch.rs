//! Batched receive workloads: `recv_many` against a loop of `recv`, and against
//! tokio's mpsc `recv_many`. Shared by the criterion bench (`benches/recv_many.rs`)
//! and the instruction-count runner (`src/bin/recv_many_count.rs`).
//!
//! `fill_drain_*`: one thread fills a bounded channel of [`CAP`] slots, then drains
//! it — by batches of up to [`CAP`] values, or one `recv` at a time — and sums what it
//! got (so that nothing is optimised away). `spsc_*`: a producer thread sends
//! [`SPSC_MSGS`] values through a [`CAP`]-slot channel while the consumer drains it
//! by batches or one value at a time.

use std::hint::black_box;
use std::thread;

/// The channel capacity, and the batch limit.
pub const CAP: usize = 1024;
/// Messages per `spsc_*` iteration.
pub const SPSC_MSGS: usize = 100_000;

/// A gosync channel of [`CAP`] slots.
pub fn gosync_channel() -> (gosync::chan::Sender<u64>, gosync::chan::Receiver<u64>) {
    gosync::chan::bounded(CAP)
}

/// Fills `tx` with [`CAP`] values.
#[inline(never)]
pub fn fill_gosync(tx: &gosync::chan::Sender<u64>) {
    for i in 0..CAP as u64 {
        tx.send(i).unwrap();
    }
}

/// Drains [`CAP`] values with `recv_many` into `buf` (cleared first: its capacity is
/// reused).
#[inline(never)]
pub fn drain_gosync_many(rx: &gosync::chan::Receiver<u64>, buf: &mut Vec<u64>) -> u64 {
    buf.clear();
    let mut got = 0;
    while got < CAP {
        got += rx.recv_many(buf, CAP).unwrap();
    }
    buf.iter().sum()
}

/// Drains [`CAP`] values with a loop of `recv`.
#[inline(never)]
pub fn drain_gosync_loop(rx: &gosync::chan::Receiver<u64>) -> u64 {
    let mut sum = 0;
    for _ in 0..CAP {
        sum += rx.recv().unwrap();
    }
    sum
}

/// A tokio mpsc channel of [`CAP`] slots.
pub fn tokio_channel() -> (
    tokio::sync::mpsc::Sender<u64>,
    tokio::sync::mpsc::Receiver<u64>,
) {
    tokio::sync::mpsc::channel(CAP)
}

/// A current-thread runtime to drive tokio's `recv_many`.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Fills `tx` with [`CAP`] values.
#[inline(never)]
pub fn fill_tokio(tx: &tokio::sync::mpsc::Sender<u64>) {
    for i in 0..CAP as u64 {
        tx.try_send(i).unwrap();
    }
}

/// Drains [`CAP`] values with tokio's `recv_many` (one `block_on` per drain).
#[inline(never)]
pub fn drain_tokio_many(
    rt: &tokio::runtime::Runtime,
    rx: &mut tokio::sync::mpsc::Receiver<u64>,
    buf: &mut Vec<u64>,
) -> u64 {
    buf.clear();
    rt.block_on(async {
        let mut got = 0;
        while got < CAP {
            got += rx.recv_many(buf, CAP).await;
        }
    });
    buf.iter().sum()
}

/// One fill-then-drain round per contender: `"many"`, `"loop"` (gosync) or
/// `"tokio"`. Returns a closure running `rounds` rounds.
pub fn fill_drain(contender: &str) -> Box<dyn FnMut(usize) -> u64> {
    match contender {
        "many" => {
            let (tx, rx) = gosync_channel();
            let mut buf = Vec::with_capacity(CAP);
            Box::new(move |rounds| {
                (0..rounds)
                    .map(|_| {
                        fill_gosync(&tx);
                        drain_gosync_many(&rx, &mut buf)
                    })
                    .sum()
            })
        }
        "loop" => {
            let (tx, rx) = gosync_channel();
            Box::new(move |rounds| {
                (0..rounds)
                    .map(|_| {
                        fill_gosync(&tx);
                        drain_gosync_loop(&rx)
                    })
                    .sum()
            })
        }
        "tokio" => {
            let (tx, mut rx) = tokio_channel();
            let rt = tokio_runtime();
            let mut buf = Vec::with_capacity(CAP);
            Box::new(move |rounds| {
                (0..rounds)
                    .map(|_| {
                        fill_tokio(&tx);
                        drain_tokio_many(&rt, &mut rx, &mut buf)
                    })
                    .sum()
            })
        }
        other => panic!("unknown contender {other:?}: many, loop or tokio"),
    }
}

/// A producer thread sends [`SPSC_MSGS`] values; this thread receives them all by
/// batches (`many`) or one at a time (`!many`).
pub fn spsc_gosync(many: bool) {
    let (tx, rx) = gosync_channel();
    let producer = thread::spawn(move || {
        for i in 0..SPSC_MSGS as u64 {
            tx.send(i).unwrap();
        }
    });
    let mut sum = 0u64;
    if many {
        let mut buf = Vec::with_capacity(CAP);
        while rx.recv_many(&mut buf, CAP).is_ok() {
            sum += buf.iter().sum::<u64>();
            buf.clear();
        }
    } else {
        while let Ok(v) = rx.recv() {
            sum += v;
        }
    }
    black_box(sum);
    producer.join().unwrap();
}

/// As [`spsc_gosync`] with tokio's mpsc: a producer thread (`blocking_send`), the
/// consumer on a current-thread runtime with `recv_many`.
pub fn spsc_tokio() {
    let (tx, mut rx) = tokio_channel();
    let producer = thread::spawn(move || {
        for i in 0..SPSC_MSGS as u64 {
            tx.blocking_send(i).unwrap();
        }
    });
    let rt = tokio_runtime();
    let sum = rt.block_on(async {
        let mut buf = Vec::with_capacity(CAP);
        let mut sum = 0u64;
        while rx.recv_many(&mut buf, CAP).await > 0 {
            sum += buf.iter().sum::<u64>();
            buf.clear();
        }
        sum
    });
    black_box(sum);
    producer.join().unwrap();
}
