#!/usr/bin/env bash
# gosync's unit and integration tests under AddressSanitizer (with LeakSanitizer) and
# ThreadSanitizer, on nightly. TSan needs `-Zbuild-std` (an uninstrumented std gives
# false reports); ASan works without. `--target` keeps build scripts and proc-macros
# uninstrumented. No suppressions. Installs the nightly components it needs; exits
# non-zero on any report or failing test. Usage: .ci/sanitizers.sh [asan|tsan]...
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0 RUST_BACKTRACE=1
T=x86_64-unknown-linux-gnu
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(asan tsan)

t0=$SECONDS
rustup component add --toolchain nightly rust-src
echo "sanitizers: toolchain ready in $((SECONDS - t0)) s ($(rustc +nightly --version))"

for s in "${which[@]}"; do
    t1=$SECONDS
    case "$s" in
    asan)
        # LeakSanitizer runs at each test binary's exit and fails it on a leak.
        # allocator_may_return_null: an impossible allocation (the tests of
        # `bounded(huge)` panicking with a message) fails as it does without ASan,
        # instead of ASan aborting the process.
        export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:allocator_may_return_null=1"
        echo "asan: RUSTFLAGS=\"-Zsanitizer=address\" cargo +nightly test -p gosync --target $T --lib --tests"
        RUSTFLAGS="-Zsanitizer=address" \
            cargo +nightly test -p gosync --target "$T" --target-dir target/asan --lib --tests
        ;;
    tsan)
        export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 allocator_may_return_null=1"
        echo "tsan: RUSTFLAGS=\"-Zsanitizer=thread\" cargo +nightly test -p gosync -Zbuild-std --target $T --lib --tests"
        RUSTFLAGS="-Zsanitizer=thread" \
            cargo +nightly test -p gosync -Zbuild-std --target "$T" --target-dir target/tsan --lib --tests
        ;;
    *)
        echo "unknown sanitizer '$s' (asan or tsan)" >&2
        exit 2
        ;;
    esac
    echo "$s: tests passed with no report in $((SECONDS - t1)) s"
done
echo "sanitizers: total $((SECONDS - t0)) s"
