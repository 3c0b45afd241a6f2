"""`validate` against the model (issue 18 part 3, label unit): a collective check with
threshold.fraction_of_model is held against the bus bandwidth the simulator's collective model
expects on the suite's cluster (or a calibration profile's prediction), and every report names
measured, model and their ratio. Loopback ranks (threads of one process), so no MPI is needed.

Nothing here depends on the machine's speed: the fields and the ratio are checked as reported,
and the verdicts come from a fraction so small that any working all_reduce passes (1e-6 of the
model) and one so large that none can (100 x the model of a 10 GB/s scale-up domain)."""
import json
import os
import re
import subprocess

import pytest

CB = os.environ["CB_BIN"]

# A host "cluster" whose model is known: one node of 4 ranks, one scale-up domain at 10 GB/s
# (x the GPU config's scale-up efficiency), 1 us per hop.
CLUSTER = """\
cluster:
  name: test host
  gpu: h100-sxm
  gpus: 4
  gpus_per_node: 4
  scale_up: {bandwidth: 10GB/s, latency: 1us}
  scale_out: {nics_per_node: 1, nic_bandwidth: 10Gb/s, latency: 5us}
"""


def suite(tmp_path, fraction, cluster=CLUSTER, benchmark="all_reduce", extra=""):
    text = f"""\
name: model-test
time_budget: 0.1s
{cluster}checks:
  - name: allreduce-model
    benchmark: {benchmark}
    scope: {"fabric" if benchmark != "stream" else "node"}
    bytes: 1MiB
    iters: 5
    threshold:
      fraction_of_model: {fraction}
{extra}    severity: critical
"""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def validate(*args, timeout=240):
    return subprocess.run([CB, "validate", *map(str, args)], capture_output=True, text=True, timeout=timeout)


def check_of(j):
    """The unit of the model check: its row of validate_verdicts in `validate --format json`."""
    (c,) = [c for c in j["tables"]["validate_verdicts"]["rows"] if c["check"] == "allreduce-model"]
    return c


def test_tiny_fraction_passes_naming_measured_model_and_ratio(tmp_path):
    md = tmp_path / "r.md"
    html = tmp_path / "r.html"
    prom = tmp_path / "prom"
    p = validate("--suite", suite(tmp_path, "1.0e-6"), "--backend", "loopback", "--ranks", "4", "--format", "json",
                 "--report", md, "--report", html, "-o", tmp_path / "ev.h5", "--prometheus", prom, "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    c = check_of(json.loads(p.stdout))
    assert c["verdict"] == "PASS" and c["bound"] == "model"
    assert c["value"] > 0 and c["model"] > 0
    assert c["model_ratio"] == pytest.approx(c["value"] / c["model"], rel=1e-9)
    assert c["expected"] == pytest.approx(1e-6 * c["model"], rel=1e-9)
    # Four loopback ranks on one host: one scale-up domain of the test cluster.
    assert "collective model of test host" in c["model_how"]
    assert "4 ranks, 4 per scale-up domain (inside one domain)" in c["model_how"]
    text = md.read_text()
    assert "## Measured against the model" in text and f"{c['model_ratio']:.3g}" in text
    page = html.read_text()
    assert "measured/model" in page and "collective model of test host" in page
    gauges = "".join(f.read_text() for f in prom.iterdir())
    assert re.search(r'clusterbench_validate_check_model\{[^}]*check="allreduce-model"[^}]*\} \S+', gauges), gauges
    import h5py
    with h5py.File(tmp_path / "ev.h5", "r") as f:
        (run,) = f["runs"].values()
        rows = [r for r in run["validate_verdicts"][()] if r["check"] == b"allreduce-model"]
        assert rows and rows[0]["model"] == pytest.approx(c["model"])
        assert rows[0]["model_ratio"] == pytest.approx(c["model_ratio"])


def test_large_fraction_fails_with_a_reason_naming_the_model(tmp_path):
    p = validate("--suite", suite(tmp_path, 100), "--backend", "loopback", "--ranks", "4")
    assert p.returncode == 2, p.stdout + p.stderr
    # The terminal: the check line, then the model's figure and the ratio under it.
    line = re.search(r"model (\S+ \S+), measured/model (\S+) \(collective model of test host", p.stdout)
    assert line, p.stdout
    assert "too slow" in p.stdout and "what the model expects" in p.stdout
    j = json.loads(validate("--suite", suite(tmp_path, 100), "--backend", "loopback", "--ranks", "4", "--format",
                            "json").stdout)
    c = check_of(j)
    assert c["verdict"] == "FAIL" and c["bound"] == "model"
    assert "100% of the model's" not in c["reason"] and "10000% of the model's" in c["reason"]
    assert "measured/model" in c["reason"]


def test_calibration_profile_is_the_model(tmp_path):
    # A profile measured on 4 ranks at 1 MiB: the expectation is the profile's own point.
    prof = tmp_path / "p.yaml"
    prof.write_text("""\
device: host
collectives:
  - op: all_reduce
    tier: intra
    backend: loopback
    ranks: 4
    latency: 10us
    bandwidth: 2GB/s
    min_bytes: 1MiB
    max_bytes: 1MiB
    points: 1
    measured:
      - {bytes: 1MiB, time: 1ms}
""")
    p = validate("--suite", suite(tmp_path, "1.0e-6", cluster=""), "--calibration", prof, "--backend", "loopback",
                 "--ranks", "4", "--format", "json", "-q")
    assert p.returncode == 0, p.stdout + p.stderr
    c = check_of(json.loads(p.stdout))
    # busbw = 2(n-1)/n x S / t = 1.5 x 1 MiB / 1 ms.
    assert c["model"] == pytest.approx(1.5 * 1048576 / 1e-3, rel=1e-6)
    assert "interpolated" in c["model_how"] and str(prof) in c["model_how"]


@pytest.mark.parametrize("cluster,benchmark,extra,needle", [
    ("", "all_reduce", "", "needs a model: name the suite's cluster"),
    (CLUSTER, "stream", "", "the simulator has no model of stream"),
])
def test_no_model_is_a_config_error_naming_the_check(tmp_path, cluster, benchmark, extra, needle):
    p = validate("--suite", suite(tmp_path, 0.5, cluster=cluster, benchmark=benchmark, extra=extra), "--backend",
                 "loopback")
    assert p.returncode == 3, p.stdout + p.stderr
    assert needle in p.stderr and "allreduce-model" in p.stderr and "s.yaml:" in p.stderr
