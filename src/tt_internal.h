/* >>internal  private structs and tt__ helpers (not part of the API) */
#ifndef TT_INTERNAL_H
#define TT_INTERNAL_H
#include "tt_config.h"
#include "tt_api_io.h" /* all public types (includes tt_api_bpe.h, tt_api_data.h) */

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
#ifndef TT_NO_STDIO
/* stdio behind tt_io (user: the FILE *); fopen "rb" refusing what cannot be read (tt_io.c) */
TT__PRIVATE size_t tt__stdio_read(void *user, void *buf, size_t n);
TT__PRIVATE size_t tt__stdio_write(void *user, const void *buf, size_t n);
TT__PRIVATE FILE  *tt__fopen_rb(const char *path);
/* atomic file write of save(obj, io) and read of a path through load(obj, io) (tt_io.c) */
TT__PRIVATE tt_status tt__save_atomic(const char *path, tt_status (*save)(const void *obj, const tt_io *io),
                                      const void *obj);
TT__PRIVATE tt_status tt__load_path(const char *path, tt_status (*load)(void *obj, const tt_io *io), void *obj);
#endif

/* ---- hash probe and binary heap over caller memory (tt_hashheap.c) ---- */
/* 64-bit hash of a byte string (host byte order: only used in memory) */
TT__PRIVATE uint64_t tt__hash_bytes(const unsigned char *p, size_t n);
/* Open addressing, linear probing: mask + 1 slots (a power of two), each an
 * item index of the caller's (TT__HASH_EMPTY when free) and the top 32 bits
 * of the item's 64-bit hash as a tag; the low bits pick the first slot. The
 * caller owns the slots and the items, compares keys on a tag match, and
 * keeps the load <= 1/2, so every probe path ends at a free slot. Lookup:
 *   tt__hash_begin(t, h, &pr);
 *   while ((it = tt__hash_probe(t, &pr)) != TT__HASH_EMPTY) if (key of it == key) found;
 *   tt__hash_put(t, &pr, new_item);   (not found: pr is at the free slot) */
#define TT__HASH_EMPTY 0xFFFFFFFFu
typedef struct tt__hslot { uint32_t tag, item; } tt__hslot;
typedef struct tt__htab { tt__hslot *slot; size_t mask; } tt__htab;
typedef struct tt__hprobe { size_t k; uint32_t tag; } tt__hprobe;
TT__PRIVATE void     tt__hash_clear(tt__htab *t);  /* every slot free */
TT__PRIVATE void     tt__hash_begin(const tt__htab *t, uint64_t h, tt__hprobe *pr);
/* next item on the path whose tag matches, or TT__HASH_EMPTY at the free slot ending it */
TT__PRIVATE uint32_t tt__hash_probe(const tt__htab *t, tt__hprobe *pr);
TT__PRIVATE void     tt__hash_put(tt__htab *t, const tt__hprobe *pr, uint32_t item);
/* item (known absent) into the first free slot on its path: rebuilds, rehashes */
TT__PRIVATE void     tt__hash_insert(tt__htab *t, uint64_t h, uint32_t item);
/* Binary heap: n elements of elem bytes (elem <= TT__HEAP_MAX_ELEM) at base,
 * room for cap. The order comes with each call (so that a compiler that
 * inlines the call can inline the order too): before(ctx, x, y) != 0 when x
 * must leave before y, a strict weak order ("less" gives a min-heap).
 * Elements equal under the order may leave in any order, so callers keep it
 * total where results depend on it. Push needs n < cap, pop n > 0; neither
 * allocates. */
#define TT__HEAP_MAX_ELEM 32
typedef int (*tt__heap_before)(const void *ctx, const void *x, const void *y);
typedef struct tt__heap { void *base; size_t n, cap, elem; } tt__heap;
TT__PRIVATE inline void tt__heap_push(tt__heap *h, const void *x, tt__heap_before before, const void *ctx);
/* the first element into out (which may be the last slot, base + (n-1)*elem) */
TT__PRIVATE inline void tt__heap_pop(tt__heap *h, void *out, tt__heap_before before, const void *ctx);
/* restore the order below i after the element at i moved later (a replaced top) */
TT__PRIVATE inline void tt__heap_sift_down(tt__heap *h, size_t i, tt__heap_before before, const void *ctx);

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

/* ---- bf16 GEMM inputs (tt_kern_bf16.c, tt_gemm_bf16.c) ----
 * bf16: the top 16 bits of an fp32, in a uint16_t. tt__bf16_from_f32 rounds
 * to nearest even (denormals to signed zero, NaN stays NaN: the rule of
 * VCVTNE2PS2BF16, documented in tt_kern_bf16.c); tt__f32_from_bf16 is exact.
 * tt__bf16_from_f32_n: n of them, threaded over ex (NULL: serial), no
 * allocation; the bits do not depend on the thread count or the width. */
TT__PRIVATE uint16_t tt__bf16_from_f32(float x);
TT__PRIVATE float    tt__f32_from_bf16(uint16_t h);
TT__PRIVATE void     tt__bf16_from_f32_n(const tt__exec *ex, uint16_t *dst, const float *src, size_t n);
/* C (M,N) = [C +] bf16(A) bf16(B), fp32 products and sums: the scalar
 * reference (A and fp32 B rounded per element; Bh: B given in bf16 with
 * the strides rsb, csb, then B is unused and may be NULL) and the driver,
 * with tt__gemm_ex's shapes, threads, epilogue and rowsum_a (which sums
 * the unrounded A). Exactly one of B, Bh is non-NULL. The driver uses
 * ex->scratch like tt__gemm (tt__gemm_scratch_floats per slot), allocates
 * nothing, and gives the same bits for any thread count. Its C: the
 * reference's bits where the products are normal floats, except with the
 * vdpbf16ps kernel (tt__gemm_bf16_kernel_name), which adds the products in
 * pairs: there |C - E| <= gamma_{K+1} S + (K+1) 2^-126 per element, E and
 * S the exact sums of C0 and the rounded products and of their magnitudes,
 * gamma_n = n 2^-24 / (1 - n 2^-24) (tested: tests/kernels/test_gemm_bf16.c). */
TT__PRIVATE void tt__gemm_bf16_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                      const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                      float *C, ptrdiff_t ldc, int accumulate);
TT__PRIVATE void tt__gemm_bf16_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                                  ptrdiff_t csa, const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi,
                                  float *rowsum_a);
TT__PRIVATE const char *tt__gemm_bf16_kernel_name(void);

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
TT__PRIVATE int       tt__dp_sharded(tt_model *m);
TT__PRIVATE int       tt__dp_dirty(tt_model *m);     /* gradients pending */
TT__PRIVATE int       tt__dp_writer(tt_model *m);
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out);
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st);
TT__PRIVATE void      tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full);

/* ==== model: parameter and activation lists, per-layer views, ops ==== */

/* kernel entry points the model ops call (dispatched by SIMD width with the
 * kernels); rows [r0, r1) of an (N, C) row-major array */
TT__PRIVATE void  tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                    const float *w, const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                       const float *w, const float *mean, const float *rstd, int r0, int r1, int C,
                                       int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy, const float *x,
                                         const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__vec_scale(const tt__exec *ex, float *y, int n, float f);
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n, float lr,
                            float b1, float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);

/* Parameters, in layout order (llm.c order: each kind holds all layers).
 * X(ID, field, per_layer, rows, cols, decay, name): shape (rows, cols) per
 * layer (cols 0: a vector of rows floats), written with C, Vp (vocab padded
 * to 64) and T (n_ctx) in scope; name is the GPT-2 (HF) tensor name, after
 * "h.<layer>" for per-layer kinds. Shapes are (out, in). */
#define TT__PARAM_LIST(X) \
    X(WTE,      wte,      0, Vp,    C,     1, "wte.weight") \
    X(WPE,      wpe,      0, T,     C,     0, "wpe.weight") \
    X(LN1W,     ln1w,     1, C,     0,     0, ".ln_1.weight") \
    X(LN1B,     ln1b,     1, C,     0,     0, ".ln_1.bias") \
    X(QKVW,     qkvw,     1, 3 * C, C,     1, ".attn.c_attn.weight") \
    X(QKVB,     qkvb,     1, 3 * C, 0,     0, ".attn.c_attn.bias") \
    X(ATTPROJW, attprojw, 1, C,     C,     1, ".attn.c_proj.weight") \
    X(ATTPROJB, attprojb, 1, C,     0,     0, ".attn.c_proj.bias") \
    X(LN2W,     ln2w,     1, C,     0,     0, ".ln_2.weight") \
    X(LN2B,     ln2b,     1, C,     0,     0, ".ln_2.bias") \
    X(FCW,      fcw,      1, 4 * C, C,     1, ".mlp.c_fc.weight") \
    X(FCB,      fcb,      1, 4 * C, 0,     0, ".mlp.c_fc.bias") \
    X(FCPROJW,  fcprojw,  1, C,     4 * C, 1, ".mlp.c_proj.weight") \
    X(FCPROJB,  fcprojb,  1, C,     0,     0, ".mlp.c_proj.bias") \
    X(LNFW,     lnfw,     0, C,     0,     0, "ln_f.weight") \
    X(LNFB,     lnfb,     0, C,     0,     0, "ln_f.bias")

#define TT__IF_0(x)
#define TT__IF_1(x) x
#define TT__IF_2(x) x
#define TT__P_ENUM(ID, f, l, r, c, d, nm) TT__P_##ID,
enum { TT__PARAM_LIST(TT__P_ENUM) TT__P_COUNT };
#undef TT__P_ENUM

/* one layer's weights (or gradients): pointers into the flat block, e.g.
 * ln1w (C), qkvw (3C, C), qkvb (3C), attprojw (C, C), fcw (4C, C),
 * fcprojw (C, 4C); shapes as in TT__PARAM_LIST */
#define TT__P_LFIELD(ID, f, l, r, c, d, nm) TT__IF_##l(float *f;)
typedef struct tt__layer_w { TT__PARAM_LIST(TT__P_LFIELD) } tt__layer_w;
#undef TT__P_LFIELD
/* the weights outside the layers: wte (Vp, C), wpe (T, C), lnfw, lnfb (C) */
#define TT__IFNOT_0(x) x
#define TT__IFNOT_1(x)
#define TT__P_GFIELD(ID, f, l, r, c, d, nm) TT__IFNOT_##l(float *f;)
typedef struct tt__model_w { TT__PARAM_LIST(TT__P_GFIELD) } tt__model_w;
#undef TT__P_GFIELD

/* Activations of the training forward/backward, in carve order.
 * X(type, field, per_layer, count): count elements (per layer when
 * per_layer) with N = max_batch * n_ctx, C, NH, Vp, B = max_batch and
 * HR (the rows of the lm head's logits chunk kept apart: min(N,
 * TT__HEAD_ROWS), or 0 when the chunk lives in dqkv..dfch, see
 * tt__model_head_rows) in scope; per-layer kinds are stacked L deep.
 * per_layer 2: per layer, unless cfg.recompute: then not kept at all (the
 * layer's forward writes it into dln or dfch, free until the backward,
 * and the backward recomputes it there just before its use). */
#define TT__ACT_MULT(lyr, L, rc) ((lyr) == 0 ? (size_t)1 : (lyr) == 2 && (rc) ? (size_t)0 : (size_t)(L))
#define TT__ACT_LIST(X) \
    X(float,   x0,          0, N * C)       /* (N, C) embeddings */ \
    X(float,   ln1,         2, N * C)       /* (N, C) LayerNorm 1 output; recompute: in dln */ \
    X(float,   ln1_mean,    1, N)           /* (N) */ \
    X(float,   ln1_rstd,    1, N)           /* (N) */ \
    X(float,   qkv,         1, N * 3 * C)   /* (N, 3C) */ \
    X(float,   atty,        2, N * C)       /* (N, C) attention output; recompute: in dfch */ \
    X(float,   att_lse,     1, N * NH)      /* (B, NH, T) softmax log-sum-exp */ \
    X(float,   res2,        1, N * C)       /* (N, C) residual after attention */ \
    X(float,   ln2,         2, N * C)       /* (N, C); recompute: in dln */ \
    X(float,   ln2_mean,    1, N)           /* (N) */ \
    X(float,   ln2_rstd,    1, N)           /* (N) */ \
    X(float,   fch,         1, N * 4 * C)   /* (N, 4C) MLP pre-activation */ \
    X(float,   fch_gelu,    2, N * 4 * C)   /* (N, 4C); recompute: in dfch */ \
    X(float,   res3,        1, N * C)       /* (N, C) residual after the MLP */ \
    X(float,   lnf,         0, N * C)       /* (N, C) final LayerNorm */ \
    X(float,   lnf_mean,    0, N)           /* (N) */ \
    X(float,   lnf_rstd,    0, N)           /* (N) */ \
    X(float,   row_lse,     0, N)           /* (N) lm head log-sum-exp */ \
    X(float,   row_loss,    0, N)           /* (N) */ \
    X(float,   head,        0, HR * Vp)     /* (HR, Vp) logits chunk (HR 0: in dqkv..dfch) */ \
    X(float,   last_logits, 0, B * Vp)      /* (B, Vp) inference logits */ \
    X(float,   dres,        0, N * C)       /* (N, C) gradient of the residual stream */ \
    X(float,   dtmp,        0, N * C)       /* (N, C) */ \
    X(float,   dln,         0, N * C)       /* (N, C) */ \
    X(float,   dqkv,        0, N * 3 * C)   /* (N, 3C) */ \
    X(float,   dfch,        0, N * 4 * C)   /* (N, 4C) */ \
    X(int32_t, targets,     0, N)           /* (N) copy of the last targets */ \
    X(int32_t, tokens,      0, N)           /* (N) copy of the last tokens */

/* one layer's activations for the block: in (N, C) is the residual stream
 * entering the layer, res3 (N, C) the one leaving it (may be the same
 * array when nothing keeps the input: the generator); the other fields as
 * in TT__ACT_LIST. ln1 and ln2 (and their mean/rstd) may share storage. */
#define TT__A_LFIELD(ty, f, l, n) TT__IF_##l(ty *f;)
typedef struct tt__layer_acts {
    const float *in;
    int recompute; /* backward: recompute fch_gelu, ln2, atty (with att_lse), ln1 before their use */
    TT__ACT_LIST(TT__A_LFIELD)
} tt__layer_acts;
#undef TT__A_LFIELD
/* the backward's scratch, reused by every layer: dres (N, C) gradient of
 * the residual stream (in: of res3; out: of in), dtmp, dln (N, C), dqkv
 * (N, 3C), dfch (N, 4C) */
typedef struct tt__block_grads { float *dres, *dtmp, *dln, *dqkv, *dfch; } tt__block_grads;

/* ---- profiling (cfg.profile): per op kind wall time, FLOPs, calls ----
 * The built-in clock is clock_gettime(CLOCK_MONOTONIC) where <time.h> has
 * it (POSIX); TT_NO_CLOCK leaves it out (then cfg.clock is required). */
#if !defined(TT_NO_CLOCK)
#  include <time.h>
#endif
#if !defined(TT_NO_CLOCK) && defined(CLOCK_MONOTONIC)
#  define TT__HAS_CLOCK 1
#else
#  define TT__HAS_CLOCK 0
#endif
typedef struct tt__prof {
    double (*now)(void *user); /* seconds, monotonic */
    void *user;
    tt_model_stats st;
} tt__prof;
/* when p: start time, else 0 (one branch when profiling is off) */
TT__PRIVATE double tt__prof_begin(tt__prof *p);
TT__PRIVATE void   tt__prof_end(tt__prof *p, int kind, double t0, double flops);

/* How the ops of the block run: through an op table (tt_backend, tt_api.h;
 * the CPU kernels are the instance of tt_backend_cpu.c), timed into prof
 * (or NULL); st keeps the first error, after which no op runs. */
typedef struct tt__bk {
    const tt_backend *be;
    tt__prof *prof;
    tt_status st;
    /* bf16 linear layers: the weights' bf16 copy wh, parallel to the flat
     * parameters from wbase (a weight w is at wh + (w - wbase)); NULL: fp32 */
    const uint16_t *wh;
    const float *wbase;
} tt__bk;
/* call the table entry `call` (e.g. gemm(ctx, &g)) unless an earlier op
 * failed, timed as op kind `kind` with `flops` when profiling */
#define TT__BK(k, kind, flops, call) do { \
        if ((k)->st == TT_OK) { \
            double tt__t0_ = tt__prof_begin((k)->prof); \
            tt_status tt__s_ = (k)->be->call; \
            if ((k)->prof) tt__prof_end((k)->prof, (kind), tt__t0_, (flops)); \
            if (tt__s_ != TT_OK) (k)->st = tt__s_; \
        } \
    } while (0)


/* attention of the block: full-sequence causal over (B, T) (kv NULL; lse
 * (B, NH, T) kept for the backward), or cached: the T new rows sit at
 * positions p0.. of one sequence (B = 1), their keys and values are
 * appended to the layer's cache kv (n_ctx, 2C) and each row attends to
 * positions [0, p0 + i]. */
typedef struct tt__attn_arg {
    float *kv;      /* cached: (n_ctx, 2C), key at [0, C), value at [C, 2C) of each row; NULL = full */
    float *scores;  /* cached, CPU op: (slots, ld_scores) scratch */
    size_t ld_scores;
    int p0, n_ctx;
} tt__attn_arg;

/* The CPU instance of the op table (tt_backend_cpu.c): ops with fewer than
 * par_macs multiply-adds run on ser (results do not depend on the pick:
 * no op splits a reduction by thread); prof times the lm head's parts (or
 * NULL); head (head_rows <= TT__HEAD_ROWS, max_Vp) is the lm head's logits
 * chunk (NULL: no lm head), pk_fwd/pk_dx wte packed for V = pk_V, C = pk_C (or NULL);
 * partials: param_stats scratch for up to max_stats floats; attention rows
 * up to max_T; alloc for the alloc/free entries. */
typedef struct tt__cpu_be {
    tt__exec par, ser;
    size_t par_macs;
    tt__prof *prof;
    float *head, *pk_fwd, *pk_dx;
    int head_rows, pk_V, pk_C, max_Vp, max_T;
    double *partials;
    size_t max_stats;
    tt_allocator alloc;
} tt__cpu_be;
/* fill be with the CPU entries over ctx (which must outlive be's use) */
TT__PRIVATE void tt__cpu_backend_init(tt_backend *be, tt__cpu_be *ctx);

/* ---- ops (tt_ops.c): an executor, plain buffers and shapes; never the
 * model. N = rows (B*T), C = channels, NH = heads, V = vocab, Vp = V
 * padded (row stride of logits). Row-major throughout; "+=" = accumulates. */
/* x (B*T, C) = wte[tokens[b*T+t]] + wpe[pos0 + t]; wte (Vp, C), wpe (n_ctx, C) */
TT__PRIVATE void tt__op_embed_fwd(const tt__exec *ex, float *x, const int32_t *tokens, const float *wte,
                                  const float *wpe, int B, int T, int pos0, int C);
/* dwte[tokens[r]] += dx[r]; dwpe[r % T] += dx[r] (rows in order; threaded over columns) */
TT__PRIVATE void tt__op_embed_bwd(const tt__exec *ex, float *dwte, float *dwpe, const float *dx,
                                  const int32_t *tokens, int B, int T, int C);
/* y (N, C) = LayerNorm(x) * w + b; mean, rstd (N) kept for the backward */
TT__PRIVATE void tt__op_layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                      const float *w, const float *b, int N, int C);
/* dx (N, C) = (or += when accumulate) d LayerNorm; dw, db (C) += */
TT__PRIVATE void tt__op_layernorm_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, const float *mean, const float *rstd, int N,
                                      int C, int accumulate);
/* y (N, OC) = x (N, IC) w^T + b [+ res (N, OC)]; gelu_out (N, OC) = gelu(y)
 * if set; w (OC, IC), b (OC): bias, residual, GELU in the GEMM epilogue */
TT__PRIVATE void tt__op_linear_fwd(const tt__exec *ex, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC);
/* dw (OC, IC) += dy^T x; db (OC) += colsum(dy); dx (N, IC) = dy w, then
 * dx *= gelu'(gelu_x) when gelu_x (N, IC) is set; dx NULL: no dx */
TT__PRIVATE void tt__op_linear_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC);
/* floats of per-thread scratch the full attention needs after the GEMM's (n_ctx = T max) */
TT__PRIVATE size_t tt__op_attention_scratch_floats(int n_ctx);
/* full causal attention: out (B, T, C), lse (B, NH, T) from qkv (B, T, 3C);
 * uses ex->scratch (tt__gemm_scratch_floats + tt__op_attention_scratch_floats(T) per slot) */
TT__PRIVATE void tt__op_attention_fwd(const tt__exec *ex, float *out, float *lse, const float *qkv, int B, int T,
                                      int C, int NH);
/* dqkv (B, T, 3C) = gradient of the above (overwritten) from dout (B, T, C) */
TT__PRIVATE void tt__op_attention_bwd(const tt__exec *ex, float *dqkv, const float *dout, const float *qkv,
                                      const float *lse, int B, int T, int C, int NH);
/* cached attention (see tt__attn_arg): out (n, C) from qkv (n, 3C) of n new
 * rows at positions p0..p0+n-1; appends their k, v to kv (n_ctx, 2C) */
TT__PRIVATE void tt__op_attention_cached(const tt__exec *ex, float *out, const float *qkv, const tt__attn_arg *a,
                                         int n, int C, int NH);
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T, wte (V, C) */
TT__PRIVATE void tt__op_logits(const tt__exec *ex, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C);
/* lm head + softmax + cross-entropy over chunks of rows (<= TT__HEAD_ROWS;
 * the (N, V) logits are never whole). mode 0: forward (row_lse, row_loss (N));
 * 1: backward from the kept row_lse; 2: both in one pass. Backward: dx
 * (N, C) = dlogits wte, dwte (Vp, C) += dlogits^T x, dlogits = (softmax -
 * onehot(targets)) * scale. head (rows, Vp) scratch; pk_fwd/pk_dx:
 * space for wte packed (or NULL: pack per chunk). The chunk size does not
 * change the bits: every row's logits, lse and dx are computed alone, and
 * dwte's GEMM continues each element's FMA chain from the stored value
 * (K = rows fits one K block: tt_gemm.c), so chunks of any size give the
 * same sequential chain over the N rows. */
typedef struct tt__head_arg {
    const float *x, *wte;     /* (N, C), (Vp, C) */
    const int32_t *targets;   /* (N) */
    float *head, *row_lse, *row_loss, *dx, *dwte;
    float *pk_fwd, *pk_dx;
    int N, V, Vp, C, mode;
    int rows;                 /* rows of head: the chunk size, 1..TT__HEAD_ROWS */
    float scale;              /* backward: grad_scale / N */
    tt__prof *prof;           /* or NULL */
} tt__head_arg;
#ifndef TT__HEAD_ROWS
#define TT__HEAD_ROWS 512 /* M at 2 threads: 512 rows 4-11 % faster than 256, 1024 no better */
#endif
TT__PRIVATE void tt__op_head(const tt__exec *ex, const tt__head_arg *h);
/* fn over [0, n) in n_threads contiguous ranges; slot = task index */
TT__PRIVATE void tt__for_range(const tt__exec *ex, int n, void (*fn)(void *, int, int, int), void *ctx);

/* ---- the transformer block, written once (tt_ops.c), over the op table ----
 * Forward of one GPT-2 layer over w (tt__layer_w) and a (tt__layer_acts)
 * for B sequences of T rows: ln1 -> qkv -> attention (full or cached, att)
 * -> proj + residual -> ln2 -> fc + GELU -> proj + residual into a->res3.
 * Errors of the table land in k->st. */
TT__PRIVATE void tt__block_fwd(tt__bk *k, const tt__layer_w *w, const tt__layer_acts *a, const tt__attn_arg *att,
                               int B, int T, int C, int NH);
/* backward of one layer (full attention): d->dres holds dL/d res3 on entry
 * and dL/d in on return; gradients added into g */
TT__PRIVATE void tt__block_bwd(tt__bk *k, const tt__layer_w *w, const tt__layer_w *g, const tt__layer_acts *a,
                               const tt__block_grads *d, int B, int T, int C, int NH);
/* single ops through the table (the model's embedding, final LayerNorm, logits) */
TT__PRIVATE void tt__bk_layernorm_fwd(tt__bk *k, float *y, float *mean, float *rstd, const float *x, const float *w,
                                      const float *b, int N, int C);
TT__PRIVATE void tt__bk_layernorm_bwd(tt__bk *k, float *dx, float *dw, float *db, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int N, int C, int accumulate);
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T over vocab rows [0, V) */
TT__PRIVATE void tt__bk_logits(tt__bk *k, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C);

/* ---- model accessors for the other model files (tt_model.c) ---- */
TT__PRIVATE const tt__exec *tt__model_exec(const tt_model *m);
TT__PRIVATE const tt_backend *tt__model_cfg_backend(const tt_model *m); /* cfg.backend (NULL: the CPU) */
TT__PRIVATE void tt__model_layer_w(const tt_model *m, int l, tt__layer_w *out);
TT__PRIVATE void tt__model_globals(const tt_model *m, tt__model_w *out);
TT__PRIVATE int  tt__model_vp(const tt_model *m);   /* vocab padded to 64 */
TT__PRIVATE const tt_tensor_info *tt__model_tensors(const tt_model *m);
/* the weight formats' narrow view of a model (tt_safetensors.c, tt_llmc.c,
 * tt_infer.c): its shape, tensor table and flat parameters */
typedef struct tt__model_shape {
    int V, Vp, C, L, NH, maxT;     /* vocab, padded vocab, channels, layers, heads, max sequence */
    size_t n_params;               /* floats in params */
    int n_tensors;
    const tt_tensor_info *tensors; /* (n_tensors) in offset order, wte first */
    float *params;                 /* (n_params): the loaders write it, nothing else of the model */
    const tt_logger *logger;       /* the model's resolved config */
    const tt_allocator *allocator;
} tt__model_shape;
TT__PRIVATE void tt__model_shape_of(const tt_model *m, tt__model_shape *out);

/* the optimizer's narrow view of a model: flat parameters, gradients and
 * AdamW moments; tensors (offset order) give the decay ranges */
typedef struct tt__param_view {
    float *params, *grads;  /* (n) */
    float *m, *v;           /* (dp->hi - dp->lo): moments of [dp->lo, dp->hi) */
    size_t n;
    const tt_tensor_info *tensors;
    int n_tensors;
    double *partials;       /* (n / TT__NORM_CHUNK + 1) * 3 doubles of scratch */
    const tt_backend *be;   /* the model's op table (param_stats, adamw) */
    const tt__exec *ex;
    tt__dp *dp;
    const tt_model_config *cfg; /* logger, comm */
    uint64_t *step;
    tt__prof *prof;         /* or NULL */
} tt__param_view;
#define TT__NORM_CHUNK 65536
TT__PRIVATE void tt__model_param_view(tt_model *m, tt__param_view *out);
/* the activations belong to old weights: no backward until a new forward */
TT__PRIVATE void tt__model_params_changed(tt_model *m);
/* new parameters loaded: no backward, logits or losses of the old ones */
TT__PRIVATE void tt__model_forget_acts(tt_model *m);
/* file helpers (tt_io.c): atomic save through save(obj, io), and fopen "rb" */
#ifndef TT_NO_STDIO
TT__PRIVATE tt_status tt__save_atomic(const char *path, tt_status (*save)(const void *obj, const tt_io *io),
                                      const void *obj);
TT__PRIVATE FILE *tt__fopen_rb(const char *path);
TT__PRIVATE size_t tt__stdio_read(void *user, void *buf, size_t n);        /* user: FILE * */
TT__PRIVATE size_t tt__stdio_write(void *user, const void *buf, size_t n);
#endif
/* the model's gradient base for the current backward (tt_comm.c redirects it) */
TT__PRIVATE void tt__model_set_grad_base(tt_model *m, float *base);
TT__PRIVATE float *tt__model_grad_base(const tt_model *m);

#endif /* TT_INTERNAL_H */
