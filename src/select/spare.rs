//! The vectors of a thread's last finished select, emptied, for its next one: the
//! dynamic select's case buffer and index (`arms`), and the engine's poll and lock
//! orders when they outgrow the stack. A thread that selects in a loop then
//! allocates only while its selects grow.

/// A dynamic select's case buffer and index, boxed.
pub(super) type Arms = Box<super::arms::Store>;
/// The engine's heap poll and lock orders.
pub(super) type Orders = (Vec<u32>, Vec<(usize, u32)>);

#[cfg(not(gosync_loom))]
mod imp {
    // Thread-local plain cells: never shared between threads, not synchronization
    // points, so no facade types (loom builds keep nothing, below).
    #![allow(clippy::disallowed_types)]

    use std::cell::Cell;

    /// Vectors larger than this many bytes are freed rather than kept.
    const KEEP_BYTES: usize = 64 * 1024;

    thread_local! {
        static ARMS: Cell<Option<super::Arms>> = const { Cell::new(None) };
        static ORDERS: Cell<super::Orders> = const { Cell::new((Vec::new(), Vec::new())) };
    }

    fn bytes<T>(v: &Vec<T>) -> usize {
        v.capacity() * std::mem::size_of::<T>()
    }

    pub(in crate::select) fn take_arms() -> super::Arms {
        ARMS.try_with(Cell::take).ok().flatten().unwrap_or_default()
    }

    pub(in crate::select) fn give_arms(v: super::Arms) {
        debug_assert!(v.is_empty());
        if v.bytes() <= KEEP_BYTES {
            // The larger of the two is kept. During the thread's exit: freed.
            let _ = ARMS.try_with(|c| {
                let old = c.take();
                c.set(match old {
                    Some(old) if old.bytes() > v.bytes() => Some(old),
                    _ => Some(v),
                });
            });
        }
    }

    pub(in crate::select) fn take_orders() -> super::Orders {
        ORDERS.try_with(Cell::take).unwrap_or_default()
    }

    pub(in crate::select) fn give_orders(v: super::Orders) {
        if bytes(&v.1) <= KEEP_BYTES {
            let _ = ORDERS.try_with(|c| {
                let old = c.take();
                c.set(if bytes(&old.1) > bytes(&v.1) { old } else { v });
            });
        }
    }
}

/// Under loom: nothing kept (a model's threads are not the OS's).
#[cfg(gosync_loom)]
mod imp {
    pub(in crate::select) fn take_arms() -> super::Arms {
        Default::default()
    }
    pub(in crate::select) fn give_arms(_: super::Arms) {}
    pub(in crate::select) fn take_orders() -> super::Orders {
        Default::default()
    }
    pub(in crate::select) fn give_orders(_: super::Orders) {}
}

pub(super) use imp::{give_arms, give_orders, take_arms, take_orders};
