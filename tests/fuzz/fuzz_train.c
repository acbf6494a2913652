/* libFuzzer target: tokenizer training on arbitrary bytes. The first byte
 * picks the vocabulary size (up to 64 merges) and the split mode; the rest
 * is the training text. Checks: training returns TT_OK with at most the
 * requested vocabulary; the text encodes and decodes back exactly (with
 * and without special tokens); with TT_SPLIT_NONE the ids equal the plain
 * reference BPE of tests/bpe/bpe_util.h; two threads train the same
 * vocabulary as one (the saved bytes are equal); save -> load -> save
 * gives the same bytes. */
#include "fuzz_model.h"

typedef struct fuzz_buf { uint8_t *p; size_t n, cap; } fuzz_buf;
static size_t buf_write(void *u, const void *src, size_t n) {
    fuzz_buf *b = (fuzz_buf *)u;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = (uint8_t *)realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return n;
}
static fuzz_buf save(const tt_tokenizer *t) {
    fuzz_buf b = { NULL, 0, 0 };
    tt_io io;
    memset(&io, 0, sizeof(io));
    io.write = buf_write; io.user = &b;
    FUZZ_ASSERT(tt_tokenizer_save(t, &io) == TT_OK);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *xsp[] = { "<|x|>" };
    tt_tokenizer_config cfg;
    tt_tokenizer *t = NULL, *t2 = NULL, *t3 = NULL;
    const uint8_t *text = data + 1;
    size_t n = size ? size - 1 : 0;
    int32_t *ids, *ref;
    fuzz_buf a, b, c;
    fuzz_rd m;
    tt_io io;
    if (size < 1) return 0;
    memset(&cfg, 0, sizeof(cfg));
    cfg.vocab_size = 256 + 1 + (data[0] & 63);
    cfg.split_mode = data[0] & 64 ? TT_SPLIT_NONE : TT_SPLIT_GPT2;
    cfg.special_tokens = xsp; cfg.n_special = 1;
    FUZZ_ASSERT(tt_tokenizer_train(&cfg, text, n, &t) == TT_OK);
    FUZZ_ASSERT(tt_tokenizer_vocab_size(t) <= cfg.vocab_size && tt_tokenizer_n_special(t) == 1);
    ids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
    ref = (int32_t *)malloc((n + 1) * sizeof(int32_t));
    fuzz_round_trip(t, text, n, ids);
    if (cfg.split_mode == TT_SPLIT_NONE && n <= 1024) {
        size_t k = 0, nr;
        ref_bpe rb;
        ref_bpe_init(&rb, t);
        FUZZ_ASSERT(tt_tokenizer_encode(t, text, n, 0, ids, n + 1, &k) == TT_OK);
        nr = ref_bpe_piece(&rb, text, n, ref);
        FUZZ_ASSERT(nr == k && memcmp(ids, ref, k * sizeof(int32_t)) == 0);
        ref_bpe_free(&rb);
    }
    a = save(t);
    if (data[0] & 128) { /* the pool costs a thread start: half the inputs */
        cfg.n_threads = 2;
        FUZZ_ASSERT(tt_tokenizer_train(&cfg, text, n, &t2) == TT_OK);
        b = save(t2);
        FUZZ_ASSERT(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
        free(b.p);
        tt_tokenizer_destroy(t2);
    }
    io = fuzz_mem_io(&m, a.p, a.n);
    FUZZ_ASSERT(tt_tokenizer_load(NULL, &io, &t3) == TT_OK);
    c = save(t3);
    FUZZ_ASSERT(a.n == c.n && memcmp(a.p, c.p, a.n) == 0);
    free(a.p); free(c.p);
    free(ids); free(ref);
    tt_tokenizer_destroy(t);
    tt_tokenizer_destroy(t3);
    return 0;
}
