#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target for SECONDS (default 30) each, starting from the
# committed seed corpus (fuzz/corpus/<target>/, left unchanged: new inputs go to a
# scratch directory). Exits non-zero if any target finds a failure (a panic, a
# sanitizer report, a leak, or an input running over 10 s, i.e. a hang); the failing
# input is saved under fuzz/artifacts/<target>/.
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`);
# .ci/fuzz.sh installs both and then calls this script.
set -uo pipefail
secs=${1:-30}
cd "$(dirname "$0")"

echo "fuzz: building the targets (cargo +nightly fuzz build)"
t0=$SECONDS
build_log=$(mktemp)
if ! cargo +nightly fuzz build >"$build_log" 2>&1; then
    cat "$build_log"
    exit 1
fi
rm -f "$build_log"
echo "fuzz: built in $((SECONDS - t0)) s"

status=0
for target in $(cargo +nightly fuzz list); do
    scratch=$(mktemp -d)
    log="$scratch/log"
    mkdir "$scratch/corpus"
    t0=$SECONDS
    if cargo +nightly fuzz run "$target" "$scratch/corpus" "corpus/$target" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        runs=$(grep -Eo '^Done [0-9]+ runs' "$log" | awk '{print $2}')
        cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
        echo "fuzz $target: ok, ${runs:-?} executions in $((SECONDS - t0)) s (${cov:-no stats})"
    else
        echo "fuzz $target: FAILED after $((SECONDS - t0)) s; the end of its log:"
        tail -n 80 "$log"
        ls -1 "artifacts/$target" 2>/dev/null | sed "s|^|  artifact: fuzz/artifacts/$target/|"
        status=1
    fi
    rm -rf "$scratch"
done
exit $status
