/* >>bpe_files  tokenizer files: the own format (TTBP, save and load), tiktoken
 * rank files, GPT-2's encoder.json + vocab.bpe (with the small JSON string
 * reader they need), and the path-based wrappers */
#include "tt_internal.h"
#include "tt_bpe_internal.h"

#define TT__BPE_MAGIC "TTBP"
#define TT__BPE_VERSION 1u
#define TT__BPE_HEADER 40u

TTDEF tt_status tt_tokenizer_save_size(const tt_tokenizer *tok, uint64_t *out_bytes) {
    if (!tok || !out_bytes) return TT_ERR_INVALID_ARG;
    *out_bytes = TT__BPE_HEADER + 4ull * (uint64_t)tok->vocab + tok->blob_bytes;
    return TT_OK;
}

TT__PRIVATE tt_status tt__tok_save(const void *obj, const tt_io *io) {
    const tt_tokenizer *tok = (const tt_tokenizer *)obj;
    unsigned char h[TT__BPE_HEADER], buf[1024];
    uint32_t crc = 0;
    int32_t i;
    size_t k = 0;
    tt_status st;
    uint64_t payload = 4ull * (uint64_t)tok->vocab + tok->blob_bytes;
    memcpy(h, TT__BPE_MAGIC, 4);
    tt__put_u32(h + 4, TT__BPE_VERSION);
    tt__put_u32(h + 8, TT__BPE_HEADER);
    tt__put_u32(h + 12, (uint32_t)tok->split_mode);
    tt__put_u32(h + 16, (uint32_t)tok->vocab);
    tt__put_u32(h + 20, (uint32_t)tok->n_special);
    tt__put_u64(h + 24, payload);
    crc = tt_crc32(0, h, 32);
    for (i = 0; i < tok->vocab; i++) {
        tt__put_u32(buf, tok->len[i]);
        crc = tt_crc32(crc, buf, 4);
    }
    crc = tt_crc32(crc, tok->blob, (size_t)tok->blob_bytes);
    tt__put_u32(h + 32, crc);
    tt__put_u32(h + 36, 0);
    if ((st = tt__write_all(io, h, sizeof(h))) != TT_OK) return st;
    for (i = 0; i < tok->vocab; i++) {
        tt__put_u32(buf + k, tok->len[i]);
        k += 4;
        if (k == sizeof(buf) || i + 1 == tok->vocab) {
            if ((st = tt__write_all(io, buf, k)) != TT_OK) return st;
            k = 0;
        }
    }
    return tt__write_all(io, tok->blob, (size_t)tok->blob_bytes);
}

TTDEF tt_status tt_tokenizer_save(const tt_tokenizer *tok, const tt_io *io) {
    if (!tok || !io || !io->write) return TT_ERR_INVALID_ARG;
    return tt__tok_save(tok, io);
}

/* read n bytes in chunks, growing the buffer as data arrives, so a file
 * that claims a huge size cannot make us allocate more than ~2x its data */
TT__PRIVATE tt_status tt__read_grow(const tt_allocator *a, const tt_io *io, uint64_t n,
                                    unsigned char **out, size_t *out_cap) {
    size_t cap = 0, have = 0;
    void *buf = NULL;
    tt_status st = TT_OK;
    if (n > (uint64_t)((size_t)-1 >> 1)) return TT_ERR_BAD_FORMAT;
    while (have < n) {
        size_t want = (size_t)n - have;
        if (want > ((size_t)1 << 20)) want = (size_t)1 << 20;
        if (!tt__bpe_grow(a, &buf, &cap, have + want, 1)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        if ((st = tt__read_all(io, (unsigned char *)buf + have, want)) != TT_OK) break;
        have += want;
    }
    if (st != TT_OK) { tt__bpe_release(a, &buf, &cap, 1); return st; }
    *out = (unsigned char *)buf;
    *out_cap = cap;
    return TT_OK;
}

typedef struct tt__load_ctx { const tt_tokenizer_config *cfg; tt_tokenizer *tok; } tt__load_ctx;

TT__PRIVATE tt_status tt__tok_load(void *obj, const tt_io *io) {
    tt__load_ctx *lc = (tt__load_ctx *)obj;
    const tt_tokenizer_config *cfg = lc->cfg;
    tt_allocator a;
    tt_logger lg;
    unsigned char h[TT__BPE_HEADER], skip[64];
    uint32_t version, hsize, split, vocab, nspec, crc, i;
    uint64_t payload, left, blob;
    unsigned char *buf = NULL;
    size_t cap = 0;
    uint32_t *lens;
    tt_status st;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if ((st = tt__read_all(io, h, 12)) != TT_OK) return st;
    version = tt__get_u32(h + 4);
    hsize = tt__get_u32(h + 8);
    if (memcmp(h, TT__BPE_MAGIC, 4) != 0 || version != TT__BPE_VERSION || hsize < TT__BPE_HEADER || hsize > 4096) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: bad magic, version or header size");
        return TT_ERR_BAD_FORMAT;
    }
    if ((st = tt__read_all(io, h + 12, TT__BPE_HEADER - 12)) != TT_OK) return st;
    for (left = hsize - TT__BPE_HEADER; left > 0;) { /* newer header fields: skip */
        size_t k = left > sizeof(skip) ? sizeof(skip) : (size_t)left;
        if ((st = tt__read_all(io, skip, k)) != TT_OK) return st;
        left -= k;
    }
    split = tt__get_u32(h + 12);
    vocab = tt__get_u32(h + 16);
    nspec = tt__get_u32(h + 20);
    payload = tt__get_u64(h + 24);
    crc = tt__get_u32(h + 32);
    if (tt__get_u32(h + 36) != 0 || split > 1 || vocab < 256 || vocab > TT_MAX_VOCAB || nspec > TT_TOKENIZER_MAX_SPECIAL ||
        nspec > vocab - 256 || payload < 4ull * vocab ||
        payload - 4ull * vocab > (uint64_t)vocab * TT_TOKENIZER_MAX_TOKEN_BYTES || payload - 4ull * vocab > 0xFFFFFFFFull) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: bad sizes in header");
        return TT_ERR_BAD_FORMAT;
    }
    if ((st = tt__read_grow(&a, io, payload, &buf, &cap)) != TT_OK) return st;
    if (tt_crc32(tt_crc32(0, h, 32), buf, (size_t)payload) != crc) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: CRC mismatch");
        tt__free(&a, buf, cap);
        return TT_ERR_BAD_FORMAT;
    }
    /* lengths in place as native u32 (the payload buffer is 16-aligned) */
    lens = (uint32_t *)(void *)buf;
    blob = 0;
    for (i = 0; i < vocab; i++) {
        uint32_t l = tt__get_u32(buf + 4ull * i);
        lens[i] = l;
        blob += l;
    }
    if (blob != payload - 4ull * vocab) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: token lengths do not add up");
        tt__free(&a, buf, cap);
        return TT_ERR_BAD_FORMAT;
    }
    st = tt__tok_build(cfg, (int32_t)vocab, (int32_t)nspec, (int32_t)split, lens, buf + 4ull * vocab, blob, &lc->tok);
    tt__free(&a, buf, cap);
    return st;
}

TTDEF tt_status tt_tokenizer_load(const tt_tokenizer_config *cfg, const tt_io *io, tt_tokenizer **out) {
    tt__load_ctx lc;
    tt_status st;
    if (!io || !io->read || !out) return TT_ERR_INVALID_ARG;
    lc.cfg = cfg;
    lc.tok = NULL;
    st = tt__tok_load(&lc, io);
    if (st == TT_OK) *out = lc.tok;
    return st;
}

TT__PRIVATE int tt__b64val(unsigned c) {
    if (c >= 'A' && c <= 'Z') return (int)(c - 'A');
    if (c >= 'a' && c <= 'z') return (int)(c - 'a') + 26;
    if (c >= '0' && c <= '9') return (int)(c - '0') + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

TTDEF tt_status tt_tokenizer_load_tiktoken(const tt_tokenizer_config *cfg, const void *data, size_t n,
                                           tt_tokenizer **out) {
    const unsigned char *s = (const unsigned char *)data;
    tt__vocab_buf v;
    tt_allocator a;
    tt_logger lg;
    size_t pos = 0;
    uint64_t rank_expect = 0;
    unsigned char tokb[TT_TOKENIZER_MAX_TOKEN_BYTES / 64]; /* 1 KiB: tiktoken tokens are short */
    tt_status st = TT_OK;
    int32_t split = cfg ? cfg->split_mode : TT_SPLIT_GPT2;
    if ((!data && n) || !out || (split != TT_SPLIT_GPT2 && split != TT_SPLIT_NONE)) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    memset(&v, 0, sizeof(v));
    v.a = &a;
    while (pos < n && st == TT_OK) {
        size_t e = pos, nb = 0;
        unsigned acc = 0;
        int bits = 0, pad = 0;
        uint64_t rank = 0;
        if (s[pos] == '\n') { pos++; continue; }
        while (e < n && s[e] != ' ' && s[e] != '\n') {
            int d;
            if (s[e] == '=') { pad++; e++; continue; }
            d = tt__b64val(s[e]);
            if (d < 0 || pad || nb >= sizeof(tokb)) { st = TT_ERR_BAD_FORMAT; break; }
            acc = (acc << 6) | (unsigned)d;
            bits += 6;
            if (bits >= 8) { bits -= 8; tokb[nb++] = (unsigned char)(acc >> bits); acc &= (1u << bits) - 1; }
            e++;
        }
        if (st != TT_OK) break;
        if (e >= n || s[e] != ' ' || nb == 0 || pad > 2) { st = TT_ERR_BAD_FORMAT; break; }
        e++;
        if (e >= n || s[e] < '0' || s[e] > '9') { st = TT_ERR_BAD_FORMAT; break; }
        while (e < n && s[e] >= '0' && s[e] <= '9') {
            rank = rank * 10 + (uint64_t)(s[e] - '0');
            if (rank > TT_MAX_VOCAB) break;
            e++;
        }
        if (e < n && s[e] == '\r') e++;
        if ((e < n && s[e] != '\n') || rank != rank_expect) { st = TT_ERR_BAD_FORMAT; break; }
        if (!tt__vb_add(&v, tokb, nb)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        rank_expect++;
        pos = e;
    }
    if (st == TT_ERR_BAD_FORMAT) tt__logf(&lg, TT_LOG_ERROR, st, "tt_tokenizer_load_tiktoken: bad line for rank ", (long long)rank_expect);
    if (st == TT_OK) st = tt__vb_add_specials(&v, cfg);
    if (st == TT_OK && v.n > (size_t)TT_MAX_VOCAB) st = TT_ERR_BAD_FORMAT;
    if (st == TT_OK)
        st = tt__tok_build(cfg, (int32_t)v.n, cfg ? cfg->n_special : 0, split, v.lens, v.bytes, v.nb, out);
    tt__vb_free(&v);
    return st;
}

/* GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to
 * 256, 257, ... in byte order. Returns the byte for code point cp or -1. */
TT__PRIVATE int tt__gpt2_cp_to_byte(uint32_t cp) {
    int b, k = 0;
    if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255)) return (int)cp;
    for (b = 0; b < 256; b++) {
        if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) continue;
        if (cp == (uint32_t)(256 + k)) return b;
        k++;
    }
    return -1;
}

/* parse a JSON string at s[*pos] (the opening quote) into code points,
 * mapped through the GPT-2 byte table into bytes (raw = 0) or into UTF-8
 * (raw = 1, for special tokens). Returns 0 on malformed input. */
TT__PRIVATE int tt__json_string(const unsigned char *s, size_t n, size_t *pos, unsigned char *out, size_t cap,
                                size_t *out_n, size_t *out_raw_n, unsigned char *raw) {
    size_t i = *pos, k = 0, kr = 0;
    int ok_bytes = 1;
    if (i >= n || s[i] != '"') return 0;
    i++;
    for (;;) {
        uint32_t cp;
        size_t l;
        if (i >= n) return 0;
        if (s[i] == '"') { i++; break; }
        if (s[i] == '\\') {
            unsigned c;
            if (i + 1 >= n) return 0;
            c = s[i + 1];
            i += 2;
            if (c == 'u') {
                int j;
                cp = 0;
                if (i + 4 > n) return 0;
                for (j = 0; j < 4; j++) {
                    unsigned d = s[i + j];
                    cp <<= 4;
                    if (d >= '0' && d <= '9') cp |= d - '0';
                    else if (d >= 'a' && d <= 'f') cp |= d - 'a' + 10;
                    else if (d >= 'A' && d <= 'F') cp |= d - 'A' + 10;
                    else return 0;
                }
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDFFF) return 0; /* not used by GPT-2's file */
            } else if (c == 'n') cp = '\n';
            else if (c == 't') cp = '\t';
            else if (c == 'r') cp = '\r';
            else if (c == 'b') cp = 8;
            else if (c == 'f') cp = 12;
            else if (c == '"' || c == '\\' || c == '/') cp = c;
            else return 0;
        } else {
            /* raw UTF-8 */
            if (tt__char_at(s, i, n, &l) < 0) return 0;
            if (s[i] < 0x80) cp = s[i];
            else if (l == 2) cp = ((uint32_t)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
            else if (l == 3) cp = ((uint32_t)(s[i] & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            else if (l == 4) cp = ((uint32_t)(s[i] & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                                  ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            else return 0;
            i += l;
        }
        {
            int b = tt__gpt2_cp_to_byte(cp);
            if (b < 0) ok_bytes = 0;
            else if (k < cap) out[k++] = (unsigned char)b;
            else return 0;
        }
        /* UTF-8 copy for specials */
        if (kr + 4 > cap) return 0;
        if (cp < 0x80) raw[kr++] = (unsigned char)cp;
        else if (cp < 0x800) { raw[kr++] = (unsigned char)(0xC0 | (cp >> 6)); raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            raw[kr++] = (unsigned char)(0xE0 | (cp >> 12));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            raw[kr++] = (unsigned char)(0xF0 | (cp >> 18));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    *pos = i;
    *out_n = ok_bytes ? k : (size_t)-1;
    *out_raw_n = kr;
    return 1;
}

TT__PRIVATE size_t tt__skip_ws(const unsigned char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    return i;
}

typedef struct tt__json_ent { uint32_t id, off, len, raw_off, raw_len; } tt__json_ent;

TTDEF tt_status tt_tokenizer_load_gpt2(const tt_tokenizer_config *cfg, const void *encoder_json, size_t n_json,
                                       const void *vocab_bpe, size_t n_bpe, tt_tokenizer **out) {
    const unsigned char *js = (const unsigned char *)encoder_json, *vb = (const unsigned char *)vocab_bpe;
    tt_allocator a;
    tt_logger lg;
    tt__vocab_buf v;
    tt__json_ent *ent = NULL;
    uint32_t *by_id = NULL, *voff = NULL;
    unsigned char *store = NULL, tmp[1024], rawtmp[1024];
    size_t store_cap = 0, store_n = 0, cap_ent = 0, n_ent = 0, i, pos, n_ids = 0, n_merges = 0;
    size_t n_ranked = 0, nspec = 0, by_id_bytes = 0, voff_bytes = 0;
    tt_status st = TT_OK;
    if ((!js && n_json) || (!vb && n_bpe) || !out) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    memset(&v, 0, sizeof(v));
    v.a = &a;
    /* merges: the non-empty lines of vocab.bpe after its "#version" line */
    for (pos = 0; pos < n_bpe;) {
        size_t e = pos;
        while (e < n_bpe && vb[e] != '\n') e++;
        if (e > pos && !(pos == 0 && vb[0] == '#') && !(e == pos + 1 && vb[pos] == '\r')) n_merges++;
        pos = e + 1;
    }
    /* encoder.json: { "key": id, ... } */
    pos = tt__skip_ws(js, n_json, 0);
    if (pos >= n_json || js[pos] != '{') st = TT_ERR_BAD_FORMAT;
    else pos = tt__skip_ws(js, n_json, pos + 1);
    while (st == TT_OK && pos < n_json && js[pos] != '}') {
        size_t kn, kr, idv = 0;
        int digits = 0;
        void *pe = ent, *ps = store;
        if (!tt__json_string(js, n_json, &pos, tmp, sizeof(tmp), &kn, &kr, rawtmp)) { st = TT_ERR_BAD_FORMAT; break; }
        pos = tt__skip_ws(js, n_json, pos);
        if (pos >= n_json || js[pos] != ':') { st = TT_ERR_BAD_FORMAT; break; }
        pos = tt__skip_ws(js, n_json, pos + 1);
        while (pos < n_json && js[pos] >= '0' && js[pos] <= '9' && idv <= TT_MAX_VOCAB) {
            idv = idv * 10 + (size_t)(js[pos++] - '0');
            digits++;
        }
        if (!digits || idv >= TT_MAX_VOCAB) { st = TT_ERR_BAD_FORMAT; break; }
        if (!tt__bpe_grow(&a, &pe, &cap_ent, n_ent + 1, sizeof(tt__json_ent))) { st = TT_ERR_OUT_OF_MEMORY; break; }
        ent = (tt__json_ent *)pe;
        if (!tt__bpe_grow(&a, &ps, &store_cap, store_n + (kn == (size_t)-1 ? 0 : kn) + kr, 1)) {
            st = TT_ERR_OUT_OF_MEMORY;
            break;
        }
        store = (unsigned char *)ps;
        ent[n_ent].id = (uint32_t)idv;
        ent[n_ent].off = (uint32_t)store_n;
        ent[n_ent].len = kn == (size_t)-1 ? 0xFFFFFFFFu : (uint32_t)kn;
        /* an empty key leaves store unallocated: no pointer math on NULL */
        if (kn != (size_t)-1 && kn) { memcpy(store + store_n, tmp, kn); store_n += kn; }
        ent[n_ent].raw_off = (uint32_t)store_n;
        ent[n_ent].raw_len = (uint32_t)kr;
        if (kr) memcpy(store + store_n, rawtmp, kr);
        store_n += kr;
        n_ent++;
        if (idv + 1 > n_ids) n_ids = idv + 1;
        pos = tt__skip_ws(js, n_json, pos);
        if (pos < n_json && js[pos] == ',') pos = tt__skip_ws(js, n_json, pos + 1);
    }
    if (st == TT_OK && (pos >= n_json || js[pos] != '}')) st = TT_ERR_BAD_FORMAT;
    n_ranked = 256 + n_merges;
    if (st == TT_OK && (n_ids != n_ent || n_ids < n_ranked || n_ids - n_ranked > TT_TOKENIZER_MAX_SPECIAL))
        st = TT_ERR_BAD_FORMAT;
    if (st == TT_OK) {
        nspec = n_ids - n_ranked;
        by_id_bytes = n_ids * sizeof(uint32_t);
        by_id = (uint32_t *)tt__alloc(&a, by_id_bytes, 16);
        voff_bytes = (n_ids + 1) * sizeof(uint32_t);
        voff = (uint32_t *)tt__alloc(&a, voff_bytes, 16);
        if (!by_id || !voff) st = TT_ERR_OUT_OF_MEMORY;
    }
    if (st == TT_OK) {
        memset(by_id, 0xFF, by_id_bytes);
        for (i = 0; i < n_ent && st == TT_OK; i++) {
            if (by_id[ent[i].id] != 0xFFFFFFFFu) st = TT_ERR_BAD_FORMAT; /* duplicate id */
            by_id[ent[i].id] = (uint32_t)i;
        }
    }
    for (i = 0; st == TT_OK && i < n_ids; i++) {
        const tt__json_ent *en = &ent[by_id[i]];
        voff[i] = (uint32_t)v.nb;
        if (i < n_ranked) {
            if (en->len == 0xFFFFFFFFu || en->len == 0) { st = TT_ERR_BAD_FORMAT; break; }
            if (!tt__vb_add(&v, store + en->off, en->len)) st = TT_ERR_OUT_OF_MEMORY;
        } else if (!tt__vb_add(&v, en->raw_len ? store + en->raw_off : NULL, en->raw_len)) {
            st = TT_ERR_OUT_OF_MEMORY;
        }
    }
    /* vocab.bpe: merge k is "left right" whose bytes joined are token 256+k */
    if (st == TT_OK) {
        size_t k = 0;
        for (pos = 0; pos < n_bpe && st == TT_OK;) {
            size_t e = pos, le, j, m = 0, sp = (size_t)-1;
            while (e < n_bpe && vb[e] != '\n') e++;
            le = e;
            if (le > pos && vb[le - 1] == '\r') le--;
            if (le > pos && !(pos == 0 && vb[0] == '#')) {
                size_t id = 256 + k;
                for (j = pos; j < le;) {
                    size_t l;
                    uint32_t cp;
                    int b;
                    if (vb[j] == ' ' && sp == (size_t)-1) { sp = j; j++; continue; }
                    (void)tt__char_at(vb, j, le, &l);
                    if (vb[j] < 0x80) cp = vb[j];
                    else if (l == 2) cp = ((uint32_t)(vb[j] & 0x1F) << 6) | (vb[j + 1] & 0x3F);
                    else cp = 0xFFFFFFFFu;
                    b = tt__gpt2_cp_to_byte(cp);
                    if (b < 0 || m >= sizeof(tmp)) { st = TT_ERR_BAD_FORMAT; break; }
                    tmp[m++] = (unsigned char)b;
                    j += l;
                }
                if (st == TT_OK && (sp == (size_t)-1 || sp == pos || sp + 1 >= le || m != v.lens[id] ||
                                    memcmp(tmp, v.bytes + voff[id], m) != 0))
                    st = TT_ERR_BAD_FORMAT;
                k++;
            }
            pos = e + 1;
        }
    }
    if (st == TT_ERR_BAD_FORMAT) tt__log(&lg, TT_LOG_ERROR, st, "tt_tokenizer_load_gpt2: malformed encoder.json or vocab.bpe");
    if (st == TT_OK)
        st = tt__tok_build(cfg, (int32_t)v.n, (int32_t)nspec, TT_SPLIT_GPT2, v.lens, v.bytes, v.nb, out);
    tt__vb_free(&v);
    if (by_id) tt__free(&a, by_id, by_id_bytes);
    if (voff) tt__free(&a, voff, voff_bytes);
    if (ent) tt__free(&a, ent, cap_ent * sizeof(tt__json_ent));
    if (store) tt__free(&a, store, store_cap);
    return st;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_tokenizer_save_file(const tt_tokenizer *tok, const char *path) {
    if (!tok || !path) return TT_ERR_INVALID_ARG;
    return tt__save_atomic(path, tt__tok_save, tok);
}
TTDEF tt_status tt_tokenizer_load_file(const tt_tokenizer_config *cfg, const char *path, tt_tokenizer **out) {
    tt__load_ctx lc;
    tt_status st;
    if (!path || !out) return TT_ERR_INVALID_ARG;
    lc.cfg = cfg;
    lc.tok = NULL;
    st = tt__load_path(path, tt__tok_load, &lc);
    if (st == TT_OK) *out = lc.tok;
    return st;
}

/* read a whole file into memory with the config's allocator */
TT__PRIVATE tt_status tt__bpe_slurp(const tt_allocator *a, const char *path, unsigned char **out, size_t *out_n,
                                    size_t *out_cap) {
    FILE *f;
    size_t cap = 0, n = 0;
    void *buf = NULL;
    tt_status st = TT_OK;
    if (!path) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) return TT_ERR_IO;
    for (;;) {
        size_t got;
        if (!tt__bpe_grow(a, &buf, &cap, n + 65536, 1)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        got = fread((unsigned char *)buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) st = TT_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (st != TT_OK) { tt__bpe_release(a, &buf, &cap, 1); return st; }
    *out = (unsigned char *)buf;
    *out_n = n;
    *out_cap = cap;
    return TT_OK;
}

TTDEF tt_status tt_tokenizer_load_tiktoken_file(const tt_tokenizer_config *cfg, const char *path, tt_tokenizer **out) {
    tt_allocator a;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    tt_status st;
    memset(&a, 0, sizeof(a));
    if (cfg) a = cfg->allocator;
    if (!out || !tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if ((st = tt__bpe_slurp(&a, path, &buf, &n, &cap)) != TT_OK) return st;
    st = tt_tokenizer_load_tiktoken(cfg, buf, n, out);
    tt__free(&a, buf, cap);
    return st;
}

TTDEF tt_status tt_tokenizer_load_gpt2_file(const tt_tokenizer_config *cfg, const char *encoder_json_path,
                                            const char *vocab_bpe_path, tt_tokenizer **out) {
    tt_allocator a;
    unsigned char *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0, c1 = 0, c2 = 0;
    tt_status st;
    memset(&a, 0, sizeof(a));
    if (cfg) a = cfg->allocator;
    if (!out || !tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if ((st = tt__bpe_slurp(&a, encoder_json_path, &b1, &n1, &c1)) != TT_OK) return st;
    if ((st = tt__bpe_slurp(&a, vocab_bpe_path, &b2, &n2, &c2)) != TT_OK) { tt__free(&a, b1, c1); return st; }
    st = tt_tokenizer_load_gpt2(cfg, b1, n1, b2, n2, out);
    tt__free(&a, b1, c1);
    tt__free(&a, b2, c2);
    return st;
}
#endif /* TT_NO_STDIO */
