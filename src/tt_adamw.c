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
    tt_model *m;
    tt_adamw_config c;
    float lr, gscale, bc1, bc2_sqrt;
    size_t n;
    int c0;  /* first chunk of the update (ZeRO-1: of this rank's slice) */
} tt__adamw_job;

/* sum of squares of the gradients in fixed chunks of TT__NORM_CHUNK floats,
 * each in double, into m->partials[chunk]: independent of the thread count */
TT__PRIVATE void tt__gradnorm_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    int ch;
    (void)slot;
    for (ch = lo; ch < hi; ch++) {
        size_t i0 = (size_t)ch * TT__NORM_CHUNK, i1 = i0 + TT__NORM_CHUNK, i;
        const float *g = j->m->grads;
        double s = 0.0;
        if (i1 > j->n) i1 = j->n;
        for (i = i0; i < i1; i++) s += (double)g[i] * (double)g[i];
        j->m->partials[ch] = s;
    }
}

/* AdamW on the flat block in fixed chunks [lo,hi) of TT__NORM_CHUNK floats
 * (balanced across threads whatever the tensor sizes); each chunk is cut at
 * tensor boundaries so weight decay follows the tensor's flag. The gradients
 * are zeroed in the same pass. */
TT__PRIVATE void tt__adamw_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    tt_model *m = j->m;
    size_t i0 = (size_t)(lo + j->c0) * TT__NORM_CHUNK, i1 = (size_t)(hi + j->c0) * TT__NORM_CHUNK;
    int t = 0, a = 0, b = m->lay.n_tensors - 1;
    (void)slot;
    if (i1 > j->n) i1 = j->n;
    if (i0 < m->dp.lo) i0 = m->dp.lo; /* the moments held: [dp.lo, dp.hi), m->m[0] is dp.lo */
    if (i1 > m->dp.hi) i1 = m->dp.hi;
    /* first tensor that ends after i0 (tensors are in offset order) */
    while (a < b) {
        int mid = (a + b) / 2;
        const tt_tensor_info *ti = &m->tensors[mid];
        if (ti->offset + ti->numel <= i0) a = mid + 1; else b = mid;
    }
    for (t = a; t < m->lay.n_tensors && i0 < i1; t++) {
        const tt_tensor_info *ti = &m->tensors[t];
        size_t end = ti->offset + ti->numel < i1 ? ti->offset + ti->numel : i1;
        if (end <= i0) continue;
        tt__adamw(&m->ex, m->params + i0, m->m + (i0 - m->dp.lo), m->v + (i0 - m->dp.lo), m->grads + i0, end - i0, j->lr, j->c.beta1,
                  j->c.beta2, j->c.eps, ti->decay ? j->c.weight_decay : 0.0f, j->gscale, j->bc1, j->bc2_sqrt);
        memset(m->grads + i0, 0, (end - i0) * sizeof(float));
        i0 = end;
    }
}

TTDEF tt_status tt_adamw_step(tt_model *m, const tt_adamw_config *cfg, tt_step_stats *out) {
    tt__adamw_job j;
    int n_chunks, i;
    double ss = 0.0;
    tt_status st;
    float norm;
    uint64_t t;
    if (!m) return TT_ERR_INVALID_ARG;
    if (!m->grads) return TT_ERR_UNSUPPORTED; /* inference_only */
    j.m = m;
    j.c = tt_adamw_config_resolve(cfg);
    j.n = m->lay.n_params;
    if (!(j.c.lr > 0.0f) || !(j.c.beta1 >= 0.0f && j.c.beta1 < 1.0f) || !(j.c.beta2 >= 0.0f && j.c.beta2 < 1.0f) ||
        !(j.c.eps > 0.0f) || !(j.c.weight_decay >= 0.0f) || !(j.c.grad_clip >= 0.0f)) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: lr, eps must be > 0; betas in [0,1); wd, clip >= 0");
        return TT_ERR_INVALID_ARG;
    }
    if ((st = tt__dp_reduce_grads(m)) != TT_OK) return st; /* data parallel: global gradients */
    n_chunks = (int)(j.n / TT__NORM_CHUNK + 1);
    tt__for_range(&m->ex, n_chunks, tt__gradnorm_range, &j);
    for (i = 0; i < n_chunks; i++) ss += m->partials[i];
    norm = (float)TT_SQRTF((float)ss);
    if (!(norm <= 3.0e38f)) { /* NaN or Inf */
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_NONFINITE, "adamw: gradient norm is NaN/Inf; step skipped, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    j.gscale = 1.0f;
    if (j.c.grad_clip > 0.0f) {
        /* as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1 */
        float coef = j.c.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) j.gscale = coef;
    }
    t = m->step + 1;
    j.lr = tt_lr_at(&j.c, m->step);
    j.bc1 = 1.0f - TT_POWF(j.c.beta1, (float)t);
    j.bc2_sqrt = TT_SQRTF(1.0f - TT_POWF(j.c.beta2, (float)t));
    j.c0 = (int)(m->dp.lo / TT__NORM_CHUNK);
    tt__for_range(&m->ex, m->dp.hi > m->dp.lo ? (int)((m->dp.hi - 1) / TT__NORM_CHUNK) + 1 - j.c0 : 0,
                  tt__adamw_range, &j);
    m->step = t;
    if ((st = tt__dp_after_update(m)) != TT_OK) return st; /* ZeRO-1: slices to every rank */
    if (out) { out->lr = j.lr; out->grad_norm = norm; out->step = t; }
    return TT_OK;
}
