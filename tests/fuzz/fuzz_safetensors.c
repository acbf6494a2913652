/* libFuzzer target: safetensors files. tt_safetensors_read_config and
 * tt_model_load_safetensors (into a model of the seeds' shape) on arbitrary
 * bytes. A refused file must leave the model bit for bit as it was with a
 * documented status; a loaded one must have passed read_config with the
 * model's shape and save again. */
#include "fuzz_model.h"

static tt_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    tt_model_config c = fuzz_tiny_config();
    (void)argc; (void)argv;
    FUZZ_ASSERT(tt_model_create(&c, &model) == TT_OK);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_rd m;
    tt_io io = fuzz_mem_io(&m, data, size);
    tt_model_config fc, mc = tt_model_get_config(model);
    uint32_t before = fuzz_model_crc(model);
    tt_status rc = tt_safetensors_read_config(&io, NULL, NULL, &fc), st;
    FUZZ_ASSERT(rc == TT_OK || rc == TT_ERR_BAD_FORMAT || rc == TT_ERR_MISMATCH || rc == TT_ERR_UNSUPPORTED ||
                rc == TT_ERR_OUT_OF_MEMORY);
    io = fuzz_mem_io(&m, data, size);
    st = tt_model_load_safetensors(&io, model);
    if (st == TT_OK) {
        tt_io w;
        uint64_t nw = 0;
        FUZZ_ASSERT(rc == TT_OK && fc.vocab_size == mc.vocab_size && fc.d_model == mc.d_model &&
                    fc.n_layer == mc.n_layer && fc.n_ctx == mc.n_ctx);
        FUZZ_ASSERT(fc.n_head == 0 || fc.n_head == mc.n_head);
        memset(&w, 0, sizeof(w));
        w.write = fuzz_count_write; w.user = &nw;
        FUZZ_ASSERT(tt_model_save_safetensors(&w, model, TT_DTYPE_BF16) == TT_OK);
    } else {
        FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT || st == TT_ERR_MISMATCH || st == TT_ERR_UNSUPPORTED ||
                    st == TT_ERR_OUT_OF_MEMORY);
        FUZZ_ASSERT(fuzz_model_crc(model) == before);
    }
    return 0;
}
