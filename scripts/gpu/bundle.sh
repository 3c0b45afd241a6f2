#!/usr/bin/env bash
# Builds every GPU part HERE (any x86-64 machine with the CUDA toolkit, NCCL
# headers and this project's Debian dependencies) and packs what a GPU machine
# needs to run it: the binaries and the shared libraries they load that a bare
# CUDA image lacks (yaml-cpp, fmt, HDF5 and its codecs, OpenBLAS, libstdc++...).
# The CUDA driver, cuBLASLt and NCCL are taken from the GPU machine (NCCL from
# its Python package: scripts/gpu/check.sh finds it); so is glibc when it is
# new enough (GLIBC_REQUIRED), otherwise check.sh starts the binaries with the
# bundled glibc's loader (glibc/).
#
#   scripts/gpu/bundle.sh [OUT_DIR]       (default: .gpubundle)
#
# Binaries: clusterbench (CUDA + NCCL, no MPI: the GPU machine has no MPI; NCCL
# runs one process driving its GPUs with -g N), the gpu-label tests
# (cuda_smoke_test, kernels_gpu_test, nccl_backend_test) and the NCCL baseline
# (nccl_vs_bare). Writes OUT_DIR/bundle.tar.xz; the folder is added to
# .git/info/exclude and must be carried. CB_JOBS sets build parallelism
# (default 1); CB_BUNDLE_BUILD the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.gpubundle}
build=${CB_BUNDLE_BUILD:-$root/build/gpu-bundle}
jobs=${CB_JOBS:-1}

# An existing build folder (CB_BUNDLE_BUILD=build/ci, CUDA and NCCL on) is used
# as it is configured: its MPI libraries travel too, unused without a launcher.
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_ENABLE_CUDA=ON -DCB_ENABLE_NCCL=ON \
    -DCB_ENABLE_MPI=OFF -DCB_CUDA_ARCHITECTURES=90 -DCB_WARNINGS_AS_ERRORS=ON >/dev/null
fi
targets=(clusterbench kernels_gpu_test cuda_smoke_test nccl_backend_test nccl_vs_bare)
ninja -C "$build" -j"$jobs" "${targets[@]}"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/glibc"
bins=()
for t in "${targets[@]}"; do
  f=$(find "$build" -type f -name "$t" -perm -u+x | head -1)
  [ -n "$f" ] || { echo "bundle: $t was not built" >&2; exit 1; }
  bins+=("$f")
  cp "$f" "$stage/bin/"
  strip --strip-debug "$stage/bin/$t"
done
# Every library the binaries load, except glibc's own, the driver's, CUDA's and NCCL's.
for b in "${bins[@]}"; do ldd "$b"; done | awk '/=> \// {print $3}' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | libresolv.so* | libutil.so* | ld-linux*)
      cp -L "$lib" "$stage/glibc/" ;;
    libcuda.so* | libnvidia-* | libcublas* | libcudart* | libnccl*) ;;
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/glibc/"
strip --strip-debug "$stage"/lib/*.so* 2>/dev/null || true
glibc=$(for f in "${bins[@]}" "$stage"/lib/*; do objdump -T "$f" 2>/dev/null; done | grep -o 'GLIBC_[0-9.]*' |
  sort -Vu | tail -1)
echo "$glibc" >"$stage/GLIBC_REQUIRED"
git -C "$root" rev-parse --short HEAD >"$stage/REVISION" 2>/dev/null || echo unknown >"$stage/REVISION"
mkdir -p "$out"
tar -C "$stage" -cJf "$out/bundle.tar.xz" .
rel=${out#"$root"/}
if [ "$rel" != "$out" ] && ! grep -qx "/$rel/" "$root/.git/info/exclude" 2>/dev/null; then
  echo "/$rel/" >>"$root/.git/info/exclude"
fi
echo "$out/bundle.tar.xz: $(du -h "$out/bundle.tar.xz" | cut -f1), revision $(cat "$stage/REVISION"), needs $glibc or newer on the GPU machine"
echo "carry '$rel' and run: scripts/gpu/check.sh kernels   (then: scripts/gpu/check.sh comm)"
