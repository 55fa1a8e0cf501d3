//! Fuzz target `pool_ops`: the body lives in `tests/fuzz_bodies/pool_ops.rs`,
//! shared with the stable corpus replay (`tests/fuzz_replay.rs`).

#![no_main]

#[path = "../../tests/fuzz_bodies/mod.rs"]
#[allow(dead_code)]
mod fuzz_bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_bodies::pool_ops::run_bytes(data));
