//! A bounded-time soak: randomized threads over every primitive at once, with
//! invariants checked as they run and every value counted at the end.
//!
//! - Channels of every capacity class (0, 1, 4, unbounded), grouped in a
//!   *generation* that any thread may replace at any time (closing the old channels,
//!   or just dropping the generation's handles so the last sender / receiver drop
//!   closes them under the feet of blocked peers). Operations: `send` / `recv`
//!   (blocking, `try_*`, `*_timeout`), `close`, clones and drops of handles,
//!   `select!` / `select_biased!` (with `default`, `default(timeout)` and timer
//!   cases) and the `Select` builder (`wait`, `try_wait`, `wait_timeout`).
//!   Invariant: FIFO per sender — a receiver never sees a sender's sequence numbers
//!   out of order (nor one twice).
//! - `Mutex` (a pair of counters always equal to a holder), `RwMutex` (readers never
//!   see a half-written array), `Cond` (a queue with signal / broadcast and timed
//!   waits), `WaitGroup` (tasks with `go` and `add` / `done`), `Once` and `OnceValue`
//!   (one per generation: one run each), `Pool` (a value is never handed to two
//!   holders at once).
//! - At the end every value ever made (messages, queue items, pool and `OnceValue`
//!   values) was dropped exactly once, the counters add up, and every thread joined:
//!   none stayed blocked (a watchdog aborts the run if one does).
//!
//! `GOSYNC_SOAK_SECS` sets the duration (default 2 s); `GOSYNC_SOAK_SEED` replays a
//! run's random choices (the seed is printed at the start; thread interleavings are
//! the machine's, so a replay repeats each thread's op sequence, not the schedule).
//! Under Miri it runs a fixed small number of operations. `.ci/run` runs it for 60 s
//! in release mode:
//! `GOSYNC_SOAK_SECS=60 cargo test --release -p gosync --test soak -- --nocapture`.

#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, RecvTimeoutError, SendTimeoutError, Sender, TryRecvError};
use gosync::WaitGroup;
use gosync::{select, select_biased, Cond, Mutex, Once, OnceValue, Pool, Pooled, RwMutex, Select};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------
// Counting every value

/// What a tracked value is, for the made / dropped counters.
#[derive(Clone, Copy)]
enum Kind {
    Msg = 0,
    Queued = 1,
    Pooled = 2,
    OnceVal = 3,
}
const KINDS: usize = 4;
const KIND_NAMES: [&str; KINDS] = [
    "channel message",
    "cond queue item",
    "pool value",
    "OnceValue value",
];

static MADE: [AtomicUsize; KINDS] = [const { AtomicUsize::new(0) }; KINDS];
static DROPPED: [AtomicUsize; KINDS] = [const { AtomicUsize::new(0) }; KINDS];

/// Counted when made and when dropped; a drop of a value that was already dropped
/// is caught by the `alive` flag (set false on the first drop).
struct Tracked {
    kind: Kind,
    alive: bool,
}

impl Tracked {
    fn new(kind: Kind) -> Self {
        MADE[kind as usize].fetch_add(1, Ordering::Relaxed);
        Tracked { kind, alive: true }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(self.alive, "a tracked value was dropped twice");
        self.alive = false;
        DROPPED[self.kind as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// A channel message: who sent it, its sequence number on that (generation,
/// channel, sender), and a counter.
struct Msg {
    from: usize,
    seq: u64,
    _t: Tracked,
}

// ---------------------------------------------------------------------------------
// Randomness

/// splitmix64: small, seedable, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    /// A short timeout: 0 to ~200 µs.
    fn short(&mut self) -> Duration {
        Duration::from_micros(self.below(200))
    }
}

fn seed() -> u64 {
    if let Some(s) = std::env::var("GOSYNC_SOAK_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return s;
    }
    if cfg!(miri) {
        return 0x5eed;
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

// ---------------------------------------------------------------------------------
// Operation counts

#[derive(Clone, Copy)]
enum Op {
    Send,
    Recv,
    TrySend,
    TryRecv,
    SendTimeout,
    RecvTimeout,
    Close,
    CloneDrop,
    SelectMacro,
    SelectBuilder,
    Timer,
    Mutex,
    RwMutex,
    Cond,
    WaitGroup,
    Once,
    Pool,
    NewGeneration,
}
const OPS: usize = 18;
const OP_NAMES: [&str; OPS] = [
    "chan send",
    "chan recv",
    "chan try_send",
    "chan try_recv",
    "chan send_timeout",
    "chan recv_timeout",
    "chan close",
    "chan handle clone+drop",
    "select! / select_biased!",
    "Select builder",
    "timers (after, tick)",
    "Mutex",
    "RwMutex",
    "Cond",
    "WaitGroup",
    "Once / OnceValue",
    "Pool",
    "new channel generation",
];

// ---------------------------------------------------------------------------------
// The shared world

const CHANS: usize = 4;
const MAX_WORKERS: usize = 8;
/// Capacity classes: rendezvous, 1, N, unbounded.
const CAPS: [Option<usize>; CHANS] = [Some(0), Some(1), Some(4), None];

/// One generation of channels, with a `Once` and a `OnceValue` of its own.
struct Generation {
    id: u64,
    chans: Vec<(Sender<Msg>, Receiver<Msg>)>,
    once: Once,
    once_runs: AtomicUsize,
    value: OnceValue<Tracked, Box<dyn FnOnce() -> Tracked + Send>>,
}

impl Generation {
    fn new(id: u64) -> Arc<Self> {
        Arc::new(Generation {
            id,
            chans: CAPS
                .iter()
                .map(|c| match c {
                    Some(c) => chan::bounded(*c),
                    None => chan::unbounded(),
                })
                .collect(),
            once: Once::new(),
            once_runs: AtomicUsize::new(0),
            value: OnceValue::new(Box::new(|| Tracked::new(Kind::OnceVal))),
        })
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        let runs = self.once_runs.load(Ordering::Relaxed);
        assert_eq!(
            runs,
            usize::from(self.once.is_completed()),
            "Once ran {runs} times"
        );
    }
}

/// What a worker is doing (for the watchdog's report of a stuck thread).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doing {
    Between,
    Chan,
    BlockingSend,
    BlockingRecv,
    SelectMacro,
    BlockingSelect,
    SelectBuilder,
    Timer,
    Mutex,
    RwMutex,
    Cond,
    WaitGroup,
    Once,
    Pool,
    NewGeneration,
    Finished,
}
const DOING_NAMES: [&str; 16] = [
    "between operations",
    "a channel operation",
    "an untimed send",
    "an untimed recv",
    "a select!",
    "a blocking select!",
    "a Select builder",
    "a timer",
    "a Mutex operation",
    "an RwMutex operation",
    "a Cond operation",
    "a WaitGroup operation",
    "a Once operation",
    "a Pool operation",
    "a generation switch",
    "finished",
];

struct PoolItem {
    in_use: AtomicBool,
    _t: Tracked,
}

struct World {
    current: RwMutex<Arc<Generation>>,
    next_id: AtomicU64,
    stop: AtomicBool,
    /// Both halves always equal to whoever holds the lock.
    pair: Mutex<(u64, u64)>,
    pair_incs: AtomicU64,
    /// Every element equal to whoever holds a read lock.
    array: RwMutex<[u64; 8]>,
    array_writes: AtomicU64,
    queue: Mutex<VecDeque<Tracked>>,
    queue_cond: Cond,
    pool: Pool<PoolItem>,
    bounded_pool: Pool<PoolItem>,
    /// What each worker is doing now.
    doing: Vec<AtomicUsize>,
}

fn pool_item() -> PoolItem {
    PoolItem {
        in_use: AtomicBool::new(false),
        _t: Tracked::new(Kind::Pooled),
    }
}

impl World {
    fn new() -> Self {
        World {
            current: RwMutex::new(Generation::new(0)),
            next_id: AtomicU64::new(1),
            stop: AtomicBool::new(false),
            pair: Mutex::new((0, 0)),
            pair_incs: AtomicU64::new(0),
            array: RwMutex::new([0; 8]),
            array_writes: AtomicU64::new(0),
            queue: Mutex::new(VecDeque::new()),
            queue_cond: Cond::new(),
            pool: Pool::new(pool_item),
            bounded_pool: Pool::with_max_idle(2, pool_item),
            doing: (0..MAX_WORKERS).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    fn generation(&self) -> Arc<Generation> {
        self.current.read().clone()
    }

    /// Replaces the generation; the old one's channels are closed, or left to close
    /// when their last handles go.
    fn new_generation(&self, close: bool) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let old = std::mem::replace(&mut *self.current.write(), Generation::new(id));
        if close {
            for (tx, _) in &old.chans {
                tx.close();
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// One worker

struct Worker<'w> {
    id: usize,
    world: &'w World,
    rng: Rng,
    ops: [u64; OPS],
    /// Next sequence number per (generation, channel) sent to by this thread.
    next_seq: HashMap<(u64, usize), u64>,
    /// Last sequence number received per (generation, channel, sender).
    last_seen: HashMap<(u64, usize, usize), u64>,
    generation: u64,
}

impl Worker<'_> {
    fn count(&mut self, op: Op) {
        self.ops[op as usize] += 1;
    }

    /// Forgets the sequence numbers of older generations (they never come back).
    fn enter(&mut self, g: &Generation) {
        if g.id > self.generation {
            self.generation = g.id;
            self.next_seq.clear();
            self.last_seen.clear();
        }
    }

    fn msg(&mut self, g: u64, chan: usize) -> Msg {
        let seq = self.next_seq.entry((g, chan)).or_insert(0);
        *seq += 1;
        Msg {
            from: self.id,
            seq: *seq,
            _t: Tracked::new(Kind::Msg),
        }
    }

    /// FIFO per sender: sequence numbers from one sender on one channel only grow.
    fn got(&mut self, g: u64, chan: usize, m: Msg) {
        if g != self.generation {
            return; // an older generation's value, received after a switch
        }
        let last = self.last_seen.entry((g, chan, m.from)).or_insert(0);
        assert!(
            m.seq > *last,
            "FIFO broken on generation {g} channel {chan} (cap {:?}): from thread {} seq {} after {}",
            CAPS[chan],
            m.from,
            m.seq,
            *last
        );
        *last = m.seq;
    }

    /// Records what this thread is doing, for the watchdog's report.
    fn doing(&self, what: Doing) {
        self.world.doing[self.id].store(what as usize, Ordering::Relaxed);
    }

    fn step(&mut self) {
        let what = match self.rng.below(100) {
            0..=39 => Doing::Chan,
            40..=51 => Doing::SelectMacro,
            52..=59 => Doing::SelectBuilder,
            60..=61 => Doing::Timer,
            62..=69 => Doing::Mutex,
            70..=77 => Doing::RwMutex,
            78..=84 => Doing::Cond,
            85..=86 => Doing::WaitGroup,
            87..=89 => Doing::Once,
            _ => Doing::Pool,
        };
        self.doing(what);
        match what {
            Doing::Chan => self.chan_op(),
            Doing::SelectMacro => self.select_macro(),
            Doing::SelectBuilder => self.select_builder(),
            Doing::Timer => self.timer(),
            Doing::Mutex => self.mutex(),
            Doing::RwMutex => self.rwmutex(),
            Doing::Cond => self.cond(),
            Doing::WaitGroup => self.waitgroup(),
            Doing::Once => self.once(),
            _ => self.pool(),
        }
        self.doing(Doing::Between);
        if self.rng.chance(if cfg!(miri) { 40 } else { 3000 }) {
            self.doing(Doing::NewGeneration);
            let close = self.rng.chance(2);
            self.world.new_generation(close);
            self.count(Op::NewGeneration);
        }
    }

    fn chan_op(&mut self) {
        let g = self.world.generation();
        self.enter(&g);
        let gid = g.id;
        let c = self.rng.below(CHANS as u64) as usize;
        // Clone the handle needed, and let go of the generation before blocking, so
        // that a switch can drop the channel's last handles under a blocked peer.
        let (tx, rx) = (g.chans[c].0.clone(), g.chans[c].1.clone());
        drop(g);
        let untimed = !cfg!(miri) && self.rng.chance(10);
        match self.rng.below(8) {
            0 if untimed => {
                drop(rx);
                self.doing(Doing::BlockingSend);
                let m = self.msg(gid, c);
                let _ = tx.send(m);
                self.count(Op::Send);
            }
            1 if untimed => {
                drop(tx);
                self.doing(Doing::BlockingRecv);
                if let Ok(m) = rx.recv() {
                    self.got(gid, c, m);
                }
                self.count(Op::Recv);
            }
            0 | 2 => {
                let m = self.msg(gid, c);
                let _ = tx.try_send(m);
                self.count(Op::TrySend);
            }
            1 | 3 => {
                match rx.try_recv() {
                    Ok(m) => self.got(gid, c, m),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => {}
                }
                self.count(Op::TryRecv);
            }
            4 => {
                let m = self.msg(gid, c);
                let d = self.rng.short();
                match tx.send_timeout(m, d) {
                    Ok(()) => {}
                    Err(SendTimeoutError::Timeout(m) | SendTimeoutError::Closed(m)) => {
                        assert_eq!(m.from, self.id, "a send handed back someone else's value");
                    }
                }
                self.count(Op::SendTimeout);
            }
            5 => {
                let d = self.rng.short();
                match rx.recv_timeout(d) {
                    Ok(m) => self.got(gid, c, m),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Closed) => {}
                }
                self.count(Op::RecvTimeout);
            }
            6 if self.rng.chance(20) => {
                tx.close();
                self.count(Op::Close);
            }
            _ => {
                // Clones and drops of handles, with a quick operation through the
                // clone in between.
                let (tx2, rx2) = (tx.clone(), rx.clone());
                drop((tx, rx));
                let m = self.msg(gid, c);
                let _ = tx2.try_send(m);
                drop(tx2);
                if let Ok(m) = rx2.try_recv() {
                    self.got(gid, c, m);
                }
                self.count(Op::CloneDrop);
            }
        }
    }

    fn select_macro(&mut self) {
        let g = self.world.generation();
        self.enter(&g);
        let gid = g.id;
        let (a, b) = (
            self.rng.below(CHANS as u64) as usize,
            self.rng.below(CHANS as u64) as usize,
        );
        let ra = g.chans[a].1.clone();
        // Sometimes a nil case (Go's nil channel).
        let tb = (!self.rng.chance(5)).then(|| g.chans[b].0.clone());
        let rb = g.chans[b].1.clone();
        drop(g);
        let m = self.msg(gid, b);
        let mut got = None;
        match self.rng.below(5) {
            0 => select! {
                recv(ra) -> v => got = v.ok().map(|v| (a, v)),
                send(tb, m) -> _ => {}
                default => {}
            },
            1 => select_biased! {
                recv(ra) -> v => got = v.ok().map(|v| (a, v)),
                recv(rb) -> v => got = v.ok().map(|v| (b, v)),
                send(tb, m) -> _ => {}
                default(self.rng.short()) => {}
            },
            2 => {
                let d = self.rng.short();
                select! {
                    send(tb, m) -> _ => {}
                    recv(rb) -> v => got = v.ok().map(|v| (b, v)),
                    recv(chan::after(d)) -> t => assert!(t.is_ok()),
                }
            }
            // Not with both cases on one channel: a select never pairs with itself,
            // so on a rendezvous channel only a close would end it (Go's would block
            // forever too).
            3 if !cfg!(miri) && a != b && self.rng.chance(4) => {
                // Blocks until a peer, a close, or the generation's last handles go;
                // holds only the handles of its own cases meanwhile.
                drop(rb);
                self.doing(Doing::BlockingSelect);
                select! {
                    recv(ra) -> v => got = v.ok().map(|v| (a, v)),
                    send(tb, m) -> _ => {}
                }
            }
            _ => {
                let deadline = Instant::now() + self.rng.short();
                select! {
                    recv(ra) -> v => got = v.ok().map(|v| (a, v)),
                    recv(rb) -> v => got = v.ok().map(|v| (b, v)),
                    send(tb, m) -> _ => {}
                    recv(chan::at(deadline)) -> _ => {}
                    recv(chan::never::<Msg>()) -> _ => unreachable!("never is never ready"),
                }
            }
        }
        if let Some((c, v)) = got {
            self.got(gid, c, v);
        }
        self.count(Op::SelectMacro);
    }

    fn select_builder(&mut self) {
        let g = self.world.generation();
        self.enter(&g);
        let gid = g.id;
        let n = 1 + self.rng.below(4) as usize;
        let mut recvs = Vec::new();
        let mut send_txs = Vec::new();
        let mut send_msgs = Vec::new();
        for _ in 0..n {
            let c = self.rng.below(CHANS as u64) as usize;
            if self.rng.chance(2) {
                recvs.push((c, g.chans[c].1.clone()));
            } else {
                send_txs.push(g.chans[c].0.clone());
                send_msgs.push(self.msg(gid, c));
            }
        }
        drop(g);
        let timer = chan::after(self.rng.short());
        let mut sel = if self.rng.chance(2) {
            Select::new()
        } else {
            Select::biased()
        };
        for (c, rx) in &recvs {
            let c = *c;
            sel = sel.recv(rx, move |v| v.ok().map(|v| (c, v)));
        }
        for (tx, m) in send_txs.iter().zip(send_msgs) {
            // A send case that is not chosen drops its value with the select; one on
            // a closed channel hands it back.
            sel = sel.send(tx, m, |r| {
                if let Err(e) = r {
                    drop(e.into_inner());
                }
                None
            });
        }
        let got = match self.rng.below(3) {
            0 => sel.try_wait().flatten(),
            1 => sel.wait_timeout(self.rng.short()).flatten(),
            _ => sel.recv(&timer, |_| None).wait(),
        };
        if let Some((c, v)) = got {
            self.got(gid, c, v);
        }
        self.count(Op::SelectBuilder);
    }

    fn timer(&mut self) {
        if self.rng.chance(2) {
            let t = chan::after(Duration::from_micros(self.rng.below(50)));
            assert!(t.recv().is_ok());
        } else {
            let tick = chan::tick(Duration::from_micros(20 + self.rng.below(50)));
            let a = tick.recv().unwrap();
            let b = tick.recv().unwrap();
            assert!(b > a, "ticks go forward");
        }
        self.count(Op::Timer);
    }

    fn mutex(&mut self) {
        let w = self.world;
        let mut g = if self.rng.chance(4) {
            match w.pair.try_lock() {
                Some(g) => g,
                None => return,
            }
        } else {
            w.pair.lock()
        };
        assert_eq!(g.0, g.1, "a Mutex holder saw a half-done update");
        g.0 += 1;
        if self.rng.chance(8) {
            thread::yield_now();
        }
        g.1 += 1;
        drop(g);
        w.pair_incs.fetch_add(1, Ordering::Relaxed);
        self.count(Op::Mutex);
    }

    fn rwmutex(&mut self) {
        let w = self.world;
        if self.rng.chance(3) {
            let mut g = if self.rng.chance(4) {
                match w.array.try_write() {
                    Some(g) => g,
                    None => return,
                }
            } else {
                w.array.write()
            };
            let v = g[0] + 1;
            for (i, x) in g.iter_mut().enumerate() {
                *x = v;
                if i == 3 && self.rng.chance(8) {
                    thread::yield_now();
                }
            }
            drop(g);
            w.array_writes.fetch_add(1, Ordering::Relaxed);
        } else {
            let g = if self.rng.chance(4) {
                match w.array.try_read() {
                    Some(g) => g,
                    None => return,
                }
            } else {
                w.array.read()
            };
            assert!(
                g.iter().all(|&x| x == g[0]),
                "a reader saw a half-written array: {:?}",
                *g
            );
        }
        self.count(Op::RwMutex);
    }

    fn cond(&mut self) {
        let w = self.world;
        if self.rng.chance(2) {
            w.queue.lock().push_back(Tracked::new(Kind::Queued));
            if self.rng.chance(2) {
                w.queue_cond.signal();
            } else {
                w.queue_cond.broadcast();
            }
        } else {
            let mut q = w.queue.lock();
            let deadline = Instant::now() + self.rng.short();
            while q.is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                let (g, timed_out) = w.queue_cond.wait_timeout(q, left);
                q = g;
                if timed_out {
                    break;
                }
            }
            drop(q.pop_front());
        }
        self.count(Op::Cond);
    }

    fn waitgroup(&mut self) {
        let wg = WaitGroup::new();
        let sum = AtomicUsize::new(0);
        let n = 1 + self.rng.below(3) as usize;
        let by_go = self.rng.chance(2);
        thread::scope(|s| {
            for i in 1..=n {
                let (wg, sum) = (&wg, &sum);
                if by_go {
                    wg.go(s, move || {
                        sum.fetch_add(i, Ordering::Relaxed);
                    });
                } else {
                    wg.add(1);
                    s.spawn(move || {
                        sum.fetch_add(i, Ordering::Relaxed);
                        wg.done();
                    });
                }
            }
            if self.rng.chance(2) {
                wg.wait();
            } else {
                while !wg.wait_timeout(Duration::from_micros(50)) {}
            }
            // Everything the tasks did before `done` is visible after `wait`.
            assert_eq!(sum.load(Ordering::Relaxed), n * (n + 1) / 2);
        });
        self.count(Op::WaitGroup);
    }

    fn once(&mut self) {
        let g = self.world.generation();
        if self.rng.chance(2) {
            g.once.call_once(|| {
                g.once_runs.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(g.once_runs.load(Ordering::Relaxed), 1);
        } else {
            assert!(g.value.get().alive);
        }
        self.count(Op::Once);
    }

    fn pool(&mut self) {
        let w = self.world;
        let pool = if self.rng.chance(2) {
            &w.pool
        } else {
            &w.bounded_pool
        };
        let v = pool.get();
        assert!(
            !v.in_use.swap(true, Ordering::Relaxed),
            "a pool value was handed to two holders"
        );
        if self.rng.chance(16) {
            thread::yield_now();
        }
        v.in_use.store(false, Ordering::Relaxed);
        match self.rng.below(8) {
            0 => drop(Pooled::into_inner(v)),
            1 => pool.put(Pooled::into_inner(v)),
            2 if self.rng.chance(50) => {
                drop(v);
                pool.clear();
            }
            _ => drop(v),
        }
        self.count(Op::Pool);
    }
}

// ---------------------------------------------------------------------------------

#[test]
fn soak() {
    let secs: f64 = std::env::var("GOSYNC_SOAK_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2.0);
    let seed = seed();
    let workers = if cfg!(miri) { 3 } else { 6 };
    // Under Miri: a fixed number of operations per thread instead of a duration.
    let miri_ops = 60;
    println!(
        "soak: {workers} threads, {} (replay with GOSYNC_SOAK_SEED={seed})",
        if cfg!(miri) {
            format!("{miri_ops} ops each under Miri")
        } else {
            format!("{secs} s")
        }
    );

    let world = World::new();
    let start = Instant::now();
    let (done_tx, done_rx) = chan::unbounded::<(usize, [u64; OPS])>();
    thread::scope(|s| {
        for id in 0..workers {
            let (world, done_tx) = (&world, done_tx.clone());
            s.spawn(move || {
                let mut w = Worker {
                    id,
                    world,
                    rng: Rng(seed ^ (id as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)),
                    ops: [0; OPS],
                    next_seq: HashMap::new(),
                    last_seen: HashMap::new(),
                    generation: 0,
                };
                let limit = if cfg!(miri) { miri_ops } else { usize::MAX };
                let mut n = 0;
                while !world.stop.load(Ordering::Relaxed) && n < limit {
                    w.step();
                    n += 1;
                }
                w.doing(Doing::Finished);
                done_tx.send((id, w.ops)).unwrap();
            });
        }
        drop(done_tx);
        if !cfg!(miri) {
            // Pacing the run, not synchronising: the workers stop when told.
            thread::sleep(Duration::from_secs_f64(secs));
        } else {
            // Wait until every worker has done its operations.
            while done_rx.len() < workers {
                thread::yield_now();
            }
        }
        world.stop.store(true, Ordering::Relaxed);
        // Let go of the last generation: workers blocked on its channels are woken by
        // the close (or by the last handles going).
        world.new_generation(true);
        // Every worker must finish: a thread left blocked is a lost wake-up.
        let watchdog = Duration::from_secs(if cfg!(miri) { 3600 } else { 60 });
        let mut totals = [0u64; OPS];
        for _ in 0..workers {
            match done_rx.recv_timeout(watchdog) {
                Ok((_, ops)) => {
                    for (t, o) in totals.iter_mut().zip(ops) {
                        *t += o;
                    }
                }
                Err(e) => {
                    eprintln!("soak: a worker is stuck ({e}); seed {seed}");
                    for (id, d) in world.doing.iter().take(workers).enumerate() {
                        let d = d.load(Ordering::Relaxed);
                        eprintln!("soak:   worker {id}: {}", DOING_NAMES[d]);
                    }
                    std::process::abort();
                }
            }
        }
        let elapsed = start.elapsed();
        let total: u64 = totals.iter().sum();
        println!("soak: {total} operations in {:.1} s", elapsed.as_secs_f64());
        for (name, n) in OP_NAMES.iter().zip(totals) {
            println!("  {name:<28} {n:>12}");
        }
        assert!(totals[Op::Mutex as usize] > 0 || cfg!(miri));
    });

    // Counters add up.
    let pair = *world.pair.lock();
    assert_eq!(pair, (pair.0, pair.0));
    assert_eq!(pair.0, world.pair_incs.load(Ordering::Relaxed));
    let array = *world.array.read();
    assert_eq!(array, [world.array_writes.load(Ordering::Relaxed); 8]);
    // Every value was dropped exactly once, once the world (idle pool values, queue
    // items, the last generation's OnceValue) is gone.
    drop(world);
    for k in 0..KINDS {
        let (made, dropped) = (
            MADE[k].load(Ordering::Relaxed),
            DROPPED[k].load(Ordering::Relaxed),
        );
        println!(
            "soak: {:<16} made {made:>10}, dropped {dropped:>10}",
            KIND_NAMES[k]
        );
        assert_eq!(
            made, dropped,
            "{}: made {made}, dropped {dropped}",
            KIND_NAMES[k]
        );
    }
}
