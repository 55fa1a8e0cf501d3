//! `range` and `close`: the sender says "no more", the receiver's loop ends.
//!
//! Go's tour computes Fibonacci numbers in a goroutine, closes the channel, and the
//! caller ranges over it:
//!
//! ```go
//! func fibonacci(n int, c chan int) {
//!     x, y := 0, 1
//!     for i := 0; i < n; i++ {
//!         c <- x
//!         x, y = y, x+y
//!     }
//!     close(c)
//! }
//!
//! c := make(chan int, 10)
//! go fibonacci(cap(c), c)
//! for i := range c {
//!     fmt.Println(i)
//! }
//! ```
//!
//! Then it shows what a closed channel does: values still buffered are drained first,
//! a receive after that reports "closed" (Go's `v, ok := <-ch` with `ok == false`), a
//! send returns its value in an error (Go panics), and closing twice is harmless (Go
//! panics).
//!
//! ```text
//! cargo run --example range_and_close          # 10 Fibonacci numbers
//! cargo run --example range_and_close -- 50    # 50
//! ```

use gosync::chan::{self, RecvError, SendError, Sender};
use std::thread;

fn fibonacci(n: usize, c: Sender<u64>) {
    let (mut x, mut y) = (0u64, 1u64);
    for _ in 0..n {
        c.send(x).unwrap();
        (x, y) = (y, x.wrapping_add(y));
    }
    c.close(); // Go: close(c). Dropping `c` here would close it too.
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("usage: range_and_close [N]"))
        .unwrap_or(10);

    // ---- range over a channel until it is closed ----
    let (tx, rx) = chan::bounded(10); // Go: c := make(chan int, 10)
    let producer = thread::spawn(move || fibonacci(n, tx));
    let mut got = Vec::new();
    for v in &rx {
        // Go: for v := range c
        got.push(v);
    }
    producer.join().unwrap();
    println!("for v in &rx got {} Fibonacci numbers:", got.len());
    println!("  {}", short(&got));
    assert_eq!(got.len(), n);
    assert!(got.windows(3).all(|w| w[2] == w[0].wrapping_add(w[1])));
    println!("the loop ended because the producer closed the channel");

    // ---- what a closed channel does ----
    let (tx, rx) = chan::bounded::<&str>(3);
    tx.send("first").unwrap();
    tx.send("second").unwrap();
    assert!(tx.close(), "the first close closes");
    println!("\nsent two values into a buffered channel, then closed it");

    // Values sent before the close are still delivered, in order.
    assert_eq!(rx.recv(), Ok("first"));
    assert_eq!(rx.recv(), Ok("second"));
    println!("  recv() -> Ok(\"first\"), Ok(\"second\")   (buffered values drain first)");

    // Then every receive reports the close: Go's `v, ok := <-ch` with ok == false.
    match rx.recv() {
        Ok(v) => panic!("a drained, closed channel gave {v}"),
        Err(RecvError) => {
            println!("  recv() -> Err(RecvError)         (Go: v, ok := <-ch; ok == false)")
        }
    }
    assert_eq!(rx.recv(), Err(RecvError), "and it stays that way");

    // A send on a closed channel hands the value back instead of panicking.
    let Err(SendError(back)) = tx.send("third") else {
        panic!("a send on a closed channel succeeded");
    };
    assert_eq!(back, "third");
    println!(
        "  send(\"third\") -> Err(SendError(\"third\"))   (Go panics; here the value comes back)"
    );

    // Closing twice: Go panics, gosync says "already closed".
    assert!(!tx.close());
    println!("  close() again -> false           (Go panics: close of closed channel)");
    assert!(rx.is_closed() && tx.is_closed());
    println!("\nall checks passed");
}

/// A one-line rendering of a long list.
fn short(v: &[u64]) -> String {
    let s: Vec<String> = v.iter().map(u64::to_string).collect();
    if s.len() > 15 {
        format!("{} … {}", s[..12].join(" "), s[s.len() - 2..].join(" "))
    } else {
        s.join(" ")
    }
}
