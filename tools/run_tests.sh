#!/usr/bin/env bash
# Runs each make target given, reports each, and ends with "N passed, N failed".
cd "$(dirname "$0")/.."
pass=0; fail=0; failed=()
start=$(date +%s)
for t in "$@"; do
  t0=$(date +%s)
  if make --no-print-directory -s "$t" > "build/log-$t.txt" 2>&1; then
    pass=$((pass+1)); status=ok
  else
    fail=$((fail+1)); failed+=("$t"); status=FAIL
  fi
  printf '%-28s %-4s %4ss\n' "$t" "$status" "$(( $(date +%s) - t0 ))"
  grep -h '^SKIP\|^skipped' "build/log-$t.txt" 2>/dev/null | sed 's/^/    /'
  if [ $status = FAIL ]; then tail -n 40 "build/log-$t.txt" | sed 's/^/    | /'; fi
done
echo "total wall time: $(( $(date +%s) - start ))s"
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
