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
/* Streaming writer, for corpora whose ids do not fit in memory at once
 * (encode a chunk, append it, repeat): open creates path.tmp; append adds
 * ids; close writes the header and renames path.tmp over path; abort (or a
 * failed append/close) removes path.tmp, so the old file at path is never
 * touched. open returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO,
 * TT_ERR_OUT_OF_MEMORY; append TT_OK, TT_ERR_INVALID_ARG (id out of range
 * or NULL ids: nothing appended), TT_ERR_IO; a failed append is sticky
 * (later appends return the same error) and close returns the first error
 * of the writer's life without touching the old file, or TT_OK. close and
 * abort free the writer.
 * Allocates: the writer (about 100 bytes + the path), with allocator
 * (NULL = TT_MALLOC). */
typedef struct tt_token_writer tt_token_writer;
TTDEF tt_status tt_token_writer_open(const char *path, int32_t vocab_size, const tt_allocator *allocator,
                                     tt_token_writer **out_writer);
TTDEF tt_status tt_token_writer_append(tt_token_writer *w, const int32_t *ids, size_t n);
TTDEF tt_status tt_token_writer_close(tt_token_writer *w);
TTDEF void      tt_token_writer_abort(tt_token_writer *w);
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
    int32_t  shard_rank;    /* data parallel: this rank, 0 .. shard_count-1         */
    int32_t  shard_count;   /* ranks sharing the stream; 0 or 1 = not sharded. Each
                               tt_loader_next takes the global position's next
                               shard_count * B windows and returns block shard_rank
                               of them (B each): every window once per epoch
                               across ranks, and the windows rank r gets are
                               those micro-batch r of a single loader would get */
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
 * the current one runs out; sharded: by shard_count * B windows, of which
 * this rank returns block shard_rank). Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_IO / TT_ERR_BAD_FORMAT (file read failed or id out of range; the
 * position is then unchanged). Allocates: no. */
TTDEF tt_status tt_loader_next(tt_loader *loader, int32_t *inputs, int32_t *targets);

/* tt_loader_val_batch: validation batch i (i >= 0): row b is validation
 * window P((i*B + b) mod n_val_windows), where P is one fixed permutation
 * of the validation windows keyed by the seed. So the first few batches are
 * a uniform sample of the whole split (a cheap, stable estimate), batches
 * 0 .. ceil(n_val_windows / B) - 1 cover it, and batch i is the same on
 * every call. Does not move the training position. Returns TT_OK, TT_ERR_INVALID_ARG (no validation windows),
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

/* ---- checkpoints ---------------------------------------------------------
 * One file with everything a run needs to continue bit for bit:
 *   header (48 bytes): magic "TTCK", u32 version (1), u32 header size (48),
 *     u32 flags (0), u64 payload bytes, u32 CRC32 of the payload, u32 number
 *     of sections (8), 12 reserved bytes (0), u32 CRC32 of header bytes 0..43;
 *   payload: sections in this order, each u32 tag, u32 0, u64 length, bytes:
 *     "CONF" 48  model shape: vocab, n_ctx, n_layer, n_head, d_model,
 *                max_batch (u32 each), init seed (u64), number of params (u64),
 *                number of tensors (u32), 0 (u32)
 *     "OPTM" 48  AdamW config (resolved; floats as IEEE bits) and the step
 *     "LOAD" 56  loader position (tt_loader_state), flag word first
 *     "RNG " 16  caller RNG state
 *     "USER" 64  8 u64 application values
 *     "TOKN" n   tokenizer in its own TTBP format (n = 0: none)
 *     "PARM" "ADMM" "ADMV"  4*P bytes each: parameters, AdamW m, AdamW v as
 *                little-endian f32 in tt_model_params order.
 * Saving never changes the model. Loading checks magic, version, both
 * CRCs, every section tag and length, and that the shape equals the
 * model's; it reads everything into temporaries first, so a refused file
 * leaves model, tokenizer and state untouched. A successful load ends the
 * model's last forward (tt_model_backward is refused until the next). */
#define TT_CHECKPOINT_MAGIC       "TTCK"
#define TT_CHECKPOINT_VERSION     1u
#define TT_CHECKPOINT_HEADER_SIZE 48u
#define TT_CHECKPOINT_MAX_TOKENIZER_BYTES ((uint64_t)1 << 30)

/* What a checkpoint holds besides the model's parameters, m, v and step. */
typedef struct tt_checkpoint_state {
    tt_adamw_config adamw;      /* optimizer config and schedule (saved resolved)  */
    int32_t         has_loader; /* 1 = loader holds a position                      */
    tt_loader_state loader;     /* tt_loader_get_state; restore with set_state      */
    tt_rng          rng;        /* the caller's RNG (e.g. sampling), saved as is    */
    uint64_t        user[8];    /* free for the application (tokens seen, time...)  */
} tt_checkpoint_state;

/* tt_checkpoint_save: write model (parameters, AdamW m and v, step, shape),
 * the tokenizer (optional, NULL = none) and state (optional, NULL = zeros)
 * to io. Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO (write failed),
 * TT_ERR_NONFINITE (a parameter or moment is NaN/Inf: nothing written, so
 * a broken model never replaces a good file).
 * With the model's comm of size > 1 it is a collective: every rank calls
 * it, only rank 0 writes (other ranks' io is not used and may be NULL) and
 * every rank returns rank 0's status (or TT_ERR_COMM); with zero1 the
 * moment slices are gathered from their ranks through the gradient block,
 * so it must be called between steps (no gradients pending: else
 * TT_ERR_INVALID_ARG). Loading needs no collective: every rank reads the
 * file (whole m and v) and keeps its slice, for any number of ranks.
 * Allocates: no (a 4 KB stack buffer). Thread safety: not during a step
 * of the same model. */
TTDEF tt_status tt_checkpoint_save(const tt_io *io, tt_model *model, const tt_tokenizer *tok,
                                   const tt_checkpoint_state *state);

/* tt_checkpoint_read_config: read the whole checkpoint from io, check its
 * header, sections and CRC, and return the model shape it holds (vocab,
 * n_ctx, n_layer, n_head, d_model, max_batch, seed; every other field 0) so
 * the caller can create a matching model. Returns TT_OK,
 * TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (message to logger, optional).
 * Allocates: no. */
TTDEF tt_status tt_checkpoint_read_config(const tt_io *io, const tt_logger *logger,
                                          tt_model_config *out_cfg);

/* tt_checkpoint_load: read a checkpoint from io into model (parameters,
 * AdamW m and v, step), out_state (optional) and *out_tok (optional: a new
 * tokenizer the caller destroys, or NULL when the file has none; tok_cfg
 * gives its allocator/logger/threads and may be NULL).
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (truncated, corrupt,
 * CRC mismatch), TT_ERR_MISMATCH (another model shape), TT_ERR_OUT_OF_MEMORY;
 * details to the model's logger. On failure model, *out_state and *out_tok
 * are unchanged. Allocates: temporaries for the whole payload (about 12
 * bytes per parameter), freed before returning; the tokenizer. */
TTDEF tt_status tt_checkpoint_load(const tt_io *io, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                   tt_checkpoint_state *out_state, tt_tokenizer **out_tok);

#ifndef TT_NO_STDIO
/* File wrappers. save is atomic: it writes path.tmp and renames it over
 * path, so a failed or interrupted save leaves the old file as it was (a
 * full disk gives TT_ERR_IO; path.tmp is removed). A path that is missing,
 * a directory or unreadable gives TT_ERR_IO with a message to the logger.
 * With comm: a collective, rank 0 alone touches the file.
 * load/read_config also refuse a file with bytes after the checkpoint. */
TTDEF tt_status tt_checkpoint_save_file(const char *path, tt_model *model, const tt_tokenizer *tok,
                                        const tt_checkpoint_state *state);
TTDEF tt_status tt_checkpoint_read_config_file(const char *path, const tt_logger *logger,
                                               tt_model_config *out_cfg);
TTDEF tt_status tt_checkpoint_load_file(const char *path, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                        tt_checkpoint_state *out_state, tt_tokenizer **out_tok);
#endif

/* ---- generation -----------------------------------------------------------
 * A generator holds a KV cache for one sequence of a model: for every
 * layer the keys and values of the positions fed so far, (L, n_ctx, 2C)
 * floats. Feeding n new ids runs the model over those n positions only
 * (attending to the cache), so sampling costs one forward of one position
 * per new token. The logits equal those of tt_model_forward on the whole
 * prefix up to float rounding (the tests check 1e-5). */
typedef struct tt_generator tt_generator;

/* per-token callback: return nonzero to stop generating */
typedef int (*tt_token_callback)(void *user, int32_t id);

typedef struct tt_sample_config {
    float    temperature; /* logits are divided by it; 0 = default 1.0          */
    int32_t  greedy;      /* 1 = always the most likely id (argmax; = top_k 1)  */
    int32_t  top_k;       /* sample among the k most likely; 0 = all            */
    float    top_p;       /* nucleus: the smallest most-likely set whose
                             probability reaches top_p; 0 = off (1.0)           */
    int32_t  use_stop;    /* 1 = stop_token ends generation (it is not output)  */
    int32_t  stop_token;  /* id, used when use_stop                            */
    uint64_t seed;        /* tt_generate's RNG seed; 0 = TT_DEFAULT_SEED        */
    tt_token_callback on_token; /* optional: called with each new id            */
    void    *user;        /* passed to on_token                                */
} tt_sample_config;

/* tt_generator_create: a generator (KV cache and scratch for n_ctx
 * positions) for model, allocated with the model's allocator. It reads the
 * model's parameters when fed, so it sees updates made after create.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_OUT_OF_MEMORY.
 * Allocates: about 4 * (L*n_ctx*2C + 15*n_ctx*C + 3V) bytes.
 * Thread safety: uses the model's threads; do not run it while the same
 * model trains on another thread. */
TTDEF tt_status tt_generator_create(tt_model *model, tt_generator **out_gen);
/* tt_generator_destroy: free it. NULL: no-op. */
TTDEF void      tt_generator_destroy(tt_generator *gen);
/* tt_generator_reset: forget every position (the next feed starts at 0). */
TTDEF void      tt_generator_reset(tt_generator *gen);
/* tt_generator_pos: number of positions in the cache. */
TTDEF int       tt_generator_pos(const tt_generator *gen);
/* tt_generator_feed: append ids int32[n] at positions pos .. pos+n-1 and
 * compute the logits of the last one. Returns TT_OK, TT_ERR_INVALID_ARG
 * (n < 1, id out of range), TT_ERR_SHAPE (pos + n > n_ctx: reset, or feed
 * fewer). Allocates: no. */
TTDEF tt_status tt_generator_feed(tt_generator *gen, const int32_t *ids, int n);
/* tt_generator_logits: the V logits after the last feed (NULL before). */
TTDEF const float *tt_generator_logits(const tt_generator *gen);
/* tt_generator_sample: draw an id from the current logits under cfg (NULL =
 * defaults) with rng (unused when greedy or top_k == 1). Ties between equal
 * logits go to the smaller id. Returns TT_OK, TT_ERR_INVALID_ARG (no logits
 * yet, bad cfg), TT_ERR_NONFINITE (a logit is NaN/Inf: broken parameters).
 * Allocates: no. */
TTDEF tt_status tt_generator_sample(tt_generator *gen, const tt_sample_config *cfg, tt_rng *rng,
                                    int32_t *out_id);

/* tt_generate: reset, feed the prompt (1 <= n_prompt <= n_ctx ids), then
 * sample up to max_new ids into out_ids int32[max_new], feeding each back.
 * Stops early at cfg->stop_token (use_stop) or when on_token returns
 * nonzero (that id is kept). When the cache is full, the last n_ctx/2 ids
 * are fed again as a new context (a sliding window; learned positions
 * cannot go past n_ctx). *out_n = ids written.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_SHAPE (prompt longer than n_ctx),
 * TT_ERR_NONFINITE (NaN/Inf logits, as tt_generator_sample).
 * Allocates: no. Deterministic for a given seed and thread count. */
TTDEF tt_status tt_generate(tt_generator *gen, const int32_t *prompt, int n_prompt,
                            const tt_sample_config *cfg, int32_t *out_ids, int max_new, int *out_n);

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_DATA_H */
