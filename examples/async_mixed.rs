//! Threads and tokio tasks on one channel: two OS threads and two tasks send, one
//! thread and two tasks receive, and the tasks receive inside `tokio::select!` next
//! to a ticker, so that many of their receives are cancelled half-way. Every value
//! arrives exactly once all the same: a dropped `recv_async` future loses nothing
//! (it gives back a value it was already handed).
//!
//! ```text
//! cargo run --example async_mixed           # 4 × 20 000 values
//! cargo run --example async_mixed -- 100000 # 4 × 100 000
//! ```
//!
//! Needs the `async` feature (on by default). tokio is only this example's executor:
//! gosync's futures run on any executor.

use gosync::chan;
use std::thread;
use std::time::Duration;

fn main() {
    let per_producer: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("usage: async_mixed [VALUES_PER_PRODUCER]"))
        .unwrap_or(20_000);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");

    // A small buffer, so that senders of both kinds block (park or await) often.
    let (tx, rx) = chan::bounded::<u64>(4);
    // Every value received, with who received it.
    let (out_tx, out_rx) = chan::unbounded::<(&'static str, u64)>();

    // Producers: two threads (blocking `send`) and two tasks (`send_async`).
    let mut threads = Vec::new();
    for p in 0..2u64 {
        let tx = tx.clone();
        threads.push(thread::spawn(move || {
            for i in 0..per_producer {
                tx.send(p * per_producer + i).expect("receivers are alive");
            }
        }));
    }
    let mut tasks = Vec::new();
    for p in 2..4u64 {
        let tx = tx.clone();
        tasks.push(rt.spawn(async move {
            for i in 0..per_producer {
                tx.send_async(p * per_producer + i)
                    .await
                    .expect("receivers are alive");
            }
        }));
    }
    // The producers hold the only senders now: the channel closes when they finish.
    drop(tx);

    // Consumer: a thread, Go's `for v := range ch`.
    {
        let (rx, out_tx) = (rx.clone(), out_tx.clone());
        threads.push(thread::spawn(move || {
            for v in &rx {
                out_tx.send(("thread", v)).unwrap();
            }
        }));
    }

    // Consumers: two tasks selecting between a receive and a ticker. When the ticker
    // wins, the pending receive future is dropped: cancel safe, nothing is lost.
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let (rx, out_tx) = (rx.clone(), out_tx.clone());
        consumers.push(rt.spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_micros(100));
            let mut cancelled = 0u64;
            loop {
                tokio::select! {
                    r = rx.recv_async() => match r {
                        Ok(v) => out_tx.send(("task", v)).unwrap(),
                        Err(_) => break, // closed and drained: every producer is done
                    },
                    _ = ticker.tick() => cancelled += 1,
                }
            }
            cancelled
        }));
    }
    drop((rx, out_tx));

    for t in threads {
        t.join().expect("a thread panicked");
    }
    let cancelled: u64 = rt.block_on(async {
        for t in tasks {
            t.await.expect("a producer task panicked");
        }
        let mut n = 0;
        for c in consumers {
            n += c.await.expect("a consumer task panicked");
        }
        n
    });

    // Every value exactly once, whoever sent it and whoever received it.
    let mut got: Vec<u64> = Vec::new();
    let (mut by_thread, mut by_task) = (0, 0);
    for (who, v) in out_rx.iter() {
        got.push(v);
        match who {
            "thread" => by_thread += 1,
            _ => by_task += 1,
        }
    }
    got.sort_unstable();
    let total = 4 * per_producer;
    assert_eq!(got.len() as u64, total, "a value was lost or duplicated");
    assert!(
        got.iter().copied().eq(0..total),
        "a value was lost or duplicated"
    );
    println!(
        "{total} values from 2 threads and 2 tasks; received {by_thread} by a thread, \
         {by_task} by 2 tasks ({cancelled} of their receives cancelled by the ticker); none lost"
    );
}
