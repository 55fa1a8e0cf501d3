//! Duplicate call suppression (golang.org/x/sync/singleflight).
//!
//! A [`Group`] runs a function once per key at a time: callers that ask for a key
//! whose call is in flight wait for it and share its result instead of running their
//! own (say, many requests for one cache entry that just expired).
//!
//! | Go (`golang.org/x/sync/singleflight`) | gosync |
//! |----|--------|
//! | `var g singleflight.Group` | `let g = Group::<K, V>::new();` |
//! | `v, err, shared := g.Do(key, fn)` | `let (v, shared) = g.do_call(key, f);` (`V` may be a `Result`) |
//! | `g.Forget(key)` | `g.forget(&key)` |
//! | a panic in `fn` reaches every caller | the same: every waiting caller panics |
//!
//! ```
//! use gosync::singleflight::Group;
//! use gosync::Mutex;
//!
//! let loads = Mutex::new(0);
//! let cache: Group<&str, String> = Group::new();
//! std::thread::scope(|s| {
//!     for _ in 0..4 {
//!         s.spawn(|| {
//!             let (v, _shared) = cache.do_call("config", || {
//!                 *loads.lock() += 1;
//!                 String::from("loaded")
//!             });
//!             assert_eq!(v, "loaded");
//!         });
//!     }
//! });
//! // Between 1 and 4 loads, by how the threads overlapped; never more than one at once.
//! assert!((1..=4).contains(&*loads.lock()));
//! ```

use crate::facade::{Arc, AtomicUsize, Mutex, Ordering};
use crate::sync::WaitGroup;
use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::panic::{self, AssertUnwindSafe};

/// Runs one call per key at a time; duplicate callers share its result
/// (Go's `singleflight.Group`).
///
/// Differences from Go: `f` returns any `V: Clone` (use a `Result` for Go's `err`);
/// there is no `DoChan` (call `do_call` from a thread of your own).
///
/// ```
/// use gosync::singleflight::Group;
/// let g = Group::new();
/// let (v, shared) = g.do_call(1, || "one");
/// assert_eq!((v, shared), ("one", false)); // nobody else asked meanwhile
/// ```
pub struct Group<K, V> {
    /// The calls in flight, by key. A call is removed when it ends (or by `forget`).
    calls: Mutex<HashMap<K, Arc<Call<V>>>>,
}

/// One call in flight.
struct Call<V> {
    /// Callers that joined it (only incremented under the group's lock, while the call
    /// is in the map; so final once the call has left the map).
    dups: AtomicUsize,
    /// Done when `outcome` is set.
    done: WaitGroup,
    /// Set by the caller that ran `f`, before `done`; read by the others after it.
    outcome: Mutex<Option<Outcome<V>>>,
}

/// How a call ended, as the duplicate callers see it.
enum Outcome<V> {
    /// `f` returned this (only stored when someone joined).
    Value(V),
    /// `f` panicked; the payload, when it was a string.
    Panicked(Option<Payload>),
}

/// A copy of a string panic payload.
#[derive(Clone)]
enum Payload {
    Static(&'static str),
    Owned(String),
}

impl<K, V> fmt::Debug for Group<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("in_flight", &self.calls.lock().len())
            .finish()
    }
}

impl<K, V> Default for Group<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> Group<K, V> {
    /// An empty group.
    ///
    /// ```
    /// let g: gosync::singleflight::Group<String, u32> = gosync::singleflight::Group::new();
    /// assert_eq!(g.do_call("a".into(), || 1).0, 1);
    /// ```
    pub fn new() -> Self {
        Group {
            calls: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Group<K, V> {
    /// Runs `f` for `key`, unless a call for `key` is in flight: then waits for it and
    /// returns a clone of its result instead, without running `f`. `shared` is `true`
    /// when the result went to more than one caller (for the caller that ran `f` too).
    ///
    /// If the call's function panics, the caller that ran it gets the panic as it was,
    /// and every caller that waited on it panics too (with the same message when the
    /// payload was a string); the key is free again, so a later call runs anew.
    ///
    /// ```
    /// use gosync::singleflight::Group;
    /// use gosync::Mutex;
    ///
    /// let g = Group::new();
    /// let runs = Mutex::new(0);
    /// let fetch = || {
    ///     g.do_call("user:42", || {
    ///         *runs.lock() += 1;
    ///         std::thread::sleep(std::time::Duration::from_millis(10));
    ///         String::from("Gopher")
    ///     })
    /// };
    /// std::thread::scope(|s| {
    ///     let a = s.spawn(fetch);
    ///     let b = s.spawn(fetch);
    ///     let (a, b) = (a.join().unwrap(), b.join().unwrap());
    ///     assert_eq!((a.0.as_str(), b.0.as_str()), ("Gopher", "Gopher"));
    ///     // Overlapping callers ran `f` once and both see `shared`.
    ///     let overlapped = *runs.lock() == 1;
    ///     assert_eq!(a.1, overlapped);
    ///     assert_eq!(b.1, overlapped);
    /// });
    /// ```
    pub fn do_call(&self, key: K, f: impl FnOnce() -> V) -> (V, bool) {
        let mut calls = self.calls.lock();
        if let Some(call) = calls.get(&key) {
            call.dups.fetch_add(1, Ordering::Relaxed);
            let call = call.clone();
            drop(calls);
            call.done.wait();
            let outcome = call.outcome.lock();
            return match &*outcome {
                Some(Outcome::Value(v)) => (v.clone(), true),
                Some(Outcome::Panicked(p)) => {
                    let p = p.clone();
                    drop(outcome);
                    resume(p)
                }
                None => unreachable!("bug: a singleflight call ended with no outcome"),
            };
        }
        let call = Arc::new(Call {
            dups: AtomicUsize::new(0),
            done: WaitGroup::new(),
            outcome: Mutex::new(None),
        });
        call.done.add(1);
        calls.insert(key.clone(), call.clone());
        drop(calls);

        let result = panic::catch_unwind(AssertUnwindSafe(f));

        let mut calls = self.calls.lock();
        if calls.get(&key).is_some_and(|c| Arc::ptr_eq(c, &call)) {
            calls.remove(&key);
        }
        // Final: the call has left the map (here or by `forget`), so nobody joins now.
        let dups = call.dups.load(Ordering::Relaxed);
        drop(calls);
        match result {
            Ok(v) => {
                if dups > 0 {
                    *call.outcome.lock() = Some(Outcome::Value(v.clone()));
                }
                call.done.done();
                (v, dups > 0)
            }
            Err(payload) => {
                *call.outcome.lock() = Some(Outcome::Panicked(string_payload(&*payload)));
                call.done.done();
                panic::resume_unwind(payload)
            }
        }
    }

    /// Forgets the call in flight for `key`, if any: later callers run their own `f`
    /// instead of waiting for it (those already waiting still get its result).
    ///
    /// ```
    /// use gosync::singleflight::Group;
    /// let g = Group::new();
    /// g.forget(&"nothing in flight"); // fine
    /// let (v, _) = g.do_call("k", || {
    ///     g.forget(&"k"); // from inside the call: the next caller runs anew
    ///     let (inner, shared) = g.do_call("k", || 2);
    ///     assert_eq!((inner, shared), (2, false));
    ///     1
    /// });
    /// assert_eq!(v, 1);
    /// ```
    pub fn forget(&self, key: &K) {
        let removed = self.calls.lock().remove(key);
        drop(removed);
    }
}

/// A copy of the payload, when it is a string.
fn string_payload(payload: &(dyn Any + Send)) -> Option<Payload> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(Payload::Static(s))
    } else {
        payload
            .downcast_ref::<String>()
            .cloned()
            .map(Payload::Owned)
    }
}

/// Panics in a caller that waited on a call whose function panicked.
fn resume(p: Option<Payload>) -> ! {
    match p {
        Some(Payload::Static(s)) => panic::resume_unwind(Box::new(s)),
        Some(Payload::Owned(s)) => panic::resume_unwind(Box::new(s)),
        None => panic!("gosync: the singleflight function for this key panicked"),
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;
    use crate::chan;

    /// Exact duplicate suppression: the duplicates are seen to have joined (their
    /// count on the call) before the call is let finish, so `f` ran exactly once and
    /// everyone shared its result.
    #[test]
    fn duplicates_that_joined_share_one_call() {
        let n = if cfg!(miri) { 3 } else { 8 };
        let g: Group<u8, String> = Group::new();
        let (started_tx, started) = chan::bounded::<()>(0);
        let (finish_tx, finish) = chan::bounded::<()>(0);
        let joined = || {
            g.calls
                .lock()
                .get(&1)
                .map_or(0, |c| c.dups.load(Ordering::Relaxed))
        };
        std::thread::scope(|s| {
            let first = s.spawn(|| {
                g.do_call(1, || {
                    started_tx.send(()).unwrap();
                    finish.recv().unwrap();
                    String::from("v")
                })
            });
            started.recv().unwrap();
            let dups: Vec<_> = (1..n)
                .map(|_| s.spawn(|| g.do_call(1, || unreachable!("joined: must not run"))))
                .collect();
            while joined() < n - 1 {
                std::thread::yield_now();
            }
            finish_tx.send(()).unwrap();
            assert_eq!(first.join().unwrap(), (String::from("v"), true));
            for d in dups {
                assert_eq!(d.join().unwrap(), (String::from("v"), true));
            }
        });
        assert!(g.calls.lock().is_empty());
    }
}

/// Loom model: a caller that joins a call in flight gets the result the runner
/// produced (published by the `WaitGroup`), or, arriving after it ended, runs its own.
#[cfg(all(test, gosync_loom))]
mod loom_tests {
    use super::*;
    use crate::facade::Arc;

    #[test]
    fn shared_result_reaches_the_joiner() {
        loom::model(|| {
            let g = Arc::new(Group::<u8, u32>::new());
            let g2 = g.clone();
            let joiner = loom::thread::spawn(move || g2.do_call(1, || 2));
            let (v, shared) = g.do_call(1, || 1);
            let (w, shared2) = joiner.join().unwrap();
            assert_eq!(shared, shared2);
            if shared {
                assert_eq!(v, w, "a shared call has one result");
            } else {
                assert_eq!((v, w), (1, 2));
            }
            assert!(g.calls.lock().is_empty());
        });
    }
}
