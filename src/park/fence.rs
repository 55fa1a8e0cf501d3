//! Asymmetric fences: a nearly free [`light`] fence for a hot path and an expensive
//! [`heavy`] one for a rare path, which together order a store before a later load on
//! both sides, as two `fence(SeqCst)` would.
//!
//! The pattern they serve is Dekker's: the hot side stores `A` then loads `B`, the rare
//! side stores `B` then loads `A`, and at least one of them must see the other's
//! store. The channel lock uses it so that `unlock` is a plain store (no
//! read-modify-write) followed by a load of the "threads parked" count, while a thread
//! about to park pays for the ordering instead.
//!
//! On Linux `heavy` is the `membarrier(2)` system call with
//! `MEMBARRIER_CMD_PRIVATE_EXPEDITED`: the kernel runs a full memory barrier on every
//! CPU that is running one of this process's threads, and a thread that is not
//! running passes through one when it is switched back in. So wherever the hot side
//! was in its store-then-load sequence, either its store is visible to the rare side
//! after the call, or its load comes after the barrier and sees the rare side's store.
//! `light` then only has to keep the compiler from swapping the store and the load.
//! Elsewhere, or when the kernel does not offer the call (old kernels, seccomp
//! filters, Valgrind), both fences are `fence(SeqCst)`; under loom and Miri too, so
//! that the protocol is checked with the fences the C++ memory model knows.
//!
//! # The mode
//!
//! | mode         | `light`          | `heavy`                                   | next |
//! |--------------|------------------|-------------------------------------------|------|
//! | `UNKNOWN`    | `fence(SeqCst)`  | (never: it decides first)                 | `MEMBARRIER` or `FENCES`, once, by [`init`] or the first `heavy` |
//! | `MEMBARRIER` | compiler fence   | `membarrier`; `false` if the kernel refuses it | final |
//! | `FENCES`     | `fence(SeqCst)`  | `fence(SeqCst)`                           | final |
//!
//! The environment variable `GOSYNC_FENCES=full`, read when the mode is decided,
//! forces `FENCES` (CI runs the test suite once that way, so that the fallback is
//! tested, not only argued). Unset, empty or `auto`: `membarrier` where the kernel
//! has it. Any other value also forces `FENCES`, the choice that is right everywhere,
//! with a warning on stderr.

// Under Miri both fences are `fence(SeqCst)`: the mode and its rules are built only
// for their unit tests.
#![cfg_attr(miri, allow(dead_code))]

use crate::facade::Ordering;

/// Decides, once per process, which pair of fences to use. Cheap after the first
/// call (one relaxed load); call it before the first `light` fence of an object
/// whose hot path should be fast (e.g. when creating a channel).
#[inline]
pub(crate) fn init() {
    #[cfg(not(any(gosync_loom, miri)))]
    if MODE.get() == UNKNOWN {
        MODE.decide(&Kernel);
    }
}

/// The hot side's fence: orders its earlier store before its later load, against a
/// thread that runs [`heavy`] between its own store and load.
#[inline]
pub(crate) fn light() {
    #[cfg(not(any(gosync_loom, miri)))]
    MODE.light();
    #[cfg(any(gosync_loom, miri))]
    crate::facade::fence(Ordering::SeqCst);
}

/// The rare side's fence. Returns `false` when it could not give the guarantee (the
/// kernel refused a barrier in a process whose hot sides run compiler fences only):
/// the caller must then not rely on being woken by a hot side that ran meanwhile,
/// e.g. wake a parked thread itself, or park with a timeout and look again.
#[must_use]
pub(crate) fn heavy() -> bool {
    #[cfg(not(any(gosync_loom, miri)))]
    {
        MODE.heavy(&Kernel)
    }
    #[cfg(any(gosync_loom, miri))]
    {
        crate::facade::fence(Ordering::SeqCst);
        true
    }
}

/// Not decided yet: the light fence is a full fence.
#[cfg(not(gosync_loom))]
const UNKNOWN: u8 = 0;
/// `membarrier` is registered: the light fence is a compiler fence.
#[cfg(not(gosync_loom))]
const MEMBARRIER: u8 = 1;
/// No `membarrier` (or `GOSYNC_FENCES=full`): both fences are full fences.
#[cfg(not(gosync_loom))]
const FENCES: u8 = 2;

/// The process's mode. Outside loom only: under loom (and Miri) both fences are
/// always `fence(SeqCst)`, and the mode is a setting, not synchronisation the model
/// checker need see.
#[cfg(not(any(gosync_loom, miri)))]
static MODE: Mode = Mode::new();

/// What the mode is decided from and what `heavy` asks the kernel for; a trait so
/// that the mode's rules can be tested with a kernel that refuses on demand.
#[cfg(not(gosync_loom))]
trait Sys {
    /// Whether `GOSYNC_FENCES` forces full fences.
    fn forced_full(&self) -> bool;
    /// Registers the process for expedited private barriers; `true` on success.
    fn register(&self) -> bool;
    /// One process-wide barrier; `false` if the kernel refused it.
    fn barrier(&self) -> bool;
}

/// A fence mode word: `UNKNOWN`, then `MEMBARRIER` or `FENCES` for good.
///
/// ORDERING: the word is read and written Relaxed: it guards no data, and what
/// matters is only which fences can meet. It changes once, from `UNKNOWN` to its final
/// value (a CAS: the first decision wins, a later one adopts it), so a thread reads
/// either `UNKNOWN` or the final mode, and every pairing is sound:
/// - a `light` that reads `UNKNOWN` or `FENCES` runs `fence(SeqCst)`, which pairs
///   with either `heavy` (a barrier on every running CPU, or another `fence(SeqCst)`);
/// - a `light` that reads `MEMBARRIER` runs only a compiler fence; then the final mode
///   is `MEMBARRIER`, and every `heavy` (which decides before it acts, and acts on the
///   decided mode, never on `UNKNOWN`) runs a barrier. If the kernel refuses one, that
///   `heavy` returns `false` and its caller does not rely on it; the mode stays, since
///   a switch to `FENCES` would let a later `heavy` run a full fence and report success
///   against a `light` that still runs a compiler fence (it read `MEMBARRIER` before
///   the switch, or reads it late: a relaxed load has no deadline).
#[cfg(not(gosync_loom))]
struct Mode(crate::facade::AtomicU8);

#[cfg(not(gosync_loom))]
impl Mode {
    const fn new() -> Self {
        Mode(crate::facade::AtomicU8::new(UNKNOWN))
    }

    #[inline]
    fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    /// The mode, decided now if it was not yet (see [`Mode`] on why it never changes
    /// afterwards).
    #[cold]
    fn decide(&self, sys: &impl Sys) -> u8 {
        let cur = self.get();
        if cur != UNKNOWN {
            return cur;
        }
        // Two threads may both get here: registering is idempotent, and the first
        // answer stored is the one both use.
        let m = if !sys.forced_full() && sys.register() {
            MEMBARRIER
        } else {
            FENCES
        };
        match self
            .0
            .compare_exchange(UNKNOWN, m, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => m,
            Err(decided) => decided,
        }
    }

    #[inline]
    fn light(&self) {
        if self.get() == MEMBARRIER {
            crate::facade::compiler_fence(Ordering::SeqCst);
        } else {
            crate::facade::fence(Ordering::SeqCst);
        }
    }

    fn heavy(&self, sys: &impl Sys) -> bool {
        let mut m = self.get();
        if m == UNKNOWN {
            m = self.decide(sys);
        }
        if m == MEMBARRIER {
            if sys.barrier() {
                return true;
            }
            // Refused (a barrier the kernel accepted before). The mode stays
            // MEMBARRIER (see `Mode`): this call cannot order against a compiler-fenced
            // hot side, and says so. The full fence still orders this thread's own
            // store and load for the caller's re-check.
            crate::facade::fence(Ordering::SeqCst);
            return false;
        }
        crate::facade::fence(Ordering::SeqCst);
        true
    }
}

/// The real kernel and environment.
#[cfg(not(any(gosync_loom, miri)))]
struct Kernel;

#[cfg(not(any(gosync_loom, miri)))]
impl Sys for Kernel {
    fn forced_full(&self) -> bool {
        forced_full(std::env::var_os("GOSYNC_FENCES").as_deref())
    }
    fn register(&self) -> bool {
        sys::register()
    }
    fn barrier(&self) -> bool {
        sys::barrier()
    }
}

/// Whether a value of `GOSYNC_FENCES` forces full fences (module docs).
#[cfg(not(gosync_loom))]
fn forced_full(value: Option<&std::ffi::OsStr>) -> bool {
    let Some(value) = value else {
        return false;
    };
    match value.to_str() {
        Some("" | "auto") => false,
        Some("full") => true,
        _ => {
            eprintln!(
                "gosync: GOSYNC_FENCES={value:?} is neither `full` nor `auto`: using full fences"
            );
            true
        }
    }
}

#[cfg(all(target_os = "linux", not(any(gosync_loom, miri))))]
mod sys {
    use libc::{c_int, c_long, c_uint};

    // `enum membarrier_cmd` in <linux/membarrier.h>.
    const CMD_QUERY: c_int = 0;
    const CMD_PRIVATE_EXPEDITED: c_int = 1 << 3;
    const CMD_REGISTER_PRIVATE_EXPEDITED: c_int = 1 << 4;

    /// `membarrier(cmd, 0, 0)`; the kernel's answer (-1: refused, with `errno` set).
    fn membarrier(cmd: c_int) -> c_long {
        // SAFETY: membarrier(2) takes three scalars (cmd, flags, cpu_id) and reads or
        // writes no memory of ours; the variadic arguments have the C types it reads.
        unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as c_uint, 0 as c_int) }
    }

    /// Registers the process for expedited private barriers; `true` on success.
    pub(super) fn register() -> bool {
        let supported = membarrier(CMD_QUERY);
        let needed = c_long::from(CMD_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED);
        supported >= 0
            && supported & needed == needed
            && membarrier(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
    }

    /// One process-wide barrier; `false` if the kernel refused it (e.g. a child
    /// after `fork`, if it does not inherit the registration, and re-registering
    /// failed).
    pub(super) fn barrier() -> bool {
        membarrier(CMD_PRIVATE_EXPEDITED) == 0
            || (register() && membarrier(CMD_PRIVATE_EXPEDITED) == 0)
    }
}

#[cfg(all(not(target_os = "linux"), not(any(gosync_loom, miri))))]
mod sys {
    pub(super) fn register() -> bool {
        false
    }
    pub(super) fn barrier() -> bool {
        false
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;
    use crate::facade::{AtomicBool, AtomicUsize};

    /// A kernel that counts its calls and refuses barriers while told to.
    #[derive(Default)]
    struct Fake {
        forced_full: bool,
        no_membarrier: bool,
        refuse: AtomicBool,
        registers: AtomicUsize,
        barriers: AtomicUsize,
    }

    impl Sys for Fake {
        fn forced_full(&self) -> bool {
            self.forced_full
        }
        fn register(&self) -> bool {
            self.registers.fetch_add(1, Ordering::Relaxed);
            !self.no_membarrier
        }
        fn barrier(&self) -> bool {
            self.barriers.fetch_add(1, Ordering::Relaxed);
            !self.refuse.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn decided_once_by_the_first_decision() {
        let mode = Mode::new();
        assert_eq!(mode.get(), UNKNOWN);
        assert_eq!(mode.decide(&Fake::default()), MEMBARRIER);
        // A later decision (say, a racing thread whose registration failed) adopts it.
        let other = Fake {
            no_membarrier: true,
            ..Fake::default()
        };
        assert_eq!(mode.decide(&other), MEMBARRIER);
        assert_eq!(
            other.registers.load(Ordering::Relaxed),
            0,
            "decided already"
        );
        assert_eq!(mode.get(), MEMBARRIER);
    }

    #[test]
    fn heavy_decides_first_and_never_acts_on_unknown() {
        let (mode, kernel) = (Mode::new(), Fake::default());
        assert!(mode.heavy(&kernel));
        assert_eq!(mode.get(), MEMBARRIER);
        assert_eq!(kernel.barriers.load(Ordering::Relaxed), 1);
    }

    /// A switch to `FENCES` on a refused barrier would let a later `heavy` run a full
    /// fence and report success while hot sides that read `MEMBARRIER` still run
    /// compiler fences only: the refusal is reported instead, and the mode stays.
    #[test]
    fn a_refused_barrier_is_reported_and_the_mode_stays() {
        let (mode, kernel) = (Mode::new(), Fake::default());
        assert_eq!(mode.decide(&kernel), MEMBARRIER);
        kernel.refuse.store(true, Ordering::Relaxed);
        assert!(!mode.heavy(&kernel), "a refused barrier is no guarantee");
        assert_eq!(mode.get(), MEMBARRIER, "never leaves MEMBARRIER");
        // Still refused: still reported, and each call asks the kernel again.
        assert!(!mode.heavy(&kernel));
        assert_eq!(kernel.barriers.load(Ordering::Relaxed), 2);
        // The kernel accepts again: the guarantee is back.
        kernel.refuse.store(false, Ordering::Relaxed);
        assert!(mode.heavy(&kernel));
        assert_eq!(mode.get(), MEMBARRIER);
        mode.light();
    }

    #[test]
    fn without_membarrier_both_fences_are_full_and_never_refused() {
        let kernel = Fake {
            no_membarrier: true,
            ..Fake::default()
        };
        let mode = Mode::new();
        assert_eq!(mode.decide(&kernel), FENCES);
        assert!(mode.heavy(&kernel));
        mode.light();
        assert_eq!(kernel.barriers.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn forced_full_fences_never_register_nor_call_the_kernel() {
        let kernel = Fake {
            forced_full: true,
            ..Fake::default()
        };
        let mode = Mode::new();
        assert_eq!(mode.decide(&kernel), FENCES);
        assert!(mode.heavy(&kernel));
        assert_eq!(kernel.registers.load(Ordering::Relaxed), 0);
        assert_eq!(kernel.barriers.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn gosync_fences_values() {
        use std::ffi::OsStr;
        assert!(!forced_full(None));
        assert!(!forced_full(Some(OsStr::new(""))));
        assert!(!forced_full(Some(OsStr::new("auto"))));
        assert!(forced_full(Some(OsStr::new("full"))));
        // Anything else: the choice that is right everywhere.
        assert!(forced_full(Some(OsStr::new("fulll"))));
    }

    /// The process's own mode, as decided from the real kernel and environment (CI
    /// runs the suite once with `GOSYNC_FENCES=full`).
    #[cfg(not(miri))]
    #[test]
    fn the_process_mode_obeys_gosync_fences_and_its_barriers_work() {
        init();
        let m = MODE.get();
        assert_ne!(m, UNKNOWN, "init decides the mode");
        if Kernel.forced_full() {
            assert_eq!(m, FENCES, "GOSYNC_FENCES=full is obeyed");
        } else if cfg!(target_os = "linux") && sys::register() {
            // (The answer depends on the kernel, seccomp and Valgrind: a successful
            // registration means the fast mode.)
            assert_eq!(m, MEMBARRIER);
        }
        assert!(heavy(), "a barrier in the decided mode succeeds");
        light();
        assert_eq!(MODE.get(), m, "the mode stays");
    }
}
