/* >>gemm  SGEMM: C (+)= A B with strided A and B (transposes are strides),
 * the one GEMM of the library: driver, task grid and its cost model,
 * packing, cache blocking, the fused epilogue, and B packed ahead. The
 * micro-kernel that computes one MR x NR tile is the only per-ISA piece
 * (tt_kern_w8.c, tt_kern_w16.c; interface in tt_kern.h).
 *
 * Blocking (SIMD builds): the five loops of Goto & van de Geijn, "Anatomy
 * of high-performance matrix multiplication", ACM TOMS 34(3), 2008, as
 * structured in BLIS (Van Zee & van de Geijn, ACM TOMS 41(3), 2015):
 *   for jc in N step NC:          B panel (kc x nc) packed into NR-wide micro-panels [k][NR]
 *     for pc in K step kc:
 *       for ic in M step MC:      A block (mc x kc) packed into MR-tall micro-panels [k][MR]
 *         for jr in nc step NR:   one B micro-panel, reused across ir (L1)
 *           for ir in mc step MR: micro-kernel C[MR x NR] (+)= A_p B_p, C tile in registers
 * MR = 6 rows; NR = 16 (2 ymm, AVX2) or 64 (4 zmm, AVX-512). Transposes
 * happen in packing (strided packers), so X W^T, dY W and dY^T X all run the
 * same kernel. Packed panels are zero-padded: no k-loop branches.
 *
 * Numerics: each C element is computed as acc = C_in (or 0), then
 * acc = fma(a_k, b_k, acc) for k increasing inside a KC block, then stored;
 * the next KC block starts from the stored value. kc depends only on K
 * (tt__sgemm_kc), never on the thread count or the tile position (edge tiles
 * run the same kernel on a local tile), so any split of M/N over threads
 * gives bitwise identical C.
 *
 * Threads: the work is split into a tm x tn grid of output blocks (tm*tn <=
 * n_threads tasks, rows in multiples of MR, columns in multiples of NR);
 * every task packs its own A and B panels in its scratch slot, so there is
 * no barrier and no shared buffer (except B packed once into ex->shared for
 * row splits). K is never split. Scalar builds and ex->force_scalar run
 * tt__gemm_scalar (tt_kern_w1.c) threaded the same way (no scratch). */
#include "tt_kern.h"
#include "tt_vec.h"

#if TT_SIMD_WIDTH >= 8

/* Blocking. AVX2 (6x16, Zen 3: 32 KiB L1D, 512 KiB L2): KC 512/384 keeps the
 * B micro-panel (kc x 16) near L1 and the A block (144 x kc) in L2; sweeps of
 * KC 256..1024, MC 72..288 and NC 1024/2048 on a busy 2-core Zen 3 VM were
 * within the noise (+-5 %). AVX-512 (6x64): K whole up to 1024, else blocks
 * <= 768, from a Zen 4 sweep made outside this repository; not measured on
 * AVX-512 hardware here. The macros are overridable for tuning only: kc
 * changes the rounding (never the thread-count invariance). */
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

/* tt__gemm_job: tt_kern.h (the bf16 driver, tt_gemm_bf16.c, fills one too) */

/* rs[i] += A(i, k) for rows [0, m), k increasing over [0, kb) (one add per
 * element in that order, so the sums are those of a plain loop over k; the
 * vector layer only does TT__VW rows at once) */
TT__PRIVATE void tt__gemm_rowsum(int m, int kb, const float *A, ptrdiff_t rsa, ptrdiff_t csa, float *rs) {
    int i, k;
    for (k = 0; k < kb; k++) {
        const float *a = A + (ptrdiff_t)k * csa;
        i = 0;
        if (rsa == 1)
            for (; i + TT__VW <= m; i += TT__VW) tt__v_store(rs + i, tt__v_add(tt__v_load(rs + i), tt__v_load(a + i)));
        for (; i < m; i++) rs[i] += a[(ptrdiff_t)i * rsa];
    }
}

/* The epilogue on rows [r0, r0+mr) x columns [c0, c0+nc) of C, once their
 * sums are complete: C = C + (bias + res) (the order of the separate pass
 * it replaces), then gelu_out = gelu(C) with the elementwise GELU kernel.
 * Each element's value does not depend on the block it falls in. */
TT__PRIVATE void tt__gemm_epi_block(const tt__gemm_job *g, int r0, int mr, int c0, int nc) {
    const tt__gemm_epi *e = g->epi;
    int r, c;
    for (r = r0; r < r0 + mr; r++) {
        float *y = g->C + (ptrdiff_t)r * g->ldc + c0;
        const float *b = e->bias ? e->bias + c0 : NULL;
        const float *x = e->res ? e->res + (ptrdiff_t)r * e->ldr + c0 : NULL;
        c = 0;
        if (tt__use_simd(g->ex)) {
            if (b && x)
                for (; c + TT__VW <= nc; c += TT__VW)
                    tt__v_store(y + c, tt__v_add(tt__v_load(y + c), tt__v_add(tt__v_load(b + c), tt__v_load(x + c))));
            else if (b)
                for (; c + TT__VW <= nc; c += TT__VW) tt__v_store(y + c, tt__v_add(tt__v_load(y + c), tt__v_load(b + c)));
        }
        if (b && x) for (; c < nc; c++) y[c] += b[c] + x[c];
        else if (b) for (; c < nc; c++) y[c] += b[c];
        else if (x) for (; c < nc; c++) y[c] += x[c];
        if (e->gelu_out) tt__gelu_fwd(g->ex, e->gelu_out + (ptrdiff_t)r * e->ldg + c0, y, 0, (size_t)nc);
        if (e->gelu_bwd_x) tt__gelu_bwd(g->ex, y, y, e->gelu_bwd_x + (ptrdiff_t)r * e->ldx + c0, 0, (size_t)nc);
    }
}

#if TT_SIMD_WIDTH >= 8
#define TT__SGEMM_PB_FLOATS ((size_t)TT__SGEMM_KC_MAX * TT__SGEMM_NC)
#define TT__SGEMM_PA_FLOATS ((size_t)TT__SGEMM_MC * TT__SGEMM_KC_MAX + 16)
TT__PRIVATE size_t tt__gemm_scratch_floats(void) {
    /* B panel + A block + 8 floats of pack_a slack + 16 to align to 64 bytes */
    return TT__SGEMM_PB_FLOATS + TT__SGEMM_PA_FLOATS + 16;
}

/* C[m0:m1, n0:n1] (+)= A[m0:m1, :] B[:, n0:n1] using the scratch at ws.
 * When the rows fit one A block (m1 - m0 <= MC: the lm head's row chunks,
 * the attention blocks, thin tasks) each B micro-panel serves one pass over
 * the rows only. If B is a transpose (rsb == 1, B = W^T: each micro-panel's
 * source is NR contiguous rows of W), B is then packed one micro-panel at a
 * time just before its use ("jit": it stays in L1/L2 instead of a round
 * trip through L3; with the inlined transposes, +14 % on the lm head's
 * forward). Not for row-major B (csb == 1): one micro-panel's source is
 * then kb lines a row stride apart, which conflict in L1 (measured 10 %
 * slower on the lm head's dX). Same packed values either way: C's bits do
 * not depend on it. */
/* columns of a packed B: N rounded up to whole NR-wide micro-panels */
TT__PRIVATE ptrdiff_t tt__gemm_npad(int N) { return ((ptrdiff_t)N + TT__SGEMM_NR - 1) / TT__SGEMM_NR * TT__SGEMM_NR; }

TT__PRIVATE void tt__sgemm_range(const tt__gemm_job *g, int m0, int m1, int n0, int n1, float *ws) {
    float *pb = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
    float *pa = pb + TT__SGEMM_PB_FLOATS;
    int K = g->K, kc = tt__sgemm_kc(K), jc, pc, ic, jr, ir, r, c, eg;
    int jit = !g->pk && m1 - m0 <= TT__SGEMM_MC && g->rsb == 1 && g->csb != 1;
    ptrdiff_t npad = tt__gemm_npad(g->N);
    float tile[TT__SGEMM_MR * TT__SGEMM_NR];
    for (jc = n0; jc < n1; jc += TT__SGEMM_NC) {
        int nc = n1 - jc < TT__SGEMM_NC ? n1 - jc : TT__SGEMM_NC;
        for (pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc;
            int load_c = g->accumulate || pc > 0;
            const float *bsrc = g->B + (ptrdiff_t)pc * g->rsb + (ptrdiff_t)jc * g->csb;
            const float *pbc = g->pk ? g->pk + (ptrdiff_t)pc * npad + (ptrdiff_t)jc * kb : pb;
            if (!g->pk && !jit) tt__sgemm_pack_b(kb, nc, TT__SGEMM_NR, bsrc, g->rsb, g->csb, pb);
            for (ic = m0; ic < m1; ic += TT__SGEMM_MC) {
                int mc = m1 - ic < TT__SGEMM_MC ? m1 - ic : TT__SGEMM_MC;
                const float *ablk = g->A + (ptrdiff_t)ic * g->rsa + (ptrdiff_t)pc * g->csa;
                /* the first column block sums A's rows while they are in cache */
                if (g->rowsum_a && n0 == 0 && jc == 0) tt__gemm_rowsum(mc, kb, ablk, g->rsa, g->csa, g->rowsum_a + ic);
                tt__sgemm_pack_a(mc, kb, ablk, g->rsa, g->csa, pa);
                eg = 0;
                for (jr = 0; jr < nc; jr += TT__SGEMM_NR) {
                    int nr = nc - jr < TT__SGEMM_NR ? nc - jr : TT__SGEMM_NR;
                    const float *bp = pbc + (ptrdiff_t)jr * kb;
                    if (jit) {
                        tt__sgemm_pack_b(kb, nr, TT__SGEMM_NR, bsrc + (ptrdiff_t)jr * g->csb, g->rsb, g->csb, pb);
                        bp = pb;
                    }
                    for (ir = 0; ir < mc; ir += TT__SGEMM_MR) {
                        int mr = mc - ir < TT__SGEMM_MR ? mc - ir : TT__SGEMM_MR;
                        const float *ap = pa + (ptrdiff_t)ir * kb;
                        float *cp = g->C + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr;
#ifndef TT__SGEMM_NO_PREFETCH
                        /* fetch the next C tile while this one computes: C rows are
                         * far apart, and a miss at the kernel's start stalls it */
                        if (ir + TT__SGEMM_MR < mc) {
                            const char *cn = (const char *)(cp + TT__SGEMM_MR * g->ldc);
                            for (r = 0; r < TT__SGEMM_MR; r++) {
                                _mm_prefetch(cn + (ptrdiff_t)r * g->ldc * 4, _MM_HINT_T0);
                                _mm_prefetch(cn + (ptrdiff_t)r * g->ldc * 4 + 4 * TT__SGEMM_NR - 4, _MM_HINT_T0);
                            }
                        }
#endif
                        if (mr == TT__SGEMM_MR && nr == TT__SGEMM_NR) {
                            tt__sgemm_ukernel(kb, ap, bp, cp, g->ldc, load_c);
                            continue;
                        }
                        /* edge tile: same kernel on a local tile, so every element
                         * is computed exactly as in a full tile */
                        if (load_c)
                            for (r = 0; r < mr; r++)
                                for (c = 0; c < nr; c++) tile[r * TT__SGEMM_NR + c] = cp[(ptrdiff_t)r * g->ldc + c];
                        tt__sgemm_ukernel(kb, ap, bp, tile, TT__SGEMM_NR, load_c);
                        for (r = 0; r < mr; r++)
                            for (c = 0; c < nr; c++) cp[(ptrdiff_t)r * g->ldc + c] = tile[r * TT__SGEMM_NR + c];
                    }
                    /* epilogue over finished groups of >= 256 columns (still in L2):
                     * per tile, the row calls' overhead cost more than the math */
                    if (g->epi && pc + kb == K && (jr + nr - eg >= 256 || jr + nr == nc)) {
                        tt__gemm_epi_block(g, ic, mc, jc + eg, jr + nr - eg);
                        eg = jr + nr;
                    }
                }
            }
        }
    }
}
#define TT__GEMM_MR TT__SGEMM_MR
#define TT__GEMM_NR TT__SGEMM_NR

/* B packed ahead: K blocks of tt__sgemm_kc(K) rows one after another, each
 * block (kb x Npad) as NR-wide micro-panels [k][NR], Npad = N rounded up to
 * NR: element (k, n) of block pc is at pc*Npad + (n/NR)*NR*kb + (k-pc)*NR + n%NR.
 * tt__sgemm_range reads its panels there instead of packing them. */
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N) {
    return (size_t)K * (size_t)tt__gemm_npad(N);
}
typedef struct tt__pack_job {
    int K, N, per;
    const float *B;
    ptrdiff_t rsb, csb;
    float *pk;
} tt__pack_job;
TT__PRIVATE void tt__gemm_pack_task(void *arg, int t) {
    const tt__pack_job *j = (const tt__pack_job *)arg;
    int n0 = t * j->per, n1 = n0 + j->per < j->N ? n0 + j->per : j->N, kc = tt__sgemm_kc(j->K), pc;
    ptrdiff_t npad = tt__gemm_npad(j->N);
    if (n0 >= n1) return;
    for (pc = 0; pc < j->K; pc += kc) {
        int kb = j->K - pc < kc ? j->K - pc : kc;
        tt__sgemm_pack_b(kb, n1 - n0, TT__SGEMM_NR, j->B + (ptrdiff_t)pc * j->rsb + (ptrdiff_t)n0 * j->csb, j->rsb,
                         j->csb, j->pk + (ptrdiff_t)pc * npad + (ptrdiff_t)n0 * kb);
    }
}
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk) {
    tt__pack_job j;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1, np = (N + TT__SGEMM_NR - 1) / TT__SGEMM_NR;
    if (K <= 0 || N <= 0) return;
    j.K = K; j.N = N; j.B = B; j.rsb = rsb; j.csb = csb; j.pk = pk;
    j.per = (np + T - 1) / T * TT__SGEMM_NR;
    tt__parallel_for(ex, (N + j.per - 1) / j.per, tt__gemm_pack_task, &j);
}
#else
TT__PRIVATE size_t tt__gemm_scratch_floats(void) { return 0; }
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N) { (void)K; (void)N; return 0; }
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk) {
    (void)ex; (void)K; (void)N; (void)B; (void)rsb; (void)csb; (void)pk;
}
#define TT__GEMM_MR 8
#define TT__GEMM_NR 8
#endif

/* How products are cut into tasks: TT_GEMM_SPLIT (blocks per thread) and
 * TT_GEMM_MIN_TASK_FLOPS (smallest task), tunables documented in tt_config.h.
 * Blocks are claimed from a shared counter (GCC/Clang atomics), so a thread
 * that is descheduled or slowed by another tenant takes fewer of them; which
 * thread computes a block never changes its bits. Without atomics, slot t
 * takes blocks t, t + n_slots, ... */
#if defined(__GNUC__) || defined(__clang__)
#  define TT__GEMM_CLAIM(g, t, i) ((void)(t), (void)(i), __atomic_fetch_add(&(g)->next, 1, __ATOMIC_RELAXED))
#else
#  define TT__GEMM_CLAIM(g, t, i) ((t) + (i) * (g)->n_slots)
#endif
TT__PRIVATE void tt__gemm_block(const tt__gemm_job *g, int b, int slot) {
    int m0 = (b / g->tn) * g->mstep, n0 = (b % g->tn) * g->nstep;
    int m1 = m0 + g->mstep < g->M ? m0 + g->mstep : g->M;
    int n1 = n0 + g->nstep < g->N ? n0 + g->nstep : g->N;
    if (m0 >= m1 || n0 >= n1) return;
#if TT_SIMD_WIDTH >= 8
    if (g->simd) {
        tt__sgemm_range(g, m0, m1, n0, n1, g->ex->scratch + (size_t)slot * g->ex->scratch_floats);
        return;
    }
#else
    (void)slot;
#endif
    tt__gemm_scalar(m1 - m0, n1 - n0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa,
                    g->B + (ptrdiff_t)n0 * g->csb, g->rsb, g->csb, g->C + (ptrdiff_t)m0 * g->ldc + n0, g->ldc,
                    g->accumulate);
    if (g->rowsum_a && n0 == 0) tt__gemm_rowsum(m1 - m0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa, g->rowsum_a + m0);
    if (g->epi) tt__gemm_epi_block(g, m0, m1 - m0, n0, n1 - n0);
}
TT__PRIVATE void tt__gemm_task(void *arg, int t) {
    tt__gemm_job *g = (tt__gemm_job *)arg;
    int nb = g->tm * g->tn, i, b;
    for (i = 0; (b = TT__GEMM_CLAIM(g, t, i)) < nb; i++) tt__gemm_block(g, b, t);
}

/* Choose the task grid tm x tn (tm*tn <= T) that minimises a rough cost:
 * the largest task's micro-tiles x K, plus the packing every task repeats
 * (each of the tn column blocks packs its rows of A, each of the tm row
 * blocks packs its columns of B). In units of one MR x NR x 1 tile step. */
TT__PRIVATE double tt__gemm_grid(tt__gemm_job *g, int T) {
    double best = -1.0;
    int mt = (g->M + TT__GEMM_MR - 1) / TT__GEMM_MR, nt = (g->N + TT__GEMM_NR - 1) / TT__GEMM_NR;
    int tm, tn;
    /* tiny products are not worth a dispatch (~10 us): keep >= ~2 MFLOP a task */
    double flops = 2.0 * g->M * (double)g->N * g->K;
    while (T > 1 && flops / T < TT_GEMM_MIN_TASK_FLOPS) T--;
    g->tm = 1; g->tn = 1;
    for (tm = 1; tm <= T; tm++) {
        for (tn = 1; tm * tn <= T; tn++) {
            int mpt = (mt + tm - 1) / tm, npt = (nt + tn - 1) / tn;
            double cost, pack;
            if ((tm > 1 && mpt * (tm - 1) >= mt) || (tn > 1 && npt * (tn - 1) >= nt)) continue; /* idle task */
            /* packing one float (strided load, transpose, store) costs about as
             * much as 4 FMA lanes; a tile step is MR*NR lanes; a B packed ahead costs nothing */
            pack = 4.0 * ((double)mpt * TT__GEMM_MR + (g->pk ? 0.0 : (double)npt * TT__GEMM_NR)) /
                   (TT__GEMM_MR * TT__GEMM_NR);
            cost = ((double)mpt * npt + pack) * g->K;
            if (best < 0 || cost < best * 0.999) { best = cost; g->tm = tm; g->tn = tn; }
        }
    }
    g->mstep = ((mt + g->tm - 1) / g->tm) * TT__GEMM_MR;
    g->nstep = ((nt + g->tn - 1) / g->tn) * TT__GEMM_NR;
    return best;
}

TT__PRIVATE void tt__gemm_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                             ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk,
                             float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi, float *rowsum_a) {
    tt__gemm_job g;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (M <= 0 || N <= 0) return;
    g.ex = ex; g.M = M; g.N = N; g.K = K; g.A = A; g.B = B; g.rsa = rsa; g.csa = csa;
    g.rsb = rsb; g.csb = csb; g.C = C; g.ldc = ldc; g.accumulate = accumulate;
    g.simd = 0;
#if TT_SIMD_WIDTH >= 8
    g.simd = ex && !ex->force_scalar && ex->scratch && ex->scratch_floats >= tt__gemm_scratch_floats();
#endif
    g.pk = g.simd ? pk : NULL;
    g.epi = epi && (epi->bias || epi->res || epi->gelu_out || epi->gelu_bwd_x) ? epi : NULL;
    g.rowsum_a = rowsum_a;
    if (g.simd && !g.pk && T > 1 && ex->shared && K > 0 && tt__gemm_packed_floats(K, N) <= ex->shared_floats) {
        /* the threads would split the rows, each packing all of B: pack B
         * once into the shared buffer (one more dispatch). Same packed values. */
        tt__gemm_grid(&g, T);
        if (g.tm > 1) {
            tt__gemm_pack_b(ex, K, N, B, rsb, csb, ex->shared);
            g.pk = ex->shared;
        }
    }
    if (K <= 0) {
        int i, j;
        if (!accumulate)
            for (i = 0; i < M; i++)
                for (j = 0; j < N; j++) C[(ptrdiff_t)i * ldc + j] = 0.0f;
        if (g.epi) tt__gemm_epi_block(&g, 0, M, 0, N);
        return; /* rowsum_a: nothing to add */
    }
    {
        /* T blocks, or S*T smaller ones (S <= TT_GEMM_SPLIT) when the cost
         * model says that adds little packing (within 2 %) */
        double c1 = tt__gemm_grid(&g, T);
        int S;
        if (T > 1 && TT_GEMM_SPLIT >= 2) {
            for (S = TT_GEMM_SPLIT; S >= 2; S /= 2) {
                double cs = tt__gemm_grid(&g, S * T);
                int nb = g.tm * g.tn;
                if (nb > T && (double)((nb + T - 1) / T) * cs <= 1.02 * c1) break;
            }
            if (S < 2) tt__gemm_grid(&g, T);
        }
    }
    g.next = 0;
    g.n_slots = g.tm * g.tn < T ? g.tm * g.tn : T;
    tt__parallel_for(ex, g.n_slots, tt__gemm_task, &g);
}
TT__PRIVATE void tt__gemm_pk(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                             ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk,
                             float *C, ptrdiff_t ldc, int accumulate) {
    tt__gemm_ex(ex, M, N, K, A, rsa, csa, B, rsb, csb, pk, C, ldc, accumulate, NULL, NULL);
}
TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                          ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                          ptrdiff_t ldc, int accumulate) {
    tt__gemm_ex(ex, M, N, K, A, rsa, csa, B, rsb, csb, NULL, C, ldc, accumulate, NULL, NULL);
}
