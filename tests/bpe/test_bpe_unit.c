/* Tokenizer unit tests that need nothing outside the repo: golden merges on
 * tiny hand-checked corpora, tie-break, overlapping runs, special tokens in
 * training, 1 vs 2 threads, round trips, streaming, save/load, corrupted
 * and hostile files, failing allocators. */
#define _POSIX_C_SOURCE 200112L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "bpe_util.h"

/* ---- helpers ---- */
typedef struct membuf { unsigned char *p; size_t n, cap, pos; } membuf;
static size_t mb_write(void *u, const void *buf, size_t n) {
    membuf *m = (membuf *)u;
    if (m->n + n > m->cap) { m->cap = (m->n + n) * 2; m->p = (unsigned char *)realloc(m->p, m->cap); }
    memcpy(m->p + m->n, buf, n); m->n += n; return n;
}
static size_t mb_read(void *u, void *buf, size_t n) {
    membuf *m = (membuf *)u;
    if (n > m->n - m->pos) n = m->n - m->pos;
    memcpy(buf, m->p + m->pos, n); m->pos += n; return n;
}

/* the merged tokens (ids 256..) as "[tok][tok]..." */
static void merges_str(const tt_tokenizer *t, char *out, size_t cap) {
    int32_t i, n = tt_tokenizer_vocab_size(t) - tt_tokenizer_n_special(t);
    size_t k = 0;
    out[0] = 0;
    for (i = 256; i < n; i++) {
        const unsigned char *b = NULL; size_t l = 0;
        tt_tokenizer_token(t, i, &b, &l);
        if (k + l + 3 >= cap) break;
        out[k++] = '['; memcpy(out + k, b, l); k += l; out[k++] = ']'; out[k] = 0;
    }
}

static tt_tokenizer *train(const char *text, int vocab, int minf, int split, int threads,
                           const char *const *spec, int nspec) {
    tt_tokenizer_config cfg = {0};
    tt_tokenizer *t = NULL;
    cfg.vocab_size = vocab; cfg.min_frequency = minf; cfg.split_mode = split; cfg.n_threads = threads;
    cfg.special_tokens = spec; cfg.n_special = nspec;
    CHECK_OK(tt_tokenizer_train(&cfg, text, strlen(text), &t));
    return t;
}

static void golden(const char *name, const char *text, int vocab, int minf, int split, const char *want) {
    char got[4096];
    tt_tokenizer *t = train(text, vocab, minf, split, 1, NULL, 0);
    if (!t) return;
    merges_str(t, got, sizeof(got));
    if (strcmp(got, want) != 0) { fprintf(stderr, "FAIL golden %s: got %s want %s\n", name, got, want); fails++; }
    else printf("golden %s: %s\n", name, got);
    tt_tokenizer_destroy(t);
}

static int same_tokenizer(const tt_tokenizer *a, const tt_tokenizer *b) {
    int32_t i;
    if (tt_tokenizer_vocab_size(a) != tt_tokenizer_vocab_size(b) || tt_tokenizer_n_special(a) != tt_tokenizer_n_special(b)) return 0;
    for (i = 0; i < tt_tokenizer_vocab_size(a); i++) {
        const unsigned char *x = NULL, *y = NULL; size_t lx = 0, ly = 1;
        tt_tokenizer_token(a, i, &x, &lx);
        tt_tokenizer_token(b, i, &y, &ly);
        if (lx != ly || memcmp(x, y, lx) != 0) return 0;
    }
    return 1;
}

/* round trip of random byte strings (and of text) */
static void round_trips(const tt_tokenizer *t, const char *what) {
    tt_rng rng;
    static unsigned char buf[5000], back[5000];
    static int32_t ids[5000];
    int r, bad = 0;
    tt_rng_seed(&rng, 7);
    for (r = 0; r < 1000 && !bad; r++) {
        size_t len = tt_rng_u32(&rng) % 5000, k, n = 0, nb = 0;
        for (k = 0; k < len; k++) {
            unsigned v = tt_rng_u32(&rng);
            buf[k] = r % 3 == 0 ? (unsigned char)v : r % 3 == 1 ? (unsigned char)"ab ca\n\xc3\xa9\xff'<|x|>"[v % 15]
                                                  : (unsigned char)(0x80 + v % 0x80);
        }
        CHECK_OK(tt_tokenizer_encode(t, buf, len, r & 1 ? TT_ENCODE_SPECIAL : 0, ids, 5000, &n));
        CHECK_OK(tt_tokenizer_decode(t, ids, n, back, sizeof(back), &nb));
        if (nb != len || memcmp(buf, back, len) != 0) bad = 1;
    }
    if (bad) { fprintf(stderr, "FAIL %s: round trip %d\n", what, r); fails++; }
    else printf("%s: 1000 random byte strings round-trip\n", what);
}

/* a deterministic synthetic corpus: Zipf-ish words, punctuation, digits, UTF-8 */
static unsigned char *make_corpus(size_t n) {
    unsigned char *s = (unsigned char *)malloc(n);
    static const char *sy[] = { "th", "e", "an", "d", "in", "g", "qu", "ick", "br", "own", "f", "ox", "\xc3\xa9", "t\xc3\xa9", "\xe4\xbd\xa0", "s", "o", "er" };
    tt_rng rng;
    size_t k = 0;
    tt_rng_seed(&rng, 99);
    while (k < n) {
        unsigned v = tt_rng_u32(&rng) % 1000;
        const char *add;
        char tmp[64];
        if (v < 700) {
            int m = 1 + (int)(tt_rng_u32(&rng) % 4), j;
            size_t q = 0;
            tmp[q++] = ' ';
            for (j = 0; j < m; j++) {
                unsigned z = tt_rng_u32(&rng) % 18;
                z = z * z / 18;
                memcpy(tmp + q, sy[z], strlen(sy[z])); q += strlen(sy[z]);
            }
            tmp[q] = 0;
            add = tmp;
        } else if (v < 800) add = ",";
        else if (v < 850) add = ".\n\n";
        else if (v < 900) add = " 1234";
        else if (v < 950) add = "'s";
        else if (v < 960) add = "<|x|>";
        else if (v < 970) add = "    ";
        else add = " the";
        while (*add && k < n) s[k++] = (unsigned char)*add++;
    }
    return s;
}

/* ---- long pieces (> 64 bytes take the heap merge path) ---- */
/* class of an ASCII byte for building single GPT-2 pieces: 0 letter,
 * 1 digit, 2 punctuation (no apostrophe: "'s" starts a new piece),
 * 3 whitespace, -1 anything else */
static int ascii_class(unsigned c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 0;
    if (c >= '0' && c <= '9') return 1;
    if (c == ' ' || c == '\n' || c == '\t') return 3;
    if (c > 32 && c < 127 && c != '\'') return 2;
    return -1;
}

/* compare the library's ids for text (one piece under t's split mode)
 * with the plain reference; both must round-trip */
static int piece_vs_reference(const tt_tokenizer *t, const ref_bpe *rb, const unsigned char *p, size_t n,
                              size_t *n_ids_out) {
    int32_t *ids = (int32_t *)malloc((n + 1) * sizeof(int32_t)), *want = (int32_t *)malloc((n + 1) * sizeof(int32_t));
    size_t ni = 0, nw, k;
    int ok = 1;
    CHECK_OK(tt_tokenizer_encode(t, p, n, 0, ids, n + 1, &ni));
    CHECK_RT(t, p, n, ids, ni);
    nw = ref_bpe_piece(rb, p, n, want);
    if (ni != nw || memcmp(ids, want, ni * sizeof(int32_t)) != 0) {
        for (k = 0; k < ni && k < nw && ids[k] == want[k]; k++) {}
        fprintf(stderr, "FAIL %zu-byte piece '%.40s...': %zu ids, reference %zu; first difference at %zu\n", n,
                (const char *)p, ni, nw, k);
        fails++;
        ok = 0;
    }
    *n_ids_out = ni;
    free(ids);
    free(want);
    return ok;
}

static const char issue_piece[] = "biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum";

/* pieces of 65 .. 4000 bytes and some fixed sizes up to 10000 made of t's own tokens of one class (so many
 * merges fire), with and without a leading space; for TT_SPLIT_NONE any
 * text is one piece: corpus slices, token soup, random bytes */
static void long_pieces(const tt_tokenizer *t, const char *what, int none, const unsigned char *corpus, size_t cn) {
    static const size_t fixed[] = { 65, 66, 100, 127, 128, 129, 255, 256, 1000, 4096, 10000 };
    int32_t nv = tt_tokenizer_vocab_size(t) - tt_tokenizer_n_special(t), *pool = (int32_t *)malloc((size_t)nv * 4);
    unsigned char *buf = (unsigned char *)malloc(10001 + 64);
    size_t ncase = 0, nbytes = 0, nids = 0, ni = 0;
    int cl, r, nbad = 0;
    ref_bpe rb;
    tt_rng rng;
    ref_bpe_init(&rb, t);
    tt_rng_seed(&rng, 2024);
    /* the exact pieces of the issue */
    if (!piece_vs_reference(t, &rb, (const unsigned char *)issue_piece, 76, &ni)) nbad++;
    memset(buf, 0, 70);
    for (r = 0; r < 13; r++) memcpy(buf + 5 * r, "hello", 5);
    if (!piece_vs_reference(t, &rb, buf, 65, &ni)) nbad++;
    for (cl = 0; cl < 4 + none * 3; cl++) {
        int32_t np = 0, i;
        for (i = 0; i < nv && cl < 4; i++) {
            const unsigned char *b = NULL; size_t l = 0, k;
            tt_tokenizer_token(t, i, &b, &l);
            for (k = 0; k < l && ascii_class(b[k]) == cl; k++) {}
            if (k == l) pool[np++] = i;
        }
        if (cl < 4 && np == 0) continue;
        for (r = 0; r < (int)(sizeof(fixed) / sizeof(fixed[0])) + 12; r++) {
            size_t len = r < (int)(sizeof(fixed) / sizeof(fixed[0])) ? fixed[r]
                       : (size_t)(65.0 * exp(log(4000.0 / 65.0) * tt_rng_uniform(&rng))), k = 0;
            int lead = cl != 3 && (tt_rng_u32(&rng) & 1), q = 0;
            /* half the pieces repeat a pattern of 1 to 3 tokens: a periodic
             * piece has many merges ready at once (the heap's worst case) */
            int32_t pat[3], npat = r & 1 ? 1 + (int32_t)(tt_rng_u32(&rng) % 3) : 0;
            for (i = 0; i < npat && cl < 4; i++) pat[i] = pool[tt_rng_u32(&rng) % (uint32_t)np];
            if (lead) buf[k++] = ' ';
            if (cl < 4) {
                while (k < len) {
                    const unsigned char *b = NULL; size_t l = 0;
                    tt_tokenizer_token(t, npat ? pat[q++ % npat] : pool[tt_rng_u32(&rng) % (uint32_t)np], &b, &l);
                    if (l > len - k) l = len - k;
                    memcpy(buf + k, b, l);
                    k += l;
                }
            } else if (cl == 4) { /* a slice of the training text */
                size_t at = tt_rng_u32(&rng) % (uint32_t)(cn - len);
                memcpy(buf, corpus + at, len);
                k = len;
            } else if (cl == 5) { /* any tokens */
                while (k < len) {
                    const unsigned char *b = NULL; size_t l = 0;
                    tt_tokenizer_token(t, (int32_t)(tt_rng_u32(&rng) % (uint32_t)nv), &b, &l);
                    if (l > len - k) l = len - k;
                    memcpy(buf + k, b, l);
                    k += l;
                }
            } else {
                for (; k < len; k++) buf[k] = (unsigned char)tt_rng_u32(&rng);
            }
            if (!piece_vs_reference(t, &rb, buf, len, &ni)) nbad++;
            ncase++; nbytes += len; nids += ni;
            if (nbad > 5) break;
        }
    }
    printf("%s: %zu long pieces (%zu bytes, %.2f bytes/id): %d differ from the plain reference BPE\n", what,
           ncase, nbytes, nids ? (double)nbytes / nids : 0.0, nbad);
    ref_bpe_free(&rb);
    free(pool);
    free(buf);
}

/* ---- failing allocator ---- */
typedef struct failalloc { long calls, fail_at; long live; size_t bytes; } failalloc;
static void *fa_alloc(void *u, size_t size, size_t align) {
    failalloc *f = (failalloc *)u;
    void *p;
    if (++f->calls == f->fail_at) return NULL;
    (void)align;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) != 0) return NULL;
    f->live++; f->bytes += size;
    return p;
}
static void fa_free(void *u, void *p, size_t size) {
    failalloc *f = (failalloc *)u;
    f->live--; f->bytes -= size;
    free(p);
}

static int cancel_cb(void *user, uint64_t done, uint64_t total) {
    int *calls = (int *)user;
    (void)total;
    (*calls)++;
    return done >= 10;
}

int main(void) {
    static const char *xsp[] = { "<|x|>" };
    char got[4096];
    tt_tokenizer *t1, *t2, *t3;
    unsigned char *corpus;
    size_t cn = 3u << 20;

    /* ---- golden merges (worked out by hand in the comments) ---- */
    /* "ab ab ab abc abc": words ab:1, " ab":2, " abc":2; pairs (a,b)=5,
     * ( ,a)=4, (b,c)=2 -> "ab"; then ( ,ab)=4 -> " ab"; then ( ab,c)=2. */
    golden("basic", "ab ab ab abc abc", 300, 0, TT_SPLIT_GPT2, "[ab][ ab][ abc]");
    /* vocab_size caps the merges */
    golden("cap", "ab ab ab abc abc", 257, 0, TT_SPLIT_GPT2, "[ab]");
    /* min_frequency 3 stops before ( ab,c)=2 */
    golden("minfreq", "ab ab ab abc abc", 300, 3, TT_SPLIT_GPT2, "[ab][ ab]");
    /* ties: "xy yx" with min 1: (x,y) ( ,y) (y,x) all 1; smallest left id
     * ' '=32 wins -> " y"; then (x,y) (120 < 256) -> "xy"; then ( y,x) */
    golden("tie", "xy yx", 300, 1, TT_SPLIT_GPT2, "[ y][xy][ yx]");
    /* overlapping runs, no split: "aaaaa": (a,a)=4 -> [aa aa a]; pairs
     * (aa,aa)=1 (aa,a)=1; tie on left 256, right 97 < 256 -> "aaa"; then
     * (aa,aaa) -> "aaaaa" */
    golden("overlap", "aaaaa", 300, 1, TT_SPLIT_NONE, "[aa][aaa][aaaaa]");
    /* counts of runs after a merge: "aaaa bb bb bb" -> words aaaa:1, " bb":3;
     * (a,a)=3 = (b,b)=3 = ( ,b)=3: tie -> ( ,b) (32) -> " b"; then (a,a)=3
     * vs ( b,b)=3: (97) wins -> "aa" leaves (aa,aa)=1; then ( b,b)=3 -> " bb";
     * then (aa,aa)=1 < 2 stops */
    golden("runs", "aaaa bb bb bb", 300, 0, TT_SPLIT_GPT2, "[ b][aa][ bb]");
    /* contractions and GPT-2 pieces: "it's it's" -> words it:1, "'s":2,
     * " it":1; (',s)=2 and (i,t)=2 tie, '\'' (39) < 'i' -> "'s", then "it";
     * ( ,it)=1 stops */
    golden("pieces", "it's it's", 300, 0, TT_SPLIT_GPT2, "['s][it]");

    /* special tokens are cut out before counting: no merge touches '<' */
    t1 = train("ab<|x|>ab<|x|>ab<|x|>", 300, 1, TT_SPLIT_GPT2, 1, xsp, 1);
    if (t1) {
        merges_str(t1, got, sizeof(got));
        CHECK(strcmp(got, "[ab]") == 0);
        CHECK(tt_tokenizer_vocab_size(t1) == 258 && tt_tokenizer_special_id(t1, "<|x|>") == 257);
        {
            int32_t ids[16]; size_t n = 0;
            CHECK_OK(tt_tokenizer_encode(t1, "ab<|x|>", 7, TT_ENCODE_SPECIAL, ids, 16, &n));
            CHECK(n == 2 && ids[0] == 256 && ids[1] == 257);
            CHECK_RT(t1, "ab<|x|>", 7, ids, n);
            CHECK_OK(tt_tokenizer_encode(t1, "ab<|x|>", 7, 0, ids, 16, &n));
            CHECK(n > 2); /* ordinary text never becomes a special token */
            CHECK_RT(t1, "ab<|x|>", 7, ids, n);
            CHECK(tt_tokenizer_encode(t1, "ab<|x|>", 7, 0, ids, 1, &n) == TT_ERR_BUFFER_TOO_SMALL && n > 2);
            CHECK_OK(tt_tokenizer_encode(t1, "ab<|x|>", 7, 0, NULL, 0, &n));
            CHECK(n > 2);
        }
        tt_tokenizer_destroy(t1);
    }

    /* ---- bigger synthetic corpus: 1 vs 2 threads, save/load ---- */
    corpus = make_corpus(cn);

    /* a vocabulary that holds every pair of lowercase letters: in a long
     * letter piece nearly every adjacent pair is a merge candidate, and the
     * merges queue many more (the case that overflowed the merge heap) */
    {
        tt_tokenizer_config cfg = {0};
        tt_tokenizer *tl = NULL;
        size_t ln = 300000, k = 0;
        unsigned char *lw = (unsigned char *)malloc(ln);
        tt_rng rng;
        tt_rng_seed(&rng, 3);
        while (k < ln) {
            size_t wl = 1 + tt_rng_u32(&rng) % 10;
            for (; wl > 0 && k < ln; wl--) lw[k++] = (unsigned char)('a' + tt_rng_u32(&rng) % 26);
            if (k < ln) lw[k++] = ' ';
        }
        cfg.vocab_size = 4000;
        CHECK_OK(tt_tokenizer_train(&cfg, lw, ln, &tl));
        if (tl) {
            long_pieces(tl, "trained 4000 on random letters", 0, lw, ln);
            tt_tokenizer_destroy(tl);
        }
        free(lw);
    }

    /* TT_SPLIT_NONE: any text is one piece, so long pieces of any bytes */
    {
        tt_tokenizer_config cfg = {0};
        tt_tokenizer *tn = NULL;
        cfg.vocab_size = 1500; cfg.split_mode = TT_SPLIT_NONE; cfg.special_tokens = xsp; cfg.n_special = 1;
        CHECK_OK(tt_tokenizer_train(&cfg, corpus, 100000, &tn));
        if (tn) {
            long_pieces(tn, "trained 1500, no split", 1, corpus, cn);
            round_trips(tn, "trained 1500, no split");
            tt_tokenizer_destroy(tn);
        }
    }
    {
        tt_tokenizer_config cfg = {0};
        int calls = 0;
        membuf mb = {0};
        tt_io io;
        uint64_t sz = 0;
        t1 = t2 = t3 = NULL;
        cfg.vocab_size = 2000; cfg.special_tokens = xsp; cfg.n_special = 1;
        cfg.n_threads = 1;
        CHECK_OK(tt_tokenizer_train(&cfg, corpus, cn, &t1));
        cfg.n_threads = 2;
        CHECK_OK(tt_tokenizer_train(&cfg, corpus, cn, &t2));
        CHECK(t1 && t2 && same_tokenizer(t1, t2));
        printf("synthetic 3 MiB corpus: 1 and 2 threads train the same %d tokens\n", tt_tokenizer_vocab_size(t1));
        /* training stops early when pairs run out */
        /* cancel through the progress callback */
        cfg.progress = cancel_cb; cfg.progress_user = &calls; cfg.n_threads = 1;
        CHECK(tt_tokenizer_train(&cfg, corpus, cn / 8, &t3) == TT_ERR_CANCELLED && t3 == NULL && calls >= 1);
        cfg.progress = NULL;

        /* the same ids with 1 and 2 threads, streaming encode, round trip */
        {
            int32_t *a = (int32_t *)malloc(cn * 4), *b = (int32_t *)malloc(cn * 4);
            unsigned char *back = (unsigned char *)malloc(cn);
            size_t na = 0, nb = 0, nbytes = 0, pos = 0, tot = 0;
            int fl;
            for (fl = 0; fl < 2; fl++) {
                CHECK_OK(tt_tokenizer_encode(t1, corpus, cn, fl, a, cn, &na));
                CHECK_OK(tt_tokenizer_encode(t2, corpus, cn, fl, b, cn, &nb));
                CHECK(na == nb && memcmp(a, b, na * 4) == 0);
                CHECK_RT(t2, corpus, cn, b, nb);
                /* an exact-size buffer takes the other parallel path */
                memset(b, 0, cn * 4);
                CHECK_OK(tt_tokenizer_encode(t2, corpus, cn, fl, b, na, &nb));
                CHECK(na == nb && memcmp(a, b, na * 4) == 0);
                CHECK_RT(t2, corpus, cn, b, nb);
                CHECK_OK(tt_tokenizer_encode(t2, corpus, cn, fl, NULL, 0, &nb));
                CHECK(na == nb);
                CHECK_OK(tt_tokenizer_decode(t1, a, na, back, cn, &nbytes));
                CHECK(nbytes == cn && memcmp(back, corpus, cn) == 0);
                /* streaming in 1000-byte windows */
                pos = 0; tot = 0;
                while (pos < cn) {
                    size_t win = 1000, got_ids = 0, used = 0;
                    for (;;) {
                        size_t end = pos + win < cn ? pos + win : cn;
                        CHECK_OK(tt_tokenizer_encode_prefix(t1, corpus + pos, end - pos, fl, end == cn, b + tot,
                                                            cn - tot, &got_ids, &used));
                        if (used || end == cn) break;
                        win *= 2;
                    }
                    tot += got_ids; pos += used;
                    if (!used) break;
                }
                CHECK(tot == na && memcmp(a, b, na * 4) == 0);
                CHECK_RT(t1, corpus, cn, b, tot);
            }
            printf("synthetic corpus: %.3f bytes/token; 1/2 threads and streaming give the same ids\n", (double)cn / na);
            /* streaming decode, one id at a time: same bytes, never a split UTF-8 char */
            {
                tt_tokenizer_decoder dec = {{0}, 0};
                unsigned char out[TT_TOKENIZER_MAX_SPECIAL_BYTES + 8];
                size_t i, k = 0, no = 0, splits = 0;
                for (i = 0; i < na && i < 200000; i++) {
                    CHECK_OK(tt_tokenizer_decode_stream(t1, &dec, a + i, 1, 0, out, sizeof(out), &no));
                    if (no && (out[no - 1] & 0xC0) == 0xC0) splits++; /* ends in a lead byte */
                    if (memcmp(out, corpus + k, no) != 0) { fails++; fprintf(stderr, "FAIL stream decode at %zu\n", i); break; }
                    k += no;
                }
                CHECK_OK(tt_tokenizer_decode_stream(t1, &dec, NULL, 0, 1, out, sizeof(out), &no));
                k += no;
                CHECK(splits == 0 && dec.n_pending == 0);
                CHECK(memcmp(back, corpus, k) == 0);
            }
            free(a); free(b); free(back);
        }

        /* save -> load through tt_io, and file wrappers */
        io.read = mb_read; io.write = mb_write; io.user = &mb;
        CHECK_OK(tt_tokenizer_save(t1, &io));
        CHECK_OK(tt_tokenizer_save_size(t1, &sz));
        CHECK(sz == mb.n);
        mb_write(&mb, "TAIL", 4); /* loader must not read past its own bytes */
        CHECK_OK(tt_tokenizer_load(NULL, &io, &t3));
        CHECK(t3 && same_tokenizer(t1, t3) && mb.pos == mb.n - 4);
        tt_tokenizer_destroy(t3); t3 = NULL;
        CHECK_OK(tt_tokenizer_save_file(t1, "build/test_bpe_unit.ttbp"));
        CHECK_OK(tt_tokenizer_load_file(NULL, "build/test_bpe_unit.ttbp", &t3));
        CHECK(t3 && same_tokenizer(t1, t3));
        tt_tokenizer_destroy(t3); t3 = NULL;
        round_trips(t1, "trained 2000");
        long_pieces(t1, "trained 2000", 0, corpus, cn);
        mb.n -= 4;

        /* corrupted files: every truncation, every single-bit flip of the
         * header and of a sample of the payload, random garbage */
        {
            size_t len = mb.n, i, bad = 0, tried = 0;
            unsigned char *orig = (unsigned char *)malloc(len);
            tt_rng rng;
            memcpy(orig, mb.p, len);
            for (i = 0; i < len; i += (i < 200 ? 1 : 97)) {
                tt_tokenizer *x = NULL;
                mb.n = i; mb.pos = 0;
                if (tt_tokenizer_load(NULL, &io, &x) != TT_ERR_BAD_FORMAT || x) bad++;
                tried++;
            }
            mb.n = len;
            for (i = 0; i < len * 8; i += (i < 64 * 8 ? 1 : 61)) {
                tt_tokenizer *x = NULL;
                memcpy(mb.p, orig, len);
                mb.p[i / 8] ^= (unsigned char)(1u << (i % 8));
                mb.pos = 0;
                if (tt_tokenizer_load(NULL, &io, &x) == TT_OK || x) bad++;
                tried++;
            }
            tt_rng_seed(&rng, 5);
            for (i = 0; i < 2000; i++) {
                tt_tokenizer *x = NULL;
                size_t k, nflip = 1 + tt_rng_u32(&rng) % 8;
                memcpy(mb.p, orig, len);
                for (k = 0; k < nflip; k++) mb.p[tt_rng_u32(&rng) % len] = (unsigned char)tt_rng_u32(&rng);
                mb.pos = 0;
                if (tt_tokenizer_load(NULL, &io, &x) == TT_OK) { tt_tokenizer_destroy(x); if (memcmp(mb.p, orig, len) != 0) bad++; }
                tried++;
            }
            CHECK(bad == 0);
            printf("corrupted files: %zu tried, %zu accepted\n", tried, bad);
            memcpy(mb.p, orig, len);
            free(orig);
        }
        free(mb.p);
        tt_tokenizer_destroy(t1);
        tt_tokenizer_destroy(t2);
    }

    /* hostile files with a valid CRC: duplicate tokens, missing byte, empty
     * token, lengths that do not add up, absurd counts */
    {
        int c;
        for (c = 0; c < 7; c++) { /* c == 6: the unmodified file loads */
            unsigned char f[40 + 4 * 300 + 600];
            size_t n = 0, i, pl;
            uint32_t vocab = 258, crc;
            tt_tokenizer *x = NULL;
            membuf mb = {0};
            tt_io io;
            memset(f, 0, sizeof(f));
            memcpy(f, "TTBP", 4);
            f[4] = 1; f[8] = 40;
            for (i = 0; i < vocab; i++) { uint32_t l = i < 256 ? 1 : 2; f[40 + 4 * i] = (unsigned char)l; }
            n = 40 + 4 * vocab;
            for (i = 0; i < 256; i++) f[n++] = (unsigned char)i;
            f[n++] = 'a'; f[n++] = 'b'; f[n++] = 'c'; f[n++] = 'd';
            if (c == 0) { f[n - 2] = 'a'; f[n - 1] = 'b'; }          /* duplicate "ab" */
            if (c == 1) { f[40 + 4 * 255] = 2; f[40 + 4 * 257] = 1; } /* "\xff" + "a", "bc", "d": no 0xFF token */
            if (c == 2) { f[40 + 4 * 256] = 0; f[40 + 4 * 257] = 4; } /* empty token */
            if (c == 3) { f[40 + 4 * 257] = 3; }                        /* lengths != bytes */
            if (c == 4) { f[16] = 0xFF; f[17] = 0xFF; f[18] = 0xFF; f[19] = 0x7F; } /* vocab huge */
            if (c == 5) { f[20] = 3; }                                  /* n_special > vocab - 256 */
            if (c != 4) { f[16] = (unsigned char)vocab; f[17] = (unsigned char)(vocab >> 8); }
            pl = n - 40;
            for (i = 0; i < 8; i++) f[24 + i] = (unsigned char)((uint64_t)pl >> (8 * i));
            crc = tt_crc32(tt_crc32(0, f, 32), f + 40, pl);
            for (i = 0; i < 4; i++) f[32 + i] = (unsigned char)(crc >> (8 * i));
            mb.p = f; mb.n = n; mb.cap = 0;
            io.read = mb_read; io.write = NULL; io.user = &mb;
            if (c == 6) {
                CHECK_OK(tt_tokenizer_load(NULL, &io, &x));
                CHECK(x && tt_tokenizer_vocab_size(x) == 258);
                tt_tokenizer_destroy(x);
            } else if (tt_tokenizer_load(NULL, &io, &x) != TT_ERR_BAD_FORMAT || x) {
                fprintf(stderr, "FAIL hostile file %d accepted\n", c); fails++; tt_tokenizer_destroy(x);
            }
        }
        printf("hostile files with valid CRC rejected\n");
    }

    /* failing allocator: failing the k-th allocation of a training run,
     * for every k, returns TT_ERR_OUT_OF_MEMORY (never a tokenizer built
     * from partial counts) and leaks nothing; likewise for encode, whose
     * long pieces allocate scratch */
    {
        failalloc ref = {0, 0, 0, 0};
        tt_tokenizer_config cfg = {0};
        tt_tokenizer *want = NULL;
        long n, total = 0, n_oom = 0, enc_total = 0, enc_oom = 0;
        cfg.vocab_size = 400; cfg.allocator.alloc = fa_alloc; cfg.allocator.free = fa_free; cfg.allocator.user = &ref;
        cfg.special_tokens = xsp; cfg.n_special = 1;
        CHECK_OK(tt_tokenizer_train(&cfg, corpus, 200000, &want));
        total = ref.calls;
        for (n = 1; n <= total && want; n++) {
            failalloc fa = {0, 0, 0, 0};
            tt_tokenizer *x = NULL;
            tt_status st;
            fa.fail_at = n;
            cfg.allocator.user = &fa;
            st = tt_tokenizer_train(&cfg, corpus, 200000, &x);
            if (st == TT_OK) {
                fprintf(stderr, "FAIL allocation %ld of %ld failed but training returned TT_OK (%s tokenizer)\n", n, total,
                        same_tokenizer(x, want) ? "the same" : "a different");
                fails++;
                tt_tokenizer_destroy(x);
            } else {
                CHECK(st == TT_ERR_OUT_OF_MEMORY && x == NULL);
                n_oom++;
            }
            if (fa.live != 0) { fprintf(stderr, "FAIL leak after failing allocation %ld: %ld blocks\n", n, fa.live); fails++; break; }
        }
        if (want) {
            static int32_t ids[8192], ids_ref[8192];
            unsigned char run[6000];
            size_t ni = 0, nref = 0, k;
            long live0 = ref.live;
            /* 3000 'e', then the 76-byte glued piece of the issue, repeated */
            memset(run, 'e', 3000);
            for (k = 3000; k < sizeof(run); k++)
                run[k] = (unsigned char)"biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum"[(k - 3000) % 76];
            ref.calls = 0; ref.fail_at = 0;
            CHECK_OK(tt_tokenizer_encode(want, run, sizeof(run), 0, ids_ref, 8192, &nref));
            CHECK_RT(want, run, sizeof(run), ids_ref, nref);
            enc_total = ref.calls;
            for (n = 1; n <= enc_total; n++) {
                tt_status se;
                ref.calls = 0; ref.fail_at = n;
                se = tt_tokenizer_encode(want, run, sizeof(run), 0, ids, 8192, &ni);
                if (se == TT_OK) {
                    fprintf(stderr, "FAIL allocation %ld of %ld in encode failed but encode returned TT_OK\n", n, enc_total);
                    fails++;
                } else {
                    CHECK(se == TT_ERR_OUT_OF_MEMORY);
                    enc_oom++;
                }
                CHECK(ref.live == live0);
            }
            ref.calls = 0; ref.fail_at = 0;
            CHECK_OK(tt_tokenizer_encode(want, run, sizeof(run), 0, ids, 8192, &ni));
            CHECK(ni == nref && memcmp(ids, ids_ref, ni * sizeof(int32_t)) == 0);
            tt_tokenizer_destroy(want);
            CHECK(ref.live == 0);
        }
        CHECK(total > 0 && n_oom == total && enc_total > 0 && enc_oom == enc_total);
        printf("failing allocator: %ld of %ld fail points in training and %ld of %ld in encode report "
               "TT_ERR_OUT_OF_MEMORY, no leaks\n", n_oom, total, enc_oom, enc_total);
    }

    /* argument checks */
    {
        tt_tokenizer_config cfg = {0};
        tt_tokenizer *x = NULL;
        size_t n = 0;
        CHECK(tt_tokenizer_train(&cfg, "abc", 3, &x) == TT_ERR_INVALID_ARG); /* vocab_size required */
        cfg.vocab_size = 256; cfg.n_special = 1; cfg.special_tokens = xsp;
        CHECK(tt_tokenizer_train(&cfg, "abc", 3, &x) == TT_ERR_INVALID_ARG);
        cfg.vocab_size = 257;
        CHECK_OK(tt_tokenizer_train(&cfg, "", 0, &x));
        CHECK(x && tt_tokenizer_vocab_size(x) == 257);
        CHECK(tt_tokenizer_decode(x, (const int32_t *)"\xff\xff\xff\xff", 1, NULL, 0, &n) == TT_ERR_INVALID_ARG);
        CHECK(tt_tokenizer_encode(x, NULL, 5, 0, NULL, 0, &n) == TT_ERR_INVALID_ARG);
        CHECK(tt_tokenizer_special_id(x, "nope") == -1);
        tt_tokenizer_destroy(x);
        tt_tokenizer_destroy(NULL);
        tt_tokenizer_trainer_destroy(NULL);
    }
    free(corpus);
    if (fails) { fprintf(stderr, "%d failure(s)\n", fails); return 1; }
    printf("ok\n");
    return 0;
}
