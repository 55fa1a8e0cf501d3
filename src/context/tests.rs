//! Unit tests that look at a context's internals: the parent's children slab (Go's
//! `TestCancelRemoves`, `TestParentFinishesChild`'s map checks) and the hooks.

use super::*;

/// How many children and hooks a context's canceller holds.
fn counts(ctx: &Context) -> (usize, usize) {
    let st = ctx.canceller().expect("a cancellable context").state.lock();
    (st.children.len(), st.hooks.len())
}

/// TestCancelRemoves: a child that is cancelled, or whose handle is dropped, leaves
/// its parent's children; timers and after_funcs likewise.
#[test]
fn cancel_removes_children() {
    let (parent, _cancel) = background().with_cancel();
    assert_eq!(counts(&parent), (0, 0));
    let (_child, cancel) = parent.with_cancel();
    assert_eq!(counts(&parent), (1, 0));
    cancel.cancel();
    assert_eq!(counts(&parent), (0, 0));

    let (child, cancel) = parent.with_timeout(Duration::from_secs(3600));
    assert_eq!(counts(&parent), (1, 0));
    drop(cancel);
    assert_eq!(counts(&parent), (0, 0));
    assert!(child.err().is_some());

    let after = parent.after_func(|| {});
    assert_eq!(counts(&parent), (0, 1));
    assert!(after.stop());
    assert_eq!(counts(&parent), (0, 0));

    // Value contexts do not register: they share the parent's canceller.
    let v = parent.with_value(1u8);
    assert_eq!(counts(&parent), (0, 0));
    let (_grandchild, _c) = v.with_cancel();
    assert_eq!(
        counts(&parent),
        (1, 0),
        "registered with the nearest canceller"
    );
    drop(_c);
    assert_eq!(counts(&parent), (0, 0));
    let _ = crate::park::timers::stop_if_idle();
}

/// TestParentFinishesChild (internals): a cancelled parent's slabs are emptied and
/// its children no longer point at it.
#[test]
fn cancel_empties_the_tree() {
    let (parent, cancel) = background().with_cancel();
    let (child, _c1) = parent.with_cancel();
    let (grandchild, _c2) = child.with_cancel();
    let _after = grandchild.after_func(|| {});
    assert_eq!(counts(&parent), (1, 0));
    assert_eq!(counts(&child), (1, 0));
    assert_eq!(counts(&grandchild), (0, 1));
    cancel.cancel();
    for c in [&parent, &child, &grandchild] {
        assert_eq!(counts(c), (0, 0));
        assert_eq!(c.canceller().unwrap().state.lock().parent_key, None);
    }
    __join_after_func_threads();
}

/// A parent that lives on while children come and go keeps one slot.
#[test]
fn short_lived_children_reuse_one_slot() {
    let (parent, _cancel) = background().with_cancel();
    for _ in 0..if cfg!(miri) { 20 } else { 1000 } {
        let (child, c) = parent.with_cancel();
        let _grandchild = child.with_value(()).with_cancel();
        drop(c);
    }
    let st = parent.canceller().unwrap().state.lock();
    assert_eq!(st.children.len(), 0);
    assert!(st.children.capacity() <= 1);
}

/// A very long chain of contexts drops without recursing once per link.
#[test]
fn long_chains_drop_iteratively() {
    let n = if cfg!(miri) { 200 } else { 100_000 };
    let (mut ctx, first) = background().with_cancel();
    let mut handles = vec![first];
    for i in 0..n {
        ctx = if i % 2 == 0 {
            ctx.with_value(i)
        } else {
            let (c, h) = ctx.with_cancel();
            handles.push(h);
            c
        };
    }
    handles.swap(0, 1); // not the root first: cancel a subtree, then the rest
    handles[0].cancel();
    drop(handles);
    assert!(ctx.err().is_some());
    drop(ctx);
}
