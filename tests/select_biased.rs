//! `select_biased!` and `Select::biased`: of the cases ready at one instant, the first
//! in source order is chosen — never a later case while an earlier one is ready.
//!
//! Shape: one producer sends `hi(i)` then `lo(i)` on two capacity-1 channels; one
//! consumer loops a biased select with `hi` first and `lo` last. Receiving `lo(i)`
//! before `hi(i)` means the select chose `lo` at an instant when `hi(i)`, sent
//! earlier, was ready. Between the two sit timer cases that are never due (each a
//! clock read when polled): they widen the window in which a select that looks at its
//! cases one at a time sees `hi` empty, then both sends land, then `lo` ready — so
//! that such a select is caught in every run, not once in a while.
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver};
use gosync::{select_biased, Select};
use std::thread;
use std::time::{Duration, Instant};

/// How many `hi`/`lo` pairs the producer sends.
fn rounds() -> u64 {
    if cfg!(miri) {
        50
    } else {
        50_000
    }
}

/// Timer receivers that are never due: cases that are never ready.
fn fillers() -> Vec<Receiver<Instant>> {
    let n = if cfg!(miri) { 2 } else { 60 };
    (0..n)
        .map(|_| chan::after(Duration::from_secs(3600)))
        .collect()
}

/// Runs the producer against `pick` (a biased select over `hi`, the fillers, `lo`,
/// returning which of `hi`/`lo` it received and the value) and returns how many times
/// `lo(i)` came before `hi(i)`.
fn violations(pick: impl Fn(&Receiver<u64>, &Receiver<u64>) -> (bool, u64)) -> u64 {
    let n = rounds();
    let (hi_tx, hi) = chan::bounded::<u64>(1);
    let (lo_tx, lo) = chan::bounded::<u64>(1);
    // Kept until the end, so that a drained `hi` is not ready (closed) while `lo` has
    // values left.
    let open = (hi_tx.clone(), lo_tx.clone());
    let producer = thread::spawn(move || {
        for i in 0..n {
            hi_tx.send(i).unwrap();
            lo_tx.send(i).unwrap();
        }
    });
    let (mut his, mut los, mut bad) = (0u64, 0u64, 0u64);
    while his < n || los < n {
        match pick(&hi, &lo) {
            (true, v) => {
                assert_eq!(v, his, "hi values arrive in order");
                his += 1;
            }
            (false, v) => {
                assert_eq!(v, los, "lo values arrive in order");
                if his <= v {
                    bad += 1;
                }
                los += 1;
            }
        }
    }
    producer.join().unwrap();
    drop(open);
    bad
}

/// `select_biased!` over `hi`, the fillers (indices past the end are nil cases), `lo`,
/// and the given `default` arm, if any.
macro_rules! biased_over {
    ($hi:expr, $f:expr, $lo:expr; $($i:literal)* $(; default => $d:block)?) => {
        select_biased! {
            recv($hi) -> v => Some((true, v.unwrap())),
            $( recv($f.get($i)) -> _ => unreachable!("a filler was never due"), )*
            recv($lo) -> v => Some((false, v.unwrap())),
            $( default => $d, )?
        }
    };
}

#[test]
fn select_biased_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| {
        biased_over!(hi, f, lo; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
            24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47)
        .unwrap()
    });
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

#[test]
fn select_biased_with_default_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| loop {
        let got = biased_over!(hi, f, lo; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21
            22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47;
            default => { None });
        if let Some(got) = got {
            break got;
        }
    });
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

#[test]
fn select_biased_two_cases_never_takes_lo_before_its_hi() {
    let bad = violations(|hi, lo| {
        select_biased! {
            recv(hi) -> v => (true, v.unwrap()),
            recv(lo) -> v => (false, v.unwrap()),
        }
    });
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

/// A biased `Select` over `hi`, the fillers, `lo`.
fn builder<'a>(
    hi: &'a Receiver<u64>,
    f: &'a [Receiver<Instant>],
    lo: &'a Receiver<u64>,
) -> Select<'a, (bool, u64)> {
    let mut sel = Select::biased().recv(hi, |v| (true, v.unwrap()));
    for r in f {
        sel = sel.recv(r, |_| unreachable!("a filler was never due"));
    }
    sel.recv(lo, |v| (false, v.unwrap()))
}

#[test]
fn select_builder_biased_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| builder(hi, &f, lo).wait());
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

#[test]
fn select_builder_biased_try_wait_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| loop {
        if let Some(r) = builder(hi, &f, lo).try_wait() {
            break r;
        }
    });
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

#[test]
fn select_builder_biased_with_a_timeout_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| loop {
        if let Some(r) = builder(hi, &f, lo).wait_timeout(Duration::from_secs(60)) {
            break r;
        }
    });
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

/// The async driver polls under every lock from the start (no pass 0): it keeps the
/// rule too.
#[cfg(feature = "async")]
#[test]
fn select_builder_biased_async_never_takes_a_later_case_while_an_earlier_is_ready() {
    let f = fillers();
    let bad = violations(|hi, lo| futures::executor::block_on(builder(hi, &f, lo).wait_async()));
    drop(f);
    // The async wait registered the fillers' timers with gosync's timer thread: end it,
    // so that no thread outlives the test binary (Miri and ThreadSanitizer report one).
    let _ = gosync::__private::stop_timer_thread();
    assert_eq!(
        bad, 0,
        "lo(i) chosen while hi(i), sent before it, was ready"
    );
}

/// A biased select whose first case is ready takes it alone (without the other
/// cases' locks), and a biased select still sees a later case when the first is not
/// ready, with or without blocking.
#[test]
fn biased_first_case_alone_and_later_cases() {
    let (a_tx, a) = chan::bounded::<u32>(1);
    let (b_tx, b) = chan::bounded::<u32>(1);
    b_tx.send(2).unwrap();
    assert_eq!(
        select_biased! { recv(a) -> _ => 1, recv(b) -> _ => 2, default => 0 },
        2
    );
    b_tx.send(2).unwrap();
    a_tx.send(1).unwrap();
    assert_eq!(select_biased! { recv(a) -> _ => 1, recv(b) -> _ => 2 }, 1);
    assert_eq!(select_biased! { recv(a) -> _ => 1, recv(b) -> _ => 2 }, 2);
    assert_eq!(
        select_biased! { recv(a) -> _ => 1, recv(b) -> _ => 2, default => 0 },
        0
    );
    // After a timer wake-up, the first case again.
    let timer = chan::after(Duration::from_millis(5));
    let t = thread::spawn(move || {
        a_tx.send(1).unwrap();
        b_tx.send(2).unwrap();
    });
    t.join().unwrap();
    let got = select_biased! {
        recv(timer) -> _ => 3,
        recv(a) -> _ => 1,
        recv(b) -> _ => 2,
    };
    assert!(got == 1 || got == 3, "a ready before b: {got}");
}

/// With the first case not ready alone, a biased select takes the second under that
/// case's own lock only if the first is seen idle meanwhile: a send on a full
/// channel or a receive on an empty open one is idle; a closed channel (whose case
/// completes, with an error) is not; both cases may share a channel.
#[test]
fn biased_second_case_only_while_the_first_is_idle() {
    let (full_tx, _full_rx) = chan::bounded::<u32>(1);
    full_tx.send(0).unwrap();
    let (b_tx, b) = chan::bounded::<u32>(1);
    b_tx.send(2).unwrap();
    assert_eq!(
        select_biased! { send(full_tx, 9) -> _ => 1, recv(b) -> v => v.unwrap() },
        2
    );
    let (c_tx, c) = chan::bounded::<u32>(1);
    drop(c_tx);
    b_tx.send(2).unwrap();
    let got = select_biased! {
        recv(c) -> v => {
            assert!(v.is_err());
            1
        },
        recv(b) -> _ => 2,
    };
    assert_eq!(got, 1, "a closed first case is ready");
    assert_eq!(b.recv(), Ok(2));
    // One channel, full: the send is idle, the receive ready.
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.send(7).unwrap();
    let got = Select::biased()
        .send(&tx, 8, |_| 0)
        .recv(&rx, |v| v.unwrap())
        .wait();
    assert_eq!(got, 7);
    // Empty now: the send completes first.
    assert_eq!(
        Select::biased()
            .send(&tx, 8, |_| 0)
            .recv(&rx, |v| v.unwrap())
            .wait(),
        0
    );
    assert_eq!(rx.recv(), Ok(8));
}
