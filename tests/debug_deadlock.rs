//! The watchdog's deadlock rule (`gosync::debug::watchdog`), each scenario in a child
//! process of this binary: the rule looks at every thread of the process, so the
//! process must be the scenario and nothing else (libtest's own threads would keep the
//! rule from ever firing). This file has no libtest harness (`harness = false`): run
//! without arguments it runs every scenario as a child and checks its output; with
//! `GOSYNC_DEBUG_SCENARIO=name` it is that child.
//!
//! - Textbook deadlocks that must be reported (no false negatives): an unbuffered send
//!   with no receiver in a single-threaded program, two threads receiving from each
//!   other's channels, the two-lock circular wait, a `WaitGroup` waited on with a
//!   missing `done`; and the default action (print, then abort) once.
//! - Cases that must not fire (no false positives): a pipeline under heavy churn, where
//!   at times every thread is parked or about to be woken; timed waits; a thread
//!   blocked in `TcpListener::accept` (loopback) while the workers wait on channels.

#![allow(clippy::disallowed_types)]

use gosync::debug::{self, ReportKind};
use gosync::{chan, select, Mutex, WaitGroup};
use std::io::Write;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const ENV: &str = "GOSYNC_DEBUG_SCENARIO";
/// The exit code of a child whose watchdog reported a deadlock.
const REPORTED: i32 = 3;

/// Starts the watchdog of a child: it looks every 2 ms, and on a deadlock prints the
/// report and exits with [`REPORTED`].
fn watchdog() -> debug::WatchdogHandle {
    debug::watchdog()
        .interval(Duration::from_millis(2))
        .on_deadlock(|r| {
            assert_eq!(r.kind(), ReportKind::AllAsleep);
            assert!(r.is_deadlock());
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{r}");
            let _ = out.flush();
            std::process::exit(REPORTED);
        })
        .on_warning(|_| {})
        .start()
}

// ----- scenarios that deadlock -----

fn unbuffered_send() {
    let _wd = watchdog();
    let (tx, rx) = chan::bounded::<u32>(0);
    debug::set_label(&rx, "nobody-reads");
    let _ = tx.send(1);
    drop(rx);
}

fn recv_each_other() {
    let _wd = watchdog();
    let (tx_a, rx_a) = chan::bounded::<u32>(0);
    let (tx_b, rx_b) = chan::bounded::<u32>(0);
    debug::set_label(&rx_a, "a");
    debug::set_label(&rx_b, "b");
    thread::scope(|s| {
        thread::Builder::new()
            .name("peer".into())
            .spawn_scoped(s, || {
                let _ = rx_b.recv();
                let _ = tx_a.send(1);
            })
            .unwrap();
        let _ = rx_a.recv();
        let _ = tx_b.send(2);
    });
}

fn two_locks() {
    let _wd = watchdog();
    let a = Mutex::new(0);
    let b = Mutex::new(0);
    debug::set_label(&a, "lock-a");
    debug::set_label(&b, "lock-b");
    let (ready_tx, ready_rx) = chan::bounded::<()>(0);
    thread::scope(|s| {
        s.spawn(|| {
            let _b = b.lock();
            ready_tx.send(()).unwrap();
            let _a = a.lock();
        });
        let _a = a.lock();
        ready_rx.recv().unwrap();
        let _b = b.lock();
    });
}

fn waitgroup_missing_done() {
    let _wd = watchdog();
    let wg = WaitGroup::new();
    debug::set_label(&wg, "workers");
    wg.add(2);
    thread::scope(|s| {
        s.spawn(|| wg.done()); // the second worker never says done
    });
    wg.wait();
}

fn default_action_aborts() {
    let _wd = debug::watchdog().interval(Duration::from_millis(2)).start();
    let (tx, _rx) = chan::bounded::<u32>(0);
    let _ = tx.send(1);
}

// ----- scenarios that must not fire -----

fn pipeline_churn() {
    let _wd = watchdog();
    let n: u64 = 20_000;
    let (src_tx, src_rx) = chan::bounded::<u64>(0);
    let (mid_tx, mid_rx) = chan::bounded::<u64>(1);
    let (out_tx, out_rx) = chan::bounded::<u64>(0);
    thread::scope(|s| {
        for _ in 0..2 {
            let src_tx = src_tx.clone();
            s.spawn(move || {
                for i in 0..n / 2 {
                    src_tx.send(i).unwrap();
                }
            });
        }
        drop(src_tx);
        for _ in 0..3 {
            let (src_rx, mid_tx) = (src_rx.clone(), mid_tx.clone());
            s.spawn(move || {
                for v in src_rx {
                    mid_tx.send(v * 2).unwrap();
                }
            });
        }
        drop(mid_tx);
        s.spawn(move || {
            for v in mid_rx {
                out_tx.send(v).unwrap();
            }
        });
        let mut count = 0;
        let mut sum = 0;
        for v in out_rx {
            count += 1;
            sum += v;
        }
        assert_eq!(count, n);
        assert_eq!(sum, 2 * 2 * (n / 2) * (n / 2 - 1) / 2);
    });
}

fn timed_waits() {
    let _wd = watchdog();
    let (tx, rx) = chan::bounded::<u32>(0);
    let (_tx2, rx2) = chan::bounded::<u32>(0);
    let m = Mutex::new(false);
    let cond = gosync::Cond::new();
    thread::scope(|s| {
        s.spawn(|| {
            let end = Instant::now() + Duration::from_millis(300);
            let mut g = m.lock();
            while Instant::now() < end {
                g = cond.wait_timeout(g, Duration::from_millis(7)).0;
            }
        });
        s.spawn(|| {
            for _ in 0..30 {
                select! {
                    recv(rx2) -> _ => unreachable!(),
                    default(Duration::from_millis(10)) => {}
                }
            }
        });
        for _ in 0..30 {
            assert!(rx.recv_timeout(Duration::from_millis(10)).is_err());
        }
    });
    drop(tx);
}

fn accept_while_workers_wait() {
    let _wd = watchdog();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (jobs_tx, jobs_rx) = chan::bounded::<u32>(0);
    let (done_tx, done_rx) = chan::bounded::<u32>(0);
    thread::scope(|s| {
        for _ in 0..3 {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for j in jobs_rx {
                    done_tx.send(j).unwrap();
                }
            });
        }
        drop(done_tx);
        // Blocked in accept (outside gosync) for a while: the workers and this thread
        // are all parked in gosync meanwhile, which must not count as a deadlock.
        s.spawn(move || {
            let (_conn, _) = listener.accept().unwrap();
            for j in 0..3 {
                jobs_tx.send(j).unwrap();
            }
        });
        s.spawn(move || {
            thread::sleep(Duration::from_millis(300));
            let _ = std::net::TcpStream::connect(addr).unwrap();
        });
        let mut got: Vec<u32> = done_rx.iter().collect();
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2]);
    });
}

// ----- the parent -----

struct Case {
    name: &'static str,
    run: fn(),
    /// `None`: must finish normally; `Some(parts)`: must report a deadlock whose
    /// report contains every part.
    expect: Option<&'static [&'static str]>,
}

const CASES: &[Case] = &[
    Case {
        name: "unbuffered_send",
        run: unbuffered_send,
        expect: Some(&[
            "gosync: all threads are asleep - deadlock!",
            "1 thread waits on `nobody-reads` (cap 0, len 0), 1 receiver alive:",
            "[chan send, ",
        ]),
    },
    Case {
        name: "recv_each_other",
        run: recv_each_other,
        expect: Some(&[
            "gosync: all threads are asleep - deadlock!",
            "gosync: 2 operations parked",
            "1 thread waits on `a` (cap 0, len 0), 1 sender alive:",
            "1 thread waits on `b` (cap 0, len 0), 1 sender alive:",
            "\"peer\" [chan receive, ",
        ]),
    },
    Case {
        name: "two_locks",
        run: two_locks,
        expect: Some(&[
            "gosync: all threads are asleep - deadlock!",
            "1 thread waits on `lock-a`:",
            "1 thread waits on `lock-b`:",
            "[sync.Mutex.Lock, ",
        ]),
    },
    Case {
        name: "waitgroup_missing_done",
        run: waitgroup_missing_done,
        expect: Some(&[
            "gosync: all threads are asleep - deadlock!",
            "1 thread waits on `workers`:",
            "[sync.WaitGroup.Wait, ",
        ]),
    },
    Case {
        name: "pipeline_churn",
        run: pipeline_churn,
        expect: None,
    },
    Case {
        name: "timed_waits",
        run: timed_waits,
        expect: None,
    },
    Case {
        name: "accept_while_workers_wait",
        run: accept_while_workers_wait,
        expect: None,
    },
];

/// Runs this binary as the child for `name`; returns its status and output.
fn run_child(name: &str) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ENV, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("scenario {name}: hung (no report within 120 s)");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (status, text)
}

fn main() {
    if let Ok(name) = std::env::var(ENV) {
        if name == "default_action_aborts" {
            default_action_aborts();
            return;
        }
        let case = CASES
            .iter()
            .find(|c| c.name == name)
            .expect("no such scenario");
        (case.run)();
        return;
    }
    // Child processes and /proc: neither under Miri.
    if cfg!(miri) || !cfg!(target_os = "linux") {
        println!("debug_deadlock: skipped (needs Linux processes)");
        return;
    }
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    // A runtime that starts a thread of its own (ThreadSanitizer's background thread,
    // started with the process's first other thread) keeps one thread of every child
    // awake outside gosync, as a thread blocked in a socket read would: the all-asleep
    // rule must not fire then, so only the scenarios where it must never fire can be
    // checked. One thread started and joined shows whether one is there.
    thread::spawn(|| {}).join().unwrap();
    let foreign = std::fs::read_dir("/proc/self/task").map_or(1, |d| d.count()) - 1;
    if foreign > 0 {
        println!(
            "debug_deadlock: {foreign} thread(s) besides main once a thread has run (a sanitizer's \
             runtime): checking only the scenarios that must not fire"
        );
    }
    let mut failed = 0;
    for case in CASES {
        if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        if foreign > 0 && case.expect.is_some() {
            continue;
        }
        let (status, out) = run_child(case.name);
        let ok = match case.expect {
            Some(parts) => status.code() == Some(REPORTED) && parts.iter().all(|p| out.contains(p)),
            None => status.success() && !out.contains("deadlock"),
        };
        println!(
            "test {} ... {}",
            case.name,
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failed += 1;
            println!("  status: {status}\n  output:\n{out}");
        }
    }
    if foreign == 0
        && filter
            .as_deref()
            .map_or(true, |f| "default_action_aborts".contains(f))
    {
        let (status, out) = run_child("default_action_aborts");
        #[cfg(unix)]
        let aborted = {
            use std::os::unix::process::ExitStatusExt;
            status.signal() == Some(6)
        };
        #[cfg(not(unix))]
        let aborted = !status.success();
        let ok = aborted && out.contains("gosync: all threads are asleep - deadlock!");
        println!(
            "test default_action_aborts ... {}",
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failed += 1;
            println!("  status: {status}\n  output:\n{out}");
        }
    }
    if failed > 0 {
        println!("debug_deadlock: {failed} failed");
        std::process::exit(1);
    }
    println!("debug_deadlock: all passed");
}
