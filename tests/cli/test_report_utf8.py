"""Reports people read (validate --report, compare --report; Markdown and HTML) are valid UTF-8 whatever bytes the
names hold: an invalid byte in a suite, check or cluster name becomes U+FFFD, as in --format json and the results file
(core/markup.h repairs while it escapes; docs/reliability.md; issue 15, part 5). Before, the byte was copied through,
so a browser showed mojibake and a strict reader (Python's decode, many Markdown tools) refused the whole file."""
import os
import subprocess

import pytest

CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs")
BAD = b"\xff\xfe"  # never valid in UTF-8
FFFD = "\ufffd"


def run_bytes(cb_bin, *args):
    # Bytes, not text: the tool's own progress lines carry the names too.
    return subprocess.run([cb_bin, *map(str, args)], capture_output=True, timeout=300)


def read_strict(path):
    return open(path, "rb").read().decode("utf-8")  # raises on any invalid byte


@pytest.mark.parametrize("ext", ["md", "html"])
def test_validate_report_repairs_invalid_utf8_in_suite_and_check_names(cb_bin, tmp_path, ext):
    suite = tmp_path / "suite.yaml"
    text = open(os.path.join(CONFIGS, "suites", "host-cpu.yaml"), "rb").read()
    text = text.replace(b"name: host-cpu", b'name: "fleet' + BAD + b'<b>"', 1)
    text = text.replace(b"name: stream-triad", b'name: "triad' + BAD + b'"', 1)
    suite.write_bytes(text)
    report = tmp_path / f"r.{ext}"
    p = run_bytes(cb_bin, "validate", "--suite", suite, "--report", report, "-q")
    assert p.returncode in (0, 1), p.stderr
    out = read_strict(report)
    assert f"fleet{FFFD}{FFFD}&lt;b&gt;" in out  # the suite's name: repaired, then escaped
    assert f"triad{FFFD}{FFFD}" in out  # the check's name
    assert "<b>" not in out


@pytest.mark.parametrize("ext", ["md", "html"])
def test_compare_report_repairs_invalid_utf8_in_cluster_names(cb_bin, tmp_path, ext):
    cluster = tmp_path / "c.yaml"
    text = open(os.path.join(CONFIGS, "clusters", "dgx-h100-ndr.yaml"), "rb").read()
    assert b"name: DGX H100 NDR 16k" in text
    cluster.write_bytes(text.replace(b"name: DGX H100 NDR 16k", b'name: "DGX' + BAD + b' H100"', 1))
    report = tmp_path / f"c.{ext}"
    p = run_bytes(cb_bin, "compare", cluster, "--model", "llama3-8b", "--tokens", "1T", "--report", report, "-q")
    assert p.returncode == 0, p.stderr
    assert f"DGX{FFFD}{FFFD} H100" in read_strict(report)
