#!/usr/bin/env bash
# The GPU checks in one run, on a GPU machine without a Swift toolchain, from the repository root:
# unpack the portable build (scripts/build-portable.sh --with-data, made on a build machine), then
#   1. `takeoff device info` and `takeoff device check` (every op, optimizer and three short training runs on
#      CPU and GPU, compared; gradients checked against finite differences on the GPU),
#   2. one epoch of mlp-large and cnn against PyTorch on the same GPU (bench/nn_cuda_vs_torch.py),
#   3. with ACCURACY=1, mlp-large trained to the end on the GPU and on the CPU for seeds 0-2 (about 5 min),
#   4. one epoch of each with TF32 on.
# Outputs go to $OUT (or /tmp/takeoff-gpu). Each step has a time limit, so one that hangs leaves the others theirs.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/takeoff-gpu}
mkdir -p "$out"
[ -f .portable.tar.xz ] && tar -xJf .portable.tar.xz
export TAKEOFF_BINARY=$PWD/.portable/takeoff TAKEOFF_FASHION_MNIST=$PWD/.portable/fashion-mnist PYTHONUNBUFFERED=1
export LD_LIBRARY_PATH=$PWD/.portable/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/nvidia-smi.txt"
timeout 120 "$TAKEOFF_BINARY" device info 2>&1 | tee "$out/info.txt"
timeout 240 "$TAKEOFF_BINARY" device check 2>&1 | tee "$out/check.txt"
timeout 540 python3 bench/nn_cuda_vs_torch.py --repeats "${REPEATS:-3}" ${ACCURACY:+--accuracy} 2>&1 | tee "$out/bench.txt"
# 4. the same epochs with TF32 tensor-core math (opt-in), for the record
timeout 120 "$TAKEOFF_BINARY" bench train --presets mlp-large,cnn --device cuda --tf32 2>&1 | tee "$out/tf32.txt"
