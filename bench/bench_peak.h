/* bench_peak.h: measures the machine's fp32 FMA peak (GFLOP/s) with 12
 * independent vector FMA chains per thread, all threads at once. Shared by
 * the bench programs; never used by the library or the tests. */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H
#include <pthread.h>
#include <time.h>
#if defined(__AVX512F__)
#  include <immintrin.h>
typedef __m512 bp_vec;
#  define BP_W 16
#  define BP_SET1 _mm512_set1_ps
#  define BP_FMA _mm512_fmadd_ps
#  define BP_SUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
#  include <immintrin.h>
typedef __m256 bp_vec;
#  define BP_W 8
#  define BP_SET1 _mm256_set1_ps
#  define BP_FMA _mm256_fmadd_ps
static float bp_sum8(__m256 v) { float t[8]; int i; float s = 0; _mm256_storeu_ps(t, v); for (i = 0; i < 8; i++) s += t[i]; return s; }
#  define BP_SUM(v) bp_sum8(v)
#else
#  define BP_W 0
#endif

static double bp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if BP_W
typedef struct { long iters; double secs; float sink; } bp_arg;
static void *bp_thread(void *p) {
    bp_arg *a = (bp_arg *)p;
    bp_vec x[12], m = BP_SET1(0.999999f), c = BP_SET1(1e-7f);
    long i;
    int j;
    double t0;
    for (j = 0; j < 12; j++) x[j] = BP_SET1((float)j);
    t0 = bp_now();
    for (i = 0; i < a->iters; i++) {
        x[0] = BP_FMA(x[0], m, c); x[1] = BP_FMA(x[1], m, c); x[2] = BP_FMA(x[2], m, c);
        x[3] = BP_FMA(x[3], m, c); x[4] = BP_FMA(x[4], m, c); x[5] = BP_FMA(x[5], m, c);
        x[6] = BP_FMA(x[6], m, c); x[7] = BP_FMA(x[7], m, c); x[8] = BP_FMA(x[8], m, c);
        x[9] = BP_FMA(x[9], m, c); x[10] = BP_FMA(x[10], m, c); x[11] = BP_FMA(x[11], m, c);
    }
    a->secs = bp_now() - t0;
    a->sink = 0;
    for (j = 0; j < 12; j++) a->sink += BP_SUM(x[j]);
    return NULL;
}
#endif

/* peak GFLOP/s of n_threads threads running at once; best of `reps` runs */
static double bench_fma_peak(int n_threads, int reps) {
#if BP_W
    pthread_t th[64];
    bp_arg args[64];
    double best = 0;
    int r, i;
    if (n_threads > 64) n_threads = 64;
    for (r = 0; r < reps; r++) {
        double gf = 0;
        for (i = 0; i < n_threads; i++) { args[i].iters = 40000000L; pthread_create(&th[i], NULL, bp_thread, &args[i]); }
        for (i = 0; i < n_threads; i++) pthread_join(th[i], NULL);
        for (i = 0; i < n_threads; i++) gf += (double)args[i].iters * 12 * BP_W * 2 / args[i].secs * 1e-9;
        if (gf > best) best = gf;
    }
    return best;
#else
    (void)n_threads; (void)reps;
    return 0.0;
#endif
}
#endif
