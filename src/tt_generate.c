/* >>generate  KV-cache inference (the block of tt_ops.c with cached
 * attention, over the model's weight views), per-position logits and
 * scores, and sampling (temperature, top-k, top-p). */
#include "tt_internal.h"

struct tt_generator {
    tt_model *m;
    tt_model_config cfg;  /* the model's (logger, allocator, sizes) */
    int V, Vp, C, L, NH, T;
    const tt_backend *be; /* the model's op table, or be_cpu */
    tt_backend be_cpu;    /* the CPU instance over the model's executor (ops under TT__GEN_PAR_MACS on one thread) */
    tt__cpu_be cpu;
    void *dbuf;           /* a backend's buffer for the arrays marked [b] below, or NULL */
    tt__model_w gw;       /* wte, wpe, lnf of the model */
    tt_allocator alloc;
    void *block;          /* what tt_generator_create allocated, or NULL (create_in) */
    size_t bytes;
    int pos;              /* positions in the cache */
    int have_logits;
    float *kv;            /* [b] (L, n_ctx, 2C): key at [0,C), value at [C,2C) */
    float *xa, *xb, *ln, *att;  /* [b] (n_ctx, C) each */
    float *qkv;           /* [b] (n_ctx, 3C) */
    float *h, *g;         /* [b] (n_ctx, 4C) each */
    float *mean, *rstd;   /* [b] (n_ctx) */
    float *dlogits;       /* [b] (Vp) the last row's logits where the ops run */
    int32_t *tok;         /* [b] (n_ctx) ids where the ops run */
    float *logits;        /* (Vp) host copy of dlogits (the same array on the CPU) */
    float *prob;          /* (V) sampling weights */
    int32_t *idx;         /* (V) candidate ids */
    int32_t *hist;        /* (n_ctx) ids in the cache */
};

/* the generator's memory plan: byte offsets of its arrays from the struct;
 * with a backend the [b] arrays are offsets into its buffer of dbytes */
typedef struct tt__gen_plan {
    size_t kv, xa, xb, ln, att, qkv, h, g, mean, rstd, dlg, tok, lg, pr, idx, hist, total, dbytes;
} tt__gen_plan;
TT__PRIVATE tt_status tt__gen_plan_make(const tt_model *m, tt__gen_plan *o) {
    tt__plan plan, dplan, *d;
    tt_model_config c = tt_model_get_config(m);
    size_t C, T, L, V, Vp, CT, kvn;
    int on_backend = tt__model_cfg_backend(m) != NULL;
    C = (size_t)c.d_model; T = (size_t)c.n_ctx; L = (size_t)c.n_layer; V = (size_t)c.vocab_size;
    Vp = (size_t)tt__model_vp(m);
    plan.size = 0; plan.overflow = 0;
    dplan.size = 0; dplan.overflow = 0;
    d = on_backend ? &dplan : &plan;
    (void)tt__plan_take(&plan, 1, sizeof(tt_generator));
    if (!tt__mul_size(C, T, &CT) || !tt__mul_size(CT, 2 * L, &kvn)) return TT_ERR_INVALID_ARG;
    o->kv = tt__plan_take(d, kvn, sizeof(float));
    o->xa = tt__plan_take(d, CT, sizeof(float));
    o->xb = tt__plan_take(d, CT, sizeof(float));
    o->ln = tt__plan_take(d, CT, sizeof(float));
    o->att = tt__plan_take(d, CT, sizeof(float));
    o->qkv = tt__plan_take(d, CT, 3 * sizeof(float));
    o->h = tt__plan_take(d, CT, 4 * sizeof(float));
    o->g = tt__plan_take(d, CT, 4 * sizeof(float));
    o->mean = tt__plan_take(d, T, sizeof(float));
    o->rstd = tt__plan_take(d, T, sizeof(float));
    o->dlg = on_backend ? tt__plan_take(d, Vp, sizeof(float)) : 0;
    o->tok = on_backend ? tt__plan_take(d, T, sizeof(int32_t)) : 0;
    o->lg = tt__plan_take(&plan, Vp, sizeof(float));
    o->pr = tt__plan_take(&plan, V, sizeof(float));
    o->idx = tt__plan_take(&plan, V, sizeof(int32_t));
    o->hist = tt__plan_take(&plan, T, sizeof(int32_t));
    if (plan.overflow || dplan.overflow) return TT_ERR_INVALID_ARG;
    o->total = plan.size;
    o->dbytes = dplan.size;
    return TT_OK;
}

TTDEF tt_status tt_generator_memory_size(const tt_model *m, size_t *out_bytes) {
    tt__gen_plan o;
    if (!m || !out_bytes || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    if (!tt__add_size(o.total, TT__ALIGN, out_bytes)) return TT_ERR_INVALID_ARG; /* alignment slack */
    return TT_OK;
}

/* Ops with less work than this many multiply-adds run on the calling
 * thread: waking the pool costs more than it saves (decoding one token of a
 * small model). Results do not depend on it: GEMMs never split K. */
#define TT__GEN_PAR_MACS ((size_t)1 << 20)

TTDEF tt_status tt_generator_create_in(tt_model *m, void *buf, size_t bytes, tt_generator **out) {
    tt__gen_plan o;
    size_t need;
    unsigned char *mem, *dm;
    tt_generator *g;
    tt_model_config c;
    const tt_backend *mbe;
    if (!m || !buf || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &need) != TT_OK || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    c = tt_model_get_config(m);
    if (bytes < need) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_BUFFER_TOO_SMALL, "generator: buffer too small, need bytes: ",
                 (long long)need);
        return TT_ERR_BUFFER_TOO_SMALL;
    }
    mem = (unsigned char *)(((uintptr_t)buf + (TT__ALIGN - 1)) & ~(uintptr_t)(TT__ALIGN - 1));
    memset(mem, 0, sizeof(tt_generator));
    g = (tt_generator *)mem;
    g->m = m;
    g->cfg = c;
    g->V = c.vocab_size; g->Vp = tt__model_vp(m); g->C = c.d_model; g->L = c.n_layer; g->NH = c.n_head;
    g->T = c.n_ctx;
    mbe = tt__model_cfg_backend(m);
    if (mbe) { /* the model's backend: the cache and activations in its memory */
        tt_status st = mbe->alloc(mbe->ctx, o.dbytes, &g->dbuf);
        if (st != TT_OK || !g->dbuf) {
            tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "generator: backend allocation failed, bytes: ",
                     (long long)o.dbytes);
            return st != TT_OK ? st : TT_ERR_BACKEND;
        }
        g->be = mbe;
        dm = (unsigned char *)g->dbuf;
    } else {
        /* the CPU instance over the model's executor (its pool and scratch:
         * not concurrently with a training step) and a serial copy for ops
         * too small to share */
        memset(&g->cpu, 0, sizeof(g->cpu));
        g->cpu.par = *tt__model_exec(m);
        g->cpu.ser = g->cpu.par;
        g->cpu.ser.n_threads = 1;
        g->cpu.ser.par.parallel_for = NULL;
        g->cpu.ser.par.pool = NULL;
        g->cpu.par_macs = TT__GEN_PAR_MACS;
        g->cpu.max_Vp = g->Vp;
        g->cpu.max_T = g->T;
        g->cpu.alloc = c.allocator;
        tt__cpu_backend_init(&g->be_cpu, &g->cpu);
        g->be = &g->be_cpu;
        dm = mem;
    }
    tt__model_globals(m, &g->gw);
    g->kv = (float *)(dm + o.kv);
    g->xa = (float *)(dm + o.xa);
    g->xb = (float *)(dm + o.xb);
    g->ln = (float *)(dm + o.ln);
    g->att = (float *)(dm + o.att);
    g->qkv = (float *)(dm + o.qkv);
    g->h = (float *)(dm + o.h);
    g->g = (float *)(dm + o.g);
    g->mean = (float *)(dm + o.mean);
    g->rstd = (float *)(dm + o.rstd);
    g->logits = (float *)(mem + o.lg);
    g->prob = (float *)(mem + o.pr);
    g->idx = (int32_t *)(void *)(mem + o.idx);
    g->hist = (int32_t *)(void *)(mem + o.hist);
    g->dlogits = mbe ? (float *)(dm + o.dlg) : g->logits;
    g->tok = mbe ? (int32_t *)(void *)(dm + o.tok) : g->hist;
    *out = g;
    return TT_OK;
}

TTDEF tt_status tt_generator_create(tt_model *m, tt_generator **out) {
    size_t bytes;
    void *mem;
    tt_generator *g = NULL;
    tt_model_config c;
    tt_status st;
    if (!m || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &bytes) != TT_OK) return TT_ERR_INVALID_ARG;
    c = tt_model_get_config(m);
    mem = tt__alloc(&c.allocator, bytes, TT__ALIGN);
    if (!mem) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "generator: cannot allocate the KV cache");
        return TT_ERR_OUT_OF_MEMORY;
    }
    if ((st = tt_generator_create_in(m, mem, bytes, &g)) != TT_OK) { /* sized above: only a backend can fail */
        tt__free(&c.allocator, mem, bytes);
        return st;
    }
    g->alloc = c.allocator;
    g->block = mem;
    g->bytes = bytes;
    *out = g;
    return TT_OK;
}

TTDEF void tt_generator_destroy(tt_generator *g) {
    tt_allocator a;
    if (!g) return;
    if (g->dbuf) g->be->free(g->be->ctx, g->dbuf);
    g->dbuf = NULL;
    if (!g->block) return; /* create_in: the caller owns the memory */
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

TT__PRIVATE tt__bk tt__gen_bk(const tt_generator *g) {
    tt__bk k;
    k.be = g->be; k.prof = NULL; k.st = TT_OK;
    k.wh = NULL; k.wbase = NULL; /* generation runs fp32 */
    return k;
}
TT__PRIVATE tt_status tt__gen_failed(tt_generator *g, const tt__bk *k) {
    g->have_logits = 0;
    tt__log(&g->cfg.logger, TT_LOG_ERROR, k->st, "generator: a backend op failed");
    return k->st;
}
/* rows of logits where the ops run -> host dst (nothing when the same array) */
TT__PRIVATE void tt__gen_to_host(const tt_generator *g, tt__bk *k, float *dst, const float *src, size_t n) {
    if (k->st != TT_OK || dst == src) return;
    k->st = g->be->download(g->be->ctx, dst, src, n * sizeof(float));
}

/* the n new rows through every layer (tt__block_fwd with cached attention),
 * leaving the last layer's output in g->xa */
TT__PRIVATE tt_status tt__gen_layers(tt_generator *g, tt__bk *k, const int32_t *ids, int n) {
    int C = g->C, T = g->T, p0 = g->pos, i, l;
    tt__layer_w w;
    tt__layer_acts a;
    tt__attn_arg att;
    if (n > T - p0) {
        tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generator: feeding past n_ctx (reset first)");
        return TT_ERR_SHAPE;
    }
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= g->V) {
            tt__logf(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "generator: id out of range: ", (long long)ids[i]);
            return TT_ERR_INVALID_ARG;
        }
    g->have_logits = 0; /* the ops below replace the cache's rows and the logits */
    memmove(g->hist + p0, ids, (size_t)n * sizeof(int32_t));
    if (g->tok != g->hist) k->st = g->be->upload(g->be->ctx, g->tok + p0, g->hist + p0, (size_t)n * sizeof(int32_t));
    TT__BK(k, TT_OP_EMBEDDING, 0.0, embed_fwd(g->be->ctx, g->xa, g->tok + p0, g->gw.wte, g->gw.wpe, 1, n, p0, C));
    /* the block's activations in the generator's (n_ctx, .) buffers: the
     * residual stream updated in place in xa, ln1 and ln2 sharing ln */
    memset(&a, 0, sizeof(a));
    a.in = g->xa; a.res3 = g->xa;
    a.ln1 = a.ln2 = g->ln; a.ln1_mean = a.ln2_mean = g->mean; a.ln1_rstd = a.ln2_rstd = g->rstd;
    a.qkv = g->qkv; a.atty = g->att; a.res2 = g->xb; a.fch = g->h; a.fch_gelu = g->g;
    memset(&att, 0, sizeof(att));
    att.p0 = p0; att.n_ctx = T;
    for (l = 0; l < g->L; l++) {
        tt__model_layer_w(g->m, l, &w);
        att.kv = g->kv + (size_t)l * (size_t)T * 2 * C;
        tt__block_fwd(k, &w, &a, &att, 1, n, C, g->NH);
    }
    return k->st;
}

TTDEF tt_status tt_generator_feed(tt_generator *g, const int32_t *ids, int n) {
    tt_status st;
    tt__bk k;
    int C;
    if (!g || !ids || n < 1) return TT_ERR_INVALID_ARG;
    k = tt__gen_bk(g);
    if ((st = tt__gen_layers(g, &k, ids, n)) != TT_OK) return k.st != TT_OK ? tt__gen_failed(g, &k) : st;
    C = g->C;
    /* final LayerNorm and the lm head for the last new position only */
    tt__bk_layernorm_fwd(&k, g->ln, g->mean, g->rstd, g->xa + (size_t)(n - 1) * C, g->gw.lnfw, g->gw.lnfb, 1, C);
    tt__bk_logits(&k, g->dlogits, g->Vp, g->ln, C, g->gw.wte, 1, g->V, C);
    tt__gen_to_host(g, &k, g->logits, g->dlogits, (size_t)g->Vp);
    g->pos += n;
    if (k.st != TT_OK) return tt__gen_failed(g, &k);
    g->have_logits = 1;
    return TT_OK;
}

/* after tt__gen_layers of n rows: the final LayerNorm of all of them into
 * g->ln, then the logits of rows [0, n_rows) chunk by chunk into the
 * (n_ctx, 4C) MLP scratch (free now; row by row in dlogits when a row does
 * not fit there), each chunk handed to fn on the host row by row */
typedef void (*tt__gen_row_fn)(void *user, int r, const float *z);
TT__PRIVATE void tt__gen_rows(tt_generator *g, tt__bk *k, int n, int n_rows, tt__gen_row_fn fn, void *user) {
    int R, r0, i, V = g->V, C = g->C;
    size_t Vp = (size_t)g->Vp;
    float *buf;
    tt__bk_layernorm_fwd(k, g->ln, g->mean, g->rstd, g->xa, g->gw.lnfw, g->gw.lnfb, n, C);
    R = (int)((size_t)g->T * 4 * (size_t)C / Vp);
    if (R >= 1) buf = g->h;
    else { R = 1; buf = g->dlogits; }
    for (r0 = 0; r0 < n_rows && k->st == TT_OK; r0 += R) {
        int rows = n_rows - r0 < R ? n_rows - r0 : R;
        tt__bk_logits(k, buf, (ptrdiff_t)Vp, g->ln + (size_t)r0 * C, C, g->gw.wte, rows, V, C);
        for (i = 0; i < rows && k->st == TT_OK; i++) {
            const float *z = buf + (size_t)i * Vp;
            if (g->be != &g->be_cpu) { /* one row to the host (the sampling buffer is free for it) */
                tt__gen_to_host(g, k, g->logits, z, (size_t)V);
                z = g->logits;
            }
            if (k->st == TT_OK) fn(user, r0 + i, z);
        }
    }
    /* the feed's last-row logits back where sampling reads them: recomputed
     * when dlogits served as the chunk buffer, else downloaded again when
     * the host copy served as the row buffer (a backend) */
    if (buf == g->dlogits)
        tt__bk_logits(k, g->dlogits, (ptrdiff_t)Vp, g->ln + (size_t)(n - 1) * C, C, g->gw.wte, 1, V, C);
    if (buf == g->dlogits || g->be != &g->be_cpu) tt__gen_to_host(g, k, g->logits, g->dlogits, Vp);
}

typedef struct tt__gen_copy { float *out; int V; } tt__gen_copy;
TT__PRIVATE void tt__gen_copy_row(void *user, int r, const float *z) {
    const tt__gen_copy *c = (const tt__gen_copy *)user;
    memcpy(c->out + (size_t)r * c->V, z, (size_t)c->V * sizeof(float));
}
TTDEF tt_status tt_generator_feed_logits(tt_generator *g, const int32_t *ids, int n, float *out, size_t cap) {
    size_t need;
    tt_status st;
    tt__bk k;
    tt__gen_copy c;
    if (!g || !ids || !out || n < 1) return TT_ERR_INVALID_ARG;
    if (!tt__mul_size((size_t)n, (size_t)g->V, &need) || cap < need) return TT_ERR_BUFFER_TOO_SMALL;
    if ((st = tt_generator_feed(g, ids, n)) != TT_OK) return st;
    k = tt__gen_bk(g);
    c.out = out; c.V = g->V;
    tt__gen_rows(g, &k, n, n, tt__gen_copy_row, &c);
    return k.st != TT_OK ? tt__gen_failed(g, &k) : TT_OK;
}

typedef struct tt__gen_loss { const int32_t *ids; float *out; int V; } tt__gen_loss;
TT__PRIVATE void tt__gen_loss_row(void *user, int r, const float *z) {
    const tt__gen_loss *c = (const tt__gen_loss *)user;
    float mx = z[0];
    double s = 0.0;
    int j;
    for (j = 1; j < c->V; j++) if (z[j] > mx) mx = z[j];
    for (j = 0; j < c->V; j++) s += (double)TT_EXPF(z[j] - mx);
    c->out[r] = (float)((double)mx + (double)TT_LOGF((float)s) - (double)z[c->ids[r + 1]]);
}
TTDEF tt_status tt_generator_score(tt_generator *g, const int32_t *ids, int n, float *out_losses) {
    tt_status st;
    tt__bk k;
    tt__gen_loss c;
    if (!g || !ids || !out_losses || n < 2) return TT_ERR_INVALID_ARG;
    if ((st = tt_generator_feed(g, ids, n)) != TT_OK) return st;
    k = tt__gen_bk(g);
    c.ids = ids; c.out = out_losses; c.V = g->V;
    tt__gen_rows(g, &k, n, n - 1, tt__gen_loss_row, &c);
    return k.st != TT_OK ? tt__gen_failed(g, &k) : TT_OK;
}

/* ---- sampling ---- */
/* a before b in the candidate order: larger logit first, then smaller id */
TT__PRIVATE int tt__gen_better(const float *z, int32_t a, int32_t b) {
    return z[a] > z[b] || (z[a] == z[b] && a < b);
}
/* the heap order for top-k: x after y in the candidate order, so the root
 * of the shared binary heap (tt_hashheap.c) is the worst candidate kept */
TT__PRIVATE int tt__gen_worse(const void *z, const void *x, const void *y) {
    return tt__gen_better((const float *)z, *(const int32_t *)y, *(const int32_t *)x);
}
/* idx[0..k) = the k best ids in order, best first; O(V log k). The order is
 * total (ids differ), so the result does not depend on the heap's moves. */
TT__PRIVATE void tt__gen_topk(const float *z, int V, int k, int32_t *idx) {
    tt__heap h;
    int32_t i;
    h.base = idx; h.n = 0; h.cap = (size_t)k; h.elem = sizeof(int32_t);
    for (i = 0; i < k; i++) tt__heap_push(&h, &i, tt__gen_worse, z);
    for (i = k; i < V; i++)
        if (tt__gen_better(z, i, idx[0])) { idx[0] = i; tt__heap_sift_down(&h, 0, tt__gen_worse, z); }
    while (h.n > 1) tt__heap_pop(&h, idx + h.n - 1, tt__gen_worse, z); /* the worst to the end */
}

TTDEF tt_status tt_generator_sample(tt_generator *g, const tt_sample_config *cfg, tt_rng *rng, int32_t *out_id) {
    const float *z;
    float temp = 1.0f, top_p = 1.0f, zmax, u;
    double total = 0.0, cum;
    int V, k, i, n;
    if (!g || !out_id || !g->have_logits) return TT_ERR_INVALID_ARG;
    z = g->logits;
    V = g->V;
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
            tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_NONFINITE, "sample: the logits are NaN/Inf (broken parameters?)");
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
    T = g->T;
    if (n_prompt > T) {
        tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generate: prompt longer than n_ctx");
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
