/* The elementwise kernels written over the vector layer (tt_kern_vec.c, at
 * this build's width: 1, 8 or 16 lanes) against the scalar references, and
 * the vector exp against double-precision exp. A TT_SIMD_WIDTH=1 build runs
 * the references itself; its width-1 instances are checked all the same.
 * Tolerances: max |simd - scalar| <= 1e-5 * max |scalar| per op (the kernels
 * differ only in summation order, FMA contraction and the vector exp);
 * vector exp: max relative error <= 4 ULP (2^-23 * 4) on [-87, 88]. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <math.h>

static int failures = 0;
static tt_rng rng;

static void fill(float *x, size_t n, float sd) { size_t i; for (i = 0; i < n; i++) x[i] = sd * tt_rng_normal(&rng); }
static void cmp(const char *what, const float *a, const float *ref, size_t n, double tol) {
    double e = 0, r = 0; size_t i;
    for (i = 0; i < n; i++) { e = fmax(e, fabs((double)a[i] - ref[i])); r = fmax(r, fabs(ref[i])); }
    printf("  %-22s max|diff| %.2e  max|ref| %.2e  %s\n", what, e, r, e <= tol * r ? "ok" : "FAIL");
    if (!(e <= tol * r)) failures++;
}

static void test_exp(void) {
    double worst = 0, worst_x = 0;
    float in[TT__VW], out[TT__VW];
    int i, j;
    for (i = 0; i < 1600000 / TT__VW; i++) {
        for (j = 0; j < TT__VW; j++) in[j] = -87.0f + 175.0f * tt_rng_uniform(&rng);
        tt__v_store(out, tt__v_exp(tt__v_load(in)));
        for (j = 0; j < TT__VW; j++) {
            double ref = exp((double)in[j]), rel = fabs(out[j] - ref) / ref;
            if (rel > worst) { worst = rel; worst_x = in[j]; }
        }
    }
    printf("  vector exp: max relative error %.3g = %.2f ULP (at x = %.4f)\n", worst, worst / ldexp(1.0, -23), worst_x);
    if (worst > 4 * ldexp(1.0, -23)) { printf("FAIL vector exp\n"); failures++; }
}

static void test_ops(void) {
    enum { N = 37, C = 64, E = 1003 };
    static float x[N*C], w[C], b[C], y1[N*C], y2[N*C], m1[N], m2[N], s1[N], s2[N], dy[N*C];
    static float dx1[N*C], dx2[N*C], dw1[C], dw2[C], db1[C], db2[C];
    static float g[E], p1[E], p2[E], mm1[E], mm2[E], v1[E], v2[E], e1[E], e2[E];
    float r1, r2;
    fill(x, N*C, 2.0f); fill(w, C, 1.0f); fill(b, C, 1.0f); fill(dy, N*C, 1.0f);
    tt__layernorm_fwd_scalar(y1, m1, s1, x, w, b, 0, N, C);
    tt__layernorm_fwd_vec(y2, m2, s2, x, w, b, 0, N, C);
    cmp("layernorm fwd", y2, y1, N*C, 1e-5); cmp("layernorm rstd", s2, s1, N, 1e-5);
    memset(dx1, 0, sizeof dx1); memset(dx2, 0, sizeof dx2);
    tt__layernorm_bwd_dx_scalar(dx1, dy, x, w, m1, s1, 0, N, C, 1);
    tt__layernorm_bwd_dx_vec(dx2, dy, x, w, m1, s1, 0, N, C, 1);
    cmp("layernorm bwd dx", dx2, dx1, N*C, 1e-5);
    memset(dw1, 0, sizeof dw1); memset(dw2, 0, sizeof dw2); memset(db1, 0, sizeof db1); memset(db2, 0, sizeof db2);
    tt__layernorm_bwd_dwdb_scalar(dw1, db1, dy, x, m1, s1, N, C, 8, C);
    tt__layernorm_bwd_dwdb_vec(dw2, db2, dy, x, m1, s1, N, C, 8, C);
    cmp("layernorm bwd dw", dw2, dw1, C, 1e-5); cmp("layernorm bwd db", db2, db1, C, 1e-5);
    fill(g, E, 4.0f);
    tt__gelu_fwd_scalar(e1, g, 0, E); tt__gelu_fwd_vec(e2, g, 0, E);
    cmp("gelu fwd", e2, e1, E, 1e-5);
    fill(p1, E, 1.0f);
    tt__gelu_bwd_scalar(e1, p1, g, 3, E); tt__gelu_bwd_vec(e2, p1, g, 3, E);
    cmp("gelu bwd", e2 + 3, e1 + 3, E - 3, 1e-5);
    memcpy(e1, g, sizeof(float) * E); memcpy(e2, g, sizeof(float) * E);
    tt__vec_scale_scalar(e1, E - 1, 0.37f); tt__vec_scale_vec(e2, E - 1, 0.37f);
    cmp("vec scale", e2, e1, E, 0.0); /* one rounding per element: bitwise */
    r1 = tt__row_max_scalar(g, E); r2 = tt__row_max_vec(g, E);
    if (r1 != r2) { printf("FAIL row max %g vs %g\n", r2, r1); failures++; }
    r1 = tt__exp_shift_sum_scalar(e1, g, E, 0.5f, r1); r2 = tt__exp_shift_sum_vec(e2, g, E, 0.5f, r2);
    cmp("exp shift", e2, e1, E, 1e-5); cmp("exp shift sum", &r2, &r1, 1, 1e-5);
    fill(p1, E, 1.0f); memcpy(p2, p1, sizeof p1); fill(mm1, E, 0.1f); memcpy(mm2, mm1, sizeof mm1);
    fill(v1, E, 0.1f); { int i; for (i = 0; i < E; i++) v1[i] *= v1[i]; } memcpy(v2, v1, sizeof v1); fill(g, E, 1.0f);
    tt__adamw_scalar(p1, mm1, v1, g, E, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.7f, 0.1f, 0.3f);
    tt__adamw_vec(p2, mm2, v2, g, E, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.7f, 0.1f, 0.3f);
    cmp("adamw p", p2, p1, E, 1e-6); cmp("adamw m", mm2, mm1, E, 1e-6); cmp("adamw v", v2, v1, E, 1e-6);
    {   /* split invariance: any range boundary gives bitwise the same elements
         * (threads split columns/elements at arbitrary points) */
        int cut;
        for (cut = 1; cut < 16; cut += 3) {
            memset(dw1, 0, sizeof dw1); memset(dw2, 0, sizeof dw2); memset(db1, 0, sizeof db1); memset(db2, 0, sizeof db2);
            tt__layernorm_bwd_dwdb_vec(dw1, db1, dy, x, m1, s1, N, C, 0, C);
            tt__layernorm_bwd_dwdb_vec(dw2, db2, dy, x, m1, s1, N, C, 0, cut);
            tt__layernorm_bwd_dwdb_vec(dw2, db2, dy, x, m1, s1, N, C, cut, C);
            if (memcmp(dw1, dw2, sizeof dw1) || memcmp(db1, db2, sizeof db1)) { printf("FAIL dwdb split at %d\n", cut); failures++; }
            tt__gelu_fwd_vec(e1, g, 0, E); tt__gelu_fwd_vec(e2, g, 0, (size_t)cut); tt__gelu_fwd_vec(e2, g, (size_t)cut, E);
            if (memcmp(e1, e2, sizeof e1)) { printf("FAIL gelu fwd split at %d\n", cut); failures++; }
            tt__gelu_bwd_vec(e1, p1, g, 0, E); tt__gelu_bwd_vec(e2, p1, g, 0, (size_t)cut); tt__gelu_bwd_vec(e2, p1, g, (size_t)cut, E);
            if (memcmp(e1, e2, sizeof e1)) { printf("FAIL gelu bwd split at %d\n", cut); failures++; }
        }
        printf("  split invariance of dwdb/gelu at cuts 1..13: checked\n");
    }
}

int main(void) {
    tt_rng_seed(&rng, 3);
    test_exp();
    test_ops();
    printf("test_vec (vector layer width %d, TT_SIMD_WIDTH %d): %s\n", TT__VW, TT_SIMD_WIDTH, failures ? "FAIL" : "ok");
    return failures != 0;
}
