"""`clusterbench kernels` under mpirun (label mpi): every rank measures its own
device and rank 0 prints and stores every rank's results, each named by rank
and host; errors give the same exit code on every rank, said once when they
are the same everywhere and per rank when they are not."""
import json
import os
import subprocess

import h5py
import pytest

CB = os.environ["CB_BIN"]
MPIRUN = os.environ.get("CB_MPIEXEC", "mpirun")
SMALL = ["kernels", "--device", "host", "--bench", "gemm,stream", "--sizes", "128", "--dtype", "fp64",
         "--bytes", "1M", "--time-budget", "0.05"]


def env(tmp):
    return {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_orte_tmpdir_base": str(tmp)}


def mpirun(np, *args, tmp):
    # Unbound ranks: each then takes its share of the host's CPUs (a bound rank takes the CPUs it is bound to).
    return subprocess.run([MPIRUN, "-np", str(np), "--bind-to", "none", CB, *map(str, args)], capture_output=True,
                          text=True, timeout=240, env=env(tmp))


@pytest.mark.parametrize("np", [2, 4])
def test_every_rank_reported_on_rank_zero(np, tmp_path):
    out = tmp_path / "k.h5"
    p = mpirun(np, *SMALL, "--format", "json", "-o", out, tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    tables = json.loads(p.stdout)["tables"]  # one document: only rank 0 printed
    host = os.uname().nodename
    for table, bench in (("gemm", "gemm"), ("memory", "triad")):
        got = sorted(r["rank"] for r in tables[table]["rows"] if r["benchmark"] == bench)
        assert got == list(range(np)), bench
    rows = tables["gemm"]["rows"] + tables["memory"]["rows"]
    assert all(r["host"] == host and r["wrong"] == 0 for r in rows)
    with h5py.File(out) as f:
        (run,) = f["runs"].values()
        assert run.attrs["rank_count"] == np and run.attrs["status"] == "complete"
        gemm = run["gemm"][()]
        assert sorted(gemm["rank"].tolist()) == list(range(np))
        # Ranks on one host share its cores rather than each taking all of them.
        cpus = os.cpu_count()
        assert set(gemm["threads"].tolist()) == {max(1, cpus // np)}


def test_table_names_rank_and_host(tmp_path):
    p = mpirun(2, *SMALL, tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    host = os.uname().nodename
    assert f"rank 0: {host}" in p.stdout and f"rank 1: {host}" in p.stdout
    assert "1:host fp64" in p.stdout and "0:host triad" in p.stdout


def test_same_error_everywhere_said_once(tmp_path):
    p = mpirun(2, "kernels", "--device", "host", "--bench", "gemm", "--dtype", "bf16", tmp=tmp_path)
    assert p.returncode == 2
    assert p.stderr.count("--dtype bf16: the host backend runs fp64 and fp32") == 1
    p = mpirun(2, *SMALL, "-o", tmp_path / "missing" / "k.h5", tmp=tmp_path)
    assert p.returncode == 4
    assert p.stderr.count("does not exist") == 1


def test_one_rank_failing_is_named_and_the_rest_kept(tmp_path):
    # MPMD: rank 1 alone gets a command line it cannot run.
    out = tmp_path / "k.h5"
    p = subprocess.run([MPIRUN, "-np", "1", CB, *SMALL, "-o", str(out), ":", "-np", "1", CB, *SMALL[:-6],
                        "--dtype", "bf16", "--bytes", "1M", "-o", str(out)],
                       capture_output=True, text=True, timeout=240, env=env(tmp_path))
    assert p.returncode == 2, p.stderr
    host = os.uname().nodename
    assert f"rank 1 ({host}): --dtype bf16" in p.stderr
    assert "0:host fp64" in p.stdout  # rank 0's results are printed...
    with h5py.File(out) as f:  # ...and stored, in a run marked failed
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed"
        assert run["gemm"][()]["rank"].tolist() == [0]


def test_launcher_without_a_matching_mpi_is_refused(tmp_path):
    # srun --mpi=none: Slurm says 2 tasks, MPI makes each process a world of its own.
    e = env(tmp_path)
    e["SLURM_STEP_NUM_TASKS"] = "2"
    p = subprocess.run([CB, *SMALL], capture_output=True, text=True, timeout=120, env=e)
    assert p.returncode == 2
    assert "SLURM_STEP_NUM_TASKS=2" in p.stderr and "MPI sees a job of 1 process" in p.stderr
    # A job of one process runs alone, with or without MPI.
    e["SLURM_STEP_NUM_TASKS"] = "1"
    assert subprocess.run([CB, *SMALL], capture_output=True, text=True, timeout=120, env=e).returncode == 0
