#!/usr/bin/env bash
# tools/check_configs.sh [BUILD_DIR] -- the build matrix of tinytrain.h.
# Builds tests/core/cfg_prog.c (a short training run) under each compile-time
# configuration with gcc, clang, g++ and clang++ at -Wall -Wextra -Werror, and
# runs it; checks symbols with nm (no malloc under TT_NO_MALLOC, no stdio
# under TT_NO_STDIO, no pthread under TT_NO_THREADS); checks that bad macro
# combinations stop with #error; compiles the implementation for a Cortex-M4F
# with arm-none-eabi-gcc -ffreestanding. Prints one line per configuration
# and exits nonzero if any fails. Runs two jobs at a time (JOBS=n to change).
set -u
cd "$(dirname "$0")/.."
mkdir -p "${1:-build}"
# a fresh directory per run (concurrent runs in one tree must not collide);
# removed when every configuration passed
OUTDIR=$(mktemp -d "${1:-build}/configs.XXXXXX")
JOBS=${JOBS:-2}
WARN="-Wall -Wextra -Werror"
# -O1: the -O2 builds are the other tests'; -O1 halves the compile time here
C99="-std=c99 -pedantic $WARN -O1 -I. -Itests/core"
CXX11="-std=c++11 $WARN -O1 -I. -Itests/core -x c++"
LIBS="-lm -lpthread"
P=tests/core/cfg_prog.c
IMPL=tests/core/cfg_impl.c
STDIO_SYMS='^(fopen|fopen64|fdopen|freopen|fclose|fread|fwrite|fprintf|printf|vprintf|vfprintf|fputs|puts|fputc|putc|putchar|fflush|fseek|fseeko|fseeko64|ftell|ftello|ftello64|fgetc|getc|fgets|ferror|feof|sprintf|snprintf|vsnprintf|vsprintf|perror|rename|remove|tmpfile|fileno|setvbuf|stderr|stdout|stdin|_IO_putc|__fprintf_chk|__printf_chk|__snprintf_chk|__vsnprintf_chk|__sprintf_chk|__vfprintf_chk)$'
MALLOC_SYMS='^(malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|_Znwm|_Znam|_ZdlPv|_ZdaPv)$'
THREAD_SYMS='^pthread_'

# undefined symbols of an object, one per line, without versions
undef() { nm -u "$1" | awk '{print $NF}' | sed 's/@.*//'; }
# no_syms OBJ REGEX WHAT: fail when OBJ references a symbol matching REGEX
no_syms() {
  local bad
  bad=$(undef "$1" | grep -E "$2" | tr '\n' ' ')
  if [ -n "$bad" ]; then echo "FAIL: $3 but the implementation references: $bad"; return 1; fi
  echo "  nm: no $3 symbols"
}

# ---- one function per kind of check; each runs in its own dir $D ----
# single CC FLAGS: program and implementation in one TU
single() { local cc=$1; shift
  $cc "$@" $P -o "$D/prog" $LIBS && "$D/prog"; }
# split CC FLAGS: implementation in its own object, the program only includes the API
split() { local cc=$1; shift
  $cc "$@" -c $IMPL -o "$D/impl.o" && $cc "$@" -DCFG_SPLIT -c $P -o "$D/prog.o" &&
  $cc "$D/prog.o" "$D/impl.o" -o "$D/prog" $LIBS $LDEXTRA && "$D/prog" && symcheck "$D/impl.o" "$@"; }
symcheck() { local o=$1; shift; local f=" $* " rc=0
  case $f in *" -DTT_NO_MALLOC "*) no_syms "$o" "$MALLOC_SYMS" "malloc family (TT_NO_MALLOC)" || rc=1;; esac
  case $f in *" -DTT_NO_STDIO "*) no_syms "$o" "$STDIO_SYMS" "stdio (TT_NO_STDIO)" || rc=1;; esac
  case $f in *" -DTT_NO_THREADS "*) no_syms "$o" "$THREAD_SYMS" "pthread (TT_NO_THREADS)" || rc=1;; esac
  return $rc; }
# must_fail CC PATTERN FLAGS: compiling must fail with a message matching PATTERN
must_fail() { local cc=$1 pat=$2; shift 2
  if $cc "$@" -fsyntax-only $IMPL > "$D/err.txt" 2>&1; then echo "FAIL: compiled, expected an error ($pat)"; return 1; fi
  grep -q -- "$pat" "$D/err.txt" || { echo "FAIL: error did not mention '$pat':"; head -5 "$D/err.txt"; return 1; }
  echo "  refused as expected: $(grep -m1 -- "$pat" "$D/err.txt" | cut -c1-150)"; }
has_cpu() { grep -qw "$1" /proc/cpuinfo; }

# ---- the matrix: NAME|COMMAND ----
WRAP="-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc,--wrap=free"
ALL3="-DTT_NO_STDIO -DTT_NO_THREADS -DTT_NO_MALLOC"
CONFIGS=(
"c99-gcc-native|single gcc $C99 -march=native"
"c99-clang-native|single clang $C99 -march=native"
"c++11-g++-native|single g++ $CXX11 -march=native"
"c++11-clang++-native|single clang++ $CXX11 -march=native"
"c99-gcc-generic-x86-64|single gcc $C99"
"simd1-clang|single clang $C99 -march=native -DTT_SIMD_WIDTH=1"
"no-threads-gcc|split gcc $C99 -march=native -DTT_NO_THREADS"
"no-stdio-gcc|split gcc $C99 -march=native -DTT_NO_STDIO"
"no-malloc-gcc|LDEXTRA=\"$WRAP\" split gcc $C99 -march=native -DTT_NO_MALLOC -DCFG_WRAP_MALLOC"
"no-stdio+threads+malloc-gcc-Wundef|LDEXTRA=\"$WRAP\" split gcc $C99 -Wundef -march=native $ALL3 -DCFG_WRAP_MALLOC"
"no-stdio+threads+malloc-clang-simd1|LDEXTRA=\"$WRAP\" split clang $C99 -march=native -DTT_SIMD_WIDTH=1 $ALL3 -DCFG_WRAP_MALLOC"
"no-stdio+threads+malloc-g++|LDEXTRA=\"$WRAP\" split g++ $CXX11 -march=native $ALL3 -DCFG_WRAP_MALLOC"
"static-gcc|single gcc $C99 -march=native -DTINYTRAIN_STATIC"
"static-g++|single g++ $CXX11 -march=native -DTINYTRAIN_STATIC"
"static-next-to-extern-clang|clang $C99 -march=native -c tests/core/cfg_static_a.c -o \$D/a.o && clang $C99 -march=native -DCFG_STATIC_PAIR -c $P -o \$D/p.o && clang \$D/a.o \$D/p.o -o \$D/prog $LIBS && \$D/prog"
"custom-TT_MALLOC+no-error-strings-clang|single clang $C99 -march=native -DCFG_CUSTOM_MALLOC -DTT_NO_ERROR_STRINGS"
"avx512-gcc-compile|gcc $C99 -mavx2 -mfma -mavx512f -mavx512bw -mavx512dq -mavx512vl -c $IMPL -o \$D/impl.o && { has_cpu avx512f && single gcc $C99 -march=native -mavx512f -mavx512bw -mavx512dq -mavx512vl || echo '  compiled (this CPU has no AVX-512: not run)'; }"
"error-simd16-without-avx512|must_fail gcc TT_SIMD_WIDTH $C99 -mavx2 -mfma -DTT_SIMD_WIDTH=16"
"error-simd8-without-avx2|must_fail gcc TT_SIMD_WIDTH $C99 -DTT_SIMD_WIDTH=8"
"error-simd4-without-neon|must_fail gcc NEON $C99 -march=native -DTT_SIMD_WIDTH=4"
"error-TT_MALLOC-without-TT_FREE|must_fail gcc TT_FREE $C99 '-DTT_MALLOC(s,a)=0'"
"error-tt_log_stderr-under-TT_NO_STDIO|echo 'void f(void); void f(void) { tt_log_stderr(0, 0, TT_OK, \"x\"); }' > \$D/use.c && must_fail gcc tt_log_stderr $C99 -DTT_NO_STDIO -include tinytrain.h \$D/use.c"
"arm-cortex-m4f-freestanding|arm-none-eabi-gcc -std=c99 -pedantic $WARN -O2 -I. -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffreestanding $ALL3 -c $IMPL -o \$D/impl.o && arm_info \$D/impl.o"
)
arm_info() {
  local u d
  u=$(arm-none-eabi-nm -u "$1" | awk '{print $NF}' | tr '\n' ' ')
  echo "  undefined symbols (the target must provide): $u"
  d=$(arm-none-eabi-nm -u "$1" | awk '{print $NF}' | grep -c '^__aeabi_d' || true)
  echo "  double-precision helper calls: $d kinds"
  arm-none-eabi-size "$1" | sed 's/^/  /'
  if arm-none-eabi-nm -u "$1" | awk '{print $NF}' | grep -Eq "$MALLOC_SYMS|$STDIO_SYMS|$THREAD_SYMS"; then
    echo "FAIL: malloc/stdio/pthread symbol in the freestanding object"; return 1; fi
}

run_one() {
  local name=$1 cmd=$2
  local D="$OUTDIR/$name" t0 rc
  mkdir -p "$D"
  t0=$EPOCHREALTIME
  ( LDEXTRA=""; eval "$cmd" ) > "$D/log.txt" 2>&1
  rc=$?
  awk -v rc="$rc" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%s %.1f\n", rc, b - a }' > "$D/rc"
}

start=$(date +%s)
for entry in "${CONFIGS[@]}"; do
  name=${entry%%|*}; cmd=${entry#*|}
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  run_one "$name" "$cmd" &
done
wait

fails=0
printf '%-40s %-6s %s\n' "configuration" "result" "seconds"
for entry in "${CONFIGS[@]}"; do
  name=${entry%%|*}
  rc=1; secs=?
  [ -f "$OUTDIR/$name/rc" ] && read -r rc secs < "$OUTDIR/$name/rc"
  if [ "$rc" = 0 ]; then res=ok; else res=FAIL; fails=$((fails+1)); fi
  printf '%-40s %-6s %s\n' "$name" "$res" "$secs"
  if [ "$rc" != 0 ]; then sed 's/^/    | /' "$OUTDIR/$name/log.txt" | tail -n 25; else grep -E '^  (nm|refused|undefined|double|compiled)' "$OUTDIR/$name/log.txt" | sed 's/^/  /'; fi
done
echo "build matrix: ${#CONFIGS[@]} configurations, $fails failed, $(( $(date +%s) - start ))s"
[ "$fails" = 0 ] && rm -rf "$OUTDIR"
[ "$fails" = 0 ]
