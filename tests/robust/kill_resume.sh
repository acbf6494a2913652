#!/usr/bin/env bash
# tests/robust/kill_resume.sh TRAIN ROBUST_TEST WORKDIR
# SIGKILL a tiny training run (examples/train.c) at random moments, and on
# purpose while a checkpoint is being written (checkpoint.ttck.tmp exists):
# after every kill the checkpoint, if there is one yet, must load, and the
# run continued with --resume (or started again when no checkpoint was
# written yet) must end with the same parameters CRC as an uninterrupted run.
# Kill moments come from a fixed seed, so a failure can be replayed.
set -u
train=$1; rt=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
FLAGS=(--corpus src --max-mb 0.05 --vocab 300 --layers 1 --d-model 32 --heads 2 --ctx 32 --batch 4
       --threads 1 --sample-tokens 0 --eval-every 10 --ckpt-every 2 --steps 30 --seed 7)
TRIALS=${KILL_TRIALS:-12}
RANDOM=4242

ms() { echo $(( $(date +%s%N) / 1000000 )); }
crc_of() { grep -o 'parameters CRC32: [0-9a-f]*' "$1" | awk '{print $3}'; }

t0=$(ms)
"$train" --out "$work/ref" "${FLAGS[@]}" > "$work/ref.out" 2>&1 || { cat "$work/ref.out"; echo "FAIL: reference run"; exit 1; }
dur=$(( $(ms) - t0 ))
ref=$(crc_of "$work/ref.out")
[ -n "$ref" ] || { echo "FAIL: no CRC in the reference run"; exit 1; }
echo "reference: CRC $ref in ${dur} ms"

kills=0; during_save=0; fail=0
for t in $(seq 1 "$TRIALS"); do
  d="$work/t$t"
  for k in 1 2 3; do
    args=()
    [ -f "$d/checkpoint.ttck" ] && args=(--resume)
    rm -f "$d/checkpoint.ttck.tmp"
    "$train" --out "$d" "${FLAGS[@]}" "${args[@]}" > "$d.k$k.out" 2>&1 &
    pid=$!
    if [ $k = 2 ]; then
      # wait for a save to start (the process may finish first)
      while kill -0 $pid 2>/dev/null && [ ! -e "$d/checkpoint.ttck.tmp" ]; do :; done
    else
      delay=$(( RANDOM % (dur + dur / 5 + 1) ))
      sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    fi
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    kills=$((kills + 1))
    [ -e "$d/checkpoint.ttck.tmp" ] && during_save=$((during_save + 1))
    if [ -e "$d/checkpoint.ttck" ] && ! "$rt" --ckload "$d/checkpoint.ttck"; then
      echo "FAIL: trial $t kill $k: the checkpoint left behind does not load"; fail=1
    fi
  done
  args=()
  [ -f "$d/checkpoint.ttck" ] && args=(--resume)
  if ! timeout 120 "$train" --out "$d" "${FLAGS[@]}" "${args[@]}" > "$d.final.out" 2>&1; then
    tail -3 "$d.final.out"; echo "FAIL: trial $t: the run after the kills failed"; fail=1; continue
  fi
  got=$(crc_of "$d.final.out")
  step=$(grep -o 'resumed from [^ ]* at step [0-9]*' "$d.final.out" | awk '{print $NF}')
  echo "trial $t: finished ${args[*]:-from scratch}${step:+ at step $step}: CRC $got"
  [ "$got" = "$ref" ] || { echo "FAIL: trial $t: CRC $got, uninterrupted $ref"; fail=1; }
done
echo "$kills kills, $during_save of them while checkpoint.ttck.tmp existed (a save in progress), $(( ($(ms) - t0) / 1000 )) s"
[ $during_save -ge 1 ] || { echo "FAIL: no kill landed during a checkpoint save"; fail=1; }
[ $fail = 0 ] && echo "kill/resume: every checkpoint loaded, every resumed run ended at the uninterrupted CRC"
exit $fail
