/* tests/core/torch_dump.c -- writes everything tests/core/torch_check.py needs
 * to rebuild a tiny GPT-2 in PyTorch and compare: the initial weights (by
 * tensor name), the batches, and the C results (loss, logits of every
 * position, every parameter gradient, 10 AdamW steps with warmup, cosine,
 * clipping and weight decay).
 *
 * Usage: torch_dump OUT.bin SHAPE [force_scalar] [n_threads] [FLAGS]
 *   FLAGS may hold r and b. b: cfg.precision = TT_PRECISION_BF16 (the
 *      checker then compares with an exact emulation of its bf16 GEMMs and,
 *      loosely, with PyTorch's CPU autocast). r: replace the GPT-2 init by random weights with O(1) activations
 *      (biases, LayerNorm weights and biases nonzero, GELU inputs ~N(0,1)),
 *      so that paths invisible at init (zero biases, tanh vs erf GELU near 0)
 *      are checked too
 *   SHAPE a: V=67 (padded to 128), n_ctx 16, L 2, NH 2, C 32, B 3, T 11
 *   SHAPE b: V=130 (padded to 192), n_ctx 8, L 3, NH 4, C 48, B 2, T 8 (= n_ctx)
 *   SHAPE c: V=64 (no padding), n_ctx 12, L 1, NH 1, C 8, B 1, T 5
 *
 * File: "TTDUMP01", then records until EOF:
 *   u32 name_len, name, u32 dtype (0 f32, 1 i32), u32 ndim, u32 dims[ndim], data
 * (little-endian host assumed; the reader checks the magic). */
#ifndef TT_TEST_SPLIT /* the Makefile links one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include "tt_test.h"
#include <math.h>

#define N_STEPS 10

static FILE *out_f;

static void put_u32(uint32_t v) {
    unsigned char b[4];
    b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
    if (fwrite(b, 1, 4, out_f) != 4) { perror("write"); exit(1); }
}

static void put_rec(const char *name, int dtype, int ndim, const int *dims, const void *data) {
    size_t n = 1;
    int i;
    put_u32((uint32_t)strlen(name));
    if (fwrite(name, 1, strlen(name), out_f) != strlen(name)) { perror("write"); exit(1); }
    put_u32((uint32_t)dtype);
    put_u32((uint32_t)ndim);
    for (i = 0; i < ndim; i++) { put_u32((uint32_t)dims[i]); n *= (size_t)dims[i]; }
    if (n && fwrite(data, 4, n, out_f) != n) { perror("write"); exit(1); }
}

static void put_f32(const char *name, int n, const float *x) { put_rec(name, 0, 1, &n, x); }
static void put_i32(const char *name, int n, const int32_t *x) { put_rec(name, 1, 1, &n, x); }

static double randn(uint64_t *seed) {
    double u1 = (test_rand(seed) + 1.0) / 4294967297.0, u2 = test_rand(seed) / 4294967296.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* random weights with O(1) activations (see the usage note) */
static void randomize(tt_model *m, uint64_t seed) {
    int i, nt = tt_model_num_tensors(m);
    float *p = tt_model_params(m);
    for (i = 0; i < nt; i++) {
        tt_tensor_info ti;
        size_t k;
        double mean = 0.0, sd;
        REQUIRE_OK(tt_model_tensor(m, i, &ti));
        if (ti.ndim == 2) {
            sd = strncmp(ti.name, "wte", 3) == 0 ? 1.0 : strncmp(ti.name, "wpe", 3) == 0 ? 0.5
                 : 1.0 / sqrt((double)ti.shape[1]);
        } else if (strstr(ti.name, "ln_") && strstr(ti.name, ".weight")) {
            mean = 1.0; sd = 0.3;
        } else {
            sd = 0.3;
        }
        for (k = 0; k < ti.numel; k++) p[ti.offset + k] = (float)(mean + sd * randn(&seed));
    }
}

static void put_tensors(tt_model *m, const char *prefix, const float *base) {
    int i, nt = tt_model_num_tensors(m);
    char name[256];
    for (i = 0; i < nt; i++) {
        tt_tensor_info ti;
        int dims[2];
        REQUIRE_OK(tt_model_tensor(m, i, &ti));
        dims[0] = ti.shape[0]; dims[1] = ti.shape[1];
        snprintf(name, sizeof name, "%s:%s", prefix, ti.name);
        put_rec(name, 0, ti.ndim, dims, base + ti.offset);
    }
}

int main(int argc, char **argv) {
    tt_model_config cfg = TT_ZERO;
    tt_model *m = NULL;
    tt_adamw_config opt = TT_ZERO;
    int B, T, V, i, s, b, t, nt;
    int32_t *tok, *tgt, *pre, *step_tok, *step_tgt;
    float *logits_all, *row, loss, loss_again;
    float step_loss[N_STEPS], step_lr[N_STEPS], step_norm[N_STEPS], step_lr_at[N_STEPS];
    double norm2 = 0.0;
    size_t np, k;
    uint64_t seed = 42;
    const float *g;
    char shape;

    if (argc < 3) { fprintf(stderr, "usage: %s OUT SHAPE [force_scalar] [n_threads]\n", argv[0]); return 2; }
    shape = argv[2][0];
    if (shape == 'a') {
        cfg.vocab_size = 67; cfg.n_ctx = 16; cfg.n_layer = 2; cfg.n_head = 2; cfg.d_model = 32;
        cfg.max_batch = 4; B = 3; T = 11;
    } else if (shape == 'b') {
        cfg.vocab_size = 130; cfg.n_ctx = 8; cfg.n_layer = 3; cfg.n_head = 4; cfg.d_model = 48;
        cfg.max_batch = 2; B = 2; T = 8;
    } else if (shape == 'c') {
        cfg.vocab_size = 64; cfg.n_ctx = 12; cfg.n_layer = 1; cfg.n_head = 1; cfg.d_model = 8;
        cfg.max_batch = 1; B = 1; T = 5;
    } else { fprintf(stderr, "unknown shape %c\n", shape); return 2; }
    cfg.force_scalar = argc > 3 ? atoi(argv[3]) : 0;
    cfg.n_threads = argc > 4 ? atoi(argv[4]) : 1;
    cfg.seed = 1234;
    if (argc > 5 && strchr(argv[5], 'b')) cfg.precision = TT_PRECISION_BF16;
    V = cfg.vocab_size;
    REQUIRE_OK(tt_model_create(&cfg, &m));
    if (argc > 5 && strchr(argv[5], 'r')) randomize(m, 777);
    cfg = tt_model_get_config(m);
    np = tt_model_num_params(m);
    nt = tt_model_num_tensors(m);

    out_f = fopen(argv[1], "wb");
    if (!out_f) { perror(argv[1]); return 1; }
    if (fwrite("TTDUMP01", 1, 8, out_f) != 8) { perror("write"); return 1; }
    {
        int32_t c[14];
        c[0] = V; c[1] = cfg.n_ctx; c[2] = cfg.n_layer; c[3] = cfg.n_head; c[4] = cfg.d_model;
        c[5] = B; c[6] = T; c[7] = cfg.max_batch; c[8] = cfg.n_threads; c[9] = cfg.force_scalar;
        c[10] = tt_simd_width(); c[11] = nt; c[12] = argc > 5 && strchr(argv[5], 'r') != NULL;
        c[13] = cfg.precision;
        put_i32("config", 14, c);
    }
    for (i = 0; i < nt; i++) {
        tt_tensor_info ti;
        int32_t meta[3];
        char name[256];
        REQUIRE_OK(tt_model_tensor(m, i, &ti));
        meta[0] = ti.decay; meta[1] = (int32_t)ti.offset; meta[2] = (int32_t)ti.numel;
        snprintf(name, sizeof name, "meta:%s", ti.name);
        put_i32(name, 3, meta);
    }
    put_tensors(m, "param", tt_model_params(m));

    /* one batch: random ids in [0, V) */
    tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)(B * T));
    tgt = (int32_t *)malloc(sizeof(int32_t) * (size_t)(B * T));
    pre = (int32_t *)malloc(sizeof(int32_t) * (size_t)(B * T));
    step_tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)(N_STEPS * B * T));
    step_tgt = (int32_t *)malloc(sizeof(int32_t) * (size_t)(N_STEPS * B * T));
    logits_all = (float *)malloc(sizeof(float) * (size_t)(B * T * V));
    row = (float *)malloc(sizeof(float) * (size_t)(B * V));
    if (!tok || !tgt || !pre || !step_tok || !step_tgt || !logits_all || !row) return 1;
    for (i = 0; i < B * T; i++) { tok[i] = (int32_t)(test_rand(&seed) % (uint32_t)V); }
    for (i = 0; i < B * T; i++) { tgt[i] = (int32_t)(test_rand(&seed) % (uint32_t)V); }
    /* the highest id appears, so the last real row of wte is exercised */
    tok[0] = V - 1; tgt[B * T - 1] = V - 1;
    { int d[2]; d[0] = B; d[1] = T; put_rec("tokens", 1, 2, d, tok); put_rec("targets", 1, 2, d, tgt); }

    /* logits of every position: inference forwards on each prefix */
    for (t = 1; t <= T; t++) {
        for (b = 0; b < B; b++) memcpy(pre + b * t, tok + b * T, sizeof(int32_t) * (size_t)t);
        REQUIRE_OK(tt_model_forward(m, pre, NULL, B, t, NULL));
        REQUIRE_OK(tt_model_logits(m, row, (size_t)(B * V)));
        for (b = 0; b < B; b++)
            memcpy(logits_all + ((size_t)b * T + (size_t)(t - 1)) * V, row + (size_t)b * V, sizeof(float) * (size_t)V);
    }
    { int d[3]; d[0] = B; d[1] = T; d[2] = V; put_rec("logits", 0, 3, d, logits_all); }

    /* loss and gradients */
    tt_model_zero_grad(m);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, B, T, &loss));
    REQUIRE_OK(tt_model_backward(m, 1.0f));
    put_f32("loss", 1, &loss);
    put_tensors(m, "grad", tt_model_grads(m));
    g = tt_model_grads(m);
    for (k = 0; k < np; k++) norm2 += (double)g[k] * g[k];
    /* the fused call: checked against PyTorch the same way */
    {
        float loss_fb;
        tt_model_zero_grad(m);
        REQUIRE_OK(tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &loss_fb));
        put_f32("loss_fb", 1, &loss_fb);
        put_tensors(m, "grad_fb", tt_model_grads(m));
    }

    /* 10 AdamW steps, a new batch each step; clip below the initial norm so
     * clipping is active, warmup 3, cosine to min_lr at step 10, decay 0.1 */
    for (i = 0; i < N_STEPS * B * T; i++) step_tok[i] = (int32_t)(test_rand(&seed) % (uint32_t)V);
    for (s = 0; s < N_STEPS; s++)
        for (i = 0; i < B * T; i++) {
            /* learnable: target = (7 token + 1) mod V, 1 in 8 random */
            int32_t x = step_tok[s * B * T + i];
            step_tgt[s * B * T + i] = (test_rand(&seed) & 7) ? (7 * x + 1) % V : (int32_t)(test_rand(&seed) % (uint32_t)V);
        }
    { int d[3]; d[0] = N_STEPS; d[1] = B; d[2] = T;
      put_rec("step_tokens", 1, 3, d, step_tok); put_rec("step_targets", 1, 3, d, step_tgt); }
    opt.lr = 5e-3f; opt.beta1 = 0.9f; opt.beta2 = 0.95f; opt.eps = 1e-8f;
    opt.weight_decay = 0.1f; opt.grad_clip = (float)(0.6 * sqrt(norm2));
    opt.warmup_steps = 3; opt.schedule = TT_LR_COSINE; opt.total_steps = N_STEPS; opt.min_lr = 1e-3f;
    opt = tt_adamw_config_resolve(&opt);
    {
        float o[10];
        o[0] = opt.lr; o[1] = opt.beta1; o[2] = opt.beta2; o[3] = opt.eps; o[4] = opt.weight_decay;
        o[5] = opt.grad_clip; o[6] = (float)opt.warmup_steps; o[7] = (float)opt.total_steps;
        o[8] = opt.min_lr; o[9] = (float)opt.schedule;
        put_f32("adamw", 10, o);
    }
    tt_model_zero_grad(m);
    REQUIRE_OK(tt_model_forward(m, tok, tgt, B, T, &loss_again));
    if (memcmp(&loss, &loss_again, sizeof loss) != 0) {
        fprintf(stderr, "forward twice on the same batch: %.9g then %.9g\n", loss, loss_again);
        return 1;
    }
    tt_model_zero_grad(m);
    for (s = 0; s < N_STEPS; s++) {
        tt_step_stats st;
        /* odd steps use the fused forward_backward */
        if (s % 2 == 0) {
            REQUIRE_OK(tt_model_forward(m, step_tok + s * B * T, step_tgt + s * B * T, B, T, &step_loss[s]));
            REQUIRE_OK(tt_model_backward(m, 1.0f));
        } else {
            REQUIRE_OK(tt_model_forward_backward(m, step_tok + s * B * T, step_tgt + s * B * T, B, T, 1.0f,
                                                 &step_loss[s]));
        }
        REQUIRE_OK(tt_adamw_step(m, &opt, &st));
        step_lr[s] = st.lr;
        step_norm[s] = st.grad_norm;
        step_lr_at[s] = tt_lr_at(&opt, (uint64_t)s);
        if (st.step != (uint64_t)(s + 1) || tt_model_step(m) != (uint64_t)(s + 1)) {
            fprintf(stderr, "step counter %llu after step %d\n", (unsigned long long)st.step, s);
            return 1;
        }
    }
    put_f32("step_loss", N_STEPS, step_loss);
    put_f32("step_lr", N_STEPS, step_lr);
    put_f32("step_lr_at", N_STEPS, step_lr_at);
    put_f32("step_norm", N_STEPS, step_norm);
    put_tensors(m, "final", tt_model_params(m));
    if (fclose(out_f) != 0) { perror("close"); return 1; }
    printf("torch_dump %c%s scalar=%d threads=%d simd=%d: %d tensors, %zu params, loss %.6f, "
           "step losses %.4f -> %.4f\n", shape, argc > 5 && strchr(argv[5], 'r') ? " random" : "", cfg.force_scalar, cfg.n_threads, tt_simd_width(), nt, np,
           loss, step_loss[0], step_loss[N_STEPS - 1]);
    tt_model_destroy(m);
    free(tok); free(tgt); free(pre); free(step_tok); free(step_tgt); free(logits_all); free(row);
    return 0;
}
