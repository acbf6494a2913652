/* tests/core/test_errors.c -- error paths of the core API:
 *  - an allocator that fails on its Nth call, for every N during
 *    tt_model_create: TT_ERR_OUT_OF_MEMORY, nothing leaked, *out unchanged,
 *    and a later create with a working allocator still succeeds;
 *  - sizes passed to free match alloc; create_in into a too-small or
 *    unaligned buffer;
 *  - bad configs and arguments (NULLs, B > max_batch, T > n_ctx, ids >= V);
 *  - a NaN/Inf gradient or parameter: tt_adamw_step returns TT_ERR_NONFINITE
 *    and leaves parameters, m, v and the step counter unchanged.
 * Run under valgrind --leak-check=full and ASan by mk/10_core_tests.mk. */
#ifndef TT_TEST_SPLIT /* the Makefile links one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include "tt_test.h"
#include <math.h>

typedef struct rec_log { int n, n_err; tt_status last; } rec_log;
static void rec_log_fn(void *user, int level, tt_status code, const char *msg) {
    rec_log *r = (rec_log *)user;
    (void)msg;
    r->n++;
    if (level == TT_LOG_ERROR) { r->n_err++; r->last = code; }
}

static tt_model_config tiny_config(void) {
    tt_model_config cfg = TT_ZERO;
    cfg.vocab_size = 67; cfg.n_ctx = 8; cfg.n_layer = 2; cfg.n_head = 2; cfg.d_model = 16;
    cfg.max_batch = 2;
    return cfg;
}

static tt_model *const SENTINEL = (tt_model *)(uintptr_t)0x5e5e5e50u;

static void fill_batch(int32_t *tok, int32_t *tgt, int n, int V, uint64_t seed) {
    int i;
    for (i = 0; i < n; i++) { tok[i] = (int32_t)(test_rand(&seed) % (uint32_t)V); tgt[i] = (int32_t)(test_rand(&seed) % (uint32_t)V); }
}

/* ---- allocator failing on the Nth call, for every N ---- */
static void test_failing_allocator(int n_threads) {
    long n;
    int succeeded = 0;
    for (n = 0; n < 10000 && !succeeded; n++) {
        test_alloc ta;
        tt_model_config cfg = tiny_config();
        tt_model *m = SENTINEL;
        tt_status st;
        cfg.n_threads = n_threads;
        cfg.allocator = test_allocator(&ta, n);
        st = tt_model_create(&cfg, &m);
        if (st == TT_OK) {
            int32_t tok[16], tgt[16];
            float loss;
            succeeded = 1;
            CHECK(ta.calls == n); /* the Nth call never came */
            CHECK(m != SENTINEL && m != NULL);
            fill_batch(tok, tgt, 16, 67, 7);
            CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_OK);
            CHECK_STATUS(tt_model_backward(m, 1.0f), TT_OK);
            {
                tt_adamw_config opt = TT_ZERO;
                long calls_before = ta.calls;
                CHECK_STATUS(tt_adamw_step(m, &opt, NULL), TT_OK);
                CHECK(ta.calls == calls_before); /* nothing allocated in the hot loop */
            }
            CHECK(ta.live > 0);
            tt_model_destroy(m);
            printf("  threads=%d: create makes %ld allocation(s), peak %zu bytes\n", n_threads, ta.calls,
                   ta.peak_bytes);
        } else {
            CHECK_STATUS(st, TT_ERR_OUT_OF_MEMORY);
            CHECK(m == SENTINEL);
        }
        CHECK(ta.live == 0);       /* no leak */
        CHECK(ta.bad_frees == 0);  /* free got the pointer and size alloc gave */
        CHECK(ta.bad_align == 0);
    }
    CHECK(succeeded);
}

static void test_create_in(void) {
    tt_model_config cfg = tiny_config();
    size_t need = 0;
    unsigned char *buf;
    tt_model *m = SENTINEL;
    int32_t tok[16], tgt[16];
    float loss1, loss2;
    CHECK_STATUS(tt_model_memory_size(&cfg, &need), TT_OK);
    CHECK(need > 0);
    buf = (unsigned char *)malloc(need + 64);
    if (!buf) exit(1);
    memset(buf, 0xA5, need + 64);
    CHECK_STATUS(tt_model_create_in(&cfg, buf, need - 1, &m), TT_ERR_BUFFER_TOO_SMALL);
    CHECK(m == SENTINEL);
    CHECK_STATUS(tt_model_create_in(&cfg, buf, 0, &m), TT_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(tt_model_create_in(&cfg, NULL, need, &m), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_create_in(&cfg, buf, need, NULL), TT_ERR_INVALID_ARG);
    CHECK(m == SENTINEL);
    /* any alignment: an odd address */
    CHECK_STATUS(tt_model_create_in(&cfg, buf + 1, need, &m), TT_OK);
    CHECK(m != SENTINEL);
    if (m != SENTINEL) {
        tt_model *m2 = NULL;
        fill_batch(tok, tgt, 16, 67, 3);
        CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss1), TT_OK);
        /* same seed through tt_model_create: the same weights and loss */
        CHECK_STATUS(tt_model_create(&cfg, &m2), TT_OK);
        if (m2) {
            CHECK(tt_model_num_params(m2) == tt_model_num_params(m));
            CHECK(memcmp(tt_model_params(m2), tt_model_params(m), tt_model_num_params(m) * sizeof(float)) == 0);
            CHECK_STATUS(tt_model_forward(m2, tok, tgt, 2, 8, &loss2), TT_OK);
            CHECK(memcmp(&loss1, &loss2, sizeof loss1) == 0);
            tt_model_destroy(m2);
        }
        tt_model_destroy(m);
    }
    free(buf);
}

static void test_bad_configs(void) {
    tt_model_config cfg;
    tt_model *m = SENTINEL;
    size_t sz = 0;
    test_alloc ta;
    rec_log rl = TT_ZERO;

    CHECK_STATUS(tt_model_create(NULL, &m), TT_ERR_INVALID_ARG);
    cfg = tiny_config();
    CHECK_STATUS(tt_model_create(&cfg, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_memory_size(NULL, &sz), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_memory_size(&cfg, NULL), TT_ERR_INVALID_ARG);

#define BAD(field, value, want) do { cfg = tiny_config(); cfg.field = value; \
        cfg.allocator = test_allocator(&ta, -1); \
        cfg.logger.fn = rec_log_fn; cfg.logger.user = &rl; memset(&rl, 0, sizeof rl); \
        CHECK_STATUS(tt_model_create(&cfg, &m), want); \
        CHECK(m == SENTINEL); CHECK(ta.live == 0); \
        CHECK(rl.n_err > 0 && rl.last == want); } while (0)
    BAD(vocab_size, 0, TT_ERR_INVALID_ARG);
    BAD(vocab_size, -5, TT_ERR_INVALID_ARG);
    BAD(vocab_size, TT_MAX_VOCAB + 1, TT_ERR_INVALID_ARG);
    BAD(n_head, 3, TT_ERR_INVALID_ARG);        /* does not divide d_model 16 */
    BAD(n_head, -1, TT_ERR_INVALID_ARG);
    BAD(d_model, -16, TT_ERR_INVALID_ARG);
    BAD(d_model, TT_MAX_DIM + 2, TT_ERR_INVALID_ARG);
    BAD(n_layer, -1, TT_ERR_INVALID_ARG);
    BAD(n_ctx, -1, TT_ERR_INVALID_ARG);
    BAD(max_batch, -1, TT_ERR_INVALID_ARG);
#undef BAD
    /* size overflow: reported, not wrapped */
    cfg = tiny_config();
    cfg.d_model = TT_MAX_DIM; cfg.n_head = 1; cfg.n_layer = 0x7fffffff; cfg.n_ctx = 0x7fffffff;
    CHECK_STATUS(tt_model_memory_size(&cfg, &sz), TT_ERR_INVALID_ARG);
    cfg = tiny_config();
    cfg.vocab_size = TT_MAX_VOCAB; cfg.d_model = TT_MAX_DIM; cfg.n_head = 1; cfg.max_batch = 0x7fffffff;
    cfg.n_ctx = 0x7fffffff;
    CHECK_STATUS(tt_model_memory_size(&cfg, &sz), TT_ERR_INVALID_ARG);
    /* half-filled allocator */
    cfg = tiny_config();
    cfg.allocator.alloc = test_alloc_fn;
    CHECK_STATUS(tt_model_create(&cfg, &m), TT_ERR_INVALID_ARG);
    cfg = tiny_config();
    cfg.allocator.free = test_free_fn;
    CHECK_STATUS(tt_model_create(&cfg, &m), TT_ERR_INVALID_ARG);
    /* a backend table with empty entries, another API version, or with
     * comm / accum_exact (CPU-path only): refused, nothing left allocated */
    {
        tt_backend be;
        tt_model *cm = NULL;
        memset(&be, 0, sizeof be);
        be.api_version = TT_BACKEND_API_VERSION;
        cfg = tiny_config();
        cfg.allocator = test_allocator(&ta, -1);
        cfg.backend = &be;
        CHECK_STATUS(tt_model_create(&cfg, &m), TT_ERR_INVALID_ARG);
        CHECK(ta.live == 0);
        cfg = tiny_config();
        CHECK_STATUS(tt_model_create(&cfg, &cm), TT_OK);
        be = *tt_model_backend(cm); /* a complete table: the CPU instance */
        be.api_version = TT_BACKEND_API_VERSION + 1;
        cfg.allocator = test_allocator(&ta, -1);
        cfg.backend = &be;
        CHECK_STATUS(tt_model_create(&cfg, &m), TT_ERR_UNSUPPORTED);
        be.api_version = TT_BACKEND_API_VERSION;
        cfg.accum_exact = 1;
        CHECK_STATUS(tt_model_create(&cfg, &m), TT_ERR_UNSUPPORTED);
        CHECK(ta.live == 0);
        tt_model_destroy(cm);
    }
    CHECK(m == SENTINEL);
    /* zero means default */
    {
        tt_model_config z = TT_ZERO, r;
        z.vocab_size = 100;
        r = tt_model_config_resolve(&z);
        CHECK(r.n_ctx == TT_DEFAULT_N_CTX && r.n_layer == TT_DEFAULT_N_LAYER && r.n_head == TT_DEFAULT_N_HEAD);
        CHECK(r.d_model == TT_DEFAULT_D_MODEL && r.max_batch == TT_DEFAULT_MAX_BATCH);
        CHECK(r.seed == TT_DEFAULT_SEED && r.n_threads >= 1);
        CHECK(z.n_ctx == 0); /* input not modified */
    }
}

static void test_bad_args(void) {
    tt_model_config cfg = tiny_config();
    tt_model *m = NULL;
    int32_t tok[16], tgt[16];
    float loss = 123.0f, logits[2 * 67];
    int nt, i;
    tt_tensor_info ti;
    size_t total = 0;
    tt_adamw_config opt = TT_ZERO;

    REQUIRE_OK(tt_model_create(&cfg, &m));
    fill_batch(tok, tgt, 16, 67, 11);

    /* backward / logits before any forward */
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_logits(m, logits, 2 * 67), TT_ERR_INVALID_ARG);

    CHECK_STATUS(tt_model_forward(m, tok, tgt, 3, 8, &loss), TT_ERR_SHAPE);  /* B > max_batch */
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 1, 9, &loss), TT_ERR_SHAPE);  /* T > n_ctx */
    {
        tt_status s0 = tt_model_forward(m, tok, tgt, 0, 8, &loss);
        tt_status s1 = tt_model_forward(m, tok, tgt, 1, 0, &loss);
        tt_status s2 = tt_model_forward(m, tok, tgt, -1, 8, &loss);
        CHECK(s0 == TT_ERR_SHAPE || s0 == TT_ERR_INVALID_ARG);
        CHECK(s1 == TT_ERR_SHAPE || s1 == TT_ERR_INVALID_ARG);
        CHECK(s2 == TT_ERR_SHAPE || s2 == TT_ERR_INVALID_ARG);
    }
    CHECK(loss == 123.0f); /* outputs unchanged on failure */
    tok[5] = 67;  /* == V: past the real vocab even though < Vp */
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_forward(m, tok, NULL, 2, 8, NULL), TT_ERR_INVALID_ARG);
    tok[5] = -1;
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    tok[5] = 3;
    tgt[15] = 67;
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    tgt[15] = -2;
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    tgt[15] = 66;
    CHECK(loss == 123.0f);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG); /* failed forwards don't count */
    /* the fused call refuses the same inputs, before touching the gradients */
    {
        size_t k, np = tt_model_num_params(m);
        const float *g = tt_model_grads(m);
        tt_model_zero_grad(m);
        CHECK_STATUS(tt_model_forward_backward(m, tok, NULL, 2, 8, 1.0f, &loss), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_model_forward_backward(m, NULL, tgt, 2, 8, 1.0f, &loss), TT_ERR_INVALID_ARG);
        CHECK_STATUS(tt_model_forward_backward(m, tok, tgt, 3, 8, 1.0f, &loss), TT_ERR_SHAPE);
        CHECK_STATUS(tt_model_forward_backward(m, tok, tgt, 2, 9, 1.0f, &loss), TT_ERR_SHAPE);
        tgt[3] = 67;
        CHECK_STATUS(tt_model_forward_backward(m, tok, tgt, 2, 8, 1.0f, &loss), TT_ERR_INVALID_ARG);
        tgt[3] = 1;
        CHECK_STATUS(tt_model_forward_backward(NULL, tok, tgt, 2, 8, 1.0f, &loss), TT_ERR_INVALID_ARG);
        CHECK(loss == 123.0f);
        for (k = 0; k < np; k++) if (g[k] != 0.0f) break;
        CHECK(k == np);
    }
    CHECK_STATUS(tt_model_forward(m, NULL, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_forward(NULL, tok, tgt, 2, 8, &loss), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_backward(NULL, 1.0f), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_adamw_step(NULL, &opt, NULL), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_logits(NULL, logits, 2 * 67), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(NULL, 0, &ti), TT_ERR_INVALID_ARG);

    /* inference forward: logits, then backward is refused */
    CHECK_STATUS(tt_model_forward(m, tok, NULL, 2, 8, NULL), TT_OK);
    CHECK_STATUS(tt_model_logits(m, logits, 2 * 67 - 1), TT_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(tt_model_logits(m, NULL, 2 * 67), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_logits(m, logits, 2 * 67), TT_OK);
    for (i = 0; i < 2 * 67; i++) CHECK(isfinite(logits[i]));
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_ERR_INVALID_ARG);
    /* training forward, then logits are refused */
    CHECK_STATUS(tt_model_forward(m, tok, tgt, 2, 8, &loss), TT_OK);
    CHECK(isfinite(loss) && loss > 0.0f);
    CHECK_STATUS(tt_model_logits(m, logits, 2 * 67), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_backward(m, 1.0f), TT_OK);

    /* tensor table: in range, disjoint, covering the flat block */
    nt = tt_model_num_tensors(m);
    CHECK(nt == 2 + 12 * 2 + 2);
    CHECK_STATUS(tt_model_tensor(m, -1, &ti), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(m, nt, &ti), TT_ERR_INVALID_ARG);
    CHECK_STATUS(tt_model_tensor(m, 0, NULL), TT_ERR_INVALID_ARG);
    for (i = 0; i < nt; i++) {
        size_t n;
        REQUIRE_OK(tt_model_tensor(m, i, &ti));
        n = (size_t)ti.shape[0] * (ti.ndim == 2 ? (size_t)ti.shape[1] : 1u);
        CHECK(ti.name && ti.name[0]);
        CHECK(ti.ndim == 1 || ti.ndim == 2);
        CHECK(n == ti.numel);
        CHECK(ti.offset + ti.numel <= tt_model_num_params(m));
        if (i > 0) {
            tt_tensor_info prev;
            REQUIRE_OK(tt_model_tensor(m, i - 1, &prev));
            CHECK(ti.offset >= prev.offset + prev.numel); /* in layout order, disjoint */
        }
        total += ti.numel;
    }
    CHECK(total <= tt_model_num_params(m));
    CHECK(tt_strerror((tt_status)-1000) != NULL);
    for (i = -11; i <= 0; i++) CHECK(tt_strerror((tt_status)i) != NULL && tt_strerror((tt_status)i)[0]);
    tt_model_destroy(m);
    tt_model_destroy(NULL);
}

/* NaN / Inf gradients or parameters: the step refuses and changes nothing */
static void test_nonfinite(void) {
    tt_model_config cfg = tiny_config();
    tt_model *m = NULL;
    tt_adamw_config opt = TT_ZERO;
    int32_t tok[16], tgt[16];
    float loss, *p, *g, *save_p, *save_m, *save_v;
    size_t np, k;
    uint64_t step0;
    int trial;
    tt_step_stats st;

    REQUIRE_OK(tt_model_create(&cfg, &m));
    np = tt_model_num_params(m);
    save_p = (float *)malloc(np * sizeof(float));
    save_m = (float *)malloc(np * sizeof(float));
    save_v = (float *)malloc(np * sizeof(float));
    if (!save_p || !save_m || !save_v) exit(1);
    fill_batch(tok, tgt, 16, 67, 5);
    opt.lr = 1e-3f; opt.weight_decay = 0.1f; opt.grad_clip = 1.0f;
    /* two good steps first so m and v are not trivially zero */
    for (trial = 0; trial < 2; trial++) {
        REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
        REQUIRE_OK(tt_model_backward(m, 1.0f));
        REQUIRE_OK(tt_adamw_step(m, &opt, NULL));
    }
    for (trial = 0; trial < 4; trial++) {
        REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
        REQUIRE_OK(tt_model_backward(m, 1.0f));
        p = tt_model_params(m);
        g = tt_model_grads(m);
        memcpy(save_p, p, np * sizeof(float));
        memcpy(save_m, tt_model_adam_m(m), np * sizeof(float));
        memcpy(save_v, tt_model_adam_v(m), np * sizeof(float));
        step0 = tt_model_step(m);
        if (trial == 0) g[np / 2] = NAN;
        else if (trial == 1) g[0] = INFINITY;
        else if (trial == 2) g[np - 1] = -INFINITY;
        else {
            /* a huge but finite gradient whose square overflows float */
            g[np / 3] = 3e38f; g[np / 3 + 1] = 3e38f;
        }
        st.lr = -1.0f;
        {
            tt_status s = tt_adamw_step(m, &opt, &st);
            if (trial < 3) {
                CHECK_STATUS(s, TT_ERR_NONFINITE);
            } else if (s != TT_ERR_NONFINITE) {
                /* norm computed in a way that does not overflow: then the
                 * step must have been a normal clipped one */
                CHECK_STATUS(s, TT_OK);
                for (k = 0; k < np; k++) CHECK(isfinite(tt_model_params(m)[k]));
                continue;
            }
        }
        CHECK(memcmp(save_p, tt_model_params(m), np * sizeof(float)) == 0);
        CHECK(memcmp(save_m, tt_model_adam_m(m), np * sizeof(float)) == 0);
        CHECK(memcmp(save_v, tt_model_adam_v(m), np * sizeof(float)) == 0);
        CHECK(tt_model_step(m) == step0);
        for (k = 0; k < np; k++) if (tt_model_grads(m)[k] != 0.0f) break;
        CHECK(k == np); /* the batch is dropped: gradients zeroed */
    }
    /* NaN in a parameter (row tok[0] of wte): the loss is NaN, the step refuses */
    {
        tt_tensor_info ti;
        tt_status s;
        size_t at = 0;
        int i, nt = tt_model_num_tensors(m);
        for (i = 0; i < nt; i++) {
            REQUIRE_OK(tt_model_tensor(m, i, &ti));
            if (strcmp(ti.name, "wte.weight") == 0) break;
        }
        CHECK(i < nt);
        if (i < nt) at = ti.offset + (size_t)tok[0] * (size_t)cfg.d_model + 1;
        p = tt_model_params(m);
        p[at] = NAN;
        s = tt_model_forward(m, tok, tgt, 2, 8, &loss);
        CHECK_STATUS(s, TT_OK); /* tt_api.h: forward returns OK/INVALID_ARG/SHAPE */
        CHECK(!isfinite(loss));
        if (s == TT_OK) {
            REQUIRE_OK(tt_model_backward(m, 1.0f));
            memcpy(save_p, p, np * sizeof(float));
            step0 = tt_model_step(m);
            CHECK_STATUS(tt_adamw_step(m, &opt, NULL), TT_ERR_NONFINITE);
            CHECK(memcmp(save_p, tt_model_params(m), np * sizeof(float)) == 0);
            CHECK(tt_model_step(m) == step0);
        }
        p[at] = 0.01f;
    }
    /* the model stays usable after the parameter is repaired */
    step0 = tt_model_step(m);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    CHECK(isfinite(loss));
    REQUIRE_OK(tt_model_backward(m, 1.0f));
    CHECK_STATUS(tt_adamw_step(m, &opt, &st), TT_OK);
    CHECK(tt_model_step(m) == step0 + 1);
    tt_model_destroy(m);
    free(save_p); free(save_m); free(save_v);
}

/* gradient accumulation: two backward(0.5) of the same batch == one backward(1) */
static void test_accumulate(void) {
    tt_model_config cfg = tiny_config();
    tt_model *m = NULL;
    int32_t tok[16], tgt[16];
    float loss, *g1;
    size_t np, k;
    double maxd = 0.0, maxg = 0.0;
    REQUIRE_OK(tt_model_create(&cfg, &m));
    np = tt_model_num_params(m);
    g1 = (float *)malloc(np * sizeof(float));
    if (!g1) exit(1);
    fill_batch(tok, tgt, 16, 67, 9);
    tt_model_zero_grad(m);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_model_backward(m, 1.0f));
    memcpy(g1, tt_model_grads(m), np * sizeof(float));
    tt_model_zero_grad(m);
    for (k = 0; k < np; k++) CHECK(tt_model_grads(m)[k] == 0.0f);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_model_backward(m, 0.5f));
    REQUIRE_OK(tt_model_forward(m, tok, tgt, 2, 8, &loss));
    REQUIRE_OK(tt_model_backward(m, 0.5f));
    for (k = 0; k < np; k++) {
        double d = fabs((double)tt_model_grads(m)[k] - g1[k]);
        if (d > maxd) maxd = d;
        if (fabs(g1[k]) > maxg) maxg = fabs(g1[k]);
    }
    CHECK(maxg > 0.0);
    CHECK(maxd <= 1e-6 * maxg);
    tt_model_destroy(m);
    free(g1);
}

int main(void) {
    test_failing_allocator(1);
    test_failing_allocator(3);
    test_create_in();
    test_bad_configs();
    test_bad_args();
    test_nonfinite();
    test_accumulate();
    return test_finish("test_errors");
}
