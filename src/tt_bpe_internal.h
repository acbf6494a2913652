/* >>bpe_internal  private declarations shared by the tokenizer files:
 * tt_pretok.c (GPT-2 pre-tokenizer), tt_bpe.c (the tokenizer object, encode,
 * decode), tt_bpe_files.c (file formats), tt_bpe_train.c (training) and
 * tt_bpe_export.c (GPT-2 export). */
#ifndef TT_BPE_INTERNAL_H
#define TT_BPE_INTERNAL_H
#include "tt_internal.h"
#include "tt_api_bpe.h"

/* ---- pre-tokenizer (tt_pretok.c) ---- */
enum { TT__CL_OTHER = 0, TT__CL_LETTER = 1, TT__CL_NUMBER = 2, TT__CL_SPACE = 3 };
/* Class (TT__CL_*) and byte length of the character at s[i] (i < end).
 * Strict UTF-8 (Unicode Table 3-7); a byte that does not start a valid
 * sequence is one character of class OTHER. */
TT__PRIVATE int    tt__char_at(const unsigned char *s, size_t i, size_t end, size_t *len);
/* end of the GPT-2 piece that starts at i (i < end) */
TT__PRIVATE size_t tt__piece_end(const unsigned char *s, size_t i, size_t end);
/* a cut before s[p] leaves the pieces on both sides as in the whole text */
TT__PRIVATE int    tt__safe_cut(const unsigned char *s, size_t p);

/* ---- growable arrays (tt_bpe.c) ---- */
/* grow *p (cap elements of elem bytes) to hold at least need elements; 0 when out of memory */
TT__PRIVATE int  tt__bpe_grow(const tt_allocator *a, void **p, size_t *cap, size_t need, size_t elem);
TT__PRIVATE void tt__bpe_release(const tt_allocator *a, void **p, size_t *cap, size_t elem);

/* ---- the tokenizer object (tt_bpe.c) ---- */
struct tt_tokenizer {
    tt_allocator alloc;
    tt_logger logger;
    size_t mem_bytes;          /* the single allocation holding everything */
    int32_t vocab, n_special, n_ranked, split_mode;
    uint32_t *off, *len;       /* per id: offset into blob, length */
    unsigned char *blob;
    uint64_t blob_bytes;
    tt__htab ht;               /* ordinary tokens by bytes (items: ids) */
    int32_t byte_id[256];
    unsigned char special_first[256];
    size_t special_max_len;
    size_t max_len;            /* longest ordinary token */
    /* threads */
    tt__exec ex;
    void *pool;
};
TT__PRIVATE const unsigned char *tt__tok_bytes(const tt_tokenizer *t, int32_t id);
/* id of the ordinary token with bytes p[0..n) (hash h = tt__hash_bytes(p, n)), or -1 */
TT__PRIVATE int32_t tt__tok_lookup_h(const tt_tokenizer *t, const unsigned char *p, size_t n, uint64_t h);
TT__PRIVATE int32_t tt__tok_lookup(const tt_tokenizer *t, const unsigned char *p, size_t n);
/* Build a tokenizer from vocab token strings: lens[i] bytes each, stored
 * back to back in blob (blob_bytes in all); the last n_special are special.
 * Validates like a file loader: TT_ERR_BAD_FORMAT for empty or too long
 * tokens, duplicates among ordinary (or among special) tokens, or a single
 * byte value with no ordinary token. */
TT__PRIVATE tt_status tt__tok_build(const tt_tokenizer_config *cfg, int32_t vocab, int32_t n_special,
                                    int32_t split_mode, const uint32_t *lens, const unsigned char *blob,
                                    uint64_t blob_bytes, tt_tokenizer **out);
/* threads of a config into ex (a pool, if started, in *pool) and back */
TT__PRIVATE tt_status tt__bpe_exec_start(const tt_tokenizer_config *cfg, const tt_allocator *a,
                                         tt__exec *ex, void **pool);
TT__PRIVATE void      tt__bpe_exec_stop(const tt_allocator *a, tt__exec *ex, void **pool);

/* ---- a vocabulary under construction: token strings back to back (tt_bpe.c) ---- */
typedef struct tt__vocab_buf {
    const tt_allocator *a;
    uint32_t *lens;
    size_t n, cap_lens;
    unsigned char *bytes;
    size_t nb, cap_bytes;
} tt__vocab_buf;
TT__PRIVATE int       tt__vb_add(tt__vocab_buf *v, const void *p, size_t n);  /* 0: out of memory */
TT__PRIVATE void      tt__vb_free(tt__vocab_buf *v);
/* append cfg's special tokens to v; INVALID_ARG for bad entries */
TT__PRIVATE tt_status tt__vb_add_specials(tt__vocab_buf *v, const tt_tokenizer_config *cfg);

#endif /* TT_BPE_INTERNAL_H */
