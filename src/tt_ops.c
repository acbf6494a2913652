/* >>ops  the model's ops over an executor and plain buffers (embedding,
 * LayerNorm, linear, attention full and cached, lm head + cross-entropy),
 * and the GPT-2 block written once over per-layer views (tt_internal.h).
 * Nothing here reads the model: shapes are arguments (B, T, C, NH, V). */
#include "tt_internal.h"

/* ---- profiling ---- */
TT__PRIVATE double tt__prof_begin(tt__prof *p) { return p ? p->now(p->user) : 0.0; }
TT__PRIVATE void tt__prof_end(tt__prof *p, int kind, double t0, double flops) {
    if (!p) return;
    p->st.seconds[kind] += p->now(p->user) - t0;
    p->st.flops[kind] += flops;
    p->st.calls[kind]++;
}
/* stmt timed as op kind (one branch each side when profiling is off) */
#define TT__TIMED(prof, kind, flops, stmt) do { \
        double tt__t0_ = tt__prof_begin(prof); \
        stmt; \
        if (prof) tt__prof_end((prof), (kind), tt__t0_, (flops)); \
    } while (0)

/* ---- parallel helpers: fixed contiguous ranges, one task per thread ---- */
typedef struct tt__range_job {
    void (*fn)(void *ctx, int lo, int hi, int slot);
    void *ctx;
    int n, n_tasks;
} tt__range_job;

TT__PRIVATE void tt__range_task(void *arg, int t) {
    const tt__range_job *j = (const tt__range_job *)arg;
    int chunk = (j->n + j->n_tasks - 1) / j->n_tasks;
    int lo = t * chunk, hi = lo + chunk < j->n ? lo + chunk : j->n;
    if (lo < hi) j->fn(j->ctx, lo, hi, t);
}

/* run fn over [0,n) split into n_threads contiguous ranges; slot = task index
 * (slot < n_threads, for per-slot scratch). Only for work whose results do not
 * depend on the split (independent rows or columns). */
TT__PRIVATE void tt__for_range(const tt__exec *ex, int n, void (*fn)(void *, int, int, int), void *ctx) {
    tt__range_job j;
    j.fn = fn; j.ctx = ctx; j.n = n;
    j.n_tasks = ex->n_threads < n ? ex->n_threads : n;
    if (j.n_tasks < 1) j.n_tasks = 1;
    tt__parallel_for(ex, j.n_tasks, tt__range_task, &j);
}

/* ---- op contexts ---- */
typedef struct tt__op {
    const tt__exec *ex;
    const float *x, *w, *b, *dy, *wpe;
    const int32_t *tok;
    float *y, *mean, *rstd, *dx, *dw, *db, *lse;
    const float *mean_c, *rstd_c, *lse_c;
    int N, C, B, T, NH, pos0, accumulate;
} tt__op;

/* ---- embedding ---- */
TT__PRIVATE void tt__embed_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int r, i, C = o->C;
    (void)slot;
    for (r = lo; r < hi; r++) {
        const float *we = o->w + (size_t)o->tok[r] * C;
        const float *pe = o->wpe + (size_t)(o->pos0 + r % o->T) * C;
        float *x = o->y + (size_t)r * C;
        for (i = 0; i < C; i++) x[i] = we[i] + pe[i];
    }
}
TT__PRIVATE void tt__op_embed_fwd(const tt__exec *ex, float *x, const int32_t *tokens, const float *wte,
                                  const float *wpe, int B, int T, int pos0, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.y = x; o.tok = tokens; o.w = wte; o.wpe = wpe; o.T = T; o.pos0 = pos0; o.C = C;
    tt__for_range(ex, B * T, tt__embed_fwd_range, &o);
}
/* columns [lo,hi), rows in order */
TT__PRIVATE void tt__embed_bwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int r, c, C = o->C;
    (void)slot;
    for (r = 0; r < o->N; r++) {
        const float *d = o->dy + (size_t)r * C;
        float *gw = o->dw + (size_t)o->tok[r] * C;
        float *gp = o->db + (size_t)(r % o->T) * C;
        for (c = lo; c < hi; c++) { gw[c] += d[c]; gp[c] += d[c]; }
    }
}
TT__PRIVATE void tt__op_embed_bwd(const tt__exec *ex, float *dwte, float *dwpe, const float *dx,
                                  const int32_t *tokens, int B, int T, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.dw = dwte; o.db = dwpe; o.dy = dx; o.tok = tokens; o.N = B * T; o.T = T; o.C = C;
    tt__for_range(ex, C, tt__embed_bwd_range, &o);
}

/* ---- LayerNorm ---- */
TT__PRIVATE void tt__ln_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_fwd(o->ex, o->y, o->mean, o->rstd, o->x, o->w, o->b, lo, hi, o->C);
}
TT__PRIVATE void tt__ln_bwd_dx_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dx(o->ex, o->dx, o->dy, o->x, o->w, o->mean_c, o->rstd_c, lo, hi, o->C, o->accumulate);
}
TT__PRIVATE void tt__ln_bwd_dwdb_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dwdb(o->ex, o->dw, o->db, o->dy, o->x, o->mean_c, o->rstd_c, o->N, o->C, lo, hi);
}
TT__PRIVATE void tt__op_layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                      const float *w, const float *b, int N, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.y = y; o.mean = mean; o.rstd = rstd; o.x = x; o.w = w; o.b = b; o.C = C;
    tt__for_range(ex, N, tt__ln_fwd_range, &o);
}
TT__PRIVATE void tt__op_layernorm_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, const float *mean, const float *rstd, int N,
                                      int C, int accumulate) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.dx = dx; o.dw = dw; o.db = db; o.dy = dy; o.x = x; o.w = w; o.mean_c = mean;
    o.rstd_c = rstd; o.N = N; o.C = C; o.accumulate = accumulate;
    tt__for_range(ex, N, tt__ln_bwd_dx_range, &o);
    tt__for_range(ex, C, tt__ln_bwd_dwdb_range, &o);
}

/* ---- linear: the bias, residual and GELU run in the GEMM's epilogue, on
 * each block of y as it is finished (no extra passes over y) ---- */
TT__PRIVATE void tt__op_linear_fwd(const tt__exec *ex, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC) {
    tt__gemm_epi e;
    memset(&e, 0, sizeof(e));
    e.bias = b; e.res = res; e.ldr = OC; e.gelu_out = gelu_out; e.ldg = OC;
    tt__gemm_ex(ex, N, OC, IC, x, IC, 1, w, 1, IC, NULL, y, OC, 0, &e, NULL);
}
TT__PRIVATE void tt__op_linear_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC) {
    tt__gemm_epi e;
    /* dw += dy^T x; db += column sums of dy, summed while dy^T is packed */
    tt__gemm_ex(ex, OC, IC, N, dy, 1, OC, x, IC, 1, NULL, dw, IC, 1, NULL, db);
    memset(&e, 0, sizeof(e));
    e.gelu_bwd_x = gelu_x; e.ldx = IC;
    if (dx) tt__gemm_ex(ex, N, IC, OC, dy, OC, 1, w, IC, 1, NULL, dx, IC, 0, &e, NULL);
}

/* ---- causal attention, blocked over query rows ----
 * Per (b,h) and block of TT__ATT_BQ query rows [t0,t1): S = Q K[0:t1]^T (GEMM),
 * row softmax with the causal mask, O = P V[0:t1] (GEMM); lse kept per row.
 * Extra memory: 2 * TT__ATT_BQ * T floats per thread (O(T)). The math is
 * that of tt__attention_fwd_scalar / _bwd_scalar, which the tests compare. */
#define TT__ATT_BQ 64

TT__PRIVATE size_t tt__op_attention_scratch_floats(int n_ctx) {
    return tt__align_up(2 * TT__ATT_BQ * (size_t)n_ctx + 64, 16);
}

typedef struct tt__attn_slot { tt__exec ex1; float *S, *dP; } tt__attn_slot;

/* slot's scratch: the GEMM's packing buffers, then S and dP (TT__ATT_BQ, ldS) */
TT__PRIVATE tt__attn_slot tt__attn_slot_get(const tt__exec *ex, int slot, int ldS) {
    tt__attn_slot a;
    float *base = ex->scratch + (size_t)slot * ex->scratch_floats;
    size_t g = tt__align_up(tt__gemm_scratch_floats(), 16);
    memset(&a.ex1, 0, sizeof(a.ex1));
    a.ex1.n_threads = 1;
    a.ex1.force_scalar = ex->force_scalar;
    a.ex1.scratch = base;
    a.ex1.scratch_floats = g;
    a.S = base + g;
    a.dP = a.S + (size_t)TT__ATT_BQ * ldS;
    return a;
}

TT__PRIVATE void tt__attn_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int C = o->C, NH = o->NH, hs = C / NH, T = o->T, ldS = T, bh, t0, i;
    tt__attn_slot a = tt__attn_slot_get(o->ex, slot, ldS);
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (bh = lo; bh < hi; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = o->x + (size_t)b * T * 3 * C + (size_t)h * hs;
        const float *k = q + C, *v = q + 2 * C;
        float *out = o->y + (size_t)b * T * C + (size_t)h * hs;
        float *lse = o->lse + ((size_t)b * NH + h) * T;
        for (t0 = 0; t0 < T; t0 += TT__ATT_BQ) {
            int t1 = t0 + TT__ATT_BQ < T ? t0 + TT__ATT_BQ : T, nq = t1 - t0;
            tt__gemm(&a.ex1, nq, t1, hs, q + (size_t)t0 * 3 * C, 3 * C, 1, k, 1, 3 * C, a.S, ldS, 0);
            for (i = 0; i < nq; i++) {
                float *srow = a.S + (size_t)i * ldS;
                int nv = t0 + i + 1, j;
                float mx = tt__row_max(o->ex, srow, nv) * scale;
                float sum = tt__exp_shift_sum(o->ex, srow, srow, nv, scale, mx), inv = 1.0f / sum;
                tt__vec_scale(o->ex, srow, nv, inv);
                for (j = nv; j < t1; j++) srow[j] = 0.0f;
                lse[t0 + i] = mx + TT_LOGF(sum);
            }
            tt__gemm(&a.ex1, nq, hs, t1, a.S, ldS, 1, v, 3 * C, 1, out + (size_t)t0 * C, C, 0);
        }
    }
}

TT__PRIVATE void tt__attn_bwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int C = o->C, NH = o->NH, hs = C / NH, T = o->T, ldS = T, bh, t0, i, j;
    tt__attn_slot a = tt__attn_slot_get(o->ex, slot, ldS);
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (bh = lo; bh < hi; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = o->x + (size_t)b * T * 3 * C + (size_t)h * hs;
        const float *k = q + C, *v = q + 2 * C;
        const float *dout = o->dy + (size_t)b * T * C + (size_t)h * hs;
        const float *lse = o->lse_c + ((size_t)b * NH + h) * T;
        float *dq = o->dx + (size_t)b * T * 3 * C + (size_t)h * hs, *dk = dq + C, *dv = dq + 2 * C;
        for (t0 = 0; t0 < T; t0 += TT__ATT_BQ) {
            int t1 = t0 + TT__ATT_BQ < T ? t0 + TT__ATT_BQ : T, nq = t1 - t0;
            tt__gemm(&a.ex1, nq, t1, hs, q + (size_t)t0 * 3 * C, 3 * C, 1, k, 1, 3 * C, a.S, ldS, 0);
            tt__gemm(&a.ex1, nq, t1, hs, dout + (size_t)t0 * C, C, 1, v, 1, 3 * C, a.dP, ldS, 0);
            for (i = 0; i < nq; i++) {
                float *p = a.S + (size_t)i * ldS, *dp = a.dP + (size_t)i * ldS;
                int nv = t0 + i + 1;
                float D = 0.0f;
                tt__exp_shift_sum(o->ex, p, p, nv, scale, lse[t0 + i]);
                for (j = 0; j < nv; j++) D += p[j] * dp[j];
                for (j = 0; j < nv; j++) dp[j] = p[j] * (dp[j] - D) * scale;
                for (j = nv; j < t1; j++) { p[j] = 0.0f; dp[j] = 0.0f; }
            }
            /* dQ_blk += dS K; dK += dS^T Q_blk; dV += P^T dO_blk */
            tt__gemm(&a.ex1, nq, hs, t1, a.dP, ldS, 1, k, 3 * C, 1, dq + (size_t)t0 * 3 * C, 3 * C, 1);
            tt__gemm(&a.ex1, t1, hs, nq, a.dP, 1, ldS, q + (size_t)t0 * 3 * C, 3 * C, 1, dk, 3 * C, 1);
            tt__gemm(&a.ex1, t1, hs, nq, a.S, 1, ldS, dout + (size_t)t0 * C, C, 1, dv, 3 * C, 1);
        }
    }
}

TT__PRIVATE void tt__op_attention_fwd(const tt__exec *ex, float *out, float *lse, const float *qkv, int B, int T,
                                      int C, int NH) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.y = out; o.lse = lse; o.x = qkv; o.T = T; o.C = C; o.NH = NH;
    tt__for_range(ex, B * NH, tt__attn_fwd_range, &o);
}
TT__PRIVATE void tt__op_attention_bwd(const tt__exec *ex, float *dqkv, const float *dout, const float *qkv,
                                      const float *lse, int B, int T, int C, int NH) {
    tt__op o;
    memset(dqkv, 0, (size_t)B * T * 3 * C * sizeof(float));
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.dx = dqkv; o.dy = dout; o.x = qkv; o.lse_c = lse; o.T = T; o.C = C; o.NH = NH;
    tt__for_range(ex, B * NH, tt__attn_bwd_range, &o);
}

/* cached: one task per (new row, head): s_j = q.k_j / sqrt(hs), j <= p0+i;
 * out = softmax(s) V */
typedef struct tt__attc { const tt__attn_arg *a; const float *qkv; float *out; int C, NH; } tt__attc;
TT__PRIVATE void tt__attc_range(void *ctx, int lo, int hi, int slot) {
    const tt__attc *c = (const tt__attc *)ctx;
    int C = c->C, NH = c->NH, hs = C / NH, task, j, k;
    float scale = 1.0f / TT_SQRTF((float)hs);
    float *s = c->a->scores + (size_t)slot * c->a->ld_scores;
    const float *kvl = c->a->kv;
    for (task = lo; task < hi; task++) {
        int i = task / NH, h = task % NH, nv = c->a->p0 + i + 1;
        const float *q = c->qkv + (size_t)i * 3 * C + (size_t)h * hs;
        float *o = c->out + (size_t)i * C + (size_t)h * hs;
        float mx = -3.0e38f, sum = 0.0f, inv;
        for (j = 0; j < nv; j++) {
            const float *kr = kvl + (size_t)j * 2 * C + (size_t)h * hs;
            float d = 0.0f;
            for (k = 0; k < hs; k++) d += q[k] * kr[k];
            s[j] = d * scale;
            if (s[j] > mx) mx = s[j];
        }
        for (j = 0; j < nv; j++) { s[j] = TT_EXPF(s[j] - mx); sum += s[j]; }
        inv = 1.0f / sum;
        for (k = 0; k < hs; k++) o[k] = 0.0f;
        for (j = 0; j < nv; j++) {
            const float *vr = kvl + (size_t)j * 2 * C + C + (size_t)h * hs;
            float p = s[j] * inv;
            for (k = 0; k < hs; k++) o[k] += p * vr[k];
        }
    }
}
TT__PRIVATE void tt__op_attention_cached(const tt__exec *ex, float *out, const float *qkv, const tt__attn_arg *a,
                                         int n, int C, int NH) {
    tt__attc c;
    int i;
    for (i = 0; i < n; i++)
        memcpy(a->kv + (size_t)(a->p0 + i) * 2 * C, qkv + (size_t)i * 3 * C + C, (size_t)2 * C * sizeof(float));
    c.a = a; c.qkv = qkv; c.out = out; c.C = C; c.NH = NH;
    tt__for_range(ex, n * NH, tt__attc_range, &c);
}

/* ---- lm head ---- */
TT__PRIVATE void tt__op_logits(const tt__exec *ex, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C) {
    tt__gemm(ex, rows, V, C, x, ldx, 1, wte, 1, C, logits, ld, 0);
}

typedef struct tt__head_rows_job { const tt__head_arg *h; const tt__exec *ex; int r0; } tt__head_rows_job;

/* forward: row_lse, row_loss for rows r0+lo..r0+hi; backward: overwrite the
 * chunk's logits with dlogits = (softmax - onehot) * scale */
TT__PRIVATE void tt__head_rows(void *ctx, int lo, int hi, int slot) {
    const tt__head_rows_job *j = (const tt__head_rows_job *)ctx;
    const tt__head_arg *h = j->h;
    const tt__exec *ex = j->ex;
    int i;
    (void)slot;
    for (i = lo; i < hi; i++) {
        int r = j->r0 + i;
        float *z = h->head + (size_t)i * h->Vp;
        int tgt = h->targets[r];
        if (h->mode != 1) {
            float mx = tt__row_max(ex, z, h->V);
            float zt = z[tgt];
            float lse = mx + TT_LOGF(tt__exp_shift_sum(ex, z, z, h->V, 1.0f, mx));
            /* z now holds exp(z - mx): turn it into softmax * scale directly */
            h->row_lse[r] = lse;
            h->row_loss[r] = lse - zt;
            if (h->mode == 2) {
                tt__vec_scale(ex, z, h->V, h->scale * TT_EXPF(mx - lse));
                z[tgt] -= h->scale;
            }
        } else {
            float lse = h->row_lse[r];
            (void)tt__exp_shift_sum(ex, z, z, h->V, 1.0f, lse);
            tt__vec_scale(ex, z, h->V, h->scale);
            z[tgt] -= h->scale;
        }
    }
}

/* dx rows [r0, r0+R) = dlogits wte; dwte += dlogits^T x */
TT__PRIVATE void tt__head_bwd_chunk(const tt__exec *ex, const tt__head_arg *h, const float *pk_dx, int r0, int R) {
    int C = h->C, V = h->V;
    tt__gemm_pk(ex, R, C, V, h->head, h->Vp, 1, h->wte, C, 1, pk_dx, h->dx + (size_t)r0 * C, C, 0);
    tt__gemm(ex, V, C, R, h->head, 1, h->Vp, h->x + (size_t)r0 * C, C, 1, h->dwte, C, 1);
}

TT__PRIVATE void tt__op_head(const tt__exec *ex, const tt__head_arg *h) {
    tt__head_rows_job j;
    tt__prof *pf = h->prof;
    int r0, C = h->C, N = h->N, V = h->V, HR = h->rows;
    const float *wte = h->wte, *pk_fwd = NULL, *pk_dx = NULL;
    double fl = 2.0 * (double)C * (double)V;
    j.h = h; j.ex = ex;
    /* with more than one chunk, pack wte once here rather than in every
     * chunk's GEMM (same packed values, so the same bits) */
    if (N > HR && h->pk_fwd && !ex->force_scalar) {
        TT__TIMED(pf, TT_OP_LM_HEAD, 0.0, tt__gemm_pack_b(ex, C, V, wte, 1, C, h->pk_fwd));
        pk_fwd = h->pk_fwd;
        if (h->mode != 0) {
            TT__TIMED(pf, TT_OP_LM_HEAD_BWD, 0.0, tt__gemm_pack_b(ex, V, C, wte, C, 1, h->pk_dx));
            pk_dx = h->pk_dx;
        }
    }
    for (r0 = 0; r0 < N; r0 += HR) {
        int R = N - r0 < HR ? N - r0 : HR;
        const float *xc = h->x + (size_t)r0 * C;
        TT__TIMED(pf, TT_OP_LM_HEAD, fl * R,
                  tt__gemm_pk(ex, R, V, C, xc, C, 1, wte, 1, C, pk_fwd, h->head, h->Vp, 0));
        j.r0 = r0;
        TT__TIMED(pf, TT_OP_SOFTMAX_CE, 0.0, tt__for_range(ex, R, tt__head_rows, &j));
        if (h->mode == 0) continue;
        TT__TIMED(pf, TT_OP_LM_HEAD_BWD, 2.0 * fl * R, tt__head_bwd_chunk(ex, h, pk_dx, r0, R));
    }
}

/* ---- ops through the backend table (tt__bk: the table, the profiler,
 * the first error); the block below is written over these ---- */
TT__PRIVATE void tt__bk_layernorm_fwd(tt__bk *k, float *y, float *mean, float *rstd, const float *x, const float *w,
                                      const float *b, int N, int C) {
    TT__BK(k, TT_OP_LAYERNORM, 0.0, layernorm_fwd(k->be->ctx, y, mean, rstd, x, w, b, N, C));
}
TT__PRIVATE void tt__bk_layernorm_bwd(tt__bk *k, float *dx, float *dw, float *db, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int N, int C, int accumulate) {
    TT__BK(k, TT_OP_LAYERNORM_BWD, 0.0, layernorm_bwd(k->be->ctx, dx, dw, db, dy, x, w, mean, rstd, N, C, accumulate));
}
/* y (N, OC) = x (N, IC) w^T + b [+ res] [gelu_out = GELU(y)]: one NT GEMM with its epilogue */
TT__PRIVATE void tt__bk_linear_fwd(tt__bk *k, int kind, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC) {
    tt_backend_gemm g;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = N; g.N = OC; g.K = IC;
    g.A = x; g.lda = IC; g.B = w; g.ldb = IC; g.C = y; g.ldc = OC;
    g.bias = b; g.res = res; g.ldr = OC; g.gelu_out = gelu_out; g.ldg = OC;
    if (k->wh) { g.bf16 = 1; g.B_bf16 = k->wh + (w - k->wbase); }
    TT__BK(k, kind, 2.0 * (double)N * (double)IC * (double)OC, gemm(k->be->ctx, &g));
}
/* dw (OC, IC) += dy^T x and db += colsum(dy) (TN); dx (N, IC) = dy w, times
 * GELU'(gelu_x) when set (NN); dx NULL: no dx */
TT__PRIVATE void tt__bk_linear_bwd(tt__bk *k, int kind, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC) {
    tt_backend_gemm g;
    double fl = 2.0 * (double)N * (double)IC * (double)OC;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_TN; g.M = OC; g.N = IC; g.K = N;
    g.A = dy; g.lda = OC; g.B = x; g.ldb = IC; g.C = dw; g.ldc = IC; g.accumulate = 1; g.bias_grad = db;
    g.bf16 = k->wh != NULL;
    TT__BK(k, kind, fl, gemm(k->be->ctx, &g));
    if (!dx) return;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NN; g.M = N; g.N = IC; g.K = OC;
    g.A = dy; g.lda = OC; g.B = w; g.ldb = IC; g.C = dx; g.ldc = IC;
    g.gelu_bwd_x = gelu_x; g.ldx = IC;
    if (k->wh) { g.bf16 = 1; g.B_bf16 = k->wh + (w - k->wbase); }
    TT__BK(k, kind, fl, gemm(k->be->ctx, &g));
}
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T over vocab rows [0, V) */
TT__PRIVATE void tt__bk_logits(tt__bk *k, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C) {
    tt_backend_gemm g;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = rows; g.N = V; g.K = C;
    g.A = x; g.lda = ldx; g.B = wte; g.ldb = C; g.C = logits; g.ldc = ld;
    TT__BK(k, TT_OP_LM_HEAD, 2.0 * (double)rows * (double)V * (double)C, gemm(k->be->ctx, &g));
}

/* ---- the GPT-2 block ---- */
TT__PRIVATE void tt__block_fwd(tt__bk *k, const tt__layer_w *w, const tt__layer_acts *a, const tt__attn_arg *att,
                               int B, int T, int C, int NH) {
    int N = B * T;
    size_t nc = (size_t)N * (size_t)C, kv_len = att->kv ? (size_t)att->p0 + (size_t)T : (size_t)T;
    void *ctx = k->be->ctx;
    tt__bk_layernorm_fwd(k, a->ln1, a->ln1_mean, a->ln1_rstd, a->in, w->ln1w, w->ln1b, N, C);
    tt__bk_linear_fwd(k, TT_OP_QKV, a->qkv, a->ln1, w->qkvw, w->qkvb, NULL, NULL, N, C, 3 * C);
    if (att->kv)
        TT__BK(k, TT_OP_ATTENTION, 4.0 * (double)nc * (double)kv_len,
               attention_cached(ctx, a->atty, a->qkv, att->kv, att->p0, T, att->n_ctx, C, NH));
    else
        TT__BK(k, TT_OP_ATTENTION, 2.0 * (double)nc * (double)(T + 1),
               attention_fwd(ctx, a->atty, a->att_lse, a->qkv, B, T, C, NH));
    tt__bk_linear_fwd(k, TT_OP_ATTN_PROJ, a->res2, a->atty, w->attprojw, w->attprojb, a->in, NULL, N, C, C);
    tt__bk_layernorm_fwd(k, a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2w, w->ln2b, N, C);
    tt__bk_linear_fwd(k, TT_OP_FC, a->fch, a->ln2, w->fcw, w->fcb, NULL, a->fch_gelu, N, C, 4 * C);
    tt__bk_linear_fwd(k, TT_OP_FC_PROJ, a->res3, a->fch_gelu, w->fcprojw, w->fcprojb, a->res2, NULL, N, 4 * C, C);
}

TT__PRIVATE void tt__block_bwd(tt__bk *k, const tt__layer_w *w, const tt__layer_w *g, const tt__layer_acts *a,
                               const tt__block_grads *d, int B, int T, int C, int NH) {
    int N = B * T;
    void *ctx = k->be->ctx;
    size_t n4 = (size_t)N * 4 * (size_t)C;
    /* recompute: fch_gelu and atty live in d->dfch, ln1 and ln2 in d->dln, each
     * rebuilt just before the GEMM that reads it and dead before the dx
     * GEMM that overwrites it (the same ops and inputs as the forward, so
     * the same bits) */
    if (a->recompute) TT__BK(k, TT_OP_FC, 0.0, gelu_fwd(ctx, a->fch_gelu, a->fch, n4));
    /* MLP: res3 = res2 + gelu(fch) Wp^T + bp */
    tt__bk_linear_bwd(k, TT_OP_FC_PROJ_BWD, d->dfch, g->fcprojw, g->fcprojb, d->dres, a->fch_gelu, w->fcprojw, a->fch,
                      N, 4 * C, C);
    if (a->recompute) tt__bk_layernorm_fwd(k, a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2w, w->ln2b, N, C);
    tt__bk_linear_bwd(k, TT_OP_FC_BWD, d->dln, g->fcw, g->fcb, d->dfch, a->ln2, w->fcw, NULL, N, C, 4 * C);
    tt__bk_layernorm_bwd(k, d->dres, g->ln2w, g->ln2b, d->dln, a->res2, w->ln2w, a->ln2_mean, a->ln2_rstd, N, C, 1);
    /* recompute: atty lives in d->dfch (dead from here on); the attention
     * forward rewrites att_lse with the values it holds */
    if (a->recompute)
        TT__BK(k, TT_OP_ATTENTION, 0.0, attention_fwd(ctx, a->atty, a->att_lse, a->qkv, B, T, C, NH));
    /* attention: res2 = in + atty Wo^T + bo */
    tt__bk_linear_bwd(k, TT_OP_ATTN_PROJ_BWD, d->dtmp, g->attprojw, g->attprojb, d->dres, a->atty, w->attprojw, NULL,
                      N, C, C);
    TT__BK(k, TT_OP_ATTENTION_BWD, 5.0 * (double)N * (double)C * (double)(T + 1),
           attention_bwd(ctx, d->dqkv, d->dtmp, a->qkv, a->atty, a->att_lse, B, T, C, NH));
    if (a->recompute) tt__bk_layernorm_fwd(k, a->ln1, a->ln1_mean, a->ln1_rstd, a->in, w->ln1w, w->ln1b, N, C);
    tt__bk_linear_bwd(k, TT_OP_QKV_BWD, d->dln, g->qkvw, g->qkvb, d->dqkv, a->ln1, w->qkvw, NULL, N, C, 3 * C);
    tt__bk_layernorm_bwd(k, d->dres, g->ln1w, g->ln1b, d->dln, a->in, w->ln1w, a->ln1_mean, a->ln1_rstd, N, C, 1);
}
