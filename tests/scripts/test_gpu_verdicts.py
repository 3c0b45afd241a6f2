"""scripts/gpu/verdicts.py: the PASS/FAIL lines the GPU session relies on. Each issue target passes at
its threshold and fails below it; a missing, unreadable or oddly shaped result is a FAIL, never silence."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "gpu", "verdicts.py")


def judge(stage, d):
    p = subprocess.run([sys.executable, SCRIPT, stage, str(d)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout.splitlines()


def write(d, name, obj):
    (d / name).write_text(obj if isinstance(obj, str) else json.dumps(obj))


def tables(**rows):
    # `kernels --format json`: the run's tables as -o stores them (columns elided: verdicts.py reads rows).
    return {"status": "complete", "message": "", "tables": {name: {"rows": r} for name, r in rows.items()}}


GEMM = {"benchmark": "gemm", "checked": 4096, "wrong": 0, "pct_of_peak": 78.9}


def kernels_dir(d, tflops=780.0, exhaustive=790.0, copy=4300.0, fma=95.0):
    write(d, "bf16_8192_heuristic.json", tables(gemm=[{**GEMM, "flop_rate": tflops * 1e12}]))
    write(d, "bf16_8192_exhaustive.json", tables(gemm=[{**GEMM, "flop_rate": exhaustive * 1e12,
                                                        "best_source": "enumerated", "algos_tried": 900}]))
    write(d, "stream_4g.json", tables(memory=[{"benchmark": "copy", "bandwidth": copy * 1e9, "pct_of_peak": None,
                                               "wrong": 0}]))
    write(d, "peak.json", tables(peak=[
        {"benchmark": "fma", "dtype": "fp32", "flop_rate": 60e12, "pct_of_clock_peak": fma, "clock_hz": 1.98e9,
         "checked": 1024, "wrong": 0},
        {"benchmark": "mma", "dtype": "bf16", "skipped": "needs compute capability 9.0"}]))


# The fixture's names are the tool's: a host run's gemm and memory tables have every column verdicts.py reads
# (a renamed column would make the GPU session's verdicts FAIL with "no result" instead of judging).
@pytest.mark.skipif(not os.environ.get("CB_BIN"), reason="CB_BIN (the clusterbench binary) not set")
def test_the_fixture_uses_the_tools_column_names():
    p = subprocess.run([os.environ["CB_BIN"], "kernels", "--device", "host", "--bench", "gemm,stream", "--sizes", "64",
                        "--dtype", "fp32", "--bytes", "64K", "--time-budget", "0.01", "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert {"status", "message", "tables"} <= set(doc)
    gemm = {c["name"] for c in doc["tables"]["gemm"]["columns"]}
    assert {"benchmark", "flop_rate", "pct_of_peak", "checked", "wrong", "best_source", "best_config", "algos_tried",
            "configs_enumerated", "search_capped"} <= gemm
    memory = {c["name"] for c in doc["tables"]["memory"]["columns"]}
    assert {"benchmark", "bandwidth", "pct_of_peak", "wrong"} <= memory
    assert "copy" in {r["benchmark"] for r in doc["tables"]["memory"]["rows"]}
    p = subprocess.run([os.environ["CB_BIN"], "collectives", "--backend", "loopback", "--ranks", "2", "-b", "8", "-e",
                        "8", "-n", "2", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["wrong"] == 0
    assert {"op", "in_place", "size", "time", "algbw"} <= {c["name"] for c in doc["tables"]["collectives"]["columns"]}


def test_kernels_targets_pass_at_their_thresholds(tmp_path):
    kernels_dir(tmp_path)
    code, lines = judge("kernels", tmp_path)
    assert code == 0, lines
    assert [ln.split()[0] for ln in lines] == ["PASS", "PASS", "PASS", "PASS", "INFO"]
    assert "780.0 vs exhaustive 790.0 TFLOP/s = 98.7%" in lines[1]


def test_each_kernels_target_fails_below_it(tmp_path):
    for kw, phrase in [({"tflops": 759.0, "exhaustive": 770.0}, "bf16 8192^3: 759.0"),
                       ({"tflops": 770.0, "exhaustive": 800.0}, "= 96.2%"),
                       ({"copy": 4199.0}, "HBM copy: 4199"), ({"fma": 89.9}, "fp32 FMA")]:
        kernels_dir(tmp_path, **kw)
        code, lines = judge("kernels", tmp_path)
        assert code == 1 and any(ln.startswith("FAIL") and phrase in ln for ln in lines), (kw, lines)


def test_missing_results_are_failures(tmp_path):
    code, lines = judge("kernels", tmp_path)
    assert code == 1
    for phrase in ("bf16 8192^3 heuristic search: no result", "HBM copy: no result", "fp32 FMA: no result"):
        assert any(ln.startswith("FAIL " + phrase) for ln in lines), lines
    code, lines = judge("comm", tmp_path)
    assert code == 1 and {"nccl_vs_bare: no output", "calibration: no summary (see runs.log)"} <= {
        ln[5:] for ln in lines if ln.startswith("FAIL")}


def test_odd_shapes_fail_instead_of_crashing(tmp_path):
    kernels_dir(tmp_path)
    write(tmp_path, "peak.json", tables(peak=[{"dtype": "fp32"}]))  # no benchmark key
    code, lines = judge("kernels", tmp_path)
    assert code == 2 and lines[-1].startswith("FAIL verdicts.py could not judge the kernels stage")


def test_comm_targets(tmp_path):
    write(tmp_path, "nccl_all.json", {**tables(collectives=[
        {"op": "all_reduce", "in_place": 0, "size": 1 << 30, "time": 0.004, "algbw": 268.4e9}]), "wrong": 0})
    write(tmp_path, "nccl_split.json", {**tables(collectives=[{"op": "all_reduce"}]), "wrong": 0})
    write(tmp_path, "nccl_vs_bare.log", "# all_reduce\n size(B) iters bare tool bb tb tool/bare\n"
                                        "           8    1000   10.0  10.1  0.00  0.00  0.990\n"
                                        "   268435456      40 1000.0 1030.0 268.4 260.6  0.971\n")
    write(tmp_path, "calibration.json", {"max_error": 0.1, "summary": {
        "bf16": {"median_abs_error": 0.05, "layer_error": -0.03},
        "fp8": {"median_abs_error": 0.12, "layer_error": 0.11}}})
    code, lines = judge("comm", tmp_path)
    assert code == 1
    verdicts = [(ln.split()[0], ln) for ln in lines if not ln.startswith("INFO")]
    assert [v for v, _ in verdicts] == ["PASS", "PASS", "PASS", "FAIL", "PASS", "FAIL"], lines
    assert "ratio 0.971" in verdicts[3][1] and "fp8" in verdicts[5][1]
    assert any("INFO nccl all_reduce 1073741824 B on 1 GPU: 4000.0 us, algbw 268.4 GB/s" == ln for ln in lines), lines
    write(tmp_path, "nccl_all.json", {**tables(collectives=[{"op": "all_gather"}]), "wrong": 3})
    code, lines = judge("comm", tmp_path)
    assert lines[0].startswith("FAIL nccl -g 1 every op") and "3 wrong" in lines[0]
