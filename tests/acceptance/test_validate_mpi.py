"""`clusterbench validate` under `mpirun -np 4` with the host-cpu suite, one
machine acting as four nodes (label mpi): a clean run passes everywhere; a
slowed rank and a corrupted rank fail, alone, with the check and the numbers;
the evidence file loads in h5py."""
import json
import os
import signal
import subprocess
import time

import h5py
import pandas as pd
import pytest

CB = os.environ["CB_BIN"]
MPIRUN = os.environ.get("CB_MPIEXEC", "mpirun")
SUITE = os.path.join(os.environ.get("CB_SOURCE_DIR", "."), "configs", "suites", "host-cpu.yaml")

# CI runs these ranks on 2 cores: a healthy rank's host GEMM or STREAM figure sometimes dips to about 55% of
# the best (observed on the CI machine; a lone process does not dip). These tests check behaviour (a slowed or
# corrupted rank fails alone, a clean run passes), not the machine, so the host checks tolerate 60% and the
# slow injection takes 80% off: noise cannot pass for the injection, nor the injection for noise.
TOLERANT = ["--set", "checks.0.threshold.relative=0.6", "--set", "checks.0.threshold.outlier_min_deviation=0.6",
            "--set", "checks.1.threshold.relative=0.6", "--set", "checks.1.threshold.outlier_min_deviation=0.6"]


def rows(j, table):
    """The rows of one of the run's tables in `validate --format json` (the shape `report --format json` gives)."""
    return j["tables"][table]["rows"]


def status(j):
    (row,) = rows(j, "validate_status")
    return row


def validate(*args, np=4, tmp=None, timeout=300):
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    if tmp is not None:
        env["OMPI_MCA_orte_tmpdir_base"] = str(tmp)
    return subprocess.run([MPIRUN, "-np", str(np), CB, "validate", "--suite", SUITE, *TOLERANT, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def test_clean_run_all_pass_and_evidence_loads(tmp_path):
    h5 = tmp_path / "evidence.h5"
    p = validate("--format", "json", "-o", h5, tmp=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    j = json.loads(p.stdout)
    assert status(j)["verdict"] == "PASS" and status(j)["status"] == "OK"
    ranks = rows(j, "validate_ranks")
    assert [r["rank"] for r in ranks] == [0, 1, 2, 3]
    assert all(r["verdict"] == "PASS" for r in ranks), ranks
    nodes = rows(j, "validate_nodes")
    assert len(nodes) == 4 and all(n["verdict"] == "PASS" for n in nodes)
    assert status(j)["devices_passing"] == 4 and status(j)["availability"] == 1
    assert {"compute scale", "memory", "communication performance"} <= {f["section"] for f in rows(j, "validate_summary")}
    # Progress on rank 0's stderr, once per phase, with the time left.
    assert p.stderr.count("about") >= 3 and "[3/3]" in p.stderr

    with h5py.File(h5, "r") as f:
        (run,) = list(f["runs"])
        g = f["runs"][run]
        assert g.attrs["kind"] == "validate" and g.attrs["status"] == "complete"
        assert "host-cpu" in g.attrs["config_yaml"]
        meas = pd.DataFrame(g["validate_measurements"][()])
        # Every measurement: 4 nodes x 2 host checks x >= 3 rounds, and the collective.
        assert (meas["check"] == b"stream-triad").sum() >= 12
        assert (meas["wrong"] == 0).all()
        ranks = pd.DataFrame(g["validate_ranks"][()])
        assert list(ranks["verdict"]) == [b"PASS"] * 4
        versions = pd.DataFrame(g["validate_versions"][()])
        assert {b"blas", b"hdf5"} <= set(versions["key"])


def test_slow_rank_fails_alone_with_numbers(tmp_path):
    p = validate("--inject", "slow:2:0.8", "--format", "json", tmp=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    j = json.loads(p.stdout)
    assert status(j)["status"] == "CRITICAL"
    ranks = rows(j, "validate_ranks")
    failed = [r["rank"] for r in ranks if r["verdict"] == "FAIL"]
    assert failed == [2], ranks
    reasons = ranks[2]["reasons"].replace("\n", " ")
    assert "gemm-fp64" in reasons or "stream-triad" in reasons
    assert "measured" in reasons and "expected" in reasons and ("GB/s" in reasons or "GFLOP/s" in reasons)
    assert [n["verdict"] for n in rows(j, "validate_nodes")].count("FAIL") == 1
    # Evidence (issue 17, part 2): the inventory gathered over MPI (one host: one entry, from its first
    # rank), the provenance, and the banner naming the failing node.
    host = ranks[0]["host"]
    inventory = rows(j, "validate_inventory")
    assert [i["host"] for i in inventory] == [host] and inventory[0]["memory"] > 0
    prov = {r["key"]: r["value"] for r in rows(j, "validate_provenance")}
    assert prov["command_line"].endswith("--inject slow:2:0.8 --format json")
    assert len(prov["suite_sha256"]) == 64
    assert status(j)["banner"].endswith(f"FAIL: node {host}:2 (host {host})"), status(j)["banner"]


def test_corrupt_rank_fails(tmp_path):
    p = validate("--inject", "corrupt:2", tmp=tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    # The table on rank 0: rank 2 FAIL with the verification failure.
    lines = [l for l in p.stdout.splitlines() if l.split()[:1] == ["2"]]
    assert lines and lines[0].split()[-1] == "FAIL", p.stdout
    assert "failed verification" in p.stdout
    # Said as a correctness failure, with its next step (issue 17, part 2).
    assert "WRONG RESULTS" in p.stdout and "wrong results (correctness, not speed)" in p.stdout
    for r in ("0", "1", "3"):
        row = [l for l in p.stdout.splitlines() if l.split()[:1] == [r]]
        assert row and row[0].split()[-1] == "PASS", p.stdout


def test_injection_outside_the_job_is_unknown(tmp_path):
    p = validate("--inject", "slow:9:0.5", tmp=tmp_path)
    assert p.returncode == 3
    assert p.stderr.count("outside the job") == 1


NCCL_SUITE = """name: nccl-probe
description: one MPI and one NCCL all_reduce
time_budget: 0.1s
checks:
  - {name: allreduce-mpi, benchmark: all_reduce, scope: fabric, dtype: float, bytes: 64KiB, iters: 5,
     threshold: {absolute: 1.0e3}, severity: warn}
  - {name: allreduce-nccl, benchmark: all_reduce, scope: fabric, backend: nccl, dtype: bfloat16, bytes: 1MiB,
     iters: 5, threshold: {absolute: 1.0e3}, severity: critical}
"""


def test_nccl_checks_run_or_say_why_not(tmp_path, mpi_env):
    """A fabric check with backend nccl runs on an NCCL communicator over the job's ranks where every rank
    has a GPU; elsewhere it is SKIPPED on every rank alike with the reason (no NCCL in the build, or no GPU:
    the NCCL backend's own error), and the MPI check beside it still runs."""
    suite = tmp_path / "nccl-probe.yaml"
    suite.write_text(NCCL_SUITE)
    env = mpi_env
    p = subprocess.run([MPIRUN, "-np", "2", CB, "validate", "--suite", str(suite), "--format", "json"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    j = json.loads(p.stdout)
    checks = {c["check"]: c for c in rows(j, "validate_verdicts")}
    assert checks["allreduce-mpi"]["verdict"] == "PASS"
    nccl = checks["allreduce-nccl"]
    if nccl["verdict"] == "SKIPPED":
        reason = nccl["reason"]
        assert ("this build has no NCCL backend" in reason
                or "no NCCL communicator: 2 rank(s) could not make one" in reason), reason
    else:
        assert nccl["verdict"] == "PASS"



def _wait_for(stream, text):
    """Reads rank 0's progress lines until one contains `text` (a loaded machine may take long to start)."""
    seen = []
    for line in stream:
        seen.append(line)
        if text in line:
            return seen
    return seen

# A --timeout shorter than a check's measurement is not a hang (issue 15): ranks that share a host measure one
# slot at a time, and the measuring rank calls no collective for the whole budget. Before, the progress watchdog
# took the measuring rank for stuck ("rank 0 ... stopped progressing", exit 6) and the slot barrier gave the
# others only --timeout; now the measurement loop's work counts as progress and the slot's deadline is --timeout
# beyond the time the slot is expected to measure.
def test_a_measurement_longer_than_the_timeout_is_not_a_hang(tmp_path):
    suite = tmp_path / "long.yaml"
    suite.write_text("name: long-measurement\ntime_budget: 2s\nchecks:\n  - name: gemm-fp64\n    benchmark: gemm\n"
                     "    scope: node\n    dtype: fp64\n    size: 256\n    threads: 1\n    rounds: 1\n"
                     "    threshold:\n      relative: 0.9\n      outlier_min_deviation: 0.9\n    repeats: 1\n"
                     "    severity: warn\n")  # within 90% of the best: any figure passes, the test is the watchdog
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_orte_tmpdir_base": str(tmp_path)}
    p = subprocess.run([MPIRUN, "-np", "2", CB, "validate", "--suite", suite, "--timeout", "1", "--format", "json"],
                       capture_output=True, text=True, timeout=240, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "watchdog" not in p.stderr, p.stderr
    j = json.loads(p.stdout)
    assert status(j)["status"] == "OK" and [r["verdict"] for r in rows(j, "validate_ranks")] == ["PASS", "PASS"], j


def test_stopped_rank_mid_suite_is_named_and_evidence_kept(tmp_path, rank_pid, mpi_env, stop_rank):
    """Issue 15: rank 2 stopped (SIGSTOP) a few seconds into the suite, while the others wait for it, is named
    by rank 0 within about --timeout; every rank ends with 6 (not a hang), the report says PARTIAL with the
    watchdog's message and the evidence so far is in the file, marked failed."""
    h5 = tmp_path / "evidence.h5"
    env = mpi_env
    t0 = time.time()
    p = subprocess.Popen([MPIRUN, "-np", "4", CB, "validate", "--suite", SUITE, "--timeout", "6", "-o", str(h5)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    early = _wait_for(p.stderr, "[1/3]")
    time.sleep(1)
    cleanup = stop_rank(pid)
    try:
        out, err = p.communicate(timeout=120)
        err = "".join(early) + err
    finally:
        if p.poll() is None:
            p.kill()
        cleanup()
    assert p.returncode == 6, err
    # Named by the progress watchdog, or by the arrival check of the slot it missed, whichever ends first.
    assert "rank 2" in err and ("stopped responding" in err or "did not arrive" in err), err
    assert "PARTIAL" in out and "(exit 6)" in out, out
    assert time.time() - t0 < 120  # about --timeout after the stop; generous for a loaded CI machine
    with h5py.File(h5, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed"
        assert "rank 2" in run.attrs["message"]


def test_stopped_and_resumed_rank_has_its_round_discarded(tmp_path, rank_pid, mpi_env, stop_rank):
    """Issue 15: rank 2 stopped for 3 s during the host checks and resumed (within --timeout): the job goes on, the
    round rank 2 measured while stopped is discarded (said on stderr), never judged, and rank 2 passes on its
    other rounds."""
    env = mpi_env
    p = subprocess.Popen([MPIRUN, "-np", "4", CB, "validate", "--suite", SUITE, *TOLERANT, "--timeout", "60", "--format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    early = _wait_for(p.stderr, "[1/3]")
    time.sleep(0.5)  # inside the GEMM or STREAM check
    stop_rank(pid, 3)
    out, err = p.communicate(timeout=240)
    err = "".join(early) + err
    assert p.returncode == 0, err
    assert "discarded: rank 2 stopped during it and resumed" in err, err
    j = json.loads(out)
    assert [r["verdict"] for r in rows(j, "validate_ranks")] == ["PASS"] * 4, j


def test_killed_rank_mid_suite_is_named_and_evidence_failed(tmp_path, rank_pid, mpi_env):
    """Issue 15: rank 2 killed outright (SIGKILL) during the suite. mpirun ends the others with SIGTERM; the ranks
    still alive say they were signalled, so rank 0's keeper names the one that did not and writes the report and
    evidence so far (evidence run failed) before the launcher's SIGKILL; never a run left 'running'."""
    h5 = tmp_path / "evidence.h5"
    env = mpi_env
    p = subprocess.Popen([MPIRUN, "-np", "4", CB, "validate", "--suite", SUITE, "-o", str(h5)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    early = _wait_for(p.stderr, "[1/3]")
    time.sleep(1)
    os.kill(pid, signal.SIGKILL)
    out, err = p.communicate(timeout=120)
    err = "".join(early) + err
    assert p.returncode != 0, err
    assert "PARTIAL" in out, out
    with h5py.File(h5, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed", run.attrs["message"]
        assert "rank 2" in run.attrs["message"] and "vanished" in run.attrs["message"]
