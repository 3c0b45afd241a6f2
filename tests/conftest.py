"""Fixtures shared by every pytest suite under tests/: the binary under test."""
import os

import pytest


@pytest.fixture(scope="session")
def cb_bin():
    path = os.environ.get("CB_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CB_BIN must name the clusterbench executable (CTest sets it)")
    return path
