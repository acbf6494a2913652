/* >>backend  dispatch: picks the scalar or SIMD kernel for each op and splits
 * the work over threads (never over a reduction dimension). */
#include "tt_internal.h"

/* ---- GEMM dispatch ---- */
typedef struct tt__gemm_job {
    const tt__exec *ex;
    int M, N, K, n_tasks, split_n;
    const float *A, *B;
    ptrdiff_t rsa, csa, rsb, csb, ldc;
    float *C;
    int accumulate;
} tt__gemm_job;

TT__PRIVATE size_t tt__gemm_scratch_floats(void) { return 0; }

TT__PRIVATE void tt__gemm_task(void *arg, int t) {
    const tt__gemm_job *g = (const tt__gemm_job *)arg;
    int lo, hi, total = g->split_n ? g->N : g->M;
    /* fixed partition into n_tasks contiguous ranges (multiples of 8 rows/cols) */
    int chunk = (total + g->n_tasks - 1) / g->n_tasks;
    chunk = (chunk + 7) & ~7;
    lo = t * chunk;
    hi = lo + chunk < total ? lo + chunk : total;
    if (lo >= hi) return;
    if (g->split_n)
        tt__gemm_scalar(g->M, hi - lo, g->K, g->A, g->rsa, g->csa, g->B + (ptrdiff_t)lo * g->csb, g->rsb,
                        g->csb, g->C + lo, g->ldc, g->accumulate);
    else
        tt__gemm_scalar(hi - lo, g->N, g->K, g->A + (ptrdiff_t)lo * g->rsa, g->rsa, g->csa, g->B, g->rsb,
                        g->csb, g->C + (ptrdiff_t)lo * g->ldc, g->ldc, g->accumulate);
}

TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                          ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                          ptrdiff_t ldc, int accumulate) {
    tt__gemm_job g;
    g.ex = ex; g.M = M; g.N = N; g.K = K; g.A = A; g.B = B; g.rsa = rsa; g.csa = csa;
    g.rsb = rsb; g.csb = csb; g.C = C; g.ldc = ldc; g.accumulate = accumulate;
    g.n_tasks = ex ? ex->n_threads : 1;
    g.split_n = M < 8 * g.n_tasks;
    tt__parallel_for(ex, g.n_tasks, tt__gemm_task, &g);
}
