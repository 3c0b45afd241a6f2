"""scripts/check-boundaries.sh must fail when core/, store/ or simulator/
include a CUDA, NCCL or MPI header, and pass on a clean tree."""
import os
import subprocess

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "check-boundaries.sh")


def check(root):
    return subprocess.run(["bash", SCRIPT], env={**os.environ, "CB_CHECK_ROOT": str(root)}, capture_output=True, text=True)


def test_clean_tree_passes(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "a.h").write_text('#include <vector>\n#include "core/units.h"\n')
    assert check(tmp_path).returncode == 0


def test_each_forbidden_header_fails(tmp_path):
    for module, header in [("core", "<cuda_runtime.h>"), ("store", '"nccl.h"'), ("simulator", "<mpi.h>"),
                           ("core", "<cublasLt.h>"), ("noderun", "<mpi.h>")]:
        d = tmp_path / header.strip('<>"').replace(".", "_")
        (d / module).mkdir(parents=True)
        (d / module / "x.cc").write_text(f"#include {header}\n")
        p = check(d)
        assert p.returncode == 1, header
        assert f"{module}/x.cc" in p.stderr
