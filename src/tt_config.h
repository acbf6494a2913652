/* >>config  implementation defaults: allocation, math, SIMD width, threads */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H
#include "tt_api.h"

#include <string.h>
#include <limits.h>
#ifndef TT_NO_STDIO
#  include <stdio.h>
#endif

#if defined(TT_MALLOC) != defined(TT_FREE)
#  error "tinytrain: define both TT_MALLOC(size, align) and TT_FREE(ptr, size), or neither"
#endif
#if !defined(TT_MALLOC) && !defined(TT_NO_MALLOC)
#  include <stdlib.h>
#  define TT__HAS_MALLOC 1
#elif defined(TT_MALLOC)
#  define TT__HAS_MALLOC 1
#else
#  define TT__HAS_MALLOC 0
#endif

#if !defined(TT_EXPF) || !defined(TT_LOGF) || !defined(TT_SQRTF) || !defined(TT_TANHF) || !defined(TT_COSF) || !defined(TT_POWF)
#  include <math.h>
#endif
#ifndef TT_EXPF
#  define TT_EXPF(x) expf(x)
#endif
#ifndef TT_LOGF
#  define TT_LOGF(x) logf(x)
#endif
#ifndef TT_SQRTF
#  define TT_SQRTF(x) sqrtf(x)
#endif
#ifndef TT_TANHF
#  define TT_TANHF(x) tanhf(x)
#endif
#ifndef TT_COSF
#  define TT_COSF(x) cosf(x)
#endif
#ifndef TT_POWF
#  define TT_POWF(x, y) powf(x, y)
#endif

#ifndef TT_SIMD_WIDTH
#  if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 16
#  elif defined(__AVX2__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 8
#  elif defined(__aarch64__) && defined(__ARM_NEON)
#    define TT_SIMD_WIDTH 4
#  else
#    define TT_SIMD_WIDTH 1
#  endif
#endif
#if TT_SIMD_WIDTH == 16
#  if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || !defined(__AVX512VL__) || !defined(__FMA__)
#    error "tinytrain: TT_SIMD_WIDTH=16 needs AVX-512 codegen (-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma, or -march=native)"
#  endif
#  include <immintrin.h>
#elif TT_SIMD_WIDTH == 8
#  if !defined(__AVX2__) || !defined(__FMA__)
#    error "tinytrain: TT_SIMD_WIDTH=8 needs AVX2 and FMA codegen (-mavx2 -mfma)"
#  endif
#  include <immintrin.h>
#elif TT_SIMD_WIDTH == 4
#  if !defined(__aarch64__) || !defined(__ARM_NEON)
#    error "tinytrain: TT_SIMD_WIDTH=4 needs an AArch64 compiler with Advanced SIMD (NEON)"
#  endif
#  include <arm_neon.h>
#elif TT_SIMD_WIDTH != 1
#  error "tinytrain: TT_SIMD_WIDTH must be 1, 4, 8 or 16"
#endif

/* GEMM task tuning (tt_gemm.c; results are bitwise the same for any value):
 * TT_GEMM_MIN_TASK_FLOPS: a product uses fewer threads than it is given
 *   until each task has at least this many FLOPs (2*M*N*K / tasks): a
 *   dispatch to the thread pool costs ~10 us. 0 splits every product over
 *   all threads (lower it for a cheaper cfg.parallel scheduler).
 * TT_GEMM_SPLIT: up to this many blocks per thread (a power of 2; 1 = one
 *   each), claimed dynamically; used only when the cost model says the
 *   extra packing stays within 2 %. Finer blocks even out unequal thread
 *   speeds (other tenants, hybrid cores), but each block re-packs its share
 *   of A or B: on config M at 2 threads, 4 was ~4 % slower than 1 (7
 *   alternating runs, busy 2-core VM), so it is 1 unless tuned. */
#ifndef TT_GEMM_MIN_TASK_FLOPS
#  define TT_GEMM_MIN_TASK_FLOPS 2e6
#endif
#ifndef TT_GEMM_SPLIT
#  define TT_GEMM_SPLIT 1
#endif

#if defined(TT_NO_THREADS)
#  define TT__HAS_THREADS 0
#else
#  define TT__HAS_THREADS 1
#  include <pthread.h>
#  include <sched.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define TT__PRIVATE static __attribute__((unused))
#  define TT__RESTRICT __restrict__
#else
#  define TT__PRIVATE static
#  define TT__RESTRICT
#endif

#endif /* TT_CONFIG_H */
