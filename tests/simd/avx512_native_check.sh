#!/usr/bin/env bash
# One command for a machine whose CPU has AVX-512 (for example the host CPU
# of a GPU machine; no network needed):
#   1. prints the CPU and its AVX-512 / AVX512_BF16 / AMX flags;
#   2. runs the width-16 tests natively (make picks the native mode when the
#      CPU has AVX-512 F/BW/DQ/VL): the 512-bit elementwise kernels and the
#      6x64 GEMM against the scalar references, gradients, determinism across
#      thread counts, the 20-step training run against the width-8 build, the
#      bf16 kernels (vdpbf16ps where the CPU has avx512_bf16) and the bf16
#      model test;
#   3. benches bench_train on S, M, G in alternating rounds: the width-16
#      build (-march=native) fp32 and bf16 against a width-8 (AVX2) build of
#      the same source, fp32; medians of ROUNDS rounds (RESULT lines kept in
#      BUILD/avx512_check/).
# Exits non-zero on the first test failure; prints SKIP and exits 0 on a CPU
# without AVX-512. PyTorch is not needed (make bench compares with it).
# Usage: tests/simd/avx512_native_check.sh [threads]   (default: all cores)
# Environment: BUILD (default build), ROUNDS (default 3), CONFIGS ("S M G"),
# NO_TESTS=1 (benches only), NO_BENCH=1 (tests only).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${BUILD:-build}"
threads="${1:-$(nproc)}"
rounds="${ROUNDS:-3}"
configs="${CONFIGS:-S M G}"
if ! grep -qw avx512f /proc/cpuinfo; then
  echo "SKIP: this CPU has no AVX-512 (no avx512f in /proc/cpuinfo)"
  exit 0
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512|amx)' | sort | tr '\n' ' ')"
start=$(date +%s)
if [ "${NO_TESTS:-0}" != 1 ]; then
  for t in test-simd16-vec test-kern-gemm-avx512 test-simd16-grad test-simd16-determinism test-simd16-train \
           test-simd16-bf16 test-kern-gemm-bf16 test-bf16-model; do
    t0=$(date +%s)
    if ! make --no-print-directory -s BUILD="$build" "$t" > "$build/log-native-$t.txt" 2>&1; then
      echo "FAIL: $t"; tail -n 30 "$build/log-native-$t.txt"; exit 1
    fi
    echo "$t: ok ($(( $(date +%s) - t0 )) s): $(grep -m1 -E 'AVX-512 build|native|SKIP' "$build/log-native-$t.txt" || true)"
  done
fi
[ "${NO_BENCH:-0}" = 1 ] && { echo "total $(( $(date +%s) - start )) s"; exit 0; }
out="$build/avx512_check"
mkdir -p "$out"
rm -f "$out"/*.txt
cc -std=c99 -O2 -march=native -D_POSIX_C_SOURCE=200809L -I. bench/bench_train.c -o "$out/bt16" -lm -lpthread
cc -std=c99 -O2 -march=native -DTT_SIMD_WIDTH=8 -D_POSIX_C_SOURCE=200809L -I. bench/bench_train.c -o "$out/bt8" -lm -lpthread
field() { sed -n "s/.*RESULT .*$1=\([^ ]*\).*/\1/p" "$2" 2>/dev/null | tail -1; }
steps_for() { case $1 in S) echo 8;; M) echo 5;; *) echo 4;; esac; }
for r in $(seq 1 "$rounds"); do
  for c in $configs; do
    s=$(steps_for "$c")
    "$out/bt16" --config "$c" --threads "$threads" --steps "$s" > "$out/w16_${c}_$r.txt" 2>&1
    "$out/bt8" --config "$c" --threads "$threads" --steps "$s" > "$out/w8_${c}_$r.txt" 2>&1
    "$out/bt16" --config "$c" --threads "$threads" --steps "$s" --dtype bf16 > "$out/b16_${c}_$r.txt" 2>&1
    echo "round $r $c: width 16 $(field tok_per_s "$out/w16_${c}_$r.txt"), width 8 $(field tok_per_s "$out/w8_${c}_$r.txt")," \
         "width 16 bf16 $(field tok_per_s "$out/b16_${c}_$r.txt") tok/s"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
med() { for r in $(seq 1 "$rounds"); do v=$(field "$1" "$out/$2_${c}_$r.txt"); [ -n "$v" ] && echo "$v"; done | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo
echo "bench_train, $threads threads, medians of $rounds rounds (tok/s, MFU against the measured fp32 FMA peak)"
if echo | cc -march=native -dM -E - | grep -q __AVX512BF16__; then
  echo "bf16: -march=native has AVX512_BF16: the 6x64 vdpbf16ps kernel"
else
  echo "bf16: no AVX512_BF16 under -march=native: bf16 operands widened to fp32 (not expected to be faster)"
fi
printf '%-4s | %14s | %14s | %12s | %14s | %10s\n' config "w16 fp32 (MFU)" "w8 fp32 (MFU)" "w16/w8 fp32" "w16 bf16" "bf16/fp32"
for c in $configs; do
  a=$(med tok_per_s w16); b=$(med tok_per_s w8); h=$(med tok_per_s b16)
  printf '%-4s | %14s | %14s | %12s | %14s | %10s\n' "$c" "$a ($(med mfu w16))" "$b ($(med mfu w8))" "$(ratio "$a" "$b")" \
         "$h" "$(ratio "$h" "$a")"
done
echo "total $(( $(date +%s) - start )) s"
