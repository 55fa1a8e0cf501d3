//! Go's `sync` package for OS threads: [`WaitGroup`], [`Mutex`], [`RwMutex`],
//! [`Cond`], [`Once`], [`OnceValue`] and [`Pool`].
//!
//! Each keeps Go's contract (and Go's vocabulary), dressed in Rust's ownership: the
//! locks own the data they guard and unlock when their guard drops; `Once` and
//! `OnceValue` hand out `&T`; `Pool` hands out a guard that returns its value. All
//! are re-exported at the crate root.
//!
//! ```
//! use gosync::{Mutex, WaitGroup};
//! use std::thread;
//!
//! // var mu sync.Mutex; var wg sync.WaitGroup; total := 0
//! let total = Mutex::new(0);
//! let wg = WaitGroup::new();
//! thread::scope(|s| {
//!     for i in 1..=10 {
//!         wg.go(s, { let total = &total; move || *total.lock() += i });   // wg.Go(func() { ... })
//!     }
//!     wg.wait();                                                          // wg.Wait()
//! });
//! assert_eq!(*total.lock(), 55);
//! ```
//!
//! ## Go → gosync
//!
//! | Go | gosync |
//! |----|--------|
//! | `var wg sync.WaitGroup` | `let wg = WaitGroup::new();` |
//! | `wg.Add(n)`, `wg.Done()`, `wg.Wait()` | `wg.add(n)`, `wg.done()`, `wg.wait()` (also `wait_timeout`, and `wait_async` for tasks) |
//! | `wg.Go(f)` (Go 1.25) | `wg.go(scope, f)` inside `std::thread::scope` |
//! | `var mu sync.Mutex` + the data | `let m = Mutex::new(data);` |
//! | `mu.Lock(); …; mu.Unlock()` | `let mut g = m.lock(); …` (unlocks when `g` drops) |
//! | `mu.TryLock()` | `m.try_lock()` → `Option<MutexGuard>` |
//! | `mu.RLock()` / `mu.Lock()` on an `RWMutex` | `rw.read()` / `rw.write()` (also `try_read`, `try_write`) |
//! | `c := sync.NewCond(&mu)` | `let c = Cond::new();` (the mutex is passed to `wait`) |
//! | `for !ok { c.Wait() }` | `g = c.wait_while(g, \|d\| !ok(d));` or `while … { g = c.wait(g) }` |
//! | `c.Signal()`, `c.Broadcast()` | `c.signal()`, `c.broadcast()` |
//! | `var once sync.Once; once.Do(f)` | `static ONCE: Once = Once::new(); ONCE.call_once(f)` |
//! | `v := sync.OnceValue(f); v()` | `let v = OnceValue::new(f); v.get()` (or `*v`) |
//! | `p := sync.Pool{New: f}` | `let p = Pool::new(f);` (or `Pool::with_max_idle(n, f)`) |
//! | `x := p.Get().(*T); …; p.Put(x)` | `let x = p.get(); …` (returned when `x` drops), or `p.put(v)` |
//!
//! ## How they are built
//!
//! None uses std's locks. Each is one atomic state word (a table of its states heads
//! each file) with a fast path of one atomic operation, and a `#[cold]` slow path that
//! spins a little and then parks the thread on gosync's address-keyed wait table (Go's
//! `sema.go`): threads park on the address of the word they wait for, FIFO per
//! address, and the check-then-sleep is atomic with respect to the change-then-wake
//! because both run under the table's bucket lock.
//!
//! ## Differences from Go
//!
//! - No poisoning anywhere, as in Go: a panic while a lock is held releases it (the
//!   guard drops during unwinding); a panic inside `Once::call_once` still completes
//!   the `Once`; a panicking `OnceValue` initializer makes every later `get` panic.
//! - Misuse that deadlocks or corrupts state in Go is reported: a negative
//!   `WaitGroup` counter panics with `"gosync: negative WaitGroup counter"`, a
//!   re-entrant `call_once` panics instead of deadlocking, and unlocking an unlocked
//!   mutex cannot be written at all.
//! - `Pool` is typed, bounded if you ask (`with_max_idle`), and never emptied by a
//!   garbage collector.
//! - Fairness is Go's: a `Mutex` waiter that has waited more than about 1 ms switches
//!   the mutex to hand-off (starvation) mode; `RwMutex` is writer-preferring; `Cond`
//!   wakes waiters in FIFO order.
//!
//! ## Differences from std
//!
//! - `Mutex::lock`, `RwMutex::read`/`write` return guards, not `LockResult`s (no
//!   poisoning).
//! - `Cond::wait` never wakes spuriously, and `signal` wakes the longest waiter.
//! - `Mutex`, `RwMutex`, `Cond`, `WaitGroup`, `Once` and `OnceValue` have `const fn
//!   new`, take a word of state or less (`WaitGroup` 8 bytes, `Mutex` 1 byte), and never
//!   allocate.
//!
//! ## Memory model
//!
//! As in Go: an unlock happens-before the next lock of the same mutex (or the next
//! write lock of an `RwMutex`, and a write unlock before every later read lock); a
//! `done` happens-before the `wait` it releases returns; `f`'s return in
//! `Once::call_once(f)` happens-before any `call_once` on that `Once` returns; a
//! `signal`/`broadcast` that wakes a waiter happens-before that waiter's `wait`
//! returns.

mod cond;
mod mutex;
mod once;
mod pool;
mod rwmutex;
mod waitgroup;

pub use cond::Cond;
pub use mutex::{Mutex, MutexGuard};
pub use once::{Once, OnceValue};
pub use pool::{Pool, Pooled};
pub use rwmutex::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard};
pub(crate) use waitgroup::Interrupt;
pub use waitgroup::WaitGroup;
#[cfg(feature = "async")]
pub use waitgroup::WaitGroupFuture;

/// Spends one step of a lock waiter's spin-then-yield budget; `false` once spent
/// (then park). Never spins under loom, where a spin only multiplies the
/// interleavings and would let the models skip the park / wake-up / hand-off paths
/// they are there to check.
#[inline]
fn spin(budget: &mut crate::park::spin::SpinWait) -> bool {
    !cfg!(gosync_loom) && budget.spin()
}

/// How long a lock waiter may wait before the lock switches to hand-off (Go's
/// `starvationThresholdNs`, 1 ms).
const STARVATION_THRESHOLD: std::time::Duration = std::time::Duration::from_millis(1);
