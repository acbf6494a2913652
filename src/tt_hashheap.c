/* >>hashheap  byte-string hash, open-addressing hash probe and binary heap
 * over caller memory (declared in tt_internal.h) */
#include "tt_internal.h"

/* multiply-xorshift over 8-byte words */
TT__PRIVATE uint64_t tt__hash_bytes(const unsigned char *p, size_t n) {
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

/* ---- hash probe ---- */

TT__PRIVATE void tt__hash_clear(tt__htab *t) { memset(t->slot, 0xFF, (t->mask + 1) * sizeof(tt__hslot)); }

TT__PRIVATE void tt__hash_begin(const tt__htab *t, uint64_t h, tt__hprobe *pr) {
    pr->k = (size_t)h & t->mask;
    pr->tag = (uint32_t)(h >> 32);
}

TT__PRIVATE uint32_t tt__hash_probe(const tt__htab *t, tt__hprobe *pr) {
    for (;;) {
        tt__hslot s = t->slot[pr->k];
        if (s.item == TT__HASH_EMPTY) return TT__HASH_EMPTY; /* pr->k stays on the free slot */
        pr->k = (pr->k + 1) & t->mask;
        if (s.tag == pr->tag) return s.item;
    }
}

TT__PRIVATE void tt__hash_put(tt__htab *t, const tt__hprobe *pr, uint32_t item) {
    t->slot[pr->k].tag = pr->tag;
    t->slot[pr->k].item = item;
}

TT__PRIVATE void tt__hash_insert(tt__htab *t, uint64_t h, uint32_t item) {
    tt__hprobe pr;
    tt__hash_begin(t, h, &pr);
    while (t->slot[pr.k].item != TT__HASH_EMPTY) pr.k = (pr.k + 1) & t->mask;
    tt__hash_put(t, &pr, item);
}

/* ---- binary heap (the moving element is held aside, parents/children
 * move into the hole) ---- */

/* one element: fixed-size copies for the sizes in use (no library call) */
TT__PRIVATE inline void tt__heap_copy(unsigned char *d, const void *s, size_t es) {
    if (es == 8) memcpy(d, s, 8);
    else if (es == 16) memcpy(d, s, 16);
    else if (es == 4) memcpy(d, s, 4);
    else memcpy(d, s, es);
}

TT__PRIVATE inline void tt__heap_push(tt__heap *h, const void *x, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base;
    size_t i = h->n++, es = h->elem;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (!before(ctx, x, b + par * es)) break;
        tt__heap_copy(b + i * es, b + par * es, es);
        i = par;
    }
    tt__heap_copy(b + i * es, x, es);
}

TT__PRIVATE inline void tt__heap_sift_down(tt__heap *h, size_t i, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base, x[TT__HEAP_MAX_ELEM];
    size_t n = h->n, es = h->elem;
    tt__heap_copy(x, b + i * es, es);
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(ctx, b + (c + 1) * es, b + c * es)) c++;
        if (!before(ctx, b + c * es, x)) break;
        tt__heap_copy(b + i * es, b + c * es, es);
        i = c;
    }
    tt__heap_copy(b + i * es, x, es);
}

TT__PRIVATE inline void tt__heap_pop(tt__heap *h, void *out, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base, last[TT__HEAP_MAX_ELEM];
    size_t es = h->elem;
    tt__heap_copy(last, b + --h->n * es, es);
    if ((unsigned char *)out != b) tt__heap_copy((unsigned char *)out, b, es); /* out may be the old last slot: saved above */
    if (h->n) {
        tt__heap_copy(b, last, es);
        tt__heap_sift_down(h, 0, before, ctx);
    }
}
