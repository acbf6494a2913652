/* >>model  GPT-2: config, memory plan, parameter layout, forward and backward */
#include "tt_internal.h"

/* rows of the lm head processed at once: the (B*T x V) logits are never held
 * whole, only (TT__HEAD_ROWS x Vp) */
#ifndef TT__HEAD_ROWS
#define TT__HEAD_ROWS 512 /* M at 2 threads: 512 rows 4-11 % faster than 256, 1024 no better */
#endif

/* parameter kinds in layout order (llm.c order: each kind holds all layers) */
enum {
    TT__P_WTE, TT__P_WPE, TT__P_LN1W, TT__P_LN1B, TT__P_QKVW, TT__P_QKVB, TT__P_ATTPROJW,
    TT__P_ATTPROJB, TT__P_LN2W, TT__P_LN2B, TT__P_FCW, TT__P_FCB, TT__P_FCPROJW, TT__P_FCPROJB,
    TT__P_LNFW, TT__P_LNFB, TT__P_COUNT
};

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
    size_t shared_floats;         /* the GEMMs' shared packed B (0 with one thread) */
} tt__layout;

/* per-layer activations, each pointing into the activation block */
typedef struct tt__acts {
    float *x0;                          /* (N,C) embeddings */
    float *ln1, *ln1_mean, *ln1_rstd;   /* (L,N,C), (L,N), (L,N) */
    float *qkv;                         /* (L,N,3C) */
    float *atty;                        /* (L,N,C) */
    float *att_lse;                     /* (L,B,NH,T) */
    float *res2;                        /* (L,N,C) residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd;   /* (L,N,C), (L,N), (L,N) */
    float *fch, *fch_gelu;              /* (L,N,4C) */
    float *res3;                        /* (L,N,C) residual after the MLP */
    float *lnf, *lnf_mean, *lnf_rstd;   /* (N,C), (N), (N) */
    float *row_lse, *row_loss;          /* (N) */
    float *head;                        /* (min(N, TT__HEAD_ROWS), Vp) logits chunk */
    float *last_logits;                 /* (max_batch, Vp) inference logits */
    /* backward buffers, reused across layers */
    float *dres;                        /* (N,C) gradient of the residual stream */
    float *dtmp;                        /* (N,C) */
    float *dln;                         /* (N,C) */
    float *dqkv;                        /* (N,3C) */
    float *dfch;                        /* (N,4C) */
} tt__acts;

struct tt_model {
    tt_model_config cfg;     /* resolved */
    int V, Vp, C, L, NH, maxT, maxB;
    tt__layout lay;
    float *params, *grads, *m, *v;
    float *params_p[TT__P_COUNT], *grads_p[TT__P_COUNT];
    tt__acts a;
    double *partials;        /* grad-norm partial sums, fixed chunks */
    float *wte_pk_fwd;       /* wte packed as the GEMM's B for logits = x wte^T, or NULL */
    float *wte_pk_dx;        /* wte packed as B for dx = dlogits wte, or NULL */
    tt_tensor_info *tensors;
    char *names;
    tt__exec ex;
    void *pool;              /* built-in pool, or NULL */
    void *block;             /* what tt_model_create allocated, or NULL */
    size_t block_size;
    uint64_t step;
    int last_B, last_T, have_targets, have_logits;
    int have_loss; /* row_loss holds the last forward with targets (kept after its backward) */
    int32_t *targets;        /* (N) copy of the last targets */
    int32_t *tokens;         /* (N) copy of the last tokens */
    tt__dp dp;               /* data parallel state (tt_comm.c) */
};

#define TT__NAME_LEN 48
#define TT__NORM_CHUNK 65536

/* ---- config ---- */
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
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
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
                 "this build's kernels need a CPU with SIMD width (AVX2+FMA = 8, AVX-512 = 16) ", TT_SIMD_WIDTH);
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
    if (c->backend) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: the tt_backend hook is not implemented in this version");
        return TT_ERR_UNSUPPORTED;
    }
    return tt__dp_check_config(c);
}

/* ---- memory plan ---- */
TT__PRIVATE tt_status tt__model_plan(const tt_model_config *c, tt__layout *lay) {
    size_t V = (size_t)c->vocab_size, Vp = (V + 63) / 64 * 64, C = (size_t)c->d_model,
           L = (size_t)c->n_layer, T = (size_t)c->n_ctx, B = (size_t)c->max_batch, NH = (size_t)c->n_head;
    size_t N, sz[TT__P_COUNT], per[TT__P_COUNT], off = 0, a = 0, C4, tmp;
    int k, ok = 1;
    tt__plan plan;
    memset(lay, 0, sizeof(*lay));
    ok &= tt__mul_size(B, T, &N);
    ok &= tt__mul_size(C, 4, &C4);
    per[TT__P_WTE] = 0; per[TT__P_WPE] = 0;
    ok &= tt__mul_size(Vp, C, &sz[TT__P_WTE]);
    ok &= tt__mul_size(T, C, &sz[TT__P_WPE]);
    per[TT__P_LN1W] = C; per[TT__P_LN1B] = C;
    ok &= tt__mul_size(3 * C, C, &per[TT__P_QKVW]);
    per[TT__P_QKVB] = 3 * C;
    ok &= tt__mul_size(C, C, &per[TT__P_ATTPROJW]);
    per[TT__P_ATTPROJB] = C; per[TT__P_LN2W] = C; per[TT__P_LN2B] = C;
    ok &= tt__mul_size(C4, C, &per[TT__P_FCW]);
    per[TT__P_FCB] = C4;
    ok &= tt__mul_size(C, C4, &per[TT__P_FCPROJW]);
    per[TT__P_FCPROJB] = C;
    per[TT__P_LNFW] = 0; per[TT__P_LNFB] = 0;
    sz[TT__P_LNFW] = C; sz[TT__P_LNFB] = C;
    for (k = TT__P_LN1W; k <= TT__P_FCPROJB; k++) ok &= tt__mul_size(per[k], L, &sz[k]);
    for (k = 0; k < TT__P_COUNT; k++) {
        lay->param_off[k] = off;
        lay->param_per_layer[k] = per[k] ? per[k] : sz[k];
        ok &= tt__add_size(off, sz[k], &off);
    }
    lay->n_params = off;
    lay->n_tensors = 4 + 12 * (int)L;
    if (!ok) return TT_ERR_INVALID_ARG;

    /* activations (floats) */
    {
        size_t NC, NC3, NC4, lnc, parts[32];
        int np = 0, i;
        ok &= tt__mul_size(N, C, &NC);
        ok &= tt__mul_size(NC, 3, &NC3);
        ok &= tt__mul_size(NC, 4, &NC4);
        ok &= tt__mul_size(NC, L, &lnc);
        parts[np++] = NC;                         /* x0 */
        parts[np++] = lnc;                        /* ln1 */
        ok &= tt__mul_size(N, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* ln1 mean, rstd */
        ok &= tt__mul_size(NC3, L, &tmp); parts[np++] = tmp;  /* qkv */
        parts[np++] = lnc;                        /* atty */
        ok &= tt__mul_size(N * NH, L, &tmp); parts[np++] = tmp; /* lse */
        parts[np++] = lnc;                        /* res2 */
        parts[np++] = lnc;                        /* ln2 */
        ok &= tt__mul_size(N, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* ln2 mean, rstd */
        ok &= tt__mul_size(NC4, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* fch, fch_gelu */
        parts[np++] = lnc;                        /* res3 */
        parts[np++] = NC; parts[np++] = N; parts[np++] = N;  /* lnf */
        parts[np++] = N; parts[np++] = N;         /* row lse, loss */
        ok &= tt__mul_size(N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS, Vp, &tmp); parts[np++] = tmp; /* head */
        ok &= tt__mul_size(B, Vp, &tmp); parts[np++] = tmp;  /* last logits */
        parts[np++] = NC; parts[np++] = NC; parts[np++] = NC; /* dres dtmp dln */
        parts[np++] = NC3; parts[np++] = NC4;     /* dqkv dfch */
        parts[np++] = N; parts[np++] = N;         /* targets, tokens (int32 = float size) */
        for (i = 0; i < np; i++) {
            ok &= tt__add_size(parts[i], 16, &tmp);   /* keep each array 64-byte aligned */
            ok &= tt__add_size(a, tmp & ~(size_t)15, &a);
        }
        if (!ok) return TT_ERR_INVALID_ARG;
        lay->acts_floats = c->inference_only ? 0 : a; /* inference runs in a generator */
    }
    lay->scratch_floats_per_slot = tt__align_up(tt__gemm_scratch_floats(), 16) + tt__align_up(2 * 64 * T + 64, 16);
    /* per chunk of TT__NORM_CHUNK: the gradient sum of squares, then the
     * four u32 magnitude bounds of tt_adamw_step's update check (2 doubles) */
    lay->n_partials = (lay->n_params / TT__NORM_CHUNK + 1) * 3;

    memset(&plan, 0, sizeof(plan));
    lay->off_model = tt__plan_take(&plan, 1, sizeof(struct tt_model));
#if TT__HAS_THREADS
    lay->off_pool = tt__plan_take(&plan, 1, c->n_threads > 1 && !c->parallel.parallel_for ? tt__pool_size(c->n_threads) : 1);
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
    if (N > TT__HEAD_ROWS && !c->inference_only && tt__mul_size(V + 64, C + 64, &tmp)) { /* tmp: overflow guard */
        lay->wte_pk_fwd = tt__gemm_packed_floats((int)C, (int)c->vocab_size);
        lay->wte_pk_dx = tt__gemm_packed_floats((int)c->vocab_size, (int)C);
    }
    /* shared packed B for the layer GEMMs with more than one thread: the
     * largest B of the training products (W^T, W, and x for dW) */
    lay->shared_floats = 0;
    if (c->n_threads > 1 && tt__mul_size(N + 64, 4 * C + 64, &tmp)) {
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
    static const char *suffix[TT__P_COUNT] = {
        "wte.weight", "wpe.weight", ".ln_1.weight", ".ln_1.bias", ".attn.c_attn.weight", ".attn.c_attn.bias",
        ".attn.c_proj.weight", ".attn.c_proj.bias", ".ln_2.weight", ".ln_2.bias", ".mlp.c_fc.weight",
        ".mlp.c_fc.bias", ".mlp.c_proj.weight", ".mlp.c_proj.bias", "ln_f.weight", "ln_f.bias" };
    int k, l, i = 0, C = m->C;
    for (k = 0; k < TT__P_COUNT; k++) {
        int per_layer = k >= TT__P_LN1W && k <= TT__P_FCPROJB;
        int nl = per_layer ? m->L : 1;
        for (l = 0; l < nl; l++) {
            tt_tensor_info *t = &m->tensors[i];
            char *name = m->names + (size_t)i * TT__NAME_LEN;
            if (per_layer) tt__strcat_int(name, "h.", l, suffix[k]);
            else tt__strcat_int(name, "", -1, suffix[k]);
            t->name = name;
            t->numel = m->lay.param_per_layer[k];
            t->offset = m->lay.param_off[k] + (size_t)l * t->numel;
            t->ndim = 1;
            t->shape[0] = (int32_t)t->numel;
            t->shape[1] = 0;
            t->decay = 0;
            switch (k) {
            case TT__P_WTE: t->ndim = 2; t->shape[0] = m->Vp; t->shape[1] = C; t->decay = 1; break;
            case TT__P_WPE: t->ndim = 2; t->shape[0] = m->maxT; t->shape[1] = C; break;
            case TT__P_QKVW: t->ndim = 2; t->shape[0] = 3 * C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_ATTPROJW: t->ndim = 2; t->shape[0] = C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_FCW: t->ndim = 2; t->shape[0] = 4 * C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_FCPROJW: t->ndim = 2; t->shape[0] = C; t->shape[1] = 4 * C; t->decay = 1; break;
            default: break;
            }
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
    memset(m->params, 0, m->lay.n_params * sizeof(float));
    for (i = 0; i < m->lay.n_tensors; i++) {
        const tt_tensor_info *t = &m->tensors[i];
        float *p = m->params + t->offset;
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
TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    unsigned char *base;
    tt_model *m;
    float *a;
    size_t N;
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
    m->params = (float *)(base + lay.off_params);
    if (!c.inference_only) {
        m->grads = (float *)(base + lay.off_grads);
        m->m = (float *)(base + lay.off_m);
        m->v = (float *)(base + lay.off_v);
    }
    m->partials = (double *)(base + lay.off_partials);
    m->wte_pk_fwd = lay.wte_pk_fwd ? (float *)(base + lay.off_wte_pk) : NULL;
    m->wte_pk_dx = lay.wte_pk_dx ? (float *)(base + lay.off_wte_pk) + tt__align_up(lay.wte_pk_fwd, 16) : NULL;
    m->names = (char *)(base + lay.off_names);
    m->tensors = (tt_tensor_info *)(base + lay.off_tensors);
    {
        int k;
        for (k = 0; k < TT__P_COUNT; k++) {
            m->params_p[k] = m->params + lay.param_off[k];
            m->grads_p[k] = m->grads ? m->grads + lay.param_off[k] : NULL;
        }
    }
    /* carve activations in the order the plan counted them */
    if (!c.inference_only) {
        size_t C = (size_t)m->C, L = (size_t)m->L, NH = (size_t)m->NH, Vp = (size_t)m->Vp;
        float *p = (float *)(base + lay.off_acts);
        N = (size_t)c.max_batch * (size_t)c.n_ctx;
#define TT__TAKE(field, count) do { m->a.field = p; p += ((count) + 16) & ~(size_t)15; } while (0)
        TT__TAKE(x0, N * C);
        TT__TAKE(ln1, L * N * C); TT__TAKE(ln1_mean, L * N); TT__TAKE(ln1_rstd, L * N);
        TT__TAKE(qkv, L * N * 3 * C); TT__TAKE(atty, L * N * C); TT__TAKE(att_lse, L * N * NH);
        TT__TAKE(res2, L * N * C); TT__TAKE(ln2, L * N * C); TT__TAKE(ln2_mean, L * N);
        TT__TAKE(ln2_rstd, L * N); TT__TAKE(fch, L * N * 4 * C); TT__TAKE(fch_gelu, L * N * 4 * C);
        TT__TAKE(res3, L * N * C); TT__TAKE(lnf, N * C); TT__TAKE(lnf_mean, N); TT__TAKE(lnf_rstd, N);
        TT__TAKE(row_lse, N); TT__TAKE(row_loss, N); TT__TAKE(head, (N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS) * Vp);
        TT__TAKE(last_logits, (size_t)c.max_batch * Vp);
        TT__TAKE(dres, N * C); TT__TAKE(dtmp, N * C); TT__TAKE(dln, N * C);
        TT__TAKE(dqkv, N * 3 * C); TT__TAKE(dfch, N * 4 * C);
        a = p;
        m->targets = (int32_t *)(void *)a; a += (N + 16) & ~(size_t)15;
        m->tokens = (int32_t *)(void *)a;
#undef TT__TAKE
    }
    m->ex.n_threads = c.n_threads;
    m->ex.force_scalar = c.force_scalar;
    m->ex.scratch = (float *)(base + lay.off_scratch);
    m->ex.scratch_floats = lay.scratch_floats_per_slot;
    m->ex.shared = lay.shared_floats ? (float *)(base + lay.off_shared) : NULL;
    m->ex.shared_floats = lay.shared_floats;
    m->ex.par = c.parallel;
    tt__model_fill_tensors(m);
    if (!c.inference_only) {
        memset(m->grads, 0, lay.n_params * sizeof(float));
        memset(m->m, 0, lay.n_moments * sizeof(float));
        memset(m->v, 0, lay.n_moments * sizeof(float));
    }
    tt__dp_init(m, c.accum_exact && !c.inference_only ? (float *)(base + lay.off_micro) : NULL);
    if (c.no_init) memset(m->params, 0, lay.n_params * sizeof(float));
    else tt__model_init_params(m);
#if TT__HAS_THREADS
    if (c.n_threads > 1 && !c.parallel.parallel_for) {
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
TTDEF float *tt_model_params(tt_model *m) { return m ? m->params : NULL; }
TTDEF float *tt_model_grads(tt_model *m) { return m ? m->grads : NULL; }
TTDEF float *tt_model_adam_m(tt_model *m) { return m ? m->m : NULL; }
TTDEF float *tt_model_adam_v(tt_model *m) { return m ? m->v : NULL; }
TTDEF uint64_t tt_model_step(const tt_model *m) { return m ? m->step : 0; }
TTDEF void tt_model_set_step(tt_model *m, uint64_t step) { if (m) m->step = step; }
TTDEF void tt_model_zero_grad(tt_model *m) {
    if (m && m->grads) memset(m->grads, 0, m->lay.n_params * sizeof(float));
    if (m) m->dp.dirty = 0;
}

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
    tt_model *m;
    const float *x, *w, *b, *dy;
    float *y, *mean, *rstd, *dx, *dw, *db, *lse;
    const float *mean_c, *rstd_c, *lse_c;
    int N, C, B, T, accumulate;
} tt__op;

TT__PRIVATE void tt__ln_fwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_fwd(&o->m->ex, o->y, o->mean, o->rstd, o->x, o->w, o->b, lo, hi, o->C);
}
TT__PRIVATE void tt__ln_bwd_dx_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dx(&o->m->ex, o->dx, o->dy, o->x, o->w, o->mean_c, o->rstd_c, lo, hi, o->C, o->accumulate);
}
TT__PRIVATE void tt__ln_bwd_dwdb_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dwdb(&o->m->ex, o->dw, o->db, o->dy, o->x, o->mean_c, o->rstd_c, o->N, o->C, lo, hi);
}
/* y[r,:] += b (+ x[r,:] when x) over rows: bias add and residual in one pass */
/* db[c] += sum over rows of dy[r,c], columns [lo,hi), rows in order */
/* ---- causal attention, blocked over query rows ----
 * Per (b,h) and block of TT__ATT_BQ query rows [t0,t1): S = Q K[0:t1]^T (GEMM),
 * row softmax with the causal mask, O = P V[0:t1] (GEMM); lse kept per row.
 * Extra memory: 2 * TT__ATT_BQ * n_ctx floats per thread (O(T)). The math is
 * that of tt__attention_fwd_scalar / _bwd_scalar, which the tests compare. */
#define TT__ATT_BQ 64

typedef struct tt__attn_slot { tt__exec ex1; float *S, *dP; } tt__attn_slot;

TT__PRIVATE tt__attn_slot tt__attn_slot_get(tt_model *m, int slot) {
    tt__attn_slot a;
    float *base = m->ex.scratch + (size_t)slot * m->ex.scratch_floats;
    size_t g = tt__align_up(tt__gemm_scratch_floats(), 16);
    memset(&a.ex1, 0, sizeof(a.ex1));
    a.ex1.n_threads = 1;
    a.ex1.force_scalar = m->ex.force_scalar;
    a.ex1.scratch = base;
    a.ex1.scratch_floats = g;
    a.S = base + g;
    a.dP = a.S + (size_t)TT__ATT_BQ * m->maxT;
    return a;
}

TT__PRIVATE void tt__attn_fwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    tt__attn_slot a = tt__attn_slot_get(m, slot);
    int C = m->C, NH = m->NH, hs = C / NH, T = o->T, ldS = m->maxT, bh, t0, i;
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
                float mx = tt__row_max(&m->ex, srow, nv) * scale;
                float sum = tt__exp_shift_sum(&m->ex, srow, srow, nv, scale, mx), inv = 1.0f / sum;
                tt__vec_scale(&m->ex, srow, nv, inv);
                for (j = nv; j < t1; j++) srow[j] = 0.0f;
                lse[t0 + i] = mx + TT_LOGF(sum);
            }
            tt__gemm(&a.ex1, nq, hs, t1, a.S, ldS, 1, v, 3 * C, 1, out + (size_t)t0 * C, C, 0);
        }
    }
}

TT__PRIVATE void tt__attn_bwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    tt__attn_slot a = tt__attn_slot_get(m, slot);
    int C = m->C, NH = m->NH, hs = C / NH, T = o->T, ldS = m->maxT, bh, t0, i, j;
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
                tt__exp_shift_sum(&m->ex, p, p, nv, scale, lse[t0 + i]);
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

/* ---- lm head: softmax cross-entropy over one chunk of rows ---- */
typedef struct tt__head_op {
    tt_model *m;
    int r0, V, Vp;
    float scale;   /* backward: grad_scale / N */
    int mode;      /* 0 forward (lse, loss), 1 backward (dlogits from the kept lse), 2 both */
} tt__head_op;

/* forward: row_lse, row_loss for rows r0+lo..r0+hi; backward: overwrite the
 * chunk's logits with dlogits = (softmax - onehot) * scale */
TT__PRIVATE void tt__head_rows(void *ctx, int lo, int hi, int slot) {
    tt__head_op *h = (tt__head_op *)ctx;
    tt_model *m = h->m;
    int i;
    (void)slot;
    for (i = lo; i < hi; i++) {
        int r = h->r0 + i;
        float *z = m->a.head + (size_t)i * h->Vp;
        int tgt = m->targets[r];
        if (h->mode != 1) {
            float mx = tt__row_max(&m->ex, z, h->V);
            float zt = z[tgt];
            float lse = mx + TT_LOGF(tt__exp_shift_sum(&m->ex, z, z, h->V, 1.0f, mx));
            /* z now holds exp(z - mx): turn it into softmax * scale directly */
            m->a.row_lse[r] = lse;
            m->a.row_loss[r] = lse - zt;
            if (h->mode == 2) {
                tt__vec_scale(&m->ex, z, h->V, h->scale * TT_EXPF(mx - lse));
                z[tgt] -= h->scale;
            }
        } else {
            float lse = m->a.row_lse[r];
            (void)tt__exp_shift_sum(&m->ex, z, z, h->V, 1.0f, lse);
            tt__vec_scale(&m->ex, z, h->V, h->scale);
            z[tgt] -= h->scale;
        }
    }
}

/* mean of the per-row losses, summed in row order (thread-count independent) */
TT__PRIVATE float tt__mean_loss(const tt_model *m, int N) {
    double sum = 0.0;
    int i;
    for (i = 0; i < N; i++) sum += m->a.row_loss[i];
    return (float)(sum / N);
}

/* lm head over chunks of TT__HEAD_ROWS rows: logits = lnf wte^T (never held
 * whole), softmax cross-entropy; with mode 1/2 also dlnf -> a.dtmp and
 * dwte += dlogits^T lnf. Each GEMM is threaded over its own output. */
TT__PRIVATE void tt__head(tt_model *m, int N, int mode, float grad_scale) {
    tt__head_op h;
    int r0, C = m->C;
    const float *wte = m->params_p[TT__P_WTE], *pk_fwd = NULL, *pk_dx = NULL;
    h.m = m; h.V = m->V; h.Vp = m->Vp; h.mode = mode; h.scale = grad_scale / (float)N;
    /* with more than one chunk, pack wte once here rather than in every
     * chunk's GEMM (same packed values, so the same bits) */
    if (N > TT__HEAD_ROWS && m->wte_pk_fwd && !m->ex.force_scalar) {
        tt__gemm_pack_b(&m->ex, C, m->V, wte, 1, C, m->wte_pk_fwd);
        pk_fwd = m->wte_pk_fwd;
        if (mode != 0) {
            tt__gemm_pack_b(&m->ex, m->V, C, wte, C, 1, m->wte_pk_dx);
            pk_dx = m->wte_pk_dx;
        }
    }
    for (r0 = 0; r0 < N; r0 += TT__HEAD_ROWS) {
        int R = N - r0 < TT__HEAD_ROWS ? N - r0 : TT__HEAD_ROWS;
        const float *xc = m->a.lnf + (size_t)r0 * C;
        tt__gemm_pk(&m->ex, R, m->V, C, xc, C, 1, wte, 1, C, pk_fwd, m->a.head, m->Vp, 0);
        h.r0 = r0;
        tt__for_range(&m->ex, R, tt__head_rows, &h);
        if (mode == 0) continue;
        tt__gemm_pk(&m->ex, R, C, m->V, m->a.head, m->Vp, 1, wte, C, 1, pk_dx, m->a.dtmp + (size_t)r0 * C, C, 0);
        tt__gemm(&m->ex, m->V, C, R, m->a.head, 1, m->Vp, xc, C, 1, m->grads_p[TT__P_WTE], C, 1);
    }
}

/* ---- encoder ---- */
TT__PRIVATE void tt__encode_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    int r, i, C = m->C;
    (void)slot;
    for (r = lo; r < hi; r++) {
        const float *we = m->params_p[TT__P_WTE] + (size_t)m->tokens[r] * C;
        const float *pe = m->params_p[TT__P_WPE] + (size_t)(r % o->T) * C;
        float *x = m->a.x0 + (size_t)r * C;
        for (i = 0; i < C; i++) x[i] = we[i] + pe[i];
    }
}
/* dwte[tok[r], c] += dres[r, c]; dwpe[t, c] += dres[r, c]; columns [lo,hi), rows in order */
TT__PRIVATE void tt__encode_bwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    int r, c, C = m->C;
    (void)slot;
    for (r = 0; r < o->N; r++) {
        const float *d = m->a.dres + (size_t)r * C;
        float *gw = m->grads_p[TT__P_WTE] + (size_t)m->tokens[r] * C;
        float *gp = m->grads_p[TT__P_WPE] + (size_t)(r % o->T) * C;
        for (c = lo; c < hi; c++) { gw[c] += d[c]; gp[c] += d[c]; }
    }
}

/* ---- small wrappers ---- */
TT__PRIVATE void tt__m_layernorm(tt_model *m, float *y, float *mean, float *rstd, const float *x,
                                 const float *w, const float *b, int N) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.m = m; o.y = y; o.mean = mean; o.rstd = rstd; o.x = x; o.w = w; o.b = b; o.C = m->C;
    tt__for_range(&m->ex, N, tt__ln_fwd_range, &o);
}
TT__PRIVATE void tt__m_layernorm_bwd(tt_model *m, float *dx, float *dw, float *db, const float *dy,
                                     const float *x, const float *w, const float *mean,
                                     const float *rstd, int N, int accumulate) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.m = m; o.dx = dx; o.dw = dw; o.db = db; o.dy = dy; o.x = x; o.w = w; o.mean_c = mean;
    o.rstd_c = rstd; o.N = N; o.C = m->C; o.accumulate = accumulate;
    tt__for_range(&m->ex, N, tt__ln_bwd_dx_range, &o);
    tt__for_range(&m->ex, m->C, tt__ln_bwd_dwdb_range, &o);
}
/* y (N, OC) = x (N, IC) W^T (OC, IC) [+ b] [+ res] */
/* y (N,OC) = x (N,IC) w^T + b [+ res (N,OC)] [, gelu_out = gelu(y)]: the
 * bias, residual and GELU run in the GEMM's epilogue, on each block of y as
 * it is finished (no extra passes over y) */
TT__PRIVATE void tt__m_linear(tt_model *m, float *y, const float *x, const float *w, const float *b,
                              const float *res, float *gelu_out, int N, int IC, int OC) {
    tt__gemm_epi e;
    memset(&e, 0, sizeof(e));
    e.bias = b; e.res = res; e.ldr = OC; e.gelu_out = gelu_out; e.ldg = OC;
    tt__gemm_ex(&m->ex, N, OC, IC, x, IC, 1, w, 1, IC, NULL, y, OC, 0, &e, NULL);
}
/* backward of y = x W^T + b: dW += dy^T x; db += colsum(dy); dx = dy W (when dx) */
/* dw += dy^T x, db += colsum(dy), dx = dy w (then dx *= gelu'(gelu_x) if
 * gelu_x: the GELU backward of the layer below, in the GEMM's epilogue) */
TT__PRIVATE void tt__m_linear_bwd(tt_model *m, float *dx, float *dw, float *db, const float *dy,
                                  const float *x, const float *w, const float *gelu_x, int N, int IC, int OC) {
    tt__gemm_epi e;
    /* dw += dy^T x; db += column sums of dy, summed while dy^T is packed */
    tt__gemm_ex(&m->ex, OC, IC, N, dy, 1, OC, x, IC, 1, NULL, dw, IC, 1, NULL, db);
    memset(&e, 0, sizeof(e));
    e.gelu_bwd_x = gelu_x; e.ldx = IC;
    if (dx) tt__gemm_ex(&m->ex, N, IC, OC, dy, OC, 1, w, IC, 1, NULL, dx, IC, 0, &e, NULL);
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

#define TT__LAYER(m, ptr, l, per) ((ptr) + (size_t)(l) * (per))

/* everything up to the final LayerNorm (a.lnf); inputs already checked */
TT__PRIVATE void tt__forward_body(tt_model *m, const int32_t *tokens, const int32_t *targets, int B, int T) {
    int l, N, C, L;
    size_t NmC, Nm;
    tt__op o;
    N = B * T; C = m->C; L = m->L;
    Nm = (size_t)m->maxB * (size_t)m->maxT;
    NmC = Nm * (size_t)C;
    memcpy(m->tokens, tokens, (size_t)N * sizeof(int32_t));
    if (targets) memcpy(m->targets, targets, (size_t)N * sizeof(int32_t));
    m->have_targets = 0;
    m->have_logits = 0;
    memset(&o, 0, sizeof(o));
    o.m = m; o.T = T; o.N = N;
    tt__for_range(&m->ex, N, tt__encode_range, &o);
    for (l = 0; l < L; l++) {
        const float *res_in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * NmC;
        float *ln1 = m->a.ln1 + l * NmC, *qkv = m->a.qkv + l * 3 * NmC, *atty = m->a.atty + l * NmC;
        float *res2 = m->a.res2 + l * NmC, *ln2 = m->a.ln2 + l * NmC, *fch = m->a.fch + l * 4 * NmC;
        float *fchg = m->a.fch_gelu + l * 4 * NmC, *res3 = m->a.res3 + l * NmC;
        float *lse = m->a.att_lse + (size_t)l * Nm * (size_t)m->NH;
        tt__m_layernorm(m, ln1, m->a.ln1_mean + l * Nm, m->a.ln1_rstd + l * Nm, res_in,
                        m->params_p[TT__P_LN1W] + (size_t)l * C, m->params_p[TT__P_LN1B] + (size_t)l * C, N);
        tt__m_linear(m, qkv, ln1, m->params_p[TT__P_QKVW] + (size_t)l * 3 * C * C,
                     m->params_p[TT__P_QKVB] + (size_t)l * 3 * C, NULL, NULL, N, C, 3 * C);
        memset(&o, 0, sizeof(o));
        o.m = m; o.y = atty; o.lse = lse; o.x = qkv; o.T = T;
        tt__for_range(&m->ex, B * m->NH, tt__attn_fwd_range, &o);
        tt__m_linear(m, res2, atty, m->params_p[TT__P_ATTPROJW] + (size_t)l * C * C,
                     m->params_p[TT__P_ATTPROJB] + (size_t)l * C, res_in, NULL, N, C, C);
        tt__m_layernorm(m, ln2, m->a.ln2_mean + l * Nm, m->a.ln2_rstd + l * Nm, res2,
                        m->params_p[TT__P_LN2W] + (size_t)l * C, m->params_p[TT__P_LN2B] + (size_t)l * C, N);
        tt__m_linear(m, fch, ln2, m->params_p[TT__P_FCW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCB] + (size_t)l * 4 * C, NULL, fchg, N, C, 4 * C);
        tt__m_linear(m, res3, fchg, m->params_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCPROJB] + (size_t)l * C, res2, NULL, N, 4 * C, C);
    }
    tt__m_layernorm(m, m->a.lnf, m->a.lnf_mean, m->a.lnf_rstd, m->a.res3 + (size_t)(L - 1) * NmC,
                    m->params_p[TT__P_LNFW], m->params_p[TT__P_LNFB], N);
    m->last_B = B;
    m->last_T = T;
}

TTDEF tt_status tt_model_forward(tt_model *m, const int32_t *tokens, const int32_t *targets, int B, int T,
                                 float *out_loss) {
    int N, C;
    tt_status st;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0; /* a failed forward leaves nothing to backward or read */
    if (!tokens) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    tt__forward_body(m, tokens, targets, B, T);
    N = B * T; C = m->C;
    if (targets) {
        tt__head(m, N, 0, 0.0f);
        m->have_targets = m->have_loss = 1;
        if (out_loss) *out_loss = tt__mean_loss(m, N);
    } else {
        /* logits of the last position of each row */
        tt__gemm(&m->ex, B, m->V, C, m->a.lnf + (size_t)(T - 1) * C, (ptrdiff_t)T * C, 1,
                 m->params_p[TT__P_WTE], 1, C, m->a.last_logits, m->Vp, 0);
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
        memcpy(out + (size_t)b * m->V, m->a.last_logits + (size_t)b * m->Vp, (size_t)m->V * sizeof(float));
    return TT_OK;
}

/* ---- backward ---- */
/* backward from dlnf (in a.dtmp) down to the embeddings */
TT__PRIVATE void tt__backward_body(tt_model *m) {
    int l, N, C, L, B, T;
    size_t NmC, Nm;
    tt__op o;
    B = m->last_B; T = m->last_T; N = B * T; C = m->C; L = m->L;
    Nm = (size_t)m->maxB * (size_t)m->maxT;
    NmC = Nm * (size_t)C;
    tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LNFW], m->grads_p[TT__P_LNFB], m->a.dtmp,
                        m->a.res3 + (size_t)(L - 1) * NmC, m->params_p[TT__P_LNFW], m->a.lnf_mean,
                        m->a.lnf_rstd, N, 0);
    for (l = L - 1; l >= 0; l--) {
        const float *res_in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * NmC;
        float *ln1 = m->a.ln1 + l * NmC, *qkv = m->a.qkv + l * 3 * NmC, *atty = m->a.atty + l * NmC;
        float *res2 = m->a.res2 + l * NmC, *ln2 = m->a.ln2 + l * NmC, *fch = m->a.fch + l * 4 * NmC;
        float *fchg = m->a.fch_gelu + l * 4 * NmC;
        float *lse = m->a.att_lse + (size_t)l * Nm * (size_t)m->NH;
        /* MLP: res3 = res2 + fchg Wp^T + bp */
        tt__m_linear_bwd(m, m->a.dfch, m->grads_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C,
                         m->grads_p[TT__P_FCPROJB] + (size_t)l * C, m->a.dres, fchg,
                         m->params_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C, fch, N, 4 * C, C);
        tt__m_linear_bwd(m, m->a.dln, m->grads_p[TT__P_FCW] + (size_t)l * 4 * C * C,
                         m->grads_p[TT__P_FCB] + (size_t)l * 4 * C, m->a.dfch, ln2,
                         m->params_p[TT__P_FCW] + (size_t)l * 4 * C * C, NULL, N, C, 4 * C);
        tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LN2W] + (size_t)l * C,
                            m->grads_p[TT__P_LN2B] + (size_t)l * C, m->a.dln, res2,
                            m->params_p[TT__P_LN2W] + (size_t)l * C, m->a.ln2_mean + l * Nm,
                            m->a.ln2_rstd + l * Nm, N, 1);
        /* attention: res2 = res_in + atty Wo^T + bo */
        tt__m_linear_bwd(m, m->a.dtmp, m->grads_p[TT__P_ATTPROJW] + (size_t)l * C * C,
                         m->grads_p[TT__P_ATTPROJB] + (size_t)l * C, m->a.dres, atty,
                         m->params_p[TT__P_ATTPROJW] + (size_t)l * C * C, NULL, N, C, C);
        memset(m->a.dqkv, 0, (size_t)N * 3 * C * sizeof(float));
        memset(&o, 0, sizeof(o));
        o.m = m; o.dx = m->a.dqkv; o.dy = m->a.dtmp; o.x = qkv; o.lse_c = lse; o.T = T;
        tt__for_range(&m->ex, B * m->NH, tt__attn_bwd_range, &o);
        tt__m_linear_bwd(m, m->a.dln, m->grads_p[TT__P_QKVW] + (size_t)l * 3 * C * C,
                         m->grads_p[TT__P_QKVB] + (size_t)l * 3 * C, m->a.dqkv, ln1,
                         m->params_p[TT__P_QKVW] + (size_t)l * 3 * C * C, NULL, N, C, 3 * C);
        tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LN1W] + (size_t)l * C,
                            m->grads_p[TT__P_LN1B] + (size_t)l * C, m->a.dln, res_in,
                            m->params_p[TT__P_LN1W] + (size_t)l * C, m->a.ln1_mean + l * Nm,
                            m->a.ln1_rstd + l * Nm, N, 1);
    }
    memset(&o, 0, sizeof(o));
    o.m = m; o.N = N; o.T = T;
    tt__for_range(&m->ex, C, tt__encode_bwd_range, &o);
}

TTDEF tt_status tt_model_backward(tt_model *m, float grad_scale) {
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
    /* lm head: recompute the logits chunk by chunk, dlogits, dlnf, dwte */
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, m->last_B * m->last_T, 1, grad_scale);
    tt__backward_body(m);
    tt__dp_backward_end(m);
    return TT_OK;
}

TTDEF tt_status tt_model_forward_backward(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                          int B, int T, float grad_scale, float *out_loss) {
    int N;
    tt_status st;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0;
    if (!tokens || !targets || !(grad_scale >= -3.0e38f && grad_scale <= 3.0e38f)) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    tt__forward_body(m, tokens, targets, B, T);
    N = B * T;
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, N, 2, grad_scale);
    tt__backward_body(m); /* have_targets stays 0: the backward is done */
    tt__dp_backward_end(m);
    m->have_loss = 1;
    if (out_loss) *out_loss = tt__mean_loss(m, N);
    return TT_OK;
}
