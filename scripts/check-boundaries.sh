#!/usr/bin/env bash
# core/, store/, simulator/, calibrate/ and import/ must never include CUDA, NCCL or MPI headers
# (ARCHITECTURE.md, "Dependency direction"), nor noderun/, which reaches the job only through
# coll::Communicator (docs/architecture.md). Exits 1 naming each offence.
set -euo pipefail
cd "${CB_CHECK_ROOT:-$(dirname "${BASH_SOURCE[0]}")/..}"
pattern='^\s*#\s*include\s*[<"](cuda[^">]*|cublas[^">]*|nccl[^">]*|mpi[^">]*|nvml[^">]*|curand[^">]*)[">]'
dirs=()
for d in core store simulator calibrate import noderun; do [[ -d $d ]] && dirs+=("$d"); done
if hits=$(grep -rnE "$pattern" "${dirs[@]}" --include='*.h' --include='*.cc' --include='*.cu' --include='*.cuh'); then
  echo "module boundary violated: CUDA/NCCL/MPI header in core/, store/ or simulator/:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "module boundaries OK"
