#!/usr/bin/env bash
# Builds the kernels GPU backend HERE (any x86-64 machine with the CUDA toolkit
# and this project's Debian dependencies) and packs what a GPU machine needs to
# run it: the binaries and the shared libraries they load that a bare CUDA
# image lacks (yaml-cpp, fmt, HDF5 and its codecs, OpenBLAS, libstdc++, ...).
# The CUDA driver and cuBLASLt are taken from the GPU machine; so is glibc
# when it is new enough (GLIBC_REQUIRED), otherwise kernels-check.sh starts
# the binaries with the bundled glibc's loader (glibc/).
#
#   scripts/gpu/kernels-bundle.sh [OUT_DIR]       (default: .gpubundle)
#
# Writes OUT_DIR/bundle.tar.xz; scripts/gpu/kernels-check.sh unpacks it. The
# output folder must be ignored by git (the script adds it to
# .git/info/exclude) and carried to the GPU machine. CB_JOBS sets build
# parallelism (default 1); CB_BUNDLE_BUILD the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.gpubundle}
build=${CB_BUNDLE_BUILD:-$root/build/gpu-bundle}
jobs=${CB_JOBS:-1}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_ENABLE_CUDA=ON -DCB_ENABLE_NCCL=OFF \
  -DCB_ENABLE_MPI=OFF -DCB_CUDA_ARCHITECTURES=90 -DCB_WARNINGS_AS_ERRORS=ON >/dev/null
ninja -C "$build" -j"$jobs" clusterbench kernels_gpu_test cuda_smoke_test

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/glibc"
bins=("$build/apps/clusterbench" "$build/tests/gpu/kernels_gpu_test" "$build/tests/gpu/cuda_smoke_test")
for b in "${bins[@]}"; do
  cp "$b" "$stage/bin/"
  strip --strip-debug "$stage/bin/$(basename "$b")"
done
# Every library the binaries load, except glibc's own, the driver's and CUDA's.
for b in "${bins[@]}"; do ldd "$b"; done | awk '/=> \// {print $3}' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | libresolv.so* | libutil.so* | ld-linux*)
      cp -L "$lib" "$stage/glibc/" ;;
    libcuda.so* | libnvidia-* | libcublas* | libcudart*) ;;
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/glibc/"
strip --strip-debug "$stage"/lib/*.so* 2>/dev/null || true
glibc=$(for f in "${bins[@]}" "$stage"/lib/*; do objdump -T "$f" 2>/dev/null; done | grep -o 'GLIBC_[0-9.]*' |
  sort -Vu | tail -1)
echo "$glibc" >"$stage/GLIBC_REQUIRED"
mkdir -p "$out"
tar -C "$stage" -cJf "$out/bundle.tar.xz" .
rel=${out#"$root"/}
if [ "$rel" != "$out" ] && ! grep -qx "/$rel/" "$root/.git/info/exclude" 2>/dev/null; then
  echo "/$rel/" >>"$root/.git/info/exclude"
fi
echo "$out/bundle.tar.xz: $(du -h "$out/bundle.tar.xz" | cut -f1), needs $glibc or newer on the GPU machine"
echo "carry '$rel' and run: scripts/gpu/kernels-check.sh"
