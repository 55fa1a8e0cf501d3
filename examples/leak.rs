//! A goroutine leak, the Go classic, and its fix; `gosync::debug::assert_none_blocked`
//! (Go's `goleak.VerifyNone`) names the leaked thread.
//!
//! A producer sends numbers to a consumer that stops after the first few. In the leaky
//! version the producer stays parked on its send forever (a leaked thread holding its
//! channel); in the fixed version the consumer closes a `done` channel when it quits,
//! and the producer's `select!` sees it and returns.
//!
//! ```text
//! cargo run --example leak
//! ```

use gosync::{chan, debug, select, Receiver, Sender};
use std::panic;
use std::thread;
use std::time::Duration;

/// Sends 0, 1, 2, … until the receiver is gone.
fn leaky_producer(out: Sender<u64>) {
    for i in 0.. {
        if out.send(i).is_err() {
            return;
        }
    }
}

/// Sends 0, 1, 2, … until the receiver is gone or `done` is closed.
fn producer(out: Sender<u64>, done: Receiver<()>) {
    for i in 0.. {
        select! {
            send(out, i) -> r => if r.is_err() { return },
            recv(done) -> _ => return, // closed: the consumer has quit
        }
    }
}

fn main() {
    // Leaky: the consumer takes three values and quits, but keeps the receiver alive
    // (it is stored for later, say), so the producer's send never fails.
    let (tx, rx) = chan::bounded::<u64>(0);
    debug::set_label(&rx, "numbers");
    let leaked = thread::Builder::new()
        .name("producer".into())
        .spawn(move || leaky_producer(tx))
        .unwrap();
    let firsts: Vec<u64> = rx.iter().take(3).collect();
    assert_eq!(firsts, [0, 1, 2]);
    thread::sleep(Duration::from_millis(50)); // the rest of the test's work

    let quiet = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let check = panic::catch_unwind(|| debug::assert_none_blocked(Duration::from_millis(100)));
    panic::set_hook(quiet);
    let message = check.expect_err("the leaked producer must be found");
    let message = message.downcast_ref::<String>().unwrap();
    println!("leaky version, assert_none_blocked says:\n{message}");
    assert!(message.contains("\"producer\" [chan send"));
    assert!(message.contains("`numbers`"));
    // Clean up the demo: dropping the receiver fails the parked send.
    drop(rx);
    leaked.join().unwrap();

    // Fixed: the consumer closes `done` (drops its sender) when it quits.
    let (tx, rx) = chan::bounded::<u64>(0);
    let (done_tx, done_rx) = chan::bounded::<()>(0);
    debug::set_label(&rx, "numbers (fixed)");
    let producer = thread::Builder::new()
        .name("producer".into())
        .spawn(move || producer(tx, done_rx))
        .unwrap();
    let firsts: Vec<u64> = rx.iter().take(3).collect();
    assert_eq!(firsts, [0, 1, 2]);
    drop(done_tx); // "I quit": close(done)
    debug::assert_none_blocked(Duration::from_secs(5));
    println!("fixed version: no gosync operation left parked");
    producer.join().unwrap();
    drop(rx);
}
