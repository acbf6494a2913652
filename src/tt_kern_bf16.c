/* >>kern_bf16  bfloat16 kernels: fp32 <-> bf16 conversion (scalar
 * reference and the build-width vector versions, bitwise equal), the bf16
 * GEMM's scalar reference, and the 6x64 vdpbf16ps micro-kernel of AVX-512
 * builds that have AVX512_BF16 (driven by tt_gemm_bf16.c).
 *
 * bf16 is the top half of an fp32 (sign, 8 exponent bits, 7 fraction
 * bits); bf16 -> fp32 is exact (a 16-bit shift). fp32 -> bf16 follows the
 * pseudo-code of VCVTNE2PS2BF16 in the Intel SDM (convert_fp32_to_bfloat16),
 * so that the AVX512_BF16 instruction gives the same bits as every other
 * version:
 *   zero or denormal input -> zero of the same sign (denormals flushed);
 *   NaN -> NaN: the top 16 bits with the quiet bit (0x0040) set;
 *   otherwise round to nearest, ties to even (integer add of 0x7FFF plus
 *   the lowest kept bit); finite values past the largest bf16 round to inf,
 *   inf stays inf.
 * PyTorch's c10::BFloat16 rounds the same way but keeps denormals (and
 * gives one canonical NaN): the two differ only on denormal inputs. */
#include "tt_kern.h"

TT__PRIVATE uint16_t tt__bf16_from_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7F800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);            /* zero, denormal */
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x0040u);   /* NaN, made quiet */
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);                      /* nearest even */
}
TT__PRIVATE float tt__f32_from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}
/* x rounded to the nearest bf16, as an fp32 */
TT__PRIVATE float tt__bf16_round(float x) { return tt__f32_from_bf16(tt__bf16_from_f32(x)); }

TT__PRIVATE void tt__bf16_from_f32_scalar(uint16_t *dst, const float *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) dst[i] = tt__bf16_from_f32(src[i]);
}
TT__PRIVATE void tt__bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) dst[i] = tt__f32_from_bf16(src[i]);
}
TT__PRIVATE void tt__bf16_round_scalar(float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) x[i] = tt__bf16_round(x[i]);
}

/* ---- vector versions (same bits as the scalar ones) ----
 * (AVX2 at widths 8 and 16, and vcvtne2ps2bf16 where AVX512_BF16 is there)
 * 8 lanes of the rounding above, as 32-bit lanes holding the bf16
 * in their low half: the integer add, then the NaN and the zero/denormal
 * lanes replaced. */
#if TT_SIMD_WIDTH >= 8
TT__PRIVATE __m256i tt__bf16_cvt8(__m256 x) {
    __m256i u = _mm256_castps_si256(x), hi = _mm256_srli_epi32(u, 16);
    __m256i r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF),
                                                     _mm256_and_si256(hi, _mm256_set1_epi32(1))));
    __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    __m256i den = _mm256_cmpeq_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
    r = _mm256_srli_epi32(r, 16);
    r = _mm256_blendv_epi8(r, _mm256_or_si256(hi, _mm256_set1_epi32(0x0040)), nan);
    return _mm256_blendv_epi8(r, _mm256_and_si256(hi, _mm256_set1_epi32(0x8000)), den);
}
#endif
/* AVX512_BF16's vector type from any 512-bit integer vector (same bits) */
#ifndef TT__AS_BH512
#  define TT__AS_BH512(v) ((__m512bh)(v))
#endif
#ifndef TT__FROM_BH512
#  define TT__FROM_BH512(v) ((__m512i)(v))
#endif

TT__PRIVATE void tt__bf16_from_f32_vec(uint16_t *dst, const float *src, size_t n) {
    size_t i = 0;
#if TT__BGEMM_DPBF16
    /* vcvtne2ps2bf16: 32 floats; the second operand gives the low 16 bf16 */
    for (; i + 32 <= n; i += 32) {
        __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512((void *)(dst + i), TT__FROM_BH512(h));
    }
#endif
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8) {
        __m256i r = tt__bf16_cvt8(_mm256_loadu_ps(src + i));
        _mm_storeu_si128((__m128i *)(void *)(dst + i),
                         _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1)));
    }
#endif
    for (; i < n; i++) dst[i] = tt__bf16_from_f32(src[i]);
}
TT__PRIVATE void tt__bf16_to_f32_vec(float *dst, const uint16_t *src, size_t n) {
    size_t i = 0;
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
#endif
    for (; i < n; i++) dst[i] = tt__f32_from_bf16(src[i]);
}
/* x[i] = the nearest bf16 of x[i], as an fp32 (in place) */
TT__PRIVATE void tt__bf16_round_vec(float *x, size_t n) {
    size_t i = 0;
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_castsi256_ps(_mm256_slli_epi32(tt__bf16_cvt8(_mm256_loadu_ps(x + i)), 16)));
#endif
    for (; i < n; i++) x[i] = tt__bf16_round(x[i]);
}

/* ---- threaded conversion (e.g. the weights' bf16 copy, once per step) ---- */
typedef struct tt__bf16_cvt_job {
    uint16_t *dst;
    const float *src;
    size_t n, per;
    int simd;
} tt__bf16_cvt_job;
TT__PRIVATE void tt__bf16_cvt_task(void *arg, int t) {
    const tt__bf16_cvt_job *j = (const tt__bf16_cvt_job *)arg;
    size_t i0 = (size_t)t * j->per, i1 = i0 + j->per < j->n ? i0 + j->per : j->n;
    if (i0 >= i1) return;
    if (j->simd) tt__bf16_from_f32_vec(j->dst + i0, j->src + i0, i1 - i0);
    else tt__bf16_from_f32_scalar(j->dst + i0, j->src + i0, i1 - i0);
}
TT__PRIVATE void tt__bf16_from_f32_n(const tt__exec *ex, uint16_t *dst, const float *src, size_t n) {
    tt__bf16_cvt_job j;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (n == 0) return;
    if (n < 65536) T = 1; /* a dispatch costs more than converting this */
    j.dst = dst; j.src = src; j.n = n; j.simd = tt__use_simd(ex);
    j.per = ((n + (size_t)T - 1) / (size_t)T + 63) & ~(size_t)63;
    tt__parallel_for(ex, (int)((n + j.per - 1) / j.per), tt__bf16_cvt_task, &j);
}

/* ---- the bf16 GEMM's scalar reference ----
 * C (M,N) = [C +] bf16(A) (M,K) bf16(B) (K,N): A, and B when it is fp32
 * (Bh NULL), rounded to bf16 per element; Bh: B already in bf16 (same
 * strides). Per element the k-sum runs in increasing k from C (accumulate)
 * or 0, one fp32 add per product. The product of two bf16 values is exact
 * in fp32 (8 x 8 significant bits) unless it underflows (|product| < 2^-126)
 * or overflows, so a fused multiply-add gives the same bits as this loop. */
TT__PRIVATE void tt__gemm_bf16_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                      const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                      float *C, ptrdiff_t ldc, int accumulate) {
    int i, j, k;
    for (i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (!accumulate) for (j = 0; j < N; j++) c[j] = 0.0f;
        for (k = 0; k < K; k++) {
            float a = tt__bf16_round(A[(ptrdiff_t)i * rsa + (ptrdiff_t)k * csa]);
            ptrdiff_t o = (ptrdiff_t)k * rsb;
            if (Bh)
                for (j = 0; j < N; j++) c[j] += a * tt__f32_from_bf16(Bh[o + (ptrdiff_t)j * csb]);
            else
                for (j = 0; j < N; j++) c[j] += a * tt__bf16_round(B[o + (ptrdiff_t)j * csb]);
        }
    }
}

/* ---- 6x64 vdpbf16ps micro-kernel (AVX-512 with AVX512_BF16) ----
 * C[6 x 64] = (load_c ? C : 0) + sum over k pairs q of
 *   a(r, 2q) b(2q, c) + a(r, 2q+1) b(2q+1, c)
 * a: kp pairs x 6 rows, a[q*6 + r] = the bf16 pair (a(r,2q) low half,
 * a(r,2q+1) high half) in one uint32; b: kp x 64 pairs likewise,
 * b[q*64 + c], 64-byte aligned. One vdpbf16ps per (row, 16 columns, pair):
 * fp32 accumulation, its two products added as the Intel SDM's VDPBF16PS
 * specifies (denormal inputs and outputs flushed, round to nearest even,
 * MXCSR not consulted); the sum order within a pair is the instruction's,
 * which is why its results are held to a summation-order bound, not to the
 * reference's bits (tests/kernels/test_gemm_bf16.c). */
#if TT__BGEMM_DPBF16
TT__PRIVATE void tt__bgemm_ukernel_dp(int kp, const uint32_t *TT__RESTRICT a, const uint32_t *TT__RESTRICT b,
                                      float *C, ptrdiff_t ldc, int load_c) {
    __m512 c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    __m512 c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int q;
#define TT__LD4(r)                                                                                 \
    c##r##0 = _mm512_loadu_ps(C + r * ldc);      c##r##1 = _mm512_loadu_ps(C + r * ldc + 16);     \
    c##r##2 = _mm512_loadu_ps(C + r * ldc + 32); c##r##3 = _mm512_loadu_ps(C + r * ldc + 48)
#define TT__ST4(r)                                                                                 \
    _mm512_storeu_ps(C + r * ldc, c##r##0);      _mm512_storeu_ps(C + r * ldc + 16, c##r##1);     \
    _mm512_storeu_ps(C + r * ldc + 32, c##r##2); _mm512_storeu_ps(C + r * ldc + 48, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = _mm512_setzero_ps();
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = _mm512_setzero_ps();
    }
#define TT__DROW(r)                                                                                \
    av = TT__AS_BH512(_mm512_set1_epi32((int)a[r]));                                               \
    c##r##0 = _mm512_dpbf16_ps(c##r##0, av, b0); c##r##1 = _mm512_dpbf16_ps(c##r##1, av, b1);      \
    c##r##2 = _mm512_dpbf16_ps(c##r##2, av, b2); c##r##3 = _mm512_dpbf16_ps(c##r##3, av, b3)
    for (q = 0; q < kp; q++, a += 6, b += 64) {
        __m512bh b0 = TT__AS_BH512(_mm512_load_si512((const void *)b));
        __m512bh b1 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 16)));
        __m512bh b2 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 32)));
        __m512bh b3 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 48))), av;
        TT__DROW(0); TT__DROW(1); TT__DROW(2); TT__DROW(3); TT__DROW(4); TT__DROW(5);
    }
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__DROW
#undef TT__LD4
#undef TT__ST4
}
#endif

TT__PRIVATE const char *tt__gemm_bf16_kernel_name(void) {
#if TT__BGEMM_DPBF16
    return "6x64 AVX512_BF16 vdpbf16ps";
#elif TT_SIMD_WIDTH >= 8
    return "bf16 operands widened to fp32 in packing, fp32 micro-kernel";
#else
    return "scalar reference";
#endif
}
