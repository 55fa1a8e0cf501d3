//! What the handles and futures implement, pinned at compile time
//! (`static_assertions`), and `same_channel` on nil channels.
//!
//! `Cell` here is a type with interior mutability, not a synchronisation primitive.
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, Sender};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::cell::Cell;
use std::panic::{catch_unwind, RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::sync::MutexGuard;

// Handles are unwind safe whatever `T` is, as crossbeam-channel's are.
assert_impl_all!(Sender<u32>: UnwindSafe, RefUnwindSafe, Send, Sync);
assert_impl_all!(Receiver<u32>: UnwindSafe, RefUnwindSafe, Send, Sync);
assert_impl_all!(Sender<Cell<u32>>: UnwindSafe, RefUnwindSafe);
assert_impl_all!(Receiver<MutexGuard<'static, u32>>: UnwindSafe, RefUnwindSafe);
assert_not_impl_any!(Sender<Rc<u32>>: Send, Sync);

#[cfg(feature = "async")]
mod futures_bounds {
    use gosync::chan::{RecvFuture, RecvStream, SendFuture, SendSink};
    use static_assertions::{assert_impl_all, assert_not_impl_any};
    use std::cell::Cell;
    use std::rc::Rc;

    // Receiving futures hold no `T`: `Send + Sync` when `T: Send`.
    assert_impl_all!(RecvFuture<'static, Cell<u8>>: Send, Sync);
    assert_impl_all!(RecvStream<'static, Cell<u8>>: Send, Sync);
    assert_not_impl_any!(RecvFuture<'static, Rc<u8>>: Send, Sync);
    assert_not_impl_any!(RecvStream<'static, Rc<u8>>: Send, Sync);
    // Sending futures hold the `T` until it is sent: `Sync` only when `T: Sync`.
    assert_impl_all!(SendFuture<'static, String>: Send, Sync);
    assert_impl_all!(SendSink<'static, String>: Send, Sync);
    assert_impl_all!(SendFuture<'static, Cell<u8>>: Send);
    assert_impl_all!(SendSink<'static, Cell<u8>>: Send);
    assert_not_impl_any!(SendFuture<'static, Cell<u8>>: Sync);
    assert_not_impl_any!(SendSink<'static, Cell<u8>>: Sync);
    assert_not_impl_any!(SendFuture<'static, Rc<u8>>: Send, Sync);
    assert_not_impl_any!(SendSink<'static, Rc<u8>>: Send, Sync);
}

#[test]
fn a_handle_crosses_catch_unwind() {
    let (tx, rx) = chan::bounded::<u32>(1);
    // Each closure captures a handle by move or by reference.
    catch_unwind(|| tx.send(1).unwrap()).unwrap();
    assert_eq!(catch_unwind(|| rx.recv()).unwrap(), Ok(1));
    catch_unwind(move || drop(tx)).unwrap();
    let r = catch_unwind(move || {
        assert!(rx.is_closed());
        panic!("a panic with a receiver inside");
    });
    assert!(r.is_err());
}

#[test]
fn never_is_the_same_channel_as_every_never() {
    let a = chan::never::<u32>();
    assert!(a.same_channel(&a));
    assert!(a.same_channel(&chan::never()));
    assert!(a.same_channel(&a.clone()));
    let (_tx, rx) = chan::bounded::<u32>(0);
    assert!(!a.same_channel(&rx));
    assert!(!rx.same_channel(&a));
    let timer = chan::after(std::time::Duration::from_secs(60));
    assert!(!chan::never().same_channel(&timer));
}
