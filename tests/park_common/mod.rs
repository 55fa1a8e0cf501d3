//! A helper shared by the allocation tests (`alloc_free.rs`, `select_alloc.rs`):
//! waiting until a thread is parked for certain, not merely queued and still yielding.

#![allow(dead_code)]

use std::thread::{self, ThreadId};
use std::time::Duration;

/// Returns once `gosync::debug::blocked()` lists an operation of thread `id`: that
/// thread has parked (a queued waiter may still be yielding, and on a busy machine
/// its yields can outlast any fixed deadline).
pub(crate) fn wait_until_parked(id: ThreadId) {
    while !gosync::debug::blocked()
        .iter()
        .any(|op| op.thread_id() == id)
    {
        thread::sleep(Duration::from_micros(200));
    }
}
