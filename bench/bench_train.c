/* bench_train: the full training step (forward, backward, clip, AdamW) on
 * the fixed configurations S, M, G (README.md, "Speed: make bench").
 *   bench/bench_train --config S|M|G [--threads N] [--steps N] [--dtype fp32] [--unfused] [--no-profile]
 * --unfused times tt_model_forward and tt_model_backward separately (the lm
 * head then recomputes its logits); the default uses tt_model_forward_backward.
 * Prints a phase breakdown (medians over the steps after 2 warm-up steps), a
 * per-op breakdown from the library's profiler (cfg.profile,
 * tt_model_get_stats: mean ms per step, share of the step, GFLOP/s; off
 * with --no-profile) and as its last line:
 *   RESULT config=S threads=2 tok_per_s=... mfu=... peak_rss_mb=...
 * mfu is a fraction of the fp32 FMA peak measured here with the same thread
 * count (the higher of a measurement before and one after the run). FLOPs per token: 6 x non-embedding params + 6 V C + 12 L T C
 * (PaLM appendix B). */
#define TINYTRAIN_IMPLEMENTATION
#include "../tinytrain.h"
#include "bench_peak.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
    const char *config = "S", *dtype = "fp32";
    int threads = 2, steps = 8, i, s, fused = 1, profile = 1;
    int V, C, L, NH, T, B;
    tt_model_config cfg;
    tt_model *m = NULL;
    tt_adamw_config opt;
    int32_t *tok, *tgt;
    double *tf, *tb, *to, *tt, flops_tok, peak, nonemb;
    tt_status st;
    struct rusage ru;
    long minflt0 = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dtype") && i + 1 < argc) dtype = argv[++i];
        else if (!strcmp(argv[i], "--unfused")) fused = 0;
        else if (!strcmp(argv[i], "--no-profile")) profile = 0;
        else {
            fprintf(stderr, "usage: %s --config S|M|G [--threads N] [--steps N] [--dtype fp32] [--unfused] [--no-profile]\n",
                    argv[0]);
            return 2;
        }
    }
    if (strcmp(dtype, "fp32") != 0) { fprintf(stderr, "bench_train: only --dtype fp32 is implemented\n"); return 2; }
    if (!strcmp(config, "S")) { V = 10000; C = 256; L = 2; NH = 4; T = 256; B = 16; }
    else if (!strcmp(config, "M")) { V = 50257; C = 512; L = 6; NH = 8; T = 256; B = 8; }
    else if (!strcmp(config, "G")) { V = 50257; C = 768; L = 12; NH = 12; T = 256; B = 4; }
    else { fprintf(stderr, "bench_train: unknown config %s\n", config); return 2; }
    if (steps < 1) steps = 1;
    memset(&cfg, 0, sizeof(cfg));
    cfg.vocab_size = V; cfg.d_model = C; cfg.n_layer = L; cfg.n_head = NH; cfg.n_ctx = T;
    cfg.max_batch = B; cfg.n_threads = threads;
    cfg.profile = profile; /* the built-in CLOCK_MONOTONIC (built with _POSIX_C_SOURCE) */
    cfg.logger.fn = tt_log_stderr;
    /* the peak is measured before the model exists (no pool threads yet) and
     * again after the run; the higher of the two is used, so a burst of
     * another tenant's load during one measurement does not inflate the MFU */
    peak = bench_fma_peak(threads, 3);
    if ((st = tt_model_create(&cfg, &m)) != TT_OK) { fprintf(stderr, "create: %s\n", tt_strerror(st)); return 1; }
    memset(&opt, 0, sizeof(opt));
    opt.lr = 3e-4f; opt.weight_decay = 0.1f; opt.grad_clip = 1.0f;
    tok = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    tgt = (int32_t *)malloc(sizeof(int32_t) * (size_t)B * T);
    {
        tt_rng rng;
        tt_rng_seed(&rng, 1);
        for (i = 0; i < B * T; i++) { tok[i] = (int32_t)(tt_rng_u32(&rng) % (uint32_t)V); tgt[i] = (int32_t)(tt_rng_u32(&rng) % (uint32_t)V); }
    }
    tf = (double *)calloc((size_t)steps, sizeof(double)); tb = (double *)calloc((size_t)steps, sizeof(double));
    to = (double *)calloc((size_t)steps, sizeof(double)); tt = (double *)calloc((size_t)steps, sizeof(double));
    nonemb = (double)tt_model_num_params(m) - (double)((V + 63) / 64 * 64) * C - (double)T * C;
    flops_tok = 6.0 * nonemb + 6.0 * V * C + 12.0 * L * T * C;
    for (s = -2; s < steps; s++) {
        float loss;
        double t0 = bp_now(), t1, t2, t3;
        if (fused) {
            /* forward and backward in one call (the lm head is not recomputed) */
            tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, &loss);
            t1 = t2 = bp_now();
        } else {
            tt_model_forward(m, tok, tgt, B, T, &loss);
            t1 = bp_now();
            tt_model_backward(m, 1.0f);
            t2 = bp_now();
        }
        tt_adamw_step(m, &opt, NULL);
        t3 = bp_now();
        if (s >= 0) { tf[s] = t1 - t0; tb[s] = t2 - t1; to[s] = t3 - t2; tt[s] = t3 - t0; }
        if (s == -1) { /* faults and op times in the timed steps */
            getrusage(RUSAGE_SELF, &ru);
            minflt0 = ru.ru_minflt;
            tt_model_reset_stats(m);
        }
        fprintf(stderr, "step %d loss %.4f %.1f ms\n", s, loss, (t3 - t0) * 1e3);
    }
    {
        double p2 = bench_fma_peak(threads, 3);
        if (p2 > peak) peak = p2;
    }
    getrusage(RUSAGE_SELF, &ru);
    {
        double mf = median(tf, steps), mb = median(tb, steps), mo = median(to, steps), mt = median(tt, steps);
        double tps = (double)B * T / mt, gflops = tps * flops_tok * 1e-9;
        printf("config %s: V=%d C=%d L=%d NH=%d T=%d B=%d, %zu params, %.3f GFLOP/token, SIMD width %d, %d threads\n",
               config, V, C, L, NH, T, B, tt_model_num_params(m), flops_tok * 1e-9, tt_simd_width(), threads);
        if (fused)
            printf("median step %.1f ms: forward+backward (fused) %.1f ms (%.0f%%), clip+adamw %.1f ms (%.0f%%)\n",
                   mt * 1e3, mf * 1e3, 100 * mf / mt, mo * 1e3, 100 * mo / mt);
        else
            printf("median step %.1f ms: forward %.1f ms (%.0f%%), backward %.1f ms (%.0f%%), clip+adamw %.1f ms (%.0f%%)\n",
                   mt * 1e3, mf * 1e3, 100 * mf / mt, mb * 1e3, 100 * mb / mt, mo * 1e3, 100 * mo / mt);
        printf("%.1f GFLOP/s, measured fp32 peak %.1f GFLOP/s; %ld page faults in the timed steps\n", gflops, peak,
               ru.ru_minflt - minflt0);
        if (profile) {
            tt_model_stats ps;
            double sum = 0.0;
            int k;
            tt_model_get_stats(m, &ps);
            printf("per op (mean over %d steps): %-14s %9s %6s %9s %6s\n", steps, "op", "ms/step", "%step", "GFLOP/s",
                   "calls");
            for (k = 0; k < TT_OP_COUNT; k++) {
                double ms = ps.seconds[k] * 1e3 / steps;
                sum += ps.seconds[k];
                if (ps.calls[k] == 0) continue;
                printf("  %-38s %9.2f %6.1f %9.1f %6.0f\n", tt_op_kind_name(k), ms, 100 * ms * 1e-3 / mt,
                       ps.seconds[k] > 0 ? ps.flops[k] / ps.seconds[k] * 1e-9 : 0.0, (double)ps.calls[k] / steps);
            }
            printf("  %-38s %9.2f %6.1f\n", "(sum of ops)", sum * 1e3 / steps, 100 * sum / steps / mt);
        }
        printf("RESULT config=%s threads=%d tok_per_s=%.1f mfu=%.3f peak_rss_mb=%.0f\n", config, threads, tps,
               peak > 0 ? gflops / peak : 0.0, ru.ru_maxrss / 1024.0);
    }
    tt_model_destroy(m);
    free(tok); free(tgt); free(tf); free(tb); free(to); free(tt);
    return 0;
}
