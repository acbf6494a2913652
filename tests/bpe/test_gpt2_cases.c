/* GPT-2 edge cases vs tiktoken, the two GPT-2 loaders agree, and random
 * byte strings (invalid UTF-8 included) round-trip through GPT-2.
 * usage: test_gpt2_cases RANKFILE ENCODER_JSON VOCAB_BPE CASES TIKTOKEN_OUT */
#define _POSIX_C_SOURCE 199309L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "bpe_util.h"

static void dump(const char *what, const int32_t *ids, size_t n) {
    size_t i;
    fprintf(stderr, "  %s:", what);
    for (i = 0; i < n && i < 40; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, n > 40 ? " ...\n" : "\n");
}

int main(int argc, char **argv) {
    static const char *eot[] = { "<|endoftext|>" };
    tt_tokenizer_config cfg = {0};
    tt_tokenizer *tk = NULL, *tj = NULL;
    unsigned char *cases, *ref, *buf;
    size_t nc, nr, pc = 0, pr = 0, ncase = 0, nbad = 0, i;
    int32_t *ids;
    tt_rng rng;
    int r;
    if (argc < 6) { fprintf(stderr, "usage: %s RANKFILE ENCODER_JSON VOCAB_BPE CASES TIKTOKEN_OUT\n", argv[0]); return 2; }
    cfg.special_tokens = eot;
    cfg.n_special = 1;
    CHECK_OK(tt_tokenizer_load_tiktoken_file(&cfg, argv[1], &tk));
    memset(&cfg, 0, sizeof(cfg));
    CHECK_OK(tt_tokenizer_load_gpt2_file(&cfg, argv[2], argv[3], &tj));
    if (fails) return 1;

    /* the two loaders give the same vocabulary */
    CHECK(tt_tokenizer_vocab_size(tk) == 50257 && tt_tokenizer_vocab_size(tj) == 50257);
    CHECK(tt_tokenizer_n_special(tj) == 1 && tt_tokenizer_special_id(tj, "<|endoftext|>") == 50256);
    for (i = 0; i < 50257; i++) {
        const unsigned char *a = NULL, *b = NULL;
        size_t la = 0, lb = 1;
        tt_tokenizer_token(tk, (int32_t)i, &a, &la);
        tt_tokenizer_token(tj, (int32_t)i, &b, &lb);
        if (la != lb || memcmp(a, b, la) != 0) { fprintf(stderr, "FAIL token %zu differs between loaders\n", i); fails++; break; }
    }

    cases = read_file(argv[4], &nc);
    ref = read_file(argv[5], &nr);
    if (!cases || !ref) { fprintf(stderr, "cannot read cases\n"); return 1; }
    ids = (int32_t *)malloc(1 << 20);
    while (pc + 4 <= nc && pr + 4 <= nr) {
        size_t len = get_u32le(cases + pc), nref = get_u32le(ref + pr), n = 0, k;
        const unsigned char *s = cases + pc + 4;
        int flags = 0, ok = 1;
        const int32_t *dummy = NULL;
        (void)dummy;
        if (len && s[0] == 1) { flags = TT_ENCODE_SPECIAL; s++; len--; pc++; }
        pc += 4 + len;
        CHECK_OK(tt_tokenizer_encode(tk, s, len, flags, ids, 1 << 18, &n));
        if (n != nref) ok = 0;
        for (k = 0; ok && k < n; k++)
            if ((unsigned)ids[k] != get_u32le(ref + pr + 4 + 4 * k)) ok = 0;
        if (!ok) {
            int32_t tkids[64];
            size_t q;
            fprintf(stderr, "FAIL case %zu (%zu bytes, flags %d): '%.*s'\n", ncase, len, flags, (int)(len < 80 ? len : 80), (const char *)s);
            dump("ours", ids, n);
            for (q = 0; q < nref && q < 64; q++) tkids[q] = (int32_t)get_u32le(ref + pr + 4 + 4 * q);
            dump("tiktoken", tkids, nref);
            nbad++;
        }
        /* same ids from the encoder.json loader; decode gives the text back */
        {
            size_t n2 = 0;
            static int32_t ids2[1 << 16];
            if (n < (1 << 16)) {
                CHECK_OK(tt_tokenizer_encode(tj, s, len, flags, ids2, 1 << 16, &n2));
                CHECK(n2 == n && memcmp(ids, ids2, n * 4) == 0);
                CHECK_RT(tj, s, len, ids2, n2);
            }
        }
        CHECK_RT(tk, s, len, ids, n);
        pr += 4 + 4 * nref;
        ncase++;
    }
    CHECK(pc == nc && pr == nr);
    printf("%zu edge cases: %zu differ from tiktoken\n", ncase, nbad);
    if (nbad) fails++;

    /* random bytes (mostly invalid UTF-8) round-trip, also with specials */
    tt_rng_seed(&rng, 42);
    buf = (unsigned char *)malloc(4096);
    for (r = 0; r < 2000; r++) {
        unsigned char back[4096];
        size_t len = tt_rng_u32(&rng) % 300, n = 0, nb = 0, k;
        int mode = r % 4;
        for (k = 0; k < len; k++) {
            unsigned v = tt_rng_u32(&rng);
            buf[k] = mode == 0 ? (unsigned char)v : mode == 1 ? (unsigned char)(0x80 | (v & 0x7F))
                   : mode == 2 ? (unsigned char)" \n\t'aZ9\xc3\xa9\xe2\x80\xa8<|>"[v % 16] : (unsigned char)(v % 0x40 + 0xA0);
        }
        CHECK_OK(tt_tokenizer_encode(tk, buf, len, r & 1 ? TT_ENCODE_SPECIAL : 0, ids, 1 << 18, &n));
        CHECK_OK(tt_tokenizer_decode(tk, ids, n, back, sizeof(back), &nb));
        if (nb != len || memcmp(back, buf, len) != 0) { fprintf(stderr, "FAIL round trip %d\n", r); fails++; break; }
    }
    printf("2000 random byte strings round-trip through GPT-2\n");

    /* long runs are not quadratic: 1 MB of one character (timing printed only) */
    {
        size_t big = 1 << 20, n = 0, nb = 0;
        unsigned char *run = (unsigned char *)malloc(big), *back = (unsigned char *)malloc(big);
        int32_t *rid = (int32_t *)malloc(big * sizeof(int32_t));
        const char *chars = "a !\n";
        int c;
        for (c = 0; c < 4; c++) {
            double t0 = now_s();
            memset(run, chars[c], big);
            CHECK_OK(tt_tokenizer_encode(tk, run, big, 0, rid, big, &n));
            printf("1 MiB of 0x%02x: %zu ids in %.3f s\n", (unsigned)(unsigned char)chars[c], n, now_s() - t0);
            CHECK_OK(tt_tokenizer_decode(tk, rid, n, back, big, &nb));
            CHECK(nb == big && memcmp(back, run, big) == 0);
        }
        free(run); free(back); free(rid);
    }
    /* fuzz the GPT-2 loaders: mutated rank files (the first 400 ranks) and
     * mutated encoder.json / vocab.bpe: any result but a crash or a leak */
    {
        size_t nrk = 0, nj = 0, nv = 0, cut = 0, lines = 0, k;
        unsigned char *rk = read_file(argv[1], &nrk), *ej = read_file(argv[2], &nj), *vb = read_file(argv[3], &nv);
        unsigned char *m = (unsigned char *)malloc(nj > nrk ? (nj > nv ? nj : nv) : (nrk > nv ? nrk : nv));
        int ok_count = 0, it;
        tt_tokenizer *x = NULL;
        while (cut < nrk && lines < 400) if (rk[cut++] == '\n') lines++;
        CHECK_OK(tt_tokenizer_load_tiktoken(NULL, rk, cut, &x));
        CHECK(x && tt_tokenizer_vocab_size(x) == 400);
        tt_tokenizer_destroy(x);
        tt_rng_seed(&rng, 11);
        for (it = 0; it < 3000; it++) {
            size_t len = cut - tt_rng_u32(&rng) % 50, nf = 1 + tt_rng_u32(&rng) % 4;
            tt_status st;
            memcpy(m, rk, len);
            for (k = 0; k < nf; k++) m[tt_rng_u32(&rng) % len] = (unsigned char)"A=+/ \n09\xff"[tt_rng_u32(&rng) % 10];
            x = NULL;
            st = tt_tokenizer_load_tiktoken(NULL, m, len, &x);
            if (st == TT_OK) { ok_count++; tt_tokenizer_destroy(x); }
            else CHECK(st == TT_ERR_BAD_FORMAT && x == NULL);
        }
        for (it = 0; it < 20; it++) {
            tt_status st;
            int which = it & 1;
            size_t len = which ? nv : nj;
            memcpy(m, which ? vb : ej, len);
            for (k = 0; k < 3; k++) m[tt_rng_u32(&rng) % len] = (unsigned char)"\"\\u: ,{}0\n"[tt_rng_u32(&rng) % 10];
            x = NULL;
            st = which ? tt_tokenizer_load_gpt2(NULL, ej, nj, m, len, &x) : tt_tokenizer_load_gpt2(NULL, m, len, vb, nv, &x);
            if (st == TT_OK) tt_tokenizer_destroy(x);
            else CHECK(st == TT_ERR_BAD_FORMAT && x == NULL);
        }
        printf("loader fuzz: 3000 mutated rank files (%d still valid), 20 mutated encoder.json/vocab.bpe\n", ok_count);
        free(rk); free(ej); free(vb); free(m);
    }
    tt_tokenizer_destroy(tk);
    tt_tokenizer_destroy(tj);
    free(cases); free(ref); free(ids); free(buf);
    if (fails) { fprintf(stderr, "%d failure(s)\n", fails); return 1; }
    printf("ok\n");
    return 0;
}
