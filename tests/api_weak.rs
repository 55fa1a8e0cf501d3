//! Handle counts, weak senders, and what `{:?}` of a handle prints (issue 17).
#![cfg(not(gosync_loom))]

use gosync::chan::{self, Receiver, Sender, WeakSender};
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::fmt::Debug;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::thread;

assert_impl_all!(WeakSender<i32>: Clone, Send, Sync, Debug, UnwindSafe, RefUnwindSafe);
assert_impl_all!(Sender<i32>: Clone, Send, Sync, Debug, UnwindSafe, RefUnwindSafe);
assert_impl_all!(Receiver<i32>: Clone, Send, Sync, Debug, UnwindSafe, RefUnwindSafe);
// Values that cannot cross threads make handles that cannot either.
assert_not_impl_any!(WeakSender<Rc<i32>>: Send, Sync);

#[test]
fn counts_follow_clones_and_drops() {
    let (tx, rx) = chan::bounded::<i32>(1);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    let (tx2, rx2, rx3) = (tx.clone(), rx.clone(), rx.clone());
    assert_eq!((rx.sender_count(), rx.receiver_count()), (2, 3));
    let weak = tx.downgrade();
    assert_eq!(weak.sender_count(), 2, "a weak sender is not counted");
    drop((tx2, rx2, rx3));
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    drop(tx);
    assert_eq!((rx.sender_count(), weak.sender_count()), (0, 0));
    assert!(rx.is_closed());
    // Not channels: no handles counted.
    let n = chan::never::<i32>();
    assert_eq!((n.sender_count(), n.receiver_count()), (0, 0));
    let t = chan::after(std::time::Duration::from_secs(3600));
    assert_eq!((t.sender_count(), t.receiver_count()), (0, 0));
}

#[test]
fn a_weak_sender_does_not_keep_the_channel_open() {
    let (tx, rx) = chan::unbounded::<String>();
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    tx.send("a".into()).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert!(weak.upgrade().is_none());
    assert!(weak2.upgrade().is_none());
    assert_eq!(rx.recv().as_deref(), Ok("a"));
    assert!(rx.recv().is_err());
}

#[test]
fn an_upgraded_sender_keeps_it_open_and_closes_it_last() {
    let (tx, rx) = chan::bounded::<u32>(4);
    let weak = tx.downgrade();
    let up = weak.upgrade().unwrap();
    assert_eq!(tx.sender_count(), 2);
    drop(tx);
    assert!(!rx.is_closed());
    up.send(3).unwrap();
    drop(up);
    assert!(rx.is_closed());
    assert_eq!(rx.iter().collect::<Vec<_>>(), [3]);
}

#[test]
fn an_explicitly_closed_channel_still_upgrades_while_senders_live() {
    let (tx, _rx) = chan::bounded::<u32>(1);
    let weak = tx.downgrade();
    tx.close();
    let up = weak.upgrade().expect("a Sender is alive");
    assert_eq!(up.send(1).unwrap_err().into_inner(), 1);
}

#[test]
fn upgrades_racing_drops_on_threads() {
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    for _ in 0..rounds {
        let (tx, rx) = chan::unbounded::<u32>();
        let weak = tx.downgrade();
        let ups: Vec<_> = (0..2)
            .map(|i| {
                let weak = weak.clone();
                thread::spawn(move || weak.upgrade().map(|t| t.send(i).is_ok()))
            })
            .collect();
        drop(tx);
        let mut sent = 0;
        for h in ups {
            if let Some(ok) = h.join().unwrap() {
                assert!(ok, "an upgraded sender found the channel closed");
                sent += 1;
            }
        }
        assert_eq!(rx.iter().count(), sent);
        assert!(weak.upgrade().is_none());
    }
}

#[test]
fn debug_prints_what_a_user_can_use() {
    let (tx, rx) = chan::bounded::<u8>(0);
    assert_eq!(
        format!("{tx:?}"),
        "Sender { flavor: rendezvous, len: 0, capacity: Some(0), closed: false, senders: 1, receivers: 1 }"
    );
    let weak = tx.downgrade();
    assert_eq!(
        format!("{weak:?}"),
        "WeakSender { senders: 1, closed: false }"
    );
    drop(tx);
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { flavor: rendezvous, len: 0, capacity: Some(0), closed: true, senders: 0, receivers: 1 }"
    );
    let (tx, rx) = chan::unbounded::<u8>();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(
        format!("{rx:?}"),
        "Receiver { flavor: unbounded, len: 2, capacity: None, closed: false, senders: 1, receivers: 1 }"
    );
    let t = chan::after(std::time::Duration::from_secs(3600));
    assert_eq!(
        format!("{t:?}"),
        "Receiver { flavor: timer, len: 0, capacity: Some(1), closed: false }"
    );
}

#[test]
fn a_failed_send_names_both_reasons_and_the_sender_tells_which() {
    use gosync::chan::{SendTimeoutError, TrySendError};
    let msg = "sending on a closed channel (closed by `close`, or every receiver was dropped)";
    // Every receiver dropped: nothing was closed by the user.
    let (tx, rx) = chan::bounded::<u8>(1);
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().to_string(), msg);
    assert_eq!(tx.receiver_count(), 0);
    // Closed with `close`, receivers alive.
    let (tx, _rx) = chan::bounded::<u8>(1);
    tx.close();
    let e = tx.send(1).unwrap_err();
    assert_eq!(e.to_string(), msg);
    assert_eq!(tx.receiver_count(), 1);
    assert_eq!(TrySendError::Closed(1u8).to_string(), msg);
    assert_eq!(SendTimeoutError::Closed(1u8).to_string(), msg);
    // The public tuple shape stays (crossbeam-channel's and std's).
    let chan::SendError(v) = e;
    assert_eq!(v, 1);
}
