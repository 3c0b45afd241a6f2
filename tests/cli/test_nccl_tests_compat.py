"""`clusterbench collectives` keeps nccl-tests' command-line contract (issue 17, part 1).

What nccl-tests does is taken from its source, NVIDIA/nccl-tests src/common.cu (defaults, the getopt_long
table) and src/util.cu (the row, header, footer and "#  Rank" formats, the -J JSON document). Each test
names the old behaviour it guards against; each fails on it.

Scripts written for nccl-tests output are run here unchanged against this command's output: awk on field
positions of the data rows (size $1 ... busbw $8, #wrong $9 and $13, $NF), a grep of "Avg bus bandwidth",
the "#  Rank" lines. Loopback ranks (threads) everywhere, and under mpirun when this build has MPI.
"""
import json
import re
import os
import shutil
import subprocess
import time

import pytest


def clean_error(p, code, *phrases):
    assert p.returncode == code, f"exit {p.returncode}, expected {code}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    for phrase in phrases:
        assert phrase in p.stderr, f"'{phrase}' not in stderr: {p.stderr}"
    assert "internal error" not in p.stderr


def coll_rows(stdout):
    # --format json: the run's tables as --output stores them; the collectives table's rows.
    return json.loads(stdout)["tables"]["collectives"]["rows"]


def loop(run, *args, ranks=2, **kw):
    """A small loopback sweep: 8, 16, 32, 64 bytes."""
    return run("collectives", "--backend", "loopback", "--ranks", ranks, "-b", "8", "-e", "64", "-f", "2", "-n", "2",
               *args, **kw)


def sh(script, text):
    """Runs a shell pipeline (awk, grep) with `text` on stdin, as a user's nccl-tests script would."""
    p = subprocess.run(["sh", "-c", script], input=text, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def data_rows(text):
    return [l.split() for l in text.splitlines() if l.split() and l.split()[0].isdigit()]


# ---------------------------------------------------------------- scripts written for nccl-tests output


def check_nccl_tests_scripts(out, op="all_reduce", ranks=2):
    # The classic field positions: $1 size, $6 out-of-place time, $8 out-of-place busbw, $12 in-place busbw.
    fields = sh("awk '$1 ~ /^[0-9]+$/ {print $1, $6, $8, $9, $12, $13, NF}'", out).split("\n")
    rows = [f.split() for f in fields if f]
    assert [int(r[0]) for r in rows] == [8, 16, 32, 64]
    for size, t, busbw, wrong_oop, busbw_ip, wrong_ip, nf in rows:
        assert float(t) > 0 and float(busbw) >= 0 and float(busbw_ip) >= 0
        assert wrong_oop == "0" and wrong_ip == "0"
        # Old behaviour: every row ended with "# all_reduce" (15 fields), so $NF was the op's name.
        assert nf == "13"
    assert sh("awk '$1 ~ /^[0-9]+$/ {print $NF}'", out).split() == ["0"] * 4
    # busbw = algbw x 2(n-1)/n for all_reduce (nccl-tests doc/PERFORMANCE.md), read from the columns.
    for r in data_rows(out):
        assert float(r[7]) == pytest.approx(float(r[6]) * 2 * (ranks - 1) / ranks, abs=0.011)
    # The footer lines that scripts grep; old: "... : 0.0004 GB/s", so $NF was "GB/s".
    avg = sh("grep '# Avg bus bandwidth' | awk '{print $6, $NF}'", out).split()
    assert len(avg) == 2 and avg[0] == avg[1]
    float(avg[0])
    assert sh("grep -c '# Out of bounds values : 0 OK'", out).strip() == "1"
    assert f"# Collective test starting: {op}_perf" in out
    assert f"# Collective test concluded: {op}_perf" in out
    # The column header as nccl-tests prints it.
    header = [l for l in out.splitlines() if l.startswith("#") and "#wrong" in l][0].split()
    assert header[1:] == ["size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time",
                          "algbw", "busbw", "#wrong"]


def test_nccl_tests_scripts_read_loopback_output(run):
    p = loop(run, "--op", "all_reduce")
    assert p.returncode == 0, p.stderr
    check_nccl_tests_scripts(p.stdout)


def test_every_collective_opens_its_own_block(run):
    p = loop(run, "--op", "all_reduce,all_gather", ranks=4)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    starts = [i for i, l in enumerate(lines) if l.startswith("# Collective test starting:")]
    assert [lines[i].split()[-1] for i in starts] == ["all_reduce_perf", "all_gather_perf"]
    # Each block: the start line, then nccl-tests' three header lines, then its rows.
    for i in starts:
        assert "out-of-place" in lines[i + 1] and "#wrong" in lines[i + 2] and "(GB/s)" in lines[i + 3]
        assert lines[i + 4].split()[0].isdigit()  # all_gather's 8 B (2 floats on 4 ranks) is skipped
    assert all(len(r) == 13 for r in data_rows(p.stdout))
    assert {r[3] for r in data_rows(p.stdout)} == {"sum", "none"}  # all_gather has no reduction


def mpi_or_skip(run):
    mpirun = os.environ.get("CB_MPIEXEC") or shutil.which("mpirun") or shutil.which("mpiexec")
    if not mpirun or "mpi" not in run("--version").stdout:
        pytest.skip("no MPI in this build or on this machine")
    return mpirun


def test_nccl_tests_scripts_read_mpi_output(run, cb_bin, mpi_env):
    mpirun = mpi_or_skip(run)
    p = subprocess.run([mpirun, "-np", "2", cb_bin, "collectives", "--backend", "mpi", "-b", "8", "-e", "64", "-f", "2",
                        "-n", "5"], capture_output=True, text=True, timeout=240, env=mpi_env)
    assert p.returncode == 0, p.stderr
    check_nccl_tests_scripts(p.stdout)
    ranks = [l.split() for l in p.stdout.splitlines() if l.startswith("#  Rank")]
    assert [int(r[2]) for r in ranks] == [0, 1]
    assert len({r[6] for r in ranks}) == 2, "one process per rank: two pids"


def test_refused_flag_is_said_once_under_mpirun(run, cb_bin, mpi_env):
    mpirun = mpi_or_skip(run)
    for args, phrase in ((("-t", "2"), "-t 2: not offered here"), (("-o", "r.h5"), "--output r.h5")):
        p = subprocess.run([mpirun, "-np", "2", cb_bin, "collectives", "--backend", "mpi", *args], capture_output=True,
                           text=True, timeout=120, env=mpi_env)
        assert p.returncode != 0
        assert p.stderr.count(phrase) == 1, p.stderr


# ---------------------------------------------------------------- a: -o is the reduction


def test_o_is_the_reduction_as_in_nccl_tests(run, tmp_path):
    # Old behaviour: `-o max` wrote an HDF5 file named "max" and ran sum, saying nothing.
    p = loop(run, "-o", "max", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert {r[3] for r in data_rows(p.stdout)} == {"max"}
    assert not (tmp_path / "max").exists()
    assert {r[3] for r in data_rows(loop(run, "--redop", "prod").stdout)} == {"prod"}


def test_o_that_is_not_a_reduction_points_to_output(run, tmp_path):
    p = loop(run, "-o", "results.h5", cwd=tmp_path)
    clean_error(p, 2, "-o results.h5: not a reduction operation", "--output results.h5")
    assert not (tmp_path / "results.h5").exists()
    clean_error(loop(run, "-o", "mulsum"), 2, "premultiplied sum")
    clean_error(loop(run, "--op", "max"), 2, "--op names the collective here", "-o max")


def test_o_all_runs_every_reduction_in_nccl_tests_order(run):
    p = loop(run, "-o", "all", "-d", "float")
    assert p.returncode == 0, p.stderr
    redops = [r[3] for r in data_rows(p.stdout)]
    assert redops == [x for x in ("sum", "prod", "max", "min", "avg") for _ in range(4)]
    # An integer type has no avg on the loopback backend: left out, and said.
    p = loop(run, "-o", "all", "-d", "int32")
    assert p.returncode == 0, p.stderr
    assert [r[3] for r in data_rows(p.stdout)][::4] == ["sum", "prod", "max", "min"]
    assert "-o all: all_reduce on int32 with avg left out" in p.stdout
    # An explicit avg on int32 is refused, as before.
    clean_error(loop(run, "-o", "avg", "-d", "int32"), 2, "with avg")


def test_results_file_is_output(run, tmp_path):
    import h5py
    out = tmp_path / "c.h5"
    p = loop(run, "-o", "min", "--output", out, "-q")
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert set(f[f"/runs/{rid}/collectives"]["redop"]) == {b"min"}
    assert "--output FILE.h5" in run("collectives", "--help").stdout
    # -o all and -N 2: every row says its reduction and cycle, per rank too; -c 0 rows say unchecked.
    out = tmp_path / "all.h5"
    assert loop(run, "-o", "all", "-N", "2", "-c", "0", "--output", out, "-q").returncode == 0
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        agg = f[f"/runs/{rid}/collectives"][()]
        per = f[f"/runs/{rid}/collectives_per_rank"][()]
        config = f["runs"][rid].attrs["config_yaml"]
    assert len(agg) == 5 * 2 * 4 * 2  # reductions x cycles x sizes x placements
    assert {(r.decode(), c) for r, c in zip(agg["redop"], agg["cycle"])} == \
        {(r, c) for r in ("sum", "prod", "max", "min", "avg") for c in (0, 1)}
    assert set(agg["checked"]) == {0}
    assert len(per) == 2 * len(agg) and set(per["cycle"]) == {0, 1} and len(set(per["redop"])) == 5
    assert "checks: 0" in (config.decode() if isinstance(config, bytes) else config)


def test_d_all_runs_every_type_in_nccl_tests_order(run):
    # nccl-tests src/common.cu, test_types: int8 uint8 int32 uint32 int64 uint64 half float double bfloat16, and
    # with NCCL >= 2.24 f8e4m3 f8e5m2. Old behaviour: no fp8.
    order = ["int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float", "double", "bfloat16", "f8e4m3",
             "f8e5m2"]
    p = run("collectives", "--backend", "loopback", "--ranks", "2", "-b", "64", "-e", "64", "-n", "2", "-d", "all",
            "-o", "all")
    assert p.returncode == 0, p.stderr
    rows = [(r[2], r[3]) for r in data_rows(p.stdout)]
    assert [t for i, (t, _) in enumerate(rows) if i == 0 or rows[i - 1][0] != t] == order
    for t in order:  # avg only on floating types: left out, and said, on the others
        assert [r for tt, r in rows if tt == t] == (["sum", "prod", "max", "min", "avg"]
                                                   if t in ("half", "float", "double", "bfloat16", "f8e4m3",
                                                            "f8e5m2")
                                                   else ["sum", "prod", "max", "min"])
    assert "-d all, -o all: all_reduce on int8 with avg left out" in p.stdout
    assert "every type (-d all)" in p.stdout


def test_d_all_under_mpi_leaves_out_what_mpi_has_not(run, cb_bin, mpi_env):
    mpirun = mpi_or_skip(run)
    p = subprocess.run([mpirun, "-np", "2", cb_bin, "collectives", "--backend", "mpi", "-b", "64", "-e", "64", "-n",
                        "2", "-d", "all", "--format", "json"], capture_output=True, text=True, timeout=240,
                       env=mpi_env)
    assert p.returncode == 0, p.stderr
    types = {r["dtype"] for r in coll_rows(p.stdout)}
    # fp8 travels as bytes and reduces in software (user MPI_Ops); half and bfloat16 MPI has not.
    assert types == {"int8", "uint8", "int32", "uint32", "int64", "uint64", "float", "double", "f8e4m3", "f8e5m2"}
    # One type named, which MPI has not: refused, as before.
    p = subprocess.run([mpirun, "-np", "2", cb_bin, "collectives", "--backend", "mpi", "-d", "half"],
                       capture_output=True, text=True, timeout=240, env=mpi_env)
    assert p.returncode == 2 and p.stderr.count("MPI has no half") == 1


# ---------------------------------------------------------------- gather, scatter, alltoallv and fp8

# nccl-tests src/gather.cu, scatter.cu, alltoallv.cu: size is the larger buffer (the root's for gather and
# scatter, n slots for alltoallv), count the per-rank block (paramcount = size / n / element), algbw = size /
# time and busbw = algbw x (n-1)/n; gather and scatter print their root, alltoallv -1; no reduction ("none").
ELEMENT = {"float": 4, "double": 8, "int8": 1, "f8e4m3": 1, "f8e5m2": 1}


def check_new_op_rows(out, ranks, root, dtype="float", sizes=(1024, 2048, 4096)):
    lines = out.splitlines()
    starts = [i for i, l in enumerate(lines) if l.startswith("# Collective test starting:")]
    assert [lines[i].split()[-1] for i in starts] == ["gather_perf", "scatter_perf", "alltoallv_perf"]
    blocks = starts + [len(lines)]
    for op, (a, b) in zip(("gather", "scatter", "alltoallv"), zip(blocks, blocks[1:])):
        rows = data_rows("\n".join(lines[a:b]))
        assert [int(r[0]) for r in rows] == list(sizes), op
        for r in rows:
            assert len(r) == 13, r
            size, count, typ, redop, rt = int(r[0]), int(r[1]), r[2], r[3], int(r[4])
            assert count == size // ranks // ELEMENT[dtype], (op, r)
            assert (typ, redop) == (dtype, "none"), r
            assert rt == (-1 if op == "alltoallv" else root), r
            assert r[8] == "0" and r[12] == "0", f"{op}: #wrong {r[8]} / {r[12]}"
            for algbw, busbw in ((float(r[6]), float(r[7])), (float(r[10]), float(r[11]))):
                assert busbw == pytest.approx(algbw * (ranks - 1) / ranks, abs=0.011), (op, r)


def test_gather_scatter_alltoallv_rows_are_nccl_tests(run):
    # Old behaviour: "--op gather: unknown operation".
    p = run("collectives", "--backend", "loopback", "--ranks", "4", "--op", "gather,scatter,alltoallv", "-r", "2",
            "-b", "1K", "-e", "4K", "-f", "2", "-n", "2")
    assert p.returncode == 0, p.stderr
    check_new_op_rows(p.stdout, 4, 2)
    j = json.loads(run("collectives", "--backend", "loopback", "--ranks", "4", "--op", "gather,scatter,alltoallv",
                       "-b", "4K", "-e", "4K", "-n", "2", "-r", "3", "--format", "json").stdout)
    assert [(r["op"], r["in_place"], r["size"], r["count"], r["wrong"]) for r in j["tables"]["collectives"]["rows"]] == [
        (op, in_place, 4096, 256, 0) for op in ("gather", "scatter", "alltoallv") for in_place in (False, True)]


@pytest.mark.parametrize("dtype", ["f8e4m3", "f8e5m2"])
def test_fp8_runs_every_op_and_reduction_exactly(run, dtype):
    # Old behaviour: "-d f8e4m3: unknown data type". Every op (the new ones too), every reduction, 3 and 4 ranks
    # (3: sums that fp8 rounds), in and out of place: no wrong element; an 8-bit type: count = size.
    for ranks in (3, 4):
        p = run("collectives", "--backend", "loopback", "--ranks", ranks, "--op", "all", "-d", dtype, "-o", "all",
                "-b", "64", "-e", "4K", "-f", "8", "-n", "1", "--format", "json")
        assert p.returncode == 0, p.stderr
        rows = coll_rows(p.stdout)
        assert {r["dtype"] for r in rows} == {dtype}
        assert {r["op"] for r in rows} >= {"all_reduce", "gather", "scatter", "alltoallv"}
        assert {r["redop"] for r in rows if r["op"] == "all_reduce"} == {"sum", "prod", "max", "min", "avg"}
        assert [(r["op"], r["redop"], r["wrong"]) for r in rows if r["wrong"] != 0] == []
        assert all(r["count"] == r["size"] for r in rows if r["op"] == "all_reduce")


@pytest.mark.parametrize("op,corrupt", [("gather", 1), ("scatter", 0), ("alltoallv", 1), ("all_reduce", 1)])
def test_new_ops_and_fp8_checks_can_fail(run, op, corrupt):
    # A check that cannot fail proves nothing: a corrupting rank (the root, for scatter, whose data alone
    # travel) makes #wrong non-zero and the command fail, in fp8 too.
    for dtype in ("float", "f8e5m2"):
        p = run("collectives", "--backend", "loopback", "--ranks", "4", "--op", op, "-d", dtype, "-b", "256",
                "-e", "256", "-n", "1", "--inject", f"corrupt:{corrupt}", "--format", "json")
        assert p.returncode != 0, (op, dtype)
        assert coll_rows(p.stdout)[0]["wrong"] > 0, (op, dtype)
        assert "wrong element(s)" in p.stderr


def test_alltoallv_traffic_matrix_file(run, tmp_path, cb_bin, mpi_env):
    # nccl-tests' alltoallv parameter file: n lines of n fractions, line i what rank i sends of each slot.
    # The rows keep nccl-tests' accounting (size and count as without a matrix); the checks follow the matrix.
    m = tmp_path / "m.csv"
    m.write_text("# sender i, fraction of its slot to rank j\n1,0.5,0,0.25\n0.5,1,1,1\n0,0,0.75,1\n1,0.125,0.5,0\n")
    args = ["--op", "alltoallv", "--alltoallv-matrix", str(m), "-b", "1K", "-e", "4K", "-f", "2", "-n", "1",
            "--format", "json"]
    p = run("collectives", "--backend", "loopback", "--ranks", "4", *args)
    assert p.returncode == 0, p.stderr
    rows = coll_rows(p.stdout)
    assert [(r["size"], r["count"], r["wrong"]) for r in rows if not r["in_place"]] == [
        (1024, 64, 0), (2048, 128, 0), (4096, 256, 0)]
    assert all(r["wrong"] == 0 for r in rows)
    p = run("collectives", "--backend", "loopback", "--ranks", "4", *args, "--inject", "corrupt:1")
    assert p.returncode == 1 and "wrong element(s)" in p.stderr
    # Bad files: exit 2 naming the flag, the file and (where there is one) the line.
    for text, phrase in (("1,0.5\n0.5\n", "m.csv:2: 1 values where the first row has 2"),
                         ("1,2\n0,1\n", "m.csv:1: field 2 ('2') is not a fraction in [0, 1]"),
                         ("1,x\n0,1\n", "m.csv:1: field 2 ('x')"),
                         ("1,1,1\n1,1,1\n", "2 rows of 3 values; an n x n matrix is needed"),
                         ("# nothing\n", "no rows")):
        m.write_text(text)
        clean_error(run("collectives", "--backend", "loopback", "--ranks", "2", *args), 2, "--alltoallv-matrix",
                    phrase)
    clean_error(run("collectives", "--backend", "loopback", "--ranks", "2", *args[:2], "--alltoallv-matrix",
                    str(tmp_path / "none.csv")), 2, "none.csv: no such file")
    m.write_text("1,1,1\n1,1,1\n1,1,1\n")
    clean_error(run("collectives", "--backend", "loopback", "--ranks", "2", *args), 2,
                "a 3 x 3 matrix for a job of 2 ranks")
    clean_error(run("collectives", "--backend", "loopback", "--ranks", "3", "--op", "all_reduce",
                    "--alltoallv-matrix", str(m)), 2, "no alltoallv among the ops")
    # Under mpirun (MPI_Alltoallv with the matrix's counts; in place staged, the matrix being asymmetric).
    mpirun = mpi_or_skip(run)
    m.write_text("1,0.5,0\n0.25,1,1\n0,0.75,0.5\n")
    p = subprocess.run([mpirun, "-np", "3", cb_bin, "collectives", "--backend", "mpi", *args], capture_output=True,
                       text=True, timeout=240, env=mpi_env)
    assert p.returncode == 0, p.stderr
    rows = coll_rows(p.stdout)
    assert len(rows) == 6 and all(r["wrong"] == 0 for r in rows)


def test_r_minus_one_runs_every_root_in_turn(run, cb_bin, mpi_env):
    # nccl-tests' broadcast, reduce, gather and scatter tests run every root in turn with -r -1 (per type, the
    # size sweep once per root); old behaviour: "--root -1: the job has ranks 0..2".
    p = run("collectives", "--backend", "loopback", "--ranks", "3", "--op", "broadcast,gather,scatter,reduce,alltoall",
            "-r", "-1", "-b", "1K", "-e", "2K", "-f", "2", "-n", "1")
    assert p.returncode == 0, p.stderr
    rows = data_rows(p.stdout)
    roots = [int(r[4]) for r in rows]
    assert roots == [0, 0, 1, 1, 2, 2] * 4 + [-1, -1]
    assert all(r[8] == "0" and r[12] == "0" for r in rows)
    # A corrupting rank is wrong in the rows where it is the root (broadcast: only the root's data travel).
    p = run("collectives", "--backend", "loopback", "--ranks", "3", "--op", "broadcast", "-r", "-1", "-b", "1K",
            "-e", "1K", "-n", "1", "--inject", "corrupt:1")
    assert p.returncode == 1
    assert [(int(r[4]), r[8] != "0") for r in data_rows(p.stdout)] == [(0, False), (1, True), (2, False)]
    clean_error(run("collectives", "--backend", "loopback", "--ranks", "3", "-r", "-2"), 2, "--root -2")
    clean_error(run("collectives", "--backend", "loopback", "--ranks", "4", "--op", "gather", "-r", "-1",
                    "--split", "MOD:2"), 2, "--root -1 (each root in turn) with --split MOD:2")
    mpirun = mpi_or_skip(run)
    p = subprocess.run([mpirun, "-np", "3", cb_bin, "collectives", "--backend", "mpi", "--op", "gather,scatter",
                        "-r", "-1", "-b", "1K", "-e", "1K", "-n", "1", "-d", "f8e4m3"], capture_output=True,
                       text=True, timeout=240, env=mpi_env)
    assert p.returncode == 0, p.stderr
    assert [(r[2], int(r[4]), r[8], r[12]) for r in data_rows(p.stdout)] == [
        ("f8e4m3", root, "0", "0") for root in (0, 1, 2)] * 2


def test_new_ops_and_fp8_under_mpi(run, cb_bin, mpi_env):
    # MPI_Gather, MPI_Scatter, MPI_Alltoallv with nccl-tests' rows; fp8 moved as bytes and reduced by user
    # MPI_Ops (sum, prod, max, min; MPI has no avg).
    mpirun = mpi_or_skip(run)
    p = subprocess.run([mpirun, "-np", "4", cb_bin, "collectives", "--backend", "mpi", "--op",
                        "gather,scatter,alltoallv", "-r", "1", "-b", "1K", "-e", "4K", "-f", "2", "-n", "2"],
                       capture_output=True, text=True, timeout=240, env=mpi_env)
    assert p.returncode == 0, p.stderr
    check_new_op_rows(p.stdout, 4, 1)
    for dtype in ("f8e4m3", "f8e5m2"):
        p = subprocess.run([mpirun, "-np", "4", cb_bin, "collectives", "--backend", "mpi", "--op", "all", "-d", dtype,
                            "-o", "all", "-b", "64", "-e", "4K", "-f", "8", "-n", "1", "--format", "json"],
                           capture_output=True, text=True, timeout=240, env=mpi_env)
        assert p.returncode == 0, p.stderr
        rows = coll_rows(p.stdout)
        assert {r["op"] for r in rows} >= {"all_reduce", "reduce_scatter", "gather", "scatter", "alltoallv"}
        assert {r["redop"] for r in rows if r["op"] == "all_reduce"} == {"sum", "prod", "max", "min"}
        assert [(r["op"], r["redop"], r["wrong"]) for r in rows if r["wrong"] != 0] == []
    p = subprocess.run([mpirun, "-np", "4", cb_bin, "collectives", "--backend", "mpi", "--op", "gather", "-r", "3",
                        "-d", "f8e4m3", "-b", "256", "-e", "256", "-n", "1", "--inject", "corrupt:1", "--format",
                        "json"], capture_output=True, text=True, timeout=240, env=mpi_env)
    assert p.returncode != 0 and coll_rows(p.stdout)[0]["wrong"] > 0


# ---------------------------------------------------------------- b: N/A when unchecked


def test_unchecked_wrong_column_is_na(run):
    # Old behaviour: -c 0 printed #wrong 0, unchecked shown as checked.
    p = loop(run, "-c", "0")
    assert p.returncode == 0, p.stderr
    assert sh("awk '$1 ~ /^[0-9]+$/ {print $9, $13}'", p.stdout).split() == ["N/A"] * 8
    j = json.loads(loop(run, "-c", "0", "--format", "json").stdout)
    # The stored table's convention: checked 0 (nccl-tests prints N/A), wrong counts nothing.
    assert all(r["checked"] == 0 and r["wrong"] == 0 for r in j["tables"]["collectives"]["rows"])
    assert all(r["wrong"] == 0 and r["checked"] == 1 for r in coll_rows(loop(run, "--format", "json").stdout))


# ---------------------------------------------------------------- d: nccl-tests' defaults


def test_defaults_are_nccl_tests(run):
    # nccl-tests src/common.cu: minBytes = maxBytes = 32M, stepBytes 1M, stepFactor 1 (off), iters 20,
    # warmup_iters 1, datacheck 1. Old defaults: -b 8 -e 8M -f 2 -w 5.
    help_text = run("collectives", "--help").stdout
    for flag, default in (("--minbytes", "32M"), ("--maxbytes", "32M"), ("--stepbytes", "1M"), ("--stepfactor", "1"),
                          ("--iters", "20"), ("--warmup_iters", "1"), ("--check", "1")):
        line = [l for l in help_text.splitlines() if flag in l][0]
        assert re.search(rf"={re.escape(default)}(\s|$)", line), line
    p = run("collectives", "--backend", "loopback", "--ranks", "2", "-n", "1", timeout=300)
    assert p.returncode == 0, p.stderr
    assert [int(r[0]) for r in data_rows(p.stdout)] == [32 << 20]
    assert "warmup iters: 1 iters: 1 agg iters: 1 validation: 1" in p.stdout
    # Without -f, sizes step by -i (1M), as in nccl-tests.
    p = run("collectives", "--backend", "loopback", "--ranks", "2", "-b", "8", "-e", "3M", "-n", "1")
    assert [int(r[0]) for r in data_rows(p.stdout)] == [8, 8 + (1 << 20), 8 + (2 << 20)]
    assert "step: 1048576(bytes)" in p.stdout


# ---------------------------------------------------------------- e: every rank's "#  Rank" line


def test_every_rank_has_its_rank_line(run):
    # Old behaviour: rank 0's line alone. nccl-tests (src/util.cu) prints one per rank, gathered on rank 0,
    # "#  Rank %2d Group %2d Pid %6d on %10s device %2d [%s] %s".
    p = loop(run, ranks=4)
    assert p.returncode == 0, p.stderr
    lines = [l.split() for l in p.stdout.splitlines() if l.startswith("#  Rank")]
    assert [int(l[2]) for l in lines] == [0, 1, 2, 3]
    for l in lines:
        assert l[3] == "Group" and l[5] == "Pid" and int(l[6]) == int(l[6]) and l[7] == "on" and l[9] == "device"
        assert l[10] == "-1" and l[11] == "[cpu]"
    # With a split, each rank's group (color) is its own.
    p = loop(run, "--split", "MOD:2", ranks=4)
    assert [int(l.split()[4]) for l in p.stdout.splitlines() if l.startswith("#  Rank")] == [0, 1, 0, 1]


# ---------------------------------------------------------------- f: every nccl-tests flag


@pytest.mark.parametrize("flag,value,meaning,phrase", [
    ("-t", "2", "--nthreads", "-g N"),
    ("-p", "1", "--parallel_init", "ncclCommInitAll"),
    ("-y", "1", "--stream_null", "own non-blocking stream"),
    ("-G", "1", "--cudagraph N", "-m groups them"),
    ("-R", "1", "--local_register", "not registered"),
    ("-x", "1", "--cta_policy", "default CTA policy"),
    ("-D", "1", "--device_implementation", "implementation is measured"),
    ("-V", "16", "--device_cta_count", "-D device implementations"),
    ("-M", "1", "--memory_report", "clusterbench info"),
    ("-F", "r.csv", "CSV results file", "--output FILE.h5"),
    ("-K", "1", "src/common.cu has no -K", "--help"),
    ("-u", "1", "RCCL's rccl-tests: a CU mask", "--help"),
])
def test_nccl_tests_flags_not_offered_are_refused(run, flag, value, meaning, phrase):
    # Old behaviour: the refusal named no nccl-tests meaning, and -m was refused ("use -n").
    clean_error(loop(run, flag, value), 2, f"{flag} {value}: not offered here", meaning, phrase)


def test_nccl_tests_flags_at_their_neutral_value_run(run):
    p = loop(run, "-t", "1", "-m", "1", "-p", "0", "-y", "0", "-G", "0", "-R", "0", "-D", "0", "-M", "0")
    assert p.returncode == 0, p.stderr
    assert len(data_rows(p.stdout)) == 4


def test_m_aggregates_ops_per_iteration(run, tmp_path):
    # nccl-tests' -m (agg_iters): each timed iteration issues that many ops (NCCL: one group), and the time is
    # elapsed / (iters x agg_iters). Old behaviour: "-m 4: not offered here" (exit 2). The op count per iteration
    # is checked in tests/collectives/harness_test.cc (Harness.AggregatedIterations).
    js = tmp_path / "agg.json"
    h5 = tmp_path / "agg.h5"
    p = loop(run, "-m", "4", "-J", js, "--output", h5)
    assert p.returncode == 0, p.stderr
    assert "iters: 2 agg iters: 4 validation: 1" in p.stdout
    assert len(data_rows(p.stdout)) == 4 and all(r[8] == "0" and r[12] == "0" for r in data_rows(p.stdout))
    assert json.loads(js.read_text())["config"]["aggregated_iterations"] == 4
    import h5py
    with h5py.File(h5, "r") as f:
        (run_group,) = f["runs"].values()
        config = run_group.attrs["config_yaml"]
        assert "agg_iters: 4" in (config.decode() if isinstance(config, bytes) else config)
    clean_error(loop(run, "-m", "0"), 2, "-m 0: the aggregated op count must be at least 1")
    clean_error(loop(run, "-n", "1073741824", "-m", "4"), 2, "ops per measurement")


def test_T_is_the_timeout(run):
    t0 = time.time()
    p = loop(run, "--inject", "hang:1", "-T", "1", timeout=60)
    clean_error(p, 6, "did not arrive within 1 s: rank 1")
    assert time.time() - t0 < 30
    assert loop(run, "-T", "0").returncode == 0  # nccl-tests' default: no timeout


def test_N_z_C_S_I(run):
    p = loop(run, "-N", "2")
    assert [int(r[0]) for r in data_rows(p.stdout)] == [8, 16, 32, 64] * 2
    assert [r["cycle"] for r in coll_rows(loop(run, "-N", "2", "--format", "json").stdout)] == \
        [0] * 8 + [1] * 8  # out of place and in place
    p = loop(run, "-z", "1")
    assert p.returncode == 0 and "# Blocking Enabled: wait for completion and barrier after each collective" in p.stdout
    p = loop(run, "-C", "1")
    header = [l for l in p.stdout.splitlines() if "#wrong" in l][0].split()
    assert header.count("cputime") == 2 and "time" not in header
    p = loop(run, "-S", "1")
    rows = data_rows(p.stdout)
    assert all(len(r) == 15 and r[13].count("-") == 2 and r[14].count(":") == 2 for r in rows)
    # -I: per-iteration statistics of the timed loop, cv included, only when asked.
    assert "/ cv" not in loop(run).stdout
    p = loop(run, "-I", "1", "-n", "20")
    assert "min / median / max / p99 / cv" in p.stdout and "every op of the timed loop" in p.stdout
    stats = [l.split() for l in p.stdout.splitlines() if l.startswith("# all_reduce")]
    assert len(stats) == 4 and all(float(s[-1]) >= 0 for s in stats)


@pytest.mark.parametrize("env,groups", [({"NCCL_TESTS_SPLIT": "MOD 2"}, 2), ({"NCCL_TESTS_SPLIT": "% 4"}, 4),
                                        ({"NCCL_TESTS_SPLIT": "DIV 2"}, 2), ({"NCCL_TESTS_SPLIT": "AND 0x1"}, 2),
                                        ({"NCCL_TESTS_SPLIT_MASK": "0x3"}, 4)])
def test_nccl_tests_split_environment(run, env, groups):
    p = loop(run, "--format", "json", ranks=4, env={**os.environ, **env})
    assert p.returncode == 0, p.stderr
    assert len({g["group"] for g in json.loads(p.stdout)["tables"]["collectives_groups"]["rows"]}) == groups
    name, value = next(iter(env.items()))
    assert f"# {name}={value}: --split" in loop(run, ranks=4, env={**os.environ, **env}).stdout


def test_nccl_tests_split_environment_that_cannot_be_read_is_refused(run):
    # nccl-tests gives color 0 to a value it cannot read (no split, silently); refused here.
    clean_error(loop(run, env={**os.environ, "NCCL_TESTS_SPLIT": "EVERY 2"}), 2, "NCCL_TESTS_SPLIT=EVERY 2")


# ---------------------------------------------------------------- h: -J, nccl-tests' JSON document


def test_J_writes_nccl_tests_json(run, tmp_path):
    out = tmp_path / "r.json"
    p = loop(run, "-J", out, "-c", "0", ranks=3)
    assert p.returncode == 0, p.stderr
    d = json.loads(out.read_text())
    # src/util.cu: the top-level keys in this order.
    assert list(d) == ["version", "start_time", "args", "env", "nccl_version", "config", "results", "out_of_bounds",
                       "average_bus_bandwidth", "errors", "end_time"]
    assert d["version"] == 1 and "-J" in d["args"]
    assert d["config"]["minimum_bytes"] == 8 and d["config"]["step_factor"] == 2
    assert d["config"]["blocking_collectives"] == "false"
    assert [x["rank"] for x in d["config"]["devices"]] == [0, 1, 2]
    assert [r["size"] for r in d["results"]] == [8, 16, 32, 64]
    for r in d["results"]:
        assert r["redop"] == "sum" and r["root"] == "    -1" and r["type"] == "float"
        assert set(r["out_of_place"]) == {"time", "alg_bw", "bus_bw", "nwrong"}
        assert r["out_of_place"]["nwrong"] is None and r["in_place"]["nwrong"] is None  # -c 0
    assert d["out_of_bounds"] == {"count": 0, "okay": "true"}
    assert d["average_bus_bandwidth"]["okay"] == "unchecked"
    # As nccl-tests, an existing file is never overwritten.
    assert loop(run, "-J", out).returncode == 0
    assert (tmp_path / "r.json.0").exists()
    clean_error(loop(run, "-J", tmp_path / "r.csv"), 2, "must end in .json")


# ---------------------------------------------------------------- issue 17 part 4: start_time


def test_run_start_time_is_when_it_started(run, tmp_path):
    # Old behaviour: start_time was taken when the results were written (a 217 s run recorded as 21 ms).
    import datetime
    import h5py
    out = tmp_path / "c.h5"
    t0 = time.time()
    p = run("collectives", "--backend", "loopback", "--ranks", "2", "-b", "1M", "-e", "2M", "-f", "2", "-n", "100",
            "-q", "--output", out, timeout=300)
    wall = time.time() - t0
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        (r,) = f["runs"].values()
        start, end = (datetime.datetime.fromisoformat(r.attrs[k].rstrip("Z")) for k in ("start_time", "end_time"))
    assert (end - start).total_seconds() >= 0.5 * wall, (start, end, wall)
