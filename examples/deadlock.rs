//! Two deadlocks, each reported as Go would report it:
//!
//! - `locks`: the circular wait — two threads take two `Mutex`es in opposite orders.
//! - `send`: a send on an unbuffered channel that nobody will ever receive from.
//!
//! gosync's watchdog (`gosync::debug::watchdog`) sees every thread of the process
//! parked in gosync with nothing left to wake them, and prints
//! `gosync: all threads are asleep - deadlock!` with a dump of who waits on what.
//!
//! Built with the `deadlock-detection` feature, `Mutex`es record their holders and the
//! watchdog also finds the circular wait of `locks` as a lock cycle, without waiting
//! for every thread to stop (`gosync: lock cycle - deadlock!`, naming who waits for
//! what held by whom). To show it, `locks` then also keeps a thread busy outside
//! gosync, which keeps the all-asleep rule from firing:
//! `cargo run --example deadlock --features deadlock-detection -- locks`.
//!
//! ```text
//! cargo run --example deadlock              # both, each in a child process; exits 0
//! cargo run --example deadlock -- locks     # one: prints the report, exits 0
//! cargo run --example deadlock -- --abort send   # the default action: print, abort
//! ```

use gosync::{chan, debug, Mutex};
use std::process::Command;
use std::thread;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let abort = args.iter().any(|a| a == "--abort");
    let scenario = args.iter().find(|a| !a.starts_with("--")).cloned();
    let Some(scenario) = scenario else {
        // Both scenarios, each in a process of its own (the rule needs every thread of
        // the process to take part).
        let me = std::env::current_exe().expect("own path");
        for name in ["locks", "send"] {
            let out = Command::new(&me).arg(name).output().expect("child runs");
            let text = String::from_utf8_lossy(&out.stdout);
            print!("--- deadlock {name}\n{text}");
            assert!(out.status.success(), "deadlock {name}: {}", out.status);
            let expect = if cfg!(feature = "deadlock-detection") && name == "locks" {
                "gosync: lock cycle - deadlock!"
            } else {
                "gosync: all threads are asleep - deadlock!"
            };
            assert!(text.contains(expect), "{name}: expected {expect:?}");
        }
        println!("--- both deadlocks reported");
        return;
    };

    let watchdog = debug::watchdog().interval(Duration::from_millis(10));
    let _watchdog = if abort {
        watchdog.start() // the default: print to stderr, then abort, as Go does
    } else {
        watchdog
            .on_deadlock(|report| {
                println!("{report}");
                std::process::exit(0); // a demo: the report is the expected outcome
            })
            .start()
    };

    match scenario.as_str() {
        "locks" => locks(),
        "send" => send(),
        other => {
            eprintln!("unknown scenario {other:?}: use locks or send");
            std::process::exit(2);
        }
    }
    unreachable!("the watchdog ends the process");
}

/// The classic circular wait: main holds `accounts` and wants `audit`; the auditor
/// holds `audit` and wants `accounts`.
fn locks() {
    let accounts = Mutex::new(100);
    let audit = Mutex::new(Vec::<i32>::new());
    debug::set_label(&accounts, "accounts");
    debug::set_label(&audit, "audit");
    if cfg!(feature = "deadlock-detection") {
        // A bystander sleeping outside gosync: only the lock-cycle rule can tell.
        thread::spawn(|| loop {
            thread::sleep(Duration::from_millis(10));
        });
    }
    let (ready_tx, ready_rx) = chan::bounded::<()>(0);
    thread::scope(|s| {
        thread::Builder::new()
            .name("auditor".into())
            .spawn_scoped(s, || {
                let mut log = audit.lock();
                ready_tx.send(()).unwrap();
                log.push(*accounts.lock()); // waits for main, which waits for us
            })
            .unwrap();
        let mut balance = accounts.lock();
        ready_rx.recv().unwrap();
        *balance -= 10;
        audit.lock().push(*balance); // waits for the auditor
    });
}

/// `ch <- 1` on an unbuffered channel with no receiver: Go's first deadlock.
fn send() {
    let (tx, rx) = chan::bounded::<i32>(0);
    debug::set_label(&tx, "results");
    tx.send(1).unwrap(); // blocks forever: nobody receives
    drop(rx);
}
