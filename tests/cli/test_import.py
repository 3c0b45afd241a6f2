"""End-to-end tests of `clusterbench import`: nccl-tests text and -J JSON output (with -I 1's per-iteration
times), nvbandwidth -j and OSU text (collective and point-to-point tests) into the results file as ordinary
runs, printed back by `report --format csv`, read by `calibrate`, and the errors for truncated and malformed
files. The fixtures in tests/import/data follow the tools' own printf formats (nccl-tests src/util.cu, OMB
c/util/osu_util_mpi.c; tests/import/data/make_fixtures.py writes them)."""
import csv
import io
import json
import math
import os
import shutil
import subprocess

import h5py
import pytest
from clean_error import assert_clean_error

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "import", "data")


def fixture(name):
    return os.path.join(DATA, name)


def imported(run, tmp_path, *files, extra=()):
    out = tmp_path / "imported.h5"
    p = run("import", *map(fixture, files), "-o", out, "--format", "json", *extra)
    assert p.returncode == 0, p.stderr
    return out, json.loads(p.stdout)["runs"]


def csv_rows(run, h5, run_id, table="collectives"):
    p = run("report", h5, "--run", run_id, "--table", table, "--format", "csv")
    assert p.returncode == 0, p.stderr
    return list(csv.DictReader(io.StringIO(p.stdout)))


def test_text_2x8_all_reduce_round_trips(run, tmp_path):
    h5, runs = imported(run, tmp_path, "all_reduce_2x8.txt")
    assert len(runs) == 1
    r = runs[0]
    assert (r["kind"], r["source"], r["ranks"], r["hosts"]) == ("collectives", "nccl-tests 2.17.1", 16,
                                                                ["node001", "node002"])
    rows = csv_rows(run, h5, r["run"])
    assert len(rows) == 22  # 11 sizes, out of place and in place
    # The 16 MiB row: "16777216  4194304  float  sum  -1  182.52  91.92  172.35  0  183.12  91.62  171.78  0".
    oop = next(x for x in rows if x["size"] == "16777216" and x["in_place"] == "0")
    ip = next(x for x in rows if x["size"] == "16777216" and x["in_place"] == "1")
    assert (oop["op"], oop["count"], oop["dtype"], oop["redop"], oop["root"]) == ("all_reduce", "4194304", "float",
                                                                                 "sum", "-1")
    assert math.isclose(float(oop["time"]), 182.52e-6) and math.isclose(float(ip["time"]), 183.12e-6)
    assert float(oop["algbw"]) == 91.92e9 and float(oop["busbw"]) == 172.35e9  # GB/s -> B/s
    assert float(ip["busbw"]) == 171.78e9
    assert (oop["wrong"], oop["checked"], oop["cycle"]) == ("0", "1", "0")
    assert math.isnan(float(oop["rank_time_median"]))  # nccl-tests prints no per-rank times
    ranks = csv_rows(run, h5, r["run"], "collectives_ranks")
    assert [x["host"] for x in ranks] == ["node001"] * 8 + ["node002"] * 8
    assert (ranks[9]["rank"], ranks[9]["device"], ranks[9]["pci_bus_id"], ranks[9]["device_name"]) == (
        "9", "1", "0000:2a:00", "NVIDIA H100 80GB HBM3")
    with h5py.File(h5, "r") as f:
        g = f["runs"][r["run"]]
        assert g.attrs["kind"] == "collectives" and g.attrs["status"] == "complete" and g.attrs["rank_count"] == 16
        y = g.attrs["config_yaml"]
        assert y.startswith("backend: nccl\n") and "source: 'nccl-tests 2.17.1'" in y
        assert "avg_bus_bandwidth: [87502100000]" in y  # "# Avg bus bandwidth    : 87.5021"


def test_same_tables_columns_and_units_as_collectives(run, tmp_path):
    """An imported run has the collectives command's table: same columns, order and units."""
    h5, runs = imported(run, tmp_path, "all_reduce_2x8.txt")
    own = tmp_path / "own.h5"
    p = run("collectives", "--backend", "loopback", "--ranks", "2", "-b", "1K", "-e", "1K", "-n", "2", "--output", own)
    assert p.returncode == 0, p.stderr
    with h5py.File(h5, "r") as f, h5py.File(own, "r") as g:
        a = f["runs"][runs[0]["run"]]["collectives"]
        b = next(iter(g["runs"].values()))["collectives"]
        assert a.dtype == b.dtype
        assert list(a.attrs["column_units"]) == list(b.attrs["column_units"])


def test_several_ops_in_one_file(run, tmp_path):
    h5, runs = imported(run, tmp_path, "multi_op_1x8.txt")
    assert len(runs) == 1 and runs[0]["ranks"] == 8 and runs[0]["hosts"] == ["dgx01"]  # -g 8: one process
    rows = csv_rows(run, h5, runs[0]["run"])
    assert sorted({x["op"] for x in rows}) == ["all_gather", "alltoall", "broadcast", "reduce_scatter", "sendrecv"]
    a2a = [x for x in rows if x["op"] == "alltoall"]
    assert all(x["checked"] == "0" and x["wrong"] == "0" for x in a2a)  # -c 0: "#wrong N/A"
    bc = [x for x in rows if x["op"] == "broadcast"]
    assert all(x["root"] == "0" for x in bc)
    ag = next(x for x in rows if x["op"] == "all_gather" and x["size"] == "268435456" and x["in_place"] == "0")
    assert ag["count"] == "8388608" and float(ag["busbw"]) == 310.01e9


def test_json_matches_text(run, tmp_path):
    h5, runs = imported(run, tmp_path, "all_reduce_2x8.txt", "all_reduce_2x8.json")
    assert runs[1]["source"] == "nccl-tests (-J document version 1)" and runs[1]["ranks"] == 16
    text, js = csv_rows(run, h5, runs[0]["run"]), csv_rows(run, h5, runs[1]["run"])
    assert len(text) == len(js) == 22
    for a, b in zip(text, js):
        assert (a["op"], a["size"], a["count"], a["in_place"]) == (b["op"], b["size"], b["count"], b["in_place"])
        # The text rounds to 2 decimals (or 4 significant digits); the JSON has %lf.
        assert math.isclose(float(a["busbw"]), float(b["busbw"]), rel_tol=0.01, abs_tol=0.006e9)


def test_truncated_text_names_the_line(run, tmp_path):
    out = tmp_path / "x.h5"
    p = run("import", fixture("all_reduce_truncated.txt"), "-o", out)
    assert_clean_error(p, 4, "all_reduce_truncated.txt:34: truncated", "--partial")
    assert not out.exists()


def test_truncated_text_partial(run, tmp_path):
    h5, runs = imported(run, tmp_path, "all_reduce_truncated.txt", extra=("--partial",))
    assert runs[0]["status"] == "interrupted" and ":34: truncated" in runs[0]["message"]
    assert len(csv_rows(run, h5, runs[0]["run"])) == 16  # the 8 rows before the cut
    # calibrate uses complete runs only
    p = run("calibrate", h5, "--device", "NVIDIA H100 80GB HBM3")
    assert_clean_error(p, 3, "is interrupted; not used")


def test_bad_row_names_line_and_field(run, tmp_path):
    out = tmp_path / "x.h5"
    p = run("import", fixture("all_reduce_bad_row.txt"), "-o", out)
    assert_clean_error(p, 4, "all_reduce_bad_row.txt:32: bad row: field 8 (busbw) is '12x.4'")
    assert not out.exists()


def test_truncated_json(run, tmp_path):
    p = run("import", fixture("all_reduce_truncated.json"), "-o", tmp_path / "x.h5")
    assert_clean_error(p, 4, "all_reduce_truncated.json:1: truncated")


def test_one_bad_file_writes_nothing(run, tmp_path):
    out = tmp_path / "x.h5"
    p = run("import", fixture("all_reduce_2x8.txt"), fixture("all_reduce_bad_row.txt"), "-o", out)
    assert_clean_error(p, 4, "all_reduce_bad_row.txt:32")
    assert not out.exists()


@pytest.mark.parametrize("content,phrase", [
    ("", "the file is empty"),
    ("hello\n", "not a format clusterbench imports"),
    ('{"a": 1}', "a JSON document clusterbench does not import"),
])
def test_not_a_tool_output(run, tmp_path, content, phrase):
    f = tmp_path / "in.txt"
    f.write_text(content)
    assert_clean_error(run("import", f, "-o", tmp_path / "x.h5"), 4, phrase)


def test_missing_file_and_directory(run, tmp_path):
    assert_clean_error(run("import", tmp_path / "nope.txt", "-o", tmp_path / "x.h5"), 4, "nope.txt: no such file")
    assert_clean_error(run("import", tmp_path, "-o", tmp_path / "x.h5"), 4, "is a directory")


def test_no_op_in_file_needs_op(run, tmp_path):
    """nccl-tests before 2.14 printed no '# Collective test starting' line: the op comes from the file
    name, else --op."""
    text = open(fixture("all_reduce_2x8.txt")).read().replace("# Collective test starting: all_reduce_perf\n", "")
    f = tmp_path / "run1.txt"
    f.write_text(text)
    assert_clean_error(run("import", f, "-o", tmp_path / "x.h5"), 4, "run1.txt", "--op")
    h5 = tmp_path / "y.h5"
    p = run("import", f, "--op", "allreduce", "-o", h5, "--format", "json")
    assert p.returncode == 0, p.stderr
    assert {x["op"] for x in csv_rows(run, h5, json.loads(p.stdout)["runs"][0]["run"])} == {"all_reduce"}
    g = tmp_path / "reduce_scatter_perf.out"
    g.write_text(text)
    p = run("import", g, "-o", h5, "--format", "json")
    assert p.returncode == 0, p.stderr
    assert {x["op"] for x in csv_rows(run, h5, json.loads(p.stdout)["runs"][0]["run"])} == {"reduce_scatter"}


def test_calibrate_reads_imported_nccl_tests(run, tmp_path):
    """An imported nccl-tests run is an NCCL run: a host profile refuses it (saying to name the GPU),
    a GPU profile fits it, and predicts its own points."""
    h5, _ = imported(run, tmp_path, "all_reduce_2x8.txt")
    p = run("calibrate", h5)
    assert_clean_error(p, 3, "no usable measurements", "--device", "measured with the nccl backend")
    p = run("calibrate", h5, "--device", "NVIDIA H100 80GB HBM3", "--format", "json")
    assert p.returncode == 0, p.stderr
    (c,) = json.loads(p.stdout)["collectives"]
    assert (c["op"], c["tier"], c["ranks"], c["ranks_per_node"], c["points"]) == ("all_reduce", "inter", 16, 8, 11)
    # The fixture's model: 30 us + size / 110 GB/s algbw, busbw = algbw x 2(n-1)/n = 206.25 GB/s.
    assert math.isclose(c["busbw_Bps"], 206.25e9, rel_tol=0.01) and math.isclose(c["latency_s"], 30e-6, rel_tol=0.02)
    assert c["error_median"] < 0.01


def test_nvbandwidth_into_copy_table(run, tmp_path):
    """nvbandwidth -j: one copy row per matrix cell that is not N/A, CPU as device -1, the direction from
    the description ('CPU(row) -> GPU(column)', 'GPU(row) <- GPU(column)'), GB/s -> B/s; a waived
    testcase is a skipped row."""
    h5, runs = imported(run, tmp_path, "nvbandwidth_1x4.json")
    assert (runs[0]["kind"], runs[0]["source"], runs[0]["hosts"]) == ("kernels", "nvbandwidth v0.8", ["dgx01"])
    rows = csv_rows(run, h5, runs[0]["run"], "copy")
    assert len(rows) == 4 + 4 + 12 + 1
    h2d = [x for x in rows if x["benchmark"] == "host_to_device_memcpy_ce"]
    assert [(x["src"], x["dst"], float(x["bandwidth"])) for x in h2d] == [
        ("-1", "0", 55.3e9), ("-1", "1", 55.4e9), ("-1", "2", 55.5e9), ("-1", "3", 55.6e9)]
    assert h2d[2]["pci_bus_id"] == "00000000:3a:00" and h2d[2]["device"] == "NVIDIA H100 80GB HBM3"
    d2h = [x for x in rows if x["benchmark"] == "device_to_host_memcpy_ce"]
    assert {(x["src"], x["dst"]) for x in d2h} == {("0", "-1"), ("1", "-1"), ("2", "-1"), ("3", "-1")}
    # "GPU(row) <- GPU(column)": row 2, column 0 (389.5 + 2 GB/s) is a copy from GPU 0 to GPU 2.
    d2d = next(x for x in rows if x["benchmark"] == "device_to_device_memcpy_read_ce" and x["src"] == "0"
               and x["dst"] == "2")
    assert float(d2d["bandwidth"]) == 391.5e9
    waived = next(x for x in rows if x["benchmark"] == "host_device_latency_sm")
    assert waived["skipped"] == "Waived" and waived["bandwidth"] == "nan"


def test_nvbandwidth_bad_cell(run, tmp_path):
    text = open(fixture("nvbandwidth_1x4.json")).read().replace('"55.4"', '"fast"')
    f = tmp_path / "nv.json"
    f.write_text(text)
    assert_clean_error(run("import", f, "-o", tmp_path / "x.h5"), 4,
                       "nv.json: testcases[0] (host_to_device_memcpy_ce): bandwidth_matrix[0][1] is 'fast'")


def test_osu_collectives(run, tmp_path):
    """OSU's collective latency tests: avg latency (us -> s), -f's min and max as rank_time_min/max,
    -c's Pass as checked; allgather's size is one rank's block, so the nccl-tests size is x ranks."""
    out = tmp_path / "o.h5"
    p = run("import", fixture("osu_allreduce_np4.txt"), "-o", out)
    assert_clean_error(p, 2, "--ranks")
    assert not out.exists()
    h5, runs = imported(run, tmp_path, "osu_allreduce_np4.txt", "osu_allgather_np4.txt", extra=("--ranks", "4"))
    assert [r["source"] for r in runs] == ["osu-micro-benchmarks 7.2"] * 2 and runs[0]["ranks"] == 4
    ar = csv_rows(run, h5, runs[0]["run"])
    # "16384   5.78   5.20   6.35   100   Pass"
    row = next(x for x in ar if x["size"] == "16384")
    assert (row["op"], row["dtype"], row["redop"], row["checked"], row["wrong"]) == ("all_reduce", "int8", "sum",
                                                                                   "1", "0")
    assert math.isclose(float(row["time"]), 5.78e-6) and math.isclose(float(row["rank_time_min"]), 5.20e-6)
    assert math.isclose(float(row["busbw"]), 16384 / 5.78e-6 * 2 * 3 / 4)
    ag = csv_rows(run, h5, runs[1]["run"])
    # "1048576   527.29": one rank's 1 MiB block, 4 MiB gathered.
    row = next(x for x in ag if x["count"] == "1048576")
    assert row["size"] == str(4 << 20) and row["checked"] == "0"
    assert math.isclose(float(row["busbw"]), (4 << 20) / 527.29e-6 * 3 / 4)
    with h5py.File(h5, "r") as f:
        assert f["runs"][runs[0]["run"]].attrs["config_yaml"].startswith("backend: mpi\n")


def test_osu_test_not_mapped_refused(run, tmp_path):
    f = tmp_path / "mbw.txt"
    f.write_text("\n# OSU MPI Multiple Bandwidth / Message Rate Test v7.2\n# [ pairs: 1 ] [ window size: 64 ]\n"
                 "# Size                  MB/s        Messages/s\n1                       2.77        2767549.67\n")
    assert_clean_error(run("import", f, "-o", tmp_path / "x.h5"), 4, "mbw.txt:2:",
                       "not an OSU test clusterbench imports")


def test_osu_point_to_point(run, tmp_path):
    """osu_latency, osu_bw and osu_bibw (one file, as a job script runs them) into sendrecv rows on two ranks
    (no --ranks needed: OSU's point-to-point tests run on exactly two) and each run's p2p table, as
    `collectives --op p2p` writes it: latency of 8 bytes, one direction's bandwidth at the largest size."""
    h5, runs = imported(run, tmp_path, "osu_p2p_np2.txt")
    assert [(r["source"], r["ranks"], r["tables"]) for r in runs] == [
        ("osu-micro-benchmarks 7.2", 2, {"collectives": n, "p2p": 1}) for n in (8, 4, 4)]
    lat, bw, bibw = (csv_rows(run, h5, r["run"]) for r in runs)
    # osu_latency "65536   6.96   Pass": half the round trip, us -> s.
    row = next(x for x in lat if x["size"] == "65536")
    assert (row["op"], row["count"], row["dtype"], row["redop"], row["root"], row["checked"], row["wrong"]) == (
        "sendrecv", "65536", "int8", "none", "-1", "1", "0")
    assert math.isclose(float(row["time"]), 6.96e-6) and math.isclose(float(row["busbw"]), 65536 / 6.96e-6)
    # osu_bw "4194304   11948.72": MB/s is 10^6 B/s, one direction; time = size / bandwidth.
    row = next(x for x in bw if x["size"] == "4194304")
    assert float(row["algbw"]) == 11948.72e6 and float(row["busbw"]) == 11948.72e6
    assert math.isclose(float(row["time"]), 4194304 / 11948.72e6)
    # osu_bibw "4194304   21913.79" counts both directions: a direction is half.
    row = next(x for x in bibw if x["size"] == "4194304")
    assert math.isclose(float(row["algbw"]), 21913.79e6 / 2)
    pairs = [csv_rows(run, h5, r["run"], "p2p") for r in runs]
    assert all(len(p) == 1 and (p[0]["src"], p[0]["dst"], p[0]["kind"]) == ("0", "1", "ring") for p in pairs)
    assert math.isclose(float(pairs[0][0]["latency"]), 1.5e-6) and pairs[0][0]["bandwidth"] == "nan"
    assert float(pairs[1][0]["bandwidth"]) == 11948.72e6 and pairs[1][0]["latency"] == "nan"
    assert math.isclose(float(pairs[2][0]["bandwidth"]), 21913.79e6 / 2)
    with h5py.File(h5, "r") as f:
        assert "osu_test: 'Bandwidth'" in f["runs"][runs[1]["run"]].attrs["config_yaml"]


def test_osu_reduce_scatter(run, tmp_path):
    """osu_reduce_scatter -f: OSU's size is the whole send buffer (nccl-tests' size too); nccl-tests' count is
    each rank's share of elements."""
    h5, runs = imported(run, tmp_path, "osu_reduce_scatter_np4.txt", extra=("--ranks", "4"))
    rows = csv_rows(run, h5, runs[0]["run"])
    # "1048576   266.14   252.84   279.45   100"
    row = next(x for x in rows if x["size"] == "1048576")
    assert (row["op"], row["count"], row["dtype"], row["redop"]) == ("reduce_scatter", str(1048576 // 4 // 4),
                                                                     "float", "sum")
    assert math.isclose(float(row["time"]), 266.14e-6) and math.isclose(float(row["rank_time_min"]), 252.84e-6)
    assert math.isclose(float(row["rank_time_max"]), 279.45e-6)
    assert math.isclose(float(row["busbw"]), 1048576 / 266.14e-6 * 3 / 4)


def test_osu_bad_and_truncated_rows(run, tmp_path):
    text = open(fixture("osu_p2p_np2.txt")).read()
    bad = tmp_path / "bad.txt"
    bad.write_text(text.replace("645.92", "645.9x"))
    assert_clean_error(run("import", bad, "-o", tmp_path / "x.h5"), 4, "bad.txt:18:", "'645.9x', not a number")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[:text.index("1285.55") - 8])
    assert_clean_error(run("import", cut, "-o", tmp_path / "x.h5"), 4, "cut.txt:26:", "truncated")


def test_nccl_tests_json_per_iteration_times(run, tmp_path):
    """nccl-tests >= 2.17 -J with -I 1 (document version 2): each placement's per_process_max_times_us is kept,
    every time in collectives_iterations, each process's mean in collectives_per_rank, and the collectives table's
    rank_time_* computed as `collectives` computes them. Rank 2 runs at 1.5x the others: the per-rank times name it."""
    doc = json.load(open(fixture("all_reduce_iters_2x2.json")))
    h5, runs = imported(run, tmp_path, "all_reduce_iters_2x2.json")
    r = runs[0]
    assert r["tables"] == {"collectives": 4, "collectives_ranks": 4, "collectives_per_rank": 16,
                           "collectives_iterations": 80}
    times = doc["results"][0]["out_of_place_per_iter"]["per_process_max_times_us"]
    its = [x for x in csv_rows(run, h5, r["run"], "collectives_iterations")
           if x["size"] == "1048576" and x["in_place"] == "0" and x["rank"] == "2"]
    assert [x["iteration"] for x in its] == ["0", "1", "2", "3", "4"]
    assert all(math.isclose(float(x["time"]), t / 1e6) for x, t in zip(its, times[2]))
    per = [x for x in csv_rows(run, h5, r["run"], "collectives_per_rank")
           if x["size"] == "1048576" and x["in_place"] == "0"]
    assert [x["host"] for x in per] == ["node001", "node001", "node002", "node002"]
    assert per[2]["device"] == "NVIDIA H100 80GB HBM3 (device 0)"
    slowest = max(per, key=lambda x: float(x["time"]))
    assert slowest["rank"] == "2" and math.isclose(float(slowest["time"]), sum(times[2]) / 5 / 1e6)
    row = next(x for x in csv_rows(run, h5, r["run"]) if x["size"] == "1048576" and x["in_place"] == "0")
    assert math.isclose(float(row["rank_time_max"]), max(times[2]) / 1e6)
    assert math.isclose(float(row["rank_time_min"]), min(min(t) for t in times) / 1e6)
    # Median over ranks of each rank's median: ranks 0, 1, 3 alike, so theirs.
    assert math.isclose(float(row["rank_time_median"]), sorted(times[0])[2] / 1e6)


def test_nccl_tests_text_per_iteration_columns(run, tmp_path):
    """The text of the same run: -I 1 adds i_min i_max i_p99 i_cv% to each placement; i_max, the slowest
    iteration of the slowest process, is the collectives table's rank_time_max."""
    h5, runs = imported(run, tmp_path, "all_reduce_iters_2x2.txt")
    assert runs[0]["source"] == "nccl-tests 2.18.3"
    rows = csv_rows(run, h5, runs[0]["run"])
    assert len(rows) == 4
    # "1048576  262144  float  sum  -1  60.48  17.34  26.00  0  59.30  61.67  61.67  1.39  61.69 ..."
    row = next(x for x in rows if x["size"] == "1048576" and x["in_place"] == "0")
    assert math.isclose(float(row["time"]), 60.48e-6) and math.isclose(float(row["rank_time_max"]), 61.67e-6)
    assert float(row["busbw"]) == 26.00e9 and row["rank_time_median"] == "nan"
    text = open(fixture("all_reduce_iters_2x2.txt")).read()
    cut = tmp_path / "cut.txt"
    cut.write_text(text[:text.index("   279.26") + 30])
    assert_clean_error(run("import", cut, "-o", tmp_path / "x.h5"), 4, "cut.txt:16:", "truncated")


def test_nccl_tests_json_bad_iteration_time(run, tmp_path):
    doc = json.load(open(fixture("all_reduce_iters_2x2.json")))
    doc["results"][1]["in_place_per_iter"]["per_process_max_times_us"][3][4] = "fast"
    f = tmp_path / "ar.json"
    f.write_text(json.dumps(doc))
    assert_clean_error(run("import", f, "-o", tmp_path / "x.h5"), 4,
                       "ar.json: results[1].in_place_per_iter.per_process_max_times_us[3][4] is '\"fast\"'")