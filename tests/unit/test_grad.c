/* Finite-difference gradient checks: each op's backward against central
 * differences of a random projection of its output, and the whole model
 * along random directions.
 * Tolerance: the ops run in float, so central differences with step h carry
 * O(h^2) truncation plus O(eps_f / h) rounding error; with h = 1e-2 (ops) /
 * 2e-3 (model), we accept |fd - analytic| <= 2e-2 * max(|fd|,|analytic|) + 2e-3
 * (ops) and relative 2e-2 (model directional derivative). A sign or factor
 * error in any backward gives errors of order 1. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static int failures = 0;
static tt_rng rng;

static void fill(float *x, int n, float sd) { int i; for (i = 0; i < n; i++) x[i] = sd * tt_rng_normal(&rng); }
static double dot(const float *a, const float *b, int n) { double s = 0; int i; for (i = 0; i < n; i++) s += (double)a[i] * b[i]; return s; }

static void check(const char *what, double fd, double an, double rtol, double atol) {
    double err = fabs(fd - an), scale = fabs(fd) > fabs(an) ? fabs(fd) : fabs(an);
    if (err > rtol * scale + atol) {
        printf("FAIL %s: finite difference %.6g vs analytic %.6g\n", what, fd, an);
        failures++;
    }
}

/* ---- LayerNorm: L = sum(r * y) ---- */
static void test_layernorm(void) {
    enum { N = 3, C = 16 };
    float x[N*C], w[C], b[C], y[N*C], r[N*C], mean[N], rstd[N], dx[N*C], dw[C], db[C];
    int i; const float h = 1e-2f;
    fill(x, N*C, 1.0f); fill(w, C, 1.0f); fill(b, C, 1.0f); fill(r, N*C, 1.0f);
    tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C);
    memset(dw, 0, sizeof dw); memset(db, 0, sizeof db);
    tt__layernorm_bwd_dx_scalar(dx, r, x, w, mean, rstd, 0, N, C, 0);
    tt__layernorm_bwd_dwdb_scalar(dw, db, r, x, mean, rstd, N, C, 0, C);
    for (i = 0; i < N*C; i++) {
        float s = x[i]; double lp, lm;
        x[i] = s + h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lp = dot(y, r, N*C);
        x[i] = s - h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lm = dot(y, r, N*C);
        x[i] = s;
        check("layernorm dx", (lp - lm) / (2*h), dx[i], 2e-2, 2e-3);
    }
    for (i = 0; i < C; i++) {
        float s = w[i]; double lp, lm;
        w[i] = s + h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lp = dot(y, r, N*C);
        w[i] = s - h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lm = dot(y, r, N*C);
        w[i] = s;
        check("layernorm dw", (lp - lm) / (2*h), dw[i], 2e-2, 2e-3);
        s = b[i];
        b[i] = s + h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lp = dot(y, r, N*C);
        b[i] = s - h; tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, 0, N, C); lm = dot(y, r, N*C);
        b[i] = s;
        check("layernorm db", (lp - lm) / (2*h), db[i], 2e-2, 2e-3);
    }
}

/* ---- GELU: elementwise, check the derivative on a grid incl. large |x| ---- */
static void test_gelu(void) {
    int i; const float h = 1e-2f;
    for (i = -120; i <= 120; i++) {
        float x = 0.1f * (float)i, xp = x + h, xm = x - h, yp, ym, one = 1.0f, d;
        tt__gelu_fwd_scalar(&yp, &xp, 0, 1); tt__gelu_fwd_scalar(&ym, &xm, 0, 1);
        tt__gelu_bwd_scalar(&d, &one, &x, 0, 1);
        check("gelu'", ((double)yp - ym) / (2*h), d, 2e-2, 2e-3);
    }
    { /* values: gelu(x) against 0.5 x (1 + tanh u) in double */
        for (i = -100; i <= 100; i++) {
            float x = 0.1f * (float)i, y; double u = 0.7978845608028654 * (x + 0.044715 * (double)x*x*x);
            double ref = 0.5 * x * (1.0 + tanh(u));
            tt__gelu_fwd_scalar(&y, &x, 0, 1);
            check("gelu value", ref, y, 1e-5, 1e-7);
        }
    }
}

/* ---- attention: L = sum(r * out) ---- */
static double attn_loss(const float *qkv, const float *r, int B, int T, int C, int NH, float *out, float *lse, float *scr) {
    int b, h;
    for (b = 0; b < B; b++) for (h = 0; h < NH; h++) tt__attention_fwd_scalar(out, lse, qkv, b, h, T, C, NH, scr);
    return dot(out, r, B*T*C);
}
static void test_attention(void) {
    enum { B = 2, T = 5, C = 8, NH = 2 };
    float qkv[B*T*3*C], r[B*T*C], out[B*T*C], lse[B*NH*T], scr[2*T], dqkv[B*T*3*C];
    int i, b, h; const float h_ = 1e-2f;
    fill(qkv, B*T*3*C, 1.0f); fill(r, B*T*C, 1.0f);
    attn_loss(qkv, r, B, T, C, NH, out, lse, scr);
    memset(dqkv, 0, sizeof dqkv);
    for (b = 0; b < B; b++) for (h = 0; h < NH; h++) tt__attention_bwd_scalar(dqkv, r, qkv, lse, b, h, T, C, NH, scr);
    for (i = 0; i < B*T*3*C; i++) {
        float s = qkv[i]; double lp, lm;
        qkv[i] = s + h_; lp = attn_loss(qkv, r, B, T, C, NH, out, lse, scr);
        qkv[i] = s - h_; lm = attn_loss(qkv, r, B, T, C, NH, out, lse, scr);
        qkv[i] = s;
        check("attention dqkv", (lp - lm) / (2*h_), dqkv[i], 2e-2, 2e-3);
    }
}

/* ---- blocked attention (as the model runs it) against the scalar reference,
 * with T spanning several query blocks ---- */
static void test_attention_blocked(void) {
    tt_model_config cfg = {0};
    tt_model *m = NULL;
    enum { B = 2, T = 150, C = 32, NH = 4 };
    static float qkv[B*T*3*C], dout[B*T*C], o_ref[B*T*C], lse_ref[B*NH*T], dq_ref[B*T*3*C];
    static float o_blk[B*T*C], lse_blk[B*NH*T], dq_blk[B*T*3*C], scr[2*T];
    int i, b, h, nt;
    double e1 = 0, e2 = 0, e3 = 0, r1 = 0, r3 = 0;
    fill(qkv, B*T*3*C, 1.0f); fill(dout, B*T*C, 1.0f);
    for (b = 0; b < B; b++) for (h = 0; h < NH; h++) tt__attention_fwd_scalar(o_ref, lse_ref, qkv, b, h, T, C, NH, scr);
    memset(dq_ref, 0, sizeof dq_ref);
    for (b = 0; b < B; b++) for (h = 0; h < NH; h++) tt__attention_bwd_scalar(dq_ref, dout, qkv, lse_ref, b, h, T, C, NH, scr);
    for (nt = 1; nt <= 2; nt++) {
        cfg.vocab_size = 10; cfg.n_ctx = T; cfg.n_layer = 1; cfg.n_head = NH; cfg.d_model = C; cfg.max_batch = B; cfg.n_threads = nt;
        if (tt_model_create(&cfg, &m) != TT_OK) { printf("FAIL create\n"); failures++; return; }
        tt__op_attention_fwd(tt__model_exec(m), o_blk, lse_blk, qkv, B, T, C, NH);
        tt__op_attention_bwd(tt__model_exec(m), dq_blk, dout, qkv, lse_blk, B, T, C, NH);
        for (i = 0; i < B*T*C; i++) { e1 = fmax(e1, fabs(o_blk[i] - o_ref[i])); r1 = fmax(r1, fabs(o_ref[i])); }
        for (i = 0; i < B*NH*T; i++) e2 = fmax(e2, fabs(lse_blk[i] - lse_ref[i]));
        for (i = 0; i < B*T*3*C; i++) { e3 = fmax(e3, fabs(dq_blk[i] - dq_ref[i])); r3 = fmax(r3, fabs(dq_ref[i])); }
        tt_model_destroy(m);
    }
    printf("  blocked attention vs reference: out %.2e, lse %.2e, dqkv %.2e (max abs; refs %.2f, %.2f)\n", e1, e2, e3, r1, r3);
    if (e1 > 1e-5 * r1 + 1e-6 || e2 > 1e-5 || e3 > 1e-5 * r3 + 1e-6) { printf("FAIL blocked attention\n"); failures++; }
}

/* ---- fused forward_backward == forward + backward (within float rounding) ---- */
static void test_fused(void) {
    tt_model_config cfg = {0};
    tt_model *m = NULL;
    enum { B = 3, T = 50 };
    int32_t tok[B*T], tgt[B*T];
    float l1, l2, *g1, *g;
    size_t n, i;
    double e = 0, r = 0;
    cfg.vocab_size = 300; cfg.n_ctx = 64; cfg.n_layer = 2; cfg.n_head = 2; cfg.d_model = 16; cfg.max_batch = B;
    if (tt_model_create(&cfg, &m) != TT_OK) { printf("FAIL create\n"); failures++; return; }
    for (i = 0; i < B*T; i++) { tok[i] = (int32_t)(tt_rng_u32(&rng) % 300); tgt[i] = (int32_t)(tt_rng_u32(&rng) % 300); }
    n = tt_model_num_params(m); g = tt_model_grads(m);
    g1 = (float *)malloc(n * sizeof(float));
    tt_model_forward(m, tok, tgt, B, T, &l1); tt_model_backward(m, 0.5f);
    memcpy(g1, g, n * sizeof(float)); tt_model_zero_grad(m);
    tt_model_forward_backward(m, tok, tgt, B, T, 0.5f, &l2);
    for (i = 0; i < n; i++) { e = fmax(e, fabs(g[i] - g1[i])); r = fmax(r, fabs(g1[i])); }
    printf("  fused forward_backward: loss %.7f vs %.7f, max grad diff %.2e (max grad %.2e)\n", l2, l1, e, r);
    if (l1 != l2 || e > 1e-5 * r) { printf("FAIL fused forward_backward\n"); failures++; }
    free(g1);
    tt_model_destroy(m);
}

/* ---- lm head with wte packed once per forward (N > TT__HEAD_ROWS, SIMD
 * builds) == packing inside every chunk's GEMM, bitwise (white box: the
 * packed copies are switched off by clearing the model's pointers) ---- */
static void test_head_prepack(void) {
    tt_model_config cfg = {0};
    tt_model *m = NULL;
    enum { B = 5, T = 128 };
    int32_t tok[B*T], tgt[B*T];
    float l1, l2, l3, l4, *g1, *g;
    size_t n, i, nd = 0;
    cfg.vocab_size = 300; cfg.n_ctx = T; cfg.n_layer = 1; cfg.n_head = 2; cfg.d_model = 40; cfg.max_batch = B;
    cfg.n_threads = 2;
    if (tt_model_create(&cfg, &m) != TT_OK) { printf("FAIL create\n"); failures++; return; }
    for (i = 0; i < B*T; i++) { tok[i] = (int32_t)(tt_rng_u32(&rng) % 300); tgt[i] = (int32_t)(tt_rng_u32(&rng) % 300); }
    n = tt_model_num_params(m); g = tt_model_grads(m);
    g1 = (float *)malloc(n * sizeof(float));
    tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &l1);
    memcpy(g1, g, n * sizeof(float)); tt_model_zero_grad(m);
    tt_model_forward(m, tok, tgt, B, T, &l3);
    printf("  lm head, wte packed once per forward: %s\n", m->wte_pk_fwd ? "yes" : "no (scalar build)");
    m->wte_pk_fwd = m->wte_pk_dx = NULL;
    tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &l2);
    tt_model_forward(m, tok, tgt, B, T, &l4);
    for (i = 0; i < n; i++) nd += memcmp(&g[i], &g1[i], sizeof(float)) != 0;
    printf("  lm head packed ahead vs per chunk (N=%d, 2 chunks): loss %.7f vs %.7f, %zu of %zu grads differ\n",
           B * T, l1, l2, nd, n);
    if (l1 != l2 || l3 != l4 || l1 != l3 || nd) { printf("FAIL lm head packed ahead\n"); failures++; }
    free(g1);
    tt_model_destroy(m);
}

/* ---- GEMM: the three training stride patterns against a double loop ---- */
static void test_gemm(void) {
    enum { M = 7, N = 9, K = 5 };
    float A[M*K], At[K*M], Bm[K*N], Bt[N*K], Cm[M*N];
    int i, j, k, pass;
    fill(A, M*K, 1.0f); fill(Bm, K*N, 1.0f);
    for (i = 0; i < M; i++) for (k = 0; k < K; k++) At[k*M+i] = A[i*K+k];
    for (k = 0; k < K; k++) for (j = 0; j < N; j++) Bt[j*K+k] = Bm[k*N+j];
    for (pass = 0; pass < 3; pass++) {
        for (i = 0; i < M*N; i++) Cm[i] = 1.0f;
        if (pass == 0) tt__gemm_scalar(M, N, K, A, K, 1, Bt, 1, K, Cm, N, 1);      /* X W^T */
        if (pass == 1) tt__gemm_scalar(M, N, K, A, K, 1, Bm, N, 1, Cm, N, 1);      /* dY W */
        if (pass == 2) tt__gemm_scalar(M, N, K, At, 1, M, Bm, N, 1, Cm, N, 1);     /* dY^T X */
        for (i = 0; i < M; i++) for (j = 0; j < N; j++) {
            double s = 1.0; for (k = 0; k < K; k++) s += (double)A[i*K+k] * Bm[k*N+j];
            check("gemm", s, Cm[i*N+j], 1e-5, 1e-5);
        }
    }
}

/* ---- whole model: directional derivative along random directions ---- */
static double model_loss(tt_model *m, const int32_t *tok, const int32_t *tgt, int B, int T) {
    float loss = 0.0f;
    tt_status st = tt_model_forward(m, tok, tgt, B, T, &loss);
    if (st != TT_OK) { printf("FAIL: model forward: %s\n", tt_strerror(st)); exit(1); }
    return loss;
}
static void test_model(void) {
    tt_model_config cfg = {0};
    tt_model *m = NULL;
    enum { B = 2, T = 6 };
    int32_t tok[B*T], tgt[B*T];
    float *p, *g, *p0, *dir;
    size_t n, i;
    int trial;
    cfg.vocab_size = 23; cfg.n_ctx = 8; cfg.n_layer = 2; cfg.n_head = 2; cfg.d_model = 8; cfg.max_batch = 2;
    cfg.seed = 7;
    if (tt_model_create(&cfg, &m) != TT_OK) { printf("FAIL create\n"); failures++; return; }
    n = tt_model_num_params(m);
    p = tt_model_params(m); g = tt_model_grads(m);
    /* larger weights than GPT-2 init so every path carries signal */
    for (i = 0; i < n; i++) p[i] += 0.2f * tt_rng_normal(&rng);
    for (i = 0; i < B*T; i++) { tok[i] = (int32_t)(tt_rng_u32(&rng) % 23); tgt[i] = (int32_t)(tt_rng_u32(&rng) % 23); }
    p0 = (float *)malloc(n * sizeof(float)); dir = (float *)malloc(n * sizeof(float));
    memcpy(p0, p, n * sizeof(float));
    tt_model_zero_grad(m);
    model_loss(m, tok, tgt, B, T);
    tt_model_backward(m, 1.0f);
    for (trial = 0; trial <= tt_model_num_tensors(m); trial++) {
        /* one unit direction inside each tensor, then one over all parameters */
        double an = 0, lp, lm, h = 1e-2, nrm = 0;
        int ti = trial < tt_model_num_tensors(m) ? trial : -1;
        tt_tensor_info info; memset(&info, 0, sizeof info);
        for (i = 0; i < n; i++) dir[i] = 0.0f;
        if (ti >= 0) { tt_model_tensor(m, ti, &info); for (i = 0; i < info.numel; i++) dir[info.offset + i] = tt_rng_normal(&rng); }
        else for (i = 0; i < n; i++) dir[i] = tt_rng_normal(&rng);
        if (ti == 0) for (i = (size_t)23 * 8; i < info.numel; i++) dir[i] = 0.0f; /* padded wte rows: no gradient */
        for (i = 0; i < n; i++) nrm += (double)dir[i] * dir[i];
        for (i = 0; i < n; i++) dir[i] = (float)(dir[i] / sqrt(nrm));
        for (i = 0; i < n; i++) an += (double)g[i] * dir[i];
        for (i = 0; i < n; i++) p[i] = p0[i] + (float)h * dir[i];
        lp = model_loss(m, tok, tgt, B, T);
        for (i = 0; i < n; i++) p[i] = p0[i] - (float)h * dir[i];
        lm = model_loss(m, tok, tgt, B, T);
        memcpy(p, p0, n * sizeof(float));
        check(ti >= 0 ? info.name : "model (all params)", (lp - lm) / (2*h), an, 2e-2, 2e-4);
        printf("  %-28s fd %+.6f analytic %+.6f\n", ti >= 0 ? info.name : "all parameters", (lp - lm) / (2*h), an);
    }
    free(p0); free(dir);
    tt_model_destroy(m);
}

int main(void) {
    tt_rng_seed(&rng, 42);
    test_gemm();
    test_layernorm();
    test_gelu();
    test_attention();
    test_attention_blocked();
    test_model();
    test_fused();
    test_head_prepack();
    printf("test_grad: %s (%d failures)\n", failures ? "FAIL" : "ok", failures);
    return failures != 0;
}
