#!/usr/bin/env bash
# Installs every build, run and test dependency of clusterbench on Debian 12.
# Idempotent: packages already present are left alone; safe to run again.
# Run as root (or with sudo available). CUDA is not installed here: it is
# detected at /usr/local/cuda and reported.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  universal-ctags  # scripts/long_functions.py: no function over 120 lines (issue 16)
  libyaml-cpp-dev libhdf5-dev hdf5-tools
  openmpi-bin libopenmpi-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev
  python3 python3-pip python3-venv
  chromium  # renders validate's HTML report in tests/acceptance (skipped with the reason when absent)
)

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo_cmd=(sudo); else
    echo "install-deps: run as root (or install sudo)" >&2; exit 1; fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all Debian packages present"
fi

# Python packages for scripts/ and tests/. Prefer the python3 on PATH (pyenv on
# dev machines); Debian's own python refuses system-wide pip without the flag.
py=python3
if ! "$py" -c 'import sys; sys.exit(0 if sys.prefix != "/usr" else 1)' 2>/dev/null; then
  pip_flags=(--break-system-packages)
else
  pip_flags=()
fi
if ! "$py" - "$here/requirements.txt" <<'PY' 2>/dev/null
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if not line: continue
    name, ver = line.split('==')
    if md.version(name) != ver: sys.exit(1)
PY
then
  echo "install-deps: installing Python packages from scripts/requirements.txt"
  "$py" -m pip install -q --disable-pip-version-check "${pip_flags[@]}" -r "$here/requirements.txt"
else
  echo "install-deps: Python packages present"
fi

if [[ -x /usr/local/cuda/bin/nvcc ]]; then
  ver=$(/usr/local/cuda/bin/nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
  echo "install-deps: CUDA ${ver} found at /usr/local/cuda"
else
  echo "install-deps: CUDA not found at /usr/local/cuda (CPU-only build)"
fi
