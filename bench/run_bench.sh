#!/usr/bin/env bash
# make bench: tinytrain (bench/bench_train) and PyTorch (bench/torch_gpt.py)
# on configs S, M, G, alternating in one run, then a table of medians.
# Usage: bench/run_bench.sh [threads] [rounds] [configs]   (defaults: all cores, 3, "S M G")
set -u
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
rounds=${2:-3}
configs=${3:-S M G}
bin=${BENCH_BIN:-build/bench_train}
tc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1)
out=build/bench
mkdir -p "$out"
field() { sed -n "s/.*RESULT .*$1=\([^ ]*\).*/\1/p" "$2" | tail -1; }
steps_for() { case $1 in S) echo 8;; M) echo 5;; *) echo 4;; esac; }
for r in $(seq 1 "$rounds"); do
  for c in $configs; do
    s=$(steps_for "$c")
    "$bin" --config "$c" --threads "$threads" --steps "$s" > "$out/tt_${c}_$r.txt" 2>/dev/null
    peak=$(sed -n 's/.*measured fp32 peak \([0-9.]*\).*/\1/p' "$out/tt_${c}_$r.txt")
    LD_PRELOAD=${tc} /usr/bin/python3 bench/torch_gpt.py --config "$c" --threads "$threads" --steps "$s" \
      --attn manual --peak "${peak:-0}" > "$out/pt_${c}_$r.txt" 2>/dev/null
    echo "round $r config $c: tinytrain $(field tok_per_s "$out/tt_${c}_$r.txt") tok/s, PyTorch $(field tok_per_s "$out/pt_${c}_$r.txt") tok/s"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $threads threads, SIMD width $(sed -n 's/.*SIMD width \([0-9]*\).*/\1/p' "$out/tt_S_1.txt" 2>/dev/null | head -1)"
printf '%-6s | %12s %6s %8s | %12s %6s %8s | %6s\n' config "tt tok/s" MFU "RSS MB" "torch tok/s" MFU "RSS MB" ratio
for c in $configs; do
  tt=$(for r in $(seq 1 "$rounds"); do field tok_per_s "$out/tt_${c}_$r.txt"; done | median)
  tm=$(for r in $(seq 1 "$rounds"); do field mfu "$out/tt_${c}_$r.txt"; done | median)
  trss=$(for r in $(seq 1 "$rounds"); do field peak_rss_mb "$out/tt_${c}_$r.txt"; done | median)
  pt=$(for r in $(seq 1 "$rounds"); do field tok_per_s "$out/pt_${c}_$r.txt"; done | median)
  pm=$(for r in $(seq 1 "$rounds"); do field mfu "$out/pt_${c}_$r.txt"; done | median)
  prss=$(for r in $(seq 1 "$rounds"); do field peak_rss_mb "$out/pt_${c}_$r.txt"; done | median)
  ratio=$(awk -v a="$tt" -v b="$pt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-6s | %12s %6s %8s | %12s %6s %8s | %6sx\n' "$c" "$tt" "$tm" "$trss" "$pt" "$pm" "$prss" "$ratio"
done
