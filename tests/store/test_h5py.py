"""A results file reads with h5py and pandas alone (docs/results-schema.md).

The file comes from tests/store/store_fixture_writer.cc: CB_STORE_FIXTURE_FILE
names one it already wrote, otherwise CB_STORE_FIXTURE_WRITER (set by CTest)
is run to write one. The values asserted here are the ones that program writes.
"""

import os
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def results_path(tmp_path_factory):
    given = os.environ.get("CB_STORE_FIXTURE_FILE")
    if given:
        return given
    writer = os.environ.get("CB_STORE_FIXTURE_WRITER")
    assert writer, "set CB_STORE_FIXTURE_WRITER to the store_fixture_writer executable (CTest does)"
    path = tmp_path_factory.mktemp("store") / "fixture.h5"
    subprocess.run([writer, str(path)], check=True)
    return str(path)


@pytest.fixture
def f(results_path):
    with h5py.File(results_path, "r") as handle:
        yield handle


def test_root_identifies_schema_v1(f):
    assert f.attrs["schema_version"] == 1
    assert f.attrs["format"] == "clusterbench-results"


def test_runs_and_their_attributes(f):
    assert sorted(f["runs"]) == ["run-collectives", "run-kernels"]
    run = f["runs/run-kernels"].attrs
    assert run["kind"] == "kernels"
    assert run["status"] == "complete"
    assert run["start_time"] == "2026-01-01T00:00:00.000Z"
    assert run["end_time"] >= run["start_time"]
    assert list(run["hosts"]) == ["node-a", "node-b"]
    assert run["rank_count"] == 2
    assert run["config_yaml"] == "suite: fixture\n"
    environment = dict(entry.split("=", 1) for entry in run["environment"])
    assert environment == {"CUDA_VISIBLE_DEVICES": "0", "NCCL_DEBUG": "WARN"}
    assert run["message"] == ""

    other = f["runs/run-collectives"].attrs
    assert other["status"] == "interrupted"
    assert other["message"] == "SIGINT"


def test_table_loads_into_pandas_in_one_line(f):
    df = pd.DataFrame(f["/runs/run-kernels/gemm"][()])
    assert list(df.columns) == ["precision", "m", "time", "throughput"]
    assert df["m"].dtype == np.int64 and df["time"].dtype == np.float64
    assert df["m"].tolist() == [1024, 2048, -1]
    assert df["time"].tolist() == [0.5e-3, 2.0e-3, 0.0]
    assert df["throughput"].tolist() == [4.294967296e12, 8.589934592e12, -1.5]
    # h5py returns variable-length strings inside compound rows as UTF-8 bytes.
    assert df["precision"].str.decode("utf-8").tolist() == ["bf16", "fp8 µ", "fp64"]


def test_units_and_descriptions_are_aligned_with_the_fields(f):
    ds = f["/runs/run-kernels/gemm"]
    assert ds.attrs["description"] == "GEMM throughput"
    units = dict(zip(ds.dtype.names, ds.attrs["column_units"]))
    assert units == {"precision": "", "m": "1", "time": "s", "throughput": "FLOP/s"}
    descriptions = dict(zip(ds.dtype.names, ds.attrs["column_descriptions"]))
    assert descriptions["time"] == "median time per call"


def test_empty_table_loads_with_its_columns(f):
    df = pd.DataFrame(f["/runs/run-kernels/empty"][()])
    assert len(df) == 0
    assert list(df.columns) == ["n", "label"]


def test_second_run_table(f):
    df = pd.DataFrame(f["/runs/run-collectives/all_reduce"][()])
    assert df["bytes"].tolist() == [8, 1 << 30]
    assert df["bus_bandwidth"].tolist() == [1.0e6, 3.5e11]
    assert list(f["/runs/run-collectives/all_reduce"].attrs["column_units"]) == ["B", "B/s"]
