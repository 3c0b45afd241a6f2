"""Shared fixtures of the acceptance tests: headless Chromium for the tests that read an HTML report as a browser
does (where Chromium is installed)."""
import shutil
import subprocess

import pytest


def chromium():
    """The Chromium (or Chrome) binary on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "headless_shell"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def headless(*args, timeout=120, tries=3):
    """Headless Chromium on a page, tried up to `tries` times: on a loaded 2-core machine it can hang before it
    renders (once in a clean-clone ASan run, 2026-12-07: the screenshot timed out at 120 s); a small /dev/shm in a
    container is the usual cause, hence --disable-dev-shm-usage. A page that never renders still fails the test
    (tests/acceptance/test_headless_chromium.py checks both)."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               *args]
    last = None
    for _ in range(tries):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            last = e
    assert last is None, f"headless Chromium did not finish in {timeout} s {tries} times: {last.stderr!r}"
    return None


@pytest.fixture
def browser():
    """`headless` where Chromium is installed, else None (the caller skips or checks the page as text only)."""
    return headless if chromium() else None
