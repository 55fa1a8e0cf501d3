//! The concurrent prime sieve from the Go tour, with threads and gosync channels.
//!
//! A generator thread sends 2, 3, 4, … into a rendezvous channel; each prime found
//! starts a filter thread that passes on only the numbers it does not divide, so the
//! channels form a daisy chain with one thread per prime.
//!
//! ```text
//! cargo run --release --example prime_sieve          # the first 25 primes
//! cargo run --release --example prime_sieve -- 100   # the first 100
//! ```

use gosync::chan::{self, Receiver, Sender};
use std::thread;

/// Sends 2, 3, 4, … until the receiver goes away.
fn generate(tx: Sender<u64>) {
    for i in 2.. {
        if tx.send(i).is_err() {
            return; // the next stage is gone: stop (Go would leak the goroutine)
        }
    }
}

/// Copies values from `rx` to `tx`, removing those divisible by `prime`.
fn filter(rx: Receiver<u64>, tx: Sender<u64>, prime: u64) {
    for i in &rx {
        if i % prime != 0 && tx.send(i).is_err() {
            return;
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(25);
    let (tx, mut rx) = chan::bounded(0); // Go: ch := make(chan int)
    let mut threads = vec![thread::spawn(move || generate(tx))];
    let mut primes = Vec::with_capacity(n);
    for _ in 0..n {
        let prime = rx.recv().expect("the generator never stops");
        primes.push(prime);
        let (tx1, rx1) = chan::bounded(0);
        threads.push(thread::spawn(move || filter(rx, tx1, prime)));
        rx = rx1;
    }
    println!(
        "the first {n} primes, found by a chain of {} threads:",
        threads.len()
    );
    for row in primes.chunks(10) {
        let row: Vec<String> = row.iter().map(|p| format!("{p:>5}")).collect();
        println!("{}", row.join(""));
    }
    // Dropping the last receiver makes the last filter's send fail; each stage then
    // returns and drops its receiver in turn, so the whole chain unwinds.
    drop(rx);
    for t in threads {
        t.join().unwrap();
    }
    println!("all {} threads finished", primes.len() + 1);
    assert_eq!(primes[..5], [2, 3, 5, 7, 11]);
}
