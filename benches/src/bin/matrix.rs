//! Runs every benchmark cell once over (one repetition) and prints one JSON object per
//! cell on stdout: `{"suite","case","cap","contender","ns_per_msg","iters","messages"}`.
//!
//! Contenders of one workload run back to back, in an order rotated by `--rep`, so a
//! drift in the machine's speed hits them all alike; `benches/report.py` calls this
//! once per repetition, interleaved with the Go program, and takes medians.
//!
//! ```text
//! matrix [--rep K] [--budget-ms MS] [--warmup N] [--max-iters N] [--scale F]
//!        [--filter SUBSTR]... [--after ID] [--cell-timeout-s S] [--list]
//! ```
//! A cell runs `--warmup` untimed iterations of a tenth of its messages, then timed
//! iterations until their total reaches `--budget-ms` (at least one, at most
//! `--max-iters`); its figure is total time over total messages. `--scale F` (0 < F ≤ 1)
//! moves F times the default message count per iteration (for smoke runs).
//!
//! A cell still running after `--cell-timeout-s` (default 120) is reported as
//! `{"...","hung":true}` and the process exits with status 3; `--after ID` resumes
//! the same repetition after that cell.

use gosync_benches::{cells, Cell};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

struct Opts {
    rep: usize,
    budget: Duration,
    warmup: usize,
    max_iters: usize,
    scale: f64,
    filters: Vec<String>,
    after: Option<String>,
    cell_timeout: Duration,
    list: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: matrix [--rep K] [--budget-ms MS] [--warmup N] [--max-iters N] [--scale F] \\
         [--filter SUBSTR]... [--after ID] [--cell-timeout-s S] [--list]"
    );
    std::process::exit(2)
}

fn parse() -> Opts {
    let mut o = Opts {
        rep: 0,
        budget: Duration::from_millis(200),
        warmup: 1,
        max_iters: 1000,
        scale: 1.0,
        filters: Vec::new(),
        after: None,
        cell_timeout: Duration::from_secs(120),
        list: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let num = |args: &mut dyn Iterator<Item = String>| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage())
        };
        match a.as_str() {
            "--rep" => o.rep = num(&mut args) as usize,
            "--budget-ms" => o.budget = Duration::from_millis(num(&mut args)),
            "--warmup" => o.warmup = num(&mut args) as usize,
            "--max-iters" => o.max_iters = num(&mut args).max(1) as usize,
            "--filter" => o.filters.push(args.next().unwrap_or_else(|| usage())),
            "--scale" => {
                o.scale = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&f: &f64| f > 0.0 && f <= 1.0)
                    .unwrap_or_else(|| usage())
            }
            "--after" => o.after = Some(args.next().unwrap_or_else(|| usage())),
            "--cell-timeout-s" => o.cell_timeout = Duration::from_secs(num(&mut args)),
            "--list" => o.list = true,
            "--bench" => {} // passed by `cargo bench`; harmless
            _ => usage(),
        }
    }
    o
}

fn measure(cell: &Cell, o: &Opts) -> (f64, usize, usize) {
    let n = cell.messages_at(o.scale);
    for _ in 0..o.warmup {
        (cell.run)(cell.messages_at(o.scale / 10.0));
    }
    let mut total = Duration::ZERO;
    let mut iters = 0;
    while iters == 0 || (total < o.budget && iters < o.max_iters) {
        total += (cell.run)(n);
        iters += 1;
    }
    let ns = total.as_nanos() as f64 / (iters * n) as f64;
    (ns, iters, n)
}

fn main() {
    let o = parse();
    let all: Vec<Cell> = cells()
        .into_iter()
        .filter(|c| o.filters.is_empty() || o.filters.iter().any(|f| c.id().contains(f.as_str())))
        .collect();
    if o.list {
        for c in &all {
            println!("{} ({} messages)", c.id(), c.messages);
        }
        return;
    }
    // Workloads in order; within one, the contenders rotated by the repetition number.
    let mut order: Vec<&Cell> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && (all[j].case, all[j].cap) == (all[i].case, all[i].cap) {
            j += 1;
        }
        let group = &all[i..j];
        order.extend((0..group.len()).map(|k| &group[(k + o.rep) % group.len()]));
        i = j;
    }
    if let Some(after) = &o.after {
        match order.iter().position(|c| &c.id() == after) {
            Some(p) => drop(order.drain(..=p)),
            None => {
                eprintln!("matrix: --after {after}: no such cell");
                std::process::exit(2);
            }
        }
    }
    // A watchdog: a cell that hangs (a lost wake-up in some contender) must not hang
    // the report.
    let (started, watch) = mpsc::channel::<Option<String>>();
    let timeout = o.cell_timeout;
    std::thread::spawn(move || {
        let mut current: Option<String> = None;
        loop {
            match watch.recv_timeout(timeout) {
                Ok(next) => current = next,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(id) = current.take() {
                        let mut f = id.splitn(3, '/');
                        let (case, cap, contender) = (f.next(), f.next(), f.next());
                        println!(
                            "{{\"case\":\"{}\",\"cap\":\"{}\",\"contender\":\"{}\",\"hung\":true}}",
                            case.unwrap_or(""),
                            cap.unwrap_or(""),
                            contender.unwrap_or("")
                        );
                        eprintln!("matrix: {id} still running after {timeout:?}: giving up");
                        std::process::exit(3);
                    }
                }
            }
        }
    });
    for cell in order {
        started.send(Some(cell.id())).unwrap();
        let (ns, iters, n) = measure(cell, &o);
        started.send(None).unwrap();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{{\"suite\":\"{}\",\"case\":\"{}\",\"cap\":\"{}\",\"contender\":\"{}\",\"ns_per_msg\":{:.3},\"iters\":{},\"messages\":{}}}",
            cell.suite, cell.case, cell.cap, cell.contender, ns, iters, n
        )
        .unwrap();
        out.flush().unwrap();
    }
}
