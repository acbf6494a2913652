/* The op table (tt_backend, API version 2) as the model uses it: a
 * recording backend wraps the CPU table of a reference model, counts every
 * entry a training step, an AdamW step and generation call, and checks
 * that nothing bypasses the table:
 * - each count equals what the config implies (per layer: 2 LayerNorms,
 *   4 GEMMs, 1 attention forward; 8 GEMMs, 2 LayerNorms, 1 attention in the
 *   backward; one AdamW call per tensor; ...);
 * - every pointer an op receives lies inside a buffer the recorder handed
 *   out (no host memory reaches an op; host data only through upload);
 * - the host copies (tt_model_params) stay as they were until
 *   tt_model_download, so the step did not run on them;
 * - losses, parameters, moments, generated ids, scores and logits are
 *   bitwise those of the plain CPU model, at 1 and 2 threads;
 * - a failing entry stops the step with its status and is logged;
 * - checkpoints saved from the backend model load into a CPU model. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s (line %d)\n", what, __LINE__); failures++; } } while (0)

enum { V = 301, C = 32, L = 2, NH = 4, T = 48, B = 3 };

/* ---- the recorder ---- */
enum { E_ALLOC, E_FREE, E_UPLOAD, E_DOWNLOAD, E_ZERO, E_COPY, E_SYNC, E_GEMM, E_EMBED_FWD, E_EMBED_BWD, E_LN_FWD,
       E_LN_BWD, E_ATT_FWD, E_ATT_BWD, E_ATT_CACHED, E_LM_HEAD, E_STATS, E_ADAMW, E_GELU, E_TO_BF16, E_COUNT };
static const char *const entry_names[E_COUNT] = { "alloc", "free", "upload", "download", "zero", "copy", "sync", "gemm",
    "embed_fwd", "embed_bwd", "layernorm_fwd", "layernorm_bwd", "attention_fwd", "attention_bwd", "attention_cached",
    "lm_head", "param_stats", "adamw", "gelu_fwd", "to_bf16" };

#define MAX_BUFS 64
typedef struct rec {
    const tt_backend *inner;
    long calls[E_COUNT];
    struct { unsigned char *p; size_t n; } buf[MAX_BUFS];
    int n_buf;
    long foreign;      /* op arguments outside every recorder buffer */
    long gemm_bf16, gemm_bh; /* GEMMs with bf16 inputs, of those with the weights' bf16 copy */
    int fail_entry;    /* entry that returns TT_ERR_BACKEND (-1: none) ... */
    long fail_at;      /* ... from its (fail_at + 1)-th call on */
} rec;

/* [p, p + bytes) inside one live buffer (NULL passes: optional arguments) */
static int owned(rec *r, const void *p, size_t bytes) {
    const unsigned char *q = (const unsigned char *)p;
    int i;
    if (!p) return 1;
    for (i = 0; i < r->n_buf; i++)
        if (r->buf[i].p && q >= r->buf[i].p && q + bytes <= r->buf[i].p + r->buf[i].n) return 1;
    return 0;
}
#define OWN(r, p, n) do { if (!owned((r), (p), (n))) (r)->foreign++; } while (0)
#define ENTER(e) rec *r = (rec *)ctx; \
    if (++r->calls[e] > r->fail_at && r->fail_entry == (e)) return TT_ERR_BACKEND
#define F sizeof(float)

static tt_status r_alloc(void *ctx, size_t bytes, void **out) {
    tt_status st;
    ENTER(E_ALLOC);
    st = r->inner->alloc(r->inner->ctx, bytes, out);
    if (st == TT_OK && r->n_buf < MAX_BUFS) {
        r->buf[r->n_buf].p = (unsigned char *)*out;
        r->buf[r->n_buf].n = bytes;
        r->n_buf++;
    }
    return st;
}
static void r_free(void *ctx, void *p) {
    rec *r = (rec *)ctx;
    int i;
    r->calls[E_FREE]++;
    for (i = 0; i < r->n_buf; i++) if (r->buf[i].p == p) r->buf[i].p = NULL;
    r->inner->free(r->inner->ctx, p);
}
static tt_status r_upload(void *ctx, void *dst, const void *src, size_t n) {
    ENTER(E_UPLOAD);
    OWN(r, dst, n);
    if (owned(r, src, 1)) r->foreign++; /* the source is host memory */
    return r->inner->upload(r->inner->ctx, dst, src, n);
}
static tt_status r_download(void *ctx, void *dst, const void *src, size_t n) {
    ENTER(E_DOWNLOAD);
    OWN(r, src, n);
    if (owned(r, dst, 1)) r->foreign++;
    return r->inner->download(r->inner->ctx, dst, src, n);
}
static tt_status r_zero(void *ctx, void *dst, size_t n) { ENTER(E_ZERO); OWN(r, dst, n); return r->inner->zero(r->inner->ctx, dst, n); }
static tt_status r_copy(void *ctx, void *dst, const void *src, size_t n) {
    ENTER(E_COPY); OWN(r, dst, n); OWN(r, src, n);
    return r->inner->copy(r->inner->ctx, dst, src, n);
}
static tt_status r_sync(void *ctx) { ENTER(E_SYNC); return r->inner->sync(r->inner->ctx); }
static tt_status r_gemm(void *ctx, const tt_backend_gemm *g) {
    size_t M = (size_t)g->M, N = (size_t)g->N, K = (size_t)g->K;
    ENTER(E_GEMM);
    if (g->bf16) r->gemm_bf16++;
    if (g->B_bf16) { r->gemm_bh++; OWN(r, g->B_bf16, 2); }
    /* the last row of each operand (its extent from the start) */
    if (g->layout == TT_GEMM_TN) OWN(r, g->A, ((K - 1) * (size_t)g->lda + M) * F);
    else OWN(r, g->A, ((M - 1) * (size_t)g->lda + K) * F);
    if (g->layout == TT_GEMM_NT) OWN(r, g->B, ((N - 1) * (size_t)g->ldb + K) * F);
    else OWN(r, g->B, ((K - 1) * (size_t)g->ldb + N) * F);
    OWN(r, g->C, ((M - 1) * (size_t)g->ldc + N) * F);
    OWN(r, g->bias, N * F);
    if (g->res) OWN(r, g->res, ((M - 1) * (size_t)g->ldr + N) * F);
    if (g->gelu_out) OWN(r, g->gelu_out, ((M - 1) * (size_t)g->ldg + N) * F);
    if (g->gelu_bwd_x) OWN(r, g->gelu_bwd_x, ((M - 1) * (size_t)g->ldx + N) * F);
    OWN(r, g->bias_grad, M * F);
    return r->inner->gemm(r->inner->ctx, g);
}
static tt_status r_embed_fwd(void *ctx, float *x, const int32_t *tok, const float *wte, const float *wpe, int b, int t,
                             int pos0, int c) {
    ENTER(E_EMBED_FWD);
    OWN(r, x, (size_t)b * t * c * F); OWN(r, tok, (size_t)b * t * 4); OWN(r, wte, F); OWN(r, wpe, (size_t)(pos0 + t) * c * F);
    return r->inner->embed_fwd(r->inner->ctx, x, tok, wte, wpe, b, t, pos0, c);
}
static tt_status r_embed_bwd(void *ctx, float *dwte, float *dwpe, const float *dx, const int32_t *tok, int b, int t,
                             int c) {
    ENTER(E_EMBED_BWD);
    OWN(r, dwte, F); OWN(r, dwpe, (size_t)t * c * F); OWN(r, dx, (size_t)b * t * c * F); OWN(r, tok, (size_t)b * t * 4);
    return r->inner->embed_bwd(r->inner->ctx, dwte, dwpe, dx, tok, b, t, c);
}
static tt_status r_ln_fwd(void *ctx, float *y, float *mean, float *rstd, const float *x, const float *w, const float *b,
                          int n, int c) {
    ENTER(E_LN_FWD);
    OWN(r, y, (size_t)n * c * F); OWN(r, mean, (size_t)n * F); OWN(r, rstd, (size_t)n * F); OWN(r, x, (size_t)n * c * F);
    OWN(r, w, (size_t)c * F); OWN(r, b, (size_t)c * F);
    return r->inner->layernorm_fwd(r->inner->ctx, y, mean, rstd, x, w, b, n, c);
}
static tt_status r_ln_bwd(void *ctx, float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                          const float *mean, const float *rstd, int n, int c, int acc) {
    ENTER(E_LN_BWD);
    OWN(r, dx, (size_t)n * c * F); OWN(r, dw, (size_t)c * F); OWN(r, db, (size_t)c * F); OWN(r, dy, (size_t)n * c * F);
    OWN(r, x, (size_t)n * c * F); OWN(r, w, (size_t)c * F); OWN(r, mean, (size_t)n * F); OWN(r, rstd, (size_t)n * F);
    return r->inner->layernorm_bwd(r->inner->ctx, dx, dw, db, dy, x, w, mean, rstd, n, c, acc);
}
static tt_status r_att_fwd(void *ctx, float *out, float *lse, const float *qkv, int b, int t, int c, int nh) {
    ENTER(E_ATT_FWD);
    OWN(r, out, (size_t)b * t * c * F); OWN(r, lse, (size_t)b * nh * t * F); OWN(r, qkv, (size_t)b * t * 3 * c * F);
    return r->inner->attention_fwd(r->inner->ctx, out, lse, qkv, b, t, c, nh);
}
static tt_status r_att_bwd(void *ctx, float *dqkv, const float *dout, const float *qkv, const float *out,
                           const float *lse, int b, int t, int c, int nh) {
    ENTER(E_ATT_BWD);
    OWN(r, dqkv, (size_t)b * t * 3 * c * F); OWN(r, dout, (size_t)b * t * c * F); OWN(r, qkv, (size_t)b * t * 3 * c * F);
    OWN(r, out, (size_t)b * t * c * F); OWN(r, lse, (size_t)b * nh * t * F);
    return r->inner->attention_bwd(r->inner->ctx, dqkv, dout, qkv, out, lse, b, t, c, nh);
}
static tt_status r_att_cached(void *ctx, float *out, const float *qkv, float *kv, int p0, int n, int n_ctx, int c,
                              int nh) {
    ENTER(E_ATT_CACHED);
    OWN(r, out, (size_t)n * c * F); OWN(r, qkv, (size_t)n * 3 * c * F); OWN(r, kv, (size_t)n_ctx * 2 * c * F);
    return r->inner->attention_cached(r->inner->ctx, out, qkv, kv, p0, n, n_ctx, c, nh);
}
static tt_status r_lm_head(void *ctx, const tt_backend_head *h) {
    size_t N = (size_t)h->N, c = (size_t)h->C;
    ENTER(E_LM_HEAD);
    OWN(r, h->x, N * c * F); OWN(r, h->wte, (size_t)h->Vp * c * F); OWN(r, h->targets, N * 4);
    OWN(r, h->row_lse, N * F); OWN(r, h->row_loss, N * F);
    if (h->mode) { OWN(r, h->dx, N * c * F); OWN(r, h->dwte, (size_t)h->Vp * c * F); }
    return r->inner->lm_head(r->inner->ctx, h);
}
static tt_status r_stats(void *ctx, tt_backend_stats *out, const float *g, const float *p, const float *m,
                         const float *v, size_t n) {
    ENTER(E_STATS);
    OWN(r, g, n * F); OWN(r, p, n * F); OWN(r, m, n * F); OWN(r, v, n * F);
    if (owned(r, out, 1)) r->foreign++; /* host memory */
    return r->inner->param_stats(r->inner->ctx, out, g, p, m, v, n);
}
static tt_status r_adamw(void *ctx, float *p, float *m, float *v, float *g, size_t n, float lr, float b1, float b2,
                         float eps, float wd, float gs, float bc1, float bc2) {
    ENTER(E_ADAMW);
    OWN(r, p, n * F); OWN(r, m, n * F); OWN(r, v, n * F); OWN(r, g, n * F);
    return r->inner->adamw(r->inner->ctx, p, m, v, g, n, lr, b1, b2, eps, wd, gs, bc1, bc2);
}

static tt_status r_gelu(void *ctx, float *y, const float *x, size_t n) {
    ENTER(E_GELU);
    OWN(r, y, n * F); OWN(r, x, n * F);
    return r->inner->gelu_fwd(r->inner->ctx, y, x, n);
}

static tt_status r_to_bf16(void *ctx, uint16_t *dst, const float *src, size_t n) {
    ENTER(E_TO_BF16);
    OWN(r, dst, n * 2); OWN(r, src, n * F);
    return r->inner->to_bf16(r->inner->ctx, dst, src, n);
}

static tt_backend recorder(rec *r, const tt_backend *inner) {
    tt_backend b;
    memset(r, 0, sizeof(*r));
    r->inner = inner;
    r->fail_entry = -1;
    memset(&b, 0, sizeof b);
    b.api_version = TT_BACKEND_API_VERSION;
    b.name = "recorder";
    b.ctx = r;
    b.alloc = r_alloc; b.free = r_free; b.upload = r_upload; b.download = r_download; b.zero = r_zero;
    b.copy = r_copy; b.sync = r_sync; b.gemm = r_gemm; b.embed_fwd = r_embed_fwd; b.embed_bwd = r_embed_bwd;
    b.layernorm_fwd = r_ln_fwd; b.layernorm_bwd = r_ln_bwd; b.attention_fwd = r_att_fwd; b.attention_bwd = r_att_bwd;
    b.attention_cached = r_att_cached; b.lm_head = r_lm_head; b.param_stats = r_stats; b.adamw = r_adamw;
    b.gelu_fwd = r_gelu; b.to_bf16 = r_to_bf16;
    return b;
}
static void reset_counts(rec *r) { memset(r->calls, 0, sizeof r->calls); r->foreign = 0; r->gemm_bf16 = r->gemm_bh = 0; }
/* every count other than those listed as (entry, want) pairs must be 0 */
static void expect(const rec *r, const char *what, const long *want) {
    int e;
    for (e = 0; e < E_COUNT; e++) {
        if (r->calls[e] != want[e]) {
            printf("FAIL %s: %s called %ld times, want %ld\n", what, entry_names[e], r->calls[e], want[e]);
            failures++;
        }
    }
    if (r->foreign) { printf("FAIL %s: %ld op arguments outside the backend's buffers\n", what, r->foreign); failures++; }
}

static int log_errors;
static void count_log(void *user, int level, tt_status st, const char *msg) {
    (void)user; (void)st; (void)msg;
    if (level == TT_LOG_ERROR) log_errors++;
}

static tt_model_config config(int threads) {
    tt_model_config c;
    memset(&c, 0, sizeof c);
    c.vocab_size = V; c.d_model = C; c.n_layer = L; c.n_head = NH; c.n_ctx = T; c.max_batch = B;
    c.n_threads = threads; c.seed = 99;
    return c;
}
static void batch(int step, int32_t *tok, int32_t *tgt) {
    int i;
    for (i = 0; i < B * T; i++) {
        tok[i] = (int32_t)((i * 37 + step * 101 + 11) % V);
        tgt[i] = (int32_t)((i * 53 + step * 7 + 5) % V);
    }
}
static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void run(int threads) {
    tt_model_config cfg = config(threads);
    tt_model *ref = NULL, *m = NULL, *back = NULL;
    tt_backend table;
    rec r;
    int32_t tok[B * T], tgt[B * T];
    float la, lb, *init;
    size_t P;
    int step, n_tensors;
    long want[E_COUNT];
    tt_adamw_config opt;
    printf("threads %d\n", threads);
    CHECK(tt_model_create(&cfg, &ref) == TT_OK, "reference model");
    CHECK(strcmp(tt_model_backend(ref)->name, "cpu") == 0, "the CPU table is named cpu");
    table = recorder(&r, tt_model_backend(ref));
    cfg.backend = &table;
    CHECK(tt_model_create(&cfg, &m) == TT_OK, "model on the recorder");
    if (!ref || !m) return;
    CHECK(tt_model_backend(m) == &table, "tt_model_backend gives cfg.backend");
    P = tt_model_num_params(m);
    n_tensors = tt_model_num_tensors(m);
    /* create: params, grads, m, v, activations; zero the three; upload params */
    memset(want, 0, sizeof want);
    want[E_ALLOC] = 5; want[E_ZERO] = 3; want[E_UPLOAD] = 1;
    expect(&r, "create", want);
    CHECK(same(tt_model_params(m), tt_model_params(ref), P), "same initial parameters");
    init = (float *)malloc(P * sizeof(float));
    if (!init) return;
    memcpy(init, tt_model_params(m), P * sizeof(float));
    memset(&opt, 0, sizeof opt);
    opt.lr = 3e-3f; opt.weight_decay = 0.1f; opt.grad_clip = 1.0f;
    for (step = 0; step < 3; step++) {
        batch(step, tok, tgt);
        reset_counts(&r);
        if (step == 1) { /* unfused */
            CHECK(tt_model_forward(ref, tok, tgt, B, T, &la) == TT_OK && tt_model_backward(ref, 1.0f) == TT_OK, "ref step");
            CHECK(tt_model_forward(m, tok, tgt, B, T, &lb) == TT_OK && tt_model_backward(m, 1.0f) == TT_OK, "step");
        } else {
            CHECK(tt_model_forward_backward(ref, tok, tgt, B, T, 1.0f, &la) == TT_OK, "ref step");
            CHECK(tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &lb) == TT_OK, "step");
        }
        CHECK(memcmp(&la, &lb, sizeof la) == 0, "loss bitwise equal");
        memset(want, 0, sizeof want);
        want[E_UPLOAD] = 2;                    /* tokens, targets */
        want[E_DOWNLOAD] = step == 1 ? 1 : 1;  /* the row losses */
        want[E_EMBED_FWD] = 1; want[E_EMBED_BWD] = 1;
        want[E_LN_FWD] = 2 * L + 1; want[E_LN_BWD] = 2 * L + 1;
        want[E_GEMM] = 4 * L + 8 * L;          /* per layer: qkv, proj, fc, fc_proj; each backward dW + dx */
        want[E_ATT_FWD] = L; want[E_ATT_BWD] = L;
        want[E_LM_HEAD] = step == 1 ? 2 : 1;   /* unfused: the forward's, then the backward's recompute */
        expect(&r, step == 1 ? "forward + backward" : "forward_backward", want);
        reset_counts(&r);
        CHECK(tt_adamw_step(ref, &opt, NULL) == TT_OK && tt_adamw_step(m, &opt, NULL) == TT_OK, "adamw");
        memset(want, 0, sizeof want);
        want[E_STATS] = 1; want[E_ADAMW] = n_tensors;
        expect(&r, "adamw", want);
    }
    /* the host copies were not touched by the steps ... */
    CHECK(same(tt_model_params(m), init, P), "host parameters unchanged until download");
    reset_counts(&r);
    CHECK(tt_model_download(m) == TT_OK, "download");
    memset(want, 0, sizeof want);
    want[E_DOWNLOAD] = 4;
    expect(&r, "download", want);
    /* ... and hold the reference's bits after it */
    CHECK(same(tt_model_params(m), tt_model_params(ref), P), "parameters bitwise equal");
    CHECK(same(tt_model_adam_m(m), tt_model_adam_m(ref), P), "AdamW m bitwise equal");
    CHECK(same(tt_model_adam_v(m), tt_model_adam_v(ref), P), "AdamW v bitwise equal");
    CHECK(same(tt_model_grads(m), tt_model_grads(ref), P), "gradients (zeroed by AdamW) equal");

    /* inference forward: logits of the last positions */
    {
        float za[B * V], zb[B * V];
        reset_counts(&r);
        CHECK(tt_model_forward(ref, tok, NULL, B, T, NULL) == TT_OK && tt_model_forward(m, tok, NULL, B, T, NULL) == TT_OK,
              "forward without targets");
        CHECK(tt_model_logits(ref, za, B * V) == TT_OK && tt_model_logits(m, zb, B * V) == TT_OK, "logits");
        CHECK(same(za, zb, (size_t)B * V), "logits bitwise equal");
        memset(want, 0, sizeof want);
        want[E_UPLOAD] = 1; want[E_DOWNLOAD] = 1; want[E_EMBED_FWD] = 1; want[E_LN_FWD] = 2 * L + 1;
        want[E_GEMM] = 4 * L + 1; want[E_ATT_FWD] = L;
        expect(&r, "forward without targets", want);
    }

    /* generation */
    {
        tt_generator *ga = NULL, *gb = NULL;
        tt_sample_config s;
        int32_t ia[30], ib[30];
        int na = 0, nb = 0, n_prompt = 7;
        float sa[20], sb[20], fa[4 * V], fb[4 * V];
        reset_counts(&r);
        CHECK(tt_generator_create(ref, &ga) == TT_OK && tt_generator_create(m, &gb) == TT_OK, "generators");
        memset(want, 0, sizeof want);
        want[E_ALLOC] = 1;
        expect(&r, "generator create", want);
        if (ga && gb) {
            memset(&s, 0, sizeof s);
            s.top_k = 40; s.top_p = 0.9f; s.seed = 5;
            reset_counts(&r);
            CHECK(tt_generate(ga, tok, n_prompt, &s, ia, 30, &na) == TT_OK && tt_generate(gb, tok, n_prompt, &s, ib, 30, &nb) == TT_OK,
                  "generate");
            CHECK(na == 30 && nb == na && memcmp(ia, ib, sizeof ia) == 0, "generated ids equal");
            /* one feed of the prompt, then one per new token but the last */
            memset(want, 0, sizeof want);
            want[E_UPLOAD] = 30; want[E_DOWNLOAD] = 30; want[E_EMBED_FWD] = 30;
            want[E_LN_FWD] = 30 * (2 * L + 1); want[E_GEMM] = 30 * (4 * L + 1); want[E_ATT_CACHED] = 30 * L;
            expect(&r, "generate", want);
            tt_generator_reset(ga); tt_generator_reset(gb);
            CHECK(tt_generator_score(ga, tok, 21, sa) == TT_OK && tt_generator_score(gb, tok, 21, sb) == TT_OK, "score");
            CHECK(same(sa, sb, 20), "scores bitwise equal");
            tt_generator_reset(ga); tt_generator_reset(gb);
            CHECK(tt_generator_feed_logits(ga, tok, 4, fa, 4 * V) == TT_OK &&
                  tt_generator_feed_logits(gb, tok, 4, fb, 4 * V) == TT_OK, "feed_logits");
            CHECK(same(fa, fb, 4 * (size_t)V), "feed_logits bitwise equal");
            CHECK(same(tt_generator_logits(ga), tt_generator_logits(gb), V), "last logits equal");
        }
        reset_counts(&r);
        tt_generator_destroy(gb);
        tt_generator_destroy(ga);
        memset(want, 0, sizeof want);
        want[E_FREE] = gb ? 1 : 0;
        expect(&r, "generator destroy", want);
    }

    /* a checkpoint from the backend model loads into a CPU model */
    {
        tt_model *cpu = NULL;
        tt_model_config c2 = config(threads);
        const char *path = "build/test_backend.ttck";
        CHECK(tt_checkpoint_save_file(path, m, NULL, NULL) == TT_OK, "checkpoint save (backend model)");
        CHECK(tt_model_create(&c2, &cpu) == TT_OK, "cpu model");
        if (cpu) {
            CHECK(tt_checkpoint_load_file(path, cpu, NULL, NULL, NULL) == TT_OK, "checkpoint load (CPU model)");
            CHECK(same(tt_model_params(cpu), tt_model_params(ref), P), "loaded parameters equal");
            CHECK(same(tt_model_adam_v(cpu), tt_model_adam_v(ref), P), "loaded moments equal");
            CHECK(tt_model_step(cpu) == 3, "loaded step");
            /* and back into a backend model (upload) */
            cfg = config(threads); cfg.backend = &table;
            CHECK(tt_model_create(&cfg, &back) == TT_OK, "second backend model");
            if (back) {
                CHECK(tt_checkpoint_load_file(path, back, NULL, NULL, NULL) == TT_OK, "checkpoint load (backend model)");
                /* the moments too: through upload, not written into the backend's buffers from the host */
                memset(tt_model_adam_m(back), 0, P * sizeof(float));
                memset(tt_model_adam_v(back), 0, P * sizeof(float));
                CHECK(tt_model_download(back) == TT_OK, "download after load");
                CHECK(same(tt_model_adam_m(back), tt_model_adam_m(ref), P) && same(tt_model_adam_v(back), tt_model_adam_v(ref), P),
                      "checkpoint load into a backend model: moments in its buffers");
                batch(9, tok, tgt);
                CHECK(tt_model_forward_backward(back, tok, tgt, B, T, 1.0f, &lb) == TT_OK &&
                      tt_model_forward_backward(ref, tok, tgt, B, T, 1.0f, &la) == TT_OK, "step after load");
                CHECK(memcmp(&la, &lb, sizeof la) == 0, "loss after a loaded checkpoint equal");
            }
            tt_model_destroy(cpu);
        }
        remove(path);
    }

    /* a failing entry: the step stops with its status, logged, no loss */
    {
        tt_model_config c3 = config(threads);
        tt_model *fm = NULL;
        rec r2;
        tt_backend t2 = recorder(&r2, tt_model_backend(ref));
        float loss = 123.0f, tl[B * T];
        c3.backend = &t2;
        c3.logger.fn = count_log;
        CHECK(tt_model_create(&c3, &fm) == TT_OK, "model for failures");
        if (fm) {
            int e, ents[4];
            ents[0] = E_ATT_FWD; ents[1] = E_GEMM; ents[2] = E_LM_HEAD; ents[3] = E_DOWNLOAD;
            for (e = 0; e < 4; e++) {
                r2.fail_entry = ents[e];
                log_errors = 0;
                CHECK(tt_model_forward_backward(fm, tok, tgt, B, T, 1.0f, &loss) == TT_ERR_BACKEND, "failing entry: status");
                CHECK(log_errors >= 1 && loss == 123.0f, "failing entry: logged, no loss");
                CHECK(tt_model_token_losses(fm, tl, B * T) == TT_ERR_INVALID_ARG, "failing entry: no row losses");
                CHECK(tt_model_backward(fm, 1.0f) == TT_ERR_INVALID_ARG, "failing entry: no backward");
            }
            r2.fail_entry = -1;
            CHECK(tt_model_forward_backward(fm, tok, tgt, B, T, 1.0f, &loss) == TT_OK, "recovered");
            r2.fail_entry = E_STATS;
            CHECK(tt_adamw_step(fm, &opt, NULL) == TT_ERR_BACKEND && tt_model_step(fm) == 0, "adamw: stats failure, no step");
            r2.fail_entry = E_ALLOC;
            {
                tt_generator *g = NULL;
                CHECK(tt_generator_create(fm, &g) != TT_OK && g == NULL, "generator: backend alloc failure");
            }
            r2.fail_entry = -1;
            tt_model_destroy(fm);
        }
        /* the k-th allocation of create fails: refused, nothing left allocated */
        {
            rec r3;
            tt_backend t3 = recorder(&r3, tt_model_backend(ref));
            int k, i, live;
            c3.backend = &t3;
            for (k = 0; k < 5; k++) {
                tt_model *x = NULL;
                r3.n_buf = 0;
                memset(r3.calls, 0, sizeof r3.calls);
                r3.fail_entry = E_ALLOC; r3.fail_at = k;
                CHECK(tt_model_create(&c3, &x) == TT_ERR_BACKEND && x == NULL, "create: an allocation fails");
                for (live = 0, i = 0; i < r3.n_buf; i++) live += r3.buf[i].p != NULL;
                CHECK(live == 0 && r3.n_buf == k, "no backend buffer left after a failed create");
            }
        }
    }
    free(init);
    tt_model_destroy(back);
    tt_model_destroy(m);
    tt_model_destroy(ref);
    reset_counts(&r);
}

/* tt_model_memory_breakdown: adds up to tt_model_memory_size; a backend's
 * share moves out of the host block */
static void breakdown(void) {
    tt_model_config c = config(2);
    tt_memory_breakdown bc, bb;
    size_t total, P;
    tt_model *m = NULL;
    rec r;
    tt_backend t;
    CHECK(tt_model_create(&c, &m) == TT_OK, "model");
    if (!m) return;
    P = tt_model_num_params(m) * sizeof(float);
    CHECK(tt_model_memory_breakdown(&c, &bc) == TT_OK && tt_model_memory_size(&c, &total) == TT_OK, "breakdown");
    CHECK(bc.total == total, "total = tt_model_memory_size");
    CHECK(bc.params + bc.grads + bc.moments + bc.activations + bc.scratch + bc.packed + bc.other == bc.total, "adds up");
    CHECK(bc.params == P && bc.grads == P && bc.moments == 2 * P && bc.backend == 0, "params, grads, moments");
    CHECK(bc.activations > 0 && bc.scratch > 0 && bc.other > 0 && bc.other < 65536, "activations, scratch, other");
    printf("breakdown (CPU): params %zu grads %zu moments %zu activations %zu scratch %zu packed %zu other %zu\n",
           bc.params, bc.grads, bc.moments, bc.activations, bc.scratch, bc.packed, bc.other);
    t = recorder(&r, tt_model_backend(m));
    c.backend = &t;
    CHECK(tt_model_memory_breakdown(&c, &bb) == TT_OK, "breakdown with a backend");
    CHECK(bb.activations == 0 && bb.packed == 0 && bb.params == P && bb.backend == 4 * P + bc.activations,
          "backend: activations and weights in its buffers, host copies here");
    tt_model_destroy(m);
}

/* cfg.recompute: the same bits with fewer activations kept (B*T > 512:
 * the lm head also packs wte per chunk, and its logits chunk lives in
 * dqkv..dfch: 403 rows instead of 512, so the chunks differ too); through
 * the recorder, one GELU, two LayerNorms and one attention forward more per
 * layer in each backward */
static void recompute(int threads, int precision) {
    enum { B2 = 12, T2 = 48 }; /* 576 rows: two lm head chunks */
    tt_model_config c = config(threads);
    tt_model *a = NULL, *b = NULL, *r = NULL;
    tt_memory_breakdown ba, bb;
    rec rr;
    tt_backend t;
    static int32_t tok[B2 * T2], tgt[B2 * T2];
    float la, lb, lr;
    int step, i;
    size_t P;
    tt_adamw_config opt;
    c.max_batch = B2;
    c.precision = precision;
    CHECK(tt_model_create(&c, &a) == TT_OK && tt_model_memory_breakdown(&c, &ba) == TT_OK, "recompute off");
    c.recompute = 1;
    CHECK(tt_model_create(&c, &b) == TT_OK && tt_model_memory_breakdown(&c, &bb) == TT_OK, "recompute on");
    if (!a || !b) return;
    /* 7 (N, C) arrays per layer (ln1, ln2, atty, fch_gelu) and the logits
     * chunk (512 rows of Vp = 320), + alignment; the two packed wte copies */
    CHECK(ba.activations - bb.activations >= ((size_t)L * 7 * B2 * T2 * C + 512 * 320) * sizeof(float),
          "activations smaller");
    CHECK(bb.packed < ba.packed, "no packed wte copies");
    printf("recompute: activations %zu -> %zu bytes, packed %zu -> %zu\n", ba.activations, bb.activations, ba.packed,
           bb.packed);
    t = recorder(&rr, tt_model_backend(a));
    c.backend = &t;
    CHECK(tt_model_create(&c, &r) == TT_OK, "recompute on, through the recorder");
    if (!r) return;
    memset(&opt, 0, sizeof opt);
    opt.lr = 3e-3f; opt.weight_decay = 0.1f;
    P = tt_model_num_params(a);
    for (step = 0; step < 3; step++) {
        for (i = 0; i < B2 * T2; i++) { tok[i] = (int32_t)((i * 31 + step * 17 + 3) % V); tgt[i] = (int32_t)((i * 7 + step) % V); }
        reset_counts(&rr);
        if (step == 1) {
            CHECK(tt_model_forward(a, tok, tgt, B2, T2, &la) == TT_OK && tt_model_backward(a, 1.0f) == TT_OK, "a");
            CHECK(tt_model_forward(b, tok, tgt, B2, T2, &lb) == TT_OK && tt_model_backward(b, 1.0f) == TT_OK, "b");
            CHECK(tt_model_forward(r, tok, tgt, B2, T2, &lr) == TT_OK && tt_model_backward(r, 1.0f) == TT_OK, "r");
        } else {
            CHECK(tt_model_forward_backward(a, tok, tgt, B2, T2, 1.0f, &la) == TT_OK, "a");
            CHECK(tt_model_forward_backward(b, tok, tgt, B2, T2, 1.0f, &lb) == TT_OK, "b");
            CHECK(tt_model_forward_backward(r, tok, tgt, B2, T2, 1.0f, &lr) == TT_OK, "r");
        }
        CHECK(rr.calls[E_GELU] == L && rr.calls[E_LN_FWD] == 2 * L + 1 + 2 * L && rr.calls[E_ATT_FWD] == 2 * L,
              "recompute: 1 GELU, 2 LayerNorms, 1 attention forward per layer");
        CHECK(memcmp(&la, &lb, 4) == 0 && memcmp(&la, &lr, 4) == 0, "recompute: loss bitwise equal");
        CHECK(same(tt_model_grads(a), tt_model_grads(b), P), "recompute: gradients bitwise equal");
        CHECK(tt_adamw_step(a, &opt, NULL) == TT_OK && tt_adamw_step(b, &opt, NULL) == TT_OK &&
              tt_adamw_step(r, &opt, NULL) == TT_OK, "adamw");
    }
    CHECK(tt_model_download(r) == TT_OK, "download");
    CHECK(same(tt_model_params(a), tt_model_params(b), P) && same(tt_model_params(a), tt_model_params(r), P),
          "recompute: parameters bitwise equal after 3 steps");
    tt_model_destroy(r);
    tt_model_destroy(b);
    tt_model_destroy(a);
}

/* precision bf16 through the recorder: bf16 flags on exactly the linear
 * layers' GEMMs (forward and dx with the weights' bf16 copy, dW rounding
 * both inputs), one weight conversion after each AdamW step, and the same
 * bits as the plain bf16 CPU model */
static void bf16(void) {
    tt_model_config c = config(2);
    tt_model *a = NULL, *b = NULL;
    rec r;
    tt_backend t;
    int32_t tok[B * T], tgt[B * T];
    float la, lb;
    int step;
    tt_adamw_config opt;
    c.precision = TT_PRECISION_BF16;
    CHECK(tt_model_create(&c, &a) == TT_OK, "bf16 model");
    if (!a) return;
    t = recorder(&r, tt_model_backend(a));
    c.backend = &t;
    CHECK(tt_model_create(&c, &b) == TT_OK, "bf16 model through the recorder");
    if (!b) { tt_model_destroy(a); return; }
    memset(&opt, 0, sizeof opt);
    opt.lr = 1e-3f;
    for (step = 0; step < 2; step++) {
        batch(step, tok, tgt);
        reset_counts(&r);
        CHECK(tt_model_forward_backward(a, tok, tgt, B, T, 1.0f, &la) == TT_OK &&
              tt_model_forward_backward(b, tok, tgt, B, T, 1.0f, &lb) == TT_OK, "bf16 step");
        CHECK(memcmp(&la, &lb, 4) == 0, "bf16: loss bitwise equal through the table");
        CHECK(r.calls[E_TO_BF16] == 1, "bf16: one weight conversion before the step's forward");
        CHECK(r.calls[E_GEMM] == 12 * L && r.gemm_bf16 == 12 * L && r.gemm_bh == 8 * L,
              "bf16: the 12 L linear GEMMs in bf16, 8 L of them from the weights' copy");
        CHECK(r.foreign == 0, "bf16: op arguments inside the backend's buffers");
        CHECK(tt_adamw_step(a, &opt, NULL) == TT_OK && tt_adamw_step(b, &opt, NULL) == TT_OK, "adamw");
    }
    reset_counts(&r);
    CHECK(tt_model_forward(b, tok, NULL, B, T, NULL) == TT_OK, "inference forward");
    CHECK(r.gemm_bf16 == 4 * L && r.calls[E_GEMM] == 4 * L + 1, "bf16: the logits GEMM stays fp32");
    tt_model_destroy(b);
    tt_model_destroy(a);
}

int main(void) {
    breakdown();
    bf16();
    recompute(1, TT_PRECISION_FP32);
    recompute(2, TT_PRECISION_FP32);
    recompute(2, TT_PRECISION_BF16);
    run(1);
    run(2);
    if (failures) { printf("test_backend: %d failure(s)\n", failures); return 1; }
    printf("test_backend: ok\n");
    return 0;
}
