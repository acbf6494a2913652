/* shared checks for the tokenizer fuzz targets (tests/fuzz/) */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif
#include <stdint.h>
#include "tinytrain.h"
#include "bpe_util.h"

/* stop the fuzzer with a message: the input that got here is the finding */
#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FUZZ_ASSERT %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* encode data (both flag settings), check every id, decode back exactly;
 * ids ends up holding the flags-0 encoding, whose length is returned */
static __attribute__((unused)) size_t fuzz_round_trip(const tt_tokenizer *t, const uint8_t *data, size_t size,
                                                      int32_t *ids) {
    int32_t nv = tt_tokenizer_vocab_size(t), nr = nv - tt_tokenizer_n_special(t);
    size_t n = 0, n0 = 0, k;
    int fl;
    (void)fails;
    for (fl = 1; fl >= 0; fl--) {
        FUZZ_ASSERT(tt_tokenizer_encode(t, data, size, fl ? TT_ENCODE_SPECIAL : 0, ids, size + 1, &n) == TT_OK);
        FUZZ_ASSERT(n <= size);
        for (k = 0; k < n; k++) FUZZ_ASSERT(ids[k] >= 0 && ids[k] < (fl ? nv : nr));
        FUZZ_ASSERT(round_trip_ok(t, data, size, ids, n));
        if (!fl) n0 = n;
    }
    return n0;
}
#endif
