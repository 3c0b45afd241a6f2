"""What the plotting scripts share in reading a clusterbench results file.

A run holds its tables as datasets runs/<id>/<table> (docs/results-schema.md);
string columns come back from h5py as bytes.
"""
import sys

import h5py
import pandas as pd


def read_run_table(path, table, run, none, missing):
    """(run, DataFrame) of `table` in `run`, or in the latest run (by start_time) that has one.

    Exits with "PATH: <none>" when no run has the table, and "PATH: <missing> (have: ...)" when the given
    run is not one of them; `missing` may name the run as {run}.
    """
    with h5py.File(path, "r") as f:
        runs = [r for r in f["runs"] if table in f["runs"][r]]
        if not runs:
            sys.exit(f"{path}: {none}")
        run = run or sorted(runs, key=lambda r: f["runs"][r].attrs["start_time"])[-1]
        if run not in runs:
            sys.exit(f"{path}: {missing.format(run=run)} (have: {', '.join(runs)})")
        return run, pd.DataFrame(f[f"runs/{run}/{table}"][()])


def text(col):
    """A string column as str (h5py reads bytes)."""
    return col.map(lambda b: b.decode() if isinstance(b, bytes) else b)
