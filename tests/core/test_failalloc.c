/* tests/core/test_failalloc.c -- an allocator that fails on its Nth call, for
 * every N, in each creating API besides tt_model_create (tested in
 * test_errors.c): tokenizer training (one shot and incremental) and loading,
 * the batch loader, the generator, and checkpoint loading with its
 * tokenizer. Each failure must be TT_ERR_OUT_OF_MEMORY with the output
 * pointer unchanged, nothing leaked (the test allocator counts live blocks;
 * the mk target also runs this under valgrind and ASan), the model untouched
 * by a failed checkpoint load, and the call must succeed once N passes the
 * number of allocations it makes. */
#ifndef TT_TEST_SPLIT /* the Makefile links one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include "tt_test.h"

#define MAX_N 100000
/* expression forms, usable inside the SWEEP arguments */
#define CHECKE(c) ((c) ? (void)0 : (void)(fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c), \
                                          tt_test_failures++))
static void ok_or_die(tt_status st, const char *what) {
    if (st != TT_OK) { fprintf(stderr, "%s failed: %s\n", what, tt_strerror(st)); exit(1); }
}
static void *const SENT = (void *)(uintptr_t)0x5e5e5e50u;

/* memory tt_io */
typedef struct membuf { unsigned char *p; size_t n, cap, pos; } membuf;
static size_t mem_write(void *user, const void *buf, size_t n) {
    membuf *m = (membuf *)user;
    if (m->n + n > m->cap) {
        size_t cap = (m->n + n) * 2;
        unsigned char *q = (unsigned char *)realloc(m->p, cap);
        if (!q) return 0;
        m->p = q; m->cap = cap;
    }
    memcpy(m->p + m->n, buf, n);
    m->n += n;
    return n;
}
static size_t mem_read(void *user, void *buf, size_t n) {
    membuf *m = (membuf *)user;
    size_t left = m->n - m->pos, k = n < left ? n : left;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return k;
}
static tt_io mem_io(membuf *m) { tt_io io; io.read = mem_read; io.write = mem_write; io.user = m; return io; }

static char *make_text(size_t *n) {
    static const char *words[] = { "the ", "cat ", "sat ", "on ", "mat, ", "a ", "dog ", "ran. ", "and ", "then\n" };
    size_t cap = 6000, k = 0;
    uint64_t s = 1;
    char *t = (char *)malloc(cap + 16);
    if (!t) exit(1);
    while (k < cap) { const char *w = words[test_rand(&s) % 10]; size_t l = strlen(w); memcpy(t + k, w, l); k += l; }
    *n = k;
    return t;
}

/* sweep: run `call` with fail_at = 0, 1, 2, ... until it succeeds */
/* strict: the failed call itself must leave no new live block (0 for calls
 * on an object that keeps its working memory until destroyed); in every
 * case nothing may be live after cleanup */
#define SWEEP(label, strict, setup, call, out, on_fail, on_ok, cleanup) do {                 \
    long n_; int ok_ = 0;                                                                    \
    for (n_ = 0; n_ < MAX_N && !ok_; n_++) {                                                 \
        tt_status st_;                                                                       \
        long base_, base0_ = ta.live;                                                        \
        setup;                                                                               \
        base_ = ta.live;                                                                     \
        ta.calls = 0; ta.fail_at = n_;                                                       \
        out = SENT;                                                                          \
        st_ = (call);                                                                        \
        ta.fail_at = -1;                                                                     \
        if (st_ == TT_OK) {                                                                  \
            ok_ = 1;                                                                         \
            CHECK(ta.calls == n_);                                                           \
            on_ok;                                                                           \
            printf("  %-34s %ld allocation(s); every failure clean\n", label, n_);          \
        } else {                                                                             \
            if (st_ != TT_ERR_OUT_OF_MEMORY)                                                 \
                fprintf(stderr, "%s: failing call %ld gave %d (%s)\n", label, n_, (int)st_,   \
                        tt_strerror(st_));                                                   \
            CHECK_STATUS(st_, TT_ERR_OUT_OF_MEMORY);                                         \
            CHECK((void *)out == SENT);                                                      \
            if (strict && ta.live != base_)                                                  \
                fprintf(stderr, "%s: failing call %ld leaked %ld block(s)\n", label, n_,      \
                        ta.live - base_);                                                    \
            CHECK(!strict || ta.live == base_);                                              \
            on_fail;                                                                         \
        }                                                                                    \
        cleanup;                                                                             \
        if (ta.live != base0_) fprintf(stderr, "%s: call %ld: %ld block(s) live after cleanup\n", \
                                       label, n_, ta.live - base0_);                         \
        CHECK(ta.live == base0_);                                                            \
        CHECK(ta.bad_frees == 0);                                                            \
        if (tt_test_failures > 20) { fprintf(stderr, "too many failures\n"); exit(1); }     \
    }                                                                                        \
    CHECK(ok_);                                                                              \
} while (0)

int main(void) {
    test_alloc ta;
    tt_allocator al = test_allocator(&ta, -1);
    size_t text_n;
    char *text = make_text(&text_n);
    static const char *const specials[1] = { "<|end|>" };
    tt_tokenizer_config tc = TT_ZERO;
    tt_tokenizer *tok = NULL, *tok_ref = NULL;
    membuf tokfile = TT_ZERO, ckpt = TT_ZERO;
    tt_io io;
    int nt;

    tc.vocab_size = 300; tc.special_tokens = specials; tc.n_special = 1;
    tc.allocator = al;

    for (nt = 1; nt <= 2; nt++) {
        char label[64];
        tc.n_threads = nt;
        snprintf(label, sizeof label, "tt_tokenizer_train threads=%d", nt);
        SWEEP(label, 1, (void)0, tt_tokenizer_train(&tc, text, text_n, &tok), tok, (void)0,
              (void)0, (tt_tokenizer_destroy(tok == SENT ? NULL : tok), tok = NULL));
        CHECK(ta.live == 0);
    }
    tc.n_threads = 1;
    {
        tt_tokenizer_trainer *tr = NULL;
        SWEEP("tt_tokenizer_trainer_create", 1, (void)0, tt_tokenizer_trainer_create(&tc, &tr), tr, (void)0,
              (void)0, (tt_tokenizer_trainer_destroy(tr == SENT ? NULL : tr), tr = NULL));
        /* feed + finish: a failure inside must leave the trainer destroyable */
        SWEEP("trainer_feed+finish", 0, (ta.fail_at = -1, ok_or_die(tt_tokenizer_trainer_create(&tc, &tr), "trainer_create")),
              (tt_tokenizer_trainer_feed(tr, text, text_n / 2) == TT_OK &&
               tt_tokenizer_trainer_feed(tr, text + text_n / 2, text_n - text_n / 2) == TT_OK)
                  ? tt_tokenizer_trainer_finish(tr, &tok) : TT_ERR_OUT_OF_MEMORY,
              tok, (void)0, (void)0,
              (tt_tokenizer_trainer_destroy(tr), tr = NULL, tt_tokenizer_destroy(tok == SENT ? NULL : tok), tok = NULL));
        CHECK(ta.live == 0);
    }
    ta.fail_at = -1;
    REQUIRE_OK(tt_tokenizer_train(&tc, text, text_n, &tok_ref));
    io = mem_io(&tokfile);
    REQUIRE_OK(tt_tokenizer_save(tok_ref, &io));
    SWEEP("tt_tokenizer_load", 1, tokfile.pos = 0, tt_tokenizer_load(&tc, &io, &tok), tok, (void)0, (void)0,
          (tt_tokenizer_destroy(tok == SENT ? NULL : tok), tok = NULL));

    {
        int32_t ids[500];
        int i;
        tt_loader *ld = NULL;
        tt_loader_config lc = TT_ZERO;
        uint64_t s = 3;
        for (i = 0; i < 500; i++) ids[i] = (int32_t)(test_rand(&s) % 50u);
        lc.batch = 2; lc.seq_len = 8; lc.allocator = al;
        SWEEP("tt_loader_open_memory", 1, (void)0, tt_loader_open_memory(ids, 500, 50, &lc, &ld), ld, (void)0,
              (void)0, (tt_loader_close(ld == SENT ? NULL : ld), ld = NULL));
    }

    {
        tt_model_config mc = TT_ZERO;
        tt_model *m = NULL;
        tt_generator *gen = NULL;
        tt_checkpoint_state cs;
        size_t np;
        float *save_p;
        mc.vocab_size = tt_tokenizer_vocab_size(tok_ref); mc.n_ctx = 16; mc.n_layer = 1; mc.n_head = 2;
        mc.d_model = 16; mc.max_batch = 2; mc.allocator = al;
        ta.fail_at = -1;
        REQUIRE_OK(tt_model_create(&mc, &m));
        SWEEP("tt_generator_create", 1, (void)0, tt_generator_create(m, &gen), gen, (void)0, (void)0,
              (tt_generator_destroy(gen == SENT ? NULL : gen), gen = NULL));

        /* checkpoint with a tokenizer: save from a trained-a-bit copy, load into m */
        memset(&cs, 0, sizeof cs);
        cs.user[0] = 42;
        np = tt_model_num_params(m);
        io = mem_io(&ckpt);
        {
            tt_model *src = NULL;
            int32_t tk[16], tg[16];
            float loss;
            int i;
            mc.seed = 77;
            REQUIRE_OK(tt_model_create(&mc, &src));
            for (i = 0; i < 16; i++) { tk[i] = i; tg[i] = i + 1; }
            REQUIRE_OK(tt_model_forward(src, tk, tg, 1, 16, &loss));
            REQUIRE_OK(tt_model_backward(src, 1.0f));
            REQUIRE_OK(tt_adamw_step(src, &cs.adamw, NULL));
            REQUIRE_OK(tt_checkpoint_save(&io, src, tok_ref, &cs));
            tt_model_destroy(src);
        }
        save_p = (float *)malloc(np * sizeof(float));
        if (!save_p) return 1;
        memcpy(save_p, tt_model_params(m), np * sizeof(float));
        {
            tt_checkpoint_state got;
            SWEEP("tt_checkpoint_load (+tokenizer)", 1, (ckpt.pos = 0, memset(&got, 0x77, sizeof got)),
                  tt_checkpoint_load(&io, m, &tc, &got, &tok), tok,
                  (CHECKE(memcmp(save_p, tt_model_params(m), np * sizeof(float)) == 0),
                   CHECKE(tt_model_step(m) == 0), CHECKE(got.user[0] != 42)),
                  (CHECKE(got.user[0] == 42), CHECKE(tt_model_step(m) == 1),
                   CHECKE(memcmp(save_p, tt_model_params(m), np * sizeof(float)) != 0)),
                  (tt_tokenizer_destroy(tok == SENT ? NULL : tok), tok = NULL,
                   memcpy(tt_model_params(m), save_p, np * sizeof(float)), tt_model_set_step(m, 0)));
        }
        free(save_p);
        tt_model_destroy(m);
    }
    tt_tokenizer_destroy(tok_ref);
    CHECK(ta.live == 0);
    CHECK(ta.bad_frees == 0);
    free(text); free(tokfile.p); free(ckpt.p);
    return test_finish("test_failalloc");
}
