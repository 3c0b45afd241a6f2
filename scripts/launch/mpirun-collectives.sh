#!/bin/bash
# Collective benchmarks under mpirun, with the bindings printed.
# Usage: scripts/launch/mpirun-collectives.sh HOSTFILE NP [extra clusterbench flags]
set -euo pipefail
hostfile=${1:?hostfile}; np=${2:?number of ranks}; shift 2
CB=${CB:-build/default/apps/clusterbench}
backend=${BACKEND:-nccl}
mpirun --hostfile "$hostfile" -np "$np" --map-by ppr:8:node --bind-to core --report-bindings \
  -x NCCL_DEBUG -x NCCL_IB_HCA -x NCCL_SOCKET_IFNAME -x LD_LIBRARY_PATH \
  "$CB" collectives --backend "$backend" -g 1 -b 8 -e 1G -f 2 --timeout 600 "$@"
