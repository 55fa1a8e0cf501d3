//! # gosync — Go's concurrency toolbox for OS threads
//!
//! Channels with Go's semantics, built the way Go's runtime builds them (`hchan`: a
//! lock-guarded ring buffer, FIFO queues of waiters that live on blocked threads'
//! stacks, and direct hand-off to a parked peer), with Rust's safety on top: errors
//! hand values back, and dropping the last handle closes.
//!
//! ```
//! use gosync::chan;
//! use std::thread;
//!
//! let (jobs_tx, jobs) = chan::bounded::<u64>(8);
//! let (results_tx, results) = chan::unbounded();
//! let workers: Vec<_> = (0..3)
//!     .map(|_| {
//!         let (jobs, results_tx) = (jobs.clone(), results_tx.clone());
//!         thread::spawn(move || {
//!             for n in &jobs {
//!                 results_tx.send(n * n).unwrap();
//!             }
//!         })
//!     })
//!     .collect();
//! drop(results_tx);
//! for n in 1..=10 {
//!     jobs_tx.send(n).unwrap();
//! }
//! drop(jobs_tx); // close: the workers' loops end
//! let total: u64 = results.iter().sum();
//! assert_eq!(total, 385);
//! for w in workers {
//!     w.join().unwrap();
//! }
//! ```
//!
//! ## Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `ch := make(chan T)` | `let (tx, rx) = chan::bounded::<T>(0);` |
//! | `ch := make(chan T, n)` | `let (tx, rx) = chan::bounded::<T>(n);` |
//! | — | `let (tx, rx) = chan::unbounded::<T>();` |
//! | `ch <- v` | `tx.send(v)?` (`Err` hands `v` back if closed) |
//! | `v := <-ch` | `let v = rx.recv()?;` |
//! | `v, ok := <-ch` | `match rx.recv() { Ok(v) => …, Err(RecvError) => … }` |
//! | `select { case v := <-ch: … default: … }` | `rx.try_recv()` |
//! | `close(ch)` | `tx.close()` or drop every `Sender` |
//! | `for v := range ch` | `for v in &rx` / `rx.iter()` |
//! | `len(ch)`, `cap(ch)` | `rx.len()`, `rx.capacity()` |
//! | `var ch chan T` (nil) | `chan::never::<T>()` |
//!
//! ## Differences from Go
//!
//! - Misuse that panics in Go returns an error here and hands the value back: sending
//!   on a closed channel gives `Err(SendError(v))`; closing twice returns `false`.
//! - Dropping the last `Sender` closes the channel; dropping the last `Receiver` makes
//!   every send fail (with its value) and drops what was buffered.
//! - There are no goroutines: these are OS threads.
//!
//! ## Async
//!
//! With the `async` feature (on by default) the same channels serve async tasks, on
//! any executor: [`Sender::send_async`], [`Receiver::recv_async`], streams and sinks.
//! Threads and tasks may share a channel on both sides, and every future is cancel
//! safe (dropping one inside `tokio::select!` loses no value). The chapter is
//! [`chan::future`].
//!
//! ```
//! # #[cfg(feature = "async")] {
//! let (tx, rx) = gosync::chan::bounded(0);
//! let worker = std::thread::spawn(move || tx.send("from a thread").unwrap());
//! let got = futures::executor::block_on(rx.recv_async()); // received by a task
//! assert_eq!(got, Ok("from a thread"));
//! worker.join().unwrap();
//! # }
//! ```
//!
//! ## Memory model
//!
//! A send happens-before the corresponding receive completes (everything the sender
//! wrote before `send` is visible to the receiver after `recv`), as in Go. The same
//! holds between threads and tasks, in either direction.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod facade;
mod park;

pub mod chan;
pub mod select;
pub mod sync;

pub use chan::{bounded, unbounded, Receiver, Sender};
pub use select::Select;
pub use sync::{
    Cond, Mutex, MutexGuard, Once, OnceValue, Pool, Pooled, RwMutex, RwMutexReadGuard,
    RwMutexWriteGuard, WaitGroup,
};

#[doc(hidden)]
pub use select::private as __private;
