#!/usr/bin/env bash
# make bench: tinytrain (bench/bench_train) against current PyTorch from PyPI
# (bench/setup_torch.sh: eager, and torch.compile) on configs S, M, G,
# alternating in one run, then a table of medians and the ratio to the BEST
# PyTorch figure. Compile time is excluded from tok/s and reported apart.
# Usage: bench/run_bench.sh [threads] [rounds] [configs]   (defaults: all cores, 3, "S M G")
# Env: BENCH_BIN (tinytrain binary), TORCH2_PY (default build/venv-torch2/bin/python),
#      BENCH_TORCH1=1 adds Debian's /usr/bin/python3 torch (1.13) eager as a column,
#      BENCH_COMPILE=0 skips the compiled runs, BENCH_BF16=0 skips the bf16 rows (tinytrain
#      --dtype bf16 against PyTorch eager with CPU bf16 autocast; BENCH_BF16_TORCH_CONFIGS limits the
#      autocast runs to these configs and BENCH_BF16_TORCH_STEPS to that many timed steps after one
#      warm-up step: on a CPU without AVX512_BF16/AMX PyTorch's bf16 GEMM is ~40x slower than its fp32
#      one), BENCH_REPORT_ONLY=1 prints the table of
#      the runs already in build/bench (e.g. after stopping a run between rounds).
# On a CPU with AVX-512 (avx512f in /proc/cpuinfo) the default binary is the
# width-16 build (-march=native); a width-8 (AVX2) build of the same source,
# build/bench_train_w8, runs in the same rounds and a third table compares
# them (BENCH_W8=0 leaves it out).
set -u
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
rounds=${2:-3}
configs=${3:-S M G}
bin=${BENCH_BIN:-build/bench_train}
py2=${TORCH2_PY:-build/venv-torch2/bin/python}
torch1=${BENCH_TORCH1:-0}
compile=${BENCH_COMPILE:-1}
bf16=${BENCH_BF16:-1}
tc=$(ls /usr/lib/*/libtcmalloc.so.4 /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1)
out=build/bench
mkdir -p "$out"
report_only=${BENCH_REPORT_ONLY:-0}
w8=0
if [ "${BENCH_W8:-1}" = 1 ] && grep -qw avx512f "${BENCH_CPUINFO:-/proc/cpuinfo}"; then
  w8=1
  if [ "$report_only" != 1 ] && ! ${CC:-cc} -std=c99 -O2 -march=native -DTT_SIMD_WIDTH=8 -D_POSIX_C_SOURCE=200809L -I. \
       bench/bench_train.c -o build/bench_train_w8 -lm -lpthread; then
    echo "run_bench: cannot build the width-8 binary; no AVX2-vs-AVX-512 table"; w8=0
  fi
fi
[ "$report_only" = 1 ] || rm -f "$out"/*.txt
if ! "$py2" -c "import torch" 2>/dev/null; then
  echo "run_bench: no PyTorch 2.x at $py2 (run bench/setup_torch.sh); PyTorch columns will be empty"
fi
field() { sed -n "s/.*RESULT .*$1=\([^ ]*\).*/\1/p" "$2" 2>/dev/null | tail -1; }
steps_for() { case $1 in S) echo 8;; M) echo 5;; *) echo 4;; esac; }
export OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
for r in $(seq 1 "$rounds"); do
  [ "$report_only" = 1 ] && break
  for c in $configs; do
    s=$(steps_for "$c")
    "$bin" --config "$c" --threads "$threads" --steps "$s" > "$out/tt_${c}_$r.txt" 2>/dev/null
    [ "$w8" = 1 ] && build/bench_train_w8 --config "$c" --threads "$threads" --steps "$s" > "$out/tw8_${c}_$r.txt" 2>/dev/null
    peak=$(sed -n 's/.*measured fp32 peak \([0-9.]*\).*/\1/p' "$out/tt_${c}_$r.txt")
    # round 1 tries the attention and AdamW variants; later rounds reuse the fastest
    if [ "$r" = 1 ]; then sel="--attn best --adamw best"; else
      sel="--attn $(field attention "$out/pe_${c}_1.txt") --adamw $(field adamw "$out/pe_${c}_1.txt")"; fi
    LD_PRELOAD=${tc} "$py2" bench/torch_gpt.py --config "$c" --threads "$threads" --steps "$s" --mode eager \
      $sel --peak "${peak:-0}" > "$out/pe_${c}_$r.txt" 2>"$out/pe_${c}_$r.err"
    sel="--attn $(field attention "$out/pe_${c}_1.txt") --adamw $(field adamw "$out/pe_${c}_1.txt")"
    line="round $r config $c: tinytrain $(field tok_per_s "$out/tt_${c}_$r.txt"), torch2 eager $(field tok_per_s "$out/pe_${c}_$r.txt")"
    if [ "$compile" = 1 ]; then
      LD_PRELOAD=${tc} "$py2" bench/torch_gpt.py --config "$c" --threads "$threads" --steps "$s" --mode compile \
        $sel --peak "${peak:-0}" > "$out/pc_${c}_$r.txt" 2>"$out/pc_${c}_$r.err"
      line="$line, torch2 compiled $(field tok_per_s "$out/pc_${c}_$r.txt") (compile $(field compile_s "$out/pc_${c}_$r.txt") s)"
    fi
    if [ "$torch1" = 1 ]; then
      LD_PRELOAD=${tc} /usr/bin/python3 bench/torch_gpt.py --config "$c" --threads "$threads" --steps "$s" --mode eager \
        --attn manual --adamw foreach --peak "${peak:-0}" > "$out/p1_${c}_$r.txt" 2>/dev/null
      line="$line, torch1 eager $(field tok_per_s "$out/p1_${c}_$r.txt")"
    fi
    echo "$line tok/s"
    if [ "$bf16" = 1 ]; then
      "$bin" --config "$c" --threads "$threads" --steps "$s" --dtype bf16 > "$out/tb_${c}_$r.txt" 2>/dev/null
      case " ${BENCH_BF16_TORCH_CONFIGS:-$configs} " in
        *" $c "*)
          if [ -n "${BENCH_BF16_TORCH_STEPS:-}" ]; then bs="--steps $BENCH_BF16_TORCH_STEPS --warm 1"; else bs="--steps $s"; fi
          LD_PRELOAD=${tc} "$py2" bench/torch_gpt.py --config "$c" --threads "$threads" $bs --mode eager \
            $sel --dtype bf16 --peak "${peak:-0}" > "$out/pb_${c}_$r.txt" 2>"$out/pb_${c}_$r.err";;
      esac
      echo "round $r config $c bf16: tinytrain $(field tok_per_s "$out/tb_${c}_$r.txt"), torch2 eager autocast $(field tok_per_s "$out/pb_${c}_$r.txt") tok/s"
    fi
  done
done
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
med() { for r in $(seq 1 "$rounds"); do v=$(field "$1" "$out/$2_${c}_$r.txt"); [ -n "$v" ] && echo "$v"; done | median; }
echo
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $threads threads, SIMD width $(sed -n 's/.*SIMD width \([0-9]*\).*/\1/p' "$out/tt_S_1.txt" 2>/dev/null | head -1)"
for f in "$out"/pe_*_1.txt "$out"/p1_*_1.txt; do [ -f "$f" ] && grep -m2 '^torch ' "$f"; done | sort -u
[ -n "$tc" ] && echo "PyTorch runs with LD_PRELOAD=$tc, OMP_NUM_THREADS=$threads"
printf '%-4s | %9s %5s %6s | %9s %5s | %9s %5s %8s |' config "tt tok/s" MFU "RSS MB" "eager" MFU "compiled" MFU "compile"
[ "$torch1" = 1 ] && printf ' %9s |' "t1.13"
printf ' %6s\n' "tt/best"
for c in $configs; do
  tt=$(med tok_per_s tt); tm=$(med mfu tt); trss=$(med peak_rss_mb tt)
  pe=$(med tok_per_s pe); pem=$(med mfu pe)
  pc=-; pcm=-; pcs=-
  if [ "$compile" = 1 ]; then pc=$(med tok_per_s pc); pcm=$(med mfu pc); pcs=$(med compile_s pc); fi
  best=$(printf '%s\n%s\n' "$pe" "$pc" | grep -v '^-$' | sort -g | tail -1)
  blas=$(field blas "$out/pe_${c}_1.txt")
  if [ "$blas" = reference ] || [ "$blas" = unknown ] || [ -z "$blas" ]; then
    ratio="refused (PyTorch BLAS: ${blas:-none})"
  else
    ratio=$(awk -v a="$tt" -v b="${best:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  fi
  printf '%-4s | %9s %5s %6s | %9s %5s | %9s %5s %7ss |' "$c" "$tt" "$tm" "$trss" "$pe" "$pem" "$pc" "$pcm" "$pcs"
  [ "$torch1" = 1 ] && printf ' %9s |' "$(med tok_per_s p1)"
  printf ' %s\n' "$ratio"
done
if [ "$w8" = 1 ]; then
  echo
  echo "fp32, the same source built at SIMD width $(sed -n 's/.*SIMD width \([0-9]*\).*/\1/p' "$out/tt_S_1.txt" 2>/dev/null | head -1) (default) and at width 8 (AVX2)"
  printf '%-4s | %9s %5s | %9s %5s | %6s\n' config "default" MFU "width 8" MFU "ratio"
  for c in $configs; do
    a=$(med tok_per_s tt); b=$(med tok_per_s tw8)
    ratio=$(awk -v a="$a" -v b="${b:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    printf '%-4s | %9s %5s | %9s %5s | %6s\n' "$c" "$a" "$(med mfu tt)" "$b" "$(med mfu tw8)" "$ratio"
  done
elif [ "${BENCH_W8:-1}" = 1 ]; then
  echo
  echo "AVX2 vs AVX-512: this CPU has no AVX-512 (no avx512f in /proc/cpuinfo): not run"
fi
if [ "$bf16" = 1 ]; then
  echo
  echo "bf16 (tinytrain cfg.precision bf16: linear layers' GEMMs; PyTorch: CPU autocast to bfloat16, eager)"
  printf '%-4s | %9s %6s | %9s | %6s\n' config "tt tok/s" "RSS MB" "autocast" "tt/pt"
  for c in $configs; do
    tb=$(med tok_per_s tb); tbr=$(med peak_rss_mb tb); pb=$(med tok_per_s pb)
    ratio=$(awk -v a="$tb" -v b="${pb:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    printf '%-4s | %9s %6s | %9s | %6s\n' "$c" "$tb" "$tbr" "$pb" "$ratio"
  done
fi
