/* >>generate  KV-cache inference and sampling (temperature, top-k, top-p).
 * Uses the model's private layout (struct tt_model, params_p, the op
 * wrappers tt__m_linear / tt__m_layernorm) from tt_model.c, which comes
 * earlier in the amalgamation. */
#include "tt_internal.h"

struct tt_generator {
    tt_model *m;
    tt_allocator alloc;
    void *block;        /* what tt_generator_create allocated, or NULL (create_in) */
    size_t bytes;
    int pos;            /* positions in the cache */
    int have_logits;
    float *kv;          /* (L, n_ctx, 2C): key at [0,C), value at [C,2C) */
    float *xa, *xb, *ln, *att;  /* (n_ctx, C) each */
    float *qkv;         /* (n_ctx, 3C) */
    float *h, *g;       /* (n_ctx, 4C) each */
    float *mean, *rstd; /* (n_ctx) */
    float *scores;      /* (n_threads, n_ctx) attention scratch */
    float *logits;      /* (Vp) */
    float *prob;        /* (V) sampling weights */
    int32_t *idx;       /* (V) candidate ids */
    int32_t *hist;      /* (n_ctx) ids in the cache */
};

/* the generator's memory plan: byte offsets of its arrays from the struct */
typedef struct tt__gen_plan {
    size_t kv, xa, xb, ln, att, qkv, h, g, mean, rstd, sc, lg, pr, idx, hist, total;
} tt__gen_plan;
TT__PRIVATE tt_status tt__gen_plan_make(const tt_model *m, tt__gen_plan *o) {
    tt__plan plan;
    size_t C, T, L, V, Vp, NT, CT, kvn;
    C = (size_t)m->C; T = (size_t)m->maxT; L = (size_t)m->L; V = (size_t)m->V; Vp = (size_t)m->Vp;
    NT = (size_t)(m->ex.n_threads > 0 ? m->ex.n_threads : 1);
    plan.size = 0; plan.overflow = 0;
    (void)tt__plan_take(&plan, 1, sizeof(tt_generator));
    if (!tt__mul_size(C, T, &CT) || !tt__mul_size(CT, 2 * L, &kvn)) return TT_ERR_INVALID_ARG;
    o->kv = tt__plan_take(&plan, kvn, sizeof(float));
    o->xa = tt__plan_take(&plan, CT, sizeof(float));
    o->xb = tt__plan_take(&plan, CT, sizeof(float));
    o->ln = tt__plan_take(&plan, CT, sizeof(float));
    o->att = tt__plan_take(&plan, CT, sizeof(float));
    o->qkv = tt__plan_take(&plan, CT, 3 * sizeof(float));
    o->h = tt__plan_take(&plan, CT, 4 * sizeof(float));
    o->g = tt__plan_take(&plan, CT, 4 * sizeof(float));
    o->mean = tt__plan_take(&plan, T, sizeof(float));
    o->rstd = tt__plan_take(&plan, T, sizeof(float));
    o->sc = tt__plan_take(&plan, T * NT, sizeof(float));
    o->lg = tt__plan_take(&plan, Vp, sizeof(float));
    o->pr = tt__plan_take(&plan, V, sizeof(float));
    o->idx = tt__plan_take(&plan, V, sizeof(int32_t));
    o->hist = tt__plan_take(&plan, T, sizeof(int32_t));
    if (plan.overflow) return TT_ERR_INVALID_ARG;
    o->total = plan.size;
    return TT_OK;
}

TTDEF tt_status tt_generator_memory_size(const tt_model *m, size_t *out_bytes) {
    tt__gen_plan o;
    if (!m || !out_bytes || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    if (!tt__add_size(o.total, TT__ALIGN, out_bytes)) return TT_ERR_INVALID_ARG; /* alignment slack */
    return TT_OK;
}

TTDEF tt_status tt_generator_create_in(tt_model *m, void *buf, size_t bytes, tt_generator **out) {
    tt__gen_plan o;
    size_t need;
    unsigned char *mem;
    tt_generator *g;
    if (!m || !buf || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &need) != TT_OK || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    if (bytes < need) {
        tt__logf(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_BUFFER_TOO_SMALL, "generator: buffer too small, need bytes: ",
                 (long long)need);
        return TT_ERR_BUFFER_TOO_SMALL;
    }
    mem = (unsigned char *)(((uintptr_t)buf + (TT__ALIGN - 1)) & ~(uintptr_t)(TT__ALIGN - 1));
    memset(mem, 0, sizeof(tt_generator));
    g = (tt_generator *)mem;
    g->m = m;
    g->kv = (float *)(mem + o.kv);
    g->xa = (float *)(mem + o.xa);
    g->xb = (float *)(mem + o.xb);
    g->ln = (float *)(mem + o.ln);
    g->att = (float *)(mem + o.att);
    g->qkv = (float *)(mem + o.qkv);
    g->h = (float *)(mem + o.h);
    g->g = (float *)(mem + o.g);
    g->mean = (float *)(mem + o.mean);
    g->rstd = (float *)(mem + o.rstd);
    g->scores = (float *)(mem + o.sc);
    g->logits = (float *)(mem + o.lg);
    g->prob = (float *)(mem + o.pr);
    g->idx = (int32_t *)(void *)(mem + o.idx);
    g->hist = (int32_t *)(void *)(mem + o.hist);
    *out = g;
    return TT_OK;
}

TTDEF tt_status tt_generator_create(tt_model *m, tt_generator **out) {
    size_t bytes;
    void *mem;
    tt_generator *g = NULL;
    if (!m || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &bytes) != TT_OK) return TT_ERR_INVALID_ARG;
    mem = tt__alloc(&m->cfg.allocator, bytes, TT__ALIGN);
    if (!mem) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "generator: cannot allocate the KV cache");
        return TT_ERR_OUT_OF_MEMORY;
    }
    if (tt_generator_create_in(m, mem, bytes, &g) != TT_OK) { /* cannot fail: sized above */
        tt__free(&m->cfg.allocator, mem, bytes);
        return TT_ERR_INVALID_ARG;
    }
    g->alloc = m->cfg.allocator;
    g->block = mem;
    g->bytes = bytes;
    *out = g;
    return TT_OK;
}

TTDEF void tt_generator_destroy(tt_generator *g) {
    tt_allocator a;
    if (!g || !g->block) return; /* create_in: the caller owns the memory */
    a = g->alloc;
    tt__free(&a, g->block, g->bytes);
}
TTDEF void tt_generator_reset(tt_generator *g) {
    if (!g) return;
    g->pos = 0;
    g->have_logits = 0;
}
TTDEF int tt_generator_pos(const tt_generator *g) { return g ? g->pos : 0; }
TTDEF const float *tt_generator_logits(const tt_generator *g) {
    return g && g->have_logits ? g->logits : NULL;
}

/* attention of new rows [0,n) (positions p0+i) over the cache, one task per
 * (row, head): s_j = q.k_j / sqrt(hs), j <= p0+i; out = softmax(s) V */
typedef struct tt__gen_att { tt_generator *g; const float *kvl; int n, p0; } tt__gen_att;
TT__PRIVATE void tt__gen_att_range(void *ctx, int lo, int hi, int slot) {
    const tt__gen_att *a = (const tt__gen_att *)ctx;
    tt_model *m = a->g->m;
    int C = m->C, NH = m->NH, hs = C / NH, task, j, k;
    float scale = 1.0f / TT_SQRTF((float)hs);
    float *s = a->g->scores + (size_t)slot * (size_t)m->maxT;
    for (task = lo; task < hi; task++) {
        int i = task / NH, h = task % NH, nv = a->p0 + i + 1;
        const float *q = a->g->qkv + (size_t)i * 3 * C + (size_t)h * hs;
        float *o = a->g->att + (size_t)i * C + (size_t)h * hs;
        float mx = -3.0e38f, sum = 0.0f, inv;
        for (j = 0; j < nv; j++) {
            const float *kr = a->kvl + (size_t)j * 2 * C + (size_t)h * hs;
            float d = 0.0f;
            for (k = 0; k < hs; k++) d += q[k] * kr[k];
            s[j] = d * scale;
            if (s[j] > mx) mx = s[j];
        }
        for (j = 0; j < nv; j++) { s[j] = TT_EXPF(s[j] - mx); sum += s[j]; }
        inv = 1.0f / sum;
        for (k = 0; k < hs; k++) o[k] = 0.0f;
        for (j = 0; j < nv; j++) {
            const float *vr = a->kvl + (size_t)j * 2 * C + C + (size_t)h * hs;
            float p = s[j] * inv;
            for (k = 0; k < hs; k++) o[k] += p * vr[k];
        }
    }
}

/* Ops with less work than this many multiply-adds run on the calling
 * thread: waking the pool costs more than it saves (decoding one token of a
 * small model). Results do not depend on it: GEMMs never split K. */
#define TT__GEN_PAR_MACS ((size_t)1 << 20)
TT__PRIVATE void tt__gen_pick(tt_model *m, const tt__exec *par, const tt__exec *ser, size_t macs) {
    m->ex = macs >= TT__GEN_PAR_MACS ? *par : *ser;
}

TTDEF tt_status tt_generator_feed(tt_generator *g, const int32_t *ids, int n) {
    tt_model *m;
    int C, L, T, p0, i, l, k;
    tt__gen_att at;
    tt__exec par, ser;
    size_t nc, attn;
    if (!g || !ids || n < 1) return TT_ERR_INVALID_ARG;
    m = g->m;
    C = m->C; L = m->L; T = m->maxT; p0 = g->pos;
    if (n > T - p0) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generator: feeding past n_ctx (reset first)");
        return TT_ERR_SHAPE;
    }
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->V) {
            tt__logf(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "generator: id out of range: ", (long long)ids[i]);
            return TT_ERR_INVALID_ARG;
        }
    memmove(g->hist + p0, ids, (size_t)n * sizeof(int32_t));
    par = m->ex;
    ser = par;
    ser.n_threads = 1;
    ser.par.parallel_for = NULL;
    ser.par.pool = NULL;
    nc = (size_t)n * (size_t)C;
    attn = nc * (size_t)(p0 + n);
    /* embeddings */
    for (i = 0; i < n; i++) {
        const float *we = m->params_p[TT__P_WTE] + (size_t)g->hist[p0 + i] * C;
        const float *pe = m->params_p[TT__P_WPE] + (size_t)(p0 + i) * C;
        float *x = g->xa + (size_t)i * C;
        for (k = 0; k < C; k++) x[k] = we[k] + pe[k];
    }
    for (l = 0; l < L; l++) {
        float *kvl = g->kv + (size_t)l * (size_t)T * 2 * C;
        tt__gen_pick(m, &par, &ser, nc * 16);
        tt__m_layernorm(m, g->ln, g->mean, g->rstd, g->xa, m->params_p[TT__P_LN1W] + (size_t)l * C,
                        m->params_p[TT__P_LN1B] + (size_t)l * C, n);
        tt__gen_pick(m, &par, &ser, nc * 3 * (size_t)C);
        tt__m_linear(m, g->qkv, g->ln, m->params_p[TT__P_QKVW] + (size_t)l * 3 * C * C,
                     m->params_p[TT__P_QKVB] + (size_t)l * 3 * C, NULL, NULL, n, C, 3 * C);
        for (i = 0; i < n; i++)
            memcpy(kvl + (size_t)(p0 + i) * 2 * C, g->qkv + (size_t)i * 3 * C + C, (size_t)2 * C * sizeof(float));
        at.g = g; at.kvl = kvl; at.n = n; at.p0 = p0;
        tt__gen_pick(m, &par, &ser, 2 * attn);
        tt__for_range(&m->ex, n * m->NH, tt__gen_att_range, &at);
        tt__gen_pick(m, &par, &ser, nc * (size_t)C);
        tt__m_linear(m, g->xb, g->att, m->params_p[TT__P_ATTPROJW] + (size_t)l * C * C,
                     m->params_p[TT__P_ATTPROJB] + (size_t)l * C, g->xa, NULL, n, C, C);
        tt__gen_pick(m, &par, &ser, nc * 16);
        tt__m_layernorm(m, g->ln, g->mean, g->rstd, g->xb, m->params_p[TT__P_LN2W] + (size_t)l * C,
                        m->params_p[TT__P_LN2B] + (size_t)l * C, n);
        tt__gen_pick(m, &par, &ser, nc * 4 * (size_t)C);
        tt__m_linear(m, g->h, g->ln, m->params_p[TT__P_FCW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCB] + (size_t)l * 4 * C, NULL, g->g, n, C, 4 * C);
        tt__m_linear(m, g->xa, g->g, m->params_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCPROJB] + (size_t)l * C, g->xb, NULL, n, 4 * C, C);
    }
    /* final LayerNorm and the lm head for the last new position only */
    m->ex = ser;
    tt__m_layernorm(m, g->ln, g->mean, g->rstd, g->xa + (size_t)(n - 1) * C, m->params_p[TT__P_LNFW],
                    m->params_p[TT__P_LNFB], 1);
    tt__gemm((size_t)m->V * (size_t)C >= TT__GEN_PAR_MACS ? &par : &ser, 1, m->V, C, g->ln, C, 1,
             m->params_p[TT__P_WTE], 1, C, g->logits, m->Vp, 0);
    m->ex = par;
    g->pos = p0 + n;
    g->have_logits = 1;
    return TT_OK;
}

/* ---- sampling ---- */
/* a before b in the candidate order: larger logit first, then smaller id */
TT__PRIVATE int tt__gen_better(const float *z, int32_t a, int32_t b) {
    return z[a] > z[b] || (z[a] == z[b] && a < b);
}
/* min-heap on "better": the root is the worst candidate */
TT__PRIVATE void tt__gen_sift(const float *z, int32_t *h, int n, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        int32_t t;
        if (l < n && tt__gen_better(z, h[w], h[l])) w = l;
        if (r < n && tt__gen_better(z, h[w], h[r])) w = r;
        if (w == i) return;
        t = h[i]; h[i] = h[w]; h[w] = t;
        i = w;
    }
}
/* idx[0..k) = the k best ids in order, best first; O(V log k) */
TT__PRIVATE void tt__gen_topk(const float *z, int V, int k, int32_t *idx) {
    int i, n;
    for (i = 0; i < k; i++) idx[i] = i;
    for (i = k / 2 - 1; i >= 0; i--) tt__gen_sift(z, idx, k, i);
    for (i = k; i < V; i++)
        if (tt__gen_better(z, i, idx[0])) { idx[0] = i; tt__gen_sift(z, idx, k, 0); }
    for (n = k; n > 1; n--) { /* pop the worst to the end */
        int32_t t = idx[0]; idx[0] = idx[n - 1]; idx[n - 1] = t;
        tt__gen_sift(z, idx, n - 1, 0);
    }
}

TTDEF tt_status tt_generator_sample(tt_generator *g, const tt_sample_config *cfg, tt_rng *rng, int32_t *out_id) {
    const float *z;
    float temp = 1.0f, top_p = 1.0f, zmax, u;
    double total = 0.0, cum;
    int V, k, i, n;
    if (!g || !out_id || !g->have_logits) return TT_ERR_INVALID_ARG;
    z = g->logits;
    V = g->m->V;
    k = V;
    if (cfg) {
        if (cfg->temperature != 0.0f) temp = cfg->temperature;
        if (cfg->top_p != 0.0f) top_p = cfg->top_p;
        if (cfg->top_k > 0 && cfg->top_k < V) k = cfg->top_k;
        if (cfg->top_k < 0 || !(temp > 0.0f && temp < 3.0e38f) || !(top_p > 0.0f && top_p <= 1.0f))
            return TT_ERR_INVALID_ARG;
    }
    for (i = 0; i < V; i++) {
        if (!(z[i] >= -3.0e38f && z[i] <= 3.0e38f)) { /* NaN/Inf: the model is broken */
            tt__log(&g->m->cfg.logger, TT_LOG_ERROR, TT_ERR_NONFINITE, "sample: the logits are NaN/Inf (broken parameters?)");
            return TT_ERR_NONFINITE;
        }
    }
    if ((cfg && cfg->greedy) || k == 1) {
        int32_t best = 0;
        for (i = 1; i < V; i++) if (tt__gen_better(z, i, best)) best = i;
        *out_id = best;
        return TT_OK;
    }
    if (!rng) return TT_ERR_INVALID_ARG;
    if (k < V || top_p < 1.0f) {
        tt__gen_topk(z, V, k, g->idx);
        n = k;
    } else {
        for (i = 0; i < V; i++) g->idx[i] = i;
        n = V;
    }
    zmax = z[g->idx[0]];
    for (i = 1; i < n; i++) if (z[g->idx[i]] > zmax) zmax = z[g->idx[i]];
    for (i = 0; i < n; i++) {
        g->prob[i] = TT_EXPF((z[g->idx[i]] - zmax) / temp);
        total += g->prob[i];
    }
    if (top_p < 1.0f) { /* candidates are sorted: keep the smallest prefix reaching top_p */
        double want = (double)top_p * total, c = 0.0;
        for (i = 0; i < n; i++) {
            c += g->prob[i];
            if (c >= want) { n = i + 1; break; }
        }
        total = c;
    }
    u = tt_rng_uniform(rng);
    cum = 0.0;
    for (i = 0; i < n - 1; i++) {
        cum += g->prob[i];
        if ((double)u * total < cum) break;
    }
    *out_id = g->idx[i];
    return TT_OK;
}

TTDEF tt_status tt_generate(tt_generator *g, const int32_t *prompt, int n_prompt, const tt_sample_config *cfg,
                            int32_t *out_ids, int max_new, int *out_n) {
    tt_rng rng;
    tt_status st;
    int n = 0, T;
    int32_t id;
    if (out_n) *out_n = 0;
    if (!g || !prompt || n_prompt < 1 || max_new < 0 || (max_new > 0 && !out_ids)) return TT_ERR_INVALID_ARG;
    T = g->m->maxT;
    if (n_prompt > T) {
        tt__log(&g->m->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generate: prompt longer than n_ctx");
        return TT_ERR_SHAPE;
    }
    tt_rng_seed(&rng, cfg && cfg->seed ? cfg->seed : (uint64_t)TT_DEFAULT_SEED);
    tt_generator_reset(g);
    if ((st = tt_generator_feed(g, prompt, n_prompt)) != TT_OK) return st;
    while (n < max_new) {
        if ((st = tt_generator_sample(g, cfg, &rng, &id)) != TT_OK) break;
        if (cfg && cfg->use_stop && id == cfg->stop_token) break;
        out_ids[n++] = id;
        if (cfg && cfg->on_token && cfg->on_token(cfg->user, id)) break;
        if (n == max_new) break;
        if (g->pos == T) { /* slide: the newest half becomes the new context */
            int keep = T / 2 > 0 ? T / 2 : 1;
            g->pos = 0;
            if ((st = tt_generator_feed(g, g->hist + T - keep, keep)) != TT_OK) break;
            if (g->pos == T) { g->pos = 0; }
        }
        if ((st = tt_generator_feed(g, &id, 1)) != TT_OK) break;
    }
    if (out_n) *out_n = n;
    return st;
}
