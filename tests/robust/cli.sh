#!/usr/bin/env bash
# tests/robust/cli.sh TRAIN ROBUST_TEST WORKDIR [TOKENIZE]
# examples/train.c (and examples/tokenize.c when given) as a new user might
# misuse them. Every bad input must end with a non-zero exit and a
# "train: ..." (or "tokenize: ...") line naming the cause, and must not
# touch what is already there (checked by checksums); odd but legal input
# (binary bytes, invalid UTF-8, a 100 MB single line) must give the right
# result.
set -u
train=$1; rt=$2; w=$3; tokenize=${4:-}
umount "$w/tmpfs" 2>/dev/null; rm -rf "$w"; mkdir -p "$w"
TINY=(--corpus src --max-mb 0.05 --vocab 300 --layers 1 --d-model 32 --heads 2 --ctx 32 --batch 4
      --threads 1 --sample-tokens 0 --eval-every 100 --ckpt-every 3)
fail=0; n=0
sum() { cksum "$@" 2>/dev/null | awk '{print $1 $2}'; }

# expect RC PATTERN DESCRIPTION -- ARGS...: run train, check the exit code and
# that stderr has a "train:" line matching PATTERN
expect() {
  local want=$1 pat=$2 what=$3; shift 4
  local rc
  timeout 120 "$train" "$@" > "$w/last.out" 2> "$w/last.err"; rc=$?
  n=$((n + 1))
  if [ $rc != "$want" ] || ! grep -q "^train: .*$pat" "$w/last.err"; then
    echo "FAIL: $what: exit $rc (want $want), stderr:"; sed 's/^/    /' "$w/last.err" | head -5; fail=1
  fi
}

# a finished run to protect
"$train" --out "$w/base" "${TINY[@]}" --steps 6 > "$w/base.out" 2>&1 || { cat "$w/base.out"; echo "FAIL: base run"; exit 1; }
ck="$w/base/checkpoint.ttck"
base_sum=$(sum "$w/base/checkpoint.ttck" "$w/base/tokens.tok" "$w/base/log.csv" "$w/base/loss.svg")
unchanged() { [ "$(sum "$w/base/checkpoint.ttck" "$w/base/tokens.tok" "$w/base/log.csv" "$w/base/loss.svg")" = "$base_sum" ] ||
              { echo "FAIL: $1 changed files of the finished run"; fail=1; }; }

# 1. flags out of range: exit 2, the flag named, nothing created
bad_flags=(
  "lr nan" "lr inf" "lr -1" "lr 0" "lr 1e300" "min-lr nan" "min-lr -1" "wd -1" "wd nan" "clip -1"
  "temperature 0" "temperature -1" "top-p 0" "top-p 1.5" "top-k -1" "val-frac 0.5" "val-frac -0.1"
  "steps 99999999999" "steps 0" "steps -5" "steps abc" "steps 1x" "batch 0" "batch -3" "max-mb -1" "max-mb 0"
  "max-mb 1e300" "heads 3" "vocab 10" "ctx 0" "threads 0" "accum 0" "warmup -2" "layers 0" "d-model 0"
  "eval-batches -1" "sample-tokens -1" "seed -1" "ckpt-every -1" "stop-at -1" "eval-every -1" "precision fp16"
  "precision BF16")
for fv in "${bad_flags[@]}"; do
  set -- $fv
  expect 2 "$1" "--$1 $2" -- --out "$w/never" "${TINY[@]}" --steps 5 "--$1" "$2"
done
expect 2 "" "--steps with an empty value" -- --out "$w/never" "${TINY[@]}" --steps ""
expect 2 "unknown flag" "unknown flag" -- --out "$w/never" --bogus 3
expect 2 "needs a value" "missing value" -- --out "$w/never" --lr
expect 2 "exclude" "--resume --overwrite" -- --out "$w/never" --resume --overwrite
[ -e "$w/never" ] && { echo "FAIL: a refused command line created its --out directory"; fail=1; }

# the run settings that are not in the checkpoint: bf16 GEMMs and recompute
# train, and a resume may change them
"$train" --out "$w/bf16" "${TINY[@]}" --steps 4 --stop-at 2 --precision bf16 --recompute > "$w/bf16.out" 2>&1 &&
  grep -q "bf16 GEMMs, recompute" "$w/bf16.out" &&
  "$train" --out "$w/bf16" "${TINY[@]}" --steps 4 --resume > "$w/bf16r.out" 2>&1 ||
  { echo "FAIL: --precision bf16 --recompute, then --resume in fp32"; tail -5 "$w/bf16.out" "$w/bf16r.out"; fail=1; }

# 2. an existing checkpoint is never replaced unasked
expect 1 "already exists" "new run over a finished one" -- --out "$w/base" "${TINY[@]}" --steps 6
expect 1 "already exists" "new run over a finished one, other shape" -- --out "$w/base" "${TINY[@]}" --steps 2 --layers 2
unchanged "a new run into the same --out"

# 3. --resume mistakes
expect 1 "nothing to resume" "--resume with no checkpoint" -- --out "$w/empty" "${TINY[@]}" --steps 6 --resume
mkdir -p "$w/ckdir"
expect 1 "not a checkpoint file" "--resume from a directory" -- --out "$w/r1" --ckpt "$w/ckdir" "${TINY[@]}" --steps 6 --resume
head -c 1000 "$ck" > "$w/trunc.ttck"
expect 1 "truncated or corrupt" "--resume from a truncated checkpoint" -- --out "$w/r2" --ckpt "$w/trunc.ttck" "${TINY[@]}" --resume
head -c 5000 "$train" > "$w/binary.ttck"
expect 1 "truncated or corrupt" "--resume from a binary file" -- --out "$w/r3" --ckpt "$w/binary.ttck" "${TINY[@]}" --resume
expect 1 "another model shape" "--resume with --layers 2" -- --out "$w/base" "${TINY[@]}" --resume --layers 2
expect 1 "another model shape" "--resume with --d-model 64" -- --out "$w/base" "${TINY[@]}" --resume --d-model 64
expect 1 "below the checkpoint" "--resume with --steps under the checkpoint's" -- --out "$w/base" "${TINY[@]}" --resume --steps 3
expect 1 "batch" "--resume with another --batch" -- --out "$w/base" "${TINY[@]}" --resume --batch 8
expect 1 "other tokens" "--resume with another corpus" -- --out "$w/base" "${TINY[@]/src/tests}" --resume
unchanged "refused --resume runs"

# 4. bad corpora
: > "$w/empty.txt"
expect 1 "corpus too small" "empty corpus file" -- --out "$w/c1" "${TINY[@]/src/$w/empty.txt}" --steps 3
mkdir -p "$w/emptydir"
expect 1 "no readable files" "corpus directory without files" -- --out "$w/c2" "${TINY[@]/src/$w/emptydir}" --steps 3
expect 1 "no readable files" "missing corpus file" -- --out "$w/c3" "${TINY[@]/src/$w/no-such-file}" --steps 3
grep -q "No such file" "$w/last.err" || { echo "FAIL: a missing corpus file is not named as missing"; fail=1; }
head -c 200000 "$train" > "$w/bin.dat"
expect 1 "corpus too small" "binary-only corpus" -- --out "$w/c4" "${TINY[@]/src/$w/bin.dat}" --steps 3
grep -q "binary file" "$w/last.err" || { echo "FAIL: a binary corpus file is not named as binary"; fail=1; }
# invalid UTF-8 (no NUL bytes) is legal input for a byte-level tokenizer: it trains
head -c 60000 /dev/urandom | tr -d '\000' > "$w/latin.txt"
if ! "$train" --out "$w/c5" "${TINY[@]/src/$w/latin.txt}" --steps 3 --sample-tokens 20 > "$w/c5.out" 2> "$w/c5.err" ||
   ! grep -q "parameters CRC32" "$w/c5.out"; then
  echo "FAIL: invalid UTF-8 text did not train"; sed 's/^/    /' "$w/c5.err" | head -3; fail=1
fi
n=$((n + 1))

# 5. unwritable places are found before any training
echo x > "$w/afile"
expect 1 "cannot create directory" "--out under a regular file" -- --out "$w/afile/sub" "${TINY[@]}" --steps 3
expect 1 "cannot write" "--ckpt in a missing directory" -- --out "$w/u1" --ckpt "$w/missing/dir/c.ttck" "${TINY[@]}" --steps 3
grep -q "^step" "$w/last.out" && { echo "FAIL: trained before finding the checkpoint path unwritable"; fail=1; }
expect 1 "cannot write" "--log in a missing directory" -- --out "$w/u2" --log "$w/missing/log.csv" "${TINY[@]}" --steps 3
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$w/ro"; chmod 555 "$w/ro"
  expect 1 "cannot write" "read-only --out" -- --out "$w/ro" "${TINY[@]}" --steps 3
  chmod 755 "$w/ro"
else
  echo "SKIP: read-only directory case (root ignores permissions); missing directories checked instead"
fi

# 6. a full disk while saving: the save fails, the run stops with exit 1,
# the previous checkpoint is unchanged (file-size limit of 100 KB; the
# checkpoint is larger, the token file smaller)
cp -r "$w/base" "$w/full"
full_sum=$(sum "$w/full/checkpoint.ttck")
( ulimit -f 100; exec "$train" --out "$w/full" "${TINY[@]}" --resume --steps 12 ) > "$w/full.out" 2> "$w/full.err"; rc=$?
n=$((n + 1))
if [ $rc = 0 ] || ! grep -q "^train: .*not saved" "$w/full.err"; then
  echo "FAIL: full disk during a checkpoint save: exit $rc"; sed 's/^/    /' "$w/full.err" | head -3; fail=1
fi
[ "$(sum "$w/full/checkpoint.ttck")" = "$full_sum" ] || { echo "FAIL: full disk: the old checkpoint changed"; fail=1; }
"$rt" --ckload "$w/full/checkpoint.ttck" || { echo "FAIL: full disk: the old checkpoint does not load"; fail=1; }
grep -q "^files:" "$w/full.out" && { echo "FAIL: full disk: lists files it did not write"; fail=1; }

# the same on a real full file system: a 512 KB tmpfs holding the finished
# run (about 370 KB), where the next checkpoint does not fit (needs root)
mkdir -p "$w/tmpfs"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=512k tmpfs "$w/tmpfs" 2>/dev/null; then
  trap 'umount "$w/tmpfs" 2>/dev/null' EXIT
  cp -a "$w/base/." "$w/tmpfs/"
  full_sum=$(sum "$w/tmpfs/checkpoint.ttck")
  timeout 120 "$train" --out "$w/tmpfs" "${TINY[@]}" --resume --steps 12 > "$w/tmpfs.out" 2> "$w/tmpfs.err"; rc=$?
  n=$((n + 1))
  if [ $rc = 0 ] || ! grep -q "^train: .*not saved" "$w/tmpfs.err"; then
    echo "FAIL: full tmpfs during a checkpoint save: exit $rc"; sed 's/^/    /' "$w/tmpfs.err" | head -3; fail=1
  fi
  [ "$(sum "$w/tmpfs/checkpoint.ttck")" = "$full_sum" ] || { echo "FAIL: full tmpfs: the old checkpoint changed"; fail=1; }
  "$rt" --ckload "$w/tmpfs/checkpoint.ttck" || { echo "FAIL: full tmpfs: the old checkpoint does not load"; fail=1; }
  [ -e "$w/tmpfs/checkpoint.ttck.tmp" ] && { echo "FAIL: full tmpfs: checkpoint.ttck.tmp left behind"; fail=1; }
  umount "$w/tmpfs"; trap - EXIT
else
  echo "SKIP: full tmpfs case (mounting a tmpfs needs root with CAP_SYS_ADMIN); the file-size-limit case above ran"
fi

# 7. two runs on one --out: the second refuses while the first lives; a
# killed run leaves no stuck lock
"$train" --out "$w/lock" "${TINY[@]}" --steps 150 > "$w/lockA.out" 2>&1 &
pa=$!
for _ in $(seq 1 200); do [ -e "$w/lock/checkpoint.ttck" ] && break; sleep 0.05; done
expect 1 "another run (pid $pa)" "second run on a live run's --out" -- --out "$w/lock" "${TINY[@]}" --steps 150 --overwrite
expect 1 "another run" "second run with --resume on a live run's --out" -- --out "$w/lock" "${TINY[@]}" --resume
kill -9 $pa 2>/dev/null; wait $pa 2>/dev/null
if ! "$train" --out "$w/lock" "${TINY[@]}" --resume > "$w/lockC.out" 2>&1; then
  echo "FAIL: --resume after the first run was killed"; tail -3 "$w/lockC.out"; fail=1
fi
n=$((n + 1))

# 8. --val-frac 0 means no validation split (not silently 0.1)
if ! "$train" --out "$w/nv" "${TINY[@]}" --steps 3 --val-frac 0 > "$w/nv.out" 2>&1 || ! grep -q " 0 val tokens" "$w/nv.out"; then
  echo "FAIL: --val-frac 0"; grep "data:" "$w/nv.out"; fail=1
fi
n=$((n + 1))

# 9. a 100 MB single line (made here, deleted after): train reads its
# first --max-mb and trains; tokenize trains on all of it, encodes it with
# two threads (the parallel encoder) and decodes it back byte for byte
yes 'the quick brown fox jumps over the lazy dog 0x1f été (x) http://ex.com/a?b=c 12345 --' | tr -d '\n' |
  head -c 100000000 > "$w/line.txt"
if ! "$train" --out "$w/line" "${TINY[@]/src/$w/line.txt}" --steps 3 > "$w/line.out" 2> "$w/line.err" ||
   ! grep -q "parameters CRC32" "$w/line.out"; then
  echo "FAIL: train on a 100 MB single line"; sed 's/^/    /' "$w/line.err" | head -3; fail=1
fi
n=$((n + 1))

if [ -n "$tokenize" ]; then
  # tok_expect RC PATTERN DESCRIPTION -- ARGS...: exit code, and stderr is
  # one line, "tokenize: ..." matching PATTERN (the library's detail, when it
  # logs one, inside that line)
  tok_expect() {
    local want=$1 pat=$2 what=$3; shift 4
    local rc
    timeout 300 "$tokenize" "$@" > "$w/tok.out" 2> "$w/tok.err"; rc=$?
    n=$((n + 1))
    if [ $rc != "$want" ] || ! grep -q "^tokenize: .*$pat" "$w/tok.err" || [ "$(wc -l < "$w/tok.err")" != 1 ]; then
      echo "FAIL: tokenize $what: exit $rc (want $want), stderr:"; sed 's/^/    /' "$w/tok.err" | head -5; fail=1
    fi
  }
  # round_trip WHAT FILE: train on FILE, encode it, decode the ids: same bytes
  round_trip() {
    n=$((n + 1))
    if ! "$tokenize" --train "$2" --vocab 300 --save "$w/rt.ttbp" 2> "$w/rt.err" ||
       ! "$tokenize" --load "$w/rt.ttbp" --threads 2 --encode "$2" > "$w/rt.ids" 2>> "$w/rt.err" ||
       ! "$tokenize" --load "$w/rt.ttbp" --decode-file "$w/rt.ids" > "$w/rt.back" 2>> "$w/rt.err" ||
       ! cmp -s "$2" "$w/rt.back"; then
      echo "FAIL: tokenize round trip of $1"; sed 's/^/    /' "$w/rt.err" | tail -3; fail=1
    fi
    rm -f "$w/rt.ids" "$w/rt.back"
  }
  round_trip "a 100 MB single line" "$w/line.txt"
  round_trip "a binary file" "$w/bin.dat"
  round_trip "invalid UTF-8" "$w/latin.txt"
  head -c 3000 /dev/urandom > "$w/rand.bin"   # NUL bytes too
  round_trip "random bytes" "$w/rand.bin"
  # the tokenizer of the last round trip must survive every refused command
  tok_sum=$(sum "$w/rt.ttbp")
  tok_expect 1 "invalid argument" "--vocab under 256 over an existing --save" -- --train "$w/latin.txt" --vocab 10 --save "$w/rt.ttbp"
  tok_expect 1 "rt.ttbp.bad" "--load a missing tokenizer" -- --load "$w/rt.ttbp.bad" --encode "$w/latin.txt"
  head -c 100 "$w/rt.ttbp" > "$w/trunc.ttbp"
  tok_expect 1 "trunc.ttbp" "--load a truncated tokenizer" -- --load "$w/trunc.ttbp" --encode "$w/latin.txt"
  tok_expect 1 "bin.dat" "--load a binary file" -- --load "$w/bin.dat" --encode "$w/latin.txt"
  tok_expect 1 "cannot open" "--encode a missing file" -- --load "$w/rt.ttbp" --encode "$w/no-such-file"
  tok_expect 1 "cannot open" "--train a missing file" -- --train "$w/no-such-file" --vocab 300 --save "$w/rt.ttbp"
  [ "$(sum "$w/rt.ttbp")" = "$tok_sum" ] || { echo "FAIL: a refused tokenize command changed an existing tokenizer"; fail=1; }
  # a directory is not an empty file; ids must be decimal ids of this vocabulary
  tok_expect 1 "cannot read .*directory" "--encode a directory" -- --load "$w/rt.ttbp" --encode "$w"
  tok_expect 1 "cannot read .*directory" "--decode-file a directory" -- --load "$w/rt.ttbp" --decode-file "$w"
  tok_expect 1 '"abc" is not a token id' "--decode with a word among the ids" -- --load "$w/rt.ttbp" --decode "104 abc 105"
  tok_expect 1 '"-5" is not a token id' "--decode a negative id" -- --load "$w/rt.ttbp" --decode "104 -5"
  tok_expect 1 '"7x" is not a token id' "--decode a glued id" -- --load "$w/rt.ttbp" --decode "7x 8"
  tok_expect 1 "out of range \\[0, " "--decode an id past the vocabulary" -- --load "$w/rt.ttbp" --decode "104 100000"
  tok_expect 1 "out of range" "--decode an id past long" -- --load "$w/rt.ttbp" --decode "99999999999999999999999"
  # --ids-out: written whole or not at all (an old file survives a failed write)
  printf 'old' > "$w/ids.u32"
  tok_expect 1 "cannot write" "--ids-out into a missing directory" -- --load "$w/rt.ttbp" --encode "$w/latin.txt" --ids-out "$w/nodir/ids.u32"
  if [ -w /dev/full ]; then   # stdout on a full disk
    n=$((n + 1))
    if "$tokenize" --load "$w/rt.ttbp" --encode "$w/latin.txt" > /dev/full 2> "$w/tok.err" ||
       ! grep -q "^tokenize: cannot write the output" "$w/tok.err"; then
      echo "FAIL: tokenize --encode to /dev/full: exit 0 or no message"; fail=1
    fi
  fi
  "$tokenize" --load "$w/rt.ttbp" --encode "$w/latin.txt" --ids-out "$w/ids.u32" 2> "$w/tok.err" &&
    [ ! -e "$w/ids.u32.tmp" ] && [ "$(stat -c %s "$w/ids.u32")" -gt 3 ] ||
    { echo "FAIL: --ids-out over an existing file"; fail=1; }
fi
rm -f "$w/line.txt"

[ $fail = 0 ] && echo "train and tokenize CLIs: $n misuse and edge cases: each refused with a clear message and a non-zero exit, nothing overwritten"
exit $fail
