#!/usr/bin/env python3
"""Runs gosync's benchmark matrix against its Rust peers and Go, and reports it.

    python3 benches/report.py [--quick] [--load] [--reps N] [--budget-ms MS]
                              [--filter SUBSTR]... [--no-go] [--out DIR]
    python3 benches/report.py --from-json benches/results/latest.json   # re-render only

Each repetition runs the Rust runner (benches/src/bin/matrix.rs: every cell, the
contenders of a cell back to back in an order rotated per repetition) and the Go
program (benches/go), alternating which goes first. Figures are ns per message;
the table gives the median over repetitions and the spread (min-max); ratios are
quotients of medians. `--load` runs everything twice: on an idle machine, then with
one CPU-bound busy process per core.

Writes DIR/latest.md (the table), DIR/chart.svg (and DIR/chart-load.svg with
--load), DIR/latest.json (every sample, with the machine), and prints the table.
Python 3 standard library only.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from html import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUST = ["gosync", "std", "crossbeam", "flume", "kanal"]
CONTENDERS = RUST + ["go"]
LABEL = {
    "gosync": "gosync",
    "std": "std::sync::mpsc",
    "crossbeam": "crossbeam-channel",
    "flume": "flume",
    "kanal": "kanal",
    "go": "Go",
}
CAPS = ["0", "1", "large", "unbounded"]
CAP_TITLE = {
    "0": "rendezvous (cap 0)",
    "1": "capacity 1",
    "large": "large capacity (100 000)",
    "unbounded": "unbounded",
}
MATRIX_CASES = ["seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"]
MICRO_CASES = [
    "try_recv_empty",
    "try_recv_closed",
    "try_recv_shared",
    "uncontended",
    "ping_pong",
    "sem",
    "select_timer",
]
# Targets (issue 5): gosync / best Rust peer <= 1 on every matrix cell; gosync / std <= 0.5
# on rendezvous and capacity-1 cells; gosync / Go <= 2 on select_both rendezvous.
TARGET_PEER = 1.0
TARGET_STD = 0.5
TARGET_GO = 2.0


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, cwd=ROOT):
    try:
        return subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


# ---------------------------------------------------------------------------- machine


def machine_info():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    versions = {}
    try:
        with open(os.path.join(ROOT, "Cargo.lock")) as f:
            lock = f.read()
        for name in ["crossbeam-channel", "flume", "kanal", "criterion"]:
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), lock)
            if m:
                versions[name] = m.group(1)
    except OSError:
        pass
    commit = sh(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    if sh(["git", "status", "--porcelain", "--", "src", "Cargo.toml"]):
        commit += "+dirty"
    return {
        "cpus": cpus,
        "cpu": cpu,
        "os": "%s %s" % (platform.system(), platform.release()),
        "rustc": sh(["rustc", "--version"]) or "rustc: unknown",
        "go": sh(["go", "version"]) or "go: not installed",
        "crates": versions,
        "gosync": commit,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


# ---------------------------------------------------------------------------- running


def build_rust():
    log("building the Rust runner (cargo build --release -p gosync-benches --bin matrix)")
    p = subprocess.run(
        [
            "cargo",
            "build",
            "--release",
            "-p",
            "gosync-benches",
            "--bin",
            "matrix",
            "--message-format=json-render-diagnostics",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if p.returncode != 0:
        sys.exit("report.py: cargo build failed")
    exe = None
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            if msg["target"]["name"] == "matrix":
                exe = msg["executable"]
    if not exe:
        sys.exit("report.py: cargo did not report the matrix executable")
    return exe


def build_go(tmp):
    if not shutil.which("go"):
        log("go not found: the Go column is skipped (Debian: apt-get install -y golang-go)")
        return None
    exe = os.path.join(tmp, "gobench")
    log("building the Go program (go build in benches/go)")
    env = dict(os.environ, GOFLAGS="-mod=mod", GO111MODULE="on")
    p = subprocess.run(["go", "build", "-o", exe, "."], cwd=os.path.join(ROOT, "benches", "go"), env=env)
    if p.returncode != 0:
        sys.exit("report.py: go build failed")
    return exe


def parse_lines(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def run_rust(exe, rep, a):
    """One repetition of the Rust runner; a hung cell is recorded and skipped."""
    recs, after = [], None
    while True:
        cmd = [exe, "--rep", str(rep), "--budget-ms", str(a.budget_ms), "--warmup", str(a.warmup),
               "--scale", str(a.scale), "--cell-timeout-s", str(a.cell_timeout_s)]
        for f in a.filter:
            cmd += ["--filter", f]
        if after:
            cmd += ["--after", after]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        got = parse_lines(p.stdout)
        recs += got
        if p.returncode == 3 and got and got[-1].get("hung"):
            h = got[-1]
            after = "%s/%s/%s" % (h["case"], h["cap"], h["contender"])
            log("  %s hung: skipped in this repetition" % after)
            continue
        if p.returncode != 0:
            sys.exit("report.py: the Rust runner failed (exit %d)" % p.returncode)
        return recs


def run_go(exe, rep, a):
    cmd = [exe, "-rep", str(rep), "-budget-ms", str(a.budget_ms), "-warmup", str(a.warmup),
           "-scale", str(a.scale)]
    if a.filter:
        # The Go ids end in "/go"; a filter naming a Rust contender selects no Go cell.
        cmd += ["-filter", ",".join(a.filter)]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=a.cell_timeout_s * 40)
    except subprocess.TimeoutExpired:
        log("  the Go program timed out: no Go figures in this repetition")
        return []
    if p.returncode != 0:
        sys.exit("report.py: the Go program failed (exit %d)" % p.returncode)
    return parse_lines(p.stdout)


# A busy loop that ends by itself soon after its parent (this script) is gone.
BUSY = """
import os
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(200000):
        pass
"""


class Load:
    """One CPU-bound busy process per core, for the duration of a `with`."""

    def __init__(self, n):
        self.n, self.procs = n, []

    def __enter__(self):
        for _ in range(self.n):
            self.procs.append(subprocess.Popen([sys.executable, "-c", BUSY]))
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait()


def run_condition(name, rust_exe, go_exe, a):
    samples = []
    for rep in range(a.reps):
        order = [("rust", rust_exe), ("go", go_exe)]
        if rep % 2:
            order.reverse()
        for kind, exe in order:
            if not exe:
                continue
            log("[%s] repetition %d/%d: %s" % (name, rep + 1, a.reps, kind))
            recs = run_rust(exe, rep, a) if kind == "rust" else run_go(exe, rep, a)
            for r in recs:
                r["rep"] = rep
            samples += recs
    return samples


# ---------------------------------------------------------------------------- analysis


def aggregate(samples):
    """{(suite, case, cap): {contender: [ns...]}}, hung cells as float('inf')."""
    cells = {}
    for s in samples:
        suite = s.get("suite") or ("go" if s["case"] in MICRO_CASES else "matrix")
        key = (suite, s["case"], s["cap"])
        v = float("inf") if s.get("hung") else s["ns_per_msg"]
        cells.setdefault(key, {}).setdefault(s["contender"], []).append(v)
    return cells


def cell_order(keys):
    def rank(k):
        suite, case, cap = k
        if suite == "matrix":
            return (0, CAPS.index(cap) if cap in CAPS else 9, MATRIX_CASES.index(case) if case in MATRIX_CASES else 99)
        return (1, MICRO_CASES.index(case) if case in MICRO_CASES else 99, 0)

    return sorted(keys, key=rank)


def med(vals):
    return statistics.median(vals) if vals else None


def analyse(cells):
    """Per cell: medians, spreads, the best Rust peer and the ratios (with target checks)."""
    rows = []
    for key in cell_order(cells):
        suite, case, cap = key
        by = cells[key]
        m = {c: med(v) for c, v in by.items()}
        spread = {c: (min(v), max(v)) for c, v in by.items()}
        g = m.get("gosync")
        peers = [(m[c], c) for c in RUST[1:] if m.get(c) is not None]
        best = min(peers) if peers else None
        row = {"key": key, "median": m, "spread": spread, "best": best, "n": {c: len(v) for c, v in by.items()}}
        matrix = suite == "matrix"
        if g is not None and best is not None:
            r = g / best[0]
            row["r_peer"] = (r, best[1], (r <= TARGET_PEER) if matrix else None)
        if g is not None and m.get("std") is not None:
            r = g / m["std"]
            row["r_std"] = (r, "std", (r <= TARGET_STD) if matrix and cap in ("0", "1") else None)
        if g is not None and m.get("go") is not None:
            r = g / m["go"]
            row["r_go"] = (r, "go", (r <= TARGET_GO) if (case, cap) == ("select_both", "0") else None)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- Markdown


def fmt_ns(v):
    if v is None:
        return "—"
    if v == float("inf"):
        return "hung"
    if v < 10:
        return "%.1f" % v
    if v < 100000:
        return "%.0f" % v
    if v < 1e6:
        return "%.0fk" % (v / 1e3)
    return "%.1fM" % (v / 1e6)


def fmt_ratio(t):
    if not t:
        return "—"
    r, _, ok = t
    if r == float("inf") or r != r:
        s = "∞"
    else:
        s = "%.2f" % r
    if ok is None:
        return s
    return ("%s ✓" % s) if ok else ("**%s** ✗" % s)


def cell_name(key):
    suite, case, cap = key
    if suite == "matrix":
        return "%s · %s" % (case, cap)
    return "%s · %s" % (case, cap)


def markdown(meta, results, a):
    out = []
    mi = meta["machine"]
    crates = ", ".join("%s %s" % kv for kv in sorted(mi["crates"].items()))
    out.append("Machine: %d CPUs, %s, %s. %s; %s; %s; gosync %s. %s." % (
        mi["cpus"], mi["cpu"], mi["os"], mi["rustc"], mi["go"], crates, mi["gosync"], mi["date"]))
    out.append("")
    out.append(
        "%d repetitions (%s), contenders of a cell run back to back in a rotated order, Rust and Go "
        "runs alternating; each figure is the median ns per message, with the min–max over the "
        "repetitions in brackets. Ratios are quotients of medians; ✓ / ✗ mark the targets "
        "(gosync ÷ best Rust peer ≤ %.1f on the matrix, ÷ std ≤ %.1f at capacity 0 and 1, "
        "÷ Go ≤ %.1f on select_both · 0). — : the contender has no such case."
        % (meta["reps"], ("quick, %g × the messages" % meta.get("scale", 1)) if meta["quick"] else
           "at least %d ms of timed iterations a cell%s" % (
               meta["budget_ms"], "" if meta.get("scale", 1) == 1 else ", %g × the messages" % meta["scale"]),
           TARGET_PEER, TARGET_STD, TARGET_GO))
    for cond, rows in results:
        out.append("")
        out.append("### %s" % ("Idle machine" if cond == "idle" else
                               "Loaded machine (one CPU-bound busy process per core)"))
        out.append("")
        present = [c for c in CONTENDERS if any(c in r["median"] for r in rows)]
        hdr = ["cell"] + [LABEL[c] for c in present] + ["gosync ÷ best Rust peer", "gosync ÷ std", "gosync ÷ Go"]
        out.append("| " + " | ".join(hdr) + " |")
        out.append("|" + "|".join(["---"] + ["--:"] * (len(hdr) - 1)) + "|")
        last_suite = None
        for r in rows:
            if last_suite == "matrix" and r["key"][0] != "matrix":
                out.append("| *Go's microbenchmarks* |" + " |" * (len(hdr) - 1))
            last_suite = r["key"][0]
            vals = []
            for c in present:
                v = r["median"].get(c)
                if v is None:
                    vals.append("—")
                    continue
                lo, hi = r["spread"][c]
                s = fmt_ns(v)
                if r["n"][c] > 1 and v != float("inf"):
                    s += " (%s–%s)" % (fmt_ns(lo), fmt_ns(hi))
                vals.append("**%s**" % s if c == "gosync" else s)
            peer = r.get("r_peer")
            ptxt = fmt_ratio(peer) + (" (%s)" % peer[1] if peer else "")
            out.append("| " + " | ".join([cell_name(r["key"])] + vals + [ptxt, fmt_ratio(r.get("r_std")),
                                                                           fmt_ratio(r.get("r_go"))]) + " |")
        misses = []
        for r in rows:
            for k, what, lim in (("r_peer", "best Rust peer", TARGET_PEER), ("r_std", "std", TARGET_STD),
                                 ("r_go", "Go", TARGET_GO)):
                t = r.get(k)
                if t and t[2] is False:
                    misses.append("%s: gosync ÷ %s%s = %.2f (target ≤ %.1f)" % (
                        cell_name(r["key"]), what, " (%s)" % t[1] if k == "r_peer" else "", t[0], lim))
        missing = [cell_name(r["key"]) for r in rows if r["key"][0] == "matrix" and "gosync" not in r["median"]]
        out.append("")
        if misses:
            out.append("Cells that miss a target (%s): %s." % (cond, "; ".join(misses)))
        else:
            out.append("Every measured cell meets its target (%s)." % cond)
        if missing:
            out.append("")
            out.append("Matrix cells with no gosync figure yet: %s." % ", ".join(missing))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- SVG

COLOR = {
    "gosync": "#e8590c",
    "std": "#adb5bd",
    "crossbeam": "#74c0fc",
    "flume": "#b197fc",
    "kanal": "#8ce99a",
    "go": "#3bc9db",
}


def svg_chart(rows, title, subtitle):
    import math

    vals = [v for r in rows for v in r["median"].values() if v and v != float("inf")]
    if not vals:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no data</text></svg>'
    lo = 10 ** math.floor(math.log10(min(vals)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    if hi <= lo:
        hi = lo * 10
    W, PH, TOP, GAP = 1120, 250, 92, 40
    PW = (W - 60) // 2
    panels = []
    for cap in CAPS:
        pr = [r for r in rows if r["key"][0] == "matrix" and r["key"][2] == cap]
        if pr:
            panels.append((CAP_TITLE[cap], pr, PW))
    micro = [r for r in rows if r["key"][0] != "matrix"]
    if micro:
        panels.append(("Go's channel microbenchmarks", micro, W - 40))
    # Lay panels out two to a row (a full-width panel takes a row).
    layout, x, y = [], 20, TOP
    for t, pr, w in panels:
        if x + w > W - 20 + 1:
            x, y = 20, y + PH + GAP
        layout.append((t, pr, x, y, w))
        x += w + 20
    H = y + PH + GAP + 10
    s = []
    s.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="Helvetica, Arial, sans-serif">' % (W, H, W, H))
    s.append('<rect width="100%" height="100%" fill="white"/>')
    s.append('<text x="20" y="28" font-size="18" font-weight="bold">%s</text>' % escape(title))
    s.append('<text x="20" y="48" font-size="12" fill="#495057">%s</text>' % escape(subtitle))
    present = [c for c in CONTENDERS if any(c in r["median"] for r in rows)]
    lx = 20
    for c in present:
        stroke = ' stroke="#000" stroke-width="1"' if c == "gosync" else ""
        s.append('<rect x="%d" y="60" width="14" height="14" fill="%s"%s/>' % (lx, COLOR[c], stroke))
        s.append('<text x="%d" y="72" font-size="13"%s>%s</text>' % (
            lx + 19, ' font-weight="bold"' if c == "gosync" else "", escape(LABEL[c])))
        lx += 30 + 8 * len(LABEL[c])
    s.append('<text x="%d" y="72" font-size="12" fill="#495057">×r = gosync ÷ best Rust peer '
             '(green ≤ 1, red &gt; 1)</text>' % (lx + 10))
    ldec = math.log10(hi / lo)
    for t, pr, px, py, pw in layout:
        ax, aw = px + 48, pw - 56          # plot area
        ay, ah = py + 26, PH - 72
        s.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>' % (px, py + 14, escape(t)))

        def yof(v):
            return ay + ah - ah * math.log10(v / lo) / ldec

        d = lo
        while d <= hi * 1.0001:
            yy = yof(d)
            s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dee2e6"/>' % (ax, yy, ax + aw, yy))
            lab = ("%g ns" % d) if d < 1000 else ("%g µs" % (d / 1000)) if d < 1e6 else ("%g ms" % (d / 1e6))
            s.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="#495057">%s</text>' % (
                ax - 4, yy + 3, lab))
            d *= 10
        s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#495057"/>' % (ax, ay + ah, ax + aw, ay + ah))
        gw = aw / len(pr)
        for i, r in enumerate(pr):
            gx = ax + i * gw
            cs = [c for c in CONTENDERS if c in r["median"]]
            bw = min(16.0, (gw - 10) / max(1, len(cs)))
            bx = gx + (gw - bw * len(cs)) / 2
            for j, c in enumerate(cs):
                v = r["median"][c]
                x0 = bx + j * bw
                if v == float("inf"):
                    s.append('<text x="%.1f" y="%d" font-size="9" fill="#c92a2a">hung</text>' % (x0, ay + 10))
                    continue
                yy = yof(max(v, lo))
                stroke = ' stroke="#000" stroke-width="1"' if c == "gosync" else ""
                s.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s>'
                         '<title>%s %s: %s ns/msg</title></rect>' % (
                             x0 + 1, yy, bw - 2, ay + ah - yy, COLOR[c], stroke, LABEL[c],
                             escape(cell_name(r["key"])), fmt_ns(v)))
            case = r["key"][1] if r["key"][0] == "matrix" else "%s" % r["key"][1]
            s.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>' % (
                gx + gw / 2, ay + ah + 14, escape(case)))
            rp = r.get("r_peer")
            if "gosync" not in r["median"]:
                s.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle" fill="#868e96">'
                         'no gosync yet</text>' % (gx + gw / 2, ay + ah + 28))
            elif rp:
                ok = rp[0] <= 1.0
                s.append('<text x="%.1f" y="%d" font-size="11" font-weight="bold" text-anchor="middle" '
                         'fill="%s">×%s</text>' % (gx + gw / 2, ay + ah + 28, "#2b8a3e" if ok else "#c92a2a",
                                                   "∞" if rp[0] == float("inf") else "%.2f" % rp[0]))
    s.append("</svg>")
    return "\n".join(s) + "\n"


# ---------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short smoke run: 2 repetitions, one iteration a cell")
    ap.add_argument("--load", action="store_true", help="also run with a CPU-bound busy process on every core")
    ap.add_argument("--reps", type=int, help="repetitions (default 5; 2 with --quick)")
    ap.add_argument("--budget-ms", type=int, help="timed iterations per cell run until this (default 100; 0 with --quick)")
    ap.add_argument("--warmup", type=int, help="untimed iterations (a tenth of the messages) per cell (default 1)")
    ap.add_argument("--scale", type=float, help="messages per iteration, times the default (0 < F <= 1; "
                    "default 1; 0.25 with --quick)")
    ap.add_argument("--filter", action="append", default=[], help="run only cells whose case/cap/contender id contains this")
    ap.add_argument("--no-go", action="store_true", help="skip the Go program")
    ap.add_argument("--cell-timeout-s", type=int, default=120, help="a cell running longer is recorded as hung")
    ap.add_argument("--out", help="output directory (default benches/results; target/bench-quick with --quick)")
    ap.add_argument("--from-json", help="re-render the table and chart from a latest.json; run nothing")
    ap.add_argument("--readme", help="also put the table into this file, between the lines "
                    "<!-- bench-table:start --> and <!-- bench-table:end -->")
    a = ap.parse_args()
    if a.reps is None:
        a.reps = 2 if a.quick else 5
    if a.budget_ms is None:
        a.budget_ms = 0 if a.quick else 100
    if a.warmup is None:
        a.warmup = 1
    if a.scale is None:
        a.scale = 0.25 if a.quick else 1.0
    if not 0 < a.scale <= 1:
        ap.error("--scale must be in (0, 1]")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("report.py: terminated"))
    if a.out is None:
        a.out = os.path.join(ROOT, "target", "bench-quick") if a.quick else os.path.join(ROOT, "benches", "results")

    if a.from_json:
        with open(a.from_json) as f:
            data = json.load(f)
        meta, conditions = data["meta"], data["conditions"]
    else:
        meta = {"machine": machine_info(), "reps": a.reps, "budget_ms": a.budget_ms, "quick": a.quick,
                "warmup": a.warmup, "scale": a.scale, "filter": a.filter}
        os.makedirs(a.out, exist_ok=True)
        conditions = {}

        def save():  # after each condition, so that an interrupted run keeps what it measured
            with open(os.path.join(a.out, "latest.json"), "w") as f:
                json.dump({"meta": meta, "conditions": conditions}, f, indent=1)

        tmp = tempfile.mkdtemp(prefix="gosync-bench-")
        try:
            rust_exe = build_rust()
            go_exe = None if a.no_go else build_go(tmp)
            t0 = time.time()
            conditions["idle"] = run_condition("idle", rust_exe, go_exe, a)
            save()
            if a.load:
                with Load(meta["machine"]["cpus"]):
                    conditions["load"] = run_condition("load", rust_exe, go_exe, a)
                save()
            meta["run_s"] = round(time.time() - t0)
            save()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    results = [(cond, analyse(aggregate(conditions[cond]))) for cond in ("idle", "load") if cond in conditions]
    md = markdown(meta, results, a)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write(md)
    mi = meta["machine"]
    sub = "ns per message, log scale, lower is better · median of %d runs · %d CPUs, %s · %s · gosync %s" % (
        meta["reps"], mi["cpus"], mi["cpu"], mi["date"], mi["gosync"])
    for cond, rows in results:
        name = "chart.svg" if cond == "idle" else "chart-load.svg"
        title = "gosync against its peers" + ("" if cond == "idle" else ", every core busy with a background load")
        with open(os.path.join(a.out, name), "w") as f:
            f.write(svg_chart(rows, title, sub))
    if a.readme:
        with open(a.readme) as f:
            text = f.read()
        start, end = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            sys.exit("report.py: %s has no %s ... %s block" % (a.readme, start, end))
        with open(a.readme, "w") as f:
            f.write(text[: i + len(start)] + "\n" + md + text[j:])
        log("updated the table in %s" % a.readme)
    print(md)
    log("wrote %s/latest.md, latest.json and the chart%s" % (a.out, "s" if len(results) > 1 else ""))


if __name__ == "__main__":
    main()
