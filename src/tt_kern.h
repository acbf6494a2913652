/* >>kern  the kernel files' interface: the GEMM micro-kernel of this build
 * (shape and entry point, defined by tt_kern_w8.c or tt_kern_w16.c and
 * driven by tt_gemm.c), the elementwise kernels (scalar references in
 * tt_kern_w1.c, the build-width variants in tt_kern_vec.c over the vector
 * layer tt_vec.h, chosen per call by tt_dispatch.c), and the helpers more
 * than one kernel file uses. */
#ifndef TT_KERN_H
#define TT_KERN_H
#include "tt_internal.h"

/* Keep a loaded vector in a register: without it gcc 12 re-reads B from
 * memory in every FMA of the last unrolled k steps (12 loads instead of 2 per
 * k), which costs ~10 % once the panels are no longer in L1. Overridable: an
 * emulated vector type (SIMDe's __m512 on an AVX2 CPU) fits no "v" register. */
#ifndef TT__KEEP_IN_REG
#  if defined(__GNUC__) || defined(__clang__)
#    define TT__KEEP_IN_REG(v) __asm__("" : "+v"(v))
#  else
#    define TT__KEEP_IN_REG(v) ((void)0)
#  endif
#endif

/* ---- GEMM micro-kernel (SIMD builds) ----
 * C[MR x NR] = (load_c ? C : 0) + sum_k a[k*MR + r] * b[k*NR + c] for
 * k = 0..kc-1, each element one chain of fused multiply-adds in increasing
 * k. a: an MR-tall packed A micro-panel; b: an NR-wide packed B
 * micro-panel, 64-byte aligned; C row-major with row stride ldc (unaligned).
 * tt__sgemm_ukernel_name says which implementation the build selected. */
#define TT__SGEMM_MR 6
#if TT_SIMD_WIDTH == 16
#  define TT__SGEMM_NR 64 /* 6 x 4 zmm accumulators (tt_kern_w16.c) */
#elif TT_SIMD_WIDTH == 8
#  define TT__SGEMM_NR 16 /* 6 x 2 ymm accumulators (tt_kern_w8.c) */
#endif
#if TT_SIMD_WIDTH >= 8
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b, float *C,
                                   ptrdiff_t ldc, int load_c);
TT__PRIVATE const char *tt__sgemm_ukernel_name(void);
#endif

/* nonzero when the build's SIMD kernels are to be used for this exec
 * (TT_SIMD_WIDTH >= 8 and not ex->force_scalar); tt_dispatch.c */
TT__PRIVATE int tt__use_simd(const tt__exec *ex);

/* sqrt(2/pi), the GELU tanh form's constant (tt_kern_w1.c) */
#define TT__GELU_K 0.7978845608028654f

/* ---- elementwise kernels: scalar references (tt_kern_w1.c) ----
 * The math of each is documented at its definition; the variants written
 * over the vector layer (suffix _vec, tt_kern_vec.c, compiled at the build's
 * width) take the same arguments. */
TT__PRIVATE void  tt__vec_scale_scalar(float *y, int n, float f);
TT__PRIVATE float tt__row_max_scalar(const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum_scalar(float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd_scalar(float *y, float *mean, float *rstd, const float *x, const float *w,
                                           const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx_scalar(float *dx, const float *dy, const float *x, const float *w,
                                              const float *mean, const float *rstd, int r0, int r1, int C,
                                              int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb_scalar(float *dw, float *db, const float *dy, const float *x,
                                                const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd_scalar(float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd_scalar(float *dx, const float *dy, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__adamw_scalar(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                                   float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);
TT__PRIVATE void  tt__vec_scale_vec(float *y, int n, float f);
TT__PRIVATE float tt__row_max_vec(const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum_vec(float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd_vec(float *y, float *mean, float *rstd, const float *x, const float *w,
                                        const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx_vec(float *dx, const float *dy, const float *x, const float *w,
                                           const float *mean, const float *rstd, int r0, int r1, int C,
                                           int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb_vec(float *dw, float *db, const float *dy, const float *x,
                                             const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd_vec(float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd_vec(float *dx, const float *dy, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__adamw_vec(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                                float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);

/* ---- the GEMM driver's pieces the bf16 driver (tt_gemm_bf16.c) shares
 * with tt_gemm.c (defined there) ---- */
typedef struct tt__gemm_job {
    const tt__exec *ex;
    int M, N, K, tm, tn;      /* block grid: tm row blocks x tn column blocks */
    int n_slots;              /* tasks dispatched (one per scratch slot); each claims blocks */
    int next;                 /* next block to claim (atomic) */
    int mstep, nstep;         /* rows / columns per task (multiples of MR / NR) */
    const float *A, *B;
    ptrdiff_t rsa, csa, rsb, csb, ldc;
    float *C;
    const float *pk;          /* B packed ahead (tt__gemm_pack_b layout), or NULL */
    const tt__gemm_epi *epi;  /* applied to each finished block of C, or NULL */
    float *rowsum_a;          /* (M): rowsum_a[i] += sum_k A(i,k), or NULL */
    int accumulate, simd;
} tt__gemm_job;
/* task grid tm x tn for T threads (sets tm, tn, mstep, nstep); its cost */
TT__PRIVATE double tt__gemm_grid(tt__gemm_job *g, int T);
/* the epilogue on rows [r0, r0+mr) x columns [c0, c0+nc) of g->C */
TT__PRIVATE void tt__gemm_epi_block(const tt__gemm_job *g, int r0, int mr, int c0, int nc);
/* rs[i] += A(i, k), rows [0, m), k increasing over [0, kb) */
TT__PRIVATE void tt__gemm_rowsum(int m, int kb, const float *A, ptrdiff_t rsa, ptrdiff_t csa, float *rs);
#if TT_SIMD_WIDTH >= 8
/* the K block of a K-deep product (every block but the last is this deep) */
TT__PRIVATE int tt__sgemm_kc(int K);
/* fp32 packers: A rows [0, mc) into MR-tall panels [k][MR] (rows past mc
 * zero, up to 8 floats of slack written past the last panel); B columns
 * [0, nc) into nr-wide panels [k][nr] (columns past nc zero, pb 32-byte aligned) */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa);
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb);
#endif

/* ---- bf16 kernels (tt_kern_bf16.c; rounding rule documented there) ----
 * TT__BGEMM_DPBF16: the bf16 GEMM runs the 6x64 vdpbf16ps micro-kernel
 * (AVX-512 build with AVX512_BF16 codegen); else its operands are widened
 * to fp32 while packing and the fp32 micro-kernel runs. The _vec
 * conversions give the bits of the _scalar ones. */
#if TT_SIMD_WIDTH == 16 && defined(__AVX512BF16__)
#  define TT__BGEMM_DPBF16 1
#else
#  define TT__BGEMM_DPBF16 0
#endif
TT__PRIVATE float tt__bf16_round(float x); /* nearest bf16, as an fp32 */
TT__PRIVATE void  tt__bf16_from_f32_scalar(uint16_t *dst, const float *src, size_t n);
TT__PRIVATE void  tt__bf16_from_f32_vec(uint16_t *dst, const float *src, size_t n);
TT__PRIVATE void  tt__bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n);
TT__PRIVATE void  tt__bf16_to_f32_vec(float *dst, const uint16_t *src, size_t n);
TT__PRIVATE void  tt__bf16_round_scalar(float *x, size_t n); /* in place */
TT__PRIVATE void  tt__bf16_round_vec(float *x, size_t n);
#if TT__BGEMM_DPBF16
/* C[6 x 64] (+)= A B over kp k-pairs of packed bf16 pairs (layout: tt_kern_bf16.c) */
TT__PRIVATE void tt__bgemm_ukernel_dp(int kp, const uint32_t *TT__RESTRICT a, const uint32_t *TT__RESTRICT b,
                                      float *C, ptrdiff_t ldc, int load_c);
#endif

#endif /* TT_KERN_H */
