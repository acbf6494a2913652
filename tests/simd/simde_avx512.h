/* tests/simd/simde_avx512.h -- run the AVX-512 build (TT_SIMD_WIDTH=16) on a
 * CPU without AVX-512. Force-included ahead of everything else:
 *
 *   cc -mavx2 -mfma -include tests/simd/simde_avx512.h -DTT_SIMD_WIDTH=16 ...
 *
 * 1. The compiler's own <immintrin.h> comes first, so every SSE..AVX2 and FMA
 *    intrinsic stays native (and FMAs stay fused: SIMDe's portable fallback
 *    for a fused multiply-add rounds twice and changes the results).
 * 2. SIMDe's AVX-512 headers (Debian libsimde-dev) with native aliases then
 *    give every _mm512_* name, built from two native 256-bit halves.
 * 3. Only then the __AVX512F__-style macros that tinytrain's build checks
 *    want are defined (on the command line they would switch the compiler's
 *    headers to real AVX-512 code).
 * 4. Hooks: TT_CPU_CHECK() (the library's runtime CPU check) asks for the
 *    native AVX2+FMA this emulation needs; __builtin_cpu_supports answers yes
 *    for "avx512*" (tests that ask the CPU themselves); TT__KEEP_IN_REG is a
 *    no-op (its "+v" constraint needs a zmm register).
 * 5. 512-bit ALIGNED loads/stores check 64-byte alignment and abort if not,
 *    as the hardware would fault (SIMDe's versions are memcpy).
 * 6. Intrinsics Debian's SIMDe 0.7.4 lacks and the build uses are given
 *    here (only where SIMDe has no alias): conversions and extracts from
 *    the native 256-bit halves, masked loads/stores lane by lane (touching
 *    no masked-off element, as the hardware would not). */
#ifndef TT_SIMDE_AVX512_H
#define TT_SIMDE_AVX512_H
#if !defined(__AVX2__) || !defined(__FMA__)
#  error "simde_avx512.h: compile with -mavx2 -mfma (the 256-bit halves must be native)"
#endif
#ifdef __AVX512F__
#  error "simde_avx512.h: the compiler targets AVX-512 already; build natively instead"
#endif
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#define __AVX512F__ 1
#define __AVX512BW__ 1
#define __AVX512DQ__ 1
#define __AVX512VL__ 1

/* 7. AVX512_BF16 (the bf16 GEMM's vdpbf16ps kernel), unless TT_SIMDE_NO_BF16
 *    (then the width-16 build takes its bf16-widened-to-fp32 path):
 *    SIMDe gives _mm512_dpbf16_ps (on x86-64 each lane adds its two
 *    products first, then that sum to the accumulator, keeping denormals;
 *    the hardware adds them one at a time with denormals flushed, the Intel
 *    SDM's VDPBF16PS: either way not the reference's order, so
 *    tests/kernels/test_gemm_bf16.c holds that kernel to a summation-order
 *    bound). Debian's SIMDe 0.7.4 lacks _mm512_cvtne2ps_pbh: given below
 *    after the SDM's pseudo-code of VCVTNE2PS2BF16 (zero and denormal inputs
 *    to signed zero, NaN truncated with the quiet bit set, else round to
 *    nearest even; b gives the low 16 results, a the high 16). */
#ifndef TT_SIMDE_NO_BF16
#define __AVX512BF16__ 1
static inline uint16_t tt_simde_cvtne_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    /* classes: 0 NaN, 1 infinite, 2 normal, 3 subnormal, 4 zero */
    switch (__builtin_fpclassify(0, 1, 2, 3, 4, x)) {
    case 4: case 3: return (uint16_t)((u >> 31) << 15);
    case 1: return (uint16_t)(u >> 16);
    case 0: return (uint16_t)((u >> 16) | 0x40u);
    default: return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }
}
static inline simde__m512bh tt_simde_mm512_cvtne2ps_pbh(simde__m512 a, simde__m512 b) {
    simde__m512_private a_ = simde__m512_to_private(a), b_ = simde__m512_to_private(b);
    uint16_t h[32];
    simde__m512bh r;
    int i;
    for (i = 0; i < 16; i++) {
        h[i] = tt_simde_cvtne_bf16(b_.f32[i]);
        h[16 + i] = tt_simde_cvtne_bf16(a_.f32[i]);
    }
    memcpy(&r, h, sizeof r);
    return r;
}
#undef _mm512_cvtne2ps_pbh
#define _mm512_cvtne2ps_pbh(a, b) tt_simde_mm512_cvtne2ps_pbh((a), (b))
#endif

static inline void tt_simde_check_align64(const void *p, const char *what, const char *file, int line) {
    if (((uintptr_t)p & 63u) != 0) {
        fprintf(stderr, "%s:%d: %s at %p is not 64-byte aligned (AVX-512 hardware would fault)\n", file, line, what, p);
        abort();
    }
}
/* comma expressions, not wrapper functions: a function of ours that takes or
 * returns __m512 without -mavx512f trips gcc's -Wpsabi (the address is
 * evaluated twice: the kernels pass plain pointer arithmetic) */
#undef _mm512_load_ps
#undef _mm512_store_ps
#define _mm512_load_ps(p) (tt_simde_check_align64((p), "_mm512_load_ps", __FILE__, __LINE__), simde_mm512_load_ps(p))
#define _mm512_store_ps(p, v) \
    (tt_simde_check_align64((p), "_mm512_store_ps", __FILE__, __LINE__), simde_mm512_store_ps((p), (v)))

static inline int tt_simde_is_avx512(const char *feature) { return strncmp(feature, "avx512", 6) == 0; }
/* the real builtin inside the expansion (a macro does not expand itself) */
#define __builtin_cpu_supports(f) (tt_simde_is_avx512(f) ? 1 : __builtin_cpu_supports(f))
#define TT_CPU_CHECK() (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
#define TT__KEEP_IN_REG(v) ((void)0)

#ifndef _mm512_cvtps_epi32
static inline simde__m512i tt_simde_mm512_cvtps_epi32(simde__m512 a) {
    simde__m512_private a_ = simde__m512_to_private(a);
    simde__m512i_private r_;
    r_.m256i[0] = _mm256_cvtps_epi32(a_.m256[0]);
    r_.m256i[1] = _mm256_cvtps_epi32(a_.m256[1]);
    return simde__m512i_from_private(r_);
}
#define _mm512_cvtps_epi32(a) tt_simde_mm512_cvtps_epi32(a)
#endif
#ifndef _mm512_extractf32x8_ps
static inline __m256 tt_simde_mm512_extractf32x8_ps(simde__m512 a, int imm) {
    return simde__m512_to_private(a).m256[imm & 1];
}
#define _mm512_extractf32x8_ps(a, imm) tt_simde_mm512_extractf32x8_ps((a), (imm))
#endif
#ifndef _mm512_maskz_loadu_ps
static inline simde__m512 tt_simde_mm512_maskz_loadu_ps(simde__mmask16 k, const void *p) {
    simde__m512_private r_;
    int i;
    for (i = 0; i < 16; i++) r_.f32[i] = (k >> i) & 1 ? ((const float *)p)[i] : 0.0f;
    return simde__m512_from_private(r_);
}
#define _mm512_maskz_loadu_ps(k, p) tt_simde_mm512_maskz_loadu_ps((k), (p))
#endif
#ifndef _mm512_mask_storeu_ps
static inline void tt_simde_mm512_mask_storeu_ps(void *p, simde__mmask16 k, simde__m512 a) {
    simde__m512_private a_ = simde__m512_to_private(a);
    int i;
    for (i = 0; i < 16; i++) if ((k >> i) & 1) ((float *)p)[i] = a_.f32[i];
}
#define _mm512_mask_storeu_ps(p, k, a) tt_simde_mm512_mask_storeu_ps((p), (k), (a))
#endif
#endif
