/* libFuzzer target: tt_tokenizer_load_tiktoken on arbitrary bytes, without
 * and with a special token. Any result but TT_OK must be TT_ERR_BAD_FORMAT
 * with no tokenizer; a loaded tokenizer must encode the input and decode it
 * back. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *eot[] = { "<|endoftext|>" };
    int pass;
    for (pass = 0; pass < 2; pass++) {
        tt_tokenizer_config cfg;
        tt_tokenizer *t = NULL;
        tt_status st;
        memset(&cfg, 0, sizeof(cfg));
        if (pass) { cfg.special_tokens = eot; cfg.n_special = 1; }
        st = tt_tokenizer_load_tiktoken(&cfg, data, size, &t);
        if (st == TT_OK) {
            int32_t *ids = (int32_t *)malloc((size + 1) * sizeof(int32_t));
            FUZZ_ASSERT(t != NULL);
            fuzz_round_trip(t, data, size, ids);
            free(ids);
            tt_tokenizer_destroy(t);
        } else {
            FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT && t == NULL);
        }
    }
    return 0;
}
