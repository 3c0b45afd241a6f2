"""Compare the simulator with published training runs (../shared/validation).

Each shipped scenario that reproduces a row names the row's id in its `notes`
("CSV <id>"). The published figure is turned into a step time with the
source's own FLOP convention (../shared/validation/README.md), then compared
with the simulated step time. Run directly for the table (tests/validation/test_published.py gates on it):
    CB_BIN=build/default/apps/clusterbench python3 scripts/validation_table.py
"""
import csv
import glob
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
CSV = os.environ.get("CB_VALIDATION_CSV", os.path.join(ROOT, "..", "shared", "validation", "published-training.csv"))
# A copy travels with the repository so CI on a bare checkout can run it.
if not os.path.exists(CSV):
    CSV = os.path.join(ROOT, "tests", "validation", "published-training.csv")

PEAK = {"A100": 312e12, "H100": 989e12}


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def published_step_time(row):
    """Step time (s) implied by the row's metric, or (None, reason)."""
    metric, value, notes = row["metric"], row["value"].strip(), row["notes"]
    B, s = num(row["global_batch_seqs"]), num(row["seq"])
    L, h, V = num(row["layers"]), num(row["hidden"]), num(row["vocab"])
    gpus = num(row["gpus"])
    peak = PEAK["A100"] if "A100" in row["gpu"] else PEAK["H100"]
    m = re.search(r"([\d.]+)\s*s/iteration", notes)
    if "iteration time" in metric:
        return float(value), "iteration time"
    if m:
        return float(m.group(1)), "logged s/iteration"
    m = re.search(r"([\d.]+)\s*tokens/s/GPU", notes)
    if m:
        return B * s / (float(m.group(1)) * gpus), "tokens/s/GPU"
    if None in (B, s, L, h, V, gpus):
        return None, "shape or batch not stated"
    if "incl. recompute" in metric or "96Bslh" in metric:
        flops = 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h))
        return flops / (float(value) * 1e12 * gpus), "96Bslh^2 TFLOP/s"
    if "MFU" in metric:
        mfu = float(value.rstrip("%")) / 100
        flops = 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
        return flops / (mfu * peak * gpus), "72Bslh^2 MFU"
    if "TFLOP/s" in metric:
        flops = 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
        return flops / (float(value) * 1e12 * gpus), "72Bslh^2 model TFLOP/s"
    return None, f"metric not understood: {metric}"


def scenarios_by_row():
    out = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "configs", "scenarios", "*.yaml"))):
        text = open(f).read()
        m = re.search(r'^notes:\s*"?CSV\s+([A-Za-z0-9.\-]+)', text, re.M)
        if m:
            out[m.group(1).rstrip(":")] = f
    return out


def simulate(cb_bin, scenario):
    p = subprocess.run([cb_bin, "simulate", scenario, "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr else f"exit {p.returncode}"
    return json.loads(p.stdout), None


def compare(cb_bin):
    rows = list(csv.DictReader(open(CSV)))
    scen = scenarios_by_row()
    results, skipped = [], []
    for row in rows:
        rid = row["id"]
        pub, how = published_step_time(row)
        if pub is None:
            skipped.append((rid, how))
            continue
        if rid not in scen:
            skipped.append((rid, "no scenario reproduces this row (layout not stated)"))
            continue
        out, err = simulate(cb_bin, scen[rid])
        if out is None:
            skipped.append((rid, f"simulation failed: {err}"))
            continue
        sim = out["step_time_s"]
        results.append((rid, pub, sim, (sim - pub) / pub, how, os.path.basename(scen[rid])))
    return results, skipped


def main():
    cb_bin = os.environ.get("CB_BIN", os.path.join(ROOT, "build", "default", "apps", "clusterbench"))
    results, skipped = compare(cb_bin)
    print(f"{'id':<28} {'published s':>12} {'simulated s':>12} {'error':>8}  convention")
    for rid, pub, sim, err, how, _ in results:
        print(f"{rid:<28} {pub:>12.3f} {sim:>12.3f} {100*err:>7.1f}%  {how}")
    errs = [abs(r[3]) for r in results]
    if errs:
        print(f"\n{len(results)} rows: median |error| {100*statistics.median(errs):.1f}%, "
              f"mean {100*statistics.mean(errs):.1f}%, max {100*max(errs):.1f}%")
    for rid, why in skipped:
        print(f"not compared: {rid}: {why}")
    return results, skipped


if __name__ == "__main__":
    main()
