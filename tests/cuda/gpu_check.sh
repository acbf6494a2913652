#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU and the CUDA toolkit: builds
# the CUDA backend and its op test (make cuda), runs the op test (every op
# against CPU references, determinism) and prints timing figures at GPT-2
# 124M sizes. Usage: tests/cuda/gpu_check.sh [device]   (from any directory)
# Environment: NVCC (compiler path), BUILD (build dir, default build).
set -euo pipefail
cd "$(dirname "$0")/../.."
dev="${1:-0}"
build="${BUILD:-build}"
if ! nvidia-smi >/dev/null 2>&1; then
  echo "SKIP: no GPU (nvidia-smi failed)"
  exit 0
fi
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader
start=$(date +%s)
make --no-print-directory cuda BUILD="$build" ${NVCC:+NVCC="$NVCC"}
echo "build: $(( $(date +%s) - start )) s"
"$build/cuda/test_cuda_ops" --bench "$dev"
