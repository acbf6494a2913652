/* tests/simd/train_steps.c -- a short training run whose every loss and
 * gradient norm is printed bit-exactly (C99 %a, then in decimal), with a
 * CRC32 of the final parameters, so that two builds can be compared with
 * cmp (or, where their summation orders differ, with close_runs.awk).
 *
 *   train_steps tiny|small|big STEPS THREADS
 *
 * tiny: batch 2 x 16 tokens (32 rows; for runs under qemu-user);
 * small: batch 4 x 64 tokens (256 rows); big: batch 10 x 64 (640 rows: the lm
 * head runs in two row chunks, the weight gradients have K = 640, more than
 * one K block in the AVX2 build).
 * The 6x16 (AVX2, NEON) and 6x64 (AVX-512) micro-kernels compute each C
 * element as one chain of fused multiply-adds in increasing k (a later K
 * block goes on from the stored value, which is the same float), so their
 * GEMMs agree bitwise; the elementwise kernels' reductions (LayerNorm,
 * softmax sums) run in 4, 8 or 16 lanes, so the widths' runs agree closely,
 * not bitwise.
 * Exits nonzero if the loss does not fall. */
#ifndef TT_TEST_SPLIT /* the Makefile may link one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V 67
#define T 64
#define BMAX 10

static int32_t tok[BMAX * T], tgt[BMAX * T];

int main(int argc, char **argv) {
    tt_model_config cfg;
    tt_adamw_config opt;
    tt_model *m = NULL;
    tt_rng rng;
    float first = 0.0f, loss = 0.0f;
    int steps, threads, big, tiny, b, t, s, i;
    tt_status st;
    if (argc != 4 || (strcmp(argv[1], "tiny") != 0 && strcmp(argv[1], "small") != 0 && strcmp(argv[1], "big") != 0)) {
        fprintf(stderr, "usage: %s tiny|small|big STEPS THREADS\n", argv[0]);
        return 2;
    }
    big = strcmp(argv[1], "big") == 0;
    tiny = strcmp(argv[1], "tiny") == 0;
    steps = atoi(argv[2]);
    threads = atoi(argv[3]);
    b = big ? 10 : tiny ? 2 : 4;
    t = tiny ? 16 : T;
    memset(&cfg, 0, sizeof cfg);
    memset(&opt, 0, sizeof opt);
    cfg.vocab_size = V; cfg.n_ctx = T; cfg.n_layer = 2; cfg.n_head = 4; cfg.d_model = 64;
    cfg.max_batch = b; cfg.n_threads = threads; cfg.seed = 11;
    cfg.logger.fn = tt_log_stderr;
    st = tt_model_create(&cfg, &m);
    if (st != TT_OK) { fprintf(stderr, "tt_model_create: %s\n", tt_strerror(st)); return 1; }
    opt.lr = 3e-3f; opt.weight_decay = 0.1f; opt.grad_clip = 1.0f; opt.warmup_steps = 3;
    opt.schedule = TT_LR_COSINE; opt.total_steps = steps;
    tt_rng_seed(&rng, 5);
    fprintf(stderr, "simd width %d, %s config (B %d, T %d), %d threads\n", tt_simd_width(), argv[1], b, t, threads);
    for (s = 0; s < steps; s++) {
        tt_step_stats ss;
        /* a learnable stream: the target is a fixed function of the token */
        for (i = 0; i < b * t; i++) { tok[i] = (int32_t)(tt_rng_u32(&rng) % V); tgt[i] = (tok[i] * 5 + 1) % V; }
        if ((st = tt_model_forward(m, tok, tgt, b, t, &loss)) != TT_OK ||
            (st = tt_model_backward(m, 1.0f)) != TT_OK ||
            (st = tt_adamw_step(m, &opt, &ss)) != TT_OK) {
            fprintf(stderr, "step %d: %s\n", s, tt_strerror(st));
            return 1;
        }
        if (s == 0) first = loss;
        printf("step %2d loss %a (%.9g) grad_norm %a (%.9g)\n", s, loss, loss, ss.grad_norm, ss.grad_norm);
    }
    printf("params crc32 %08lx\n", (unsigned long)tt_crc32(0, tt_model_params(m), tt_model_num_params(m) * sizeof(float)));
    tt_model_destroy(m);
    if (!(loss < first)) { fprintf(stderr, "loss did not fall: %g -> %g\n", first, loss); return 1; }
    return 0;
}
