#!/usr/bin/env python3
"""Verdicts of the GPU checks (scripts/gpu/check.sh): reads the JSON and logs a stage left in DIR and
prints one line per target, PASS/FAIL/INFO. A missing or unreadable result is a FAIL, never silence.

  scripts/gpu/verdicts.py kernels|comm DIR

Targets (issues 4, 5, 8): bf16 GEMM 8192^3 >= 760 TFLOP/s and >= 97% of the exhaustive cuBLASLt search;
HBM copy >= 4.2 TB/s (H200); fp32 FMA >= 90% of SMs x 128 x 2 x clock; NCCL every op exact; the tool's
NCCL bandwidth >= 98% of a bare ncclAllReduce loop; the calibrated GEMM model within 10% median error on
a llama3-70b layer. Exit 1 when any line is a FAIL.
"""
import json
import os
import sys

LINES = []


def say(text):
    LINES.append(text)
    print(text)


def verdict(ok, text):
    say(("PASS " if ok else "FAIL ") + text)


def pct(v):
    return "n/a" if v is None else f"{v:.1f}%"


def load(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except Exception as e:  # a step that crashed, timed out or printed an error instead of JSON
        say(f"FAIL {name}: unreadable ({e})")
        return {}


def kernels(out):
    # `kernels --format json` is the run's tables as -o stores them: SI units (FLOP/s, B/s), a row verified
    # when its check compared elements and found none wrong.
    def rows(name, table):
        return load(out, name).get("tables", {}).get(table, {}).get("rows", [])

    def verified(r):
        return r.get("wrong") == 0 and (r.get("checked") is None or r["checked"] > 0)

    def tflops(r):
        return (r.get("flop_rate") or 0) / 1e12

    g = [r for r in rows("bf16_8192_heuristic.json", "gemm") if r.get("flop_rate")]
    ex = [r for r in rows("bf16_8192_exhaustive.json", "gemm") if r.get("flop_rate")]
    if not g:
        say("FAIL bf16 8192^3 heuristic search: no result (see runs.log)")
    else:
        t = tflops(g[0])
        verdict(t >= 760 and verified(g[0]), f"bf16 8192^3: {t:.1f} TFLOP/s (target >= 760), {pct(g[0].get('pct_of_peak'))} of datasheet, verified {verified(g[0])}")
        if not ex:
            say("FAIL bf16 8192^3 exhaustive search: no result (see runs.log)")
        else:
            e = ex[0]
            how = ", ".join(f"{k} {e[k]}" for k in ("best_source", "best_config", "algos_tried", "configs_enumerated", "search_capped") if e.get(k) not in (None, ""))
            verdict(verified(e) and t >= 0.97 * tflops(e),
                    f"bf16 8192^3 heuristic search {t:.1f} vs exhaustive {tflops(e):.1f} TFLOP/s = {100 * t / tflops(e):.1f}% (target >= 97%; {how})")
    copy = [r for r in rows("stream_4g.json", "memory") if r["benchmark"] == "copy" and r.get("bandwidth")]
    if not copy:
        say("FAIL HBM copy: no result (see runs.log)")
    else:
        gbps = copy[0]["bandwidth"] / 1e9
        verdict(gbps >= 4200 and verified(copy[0]), f"HBM copy: {gbps:.0f} GB/s (target >= 4200 on an H200), {pct(copy[0].get('pct_of_peak'))} of datasheet")
    peaks = rows("peak.json", "peak")
    if not any(r["benchmark"] == "fma" and r["dtype"] == "fp32" and not r.get("skipped") for r in peaks):
        say("FAIL fp32 FMA: no result (see runs.log)")
    for r in peaks:
        if r.get("skipped"):
            say(f"INFO peak {r['benchmark']} {r['dtype']}: skipped ({r['skipped']})")
        elif r["benchmark"] == "fma" and r["dtype"] == "fp32":
            c = r.get("pct_of_clock_peak")
            verdict(c is not None and c >= 90 and verified(r), f"fp32 FMA: {tflops(r):.1f} TFLOP/s = {pct(c)} of SMs x 128 x 2 x {(r.get('clock_hz') or 0) / 1e6:.0f} MHz (target >= 90%)")
        else:
            say(f"INFO peak {r['benchmark']} {r['dtype']}: {tflops(r):.1f} TFLOP/s, {pct(r.get('pct_of_clock_peak'))} of clock peak, {pct(r.get('pct_of_peak'))} of datasheet, verified {verified(r)}")


def comm(out):
    # `collectives --format json`: the run's tables as --output stores them (SI units), with the run's `wrong` total.
    def rows(doc):
        return doc.get("tables", {}).get("collectives", {}).get("rows", [])

    a = load(out, "nccl_all.json")
    if a:
        verdict(a.get("wrong", 1) == 0 and bool(rows(a)), f"nccl -g 1 every op 8 B..1 GiB: {len(rows(a))} rows, {a.get('wrong')} wrong")
        big = [r for r in rows(a) if r.get("op") == "all_reduce" and not r.get("in_place")]
        if big:
            r = max(big, key=lambda r: r["size"])
            say(f"INFO nccl all_reduce {r['size']} B on 1 GPU: {r['time'] * 1e6:.1f} us, algbw {r['algbw'] / 1e9:.1f} GB/s")
    s = load(out, "nccl_split.json")
    if s:
        verdict(s.get("wrong", 1) == 0 and bool(rows(s)), f"nccl --split MOD:1 -g 1: {len(rows(s))} rows, {s.get('wrong')} wrong")
    try:
        # Rows: size iters bare(us) tool(us) bare_bw tool_bw tool/bare (bandwidth ratio; target >= 0.98).
        rows = [line.split() for line in open(os.path.join(out, "nccl_vs_bare.log"))]
        rows = [f for f in rows if len(f) == 7 and f[0].isdigit()]
        if not rows:
            say("FAIL nccl_vs_bare: no result rows (see runs.log)")
        for f in rows:
            verdict(float(f[6]) >= 0.98, f"nccl_vs_bare 1 GPU {f[0]} B: tool {f[5]} vs bare {f[4]} GB/s, ratio {f[6]} (target >= 0.98)")
    except OSError:
        say("FAIL nccl_vs_bare: no output")
    c = load(out, "calibration.json")
    if not c.get("summary"):
        say("FAIL calibration: no summary (see runs.log)")
    for dt, v in (c.get("summary") or {}).items():
        verdict(v["median_abs_error"] <= c.get("max_error", 0.1), f"calibrated {dt} GEMM model on llama3-70b TP8 layer: median |error| {100 * v['median_abs_error']:.1f}%, layer total {100 * v['layer_error']:+.1f}% (target median <= 10%)")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("kernels", "comm"):
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    try:
        {"kernels": kernels, "comm": comm}[sys.argv[1]](sys.argv[2])
    except Exception as e:  # a result of an unexpected shape: say so as a FAIL, never a silent pass
        say(f"FAIL verdicts.py could not judge the {sys.argv[1]} stage: {type(e).__name__}: {e}")
        return 2
    return 1 if any(line.startswith("FAIL") for line in LINES) else 0


if __name__ == "__main__":
    sys.exit(main())
