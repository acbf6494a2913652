/* cfg.profile and tt_model_get_stats: op counts and FLOPs per kind, the
 * clock wiring (a counting clock: every timed op takes exactly 1 "second"),
 * reset, names, results bitwise the same with profiling on and off, and the
 * refusal without a clock. Built twice by mk/06_model.mk: with
 * _POSIX_C_SOURCE (built-in CLOCK_MONOTONIC) and strict C99 (none). */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c, what) do { if (!(c)) { printf("FAIL %s (line %d)\n", what, __LINE__); failures++; } } while (0)

static double ticks;
static double count_clock(void *user) { (void)user; return ticks += 1.0; } /* end - begin = 1.0 */

enum { V = 300, C = 32, L = 2, NH = 4, T = 40, B = 3 };

static tt_model *make(int profile, int use_clock) {
    tt_model_config cfg;
    tt_model *m = NULL;
    memset(&cfg, 0, sizeof cfg);
    cfg.vocab_size = V; cfg.d_model = C; cfg.n_layer = L; cfg.n_head = NH; cfg.n_ctx = T; cfg.max_batch = B;
    cfg.n_threads = 2; cfg.profile = profile;
    if (use_clock) cfg.clock.now = count_clock;
    if (tt_model_create(&cfg, &m) != TT_OK) return NULL;
    return m;
}

static void batch(int32_t *tok, int32_t *tgt) {
    int i;
    for (i = 0; i < B * T; i++) { tok[i] = (int32_t)((i * 37 + 11) % V); tgt[i] = (int32_t)((i * 53 + 7) % V); }
}

/* three steps (fused, unfused, fused); losses and final parameters out */
static void train(tt_model *m, float *loss, uint32_t *crc) {
    int32_t tok[B * T], tgt[B * T];
    tt_adamw_config opt;
    batch(tok, tgt);
    memset(&opt, 0, sizeof opt);
    opt.lr = 1e-3f; opt.grad_clip = 1.0f; opt.weight_decay = 0.1f;
    tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &loss[0]);
    tt_adamw_step(m, &opt, NULL);
    tt_model_forward(m, tok, tgt, B, T, &loss[1]);
    tt_model_backward(m, 1.0f);
    tt_adamw_step(m, &opt, NULL);
    tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &loss[2]);
    tt_adamw_step(m, &opt, NULL);
    *crc = tt_crc32(0, tt_model_params(m), tt_model_num_params(m) * sizeof(float));
}

int main(void) {
    tt_model *off, *on;
    tt_model_stats st;
    float l_off[3], l_on[3];
    uint32_t c_off, c_on;
    int k, j;
    double N = (double)B * T;

    /* names: all distinct and known, "?" out of range */
    for (k = 0; k < TT_OP_COUNT; k++) {
        CHECK(strcmp(tt_op_kind_name(k), "?") != 0, "op kind has a name");
        for (j = 0; j < k; j++) CHECK(strcmp(tt_op_kind_name(k), tt_op_kind_name(j)) != 0, "op kind names distinct");
    }
    CHECK(strcmp(tt_op_kind_name(-1), "?") == 0 && strcmp(tt_op_kind_name(TT_OP_COUNT), "?") == 0, "out of range name");
    CHECK(tt_model_get_stats(NULL, &st) == TT_ERR_INVALID_ARG, "get_stats NULL model");

    off = make(0, 0);
    on = make(1, 1);
    CHECK(off && on, "create");
    if (!off || !on) return 1;
    CHECK(tt_model_get_stats(on, NULL) == TT_ERR_INVALID_ARG, "get_stats NULL out");
    train(off, l_off, &c_off);
    train(on, l_on, &c_on);
    printf("losses off %.7f %.7f %.7f, on %.7f %.7f %.7f; params crc %08x %08x\n", l_off[0], l_off[1], l_off[2],
           l_on[0], l_on[1], l_on[2], (unsigned)c_off, (unsigned)c_on);
    CHECK(memcmp(l_off, l_on, sizeof l_off) == 0 && c_off == c_on, "profile on/off bitwise the same");

    tt_model_get_stats(off, &st);
    for (k = 0; k < TT_OP_COUNT; k++) CHECK(st.calls[k] == 0 && st.seconds[k] == 0.0, "profile off: no stats");

    tt_model_get_stats(on, &st);
    for (k = 0; k < TT_OP_COUNT; k++) {
        printf("  %-14s calls %3.0f  s %5.1f  MFLOP %8.3f\n", tt_op_kind_name(k), (double)st.calls[k], st.seconds[k],
               st.flops[k] * 1e-6);
        CHECK(st.calls[k] > 0, "every op kind ran in three steps");
        CHECK(st.seconds[k] == (double)st.calls[k], "counting clock: 1 s per timed call");
    }
    /* 3 forwards, 3 backwards, 3 AdamW steps; N = 120 rows < TT__HEAD_ROWS: one lm head chunk */
    CHECK(st.calls[TT_OP_EMBEDDING] == 3 && st.calls[TT_OP_EMBEDDING_BWD] == 3, "embedding calls");
    CHECK(st.calls[TT_OP_LAYERNORM] == 3 * (2 * L + 1) && st.calls[TT_OP_LAYERNORM_BWD] == 3 * (2 * L + 1), "layernorm calls");
    /* a linear layer's backward is two GEMMs of the op table (dW with the bias gradient, dx) */
    CHECK(st.calls[TT_OP_QKV] == 3 * L && st.calls[TT_OP_QKV_BWD] == 2 * 3 * L, "qkv calls");
    CHECK(st.calls[TT_OP_ATTENTION] == 3 * L && st.calls[TT_OP_ATTENTION_BWD] == 3 * L, "attention calls");
    CHECK(st.calls[TT_OP_FC_PROJ] == 3 * L && st.calls[TT_OP_ATTN_PROJ_BWD] == 2 * 3 * L, "proj calls");
    CHECK(st.calls[TT_OP_LM_HEAD] == 4, "lm head: 3 forwards + the unfused backward's recompute");
    CHECK(st.calls[TT_OP_SOFTMAX_CE] == 4 && st.calls[TT_OP_LM_HEAD_BWD] == 3, "softmax / lm head backward calls");
    CHECK(st.calls[TT_OP_ADAMW] == 3, "adamw calls");
    CHECK(st.flops[TT_OP_QKV] == 3.0 * L * 2.0 * N * C * 3 * C, "qkv FLOPs = 2 N C 3C per layer");
    CHECK(st.flops[TT_OP_FC_BWD] == 3.0 * L * 4.0 * N * C * 4 * C, "fc backward FLOPs = 4 N C 4C per layer");
    CHECK(st.flops[TT_OP_LM_HEAD] == 4.0 * 2.0 * N * V * C, "lm head FLOPs = 2 N V C");
    CHECK(st.flops[TT_OP_ATTENTION] == 3.0 * L * 2.0 * N * C * (T + 1), "causal attention FLOPs");

    tt_model_reset_stats(on);
    tt_model_reset_stats(NULL);
    tt_model_get_stats(on, &st);
    for (k = 0; k < TT_OP_COUNT; k++) CHECK(st.calls[k] == 0 && st.seconds[k] == 0.0 && st.flops[k] == 0.0, "reset");
    tt_model_destroy(off);
    tt_model_destroy(on);

    /* the built-in clock: present with POSIX, else profile needs cfg.clock */
    on = make(1, 0);
#ifdef CLOCK_MONOTONIC
    CHECK(on != NULL, "profile with the built-in CLOCK_MONOTONIC");
    if (on) {
        float l[3];
        uint32_t c;
        train(on, l, &c);
        tt_model_get_stats(on, &st);
        CHECK(st.seconds[TT_OP_FC] > 0.0 && c == c_off, "monotonic clock measures; same results");
        printf("built-in clock: fc %.3f ms over %.0f calls\n", st.seconds[TT_OP_FC] * 1e3, (double)st.calls[TT_OP_FC]);
    }
#else
    CHECK(on == NULL, "no CLOCK_MONOTONIC and no cfg.clock: profile refused");
    printf("no CLOCK_MONOTONIC in this build: profile without cfg.clock refused\n");
#endif
    tt_model_destroy(on);
    printf("test_profile: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures != 0;
}
