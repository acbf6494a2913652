#!/usr/bin/env bash
# Every src/*.c compiles on its own with only tt_internal.h (the layering:
# no file relies on what comes before it in the amalgamation), as C99 and
# as C++11, with gcc at -Wall -Wextra. Usage: tools/check_src_alone.sh [pending...]
# Files named as pending are reported but do not fail the check (a file
# that passes while still named pending is reported too, to be removed).
# Allowed diagnostic: "used but never defined" (a tt__ function declared
# in tt_internal.h and defined in another file).
set -u
cd "$(dirname "$0")/.."
pending=" $* "
fail=0
for f in src/*.c; do
  b=$(basename "$f")
  bad=""
  for lang in c c++; do
    if [ "$lang" = c ]; then std="-std=c99 -pedantic"; else std="-std=c++11"; fi
    out=$(gcc -x "$lang" $std -fsyntax-only -Wall -Wextra -Wno-unused-function -march=native -Isrc "$f" 2>&1 |
          grep -E "(error|warning):" | grep -v "used but never defined")
    [ -n "$out" ] && bad="$bad [$lang] $(echo "$out" | head -2 | tr '\n' ' ')"
  done
  case "$pending" in
    *" $b "*) if [ -n "$bad" ]; then echo "pending  $b"; else echo "NOW OK   $b (remove it from the pending list)"; fi ;;
    *) if [ -n "$bad" ]; then echo "FAIL     $b:$bad"; fail=1; else echo "ok       $b"; fi ;;
  esac
done
[ $fail = 0 ] && echo "every src file not pending compiles alone with tt_internal.h"
exit $fail
