//! The channel API contract (API.md, "Channels"): compile-time trait assertions for
//! every public channel type, the error types' traits, and the documented edge cases.
//!
//! This test binary installs a counting global allocator, so it can check that
//! channels of zero-sized values use no buffer memory.

#![allow(clippy::disallowed_types)] // a plain Cell for the allocation counter

use gosync::chan::{
    self, IntoIter, Iter, Receiver, RecvError, RecvTimeoutError, SendError, SendTimeoutError,
    Sender, TryIter, TryRecvError, TrySendError,
};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::error::Error;
use std::fmt::{Debug, Display};
use std::rc::Rc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const MIRI: bool = cfg!(miri);

fn wait_until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

fn make<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(c) => chan::bounded(c),
        None => chan::unbounded(),
    }
}

/// Every capacity class.
const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(5), None];

/// A type without `Debug` (but `Send + Sync`).
struct NoDebug;
/// `Send` but not `Sync`.
type SendNotSync = Cell<u8>;
/// Neither `Send` nor `Sync`.
type NotSend = Rc<u8>;

// ----- compile-time: auto traits and derived traits of every public type -----

assert_impl_all!(Sender<u8>: Send, Sync, Unpin, Clone, Debug);
assert_impl_all!(Receiver<u8>: Send, Sync, Unpin, Clone, Debug);
assert_impl_all!(Iter<'static, u8>: Send, Sync, Unpin, Debug, Iterator<Item = u8>);
assert_impl_all!(TryIter<'static, u8>: Send, Sync, Unpin, Debug, Iterator<Item = u8>);
assert_impl_all!(IntoIter<u8>: Send, Sync, Unpin, Debug, Iterator<Item = u8>);
assert_impl_all!(&'static Receiver<u8>: IntoIterator<Item = u8, IntoIter = Iter<'static, u8>>);
assert_impl_all!(Receiver<u8>: IntoIterator<Item = u8, IntoIter = IntoIter<u8>>);

// MPMC handles need only `T: Send` to be shared: values move, never are shared.
assert_impl_all!(Sender<SendNotSync>: Send, Sync, Clone);
assert_impl_all!(Receiver<SendNotSync>: Send, Sync, Clone);
assert_impl_all!(Iter<'static, SendNotSync>: Send, Sync);
assert_impl_all!(IntoIter<SendNotSync>: Send, Sync);

// ... and are neither `Send` nor `Sync` otherwise.
assert_not_impl_any!(Sender<NotSend>: Send, Sync);
assert_not_impl_any!(Receiver<NotSend>: Send, Sync);
assert_not_impl_any!(Iter<'static, NotSend>: Send, Sync);
assert_not_impl_any!(TryIter<'static, NotSend>: Send, Sync);
assert_not_impl_any!(IntoIter<NotSend>: Send, Sync);
// Still usable on one thread.
assert_impl_all!(Sender<NotSend>: Unpin, Clone, Debug);
assert_impl_all!(Receiver<NotSend>: Unpin, Clone, Debug);

// `Debug` never needs `T: Debug`.
assert_impl_all!(Sender<NoDebug>: Debug);
assert_impl_all!(Receiver<NoDebug>: Debug);
assert_impl_all!(Iter<'static, NoDebug>: Debug);
assert_impl_all!(TryIter<'static, NoDebug>: Debug);
assert_impl_all!(IntoIter<NoDebug>: Debug);

// Errors that carry the value: every trait the payload allows.
assert_impl_all!(SendError<u8>: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);
assert_impl_all!(TrySendError<u8>: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);
assert_impl_all!(SendTimeoutError<u8>: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);
assert_impl_all!(SendError<String>: Clone, PartialEq, Eq);
assert_not_impl_any!(SendError<String>: Copy);
assert_not_impl_any!(TrySendError<String>: Copy);
assert_not_impl_any!(SendTimeoutError<String>: Copy);
assert_impl_all!(SendError<NoDebug>: Debug, Display, Error, Send, Sync);
assert_impl_all!(TrySendError<NoDebug>: Debug, Display, Error, Send, Sync);
assert_impl_all!(SendTimeoutError<NoDebug>: Debug, Display, Error, Send, Sync);
assert_not_impl_any!(SendError<NoDebug>: Clone, PartialEq);
assert_not_impl_any!(SendError<NotSend>: Send, Sync);
assert_not_impl_any!(TrySendError<NotSend>: Send, Sync);
assert_not_impl_any!(SendTimeoutError<NotSend>: Send, Sync);

// Errors without a value.
assert_impl_all!(RecvError: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);
assert_impl_all!(TryRecvError: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);
assert_impl_all!(RecvTimeoutError: Send, Sync, Unpin, Clone, Copy, PartialEq, Eq, Debug, Display, Error);

// Root re-exports are the same items.
#[test]
fn root_reexports() {
    let (tx, rx): (gosync::Sender<u8>, gosync::Receiver<u8>) = gosync::bounded(1);
    let _: (chan::Sender<u8>, chan::Receiver<u8>) = (tx, rx);
    let (tx, rx): (Sender<u8>, Receiver<u8>) = gosync::unbounded();
    tx.send(1).unwrap();
    assert_eq!(rx.recv(), Ok(1));
}

// ----- a counting allocator, per thread (tests run on several threads at once) -----

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

fn count(bytes: usize) {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = ALLOCATED.try_with(|a| a.set(a.get() + bytes));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only a `Cell<usize>` thread-local (const-initialised, no destructor),
// which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size.saturating_sub(layout.size()));
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes this thread allocated while running `f`, and `f`'s result.
fn allocated_by<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATED.with(Cell::get);
    let r = f();
    (ALLOCATED.with(Cell::get) - before, r)
}

// ----- errors -----

#[test]
fn errors_hand_values_back() {
    assert_eq!(SendError(1).into_inner(), 1);
    assert_eq!(SendError(2).0, 2);
    assert_eq!(TrySendError::Full(3).into_inner(), 3);
    assert_eq!(TrySendError::Closed(4).into_inner(), 4);
    assert_eq!(SendTimeoutError::Timeout(5).into_inner(), 5);
    assert_eq!(SendTimeoutError::Closed(6).into_inner(), 6);
    // Values that are not Copy or Debug come back too.
    let s = String::from("not copied");
    let p = s.as_ptr();
    let back = TrySendError::Full(s).into_inner();
    assert_eq!(back.as_ptr(), p);
    let NoDebug = SendTimeoutError::Timeout(NoDebug).into_inner();
}

#[test]
fn error_predicates() {
    assert!(TrySendError::Full(()).is_full() && !TrySendError::Full(()).is_closed());
    assert!(TrySendError::Closed(()).is_closed() && !TrySendError::Closed(()).is_full());
    assert!(SendTimeoutError::Timeout(()).is_timeout());
    assert!(!SendTimeoutError::Timeout(()).is_closed());
    assert!(SendTimeoutError::Closed(()).is_closed());
    assert!(!SendTimeoutError::Closed(()).is_timeout());
    assert!(TryRecvError::Empty.is_empty() && !TryRecvError::Empty.is_closed());
    assert!(TryRecvError::Closed.is_closed() && !TryRecvError::Closed.is_empty());
    assert!(RecvTimeoutError::Timeout.is_timeout() && !RecvTimeoutError::Timeout.is_closed());
    assert!(RecvTimeoutError::Closed.is_closed() && !RecvTimeoutError::Closed.is_timeout());
}

/// Display: a plain lower-case sentence, one per situation, naming it.
#[test]
fn error_display() {
    fn text(e: &dyn Error) -> String {
        let s = e.to_string();
        assert!(!s.is_empty() && !s.ends_with('.'), "{s:?}");
        assert_eq!(s, s.to_lowercase(), "{s:?}");
        assert!(e.source().is_none());
        s
    }
    let closed = [
        text(&SendError(NoDebug)),
        text(&TrySendError::Closed(NoDebug)),
        text(&SendTimeoutError::Closed(NoDebug)),
        text(&RecvError),
        text(&TryRecvError::Closed),
        text(&RecvTimeoutError::Closed),
    ];
    for s in &closed {
        assert!(s.contains("closed"), "{s:?}");
    }
    let full = text(&TrySendError::Full(NoDebug));
    assert!(full.contains("full"), "{full:?}");
    let empty = text(&TryRecvError::Empty);
    assert!(
        empty.contains("empty") && !empty.contains("closed"),
        "{empty:?}"
    );
    for s in [
        text(&SendTimeoutError::Timeout(NoDebug)),
        text(&RecvTimeoutError::Timeout),
    ] {
        assert!(s.contains("timed out") && !s.contains("closed"), "{s:?}");
    }
    // Boxing into the usual error object works.
    let b: Box<dyn Error + Send + Sync> = Box::new(SendError(5u8));
    assert!(b.to_string().contains("closed"));
    let b: Box<dyn Error + Send + Sync> = TryRecvError::Empty.into();
    assert!(b.is::<TryRecvError>());
}

#[test]
fn error_debug_without_t_debug() {
    for s in [
        format!("{:?}", SendError(NoDebug)),
        format!("{:?}", TrySendError::Full(NoDebug)),
        format!("{:?}", TrySendError::Closed(NoDebug)),
        format!("{:?}", SendTimeoutError::Timeout(NoDebug)),
        format!("{:?}", SendTimeoutError::Closed(NoDebug)),
    ] {
        assert!(!s.is_empty());
    }
    // Variants are told apart.
    assert_ne!(
        format!("{:?}", TrySendError::Full(NoDebug)),
        format!("{:?}", TrySendError::Closed(NoDebug))
    );
    assert_ne!(
        format!("{:?}", SendTimeoutError::Timeout(NoDebug)),
        format!("{:?}", SendTimeoutError::Closed(NoDebug))
    );
    assert_ne!(
        format!("{:?}", TryRecvError::Empty),
        format!("{:?}", TryRecvError::Closed)
    );
    assert_ne!(
        format!("{:?}", RecvTimeoutError::Timeout),
        format!("{:?}", RecvTimeoutError::Closed)
    );
}

#[test]
fn error_clone_copy_eq() {
    let e = TrySendError::Full(7u32);
    let f = e; // Copy
    assert_eq!(e, f);
    assert_ne!(TrySendError::Full(7), TrySendError::Closed(7));
    assert_ne!(SendTimeoutError::Timeout(1), SendTimeoutError::Timeout(2));
    let s = SendError(String::from("x"));
    assert_eq!(s.clone(), s);
    assert_eq!(RecvError, RecvError.clone());
    assert_ne!(RecvTimeoutError::Timeout, RecvTimeoutError::Closed);
}

#[test]
fn handles_debug() {
    let (tx, rx) = chan::bounded::<NoDebug>(1);
    assert!(format!("{tx:?}").contains("Sender"));
    assert!(format!("{rx:?}").contains("Receiver"));
    assert!(!format!("{:?}", rx.iter()).is_empty());
    assert!(!format!("{:?}", rx.try_iter()).is_empty());
    assert!(!format!("{:?}", chan::never::<NoDebug>()).is_empty());
    assert!(!format!("{:?}", rx.into_iter()).is_empty());
}

// ----- timeouts: Duration::MAX, far deadlines, Duration::ZERO -----

/// A deadline far ahead (a thousand years): representable, but never reached.
fn far() -> Instant {
    Instant::now()
        .checked_add(Duration::from_secs(1000 * 365 * 24 * 3600))
        .expect("a deadline a thousand years ahead")
}

/// `recv_timeout(Duration::MAX)` and `recv_deadline(far)` block (no panic, no early
/// timeout) until a later send wakes them.
#[test]
fn far_timeouts_recv_is_woken_by_send() {
    for cap in CAPS {
        for deadline in [false, true] {
            let (tx, rx) = make::<u32>(cap);
            thread::scope(|s| {
                let r = s.spawn(|| {
                    if deadline {
                        rx.recv_deadline(far())
                    } else {
                        rx.recv_timeout(Duration::MAX)
                    }
                });
                wait_until(|| tx.waiting_receivers() == 1);
                tx.send(5).unwrap();
                assert_eq!(r.join().unwrap(), Ok(5), "cap {cap:?}");
            });
            // And a close wakes them too.
            thread::scope(|s| {
                let r = s.spawn(|| rx.recv_timeout(Duration::MAX));
                wait_until(|| tx.waiting_receivers() == 1);
                tx.close();
                assert_eq!(r.join().unwrap(), Err(RecvTimeoutError::Closed));
            });
        }
    }
}

/// `send_timeout(Duration::MAX)` and `send_deadline(far)` on a full channel block until
/// a receiver makes room.
#[test]
fn far_timeouts_send_is_woken_by_recv() {
    for cap in [0, 1, 5] {
        for deadline in [false, true] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            (0..cap).for_each(|i| tx.send(i).unwrap());
            thread::scope(|s| {
                let w = s.spawn(|| {
                    if deadline {
                        tx.send_deadline(cap, far())
                    } else {
                        tx.send_timeout(cap, Duration::MAX)
                    }
                });
                wait_until(|| rx.waiting_senders() == 1);
                assert_eq!(rx.recv(), Ok(0));
                assert_eq!(w.join().unwrap(), Ok(()));
            });
            let rest: Vec<usize> = rx.try_iter().collect();
            assert_eq!(rest, (1..=cap).collect::<Vec<_>>());
        }
    }
}

/// Far timeouts on a channel that cannot block return at once.
#[test]
fn far_timeouts_do_not_block_when_ready() {
    let (tx, rx) = chan::bounded(1);
    assert_eq!(tx.send_timeout(1, Duration::MAX), Ok(()));
    assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
    assert_eq!(tx.send_deadline(2, far()), Ok(()));
    assert_eq!(rx.recv_deadline(far()), Ok(2));
    tx.close();
    assert_eq!(
        rx.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(rx.recv_deadline(far()), Err(RecvTimeoutError::Closed));
    assert_eq!(
        tx.send_timeout(3, Duration::MAX),
        Err(SendTimeoutError::Closed(3))
    );
    assert_eq!(tx.send_deadline(4, far()), Err(SendTimeoutError::Closed(4)));
}

/// `Duration::ZERO` (and a deadline already past) behaves exactly like `try_*`.
#[test]
fn zero_timeout_is_try() {
    let past = || {
        Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(Instant::now)
    };
    for cap in CAPS {
        let (tx, rx) = make::<u32>(cap);
        // Empty.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(rx.recv_deadline(past()), Err(RecvTimeoutError::Timeout));
        // Full (or, rendezvous, nobody waiting).
        if let Some(c) = cap {
            (0..c).for_each(|_| tx.send(0).unwrap());
            assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
            assert_eq!(
                tx.send_timeout(2, Duration::ZERO),
                Err(SendTimeoutError::Timeout(2))
            );
            assert_eq!(
                tx.send_deadline(3, past()),
                Err(SendTimeoutError::Timeout(3))
            );
            (0..c).for_each(|_| assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(0)));
        } else {
            assert_eq!(tx.send_timeout(2, Duration::ZERO), Ok(()));
            assert_eq!(tx.send_deadline(3, past()), Ok(()));
            assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(2));
            assert_eq!(rx.recv_deadline(past()), Ok(3));
        }
        // Closed.
        tx.close();
        assert_eq!(
            tx.send_timeout(4, Duration::ZERO),
            Err(SendTimeoutError::Closed(4))
        );
        assert_eq!(
            tx.send_deadline(5, past()),
            Err(SendTimeoutError::Closed(5))
        );
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Closed)
        );
        assert_eq!(rx.recv_deadline(past()), Err(RecvTimeoutError::Closed));
    }
}

/// On a rendezvous channel a zero timeout completes against a parked peer, as
/// `try_send` / `try_recv` do.
#[test]
fn zero_timeout_meets_a_parked_peer() {
    let (tx, rx) = chan::bounded::<u32>(0);
    thread::scope(|s| {
        let r = s.spawn(|| rx.recv());
        wait_until(|| tx.waiting_receivers() == 1);
        assert_eq!(tx.send_timeout(1, Duration::ZERO), Ok(()));
        assert_eq!(r.join().unwrap(), Ok(1));

        let w = s.spawn(|| tx.send(2));
        wait_until(|| rx.waiting_senders() == 1);
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(2));
        assert_eq!(w.join().unwrap(), Ok(()));

        let r = s.spawn(|| rx.recv());
        wait_until(|| tx.waiting_receivers() == 1);
        assert_eq!(tx.try_send(3), Ok(()));
        assert_eq!(r.join().unwrap(), Ok(3));

        let w = s.spawn(|| tx.send(4));
        wait_until(|| rx.waiting_senders() == 1);
        assert_eq!(rx.try_recv(), Ok(4));
        assert_eq!(w.join().unwrap(), Ok(()));
    });
}

/// A short timeout that expires hands the value back and leaves nobody waiting.
#[test]
fn short_timeouts_expire() {
    let d = Duration::from_millis(2);
    let (tx, rx) = chan::bounded::<String>(0);
    let e = tx.send_timeout("back".to_string(), d).unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(e.into_inner(), "back");
    assert_eq!(rx.recv_timeout(d), Err(RecvTimeoutError::Timeout));
    let t = Instant::now() + d;
    assert_eq!(rx.recv_deadline(t), Err(RecvTimeoutError::Timeout));
    assert!(Instant::now() >= t, "returned before the deadline");
    assert_eq!((tx.waiting_senders(), tx.waiting_receivers()), (0, 0));
}

// ----- zero-sized values and capacity -----

/// `()` channels work at any capacity, `usize::MAX` included, and allocate no buffer:
/// creating one costs what a rendezvous channel costs, and sending costs nothing.
#[test]
fn zero_sized_channels_use_no_buffer_memory() {
    let (base, _) = allocated_by(|| chan::bounded::<()>(0));
    let (huge, (tx, rx)) = allocated_by(|| chan::bounded::<()>(usize::MAX));
    assert_eq!(huge, base, "bounded::<()>(usize::MAX) allocated a buffer");
    assert_eq!(tx.capacity(), Some(usize::MAX));
    let n = if MIRI { 100 } else { 100_000 };
    let (sending, ()) = allocated_by(|| (0..n).for_each(|_| tx.try_send(()).unwrap()));
    assert_eq!(sending, 0);
    assert_eq!(rx.len(), n);
    assert!(!rx.is_full());
    assert_eq!(rx.try_iter().count(), n);

    let (unb, (tx, rx)) = allocated_by(chan::unbounded::<()>);
    assert!(unb <= base, "unbounded::<()>() allocated a buffer");
    let (sending, ()) = allocated_by(|| (0..n).for_each(|_| tx.send(()).unwrap()));
    assert_eq!(sending, 0, "sending () into an unbounded channel allocated");
    assert_eq!(rx.len(), n);

    // The counter works: a real buffer shows up.
    let (sized, _) = allocated_by(|| chan::bounded::<u64>(1000));
    assert!(sized >= base + 8000, "{sized} vs {base}");
}

#[test]
fn zero_sized_channels_every_capacity() {
    for cap in [Some(0), Some(1), Some(3), Some(usize::MAX), None] {
        let (tx, rx) = make::<()>(cap);
        let n = 10;
        thread::scope(|s| {
            s.spawn(|| (0..n).for_each(|_| tx.send(()).unwrap()));
            for _ in 0..n {
                assert_eq!(rx.recv(), Ok(()));
            }
        });
        drop(tx);
        assert_eq!(rx.recv(), Err(RecvError));
    }
}

#[test]
#[cfg(target_pointer_width = "64")]
#[should_panic(
    expected = "gosync: cannot allocate a channel buffer of capacity 18446744073709551615"
)]
fn unallocatable_capacity_panics_naming_it() {
    let _ = chan::bounded::<u64>(usize::MAX);
}

#[test]
#[should_panic(expected = "cannot allocate a channel buffer of capacity")]
fn capacity_times_size_overflow_panics() {
    let _ = chan::bounded::<[u8; 1024]>(usize::MAX / 1024 + 1);
}

// ----- identity, closing, rendezvous shape, waiting counts -----

#[test]
fn same_channel() {
    let (tx, rx) = chan::bounded::<u8>(1);
    let (tx2, rx2) = chan::bounded::<u8>(1);
    assert!(tx.same_channel(&tx));
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.same_channel(&tx2));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!rx.same_channel(&rx2));
    let never = chan::never::<u8>();
    assert!(!never.same_channel(&rx));
    assert!(!rx.same_channel(&never));
}

#[test]
fn is_closed_after_each_way_of_closing() {
    for cap in CAPS {
        // close()
        let (tx, rx) = make::<u8>(cap);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        assert!(!tx.is_closed() && !rx.is_closed());
        assert!(tx2.close());
        assert!(tx.is_closed() && tx2.is_closed() && rx.is_closed() && rx2.is_closed());

        // Dropping every sender (not before the last).
        let (tx, rx) = make::<u8>(cap);
        let tx2 = tx.clone();
        drop(tx);
        assert!(!tx2.is_closed() && !rx.is_closed(), "cap {cap:?}");
        drop(tx2);
        assert!(rx.is_closed());

        // Dropping every receiver (not before the last).
        let (tx, rx) = make::<u8>(cap);
        let rx2 = rx.clone();
        drop(rx);
        assert!(!tx.is_closed() && !rx2.is_closed(), "cap {cap:?}");
        drop(rx2);
        assert!(tx.is_closed());
        assert!(tx.try_send(1).unwrap_err().is_closed());
    }
    assert!(!chan::never::<u8>().is_closed());
}

/// A rendezvous channel is always empty and always full.
#[test]
fn rendezvous_is_empty_and_full() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let shape = |tx: &Sender<u8>, rx: &Receiver<u8>| {
        assert!(tx.is_empty() && tx.is_full() && rx.is_empty() && rx.is_full());
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert_eq!(tx.capacity(), Some(0));
    };
    shape(&tx, &rx);
    thread::scope(|s| {
        let w = s.spawn(|| tx.send(1));
        wait_until(|| rx.waiting_senders() == 1);
        shape(&tx, &rx);
        assert_eq!(rx.recv(), Ok(1));
        w.join().unwrap().unwrap();
        let r = s.spawn(|| rx.recv());
        wait_until(|| tx.waiting_receivers() == 1);
        shape(&tx, &rx);
        tx.send(2).unwrap();
        assert_eq!(r.join().unwrap(), Ok(2));
    });
    tx.close();
    shape(&tx, &rx);
}

#[test]
fn waiting_counts() {
    const K: usize = 3;
    for cap in CAPS {
        let (tx, rx) = make::<usize>(cap);
        assert_eq!((tx.waiting_senders(), tx.waiting_receivers()), (0, 0));
        thread::scope(|s| {
            let rs: Vec<_> = (0..K).map(|_| s.spawn(|| rx.recv())).collect();
            wait_until(|| tx.waiting_receivers() == K);
            assert_eq!(rx.waiting_receivers(), K);
            assert_eq!((tx.waiting_senders(), rx.waiting_senders()), (0, 0));
            (0..K).for_each(|i| tx.send(i).unwrap());
            let mut got: Vec<usize> = rs.into_iter().map(|r| r.join().unwrap().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, (0..K).collect::<Vec<_>>());
        });
        assert_eq!(tx.waiting_receivers(), 0);

        // Parked receivers that time out leave the count.
        thread::scope(|s| {
            for _ in 0..K {
                s.spawn(|| {
                    assert_eq!(
                        rx.recv_timeout(Duration::from_millis(5)),
                        Err(RecvTimeoutError::Timeout)
                    );
                });
            }
        });
        assert_eq!(rx.waiting_receivers(), 0);

        // Senders parked on a full channel.
        if let Some(c) = cap {
            (0..c).for_each(|i| tx.send(i).unwrap());
            thread::scope(|s| {
                let tx = &tx;
                let ws: Vec<_> = (0..K)
                    .map(|i| s.spawn(move || (i, tx.send(100 + i))))
                    .collect();
                wait_until(|| tx.waiting_senders() == K);
                assert_eq!(rx.waiting_senders(), K);
                assert_eq!(rx.waiting_receivers(), 0);
                assert!(tx.close());
                for w in ws {
                    let (i, r) = w.join().unwrap();
                    assert_eq!(r, Err(SendError(100 + i)));
                }
            });
            assert_eq!(tx.waiting_senders(), 0);
            assert_eq!(rx.try_iter().count(), c);
        }
    }
}

/// Parked receivers are served in arrival order, and so are parked senders (after
/// the values already buffered).
#[test]
fn parked_peers_served_in_arrival_order() {
    const K: usize = 4;
    for cap in CAPS {
        let (tx, rx) = make::<usize>(cap);
        thread::scope(|s| {
            let rs: Vec<_> = (0..K)
                .map(|k| {
                    let r = s.spawn(|| rx.recv());
                    wait_until(|| tx.waiting_receivers() == k + 1);
                    r
                })
                .collect();
            (0..K).for_each(|i| tx.send(i).unwrap());
            for (k, r) in rs.into_iter().enumerate() {
                assert_eq!(r.join().unwrap(), Ok(k), "cap {cap:?}: receiver {k}");
            }
        });
        let Some(c) = cap else { continue };
        (0..c).for_each(|i| tx.send(i).unwrap());
        thread::scope(|s| {
            for k in 0..K {
                let tx = &tx;
                s.spawn(move || tx.send(c + k).unwrap());
                wait_until(|| rx.waiting_senders() == k + 1);
            }
            let got: Vec<usize> = (0..c + K).map(|_| rx.recv().unwrap()).collect();
            assert_eq!(got, (0..c + K).collect::<Vec<_>>(), "cap {c}");
        });
    }
}

// ----- iteration -----

#[test]
fn iterators() {
    for cap in CAPS {
        let (tx, rx) = make::<u32>(cap);
        // `iter` blocks until the channel is closed and drained (Go's range).
        thread::scope(|s| {
            s.spawn(|| {
                (0..10).for_each(|i| tx.send(i).unwrap());
                tx.close();
            });
            assert_eq!(rx.iter().collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        });
        assert_eq!(rx.iter().next(), None);
        assert_eq!(rx.try_iter().next(), None);

        // `try_iter` takes what is ready and never blocks; it can be resumed.
        let (tx, rx) = make::<u32>(cap);
        assert_eq!(rx.try_iter().next(), None);
        if cap != Some(0) {
            tx.send(1).unwrap();
            assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1]);
            assert_eq!(rx.try_iter().next(), None);
            tx.send(2).unwrap();
            assert_eq!(rx.try_iter().next(), Some(2));
        }

        // `for v in &rx` and `for v in rx`.
        let (tx, rx) = make::<u32>(cap);
        thread::scope(|s| {
            s.spawn(move || (0..5).for_each(|i| tx.send(i).unwrap()));
            let mut sum = 0;
            for v in &rx {
                sum += v;
            }
            assert_eq!(sum, 10);
        });
        let (tx, rx) = make::<u32>(cap);
        let h = thread::spawn(move || {
            let mut got = Vec::new();
            for v in rx {
                got.push(v);
            }
            got
        });
        (0..5).for_each(|i| tx.send(i).unwrap());
        drop(tx);
        assert_eq!(h.join().unwrap(), [0, 1, 2, 3, 4]);
    }
}

// ----- dropping the last receiver -----

/// The last `Receiver` drops what is buffered (right then), and every blocked sender
/// fails with its own value back.
#[test]
fn last_receiver_drop() {
    for cap in [0, 1, 4] {
        let token = Arc::new(());
        let (tx, rx) = chan::bounded::<(usize, Arc<()>)>(cap);
        (0..cap).for_each(|i| tx.send((i, token.clone())).unwrap());
        assert_eq!(Arc::strong_count(&token), 1 + cap);
        thread::scope(|s| {
            let ws: Vec<_> = (0..2)
                .map(|k| {
                    let (tx, token) = (&tx, token.clone());
                    s.spawn(move || tx.send((100 + k, token)))
                })
                .collect();
            wait_until(|| tx.waiting_senders() == 2);
            drop(rx);
            assert!(tx.is_closed());
            for (k, w) in ws.into_iter().enumerate() {
                let back = w.join().unwrap().unwrap_err().into_inner();
                assert_eq!(back.0, 100 + k);
            }
        });
        assert_eq!(
            Arc::strong_count(&token),
            1,
            "cap {cap}: buffered values not dropped"
        );
        let e = tx.send((7, token.clone())).unwrap_err();
        assert_eq!(e.into_inner().0, 7);
        assert_eq!(Arc::strong_count(&token), 1);
    }
}

// ----- never -----

#[test]
fn never_is_never_ready() {
    let rx = chan::never::<String>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.recv_deadline(Instant::now() + Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(rx.try_iter().next(), None);
    assert_eq!((rx.len(), rx.capacity()), (0, Some(0)));
    assert!(rx.is_empty() && !rx.is_closed());
    assert_eq!((rx.waiting_senders(), rx.waiting_receivers()), (0, 0));
    let rx2 = rx.clone();
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
}
