/* >>api_data  token files, batch loader, checkpoints, generation.
 * Pipeline: text -> tt_tokenizer_encode -> ids -> tt_tokens_write_file (a
 * token file) -> tt_loader_open_file -> tt_loader_next (B x T batches) ->
 * model -> tt_checkpoint_save_file; tt_generate for sampling. */
#ifndef TINYTRAIN_DATA_H
#define TINYTRAIN_DATA_H
#include "tt_api.h"
#include "tt_api_bpe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- token files ---------------------------------------------------------
 * A token file holds one stream of token ids:
 *   offset  size  field
 *        0     4  magic "TTTK"
 *        4     4  u32 format version (1)
 *        8     4  u32 header size in bytes (40); ids start here
 *       12     4  u32 vocab size V (1 .. TT_MAX_VOCAB)
 *       16     4  u32 id width in bytes: 2 when V <= 65536, else 4
 *       20     4  u32 reserved, 0
 *       24     8  u64 count of ids
 *       32     4  u32 CRC32 of the id bytes
 *       36     4  u32 CRC32 of header bytes 0..35
 *       40        count ids, little-endian u16 or u32, each < V
 * All integers little-endian. The file size is exactly header + count*width. */
#define TT_TOKENS_MAGIC        "TTTK"
#define TT_TOKENS_VERSION      1u
#define TT_TOKENS_HEADER_SIZE  40u

typedef struct tt_token_file_info {
    uint32_t version;      /* format version */
    uint32_t header_size;  /* bytes before the first id */
    int32_t  vocab_size;   /* V; every id is in [0, V) */
    uint32_t id_bytes;     /* 2 or 4 */
    uint64_t count;        /* number of ids */
    uint32_t crc32;        /* CRC32 of the id bytes as stored */
} tt_token_file_info;

/* tt_tokens_write: write ids as a token file to io (id width chosen from
 * vocab_size). ids int32[n], each in [0, vocab_size).
 * Returns TT_OK, TT_ERR_INVALID_ARG (NULL io, bad vocab, id out of range:
 * nothing is written then), TT_ERR_IO (write callback failed).
 * Allocates: no (a 4 KB stack buffer). Thread safety: reentrant. */
TTDEF tt_status tt_tokens_write(const tt_io *io, const int32_t *ids, uint64_t n, int32_t vocab_size);

/* tt_tokens_read_header: read and check the 40-byte header from io.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (short read, bad
 * magic/version/header size/width/vocab/header CRC); message to logger
 * (optional). Allocates: no. */
TTDEF tt_status tt_tokens_read_header(const tt_io *io, const tt_logger *logger,
                                      tt_token_file_info *out_info);

/* tt_tokens_read_ids: after tt_tokens_read_header, read all info->count ids
 * into out int32[cap] (cap >= count), checking the CRC and every id < V.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL (cap < count),
 * TT_ERR_BAD_FORMAT (short read, CRC mismatch, id out of range). On failure
 * out may have been partly written. Allocates: no. */
TTDEF tt_status tt_tokens_read_ids(const tt_io *io, const tt_token_file_info *info,
                                   const tt_logger *logger, int32_t *out, uint64_t cap);

#ifndef TT_NO_STDIO
/* tt_tokens_write_file: tt_tokens_write into path, atomically (path.tmp,
 * then rename): on failure the old file at path is left as it was.
 * Returns as tt_tokens_write, plus TT_ERR_IO (cannot create/rename). */
TTDEF tt_status tt_tokens_write_file(const char *path, const int32_t *ids, uint64_t n,
                                     int32_t vocab_size);
/* tt_tokens_info_file: read and check the header of the token file at path,
 * and that the file size matches it (the CRC is not read; the loader does
 * that). Returns TT_OK, TT_ERR_IO (cannot open), TT_ERR_BAD_FORMAT. */
TTDEF tt_status tt_tokens_info_file(const char *path, const tt_logger *logger,
                                    tt_token_file_info *out_info);
#endif

/* ---- batch loader ---------------------------------------------------------
 * Splits one token stream of N ids into a training split, ids [0, N - Nv),
 * and a validation split, the last Nv = floor(N * val_fraction) ids. Each
 * split is cut into windows of T+1 ids at stride T (window w starts at
 * w*T; row = inputs ids[w*T .. w*T+T-1], targets shifted by one), so a
 * window never crosses the split boundary and validation ids never reach a
 * training batch. An epoch visits every training window exactly once, in
 * an order that is a pseudo-random permutation of the windows keyed by
 * (seed, epoch) (a Feistel network with cycle walking: O(1) memory, so the
 * position is just (epoch, index)). A batch is the next B windows; batches
 * run on across epoch boundaries.
 * The file loader streams: it reads (T+1) ids per row with fseek/fread and
 * keeps one row buffer, so RAM does not grow with the file. */
typedef struct tt_loader_config {
    int32_t  batch;         /* B rows per batch; REQUIRED, >= 1                     */
    int32_t  seq_len;       /* T ids per row; REQUIRED, >= 1                        */
    float    val_fraction;  /* held-out fraction at the end; 0 = default 0.1; must be < 0.5 */
    int32_t  no_val;        /* 1 = no validation split (val_fraction ignored)       */
    uint64_t seed;          /* shuffle seed; 0 = TT_DEFAULT_SEED                    */
    int32_t  no_shuffle;    /* 1 = windows in order 0, 1, 2, ... every epoch        */
    int32_t  skip_crc;      /* 1 = file loader does not read the file once to check
                               its CRC and ids at open (huge files, trusted)        */
    tt_allocator allocator; /* zero = TT_MALLOC/TT_FREE                             */
    tt_logger    logger;    /* zero = silent                                        */
} tt_loader_config;

typedef struct tt_loader tt_loader;

/* Where the loader is: a plain struct the caller may store (checkpoints do). */
typedef struct tt_loader_state {
    uint64_t epoch;          /* completed passes over the training windows       */
    uint64_t index;          /* windows of the current epoch already handed out  */
    uint64_t seed;           /* resolved shuffle seed                            */
    uint64_t n_tokens;       /* N of the source (checked on restore)             */
    uint64_t n_train_tokens; /* training split size (checked on restore)         */
    int32_t  seq_len;        /* T (checked on restore)                           */
    int32_t  shuffle;        /* 1 = shuffled order (checked on restore)          */
} tt_loader_state;

typedef struct tt_loader_info {
    int32_t  vocab_size;
    int32_t  batch, seq_len;
    uint64_t n_tokens, n_train_tokens, n_val_tokens;
    uint64_t n_train_windows;  /* windows per epoch */
    uint64_t n_val_windows;    /* 0 when there is no validation split */
    uint64_t epoch, index;     /* current position */
} tt_loader_info;

/* tt_loader_open_memory: a loader over ids int32[n] in memory (not copied;
 * they must outlive the loader and stay unchanged). Every id is checked
 * against vocab_size once here.
 * Returns TT_OK, TT_ERR_INVALID_ARG (bad config, id out of range, too few
 * ids for one training window of T+1), TT_ERR_OUT_OF_MEMORY.
 * Allocates: the loader struct and a (T+1)-id row buffer.
 * Thread safety: one loader per thread. */
TTDEF tt_status tt_loader_open_memory(const int32_t *ids, uint64_t n, int32_t vocab_size,
                                      const tt_loader_config *cfg, tt_loader **out_loader);
#ifndef TT_NO_STDIO
/* tt_loader_open_file: a streaming loader over a token file. Unless
 * cfg.skip_crc, reads the file once at open (16 KB at a time) to check the
 * CRC and that every id is < V. Returns as tt_loader_open_memory, plus
 * TT_ERR_IO (cannot open), TT_ERR_BAD_FORMAT (bad header, size, CRC or id),
 * TT_ERR_UNSUPPORTED (file larger than fseek's long can address). */
TTDEF tt_status tt_loader_open_file(const char *path, const tt_loader_config *cfg,
                                    tt_loader **out_loader);
#endif
/* tt_loader_close: release the loader (closes its file). NULL: no-op. */
TTDEF void tt_loader_close(tt_loader *loader);

/* tt_loader_next: the next training batch. inputs, targets int32[B*T],
 * row-major (b, t); targets[b*T+t] is the id after inputs[b*T+t].
 * Advances the position by B windows (crossing into the next epoch when
 * the current one runs out). Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_IO / TT_ERR_BAD_FORMAT (file read failed or id out of range; the
 * position is then unchanged). Allocates: no. */
TTDEF tt_status tt_loader_next(tt_loader *loader, int32_t *inputs, int32_t *targets);

/* tt_loader_val_batch: validation batch i (i >= 0): row b is validation
 * window (i*B + b) mod n_val_windows, in order, so batches 0 ..
 * ceil(n_val_windows / B) - 1 cover the split. Does not move the training
 * position. Returns TT_OK, TT_ERR_INVALID_ARG (no validation windows),
 * TT_ERR_IO, TT_ERR_BAD_FORMAT. Allocates: no. */
TTDEF tt_status tt_loader_val_batch(tt_loader *loader, uint64_t i, int32_t *inputs, int32_t *targets);

/* tt_loader_get_info: sizes and current position. */
TTDEF tt_loader_info tt_loader_get_info(const tt_loader *loader);
/* tt_loader_get_state / tt_loader_set_state: save and restore the position.
 * set_state returns TT_ERR_MISMATCH (state from another source, split, T
 * or shuffle mode; the loader is unchanged) or TT_ERR_INVALID_ARG (index
 * past the end of an epoch). B may differ between save and restore. */
TTDEF void      tt_loader_get_state(const tt_loader *loader, tt_loader_state *out_state);
TTDEF tt_status tt_loader_set_state(tt_loader *loader, const tt_loader_state *state);
/* tt_loader_window_start: id offset of the window that training index
 * `index` of epoch `epoch` uses (for inspection and tests). */
TTDEF uint64_t  tt_loader_window_start(const tt_loader *loader, uint64_t epoch, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_DATA_H */
