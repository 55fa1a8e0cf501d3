#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target in fuzz/ for SECONDS (default 30) each, starting from
# the committed seed corpus. Installs cargo-fuzz if missing; exits non-zero if any
# target finds a failure (the input is saved under fuzz/artifacts/<target>/).
# Usage: .ci/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
secs="${1:-30}"

t0=$SECONDS
rustc +nightly --version
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install --locked cargo-fuzz --version '^0.13'
fi
echo "fuzz: $(cargo fuzz --version) ready in $((SECONDS - t0)) s"

t1=$SECONDS
fuzz/run.sh "$secs"
echo "fuzz: every target passed in $((SECONDS - t1)) s (total $((SECONDS - t0)) s)"
