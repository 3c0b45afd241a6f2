"""End-to-end tests of `clusterbench compare`: buildouts side by side, the
arithmetic that ties the reported figures together, reports, and bad input."""
import json
import math
import re

import pytest
from clean_error import assert_clean_error

BUILDOUTS = ["h100-16k-roce", "b200-50k", "ascend-910b-10k"]


@pytest.fixture(scope="module")
def compared(cb_bin):
    import subprocess

    p = subprocess.run([cb_bin, "compare", *BUILDOUTS, "--model", "llama3-405b", "--tokens", "15T", "--format",
                        "json", "-q"], capture_output=True, text=True, timeout=300)
    return rows(p)


def rows(p):
    """compare's --format json: the rows of its `compare` table (one per buildout), as `report` prints them."""
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["tables"]["compare"]["rows"]


def test_compare_json_has_every_figure(compared):
    assert all(b["training_tokens"] == 15e12 and b["model"] == "llama3-405b" for b in compared)
    assert [b["cluster"] for b in compared] == ["H100 16k RoCE (Llama 3-like)", "B200 50k", "Ascend 910B 10k centre"]
    for b in compared:
        for key in ("layout", "tp", "step_time", "mfu", "ideal_time", "gpu_hours", "energy", "cost", "goodput",
                    "effective_time", "mtbf", "gpu_cost", "gpus", "cluster_gpus"):
            assert b[key] is not None, key
        assert 0 < b["mfu"] < 1
        assert 0 < b["goodput"] < 1
        assert b["gpus"] <= b["cluster_gpus"]
        assert re.match(r"TP\d+ PP\d+ DP\d+ CP\d+", b["layout"])


def test_compare_figures_are_consistent(compared):
    for b in compared:
        # time to train = tokens / throughput; effective = ideal / goodput
        assert b["ideal_time"] == pytest.approx(15e12 / b["tokens_per_s"], rel=1e-9)
        assert b["effective_time"] == pytest.approx(b["ideal_time"] / b["goodput"], rel=1e-9)
        # GPU-hours over the wall clock; cost = GPU-hours x rate x (1 - subsidy) + electricity
        assert b["gpu_hours"] == pytest.approx(b["gpus"] * b["effective_time"] / 3600, rel=1e-9)
        assert b["gpu_cost"] == pytest.approx(b["gpu_hours"] * b["gpu_hour_rate"], rel=1e-9)
        assert b["cost"] == pytest.approx(b["gpu_cost"] - b["subsidy"] + (b["energy_cost"] or 0), rel=1e-9)
        # Energy lies between all GPUs idle and all at TDP over the wall clock (facility power x time).
        assert b["energy"] <= b["facility_power"] * b["effective_time"] * (1 + 1e-9)
    h100, b200, ascend = compared
    # Llama 3's cluster: one interruption every 54 d / 419 = 3.09 h; over the ~50-day run, about 400 failures.
    assert h100["mtbf"] / 3600 == pytest.approx(54 * 24 / 419, rel=0.01)
    assert h100["expected_failures"] == pytest.approx(h100["effective_time"] / h100["mtbf"], rel=0.02)
    # Capital basis: $40,000 over 4 years of 8,766 h; electricity at $0.08/kWh.
    assert h100["cost_basis"] == "capital"
    assert h100["gpu_hour_rate"] == pytest.approx(40000 / (4 * 8766), rel=1e-9)
    assert h100["energy_cost"] == pytest.approx(h100["energy"] / 3.6e6 * 0.08, rel=1e-9)
    # The rented centre: $1.20 per card-hour, 30% paid by a voucher, power included.
    assert ascend["cost_basis"] == "rental"
    assert ascend["subsidy"] == pytest.approx(0.3 * ascend["gpu_cost"], rel=1e-9)
    assert ascend["energy_cost"] is None
    # B200 uses the largest power-of-two-friendly job that fits its 50,000 GPUs.
    assert b200["gpus"] == 49152
    # Best by (effective) time to train: the one row marked best.
    best = min(compared, key=lambda b: b["effective_time"])
    assert [b["cluster"] for b in compared if b["best"] == 1] == [best["cluster"]]


def test_compare_table_side_by_side(run):
    p = run("compare", "h100-16k-roce", "ascend-910b-10k", "--model", "llama3-70b", "--tokens", "2T", "-q")
    assert p.returncode == 0, p.stderr
    header = p.stdout.splitlines()[2]
    assert "H100 16k RoCE" in header and "Ascend 910B 10k centre" in header and "*" in header
    for row in ("best plan", "step time", "MFU", "time to train", "GPU-hours", "energy", "cost", "goodput",
                "effective time to train"):
        assert re.search(rf"^{re.escape(row)}\s", p.stdout, re.M), row


def test_compare_reports(run, tmp_path):
    html, md = tmp_path / "c.html", tmp_path / "c.md"
    p = run("compare", "h100-16k-roce", "gb200-nvl72-72k", "--model", "llama3-405b", "--tokens", "15T", "--report",
            html, "-q")
    assert p.returncode == 0, p.stderr
    text = html.read_text()
    assert text.count("<svg") == 3
    for title in ("Effective time to train", "Cost of the run", "MFU against GPU count"):
        assert title in text
    assert "<script" not in text
    # Pictures that read (issue 17): every chart has an axis label with its
    # unit and tick marks with labels; the MFU plot's log axis has ticks
    # between its decades; the winner is named in words.
    charts = text.split("<svg")[1:]
    for chart in charts:
        assert 'class="axis-label"' in chart and chart.count('class="tick"') >= 3, chart[:300]
    assert "days" in charts[0] and "US dollars" in charts[1] and "GPUs (log scale)" in charts[2]
    assert ">20000</text>" in charts[2] and ">50000</text>" in charts[2]  # 16,384 and 72,000 GPUs
    assert "best by time-to-train" in text and "(best)" in text
    p = run("compare", "h100-16k-roce", "--model", "llama3-405b", "--tokens", "15T", "--report", md, "-q")
    assert p.returncode == 0, p.stderr
    text = md.read_text()
    assert "| | H100 16k RoCE (Llama 3-like) (best) |" in text
    assert "| goodput |" in text and "## Method" in text


def test_compare_without_prices_or_rates_says_so(run):
    p = run("compare", "dgx-h100-ndr", "--model", "llama3-8b", "--tokens", "1T", "--format", "json", "-q")
    (b,) = rows(p)
    assert b["cost"] is None and b["goodput"] is None and b["mtbf"] is None and b["cost_basis"] == ""
    notes = b["notes"]
    assert "price.gpu_hour" in notes and "reliability.gpu_mtbf" in notes


def test_bad_compare_inputs(run, tmp_path):
    base = ["compare", "h100-16k-roce", "--model", "llama3-8b"]
    assert_clean_error(run(*base, "--tokens", "0"), 2, "--tokens", "positive")
    assert_clean_error(run(*base, "--tokens", "lots"), 2, "--tokens")
    assert_clean_error(run(*base, "--tokens", "1T", "--gpus", "0"), 2, "--gpus 0")
    assert_clean_error(run(*base, "--tokens", "1T", "--set", "cluster.gpus=0"), 3, "cluster.gpus")
    assert_clean_error(run(*base, "--tokens", "1T", "--report", tmp_path / "r.pdf"), 2, "--report")
    assert_clean_error(run(*base, "--tokens", "1T", "--gpus", "20000"), 3, "20000")
    # Cost asked for: prices and failure rates are required, and the missing key is named.
    assert_clean_error(run("compare", "dgx-h100-ndr", "--model", "llama3-8b", "--tokens", "1T", "--objective", "cost",
                           "--set", "cluster.reliability.gpu_mtbf=80000h", "--set",
                           "cluster.reliability.checkpoint_bandwidth=1TB/s"), 3, "price.gpu_hour", "dgx-h100-ndr.yaml")
    assert_clean_error(run("compare", "dgx-h100-ndr", "--model", "llama3-8b", "--tokens", "1T", "--objective", "cost",
                           "--set", "cluster.price.gpu_hour=2"), 3, "reliability.gpu_mtbf")
    assert_clean_error(run("compare", "h100-16k-roce", "--model", "llama3-8b", "--tokens", "1T", "--objective", "cost",
                           "--set", "cluster.reliability.checkpoint_bandwidth=0"), 3, "checkpoint_bandwidth")


def test_compare_writes_hdf5(run, tmp_path):
    import h5py
    import pandas as pd

    out = tmp_path / "c.h5"
    p = run("compare", "h100-16k-roce", "dgx-h100-ndr", "--model", "llama3-405b", "--tokens", "15T", "-o", out, "-q",
            "--format", "json")
    j = rows(p)
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["kind"] == "compare"
        d = pd.DataFrame(f[f"/runs/{rid}/compare"][()])
    assert len(d) == 2 and d["best"].sum() == 1
    # dgx-h100-ndr has no prices: NaN, not a made-up number.
    assert math.isnan(d["cost"][1]) and d["cost"][0] > 0
    assert d["effective_time"][0] >= d["ideal_time"][0] > 0
    assert d["gpus"][0] == j[0]["gpus"]
