/* >>comm  data parallel training through the tt_comm hook: gradient sum
 * across ranks, ZeRO-1 moment slices, exact accumulation, collective
 * checkpoints. The transport (MPI or anything else) is the caller's. */
#include "tt_internal.h"

/* ranks taking part; 1 without a hook */
TT__PRIVATE int tt__dp_size(const tt_model_config *c) { return c->comm.size > 1 ? c->comm.size : 1; }
TT__PRIVATE size_t tt__dp_bucket(const tt_model_config *c) {
    return c->comm.bucket_floats > 0 ? (size_t)c->comm.bucket_floats : (size_t)TT_COMM_DEFAULT_BUCKET;
}
/* the hook's failures, reported once with where they happened */
TT__PRIVATE tt_status tt__dp_fail(const tt_model_config *c, const char *what) {
    tt__logf(&c->logger, TT_LOG_ERROR, TT_ERR_COMM, what, (long long)c->comm.rank);
    return TT_ERR_COMM;
}
/* the model's parameter view (tt_model.c): everything this file touches */
TT__PRIVATE tt__param_view tt__dp_view(tt_model *m) {
    tt__param_view v;
    tt__model_param_view(m, &v);
    return v;
}

TT__PRIVATE tt_status tt__dp_check_config(const tt_model_config *c) {
    const tt_comm *k = &c->comm;
    if (k->size == 0 && k->rank == 0 && !k->allreduce_sum && !k->broadcast && !k->barrier) {
        if (c->zero1) {
            tt__log(&c->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: zero1 needs comm");
            return TT_ERR_INVALID_ARG;
        }
        return TT_OK;
    }
    if (k->size < 1 || k->rank < 0 || k->rank >= k->size || !k->allreduce_sum || !k->broadcast ||
        k->bucket_floats < 0 || k->bucket_floats > ((int64_t)1 << 40)) {
        tt__log(&c->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "model config: comm needs size >= 1, 0 <= rank < size, allreduce_sum and broadcast, bucket_floats >= 0");
        return TT_ERR_INVALID_ARG;
    }
    return TT_OK;
}

/* ZeRO-1 slice of rank r: n floats in size nearly equal parts, cut at
 * multiples of 16 floats (64 bytes); all of [0, n) when not sharded */
TT__PRIVATE void tt__dp_slice(const tt_model_config *c, size_t n, int rank, size_t *lo, size_t *hi) {
    size_t u = (n + 15) / 16, S, q, r, a, b;
    if (!c->zero1 || tt__dp_size(c) == 1) { *lo = 0; *hi = n; return; }
    S = (size_t)tt__dp_size(c);
    q = u / S; r = u % S;
    a = q * (size_t)rank + ((size_t)rank < r ? (size_t)rank : r);
    b = a + q + ((size_t)rank < r ? 1 : 0);
    *lo = a * 16 < n ? a * 16 : n;
    *hi = b * 16 < n ? b * 16 : n;
}

TT__PRIVATE void tt__dp_init(tt_model *m, float *micro) {
    tt__param_view v = tt__dp_view(m);
    tt__dp_slice(v.cfg, v.n, v.cfg->comm.rank, &v.dp->lo, &v.dp->hi);
    v.dp->micro = micro;
    v.dp->dirty = 0;
}

TTDEF void tt_model_moment_slice(const tt_model *m, size_t *lo, size_t *hi) {
    tt__param_view v;
    if (!m) {
        if (lo) *lo = 0;
        if (hi) *hi = 0;
        return;
    }
    v = tt__dp_view((tt_model *)m); /* reads only */
    if (lo) *lo = v.dp->lo;
    if (hi) *hi = v.dp->hi;
}
TT__PRIVATE int tt__dp_dirty(tt_model *m) { return tt__dp_view(m).dp->dirty; }

/* before a backward: the scale it uses (mean over ranks), and with
 * accum_exact and gradients pending, its own zeroed block to write into */
TT__PRIVATE float tt__dp_backward_begin(tt_model *m, float grad_scale) {
    tt__param_view v = tt__dp_view(m);
    if (v.dp->micro && v.dp->dirty) {
        memset(v.dp->micro, 0, v.n * sizeof(float));
        tt__model_set_grad_base(m, v.dp->micro);
    }
    return tt__dp_size(v.cfg) > 1 ? grad_scale / (float)tt__dp_size(v.cfg) : grad_scale;
}

/* grads[i] += micro[i] over fixed chunks (any thread count: same bits) */
TT__PRIVATE void tt__dp_add_range(void *ctx, int lo, int hi, int slot) {
    const tt__param_view *m = (const tt__param_view *)ctx;
    size_t i = (size_t)lo * TT__NORM_CHUNK, e = (size_t)hi * TT__NORM_CHUNK;
    (void)slot;
    if (e > m->n) e = m->n;
    for (; i < e; i++) m->grads[i] += m->dp->micro[i];
}

TT__PRIVATE void tt__dp_backward_end(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    if (tt__model_grad_base(m) != v.grads) {
        tt__for_range(v.ex, (int)(v.n / TT__NORM_CHUNK + 1), tt__dp_add_range, &v);
        tt__model_set_grad_base(m, v.grads);
    }
    v.dp->dirty = 1;
}

/* the gradient sum across ranks, bucket by bucket in layout order (after
 * the whole backward: no overlap); on failure the gradients are zeroed */
TT__PRIVATE tt_status tt__dp_reduce_grads(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    size_t n = v.n, bucket = tt__dp_bucket(v.cfg), i;
    if (tt__dp_size(v.cfg) == 1) return TT_OK;
    for (i = 0; i < n; i += bucket) {
        size_t len = n - i < bucket ? n - i : bucket;
        if (k->allreduce_sum(k->user, v.grads + i, len) != 0) {
            tt_model_zero_grad(m);
            return tt__dp_fail(v.cfg, "adamw: gradient allreduce failed (step not taken) on rank ");
        }
    }
    return TT_OK;
}

/* broadcast floats [lo, hi) of x from rank root, in buckets */
TT__PRIVATE int tt__dp_bcast(const tt_model_config *c, float *x, size_t lo, size_t hi, int root) {
    const tt_comm *k = &c->comm;
    size_t bucket = tt__dp_bucket(c), i;
    for (i = lo; i < hi; i += bucket) {
        size_t len = hi - i < bucket ? hi - i : bucket;
        if (k->broadcast(k->user, x + i, len * sizeof(float), root) != 0) return 1;
    }
    return 0;
}

/* after the AdamW update of this rank's slice: every rank's slice of the
 * parameters to every rank (ZeRO-1), gradients outside the slice zeroed */
TT__PRIVATE tt_status tt__dp_after_update(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    int r, S = tt__dp_size(v.cfg), fail = 0;
    v.dp->dirty = 0;
    if (v.dp->lo == 0 && v.dp->hi == v.n) return TT_OK;
    memset(v.grads, 0, v.dp->lo * sizeof(float));
    memset(v.grads + v.dp->hi, 0, (v.n - v.dp->hi) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(v.cfg, v.n, r, &lo, &hi);
        fail = tt__dp_bcast(v.cfg, v.params, lo, hi, r);
    }
    return fail ? tt__dp_fail(v.cfg, "adamw: parameter broadcast failed (ranks now differ: resume from a checkpoint) on rank ")
                : TT_OK;
}

TT__PRIVATE int tt__dp_sharded(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    return v.dp->lo != 0 || v.dp->hi != v.n;
}

/* ZeRO-1: the update check of tt_adamw_step needs the largest |m| and v
 * over all ranks' slices, so that every rank refuses or takes the step
 * alike. Each rank's maxima (bit patterns as in tt_adamw.c: above
 * 0x7f7fffff means NaN, Inf or a negative v) are summed across ranks as
 * floats, a bad one as 3e38 (over the check's limit); the sum bounds the maximum from above, which is
 * all the check needs, and is the same on every rank. */
TT__PRIVATE tt_status tt__dp_moment_bounds(tt_model *m, uint32_t *mbits, uint32_t *vbits) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    float b[2];
    uint32_t *bits[2];
    int i;
    if (tt__dp_size(v.cfg) == 1 || !tt__dp_sharded(m)) return TT_OK;
    bits[0] = mbits; bits[1] = vbits;
    for (i = 0; i < 2; i++) {
        if (*bits[i] > 0x7f7fffffu) b[i] = 3.0e38f;
        else memcpy(&b[i], bits[i], sizeof(float));
    }
    if (k->allreduce_sum(k->user, b, 2) != 0) return tt__dp_fail(v.cfg, "adamw: moment bound allreduce failed (step not taken) on rank ");
    for (i = 0; i < 2; i++) {
        if (!(b[i] <= 3.4e38f)) *bits[i] = 0x7f800000u; /* Inf or NaN: refused */
        else memcpy(bits[i], &b[i], sizeof(float));
    }
    return TT_OK;
}
TT__PRIVATE int tt__dp_writer(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    return v.cfg->comm.rank == 0 || tt__dp_size(v.cfg) == 1;
}

/* ZeRO-1: the whole m (which 0) or v (1) assembled in the gradient block
 * (free between steps) from every rank's slice; *out points at it */
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out) {
    tt__param_view v = tt__dp_view(m);
    int r, S = tt__dp_size(v.cfg), fail = 0;
    memcpy(v.grads + v.dp->lo, which ? v.v : v.m, (v.dp->hi - v.dp->lo) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(v.cfg, v.n, r, &lo, &hi);
        fail = tt__dp_bcast(v.cfg, v.grads, lo, hi, r);
    }
    *out = v.grads;
    return fail ? tt__dp_fail(v.cfg, "checkpoint: gathering the AdamW moments failed on rank ") : TT_OK;
}

/* end of a (collective) save: the gradient block is zero again, and every
 * rank returns rank 0's status */
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    unsigned char b[4];
    if (tt__dp_sharded(m)) memset(v.grads, 0, v.n * sizeof(float));
    if (tt__dp_size(v.cfg) == 1) return st;
    tt__put_u32(b, (uint32_t)(int32_t)st);
    if (k->broadcast(k->user, b, sizeof(b), 0) != 0) return tt__dp_fail(v.cfg, "checkpoint: status broadcast failed on rank ");
    return (tt_status)(int32_t)tt__get_u32(b);
}

/* load: whole m and v from a checkpoint; keep this rank's slice */
TT__PRIVATE void tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full) {
    /* into the host copies (the moments themselves on the CPU path; with a
     * backend, tt_model_upload moves them to its buffers) */
    tt__param_view v = tt__dp_view(m);
    memcpy(tt_model_adam_m(m), m_full + v.dp->lo, (v.dp->hi - v.dp->lo) * sizeof(float));
    memcpy(tt_model_adam_v(m), v_full + v.dp->lo, (v.dp->hi - v.dp->lo) * sizeof(float));
}
