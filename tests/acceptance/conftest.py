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


def headless(*args):
    """Headless Chromium on a page, tried up to three times: on a loaded 2-core machine it can hang before it
    renders (once in a clean-clone ASan run, 2026-12-07: the screenshot timed out at 120 s); a small /dev/shm in a
    container is the usual cause, hence --disable-dev-shm-usage. A page that never renders still fails."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               *args]
    for attempt in range(3):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired as e:
            if attempt == 2:
                pytest.fail(f"headless Chromium did not finish in 120 s three times: {e.stderr!r}")
    return None


@pytest.fixture
def browser():
    """`headless` where Chromium is installed, else None (the caller skips or checks the page as text only)."""
    return headless if chromium() else None
