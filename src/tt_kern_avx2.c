/* >>kern_avx2  AVX2 + FMA kernels (TT_SIMD_WIDTH 8), and the 256-bit helpers
 * the AVX-512 build shares (TT_SIMD_WIDTH 16 implies AVX2 + FMA codegen).
 *
 * SGEMM (Goto / BLIS "five loops", KERNELS.md §2):
 *   for jc in N step NC:          B panel (kc x nc) packed into NR-wide micro-panels [k][NR]
 *     for pc in K step kc:
 *       for ic in M step MC:      A block (mc x kc) packed into MR-tall micro-panels [k][MR]
 *         for jr in nc step NR:   one B micro-panel, reused across ir (L1)
 *           for ir in mc step MR: micro-kernel C[MR x NR] (+)= A_p B_p, C tile in registers
 * MR = 6 rows; NR = 2 ymm (6x16) for AVX2, 4 zmm (6x64) in tt_kern_avx512.c.
 * Transposes happen in packing (strided packers), so X W^T, dY W and dY^T X
 * all run the same kernel. Packed panels are zero-padded: no k-loop branches.
 *
 * Numerics: each C element is computed as acc = C_in (or 0), then
 * acc = fma(a_k, b_k, acc) for k increasing inside a KC block, then stored;
 * the next KC block starts from the stored value. kc depends only on K
 * (tt__sgemm_kc), never on the thread count or the tile position (edge tiles
 * run the same kernel on a local tile), so any split of M/N over threads
 * gives bitwise identical C. */
#include "tt_internal.h"

#if TT_SIMD_WIDTH >= 8

#define TT__SGEMM_MR 6
#ifndef TT__SGEMM_MC
#define TT__SGEMM_MC 144           /* rows of the packed A block (multiple of MR) */
#endif
#ifndef TT__SGEMM_KC_WHOLE
#define TT__SGEMM_KC_WHOLE 512     /* K <= this: one K block */
#endif
#ifndef TT__SGEMM_KC_SPLIT
#define TT__SGEMM_KC_SPLIT 384     /* else K in equal blocks <= this (multiple of 16) */
#endif
#ifndef TT__SGEMM_NC
#define TT__SGEMM_NC 2048          /* columns of the packed B panel (multiple of 64) */
#endif

/* the kc used for every K block of a K-deep product (last block may be shorter) */
TT__PRIVATE int tt__sgemm_kc(int K) {
    int nb, kc;
    if (K <= TT__SGEMM_KC_WHOLE) return K;
    nb = (K + TT__SGEMM_KC_SPLIT - 1) / TT__SGEMM_KC_SPLIT;
    kc = (K + nb - 1) / nb;
    kc = (kc + 15) & ~15;
    return kc;
}
/* largest kc tt__sgemm_kc returns */
#define TT__SGEMM_KC_MAX (TT__SGEMM_KC_WHOLE > TT__SGEMM_KC_SPLIT ? TT__SGEMM_KC_WHOLE : TT__SGEMM_KC_SPLIT)

/* In-register 8x8 transpose: r[j] <- column j of the rows r[0..7]. */
TT__PRIVATE void tt__tr8x8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Pack A rows [0, mc) x k [0, kc) (A points at the block's (0,0)) into MR-tall
 * micro-panels: panel p holds pa[p*MR*kc + k*MR + r] = A(p*MR + r, k), rows
 * past mc zero. Writes up to 8 floats past the last panel (slack). */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa) {
    int i, k, r;
    for (i = 0; i < mc; i += TT__SGEMM_MR, pa += TT__SGEMM_MR * kc) {
        int mr = mc - i < TT__SGEMM_MR ? mc - i : TT__SGEMM_MR;
        const float *a = A + (ptrdiff_t)i * rsa;
        if (mr == TT__SGEMM_MR && csa == 1) {
            /* rows contiguous in k: 8x8 transposes (rows 6, 7 zero), stored
             * 8 wide at a stride of 6 in increasing k: each store's 2 extra
             * floats are overwritten by the next one (or land in the slack) */
            k = 0;
            for (; k + 8 <= kc; k += 8) {
                __m256 v[8];
                for (r = 0; r < 6; r++) v[r] = _mm256_loadu_ps(a + (ptrdiff_t)r * rsa + k);
                v[6] = _mm256_setzero_ps();
                v[7] = _mm256_setzero_ps();
                tt__tr8x8(v);
                for (r = 0; r < 8; r++) _mm256_storeu_ps(pa + (k + r) * 6, v[r]);
            }
            for (; k < kc; k++)
                for (r = 0; r < 6; r++) pa[k * 6 + r] = a[(ptrdiff_t)r * rsa + k];
        } else if (mr == TT__SGEMM_MR && rsa == 1) {
            /* MR values contiguous per k (A = dY^T): plain copy */
            for (k = 0; k < kc; k++) {
                const float *s = a + (ptrdiff_t)k * csa;
                float *d = pa + k * 6;
                _mm_storeu_ps(d, _mm_loadu_ps(s));
                d[4] = s[4];
                d[5] = s[5];
            }
        } else {
            for (k = 0; k < kc; k++) {
                for (r = 0; r < mr; r++) pa[k * TT__SGEMM_MR + r] = a[(ptrdiff_t)r * rsa + (ptrdiff_t)k * csa];
                for (; r < TT__SGEMM_MR; r++) pa[k * TT__SGEMM_MR + r] = 0.0f;
            }
        }
    }
}

/* Pack B k [0, kc) x columns [0, nc) (B points at the panel's (0,0)) into
 * nr-wide micro-panels (nr a multiple of 8): pb[p*nr*kc + k*nr + c] =
 * B(k, p*nr + c), columns past nc zero. pb 32-byte aligned. */
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb) {
    int j, k, c;
    for (j = 0; j < nc; j += nr, pb += (ptrdiff_t)nr * kc) {
        int w = nc - j < nr ? nc - j : nr;
        const float *b = B + (ptrdiff_t)j * csb;
        if (csb == 1) {
            /* rows contiguous in n (B = W or X): copy nr floats per k */
            if (w == nr) {
                for (k = 0; k < kc; k++) {
                    const float *s = b + (ptrdiff_t)k * rsb;
                    float *d = pb + (ptrdiff_t)k * nr;
                    for (c = 0; c < nr; c += 8) _mm256_store_ps(d + c, _mm256_loadu_ps(s + c));
                }
            } else {
                for (k = 0; k < kc; k++) {
                    const float *s = b + (ptrdiff_t)k * rsb;
                    float *d = pb + (ptrdiff_t)k * nr;
                    for (c = 0; c < w; c++) d[c] = s[c];
                    for (; c < nr; c++) d[c] = 0.0f;
                }
            }
        } else if (rsb == 1) {
            /* columns contiguous in k (B = W^T): 8x8 transposes of 8 columns */
            int c8;
            for (c8 = 0; c8 < nr; c8 += 8) {
                const float *s = b + (ptrdiff_t)c8 * csb;
                float *d = pb + c8;
                if (c8 + 8 <= w) {
                    k = 0;
                    for (; k + 8 <= kc; k += 8) {
                        __m256 v[8];
                        for (c = 0; c < 8; c++) v[c] = _mm256_loadu_ps(s + (ptrdiff_t)c * csb + k);
                        tt__tr8x8(v);
                        for (c = 0; c < 8; c++) _mm256_store_ps(d + (ptrdiff_t)(k + c) * nr, v[c]);
                    }
                    for (; k < kc; k++)
                        for (c = 0; c < 8; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
                } else {
                    int wc = w - c8 > 8 ? 8 : (w - c8 > 0 ? w - c8 : 0);
                    for (k = 0; k < kc; k++) {
                        for (c = 0; c < wc; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
                        for (; c < 8; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
                    }
                }
            }
        } else {
            for (k = 0; k < kc; k++) {
                float *d = pb + (ptrdiff_t)k * nr;
                for (c = 0; c < w; c++) d[c] = b[(ptrdiff_t)k * rsb + (ptrdiff_t)c * csb];
                for (; c < nr; c++) d[c] = 0.0f;
            }
        }
    }
}
#endif /* TT_SIMD_WIDTH >= 8 */

/* Keep a loaded vector in a register: without it gcc 12 re-reads B from
 * memory in every FMA of the last unrolled k steps (12 loads instead of 2 per
 * k), which costs ~10 % once the panels are no longer in L1. */
#if defined(__GNUC__) || defined(__clang__)
#define TT__KEEP_IN_REG(v) __asm__("" : "+x"(v))
#else
#define TT__KEEP_IN_REG(v) ((void)0)
#endif

#if TT_SIMD_WIDTH == 8
#define TT__SGEMM_NR 16

/* C[6 x 16] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*16 + c], 12 ymm
 * accumulators, fma in increasing k. */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k;
    if (load_c) {
        c00 = _mm256_loadu_ps(C + 0 * ldc); c01 = _mm256_loadu_ps(C + 0 * ldc + 8);
        c10 = _mm256_loadu_ps(C + 1 * ldc); c11 = _mm256_loadu_ps(C + 1 * ldc + 8);
        c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);
        c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);
        c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);
        c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    }
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
    for (k = 0; k + 4 <= kc; k += 4, a += 24, b += 64) {
        TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);
    }
    for (; k < kc; k++, a += 6, b += 16) TT__K6x16(0);
#undef TT__K6x16
    _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);
    _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);
    _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);
    _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);
    _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);
    _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);
}
#endif /* TT_SIMD_WIDTH == 8 */
