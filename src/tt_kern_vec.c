/* >>kern_vec  elementwise kernels, written once over the vector layer
 * (tt_vec.h) and compiled at the build's width TT__VW: same arguments and
 * math as the _scalar references in tt_kern_w1.c. SIMD builds run them
 * (tt_dispatch.c); a scalar build (TT__VW 1) runs the references, and these
 * are compiled for tests/unit/test_vec.c.
 * Reductions run in TT__VW lanes folded in a fixed order, so results depend
 * on the width but never on the thread count; elementwise results are the
 * same at widths 4, 8 and 16. Tails of a reduction use the scalar formulas;
 * elementwise tails run the vector instructions on masked lanes, so an
 * element's value never depends on where a thread's range starts or ends. */
#include "tt_kern.h"
#include "tt_vec.h"

TT__PRIVATE void tt__vec_scale_vec(float *y, int n, float f) {
    tt__vf vf = tt__v_set1(f);
    int i = 0;
    for (; i + TT__VW <= n; i += TT__VW) tt__v_store(y + i, tt__v_mul(tt__v_load(y + i), vf));
    for (; i < n; i++) y[i] *= f;
}

TT__PRIVATE float tt__row_max_vec(const float *x, int n) {
    int i = 0;
    float m;
    tt__vf v;
    if (n < TT__VW) return tt__row_max_scalar(x, n);
    v = tt__v_load(x);
    for (i = TT__VW; i + TT__VW <= n; i += TT__VW) v = tt__v_max(v, tt__v_load(x + i));
    m = tt__v_hmax(v);
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

TT__PRIVATE float tt__exp_shift_sum_vec(float *y, const float *x, int n, float a, float s) {
    tt__vf va = tt__v_set1(a), vs = tt__v_set1(s), acc = tt__v_zero();
    float sum;
    int i = 0;
    for (; i + TT__VW <= n; i += TT__VW) {
        tt__vf e = tt__v_exp(tt__v_fms(va, tt__v_load(x + i), vs));
        tt__v_store(y + i, e);
        acc = tt__v_add(acc, e);
    }
    sum = tt__v_hsum(acc);
    for (; i < n; i++) { y[i] = TT_EXPF(a * x[i] - s); sum += y[i]; }
    return sum;
}

TT__PRIVATE void tt__layernorm_fwd_vec(float *y, float *mean, float *rstd, const float *x, const float *w,
                                       const float *b, int r0, int r1, int C) {
    int r, i;
    if (C % TT__VW != 0) { tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, r0, r1, C); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        tt__vf acc = tt__v_zero(), vm, vs;
        float m, v, s;
        for (i = 0; i < C; i += TT__VW) acc = tt__v_add(acc, tt__v_load(xr + i));
        m = tt__v_hsum(acc) / (float)C;
        vm = tt__v_set1(m);
        acc = tt__v_zero();
        for (i = 0; i < C; i += TT__VW) {
            tt__vf d = tt__v_sub(tt__v_load(xr + i), vm);
            acc = tt__v_fma(d, d, acc);
        }
        v = tt__v_hsum(acc) / (float)C;
        s = 1.0f / TT_SQRTF(v + 1e-5f);
        vs = tt__v_set1(s);
        for (i = 0; i < C; i += TT__VW) {
            tt__vf d = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            tt__v_store(yr + i, tt__v_fma(d, tt__v_load(w + i), tt__v_load(b + i)));
        }
        mean[r] = m;
        rstd[r] = s;
    }
}

TT__PRIVATE void tt__layernorm_bwd_dx_vec(float *dx, const float *dy, const float *x, const float *w,
                                          const float *mean, const float *rstd, int r0, int r1, int C,
                                          int accumulate) {
    int r, i;
    if (C % TT__VW != 0) { tt__layernorm_bwd_dx_scalar(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float *dxr = dx + (size_t)r * C;
        tt__vf vm = tt__v_set1(mean[r]), vs = tt__v_set1(rstd[r]);
        tt__vf ag = tt__v_zero(), agx = tt__v_zero(), vg, vgx;
        for (i = 0; i < C; i += TT__VW) {
            tt__vf g = tt__v_mul(tt__v_load(dyr + i), tt__v_load(w + i));
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            ag = tt__v_add(ag, g);
            agx = tt__v_fma(g, xh, agx);
        }
        vg = tt__v_set1(tt__v_hsum(ag) / (float)C);
        vgx = tt__v_set1(tt__v_hsum(agx) / (float)C);
        for (i = 0; i < C; i += TT__VW) {
            tt__vf g = tt__v_mul(tt__v_load(dyr + i), tt__v_load(w + i));
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            tt__vf d = tt__v_mul(vs, tt__v_fnma(xh, vgx, tt__v_sub(g, vg)));
            if (accumulate) d = tt__v_add(d, tt__v_load(dxr + i));
            tt__v_store(dxr + i, d);
        }
    }
}

TT__PRIVATE void tt__layernorm_bwd_dwdb_vec(float *dw, float *db, const float *dy, const float *x,
                                            const float *mean, const float *rstd, int N, int C, int c0, int c1) {
    int r, c;
    tt__vmask tm = tt__v_mask((c1 - c0) % TT__VW);
    int cend = c0 + (c1 - c0) / TT__VW * TT__VW;
    for (r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        tt__vf vm = tt__v_set1(mean[r]), vs = tt__v_set1(rstd[r]);
        for (c = c0; c < cend; c += TT__VW) {
            tt__vf d = tt__v_load(dyr + c);
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + c), vm), vs);
            tt__v_store(dw + c, tt__v_add(tt__v_load(dw + c), tt__v_mul(d, xh)));
            tt__v_store(db + c, tt__v_add(tt__v_load(db + c), d));
        }
        if (cend < c1) {
            tt__vf d = tt__v_load_m(dyr + c, tm);
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load_m(xr + c, tm), vm), vs);
            tt__v_store_m(dw + c, tm, tt__v_add(tt__v_load_m(dw + c, tm), tt__v_mul(d, xh)));
            tt__v_store_m(db + c, tm, tt__v_add(tt__v_load_m(db + c, tm), d));
        }
    }
}

/* GELU as x * sigmoid(2u) (0.5 (1 + tanh u) = sigmoid(2u); see tt_kern_w1.c), vector exp */
TT__PRIVATE void tt__gelu_fwd_vec(float *y, const float *x, size_t i0, size_t i1) {
    const tt__vf k = tt__v_set1(-2.0f * TT__GELU_K), c = tt__v_set1(0.044715f), one = tt__v_set1(1.0f);
    size_t i = i0;
    for (; i < i1; i += TT__VW) {
        int full = i + TT__VW <= i1;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(i1 - i));
        tt__vf v = full ? tt__v_load(x + i) : tt__v_load_m(x + i, tm);
        tt__vf u = tt__v_mul(k, tt__v_fma(tt__v_mul(c, v), tt__v_mul(v, v), v));
        tt__vf o = tt__v_div(v, tt__v_add(one, tt__v_exp(u)));
        if (full) tt__v_store(y + i, o); else tt__v_store_m(y + i, tm, o);
    }
}

TT__PRIVATE void tt__gelu_bwd_vec(float *dx, const float *dy, const float *x, size_t i0, size_t i1) {
    const tt__vf k = tt__v_set1(TT__GELU_K), c = tt__v_set1(0.044715f), c3 = tt__v_set1(3.0f * 0.044715f);
    const tt__vf one = tt__v_set1(1.0f), two = tt__v_set1(2.0f), half = tt__v_set1(0.5f);
    size_t i = i0;
    for (; i < i1; i += TT__VW) {
        int full = i + TT__VW <= i1;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(i1 - i));
        tt__vf v = full ? tt__v_load(x + i) : tt__v_load_m(x + i, tm), v2 = tt__v_mul(v, v);
        tt__vf vdy = full ? tt__v_load(dy + i) : tt__v_load_m(dy + i, tm), o;
        tt__vf u = tt__v_mul(k, tt__v_fma(tt__v_mul(c, v), v2, v));
        tt__vf du = tt__v_mul(k, tt__v_fma(c3, v2, one));
        tt__vf e = tt__v_exp(tt__v_mul(tt__v_set1(-2.0f), u));
        tt__vf s = tt__v_div(one, tt__v_add(one, e));
        /* 1 - s without cancellation: e*s where s >= 0.5, 1 - s elsewhere */
        tt__vf oms = tt__v_sel_ge(s, half, tt__v_mul(e, s), tt__v_sub(one, s));
        tt__vf g = tt__v_fma(tt__v_mul(two, v), tt__v_mul(tt__v_mul(s, oms), du), s);
        o = tt__v_mul(vdy, g);
        if (full) tt__v_store(dx + i, o); else tt__v_store_m(dx + i, tm, o);
    }
}

TT__PRIVATE void tt__adamw_vec(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                               float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt) {
    const tt__vf vgs = tt__v_set1(gscale), vdec = tt__v_set1(lr * wd), vb1 = tt__v_set1(b1),
                 vb2 = tt__v_set1(b2), v1b1 = tt__v_set1(1.0f - b1), v1b2 = tt__v_set1(1.0f - b2),
                 vstep = tt__v_set1(lr / bc1), vbc2 = tt__v_set1(bc2_sqrt), veps = tt__v_set1(eps);
    size_t i = 0;
    for (; i < n; i += TT__VW) {
        int full = i + TT__VW <= n;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(n - i));
        tt__vf gi = tt__v_mul(full ? tt__v_load(g + i) : tt__v_load_m(g + i, tm), vgs);
        tt__vf pi = full ? tt__v_load(p + i) : tt__v_load_m(p + i, tm);
        tt__vf mi = tt__v_add(tt__v_mul(vb1, full ? tt__v_load(m + i) : tt__v_load_m(m + i, tm)), tt__v_mul(v1b1, gi));
        tt__vf vi = tt__v_add(tt__v_mul(vb2, full ? tt__v_load(v + i) : tt__v_load_m(v + i, tm)),
                              tt__v_mul(tt__v_mul(v1b2, gi), gi));
        tt__vf den = tt__v_add(tt__v_div(tt__v_sqrt(vi), vbc2), veps);
        pi = tt__v_sub(pi, tt__v_mul(vdec, pi));
        pi = tt__v_sub(pi, tt__v_div(tt__v_mul(vstep, mi), den));
        if (full) {
            tt__v_store(m + i, mi); tt__v_store(v + i, vi); tt__v_store(p + i, pi);
        } else {
            tt__v_store_m(m + i, tm, mi); tt__v_store_m(v + i, tm, vi); tt__v_store_m(p + i, tm, pi);
        }
    }
}
