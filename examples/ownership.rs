//! Channel ownership: the goroutine that creates a channel writes to it and closes it;
//! everyone else only reads.
//!
//! The Go idiom (from "Concurrency in Go"):
//!
//! ```go
//! chanOwner := func() <-chan int {
//!     results := make(chan int, 5)
//!     go func() {
//!         defer close(results)
//!         for i := 0; i <= 5; i++ {
//!             results <- i
//!         }
//!     }()
//!     return results        // consumers get a receive-only channel
//! }
//! ```
//!
//! In Go the `<-chan int` return type is a convention the compiler checks. In gosync
//! the two ends are different types: the owner keeps the [`Sender`], consumers get a
//! [`Receiver`], and a consumer *cannot* send or close — there is no method to call.
//! When the owner's thread ends, its `Sender` drops, which closes the channel even if
//! the owner returned early or panicked.
//!
//! ```text
//! cargo run --example ownership              # 3 consumers share 100 values
//! cargo run --example ownership -- 10000 8   # 8 consumers share 10000 values
//! ```

use gosync::chan::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

/// The owner: creates the channel, starts the only writer, and hands out the read end.
/// The join handle lets the caller wait for the writer thread to be gone.
fn chan_owner(n: u64) -> (Receiver<u64>, JoinHandle<()>) {
    let (tx, rx) = chan::bounded(5);
    let writer = thread::spawn(move || write_all(tx, n));
    (rx, writer)
}

/// The writer owns the `Sender` by value: when it returns, the channel closes.
fn write_all(tx: Sender<u64>, n: u64) {
    for i in 1..=n {
        tx.send(i).expect("a consumer is still reading");
    }
    println!("owner: wrote 1..={n}; returning drops the Sender, which closes the channel");
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<u64>()
            .expect("usage: ownership [VALUES] [CONSUMERS]")
    });
    let n = args.next().unwrap_or(100);
    let consumers = args.next().unwrap_or(3).max(1);

    let (results, writer) = chan_owner(n);
    println!(
        "main: got a Receiver (capacity {:?}); it has no send or close",
        results.capacity()
    );

    // Consumers share the read end by cloning the Receiver (channels are MPMC): each
    // value goes to exactly one of them.
    let readers: Vec<_> = (0..consumers)
        .map(|id| {
            let results = results.clone();
            thread::spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                for v in &results {
                    count += 1;
                    sum += v;
                }
                // The loop ends only once the owner closed and the buffer is drained.
                (id, count, sum)
            })
        })
        .collect();
    drop(results); // main does not read; only the consumers hold the read end now

    let (mut total_count, mut total_sum) = (0, 0);
    for r in readers {
        let (id, count, sum) = r.join().unwrap();
        println!("consumer {id}: received {count:>5} values, sum {sum}");
        total_count += count;
        total_sum += sum;
    }
    writer.join().unwrap();
    assert_eq!(total_count, n, "every value is received exactly once");
    assert_eq!(total_sum, n * (n + 1) / 2);
    println!("together: {total_count} values, sum {total_sum} = 1 + 2 + … + {n}: each value read exactly once");
}
