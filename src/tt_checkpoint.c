/* >>checkpoint  save/load everything a training run needs to resume exactly */
#include "tt_internal.h"

/* the sections of a checkpoint, in file order: X(ID, tag, bytes), bytes
 * the fixed length (0: variable, given in the section header) */
#define TT__CK_SECTION_LIST(X) \
    X(CONF, "CONF", 48u) /* model shape, seed, parameter and tensor counts */ \
    X(OPTM, "OPTM", 48u) /* AdamW config and step */ \
    X(LOAD, "LOAD", 56u) /* data loader position */ \
    X(RNG,  "RNG ", 16u) /* the caller's PCG32 state */ \
    X(USER, "USER", 64u) /* 8 caller u64s */ \
    X(TOKN, "TOKN", 0u)  /* the tokenizer file, or empty */ \
    X(PARM, "PARM", 0u)  /* parameters, P floats */ \
    X(ADMM, "ADMM", 0u)  /* AdamW m, P floats */ \
    X(ADMV, "ADMV", 0u)  /* AdamW v, P floats */
#define TT__CK_ENUM(ID, tag, bytes) TT__CK_##ID,
enum { TT__CK_SECTION_LIST(TT__CK_ENUM) TT__CK_SECTIONS };
#undef TT__CK_ENUM
#define TT__CK_BYTES(ID, tag, bytes) enum { TT__CK_##ID##_BYTES = bytes };
TT__CK_SECTION_LIST(TT__CK_BYTES)
#undef TT__CK_BYTES
#define TT__CK_TAG(ID, tag, bytes) tag,
static const char tt__ck_tags[TT__CK_SECTIONS][5] = { TT__CK_SECTION_LIST(TT__CK_TAG) };
#undef TT__CK_TAG

TT__PRIVATE uint32_t tt__f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
TT__PRIVATE float tt__u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* ---- writing: a byte sink that counts and checksums; io NULL = count only */
typedef struct tt__ckw {
    const tt_io *io;
    uint32_t crc;
    uint64_t n;
    tt_status st;
} tt__ckw;

TT__PRIVATE void tt__ckw_bytes(tt__ckw *w, const void *p, size_t n) {
    if (w->st != TT_OK || n == 0) return;
    w->crc = tt_crc32(w->crc, p, n);
    w->n += n;
    if (w->io) w->st = tt__write_all(w->io, p, n);
}
TT__PRIVATE size_t tt__ckw_io_write(void *user, const void *p, size_t n) {
    tt__ckw *w = (tt__ckw *)user;
    tt__ckw_bytes(w, p, n);
    return w->st == TT_OK ? n : 0;
}
TT__PRIVATE void tt__ckw_section(tt__ckw *w, int i, uint64_t len) {
    unsigned char h[16];
    memcpy(h, tt__ck_tags[i], 4);
    tt__put_u32(h + 4, 0);
    tt__put_u64(h + 8, len);
    tt__ckw_bytes(w, h, sizeof(h));
}
TT__PRIVATE void tt__ckw_floats(tt__ckw *w, const float *x, size_t n) {
    unsigned char buf[4096];
    size_t i, k, j;
    for (i = 0; i < n && w->st == TT_OK; i += k) {
        k = n - i < sizeof(buf) / 4 ? n - i : sizeof(buf) / 4;
        for (j = 0; j < k; j++) tt__put_u32(buf + 4 * j, tt__f2u(x[i + j]));
        tt__ckw_bytes(w, buf, k * 4);
    }
}

TT__PRIVATE void tt__ck_put_adamw(unsigned char *p, const tt_adamw_config *a, uint64_t step) {
    memset(p, 0, TT__CK_OPTM_BYTES);
    tt__put_u32(p + 0, tt__f2u(a->lr));
    tt__put_u32(p + 4, tt__f2u(a->beta1));
    tt__put_u32(p + 8, tt__f2u(a->beta2));
    tt__put_u32(p + 12, tt__f2u(a->eps));
    tt__put_u32(p + 16, tt__f2u(a->weight_decay));
    tt__put_u32(p + 20, tt__f2u(a->grad_clip));
    tt__put_u32(p + 24, (uint32_t)a->warmup_steps);
    tt__put_u32(p + 28, (uint32_t)a->schedule);
    tt__put_u32(p + 32, (uint32_t)a->total_steps);
    tt__put_u32(p + 36, tt__f2u(a->min_lr));
    tt__put_u64(p + 40, step);
}
TT__PRIVATE void tt__ck_get_adamw(const unsigned char *p, tt_adamw_config *a, uint64_t *step) {
    memset(a, 0, sizeof(*a));
    a->lr = tt__u2f(tt__get_u32(p + 0));
    a->beta1 = tt__u2f(tt__get_u32(p + 4));
    a->beta2 = tt__u2f(tt__get_u32(p + 8));
    a->eps = tt__u2f(tt__get_u32(p + 12));
    a->weight_decay = tt__u2f(tt__get_u32(p + 16));
    a->grad_clip = tt__u2f(tt__get_u32(p + 20));
    a->warmup_steps = (int32_t)tt__get_u32(p + 24);
    a->schedule = (int32_t)tt__get_u32(p + 28);
    a->total_steps = (int32_t)tt__get_u32(p + 32);
    a->min_lr = tt__u2f(tt__get_u32(p + 36));
    *step = tt__get_u64(p + 40);
}
TT__PRIVATE void tt__ck_put_loader(unsigned char *p, int has, const tt_loader_state *s) {
    memset(p, 0, TT__CK_LOAD_BYTES);
    tt__put_u32(p, has ? 1u : 0u);
    if (!has) return;
    tt__put_u64(p + 8, s->epoch);
    tt__put_u64(p + 16, s->index);
    tt__put_u64(p + 24, s->seed);
    tt__put_u64(p + 32, s->n_tokens);
    tt__put_u64(p + 40, s->n_train_tokens);
    tt__put_u32(p + 48, (uint32_t)s->seq_len);
    tt__put_u32(p + 52, (uint32_t)s->shuffle);
}
TT__PRIVATE int tt__ck_get_loader(const unsigned char *p, int32_t *has, tt_loader_state *s) {
    uint32_t flag = tt__get_u32(p);
    memset(s, 0, sizeof(*s));
    if (flag > 1 || tt__get_u32(p + 4) != 0) return 0;
    *has = (int32_t)flag;
    s->epoch = tt__get_u64(p + 8);
    s->index = tt__get_u64(p + 16);
    s->seed = tt__get_u64(p + 24);
    s->n_tokens = tt__get_u64(p + 32);
    s->n_train_tokens = tt__get_u64(p + 40);
    s->seq_len = (int32_t)tt__get_u32(p + 48);
    s->shuffle = (int32_t)tt__get_u32(p + 52);
    return 1;
}

/* AdamW m (which 0) or v (1), all P floats; with ZeRO-1 the slices are
 * gathered from their ranks first (a collective: called on every rank
 * whatever w's status, so the ranks stay in step) */
TT__PRIVATE void tt__ck_moments(tt__ckw *w, tt_model *model, int which, size_t P) {
    const float *src = which ? tt_model_adam_v(model) : tt_model_adam_m(model);
    if (tt__dp_sharded(model)) {
        tt_status st = tt__dp_gather_moments(model, which, &src);
        if (st != TT_OK && w->st == TT_OK) w->st = st;
    }
    tt__ckw_floats(w, src, P);
}

/* the whole payload through w; the same bytes on every call */
TT__PRIVATE void tt__ck_payload(tt__ckw *w, tt_model *model, const tt_tokenizer *tok,
                                const tt_checkpoint_state *state, uint64_t tok_bytes) {
    unsigned char b[64];
    tt_model_config c = tt_model_get_config(model);
    tt_adamw_config ad;
    size_t P = tt_model_num_params(model);
    int i;
    /* CONF */
    tt__ckw_section(w, TT__CK_CONF, TT__CK_CONF_BYTES);
    memset(b, 0, sizeof(b));
    tt__put_u32(b + 0, (uint32_t)c.vocab_size);
    tt__put_u32(b + 4, (uint32_t)c.n_ctx);
    tt__put_u32(b + 8, (uint32_t)c.n_layer);
    tt__put_u32(b + 12, (uint32_t)c.n_head);
    tt__put_u32(b + 16, (uint32_t)c.d_model);
    tt__put_u32(b + 20, (uint32_t)c.max_batch);
    tt__put_u64(b + 24, c.seed);
    tt__put_u64(b + 32, (uint64_t)P);
    tt__put_u32(b + 40, (uint32_t)tt_model_num_tensors(model));
    tt__ckw_bytes(w, b, TT__CK_CONF_BYTES);
    /* OPTM */
    ad = tt_adamw_config_resolve(state ? &state->adamw : NULL);
    tt__ckw_section(w, TT__CK_OPTM, TT__CK_OPTM_BYTES);
    tt__ck_put_adamw(b, &ad, tt_model_step(model));
    tt__ckw_bytes(w, b, TT__CK_OPTM_BYTES);
    /* LOAD */
    tt__ckw_section(w, TT__CK_LOAD, TT__CK_LOAD_BYTES);
    tt__ck_put_loader(b, state && state->has_loader, state ? &state->loader : NULL);
    tt__ckw_bytes(w, b, TT__CK_LOAD_BYTES);
    /* RNG */
    tt__ckw_section(w, TT__CK_RNG, TT__CK_RNG_BYTES);
    tt__put_u64(b, state ? state->rng.state : 0);
    tt__put_u64(b + 8, state ? state->rng.inc : 0);
    tt__ckw_bytes(w, b, TT__CK_RNG_BYTES);
    /* USER */
    tt__ckw_section(w, TT__CK_USER, TT__CK_USER_BYTES);
    for (i = 0; i < 8; i++) tt__put_u64(b + 8 * i, state ? state->user[i] : 0);
    tt__ckw_bytes(w, b, TT__CK_USER_BYTES);
    /* TOKN */
    tt__ckw_section(w, TT__CK_TOKN, tok_bytes);
    if (tok && w->st == TT_OK) {
        tt_io tio;
        uint64_t before = w->n;
        tio.read = NULL; tio.write = tt__ckw_io_write; tio.user = w;
        if (tt_tokenizer_save(tok, &tio) != TT_OK && w->st == TT_OK) w->st = TT_ERR_IO;
        if (w->st == TT_OK && w->n - before != tok_bytes) w->st = TT_ERR_IO; /* save_size disagreed */
    }
    /* PARM, ADMM, ADMV */
    tt__ckw_section(w, TT__CK_PARM, (uint64_t)P * 4);
    tt__ckw_floats(w, tt_model_params(model), P);
    tt__ckw_section(w, TT__CK_ADMM, (uint64_t)P * 4);
    tt__ck_moments(w, model, 0, P);
    tt__ckw_section(w, TT__CK_ADMV, (uint64_t)P * 4);
    tt__ck_moments(w, model, 1, P);
}

/* every x[i] finite (exponent bits not all ones) */
TT__PRIVATE int tt__ck_finite(const float *x, size_t n) {
    uint32_t u, acc = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        memcpy(&u, x + i, sizeof(u));
        acc |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return acc == 0;
}

TTDEF tt_status tt_checkpoint_save(const tt_io *io, tt_model *model, const tt_tokenizer *tok,
                                   const tt_checkpoint_state *state) {
    unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
    tt__ckw count, out;
    uint64_t tok_bytes = 0;
    tt_model_config c;
    tt_status st = TT_OK;
    /* with comm, ranks other than 0 take part without writing; both passes
     * always run on every rank (they contain the ZeRO-1 collectives) */
    if (!model || (tt__dp_writer(model) && (!io || !io->write))) return TT_ERR_INVALID_ARG;
    if (!tt__dp_writer(model)) io = NULL;
    c = tt_model_get_config(model);
    if (c.inference_only) return TT_ERR_UNSUPPORTED; /* no AdamW moments to save */
    if ((st = tt_model_download(model)) != TT_OK) return st; /* a backend's buffers -> the host copies */
    if (tt__dp_sharded(model) && tt__dp_dirty(model)) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "checkpoint: with zero1, save between steps (gradients are pending)");
        return TT_ERR_INVALID_ARG;
    }
    /* with ZeRO-1 a rank holds only its moment slice; only the parameters
     * (the same on every rank) decide, so that all ranks return alike */
    if (!tt__ck_finite(tt_model_params(model), tt_model_num_params(model)) ||
        (!tt__dp_sharded(model) && (!tt__ck_finite(tt_model_adam_m(model), tt_model_num_params(model)) ||
                                    !tt__ck_finite(tt_model_adam_v(model), tt_model_num_params(model))))) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_NONFINITE,
                "checkpoint: parameters or AdamW moments hold NaN/Inf; nothing written");
        return TT_ERR_NONFINITE;
    }
    if (tok) {
        st = tt_tokenizer_save_size(tok, &tok_bytes);
        if (st == TT_OK && tok_bytes > TT_CHECKPOINT_MAX_TOKENIZER_BYTES) {
            tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "checkpoint: tokenizer too large");
            st = TT_ERR_INVALID_ARG;
        }
        if (st != TT_OK) { tok = NULL; tok_bytes = 0; }
    }
    /* pass 1: size and CRC of the payload; pass 2: the same bytes, written */
    count.io = NULL; count.crc = 0; count.n = 0; count.st = TT_OK;
    tt__ck_payload(&count, model, tok, state, tok_bytes);
    if (st == TT_OK) st = count.st;
    memset(h, 0, sizeof(h));
    memcpy(h, TT_CHECKPOINT_MAGIC, 4);
    tt__put_u32(h + 4, TT_CHECKPOINT_VERSION);
    tt__put_u32(h + 8, TT_CHECKPOINT_HEADER_SIZE);
    tt__put_u64(h + 16, count.n);
    tt__put_u32(h + 24, count.crc);
    tt__put_u32(h + 28, TT__CK_SECTIONS);
    tt__put_u32(h + 44, tt_crc32(0, h, 44));
    if (st == TT_OK && io && tt__write_all(io, h, sizeof(h)) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_IO, "checkpoint: write failed");
        st = TT_ERR_IO;
    }
    out.io = st == TT_OK ? io : NULL; out.crc = 0; out.n = 0; out.st = TT_OK;
    tt__ck_payload(&out, model, tok, state, tok_bytes);
    if (out.st == TT_OK && (out.crc != count.crc || out.n != count.n)) out.st = TT_ERR_IO;
    if (out.st != TT_OK && st == TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, out.st, "checkpoint: write failed");
        st = out.st;
    }
    return tt__dp_save_end(model, st); /* with comm: every rank returns rank 0's status */
}

/* ---- reading -------------------------------------------------------------- */
typedef struct tt__ckr {
    const tt_io *io;
    const tt_logger *lg;
    uint32_t crc;
    uint64_t left;      /* payload bytes not read yet */
    tt_status st;
} tt__ckr;

TT__PRIVATE void tt__ckr_fail(tt__ckr *r, tt_status st, const char *msg) {
    if (r->st != TT_OK) return;
    r->st = st;
    tt__log(r->lg, TT_LOG_ERROR, st, msg);
}
/* read n payload bytes into p (NULL: read and discard) */
TT__PRIVATE void tt__ckr_bytes(tt__ckr *r, void *p, uint64_t n) {
    unsigned char tmp[4096];
    if (r->st != TT_OK) return;
    if (n > r->left) { tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: a section runs past the payload (corrupt)"); return; }
    while (n > 0) {
        size_t k = p ? (n > ((size_t)-1 >> 1) ? ((size_t)-1 >> 1) : (size_t)n) : (n < sizeof(tmp) ? (size_t)n : sizeof(tmp));
        unsigned char *dst = p ? (unsigned char *)p : tmp;
        if (tt__read_all(r->io, dst, k) != TT_OK) {
            tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: file is truncated");
            return;
        }
        r->crc = tt_crc32(r->crc, dst, k);
        r->left -= k;
        n -= k;
        if (p) p = dst + k;
    }
}
/* section header i; returns its length */
TT__PRIVATE uint64_t tt__ckr_section(tt__ckr *r, int i) {
    unsigned char h[16];
    tt__ckr_bytes(r, h, sizeof(h));
    if (r->st != TT_OK) return 0;
    if (memcmp(h, tt__ck_tags[i], 4) != 0 || tt__get_u32(h + 4) != 0) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: unexpected section tag (corrupt or other version)");
        return 0;
    }
    return tt__get_u64(h + 8);
}
TT__PRIVATE void tt__ckr_fixed(tt__ckr *r, int i, unsigned char *p, uint64_t want) {
    uint64_t len = tt__ckr_section(r, i);
    if (r->st == TT_OK && len != want) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: section has the wrong length");
    tt__ckr_bytes(r, p, want);
}
TT__PRIVATE void tt__ckr_floats(tt__ckr *r, int i, float *dst, uint64_t P) {
    uint64_t len = tt__ckr_section(r, i), j;
    if (r->st == TT_OK && len != P * 4) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: tensor section has the wrong length");
    if (!dst) { tt__ckr_bytes(r, NULL, P * 4); return; }
    tt__ckr_bytes(r, dst, P * 4);
    if (r->st != TT_OK) return;
    for (j = 0; j < P; j++) { /* little-endian bytes -> float, in place */
        const unsigned char *b = (const unsigned char *)(dst + j);
        dst[j] = tt__u2f(tt__get_u32(b));
    }
}

/* parse CONF into a config; checks the numbers are sane */
TT__PRIVATE int tt__ck_conf(const unsigned char *b, tt_model_config *c, uint64_t *P, uint32_t *n_tensors) {
    memset(c, 0, sizeof(*c));
    c->vocab_size = (int32_t)tt__get_u32(b + 0);
    c->n_ctx = (int32_t)tt__get_u32(b + 4);
    c->n_layer = (int32_t)tt__get_u32(b + 8);
    c->n_head = (int32_t)tt__get_u32(b + 12);
    c->d_model = (int32_t)tt__get_u32(b + 16);
    c->max_batch = (int32_t)tt__get_u32(b + 20);
    c->seed = tt__get_u64(b + 24);
    *P = tt__get_u64(b + 32);
    *n_tensors = tt__get_u32(b + 40);
    return tt__get_u32(b + 44) == 0 && c->vocab_size >= 1 && c->vocab_size <= TT_MAX_VOCAB && c->n_ctx >= 1 &&
           c->n_ctx <= TT_MAX_DIM && c->n_layer >= 1 && c->n_layer <= 1024 && c->n_head >= 1 && c->d_model >= 1 &&
           c->d_model <= TT_MAX_DIM && c->d_model % c->n_head == 0 && c->max_batch >= 1 && *P > 0 &&
           *P < ((uint64_t)1 << 40);
}

/* what the header declares about the payload */
typedef struct tt__ck_hdr { uint32_t crc; uint64_t payload; } tt__ck_hdr;

/* read the header, keeping the CRC and size it declares */
TT__PRIVATE tt_status tt__ckr_open(tt__ckr *r, const tt_io *io, const tt_logger *lg, tt__ck_hdr *hd) {
    unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
    r->io = io; r->lg = lg; r->crc = 0; r->left = 0; r->st = TT_OK;
    if (tt__read_all(io, h, sizeof(h)) != TT_OK) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: file is shorter than its header (truncated)");
    } else if (memcmp(h, TT_CHECKPOINT_MAGIC, 4) != 0) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: bad magic (not a TTCK checkpoint)");
    } else if (tt_crc32(0, h, 44) != tt__get_u32(h + 44)) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: header checksum mismatch (corrupt header)");
    } else if (tt__get_u32(h + 4) != TT_CHECKPOINT_VERSION) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: unsupported format version ",
                 (long long)tt__get_u32(h + 4));
        r->st = TT_ERR_BAD_FORMAT;
    } else if (tt__get_u32(h + 8) != TT_CHECKPOINT_HEADER_SIZE || tt__get_u32(h + 12) != 0 ||
               tt__get_u32(h + 28) != TT__CK_SECTIONS) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: inconsistent header fields");
    }
    if (r->st != TT_OK) return r->st;
    hd->payload = tt__get_u64(h + 16);
    hd->crc = tt__get_u32(h + 24);
    r->left = hd->payload;
    return TT_OK;
}

TT__PRIVATE tt_status tt__ckr_close(tt__ckr *r, const tt__ck_hdr *hd) {
    if (r->st != TT_OK) return r->st;
    if (r->left != 0) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: payload size does not match its sections");
    else if (r->crc != hd->crc) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: payload checksum mismatch (corrupt file)");
    return r->st;
}

TTDEF tt_status tt_checkpoint_read_config(const tt_io *io, const tt_logger *logger, tt_model_config *out_cfg) {
    tt__ckr r;
    tt__ck_hdr hd;
    unsigned char b[64];
    tt_model_config c;
    uint64_t P = 0, len;
    uint32_t nt = 0;
    int i;
    if (!io || !io->read || !out_cfg) return TT_ERR_INVALID_ARG;
    if (tt__ckr_open(&r, io, logger, &hd) != TT_OK) return r.st;
    tt__ckr_fixed(&r, TT__CK_CONF, b, TT__CK_CONF_BYTES);
    if (r.st == TT_OK && !tt__ck_conf(b, &c, &P, &nt))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: model shape out of range (corrupt)");
    tt__ckr_fixed(&r, TT__CK_OPTM, b, TT__CK_OPTM_BYTES);
    tt__ckr_fixed(&r, TT__CK_LOAD, b, TT__CK_LOAD_BYTES);
    tt__ckr_fixed(&r, TT__CK_RNG, b, TT__CK_RNG_BYTES);
    tt__ckr_fixed(&r, TT__CK_USER, b, TT__CK_USER_BYTES);
    len = tt__ckr_section(&r, TT__CK_TOKN);
    if (r.st == TT_OK && len > TT_CHECKPOINT_MAX_TOKENIZER_BYTES)
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: tokenizer section too large (corrupt)");
    tt__ckr_bytes(&r, NULL, len);
    for (i = TT__CK_PARM; i <= TT__CK_ADMV; i++) tt__ckr_floats(&r, i, NULL, P);
    if (tt__ckr_close(&r, &hd) != TT_OK) return r.st;
    *out_cfg = c;
    return TT_OK;
}

/* tt_io over a byte range in memory (for the embedded tokenizer) */
typedef struct tt__memrd { const unsigned char *p; size_t n, pos; } tt__memrd;
TT__PRIVATE size_t tt__memrd_read(void *user, void *buf, size_t n) {
    tt__memrd *m = (tt__memrd *)user;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return k;
}

TTDEF tt_status tt_checkpoint_load(const tt_io *io, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                   tt_checkpoint_state *out_state, tt_tokenizer **out_tok) {
    tt__ckr r;
    tt__ck_hdr hd;
    unsigned char b[64];
    tt_model_config mc, fc;
    tt_checkpoint_state st;
    tt_tokenizer *tok = NULL;
    uint64_t P = 0, tok_len = 0, step = 0;
    uint32_t nt = 0;
    size_t bytes = 0, Pm;
    float *tmp = NULL;
    unsigned char *tok_bytes;
    const tt_logger *lg;
    int i;
    if (!io || !io->read || !model) return TT_ERR_INVALID_ARG;
    mc = tt_model_get_config(model);
    lg = &mc.logger;
    Pm = tt_model_num_params(model);
    memset(&st, 0, sizeof(st));
    if (tt__ckr_open(&r, io, lg, &hd) != TT_OK) return r.st;
    /* CONF: refuse another shape before allocating anything */
    tt__ckr_fixed(&r, TT__CK_CONF, b, TT__CK_CONF_BYTES);
    if (r.st != TT_OK) return r.st;
    if (!tt__ck_conf(b, &fc, &P, &nt)) {
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: model shape out of range (corrupt)");
        return r.st;
    }
    if (fc.vocab_size != mc.vocab_size || fc.n_ctx != mc.n_ctx || fc.n_layer != mc.n_layer ||
        fc.n_head != mc.n_head || fc.d_model != mc.d_model || P != (uint64_t)Pm ||
        nt != (uint32_t)tt_model_num_tensors(model)) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                 "checkpoint: model shape differs from this model (vocab/n_ctx/n_layer/n_head/d_model); "
                 "file's number of parameters: ", (long long)P);
        return TT_ERR_MISMATCH;
    }
    tt__ckr_fixed(&r, TT__CK_OPTM, b, TT__CK_OPTM_BYTES);
    if (r.st == TT_OK) tt__ck_get_adamw(b, &st.adamw, &step);
    tt__ckr_fixed(&r, TT__CK_LOAD, b, TT__CK_LOAD_BYTES);
    if (r.st == TT_OK && !tt__ck_get_loader(b, &st.has_loader, &st.loader))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: bad loader section");
    tt__ckr_fixed(&r, TT__CK_RNG, b, TT__CK_RNG_BYTES);
    if (r.st == TT_OK) { st.rng.state = tt__get_u64(b); st.rng.inc = tt__get_u64(b + 8); }
    tt__ckr_fixed(&r, TT__CK_USER, b, TT__CK_USER_BYTES);
    if (r.st == TT_OK) for (i = 0; i < 8; i++) st.user[i] = tt__get_u64(b + 8 * i);
    tok_len = tt__ckr_section(&r, TT__CK_TOKN);
    if (r.st == TT_OK && (tok_len > TT_CHECKPOINT_MAX_TOKENIZER_BYTES || tok_len > r.left))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: tokenizer section too large (corrupt)");
    if (r.st != TT_OK) return r.st;
    /* temporaries: 3 tensors + tokenizer bytes, one block */
    if (!tt__mul_size(Pm, 12, &bytes) || !tt__add_size(bytes, (size_t)tok_len, &bytes)) return TT_ERR_OUT_OF_MEMORY;
    tmp = (float *)tt__alloc(&mc.allocator, bytes, TT__ALIGN);
    if (!tmp) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "checkpoint: cannot allocate load buffers");
        return TT_ERR_OUT_OF_MEMORY;
    }
    tok_bytes = (unsigned char *)(tmp + 3 * Pm);
    tt__ckr_bytes(&r, tok_bytes, tok_len);
    for (i = 0; i < 3; i++) tt__ckr_floats(&r, TT__CK_PARM + i, tmp + (size_t)i * Pm, P);
    if (tt__ckr_close(&r, &hd) == TT_OK && tok_len > 0 && out_tok) {
        tt__memrd m;
        tt_io tio;
        tt_status ts;
        m.p = tok_bytes; m.n = (size_t)tok_len; m.pos = 0;
        tio.read = tt__memrd_read; tio.write = NULL; tio.user = &m;
        ts = tt_tokenizer_load(tok_cfg, &tio, &tok);
        if (ts == TT_OK && m.pos != m.n) {
            tt_tokenizer_destroy(tok);
            tok = NULL;
            ts = TT_ERR_BAD_FORMAT;
        }
        if (ts != TT_OK) {
            tt__ckr_fail(&r, ts == TT_ERR_OUT_OF_MEMORY ? ts : TT_ERR_BAD_FORMAT,
                         "checkpoint: the embedded tokenizer does not load");
        }
    }
    if (r.st == TT_OK) {
        /* commit */
        memcpy(tt_model_params(model), tmp, Pm * sizeof(float));
        if (tt_model_adam_m(model)) /* NULL: inference_only, parameters only */
            tt__dp_load_moments(model, tmp + Pm, tmp + 2 * Pm); /* all, or this rank's ZeRO-1 slice */
        tt_model_set_step(model, step);
        tt__model_forget_acts(model); /* activations of the old weights */
        r.st = tt_model_upload(model); /* the host copies -> a backend's buffers */
        if (out_state) *out_state = st;
        if (out_tok) *out_tok = tok;
    }
    tt__free(&mc.allocator, tmp, bytes);
    return r.st;
}

#ifndef TT_NO_STDIO
typedef struct tt__ck_save_args {
    tt_model *model;
    const tt_tokenizer *tok;
    const tt_checkpoint_state *state;
    int *entered;        /* set when the callback runs (NULL: not tracked) */
} tt__ck_save_args;

TT__PRIVATE tt_status tt__ck_save_cb(const void *obj, const tt_io *io) {
    const tt__ck_save_args *a = (const tt__ck_save_args *)obj;
    if (a->entered) *a->entered = 1;
    return tt_checkpoint_save(io, a->model, a->tok, a->state);
}
TT__PRIVATE size_t tt__ck_discard(void *user, const void *buf, size_t n) { (void)user; (void)buf; return n; }
TT__PRIVATE tt_status tt__checkpoint_save_path(const char *path, const tt__ck_save_args *a0) {
    tt_status st;
    tt__ck_save_args a = *a0;
    int entered = 0;
    if (!path || !a.model) return TT_ERR_INVALID_ARG;
    if (!tt__dp_writer(a.model)) /* another rank: take part in the collective, touch no file */
        return tt__dp_save_end(a.model, tt_checkpoint_save(NULL, a.model, a.tok, a.state));
    a.entered = &entered;
    st = tt__save_atomic(path, tt__ck_save_cb, &a);
    if (!entered && tt_model_get_config(a.model).comm.size > 1) { /* could not create the file: still take part */
        tt_io dio;
        dio.read = NULL; dio.write = tt__ck_discard; dio.user = NULL;
        (void)tt_checkpoint_save(&dio, a.model, a.tok, a.state);
    }
    st = tt__dp_save_end(a.model, st); /* rank 0's final status (after the rename) to every rank */
    if (st != TT_OK) {
        tt_model_config c = tt_model_get_config(a.model);
        tt__log(&c.logger, TT_LOG_ERROR, st, "checkpoint: save failed; the previous file (if any) is unchanged");
    }
    return st;
}
TTDEF tt_status tt_checkpoint_save_file(const char *path, tt_model *model, const tt_tokenizer *tok,
                                        const tt_checkpoint_state *state) {
    tt__ck_save_args a;
    a.model = model; a.tok = tok; a.state = state; a.entered = NULL;
    return tt__checkpoint_save_path(path, &a);
}

/* open path; after a successful read, refuse trailing bytes */
TT__PRIVATE FILE *tt__ck_fopen(const char *path, const tt_logger *lg, tt_io *io) {
    FILE *f = tt__fopen_rb(path);
    if (!f) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "checkpoint: cannot open or read the file (missing, a directory, no permission?)");
        return NULL;
    }
    io->read = tt__stdio_read; io->write = NULL; io->user = f;
    return f;
}
TT__PRIVATE tt_status tt__ck_fclose(FILE *f, tt_status st, const tt_logger *lg) {
    if (st == TT_OK && fgetc(f) != EOF) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: extra bytes after the end of the checkpoint");
        st = TT_ERR_BAD_FORMAT;
    }
    fclose(f);
    return st;
}
TTDEF tt_status tt_checkpoint_read_config_file(const char *path, const tt_logger *logger, tt_model_config *out_cfg) {
    tt_io io;
    tt_model_config c;
    tt_status st;
    FILE *f;
    if (!path || !out_cfg) return TT_ERR_INVALID_ARG;
    f = tt__ck_fopen(path, logger, &io);
    if (!f) return TT_ERR_IO;
    st = tt__ck_fclose(f, tt_checkpoint_read_config(&io, logger, &c), logger);
    if (st == TT_OK) *out_cfg = c;
    return st;
}
TTDEF tt_status tt_checkpoint_load_file(const char *path, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                        tt_checkpoint_state *out_state, tt_tokenizer **out_tok) {
    tt_io io;
    tt_model_config mc;
    tt_checkpoint_state st;
    tt_tokenizer *tok = NULL;
    tt_status s;
    FILE *f;
    if (!path || !model) return TT_ERR_INVALID_ARG;
    mc = tt_model_get_config(model);
    /* load commits before the end of the file is seen, so check the size
     * against the header first: no trailing bytes, no truncation */
    f = tt__ck_fopen(path, &mc.logger, &io);
    if (!f) return TT_ERR_IO;
    {
        unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
        long end;
        if (fread(h, 1, sizeof(h), f) == sizeof(h) && fseek(f, 0, SEEK_END) == 0 && (end = ftell(f)) >= 0 &&
            memcmp(h, TT_CHECKPOINT_MAGIC, 4) == 0 &&
            (uint64_t)end != (uint64_t)TT_CHECKPOINT_HEADER_SIZE + tt__get_u64(h + 16)) {
            tt__log(&mc.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT,
                    "checkpoint: file size does not match its header (truncated or extended)");
            fclose(f);
            return TT_ERR_BAD_FORMAT;
        }
        if (fseek(f, 0, SEEK_SET) != 0) { fclose(f); return TT_ERR_IO; }
    }
    s = tt_checkpoint_load(&io, model, tok_cfg, &st, out_tok ? &tok : NULL);
    fclose(f);
    if (s == TT_OK) {
        if (out_state) *out_state = st;
        if (out_tok) *out_tok = tok;
    }
    return s;
}
#endif
