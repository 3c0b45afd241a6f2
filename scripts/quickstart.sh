#!/usr/bin/env bash
# Sets up this machine (Debian 12), builds clusterbench with every backend it
# can find, and runs the main job: a sample simulation (Llama 3 405B on
# 16,384 H100, as published), a description of this node and a short
# measurement of it (GPU when there is one and its benchmarks are built, else
# the host CPU), written to build/quickstart/quickstart.h5 and summarised.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
cb=build/default/apps/clusterbench

echo "== clusterbench --version"; $cb --version
mkdir -p build/quickstart
out=build/quickstart/quickstart.h5
echo "== sample simulation: Llama 3 405B as Meta trained it on 16,384 H100 (TP8 PP16 DP128; paper: ~6.74 s per step)"
$cb simulate llama3-405b-16k -o "$out" --timeline build/quickstart/llama3-405b-16k.trace.json
echo "== the same layout on the 131,072-GPU buildout (flagged: beyond the largest validated run)"
$cb simulate llama3-405b-131k
echo "== this node";             $cb info
echo "== a short measurement of this node -> $out"
$cb kernels --device auto --sizes 1024,2048 --time-budget 0.5 -o "$out"
echo "== what the results file holds"
$cb report "$out" --run latest
