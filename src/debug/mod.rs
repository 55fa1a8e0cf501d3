//! Diagnostics: every operation parked in gosync right now, labels, a leak check for
//! tests, and a deadlock watchdog (Go's `all goroutines are asleep - deadlock!`).
//!
//! gosync records what a thread waits for only when it is about to park (the slow
//! path): the non-blocking fast paths are unchanged, and a thread that never blocks
//! never has a record.
//!
//! ```
//! use gosync::{chan, debug};
//! use std::time::Duration;
//!
//! let (tx, rx) = chan::bounded::<u32>(0);
//! debug::set_label(&rx, "results");
//! std::thread::scope(|s| {
//!     s.spawn(|| rx.recv().unwrap());
//!     // Wait until the receiver is parked, then look at it.
//!     while debug::blocked().iter().all(|op| op.label() != Some("results")) {
//!         std::thread::sleep(Duration::from_millis(1));
//!     }
//!     assert!(debug::dump().contains("1 thread waits on `results` (cap 0, len 0), 1 sender alive"));
//!     tx.send(7).unwrap();
//! });
//! debug::assert_none_blocked(Duration::from_secs(5));
//! ```
//!
//! # Object identity and labels
//!
//! An object's identity is its address (a channel's is its shared state's address,
//! the same for every `Sender` and `Receiver` of it). A label is kept by identity:
//! an object created later at the address of a dropped, labeled one shows the old
//! label until it is given its own (or the old one is removed with an empty label).
//!
//! # Lock cycles (the `deadlock-detection` feature)
//!
//! The [`watchdog`] finds the classic circular wait — threads each parked on a
//! [`Mutex`](crate::Mutex) or [`RwMutex`](crate::RwMutex) that the next one holds —
//! while the rest of the process still runs, and reports it as a deadlock
//! ([`ReportKind::LockCycle`]: `gosync: lock cycle - deadlock!`, one line per thread
//! saying which lock it waits for and who holds it, then those threads' dump), with
//! the same action as the all-asleep rule (by default: print and abort). A thread that
//! locks a `Mutex` it already holds is a cycle of one.
//!
//! For this a lock must know its holder, so the rule needs the opt-in cargo feature
//! `deadlock-detection` (as `parking_lot`'s): with it, every `Mutex` lock and unlock
//! (fast path included) and every `RwMutex` write lock and unlock also stores the
//! thread's number in a word of the lock (one relaxed store, one more word per lock).
//! Read locks are not recorded (a reader count would cost a shared write on every
//! read), so a cycle that runs through readers is not found; nor is one through a
//! `Cond`, a channel or a `WaitGroup`. Without the feature the lock fast paths are
//! one CAS and this rule never fires; the all-asleep rule still catches such a
//! deadlock once every thread of the process is parked in gosync.
//!
//! The rule never reports a cycle that is not one: it only follows threads that two
//! snapshots in a row saw parked and unclaimed, and reads each holder after the first
//! snapshot saw that holder parked (see the proof in the watchdog's source).

mod watchdog;

#[doc(hidden)]
pub use watchdog::__asleep_forever;
#[cfg(gosync_loom)]
#[doc(hidden)]
pub use watchdog::__record_under_loom;
pub use watchdog::{watchdog, DeadlockReport, ReportKind, Watchdog, WatchdogHandle};

use crate::chan::Hchan;
use crate::facade::{thread, Mutex};
use crate::park::record::{self, ChanInfo, ChanStats, Parked, WhatNow};
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

impl<T> ChanInfo for Hchan<T> {
    fn stats(&self) -> ChanStats {
        ChanStats {
            id: self.lock_order(),
            cap: self.capacity(),
            len: self.len(),
            senders: self.senders.load(crate::facade::Ordering::Relaxed),
            receivers: self.receivers.load(crate::facade::Ordering::Relaxed),
            waiting_senders: self.waiting_senders(),
            waiting_receivers: self.waiting_receivers(),
            closed: self.is_closed(),
        }
    }
}

// ----- labels -----

#[cfg(not(gosync_loom))]
static LABELS: Mutex<Option<HashMap<usize, String>>> = Mutex::new(None);

#[cfg(gosync_loom)]
loom::lazy_static! {
    static ref LABELS: Mutex<Option<HashMap<usize, String>>> = Mutex::new(None);
}

fn label_of(id: usize) -> Option<String> {
    LABELS.lock().as_ref()?.get(&id).cloned()
}

/// Implemented inside the crate for each type [`Labeled`] covers. A new primitive
/// (the semaphore `Weighted`, say) joins with
/// `impl crate::debug::sealed::Sealed for Weighted { fn label_key(&self) -> usize {
/// crate::park::record::What::addr(self) } }`, the identity its `blocking` hook records.
pub(crate) mod sealed {
    /// The identity under which an object's label is kept.
    pub trait Sealed {
        fn label_key(&self) -> usize;
    }
}

/// An object that [`set_label`] can name: [`Sender`](crate::Sender),
/// [`Receiver`](crate::Receiver), [`Mutex`](crate::Mutex), [`RwMutex`](crate::RwMutex),
/// [`Cond`](crate::Cond), [`WaitGroup`](crate::WaitGroup), [`Once`](crate::Once).
///
/// ```
/// use gosync::{debug, WaitGroup};
///
/// let wg = WaitGroup::new();
/// debug::set_label(&wg, "workers");
/// ```
pub trait Labeled: sealed::Sealed {}

impl<T: ?Sized> Labeled for T where T: sealed::Sealed {}

impl<T> sealed::Sealed for crate::Sender<T> {
    fn label_key(&self) -> usize {
        self.hchan().lock_order()
    }
}

impl<T> sealed::Sealed for crate::Receiver<T> {
    fn label_key(&self) -> usize {
        match &self.flavor {
            crate::chan::RecvFlavor::Chan(c) => c.lock_order(),
            // Timer and never receivers never park a thread on a channel.
            _ => record::What::addr(self),
        }
    }
}

macro_rules! sealed_by_address {
    ($($t:ty),* $(,)?) => {$(
        impl<T: ?Sized> sealed::Sealed for $t {
            fn label_key(&self) -> usize {
                record::What::addr(self)
            }
        }
    )*};
}
sealed_by_address!(crate::Mutex<T>, crate::RwMutex<T>);

macro_rules! sealed_by_address_plain {
    ($($t:ty),* $(,)?) => {$(
        impl sealed::Sealed for $t {
            fn label_key(&self) -> usize {
                record::What::addr(self)
            }
        }
    )*};
}
sealed_by_address_plain!(
    crate::Cond,
    crate::WaitGroup,
    crate::Once,
    crate::semaphore::Weighted
);

/// Names `obj` in [`blocked`], [`dump`] and the watchdog's reports (an empty label
/// removes the name). For a channel, any `Sender` or `Receiver` of it names the
/// channel.
///
/// ```
/// use gosync::{chan, debug};
///
/// let (tx, rx) = chan::bounded::<String>(64);
/// debug::set_label(&tx, "jobs"); // names the channel: `rx` too
/// # drop(rx);
/// ```
pub fn set_label<L: Labeled + ?Sized>(obj: &L, label: &str) {
    let key = obj.label_key();
    let mut labels = LABELS.lock();
    let map = labels.get_or_insert_with(HashMap::new);
    if label.is_empty() {
        map.remove(&key);
    } else {
        map.insert(key, label.to_owned());
    }
}

// ----- blocked operations -----

/// What a [`BlockedOp`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpKind {
    /// A channel send (`send`, `send_timeout`, …).
    ChanSend,
    /// A channel receive.
    ChanRecv,
    /// A `select!` or [`Select`](crate::Select) with no case ready.
    Select,
    /// [`Mutex::lock`](crate::Mutex::lock).
    Mutex,
    /// [`RwMutex::read`](crate::RwMutex::read).
    RwMutexRead,
    /// [`RwMutex::write`](crate::RwMutex::write).
    RwMutexWrite,
    /// [`Cond::wait`](crate::Cond::wait).
    Cond,
    /// [`WaitGroup::wait`](crate::WaitGroup::wait).
    WaitGroup,
    /// [`Once::call_once`](crate::Once::call_once) while another thread runs it.
    Once,
    /// A semaphore acquire.
    Semaphore,
    /// A wait on a context.
    Context,
}

impl OpKind {
    /// Go's words for it, as in a goroutine dump (`chan receive`, `sync.Mutex.Lock`).
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::ChanSend => "chan send",
            OpKind::ChanRecv => "chan receive",
            OpKind::Select => "select",
            OpKind::Mutex => "sync.Mutex.Lock",
            OpKind::RwMutexRead => "sync.RWMutex.RLock",
            OpKind::RwMutexWrite => "sync.RWMutex.Lock",
            OpKind::Cond => "sync.Cond.Wait",
            OpKind::WaitGroup => "sync.WaitGroup.Wait",
            OpKind::Once => "sync.Once.Do",
            OpKind::Semaphore => "semaphore acquire",
            OpKind::Context => "context wait",
        }
    }

    fn object(self) -> &'static str {
        match self {
            OpKind::ChanSend | OpKind::ChanRecv => "chan",
            OpKind::Select => "select",
            OpKind::Mutex => "Mutex",
            OpKind::RwMutexRead | OpKind::RwMutexWrite => "RwMutex",
            OpKind::Cond => "Cond",
            OpKind::WaitGroup => "WaitGroup",
            OpKind::Once => "Once",
            OpKind::Semaphore => "semaphore",
            OpKind::Context => "context",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel's numbers when the snapshot was taken (read without its lock).
///
/// ```
/// use gosync::{chan, debug};
/// # use std::time::Duration;
///
/// let (tx, rx) = chan::bounded::<u8>(4);
/// debug::set_label(&rx, "doc-chan-state");
/// std::thread::scope(|s| {
///     s.spawn(|| rx.recv().unwrap());
///     let op = loop {
///         if let Some(op) = debug::blocked().into_iter().find(|o| o.label() == Some("doc-chan-state")) {
///             break op;
///         }
///         std::thread::sleep(Duration::from_millis(1));
///     };
///     let c = op.channel().unwrap();
///     assert_eq!((c.cap, c.len, c.senders), (Some(4), 0, 1));
///     tx.send(1).unwrap();
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChanState {
    /// `Some(0)`: unbuffered; `None`: unbounded.
    pub cap: Option<usize>,
    /// Buffered values.
    pub len: usize,
    /// Live `Sender`s.
    pub senders: usize,
    /// Live `Receiver`s.
    pub receivers: usize,
    /// Senders parked on it.
    pub waiting_senders: usize,
    /// Receivers parked on it.
    pub waiting_receivers: usize,
    /// Whether it is closed.
    pub closed: bool,
}

impl From<ChanStats> for ChanState {
    fn from(s: ChanStats) -> Self {
        ChanState {
            cap: s.cap,
            len: s.len,
            senders: s.senders,
            receivers: s.receivers,
            waiting_senders: s.waiting_senders,
            waiting_receivers: s.waiting_receivers,
            closed: s.closed,
        }
    }
}

/// One case of a blocked select: the channel's identity and label (`None` for a
/// case that is not on a channel: a timer, a nil case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectCase {
    id: Option<usize>,
    label: Option<String>,
}

impl SelectCase {
    /// The channel's identity, if this case is on a channel.
    ///
    /// ```
    /// # let ops = gosync::debug::blocked();
    /// for op in &ops {
    ///     for case in op.cases() {
    ///         let _ = (case.object_id(), case.label());
    ///     }
    /// }
    /// ```
    pub fn object_id(&self) -> Option<usize> {
        self.id
    }

    /// The channel's label, if it has one.
    ///
    /// ```
    /// # let ops = gosync::debug::blocked();
    /// for op in &ops {
    ///     let labels: Vec<_> = op.cases().iter().filter_map(|c| c.label()).collect();
    ///     # let _ = labels;
    /// }
    /// ```
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

/// One operation parked in gosync: who, on what, since when.
///
/// `Display` prints it in the style of a Go goroutine dump:
///
/// ```text
/// thread 7 "worker-1" [chan send, 3s]:
///     on `jobs` (chan 0x5581c9e2b0c0, cap 0, len 0, 0 receivers alive, 1 sender waiting)
/// ```
///
/// ```
/// for op in gosync::debug::blocked() {
///     println!("{op}");
/// }
/// ```
#[derive(Clone, Debug)]
pub struct BlockedOp {
    thread: thread::ThreadId,
    thread_name: Option<String>,
    kind: OpKind,
    id: usize,
    label: Option<String>,
    chan: Option<ChanState>,
    cases: Vec<SelectCase>,
    since: Instant,
    deadline: Option<Instant>,
}

impl BlockedOp {
    fn from_parked(p: Parked) -> BlockedOp {
        let (kind, id, chan, cases) = match p.what {
            WhatNow::ChanSend(s) => (OpKind::ChanSend, s.id, Some(s.into()), Vec::new()),
            WhatNow::ChanRecv(s) => (OpKind::ChanRecv, s.id, Some(s.into()), Vec::new()),
            WhatNow::Select(keys) => {
                let cases: Vec<SelectCase> = keys
                    .into_iter()
                    .map(|id| SelectCase {
                        id,
                        label: id.and_then(label_of),
                    })
                    .collect();
                (OpKind::Select, 0, None, cases)
            }
            WhatNow::Mutex(a) => (OpKind::Mutex, a, None, Vec::new()),
            WhatNow::RwRead(a) => (OpKind::RwMutexRead, a, None, Vec::new()),
            WhatNow::RwWrite(a) => (OpKind::RwMutexWrite, a, None, Vec::new()),
            WhatNow::Cond(a) => (OpKind::Cond, a, None, Vec::new()),
            WhatNow::WaitGroup(a) => (OpKind::WaitGroup, a, None, Vec::new()),
            WhatNow::Once(a) => (OpKind::Once, a, None, Vec::new()),
            WhatNow::Semaphore(a) => (OpKind::Semaphore, a, None, Vec::new()),
            WhatNow::Context(a) => (OpKind::Context, a, None, Vec::new()),
        };
        BlockedOp {
            thread: p.thread,
            thread_name: p.name,
            kind,
            id,
            label: if kind == OpKind::Select {
                None
            } else {
                label_of(id)
            },
            chan,
            cases,
            since: p.since,
            deadline: p.deadline,
        }
    }

    /// The parked thread's id.
    ///
    /// ```
    /// let me = std::thread::current().id();
    /// assert!(gosync::debug::blocked().iter().all(|op| op.thread_id() != me));
    /// ```
    pub fn thread_id(&self) -> std::thread::ThreadId {
        #[cfg(not(gosync_loom))]
        {
            self.thread
        }
        #[cfg(gosync_loom)]
        {
            // Loom's thread ids are its own; no std id stands for them.
            std::thread::current().id()
        }
    }

    /// The parked thread's name, if it has one.
    ///
    /// ```
    /// for op in gosync::debug::blocked() {
    ///     println!("{}", op.thread_name().unwrap_or("<unnamed>"));
    /// }
    /// ```
    pub fn thread_name(&self) -> Option<&str> {
        self.thread_name.as_deref()
    }

    /// What it waits for.
    ///
    /// ```
    /// use gosync::debug::{self, OpKind};
    /// let mutex_waits = debug::blocked().iter().filter(|op| op.kind() == OpKind::Mutex).count();
    /// # let _ = mutex_waits;
    /// ```
    pub fn kind(&self) -> OpKind {
        self.kind
    }

    /// The object's identity (its address; `0` for a select, see
    /// [`cases`](Self::cases)).
    ///
    /// ```
    /// for op in gosync::debug::blocked() {
    ///     println!("{:#x}", op.object_id());
    /// }
    /// ```
    pub fn object_id(&self) -> usize {
        self.id
    }

    /// The object's label ([`set_label`]).
    ///
    /// ```
    /// let named = gosync::debug::blocked().iter().filter(|op| op.label().is_some()).count();
    /// # let _ = named;
    /// ```
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// For a channel operation: the channel's numbers.
    ///
    /// ```
    /// for op in gosync::debug::blocked() {
    ///     if let Some(c) = op.channel() {
    ///         println!("cap {:?}, len {}", c.cap, c.len);
    ///     }
    /// }
    /// ```
    pub fn channel(&self) -> Option<ChanState> {
        self.chan
    }

    /// For a select: its cases, in source order.
    ///
    /// ```
    /// for op in gosync::debug::blocked() {
    ///     println!("{} cases", op.cases().len());
    /// }
    /// ```
    pub fn cases(&self) -> &[SelectCase] {
        &self.cases
    }

    /// When the operation first parked.
    ///
    /// ```
    /// for op in gosync::debug::blocked() {
    ///     assert!(op.since() <= std::time::Instant::now());
    /// }
    /// ```
    pub fn since(&self) -> Instant {
        self.since
    }

    /// How long it has been parked.
    ///
    /// ```
    /// let longest = gosync::debug::blocked().iter().map(|op| op.waited()).max();
    /// # let _ = longest;
    /// ```
    pub fn waited(&self) -> Duration {
        self.since.elapsed()
    }

    /// When it gives up, if it has a deadline (a `*_timeout` call, a select with a
    /// timeout or a timer case).
    ///
    /// ```
    /// let timed = gosync::debug::blocked().iter().filter(|op| op.deadline().is_some()).count();
    /// # let _ = timed;
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The thread number shown in dumps (`ThreadId(7)` → 7).
    /// `thread 3 "name"`, as the dump names a thread.
    fn thread_title(&self) -> String {
        match &self.thread_name {
            Some(n) => format!("thread {} \"{n}\"", self.thread_number()),
            None => format!("thread {}", self.thread_number()),
        }
    }

    fn thread_number(&self) -> String {
        let s = format!("{:?}", self.thread);
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            s
        } else {
            digits
        }
    }

    /// How the object is named: its label, or its kind and address.
    fn object_name(&self) -> String {
        match &self.label {
            Some(l) => format!("`{l}`"),
            None => format!("{} {:#x}", self.kind.object(), self.id),
        }
    }

    /// The key dumps group by.
    fn group_key(&self) -> GroupKey {
        (
            self.kind.object(),
            self.id,
            self.cases.iter().map(|c| c.id).collect(),
        )
    }
}

/// What a dump groups operations by: the object's kind and identity, and for a
/// select its cases.
type GroupKey = (&'static str, usize, Vec<Option<usize>>);

/// Go's way of printing a wait: "2 minutes" from a minute on, finer below.
fn fmt_waited(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 120 {
        format!("{} minutes", secs / 60)
    } else if secs >= 60 {
        "1 minute".to_owned()
    } else if secs >= 1 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for BlockedOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread {}", self.thread_number())?;
        if let Some(n) = &self.thread_name {
            write!(f, " \"{n}\"")?;
        }
        write!(f, " [{}, {}", self.kind, fmt_waited(self.waited()))?;
        if let Some(d) = self.deadline {
            let left = d.saturating_duration_since(Instant::now());
            write!(f, ", deadline in {}", fmt_waited(left))?;
        }
        f.write_str("]:\n    ")?;
        match (self.kind, self.chan) {
            (OpKind::Select, _) => {
                f.write_str("select on ")?;
                for (i, c) in self.cases.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match (&c.label, c.id) {
                        (Some(l), _) => write!(f, "`{l}`")?,
                        (None, Some(id)) => write!(f, "chan {id:#x}")?,
                        (None, None) => f.write_str("(no channel)")?,
                    }
                }
                Ok(())
            }
            (_, Some(c)) => {
                write!(f, "on ")?;
                if let Some(l) = &self.label {
                    write!(f, "`{l}` (chan {:#x}, ", self.id)?;
                } else {
                    write!(f, "chan {:#x} (", self.id)?;
                }
                write_chan(f, &c)?;
                write!(
                    f,
                    ", {} alive, {} alive, {} waiting, {} waiting)",
                    plural(c.senders, "sender", "senders"),
                    plural(c.receivers, "receiver", "receivers"),
                    plural(c.waiting_senders, "sender", "senders"),
                    plural(c.waiting_receivers, "receiver", "receivers"),
                )
            }
            (_, None) => write!(f, "on {}", self.object_name()),
        }
    }
}

fn write_chan(f: &mut impl fmt::Write, c: &ChanState) -> fmt::Result {
    match c.cap {
        Some(cap) => write!(f, "cap {cap}, len {}", c.len)?,
        None => write!(f, "unbounded, len {}", c.len)?,
    }
    if c.closed {
        f.write_str(", closed")?;
    }
    Ok(())
}

/// Every operation parked in gosync right now, oldest first: each thread parked on
/// a channel, a select or a sync primitive, and not yet claimed by a waker.
///
/// ```
/// use gosync::{debug, Mutex};
/// use std::time::Duration;
///
/// let m = Mutex::new(());
/// debug::set_label(&m, "doc-blocked");
/// let guard = m.lock();
/// std::thread::scope(|s| {
///     s.spawn(|| drop(m.lock()));
///     while !debug::blocked().iter().any(|op| op.label() == Some("doc-blocked")) {
///         std::thread::sleep(Duration::from_millis(1));
///     }
///     drop(guard);
/// });
/// ```
pub fn blocked() -> Vec<BlockedOp> {
    let (parked, _) = record::snapshot();
    let mut ops: Vec<BlockedOp> = parked
        .into_iter()
        .filter(|p| p.unclaimed)
        .map(BlockedOp::from_parked)
        .collect();
    ops.sort_by_key(|op| op.since);
    ops
}

/// Writes `ops` grouped by object.
fn write_dump(out: &mut String, ops: &[BlockedOp]) {
    use fmt::Write as _;
    if ops.is_empty() {
        out.push_str("gosync: no operation is parked\n");
        return;
    }
    let _ = writeln!(
        out,
        "gosync: {} parked",
        plural(ops.len(), "operation", "operations")
    );
    // Groups in order of their oldest operation.
    let mut groups: Vec<(GroupKey, Vec<&BlockedOp>)> = Vec::new();
    for op in ops {
        let k = op.group_key();
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(op),
            None => groups.push((k, vec![op])),
        }
    }
    for (_, group) in &groups {
        let first = group[0];
        let _ = write!(
            out,
            "\n{} on ",
            plural(group.len(), "thread waits", "threads wait")
        );
        if first.kind == OpKind::Select {
            let _ = write!(
                out,
                "a select of {}",
                plural(first.cases.len(), "case", "cases")
            );
        } else {
            out.push_str(&first.object_name());
        }
        if let Some(c) = group.iter().rev().find_map(|op| op.chan) {
            out.push_str(" (");
            let _ = write_chan(out, &c);
            out.push(')');
            let sends = group
                .iter()
                .filter(|op| op.kind == OpKind::ChanSend)
                .count();
            let recvs = group.len() - sends;
            if recvs > 0 {
                let _ = write!(out, ", {} alive", plural(c.senders, "sender", "senders"));
            }
            if sends > 0 {
                let _ = write!(
                    out,
                    ", {} alive",
                    plural(c.receivers, "receiver", "receivers")
                );
            }
        }
        out.push_str(":\n");
        for op in group {
            let _ = writeln!(out, "{op}");
        }
    }
}

/// Every parked operation ([`blocked`]), grouped by the object waited on, in the
/// style of Go's goroutine dump:
///
/// ```text
/// gosync: 13 operations parked
///
/// 12 threads wait on `jobs` (cap 64, len 0), 0 senders alive:
/// thread 3 "worker-0" [chan receive, 2.5s]:
///     on `jobs` (chan 0x5581c9e2b0c0, cap 64, len 0, 0 senders alive, ...)
/// ...
/// ```
///
/// ```
/// print!("{}", gosync::debug::dump());
/// ```
pub fn dump() -> String {
    let mut s = String::new();
    write_dump(&mut s, &blocked());
    s
}

/// Panics with the [`dump`] if any gosync operation is still parked after `grace`
/// (for tests: Go's `goleak.VerifyNone`).
///
/// It polls in short steps and returns as soon as nothing has been parked for a
/// settle time of 10 ms (or `grace`, if shorter): a thread that was just woken and
/// goes straight back to a blocking call spins for a moment before it parks, and a
/// single empty look could miss it. It never waits longer than needed beyond that.
///
/// It sees every thread of the process, so tests that run in parallel with it must
/// not be blocked in gosync at that moment.
///
/// ```
/// use gosync::{chan, debug};
/// use std::time::Duration;
///
/// let (tx, rx) = chan::bounded::<u32>(0);
/// let t = std::thread::spawn(move || rx.recv());
/// tx.send(1).unwrap();
/// t.join().unwrap().unwrap();
/// debug::assert_none_blocked(Duration::from_secs(1));
/// ```
#[track_caller]
pub fn assert_none_blocked(grace: Duration) {
    let start = Instant::now();
    let settle = grace.min(Duration::from_millis(10));
    let mut empty_since: Option<Instant> = None;
    let mut step = Duration::from_micros(100);
    loop {
        let ops = blocked();
        let now = Instant::now();
        let waited = now.duration_since(start);
        if ops.is_empty() {
            let since = *empty_since.get_or_insert(now);
            if now.duration_since(since) >= settle || waited >= grace {
                return;
            }
        } else {
            empty_since = None;
            if waited >= grace {
                let mut s = String::new();
                write_dump(&mut s, &ops);
                panic!(
                    "gosync: {} still parked after {:?}:\n{s}",
                    plural(ops.len(), "operation", "operations"),
                    grace
                );
            }
        }
        std::thread::sleep(
            step.min(grace.saturating_sub(waited))
                .max(Duration::from_micros(50)),
        );
        step = (step * 2).min(Duration::from_millis(2));
    }
}
