/* >>bpe  byte-level BPE tokenizer: the tokenizer object, encode (short and
 * long pieces, threaded, streaming) and decode. The pre-tokenizer is in
 * tt_pretok.c, file formats in tt_bpe_files.c, training in tt_bpe_train.c. */
#include "tt_internal.h"
#include "tt_bpe_internal.h"

/* ======================================================================
 * Growable arrays
 * ====================================================================== */

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

/* ======================================================================
 * The tokenizer object
 * ====================================================================== */

TT__PRIVATE const unsigned char *tt__tok_bytes(const tt_tokenizer *t, int32_t id) { return t->blob + t->off[id]; }

TT__PRIVATE int32_t tt__tok_lookup_h(const tt_tokenizer *t, const unsigned char *p, size_t n, uint64_t h) {
    tt__hprobe pr;
    uint32_t id;
    tt__hash_begin(&t->ht, h, &pr);
    while ((id = tt__hash_probe(&t->ht, &pr)) != TT__HASH_EMPTY)
        if (t->len[id] == n && memcmp(t->blob + t->off[id], p, n) == 0) return (int32_t)id;
    return -1;
}
TT__PRIVATE int32_t tt__tok_lookup(const tt_tokenizer *t, const unsigned char *p, size_t n) {
    if (n == 1) return t->byte_id[p[0]];
    if (n > t->max_len) return -1;
    return tt__tok_lookup_h(t, p, n, tt__hash_bytes(p, n));
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
    o_ht = tt__plan_take(&plan, nslots, sizeof(tt__hslot));
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
    t->ht.slot = (tt__hslot *)(base + o_ht);
    t->ht.mask = nslots - 1;
    if (blob_bytes) memcpy(t->blob, blob, (size_t)blob_bytes);
    sum = 0;
    for (i = 0; i < vocab; i++) {
        t->off[i] = (uint32_t)sum;
        t->len[i] = lens[i];
        sum += lens[i];
    }
    for (i = 0; i < 256; i++) t->byte_id[i] = -1;
    tt__hash_clear(&t->ht);
    st = TT_OK;
    for (i = 0; i < n_ranked && st == TT_OK; i++) {
        const unsigned char *p = t->blob + t->off[i];
        size_t n = t->len[i];
        tt__hprobe pr;
        uint32_t id;
        tt__hash_begin(&t->ht, tt__hash_bytes(p, n), &pr);
        while ((id = tt__hash_probe(&t->ht, &pr)) != TT__HASH_EMPTY)
            if (t->len[id] == n && memcmp(t->blob + t->off[id], p, n) == 0) break;
        if (id != TT__HASH_EMPTY) { st = TT_ERR_BAD_FORMAT; break; }
        tt__hash_put(&t->ht, &pr, (uint32_t)i);
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
 * Building a vocabulary from token strings (loaders, training)
 * ====================================================================== */

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

/* min-heap order of (rank << 32 | start) keys */
TT__PRIVATE int tt__key_less(const void *ctx, const void *x, const void *y) {
    (void)ctx;
    return *(const uint64_t *)x < *(const uint64_t *)y;
}

TT__PRIVATE void tt__bpe_merge_long(tt__enc *e, const unsigned char *p, size_t n) {
    const tt_tokenizer *t = e->t;
    tt__bpe_node *nd;
    tt__heap heap;
    uint64_t k;
    size_t need, cap_heap, i;
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
    memset(&heap, 0, sizeof(heap));
    heap.base = e->scratch;
    heap.cap = cap_heap;
    heap.elem = sizeof(uint64_t);
    nd = (tt__bpe_node *)(void *)((uint64_t *)e->scratch + cap_heap);
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
            k = ((uint64_t)r << 32) | i;
            tt__heap_push(&heap, &k, tt__key_less, NULL);
        }
    }
    while (heap.n) {
        uint32_t a, b, c;
        int32_t r;
        tt__heap_pop(&heap, &k, tt__key_less, NULL);
        a = (uint32_t)k;
        r = (int32_t)(k >> 32);
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
                k = ((uint64_t)r2 << 32) | a;
                tt__heap_push(&heap, &k, tt__key_less, NULL);
            }
        }
        if (a > 0) {
            uint32_t z = nd[a].prev;
            int32_t r3 = tt__tok_lookup(t, p + z, c - z);
            nd[z].rank = r3 < 0 ? TT__RANK_NONE : r3;
            if (r3 >= 0) {
                k = ((uint64_t)r3 << 32) | z;
                tt__heap_push(&heap, &k, tt__key_less, NULL);
            }
        }
    }
    for (cur = 0; cur < n; cur = nd[cur].next) tt__emit(e, nd[cur].id);
}

TT__PRIVATE void tt__encode_piece(tt__enc *e, const unsigned char *p, size_t n) {
    int32_t id;
    if (n == 1) { tt__emit(e, e->t->byte_id[p[0]]); return; }
    id = n > e->t->max_len ? -1 : tt__tok_lookup_h(e->t, p, n, tt__hash_bytes(p, n));
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
