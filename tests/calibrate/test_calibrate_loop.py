"""Close the loop on this machine: measure host GEMM and MPI collectives on 4 local ranks,
calibrate, predict those same GEMMs and collectives, and compare (issue: median error within 10%).

Measurement conditions that keep a shared 2-core machine from drowning the signal in noise: the test
runs alone (RUN_SERIAL in CMake), BLAS uses one thread (OPENBLAS_NUM_THREADS=1: a 2-thread GEMM
stalls whenever another process takes a core), idle MPI ranks yield (OMPI_MCA_mpi_yield_when_idle).
"""
import json
import os
import statistics
import subprocess

import h5py
import pandas as pd
import pytest

CB = os.environ.get("CB_BIN", "build/default/apps/clusterbench")
MPIEXEC = os.environ.get("CB_MPIEXEC", "mpiexec")


# Accuracy gates on measured times apply only on a quiet machine (as tests/scripts/test_calibrate_check.py).
TIMED = os.environ.get("CB_TIMED_CHECKS") == "1"

def cb(*args, env=None, timeout=300):
    p = subprocess.run([CB, *args], capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{args}: {p.stderr}"
    return p


def table(path, name):
    with h5py.File(path, "r") as f:
        (rid,) = list(f["runs"])
        d = pd.DataFrame(f[f"/runs/{rid}/{name}"][()])
    for c in d.columns:
        if d[c].dtype == object:
            d[c] = d[c].str.decode("utf-8")
    return d


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    d = tmp_path_factory.mktemp("loop")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_MCA_mpi_yield_when_idle="1")
    k, c, prof = str(d / "k.h5"), str(d / "c.h5"), str(d / "profile.yaml")
    cb("kernels", "--device", "host", "--bench", "gemm", "--dtype", "fp64,fp32", "--sizes", "128,192,256,384,512,768",
       "--time-budget", "0.5", "-q", "-o", k, env=env)
    p = subprocess.run([MPIEXEC, "-n", "4", CB, "collectives", "--backend", "mpi", "--op",
                        "all_reduce,all_gather,reduce_scatter,broadcast", "-b", "1K", "-e", "4M", "-f", "2", "-n", "30",
                        "-w", "5", "-q", "--output", c], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    out = json.loads(cb("calibrate", k, c, "-o", prof, "--format", "json").stdout)
    return {"k": k, "c": c, "profile": prof, "json": out}


def rel(pred, meas):
    return abs(pred - meas) / meas


def test_profile_records_sources_and_fits(measured):
    j = measured["json"]
    assert j["device"] == "host"
    assert {s["kind"] for s in j["sources"]} == {"kernels", "collectives"}
    assert {g["dtype"] for g in j["gemm"]} == {"fp64", "fp32"}
    ops = {(c["op"], c["tier"], c["ranks"]) for c in j["collectives"]}
    assert ops == {(op, "intra", 4) for op in ("all_reduce", "all_gather", "reduce_scatter", "broadcast")}
    # The profile is a valid document: config check loads it against the schema.
    p = subprocess.run([CB, "config", "check", "profile", measured["profile"]], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_predicted_collectives_match_measurements(measured):
    d = table(measured["c"], "collectives")
    d = d[d.in_place == 0]
    errors = []
    for _, row in d.iterrows():
        p = json.loads(cb("simulate", "--calibration", measured["profile"], "--collective", row.op, "--ranks", "4",
                          "--bytes", str(int(row["size"])), "--format", "json").stdout)
        assert p["tier"] == "intra" and p["measured_ranks"] == 4
        # calibrate fits the median call over ranks and iterations (robust to one preempted iteration)
        errors.append(rel(p["time_s"], row.rank_time_median))
    print(f"collectives: {len(errors)} predictions, median error {statistics.median(errors):.1%}, "
          f"max {max(errors):.1%}")
    # A prediction for every measured point; its accuracy is a timing figure,
    # judged only on a quiet machine (CB_TIMED_CHECKS=1): on a loaded CI runner
    # the measurements themselves move (docs/calibration.md).
    assert len(errors) == len(d) and all(e == e and e >= 0 for e in errors)
    if TIMED:
        assert statistics.median(errors) <= 0.10


def test_predicted_gemms_match_measurements(measured):
    d = table(measured["k"], "gemm")
    errors = []
    for _, row in d.iterrows():
        shape = f"{row.m}x{row.n}x{row.k}"
        p = json.loads(cb("simulate", "--calibration", measured["profile"], "--gemm", shape, "--dtype", row["dtype"],
                          "--format", "json").stdout)
        errors.append(rel(p["time_s"], row.time_s))
    print(f"gemm: {len(errors)} predictions, median error {statistics.median(errors):.1%}, max {max(errors):.1%}")
    assert len(errors) == len(d) and all(e == e and e >= 0 for e in errors)
    if TIMED:  # a timing figure: see test_predicted_collectives_match_measurements
        assert statistics.median(errors) <= 0.10


def test_extrapolation_is_said(measured):
    p = json.loads(cb("simulate", "--calibration", measured["profile"], "--collective", "all_reduce", "--ranks", "64",
                      "--bytes", "1G", "--format", "json").stdout)
    assert any("measured on 4 ranks, predicting 64" in n for n in p["notes"])
    assert any("sizes measured" in n for n in p["notes"])


def test_host_profile_refused_for_a_gpu_scenario(measured):
    p = subprocess.run([CB, "simulate", "llama3-405b-16k", "--calibration", measured["profile"]], capture_output=True,
                       text=True)
    assert p.returncode == 3, p.stderr
    assert "measured on the host CPU" in p.stderr and "Traceback" not in p.stderr


def test_bad_prediction_requests(measured):
    prof = measured["profile"]
    for args, code, phrase in [
        (["--collective", "alltoall", "--ranks", "4", "--bytes", "1M"], 3, "no model of alltoall"),
        (["--collective", "all_reduce", "--bytes", "1M"], 2, "--ranks"),
        (["--collective", "all_reduce", "--ranks", "4"], 2, "--bytes"),
        (["--gemm", "12x34", "--dtype", "fp64"], 2, "MxNxK"),
        (["--gemm", "64x64x64", "--dtype", "bf16"], 3, "no bf16 GEMM model"),
    ]:
        p = subprocess.run([CB, "simulate", "--calibration", prof, *args], capture_output=True, text=True)
        assert p.returncode == code and phrase in p.stderr, (args, p.returncode, p.stderr)
    p = subprocess.run([CB, "simulate", "--collective", "all_reduce", "--ranks", "4", "--bytes", "1M"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "--calibration" in p.stderr
