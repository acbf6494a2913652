/* >>api_bpe  tokenizer API: byte-level BPE (train, encode, decode, files,
 * GPT-2 import).
 *
 * A tokenizer maps byte strings to int32 ids and back. Ids [0, n_ranked) are
 * ordinary tokens: each is a non-empty byte string, all 256 single bytes are
 * among them, and the id is also the merge rank (lower id = merged first, as
 * in tiktoken). Ids [n_ranked, vocab_size) are special tokens such as
 * "<|endoftext|>": they are never produced from ordinary text unless the
 * caller asks for special tokens to be recognized (TT_ENCODE_SPECIAL).
 *
 * Pre-tokenization (TT_SPLIT_GPT2, the default) is GPT-2's split pattern
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * implemented by hand over Unicode tables (see tt_bpe_tables.h for the
 * Unicode version): \p{L} = general category L*, \p{N} = N*, \s = the
 * White_Space property. Contractions are case-sensitive; no normalization.
 * Every byte that is not part of a valid UTF-8 sequence counts as one
 * character of the [^\s\p{L}\p{N}] class, so every byte string encodes and
 * decode(encode(x)) == x for every x. TT_SPLIT_NONE skips pre-tokenization.
 *
 * Encoding is tiktoken's: a piece that is itself a token becomes that id;
 * otherwise adjacent parts are merged lowest rank first (leftmost on ties),
 * with a heap and linked list for long pieces, so no input is quadratic.
 * Results never depend on the thread count. */
#ifndef TINYTRAIN_BPE_H
#define TINYTRAIN_BPE_H
#include "tt_api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tt_tokenizer tt_tokenizer;

/* Limits (files are checked against them). */
#define TT_TOKENIZER_MAX_TOKEN_BYTES   65536  /* longest token, in bytes        */
#define TT_TOKENIZER_MAX_SPECIAL_BYTES 1024   /* longest special token string   */
#define TT_TOKENIZER_MAX_SPECIAL       4096   /* number of special tokens       */

/* Pre-tokenizer modes (tt_tokenizer_config.split_mode). */
enum { TT_SPLIT_GPT2 = 0, TT_SPLIT_NONE = 1 };

/* Encode flags. TT_ENCODE_SPECIAL: text equal to a special token's string
 * becomes its id (the longest one wins where several start at the same
 * byte). Without it special strings are encoded as ordinary text. */
enum { TT_ENCODE_SPECIAL = 1 };

/* tt_tokenizer_progress: called by training; done/total count merges
 * (total = the merges asked for; done = 0 once the corpus is counted).
 * Return nonzero to stop: training then returns TT_ERR_CANCELLED. */
typedef int (*tt_tokenizer_progress)(void *user, uint64_t done, uint64_t total);

/* Configuration for training, loading and running a tokenizer. All-zero is
 * valid for loading; training needs vocab_size. The strings in
 * special_tokens are copied; the caller keeps ownership. */
typedef struct tt_tokenizer_config {
    int32_t vocab_size;        /* train: total ids = 256 + merges + specials; REQUIRED
                                  for training, >= 256 + n_special, <= TT_MAX_VOCAB  */
    int32_t min_frequency;     /* train: stop merging when the best pair occurs fewer
                                  times; 0 = 2 (pairs seen once are never merged)     */
    const char *const *special_tokens; /* NUL-terminated strings, e.g. "<|endoftext|>";
                                  train: ids vocab_size-n_special.. in this order;
                                  load_tiktoken: ids n_ranks.. in this order;
                                  save/load/load_gpt2: ignored (taken from the file)  */
    int32_t n_special;         /* entries in special_tokens                           */
    int32_t split_mode;        /* train/load_tiktoken: TT_SPLIT_GPT2 (0) or
                                  TT_SPLIT_NONE; files carry their own                */
    int32_t n_threads;         /* 0 or 1 = caller's thread only; > 1 starts a pool of
                                  n_threads-1 workers (clamped to 1 under
                                  TT_NO_THREADS unless parallel is set)               */
    tt_tokenizer_progress progress; /* train: optional, see above                     */
    void   *progress_user;
    tt_allocator allocator;    /* zero = TT_MALLOC/TT_FREE                            */
    tt_logger    logger;       /* zero = silent                                       */
    tt_parallel  parallel;     /* zero = built-in pool (when n_threads > 1)           */
} tt_tokenizer_config;

/* ---- create / destroy ---------------------------------------------------- */

/* tt_tokenizer_train: learn a byte-level BPE vocabulary from text.
 *   cfg  (in)   vocab_size required; see tt_tokenizer_config
 *   text (in)   n bytes, any content (invalid UTF-8 is fine); special token
 *               strings in it are cut out first, so no merge crosses them
 *   out  (out)  the new tokenizer; unchanged on failure
 * Algorithm: the text is pre-tokenized once into a word -> count table
 * (threads split it at piece boundaries; counts are merged, so the table
 * does not depend on the thread count); then pair counts (64-bit) with the
 * list of words each pair occurs in, a max-heap with lazy re-scoring, and
 * merges applied only inside the words that contain the pair. Overlapping
 * runs are counted as BPE applies them ("aaaa" holds 2 non-overlapping "aa"
 * after merging, 3 adjacent pairs before). Tie-break: the highest count wins;
 * among equal counts the pair with the smaller left id, then the smaller
 * right id. A merge whose bytes equal an existing token reuses that id.
 * Training stops early (smaller vocab) when no pair reaches min_frequency.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_OUT_OF_MEMORY, TT_ERR_CANCELLED.
 * Allocates: the tokenizer, and working memory that grows with the number
 * of distinct pieces (not with n). Thread safety: reentrant. */
TTDEF tt_status tt_tokenizer_train(const tt_tokenizer_config *cfg, const void *text, size_t n,
                                   tt_tokenizer **out);

/* Incremental training for corpora that do not fit in one buffer:
 * create, feed any number of documents (each call is its own document:
 * no piece spans two calls), then finish. finish may be called once;
 * destroy always. tt_tokenizer_train is create + feed + finish + destroy.
 * Returns as tt_tokenizer_train. Thread safety: one call per trainer. */
typedef struct tt_tokenizer_trainer tt_tokenizer_trainer;
TTDEF tt_status tt_tokenizer_trainer_create(const tt_tokenizer_config *cfg,
                                            tt_tokenizer_trainer **out);
TTDEF tt_status tt_tokenizer_trainer_feed(tt_tokenizer_trainer *tr, const void *text, size_t n);
TTDEF tt_status tt_tokenizer_trainer_finish(tt_tokenizer_trainer *tr, tt_tokenizer **out);
TTDEF void      tt_tokenizer_trainer_destroy(tt_tokenizer_trainer *tr);

/* tt_tokenizer_destroy: stop the pool, free everything. NULL: no-op. */
TTDEF void tt_tokenizer_destroy(tt_tokenizer *tok);

/* ---- queries ------------------------------------------------------------- */

/* tt_tokenizer_vocab_size: number of ids (ordinary + special). 0 for NULL. */
TTDEF int32_t tt_tokenizer_vocab_size(const tt_tokenizer *tok);
/* tt_tokenizer_n_special: number of special tokens (ids at the end). */
TTDEF int32_t tt_tokenizer_n_special(const tt_tokenizer *tok);
/* tt_tokenizer_special_id: id of the special token whose string is name
 * (e.g. "<|endoftext|>"), or -1 if there is none. */
TTDEF int32_t tt_tokenizer_special_id(const tt_tokenizer *tok, const char *name);
/* tt_tokenizer_token: the bytes of id (not NUL-terminated; valid until
 * destroy). Returns TT_OK or TT_ERR_INVALID_ARG (id out of range). */
TTDEF tt_status tt_tokenizer_token(const tt_tokenizer *tok, int32_t id,
                                   const unsigned char **out_bytes, size_t *out_len);

/* ---- encode / decode ----------------------------------------------------- */

/* tt_tokenizer_encode: text -> ids.
 *   text      (in)   n bytes, any content
 *   flags     (in)   0 or TT_ENCODE_SPECIAL
 *   out_ids   (out)  int32[max_ids], or NULL to only count
 *   out_n_ids (out)  number of ids of the whole encoding (also when the
 *                    buffer is too small)
 * With n_threads > 1 a large text is cut at piece boundaries and encoded in
 * parallel; the ids are the same as with one thread.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL (out_ids holds
 * the first max_ids ids), TT_ERR_OUT_OF_MEMORY.
 * Allocates: scratch, freed before returning. Thread safety: concurrent
 * calls on one tokenizer are safe when it has no pool (n_threads <= 1);
 * with a pool, one call at a time. */
TTDEF tt_status tt_tokenizer_encode(const tt_tokenizer *tok, const void *text, size_t n, int flags,
                                    int32_t *out_ids, size_t max_ids, size_t *out_n_ids);

/* tt_tokenizer_encode_prefix: streaming encode. Encodes the longest prefix
 * of text that ends at a point where no later bytes can change its ids
 * (never inside a whitespace run or a piece), or all of text if final.
 * Call again with the unconsumed tail followed by more input.
 * Concatenated outputs equal tt_tokenizer_encode of the whole input.
 *   out_consumed (out) bytes of text encoded (0 if no safe point yet)
 * Returns and allocates as tt_tokenizer_encode; on TT_ERR_BUFFER_TOO_SMALL
 * *out_consumed is 0 and *out_n_ids the count needed. */
TTDEF tt_status tt_tokenizer_encode_prefix(const tt_tokenizer *tok, const void *text, size_t n,
                                           int flags, int final, int32_t *out_ids, size_t max_ids,
                                           size_t *out_n_ids, size_t *out_consumed);

/* tt_tokenizer_decode: ids -> bytes (special tokens give their strings).
 *   out (out)  max_bytes bytes, or NULL to only count; not NUL-terminated
 * Returns TT_OK, TT_ERR_INVALID_ARG (an id out of range), TT_ERR_BUFFER_TOO_SMALL
 * (*out_n_bytes = bytes needed). Allocates: no. Thread safety: any. */
TTDEF tt_status tt_tokenizer_decode(const tt_tokenizer *tok, const int32_t *ids, size_t n_ids,
                                    void *out, size_t max_bytes, size_t *out_n_bytes);

/* Streaming decode state: zero-initialize, then feed ids as they come. */
typedef struct tt_tokenizer_decoder {
    unsigned char pending[4]; /* bytes of an incomplete UTF-8 sequence held back */
    int32_t n_pending;
} tt_tokenizer_decoder;

/* tt_tokenizer_decode_stream: like decode, but a trailing incomplete UTF-8
 * sequence (a valid start whose continuation bytes may come with the next
 * ids) is held back in dec and emitted first by the next call. final = 1
 * flushes everything. Output concatenated over calls equals decode of all
 * ids. out may not be NULL here; it needs at most the decoded bytes + 4.
 * Returns as decode; on error dec is unchanged. Allocates: no. */
TTDEF tt_status tt_tokenizer_decode_stream(const tt_tokenizer *tok, tt_tokenizer_decoder *dec,
                                           const int32_t *ids, size_t n_ids, int final,
                                           void *out, size_t max_bytes, size_t *out_n_bytes);

/* ---- files ----------------------------------------------------------------
 * Own format "TTBP" (little-endian): magic "TTBP", u32 version (1), u32
 * header size (40), u32 split mode, u32 vocab size, u32 n_special,
 * u64 payload bytes, u32 CRC32 (of header bytes 0..31, then the payload),
 * u32 reserved (0); payload: u32 length of every token in id order, then
 * all token bytes (ids 0..255 need not be the single bytes). The loader
 * reads exactly the bytes save wrote, so a tokenizer can be embedded in a
 * larger stream (checkpoints). */

/* tt_tokenizer_save_size: bytes tt_tokenizer_save will write. */
TTDEF tt_status tt_tokenizer_save_size(const tt_tokenizer *tok, uint64_t *out_bytes);
/* tt_tokenizer_save: write through io. Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_IO. Allocates: no. */
TTDEF tt_status tt_tokenizer_save(const tt_tokenizer *tok, const tt_io *io);
/* tt_tokenizer_load: read a TTBP tokenizer from io. cfg (may be NULL) gives
 * allocator, logger and threads; its vocabulary fields are ignored.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (bad magic, version,
 * sizes, CRC, duplicate tokens, missing bytes, truncated), TT_ERR_IO,
 * TT_ERR_OUT_OF_MEMORY; *out unchanged on failure. */
TTDEF tt_status tt_tokenizer_load(const tt_tokenizer_config *cfg, const tt_io *io,
                                  tt_tokenizer **out);

/* tt_tokenizer_load_tiktoken: tiktoken rank file ("base64 rank" lines, e.g.
 * r50k_base.tiktoken for GPT-2) from memory. Ranks must be 0..N-1, each once;
 * cfg->special_tokens get ids N, N+1, ... (GPT-2: pass "<|endoftext|>" to
 * get 50256). Returns as tt_tokenizer_load. */
TTDEF tt_status tt_tokenizer_load_tiktoken(const tt_tokenizer_config *cfg, const void *data,
                                           size_t n, tt_tokenizer **out);
/* tt_tokenizer_load_gpt2: GPT-2's encoder.json + vocab.bpe from memory.
 * Merge i of vocab.bpe must have id 256 + i; entries of encoder.json past
 * the merges (<|endoftext|>) become special tokens. Returns as load. */
TTDEF tt_status tt_tokenizer_load_gpt2(const tt_tokenizer_config *cfg,
                                       const void *encoder_json, size_t n_json,
                                       const void *vocab_bpe, size_t n_bpe, tt_tokenizer **out);

#ifndef TT_NO_STDIO
/* File wrappers: save is atomic (temp file + rename). */
TTDEF tt_status tt_tokenizer_save_file(const tt_tokenizer *tok, const char *path);
TTDEF tt_status tt_tokenizer_load_file(const tt_tokenizer_config *cfg, const char *path,
                                       tt_tokenizer **out);
TTDEF tt_status tt_tokenizer_load_tiktoken_file(const tt_tokenizer_config *cfg, const char *path,
                                                tt_tokenizer **out);
TTDEF tt_status tt_tokenizer_load_gpt2_file(const tt_tokenizer_config *cfg, const char *encoder_json_path,
                                            const char *vocab_bpe_path, tt_tokenizer **out);
#endif

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_BPE_H */
