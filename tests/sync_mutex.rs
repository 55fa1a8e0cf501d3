//! `gosync::Mutex`: locking, no poisoning, unsized data, contention, hand-off.

#![allow(clippy::disallowed_types)]

use gosync::{Mutex, MutexGuard};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::thread;

assert_impl_all!(Mutex<Vec<u8>>: Send, Sync, Default);
assert_impl_all!(Mutex<Cell<u8>>: Send, Sync); // Send is enough to share a mutex
assert_not_impl_any!(Mutex<Rc<u8>>: Send, Sync);
assert_not_impl_any!(MutexGuard<'static, u8>: Send);
assert_impl_all!(MutexGuard<'static, u8>: Sync);
assert_not_impl_any!(MutexGuard<'static, Cell<u8>>: Sync);

static GLOBAL: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[test]
fn static_const_new() {
    GLOBAL.lock().push(1);
    assert_eq!(GLOBAL.lock().as_slice(), [1]);
}

#[test]
fn try_lock_get_mut_into_inner() {
    let mut m = Mutex::new(String::from("a"));
    {
        let g = m.lock();
        assert!(m.try_lock().is_none());
        drop(g);
    }
    m.try_lock().unwrap().push('b');
    m.get_mut().push('c');
    assert_eq!(m.into_inner(), "abc");
}

#[test]
fn unsized_data() {
    let m: &Mutex<[u32]> = &Mutex::new([1, 2, 3]);
    m.lock()[1] = 20;
    assert_eq!(m.lock().iter().sum::<u32>(), 24);
}

#[test]
fn panic_while_locked_unlocks_without_poisoning() {
    let m = Arc::new(Mutex::new(0));
    let m2 = m.clone();
    let r = thread::spawn(move || {
        let mut g = m2.lock();
        *g = 1;
        panic!("holding the lock");
    })
    .join();
    assert!(r.is_err());
    // Unlocked, not poisoned, and the write before the panic is visible.
    assert_eq!(*m.try_lock().expect("unlocked by unwinding"), 1);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _g = m.lock();
        panic!("again");
    }));
    assert!(r.is_err());
    *m.lock() += 1;
    assert_eq!(*m.lock(), 2);
}

#[test]
fn contended_counter_is_exact() {
    // A non-atomic read-modify-write under the lock: lost updates would show.
    let threads = 4;
    let per = if cfg!(miri) { 50 } else { 20_000 };
    let m = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per {
                    let mut g = m.lock();
                    let v = *g;
                    *g = v + 1;
                }
            });
        }
    });
    assert_eq!(m.into_inner(), threads * per);
}

#[test]
fn oversubscribed_with_long_critical_sections() {
    // More threads than cores, each holding the lock long enough for the others to
    // park and go through wake-ups, re-queueing and starvation hand-offs.
    let threads = 8;
    let per = if cfg!(miri) { 5 } else { 300 };
    let m = Mutex::new(Vec::new());
    thread::scope(|s| {
        for t in 0..threads {
            let m = &m;
            s.spawn(move || {
                for i in 0..per {
                    let mut g = m.lock();
                    g.push((t, i));
                    for _ in 0..200 {
                        std::hint::spin_loop();
                    }
                }
            });
        }
    });
    let v = m.into_inner();
    assert_eq!(v.len(), threads * per);
    // Each thread's own entries are in its order.
    for t in 0..threads {
        let mine: Vec<_> = v.iter().filter(|e| e.0 == t).map(|e| e.1).collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn debug_and_display() {
    let m = Mutex::new(5);
    assert_eq!(format!("{m:?}"), "Mutex { data: 5 }");
    let g = m.lock();
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{g:?} {g}"), "5 5");
}
