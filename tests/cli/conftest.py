"""A runner for end-to-end CLI tests (cb_bin comes from tests/conftest.py)."""
import subprocess

import pytest


@pytest.fixture
def run(cb_bin):
    """run(*args) -> CompletedProcess with text stdout/stderr; never raises on exit code."""

    def _run(*args, timeout=120, **kw):
        return subprocess.run([cb_bin, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)

    return _run
