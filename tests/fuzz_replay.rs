//! Replays every committed fuzz seed (`fuzz/corpus/<target>/*`) through the same body
//! the cargo-fuzz target runs (`tests/fuzz_bodies/`), on stable, in a plain
//! `cargo test`.
//!
//! The corpus holds two kinds of seed: `seed-<name>` files, the hand-written scripts of
//! `fuzz_bodies::<target>::seeds()` encoded to bytes (the `*_named_seeds_are_current`
//! tests check that each file is exactly its script's encoding and decodes back to it;
//! `GOSYNC_BLESS_SEEDS=1 cargo test --test fuzz_replay` rewrites them after a script
//! changes), and files named by their hash, kept by the fuzzer because each reached
//! coverage the others did not (`cargo fuzz cmin`, see `fuzz/run.sh`).
//!
//! Under Miri the file system is closed (isolation), so each body runs the named seeds
//! and a few pseudo-random inputs from a fixed seed instead. The published crate has
//! no `fuzz/` directory (cargo never packages a nested package), so it does the same.

#[path = "fuzz_bodies/mod.rs"]
mod fuzz_bodies;

use std::path::{Path, PathBuf};

/// The corpus files of `target`, sorted by name.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Whether the corpus can be read: not under Miri's isolation, nor in the published
/// crate, which has no `fuzz/` directory. (In the repository `fuzz/` always exists, so
/// a missing corpus there still fails.)
fn corpus_readable() -> bool {
    !cfg!(miri) && Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").exists()
}

/// `n` deterministic pseudo-random inputs (xorshift), for runs that cannot read files.
fn synthetic(n: usize, len: usize) -> Vec<Vec<u8>> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            (0..len)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s as u8
                })
                .collect()
        })
        .collect()
}

/// Feeds every seed of `target` to `body`; returns how many ran.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    if !corpus_readable() {
        let inputs = synthetic(3, 64);
        for input in &inputs {
            body(input);
        }
        return inputs.len();
    }
    let files = corpus(target);
    assert!(
        files.len() >= 10,
        "the {target} seed corpus has only {} files",
        files.len()
    );
    for f in &files {
        let data = std::fs::read(f).expect("read a corpus file");
        // A failing seed names itself; reproduce it with
        // `cargo +nightly fuzz run <target> <file>` in fuzz/.
        eprintln!("replaying {}", f.display());
        body(&data);
    }
    files.len()
}

/// Checks (or, with `GOSYNC_BLESS_SEEDS=1`, writes) the `seed-<name>` files of `target`,
/// and runs each named script.
fn named_seeds<S: std::fmt::Debug>(
    target: &str,
    seeds: Vec<(&'static str, S)>,
    to_bytes: fn(&S) -> Vec<u8>,
    decode: fn(&[u8]) -> Option<S>,
    run: fn(&S),
) {
    let bless = corpus_readable() && std::env::var_os("GOSYNC_BLESS_SEEDS").is_some();
    for (name, script) in &seeds {
        let bytes = to_bytes(script);
        let back = decode(&bytes).expect("a named seed does not decode");
        assert_eq!(
            format!("{back:?}"),
            format!("{script:?}"),
            "seed {name}: the encoding does not round-trip"
        );
        run(script);
        if !corpus_readable() {
            continue;
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
            .join(format!("seed-{name}"));
        if bless {
            std::fs::write(&path, &bytes).expect("write a seed file");
        } else {
            let on_disk = std::fs::read(&path).unwrap_or_default();
            assert!(
                on_disk == bytes,
                "{} is missing or stale: run GOSYNC_BLESS_SEEDS=1 cargo test --test fuzz_replay",
                path.display()
            );
        }
    }
}

#[test]
fn chan_ops_named_seeds_are_current() {
    use arbitrary::{Arbitrary, Unstructured};
    use fuzz_bodies::chan_ops::{run, seeds, Script};
    named_seeds(
        "chan_ops",
        seeds(),
        Script::to_bytes,
        |b| Script::arbitrary_take_rest(Unstructured::new(b)).ok(),
        run,
    );
}

#[test]
fn ring_named_seeds_are_current() {
    use arbitrary::{Arbitrary, Unstructured};
    use fuzz_bodies::ring::{run, seeds, Script};
    named_seeds(
        "ring",
        seeds(),
        Script::to_bytes,
        |b| Script::arbitrary_take_rest(Unstructured::new(b)).ok(),
        run,
    );
}

#[test]
fn select_ops_named_seeds_are_current() {
    use arbitrary::{Arbitrary, Unstructured};
    use fuzz_bodies::select_ops::{run, seeds, Script};
    named_seeds(
        "select_ops",
        seeds(),
        Script::to_bytes,
        |b| Script::arbitrary_take_rest(Unstructured::new(b)).ok(),
        run,
    );
}

#[test]
fn pool_ops_named_seeds_are_current() {
    use arbitrary::{Arbitrary, Unstructured};
    use fuzz_bodies::pool_ops::{run, seeds, Script};
    named_seeds(
        "pool_ops",
        seeds(),
        Script::to_bytes,
        |b| Script::arbitrary_take_rest(Unstructured::new(b)).ok(),
        run,
    );
}

#[test]
fn chan_ops_corpus() {
    let n = replay("chan_ops", fuzz_bodies::chan_ops::run_bytes);
    assert!(n > 0);
}

#[test]
fn ring_corpus() {
    let n = replay("ring", fuzz_bodies::ring::run_bytes);
    assert!(n > 0);
}

#[test]
fn select_ops_corpus() {
    let n = replay("select_ops", fuzz_bodies::select_ops::run_bytes);
    assert!(n > 0);
}

#[test]
fn pool_ops_corpus() {
    let n = replay("pool_ops", fuzz_bodies::pool_ops::run_bytes);
    assert!(n > 0);
}
