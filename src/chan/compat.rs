//! crossbeam-channel's names for the error cases gosync calls `Closed`.
//!
//! Go says a channel is *closed*; crossbeam-channel says it is *disconnected*. These
//! items let code written against crossbeam-channel's errors compile unchanged:
//! `TryRecvError::Disconnected` and `RecvTimeoutError::Disconnected` are constants
//! (usable in expressions and in `match` patterns), `TrySendError::Disconnected(v)` and
//! `SendTimeoutError::Disconnected(v)` are constructors (usable in expressions; a
//! pattern must name the variant, `Closed(v)`), and every error has
//! `is_disconnected()`.

#![allow(non_upper_case_globals, non_snake_case)]

use super::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};

impl TryRecvError {
    /// crossbeam-channel's name for [`TryRecvError::Closed`]: the same value, usable
    /// in a `match` pattern.
    ///
    /// ```
    /// use gosync::chan::{unbounded, TryRecvError};
    /// let (tx, rx) = unbounded::<i32>();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// match rx.try_recv() {
    ///     Err(TryRecvError::Disconnected) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub const Disconnected: TryRecvError = TryRecvError::Closed;

    /// crossbeam-channel's name for [`is_closed`](TryRecvError::is_closed).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded::<i32>();
    /// drop(tx);
    /// assert!(rx.try_recv().unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl RecvTimeoutError {
    /// crossbeam-channel's name for [`RecvTimeoutError::Closed`]: the same value,
    /// usable in a `match` pattern.
    ///
    /// ```
    /// use gosync::chan::{unbounded, RecvTimeoutError};
    /// use std::time::Duration;
    /// let (tx, rx) = unbounded::<i32>();
    /// drop(tx);
    /// let err = rx.recv_timeout(Duration::from_secs(1)).unwrap_err();
    /// assert!(matches!(err, RecvTimeoutError::Disconnected));
    /// ```
    pub const Disconnected: RecvTimeoutError = RecvTimeoutError::Closed;

    /// crossbeam-channel's name for [`is_closed`](RecvTimeoutError::is_closed).
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gosync::chan::unbounded::<i32>();
    /// drop(tx);
    /// assert!(rx.recv_timeout(Duration::from_secs(1)).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl<T> TrySendError<T> {
    /// crossbeam-channel's name for [`TrySendError::Closed`], as a constructor: it
    /// builds `Closed(v)`. (A pattern must name the variant: `TrySendError::Closed(v)`.)
    ///
    /// ```
    /// use gosync::chan::{bounded, TrySendError};
    /// let (tx, rx) = bounded(1);
    /// drop(rx);
    /// assert_eq!(tx.try_send(5), Err(TrySendError::Disconnected(5)));
    /// ```
    pub fn Disconnected(v: T) -> TrySendError<T> {
        TrySendError::Closed(v)
    }

    /// crossbeam-channel's name for [`is_closed`](TrySendError::is_closed).
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// drop(rx);
    /// assert!(tx.try_send(5).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl<T> SendTimeoutError<T> {
    /// crossbeam-channel's name for [`SendTimeoutError::Closed`], as a constructor: it
    /// builds `Closed(v)`. (A pattern must name the variant:
    /// `SendTimeoutError::Closed(v)`.)
    ///
    /// ```
    /// use gosync::chan::{bounded, SendTimeoutError};
    /// use std::time::Duration;
    /// let (tx, rx) = bounded(1);
    /// drop(rx);
    /// let err = tx.send_timeout(5, Duration::from_secs(1));
    /// assert_eq!(err, Err(SendTimeoutError::Disconnected(5)));
    /// ```
    pub fn Disconnected(v: T) -> SendTimeoutError<T> {
        SendTimeoutError::Closed(v)
    }

    /// crossbeam-channel's name for [`is_closed`](SendTimeoutError::is_closed).
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// drop(rx);
    /// assert!(tx.send_timeout(5, Duration::from_secs(1)).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}
