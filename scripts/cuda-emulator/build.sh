#!/usr/bin/env bash
# Builds the CUDA emulator into scripts/cuda-emulator/lib under the names Takeoff opens. Then, e.g.:
#   TAKEOFF_CUDA_LIBRARY_PATH=$PWD/scripts/cuda-emulator/lib .build/debug/takeoff device check
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p lib
cc -O1 -shared -fPIC -o lib/libfakecuda.so fakecuda.c -ldl
cp kernelgen.py lib/
for name in libcuda.so.1 libnvrtc.so.13 libcublas.so.13; do ln -sf libfakecuda.so "lib/$name"; done
echo "built $(pwd)/lib"
