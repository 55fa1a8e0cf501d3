//! Many threads, joined with a `WaitGroup` — Go's first concurrency program.
//!
//! ```go
//! var wg sync.WaitGroup
//! for i := 1; i <= 8; i++ {
//!     wg.Add(1)
//!     go func() {
//!         defer wg.Done()
//!         fmt.Println("hello from worker", i)
//!     }()
//! }
//! wg.Wait()
//! ```
//!
//! Part 1 writes it the Go way (`add` before starting, `done` when finished); part 2
//! uses `wg.go`, Go 1.25's `WaitGroup.Go`, which does both for you and counts the
//! task done even if it panics. The workers greet in whatever order the OS runs them:
//! run it twice and compare.
//!
//! ```text
//! cargo run --example hello_waitgroup          # 8 workers
//! cargo run --example hello_waitgroup -- 100   # 100 workers
//! ```

use gosync::{Mutex, WaitGroup};
use std::sync::Arc;
use std::thread;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("usage: hello_waitgroup [WORKERS]"))
        .unwrap_or(8);

    // ---- Part 1: add / done / wait, with threads that own a share of the group ----
    println!("part 1: {n} workers, wg.add(1) before each spawn, wg.done() at the end");
    let wg = Arc::new(WaitGroup::new());
    let greeted = Arc::new(Mutex::new(Vec::new())); // who said hello, in order
    let mut handles = Vec::with_capacity(n);
    for id in 1..=n {
        wg.add(1); // before the spawn, so wait() cannot see zero too early
        let (wg, greeted) = (Arc::clone(&wg), Arc::clone(&greeted));
        handles.push(thread::spawn(move || {
            greeted.lock().push(id);
            if n <= 16 {
                println!("  hello from worker {id}");
            }
            wg.done(); // Go: defer wg.Done()
        }));
    }
    wg.wait(); // every worker has called done: all the hellos are in
    let order = greeted.lock().clone();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=n).collect::<Vec<_>>(),
        "each worker greets once"
    );
    println!(
        "wg.wait() returned: all {n} workers said hello ({})",
        if order == sorted {
            "this time in spawn order".to_string()
        } else {
            format!("in the order {}", preview(&order))
        }
    );
    // `done` says the work is finished, not that the thread is gone: join to be sure
    // nothing is left running.
    for h in handles {
        h.join().unwrap();
    }

    // ---- Part 2: wg.go inside a thread scope (Go 1.25's wg.Go) ----
    println!("part 2: {n} workers started with wg.go, each adding its number to a sum");
    let wg = WaitGroup::new();
    let sum = Mutex::new(0usize);
    thread::scope(|s| {
        for id in 1..=n {
            let sum = &sum;
            wg.go(s, move || *sum.lock() += id);
        }
        wg.wait();
        // An unlock happens-before the next lock, and every done happens-before wait
        // returns: the sum is complete here, with no thread still adding.
        let total = *sum.lock();
        assert_eq!(total, n * (n + 1) / 2);
        println!("wg.wait() returned: 1 + 2 + … + {n} = {total}");
    }); // the scope joins every thread it started
    println!("all {} threads finished", 2 * n);
}

/// The first few elements of `v`, for a short line.
fn preview(v: &[usize]) -> String {
    let head: Vec<String> = v.iter().take(12).map(|x| x.to_string()).collect();
    if v.len() > 12 {
        format!("{} …", head.join(" "))
    } else {
        head.join(" ")
    }
}
