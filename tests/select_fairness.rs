//! Fairness of the poll order, by chi-square: with ready cases at non-adjacent
//! positions among blocked ones, each ready case must be chosen uniformly.
//!
//! "A random start, then scan in order" (a common shortcut) fails these: a ready case
//! that follows a long run of blocked cases inherits their share. For the layouts
//! below that shortcut gives (3/8, 3/8, 2/8) and (5/8, 3/8), which at these trial
//! counts yields chi-square values in the hundreds, against thresholds at p = 1e-6.
//!
//! `select_biased!` / `Select::biased()` must instead always pick the first ready
//! case.

use gosync::chan::{self, Receiver, Sender};
use gosync::{select, select_biased, Select};

const CASES: usize = 8;

/// Chi-square critical values at p = 1e-6, for 1..=3 degrees of freedom: a fair
/// select fails with probability one in a million per layout.
const CRITICAL: [f64; 3] = [23.93, 27.63, 30.66];

fn trials() -> usize {
    if cfg!(miri) {
        60
    } else {
        12_000
    }
}

fn chi_square(counts: &[usize]) -> f64 {
    let n: usize = counts.iter().sum();
    let expected = n as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

fn check(name: &str, ready: &[usize], counts: &[usize; CASES]) {
    for (i, &c) in counts.iter().enumerate() {
        assert!(
            c == 0 || ready.contains(&i),
            "{name}: blocked case {i} chosen {c} times"
        );
    }
    let picked: Vec<usize> = ready.iter().map(|&i| counts[i]).collect();
    let chi2 = chi_square(&picked);
    eprintln!("{name}: ready {ready:?} chosen {picked:?}, chi-square {chi2:.2}");
    if !cfg!(miri) {
        assert!(
            chi2 < CRITICAL[ready.len() - 2],
            "{name}: unfair choice among ready cases {ready:?}: {picked:?} (chi-square {chi2:.2})"
        );
    }
}

/// Eight receive channels; those in `ready` hold a value (refilled after each pick).
fn recv_layout(ready: &[usize]) -> Vec<(Sender<usize>, Receiver<usize>)> {
    let chans: Vec<(Sender<usize>, Receiver<usize>)> =
        (0..CASES).map(|_| chan::bounded(1)).collect();
    for &i in ready {
        chans[i].0.send(i).unwrap();
    }
    chans
}

const LAYOUTS: [&[usize]; 2] = [&[1, 4, 6], &[0, 3]];

#[test]
fn select_macro_recv_is_uniform() {
    for ready in LAYOUTS {
        let chans = recv_layout(ready);
        let c: Vec<&Receiver<usize>> = chans.iter().map(|c| &c.1).collect();
        let mut counts = [0usize; CASES];
        for _ in 0..trials() {
            let i = select! {
                recv(c[0]) -> m => m.unwrap(),
                recv(c[1]) -> m => m.unwrap(),
                recv(c[2]) -> m => m.unwrap(),
                recv(c[3]) -> m => m.unwrap(),
                recv(c[4]) -> m => m.unwrap(),
                recv(c[5]) -> m => m.unwrap(),
                recv(c[6]) -> m => m.unwrap(),
                recv(c[7]) -> m => m.unwrap(),
            };
            counts[i] += 1;
            chans[i].0.send(i).unwrap();
        }
        check("select! recv", ready, &counts);
    }
}

#[test]
fn select_macro_send_is_uniform() {
    for ready in LAYOUTS {
        // A send case is ready when its channel has room: fill the others.
        let chans: Vec<(Sender<usize>, Receiver<usize>)> =
            (0..CASES).map(|_| chan::bounded(1)).collect();
        for (i, (tx, _)) in chans.iter().enumerate() {
            if !ready.contains(&i) {
                tx.send(i).unwrap();
            }
        }
        let s: Vec<&Sender<usize>> = chans.iter().map(|c| &c.0).collect();
        let mut counts = [0usize; CASES];
        for _ in 0..trials() {
            select! {
                send(s[0], 0) -> r => r.unwrap(),
                send(s[1], 1) -> r => r.unwrap(),
                send(s[2], 2) -> r => r.unwrap(),
                send(s[3], 3) -> r => r.unwrap(),
                send(s[4], 4) -> r => r.unwrap(),
                send(s[5], 5) -> r => r.unwrap(),
                send(s[6], 6) -> r => r.unwrap(),
                send(s[7], 7) -> r => r.unwrap(),
            }
            let i = ready
                .iter()
                .copied()
                .find(|&i| chans[i].1.len() == 1)
                .unwrap();
            counts[chans[i].1.recv().unwrap()] += 1;
        }
        check("select! send", ready, &counts);
    }
}

#[test]
fn dynamic_select_is_uniform() {
    for ready in LAYOUTS {
        let chans = recv_layout(ready);
        let mut counts = [0usize; CASES];
        for _ in 0..trials() {
            let mut sel = Select::new();
            for (_, rx) in &chans {
                sel = sel.recv(rx, |m| m.unwrap());
            }
            let i = sel.wait();
            counts[i] += 1;
            chans[i].0.send(i).unwrap();
        }
        check("Select", ready, &counts);
    }
}

#[test]
fn fairness_with_nil_cases_between() {
    // Nil cases take no part: the ready ones are still chosen uniformly.
    let ready = [2usize, 5];
    let chans = recv_layout(&ready);
    let c: Vec<Option<&Receiver<usize>>> = chans
        .iter()
        .enumerate()
        .map(|(i, c)| (i % 3 != 0).then_some(&c.1))
        .collect();
    let mut counts = [0usize; CASES];
    for _ in 0..trials() {
        let i = select! {
            recv(c[0]) -> m => m.unwrap(),
            recv(c[1]) -> m => m.unwrap(),
            recv(c[2]) -> m => m.unwrap(),
            recv(c[3]) -> m => m.unwrap(),
            recv(c[4]) -> m => m.unwrap(),
            recv(c[5]) -> m => m.unwrap(),
            recv(c[6]) -> m => m.unwrap(),
            recv(c[7]) -> m => m.unwrap(),
        };
        counts[i] += 1;
        chans[i].0.send(i).unwrap();
    }
    check("select! with nil cases", &ready, &counts);
}

#[test]
fn biased_always_takes_the_first_ready_case() {
    for ready in LAYOUTS {
        let chans = recv_layout(ready);
        let c: Vec<&Receiver<usize>> = chans.iter().map(|c| &c.1).collect();
        for _ in 0..100 {
            let i = select_biased! {
                recv(c[0]) -> m => m.unwrap(),
                recv(c[1]) -> m => m.unwrap(),
                recv(c[2]) -> m => m.unwrap(),
                recv(c[3]) -> m => m.unwrap(),
                recv(c[4]) -> m => m.unwrap(),
                recv(c[5]) -> m => m.unwrap(),
                recv(c[6]) -> m => m.unwrap(),
                recv(c[7]) -> m => m.unwrap(),
            };
            assert_eq!(i, ready[0]);
            chans[i].0.send(i).unwrap();
            let mut sel = Select::biased();
            for (_, rx) in &chans {
                sel = sel.recv(rx, |m| m.unwrap());
            }
            let i = sel.wait();
            assert_eq!(i, ready[0]);
            chans[i].0.send(i).unwrap();
        }
    }
}

#[test]
fn the_shortcut_would_fail_this_test() {
    // Self-check of the statistic: simulate "random start, then scan in order" with
    // the same trial count and layouts, and make sure `check`'s threshold rejects it.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for ready in LAYOUTS {
        let mut counts = [0usize; CASES];
        for _ in 0..trials() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let start = (x % CASES as u64) as usize;
            let i = (0..CASES)
                .map(|k| (start + k) % CASES)
                .find(|i| ready.contains(i))
                .unwrap();
            counts[i] += 1;
        }
        let picked: Vec<usize> = ready.iter().map(|&i| counts[i]).collect();
        let chi2 = chi_square(&picked);
        eprintln!("random start + scan: ready {ready:?} chosen {picked:?}, chi-square {chi2:.2}");
        if !cfg!(miri) {
            assert!(
                chi2 > CRITICAL[ready.len() - 2],
                "the statistic would not catch the shortcut"
            );
        }
    }
}
