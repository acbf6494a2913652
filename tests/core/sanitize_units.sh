#!/usr/bin/env bash
# tests/core/sanitize_units.sh BUILD_DIR FILE.c... -- builds each given unit
# test (a self-contained program that defines TINYTRAIN_IMPLEMENTATION and
# takes no arguments) with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs it from the repository root, two at a time. Fails if any build or run
# fails (a leak, an out-of-bounds access, UB, or the test's own failure).
set -u
cd "$(dirname "$0")/../.."
mkdir -p "${1:?build dir}"
# a fresh directory per run, so concurrent runs in one tree do not collide;
# removed when everything passed
out=$(mktemp -d "$1/san_units.XXXXXX"); shift
# -O0 -g1: these programs each compile the whole header; -O0 halves that and
# -g1 keeps file:line in the reports
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g1"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
one() {
  local src=$1 name t0
  name=$(basename "$src" .c)
  t0=$EPOCHREALTIME
  if ! ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -O0 -march=native -I. -I"$(dirname "$src")" $SAN \
       "$src" -o "$out/$name" -lm -lpthread > "$out/$name.log" 2>&1; then
    echo 1 > "$out/$name.rc"; return; fi
  "$out/$name" >> "$out/$name.log" 2>&1
  echo "$? $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" > "$out/$name.rc"
}
for src in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do wait -n; done
  one "$src" &
done
wait
fails=0
for src in "$@"; do
  name=$(basename "$src" .c)
  rc=1; secs=?
  [ -f "$out/$name.rc" ] && read -r rc secs < "$out/$name.rc"
  if [ "$rc" = 0 ]; then echo "asan+ubsan $src: ok (${secs}s build+run)"
  else fails=$((fails+1)); echo "asan+ubsan $src: FAIL"; tail -n 30 "$out/$name.log" | sed 's/^/    | /'; fi
done
[ "$fails" = 0 ] && rm -rf "$out"
[ "$fails" = 0 ]
