/* libFuzzer target: tt_model_create_from_checkpoint on arbitrary bytes in a
 * file (it picks TTCK, llm.c or safetensors from the first bytes). The
 * allocator refuses any single block over 64 MiB, so a header that claims
 * a huge model must come back as TT_ERR_OUT_OF_MEMORY (or be refused
 * before), never crash; a refused file leaves no model and nothing
 * allocated (LeakSanitizer); a loaded model has the shape read_config
 * reports. */
#include "fuzz_model.h"

static void *cap_alloc(void *u, size_t n, size_t al) {
    void *p = NULL;
    (void)u;
    if (n > ((size_t)64 << 20)) return NULL;
    if (al < sizeof(void *)) al = sizeof(void *);
    return posix_memalign(&p, al, n ? n : 1) == 0 ? p : NULL;
}
static void cap_free(void *u, void *p, size_t n) {
    (void)u; (void)n;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_temp_file(data, size);
    tt_model_config base;
    tt_model *m = NULL;
    tt_status st;
    memset(&base, 0, sizeof(base));
    base.max_batch = 1;
    base.n_head = 1;
    base.allocator.alloc = cap_alloc; base.allocator.free = cap_free;
    st = tt_model_create_from_checkpoint(path, &base, &m);
    if (st == TT_OK) {
        tt_model_config c = tt_model_get_config(m);
        FUZZ_ASSERT(m != NULL && c.vocab_size >= 1 && c.d_model >= 1 && c.n_layer >= 1 && c.n_head == 1);
        tt_model_destroy(m);
    } else {
        FUZZ_ASSERT(m == NULL);
        FUZZ_ASSERT(st == TT_ERR_BAD_FORMAT || st == TT_ERR_MISMATCH || st == TT_ERR_UNSUPPORTED ||
                    st == TT_ERR_OUT_OF_MEMORY || st == TT_ERR_INVALID_ARG);
    }
    return 0;
}
