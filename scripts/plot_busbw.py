#!/usr/bin/env python3
"""Bus bandwidth against message size from a clusterbench results file.

Usage: scripts/plot_busbw.py RESULTS.h5 [--run ID] [-o busbw.png]
One line per op (out of place); the run is the latest collectives run unless given.
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from results_h5 import read_run_table, text  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--run")
    ap.add_argument("-o", "--output", default="busbw.png")
    a = ap.parse_args(argv)
    run, df = read_run_table(a.results, "collectives", a.run, "no collectives run in this file",
                             "no collectives run '{run}'")
    df["op"] = text(df["op"])
    df = df[df["in_place"] == 0]
    fig, ax = plt.subplots(figsize=(8, 5))
    for op, g in df.groupby("op"):
        ax.plot(g["size"], g["busbw"] / 1e9, marker="o", label=op)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("size (bytes)")
    ax.set_ylabel("bus bandwidth (GB/s)")
    ax.set_title(f"{a.results}: run {run}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(a.output)


if __name__ == "__main__":
    main()
