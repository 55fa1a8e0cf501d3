//! `select!` with time: timeouts (`chan::after`), non-blocking operations (`default`),
//! a loop driven by a ticker (`chan::tick`), and switching a case off with `None` (Go's
//! nil channel).
//!
//! ```go
//! select {
//! case r := <-results:
//!     fmt.Println(r)
//! case <-time.After(100 * time.Millisecond):
//!     fmt.Println("timed out")
//! }
//! ```
//!
//! ```text
//! cargo run --example select_timeout          # 5 ticks of 20 ms
//! cargo run --example select_timeout -- 20    # 20 ticks
//! ```
//!
//! Every check here is about order, never about how long something took: a timeout is
//! tested against a worker that has not answered (and cannot, until told), and a
//! ready value against a timer far in the future.

use gosync::chan::{self, Receiver, TrySendError};
use gosync::{select, select_biased};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let ticks: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("usage: select_timeout [TICKS]"))
        .unwrap_or(5);

    timeouts();
    non_blocking();
    ticker_loop(ticks);
    nil_cases();
    println!("\nall checks passed");
}

/// Go: `case <-time.After(d)`.
fn timeouts() {
    println!("1. timeouts with chan::after");
    // A worker that answers only when asked to go ahead.
    let (go_tx, go_rx) = chan::bounded::<()>(0);
    let (results_tx, results) = chan::bounded::<&str>(1);
    let worker = thread::spawn(move || {
        if go_rx.recv().is_ok() {
            results_tx.send("the answer").unwrap();
        }
    });

    let start = Instant::now();
    let outcome = select! {
        recv(results) -> r => r.unwrap(),
        recv(chan::after(Duration::from_millis(30))) -> _ => "timed out",
    };
    assert_eq!(outcome, "timed out");
    println!(
        "   waiting for a worker that has not answered: {outcome} after {:?}",
        round(start.elapsed())
    );
    assert!(start.elapsed() >= Duration::from_millis(30));

    go_tx.send(()).unwrap(); // now let it answer
    let outcome = select! {
        recv(results) -> r => r.unwrap(),
        recv(chan::after(Duration::from_secs(60))) -> _ => "timed out",
    };
    assert_eq!(outcome, "the answer");
    println!("   after telling it to go ahead: got {outcome:?} long before the 60 s timer");
    worker.join().unwrap();

    // One deadline shared by a whole loop: the timer is an ordinary Receiver, created
    // once, selected on every iteration.
    let (tx, rx) = chan::unbounded();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    let deadline = chan::after(Duration::from_millis(20));
    let mut got = Vec::new();
    loop {
        // select_biased! prefers the first ready case: values waiting are taken even if
        // the deadline has passed meanwhile (plain select! would pick at random).
        select_biased! {
            recv(rx) -> v => got.push(v.unwrap()),
            recv(deadline) -> _ => break,
        }
    }
    assert_eq!(got, [0, 1, 2]);
    println!("   a loop under one 20 ms deadline took {got:?}, then the deadline fired");
}

/// Go: `select { …; default: }`.
fn non_blocking() {
    println!("\n2. non-blocking send and receive with default");
    let (tx, rx) = chan::bounded::<u32>(1);
    let got = select! {
        recv(rx) -> v => Some(v.unwrap()),
        default => None,
    };
    assert_eq!(got, None);
    println!("   receive on an empty channel: default ran");

    tx.send(7).unwrap();
    let sent = select! {
        send(tx, 8) -> res => res.is_ok(),
        default => false,
    };
    assert!(!sent);
    println!("   send on a full channel: default ran (the 8 was dropped with the select)");

    let got = select! {
        recv(rx) -> v => Some(v.unwrap()),
        default => None,
    };
    assert_eq!(got, Some(7));
    println!("   receive with a value waiting: got {}", got.unwrap());
    // The same, without select: try_send / try_recv.
    assert!(matches!(tx.try_send(9), Ok(())));
    assert!(matches!(tx.try_send(10), Err(TrySendError::Full(10))));
    assert_eq!(rx.try_recv(), Ok(9));
    println!("   (try_send / try_recv say the same without a select)");
}

/// Go: `ticker := time.NewTicker(d); for { select { case <-ticker.C: …; case <-done: return } }`.
fn ticker_loop(ticks: u32) {
    let period = Duration::from_millis(20);
    println!("\n3. a loop driven by a ticker: {ticks} ticks every {period:?}, then stop");
    let (done_tx, done) = chan::bounded::<()>(0);
    let (progress_tx, progress) = chan::unbounded::<u32>();
    let start = Instant::now();
    let ticker = chan::tick(period); // the first tick is due one period from now
    let worker = thread::spawn(move || {
        let mut n = 0;
        loop {
            select! {
                recv(ticker) -> _ => {
                    n += 1;
                    progress_tx.send(n).unwrap();
                }
                recv(done) -> _ => return n, // closed: stop
            }
        }
    });
    for want in 1..=ticks {
        let n = progress.recv().unwrap();
        assert_eq!(n, want);
        println!(
            "   tick {n:>2} at {:>4} ms  {}",
            start.elapsed().as_millis(),
            "#".repeat(n as usize)
        );
    }
    done_tx.close(); // Go: close(done)
    let total = worker.join().unwrap();
    assert!(total >= ticks);
    // A ticker never runs early: the n-th tick comes at least n periods after it started.
    assert!(start.elapsed() >= period * ticks);
    println!("   closed done: the worker stopped after {total} ticks");
}

/// Go: set a channel variable to nil to switch its case off.
fn nil_cases() {
    println!("\n4. switching cases off with None (Go's nil channel)");
    let a = numbers(&[1, 2, 3]);
    let b = numbers(&[10, 20]);
    // Merge until both are closed; a closed input is set to None so that its case,
    // which would be ready forever, is never chosen again.
    let (mut a, mut b): (Option<Receiver<i32>>, Option<Receiver<i32>>) = (Some(a), Some(b));
    let mut got = Vec::new();
    while a.is_some() || b.is_some() {
        select! {
            recv(a) -> v => match v {
                Ok(v) => got.push(v),
                Err(_) => { a = None; println!("   a closed: its case is off"); }
            },
            recv(b) -> v => match v {
                Ok(v) => got.push(v),
                Err(_) => { b = None; println!("   b closed: its case is off"); }
            },
        }
    }
    println!("   merged in the order chosen: {got:?}; both inputs closed, loop done");
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3, 10, 20]);

    // A select whose only case is None with a default: nothing can ever be ready.
    let off: Option<Receiver<i32>> = None;
    let r = select! {
        recv(off) -> _ => "impossible",
        default(Duration::from_millis(5)) => "nothing, as expected",
    };
    assert_eq!(r, "nothing, as expected");
    println!("   a select on only nil cases with default(5 ms): {r}");
}

/// A channel that already holds `values` and is closed.
fn numbers(values: &[i32]) -> Receiver<i32> {
    let (tx, rx) = chan::bounded(values.len());
    for &v in values {
        tx.send(v).unwrap();
    }
    rx // dropping tx closes the channel: the receiver drains the values, then Closed
}

/// A duration rounded to whole milliseconds, for printing.
fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}
