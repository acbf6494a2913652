/* Long-piece property test: the ids of every case written by
 * make_long_pieces.py equal tiktoken's, for GPT-2 (both loaders) and for a
 * trained vocabulary, and every encoding decodes back to the same bytes.
 * usage: test_bpe_long RANKFILE ENCODER_JSON VOCAB_BPE GPT2_CASES GPT2_REF
 *                      [TRAINED.ttbp TRAINED_CASES TRAINED_REF] */
#define _POSIX_C_SOURCE 199309L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "bpe_util.h"

static void dump(const char *what, const int32_t *ids, size_t n) {
    size_t i;
    fprintf(stderr, "  %s (%zu ids):", what, n);
    for (i = 0; i < n && i < 30; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, n > 30 ? " ...\n" : "\n");
}

/* every case of CASES through tok (and tok2 if given): ids == REF, round trip */
static void run_cases(const char *what, const tt_tokenizer *tok, const tt_tokenizer *tok2, const char *cases_path,
                      const char *ref_path) {
    size_t nc = 0, nr = 0, pc = 0, pr = 0, ncase = 0, nbad = 0, nbytes = 0, nids = 0, longest = 0;
    unsigned char *cases = read_file(cases_path, &nc), *ref = read_file(ref_path, &nr);
    double t0 = now_s();
    if (!cases || !ref) { fprintf(stderr, "FAIL cannot read %s or %s\n", cases_path, ref_path); fails++; return; }
    while (pc + 4 <= nc && pr + 4 <= nr) {
        size_t len = get_u32le(cases + pc), nref = get_u32le(ref + pr), n = 0, k, pass;
        const unsigned char *s = cases + pc + 4;
        int32_t *ids = (int32_t *)malloc((len + 1) * sizeof(int32_t)), *want = (int32_t *)malloc((nref + 1) * 4);
        if (pc + 4 + len > nc || pr + 4 + 4 * nref > nr) { fprintf(stderr, "FAIL truncated case file\n"); fails++; break; }
        for (k = 0; k < nref; k++) want[k] = (int32_t)get_u32le(ref + pr + 4 + 4 * k);
        for (pass = 0; pass < (tok2 ? 2u : 1u); pass++) {
            const tt_tokenizer *t = pass ? tok2 : tok;
            tt_status st = tt_tokenizer_encode(t, s, len, 0, ids, len + 1, &n);
            int ok = st == TT_OK && n == nref && memcmp(ids, want, n * sizeof(int32_t)) == 0;
            int rt = st == TT_OK && round_trip_ok(t, s, len, ids, n);
            if (!ok || !rt) {
                fprintf(stderr, "FAIL %s case %zu (%zu bytes, loader %zu): %s%s%s '%.60s'\n", what, ncase, len, pass,
                        tt_strerror(st), ok ? "" : ", ids differ from tiktoken", rt ? "" : ", round trip broken",
                        (const char *)s);
                if (st == TT_OK) dump("ours", ids, n);
                dump("tiktoken", want, nref);
                nbad++;
            }
        }
        nbytes += len;
        nids += nref;
        if (len > longest) longest = len;
        pc += 4 + len;
        pr += 4 + 4 * nref;
        ncase++;
        free(ids);
        free(want);
    }
    CHECK(pc == nc && pr == nr && ncase > 0);
    printf("%s: %zu cases, %zu bytes (longest %zu), %zu ids: %zu differ from tiktoken or fail the round trip "
           "(%.2f s)\n", what, ncase, nbytes, longest, nids, nbad, now_s() - t0);
    if (nbad) fails++;
    free(cases);
    free(ref);
}

int main(int argc, char **argv) {
    tt_tokenizer *tk = NULL, *tj = NULL, *tt = NULL;
    if (argc != 6 && argc != 9) {
        fprintf(stderr, "usage: %s RANKFILE ENCODER_JSON VOCAB_BPE GPT2_CASES GPT2_REF "
                        "[TRAINED.ttbp TRAINED_CASES TRAINED_REF]\n", argv[0]);
        return 2;
    }
    CHECK_OK(tt_tokenizer_load_tiktoken_file(NULL, argv[1], &tk));
    CHECK_OK(tt_tokenizer_load_gpt2_file(NULL, argv[2], argv[3], &tj));
    if (fails) return 1;
    run_cases("GPT-2", tk, tj, argv[4], argv[5]);
    if (argc == 9) {
        CHECK_OK(tt_tokenizer_load_file(NULL, argv[6], &tt));
        if (tt) run_cases("trained", tt, NULL, argv[7], argv[8]);
    }
    tt_tokenizer_destroy(tk);
    tt_tokenizer_destroy(tj);
    tt_tokenizer_destroy(tt);
    if (fails) { fprintf(stderr, "%d failure(s)\n", fails); return 1; }
    printf("ok\n");
    return 0;
}
