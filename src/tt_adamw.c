/* >>adamw  AdamW, LR schedule, global-norm clipping */
#include "tt_internal.h"

TTDEF tt_adamw_config tt_adamw_config_resolve(const tt_adamw_config *cfg) {
    tt_adamw_config c;
    memset(&c, 0, sizeof(c));
    if (cfg) c = *cfg;
    if (c.lr == 0.0f) c.lr = 3e-4f;
    if (c.beta1 == 0.0f) c.beta1 = 0.9f;
    if (c.beta2 == 0.0f) c.beta2 = 0.95f;
    if (c.eps == 0.0f) c.eps = 1e-8f;
    return c;
}

/* linear warmup: lr * (step+1) / warmup for step < warmup; then constant, or
 * cosine: min_lr + 0.5 (lr - min_lr) (1 + cos(pi * p)), p = (step - warmup) /
 * (total - warmup) clamped to [0, 1] (Loshchilov & Hutter 2017, SGDR, without restarts) */
TTDEF float tt_lr_at(const tt_adamw_config *cfg, uint64_t step) {
    tt_adamw_config c = tt_adamw_config_resolve(cfg);
    if (c.warmup_steps > 0 && step < (uint64_t)c.warmup_steps)
        return c.lr * (float)(step + 1) / (float)c.warmup_steps;
    if (c.schedule == TT_LR_COSINE && c.total_steps > c.warmup_steps) {
        double p = (double)(step - (uint64_t)(c.warmup_steps > 0 ? c.warmup_steps : 0)) /
                   (double)(c.total_steps - (c.warmup_steps > 0 ? c.warmup_steps : 0));
        if (p > 1.0) p = 1.0;
        return c.min_lr + 0.5f * (c.lr - c.min_lr) * (1.0f + TT_COSF((float)(3.14159265358979323846 * p)));
    }
    return c.lr;
}

typedef struct tt__adamw_job {
    const tt__param_view *v;
    tt_adamw_config c;
    float lr, gscale, bc1, bc2_sqrt;
    size_t n;
    int c0;  /* first chunk of the update (ZeRO-1: of this rank's slice) */
} tt__adamw_job;

/* per chunk of TT__NORM_CHUNK floats: the sum of squares of the gradients
 * in double into m->partials[chunk] (independent of the thread count), and
 * for the update check the largest |g|, |p|, |m| and v as IEEE bit patterns
 * (for non-negative floats the bit order is the value order; NaN and Inf
 * are above 0x7f7fffff, and so is any v with the sign bit set) into 4 u32
 * after the sums. Integer maxima: no rounding, any order gives the same. */
TT__PRIVATE uint32_t *tt__adamw_bounds(const tt__param_view *v, size_t n_chunks) {
    return (uint32_t *)(void *)(v->partials + n_chunks);
}
TT__PRIVATE void tt__gradnorm_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    uint32_t *bounds = tt__adamw_bounds(j->v, j->n / TT__NORM_CHUNK + 1);
    const float *g = j->v->grads, *p = j->v->params, *mm = j->v->m, *v = j->v->v;
    size_t dlo = j->v->dp->lo, dhi = j->v->dp->hi;
    int ch;
    (void)slot;
    for (ch = lo; ch < hi; ch++) {
        size_t i0 = (size_t)ch * TT__NORM_CHUNK, i1 = i0 + TT__NORM_CHUNK, i;
        double s = 0.0;
        uint32_t gb = 0, pb = 0, mb = 0, vb = 0, u;
        if (i1 > j->n) i1 = j->n;
        /* one pass: the maxima are independent of the sum's dependency
         * chain, so they run in its shadow */
        if (i0 >= dlo && i1 <= dhi) {
            for (i = i0; i < i1; i++) {
                s += (double)g[i] * (double)g[i];
                memcpy(&u, g + i, sizeof(u)); u &= 0x7fffffffu; gb = u > gb ? u : gb;
                memcpy(&u, p + i, sizeof(u)); u &= 0x7fffffffu; pb = u > pb ? u : pb;
                memcpy(&u, mm + (i - dlo), sizeof(u)); u &= 0x7fffffffu; mb = u > mb ? u : mb;
                memcpy(&u, v + (i - dlo), sizeof(u)); vb = u > vb ? u : vb;
            }
        } else { /* ZeRO-1: this rank holds the moments of [dlo, dhi) only */
            for (i = i0; i < i1; i++) {
                s += (double)g[i] * (double)g[i];
                memcpy(&u, g + i, sizeof(u)); u &= 0x7fffffffu; gb = u > gb ? u : gb;
                memcpy(&u, p + i, sizeof(u)); u &= 0x7fffffffu; pb = u > pb ? u : pb;
                if (i < dlo || i >= dhi) continue;
                memcpy(&u, mm + (i - dlo), sizeof(u)); u &= 0x7fffffffu; mb = u > mb ? u : mb;
                memcpy(&u, v + (i - dlo), sizeof(u)); vb = u > vb ? u : vb;
            }
        }
        j->v->partials[ch] = s;
        bounds[4 * ch + 0] = gb; bounds[4 * ch + 1] = pb; bounds[4 * ch + 2] = mb; bounds[4 * ch + 3] = vb;
    }
}

TT__PRIVATE double tt__bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof(f));
    return (double)f;
}

/* AdamW on the flat block in fixed chunks [lo,hi) of TT__NORM_CHUNK floats
 * (balanced across threads whatever the tensor sizes); each chunk is cut at
 * tensor boundaries so weight decay follows the tensor's flag. The gradients
 * are zeroed in the same pass. */
TT__PRIVATE void tt__adamw_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    const tt__param_view *m = j->v;
    size_t i0 = (size_t)(lo + j->c0) * TT__NORM_CHUNK, i1 = (size_t)(hi + j->c0) * TT__NORM_CHUNK;
    size_t dlo = m->dp->lo, dhi = m->dp->hi;
    int t = 0, a = 0, b = m->n_tensors - 1;
    (void)slot;
    if (i1 > j->n) i1 = j->n;
    if (i0 < dlo) i0 = dlo; /* the moments held: [dp.lo, dp.hi), m->m[0] is dp.lo */
    if (i1 > dhi) i1 = dhi;
    /* first tensor that ends after i0 (tensors are in offset order) */
    while (a < b) {
        int mid = (a + b) / 2;
        const tt_tensor_info *ti = &m->tensors[mid];
        if (ti->offset + ti->numel <= i0) a = mid + 1; else b = mid;
    }
    for (t = a; t < m->n_tensors && i0 < i1; t++) {
        const tt_tensor_info *ti = &m->tensors[t];
        size_t end = ti->offset + ti->numel < i1 ? ti->offset + ti->numel : i1;
        if (end <= i0) continue;
        tt__adamw(m->ex, m->params + i0, m->m + (i0 - dlo), m->v + (i0 - dlo), m->grads + i0, end - i0, j->lr, j->c.beta1,
                  j->c.beta2, j->c.eps, ti->decay ? j->c.weight_decay : 0.0f, j->gscale, j->bc1, j->bc2_sqrt);
        memset(m->grads + i0, 0, (end - i0) * sizeof(float));
        i0 = end;
    }
}

/* the config and the step's learning rate are usable numbers */
TT__PRIVATE int tt__adamw_config_ok(const tt_adamw_config *c) {
    const float big = 3.0e38f; /* finite: |x| <= big also refuses NaN */
    return c->lr > 0.0f && c->lr <= big && c->beta1 >= 0.0f && c->beta1 < 1.0f && c->beta2 >= 0.0f &&
           c->beta2 < 1.0f && c->eps > 0.0f && c->eps <= big && c->weight_decay >= 0.0f && c->weight_decay <= big &&
           c->grad_clip >= 0.0f && c->grad_clip <= big && c->min_lr >= 0.0f && c->min_lr <= big &&
           c->warmup_steps >= 0 && c->total_steps >= 0 &&
           (c->schedule == TT_LR_CONSTANT || c->schedule == TT_LR_COSINE);
}

TTDEF tt_status tt_adamw_step(tt_model *m, const tt_adamw_config *cfg, tt_step_stats *out) {
    tt__adamw_job j;
    int n_chunks, i;
    double ss = 0.0, gmax, pmax, mmax, vmax, lim = 1.0e38, mb, vb, stepd, pb;
    tt_status st;
    float norm;
    uint64_t t;
    uint32_t gbits = 0, pbits = 0, mbits = 0, vbits = 0, *bounds;
    tt__param_view pv;
    const tt_logger *lg;
    double t0;
    if (!m) return TT_ERR_INVALID_ARG;
    tt__model_param_view(m, &pv);
    lg = &pv.cfg->logger;
    if (!pv.grads) return TT_ERR_UNSUPPORTED; /* inference_only */
    j.v = &pv;
    j.c = tt_adamw_config_resolve(cfg);
    j.n = pv.n;
    if (!tt__adamw_config_ok(&j.c)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "adamw: lr, eps must be finite and > 0; betas in [0,1); wd, clip, min_lr finite and >= 0; "
                "warmup, total_steps >= 0; schedule TT_LR_CONSTANT or TT_LR_COSINE");
        return TT_ERR_INVALID_ARG;
    }
    if (*pv.step == UINT64_MAX) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: the step counter is at its maximum");
        return TT_ERR_INVALID_ARG;
    }
    t = *pv.step + 1;
    j.lr = tt_lr_at(&j.c, *pv.step);
    j.bc1 = 1.0f - TT_POWF(j.c.beta1, (float)t);
    j.bc2_sqrt = TT_SQRTF(1.0f - TT_POWF(j.c.beta2, (float)t));
    if (!(j.lr >= 0.0f && j.lr <= 3.0e38f) || !(j.bc1 > 0.0f) || !(j.bc2_sqrt > 0.0f)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: the schedule gives no usable learning rate at this step");
        return TT_ERR_INVALID_ARG;
    }
    if ((st = tt__dp_reduce_grads(m)) != TT_OK) return st; /* data parallel: global gradients */
    t0 = pv.prof ? tt__prof_begin(pv.prof) : 0.0;
    n_chunks = (int)(j.n / TT__NORM_CHUNK + 1);
    tt__for_range(pv.ex, n_chunks, tt__gradnorm_range, &j);
    bounds = tt__adamw_bounds(&pv, (size_t)n_chunks);
    for (i = 0; i < n_chunks; i++) {
        ss += pv.partials[i];
        if (bounds[4 * i + 0] > gbits) gbits = bounds[4 * i + 0];
        if (bounds[4 * i + 1] > pbits) pbits = bounds[4 * i + 1];
        if (bounds[4 * i + 2] > mbits) mbits = bounds[4 * i + 2];
        if (bounds[4 * i + 3] > vbits) vbits = bounds[4 * i + 3];
    }
    /* ZeRO-1: every rank must decide alike on moments it does not hold */
    if ((st = tt__dp_moment_bounds(m, &mbits, &vbits)) != TT_OK) return st;
    norm = (float)TT_SQRTF((float)ss);
    if (!(norm <= 3.0e38f)) { /* NaN or Inf */
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE, "adamw: gradient norm is NaN/Inf; step skipped, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    j.gscale = 1.0f;
    if (j.c.grad_clip > 0.0f) {
        /* as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1 */
        float coef = j.c.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) j.gscale = coef;
    }
    /* Would every new p, m, v be finite? Bounds from the largest magnitudes
     * (in double, against 1e38 so the kernels' float rounding cannot cross
     * FLT_MAX): |g'| <= G, |m'| <= b1 M + (1-b1) G, v' <= b2 V + (1-b2) G^2,
     * |p'| <= P (1 + lr wd) + (lr/bc1) |m'| / eps (the denominator is >=
     * eps). A NaN/Inf or negative v already held fails too. Refusing here
     * leaves everything as it was; valid steps compute exactly as before. */
    gmax = tt__bits_float(gbits) * (double)j.gscale;
    pmax = tt__bits_float(pbits);
    mmax = tt__bits_float(mbits);
    vmax = tt__bits_float(vbits);
    mb = (double)j.c.beta1 * mmax + (1.0 - (double)j.c.beta1) * gmax;
    vb = (double)j.c.beta2 * vmax + (1.0 - (double)j.c.beta2) * gmax * gmax;
    stepd = (double)j.lr / (double)j.bc1;
    pb = pmax * (1.0 + (double)j.lr * (double)j.c.weight_decay) + stepd * mb / (double)j.c.eps;
    if (!(pbits <= 0x7f7fffffu && mbits <= 0x7f7fffffu && vbits <= 0x7f7fffffu && mb <= lim && vb <= lim &&
          pb <= lim && stepd * mb <= lim && (double)j.lr * (double)j.c.weight_decay <= lim && stepd <= lim)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE,
                pbits > 0x7f7fffffu || mbits > 0x7f7fffffu || vbits > 0x7f7fffffu
                    ? "adamw: parameters or moments already hold NaN/Inf (or v < 0); step refused, gradients zeroed"
                    : "adamw: this update would overflow to NaN/Inf (learning rate too large?); step refused, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    j.c0 = (int)(pv.dp->lo / TT__NORM_CHUNK);
    tt__for_range(pv.ex, pv.dp->hi > pv.dp->lo ? (int)((pv.dp->hi - 1) / TT__NORM_CHUNK) + 1 - j.c0 : 0,
                  tt__adamw_range, &j);
    if (pv.prof) tt__prof_end(pv.prof, TT_OP_ADAMW, t0, 0.0);
    *pv.step = t;
    tt__model_params_changed(m); /* the activations belong to the old weights */
    if ((st = tt__dp_after_update(m)) != TT_OK) return st; /* ZeRO-1: slices to every rank */
    if (out) { out->lr = j.lr; out->grad_norm = norm; out->step = t; }
    return TT_OK;
}
