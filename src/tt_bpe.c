/* >>bpe  byte-level BPE tokenizer: pre-tokenizer, encode, decode, train,
 * save/load, GPT-2 import (tiktoken rank files, encoder.json + vocab.bpe). */
#include "tt_internal.h"
#include "tt_bpe_tables.h"

/* ======================================================================
 * Small helpers
 * ====================================================================== */

/* grow *p (cap elements of elem bytes) to hold at least need elements */
TT__PRIVATE int tt__bpe_grow(const tt_allocator *a, void **p, size_t *cap, size_t need, size_t elem) {
    size_t ncap = *cap ? *cap : 16, nb, ob;
    void *q;
    if (need <= *cap) return 1;
    while (ncap < need) {
        if (ncap > ((size_t)-1 >> 2)) return 0;
        ncap *= 2;
    }
    if (!tt__mul_size(ncap, elem, &nb)) return 0;
    q = tt__alloc(a, nb, 16);
    if (!q) return 0;
    ob = *cap * elem;
    if (*p && ob) memcpy(q, *p, ob);
    if (*p) tt__free(a, *p, ob);
    *p = q;
    *cap = ncap;
    return 1;
}

TT__PRIVATE void tt__bpe_release(const tt_allocator *a, void **p, size_t *cap, size_t elem) {
    if (*p) tt__free(a, *p, *cap * elem);
    *p = NULL;
    *cap = 0;
}

/* 64-bit hash of a byte string (multiply-xorshift over 8-byte words; host
 * byte order: only used in memory). */
TT__PRIVATE uint64_t tt__bpe_hash(const unsigned char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull), v;
    while (n >= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n) {
        v = 0;
        memcpy(&v, p, n);
        h = (h ^ v) * 0x94d049bb133111ebull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* ======================================================================
 * Pre-tokenizer (GPT-2 split pattern, hand-written)
 * ====================================================================== */

enum { TT__CL_OTHER = 0, TT__CL_LETTER = 1, TT__CL_NUMBER = 2, TT__CL_SPACE = 3 };

/* class of ASCII bytes */
static const unsigned char tt__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0 };

TT__PRIVATE int tt__uc_class(uint32_t cp) {
    uint32_t blk, off;
    if (cp >= TT__UC_LIMIT) return TT__CL_OTHER;
    blk = tt__uc_stage1[cp >> TT__UC_SHIFT];
    off = (blk << TT__UC_SHIFT) + (cp & ((1u << TT__UC_SHIFT) - 1));
    return (tt__uc_stage2[off >> 2] >> ((off & 3) * 2)) & 3;
}

/* Class and byte length of the character at s[i] (i < end). Strict UTF-8
 * (Unicode Table 3-7); a byte that does not start a valid sequence is one
 * character of class OTHER. */
TT__PRIVATE int tt__char_at(const unsigned char *s, size_t i, size_t end, size_t *len) {
    unsigned c = s[i], c1, c2, c3;
    size_t left = end - i;
    if (c < 0x80) { *len = 1; return tt__ascii_class[c]; }
    *len = 1;
    if (c < 0xC2 || c > 0xF4 || left < 2) return TT__CL_OTHER;
    c1 = s[i + 1];
    if (c < 0xE0) {
        if ((c1 & 0xC0) != 0x80) return TT__CL_OTHER;
        *len = 2;
        return tt__uc_class(((uint32_t)(c & 0x1F) << 6) | (c1 & 0x3F));
    }
    if (left < 3) return TT__CL_OTHER;
    c2 = s[i + 2];
    if (c < 0xF0) {
        if ((c2 & 0xC0) != 0x80) return TT__CL_OTHER;
        if (c == 0xE0 ? (c1 < 0xA0 || c1 > 0xBF) : c == 0xED ? (c1 < 0x80 || c1 > 0x9F)
                                                 : (c1 & 0xC0) != 0x80)
            return TT__CL_OTHER;
        *len = 3;
        return tt__uc_class(((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(c1 & 0x3F) << 6) | (c2 & 0x3F));
    }
    if (left < 4) return TT__CL_OTHER;
    c3 = s[i + 3];
    if ((c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return TT__CL_OTHER;
    if (c == 0xF0 ? (c1 < 0x90 || c1 > 0xBF) : c == 0xF4 ? (c1 < 0x80 || c1 > 0x8F)
                                             : (c1 & 0xC0) != 0x80)
        return TT__CL_OTHER;
    *len = 4;
    return tt__uc_class(((uint32_t)(c & 0x07) << 18) | ((uint32_t)(c1 & 0x3F) << 12) |
                        ((uint32_t)(c2 & 0x3F) << 6) | (c3 & 0x3F));
}

/* end of the run of characters of class cl starting at i */
TT__PRIVATE size_t tt__run_end(const unsigned char *s, size_t i, size_t end, int cl) {
    size_t len;
    while (i < end) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (tt__ascii_class[c] != cl) break;
            i++;
            continue;
        }
        if (tt__char_at(s, i, end, &len) != cl) break;
        i += len;
    }
    return i;
}

/* End of the GPT-2 piece that starts at i (i < end). The alternatives of
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * are tried in order, as a backtracking regex engine does. */
TT__PRIVATE size_t tt__piece_end(const unsigned char *s, size_t i, size_t end) {
    size_t len, j, last;
    int cl;
    unsigned c = s[i];
    if (c == '\'' && i + 1 < end) {
        unsigned d = s[i + 1];
        if (d == 's' || d == 't' || d == 'm' || d == 'd') return i + 2;
        if (i + 2 < end) {
            unsigned e = s[i + 2];
            if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return i + 3;
        }
    }
    j = i;
    if (c == ' ' && i + 1 < end) {
        cl = tt__char_at(s, i + 1, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + 1 + len, end, cl);
        cl = TT__CL_SPACE;
    } else {
        cl = tt__char_at(s, i, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + len, end, cl);
    }
    /* whitespace run: \s+(?!\S) leaves its last character to the next piece
     * when a non-space follows and the run has at least 2 characters;
     * otherwise \s+ takes it all */
    last = j;
    while (j < end) {
        cl = tt__char_at(s, j, end, &len);
        if (cl != TT__CL_SPACE) break;
        last = j;
        j += len;
    }
    if (j == end || last == i) return j;
    return last;
}

/* A cut before s[p] is safe (the pieces on both sides are the same as in
 * the whole text) when s[p] is ' ' and s[p-1] is an ASCII non-space: no
 * piece extends past a non-space into a following space, and matching from
 * p looks only at bytes >= p. */
TT__PRIVATE int tt__safe_cut(const unsigned char *s, size_t p) {
    unsigned c;
    if (s[p] != ' ' || p == 0) return 0;
    c = s[p - 1];
    return c < 0x80 && tt__ascii_class[c] != TT__CL_SPACE;
}

/* ======================================================================
 * The tokenizer object
 * ====================================================================== */

typedef struct tt__bpe_slot { uint32_t tag; uint32_t id; } tt__bpe_slot;
#define TT__BPE_EMPTY 0xFFFFFFFFu

struct tt_tokenizer {
    tt_allocator alloc;
    tt_logger logger;
    size_t mem_bytes;          /* the single allocation holding everything */
    int32_t vocab, n_special, n_ranked, split_mode;
    uint32_t *off, *len;       /* per id: offset into blob, length */
    unsigned char *blob;
    uint64_t blob_bytes;
    tt__bpe_slot *ht;          /* ordinary tokens by bytes */
    uint32_t ht_mask;
    int32_t byte_id[256];
    unsigned char special_first[256];
    size_t special_max_len;
    size_t max_len;            /* longest ordinary token */
    /* threads */
    tt__exec ex;
    void *pool;
};

TT__PRIVATE const unsigned char *tt__tok_bytes(const tt_tokenizer *t, int32_t id) { return t->blob + t->off[id]; }

TT__PRIVATE int32_t tt__tok_lookup_h(const tt_tokenizer *t, const unsigned char *p, size_t n, uint64_t h) {
    uint32_t i = (uint32_t)h & t->ht_mask, tag = (uint32_t)(h >> 32);
    for (;;) {
        tt__bpe_slot sl = t->ht[i];
        if (sl.id == TT__BPE_EMPTY) return -1;
        if (sl.tag == tag && t->len[sl.id] == n && memcmp(t->blob + t->off[sl.id], p, n) == 0)
            return (int32_t)sl.id;
        i = (i + 1) & t->ht_mask;
    }
}
TT__PRIVATE int32_t tt__tok_lookup(const tt_tokenizer *t, const unsigned char *p, size_t n) {
    if (n == 1) return t->byte_id[p[0]];
    if (n > t->max_len) return -1;
    return tt__tok_lookup_h(t, p, n, tt__bpe_hash(p, n));
}

/* resolve threads of a config into an exec (pool started by the caller) */
TT__PRIVATE int tt__bpe_threads(const tt_tokenizer_config *cfg) {
    int n = cfg ? cfg->n_threads : 0;
    if (n <= 0) n = 1;
    if (n > TT__MAX_THREADS) n = TT__MAX_THREADS;
#if !TT__HAS_THREADS
    if (!cfg || !cfg->parallel.parallel_for) n = 1;
#endif
    return n;
}

/* start threads into ex (pool memory allocated here) */
TT__PRIVATE tt_status tt__bpe_exec_start(const tt_tokenizer_config *cfg, const tt_allocator *a,
                                         tt__exec *ex, void **pool) {
    memset(ex, 0, sizeof(*ex));
    *pool = NULL;
    ex->n_threads = tt__bpe_threads(cfg);
    if (cfg && cfg->parallel.parallel_for) {
        ex->par = cfg->parallel;
        return TT_OK;
    }
#if TT__HAS_THREADS
    if (ex->n_threads > 1) {
        tt_status st;
        tt__pool *p = (tt__pool *)tt__alloc(a, tt__pool_size(ex->n_threads), 64);
        if (!p) return TT_ERR_OUT_OF_MEMORY;
        if ((st = tt__pool_start(p, ex->n_threads)) != TT_OK) {
            tt__free(a, p, tt__pool_size(ex->n_threads));
            return st;
        }
        ex->par.parallel_for = tt__pool_parallel_for;
        ex->par.pool = p;
        *pool = p;
    }
#else
    (void)a;
#endif
    if (!ex->par.parallel_for) ex->n_threads = 1;
    return TT_OK;
}

TT__PRIVATE void tt__bpe_exec_stop(const tt_allocator *a, tt__exec *ex, void **pool) {
#if TT__HAS_THREADS
    if (*pool) {
        tt__pool_stop((tt__pool *)*pool);
        tt__free(a, *pool, tt__pool_size(ex->n_threads));
    }
#else
    (void)a; (void)ex;
#endif
    *pool = NULL;
}

/* Build a tokenizer from vocab token strings: lens[i] bytes each, stored
 * back to back in blob (blob_bytes in all); the last n_special are special.
 * Validates like a file loader: TT_ERR_BAD_FORMAT for empty or too long
 * tokens, duplicates among ordinary (or among special) tokens, or a single
 * byte value with no ordinary token. */
TT__PRIVATE tt_status tt__tok_build(const tt_tokenizer_config *cfg, int32_t vocab, int32_t n_special,
                                    int32_t split_mode, const uint32_t *lens, const unsigned char *blob,
                                    uint64_t blob_bytes, tt_tokenizer **out) {
    tt_allocator a;
    tt_logger lg;
    tt__plan plan;
    size_t o_struct, o_off, o_len, o_blob, o_ht, nslots = 16;
    int32_t i, n_ranked;
    uint64_t sum = 0;
    unsigned char *base;
    tt_tokenizer *t;
    tt_status st;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if (vocab <= 0 || vocab > TT_MAX_VOCAB || n_special < 0 || n_special > TT_TOKENIZER_MAX_SPECIAL ||
        n_special > vocab - 256 || (split_mode != TT_SPLIT_GPT2 && split_mode != TT_SPLIT_NONE)) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tokenizer: bad vocab size, special count or split mode");
        return TT_ERR_BAD_FORMAT;
    }
    n_ranked = vocab - n_special;
    for (i = 0; i < vocab; i++) {
        uint32_t max = i < n_ranked ? TT_TOKENIZER_MAX_TOKEN_BYTES : TT_TOKENIZER_MAX_SPECIAL_BYTES;
        if (lens[i] == 0 || lens[i] > max) {
            tt__logf(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tokenizer: empty or too long token, id ", i);
            return TT_ERR_BAD_FORMAT;
        }
        sum += lens[i];
    }
    if (sum != blob_bytes || sum > 0xFFFFFFFFull) return TT_ERR_BAD_FORMAT;
    while (nslots < (size_t)n_ranked * 2) nslots *= 2;
    memset(&plan, 0, sizeof(plan));
    o_struct = tt__plan_take(&plan, 1, sizeof(tt_tokenizer));
    o_off = tt__plan_take(&plan, (size_t)vocab, sizeof(uint32_t));
    o_len = tt__plan_take(&plan, (size_t)vocab, sizeof(uint32_t));
    o_blob = tt__plan_take(&plan, (size_t)blob_bytes, 1);
    o_ht = tt__plan_take(&plan, nslots, sizeof(tt__bpe_slot));
    if (plan.overflow) return TT_ERR_OUT_OF_MEMORY;
    base = (unsigned char *)tt__alloc(&a, plan.size, TT__ALIGN);
    if (!base) return TT_ERR_OUT_OF_MEMORY;
    t = (tt_tokenizer *)(base + o_struct);
    memset(t, 0, sizeof(*t));
    t->alloc = a;
    t->logger = lg;
    t->mem_bytes = plan.size;
    t->vocab = vocab;
    t->n_special = n_special;
    t->n_ranked = n_ranked;
    t->split_mode = split_mode;
    t->off = (uint32_t *)(base + o_off);
    t->len = (uint32_t *)(base + o_len);
    t->blob = base + o_blob;
    t->blob_bytes = blob_bytes;
    t->ht = (tt__bpe_slot *)(base + o_ht);
    t->ht_mask = (uint32_t)(nslots - 1);
    if (blob_bytes) memcpy(t->blob, blob, (size_t)blob_bytes);
    sum = 0;
    for (i = 0; i < vocab; i++) {
        t->off[i] = (uint32_t)sum;
        t->len[i] = lens[i];
        sum += lens[i];
    }
    for (i = 0; i < 256; i++) t->byte_id[i] = -1;
    memset(t->ht, 0xFF, nslots * sizeof(tt__bpe_slot));
    st = TT_OK;
    for (i = 0; i < n_ranked && st == TT_OK; i++) {
        const unsigned char *p = t->blob + t->off[i];
        size_t n = t->len[i];
        uint64_t h = tt__bpe_hash(p, n);
        uint32_t k;
        if (tt__tok_lookup_h(t, p, n, h) >= 0) { st = TT_ERR_BAD_FORMAT; break; }
        k = (uint32_t)h & t->ht_mask;
        while (t->ht[k].id != TT__BPE_EMPTY) k = (k + 1) & t->ht_mask;
        t->ht[k].tag = (uint32_t)(h >> 32);
        t->ht[k].id = (uint32_t)i;
        if (n == 1) t->byte_id[p[0]] = i;
        if (n > t->max_len) t->max_len = n;
    }
    if (st != TT_OK) tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: duplicate token, id ", i);
    for (i = 0; i < 256 && st == TT_OK; i++)
        if (t->byte_id[i] < 0) {
            st = TT_ERR_BAD_FORMAT;
            tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: no token for byte value ", i);
        }
    for (i = n_ranked; i < vocab && st == TT_OK; i++) {
        int32_t j;
        for (j = n_ranked; j < i; j++)
            if (t->len[j] == t->len[i] && memcmp(tt__tok_bytes(t, j), tt__tok_bytes(t, i), t->len[i]) == 0) {
                st = TT_ERR_BAD_FORMAT;
                tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: duplicate special token, id ", i);
                break;
            }
        t->special_first[tt__tok_bytes(t, i)[0]] = 1;
        if (t->len[i] > t->special_max_len) t->special_max_len = t->len[i];
    }
    if (st == TT_OK) st = tt__bpe_exec_start(cfg, &a, &t->ex, &t->pool);
    if (st != TT_OK) {
        tt__free(&a, base, plan.size);
        return st;
    }
    *out = t;
    return TT_OK;
}

TTDEF void tt_tokenizer_destroy(tt_tokenizer *tok) {
    tt_allocator a;
    if (!tok) return;
    a = tok->alloc;
    tt__bpe_exec_stop(&a, &tok->ex, &tok->pool);
    tt__free(&a, tok, tok->mem_bytes);
}

TTDEF int32_t tt_tokenizer_vocab_size(const tt_tokenizer *tok) { return tok ? tok->vocab : 0; }
TTDEF int32_t tt_tokenizer_n_special(const tt_tokenizer *tok) { return tok ? tok->n_special : 0; }

TTDEF int32_t tt_tokenizer_special_id(const tt_tokenizer *tok, const char *name) {
    int32_t i;
    size_t n;
    if (!tok || !name) return -1;
    n = strlen(name);
    for (i = tok->n_ranked; i < tok->vocab; i++)
        if (tok->len[i] == n && memcmp(tt__tok_bytes(tok, i), name, n) == 0) return i;
    return -1;
}

TTDEF tt_status tt_tokenizer_token(const tt_tokenizer *tok, int32_t id, const unsigned char **out_bytes,
                                   size_t *out_len) {
    if (!tok || id < 0 || id >= tok->vocab || !out_bytes || !out_len) return TT_ERR_INVALID_ARG;
    *out_bytes = tt__tok_bytes(tok, id);
    *out_len = tok->len[id];
    return TT_OK;
}

/* ======================================================================
 * Encoding
 * ====================================================================== */

typedef struct tt__enc {
    const tt_tokenizer *t;
    int32_t *ids;
    size_t cap, n;
    /* scratch for long pieces (heap + linked list), grown on demand */
    void *scratch;
    size_t scratch_bytes;
    tt_status st;
} tt__enc;

TT__PRIVATE void tt__emit(tt__enc *e, int32_t id) {
    if (e->n < e->cap) e->ids[e->n] = id;
    e->n++;
}

#define TT__BPE_SMALL 64
#define TT__RANK_NONE 0x7FFFFFFF

/* tiktoken's byte_pair_merge for short pieces: O(n^2) worst case, n <= 64 */
TT__PRIVATE void tt__bpe_merge_small(tt__enc *e, const unsigned char *p, size_t n) {
    const tt_tokenizer *t = e->t;
    uint32_t start[TT__BPE_SMALL + 1];
    int32_t rank[TT__BPE_SMALL], id[TT__BPE_SMALL];
    size_t m = n, i, best;
    for (i = 0; i < n; i++) { start[i] = (uint32_t)i; id[i] = t->byte_id[p[i]]; }
    start[n] = (uint32_t)n;
    for (i = 0; i + 1 < m; i++) {
        int32_t r = tt__tok_lookup(t, p + i, 2);
        rank[i] = r < 0 ? TT__RANK_NONE : r;
    }
    rank[m - 1] = TT__RANK_NONE;
    for (;;) {
        int32_t br = TT__RANK_NONE;
        best = 0;
        for (i = 0; i + 1 < m; i++)
            if (rank[i] < br) { br = rank[i]; best = i; }
        if (br == TT__RANK_NONE) break;
        id[best] = br;
        for (i = best + 1; i + 1 < m; i++) { start[i] = start[i + 1]; id[i] = id[i + 1]; rank[i] = rank[i + 1]; }
        start[m - 1] = start[m];
        m--;
        rank[m - 1] = TT__RANK_NONE;
        if (best + 1 < m) {
            int32_t r = tt__tok_lookup(t, p + start[best], start[best + 2] - start[best]);
            rank[best] = r < 0 ? TT__RANK_NONE : r;
        }
        if (best > 0) {
            int32_t r = tt__tok_lookup(t, p + start[best - 1], start[best + 1] - start[best - 1]);
            rank[best - 1] = r < 0 ? TT__RANK_NONE : r;
        }
    }
    for (i = 0; i < m; i++) tt__emit(e, id[i]);
}

/* Long pieces: parts in a doubly linked list, candidate merges in a binary
 * min-heap keyed by (rank, start). A popped entry is current iff its part
 * is alive and still has that pair rank (same rank at the same start means
 * the same bytes). O(n log n).
 * Heap capacity: stale entries stay in the heap until popped, so its size
 * is bounded by the number of pushes, not by the number of parts: at most
 * n - 1 initial pairs, then at most 2 per merge (the merged part and its
 * left neighbour) and at most n - 1 merges, 3n - 3 in all. The scratch
 * holds 3n heap entries and n nodes. */
typedef struct tt__bpe_node { uint32_t next, prev; int32_t id, rank; } tt__bpe_node;

TT__PRIVATE void tt__heap_push(uint64_t *h, size_t *n, uint64_t k) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (h[par] <= k) break;
        h[i] = h[par];
        i = par;
    }
    h[i] = k;
}
TT__PRIVATE uint64_t tt__heap_pop(uint64_t *h, size_t *n) {
    uint64_t top = h[0], k = h[--(*n)];
    size_t i = 0, m = *n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && h[c + 1] < h[c]) c++;
        if (h[c] >= k) break;
        h[i] = h[c];
        i = c;
    }
    if (m) h[i] = k;
    return top;
}

TT__PRIVATE void tt__bpe_merge_long(tt__enc *e, const unsigned char *p, size_t n) {
    const tt_tokenizer *t = e->t;
    tt__bpe_node *nd;
    uint64_t *heap;
    size_t need, cap_heap, nh = 0, i;
    uint32_t cur;
    if (n >= 0xFFFFFFF0u) { e->st = TT_ERR_INVALID_ARG; return; }
    /* 3n heap entries, then n nodes (see the bound above) */
    if (!tt__mul_size(n, 3, &cap_heap) ||
        !tt__mul_size(n, 3 * sizeof(uint64_t) + sizeof(tt__bpe_node), &need)) {
        e->st = TT_ERR_OUT_OF_MEMORY;
        return;
    }
    if (need > e->scratch_bytes) {
        void *q = tt__alloc(&t->alloc, need, 16);
        if (!q) { e->st = TT_ERR_OUT_OF_MEMORY; return; }
        if (e->scratch) tt__free(&t->alloc, e->scratch, e->scratch_bytes);
        e->scratch = q;
        e->scratch_bytes = need;
    }
    heap = (uint64_t *)e->scratch;
    nd = (tt__bpe_node *)(void *)(heap + cap_heap);
    /* node i covers p[i .. nd[i].next) */
    for (i = 0; i < n; i++) {
        nd[i].next = (uint32_t)(i + 1);
        nd[i].prev = (uint32_t)(i - 1);
        nd[i].id = t->byte_id[p[i]];
        nd[i].rank = TT__RANK_NONE;
    }
    for (i = 0; i + 1 < n; i++) {
        int32_t r = tt__tok_lookup(t, p + i, 2);
        if (r >= 0) {
            nd[i].rank = r;
            tt__heap_push(heap, &nh, ((uint64_t)r << 32) | i);
        }
    }
    while (nh) {
        uint64_t k = tt__heap_pop(heap, &nh);
        uint32_t a = (uint32_t)k, b, c;
        int32_t r = (int32_t)(k >> 32);
        if (nd[a].rank != r) continue; /* stale (dead nodes have rank NONE) */
        b = nd[a].next;
        c = nd[b].next;
        /* merge b into a */
        nd[a].id = r;
        nd[a].next = c;
        nd[b].rank = TT__RANK_NONE;
        if (c < n) nd[c].prev = a;
        nd[a].rank = TT__RANK_NONE;
        if (c < n) {
            int32_t r2 = tt__tok_lookup(t, p + a, nd[c].next - a);
            if (r2 >= 0) {
                nd[a].rank = r2;
                tt__heap_push(heap, &nh, ((uint64_t)r2 << 32) | a);
            }
        }
        if (a > 0) {
            uint32_t z = nd[a].prev;
            int32_t r3 = tt__tok_lookup(t, p + z, c - z);
            nd[z].rank = r3 < 0 ? TT__RANK_NONE : r3;
            if (r3 >= 0) tt__heap_push(heap, &nh, ((uint64_t)r3 << 32) | z);
        }
    }
    for (cur = 0; cur < n; cur = nd[cur].next) tt__emit(e, nd[cur].id);
}

TT__PRIVATE void tt__encode_piece(tt__enc *e, const unsigned char *p, size_t n) {
    int32_t id;
    if (n == 1) { tt__emit(e, e->t->byte_id[p[0]]); return; }
    id = n > e->t->max_len ? -1 : tt__tok_lookup_h(e->t, p, n, tt__bpe_hash(p, n));
    if (id >= 0) { tt__emit(e, id); return; }
    if (n <= TT__BPE_SMALL) tt__bpe_merge_small(e, p, n);
    else tt__bpe_merge_long(e, p, n);
}

/* encode ordinary text (no special tokens) */
TT__PRIVATE void tt__encode_ordinary(tt__enc *e, const unsigned char *s, size_t n) {
    size_t i = 0, j;
    if (e->t->split_mode == TT_SPLIT_NONE) {
        if (n) tt__encode_piece(e, s, n);
        return;
    }
    while (i < n && e->st == TT_OK) {
        j = tt__piece_end(s, i, n);
        tt__encode_piece(e, s + i, j - i);
        i = j;
    }
}

/* First special token match at or after pos: returns its start (or end if
 * none) and sets *id, *mlen. The longest special wins at one position. */
TT__PRIVATE size_t tt__find_special(const tt_tokenizer *t, const unsigned char *s, size_t pos, size_t end,
                                    int32_t *id, size_t *mlen) {
    size_t i;
    for (i = pos; i < end; i++) {
        int32_t k, best = -1;
        size_t bl = 0;
        if (!t->special_first[s[i]]) continue;
        for (k = t->n_ranked; k < t->vocab; k++) {
            size_t l = t->len[k];
            if (l <= end - i && l > bl && memcmp(s + i, tt__tok_bytes(t, k), l) == 0) { best = k; bl = l; }
        }
        if (best >= 0) { *id = best; *mlen = bl; return i; }
    }
    return end;
}

TT__PRIVATE void tt__encode_text(tt__enc *e, const unsigned char *s, size_t n, int flags) {
    size_t pos = 0;
    if (!(flags & TT_ENCODE_SPECIAL) || e->t->n_special == 0) {
        tt__encode_ordinary(e, s, n);
        return;
    }
    while (pos < n && e->st == TT_OK) {
        int32_t id = -1;
        size_t ml = 0, m = tt__find_special(e->t, s, pos, n, &id, &ml);
        tt__encode_ordinary(e, s + pos, m - pos);
        if (m == n) break;
        tt__emit(e, id);
        pos = m + ml;
    }
}

/* Cut text into chunks of about target bytes at safe points (never inside
 * a special token match when flags has TT_ENCODE_SPECIAL). Writes up to
 * max_cuts chunk ends into cuts (the last is always n); returns the count.
 * With TT_SPLIT_NONE only special token boundaries are safe. */
TT__PRIVATE size_t tt__chunk_cuts(const tt_tokenizer *t, const unsigned char *s, size_t n, int flags,
                                  size_t target, size_t *cuts, size_t max_cuts) {
    size_t nc = 0, pos = 0;
    int specials = (flags & TT_ENCODE_SPECIAL) && t->n_special > 0;
    size_t next_sp = n, sp_len = 0;
    int32_t sp_id;
    if (specials) next_sp = tt__find_special(t, s, 0, n, &sp_id, &sp_len);
    while (pos < n && nc + 1 < max_cuts) {
        size_t want = n - pos > target ? pos + target : n, p;
        if (want >= n) break;
        /* specials passed on the way are boundaries too */
        while (specials && next_sp < n && next_sp + sp_len <= want) {
            size_t after = next_sp + sp_len;
            next_sp = tt__find_special(t, s, after, n, &sp_id, &sp_len);
        }
        p = want;
        if (t->split_mode == TT_SPLIT_NONE) {
            if (!specials || next_sp >= n) break;
            p = next_sp; /* cut right before the next special */
            if (p <= pos) p = next_sp + sp_len;
        } else {
            size_t lim = specials ? next_sp : n;
            while (p < lim && !tt__safe_cut(s, p)) p++;
            if (p >= lim) p = lim; /* the start of a special (or the end) */
        }
        if (p >= n) break;
        if (p <= pos) break;
        cuts[nc++] = p;
        pos = p;
        if (specials && next_sp < pos) next_sp = tt__find_special(t, s, pos, n, &sp_id, &sp_len);
    }
    cuts[nc++] = n;
    return nc;
}

typedef struct tt__par_enc {
    const tt_tokenizer *t;
    const unsigned char *s;
    const size_t *cuts;
    size_t first;      /* first chunk index of this round */
    int flags;
    tt__enc enc[2 * TT__MAX_THREADS];
    size_t cap[2 * TT__MAX_THREADS];
} tt__par_enc;

TT__PRIVATE void tt__par_enc_task(void *arg, int i) {
    tt__par_enc *pe = (tt__par_enc *)arg;
    size_t c = pe->first + (size_t)i;
    size_t a = c == 0 ? 0 : pe->cuts[c - 1], b = pe->cuts[c];
    tt__enc *e = &pe->enc[i];
    e->n = 0;
    tt__encode_text(e, pe->s + a, b - a, pe->flags);
}

#define TT__PAR_CHUNK ((size_t)1 << 20)
#define TT__PAR_MAX_CUTS 4096

/* direct path when out_ids can hold n ids: chunk c is encoded in place at
 * out_ids + (its first byte), as ids <= bytes, then the runs are moved down
 * in order. One parallel_for over all chunks (tasks are claimed
 * dynamically, so a slow thread does not hold the others). */
typedef struct tt__par_direct {
    const tt_tokenizer *t;
    const unsigned char *s;
    const size_t *cuts;
    int flags;
    tt__enc *enc;
} tt__par_direct;

TT__PRIVATE void tt__par_direct_task(void *arg, int i) {
    tt__par_direct *pd = (tt__par_direct *)arg;
    size_t a = i == 0 ? 0 : pd->cuts[i - 1], b = pd->cuts[i];
    tt__encode_text(&pd->enc[i], pd->s + a, b - a, pd->flags);
}

TT__PRIVATE tt_status tt__encode_direct(tt__enc *e, const unsigned char *s, size_t n, int flags,
                                        const size_t *cuts, size_t nc) {
    const tt_tokenizer *t = e->t;
    tt__par_direct pd;
    size_t i, total = 0, bytes = nc * sizeof(tt__enc);
    tt_status st = TT_OK;
    pd.enc = (tt__enc *)tt__alloc(&t->alloc, bytes, 16);
    if (!pd.enc) return TT_ERR_OUT_OF_MEMORY;
    memset(pd.enc, 0, bytes);
    for (i = 0; i < nc; i++) {
        size_t a = i == 0 ? 0 : cuts[i - 1];
        pd.enc[i].t = t;
        pd.enc[i].ids = e->ids + a;
        pd.enc[i].cap = cuts[i] - a;
    }
    pd.t = t; pd.s = s; pd.cuts = cuts; pd.flags = flags;
    tt__parallel_for(&t->ex, (int)nc, tt__par_direct_task, &pd);
    for (i = 0; i < nc; i++) {
        size_t a = i == 0 ? 0 : cuts[i - 1];
        if (pd.enc[i].st != TT_OK && st == TT_OK) st = pd.enc[i].st;
        if (st == TT_OK) {
            if (total != a) memmove(e->ids + total, e->ids + a, pd.enc[i].n * sizeof(int32_t));
            total += pd.enc[i].n;
        }
        if (pd.enc[i].scratch) tt__free(&t->alloc, pd.enc[i].scratch, pd.enc[i].scratch_bytes);
    }
    tt__free(&t->alloc, pd.enc, bytes);
    (void)n;
    if (st == TT_OK) e->n = total;
    return st;
}

/* encode with the pool: chunks are encoded in rounds of 2*n_threads into
 * per-task buffers (ids <= bytes), then appended in order */
TT__PRIVATE tt_status tt__encode_parallel(tt__enc *e, const unsigned char *s, size_t n, int flags) {
    const tt_tokenizer *t = e->t;
    size_t *cuts, nc, c, target, cap_cuts = TT__PAR_MAX_CUTS;
    tt__par_enc *pe;
    int k, per = 2 * t->ex.n_threads;
    tt_status st = TT_OK;
    target = n / ((size_t)per * 4);
    if (target < TT__PAR_CHUNK / 4) target = TT__PAR_CHUNK / 4;
    if (n / target > cap_cuts - 16) target = n / (cap_cuts - 16) + 1;
    cuts = (size_t *)tt__alloc(&t->alloc, cap_cuts * sizeof(size_t), 16);
    pe = (tt__par_enc *)tt__alloc(&t->alloc, sizeof(tt__par_enc), 16);
    if (!cuts || !pe) {
        tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
        tt__free(&t->alloc, pe, sizeof(tt__par_enc));
        return TT_ERR_OUT_OF_MEMORY;
    }
    memset(pe, 0, sizeof(*pe));
    if (e->ids && e->cap >= n && e->n == 0) {
        /* smaller chunks balance better; the output needs no copies */
        target = n / ((size_t)t->ex.n_threads * 16);
        if (target < TT__PAR_CHUNK / 4) target = TT__PAR_CHUNK / 4;
        if (n / target > cap_cuts - 16) target = n / (cap_cuts - 16) + 1;
        nc = tt__chunk_cuts(t, s, n, flags, target, cuts, cap_cuts);
        st = tt__encode_direct(e, s, n, flags, cuts, nc);
        tt__free(&t->alloc, pe, sizeof(tt__par_enc));
        tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
        return st;
    }
    nc = tt__chunk_cuts(t, s, n, flags, target, cuts, cap_cuts);
    pe->t = t; pe->s = s; pe->cuts = cuts; pe->flags = flags;
    for (c = 0; c < nc && st == TT_OK; c += (size_t)per) {
        int nt = (int)(nc - c < (size_t)per ? nc - c : (size_t)per);
        pe->first = c;
        for (k = 0; k < nt; k++) {
            size_t a = c + k == 0 ? 0 : cuts[c + k - 1], len = cuts[c + k] - a;
            tt__enc *ek = &pe->enc[k];
            if (pe->cap[k] < len) {
                void *q = tt__alloc(&t->alloc, len * sizeof(int32_t), 16);
                if (!q) { st = TT_ERR_OUT_OF_MEMORY; break; }
                if (ek->ids) tt__free(&t->alloc, ek->ids, pe->cap[k] * sizeof(int32_t));
                ek->ids = (int32_t *)q;
                pe->cap[k] = len;
            }
            ek->t = t;
            ek->cap = pe->cap[k];
            ek->st = TT_OK;
        }
        if (st != TT_OK) break;
        tt__parallel_for(&t->ex, nt, tt__par_enc_task, pe);
        for (k = 0; k < nt; k++) {
            tt__enc *ek = &pe->enc[k];
            size_t j;
            if (ek->st != TT_OK) { st = ek->st; break; }
            for (j = 0; j < ek->n; j++) tt__emit(e, ek->ids[j]);
        }
    }
    for (k = 0; k < per; k++) {
        tt__enc *ek = &pe->enc[k];
        if (ek->ids) tt__free(&t->alloc, ek->ids, pe->cap[k] * sizeof(int32_t));
        if (ek->scratch) tt__free(&t->alloc, ek->scratch, ek->scratch_bytes);
    }
    tt__free(&t->alloc, pe, sizeof(tt__par_enc));
    tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
    return st;
}

TTDEF tt_status tt_tokenizer_encode(const tt_tokenizer *tok, const void *text, size_t n, int flags,
                                    int32_t *out_ids, size_t max_ids, size_t *out_n_ids) {
    tt__enc e;
    if (!tok || (!text && n) || !out_n_ids || (flags & ~TT_ENCODE_SPECIAL)) return TT_ERR_INVALID_ARG;
    memset(&e, 0, sizeof(e));
    e.t = tok;
    e.ids = out_ids;
    e.cap = out_ids ? max_ids : 0;
    if (tok->ex.n_threads > 1 && n >= 2 * TT__PAR_CHUNK)
        e.st = tt__encode_parallel(&e, (const unsigned char *)text, n, flags);
    else
        tt__encode_text(&e, (const unsigned char *)text, n, flags);
    if (e.scratch) tt__free(&tok->alloc, e.scratch, e.scratch_bytes);
    if (e.st != TT_OK) return e.st;
    *out_n_ids = e.n;
    return out_ids && e.n > max_ids ? TT_ERR_BUFFER_TOO_SMALL : TT_OK;
}

TTDEF tt_status tt_tokenizer_encode_prefix(const tt_tokenizer *tok, const void *text, size_t n, int flags,
                                           int final, int32_t *out_ids, size_t max_ids, size_t *out_n_ids,
                                           size_t *out_consumed) {
    const unsigned char *s = (const unsigned char *)text;
    size_t p = 0, lim, nn = 0;
    tt_status st;
    if (!tok || (!text && n) || !out_n_ids || !out_consumed || (flags & ~TT_ENCODE_SPECIAL))
        return TT_ERR_INVALID_ARG;
    if (final) {
        p = n;
    } else {
        int specials = (flags & TT_ENCODE_SPECIAL) && tok->n_special > 0;
        size_t q, pos;
        /* a special token could still be completed by the next bytes */
        lim = specials ? (n > tok->special_max_len ? n - tok->special_max_len : 0) : n;
        if (tok->split_mode == TT_SPLIT_GPT2) {
            for (q = lim; q > 0; q--)
                if (q < n && tt__safe_cut(s, q)) { p = q; break; }
        }
        if (specials) {
            /* a cut inside a special match moves to its start; the end of
             * a complete match before lim is a safe point too */
            pos = 0;
            while (pos < lim) {
                int32_t id;
                size_t ml, m = tt__find_special(tok, s, pos, n, &id, &ml);
                if (m >= lim) break;
                if (m < p && p < m + ml) p = m;
                if (m + ml <= lim && m + ml > p) p = m + ml;
                pos = m + ml;
            }
        }
    }
    st = tt_tokenizer_encode(tok, text, p, flags, out_ids, max_ids, &nn);
    *out_n_ids = nn;
    *out_consumed = st == TT_OK ? p : 0;
    return st;
}

/* ======================================================================
 * Decoding
 * ====================================================================== */

TTDEF tt_status tt_tokenizer_decode(const tt_tokenizer *tok, const int32_t *ids, size_t n_ids, void *out,
                                    size_t max_bytes, size_t *out_n_bytes) {
    size_t i, total = 0;
    unsigned char *o = (unsigned char *)out;
    if (!tok || (!ids && n_ids) || !out_n_bytes) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n_ids; i++) {
        if (ids[i] < 0 || ids[i] >= tok->vocab) return TT_ERR_INVALID_ARG;
        if (!tt__add_size(total, tok->len[ids[i]], &total)) { /* more than SIZE_MAX bytes */
            *out_n_bytes = (size_t)-1;
            return TT_ERR_BUFFER_TOO_SMALL;
        }
    }
    *out_n_bytes = total;
    if (!out) return TT_OK;
    if (total > max_bytes) return TT_ERR_BUFFER_TOO_SMALL;
    for (i = 0; i < n_ids; i++) {
        size_t l = tok->len[ids[i]];
        memcpy(o, tt__tok_bytes(tok, ids[i]), l);
        o += l;
    }
    return TT_OK;
}

/* length of a trailing incomplete-but-valid UTF-8 prefix at the end of p[0..n) */
TT__PRIVATE size_t tt__utf8_tail(const unsigned char *p, size_t n) {
    size_t k, back = n < 3 ? n : 3;
    for (k = 1; k <= back; k++) {
        unsigned c = p[n - k];
        size_t need;
        if ((c & 0xC0) == 0x80) continue; /* continuation: look further back */
        if (c >= 0xC2 && c <= 0xDF) need = 2;
        else if (c >= 0xE0 && c <= 0xEF) need = 3;
        else if (c >= 0xF0 && c <= 0xF4) need = 4;
        else return 0;
        if (k >= need) return 0; /* complete (or over-long run): nothing held */
        /* check the second byte's range for the lead */
        if (k >= 2) {
            unsigned c1 = p[n - k + 1];
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) ||
                (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
                return 0;
        }
        return k;
    }
    return 0;
}

TTDEF tt_status tt_tokenizer_decode_stream(const tt_tokenizer *tok, tt_tokenizer_decoder *dec,
                                           const int32_t *ids, size_t n_ids, int final, void *out,
                                           size_t max_bytes, size_t *out_n_bytes) {
    size_t need, np, total, hold, i;
    unsigned char *o = (unsigned char *)out;
    tt_status st;
    if (!tok || !dec || !out || !out_n_bytes || dec->n_pending < 0 || dec->n_pending > 3) return TT_ERR_INVALID_ARG;
    st = tt_tokenizer_decode(tok, ids, n_ids, NULL, 0, &need);
    if (st != TT_OK) return st;
    np = (size_t)dec->n_pending;
    if (!tt__add_size(np, need, &total)) { *out_n_bytes = (size_t)-1; return TT_ERR_BUFFER_TOO_SMALL; }
    if (total > max_bytes) { *out_n_bytes = total; return TT_ERR_BUFFER_TOO_SMALL; }
    memcpy(o, dec->pending, np);
    for (i = 0; i < n_ids; i++) {
        memcpy(o + np, tt__tok_bytes(tok, ids[i]), tok->len[ids[i]]);
        np += tok->len[ids[i]];
    }
    hold = final ? 0 : tt__utf8_tail(o, total);
    memcpy(dec->pending, o + total - hold, hold);
    dec->n_pending = (int32_t)hold;
    *out_n_bytes = total - hold;
    return TT_OK;
}

/* ======================================================================
 * Files: own format (TTBP), tiktoken rank files, GPT-2 encoder.json
 * ====================================================================== */

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

/* --- building a vocabulary from token strings (loaders, training) --- */
typedef struct tt__vocab_buf {
    const tt_allocator *a;
    uint32_t *lens;
    size_t n, cap_lens;
    unsigned char *bytes;
    size_t nb, cap_bytes;
} tt__vocab_buf;

TT__PRIVATE int tt__vb_add(tt__vocab_buf *v, const void *p, size_t n) {
    void *lp = v->lens, *bp = v->bytes;
    if (n > 0xFFFFFFFFu) return 0;
    if (!tt__bpe_grow(v->a, &lp, &v->cap_lens, v->n + 1, sizeof(uint32_t))) return 0;
    v->lens = (uint32_t *)lp;
    if (!tt__bpe_grow(v->a, &bp, &v->cap_bytes, v->nb + n, 1)) return 0;
    v->bytes = (unsigned char *)bp;
    v->lens[v->n++] = (uint32_t)n;
    if (n) memcpy(v->bytes + v->nb, p, n);
    v->nb += n;
    return 1;
}
TT__PRIVATE void tt__vb_free(tt__vocab_buf *v) {
    void *lp = v->lens, *bp = v->bytes;
    tt__bpe_release(v->a, &lp, &v->cap_lens, sizeof(uint32_t));
    tt__bpe_release(v->a, &bp, &v->cap_bytes, 1);
    v->lens = NULL;
    v->bytes = NULL;
}

/* append cfg's special tokens to v; INVALID_ARG for bad entries */
TT__PRIVATE tt_status tt__vb_add_specials(tt__vocab_buf *v, const tt_tokenizer_config *cfg) {
    int32_t i;
    if (!cfg || cfg->n_special == 0) return TT_OK;
    if (cfg->n_special < 0 || cfg->n_special > TT_TOKENIZER_MAX_SPECIAL || !cfg->special_tokens)
        return TT_ERR_INVALID_ARG;
    for (i = 0; i < cfg->n_special; i++) {
        const char *sp = cfg->special_tokens[i];
        size_t l;
        if (!sp) return TT_ERR_INVALID_ARG;
        l = strlen(sp);
        if (l == 0 || l > TT_TOKENIZER_MAX_SPECIAL_BYTES) return TT_ERR_INVALID_ARG;
        if (!tt__vb_add(v, sp, l)) return TT_ERR_OUT_OF_MEMORY;
    }
    return TT_OK;
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

/* ======================================================================
 * Training
 * ====================================================================== */

/* word -> count table: open addressing; word bytes live in an arena */
typedef struct tt__wt_slot { uint64_t count, off; uint32_t len, tag; } tt__wt_slot;
typedef struct tt__wtab {
    const tt_allocator *a;
    tt__wt_slot *slots;
    size_t cap, n;           /* cap: power of two (0 = empty table) */
    unsigned char *bytes;
    size_t nb, cap_bytes;
} tt__wtab;

TT__PRIVATE void tt__wt_free(tt__wtab *w) {
    void *p = w->slots, *q = w->bytes;
    tt__bpe_release(w->a, &p, &w->cap, sizeof(tt__wt_slot));
    tt__bpe_release(w->a, &q, &w->cap_bytes, 1);
    w->slots = NULL;
    w->bytes = NULL;
    w->n = w->nb = 0;
}

TT__PRIVATE int tt__wt_rehash(tt__wtab *w, size_t ncap) {
    tt__wt_slot *ns;
    size_t i, bytes;
    if (!ncap || !tt__mul_size(ncap, sizeof(tt__wt_slot), &bytes)) return 0;
    ns = (tt__wt_slot *)tt__alloc(w->a, bytes, 64);
    if (!ns) return 0;
    memset(ns, 0, ncap * sizeof(tt__wt_slot));
    for (i = 0; i < w->cap; i++) {
        tt__wt_slot s = w->slots[i];
        uint64_t h;
        size_t k;
        if (!s.count) continue;
        h = tt__bpe_hash(w->bytes + s.off, s.len);
        k = (size_t)h & (ncap - 1);
        while (ns[k].count) k = (k + 1) & (ncap - 1);
        ns[k] = s;
    }
    if (w->slots) tt__free(w->a, w->slots, w->cap * sizeof(tt__wt_slot));
    w->slots = ns;
    w->cap = ncap;
    return 1;
}

/* add count to word p[0..n) (hash h). Returns 0 when out of memory. */
TT__PRIVATE int tt__wt_add(tt__wtab *w, const unsigned char *p, size_t n, uint64_t h, uint64_t count) {
    size_t k;
    uint32_t tag = (uint32_t)(h >> 32);
    if ((w->n + 1) * 2 > w->cap && !tt__wt_rehash(w, w->cap ? w->cap * 2 : 1024)) return 0;
    k = (size_t)h & (w->cap - 1);
    for (;;) {
        tt__wt_slot *s = &w->slots[k];
        if (!s->count) break;
        if (s->tag == tag && s->len == n && memcmp(w->bytes + s->off, p, n) == 0) {
            s->count += count;
            return 1;
        }
        k = (k + 1) & (w->cap - 1);
    }
    {
        void *q = w->bytes;
        if (!tt__bpe_grow(w->a, &q, &w->cap_bytes, w->nb + n, 1)) return 0;
        w->bytes = (unsigned char *)q;
    }
    memcpy(w->bytes + w->nb, p, n);
    w->slots[k].count = count;
    w->slots[k].off = w->nb;
    w->slots[k].len = (uint32_t)n;
    w->slots[k].tag = tag;
    w->nb += n;
    w->n++;
    return 1;
}

struct tt_tokenizer_trainer {
    tt_allocator alloc;
    tt_logger logger;
    tt_tokenizer_config cfg;   /* copy; special_tokens pointer cleared */
    tt__vocab_buf spec;        /* special token strings */
    uint32_t *spec_off;
    size_t spec_off_bytes;
    unsigned char spec_first[256];
    int32_t split_mode, vocab_size, min_freq;
    tt__exec ex;
    void *pool;
    tt__wtab words;
    int finished;
};

/* first special match in s[pos..end) (longest at a position) */
TT__PRIVATE size_t tt__tr_find_special(const tt_tokenizer_trainer *tr, const unsigned char *s, size_t pos, size_t end,
                                       size_t *mlen) {
    size_t i, k;
    if (tr->spec.n == 0) return end;
    for (i = pos; i < end; i++) {
        size_t bl = 0;
        if (!tr->spec_first[s[i]]) continue;
        for (k = 0; k < tr->spec.n; k++) {
            size_t l = tr->spec.lens[k];
            if (l <= end - i && l > bl && memcmp(s + i, tr->spec.bytes + tr->spec_off[k], l) == 0) bl = l;
        }
        if (bl) { *mlen = bl; return i; }
    }
    return end;
}

/* count the pieces of s[0..n) (no special tokens inside) into w */
TT__PRIVATE int tt__tr_count(tt__wtab *w, int split_mode, const unsigned char *s, size_t n) {
    size_t i = 0, j;
    if (split_mode == TT_SPLIT_NONE) return n == 0 || (n < 0xFFFFFFFFu && tt__wt_add(w, s, n, tt__bpe_hash(s, n), 1));
    while (i < n) {
        j = tt__piece_end(s, i, n);
        if (j - i >= 0xFFFFFFFFu || !tt__wt_add(w, s + i, j - i, tt__bpe_hash(s + i, j - i), 1)) return 0;
        i = j;
    }
    return 1;
}

typedef struct tt__tr_range { size_t a, b; } tt__tr_range;
typedef struct tt__tr_job {
    tt_tokenizer_trainer *tr;
    const unsigned char *s;
    const tt__tr_range *r;
    size_t nr;
    int nt;
    tt__wtab local[TT__MAX_THREADS];
    int ok[TT__MAX_THREADS];
} tt__tr_job;

TT__PRIVATE void tt__tr_task(void *arg, int i) {
    tt__tr_job *j = (tt__tr_job *)arg;
    size_t k;
    j->ok[i] = 1;
    for (k = (size_t)i; k < j->nr && j->ok[i]; k += (size_t)j->nt)
        j->ok[i] = tt__tr_count(&j->local[i], j->tr->split_mode, j->s + j->r[k].a, j->r[k].b - j->r[k].a);
}

TTDEF tt_status tt_tokenizer_trainer_create(const tt_tokenizer_config *cfg, tt_tokenizer_trainer **out) {
    tt_allocator a;
    tt_tokenizer_trainer *tr;
    tt_status st;
    int32_t i;
    size_t k, off = 0;
    if (!cfg || !out) return TT_ERR_INVALID_ARG;
    a = cfg->allocator;
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if (cfg->vocab_size < 256 + (cfg->n_special > 0 ? cfg->n_special : 0) || cfg->vocab_size > TT_MAX_VOCAB ||
        cfg->n_special < 0 || cfg->min_frequency < 0 ||
        (cfg->split_mode != TT_SPLIT_GPT2 && cfg->split_mode != TT_SPLIT_NONE)) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "tt_tokenizer_train: need 256 + n_special <= vocab_size <= TT_MAX_VOCAB and a valid split mode");
        return TT_ERR_INVALID_ARG;
    }
    tr = (tt_tokenizer_trainer *)tt__alloc(&a, sizeof(*tr), 64);
    if (!tr) return TT_ERR_OUT_OF_MEMORY;
    memset(tr, 0, sizeof(*tr));
    tr->alloc = a;
    tr->logger = cfg->logger;
    tr->cfg = *cfg;
    tr->cfg.special_tokens = NULL;
    tr->cfg.n_special = 0;
    tr->split_mode = cfg->split_mode;
    tr->vocab_size = cfg->vocab_size;
    tr->min_freq = cfg->min_frequency > 0 ? cfg->min_frequency : 2;
    tr->spec.a = &tr->alloc;
    tr->words.a = &tr->alloc;
    st = tt__vb_add_specials(&tr->spec, cfg);
    if (st == TT_OK && tr->spec.n) {
        tr->spec_off_bytes = tr->spec.n * sizeof(uint32_t);
        tr->spec_off = (uint32_t *)tt__alloc(&a, tr->spec_off_bytes, 16);
        if (!tr->spec_off) st = TT_ERR_OUT_OF_MEMORY;
        for (k = 0; st == TT_OK && k < tr->spec.n; k++) {
            tr->spec_off[k] = (uint32_t)off;
            off += tr->spec.lens[k];
            tr->spec_first[tr->spec.bytes[tr->spec_off[k]]] = 1;
        }
        for (k = 0; st == TT_OK && k < tr->spec.n; k++)
            for (i = 0; (size_t)i < k; i++)
                if (tr->spec.lens[i] == tr->spec.lens[k] &&
                    memcmp(tr->spec.bytes + tr->spec_off[i], tr->spec.bytes + tr->spec_off[k], tr->spec.lens[k]) == 0)
                    st = TT_ERR_INVALID_ARG; /* duplicate special token */
    }
    if (st == TT_OK) st = tt__bpe_exec_start(cfg, &a, &tr->ex, &tr->pool);
    if (st != TT_OK) {
        tt__vb_free(&tr->spec);
        if (tr->spec_off) tt__free(&a, tr->spec_off, tr->spec_off_bytes);
        tt__free(&a, tr, sizeof(*tr));
        return st;
    }
    *out = tr;
    return TT_OK;
}

TTDEF void tt_tokenizer_trainer_destroy(tt_tokenizer_trainer *tr) {
    tt_allocator a;
    if (!tr) return;
    a = tr->alloc;
    tt__bpe_exec_stop(&a, &tr->ex, &tr->pool);
    tt__wt_free(&tr->words);
    tt__vb_free(&tr->spec);
    if (tr->spec_off) tt__free(&a, tr->spec_off, tr->spec_off_bytes);
    tt__free(&a, tr, sizeof(*tr));
}

#define TT__TR_CHUNK ((size_t)1 << 19)

TTDEF tt_status tt_tokenizer_trainer_feed(tt_tokenizer_trainer *tr, const void *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    tt__tr_range *r = NULL;
    size_t nr = 0, cap_r = 0, pos = 0;
    tt_status st = TT_OK;
    int k;
    if (!tr || (!text && n) || tr->finished) return TT_ERR_INVALID_ARG;
    /* segments between special tokens, cut further at safe points */
    while (pos < n && st == TT_OK) {
        size_t ml = 0, m = tt__tr_find_special(tr, s, pos, n, &ml), a = pos;
        while (a < m) {
            size_t b = m - a > TT__TR_CHUNK && tr->split_mode == TT_SPLIT_GPT2 ? a + TT__TR_CHUNK : m;
            void *q = r;
            while (b < m && !tt__safe_cut(s, b)) b++;
            if (!tt__bpe_grow(&tr->alloc, &q, &cap_r, nr + 1, sizeof(tt__tr_range))) { st = TT_ERR_OUT_OF_MEMORY; break; }
            r = (tt__tr_range *)q;
            r[nr].a = a;
            r[nr].b = b;
            nr++;
            a = b;
        }
        pos = m + ml;
    }
    if (st == TT_OK && (tr->ex.n_threads <= 1 || nr < 2)) {
        size_t i;
        for (i = 0; i < nr && st == TT_OK; i++)
            if (!tt__tr_count(&tr->words, tr->split_mode, s + r[i].a, r[i].b - r[i].a)) st = TT_ERR_OUT_OF_MEMORY;
    } else if (st == TT_OK) {
        tt__tr_job *j = (tt__tr_job *)tt__alloc(&tr->alloc, sizeof(tt__tr_job), 64);
        if (!j) st = TT_ERR_OUT_OF_MEMORY;
        else {
            memset(j, 0, sizeof(*j));
            j->tr = tr; j->s = s; j->r = r; j->nr = nr;
            j->nt = tr->ex.n_threads;
            for (k = 0; k < j->nt; k++) j->local[k].a = &tr->alloc;
            tt__parallel_for(&tr->ex, j->nt, tt__tr_task, j);
            /* merge in task order (counts add up the same in any order) */
            for (k = 0; k < j->nt; k++) {
                tt__wtab *w = &j->local[k];
                size_t i;
                if (!j->ok[k]) st = TT_ERR_OUT_OF_MEMORY;
                for (i = 0; i < w->cap && st == TT_OK; i++) {
                    const tt__wt_slot *sl = &w->slots[i];
                    if (!sl->count) continue;
                    if (!tt__wt_add(&tr->words, w->bytes + sl->off, sl->len, tt__bpe_hash(w->bytes + sl->off, sl->len),
                                    sl->count))
                        st = TT_ERR_OUT_OF_MEMORY;
                }
                tt__wt_free(w);
            }
            tt__free(&tr->alloc, j, sizeof(tt__tr_job));
        }
    }
    if (r) tt__free(&tr->alloc, r, cap_r * sizeof(tt__tr_range));
    if (st != TT_OK) tt__log(&tr->logger, TT_LOG_ERROR, st, "tt_tokenizer_trainer_feed: out of memory");
    return st;
}

/* --- the merge loop --- */
typedef struct tt__pair {
    int64_t count;
    int32_t a, b;
    int32_t head, tail;      /* occurrence blocks (-1 = none) */
    int32_t last_word;       /* last word appended (avoids repeats) */
    int32_t stamp;           /* merge step that last raised the count */
    int32_t tail_fill;       /* words used in the tail block */
    int32_t banned;          /* merged token would be too long */
} tt__pair;

#define TT__OCC_N 7
typedef struct tt__occ { int32_t w[TT__OCC_N]; int32_t next; } tt__occ;
typedef struct tt__heap_ent { int64_t count; int32_t pair, pad; } tt__heap_ent;

typedef struct tt__merger {
    const tt_allocator *a;
    tt__pair *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *pmap;          /* pair index + 1, 0 = empty; keyed by (a, b) */
    size_t pmap_cap;
    tt__occ *occ;
    size_t n_occ, cap_occ;
    int32_t free_occ;
    tt__heap_ent *heap;
    size_t n_heap, cap_heap;
    int32_t *touched;
    size_t n_touched, cap_touched;
    int32_t step;
} tt__merger;

TT__PRIVATE uint64_t tt__pair_hash(int32_t a, int32_t b) {
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

TT__PRIVATE int tt__pmap_rehash(tt__merger *m, size_t ncap) {
    uint32_t *nm;
    size_t i, bytes;
    if (!ncap || !tt__mul_size(ncap, sizeof(uint32_t), &bytes)) return 0;
    nm = (uint32_t *)tt__alloc(m->a, bytes, 64);
    if (!nm) return 0;
    memset(nm, 0, ncap * sizeof(uint32_t));
    for (i = 0; i < m->n_pairs; i++) {
        size_t k = (size_t)tt__pair_hash(m->pairs[i].a, m->pairs[i].b) & (ncap - 1);
        while (nm[k]) k = (k + 1) & (ncap - 1);
        nm[k] = (uint32_t)i + 1;
    }
    if (m->pmap) tt__free(m->a, m->pmap, m->pmap_cap * sizeof(uint32_t));
    m->pmap = nm;
    m->pmap_cap = ncap;
    return 1;
}

/* index of pair (a, b), created with count 0 if create; -1 if absent or
 * (create only) out of memory. Only a create may grow the table: a lookup
 * that failed to grow it would read as "absent" and drop a count. The load
 * stays <= 1/2, so a probe always reaches an empty slot. */
TT__PRIVATE int32_t tt__pair_get(tt__merger *m, int32_t a, int32_t b, int create) {
    size_t k;
    if (!m->pmap_cap && !create) return -1;
    if (create && (m->n_pairs + 1) * 2 > m->pmap_cap && !tt__pmap_rehash(m, m->pmap_cap ? m->pmap_cap * 2 : 4096))
        return -1;
    k = (size_t)tt__pair_hash(a, b) & (m->pmap_cap - 1);
    for (;;) {
        uint32_t v = m->pmap[k];
        if (!v) break;
        if (m->pairs[v - 1].a == a && m->pairs[v - 1].b == b) return (int32_t)(v - 1);
        k = (k + 1) & (m->pmap_cap - 1);
    }
    if (!create) return -1;
    {
        void *q = m->pairs;
        tt__pair *p;
        if (m->n_pairs >= 0x7FFFFFF0u || !tt__bpe_grow(m->a, &q, &m->cap_pairs, m->n_pairs + 1, sizeof(tt__pair))) return -1;
        m->pairs = (tt__pair *)q;
        p = &m->pairs[m->n_pairs];
        memset(p, 0, sizeof(*p));
        p->a = a;
        p->b = b;
        p->head = p->tail = p->last_word = -1;
        p->stamp = -1;
        m->pmap[k] = (uint32_t)m->n_pairs + 1;
        return (int32_t)m->n_pairs++;
    }
}

TT__PRIVATE int tt__occ_append(tt__merger *m, tt__pair *p, int32_t w) {
    int32_t blk;
    if (p->last_word == w) return 1;
    p->last_word = w;
    if (p->tail >= 0 && p->tail_fill < TT__OCC_N) {
        m->occ[p->tail].w[p->tail_fill++] = w;
        return 1;
    }
    if (m->free_occ >= 0) {
        blk = m->free_occ;
        m->free_occ = m->occ[blk].next;
    } else {
        void *q = m->occ;
        if (m->n_occ >= 0x7FFFFFF0u || !tt__bpe_grow(m->a, &q, &m->cap_occ, m->n_occ + 1, sizeof(tt__occ))) return 0;
        m->occ = (tt__occ *)q;
        blk = (int32_t)m->n_occ++;
    }
    m->occ[blk].next = -1;
    m->occ[blk].w[0] = w;
    if (p->tail >= 0) m->occ[p->tail].next = blk;
    else p->head = blk;
    p->tail = blk;
    p->tail_fill = 1;
    return 1;
}

/* max-heap order: higher count first, then smaller left id, then right id */
TT__PRIVATE int tt__hbetter(const tt__merger *m, const tt__heap_ent *x, const tt__heap_ent *y) {
    const tt__pair *px, *py;
    if (x->count != y->count) return x->count > y->count;
    px = &m->pairs[x->pair];
    py = &m->pairs[y->pair];
    if (px->a != py->a) return px->a < py->a;
    return px->b < py->b;
}

TT__PRIVATE int tt__hpush(tt__merger *m, int32_t pair) {
    tt__heap_ent e;
    size_t i;
    void *q = m->heap;
    if (!tt__bpe_grow(m->a, &q, &m->cap_heap, m->n_heap + 1, sizeof(tt__heap_ent))) return 0;
    m->heap = (tt__heap_ent *)q;
    e.count = m->pairs[pair].count;
    e.pair = pair;
    e.pad = 0;
    i = m->n_heap++;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (!tt__hbetter(m, &e, &m->heap[par])) break;
        m->heap[i] = m->heap[par];
        i = par;
    }
    m->heap[i] = e;
    return 1;
}

TT__PRIVATE tt__heap_ent tt__hpop(tt__merger *m) {
    tt__heap_ent top = m->heap[0], e = m->heap[--m->n_heap];
    size_t i = 0, n = m->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && tt__hbetter(m, &m->heap[c + 1], &m->heap[c])) c++;
        if (!tt__hbetter(m, &m->heap[c], &e)) break;
        m->heap[i] = m->heap[c];
        i = c;
    }
    if (n) m->heap[i] = e;
    return top;
}

/* pair (x, y) count += d; on increase remember word w and the pair */
TT__PRIVATE int tt__pair_delta(tt__merger *m, int32_t x, int32_t y, int64_t d, int32_t w) {
    int32_t pi = tt__pair_get(m, x, y, d > 0);
    tt__pair *p;
    if (pi < 0) return d <= 0; /* a decrement of a missing pair cannot happen */
    p = &m->pairs[pi];
    p->count += d;
    if (d > 0) {
        if (!tt__occ_append(m, p, w)) return 0;
        if (p->stamp != m->step) {
            void *q = m->touched;
            p->stamp = m->step;
            if (!tt__bpe_grow(m->a, &q, &m->cap_touched, m->n_touched + 1, sizeof(int32_t))) return 0;
            m->touched = (int32_t *)q;
            m->touched[m->n_touched++] = pi;
        }
    }
    return 1;
}

TT__PRIVATE void tt__merger_free(tt__merger *m) {
    void *p;
    p = m->pairs; tt__bpe_release(m->a, &p, &m->cap_pairs, sizeof(tt__pair));
    if (m->pmap) tt__free(m->a, m->pmap, m->pmap_cap * sizeof(uint32_t));
    p = m->occ; tt__bpe_release(m->a, &p, &m->cap_occ, sizeof(tt__occ));
    p = m->heap; tt__bpe_release(m->a, &p, &m->cap_heap, sizeof(tt__heap_ent));
    p = m->touched; tt__bpe_release(m->a, &p, &m->cap_touched, sizeof(int32_t));
}

/* token bytes -> id map for the vocabulary being built (detects merges
 * whose bytes already exist) */
typedef struct tt__tmap { uint32_t *slot; size_t cap; } tt__tmap;

TT__PRIVATE int32_t tt__tmap_find(const tt__tmap *tm, const tt__vocab_buf *v, const uint64_t *voff,
                                  const unsigned char *p, size_t n, uint64_t h) {
    size_t k = (size_t)h & (tm->cap - 1);
    for (;;) {
        uint32_t s = tm->slot[k];
        if (!s) return -1;
        if (v->lens[s - 1] == n && memcmp(v->bytes + voff[s - 1], p, n) == 0) return (int32_t)(s - 1);
        k = (k + 1) & (tm->cap - 1);
    }
}
TT__PRIVATE void tt__tmap_put(tt__tmap *tm, uint64_t h, int32_t id) {
    size_t k = (size_t)h & (tm->cap - 1);
    while (tm->slot[k]) k = (k + 1) & (tm->cap - 1);
    tm->slot[k] = (uint32_t)id + 1;
}

TTDEF tt_status tt_tokenizer_trainer_finish(tt_tokenizer_trainer *tr, tt_tokenizer **out) {
    const tt_allocator *a;
    tt__merger m;
    tt__vocab_buf v;
    tt__tmap tm;
    uint64_t *voff = NULL, *w_off = NULL, *w_cnt = NULL;
    uint32_t *w_len = NULL;
    int32_t *sym = NULL, *w_stamp = NULL;
    size_t nw = 0, nsym = 0, i, k, cap_voff = 0;
    size_t b_woff = 0, b_wcnt = 0, b_wlen = 0, b_sym = 0, b_wst = 0;
    int32_t n_merges, n_done = 0, n_tok;
    tt_status st = TT_OK;
    if (!tr || !out || tr->finished) return TT_ERR_INVALID_ARG;
    tr->finished = 1;
    a = &tr->alloc;
    memset(&m, 0, sizeof(m));
    memset(&v, 0, sizeof(v));
    memset(&tm, 0, sizeof(tm));
    m.a = a;
    m.free_occ = -1;
    v.a = a;
    n_merges = tr->vocab_size - 256 - (int32_t)tr->spec.n;

    /* words as symbol arrays (byte ids 0..255) */
    nw = tr->words.n;
    nsym = tr->words.nb;
    /* word indices are int32 (occurrence lists); byte counts may not wrap */
    if (nw >= 0x7FFFFFF0u || !tt__mul_size(nw + 1, sizeof(uint64_t), &b_woff) ||
        !tt__mul_size(nsym + 1, sizeof(int32_t), &b_sym)) {
        st = TT_ERR_OUT_OF_MEMORY;
    } else {
        b_wcnt = b_woff;
        b_wlen = (nw + 1) * sizeof(uint32_t);
        b_wst = (nw + 1) * sizeof(int32_t);
        w_off = (uint64_t *)tt__alloc(a, b_woff, 64);
        w_cnt = (uint64_t *)tt__alloc(a, b_wcnt, 64);
        w_len = (uint32_t *)tt__alloc(a, b_wlen, 64);
        sym = (int32_t *)tt__alloc(a, b_sym, 64);
        w_stamp = (int32_t *)tt__alloc(a, b_wst, 64);
        if (!w_off || !w_cnt || !w_len || !sym || !w_stamp) st = TT_ERR_OUT_OF_MEMORY;
    }
    if (st == TT_OK) {
        size_t j = 0, o = 0;
        for (i = 0; i < tr->words.cap; i++) {
            const tt__wt_slot *sl = &tr->words.slots[i];
            if (!sl->count) continue;
            w_off[j] = o;
            w_len[j] = sl->len;
            w_cnt[j] = sl->count;
            w_stamp[j] = -1;
            for (k = 0; k < sl->len; k++) sym[o + k] = tr->words.bytes[sl->off + k];
            o += sl->len;
            j++;
        }
        /* the word table is no longer needed */
        tt__wt_free(&tr->words);
    }
    /* vocabulary: 256 bytes */
    for (i = 0; i < 256 && st == TT_OK; i++) {
        unsigned char c = (unsigned char)i;
        if (!tt__vb_add(&v, &c, 1)) st = TT_ERR_OUT_OF_MEMORY;
    }
    if (st == TT_OK) {
        tm.cap = 1024;
        while (tm.cap < (size_t)tr->vocab_size * 2) tm.cap *= 2;
        tm.slot = (uint32_t *)tt__alloc(a, tm.cap * sizeof(uint32_t), 64);
        void *q = NULL;
        if (tm.slot && tt__bpe_grow(a, &q, &cap_voff, (size_t)tr->vocab_size + 1, sizeof(uint64_t))) voff = (uint64_t *)q;
        if (!tm.slot || !voff)
            st = TT_ERR_OUT_OF_MEMORY;
        else {
            memset(tm.slot, 0, tm.cap * sizeof(uint32_t));
            for (i = 0; i < 256; i++) {
                voff[i] = i;
                tt__tmap_put(&tm, tt__bpe_hash(v.bytes + i, 1), (int32_t)i);
            }
        }
    }
    /* initial pair counts and occurrence lists */
    for (i = 0; i < nw && st == TT_OK; i++) {
        const int32_t *s = sym + w_off[i];
        for (k = 0; k + 1 < w_len[i]; k++) {
            int32_t pi = tt__pair_get(&m, s[k], s[k + 1], 1);
            if (pi < 0 || !tt__occ_append(&m, &m.pairs[pi], (int32_t)i)) { st = TT_ERR_OUT_OF_MEMORY; break; }
            m.pairs[pi].count += (int64_t)w_cnt[i];
        }
    }
    for (i = 0; i < m.n_pairs && st == TT_OK; i++)
        if (m.pairs[i].count >= tr->min_freq && !tt__hpush(&m, (int32_t)i)) st = TT_ERR_OUT_OF_MEMORY;
    if (st == TT_OK && tr->cfg.progress && tr->cfg.progress(tr->cfg.progress_user, 0, (uint64_t)n_merges))
        st = TT_ERR_CANCELLED;

    n_tok = 256;
    while (st == TT_OK && n_done < n_merges && m.n_heap) {
        tt__heap_ent e = tt__hpop(&m);
        tt__pair *p = &m.pairs[e.pair];
        int32_t pa, pb, t, blk;
        size_t la, lb;
        uint64_t h;
        if (p->count != e.count) {
            /* stale: lower now (re-score) or a fresher entry exists */
            if (p->count < e.count && p->count >= tr->min_freq && !p->banned && !tt__hpush(&m, e.pair))
                st = TT_ERR_OUT_OF_MEMORY;
            continue;
        }
        if (e.count < tr->min_freq) break;
        if (p->banned) continue;
        pa = p->a;
        pb = p->b;
        la = v.lens[pa];
        lb = v.lens[pb];
        if (la + lb > TT_TOKENIZER_MAX_TOKEN_BYTES) { p->banned = 1; continue; }
        /* the new token's bytes */
        {
            unsigned char *nb;
            void *q = v.bytes;
            if (!tt__bpe_grow(a, &q, &v.cap_bytes, v.nb + la + lb, 1)) { st = TT_ERR_OUT_OF_MEMORY; break; }
            v.bytes = (unsigned char *)q;
            nb = v.bytes + v.nb;
            memcpy(nb, v.bytes + voff[pa], la);
            memcpy(nb + la, v.bytes + voff[pb], lb);
            h = tt__bpe_hash(nb, la + lb);
            t = tt__tmap_find(&tm, &v, voff, nb, la + lb, h);
            if (t < 0) {
                size_t off = v.nb;
                if (!tt__vb_add(&v, nb, 0)) { st = TT_ERR_OUT_OF_MEMORY; break; }
                v.lens[v.n - 1] = (uint32_t)(la + lb);
                v.nb = off + la + lb;
                t = n_tok++;
                voff[t] = off;
                tt__tmap_put(&tm, h, t);
                n_done++;
            }
        }
        /* apply the merge inside every word that holds the pair */
        m.step++;
        m.n_touched = 0;
        for (blk = p->head; blk >= 0 && st == TT_OK; blk = m.occ[blk].next) {
            int32_t nin = m.occ[blk].next >= 0 ? TT__OCC_N : m.pairs[e.pair].tail_fill, q;
            for (q = 0; q < nin && st == TT_OK; q++) {
                int32_t w = m.occ[blk].w[q];
                int32_t *s;
                uint32_t n, r = 0, o = 0;
                int64_t f;
                if (w_stamp[w] == m.step) continue;
                w_stamp[w] = m.step;
                s = sym + w_off[w];
                n = w_len[w];
                f = (int64_t)w_cnt[w];
                while (r < n) {
                    if (r + 1 < n && s[r] == pa && s[r + 1] == pb) {
                        if (o > 0 && (!tt__pair_delta(&m, s[o - 1], pa, -f, w) || !tt__pair_delta(&m, s[o - 1], t, f, w))) {
                            st = TT_ERR_OUT_OF_MEMORY;
                            break;
                        }
                        if (r + 2 < n && (!tt__pair_delta(&m, pb, s[r + 2], -f, w) || !tt__pair_delta(&m, t, s[r + 2], f, w))) {
                            st = TT_ERR_OUT_OF_MEMORY;
                            break;
                        }
                        m.pairs[e.pair].count -= f;
                        s[o++] = t;
                        r += 2;
                    } else {
                        s[o++] = s[r++];
                    }
                }
                w_len[w] = o;
            }
        }
        if (st != TT_OK) break;
        /* the merged pair is gone; recycle its occurrence blocks */
        p = &m.pairs[e.pair];
        if (p->tail >= 0) {
            m.occ[p->tail].next = m.free_occ;
            m.free_occ = p->head;
        }
        p->head = p->tail = p->last_word = -1;
        p->tail_fill = 0;
        p->count = 0;
        for (i = 0; i < m.n_touched && st == TT_OK; i++) {
            int32_t pi = m.touched[i];
            if (m.pairs[pi].count >= tr->min_freq && !tt__hpush(&m, pi)) st = TT_ERR_OUT_OF_MEMORY;
        }
        if (st == TT_OK && tr->cfg.progress && (n_done % 1024 == 0 || n_done == n_merges) &&
            tr->cfg.progress(tr->cfg.progress_user, (uint64_t)n_done, (uint64_t)n_merges))
            st = TT_ERR_CANCELLED;
    }
    if (st == TT_OK && tr->cfg.progress && n_done < n_merges &&
        tr->cfg.progress(tr->cfg.progress_user, (uint64_t)n_done, (uint64_t)n_merges))
        st = TT_ERR_CANCELLED;
    if (st == TT_OK && n_done < n_merges)
        tt__logf(&tr->logger, TT_LOG_INFO, TT_OK, "tt_tokenizer_train: no pair reaches min_frequency; merges: ", n_done);
    /* special tokens after the merges */
    for (i = 0; i < tr->spec.n && st == TT_OK; i++)
        if (!tt__vb_add(&v, tr->spec.bytes + tr->spec_off[i], tr->spec.lens[i])) st = TT_ERR_OUT_OF_MEMORY;
    if (st == TT_OK) {
        tt_tokenizer_config c = tr->cfg;
        st = tt__tok_build(&c, (int32_t)v.n, (int32_t)tr->spec.n, tr->split_mode, v.lens, v.bytes, v.nb, out);
        if (st == TT_ERR_BAD_FORMAT) st = TT_ERR_INVALID_ARG;
    }
    if (st == TT_ERR_OUT_OF_MEMORY) tt__log(&tr->logger, TT_LOG_ERROR, st, "tt_tokenizer_train: out of memory");
    tt__merger_free(&m);
    tt__vb_free(&v);
    if (tm.slot) tt__free(a, tm.slot, tm.cap * sizeof(uint32_t));
    if (voff) tt__free(a, voff, cap_voff * sizeof(uint64_t));
    if (w_off) tt__free(a, w_off, b_woff);
    if (w_cnt) tt__free(a, w_cnt, b_wcnt);
    if (w_len) tt__free(a, w_len, b_wlen);
    if (sym) tt__free(a, sym, b_sym);
    if (w_stamp) tt__free(a, w_stamp, b_wst);
    return st;
}

TTDEF tt_status tt_tokenizer_train(const tt_tokenizer_config *cfg, const void *text, size_t n, tt_tokenizer **out) {
    tt_tokenizer_trainer *tr = NULL;
    tt_status st;
    if (!cfg || (!text && n) || !out) return TT_ERR_INVALID_ARG;
    if ((st = tt_tokenizer_trainer_create(cfg, &tr)) != TT_OK) return st;
    st = tt_tokenizer_trainer_feed(tr, text, n);
    if (st == TT_OK) st = tt_tokenizer_trainer_finish(tr, out);
    tt_tokenizer_trainer_destroy(tr);
    return st;
}
