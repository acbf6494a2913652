/* >>data  token files and the batch loader */
#include "tt_internal.h"

/* ---- token files ---------------------------------------------------------- */

TT__PRIVATE uint32_t tt__tokens_width(int32_t vocab) { return vocab <= 65536 ? 2u : 4u; }

/* encode ids[0..n) into little-endian width-byte ids at out */
TT__PRIVATE void tt__tokens_pack(unsigned char *out, const int32_t *ids, size_t n, uint32_t width) {
    size_t i;
    if (width == 2) {
        for (i = 0; i < n; i++) {
            out[2 * i] = (unsigned char)ids[i];
            out[2 * i + 1] = (unsigned char)((uint32_t)ids[i] >> 8);
        }
    } else {
        for (i = 0; i < n; i++) tt__put_u32(out + 4 * i, (uint32_t)ids[i]);
    }
}

/* decode n ids; returns 0 if one is >= vocab */
TT__PRIVATE int tt__tokens_unpack(int32_t *out, const unsigned char *in, size_t n, uint32_t width,
                                  int32_t vocab) {
    size_t i;
    uint32_t v, bad = 0;
    if (width == 2) {
        for (i = 0; i < n; i++) {
            v = (uint32_t)in[2 * i] | ((uint32_t)in[2 * i + 1] << 8);
            bad |= (uint32_t)(v >= (uint32_t)vocab);
            out[i] = (int32_t)v;
        }
    } else {
        for (i = 0; i < n; i++) {
            v = tt__get_u32(in + 4 * i);
            bad |= (uint32_t)(v >= (uint32_t)vocab);
            out[i] = (int32_t)(bad ? 0 : v);
        }
    }
    return bad == 0;
}

TT__PRIVATE void tt__tokens_header(unsigned char *h, int32_t vocab, uint64_t n, uint32_t crc) {
    memset(h, 0, TT_TOKENS_HEADER_SIZE);
    memcpy(h, TT_TOKENS_MAGIC, 4);
    tt__put_u32(h + 4, TT_TOKENS_VERSION);
    tt__put_u32(h + 8, TT_TOKENS_HEADER_SIZE);
    tt__put_u32(h + 12, (uint32_t)vocab);
    tt__put_u32(h + 16, tt__tokens_width(vocab));
    tt__put_u64(h + 24, n);
    tt__put_u32(h + 32, crc);
    tt__put_u32(h + 36, tt_crc32(0, h, 36));
}

TTDEF tt_status tt_tokens_write(const tt_io *io, const int32_t *ids, uint64_t n, int32_t vocab_size) {
    unsigned char buf[4096], h[TT_TOKENS_HEADER_SIZE];
    uint32_t width, crc = 0;
    uint64_t i, chunk = 1024, k;
    tt_status st;
    if (!io || !io->write || (n > 0 && !ids)) return TT_ERR_INVALID_ARG;
    if (vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    if (n > ((uint64_t)1 << 60)) return TT_ERR_INVALID_ARG;
    width = tt__tokens_width(vocab_size);
    /* pass 1: check ids and compute the CRC of the packed bytes */
    for (i = 0; i < n; i += k) {
        size_t j;
        k = n - i < chunk ? n - i : chunk;
        for (j = 0; j < (size_t)k; j++)
            if (ids[i + j] < 0 || ids[i + j] >= vocab_size) return TT_ERR_INVALID_ARG;
        tt__tokens_pack(buf, ids + i, (size_t)k, width);
        crc = tt_crc32(crc, buf, (size_t)k * width);
    }
    tt__tokens_header(h, vocab_size, n, crc);
    st = tt__write_all(io, h, sizeof(h));
    /* pass 2: write */
    for (i = 0; st == TT_OK && i < n; i += k) {
        k = n - i < chunk ? n - i : chunk;
        tt__tokens_pack(buf, ids + i, (size_t)k, width);
        st = tt__write_all(io, buf, (size_t)k * width);
    }
    return st;
}

/* check a 40-byte header in memory */
TT__PRIVATE tt_status tt__tokens_parse_header(const unsigned char *h, const tt_logger *lg,
                                              tt_token_file_info *out) {
    tt_token_file_info info;
    uint32_t vocab;
    if (memcmp(h, TT_TOKENS_MAGIC, 4) != 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: bad magic (not a TTTK token file)");
        return TT_ERR_BAD_FORMAT;
    }
    if (tt_crc32(0, h, 36) != tt__get_u32(h + 36)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: header checksum mismatch (corrupt header)");
        return TT_ERR_BAD_FORMAT;
    }
    info.version = tt__get_u32(h + 4);
    info.header_size = tt__get_u32(h + 8);
    vocab = tt__get_u32(h + 12);
    info.id_bytes = tt__get_u32(h + 16);
    info.count = tt__get_u64(h + 24);
    info.crc32 = tt__get_u32(h + 32);
    if (info.version != TT_TOKENS_VERSION) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: unsupported format version ", (long long)info.version);
        return TT_ERR_BAD_FORMAT;
    }
    /* count <= 2^60: header + 4 * count fits a 64-bit long, so a corrupt
     * count is a size mismatch there, not a file too large to seek */
    if (info.header_size != TT_TOKENS_HEADER_SIZE || vocab < 1 || vocab > (uint32_t)TT_MAX_VOCAB ||
        info.id_bytes != tt__tokens_width((int32_t)vocab) || tt__get_u32(h + 20) != 0 ||
        info.count > ((uint64_t)1 << 60)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: inconsistent header fields");
        return TT_ERR_BAD_FORMAT;
    }
    info.vocab_size = (int32_t)vocab;
    *out = info;
    return TT_OK;
}

TTDEF tt_status tt_tokens_read_header(const tt_io *io, const tt_logger *logger, tt_token_file_info *out_info) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    if (!io || !io->read || !out_info) return TT_ERR_INVALID_ARG;
    if (tt__read_all(io, h, sizeof(h)) != TT_OK) {
        tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated header");
        return TT_ERR_BAD_FORMAT;
    }
    return tt__tokens_parse_header(h, logger, out_info);
}

TTDEF tt_status tt_tokens_read_ids(const tt_io *io, const tt_token_file_info *info, const tt_logger *logger,
                                   int32_t *out, uint64_t cap) {
    unsigned char buf[4096];
    uint64_t i, k, chunk;
    uint32_t crc = 0;
    if (!io || !io->read || !info || (info->count > 0 && !out)) return TT_ERR_INVALID_ARG;
    if (info->id_bytes != 2 && info->id_bytes != 4) return TT_ERR_INVALID_ARG;
    if (cap < info->count) return TT_ERR_BUFFER_TOO_SMALL;
    chunk = sizeof(buf) / info->id_bytes;
    for (i = 0; i < info->count; i += k) {
        k = info->count - i < chunk ? info->count - i : chunk;
        if (tt__read_all(io, buf, (size_t)k * info->id_bytes) != TT_OK) {
            tt__logf(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated after id ", (long long)i);
            return TT_ERR_BAD_FORMAT;
        }
        crc = tt_crc32(crc, buf, (size_t)k * info->id_bytes);
        if (!tt__tokens_unpack(out + i, buf, (size_t)k, info->id_bytes, info->vocab_size)) {
            tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: id >= vocab size");
            return TT_ERR_BAD_FORMAT;
        }
    }
    if (crc != info->crc32) {
        tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: data checksum mismatch (corrupt file)");
        return TT_ERR_BAD_FORMAT;
    }
    return TT_OK;
}

#ifndef TT_NO_STDIO
typedef struct tt__tokens_write_args { const int32_t *ids; uint64_t n; int32_t vocab; } tt__tokens_write_args;
TT__PRIVATE tt_status tt__tokens_write_cb(const void *obj, const tt_io *io) {
    const tt__tokens_write_args *a = (const tt__tokens_write_args *)obj;
    return tt_tokens_write(io, a->ids, a->n, a->vocab);
}
TTDEF tt_status tt_tokens_write_file(const char *path, const int32_t *ids, uint64_t n, int32_t vocab_size) {
    tt__tokens_write_args a;
    uint64_t i;
    if (!path || (n > 0 && !ids) || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)  /* validate before creating the temp file */
        if (ids[i] < 0 || ids[i] >= vocab_size) return TT_ERR_INVALID_ARG;
    a.ids = ids; a.n = n; a.vocab = vocab_size;
    return tt__save_atomic(path, tt__tokens_write_cb, &a);
}

struct tt_token_writer {
    FILE *f;
    tt_allocator alloc;
    size_t bytes;        /* of this allocation (struct + both paths) */
    char *path, *tmp;
    uint64_t count;
    uint32_t crc, width;
    int32_t vocab;
    tt_status st;        /* first error */
};

TTDEF tt_status tt_token_writer_open(const char *path, int32_t vocab_size, const tt_allocator *allocator,
                                     tt_token_writer **out) {
    tt_token_writer *w;
    size_t n, bytes;
    unsigned char zero[TT_TOKENS_HEADER_SIZE];
    tt_allocator a;
    if (!path || !out || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    if (allocator) a = *allocator;
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    n = strlen(path);
    if (n > 4096) return TT_ERR_INVALID_ARG;
    bytes = sizeof(tt_token_writer) + 2 * n + 6;
    w = (tt_token_writer *)tt__alloc(&a, bytes, TT__ALIGN);
    if (!w) return TT_ERR_OUT_OF_MEMORY;
    memset(w, 0, sizeof(*w));
    w->alloc = a;
    w->bytes = bytes;
    w->path = (char *)(w + 1);
    w->tmp = w->path + n + 1;
    memcpy(w->path, path, n + 1);
    memcpy(w->tmp, path, n);
    memcpy(w->tmp + n, ".tmp", 5);
    w->vocab = vocab_size;
    w->width = tt__tokens_width(vocab_size);
    w->f = fopen(w->tmp, "wb");
    memset(zero, 0, sizeof(zero));
    if (!w->f || fwrite(zero, 1, sizeof(zero), w->f) != sizeof(zero)) {
        if (w->f) { fclose(w->f); remove(w->tmp); }
        tt__free(&a, w, bytes);
        return TT_ERR_IO;
    }
    *out = w;
    return TT_OK;
}

TTDEF tt_status tt_token_writer_append(tt_token_writer *w, const int32_t *ids, size_t n) {
    unsigned char buf[4096];
    size_t i, k, chunk;
    if (!w) return TT_ERR_INVALID_ARG;
    if (w->st != TT_OK) return w->st;
    /* a refused append is an error of the writer's life: close then keeps
     * the old file rather than write one with a hole where these ids were */
    if (n > 0 && !ids) return w->st = TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= w->vocab) return w->st = TT_ERR_INVALID_ARG;
    chunk = sizeof(buf) / w->width;
    for (i = 0; i < n; i += k) {
        k = n - i < chunk ? n - i : chunk;
        tt__tokens_pack(buf, ids + i, k, w->width);
        w->crc = tt_crc32(w->crc, buf, k * w->width);
        if (fwrite(buf, w->width, k, w->f) != k) { w->st = TT_ERR_IO; return w->st; }
        w->count += k;
    }
    return TT_OK;
}

TTDEF void tt_token_writer_abort(tt_token_writer *w) {
    tt_allocator a;
    if (!w) return;
    if (w->f) fclose(w->f);
    remove(w->tmp);
    a = w->alloc;
    tt__free(&a, w, w->bytes);
}

TTDEF tt_status tt_token_writer_close(tt_token_writer *w) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    tt_status st;
    tt_allocator a;
    if (!w) return TT_ERR_INVALID_ARG;
    st = w->st;
    if (st == TT_OK) {
        tt__tokens_header(h, w->vocab, w->count, w->crc);
        if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) st = TT_ERR_IO;
    }
    if (fflush(w->f) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (fclose(w->f) != 0 && st == TT_OK) st = TT_ERR_IO;
    w->f = NULL;
    if (st == TT_OK && rename(w->tmp, w->path) != 0) st = TT_ERR_IO;
    if (st != TT_OK) remove(w->tmp);
    a = w->alloc;
    tt__free(&a, w, w->bytes);
    return st;
}

/* open path, check the header and that the size is exactly header + count*width */
TT__PRIVATE tt_status tt__tokens_open(const char *path, const tt_logger *lg, FILE **out_f,
                                      tt_token_file_info *out_info) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    tt_token_file_info info;
    tt_status st;
    FILE *f;
    long end;
    uint64_t want;
    if (!path || !out_info) return TT_ERR_INVALID_ARG;
    f = tt__fopen_rb(path);
    if (!f) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "token file: cannot open or read the file (missing, a directory, no permission?)");
        return TT_ERR_IO;
    }
    if (fread(h, 1, sizeof(h), f) != sizeof(h)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated header");
        fclose(f);
        return TT_ERR_BAD_FORMAT;
    }
    st = tt__tokens_parse_header(h, lg, &info);
    if (st != TT_OK) { fclose(f); return st; }
    want = (uint64_t)info.header_size + info.count * info.id_bytes;
    if (want > (uint64_t)LONG_MAX) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "token file: larger than fseek can address on this platform");
        fclose(f);
        return TT_ERR_UNSUPPORTED;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "token file: cannot seek");
        fclose(f);
        return TT_ERR_IO;
    }
    if ((uint64_t)end != want) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT,
                 "token file: size does not match the header (truncated or extended); bytes: ", (long long)end);
        fclose(f);
        return TT_ERR_BAD_FORMAT;
    }
    if (fseek(f, (long)info.header_size, SEEK_SET) != 0) { fclose(f); return TT_ERR_IO; }
    *out_f = f;
    *out_info = info;
    return TT_OK;
}

TTDEF tt_status tt_tokens_info_file(const char *path, const tt_logger *logger, tt_token_file_info *out_info) {
    FILE *f = NULL;
    tt_status st = tt__tokens_open(path, logger, &f, out_info);
    if (st == TT_OK) fclose(f);
    return st;
}
#endif

/* ---- shuffled window order: a keyed Feistel permutation ------------------- */

TT__PRIVATE uint64_t tt__mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* a bijection of [0, n) keyed by key: 4 Feistel rounds over the smallest
 * even-bit power of two >= n, cycle-walking until the value lands in range */
TT__PRIVATE uint64_t tt__permute(uint64_t i, uint64_t n, uint64_t key) {
    unsigned bits = 0, half, r;
    uint64_t mask, L, R, t;
    if (n <= 1) return 0;
    while (bits < 62 && ((uint64_t)1 << bits) < n) bits++;
    if (bits & 1u) bits++;
    half = bits / 2;
    mask = ((uint64_t)1 << half) - 1;
    do {
        L = i >> half;
        R = i & mask;
        for (r = 0; r < 4; r++) {
            t = L ^ (tt__mix64(R ^ key ^ ((uint64_t)(r + 1) * 0x9e3779b97f4a7c15ULL)) & mask);
            L = R;
            R = t;
        }
        i = (L << half) | R;
    } while (i >= n);
    return i;
}

/* ---- loader ---------------------------------------------------------------- */

struct tt_loader {
    tt_allocator alloc;
    tt_logger log;
    size_t self_bytes;
    const int32_t *mem;       /* memory source, or NULL */
#ifndef TT_NO_STDIO
    FILE *file;               /* file source, or NULL */
#endif
    uint64_t data_offset;
    uint32_t id_bytes;
    int32_t vocab;
    int32_t B, T;
    int32_t shuffle;
    int32_t shard_rank, shard_count; /* data parallel sharding (count >= 1) */
    uint64_t seed;
    uint64_t n_tokens, n_train, n_val;
    uint64_t n_train_windows, n_val_windows;
    uint64_t epoch, index;
    int32_t *row;             /* T+1 ids */
    unsigned char *raw;       /* (T+1) * id_bytes, file source only */
};

TT__PRIVATE tt_status tt__loader_check_config(const tt_loader_config *cfg, float *out_frac) {
    float f;
    if (!cfg || cfg->batch < 1 || cfg->seq_len < 1 || cfg->seq_len > TT_MAX_DIM * 16) return TT_ERR_INVALID_ARG;
    if (!tt__allocator_valid(&cfg->allocator)) return TT_ERR_INVALID_ARG;
    f = cfg->no_val ? 0.0f : (cfg->val_fraction == 0.0f ? 0.1f : cfg->val_fraction);
    if (!(f >= 0.0f && f < 0.5f)) return TT_ERR_INVALID_ARG;
    if (cfg->shard_count < 0 || cfg->shard_rank < 0 || cfg->shard_rank >= (cfg->shard_count > 1 ? cfg->shard_count : 1)) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "loader: need 0 <= shard_rank < shard_count");
        return TT_ERR_INVALID_ARG;
    }
    *out_frac = f;
    return TT_OK;
}

/* allocate the loader and fill the split arithmetic */
TT__PRIVATE tt_status tt__loader_new(const tt_loader_config *cfg, uint64_t n, int32_t vocab, uint32_t id_bytes,
                                     tt_loader **out) {
    tt__plan plan;
    size_t o_row, o_raw;
    float frac;
    unsigned char *mem;
    tt_loader *l;
    uint64_t T, n_val;
    tt_status st = tt__loader_check_config(cfg, &frac);
    if (st != TT_OK) return st;
    T = (uint64_t)cfg->seq_len;
    n_val = (uint64_t)((double)n * (double)frac);
    if (n_val > 0 && n_val < T + 1) {
        tt__log(&cfg->logger, TT_LOG_WARN, TT_OK, "loader: validation split shorter than one window; none used");
        n_val = 0;
    }
    if (n - n_val < T + 1) {
        tt__logf(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                 "loader: training split has fewer ids than one window of seq_len+1; ids: ", (long long)(n - n_val));
        return TT_ERR_INVALID_ARG;
    }
    plan.size = 0; plan.overflow = 0;
    (void)tt__plan_take(&plan, 1, sizeof(tt_loader));
    o_row = tt__plan_take(&plan, (size_t)T + 1, sizeof(int32_t));
    o_raw = tt__plan_take(&plan, (size_t)T + 1, id_bytes);
    if (plan.overflow) return TT_ERR_INVALID_ARG;
    mem = (unsigned char *)tt__alloc(&cfg->allocator, plan.size, TT__ALIGN);
    if (!mem) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "loader: allocation failed");
        return TT_ERR_OUT_OF_MEMORY;
    }
    memset(mem, 0, plan.size);
    l = (tt_loader *)mem;
    l->alloc = cfg->allocator;
    l->log = cfg->logger;
    l->self_bytes = plan.size;
    l->row = (int32_t *)(mem + o_row);
    l->raw = mem + o_raw;
    l->id_bytes = id_bytes;
    l->vocab = vocab;
    l->B = cfg->batch;
    l->T = cfg->seq_len;
    l->shuffle = cfg->no_shuffle ? 0 : 1;
    l->shard_rank = cfg->shard_rank;
    l->shard_count = cfg->shard_count > 1 ? cfg->shard_count : 1;
    l->seed = cfg->seed ? cfg->seed : (uint64_t)TT_DEFAULT_SEED;
    l->n_tokens = n;
    l->n_val = n_val;
    l->n_train = n - n_val;
    l->n_train_windows = (l->n_train - 1) / T;
    l->n_val_windows = n_val ? (n_val - 1) / T : 0;
    *out = l;
    return TT_OK;
}

TTDEF tt_status tt_loader_open_memory(const int32_t *ids, uint64_t n, int32_t vocab_size,
                                      const tt_loader_config *cfg, tt_loader **out_loader) {
    uint64_t i;
    tt_loader *l = NULL;
    tt_status st;
    if (!out_loader || (n > 0 && !ids) || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= vocab_size) {
            tt__logf(cfg ? &cfg->logger : NULL, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                     "loader: id out of range at position ", (long long)i);
            return TT_ERR_INVALID_ARG;
        }
    st = tt__loader_new(cfg, n, vocab_size, 4, &l);
    if (st != TT_OK) return st;
    l->mem = ids;
    *out_loader = l;
    return TT_OK;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_loader_open_file(const char *path, const tt_loader_config *cfg, tt_loader **out_loader) {
    tt_token_file_info info;
    FILE *f = NULL;
    tt_loader *l = NULL;
    tt_status st;
    float frac;
    const tt_logger *lg = cfg ? &cfg->logger : NULL;
    if (!path || !out_loader) return TT_ERR_INVALID_ARG;
    st = tt__loader_check_config(cfg, &frac);
    if (st != TT_OK) return st;
    st = tt__tokens_open(path, lg, &f, &info);
    if (st != TT_OK) return st;
    if (!cfg->skip_crc) {
        /* one streaming pass: CRC and id range, 16 KB at a time */
        unsigned char buf[16384];
        int32_t ids[16384 / 2];
        uint64_t left = info.count * info.id_bytes;
        uint32_t crc = 0;
        while (left > 0 && st == TT_OK) {
            size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
            if (fread(buf, 1, k, f) != k) {
                tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: short read");
                st = TT_ERR_BAD_FORMAT;
                break;
            }
            crc = tt_crc32(crc, buf, k);
            if (!tt__tokens_unpack(ids, buf, k / info.id_bytes, info.id_bytes, info.vocab_size)) {
                tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: id >= vocab size");
                st = TT_ERR_BAD_FORMAT;
            }
            left -= k;
        }
        if (st == TT_OK && crc != info.crc32) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: data checksum mismatch (corrupt file)");
            st = TT_ERR_BAD_FORMAT;
        }
    }
    if (st == TT_OK) st = tt__loader_new(cfg, info.count, info.vocab_size, info.id_bytes, &l);
    if (st != TT_OK) { fclose(f); return st; }
    l->file = f;
    l->data_offset = info.header_size;
    *out_loader = l;
    return TT_OK;
}
#endif

TTDEF void tt_loader_close(tt_loader *loader) {
    tt_allocator a;
    if (!loader) return;
#ifndef TT_NO_STDIO
    if (loader->file) fclose(loader->file);
#endif
    a = loader->alloc;
    tt__free(&a, loader, loader->self_bytes);
}

/* read ids [pos, pos + T + 1) into l->row */
TT__PRIVATE tt_status tt__loader_fetch(tt_loader *l, uint64_t pos) {
    size_t n = (size_t)l->T + 1;
    if (pos + n > l->n_tokens) return TT_ERR_INVALID_ARG; /* cannot happen: windows are in range */
    if (l->mem) {
        memcpy(l->row, l->mem + pos, n * sizeof(int32_t));
        return TT_OK;
    }
#ifndef TT_NO_STDIO
    if (l->file) {
        uint64_t off = l->data_offset + pos * l->id_bytes;
        if (fseek(l->file, (long)off, SEEK_SET) != 0 || fread(l->raw, l->id_bytes, n, l->file) != n) {
            tt__log(&l->log, TT_LOG_ERROR, TT_ERR_IO, "loader: read from token file failed");
            return TT_ERR_IO;
        }
        if (!tt__tokens_unpack(l->row, l->raw, n, l->id_bytes, l->vocab)) {
            tt__log(&l->log, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "loader: id >= vocab size (file changed?)");
            return TT_ERR_BAD_FORMAT;
        }
        return TT_OK;
    }
#endif
    return TT_ERR_INVALID_ARG;
}

TT__PRIVATE void tt__loader_emit(const tt_loader *l, int b, int32_t *inputs, int32_t *targets) {
    size_t T = (size_t)l->T;
    memcpy(inputs + (size_t)b * T, l->row, T * sizeof(int32_t));
    memcpy(targets + (size_t)b * T, l->row + 1, T * sizeof(int32_t));
}

TTDEF uint64_t tt_loader_window_start(const tt_loader *l, uint64_t epoch, uint64_t index) {
    uint64_t w;
    if (!l || l->n_train_windows == 0) return 0;
    index %= l->n_train_windows;
    w = l->shuffle ? tt__permute(index, l->n_train_windows, tt__mix64(l->seed ^ tt__mix64(epoch + 1))) : index;
    return w * (uint64_t)l->T;
}

/* move (epoch, index) on by k windows */
TT__PRIVATE void tt__loader_skip(const tt_loader *l, uint64_t *epoch, uint64_t *index, uint64_t k) {
    *epoch += k / l->n_train_windows;
    *index += k % l->n_train_windows;
    if (*index >= l->n_train_windows) { (*epoch)++; *index -= l->n_train_windows; }
}

TTDEF tt_status tt_loader_next(tt_loader *l, int32_t *inputs, int32_t *targets) {
    uint64_t epoch, index;
    int b;
    tt_status st;
    if (!l || !inputs || !targets) return TT_ERR_INVALID_ARG;
    epoch = l->epoch;
    index = l->index;
    /* sharded: this rank's block of the next shard_count * B windows */
    tt__loader_skip(l, &epoch, &index, (uint64_t)l->shard_rank * (uint64_t)l->B);
    for (b = 0; b < l->B; b++) {
        if (index >= l->n_train_windows) { epoch++; index = 0; }
        st = tt__loader_fetch(l, tt_loader_window_start(l, epoch, index));
        if (st != TT_OK) return st; /* position unchanged */
        tt__loader_emit(l, b, inputs, targets);
        index++;
    }
    if (index >= l->n_train_windows) { epoch++; index = 0; }
    tt__loader_skip(l, &epoch, &index, (uint64_t)(l->shard_count - 1 - l->shard_rank) * (uint64_t)l->B);
    l->epoch = epoch;
    l->index = index;
    return TT_OK;
}

TTDEF tt_status tt_loader_val_batch(tt_loader *l, uint64_t i, int32_t *inputs, int32_t *targets) {
    int b;
    tt_status st;
    if (!l || !inputs || !targets || l->n_val_windows == 0) return TT_ERR_INVALID_ARG;
    for (b = 0; b < l->B; b++) {
        /* slot k of the fixed (seeded) permutation of the validation windows */
        uint64_t k = ((i % l->n_val_windows) * (uint64_t)l->B + (uint64_t)b) % l->n_val_windows;
        uint64_t w = tt__permute(k, l->n_val_windows, tt__mix64(l->seed ^ 0x76616c6964ULL));
        st = tt__loader_fetch(l, l->n_train + w * (uint64_t)l->T);
        if (st != TT_OK) return st;
        tt__loader_emit(l, b, inputs, targets);
    }
    return TT_OK;
}

TTDEF tt_loader_info tt_loader_get_info(const tt_loader *l) {
    tt_loader_info info;
    memset(&info, 0, sizeof(info));
    if (!l) return info;
    info.vocab_size = l->vocab;
    info.batch = l->B;
    info.seq_len = l->T;
    info.n_tokens = l->n_tokens;
    info.n_train_tokens = l->n_train;
    info.n_val_tokens = l->n_val;
    info.n_train_windows = l->n_train_windows;
    info.n_val_windows = l->n_val_windows;
    info.epoch = l->epoch;
    info.index = l->index;
    return info;
}

TTDEF void tt_loader_get_state(const tt_loader *l, tt_loader_state *out) {
    if (!out) return;
    memset(out, 0, sizeof(*out));
    if (!l) return;
    out->epoch = l->epoch;
    out->index = l->index;
    out->seed = l->seed;
    out->n_tokens = l->n_tokens;
    out->n_train_tokens = l->n_train;
    out->seq_len = l->T;
    out->shuffle = l->shuffle;
}

TTDEF tt_status tt_loader_set_state(tt_loader *l, const tt_loader_state *s) {
    if (!l || !s) return TT_ERR_INVALID_ARG;
    if (s->n_tokens != l->n_tokens || s->n_train_tokens != l->n_train || s->seq_len != l->T ||
        s->shuffle != l->shuffle) {
        tt__log(&l->log, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "loader: saved position is for another token stream, split, seq_len or shuffle mode");
        return TT_ERR_MISMATCH;
    }
    if (s->index >= l->n_train_windows || s->seed == 0) return TT_ERR_INVALID_ARG;
    l->epoch = s->epoch;
    l->index = s->index;
    l->seed = s->seed;
    return TT_OK;
}
