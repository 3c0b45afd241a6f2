#!/usr/bin/env bash
# The tool's time per all_reduce against a bare MPI_Allreduce loop, same job
# size, same machine, back to back, at 8 B, 64 KiB and 16 MiB. Prints both and
# the ratio; the target is a ratio within 5% (docs/collectives.md).
# Usage: scripts/bench/collectives_vs_bare.sh [NP] [ITERS] [BUILD_DIR]
set -euo pipefail
np=${1:-4}; iters=${2:-200}; build=${3:-build/default}
mpi=(mpirun --allow-run-as-root --oversubscribe -np "$np")
bare=$("${mpi[@]}" "$build/benchmarks/mpi_allreduce_bare" "$iters" | grep -v '^#')
tool=$("${mpi[@]}" "$build/apps/clusterbench" collectives --backend mpi --op all_reduce -d float \
        -b 8 -e 16M -n "$iters" -w 20 -c 0 --format json \
      | python3 -c 'import json,sys; [print(r["size"], r["time"]*1e6) for r in json.load(sys.stdin)["tables"]["collectives"]["rows"] if not r["in_place"]]')
echo "# $np ranks, $iters iterations, float sum; time per all_reduce in us"
printf "%12s %12s %12s %8s\n" size bare tool ratio
while read -r size t_bare; do
  t_tool=$(awk -v s="$size" '$1==s {print $2}' <<<"$tool")
  awk -v s="$size" -v b="$t_bare" -v t="$t_tool" 'BEGIN { printf "%12d %12.2f %12.2f %8.3f\n", s, b, t, t/b }'
done <<<"$bare"
