/* GPT-2 ids of a corpus, ours vs tiktoken's (a u32 LE id file written by
 * tiktoken_ids.py), with 1 and 2 threads and via the streaming encoder;
 * each encoding decodes back to the corpus.
 * usage: test_gpt2_corpus RANKFILE CORPUS TIKTOKEN_IDS */
#define _POSIX_C_SOURCE 199309L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "bpe_util.h"

static void show_mismatch(const tt_tokenizer *tok, const int32_t *ids, size_t n, const unsigned char *ref, size_t nref) {
    size_t i, j;
    for (i = 0; i < n && i < nref; i++)
        if ((unsigned)ids[i] != get_u32le(ref + 4 * i)) break;
    fprintf(stderr, "first mismatch at id %zu (ours %zu ids, tiktoken %zu)\n", i, n, nref);
    for (j = i >= 5 ? i - 5 : 0; j < i + 5 && (j < n || j < nref); j++) {
        const unsigned char *b;
        size_t l = 0;
        fprintf(stderr, "  %zu: ours %d", j, j < n ? ids[j] : -1);
        if (j < n && tt_tokenizer_token(tok, ids[j], &b, &l) == TT_OK) fprintf(stderr, " '%.*s'", (int)l, (const char *)b);
        fprintf(stderr, "  tiktoken %d", j < nref ? (int)get_u32le(ref + 4 * j) : -1);
        if (j < nref && tt_tokenizer_token(tok, (int32_t)get_u32le(ref + 4 * j), &b, &l) == TT_OK)
            fprintf(stderr, " '%.*s'", (int)l, (const char *)b);
        fprintf(stderr, "\n");
    }
}

static int compare(const char *what, const tt_tokenizer *tok, const int32_t *ids, size_t n, const unsigned char *ref, size_t nref) {
    size_t i;
    if (n == nref) {
        for (i = 0; i < n; i++)
            if ((unsigned)ids[i] != get_u32le(ref + 4 * i)) break;
        if (i == n) { printf("%s: %zu ids identical to tiktoken\n", what, n); return 1; }
    }
    fprintf(stderr, "FAIL %s: ids differ from tiktoken\n", what);
    show_mismatch(tok, ids, n, ref, nref);
    return 0;
}

int main(int argc, char **argv) {
    static const char *eot[] = { "<|endoftext|>" };
    tt_tokenizer_config cfg = {0};
    tt_tokenizer *tok1 = NULL, *tok2 = NULL;
    unsigned char *text, *ref;
    size_t n, nref_bytes, nref, nids = 0, pos, total;
    int32_t *ids;
    double t0;
    if (argc < 4) { fprintf(stderr, "usage: %s RANKFILE CORPUS TIKTOKEN_IDS\n", argv[0]); return 2; }
    text = read_file(argv[2], &n);
    ref = read_file(argv[3], &nref_bytes);
    if (!text || !ref) { fprintf(stderr, "cannot read %s or %s\n", argv[2], argv[3]); return 1; }
    nref = nref_bytes / 4;
    cfg.special_tokens = eot;
    cfg.n_special = 1;
    CHECK_OK(tt_tokenizer_load_tiktoken_file(&cfg, argv[1], &tok1));
    cfg.n_threads = 2;
    CHECK_OK(tt_tokenizer_load_tiktoken_file(&cfg, argv[1], &tok2));
    if (fails) return 1;
    CHECK(tt_tokenizer_vocab_size(tok1) == 50257);
    CHECK(tt_tokenizer_special_id(tok1, "<|endoftext|>") == 50256);
    ids = (int32_t *)malloc((n + 1) * sizeof(int32_t));

    t0 = now_s();
    CHECK_OK(tt_tokenizer_encode(tok1, text, n, 0, ids, n + 1, &nids));
    printf("1 thread: %.1f MB/s\n", n / 1e6 / (now_s() - t0));
    if (!compare("1 thread", tok1, ids, nids, ref, nref)) fails++;
    CHECK_RT(tok1, text, n, ids, nids);

    memset(ids, 0xFF, (n + 1) * sizeof(int32_t));
    t0 = now_s();
    CHECK_OK(tt_tokenizer_encode(tok2, text, n, 0, ids, n + 1, &nids));
    printf("2 threads: %.1f MB/s\n", n / 1e6 / (now_s() - t0));
    if (!compare("2 threads", tok2, ids, nids, ref, nref)) fails++;
    CHECK_RT(tok2, text, n, ids, nids);

    /* streaming: feed 64 KiB at a time, keep the unconsumed tail */
    memset(ids, 0xFF, (n + 1) * sizeof(int32_t));
    pos = 0; total = 0;
    {
        size_t win = 65536;
        while (pos < n) {
            size_t end = pos + win < n ? pos + win : n, got = 0, used = 0;
            int final = end == n;
            tt_status st = tt_tokenizer_encode_prefix(tok1, text + pos, end - pos, 0, final, ids + total,
                                                      n + 1 - total, &got, &used);
            if (st != TT_OK) { CHECK_OK(st); break; }
            total += got;
            pos += used;
            win = used ? 65536 : win * 2; /* no safe point yet: read more */
        }
    }
    if (!compare("streaming 64 KiB", tok1, ids, total, ref, nref)) fails++;
    CHECK_RT(tok1, text, n, ids, total);
    printf("decode(encode(corpus)) == corpus for 1 thread, 2 threads and streaming\n");

    tt_tokenizer_destroy(tok1);
    tt_tokenizer_destroy(tok2);
    free(ids); free(text); free(ref);
    if (fails) { fprintf(stderr, "%d failure(s)\n", fails); return 1; }
    printf("ok\n");
    return 0;
}
