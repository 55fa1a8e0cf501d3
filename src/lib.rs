//! # gosync — Go's concurrency toolbox for OS threads
//!
//! Channels with Go's semantics, built the way Go's runtime builds them (`hchan`: a
//! lock-guarded ring buffer, FIFO queues of waiters that live on blocked threads'
//! stacks, and direct hand-off to a parked peer); a fair [`select!`]; and Go's `sync`
//! package — with Rust's safety on top: errors hand values back, dropping the last
//! handle closes, locks own the data they guard.
//!
//! ```
//! use gosync::{chan, select, WaitGroup};
//! use std::thread;
//!
//! let (jobs_tx, jobs) = chan::bounded::<u64>(8);     // Go: jobs := make(chan uint64, 8)
//! let (results_tx, results) = chan::unbounded();
//! let (quit_tx, quit) = chan::bounded::<()>(0);
//! let wg = WaitGroup::new();                           // Go: var wg sync.WaitGroup
//! thread::scope(|s| {
//!     for _ in 0..3 {
//!         let (jobs, results_tx, quit) = (&jobs, &results_tx, &quit);
//!         wg.go(s, move || loop {                      // Go: wg.Go(func() { for { select {
//!             select! {
//!                 recv(jobs) -> n => match n {
//!                     Ok(n) => results_tx.send(n * n).unwrap(),
//!                     Err(_) => return,                // closed and drained
//!                 },
//!                 recv(quit) -> _ => return,           // Go: case <-quit: return
//!             }
//!         });
//!     }
//!     for n in 1..=10 {
//!         jobs_tx.send(n).unwrap();                    // Go: jobs <- n
//!     }
//!     jobs_tx.close();                                 // Go: close(jobs)
//!     wg.wait();                                       // Go: wg.Wait()
//! });
//! drop((results_tx, quit_tx));
//! assert_eq!(results.iter().sum::<u64>(), 385);        // Go: for r := range results
//! ```
//!
//! # A tour
//!
//! ## Channels — [`chan`]
//!
//! [`chan::bounded(n)`](chan::bounded) is Go's `make(chan T, n)`, with `n == 0` the
//! unbuffered rendezvous; [`chan::unbounded()`](chan::unbounded) has no Go
//! equivalent. The two ends are separate types, [`Sender`] and [`Receiver`] (Go's
//! `chan<- T` and `<-chan T`), both `Clone`, so any number of threads may send and
//! receive. A send blocks until a receiver takes the value or the buffer has room; a
//! receive blocks until there is a value. [`Sender::close`](chan::Sender::close), or
//! dropping the last `Sender`, closes the channel: receivers drain what is buffered,
//! then get [`RecvError`](chan::RecvError), so `for v in &rx` ends — Go's `range`.
//! Every blocking operation has `try_*`, `*_timeout` and `*_deadline` forms, and every
//! error that stops a send hands the value back.
//!
//! ## Select — [`select!`], [`Select`], timers ([module docs](mod@select))
//!
//! [`select!`] waits on several sends and receives at once and completes exactly
//! one: a uniformly random one among those ready, as Go does (or the first, with
//! [`select_biased!`]). `default => …` makes it non-blocking and `default(d) => …`
//! gives it a timeout. A case whose operand is `None` is never ready — Go's nil
//! channel — so a loop can switch cases off. Timers are receivers:
//! [`chan::after(d)`](chan::after) (Go's `time.After`), [`chan::at(t)`](chan::at),
//! [`chan::tick(d)`](chan::tick) (Go's `time.Tick`), and [`chan::never()`](chan::never)
//! is never ready; none needs a background thread. [`Select`] builds the list of
//! cases at run time (Go's `reflect.Select`). The [`select` module docs](mod@select)
//! walk through timeouts, nil cases and quit channels, with the Go code side by side.
//!
//! ## Sync — [`WaitGroup`], [`Mutex`], [`RwMutex`], [`Cond`], [`Once`], [`OnceValue`], [`Pool`] ([module docs](mod@sync))
//!
//! Go's `sync` package, built on gosync's own parking (not on std's locks), with Go's
//! fairness: a [`Mutex`] waiter that has waited about 1 ms gets the lock handed to it;
//! [`RwMutex`] is writer-preferring; [`Cond`] wakes in FIFO order. The locks own
//! their data and unlock when the guard drops, and nothing is poisoned.
//! [`WaitGroup::go`] is Go 1.25's `wg.Go`: a scoped thread counted by the group.
//! [`Pool`] is a typed `sync.Pool` whose idle values are cached near the thread that
//! returned them. The [`sync` module docs](mod@sync) have the full Go → gosync table.
//!
//! ## Context and errgroup — [`context`], [`errgroup`]
//!
//! Go's `context` package: [`context::background()`] and the contexts derived from
//! it with [`with_cancel`](context::Context::with_cancel),
//! [`with_timeout`](context::Context::with_timeout) and the rest form cancellation
//! trees; [`done()`](context::Context::done) is a receiver closed on cancel, so it
//! is a case in [`select!`] like any other, and
//! [`Receiver::recv_ctx`], [`Sender::send_ctx`] and [`WaitGroup::wait_ctx`] give up
//! when their context is cancelled. [`errgroup::Group`] runs scoped tasks and stops
//! at the first error (x/sync's `errgroup`).
//!
//! ## Async — [`chan::future`]
//!
//! With the `async` cargo feature (on by default; no executor dependency) the same
//! channels serve async tasks, on any executor: [`Sender::send_async`],
//! [`Receiver::recv_async`], [`Receiver::stream`] (a `Stream`), [`Sender::sink`] (a
//! `Sink`), [`Select::wait_async`], and [`WaitGroup::wait_async`]. Threads and tasks
//! may share a channel on both sides — a parked task and a parked thread wait in one
//! queue, in arrival order — and every future is cancel-safe: dropping one inside
//! `tokio::select!` loses no value. The futures are `Send` when their values are; a
//! select's future is `Send` when it was built with [`Select::new_sendable`], whose
//! closures must be `Send`. The [`chan::future`] chapter has the details.
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
//! ## Examples
//!
//! The `examples/` directory holds the programs Go programmers learn concurrency
//! from, each checking its own results; run one with `cargo run --release --example
//! NAME` (most take a size as an argument), or all with `bash .ci/examples.sh`:
//!
//! | example | shows |
//! |---------|-------|
//! | `prime_sieve` | the concurrent prime sieve: a daisy chain of filter threads |
//! | `hello_waitgroup` | many threads joined with a [`WaitGroup`], the Go way and with `wg.go` |
//! | `range_and_close` | `range` over a channel; what a closed channel does |
//! | `buffered` | capacity, `len`/`cap`, back-pressure, a channel as a semaphore |
//! | `ownership` | the owner creates, writes and closes; consumers get only a [`Receiver`] |
//! | `select_timeout` | `after`, `default`, a `tick`-driven loop, nil cases with `None` |
//! | `echo_server` | a TCP server, a thread per connection, graceful shutdown with a quit channel |
//! | `pipeline` | stages, fan-out, fan-in with `select!`, cancellation through `done`, no leaks |
//! | `context_pipeline` | a pipeline cancelled through a [`context`]: by its consumer, a deadline, an [`errgroup`] error |
//! | `worker_pool` | a bounded work queue, a results channel, a [`Pool`] of reused buffers |
//! | `boids` | a flock with a thread per bird, an [`RwMutex`] world, a barrier from [`Cond`]; ASCII or SVG |
//!
//! # Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `go f()` | `std::thread::spawn(f)`, or `wg.go(scope, f)` inside `std::thread::scope` |
//! | `ch := make(chan T)` | `let (tx, rx) = chan::bounded::<T>(0);` |
//! | `ch := make(chan T, n)` | `let (tx, rx) = chan::bounded::<T>(n);` |
//! | — | `let (tx, rx) = chan::unbounded::<T>();` |
//! | `chan<- T`, `<-chan T` | [`Sender<T>`], [`Receiver<T>`] |
//! | `ch <- v` | `tx.send(v)?` (`Err(SendError(v))` hands `v` back if closed) |
//! | `v := <-ch` | `let v = rx.recv()?;` |
//! | `v, ok := <-ch` | `match rx.recv() { Ok(v) => …, Err(RecvError) => … /* !ok */ }` |
//! | `close(ch)` | `tx.close()` (`false` if already closed), or drop every `Sender` |
//! | `for v := range ch` | `for v in &rx` / `rx.iter()` |
//! | `len(ch)`, `cap(ch)` | `rx.len()`, `rx.capacity()` (`None` = unbounded) |
//! | `var ch chan T` (nil) | `chan::never::<T>()`; in a select, a `None` operand |
//! | `select { case v, ok := <-ch: … }` | `select! { recv(rx) -> v => …, }` (`v: Result<T, RecvError>`) |
//! | `case ch <- v:` | `send(tx, v) -> res => …,` (`res: Result<(), SendError<T>>`) |
//! | `default:` | `default => …,` |
//! | `select {}` | `select! {}` |
//! | `ch = nil` to switch a case off | `let mut ch = Some(rx); … ch = None;` with `recv(ch)` |
//! | `select` with one case and `default` | `tx.try_send(v)`, `rx.try_recv()` |
//! | `case <-time.After(d):` | `recv(chan::after(d)) -> _ => …,` or `default(d) => …,` |
//! | `time.NewTimer(d).C` | `chan::after(d)`, `chan::at(instant)` |
//! | `time.Tick(d)`, `time.NewTicker(d).C` | `chan::tick(d)` |
//! | `time.NewTimer(d)` with `Stop` / `Reset` | [`chan::Timer`]`::new(d)`: `receiver()`, `stop()`, `reset(d)` (Go 1.23 semantics) |
//! | `time.NewTicker(d)` with `Stop` / `Reset` | [`chan::Ticker`]`::new(d)`: `receiver()`, `stop()`, `reset(d)` |
//! | `time.AfterFunc(d, f)` | [`chan::after_func(d, f)`](chan::after_func) |
//! | `semaphore.NewWeighted(n)` (x/sync) | [`semaphore::Weighted`]`::new(n)`: `acquire`, `try_acquire`, `acquire_timeout`, `acquire_async`, `release` |
//! | `singleflight.Group` (x/sync): `Do`, `Forget` | [`singleflight::Group`]: `do_call`, `forget` |
//! | timing out one send / receive | `tx.send_timeout(v, d)`, `rx.recv_timeout(d)`, `*_deadline` |
//! | `reflect.Select(cases)` | `Select::new().recv(&rx, f).send(&tx, v, g).wait()` |
//! | `var wg sync.WaitGroup`; `Add`, `Done`, `Wait` | `WaitGroup::new()`; `add`, `done`, `wait` (and `wait_timeout`) |
//! | `wg.Go(f)` (Go 1.25) | `wg.go(scope, f)` |
//! | `sync.Mutex` + the data it guards | `Mutex::new(data)`; `let g = m.lock();` unlocks when `g` drops |
//! | `mu.TryLock()` | `m.try_lock()` → `Option<MutexGuard>` |
//! | `sync.RWMutex`: `RLock`, `Lock` | `RwMutex::new(data)`: `read()`, `write()` (and `try_*`) |
//! | `sync.NewCond(&mu)`; `Wait`, `Signal`, `Broadcast` | `Cond::new()`; `g = c.wait(g)`, `signal()`, `broadcast()` |
//! | `sync.Once`; `once.Do(f)` | `Once::new()`; `once.call_once(f)` |
//! | `sync.OnceValue(f)` | `OnceValue::new(f)`; `v.get()` or `*v` |
//! | `sync.Pool{New: f}`; `Get`, `Put` | `Pool::new(f)`; `get()` (returned on drop), `put(v)` |
//! | `context.WithCancel(parent)`, `WithTimeout`, `<-ctx.Done()` | `parent.with_cancel()`, `with_timeout(d)`, `recv(ctx.done())` ([`context`] has the full table) |
//! | `errgroup.WithContext(ctx)`; `g.Go(f)`; `g.Wait()` | `errgroup::Group::with_context(&ctx)`; `g.go(scope, f)`; `g.wait()` |
//!
//! # Differences from Go
//!
//! - **Errors instead of panics.** Sending on a closed channel returns
//!   `Err(SendError(v))` with the value; closing twice returns `false`. Go panics in
//!   both cases. A `select!` send case on a closed channel is ready and its arm gets
//!   the error.
//! - **Dropping closes.** Dropping the last `Sender` closes the channel, so a thread
//!   that returns or panics cannot leave its receivers waiting forever. Dropping the
//!   last `Receiver` makes every pending and later send fail with its value (Go
//!   would block those senders forever: a goroutine leak), and drops what was
//!   buffered.
//! - **No goroutines.** These are OS threads: blocking parks the thread (after a
//!   spin whose length each thread learns from its recent waits), and a million of them is not a good idea. A thread per connection
//!   or per worker is fine; for very many tasks, use the [async API](chan::future)
//!   from an executor.
//! - **Ownership.** A `Mutex` owns the data it guards and is unlocked by dropping its
//!   guard, so "unlock of unlocked mutex" cannot be written; `Cond::wait` takes and
//!   gives back the guard. No lock is poisoned by a panic (as in Go).
//! - **Misuse is reported**: a negative `WaitGroup` counter panics with a message
//!   that says so; a `Once` called from its own `f` panics instead of deadlocking.
//!
//! # Memory model
//!
//! gosync keeps Go's memory model for every primitive, so the reasoning of a Go
//! program carries over ("A happens-before B": everything written before A is visible
//! after B):
//!
//! - A send on a channel happens-before the matching receive completes — between
//!   threads, between tasks, and between a thread and a task.
//! - Closing a channel happens-before a receive that returns `Err(RecvError)` because
//!   the channel is closed.
//! - On an unbuffered channel, a receive happens-before the matching send completes.
//! - An unlock of a [`Mutex`] happens-before the next lock of it returns (for an
//!   [`RwMutex`]: a write unlock before every later lock; a read unlock before the
//!   next write lock).
//! - A [`WaitGroup::done`] happens-before the [`WaitGroup::wait`] it releases
//!   returns.
//! - The return of `f` in [`Once::call_once(f)`](Once::call_once) happens-before any
//!   `call_once` on that `Once` returns.

#![cfg_attr(docsrs, feature(doc_cfg))]
// The tour links to the async chapter and methods, which exist only with the `async`
// feature; the default and docs.rs builds (which have it) still check every link.
#![cfg_attr(not(feature = "async"), allow(rustdoc::broken_intra_doc_links))]

mod facade;
mod park;

pub mod chan;
pub mod context;
pub mod debug;
pub mod errgroup;
pub mod select;
pub mod semaphore;
pub mod singleflight;
pub mod sync;

pub use chan::{bounded, unbounded, Receiver, Sender};
pub use select::Select;
pub use sync::{
    Cond, Mutex, MutexGuard, Once, OnceValue, Pool, Pooled, RwMutex, RwMutexReadGuard,
    RwMutexWriteGuard, WaitGroup,
};

#[doc(hidden)]
pub use select::private as __private;
