//! A `select!` of a handful of cases allocates nothing — neither when a case is ready
//! nor when it parks and is woken — since its cases, waiters and orders live on the
//! caller's stack. Counted with a global allocator that counts per thread.
#![allow(clippy::disallowed_types)]

use gosync::chan;
use gosync::select;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::thread;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-initialized
// thread-local without a destructor, so touching it never allocates or recurses.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

#[test]
fn ready_select_does_not_allocate() {
    let (tx1, rx1) = chan::bounded::<u64>(4);
    let (tx2, rx2) = chan::bounded::<u64>(4);
    let (_tx3, rx3) = chan::bounded::<u64>(0);
    let n = allocations_during(|| {
        for i in 0..100 {
            tx1.send(i).unwrap();
            select! {
                recv(rx1) -> m => assert_eq!(m, Ok(i)),
                recv(rx2) -> _ => unreachable!(),
                recv(rx3) -> _ => unreachable!(),
                send(tx2, i) -> r => {
                    r.unwrap();
                    assert_eq!(rx2.recv(), Ok(i));
                    assert_eq!(rx1.recv(), Ok(i));
                }
                default => unreachable!(),
            }
        }
    });
    assert_eq!(n, 0, "{n} allocations in 100 ready selects");
}

#[test]
fn parked_select_does_not_allocate() {
    let (tx1, rx1) = chan::bounded::<u64>(0);
    let (_tx2, rx2) = chan::bounded::<u64>(0);
    let (tx3, _rx3) = chan::bounded::<u64>(0);
    let peer = thread::spawn(move || {
        for i in 0..100 {
            // Send only once the select is parked, so that every round parks.
            while tx1.waiting_receivers() == 0 {
                thread::yield_now();
            }
            tx1.send(i).unwrap();
        }
    });
    // Warm up: the first park fetches this thread's handle (std may allocate it
    // lazily once per thread).
    select! { recv(rx1) -> m => assert_eq!(m, Ok(0)) }
    let n = allocations_during(|| {
        for i in 1..100 {
            select! {
                recv(rx1) -> m => assert_eq!(m, Ok(i)),
                recv(rx2) -> _ => unreachable!(),
                send(tx3, i) -> _ => unreachable!(),
            }
        }
    });
    peer.join().unwrap();
    assert_eq!(n, 0, "{n} allocations in 99 selects that park");
}
