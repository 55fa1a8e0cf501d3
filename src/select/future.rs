//! [`Select::wait_async`]: the select engine driven by a task instead of a thread.
//!
//! The same phases as the blocking driver (`engine::run`), split across polls: pass 1
//! (poll every case under all the locks) and pass 2 (register one waiter per case,
//! all pointing at the future's task [`Context`]) in the first poll; on a later poll
//! that finds the context final, pass 3 (unregister) and `finish`, then the chosen
//! arm. Timer cases are woken by the shared timer thread at their earliest deadline;
//! when it passes, the future withdraws its waiters and polls again.
//!
//! Dropping the future while it waits unregisters its waiters under the locks. If a
//! peer completed a case first, a received value goes back to its channel (the next
//! waiting receiver, or the front of the buffer), as for a dropped `RecvFuture`; a
//! completed send stays sent; unsent values are dropped with the cases.

use super::arms::Arms;
use super::builder::{Kind, Select};
use super::engine::{self, Cases, Scratch};
use crate::park::timers::TimerEntry;
use crate::park::{Context, State};
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{self, Poll};

/// Where a [`SelectWait`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Nothing registered: the next poll runs pass 1.
    Idle,
    /// Waiters registered (pass 2 ran); the context's final state not yet consumed.
    Waiting,
    /// The chosen arm ran.
    Done,
}

/// The future of [`Select::wait_async`]. Pinned: the cases' waiters point at `ctx`.
/// (The waiters themselves live in the arms' buffer.)
///
/// `Send` exactly when its cases are: for a [`Sendable`](super::Sendable)
/// select (and `R: Send`), never for a [`Local`](super::Local) one. Every other field
/// is `Send` as it stands.
struct SelectWait<'a, R, K: Kind> {
    arms: Arms<'a, R, K>,
    biased: bool,
    phase: Phase,
    ctx: Context,
    /// The registration with the timer thread, for timer cases.
    timer: TimerEntry,
    _pin: PhantomPinned,
}

impl<'a, R, K: Kind> Select<'a, R, K> {
    /// Waits for one case from an async task: [`wait`](Select::wait) without blocking
    /// the thread. Same fairness (a uniformly random ready case; source order for
    /// [`Select::biased`]) and the same nil-case rule (a case never added never
    /// fires); a select with no case waits forever.
    ///
    /// Lazy: nothing happens until the first poll. Cancel safe: dropping the future
    /// loses no value — waiters are unlinked, a value a peer already handed to a
    /// receive case goes back to its channel (next waiting receiver or front of the
    /// buffer), a send a peer already took stays sent, and unsent values are dropped.
    /// Timer cases are woken by the process's one timer thread.
    ///
    /// `Send`: the future of a select made by [`Select::new_sendable`] or
    /// [`Select::biased_sendable`] (whose closures and send values had to be `Send`) is
    /// `Send` when `R` is, so a multi-threaded executor can run it
    /// (`tokio::spawn`). That of a [`Select::new`] / [`Select::biased`] select, whose
    /// closures may be anything, is not: a `Select` erases its closures' types, and
    /// the default kind keeps no record of whether they may cross threads. Await it
    /// where the task need not be `Send` (`futures::executor::block_on`, a tokio
    /// `LocalSet` or current-thread runtime).
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use gosync::{chan, Select};
    ///
    /// let (tx, rx) = chan::bounded::<u32>(0);
    /// let (quit_tx, quit) = chan::bounded::<()>(0);
    /// let t = std::thread::spawn(move || {
    ///     tx.send(1).unwrap();
    ///     quit_tx.close();
    /// });
    /// let mut got = Vec::new();
    /// loop {
    ///     let done = block_on(
    ///         Select::new()
    ///             .recv(&rx, |v| v.map(|v| got.push(v)).is_err())
    ///             .recv(&quit, |_| true)
    ///             .wait_async(),
    ///     );
    ///     if done {
    ///         break;
    ///     }
    /// }
    /// t.join().unwrap();
    /// assert!(got.len() <= 1);
    /// ```
    ///
    /// A `Send` select, spawned on a multi-threaded runtime (and with a timer case):
    ///
    /// ```
    /// use gosync::{chan, Select};
    /// use std::time::Duration;
    ///
    /// let rt = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .build()
    ///     .unwrap();
    /// let (tx, rx) = chan::bounded::<u32>(0);
    /// let task = rt.spawn(async move {
    ///     let mut got = Vec::new();
    ///     loop {
    ///         let timeout = chan::after(Duration::from_secs(10));
    ///         let more = Select::new_sendable()
    ///             .recv(&rx, |v| v.ok())
    ///             .recv(&timeout, |_| None)
    ///             .wait_async()
    ///             .await;
    ///         match more {
    ///             Some(v) => got.push(v),
    ///             None => return got, // closed (or ten quiet seconds)
    ///         }
    ///     }
    /// });
    /// for i in 0..3 {
    ///     tx.send(i).unwrap(); // a thread sends to the task
    /// }
    /// drop(tx);
    /// assert_eq!(rt.block_on(task).unwrap(), [0, 1, 2]);
    /// ```
    pub fn wait_async(self) -> impl Future<Output = R> + 'a
    where
        R: 'a,
    {
        SelectWait::<'a, R, K> {
            arms: self.arms,
            biased: self.order.biased(),
            phase: Phase::Idle,
            ctx: Context::new_task(),
            timer: TimerEntry::new(),
            _pin: PhantomPinned,
        }
    }
}

impl<R, K: Kind> SelectWait<'_, R, K> {
    /// Runs the chosen arm (after `finish`); the others, with their unsent values,
    /// are dropped first, as in the blocking driver.
    fn run_arm(&mut self, chosen: usize) -> R {
        self.phase = Phase::Done;
        self.arms.run(chosen)
    }
}

impl<R, K: Kind> Future for SelectWait<'_, R, K> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<R> {
        // SAFETY: nothing is moved out of the pinned future while waiters point into
        // it: `ctx` stays in place, and the arms (in their buffer, which nothing adds
        // to once built) are only taken apart after pass 3 unlinked every waiter.
        let this = unsafe { self.get_unchecked_mut() };
        loop {
            let cases = &this.arms;
            let mut scratch = Scratch::new();
            let plan = engine::plan(cases, this.biased, &mut scratch);
            match this.phase {
                Phase::Done => panic!("gosync: a select future was polled after it completed"),
                Phase::Idle => {
                    if !(0..cases.count()).any(|i| cases.case(i).is_active()) {
                        return Poll::Pending; // `select {}`: forever
                    }
                    let mut locks = engine::lock_all(cases, &plan);
                    if let Some(i) = engine::poll(cases, &plan, locks.held()) {
                        drop(locks);
                        this.timer.cancel();
                        return Poll::Ready(this.run_arm(i));
                    }
                    // SAFETY: pass 1 found nothing ready under this hold; the cases
                    // (in their buffer) and `ctx` (pinned) stay in place until `finish`, which
                    // runs before the future completes or drops.
                    unsafe { engine::register(cases, &plan, locks.held(), &this.ctx) };
                    drop(locks);
                    this.phase = Phase::Waiting;
                }
                Phase::Waiting => {}
            }
            match this.ctx.poll_state(cx.waker()) {
                State::Waiting => {
                    let Some(due) = engine::next_timer(cases, &plan) else {
                        return Poll::Pending;
                    };
                    if !crate::facade::expired(due) {
                        this.timer.wake_at(due, cx.waker());
                        return Poll::Pending;
                    }
                    // A timer came due: withdraw and poll again (unless a peer wins
                    // the context first: then the next round collects its case).
                    let mut locks = engine::lock_all(cases, &plan);
                    if this.ctx.try_abort() {
                        engine::unregister(cases, &plan, locks.held());
                        drop(locks);
                        // SAFETY: `ctx` was final (aborted) before pass 3, which
                        // unlinked every waiter; nothing is linked any more.
                        unsafe {
                            engine::finish(cases, &plan);
                            this.ctx.reset();
                        }
                        this.phase = Phase::Idle;
                    }
                }
                State::Busy => {
                    // A peer is completing one of our cases under that case's channel
                    // lock: wait it out by taking the locks.
                    drop(engine::lock_all(cases, &plan));
                }
                state => {
                    let chosen = state
                        .case()
                        .expect("bug: a select future's context aborted by a peer");
                    let mut locks = engine::lock_all(cases, &plan);
                    engine::unregister(cases, &plan, locks.held());
                    drop(locks);
                    // SAFETY: `ctx` was final before pass 3; after the unlock no peer
                    // can reach our waiters, so `finish` may take them apart.
                    unsafe { engine::finish(cases, &plan) };
                    this.timer.cancel();
                    return Poll::Ready(this.run_arm(chosen));
                }
            }
        }
    }
}

impl<R, K: Kind> Drop for SelectWait<'_, R, K> {
    fn drop(&mut self) {
        if self.phase != Phase::Waiting {
            return;
        }
        let cases = &self.arms;
        let mut scratch = Scratch::new();
        let plan = engine::plan(cases, self.biased, &mut scratch);
        let mut locks = engine::lock_all(cases, &plan);
        // With every lock held no peer is mid-claim (each claims under its channel's
        // lock): the abort wins, or the context is already final.
        let chosen = if self.ctx.try_abort() {
            None
        } else {
            let s = self.ctx.state();
            debug_assert!(
                s.is_final(),
                "bug: select context not final under its locks"
            );
            s.case()
        };
        engine::unregister(cases, &plan, locks.held());
        drop(locks);
        // SAFETY: `ctx` is final and pass 3 unlinked every waiter under the locks.
        unsafe { engine::finish(cases, &plan) };
        if let Some(i) = chosen {
            cases.case(i).give_back();
        }
    }
}
