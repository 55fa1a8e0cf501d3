#!/usr/bin/env bash
# Builds every example and runs each in its quick (default) mode, plus a few with
# arguments, each under a time limit: fails if any example fails (each asserts its
# own results, so a wrong answer is a failure) or hangs.
#
#   bash .ci/examples.sh              # release build (as the README's first command)
#   PROFILE=dev bash .ci/examples.sh  # debug build
#   LIMIT=60 bash .ci/examples.sh     # seconds allowed per run (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${PROFILE:-release}
LIMIT=${LIMIT:-60}
case "$PROFILE" in
  release) flags=(--release); dir=release ;;
  dev) flags=(); dir=debug ;;
  *) echo "PROFILE must be release or dev" >&2; exit 2 ;;
esac
target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target_dir/$dir/examples"

echo "--- building the examples ($PROFILE)"
cargo build "${flags[@]}" --examples --quiet

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=()
ran=0

# run NAME [ARGS...]: one example under `timeout`; its output goes to the log, and
# is shown in full if it fails.
run() {
  local name=$1
  shift
  local log="$tmp/$name.log" start=$SECONDS rc=0
  if [ ! -f "examples/$name.rs" ]; then
    # (a binary left in target/ by an earlier build must not pass for it)
    echo "FAIL  $name: there is no examples/$name.rs"
    failed+=("$name")
    return
  fi
  timeout --kill-after=5 "$LIMIT" "$bin/$name" "$@" >"$log" 2>&1 || rc=$?
  ran=$((ran + 1))
  if [ "$rc" -eq 0 ]; then
    printf 'ok    %-16s %-28s %3ss  | %s\n' "$name" "$*" $((SECONDS - start)) "$(tail -n 1 "$log")"
  else
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      echo "HUNG  $name $* (killed after ${LIMIT}s); its output:"
    else
      echo "FAIL  $name $* (exit $rc); its output:"
    fi
    sed 's/^/    /' "$log"
    failed+=("$name $*")
  fi
}

# Every example in examples/, in its quick mode: a new example is run automatically.
for src in examples/*.rs; do
  run "$(basename "$src" .rs)"
done

# A few runs with arguments, to exercise the flags people are told about.
run hello_waitgroup 64
run echo_server 16 50
run pipeline 20000 6
run worker_pool 1000 8
run rate_limited_pool 200 500 6
run deadlock locks
run deadlock send
run boids --boids 48 --frames 30 --every 30 --seed 3 --svg "$tmp/flock.svg"
if [ -e "$tmp/flock.svg" ] && head -c 4 "$tmp/flock.svg" | grep -q '<svg' &&
  tail -n 1 "$tmp/flock.svg" | grep -q '</svg>'; then
  echo "ok    boids wrote an SVG of $(wc -c <"$tmp/flock.svg") bytes"
else
  echo "FAIL  boids --svg wrote no SVG"
  failed+=("boids --svg")
fi

echo
if [ "${#failed[@]}" -ne 0 ]; then
  echo "examples: ${#failed[@]} of $ran runs failed: ${failed[*]}"
  exit 1
fi
echo "examples: all $ran runs passed"
