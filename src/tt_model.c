/* >>model  GPT-2: config, memory plan, parameter layout, forward and backward
 * over the block of tt_ops.c (per-layer views from the lists in tt_internal.h) */
#include "tt_internal.h"

typedef struct tt__layout {
    size_t param_off[TT__P_COUNT];   /* in floats */
    size_t param_per_layer[TT__P_COUNT]; /* floats per layer (whole size for non-layer kinds) */
    size_t n_params;
    int n_tensors;
    /* byte offsets into the block */
    size_t off_model, off_pool, off_params, off_grads, off_m, off_v, off_acts, off_scratch,
        off_partials, off_names, off_tensors, off_wte_pk, off_shared, off_micro, total;
    size_t n_moments;             /* floats of AdamW m (and of v): n_params, or the ZeRO-1 slice */
    size_t acts_floats, scratch_floats_per_slot, n_partials;
    size_t wte_pk_fwd, wte_pk_dx; /* floats of the packed wte copies (0: not used) */
    size_t be_acts_floats;        /* with a backend: floats of its activation buffer */
    size_t n_wh, off_wh;          /* precision bf16: uint16 of the weights' bf16 copy (even), offset */
    size_t n_host, off_hostbuf;   /* a backend's host copies of row losses and logits (floats, offset) */
    size_t shared_floats;         /* the GEMMs' shared packed B (0 with one thread) */
    size_t head_alloc_rows;       /* rows of the logits chunk kept apart (0: it lives in dqkv..dfch) */
    int head_rows;                /* rows of the lm head's chunk */
} tt__layout;

/* The lm head's logits chunk: (min(N, TT__HEAD_ROWS), Vp) kept apart, or,
 * with cfg.recompute on the CPU, inside dqkv..dfch (>= 7 N C floats, dead
 * while the lm head runs: it runs after the last layer's forward and before
 * the first layer's backward) with as many rows as fit there, when that is
 * at least min(N, 64). The chunk size does not change the bits (tt__op_head). */
TT__PRIVATE void tt__model_head_rows(const tt_model_config *c, size_t N, size_t C, size_t Vp, size_t *alloc_rows,
                                     int *rows) {
    size_t hr = N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS, fit;
    *alloc_rows = hr;
    *rows = (int)hr;
    if (!c->recompute || c->backend) return; /* N * 4C * L fits size_t (tt__model_plan) */
    fit = (((3 * N * C + 15) & ~(size_t)15) + 4 * N * C) / Vp;
    if (fit >= (hr < 64 ? hr : 64)) {
        *alloc_rows = 0;
        *rows = (int)(fit < hr ? fit : hr);
    }
}

/* the activation arrays (TT__ACT_LIST), each pointing into the activation
 * block; per-layer kinds hold all layers, layer l at l * count */
#define TT__A_FIELD(ty, f, l, n) ty *f;
typedef struct tt__acts { TT__ACT_LIST(TT__A_FIELD) } tt__acts;
#undef TT__A_FIELD

struct tt_model {
    tt_model_config cfg;     /* resolved */
    int V, Vp, C, L, NH, maxT, maxB;
    tt__layout lay;
    float *params, *grads, *m, *v; /* where the ops run: the backend's buffers (host memory on the CPU) */
    float *h_params, *h_grads, *h_m, *h_v; /* the host copies (the same arrays on the CPU) */
    float *h_row_loss, *h_logits; /* host copies of a.row_loss (N) and a.last_logits (B, Vp) */
    void *bbuf[6];           /* a backend's allocations: params, grads, m, v, activations, bf16 weights */
    uint16_t *wh;            /* precision bf16: the parameters rounded to bf16 (n_params), or NULL */
    int wh_stale;            /* wh must be refreshed before the next forward */
    const tt_backend *be;    /* the op table: cfg.backend, or be_cpu */
    tt_backend be_cpu;       /* the CPU instance (tt_backend_cpu.c) over ex */
    tt__cpu_be cpu;
    float *gbase;            /* where the running backward writes gradients: grads, or tt_comm.c's own block */
    tt__acts a;
    double *partials;        /* grad-norm partial sums, fixed chunks */
    float *wte_pk_fwd;       /* wte packed as the GEMM's B for logits = x wte^T, or NULL */
    float *wte_pk_dx;        /* wte packed as B for dx = dlogits wte, or NULL */
    tt_tensor_info *tensors;
    char *names;
    tt__exec ex;
    tt__prof prof;           /* cfg.profile: the sums and the clock */
    void *pool;              /* built-in pool, or NULL */
    void *block;             /* what tt_model_create allocated, or NULL */
    size_t block_size;
    uint64_t step;
    int last_B, last_T, have_targets, have_logits;
    int have_loss; /* row_loss holds the last forward with targets (kept after its backward) */
    tt__dp dp;               /* data parallel state (tt_comm.c) */
};

#define TT__NAME_LEN 48

/* ---- config ---- */
#if TT__HAS_CLOCK
/* the built-in clock of cfg.profile */
TT__PRIVATE double tt__clock_monotonic(void *user) {
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#endif

TT__PRIVATE void tt__model_config_defaults(tt_model_config *c) {
    if (c->n_ctx == 0) c->n_ctx = TT_DEFAULT_N_CTX;
    if (c->n_layer == 0) c->n_layer = TT_DEFAULT_N_LAYER;
    if (c->n_head == 0) c->n_head = TT_DEFAULT_N_HEAD;
    if (c->d_model == 0) c->d_model = TT_DEFAULT_D_MODEL;
    if (c->max_batch == 0) c->max_batch = TT_DEFAULT_MAX_BATCH;
    if (c->seed == 0) c->seed = TT_DEFAULT_SEED;
    if (c->n_threads <= 0) c->n_threads = 1;
    if (c->n_threads > TT__MAX_THREADS) c->n_threads = TT__MAX_THREADS;
#if !TT__HAS_THREADS
    if (!c->parallel.parallel_for) c->n_threads = 1;
#endif
}

TTDEF tt_model_config tt_model_config_resolve(const tt_model_config *cfg) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    if (cfg) c = *cfg;
    tt__model_config_defaults(&c);
    return c;
}

/* does this CPU (and OS) run the instructions the build was compiled for?
 * Define TT_CPU_CHECK() (an int expression, nonzero = yes) to replace the
 * check, e.g. when an emulation layer supplies the AVX-512 intrinsics. */
TT__PRIVATE int tt__cpu_has_simd(void) {
#if defined(TT_CPU_CHECK)
    return TT_CPU_CHECK() != 0;
#elif TT_SIMD_WIDTH > 1 && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#  if TT_SIMD_WIDTH == 16
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")
#    if defined(__AVX512BF16__) /* the vdpbf16ps GEMM kernel (tt_gemm_bf16.c) */
           && __builtin_cpu_supports("avx512bf16")
#    endif
        ;
#  else
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#  endif
#else
    return 1;
#endif
}

TT__PRIVATE tt_status tt__model_check_config(const tt_model_config *c) {
    const tt_logger *lg = &c->logger;
    if (!tt__cpu_has_simd()) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                 "this build's kernels need a CPU with SIMD width (AVX2+FMA = 8, AVX-512 F/BW/DQ/VL = 16, "
                 "+ AVX512_BF16 when compiled with it) ", TT_SIMD_WIDTH);
        return TT_ERR_UNSUPPORTED;
    }
    if (c->vocab_size <= 0 || c->vocab_size > TT_MAX_VOCAB) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: vocab_size must be in [1, 2^24], got ", c->vocab_size);
        return TT_ERR_INVALID_ARG;
    }
    if (c->n_ctx < 1 || c->n_ctx > TT_MAX_DIM || c->n_layer < 1 || c->n_layer > 1024 || c->d_model < 1 ||
        c->d_model > TT_MAX_DIM || c->n_head < 1 || c->max_batch < 1 || c->max_batch > TT_MAX_DIM) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: a size is out of range");
        return TT_ERR_INVALID_ARG;
    }
    if (c->d_model % c->n_head != 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: n_head must divide d_model");
        return TT_ERR_INVALID_ARG;
    }
    if ((c->allocator.alloc == NULL) != (c->allocator.free == NULL)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: allocator needs both alloc and free, or neither");
        return TT_ERR_INVALID_ARG;
    }
    if (c->precision != TT_PRECISION_FP32 && c->precision != TT_PRECISION_BF16) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: precision must be TT_PRECISION_FP32 or _BF16, got ",
                 c->precision);
        return TT_ERR_INVALID_ARG;
    }
    if (c->profile && !c->clock.now && !TT__HAS_CLOCK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "model config: profile needs a clock: this build has no CLOCK_MONOTONIC (define _POSIX_C_SOURCE) "
                "or set cfg.clock");
        return TT_ERR_UNSUPPORTED;
    }
    if (c->backend) {
        const tt_backend *b = c->backend;
        if (b->api_version != TT_BACKEND_API_VERSION) {
            tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: backend api_version is not this header's: ",
                     (long long)b->api_version);
            return TT_ERR_UNSUPPORTED;
        }
        if (!b->alloc || !b->free || !b->upload || !b->download || !b->zero || !b->copy || !b->sync || !b->gemm ||
            !b->embed_fwd || !b->embed_bwd || !b->layernorm_fwd || !b->layernorm_bwd || !b->attention_fwd ||
            !b->attention_bwd || !b->attention_cached || !b->lm_head || !b->param_stats || !b->adamw) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: the backend table has an empty entry");
            return TT_ERR_INVALID_ARG;
        }
        if (c->precision == TT_PRECISION_BF16 && !b->to_bf16) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: precision bf16 needs the backend's to_bf16 entry");
            return TT_ERR_UNSUPPORTED;
        }
        if (c->recompute && !b->gelu_fwd) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: recompute needs the backend's gelu_fwd entry");
            return TT_ERR_UNSUPPORTED;
        }
        if (c->comm.size > 1 || c->comm.allreduce_sum || c->zero1 || c->accum_exact) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                    "model config: comm, zero1 and accum_exact run on the CPU path only (not with cfg.backend)");
            return TT_ERR_UNSUPPORTED;
        }
    }
    return tt__dp_check_config(c);
}

/* ---- memory plan ---- */
TT__PRIVATE tt_status tt__model_plan(const tt_model_config *c, tt__layout *lay) {
    size_t V = (size_t)c->vocab_size, Vp = (V + 63) / 64 * 64, C = (size_t)c->d_model,
           L = (size_t)c->n_layer, T = (size_t)c->n_ctx, B = (size_t)c->max_batch, NH = (size_t)c->n_head;
    size_t N, off = 0, a = 0, tmp;
    int k = 0, ok = 1;
    tt__plan plan;
    memset(lay, 0, sizeof(*lay));
    ok &= tt__mul_size(B, T, &N);
    /* parameters, from TT__PARAM_LIST (rows, cols <= 4 * TT_MAX_DIM: their product fits 64 bits) */
    lay->n_tensors = 0;
#define TT__P_PLAN(ID, f, lyr, r, c, d, nm) \
    ok &= tt__mul_size((size_t)(r), (c) != 0 ? (size_t)(c) : 1, &lay->param_per_layer[k]); \
    ok &= tt__mul_size(lay->param_per_layer[k], (lyr) ? L : 1, &tmp); \
    lay->param_off[k++] = off; \
    ok &= tt__add_size(off, tmp, &off); \
    lay->n_tensors += (lyr) ? (int)L : 1;
    TT__PARAM_LIST(TT__P_PLAN)
#undef TT__P_PLAN
    lay->n_params = off;
    if (!ok) return TT_ERR_INVALID_ARG;

    /* activations (floats), from TT__ACT_LIST: each count (x L when per
     * layer) is at most N * 4C * L, HR * Vp or B * Vp (int32 = float size) */
    {
        size_t HR;
        ok &= tt__mul_size(N, 4 * C, &tmp) && tt__mul_size(tmp, L, &tmp) && tt__mul_size(N, NH, &tmp) &&
              tt__mul_size(N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS, Vp, &tmp) && tt__mul_size(B, Vp, &tmp) &&
              tt__mul_size(N, 3 * C, &tmp);
        if (!ok) return TT_ERR_INVALID_ARG;
        tt__model_head_rows(c, N, C, Vp, &lay->head_alloc_rows, &lay->head_rows);
        HR = lay->head_alloc_rows;
#define TT__A_PLAN(ty, f, lyr, n) \
        ok &= tt__add_size((size_t)(n) * TT__ACT_MULT(lyr, L, c->recompute), 16, &tmp); /* 64-byte aligned */ \
        ok &= tt__add_size(a, tmp & ~(size_t)15, &a);
        TT__ACT_LIST(TT__A_PLAN)
#undef TT__A_PLAN
        if (!ok) return TT_ERR_INVALID_ARG;
        lay->acts_floats = c->inference_only ? 0 : a; /* inference runs in a generator */
    }
    if (c->backend) { /* activations and scratch live in the backend's buffers */
        lay->be_acts_floats = lay->acts_floats;
        lay->acts_floats = 0;
    }
    lay->scratch_floats_per_slot = c->backend ? 0 :
        tt__align_up(tt__gemm_scratch_floats(), 16) + tt__op_attention_scratch_floats((int)T);
    /* per chunk of TT__NORM_CHUNK: the gradient sum of squares, then the
     * four u32 magnitude bounds of tt_adamw_step's update check (2 doubles) */
    lay->n_partials = (lay->n_params / TT__NORM_CHUNK + 1) * 3;

    memset(&plan, 0, sizeof(plan));
    lay->off_model = tt__plan_take(&plan, 1, sizeof(struct tt_model));
#if TT__HAS_THREADS
    lay->off_pool = tt__plan_take(&plan, 1, c->n_threads > 1 && !c->parallel.parallel_for && !c->backend
                                                ? tt__pool_size(c->n_threads) : 1);
#else
    lay->off_pool = tt__plan_take(&plan, 1, 1);
#endif
    lay->off_params = tt__plan_take(&plan, lay->n_params, sizeof(float));
    tmp = c->inference_only ? 0 : lay->n_params; /* no gradients or moments */
    lay->off_grads = tt__plan_take(&plan, tmp, sizeof(float));
    if (c->inference_only) {
        lay->n_moments = 0;
    } else {   /* AdamW moments: this rank's ZeRO-1 slice, or all */
        size_t lo, hi;
        tt__dp_slice(c, lay->n_params, c->comm.rank, &lo, &hi);
        lay->n_moments = hi - lo;
    }
    lay->off_m = tt__plan_take(&plan, lay->n_moments, sizeof(float));
    lay->off_v = tt__plan_take(&plan, lay->n_moments, sizeof(float));
    lay->off_micro = tt__plan_take(&plan, c->accum_exact && !c->inference_only ? lay->n_params : 1, sizeof(float));
    lay->off_acts = tt__plan_take(&plan, lay->acts_floats, sizeof(float));
    ok &= tt__mul_size(lay->scratch_floats_per_slot, (size_t)c->n_threads, &tmp);
    lay->off_scratch = tt__plan_take(&plan, tmp, sizeof(float));
    lay->off_partials = tt__plan_take(&plan, lay->n_partials, sizeof(double));
    /* packed copies of wte for the lm head's GEMMs: packed once per forward
     * instead of once per chunk of TT__HEAD_ROWS rows (SIMD builds, and only
     * when a batch can span more than one chunk) */
    lay->wte_pk_fwd = lay->wte_pk_dx = 0;
    if (N > TT__HEAD_ROWS && !c->inference_only && !c->backend && !c->recompute && tt__mul_size(V + 64, C + 64, &tmp)) { /* tmp: overflow guard */
        lay->wte_pk_fwd = tt__gemm_packed_floats((int)C, (int)c->vocab_size);
        lay->wte_pk_dx = tt__gemm_packed_floats((int)c->vocab_size, (int)C);
    }
    /* shared packed B for the layer GEMMs with more than one thread: the
     * largest B of the training products (W^T, W, and x for dW) */
    lay->shared_floats = 0;
    if (c->n_threads > 1 && !c->backend && tt__mul_size(N + 64, 4 * C + 64, &tmp)) {
        /* (K, N) of each B: W^T (IC, OC), W (OC, IC), x for dW (rows, IC) */
        size_t kn[7][2], k, best = 0;
        kn[0][0] = C; kn[0][1] = 3 * C;  kn[1][0] = C; kn[1][1] = 4 * C;  kn[2][0] = 4 * C; kn[2][1] = C;
        kn[3][0] = 3 * C; kn[3][1] = C;  kn[4][0] = C; kn[4][1] = C;      kn[5][0] = N; kn[5][1] = C;
        kn[6][0] = N; kn[6][1] = 4 * C;
        for (k = 0; k < (c->inference_only ? 5u : 7u); k++) { /* inference: no dW */
            size_t f = tt__gemm_packed_floats((int)kn[k][0], (int)kn[k][1]);
            if (f > best) best = f;
        }
        lay->shared_floats = best;
    }
    lay->off_shared = tt__plan_take(&plan, lay->shared_floats + 16, sizeof(float));
    ok &= tt__add_size(lay->wte_pk_fwd, 16, &tmp);
    ok &= tt__add_size(tmp, lay->wte_pk_dx, &tmp);
    lay->off_wte_pk = tt__plan_take(&plan, tmp, sizeof(float));
    /* precision bf16: the weights rounded once per step (in the backend's memory with one) */
    lay->n_wh = c->precision == TT_PRECISION_BF16 && !c->inference_only ? (lay->n_params + 1) / 2 * 2 : 0;
    lay->off_wh = tt__plan_take(&plan, c->backend ? 0 : lay->n_wh, sizeof(uint16_t));
    {   /* a backend's host copies of the row losses and last logits */
        size_t hl = 0;
        if (c->backend && !c->inference_only && !(tt__mul_size(B, Vp, &hl) && tt__add_size(hl, N + 16, &hl))) ok = 0;
        lay->n_host = hl;
        lay->off_hostbuf = tt__plan_take(&plan, hl, sizeof(float));
    }
    lay->off_names = tt__plan_take(&plan, (size_t)lay->n_tensors, TT__NAME_LEN);
    lay->off_tensors = tt__plan_take(&plan, (size_t)lay->n_tensors, sizeof(tt_tensor_info));
    if (!ok || plan.overflow) return TT_ERR_INVALID_ARG;
    /* + alignment slack for an unaligned caller buffer */
    if (!tt__add_size(plan.size, TT__ALIGN, &lay->total)) return TT_ERR_INVALID_ARG;
    return TT_OK;
}

TTDEF tt_status tt_model_memory_size(const tt_model_config *cfg, size_t *out_bytes) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    if (!cfg || !out_bytes) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, st, "model config: memory size overflows size_t");
        return st;
    }
    *out_bytes = lay.total;
    return TT_OK;
}

TTDEF tt_status tt_model_memory_breakdown(const tt_model_config *cfg, tt_memory_breakdown *out) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    size_t f = sizeof(float), known;
    if (!cfg || !out) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) return st;
    memset(out, 0, sizeof(*out));
    /* the plan's regions (region sizes are the differences of their offsets
     * where alignment matters little; every count below is an exact count) */
    out->params = lay.n_params * f;
    out->grads = (c.inference_only ? 0 : lay.n_params * f) + (c.accum_exact && !c.inference_only ? lay.n_params * f : 0);
    out->moments = 2 * lay.n_moments * f;
    out->activations = lay.acts_floats * f;
    out->scratch = lay.scratch_floats_per_slot * (size_t)c.n_threads * f + lay.n_partials * sizeof(double) +
                   lay.n_host * f;
    out->packed = (lay.wte_pk_fwd + lay.wte_pk_dx + lay.shared_floats) * f + (c.backend ? 0 : lay.n_wh * 2);
    out->total = lay.total;
    known = out->params + out->grads + out->moments + out->activations + out->scratch + out->packed;
    out->other = lay.total > known ? lay.total - known : 0;
    if (c.backend)
        out->backend = (lay.n_params + (c.inference_only ? 0 : lay.n_params) + 2 * lay.n_moments + lay.be_acts_floats) * f +
                       lay.n_wh * 2;
    return TT_OK;
}

/* ---- tensor names and init ---- */
TT__PRIVATE void tt__strcat_int(char *dst, const char *a, int v, const char *b) {
    size_t n = 0;
    char d[12];
    int nd = 0;
    while (*a) dst[n++] = *a++;
    if (v >= 0) {
        do { d[nd++] = (char)('0' + v % 10); v /= 10; } while (v);
        while (nd) dst[n++] = d[--nd];
    }
    while (*b) dst[n++] = *b++;
    dst[n] = 0;
}

TT__PRIVATE void tt__model_fill_tensors(tt_model *m) {
    typedef struct { const char *name; int per_layer, rows, cols, decay; } tt__pinfo;
    int Vp = m->Vp, T = m->maxT, C = m->C, k, l, i = 0;
#define TT__P_INFO(ID, f, lyr, r, c, d, nm) { nm, lyr, r, c, d },
    const tt__pinfo info[TT__P_COUNT] = { TT__PARAM_LIST(TT__P_INFO) };
#undef TT__P_INFO
    for (k = 0; k < TT__P_COUNT; k++) {
        int nl = info[k].per_layer ? m->L : 1;
        for (l = 0; l < nl; l++) {
            tt_tensor_info *t = &m->tensors[i];
            char *name = m->names + (size_t)i * TT__NAME_LEN;
            if (info[k].per_layer) tt__strcat_int(name, "h.", l, info[k].name);
            else tt__strcat_int(name, "", -1, info[k].name);
            t->name = name;
            t->numel = m->lay.param_per_layer[k];
            t->offset = m->lay.param_off[k] + (size_t)l * t->numel;
            t->ndim = info[k].cols ? 2 : 1;
            t->shape[0] = (int32_t)info[k].rows;
            t->shape[1] = (int32_t)info[k].cols;
            t->decay = info[k].decay;
            i++;
        }
    }
}

/* GPT-2 init, one tensor after another in layout order from one PCG32 stream */
TT__PRIVATE void tt__model_init_params(tt_model *m) {
    tt_rng rng;
    int i;
    size_t j;
    float resid_std = 0.02f / TT_SQRTF(2.0f * (float)m->L);
    tt_rng_seed(&rng, m->cfg.seed);
    memset(m->h_params, 0, m->lay.n_params * sizeof(float));
    for (i = 0; i < m->lay.n_tensors; i++) {
        const tt_tensor_info *t = &m->tensors[i];
        float *p = m->h_params + t->offset;
        size_t n = t->numel;
        const char *nm = t->name;
        size_t len = strlen(nm);
        if (t->ndim == 2) {
            float sd = 0.02f;
            if (len > 13 && strcmp(nm + len - 13, "c_proj.weight") == 0) sd = resid_std;
            if (i == 0) n = (size_t)m->V * (size_t)m->C; /* padded wte rows stay 0 */
            for (j = 0; j < n; j++) p[j] = sd * tt_rng_normal(&rng);
        } else if (len > 7 && strcmp(nm + len - 7, ".weight") == 0) {
            for (j = 0; j < n; j++) p[j] = 1.0f; /* LayerNorm weight */
        }
    }
}

/* ---- create / destroy ---- */
/* a backend's buffers for what the ops touch: parameters, gradients,
 * moments (same offsets as the host copies) and the activations */
TT__PRIVATE void tt__model_free_backend(tt_model *m) {
    int i;
    if (m->be == &m->be_cpu) return;
    for (i = 0; i < 6; i++) {
        if (m->bbuf[i]) m->be->free(m->be->ctx, m->bbuf[i]);
        m->bbuf[i] = NULL;
    }
}
TT__PRIVATE tt_status tt__model_alloc_backend(tt_model *m) {
    const tt_backend *be = m->be;
    size_t P = m->lay.n_params, M = m->lay.n_moments, A = m->lay.be_acts_floats;
    size_t n[6];
    tt_status st = TT_OK;
    int i;
    n[0] = P; n[1] = m->cfg.inference_only ? 0 : P; n[2] = n[3] = M; n[4] = A;
    n[5] = m->lay.n_wh / 2; /* bf16 copy: n_wh halves */
    for (i = 0; i < 6 && st == TT_OK; i++) {
        if (!n[i]) continue;
        st = be->alloc(be->ctx, n[i] * sizeof(float), &m->bbuf[i]);
        if (st == TT_OK && !m->bbuf[i]) st = TT_ERR_BACKEND;
        if (st == TT_OK && i > 0 && i < 4) st = be->zero(be->ctx, m->bbuf[i], n[i] * sizeof(float));
    }
    if (st != TT_OK) {
        tt__logf(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_create: backend buffer allocation failed, floats: ",
                 (long long)n[i - 1]);
        tt__model_free_backend(m);
        return st;
    }
    m->params = (float *)m->bbuf[0];
    m->grads = (float *)m->bbuf[1];
    m->m = (float *)m->bbuf[2];
    m->v = (float *)m->bbuf[3];
    m->wh = (uint16_t *)m->bbuf[5];
    return TT_OK;
}

/* the CPU instance of the op table over the model's executor and scratch */
TT__PRIVATE void tt__model_init_cpu(tt_model *m) {
    tt__cpu_be *c = &m->cpu;
    memset(c, 0, sizeof(*c));
    c->par = m->ex;
    c->ser = m->ex;
    c->ser.n_threads = 1;
    c->ser.par.parallel_for = NULL;
    c->ser.par.pool = NULL;
    c->par_macs = 0; /* training: every op on all threads */
    c->prof = m->prof.now ? &m->prof : NULL;
    c->head = m->a.head;
    c->head_rows = m->lay.head_rows;
    c->pk_fwd = m->wte_pk_fwd; c->pk_dx = m->wte_pk_dx;
    c->pk_V = m->V; c->pk_C = m->C; c->max_Vp = m->Vp; c->max_T = m->maxT;
    c->partials = m->partials;
    c->max_stats = m->lay.n_params;
    c->alloc = m->cfg.allocator;
    tt__cpu_backend_init(&m->be_cpu, c);
}

TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    unsigned char *base;
    tt_model *m;
    if (!cfg || !mem || !out_model) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) return st;
    if (bytes < lay.total) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_BUFFER_TOO_SMALL, "tt_model_create_in: buffer too small, need bytes: ", (long long)lay.total);
        return TT_ERR_BUFFER_TOO_SMALL;
    }
    base = (unsigned char *)(((uintptr_t)mem + (TT__ALIGN - 1)) & ~(uintptr_t)(TT__ALIGN - 1));
    m = (tt_model *)(base + lay.off_model);
    memset(m, 0, sizeof(*m));
    m->cfg = c;
    m->lay = lay;
    m->V = c.vocab_size;
    m->Vp = (c.vocab_size + 63) / 64 * 64;
    m->C = c.d_model;
    m->L = c.n_layer;
    m->NH = c.n_head;
    m->maxT = c.n_ctx;
    m->maxB = c.max_batch;
    m->h_params = (float *)(base + lay.off_params);
    if (!c.inference_only) {
        m->h_grads = (float *)(base + lay.off_grads);
        m->h_m = (float *)(base + lay.off_m);
        m->h_v = (float *)(base + lay.off_v);
    }
    m->be = c.backend ? c.backend : &m->be_cpu;
    if (c.backend) {
        if ((st = tt__model_alloc_backend(m)) != TT_OK) return st;
    } else {
        m->params = m->h_params; m->grads = m->h_grads; m->m = m->h_m; m->v = m->h_v;
        m->wh = lay.n_wh ? (uint16_t *)(void *)(base + lay.off_wh) : NULL;
    }
    m->wh_stale = 1;
    m->partials = (double *)(base + lay.off_partials);
    m->wte_pk_fwd = lay.wte_pk_fwd ? (float *)(base + lay.off_wte_pk) : NULL;
    m->wte_pk_dx = lay.wte_pk_dx ? (float *)(base + lay.off_wte_pk) + tt__align_up(lay.wte_pk_fwd, 16) : NULL;
    m->names = (char *)(base + lay.off_names);
    m->tensors = (tt_tensor_info *)(base + lay.off_tensors);
    m->gbase = m->grads;
    /* carve the activations of TT__ACT_LIST in the order the plan counted
     * them, from the host block or the backend's buffer */
    if (!c.inference_only) {
        size_t C = (size_t)m->C, L = (size_t)m->L, NH = (size_t)m->NH, Vp = (size_t)m->Vp, B = (size_t)c.max_batch;
        size_t N = B * (size_t)c.n_ctx, HR = lay.head_alloc_rows;
        float *p = c.backend ? (float *)m->bbuf[4] : (float *)(base + lay.off_acts);
#define TT__A_CARVE(ty, f, lyr, n) \
        m->a.f = (ty *)(void *)p; p += ((size_t)(n) * TT__ACT_MULT(lyr, L, c.recompute) + 16) & ~(size_t)15;
        TT__ACT_LIST(TT__A_CARVE)
#undef TT__A_CARVE
        if (c.recompute) { /* not kept: written into the backward's buffers */
            m->a.ln1 = m->a.ln2 = m->a.dln;
            m->a.fch_gelu = m->a.atty = m->a.dfch;
            if (HR == 0) m->a.head = m->a.dqkv; /* through dfch (tt__model_head_rows) */
        }
        if (c.backend) {
            m->h_row_loss = (float *)(base + lay.off_hostbuf);
            m->h_logits = m->h_row_loss + tt__align_up(N, 16);
        } else {
            m->h_row_loss = m->a.row_loss;
            m->h_logits = m->a.last_logits;
        }
    }
    m->ex.n_threads = c.n_threads;
    m->ex.force_scalar = c.force_scalar;
    m->ex.scratch = (float *)(base + lay.off_scratch);
    m->ex.scratch_floats = lay.scratch_floats_per_slot;
    m->ex.shared = lay.shared_floats ? (float *)(base + lay.off_shared) : NULL;
    m->ex.shared_floats = lay.shared_floats;
    m->ex.par = c.parallel;
    if (c.profile) {
        if (c.clock.now) { m->prof.now = c.clock.now; m->prof.user = c.clock.user; }
#if TT__HAS_CLOCK
        else m->prof.now = tt__clock_monotonic;
#endif
    }
    tt__model_fill_tensors(m);
    if (!c.inference_only && !c.backend) {
        memset(m->grads, 0, lay.n_params * sizeof(float));
        memset(m->m, 0, lay.n_moments * sizeof(float));
        memset(m->v, 0, lay.n_moments * sizeof(float));
    }
    if (!c.inference_only && c.backend) {
        memset(m->h_grads, 0, lay.n_params * sizeof(float));
        memset(m->h_m, 0, lay.n_moments * sizeof(float));
        memset(m->h_v, 0, lay.n_moments * sizeof(float));
    }
    tt__dp_init(m, c.accum_exact && !c.inference_only ? (float *)(base + lay.off_micro) : NULL);
    if (c.no_init) memset(m->h_params, 0, lay.n_params * sizeof(float));
    else tt__model_init_params(m);
    if (c.backend && (st = c.backend->upload(c.backend->ctx, m->params, m->h_params, lay.n_params * sizeof(float))) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, st, "tt_model_create: backend upload of the parameters failed");
        tt__model_free_backend(m);
        return st;
    }
#if TT__HAS_THREADS
    if (c.n_threads > 1 && !c.parallel.parallel_for && !c.backend) {
        tt__pool *pool = (tt__pool *)(base + lay.off_pool);
        if ((st = tt__pool_start(pool, c.n_threads)) != TT_OK) {
            tt__log(&c.logger, TT_LOG_ERROR, st, "tt_model_create: could not start worker threads");
            return st;
        }
        m->pool = pool;
        m->ex.par.parallel_for = tt__pool_parallel_for;
        m->ex.par.pool = pool;
    }
#endif
    tt__model_init_cpu(m);
    *out_model = m;
    return TT_OK;
}

TTDEF tt_status tt_model_create(const tt_model_config *cfg, tt_model **out_model) {
    tt_model_config c;
    size_t bytes;
    void *mem;
    tt_model *m = NULL;
    tt_status st;
    if (!cfg || !out_model) return TT_ERR_INVALID_ARG;
    if ((st = tt_model_memory_size(cfg, &bytes)) != TT_OK) return st;
    c = tt_model_config_resolve(cfg);
    if (!tt__allocator_valid(&c.allocator)) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "tt_model_create: this build has TT_NO_MALLOC: pass cfg.allocator or use tt_model_create_in");
        return TT_ERR_INVALID_ARG;
    }
    mem = tt__alloc(&c.allocator, bytes, TT__ALIGN);
    if (!mem) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "tt_model_create: allocation failed, bytes: ", (long long)bytes);
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = tt_model_create_in(cfg, mem, bytes, &m);
    if (st != TT_OK) {
        tt__free(&c.allocator, mem, bytes);
        return st;
    }
    m->block = mem;
    m->block_size = bytes;
    *out_model = m;
    return TT_OK;
}

TTDEF void tt_model_destroy(tt_model *m) {
    tt_allocator al;
    void *block;
    size_t size;
    if (!m) return;
#if TT__HAS_THREADS
    if (m->pool) tt__pool_stop((tt__pool *)m->pool);
#endif
    tt__model_free_backend(m);
    al = m->cfg.allocator;
    block = m->block;
    size = m->block_size;
    if (block) tt__free(&al, block, size);
}

/* ---- accessors ---- */
TTDEF tt_model_config tt_model_get_config(const tt_model *m) {
    tt_model_config c;
    if (m) return m->cfg;
    memset(&c, 0, sizeof(c));
    return c;
}
TTDEF int tt_model_num_tensors(const tt_model *m) { return m ? m->lay.n_tensors : 0; }
TTDEF tt_status tt_model_tensor(const tt_model *m, int i, tt_tensor_info *out) {
    if (!m || !out || i < 0 || i >= m->lay.n_tensors) return TT_ERR_INVALID_ARG;
    *out = m->tensors[i];
    return TT_OK;
}
TTDEF size_t tt_model_num_params(const tt_model *m) { return m ? m->lay.n_params : 0; }
TTDEF float *tt_model_params(tt_model *m) {
    if (!m) return NULL;
    m->wh_stale = 1; /* the caller may write them: round the bf16 copy again */
    return m->h_params;
}
TTDEF float *tt_model_grads(tt_model *m) { return m ? m->h_grads : NULL; }
TTDEF float *tt_model_adam_m(tt_model *m) { return m ? m->h_m : NULL; }
TTDEF float *tt_model_adam_v(tt_model *m) { return m ? m->h_v : NULL; }
TTDEF const tt_backend *tt_model_backend(const tt_model *m) { return m ? m->be : NULL; }
/* host <-> backend copies of parameters, gradients and moments (no-ops on the CPU) */
TTDEF tt_status tt_model_download(tt_model *m) {
    const tt_backend *be;
    size_t P, M;
    tt_status st = TT_OK;
    if (!m) return TT_ERR_INVALID_ARG;
    if (m->be == &m->be_cpu) return TT_OK;
    be = m->be; P = m->lay.n_params * sizeof(float); M = m->lay.n_moments * sizeof(float);
    st = be->download(be->ctx, m->h_params, m->params, P);
    if (st == TT_OK && m->grads) st = be->download(be->ctx, m->h_grads, m->grads, P);
    if (st == TT_OK && m->m && M) st = be->download(be->ctx, m->h_m, m->m, M);
    if (st == TT_OK && m->v && M) st = be->download(be->ctx, m->h_v, m->v, M);
    if (st != TT_OK) tt__log(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_download: the backend's download failed");
    return st;
}
TTDEF tt_status tt_model_upload(tt_model *m) {
    const tt_backend *be;
    size_t P, M;
    tt_status st = TT_OK;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0; /* the activations belong to the old weights */
    m->wh_stale = 1;
    if (m->be == &m->be_cpu) return TT_OK;
    be = m->be; P = m->lay.n_params * sizeof(float); M = m->lay.n_moments * sizeof(float);
    st = be->upload(be->ctx, m->params, m->h_params, P);
    if (st == TT_OK && m->grads) st = be->upload(be->ctx, m->grads, m->h_grads, P);
    if (st == TT_OK && m->m && M) st = be->upload(be->ctx, m->m, m->h_m, M);
    if (st == TT_OK && m->v && M) st = be->upload(be->ctx, m->v, m->h_v, M);
    if (st != TT_OK) tt__log(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_upload: the backend's upload failed");
    return st;
}
TTDEF uint64_t tt_model_step(const tt_model *m) { return m ? m->step : 0; }
TTDEF void tt_model_set_step(tt_model *m, uint64_t step) { if (m) m->step = step; }
TTDEF void tt_model_zero_grad(tt_model *m) {
    if (m && m->grads) {
        if (m->be == &m->be_cpu) memset(m->grads, 0, m->lay.n_params * sizeof(float));
        else if (m->be->zero(m->be->ctx, m->grads, m->lay.n_params * sizeof(float)) != TT_OK)
            tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_BACKEND, "tt_model_zero_grad: the backend's zero failed");
    }
    if (m) m->dp.dirty = 0;
}

/* ---- views and accessors for the other model files ---- */
/* layer l's weights (base = params) or gradients (base = a gradient block) */
TT__PRIVATE void tt__model_layer_at(const tt_model *m, const float *base, int l, tt__layer_w *w) {
#define TT__P_LSET(ID, f, lyr, r, c, d, nm) \
    TT__IF_##lyr(w->f = (float *)base + m->lay.param_off[TT__P_##ID] + (size_t)l * m->lay.param_per_layer[TT__P_##ID];)
    TT__PARAM_LIST(TT__P_LSET)
#undef TT__P_LSET
}
TT__PRIVATE void tt__model_globals_at(const tt_model *m, const float *base, tt__model_w *w) {
#define TT__P_GSET(ID, f, lyr, r, c, d, nm) TT__IFNOT_##lyr(w->f = (float *)base + m->lay.param_off[TT__P_##ID];)
    TT__PARAM_LIST(TT__P_GSET)
#undef TT__P_GSET
}
/* layer l's training activations */
TT__PRIVATE void tt__model_acts_at(const tt_model *m, int l, tt__layer_acts *a) {
    size_t N = (size_t)m->maxB * (size_t)m->maxT, C = (size_t)m->C, NH = (size_t)m->NH;
#define TT__A_LSET(ty, f, lyr, n) TT__IF_##lyr(a->f = m->a.f + (size_t)l * (n) * (TT__ACT_MULT(lyr, 1, m->cfg.recompute));)
    TT__ACT_LIST(TT__A_LSET)
#undef TT__A_LSET
    (void)NH;
    a->recompute = m->cfg.recompute;
    a->in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * N * C;
}
TT__PRIVATE const tt__exec *tt__model_exec(const tt_model *m) { return &m->ex; }
TT__PRIVATE const tt_backend *tt__model_cfg_backend(const tt_model *m) { return m->cfg.backend; }
TT__PRIVATE void tt__model_layer_w(const tt_model *m, int l, tt__layer_w *out) { tt__model_layer_at(m, m->params, l, out); }
TT__PRIVATE void tt__model_globals(const tt_model *m, tt__model_w *out) { tt__model_globals_at(m, m->params, out); }
TT__PRIVATE int tt__model_vp(const tt_model *m) { return m->Vp; }
TT__PRIVATE const tt_tensor_info *tt__model_tensors(const tt_model *m) { return m->tensors; }
TT__PRIVATE void tt__model_shape_of(const tt_model *m, tt__model_shape *s) {
    s->V = m->V; s->Vp = m->Vp; s->C = m->C; s->L = m->L; s->NH = m->NH; s->maxT = m->maxT;
    s->n_params = m->lay.n_params;
    s->n_tensors = m->lay.n_tensors;
    s->tensors = m->tensors;
    s->params = m->h_params;
    s->logger = &m->cfg.logger;
    s->allocator = &m->cfg.allocator;
}
TT__PRIVATE void tt__model_param_view(tt_model *m, tt__param_view *v) {
    v->params = m->params; v->grads = m->grads; v->m = m->m; v->v = m->v;
    v->n = m->lay.n_params;
    v->tensors = m->tensors; v->n_tensors = m->lay.n_tensors;
    v->partials = m->partials;
    v->be = m->be;
    v->ex = &m->ex;
    v->dp = &m->dp;
    v->cfg = &m->cfg;
    v->step = &m->step;
    v->prof = m->prof.now ? &m->prof : NULL;
}
TT__PRIVATE void tt__model_params_changed(tt_model *m) { m->have_targets = 0; m->wh_stale = 1; }
TT__PRIVATE void tt__model_forget_acts(tt_model *m) {
    m->have_targets = m->have_logits = m->have_loss = 0;
    m->wh_stale = 1;
}
TT__PRIVATE void tt__model_set_grad_base(tt_model *m, float *base) { m->gbase = base; }
TT__PRIVATE float *tt__model_grad_base(const tt_model *m) { return m->gbase; }

/* how the model's ops run: through its op table, timed when profiling */
TT__PRIVATE tt__bk tt__model_bk(tt_model *m) {
    tt__bk k;
    k.be = m->be;
    k.prof = m->prof.now ? &m->prof : NULL;
    k.st = TT_OK;
    k.wh = m->wh; /* NULL unless precision bf16 */
    k.wbase = m->params;
    return k;
}

TTDEF const char *tt_op_kind_name(int kind) {
    static const char *const names[TT_OP_COUNT] = {
        "embedding", "layernorm", "qkv", "attention", "attn_proj", "fc", "fc_proj", "lm_head", "softmax_ce",
        "embedding_bwd", "layernorm_bwd", "qkv_bwd", "attention_bwd", "attn_proj_bwd", "fc_bwd", "fc_proj_bwd",
        "lm_head_bwd", "adamw" };
    return kind >= 0 && kind < TT_OP_COUNT ? names[kind] : "?";
}
TTDEF tt_status tt_model_get_stats(const tt_model *m, tt_model_stats *out) {
    if (!m || !out) return TT_ERR_INVALID_ARG;
    *out = m->prof.st;
    return TT_OK;
}
TTDEF void tt_model_reset_stats(tt_model *m) {
    if (m) memset(&m->prof.st, 0, sizeof(m->prof.st));
}

/* ---- lm head ---- */
/* mean of the per-row losses, summed in row order (thread-count independent) */
TT__PRIVATE float tt__mean_loss(const tt_model *m, int N) {
    double sum = 0.0;
    int i;
    for (i = 0; i < N; i++) sum += m->h_row_loss[i];
    return (float)(sum / N);
}

/* lm head + softmax + cross-entropy (the table's lm_head): mode 0 loss; 1/2
 * also dlnf -> a.dtmp and dwte += dlogits^T lnf */
TT__PRIVATE void tt__head(tt_model *m, tt__bk *k, int N, int mode, float grad_scale) {
    tt_backend_head h;
    tt__model_w pw, gw;
    tt__prof *pf = m->be == &m->be_cpu ? NULL : k->prof; /* the CPU instance times the head's parts itself */
    tt__model_globals_at(m, m->params, &pw);
    memset(&h, 0, sizeof(h));
    h.x = m->a.lnf; h.wte = pw.wte; h.targets = m->a.targets;
    h.row_lse = m->a.row_lse; h.row_loss = m->a.row_loss;
    h.dx = m->a.dtmp;
    if (m->gbase) {
        tt__model_globals_at(m, m->gbase, &gw);
        h.dwte = gw.wte;
    }
    h.N = N; h.V = m->V; h.Vp = m->Vp; h.C = m->C; h.mode = mode; h.scale = grad_scale / (float)N;
    if (k->st == TT_OK) {
        double t0 = tt__prof_begin(pf);
        k->st = m->be->lm_head(m->be->ctx, &h);
        if (pf) tt__prof_end(pf, mode ? TT_OP_LM_HEAD_BWD : TT_OP_LM_HEAD, t0,
                             2.0 * (mode ? 3.0 : 1.0) * (double)N * (double)m->V * (double)m->C);
    }
}

/* backend -> host copy (nothing when they are the same memory: the CPU) */
TT__PRIVATE void tt__model_to_host(tt_model *m, tt__bk *k, void *dst, const void *src, size_t bytes) {
    if (k->st != TT_OK || dst == src) return;
    k->st = m->be->download(m->be->ctx, dst, src, bytes);
}
TT__PRIVATE void tt__model_to_backend(tt_model *m, tt__bk *k, void *dst, const void *src, size_t bytes) {
    if (k->st != TT_OK) return;
    if (m->be == &m->be_cpu) memcpy(dst, src, bytes);
    else k->st = m->be->upload(m->be->ctx, dst, src, bytes);
}
/* a failed op of the table: logged, and the model holds no usable activations */
TT__PRIVATE tt_status tt__model_op_failed(tt_model *m, const tt__bk *k, const char *what) {
    m->have_targets = m->have_logits = m->have_loss = 0;
    tt__log(&m->cfg.logger, TT_LOG_ERROR, k->st, what);
    return k->st;
}

/* ---- forward ---- */
TT__PRIVATE tt_status tt__model_check_batch(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                            int B, int T) {
    size_t i, N;
    if (m->cfg.inference_only) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "inference_only model: no training activations; use a generator (tt_generator_feed/score)");
        return TT_ERR_UNSUPPORTED;
    }
    if (B < 1 || T < 1 || B > m->maxB || T > m->maxT) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "forward: need 1 <= B <= max_batch and 1 <= T <= n_ctx");
        return TT_ERR_SHAPE;
    }
    N = (size_t)B * (size_t)T;
    for (i = 0; i < N; i++) {
        if (tokens[i] < 0 || tokens[i] >= m->V || (targets && (targets[i] < 0 || targets[i] >= m->V))) {
            tt__logf(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "forward: token id out of range [0, V) at index ", (long long)i);
            return TT_ERR_INVALID_ARG;
        }
    }
    return TT_OK;
}

/* everything up to the final LayerNorm (a.lnf); inputs already checked */
TT__PRIVATE void tt__forward_body(tt_model *m, tt__bk *k, const int32_t *tokens, const int32_t *targets, int B, int T) {
    int l, N = B * T, C = m->C;
    tt__model_w gw;
    tt__layer_w w;
    tt__layer_acts a;
    tt__attn_arg att;
    if (m->wh && m->wh_stale && k->st == TT_OK) { /* bf16: the weights rounded once per change */
        TT__BK(k, TT_OP_ADAMW, 0.0, to_bf16(m->be->ctx, m->wh, m->params, m->lay.n_params));
        if (k->st == TT_OK) m->wh_stale = 0;
    }
    tt__model_to_backend(m, k, m->a.tokens, tokens, (size_t)N * sizeof(int32_t));
    if (targets) tt__model_to_backend(m, k, m->a.targets, targets, (size_t)N * sizeof(int32_t));
    m->have_targets = 0;
    m->have_logits = 0;
    memset(&att, 0, sizeof(att)); /* full-sequence attention */
    tt__model_globals_at(m, m->params, &gw);
    TT__BK(k, TT_OP_EMBEDDING, 0.0, embed_fwd(m->be->ctx, m->a.x0, m->a.tokens, gw.wte, gw.wpe, B, T, 0, C));
    for (l = 0; l < m->L; l++) {
        tt__model_layer_at(m, m->params, l, &w);
        tt__model_acts_at(m, l, &a);
        tt__block_fwd(k, &w, &a, &att, B, T, C, m->NH);
    }
    tt__bk_layernorm_fwd(k, m->a.lnf, m->a.lnf_mean, m->a.lnf_rstd, a.res3, gw.lnfw, gw.lnfb, N, C);
    m->last_B = B;
    m->last_T = T;
}

TTDEF tt_status tt_model_forward(tt_model *m, const int32_t *tokens, const int32_t *targets, int B, int T,
                                 float *out_loss) {
    int N, C;
    tt_status st;
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0; /* a failed forward leaves nothing to backward or read */
    if (!tokens) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    k = tt__model_bk(m);
    tt__forward_body(m, &k, tokens, targets, B, T);
    N = B * T; C = m->C;
    if (targets) {
        tt__head(m, &k, N, 0, 0.0f);
        tt__model_to_host(m, &k, m->h_row_loss, m->a.row_loss, (size_t)N * sizeof(float));
        if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward: a backend op failed");
        m->have_targets = m->have_loss = 1;
        if (out_loss) *out_loss = tt__mean_loss(m, N);
    } else {
        /* logits of the last position of each row */
        tt__model_w pw;
        tt__model_globals_at(m, m->params, &pw);
        tt__bk_logits(&k, m->a.last_logits, m->Vp, m->a.lnf + (size_t)(T - 1) * C, (ptrdiff_t)T * C, pw.wte, B,
                      m->V, C);
        tt__model_to_host(m, &k, m->h_logits, m->a.last_logits, (size_t)B * (size_t)m->Vp * sizeof(float));
        if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward: a backend op failed");
        m->have_logits = 1;
        if (out_loss) *out_loss = 0.0f;
    }
    return TT_OK;
}

TTDEF tt_status tt_model_logits(const tt_model *m, float *out, size_t n) {
    int b;
    if (!m || !out || !m->have_logits) return TT_ERR_INVALID_ARG;
    if (n < (size_t)m->last_B * (size_t)m->V) return TT_ERR_BUFFER_TOO_SMALL;
    for (b = 0; b < m->last_B; b++)
        memcpy(out + (size_t)b * m->V, m->h_logits + (size_t)b * m->Vp, (size_t)m->V * sizeof(float));
    return TT_OK;
}

/* ---- backward ---- */
/* backward from dlnf (in a.dtmp) down to the embeddings, gradients into m->gbase */
TT__PRIVATE void tt__backward_body(tt_model *m, tt__bk *k) {
    int l, B = m->last_B, T = m->last_T, N = B * T, C = m->C;
    tt__model_w pw, gw;
    tt__layer_w w, g;
    tt__layer_acts a;
    tt__block_grads d;
    tt__model_globals_at(m, m->params, &pw);
    tt__model_globals_at(m, m->gbase, &gw);
    d.dres = m->a.dres; d.dtmp = m->a.dtmp; d.dln = m->a.dln; d.dqkv = m->a.dqkv; d.dfch = m->a.dfch;
    tt__model_acts_at(m, m->L - 1, &a);
    tt__bk_layernorm_bwd(k, m->a.dres, gw.lnfw, gw.lnfb, m->a.dtmp, a.res3, pw.lnfw, m->a.lnf_mean, m->a.lnf_rstd,
                         N, C, 0);
    for (l = m->L - 1; l >= 0; l--) {
        tt__model_layer_at(m, m->params, l, &w);
        tt__model_layer_at(m, m->gbase, l, &g);
        tt__model_acts_at(m, l, &a);
        tt__block_bwd(k, &w, &g, &a, &d, B, T, C, m->NH);
    }
    TT__BK(k, TT_OP_EMBEDDING_BWD, 0.0, embed_bwd(m->be->ctx, gw.wte, gw.wpe, m->a.dres, m->a.tokens, B, T, C));
}

TTDEF tt_status tt_model_backward(tt_model *m, float grad_scale) {
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    if (m->cfg.inference_only) return TT_ERR_UNSUPPORTED;
    if (!m->have_targets) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "backward: needs a successful forward with targets since the last backward or optimizer step");
        return TT_ERR_INVALID_ARG;
    }
    if (!(grad_scale >= -3.0e38f && grad_scale <= 3.0e38f)) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "backward: grad_scale must be finite");
        return TT_ERR_INVALID_ARG;
    }
    m->have_targets = 0; /* one backward per forward */
    k = tt__model_bk(m);
    /* lm head: recompute the logits chunk by chunk, dlogits, dlnf, dwte */
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, &k, m->last_B * m->last_T, 1, grad_scale);
    tt__backward_body(m, &k);
    tt__dp_backward_end(m);
    if (k.st != TT_OK) return tt__model_op_failed(m, &k, "backward: a backend op failed (gradients incomplete)");
    return TT_OK;
}

TTDEF tt_status tt_model_forward_backward(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                          int B, int T, float grad_scale, float *out_loss) {
    int N;
    tt_status st;
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0;
    if (!tokens || !targets || !(grad_scale >= -3.0e38f && grad_scale <= 3.0e38f)) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    k = tt__model_bk(m);
    tt__forward_body(m, &k, tokens, targets, B, T);
    N = B * T;
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, &k, N, 2, grad_scale);
    tt__backward_body(m, &k); /* have_targets stays 0: the backward is done */
    tt__dp_backward_end(m);
    tt__model_to_host(m, &k, m->h_row_loss, m->a.row_loss, (size_t)N * sizeof(float));
    if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward_backward: a backend op failed (gradients incomplete)");
    m->have_loss = 1;
    if (out_loss) *out_loss = tt__mean_loss(m, N);
    return TT_OK;
}

TTDEF tt_status tt_model_token_losses(const tt_model *m, float *out, size_t n) {
    size_t N;
    if (!m || !out || !m->have_loss) return TT_ERR_INVALID_ARG;
    N = (size_t)m->last_B * (size_t)m->last_T;
    if (n < N) return TT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, m->h_row_loss, N * sizeof(float));
    return TT_OK;
}
