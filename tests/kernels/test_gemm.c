/* White-box test of tt__gemm (the SIMD packed GEMM of this build, or the
 * threaded scalar path under TT_SIMD_WIDTH=1) against tt__gemm_scalar.
 *
 * 1. Exact: small-integer inputs (|a|,|b| <= 4, |C0| <= 8) make every partial
 *    sum an integer below 2^24, so fp32 arithmetic is exact in any order and
 *    with or without FMA: the result must equal the scalar reference bitwise.
 *    This catches every packing / indexing / edge-tile / K-block bug, for all
 *    stride patterns, edge shapes, accumulate 0/1 and 1..4 threads.
 * 2. Error bound: random reals; |C - C_exact| <= gamma_{K+1} (|C0| + sum_k
 *    |a_ik||b_kj|) with gamma_n = n u / (1 - n u), u = 2^-24 (Higham, Accuracy
 *    and Stability, Thm 3.1/(3.5)): it holds for any summation order, FMA or
 *    not, so a correct kernel can never fail it. C_exact is computed in double.
 *    The typical error is far smaller; the max of |err| / (sqrt(K) u S) is
 *    printed for information.
 * 3. Determinism: random reals, the same product with 1, 2, 3, 4 threads (and
 *    the task grids they imply) must be bitwise identical.
 * 4. C outside the M x N block (ldc > N) is never written.
 * 5. B packed ahead (tt__gemm_pack_b, tt__gemm_pk): the same bits as packing
 *    inside the product, for every case above; the packing stays in
 *    tt__gemm_packed_floats.
 * 7. With more than one thread the exec has a shared buffer: row-split
 *    products pack B once into it for all threads (all checks above cover it).
 * 6. The epilogue (bias, residual, GELU, GELU backward) gives the bits of the product
 *    followed by the separate passes, at 1..4 threads; rowsum_a (the bias
 *    gradient summed during packing) the bits of a plain loop over k.
 * 8. The micro-kernel alone (SIMD builds): the bits of a plain fmaf chain in
 *    increasing k (its contract in tt_kern.h), for kc 1..70 and 300, with
 *    and without loading C, and nothing written past its MR x NR tile. At
 *    width 8 both 6x16 implementations are checked (the inline asm one where
 *    it is built, and its intrinsics twin); the name of the kernel the build
 *    runs is printed ("micro-kernel: ...", which test-noasm checks).
 * Build with -DTT_SIMD_WIDTH=16 on a machine without AVX-512: prints SKIP.
 * `test_gemm quick` (for emulated runs, e.g. qemu-user): the same checks on
 * smaller products (still more than one MC block, K block and NC block) at
 * 1 and 3 threads: in part 1 K up to 513 and M = 150 only with N <= 17; no
 * 150 x 2100 x 700 epilogue.
 * `test_gemm bits`: only prints a CRC-32 of C for a fixed set of products
 * (every operand pattern, K blocks, the GELU epilogue; 2 threads), so that
 * two builds can be compared with cmp: widths 4, 8 and 16 run the same
 * fmaf chains and must print the same lines (make test-neon). */
#define TINYTRAIN_IMPLEMENTATION
#define TT_GEMM_MIN_TASK_FLOPS 0 /* split even tiny products over the threads */
#define TT_GEMM_SPLIT 4          /* and cut them into up to 4 blocks per thread, claimed dynamically */
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

static unsigned long long rng_state = 88172645463325252ULL;
static unsigned rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 32);
}
static float rnd_int(int lim) { return (float)((int)(rnd() % (unsigned)(2 * lim + 1)) - lim); }
static float rnd_real(void) { return (float)((double)rnd() / 4294967296.0 * 2.0 - 1.0); }

static int n_fail = 0;
static int quick = 0; /* `test_gemm quick` */
static long n_differ_from_scalar = 0;
#define CHECK(cond, ...) do { if (!(cond)) { n_fail++; if (n_fail < 20) { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); } } } while (0)

/* an exec with the built-in pool (n > 1) and the GEMM scratch */
typedef struct { tt__exec ex; void *pool; float *shared_raw; } test_exec;
static void exec_init(test_exec *t, int n) {
    memset(t, 0, sizeof(*t));
    t->ex.n_threads = n;
    t->ex.scratch_floats = tt__gemm_scratch_floats();
    t->ex.scratch = t->ex.scratch_floats ? (float *)malloc(n * t->ex.scratch_floats * sizeof(float)) : NULL;
    /* the shared packed B (as the model gives its exec): large enough for
     * most shapes here, so row-split products pack B once for all threads */
    t->ex.shared_floats = n > 1 ? 400000 : 0;
    t->shared_raw = t->ex.shared_floats ? (float *)malloc((t->ex.shared_floats + 16) * sizeof(float)) : NULL;
    t->ex.shared = t->shared_raw ? (float *)(((uintptr_t)t->shared_raw + 63) & ~(uintptr_t)63) : NULL;
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
    free(t->shared_raw);
}

/* the operand layouts the model uses, plus a general strided one */
enum { PAT_XWT, PAT_DYW, PAT_DYTX, PAT_GENERAL, PAT_COUNT };
static const char *pat_name[PAT_COUNT] = {"X W^T", "dY W", "dY^T X", "general"};
typedef struct {
    int M, N, K, pat;
    float *a, *b;         /* storage */
    ptrdiff_t rsa, csa, rsb, csb, ldc;
} prob;
static void prob_make(prob *p, int M, int N, int K, int pat, int exact) {
    size_t na, nb, i;
    p->M = M; p->N = N; p->K = K; p->pat = pat;
    switch (pat) {
    case PAT_XWT:  p->rsa = K; p->csa = 1; p->rsb = 1; p->csb = K; break;      /* X (M,K), W (N,K) */
    case PAT_DYW:  p->rsa = K; p->csa = 1; p->rsb = N; p->csb = 1; break;      /* dY (M,K), W (K,N) */
    case PAT_DYTX: p->rsa = 1; p->csa = M; p->rsb = N; p->csb = 1; break;      /* dY (K,M), X (K,N) */
    default:       p->rsa = 2; p->csa = 2 * M + 1; p->rsb = 3; p->csb = 3 * K + 2; break;
    }
    na = (size_t)(M - 1) * p->rsa + (size_t)(K - 1) * p->csa + 1;
    nb = (size_t)(K - 1) * p->rsb + (size_t)(N - 1) * p->csb + 1;
    p->a = (float *)malloc(na * sizeof(float));
    p->b = (float *)malloc(nb * sizeof(float));
    for (i = 0; i < na; i++) p->a[i] = exact ? rnd_int(4) : rnd_real();
    for (i = 0; i < nb; i++) p->b[i] = exact ? rnd_int(4) : rnd_real();
    p->ldc = N + 3;
}
static void prob_free(prob *p) { free(p->a); free(p->b); }
#define SENTINEL 12345.5f
#define SENTINEL_PK -777.25f

static float *c_make(const prob *p, int exact) {
    size_t n = (size_t)p->M * p->ldc, i;
    float *c = (float *)malloc(n * sizeof(float));
    for (i = 0; i < n; i++) c[i] = (int)(i % p->ldc) >= p->N ? SENTINEL : (exact ? rnd_int(8) : rnd_real());
    return c;
}
static void run(const prob *p, const tt__exec *ex, float *c, int acc) {
    tt__gemm(ex, p->M, p->N, p->K, p->a, p->rsa, p->csa, p->b, p->rsb, p->csb, c, p->ldc, acc);
}
/* the same product with B packed ahead (tt__gemm_pack_b + tt__gemm_pk):
 * must give the bits of run(); checks the packing stays in its floats */
static void run_pk(const prob *p, const tt__exec *ex, float *c, int acc) {
    size_t np = tt__gemm_packed_floats(p->K, p->N), i;
    float *raw = (float *)malloc((np + 16 + 64) * sizeof(float));
    float *pk = (float *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
    for (i = 0; i < np + 48; i++) pk[i] = SENTINEL_PK;
    tt__gemm_pack_b(ex, p->K, p->N, p->b, p->rsb, p->csb, pk);
    for (i = np; i < np + 48; i++) CHECK(pk[i] == SENTINEL_PK, "tt__gemm_pack_b wrote past its floats");
    tt__gemm_pk(ex, p->M, p->N, p->K, p->a, p->rsa, p->csa, p->b, p->rsb, p->csb, np ? pk : NULL, c, p->ldc, acc);
    free(raw);
}
static int pad_intact(const prob *p, const float *c) {
    int i, j;
    for (i = 0; i < p->M; i++)
        for (j = p->N; j < p->ldc; j++)
            if (c[(size_t)i * p->ldc + j] != SENTINEL) return 0;
    return 1;
}

static const int Ms[] = {1, 5, 6, 7, 13, 150};
static const int Ns[] = {1, 8, 15, 16, 17, 63, 64, 65, 130};
static const int Ks[] = {1, 2, 3, 7, 17, 64, 513, 1100};

/* 1 + 4: exact comparison against the scalar reference */
static void test_exact(test_exec *exs) {
    size_t im, in, ik;
    int pat, acc, t;
    for (pat = 0; pat < PAT_COUNT; pat++)
    for (im = 0; im < sizeof(Ms) / sizeof(Ms[0]); im++)
    for (in = 0; in < sizeof(Ns) / sizeof(Ns[0]); in++)
    for (ik = 0; ik < sizeof(Ks) / sizeof(Ks[0]); ik++) {
        prob p;
        float *c0, *ref, *c;
        size_t n;
        if (Ks[ik] > 100 && (Ms[im] * Ns[in] > 2000 || pat == PAT_GENERAL)) continue; /* keep it quick */
        if (quick && (Ks[ik] > 600 || (Ks[ik] > 100 && Ms[im] * Ns[in] > 300) || (Ms[im] > 100 && Ns[in] > 17))) continue;
        prob_make(&p, Ms[im], Ns[in], Ks[ik], pat, 1);
        c0 = c_make(&p, 1);
        n = (size_t)p.M * p.ldc;
        ref = (float *)malloc(n * sizeof(float));
        c = (float *)malloc(n * sizeof(float));
        for (acc = 0; acc <= 1; acc++) {
            memcpy(ref, c0, n * sizeof(float));
            tt__gemm_scalar(p.M, p.N, p.K, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, ref, p.ldc, acc);
            for (t = 0; t < 4; t += quick ? 2 : 1) {
                memcpy(c, c0, n * sizeof(float));
                run(&p, &exs[t].ex, c, acc);
                CHECK(memcmp(c, ref, n * sizeof(float)) == 0, "exact %s M=%d N=%d K=%d acc=%d threads=%d",
                      pat_name[pat], p.M, p.N, p.K, acc, t + 1);
                CHECK(pad_intact(&p, c), "wrote past N: %s M=%d N=%d K=%d", pat_name[pat], p.M, p.N, p.K);
                memcpy(c, c0, n * sizeof(float));
                run_pk(&p, &exs[t].ex, c, acc);
                CHECK(memcmp(c, ref, n * sizeof(float)) == 0, "exact, B packed ahead: %s M=%d N=%d K=%d acc=%d threads=%d",
                      pat_name[pat], p.M, p.N, p.K, acc, t + 1);
                CHECK(pad_intact(&p, c), "wrote past N (B packed ahead)");
            }
        }
        free(c0); free(ref); free(c); prob_free(&p);
    }
}

/* 2 + 3: error bound against double, bitwise equality across thread counts */
static void test_real(test_exec *exs, int M, int N, int K, int pat, double *worst) {
    prob p;
    float *c0, *c[4];
    size_t n;
    int i, j, k, t, acc = K % 2; /* both modes over the shape list */
    double u = 1.0 / 16777216.0, gam = (K + 1) * u / (1.0 - (K + 1) * u);
    prob_make(&p, M, N, K, pat, 0);
    c0 = c_make(&p, 0);
    n = (size_t)M * p.ldc;
    for (t = 0; t < 4; t++) c[t] = NULL;
    for (t = 0; t < 4; t += quick ? 2 : 1) {
        c[t] = (float *)malloc(n * sizeof(float));
        memcpy(c[t], c0, n * sizeof(float));
        run(&p, &exs[t].ex, c[t], acc);
        if (t) CHECK(memcmp(c[t], c[0], n * sizeof(float)) == 0, "threads=%d differs from 1: %s M=%d N=%d K=%d",
                     t + 1, pat_name[pat], M, N, K);
    }
    for (t = 0; t < 4; t += quick ? 2 : 1) {
        float *cp = (float *)malloc(n * sizeof(float));
        memcpy(cp, c0, n * sizeof(float));
        run_pk(&p, &exs[t].ex, cp, acc);
        CHECK(memcmp(cp, c[0], n * sizeof(float)) == 0, "B packed ahead, threads=%d differs: %s M=%d N=%d K=%d",
              t + 1, pat_name[pat], M, N, K);
        free(cp);
    }
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            double s = acc ? c0[(size_t)i * p.ldc + j] : 0.0, sa = fabs(s), err;
            for (k = 0; k < K; k++) {
                double x = (double)p.a[i * p.rsa + k * p.csa] * p.b[k * p.rsb + j * p.csb];
                s += x; sa += fabs(x);
            }
            err = fabs(c[0][(size_t)i * p.ldc + j] - s);
            CHECK(err <= gam * sa, "bound %s M=%d N=%d K=%d (%d,%d): err %g > %g", pat_name[pat], M, N, K, i, j,
                  err, gam * sa);
            if (sa > 0 && err / (sqrt((double)K + 1) * u * sa) > *worst) *worst = err / (sqrt((double)K + 1) * u * sa);
        }
    CHECK(pad_intact(&p, c[0]), "wrote past N (real)");
    /* the scalar reference rounds a*b and the add separately, the SIMD
     * kernels fuse them: count the differences to show which path ran */
    {
        float *r = (float *)malloc(n * sizeof(float));
        memcpy(r, c0, n * sizeof(float));
        tt__gemm_scalar(M, N, K, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, r, p.ldc, acc);
        for (i = 0; i < (int)n; i++) n_differ_from_scalar += r[i] != c[0][i];
        free(r);
    }
    for (t = 0; t < 4; t++) free(c[t]);
    free(c0); prob_free(&p);
}

/* 6: the epilogue (bias, residual, GELU) fused into the product gives the
 * bits of the product followed by the separate passes it replaces, for every
 * thread count, grid, edge tile and K blocking */
static void test_epilogue(test_exec *exs, int M, int N, int K, int pat) {
    prob p;
    float *c0, *ref, *gref, *c, *gout, *bias, *res, *rs0, *rsum, *rsref;
    size_t n, i;
    int t, mode, r, j;
    prob_make(&p, M, N, K, pat, 0);
    c0 = c_make(&p, 0);
    n = (size_t)M * p.ldc;
    ref = (float *)malloc(n * sizeof(float)); gref = (float *)malloc(n * sizeof(float));
    c = (float *)malloc(n * sizeof(float)); gout = (float *)malloc(n * sizeof(float));
    bias = (float *)malloc((size_t)N * sizeof(float)); res = (float *)malloc(n * sizeof(float));
    for (j = 0; j < N; j++) bias[j] = rnd_real();
    /* rowsum_a: rs0 + sum_k A(i,k) in k order, as a plain loop */
    rs0 = (float *)malloc((size_t)M * sizeof(float)); rsum = (float *)malloc((size_t)M * sizeof(float));
    rsref = (float *)malloc((size_t)M * sizeof(float));
    for (r = 0; r < M; r++) {
        int k;
        rs0[r] = rsref[r] = rnd_real();
        for (k = 0; k < K; k++) rsref[r] += p.a[r * p.rsa + k * p.csa];
    }
    for (i = 0; i < n; i++) res[i] = 3.0f * rnd_real();
    for (mode = 0; mode < 5; mode++) { /* bias; bias + res; bias + gelu; res; gelu backward at x = res */
        tt__gemm_epi e;
        memset(&e, 0, sizeof(e));
        e.bias = mode == 3 || mode == 4 ? NULL : bias; e.res = mode == 1 || mode == 3 ? res : NULL; e.ldr = p.ldc;
        e.gelu_out = mode == 2 ? gout : NULL; e.ldg = p.ldc;
        e.gelu_bwd_x = mode == 4 ? res : NULL; e.ldx = p.ldc;
        memcpy(ref, c0, n * sizeof(float));
        run(&p, &exs[0].ex, ref, 0);
        for (r = 0; r < M; r++) {
            float *y = ref + (size_t)r * p.ldc;
            const float *x = res + (size_t)r * p.ldc;
            if (e.bias || e.res)
                for (j = 0; j < N; j++) y[j] = e.bias && e.res ? y[j] + (bias[j] + x[j]) : e.bias ? y[j] + bias[j] : y[j] + x[j];
            if (e.gelu_out) tt__gelu_fwd(&exs[0].ex, gref + (size_t)r * p.ldc, y, 0, (size_t)N);
            if (e.gelu_bwd_x) tt__gelu_bwd(&exs[0].ex, y, y, x, 0, (size_t)N);
        }
        for (t = 0; t < 4; t += quick ? 2 : 1) {
            int bad = 0;
            memcpy(c, c0, n * sizeof(float));
            for (r = 0; r < M; r++) rsum[r] = rs0[r];
            tt__gemm_ex(&exs[t].ex, M, N, K, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, NULL, c, p.ldc, 0, &e, rsum);
            CHECK(memcmp(rsum, rsref, (size_t)M * sizeof(float)) == 0, "rowsum_a, threads %d: %s M=%d N=%d K=%d",
                  t + 1, pat_name[pat], M, N, K);
            for (r = 0; r < M; r++)
                for (j = 0; j < N; j++) {
                    size_t q = (size_t)r * p.ldc + j;
                    bad += memcmp(&c[q], &ref[q], sizeof(float)) != 0;
                    if (e.gelu_out) bad += memcmp(&gout[q], &gref[q], sizeof(float)) != 0;
                }
            CHECK(bad == 0, "epilogue mode %d, threads %d: %s M=%d N=%d K=%d: %d elements differ", mode, t + 1,
                  pat_name[pat], M, N, K, bad);
            CHECK(pad_intact(&p, c), "epilogue wrote past N");
        }
    }
    free(c0); free(ref); free(gref); free(c); free(gout); free(bias); free(res); prob_free(&p);
    free(rs0); free(rsum); free(rsref);
}

#if TT_SIMD_WIDTH > 1
enum { UK_ONE, UK_INTRIN, UK_ASM };
static void test_ukernel(int which, const char *name) {
    enum { MR = TT__SGEMM_MR, NR = TT__SGEMM_NR, KMAX = 300, LDC = TT__SGEMM_NR + 5 };
    static const int kcs[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 64, 70, 300};
    float *raw = (float *)malloc((KMAX * (MR + NR) + 2 * MR * LDC + 32) * sizeof(float));
    float *b = (float *)(((uintptr_t)raw + 63) & ~(uintptr_t)63), *a = b + KMAX * NR;
    float *c = a + KMAX * MR, *ref = c + MR * LDC;
    int i, ki, load_c, r, j, k, bad = 0;
    for (ki = 0; ki < (int)(sizeof(kcs) / sizeof(kcs[0])); ki++) {
        int kc = kcs[ki];
        for (load_c = 0; load_c < 2; load_c++) {
            for (i = 0; i < kc * NR; i++) b[i] = rnd_real();
            for (i = 0; i < kc * MR; i++) a[i] = rnd_real();
            for (i = 0; i < MR * LDC; i++) ref[i] = c[i] = rnd_real();
            for (r = 0; r < MR; r++)
                for (j = 0; j < NR; j++) {
                    float acc = load_c ? ref[r * LDC + j] : 0.0f;
                    for (k = 0; k < kc; k++) acc = fmaf(a[k * MR + r], b[k * NR + j], acc);
                    ref[r * LDC + j] = acc;
                }
            if (which == UK_ONE) tt__sgemm_ukernel(kc, a, b, c, LDC, load_c);
#if TT_SIMD_WIDTH == 8
            if (which == UK_INTRIN) tt__sgemm_6x16_intrin(kc, a, b, c, LDC, load_c);
#if TT__SGEMM_ASM
            if (which == UK_ASM) tt__sgemm_6x16_asm(kc, a, b, c, LDC, load_c);
#endif
#endif
            if (memcmp(c, ref, sizeof(float) * MR * LDC) != 0) bad++;
            CHECK(memcmp(c, ref, sizeof(float) * MR * LDC) == 0, "micro-kernel %s, kc %d, load_c %d: not the fmaf chain's bits",
                  name, kc, load_c);
        }
    }
    printf("micro-kernel check (%s): %s\n", name, bad ? "FAILED" : "bitwise the fmaf chain");
    free(raw);
}
#endif

/* `test_gemm bits`: the CRC-32 of C (and of the GELU output) per product */
static int print_bits(void) {
    static const int shapes[][3] = { {37, 45, 301}, {150, 40, 530}, {7, 130, 17} };
    test_exec ex;
    int si, pat, mode;
    exec_init(&ex, 2);
    for (si = 0; si < 3; si++)
    for (pat = 0; pat < PAT_COUNT; pat++)
    for (mode = 0; mode < 2; mode++) {
        prob p;
        float *c, *g, *bias;
        size_t n;
        tt__gemm_epi e;
        int j;
        prob_make(&p, shapes[si][0], shapes[si][1], shapes[si][2], pat, 0);
        c = c_make(&p, 0);
        n = (size_t)p.M * p.ldc;
        g = (float *)calloc(n, sizeof(float));
        bias = (float *)malloc((size_t)p.N * sizeof(float));
        for (j = 0; j < p.N; j++) bias[j] = rnd_real();
        memset(&e, 0, sizeof(e));
        if (mode) { e.bias = bias; e.gelu_out = g; e.ldg = p.ldc; }
        tt__gemm_ex(&ex.ex, p.M, p.N, p.K, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, NULL, c, p.ldc, mode, &e, NULL);
        printf("%-7s M %3d N %3d K %3d %s: C crc32 %08lx", pat_name[pat], p.M, p.N, p.K,
               mode ? "accumulate, bias + GELU" : "overwrite             ", (unsigned long)tt_crc32(0, c, n * sizeof(float)));
        if (mode) printf(", GELU crc32 %08lx", (unsigned long)tt_crc32(0, g, n * sizeof(float)));
        printf("\n");
        free(c); free(g); free(bias); prob_free(&p);
    }
    exec_free(&ex);
    return 0;
}

int main(int argc, char **argv) {
    test_exec exs[4];
    int t, pat;
    double worst = 0.0;
    quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    if (argc > 1 && strcmp(argv[1], "bits") == 0) return print_bits();
#if TT_SIMD_WIDTH == 16
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl")) {
        printf("SKIP: built for AVX-512 (TT_SIMD_WIDTH=16) but this CPU has no AVX-512 (compiled only)\n");
        return 0;
    }
#endif
    printf("TT_SIMD_WIDTH=%d, scratch %zu floats/thread\n", TT_SIMD_WIDTH, tt__gemm_scratch_floats());
#if TT_SIMD_WIDTH > 1
    printf("micro-kernel: %s\n", tt__sgemm_ukernel_name());
    test_ukernel(UK_ONE, tt__sgemm_ukernel_name());
#if TT_SIMD_WIDTH == 8
    test_ukernel(UK_INTRIN, "6x16 intrinsics twin");
#if TT__SGEMM_ASM
    test_ukernel(UK_ASM, "6x16 inline asm");
#endif
#endif
#endif
    for (t = 0; t < 4; t++) exec_init(&exs[t], t + 1);
    test_exact(exs);
    for (pat = 0; pat < PAT_COUNT; pat++) {
        test_real(exs, 37, 45, 301, pat, &worst);
        if (quick) test_real(exs, 150, 20, 530, pat, &worst); /* MC loop, K blocks */
        else test_real(exs, 200, 70, 1100, pat, &worst);      /* MC loop, K blocks */
        test_real(exs, 12, 2100, quick ? 9 : 40, pat, &worst); /* NC loop, N-split grid */
        test_real(exs, 300, quick ? 20 : 90, 33, pat, &worst); /* M-split grid */
    }
    test_epilogue(exs, 37, 45, 301, PAT_XWT);
    if (quick) test_epilogue(exs, 150, 20, 530, PAT_XWT);
    else test_epilogue(exs, 200, 70, 1100, PAT_XWT);   /* K blocks: the epilogue after the last one only */
    test_epilogue(exs, 12, 2100, quick ? 9 : 40, PAT_XWT); /* NC loop, N-split grid */
    test_epilogue(exs, 300, quick ? 20 : 90, 33, PAT_DYW); /* M-split grid */
    if (quick) test_epilogue(exs, 150, 20, 530, PAT_DYTX);
    else test_epilogue(exs, 150, 2100, 700, PAT_DYTX); /* dY^T X as for dW and db: K blocks, NC loop */
    test_epilogue(exs, 37, 45, 301, PAT_GENERAL);
    /* force_scalar takes the scalar path: bitwise equal to tt__gemm_scalar */
    {
        prob p;
        float *c1, *c2;
        size_t n;
        test_exec fs;
        exec_init(&fs, 2);
        fs.ex.force_scalar = 1;
        prob_make(&p, 50, 40, 30, PAT_XWT, 0);
        c1 = c_make(&p, 0);
        n = (size_t)p.M * p.ldc;
        c2 = (float *)malloc(n * sizeof(float));
        memcpy(c2, c1, n * sizeof(float));
        run(&p, &fs.ex, c1, 1);
        tt__gemm_scalar(p.M, p.N, p.K, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, c2, p.ldc, 1);
        CHECK(memcmp(c1, c2, n * sizeof(float)) == 0, "force_scalar differs from tt__gemm_scalar");
        free(c1); free(c2); prob_free(&p); exec_free(&fs);
    }
    for (t = 0; t < 4; t++) exec_free(&exs[t]);
    printf("real-data elements that differ from tt__gemm_scalar: %ld\n", n_differ_from_scalar);
#if TT_SIMD_WIDTH > 1
    {
        /* (-(1+2^-11)) * 1 + (1+2^-12)^2 is 2^-24 with a fused multiply-add and 0
         * without: if the compiler contracted the scalar reference into FMAs
         * (clang's default -ffp-contract=on does), it may match the SIMD bits
         * exactly and this check says nothing */
        float fa[2], fb[2], fc = 0.0f;
        fa[0] = -(1.0f + 1.0f / 2048.0f); fa[1] = 1.0f + 1.0f / 4096.0f;
        fb[0] = 1.0f; fb[1] = fa[1];
        tt__gemm_scalar(1, 1, 2, fa, 2, 1, fb, 1, 1, &fc, 1, 0);
        if (fc == 0.0f)
            CHECK(n_differ_from_scalar > 0, "SIMD build gave the scalar reference's bits everywhere: SIMD path not used?");
        else
            printf("scalar reference is FMA-contracted by this compiler: SIMD-vs-scalar bit difference not checked\n");
    }
#else
    CHECK(n_differ_from_scalar == 0, "scalar build differs from tt__gemm_scalar");
#endif
    printf("max |err| / (sqrt(K+1) u sum|a||b|) = %.3f (bound checked: gamma_{K+1})\n", worst);
    if (n_fail) { printf("%d checks failed\n", n_fail); return 1; }
    printf("test_gemm: all passed\n");
    return 0;
}
