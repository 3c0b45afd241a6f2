#!/usr/bin/env python3
"""Calibrate on squares, predict a transformer layer: the simulator's GEMM model checked against a
workload it was not fitted on (docs/calibration.md, "Checking a profile").

1. `kernels --bench gemm --sizes S` measures square GEMMs per precision (the training data);
2. `calibrate` fits t = 2mnk / (R * k / (k + k_half)) + c per precision into a profile;
3. `kernels --model M --tp T --tokens N` measures the GEMMs of one layer of M at tensor parallelism T
   (rectangular, never seen by the fit): a GEMM-bound single-device workload;
4. `simulate --calibration P --gemm MxNxK --dtype D` predicts each of them.

Prints per GEMM the measured and predicted time and the error, then per precision the median error and
the error on the layer's total GEMM time, and writes the same as JSON (--json). Exits 1 when a
precision's median error exceeds --max-error (default 10%), 2 on a failed command.

  scripts/calibrate_check.py --cb build/default/apps/clusterbench --device host --dtype fp32 \\
      --sizes 128,256,384,512 --model llama3-70b --tp 8 --tokens 128
  scripts/calibrate_check.py --cb .../clusterbench --device cuda --dtype bf16,fp8 \\
      --sizes 1024,2048,4096,8192 --model llama3-70b --tp 8 --tokens 8192 --out DIR
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(f"calibrate_check: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr}")
        sys.exit(2)
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cb", default="build/default/apps/clusterbench", help="clusterbench binary")
    ap.add_argument("--device", default="cuda", choices=["cuda", "host"])
    ap.add_argument("--dtype", default="bf16", help="comma-separated GEMM precisions")
    ap.add_argument("--sizes", default="1024,2048,4096,8192", help="square sizes to fit on")
    ap.add_argument("--model", default="llama3-70b")
    ap.add_argument("--tp", default="8")
    ap.add_argument("--tokens", default="8192")
    ap.add_argument("--time-budget", default="1")
    ap.add_argument("--max-error", type=float, default=0.10, help="largest median relative error accepted")
    ap.add_argument("--out", default=None, help="directory for train.h5, layer.h5, profile.yaml (default: temporary)")
    ap.add_argument("--json", default=None, help="write the comparison here")
    a = ap.parse_args()

    out = a.out or tempfile.mkdtemp(prefix="calibrate-check-")
    os.makedirs(out, exist_ok=True)
    train, layer, profile = (os.path.join(out, f) for f in ("train.h5", "layer.h5", "profile.yaml"))
    common = ["kernels", "--device", a.device, "--bench", "gemm", "--dtype", a.dtype, "--time-budget", a.time_budget,
              "-q", "--format", "json"]
    run([a.cb, *common, "--sizes", a.sizes, "-o", train])
    measured = json.loads(run([a.cb, *common, "--model", a.model, "--tp", a.tp, "--tokens", a.tokens, "-o", layer]))
    fitted = json.loads(run([a.cb, "calibrate", train, "-o", profile, "--format", "json"]))

    rows = []
    for r in measured["tables"]["gemm"]["rows"]:
        if r.get("time_s") is None:  # skipped (fp8 on a chip without it): nothing to compare
            continue
        shape = f"{r['m']}x{r['n']}x{r['k']}"
        p = json.loads(run([a.cb, "simulate", "--calibration", profile, "--gemm", shape, "--dtype", r["dtype"],
                            "--format", "json"]))
        rows.append({"dtype": r["dtype"], "gemm": r["shape"], "m": r["m"], "n": r["n"], "k": r["k"],
                     "measured_s": r["time_s"], "predicted_s": p["time_s"],
                     "error": (p["time_s"] - r["time_s"]) / r["time_s"]})

    print(f"{'dtype':<6} {'gemm':<12} {'m':>6} {'n':>6} {'k':>6} {'measured':>11} {'predicted':>11} {'error':>8}")
    for r in rows:
        print(f"{r['dtype']:<6} {r['gemm']:<12} {r['m']:>6} {r['n']:>6} {r['k']:>6} {r['measured_s'] * 1e6:>9.1f}us "
              f"{r['predicted_s'] * 1e6:>9.1f}us {r['error']:>+7.1%}")
    summary = {}
    worst = 0.0
    for dt in sorted({r["dtype"] for r in rows}):
        mine = [r for r in rows if r["dtype"] == dt]
        med = statistics.median(abs(r["error"]) for r in mine)
        tm = sum(r["measured_s"] for r in mine)
        tp = sum(r["predicted_s"] for r in mine)
        summary[dt] = {"gemms": len(mine), "median_abs_error": med, "layer_measured_s": tm, "layer_predicted_s": tp,
                       "layer_error": (tp - tm) / tm}
        worst = max(worst, med)
        print(f"{dt}: {len(mine)} GEMMs, median |error| {med:.1%}; layer GEMM time measured {tm * 1e3:.3f} ms, "
              f"predicted {tp * 1e3:.3f} ms ({(tp - tm) / tm:+.1%})")
    if not rows:
        print("calibrate_check: no GEMM of the layer ran", file=sys.stderr)
        return 2
    result = {"device": fitted.get("device"), "model": a.model, "tp": int(a.tp), "tokens": int(a.tokens),
              "fit_sizes": a.sizes, "fits": fitted.get("gemm"), "rows": rows, "summary": summary,
              "max_error": a.max_error}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if worst <= a.max_error else 1


if __name__ == "__main__":
    sys.exit(main())
