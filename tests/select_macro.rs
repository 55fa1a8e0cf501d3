//! `select!` / `select_biased!`: syntax, operand forms, evaluation order, control flow
//! in arms, and the semantics of each kind of case.
#![allow(clippy::disallowed_types)]

use gosync::chan::{self, Receiver, RecvError, SendError, Sender};
use gosync::{select, select_biased};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Waits until `n` selects or threads are parked receiving on `rx`'s channel.
fn wait_receivers<T>(tx: &Sender<T>, n: usize) {
    while tx.waiting_receivers() < n {
        thread::yield_now();
    }
}

fn wait_senders<T>(rx: &Receiver<T>, n: usize) {
    while rx.waiting_senders() < n {
        thread::yield_now();
    }
}

#[test]
fn ready_recv_is_chosen_and_default_is_not() {
    let (tx, rx) = chan::bounded(1);
    let (_tx2, rx2) = chan::bounded::<i32>(1);
    tx.send(5).unwrap();
    let got = select! {
        recv(rx) -> m => m,
        recv(rx2) -> _ => panic!("not ready"),
        default => panic!("a case was ready"),
    };
    assert_eq!(got, Ok(5));
}

#[test]
fn default_runs_when_nothing_is_ready() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let ran = select! {
        recv(rx) -> _ => panic!("nothing to receive"),
        send(tx, 1) -> _ => panic!("nobody receives"),
        default => true,
    };
    assert!(ran);
    assert_eq!(rx.waiting_senders(), 0);
    assert_eq!(rx.waiting_receivers(), 0);
}

#[test]
fn default_timeout_waits_then_gives_up() {
    let (_tx, rx) = chan::bounded::<i32>(0);
    let start = Instant::now();
    let timed_out = select! {
        recv(rx) -> _ => false,
        default(Duration::from_millis(20)) => true,
    };
    assert!(timed_out);
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(rx.waiting_receivers(), 0, "the waiter was unlinked");
}

#[test]
fn default_timeout_zero_and_huge() {
    let (tx, rx) = chan::bounded::<i32>(1);
    let r = select! {
        recv(rx) -> _ => 1,
        default(Duration::ZERO) => 2,
    };
    assert_eq!(r, 2);
    tx.send(3).unwrap();
    // A timeout too far to represent blocks as if without one: here a case is ready.
    let r = select! {
        recv(rx) -> m => m.unwrap(),
        default(Duration::MAX) => 0,
    };
    assert_eq!(r, 3);
}

#[test]
fn default_timeout_is_cut_short_by_a_peer() {
    let (tx, rx) = chan::bounded(0);
    let t = thread::spawn(move || {
        wait_receivers(&tx, 1);
        tx.send(9).unwrap();
    });
    let r = select! {
        recv(rx) -> m => m.unwrap(),
        default(Duration::from_secs(60)) => panic!("the sender came"),
    };
    assert_eq!(r, 9);
    t.join().unwrap();
}

#[test]
fn operand_forms() {
    let (tx, rx) = chan::unbounded::<u8>();
    let rref = &rx;
    let some_ref: Option<&Receiver<u8>> = Some(&rx);
    let some_owned: Option<Receiver<u8>> = Some(rx.clone());
    let none_owned: Option<Receiver<u8>> = None;
    let none_ref: Option<&Receiver<u8>> = None;
    for _ in 0..5 {
        tx.send(1).unwrap();
    }
    let a = select! { recv(rx) -> m => m.unwrap() };
    let b = select! { recv(rref) -> m => m.unwrap() };
    let c = select! { recv(&rx) -> m => m.unwrap() };
    let d = select! { recv(some_ref) -> m => m.unwrap() };
    let e = select! { recv(some_owned) -> m => m.unwrap() };
    assert_eq!(a + b + c + d + e, 5);
    let f = select! {
        recv(none_owned) -> _ => 0,
        recv(none_ref) -> _ => 0,
        default => 1,
    };
    assert_eq!(f, 1);

    // Senders, likewise.
    let sref = &tx;
    let some_s: Option<&Sender<u8>> = Some(&tx);
    let some_so: Option<Sender<u8>> = Some(tx.clone());
    let none_s: Option<Sender<u8>> = None;
    select! { send(tx, 1) -> r => r.unwrap() }
    select! { send(sref, 1) -> r => r.unwrap() }
    select! { send(&tx, 1) -> r => r.unwrap() }
    select! { send(some_s, 1) -> r => r.unwrap() }
    select! { send(some_so, 1) -> r => r.unwrap() }
    let g = select! {
        send(none_s, 1) -> _ => 0,
        default => 1,
    };
    assert_eq!(g, 1);
    assert_eq!(rx.len(), 5);
}

#[test]
fn operands_and_values_are_evaluated_once_in_source_order() {
    let log = RefCell::new(Vec::new());
    let (tx, rx) = chan::bounded::<u32>(1);
    let (tx2, rx2) = chan::bounded::<u32>(0);
    let note = |what: &'static str| log.borrow_mut().push(what);
    let out = select! {
        recv({ note("recv rx"); &rx }) -> _ => "recv rx",
        send({ note("send tx operand"); &tx }, { note("send tx value"); 1 }) -> _ => "send tx",
        recv({ note("recv rx2"); &rx2 }) -> _ => "recv rx2",
        default({ note("timeout"); Duration::from_millis(1) }) => "default",
        send({ note("send tx2 operand"); &tx2 }, { note("send tx2 value"); 2 }) -> _ => "send tx2",
    };
    assert_eq!(out, "send tx", "the only ready case");
    assert_eq!(
        *log.borrow(),
        [
            "recv rx",
            "send tx operand",
            "send tx value",
            "recv rx2",
            "timeout",
            "send tx2 operand",
            "send tx2 value"
        ]
    );
}

#[test]
fn temporaries_in_operands_live_until_the_select_ends() {
    fn fresh_with(v: u32) -> Receiver<u32> {
        let (tx, rx) = chan::bounded(1);
        tx.send(v).unwrap();
        rx // the sender is dropped: closed, with one value buffered
    }
    let got = select! {
        recv(fresh_with(4)) -> m => m.unwrap(),
    };
    assert_eq!(got, 4);
    let got = select! {
        recv(chan::after(Duration::from_millis(1))) -> m => m.is_ok(),
    };
    assert!(got);
}

#[test]
fn block_and_expression_arms_with_and_without_commas() {
    let (tx, rx) = chan::bounded(4);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..4 {
        select_biased! {
            recv(rx) -> m => { seen.push(m.unwrap()); }
            default => unreachable!()
        }
    }
    assert_eq!(seen, [0, 1, 2, 3]);
    let v = select! { default => 1, };
    assert_eq!(v, 1);
    let v = select! { default => { 2 } };
    assert_eq!(v, 2);
    tx.send(8).unwrap();
    let v = select! {
        recv(rx) -> m => m.unwrap() * 2,
    };
    assert_eq!(v, 16);
}

#[test]
fn arms_can_break_continue_and_return() {
    fn sum_until_closed(rx: &Receiver<u32>) -> u32 {
        let mut sum = 0;
        loop {
            select! {
                recv(rx) -> m => match m {
                    Ok(0) => continue,
                    Ok(v) => sum += v,
                    Err(_) => return sum,
                },
            }
        }
    }
    let (tx, rx) = chan::unbounded();
    for v in [1, 0, 2, 0, 3] {
        tx.send(v).unwrap();
    }
    drop(tx);
    assert_eq!(sum_until_closed(&rx), 6);

    let (tx, rx) = chan::unbounded();
    tx.send(1).unwrap();
    let (mut n, mut rounds) = (0, 0);
    'outer: while rounds < 3 {
        rounds += 1;
        loop {
            select! {
                recv(rx) -> _ => n += 1,
                default => continue 'outer,
            }
        }
    }
    assert_eq!((n, rounds), (1, 3));

    // `break` with a value out of a `loop`.
    tx.send(5).unwrap();
    let got = loop {
        select! {
            recv(rx) -> m => break m.unwrap(),
            default => {}
        }
    };
    assert_eq!(got, 5);
}

#[test]
fn arms_can_use_the_question_mark() {
    fn first(rx: &Receiver<u32>) -> Result<u32, RecvError> {
        let v = select! {
            recv(rx) -> m => m?,
        };
        Ok(v + 1)
    }
    let (tx, rx) = chan::unbounded();
    tx.send(1).unwrap();
    assert_eq!(first(&rx), Ok(2));
    drop(tx);
    assert_eq!(first(&rx), Err(RecvError));
}

#[test]
fn arm_may_switch_its_own_operand_off() {
    let (tx, rx) = chan::unbounded::<u32>();
    tx.send(1).unwrap();
    drop(tx);
    let mut input = Some(rx);
    let mut got = Vec::new();
    while input.is_some() {
        select! {
            recv(input) -> m => match m {
                Ok(v) => got.push(v),
                Err(_) => input = None,
            },
        }
    }
    assert_eq!(got, [1]);
}

#[test]
fn recv_on_closed_is_ready_with_an_error() {
    let (tx, rx) = chan::bounded::<u32>(0);
    drop(tx);
    let r = select! {
        recv(rx) -> m => m,
        default => panic!("a closed channel is ready"),
    };
    assert_eq!(r, Err(RecvError));
}

#[test]
fn send_on_closed_is_ready_and_hands_the_value_back() {
    let (tx, rx) = chan::bounded::<String>(0);
    drop(rx);
    let r = select! {
        send(tx, "kept".to_string()) -> r => r,
        default => panic!("a closed channel is ready"),
    };
    assert_eq!(r, Err(SendError("kept".to_string())));
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn unchosen_send_values_are_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx_a, rx_a) = chan::bounded::<Counted>(1);
    let (tx_b, _rx_b) = chan::bounded::<Counted>(0);
    let nil: Option<&Sender<Counted>> = None;
    select! {
        send(tx_a, Counted(drops.clone())) -> r => assert!(r.is_ok()),
        send(tx_b, Counted(drops.clone())) -> _ => panic!("no receiver"),
        send(nil, Counted(drops.clone())) -> _ => panic!("nil"),
    }
    assert_eq!(drops.load(Ordering::SeqCst), 2, "the two values not sent");
    drop(rx_a.recv().unwrap());
    assert_eq!(drops.load(Ordering::SeqCst), 3);

    // A select that times out drops all of its values, once.
    select! {
        send(tx_b, Counted(drops.clone())) -> _ => panic!("no receiver"),
        default(Duration::from_millis(2)) => {}
    }
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    assert_eq!(tx_b.waiting_senders(), 0);
}

#[test]
fn biased_prefers_source_order() {
    let (tx1, rx1) = chan::bounded(100);
    let (tx2, rx2) = chan::bounded(100);
    for i in 0..100 {
        tx1.send(i).unwrap();
        tx2.send(i).unwrap();
    }
    for _ in 0..100 {
        select_biased! {
            recv(rx1) -> _ => {}
            recv(rx2) -> _ => panic!("rx1 was ready and first"),
        }
    }
    assert_eq!(rx2.len(), 100);
}

#[test]
fn blocked_select_is_completed_by_a_sender() {
    let (tx1, rx1) = chan::bounded::<u32>(0);
    let (tx2, rx2) = chan::bounded::<u32>(0);
    let t = thread::spawn(move || {
        wait_receivers(&tx2, 1);
        tx2.send(22).unwrap();
        tx1
    });
    let got = select! {
        recv(rx1) -> _ => panic!("nobody sends on rx1"),
        recv(rx2) -> m => m.unwrap(),
    };
    assert_eq!(got, 22);
    let tx1 = t.join().unwrap();
    assert_eq!(tx1.waiting_receivers(), 0, "the losing waiter was unlinked");
}

#[test]
fn blocked_select_is_completed_by_a_receiver() {
    let (tx1, rx1) = chan::bounded::<u32>(0);
    let (tx2, rx2) = chan::bounded::<u32>(0);
    let t = thread::spawn(move || {
        wait_senders(&rx1, 1);
        let v = rx1.recv().unwrap();
        (v, rx2)
    });
    let which = select! {
        send(tx1, 11) -> r => { r.unwrap(); 1 }
        send(tx2, 12) -> _ => 2,
    };
    assert_eq!(which, 1);
    let (v, rx2) = t.join().unwrap();
    assert_eq!(v, 11);
    assert_eq!(rx2.waiting_senders(), 0);
    assert!(rx2.try_recv().is_err(), "the unchosen value was not sent");
}

#[test]
fn blocked_select_is_completed_by_close() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let (stx, srx) = chan::bounded::<u32>(0);
    let t = thread::spawn(move || {
        wait_receivers(&tx, 1);
        wait_senders(&srx, 1);
        drop(srx); // the last receiver: the send case fails with its value
        tx
    });
    let r = select! {
        recv(rx) -> _ => panic!("rx stays open"),
        send(stx, 5) -> r => r,
    };
    assert_eq!(r, Err(SendError(5)));
    let tx = t.join().unwrap();
    assert_eq!(tx.waiting_receivers(), 0);
}

#[test]
fn same_channel_in_several_cases_and_both_directions() {
    // Two receive cases on one channel: the lock is taken once.
    let (tx, rx) = chan::bounded(1);
    tx.send(1).unwrap();
    let v = select! {
        recv(rx) -> m => m.unwrap(),
        recv(rx) -> m => m.unwrap() + 100,
    };
    assert!(v == 1 || v == 101);

    // Send and receive on one buffered channel: whichever can proceed does.
    let (tx, rx) = chan::bounded(1);
    let r = select! {
        send(tx, 7) -> r => { r.unwrap(); "sent" }
        recv(rx) -> _ => "received",
    };
    assert_eq!(r, "sent");
    let r = select! {
        send(tx, 8) -> _ => "sent",
        recv(rx) -> m => { assert_eq!(m, Ok(7)); "received" }
    };
    assert_eq!(r, "received");

    // On a rendezvous channel a select never pairs with itself: it times out.
    let (tx, rx) = chan::bounded::<u32>(0);
    let r = select! {
        send(tx, 1) -> _ => "sent",
        recv(rx) -> _ => "received",
        default(Duration::from_millis(5)) => "timeout",
    };
    assert_eq!(r, "timeout");
    assert_eq!(rx.waiting_senders() + rx.waiting_receivers(), 0);
}

#[test]
fn many_cases_beyond_the_inline_plan() {
    let chans: Vec<(Sender<usize>, Receiver<usize>)> = (0..40).map(|_| chan::bounded(1)).collect();
    chans[37].0.send(37).unwrap();
    let mut sel = gosync::Select::new();
    for (_, rx) in &chans {
        sel = sel.recv(rx, |m| m.unwrap());
    }
    assert_eq!(sel.wait(), 37);

    // And through the macro, with a twenty-case select.
    let c = &chans;
    chans[19].0.send(19).unwrap();
    let got = select! {
        recv(c[0].1) -> m => m.unwrap(), recv(c[1].1) -> m => m.unwrap(),
        recv(c[2].1) -> m => m.unwrap(), recv(c[3].1) -> m => m.unwrap(),
        recv(c[4].1) -> m => m.unwrap(), recv(c[5].1) -> m => m.unwrap(),
        recv(c[6].1) -> m => m.unwrap(), recv(c[7].1) -> m => m.unwrap(),
        recv(c[8].1) -> m => m.unwrap(), recv(c[9].1) -> m => m.unwrap(),
        recv(c[10].1) -> m => m.unwrap(), recv(c[11].1) -> m => m.unwrap(),
        recv(c[12].1) -> m => m.unwrap(), recv(c[13].1) -> m => m.unwrap(),
        recv(c[14].1) -> m => m.unwrap(), recv(c[15].1) -> m => m.unwrap(),
        recv(c[16].1) -> m => m.unwrap(), recv(c[17].1) -> m => m.unwrap(),
        recv(c[18].1) -> m => m.unwrap(), recv(c[19].1) -> m => m.unwrap(),
    };
    assert_eq!(got, 19);
}

#[test]
fn only_nil_cases_with_a_timeout_time_out() {
    let none: Option<Receiver<u8>> = None;
    let nil_tx: Option<Sender<u8>> = None;
    let r = select! {
        recv(none) -> _ => 1,
        send(nil_tx, 0) -> _ => 2,
        recv(chan::never::<u8>()) -> _ => 3,
        default(Duration::from_millis(2)) => 0,
    };
    assert_eq!(r, 0);
    let r = select! { default(Duration::from_millis(1)) => 5 };
    assert_eq!(r, 5);
}

#[test]
fn zero_sized_values() {
    let (tx, rx) = chan::bounded::<()>(0);
    let t = thread::spawn(move || {
        select! { send(tx, ()) -> r => r.unwrap() }
    });
    select! { recv(rx) -> m => m.unwrap() }
    t.join().unwrap();
}

#[test]
fn single_case_with_default_takes_the_non_blocking_path() {
    // Go compiles these to selectnbrecv / selectnbsend; so does the engine.
    let (tx, rx) = chan::bounded::<u32>(1);
    assert_eq!(select! { recv(rx) -> m => m.ok(), default => None }, None);
    assert!(select! { send(tx, 1) -> r => r.is_ok(), default => false });
    assert!(!select! { send(tx, 2) -> r => r.is_ok(), default => false });
    assert_eq!(
        select! { recv(rx) -> m => m.ok(), default => None },
        Some(1)
    );
    // With a nil case beside it, the one active case still decides.
    let nil: Option<&Receiver<u32>> = None;
    tx.send(3).unwrap();
    let got = select! {
        recv(nil) -> _ => unreachable!(),
        recv(rx) -> m => m.ok(),
        default => None,
    };
    assert_eq!(got, Some(3));
    // The dynamic select takes the same path.
    assert_eq!(gosync::Select::new().recv(&rx, |m| m.ok()).try_wait(), None);
    drop(tx);
    assert_eq!(
        gosync::Select::new().recv(&rx, |m| m.is_err()).try_wait(),
        Some(true)
    );
    // A full send's value is dropped exactly once when the default runs.
    let drops = Arc::new(AtomicUsize::new(0));
    let (ctx, _crx) = chan::bounded::<Counted>(0);
    let sent = select! {
        send(ctx, Counted(drops.clone())) -> _ => true,
        default => false,
    };
    assert!(!sent);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // A timer alone.
    let t = chan::after(Duration::ZERO);
    assert!(select! { recv(t) -> m => m.is_ok(), default => false });
}

// ----- crossbeam compat: code written for crossbeam-channel's `select!` --------------

#[test]
fn compat_temporary_nested_in_an_operand_lives_until_the_select_ends() {
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.send(3).unwrap();
    let some: Option<&Receiver<u32>> = std::hint::black_box(Some(&rx));
    let none: Option<&Receiver<u32>> = std::hint::black_box(None);
    // `&chan::never()` is a temporary inside a call inside the operand.
    let got = select! {
        recv(some.unwrap_or(&chan::never())) -> m => m.unwrap(),
        default(Duration::from_secs(60)) => 0,
    };
    assert_eq!(got, 3);
    let got = select! {
        recv(none.unwrap_or(&chan::never())) -> _ => 1,
        default => 2,
    };
    assert_eq!(got, 2);
    // And in a send operand, and in a send value.
    let stx: Option<&Sender<u32>> = std::hint::black_box(None);
    select! {
        send(stx.unwrap_or(&tx), *Vec::from([7]).first().unwrap()) -> r => r.unwrap(),
    }
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn compat_default_with_empty_parentheses() {
    let (_tx, rx) = chan::bounded::<u32>(1);
    let got = select! {
        recv(rx) -> _ => 1,
        default() => 2,
    };
    assert_eq!(got, 2);
    let got = select_biased! {
        recv(rx) -> _ => 1,
        default() => { 3 }
    };
    assert_eq!(got, 3);
    let got = select! { default() => 4 };
    assert_eq!(got, 4);
}

#[test]
fn compat_trailing_commas_inside_the_parentheses() {
    let (tx, rx) = chan::bounded::<u32>(1);
    select! { send(tx, 5,) -> r => r.unwrap() }
    let got = select! { recv(rx,) -> m => m.unwrap() };
    assert_eq!(got, 5);
    let got = select! {
        recv(rx,) -> _ => 0,
        default(Duration::from_millis(1),) => 6,
    };
    assert_eq!(got, 6);
}

#[test]
fn compat_operands_of_any_reference_depth() {
    let (tx, rx) = chan::bounded::<u32>(4);
    let (r1, r2, r3) = (&rx, &&rx, &&&rx);
    let (s1, s2) = (&tx, &&tx);
    select! { send(&&tx, 1) -> r => r.unwrap() }
    select! { send(&&&tx, 2) -> r => r.unwrap() }
    select! { send(s2, 3) -> r => r.unwrap() }
    select! { send(&s1, 4) -> r => r.unwrap() }
    assert_eq!(select! { recv(&&rx) -> m => m.unwrap() }, 1);
    assert_eq!(select! { recv(&&&rx) -> m => m.unwrap() }, 2);
    assert_eq!(select! { recv(r3) -> m => m.unwrap() }, 3);
    assert_eq!(select! { recv(&r2) -> m => m.unwrap() }, 4);
    assert_eq!(select! { recv(r1) -> _ => 0, default => 9 }, 9);
    // A `&mut` too.
    let mut rx = rx;
    tx.send(5).unwrap();
    assert_eq!(select! { recv(&mut rx) -> m => m.unwrap() }, 5);
}

/// A user's own handle wrapper, as crossbeam code has them.
struct Inbox {
    rx: Receiver<u32>,
}

impl std::ops::Deref for Inbox {
    type Target = Receiver<u32>;
    fn deref(&self) -> &Receiver<u32> {
        &self.rx
    }
}

#[test]
fn compat_operands_that_deref_to_a_handle() {
    let (tx, rx) = chan::bounded::<u32>(8);
    let arx = Arc::new(rx.clone());
    let btx: Box<Sender<u32>> = Box::new(tx.clone());
    let rctx = std::rc::Rc::new(tx.clone());
    let inbox = Inbox { rx: rx.clone() };
    select! { send(btx, 1) -> r => r.unwrap() }
    select! { send(rctx, 2) -> r => r.unwrap() }
    select! { send(&btx, 3) -> r => r.unwrap() }
    select! { send(Arc::new(tx.clone()), 4) -> r => r.unwrap() }
    select! { send(Some(Box::new(tx.clone())), 5) -> r => r.unwrap() }
    assert_eq!(select! { recv(arx) -> m => m.unwrap() }, 1);
    assert_eq!(select! { recv(&arx) -> m => m.unwrap() }, 2);
    assert_eq!(select! { recv(inbox) -> m => m.unwrap() }, 3);
    assert_eq!(select! { recv(&inbox) -> m => m.unwrap() }, 4);
    assert_eq!(
        select! { recv(Arc::new(Inbox { rx: rx.clone() })) -> m => m.unwrap() },
        5
    );
    // `Option`s of them: `None` is still a nil case.
    let some_arc: Option<Arc<Receiver<u32>>> = Some(arx.clone());
    let none_box: Option<Box<Receiver<u32>>> = None;
    tx.send(6).unwrap();
    let got = select! {
        recv(none_box) -> _ => 0,
        recv(some_arc) -> m => m.unwrap(),
    };
    assert_eq!(got, 6);
    // The same channel through every form: one channel, one lock.
    tx.send(7).unwrap();
    let got = select! {
        recv(arx) -> m => m.unwrap(),
        recv(inbox) -> m => m.unwrap(),
        recv(&&rx) -> m => m.unwrap(),
    };
    assert_eq!(got, 7);
}

#[test]
fn compat_option_operands_and_none_as_before() {
    let (tx, rx) = chan::bounded::<u32>(1);
    let none_ref: Option<&Receiver<u32>> = None;
    let none_owned: Option<Receiver<u32>> = None;
    let none_tx: Option<&Sender<u32>> = None;
    let got = select! {
        recv(none_ref) -> _ => 0,
        recv(none_owned) -> _ => 0,
        send(none_tx, 1) -> _ => 0,
        recv(&none_ref) -> _ => 0,
        default => 1,
    };
    assert_eq!(got, 1);
    let some_ref: Option<&Receiver<u32>> = Some(&rx);
    tx.send(2).unwrap();
    assert_eq!(select! { recv(&some_ref) -> m => m.unwrap() }, 2);
    // A nil operand written in place.
    let got = select! {
        recv(None::<&Receiver<u32>>) -> _ => 0,
        default => 3,
    };
    assert_eq!(got, 3);
}

#[test]
fn default_takes_a_duration_or_an_instant() {
    let (_tx, rx) = chan::bounded::<u32>(1);
    let deadline = Instant::now() + Duration::from_millis(5);
    let got = select! {
        recv(rx) -> _ => 0,
        default(deadline) => 1,
    };
    assert_eq!(got, 1);
    assert!(Instant::now() >= deadline, "waited until the deadline");
    // A deadline already past: the cases are still polled once.
    let (tx, rx) = chan::bounded::<u32>(1);
    tx.send(2).unwrap();
    let got = select! {
        recv(rx) -> m => m.unwrap(),
        default(Instant::now() - Duration::from_millis(1)) => 0,
    };
    assert_eq!(got, 2);
    let got = select_biased! {
        recv(rx) -> _ => 0,
        default(Instant::now()) => 3,
    };
    assert_eq!(got, 3);
    // A peer cuts an `Instant` deadline short.
    let t = thread::spawn(move || tx.send(4).unwrap());
    let got = select! {
        recv(rx) -> m => m.unwrap(),
        default(Instant::now() + Duration::from_secs(60)) => 0,
    };
    assert_eq!(got, 4);
    t.join().unwrap();
}
