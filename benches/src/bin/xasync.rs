//! Async round trips, one contender per process: two tasks on a current-thread tokio
//! runtime pass a message back and forth over two channels, each round trip timed —
//! the async twin of `xshape CONTENDER pingpong CAP N` (Go's goroutine ping-pong is
//! that case's Go column). `benches/xshape.py` runs it as its `async` section.
//!
//! ```text
//! xasync CONTENDER CAP ROUND_TRIPS
//! ```
//!
//! * CONTENDER: `gosync` (`send_async` / `recv_async`), `kanal` (`bounded_async`),
//!   `flume` (`send_async` / `recv_async`), `async-channel`, `tokio` (`tokio::sync::mpsc`,
//!   which has no capacity 0: that cell exits with status 2).
//! * CAP: `0` or `1`.
//!
//! Prints one JSON line in `xshape`'s format: `ns` (the timed round trips),
//! `ns_per_msg` (per round trip), `p50`, `p99`, `p999` in ns, and the process's context
//! switches (`getrusage`) during them.

use gosync_benches::process::{pct, rusage};
use std::future::Future;
use std::hint::black_box;
use std::time::Instant;

/// Both ends of one contender's channel, as futures over `usize`.
trait AsyncChan {
    type S: 'static;
    type R: 'static;
    fn new(cap: usize) -> Option<(Self::S, Self::R)>;
    fn send(s: &Self::S, v: usize) -> impl Future<Output = ()>;
    fn recv(r: &mut Self::R) -> impl Future<Output = usize>;
}

struct Gosync;
impl AsyncChan for Gosync {
    type S = gosync::Sender<usize>;
    type R = gosync::Receiver<usize>;
    fn new(cap: usize) -> Option<(Self::S, Self::R)> {
        Some(gosync::bounded(cap))
    }
    async fn send(s: &Self::S, v: usize) {
        s.send_async(v)
            .await
            .expect("gosync: send on a closed channel");
    }
    async fn recv(r: &mut Self::R) -> usize {
        r.recv_async()
            .await
            .expect("gosync: recv on a closed channel")
    }
}

struct Kanal;
impl AsyncChan for Kanal {
    type S = kanal::AsyncSender<usize>;
    type R = kanal::AsyncReceiver<usize>;
    fn new(cap: usize) -> Option<(Self::S, Self::R)> {
        Some(kanal::bounded_async(cap))
    }
    async fn send(s: &Self::S, v: usize) {
        s.send(v).await.expect("kanal: send on a closed channel");
    }
    async fn recv(r: &mut Self::R) -> usize {
        r.recv().await.expect("kanal: recv on a closed channel")
    }
}

struct Flume;
impl AsyncChan for Flume {
    type S = flume::Sender<usize>;
    type R = flume::Receiver<usize>;
    fn new(cap: usize) -> Option<(Self::S, Self::R)> {
        Some(flume::bounded(cap))
    }
    async fn send(s: &Self::S, v: usize) {
        s.send_async(v)
            .await
            .expect("flume: send on a closed channel");
    }
    async fn recv(r: &mut Self::R) -> usize {
        r.recv_async()
            .await
            .expect("flume: recv on a closed channel")
    }
}

struct AsyncChannel;
impl AsyncChan for AsyncChannel {
    type S = async_channel::Sender<usize>;
    type R = async_channel::Receiver<usize>;
    fn new(cap: usize) -> Option<(Self::S, Self::R)> {
        // async-channel's bounded(0) panics: it has no rendezvous channel.
        (cap > 0).then(|| async_channel::bounded(cap))
    }
    async fn send(s: &Self::S, v: usize) {
        s.send(v)
            .await
            .expect("async-channel: send on a closed channel");
    }
    async fn recv(r: &mut Self::R) -> usize {
        r.recv()
            .await
            .expect("async-channel: recv on a closed channel")
    }
}

struct Tokio;
impl AsyncChan for Tokio {
    type S = tokio::sync::mpsc::Sender<usize>;
    type R = tokio::sync::mpsc::Receiver<usize>;
    fn new(cap: usize) -> Option<(Self::S, Self::R)> {
        (cap > 0).then(|| tokio::sync::mpsc::channel(cap))
    }
    async fn send(s: &Self::S, v: usize) {
        s.send(v).await.expect("tokio: send on a closed channel");
    }
    async fn recv(r: &mut Self::R) -> usize {
        r.recv().await.expect("tokio: recv on a closed channel")
    }
}

/// `n` timed round trips (after `n / 10` untimed ones); sorted latencies and the
/// total time of the timed ones.
fn pingpong<C: AsyncChan>(cap: usize, n: usize) -> Option<(Vec<u64>, u128)> {
    let (ping_tx, mut ping_rx) = C::new(cap)?;
    let (pong_tx, mut pong_rx) = C::new(cap)?;
    let warm = (n / 10).max(10);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread tokio runtime");
    // The futures of `AsyncChan` are not `Send`: both tasks are local to the thread.
    let local = tokio::task::LocalSet::new();
    let (mut lat, total) = local.block_on(&rt, async move {
        let echo = tokio::task::spawn_local(async move {
            for _ in 0..warm + n {
                let v = C::recv(&mut ping_rx).await;
                C::send(&pong_tx, v).await;
            }
        });
        for i in 0..warm {
            C::send(&ping_tx, i).await;
            black_box(C::recv(&mut pong_rx).await);
        }
        let mut lat = Vec::with_capacity(n);
        let start = Instant::now();
        let mut t0 = start;
        for i in 0..n {
            C::send(&ping_tx, i).await;
            black_box(C::recv(&mut pong_rx).await);
            let t1 = Instant::now();
            lat.push((t1 - t0).as_nanos() as u64);
            t0 = t1;
        }
        let total = start.elapsed().as_nanos();
        echo.await.expect("the echo task panicked");
        (lat, total)
    });
    lat.sort_unstable();
    Some((lat, total))
}

fn csw() -> i64 {
    let r = rusage();
    r.nvcsw + r.nivcsw
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        eprintln!("usage: xasync CONTENDER CAP ROUND_TRIPS (see the source's header)");
        std::process::exit(64);
    }
    let contender = args[0].as_str();
    let cap: usize = match args[1].as_str() {
        "0" => 0,
        "1" => 1,
        other => panic!("CAP must be 0 or 1, not {other:?}"),
    };
    let n: usize = args[2].parse().expect("ROUND_TRIPS must be a number");
    assert!(n > 0, "ROUND_TRIPS must be positive");
    let before = csw();
    let out = match contender {
        "gosync" => pingpong::<Gosync>(cap, n),
        "kanal" => pingpong::<Kanal>(cap, n),
        "flume" => pingpong::<Flume>(cap, n),
        "async-channel" => pingpong::<AsyncChannel>(cap, n),
        "tokio" => pingpong::<Tokio>(cap, n),
        _ => panic!("unknown contender {contender:?}"),
    };
    let switches = csw() - before;
    let Some((lat, total)) = out else {
        eprintln!("xasync: {contender} has no capacity {cap}");
        std::process::exit(2);
    };
    println!(
        "{{\"contender\":\"{contender}\",\"case\":\"apingpong\",\"param\":\"{cap}\",\"msgs\":{n},\
         \"ns\":{total},\"ns_per_msg\":{:.3},\"csw_per_msg\":{:.5},\"p50\":{},\"p99\":{},\"p999\":{}}}",
        total as f64 / n as f64,
        switches as f64 / n as f64,
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        pct(&lat, 0.999)
    );
}
