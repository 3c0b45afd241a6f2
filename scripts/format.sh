#!/usr/bin/env bash
# clang-format every C++/CUDA source in the repository; --check only reports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.h' '*.cc' '*.cu' '*.cuh')
if [[ "${1:-}" == "--check" ]]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "formatting OK (${#files[@]} files)"
else
  clang-format -i "${files[@]}"
fi
