#!/usr/bin/env bash
# Runs gosync's benchmark matrix against std::sync::mpsc, crossbeam-channel, flume,
# kanal and Go, and writes benches/results/{latest.md,latest.json,chart.svg}.
#
#   bash benches/run.sh            # idle machine: 5 interleaved repetitions (minutes)
#   bash benches/run.sh --load     # also with a CPU-bound busy process on every core
#   bash benches/run.sh --quick    # a smoke run (results in target/bench-quick/)
#   bash benches/run.sh --help     # every option (repetitions, filters, ...)
#
# Needs cargo and python3; Go (Debian: apt-get install -y golang-go, Go >= 1.19) for
# the Go column, which is skipped with a warning when `go` is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1; then
  echo "run.sh: go not found; the Go column will be empty (Debian: apt-get install -y golang-go)" >&2
fi
exec python3 benches/report.py "$@"
