//! `Once` and `OnceValue`: Go's `sync.Once` and `sync.OnceValue`.
//!
//! # State word
//!
//! One `AtomicU8`:
//!
//! | bits                   | meaning                                                 |
//! |------------------------|---------------------------------------------------------|
//! | `0`                    | incomplete: the first caller to CAS in `RUNNING` runs `f` |
//! | `RUNNING`              | a thread runs `f`; its identity is not published yet    |
//! | `RUNNING \| OWNER`     | ... and `runner` holds its thread id (written once)     |
//! | `... \| PARKED`        | callers are parked until `f` returns                    |
//! | `COMPLETE`             | done (also after `f` panicked): the one-load fast path  |
//!
//! A caller that finds `RUNNING | OWNER` with its own thread id in `runner` is `f`
//! calling back into its own `Once`: it panics rather than park forever.

use crate::facade::{const_fn, thread, AtomicU8, Ordering, UnsafeCell};
use crate::park::table;
use std::any::Any;
use std::fmt;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};

const RUNNING: u8 = 1;
const OWNER: u8 = 2;
const PARKED: u8 = 4;
const COMPLETE: u8 = 8;

/// Runs a function exactly once: Go's `sync.Once`.
///
/// # Go → gosync
///
/// ```go
/// var once sync.Once
/// once.Do(setup)
/// once.Do(setup) // does nothing
/// ```
///
/// ```
/// use gosync::{Mutex, Once};
///
/// static SETUP: Once = Once::new();
/// static CALLS: Mutex<u32> = Mutex::new(0);
///
/// let setup = || {
///     *CALLS.lock() += 1;
/// };
/// SETUP.call_once(setup);
/// SETUP.call_once(setup); // does nothing
/// assert_eq!(*CALLS.lock(), 1);
/// ```
///
/// # Differences from Go
///
/// - Calling `call_once` from inside its own `f` panics with a message saying so
///   (Go deadlocks).
/// - Otherwise the same: concurrent callers wait until `f` has returned, and a
///   panicking `f` still completes the `Once`.
///
/// # Differences from `std::sync::Once`
///
/// - No poisoning: if `f` panics, the panic reaches the caller that ran it and the
///   `Once` counts as done; later calls return at once (std poisons and panics).
/// - `call_once` takes `&self` from any thread and needs no `'static`.
pub struct Once {
    /// `RUNNING | OWNER | PARKED | COMPLETE` (state table in the module docs).
    state: AtomicU8,
    /// The running thread's id: written once, by the runner, before it sets `OWNER`;
    /// read only by callers that have seen `OWNER`.
    runner: UnsafeCell<Option<thread::ThreadId>>,
}

// SAFETY: `runner` is written once, before `OWNER` is published with Release, and
// read only after an Acquire load sees `OWNER`; it is never written again.
unsafe impl Sync for Once {}
// SAFETY: a `Once` owns nothing thread-bound (a thread id is plain data).
unsafe impl Send for Once {}

impl Once {
    const_fn! {
        /// A new `Once` that has not run. `const`, so it can initialise a `static`.
        ///
        /// ```
        /// static INIT: gosync::Once = gosync::Once::new();
        /// assert!(!INIT.is_completed());
        /// ```
        pub fn new() -> Self {
            Once {
                state: AtomicU8::new(0),
                runner: UnsafeCell::new(None),
            }
        }
    }

    /// Calls `f` if and only if this is the first `call_once` on this `Once` (Go's
    /// `Do`). Concurrent callers block until `f` has returned, and everything `f` did
    /// is visible to them afterwards.
    ///
    /// If `f` panics, the panic propagates to this caller and the `Once` still counts
    /// as done (Go's behaviour): later calls return without running anything.
    ///
    /// # Panics
    ///
    /// If called from inside its own `f` (which would otherwise deadlock), and if `f`
    /// panics.
    ///
    /// ```
    /// use gosync::{Mutex, Once};
    /// use std::thread;
    ///
    /// let once = Once::new();
    /// let log = Mutex::new(Vec::new());
    /// thread::scope(|s| {
    ///     for i in 0..4 {
    ///         let (once, log) = (&once, &log);
    ///         s.spawn(move || once.call_once(|| log.lock().push(i)));
    ///     }
    /// });
    /// assert_eq!(log.lock().len(), 1);
    /// ```
    #[inline]
    pub fn call_once(&self, f: impl FnOnce()) {
        if self.is_completed() {
            return;
        }
        let mut f = Some(f);
        self.call_once_slow(&mut || {
            if let Some(f) = f.take() {
                f();
            }
        });
    }

    /// Whether a `call_once` has finished running `f` (returned or panicked).
    ///
    /// ```
    /// let once = gosync::Once::new();
    /// assert!(!once.is_completed());
    /// once.call_once(|| {});
    /// assert!(once.is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        // ORDERING: Acquire pairs with the runner's Release swap to COMPLETE.
        self.state.load(Ordering::Acquire) == COMPLETE
    }

    fn key(&self) -> usize {
        &self.state as *const AtomicU8 as usize
    }

    #[cold]
    fn call_once_slow(&self, f: &mut dyn FnMut()) {
        let _rec = crate::park::record::blocking(crate::park::record::What::Once(
            crate::park::record::What::addr(self),
        ));
        // ORDERING: Acquire, as in `is_completed`, for every load here that may see
        // COMPLETE or OWNER.
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state == COMPLETE {
                return;
            }
            if state == 0 {
                match self.state.compare_exchange_weak(
                    0,
                    RUNNING,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return self.run(f),
                    Err(s) => {
                        state = s;
                        continue;
                    }
                }
            }
            if state & OWNER != 0 {
                // SAFETY: OWNER was published (Release) after `runner` was written,
                // and `runner` is never written again.
                let runner = self.runner.with(|p| unsafe { *p });
                if runner == Some(thread::current().id()) {
                    panic!(
                        "gosync: Once::call_once called from inside its own function \
                         (recursive initialisation would deadlock)"
                    );
                }
            }
            if state & PARKED == 0 {
                if let Err(s) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    state = s;
                    continue;
                }
            }
            // The runner's completion swaps the state under no lock but unparks under
            // the bucket lock: either we see COMPLETE here or it sees us queued.
            table::park(
                self.key(),
                0,
                || self.state.load(Ordering::Relaxed) != COMPLETE,
                None,
                |_| {},
            );
            state = self.state.load(Ordering::Acquire);
        }
    }

    /// Runs `f` as the winner of the `0 → RUNNING` race.
    fn run(&self, f: &mut dyn FnMut()) {
        // SAFETY: only the winner of the CAS writes `runner`, once, before publishing
        // OWNER; nobody reads it before seeing OWNER.
        self.runner
            .with_mut(|p| unsafe { *p = Some(thread::current().id()) });
        // ORDERING: Release publishes `runner` to callers that see OWNER.
        self.state.fetch_or(OWNER, Ordering::Release);
        // A panicking `f` still completes the `Once` (no poisoning). The panic is
        // caught and resumed rather than completing from a drop guard, so that the
        // wake-up below never runs during unwinding.
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        // ORDERING: Release pairs with the Acquire load of every later caller: what
        // `f` did is visible once they see COMPLETE.
        let prev = self.state.swap(COMPLETE, Ordering::Release);
        if prev & PARKED != 0 {
            table::unpark_all(self.key(), 0);
        }
        if let Err(payload) = result {
            panic::resume_unwind(payload);
        }
    }
}

impl Default for Once {
    /// Same as [`Once::new`].
    ///
    /// ```
    /// let once: gosync::Once = Default::default();
    /// assert!(!once.is_completed());
    /// ```
    fn default() -> Self {
        Once::new()
    }
}

impl fmt::Debug for Once {
    /// Shows whether it has completed.
    ///
    /// ```
    /// let once = gosync::Once::new();
    /// assert_eq!(format!("{once:?}"), "Once { completed: false }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("completed", &self.is_completed())
            .finish()
    }
}

/// What an [`OnceValue`] holds, moving left to right exactly once.
enum Slot<T, F> {
    /// Not run yet: the initializer.
    Init(F),
    /// Initialised.
    Ready(T),
    /// The initializer panicked, with this message if its payload was a string.
    Panicked(Option<String>),
}

/// A value computed on first use, exactly once: Go's `sync.OnceValue`.
///
/// `get` (or deref) runs the initializer on the first call; every call, from any
/// thread, gets the same value.
///
/// # Go → gosync
///
/// ```go
/// var config = sync.OnceValue(func() Config { return load() })
/// c := config()
/// ```
///
/// ```
/// use gosync::OnceValue;
///
/// static CONFIG: OnceValue<Vec<String>> = OnceValue::new(|| vec!["fast".into()]);
///
/// assert_eq!(CONFIG.get()[0], "fast");
/// assert_eq!(CONFIG.len(), 1); // Deref
/// ```
///
/// # Differences from Go
///
/// - The value is borrowed (`&T`), not copied out.
/// - Like Go's, a panicking initializer makes every later `get` panic too: with the
///   original message when the payload was a string, else with a message saying that
///   the initializer panicked (Go re-panics with the same value).
///
/// # Differences from `std::sync::LazyLock`
///
/// - A panicking initializer is remembered and reported on every later call (std
///   poisons with a generic message).
/// - A `get` from inside the initializer panics with a clear message.
pub struct OnceValue<T, F = fn() -> T> {
    once: Once,
    /// Written only by the thread running `once`'s function; read only after `once`
    /// completes.
    slot: UnsafeCell<Slot<T, F>>,
}

// SAFETY: `T` is made on one thread and shared with all (`Send + Sync`); `F` is moved
// to whichever thread runs it (`Send`). The slot is written only inside the `Once`,
// and read only after it completed (Acquire), so no access races.
unsafe impl<T: Send + Sync, F: Send> Sync for OnceValue<T, F> {}
// SAFETY: moving the whole thing moves a `T` or an `F`.
unsafe impl<T: Send, F: Send> Send for OnceValue<T, F> {}

impl<T, F: FnOnce() -> T> OnceValue<T, F> {
    const_fn! {
        /// A value that `f` computes on the first [`get`](OnceValue::get). `const`, so
        /// it can initialise a `static`.
        ///
        /// ```
        /// use gosync::OnceValue;
        ///
        /// let answer = OnceValue::new(|| 6 * 7);
        /// assert_eq!(*answer, 42);
        /// ```
        pub fn new(f: F) -> Self {
            OnceValue {
                once: Once::new(),
                slot: UnsafeCell::new(Slot::Init(f)),
            }
        }
    }

    /// The value, computing it on the first call (Go's call of the function that
    /// `OnceValue` returned). Concurrent first callers block until it is ready.
    ///
    /// # Panics
    ///
    /// If the initializer panics: the first caller gets the original panic, and
    /// every later call panics too (with the original message if it was a string).
    ///
    /// ```
    /// use gosync::OnceValue;
    /// use std::thread;
    ///
    /// let table = OnceValue::new(|| (0..10).map(|i| i * i).collect::<Vec<u32>>());
    /// thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| assert_eq!(table.get()[3], 9));
    ///     }
    /// });
    /// ```
    ///
    /// ```
    /// use gosync::OnceValue;
    /// use std::panic::{catch_unwind, AssertUnwindSafe};
    ///
    /// let broken: OnceValue<u8> = OnceValue::new(|| panic!("no config file"));
    /// assert!(catch_unwind(AssertUnwindSafe(|| *broken.get())).is_err());
    /// let again = catch_unwind(AssertUnwindSafe(|| *broken.get())).unwrap_err();
    /// assert_eq!(again.downcast_ref::<String>().unwrap(), "no config file");
    /// ```
    pub fn get(&self) -> &T {
        self.once.call_once(|| self.initialize());
        // SAFETY: the `Once` completed (Acquire), so the slot was written for good
        // and is only read from now on.
        match self.slot.with(|p| unsafe { &*p }) {
            Slot::Ready(value) => value,
            Slot::Panicked(Some(message)) => panic!("{message}"),
            Slot::Panicked(None) => panic!("gosync: OnceValue initializer panicked"),
            Slot::Init(_) => unreachable!("bug: OnceValue read before initialisation"),
        }
    }

    /// Runs the initializer (inside the `Once`), recording its value or its panic.
    fn initialize(&self) {
        // SAFETY: inside the `Once`'s function: the only thread touching the slot.
        let slot = self
            .slot
            .with_mut(|p| unsafe { std::mem::replace(&mut *p, Slot::Panicked(None)) });
        let Slot::Init(f) = slot else {
            unreachable!("bug: OnceValue initializer taken twice");
        };
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => {
                // SAFETY: as above.
                self.slot.with_mut(|p| unsafe { *p = Slot::Ready(value) });
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                // SAFETY: as above.
                self.slot
                    .with_mut(|p| unsafe { *p = Slot::Panicked(message) });
                panic::resume_unwind(payload);
            }
        }
    }
}

/// The text of a panic payload, when it is a string.
fn panic_message(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some((*s).to_owned())
    } else {
        payload.downcast_ref::<String>().cloned()
    }
}

impl<T, F: FnOnce() -> T> Deref for OnceValue<T, F> {
    type Target = T;

    /// Same as [`OnceValue::get`].
    ///
    /// ```
    /// let v = gosync::OnceValue::new(|| String::from("go"));
    /// assert_eq!(v.len(), 2);
    /// ```
    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: fmt::Debug, F> fmt::Debug for OnceValue<T, F> {
    /// Shows the value once computed, else `<uninit>` (or `<panicked>`); never runs
    /// the initializer.
    ///
    /// ```
    /// let v = gosync::OnceValue::new(|| 1);
    /// assert_eq!(format!("{v:?}"), "OnceValue(<uninit>)");
    /// let _ = *v;
    /// assert_eq!(format!("{v:?}"), "OnceValue(1)");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = f.debug_tuple("OnceValue");
        if self.once.is_completed() {
            // SAFETY: completed (Acquire): the slot is read-only from now on.
            match self.slot.with(|p| unsafe { &*p }) {
                Slot::Ready(value) => t.field(value),
                _ => t.field(&format_args!("<panicked>")),
            };
        } else {
            t.field(&format_args!("<uninit>"));
        }
        t.finish()
    }
}
