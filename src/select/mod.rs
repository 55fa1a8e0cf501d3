//! Select: wait on several channel operations at once (Go's `select` statement).
//!
//! [`select!`](crate::select!) takes a fixed list of cases written in the source,
//! [`select_biased!`](crate::select_biased!) the same with source-order preference,
//! and [`Select`] a list of cases built at run time (Go's `reflect.Select`). All three
//! run the same engine, Go's `selectgo`:
//!
//! 1. Every operand and send value is evaluated once, in source order. A `None`
//!    operand is Go's nil channel: the case is left out.
//! 2. The cases are polled in a random order (uniform over all permutations), with
//!    the locks of all their distinct channels held at once (taken in address order,
//!    so two selects over the same channels cannot deadlock): the first case that can
//!    proceed completes — a receive takes a value, or a send hands its value to a
//!    waiting receiver or the buffer — and its arm runs.
//! 3. If none can, `default` runs; or the select parks: one waiter per case is linked
//!    into its channel's queue, all sharing one "selected" word. The first peer to
//!    claim that word (one CAS) completes its case and wakes the select; peers that
//!    find the word already claimed skip the select's other waiters. On waking, the
//!    select unlinks its remaining waiters and runs the chosen arm.
//!
//! Timers ([`chan::after`](crate::chan::after), [`chan::at`](crate::chan::at),
//! [`chan::tick`](crate::chan::tick)) take part as receive cases without any
//! background thread: a parked select sets its wake-up time to the earliest timer
//! deadline among its cases, and [`chan::never`](crate::chan::never) is never ready.
//!
//! # Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `select { case v, ok := <-ch: … }` | `select! { recv(rx) -> v => …, }` (`v: Result<T, RecvError>`) |
//! | `case ch <- v:` | `send(tx, v) -> res => …` (`res: Result<(), SendError<T>>`) |
//! | `default:` | `default => …` |
//! | `case <-time.After(d):` | `recv(chan::after(d)) -> _ => …` or `default(d) => …` |
//! | `case <-ticker.C:` | `recv(ticker) -> _ => …` with `let ticker = chan::tick(d);` |
//! | `ch = nil` (switch a case off) | `let mut ch = Some(rx); … ch = None;` and `recv(ch)` |
//! | `select {}` | `select! {}` |
//! | `reflect.Select(cases)` | `Select::new().recv(&rx, f).send(&tx, v, g).wait()` |
//!
//! # Timeouts
//!
//! Go:
//!
//! ```go
//! select {
//! case res := <-results:
//!     fmt.Println(res)
//! case <-time.After(50 * time.Millisecond):
//!     fmt.Println("timeout")
//! }
//! ```
//!
//! gosync, with a timer case (a timer is an ordinary receiver, so it can also be
//! shared by the iterations of a loop as one overall deadline):
//!
//! ```
//! use gosync::{chan, select};
//! use std::time::Duration;
//!
//! let (_tx, results) = chan::bounded::<String>(1); // nothing will arrive
//! let outcome = select! {
//!     recv(results) -> res => res.unwrap(),
//!     recv(chan::after(Duration::from_millis(5))) -> _ => "timeout".to_string(),
//! };
//! assert_eq!(outcome, "timeout");
//! ```
//!
//! or with `default(timeout)` (a `Duration`, or an `Instant` as a deadline):
//!
//! ```
//! use gosync::{chan, select};
//! use std::time::{Duration, Instant};
//!
//! let (tx, results) = chan::bounded::<u32>(1);
//! tx.send(7).unwrap();
//! let outcome = select! {
//!     recv(results) -> res => Some(res.unwrap()),
//!     default(Duration::from_millis(50)) => None,
//! };
//! assert_eq!(outcome, Some(7));
//!
//! // One deadline shared by the iterations of a loop.
//! let deadline = Instant::now() + Duration::from_millis(20);
//! let mut got = Vec::new();
//! tx.send(8).unwrap();
//! loop {
//!     select! {
//!         recv(results) -> res => got.push(res.unwrap()),
//!         default(deadline) => break,
//!     }
//! }
//! assert_eq!(got, [8]);
//! ```
//!
//! # Switching cases off: a nil-ing loop
//!
//! Go merges two channels until both are closed by setting each to `nil` once it
//! closes:
//!
//! ```go
//! for a != nil || b != nil {
//!     select {
//!     case v, ok := <-a:
//!         if !ok { a = nil; continue }
//!         sum += v
//!     case v, ok := <-b:
//!         if !ok { b = nil; continue }
//!         sum += v
//!     }
//! }
//! ```
//!
//! In gosync the operand is an `Option<Receiver<T>>`, and `None` plays `nil`:
//!
//! ```
//! use gosync::{chan, select};
//! use std::thread;
//!
//! let (a_tx, a_rx) = chan::bounded(0);
//! let (b_tx, b_rx) = chan::bounded(0);
//! thread::spawn(move || (1..=3).for_each(|v| a_tx.send(v).unwrap()));
//! thread::spawn(move || (10..=12).for_each(|v| b_tx.send(v).unwrap()));
//!
//! let (mut a, mut b) = (Some(a_rx), Some(b_rx));
//! let mut sum = 0;
//! while a.is_some() || b.is_some() {
//!     select! {
//!         recv(a) -> v => match v {
//!             Ok(v) => sum += v,
//!             Err(_) => a = None,
//!         },
//!         recv(b) -> v => match v {
//!             Ok(v) => sum += v,
//!             Err(_) => b = None,
//!         },
//!     }
//! }
//! assert_eq!(sum, 1 + 2 + 3 + 10 + 11 + 12);
//! ```
//!
//! # A quit channel
//!
//! A worker serves requests until told to stop; closing the quit channel reaches
//! every worker at once, because a receive on a closed channel is always ready:
//!
//! ```
//! use gosync::{chan, select};
//! use std::thread;
//!
//! let (jobs_tx, jobs) = chan::bounded::<u64>(0);
//! let (quit_tx, quit) = chan::bounded::<()>(0);
//! let (done_tx, done) = chan::unbounded();
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let (jobs, quit, done_tx) = (jobs.clone(), quit.clone(), done_tx.clone());
//!         thread::spawn(move || {
//!             let mut served = 0;
//!             loop {
//!                 select! {
//!                     recv(jobs) -> job => {
//!                         done_tx.send(job.unwrap() * 2).unwrap();
//!                         served += 1;
//!                     }
//!                     recv(quit) -> _ => return served,
//!                 }
//!             }
//!         })
//!     })
//!     .collect();
//! for j in 1..=10 {
//!     jobs_tx.send(j).unwrap();
//! }
//! quit_tx.close(); // Go: close(quit)
//! let served: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
//! assert_eq!(served, 10);
//! drop(done_tx);
//! assert_eq!(done.iter().sum::<u64>(), 110);
//! ```
//!
//! # Fairness and cost
//!
//! The poll order is a uniform random permutation from a fast per-thread generator,
//! so every ready case is chosen with equal probability wherever it sits in the list
//! (not "a random start, then in order", which would favour a case that follows a
//! run of blocked ones). A select of up to 16 cases allocates nothing: its cases and
//! waiters live on the caller's stack.
//!
//! # Differences from Go
//!
//! - A send on a closed channel does not panic: the case is ready and its arm gets
//!   `Err(SendError(value))` back.
//! - Arms name their outcome with `-> pattern` (`Result`s), instead of `v, ok :=`.

mod arms;
mod builder;
mod engine;
#[cfg(feature = "async")]
mod future;
mod handle;
mod macros;
#[doc(hidden)]
pub mod private;
mod rng;
mod spare;

pub use builder::{Kind, Local, Select, Sendable};
