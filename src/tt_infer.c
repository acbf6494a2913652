/* >>infer  one-call model creation from a checkpoint of any supported kind */
#include "tt_weights_internal.h"

#ifndef TT_NO_STDIO
/* ---- tt_model_create_from_checkpoint ---- */
/* a tt_io over a FILE that first returns bytes already read (the sniffed prefix) */
typedef struct tt__pfx { const unsigned char *p; size_t n, pos; FILE *f; } tt__pfx;
TT__PRIVATE size_t tt__pfx_read(void *user, void *buf, size_t n) {
    tt__pfx *x = (tt__pfx *)user;
    size_t k = 0;
    if (x->pos < x->n) {
        k = x->n - x->pos < n ? x->n - x->pos : n;
        memcpy(buf, x->p + x->pos, k);
        x->pos += k;
    }
    if (k < n) k += fread((unsigned char *)buf + k, 1, n - k, x->f);
    return k;
}
typedef struct tt__memio { const unsigned char *p; size_t n, pos; } tt__memio;
TT__PRIVATE size_t tt__memio_read(void *user, void *buf, size_t n) {
    tt__memio *x = (tt__memio *)user;
    size_t k = x->n - x->pos < n ? x->n - x->pos : n;
    memcpy(buf, x->p + x->pos, k);
    x->pos += k;
    return k;
}

/* the config to create: base with the file's shape; a nonzero base shape
 * field must agree with the file */
TT__PRIVATE tt_status tt__merge_shape(const tt_model_config *base, const tt_model_config *f, tt_model_config *out) {
    tt_model_config c;
    const tt_logger *lg;
    memset(&c, 0, sizeof(c));
    if (base) c = *base;
    lg = &c.logger;
    if ((c.vocab_size && c.vocab_size != f->vocab_size) || (c.n_ctx && c.n_ctx != f->n_ctx) ||
        (c.n_layer && c.n_layer != f->n_layer) || (c.d_model && c.d_model != f->d_model) ||
        (c.n_head && f->n_head && c.n_head != f->n_head)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "create_from_checkpoint: a shape field of the base config differs from the file's");
        return TT_ERR_MISMATCH;
    }
    c.vocab_size = f->vocab_size; c.n_ctx = f->n_ctx; c.n_layer = f->n_layer; c.d_model = f->d_model;
    if (f->n_head) c.n_head = f->n_head;
    if (!c.n_head) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "create_from_checkpoint: the file does not record n_head (Hugging Face safetensors): set base->n_head");
        return TT_ERR_INVALID_ARG;
    }
    c.no_init = 1; /* every parameter comes from the file */
    *out = c;
    return TT_OK;
}

TT__PRIVATE tt_status tt__cfc_ttck(FILE *f, const tt_model_config *base, tt_model **out) {
    tt_model_config b, fc, c;
    const tt_logger *lg;
    unsigned char *buf;
    long end;
    size_t n;
    tt__memio mi;
    tt_io io;
    tt_model *m = NULL;
    tt_status st;
    memset(&b, 0, sizeof(b));
    if (base) b = *base;
    lg = &b.logger;
    if (!tt__allocator_valid(&b.allocator)) return TT_ERR_INVALID_ARG;
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return TT_ERR_IO;
    n = (size_t)end;
    buf = (unsigned char *)tt__alloc(&b.allocator, n, TT__ALIGN);
    if (!buf) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "create_from_checkpoint: cannot hold the checkpoint in memory");
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = fread(buf, 1, n, f) == n ? TT_OK : TT_ERR_IO;
    mi.p = buf; mi.n = n; mi.pos = 0;
    io.read = tt__memio_read; io.write = NULL; io.user = &mi;
    if (st == TT_OK) st = tt_checkpoint_read_config(&io, lg, &fc);
    if (st == TT_OK && mi.pos != n) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: bytes after the checkpoint");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) st = tt__merge_shape(base, &fc, &c);
    if (st == TT_OK) {
        if (!b.max_batch) c.max_batch = fc.max_batch;
        if (!b.seed) c.seed = fc.seed;
        st = tt_model_create(&c, &m);
    }
    if (st == TT_OK) {
        mi.pos = 0;
        st = tt_checkpoint_load(&io, m, NULL, NULL, NULL);
    }
    tt__free(&b.allocator, buf, n);
    if (st != TT_OK) { tt_model_destroy(m); return st; }
    *out = m;
    return TT_OK;
}

TTDEF tt_status tt_model_create_from_checkpoint(const char *path, const tt_model_config *base, tt_model **out) {
    FILE *f;
    unsigned char h[8];
    size_t got;
    tt__pfx px;
    tt_io io;
    tt_model_config fc, c;
    tt_model *m = NULL;
    tt__model_shape ms;
    tt_status st;
    const tt_logger *lg = base ? &base->logger : NULL;
    if (!path || !out) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) {
        tt__log2(lg, TT_ERR_IO, "create_from_checkpoint: cannot open", path);
        return TT_ERR_IO;
    }
    got = fread(h, 1, sizeof(h), f);
    px.p = h; px.n = got; px.pos = 0; px.f = f;
    io.read = tt__pfx_read; io.write = NULL; io.user = &px;
    if (got >= 4 && memcmp(h, TT_CHECKPOINT_MAGIC, 4) == 0) {
        st = tt__cfc_ttck(f, base, &m);
    } else if (got >= 4 && tt__get_u32(h) == (uint32_t)TT_LLMC_MAGIC) {
        tt__llmc_hdr hd;
        st = tt__llmc_read_header(&io, lg, &hd);
        if (st == TT_OK) {
            memset(&fc, 0, sizeof(fc));
            fc.vocab_size = hd.V; fc.n_ctx = hd.T; fc.n_layer = hd.L; fc.n_head = hd.NH; fc.d_model = hd.C;
            st = tt__merge_shape(base, &fc, &c);
        }
        if (st == TT_OK) st = tt_model_create(&c, &m);
        if (st == TT_OK) { tt__model_shape_of(m, &ms); st = tt__llmc_check_model(&ms, &hd); }
        if (st == TT_OK) st = tt__llmc_read_data(&io, &ms, &hd, tt_model_params(m));
        if (st == TT_OK) st = tt_model_upload(m);
        if (st == TT_OK && tt__io_has_more(&io)) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bytes after the parameters");
            st = TT_ERR_BAD_FORMAT;
        }
    } else if (got == 8 && tt__get_u64(h) >= 2 && tt__get_u64(h) <= TT__ST_MAX_HEADER) {
        tt__st p;
        tt_allocator al;
        memset(&p, 0, sizeof(p));
        memset(&al, 0, sizeof(al));
        if (base) al = base->allocator;
        st = tt__allocator_valid(&al) ? tt__st_parse(&p, &io, &al, lg, 4 * (4 + 12 * 1024) + 16) : TT_ERR_INVALID_ARG;
        if (st == TT_OK) st = tt__st_shape(&p, &fc);
        if (st == TT_OK) st = tt__merge_shape(base, &fc, &c);
        if (st == TT_OK) st = tt_model_create(&c, &m);
        if (st == TT_OK) { tt__model_shape_of(m, &ms); st = tt__st_validate(&p, &ms); }
        if (st == TT_OK) st = tt__st_read_data(&p, &io, &ms, tt_model_params(m));
        if (st == TT_OK) st = tt_model_upload(m);
        if (st == TT_OK && tt__io_has_more(&io)) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: bytes after the data");
            st = TT_ERR_BAD_FORMAT;
        }
        tt__st_free(&p);
    } else {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "create_from_checkpoint: not a tinytrain checkpoint, llm.c .bin or safetensors file");
        st = TT_ERR_UNSUPPORTED;
    }
    fclose(f);
    if (st != TT_OK) { tt_model_destroy(m); return st; }
    *out = m;
    return TT_OK;
}
#endif
