/* >>internal  private structs and tt__ helpers (not part of the API) */
#ifndef TT_INTERNAL_H
#define TT_INTERNAL_H
#include "tt_config.h"

#define TT__ALIGN 64
#define TT__MAX_THREADS 64

/* ---- checked size math (report overflow instead of wrapping) ---- */
TT__PRIVATE int tt__mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > (size_t)-1 / a) { *out = 0; return 0; }
    *out = a * b;
    return 1;
}
TT__PRIVATE int tt__add_size(size_t a, size_t b, size_t *out) {
    if (b > (size_t)-1 - a) { *out = 0; return 0; }
    *out = a + b;
    return 1;
}
TT__PRIVATE size_t tt__align_up(size_t n, size_t a) { return (n + (a - 1)) & ~(a - 1); }

/* ---- logging ---- */
TT__PRIVATE void tt__log(const tt_logger *lg, int level, tt_status code, const char *msg);
/* log "prefix: detail" with a formatted integer, without stdio */
TT__PRIVATE void tt__logf(const tt_logger *lg, int level, tt_status code, const char *msg, long long v);

/* ---- allocation ---- */
TT__PRIVATE int   tt__allocator_valid(const tt_allocator *a);
TT__PRIVATE void *tt__alloc(const tt_allocator *a, size_t size, size_t align);
TT__PRIVATE void  tt__free(const tt_allocator *a, void *p, size_t size);

/* A memory plan: reserve aligned regions, then carve a block. */
typedef struct tt__plan { size_t size; int overflow; } tt__plan;
/* reserve n_bytes, return the offset (aligned to TT__ALIGN) */
TT__PRIVATE size_t tt__plan_take(tt__plan *p, size_t count, size_t elem);

/* ---- execution context: how kernels run in parallel ----
 * parallel_for(n) runs tasks 0..n-1; tasks may use per-slot scratch where
 * the slot is the task index, so callers keep n <= n_threads when they do. */
typedef struct tt__exec {
    tt_parallel par;       /* fn NULL = serial */
    int n_threads;         /* >= 1 */
    int force_scalar;
    float *scratch;        /* n_threads * scratch_floats, per-slot scratch */
    size_t scratch_floats; /* floats per slot */
    float *shared;         /* GEMM: B packed once for all threads (64-byte aligned), or NULL */
    size_t shared_floats;
} tt__exec;
TT__PRIVATE void tt__parallel_for(const tt__exec *ex, int n, void (*task)(void *arg, int i), void *arg);

/* ---- built-in thread pool ---- */
#if TT__HAS_THREADS
typedef struct tt__pool tt__pool;
TT__PRIVATE size_t    tt__pool_size(int n_threads);
TT__PRIVATE tt_status tt__pool_start(tt__pool *pool, int n_threads);   /* in caller memory */
TT__PRIVATE void      tt__pool_stop(tt__pool *pool);
TT__PRIVATE void      tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg);
#endif

/* ---- I/O helpers ---- */
TT__PRIVATE tt_status tt__write_all(const tt_io *io, const void *buf, size_t n);
TT__PRIVATE tt_status tt__read_all(const tt_io *io, void *buf, size_t n);
TT__PRIVATE void      tt__put_u32(unsigned char *p, uint32_t v);
TT__PRIVATE void      tt__put_u64(unsigned char *p, uint64_t v);
TT__PRIVATE uint32_t  tt__get_u32(const unsigned char *p);
TT__PRIVATE uint64_t  tt__get_u64(const unsigned char *p);

/* ---- GEMM (tt_gemm.c; the scalar reference in tt_kern_w1.c) ---- */
/* C (M,N) = [C +] A (M,K) B (K,N); element (i,j) of A is A[i*rsa + j*csa],
 * of B is B[i*rsb + j*csb]; C is row-major with row stride ldc. The sum over
 * k runs in increasing k order from 0 (or from C when accumulate). */
TT__PRIVATE void tt__gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                     const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc,
                     int accumulate);
/* dispatcher, threaded over M (and N), never over K: deterministic for any thread count */
TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
              const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc, int accumulate);
/* floats of per-thread scratch tt__gemm needs (packing buffers) */
TT__PRIVATE size_t tt__gemm_scratch_floats(void);
/* B packed ahead of time (weights packed once, used by many products):
 * floats for a (K x N) B (0 in scalar builds: nothing to pack), the packing
 * (threaded over columns; pk 64-byte aligned), and tt__gemm with B read from
 * pk. tt__gemm_pk still takes B: the scalar path (scalar builds,
 * force_scalar) uses it, and pk may be NULL. Same C bits either way. */
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N);
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk);
TT__PRIVATE void tt__gemm_pk(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                             const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk, float *C, ptrdiff_t ldc,
                             int accumulate);
/* GEMM epilogue, applied to C once its sums are complete (fused into the
 * product instead of separate passes over C): C = C + (bias[col] + res[row,
 * col]) (either may be NULL), then gelu_out[row, col] = gelu(C) if set,
 * then C = GELU backward of C at gelu_bwd_x if set (dx = dy * gelu'(x)). */
typedef struct tt__gemm_epi {
    const float *bias;  /* (N) or NULL */
    const float *res;   /* (M, N), row stride ldr, or NULL */
    ptrdiff_t ldr;
    float *gelu_out;    /* (M, N), row stride ldg, or NULL */
    ptrdiff_t ldg;
    const float *gelu_bwd_x; /* (M, N), row stride ldx, or NULL: C = gelu'(x) * C (after the above) */
    ptrdiff_t ldx;
} tt__gemm_epi;
/* rowsum_a (M floats, or NULL): rowsum_a[i] += sum_k A(i,k), k increasing,
 * computed while A is packed (the bias gradient of dW = dY^T X) */
TT__PRIVATE void tt__gemm_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                             const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk, float *C, ptrdiff_t ldc,
                             int accumulate, const tt__gemm_epi *epi, float *rowsum_a);

/* ---- elementwise kernels, the build's SIMD variant or (force_scalar, or a
 * scalar build) the reference; tt_dispatch.c. Math and argument meaning at
 * the scalar references in tt_kern_w1.c. Rows [r0, r1) / elements [i0, i1)
 * are a thread's share: results never depend on how a range is split. */
TT__PRIVATE void  tt__vec_scale(const tt__exec *ex, float *y, int n, float f);              /* y *= f */
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n);                   /* n >= 1 */
/* y[i] = exp(a x[i] - s) (y may alias x); returns their sum */
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                    const float *w, const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                       const float *w, const float *mean, const float *rstd, int r0, int r1,
                                       int C, int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy,
                                         const float *x, const float *mean, const float *rstd, int N, int C,
                                         int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd(const tt__exec *ex, float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd(const tt__exec *ex, float *dx, const float *dy, const float *x, size_t i0,
                               size_t i1);
TT__PRIVATE void  tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n,
                            float lr, float b1, float b2, float eps, float wd, float gscale, float bc1,
                            float bc2_sqrt);

/* ---- data parallel (tt_comm.c; the model struct is in tt_model.c) ---- */
typedef struct tt__dp {
    size_t lo, hi;  /* the slice of the flat layout whose AdamW moments this rank holds */
    float *micro;   /* accum_exact: one backward's own gradient block, or NULL */
    int dirty;      /* gradients pending (a backward since the last step / zero_grad) */
} tt__dp;
TT__PRIVATE int       tt__dp_size(const tt_model_config *c);  /* ranks; 1 without comm */
TT__PRIVATE tt_status tt__dp_check_config(const tt_model_config *c);
TT__PRIVATE void      tt__dp_slice(const tt_model_config *c, size_t n, int rank, size_t *lo, size_t *hi);
TT__PRIVATE void      tt__dp_init(tt_model *m, float *micro);
TT__PRIVATE float     tt__dp_backward_begin(tt_model *m, float grad_scale);
TT__PRIVATE void      tt__dp_backward_end(tt_model *m);
TT__PRIVATE tt_status tt__dp_reduce_grads(tt_model *m);
TT__PRIVATE tt_status tt__dp_after_update(tt_model *m);
TT__PRIVATE tt_status tt__dp_moment_bounds(tt_model *m, uint32_t *mbits, uint32_t *vbits);
TT__PRIVATE int       tt__dp_sharded(const tt_model *m);
TT__PRIVATE int       tt__dp_writer(const tt_model *m);
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out);
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st);
TT__PRIVATE void      tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full);

#endif /* TT_INTERNAL_H */
