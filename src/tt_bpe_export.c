/* >>bpe_export  a tokenizer as GPT-2's encoder.json + vocab.bpe. Uses the
 * tokenizer's private byte lookup (tt_bpe_internal.h). */
#include "tt_internal.h"
#include "tt_bpe_internal.h"

/* GPT-2's byte -> printable character map: the printable Latin-1 bytes
 * ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) stand for themselves, the other 68
 * bytes get U+0100, U+0101, ... in byte order. Writes UTF-8, returns its length. */
TT__PRIVATE int tt__gpt2_byte_utf8(unsigned char b, unsigned char *out) {
    unsigned cp;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) {
        cp = b;
    } else {
        unsigned k = 0, x;
        for (x = 0; x < b; x++)
            if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174)) k++;
        cp = 256 + k;
    }
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 63));
    return 2;
}

/* buffered writer over a tt_io */
typedef struct tt__bw { const tt_io *io; unsigned char buf[4096]; size_t n; tt_status st; } tt__bw;
TT__PRIVATE void tt__bw_flush(tt__bw *w) {
    if (w->st == TT_OK && w->n) w->st = tt__write_all(w->io, w->buf, w->n);
    w->n = 0;
}
TT__PRIVATE void tt__bw_bytes(tt__bw *w, const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    while (n > 0 && w->st == TT_OK) {
        size_t k = sizeof(w->buf) - w->n < n ? sizeof(w->buf) - w->n : n;
        memcpy(w->buf + w->n, s, k);
        w->n += k; s += k; n -= k;
        if (w->n == sizeof(w->buf)) tt__bw_flush(w);
    }
}
TT__PRIVATE void tt__bw_str(tt__bw *w, const char *s) { tt__bw_bytes(w, s, strlen(s)); }
TT__PRIVATE void tt__bw_int(tt__bw *w, uint32_t v) {
    char d[12], o[12];
    int n = 0, i;
    do { d[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (i = 0; i < n; i++) o[i] = d[n - 1 - i];
    tt__bw_bytes(w, o, (size_t)n);
}
/* bytes as GPT-2 characters (JSON-escaped when json: '"' and '\\') */
TT__PRIVATE void tt__bw_mapped(tt__bw *w, const unsigned char *p, size_t n, int json) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char u[2];
        int k = tt__gpt2_byte_utf8(p[i], u);
        if (json && (p[i] == '"' || p[i] == '\\')) tt__bw_bytes(w, "\\", 1);
        tt__bw_bytes(w, u, (size_t)k);
    }
}
/* raw bytes as a JSON string body (special tokens are stored as text) */
TT__PRIVATE void tt__bw_json_raw(tt__bw *w, const unsigned char *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') { tt__bw_bytes(w, "\\", 1); tt__bw_bytes(w, p + i, 1); }
        else if (p[i] < 0x20) {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[p[i] >> 4]; e[5] = hex[p[i] & 15];
            tt__bw_bytes(w, e, 6);
        } else tt__bw_bytes(w, p + i, 1);
    }
}

/* the merge that makes ordinary token id: BPE on its bytes with tokens of
 * rank < id only (lowest rank first, leftmost on ties) must end in exactly
 * two parts; *split = length of the left one. start/len: scratch of max_len. */
TT__PRIVATE int tt__export_merge(const tt_tokenizer *t, int32_t id, size_t *start, size_t *len, size_t *split) {
    const unsigned char *s = tt__tok_bytes(t, id);
    size_t n = t->len[id], np = n, i;
    for (i = 0; i < n; i++) { start[i] = i; len[i] = 1; }
    while (np > 2) {
        int32_t best = -1;
        size_t at = 0;
        for (i = 0; i + 1 < np; i++) {
            int32_t r = tt__tok_lookup(t, s + start[i], len[i] + len[i + 1]);
            if (r >= 0 && r < id && (best < 0 || r < best)) { best = r; at = i; }
        }
        if (best < 0) return 0;
        len[at] += len[at + 1];
        for (i = at + 1; i + 1 < np; i++) { start[i] = start[i + 1]; len[i] = len[i + 1]; }
        np--;
    }
    if (np != 2) return 0;
    {   /* both halves must be tokens of lower rank */
        int32_t a = tt__tok_lookup(t, s, len[0]), b = tt__tok_lookup(t, s + start[1], len[1]);
        if (a < 0 || b < 0 || a >= id || b >= id) return 0;
    }
    *split = len[0];
    return 1;
}

TTDEF tt_status tt_tokenizer_save_gpt2(const tt_tokenizer *t, const tt_io *enc, const tt_io *bpe) {
    tt__bw *w;
    size_t *scratch, bytes, n2;
    int32_t id;
    tt_status st = TT_OK;
    if (!t || !enc || !enc->write || !bpe || !bpe->write) return TT_ERR_INVALID_ARG;
    if (t->split_mode != TT_SPLIT_GPT2) {
        tt__log(&t->logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "save_gpt2: GPT-2 files imply GPT-2's pre-tokenization; this tokenizer uses TT_SPLIT_NONE");
        return TT_ERR_UNSUPPORTED;
    }
    n2 = t->max_len + 1;
    if (!tt__mul_size(n2, 2 * sizeof(size_t), &bytes) || !tt__add_size(bytes, sizeof(tt__bw), &bytes)) return TT_ERR_OUT_OF_MEMORY;
    scratch = (size_t *)tt__alloc(&t->alloc, bytes, 16);
    if (!scratch) {
        tt__log(&t->logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "save_gpt2: cannot allocate scratch");
        return TT_ERR_OUT_OF_MEMORY;
    }
    w = (tt__bw *)(void *)(scratch + 2 * n2);
    /* vocab.bpe first: it is where a tokenizer can turn out unrepresentable */
    w->io = bpe; w->n = 0; w->st = TT_OK;
    tt__bw_str(w, "#version: 0.2\n");
    for (id = 0; id < t->n_ranked && w->st == TT_OK; id++) {
        size_t split;
        const unsigned char *s = tt__tok_bytes(t, id);
        if (t->len[id] < 2) continue;
        if (!tt__export_merge(t, id, scratch, scratch + n2, &split)) {
            tt__logf(&t->logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                     "save_gpt2: BPE cannot build this token from two lower-ranked ones, id ", id);
            st = TT_ERR_UNSUPPORTED;
            break;
        }
        tt__bw_mapped(w, s, split, 0);
        tt__bw_bytes(w, " ", 1);
        tt__bw_mapped(w, s + split, t->len[id] - split, 0);
        tt__bw_bytes(w, "\n", 1);
    }
    tt__bw_flush(w);
    if (st == TT_OK) st = w->st;
    if (st == TT_OK) {
        w->io = enc; w->n = 0; w->st = TT_OK;
        tt__bw_str(w, "{");
        for (id = 0; id < t->vocab && w->st == TT_OK; id++) {
            const unsigned char *s = tt__tok_bytes(t, id);
            if (id) tt__bw_str(w, ", ");
            tt__bw_str(w, "\"");
            if (id < t->n_ranked) tt__bw_mapped(w, s, t->len[id], 1);
            else tt__bw_json_raw(w, s, t->len[id]);
            tt__bw_str(w, "\": ");
            tt__bw_int(w, (uint32_t)id);
        }
        tt__bw_str(w, "}");
        tt__bw_flush(w);
        st = w->st;
    }
    tt__free(&t->alloc, scratch, bytes);
    return st;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_tokenizer_save_gpt2_file(const tt_tokenizer *t, const char *enc_path, const char *bpe_path) {
    char ta[4096], tb[4096];
    size_t na, nb;
    FILE *fa, *fb;
    tt_io ia, ib;
    tt_status st;
    if (!t || !enc_path || !bpe_path) return TT_ERR_INVALID_ARG;
    na = strlen(enc_path); nb = strlen(bpe_path);
    if (na + 5 > sizeof(ta) || nb + 5 > sizeof(tb)) return TT_ERR_INVALID_ARG;
    memcpy(ta, enc_path, na); memcpy(ta + na, ".tmp", 5);
    memcpy(tb, bpe_path, nb); memcpy(tb + nb, ".tmp", 5);
    fa = fopen(ta, "wb");
    if (!fa) return TT_ERR_IO;
    fb = fopen(tb, "wb");
    if (!fb) { fclose(fa); remove(ta); return TT_ERR_IO; }
    ia.read = NULL; ia.write = tt__stdio_write; ia.user = fa;
    ib.read = NULL; ib.write = tt__stdio_write; ib.user = fb;
    st = tt_tokenizer_save_gpt2(t, &ia, &ib);
    if (fclose(fa) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (fclose(fb) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (st == TT_OK && rename(tb, bpe_path) != 0) st = TT_ERR_IO;
    if (st == TT_OK && rename(ta, enc_path) != 0) st = TT_ERR_IO;
    if (st != TT_OK) { remove(ta); remove(tb); }
    return st;
}
#endif
