//! The cases of a [`Select`](super::Select), unboxed: one buffer holds them all.
//!
//! A dynamic select used to box each case (its waiter and closure), so that a linked
//! waiter never moves. A case needs a fixed address only while the select waits,
//! and cases are added only before: so they can live side by side in one growing
//! buffer, which may move them while the select is being built and never after.
//!
//! Each case is written into the buffer at an offset rounded to [`Unit`]s, after a
//! unit that holds a function turning a pointer to the case back into a `dyn Arm`
//! (the compiler's own unsizing: no vtable is built by hand) and the case's drop
//! function, if it has anything to drop; the index lists the offsets in source
//! order. A case whose alignment exceeds a unit's is boxed, and the box stored
//! instead.
//!
//! Neither the buffer nor the index depends on the cases' types, so when a select
//! ends its two (emptied) vectors, in their box, are kept for the thread's next
//! select (`spare`): a thread that selects in a loop allocates for its cases only
//! while its selects grow.

use super::builder::{Arm, HasHandle, Kind};
use super::engine::Cases;
use super::handle::SelectHandle;
use super::spare;
use std::marker::PhantomData;
use std::mem::{self, MaybeUninit};
use std::ptr::{self, NonNull};

/// The buffer's element: sets the alignment every case offset has.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub(super) struct Unit([u8; 16]);

/// Turns a pointer to a case's place in the buffer into the case.
type Erase<'a, R> = fn(NonNull<Unit>) -> NonNull<dyn Arm<R> + 'a>;

/// What the unit before a case holds.
#[derive(Clone, Copy)]
struct Header<'a, R> {
    erase: Erase<'a, R>,
    /// Drops the case in place (`drop_case`); `None` when the case's type has nothing
    /// to drop (a receive case of a plain-data type whose closure captures plain
    /// data): dropping the cases not chosen then costs no call at all.
    drop: Option<unsafe fn(NonNull<Unit>)>,
}

/// Drops the case of type `A` at `p`.
///
/// # Safety
/// `p` points at a case of type `A` that `push` wrote, neither run nor dropped, and
/// carries the buffer's permission; it is never used again.
unsafe fn drop_case<A>(p: NonNull<Unit>) {
    // SAFETY: forwarded contract.
    unsafe { ptr::drop_in_place(p.cast::<A>().as_ptr()) }
}

/// How many cases' room the buffer and index take at the first case when the thread
/// has no spare vectors.
const FIRST: usize = 8;

/// The cases of a select, in source order.
///
/// Owns them as a `Vec<Box<K::Case<'a, R>>>` would (the marker field), so the
/// select is `Send` exactly when its [`Kind`] says, and drop checking sees the
/// cases' borrows.
pub(super) struct Arms<'a, R, K: Kind> {
    /// The buffer and index, behind one pointer (`None` until the first case). The
    /// builder is used by value, so every case added moves the whole `Select`: as one
    /// pointer and a word it is moved in registers, where the two vectors themselves
    /// (six words) were copied through the stack twice per case, by loads wider than
    /// the stores that had just written them, a stalled store-to-load forwarding each
    /// (`perf annotate` of a 64-case select built in a loop: two thirds of its time).
    store: Option<Box<Store>>,
    _owns: PhantomData<Box<K::Case<'a, R>>>,
}

/// What [`Arms`] owns: kept, emptied, for the thread's next select (`spare`).
#[derive(Default)]
pub(super) struct Store {
    /// The cases, each after its header unit; only ever written by `push`.
    buf: Vec<MaybeUninit<Unit>>,
    /// Per case still owned, in source order: the offset (in units) of its `Erase`
    /// unit in `buf`.
    index: Vec<usize>,
    /// Cases pushed that can never proceed (nil or `never`; whether a case is
    /// active never changes). While there are none the engine takes every case as
    /// active without asking each (a virtual call and a load of the channel's
    /// handle per case, per select).
    inactive: usize,
    /// Cases pushed whose type has something to drop: while there are none, the
    /// cases not chosen are let go without a call each.
    droppable: usize,
}

impl Store {
    /// Whether it holds no case (what `spare` keeps).
    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.index.is_empty() && self.inactive == 0 && self.droppable == 0
    }

    /// The bytes of the buffer (what `spare` weighs before keeping it).
    pub(super) fn bytes(&self) -> usize {
        self.buf.capacity() * mem::size_of::<Unit>()
            + self.index.capacity() * mem::size_of::<usize>()
    }
}

/// A case whose alignment exceeds a unit's, boxed (rare: an over-aligned send value
/// or closure capture).
struct Boxed<A>(Box<A>);

impl<A: HasHandle> HasHandle for Boxed<A> {
    fn handle(&self) -> &dyn SelectHandle {
        self.0.handle()
    }
}

impl<R, A: Arm<R>> Arm<R> for Boxed<A> {
    unsafe fn run_in_place(&mut self) -> R {
        // SAFETY: the caller never uses or drops `*self` again (contract), so the box
        // may be taken out of it.
        let raw = Box::into_raw(unsafe { ptr::read(&self.0) });
        // SAFETY: `raw` is the box's case, run once; `run_in_place` moves it out, so
        // the box is then freed as uninitialized memory (the case is not dropped).
        unsafe {
            let r = (*raw).run_in_place();
            drop(Box::from_raw(raw.cast::<MaybeUninit<A>>()));
            r
        }
    }
}

fn erase<'a, R, A: Arm<R> + 'a>(p: NonNull<Unit>) -> NonNull<dyn Arm<R> + 'a> {
    p.cast::<A>()
}

impl<'a, R, K: Kind> Arms<'a, R, K> {
    pub(super) fn new() -> Self {
        Arms {
            store: None,
            _owns: PhantomData,
        }
    }

    /// How many cases.
    pub(super) fn len(&self) -> usize {
        self.store.as_ref().map_or(0, |s| s.index.len())
    }

    /// Adds a case. Nothing may be registered (the cases may move).
    #[inline]
    pub(super) fn push<A: Arm<R> + 'a>(&mut self, arm: A) {
        if mem::align_of::<A>() > mem::align_of::<Unit>() {
            self.push_inline(Boxed(Box::new(arm)));
        } else {
            self.push_inline(arm);
        }
    }

    #[inline]
    fn push_inline<A: Arm<R> + 'a>(&mut self, arm: A) {
        const {
            assert!(mem::size_of::<Header<'static, ()>>() <= mem::size_of::<Unit>());
            assert!(mem::align_of::<Header<'static, ()>>() <= mem::align_of::<Unit>());
        };
        assert!(mem::align_of::<A>() <= mem::align_of::<Unit>());
        // The header unit, then the case.
        let units = 1 + mem::size_of::<A>().div_ceil(mem::size_of::<Unit>());
        let active = arm.handle().is_active();
        let store = self.store.get_or_insert_with(|| {
            let mut s = spare::take_arms();
            s.index.reserve(FIRST);
            s.buf.reserve(units * FIRST);
            s
        });
        if store.buf.capacity() - store.buf.len() < units {
            // Grow four-fold (index too): a select of 64 cases reallocates twice after
            // the first reservation, not three times.
            store.buf.reserve(store.buf.len() * 3 + units);
            store.index.reserve(store.index.len() * 3);
        }
        let at = store.buf.len();
        // Room for `units` more units after `at` was reserved above: the header unit,
        // then `size_of::<A>()` bytes at least, at an offset aligned for `A` (a
        // multiple of a unit, whose alignment is at least `A`'s and a function
        // pointer's). The units become initialized `MaybeUninit`s (any bytes are).
        // SAFETY: the writes stay in that reserved, aligned room; the index records
        // the case, so it is dropped or run exactly once.
        unsafe {
            let p = store.buf.as_mut_ptr().add(at);
            p.cast::<Header<'a, R>>().write(Header {
                erase: erase::<'a, R, A>,
                drop: if mem::needs_drop::<A>() {
                    Some(drop_case::<A>)
                } else {
                    None
                },
            });
            p.add(1).cast::<A>().write(arm);
            store.buf.set_len(at + units);
        }
        store.index.push(at);
        store.inactive += usize::from(!active);
        store.droppable += usize::from(mem::needs_drop::<A>());
    }

    /// The case whose header unit is at `p`.
    ///
    /// # Safety
    /// `p` points at the header unit of a case `push` wrote, still in the index, and
    /// carries the buffer's permission.
    #[inline]
    unsafe fn at(p: *mut MaybeUninit<Unit>) -> NonNull<dyn Arm<R> + 'a> {
        // SAFETY: `push` wrote an `Erase<'a, R>` there and the case in the next unit;
        // pointers into a vector's buffer are not null.
        unsafe {
            let erase = p.cast::<Header<'a, R>>().read().erase;
            erase(NonNull::new_unchecked(p.add(1).cast::<Unit>()))
        }
    }

    /// Case `i`, mutable, from `store` (which has at least `i + 1` cases).
    fn arm_mut(store: &mut Store, i: usize) -> NonNull<dyn Arm<R> + 'a> {
        let at = store.index[i];
        // SAFETY: case `i` is in the index; `as_mut_ptr` carries the buffer's
        // permission.
        unsafe { Self::at(store.buf.as_mut_ptr().add(at)) }
    }

    /// Drops every case not yet run; keeps the buffer. A case is out of the index
    /// before its drop starts, so a panicking drop leaks the rest but never drops one
    /// twice.
    pub(super) fn clear(&mut self) {
        let Some(store) = self.store.as_deref_mut() else {
            return;
        };
        // The counts are of cases pushed: the select is over once one is dropped.
        store.inactive = 0;
        if store.droppable == 0 {
            store.index.clear();
            return;
        }
        store.droppable = 0;
        while let Some(at) = store.index.pop() {
            // The case was written by `push` at `at` (its header unit) and, being in
            // the index until just now, was never run or dropped; nothing is
            // registered (the engine's `finish` ran, or it never parked).
            // SAFETY: as just said; the header's drop function is for the case's type.
            unsafe {
                let p = store.buf.as_mut_ptr().add(at);
                if let Some(drop) = p.cast::<Header<'a, R>>().read().drop {
                    drop(NonNull::new_unchecked(p.add(1).cast::<Unit>()));
                }
            }
        }
    }

    /// Drops every case but `chosen`, then runs `chosen`'s closure.
    pub(super) fn run(&mut self, chosen: usize) -> R {
        let store = self
            .store
            .as_deref_mut()
            .expect("bug: a select chose a case it does not have");
        let mut p = Self::arm_mut(store, chosen);
        store.index.swap_remove(chosen);
        self.clear();
        // SAFETY: the chosen case was in the index (so neither run nor dropped), and
        // is now out of it, so it is never dropped again: `run_in_place` moves it out.
        // The buffer lives as long as `self`; `clear` dropped only other cases.
        unsafe { p.as_mut().run_in_place() }
    }
}

impl<R, K: Kind> Drop for Arms<'_, R, K> {
    fn drop(&mut self) {
        self.clear();
        if let Some(mut store) = self.store.take() {
            // Emptied: the cases' bytes are left behind as `MaybeUninit`s.
            store.buf.clear();
            spare::give_arms(store);
        }
    }
}

impl<R, K: Kind> Cases for Arms<'_, R, K> {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn all_active(&self) -> bool {
        !matches!(&self.store, Some(s) if s.inactive != 0)
    }

    #[inline]
    fn case(&self, i: usize) -> &dyn SelectHandle {
        let store = self
            .store
            .as_deref()
            .expect("bug: a select asked for a case it does not have");
        let at = store.index[i];
        // `as_ptr` keeps the buffer's own permission (no reference to the units is
        // made), so the cases may change their interior cells through it.
        let p = store.buf.as_ptr().wrapping_add(at).cast_mut();
        // SAFETY: case `i` is in the index, so neither run nor dropped; the view is
        // shared and lives as long as `&self`, during which the buffer does not
        // change.
        unsafe { Self::at(p).as_ref() }.handle()
    }
}
