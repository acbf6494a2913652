#!/usr/bin/env bash
# `make bench-mpi`: data parallel scaling on this machine and an alpha-beta
# model of config G (GPT-2 124M) on 8-64 nodes. Not a test (timings).
#  1. tokens/s of 2 ranks x 1 thread against 1 process x 2 threads, same
#     global batch (config M-like: 4 layers, d 256, ctx 128, batch 8 = 1024
#     tokens/step), median of 3 runs each.
#  2. one step of config G (V 50257, 12 layers, d 768, 12 heads, T 256,
#     batch 4) in 1 process x 2 threads: the compute time per node.
#  3. step time = compute + gradient allreduce as train_mpi's hook does it
#     (alltoall + allgather per bucket: 2 (p-1) messages of n/p floats),
#     + with ZeRO-1 the parameter broadcasts (each slice from its owner,
#     binomial tree: log2(p) rounds of P/p floats per slice).
set -euo pipefail
B=${1:-build}
T=$B/train_mpi
D=$B/bench-mpi
mkdir -p "$D"
cat src/*.c tinytrain.h > "$D/corpus.txt"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
M="--text $D/corpus.txt --layers 4 --d-model 256 --heads 4 --ctx 128 --batch 8 --steps 12 --quiet"
tok() { mpirun --oversubscribe "$@" | sed -n 's/.*: \([0-9.]*\) tok\/s.*/\1/p'; }
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
echo "1. scaling on this machine ($(nproc) cores): $M"
a=(); b=()
for i in 1 2 3; do
  a+=("$(tok -np 2 "$T" $M --threads 1)")
  b+=("$(tok -np 1 "$T" $M --threads 2)")
done
r2=$(med "${a[@]}"); r1=$(med "${b[@]}")
echo "   2 ranks x 1 thread:    ${a[*]} tok/s (median $r2)"
echo "   1 process x 2 threads: ${b[*]} tok/s (median $r1)"
python3 -c "print('   scaling efficiency (2x1 / 1x2): %.2f' % ($r2 / $r1))"
# G_STEP_S=seconds skips the G measurement (e.g. 1024 / the G tok/s of `make bench` on a quiet machine)
if [ -n "${G_STEP_S:-}" ]; then
  echo "2. config G: compute time per step given: G_STEP_S=$G_STEP_S"
  P=123886080; t_step=$(python3 -c "print(2 * $G_STEP_S)")
else
  echo "2. config G, 1 process x 2 threads, 2 steps:"
  G="--text $D/corpus.txt --vocab 50257 --layers 12 --d-model 768 --heads 12 --ctx 256 --batch 4 --steps 2 --warmup 1"
  out=$(mpirun -np 1 "$T" $G --threads 2)
  echo "$out" | grep -v '^step' | sed 's/^/   /'
  P=$(echo "$out" | sed -n 's/.*, \([0-9]*\) parameters.*/\1/p')
  t_step=$(echo "$out" | sed -n 's/^time \([0-9.]*\)s for 2 steps.*/\1/p')
fi
python3 - "$P" "$t_step" <<'PY'
import math, sys
P = int(sys.argv[1]); t_c = float(sys.argv[2]) / 2   # seconds of compute per step (1 node, 1024 tokens)
bucket = 1 << 20
nb = math.ceil(P / bucket)
nets = [("25 Gbit/s (TCP, alpha 10 us)", 25e9 / 8, 10e-6), ("100 Gbit/s (RDMA, alpha 2 us)", 100e9 / 8, 2e-6)]
print("3. alpha-beta model, config G: P = %d floats (%.0f MB of gradients), %d buckets of %d floats,"
      " compute %.2f s/step/node (measured above; weak scaling: 1024 tokens per node per step)" % (P, P * 4 / 1e6, nb, bucket, t_c))
print("   | nodes | network | allreduce | + ZeRO-1 bcast | step | efficiency | step, ZeRO-1 |")
print("   |---|---|---|---|---|---|---|")
for p in (8, 16, 32, 64):
    for name, beta, alpha in nets:
        ar = nb * 2 * (p - 1) * alpha + 2 * (p - 1) / p * P * 4 / beta
        bc = p * math.ceil(P / p / bucket) * math.ceil(math.log2(p)) * alpha + math.ceil(math.log2(p)) * P * 4 / beta
        st = t_c + ar
        print("   | %d | %s | %.3f s | %.3f s | %.2f s | %.0f %% | %.2f s |" % (p, name, ar, bc, st, 100 * t_c / st, st + bc))
PY
