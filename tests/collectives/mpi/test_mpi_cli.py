"""`clusterbench collectives --backend mpi` under mpirun (label mpi): every op
and several types, in and out of place, with 2, 4 and an oversubscribed 8
ranks; injections; watchdog; bad input gives the same exit code on every
rank, printed once."""
import json
import os
import signal
import subprocess
import time

import pytest

CB = os.environ["CB_BIN"]
MPIRUN = os.environ.get("CB_MPIEXEC", "mpirun")


def mpirun(np, *args, timeout=240, tmp=None):
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    if tmp is not None:
        env["OMPI_MCA_orte_tmpdir_base"] = str(tmp)
    return subprocess.run([MPIRUN, "-np", str(np), CB, "collectives", "--backend", "mpi", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("np", [2, 4, 8])
def test_every_op_exact(np, tmp_path):
    for dtype in ("int8", "int32", "float", "double"):
        p = mpirun(np, "--op", "all", "-d", dtype, "-b", "8", "-e", "256K", "-f", "8", "-n", "3", "-w", "1",
                   "--format", "json", tmp=tmp_path)
        assert p.returncode == 0, p.stderr
        j = json.loads(p.stdout)
        assert j["ranks"] == np and j["wrong"] == 0
        rows = j["tables"]["collectives"]["rows"]  # --format json: the stored tables
        assert {r["op"] for r in rows} == {"all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce",
                                           "alltoall", "sendrecv", "gather", "scatter", "alltoallv"}
        assert {r["in_place"] for r in rows} == {0, 1}
        for r in rows:
            factor = {"all_reduce": 2 * (np - 1) / np, "all_gather": (np - 1) / np, "reduce_scatter": (np - 1) / np,
                      "alltoall": (np - 1) / np, "gather": (np - 1) / np, "scatter": (np - 1) / np,
                      "alltoallv": (np - 1) / np}.get(r["op"], 1.0)
            assert r["busbw"] == pytest.approx(r["algbw"] * factor, rel=1e-9)
        assert j["tables"]["p2p"]["rows"]


@pytest.mark.parametrize("redop", ["prod", "min", "max"])
def test_reductions(redop, tmp_path):
    p = mpirun(4, "--op", "all_reduce,reduce_scatter,reduce", "--redop", redop, "-d", "int32", "-b", "64", "-e",
               "64K", "-f", "32", "-n", "2", "--format", "json", tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["wrong"] == 0


def test_corrupt_detected_on_every_rank(tmp_path):
    p = mpirun(4, "--op", "all_reduce", "-b", "1K", "-e", "1K", "--inject", "corrupt:1", tmp=tmp_path)
    assert p.returncode == 1, p.stderr
    assert p.stderr.count("wrong element(s); seen by rank") == 1  # said once, by rank 0


def test_slow_rank_named_late(tmp_path):
    p = mpirun(4, "--op", "all_reduce", "-b", "1M", "-e", "1M", "-n", "10", "--inject", "slow:2:3", "--format",
               "json", tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)["tables"]["collectives"]["rows"][0]
    assert r["late_ranks"].split(",")[0] == "2"


def test_watchdog_names_rank_that_never_joins(tmp_path):
    t0 = time.time()
    p = mpirun(4, "--op", "all_reduce", "-b", "8", "-e", "8", "--inject", "hang:3", "--timeout", "2",
               timeout=120, tmp=tmp_path)
    assert p.returncode == 6, p.stderr
    assert "rank 3" in p.stderr and "did not arrive" in p.stderr
    assert time.time() - t0 < 60


def test_bad_input_same_exit_code_said_once(tmp_path):
    p = mpirun(4, "-b", "1M", "-e", "1K", tmp=tmp_path)
    assert p.returncode == 2
    assert p.stderr.count("sizes out of order") == 1
    p = mpirun(2, "-d", "half", tmp=tmp_path)
    assert p.returncode == 2
    assert p.stderr.count("MPI has no half") == 1


def test_writes_hdf5_with_environment(tmp_path):
    import h5py
    out = tmp_path / "c.h5"
    env_p = mpirun(2, "--op", "all_reduce", "-b", "8", "-e", "1K", "-f", "4", "-q", "--output", out, tmp=tmp_path)
    assert env_p.returncode == 0, env_p.stderr
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        run = f["runs"][rid]
        assert run.attrs["rank_count"] == 2
        env = dict(e.split("=", 1) for e in run.attrs["environment"])
        assert any(k.startswith("OMPI_") for k in env)


@pytest.mark.parametrize("split,groups", [("MOD:2", 2), ("intra", 1), ("inter", 4)])
def test_split_groups(split, groups, tmp_path):
    p = mpirun(4, "--split", split, "--op", "all_reduce,alltoall", "-b", "64", "-e", "64K", "-f", "32", "-n", "3",
               "--format", "json", tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["wrong"] == 0
    assert len({g["group"] for g in j["tables"]["collectives_groups"]["rows"]}) == groups


def test_watchdog_when_rank0_never_joins(tmp_path):
    t0 = time.time()
    p = mpirun(3, "--op", "all_reduce", "-b", "8", "-e", "8", "--inject", "hang:0", "--timeout", "2", timeout=120,
               tmp=tmp_path)
    assert p.returncode == 6, p.stderr
    # Rank 0's process lives, so its own watchdog names it (alive, never progressing: "rank 0 (host, cpu) stopped
    # progressing"); where that thread cannot, the others say rank 0 did not answer.
    assert "rank 0 (" in p.stderr and ("stopped progressing" in p.stderr or "did not answer" in p.stderr), p.stderr
    assert time.time() - t0 < 90


def test_device_buffers_run_exactly_or_are_refused_once(tmp_path):
    """--buffers device: where the build has CUDA, the MPI is CUDA-aware and every rank has a GPU, every op
    runs on GPU memory with no wrong element; anywhere else (CPU-only build, MPI not CUDA-aware, no GPU)
    a usage error (exit 2) that rank 0 alone prints, naming the rank and the reason, and --buffers auto
    falls back to host buffers."""
    p = mpirun(2, "--buffers", "device", "--op", "all", "-d", "float", "-b", "8", "-e", "64K", "-f", "16", "-n", "2",
               "--format", "json", tmp=tmp_path)
    if p.returncode == 0:
        j = json.loads(p.stdout)
        assert j["buffers"] == "device" and j["wrong"] == 0
        return
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("--buffers device: the mpi backend cannot use device buffers on rank ") == 1, p.stderr
    assert any(reason in p.stderr for reason in ("this build has no CUDA", "not CUDA-aware",
                                                 "does not say that it is CUDA-aware", "no GPU visible")), p.stderr
    p = mpirun(2, "--buffers", "auto", "--op", "all_reduce", "-b", "8", "-e", "1K", "-n", "2", "--format", "json",
               tmp=tmp_path)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["buffers"] == "host" and j["wrong"] == 0


def test_cuda_aware_override(tmp_path, monkeypatch):
    """CB_MPI_CUDA_AWARE vouches for (1) or denies (0) CUDA-awareness; anything else is named in the refusal."""
    monkeypatch.setenv("CB_MPI_CUDA_AWARE", "yes")
    p = mpirun(2, "--buffers", "device", "--op", "all_reduce", "-b", "8", "-e", "1K", "-n", "2", tmp=tmp_path)
    if p.returncode != 0:  # a build without CUDA refuses before asking the MPI
        assert p.returncode == 2, p.stderr
        assert "CB_MPI_CUDA_AWARE=yes: expected 1" in p.stderr or "this build has no CUDA" in p.stderr, p.stderr
    monkeypatch.setenv("CB_MPI_CUDA_AWARE", "0")
    p = mpirun(2, "--buffers", "device", "--op", "all_reduce", "-b", "8", "-e", "1K", "-n", "2", tmp=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "CB_MPI_CUDA_AWARE=0 says" in p.stderr or "this build has no CUDA" in p.stderr, p.stderr
    monkeypatch.setenv("CB_MPI_CUDA_AWARE", "1")
    p = mpirun(2, "--buffers", "device", "--op", "all_reduce", "-b", "8", "-e", "1K", "-n", "2", tmp=tmp_path)
    if p.returncode != 0:  # vouched for: only the build or a missing GPU can still refuse
        assert p.returncode == 2 and ("no GPU visible" in p.stderr or "this build has no CUDA" in p.stderr), p.stderr
        assert "CUDA-aware" not in p.stderr.split("cannot use device buffers")[-1], p.stderr



def _start(env, timeout_s, out, fmt="json"):
    # Long enough that the stop lands inside the sweep: thousands of
    # iterations per size up to 1 MiB.
    args = [MPIRUN, "-np", "4", CB, "collectives", "--backend", "mpi", "--op", "all_reduce", "-b", "8", "-e", "1M",
            "-f", "2", "-n", "3000", "--timeout", str(timeout_s), "--output", str(out), "--format", fmt]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_rows(p, rows):
    """Reads the streamed table until `rows` result rows are out (a loaded machine may take long to start)."""
    seen = 0
    for line in p.stdout:
        if line.strip() and line.lstrip()[0].isdigit():
            seen += 1
            if seen >= rows:
                return


def test_stopped_rank_is_named_and_results_kept(tmp_path, rank_pid, stop_rank, mpi_env):
    """Issue 15: a rank stopped (SIGSTOP) inside the sweep, while the others wait in a collective, is named by
    rank 0 with host and device within about --timeout; the job ends with 6 and the results so far are in the
    file, marked failed with the watchdog's message."""
    out = tmp_path / "stall.h5"
    p = _start(mpi_env, 4, out, fmt="table")
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    _wait_for_rows(p, 3)
    t0 = time.time()
    cleanup = stop_rank(pid)
    try:
        _, err = p.communicate(timeout=150)
    finally:
        if p.poll() is None:
            p.kill()
        cleanup()
    assert p.returncode == 6, err
    assert "rank 2" in err and "stopped responding" in err, err
    assert time.time() - t0 < 120  # about --timeout after the stop; generous for a loaded CI machine
    import h5py
    with h5py.File(out, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed"
        assert "rank 2" in run.attrs["message"]
        assert len(run["collectives"]) > 0


def test_stuck_rank_that_still_beats_is_named_and_results_kept(tmp_path, mpi_env):
    """Issue 15: rank 2's main thread stops inside the sweep (--inject stuck:2, after the first size's agreement)
    while its process and watchdog thread live, so it keeps beating; the other ranks wait in the next all_reduce.
    Rank 0 names rank 2 alone, with host and device (alive, but it never reached the collective the others wait
    in), within about --timeout; the results so far are in the file (run failed, the watchdog's message) and the
    job ends with 6. Before, only beats were watched: the job waited until it was killed."""
    out = tmp_path / "stuck.h5"
    args = [MPIRUN, "-np", "4", CB, "collectives", "--backend", "mpi", "--op", "all_reduce", "-b", "8", "-e", "64K",
            "-f", "2", "-n", "50", "--timeout", "4", "--inject", "stuck:2", "--output", str(out)]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=mpi_env,
                         start_new_session=True)
    try:
        _, err = p.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # mpirun and its ranks
        p.communicate()
        pytest.fail("the job with a stuck rank 2 did not end")
    assert p.returncode == 6, err
    (line,) = [l for l in err.splitlines() if "stopped progressing" in l]
    assert "watchdog: rank 2 (" in line and ", cpu) stopped progressing" in line, line
    assert not any(f"rank {r} (" in line for r in (0, 1, 3)), line
    import h5py
    with h5py.File(out, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed"
        assert "rank 2" in run.attrs["message"] and "stopped progressing" in run.attrs["message"]
        sizes = set(run["collectives"]["size"])
        assert sizes == {8}, sizes  # the size measured before rank 2 stopped, and nothing after


def test_stopped_and_resumed_rank_marks_what_it_delayed(tmp_path, rank_pid, mpi_env, stop_rank):
    """Issue 15: a rank stopped for 4 s and resumed (within --timeout) does not end the job, but the measurement
    it delayed names it in stalled_ranks (table, HDF5) and a warning says so: never silently averaged."""
    out = tmp_path / "resume.h5"
    p = _start(mpi_env, 60, out, fmt="table")
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    # A row is printed when its size is done, so a stop sent at once lands in
    # the next size's agreement and warm-up, between two measurements (where it
    # delays no figure). The last size, 1 MiB, runs two timed loops of 3000
    # ops (seconds even on an idle machine): stop half a second into it.
    _wait_for_rows(p, 17)
    time.sleep(0.5)
    stop_rank(pid, 4)
    so, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    assert "STALLED" in so and "rank 2" in so.split("STALLED", 1)[1], so
    assert "rank 2" in err and "stopped and resumed" in err
    import h5py
    with h5py.File(out, "r") as f:
        (run,) = f["runs"].values()
        stalled = [s for s in run["collectives"]["stalled_ranks"] if s not in (b"", "")]
        assert stalled and all(s in (b"2", "2") for s in stalled), stalled


def test_sigint_to_mpirun_inside_a_long_measurement_keeps_results(tmp_path, mpi_env):
    """Issue 15: SIGINT to mpirun while every rank is inside a long measurement. OpenMPI relays it as SIGTERM and
    sends SIGKILL about a second later, before the ranks reach their next agreement: rank 0's keeper writes the
    results so far (status interrupted) within the grace. mpirun itself then exits 1 (its own code for a job it
    ended on a signal); run alone, clusterbench exits 130 (tests/cli)."""
    out = tmp_path / "intr.h5"
    env = mpi_env
    p = subprocess.Popen([MPIRUN, "-np", "4", CB, "collectives", "--backend", "mpi", "--op", "all_reduce", "-b", "1M",
                          "-e", "64M", "-f", "2", "-n", "50", "--output", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode in (1, 130), err
    import h5py
    with h5py.File(out, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "interrupted"
        assert "results so far kept" in run.attrs["message"]


def test_killed_rank_is_named_and_results_kept_as_failed(tmp_path, rank_pid, mpi_env):
    """Issue 15: rank 2 killed outright (SIGKILL) mid-sweep. mpirun ends the others with SIGTERM; every rank still
    alive says it was signalled, so rank 0 names the one that did not, and keeps the results so far with status
    failed before the launcher's SIGKILL. mpirun exits non-zero (137)."""
    out = tmp_path / "kill.h5"
    env = mpi_env
    p = subprocess.Popen([MPIRUN, "-np", "4", CB, "collectives", "--backend", "mpi", "--op", "all_reduce", "-b", "8",
                          "-e", "1M", "-f", "2", "-n", "3000", "--output", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    pid = rank_pid(CB, 2, p.pid)
    assert pid, "rank 2 not found"
    time.sleep(2)
    os.kill(pid, signal.SIGKILL)
    _, err = p.communicate(timeout=120)
    assert p.returncode != 0, err
    assert "rank 2" in err and "vanished" in err, err
    import h5py
    with h5py.File(out, "r") as f:
        (run,) = f["runs"].values()
        assert run.attrs["status"] == "failed"
        assert "rank 2" in run.attrs["message"] and "vanished" in run.attrs["message"]
