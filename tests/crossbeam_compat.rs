//! Code written against crossbeam-channel's names compiles and behaves the same on
//! gosync: the `Disconnected` names of the `Closed` error cases (constants usable in
//! patterns, constructors usable in expressions) and `is_disconnected()`.

use gosync::chan::{self, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use gosync::select;
use std::time::Duration;

#[test]
fn try_recv_disconnected_is_closed_in_expressions_and_patterns() {
    let (tx, rx) = chan::bounded::<u8>(1);
    tx.send(1).unwrap();
    drop(tx);
    // Drained first, then disconnected.
    assert_eq!(rx.try_recv(), Ok(1));
    let err = rx.try_recv().unwrap_err();
    assert_eq!(err, TryRecvError::Disconnected);
    assert_eq!(TryRecvError::Disconnected, TryRecvError::Closed);
    let seen = match err {
        TryRecvError::Empty => "empty",
        TryRecvError::Disconnected => "disconnected",
        #[allow(unreachable_patterns)]
        TryRecvError::Closed => "closed",
    };
    assert_eq!(seen, "disconnected");
    assert!(err.is_disconnected());
    assert!(!TryRecvError::Empty.is_disconnected());
}

#[test]
fn recv_timeout_disconnected_is_closed_in_expressions_and_patterns() {
    let (tx, rx) = chan::unbounded::<u8>();
    assert_eq!(
        rx.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    drop(tx);
    let err = rx.recv_timeout(Duration::from_secs(10)).unwrap_err();
    assert!(matches!(err, RecvTimeoutError::Disconnected));
    assert_eq!(err, RecvTimeoutError::Closed);
    assert!(err.is_disconnected());
    assert!(!RecvTimeoutError::Timeout.is_disconnected());
}

#[test]
fn try_send_disconnected_builds_closed_with_the_value() {
    let (tx, rx) = chan::bounded(1);
    tx.try_send(String::from("a")).unwrap();
    let full = tx.try_send(String::from("b")).unwrap_err();
    assert!(!full.is_disconnected());
    assert_eq!(full, TrySendError::Full(String::from("b")));
    drop(rx);
    let err = tx.try_send(String::from("c")).unwrap_err();
    assert_eq!(err, TrySendError::Disconnected(String::from("c")));
    assert!(err.is_disconnected());
    // The constructor builds the `Closed` variant, so a match on `Closed` sees it.
    match TrySendError::Disconnected(7) {
        TrySendError::Closed(v) => assert_eq!(v, 7),
        TrySendError::Full(_) => panic!("Disconnected built Full"),
    }
    // It is an ordinary function: usable where a `fn(T) -> TrySendError<T>` is.
    let errs: Vec<TrySendError<u8>> = vec![1, 2]
        .into_iter()
        .map(TrySendError::Disconnected)
        .collect();
    assert_eq!(errs, [TrySendError::Closed(1), TrySendError::Closed(2)]);
    assert_eq!(err.into_inner(), "c");
}

#[test]
fn send_timeout_disconnected_builds_closed_with_the_value() {
    let (tx, rx) = chan::bounded(0);
    let timed_out = tx.send_timeout(1u8, Duration::from_millis(1)).unwrap_err();
    assert!(timed_out.is_timeout());
    assert!(!timed_out.is_disconnected());
    drop(rx);
    let err = tx.send_timeout(2u8, Duration::from_secs(10)).unwrap_err();
    assert_eq!(err, SendTimeoutError::Disconnected(2));
    assert!(err.is_disconnected());
    assert!(matches!(
        SendTimeoutError::Disconnected(3u8),
        SendTimeoutError::Closed(3)
    ));
}

#[test]
fn disconnected_names_in_a_select_arm() {
    // crossbeam-style code: a select arm that checks a try_recv with the crossbeam
    // name, on a channel whose sender went away.
    let (tx, rx) = chan::bounded::<u8>(1);
    let (done_tx, done) = chan::bounded::<()>(0);
    drop(tx);
    drop(done_tx);
    let got = select! {
        recv(done) -> m => {
            assert!(m.is_err());
            rx.try_recv()
        }
    };
    assert!(matches!(got, Err(TryRecvError::Disconnected)));
}
