/* shared helpers for the tokenizer tests (not part of the library) */
#ifndef BPE_UTIL_H
#define BPE_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static __attribute__((unused)) unsigned char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long sz;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)sz + 1);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) { fclose(f); free(buf); return NULL; }
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

static __attribute__((unused)) double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static __attribute__((unused)) unsigned get_u32le(const unsigned char *p) {
    return (unsigned)p[0] | ((unsigned)p[1] << 8) | ((unsigned)p[2] << 16) | ((unsigned)p[3] << 24);
}

static int fails = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); fails++; } } while (0)
#define CHECK_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { fprintf(stderr, "FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); fails++; } } while (0)

/* decode(ids) gives back text[0..n) exactly (the encode round trip) */
static __attribute__((unused)) int round_trip_ok(const tt_tokenizer *t, const void *text, size_t n,
                                                 const int32_t *ids, size_t n_ids) {
    size_t nb = 0;
    unsigned char *back;
    int ok;
    if (tt_tokenizer_decode(t, ids, n_ids, NULL, 0, &nb) != TT_OK || nb != n) return 0;
    back = (unsigned char *)malloc(n + 1);
    ok = back && tt_tokenizer_decode(t, ids, n_ids, back, n, &nb) == TT_OK && nb == n && memcmp(back, text, n) == 0;
    free(back);
    return ok;
}
#define CHECK_RT(tok, text, n, ids, n_ids) CHECK(round_trip_ok(tok, text, n, ids, n_ids))

/* Reference BPE for one piece, written the plain way (tiktoken's
 * byte_pair_merge: repeatedly merge the adjacent pair whose joined bytes
 * have the lowest rank, leftmost on ties; O(n^2)), over the ordinary
 * tokens of a tokenizer (rank = id). Independent of the library's merge
 * code: it only reads the vocabulary through tt_tokenizer_token. */
typedef struct ref_bpe {
    const tt_tokenizer *t;
    int32_t *slot;     /* id + 1, 0 = empty; open addressing */
    size_t mask;
} ref_bpe;

static __attribute__((unused)) size_t ref_hash(const unsigned char *p, size_t n) {
    size_t h = 1469598103934665603ull, i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}
static __attribute__((unused)) void ref_bpe_init(ref_bpe *r, const tt_tokenizer *t) {
    int32_t i, n = tt_tokenizer_vocab_size(t) - tt_tokenizer_n_special(t);
    size_t cap = 16;
    while (cap < (size_t)n * 4) cap *= 2;
    r->t = t;
    r->mask = cap - 1;
    r->slot = (int32_t *)calloc(cap, sizeof(int32_t));
    for (i = 0; i < n; i++) {
        const unsigned char *b = NULL;
        size_t l = 0, k;
        tt_tokenizer_token(t, i, &b, &l);
        k = ref_hash(b, l) & r->mask;
        while (r->slot[k]) k = (k + 1) & r->mask;
        r->slot[k] = i + 1;
    }
}
static __attribute__((unused)) void ref_bpe_free(ref_bpe *r) { free(r->slot); r->slot = NULL; }
static __attribute__((unused)) int32_t ref_rank(const ref_bpe *r, const unsigned char *p, size_t n) {
    size_t k = ref_hash(p, n) & r->mask;
    for (; r->slot[k]; k = (k + 1) & r->mask) {
        const unsigned char *b = NULL;
        size_t l = 0;
        tt_tokenizer_token(r->t, r->slot[k] - 1, &b, &l);
        if (l == n && memcmp(b, p, n) == 0) return r->slot[k] - 1;
    }
    return -1;
}
/* ids of piece p[0..n) into out (n entries); returns the count */
static __attribute__((unused)) size_t ref_bpe_piece(const ref_bpe *r, const unsigned char *p, size_t n, int32_t *out) {
    size_t *start, m = n, i;
    int32_t *rank, whole = ref_rank(r, p, n);
    if (n == 0) return 0;
    if (whole >= 0) { out[0] = whole; return 1; }
    start = (size_t *)malloc((n + 1) * sizeof(size_t));
    rank = (int32_t *)malloc(n * sizeof(int32_t));
    for (i = 0; i <= n; i++) start[i] = i;
    for (i = 0; i + 1 < m; i++) rank[i] = ref_rank(r, p + i, 2);
    for (;;) {
        size_t best = 0;
        int32_t br = -1;
        for (i = 0; i + 1 < m; i++)
            if (rank[i] >= 0 && (br < 0 || rank[i] < br)) { br = rank[i]; best = i; }
        if (br < 0) break;
        /* part best absorbs part best + 1 */
        memmove(start + best + 1, start + best + 2, (m - best - 1) * sizeof(size_t));
        memmove(rank + best + 1, rank + best + 2, (m > best + 3 ? m - best - 3 : 0) * sizeof(int32_t));
        m--;
        if (best + 1 < m) rank[best] = ref_rank(r, p + start[best], start[best + 2] - start[best]);
        if (best > 0) rank[best - 1] = ref_rank(r, p + start[best - 1], start[best + 1] - start[best - 1]);
    }
    for (i = 0; i < m; i++) out[i] = ref_rank(r, p + start[i], start[i + 1] - start[i]);
    free(start);
    free(rank);
    return m;
}
#endif
