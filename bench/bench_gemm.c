/* bench_gemm: GFLOP/s of tt__gemm (this build's SIMD packed GEMM) and of
 * OpenBLAS cblas_sgemm on the training shapes of configs S, M, G (the
 * README's benchmark table), at 1 and N threads, with % of the machine's
 * fp32 FMA peak measured here by bench_peak.h's 12-chain FMA loop (1 thread
 * and N threads at once, best of 3).
 *
 * Usage: bench_gemm [--threads N] [--reps R] [--config S|M|G|all] [--rows R] [--cpu-time]
 *   --threads N  the multi-thread column (default: online CPUs)
 *   --reps R     timed runs per cell, median reported (default 5)
 *   --rows R     rows per lm-head chunk (default 512 = TT__HEAD_ROWS of tt_model.c)
 * The lm head's forward and dX products ("pk") read wte packed ahead, as the
 * model does (it packs wte once per forward pass; the packing is not timed).
 *   --cpu-time   1-thread cells timed by thread CPU time (see now())
 * Timing: one warm-up run, then R runs; median. Everything runs in one
 * process so both libraries see the same machine state; OpenBLAS's threads
 * spin briefly after a call, so each cell of ours starts after a short sleep.
 * Link: -lopenblas -lpthread -lm (OpenBLAS is used by this benchmark only). */
#define _POSIX_C_SOURCE 200809L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench_peak.h"

extern void openblas_set_num_threads(int num_threads);

/* --cpu-time: time 1-thread cells by the calling thread's CPU time (for a
 * shared, busy machine: time spent descheduled is not counted; cache
 * interference still is). Multi-thread cells always use wall time. */
static int use_cpu_time = 0, cur_threads = 1;
static double now(void) {
    struct timespec ts;
    clock_gettime(use_cpu_time && cur_threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static void nap(double s) {
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- execs ---- */
typedef struct { tt__exec ex; void *pool; } bexec;
static void bexec_init(bexec *b, int n) {
    memset(b, 0, sizeof(*b));
    b->ex.n_threads = n;
    b->ex.scratch_floats = tt__gemm_scratch_floats();
    b->ex.scratch = (float *)malloc((size_t)n * (b->ex.scratch_floats + 1) * sizeof(float));
    if (n > 1) {
        b->pool = malloc(tt__pool_size(n));
        if (!b->pool || tt__pool_start((tt__pool *)b->pool, n) != TT_OK) { fprintf(stderr, "pool\n"); exit(1); }
        b->ex.par.parallel_for = tt__pool_parallel_for;
        b->ex.par.pool = b->pool;
    }
}

enum { FWD, DX, DW };
typedef struct { const char *name; int M, N, K, kind, pk; } shape;
static float *buf_pk; /* B packed ahead, for the lm head's products (as the model does once per forward) */

static float *buf_a, *buf_b, *buf_c;
static size_t buf_n;
static void ensure(size_t n) {
    size_t i;
    if (n <= buf_n) return;
    free(buf_a); free(buf_b); free(buf_c);
    buf_a = (float *)malloc(n * sizeof(float));
    buf_b = (float *)malloc(n * sizeof(float));
    buf_c = (float *)malloc(n * sizeof(float));
    if (!buf_a || !buf_b || !buf_c) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (i = 0; i < n; i++) { buf_a[i] = (float)((i * 7919u) % 1000) * 1e-3f - 0.5f; buf_b[i] = (float)((i * 104729u) % 1000) * 1e-3f - 0.5f; buf_c[i] = 0; }
    buf_n = n;
}

/* One call of the product, in the model's layouts (see src/tt_internal.h):
 * FWD: C(M,N) = X(M,K) W(N,K)^T; DX: C(M,N) = dY(M,K) W(K,N); DW: C(M,N) += dY(K,M)^T X(K,N) */
static void run_tt(const bexec *b, const shape *s) {
    int M = s->M, N = s->N, K = s->K;
    const float *pk = s->pk && tt__gemm_packed_floats(K, N) ? buf_pk : NULL;
    if (s->kind == FWD) tt__gemm_pk(&b->ex, M, N, K, buf_a, K, 1, buf_b, 1, K, pk, buf_c, N, 0);
    else if (s->kind == DX) tt__gemm_pk(&b->ex, M, N, K, buf_a, K, 1, buf_b, N, 1, pk, buf_c, N, 0);
    else tt__gemm(&b->ex, M, N, K, buf_a, 1, M, buf_b, N, 1, buf_c, N, 1);
}
static void run_blas(const shape *s) {
    int M = s->M, N = s->N, K = s->K;
    if (s->kind == FWD) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, buf_a, K, buf_b, K, 0.0f, buf_c, N);
    else if (s->kind == DX) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, buf_a, K, buf_b, N, 0.0f, buf_c, N);
    else cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.0f, buf_a, M, buf_b, N, 1.0f, buf_c, N);
}
static double time_cell(const bexec *b, const shape *s, int reps) {
    double t[64], t0;
    int r;
    if (b) run_tt(b, s); else run_blas(s);
    for (r = 0; r < reps; r++) {
        t0 = now();
        if (b) run_tt(b, s); else run_blas(s);
        t[r] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_d);
    return 2.0 * s->M * (double)s->N * s->K / t[reps / 2] * 1e-9;
}

int main(int argc, char **argv) {
    int nt = (int)sysconf(_SC_NPROCESSORS_ONLN), reps = 5, rows = 512, i, c;
    const char *which = "all";
    double peak1, peakn, sum[4] = {0, 0, 0, 0};
    int count = 0;
    bexec e1, en;
    static const struct { const char *name; int BT, C, Vp; } cfgs[3] = {
        {"S", 16 * 256, 256, 10048}, {"M", 8 * 256, 512, 50304}, {"G", 4 * 256, 768, 50304}};
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) nt = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--config") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--cpu-time")) use_cpu_time = 1;
        else { fprintf(stderr, "usage: %s [--threads N] [--reps R] [--config S|M|G|all] [--rows R] [--cpu-time]\n", argv[0]); return 2; }
    }
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    if (reps < 1) reps = 1;
    if (reps > 64) reps = 64;
#if TT_SIMD_WIDTH == 1
    printf("note: TT_SIMD_WIDTH=1 build: tt__gemm is the scalar reference; no peak loop\n");
#endif
    peak1 = bench_fma_peak(1, 3);
    peakn = bench_fma_peak(nt, 3);
    printf("tinytrain.h GEMM bench: TT_SIMD_WIDTH=%d, %s\n", TT_SIMD_WIDTH, openblas_get_config());
    printf("measured fp32 FMA peak: 1 thread %.1f GFLOP/s, %d threads %.1f GFLOP/s\n", peak1, nt, peakn);
    printf("median of %d runs after 1 warm-up; %%pk = %% of the measured peak at that thread count%s\n\n", reps,
           use_cpu_time ? "; 1-thread cells timed by thread CPU time" : "");
    bexec_init(&e1, 1);
    bexec_init(&en, nt);
    printf("%-4s %-16s %6s %6s %6s | %-15s %-15s | %-15s %-15s\n", "cfg", "product", "M", "N", "K", "tt 1t GF  %pk",
           "blas 1t GF %pk", "tt Nt GF  %pk", "blas Nt GF %pk");
    for (c = 0; c < 3; c++) {
        int BT = cfgs[c].BT, C = cfgs[c].C, Vp = cfgs[c].Vp;
        shape sh[15];
        int ns = 0;
        if (strcmp(which, "all") && strcmp(which, cfgs[c].name)) continue;
#define SH(n_, m_, nn_, k_, kd_) do { sh[ns].name = n_; sh[ns].M = m_; sh[ns].N = nn_; sh[ns].K = k_; sh[ns].kind = kd_; sh[ns].pk = 0; ns++; } while (0)
        SH("fwd qkv XW^T", BT, 3 * C, C, FWD);
        SH("fwd proj XW^T", BT, C, C, FWD);
        SH("fwd fc XW^T", BT, 4 * C, C, FWD);
        SH("fwd fcproj XW^T", BT, C, 4 * C, FWD);
        SH("dX qkv dYW", BT, C, 3 * C, DX);
        SH("dX proj dYW", BT, C, C, DX);
        SH("dX fc dYW", BT, C, 4 * C, DX);
        SH("dX fcproj dYW", BT, 4 * C, C, DX);
        SH("dW qkv dY^TX", 3 * C, C, BT, DW);
        SH("dW proj dY^TX", C, C, BT, DW);
        SH("dW fc dY^TX", 4 * C, C, BT, DW);
        SH("dW fcproj dY^TX", C, 4 * C, BT, DW);
        SH("lm fwd XWe^T pk", rows, Vp, C, FWD); sh[ns - 1].pk = 1;
        SH("lm dX dL We pk", rows, C, Vp, DX); sh[ns - 1].pk = 1;
        SH("lm dWe dL^TX", Vp, C, rows, DW);
#undef SH
        for (i = 0; i < ns; i++) {
            size_t need = (size_t)sh[i].M * sh[i].K;
            double g[4];
            if ((size_t)sh[i].K * sh[i].N > need) need = (size_t)sh[i].K * sh[i].N;
            if ((size_t)sh[i].M * sh[i].N > need) need = (size_t)sh[i].M * sh[i].N;
            ensure(need);
            if (sh[i].pk) { /* pack B once, outside the timing (the model packs wte once per forward) */
                size_t np = tt__gemm_packed_floats(sh[i].K, sh[i].N);
                free(buf_pk);
                buf_pk = NULL;
                if (np && posix_memalign((void **)&buf_pk, 64, np * sizeof(float)) != 0) { fprintf(stderr, "out of memory\n"); exit(1); }
                if (sh[i].kind == FWD) tt__gemm_pack_b(&en.ex, sh[i].K, sh[i].N, buf_b, 1, sh[i].K, buf_pk);
                else tt__gemm_pack_b(&en.ex, sh[i].K, sh[i].N, buf_b, sh[i].N, 1, buf_pk);
            }
            nap(0.05);
            cur_threads = 1;
            g[0] = time_cell(&e1, &sh[i], reps);
            openblas_set_num_threads(1);
            g[1] = time_cell(NULL, &sh[i], reps);
            nap(0.05);
            cur_threads = nt;
            g[2] = time_cell(&en, &sh[i], reps);
            openblas_set_num_threads(nt);
            g[3] = time_cell(NULL, &sh[i], reps);
            printf("%-4s %-16s %6d %6d %6d | %7.1f %5.1f%%  %7.1f %5.1f%%  | %7.1f %5.1f%%  %7.1f %5.1f%%\n",
                   cfgs[c].name, sh[i].name, sh[i].M, sh[i].N, sh[i].K, g[0], 100 * g[0] / peak1, g[1],
                   100 * g[1] / peak1, g[2], 100 * g[2] / peakn, g[3], 100 * g[3] / peakn);
            fflush(stdout);
            sum[0] += g[0]; sum[1] += g[1]; sum[2] += g[2]; sum[3] += g[3];
            count++;
        }
    }
    if (count)
        printf("\nmean over %d shapes: tt 1t %.1f GF/s (%.1f%%), blas 1t %.1f (%.1f%%), tt %dt %.1f (%.1f%%), blas %dt %.1f (%.1f%%)\n",
               count, sum[0] / count, 100 * sum[0] / count / peak1, sum[1] / count, 100 * sum[1] / count / peak1, nt,
               sum[2] / count, 100 * sum[2] / count / peakn, nt, sum[3] / count, 100 * sum[3] / count / peakn);
    return 0;
}
