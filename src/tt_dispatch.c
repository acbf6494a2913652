/* >>dispatch  which elementwise kernel runs: in SIMD builds (TT_SIMD_WIDTH
 * 4, 8 or 16) the build-width kernels of tt_kern_vec.c unless ex->force_scalar is
 * set, else (and always in scalar builds) the scalar reference of
 * tt_kern_w1.c (same arguments and math; see there). The GEMM makes its own
 * choice in tt_gemm.c. */
#include "tt_kern.h"

/* nonzero when the build's SIMD kernels are to be used for this exec */
TT__PRIVATE int tt__use_simd(const tt__exec *ex) {
#if TT_SIMD_WIDTH > 1
    return !ex || !ex->force_scalar;
#else
    (void)ex;
    return 0;
#endif
}

TT__PRIVATE void tt__vec_scale(const tt__exec *ex, float *y, int n, float f) {
    if (tt__use_simd(ex)) tt__vec_scale_vec(y, n, f);
    else tt__vec_scale_scalar(y, n, f);
}
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n) {
    return tt__use_simd(ex) ? tt__row_max_vec(x, n) : tt__row_max_scalar(x, n);
}
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s) {
    return tt__use_simd(ex) ? tt__exp_shift_sum_vec(y, x, n, a, s) : tt__exp_shift_sum_scalar(y, x, n, a, s);
}
TT__PRIVATE void tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                   const float *w, const float *b, int r0, int r1, int C) {
    if (tt__use_simd(ex)) tt__layernorm_fwd_vec(y, mean, rstd, x, w, b, r0, r1, C);
    else tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, r0, r1, C);
}
TT__PRIVATE void tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int r0, int r1,
                                      int C, int accumulate) {
    if (tt__use_simd(ex)) tt__layernorm_bwd_dx_vec(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate);
    else tt__layernorm_bwd_dx_scalar(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate);
}
TT__PRIVATE void tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy,
                                        const float *x, const float *mean, const float *rstd, int N, int C,
                                        int c0, int c1) {
    if (tt__use_simd(ex)) tt__layernorm_bwd_dwdb_vec(dw, db, dy, x, mean, rstd, N, C, c0, c1);
    else tt__layernorm_bwd_dwdb_scalar(dw, db, dy, x, mean, rstd, N, C, c0, c1);
}
TT__PRIVATE void tt__gelu_fwd(const tt__exec *ex, float *y, const float *x, size_t i0, size_t i1) {
    if (tt__use_simd(ex)) tt__gelu_fwd_vec(y, x, i0, i1);
    else tt__gelu_fwd_scalar(y, x, i0, i1);
}
TT__PRIVATE void tt__gelu_bwd(const tt__exec *ex, float *dx, const float *dy, const float *x, size_t i0,
                              size_t i1) {
    if (tt__use_simd(ex)) tt__gelu_bwd_vec(dx, dy, x, i0, i1);
    else tt__gelu_bwd_scalar(dx, dy, x, i0, i1);
}
TT__PRIVATE void tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n, float lr,
                           float b1, float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt) {
    if (tt__use_simd(ex)) tt__adamw_vec(p, m, v, g, n, lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt);
    else tt__adamw_scalar(p, m, v, g, n, lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt);
}
