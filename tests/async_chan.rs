//! Async channels under real executors (tokio's multi-thread runtime and
//! `futures::executor`): threads and tasks mixed on one channel, exactly-once
//! delivery counted by drops, and cancellation storms inside `tokio::select!` /
//! `futures::select!` loops.
#![cfg(all(feature = "async", not(gosync_loom)))]
#![allow(clippy::disallowed_types)]

use futures::executor::block_on;
use futures::task::noop_waker_ref;
use futures::{FutureExt, SinkExt, StreamExt};
use gosync::chan::{self, RecvError, RecvFuture, RecvStream, SendError, SendFuture, SendSink};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

static_assertions::assert_impl_all!(RecvFuture<'static, String>: Send, Sync);
static_assertions::assert_impl_all!(SendFuture<'static, String>: Send, Sync);
static_assertions::assert_impl_all!(RecvStream<'static, String>: Send, Sync, Unpin);
static_assertions::assert_impl_all!(SendSink<'static, String>: Send, Sync, Unpin);
static_assertions::assert_not_impl_any!(RecvFuture<'static, std::rc::Rc<u8>>: Send);
static_assertions::assert_not_impl_any!(SendFuture<'static, std::rc::Rc<u8>>: Send);

/// Scales a count down under Miri.
fn n(full: usize) -> usize {
    if cfg!(miri) {
        // Miri runs these about 10^4 times slower, and tokio's runtime with them:
        // a handful of values per test still drives every path.
        (full / 500).max(4)
    } else {
        full
    }
}
/// Ends gosync's async timer thread once this test's timers are gone. Miri runs the
/// tests one at a time and reports any thread still running when the binary exits;
/// elsewhere another test may still hold a timer (then the thread ends when that
/// test stops it, or by itself after its idle grace).
fn stop_timer_thread() {
    let stopped = gosync::__private::stop_timer_thread();
    assert!(
        stopped || !cfg!(miri),
        "a test left an async timer registered"
    );
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .unwrap()
}

/// A value that counts its drops, and a ledger of who received which id.
struct Counted {
    id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records every received id; checks each was received at most once.
#[derive(Clone)]
struct Ledger(Arc<Mutex<Vec<u8>>>);

impl Ledger {
    fn new(total: usize) -> Self {
        Ledger(Arc::new(Mutex::new(vec![0; total])))
    }
    fn record(&self, v: Counted) {
        let mut seen = self.0.lock().unwrap();
        seen[v.id] += 1;
        assert_eq!(seen[v.id], 1, "value {} received twice", v.id);
    }
    fn received(&self) -> usize {
        self.0.lock().unwrap().iter().filter(|&&c| c == 1).count()
    }
}

/// Polls `fut` once with a no-op waker.
fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(noop_waker_ref()))
}

/// A future wrapper that counts drops that happen after a `Pending` and before
/// `Ready`: futures cancelled mid-wait.
struct Tracked<'c, F> {
    fut: Pin<Box<F>>,
    pending: bool,
    done: bool,
    cancelled: &'c AtomicUsize,
}

impl<'c, F: Future> Tracked<'c, F> {
    fn new(fut: F, cancelled: &'c AtomicUsize) -> Self {
        Tracked {
            fut: Box::pin(fut),
            pending: false,
            done: false,
            cancelled,
        }
    }
}

impl<F: Future> Future for Tracked<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let r = self.fut.as_mut().poll(cx);
        match r {
            Poll::Pending => self.pending = true,
            Poll::Ready(_) => self.done = true,
        }
        r
    }
}

impl<F> Drop for Tracked<'_, F> {
    fn drop(&mut self) {
        if self.pending && !self.done {
            self.cancelled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// ----- basics -----

#[test]
fn futures_are_lazy() {
    let (tx, rx) = chan::bounded::<i32>(1);
    let f = tx.send_async(1);
    assert!(rx.is_empty(), "an unpolled send future sent nothing");
    drop(f); // dropped unpolled: the value is dropped unsent
    assert!(rx.try_recv().is_err());
    let r = rx.recv_async();
    tx.send(2).unwrap();
    drop(r); // never polled: took nothing
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn unpolled_send_future_drops_its_value() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, _rx) = chan::bounded(1);
    drop(tx.send_async(Counted {
        id: 0,
        drops: drops.clone(),
    }));
    assert_eq!(drops.load(Ordering::Relaxed), 1);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_after_completion_panics() {
    let (tx, rx) = chan::bounded(1);
    tx.send(1).unwrap();
    let mut f = Box::pin(rx.recv_async());
    assert_eq!(poll_once(f.as_mut()), Poll::Ready(Ok(1)));
    let _ = poll_once(f.as_mut());
}

#[test]
fn fused_futures_report_termination() {
    use futures::future::FusedFuture;
    let (tx, rx) = chan::bounded(1);
    let mut s = Box::pin(tx.send_async(1));
    assert!(!s.is_terminated());
    assert_eq!(poll_once(s.as_mut()), Poll::Ready(Ok(())));
    assert!(s.is_terminated());
    let mut r = Box::pin(rx.recv_async());
    assert!(!r.is_terminated());
    assert_eq!(poll_once(r.as_mut()), Poll::Ready(Ok(1)));
    assert!(r.is_terminated());
}

#[test]
fn close_fails_parked_tasks_both_ways() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let mut r = Box::pin(rx.recv_async());
    assert!(poll_once(r.as_mut()).is_pending());
    assert_eq!(tx.waiting_receivers(), 1);
    tx.close();
    assert_eq!(poll_once(r.as_mut()), Poll::Ready(Err(RecvError)));

    let (tx, rx) = chan::bounded::<i32>(0);
    let mut s = Box::pin(tx.send_async(4));
    assert!(poll_once(s.as_mut()).is_pending());
    assert_eq!(rx.waiting_senders(), 1);
    drop(rx); // the last receiver: sends fail with their values
    assert_eq!(poll_once(s.as_mut()), Poll::Ready(Err(SendError(4))));
}

#[test]
fn never_receiver_future_stays_pending() {
    let rx = chan::never::<i32>();
    let mut f = Box::pin(rx.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    assert!(poll_once(f.as_mut()).is_pending());
    let mut s = rx.stream();
    assert!(s
        .poll_next_unpin(&mut Context::from_waker(noop_waker_ref()))
        .is_pending());
}

#[test]
fn timer_receivers_wake_async_waits_at_their_deadline() {
    let start = std::time::Instant::now();
    let d = Duration::from_millis(5);
    // `after` from a task on tokio and from futures' executor.
    let due = runtime(2).block_on(async { chan::after(d).recv_async().await.unwrap() });
    assert!(due >= start + d);
    let due = block_on(chan::after(d).recv_async()).unwrap();
    assert!(due >= start + d);
    // `tick` as a stream: three ticks in order.
    let ticks = chan::tick(Duration::from_millis(2));
    let got: Vec<_> = block_on(ticks.stream().take(3).collect());
    assert!(got.windows(2).all(|w| w[0] < w[1]));
    // A timer in a select loop, racing a channel that never delivers.
    let (_tx, rx) = chan::bounded::<u8>(0);
    let timeout = chan::after(Duration::from_millis(3));
    let fired = block_on(async {
        futures::select! {
            _ = rx.recv_async() => false,
            _ = timeout.recv_async() => true,
        }
    });
    assert!(fired);
    assert_eq!(rx.waiting_receivers(), 0);
    stop_timer_thread();
}

// ----- one arrival order for threads and tasks -----

#[test]
fn threads_and_tasks_share_one_arrival_order() {
    let (tx, rx) = chan::bounded::<i32>(0);
    // A task parks first...
    let mut task = Box::pin(rx.recv_async());
    assert!(poll_once(task.as_mut()).is_pending());
    assert_eq!(rx.waiting_receivers(), 1);
    // ...then a thread.
    let rx2 = rx.clone();
    let thread = std::thread::spawn(move || rx2.recv());
    while tx.waiting_receivers() < 2 {
        std::thread::yield_now();
    }
    tx.send(1).unwrap(); // to the task: it came first
    tx.send(2).unwrap(); // to the thread
    assert_eq!(poll_once(task.as_mut()), Poll::Ready(Ok(1)));
    assert_eq!(thread.join().unwrap(), Ok(2));
    assert_eq!(tx.waiting_receivers(), 0);
}

#[test]
fn parked_sending_tasks_count_and_are_served_in_order() {
    let (tx, rx) = chan::bounded::<i32>(1);
    tx.send(0).unwrap(); // full
    let mut a = Box::pin(tx.send_async(1));
    let mut b = Box::pin(tx.send_async(2));
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    assert_eq!(rx.waiting_senders(), 2);
    assert_eq!(rx.recv(), Ok(0)); // refills from `a`
    assert_eq!(poll_once(a.as_mut()), Poll::Ready(Ok(())));
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(poll_once(b.as_mut()), Poll::Ready(Ok(())));
}

// ----- cancellation, deterministic -----

#[test]
fn dropped_recv_future_gives_its_value_back_to_a_rendezvous_channel() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let mut f = Box::pin(rx.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    tx.send(7).unwrap(); // handed straight into the future's waiter
    assert_eq!(rx.waiting_receivers(), 0);
    drop(f); // ...which is dropped before it returns the value
             // The value is back in the channel, over the rendezvous capacity, for a moment.
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(rx.len(), 0);
}

#[test]
fn dropped_recv_future_gives_back_to_the_front_in_order() {
    let (tx, rx) = chan::bounded::<i32>(2);
    let mut f = Box::pin(rx.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    tx.send(1).unwrap(); // to the future
    tx.send(2).unwrap(); // buffered
    tx.send(3).unwrap(); // buffered: full
    assert!(tx.try_send(4).is_err());
    drop(f); // 1 goes to the front, over capacity
    assert_eq!(rx.len(), 3);
    assert!(
        tx.try_send(5).is_err(),
        "no send buffers while over capacity"
    );
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn dropped_recv_future_hands_its_value_to_the_next_waiting_receiver() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let mut first = Box::pin(rx.recv_async());
    let mut second = Box::pin(rx.recv_async());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    tx.send(9).unwrap(); // to `first`
    drop(first);
    assert_eq!(rx.len(), 0, "went to the waiting receiver, not the buffer");
    assert_eq!(poll_once(second.as_mut()), Poll::Ready(Ok(9)));
}

#[test]
fn rendezvous_parked_sender_is_not_pulled_in_over_a_given_back_value() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let mut f = Box::pin(rx.recv_async());
    assert!(poll_once(f.as_mut()).is_pending());
    tx.send(1).unwrap();
    drop(f); // 1 is given back (len 1 on a rendezvous channel)
    let tx2 = tx.clone();
    let t = std::thread::spawn(move || tx2.send(2));
    while rx.waiting_senders() == 0 {
        std::thread::yield_now();
    }
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.len(), 0, "the parked sender stays parked: rendezvous");
    assert_eq!(rx.waiting_senders(), 1);
    assert_eq!(rx.recv(), Ok(2));
    t.join().unwrap().unwrap();
}

#[test]
fn dropped_send_future_is_unlinked_and_drops_its_value_unsent() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded(0);
    let mut f = Box::pin(tx.send_async(Counted {
        id: 0,
        drops: drops.clone(),
    }));
    assert!(poll_once(f.as_mut()).is_pending());
    assert_eq!(rx.waiting_senders(), 1);
    drop(f);
    assert_eq!(rx.waiting_senders(), 0);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    assert!(rx.try_recv().is_err());
}

#[test]
fn dropped_send_future_that_was_taken_stays_sent() {
    let (tx, rx) = chan::bounded(0);
    let mut f = Box::pin(tx.send_async(5));
    assert!(poll_once(f.as_mut()).is_pending());
    assert_eq!(rx.recv(), Ok(5)); // taken from the parked future
    drop(f); // completed but never polled again: sent, once
    assert!(rx.try_recv().is_err());
}

#[test]
fn dropped_recv_stream_gives_back_before_its_receiver_goes() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let keep = rx.clone();
    let mut s = rx.into_stream();
    assert!(s
        .poll_next_unpin(&mut Context::from_waker(noop_waker_ref()))
        .is_pending());
    tx.send(3).unwrap();
    drop(s);
    assert_eq!(keep.try_recv(), Ok(3));
}

#[test]
fn stream_keeps_its_place_when_a_next_future_is_dropped() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let mut s = rx.stream();
    {
        let mut next = s.next();
        assert!(Pin::new(&mut next)
            .poll(&mut Context::from_waker(noop_waker_ref()))
            .is_pending());
    } // the `next()` future is dropped; the stream stays parked in the queue
    assert_eq!(tx.waiting_receivers(), 1);
    tx.send(8).unwrap(); // handed to the stream's waiter
    assert_eq!(block_on(s.next()), Some(8));
    drop(tx);
    assert_eq!(block_on(s.next()), None);
    assert_eq!(block_on(s.next()), None, "ended streams stay ended");
}

// ----- stream and sink -----

#[test]
fn stream_and_sink_round_trip() {
    let total = n(2000);
    let (tx, rx) = chan::bounded(3);
    let (out_tx, out_rx) = chan::unbounded();
    block_on(async {
        let produce = async {
            let mut sink = tx.into_sink();
            sink.send_all(&mut futures::stream::iter((0..total).map(Ok)))
                .await
                .unwrap();
            // dropping the sink closes the channel
        };
        let relay = rx.into_stream().map(Ok).forward(out_tx.into_sink());
        let (_, r) = futures::join!(produce, relay);
        r.unwrap();
    });
    assert_eq!(
        out_rx.iter().collect::<Vec<_>>(),
        (0..total).collect::<Vec<_>>()
    );
}

#[test]
fn sink_reports_closed_with_the_value() {
    let (tx, rx) = chan::bounded::<i32>(0);
    drop(rx);
    let mut sink = tx.sink();
    assert_eq!(block_on(sink.send(1)), Err(SendError(1)));
}

// ----- mixed sync/async stress, exactly once -----

/// Producers and consumers, half threads and half tasks, on one channel of each
/// kind; every value is received exactly once and dropped exactly once.
#[test]
fn mixed_threads_and_tasks_stress_exactly_once() {
    let rt = runtime(2);
    for cap in [Some(0), Some(1), Some(8), None] {
        let per = n(2000);
        let (producers, consumers) = (4, 4);
        let total = per * producers;
        let drops = Arc::new(AtomicUsize::new(0));
        let ledger = Ledger::new(total);
        let (tx, rx) = match cap {
            Some(c) => chan::bounded::<Counted>(c),
            None => chan::unbounded(),
        };
        let mut threads = Vec::new();
        let mut tasks = Vec::new();
        for p in 0..producers {
            let tx = tx.clone();
            let drops = drops.clone();
            let ids = (p * per..(p + 1) * per).map(move |id| Counted {
                id,
                drops: drops.clone(),
            });
            if p % 2 == 0 {
                threads.push(std::thread::spawn(move || {
                    for v in ids {
                        assert!(tx.send(v).is_ok());
                    }
                }));
            } else {
                tasks.push(rt.spawn(async move {
                    for v in ids {
                        assert!(tx.send_async(v).await.is_ok());
                    }
                }));
            }
        }
        drop(tx);
        for c in 0..consumers {
            let rx = rx.clone();
            let ledger = ledger.clone();
            match c % 4 {
                0 => threads.push(std::thread::spawn(move || {
                    for v in &rx {
                        ledger.record(v);
                    }
                })),
                1 => tasks.push(rt.spawn(async move {
                    while let Ok(v) = rx.recv_async().await {
                        ledger.record(v);
                    }
                })),
                2 => tasks.push(rt.spawn(async move {
                    let mut s = rx.into_stream();
                    while let Some(v) = s.next().await {
                        ledger.record(v);
                    }
                })),
                _ => threads.push(std::thread::spawn(move || {
                    // A thread driving futures itself.
                    block_on(async {
                        while let Ok(v) = rx.recv_async().await {
                            ledger.record(v);
                        }
                    })
                })),
            }
        }
        drop(rx);
        for t in threads {
            t.join().unwrap();
        }
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(ledger.received(), total, "cap {cap:?}");
        assert_eq!(drops.load(Ordering::Relaxed), total, "cap {cap:?}");
    }
}

// ----- cancellation storms -----

/// Thousands of `recv_async` futures dropped mid-wait inside `tokio::select!` against
/// a timer, while producers (a thread and a task) keep sending: nothing is lost or
/// duplicated. Prints the counts (run with `--nocapture` to see them).
#[test]
fn cancellation_storm_recv_in_tokio_select_with_timer() {
    let rt = runtime(2);
    for cap in [0, 1, 16] {
        let per = n(3000);
        let total = 2 * per;
        let drops = Arc::new(AtomicUsize::new(0));
        let ledger = Ledger::new(total);
        let cancelled = Arc::new(AtomicUsize::new(0));
        let timer_wins = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = chan::bounded::<Counted>(cap);
        let mk = |id| Counted {
            id,
            drops: drops.clone(),
        };
        let thread_values: Vec<_> = (0..per).map(mk).collect();
        let task_values: Vec<_> = (per..total).map(mk).collect();
        let tx2 = tx.clone();
        let producer_thread = std::thread::spawn(move || {
            for (i, v) in thread_values.into_iter().enumerate() {
                assert!(tx2.send(v).is_ok());
                if i % 16 == 0 {
                    // Gaps longer than the receivers' timers, so that they fire
                    // while receives wait (this pacing is not synchronisation: any
                    // timing passes the test).
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        });
        let producer_task = rt.spawn(async move {
            for (i, v) in task_values.into_iter().enumerate() {
                assert!(tx.send_async(v).await.is_ok());
                if i % 16 == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        });
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let (rx, ledger) = (rx.clone(), ledger.clone());
                let (cancelled, timer_wins) = (cancelled.clone(), timer_wins.clone());
                rt.spawn(async move {
                    loop {
                        let recv = Tracked::new(rx.recv_async(), &cancelled);
                        tokio::select! {
                            r = recv => match r {
                                Ok(v) => ledger.record(v),
                                Err(RecvError) => break,
                            },
                            _ = tokio::time::sleep(Duration::from_micros(500)) => {
                                timer_wins.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        producer_thread.join().unwrap();
        rt.block_on(async {
            producer_task.await.unwrap();
            for c in consumers {
                c.await.unwrap();
            }
        });
        let (c, w) = (
            cancelled.load(Ordering::Relaxed),
            timer_wins.load(Ordering::Relaxed),
        );
        println!(
            "recv storm cap {cap}: {total} values received exactly once; \
             {w} timer wins, {c} recv futures dropped mid-wait"
        );
        assert_eq!(ledger.received(), total);
        assert_eq!(drops.load(Ordering::Relaxed), total);
        if !cfg!(miri) {
            assert!(c > 0, "the storm cancelled no waiting future");
        }
    }
}

/// A storm of receives cancelled by a branch that is always ready on its second poll
/// (no timer): every recv future is dropped right after it parked, racing the
/// producers' hand-offs as closely as possible.
#[test]
fn cancellation_storm_recv_against_yield() {
    let rt = runtime(2);
    let per = n(5000);
    let drops = Arc::new(AtomicUsize::new(0));
    let ledger = Ledger::new(per);
    let cancelled = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded::<Counted>(0);
    let values: Vec<_> = (0..per)
        .map(|id| Counted {
            id,
            drops: drops.clone(),
        })
        .collect();
    let producer = std::thread::spawn(move || {
        for v in values {
            assert!(tx.send(v).is_ok());
        }
    });
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let (rx, ledger, cancelled) = (rx.clone(), ledger.clone(), cancelled.clone());
            rt.spawn(async move {
                loop {
                    let recv = Tracked::new(rx.recv_async(), &cancelled);
                    tokio::select! {
                        biased;
                        r = recv => match r {
                            Ok(v) => ledger.record(v),
                            Err(RecvError) => break,
                        },
                        _ = tokio::task::yield_now() => {}
                    }
                }
            })
        })
        .collect();
    drop(rx);
    producer.join().unwrap();
    rt.block_on(async {
        for c in consumers {
            c.await.unwrap();
        }
    });
    println!(
        "recv storm against yield: {per} values received exactly once; {} recv futures \
         dropped mid-wait",
        cancelled.load(Ordering::Relaxed)
    );
    assert_eq!(ledger.received(), per);
    assert_eq!(drops.load(Ordering::Relaxed), per);
}

/// `send_async` futures dropped mid-wait: each value is received, or dropped unsent,
/// exactly once (the drop count equals the values made, and no id is received
/// twice).
#[test]
fn cancellation_storm_send_in_tokio_select() {
    let rt = runtime(2);
    let per = n(3000);
    let producers = 3;
    let total = per * producers;
    let drops = Arc::new(AtomicUsize::new(0));
    let ledger = Ledger::new(total);
    let cancelled = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded::<Counted>(0);
    let tasks: Vec<_> = (0..producers)
        .map(|p| {
            let (tx, drops, cancelled) = (tx.clone(), drops.clone(), cancelled.clone());
            rt.spawn(async move {
                for id in p * per..(p + 1) * per {
                    let v = Counted {
                        id,
                        drops: drops.clone(),
                    };
                    let send = Tracked::new(tx.send_async(v), &cancelled);
                    tokio::select! {
                        r = send => assert!(r.is_ok()),
                        // The value may go unsent.
                        _ = tokio::time::sleep(Duration::from_micros(500)) => {}
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = {
        let ledger = ledger.clone();
        std::thread::spawn(move || {
            for (i, v) in rx.iter().enumerate() {
                ledger.record(v);
                if i % 32 == 0 {
                    // Pauses, so that parked senders' timers fire.
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        })
    };
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    consumer.join().unwrap();
    let received = ledger.received();
    println!(
        "send storm: {total} values, {received} received, {} dropped unsent; {} send \
         futures dropped mid-wait",
        total - received,
        cancelled.load(Ordering::Relaxed)
    );
    assert_eq!(
        drops.load(Ordering::Relaxed),
        total,
        "each value dropped once"
    );
}

// ----- select loops -----

/// A `tokio::select!` loop over two channels and a timer receives every value of
/// both, each channel in order.
#[test]
fn tokio_select_loop_over_two_channels_and_a_timer() {
    let rt = runtime(2);
    let per = n(3000) as u32;
    let (atx, arx) = chan::bounded::<u32>(0);
    let (btx, brx) = chan::bounded::<u32>(4);
    let pa = std::thread::spawn(move || (0..per).for_each(|i| atx.send(i).unwrap()));
    let pb = rt.spawn(async move {
        for i in 0..per {
            btx.send_async(i).await.unwrap();
        }
    });
    let (a, b) = rt.block_on(async {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut a_open, mut b_open) = (true, true);
        while a_open || b_open {
            tokio::select! {
                r = arx.recv_async(), if a_open => match r {
                    Ok(v) => a.push(v),
                    Err(_) => a_open = false,
                },
                r = brx.recv_async(), if b_open => match r {
                    Ok(v) => b.push(v),
                    Err(_) => b_open = false,
                },
                _ = tokio::time::sleep(Duration::from_micros(100)) => {}
            }
        }
        (a, b)
    });
    pa.join().unwrap();
    rt.block_on(pb).unwrap();
    assert_eq!(a, (0..per).collect::<Vec<_>>());
    assert_eq!(b, (0..per).collect::<Vec<_>>());
}

/// The same with `futures::select!` on `futures::executor`, relaying values with a
/// send arm. The send future lives across iterations (the canonical way to keep a
/// send in a select loop: a dropped send future may or may not have sent); the
/// receive futures are re-made each iteration and dropped whenever the send wins —
/// which must lose nothing.
#[test]
fn futures_select_loop_with_send_and_recv_arms() {
    use futures::future::{pending, Either};
    let per = n(2000) as u32;
    let (in_tx, in_rx) = chan::bounded::<u32>(1);
    let (out_tx, out_rx) = chan::bounded::<u32>(0);
    let producer = std::thread::spawn(move || (0..per).for_each(|i| in_tx.send(i).unwrap()));
    let consumer = std::thread::spawn(move || out_rx.iter().collect::<Vec<_>>());
    block_on(async {
        let mut queue = std::collections::VecDeque::new();
        let mut in_flight: Option<Pin<Box<SendFuture<'_, u32>>>> = None;
        let mut open = true;
        loop {
            if in_flight.is_none() {
                if let Some(v) = queue.pop_front() {
                    in_flight = Some(Box::pin(out_tx.send_async(v)));
                }
            }
            if !open && in_flight.is_none() {
                break;
            }
            let mut sent = false;
            {
                let recv = if open {
                    Either::Left(in_rx.recv_async())
                } else {
                    Either::Right(pending())
                };
                let send = async {
                    match in_flight.as_mut() {
                        Some(f) => f.as_mut().await,
                        None => pending().await,
                    }
                };
                futures::select! {
                    r = recv.fuse() => match r {
                        Ok(v) => queue.push_back(v),
                        Err(_) => open = false,
                    },
                    r = send.fuse() => {
                        r.unwrap();
                        sent = true;
                    },
                }
            }
            if sent {
                in_flight = None;
            }
        }
    });
    drop(out_tx);
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), (0..per).collect::<Vec<_>>());
}
