/* >>bpe_train  byte-level BPE training: pieces counted into a word table
 * (threaded feed), then merges of the most frequent pair with incremental
 * pair counts, occurrence lists and a heap of candidate pairs */
#include "tt_internal.h"
#include "tt_bpe_internal.h"

/* ======================================================================
 * Counting words
 * ====================================================================== */

/* word -> count table: the words in the order first seen, their bytes in
 * an arena, found through a hash probe (items: word indices) */
typedef struct tt__word { uint64_t count, off; uint32_t len, pad; } tt__word;
typedef struct tt__wtab {
    const tt_allocator *a;
    tt__htab ht;             /* mask + 1 slots, a power of two (slot NULL: no table yet) */
    tt__word *w;
    size_t n, cap_w;
    unsigned char *bytes;
    size_t nb, cap_bytes;
} tt__wtab;

TT__PRIVATE void tt__wt_free(tt__wtab *w) {
    void *p = w->w, *q = w->bytes;
    if (w->ht.slot) tt__free(w->a, w->ht.slot, (w->ht.mask + 1) * sizeof(tt__hslot));
    w->ht.slot = NULL;
    w->ht.mask = 0;
    tt__bpe_release(w->a, &p, &w->cap_w, sizeof(tt__word));
    tt__bpe_release(w->a, &q, &w->cap_bytes, 1);
    w->w = NULL;
    w->bytes = NULL;
    w->n = w->nb = 0;
}

/* new slots (ncap, a power of two) with every word put back */
TT__PRIVATE int tt__wt_rehash(tt__wtab *w, size_t ncap) {
    tt__htab nt;
    size_t i, bytes;
    if (!tt__mul_size(ncap, sizeof(tt__hslot), &bytes)) return 0;
    nt.slot = (tt__hslot *)tt__alloc(w->a, bytes, 64);
    if (!nt.slot) return 0;
    nt.mask = ncap - 1;
    tt__hash_clear(&nt);
    for (i = 0; i < w->n; i++)
        tt__hash_insert(&nt, tt__hash_bytes(w->bytes + w->w[i].off, w->w[i].len), (uint32_t)i);
    if (w->ht.slot) tt__free(w->a, w->ht.slot, (w->ht.mask + 1) * sizeof(tt__hslot));
    w->ht = nt;
    return 1;
}

/* add count to word p[0..n) (hash h). Returns 0 when out of memory. */
TT__PRIVATE int tt__wt_add(tt__wtab *w, const unsigned char *p, size_t n, uint64_t h, uint64_t count) {
    size_t cap = w->ht.slot ? w->ht.mask + 1 : 0;
    tt__hprobe pr;
    uint32_t it;
    void *q;
    if ((w->n + 1) * 2 > cap && !tt__wt_rehash(w, cap ? cap * 2 : 1024)) return 0;
    tt__hash_begin(&w->ht, h, &pr);
    while ((it = tt__hash_probe(&w->ht, &pr)) != TT__HASH_EMPTY)
        if (w->w[it].len == n && memcmp(w->bytes + w->w[it].off, p, n) == 0) {
            w->w[it].count += count;
            return 1;
        }
    if (w->n >= 0x7FFFFFF0u) return 0; /* word indices are int32 in the merge loop */
    q = w->w;
    if (!tt__bpe_grow(w->a, &q, &w->cap_w, w->n + 1, sizeof(tt__word))) return 0;
    w->w = (tt__word *)q;
    q = w->bytes;
    if (!tt__bpe_grow(w->a, &q, &w->cap_bytes, w->nb + n, 1)) return 0;
    w->bytes = (unsigned char *)q;
    memcpy(w->bytes + w->nb, p, n);
    w->w[w->n].count = count;
    w->w[w->n].off = w->nb;
    w->w[w->n].len = (uint32_t)n;
    w->w[w->n].pad = 0;
    tt__hash_put(&w->ht, &pr, (uint32_t)w->n);
    w->nb += n;
    w->n++;
    return 1;
}

/* ======================================================================
 * The trainer object and feeding text
 * ====================================================================== */

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
    if (split_mode == TT_SPLIT_NONE) return n == 0 || (n < 0xFFFFFFFFu && tt__wt_add(w, s, n, tt__hash_bytes(s, n), 1));
    while (i < n) {
        j = tt__piece_end(s, i, n);
        if (j - i >= 0xFFFFFFFFu || !tt__wt_add(w, s + i, j - i, tt__hash_bytes(s + i, j - i), 1)) return 0;
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
                for (i = 0; i < w->n && st == TT_OK; i++) {
                    const tt__word *wd = &w->w[i];
                    if (!tt__wt_add(&tr->words, w->bytes + wd->off, wd->len, tt__hash_bytes(w->bytes + wd->off, wd->len),
                                    wd->count))
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

/* ======================================================================
 * The merge loop
 * ====================================================================== */

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
    tt__htab pmap;           /* pairs by (a, b) (items: pair indices; slot NULL: none yet) */
    tt__occ *occ;
    size_t n_occ, cap_occ;
    int32_t free_occ;
    tt__heap heap;           /* tt__heap_ent in tt__pair_before order: most frequent first */
    int32_t *touched;
    size_t n_touched, cap_touched;
    int32_t step;
} tt__merger;

TT__PRIVATE uint64_t tt__pair_hash(int32_t a, int32_t b) {
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* heap order: higher count first, then smaller left id, then right id */
TT__PRIVATE int tt__pair_before(const void *ctx, const void *x, const void *y) {
    const tt__merger *m = (const tt__merger *)ctx;
    const tt__heap_ent *ex = (const tt__heap_ent *)x, *ey = (const tt__heap_ent *)y;
    const tt__pair *px, *py;
    if (ex->count != ey->count) return ex->count > ey->count;
    px = &m->pairs[ex->pair];
    py = &m->pairs[ey->pair];
    if (px->a != py->a) return px->a < py->a;
    return px->b < py->b;
}

TT__PRIVATE void tt__merger_init(tt__merger *m, const tt_allocator *a) {
    memset(m, 0, sizeof(*m));
    m->a = a;
    m->free_occ = -1;
    m->heap.elem = sizeof(tt__heap_ent);
}

TT__PRIVATE void tt__merger_free(tt__merger *m) {
    void *p;
    p = m->pairs; tt__bpe_release(m->a, &p, &m->cap_pairs, sizeof(tt__pair));
    if (m->pmap.slot) tt__free(m->a, m->pmap.slot, (m->pmap.mask + 1) * sizeof(tt__hslot));
    p = m->occ; tt__bpe_release(m->a, &p, &m->cap_occ, sizeof(tt__occ));
    p = m->heap.base; tt__bpe_release(m->a, &p, &m->heap.cap, sizeof(tt__heap_ent));
    p = m->touched; tt__bpe_release(m->a, &p, &m->cap_touched, sizeof(int32_t));
}

TT__PRIVATE int tt__pmap_rehash(tt__merger *m, size_t ncap) {
    tt__htab nt;
    size_t i, bytes;
    if (!tt__mul_size(ncap, sizeof(tt__hslot), &bytes)) return 0;
    nt.slot = (tt__hslot *)tt__alloc(m->a, bytes, 64);
    if (!nt.slot) return 0;
    nt.mask = ncap - 1;
    tt__hash_clear(&nt);
    for (i = 0; i < m->n_pairs; i++) tt__hash_insert(&nt, tt__pair_hash(m->pairs[i].a, m->pairs[i].b), (uint32_t)i);
    if (m->pmap.slot) tt__free(m->a, m->pmap.slot, (m->pmap.mask + 1) * sizeof(tt__hslot));
    m->pmap = nt;
    return 1;
}

/* index of pair (a, b), created with count 0 if create; -1 if absent or
 * (create only) out of memory. Only a create may grow the table: a lookup
 * that failed to grow it would read as "absent" and drop a count. The load
 * stays <= 1/2, so a probe always reaches an empty slot. */
TT__PRIVATE int32_t tt__pair_get(tt__merger *m, int32_t a, int32_t b, int create) {
    size_t cap = m->pmap.slot ? m->pmap.mask + 1 : 0;
    tt__hprobe pr;
    uint32_t it;
    void *q;
    tt__pair *p;
    if (!cap && !create) return -1;
    if (create && (m->n_pairs + 1) * 2 > cap && !tt__pmap_rehash(m, cap ? cap * 2 : 4096)) return -1;
    tt__hash_begin(&m->pmap, tt__pair_hash(a, b), &pr);
    while ((it = tt__hash_probe(&m->pmap, &pr)) != TT__HASH_EMPTY)
        if (m->pairs[it].a == a && m->pairs[it].b == b) return (int32_t)it;
    if (!create) return -1;
    q = m->pairs;
    if (m->n_pairs >= 0x7FFFFFF0u || !tt__bpe_grow(m->a, &q, &m->cap_pairs, m->n_pairs + 1, sizeof(tt__pair))) return -1;
    m->pairs = (tt__pair *)q;
    p = &m->pairs[m->n_pairs];
    memset(p, 0, sizeof(*p));
    p->a = a;
    p->b = b;
    p->head = p->tail = p->last_word = -1;
    p->stamp = -1;
    tt__hash_put(&m->pmap, &pr, (uint32_t)m->n_pairs);
    return (int32_t)m->n_pairs++;
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

/* the pair with its current count into the heap */
TT__PRIVATE int tt__hpush(tt__merger *m, int32_t pair) {
    tt__heap_ent e;
    if (!tt__bpe_grow(m->a, &m->heap.base, &m->heap.cap, m->heap.n + 1, sizeof(tt__heap_ent))) return 0;
    e.count = m->pairs[pair].count;
    e.pair = pair;
    e.pad = 0;
    tt__heap_push(&m->heap, &e, tt__pair_before, m);
    return 1;
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

/* ======================================================================
 * tt_tokenizer_trainer_finish, step by step
 * ====================================================================== */

typedef struct tt__fin {
    tt_tokenizer_trainer *tr;
    const tt_allocator *a;
    tt__merger m;
    tt__vocab_buf v;          /* the vocabulary so far: 256 bytes, then a token per merge */
    uint64_t *voff;           /* per token: offset of its bytes in v.bytes */
    size_t cap_voff;
    tt__htab tm;              /* token bytes -> id (items: ids; slot NULL: none yet) */
    /* the words as symbol arrays: word i is sym[w_off[i] .. + w_len[i]),
     * counted w_cnt[i] times; w_stamp[i]: the merge step that last rewrote it */
    uint64_t *w_off, *w_cnt;
    uint32_t *w_len;
    int32_t *sym, *w_stamp;
    size_t nw, b_woff, b_wlen, b_sym, b_wst;
    int32_t n_merges, n_done, n_tok;
} tt__fin;

/* the counted words as symbol arrays (byte values); frees the word table */
TT__PRIVATE tt_status tt__fin_words(tt__fin *f) {
    tt__wtab *wt = &f->tr->words;
    size_t i, k, o = 0, nw = wt->n;
    /* word indices are int32 (occurrence lists); byte counts may not wrap */
    if (nw >= 0x7FFFFFF0u || !tt__mul_size(nw + 1, sizeof(uint64_t), &f->b_woff) ||
        !tt__mul_size(wt->nb + 1, sizeof(int32_t), &f->b_sym))
        return TT_ERR_OUT_OF_MEMORY;
    f->nw = nw;
    f->b_wlen = (nw + 1) * sizeof(uint32_t);
    f->b_wst = (nw + 1) * sizeof(int32_t);
    f->w_off = (uint64_t *)tt__alloc(f->a, f->b_woff, 64);
    f->w_cnt = (uint64_t *)tt__alloc(f->a, f->b_woff, 64);
    f->w_len = (uint32_t *)tt__alloc(f->a, f->b_wlen, 64);
    f->sym = (int32_t *)tt__alloc(f->a, f->b_sym, 64);
    f->w_stamp = (int32_t *)tt__alloc(f->a, f->b_wst, 64);
    if (!f->w_off || !f->w_cnt || !f->w_len || !f->sym || !f->w_stamp) return TT_ERR_OUT_OF_MEMORY;
    for (i = 0; i < nw; i++) {
        const tt__word *wd = &wt->w[i];
        f->w_off[i] = o;
        f->w_len[i] = wd->len;
        f->w_cnt[i] = wd->count;
        f->w_stamp[i] = -1;
        for (k = 0; k < wd->len; k++) f->sym[o + k] = wt->bytes[wd->off + k];
        o += wd->len;
    }
    tt__wt_free(wt);
    return TT_OK;
}

/* the 256 single bytes as the first tokens, and the bytes -> id map */
TT__PRIVATE tt_status tt__fin_vocab_init(tt__fin *f) {
    size_t i, cap = 1024;
    void *q = NULL;
    for (i = 0; i < 256; i++) {
        unsigned char c = (unsigned char)i;
        if (!tt__vb_add(&f->v, &c, 1)) return TT_ERR_OUT_OF_MEMORY;
    }
    while (cap < (size_t)f->tr->vocab_size * 2) cap *= 2;
    f->tm.slot = (tt__hslot *)tt__alloc(f->a, cap * sizeof(tt__hslot), 64);
    if (!f->tm.slot) return TT_ERR_OUT_OF_MEMORY;
    f->tm.mask = cap - 1;
    tt__hash_clear(&f->tm);
    if (!tt__bpe_grow(f->a, &q, &f->cap_voff, (size_t)f->tr->vocab_size + 1, sizeof(uint64_t)))
        return TT_ERR_OUT_OF_MEMORY;
    f->voff = (uint64_t *)q;
    for (i = 0; i < 256; i++) {
        f->voff[i] = i;
        tt__hash_insert(&f->tm, tt__hash_bytes(f->v.bytes + i, 1), (uint32_t)i);
    }
    return TT_OK;
}

/* every adjacent pair's count and the words it occurs in; the pairs seen
 * at least min_frequency times into the heap */
TT__PRIVATE tt_status tt__fin_pairs_init(tt__fin *f) {
    tt__merger *m = &f->m;
    size_t i, k;
    for (i = 0; i < f->nw; i++) {
        const int32_t *s = f->sym + f->w_off[i];
        for (k = 0; k + 1 < f->w_len[i]; k++) {
            int32_t pi = tt__pair_get(m, s[k], s[k + 1], 1);
            if (pi < 0 || !tt__occ_append(m, &m->pairs[pi], (int32_t)i)) return TT_ERR_OUT_OF_MEMORY;
            m->pairs[pi].count += (int64_t)f->w_cnt[i];
        }
    }
    for (i = 0; i < m->n_pairs; i++)
        if (m->pairs[i].count >= f->tr->min_freq && !tt__hpush(m, (int32_t)i)) return TT_ERR_OUT_OF_MEMORY;
    return TT_OK;
}

/* the progress callback with the merges done; TT_ERR_CANCELLED when it says stop */
TT__PRIVATE tt_status tt__fin_progress(const tt__fin *f) {
    const tt_tokenizer_config *c = &f->tr->cfg;
    if (c->progress && c->progress(c->progress_user, (uint64_t)f->n_done, (uint64_t)f->n_merges))
        return TT_ERR_CANCELLED;
    return TT_OK;
}

/* *out_t = the token for tokens pa, pb joined: the existing token with
 * those bytes, or a new one (a merge done) */
TT__PRIVATE tt_status tt__fin_token(tt__fin *f, int32_t pa, int32_t pb, int32_t *out_t) {
    tt__vocab_buf *v = &f->v;
    size_t la = v->lens[pa], lb = v->lens[pb], off = v->nb;
    unsigned char *nb;
    void *q = v->bytes;
    tt__hprobe pr;
    uint32_t it;
    if (!tt__bpe_grow(f->a, &q, &v->cap_bytes, v->nb + la + lb, 1)) return TT_ERR_OUT_OF_MEMORY;
    v->bytes = (unsigned char *)q;
    nb = v->bytes + off;
    memcpy(nb, v->bytes + f->voff[pa], la);
    memcpy(nb + la, v->bytes + f->voff[pb], lb);
    tt__hash_begin(&f->tm, tt__hash_bytes(nb, la + lb), &pr);
    while ((it = tt__hash_probe(&f->tm, &pr)) != TT__HASH_EMPTY)
        if (v->lens[it] == la + lb && memcmp(v->bytes + f->voff[it], nb, la + lb) == 0) {
            *out_t = (int32_t)it;
            return TT_OK;
        }
    if (!tt__vb_add(v, nb, 0)) return TT_ERR_OUT_OF_MEMORY; /* the bytes are in place already */
    v->lens[v->n - 1] = (uint32_t)(la + lb);
    v->nb = off + la + lb;
    *out_t = f->n_tok++;
    f->voff[*out_t] = off;
    tt__hash_put(&f->tm, &pr, (uint32_t)*out_t);
    f->n_done++;
    return TT_OK;
}

/* rewrite word w with every (pa, pb) -> t, moving the counts of the
 * neighbouring pairs; pair pi = (pa, pb) loses the merged occurrences */
TT__PRIVATE tt_status tt__fin_merge_word(tt__fin *f, int32_t w, int32_t pi, int32_t t) {
    tt__merger *m = &f->m;
    int32_t *s = f->sym + f->w_off[w], pa = m->pairs[pi].a, pb = m->pairs[pi].b;
    uint32_t n = f->w_len[w], r = 0, o = 0;
    int64_t c = (int64_t)f->w_cnt[w];
    while (r < n) {
        if (r + 1 < n && s[r] == pa && s[r + 1] == pb) {
            if (o > 0 && (!tt__pair_delta(m, s[o - 1], pa, -c, w) || !tt__pair_delta(m, s[o - 1], t, c, w)))
                return TT_ERR_OUT_OF_MEMORY;
            if (r + 2 < n && (!tt__pair_delta(m, pb, s[r + 2], -c, w) || !tt__pair_delta(m, t, s[r + 2], c, w)))
                return TT_ERR_OUT_OF_MEMORY;
            m->pairs[pi].count -= c;
            s[o++] = t;
            r += 2;
        } else {
            s[o++] = s[r++];
        }
    }
    f->w_len[w] = o;
    return TT_OK;
}

/* apply the merge of pair pi into t inside every word on its occurrence
 * list (each word once: the list may name a word more than once) */
TT__PRIVATE tt_status tt__fin_apply(tt__fin *f, int32_t pi, int32_t t) {
    tt__merger *m = &f->m;
    int32_t blk;
    tt_status st = TT_OK;
    m->step++;
    m->n_touched = 0;
    for (blk = m->pairs[pi].head; blk >= 0 && st == TT_OK; blk = m->occ[blk].next) {
        int32_t nin = m->occ[blk].next >= 0 ? TT__OCC_N : m->pairs[pi].tail_fill, q;
        for (q = 0; q < nin && st == TT_OK; q++) {
            int32_t w = m->occ[blk].w[q];
            if (f->w_stamp[w] == m->step) continue;
            f->w_stamp[w] = m->step;
            st = tt__fin_merge_word(f, w, pi, t);
        }
    }
    return st;
}

/* pair pi is merged away: recycle its occurrence blocks; the pairs whose
 * count rose in this step go (back) into the heap */
TT__PRIVATE tt_status tt__fin_retire(tt__fin *f, int32_t pi) {
    tt__merger *m = &f->m;
    tt__pair *p = &m->pairs[pi];
    size_t i;
    if (p->tail >= 0) {
        m->occ[p->tail].next = m->free_occ;
        m->free_occ = p->head;
    }
    p->head = p->tail = p->last_word = -1;
    p->tail_fill = 0;
    p->count = 0;
    for (i = 0; i < m->n_touched; i++) {
        int32_t t = m->touched[i];
        if (m->pairs[t].count >= f->tr->min_freq && !tt__hpush(m, t)) return TT_ERR_OUT_OF_MEMORY;
    }
    return TT_OK;
}

/* merge the most frequent pair until n_merges tokens are new, no pair
 * reaches min_frequency, or the heap runs dry */
TT__PRIVATE tt_status tt__fin_merge_loop(tt__fin *f) {
    tt__merger *m = &f->m;
    int32_t min_freq = f->tr->min_freq, t;
    tt_status st = TT_OK;
    while (st == TT_OK && f->n_done < f->n_merges && m->heap.n) {
        tt__heap_ent e;
        tt__pair *p;
        tt__heap_pop(&m->heap, &e, tt__pair_before, m);
        p = &m->pairs[e.pair];
        if (p->count != e.count) {
            /* stale: lower now (re-score) or a fresher entry exists */
            if (p->count < e.count && p->count >= min_freq && !p->banned && !tt__hpush(m, e.pair))
                st = TT_ERR_OUT_OF_MEMORY;
            continue;
        }
        if (e.count < min_freq) break;
        if (p->banned) continue;
        if ((size_t)f->v.lens[p->a] + f->v.lens[p->b] > TT_TOKENIZER_MAX_TOKEN_BYTES) {
            p->banned = 1;
            continue;
        }
        if ((st = tt__fin_token(f, p->a, p->b, &t)) != TT_OK) break;
        if ((st = tt__fin_apply(f, e.pair, t)) != TT_OK) break;
        if ((st = tt__fin_retire(f, e.pair)) != TT_OK) break;
        if (f->n_done % 1024 == 0 || f->n_done == f->n_merges) st = tt__fin_progress(f);
    }
    if (st == TT_OK && f->n_done < f->n_merges) {
        st = tt__fin_progress(f);
        if (st == TT_OK)
            tt__logf(&f->tr->logger, TT_LOG_INFO, TT_OK, "tt_tokenizer_train: no pair reaches min_frequency; merges: ",
                     f->n_done);
    }
    return st;
}

/* the special tokens after the merges, then the tokenizer */
TT__PRIVATE tt_status tt__fin_build(tt__fin *f, tt_tokenizer **out) {
    const tt_tokenizer_trainer *tr = f->tr;
    tt_tokenizer_config c = tr->cfg;
    size_t i;
    tt_status st;
    for (i = 0; i < tr->spec.n; i++)
        if (!tt__vb_add(&f->v, tr->spec.bytes + tr->spec_off[i], tr->spec.lens[i])) return TT_ERR_OUT_OF_MEMORY;
    st = tt__tok_build(&c, (int32_t)f->v.n, (int32_t)tr->spec.n, tr->split_mode, f->v.lens, f->v.bytes, f->v.nb, out);
    return st == TT_ERR_BAD_FORMAT ? TT_ERR_INVALID_ARG : st;
}

TT__PRIVATE void tt__fin_free(tt__fin *f) {
    const tt_allocator *a = f->a;
    tt__merger_free(&f->m);
    tt__vb_free(&f->v);
    if (f->tm.slot) tt__free(a, f->tm.slot, (f->tm.mask + 1) * sizeof(tt__hslot));
    if (f->voff) tt__free(a, f->voff, f->cap_voff * sizeof(uint64_t));
    if (f->w_off) tt__free(a, f->w_off, f->b_woff);
    if (f->w_cnt) tt__free(a, f->w_cnt, f->b_woff);
    if (f->w_len) tt__free(a, f->w_len, f->b_wlen);
    if (f->sym) tt__free(a, f->sym, f->b_sym);
    if (f->w_stamp) tt__free(a, f->w_stamp, f->b_wst);
}

TTDEF tt_status tt_tokenizer_trainer_finish(tt_tokenizer_trainer *tr, tt_tokenizer **out) {
    tt__fin f;
    tt_status st;
    if (!tr || !out || tr->finished) return TT_ERR_INVALID_ARG;
    tr->finished = 1;
    memset(&f, 0, sizeof(f));
    f.tr = tr;
    f.a = &tr->alloc;
    tt__merger_init(&f.m, f.a);
    f.v.a = f.a;
    f.n_merges = tr->vocab_size - 256 - (int32_t)tr->spec.n;
    f.n_tok = 256;
    st = tt__fin_words(&f);
    if (st == TT_OK) st = tt__fin_vocab_init(&f);
    if (st == TT_OK) st = tt__fin_pairs_init(&f);
    if (st == TT_OK) st = tt__fin_progress(&f);
    if (st == TT_OK) st = tt__fin_merge_loop(&f);
    if (st == TT_OK) st = tt__fin_build(&f, out);
    if (st == TT_ERR_OUT_OF_MEMORY) tt__log(&tr->logger, TT_LOG_ERROR, st, "tt_tokenizer_train: out of memory");
    tt__fin_free(&f);
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
