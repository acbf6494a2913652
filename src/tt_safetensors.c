/* >>safetensors  Hugging Face GPT-2 weights: safetensors save/load, and the
 * helpers the llm.c format shares (bfloat16, tensor streaming). Sees the
 * model through tt__model_shape (tt_internal.h). */
#include "tt_weights_internal.h"

/* log "a b" (b, e.g. a tensor name, cut to fit 256 bytes) */
TT__PRIVATE void tt__log2(const tt_logger *lg, tt_status code, const char *a, const char *b) {
    char buf[256];
    size_t n = 0;
    if (!lg || !lg->fn) return;
    while (*a && n < 160) buf[n++] = *a++;
    buf[n++] = ' ';
    while (b && *b && n < sizeof(buf) - 1) buf[n++] = *b++;
    buf[n] = 0;
    lg->fn(lg->user, TT_LOG_ERROR, code, buf);
}

/* ---- bfloat16 ---- */
TT__PRIVATE uint16_t tt__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* NaN stays a quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);                                          /* round to nearest even */
    return (uint16_t)(u >> 16);
}
TT__PRIVATE float tt__bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- a byte sink that counts (io NULL) or writes ---- */
TT__PRIVATE void tt__ws_bytes(tt__wsink *w, const void *p, size_t n) {
    if (w->st != TT_OK || n == 0) return;
    w->n += n;
    if (w->io) w->st = tt__write_all(w->io, p, n);
}
TT__PRIVATE void tt__ws_str(tt__wsink *w, const char *s) { tt__ws_bytes(w, s, strlen(s)); }
TT__PRIVATE void tt__ws_u64(tt__wsink *w, uint64_t v) {
    char d[24];
    int n = 0, i;
    char o[24];
    do { d[n++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
    for (i = 0; i < n; i++) o[i] = d[n - 1 - i];
    tt__ws_bytes(w, o, (size_t)n);
}

/* tensor i of s as Hugging Face stores it: wte without the padded rows,
 * Conv1D matrices transposed */
TT__PRIVATE void tt__wt_hf(const tt__model_shape *s, int i, tt__wt *t) {
    const tt_tensor_info *ti = &s->tensors[i];
    size_t len = strlen(ti->name);
    t->off = ti->offset;
    t->transpose = 0;
    if (ti->ndim == 1) { t->rows = ti->numel; t->cols = 0; t->numel = ti->numel; return; }
    t->rows = (size_t)ti->shape[0];
    t->cols = (size_t)ti->shape[1];
    if (i == 0) t->rows = (size_t)s->V; /* wte: V rows, not Vp */
    if (len > 7 && strcmp(ti->name + len - 7, ".weight") == 0 && strncmp(ti->name, "h.", 2) == 0 &&
        !strstr(ti->name, "ln_")) {
        t->transpose = 1;
        t->rows = (size_t)ti->shape[1];
        t->cols = (size_t)ti->shape[0];
    }
    t->numel = t->rows * t->cols;
}

/* write n floats of a tensor in file order as dtype through w; 4 KB at a time */
TT__PRIVATE void tt__ws_tensor(tt__wsink *w, const float *p, const tt__wt *t, int dtype) {
    unsigned char buf[4096];
    size_t esz = dtype == TT_DTYPE_BF16 ? 2 : 4, per = sizeof(buf) / esz, e = 0, k, j;
    if (!w->io) { w->n += (uint64_t)t->numel * esz; return; }
    while (e < t->numel && w->st == TT_OK) {
        k = t->numel - e < per ? t->numel - e : per;
        for (j = 0; j < k; j++) {
            size_t f = e + j, src = f;
            float x;
            if (t->transpose) src = (f % t->cols) * t->rows + f / t->cols; /* file (r, c) = ours (c, r) */
            x = p[src];
            if (esz == 2) {
                uint16_t h = tt__f32_to_bf16(x);
                buf[2 * j] = (unsigned char)h; buf[2 * j + 1] = (unsigned char)(h >> 8);
            } else {
                uint32_t u;
                memcpy(&u, &x, 4);
                tt__put_u32(buf + 4 * j, u);
            }
        }
        tt__ws_bytes(w, buf, k * esz);
        e += k;
    }
}

/* read numel elements (esz 2 = bf16, 4 = f32) from io into dst in our
 * layout (dst NULL = read and drop). Returns TT_OK or TT_ERR_BAD_FORMAT. */
TT__PRIVATE tt_status tt__read_tensor(const tt_io *io, float *dst, const tt__wt *t, size_t esz) {
    unsigned char buf[4096];
    size_t per = sizeof(buf) / esz, e = 0, k, j;
    while (e < t->numel) {
        k = t->numel - e < per ? t->numel - e : per;
        if (tt__read_all(io, buf, k * esz) != TT_OK) return TT_ERR_BAD_FORMAT;
        if (dst) {
            for (j = 0; j < k; j++) {
                size_t f = e + j, d = f;
                float x;
                if (t->transpose) d = (f % t->cols) * t->rows + f / t->cols;
                if (esz == 2) x = tt__bf16_to_f32((uint16_t)(buf[2 * j] | (buf[2 * j + 1] << 8)));
                else { uint32_t u = tt__get_u32(buf + 4 * j); memcpy(&x, &u, 4); }
                dst[d] = x;
            }
        }
        e += k;
    }
    return TT_OK;
}

/* ---- safetensors: writing ---- */
/* the header JSON (without the 8-byte length and padding) through w */
TT__PRIVATE void tt__st_header(tt__wsink *w, const tt__model_shape *s, int dtype) {
    uint64_t off = 0, esz = dtype == TT_DTYPE_BF16 ? 2 : 4;
    int i;
    tt__ws_str(w, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"tinytrain.h " TT_VERSION_STRING "\",\"vocab_size\":\"");
    tt__ws_u64(w, (uint64_t)s->V);
    tt__ws_str(w, "\",\"n_positions\":\"");
    tt__ws_u64(w, (uint64_t)s->maxT);
    tt__ws_str(w, "\",\"n_embd\":\"");
    tt__ws_u64(w, (uint64_t)s->C);
    tt__ws_str(w, "\",\"n_layer\":\"");
    tt__ws_u64(w, (uint64_t)s->L);
    tt__ws_str(w, "\",\"n_head\":\"");
    tt__ws_u64(w, (uint64_t)s->NH);
    tt__ws_str(w, "\"}");
    for (i = 0; i < s->n_tensors; i++) {
        tt__wt t;
        tt__wt_hf(s, i, &t);
        tt__ws_str(w, ",\"transformer.");
        tt__ws_str(w, s->tensors[i].name);
        tt__ws_str(w, dtype == TT_DTYPE_BF16 ? "\":{\"dtype\":\"BF16\",\"shape\":[" : "\":{\"dtype\":\"F32\",\"shape\":[");
        tt__ws_u64(w, (uint64_t)t.rows);
        if (t.cols) { tt__ws_str(w, ","); tt__ws_u64(w, (uint64_t)t.cols); }
        tt__ws_str(w, "],\"data_offsets\":[");
        tt__ws_u64(w, off);
        tt__ws_str(w, ",");
        off += (uint64_t)t.numel * esz;
        tt__ws_u64(w, off);
        tt__ws_str(w, "]}");
    }
    tt__ws_str(w, "}");
}

TTDEF tt_status tt_model_save_safetensors(const tt_io *io, tt_model *m, int dtype) {
    tt__model_shape s;
    tt__wsink cnt, w;
    unsigned char len8[8];
    uint64_t n;
    int i;
    if (!io || !io->write || !m || (dtype != TT_DTYPE_F32 && dtype != TT_DTYPE_BF16)) return TT_ERR_INVALID_ARG;
    if (tt_model_download(m) != TT_OK) return TT_ERR_BACKEND;
    tt__model_shape_of(m, &s);
    memset(&cnt, 0, sizeof(cnt));
    tt__st_header(&cnt, &s, dtype);
    n = (cnt.n + 8 + 7) / 8 * 8 - 8; /* data starts 8-byte aligned */
    memset(&w, 0, sizeof(w));
    w.io = io;
    tt__put_u64(len8, n);
    tt__ws_bytes(&w, len8, 8);
    tt__st_header(&w, &s, dtype);
    while (w.st == TT_OK && w.n < 8 + n) tt__ws_bytes(&w, " ", 1);
    for (i = 0; i < s.n_tensors && w.st == TT_OK; i++) {
        tt__wt t;
        tt__wt_hf(&s, i, &t);
        tt__ws_tensor(&w, s.params + t.off, &t, dtype);
    }
    return w.st;
}

/* ---- safetensors: reading ----
 * The header is parsed in place (strings are unescaped inside the buffer)
 * into entries; nothing of the model is touched until the data is read. */
TT__PRIVATE int tt__st_fail(tt__st *p, tt_status st, const char *why) {
    if (p->st == TT_OK) { p->st = st; p->why = why; }
    return 0;
}
TT__PRIVATE void tt__st_ws(tt__st *p) {
    while (p->pos < p->n) {
        char c = p->buf[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}
TT__PRIVATE int tt__st_eat(tt__st *p, char c) {
    tt__st_ws(p);
    if (p->pos < p->n && p->buf[p->pos] == c) { p->pos++; return 1; }
    return 0;
}
TT__PRIVATE int tt__st_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
/* a JSON string, unescaped in place and NUL-terminated; *out points at it */
TT__PRIVATE int tt__st_string(tt__st *p, char **out) {
    size_t o;
    tt__st_ws(p);
    if (p->pos >= p->n || p->buf[p->pos] != '"') return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected a string");
    o = ++p->pos;
    *out = p->buf + o;
    for (;;) {
        unsigned char c;
        if (p->pos >= p->n) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unterminated string");
        c = (unsigned char)p->buf[p->pos++];
        if (c == '"') break;
        if (c < 0x20) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "control character in a string");
        if (c == '\\') {
            char e;
            if (p->pos >= p->n) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unterminated string");
            e = p->buf[p->pos++];
            switch (e) {
            case '"': case '\\': case '/': c = (unsigned char)e; break;
            case 'b': c = 8; break;
            case 'f': c = 12; break;
            case 'n': c = 10; break;
            case 'r': c = 13; break;
            case 't': c = 9; break;
            case 'u': {
                uint32_t cp = 0;
                int k;
                if (p->n - p->pos < 4) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad \\u escape");
                for (k = 0; k < 4; k++) {
                    int h = tt__st_hex(p->buf[p->pos++]);
                    if (h < 0) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad \\u escape");
                    cp = cp * 16 + (uint32_t)h;
                }
                if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* lone or paired surrogates: replaced */
                /* UTF-8 is never longer than the 6-byte escape, so in place is safe */
                if (cp < 0x80) p->buf[o++] = (char)cp;
                else if (cp < 0x800) { p->buf[o++] = (char)(0xC0 | (cp >> 6)); p->buf[o++] = (char)(0x80 | (cp & 63)); }
                else {
                    p->buf[o++] = (char)(0xE0 | (cp >> 12)); p->buf[o++] = (char)(0x80 | ((cp >> 6) & 63));
                    p->buf[o++] = (char)(0x80 | (cp & 63));
                }
                continue;
            }
            default: return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad escape in a string");
            }
        }
        p->buf[o++] = (char)c;
    }
    p->buf[o] = 0; /* o < pos: the closing quote's place or earlier */
    return 1;
}
TT__PRIVATE int tt__st_uint(tt__st *p, uint64_t *out) {
    uint64_t v = 0;
    size_t start;
    tt__st_ws(p);
    start = p->pos;
    while (p->pos < p->n && p->buf[p->pos] >= '0' && p->buf[p->pos] <= '9') {
        unsigned d = (unsigned)(p->buf[p->pos] - '0');
        if (v > ((uint64_t)1 << 53)) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "integer too large");
        v = v * 10 + d;
        p->pos++;
    }
    if (p->pos == start) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected an unsigned integer");
    if (p->pos - start > 1 && p->buf[start] == '0') return tt__st_fail(p, TT_ERR_BAD_FORMAT, "leading zero");
    *out = v;
    return 1;
}
/* [u, u, ...] into a (at most max); *count = number read */
TT__PRIVATE int tt__st_uarray(tt__st *p, uint64_t *a, int max, int *count) {
    int n = 0;
    if (!tt__st_eat(p, '[')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '['");
    if (!tt__st_eat(p, ']')) {
        do {
            if (n == max) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "array too long");
            if (!tt__st_uint(p, &a[n++])) return 0;
        } while (tt__st_eat(p, ','));
        if (!tt__st_eat(p, ']')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected ']'");
    }
    *count = n;
    return 1;
}

TT__PRIVATE int tt__st_metadata(tt__st *p) {
    static const char *keys[5] = { "vocab_size", "n_positions", "n_embd", "n_layer", "n_head" };
    if (!tt__st_eat(p, '{')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__ must be an object");
    if (tt__st_eat(p, '}')) return 1;
    do {
        char *k, *v;
        int i;
        if (!tt__st_string(p, &k) || !tt__st_eat(p, ':') || !tt__st_string(p, &v))
            return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__ must map strings to strings");
        for (i = 0; i < 5; i++) {
            if (strcmp(k, keys[i]) == 0) {
                int64_t x = 0;
                const char *c = v;
                if (!*c) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__: empty number");
                for (; *c; c++) {
                    if (*c < '0' || *c > '9' || x > TT_MAX_VOCAB)
                        return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__: config value is not a small integer");
                    x = x * 10 + (*c - '0');
                }
                p->meta[i] = x;
            }
        }
    } while (tt__st_eat(p, ','));
    if (!tt__st_eat(p, '}')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' after __metadata__");
    return 1;
}

TT__PRIVATE int tt__st_dtype(const char *s, int *dtype, size_t *esz) {
    static const char *n1[] = { "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2" };
    static const char *n2[] = { "U16", "I16", "F16" };
    static const char *n4[] = { "U32", "I32" };
    static const char *n8[] = { "U64", "I64", "F64" };
    size_t i;
    if (strcmp(s, "F32") == 0) { *dtype = 0; *esz = 4; return 1; }
    if (strcmp(s, "BF16") == 0) { *dtype = 1; *esz = 2; return 1; }
    *dtype = 2;
    for (i = 0; i < sizeof(n1) / sizeof(n1[0]); i++) if (strcmp(s, n1[i]) == 0) { *esz = 1; return 1; }
    for (i = 0; i < sizeof(n2) / sizeof(n2[0]); i++) if (strcmp(s, n2[i]) == 0) { *esz = 2; return 1; }
    for (i = 0; i < sizeof(n4) / sizeof(n4[0]); i++) if (strcmp(s, n4[i]) == 0) { *esz = 4; return 1; }
    for (i = 0; i < sizeof(n8) / sizeof(n8[0]); i++) if (strcmp(s, n8[i]) == 0) { *esz = 8; return 1; }
    return 0;
}

TT__PRIVATE int tt__st_tensor(tt__st *p, const char *name) {
    tt__st_ent *e;
    int have_dt = 0, have_sh = 0, have_off = 0;
    if (p->n_ent == p->cap_ent) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "too many tensors in the header");
    e = &p->ent[p->n_ent++];
    memset(e, 0, sizeof(*e));
    e->name = name;
    if (!tt__st_eat(p, '{')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "a tensor entry must be an object");
    do {
        char *k;
        if (!tt__st_string(p, &k) || !tt__st_eat(p, ':')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad tensor entry");
        if (strcmp(k, "dtype") == 0 && !have_dt) {
            char *v;
            if (!tt__st_string(p, &v)) return 0;
            if (!tt__st_dtype(v, &e->dtype, &e->esz)) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unknown dtype");
            have_dt = 1;
        } else if (strcmp(k, "shape") == 0 && !have_sh) {
            if (!tt__st_uarray(p, e->shape, TT__ST_MAX_DIMS, &e->ndim)) return 0;
            have_sh = 1;
        } else if (strcmp(k, "data_offsets") == 0 && !have_off) {
            uint64_t o[2];
            int n;
            if (!tt__st_uarray(p, o, 2, &n)) return 0;
            if (n != 2 || o[0] > o[1]) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad data_offsets");
            e->begin = o[0]; e->end = o[1];
            have_off = 1;
        } else {
            return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unknown or repeated key in a tensor entry");
        }
    } while (tt__st_eat(p, ','));
    if (!tt__st_eat(p, '}')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' after a tensor entry");
    if (!have_dt || !have_sh || !have_off) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor entry lacks dtype, shape or data_offsets");
    {   /* bytes = product of the shape * element size, without overflow */
        uint64_t nb = e->esz;
        int d;
        for (d = 0; d < e->ndim; d++) {
            if (e->shape[d] != 0 && nb > ((uint64_t)1 << 62) / e->shape[d])
                return tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor size overflows");
            nb *= e->shape[d];
        }
        if (nb != e->end - e->begin) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "data_offsets disagree with shape and dtype");
    }
    return 1;
}

/* read the 8-byte length and the header from io and parse it; p->buf owns
 * an allocation (tt__st_free) even on failure */
TT__PRIVATE tt_status tt__st_parse(tt__st *p, const tt_io *io, const tt_allocator *al, const tt_logger *lg,
                                   int cap_ent) {
    unsigned char b8[8];
    uint64_t n;
    size_t bytes, ent_off;
    int i;
    memset(p, 0, sizeof(*p));
    p->lg = lg;
    if (al) p->al = *al;
    for (i = 0; i < 5; i++) p->meta[i] = -1;
    if (tt__read_all(io, b8, 8) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: file shorter than 8 bytes");
        return TT_ERR_BAD_FORMAT;
    }
    n = tt__get_u64(b8);
    if (n < 2 || n > TT__ST_MAX_HEADER) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: header length out of range: ", (long long)(n > ((uint64_t)1 << 62) ? -1 : (long long)n));
        return TT_ERR_BAD_FORMAT;
    }
    ent_off = tt__align_up((size_t)n + 1, 16);
    if (!tt__mul_size((size_t)cap_ent, sizeof(tt__st_ent) + 1, &bytes) || !tt__add_size(bytes, ent_off, &bytes))
        return TT_ERR_OUT_OF_MEMORY;
    p->buf = (char *)tt__alloc(&p->al, bytes, 16);
    if (!p->buf) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate the header");
        return TT_ERR_OUT_OF_MEMORY;
    }
    p->buf_bytes = bytes;
    p->ent = (tt__st_ent *)(void *)(p->buf + ent_off);
    p->seen = (unsigned char *)(p->ent + cap_ent);
    p->cap_ent = cap_ent;
    p->n = (size_t)n;
    if (tt__read_all(io, p->buf, p->n) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: header length runs past the end of the file");
        return TT_ERR_BAD_FORMAT;
    }
    p->buf[p->n] = 0;
    if (!tt__st_eat(p, '{')) tt__st_fail(p, TT_ERR_BAD_FORMAT, "header is not a JSON object");
    else if (!tt__st_eat(p, '}')) {
        int have_meta = 0;
        do {
            char *k;
            if (!tt__st_string(p, &k) || !tt__st_eat(p, ':')) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected \"name\":"); break; }
            if (strcmp(k, "__metadata__") == 0) {
                if (have_meta) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "two __metadata__ entries"); break; }
                have_meta = 1;
                if (!tt__st_metadata(p)) break;
            } else if (!tt__st_tensor(p, k)) {
                break;
            }
        } while (tt__st_eat(p, ','));
        if (p->st == TT_OK && !tt__st_eat(p, '}')) tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' at the end of the header");
    }
    tt__st_ws(p);
    if (p->st == TT_OK && p->pos != p->n) tt__st_fail(p, TT_ERR_BAD_FORMAT, "bytes after the header's JSON");
    if (p->st == TT_OK) {
        /* the tensors must cover [0, total) without holes or overlaps: sort
         * by begin (insertion sort; tensor counts are small) and walk */
        uint64_t at = 0;
        for (i = 1; i < p->n_ent; i++) {
            tt__st_ent e = p->ent[i];
            int j = i - 1;
            while (j >= 0 && (p->ent[j].begin > e.begin || (p->ent[j].begin == e.begin && p->ent[j].end > e.end))) {
                p->ent[j + 1] = p->ent[j];
                j--;
            }
            p->ent[j + 1] = e;
        }
        for (i = 0; i < p->n_ent; i++) {
            if (p->ent[i].begin != at) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor data overlaps or leaves a hole"); break; }
            at = p->ent[i].end;
        }
        p->data_bytes = at;
    }
    if (p->st != TT_OK) {
        tt__log2(lg, p->st, "safetensors: bad header:", p->why);
        return p->st;
    }
    return TT_OK;
}
TT__PRIVATE void tt__st_free(tt__st *p) {
    if (p->buf) tt__free(&p->al, p->buf, p->buf_bytes);
    p->buf = NULL;
}

/* the name without "transformer.", or NULL when it has another prefix */
TT__PRIVATE const char *tt__st_base(const char *name) {
    if (strncmp(name, "transformer.", 12) == 0) return name + 12;
    return name;
}
/* "h.<digits>.attn.bias" / ".attn.masked_bias": the causal-mask buffers */
TT__PRIVATE int tt__st_is_mask(const char *b) {
    const char *s;
    if (strncmp(b, "h.", 2) != 0) return 0;
    s = b + 2;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
    return strcmp(s, ".attn.bias") == 0 || strcmp(s, ".attn.masked_bias") == 0;
}

/* the shape a GPT-2 file implies: V from wte, n_ctx from wpe, C, and L from
 * the highest h.<l> present */
TT__PRIVATE tt_status tt__st_shape(tt__st *p, tt_model_config *c) {
    int i, have_wte = 0, have_wpe = 0;
    long long L = 0;
    memset(c, 0, sizeof(*c));
    for (i = 0; i < p->n_ent; i++) {
        const tt__st_ent *e = &p->ent[i];
        const char *b = tt__st_base(e->name);
        if (strcmp(b, "wte.weight") == 0 && e->ndim == 2) {
            have_wte = 1;
            if (e->shape[0] < 1 || e->shape[0] > TT_MAX_VOCAB || e->shape[1] < 1 || e->shape[1] > TT_MAX_DIM) break;
            c->vocab_size = (int32_t)e->shape[0];
            c->d_model = (int32_t)e->shape[1];
        } else if (strcmp(b, "wpe.weight") == 0 && e->ndim == 2) {
            have_wpe = 1;
            if (e->shape[0] < 1 || e->shape[0] > TT_MAX_DIM) break;
            c->n_ctx = (int32_t)e->shape[0];
        } else if (strncmp(b, "h.", 2) == 0 && b[2] >= '0' && b[2] <= '9') {
            long long l = 0;
            const char *s = b + 2;
            while (*s >= '0' && *s <= '9' && l < 100000) l = l * 10 + (*s++ - '0');
            if (l + 1 > L) L = l + 1;
        }
    }
    if (i < p->n_ent || !have_wte || !have_wpe || L < 1 || L > 1024) {
        tt__log(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "safetensors: not a GPT-2 tensor set (needs wte.weight, wpe.weight and h.<layer>.* in range)");
        return TT_ERR_MISMATCH;
    }
    c->n_layer = (int32_t)L;
    if (p->meta[4] > 0) c->n_head = (int32_t)p->meta[4];
    return TT_OK;
}

/* match every entry to one of s's tensors and check dtype, shape, config;
 * sets ent[].target. Logs and returns the first problem. */
TT__PRIVATE tt_status tt__st_validate(tt__st *p, const tt__model_shape *s) {
    int i, k, nt = s->n_tensors;
    unsigned char *seen;
    int64_t want[5];
    static const char *keys[5] = { "vocab_size", "n_positions", "n_embd", "n_layer", "n_head" };
    want[0] = s->V; want[1] = s->maxT; want[2] = s->C; want[3] = s->L; want[4] = s->NH;
    for (k = 0; k < 5; k++) {
        if (p->meta[k] >= 0 && p->meta[k] != want[k]) {
            tt__logf(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH, "safetensors: __metadata__ config differs from the model; "
                     "index (vocab_size, n_positions, n_embd, n_layer, n_head): ", k);
            (void)keys;
            return TT_ERR_MISMATCH;
        }
    }
    seen = p->seen; /* cap_ent >= nt bytes */
    memset(seen, 0, (size_t)nt);
    for (i = 0; i < p->n_ent; i++) {
        tt__st_ent *e = &p->ent[i];
        const char *b = tt__st_base(e->name);
        tt__wt t;
        uint64_t want_shape[2];
        int want_nd;
        if (tt__st_is_mask(b)) { e->target = -1; continue; }
        if (strcmp(e->name, "lm_head.weight") == 0) {
            e->target = -2;
            want_nd = 2; want_shape[0] = (uint64_t)s->V; want_shape[1] = (uint64_t)s->C;
            t.numel = 0;
        } else {
            for (k = 0; k < nt; k++) if (strcmp(b, s->tensors[k].name) == 0) break;
            if (k == nt) {
                tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: a tensor name is not a GPT-2 parameter of this model", e->name);
                return TT_ERR_MISMATCH;
            }
            if (seen[k]) {
                tt__log2(p->lg, TT_ERR_BAD_FORMAT, "safetensors: a tensor appears twice", e->name);
                return TT_ERR_BAD_FORMAT;
            }
            seen[k] = 1;
            e->target = k;
            tt__wt_hf(s, k, &t);
            want_nd = t.cols ? 2 : 1;
            want_shape[0] = (uint64_t)t.rows; want_shape[1] = (uint64_t)t.cols;
        }
        if (e->dtype == 2) {
            tt__log2(p->lg, TT_ERR_UNSUPPORTED, "safetensors: only F32 and BF16 parameters load; tensor", e->name);
            return TT_ERR_UNSUPPORTED;
        }
        if (e->ndim != want_nd || e->shape[0] != want_shape[0] || (want_nd == 2 && e->shape[1] != want_shape[1])) {
            tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: shape differs from this model's (Conv1D weights are (in, out)); tensor", e->name);
            return TT_ERR_MISMATCH;
        }
    }
    for (k = 0; k < nt; k++) {
        if (!seen[k]) {
            tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: the file lacks a tensor of this model", s->tensors[k].name);
            return TT_ERR_MISMATCH;
        }
    }
    return TT_OK;
}

/* read the data (after a validated header) into dst (P floats, our layout);
 * the padded wte rows are zeroed. lm_head, if present, must equal wte. */
TT__PRIVATE tt_status tt__st_read_data(tt__st *p, const tt_io *io, const tt__model_shape *s, float *dst) {
    int i;
    int have_head = 0;
    float *head = NULL;
    size_t head_bytes = 0, VC = (size_t)s->V * (size_t)s->C;
    tt_status st = TT_OK;
    for (i = 0; i < p->n_ent; i++) if (p->ent[i].target == -2) have_head = 1;
    if (have_head) {
        head_bytes = VC * sizeof(float);
        head = (float *)tt__alloc(&p->al, head_bytes, TT__ALIGN);
        if (!head) {
            tt__log(p->lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate lm_head for the tie check");
            return TT_ERR_OUT_OF_MEMORY;
        }
    }
    memset(dst + VC, 0, ((size_t)s->Vp - (size_t)s->V) * (size_t)s->C * sizeof(float)); /* padded wte rows */
    for (i = 0; i < p->n_ent && st == TT_OK; i++) {
        const tt__st_ent *e = &p->ent[i];
        tt__wt t;
        if (e->target >= 0) {
            tt__wt_hf(s, e->target, &t);
            st = tt__read_tensor(io, dst + t.off, &t, e->esz);
        } else if (e->target == -2) {
            t.off = 0; t.rows = (size_t)s->V; t.cols = (size_t)s->C; t.transpose = 0; t.numel = VC;
            st = tt__read_tensor(io, head, &t, e->esz);
        } else {
            uint64_t left = e->end - e->begin;
            unsigned char buf[4096];
            while (left > 0 && st == TT_OK) {
                size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
                st = tt__read_all(io, buf, k) == TT_OK ? TT_OK : TT_ERR_BAD_FORMAT;
                left -= k;
            }
        }
    }
    if (st != TT_OK) tt__log(p->lg, TT_LOG_ERROR, st, "safetensors: data ends early (truncated file)");
    if (st == TT_OK && head && memcmp(head, dst, VC * sizeof(float)) != 0) {
        tt__log(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH, "safetensors: lm_head.weight differs from wte (untied head is not supported)");
        st = TT_ERR_MISMATCH;
    }
    if (head) tt__free(&p->al, head, head_bytes);
    return st;
}

/* one past-the-end probe: 1 = io has another byte */
TT__PRIVATE int tt__io_has_more(const tt_io *io) {
    unsigned char c;
    return io->read(io->user, &c, 1) == 1;
}

/* load into m from io; check_eof: refuse trailing bytes */
TT__PRIVATE tt_status tt__st_load(const tt_io *io, tt_model *m, int check_eof) {
    tt__model_shape s;
    tt__st p;
    tt_status st;
    float *tmp = NULL;
    size_t bytes = 0;
    if (!io || !io->read || !m) return TT_ERR_INVALID_ARG;
    tt__model_shape_of(m, &s);
    st = tt__st_parse(&p, io, s.allocator, s.logger, 4 * s.n_tensors + 16);
    if (st == TT_OK) st = tt__st_validate(&p, &s);
    if (st == TT_OK) {
        if (!tt__mul_size(s.n_params, sizeof(float), &bytes) ||
            !(tmp = (float *)tt__alloc(s.allocator, bytes, TT__ALIGN))) {
            tt__log(s.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate the load buffer");
            st = TT_ERR_OUT_OF_MEMORY;
        }
    }
    if (st == TT_OK) st = tt__st_read_data(&p, io, &s, tmp);
    if (st == TT_OK && check_eof && tt__io_has_more(io)) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: bytes after the data");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) { memcpy(s.params, tmp, bytes); st = tt_model_upload(m); }
    if (tmp) tt__free(s.allocator, tmp, bytes);
    tt__st_free(&p);
    return st;
}

TTDEF tt_status tt_model_load_safetensors(const tt_io *io, tt_model *m) { return tt__st_load(io, m, 0); }

TTDEF tt_status tt_safetensors_read_config(const tt_io *io, const tt_allocator *al, const tt_logger *lg,
                                           tt_model_config *out_cfg) {
    tt__st p;
    tt_model_config c;
    tt_status st;
    if (!io || !io->read || !out_cfg || !tt__allocator_valid(al)) return TT_ERR_INVALID_ARG;
    st = tt__st_parse(&p, io, al, lg, 4 * (4 + 12 * 1024) + 16);
    if (st == TT_OK) st = tt__st_shape(&p, &c);
    tt__st_free(&p);
    if (st == TT_OK) *out_cfg = c;
    return st;
}

#ifndef TT_NO_STDIO
TT__PRIVATE tt_status tt__weights_save_cb(const void *obj, const tt_io *io) {
    const tt__save_args *a = (const tt__save_args *)obj;
    return a->llmc ? tt_model_save_llmc(io, a->m, a->dtype) : tt_model_save_safetensors(io, a->m, a->dtype);
}
TTDEF tt_status tt_model_save_safetensors_file(const char *path, tt_model *m, int dtype) {
    tt__save_args a;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    a.m = m; a.dtype = dtype; a.llmc = 0;
    return tt__save_atomic(path, tt__weights_save_cb, &a);
}
TT__PRIVATE tt_status tt__st_load_cb(void *obj, const tt_io *io) { return tt__st_load(io, (tt_model *)obj, 1); }
TTDEF tt_status tt_model_load_safetensors_file(const char *path, tt_model *m) {
    tt__model_shape s;
    tt_status st;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    st = tt__load_path(path, tt__st_load_cb, m);
    tt__model_shape_of(m, &s);
    if (st == TT_ERR_IO) tt__log(s.logger, TT_LOG_ERROR, st, "safetensors: cannot open the file");
    return st;
}
#endif
