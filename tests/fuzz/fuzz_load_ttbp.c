/* libFuzzer target: tt_tokenizer_load (TTBP) on arbitrary bytes, as given
 * and with the header CRC recomputed (so mutations reach the checks after
 * the CRC). Any result but TT_OK must be TT_ERR_BAD_FORMAT with no
 * tokenizer; a loaded tokenizer must encode the input and decode it back. */
#include "fuzz_util.h"

static uint32_t bpe_get_u32(const uint8_t *p) { return (uint32_t)get_u32le(p); }

typedef struct memrd { const uint8_t *p; size_t n, pos; } memrd;
static size_t mem_read(void *u, void *buf, size_t n) {
    memrd *m = (memrd *)u;
    if (n > m->n - m->pos) n = m->n - m->pos;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return n;
}

typedef struct memwr { uint8_t *p; size_t n, cap; } memwr;
static size_t mem_write(void *u, const void *buf, size_t n) {
    memwr *m = (memwr *)u;
    if (n > m->cap - m->n) n = m->cap - m->n;
    memcpy(m->p + m->n, buf, n);
    m->n += n;
    return n;
}

/* load data; a tokenizer that loads encodes text and decodes it back, and
 * (for a 40-byte header) saves to the same bytes it was loaded from */
static void try_load(const uint8_t *data, size_t size, const uint8_t *text, size_t ntext) {
    memrd m;
    tt_io io;
    tt_tokenizer *t = NULL;
    tt_status st;
    m.p = data; m.n = size; m.pos = 0;
    memset(&io, 0, sizeof(io));
    io.read = mem_read; io.user = &m;
    st = tt_tokenizer_load(NULL, &io, &t);
    if (st == TT_OK) {
        int32_t *ids = (int32_t *)malloc((ntext + 1) * sizeof(int32_t));
        uint64_t sz = 0;
        FUZZ_ASSERT(t != NULL);
        FUZZ_ASSERT(tt_tokenizer_save_size(t, &sz) == TT_OK && sz <= size);
        fuzz_round_trip(t, text, ntext, ids);
        if (bpe_get_u32(data + 8) == 40) {
            memwr w;
            tt_io wio;
            w.p = (uint8_t *)malloc((size_t)sz); w.n = 0; w.cap = (size_t)sz;
            memset(&wio, 0, sizeof(wio));
            wio.write = mem_write; wio.user = &w;
            FUZZ_ASSERT(tt_tokenizer_save(t, &wio) == TT_OK && w.n == sz && memcmp(w.p, data, w.n) == 0);
            free(w.p);
        }
        free(ids);
        tt_tokenizer_destroy(t);
    } else {
        FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT && t == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try_load(data, size, data, size);
    if (size >= 40) {
        uint8_t *c = (uint8_t *)malloc(size);
        uint32_t crc;
        int i;
        uint32_t hs = bpe_get_u32(data + 8);
        uint64_t pl = bpe_get_u32(data + 24) | (uint64_t)bpe_get_u32(data + 28) << 32;
        memcpy(c, data, size);
        /* the CRC covers header bytes 0..31 and the payload after the header */
        if (hs >= 40 && hs <= size) {
            size_t k = pl < size - hs ? (size_t)pl : size - hs;
            crc = tt_crc32(tt_crc32(0, c, 32), c + hs, k);
            for (i = 0; i < 4; i++) c[32 + i] = (uint8_t)(crc >> (8 * i));
            try_load(c, size, data, size);
        }
        free(c);
    }
    return 0;
}
