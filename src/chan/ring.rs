//! The channel's ring buffer: `MaybeUninit<T>` slots, fixed for bounded channels,
//! doubling for unbounded ones. No slots at all for capacity 0; no memory at all for
//! zero-sized `T`, whatever the capacity.
//!
//! Not synchronised: the channel lock guards it.
//!
//! # Giving memory back (unbounded rings)
//!
//! An unbounded ring that grew for a burst shrinks again once it has been mostly
//! empty for a while. The policy lives here, amortised over receives (`pop`), never a
//! reallocation per receive:
//!
//! The receives are cut into windows by a countdown: a window is `min(slots / 2, len)`
//! receives long, `len` taken when it starts (so that it ends, at the latest, on the
//! receive that empties the ring if nothing else is sent). At the end of a window, the
//! ring compares its storage with its length then:
//!
//! - **Drained**: empty, storage above [`SHRINK_FLOOR`] slots is freed down to
//!   [`FIRST_GROWTH`] slots (nothing to copy), so an idle channel after a burst and a
//!   full drain holds almost nothing.
//! - **Mostly empty**: storage above [`SHRINK_FLOOR`] slots and at least 4 × the
//!   length is reallocated down to the next power of two at or above 2 × the length,
//!   copying the values (at most a quarter of the old slots) to the front of the new
//!   storage.
//! - Else the next window starts.
//!
//! Every window is at least `slots / 8` receives long (a window starts after a growth,
//! with `slots / 2` values; after a shrink, with at least a quarter of the new slots;
//! or after a window that ended with more than `slots / 8`), and a shrink moves at most
//! `slots / 4` values: so a receive pays O(1) amortised for the policy, and a channel
//! that keeps bursting to the same size regrows by doubling, O(1) amortised per send.
//! Rings of at most [`SHRINK_FLOOR`] slots never shrink, and bounded rings never
//! resize. The bookkeeping on a receive is one countdown (no maximum or flag is kept:
//! the receive is the channel's hot path).
//!
//! # Panic safety
//!
//! Growth can panic (capacity overflow, allocation failure). It allocates before it
//! changes anything and puts the old storage back before panicking, so the ring still
//! holds its values, in order, with the right length.

use std::mem::{self, MaybeUninit};

/// Storage size of the first allocation of an unbounded channel.
const FIRST_GROWTH: usize = 16;

/// Unbounded rings of at most this many slots never shrink. (64 under Miri, so that
/// the tests reach every branch of the policy with counts Miri can run in seconds:
/// the code is the same.)
const SHRINK_FLOOR: usize = if cfg!(miri) { 64 } else { 1024 };

pub(crate) struct Ring<T> {
    /// Storage; `buf.len()` is the number of slots. Slots `head .. head + len`
    /// (wrapping) hold values; the others are uninitialised.
    buf: Box<[MaybeUninit<T>]>,
    head: usize,
    len: usize,
    /// Shrink policy (see the module docs): receives left in the current window
    /// (`usize::MAX` for rings that never shrink).
    left: usize,
    /// Whether the storage may shrink: unbounded and not zero-sized.
    shrinkable: bool,
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
            left: usize::MAX,
            shrinkable: false,
        }
    }

    /// A ring for an unbounded channel: no memory until the first value (and never
    /// any for zero-sized `T`); it grows by doubling and shrinks after bursts.
    pub(crate) fn unbounded() -> Self {
        let zst = mem::size_of::<T>() == 0;
        let mut r = Self::with_slots(if zst { usize::MAX } else { 0 });
        r.shrinkable = !zst;
        r
    }

    /// Starts the shrink policy afresh after the storage changed size.
    fn resized(&mut self) {
        let slots = self.buf.len();
        self.left = if self.shrinkable && slots > SHRINK_FLOOR {
            (slots / 2).min(self.len).max(1)
        } else {
            usize::MAX
        };
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
        // The shrink policy's bookkeeping (module docs).
        self.left = self.left.wrapping_sub(1);
        if self.left == 0 {
            self.end_window();
        }
        Some(v)
    }

    /// Moves the `n` oldest values (`n <= len`) to the end of `out`, which has room
    /// for them: what `n` calls of [`pop`](Self::pop) pushing to `out` would do, with
    /// the same shrink-policy bookkeeping, in at most two copies per window. (For a
    /// batched receive, `recv_many`.)
    pub(crate) fn pop_into(&mut self, out: &mut Vec<T>, n: usize) {
        assert!(
            n <= self.len && out.capacity() - out.len() >= n,
            "bug: pop_into of {n} values from {} into room for {}",
            self.len,
            out.capacity() - out.len()
        );
        let mut todo = n;
        while todo > 0 {
            // Up to the end of the current window at most (`left >= 1` between
            // receives), where the policy may resize the storage.
            let step = todo.min(self.left);
            let to_end = self.buf.len() - self.head;
            let (first, second) = if step <= to_end {
                (step, 0)
            } else {
                (to_end, step - to_end)
            };
            let p = self.buf.as_ptr();
            // `step <= len`: the `step` oldest values are initialised, in slots
            // `head .. head + first` and `0 .. second` (the ring's runs, in order).
            // Advancing `head` and `len` below hands their ownership to `out` once.
            // SAFETY: reads of those initialised slots; writes into the room `out`
            // has for `step` more (checked above, a different allocation); `set_len`
            // covers exactly the copied elements (`MaybeUninit` slots never drop).
            unsafe {
                let q = out.as_mut_ptr().add(out.len());
                std::ptr::copy_nonoverlapping(p.add(self.head).cast::<T>(), q, first);
                std::ptr::copy_nonoverlapping(p.cast::<T>(), q.add(first), second);
                out.set_len(out.len() + step);
            }
            self.head = self.index(step);
            self.len -= step;
            if self.len == 0 {
                self.head = 0;
            }
            todo -= step;
            self.left -= step;
            if self.left == 0 {
                self.end_window();
            }
        }
    }

    /// The end of a window of the shrink policy: frees the storage of an empty ring,
    /// reallocates down to about twice the length if the storage is at least four
    /// times it, else starts the next window.
    #[cold]
    #[inline(never)]
    fn end_window(&mut self) {
        let slots = self.buf.len();
        if !self.shrinkable || slots <= SHRINK_FLOOR {
            self.left = usize::MAX;
            return;
        }
        let target = (self.len * 2).next_power_of_two().max(FIRST_GROWTH);
        if self.len == 0 {
            self.free_storage();
        } else if target * 2 <= slots {
            self.reshape(target);
        } else {
            // `len > slots / 8` here, so windows stay long.
            self.left = (slots / 2).min(self.len);
        }
    }

    /// The ring is empty at the end of a window: frees the storage down to
    /// [`FIRST_GROWTH`] slots (nothing to copy).
    #[cold]
    #[inline(never)]
    fn free_storage(&mut self) {
        debug_assert_eq!(self.len, 0);
        // Allocate first: if that panics, nothing has changed.
        self.buf = alloc(FIRST_GROWTH);
        self.head = 0;
        self.resized();
    }

    /// Moves the values, in order, to the front of new storage of `slots` slots
    /// (`slots >= len`).
    fn reshape(&mut self, slots: usize) {
        debug_assert!(slots >= self.len);
        // Allocate first: if that panics, nothing has changed.
        let mut new = alloc::<T>(slots);
        let (first, second) = self.runs();
        let p = self.buf.as_ptr();
        let q = new.as_mut_ptr();
        // The old storage is freed below without dropping anything (`MaybeUninit`).
        // SAFETY: the two runs are the `len` initialised slots of the old storage, in
        // order, copied to slots `0..len` of the new one (`len <= slots`, another
        // allocation); the old slots are unused after.
        unsafe {
            std::ptr::copy_nonoverlapping(p.add(self.head), q, first);
            std::ptr::copy_nonoverlapping(p, q.add(first), second);
        }
        self.buf = new;
        self.head = 0;
        self.resized();
    }

    /// The lengths of the two runs the values sit in: from `head` towards the end of
    /// the storage, then from slot 0 (0 unless wrapped).
    fn runs(&self) -> (usize, usize) {
        let to_end = self.buf.len() - self.head;
        if self.len <= to_end {
            (self.len, 0)
        } else {
            (to_end, self.len - to_end)
        }
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
        let mut empty = Ring::with_slots(if mem::size_of::<T>() == 0 {
            usize::MAX
        } else {
            0
        });
        empty.shrinkable = self.shrinkable;
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
        if growth_fails_for_test() || v.try_reserve_exact(new - old).is_err() {
            // Panic safety: a failed `try_reserve_exact` leaves `v` as it was, so the
            // ring gets its storage back (length equal to capacity: no reallocation)
            // with every value, `head` and `len` unchanged.
            self.buf = v.into_boxed_slice();
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
        self.resized();
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: makes this thread's next growths fail as an allocation failure would
    /// (a per-thread flag of the unit tests, not synchronisation).
    static FAIL_GROWTH: std::cell::RefCell<bool> = const { std::cell::RefCell::new(false) };
}

/// Whether a test asked growth to fail (always `false` outside the unit tests).
#[cfg(test)]
fn growth_fails_for_test() -> bool {
    FAIL_GROWTH.with(|f| *f.borrow())
}

#[cfg(not(test))]
#[inline(always)]
fn growth_fails_for_test() -> bool {
    false
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

    /// `pop_into` gives what as many `pop`s give, and leaves the ring in the same
    /// state (storage size included: the shrink policy counts its receives alike),
    /// wrapped or not, bounded or unbounded, across windows and shrinks.
    #[test]
    fn pop_into_equals_successive_pops() {
        let big = SHRINK_FLOOR * 3;
        for (mut a, mut b, burst) in [
            (Ring::with_slots(7), Ring::with_slots(7), 7),
            (Ring::unbounded(), Ring::unbounded(), big),
        ] {
            let mut next = 0;
            let mut out = Vec::new();
            let mut sizes = std::collections::BTreeSet::new();
            for round in 0..40 {
                // Top up (a full burst now and then, to grow and later shrink).
                let target = if round % 10 == 0 { burst } else { burst / 3 };
                while a.len() < target {
                    a.push(next);
                    b.push(next);
                    next += 1;
                }
                let n = (round * 397 + 3) % (a.len() + 1);
                out.clear();
                out.reserve(n);
                a.pop_into(&mut out, n);
                let want: Vec<_> = (0..n).map(|_| b.pop().unwrap()).collect();
                assert_eq!(out, want, "round {round}");
                assert_eq!((a.len(), a.slots(), a.head), (b.len(), b.slots(), b.head));
                assert_eq!(a.left, b.left);
                sizes.insert(a.slots());
            }
            // The unbounded ring grew and shrank along the way.
            assert!(burst == 7 || sizes.len() > 2, "{sizes:?}");
            let mut rest = Vec::with_capacity(a.len());
            let n = a.len();
            a.pop_into(&mut rest, n);
            let want: Vec<_> = std::iter::from_fn(|| b.pop()).collect();
            assert_eq!(rest, want);
            assert_eq!((a.len(), a.slots()), (0, b.slots()));
        }
    }

    #[test]
    fn pop_into_zero_sized_values() {
        let mut r = Ring::unbounded();
        for _ in 0..10 {
            r.push(());
        }
        let mut out = Vec::new();
        r.pop_into(&mut out, 4);
        assert_eq!((out.len(), r.len()), (4, 6));
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

    fn set_failing_growth(fail: bool) {
        FAIL_GROWTH.with(|f| *f.borrow_mut() = fail);
    }

    /// Values and the ring side by side: pushes `n`, checking nothing.
    fn fill(r: &mut Ring<usize>, model: &mut std::collections::VecDeque<usize>, n: usize) {
        for _ in 0..n {
            let v = model.back().map_or(0, |b| b + 1);
            r.push(v);
            model.push_back(v);
        }
    }

    fn drain(r: &mut Ring<usize>, model: &mut std::collections::VecDeque<usize>, n: usize) {
        for _ in 0..n {
            assert!(!model.is_empty(), "test bug: draining an empty ring");
            assert_eq!(r.pop(), model.pop_front());
        }
    }

    /// Bursts large enough to grow well past the shrink floor (smaller under Miri).
    const BURST: usize = if cfg!(miri) {
        SHRINK_FLOOR * 3
    } else {
        200_000
    };

    #[test]
    fn drained_after_a_burst_frees_the_storage() {
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        fill(&mut r, &mut model, BURST);
        let grown = r.slots();
        assert!(grown >= BURST);
        drain(&mut r, &mut model, BURST);
        assert_eq!(r.len(), 0);
        assert_eq!(
            r.slots(),
            FIRST_GROWTH,
            "a drained ring frees its burst storage"
        );
        // And it still works, growing again for the next burst.
        fill(&mut r, &mut model, BURST);
        assert_eq!(r.slots(), grown);
        drain(&mut r, &mut model, BURST);
        assert_eq!(r.pop(), None);
    }

    #[test]
    fn a_short_burst_is_not_freed() {
        // Fewer receives than half the storage since it grew: no shrink yet (the
        // policy never pays a reallocation per receive).
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        fill(&mut r, &mut model, SHRINK_FLOOR * 4 + 1); // grows to 8 × floor
        let grown = r.slots();
        drain(&mut r, &mut model, SHRINK_FLOOR * 2);
        fill(&mut r, &mut model, SHRINK_FLOOR * 2);
        assert_eq!(r.slots(), grown);
        // Small rings never shrink.
        let mut s = Ring::unbounded();
        let mut m2 = std::collections::VecDeque::new();
        fill(&mut s, &mut m2, SHRINK_FLOOR);
        drain(&mut s, &mut m2, SHRINK_FLOOR);
        assert_eq!(s.slots(), SHRINK_FLOOR);
    }

    #[test]
    fn sustained_low_use_shrinks_to_a_small_multiple_of_the_length() {
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        fill(&mut r, &mut model, BURST);
        // Drain to a backlog of 100 that never empties, then traffic around it.
        drain(&mut r, &mut model, BURST - 100);
        for _ in 0..BURST / 4 {
            fill(&mut r, &mut model, 10);
            drain(&mut r, &mut model, 10);
        }
        assert_eq!(r.len(), 100);
        assert!(
            r.slots() <= 4 * 110 && r.slots() >= 110,
            "{} slots for 100 to 110 values",
            r.slots()
        );
        let left: Vec<usize> = std::iter::from_fn(|| r.pop()).collect();
        assert_eq!(left, Vec::from(model));
    }

    #[test]
    fn reshaping_keeps_the_order_at_every_head() {
        // Every head position and length, wrapped or not, then room to grow again.
        for shift in (0..64).step_by(if cfg!(miri) { 9 } else { 1 }) {
            for len in [0, 1, 5, 16, 40] {
                let mut r = Ring::unbounded();
                let mut model = std::collections::VecDeque::new();
                fill(&mut r, &mut model, 64);
                drain(&mut r, &mut model, shift);
                fill(&mut r, &mut model, shift);
                drain(&mut r, &mut model, 64 - len);
                let target = len.next_power_of_two().max(FIRST_GROWTH);
                r.reshape(target);
                assert_eq!((r.slots(), r.len()), (target, len));
                fill(&mut r, &mut model, 70);
                let got: Vec<usize> = std::iter::from_fn(|| r.pop()).collect();
                assert_eq!(got, Vec::from(model), "shift {shift}, len {len}");
            }
        }
    }

    #[test]
    fn a_window_with_a_long_backlog_does_not_shrink() {
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        fill(&mut r, &mut model, SHRINK_FLOOR * 2 + 1); // 4 × floor slots
        let grown = r.slots();
        // Keep about half the storage in use over two windows: no shrink.
        drain(&mut r, &mut model, SHRINK_FLOOR / 2);
        for _ in 0..SHRINK_FLOOR * 2 {
            fill(&mut r, &mut model, 1);
            drain(&mut r, &mut model, 1);
        }
        assert_eq!(r.slots(), grown);
        // Once it is mostly empty at a window's end, it shrinks.
        let n = r.len() - 21;
        drain(&mut r, &mut model, n);
        for _ in 0..SHRINK_FLOOR * 2 {
            fill(&mut r, &mut model, 1);
            drain(&mut r, &mut model, 1);
        }
        // Down to the floor (rings that small are left alone).
        assert!(
            r.slots() <= SHRINK_FLOOR,
            "{} slots for 21 values",
            r.slots()
        );
        let got: Vec<usize> = std::iter::from_fn(|| r.pop()).collect();
        assert_eq!(got, Vec::from(model));
    }

    #[test]
    fn bounded_rings_never_resize() {
        let mut r = Ring::with_slots(SHRINK_FLOOR * 4);
        for i in 0..SHRINK_FLOOR * 4 {
            r.push(i);
        }
        for _ in 0..SHRINK_FLOOR * 4 {
            r.pop();
        }
        assert_eq!(r.slots(), SHRINK_FLOOR * 4);
    }

    #[test]
    fn failed_growth_leaves_the_ring_whole() {
        use std::rc::Rc;
        let token = Rc::new(());
        let mut r = Ring::unbounded();
        // A full, wrapped ring: the next push must grow.
        for _ in 0..FIRST_GROWTH + 5 {
            r.push(token.clone());
        }
        for _ in 0..5 {
            drop(r.pop());
        }
        let room = FIRST_GROWTH * 2 - r.len();
        for _ in 0..room {
            r.push(token.clone());
        }
        let (slots, len) = (r.slots(), r.len());
        assert_eq!(slots, len, "full");
        set_failing_growth(true);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.push(token.clone());
        }));
        let front = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.push_front(token.clone());
        }));
        set_failing_growth(false);
        let msg = caught.unwrap_err();
        assert!(msg
            .downcast_ref::<String>()
            .is_some_and(|m| m.contains("cannot grow a channel buffer")));
        assert!(front.is_err());
        // The values are all there; the ones that failed to go in were dropped.
        assert_eq!((r.slots(), r.len()), (slots, len));
        assert_eq!(Rc::strong_count(&token), len + 1);
        // And the ring works: it grows now, and gives back every value.
        r.push(token.clone());
        assert_eq!(r.len(), len + 1);
        let mut n = 0;
        while let Some(v) = r.pop() {
            drop(v);
            n += 1;
        }
        assert_eq!(n, len + 1);
        assert_eq!(Rc::strong_count(&token), 1);
    }

    #[test]
    fn failed_growth_keeps_the_order() {
        let mut r = Ring::unbounded();
        let mut model = std::collections::VecDeque::new();
        fill(&mut r, &mut model, FIRST_GROWTH + 3);
        drain(&mut r, &mut model, 3);
        let room = FIRST_GROWTH * 2 - r.len();
        fill(&mut r, &mut model, room);
        set_failing_growth(true);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.push(usize::MAX)));
        set_failing_growth(false);
        assert!(caught.is_err());
        let got: Vec<usize> = std::iter::from_fn(|| r.pop()).collect();
        assert_eq!(got, Vec::from(model));
    }

    #[test]
    #[should_panic(expected = "capacity")]
    fn huge_capacity_panics_naming_it() {
        let _ = Ring::<u64>::with_slots(usize::MAX / 2);
    }
}
