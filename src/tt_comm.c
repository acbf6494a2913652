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
TT__PRIVATE tt_status tt__dp_fail(const tt_model *m, const char *what) {
    tt__logf(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_COMM, what, (long long)m->cfg.comm.rank);
    return TT_ERR_COMM;
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
    tt__dp_slice(&m->cfg, m->lay.n_params, m->cfg.comm.rank, &m->dp.lo, &m->dp.hi);
    m->dp.micro = micro;
    m->dp.dirty = 0;
}

TTDEF void tt_model_moment_slice(const tt_model *m, size_t *lo, size_t *hi) {
    if (lo) *lo = m ? m->dp.lo : 0;
    if (hi) *hi = m ? m->dp.hi : 0;
}

TT__PRIVATE void tt__dp_point_grads(tt_model *m, float *base) {
    int k;
    for (k = 0; k < TT__P_COUNT; k++) m->grads_p[k] = base + m->lay.param_off[k];
}

/* before a backward: the scale it uses (mean over ranks), and with
 * accum_exact and gradients pending, its own zeroed block to write into */
TT__PRIVATE float tt__dp_backward_begin(tt_model *m, float grad_scale) {
    if (m->dp.micro && m->dp.dirty) {
        memset(m->dp.micro, 0, m->lay.n_params * sizeof(float));
        tt__dp_point_grads(m, m->dp.micro);
    }
    return tt__dp_size(&m->cfg) > 1 ? grad_scale / (float)tt__dp_size(&m->cfg) : grad_scale;
}

/* grads[i] += micro[i] over fixed chunks (any thread count: same bits) */
TT__PRIVATE void tt__dp_add_range(void *ctx, int lo, int hi, int slot) {
    tt_model *m = (tt_model *)ctx;
    size_t i = (size_t)lo * TT__NORM_CHUNK, e = (size_t)hi * TT__NORM_CHUNK;
    (void)slot;
    if (e > m->lay.n_params) e = m->lay.n_params;
    for (; i < e; i++) m->grads[i] += m->dp.micro[i];
}

TT__PRIVATE void tt__dp_backward_end(tt_model *m) {
    if (m->grads_p[0] != m->grads + m->lay.param_off[0]) {
        tt__for_range(&m->ex, (int)(m->lay.n_params / TT__NORM_CHUNK + 1), tt__dp_add_range, m);
        tt__dp_point_grads(m, m->grads);
    }
    m->dp.dirty = 1;
}

/* the gradient sum across ranks, bucket by bucket in layout order (after
 * the whole backward: no overlap); on failure the gradients are zeroed */
TT__PRIVATE tt_status tt__dp_reduce_grads(tt_model *m) {
    const tt_comm *k = &m->cfg.comm;
    size_t n = m->lay.n_params, bucket = tt__dp_bucket(&m->cfg), i;
    if (tt__dp_size(&m->cfg) == 1) return TT_OK;
    for (i = 0; i < n; i += bucket) {
        size_t len = n - i < bucket ? n - i : bucket;
        if (k->allreduce_sum(k->user, m->grads + i, len) != 0) {
            tt_model_zero_grad(m);
            return tt__dp_fail(m, "adamw: gradient allreduce failed (step not taken) on rank ");
        }
    }
    return TT_OK;
}

/* broadcast floats [lo, hi) of x from rank root, in buckets */
TT__PRIVATE int tt__dp_bcast(const tt_model *m, float *x, size_t lo, size_t hi, int root) {
    const tt_comm *k = &m->cfg.comm;
    size_t bucket = tt__dp_bucket(&m->cfg), i;
    for (i = lo; i < hi; i += bucket) {
        size_t len = hi - i < bucket ? hi - i : bucket;
        if (k->broadcast(k->user, x + i, len * sizeof(float), root) != 0) return 1;
    }
    return 0;
}

/* after the AdamW update of this rank's slice: every rank's slice of the
 * parameters to every rank (ZeRO-1), gradients outside the slice zeroed */
TT__PRIVATE tt_status tt__dp_after_update(tt_model *m) {
    int r, S = tt__dp_size(&m->cfg), fail = 0;
    m->dp.dirty = 0;
    if (m->dp.lo == 0 && m->dp.hi == m->lay.n_params) return TT_OK;
    memset(m->grads, 0, m->dp.lo * sizeof(float));
    memset(m->grads + m->dp.hi, 0, (m->lay.n_params - m->dp.hi) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(&m->cfg, m->lay.n_params, r, &lo, &hi);
        fail = tt__dp_bcast(m, m->params, lo, hi, r);
    }
    return fail ? tt__dp_fail(m, "adamw: parameter broadcast failed (ranks now differ: resume from a checkpoint) on rank ")
                : TT_OK;
}

TT__PRIVATE int tt__dp_sharded(const tt_model *m) { return m->dp.lo != 0 || m->dp.hi != m->lay.n_params; }

/* ZeRO-1: the update check of tt_adamw_step needs the largest |m| and v
 * over all ranks' slices, so that every rank refuses or takes the step
 * alike. Each rank's maxima (bit patterns as in tt_adamw.c: above
 * 0x7f7fffff means NaN, Inf or a negative v) are summed across ranks as
 * floats, a bad one as 3e38 (over the check's limit); the sum bounds the maximum from above, which is
 * all the check needs, and is the same on every rank. */
TT__PRIVATE tt_status tt__dp_moment_bounds(tt_model *m, uint32_t *mbits, uint32_t *vbits) {
    const tt_comm *k = &m->cfg.comm;
    float b[2];
    uint32_t *bits[2];
    int i;
    if (tt__dp_size(&m->cfg) == 1 || !tt__dp_sharded(m)) return TT_OK;
    bits[0] = mbits; bits[1] = vbits;
    for (i = 0; i < 2; i++) {
        if (*bits[i] > 0x7f7fffffu) b[i] = 3.0e38f;
        else memcpy(&b[i], bits[i], sizeof(float));
    }
    if (k->allreduce_sum(k->user, b, 2) != 0) return tt__dp_fail(m, "adamw: moment bound allreduce failed (step not taken) on rank ");
    for (i = 0; i < 2; i++) {
        if (!(b[i] <= 3.4e38f)) *bits[i] = 0x7f800000u; /* Inf or NaN: refused */
        else memcpy(bits[i], &b[i], sizeof(float));
    }
    return TT_OK;
}
TT__PRIVATE int tt__dp_writer(const tt_model *m) { return m->cfg.comm.rank == 0 || tt__dp_size(&m->cfg) == 1; }

/* ZeRO-1: the whole m (which 0) or v (1) assembled in the gradient block
 * (free between steps) from every rank's slice; *out points at it */
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out) {
    int r, S = tt__dp_size(&m->cfg), fail = 0;
    memcpy(m->grads + m->dp.lo, which ? m->v : m->m, (m->dp.hi - m->dp.lo) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(&m->cfg, m->lay.n_params, r, &lo, &hi);
        fail = tt__dp_bcast(m, m->grads, lo, hi, r);
    }
    *out = m->grads;
    return fail ? tt__dp_fail(m, "checkpoint: gathering the AdamW moments failed on rank ") : TT_OK;
}

/* end of a (collective) save: the gradient block is zero again, and every
 * rank returns rank 0's status */
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st) {
    const tt_comm *k = &m->cfg.comm;
    unsigned char b[4];
    if (tt__dp_sharded(m)) memset(m->grads, 0, m->lay.n_params * sizeof(float));
    if (tt__dp_size(&m->cfg) == 1) return st;
    tt__put_u32(b, (uint32_t)(int32_t)st);
    if (k->broadcast(k->user, b, sizeof(b), 0) != 0) return tt__dp_fail(m, "checkpoint: status broadcast failed on rank ");
    return (tt_status)(int32_t)tt__get_u32(b);
}

/* load: whole m and v from a checkpoint; keep this rank's slice */
TT__PRIVATE void tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full) {
    memcpy(m->m, m_full + m->dp.lo, (m->dp.hi - m->dp.lo) * sizeof(float));
    memcpy(m->v, v_full + m->dp.lo, (m->dp.hi - m->dp.lo) * sizeof(float));
}
