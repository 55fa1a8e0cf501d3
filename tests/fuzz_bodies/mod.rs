//! Op-script interpreters ("bodies") shared by the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` and by the stable corpus replay in `tests/fuzz_replay.rs`.
//!
//! Each body decodes a script from raw bytes with `arbitrary`, runs it on one thread
//! against a sequential model that predicts every result, and panics on the first
//! disagreement. Values carry ids and count their drops (see [`tracked`]), so a value
//! lost, duplicated, dropped twice or leaked is a disagreement too.
//!
//! Included with `#[path]` by both users, so it must build as a plain module.

// `#[derive(Arbitrary)]` expands to a `std::cell::Cell` (its recursion guard); test code
// runs on one thread and is never built for loom.
#![allow(clippy::disallowed_types)]

pub(crate) mod chan_ops;
pub(crate) mod encode;
pub(crate) mod pool_ops;
pub(crate) mod ring;
pub(crate) mod select_ops;
pub(crate) mod tracked;
