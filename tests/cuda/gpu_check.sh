#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU and the CUDA toolkit:
#   1. builds the CUDA backend, its tests and the CUDA builds of train and
#      bench_train (make cuda);
#   2. runs the op test (every op against CPU references, determinism) and
#      its timings at GPT-2 124M sizes;
#   3. runs the model test: 20 training steps of a small model on the GPU
#      against the CPU path (every loss within 1e-4, fp32 GEMMs), checkpoint
#      GPU -> CPU and back, generation;
#   4. trains 30 steps of examples/train.c with --backend cuda on this
#      repository's sources (checkpoint, sample);
#   5. bench_train --backend cuda --config G at B 16, T 1024 (GPT-2 124M as
#      issue 12 asks), fp32 and TF32 GEMMs: tok/s and MFU (RESULT lines).
# Exits non-zero on the first failure; prints SKIP and exits 0 where
# nvidia-smi fails (no GPU).
# Usage: tests/cuda/gpu_check.sh [device]   (from any directory)
# Environment: NVCC (compiler path), BUILD (build dir, default build),
# BENCH_STEPS (timed steps per bench run, default 10).
set -euo pipefail
cd "$(dirname "$0")/../.."
dev="${1:-0}"
build="${BUILD:-build}"
steps="${BENCH_STEPS:-10}"
if ! nvidia-smi >/dev/null 2>&1; then
  echo "SKIP: no GPU (nvidia-smi failed)"
  exit 0
fi
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader
start=$(date +%s)
make --no-print-directory cuda BUILD="$build" ${NVCC:+NVCC="$NVCC"}
echo "== build: $(( $(date +%s) - start )) s"

echo "== op test (test_cuda_ops --bench $dev)"
"$build/cuda/test_cuda_ops" --bench "$dev"

echo "== model test (test_cuda_model $dev)"
"$build/cuda/test_cuda_model" "$dev"

echo "== examples/train.c --backend cuda:$dev (30 steps on src/)"
rm -rf "$build/cuda/train-check"
"$build/cuda/train" --backend "cuda:$dev" --out "$build/cuda/train-check" --corpus src --steps 30 \
  --max-mb 0.3 --vocab 512 --layers 2 --d-model 64 --heads 4 --ctx 64 --batch 8 --eval-every 10 --sample-tokens 30

threads=$(nproc)
for gemm in fp32 tf32; do
  echo "== bench_train --backend cuda:$dev --config G --batch 16 --seq 1024 ($gemm GEMMs)"
  "$build/cuda/bench_train" --backend "cuda:$dev" --config G --batch 16 --seq 1024 --steps "$steps" \
    --threads "$threads" $([ "$gemm" = tf32 ] && echo --tf32)
done
echo "== OK: every GPU check passed ($(( $(date +%s) - start )) s)"
