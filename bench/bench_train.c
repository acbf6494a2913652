/* bench_train: the full training step (forward, backward, clip, AdamW) on
 * the fixed configurations S, M, G (README.md, "Speed: make bench").
 *   bench/bench_train --config S|M|G [--threads N] [--steps N] [--dtype fp32|bf16] [--recompute] [--unfused]
 *                     [--no-profile]
 * --dtype bf16: cfg.precision = TT_PRECISION_BF16 (README "Precision and
 * memory"); --recompute: cfg.recompute = 1. Before the timings it prints
 * the model's memory breakdown (tt_model_memory_breakdown) and after them
 * the peak RSS against its total.
 * --unfused times tt_model_forward and tt_model_backward separately (the lm
 * head then recomputes its logits); the default uses tt_model_forward_backward.
 * Prints a phase breakdown (medians over the steps after 2 warm-up steps), a
 * per-op breakdown from the library's profiler (cfg.profile,
 * tt_model_get_stats: mean ms per step, share of the step, GFLOP/s; off
 * with --no-profile) and as its last line:
 *   RESULT config=S threads=2 tok_per_s=... mfu=... peak_rss_mb=...
 * mfu is a fraction of the fp32 FMA peak measured here with the same thread
 * count (the higher of a measurement before and one after the run). FLOPs per token: 6 x non-embedding params + 6 V C + 12 L T C
 * (PaLM appendix B).
 *
 * --backend cuda[:N] (a build with -DTT_WITH_CUDA linked with
 * examples/cuda/tt_cuda.o: build/cuda/bench_train from make train-cuda)
 * trains on GPU N through the CUDA backend; --tf32 puts its GEMMs on TF32
 * tensor cores. --batch N / --seq N override the config's B and T (the
 * GPU figure of issue 12 is G at B 16, T 1024). Step times then include a
 * backend sync after AdamW. mfu is against the GPU's dense peak for the
 * GEMM precision used (fp32 or TF32): --peak-tflops X, or the table below
 * for H100/H200 from NVIDIA's datasheets; the line before RESULT also
 * gives the fraction of the TF32 and bf16 dense peaks. The per-op
 * breakdown is off on a GPU unless --profile is given. */
#define TINYTRAIN_IMPLEMENTATION
#include "../tinytrain.h"
#include "bench_peak.h"
#ifdef TT_WITH_CUDA
#include "tt_cuda.h"
#endif
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

/* Dense peak TFLOP/s per GPU: the datasheets' tensor figures are "with
 * sparsity", so TF32 and bf16 below are half of them. Sources:
 * https://www.nvidia.com/en-us/data-center/h100/ (H100 SXM, PCIe, NVL) and
 * https://www.nvidia.com/en-us/data-center/h200/ (H200 SXM, NVL). Matched on
 * the CUDA device name, most specific first. */
typedef struct gpu_peak { const char *name_has, *label; double fp32, tf32, bf16; } gpu_peak;
static const gpu_peak gpu_peaks[] = {
    { "H100 NVL", "H100 NVL", 60.0, 417.5, 835.5 },
    { "H100 PCIe", "H100 PCIe", 51.0, 378.0, 756.5 },
    { "H100", "H100 SXM", 67.0, 494.5, 989.5 },
    { "H200 NVL", "H200 NVL", 60.0, 417.5, 835.5 },
    { "H200", "H200 SXM", 67.0, 494.5, 989.5 },
};
static const gpu_peak *find_peak(const char *device_name) {
    size_t i;
    for (i = 0; i < sizeof(gpu_peaks) / sizeof(gpu_peaks[0]); i++)
        if (strstr(device_name, gpu_peaks[i].name_has)) return &gpu_peaks[i];
    return NULL;
}

/* --backend: -1 cpu, N for cuda[:N], -2 otherwise */
static int cuda_device(const char *b) {
    char *e;
    long d;
    if (!strcmp(b, "cpu")) return -1;
    if (!strcmp(b, "cuda")) return 0;
    if (strncmp(b, "cuda:", 5) != 0 || b[5] < '0' || b[5] > '9') return -2;
    d = strtol(b + 5, &e, 10);
    return *e || d > 1024 ? -2 : (int)d;
}

int main(int argc, char **argv) {
    const char *config = "S", *dtype = "fp32", *backend = "cpu";
    int threads = 2, steps = 8, i, s, fused = 1, profile = 1, tf32 = 0, set_b = 0, set_t = 0, dev, recompute = 0;
    double peak_tflops = 0.0;
    tt_backend be;
    const gpu_peak *gp = NULL;
    char gpu_name[256] = "";
    int V, C, L, NH, T, B;
    tt_model_config cfg;
    tt_memory_breakdown memb;
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
        else if (!strcmp(argv[i], "--recompute")) recompute = 1;
        else if (!strcmp(argv[i], "--no-profile")) profile = 0;
        else if (!strcmp(argv[i], "--profile")) profile = 2;
        else if (!strcmp(argv[i], "--backend") && i + 1 < argc) backend = argv[++i];
        else if (!strcmp(argv[i], "--tf32")) tf32 = 1;
        else if (!strcmp(argv[i], "--peak-tflops") && i + 1 < argc) peak_tflops = atof(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) set_b = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seq") && i + 1 < argc) set_t = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s --config S|M|G [--threads N] [--steps N] [--dtype fp32|bf16] [--recompute] [--unfused] [--no-profile]\n"
                            "       [--profile] [--backend cpu|cuda[:N]] [--tf32] [--peak-tflops X] [--batch N] [--seq N]\n",
                    argv[0]);
            return 2;
        }
    }
    if (strcmp(dtype, "fp32") != 0 && strcmp(dtype, "bf16") != 0) {
        fprintf(stderr, "bench_train: --dtype must be fp32 or bf16\n");
        return 2;
    }
    if (!strcmp(config, "S")) { V = 10000; C = 256; L = 2; NH = 4; T = 256; B = 16; }
    else if (!strcmp(config, "M")) { V = 50257; C = 512; L = 6; NH = 8; T = 256; B = 8; }
    else if (!strcmp(config, "G")) { V = 50257; C = 768; L = 12; NH = 12; T = 256; B = 4; }
    else { fprintf(stderr, "bench_train: unknown config %s\n", config); return 2; }
    if (set_b < 0 || set_b > 4096 || set_t < 0 || set_t > 65536) {
        fprintf(stderr, "bench_train: --batch must be in [1, 4096], --seq in [1, 65536]\n");
        return 2;
    }
    if (set_b) B = set_b;
    if (set_t) T = set_t;
    if (steps < 1) steps = 1;
    dev = cuda_device(backend);
    if (dev == -2) { fprintf(stderr, "bench_train: --backend must be cpu, cuda or cuda:N (got %s)\n", backend); return 2; }
    if (tf32 && dev < 0) { fprintf(stderr, "bench_train: --tf32 needs --backend cuda\n"); return 2; }
    memset(&be, 0, sizeof(be));
    if (dev >= 0) {
#ifdef TT_WITH_CUDA
        tt_cuda_options co;
        tt_cuda_device_info di;
        memset(&co, 0, sizeof(co));
        co.tf32 = tf32;
        co.logger.fn = tt_log_stderr;
        if ((st = tt_cuda_backend_create(dev, &co, &be)) != TT_OK) {
            fprintf(stderr, "bench_train: --backend %s: %s\n", backend, tt_strerror(st));
            return 1;
        }
        if (tt_cuda_device_info_get(dev, &di) == TT_OK) snprintf(gpu_name, sizeof(gpu_name), "%s", di.name);
#else
        fprintf(stderr, "bench_train: --backend %s: this build has no CUDA backend: make train-cuda "
                        "(builds build/cuda/bench_train)\n", backend);
        return 2;
#endif
        gp = find_peak(gpu_name);
        if (profile == 1) profile = 0; /* per-op times of queued GPU work: only with --profile */
    }
    memset(&cfg, 0, sizeof(cfg));
    memset(&memb, 0, sizeof(memb));
    cfg.vocab_size = V; cfg.d_model = C; cfg.n_layer = L; cfg.n_head = NH; cfg.n_ctx = T;
    cfg.max_batch = B; cfg.n_threads = threads;
    cfg.profile = profile != 0; /* the built-in CLOCK_MONOTONIC (built with _POSIX_C_SOURCE) */
    cfg.logger.fn = tt_log_stderr;
    cfg.backend = dev >= 0 ? &be : NULL;
    cfg.precision = !strcmp(dtype, "bf16") ? TT_PRECISION_BF16 : TT_PRECISION_FP32;
    cfg.recompute = recompute;
    if (tt_model_memory_breakdown(&cfg, &memb) == TT_OK)
        printf("memory (MB): parameters %.1f, gradients %.1f, AdamW moments %.1f, activations %.1f, scratch %.1f, "
               "packed copies %.1f, other %.1f = %.1f; in the backend's memory %.1f\n", memb.params / 1e6,
               memb.grads / 1e6, memb.moments / 1e6, memb.activations / 1e6, memb.scratch / 1e6, memb.packed / 1e6,
               memb.other / 1e6, memb.total / 1e6, memb.backend / 1e6);
    /* the peak is measured before the model exists (no pool threads yet) and
     * again after the run; the higher of the two is used, so a burst of
     * another tenant's load during one measurement does not inflate the MFU.
     * On a GPU: the given or tabled dense peak (0 = unknown, mfu 0) */
    if (dev < 0) peak = bench_fma_peak(threads, 3);
    else peak = 1e3 * (peak_tflops > 0 ? peak_tflops : gp ? (tf32 ? gp->tf32 : gp->fp32) : 0.0);
    if ((st = tt_model_create(&cfg, &m)) != TT_OK) {
        fprintf(stderr, "create: %s\n", tt_strerror(st));
#ifdef TT_WITH_CUDA
        tt_cuda_backend_destroy(&be);
#endif
        return 1;
    }
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
        if (dev >= 0) be.sync(be.ctx); /* the update's kernels are queued, not done */
        t3 = bp_now();
        if (s >= 0) { tf[s] = t1 - t0; tb[s] = t2 - t1; to[s] = t3 - t2; tt[s] = t3 - t0; }
        if (s == -1) { /* faults and op times in the timed steps */
            getrusage(RUSAGE_SELF, &ru);
            minflt0 = ru.ru_minflt;
            tt_model_reset_stats(m);
        }
        fprintf(stderr, "step %d loss %.4f %.1f ms\n", s, loss, (t3 - t0) * 1e3);
    }
    if (dev < 0) {
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
        if (dev < 0)
            printf("%.1f GFLOP/s, measured fp32 peak %.1f GFLOP/s; %ld page faults in the timed steps\n", gflops, peak,
                   ru.ru_minflt - minflt0);
        else {
            printf("backend %s on %s, %s GEMMs: %.1f TFLOP/s, peak %.1f TFLOP/s (%s)\n", be.name, gpu_name,
                   tf32 ? "TF32" : "fp32", gflops * 1e-3, peak * 1e-3,
                   peak_tflops > 0 ? "--peak-tflops" : gp ? gp->label : "unknown GPU: give --peak-tflops");
            if (gp)
                printf("of the %s dense peaks: %.1f%% of fp32 %.1f, %.1f%% of TF32 %.1f, %.1f%% of bf16 %.1f TFLOP/s\n",
                       gp->label, 100 * gflops * 1e-3 / gp->fp32, gp->fp32, 100 * gflops * 1e-3 / gp->tf32, gp->tf32,
                       100 * gflops * 1e-3 / gp->bf16, gp->bf16);
        }
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
        if (dev < 0)
            printf("peak RSS %.1f MB = %.1f%% of the breakdown's %.1f MB (dtype %s%s)\n", ru.ru_maxrss * 1024.0 / 1e6,
                   100.0 * ru.ru_maxrss * 1024.0 / (double)memb.total, memb.total / 1e6, dtype,
                   recompute ? ", recompute" : "");
        if (dev < 0)
            printf("RESULT config=%s threads=%d tok_per_s=%.1f mfu=%.3f peak_rss_mb=%.0f dtype=%s recompute=%d\n", config,
                   threads, tps, peak > 0 ? gflops / peak : 0.0, ru.ru_maxrss / 1024.0, dtype, recompute);
        else
            printf("RESULT config=%s backend=%s gemm=%s B=%d T=%d tok_per_s=%.1f mfu=%.3f peak_tflops=%.1f\n", config,
                   be.name, tf32 ? "tf32" : "fp32", B, T, tps, peak > 0 ? gflops / peak : 0.0, peak * 1e-3);
    }
    tt_model_destroy(m);
#ifdef TT_WITH_CUDA
    tt_cuda_backend_destroy(&be); /* after the model, which frees its buffers through it */
#endif
    free(tok); free(tgt); free(tf); free(tb); free(to); free(tt);
    return 0;
}
