"""Fixtures shared by every pytest suite under tests/: the binary under test."""
import os

import pytest


@pytest.fixture(scope="session")
def cb_bin():
    path = os.environ.get("CB_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CB_BIN must name the clusterbench executable (CTest sets it)")
    return path


@pytest.fixture
def rank_pid():
    """find(binary, rank, launcher): the PID of the process running `binary` that is MPI rank `rank` of the job
    that `launcher` (mpirun's PID) started, as a tester finds it to kill -STOP it; None after 30 s."""
    import time

    def find(binary, rank, launcher, deadline_s=30):
        t0 = time.time()
        while time.time() - t0 < deadline_s:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    if not open(f"/proc/{pid}/cmdline", "rb").read().startswith(binary.encode()):
                        continue
                    # A child of this job's mpirun, not a process of an earlier job still being torn down.
                    if int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]) != launcher:
                        continue
                    env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
                    if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env:
                        return int(pid)
                except OSError:
                    pass
            time.sleep(0.05)
        return None

    return find


@pytest.fixture
def mpi_env(tmp_path):
    """Environment for mpirun on this machine: oversubscribed, allowed as root, session files under tmp_path.
    Leak detection off: under the ASan build (scripts/test.sh runs label unit there) LeakSanitizer reports
    Open MPI's own allocations at exit, which no test of clusterbench's behaviour can mend."""
    return {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_orte_tmpdir_base": str(tmp_path),
            "ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))}


@pytest.fixture
def stop_rank():
    """stop(pid, seconds=None): SIGSTOP a rank; with seconds, SIGCONT it after that long. Returns a function that
    kills the stopped process if it is still there (for a finally: a stopped process outlives its job)."""
    import signal
    import time

    def stop(pid, seconds=None):
        os.kill(pid, signal.SIGSTOP)
        if seconds is not None:
            time.sleep(seconds)
            os.kill(pid, signal.SIGCONT)

        def cleanup():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return cleanup

    return stop
