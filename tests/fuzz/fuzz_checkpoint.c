/* libFuzzer target: tinytrain checkpoints (TTCK). tt_checkpoint_read_config
 * and tt_checkpoint_load (into a model of the seeds' shape, with its
 * tokenizer) on arbitrary bytes, as given and with both CRCs recomputed so
 * mutations reach the section checks. A refused file must leave the model
 * (parameters, m, v, step) bit for bit as it was and return no tokenizer;
 * a loaded one must agree with read_config, save again, and its tokenizer
 * must encode the input and decode it back. */
#include "fuzz_model.h"

static tt_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    tt_model_config c = fuzz_tiny_config();
    (void)argc; (void)argv;
    FUZZ_ASSERT(tt_model_create(&c, &model) == TT_OK);
    return 0;
}

static void try_load(const uint8_t *data, size_t size) {
    fuzz_rd m;
    tt_io io = fuzz_mem_io(&m, data, size);
    tt_model_config fc, mc = tt_model_get_config(model);
    tt_checkpoint_state cs;
    tt_tokenizer *tok = NULL;
    uint32_t before = fuzz_model_crc(model);
    tt_status rc = tt_checkpoint_read_config(&io, NULL, &fc), st;
    FUZZ_ASSERT(rc == TT_OK || rc == TT_ERR_BAD_FORMAT);
    io = fuzz_mem_io(&m, data, size);
    st = tt_checkpoint_load(&io, model, NULL, &cs, &tok);
    if (st == TT_OK) {
        tt_io w;
        uint64_t nw = 0;
        tt_status ss;
        FUZZ_ASSERT(rc == TT_OK && fc.vocab_size == mc.vocab_size && fc.d_model == mc.d_model &&
                    fc.n_layer == mc.n_layer && fc.n_ctx == mc.n_ctx && fc.n_head == mc.n_head);
        memset(&w, 0, sizeof(w));
        w.write = fuzz_count_write; w.user = &nw;
        ss = tt_checkpoint_save(&w, model, tok, &cs);
        FUZZ_ASSERT(ss == TT_OK || ss == TT_ERR_NONFINITE);
        if (tok) {
            int32_t *ids = (int32_t *)malloc((size + 1) * sizeof(int32_t));
            fuzz_round_trip(tok, data, size, ids);
            free(ids);
            tt_tokenizer_destroy(tok);
        }
    } else {
        FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT || st == TT_ERR_MISMATCH);
        FUZZ_ASSERT(tok == NULL && fuzz_model_crc(model) == before);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try_load(data, size);
    if (size >= 48) {
        /* header: payload bytes at 16 (u64), payload CRC at 24, header CRC
         * (bytes 0..43) at 44; the payload follows the 48-byte header */
        uint8_t *c = (uint8_t *)malloc(size);
        uint64_t pl = fuzz_get_u64(data + 16);
        size_t k = pl < size - 48 ? (size_t)pl : size - 48;
        memcpy(c, data, size);
        fuzz_put_u32(c + 24, tt_crc32(0, c + 48, k));
        fuzz_put_u32(c + 44, tt_crc32(0, c, 44));
        try_load(c, size);
        free(c);
    }
    return 0;
}
