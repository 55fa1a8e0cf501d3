//! A fast per-thread pseudo-random generator for select's poll order (Go's
//! `cheaprand`).
//!
//! xorshift64* in a thread-local word, seeded on first use from std's per-thread
//! random hash keys (`RandomState`, themselves seeded from the OS), the thread's id,
//! the clock, and the address of the thread-local: two threads, or two runs, never
//! share a sequence. Quality needs are modest (a uniform pick among a few cases), speed
//! matters (one call per case per select).
//!
//! Under loom the generator is replaced by a constant: a model must replay the same
//! choices on every execution, and its scheduler explores the interleavings anyway.

/// A uniformly distributed number in `0..n` (`n > 0`).
#[inline]
pub(crate) fn below(n: u32) -> u32 {
    debug_assert!(n > 0);
    // Lemire's multiply-shift: the high half of a 32×32 product. The bias is at most
    // n / 2³², nothing for the handful of cases a select has.
    (((next_u64() >> 32) * u64::from(n)) >> 32) as u32
}

/// Bits per draw of [`Draws`]: three draws per 64-bit output.
const DRAW_BITS: u32 = 21;
/// The largest `n` that [`Draws::below`] serves from a 21-bit draw (bias at most
/// `n / 2^21`, under 10⁻⁵); larger `n` take a fresh 32-bit draw ([`below`]).
const DRAW_MAX: u32 = 16;

/// Several small uniform picks from one generator step: a select draws one number per
/// case it shuffles, and for the usual handful of cases three of them share a 64-bit
/// output (taken from the high bits, xorshift64*'s best).
pub(crate) struct Draws {
    bits: u64,
    left: u32,
}

impl Draws {
    pub(crate) fn new() -> Self {
        Draws { bits: 0, left: 0 }
    }

    /// A uniformly distributed number in `0..n` (`n > 0`).
    #[inline]
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        if n > DRAW_MAX {
            return below(n);
        }
        if self.left == 0 {
            self.bits = next_u64();
            self.left = 64 / DRAW_BITS;
        }
        let draw = self.bits >> (64 - DRAW_BITS);
        self.bits <<= DRAW_BITS;
        self.left -= 1;
        ((draw * u64::from(n)) >> DRAW_BITS) as u32
    }
}

#[cfg(not(gosync_loom))]
mod imp {
    // A thread-local plain cell: it is never shared between threads, and is not a
    // synchronization point, so it needs no facade type (loom builds use the constant
    // below instead).
    #![allow(clippy::disallowed_types)]

    use std::cell::Cell;
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hash, Hasher};
    use std::time::{Instant, SystemTime};

    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }

    /// A fresh non-zero seed.
    #[cold]
    fn seed(salt: usize) -> u64 {
        // `RandomState::new()` draws from per-thread keys that are seeded from the OS
        // and advanced on every call.
        let mut h = RandomState::new().build_hasher();
        std::thread::current().id().hash(&mut h);
        Instant::now().hash(&mut h);
        // (Miri's isolation has no wall clock; the rest suffices there.)
        if !cfg!(miri) {
            SystemTime::now().hash(&mut h);
        }
        salt.hash(&mut h);
        h.finish() | 1
    }

    #[inline]
    fn step(mut x: u64) -> (u64, u64) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        (x, x.wrapping_mul(0x2545_F491_4F6C_DD1D))
    }

    #[inline]
    pub(super) fn next_u64() -> u64 {
        STATE
            .try_with(|s| {
                let mut x = s.get();
                if x == 0 {
                    x = seed(s as *const Cell<u64> as usize);
                }
                let (x, out) = step(x);
                s.set(x);
                out
            })
            // Thread-local storage already destroyed (a select inside a TLS
            // destructor): a one-off seed still gives a fair pick.
            .unwrap_or_else(|_| {
                let local = 0u8;
                step(seed(&local as *const u8 as usize)).1
            })
    }
}

#[cfg(gosync_loom)]
mod imp {
    #[inline]
    pub(super) fn next_u64() -> u64 {
        0
    }
}

use imp::next_u64;

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let x = below(7);
            seen[x as usize] += 1;
        }
        // Each bucket expects 1000; a broken generator (constant, or stuck in a
        // sub-range) leaves some empty or far off.
        assert!(seen.iter().all(|&c| c > 700 && c < 1300), "{seen:?}");
    }

    #[test]
    fn draws_stay_in_range_and_cover_it() {
        let mut seen = [[0u32; 16]; 17];
        let mut d = Draws::new();
        for n in 1..=16u32 {
            for _ in 0..1600 * n {
                seen[n as usize][d.below(n) as usize] += 1;
            }
            // Each bucket expects 1600.
            let row = &seen[n as usize][..n as usize];
            assert!(
                row.iter().all(|&c| c > 1200 && c < 2000),
                "n = {n}: {row:?}"
            );
        }
        // Above the small range, a full draw.
        assert!((0..1000).all(|_| d.below(1000) < 1000));
    }

    #[test]
    fn threads_get_different_sequences() {
        let a: Vec<u64> = (0..4).map(|_| next_u64()).collect();
        let b = std::thread::spawn(|| (0..4).map(|_| next_u64()).collect::<Vec<u64>>())
            .join()
            .unwrap();
        assert_ne!(a, b);
    }
}
