//! A rate-limited worker pool: jobs start at most once per tick of a `Ticker`, and a
//! weighted semaphore bounds the work in flight (heavy jobs take more permits).
//!
//! ```go
//! limiter := time.NewTicker(every)              // one job start per tick
//! defer limiter.Stop()
//! sem := semaphore.NewWeighted(capacity)        // at most `capacity` units in flight
//! results := make(chan result)
//! for _, j := range jobs {
//!     <-limiter.C
//!     sem.Acquire(ctx, j.weight)               // waits while the pool is full
//!     go func(j job) {
//!         defer sem.Release(j.weight)
//!         results <- run(j)
//!     }(j)
//! }
//! ```
//!
//! The program checks its own results: every job ran once with the right answer, the
//! units in flight never exceeded the capacity, no two jobs started within one tick
//! (each start took a tick of its own), and the semaphore is whole at the end.
//!
//! ```text
//! cargo run --example rate_limited_pool                # 40 jobs, a tick per ms, capacity 4
//! cargo run --example rate_limited_pool -- 200 500 6   # 200 jobs, a tick per 500 µs, capacity 6
//! ```

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Ticker};
use gosync::semaphore::Weighted;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// A job: a number to crunch, and how many units of the pool it needs.
#[derive(Clone, Copy, Debug)]
struct Job {
    id: usize,
    weight: u64,
}

/// The work: a small computation whose answer the main thread can check.
fn run(job: Job) -> u64 {
    let x = run_answer(job);
    thread::sleep(Duration::from_micros(300 * job.weight)); // some waiting, as real work has
    x
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("numbers"));
    let jobs = args.next().unwrap_or(40) as usize;
    let every = Duration::from_micros(args.next().unwrap_or(1000));
    let capacity = args.next().unwrap_or(4).max(2);

    let jobs: Vec<Job> = (0..jobs)
        .map(|id| Job {
            id,
            weight: if id % 5 == 0 { 2 } else { 1 }, // every fifth job is heavy
        })
        .collect();

    let limiter = Ticker::new(every);
    let sem = Weighted::new(capacity);
    let in_flight = AtomicU64::new(0);
    let peak = AtomicU64::new(0);
    let (results_tx, results) = chan::unbounded::<(usize, u64)>();
    let start = Instant::now();
    let mut ticks = Vec::with_capacity(jobs.len());

    thread::scope(|s| {
        for &job in &jobs {
            ticks.push(limiter.receiver().recv().expect("a ticker never closes")); // <-limiter.C
            sem.acquire(job.weight); // sem.Acquire(ctx, weight)
            let now = in_flight.fetch_add(job.weight, Ordering::SeqCst) + job.weight;
            peak.fetch_max(now, Ordering::SeqCst);
            let (sem, in_flight, results_tx) = (&sem, &in_flight, results_tx.clone());
            s.spawn(move || {
                let answer = run(job);
                in_flight.fetch_sub(job.weight, Ordering::SeqCst);
                sem.release(job.weight); // defer sem.Release(weight)
                results_tx.send((job.id, answer)).unwrap();
            });
        }
    });
    limiter.stop();
    drop(results_tx);
    let elapsed = start.elapsed();

    let mut got: Vec<(usize, u64)> = results.iter().collect();
    got.sort_unstable();
    assert_eq!(got.len(), jobs.len(), "every job ran once");
    for (job, (id, answer)) in jobs.iter().zip(&got) {
        assert_eq!(*id, job.id);
        assert_eq!(*answer, run_answer(*job), "job {id}");
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        peak <= capacity,
        "{peak} units in flight, capacity {capacity}"
    );
    assert!(
        ticks.windows(2).all(|w| w[1] > w[0]),
        "two jobs started on one tick"
    );
    assert!(sem.try_acquire(capacity), "every permit came back");
    assert!(limiter.receiver().try_recv().is_err(), "no tick after stop");
    println!(
        "{} jobs, one start per {:?}, capacity {capacity}: peak {peak} units in flight, {:?} in all",
        jobs.len(),
        every,
        elapsed
    );
}

/// The answer `run` gives, without the sleep.
fn run_answer(job: Job) -> u64 {
    let mut x = job.id as u64 + 1;
    for _ in 0..10_000 * job.weight {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
    x
}
