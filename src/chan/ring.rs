//! The channel's ring buffer: `MaybeUninit<T>` slots, fixed for bounded channels,
//! doubling for unbounded ones. No slots at all for capacity 0; no memory at all for
//! zero-sized `T`, whatever the capacity.
//!
//! Not synchronised: the channel lock guards it.

use std::mem::{self, MaybeUninit};

/// Storage size of the first allocation of an unbounded channel.
const FIRST_GROWTH: usize = 16;

pub(crate) struct Ring<T> {
    /// Storage; `buf.len()` is the number of slots. Slots `head .. head + len`
    /// (wrapping) hold values; the others are uninitialised.
    buf: Box<[MaybeUninit<T>]>,
    head: usize,
    len: usize,
}

impl<T> Ring<T> {
    /// A ring with `slots` slots.
    ///
    /// # Panics
    /// When the buffer cannot be allocated, with a message naming the capacity.
    pub(crate) fn with_slots(slots: usize) -> Self {
        Ring {
            buf: alloc(slots),
            head: 0,
            len: 0,
        }
    }

    /// A ring for an unbounded channel: no memory until the first value (and never
    /// any for zero-sized `T`).
    pub(crate) fn unbounded() -> Self {
        let slots = if mem::size_of::<T>() == 0 {
            usize::MAX
        } else {
            0
        };
        Self::with_slots(slots)
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The number of slots (not the channel's capacity: unbounded rings grow).
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.buf.len()
    }

    /// Index of the `i`-th value from the head, wrapping without overflow (zero-sized
    /// `T` may have `usize::MAX` slots).
    #[inline]
    fn index(&self, i: usize) -> usize {
        let to_end = self.buf.len() - self.head;
        if i < to_end {
            self.head + i
        } else {
            i - to_end
        }
    }

    /// Appends `v`, growing the storage if it is full (unbounded channels only: a
    /// bounded channel checks its capacity before pushing).
    #[inline]
    pub(crate) fn push(&mut self, v: T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        let i = self.index(self.len);
        debug_assert!(i < self.buf.len());
        // SAFETY: `len < buf.len()` here (grown above if it was full) and
        // `head < buf.len()`, so `index(len)` is in bounds: either `head + len` when
        // that is below the end, or `len - (buf.len() - head) < head`.
        unsafe { self.buf.get_unchecked_mut(i) }.write(v);
        self.len += 1;
    }

    /// Removes the oldest value.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let i = self.head;
        debug_assert!(i < self.buf.len());
        // SAFETY: `len > 0`, so the storage is not empty, `head < buf.len()` is in
        // bounds, and slot `head` holds a value; advancing `head` below hands its
        // ownership to us exactly once.
        let v = unsafe { self.buf.get_unchecked(i).assume_init_read() };
        self.head = self.index(1);
        self.len -= 1;
        if self.len == 0 {
            self.head = 0;
        }
        Some(v)
    }

    /// Puts `v` back at the front (it becomes the next value popped). Grows if full.
    /// (For a cancelled async receive that must give back a value it was handed.)
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn push_front(&mut self, v: T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        self.head = if self.head == 0 {
            self.buf.len() - 1
        } else {
            self.head - 1
        };
        self.buf[self.head].write(v);
        self.len += 1;
    }

    /// Takes every value out, leaving an empty ring with no storage.
    pub(crate) fn take_all(&mut self) -> Ring<T> {
        let empty = Ring {
            buf: alloc(if mem::size_of::<T>() == 0 {
                usize::MAX
            } else {
                0
            }),
            head: 0,
            len: 0,
        };
        mem::replace(self, empty)
    }

    #[cold]
    fn grow(&mut self) {
        let old = self.buf.len();
        let new = if old == 0 {
            FIRST_GROWTH
        } else {
            old.checked_mul(2).unwrap_or_else(|| {
                panic!("gosync: an unbounded channel cannot hold more than {old} values")
            })
        };
        // Grow the allocation in place where the allocator can (`realloc`; for large
        // buffers the kernel remaps the pages instead of copying them), then make the
        // values contiguous again in the larger ring by moving the shorter of the two
        // runs they may sit in (as `VecDeque` does).
        let mut v = mem::take(&mut self.buf).into_vec();
        if v.try_reserve_exact(new - old).is_err() {
            panic!(
                "gosync: cannot grow a channel buffer to capacity {new} ({} bytes per value)",
                mem::size_of::<T>()
            );
        }
        // SAFETY: the capacity is at least `new`, and `MaybeUninit` slots need no
        // initialisation.
        unsafe { v.set_len(new) };
        let tail = old - self.head; // slots from `head` to the old end
        if self.len > tail {
            // Wrapped: `head..old` then `0..wrap`.
            let wrap = self.len - tail;
            let p = v.as_mut_ptr();
            // The runs are `len` initialised slots of the old ring. The first case
            // moves `0..wrap` to `old..old + wrap` (`wrap <= tail <= old`, so it ends
            // by `2 * old = new`); the second moves `head..old` to `old + head..new`
            // (`new - tail = old + head`). Either destination lies in the new part
            // `old..new`, apart from every value.
            // SAFETY: in-bounds moves of initialised values into unused slots (above);
            // their old slots are then unused (`MaybeUninit` never drops).
            unsafe {
                if wrap <= tail {
                    std::ptr::copy_nonoverlapping(p, p.add(old), wrap);
                } else {
                    std::ptr::copy_nonoverlapping(p.add(self.head), p.add(new - tail), tail);
                    self.head = new - tail;
                }
            }
        }
        self.buf = v.into_boxed_slice();
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        /// Keeps dropping if a value's `Drop` panics, so that one panicking value does
        /// not leak the values behind it (as `Vec` and `VecDeque` do; a second panic
        /// while unwinding aborts, as there).
        struct Rest<'a, T>(&'a mut Ring<T>);
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while let Some(v) = self.0.pop() {
                    drop(v);
                }
            }
        }
        let rest = Rest(self);
        while let Some(v) = rest.0.pop() {
            drop(v);
        }
    }
}

/// Allocates `n` uninitialised slots (no memory for zero-sized `T`).
fn alloc<T>(n: usize) -> Box<[MaybeUninit<T>]> {
    let mut v: Vec<MaybeUninit<T>> = Vec::new();
    if v.try_reserve_exact(n).is_err() {
        panic!(
            "gosync: cannot allocate a channel buffer of capacity {n} ({} bytes per value)",
            mem::size_of::<T>()
        );
    }
    // SAFETY: the capacity is at least `n`, and `MaybeUninit` slots need no
    // initialisation.
    unsafe { v.set_len(n) };
    v.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_wraps_around() {
        let mut r = Ring::with_slots(3);
        for round in 0..10 {
            r.push(round * 10);
            r.push(round * 10 + 1);
            assert_eq!(r.pop(), Some(round * 10));
            assert_eq!(r.pop(), Some(round * 10 + 1));
            assert_eq!(r.pop(), None);
        }
    }

    #[test]
    fn unbounded_grows_in_order() {
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        assert_eq!(r.slots(), 0);
        for i in 0..1000 {
            r.push(i);
            model.push_back(i);
            if i % 3 == 0 {
                assert_eq!(r.pop(), model.pop_front());
            }
        }
        assert!(r.slots() >= r.len());
        while let Some(v) = model.pop_front() {
            assert_eq!(r.pop(), Some(v));
        }
        assert_eq!(r.pop(), None);
    }

    #[test]
    fn growing_a_wrapped_ring_keeps_the_order() {
        // Every head position, so that both ways of closing the gap (moving the
        // wrapped front run, or the head run) are taken.
        for shift in 0..FIRST_GROWTH * 2 {
            let mut r = Ring::unbounded();
            let mut model = std::collections::VecDeque::new();
            for i in 0..FIRST_GROWTH {
                r.push(i);
                model.push_back(i);
            }
            // Advance the head by `shift`, keeping the ring full.
            for i in 0..shift {
                assert_eq!(r.pop(), model.pop_front());
                r.push(1000 + i);
                model.push_back(1000 + i);
            }
            // Two growths with the ring wrapped.
            for i in 0..FIRST_GROWTH * 3 {
                r.push(2000 + i);
                model.push_back(2000 + i);
            }
            let got: Vec<usize> = std::iter::from_fn(|| r.pop()).collect();
            let want: Vec<usize> = model.into_iter().collect();
            assert_eq!(got, want, "head shifted by {shift}");
        }
    }

    #[test]
    fn push_front_is_popped_next() {
        let mut r = Ring::with_slots(4);
        r.push(1);
        r.push(2);
        r.push_front(0);
        assert_eq!(
            (r.pop(), r.pop(), r.pop(), r.pop()),
            (Some(0), Some(1), Some(2), None)
        );
    }

    #[test]
    fn zero_sized_values_use_no_memory() {
        let r: Ring<()> = Ring::with_slots(usize::MAX);
        assert_eq!(r.slots(), usize::MAX);
        let mut u: Ring<()> = Ring::unbounded();
        for _ in 0..1000 {
            u.push(());
        }
        assert_eq!(u.len(), 1000);
    }

    #[test]
    fn drop_drops_remaining_values() {
        use std::rc::Rc;
        let v = Rc::new(());
        let mut r = Ring::with_slots(4);
        r.push(v.clone());
        r.push(v.clone());
        r.pop();
        r.push(v.clone());
        assert_eq!(Rc::strong_count(&v), 3);
        drop(r);
        assert_eq!(Rc::strong_count(&v), 1);
    }

    #[test]
    fn drop_goes_on_after_a_value_panics_in_drop() {
        use std::rc::Rc;
        /// Holds a count on the `Rc` (released even when its drop panics).
        struct Bomb(#[allow(dead_code)] Rc<()>, bool);
        impl Drop for Bomb {
            fn drop(&mut self) {
                if self.1 {
                    panic!("boom");
                }
            }
        }
        let v = Rc::new(());
        let mut r = Ring::with_slots(4);
        // Wrapped: head at slot 2.
        r.push(Bomb(v.clone(), false));
        r.push(Bomb(v.clone(), false));
        r.pop();
        r.pop();
        for i in 0..4 {
            r.push(Bomb(v.clone(), i == 1));
        }
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(r)));
        assert!(caught.is_err());
        assert_eq!(
            Rc::strong_count(&v),
            1,
            "values behind the panicking one leaked"
        );
    }

    #[test]
    #[should_panic(expected = "capacity")]
    fn huge_capacity_panics_naming_it() {
        let _ = Ring::<u64>::with_slots(usize::MAX / 2);
    }
}
