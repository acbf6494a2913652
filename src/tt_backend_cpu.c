/* >>backend_cpu  the CPU kernels as an instance of the tt_backend op table
 * (tt_api.h, TT_BACKEND_API_VERSION 2). The model runs every op of a step
 * through a table: this one when cfg.backend is NULL, so the CPU path and an
 * accelerator backend share one dispatch. Buffers are host memory; the ops
 * are those of tt_ops.c over the context's executors and scratch. */
#include "tt_internal.h"

#define TT__CPU(ctx) ((tt__cpu_be *)(ctx))

/* the executor of an op with `macs` multiply-adds (see tt__run) */
TT__PRIVATE const tt__exec *tt__cpu_ex(const tt__cpu_be *c, size_t macs) {
    return macs >= c->par_macs ? &c->par : &c->ser;
}

/* ---- buffers: host memory from the context's allocator ---- */
/* a small header before each buffer keeps its size for free */
#define TT__CPU_HDR 256
TT__PRIVATE tt_status tt__cpu_alloc(void *ctx, size_t bytes, void **out) {
    tt__cpu_be *c = TT__CPU(ctx);
    unsigned char *p;
    size_t total;
    if (!out) return TT_ERR_INVALID_ARG;
    *out = NULL;
    if (!tt__add_size(bytes, TT__CPU_HDR, &total)) return TT_ERR_OUT_OF_MEMORY;
    p = (unsigned char *)tt__alloc(&c->alloc, total, TT__CPU_HDR);
    if (!p) return TT_ERR_OUT_OF_MEMORY;
    memcpy(p, &total, sizeof(total));
    *out = p + TT__CPU_HDR;
    return TT_OK;
}
TT__PRIVATE void tt__cpu_free(void *ctx, void *buf) {
    unsigned char *p;
    size_t total;
    if (!buf) return;
    p = (unsigned char *)buf - TT__CPU_HDR;
    memcpy(&total, p, sizeof(total));
    tt__free(&TT__CPU(ctx)->alloc, p, total);
}
TT__PRIVATE tt_status tt__cpu_copy(void *ctx, void *dst, const void *src, size_t bytes) {
    (void)ctx;
    if (bytes && dst != src) memmove(dst, src, bytes);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_zero(void *ctx, void *dst, size_t bytes) {
    (void)ctx;
    if (bytes) memset(dst, 0, bytes);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_sync(void *ctx) { (void)ctx; return TT_OK; }

/* ---- ops ---- */
TT__PRIVATE tt_status tt__cpu_gemm(void *ctx, const tt_backend_gemm *g) {
    const tt__cpu_be *c = TT__CPU(ctx);
    const tt__exec *ex;
    tt__gemm_epi e;
    ptrdiff_t rsa, csa, rsb, csb;
    int any;
    if (!g || g->M < 0 || g->N < 0 || g->K < 0 || (g->bias_grad && g->layout != TT_GEMM_TN)) return TT_ERR_INVALID_ARG;
    switch (g->layout) {
    case TT_GEMM_NT: rsa = g->lda; csa = 1; rsb = 1; csb = g->ldb; break;
    case TT_GEMM_NN: rsa = g->lda; csa = 1; rsb = g->ldb; csb = 1; break;
    case TT_GEMM_TN: rsa = 1; csa = g->lda; rsb = g->ldb; csb = 1; break;
    default: return TT_ERR_INVALID_ARG;
    }
    memset(&e, 0, sizeof(e));
    e.bias = g->bias; e.res = g->res; e.ldr = g->ldr; e.gelu_out = g->gelu_out; e.ldg = g->ldg;
    e.gelu_bwd_x = g->gelu_bwd_x; e.ldx = g->ldx;
    any = e.bias || e.res || e.gelu_out || e.gelu_bwd_x;
    ex = tt__cpu_ex(c, (size_t)g->M * (size_t)g->N * (size_t)g->K);
    if (g->bf16) {
        tt__gemm_bf16_ex(ex, g->M, g->N, g->K, g->A, rsa, csa, g->B_bf16 ? NULL : g->B, g->B_bf16, rsb, csb, g->C,
                         g->ldc, g->accumulate, any ? &e : NULL, g->bias_grad);
        return TT_OK;
    }
    tt__gemm_ex(ex, g->M, g->N, g->K, g->A, rsa, csa, g->B, rsb, csb, NULL, g->C, g->ldc, g->accumulate,
                any ? &e : NULL, g->bias_grad);
    return TT_OK;
}

TT__PRIVATE tt_status tt__cpu_embed_fwd(void *ctx, float *x, const int32_t *tokens, const float *wte,
                                        const float *wpe, int B, int T, int pos0, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_embed_fwd(tt__cpu_ex(c, (size_t)B * (size_t)T * (size_t)C), x, tokens, wte, wpe, B, T, pos0, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_embed_bwd(void *ctx, float *dwte, float *dwpe, const float *dx, const int32_t *tokens,
                                        int B, int T, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_embed_bwd(tt__cpu_ex(c, (size_t)B * (size_t)T * (size_t)C), dwte, dwpe, dx, tokens, B, T, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_layernorm_fwd(void *ctx, float *y, float *mean, float *rstd, const float *x,
                                            const float *w, const float *b, int N, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_layernorm_fwd(tt__cpu_ex(c, (size_t)N * (size_t)C * 16), y, mean, rstd, x, w, b, N, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_layernorm_bwd(void *ctx, float *dx, float *dw, float *db, const float *dy,
                                            const float *x, const float *w, const float *mean, const float *rstd,
                                            int N, int C, int accumulate) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_layernorm_bwd(tt__cpu_ex(c, (size_t)N * (size_t)C * 16), dx, dw, db, dy, x, w, mean, rstd, N, C,
                         accumulate);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_fwd(void *ctx, float *out, float *lse, const float *qkv, int B, int T,
                                            int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    if (T > c->max_T) return TT_ERR_INVALID_ARG; /* the per-slot scratch holds rows of T scores */
    tt__op_attention_fwd(tt__cpu_ex(c, 2 * (size_t)B * (size_t)T * (size_t)C * (size_t)T), out, lse, qkv, B, T,
                         C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_bwd(void *ctx, float *dqkv, const float *dout, const float *qkv,
                                            const float *out, const float *lse, int B, int T, int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    (void)out; /* rowsum(dout * out) is recomputed from P and dP */
    if (T > c->max_T) return TT_ERR_INVALID_ARG;
    tt__op_attention_bwd(tt__cpu_ex(c, 2 * (size_t)B * (size_t)T * (size_t)C * (size_t)T), dqkv, dout, qkv, lse,
                         B, T, C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_cached(void *ctx, float *out, const float *qkv, float *kv, int p0, int n,
                                               int n_ctx, int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    const tt__exec *ex = tt__cpu_ex(c, 2 * (size_t)n * (size_t)C * (size_t)(p0 + n));
    tt__attn_arg a;
    if (p0 < 0 || n < 1 || p0 + n > n_ctx || n_ctx > c->max_T) return TT_ERR_INVALID_ARG;
    /* the scores of one (row, head) task per slot, in the slot's scratch
     * (the cached attention runs no GEMM, so all of it is free) */
    a.kv = kv; a.scores = ex->scratch; a.ld_scores = ex->scratch_floats; a.p0 = p0;
    tt__op_attention_cached(ex, out, qkv, &a, n, C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_lm_head(void *ctx, const tt_backend_head *h) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__head_arg a;
    if (!c->head || h->Vp > c->max_Vp || h->mode < 0 || h->mode > 2) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    a.x = h->x; a.wte = h->wte; a.targets = h->targets;
    a.head = c->head; a.row_lse = h->row_lse; a.row_loss = h->row_loss; a.dx = h->dx; a.dwte = h->dwte;
    /* the packed wte copies were sized for this V and C */
    if (h->V == c->pk_V && h->C == c->pk_C) { a.pk_fwd = c->pk_fwd; a.pk_dx = c->pk_dx; }
    a.N = h->N; a.V = h->V; a.Vp = h->Vp; a.C = h->C; a.mode = h->mode; a.scale = h->scale;
    a.rows = c->head_rows > 0 ? c->head_rows : TT__HEAD_ROWS;
    a.prof = c->prof;
    tt__op_head(&c->par, &a);
    return TT_OK;
}

/* ---- parameter statistics: per chunk of TT__NORM_CHUNK floats, in
 * parallel; the chunk results combined in chunk order (deterministic) ---- */
typedef struct tt__stats_job {
    const float *g, *p, *m, *v;
    size_t n;
    double *sums;
    uint32_t *bounds; /* 4 per chunk */
} tt__stats_job;
TT__PRIVATE void tt__cpu_stats_range(void *ctx, int lo, int hi, int slot) {
    const tt__stats_job *j = (const tt__stats_job *)ctx;
    int ch;
    (void)slot;
    for (ch = lo; ch < hi; ch++) {
        size_t i0 = (size_t)ch * TT__NORM_CHUNK, i1 = i0 + TT__NORM_CHUNK, i;
        double s = 0.0;
        uint32_t gb = 0, pb = 0, mb = 0, vb = 0, u;
        if (i1 > j->n) i1 = j->n;
        /* one pass: the maxima run in the shadow of the sum's dependency chain */
        for (i = i0; i < i1; i++) {
            s += (double)j->g[i] * (double)j->g[i];
            memcpy(&u, j->g + i, sizeof(u)); u &= 0x7fffffffu; gb = u > gb ? u : gb;
            memcpy(&u, j->p + i, sizeof(u)); u &= 0x7fffffffu; pb = u > pb ? u : pb;
            if (j->m) { memcpy(&u, j->m + i, sizeof(u)); u &= 0x7fffffffu; mb = u > mb ? u : mb; }
            if (j->v) { memcpy(&u, j->v + i, sizeof(u)); vb = u > vb ? u : vb; }
        }
        j->sums[ch] = s;
        j->bounds[4 * ch + 0] = gb; j->bounds[4 * ch + 1] = pb;
        j->bounds[4 * ch + 2] = mb; j->bounds[4 * ch + 3] = vb;
    }
}
TT__PRIVATE tt_status tt__cpu_param_stats(void *ctx, tt_backend_stats *out, const float *g, const float *p,
                                          const float *m, const float *v, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__stats_job j;
    int n_chunks = (int)(n / TT__NORM_CHUNK + 1), i;
    if (!out || n > c->max_stats) return TT_ERR_INVALID_ARG;
    j.g = g; j.p = p; j.m = m; j.v = v; j.n = n;
    j.sums = c->partials;
    j.bounds = (uint32_t *)(void *)(c->partials + n_chunks);
    tt__for_range(&c->par, n_chunks, tt__cpu_stats_range, &j);
    memset(out, 0, sizeof(*out));
    for (i = 0; i < n_chunks; i++) {
        out->sumsq += j.sums[i];
        if (j.bounds[4 * i + 0] > out->max_g) out->max_g = j.bounds[4 * i + 0];
        if (j.bounds[4 * i + 1] > out->max_p) out->max_p = j.bounds[4 * i + 1];
        if (j.bounds[4 * i + 2] > out->max_m) out->max_m = j.bounds[4 * i + 2];
        if (j.bounds[4 * i + 3] > out->max_v) out->max_v = j.bounds[4 * i + 3];
    }
    return TT_OK;
}

/* ---- AdamW over one decay group, in contiguous ranges (elementwise: the
 * split does not change a bit) ---- */
typedef struct tt__adamw_arg {
    const tt__exec *ex;
    float *p, *m, *v, *g;
    float lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt;
} tt__adamw_arg;
TT__PRIVATE void tt__cpu_adamw_range(void *ctx, int lo, int hi, int slot) {
    const tt__adamw_arg *a = (const tt__adamw_arg *)ctx;
    size_t i0 = (size_t)lo * 1024, i1 = (size_t)hi * 1024;
    (void)slot;
    tt__adamw(a->ex, a->p + i0, a->m + i0, a->v + i0, a->g + i0, i1 - i0, a->lr, a->b1, a->b2, a->eps, a->wd,
              a->gscale, a->bc1, a->bc2_sqrt);
    memset(a->g + i0, 0, (i1 - i0) * sizeof(float));
}
TT__PRIVATE tt_status tt__cpu_adamw(void *ctx, float *p, float *m, float *v, float *g, size_t n, float lr,
                                    float beta1, float beta2, float eps, float weight_decay, float grad_scale,
                                    float bc1, float bc2_sqrt) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__adamw_arg a;
    size_t whole = n / 1024 * 1024;
    a.ex = &c->par; a.p = p; a.m = m; a.v = v; a.g = g;
    a.lr = lr; a.b1 = beta1; a.b2 = beta2; a.eps = eps; a.wd = weight_decay; a.gscale = grad_scale;
    a.bc1 = bc1; a.bc2_sqrt = bc2_sqrt;
    /* whole 1024-float blocks in parallel (small groups on this thread), the tail here */
    if (whole > 0) tt__for_range(whole >= ((size_t)1 << 15) ? &c->par : &c->ser, (int)(whole / 1024),
                                 tt__cpu_adamw_range, &a);
    if (n > whole) {
        tt__adamw(&c->ser, p + whole, m + whole, v + whole, g + whole, n - whole, lr, beta1, beta2, eps,
                  weight_decay, grad_scale, bc1, bc2_sqrt);
        memset(g + whole, 0, (n - whole) * sizeof(float));
    }
    return TT_OK;
}

/* GELU over n floats in contiguous ranges (elementwise: any split, same bits) */
typedef struct tt__gelu_arg { const tt__exec *ex; float *y; const float *x; } tt__gelu_arg;
TT__PRIVATE void tt__cpu_gelu_range(void *ctx, int lo, int hi, int slot) {
    const tt__gelu_arg *a = (const tt__gelu_arg *)ctx;
    (void)slot;
    tt__gelu_fwd(a->ex, a->y, a->x, (size_t)lo * 1024, (size_t)hi * 1024);
}
TT__PRIVATE tt_status tt__cpu_gelu_fwd(void *ctx, float *y, const float *x, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__gelu_arg a;
    size_t whole = n / 1024 * 1024;
    a.ex = &c->par; a.y = y; a.x = x;
    if (whole > 0) tt__for_range(tt__cpu_ex(c, n * 16), (int)(whole / 1024), tt__cpu_gelu_range, &a);
    if (n > whole) tt__gelu_fwd(&c->ser, y, x, whole, n);
    return TT_OK;
}

TT__PRIVATE tt_status tt__cpu_to_bf16(void *ctx, uint16_t *dst, const float *src, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__bf16_from_f32_n(tt__cpu_ex(c, n * 4), dst, src, n);
    return TT_OK;
}

TT__PRIVATE void tt__cpu_backend_init(tt_backend *be, tt__cpu_be *ctx) {
    memset(be, 0, sizeof(*be));
    be->api_version = TT_BACKEND_API_VERSION;
    be->name = "cpu";
    be->ctx = ctx;
    be->alloc = tt__cpu_alloc;
    be->free = tt__cpu_free;
    be->upload = tt__cpu_copy;
    be->download = tt__cpu_copy;
    be->zero = tt__cpu_zero;
    be->copy = tt__cpu_copy;
    be->sync = tt__cpu_sync;
    be->gemm = tt__cpu_gemm;
    be->embed_fwd = tt__cpu_embed_fwd;
    be->embed_bwd = tt__cpu_embed_bwd;
    be->layernorm_fwd = tt__cpu_layernorm_fwd;
    be->layernorm_bwd = tt__cpu_layernorm_bwd;
    be->attention_fwd = tt__cpu_attention_fwd;
    be->attention_bwd = tt__cpu_attention_bwd;
    be->attention_cached = tt__cpu_attention_cached;
    be->lm_head = tt__cpu_lm_head;
    be->param_stats = tt__cpu_param_stats;
    be->adamw = tt__cpu_adamw;
    be->gelu_fwd = tt__cpu_gelu_fwd;
    be->to_bf16 = tt__cpu_to_bf16;
}
