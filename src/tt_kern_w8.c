/* >>kern_w8  AVX2 + FMA kernels, 256-bit: the 6x16 SGEMM micro-kernel of
 * the TT_SIMD_WIDTH 8 build (driven by tt_gemm.c), and the elementwise
 * kernels of the SIMD builds (TT_SIMD_WIDTH >= 8; chosen per call by
 * tt_dispatch.c). */
#include "tt_kern.h"

#if TT_SIMD_WIDTH == 8
/* ---- 6x16 micro-kernel: 6 rows x 2 ymm, 12 accumulators ----
 * Two implementations of the same instructions per element (one
 * vfmadd231ps per k, increasing k), so they give bitwise the same C:
 *  - tt__sgemm_6x16_asm: the k loop in inline assembly (gcc/clang, x86-64).
 *    gcc 12 compiles the intrinsics loop with register rotations and one
 *    accumulator spilled to the stack every 4 k steps, which cost 5-6 % of
 *    the kernel's speed on Zen 3 (macro-kernel 88-90 % -> 94-96 % of peak).
 *  - tt__sgemm_6x16_intrin: intrinsics only; the build's kernel where inline
 *    asm is unavailable or TT_NO_ASM is defined (tests/kernels/test_gemm.c
 *    checks both against a plain fmaf chain). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(TT_NO_ASM)
#define TT__SGEMM_ASM 1
#else
#define TT__SGEMM_ASM 0
#endif

#define TT__K6x16_LOADC()                                                                          \
    do {                                                                                           \
        if (load_c) {                                                                              \
            c00 = _mm256_loadu_ps(C + 0 * ldc); c01 = _mm256_loadu_ps(C + 0 * ldc + 8);            \
            c10 = _mm256_loadu_ps(C + 1 * ldc); c11 = _mm256_loadu_ps(C + 1 * ldc + 8);            \
            c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);            \
            c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);            \
            c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);            \
            c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);            \
        } else {                                                                                   \
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps(); \
        }                                                                                          \
    } while (0)
/* one k step o of the intrinsics loop: 2 B loads, 6 A broadcasts, 12 FMAs */
#define TT__K6x16(o)                                                                               \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(b + 16 * (o)), b1 = _mm256_load_ps(b + 16 * (o) + 8), av;       \
        TT__KEEP_IN_REG(b0); TT__KEEP_IN_REG(b1);                                                  \
        av = _mm256_broadcast_ss(a + 6 * (o) + 0);                                                 \
        c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 1);                                                 \
        c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 2);                                                 \
        c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 3);                                                 \
        c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 4);                                                 \
        c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 5);                                                 \
        c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);                    \
    } while (0)
/* k from the current value to kc: by 4, then one at a time */
#define TT__K6x16_LOOP()                                                                           \
    do {                                                                                           \
        for (; k + 4 <= kc; k += 4, a += 24, b += 64) {                                            \
            TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);                                \
        }                                                                                          \
        for (; k < kc; k++, a += 6, b += 16) TT__K6x16(0);                                         \
    } while (0)
#define TT__K6x16_STOREC()                                                                         \
    do {                                                                                           \
        _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);                \
        _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);                \
        _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);                \
        _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);                \
        _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);                \
        _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);                \
    } while (0)

TT__PRIVATE void tt__sgemm_6x16_intrin(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                       float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}

#if TT__SGEMM_ASM
/* one k step o (0..3) of the unrolled asm loop: the instructions of TT__K6x16
 * (B panel rows of 16 floats = 64 bytes, A steps of 6 floats = 24 bytes) */
#define TT__A6x16(o)                                                                               \
    "vmovaps " #o "*64(%[b]), %%ymm12\n\t"                                                         \
    "vmovaps " #o "*64+32(%[b]), %%ymm13\n\t"                                                      \
    "vbroadcastss " #o "*24+0(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c00]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c01]\n\t"                                                     \
    "vbroadcastss " #o "*24+4(%[a]), %%ymm15\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm15, %[c10]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c11]\n\t"                                                     \
    "vbroadcastss " #o "*24+8(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c20]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c21]\n\t"                                                     \
    "vbroadcastss " #o "*24+12(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c30]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c31]\n\t"                                                     \
    "vbroadcastss " #o "*24+16(%[a]), %%ymm14\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm14, %[c40]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c41]\n\t"                                                     \
    "vbroadcastss " #o "*24+20(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c50]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c51]\n\t"

/* k in blocks of 4 in assembly, the last kc % 4 steps with intrinsics */
TT__PRIVATE void tt__sgemm_6x16_asm(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                    float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    if (kc >= 4) {
        long n4 = kc / 4;
        k = kc & ~3;
        __asm__ volatile(
            ".p2align 5\n"
            "1:\n\t"
            TT__A6x16(0) TT__A6x16(1) TT__A6x16(2) TT__A6x16(3)
            "add $96, %[a]\n\t"
            "add $256, %[b]\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            : [a] "+r"(a), [b] "+r"(b), [n] "+r"(n4),
              [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
              [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
              [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)
            :
            : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    }
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}
#undef TT__A6x16
#endif /* TT__SGEMM_ASM */
#undef TT__K6x16_LOADC
#undef TT__K6x16
#undef TT__K6x16_LOOP
#undef TT__K6x16_STOREC

TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b, float *C,
                                   ptrdiff_t ldc, int load_c) {
#if TT__SGEMM_ASM
    tt__sgemm_6x16_asm(kc, a, b, C, ldc, load_c);
#else
    tt__sgemm_6x16_intrin(kc, a, b, C, ldc, load_c);
#endif
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) {
    return TT__SGEMM_ASM ? "6x16 AVX2 inline asm" : "6x16 AVX2 intrinsics";
}
#endif /* TT_SIMD_WIDTH == 8 */

/* ---- elementwise kernels, 256-bit ----
 * Same signatures and math as the _scalar references in tt_kern_w1.c;
 * used by the AVX2 and the AVX-512 builds. Reductions run in 8 lanes and
 * are folded in a fixed order, so results depend on the SIMD width but
 * never on the thread count. Tails (n % 8) use the scalar formulas. */
#if TT_SIMD_WIDTH >= 8

/* exp(x) for a vector: n = round(x log2 e), r = x - n ln2 (Cody-Waite, two
 * constants), exp(r) by its degree-6 Taylor polynomial on |r| <= ln2/2,
 * times 2^n built in the exponent bits. x is clamped to [-87.3, 88.7] so
 * 2^n stays a normal float: results below 1.2e-38 come out as ~1.2e-38 and
 * results above 3.4e38 as ~3.4e38. Max relative error measured against
 * double exp over [-87, 88] by tests/unit/test_vec.c (about 2 ULP). */
TT__PRIVATE __m256 tt__exp256(__m256 x) {
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f), ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 n, r, p;
    __m256i e;
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
    n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* horizontal sum and max, folded in a fixed order */
TT__PRIVATE float tt__hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
TT__PRIVATE float tt__hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* lane mask with the first r (0..8) lanes set, for tails: a tail element is
 * computed with exactly the vector instructions of a full lane, so results
 * never depend on where a thread's range starts or ends */
TT__PRIVATE __m256i tt__tail_mask(int r) {
    static const int32_t tbl[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };
    return _mm256_loadu_si256((const __m256i *)(const void *)(tbl + 8 - r));
}

TT__PRIVATE void tt__vec_scale_avx2(float *y, int n, float f) {
    __m256 vf = _mm256_set1_ps(f);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vf));
    for (; i < n; i++) y[i] *= f;
}
TT__PRIVATE float tt__row_max_avx2(const float *x, int n) {
    int i = 0;
    float m;
    if (n < 8) return tt__row_max_scalar(x, n);
    {
        __m256 v = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) v = _mm256_max_ps(v, _mm256_loadu_ps(x + i));
        m = tt__hmax256(v);
    }
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

TT__PRIVATE float tt__exp_shift_sum_avx2(float *y, const float *x, int n, float a, float s) {
    __m256 va = _mm256_set1_ps(a), vs = _mm256_set1_ps(s), acc = _mm256_setzero_ps();
    float sum;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = tt__exp256(_mm256_fmsub_ps(va, _mm256_loadu_ps(x + i), vs));
        _mm256_storeu_ps(y + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    sum = tt__hsum256(acc);
    for (; i < n; i++) { y[i] = TT_EXPF(a * x[i] - s); sum += y[i]; }
    return sum;
}

TT__PRIVATE void tt__layernorm_fwd_avx2(float *y, float *mean, float *rstd, const float *x, const float *w,
                                        const float *b, int r0, int r1, int C) {
    int r, i;
    if (C % 8 != 0) { tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, r0, r1, C); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        __m256 acc = _mm256_setzero_ps(), vm, vs;
        float m, v, s;
        for (i = 0; i < C; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(xr + i));
        m = tt__hsum256(acc) / (float)C;
        vm = _mm256_set1_ps(m);
        acc = _mm256_setzero_ps();
        for (i = 0; i < C; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + i), vm);
            acc = _mm256_fmadd_ps(d, d, acc);
        }
        v = tt__hsum256(acc) / (float)C;
        s = 1.0f / TT_SQRTF(v + 1e-5f);
        vs = _mm256_set1_ps(s);
        for (i = 0; i < C; i += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), vm), vs);
            _mm256_storeu_ps(yr + i, _mm256_fmadd_ps(d, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
        }
        mean[r] = m;
        rstd[r] = s;
    }
}

TT__PRIVATE void tt__layernorm_bwd_dx_avx2(float *dx, const float *dy, const float *x, const float *w,
                                           const float *mean, const float *rstd, int r0, int r1, int C,
                                           int accumulate) {
    int r, i;
    if (C % 8 != 0) { tt__layernorm_bwd_dx_scalar(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float *dxr = dx + (size_t)r * C;
        __m256 vm = _mm256_set1_ps(mean[r]), vs = _mm256_set1_ps(rstd[r]);
        __m256 ag = _mm256_setzero_ps(), agx = _mm256_setzero_ps(), vg, vgx;
        for (i = 0; i < C; i += 8) {
            __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dyr + i), _mm256_loadu_ps(w + i));
            __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), vm), vs);
            ag = _mm256_add_ps(ag, g);
            agx = _mm256_fmadd_ps(g, xh, agx);
        }
        vg = _mm256_set1_ps(tt__hsum256(ag) / (float)C);
        vgx = _mm256_set1_ps(tt__hsum256(agx) / (float)C);
        for (i = 0; i < C; i += 8) {
            __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dyr + i), _mm256_loadu_ps(w + i));
            __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), vm), vs);
            __m256 d = _mm256_mul_ps(vs, _mm256_fnmadd_ps(xh, vgx, _mm256_sub_ps(g, vg)));
            if (accumulate) d = _mm256_add_ps(d, _mm256_loadu_ps(dxr + i));
            _mm256_storeu_ps(dxr + i, d);
        }
    }
}

TT__PRIVATE void tt__layernorm_bwd_dwdb_avx2(float *dw, float *db, const float *dy, const float *x,
                                             const float *mean, const float *rstd, int N, int C, int c0,
                                             int c1) {
    int r, c;
    __m256i tm = tt__tail_mask((c1 - c0) % 8);
    int cend = c0 + (c1 - c0) / 8 * 8;
    for (r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        __m256 vm = _mm256_set1_ps(mean[r]), vs = _mm256_set1_ps(rstd[r]);
        for (c = c0; c < cend; c += 8) {
            __m256 d = _mm256_loadu_ps(dyr + c);
            __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + c), vm), vs);
            _mm256_storeu_ps(dw + c, _mm256_add_ps(_mm256_loadu_ps(dw + c), _mm256_mul_ps(d, xh)));
            _mm256_storeu_ps(db + c, _mm256_add_ps(_mm256_loadu_ps(db + c), d));
        }
        if (cend < c1) {
            __m256 d = _mm256_maskload_ps(dyr + c, tm);
            __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(xr + c, tm), vm), vs);
            _mm256_maskstore_ps(dw + c, tm, _mm256_add_ps(_mm256_maskload_ps(dw + c, tm), _mm256_mul_ps(d, xh)));
            _mm256_maskstore_ps(db + c, tm, _mm256_add_ps(_mm256_maskload_ps(db + c, tm), d));
        }
    }
}

/* GELU as x * sigmoid(2u) (0.5 (1 + tanh u) = sigmoid(2u); see tt_kern_w1.c), vector exp */
TT__PRIVATE void tt__gelu_fwd_avx2(float *y, const float *x, size_t i0, size_t i1) {
    const __m256 k = _mm256_set1_ps(-2.0f * TT__GELU_K), c = _mm256_set1_ps(0.044715f), one = _mm256_set1_ps(1.0f);
    size_t i = i0;
    for (; i < i1; i += 8) {
        int full = i + 8 <= i1;
        __m256i tm = tt__tail_mask(full ? 8 : (int)(i1 - i));
        __m256 v = full ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, tm);
        __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(c, v), _mm256_mul_ps(v, v), v));
        __m256 o = _mm256_div_ps(v, _mm256_add_ps(one, tt__exp256(u)));
        if (full) _mm256_storeu_ps(y + i, o); else _mm256_maskstore_ps(y + i, tm, o);
    }
}

TT__PRIVATE void tt__gelu_bwd_avx2(float *dx, const float *dy, const float *x, size_t i0, size_t i1) {
    const __m256 k = _mm256_set1_ps(TT__GELU_K), c = _mm256_set1_ps(0.044715f), c3 = _mm256_set1_ps(3.0f * 0.044715f);
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), half = _mm256_set1_ps(0.5f);
    size_t i = i0;
    for (; i < i1; i += 8) {
        int full = i + 8 <= i1;
        __m256i tm = tt__tail_mask(full ? 8 : (int)(i1 - i));
        __m256 v = full ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, tm), v2 = _mm256_mul_ps(v, v);
        __m256 vdy = full ? _mm256_loadu_ps(dy + i) : _mm256_maskload_ps(dy + i, tm), o;
        __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(c, v), v2, v));
        __m256 du = _mm256_mul_ps(k, _mm256_fmadd_ps(c3, v2, one));
        __m256 e = tt__exp256(_mm256_mul_ps(_mm256_set1_ps(-2.0f), u));
        __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
        /* 1 - s without cancellation: e*s where s >= 0.5, 1 - s elsewhere */
        __m256 oms = _mm256_blendv_ps(_mm256_sub_ps(one, s), _mm256_mul_ps(e, s), _mm256_cmp_ps(s, half, _CMP_GE_OQ));
        __m256 g = _mm256_fmadd_ps(_mm256_mul_ps(two, v), _mm256_mul_ps(_mm256_mul_ps(s, oms), du), s);
        o = _mm256_mul_ps(vdy, g);
        if (full) _mm256_storeu_ps(dx + i, o); else _mm256_maskstore_ps(dx + i, tm, o);
    }
}

TT__PRIVATE void tt__adamw_avx2(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                                float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt) {
    const __m256 vgs = _mm256_set1_ps(gscale), vdec = _mm256_set1_ps(lr * wd), vb1 = _mm256_set1_ps(b1),
                 vb2 = _mm256_set1_ps(b2), v1b1 = _mm256_set1_ps(1.0f - b1), v1b2 = _mm256_set1_ps(1.0f - b2),
                 vstep = _mm256_set1_ps(lr / bc1), vbc2 = _mm256_set1_ps(bc2_sqrt), veps = _mm256_set1_ps(eps);
    size_t i = 0;
    for (; i < n; i += 8) {
        int full = i + 8 <= n;
        __m256i tm = tt__tail_mask(full ? 8 : (int)(n - i));
#define TT__LD(ptr) (full ? _mm256_loadu_ps(ptr) : _mm256_maskload_ps((ptr), tm))
#define TT__ST(ptr, val) do { if (full) _mm256_storeu_ps((ptr), (val)); else _mm256_maskstore_ps((ptr), tm, (val)); } while (0)
        __m256 gi = _mm256_mul_ps(TT__LD(g + i), vgs);
        __m256 pi = TT__LD(p + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, TT__LD(m + i)), _mm256_mul_ps(v1b1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, TT__LD(v + i)), _mm256_mul_ps(_mm256_mul_ps(v1b2, gi), gi));
        __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), vbc2), veps);
        pi = _mm256_sub_ps(pi, _mm256_mul_ps(vdec, pi));
        pi = _mm256_sub_ps(pi, _mm256_div_ps(_mm256_mul_ps(vstep, mi), den));
        TT__ST(m + i, mi);
        TT__ST(v + i, vi);
        TT__ST(p + i, pi);
#undef TT__LD
#undef TT__ST
    }
}
#endif /* TT_SIMD_WIDTH >= 8 (elementwise) */
