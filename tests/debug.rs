//! `gosync::debug`: what `blocked()` and `dump()` show for each kind of wait, labels,
//! `assert_none_blocked` (passing and failing), and the watchdog's warnings. The
//! watchdog's deadlock rule needs a process whose every thread takes part, so its
//! tests (each textbook deadlock, and the cases that must not fire) are in
//! `tests/debug_deadlock.rs`, which runs each scenario in a child process.
//!
//! Every test here takes `SERIAL`: `blocked()` sees every thread of the process, so
//! one test's parked threads would show in another's snapshot.

#![allow(clippy::disallowed_types)]

use gosync::debug::{self, BlockedOp, OpKind};
use gosync::{chan, select, Cond, Mutex, Once, RwMutex, WaitGroup};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex as StdMutex;
use std::thread;
use std::time::{Duration, Instant};

static SERIAL: StdMutex<()> = StdMutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits (polling) until `n` operations labeled `label` are parked, and returns them.
fn wait_blocked(label: &str, n: usize) -> Vec<BlockedOp> {
    let start = Instant::now();
    loop {
        let ops: Vec<BlockedOp> = debug::blocked()
            .into_iter()
            .filter(|op| op.label() == Some(label))
            .collect();
        if ops.len() >= n {
            return ops;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never saw {n} ops on {label}:\n{}",
            debug::dump()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// Waits until an operation of `kind` is parked on a thread named `name`.
fn wait_thread(name: &str, kind: OpKind) -> BlockedOp {
    let start = Instant::now();
    loop {
        if let Some(op) = debug::blocked()
            .into_iter()
            .find(|op| op.thread_name() == Some(name) && op.kind() == kind)
        {
            return op;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never saw {name} parked:\n{}",
            debug::dump()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

fn named(name: &str) -> thread::Builder {
    thread::Builder::new().name(name.to_owned())
}

#[test]
fn chan_recv_is_listed_with_its_channel() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&tx, "t-recv");
    thread::scope(|s| {
        let h = named("receiver")
            .spawn_scoped(s, || rx.recv().unwrap())
            .unwrap();
        let ops = wait_blocked("t-recv", 1);
        let op = &ops[0];
        assert_eq!(op.kind(), OpKind::ChanRecv);
        assert_eq!(op.thread_name(), Some("receiver"));
        assert_eq!(op.thread_id(), h.thread().id());
        assert!(op.deadline().is_none());
        let c = op.channel().unwrap();
        assert_eq!((c.cap, c.len, c.senders, c.receivers), (Some(0), 0, 1, 1));
        assert_eq!(c.waiting_receivers, 1);
        assert!(!c.closed);
        let text = op.to_string();
        assert!(text.contains("\"receiver\" [chan receive, "), "{text}");
        assert!(text.contains("on `t-recv` (chan 0x"), "{text}");
        let dump = debug::dump();
        assert!(
            dump.contains("1 thread waits on `t-recv` (cap 0, len 0), 1 sender alive:"),
            "{dump}"
        );
        tx.send(5).unwrap();
        assert_eq!(h.join().unwrap(), 5);
    });
    debug::assert_none_blocked(Duration::from_secs(10));
}

#[test]
fn dump_groups_threads_by_channel() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(64);
    debug::set_label(&rx, "jobs");
    let (done_tx, done_rx) = chan::bounded::<u32>(0);
    debug::set_label(&done_tx, "t-done");
    let workers = if cfg!(miri) { 2 } else { 12 };
    thread::scope(|s| {
        for i in 0..workers {
            let rx = rx.clone();
            named(&format!("worker-{i}"))
                .spawn_scoped(s, move || while rx.recv().is_ok() {})
                .unwrap();
        }
        named("sender")
            .spawn_scoped(s, || done_tx.send(1).unwrap())
            .unwrap();
        wait_blocked("jobs", workers);
        wait_blocked("t-done", 1);
        let dump = debug::dump();
        assert!(
            dump.contains(&format!(
                "{workers} threads wait on `jobs` (cap 64, len 0), 1 sender alive:"
            )),
            "{dump}"
        );
        assert!(
            dump.contains("1 thread waits on `t-done` (cap 0, len 0), 1 receiver alive:"),
            "{dump}"
        );
        assert!(dump.contains("[chan send, "), "{dump}");
        assert_eq!(dump.matches("[chan receive, ").count(), workers, "{dump}");
        assert_eq!(done_rx.recv(), Ok(1));
        drop(tx);
    });
    debug::assert_none_blocked(Duration::from_secs(10));
}

#[test]
fn timed_wait_shows_its_deadline() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(1);
    debug::set_label(&rx, "t-timed");
    thread::scope(|s| {
        s.spawn(|| rx.recv_timeout(Duration::from_secs(600)));
        let op = wait_blocked("t-timed", 1).remove(0);
        assert!(op.deadline().is_some());
        assert!(op.to_string().contains("deadline in "), "{op}");
        tx.send(1).unwrap();
    });
}

#[test]
fn sync_primitives_are_listed() {
    let _s = serial();
    let m = Mutex::new(0);
    let rw = RwMutex::new(0);
    let cond = Cond::new();
    let cm = Mutex::new(false);
    let wg = WaitGroup::new();
    let once = Once::new();
    debug::set_label(&m, "t-mutex");
    debug::set_label(&rw, "t-rw");
    debug::set_label(&cond, "t-cond");
    debug::set_label(&wg, "t-wg");
    debug::set_label(&once, "t-once");
    let (in_once_tx, in_once_rx) = chan::bounded::<()>(0);
    let (leave_once_tx, leave_once_rx) = chan::bounded::<()>(0);

    let g = m.lock();
    let wr = rw.write();
    wg.add(1);
    thread::scope(|s| {
        s.spawn(|| drop(m.lock()));
        s.spawn(|| drop(rw.read()));
        s.spawn(|| {
            let mut ready = cm.lock();
            while !*ready {
                ready = cond.wait(ready);
            }
        });
        s.spawn(|| wg.wait());
        s.spawn(|| {
            once.call_once(|| {
                in_once_tx.send(()).unwrap();
                leave_once_rx.recv().unwrap();
            })
        });
        in_once_rx.recv().unwrap();
        s.spawn(|| once.call_once(|| unreachable!()));

        let kinds = [
            ("t-mutex", OpKind::Mutex, "sync.Mutex.Lock"),
            ("t-rw", OpKind::RwMutexRead, "sync.RWMutex.RLock"),
            ("t-cond", OpKind::Cond, "sync.Cond.Wait"),
            ("t-wg", OpKind::WaitGroup, "sync.WaitGroup.Wait"),
            ("t-once", OpKind::Once, "sync.Once.Do"),
        ];
        for (label, kind, go) in kinds {
            let op = wait_blocked(label, 1).remove(0);
            assert_eq!(op.kind(), kind);
            assert_eq!(kind.as_str(), go);
            assert!(op.channel().is_none());
            assert!(op.to_string().contains(&format!("[{go}, ")), "{op}");
            assert!(op.to_string().contains(&format!("on `{label}`")), "{op}");
        }
        let dump = debug::dump();
        assert!(dump.contains("1 thread waits on `t-mutex`:"), "{dump}");

        drop(g);
        drop(wr);
        *cm.lock() = true;
        cond.broadcast();
        wg.done();
        leave_once_tx.send(()).unwrap();
    });
    debug::assert_none_blocked(Duration::from_secs(10));
}

#[test]
fn rwmutex_writer_is_listed() {
    let _s = serial();
    let rw = RwMutex::new(0);
    debug::set_label(&rw, "t-rw-w");
    let r = rw.read();
    thread::scope(|s| {
        s.spawn(|| *rw.write() += 1);
        let op = wait_blocked("t-rw-w", 1).remove(0);
        assert_eq!(op.kind(), OpKind::RwMutexWrite);
        drop(r);
    });
    assert_eq!(*rw.read(), 1);
}

#[test]
fn select_lists_its_cases() {
    let _s = serial();
    let (tx_a, rx_a) = chan::bounded::<u32>(0);
    let (tx_b, rx_b) = chan::bounded::<u32>(0);
    debug::set_label(&rx_a, "t-sel-a");
    thread::scope(|s| {
        named("selector")
            .spawn_scoped(s, || {
                select! {
                    recv(rx_a) -> v => v.unwrap(),
                    recv(rx_b) -> v => v.unwrap(),
                }
            })
            .unwrap();
        let op = wait_thread("selector", OpKind::Select);
        assert_eq!(op.cases().len(), 2);
        assert!(op.cases().iter().any(|c| c.label() == Some("t-sel-a")));
        assert!(op.cases().iter().all(|c| c.object_id().is_some()));
        let text = op.to_string();
        assert!(text.contains("[select, "), "{text}");
        assert!(text.contains("select on "), "{text}");
        assert!(text.contains("`t-sel-a`"), "{text}");
        assert!(debug::dump().contains("1 thread waits on a select of 2 cases:"));
        tx_b.send(2).unwrap();
    });
    drop(tx_a);
}

#[test]
fn labels_can_be_removed() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&rx, "t-gone");
    debug::set_label(&tx, "");
    thread::scope(|s| {
        named("unlabeled")
            .spawn_scoped(s, || rx.recv().unwrap())
            .unwrap();
        let op = wait_thread("unlabeled", OpKind::ChanRecv);
        assert_eq!(op.label(), None);
        assert!(op.to_string().contains("on chan 0x"), "{op}");
        tx.send(1).unwrap();
    });
}

#[test]
fn assert_none_blocked_names_the_leaked_thread() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&tx, "t-leak");
    thread::scope(|s| {
        named("leaker").spawn_scoped(s, || tx.send(1)).unwrap();
        wait_blocked("t-leak", 1);
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = catch_unwind(AssertUnwindSafe(|| {
            debug::assert_none_blocked(Duration::from_millis(20))
        }));
        std::panic::set_hook(hook);
        let msg = r.expect_err("a parked sender must fail the check");
        let msg = msg
            .downcast_ref::<String>()
            .expect("the panic carries the dump");
        assert!(msg.contains("still parked after 20ms"), "{msg}");
        assert!(msg.contains("\"leaker\" [chan send, "), "{msg}");
        assert!(msg.contains("`t-leak`"), "{msg}");
        assert_eq!(rx.recv(), Ok(1));
    });
    debug::assert_none_blocked(Duration::from_secs(10));
}

#[test]
fn assert_none_blocked_waits_for_a_thread_about_to_finish() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&rx, "t-late");
    let h = thread::spawn(move || rx.recv());
    wait_blocked("t-late", 1);
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        tx.send(3).unwrap();
    });
    // Parked now, woken within the grace period: passes.
    debug::assert_none_blocked(Duration::from_secs(30));
    assert_eq!(h.join().unwrap(), Ok(3));
    sender.join().unwrap();
}

#[test]
fn nothing_parked_when_nothing_blocks() {
    let _s = serial();
    let (tx, rx) = chan::bounded::<u32>(4);
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(debug::blocked().is_empty(), "{}", debug::dump());
    assert_eq!(debug::dump(), "gosync: no operation is parked\n");
}

/// Workers parked on a channel while this (non-gosync) test thread sleeps: never a
/// deadlock, but a warning once they have been parked longer than `stuck_after`, and
/// once only.
///
/// The watchdog starts once both workers have been parked longer than `stuck_after`,
/// so that its first look finds both stuck: started before, it could see the first
/// worker's wait pass the limit a moment before the second's (the two park at
/// different times — milliseconds apart under ThreadSanitizer) and rightly warn about
/// each on its own.
#[cfg(not(miri))]
#[test]
fn watchdog_warns_once_about_stuck_operations() {
    use gosync::debug::ReportKind;
    use std::sync::Arc;
    let _s = serial();
    let deadlocks = Arc::new(StdMutex::new(Vec::new()));
    let warnings = Arc::new(StdMutex::new(Vec::new()));
    let (d, w) = (deadlocks.clone(), warnings.clone());
    let stuck_after = Duration::from_millis(30);
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&rx, "t-stuck");
    thread::scope(|s| {
        s.spawn(|| rx.recv());
        s.spawn(|| rx.recv());
        wait_blocked("t-stuck", 2);
        thread::sleep(stuck_after + Duration::from_millis(10));
        let wd = debug::watchdog()
            .interval(Duration::from_millis(2))
            .stuck_after(stuck_after)
            .on_deadlock(move |r| d.lock().unwrap().push(r.to_string()))
            .on_warning(move |r| w.lock().unwrap().push((r.kind(), r.to_string())))
            .start();
        let start = Instant::now();
        while !warnings
            .lock()
            .unwrap()
            .iter()
            .any(|(k, _)| *k == ReportKind::Stuck)
        {
            assert!(start.elapsed() < Duration::from_secs(60), "no warning");
            thread::sleep(Duration::from_millis(2));
        }
        thread::sleep(Duration::from_millis(50));
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(wd);
    });
    assert!(deadlocks.lock().unwrap().is_empty());
    let warnings = warnings.lock().unwrap();
    let stuck: Vec<_> = warnings
        .iter()
        .filter(|(k, _)| *k == ReportKind::Stuck)
        .collect();
    assert_eq!(stuck.len(), 1, "{warnings:?}");
    assert!(
        stuck[0].1.contains("2 operations parked for more than"),
        "{}",
        stuck[0].1
    );
    assert!(
        stuck[0].1.contains("2 threads wait on `t-stuck`"),
        "{}",
        stuck[0].1
    );
    // Every thread that uses gosync was parked while this one slept: a warning too.
    assert!(
        warnings
            .iter()
            .any(|(k, r)| *k == ReportKind::GosyncAsleep && r.contains("are asleep")),
        "{warnings:?}"
    );
}
