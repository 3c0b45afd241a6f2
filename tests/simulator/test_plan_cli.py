"""`clusterbench plan` end to end: JSON as documented, the published Llama 3 layout beaten, the
search under `mpirun -np 4` returning the same plans as one process, and bad input."""
import json
import os
import shutil
import subprocess

import pytest

CB = os.environ["CB_BIN"]
MPIRUN = os.environ.get("CB_MPIEXEC") or shutil.which("mpiexec") or "mpiexec"


def plan(*args, launcher=(), timeout=300, tmp=None):
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    if tmp is not None:
        env["OMPI_MCA_orte_tmpdir_base"] = str(tmp)
    return subprocess.run([*launcher, CB, "plan", *args], capture_output=True, text=True, timeout=timeout, env=env)


def tables(p):
    """plan's --format json: the run's tables (plans, plan_search, plan_rejected) as `report` prints them."""
    assert p.returncode == 0, p.stderr
    t = json.loads(p.stdout)["tables"]
    (search,) = t["plan_search"]["rows"]
    return t["plans"]["rows"], search, t["plan_rejected"]["rows"]


def test_plan_json_beats_the_published_layout():
    plans, s, _ = tables(plan("llama3-405b-16k", "--top", "5", "--format", "json"))
    assert len(plans) == 5 and s["gpus"] == 16384 and s["plans"] == 5
    best = plans[0]
    for key in ("tp", "pp", "dp", "etp", "seq_len", "recompute", "step_time", "mfu", "memory_per_gpu",
                "estimate_step_time", "layout"):
        assert key in best
    assert best["fits_in_memory"] == 1 and best["step_time"] <= s["scenario_step_time"]
    assert s["scenario_layout"].startswith("TP8 PP16")
    steps = [x["step_time"] for x in plans]
    assert steps == sorted(steps)
    assert s["candidates"] >= s["valid"] >= s["fit_in_memory"] > 0 and s["candidates_per_s"] > 0


@pytest.mark.skipif(not shutil.which(MPIRUN), reason="no mpiexec")
def test_distributed_search_equals_one_process(tmp_path):
    one = plan("deepseek-v3-2048", "--top", "8", "--format", "json")
    assert one.returncode == 0, one.stderr
    four = plan("deepseek-v3-2048", "--top", "8", "--format", "json", launcher=(MPIRUN, "-np", "4"), tmp=tmp_path)
    assert four.returncode == 0, four.stderr
    (a, a_search, a_rejected), (b, b_search, b_rejected) = tables(one), tables(four)  # only rank 0 prints
    assert b_search["processes"] == 4
    assert [p["candidate"] for p in a] == [p["candidate"] for p in b]
    assert [p["step_time"] for p in a] == [p["step_time"] for p in b]
    for key in ("candidates", "valid", "fit_in_memory"):
        assert a_search[key] == b_search[key], key
    assert a_rejected == b_rejected


def test_plan_bad_input():
    p = plan("llama3-405b-16k", "--gpus", "0")
    assert p.returncode == 2 and "must be at least 1" in p.stderr, p.stderr
    p = plan("llama3-405b-16k", "--gpus", "65536")
    assert p.returncode == 3 and "has 16384" in p.stderr, p.stderr
    p = plan("llama3-405b-16k", "--gpus", "64")
    assert p.returncode == 3 and "none fits in" in p.stderr, p.stderr
    p = plan("llama3-405b-16k", "--objective", "speed")
    assert p.returncode == 2, p.stderr


def test_plan_objectives():
    # Cost per step from the cluster's prices and power: plans ranked by it.
    p = plan("llama3-405b-16k", "--set", "cluster=h100-16k-roce", "--objective", "cost", "--top", "5",
             "--format", "json")
    costs = [x["objective_value"] for x in tables(p)[0]]
    assert costs == sorted(costs) and costs[0] > 0
    # A cluster without prices: the error names the key.
    p = plan("llama3-405b-16k", "--objective", "cost")
    assert p.returncode == 3 and "price.gpu_hour" in p.stderr, p.stderr
    # Time to train needs the tokens; with them, the effective time (failures included) in seconds.
    p = plan("gpt3-175b-128", "--objective", "time-to-train")
    assert p.returncode == 3 and "training.tokens" in p.stderr, p.stderr
    p = plan("llama3-405b-16k", "--set", "cluster=h100-16k-roce", "--set", "training.tokens=15e12", "--objective",
             "time-to-train", "--top", "2", "--format", "json")
    best = tables(p)[0][0]
    ideal = 15e12 / best["tokens_per_s"]
    assert best["objective_value"] > ideal  # failures and checkpoints cost time


def test_plan_says_where_a_pipeline_layout_holds():
    """A scenario's pipeline_layout holds for its own pp x vpp; the plan says the other candidates split evenly,
    in its text and in plan_search.notes."""
    layout = "Et*4|(t*4|)*14tmL"
    p = plan("deepseek-v3-2048", "--top", "3", "--set", "model.mtp_layers=1", "--set",
             f"parallelism.pipeline_layout={layout}")
    assert p.returncode == 0, p.stderr
    assert f"note: parallelism.pipeline_layout '{layout}' holds for PP16 VPP1 only" in p.stdout, p.stdout
    _, search, _ = tables(plan("deepseek-v3-2048", "--top", "3", "--format", "json", "--set", "model.mtp_layers=1",
                               "--set", f"parallelism.pipeline_layout={layout}"))
    assert "holds for PP16 VPP1 only" in search["notes"]
