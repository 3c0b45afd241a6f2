"""The headless-Chromium runner the HTML-report tests share (conftest.py): it finds the browser on PATH, retries a
run that hangs, and fails the test, naming the timeout, when every try hangs. A stand-in 'chromium' script on
PATH plays the browser, so these run where no Chromium is installed."""
import os
import stat

import conftest
import pytest


def fake_chromium(directory, hangs):
    """A 'chromium' that hangs (sleeps 30 s) on its first `hangs` runs, then prints its arguments."""
    script = directory / "chromium"
    count = directory / "runs"
    script.write_text(f"""#!/bin/sh
n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {count}
if [ $n -le {hangs} ]; then exec sleep 30; fi
echo "$@"
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return count


@pytest.fixture
def only_fake_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_a_hanging_run_is_tried_again(only_fake_on_path):
    runs = fake_chromium(only_fake_on_path, hangs=2)
    assert conftest.chromium() == str(only_fake_on_path / "chromium")
    r = conftest.headless("--dump-dom", "file:///page.html", timeout=1, tries=3)
    assert r.returncode == 0 and "--dump-dom file:///page.html" in r.stdout, r
    assert "--headless" in r.stdout and "--disable-dev-shm-usage" in r.stdout
    assert runs.read_text().strip() == "3"


def test_a_page_that_never_renders_fails_naming_the_timeout(only_fake_on_path):
    runs = fake_chromium(only_fake_on_path, hangs=5)
    with pytest.raises(AssertionError, match="did not finish in 1 s 2 times"):
        conftest.headless("--dump-dom", "file:///page.html", timeout=1, tries=2)
    assert runs.read_text().strip() == "2"
