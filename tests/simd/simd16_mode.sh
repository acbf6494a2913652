#!/bin/sh
# How this machine can run the AVX-512 build (TT_SIMD_WIDTH=16); prints one of
#   native            the CPU has AVX-512 F/BW/DQ/VL and FMA
#   simde             no AVX-512, but AVX2+FMA and SIMDe's headers (libsimde-dev)
#   skip: <reason>
# usage: simd16_mode.sh CC
cc=${1:-cc}
case "$(uname -m)" in x86_64|amd64) ;; *) echo "skip: not an x86-64 machine ($(uname -m))"; exit 0;; esac
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0;; esac; return 1; }
if has avx512f && has avx512bw && has avx512dq && has avx512vl && has fma; then echo native; exit 0; fi
if ! has avx2 || ! has fma; then echo "skip: the CPU has neither AVX-512 nor AVX2+FMA"; exit 0; fi
if ! echo '#include <simde/x86/avx512.h>' | "$cc" -mavx2 -mfma -E -x c - >/dev/null 2>&1; then
  echo "skip: no AVX-512 here and SIMDe is not installed (apt-get install libsimde-dev)"; exit 0
fi
echo simde
