"""Every example in README.md and docs/*.md runs as written, in order (issue 17, part 3).

A ```sh block in these files is a list of examples: each line (a trailing backslash joins the next) is
run by bash, in the order of the document, in one scratch directory per document (with `configs`,
`scripts` and `tests` linked there, as in the repository root where a user runs them; docs/loop.md imports
the fixtures of tests/import/data), with the `clusterbench`
under test first on PATH. Synopses and output samples go in plain ``` blocks, which are not run; a
```python block is run by python3 in the same directory after the sh examples before it.

An example is skipped only when this machine cannot run it, and the reason is printed (`-rs`): it
needs a CUDA GPU or NCCL, Slurm or a cluster's hosts file, mpirun (absent, or a build without MPI),
installs packages or builds the project, needs several nodes, or uses a file that a skipped example
writes. Everything
else must exit 0 and must not say DOES NOT FIT (the flagship examples fit in memory), and the
figures its comment quotes (a step time, a range) must be what it prints.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = ["README.md"] + sorted(
    os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))

# (pattern, reason): the first that matches skips the example.
SKIP_RULES = [
    (r"--device cuda|kernels_gpu_test|scripts/gpu/", "needs a CUDA GPU"),
    (r"--backend nccl", "needs NCCL and GPUs"),
    (r"^srun\b", "needs Slurm"),
    (r"-hostfile|--hostfile", "needs a cluster's hosts file"),
    (r"--map-by ppr:\d+:node", "needs several nodes"),
    (r"^(sudo )?(scripts/(quickstart|test|install-deps)\.sh|cmake|ctest|ninja)\b",
     "installs packages or builds the project (CI does this itself)"),
]
# Files an example writes: if it is skipped, the examples that use them are skipped too.
OUTPUT_FLAGS = re.compile(r"(?:^|\s)(?:-o|--output|--report|--timeline|--prometheus|>)\s*(\S+)")


def Examples(doc):
    """[(line number, kind, text)] of a document's ```sh and ```python blocks, in order."""
    text = open(os.path.join(ROOT, doc)).read()
    out = []
    for m in re.finditer(r"^```(sh|python)\n(.*?)^```", text, re.S | re.M):
        first = text[:m.start()].count("\n") + 2
        if m.group(1) == "python":
            out.append((first, "python", m.group(2)))
            continue
        pending, start = "", None
        for i, line in enumerate(m.group(2).splitlines()):
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            start = first + i if not pending else start
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            out.append((start, "sh", pending + line))
            pending = ""
    return out


def Cases():
    for doc in DOCS:
        for line, kind, text in Examples(doc):
            yield pytest.param(doc, line, kind, text, id=f"{doc}:{line}")


def HasMpi(cb_bin):
    if not shutil.which("mpirun"):
        return False
    p = subprocess.run([cb_bin, "--version"], capture_output=True, text=True)
    return "mpi" in p.stdout.split("backends:", 1)[-1]


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    """One scratch directory per document, and the files its skipped examples would have written."""
    made = {}

    def get(doc):
        if doc not in made:
            d = tmp_path_factory.mktemp(re.sub(r"\W", "_", doc))
            for name in ("configs", "scripts", "tests"):
                os.symlink(os.path.join(ROOT, name), d / name)
            made[doc] = (d, set())
        return made[doc]

    return get


def WithoutComment(text):
    return re.sub(r"(^|\s)#.*$", "", text)


# Figures an example's comment promises, and where the output says them: each claimed number must
# equal the printed one rounded to the claim's decimals (a README that quotes an old step time or
# range fails here, not in a reader's hands).
CLAIMS = [
    (r"layout: (\d+\.\d+) s \(paper", r"step time\s+(\d+\.\d+) s"),
    (r"range (\d+\.\d+)\.\.\d+\.\d+ s", r"expected range\s+(\d+\.\d+) s \.\."),
    (r"range \d+\.\d+\.\.(\d+\.\d+) s", r"expected range\s+\d+\.\d+ s \.\. (\d+\.\d+) s"),
]


def CheckClaims(text, stdout):
    comment = text[len(WithoutComment(text)):]
    for claim, printed in CLAIMS:
        c = re.search(claim, comment)
        if not c:
            continue
        p = re.search(printed, stdout)
        assert p, f"the comment claims '{c.group(0)}' but the output has no '{printed}'"
        decimals = len(c.group(1).split(".")[1])
        assert float(c.group(1)) == round(float(p.group(1)), decimals), \
            f"the comment claims {c.group(1)} ({c.group(0)}), the output says {p.group(1)}"


def SkipReason(text, kind, cb_bin, unavailable):
    if kind == "sh":
        text = WithoutComment(text)
        for pattern, reason in SKIP_RULES:
            if re.search(pattern, text):
                return reason
        if re.match(r"mpirun\b", text) and not HasMpi(cb_bin):
            return "needs mpirun and a build with MPI"
    for f in unavailable:
        if re.search(r"(?<![\w./-])" + re.escape(f) + r"(?![\w.-])", text):
            return f"uses {f}, which a skipped example writes"
    return None


@pytest.mark.parametrize("doc,line,kind,text", list(Cases()))
def test_doc_example(doc, line, kind, text, cb_bin, workspaces):
    cwd, unavailable = workspaces(doc)
    reason = SkipReason(text, kind, cb_bin, unavailable)
    if reason:
        if kind == "sh":
            unavailable.update(OUTPUT_FLAGS.findall(WithoutComment(text)))
        pytest.skip(f"{doc}:{line}: `{text.strip()[:100]}`: {reason}")
    env = {**os.environ, "PATH": os.path.dirname(os.path.abspath(cb_bin)) + os.pathsep + os.environ["PATH"],
           # mpirun examples on a test machine: as root, more ranks than cores.
           "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_orte_tmpdir_base": str(cwd)}
    # Under the ASan build (scripts/test.sh runs label unit there), LeakSanitizer would report
    # Open MPI's own allocations at exit, under mpirun and for a command that initialises MPI as a
    # singleton (validate's default backend) alike; the example's behaviour is what is tested here,
    # leaks are the unit tests' business.
    env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    args = ["bash", "-e", "-o", "pipefail", "-c", text] if kind == "sh" else [sys.executable, "-c", text]
    p = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    where = f"{doc}:{line}: {text}\nexit {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"
    assert p.returncode == 0, where
    assert "DOES NOT FIT" not in p.stdout and '"fits_in_memory": false' not in p.stdout, where
    assert "internal error" not in p.stderr, where
    if kind == "sh":
        CheckClaims(text, p.stdout)
