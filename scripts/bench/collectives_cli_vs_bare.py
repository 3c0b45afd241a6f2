#!/usr/bin/env python3
"""The command users run against a bare MPI_Allreduce loop (issue 17, part 1).

`mpirun -np N clusterbench collectives --backend mpi --op all_reduce -d float -b S -e S -n ITERS -c 0`
against `mpirun -np N benchmarks/mpi_allreduce_bare ITERS` (the same timing: warm-up, barrier, ITERS
calls between two clock reads, averaged over ranks; MPI_Init), at 8 B, 64 KiB and 16 MiB (ITERS_LARGE
iterations there, for both). Separate jobs, so the tool pays for everything it does (its MPI thread
level, the progress watchdog's thread and TCP beats, its checks and bookkeeping), which
benchmarks/collectives_vs_bare (one job, the harness only) does not see. Two jobs of the same binary
differ a lot on a small shared VM, so the variants are alternated round by round (the order rotating)
and medians compared. A third variant runs the tool with CB_PROGRESS_WATCHDOG=0 (no watchdog thread)
to show what the watchdog costs.

Prints the baseline beside every figure, per size: median us of each variant and the ratios.
Usage: scripts/bench/collectives_cli_vs_bare.py [--np 2] [--rounds 7] [--iters 5000] [--iters-large 200]
       [--build build/cpu-only]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

SIZES = (8, 64 << 10, 16 << 20)


def mpirun(np_, args, env=None):
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(np_)] + args
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return p.stdout


def bare(a):
    out = mpirun(a.np, [os.path.join(a.build, "benchmarks", "mpi_allreduce_bare"), str(a.iters), str(a.iters_large)])
    times = {}
    for line in out.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        size, us = line.split()
        times[int(size)] = float(us)
    return times


def tool(a, watchdog):
    env = dict(os.environ)
    if not watchdog:
        env["CB_PROGRESS_WATCHDOG"] = "0"
    times = {}
    for size in SIZES:
        out = mpirun(a.np, [os.path.join(a.build, "apps", "clusterbench"), "collectives", "--backend", "mpi", "--op",
                            "all_reduce", "-d", "float", "-b", str(size), "-e", str(size), "-n",
                            str(a.iters_large if size >= 16 << 20 else a.iters), "-w",
                            "20", "-c", "0", "--format", "json"], env)
        row = [r for r in json.loads(out)["tables"]["collectives"]["rows"] if not r["in_place"]][0]
        times[size] = row["time"] * 1e6
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iters", type=int, default=5000)
    ap.add_argument("--iters-large", type=int, default=200, help="iterations at 16 MiB")
    ap.add_argument("--build", default="build/cpu-only")
    a = ap.parse_args()
    variants = {"bare": lambda: bare(a), "tool": lambda: tool(a, True), "tool, no watchdog": lambda: tool(a, False)}
    names = list(variants)
    runs = {n: {s: [] for s in SIZES} for n in names}
    for r in range(a.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            for s, t in variants[n]().items():
                if s in runs[n]:
                    runs[n][s].append(t)
        print(f"# round {r + 1}/{a.rounds} done", file=sys.stderr)
    print(f"# {a.np} ranks, {a.iters} iterations per run ({a.iters_large} at 16 MiB), {a.rounds} rounds alternated; "
          f"median us per all_reduce (float sum, out of place)")
    print(f"{'size':>10} {'bare':>10} {'tool':>10} {'ratio':>7} {'no-wd':>10} {'ratio':>7}")
    for s in SIZES:
        b = statistics.median(runs["bare"][s])
        t = statistics.median(runs["tool"][s])
        w = statistics.median(runs["tool, no watchdog"][s])
        print(f"{s:>10} {b:>10.3f} {t:>10.3f} {t / b:>7.3f} {w:>10.3f} {w / b:>7.3f}")


if __name__ == "__main__":
    main()
