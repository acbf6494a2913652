/* libFuzzer target: token files (TTTK) and the batch loader. The header
 * and ids are read from memory (tt_tokens_read_header/_read_ids), then the
 * bytes go to a file for tt_tokens_info_file and tt_loader_open_file; both
 * as given and with the two CRCs recomputed so mutations reach the id
 * checks. Every status must be a documented one, the three readers must
 * agree on what is a good file, and a loader that opens hands out ids
 * below the vocabulary size, in both splits, with its state restorable. */
#include "fuzz_model.h"

static void try_file(const uint8_t *data, size_t size) {
    fuzz_rd m;
    tt_io io = fuzz_mem_io(&m, data, size);
    tt_token_file_info info, finfo;
    tt_status hs = tt_tokens_read_header(&io, NULL, &info), is = TT_ERR_BAD_FORMAT, fs, ls;
    int32_t *ids = NULL;
    tt_loader_config cfg;
    tt_loader *l = NULL;
    const char *path = fuzz_temp_file(data, size);
    FUZZ_ASSERT(hs == TT_OK || hs == TT_ERR_BAD_FORMAT);
    if (hs == TT_OK) {
        uint64_t cap = info.count < 4096 ? info.count : 4096;
        FUZZ_ASSERT(info.id_bytes == 2 || info.id_bytes == 4);
        FUZZ_ASSERT(info.vocab_size >= 1);
        ids = (int32_t *)malloc((size_t)(cap + 1) * sizeof(int32_t));
        is = tt_tokens_read_ids(&io, &info, NULL, ids, cap);
        if (info.count > cap) FUZZ_ASSERT(is == TT_ERR_BUFFER_TOO_SMALL);
        else FUZZ_ASSERT(is == TT_OK || is == TT_ERR_BAD_FORMAT);
        if (is == TT_OK) {
            uint64_t k;
            for (k = 0; k < info.count; k++) FUZZ_ASSERT(ids[k] >= 0 && ids[k] < info.vocab_size);
        }
    }
    fs = tt_tokens_info_file(path, NULL, &finfo);
    FUZZ_ASSERT(fs == TT_OK || fs == TT_ERR_BAD_FORMAT);
    /* info_file also checks the size: the header alone must have passed */
    if (fs == TT_OK) FUZZ_ASSERT(hs == TT_OK && finfo.count == info.count && finfo.vocab_size == info.vocab_size);
    memset(&cfg, 0, sizeof(cfg));
    cfg.batch = 1 + (size > 40 ? data[40] & 1 : 0);
    cfg.seq_len = 1 + (size > 41 ? data[41] & 3 : 0);
    cfg.val_fraction = 0.25f;
    ls = tt_loader_open_file(path, &cfg, &l);
    FUZZ_ASSERT(ls == TT_OK || ls == TT_ERR_BAD_FORMAT || ls == TT_ERR_INVALID_ARG);
    if (ls == TT_OK) {
        int32_t in[8], tg[8];
        int k, j, n = cfg.batch * cfg.seq_len;
        tt_loader_info li = tt_loader_get_info(l);
        tt_loader_state s0;
        /* a file the loader takes is whole: the memory reader took it too */
        FUZZ_ASSERT(fs == TT_OK && (is == TT_OK || is == TT_ERR_BUFFER_TOO_SMALL));
        FUZZ_ASSERT(li.vocab_size == info.vocab_size && li.n_tokens == info.count);
        tt_loader_get_state(l, &s0);
        for (k = 0; k < 3; k++) {
            FUZZ_ASSERT(tt_loader_next(l, in, tg) == TT_OK);
            for (j = 0; j < n; j++) FUZZ_ASSERT(in[j] >= 0 && in[j] < li.vocab_size && tg[j] >= 0 && tg[j] < li.vocab_size);
        }
        if (li.n_val_windows) FUZZ_ASSERT(tt_loader_val_batch(l, 0, in, tg) == TT_OK);
        FUZZ_ASSERT(tt_loader_set_state(l, &s0) == TT_OK);
        tt_loader_close(l);
    } else {
        FUZZ_ASSERT(l == NULL);
    }
    free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try_file(data, size);
    if (size >= 40) {
        /* ids CRC at 32 (over the bytes after the 40-byte header), header
         * CRC (bytes 0..35) at 36 */
        uint8_t *c = (uint8_t *)malloc(size);
        memcpy(c, data, size);
        fuzz_put_u32(c + 32, tt_crc32(0, c + 40, size - 40));
        fuzz_put_u32(c + 36, tt_crc32(0, c, 36));
        try_file(c, size);
        free(c);
    }
    return 0;
}
