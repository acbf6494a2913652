/* >>llmc  karpathy/llm.c GPT-2 checkpoints (.bin, versions 3 and 5). The
 * parameter order of the format is this library's own layout, so the data
 * is the flat parameter block with wte padded to the file's Vp rows. */
#include "tt_weights_internal.h"

#define TT__LLMC_HEADER_INTS 256

TT__PRIVATE tt_status tt__llmc_read_header(const tt_io *io, const tt_logger *lg, tt__llmc_hdr *h) {
    unsigned char b[4 * TT__LLMC_HEADER_INTS];
    int32_t v[8];
    int i;
    if (tt__read_all(io, b, sizeof(b)) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: file shorter than its 1024-byte header");
        return TT_ERR_BAD_FORMAT;
    }
    for (i = 0; i < 8; i++) v[i] = (int32_t)tt__get_u32(b + 4 * i);
    if (v[0] != TT_LLMC_MAGIC) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bad magic (not a GPT-2 model file from llm.c)");
        return TT_ERR_BAD_FORMAT;
    }
    if (v[1] != TT_LLMC_VERSION_F32 && v[1] != TT_LLMC_VERSION_BF16) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                 "llm.c: only versions 3 (float32) and 5 (bfloat16) with a padded vocab load; version ", v[1]);
        return TT_ERR_UNSUPPORTED;
    }
    h->version = v[1]; h->T = v[2]; h->V = v[3]; h->L = v[4]; h->NH = v[5]; h->C = v[6]; h->Vp = v[7];
    if (h->T < 1 || h->T > TT_MAX_DIM || h->V < 1 || h->V > TT_MAX_VOCAB || h->L < 1 || h->L > 1024 ||
        h->NH < 1 || h->C < 1 || h->C > TT_MAX_DIM || h->C % h->NH != 0 || h->Vp < h->V || h->Vp > TT_MAX_VOCAB + 1024) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: header sizes out of range (corrupt)");
        return TT_ERR_BAD_FORMAT;
    }
    return TT_OK;
}

TTDEF tt_status tt_llmc_read_config(const tt_io *io, const tt_logger *lg, tt_model_config *out_cfg) {
    tt__llmc_hdr h;
    tt_status st;
    if (!io || !io->read || !out_cfg) return TT_ERR_INVALID_ARG;
    if ((st = tt__llmc_read_header(io, lg, &h)) != TT_OK) return st;
    memset(out_cfg, 0, sizeof(*out_cfg));
    out_cfg->vocab_size = h.V; out_cfg->n_ctx = h.T; out_cfg->n_layer = h.L;
    out_cfg->n_head = h.NH; out_cfg->d_model = h.C;
    return TT_OK;
}

TTDEF tt_status tt_model_save_llmc(const tt_io *io, tt_model *m, int dtype) {
    tt__model_shape s;
    unsigned char b[4 * TT__LLMC_HEADER_INTS];
    tt__wsink w;
    int32_t Vp;
    int i;
    if (!io || !io->write || !m || (dtype != TT_DTYPE_F32 && dtype != TT_DTYPE_BF16)) return TT_ERR_INVALID_ARG;
    if (tt_model_download(m) != TT_OK) return TT_ERR_BACKEND;
    tt__model_shape_of(m, &s);
    Vp = (s.V + 127) / 128 * 128;
    memset(b, 0, sizeof(b));
    tt__put_u32(b + 0, (uint32_t)TT_LLMC_MAGIC);
    tt__put_u32(b + 4, (uint32_t)(dtype == TT_DTYPE_BF16 ? TT_LLMC_VERSION_BF16 : TT_LLMC_VERSION_F32));
    tt__put_u32(b + 8, (uint32_t)s.maxT);
    tt__put_u32(b + 12, (uint32_t)s.V);
    tt__put_u32(b + 16, (uint32_t)s.L);
    tt__put_u32(b + 20, (uint32_t)s.NH);
    tt__put_u32(b + 24, (uint32_t)s.C);
    tt__put_u32(b + 28, (uint32_t)Vp);
    memset(&w, 0, sizeof(w));
    w.io = io;
    tt__ws_bytes(&w, b, sizeof(b));
    for (i = 0; i < s.n_tensors && w.st == TT_OK; i++) {
        tt__wt t;
        t.off = s.tensors[i].offset; t.transpose = 0; t.cols = 0;
        t.rows = t.numel = s.tensors[i].numel;
        if (i == 0) t.rows = t.numel = (size_t)s.V * (size_t)s.C; /* wte rows [0, V) ... */
        tt__ws_tensor(&w, s.params + t.off, &t, dtype);
        if (i == 0) { /* ... then zero rows up to the file's Vp */
            size_t pad = ((size_t)Vp - (size_t)s.V) * (size_t)s.C * (dtype == TT_DTYPE_BF16 ? 2 : 4);
            memset(b, 0, sizeof(b));
            while (pad > 0 && w.st == TT_OK) {
                size_t k = pad < sizeof(b) ? pad : sizeof(b);
                tt__ws_bytes(&w, b, k);
                pad -= k;
            }
        }
    }
    return w.st;
}

/* the data after a checked header, into dst (P floats, our layout; the
 * padded wte rows zeroed) */
TT__PRIVATE tt_status tt__llmc_read_data(const tt_io *io, const tt__model_shape *s, const tt__llmc_hdr *h, float *dst) {
    size_t esz = h->version == TT_LLMC_VERSION_BF16 ? 2 : 4, VC = (size_t)s->V * (size_t)s->C;
    tt__wt t;
    tt_status st;
    memset(&t, 0, sizeof(t));
    t.rows = t.numel = VC;
    st = tt__read_tensor(io, dst, &t, esz);                                /* wte rows [0, V) */
    t.rows = t.numel = ((size_t)h->Vp - (size_t)s->V) * (size_t)s->C;
    if (st == TT_OK) st = tt__read_tensor(io, NULL, &t, esz);              /* the file's padding */
    memset(dst + VC, 0, ((size_t)s->Vp - (size_t)s->V) * (size_t)s->C * sizeof(float));
    t.rows = t.numel = s->n_params - s->tensors[1].offset;
    if (st == TT_OK) st = tt__read_tensor(io, dst + s->tensors[1].offset, &t, esz); /* wpe .. ln_f */
    if (st != TT_OK) tt__log(s->logger, TT_LOG_ERROR, st, "llm.c: data ends early (truncated file)");
    return st;
}

TT__PRIVATE tt_status tt__llmc_check_model(const tt__model_shape *s, const tt__llmc_hdr *h) {
    if (h->V != s->V || h->T != s->maxT || h->L != s->L || h->NH != s->NH || h->C != s->C) {
        tt__log(s->logger, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "llm.c: the file's shape (vocab, max_seq_len, layers, heads, channels) differs from the model's");
        return TT_ERR_MISMATCH;
    }
    return TT_OK;
}

TT__PRIVATE tt_status tt__llmc_load(const tt_io *io, tt_model *m, int check_eof) {
    tt__model_shape s;
    tt__llmc_hdr h;
    tt_status st;
    float *tmp;
    size_t bytes;
    if (!io || !io->read || !m) return TT_ERR_INVALID_ARG;
    tt__model_shape_of(m, &s);
    if ((st = tt__llmc_read_header(io, s.logger, &h)) != TT_OK) return st;
    if ((st = tt__llmc_check_model(&s, &h)) != TT_OK) return st;
    if (!tt__mul_size(s.n_params, sizeof(float), &bytes) ||
        !(tmp = (float *)tt__alloc(s.allocator, bytes, TT__ALIGN))) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "llm.c: cannot allocate the load buffer");
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = tt__llmc_read_data(io, &s, &h, tmp);
    if (st == TT_OK && check_eof && tt__io_has_more(io)) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bytes after the parameters");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) { memcpy(s.params, tmp, bytes); st = tt_model_upload(m); }
    tt__free(s.allocator, tmp, bytes);
    return st;
}

TTDEF tt_status tt_model_load_llmc(const tt_io *io, tt_model *m) { return tt__llmc_load(io, m, 0); }

#ifndef TT_NO_STDIO
TTDEF tt_status tt_model_save_llmc_file(const char *path, tt_model *m, int dtype) {
    tt__save_args a;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    a.m = m; a.dtype = dtype; a.llmc = 1;
    return tt__save_atomic(path, tt__weights_save_cb, &a);
}
TT__PRIVATE tt_status tt__llmc_load_cb(void *obj, const tt_io *io) { return tt__llmc_load(io, (tt_model *)obj, 1); }
TTDEF tt_status tt_model_load_llmc_file(const char *path, tt_model *m) {
    tt__model_shape s;
    tt_status st;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    st = tt__load_path(path, tt__llmc_load_cb, m);
    tt__model_shape_of(m, &s);
    if (st == TT_ERR_IO) tt__log(s.logger, TT_LOG_ERROR, st, "llm.c: cannot open the file");
    return st;
}
#endif
