/* cfg.precision = TT_PRECISION_BF16 in the model: the linear layers' GEMMs
 * take bf16 inputs (weights rounded once per change), everything else fp32.
 * (What the op table receives is checked in tests/unit/test_backend.c.)
 * Checks: losses track the fp32 model (bf16 tolerance:
 * within 2 % after 60 steps, not bitwise); bitwise determinism across 1, 2
 * and 3 threads and across fused / unfused steps' losses; the copy follows
 * direct writes to tt_model_params() and checkpoint loads; bad values of
 * cfg.precision refused. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s (line %d)\n", what, __LINE__); failures++; } } while (0)

enum { V = 257, C = 64, L = 2, NH = 4, T = 64, B = 4, STEPS = 60 };

static tt_model_config config(int threads, int bf16) {
    tt_model_config c;
    memset(&c, 0, sizeof c);
    c.vocab_size = V; c.d_model = C; c.n_layer = L; c.n_head = NH; c.n_ctx = T; c.max_batch = B;
    c.n_threads = threads; c.seed = 5; c.precision = bf16 ? TT_PRECISION_BF16 : TT_PRECISION_FP32;
    return c;
}
/* a learnable stream: a noisy repeating pattern */
static void batch(int step, int32_t *tok, int32_t *tgt) {
    int i;
    for (i = 0; i < B * T; i++) {
        int p = (i + step * 13) % 97;
        tok[i] = (int32_t)((p * 5 + (p % 7 == 0 ? step % 3 : 0)) % V);
        tgt[i] = (int32_t)(((p + 1) * 5) % V);
    }
}
static float train(tt_model *m, float *losses) {
    int32_t tok[B * T], tgt[B * T];
    tt_adamw_config o;
    float loss = 0.0f;
    int s;
    memset(&o, 0, sizeof o);
    o.lr = 3e-3f; o.weight_decay = 0.01f; o.grad_clip = 1.0f;
    for (s = 0; s < STEPS; s++) {
        batch(s, tok, tgt);
        if (s % 5 == 1) {
            if (tt_model_forward(m, tok, tgt, B, T, &loss) != TT_OK || tt_model_backward(m, 1.0f) != TT_OK) return -1.0f;
        } else if (tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &loss) != TT_OK) return -1.0f;
        if (losses) losses[s] = loss;
        if (tt_adamw_step(m, &o, NULL) != TT_OK) return -1.0f;
    }
    return loss;
}

int main(void) {
    tt_model *m32 = NULL, *m16[3] = { NULL, NULL, NULL }, *rm = NULL;
    float l32[STEPS], l16[3][STEPS];
    int t, s;
    size_t P;
    /* fp32 and bf16 from the same init */
    {
        tt_model_config c = config(2, 0);
        CHECK(tt_model_create(&c, &m32) == TT_OK, "fp32 model");
        for (t = 0; t < 3; t++) {
            c = config(t + 1, 1);
            CHECK(tt_model_create(&c, &m16[t]) == TT_OK, "bf16 model");
        }
        c = config(2, 7);
        c.precision = 7;
        CHECK(tt_model_create(&c, &rm) == TT_ERR_INVALID_ARG && rm == NULL, "precision 7 refused");
        c.precision = -1;
        CHECK(tt_model_create(&c, &rm) == TT_ERR_INVALID_ARG && rm == NULL, "precision -1 refused");
    }
    if (!m32 || !m16[0] || !m16[1] || !m16[2]) return 1;
    P = tt_model_num_params(m32);
    CHECK(memcmp(tt_model_params(m32), tt_model_params(m16[0]), P * 4) == 0, "same init");
    CHECK(train(m32, l32) > 0.0f, "fp32 training");
    for (t = 0; t < 3; t++) CHECK(train(m16[t], l16[t]) > 0.0f, "bf16 training");
    printf("loss fp32 vs bf16: step 0 %.7f %.7f, step %d %.7f %.7f\n", l32[0], l16[0][0], STEPS - 1, l32[STEPS - 1],
           l16[0][STEPS - 1]);
    CHECK(l32[0] != l16[0][0], "bf16 differs from fp32 (the GEMM inputs are rounded)");
    CHECK(fabsf(l16[0][0] - l32[0]) < 0.01f * l32[0], "first loss within 1 %");
    CHECK(fabsf(l16[0][STEPS - 1] - l32[STEPS - 1]) < 0.02f * l32[STEPS - 1], "last loss within 2 %");
    CHECK(l16[0][STEPS - 1] < 0.5f * l16[0][0], "bf16 learns");
    for (t = 1; t < 3; t++) {
        CHECK(memcmp(l16[0], l16[t], sizeof l16[0]) == 0, "bf16 losses bitwise equal at 1, 2, 3 threads");
        CHECK(memcmp(tt_model_params(m16[0]), tt_model_params(m16[t]), P * 4) == 0, "bf16 parameters equal across threads");
    }
    /* the bf16 copy follows writes to tt_model_params() and loads: a
     * model whose parameters are set from another's trains like it */
    {
        tt_model_config c = config(2, 1);
        tt_model *x = NULL;
        float lx[STEPS];
        CHECK(tt_model_create(&c, &x) == TT_OK, "bf16 model");
        if (x) {
            float la = 0.0f, lb = 0.0f;
            int32_t tok[B * T], tgt[B * T];
            memcpy(tt_model_params(x), tt_model_params(m16[0]), P * 4);
            batch(3, tok, tgt);
            CHECK(tt_model_forward(x, tok, tgt, B, T, &la) == TT_OK && tt_model_forward(m16[0], tok, tgt, B, T, &lb) == TT_OK,
                  "forward after a direct write");
            CHECK(memcmp(&la, &lb, 4) == 0, "bf16 copy refreshed after writing tt_model_params()");
            CHECK(tt_checkpoint_save_file("build/test_bf16_model.ttck", m32, NULL, NULL) == TT_OK, "save fp32");
            CHECK(tt_checkpoint_load_file("build/test_bf16_model.ttck", x, NULL, NULL, NULL) == TT_OK, "load into bf16");
            CHECK(tt_model_forward(x, tok, tgt, B, T, &la) == TT_OK, "forward after load");
            CHECK(fabsf(la - lb) > 0.0f, "bf16 copy refreshed after a checkpoint load (other weights, other loss)");
            remove("build/test_bf16_model.ttck");
            (void)lx;
            tt_model_destroy(x);
        }
    }
    (void)s;
    for (t = 0; t < 3; t++) tt_model_destroy(m16[t]);
    tt_model_destroy(m32);
    if (failures) { printf("test_bf16_model: %d failure(s)\n", failures); return 1; }
    printf("test_bf16_model: ok\n");
    return 0;
}
