//! What the one-cell-per-process runners (`src/bin/xshape.rs`, `src/bin/xasync.rs`)
//! read about their own process: context switches and latency percentiles.

/// The process's context switches so far (`getrusage(RUSAGE_SELF)`).
#[derive(Clone, Copy, Default)]
pub struct Rusage {
    /// Voluntary: the thread blocked (a futex sleep).
    pub nvcsw: i64,
    /// Involuntary: preempted, or a yield that switched.
    pub nivcsw: i64,
}

/// Reads [`Rusage`] now.
pub fn rusage() -> Rusage {
    // SAFETY: getrusage writes a `struct rusage` into the zeroed value we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `struct rusage`, RUSAGE_SELF is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    Rusage {
        nvcsw: ru.ru_nvcsw,
        nivcsw: ru.ru_nivcsw,
    }
}

/// The `p` quantile (0 < p ≤ 1) of sorted, non-empty latencies.
pub fn pct(lat: &[u64], p: f64) -> u64 {
    let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
    lat[i]
}
