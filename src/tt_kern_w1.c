/* >>kern_w1  scalar reference kernels: always compiled, the ground truth every
 * SIMD variant is tested against. Plain loops, fixed summation order. */
#include "tt_kern.h"

/* C (M,N) = [C +] A (M,K) B (K,N), strided A and B (see tt_internal.h).
 * Per element the k-sum runs in increasing k. Loop order picks unit
 * strides where the layout has them. */
TT__PRIVATE void tt__gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                 const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc,
                                 int accumulate) {
    int i, j, k;
    if (rsb == 1 && csa == 1) {
        /* both operands contiguous along k: dot products */
        for (i = 0; i < M; i++) {
            const float *a = A + (ptrdiff_t)i * rsa;
            for (j = 0; j < N; j++) {
                const float *b = B + (ptrdiff_t)j * csb;
                float s = accumulate ? C[(ptrdiff_t)i * ldc + j] : 0.0f;
                for (k = 0; k < K; k++) s += a[k] * b[k];
                C[(ptrdiff_t)i * ldc + j] = s;
            }
        }
        return;
    }
    /* rank-1 updates along k; rows of B contiguous when csb == 1 */
    for (i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (!accumulate) for (j = 0; j < N; j++) c[j] = 0.0f;
        for (k = 0; k < K; k++) {
            float a = A[(ptrdiff_t)i * rsa + (ptrdiff_t)k * csa];
            const float *b = B + (ptrdiff_t)k * rsb;
            for (j = 0; j < N; j++) c[j] += a * b[(ptrdiff_t)j * csb];
        }
    }
}

/* ---- LayerNorm (Ba et al. 2016), eps 1e-5, over the last dim C ----
 * fwd, rows [r0,r1): mean = sum x / C; var = sum (x-mean)^2 / C (two passes);
 * rstd = 1/sqrt(var + eps); y = (x - mean) * rstd * w + b. */
TT__PRIVATE void tt__layernorm_fwd_scalar(float *y, float *mean, float *rstd, const float *x,
                                          const float *w, const float *b, int r0, int r1, int C) {
    int r, i;
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        float m = 0.0f, v = 0.0f, s;
        for (i = 0; i < C; i++) m += xr[i];
        m /= (float)C;
        for (i = 0; i < C; i++) { float d = xr[i] - m; v += d * d; }
        v /= (float)C;
        s = 1.0f / TT_SQRTF(v + 1e-5f);
        for (i = 0; i < C; i++) yr[i] = (xr[i] - m) * s * w[i] + b[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

/* bwd dx, rows [r0,r1) (llm.c doc/layernorm): xhat = (x-mean)*rstd, g = dy*w,
 * dx (+)= rstd * (g - mean(g) - xhat * mean(g*xhat)). accumulate: add into dx. */
TT__PRIVATE void tt__layernorm_bwd_dx_scalar(float *dx, const float *dy, const float *x, const float *w,
                                             const float *mean, const float *rstd, int r0, int r1, int C,
                                             int accumulate) {
    int r, i;
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float *dxr = dx + (size_t)r * C;
        float m = mean[r], s = rstd[r], sg = 0.0f, sgx = 0.0f;
        for (i = 0; i < C; i++) {
            float g = dyr[i] * w[i];
            sg += g;
            sgx += g * (xr[i] - m) * s;
        }
        sg /= (float)C;
        sgx /= (float)C;
        for (i = 0; i < C; i++) {
            float xhat = (xr[i] - m) * s;
            float d = s * (dyr[i] * w[i] - sg - xhat * sgx);
            dxr[i] = accumulate ? dxr[i] + d : d;
        }
    }
}

/* bwd dw, db, columns [c0,c1): dw[c] += sum_r dy[r,c]*xhat[r,c]; db[c] += sum_r dy[r,c].
 * Rows are summed in increasing r, so the result does not depend on threads. */
TT__PRIVATE void tt__layernorm_bwd_dwdb_scalar(float *dw, float *db, const float *dy, const float *x,
                                               const float *mean, const float *rstd, int N, int C,
                                               int c0, int c1) {
    int r, c;
    for (r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float m = mean[r], s = rstd[r];
        for (c = c0; c < c1; c++) {
            dw[c] += dyr[c] * (xr[c] - m) * s;
            db[c] += dyr[c];
        }
    }
}

/* ---- GELU, tanh approximation (Hendrycks & Gimpel 2016) ----
 * u = sqrt(2/pi) (x + 0.044715 x^3); gelu = 0.5 x (1 + tanh u) = x * sigmoid(2u).
 * gelu' = s + 2 x s (1-s) u', s = sigmoid(2u), u' = sqrt(2/pi)(1 + 3*0.044715 x^2). */
TT__PRIVATE void tt__gelu_fwd_scalar(float *y, const float *x, size_t i0, size_t i1) {
    size_t i;
    for (i = i0; i < i1; i++) {
        float v = x[i];
        float u = TT__GELU_K * (v + 0.044715f * v * v * v);
        y[i] = v / (1.0f + TT_EXPF(-2.0f * u));
    }
}
/* dx = dy * gelu'(x) */
TT__PRIVATE void tt__gelu_bwd_scalar(float *dx, const float *dy, const float *x, size_t i0, size_t i1) {
    size_t i;
    for (i = i0; i < i1; i++) {
        float v = x[i];
        float u = TT__GELU_K * (v + 0.044715f * v * v * v);
        float du = TT__GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
        float e = TT_EXPF(-2.0f * u);
        float s = 1.0f / (1.0f + e);
        float oms = s < 0.5f ? 1.0f - s : e * s; /* 1 - s without cancellation */
        dx[i] = dy[i] * (s + 2.0f * v * s * oms * du);
    }
}

/* ---- causal self-attention, one (b, h) pair at a time ----
 * qkv (B,T,3C): q at [0,C), k at [C,2C), v at [2C,3C), head h at h*hs.
 * fwd: s_j = q_t.k_j / sqrt(hs) for j <= t; p = softmax(s); out_t = sum_j p_j v_j;
 * lse_t = logsumexp(s) is kept for the backward pass (no T x T storage).
 * scratch: T floats. */
TT__PRIVATE void tt__attention_fwd_scalar(float *out, float *lse, const float *qkv, int b, int h,
                                          int T, int C, int NH, float *scratch) {
    int hs = C / NH, t, j, i;
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (t = 0; t < T; t++) {
        const float *q = qkv + ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
        float *o = out + ((size_t)b * T + t) * C + (size_t)h * hs;
        float m = -3.0e38f, sum = 0.0f, inv;
        for (j = 0; j <= t; j++) {
            const float *k = qkv + ((size_t)b * T + j) * 3 * C + C + (size_t)h * hs;
            float s = 0.0f;
            for (i = 0; i < hs; i++) s += q[i] * k[i];
            s *= scale;
            scratch[j] = s;
            if (s > m) m = s;
        }
        for (j = 0; j <= t; j++) { scratch[j] = TT_EXPF(scratch[j] - m); sum += scratch[j]; }
        inv = 1.0f / sum;
        for (i = 0; i < hs; i++) o[i] = 0.0f;
        for (j = 0; j <= t; j++) {
            const float *v = qkv + ((size_t)b * T + j) * 3 * C + 2 * C + (size_t)h * hs;
            float p = scratch[j] * inv;
            for (i = 0; i < hs; i++) o[i] += p * v[i];
        }
        lse[((size_t)b * NH + h) * T + t] = m + TT_LOGF(sum);
    }
}

/* bwd for one (b,h): recompute p_j = exp(s_j - lse_t); dp_j = dout_t.v_j;
 * D = sum_j p_j dp_j; ds_j = p_j (dp_j - D) (softmax backward in O(T) per row);
 * dq_t += scale sum_j ds_j k_j; dk_j += scale ds_j q_t; dv_j += p_j dout_t.
 * Writes only head h of batch b in dqkv. scratch: 2T floats. */
TT__PRIVATE void tt__attention_bwd_scalar(float *dqkv, const float *dout, const float *qkv,
                                          const float *lse, int b, int h, int T, int C, int NH,
                                          float *scratch) {
    int hs = C / NH, t, j, i;
    float scale = 1.0f / TT_SQRTF((float)hs);
    float *p = scratch, *dp = scratch + T;
    for (t = 0; t < T; t++) {
        size_t rt = ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
        const float *q = qkv + rt;
        const float *dot = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
        float L = lse[((size_t)b * NH + h) * T + t], D = 0.0f;
        float *dq = dqkv + rt;
        for (j = 0; j <= t; j++) {
            size_t rj = ((size_t)b * T + j) * 3 * C + (size_t)h * hs;
            const float *k = qkv + rj + C, *v = qkv + rj + 2 * C;
            float s = 0.0f, d = 0.0f;
            for (i = 0; i < hs; i++) { s += q[i] * k[i]; d += dot[i] * v[i]; }
            p[j] = TT_EXPF(s * scale - L);
            dp[j] = d;
            D += p[j] * d;
        }
        for (j = 0; j <= t; j++) {
            size_t rj = ((size_t)b * T + j) * 3 * C + (size_t)h * hs;
            const float *k = qkv + rj + C;
            float *dk = dqkv + rj + C, *dv = dqkv + rj + 2 * C;
            float ds = p[j] * (dp[j] - D) * scale;
            for (i = 0; i < hs; i++) {
                dq[i] += ds * k[i];
                dk[i] += ds * q[i];
                dv[i] += p[j] * dot[i];
            }
        }
    }
}

/* ---- AdamW over a range of the flat parameter block (PyTorch's order):
 * p -= lr*wd*p (decay mask per element via decay flag of its tensor);
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps). g is scaled by gscale
 * (clipping) first. */
TT__PRIVATE void tt__adamw_scalar(float *p, float *m, float *v, const float *g, size_t n, float lr,
                                  float b1, float b2, float eps, float wd, float gscale, float bc1,
                                  float bc2_sqrt) {
    size_t i;
    float step = lr / bc1;
    for (i = 0; i < n; i++) {
        float gi = g[i] * gscale;
        float pi = p[i] - lr * wd * p[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * mi / (TT_SQRTF(vi) / bc2_sqrt + eps);
    }
}

/* ---- row helpers for softmax (attention, lm head) ---- */
/* max of x[0..n) (n >= 1) */
/* y[i] *= f for i in [0, n) */
TT__PRIVATE void tt__vec_scale_scalar(float *y, int n, float f) {
    int i;
    for (i = 0; i < n; i++) y[i] *= f;
}
TT__PRIVATE float tt__row_max_scalar(const float *x, int n) {
    float m = x[0];
    int i;
    for (i = 1; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
/* y[i] = exp(a * x[i] - s) (y may alias x); returns the sum of the y[i] */
TT__PRIVATE float tt__exp_shift_sum_scalar(float *y, const float *x, int n, float a, float s) {
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) { y[i] = TT_EXPF(a * x[i] - s); sum += y[i]; }
    return sum;
}
