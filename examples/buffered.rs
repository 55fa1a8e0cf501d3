//! Buffered channels: a queue with a capacity, and what happens at the edges.
//!
//! ```go
//! ch := make(chan int, 2)
//! ch <- 1
//! ch <- 2
//! fmt.Println(<-ch)
//! fmt.Println(<-ch)
//! ```
//!
//! Three scenes:
//! 1. Go's tour: fill a buffer of two without any receiver; `len` and `cap` as it
//!    fills and drains; a non-blocking send on a full buffer hands the value back.
//! 2. Back-pressure: a fast producer runs ahead of a slow consumer by at most the
//!    capacity, then blocks in `send` until the consumer takes a value.
//! 3. A buffered channel as a counting semaphore: at most `K` workers in the
//!    critical section at once.
//!
//! ```text
//! cargo run --example buffered             # 12 workers through a semaphore of 3
//! cargo run --example buffered -- 100 8    # 100 workers, 8 at a time
//! ```

use gosync::chan::{self, TrySendError};
use gosync::{Mutex, WaitGroup};
use std::thread;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("usage: buffered [WORKERS] [SEMAPHORE_SIZE]")
    });
    let workers = args.next().unwrap_or(12);
    let k = args.next().unwrap_or(3).max(1);

    scene_one();
    scene_two();
    scene_three(workers, k);
    println!("\nall checks passed");
}

fn scene_one() {
    println!("1. a buffer of 2, no receiver needed until it is full");
    let (tx, rx) = chan::bounded::<i32>(2); // Go: ch := make(chan int, 2)
    let show = |what: &str| {
        println!(
            "   {what:<28} len={} cap={:?} full={}",
            rx.len(),
            rx.capacity(),
            rx.is_full()
        );
    };
    show("empty:");
    tx.send(1).unwrap(); // would block forever on an unbuffered channel
    show("after send(1):");
    tx.send(2).unwrap();
    show("after send(2):");
    assert!(tx.is_full());
    match tx.try_send(3) {
        Err(TrySendError::Full(v)) => {
            assert_eq!(v, 3);
            println!("   try_send(3) -> Err(Full(3)): no room, and the 3 came back");
        }
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(rx.recv(), Ok(1)); // Go: fmt.Println(<-ch)
    show("after recv() -> 1:");
    assert_eq!(rx.recv(), Ok(2));
    show("after recv() -> 2:");
    assert!(rx.is_empty());
}

fn scene_two() {
    const CAP: usize = 3;
    const N: u32 = 8;
    println!(
        "\n2. back-pressure: a producer of {N} values, a buffer of {CAP}, a consumer that waits"
    );
    let (tx, rx) = chan::bounded::<u32>(CAP);
    let producer = thread::spawn(move || {
        for i in 1..=N {
            tx.send(i).unwrap(); // blocks while the buffer is full
        }
    });
    // Without any receive the producer gets exactly CAP values ahead, then parks in
    // send. Wait for that state (no sleeping: ask the channel who is parked).
    while rx.waiting_senders() == 0 {
        thread::yield_now();
    }
    assert_eq!(rx.len(), CAP);
    println!(
        "   the producer filled the buffer ({} of {CAP}) and is blocked in send",
        rx.len()
    );
    let mut got = Vec::new();
    while let Ok(v) = rx.recv() {
        got.push(v);
        assert!(rx.len() <= CAP);
    }
    producer.join().unwrap();
    println!("   the consumer drained it in order: {got:?}");
    assert_eq!(got, (1..=N).collect::<Vec<_>>());
}

fn scene_three(workers: usize, k: usize) {
    println!("\n3. a buffered channel of {k} as a semaphore for {workers} workers");
    // Go: sem := make(chan struct{}, k); sem <- struct{}{} to acquire, <-sem to release
    let (acquire, release) = chan::bounded::<()>(k);
    // (inside, most inside at once)
    let inside = Mutex::new((0usize, 0usize));
    let wg = WaitGroup::new();
    thread::scope(|s| {
        for _ in 0..workers {
            let (acquire, release, inside) = (&acquire, &release, &inside);
            wg.go(s, move || {
                acquire.send(()).unwrap(); // blocks while k workers are inside
                {
                    let mut g = inside.lock();
                    g.0 += 1;
                    g.1 = g.1.max(g.0);
                    assert!(g.0 <= k, "{} workers inside a semaphore of {k}", g.0);
                }
                thread::yield_now(); // "work", so that others pile up at the door
                inside.lock().0 -= 1;
                release.recv().unwrap();
            });
        }
        wg.wait();
    });
    let (now, max) = *inside.lock();
    assert_eq!(now, 0);
    assert!(max <= k && (workers == 0 || max >= 1));
    assert!(acquire.is_empty());
    println!("   all {workers} workers done; at most {max} were ever inside at once (limit {k})");
}
