"""SIGINT/SIGTERM to the long computations (the simulator's schedule, plan's search): they end at once with exit
130 and the results file says the run was interrupted (docs/reliability.md; issue 15, part 3)."""
import signal
import subprocess
import time

import h5py
import pytest


def wait_for_interrupt_handler(pid, deadline_s=30):
    """Waits until `pid` catches SIGTERM (its handler is installed: /proc's SigCgt mask), so a signal sent now is
    the tool's to honour, never the default action of a process still starting."""
    t0 = time.time()
    while time.time() - t0 < deadline_s:
        with open(f"/proc/{pid}/status") as f:
            caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.01)
    pytest.fail(f"process {pid} never installed its SIGTERM handler")


@pytest.mark.parametrize("args", [
    # The discrete-event schedule of 1,024 replicas x 1,024 micro-batches: ~20 s uninterrupted on an idle machine.
    ["simulate", "llama3-405b-131k", "--full", "--set", "training.global_batch=1048576"],
    # 100,000 layouts re-simulated: minutes uninterrupted.
    ["plan", "deepseek-v3-2048", "--threads", "2", "--simulate-top", "100000"],
], ids=["simulate", "plan"])
def test_sigterm_ends_a_long_simulation_and_marks_the_run_interrupted(cb_bin, tmp_path, args):
    # The simulator polls SIGINT/SIGTERM (every 4096 events, every layout), so a long simulate or plan ends at once
    # with exit 130 and the results file says the run was interrupted. Before: the signal was caught and never
    # looked at, so the run went on to its end (exit 0) and only a second SIGINT stopped it.
    out = str(tmp_path / "r.h5")
    proc = subprocess.Popen([cb_bin, *args, "-q", "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_for_interrupt_handler(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{args[0]} ignored SIGTERM")
    assert proc.returncode == 130, err
    assert "interrupted by SIGTERM" in err
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        run = f["runs"][rid]
        assert run.attrs["kind"] == args[0]
        assert run.attrs["status"] == "interrupted"
        assert run.attrs["message"] == "interrupted by SIGTERM"
