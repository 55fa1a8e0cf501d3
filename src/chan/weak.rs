//! Handle counts and weak senders.
//!
//! A [`WeakSender`] refers to a channel without counting as one of its senders: the
//! channel closes when the last (strong) [`Sender`] goes, however many weak senders
//! are left, and [`WeakSender::upgrade`] fails from then on. Upgrading is a CAS loop
//! on the channel's live-sender count that never increments it from zero, so a
//! channel closed by its senders dropping can never gain a sender again.

use super::{Hchan, Receiver, RecvFlavor, Sender};
use crate::facade::{Arc, Ordering};
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};

/// A sender that does not keep the channel open: made by [`Sender::downgrade`], turned
/// back into a [`Sender`] by [`upgrade`](WeakSender::upgrade) while at least one
/// `Sender` is alive.
///
/// Useful where a long-lived registry must be able to reach a channel without
/// preventing its close (Go has no equivalent: there, closing is always explicit).
/// A weak sender keeps the channel's memory (not its values: those belong to the
/// receivers) until it is dropped.
///
/// ```
/// let (tx, rx) = gosync::chan::unbounded();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap(); // a Sender while `tx` lives
/// drop(tx);                                 // the last Sender: the channel closes
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err());
/// ```
pub struct WeakSender<T> {
    chan: Arc<Hchan<T>>,
}

impl<T> Sender<T> {
    /// The number of live [`Sender`] handles of this channel (this one included); a
    /// snapshot. [`WeakSender`]s are not counted.
    ///
    /// ```
    /// let (tx, _rx) = gosync::chan::bounded::<i32>(1);
    /// let tx2 = tx.clone();
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.sender_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.sender_count(), 1);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }

    /// The number of live [`Receiver`] handles of this channel; a snapshot. Once it is
    /// 0 every send fails.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded::<i32>(1);
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// assert!(tx.send(1).is_err());
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan.receivers.load(Ordering::Acquire)
    }

    /// A [`WeakSender`] for this channel: it does not keep the channel open.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded::<i32>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.sender_count(), 1); // the weak one is not counted
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// The number of live [`Sender`] handles of this channel; a snapshot. 0 means no
    /// value will ever be added (the channel is closed; what is buffered can still be
    /// received). [`never()`](super::never) and the timer receivers have no channel:
    /// 0.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded::<i32>();
    /// assert_eq!(rx.sender_count(), 1);
    /// drop(tx);
    /// assert_eq!(rx.sender_count(), 0);
    /// assert!(rx.is_closed());
    /// ```
    pub fn sender_count(&self) -> usize {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.senders.load(Ordering::Acquire),
            RecvFlavor::Never | RecvFlavor::Timer(..) => 0,
        }
    }

    /// The number of live [`Receiver`] handles of this channel (this one included); a
    /// snapshot. [`never()`](super::never) and the timer receivers have no channel: 0.
    ///
    /// ```
    /// let (_tx, rx) = gosync::chan::unbounded::<i32>();
    /// let rx2 = rx.clone();
    /// assert_eq!(rx.receiver_count(), 2);
    /// drop(rx2);
    /// assert_eq!(rx.receiver_count(), 1);
    /// assert_eq!(gosync::chan::never::<i32>().receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        match &self.flavor {
            RecvFlavor::Chan(c) => c.receivers.load(Ordering::Acquire),
            RecvFlavor::Never | RecvFlavor::Timer(..) => 0,
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`] for the channel, if at least one `Sender` is still alive; `None`
    /// once the last one was dropped (the channel is then closed for good). A channel
    /// closed with [`Sender::close`] while senders live still upgrades: the new
    /// `Sender`'s sends fail, as those of a clone would.
    ///
    /// An upgrade that races the last `Sender`'s drop either fails, or succeeds and
    /// keeps the channel open until the new `Sender` is dropped.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::bounded(1);
    /// let weak = tx.downgrade();
    /// let tx2 = weak.upgrade().expect("tx is alive");
    /// drop(tx);
    /// assert!(!rx.is_closed()); // tx2 keeps it open
    /// tx2.send(5).unwrap();
    /// drop(tx2);
    /// assert!(weak.upgrade().is_none());
    /// assert_eq!(rx.recv(), Ok(5));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let senders = &self.chan.senders;
        let mut n = senders.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            if n > isize::MAX as usize {
                std::process::abort();
            }
            // ORDERING: Acquire on success, as `Arc`'s `Weak::upgrade`: the new
            // sender's operations come after the increment that made it live. Never
            // from 0: the last `Sender`'s drop (AcqRel decrement to 0) closes the
            // channel, and no sender may appear after that.
            match senders.compare_exchange_weak(n, n + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => {
                    return Some(Sender {
                        chan: self.chan.clone(),
                    })
                }
                Err(now) => n = now,
            }
        }
    }

    /// The number of live [`Sender`] handles of the channel; 0 once it cannot be
    /// upgraded.
    ///
    /// ```
    /// let (tx, _rx) = gosync::chan::unbounded::<u8>();
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.sender_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.sender_count(), 0);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }

    /// The number of live [`Receiver`] handles of the channel.
    ///
    /// ```
    /// let (tx, rx) = gosync::chan::unbounded::<u8>();
    /// let weak = tx.downgrade();
    /// drop(rx);
    /// assert_eq!(weak.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan.receivers.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("senders", &self.sender_count())
            .field("closed", &self.chan.is_closed())
            .finish()
    }
}

// Unwind safe for the reason `Sender`'s and `Receiver`'s are (see chan/mod.rs): the
// channel's invariants hold whenever its lock is free, and nothing is poisoned.
impl<T> UnwindSafe for WeakSender<T> {}
impl<T> RefUnwindSafe for WeakSender<T> {}
