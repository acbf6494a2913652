/* tests/robust/test_robust.c -- adversarial use of the public API, as a new
 * user might try it: every optimizer number at its edges, calls in the wrong
 * order, NULLs, a NaN model, a writer fed a bad id, and full disks (an io
 * callback that stops accepting bytes at every offset, a file-size limit
 * (RLIMIT_FSIZE) at many offsets, and path.tmp pointing at /dev/full) during
 * every kind of save. The rule checked everywhere: a refused call returns a
 * non-OK status and loses nothing (parameters, moments, step, gradients,
 * old files are what they were).
 * Also a helper for tests/robust/kill_resume.sh:
 *   test_robust --ckload PATH   exit 0 iff PATH is a checkpoint that loads. */
#define _POSIX_C_SOURCE 200809L
#ifndef TT_TEST_SPLIT
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include "../core/tt_test.h"
#include <math.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[256];

static tt_model_config small_config(int threads) {
    tt_model_config cfg = TT_ZERO;
    /* > 65536 parameters: the update check spans several chunks */
    cfg.vocab_size = 67; cfg.n_ctx = 8; cfg.n_layer = 2; cfg.n_head = 2; cfg.d_model = 64;
    cfg.max_batch = 2; cfg.n_threads = threads;
    return cfg;
}

static void fill_batch(int32_t *tok, int32_t *tgt, int n, int V, uint32_t seed) {
    tt_rng r;
    int i;
    tt_rng_seed(&r, seed);
    for (i = 0; i < n; i++) { tok[i] = (int32_t)(tt_rng_u32(&r) % (uint32_t)V); tgt[i] = (int32_t)(tt_rng_u32(&r) % (uint32_t)V); }
}

/* a copy of everything a step may change */
typedef struct snap { float *p, *g, *m, *v; uint64_t step; size_t n; } snap;
static void snap_take(snap *s, tt_model *m) {
    size_t b;
    s->n = tt_model_num_params(m);
    b = s->n * sizeof(float);
    if (!s->p) {
        s->p = (float *)malloc(b); s->g = (float *)malloc(b); s->m = (float *)malloc(b); s->v = (float *)malloc(b);
        if (!s->p || !s->g || !s->m || !s->v) exit(1);
    }
    memcpy(s->p, tt_model_params(m), b); memcpy(s->g, tt_model_grads(m), b);
    memcpy(s->m, tt_model_adam_m(m), b); memcpy(s->v, tt_model_adam_v(m), b);
    s->step = tt_model_step(m);
}
/* 1 when p, m, v, step (and the gradients when with_grads) equal the snapshot */
static int snap_same(const snap *s, tt_model *m, int with_grads) {
    size_t b = s->n * sizeof(float);
    return memcmp(s->p, tt_model_params(m), b) == 0 && memcmp(s->m, tt_model_adam_m(m), b) == 0 &&
           memcmp(s->v, tt_model_adam_v(m), b) == 0 && s->step == tt_model_step(m) &&
           (!with_grads || memcmp(s->g, tt_model_grads(m), b) == 0);
}
static int grads_zero(tt_model *m) {
    size_t k, n = tt_model_num_params(m);
    for (k = 0; k < n; k++) if (tt_model_grads(m)[k] != 0.0f) return 0;
    return 1;
}
static int params_finite(tt_model *m) {
    size_t k, n = tt_model_num_params(m);
    for (k = 0; k < n; k++)
        if (!isfinite(tt_model_params(m)[k]) || !isfinite(tt_model_adam_m(m)[k]) || !isfinite(tt_model_adam_v(m)[k]))
            return 0;
    return 1;
}
static void fwd_bwd(tt_model *m, const int32_t *tok, const int32_t *tgt) {
    float loss;
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_model_backward(m, 1.0f));
}

/* ---- 1. optimizer numbers ---- */
static void test_adamw_numbers(int threads) {
    tt_model_config cfg = small_config(threads);
    tt_model *m = NULL;
    tt_adamw_config good = TT_ZERO, c;
    snap s = { NULL, NULL, NULL, NULL, 0, 0 };
    int32_t tok[16], tgt[16];
    int i, n_invalid = 0, n_overflow = 0;
    const float inf = INFINITY, nan = NAN;
    REQUIRE_OK(tt_model_create(&cfg, &m));
    CHECK(tt_model_num_params(m) > 65536);
    fill_batch(tok, tgt, 16, 67, 3);
    good.lr = 1e-3f; good.weight_decay = 0.1f; good.grad_clip = 1.0f;
    good.schedule = TT_LR_COSINE; good.total_steps = 100; good.warmup_steps = 2; good.min_lr = 1e-4f;
    for (i = 0; i < 2; i++) { fwd_bwd(m, tok, tgt); REQUIRE_OK(tt_adamw_step(m, &good, NULL)); }

    /* numbers no step can use: INVALID_ARG, nothing touched (gradients kept) */
    for (i = 0; ; i++) {
        c = good;
        switch (i) {
        case 0: c.lr = inf; break;            case 1: c.lr = nan; break;
        case 2: c.lr = -1e-3f; break;         case 3: c.lr = -inf; break;
        case 4: c.min_lr = nan; break;        case 5: c.min_lr = inf; break;
        case 6: c.min_lr = -1e-4f; break;     case 7: c.eps = nan; break;
        case 8: c.eps = inf; break;           case 9: c.eps = -1e-8f; break;
        case 10: c.beta1 = 1.0f; break;       case 11: c.beta1 = nan; break;
        case 12: c.beta1 = -0.5f; break;      case 13: c.beta2 = 1.0f; break;
        case 14: c.beta2 = nan; break;        case 15: c.beta2 = 1.5f; break;
        case 16: c.weight_decay = nan; break; case 17: c.weight_decay = inf; break;
        case 18: c.weight_decay = -0.1f; break; case 19: c.grad_clip = nan; break;
        case 20: c.grad_clip = -1.0f; break;  case 21: c.grad_clip = inf; break;
        case 22: c.warmup_steps = -1; break;  case 23: c.total_steps = -5; break;
        case 24: c.schedule = 7; break;       case 25: c.schedule = -1; break;
        case 26: c.lr = 3e38f; c.min_lr = -3e38f; break; /* lr - min_lr overflows */
        default: break;
        }
        if (i > 26) break;
        fwd_bwd(m, tok, tgt);
        snap_take(&s, m);
        CHECK_STATUS(tt_adamw_step(m, &c, NULL), TT_ERR_INVALID_ARG);
        if (!snap_same(&s, m, 1)) { fprintf(stderr, "  invalid config case %d changed the model\n", i); tt_test_failures++; }
        tt_model_zero_grad(m);
        n_invalid++;
    }
    CHECK_STATUS(tt_adamw_step(m, NULL, NULL), TT_OK); /* NULL config = defaults: fine */

    /* valid numbers whose update overflows (cases 0-2: lr*wd = Inf, lr/(1-b1^t)
     * = Inf, lr*wd = 1e60) must be refused: NONFINITE, p/m/v/step kept, the
     * batch dropped; the others (huge but maybe finite) may go either way,
     * but never leave a NaN/Inf behind */
    for (i = 0; i < 7; i++) {
        c = good;
        c.schedule = TT_LR_CONSTANT;
        switch (i) {
        case 0: c.lr = 3e38f; c.weight_decay = 2.0f; break;
        case 1: c.lr = 3e38f; c.beta1 = 0.999f; c.weight_decay = 0.0f; break;
        case 2: c.lr = 1e30f; c.weight_decay = 1e30f; break;
        case 3: c.lr = 3e38f; c.schedule = TT_LR_COSINE; c.min_lr = 0.0f; break;
        case 4: c.lr = 1e20f; c.eps = 1e-30f; break;
        case 5: c.lr = 1e37f; c.warmup_steps = 0; break;
        case 6: c.lr = 1.0f; c.eps = 1e-45f; c.beta1 = 0.0f; c.grad_clip = 0.0f; break;
        }
        fwd_bwd(m, tok, tgt);
        snap_take(&s, m);
        {
            tt_status st = tt_adamw_step(m, &c, NULL);
            if (st == TT_OK) { /* only acceptable if the result is finite */
                CHECK(i >= 3);
                CHECK(params_finite(m));
                continue;
            }
            CHECK_STATUS(st, TT_ERR_NONFINITE);
            if (!snap_same(&s, m, 0)) { fprintf(stderr, "  overflow case %d changed the model\n", i); tt_test_failures++; }
            CHECK(grads_zero(m));
            if (i < 3) n_overflow++;
        }
        CHECK(params_finite(m));
    }
    CHECK(n_overflow == 3);

    /* big but harmless numbers are not refused */
    c = good; c.lr = 10.0f; c.weight_decay = 0.5f;
    fwd_bwd(m, tok, tgt);
    CHECK_STATUS(tt_adamw_step(m, &c, NULL), TT_OK);
    CHECK(params_finite(m));

    /* state that is already broken: a NaN moment, a negative v, an Inf
     * parameter (written through the live pointers between steps) */
    for (i = 0; i < 3; i++) {
        size_t n = tt_model_num_params(m), at = i == 0 ? n - 1 : i == 1 ? n / 2 : 0;
        float *arr = i == 0 ? tt_model_adam_m(m) : i == 1 ? tt_model_adam_v(m) : tt_model_params(m);
        float old;
        fwd_bwd(m, tok, tgt);
        old = arr[at];
        arr[at] = i == 0 ? nan : i == 1 ? -1.0f : inf;
        snap_take(&s, m);
        CHECK_STATUS(tt_adamw_step(m, &good, NULL), TT_ERR_NONFINITE);
        CHECK(snap_same(&s, m, 0));
        arr[at] = old;
    }

    /* the step counter at its end: no wrap to 0 (bias correction 1 - b^0 = 0) */
    fwd_bwd(m, tok, tgt);
    tt_model_set_step(m, UINT64_MAX);
    snap_take(&s, m);
    CHECK_STATUS(tt_adamw_step(m, &good, NULL), TT_ERR_INVALID_ARG);
    CHECK(snap_same(&s, m, 1));
    tt_model_set_step(m, UINT64_MAX - 1);
    CHECK_STATUS(tt_adamw_step(m, &good, NULL), TT_OK);
    CHECK(tt_model_step(m) == UINT64_MAX);
    CHECK(params_finite(m));
    fwd_bwd(m, tok, tgt);
    CHECK_STATUS(tt_adamw_step(m, &good, NULL), TT_ERR_INVALID_ARG);
    CHECK(params_finite(m));
    tt_model_set_step(m, 0);
    tt_model_zero_grad(m);

    /* still trains normally afterwards */
    fwd_bwd(m, tok, tgt);
    CHECK_STATUS(tt_adamw_step(m, &good, NULL), TT_OK);
    CHECK(tt_model_step(m) == 1);
    CHECK(params_finite(m));
    printf("adamw numbers (threads %d): %d invalid configs refused untouched, %d overflowing updates refused\n",
           threads, n_invalid, n_overflow);
    free(s.p); free(s.g); free(s.m); free(s.v);
    tt_model_destroy(m);
}

/* ---- 2. call order ---- */
static void test_call_order(void) {
    tt_model_config cfg = small_config(1), zc;
    tt_model *m = NULL;
    tt_adamw_config opt = TT_ZERO;
    snap s = { NULL, NULL, NULL, NULL, 0, 0 };
    int32_t tok[16], tgt[16];
    float loss = 0, logits[2 * 67];
    tt_tensor_info ti;
    char path[512];
    REQUIRE_OK(tt_model_create(&cfg, &m));
    fill_batch(tok, tgt, 16, 67, 5);
    opt.lr = 1e-3f;

    /* NULL model everywhere: no crash, neutral answers */
    zc = tt_model_get_config(NULL);
    CHECK(zc.vocab_size == 0 && zc.n_layer == 0 && zc.logger.fn == NULL);
    CHECK(tt_model_num_params(NULL) == 0 && tt_model_params(NULL) == NULL && tt_model_grads(NULL) == NULL);
    CHECK(tt_model_adam_m(NULL) == NULL && tt_model_adam_v(NULL) == NULL && tt_model_step(NULL) == 0);
    CHECK(tt_model_num_tensors(NULL) == 0);
    CHECK_STATUS(tt_model_tensor(NULL, 0, &ti), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(m, -1, &ti), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(m, tt_model_num_tensors(m), &ti), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(m, 0, NULL), TT_ERR_INVALID_ARG);
    tt_model_set_step(NULL, 5);
    tt_model_zero_grad(NULL);
    tt_model_destroy(NULL);
    CHECK_STATUS(tt_model_logits(NULL, logits, 134), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_forward_backward(NULL, tok, tgt, 2, 8, 1.0f, &loss), TT_ERR_INVALID_ARG);
    CHECK(tt_model_get_config(m).vocab_size == 67);

    /* backward with nothing to differentiate */
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    /* a second backward of one forward */
    fwd_bwd(m, tok, tgt);
    snap_take(&s, m);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(snap_same(&s, m, 1));
    /* a failed forward (bad target id) after a good one: the old batch is not
     * back-propagated again */
    tt_model_zero_grad(m);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    tgt[7] = 67;
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    tgt[7] = 3;
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    /* failed for a shape or NULL tokens: the same */
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 3, 8, &loss), TT_ERR_SHAPE);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    CHECK_STATUS(tt_model_forward(m, NULL, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    /* backward after the weights moved: old activations, new weights */
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_model_backward(m, 1.0f));
    REQUIRE_OK(tt_adamw_step(m, &opt, NULL));
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_adamw_step(m, &opt, NULL)); /* a step on zero gradients is legal */
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    /* the fused call is its own backward */
    REQUIRE_OK(tt_model_forward_backward(m, tok, tgt, 2, 8, 1.0f, &loss));
    snap_take(&s, m);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(snap_same(&s, m, 1));
    tt_model_zero_grad(m);
    /* non-finite grad_scale */
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    CHECK_STATUS(tt_model_backward(m, NAN), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_backward(m, INFINITY), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    CHECK_STATUS(tt_model_backward(m, 0.5f), TT_OK); /* the forward is still there */
    tt_model_zero_grad(m);
    CHECK_STATUS(tt_model_forward_backward(m, tok, tgt, 2, 8, NAN, &loss), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    /* logits: only right after a successful inference forward */
    REQUIRE_OK(tt_model_forward(m, tok, NULL, 2, 8, NULL));
    CHECK_STATUS(tt_model_logits(m, logits, 134), TT_OK);
    tok[0] = -3;
    CHECK_STATUS(tt_model_forward(m, tok, NULL, 2, 8, NULL), TT_ERR_INVALID_ARG);
    tok[0] = 1;
    CHECK_STATUS(tt_model_logits(m, logits, 134), TT_ERR_INVALID_ARG);
    /* a checkpoint load replaces the weights: the forward before it is over */
    snprintf(path, sizeof(path), "%s/order.ttck", g_dir);
    REQUIRE_OK(tt_checkpoint_save_file(path, m, NULL, NULL));
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_checkpoint_load_file(path, m, NULL, NULL, NULL));
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK(grads_zero(m));
    printf("call order: out-of-order backward/logits refused, nothing changed\n");
    free(s.p); free(s.g); free(s.m); free(s.v);
    tt_model_destroy(m);
}

/* ---- 3. NaN model: sampling and saving refuse ---- */
static void test_nan_model(void) {
    tt_model_config cfg = small_config(1);
    tt_model *m = NULL;
    tt_generator *g = NULL;
    tt_sample_config sc;
    tt_rng rng;
    int32_t prompt[3] = { 1, 2, 3 }, out[8], id = -7;
    int n_out = -1;
    size_t k, n;
    char path[512];
    FILE *f;
    long before, after;
    REQUIRE_OK(tt_model_create(&cfg, &m));
    snprintf(path, sizeof(path), "%s/nan.ttck", g_dir);
    REQUIRE_OK(tt_checkpoint_save_file(path, m, NULL, NULL));
    n = tt_model_num_params(m);
    for (k = 0; k < n; k++) tt_model_params(m)[k] = NAN;
    REQUIRE_OK(tt_generator_create(m, &g));
    memset(&sc, 0, sizeof(sc));
    tt_rng_seed(&rng, 1);
    CHECK_STATUS(tt_generator_feed(g, prompt, 3), TT_OK);
    CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_NONFINITE);
    sc.greedy = 1;
    CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_NONFINITE);
    CHECK(id == -7);
    sc.greedy = 0;
    CHECK_STATUS(tt_generate(g, prompt, 3, &sc, out, 8, &n_out), TT_ERR_NONFINITE);
    CHECK(n_out == 0);
    /* one Inf parameter is enough to refuse the save; the old file stays */
    f = fopen(path, "rb"); if (!f) exit(1); fseek(f, 0, SEEK_END); before = ftell(f); fclose(f);
    CHECK_STATUS(tt_checkpoint_save_file(path, m, NULL, NULL), TT_ERR_NONFINITE);
    for (k = 0; k < n; k++) tt_model_params(m)[k] = 0.01f;
    tt_model_adam_v(m)[n / 2] = INFINITY;
    CHECK_STATUS(tt_checkpoint_save_file(path, m, NULL, NULL), TT_ERR_NONFINITE);
    tt_model_adam_v(m)[n / 2] = 0.0f;
    f = fopen(path, "rb"); if (!f) exit(1); fseek(f, 0, SEEK_END); after = ftell(f); fclose(f);
    CHECK(before == after);
    REQUIRE_OK(tt_checkpoint_load_file(path, m, NULL, NULL, NULL)); /* still the good one */
    CHECK(params_finite(m));
    printf("NaN model: sample/generate/checkpoint save refuse with TT_ERR_NONFINITE\n");
    tt_generator_destroy(g);
    tt_model_destroy(m);
}

/* ---- file helpers ---- */
static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long len;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    b = (unsigned char *)malloc((size_t)len + 1);
    if (!b) exit(1);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) { free(b); fclose(f); return NULL; }
    fclose(f);
    *n = (size_t)len;
    return b;
}
static int same_file(const char *path, const unsigned char *want, size_t n) {
    size_t m;
    unsigned char *b = slurp(path, &m);
    int ok = b && m == n && memcmp(b, want, n) == 0;
    free(b);
    return ok;
}
static int exists(const char *path) { struct stat st; return lstat(path, &st) == 0; }

/* ---- 4. the token writer ---- */
static void test_token_writer(void) {
    char path[512], tmp[520];
    int32_t ids[4] = { 1, 2, 3, 4 }, bad[2] = { 5, 99 };
    unsigned char *old;
    size_t n_old;
    tt_token_writer *w = NULL;
    snprintf(path, sizeof(path), "%s/w.tok", g_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    REQUIRE_OK(tt_tokens_write_file(path, ids, 4, 50));
    old = slurp(path, &n_old);
    CHECK(old != NULL);
    /* append OK, append with an id out of range, append OK, close */
    REQUIRE_OK(tt_token_writer_open(path, 50, NULL, &w));
    CHECK_STATUS(tt_token_writer_append(w, ids, 4), TT_OK);
    CHECK_STATUS(tt_token_writer_append(w, bad, 2), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_append(w, ids, 4), TT_ERR_INVALID_ARG); /* sticky */
    CHECK_STATUS(tt_token_writer_close(w), TT_ERR_INVALID_ARG);
    CHECK(same_file(path, old, n_old));
    CHECK(!exists(tmp));
    /* NULL ids with n > 0, then a good append: still refused at close */
    REQUIRE_OK(tt_token_writer_open(path, 50, NULL, &w));
    CHECK_STATUS(tt_token_writer_append(w, NULL, 3), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_close(w), TT_ERR_INVALID_ARG);
    CHECK(same_file(path, old, n_old));
    /* empty appends are fine; abort keeps the old file */
    REQUIRE_OK(tt_token_writer_open(path, 50, NULL, &w));
    CHECK_STATUS(tt_token_writer_append(w, NULL, 0), TT_OK);
    tt_token_writer_abort(w);
    CHECK(same_file(path, old, n_old));
    CHECK(!exists(tmp));
    /* argument edges */
    CHECK_STATUS(tt_token_writer_append(NULL, ids, 1), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_close(NULL), TT_ERR_INVALID_ARG);
    tt_token_writer_abort(NULL);
    w = NULL;
    CHECK_STATUS(tt_token_writer_open(path, 0, NULL, &w), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_open(path, TT_MAX_VOCAB + 1, NULL, &w), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_open(NULL, 50, NULL, &w), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_token_writer_open("/nonexistent-dir-tt/x.tok", 50, NULL, &w), TT_ERR_IO);
    CHECK(w == NULL);
    CHECK_STATUS(tt_tokens_write_file(path, bad, 2, 50), TT_ERR_INVALID_ARG);
    CHECK(same_file(path, old, n_old));
    /* a good writer still works */
    REQUIRE_OK(tt_token_writer_open(path, 50, NULL, &w));
    REQUIRE_OK(tt_token_writer_append(w, ids, 4));
    REQUIRE_OK(tt_token_writer_append(w, ids, 4));
    REQUIRE_OK(tt_token_writer_close(w));
    {
        tt_token_file_info info;
        REQUIRE_OK(tt_tokens_info_file(path, NULL, &info));
        CHECK(info.count == 8);
    }
    printf("token writer: a refused append makes close fail and keep the old file\n");
    free(old);
}

/* ---- 5. unreadable paths are named as such ---- */
static void test_paths(void) {
    tt_model_config cfg = small_config(1), rc;
    tt_model *m = NULL;
    tt_token_file_info info;
    tt_loader *l = NULL;
    tt_loader_config lc = TT_ZERO;
    char missing[512];
    REQUIRE_OK(tt_model_create(&cfg, &m));
    snprintf(missing, sizeof(missing), "%s/no-such-file", g_dir);
    lc.batch = 1; lc.seq_len = 4;
    CHECK_STATUS(tt_checkpoint_load_file(g_dir, m, NULL, NULL, NULL), TT_ERR_IO);      /* a directory */
    CHECK_STATUS(tt_checkpoint_read_config_file(g_dir, NULL, &rc), TT_ERR_IO);
    CHECK_STATUS(tt_checkpoint_load_file(missing, m, NULL, NULL, NULL), TT_ERR_IO);
    CHECK_STATUS(tt_tokens_info_file(g_dir, NULL, &info), TT_ERR_IO);
    CHECK_STATUS(tt_tokens_info_file(missing, NULL, &info), TT_ERR_IO);
    CHECK_STATUS(tt_loader_open_file(g_dir, &lc, &l), TT_ERR_IO);
    CHECK(l == NULL);
    CHECK_STATUS(tt_checkpoint_save_file(g_dir, m, NULL, NULL), TT_ERR_IO); /* cannot replace a directory */
    CHECK_STATUS(tt_checkpoint_save_file("/nonexistent-dir-tt/c.ttck", m, NULL, NULL), TT_ERR_IO);
    printf("paths: a directory or a missing file gives TT_ERR_IO, not a format error\n");
    tt_model_destroy(m);
}

/* ---- 6. full disks ---- */
/* io that takes `left` bytes, then fails every write (ENOSPC) */
typedef struct full_io { size_t left, taken; int failed; } full_io;
static size_t full_write(void *user, const void *buf, size_t n) {
    full_io *f = (full_io *)user;
    size_t k = n < f->left ? n : f->left;
    (void)buf;
    f->left -= k;
    f->taken += k;
    if (k < n) { f->failed = 1; errno = ENOSPC; }
    return k;
}
typedef struct count_io { size_t n; } count_io;
static size_t count_write(void *user, const void *buf, size_t n) { (void)buf; ((count_io *)user)->n += n; return n; }

enum { SAVE_CKPT, SAVE_TOK, SAVE_TOKENS, SAVE_KINDS };
static const char *kind_name[SAVE_KINDS] = { "checkpoint", "tokenizer", "token file" };
typedef struct save_ctx { tt_model *m; tt_tokenizer *tok; const int32_t *ids; uint64_t n_ids; int32_t V; } save_ctx;

static tt_status save_io(const save_ctx *c, int kind, const tt_io *io) {
    if (kind == SAVE_CKPT) return tt_checkpoint_save(io, c->m, c->tok, NULL);
    if (kind == SAVE_TOK) return tt_tokenizer_save(c->tok, io);
    return tt_tokens_write(io, c->ids, c->n_ids, c->V);
}
static tt_status save_path(const save_ctx *c, int kind, const char *path, int streaming) {
    if (kind == SAVE_CKPT) return tt_checkpoint_save_file(path, c->m, c->tok, NULL);
    if (kind == SAVE_TOK) return tt_tokenizer_save_file(c->tok, path);
    if (streaming) {
        tt_token_writer *w = NULL;
        tt_status st = tt_token_writer_open(path, c->V, NULL, &w);
        uint64_t i;
        if (st != TT_OK) return st;
        for (i = 0; i < c->n_ids; i += 100) {
            tt_status s2 = tt_token_writer_append(w, c->ids + i, (size_t)(c->n_ids - i < 100 ? c->n_ids - i : 100));
            if (s2 != TT_OK) break;
        }
        return tt_token_writer_close(w);
    }
    return tt_tokens_write_file(path, c->ids, c->n_ids, c->V);
}

static void set_fsize(rlim_t v) {
    struct rlimit r;
    if (getrlimit(RLIMIT_FSIZE, &r) != 0) { perror("getrlimit"); exit(1); }
    r.rlim_cur = v;
    if (setrlimit(RLIMIT_FSIZE, &r) != 0) { perror("setrlimit"); exit(1); }
}

static void test_full_disk(void) {
    tt_model_config cfg = small_config(1);
    tt_tokenizer_config tc = TT_ZERO;
    save_ctx c;
    static const char text[] = "the quick brown fox jumps over the lazy dog; the lazy dog sleeps. ";
    char buf[8192];
    int32_t ids[3000];
    size_t n_ids = 0, i;
    int kind, fails = 0, offsets = 0, file_offsets = 0;
    struct rlimit orig;
    memset(&c, 0, sizeof(c));
    for (i = 0; i + sizeof(text) < sizeof(buf); i += sizeof(text) - 1) memcpy(buf + i, text, sizeof(text) - 1);
    buf[i] = 0;
    tc.vocab_size = 300;
    REQUIRE_OK(tt_tokenizer_train(&tc, buf, i, &c.tok));
    REQUIRE_OK(tt_tokenizer_encode(c.tok, buf, i, 0, ids, 3000, &n_ids));
    cfg.vocab_size = tt_tokenizer_vocab_size(c.tok);
    cfg.d_model = 16; /* small: the every-offset loop stays quick */
    REQUIRE_OK(tt_model_create(&cfg, &c.m));
    c.ids = ids; c.n_ids = n_ids; c.V = tt_tokenizer_vocab_size(c.tok);

    /* (a) the io callback stops at every offset (every byte for the small
     * formats; for the checkpoint every byte of the first 1 KB and the last
     * 8, about 500 offsets between) */
    for (kind = 0; kind < SAVE_KINDS; kind++) {
        count_io cnt = { 0 };
        tt_io io;
        size_t total, k, step;
        io.read = NULL; io.write = count_write; io.user = &cnt;
        REQUIRE_OK(save_io(&c, kind, &io));
        total = cnt.n;
        step = total > 16384 ? total / 500 + 1 : 1;
        for (k = 0; k < total; k++) {
            full_io f;
            tt_status st;
            if (k >= 1024 && k + 8 < total && k % step != 0) continue;
            f.left = k; f.taken = 0; f.failed = 0;
            io.write = full_write; io.user = &f;
            st = save_io(&c, kind, &io);
            offsets++;
            if (st != TT_ERR_IO || !f.failed || f.taken != k) {
                if (fails++ < 5) fprintf(stderr, "  %s: io full at %zu of %zu: %s\n", kind_name[kind], k, total, tt_strerror(st));
                tt_test_failures++;
            }
        }
    }

    /* (b) real files with a file-size limit (the kernel's EFBIG, as a full
     * disk): the old file is unchanged, no .tmp is left */
    if (getrlimit(RLIMIT_FSIZE, &orig) != 0) { perror("getrlimit"); exit(1); }
    signal(SIGXFSZ, SIG_IGN);
    for (kind = 0; kind < SAVE_KINDS; kind++) {
        int streaming;
        for (streaming = 0; streaming < (kind == SAVE_TOKENS ? 2 : 1); streaming++) {
            char path[512], tmp[520];
            unsigned char *old;
            size_t n_old, total, k;
            snprintf(path, sizeof(path), "%s/full_%d_%d", g_dir, kind, streaming);
            snprintf(tmp, sizeof(tmp), "%s.tmp", path);
            REQUIRE_OK(save_path(&c, kind, path, streaming));
            old = slurp(path, &n_old);
            if (!old) exit(1);
            total = n_old;
            /* change what would be written, so "unchanged" means something */
            if (kind == SAVE_CKPT) tt_model_set_step(c.m, tt_model_step(c.m) + 1);
            for (k = 0; k < total; k += k < 64 ? 1 : (total / 97 + 1)) {
                tt_status st;
                set_fsize((rlim_t)k);
                st = save_path(&c, kind, path, streaming);
                set_fsize(orig.rlim_cur);
                file_offsets++;
                if (st != TT_ERR_IO || !same_file(path, old, n_old) || exists(tmp)) {
                    if (fails++ < 5)
                        fprintf(stderr, "  %s%s: file limit %zu: %s, old file %s, tmp %s\n", kind_name[kind],
                                streaming ? " (writer)" : "", k, tt_strerror(st),
                                same_file(path, old, n_old) ? "kept" : "CHANGED", exists(tmp) ? "LEFT" : "gone");
                    tt_test_failures++;
                }
            }
            /* ENOSPC itself: path.tmp is a link to /dev/full */
            if (exists("/dev/full")) {
                tt_status st;
                if (symlink("/dev/full", tmp) != 0) { perror("symlink"); exit(1); }
                st = save_path(&c, kind, path, streaming);
                CHECK_STATUS(st, TT_ERR_IO);
                CHECK(same_file(path, old, n_old));
                if (exists(tmp)) { fprintf(stderr, "  /dev/full link left behind\n"); tt_test_failures++; unlink(tmp); }
            }
            free(old);
        }
    }
    if (!exists("/dev/full")) printf("SKIP: /dev/full missing: the ENOSPC-device part did not run\n");
    printf("full disk: io failing at %d offsets, file-size limit at %d offsets, /dev/full: all TT_ERR_IO, "
           "old files intact\n", offsets, file_offsets);
    tt_model_destroy(c.m);
    tt_tokenizer_destroy(c.tok);
}


/* ---- 7. every other public entry at its edges ---- */
static void test_misc_edges(void) {
    tt_model_config cfg = small_config(1);
    tt_model *m = NULL, *m2 = (tt_model *)&cfg;
    tt_generator *g = NULL;
    tt_sample_config sc;
    tt_rng rng;
    tt_loader *l = NULL, *l2 = (tt_loader *)&cfg;
    tt_loader_config lc = TT_ZERO;
    tt_loader_state ls;
    tt_adamw_config ac = TT_ZERO;
    int32_t ids[64], in[16], tg[16], out[8], id = -1;
    int i, n_out = -1;
    float lr;
    for (i = 0; i < 64; i++) ids[i] = i % 67;
    /* status strings, CRC, RNG, schedule */
    CHECK(tt_strerror((tt_status)-999) != NULL && tt_strerror((tt_status)5) != NULL);
    CHECK(tt_crc32(0, NULL, 0) == 0);
    CHECK(tt_lr_at(NULL, 0) == 3e-4f);
    ac.lr = 1e-3f; ac.schedule = TT_LR_COSINE; ac.total_steps = 10; ac.warmup_steps = 3;
    lr = tt_lr_at(&ac, UINT64_MAX);
    CHECK(isfinite(lr) && lr >= 0.0f);
    ac.total_steps = 2; /* shorter than the warmup: constant after it */
    CHECK(isfinite(tt_lr_at(&ac, 5)));
    /* model configs at their edges: refused, *out untouched */
    for (i = 0; i < 9; i++) {
        tt_model_config c = small_config(1);
        switch (i) {
        case 0: c.vocab_size = 0; break;            case 1: c.vocab_size = -5; break;
        case 2: c.vocab_size = TT_MAX_VOCAB + 1; break; case 3: c.n_head = 5; break;
        case 4: c.d_model = -64; break;             case 5: c.n_ctx = -1; break;
        case 6: c.max_batch = -2; break;            case 7: c.n_layer = -1; break;
        case 8: c.d_model = TT_MAX_DIM * 2; break;
        }
        m2 = (tt_model *)&cfg;
        if (tt_model_create(&c, &m2) == TT_OK) { fprintf(stderr, "  model config case %d accepted\n", i); tt_test_failures++; tt_model_destroy(m2); }
        else CHECK(m2 == (tt_model *)&cfg);
    }
    CHECK_STATUS(tt_model_create(NULL, &m), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_create(&cfg, NULL), TT_ERR_INVALID_ARG);
    REQUIRE_OK(tt_model_create(&cfg, &m));
    /* generator */
    CHECK_STATUS(tt_generator_create(NULL, &g), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_generator_create(m, NULL), TT_ERR_INVALID_ARG);
    REQUIRE_OK(tt_generator_create(m, &g));
    memset(&sc, 0, sizeof(sc));
    tt_rng_seed(&rng, 3);
    CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG); /* nothing fed */
    CHECK(tt_generator_logits(g) == NULL);
    CHECK_STATUS(tt_generator_feed(g, NULL, 1), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_generator_feed(g, ids, 0), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_generator_feed(g, ids, -1), TT_ERR_INVALID_ARG);
    ids[0] = 67;
    CHECK_STATUS(tt_generator_feed(g, ids, 1), TT_ERR_INVALID_ARG);
    ids[0] = -1;
    CHECK_STATUS(tt_generator_feed(g, ids, 1), TT_ERR_INVALID_ARG);
    ids[0] = 0;
    CHECK(tt_generator_pos(g) == 0);
    CHECK_STATUS(tt_generator_feed(g, ids, 9), TT_ERR_SHAPE); /* n_ctx 8 */
    CHECK(tt_generator_pos(g) == 0);
    REQUIRE_OK(tt_generator_feed(g, ids, 8));
    CHECK_STATUS(tt_generator_feed(g, ids, 1), TT_ERR_SHAPE);
    sc.temperature = NAN;  CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.temperature = -1.0f; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.temperature = INFINITY; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.temperature = 0.0f;
    sc.top_p = NAN;  CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.top_p = 1.5f; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.top_p = -0.5f; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.top_p = 0.0f;
    sc.top_k = -1; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_ERR_INVALID_ARG);
    sc.top_k = 1000; CHECK_STATUS(tt_generator_sample(g, &sc, &rng, &id), TT_OK); /* k > V = all */
    CHECK(id >= 0 && id < 67);
    sc.top_k = 0;
    CHECK_STATUS(tt_generator_sample(g, &sc, NULL, &id), TT_ERR_INVALID_ARG); /* sampling needs an rng */
    CHECK_STATUS(tt_generator_sample(g, &sc, &rng, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_generate(g, ids, 0, &sc, out, 8, &n_out), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_generate(g, ids, 9, &sc, out, 8, &n_out), TT_ERR_SHAPE);
    CHECK_STATUS(tt_generate(g, NULL, 2, &sc, out, 8, &n_out), TT_ERR_INVALID_ARG);
    {
        tt_status st = tt_generate(g, ids, 2, &sc, NULL, 8, &n_out);
        CHECK(st == TT_ERR_INVALID_ARG);
        st = tt_generate(g, ids, 2, &sc, out, -1, &n_out);
        CHECK(st == TT_ERR_INVALID_ARG || (st == TT_OK && n_out == 0));
        st = tt_generate(g, ids, 2, &sc, out, 0, &n_out);
        CHECK(st == TT_OK && n_out == 0);
    }
    CHECK_STATUS(tt_generate(g, ids, 2, &sc, out, 8, &n_out), TT_OK);
    CHECK(n_out == 8);
    tt_generator_destroy(g);
    tt_generator_destroy(NULL);
    tt_generator_reset(NULL);
    CHECK(tt_generator_pos(NULL) == 0 && tt_generator_logits(NULL) == NULL);
    /* loader */
    lc.batch = 2; lc.seq_len = 8;
    CHECK_STATUS(tt_loader_open_memory(NULL, 64, 67, &lc, &l), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_open_memory(ids, 64, 0, &lc, &l), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_open_memory(ids, 64, 67, NULL, &l), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_open_memory(ids, 64, 67, &lc, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_open_memory(ids, 8, 67, &lc, &l), TT_ERR_INVALID_ARG); /* < T+1 ids */
    CHECK_STATUS(tt_loader_open_memory(ids, 64, 5, &lc, &l), TT_ERR_INVALID_ARG); /* ids >= V */
    for (i = 0; i < 6; i++) {
        tt_loader_config c = lc;
        switch (i) {
        case 0: c.batch = 0; break;           case 1: c.seq_len = 0; break;
        case 2: c.batch = -1; break;          case 3: c.val_fraction = NAN; break;
        case 4: c.val_fraction = 0.5f; break; case 5: c.val_fraction = -0.2f; break;
        }
        l2 = (tt_loader *)&cfg;
        if (tt_loader_open_memory(ids, 64, 67, &c, &l2) == TT_OK) {
            fprintf(stderr, "  loader config case %d accepted\n", i); tt_test_failures++; tt_loader_close(l2);
        } else CHECK(l2 == (tt_loader *)&cfg);
    }
    lc.no_val = 1;
    REQUIRE_OK(tt_loader_open_memory(ids, 64, 67, &lc, &l));
    CHECK_STATUS(tt_loader_next(NULL, in, tg), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_next(l, NULL, tg), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_next(l, in, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_val_batch(l, 0, in, tg), TT_ERR_INVALID_ARG); /* no validation split */
    tt_loader_get_state(l, &ls);
    ls.index = 1000000;
    CHECK_STATUS(tt_loader_set_state(l, &ls), TT_ERR_INVALID_ARG);
    tt_loader_get_state(l, &ls);
    ls.n_tokens += 1;
    CHECK_STATUS(tt_loader_set_state(l, &ls), TT_ERR_MISMATCH);
    CHECK_STATUS(tt_loader_set_state(l, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_loader_set_state(NULL, &ls), TT_ERR_INVALID_ARG);
    CHECK(tt_loader_get_info(NULL).batch == 0);
    CHECK(tt_loader_window_start(NULL, 0, 0) == 0);
    CHECK_STATUS(tt_loader_next(l, in, tg), TT_OK);
    tt_loader_close(l);
    tt_loader_close(NULL);
    /* checkpoints */
    {
        tt_io io;
        tt_model_config rc;
        count_io cnt = { 0 };
        io.read = NULL; io.write = count_write; io.user = &cnt;
        CHECK_STATUS(tt_checkpoint_save(NULL, m, NULL, NULL), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_save(&io, NULL, NULL, NULL), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_read_config(NULL, NULL, &rc), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_load(NULL, m, NULL, NULL, NULL), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_save_file(NULL, m, NULL, NULL), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_load_file(NULL, m, NULL, NULL, NULL), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_checkpoint_read_config_file(NULL, NULL, &rc), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_tokens_write(NULL, ids, 4, 67), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_tokens_write(&io, NULL, 4, 67), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_tokens_write(&io, ids, 4, 0), TT_ERR_INVALID_ARG);
        CHECK(cnt.n == 0);
    }
    printf("misc edges: configs, generator, loader, checkpoint and token-file entries refuse bad arguments\n");
    tt_model_destroy(m);
}

/* --ckload PATH: does the checkpoint load into a model of its shape? */
static int ckload(const char *path) {
    tt_model_config cfg;
    tt_model *m = NULL;
    tt_tokenizer *tok = NULL;
    tt_status st = tt_checkpoint_read_config_file(path, NULL, &cfg);
    if (st == TT_OK) { cfg.no_init = 1; st = tt_model_create(&cfg, &m); }
    if (st == TT_OK) st = tt_checkpoint_load_file(path, m, NULL, NULL, &tok);
    if (st != TT_OK) fprintf(stderr, "ckload %s: %s\n", path, tt_strerror(st));
    tt_tokenizer_destroy(tok);
    tt_model_destroy(m);
    return st == TT_OK ? 0 : 1;
}

int main(int argc, char **argv) {
    const char *base = getenv("TMPDIR");
    if (argc == 3 && strcmp(argv[1], "--ckload") == 0) return ckload(argv[2]);
    snprintf(g_dir, sizeof(g_dir), "%s/tt_robust_XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); return 1; }
    test_adamw_numbers(1);
    test_adamw_numbers(3);
    test_call_order();
    test_nan_model();
    test_token_writer();
    test_paths();
    test_full_disk();
    test_misc_edges();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    }
    if (tt_test_failures) { printf("test_robust: %d FAILED\n", tt_test_failures); return 1; }
    printf("test_robust: all checks passed\n");
    return 0;
}
