//! Runs `ROUNDS` fill-then-drain rounds of one batched-receive contender (`many`,
//! `loop` or `tokio`; see `gosync_benches::batch`), for instruction counts under
//! callgrind, which are repeatable on a busy machine where timings are not:
//!
//! ```text
//! cargo build --release -p gosync-benches --bin recv_many_count
//! valgrind --tool=callgrind --toggle-collect='gosync_benches::batch::drain_*' \
//!     target/release/recv_many_count many 100
//! ```
//! The drain functions' inclusive count divided by `ROUNDS × 1024` is the cost per
//! message of taking values out; `fill_*` the same for putting them in.

use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let contender = args.next().unwrap_or_else(|| "many".into());
    let rounds: usize = args.next().map_or(100, |r| r.parse().expect("ROUNDS"));
    let mut run = gosync_benches::batch::fill_drain(&contender);
    black_box(run(rounds));
}
