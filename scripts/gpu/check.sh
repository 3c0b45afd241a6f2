#!/usr/bin/env bash
# On a GPU machine, from the repository root: every GPU check of the project,
# in two stages that each fit one device command (10 minutes):
#
#   scripts/gpu/check.sh kernels   GPU tests of the kernels backend, the issue's
#                                  kernels targets (bf16 8192^3 >= 760 TFLOP/s and
#                                  >= 97% of the exhaustive search, HBM copy >=
#                                  4.2 TB/s, fp32 FMA >= 90% of the clock peak),
#                                  the full run into kernels.h5, the GEMM plot
#   scripts/gpu/check.sh comm      NCCL gpu test, collectives --backend nccl -g 1
#                                  (every op, 8 B..1 GiB) and with --split, the
#                                  NCCL baseline (tool vs bare ncclAllReduce, target
#                                  within 2%), validate --suite h200-sxm-node,
#                                  calibrate on squares -> predict a llama3-70b
#                                  layer's GEMMs (scripts/calibrate_check.py)
#
# Binaries come from .gpubundle/bundle.tar.xz (CB_BUNDLE), made here by
# scripts/gpu/bundle.sh and carried: nothing is compiled there. Everything goes
# to $OUT (default ./gpu-out) as the steps finish, at most 8 files, so a
# command cut off at its limit still brings back what ran: targets.txt (PASS/
# FAIL/INFO lines), steps.txt (each step's exit code and seconds), runs.log,
# measurements.json and the stage's HDF5 files. Each step has its own time
# limit and the stage stops starting steps CB_DEADLINE seconds
# after it began (default 520, leaving the 10-minute limit room for the verdicts).
set -uo pipefail
stage=${1:-}
case "$stage" in kernels | comm) ;; *) echo "usage: scripts/gpu/check.sh kernels|comm" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
final=${OUT:-$root/gpu-out}
mkdir -p "$final"
work=$(mktemp -d)  # logs and JSON of each step; assembled into $final after every step
bundle=${CB_BUNDLE:-$root/.gpubundle/bundle.tar.xz}
deadline=$((SECONDS + ${CB_DEADLINE:-520}))
export PYTHONUNBUFFERED=1

# ---------------------------------------------------------------- libraries
for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
# cuBLASLt and NCCL from the Python wheels when the toolkit lacks them.
for mod in nvidia.cublas nvidia.nccl; do
  d=$(python3 -c "import $mod, os; print(os.path.join(list($mod.__path__)[0], 'lib'))" 2>/dev/null)
  [ -n "$d" ] && [ -d "$d" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"
done
if [ ! -f "$bundle" ]; then
  echo "no $bundle: make it here with scripts/gpu/bundle.sh and carry .gpubundle" >&2
  exit 2
fi
dir=$(mktemp -d)
tar -C "$dir" -xJf "$bundle"
bin=$dir/bin
export LD_LIBRARY_PATH="$dir/lib:$LD_LIBRARY_PATH"
need=$(sed 's/GLIBC_//' "$dir/GLIBC_REQUIRED")
have=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
{
  echo "stage $stage, bundle revision $(cat "$dir/REVISION" 2>/dev/null), tree $(git rev-parse --short HEAD 2>/dev/null)"
  echo "bundle needs glibc $need, this machine has $have"
} >"$work/env.txt"
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  # Older glibc here: start every binary with the bundled loader and glibc.
  for b in "$dir"/bin/*; do
    mv "$b" "$b.real"
    printf '#!/bin/sh\nexec "%s" --library-path "%s:$LD_LIBRARY_PATH" "%s" "$@"\n' \
      "$dir/glibc/ld-linux-x86-64.so.2" "$dir/glibc" "$b.real" >"$b"
    chmod +x "$b"
  done
  echo "using the bundled glibc loader" >>"$work/env.txt"
fi
export CB_CONFIG_PATH=$root/configs
cb=$bin/clusterbench
{
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  "$cb" --version 2>&1
  "$cb" info 2>&1
  nvidia-smi --query-gpu=name,uuid,pci.bus_id,driver_version,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu --format=csv 2>&1
} >>"$work/env.txt"

# ---------------------------------------------------------------- steps
status=0
: >"$work/steps.txt"
# assemble: copy what exists so far into $final (called after every step).
assemble() {
  cp "$work/steps.txt" "$work/env.txt" "$final/" 2>/dev/null
  [ -f "$work/targets.txt" ] && cp "$work/targets.txt" "$final/"
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "=== $(basename "$f")"; tail -c 200000 "$f"; }; done >"$final/runs.log"
  python3 - "$work" >"$final/measurements.json" <<'PY'
import glob, json, os, sys
d = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    try:
        d[os.path.basename(f)] = json.load(open(f))
    except Exception as e:
        d[os.path.basename(f)] = f"unreadable: {e}"
print(json.dumps(d, indent=1))
PY
  for f in "$work"/*.h5 "$work"/*.png "$work"/*.md; do [ -f "$f" ] && cp "$f" "$final/"; done
}
# step NAME LIMIT_S CMD...: stdout to NAME.json when NAME ends in .json, else
# both streams to NAME.log; skipped when the stage's deadline is too near.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((deadline - SECONDS))
  if [ "$left" -lt 20 ]; then
    echo "$name skipped: stage deadline" >>"$work/steps.txt"
    status=1
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  local t0=$SECONDS rc
  if [[ $name == *.json ]]; then
    timeout -k 10 "$limit" "$@" >"$work/$name" 2>"$work/${name%.json}.log"
  else
    timeout -k 10 "$limit" "$@" >"$work/$name.log" 2>&1
  fi
  rc=$?
  echo "$name rc=$rc $((SECONDS - t0))s (limit ${limit}s)" | tee -a "$work/steps.txt"
  [ "$rc" -ne 0 ] && status=1
  assemble
}

if [ "$stage" = kernels ]; then
  step cuda_smoke_test 60 "$bin/cuda_smoke_test"
  step kernels_gpu_test 240 "$bin/kernels_gpu_test"
  step bf16_8192_heuristic.json 60 "$cb" kernels --device cuda --bench gemm --dtype bf16 --sizes 8192 \
    --time-budget 5 --format json
  step bf16_8192_exhaustive.json 180 "$cb" kernels --device cuda --bench gemm --dtype bf16 --sizes 8192 \
    --time-budget 5 --algo-search exhaustive --format json
  step stream_4g.json 60 "$cb" kernels --device cuda --bench stream --bytes 4G --time-budget 5 --format json
  step peak.json 60 "$cb" kernels --device cuda --bench peak --time-budget 5 --format json
  step all 150 "$cb" kernels --device cuda --gpu all --bench all --time-budget 1 -o "$work/kernels.h5"
  step llama3-70b 60 "$cb" kernels --device cuda --bench gemm --model llama3-70b --tp 8 --tokens 8192 \
    --dtype bf16,fp8 --time-budget 1 -o "$work/kernels.h5"
  timeout 30 python3 scripts/plot_gemm.py "$work/kernels.h5" -o "$work/gemm.png" >"$work/plot.log" 2>&1
  timeout 30 python3 scripts/gpu/verdicts.py kernels "$work" >"$work/targets.txt" 2>&1
  rc=$?  # 1: a FAIL line; anything else: the verdict script itself failed
  [ "$rc" -gt 1 ] && echo "FAIL scripts/gpu/verdicts.py exited $rc (see above)" >>"$work/targets.txt"
else
  step nccl_backend_test 120 "$bin/nccl_backend_test"
  step nccl_all.json 150 "$cb" collectives --backend nccl -g 1 --op all -b 8 -e 1G -f 4 -n 20 -w 5 --format json \
    --output "$work/comm.h5"
  step nccl_split.json 60 "$cb" collectives --backend nccl -g 1 --op all_reduce --split MOD:1 -b 8 -e 64M -f 8 \
    --format json --output "$work/comm.h5"
  step nccl_vs_bare 120 "$bin/nccl_vs_bare" 1 200 5
  step validate 150 "$cb" validate --suite h200-sxm-node --backend loopback -o "$work/validate.h5" \
    --report "$work/validate.md"
  step calibration 200 python3 scripts/calibrate_check.py --cb "$cb" --device cuda --dtype bf16,fp8 \
    --sizes 1024,2048,4096,8192 --model llama3-70b --tp 8 --tokens 8192 --out "$work/cal" \
    --json "$work/calibration.json"
  timeout 30 python3 scripts/gpu/verdicts.py comm "$work" >"$work/targets.txt" 2>&1
  rc=$?  # 1: a FAIL line; anything else: the verdict script itself failed
  [ "$rc" -gt 1 ] && echo "FAIL scripts/gpu/verdicts.py exited $rc (see above)" >>"$work/targets.txt"
fi
# Any FAIL line fails the stage, whatever the steps' exit codes said.
grep -q '^FAIL' "$work/targets.txt" && status=1
assemble
echo "stage $stage: exit $status; $(grep -c '^PASS' "$work/targets.txt") PASS, $(grep -c '^FAIL' "$work/targets.txt") FAIL"
cat "$work/targets.txt" "$work/steps.txt"
exit $status
