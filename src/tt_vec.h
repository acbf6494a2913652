/* >>vec  the vector layer: one set of float-vector operations over the
 * build's SIMD width TT__VW (1 scalar, 4 AArch64 NEON 128-bit, 8 AVX2
 * 256-bit, 16 AVX-512 512-bit), so that each elementwise kernel
 * (tt_kern_vec.c) is written once and compiled at every width.
 *
 * tt__vf is a vector of TT__VW floats, tt__vmask selects its first lanes
 * (tails). Loads and stores are unaligned. Every operation rounds each lane
 * once, as its scalar form does (fma: fused at widths 4, 8 and 16, a
 * multiply then an add at width 1), so lane results do not depend on the
 * width; only reductions (tt__v_hsum) fold in a width-dependent order, fixed
 * for each width. max and min are those of x86 maxps/minps and the scalar
 * a > b ? a : b (a NaN or two zeros give the second operand) at every width. */
#ifndef TT_VEC_H
#define TT_VEC_H
#include "tt_internal.h"

#if TT_SIMD_WIDTH == 16
#  define TT__VW 16
typedef __m512 tt__vf;
typedef __mmask16 tt__vmask;
#elif TT_SIMD_WIDTH == 8
#  define TT__VW 8
typedef __m256 tt__vf;
typedef __m256i tt__vmask;
#elif TT_SIMD_WIDTH == 4
#  define TT__VW 4
typedef float32x4_t tt__vf;
typedef int tt__vmask; /* the number of leading lanes selected */
#else
#  define TT__VW 1
typedef float tt__vf;
typedef int tt__vmask;
#endif

#if TT__VW == 16
TT__PRIVATE tt__vf tt__v_load(const float *p) { return _mm512_loadu_ps(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { _mm512_storeu_ps(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return _mm512_set1_ps(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return _mm512_setzero_ps(); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return _mm512_add_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return _mm512_sub_ps(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return _mm512_mul_ps(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return _mm512_div_ps(a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fmadd_ps(a, b, c); }   /* a b + c */
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fmsub_ps(a, b, c); }   /* a b - c */
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a b */
/* ge ? a : b per lane, ge = (s >= t) */
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(s, t, _CMP_GE_OQ), b, a);
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { return (tt__vmask)((1u << r) - 1u); } /* first r lanes, 0 <= r <= 16 */
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return _mm512_maskz_loadu_ps(m, p); }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { _mm512_mask_storeu_ps(p, m, v); }
/* g++ before 13 reports a false -Wmaybe-uninitialized inside the AVX-512
 * intrinsics built on _mm512_undefined_* (GCC bug 105593) once they are
 * inlined into C++ code; there the zero-masking forms with every lane set
 * (the same instructions) are used instead. */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#  define TT__V16_ALL ((__mmask16)0xFFFF)
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm512_maskz_sqrt_ps(TT__V16_ALL, a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm512_maskz_max_ps(TT__V16_ALL, a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm512_maskz_min_ps(TT__V16_ALL, a, b); }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) {
    return _mm512_maskz_roundscale_ps(TT__V16_ALL, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    __m512i e = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(TT__V16_ALL, n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(TT__V16_ALL, e, 23));
}
TT__PRIVATE __m256 tt__v_lo(tt__vf v) { return _mm512_maskz_extractf32x8_ps((__mmask8)0xFF, v, 0); }
TT__PRIVATE __m256 tt__v_hi(tt__vf v) { return _mm512_maskz_extractf32x8_ps((__mmask8)0xFF, v, 1); }
#else
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm512_sqrt_ps(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm512_max_ps(a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm512_min_ps(a, b); }
/* round to nearest even */
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* 2^n for an integral n in [-126, 127], built in the exponent bits */
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
TT__PRIVATE __m256 tt__v_lo(tt__vf v) { return _mm512_castps512_ps256(v); }
TT__PRIVATE __m256 tt__v_hi(tt__vf v) { return _mm512_extractf32x8_ps(v, 1); }
#endif
/* for the horizontal sum and max: the two 256-bit halves first, then as at width 8 */
TT__PRIVATE __m256 tt__v_half_add(tt__vf v) { return _mm256_add_ps(tt__v_lo(v), tt__v_hi(v)); }
TT__PRIVATE __m256 tt__v_half_max(tt__vf v) { return _mm256_max_ps(tt__v_lo(v), tt__v_hi(v)); }
#elif TT__VW == 8
TT__PRIVATE tt__vf tt__v_load(const float *p) { return _mm256_loadu_ps(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { _mm256_storeu_ps(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return _mm256_set1_ps(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return _mm256_setzero_ps(); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return _mm256_add_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return _mm256_sub_ps(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return _mm256_mul_ps(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return _mm256_div_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm256_sqrt_ps(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm256_max_ps(a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm256_min_ps(a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fmadd_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fmsub_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fnmadd_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(s, t, _CMP_GE_OQ));
}
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { /* first r lanes, 0 <= r <= 8 */
    static const int32_t tbl[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };
    return _mm256_loadu_si256((const __m256i *)(const void *)(tbl + 8 - r));
}
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return _mm256_maskload_ps(p, m); }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { _mm256_maskstore_ps(p, m, v); }
TT__PRIVATE __m256 tt__v_half_add(tt__vf v) { return v; }
TT__PRIVATE __m256 tt__v_half_max(tt__vf v) { return v; }
#elif TT__VW == 4
/* AArch64 Advanced SIMD: FMLA/FMLS are fused, FDIV and FSQRT correctly
 * rounded, FRINTN rounds to nearest even, as the x86 forms. */
TT__PRIVATE tt__vf tt__v_load(const float *p) { return vld1q_f32(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { vst1q_f32(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return vdupq_n_f32(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return vdupq_n_f32(0.0f); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return vaddq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return vsubq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return vmulq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return vdivq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return vsqrtq_f32(a); }
/* compare and select, not FMAX/FMIN (which return NaN for a NaN operand and
 * +0 for max(-0, +0)): the same lanes as maxps/minps and the scalar form */
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return vfmaq_f32(c, a, b); }
/* a b - c = -(c - a b): one rounding either way (round to nearest is symmetric) */
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return vnegq_f32(vfmsq_f32(c, a, b)); }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return vfmsq_f32(c, a, b); }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) { return vbslq_f32(vcgeq_f32(s, t), a, b); }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return vrndnq_f32(x); }
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23));
}
/* No masked loads in NEON: the first r lanes go through a zeroed stack
 * buffer, so a tail lane gets the value of a full vector's lane (unselected
 * lanes read as 0 and are never written, as maskload/maskstore do). */
TT__PRIVATE tt__vmask tt__v_mask(int r) { return r; } /* first r lanes, 0 <= r <= 4 */
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) {
    float t[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    int i;
    for (i = 0; i < m; i++) t[i] = p[i];
    return vld1q_f32(t);
}
TT__PRIVATE void tt__v_store_m(float *p, tt__vmask m, tt__vf v) {
    float t[4];
    int i;
    vst1q_f32(t, v);
    for (i = 0; i < m; i++) p[i] = t[i];
}
#else
TT__PRIVATE tt__vf tt__v_load(const float *p) { return *p; }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { *p = v; }
TT__PRIVATE tt__vf tt__v_set1(float x) { return x; }
TT__PRIVATE tt__vf tt__v_zero(void) { return 0.0f; }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return a + b; }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return a - b; }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return a * b; }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return a / b; }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return TT_SQRTF(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return a > b ? a : b; }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return a < b ? a : b; }
/* not fused at width 1 (a software fmaf would be slow): two roundings */
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return a * b + c; }
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return a * b - c; }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return c - a * b; }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) { return s >= t ? a : b; }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) {
    /* adding and removing 1.5 * 2^23 rounds to nearest even (|x| < 2^22) */
    float t = x + 12582912.0f;
    return t - 12582912.0f;
}
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    uint32_t u = (uint32_t)((int32_t)n + 127) << 23;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { return r; }
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return m ? *p : 0.0f; }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { if (m) *p = v; }
#endif

/* horizontal sum and max, folded in a fixed order (per width) */
TT__PRIVATE float tt__v_hsum(tt__vf v) {
#if TT__VW >= 8
    __m256 h = tt__v_half_add(v);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
#elif TT__VW == 4
    /* (v0 + v2) + (v1 + v3), the last two steps of the x86 fold */
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(s, 0) + vget_lane_f32(s, 1);
#else
    return v;
#endif
}
TT__PRIVATE float tt__v_hmax(tt__vf v) {
#if TT__VW >= 8
    __m256 h = tt__v_half_max(v);
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
#elif TT__VW == 4
    float32x2_t lo = vget_low_f32(v), hi = vget_high_f32(v), s = vbsl_f32(vcgt_f32(lo, hi), lo, hi);
    float s0 = vget_lane_f32(s, 0), s1 = vget_lane_f32(s, 1);
    return s0 > s1 ? s0 : s1;
#else
    return v;
#endif
}

/* exp(x) per lane: n = round(x log2 e), r = x - n ln2 (Cody-Waite, two
 * constants), exp(r) by its degree-6 Taylor polynomial on |r| <= ln2/2,
 * times 2^n built in the exponent bits. x is clamped to [-87.3, 88.7] so
 * 2^n stays a normal float: results below 1.2e-38 come out as ~1.2e-38 and
 * results above 3.4e38 as ~3.4e38. Error bound (relative, against double
 * exp over [-87, 88]): at most 4 ULP, checked by tests/unit/test_vec.c
 * (about 2 ULP measured with fused multiply-adds at widths 4, 8 and 16,
 * which give bitwise the same lanes). */
TT__PRIVATE tt__vf tt__v_exp(tt__vf x) {
    const tt__vf ln2_hi = tt__v_set1(0.693359375f), ln2_lo = tt__v_set1(-2.12194440e-4f);
    tt__vf n, r, p;
    x = tt__v_min(tt__v_max(x, tt__v_set1(-87.3f)), tt__v_set1(88.7f));
    n = tt__v_round(tt__v_mul(x, tt__v_set1(1.44269504088896341f)));
    r = tt__v_fnma(n, ln2_hi, x);
    r = tt__v_fnma(n, ln2_lo, r);
    p = tt__v_set1(1.0f / 720.0f);
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 120.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 24.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 6.0f));
    p = tt__v_fma(p, r, tt__v_set1(0.5f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f));
    return tt__v_mul(p, tt__v_pow2i(n));
}

#endif /* TT_VEC_H */
