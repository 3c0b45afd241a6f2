#!/usr/bin/env python3
"""Writes the nccl-tests fixtures of tests/import: output as nccl-tests prints it.

Every line follows the printf formats of NVIDIA/nccl-tests src/util.cu (commit cfa8a96):
writeDeviceReport (version, "Collective test starting", the "# nThread" parameter line, "# Using devices",
"#  Rank %2d Group %2d Pid %6d on %10s device %2d [%04x:%02x:%02x] %s"), writeResultHeader (the column
lines), writeBenchmarkLinePreamble ("%12li  %12li  %8s  %6s  %6s"), writeBenchmarkLineBody
("  %7s  %6s  %6s  %6g" with getFloatStr, "    N/A" unchecked), writeResultFooter, and the -J JSON
document (jsonOutputInit ... jsonOutputFinalize). The figures are a model of an H100 cluster (latency
plus size over a bandwidth), fixed so the tests can assert them. Run it to regenerate the files.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def float_str(value, width):  # getFloatStr
    power = 0
    val = 1
    while value >= val:
        power += 1
        val *= 10
    if power < width - 2:
        return "%*.2f" % (width, value)
    if power < width - 1:
        return "%*.1f" % (width, value)
    if power < width + 1:
        return "%*.0f" % (width, value)
    return "%*.1e" % (width, value)


FACTOR = {"all_reduce": lambda n: 2 * (n - 1) / n, "all_gather": lambda n: (n - 1) / n,
          "reduce_scatter": lambda n: (n - 1) / n, "alltoall": lambda n: (n - 1) / n,
          "broadcast": lambda n: 1, "reduce": lambda n: 1, "sendrecv": lambda n: 1}


def figures(op, size, n, lat_us, bw_gbs):
    t = lat_us + size / (bw_gbs * 1e3)  # us
    alg = size / t / 1e3  # GB/s
    return t, alg, alg * FACTOR[op](n)


def header(op, nthread, ngpus, minb, maxb, factor, check, ranks):
    out = ["# nccl-tests version 2.17.1 nccl-headers=22703 nccl-library=22703",
           "# Collective test starting: %s_perf" % op,
           "# nThread %d nGpus %d minBytes %d maxBytes %d step: %d(%s) warmup iters: %d iters: %d agg iters: %d "
           "validation: %d graph: %d" % (nthread, ngpus, minb, maxb, factor, "factor", 1, 20, 1, check, 0),
           "#", "# Using devices"]
    for rank, pid, host, dev, bus in ranks:
        out.append("#  Rank %2d Group %2d Pid %6d on %10s device %2d [%04x:%02x:%02x] %s" %
                   (rank, 0, pid, host, dev, 0, bus, 0, "NVIDIA H100 80GB HBM3"))
    out.append("#")
    out.append("# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          " %
               ("", "", "", "", ""))
    out.append("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %*s" %
               ("size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw",
                "busbw", "#wrong", 0, ""))
    out.append("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s %*s" %
               ("(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "", 0,
                ""))
    return out


def row(op, size, n, elem, redop, root, lat, bw, check, ip_scale=1.02):
    count = size // elem if op in ("all_reduce", "broadcast", "reduce", "sendrecv") else size // n // elem
    line = "%12li  %12li  %8s  %6s  %6s" % (size, count, "float", redop, "%6i" % root)
    res = []
    for scale in (1.0, ip_scale):
        t, a, b = figures(op, size, n, lat * scale, bw)
        wrong = "  %6g" % 0 if check else "    N/A"
        line += "  %7s  %6s  %6s" % (float_str(t, 7), float_str(a, 6), float_str(b, 6)) + wrong
        res.append((t, a, b))
    return line, res


def footer(op, busbws):
    return ["# %-20s : %d %s" % ("Out of bounds values", 0, "OK"),
            "# %-20s : %g %s" % ("Avg bus bandwidth", sum(busbws) / len(busbws), ""), "#",
            "# Collective test concluded: %s_perf" % op, "", "#"]


def block(op, ranks, nthread, ngpus, sizes, lat, bw, check=1, redop="sum", root=-1):
    n = len(ranks)
    lines = header(op, nthread, ngpus, sizes[0], sizes[-1], 4, check, ranks)
    busbws, rows = [], []
    for s in sizes:
        line, res = row(op, s, n, 4, redop, root, lat, bw, check)
        lines.append(line)
        rows.append((s, res))
        busbws += [res[0][2], res[1][2]]
    return lines + footer(op, busbws), rows


def main():
    # 2 hosts x 8 GPUs, one process per GPU (mpirun -np 16 all_reduce_perf -b 1K -e 1G -f 4).
    ranks16 = [(r, 51000 + r, "node%03d" % (1 + r // 8), r % 8, [0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb][r % 8])
               for r in range(16)]
    sizes = [1024 * 4 ** k for k in range(11)]
    lines, _ = block("all_reduce", ranks16, 1, 1, sizes, 30.0, 110.0)
    text = "\n".join(lines) + "\n"
    open(os.path.join(HERE, "all_reduce_2x8.txt"), "w").write(text)

    # Truncated: the job was killed while it printed the 64 MiB row.
    cut = text.index("    67108864")
    open(os.path.join(HERE, "all_reduce_truncated.txt"), "w").write(text[:cut + 40])

    # A bad row: the 4 MiB row's out-of-place busbw is not a number.
    bad = text.splitlines()
    i = next(k for k, l in enumerate(bad) if l.startswith("     4194304"))
    f = bad[i].split()
    bad[i] = bad[i].replace(" " + f[7] + " ", " 12x.4 ", 1)
    open(os.path.join(HERE, "all_reduce_bad_row.txt"), "w").write("\n".join(bad) + "\n")

    # One process driving 8 GPUs (-g 8), several *_perf binaries run one after another into one file;
    # alltoall with -c 0 (#wrong N/A), broadcast from root 0.
    ranks8 = [(r, 7777, "dgx01", r, [0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb][r]) for r in range(8)]
    out = []
    small = [1 << 20, 16 << 20, 256 << 20]
    for op, check, redop, root in (("all_gather", 1, "none", -1), ("reduce_scatter", 1, "sum", -1),
                                   ("alltoall", 0, "none", -1), ("broadcast", 1, "none", 0),
                                   ("sendrecv", 1, "sum", -1)):
        lines, _ = block(op, ranks8, 1, 8, small, 12.0, 360.0, check=check, redop=redop, root=root)
        out += lines
    open(os.path.join(HERE, "multi_op_1x8.txt"), "w").write("\n".join(out) + "\n")

    # The -J document of the 2 x 8 all_reduce run (jsonOutputInit ... jsonOutputFinalize, key order kept).
    results = []
    busbws = []
    for s in sizes:
        r = {"size": s, "count": s // 4, "type": "float", "redop": "sum", "root": "%6i" % -1}
        for key, scale in (("out_of_place", 1.0), ("in_place", 1.02)):
            t, a, b = figures("all_reduce", s, 16, 30.0 * scale, 110.0)
            r[key] = {"time": round(t, 6), "alg_bw": round(a, 6), "bus_bw": round(b, 6), "nwrong": 0.0}
            busbws.append(b)
        r["actual_iterations"] = 20
        r["experiment_name"] = ""
        results.append(r)
    doc = {"version": 1, "start_time": "2026-11-30 14:02:11",
           "args": ["/opt/nccl-tests/build/all_reduce_perf", "-b", "1K", "-e", "1G", "-f", "4", "-J", "ar.json"],
           "env": ["NCCL_IB_HCA=mlx5", "OMPI_COMM_WORLD_SIZE=16"], "nccl_version": 22703,
           "config": {"nthreads": 1, "ngpus": 1, "minimum_bytes": 1024, "maximum_bytes": 1073741824,
                      "step_factor": 4, "warmup_iters": 1, "iterations": 20, "aggregated_iterations": 1,
                      "validation": 1, "graph": 0, "blocking_collectives": "false", "parallel_init": "false",
                      "devices": [{"rank": r, "group": 0, "pid": pid, "hostname": h, "device": d,
                                   "device_hex": "%04x:%02x:%02x" % (0, b, 0), "device_info": "NVIDIA H100 80GB HBM3"}
                                  for r, pid, h, d, b in ranks16]},
           "results": results, "out_of_bounds": {"count": 0, "okay": "true"},
           "average_bus_bandwidth": {"bandwidth": round(sum(busbws) / len(busbws), 6), "okay": "unchecked"},
           "errors": [], "end_time": "2026-11-30 14:02:40"}
    # nccl-tests writes one line, no spaces.
    js = json.dumps(doc, separators=(",", ":"))
    open(os.path.join(HERE, "all_reduce_2x8.json"), "w").write(js)
    # Cut short: the job died in the middle of the results list.
    open(os.path.join(HERE, "all_reduce_truncated.json"), "w").write(js[:js.index('"size":4194304') + 20])

    # nvbandwidth -j on one node of 4 GPUs (NVIDIA/nvbandwidth json_output.cpp: jsoncpp's styled
    # output, matrix cells as strings in GB/s or "N/A"; a waived testcase has no matrix).
    def matrix(rows, cols, value):
        return [[("N/A" if value(r, c) is None else "%g" % value(r, c)) for c in range(cols)] for r in range(rows)]
    nv = {"nvbandwidth": {
        "CUDA Runtime Version": 12040, "Driver Version": "550.54.15",
        "GPU Device list": ["%d: NVIDIA H100 80GB HBM3 (00000000:%02x:00): (dgx01)" % (i, b)
                            for i, b in enumerate([0x18, 0x2a, 0x3a, 0x5d])],
        "git_version": "a1b2c3d", "version": "v0.8",
        "testcases": [
            {"name": "host_to_device_memcpy_ce", "status": "Passed",
             "bandwidth_description": "memcpy CE CPU(row) -> GPU(column) bandwidth (GB/s)",
             "bandwidth_matrix": matrix(1, 4, lambda r, c: 55.3 + c / 10), "sum": 221.8},
            {"name": "device_to_host_memcpy_ce", "status": "Passed",
             "bandwidth_description": "memcpy CE CPU(row) <- GPU(column) bandwidth (GB/s)",
             "bandwidth_matrix": matrix(1, 4, lambda r, c: 55.1), "sum": 220.4},
            {"name": "device_to_device_memcpy_read_ce", "status": "Passed",
             "bandwidth_description": "memcpy CE GPU(row) <- GPU(column) bandwidth (GB/s)",
             "bandwidth_matrix": matrix(4, 4, lambda r, c: None if r == c else 389.5 + r), "sum": 4686},
            {"name": "host_device_latency_sm", "status": "Waived"},
        ]}}
    open(os.path.join(HERE, "nvbandwidth_1x4.json"), "w").write(json.dumps(nv, indent=3, sort_keys=True) + "\n")

    # OSU Micro-Benchmarks 7.2 (c/util/osu_util_mpi.c: print_preamble, print_only_header, print_stats,
    # print_stats_validate; FIELD_WIDTH 20, FLOAT_PRECISION 2), mpirun -np 4:
    # osu_allreduce -f -c (full statistics and validation), osu_allgather (defaults).
    out = ["", "# OSU MPI Allreduce Latency Test v7.2", "# Datatype: MPI_CHAR.",
           "%-*s%*s%*s%*s%*s%*s" % (10, "# Size", 20, "Avg Latency(us)", 20, "Min Latency(us)", 20,
                                    "Max Latency(us)", 12, "Iterations", 20, "Validation")]
    for k in range(2, 21, 6):
        size = 1 << k
        avg = 2.5 + size / 5000.0
        out.append("%-*d%*.*f%*.*f%*.*f%*lu%*s" % (10, size, 20, 2, avg, 20, 2, avg * 0.9, 20, 2, avg * 1.1, 12,
                                                 1000 if size <= 8192 else 100, 20, "Pass"))
    open(os.path.join(HERE, "osu_allreduce_np4.txt"), "w").write("\n".join(out) + "\n")
    out = ["", "# OSU MPI Allgather Latency Test v7.2", "# Datatype: MPI_CHAR.",
           "%-*s%*s" % (10, "# Size", 20, "Avg Latency(us)")]
    for k in (0, 10, 20):
        size = 1 << k
        out.append("%-*d%*.*f" % (10, size, 20, 2, 3.0 + size * 4 / 8000.0))
    open(os.path.join(HERE, "osu_allgather_np4.txt"), "w").write("\n".join(out) + "\n")

    # OSU point to point, OMB 7.2, mpirun -np 2 (c/mpi/pt2pt/standard/osu_latency.c, osu_bw.c, osu_bibw.c; the
    # header from osu_util_mpi.c print_only_header: "Avg Latency(us)" for latency, "Bandwidth (MB/s)" for the
    # bandwidth tests, "%-10d%20.2f" rows): osu_latency -c (validation), osu_bw and osu_bibw with defaults, all
    # three one after another into one file, as a job script runs them.
    out = ["", "# OSU MPI Latency Test v7.2", "# Datatype: MPI_CHAR.",
           "%-*s%*s%*s" % (10, "# Size", 20, "Avg Latency(us)", 20, "Validation")]
    for size in (1, 2, 4, 8, 16, 1024, 65536, 1048576):
        out.append("%-*d%*.*f%*s" % (10, size, 20, 2, 1.5 + size / 12000.0, 20, "Pass"))
    out += ["", "# OSU MPI Bandwidth Test v7.2", "# Datatype: MPI_CHAR.",
            "%-*s%*s" % (10, "# Size", 20, "Bandwidth (MB/s)")]
    for size in (1, 1024, 65536, 4194304):
        out.append("%-*d%*.*f" % (10, size, 20, 2, size / (1.5e-6 + size / 12.0e9) / 1e6))
    out += ["", "# OSU MPI Bi-Directional Bandwidth Test v7.2", "# Datatype: MPI_CHAR.",
            "%-*s%*s" % (10, "# Size", 20, "Bandwidth (MB/s)")]
    for size in (1, 1024, 65536, 4194304):
        out.append("%-*d%*.*f" % (10, size, 20, 2, 2 * size / (1.5e-6 + size / 11.0e9) / 1e6))
    open(os.path.join(HERE, "osu_p2p_np2.txt"), "w").write("\n".join(out) + "\n")
    # osu_reduce_scatter -f on 4 ranks (c/mpi/collective/blocking/osu_reduce_scatter.c: MPI_FLOAT, the size is the
    # whole send buffer, size x sizeof(float) printed).
    out = ["", "# OSU MPI Reduce_scatter Latency Test v7.2", "# Datatype: MPI_FLOAT.",
           "%-*s%*s%*s%*s%*s" % (10, "# Size", 20, "Avg Latency(us)", 20, "Min Latency(us)", 20, "Max Latency(us)",
                                 12, "Iterations")]
    for size in (16, 4096, 1048576):
        avg = 4.0 + size / 4000.0
        out.append("%-*d%*.*f%*.*f%*.*f%*lu" % (10, size, 20, 2, avg, 20, 2, avg * 0.95, 20, 2, avg * 1.05, 12,
                                                1000 if size <= 8192 else 100))
    open(os.path.join(HERE, "osu_reduce_scatter_np4.txt"), "w").write("\n".join(out) + "\n")

    # nccl-tests -J with per-iteration timing (-I 1), document version 2 (src/util.cu writePerIterReport,
    # JSON_FILE_VERSION 2; tools/analyze_perf_json.py reads it): each placement's "<placement>_per_iter" has
    # skipped_iterations, min/max/avg/p50/p95/p99/stdev_us, cv_pct, times_us (the maximum over process rows, per
    # iteration) and per_process_max_times_us (one list per process). mpirun -np 4 (2 hosts x 2 GPUs), 5
    # iterations, rank 2 at 1.5x the others' time: a straggler the per-rank times name.
    ranks4 = [(r, 61000 + r, "node%03d" % (1 + r // 2), r % 2, [0x18, 0x2a][r % 2]) for r in range(4)]
    iters = 5

    def per_iter(base_us):
        rows = [[round(base_us * (1.5 if p == 2 else 1.0) * (1 + 0.01 * i), 6) for i in range(iters)]
                for p in range(4)]
        times = [max(r[i] for r in rows) for i in range(iters)]
        st = sorted(times)
        avg = sum(times) / iters
        sd = (sum((t - avg) ** 2 for t in times) / iters) ** 0.5
        return {"skipped_iterations": 0, "min_us": st[0], "max_us": st[-1], "avg_us": round(avg, 6),
                "p50_us": st[iters // 2], "p95_us": st[-1], "p99_us": st[-1], "stdev_us": round(sd, 6),
                "cv_pct": round(sd / avg * 100, 6), "times_us": times, "per_process_max_times_us": rows}

    results = []
    for s in (1 << 20, 16 << 20):
        r = {"size": s, "count": s // 4, "type": "float", "redop": "sum", "root": "%6i" % -1}
        for key, scale in (("out_of_place", 1.0), ("in_place", 1.02)):
            pi = per_iter((30.0 + s / 110e3) * scale)
            t = pi["avg_us"]
            r[key] = {"time": t, "alg_bw": round(s / t / 1e3, 6), "bus_bw": round(s / t / 1e3 * 1.5, 6),
                      "nwrong": 0.0}
            r[key + "_per_iter"] = pi
        r["actual_iterations"] = iters
        r["experiment_name"] = ""
        results.append(r)
    avg_busbw = round(sum(r[k]["bus_bw"] for r in results for k in ("out_of_place", "in_place")) / 4, 6)
    doc = {"version": 2, "start_time": "2026-12-01 09:12:40",
           "args": ["./build/all_reduce_perf", "-b", "1M", "-e", "16M", "-f", "16", "-n", "5", "-I", "1", "-J",
                    "ar_iters.json"],
           "env": ["OMPI_COMM_WORLD_SIZE=4"], "nccl_version": 22805,
           "config": {"nthreads": 1, "ngpus": 1, "minimum_bytes": 1 << 20, "maximum_bytes": 16 << 20,
                      "step_factor": 16, "warmup_iters": 1, "iterations": iters, "aggregated_iterations": 1,
                      "validation": 1, "graph": 0, "blocking_collectives": "false", "per_iter_timing": "true",
                      "per_iter_skip": 0, "parallel_init": "false",
                      "devices": [{"rank": r, "group": 0, "pid": pid, "hostname": h, "device": d,
                                   "device_hex": "%04x:%02x:%02x" % (0, b, 0), "device_info": "NVIDIA H100 80GB HBM3"}
                                  for r, pid, h, d, b in ranks4]},
           "results": results, "out_of_bounds": {"count": 0, "okay": "true"},
           "average_bus_bandwidth": {"bandwidth": avg_busbw, "okay": "unchecked"}, "errors": [],
           "end_time": "2026-12-01 09:12:41"}
    open(os.path.join(HERE, "all_reduce_iters_2x2.json"), "w").write(json.dumps(doc, separators=(",", ":")))

    # The same run's text (-I 1 adds i_min i_max i_p99 i_cv% to each placement: writeResultHeader's per-iteration
    # header, writePerIterReport's "  %7s  %7s  %7s  %7s").
    lines = header("all_reduce", 1, 1, 1 << 20, 16 << 20, 16, 1, ranks4)
    lines[0] = "# nccl-tests version 2.18.3 nccl-headers=22805 nccl-library=22805"
    lines[2] = lines[2].replace("iters: 20", "iters: %d" % iters).replace("graph: 0", "graph: 0 unalign: 0")
    lines.insert(3, "# Per-Iteration Report: CUDA event timing; i_* uses max over process rows ")
    hdr = lines.index(next(l for l in lines if "out-of-place" in l))
    lines[hdr:hdr + 3] = [
        "# %10s  %12s  %8s  %6s  %6s              out-of-place (+ per-iteration)                                "
        "in-place (+ per-iteration)" % ("", "", "", "", ""),
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s %*s"
        % ("size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "i_min", "i_max", "i_p99",
           "i_cv%", "time", "algbw", "busbw", "#wrong", "i_min", "i_max", "i_p99", "i_cv%", 0, ""),
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  %7s  %7s  %7s  %7s %*s"
        % ("(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(us)", "(us)", "(%)", "(us)",
           "(GB/s)", "(GB/s)", "", "(us)", "(us)", "(us)", "(%)", 0, "")]
    for r in results:
        line = "%12li  %12li  %8s  %6s  %6s" % (r["size"], r["count"], "float", "sum", "%6i" % -1)
        for key in ("out_of_place", "in_place"):
            f, pi = r[key], r[key + "_per_iter"]
            line += "  %7s  %6s  %6s  %6g" % (float_str(f["time"], 7), float_str(f["alg_bw"], 6),
                                              float_str(f["bus_bw"], 6), 0)
            line += "  %7s  %7s  %7s  %7s" % (float_str(pi["min_us"], 7), float_str(pi["max_us"], 7),
                                              float_str(pi["p99_us"], 7), float_str(pi["cv_pct"], 7))
        lines.append(line)
    lines += footer("all_reduce", [avg_busbw])
    open(os.path.join(HERE, "all_reduce_iters_2x2.txt"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
