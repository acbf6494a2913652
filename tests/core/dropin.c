/* tests/core/dropin.c -- the drop-in test: this file and tinytrain.h alone in
 * an empty directory, compiled as C99 (gcc, clang) and C++11 (g++). Trains a
 * tiny model 30 steps on a fixed repeating token sequence; the loss must fall
 * below 0.7x its first value. Exit 0 on success. */
#ifndef TT_TEST_SPLIT /* the Makefile links one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include <stdio.h>

#ifdef __cplusplus
#  define ZERO_INIT {}
#else
#  define ZERO_INIT {0}
#endif

#define B 2
#define T 16

int main(void) {
    static const char text[] = "the cat sat on the mat. the cat sat on the mat. the cat sat on the mat. ";
    tt_model_config cfg = ZERO_INIT;
    tt_adamw_config opt = ZERO_INIT;
    tt_model *m = NULL;
    int32_t tokens[B * T], targets[B * T];
    float loss = 0.0f, first = 0.0f;
    int i, step;
    tt_status st;

    for (i = 0; i < B * T; i++) {
        /* row b starts at offset 5*b of the text; bytes are the token ids */
        int pos = (i / T) * 5 + i % T;
        tokens[i] = (int32_t)(unsigned char)text[pos];
        targets[i] = (int32_t)(unsigned char)text[pos + 1];
    }
    cfg.vocab_size = 128;
    cfg.n_ctx = T;
    cfg.n_layer = 2;
    cfg.n_head = 2;
    cfg.d_model = 32;
    cfg.max_batch = B;
    st = tt_model_create(&cfg, &m);
    if (st != TT_OK) { printf("create: %s\n", tt_strerror(st)); return 1; }
    opt.lr = 3e-3f;
    opt.weight_decay = 0.1f;
    opt.grad_clip = 1.0f;
    for (step = 0; step < 30; step++) {
        st = tt_model_forward(m, tokens, targets, B, T, &loss);
        if (st == TT_OK) st = tt_model_backward(m, 1.0f);
        if (st == TT_OK) st = tt_adamw_step(m, &opt, NULL);
        if (st != TT_OK) { printf("step %d: %s\n", step, tt_strerror(st)); tt_model_destroy(m); return 1; }
        if (step == 0) first = loss;
    }
    tt_model_destroy(m);
    printf("dropin (%s, tinytrain %s): loss %.4f -> %.4f\n",
#ifdef __cplusplus
           "C++",
#else
           "C",
#endif
           tt_version_string(), first, loss);
    if (!(loss < 0.7f * first)) { printf("loss did not fall enough\n"); return 1; }
    return 0;
}
