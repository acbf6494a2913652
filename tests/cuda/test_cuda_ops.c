/* test_cuda_ops.c -- every entry of the CUDA backend table
 * (examples/cuda/tt_cuda.cu) against CPU references, on random inputs.
 * The references are the library's scalar kernels (this file defines
 * TINYTRAIN_IMPLEMENTATION, so the private tt__*_scalar functions are in
 * scope) or the formulas of src/tt_api.h written out here in double.
 * Runs only where `nvidia-smi` succeeds; elsewhere it prints
 * "SKIP: no GPU (nvidia-smi failed)" and exits 0 (it has still been
 * compiled and linked against cuBLAS and the CUDA runtime).
 *
 * Tolerances (|gpu - ref| <= tol * (1 + |ref|) per element):
 *   fp32 sums in another order (GEMM, LayerNorm, attention, lm head): 1e-4;
 *   TF32 GEMM (10-bit mantissa products, K <= 96): 1e-2;
 *   embedding forward/backward and AdamW: 1e-6 (the same operations in the
 *   same order as the CPU loop; equality is expected, a tight tolerance is
 *   asserted and the bitwise count is printed);
 *   param_stats: maxima exact (integers), sumsq relative 1e-10 (double sums
 *   of 300001 terms in another order; one term is ~1e-5 of the sum).
 * Determinism: the ops with reductions run twice on the same inputs and
 * the outputs must match bitwise.
 * Built with -DTT_CUDA_TEST_EMULATED and linked with tt_cuda.cu compiled for
 * the CPU against tests/cuda/emu/ (make test-cuda-emu), it runs the same
 * checks with no GPU: the kernels' logic, indexing and barriers, not the
 * GPU's rounding, memory model or speed.
 * Usage: test_cuda_ops [--bench] [device]   (device default 0)
 * --bench: after the checks, times the ops at GPT-2 124M sizes (B 8, T 1024,
 * C 768, NH 12, V 50257) and prints ms and GFLOP/s or GB/s (figures only:
 * nothing is asserted about speed). */
#define _POSIX_C_SOURCE 200112L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "tt_cuda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_fail = 0;
static tt_backend g_be;
static tt_rng g_rng;

static void logger(void *user, int level, tt_status code, const char *msg) {
    (void)user;
    fprintf(stderr, "  [backend log %d %s] %s\n", level, tt_strerror(code), msg);
}

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            g_fail++;                                                        \
        }                                                                    \
    } while (0)
#define OK(call) CHECK((call) == TT_OK, "%s failed", #call)

static float *hrand(size_t n, float lo, float hi) {
    float *x = (float *)malloc(n * sizeof(float) + 1);
    size_t i;
    for (i = 0; i < n; i++) x[i] = lo + (hi - lo) * tt_rng_uniform(&g_rng);
    return x;
}
static float *hzero(size_t n) { return (float *)calloc(n + 1, sizeof(float)); }
static void *dalloc(size_t bytes) {
    void *p = NULL;
    if (g_be.alloc(g_be.ctx, bytes, &p) != TT_OK) { fprintf(stderr, "FAIL: alloc %zu\n", bytes); exit(1); }
    return p;
}
static void *dup(const void *h, size_t bytes) {
    void *d = dalloc(bytes);
    OK(g_be.upload(g_be.ctx, d, h, bytes));
    return d;
}
static float *down(const void *d, size_t n) {
    float *h = (float *)malloc(n * sizeof(float) + 1);
    OK(g_be.download(g_be.ctx, h, d, n * sizeof(float)));
    return h;
}
static void dfree(void *d) { g_be.free(g_be.ctx, d); }

/* max over i of |g - r| / (1 + |r|); prints and checks against tol */
static double cmp(const char *what, const float *g, const float *r, size_t n, double tol) {
    double worst = 0.0;
    size_t i, bad = 0, same = 0;
    for (i = 0; i < n; i++) {
        double e = fabs((double)g[i] - (double)r[i]) / (1.0 + fabs((double)r[i]));
        if (!(e <= tol)) bad++;
        if (e > worst || e != e) worst = e;
        if (memcmp(g + i, r + i, sizeof(float)) == 0) same++;
    }
    printf("  %-34s n=%-7zu max rel err %.3g (tol %.0e), bitwise equal %zu/%zu\n", what, n, worst, tol, same, n);
    CHECK(bad == 0, "%s: %zu of %zu elements beyond tolerance %g (worst %g)", what, bad, n, tol, worst);
    return worst;
}
static void same_bits(const char *what, const void *a, const void *b, size_t bytes) {
    CHECK(memcmp(a, b, bytes) == 0, "%s: two runs on the same inputs differ (not deterministic)", what);
}

/* ---- GEMM ---- */
static void gelu_ref(float *y, const float *x) { tt__gelu_fwd_scalar(y, x, 0, 1); }
static float gelu_grad_ref(float x) {
    float one = 1.0f, d;
    tt__gelu_bwd_scalar(&d, &one, &x, 0, 1);
    return d;
}

static void test_gemm_case(tt_gemm_layout lay, int M, int N, int K, int acc, int use_bias, int use_res, int use_gout,
                           int use_gbwd, int use_bgrad, double tol, const char *name) {
    int pad = 3;
    ptrdiff_t lda = (lay == TT_GEMM_TN ? M : K) + pad, ldb = (lay == TT_GEMM_NT ? K : N) + pad, ldc = N + pad;
    ptrdiff_t ldr = N + 1, ldg = N + 2, ldx = N + 5;
    size_t arows = (size_t)(lay == TT_GEMM_TN ? K : M), brows = (size_t)(lay == TT_GEMM_NT ? N : K);
    float *A = hrand(arows * lda, -1, 1), *B = hrand(brows * ldb, -1, 1), *C0 = hrand((size_t)M * ldc, -1, 1);
    float *bias = hrand((size_t)N, -1, 1), *res = hrand((size_t)M * ldr, -1, 1);
    float *gx = hrand((size_t)M * ldx, -3, 3), *bg0 = hrand((size_t)M, -1, 1);
    float *Cr = hzero((size_t)M * ldc), *gr = hzero((size_t)M * ldg), *bgr = hzero((size_t)M);
    float *dA = (float *)dup(A, arows * lda * 4), *dB = (float *)dup(B, brows * ldb * 4);
    float *dbias = (float *)dup(bias, (size_t)N * 4), *dres = (float *)dup(res, (size_t)M * ldr * 4);
    float *dgx = (float *)dup(gx, (size_t)M * ldx * 4);
    float *dC[2], *dg[2], *dbg[2], *hC[2], *hg[2], *hbg[2];
    ptrdiff_t rsa, csa, rsb, csb;
    int run, i, j;
    char label[128];
    tt_backend_gemm g;

    /* CPU reference: scalar GEMM then the epilogue in the documented order */
    memcpy(Cr, C0, (size_t)M * ldc * 4);
    memcpy(bgr, bg0, (size_t)M * 4);
    if (lay == TT_GEMM_NT) { rsa = lda; csa = 1; rsb = 1; csb = ldb; }
    else if (lay == TT_GEMM_NN) { rsa = lda; csa = 1; rsb = ldb; csb = 1; }
    else { rsa = 1; csa = lda; rsb = ldb; csb = 1; }
    tt__gemm_scalar(M, N, K, A, rsa, csa, B, rsb, csb, Cr, ldc, acc);
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float *y = Cr + (ptrdiff_t)i * ldc + j;
            if (use_bias && use_res) *y += bias[j] + res[(ptrdiff_t)i * ldr + j];
            else if (use_bias) *y += bias[j];
            else if (use_res) *y += res[(ptrdiff_t)i * ldr + j];
            if (use_gout) gelu_ref(gr + (ptrdiff_t)i * ldg + j, y);
            if (use_gbwd) *y *= gelu_grad_ref(gx[(ptrdiff_t)i * ldx + j]);
        }
    if (use_bgrad)
        for (i = 0; i < M; i++) {
            double s = 0.0;
            for (j = 0; j < K; j++) s += A[(ptrdiff_t)j * lda + i];
            bgr[i] += (float)s;
        }

    for (run = 0; run < 2; run++) {
        dC[run] = (float *)dup(C0, (size_t)M * ldc * 4);
        dg[run] = (float *)dalloc((size_t)M * ldg * 4);
        OK(g_be.zero(g_be.ctx, dg[run], (size_t)M * ldg * 4));
        dbg[run] = (float *)dup(bg0, (size_t)M * 4);
        memset(&g, 0, sizeof(g));
        g.layout = lay; g.M = M; g.N = N; g.K = K;
        g.A = dA; g.lda = lda; g.B = dB; g.ldb = ldb; g.C = dC[run]; g.ldc = ldc;
        g.accumulate = acc;
        g.bias = use_bias ? dbias : NULL;
        g.res = use_res ? dres : NULL; g.ldr = ldr;
        g.gelu_out = use_gout ? dg[run] : NULL; g.ldg = ldg;
        g.gelu_bwd_x = use_gbwd ? dgx : NULL; g.ldx = ldx;
        g.bias_grad = use_bgrad ? dbg[run] : NULL;
        OK(g_be.gemm(g_be.ctx, &g));
        hC[run] = down(dC[run], (size_t)M * ldc);
        hg[run] = down(dg[run], (size_t)M * ldg);
        hbg[run] = down(dbg[run], (size_t)M);
    }
    snprintf(label, sizeof(label), "gemm %s C", name);
    cmp(label, hC[0], Cr, (size_t)M * ldc, tol);
    same_bits(label, hC[0], hC[1], (size_t)M * ldc * 4);
    if (use_gout) {
        snprintf(label, sizeof(label), "gemm %s gelu_out", name);
        for (i = 0; i < M; i++) /* padding columns stay zero on both sides */
            for (j = N; j < ldg; j++) gr[(ptrdiff_t)i * ldg + j] = 0.0f;
        cmp(label, hg[0], gr, (size_t)M * ldg, tol);
        same_bits(label, hg[0], hg[1], (size_t)M * ldg * 4);
        if (g_be.gelu_fwd) { /* recompute's entry: bitwise the epilogue's gelu_out of the same C */
            float *dy = (float *)dalloc((size_t)M * ldc * 4), *hy;
            size_t diff = 0;
            OK(g_be.gelu_fwd(g_be.ctx, dy, dC[0], (size_t)M * ldc));
            hy = down(dy, (size_t)M * ldc);
            for (i = 0; i < M; i++)
                for (j = 0; j < N; j++)
                    diff += memcmp(hy + (ptrdiff_t)i * ldc + j, hg[0] + (ptrdiff_t)i * ldg + j, 4) != 0;
            printf("  %-34s n=%-7d bitwise equal to gelu_out: %zu differ\n", "gelu_fwd", M * N, diff);
            CHECK(diff == 0, "gelu_fwd: %zu of %d values differ from the GEMM epilogue's gelu_out", diff, M * N);
            dfree(dy);
            free(hy);
        }
    }
    if (use_bgrad) {
        snprintf(label, sizeof(label), "gemm %s bias_grad", name);
        cmp(label, hbg[0], bgr, (size_t)M, 1e-5);
        same_bits(label, hbg[0], hbg[1], (size_t)M * 4);
    }
    for (run = 0; run < 2; run++) {
        dfree(dC[run]); dfree(dg[run]); dfree(dbg[run]);
        free(hC[run]); free(hg[run]); free(hbg[run]);
    }
    dfree(dA); dfree(dB); dfree(dbias); dfree(dres); dfree(dgx);
    free(A); free(B); free(C0); free(bias); free(res); free(gx); free(bg0); free(Cr); free(gr); free(bgr);
}

static void test_gemm(double tol, const char *tag) {
    char n[64];
    snprintf(n, sizeof(n), "%s NT bias+res", tag);
    test_gemm_case(TT_GEMM_NT, 37, 45, 70, 0, 1, 1, 0, 0, 0, tol, n);
    snprintf(n, sizeof(n), "%s NT bias+gelu", tag);
    test_gemm_case(TT_GEMM_NT, 64, 96, 96, 0, 1, 0, 1, 0, 0, tol, n);
    snprintf(n, sizeof(n), "%s NT res acc", tag);
    test_gemm_case(TT_GEMM_NT, 5, 300, 17, 1, 0, 1, 0, 0, 0, tol, n);
    snprintf(n, sizeof(n), "%s NN plain", tag);
    test_gemm_case(TT_GEMM_NN, 33, 29, 65, 0, 0, 0, 0, 0, 0, tol, n);
    snprintf(n, sizeof(n), "%s NN gelu_bwd", tag);
    test_gemm_case(TT_GEMM_NN, 50, 40, 80, 0, 0, 0, 0, 1, 0, tol, n);
    snprintf(n, sizeof(n), "%s TN acc bias_grad", tag);
    test_gemm_case(TT_GEMM_TN, 40, 31, 90, 1, 0, 0, 0, 0, 1, tol, n);
    snprintf(n, sizeof(n), "%s TN K=1000 bias_grad", tag);
    test_gemm_case(TT_GEMM_TN, 70, 3, 1000, 0, 0, 0, 0, 0, 1, tol * 3, n);
}

/* ---- embedding ---- */
static void test_embed(void) {
    int B = 3, T = 11, C = 40, V = 7, Vp = 64, pos0 = 2, n_ctx = 16, N = B * T, r, c;
    int32_t tok[33];
    float *wte = hrand((size_t)Vp * C, -1, 1), *wpe = hrand((size_t)n_ctx * C, -1, 1);
    float *dx = hrand((size_t)N * C, -1, 1), *dwte0 = hrand((size_t)Vp * C, -1, 1);
    float *dwpe0 = hrand((size_t)n_ctx * C, -1, 1);
    float *xr = hzero((size_t)N * C), *dwter = hzero((size_t)Vp * C), *dwper = hzero((size_t)n_ctx * C);
    float *hx, *hw[2], *hp[2];
    void *dtok, *dwte_d, *dwpe_d, *dx_d, *x_d, *g_wte[2], *g_wpe[2];
    int run;
    for (r = 0; r < N; r++) tok[r] = (int32_t)(tt_rng_u32(&g_rng) % (uint32_t)V); /* many repeats */
    tok[5] = V - 1; tok[6] = V - 1; tok[7] = 0;
    for (r = 0; r < N; r++)
        for (c = 0; c < C; c++)
            xr[(size_t)r * C + c] = wte[(size_t)tok[r] * C + c] + wpe[(size_t)(pos0 + r % T) * C + c];
    memcpy(dwter, dwte0, (size_t)Vp * C * 4);
    memcpy(dwper, dwpe0, (size_t)n_ctx * C * 4);
    for (r = 0; r < N; r++)
        for (c = 0; c < C; c++) {
            dwter[(size_t)tok[r] * C + c] += dx[(size_t)r * C + c];
            dwper[(size_t)(r % T) * C + c] += dx[(size_t)r * C + c];
        }
    dtok = dup(tok, sizeof(int32_t) * N);
    dwte_d = dup(wte, (size_t)Vp * C * 4); dwpe_d = dup(wpe, (size_t)n_ctx * C * 4);
    dx_d = dup(dx, (size_t)N * C * 4); x_d = dalloc((size_t)N * C * 4);
    OK(g_be.embed_fwd(g_be.ctx, (float *)x_d, (const int32_t *)dtok, (const float *)dwte_d, (const float *)dwpe_d, B, T,
                      pos0, C));
    hx = down(x_d, (size_t)N * C);
    cmp("embed_fwd x", hx, xr, (size_t)N * C, 1e-6);
    for (run = 0; run < 2; run++) {
        g_wte[run] = dup(dwte0, (size_t)Vp * C * 4);
        g_wpe[run] = dup(dwpe0, (size_t)n_ctx * C * 4);
        OK(g_be.embed_bwd(g_be.ctx, (float *)g_wte[run], (float *)g_wpe[run], (const float *)dx_d,
                          (const int32_t *)dtok, B, T, C));
        hw[run] = down(g_wte[run], (size_t)Vp * C);
        hp[run] = down(g_wpe[run], (size_t)n_ctx * C);
    }
    cmp("embed_bwd dwte", hw[0], dwter, (size_t)Vp * C, 1e-6);
    cmp("embed_bwd dwpe", hp[0], dwper, (size_t)n_ctx * C, 1e-6);
    same_bits("embed_bwd dwte", hw[0], hw[1], (size_t)Vp * C * 4);
    same_bits("embed_bwd dwpe", hp[0], hp[1], (size_t)n_ctx * C * 4);
    for (run = 0; run < 2; run++) { dfree(g_wte[run]); dfree(g_wpe[run]); free(hw[run]); free(hp[run]); }
    dfree(dtok); dfree(dwte_d); dfree(dwpe_d); dfree(dx_d); dfree(x_d);
    free(wte); free(wpe); free(dx); free(dwte0); free(dwpe0); free(xr); free(dwter); free(dwper); free(hx);
}

/* ---- LayerNorm ---- */
static void test_layernorm(int N, int C) {
    float *x = hrand((size_t)N * C, -2, 3), *w = hrand((size_t)C, 0.5f, 1.5f), *b = hrand((size_t)C, -1, 1);
    float *dy = hrand((size_t)N * C, -1, 1), *dx0 = hrand((size_t)N * C, -1, 1);
    float *dw0 = hrand((size_t)C, -1, 1), *db0 = hrand((size_t)C, -1, 1);
    float *yr = hzero((size_t)N * C), *mr = hzero((size_t)N), *sr = hzero((size_t)N);
    float *dxr = hzero((size_t)N * C), *dwr = hzero((size_t)C), *dbr = hzero((size_t)C);
    float *dxr_set = hzero((size_t)N * C);
    float *hy, *hm, *hs, *hdx[2], *hdw[2], *hdb[2], *hdx_set;
    void *xd = dup(x, (size_t)N * C * 4), *wd = dup(w, (size_t)C * 4), *bd = dup(b, (size_t)C * 4);
    void *dyd = dup(dy, (size_t)N * C * 4), *yd = dalloc((size_t)N * C * 4), *md = dalloc((size_t)N * 4);
    void *sd = dalloc((size_t)N * 4), *dxd[2], *dwd[2], *dbd[2], *dxs;
    int run;
    char lab[64];
    tt__layernorm_fwd_scalar(yr, mr, sr, x, w, b, 0, N, C);
    memcpy(dxr, dx0, (size_t)N * C * 4);
    memcpy(dwr, dw0, (size_t)C * 4);
    memcpy(dbr, db0, (size_t)C * 4);
    tt__layernorm_bwd_dx_scalar(dxr, dy, x, w, mr, sr, 0, N, C, 1);
    tt__layernorm_bwd_dx_scalar(dxr_set, dy, x, w, mr, sr, 0, N, C, 0);
    tt__layernorm_bwd_dwdb_scalar(dwr, dbr, dy, x, mr, sr, N, C, 0, C);

    OK(g_be.layernorm_fwd(g_be.ctx, (float *)yd, (float *)md, (float *)sd, (const float *)xd, (const float *)wd,
                          (const float *)bd, N, C));
    hy = down(yd, (size_t)N * C); hm = down(md, (size_t)N); hs = down(sd, (size_t)N);
    snprintf(lab, sizeof(lab), "layernorm_fwd y (N=%d C=%d)", N, C);
    cmp(lab, hy, yr, (size_t)N * C, 1e-4);
    cmp("layernorm_fwd mean", hm, mr, (size_t)N, 1e-4);
    cmp("layernorm_fwd rstd", hs, sr, (size_t)N, 1e-4);
    for (run = 0; run < 2; run++) {
        dxd[run] = dup(dx0, (size_t)N * C * 4);
        dwd[run] = dup(dw0, (size_t)C * 4);
        dbd[run] = dup(db0, (size_t)C * 4);
        /* the CPU's mean/rstd: the backward is compared on the same inputs */
        OK(g_be.upload(g_be.ctx, md, mr, (size_t)N * 4));
        OK(g_be.upload(g_be.ctx, sd, sr, (size_t)N * 4));
        OK(g_be.layernorm_bwd(g_be.ctx, (float *)dxd[run], (float *)dwd[run], (float *)dbd[run], (const float *)dyd,
                              (const float *)xd, (const float *)wd, (const float *)md, (const float *)sd, N, C, 1));
        hdx[run] = down(dxd[run], (size_t)N * C);
        hdw[run] = down(dwd[run], (size_t)C);
        hdb[run] = down(dbd[run], (size_t)C);
    }
    dxs = dalloc((size_t)N * C * 4);
    OK(g_be.layernorm_bwd(g_be.ctx, (float *)dxs, (float *)dwd[0], (float *)dbd[0], (const float *)dyd,
                          (const float *)xd, (const float *)wd, (const float *)md, (const float *)sd, N, C, 0));
    hdx_set = down(dxs, (size_t)N * C);
    cmp("layernorm_bwd dx (+=)", hdx[0], dxr, (size_t)N * C, 1e-4);
    cmp("layernorm_bwd dx (=)", hdx_set, dxr_set, (size_t)N * C, 1e-4);
    cmp("layernorm_bwd dw", hdw[0], dwr, (size_t)C, 1e-4);
    cmp("layernorm_bwd db", hdb[0], dbr, (size_t)C, 1e-4);
    same_bits("layernorm_bwd dx", hdx[0], hdx[1], (size_t)N * C * 4);
    same_bits("layernorm_bwd dw", hdw[0], hdw[1], (size_t)C * 4);
    same_bits("layernorm_bwd db", hdb[0], hdb[1], (size_t)C * 4);
    for (run = 0; run < 2; run++) {
        dfree(dxd[run]); dfree(dwd[run]); dfree(dbd[run]); free(hdx[run]); free(hdw[run]); free(hdb[run]);
    }
    dfree(dxs); dfree(xd); dfree(wd); dfree(bd); dfree(dyd); dfree(yd); dfree(md); dfree(sd);
    free(hdx_set); free(hy); free(hm); free(hs);
    free(x); free(w); free(b); free(dy); free(dx0); free(dw0); free(db0); free(yr); free(mr); free(sr);
    free(dxr); free(dwr); free(dbr); free(dxr_set);
}

/* ---- attention ---- */
static void test_attention(int B, int T, int C, int NH) {
    size_t nq = (size_t)B * T * 3 * C, no = (size_t)B * T * C, nl = (size_t)B * NH * T;
    float *qkv = hrand(nq, -1.5f, 1.5f), *dout = hrand(no, -1, 1);
    float *outr = hzero(no), *lser = hzero(nl), *dqkvr = hzero(nq), *scratch = hzero((size_t)2 * T);
    float *ho[2], *hl[2], *hd[2];
    void *qd = dup(qkv, nq * 4), *dod = dup(dout, no * 4), *od[2], *ld[2], *dd[2];
    int b, h, run;
    char lab[96];
    for (b = 0; b < B; b++)
        for (h = 0; h < NH; h++) {
            tt__attention_fwd_scalar(outr, lser, qkv, b, h, T, C, NH, scratch);
            tt__attention_bwd_scalar(dqkvr, dout, qkv, lser, b, h, T, C, NH, scratch);
        }
    for (run = 0; run < 2; run++) {
        od[run] = dalloc(no * 4); ld[run] = dalloc(nl * 4); dd[run] = dalloc(nq * 4);
        /* garbage in dqkv: the backward overwrites */
        OK(g_be.upload(g_be.ctx, dd[run], qkv, nq * 4));
        OK(g_be.attention_fwd(g_be.ctx, (float *)od[run], (float *)ld[run], (const float *)qd, B, T, C, NH));
        /* backward from the CPU's out and lse, so both sides see the same inputs */
        OK(g_be.upload(g_be.ctx, ld[run], lser, nl * 4));
        ho[run] = down(od[run], no);
        OK(g_be.upload(g_be.ctx, od[run], outr, no * 4));
        OK(g_be.attention_bwd(g_be.ctx, (float *)dd[run], (const float *)dod, (const float *)qd,
                              (const float *)od[run], (const float *)ld[run], B, T, C, NH));
        hd[run] = down(dd[run], nq);
        OK(g_be.attention_fwd(g_be.ctx, (float *)od[run], (float *)ld[run], (const float *)qd, B, T, C, NH));
        hl[run] = down(ld[run], nl);
    }
    snprintf(lab, sizeof(lab), "attention_fwd out (B%d T%d C%d NH%d)", B, T, C, NH);
    cmp(lab, ho[0], outr, no, 1e-4);
    cmp("attention_fwd lse", hl[0], lser, nl, 1e-4);
    cmp("attention_bwd dqkv", hd[0], dqkvr, nq, 1e-4);
    same_bits("attention_fwd out", ho[0], ho[1], no * 4);
    same_bits("attention_fwd lse", hl[0], hl[1], nl * 4);
    same_bits("attention_bwd dqkv", hd[0], hd[1], nq * 4);
    for (run = 0; run < 2; run++) {
        dfree(od[run]); dfree(ld[run]); dfree(dd[run]); free(ho[run]); free(hl[run]); free(hd[run]);
    }
    dfree(qd); dfree(dod);
    free(qkv); free(dout); free(outr); free(lser); free(dqkvr); free(scratch);
}

/* generation: rows fed in pieces (prompt of 5, then one at a time, then 4)
 * must give the full causal attention of B = 1 and fill the cache */
static void test_attention_cached(void) {
    int T = 19, C = 64, NH = 2, n_ctx = 24, p0, n, t, i;
    size_t nq = (size_t)T * 3 * C;
    float *qkv = hrand(nq, -1.5f, 1.5f), *outr = hzero((size_t)T * C), *lser = hzero((size_t)NH * T);
    float *scratch = hzero((size_t)T), *ho, *hkv, *kvr = hzero((size_t)T * 2 * C);
    void *qd = dup(qkv, nq * 4), *od = dalloc((size_t)T * C * 4), *kvd = dalloc((size_t)n_ctx * 2 * C * 4);
    int h;
    for (h = 0; h < NH; h++) tt__attention_fwd_scalar(outr, lser, qkv, 0, h, T, C, NH, scratch);
    for (t = 0; t < T; t++)
        for (i = 0; i < 2 * C; i++) kvr[(size_t)t * 2 * C + i] = qkv[(size_t)t * 3 * C + C + i];
    for (p0 = 0; p0 < T; p0 += n) {
        n = p0 == 0 ? 5 : (p0 < 15 ? 1 : T - p0);
        OK(g_be.attention_cached(g_be.ctx, (float *)od + (size_t)p0 * C, (const float *)qd + (size_t)p0 * 3 * C,
                                 (float *)kvd, p0, n, n_ctx, C, NH));
    }
    ho = down(od, (size_t)T * C);
    hkv = down(kvd, (size_t)T * 2 * C);
    cmp("attention_cached out", ho, outr, (size_t)T * C, 1e-4);
    cmp("attention_cached kv cache", hkv, kvr, (size_t)T * 2 * C, 0.0);
    CHECK(g_be.attention_cached(g_be.ctx, (float *)od, (const float *)qd, (float *)kvd, 20, 5, n_ctx, C, NH) ==
              TT_ERR_INVALID_ARG, "attention_cached past n_ctx must be refused");
    dfree(qd); dfree(od); dfree(kvd);
    free(qkv); free(outr); free(lser); free(scratch); free(ho); free(hkv); free(kvr);
}

/* ---- lm head ---- */
typedef struct head_out { float *lse, *loss, *dx, *dwte; } head_out;
static void head_run(const tt_backend *be, int N, int V, int Vp, int C, float scale, void *xd, void *wd, void *td,
                     const float *dwte0, int two_calls, head_out *o) {
    tt_backend_head h;
    void *lse = dalloc((size_t)N * 4), *loss = dalloc((size_t)N * 4), *dx = dalloc((size_t)N * C * 4);
    void *dw = dup(dwte0, (size_t)Vp * C * 4);
    memset(&h, 0, sizeof(h));
    h.x = (const float *)xd; h.wte = (const float *)wd; h.targets = (const int32_t *)td;
    h.row_lse = (float *)lse; h.row_loss = (float *)loss; h.dx = (float *)dx; h.dwte = (float *)dw;
    h.N = N; h.V = V; h.Vp = Vp; h.C = C; h.scale = scale;
    if (two_calls) {
        h.mode = 0;
        CHECK(be->lm_head(be->ctx, &h) == TT_OK, "lm_head mode 0");
        h.mode = 1;
        CHECK(be->lm_head(be->ctx, &h) == TT_OK, "lm_head mode 1");
    } else {
        h.mode = 2;
        CHECK(be->lm_head(be->ctx, &h) == TT_OK, "lm_head mode 2");
    }
    o->lse = down(lse, (size_t)N); o->loss = down(loss, (size_t)N);
    o->dx = down(dx, (size_t)N * C); o->dwte = down(dw, (size_t)Vp * C);
    dfree(lse); dfree(loss); dfree(dx); dfree(dw);
}
static void head_free(head_out *o) { free(o->lse); free(o->loss); free(o->dx); free(o->dwte); }

static void test_lm_head(const tt_backend *small) {
    int N = 13, V = 70, Vp = 128, C = 24, r, v, c;
    float scale = 0.7f / (float)N;
    float *x = hrand((size_t)N * C, -1, 1), *wte = hrand((size_t)Vp * C, -1, 1), *dwte0 = hrand((size_t)Vp * C, -1, 1);
    float *lser = hzero((size_t)N), *lossr = hzero((size_t)N), *dxr = hzero((size_t)N * C);
    float *dwr = hzero((size_t)Vp * C);
    double *z = (double *)calloc((size_t)V, sizeof(double));
    int32_t tg[13];
    head_out a, b, s, a2;
    void *xd, *wd, *td;
    for (r = 0; r < N; r++) tg[r] = (int32_t)(tt_rng_u32(&g_rng) % (uint32_t)V);
    tg[0] = V - 1;
    for (v = V; v < Vp; v++) /* padded vocab rows: never read, their gradient untouched */
        for (c = 0; c < C; c++) wte[(size_t)v * C + c] = NAN;
    memcpy(dwr, dwte0, (size_t)Vp * C * 4);
    for (r = 0; r < N; r++) {
        double mx = -1e300, sum = 0.0, lse;
        for (v = 0; v < V; v++) {
            double d = 0.0;
            for (c = 0; c < C; c++) d += (double)x[(size_t)r * C + c] * wte[(size_t)v * C + c];
            z[v] = d;
            if (d > mx) mx = d;
        }
        for (v = 0; v < V; v++) sum += exp(z[v] - mx);
        lse = mx + log(sum);
        lser[r] = (float)lse;
        lossr[r] = (float)(lse - z[tg[r]]);
        for (v = 0; v < V; v++) {
            double dl = (exp(z[v] - lse) - (v == tg[r] ? 1.0 : 0.0)) * scale;
            for (c = 0; c < C; c++) {
                dxr[(size_t)r * C + c] += (float)(dl * wte[(size_t)v * C + c]);
                dwr[(size_t)v * C + c] += (float)(dl * x[(size_t)r * C + c]);
            }
        }
    }
    xd = dup(x, (size_t)N * C * 4); wd = dup(wte, (size_t)Vp * C * 4); td = dup(tg, sizeof(tg));
    head_run(&g_be, N, V, Vp, C, scale, xd, wd, td, dwte0, 0, &a);
    head_run(&g_be, N, V, Vp, C, scale, xd, wd, td, dwte0, 0, &a2);
    head_run(&g_be, N, V, Vp, C, scale, xd, wd, td, dwte0, 1, &b);
    cmp("lm_head row_lse", a.lse, lser, (size_t)N, 1e-4);
    cmp("lm_head row_loss", a.loss, lossr, (size_t)N, 1e-4);
    cmp("lm_head dx", a.dx, dxr, (size_t)N * C, 1e-4);
    cmp("lm_head dwte (pad rows untouched)", a.dwte, dwr, (size_t)Vp * C, 1e-4);
    cmp("lm_head mode 0 then 1: dx", b.dx, dxr, (size_t)N * C, 1e-4);
    cmp("lm_head mode 0 then 1: dwte", b.dwte, dwr, (size_t)Vp * C, 1e-4);
    same_bits("lm_head dx", a.dx, a2.dx, (size_t)N * C * 4);
    same_bits("lm_head dwte", a.dwte, a2.dwte, (size_t)Vp * C * 4);
    same_bits("lm_head loss", a.loss, a2.loss, (size_t)N * 4);
    if (small) { /* 5 rows per chunk: chunking must not change the answer beyond rounding */
        tt_backend keep = g_be;
        void *xs, *ws, *ts;
        g_be = *small;
        xs = dup(x, (size_t)N * C * 4); ws = dup(wte, (size_t)Vp * C * 4); ts = dup(tg, sizeof(tg));
        head_run(small, N, V, Vp, C, scale, xs, ws, ts, dwte0, 0, &s);
        dfree(xs); dfree(ws); dfree(ts);
        g_be = keep;
        cmp("lm_head 5-row chunks row_loss", s.loss, lossr, (size_t)N, 1e-4);
        cmp("lm_head 5-row chunks dx", s.dx, dxr, (size_t)N * C, 1e-4);
        cmp("lm_head 5-row chunks dwte", s.dwte, dwr, (size_t)Vp * C, 1e-4);
        head_free(&s);
    }
    {   /* a target outside [0, V) gives a NaN loss for its row, not a fault */
        int32_t bad_tg[13];
        void *bd;
        head_out e;
        memcpy(bad_tg, tg, sizeof(tg));
        bad_tg[3] = V;
        bd = dup(bad_tg, sizeof(bad_tg));
        head_run(&g_be, N, V, Vp, C, scale, xd, wd, bd, dwte0, 0, &e);
        CHECK(e.loss[3] != e.loss[3] && e.loss[2] == e.loss[2] && e.loss[4] == e.loss[4],
              "lm_head: a target out of range must give NaN for that row only");
        head_free(&e);
        dfree(bd);
    }
    head_free(&a); head_free(&a2); head_free(&b);
    dfree(xd); dfree(wd); dfree(td);
    free(x); free(wte); free(dwte0); free(lser); free(lossr); free(dxr); free(dwr); free(z);
}

/* ---- param_stats and AdamW ---- */
static uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static void test_stats_adamw(void) {
    size_t n = 300001, i;
    float *g = hrand(n, -0.1f, 0.1f), *p = hrand(n, -2, 2), *m = hrand(n, -0.01f, 0.01f), *v = hrand(n, 0, 1e-4f);
    float *pr, *mr, *vr, *hp[2], *hm[2], *hv[2], *hg;
    double sumsq = 0.0;
    uint32_t mg = 0, mp = 0, mm = 0, mv = 0;
    tt_backend_stats st[2], st0;
    void *gd[2], *pd[2], *md[2], *vd[2];
    int run;
    g[12345] = -0.25f; p[777] = -3.5f; m[42] = 0.03f;
    for (i = 0; i < n; i++) {
        sumsq += (double)g[i] * (double)g[i];
        if ((bits(g[i]) & 0x7fffffffu) > mg) mg = bits(g[i]) & 0x7fffffffu;
        if ((bits(p[i]) & 0x7fffffffu) > mp) mp = bits(p[i]) & 0x7fffffffu;
        if ((bits(m[i]) & 0x7fffffffu) > mm) mm = bits(m[i]) & 0x7fffffffu;
        if (bits(v[i]) > mv) mv = bits(v[i]);
    }
    for (run = 0; run < 2; run++) {
        gd[run] = dup(g, n * 4); pd[run] = dup(p, n * 4); md[run] = dup(m, n * 4); vd[run] = dup(v, n * 4);
        OK(g_be.param_stats(g_be.ctx, &st[run], (const float *)gd[run], (const float *)pd[run],
                            (const float *)md[run], (const float *)vd[run], n));
    }
    printf("  param_stats sumsq %.17g (ref %.17g), max bits g %08x p %08x m %08x v %08x\n", st[0].sumsq, sumsq,
           (unsigned)st[0].max_g, (unsigned)st[0].max_p, (unsigned)st[0].max_m, (unsigned)st[0].max_v);
    CHECK(fabs(st[0].sumsq - sumsq) <= 1e-10 * sumsq, "param_stats sumsq %.17g vs %.17g", st[0].sumsq, sumsq);
    CHECK(st[0].max_g == mg && st[0].max_p == mp && st[0].max_m == mm && st[0].max_v == mv,
          "param_stats maxima differ from the reference");
    CHECK(memcmp(&st[0].sumsq, &st[1].sumsq, sizeof(double)) == 0 && st[0].max_g == st[1].max_g &&
              st[0].max_p == st[1].max_p && st[0].max_m == st[1].max_m && st[0].max_v == st[1].max_v,
          "param_stats: two runs on the same inputs differ");
    /* a negative v (sign bit set) must rank above every finite value; m, v NULL give 0 */
    {
        float neg = -1e-8f;
        OK(g_be.upload(g_be.ctx, (float *)vd[1] + 99, &neg, 4));
        OK(g_be.param_stats(g_be.ctx, &st0, (const float *)gd[1], (const float *)pd[1], NULL, (const float *)vd[1], n));
        CHECK(st0.max_v == bits(neg) && st0.max_m == 0, "param_stats: negative v / NULL m");
    }
    pr = (float *)malloc(n * 4); mr = (float *)malloc(n * 4); vr = (float *)malloc(n * 4);
    memcpy(pr, p, n * 4); memcpy(mr, m, n * 4); memcpy(vr, v, n * 4);
    {
        float lr = 3e-4f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f, gs = 0.8f;
        float bc1 = 1.0f - powf(b1, 3.0f), bc2s = sqrtf(1.0f - powf(b2, 3.0f));
        tt__adamw_scalar(pr, mr, vr, g, n, lr, b1, b2, eps, wd, gs, bc1, bc2s);
        OK(g_be.upload(g_be.ctx, vd[1], v, n * 4));
        for (run = 0; run < 2; run++) {
            OK(g_be.adamw(g_be.ctx, (float *)pd[run], (float *)md[run], (float *)vd[run], (float *)gd[run], n, lr, b1,
                          b2, eps, wd, gs, bc1, bc2s));
            hp[run] = down(pd[run], n); hm[run] = down(md[run], n); hv[run] = down(vd[run], n);
        }
    }
    cmp("adamw p", hp[0], pr, n, 1e-6);
    cmp("adamw m", hm[0], mr, n, 1e-6);
    cmp("adamw v", hv[0], vr, n, 1e-6);
    same_bits("adamw p", hp[0], hp[1], n * 4);
    hg = down(gd[0], n);
    for (i = 0; i < n && hg[i] == 0.0f; i++) {}
    CHECK(i == n, "adamw must zero the gradients (g[%zu] = %g)", i, i < n ? hg[i] : 0.0);
    for (run = 0; run < 2; run++) {
        dfree(gd[run]); dfree(pd[run]); dfree(md[run]); dfree(vd[run]); free(hp[run]); free(hm[run]); free(hv[run]);
    }
    free(hg); free(g); free(p); free(m); free(v); free(pr); free(mr); free(vr);
}

/* ---- buffers and argument errors ---- */
static void test_buffers_and_errors(int device) {
    size_t n = 1000, i;
    float *h = hrand(n, -1, 1), *back;
    void *a = dup(h, n * 4), *b = dalloc(n * 4), *z = dalloc(n * 4);
    tt_backend_gemm g;
    tt_backend bad;
    CHECK(((uintptr_t)a & 255u) == 0, "alloc must be 256-byte aligned");
    OK(g_be.copy(g_be.ctx, b, a, n * 4));
    OK(g_be.zero(g_be.ctx, (char *)b + 40, 80));
    OK(g_be.sync(g_be.ctx));
    back = down(b, n);
    for (i = 0; i < n; i++) {
        float want = (i >= 10 && i < 30) ? 0.0f : h[i];
        if (memcmp(&back[i], &want, 4) != 0) break;
    }
    CHECK(i == n, "upload/copy/zero/download round trip differs at %zu", i);
    g_be.free(g_be.ctx, NULL);
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = -1; g.N = 2; g.K = 2;
    CHECK(g_be.gemm(g_be.ctx, &g) == TT_ERR_INVALID_ARG, "gemm M < 0 must be refused");
    g.M = 2; g.A = (const float *)a; g.B = (const float *)a; g.C = (float *)z; g.lda = 2; g.ldb = 2; g.ldc = 2;
    g.bias_grad = (float *)z;
    CHECK(g_be.gemm(g_be.ctx, &g) == TT_ERR_INVALID_ARG, "bias_grad with NT must be refused");
    g.bias_grad = NULL; g.lda = 1;
    CHECK(g_be.gemm(g_be.ctx, &g) == TT_ERR_INVALID_ARG, "lda < K must be refused");
    CHECK(g_be.attention_fwd(g_be.ctx, (float *)z, (float *)z, (const float *)a, 1, 1, 1026, 1) == TT_ERR_INVALID_ARG,
          "head size above the limit must be refused");
    CHECK(tt_cuda_backend_create(device + 4096, NULL, &bad) == TT_ERR_INVALID_ARG && bad.ctx == NULL,
          "a device index out of range must be refused");
    dfree(a); dfree(b); dfree(z); free(h); free(back);
}

/* ---- figures (--bench) ---- */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
typedef struct bench_ctx {
    int B, T, C, NH, V, Vp, N;
    float *x, *y, *qkv, *att, *lse, *dqkv, *w, *b, *h4, *mean, *rstd, *dw, *db, *wte, *dwte, *row_lse, *row_loss;
    int32_t *targets;
} bench_ctx;
#define BENCH(label, reps, work, unit, body)                                           \
    do {                                                                               \
        int r_;                                                                        \
        double t0_, ms_;                                                               \
        { body; }                                                                      \
        OK(g_be.sync(g_be.ctx));                                                       \
        t0_ = now_s();                                                                 \
        for (r_ = 0; r_ < (reps); r_++) { body; }                                      \
        OK(g_be.sync(g_be.ctx));                                                       \
        ms_ = (now_s() - t0_) * 1e3 / (reps);                                          \
        printf("  %-44s %9.3f ms  %8.1f %s\n", label, ms_, (work) / (ms_ * 1e6), unit); \
    } while (0)

static void bench_gemms(bench_ctx *k, const char *tag) {
    tt_backend_gemm g;
    char lab[96];
    double N = k->N, C = k->C;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = k->N; g.N = 3 * k->C; g.K = k->C;
    g.A = k->x; g.lda = k->C; g.B = k->w; g.ldb = k->C; g.C = k->qkv; g.ldc = 3 * k->C; g.bias = k->b;
    snprintf(lab, sizeof(lab), "%s gemm NT qkv +bias (%dx%dx%d)", tag, g.M, g.N, g.K);
    BENCH(lab, 10, 2.0 * N * 3 * C * C, "GFLOP/s", OK(g_be.gemm(g_be.ctx, &g)));
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = k->N; g.N = 4 * k->C; g.K = k->C;
    g.A = k->x; g.lda = k->C; g.B = k->w; g.ldb = k->C; g.C = k->h4; g.ldc = 4 * k->C; g.bias = k->b;
    g.gelu_out = k->dqkv; g.ldg = 4 * k->C;
    snprintf(lab, sizeof(lab), "%s gemm NT fc +bias+gelu (%dx%dx%d)", tag, g.M, g.N, g.K);
    BENCH(lab, 10, 2.0 * N * 4 * C * C, "GFLOP/s", OK(g_be.gemm(g_be.ctx, &g)));
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NN; g.M = k->N; g.N = k->C; g.K = 4 * k->C;
    g.A = k->h4; g.lda = 4 * k->C; g.B = k->w; g.ldb = k->C; g.C = k->y; g.ldc = k->C;
    snprintf(lab, sizeof(lab), "%s gemm NN dx (%dx%dx%d)", tag, g.M, g.N, g.K);
    BENCH(lab, 10, 2.0 * N * 4 * C * C, "GFLOP/s", OK(g_be.gemm(g_be.ctx, &g)));
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_TN; g.M = 4 * k->C; g.N = k->C; g.K = k->N;
    g.A = k->h4; g.lda = 4 * k->C; g.B = k->x; g.ldb = k->C; g.C = k->w; g.ldc = k->C; g.accumulate = 1;
    g.bias_grad = k->b;
    snprintf(lab, sizeof(lab), "%s gemm TN dW +bias_grad (%dx%dx%d)", tag, g.M, g.N, g.K);
    BENCH(lab, 10, 2.0 * N * 4 * C * C, "GFLOP/s", OK(g_be.gemm(g_be.ctx, &g)));
    {
        tt_backend_head h;
        memset(&h, 0, sizeof(h));
        h.x = k->x; h.wte = k->wte; h.targets = k->targets; h.row_lse = k->row_lse; h.row_loss = k->row_loss;
        h.dx = k->y; h.dwte = k->dwte; h.N = k->N; h.V = k->V; h.Vp = k->Vp; h.C = k->C; h.mode = 2;
        h.scale = 1.0f / (float)k->N;
        snprintf(lab, sizeof(lab), "%s lm_head fwd+bwd (N %d V %d)", tag, k->N, k->V);
        BENCH(lab, 3, 6.0 * N * k->V * C, "GFLOP/s", OK(g_be.lm_head(g_be.ctx, &h)));
    }
}

static void run_bench(int device) {
    bench_ctx k;
    tt_cuda_options o;
    tt_backend tf, keep;
    size_t nparam = 124439808; /* GPT-2 124M */
    double N, C, T, B, NH;
    float *p, *m, *v, *g;
    int32_t *tg;
    size_t i;
    memset(&k, 0, sizeof(k));
    k.B = 8; k.T = 1024; k.C = 768; k.NH = 12; k.V = 50257; k.Vp = 50304; k.N = k.B * k.T;
    N = k.N; C = k.C; T = k.T; B = k.B; NH = k.NH;
    printf("figures (GPT-2 124M sizes: B %d T %d C %d NH %d V %d; timings only, not checked):\n", k.B, k.T, k.C, k.NH,
           k.V);
#define BUF(f, n)                                                                      \
    do {                                                                               \
        k.f = (float *)dalloc((size_t)(n) * 4);                                        \
        OK(g_be.zero(g_be.ctx, k.f, (size_t)(n) * 4));                                 \
    } while (0)
    BUF(x, k.N * k.C); BUF(y, k.N * k.C); BUF(qkv, (size_t)k.N * 3 * k.C); BUF(att, k.N * k.C);
    BUF(lse, (size_t)k.B * k.NH * k.T); BUF(dqkv, (size_t)k.N * 4 * k.C); BUF(w, (size_t)4 * k.C * k.C);
    BUF(b, 4 * k.C); BUF(h4, (size_t)k.N * 4 * k.C); BUF(mean, k.N); BUF(rstd, k.N); BUF(dw, k.C); BUF(db, k.C);
    BUF(wte, (size_t)k.Vp * k.C); BUF(dwte, (size_t)k.Vp * k.C); BUF(row_lse, k.N); BUF(row_loss, k.N);
#undef BUF
    {   /* random activations and weights so that nothing is trivially zero */
        float *h = hrand((size_t)k.N * 3 * k.C, -1, 1);
        OK(g_be.upload(g_be.ctx, k.qkv, h, (size_t)k.N * 3 * k.C * 4));
        OK(g_be.upload(g_be.ctx, k.x, h, (size_t)k.N * k.C * 4));
        OK(g_be.upload(g_be.ctx, k.w, h, (size_t)4 * k.C * k.C * 4));
        OK(g_be.upload(g_be.ctx, k.wte, h, (size_t)k.N * k.C * 4));
        free(h);
    }
    tg = (int32_t *)malloc((size_t)k.N * sizeof(int32_t));
    for (i = 0; i < (size_t)k.N; i++) tg[i] = (int32_t)(tt_rng_u32(&g_rng) % (uint32_t)k.V);
    k.targets = (int32_t *)dup(tg, (size_t)k.N * sizeof(int32_t));
    bench_gemms(&k, "fp32");
    BENCH("layernorm_fwd", 20, 2.0 * N * C * 4, "GB/s",
          OK(g_be.layernorm_fwd(g_be.ctx, k.y, k.mean, k.rstd, k.x, k.w, k.b, k.N, k.C)));
    BENCH("layernorm_bwd", 20, 4.0 * N * C * 4, "GB/s",
          OK(g_be.layernorm_bwd(g_be.ctx, k.att, k.dw, k.db, k.y, k.x, k.w, k.mean, k.rstd, k.N, k.C, 1)));
    BENCH("attention_fwd (causal)", 5, 2.0 * B * NH * T * T * (C / NH), "GFLOP/s",
          OK(g_be.attention_fwd(g_be.ctx, k.att, k.lse, k.qkv, k.B, k.T, k.C, k.NH)));
    BENCH("attention_bwd (causal)", 5, 5.0 * B * NH * T * T * (C / NH), "GFLOP/s",
          OK(g_be.attention_bwd(g_be.ctx, k.dqkv, k.y, k.qkv, k.att, k.lse, k.B, k.T, k.C, k.NH)));
    BENCH("embed_bwd (token sort + adds)", 5, 3.0 * N * C * 4, "GB/s",
          OK(g_be.embed_bwd(g_be.ctx, k.dwte, k.y, k.x, k.targets, k.B, k.T, k.C)));
    p = (float *)dalloc(nparam * 4); m = (float *)dalloc(nparam * 4); v = (float *)dalloc(nparam * 4);
    g = (float *)dalloc(nparam * 4);
    OK(g_be.zero(g_be.ctx, p, nparam * 4)); OK(g_be.zero(g_be.ctx, m, nparam * 4));
    OK(g_be.zero(g_be.ctx, v, nparam * 4)); OK(g_be.zero(g_be.ctx, g, nparam * 4));
    {
        tt_backend_stats st;
        BENCH("param_stats (124M params)", 5, 16.0 * nparam, "GB/s",
              OK(g_be.param_stats(g_be.ctx, &st, g, p, m, v, nparam)));
        BENCH("adamw (124M params)", 5, 28.0 * nparam, "GB/s",
              OK(g_be.adamw(g_be.ctx, p, m, v, g, nparam, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f, 0.1f, 0.2f)));
    }
    dfree(p); dfree(m); dfree(v); dfree(g);
    memset(&o, 0, sizeof(o));
    o.tf32 = 1;
    o.logger.fn = logger;
    if (tt_cuda_backend_create(device, &o, &tf) == TT_OK) {
        keep = g_be;
        g_be = tf;
        bench_gemms(&k, "tf32");
        g_be = keep;
        tt_cuda_backend_destroy(&tf);
    }
    dfree(k.x); dfree(k.y); dfree(k.qkv); dfree(k.att); dfree(k.lse); dfree(k.dqkv); dfree(k.w); dfree(k.b);
    dfree(k.h4); dfree(k.mean); dfree(k.rstd); dfree(k.dw); dfree(k.db); dfree(k.wte); dfree(k.dwte);
    dfree(k.row_lse); dfree(k.row_loss); dfree(k.targets);
    free(tg);
}

int main(int argc, char **argv) {
    int device = 0, bench = 0, ai;
    tt_cuda_options opt, small_opt, tf_opt;
    tt_backend small, tf;
    tt_status st;
    for (ai = 1; ai < argc; ai++) {
        if (strcmp(argv[ai], "--bench") == 0) bench = 1;
        else device = atoi(argv[ai]);
    }
    memset(&opt, 0, sizeof(opt));
    opt.logger.fn = logger;
#ifdef TT_CUDA_TEST_EMULATED
    printf("CPU emulation of CUDA (tests/cuda/emu): kernel logic only, not a GPU\n");
    if (0) {
#else
    if (system("nvidia-smi > /dev/null 2>&1") != 0) {
#endif
        /* what can be checked without a GPU: create fails cleanly */
        memset(&g_be, 0x55, sizeof(g_be));
        st = tt_cuda_backend_create(device, &opt, &g_be);
        if (st == TT_OK) {
            tt_cuda_backend_destroy(&g_be);
            printf("SKIP: no GPU (nvidia-smi failed), although a CUDA device was opened\n");
            return 0;
        }
        CHECK(st == TT_ERR_BACKEND || st == TT_ERR_INVALID_ARG, "create without a GPU: %s", tt_strerror(st));
        CHECK(g_be.ctx == NULL && g_be.gemm == NULL, "create without a GPU must zero the table");
        tt_cuda_backend_destroy(&g_be); /* zeroed table: no-op */
        if (g_fail) return 1;
        printf("SKIP: no GPU (nvidia-smi failed); tt_cuda_backend_create returned \"%s\" as it should\n",
               tt_strerror(st));
        return 0;
    }
    tt_rng_seed(&g_rng, 1234);
    st = tt_cuda_backend_create(device, &opt, &g_be);
    if (st != TT_OK) {
        printf("FAIL: tt_cuda_backend_create(%d): %s\n", device, tt_strerror(st));
        return 1;
    }
    CHECK(g_be.api_version == TT_BACKEND_API_VERSION, "api_version");
    printf("backend %s (fp32 GEMM)\n", g_be.name);
    test_buffers_and_errors(device);
    test_gemm(1e-4, "fp32");
    test_embed();
    test_layernorm(37, 200);
    test_layernorm(70, 1030);
    test_attention(2, 37, 48, 3);    /* hs 16: fewer columns than lanes */
    test_attention(1, 70, 160, 2);   /* hs 80, T over two key chunks */
    test_attention(1, 40, 288, 2);   /* hs 144: tiled forward, one-warp-per-row backward */
    test_attention(2, 35, 512, 2);   /* hs 256: one-warp-per-row kernels throughout */
    test_attention_cached();
    small_opt = opt;
    small_opt.workspace_bytes = 5 * 128 * sizeof(float) + 64; /* lm head: 5 rows of Vp = 128 */
    st = tt_cuda_backend_create(device, &small_opt, &small);
    CHECK(st == TT_OK, "create with a small workspace");
    test_lm_head(st == TT_OK ? &small : NULL);
    if (st == TT_OK) tt_cuda_backend_destroy(&small);
    test_stats_adamw();
    tf_opt = opt;
    tf_opt.tf32 = 1;
    st = tt_cuda_backend_create(device, &tf_opt, &tf);
    CHECK(st == TT_OK, "create with TF32");
    if (st == TT_OK) {
        tt_backend keep = g_be;
        g_be = tf;
        printf("backend %s (TF32 GEMM)\n", g_be.name);
        test_gemm(1e-2, "tf32");
        g_be = keep;
        tt_cuda_backend_destroy(&tf);
    }
    if (bench && !g_fail) run_bench(device);
    tt_cuda_backend_destroy(&g_be);
    tt_cuda_backend_destroy(&g_be); /* second destroy: no-op */
    if (g_fail) {
        printf("FAIL: %d check(s) failed\n", g_fail);
        return 1;
    }
    printf("OK: every CUDA backend op matches its CPU reference and is deterministic\n");
    return 0;
}
