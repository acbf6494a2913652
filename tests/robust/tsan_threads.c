/* The threaded paths, small enough to run under ThreadSanitizer (make
 * test-tsan): training steps at 1, 2, 3 and 4 threads (the built-in pool)
 * must give bitwise the same parameters; seeded generation at 3 threads the
 * same ids as at 1; tokenizer training and encoding of a 2.2 MB text with
 * the pool the same vocabulary and ids as without. TSan reports any data
 * race on the way (TSAN_OPTIONS=halt_on_error=1 makes it fail the run). */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

enum { V = 67, T = 16, B = 3, STEPS = 3, GEN = 12 };

/* train STEPS steps at n_threads; params CRC and the generated ids */
static uint32_t train(int n_threads, int32_t *gen_ids) {
    tt_model_config c;
    tt_model *m = NULL;
    tt_adamw_config ac;
    tt_generator *g = NULL;
    tt_sample_config sc;
    int32_t in[B * T], tg[B * T], prompt[3] = { 1, 2, 3 };
    tt_rng rng;
    float loss;
    int s, i, n = 0;
    uint32_t crc;
    memset(&c, 0, sizeof(c));
    c.vocab_size = V; c.n_ctx = T; c.n_layer = 2; c.n_head = 2; c.d_model = 32; c.max_batch = B;
    c.n_threads = n_threads; c.seed = 3;
    if (tt_model_create(&c, &m) != TT_OK) { CHECK(0); return 0; }
    memset(&ac, 0, sizeof(ac));
    tt_rng_seed(&rng, 11);
    for (s = 0; s < STEPS; s++) {
        for (i = 0; i < B * T; i++) { in[i] = (int32_t)(tt_rng_u32(&rng) % V); tg[i] = (in[i] * 7 + 1) % V; }
        CHECK(tt_model_forward_backward(m, in, tg, B, T, 1.0f, &loss) == TT_OK);
        CHECK(tt_adamw_step(m, &ac, NULL) == TT_OK);
    }
    crc = tt_crc32(0, tt_model_params(m), tt_model_num_params(m) * sizeof(float));
    CHECK(tt_generator_create(m, &g) == TT_OK);
    memset(&sc, 0, sizeof(sc));
    sc.seed = 5; sc.top_k = 20;
    CHECK(g && tt_generate(g, prompt, 3, &sc, gen_ids, GEN, &n) == TT_OK && n == GEN);
    tt_generator_destroy(g);
    tt_model_destroy(m);
    return crc;
}

typedef struct buf { unsigned char *p; size_t n, cap; } buf;
static size_t buf_write(void *u, const void *src, size_t n) {
    buf *b = (buf *)u;
    if (b->n + n > b->cap) { b->cap = (b->n + n) * 2; b->p = (unsigned char *)realloc(b->p, b->cap); }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return n;
}

static void tokenizer(void) {
    static const char *sy[] = { "th", "e", "an", "d", "in", "g", "qu", "ick", " ", " ", ", ", ".\n", "12", "'s",
                                "\xc3\xa9", "ow", "er", "\t" };
    size_t n = (size_t)2200 * 1024, k = 0, n1 = 0, n2 = 0;
    char *text = (char *)malloc(n);
    int32_t *a = (int32_t *)malloc(n * sizeof(int32_t)), *b = (int32_t *)malloc(n * sizeof(int32_t));
    tt_tokenizer_config cfg;
    tt_tokenizer *t1 = NULL, *t2 = NULL;
    buf s1 = { NULL, 0, 0 }, s2 = { NULL, 0, 0 };
    tt_io io;
    tt_rng rng;
    tt_rng_seed(&rng, 2);
    while (k < n) {
        const char *w = sy[tt_rng_u32(&rng) % (sizeof(sy) / sizeof(sy[0]))];
        while (*w && k < n) text[k++] = *w++;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.vocab_size = 400;
    CHECK(tt_tokenizer_train(&cfg, text, n, &t1) == TT_OK);
    cfg.n_threads = 3;
    CHECK(tt_tokenizer_train(&cfg, text, n, &t2) == TT_OK);
    memset(&io, 0, sizeof(io));
    io.write = buf_write;
    io.user = &s1; CHECK(tt_tokenizer_save(t1, &io) == TT_OK);
    io.user = &s2; CHECK(tt_tokenizer_save(t2, &io) == TT_OK);
    CHECK(s1.n == s2.n && memcmp(s1.p, s2.p, s1.n) == 0);
    /* t2 has the pool: inputs of 2 MB and more are encoded in parallel */
    CHECK(tt_tokenizer_encode(t1, text, n, 0, a, n, &n1) == TT_OK);
    CHECK(tt_tokenizer_encode(t2, text, n, 0, b, n, &n2) == TT_OK);
    CHECK(n1 == n2 && memcmp(a, b, n1 * sizeof(int32_t)) == 0);
    printf("tokenizer: vocab 400 trained at 1 and 3 threads equal (%zu bytes), %zu ids equal\n", s1.n, n1);
    tt_tokenizer_destroy(t1); tt_tokenizer_destroy(t2);
    free(s1.p); free(s2.p); free(text); free(a); free(b);
}

int main(void) {
    int32_t g1[GEN], g[GEN];
    uint32_t c1 = train(1, g1);
    int nt;
    for (nt = 2; nt <= 4; nt++) {
        uint32_t c = train(nt, g);
        CHECK(c == c1);
        if (nt == 3) CHECK(memcmp(g, g1, sizeof(g)) == 0);
    }
    printf("training: %d steps at 1..4 threads bitwise equal (params crc %08x); generation at 3 threads equal\n",
           STEPS, (unsigned)c1);
    tokenizer();
    if (failures) { printf("%d failures\n", failures); return 1; }
    printf("tsan_threads: ok\n");
    return 0;
}
