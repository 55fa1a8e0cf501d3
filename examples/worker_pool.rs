//! A worker pool: a bounded work queue, a results channel, and a `Pool` of scratch
//! buffers that the workers reuse instead of allocating one per job.
//!
//! ```go
//! jobs := make(chan Job, workers)     // bounded: the producer waits when it is full
//! results := make(chan Result, workers)
//! bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
//! for w := 0; w < workers; w++ {
//!     go func() {
//!         for j := range jobs {
//!             b := bufs.Get().(*bytes.Buffer)
//!             b.Reset()
//!             results <- process(j, b)
//!             bufs.Put(b)
//!         }
//!     }()
//! }
//! ```
//!
//! Each job renders a block of bytes into a scratch buffer and checksums it. The main
//! thread checks every checksum against a sequential computation, and each buffer
//! carries its own use counter, so the program can show how often each was reused and
//! check that no two jobs ever had the same buffer at once.
//!
//! ```text
//! cargo run --example worker_pool             # 200 jobs, 4 workers
//! cargo run --example worker_pool -- 5000 8   # 5000 jobs, 8 workers
//! ```

use gosync::chan::{self, TrySendError};
use gosync::{Mutex, Pool, WaitGroup};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread;

/// A unit of work: render `len` bytes from `seed`, then checksum them.
#[derive(Clone, Copy, Debug)]
struct Job {
    id: usize,
    seed: u64,
    len: usize,
}

#[derive(Debug)]
struct Outcome {
    job: usize,
    worker: usize,
    checksum: u64,
    /// Which buffer the job used, and how many jobs that buffer had served, this one
    /// included.
    buffer: usize,
    use_number: u32,
}

/// A scratch buffer that knows who it is and how often it has been handed out.
struct Buffer {
    id: usize,
    data: Vec<u8>,
    uses: u32,
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>()
            .expect("usage: worker_pool [JOBS] [WORKERS]")
    });
    let jobs_n = args.next().unwrap_or(200);
    let workers = args.next().unwrap_or(4).max(1);
    println!(
        "{jobs_n} jobs, {workers} workers, a work queue of {workers}, a pool of scratch buffers"
    );

    // Go's sync.Pool{New: ...}: `new` runs only when no idle buffer is found.
    let created = Arc::new(Mutex::new(0usize));
    let pool = {
        let created = Arc::clone(&created);
        Pool::new(move || {
            let mut n = created.lock();
            *n += 1;
            Buffer {
                id: *n,
                data: Vec::new(),
                uses: 0,
            }
        })
    };

    let all_jobs: Vec<Job> = (0..jobs_n)
        .map(|id| Job {
            id,
            seed: 0x9E37_79B9_7F4A_7C15 ^ id as u64,
            len: 1024 + (id * 7919) % 15_000,
        })
        .collect();

    let (jobs_tx, jobs) = chan::bounded::<Job>(workers); // the bounded work queue
    let (results_tx, results) = chan::bounded::<Outcome>(workers);
    let wg = WaitGroup::new();
    let mut outcomes = Vec::with_capacity(jobs_n);
    let mut producer_waits = 0;
    thread::scope(|s| {
        for worker in 0..workers {
            let (jobs, results_tx, pool) = (jobs.clone(), results_tx.clone(), &pool);
            wg.go(s, move || {
                for job in &jobs {
                    let mut buf = pool.get(); // an idle buffer, or a new one
                    buf.uses += 1;
                    buf.data.clear(); // reused buffers keep their capacity
                    render(&job, &mut buf.data);
                    let outcome = Outcome {
                        job: job.id,
                        worker,
                        checksum: fnv1a(&buf.data),
                        buffer: buf.id,
                        use_number: buf.uses,
                    };
                    drop(buf); // back to the pool (Go: bufs.Put(b)) before we block
                    results_tx.send(outcome).unwrap();
                }
            });
        }
        // The workers hold the only senders now: when the last one finishes, `results`
        // closes and the collecting loop below ends.
        drop(results_tx);

        // The producer: when the queue holds `workers` jobs it has to wait (it counts
        // how often), so it never runs more than a queue's length ahead of the workers.
        let producer_jobs = all_jobs.clone();
        let producer = s.spawn(move || {
            let mut waited = 0;
            for job in producer_jobs {
                if let Err(TrySendError::Full(job)) = jobs_tx.try_send(job) {
                    waited += 1;
                    jobs_tx.send(job).unwrap(); // blocks until a worker takes a job
                }
            }
            waited
            // dropping jobs_tx closes the queue: the workers' loops end
        });
        for outcome in &results {
            outcomes.push(outcome);
        }
        producer_waits = producer.join().unwrap();
        wg.wait(); // already zero: the results closed only after every worker ended
    });
    assert!(jobs.is_empty() && jobs.is_closed());

    // Every job answered once, with the right checksum.
    assert_eq!(outcomes.len(), jobs_n);
    let mut seen = vec![false; jobs_n];
    let mut per_worker = vec![0usize; workers];
    let mut scratch = Vec::new();
    for o in &outcomes {
        assert!(!seen[o.job], "job {} answered twice", o.job);
        seen[o.job] = true;
        per_worker[o.worker] += 1;
        scratch.clear();
        render(&all_jobs[o.job], &mut scratch);
        assert_eq!(o.checksum, fnv1a(&scratch), "job {}: wrong checksum", o.job);
    }
    println!("all {jobs_n} checksums match a sequential run; jobs per worker: {per_worker:?}");
    println!("the producer found the queue full {producer_waits} times and waited for a worker");

    // Each buffer's use numbers must be exactly 1, 2, …, k: a buffer handed to two
    // jobs at once would show a number twice.
    let mut uses: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for o in &outcomes {
        uses.entry(o.buffer).or_default().push(o.use_number);
    }
    for (id, nums) in &mut uses {
        nums.sort_unstable();
        let k = nums.len() as u32;
        assert_eq!(*nums, (1..=k).collect::<Vec<_>>(), "buffer {id} was shared");
    }
    let created = *created.lock();
    assert_eq!(uses.len(), created, "every buffer made was used");
    let reused = jobs_n - created;
    println!(
        "pool: {created} buffers made for {jobs_n} jobs, so {reused} jobs ({:.1}%) reused a buffer",
        100.0 * reused as f64 / jobs_n.max(1) as f64
    );
    for (id, nums) in uses.iter().take(8) {
        let n = nums.len();
        println!(
            "  buffer {id:>2}: {n:>4} jobs {}",
            "▇".repeat((40 * n).div_ceil(jobs_n))
        );
    }
    if uses.len() > 8 {
        println!("  … and {} more", uses.len() - 8);
    }
    println!("all checks passed");
}

/// Renders a job's bytes: a simple deterministic generator (xorshift) from its seed.
fn render(job: &Job, out: &mut Vec<u8>) {
    let mut x = job.seed | 1;
    out.extend((0..job.len).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 56) as u8
    }));
}

/// The FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
