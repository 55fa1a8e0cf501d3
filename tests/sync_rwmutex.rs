//! `gosync::RwMutex`: shared and exclusive access, writer preference, no poisoning.

#![allow(clippy::disallowed_types)]

use gosync::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

assert_impl_all!(RwMutex<Vec<u8>>: Send, Sync, Default);
assert_not_impl_any!(RwMutex<Cell<u8>>: Sync); // readers share &T
assert_not_impl_any!(RwMutexReadGuard<'static, u8>: Send);
assert_not_impl_any!(RwMutexWriteGuard<'static, u8>: Send);

static GLOBAL: RwMutex<u32> = RwMutex::new(7);

#[test]
fn static_const_new() {
    *GLOBAL.write() += 1;
    assert_eq!(*GLOBAL.read(), 8);
}

#[test]
fn try_variants_get_mut_into_inner() {
    let mut rw = RwMutex::new(vec![1]);
    {
        let r = rw.read();
        let r2 = rw.try_read().expect("readers share");
        assert!(rw.try_write().is_none());
        assert_eq!(r.len() + r2.len(), 2);
    }
    {
        let mut w = rw.try_write().expect("free");
        w.push(2);
        assert!(rw.try_read().is_none());
        assert!(rw.try_write().is_none());
    }
    rw.get_mut().push(3);
    assert_eq!(rw.into_inner(), [1, 2, 3]);
}

#[test]
fn unsized_data() {
    let rw: &RwMutex<[u8]> = &RwMutex::new([1, 2]);
    rw.write()[0] = 9;
    assert_eq!(&*rw.read(), [9, 2]);
}

#[test]
fn panic_releases_both_kinds() {
    let rw = Arc::new(RwMutex::new(0));
    let rw2 = rw.clone();
    assert!(thread::spawn(move || {
        let _w = rw2.write();
        panic!("writer");
    })
    .join()
    .is_err());
    let rw3 = rw.clone();
    assert!(thread::spawn(move || {
        let _r = rw3.read();
        panic!("reader");
    })
    .join()
    .is_err());
    assert!(rw.try_write().is_some(), "no poisoning, nothing held");
}

/// Once a writer waits, new readers wait behind it, and a reader that queued
/// behind the writer sees the writer's value.
#[test]
fn waiting_writer_holds_back_new_readers() {
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        let rw = Arc::new(RwMutex::new(0));
        let first = rw.read();
        let rw_w = rw.clone();
        let writer = thread::spawn(move || *rw_w.write() = 1);
        // The writer is waiting once a read can no longer be had.
        while let Some(r) = rw.try_read() {
            drop(r);
            thread::yield_now();
        }
        let rw_r = rw.clone();
        let late_reader = thread::spawn(move || *rw_r.read());
        assert!(rw.try_read().is_none(), "new readers are held back");
        drop(first);
        writer.join().unwrap();
        assert_eq!(
            late_reader.join().unwrap(),
            1,
            "late reader went after the writer"
        );
    }
}

/// Readers that queued while a writer held the lock get in together when it
/// unlocks (Go's RUnlock/Unlock hand-off), all at once.
#[test]
fn queued_readers_enter_together() {
    let rw = Arc::new(RwMutex::new(()));
    let w = rw.write();
    let inside = Arc::new(std::sync::Barrier::new(3));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (rw, inside) = (rw.clone(), inside.clone());
            thread::spawn(move || {
                let _r = rw.read();
                inside.wait(); // all three hold the read lock at once
            })
        })
        .collect();
    thread::yield_now();
    drop(w);
    for r in readers {
        r.join().unwrap();
    }
}

#[test]
fn writers_exclude_everyone_under_contention() {
    let rw = RwMutex::new((0u64, 0u64)); // the two halves must stay equal
    let stop = AtomicBool::new(false);
    let per = if cfg!(miri) { 20 } else { 5_000 };
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..per {
                    let mut w = rw.write();
                    w.0 += 1;
                    std::hint::spin_loop();
                    w.1 += 1;
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let r = rw.read();
                    assert_eq!(r.0, r.1, "a reader saw a half-done write");
                }
            });
        }
        s.spawn(|| {
            // Stop the readers once the writers are through.
            while rw.read().0 < 2 * per {
                thread::yield_now();
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    assert_eq!(*rw.read(), (2 * per, 2 * per));
}

#[test]
fn debug() {
    let rw = RwMutex::new(1);
    assert_eq!(format!("{rw:?}"), "RwMutex { data: 1 }");
    let w = rw.write();
    assert_eq!(format!("{rw:?} {w:?}"), "RwMutex { data: <locked> } 1");
}
