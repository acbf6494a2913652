/* libFuzzer target: tt_tokenizer_load_gpt2 on arbitrary bytes: the input is
 * encoder.json, a NUL byte, then vocab.bpe (no NUL: vocab.bpe is empty).
 * Any result but TT_OK must be TT_ERR_BAD_FORMAT with no tokenizer; a
 * loaded tokenizer must encode the input and decode it back. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = (const uint8_t *)memchr(data, 0, size);
    size_t nj = nul ? (size_t)(nul - data) : size;
    const uint8_t *vb = nul ? nul + 1 : data + size;
    size_t nv = nul ? size - nj - 1 : 0;
    tt_tokenizer *t = NULL;
    tt_status st = tt_tokenizer_load_gpt2(NULL, data, nj, vb, nv, &t);
    if (st == TT_OK) {
        int32_t *ids = (int32_t *)malloc((size + 1) * sizeof(int32_t));
        FUZZ_ASSERT(t != NULL);
        fuzz_round_trip(t, data, size, ids);
        free(ids);
        tt_tokenizer_destroy(t);
    } else {
        FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT && t == NULL);
    }
    return 0;
}
