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

/* Blocking. AVX2 (6x16, Zen 3: 32 KiB L1D, 512 KiB L2): KC 512/384 keeps the
 * B micro-panel (kc x 16) near L1 and the A block (144 x kc) in L2; sweeps of
 * KC 256..1024, MC 72..288 and NC 1024/2048 on a busy 2-core Zen 3 VM were
 * within the noise (+-5 %). AVX-512 (6x64): KERNELS.md §2.3's Zen 4 sweep
 * (K whole up to 1024, else blocks <= 768); not measured here (no AVX-512).
 * The macros are overridable for tuning only: kc changes the rounding (never
 * the thread-count invariance). */
#define TT__SGEMM_MR 6
#ifndef TT__SGEMM_MC
#define TT__SGEMM_MC 144           /* rows of the packed A block (multiple of MR) */
#endif
#ifndef TT__SGEMM_KC_WHOLE
#  if TT_SIMD_WIDTH == 16
#    define TT__SGEMM_KC_WHOLE 1024 /* K <= this: one K block */
#  else
#    define TT__SGEMM_KC_WHOLE 512
#  endif
#endif
#ifndef TT__SGEMM_KC_SPLIT
#  if TT_SIMD_WIDTH == 16
#    define TT__SGEMM_KC_SPLIT 768  /* else K in equal blocks <= this (multiple of 16) */
#  else
#    define TT__SGEMM_KC_SPLIT 384
#  endif
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

/* In-register 8x8 transpose of the named __m256 variables r0..r7 (rows in,
 * columns out). A macro, not a function: gcc 12 did not inline the function
 * version and passed the rows through memory, which made the transposing
 * packers 1.5x slower (6-7 GB/s instead of 10-11 GB/s on Zen 3). */
#define TT__TR8x8(r0, r1, r2, r3, r4, r5, r6, r7)                                                  \
    do {                                                                                           \
        __m256 t0_ = _mm256_unpacklo_ps(r0, r1), t1_ = _mm256_unpackhi_ps(r0, r1);                 \
        __m256 t2_ = _mm256_unpacklo_ps(r2, r3), t3_ = _mm256_unpackhi_ps(r2, r3);                 \
        __m256 t4_ = _mm256_unpacklo_ps(r4, r5), t5_ = _mm256_unpackhi_ps(r4, r5);                 \
        __m256 t6_ = _mm256_unpacklo_ps(r6, r7), t7_ = _mm256_unpackhi_ps(r6, r7);                 \
        __m256 s0_ = _mm256_shuffle_ps(t0_, t2_, 0x44), s1_ = _mm256_shuffle_ps(t0_, t2_, 0xEE);   \
        __m256 s2_ = _mm256_shuffle_ps(t1_, t3_, 0x44), s3_ = _mm256_shuffle_ps(t1_, t3_, 0xEE);   \
        __m256 s4_ = _mm256_shuffle_ps(t4_, t6_, 0x44), s5_ = _mm256_shuffle_ps(t4_, t6_, 0xEE);   \
        __m256 s6_ = _mm256_shuffle_ps(t5_, t7_, 0x44), s7_ = _mm256_shuffle_ps(t5_, t7_, 0xEE);   \
        r0 = _mm256_permute2f128_ps(s0_, s4_, 0x20); r1 = _mm256_permute2f128_ps(s1_, s5_, 0x20); \
        r2 = _mm256_permute2f128_ps(s2_, s6_, 0x20); r3 = _mm256_permute2f128_ps(s3_, s7_, 0x20); \
        r4 = _mm256_permute2f128_ps(s0_, s4_, 0x31); r5 = _mm256_permute2f128_ps(s1_, s5_, 0x31); \
        r6 = _mm256_permute2f128_ps(s2_, s6_, 0x31); r7 = _mm256_permute2f128_ps(s3_, s7_, 0x31); \
    } while (0)

/* Pack A rows [0, mc) x k [0, kc) (A points at the block's (0,0)) into MR-tall
 * micro-panels: panel p holds pa[p*MR*kc + k*MR + r] = A(p*MR + r, k), rows
 * past mc zero. Writes up to 8 floats past the last panel (slack). */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa) {
    int i, k, r, full = mc - mc % TT__SGEMM_MR;
    if (rsa == 1) {
        /* MR values contiguous per k (A = dY^T): k outer, so each row of the
         * source is read once, front to back, for all full panels */
        for (k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)k * csa;
            float *d = pa + k * TT__SGEMM_MR;
            for (i = 0; i < full; i += TT__SGEMM_MR, d += TT__SGEMM_MR * kc) {
                _mm_storeu_ps(d, _mm_loadu_ps(s + i));
                _mm_storel_pi((__m64 *)(d + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(s + i + 4)));
            }
        }
    } else if (csa == 1) {
        /* rows contiguous in k: 8x8 transposes (rows 6, 7 zero), stored
         * 8 wide at a stride of 6 in increasing k: each store's 2 extra
         * floats are overwritten by the next one (or land in the slack) */
        for (i = 0; i < full; i += TT__SGEMM_MR) {
            const float *a = A + (ptrdiff_t)i * rsa;
            float *d = pa + (ptrdiff_t)i * kc;
            for (k = 0; k + 8 <= kc; k += 8) {
                __m256 v0 = _mm256_loadu_ps(a + k), v1 = _mm256_loadu_ps(a + rsa + k);
                __m256 v2 = _mm256_loadu_ps(a + 2 * rsa + k), v3 = _mm256_loadu_ps(a + 3 * rsa + k);
                __m256 v4 = _mm256_loadu_ps(a + 4 * rsa + k), v5 = _mm256_loadu_ps(a + 5 * rsa + k);
                __m256 v6 = _mm256_setzero_ps(), v7 = _mm256_setzero_ps();
                float *o = d + k * 6;
                TT__TR8x8(v0, v1, v2, v3, v4, v5, v6, v7);
                _mm256_storeu_ps(o, v0); _mm256_storeu_ps(o + 6, v1); _mm256_storeu_ps(o + 12, v2);
                _mm256_storeu_ps(o + 18, v3); _mm256_storeu_ps(o + 24, v4); _mm256_storeu_ps(o + 30, v5);
                _mm256_storeu_ps(o + 36, v6); _mm256_storeu_ps(o + 42, v7);
            }
            for (; k < kc; k++)
                for (r = 0; r < 6; r++) d[k * 6 + r] = a[(ptrdiff_t)r * rsa + k];
        }
    } else {
        full = 0;
    }
    /* general strides, and the last partial panel (zero rows past mc) */
    for (i = full; i < mc; i += TT__SGEMM_MR) {
        int mr = mc - i < TT__SGEMM_MR ? mc - i : TT__SGEMM_MR;
        const float *a = A + (ptrdiff_t)i * rsa;
        float *d = pa + (ptrdiff_t)i * kc;
        for (k = 0; k < kc; k++) {
            for (r = 0; r < mr; r++) d[k * TT__SGEMM_MR + r] = a[(ptrdiff_t)r * rsa + (ptrdiff_t)k * csa];
            for (; r < TT__SGEMM_MR; r++) d[k * TT__SGEMM_MR + r] = 0.0f;
        }
    }
}

/* Pack B k [0, kc) x columns [0, nc) (B points at the panel's (0,0)) into
 * nr-wide micro-panels (nr a multiple of 8): pb[p*nr*kc + k*nr + c] =
 * B(k, p*nr + c), columns past nc zero. pb 32-byte aligned. */
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb) {
    int j, k, c, full = nc - nc % nr;
    if (csb == 1) {
        /* rows contiguous in n (B = W or X): k outer, each source row read
         * once front to back into all full panels */
        for (k = 0; k < kc; k++) {
            const float *s = B + (ptrdiff_t)k * rsb;
            float *d = pb + (ptrdiff_t)k * nr;
            for (j = 0; j < full; j += nr, d += (ptrdiff_t)nr * kc)
                for (c = 0; c < nr; c += 8) _mm256_store_ps(d + c, _mm256_loadu_ps(s + j + c));
        }
    } else if (rsb == 1) {
        /* columns contiguous in k (B = W^T): 8x8 transposes of 8 columns */
        for (j = 0; j < full; j += 8) {
            const float *s = B + (ptrdiff_t)j * csb;
            float *d = pb + (ptrdiff_t)(j / nr) * nr * kc + j % nr;
            for (k = 0; k + 8 <= kc; k += 8) {
                __m256 v0 = _mm256_loadu_ps(s + k), v1 = _mm256_loadu_ps(s + csb + k);
                __m256 v2 = _mm256_loadu_ps(s + 2 * csb + k), v3 = _mm256_loadu_ps(s + 3 * csb + k);
                __m256 v4 = _mm256_loadu_ps(s + 4 * csb + k), v5 = _mm256_loadu_ps(s + 5 * csb + k);
                __m256 v6 = _mm256_loadu_ps(s + 6 * csb + k), v7 = _mm256_loadu_ps(s + 7 * csb + k);
                float *o = d + (ptrdiff_t)k * nr;
                TT__TR8x8(v0, v1, v2, v3, v4, v5, v6, v7);
                _mm256_store_ps(o, v0); _mm256_store_ps(o + nr, v1); _mm256_store_ps(o + 2 * nr, v2);
                _mm256_store_ps(o + 3 * nr, v3); _mm256_store_ps(o + 4 * nr, v4); _mm256_store_ps(o + 5 * nr, v5);
                _mm256_store_ps(o + 6 * nr, v6); _mm256_store_ps(o + 7 * nr, v7);
            }
            for (; k < kc; k++)
                for (c = 0; c < 8; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
        }
    } else {
        full = 0;
    }
    /* general strides, and the last partial panel (zero columns past nc) */
    for (j = full; j < nc; j += nr) {
        int w = nc - j < nr ? nc - j : nr;
        const float *s = B + (ptrdiff_t)j * csb;
        float *d = pb + (ptrdiff_t)j * kc;
        for (k = 0; k < kc; k++) {
            for (c = 0; c < w; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)k * rsb + (ptrdiff_t)c * csb];
            for (; c < nr; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
        }
    }
}
#endif /* TT_SIMD_WIDTH >= 8 */

/* Keep a loaded vector in a register: without it gcc 12 re-reads B from
 * memory in every FMA of the last unrolled k steps (12 loads instead of 2 per
 * k), which costs ~10 % once the panels are no longer in L1. */
#ifndef TT__KEEP_IN_REG /* overridable: an emulated __m512 fits no "v" register */
#if defined(__GNUC__) || defined(__clang__)
#define TT__KEEP_IN_REG(v) __asm__("" : "+v"(v))
#else
#define TT__KEEP_IN_REG(v) ((void)0)
#endif
#endif

#if TT_SIMD_WIDTH == 8
/* TT__SGEMM_TEST_NR64 (tests only): run the AVX-512 build's 6x64 blocking and
 * packing on an AVX2 machine, each 6x64 tile done by four 6x16 kernels. */
#ifdef TT__SGEMM_TEST_NR64
#define TT__SGEMM_NR 64
#else
#define TT__SGEMM_NR 16
#endif

/* The k loop of the 6x16 kernel in inline assembly (gcc/clang, x86-64):
 * gcc 12 compiles the intrinsics loop with register rotations and one
 * accumulator spilled to the stack every 4 k steps, which cost 5-6 % of the
 * kernel's speed on Zen 3 (measured: macro-kernel 88-90 % -> 94-96 % of
 * peak). Same instructions per element as the intrinsics (one
 * vfmadd231ps per k, increasing k), so C is bitwise the same. Define
 * TT_NO_ASM to use the intrinsics loop. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(TT_NO_ASM)
#define TT__SGEMM_ASM 1
#else
#define TT__SGEMM_ASM 0
#endif
#if TT__SGEMM_ASM
#define TT__STR_(x) #x
#define TT__STR(x) TT__STR_(x)
/* one k step o (0..3) of the unrolled loop: 2 B loads, 6 A broadcasts, 12 FMAs */
#define TT__A6x16(o)                                                                               \
    "vmovaps " #o "*4*" TT__STR(TT__SGEMM_NR) "(%[b]), %%ymm12\n\t"                                \
    "vmovaps " #o "*4*" TT__STR(TT__SGEMM_NR) "+32(%[b]), %%ymm13\n\t"                             \
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
#endif

/* C[6 x 16] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*NR + c], 12 ymm
 * accumulators, fma in increasing k. */
TT__PRIVATE void tt__sgemm_k6x16(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                 float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
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
#if TT__SGEMM_ASM
    if (kc >= 4) {
        long n4 = kc / 4;
        k = kc & ~3;
        __asm__ volatile(
            ".p2align 5\n"
            "1:\n\t"
            TT__A6x16(0) TT__A6x16(1) TT__A6x16(2) TT__A6x16(3)
            "add $96, %[a]\n\t"
            "add $16*" TT__STR(TT__SGEMM_NR) ", %[b]\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            : [a] "+r"(a), [b] "+r"(b), [n] "+r"(n4),
              [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
              [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
              [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)
            :
            : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    }
#endif
#define TT__K6x16(o)                                                                               \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(b + TT__SGEMM_NR * (o)), b1 = _mm256_load_ps(b + TT__SGEMM_NR * (o) + 8), av; \
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
    for (; k + 4 <= kc; k += 4, a += 24, b += 4 * TT__SGEMM_NR) {
        TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);
    }
    for (; k < kc; k++, a += 6, b += TT__SGEMM_NR) TT__K6x16(0);
#undef TT__K6x16
    _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);
    _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);
    _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);
    _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);
    _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);
    _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);
}

TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *a, const float *b, float *C, ptrdiff_t ldc, int load_c) {
    int j;
    for (j = 0; j < TT__SGEMM_NR; j += 16) tt__sgemm_k6x16(kc, a, b + j, C + j, ldc, load_c);
}
#endif /* TT_SIMD_WIDTH == 8 */

/* ==== elementwise kernels, 256-bit (lead) ====
 * Same signatures and math as the _scalar references in tt_kern_scalar.c;
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

/* GELU as x * sigmoid(2u) (KERNELS.md §5), vector exp */
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
