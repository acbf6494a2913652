/* libFuzzer target: encode arbitrary bytes with GPT-2 (when
 * TT_FUZZ_GPT2_RANKS names r50k_base.tiktoken) and with two small trained
 * vocabularies (GPT-2 split and TT_SPLIT_NONE). Checks: TT_OK, ids in
 * range, decode(encode(x)) == x with and without special tokens, the
 * streaming encoder gives the same ids when cut at an input-chosen point,
 * and with TT_SPLIT_NONE (the whole input is one piece) the ids equal the
 * plain O(n^2) reference BPE of tests/bpe/bpe_util.h. */
#include "fuzz_util.h"

static tt_tokenizer *toks[3];
static int ntok, none_tok = -1;
static ref_bpe ref_none;

/* deterministic training text: syllables, digits, punctuation, UTF-8 */
static unsigned char *train_text(size_t n) {
    static const char *sy[] = { "th", "e", "an", "d", "in", "g", "qu", "ick", "br", "own", "\xc3\xa9", "\xe4\xbd\xa0",
                                " ", " ", "  ", ", ", ".\n", "123", "'s", "<|x|>", "http://", "==", "\t" };
    unsigned char *s = (unsigned char *)malloc(n);
    tt_rng rng;
    size_t k = 0;
    tt_rng_seed(&rng, 1);
    while (k < n) {
        const char *a = sy[tt_rng_u32(&rng) % (sizeof(sy) / sizeof(sy[0]))];
        while (*a && k < n) s[k++] = (unsigned char)*a++;
    }
    return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static const char *eot[] = { "<|endoftext|>" }, *xsp[] = { "<|x|>" };
    const char *gpt2 = getenv("TT_FUZZ_GPT2_RANKS");
    tt_tokenizer_config cfg;
    size_t n = 200000;
    unsigned char *text = train_text(n);
    int split;
    (void)argc; (void)argv;
    for (split = 0; split < 2; split++) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.vocab_size = 800; cfg.split_mode = split ? TT_SPLIT_NONE : TT_SPLIT_GPT2;
        cfg.special_tokens = xsp; cfg.n_special = 1;
        FUZZ_ASSERT(tt_tokenizer_train(&cfg, text, n, &toks[ntok]) == TT_OK);
        if (split) { none_tok = ntok; ref_bpe_init(&ref_none, toks[ntok]); }
        ntok++;
    }
    free(text);
    if (gpt2 && *gpt2) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.special_tokens = eot; cfg.n_special = 1;
        FUZZ_ASSERT(tt_tokenizer_load_tiktoken_file(&cfg, gpt2, &toks[ntok]) == TT_OK);
        ntok++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int32_t *ids = (int32_t *)malloc((size + 1) * sizeof(int32_t)), *ids2 = (int32_t *)malloc((size + 1) * sizeof(int32_t));
    int i;
    for (i = 0; i < ntok; i++) {
        const tt_tokenizer *t = toks[i];
        size_t n = fuzz_round_trip(t, data, size, ids), cut = size ? data[0] * size / 256 : 0, got = 0, used = 0, tail = 0;
        /* streaming: encode_prefix of data[0..cut), then the rest as final */
        FUZZ_ASSERT(tt_tokenizer_encode_prefix(t, data, cut, 0, 0, ids2, size + 1, &got, &used) == TT_OK);
        FUZZ_ASSERT(used <= cut);
        FUZZ_ASSERT(tt_tokenizer_encode_prefix(t, data + used, size - used, 0, 1, ids2 + got, size + 1 - got, &tail,
                                               &used) == TT_OK);
        if (got + tail != n || memcmp(ids, ids2, n * sizeof(int32_t)) != 0)
            fprintf(stderr, "tokenizer %d: streaming cut at %zu: %zu + %zu ids, whole: %zu\n", i, cut, got, tail, n);
        FUZZ_ASSERT(got + tail == n && memcmp(ids, ids2, n * sizeof(int32_t)) == 0);
        if (i == none_tok && size <= 1024) { /* O(n^2): keep it cheap */
            size_t nr = ref_bpe_piece(&ref_none, data, size, ids2);
            FUZZ_ASSERT(nr == n && memcmp(ids, ids2, n * sizeof(int32_t)) == 0);
        }
    }
    free(ids);
    free(ids2);
    return 0;
}
