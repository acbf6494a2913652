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

TT__PRIVATE double tt__bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof(f));
    return (double)f;
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
    tt_adamw_config c;
    float lr, gscale, bc1, bc2_sqrt;
    double gmax, pmax, mmax, vmax, lim = 1.0e38, mb, vb, stepd, pb;
    tt_status st;
    float norm;
    uint64_t t;
    uint32_t gbits, pbits, mbits, vbits;
    tt__param_view pv;
    tt_backend_stats s1, s2;
    const tt_backend *be;
    const tt_logger *lg;
    size_t lo, hi;
    int i;
    double t0;
    if (!m) return TT_ERR_INVALID_ARG;
    tt__model_param_view(m, &pv);
    lg = &pv.cfg->logger;
    be = pv.be;
    if (!pv.grads) return TT_ERR_UNSUPPORTED; /* inference_only */
    c = tt_adamw_config_resolve(cfg);
    if (!tt__adamw_config_ok(&c)) {
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
    lr = tt_lr_at(&c, *pv.step);
    bc1 = 1.0f - TT_POWF(c.beta1, (float)t);
    bc2_sqrt = TT_SQRTF(1.0f - TT_POWF(c.beta2, (float)t));
    if (!(lr >= 0.0f && lr <= 3.0e38f) || !(bc1 > 0.0f) || !(bc2_sqrt > 0.0f)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: the schedule gives no usable learning rate at this step");
        return TT_ERR_INVALID_ARG;
    }
    if ((st = tt__dp_reduce_grads(m)) != TT_OK) return st; /* data parallel: global gradients */
    t0 = pv.prof ? tt__prof_begin(pv.prof) : 0.0;
    /* statistics through the op table: the sum of squares and the |g|, |p|
     * bounds over all n, the moment bounds over the slice held [lo, hi)
     * (all of it, unless ZeRO-1 shards the moments) */
    lo = pv.dp->lo; hi = pv.dp->hi;
    memset(&s2, 0, sizeof(s2));
    if (lo == 0 && hi == pv.n) {
        st = be->param_stats(be->ctx, &s1, pv.grads, pv.params, pv.m, pv.v, pv.n);
        s2 = s1;
    } else {
        st = be->param_stats(be->ctx, &s1, pv.grads, pv.params, NULL, NULL, pv.n);
        if (st == TT_OK && hi > lo) st = be->param_stats(be->ctx, &s2, pv.grads + lo, pv.params + lo, pv.m, pv.v, hi - lo);
    }
    if (st != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, st, "adamw: the backend's param_stats failed; step skipped");
        return st;
    }
    gbits = s1.max_g; pbits = s1.max_p; mbits = s2.max_m; vbits = s2.max_v;
    /* ZeRO-1: every rank must decide alike on moments it does not hold */
    if ((st = tt__dp_moment_bounds(m, &mbits, &vbits)) != TT_OK) return st;
    norm = (float)TT_SQRTF((float)s1.sumsq);
    if (!(norm <= 3.0e38f)) { /* NaN or Inf */
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE, "adamw: gradient norm is NaN/Inf; step skipped, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    gscale = 1.0f;
    if (c.grad_clip > 0.0f) {
        /* as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1 */
        float coef = c.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) gscale = coef;
    }
    /* Would every new p, m, v be finite? Bounds from the largest magnitudes
     * (in double, against 1e38 so the kernels' float rounding cannot cross
     * FLT_MAX): |g'| <= G, |m'| <= b1 M + (1-b1) G, v' <= b2 V + (1-b2) G^2,
     * |p'| <= P (1 + lr wd) + (lr/bc1) |m'| / eps (the denominator is >=
     * eps). A NaN/Inf or negative v already held fails too. Refusing here
     * leaves everything as it was; valid steps compute exactly as before. */
    gmax = tt__bits_float(gbits) * (double)gscale;
    pmax = tt__bits_float(pbits);
    mmax = tt__bits_float(mbits);
    vmax = tt__bits_float(vbits);
    mb = (double)c.beta1 * mmax + (1.0 - (double)c.beta1) * gmax;
    vb = (double)c.beta2 * vmax + (1.0 - (double)c.beta2) * gmax * gmax;
    stepd = (double)lr / (double)bc1;
    pb = pmax * (1.0 + (double)lr * (double)c.weight_decay) + stepd * mb / (double)c.eps;
    if (!(pbits <= 0x7f7fffffu && mbits <= 0x7f7fffffu && vbits <= 0x7f7fffffu && mb <= lim && vb <= lim &&
          pb <= lim && stepd * mb <= lim && (double)lr * (double)c.weight_decay <= lim && stepd <= lim)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE,
                pbits > 0x7f7fffffu || mbits > 0x7f7fffffu || vbits > 0x7f7fffffu
                    ? "adamw: parameters or moments already hold NaN/Inf (or v < 0); step refused, gradients zeroed"
                    : "adamw: this update would overflow to NaN/Inf (learning rate too large?); step refused, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    /* the update, one table call per tensor (its decay group) within [lo, hi) */
    for (i = 0; i < pv.n_tensors && st == TT_OK; i++) {
        const tt_tensor_info *ti = &pv.tensors[i];
        size_t a = ti->offset, b = ti->offset + ti->numel;
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        if (a >= b) continue;
        st = be->adamw(be->ctx, pv.params + a, pv.m + (a - lo), pv.v + (a - lo), pv.grads + a, b - a, lr, c.beta1,
                       c.beta2, c.eps, ti->decay ? c.weight_decay : 0.0f, gscale, bc1, bc2_sqrt);
    }
    if (pv.prof) tt__prof_end(pv.prof, TT_OP_ADAMW, t0, 0.0);
    if (st != TT_OK) { /* some tensors updated: the model is not usable as it was */
        tt__log(lg, TT_LOG_ERROR, st, "adamw: the backend's adamw failed part way; parameters partly updated");
        return st;
    }
    *pv.step = t;
    tt__model_params_changed(m); /* the activations belong to the old weights */
    if ((st = tt__dp_after_update(m)) != TT_OK) return st; /* ZeRO-1: slices to every rank */
    if (out) { out->lr = lr; out->grad_norm = norm; out->step = t; }
    return TT_OK;
}
