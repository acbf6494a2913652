/* White-box test of the bf16 conversions and the bf16 GEMM
 * (tt_kern_bf16.c, tt_gemm_bf16.c) of this build.
 *
 * 1. fp32 -> bf16, scalar reference, against an independent rule worked
 *    out in double: every high half (65536) with low halves 0, 1, 0x7FFF,
 *    0x8000 (ties), 0x8001, 0xFFFF and two random ones: nearest bf16 with
 *    ties to even (overflow to inf), zero and denormals to signed zero,
 *    inf kept, NaN kept NaN (sign kept, quiet bit set).
 *    bf16 -> fp32 of all 65536 values: a few IEEE constants, and the round
 *    trip back to the same bf16 (except NaN payloads made quiet and
 *    denormals flushed).
 * 2. The vector conversions (_vec: AVX2 lanes, vcvtne2ps2bf16 with
 *    AVX512_BF16) give the bits of the scalar ones for all those inputs, at
 *    unaligned starts and odd lengths; the threaded tt__bf16_from_f32_n at
 *    1, 2, 3 threads the same bits.
 * 3. The GEMM against the scalar reference tt__gemm_bf16_scalar ("round A
 *    and B to bf16, then an fp32 GEMM, k increasing"), over odd shapes, the
 *    layouts of the training step (X W^T forward, dY W for dX, dY^T X for dW
 *    with accumulate) and a general strided one, B given in fp32 (rounded
 *    while packed) and as a bf16 copy, accumulate 0/1, 1..3 threads:
 *    - the bf16-copy B and the fp32 B give the same bits, and 1, 2, 3
 *      threads the same bits;
 *    - small-integer inputs: every sum exact, so C must equal the reference
 *      bitwise with every kernel;
 *    - random reals: the fp32 micro-kernel path (bf16 operands widened to
 *      fp32) must equal the reference bitwise (products of bf16 values are
 *      exact in fp32, so the fma chain in increasing k rounds as the
 *      reference's adds). The vdpbf16ps kernel adds each pair of products
 *      in the instruction's own order (Intel SDM VDPBF16PS: one product at
 *      a time in its pseudo-code's order, denormals flushed; SIMDe's x86-64
 *      emulation: the pair's sum first, then that to the accumulator), so
 *      there C and the reference are held to the order-independent bound
 *      |C - E| <= gamma_{K+1} S + (K+1) 2^-126,
 *      E = C0 + sum_k bf16(a) bf16(b) in double, S = |C0| + sum_k
 *      |bf16(a) bf16(b)|, gamma_n = n u / (1 - n u), u = 2^-24 (Higham,
 *      Accuracy and Stability, (3.5)); the 2^-126 term covers the
 *      instruction's flushing of denormal products and sums. The reference
 *      itself must meet the bound too, and inputs that were not rounded
 *      to bf16 would not (errors of ~2^-9 relative).
 *    - C outside the M x N block (ldc > N) is never written.
 * 4. The epilogue (bias + residual, GELU out, GELU backward) gives the bits
 *    of the product followed by the epilogue alone; rowsum_a the bits of a
 *    plain loop over the fp32 (unrounded) A; 1..3 threads.
 * The kernel the build runs is printed ("bf16 kernel: ..."; the make target
 * of the AVX512_BF16 build checks it). Nothing is timed. */
#define TINYTRAIN_IMPLEMENTATION
#define TT_GEMM_MIN_TASK_FLOPS 0 /* split even tiny products over the threads */
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 32);
}
static float rnd_int(int lim) { return (float)((int)(rnd() % (unsigned)(2 * lim + 1)) - lim); }
static float rnd_real(void) { return (float)((double)rnd() / 4294967296.0 * 2.0 - 1.0); }
static float from_bits(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static uint32_t bits_of(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }

static int n_fail = 0;
#define CHECK(cond, ...) do { if (!(cond)) { n_fail++; if (n_fail < 20) { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); } } } while (0)

typedef struct { tt__exec ex; void *pool; } test_exec;
static void exec_init(test_exec *t, int n) {
    memset(t, 0, sizeof(*t));
    t->ex.n_threads = n;
    t->ex.scratch_floats = tt__gemm_scratch_floats();
    t->ex.scratch = t->ex.scratch_floats ? (float *)malloc(n * t->ex.scratch_floats * sizeof(float)) : NULL;
    if (n > 1) {
        t->pool = malloc(tt__pool_size(n));
        if (!t->pool || tt__pool_start((tt__pool *)t->pool, n) != TT_OK) { printf("FAIL: pool\n"); exit(1); }
        t->ex.par.parallel_for = tt__pool_parallel_for;
        t->ex.par.pool = t->pool;
    }
}
static void exec_free(test_exec *t) {
    if (t->pool) { tt__pool_stop((tt__pool *)t->pool); free(t->pool); }
    free(t->ex.scratch);
}

/* ---- 1, 2: conversions ---- */
/* the bf16 the rounding rule asks for, worked out in double */
static uint16_t expect_bf16(uint32_t u) {
    float x = from_bits(u);
    uint16_t hi = (uint16_t)(u >> 16);
    double ax, lo, up;
    if (x == 0.0f || fpclassify(x) == FP_SUBNORMAL) return (uint16_t)(hi & 0x8000u);
    if (isinf(x)) return hi;
    ax = fabs((double)x);
    lo = fabs((double)from_bits((uint32_t)hi << 16));                      /* toward zero */
    up = (hi & 0x7FFFu) == 0x7F7Fu ? ldexp(1.0, 128)                       /* past the largest: 2^128 = inf */
                                   : fabs((double)from_bits((uint32_t)(hi + 1u) << 16));
    if (ax - lo < up - ax) return hi;
    if (ax - lo > up - ax) return (uint16_t)(hi + 1u);
    return (hi & 1u) ? (uint16_t)(hi + 1u) : hi;                           /* tie: even */
}
static void test_convert(void) {
    static const uint32_t lows[8] = {0u, 1u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu, 0u, 0u};
    size_t n = 65536u * 8u, i, bad = 0, bad_vec = 0;
    float *x = (float *)malloc(n * sizeof(float)), *y = (float *)malloc(n * sizeof(float));
    float *z = (float *)malloc(n * sizeof(float));
    uint16_t *hs = (uint16_t *)malloc(n * 2), *hv = (uint16_t *)malloc(n * 2);
    uint16_t *all = (uint16_t *)malloc(65536 * 2);
    int t;
    for (i = 0; i < n; i++) {
        uint32_t lo = lows[i % 8];
        if (i % 8 >= 6) lo = rnd() & 0xFFFFu;
        x[i] = from_bits((uint32_t)(i / 8) << 16 | lo);
    }
    /* 1: scalar reference against the rule */
    for (i = 0; i < n; i++) {
        uint16_t h = tt__bf16_from_f32(x[i]);
        float back = tt__f32_from_bf16(h);
        if (isnan(x[i])) {
            if (!isnan(back) || (h & 0x8000u) != (bits_of(x[i]) >> 16 & 0x8000u) || !(h & 0x0040u)) {
                bad++;
                if (bad < 5) printf("NaN %08x -> %04x\n", (unsigned)bits_of(x[i]), (unsigned)h);
            }
        } else if (h != expect_bf16(bits_of(x[i]))) {
            bad++;
            if (bad < 5) printf("%08x -> %04x, expected %04x\n", (unsigned)bits_of(x[i]), (unsigned)h,
                                (unsigned)expect_bf16(bits_of(x[i])));
        }
    }
    CHECK(bad == 0, "fp32 -> bf16 reference: %lu of %lu inputs break the rounding rule", (unsigned long)bad,
          (unsigned long)n);
    CHECK(tt__f32_from_bf16(0x3F80u) == 1.0f && tt__f32_from_bf16(0xC000u) == -2.0f &&
          isinf(tt__f32_from_bf16(0x7F80u)) && tt__f32_from_bf16(0x0000u) == 0.0f &&
          bits_of(tt__f32_from_bf16(0x8000u)) == 0x80000000u, "bf16 -> fp32 constants");
    for (i = 0, bad = 0; i < 65536; i++) {
        uint16_t h = (uint16_t)i, back = tt__bf16_from_f32(tt__f32_from_bf16(h));
        int nan = (h & 0x7F80u) == 0x7F80u && (h & 0x7Fu), den = (h & 0x7F80u) == 0;
        all[i] = h;
        if (nan ? back != (h | 0x0040u) : den ? back != (h & 0x8000u) : back != h) bad++;
    }
    CHECK(bad == 0, "bf16 round trip: %lu of 65536 differ", (unsigned long)bad);
    /* 2: vector versions, whole array and an unaligned odd-length slice */
    tt__bf16_from_f32_scalar(hs, x, n);
    tt__bf16_from_f32_vec(hv, x, n);
    for (i = 0; i < n; i++) bad_vec += hs[i] != hv[i];
    memset(hv, 0, n * 2);
    tt__bf16_from_f32_vec(hv + 3, x + 3, n - 3 - 5);
    for (i = 3; i < n - 5; i++) bad_vec += hs[i] != hv[i];
    bad_vec += hv[0] || hv[1] || hv[2] || hv[n - 1] || hv[n - 5];
    CHECK(bad_vec == 0, "tt__bf16_from_f32_vec: %lu differ from the scalar version", (unsigned long)bad_vec);
    tt__bf16_to_f32_scalar(y, all, 65536);
    tt__bf16_to_f32_vec(z, all, 65536);
    for (i = 0, bad = 0; i < 65536; i++) bad += bits_of(y[i]) != bits_of(z[i]);
    tt__bf16_to_f32_vec(z + 1, all + 1, 65536 - 8);
    for (i = 1; i < 65536 - 7; i++) bad += bits_of(y[i]) != bits_of(z[i]);
    CHECK(bad == 0, "tt__bf16_to_f32_vec: %lu differ from the scalar version", (unsigned long)bad);
    memcpy(y, x, n * sizeof(float));
    memcpy(z, x, n * sizeof(float));
    tt__bf16_round_scalar(y, n);
    tt__bf16_round_vec(z + 1, n - 2);
    for (i = 0, bad = 0; i < n; i++) {
        uint32_t want = (i == 0 || i == n - 1) ? bits_of(x[i]) : (uint32_t)hs[i] << 16;
        bad += bits_of(z[i]) != want || (i > 0 && i < n - 1 && bits_of(y[i]) != want);
    }
    CHECK(bad == 0, "tt__bf16_round_vec/_scalar: %lu wrong", (unsigned long)bad);
    for (t = 1; t <= 3; t++) {
        test_exec te;
        exec_init(&te, t);
        memset(hv, 0, n * 2);
        tt__bf16_from_f32_n(&te.ex, hv, x, n - 1);
        for (i = 0, bad = 0; i < n - 1; i++) bad += hs[i] != hv[i];
        CHECK(bad == 0 && hv[n - 1] == 0, "tt__bf16_from_f32_n at %d threads: %lu differ", t, (unsigned long)bad);
        exec_free(&te);
    }
    printf("conversions: %lu fp32 inputs and all 65536 bf16 checked\n", (unsigned long)n);
    free(x); free(y); free(z); free(hs); free(hv); free(all);
}

/* ---- 3, 4: the GEMM ---- */
enum { PAT_XWT, PAT_DYW, PAT_DYTX, PAT_GENERAL, PAT_COUNT };
static const char *pat_name[PAT_COUNT] = {"X W^T", "dY W", "dY^T X", "general"};
typedef struct {
    int M, N, K;
    float *a, *b;
    uint16_t *bh;     /* b converted to bf16 (same layout) */
    ptrdiff_t rsa, csa, rsb, csb, ldc;
} prob;
static void prob_make(prob *p, int M, int N, int K, int pat, int exact) {
    size_t na, nb, i;
    p->M = M; p->N = N; p->K = K;
    switch (pat) {
    case PAT_XWT:  p->rsa = K; p->csa = 1; p->rsb = 1; p->csb = K; break;
    case PAT_DYW:  p->rsa = K; p->csa = 1; p->rsb = N; p->csb = 1; break;
    case PAT_DYTX: p->rsa = 1; p->csa = M; p->rsb = N; p->csb = 1; break;
    default:       p->rsa = 2; p->csa = 2 * M + 1; p->rsb = 3; p->csb = 3 * K + 2; break;
    }
    na = (size_t)(M - 1) * p->rsa + (size_t)(K - 1) * p->csa + 1;
    nb = (size_t)(K - 1) * p->rsb + (size_t)(N - 1) * p->csb + 1;
    p->a = (float *)malloc(na * sizeof(float));
    p->b = (float *)malloc(nb * sizeof(float));
    p->bh = (uint16_t *)malloc(nb * sizeof(uint16_t));
    for (i = 0; i < na; i++) p->a[i] = exact ? rnd_int(4) : rnd_real();
    for (i = 0; i < nb; i++) p->b[i] = exact ? rnd_int(4) : rnd_real();
    tt__bf16_from_f32_n(NULL, p->bh, p->b, nb);
    p->ldc = N + 3;
}
static void prob_free(prob *p) { free(p->a); free(p->b); free(p->bh); }
#define SENTINEL 12345.5f
static float *c_make(const prob *p, int exact) {
    size_t n = (size_t)p->M * p->ldc, i;
    float *c = (float *)malloc(n * sizeof(float));
    for (i = 0; i < n; i++) c[i] = (int)(i % p->ldc) >= p->N ? SENTINEL : (exact ? rnd_int(8) : rnd_real());
    return c;
}
static float *c_copy(const prob *p, const float *c) {
    float *d = (float *)malloc((size_t)p->M * p->ldc * sizeof(float));
    memcpy(d, c, (size_t)p->M * p->ldc * sizeof(float));
    return d;
}
static void run(const prob *p, const tt__exec *ex, float *c, int acc, int use_bh, const tt__gemm_epi *epi,
                float *rowsum) {
    tt__gemm_bf16_ex(ex, p->M, p->N, p->K, p->a, p->rsa, p->csa, use_bh ? NULL : p->b, use_bh ? p->bh : NULL,
                     p->rsb, p->csb, c, p->ldc, acc, epi, rowsum);
}
static int same_bits(const prob *p, const float *x, const float *y) {
    return memcmp(x, y, (size_t)p->M * p->ldc * sizeof(float)) == 0;
}
static int pad_intact(const prob *p, const float *c) {
    int i, j;
    for (i = 0; i < p->M; i++)
        for (j = p->N; j < p->ldc; j++)
            if (c[(size_t)i * p->ldc + j] != SENTINEL) return 0;
    return 1;
}
/* elements of c outside |c - E| <= gamma_{K+1} S + (K+1) 2^-126; *ratio:
 * the largest |c - E| / (sqrt(K+1) u S) seen (information) */
static long outside_bound(const prob *p, const float *c0, const float *c, int acc, double *ratio) {
    const double u = ldexp(1.0, -24);
    double g = (p->K + 1) * u / (1.0 - (p->K + 1) * u), tiny = (p->K + 1) * ldexp(1.0, -126);
    long bad = 0;
    int i, j, k;
    for (i = 0; i < p->M; i++)
        for (j = 0; j < p->N; j++) {
            double e = acc ? c0[(size_t)i * p->ldc + j] : 0.0, s = fabs(e), err;
            for (k = 0; k < p->K; k++) {
                double x = (double)tt__bf16_round(p->a[i * p->rsa + k * p->csa]) *
                           (double)tt__bf16_round(p->b[k * p->rsb + j * p->csb]);
                e += x;
                s += fabs(x);
            }
            err = fabs((double)c[(size_t)i * p->ldc + j] - e);
            if (err > g * s + tiny) bad++;
            if (s > 0 && err / (sqrt(p->K + 1.0) * u * s) > *ratio) *ratio = err / (sqrt(p->K + 1.0) * u * s);
        }
    return bad;
}

static const int Ms[] = {1, 5, 6, 7, 13, 70};
static const int Ns[] = {1, 8, 15, 16, 17, 64, 65, 130};
static const int Ks[] = {1, 2, 3, 7, 17, 64, 513, 1025};

static void test_gemm(test_exec *exs) {
    size_t im, in, ik;
    int pat, iter = 0;
    long n_cases = 0, n_bitwise = 0, n_ref_bad = 0;
    double ratio = 0.0, ratio_ref = 0.0;
    for (pat = 0; pat < PAT_COUNT; pat++)
    for (im = 0; im < sizeof(Ms) / sizeof(Ms[0]); im++)
    for (in = 0; in < sizeof(Ns) / sizeof(Ns[0]); in++)
    for (ik = 0; ik < sizeof(Ks) / sizeof(Ks[0]); ik++, iter++) {
        prob p;
        int exact = iter % 3 == 0, acc = pat == PAT_DYTX ? 1 : (iter >> 1) & 1, same;
        float *c0, *ref, *cf, *ch, *c2;
        prob_make(&p, Ms[im], Ns[in], Ks[ik], pat, exact);
        c0 = c_make(&p, exact);
        ref = c_copy(&p, c0); cf = c_copy(&p, c0); ch = c_copy(&p, c0); c2 = c_copy(&p, c0);
        tt__gemm_bf16_scalar(p.M, p.N, p.K, p.a, p.rsa, p.csa, p.b, NULL, p.rsb, p.csb, ref, p.ldc, acc);
        run(&p, &exs[0].ex, cf, acc, 0, NULL, NULL);           /* fp32 B, 1 thread */
        run(&p, &exs[2].ex, ch, acc, 1, NULL, NULL);           /* bf16 B, 3 threads */
        run(&p, &exs[1].ex, c2, acc, iter & 1, NULL, NULL);    /* 2 threads */
        CHECK(same_bits(&p, cf, ch) && same_bits(&p, cf, c2),
              "%s M=%d N=%d K=%d acc=%d: fp32 B / bf16 B / 1, 2, 3 threads differ", pat_name[pat], p.M, p.N, p.K, acc);
        CHECK(pad_intact(&p, cf) && pad_intact(&p, ch) && pad_intact(&p, ref), "%s M=%d N=%d K=%d: wrote past N",
              pat_name[pat], p.M, p.N, p.K);
        same = same_bits(&p, cf, ref);
        n_cases++;
        n_bitwise += same;
        if (exact || !TT__BGEMM_DPBF16) {
            CHECK(same, "%s M=%d N=%d K=%d acc=%d %s: not the reference's bits", pat_name[pat], p.M, p.N, p.K, acc,
                  exact ? "integers" : "reals");
        } else {
            long b = outside_bound(&p, c0, cf, acc, &ratio);
            CHECK(b == 0, "%s M=%d N=%d K=%d acc=%d: %ld elements outside the bound", pat_name[pat], p.M, p.N, p.K,
                  acc, b);
        }
        if (!exact && iter % 5 == 1) n_ref_bad += outside_bound(&p, c0, ref, acc, &ratio_ref);
        prob_free(&p);
        free(c0); free(ref); free(cf); free(ch); free(c2);
    }
    CHECK(n_ref_bad == 0, "the scalar reference breaks the bound in %ld elements", n_ref_bad);
    printf("gemm: %ld products, %ld with the reference's bits", n_cases, n_bitwise);
    if (TT__BGEMM_DPBF16) printf("; max |C - E| / (sqrt(K+1) u S): %.3f (reference %.3f)", ratio, ratio_ref);
    printf("\n");
}

static void test_epilogue(test_exec *exs) {
    static const int shapes[][3] = {{7, 65, 33}, {13, 130, 64}, {150, 17, 7}, {1, 200, 513}};
    size_t s;
    int pat, t;
    for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
    for (pat = 0; pat < PAT_COUNT; pat++) {
        prob p;
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], acc = pat == PAT_DYTX, i, j, k;
        float *bias = (float *)malloc(N * sizeof(float)), *res, *x, *gout_ref, *gout, *c0, *plain, *rs_ref, *rs;
        tt__gemm_epi e;
        prob_make(&p, M, N, K, pat, 0);
        res = (float *)malloc((size_t)M * N * sizeof(float));
        x = (float *)malloc((size_t)M * N * sizeof(float));
        gout_ref = (float *)malloc((size_t)M * N * sizeof(float));
        gout = (float *)malloc((size_t)M * N * sizeof(float));
        rs_ref = (float *)malloc(M * sizeof(float));
        rs = (float *)malloc(M * sizeof(float));
        for (j = 0; j < N; j++) bias[j] = rnd_real();
        for (i = 0; i < M * N; i++) { res[i] = rnd_real(); x[i] = 3.0f * rnd_real(); }
        c0 = c_make(&p, 0);
        memset(&e, 0, sizeof e);
        if (pat == PAT_DYW) { e.gelu_bwd_x = x; e.ldx = N; }          /* dX of the MLP's fc_proj */
        else { e.bias = bias; e.res = pat == PAT_XWT ? res : NULL; e.ldr = N; e.gelu_out = gout; e.ldg = N; }
        /* the product alone, then the epilogue alone (K = 0, accumulate) */
        plain = c_copy(&p, c0);
        run(&p, &exs[0].ex, plain, acc, 0, NULL, NULL);
        memset(gout_ref, 0, (size_t)M * N * sizeof(float));
        if (e.gelu_out) e.gelu_out = gout_ref;
        tt__gemm_ex(&exs[0].ex, M, N, 0, NULL, 0, 0, NULL, 0, 0, NULL, plain, p.ldc, 1, &e, NULL);
        if (e.gelu_out) e.gelu_out = gout;
        for (i = 0; i < M; i++) {
            rs_ref[i] = (float)i;
            for (k = 0; k < K; k++) rs_ref[i] += p.a[i * p.rsa + k * p.csa];
        }
        for (t = 0; t < 3; t++) {
            float *c = c_copy(&p, c0);
            memset(gout, 0, (size_t)M * N * sizeof(float));
            for (i = 0; i < M; i++) rs[i] = (float)i;
            run(&p, &exs[t].ex, c, acc, t == 1, &e, rs);
            CHECK(same_bits(&p, c, plain), "epilogue %s M=%d N=%d K=%d, %d threads: C differs", pat_name[pat], M, N, K,
                  t + 1);
            CHECK(!e.gelu_out || memcmp(gout, gout_ref, (size_t)M * N * sizeof(float)) == 0,
                  "epilogue %s M=%d N=%d K=%d, %d threads: gelu_out differs", pat_name[pat], M, N, K, t + 1);
            CHECK(memcmp(rs, rs_ref, M * sizeof(float)) == 0, "rowsum_a %s M=%d N=%d K=%d, %d threads differs",
                  pat_name[pat], M, N, K, t + 1);
            free(c);
        }
        prob_free(&p);
        free(bias); free(res); free(x); free(gout_ref); free(gout); free(c0); free(plain); free(rs_ref); free(rs);
    }
    printf("epilogue and rowsum_a: fused equals the separate pass, 1..3 threads\n");
}

/* --dump FILE: the conversion inputs of test_convert (n uint32 fp32 bit
 * patterns) then their bf16 (n uint16), both little-endian host order, for
 * tests/kernels/bf16_torch_check.py (PyTorch's rounding as the reference) */
static int dump(const char *path) {
    size_t n = 65536u * 8u, i;
    uint32_t *u = (uint32_t *)malloc(n * 4);
    uint16_t *h = (uint16_t *)malloc(n * 2);
    FILE *f = fopen(path, "wb");
    int ok;
    static const uint32_t lows[6] = {0u, 1u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu};
    for (i = 0; i < n; i++) {
        u[i] = (uint32_t)(i / 8) << 16 | (i % 8 < 6 ? lows[i % 8] : (rnd() & 0xFFFFu));
        h[i] = tt__bf16_from_f32(from_bits(u[i]));
    }
    ok = f && fwrite(u, 4, n, f) == n && fwrite(h, 2, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    free(u); free(h);
    if (!ok) { printf("FAIL: cannot write %s\n", path); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    test_exec exs[3];
    int t;
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) return dump(argv[2]);
    (void)argv;
    printf("bf16 kernel: %s\n", tt__gemm_bf16_kernel_name());
    test_convert();
    for (t = 0; t < 3; t++) exec_init(&exs[t], t + 1);
    test_gemm(exs);
    test_epilogue(exs);
    for (t = 0; t < 3; t++) exec_free(&exs[t]);
    if (n_fail) { printf("test_gemm_bf16: %d FAILED\n", n_fail); return 1; }
    printf("test_gemm_bf16: all passed\n");
    return 0;
}
