"""Validation gate (CTest label `validation`): the simulator against every
published training run it can reproduce (../shared/validation). Fails when any
row is off by more than 15% or the median error exceeds 7%. Prints the table."""
import os
import statistics
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import validation_table as published  # noqa: E402

MAX_ROW_ERROR = 0.15
MAX_MEDIAN_ERROR = 0.07


@pytest.fixture(scope="module")
def comparison(cb_bin):
    return published.compare(cb_bin)


def test_every_reproducible_row_within_gate(comparison, capsys):
    results, skipped = comparison
    with capsys.disabled():
        print()
        print(f"{'id':<28} {'published s':>12} {'simulated s':>12} {'error':>8}")
        for rid, pub, sim, err, how, scen in results:
            print(f"{rid:<28} {pub:>12.3f} {sim:>12.3f} {100 * err:>7.1f}%  ({scen}; {how})")
        for rid, why in skipped:
            print(f"not compared: {rid}: {why}")
    assert len(results) >= 30, "most published rows must be reproducible"
    errors = [abs(r[3]) for r in results]
    worst = max(results, key=lambda r: abs(r[3]))
    assert abs(worst[3]) <= MAX_ROW_ERROR, f"{worst[0]} off by {100 * worst[3]:.1f}%"
    assert statistics.median(errors) <= MAX_MEDIAN_ERROR, f"median error {100 * statistics.median(errors):.1f}%"


def test_skipped_rows_have_reasons(comparison):
    _, skipped = comparison
    for rid, why in skipped:
        assert why, rid
