//! Timer receivers (`after`, `at`, `tick`, and `never`): as plain receivers and as
//! select cases. Waits are for timers to come due, never to synchronize threads; only
//! lower bounds on time are asserted.

use gosync::chan::{self, RecvTimeoutError, TryRecvError};
use gosync::{select, Select};
use std::thread;
use std::time::{Duration, Instant};

const MS: Duration = Duration::from_millis(1);

#[test]
fn after_delivers_once_at_its_due_time() {
    let start = Instant::now();
    let t = chan::after(5 * MS);
    assert_eq!(t.capacity(), Some(1));
    assert!(!t.is_closed());
    let due = t.recv().unwrap();
    assert!(due >= start + 5 * MS);
    assert!(Instant::now() >= due);
    // One value only: never ready again.
    assert_eq!(t.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(t.recv_timeout(MS), Err(RecvTimeoutError::Timeout));
    assert_eq!(t.len(), 0);
    assert!(t.is_empty());
}

#[test]
fn after_is_not_ready_before_its_time() {
    let t = chan::after(Duration::from_secs(3600));
    assert_eq!(t.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(t.len(), 0);
    assert!(!t.is_full());
    assert_eq!(t.recv_timeout(2 * MS), Err(RecvTimeoutError::Timeout));
    assert_eq!(t.waiting_receivers(), 0);
    assert_eq!(t.waiting_senders(), 0);
}

#[test]
fn a_due_timer_reports_one_ready_value() {
    let t = chan::at(Instant::now());
    assert_eq!(t.len(), 1);
    assert!(t.is_full());
    assert!(t.try_recv().is_ok());
    assert_eq!(t.len(), 0);
}

#[test]
fn at_delivers_its_instant() {
    let when = Instant::now() + 2 * MS;
    let t = chan::at(when);
    assert_eq!(t.recv(), Ok(when));
    let past = Instant::now() - MS;
    assert_eq!(chan::at(past).try_recv(), Ok(past));
}

#[test]
fn clones_share_the_one_value() {
    let t = chan::after(Duration::ZERO);
    let t2 = t.clone();
    assert!(t.same_channel(&t2));
    assert!(!t.same_channel(&chan::after(Duration::ZERO)));
    let a = thread::spawn(move || t2.try_recv().is_ok());
    let b = t.try_recv().is_ok();
    let a = a.join().unwrap();
    assert!(a ^ b, "exactly one clone gets the value: {a} {b}");
}

#[test]
fn unrepresentable_delay_never_fires() {
    let t = chan::after(Duration::MAX);
    assert_eq!(t.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(t.recv_timeout(MS), Err(RecvTimeoutError::Timeout));
    let r = select! {
        recv(t) -> _ => "fired",
        default(2 * MS) => "timeout",
    };
    assert_eq!(r, "timeout");
}

#[test]
fn tick_keeps_its_schedule_and_drops_missed_ticks() {
    let p = Duration::from_millis(40);
    let ticker = chan::tick(p);
    // Let four periods pass (a timer is the clock here, not a synchronization).
    chan::after(4 * p + 5 * MS).recv().unwrap();
    assert_eq!(ticker.len(), 1, "missed ticks do not pile up");
    let first = ticker.try_recv().unwrap();
    let second = ticker.recv().unwrap();
    let gap = second - first;
    // The ticks due at +2p, +3p and +4p were missed: the next is at +5p or later,
    // on the same grid.
    assert!(gap >= 4 * p, "gap {gap:?}");
    assert_eq!(
        gap.as_nanos() % p.as_nanos(),
        0,
        "gap {gap:?} is off the grid"
    );
}

#[test]
fn tick_values_are_spaced_by_the_period() {
    let p = 2 * MS;
    let ticks: Vec<Instant> = chan::tick(p).iter().take(4).collect();
    for w in ticks.windows(2) {
        assert!(w[1] - w[0] >= p);
    }
}

#[test]
fn zero_period_tick_is_always_ready() {
    let t = chan::tick(Duration::ZERO);
    for _ in 0..5 {
        assert!(t.try_recv().is_ok());
    }
}

#[test]
fn select_parks_until_the_earliest_timer() {
    let (_tx, rx) = chan::bounded::<u32>(0);
    let start = Instant::now();
    let late = chan::after(Duration::from_secs(3600));
    let r = select! {
        recv(rx) -> _ => "rx",
        recv(late) -> _ => "late",
        recv(chan::after(10 * MS)) -> _ => "early",
    };
    assert_eq!(r, "early");
    assert!(start.elapsed() >= 10 * MS);
    assert_eq!(rx.waiting_receivers(), 0);
}

#[test]
fn a_timer_that_fired_elsewhere_is_not_chosen() {
    // Two clones of one timer in two cases: only one may be chosen, and the other
    // clone is never ready again, so the select then times out.
    let t = chan::after(MS);
    let t2 = t.clone();
    let first = select! {
        recv(t) -> _ => true,
        recv(t2) -> _ => true,
    };
    assert!(first);
    let again = select! {
        recv(t) -> _ => true,
        recv(t2) -> _ => true,
        default(2 * MS) => false,
    };
    assert!(!again);
}

#[test]
fn a_peer_beats_the_timer() {
    let (tx, rx) = chan::bounded(0);
    let t = thread::spawn(move || {
        while tx.waiting_receivers() == 0 {
            thread::yield_now();
        }
        tx.send(1).unwrap();
    });
    let r = select! {
        recv(rx) -> m => m.unwrap(),
        recv(chan::after(Duration::from_secs(3600))) -> _ => 0,
    };
    assert_eq!(r, 1);
    t.join().unwrap();
}

#[test]
fn an_overall_deadline_shared_by_a_loop() {
    let deadline = chan::after(15 * MS);
    let ticker = chan::tick(MS);
    let mut ticks = 0;
    loop {
        select! {
            recv(ticker) -> _ => ticks += 1,
            recv(deadline) -> _ => break,
        }
    }
    assert!(ticks >= 1);
}

#[test]
fn timers_in_the_dynamic_select() {
    let (_tx, rx) = chan::bounded::<u32>(0);
    let timer = chan::after(3 * MS);
    let r = Select::new()
        .recv(&rx, |_| "rx")
        .recv(&timer, |t| {
            assert!(t.is_ok());
            "timer"
        })
        .wait();
    assert_eq!(r, "timer");
    let r = Select::new().recv(&timer, |_| "again").wait_timeout(2 * MS);
    assert_eq!(r, None);
}

#[test]
fn never_is_never_ready() {
    let n = chan::never::<u32>();
    assert_eq!(n.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(n.recv_timeout(MS), Err(RecvTimeoutError::Timeout));
    let r = select! {
        recv(n) -> _ => 1,
        default(MS) => 0,
    };
    assert_eq!(r, 0);
}

#[test]
fn timer_receivers_debug() {
    let s = format!("{:?} {:?}", chan::after(MS), chan::tick(MS));
    assert!(s.contains("Receiver"), "{s}");
}

#[test]
fn dynamic_select_never_cases_are_skipped() {
    // A dynamic select notes at build time whether it holds cases that can never
    // proceed; these selects hold some, so each case is asked.
    let n1 = chan::never::<u32>();
    let n2 = chan::never::<u32>();
    let (tx, rx) = chan::bounded(1);
    // Only `never` cases: nothing is ready, now or later.
    assert_eq!(
        Select::new().recv(&n1, |_| 1).recv(&n2, |_| 2).try_wait(),
        None
    );
    assert_eq!(Select::new().recv(&n1, |_| 1).wait_timeout(MS), None);
    // Nothing sent yet: the live case is not ready either.
    let r = Select::new()
        .recv(&n1, |_| 0)
        .recv(&rx, |m| m.unwrap())
        .recv(&n2, |_| 0)
        .try_wait();
    assert_eq!(r, None);
    // The live case among them is the one chosen, without blocking and blocking.
    for round in 1..20 {
        tx.send(round).unwrap();
        let sel = Select::new()
            .recv(&n1, |_| 0)
            .recv(&rx, |m| m.unwrap())
            .recv(&n2, |_| 0);
        let r = if round % 2 == 0 {
            sel.try_wait()
        } else {
            Some(sel.wait())
        };
        assert_eq!(r, Some(round));
    }
    // A case added after a `never` one, whose channel then closes, is still seen.
    drop(tx);
    let closed = Select::new()
        .recv(&n1, |_| false)
        .recv(&rx, |m| m.is_err())
        .wait();
    assert!(closed);
}
