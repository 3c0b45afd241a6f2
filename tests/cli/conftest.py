"""Shared fixtures for end-to-end CLI tests: the binary under test and a runner."""
import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def cb_bin():
    path = os.environ.get("CB_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CB_BIN must name the clusterbench executable (CTest sets it)")
    return path


@pytest.fixture
def run(cb_bin):
    """run(*args) -> CompletedProcess with text stdout/stderr; never raises on exit code."""

    def _run(*args, timeout=120, **kw):
        return subprocess.run([cb_bin, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)

    return _run
