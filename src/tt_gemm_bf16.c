/* >>gemm_bf16  the bf16 GEMM: C (+)= bf16(A) bf16(B) with fp32 products
 * and sums, for mixed precision (issue 13: GEMM inputs in bf16, fp32
 * accumulation, as PyTorch's CPU autocast does). Same interface as
 * tt__gemm_ex (strides, epilogue, rowsum_a, threads); A is rounded to bf16
 * while it is packed, B either while it is packed (fp32 B) or read from a
 * bf16 copy the caller keeps (Bh: e.g. the weights, converted once per
 * optimizer step with tt__bf16_from_f32_n).
 *
 * Blocking and threads as in tt_gemm.c (Goto & van de Geijn loops, the
 * same task grid tt__gemm_grid, kc = tt__sgemm_kc(K), epilogue per finished
 * block), each task packing its own panels in its scratch slot. Two
 * packings, chosen when the build is compiled (TT__BGEMM_DPBF16, tt_kern.h):
 *  - vdpbf16ps (AVX-512 with AVX512_BF16): panels of bf16 pairs along k
 *    (uint32 words, an odd K padded with a zero), A micro-panels [k/2][MR],
 *    B [k/2][NR]; the 6x64 kernel of tt_kern_bf16.c. Half the bytes.
 *  - otherwise: fp32 panels holding the bf16-rounded values, the build's
 *    fp32 micro-kernel (fma chain in increasing k). Products of bf16
 *    values are exact in fp32, so this gives the scalar reference's bits
 *    (tt__gemm_bf16_scalar), for any thread count: correct, not faster.
 * Packing here is plain loops (not tuned: no measurements on AVX512_BF16
 * hardware were possible). Scalar builds and ex->force_scalar run the
 * scalar reference, threaded the same way. */
#include "tt_kern.h"

#if defined(__GNUC__) || defined(__clang__)
#  define TT__BGEMM_CLAIM(g, t, i) ((void)(t), (void)(i), __atomic_fetch_add(&(g)->next, 1, __ATOMIC_RELAXED))
#else
#  define TT__BGEMM_CLAIM(g, t, i) ((t) + (i) * (g)->n_slots)
#endif

typedef struct tt__bgemm_job {
    tt__gemm_job g;      /* shapes, A, C, epilogue, rowsum_a, grid; g.B is B when fp32, else NULL */
    const uint16_t *Bh;  /* B in bf16 (strides g.rsb, g.csb), or NULL */
} tt__bgemm_job;

#if TT_SIMD_WIDTH >= 8
#define TT__BGEMM_MR TT__SGEMM_MR
#define TT__BGEMM_NR TT__SGEMM_NR
#define TT__BGEMM_MC 144  /* rows of a packed A block (multiple of MR) */
#define TT__BGEMM_NC 2048 /* columns of a packed B panel at most (less if the scratch is smaller) */

/* floats of scratch one slot needs for a K-deep product with B panels of
 * nc columns: B panel, A block (+ 8 floats of the fp32 packer's slack),
 * 64-byte alignment */
TT__PRIVATE size_t tt__bgemm_need(int kc, int nc) {
    return (size_t)kc * (size_t)nc + (size_t)TT__BGEMM_MC * (size_t)kc + 16 + 16;
}

#if TT__BGEMM_DPBF16
TT__PRIVATE uint32_t tt__bgemm_bits(const float *F, const uint16_t *H, ptrdiff_t o) {
    return H ? (uint32_t)H[o] : (uint32_t)tt__bf16_from_f32(F[o]);
}
/* Pack x [0, nx) by k [0, kb) into w-wide panels of bf16 pairs: element
 * (x, k) of the source is F[x*sx + k*sk] (rounded) or H[x*sx + k*sk];
 * p[(x/w)*w*kp + q*w + x%w] = (k = 2q) | (k = 2q+1) << 16, kp = ceil(kb/2);
 * x past nx and k = kb (odd kb) are zero. A: x = row (w = MR); B: x =
 * column (w = NR). */
TT__PRIVATE void tt__bgemm_pack_pairs(int nx, int kb, int w, const float *F, const uint16_t *H, ptrdiff_t sx,
                                      ptrdiff_t sk, uint32_t *TT__RESTRICT p) {
    int kp = (kb + 1) / 2, x0, x, q;
    for (x0 = 0; x0 < nx; x0 += w) {
        uint32_t *d = p + (ptrdiff_t)x0 * kp;
        for (x = 0; x < w; x++) {
            ptrdiff_t o = (ptrdiff_t)(x0 + x) * sx;
            if (x0 + x >= nx) {
                for (q = 0; q < kp; q++) d[q * w + x] = 0;
                continue;
            }
            for (q = 0; q < kb / 2; q++)
                d[q * w + x] = tt__bgemm_bits(F, H, o + (ptrdiff_t)(2 * q) * sk) |
                               tt__bgemm_bits(F, H, o + (ptrdiff_t)(2 * q + 1) * sk) << 16;
            if (kb & 1) d[q * w + x] = tt__bgemm_bits(F, H, o + (ptrdiff_t)(kb - 1) * sk);
        }
    }
}
#else
/* Pack bf16 B k [0, kb) x columns [0, nc) into nr-wide fp32 panels (the
 * layout of tt__sgemm_pack_b), widening each value exactly. */
TT__PRIVATE void tt__bgemm_pack_b_h(int kb, int nc, int nr, const uint16_t *H, ptrdiff_t rsb, ptrdiff_t csb,
                                    float *TT__RESTRICT pb) {
    int j0, k, c;
    for (j0 = 0; j0 < nc; j0 += nr) {
        int w = nc - j0 < nr ? nc - j0 : nr;
        float *d = pb + (ptrdiff_t)j0 * kb;
        if (csb == 1) {
            for (k = 0; k < kb; k++) {
                tt__bf16_to_f32_vec(d + (ptrdiff_t)k * nr, H + (ptrdiff_t)k * rsb + j0, (size_t)w);
                for (c = w; c < nr; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
            }
        } else {
            for (c = 0; c < nr; c++) {
                const uint16_t *s = H + (ptrdiff_t)(j0 + c) * csb;
                if (c < w) for (k = 0; k < kb; k++) d[(ptrdiff_t)k * nr + c] = tt__f32_from_bf16(s[(ptrdiff_t)k * rsb]);
                else for (k = 0; k < kb; k++) d[(ptrdiff_t)k * nr + c] = 0.0f;
            }
        }
    }
}
#endif

/* C[m0:m1, n0:n1] (+)= bf16(A) bf16(B) with the slot's scratch ws (ws_floats) */
TT__PRIVATE void tt__bgemm_range(const tt__bgemm_job *j, int m0, int m1, int n0, int n1, float *ws,
                                 size_t ws_floats) {
    const tt__gemm_job *g = &j->g;
    float *pb = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63), *pa;
    int K = g->K, kc = tt__sgemm_kc(K), ncmax, jc, pc, ic, jr, ir, r, c;
    float tile[TT__BGEMM_MR * TT__BGEMM_NR];
    /* the widest B panel the slot holds next to the A block (>= NR: checked by the caller) */
    size_t cols = (ws_floats - tt__bgemm_need(kc, 0)) / (size_t)kc;
    ncmax = cols >= TT__BGEMM_NC ? TT__BGEMM_NC : (int)(cols / TT__BGEMM_NR * TT__BGEMM_NR);
    pa = pb + (size_t)ncmax * kc;
    for (jc = n0; jc < n1; jc += ncmax) {
        int nc = n1 - jc < ncmax ? n1 - jc : ncmax;
        for (pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc, kp = (kb + 1) / 2;
            int load_c = g->accumulate || pc > 0;
            ptrdiff_t boff = (ptrdiff_t)pc * g->rsb + (ptrdiff_t)jc * g->csb;
#if TT__BGEMM_DPBF16
            tt__bgemm_pack_pairs(nc, kb, TT__BGEMM_NR, g->B ? g->B + boff : NULL, j->Bh ? j->Bh + boff : NULL, g->csb,
                                 g->rsb, (uint32_t *)(void *)pb);
#else
            if (j->Bh) {
                tt__bgemm_pack_b_h(kb, nc, TT__BGEMM_NR, j->Bh + boff, g->rsb, g->csb, pb);
            } else {
                tt__sgemm_pack_b(kb, nc, TT__BGEMM_NR, g->B + boff, g->rsb, g->csb, pb);
                tt__bf16_round_vec(pb, (size_t)((nc + TT__BGEMM_NR - 1) / TT__BGEMM_NR * TT__BGEMM_NR) * (size_t)kb);
            }
            (void)kp;
#endif
            for (ic = m0; ic < m1; ic += TT__BGEMM_MC) {
                int mc = m1 - ic < TT__BGEMM_MC ? m1 - ic : TT__BGEMM_MC;
                const float *ablk = g->A + (ptrdiff_t)ic * g->rsa + (ptrdiff_t)pc * g->csa;
                if (g->rowsum_a && n0 == 0 && jc == 0) tt__gemm_rowsum(mc, kb, ablk, g->rsa, g->csa, g->rowsum_a + ic);
#if TT__BGEMM_DPBF16
                tt__bgemm_pack_pairs(mc, kb, TT__BGEMM_MR, ablk, NULL, g->rsa, g->csa, (uint32_t *)(void *)pa);
#else
                tt__sgemm_pack_a(mc, kb, ablk, g->rsa, g->csa, pa);
                tt__bf16_round_vec(pa, (size_t)((mc + TT__BGEMM_MR - 1) / TT__BGEMM_MR * TT__BGEMM_MR) * (size_t)kb);
#endif
                for (jr = 0; jr < nc; jr += TT__BGEMM_NR) {
                    int nr = nc - jr < TT__BGEMM_NR ? nc - jr : TT__BGEMM_NR;
                    for (ir = 0; ir < mc; ir += TT__BGEMM_MR) {
                        int mr = mc - ir < TT__BGEMM_MR ? mc - ir : TT__BGEMM_MR;
                        float *cp = g->C + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr, *cd = cp;
                        ptrdiff_t ldd = g->ldc;
                        int edge = mr < TT__BGEMM_MR || nr < TT__BGEMM_NR;
                        if (edge) {
                            /* edge tile: the same kernel on a local tile */
                            cd = tile;
                            ldd = TT__BGEMM_NR;
                            if (load_c)
                                for (r = 0; r < mr; r++)
                                    for (c = 0; c < nr; c++) tile[r * TT__BGEMM_NR + c] = cp[(ptrdiff_t)r * g->ldc + c];
                        }
#if TT__BGEMM_DPBF16
                        tt__bgemm_ukernel_dp(kp, (const uint32_t *)(const void *)pa + (ptrdiff_t)ir * kp,
                                             (const uint32_t *)(const void *)pb + (ptrdiff_t)jr * kp, cd, ldd, load_c);
#else
                        tt__sgemm_ukernel(kb, pa + (ptrdiff_t)ir * kb, pb + (ptrdiff_t)jr * kb, cd, ldd, load_c);
#endif
                        if (edge)
                            for (r = 0; r < mr; r++)
                                for (c = 0; c < nr; c++) cp[(ptrdiff_t)r * g->ldc + c] = tile[r * TT__BGEMM_NR + c];
                    }
                }
                if (g->epi && pc + kb == K) tt__gemm_epi_block(g, ic, mc, jc, nc);
            }
        }
    }
}
#endif /* TT_SIMD_WIDTH >= 8 */

TT__PRIVATE void tt__bgemm_block(const tt__bgemm_job *j, int b, int slot) {
    const tt__gemm_job *g = &j->g;
    int m0 = (b / g->tn) * g->mstep, n0 = (b % g->tn) * g->nstep;
    int m1 = m0 + g->mstep < g->M ? m0 + g->mstep : g->M;
    int n1 = n0 + g->nstep < g->N ? n0 + g->nstep : g->N;
    ptrdiff_t boff = (ptrdiff_t)n0 * g->csb;
    if (m0 >= m1 || n0 >= n1) return;
#if TT_SIMD_WIDTH >= 8
    if (g->simd) {
        tt__bgemm_range(j, m0, m1, n0, n1, g->ex->scratch + (size_t)slot * g->ex->scratch_floats,
                        g->ex->scratch_floats);
        return;
    }
#else
    (void)slot;
#endif
    tt__gemm_bf16_scalar(m1 - m0, n1 - n0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa,
                         g->B ? g->B + boff : NULL, j->Bh ? j->Bh + boff : NULL, g->rsb, g->csb,
                         g->C + (ptrdiff_t)m0 * g->ldc + n0, g->ldc, g->accumulate);
    if (g->rowsum_a && n0 == 0) tt__gemm_rowsum(m1 - m0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa, g->rowsum_a + m0);
    if (g->epi) tt__gemm_epi_block(g, m0, m1 - m0, n0, n1 - n0);
}
TT__PRIVATE void tt__bgemm_task(void *arg, int t) {
    tt__bgemm_job *j = (tt__bgemm_job *)arg;
    int nb = j->g.tm * j->g.tn, i, b;
    for (i = 0; (b = TT__BGEMM_CLAIM(&j->g, t, i)) < nb; i++) tt__bgemm_block(j, b, t);
}

TT__PRIVATE void tt__gemm_bf16_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                                  ptrdiff_t csa, const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi,
                                  float *rowsum_a) {
    tt__bgemm_job j;
    tt__gemm_job *g = &j.g;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (M <= 0 || N <= 0) return;
    memset(&j, 0, sizeof j);
    g->ex = ex; g->M = M; g->N = N; g->K = K; g->A = A; g->B = Bh ? NULL : B; g->rsa = rsa; g->csa = csa;
    g->rsb = rsb; g->csb = csb; g->C = C; g->ldc = ldc; g->accumulate = accumulate;
    g->pk = NULL;
    g->epi = epi && (epi->bias || epi->res || epi->gelu_out || epi->gelu_bwd_x) ? epi : NULL;
    g->rowsum_a = rowsum_a;
    j.Bh = Bh;
    g->simd = 0;
#if TT_SIMD_WIDTH >= 8
    g->simd = ex && !ex->force_scalar && ex->scratch && K > 0 &&
              ex->scratch_floats >= tt__bgemm_need(tt__sgemm_kc(K), TT__BGEMM_NR);
#endif
    if (K <= 0) {
        int i, c;
        if (!accumulate)
            for (i = 0; i < M; i++)
                for (c = 0; c < N; c++) C[(ptrdiff_t)i * ldc + c] = 0.0f;
        if (g->epi) tt__gemm_epi_block(g, 0, M, 0, N);
        return;
    }
    tt__gemm_grid(g, T);
    g->next = 0;
    g->n_slots = g->tm * g->tn < T ? g->tm * g->tn : T;
    tt__parallel_for(ex, g->n_slots, tt__bgemm_task, &j);
}
