#!/usr/bin/env python3
"""GEMM TFLOP/s against size from a clusterbench results file.

Usage: scripts/plot_gemm.py RESULTS.h5 [--run ID] [--shape square] [-o gemm.png]
One line per (device, precision) over the square sizes (x = m = n = k); with
--shape all, the transformer shapes are plotted against 2mnk instead. The run is
the latest one with a gemm table unless given. A dashed line marks each
precision's datasheet peak where the table has one (peak_flop_rate).
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from results_h5 import read_run_table, text  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--run")
    ap.add_argument("--shape", default="square", help="square (default) or all")
    ap.add_argument("-o", "--output", default="gemm.png")
    a = ap.parse_args(argv)
    run, df = read_run_table(a.results, "gemm", a.run, "no run with a gemm table in this file",
                             "no gemm table in run '{run}'")
    for c in ("device", "dtype", "shape"):
        if c in df:
            df[c] = text(df[c])
    if "skipped" in df:
        df = df[text(df["skipped"]) == ""]
    if "gpu" in df:
        df["label"] = df.apply(lambda r: r["device"] if r["gpu"] < 0 else f"GPU {r['gpu']}", axis=1)
    else:
        df["label"] = df["device"]
    if a.shape == "square":
        df = df[df.get("shape", "square") == "square"] if "shape" in df else df
        df["x"] = df["m"]
        xlabel = "size m = n = k"
    else:
        df["x"] = 2.0 * df["m"] * df["n"] * df["k"]
        xlabel = "FLOPs per GEMM (2mnk)"
    if df.empty:
        sys.exit(f"{a.results}: run {run} has no measured GEMM of shape '{a.shape}'")
    fig, ax = plt.subplots(figsize=(8, 5))
    for (label, dtype), g in df.groupby(["label", "dtype"]):
        g = g.sort_values("x")
        line = ax.plot(g["x"], g["flop_rate"] / 1e12, marker="o", label=f"{label} {dtype}")[0]
        if "peak_flop_rate" in g and g["peak_flop_rate"].notna().any():
            ax.axhline(g["peak_flop_rate"].dropna().iloc[0] / 1e12, color=line.get_color(), ls="--", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("TFLOP/s")
    ax.set_title(f"{a.results}: run {run} (dashed: datasheet peak)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(a.output)


if __name__ == "__main__":
    main()
