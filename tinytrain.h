/* tinytrain.h v0.1.0 -- train a small GPT on the CPU, one header, libc only. MIT or public domain (see end of file).
   GENERATED from src/ by tools/amalgamate.sh -- do not edit; edit src/ and regenerate.

   QUICK START
     In exactly one C or C++ file:
         #define TINYTRAIN_IMPLEMENTATION
         #include "tinytrain.h"
     Build: cc -O2 -std=c99 -march=native app.c -lm -lpthread

         tt_model_config cfg = {0};            // C++: = {}
         cfg.vocab_size = 256; cfg.n_layer = 2; // the rest: defaults
         tt_model *m = NULL;
         if (tt_model_create(&cfg, &m) != TT_OK) return 1;
         tt_adamw_config opt = {0}; opt.lr = 1e-3f;
         for (int step = 0; step < 100; step++) {
             float loss;
             tt_model_forward(m, tokens, targets, B, T, &loss);
             tt_model_backward(m, 1.0f);
             tt_adamw_step(m, &opt, NULL);
         }
         tt_model_destroy(m);

   CONFIG MACROS (where to set them)
     TINYTRAIN_IMPLEMENTATION  one .c file           emit the implementation
     TINYTRAIN_STATIC          implementation file   every function static
     TT_NO_STDIO               globally              no *_file functions, no tt_log_stderr
     TT_NO_THREADS             implementation file   no pthreads; cfg.n_threads clamped to 1
                                                     (a user cfg.parallel still works)
     TT_NO_MALLOC              implementation file   no default allocator: pass
                                                     cfg.allocator or use *_create_in
     TT_SIMD_WIDTH             implementation file   1 scalar, 8 AVX2+FMA (-mavx2 -mfma),
                                                     16 AVX-512 (-mavx512f ...); default
                                                     from the compiler's flags
     TT_MALLOC(sz,al)/TT_FREE(p,sz)  implementation  both or neither
     TT_ASSERT(x)              implementation file   internal invariants (default: none)
     TT_EXPF TT_LOGF TT_SQRTF TT_TANHF TT_COSF TT_POWF  math functions for freestanding builds

   MEMORY
     tt_model_memory_size tells the bytes; tt_model_create_in builds inside a
     caller's buffer and allocates nothing. Parameters, gradients and AdamW
     m/v are one flat block; activations are one block sized for
     (max_batch, n_ctx). Forward, backward and the optimizer step never allocate.

   THREADS
     cfg.n_threads > 1 starts a small pthread pool (n_threads-1 workers) at
     create, or cfg.parallel plugs in your own scheduler. One model is used
     by one calling thread at a time; separate models are independent.

   DETERMINISM
     Same binary, inputs, seed and thread count: bitwise the same losses and
     parameters. Work is split over output elements only; every reduction
     runs in a fixed order that does not depend on the thread count.

   ERRORS
     Every fallible call returns tt_status; tt_strerror names it; details go
     to cfg.logger (silent by default). The library never calls exit, abort
     or printf. A failed call leaves its outputs and the object unchanged.

   DOES NOT
     download anything, use a GPU (the tt_backend hook is reserved), use
     -ffast-math, or keep global state.
*/
/* ==== begin src/tt_api.h ==== */
/* >>api  tinytrain.h public API: core types, allocator, logger, threads, I/O,
 * model, optimizer. The tokenizer API is in tt_api_bpe.h, token files,
 * checkpoints and generation in tt_api_data.h.
 * Shape legend: B batch, T time (sequence), C channels (d_model), V vocab,
 * Vp vocab padded to a multiple of 64, L layers, NH heads, hs = C/NH. */
#ifndef TINYTRAIN_H
#define TINYTRAIN_H

#include <stddef.h>
#include <stdint.h>

#define TT_VERSION_MAJOR 0
#define TT_VERSION_MINOR 1
#define TT_VERSION_PATCH 0
#define TT_VERSION_STRING "0.1.0"

#ifndef TTDEF
#  ifdef TINYTRAIN_STATIC
#    define TTDEF static
#  else
#    define TTDEF extern
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes -------------------------------------------------------
 * Every fallible call returns a tt_status. Codes are only ever appended. */
#define TT__STATUS_LIST(X)                                                   \
    X(TT_OK,                    0, "success")                                \
    X(TT_ERR_INVALID_ARG,      -1, "invalid argument")                       \
    X(TT_ERR_OUT_OF_MEMORY,    -2, "allocation failed")                      \
    X(TT_ERR_BUFFER_TOO_SMALL, -3, "output buffer too small")                \
    X(TT_ERR_SHAPE,            -4, "B/T exceed the sizes fixed at create")   \
    X(TT_ERR_IO,               -5, "read or write callback failed")          \
    X(TT_ERR_BAD_FORMAT,       -6, "bad magic, version, checksum or bounds") \
    X(TT_ERR_UNSUPPORTED,      -7, "not available in this build or CPU")     \
    X(TT_ERR_NONFINITE,        -8, "loss or gradient is NaN/Inf")            \
    X(TT_ERR_BACKEND,          -9, "backend call failed")                    \
    X(TT_ERR_CANCELLED,       -10, "stopped by callback")                    \
    X(TT_ERR_MISMATCH,        -11, "file does not match this model/tokenizer")

typedef enum tt_status {
#define TT__STATUS_ENUM(name, value, text) name = value,
    TT__STATUS_LIST(TT__STATUS_ENUM)
#undef TT__STATUS_ENUM
    TT__STATUS_FORCE_INT = 0x7fffffff
} tt_status;

/* tt_strerror: a static, human-readable string for a status; never NULL. */
TTDEF const char *tt_strerror(tt_status status);
/* tt_version_string: the version of the compiled implementation ("0.1.0"). */
TTDEF const char *tt_version_string(void);
/* tt_simd_width: floats per vector in the compiled kernels: 1, 8 or 16. */
TTDEF int tt_simd_width(void);

/* ---- allocator ----------------------------------------------------------
 * All-zero = TT_MALLOC/TT_FREE (aligned libc). Set both alloc and free or
 * neither; half-filled is TT_ERR_INVALID_ARG. align is a power of two
 * (64 for model blocks); free receives the size that was passed to alloc. */
typedef struct tt_allocator {
    void *(*alloc)(void *user, size_t size, size_t align); /* NULL on failure */
    void  (*free)(void *user, void *ptr, size_t size);
    void   *user;
} tt_allocator;

/* ---- logger --------------------------------------------------------------
 * Zero = silent. msg may be NULL and must not be kept after the call. */
enum { TT_LOG_ERROR = 0, TT_LOG_WARN = 1, TT_LOG_INFO = 2 };
typedef struct tt_logger {
    void (*fn)(void *user, int level, tt_status code, const char *msg);
    void  *user;
} tt_logger;
#ifndef TT_NO_STDIO
/* tt_log_stderr: a ready-made logger function that prints "tinytrain: msg". */
TTDEF void tt_log_stderr(void *user, int level, tt_status code, const char *msg);
#endif

/* ---- threads -------------------------------------------------------------
 * A user scheduler: run task(arg, i) for every i in [0, n), return when all
 * are done. Tasks of one call never share outputs. Zero = the built-in pool
 * (pthreads) or serial under TT_NO_THREADS. */
typedef struct tt_parallel {
    void (*parallel_for)(void *pool, int n, void (*task)(void *arg, int i), void *arg);
    void  *pool;
} tt_parallel;

/* ---- I/O callbacks -------------------------------------------------------
 * read/write return the number of bytes moved; fewer than n is an error
 * (end of file for read). Used by every save/load so TT_NO_STDIO keeps them. */
typedef struct tt_io {
    size_t (*read)(void *user, void *buf, size_t n);
    size_t (*write)(void *user, const void *buf, size_t n);
    void   *user;
} tt_io;

/* tt_crc32: CRC-32 (IEEE 802.3, reflected poly 0xEDB88320, as zlib). Pass 0
 * as crc for the first chunk and the previous result for the next. */
TTDEF uint32_t tt_crc32(uint32_t crc, const void *data, size_t n);

/* ---- RNG -----------------------------------------------------------------
 * Small, seeded, portable: PCG32 (O'Neill 2014, XSH-RR output). The same
 * seed gives the same stream on every platform. */
typedef struct tt_rng { uint64_t state, inc; } tt_rng;
TTDEF void     tt_rng_seed(tt_rng *rng, uint64_t seed);
TTDEF uint32_t tt_rng_u32(tt_rng *rng);
/* tt_rng_uniform: float in [0, 1) with 24 random bits. */
TTDEF float    tt_rng_uniform(tt_rng *rng);
/* tt_rng_normal: N(0,1) by Box-Muller (two uniforms per sample). */
TTDEF float    tt_rng_normal(tt_rng *rng);

/* ---- backend hook (CUDA and others) --------------------------------------
 * A table of function pointers filled by an out-of-header backend (e.g. a
 * contrib/tt_cuda.cu). Reserved in this version: tt_model_create returns
 * TT_ERR_UNSUPPORTED when cfg.backend is set, because the dispatch to it is
 * not implemented yet. */
#define TT_BACKEND_API_VERSION 1
typedef struct tt_backend {
    uint32_t    api_version;   /* = TT_BACKEND_API_VERSION */
    const char *name;          /* e.g. "cuda:0", used in log messages */
    void       *ctx;           /* first argument of every entry */
    tt_status (*alloc)(void *ctx, size_t bytes, void **out_dev);
    void      (*free)(void *ctx, void *dev);
    tt_status (*upload)(void *ctx, void *dev_dst, const void *host_src, size_t bytes);
    tt_status (*download)(void *ctx, void *host_dst, const void *dev_src, size_t bytes);
    tt_status (*sync)(void *ctx);
    /* out (BT,OC) = in (BT,C) W^T (OC,C) + bias (OC) */
    tt_status (*matmul_fwd)(void *ctx, float *out, const float *in, const float *w,
                            const float *bias, int BT, int C, int OC);
    /* din += dout W; dw += dout^T in; dbias += colsum(dout) */
    tt_status (*matmul_bwd)(void *ctx, float *din, float *dw, float *dbias, const float *dout,
                            const float *in, const float *w, int BT, int C, int OC);
} tt_backend;

/* ---- model ---------------------------------------------------------------
 * GPT-2 (Radford et al. 2019) as nanoGPT / Hugging Face GPT2LMHeadModel
 * compute it: wte (Vp,C) with V padded to a multiple of 64 (pad logits
 * masked), learned wpe (n_ctx,C), pre-LayerNorm blocks (eps 1e-5), causal
 * multi-head attention with scale 1/sqrt(hs), MLP C->4C->C with GELU (tanh
 * approximation), final LayerNorm, lm head tied to wte.
 * Init (GPT-2): weights N(0, 0.02), residual output projections (attn proj,
 * mlp proj) N(0, 0.02/sqrt(2L)), biases 0, LayerNorm weight 1, bias 0.
 *
 * Defaults (zero in the config means this value): */
#define TT_DEFAULT_N_CTX     256
#define TT_DEFAULT_N_LAYER   4
#define TT_DEFAULT_N_HEAD    4
#define TT_DEFAULT_D_MODEL   256
#define TT_DEFAULT_MAX_BATCH 8
#define TT_DEFAULT_SEED      1337u
#define TT_MAX_VOCAB         (1 << 24)
#define TT_MAX_DIM           (1 << 16)

typedef struct tt_model_config {
    int32_t  vocab_size;   /* V tokens; REQUIRED, no default                   */
    int32_t  n_ctx;        /* max sequence length T; default 256               */
    int32_t  n_layer;      /* L; default 4                                     */
    int32_t  n_head;       /* NH; default 4; must divide d_model               */
    int32_t  d_model;      /* C; default 256                                   */
    int32_t  max_batch;    /* upper bound on B, sizes the activations; def. 8 */
    int32_t  n_threads;    /* 0 or 1 = caller's thread only; 1 under TT_NO_THREADS
                              unless cfg.parallel is set                       */
    uint64_t seed;         /* weight init; 0 = TT_DEFAULT_SEED                 */
    int32_t  force_scalar; /* 1 = reference kernels even in SIMD builds        */
    int32_t  no_init;      /* 1 = leave parameters zero (caller loads them)   */
    tt_allocator      allocator; /* zero = TT_MALLOC/TT_FREE                   */
    tt_logger         logger;    /* zero = silent                              */
    tt_parallel       parallel;  /* zero = built-in pool, or serial            */
    const tt_backend *backend;   /* NULL = CPU only (non-NULL: unsupported yet) */
} tt_model_config;

typedef struct tt_model tt_model;

/* tt_model_config_resolve: the config with every default filled in and
 * n_threads clamped as the build requires. The input is not modified. */
TTDEF tt_model_config tt_model_config_resolve(const tt_model_config *cfg);

/* tt_model_memory_size: bytes tt_model_create_in needs for this config
 * (parameters, gradients, AdamW m and v, activations for (max_batch, n_ctx),
 * scratch, and the model struct), including 64-byte alignment slack.
 * Returns TT_OK, TT_ERR_INVALID_ARG (bad config or size overflow). */
TTDEF tt_status tt_model_memory_size(const tt_model_config *cfg, size_t *out_bytes);

/* tt_model_create_in: build a model inside the caller's buffer mem (any
 * alignment; at least tt_model_memory_size bytes). Allocates nothing; with
 * n_threads > 1 and the built-in pool it starts n_threads-1 threads.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL,
 * TT_ERR_UNSUPPORTED (CPU lacks the compiled SIMD width, or cfg.backend),
 * TT_ERR_OUT_OF_MEMORY (thread creation failed). On failure *out_model is
 * unchanged and nothing is left running. */
TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model);
/* tt_model_create: tt_model_memory_size + one allocation + create_in. */
TTDEF tt_status tt_model_create(const tt_model_config *cfg, tt_model **out_model);
/* tt_model_destroy: stop threads, free what create allocated. NULL: no-op. */
TTDEF void      tt_model_destroy(tt_model *model);

/* tt_model_get_config: the resolved config the model was created with. */
TTDEF tt_model_config tt_model_get_config(const tt_model *model);

/* tt_model_forward: forward pass for one batch.
 *   tokens   (in)            int32[B*T], row-major (b,t); ids in [0, V)
 *   targets  (in, optional)  int32[B*T] next-token ids in [0, V); NULL =
 *                            inference: logits of the last position of each
 *                            row are kept (tt_model_logits)
 *   B, T     (in)            1 <= B <= max_batch, 1 <= T <= n_ctx
 *   out_loss (out, optional) mean cross-entropy over B*T positions, in nats
 * Returns TT_OK, TT_ERR_INVALID_ARG (NULL tokens, id out of range),
 * TT_ERR_SHAPE. Allocates: no. Thread safety: one call per model at a time. */
TTDEF tt_status tt_model_forward(tt_model *model, const int32_t *tokens,
                                 const int32_t *targets, int B, int T, float *out_loss);

/* tt_model_backward: add grad_scale * d(loss)/d(param) of the last forward
 * (which must have had targets) to the gradients of every parameter. For
 * gradient accumulation over n micro-batches pass grad_scale = 1/n.
 * Returns TT_OK, TT_ERR_INVALID_ARG (no forward with targets before it).
 * Allocates: no. */
TTDEF tt_status tt_model_backward(tt_model *model, float grad_scale);

/* tt_model_zero_grad: set every gradient to 0. */
TTDEF void tt_model_zero_grad(tt_model *model);

/* tt_model_logits: after a forward without targets, copy the logits of the
 * last position of each row into out: float[B*V] (unpadded V), unnormalised.
 * Returns TT_OK, TT_ERR_INVALID_ARG (no inference forward before),
 * TT_ERR_BUFFER_TOO_SMALL (n < B*V). */
TTDEF tt_status tt_model_logits(const tt_model *model, float *out, size_t n);

/* Parameter tensors, in the order they are laid out in the flat blocks
 * (parameters, gradients, AdamW m, AdamW v all share this layout). */
typedef struct tt_tensor_info {
    const char *name;       /* Hugging Face GPT-2 style, e.g. "h.0.attn.c_attn.weight" */
    int32_t     ndim;       /* 1 or 2 */
    int32_t     shape[2];   /* PyTorch nn.Linear layout: (out, in) */
    size_t      offset;     /* in floats, from the start of the flat block */
    size_t      numel;
    int32_t     decay;      /* 1 = AdamW weight decay applies (matrices) */
} tt_tensor_info;

/* tt_model_num_tensors / tt_model_tensor: describe parameter tensor i
 * (i < num_tensors), one per layer per kind (so "h.3.ln_1.weight" is one
 * tensor). Returns TT_ERR_INVALID_ARG for i out of range. */
TTDEF int       tt_model_num_tensors(const tt_model *model);
TTDEF tt_status tt_model_tensor(const tt_model *model, int i, tt_tensor_info *out_info);

/* Flat blocks of n floats each (n = tt_model_num_params): live pointers
 * into the model. Writing parameters is allowed between steps. */
TTDEF size_t tt_model_num_params(const tt_model *model);
TTDEF float *tt_model_params(tt_model *model);
TTDEF float *tt_model_grads(tt_model *model);
TTDEF float *tt_model_adam_m(tt_model *model);
TTDEF float *tt_model_adam_v(tt_model *model);
/* AdamW step counter (number of successful tt_adamw_step calls). */
TTDEF uint64_t tt_model_step(const tt_model *model);
TTDEF void     tt_model_set_step(tt_model *model, uint64_t step);

/* ---- optimizer -----------------------------------------------------------
 * AdamW (Loshchilov & Hutter 2019): decoupled weight decay, bias-corrected
 * moments. m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr * (m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) + wd * p).
 * Weight decay applies to matrices only (not biases, LayerNorm, wpe), as
 * nanoGPT does. LR schedule: linear warmup from lr/warmup to lr over
 * warmup_steps, then cosine from lr down to min_lr at total_steps (cosine),
 * or constant. */
enum { TT_LR_CONSTANT = 0, TT_LR_COSINE = 1 };
typedef struct tt_adamw_config {
    float   lr;            /* peak learning rate; default 3e-4              */
    float   beta1;         /* default 0.9                                   */
    float   beta2;         /* default 0.95                                  */
    float   eps;           /* default 1e-8                                  */
    float   weight_decay;  /* 0 = off                                       */
    float   grad_clip;     /* max global L2 norm; 0 = no clipping           */
    int32_t warmup_steps;  /* 0 = no warmup                                 */
    int32_t schedule;      /* TT_LR_CONSTANT (0) or TT_LR_COSINE            */
    int32_t total_steps;   /* end of the cosine; needed for TT_LR_COSINE    */
    float   min_lr;        /* floor of the cosine; 0 = decays to 0          */
} tt_adamw_config;

typedef struct tt_step_stats {
    float    lr;         /* learning rate used for this step */
    float    grad_norm;  /* global L2 norm of the gradients before clipping */
    uint64_t step;       /* step counter after this step */
} tt_step_stats;

/* tt_adamw_config_resolve: the config with defaults filled in. */
TTDEF tt_adamw_config tt_adamw_config_resolve(const tt_adamw_config *cfg);
/* tt_lr_at: learning rate at a 0-based step under cfg (resolved). */
TTDEF float tt_lr_at(const tt_adamw_config *cfg, uint64_t step);

/* tt_adamw_step: one optimizer step using the accumulated gradients: global
 * gradient norm, clipping to grad_clip, AdamW update with the scheduled LR,
 * then the gradients are zeroed and the step counter advances.
 * If the gradient norm is NaN/Inf, returns TT_ERR_NONFINITE: parameters,
 * m, v and the step counter are untouched, the gradients are zeroed (the
 * batch is dropped). Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_NONFINITE.
 * Allocates: no. Deterministic for a given n_threads. */
TTDEF tt_status tt_adamw_step(tt_model *model, const tt_adamw_config *cfg,
                              tt_step_stats *out_stats);

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_H */
/* ==== end src/tt_api.h ==== */
/* ==== begin src/tt_api_bpe.h ==== */
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
/* #include "tt_api.h" */

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
 * u64 payload bytes, u32 CRC32 of the payload, u32 reserved (0); payload:
 * u32 length of every token in id order, then all token bytes. The loader
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
/* ==== end src/tt_api_bpe.h ==== */
/* ==== begin src/tt_api_data.h ==== */
/* >>api_data  token files, batch loader, checkpoints, generation.
 * Pipeline: text -> tt_tokenizer_encode -> ids -> tt_tokens_write_file (a
 * token file) -> tt_loader_open_file -> tt_loader_next (B x T batches) ->
 * model -> tt_checkpoint_save_file; tt_generate for sampling. */
#ifndef TINYTRAIN_DATA_H
#define TINYTRAIN_DATA_H
/* #include "tt_api.h" */
/* #include "tt_api_bpe.h" */

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
/* ==== end src/tt_api_data.h ==== */

#ifdef TINYTRAIN_IMPLEMENTATION
#ifndef TINYTRAIN_IMPLEMENTATION_DONE
#define TINYTRAIN_IMPLEMENTATION_DONE
/* ==== begin src/tt_config.h ==== */
/* >>config  implementation defaults: allocation, math, SIMD width, threads */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H
/* #include "tt_api.h" */

#include <string.h>
#include <limits.h>
#ifndef TT_NO_STDIO
#  include <stdio.h>
#endif

#if defined(TT_MALLOC) != defined(TT_FREE)
#  error "tinytrain: define both TT_MALLOC(size, align) and TT_FREE(ptr, size), or neither"
#endif
#if !defined(TT_MALLOC) && !defined(TT_NO_MALLOC)
#  include <stdlib.h>
#  define TT__HAS_MALLOC 1
#elif defined(TT_MALLOC)
#  define TT__HAS_MALLOC 1
#else
#  define TT__HAS_MALLOC 0
#endif

#if !defined(TT_EXPF) || !defined(TT_LOGF) || !defined(TT_SQRTF) || !defined(TT_TANHF) || !defined(TT_COSF) || !defined(TT_POWF)
#  include <math.h>
#endif
#ifndef TT_EXPF
#  define TT_EXPF(x) expf(x)
#endif
#ifndef TT_LOGF
#  define TT_LOGF(x) logf(x)
#endif
#ifndef TT_SQRTF
#  define TT_SQRTF(x) sqrtf(x)
#endif
#ifndef TT_TANHF
#  define TT_TANHF(x) tanhf(x)
#endif
#ifndef TT_COSF
#  define TT_COSF(x) cosf(x)
#endif
#ifndef TT_POWF
#  define TT_POWF(x, y) powf(x, y)
#endif
#ifndef TT_ASSERT
#  define TT_ASSERT(x) ((void)0)
#endif

#ifndef TT_SIMD_WIDTH
#  if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 16
#  elif defined(__AVX2__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 8
#  else
#    define TT_SIMD_WIDTH 1
#  endif
#endif
#if TT_SIMD_WIDTH == 16
#  if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || !defined(__AVX512VL__) || !defined(__FMA__)
#    error "tinytrain: TT_SIMD_WIDTH=16 needs AVX-512 codegen (-mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma, or -march=native)"
#  endif
#  include <immintrin.h>
#elif TT_SIMD_WIDTH == 8
#  if !defined(__AVX2__) || !defined(__FMA__)
#    error "tinytrain: TT_SIMD_WIDTH=8 needs AVX2 and FMA codegen (-mavx2 -mfma)"
#  endif
#  include <immintrin.h>
#elif TT_SIMD_WIDTH != 1
#  error "tinytrain: TT_SIMD_WIDTH must be 1, 8 or 16"
#endif

#if defined(TT_NO_THREADS)
#  define TT__HAS_THREADS 0
#else
#  define TT__HAS_THREADS 1
#  include <pthread.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define TT__PRIVATE static __attribute__((unused))
#  define TT__RESTRICT __restrict__
#else
#  define TT__PRIVATE static
#  define TT__RESTRICT
#endif

#endif /* TT_CONFIG_H */
/* ==== end src/tt_config.h ==== */
/* ==== begin src/tt_internal.h ==== */
/* >>internal  private structs and tt__ helpers (not part of the API) */
#ifndef TT_INTERNAL_H
#define TT_INTERNAL_H
/* #include "tt_config.h" */

#define TT__ALIGN 64
#define TT__MAX_THREADS 64

/* ---- checked size math (report overflow instead of wrapping) ---- */
TT__PRIVATE int tt__mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > (size_t)-1 / a) { *out = 0; return 0; }
    *out = a * b;
    return 1;
}
TT__PRIVATE int tt__add_size(size_t a, size_t b, size_t *out) {
    if (b > (size_t)-1 - a) { *out = 0; return 0; }
    *out = a + b;
    return 1;
}
TT__PRIVATE size_t tt__align_up(size_t n, size_t a) { return (n + (a - 1)) & ~(a - 1); }

/* ---- logging ---- */
TT__PRIVATE void tt__log(const tt_logger *lg, int level, tt_status code, const char *msg);
/* log "prefix: detail" with a formatted integer, without stdio */
TT__PRIVATE void tt__logf(const tt_logger *lg, int level, tt_status code, const char *msg, long long v);

/* ---- allocation ---- */
TT__PRIVATE int   tt__allocator_valid(const tt_allocator *a);
TT__PRIVATE void *tt__alloc(const tt_allocator *a, size_t size, size_t align);
TT__PRIVATE void  tt__free(const tt_allocator *a, void *p, size_t size);

/* A memory plan: reserve aligned regions, then carve a block. */
typedef struct tt__plan { size_t size; int overflow; } tt__plan;
/* reserve n_bytes, return the offset (aligned to TT__ALIGN) */
TT__PRIVATE size_t tt__plan_take(tt__plan *p, size_t count, size_t elem);

/* ---- execution context: how kernels run in parallel ----
 * parallel_for(n) runs tasks 0..n-1; tasks may use per-slot scratch where
 * the slot is the task index, so callers keep n <= n_threads when they do. */
typedef struct tt__exec {
    tt_parallel par;       /* fn NULL = serial */
    int n_threads;         /* >= 1 */
    int force_scalar;
    float *scratch;        /* n_threads * scratch_floats, per-slot scratch */
    size_t scratch_floats; /* floats per slot */
} tt__exec;
TT__PRIVATE void tt__parallel_for(const tt__exec *ex, int n, void (*task)(void *arg, int i), void *arg);

/* ---- built-in thread pool ---- */
typedef struct tt__pool tt__pool;
TT__PRIVATE size_t    tt__pool_size(int n_threads);
TT__PRIVATE tt_status tt__pool_start(tt__pool *pool, int n_threads);   /* in caller memory */
TT__PRIVATE void      tt__pool_stop(tt__pool *pool);
TT__PRIVATE void      tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg);

/* ---- I/O helpers ---- */
TT__PRIVATE tt_status tt__write_all(const tt_io *io, const void *buf, size_t n);
TT__PRIVATE tt_status tt__read_all(const tt_io *io, void *buf, size_t n);
TT__PRIVATE void      tt__put_u32(unsigned char *p, uint32_t v);
TT__PRIVATE void      tt__put_u64(unsigned char *p, uint64_t v);
TT__PRIVATE uint32_t  tt__get_u32(const unsigned char *p);
TT__PRIVATE uint64_t  tt__get_u64(const unsigned char *p);

/* ---- kernels (scalar references; SIMD variants share the signatures) ---- */
/* C (M,N) = [C +] A (M,K) B (K,N); element (i,j) of A is A[i*rsa + j*csa],
 * of B is B[i*rsb + j*csb]; C is row-major with row stride ldc. The sum over
 * k runs in increasing k order from 0 (or from C when accumulate). */
TT__PRIVATE void tt__gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                     const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc,
                     int accumulate);
/* dispatcher, threaded over M (and N), never over K: deterministic for any thread count */
TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
              const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc, int accumulate);
/* floats of per-thread scratch tt__gemm needs (packing buffers) */
TT__PRIVATE size_t tt__gemm_scratch_floats(void);

#endif /* TT_INTERNAL_H */
/* ==== end src/tt_internal.h ==== */
/* ==== begin src/tt_util.c ==== */
/* >>util  status strings, logging, RNG */
/* #include "tt_internal.h" */

TTDEF const char *tt_strerror(tt_status status) {
    switch (status) {
#ifdef TT_NO_ERROR_STRINGS
#define TT__STATUS_CASE(name, value, text) case name: return #name;
#else
#define TT__STATUS_CASE(name, value, text) case name: return text;
#endif
    TT__STATUS_LIST(TT__STATUS_CASE)
#undef TT__STATUS_CASE
    default: break;
    }
    return "unknown tt_status";
}

TTDEF const char *tt_version_string(void) { return TT_VERSION_STRING; }
TTDEF int tt_simd_width(void) { return TT_SIMD_WIDTH; }

TT__PRIVATE void tt__log(const tt_logger *lg, int level, tt_status code, const char *msg) {
    if (lg && lg->fn) lg->fn(lg->user, level, code, msg);
}

/* "msg" followed by the decimal value, built without stdio */
TT__PRIVATE void tt__logf(const tt_logger *lg, int level, tt_status code, const char *msg, long long v) {
    char buf[256];
    size_t n = 0, i;
    char digits[24];
    int nd = 0, neg = v < 0;
    unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
    if (!lg || !lg->fn) return;
    while (msg && msg[n] && n < sizeof(buf) - 32) { buf[n] = msg[n]; n++; }
    do { digits[nd++] = (char)('0' + (int)(u % 10)); u /= 10; } while (u && nd < 22);
    if (neg) buf[n++] = '-';
    for (i = 0; i < (size_t)nd; i++) buf[n++] = digits[nd - 1 - (int)i];
    buf[n] = 0;
    lg->fn(lg->user, level, code, buf);
}

#ifndef TT_NO_STDIO
TTDEF void tt_log_stderr(void *user, int level, tt_status code, const char *msg) {
    static const char *names[] = { "error", "warning", "info" };
    (void)user;
    fprintf(stderr, "tinytrain %s: %s (%s)\n", (level >= 0 && level <= 2) ? names[level] : "log",
            msg ? msg : "", tt_strerror(code));
}
#endif

/* PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically
 * Good Algorithms for Random Number Generation", 2014), XSH-RR variant. */
TTDEF void tt_rng_seed(tt_rng *rng, uint64_t seed) {
    rng->state = 0u;
    rng->inc = (seed << 1u) | 1u;
    (void)tt_rng_u32(rng);
    rng->state += 0x853c49e6748fea9bULL ^ seed;
    (void)tt_rng_u32(rng);
}

TTDEF uint32_t tt_rng_u32(tt_rng *rng) {
    uint64_t old = rng->state;
    uint32_t xorshifted, rot;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

TTDEF float tt_rng_uniform(tt_rng *rng) {
    return (float)(tt_rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

TTDEF float tt_rng_normal(tt_rng *rng) {
    /* Box-Muller; u1 in (0,1] so the log is finite */
    float u1 = 1.0f - tt_rng_uniform(rng);
    float u2 = tt_rng_uniform(rng);
    return TT_SQRTF(-2.0f * TT_LOGF(u1)) * TT_COSF(6.28318530717958647692f * u2);
}
/* ==== end src/tt_util.c ==== */
/* ==== begin src/tt_alloc.c ==== */
/* >>alloc  allocator plumbing and memory plans */
/* #include "tt_internal.h" */

TT__PRIVATE int tt__allocator_valid(const tt_allocator *a) {
    if (!a) return 1;
    if ((a->alloc == NULL) != (a->free == NULL)) return 0;
#if !TT__HAS_MALLOC
    if (a->alloc == NULL) return 0;
#endif
    return 1;
}

#if TT__HAS_MALLOC && !defined(TT_MALLOC)
/* aligned libc allocation: over-allocate and keep the original pointer
 * just below the aligned block */
TT__PRIVATE void *tt__default_alloc(size_t size, size_t align) {
    size_t total;
    unsigned char *raw, *p;
    if (align < sizeof(void *)) align = sizeof(void *);
    if (!tt__add_size(size, align + sizeof(void *), &total)) return NULL;
    raw = (unsigned char *)malloc(total);
    if (!raw) return NULL;
    p = (unsigned char *)(((uintptr_t)(raw + sizeof(void *)) + (align - 1)) & ~(uintptr_t)(align - 1));
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    return p;
}
TT__PRIVATE void tt__default_free(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof(void *));
    free(raw);
}
#define TT_MALLOC(sz, al) tt__default_alloc((sz), (al))
#define TT_FREE(p, sz) ((void)(sz), tt__default_free(p))
#endif

TT__PRIVATE void *tt__alloc(const tt_allocator *a, size_t size, size_t align) {
    if (size == 0) size = 1;
    if (a && a->alloc) return a->alloc(a->user, size, align);
#if TT__HAS_MALLOC
    return TT_MALLOC(size, align);
#else
    (void)align;
    return NULL;
#endif
}

TT__PRIVATE void tt__free(const tt_allocator *a, void *p, size_t size) {
    if (!p) return;
    if (size == 0) size = 1;
    if (a && a->free) { a->free(a->user, p, size); return; }
#if TT__HAS_MALLOC
    TT_FREE(p, size);
#else
    (void)size;
#endif
}

TT__PRIVATE size_t tt__plan_take(tt__plan *p, size_t count, size_t elem) {
    size_t bytes, off = p->size;
    if (!tt__mul_size(count, elem, &bytes) || bytes > (size_t)-1 - TT__ALIGN) {
        p->overflow = 1;
        return 0;
    }
    bytes = tt__align_up(bytes, TT__ALIGN);
    if (!tt__add_size(off, bytes, &p->size)) { p->overflow = 1; return 0; }
    return off;
}
/* ==== end src/tt_alloc.c ==== */
/* ==== begin src/tt_io.c ==== */
/* >>io  CRC32, little-endian helpers, callback I/O, atomic file writes */
/* #include "tt_internal.h" */

TTDEF uint32_t tt_crc32(uint32_t crc, const void *data, size_t n) {
    /* bytewise, table-free-per-call: a 16-entry nibble table keeps it small */
    static const uint32_t tab[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu };
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ tab[crc & 15];
        crc = (crc >> 4) ^ tab[crc & 15];
    }
    return ~crc;
}

TT__PRIVATE void tt__put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
TT__PRIVATE void tt__put_u64(unsigned char *p, uint64_t v) {
    tt__put_u32(p, (uint32_t)v);
    tt__put_u32(p + 4, (uint32_t)(v >> 32));
}
TT__PRIVATE uint32_t tt__get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
TT__PRIVATE uint64_t tt__get_u64(const unsigned char *p) {
    return (uint64_t)tt__get_u32(p) | ((uint64_t)tt__get_u32(p + 4) << 32);
}

TT__PRIVATE tt_status tt__write_all(const tt_io *io, const void *buf, size_t n) {
    if (!io || !io->write) return TT_ERR_INVALID_ARG;
    if (n == 0) return TT_OK;
    return io->write(io->user, buf, n) == n ? TT_OK : TT_ERR_IO;
}
TT__PRIVATE tt_status tt__read_all(const tt_io *io, void *buf, size_t n) {
    if (!io || !io->read) return TT_ERR_INVALID_ARG;
    if (n == 0) return TT_OK;
    return io->read(io->user, buf, n) == n ? TT_OK : TT_ERR_BAD_FORMAT;
}

#ifndef TT_NO_STDIO
TT__PRIVATE size_t tt__stdio_read(void *user, void *buf, size_t n) { return fread(buf, 1, n, (FILE *)user); }
TT__PRIVATE size_t tt__stdio_write(void *user, const void *buf, size_t n) { return fwrite(buf, 1, n, (FILE *)user); }

/* tt__save_atomic: write path via save(obj, io) into "path.tmp", flush and
 * close, then rename over path. On any failure the temp file is removed and
 * the old file at path is left as it was. */
typedef tt_status (*tt__save_fn)(const void *obj, const tt_io *io);
TT__PRIVATE tt_status tt__save_atomic(const char *path, tt__save_fn save, const void *obj) {
    char tmp[4096];
    size_t n;
    FILE *f;
    tt_io io;
    tt_status st;
    if (!path) return TT_ERR_INVALID_ARG;
    n = strlen(path);
    if (n + 5 > sizeof(tmp)) return TT_ERR_INVALID_ARG;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (!f) return TT_ERR_IO;
    io.read = NULL; io.write = tt__stdio_write; io.user = f;
    st = save(obj, &io);
    if (fflush(f) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (fclose(f) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (st == TT_OK && rename(tmp, path) != 0) st = TT_ERR_IO;
    if (st != TT_OK) remove(tmp);
    return st;
}

/* tt__load_path: open path for reading and call load(obj, io). */
typedef tt_status (*tt__load_fn)(void *obj, const tt_io *io);
TT__PRIVATE tt_status tt__load_path(const char *path, tt__load_fn load, void *obj) {
    FILE *f;
    tt_io io;
    tt_status st;
    if (!path) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) return TT_ERR_IO;
    io.read = tt__stdio_read; io.write = NULL; io.user = f;
    st = load(obj, &io);
    fclose(f);
    return st;
}
#endif
/* ==== end src/tt_io.c ==== */
/* ==== begin src/tt_threads.c ==== */
/* >>threads  built-in pthread pool behind parallel_for */
/* #include "tt_internal.h" */

TT__PRIVATE void tt__parallel_for(const tt__exec *ex, int n, void (*task)(void *arg, int i), void *arg) {
    int i;
    if (n <= 0) return;
    if (n == 1 || !ex || !ex->par.parallel_for || ex->n_threads <= 1) {
        for (i = 0; i < n; i++) task(arg, i);
        return;
    }
    ex->par.parallel_for(ex->par.pool, n, task, arg);
}

#if TT__HAS_THREADS
/* n_threads-1 persistent workers plus the calling thread. A dispatch
 * publishes (task, arg, n) and bumps a generation counter under the mutex;
 * tasks are claimed from a shared counter, so which thread runs a task
 * never changes its result (tasks have disjoint outputs). Workers spin
 * briefly on the generation, then sleep on a condition variable. */
struct tt__pool {
    pthread_mutex_t mu;
    pthread_cond_t  wake, done;
    void (*task)(void *arg, int i);
    void *arg;
    int n_tasks;
    int next;            /* next task to claim (under mu) */
    int n_running;       /* workers still inside the current generation */
    unsigned generation;
    int stop;
    int n_workers;
    int n_started;
    pthread_t threads[1]; /* n_workers entries */
};

TT__PRIVATE size_t tt__pool_size(int n_threads) {
    int nw = n_threads > 1 ? n_threads - 1 : 1;
    return sizeof(struct tt__pool) + (size_t)nw * sizeof(pthread_t);
}

TT__PRIVATE void tt__pool_run(struct tt__pool *p) {
    for (;;) {
        int i;
        pthread_mutex_lock(&p->mu);
        i = p->next < p->n_tasks ? p->next++ : -1;
        pthread_mutex_unlock(&p->mu);
        if (i < 0) break;
        p->task(p->arg, i);
    }
}

TT__PRIVATE void *tt__pool_worker(void *arg) {
    struct tt__pool *p = (struct tt__pool *)arg;
    unsigned seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        tt__pool_run(p);
        pthread_mutex_lock(&p->mu);
        if (--p->n_running == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

TT__PRIVATE tt_status tt__pool_start(tt__pool *p, int n_threads) {
    int i;
    memset(p, 0, sizeof(*p));
    if (pthread_mutex_init(&p->mu, NULL) != 0) return TT_ERR_OUT_OF_MEMORY;
    if (pthread_cond_init(&p->wake, NULL) != 0) { pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY; }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake); pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY;
    }
    p->n_workers = n_threads - 1;
    for (i = 0; i < p->n_workers; i++) {
        if (pthread_create(&p->threads[i], NULL, tt__pool_worker, p) != 0) {
            tt__pool_stop(p);
            return TT_ERR_OUT_OF_MEMORY;
        }
        p->n_started++;
    }
    return TT_OK;
}

TT__PRIVATE void tt__pool_stop(tt__pool *p) {
    int i;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->n_started; i++) pthread_join(p->threads[i], NULL);
    p->n_started = 0;
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
}

TT__PRIVATE void tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    struct tt__pool *p = (struct tt__pool *)pool;
    pthread_mutex_lock(&p->mu);
    p->task = task;
    p->arg = arg;
    p->n_tasks = n;
    p->next = 0;
    p->n_running = p->n_started;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    tt__pool_run(p);
    pthread_mutex_lock(&p->mu);
    while (p->n_running > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
#endif /* TT__HAS_THREADS */
/* ==== end src/tt_threads.c ==== */
/* ==== begin src/tt_kern_scalar.c ==== */
/* >>kern_scalar  reference kernels: always compiled, the ground truth every
 * SIMD variant is tested against. Plain loops, fixed summation order. */
/* #include "tt_internal.h" */

/* C (M,N) = [C +] A (M,K) B (K,N), strided A and B (see tt_internal.h).
 * Per element the k-sum runs in increasing k. Loop order picks unit
 * strides where the layout has them. */
TT__PRIVATE void tt__gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                 const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc,
                                 int accumulate) {
    int i, j, k;
    if (rsb == 1 && csa == 1) {
        /* both operands contiguous along k: dot products */
        for (i = 0; i < M; i++) {
            const float *a = A + (ptrdiff_t)i * rsa;
            for (j = 0; j < N; j++) {
                const float *b = B + (ptrdiff_t)j * csb;
                float s = accumulate ? C[(ptrdiff_t)i * ldc + j] : 0.0f;
                for (k = 0; k < K; k++) s += a[k] * b[k];
                C[(ptrdiff_t)i * ldc + j] = s;
            }
        }
        return;
    }
    /* rank-1 updates along k; rows of B contiguous when csb == 1 */
    for (i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (!accumulate) for (j = 0; j < N; j++) c[j] = 0.0f;
        for (k = 0; k < K; k++) {
            float a = A[(ptrdiff_t)i * rsa + (ptrdiff_t)k * csa];
            const float *b = B + (ptrdiff_t)k * rsb;
            for (j = 0; j < N; j++) c[j] += a * b[(ptrdiff_t)j * csb];
        }
    }
}

/* ---- LayerNorm (Ba et al. 2016), eps 1e-5, over the last dim C ----
 * fwd, rows [r0,r1): mean = sum x / C; var = sum (x-mean)^2 / C (two passes);
 * rstd = 1/sqrt(var + eps); y = (x - mean) * rstd * w + b. */
TT__PRIVATE void tt__layernorm_fwd_scalar(float *y, float *mean, float *rstd, const float *x,
                                          const float *w, const float *b, int r0, int r1, int C) {
    int r, i;
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        float m = 0.0f, v = 0.0f, s;
        for (i = 0; i < C; i++) m += xr[i];
        m /= (float)C;
        for (i = 0; i < C; i++) { float d = xr[i] - m; v += d * d; }
        v /= (float)C;
        s = 1.0f / TT_SQRTF(v + 1e-5f);
        for (i = 0; i < C; i++) yr[i] = (xr[i] - m) * s * w[i] + b[i];
        mean[r] = m;
        rstd[r] = s;
    }
}

/* bwd dx, rows [r0,r1) (llm.c doc/layernorm): xhat = (x-mean)*rstd, g = dy*w,
 * dx (+)= rstd * (g - mean(g) - xhat * mean(g*xhat)). accumulate: add into dx. */
TT__PRIVATE void tt__layernorm_bwd_dx_scalar(float *dx, const float *dy, const float *x, const float *w,
                                             const float *mean, const float *rstd, int r0, int r1, int C,
                                             int accumulate) {
    int r, i;
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float *dxr = dx + (size_t)r * C;
        float m = mean[r], s = rstd[r], sg = 0.0f, sgx = 0.0f;
        for (i = 0; i < C; i++) {
            float g = dyr[i] * w[i];
            sg += g;
            sgx += g * (xr[i] - m) * s;
        }
        sg /= (float)C;
        sgx /= (float)C;
        for (i = 0; i < C; i++) {
            float xhat = (xr[i] - m) * s;
            float d = s * (dyr[i] * w[i] - sg - xhat * sgx);
            dxr[i] = accumulate ? dxr[i] + d : d;
        }
    }
}

/* bwd dw, db, columns [c0,c1): dw[c] += sum_r dy[r,c]*xhat[r,c]; db[c] += sum_r dy[r,c].
 * Rows are summed in increasing r, so the result does not depend on threads. */
TT__PRIVATE void tt__layernorm_bwd_dwdb_scalar(float *dw, float *db, const float *dy, const float *x,
                                               const float *mean, const float *rstd, int N, int C,
                                               int c0, int c1) {
    int r, c;
    for (r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float m = mean[r], s = rstd[r];
        for (c = c0; c < c1; c++) {
            dw[c] += dyr[c] * (xr[c] - m) * s;
            db[c] += dyr[c];
        }
    }
}

/* ---- GELU, tanh approximation (Hendrycks & Gimpel 2016) ----
 * u = sqrt(2/pi) (x + 0.044715 x^3); gelu = 0.5 x (1 + tanh u) = x * sigmoid(2u).
 * gelu' = s + 2 x s (1-s) u', s = sigmoid(2u), u' = sqrt(2/pi)(1 + 3*0.044715 x^2). */
#define TT__GELU_K 0.7978845608028654f
TT__PRIVATE void tt__gelu_fwd_scalar(float *y, const float *x, size_t i0, size_t i1) {
    size_t i;
    for (i = i0; i < i1; i++) {
        float v = x[i];
        float u = TT__GELU_K * (v + 0.044715f * v * v * v);
        y[i] = v / (1.0f + TT_EXPF(-2.0f * u));
    }
}
/* dx = dy * gelu'(x) */
TT__PRIVATE void tt__gelu_bwd_scalar(float *dx, const float *dy, const float *x, size_t i0, size_t i1) {
    size_t i;
    for (i = i0; i < i1; i++) {
        float v = x[i];
        float u = TT__GELU_K * (v + 0.044715f * v * v * v);
        float du = TT__GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
        float e = TT_EXPF(-2.0f * u);
        float s = 1.0f / (1.0f + e);
        float oms = s < 0.5f ? 1.0f - s : e * s; /* 1 - s without cancellation */
        dx[i] = dy[i] * (s + 2.0f * v * s * oms * du);
    }
}

/* ---- causal self-attention, one (b, h) pair at a time ----
 * qkv (B,T,3C): q at [0,C), k at [C,2C), v at [2C,3C), head h at h*hs.
 * fwd: s_j = q_t.k_j / sqrt(hs) for j <= t; p = softmax(s); out_t = sum_j p_j v_j;
 * lse_t = logsumexp(s) is kept for the backward pass (no T x T storage).
 * scratch: T floats. */
TT__PRIVATE void tt__attention_fwd_scalar(float *out, float *lse, const float *qkv, int b, int h,
                                          int T, int C, int NH, float *scratch) {
    int hs = C / NH, t, j, i;
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (t = 0; t < T; t++) {
        const float *q = qkv + ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
        float *o = out + ((size_t)b * T + t) * C + (size_t)h * hs;
        float m = -3.0e38f, sum = 0.0f, inv;
        for (j = 0; j <= t; j++) {
            const float *k = qkv + ((size_t)b * T + j) * 3 * C + C + (size_t)h * hs;
            float s = 0.0f;
            for (i = 0; i < hs; i++) s += q[i] * k[i];
            s *= scale;
            scratch[j] = s;
            if (s > m) m = s;
        }
        for (j = 0; j <= t; j++) { scratch[j] = TT_EXPF(scratch[j] - m); sum += scratch[j]; }
        inv = 1.0f / sum;
        for (i = 0; i < hs; i++) o[i] = 0.0f;
        for (j = 0; j <= t; j++) {
            const float *v = qkv + ((size_t)b * T + j) * 3 * C + 2 * C + (size_t)h * hs;
            float p = scratch[j] * inv;
            for (i = 0; i < hs; i++) o[i] += p * v[i];
        }
        lse[((size_t)b * NH + h) * T + t] = m + TT_LOGF(sum);
    }
}

/* bwd for one (b,h): recompute p_j = exp(s_j - lse_t); dp_j = dout_t.v_j;
 * D = sum_j p_j dp_j; ds_j = p_j (dp_j - D) (softmax backward in O(T) per row);
 * dq_t += scale sum_j ds_j k_j; dk_j += scale ds_j q_t; dv_j += p_j dout_t.
 * Writes only head h of batch b in dqkv. scratch: 2T floats. */
TT__PRIVATE void tt__attention_bwd_scalar(float *dqkv, const float *dout, const float *qkv,
                                          const float *lse, int b, int h, int T, int C, int NH,
                                          float *scratch) {
    int hs = C / NH, t, j, i;
    float scale = 1.0f / TT_SQRTF((float)hs);
    float *p = scratch, *dp = scratch + T;
    for (t = 0; t < T; t++) {
        size_t rt = ((size_t)b * T + t) * 3 * C + (size_t)h * hs;
        const float *q = qkv + rt;
        const float *dot = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
        float L = lse[((size_t)b * NH + h) * T + t], D = 0.0f;
        float *dq = dqkv + rt;
        for (j = 0; j <= t; j++) {
            size_t rj = ((size_t)b * T + j) * 3 * C + (size_t)h * hs;
            const float *k = qkv + rj + C, *v = qkv + rj + 2 * C;
            float s = 0.0f, d = 0.0f;
            for (i = 0; i < hs; i++) { s += q[i] * k[i]; d += dot[i] * v[i]; }
            p[j] = TT_EXPF(s * scale - L);
            dp[j] = d;
            D += p[j] * d;
        }
        for (j = 0; j <= t; j++) {
            size_t rj = ((size_t)b * T + j) * 3 * C + (size_t)h * hs;
            const float *k = qkv + rj + C;
            float *dk = dqkv + rj + C, *dv = dqkv + rj + 2 * C;
            float ds = p[j] * (dp[j] - D) * scale;
            for (i = 0; i < hs; i++) {
                dq[i] += ds * k[i];
                dk[i] += ds * q[i];
                dv[i] += p[j] * dot[i];
            }
        }
    }
}

/* ---- AdamW over a range of the flat parameter block (PyTorch's order):
 * p -= lr*wd*p (decay mask per element via decay flag of its tensor);
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps). g is scaled by gscale
 * (clipping) first. */
TT__PRIVATE void tt__adamw_scalar(float *p, float *m, float *v, const float *g, size_t n, float lr,
                                  float b1, float b2, float eps, float wd, float gscale, float bc1,
                                  float bc2_sqrt) {
    size_t i;
    float step = lr / bc1;
    for (i = 0; i < n; i++) {
        float gi = g[i] * gscale;
        float pi = p[i] - lr * wd * p[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * mi / (TT_SQRTF(vi) / bc2_sqrt + eps);
    }
}
/* ==== end src/tt_kern_scalar.c ==== */
/* ==== begin src/tt_kern_avx2.c ==== */
/* >>kern_avx2  AVX2 + FMA kernels (TT_SIMD_WIDTH 8), and the 256-bit helpers
 * the AVX-512 build shares (TT_SIMD_WIDTH 16 implies AVX2 + FMA codegen).
 *
 * SGEMM (Goto / BLIS "five loops", KERNELS.md §2):
 *   for jc in N step NC:          B panel (kc x nc) packed into NR-wide micro-panels [k][NR]
 *     for pc in K step kc:
 *       for ic in M step MC:      A block (mc x kc) packed into MR-tall micro-panels [k][MR]
 *         for jr in nc step NR:   one B micro-panel, reused across ir (L1)
 *           for ir in mc step MR: micro-kernel C[MR x NR] (+)= A_p B_p, C tile in registers
 * MR = 6 rows; NR = 2 ymm (6x16) for AVX2, 4 zmm (6x64) in tt_kern_avx512.c.
 * Transposes happen in packing (strided packers), so X W^T, dY W and dY^T X
 * all run the same kernel. Packed panels are zero-padded: no k-loop branches.
 *
 * Numerics: each C element is computed as acc = C_in (or 0), then
 * acc = fma(a_k, b_k, acc) for k increasing inside a KC block, then stored;
 * the next KC block starts from the stored value. kc depends only on K
 * (tt__sgemm_kc), never on the thread count or the tile position (edge tiles
 * run the same kernel on a local tile), so any split of M/N over threads
 * gives bitwise identical C. */
/* #include "tt_internal.h" */

#if TT_SIMD_WIDTH >= 8

#define TT__SGEMM_MR 6
#define TT__SGEMM_MC 144           /* rows of the packed A block (multiple of MR) */
#define TT__SGEMM_KC_WHOLE 512     /* K <= this: one K block */
#define TT__SGEMM_KC_SPLIT 384     /* else K in equal blocks <= this (multiple of 16) */
#define TT__SGEMM_NC 2048          /* columns of the packed B panel (multiple of 64) */

/* the kc used for every K block of a K-deep product (last block may be shorter) */
TT__PRIVATE int tt__sgemm_kc(int K) {
    int nb, kc;
    if (K <= TT__SGEMM_KC_WHOLE) return K;
    nb = (K + TT__SGEMM_KC_SPLIT - 1) / TT__SGEMM_KC_SPLIT;
    kc = (K + nb - 1) / nb;
    kc = (kc + 15) & ~15;
    return kc;
}
/* largest kc tt__sgemm_kc returns */
#define TT__SGEMM_KC_MAX (TT__SGEMM_KC_WHOLE > TT__SGEMM_KC_SPLIT ? TT__SGEMM_KC_WHOLE : TT__SGEMM_KC_SPLIT)

/* In-register 8x8 transpose: r[j] <- column j of the rows r[0..7]. */
TT__PRIVATE void tt__tr8x8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Pack A rows [0, mc) x k [0, kc) (A points at the block's (0,0)) into MR-tall
 * micro-panels: panel p holds pa[p*MR*kc + k*MR + r] = A(p*MR + r, k), rows
 * past mc zero. Writes up to 8 floats past the last panel (slack). */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa) {
    int i, k, r;
    for (i = 0; i < mc; i += TT__SGEMM_MR, pa += TT__SGEMM_MR * kc) {
        int mr = mc - i < TT__SGEMM_MR ? mc - i : TT__SGEMM_MR;
        const float *a = A + (ptrdiff_t)i * rsa;
        if (mr == TT__SGEMM_MR && csa == 1) {
            /* rows contiguous in k: 8x8 transposes (rows 6, 7 zero), stored
             * 8 wide at a stride of 6 in increasing k: each store's 2 extra
             * floats are overwritten by the next one (or land in the slack) */
            k = 0;
            for (; k + 8 <= kc; k += 8) {
                __m256 v[8];
                for (r = 0; r < 6; r++) v[r] = _mm256_loadu_ps(a + (ptrdiff_t)r * rsa + k);
                v[6] = _mm256_setzero_ps();
                v[7] = _mm256_setzero_ps();
                tt__tr8x8(v);
                for (r = 0; r < 8; r++) _mm256_storeu_ps(pa + (k + r) * 6, v[r]);
            }
            for (; k < kc; k++)
                for (r = 0; r < 6; r++) pa[k * 6 + r] = a[(ptrdiff_t)r * rsa + k];
        } else if (mr == TT__SGEMM_MR && rsa == 1) {
            /* MR values contiguous per k (A = dY^T): plain copy */
            for (k = 0; k < kc; k++) {
                const float *s = a + (ptrdiff_t)k * csa;
                float *d = pa + k * 6;
                _mm_storeu_ps(d, _mm_loadu_ps(s));
                d[4] = s[4];
                d[5] = s[5];
            }
        } else {
            for (k = 0; k < kc; k++) {
                for (r = 0; r < mr; r++) pa[k * TT__SGEMM_MR + r] = a[(ptrdiff_t)r * rsa + (ptrdiff_t)k * csa];
                for (; r < TT__SGEMM_MR; r++) pa[k * TT__SGEMM_MR + r] = 0.0f;
            }
        }
    }
}

/* Pack B k [0, kc) x columns [0, nc) (B points at the panel's (0,0)) into
 * nr-wide micro-panels (nr a multiple of 8): pb[p*nr*kc + k*nr + c] =
 * B(k, p*nr + c), columns past nc zero. pb 32-byte aligned. */
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb) {
    int j, k, c;
    for (j = 0; j < nc; j += nr, pb += (ptrdiff_t)nr * kc) {
        int w = nc - j < nr ? nc - j : nr;
        const float *b = B + (ptrdiff_t)j * csb;
        if (csb == 1) {
            /* rows contiguous in n (B = W or X): copy nr floats per k */
            if (w == nr) {
                for (k = 0; k < kc; k++) {
                    const float *s = b + (ptrdiff_t)k * rsb;
                    float *d = pb + (ptrdiff_t)k * nr;
                    for (c = 0; c < nr; c += 8) _mm256_store_ps(d + c, _mm256_loadu_ps(s + c));
                }
            } else {
                for (k = 0; k < kc; k++) {
                    const float *s = b + (ptrdiff_t)k * rsb;
                    float *d = pb + (ptrdiff_t)k * nr;
                    for (c = 0; c < w; c++) d[c] = s[c];
                    for (; c < nr; c++) d[c] = 0.0f;
                }
            }
        } else if (rsb == 1) {
            /* columns contiguous in k (B = W^T): 8x8 transposes of 8 columns */
            int c8;
            for (c8 = 0; c8 < nr; c8 += 8) {
                const float *s = b + (ptrdiff_t)c8 * csb;
                float *d = pb + c8;
                if (c8 + 8 <= w) {
                    k = 0;
                    for (; k + 8 <= kc; k += 8) {
                        __m256 v[8];
                        for (c = 0; c < 8; c++) v[c] = _mm256_loadu_ps(s + (ptrdiff_t)c * csb + k);
                        tt__tr8x8(v);
                        for (c = 0; c < 8; c++) _mm256_store_ps(d + (ptrdiff_t)(k + c) * nr, v[c]);
                    }
                    for (; k < kc; k++)
                        for (c = 0; c < 8; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
                } else {
                    int wc = w - c8 > 0 ? w - c8 : 0;
                    for (k = 0; k < kc; k++) {
                        for (c = 0; c < wc; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
                        for (; c < 8; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
                    }
                }
            }
        } else {
            for (k = 0; k < kc; k++) {
                float *d = pb + (ptrdiff_t)k * nr;
                for (c = 0; c < w; c++) d[c] = b[(ptrdiff_t)k * rsb + (ptrdiff_t)c * csb];
                for (; c < nr; c++) d[c] = 0.0f;
            }
        }
    }
}
#endif /* TT_SIMD_WIDTH >= 8 */

#if TT_SIMD_WIDTH == 8
#define TT__SGEMM_NR 16

/* C[6 x 16] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*16 + c], 12 ymm
 * accumulators, fma in increasing k. */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k;
    if (load_c) {
        c00 = _mm256_loadu_ps(C + 0 * ldc); c01 = _mm256_loadu_ps(C + 0 * ldc + 8);
        c10 = _mm256_loadu_ps(C + 1 * ldc); c11 = _mm256_loadu_ps(C + 1 * ldc + 8);
        c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);
        c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);
        c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);
        c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    }
#define TT__K6x16(o)                                                                               \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(b + 16 * (o)), b1 = _mm256_load_ps(b + 16 * (o) + 8), av;       \
        av = _mm256_broadcast_ss(a + 6 * (o) + 0);                                                 \
        c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 1);                                                 \
        c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 2);                                                 \
        c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 3);                                                 \
        c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 4);                                                 \
        c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 5);                                                 \
        c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);                    \
    } while (0)
    for (k = 0; k + 4 <= kc; k += 4, a += 24, b += 64) {
        TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);
    }
    for (; k < kc; k++, a += 6, b += 16) TT__K6x16(0);
#undef TT__K6x16
    _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);
    _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);
    _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);
    _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);
    _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);
    _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);
}
#endif /* TT_SIMD_WIDTH == 8 */
/* ==== end src/tt_kern_avx2.c ==== */
/* ==== begin src/tt_kern_avx512.c ==== */
/* >>kern_avx512  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_kern_avx512.c ==== */
/* ==== begin src/tt_backend.c ==== */
/* >>backend  dispatch: picks the scalar or SIMD kernel for each op and splits
 * the work over threads (never over a reduction dimension). */
/* #include "tt_internal.h" */

/* ---- GEMM dispatch (owner: kernels) ----
 * SIMD builds: packed GEMM (tt_kern_avx2.c driver pieces, micro-kernel from
 * tt_kern_avx2.c or tt_kern_avx512.c). Work is split into a tm x tn grid of
 * output blocks (tm*tn <= n_threads tasks, rows in multiples of MR, columns
 * in multiples of NR); every task packs its own A and B panels in its
 * scratch slot, so there is no barrier and no shared buffer. K is never
 * split, and the K blocking depends on K only: C is bitwise the same for
 * any thread count. Scalar builds and ex->force_scalar: tt__gemm_scalar
 * threaded the same way (no scratch). */
typedef struct tt__gemm_job {
    const tt__exec *ex;
    int M, N, K, tm, tn;      /* task grid: tm row blocks x tn column blocks */
    int mstep, nstep;         /* rows / columns per task (multiples of MR / NR) */
    const float *A, *B;
    ptrdiff_t rsa, csa, rsb, csb, ldc;
    float *C;
    int accumulate, simd;
} tt__gemm_job;

#if TT_SIMD_WIDTH >= 8
#define TT__SGEMM_PB_FLOATS ((size_t)TT__SGEMM_KC_MAX * TT__SGEMM_NC)
#define TT__SGEMM_PA_FLOATS ((size_t)TT__SGEMM_MC * TT__SGEMM_KC_MAX + 16)
TT__PRIVATE size_t tt__gemm_scratch_floats(void) {
    /* B panel + A block + 8 floats of pack_a slack + 16 to align to 64 bytes */
    return TT__SGEMM_PB_FLOATS + TT__SGEMM_PA_FLOATS + 16;
}

/* C[m0:m1, n0:n1] (+)= A[m0:m1, :] B[:, n0:n1] using the scratch at ws */
TT__PRIVATE void tt__sgemm_range(const tt__gemm_job *g, int m0, int m1, int n0, int n1, float *ws) {
    float *pb = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
    float *pa = pb + TT__SGEMM_PB_FLOATS;
    int K = g->K, kc = tt__sgemm_kc(K), jc, pc, ic, jr, ir, r, c;
    float tile[TT__SGEMM_MR * TT__SGEMM_NR];
    for (jc = n0; jc < n1; jc += TT__SGEMM_NC) {
        int nc = n1 - jc < TT__SGEMM_NC ? n1 - jc : TT__SGEMM_NC;
        for (pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc;
            int load_c = g->accumulate || pc > 0;
            tt__sgemm_pack_b(kb, nc, TT__SGEMM_NR, g->B + (ptrdiff_t)pc * g->rsb + (ptrdiff_t)jc * g->csb,
                             g->rsb, g->csb, pb);
            for (ic = m0; ic < m1; ic += TT__SGEMM_MC) {
                int mc = m1 - ic < TT__SGEMM_MC ? m1 - ic : TT__SGEMM_MC;
                tt__sgemm_pack_a(mc, kb, g->A + (ptrdiff_t)ic * g->rsa + (ptrdiff_t)pc * g->csa, g->rsa, g->csa,
                                 pa);
                for (jr = 0; jr < nc; jr += TT__SGEMM_NR) {
                    int nr = nc - jr < TT__SGEMM_NR ? nc - jr : TT__SGEMM_NR;
                    const float *bp = pb + (ptrdiff_t)jr * kb;
                    for (ir = 0; ir < mc; ir += TT__SGEMM_MR) {
                        int mr = mc - ir < TT__SGEMM_MR ? mc - ir : TT__SGEMM_MR;
                        const float *ap = pa + (ptrdiff_t)ir * kb;
                        float *cp = g->C + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr;
                        if (mr == TT__SGEMM_MR && nr == TT__SGEMM_NR) {
                            tt__sgemm_ukernel(kb, ap, bp, cp, g->ldc, load_c);
                            continue;
                        }
                        /* edge tile: same kernel on a local tile, so every element
                         * is computed exactly as in a full tile */
                        if (load_c)
                            for (r = 0; r < mr; r++)
                                for (c = 0; c < nr; c++) tile[r * TT__SGEMM_NR + c] = cp[(ptrdiff_t)r * g->ldc + c];
                        tt__sgemm_ukernel(kb, ap, bp, tile, TT__SGEMM_NR, load_c);
                        for (r = 0; r < mr; r++)
                            for (c = 0; c < nr; c++) cp[(ptrdiff_t)r * g->ldc + c] = tile[r * TT__SGEMM_NR + c];
                    }
                }
            }
        }
    }
}
#define TT__GEMM_MR TT__SGEMM_MR
#define TT__GEMM_NR TT__SGEMM_NR
#else
TT__PRIVATE size_t tt__gemm_scratch_floats(void) { return 0; }
#define TT__GEMM_MR 8
#define TT__GEMM_NR 8
#endif

TT__PRIVATE void tt__gemm_task(void *arg, int t) {
    const tt__gemm_job *g = (const tt__gemm_job *)arg;
    int m0 = (t / g->tn) * g->mstep, n0 = (t % g->tn) * g->nstep;
    int m1 = m0 + g->mstep < g->M ? m0 + g->mstep : g->M;
    int n1 = n0 + g->nstep < g->N ? n0 + g->nstep : g->N;
    if (m0 >= m1 || n0 >= n1) return;
#if TT_SIMD_WIDTH >= 8
    if (g->simd) {
        tt__sgemm_range(g, m0, m1, n0, n1, g->ex->scratch + (size_t)t * g->ex->scratch_floats);
        return;
    }
#endif
    tt__gemm_scalar(m1 - m0, n1 - n0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa,
                    g->B + (ptrdiff_t)n0 * g->csb, g->rsb, g->csb, g->C + (ptrdiff_t)m0 * g->ldc + n0, g->ldc,
                    g->accumulate);
}

/* Choose the task grid tm x tn (tm*tn <= T) that minimises a rough cost:
 * the largest task's micro-tiles x K, plus the packing every task repeats
 * (each of the tn column blocks packs its rows of A, each of the tm row
 * blocks packs its columns of B). In units of one MR x NR x 1 tile step. */
TT__PRIVATE void tt__gemm_grid(tt__gemm_job *g, int T) {
    double best = -1.0;
    int mt = (g->M + TT__GEMM_MR - 1) / TT__GEMM_MR, nt = (g->N + TT__GEMM_NR - 1) / TT__GEMM_NR;
    int tm, tn;
    /* tiny products are not worth a dispatch (~10 us): keep >= ~2 MFLOP a task */
    double flops = 2.0 * g->M * (double)g->N * g->K;
    while (T > 1 && flops / T < 2e6) T--;
    g->tm = 1; g->tn = 1;
    for (tm = 1; tm <= T; tm++) {
        for (tn = 1; tm * tn <= T; tn++) {
            int mpt = (mt + tm - 1) / tm, npt = (nt + tn - 1) / tn;
            double cost, pack;
            if ((tm > 1 && mpt * (tm - 1) >= mt) || (tn > 1 && npt * (tn - 1) >= nt)) continue; /* idle task */
            /* one packed float costs ~ 1/4 of a tile step (a tile step is MR*NR FMAs) */
            pack = 0.25 * ((double)mpt * TT__GEMM_MR + (double)npt * TT__GEMM_NR) / (TT__GEMM_MR * TT__GEMM_NR);
            cost = ((double)mpt * npt + pack) * g->K;
            if (best < 0 || cost < best * 0.999) { best = cost; g->tm = tm; g->tn = tn; }
        }
    }
    g->mstep = ((mt + g->tm - 1) / g->tm) * TT__GEMM_MR;
    g->nstep = ((nt + g->tn - 1) / g->tn) * TT__GEMM_NR;
}

TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                          ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                          ptrdiff_t ldc, int accumulate) {
    tt__gemm_job g;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        int i, j;
        if (!accumulate)
            for (i = 0; i < M; i++)
                for (j = 0; j < N; j++) C[(ptrdiff_t)i * ldc + j] = 0.0f;
        return;
    }
    g.ex = ex; g.M = M; g.N = N; g.K = K; g.A = A; g.B = B; g.rsa = rsa; g.csa = csa;
    g.rsb = rsb; g.csb = csb; g.C = C; g.ldc = ldc; g.accumulate = accumulate;
    g.simd = 0;
#if TT_SIMD_WIDTH >= 8
    g.simd = ex && !ex->force_scalar && ex->scratch && ex->scratch_floats >= tt__gemm_scratch_floats();
#endif
    tt__gemm_grid(&g, T);
    tt__parallel_for(ex, g.tm * g.tn, tt__gemm_task, &g);
}
/* ---- end GEMM dispatch ---- */
/* ==== end src/tt_backend.c ==== */
/* ==== begin src/tt_bpe_tables.h ==== */
/* >>bpe_tables  Unicode character classes for the GPT-2 pre-tokenizer.
 * GENERATED by tools/gen_unicode_tables.py from the Unicode Character
 * Database 15.0.0 (Debian package unicode-data: UnicodeData.txt, PropList.txt).
 * Do not edit. Classes (2 bits): 0 other, 1 letter (L*), 2 number (N*),
 * 3 White_Space. 8040 bytes. */
#define TT__UNICODE_VERSION "15.0.0"
#define TT__UC_SHIFT 7
#define TT__UC_LIMIT 0x32400
static const unsigned char tt__uc_stage1[1608] = {
    0,1,2,2,2,3,4,5,2,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,
    21,22,23,24,25,26,27,28,29,30,2,2,31,32,33,34,35,2,2,2,36,37,38,39,
    40,41,42,43,44,45,46,47,48,49,2,50,2,2,51,52,53,54,55,56,57,57,57,57,
    58,59,57,57,57,57,60,61,57,57,57,57,57,57,57,57,2,62,63,64,65,57,57,57,
    66,67,68,69,70,71,57,57,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,50,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,72,2,2,73,74,75,76,
    77,78,79,80,81,82,83,84,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,85,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,2,2,86,87,88,89,
    2,2,90,91,92,93,94,95,96,97,98,99,57,100,101,102,2,103,104,105,2,2,106,107,
    108,109,110,111,112,113,114,115,116,117,118,57,119,120,121,122,123,124,125,126,127,128,129,57,
    130,131,57,132,133,134,135,57,136,137,138,139,140,141,57,57,142,143,144,145,57,146,147,148,
    2,2,2,2,2,2,2,149,150,2,151,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,152,2,2,2,2,2,2,2,2,153,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    2,2,2,2,154,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    2,2,2,2,155,156,157,143,57,57,57,57,158,159,160,161,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,162,2,2,2,2,2,2,2,2,
    2,163,164,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,165,
    2,2,166,2,2,167,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    168,169,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,170,171,57,
    172,173,174,2,2,175,176,177,57,57,57,57,57,57,57,57,57,57,57,57,57,57,178,57,
    179,57,180,57,57,181,57,57,57,182,57,57,57,57,57,183,2,184,185,57,57,57,57,57,
    186,187,188,57,189,190,57,57,57,57,191,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,192,57,57,57,57,57,57,57,57,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,193,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,194,2,
    195,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,196,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,197,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,57,
    57,57,57,57,57,57,57,57,2,2,2,2,198,57,57,57,57,57,57,57,57,57,57,57,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,199,2,2,2,2,2,2,2,2,2,
    2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,200,
};
static const unsigned char tt__uc_stage2[6432] = {
    0,0,252,15,0,0,0,0,3,0,0,0,170,170,10,0,84,85,85,85,85,85,21,0,
    84,85,85,85,85,85,21,0,0,12,0,0,0,0,0,0,3,0,16,0,160,4,24,42,
    85,85,85,85,85,21,85,85,85,85,85,85,85,21,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,80,85,85,5,0,0,0,
    85,1,0,17,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,85,81,80,69,0,16,21,81,85,85,85,85,
    69,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,69,85,85,
    5,0,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,84,85,85,85,
    85,85,85,85,85,21,4,0,85,85,85,85,85,85,85,85,85,85,1,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,21,64,21,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,21,0,0,0,0,0,
    170,170,10,80,84,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,4,0,0,0,20,0,80,170,170,90,65,0,0,0,0,81,85,85,85,
    85,85,85,85,0,0,0,0,0,0,0,84,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,5,0,0,4,0,0,0,170,170,90,85,85,85,85,85,
    85,85,21,0,0,5,16,0,85,85,85,85,85,5,16,0,0,1,1,0,0,0,0,0,
    85,85,85,85,85,85,1,0,85,85,21,0,85,85,85,85,85,85,84,21,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,85,85,85,85,85,85,85,85,85,85,85,85,85,5,4,0,0,0,0,1,0,85,85,
    5,160,170,170,84,85,85,85,1,84,85,65,65,85,85,85,85,85,81,85,17,80,5,4,
    0,0,0,16,0,0,0,69,5,160,170,170,5,170,10,1,0,84,21,64,65,85,85,85,
    85,85,81,85,81,20,5,0,0,0,0,0,0,0,84,17,0,160,170,170,80,1,0,0,
    0,84,85,69,69,85,85,85,85,85,81,85,81,84,5,4,0,0,0,0,1,0,0,0,
    5,160,170,170,0,0,4,0,0,84,85,65,65,85,85,85,85,85,81,85,81,84,5,4,
    0,0,0,0,0,0,0,69,5,160,170,170,164,170,0,0,64,84,21,80,81,5,20,81,
    64,1,21,80,85,85,5,0,0,0,0,0,1,0,0,0,0,160,170,170,42,0,0,0,
    0,84,85,81,81,85,85,85,85,85,81,85,85,85,5,4,0,0,0,0,0,0,21,4,
    5,160,170,170,0,0,170,42,1,84,85,81,81,85,85,85,85,85,81,85,85,84,5,4,
    0,0,0,0,0,0,0,20,5,160,170,170,20,0,0,0,0,85,85,81,81,85,85,85,
    85,85,85,85,85,85,21,4,0,0,0,16,0,21,170,106,5,160,170,170,170,170,82,85,
    0,84,85,85,85,21,80,85,85,85,85,85,69,85,85,4,85,21,0,0,0,0,0,0,
    0,160,170,170,0,0,0,0,84,85,85,85,85,85,85,85,85,85,85,85,81,0,0,0,
    85,21,0,0,170,170,10,0,0,0,0,0,0,0,0,0,20,81,21,85,85,85,85,85,
    85,68,85,85,81,0,0,4,85,17,0,0,170,170,10,85,0,0,0,0,0,0,0,0,
    1,0,0,0,0,0,0,0,170,170,170,170,170,0,0,0,85,85,84,85,85,85,85,85,
    85,85,85,1,0,0,0,0,0,0,85,1,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,21,0,0,0,0,64,170,170,10,0,85,5,80,5,4,20,0,80,1,84,85,85,
    5,0,0,16,170,170,10,0,85,85,85,85,85,85,85,85,85,69,0,4,85,85,85,85,
    85,85,85,85,85,85,21,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,81,5,85,21,81,5,85,85,85,85,85,85,85,85,85,85,81,5,85,85,85,85,
    85,85,85,85,81,5,85,21,81,5,85,85,85,21,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,81,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,21,0,
    0,0,168,170,170,170,170,2,85,85,85,85,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,5,84,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,65,85,85,85,85,87,85,85,85,85,85,21,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,21,160,86,85,1,0,85,85,85,85,5,0,0,64,
    85,85,85,85,5,0,0,0,85,85,85,85,5,0,0,0,85,85,85,81,1,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,64,0,1,
    170,170,10,0,170,170,10,0,0,0,0,0,170,170,10,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,1,0,85,65,85,85,85,85,85,85,
    85,85,17,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,
    85,85,85,85,85,85,85,21,0,0,0,0,0,0,0,0,0,160,170,170,85,85,85,85,
    85,85,85,5,85,1,0,0,85,85,85,85,85,85,85,85,85,85,85,0,85,85,85,85,
    85,85,5,0,170,170,42,0,0,0,0,0,0,0,0,0,85,85,85,85,85,21,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,1,0,0,0,0,0,0,0,0,0,0,
    170,170,10,0,170,170,10,0,0,64,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,84,85,85,85,85,85,85,85,85,85,85,85,0,0,0,
    0,84,85,1,170,170,10,0,0,0,0,0,0,0,0,0,64,85,85,85,85,85,85,85,
    1,0,0,80,170,170,90,85,85,85,85,85,85,85,85,85,85,5,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,170,170,10,84,170,170,90,85,
    85,85,85,85,85,85,85,5,85,85,1,0,85,85,85,85,85,85,85,85,85,85,21,84,
    0,0,0,0,0,0,0,0,0,0,84,81,85,20,16,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,5,85,5,85,85,85,85,85,85,85,85,85,5,85,5,85,85,68,68,
    85,85,85,85,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,81,85,17,
    80,81,85,1,85,80,85,0,85,85,85,1,80,81,85,1,255,255,63,0,0,0,0,0,
    0,0,15,192,0,0,0,0,0,0,0,0,0,0,0,192,0,0,0,0,6,170,10,64,
    170,170,10,0,85,85,85,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,16,64,80,85,85,4,84,5,0,17,81,69,85,85,5,85,
    0,84,5,16,170,170,170,170,170,170,170,170,170,170,170,170,106,169,10,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,160,170,170,170,170,170,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,160,170,170,170,170,170,170,170,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,1,64,21,80,0,0,8,
    85,85,85,85,85,85,85,85,85,69,0,4,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,0,64,0,0,0,0,85,85,85,85,85,21,0,0,85,21,85,21,85,21,85,21,
    85,21,85,21,85,21,85,21,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,64,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,148,0,0,0,0,0,0,168,170,10,0,84,5,106,1,84,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,21,0,84,84,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,21,85,0,84,85,85,85,85,85,85,
    85,85,85,85,84,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,21,160,10,0,0,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,
    0,0,0,0,85,85,85,85,0,0,0,0,0,0,0,0,170,170,10,0,0,0,0,0,
    0,0,170,170,168,170,170,170,0,0,0,0,0,0,0,0,170,170,10,0,0,0,0,0,
    0,0,0,0,168,170,170,170,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,
    85,85,85,85,85,85,85,5,85,85,85,1,85,85,85,85,170,170,90,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,21,0,0,0,64,85,85,85,85,85,85,85,5,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,165,170,170,0,0,0,0,
    0,0,0,0,0,64,85,85,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,65,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,21,0,69,84,5,0,0,0,0,0,80,85,85,85,69,69,21,85,85,85,85,85,
    21,0,0,0,170,10,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,
    80,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,170,170,10,0,
    0,0,0,0,80,85,64,20,170,170,90,85,85,85,85,85,85,5,0,0,85,85,85,85,
    85,21,0,0,0,0,0,0,85,85,85,85,85,85,85,1,0,85,85,85,85,85,85,85,
    85,85,85,85,21,0,0,0,0,0,0,64,170,170,10,0,85,81,85,85,170,170,90,21,
    85,85,85,85,85,85,85,85,85,85,1,0,0,0,0,0,21,85,85,0,170,170,10,0,
    85,85,85,85,85,21,16,80,85,85,85,85,85,85,85,85,85,85,85,85,4,20,84,5,
    17,0,0,0,0,0,64,5,85,85,21,0,80,1,0,0,84,21,84,21,84,21,0,0,
    85,21,85,21,85,85,85,85,85,85,85,85,85,85,21,85,85,85,5,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    21,0,0,0,170,170,10,0,85,85,85,85,85,85,85,85,85,0,0,0,85,85,85,85,
    85,21,64,85,85,85,85,85,85,85,85,85,85,85,85,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,
    0,0,0,0,0,0,0,0,85,21,0,0,64,85,0,68,85,85,81,85,85,21,85,17,
    69,81,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,5,0,0,0,0,0,0,0,64,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,80,85,85,85,85,85,85,85,85,85,85,85,
    85,85,0,0,0,0,0,0,0,0,0,0,85,85,85,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,81,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,1,0,0,0,0,170,170,10,0,84,85,85,85,85,85,21,0,
    84,85,85,85,85,85,21,0,0,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,21,80,85,80,85,80,85,80,1,0,0,0,0,0,0,0,0,
    85,85,85,84,85,85,85,85,85,21,85,85,85,85,21,69,85,85,85,5,85,85,85,5,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,21,0,0,128,170,170,170,170,170,170,
    170,170,170,170,170,0,0,0,170,170,170,170,170,170,170,170,170,170,170,170,170,170,2,0,
    0,0,160,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,1,85,85,85,85,85,85,85,85,
    85,85,85,85,1,0,0,0,168,170,170,170,170,170,170,0,85,85,85,85,85,85,85,85,
    170,0,0,84,85,85,85,85,89,85,37,0,85,85,85,85,85,85,85,85,85,5,0,0,
    85,85,85,85,85,85,85,5,85,85,85,85,85,85,85,85,85,0,85,85,168,10,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,5,170,170,10,0,85,85,85,85,
    85,85,85,85,85,0,85,85,85,85,85,85,85,85,85,0,85,85,85,85,85,85,85,85,
    85,85,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,85,85,21,85,
    85,85,21,85,21,69,85,85,69,85,85,85,69,85,69,1,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,21,0,0,
    85,85,85,85,85,5,0,0,85,85,0,0,0,0,0,0,85,69,85,85,85,85,85,85,
    85,85,85,85,81,85,21,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,5,81,85,85,85,85,85,85,85,85,85,85,69,1,65,85,85,85,85,85,5,170,170,
    85,85,85,85,85,21,168,170,85,85,85,85,85,85,85,21,0,128,170,170,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,21,5,128,170,85,85,85,85,85,165,170,0,
    85,85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,90,170,170,170,170,160,170,170,170,
    170,170,170,170,170,170,170,170,1,0,0,0,85,84,84,85,85,85,85,85,85,5,0,0,
    170,170,2,0,0,0,0,0,85,85,85,85,85,85,85,41,85,85,85,85,85,85,85,169,
    0,0,0,0,0,0,0,0,85,85,84,85,85,85,85,85,85,1,128,170,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,85,85,85,85,85,5,170,170,
    85,85,85,85,21,0,170,170,85,85,85,85,5,0,0,0,0,0,168,170,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,1,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,21,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,21,0,160,170,85,85,85,85,85,85,85,85,85,0,0,0,170,170,10,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,170,170,170,170,170,170,170,42,
    85,85,85,85,85,85,85,85,85,85,5,0,5,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,169,170,106,0,0,85,85,85,85,
    85,5,0,0,168,2,0,0,0,0,0,0,85,85,85,85,5,0,0,0,0,0,0,0,
    0,0,0,0,85,85,85,85,85,169,170,0,0,0,0,0,85,85,85,85,85,21,0,0,
    64,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,160,170,170,170,
    170,170,170,170,20,4,0,0,64,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,
    0,0,0,0,85,85,85,85,85,85,1,0,170,170,10,0,64,85,85,85,85,85,85,85,
    85,21,0,0,0,160,170,170,0,65,0,0,85,85,85,85,85,85,85,85,21,16,0,0,
    64,85,85,85,85,85,85,85,85,85,85,85,21,0,0,0,84,1,0,0,170,170,26,1,
    168,170,170,170,170,2,0,0,85,85,85,85,69,85,85,85,85,85,85,0,0,0,0,64,
    1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,21,81,69,85,85,85,69,
    85,85,1,0,85,85,85,85,85,85,85,85,85,85,85,21,0,0,0,0,170,170,10,0,
    0,84,85,65,65,85,85,85,85,85,81,85,81,84,5,4,0,0,0,0,1,0,0,84,
    5,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,1,0,0,
    0,64,21,0,170,170,10,64,5,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,0,0,0,0,0,69,0,0,170,170,10,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,21,0,0,0,0,0,0,0,0,0,0,85,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,
    0,1,0,0,170,170,10,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,21,0,0,0,1,0,170,170,10,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,21,0,0,0,0,0,170,170,170,0,85,21,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,170,170,170,170,42,0,0,64,
    85,21,4,85,85,20,85,85,85,85,85,85,0,0,0,64,4,0,0,0,170,170,10,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,80,85,85,85,85,85,
    85,85,85,85,1,0,0,0,68,0,0,0,0,0,0,0,1,0,64,85,85,85,85,85,
    85,85,85,85,21,0,16,0,0,0,0,0,1,0,0,85,85,85,85,85,85,85,85,85,
    85,85,5,0,0,0,0,4,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,1,0,85,85,81,85,85,85,85,85,85,85,85,21,0,0,0,0,
    1,0,0,0,170,170,170,170,170,170,170,2,80,85,85,85,85,85,85,85,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,21,69,85,85,85,85,85,85,85,85,85,1,0,0,0,0,16,0,0,170,170,10,0,
    85,69,81,85,85,85,85,85,85,85,5,0,0,0,1,0,170,170,10,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,21,0,0,0,
    16,85,85,85,81,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,170,170,10,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
    170,170,170,170,170,2,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,5,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,170,
    170,170,170,42,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,1,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,84,21,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,21,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,1,0,85,85,85,85,85,85,85,21,170,170,10,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,21,170,170,10,0,85,85,85,85,
    85,85,85,5,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,
    85,0,0,0,170,170,138,170,74,85,85,85,85,85,0,84,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    170,170,170,170,170,42,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,21,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,64,85,85,85,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,69,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,0,85,85,1,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,85,84,85,20,85,85,85,85,85,85,85,85,21,0,0,0,16,0,0,0,
    0,0,0,0,21,4,0,0,0,85,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,21,0,85,85,85,1,85,85,1,0,85,85,5,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,170,170,170,170,170,0,0,0,170,170,170,170,170,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    170,170,170,170,170,170,2,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,81,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,81,
    16,20,84,81,85,85,69,84,85,84,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,69,21,84,85,81,85,81,85,85,85,85,85,85,69,21,85,17,80,85,81,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,85,85,
    81,85,85,85,85,85,21,85,85,85,85,85,85,85,21,85,85,85,85,85,85,81,85,85,
    85,85,85,85,85,81,85,85,85,85,85,21,85,85,85,85,85,85,85,21,85,85,85,85,
    85,85,81,85,85,85,85,85,85,85,81,85,85,85,85,85,21,85,85,160,170,170,170,170,
    170,170,170,170,170,170,170,170,85,85,85,85,85,85,85,21,0,84,21,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,1,0,64,85,5,170,170,10,16,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,5,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,0,170,170,10,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,0,170,170,10,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,21,85,20,85,85,85,21,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,129,170,170,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,0,64,0,170,170,10,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,168,170,170,170,170,170,170,170,170,170,170,170,170,170,170,168,168,2,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,168,170,170,170,170,170,170,170,
    170,170,170,138,170,170,170,10,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,84,85,85,85,85,85,85,20,65,84,85,21,85,68,0,16,64,68,84,20,65,68,68,
    20,65,21,85,21,85,84,17,85,85,69,85,85,85,85,0,84,84,69,85,85,85,85,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,170,170,170,2,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,170,170,10,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,5,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,1,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,21,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};
/* ==== end src/tt_bpe_tables.h ==== */
/* ==== begin src/tt_bpe.c ==== */
/* >>bpe  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_bpe.c ==== */
/* ==== begin src/tt_data.c ==== */
/* >>data  token files and the batch loader */
/* #include "tt_internal.h" */

/* ---- token files ---------------------------------------------------------- */

TT__PRIVATE uint32_t tt__tokens_width(int32_t vocab) { return vocab <= 65536 ? 2u : 4u; }

/* encode ids[0..n) into little-endian width-byte ids at out */
TT__PRIVATE void tt__tokens_pack(unsigned char *out, const int32_t *ids, size_t n, uint32_t width) {
    size_t i;
    if (width == 2) {
        for (i = 0; i < n; i++) {
            out[2 * i] = (unsigned char)ids[i];
            out[2 * i + 1] = (unsigned char)((uint32_t)ids[i] >> 8);
        }
    } else {
        for (i = 0; i < n; i++) tt__put_u32(out + 4 * i, (uint32_t)ids[i]);
    }
}

/* decode n ids; returns 0 if one is >= vocab */
TT__PRIVATE int tt__tokens_unpack(int32_t *out, const unsigned char *in, size_t n, uint32_t width,
                                  int32_t vocab) {
    size_t i;
    uint32_t v, bad = 0;
    if (width == 2) {
        for (i = 0; i < n; i++) {
            v = (uint32_t)in[2 * i] | ((uint32_t)in[2 * i + 1] << 8);
            bad |= (uint32_t)(v >= (uint32_t)vocab);
            out[i] = (int32_t)v;
        }
    } else {
        for (i = 0; i < n; i++) {
            v = tt__get_u32(in + 4 * i);
            bad |= (uint32_t)(v >= (uint32_t)vocab);
            out[i] = (int32_t)(bad ? 0 : v);
        }
    }
    return bad == 0;
}

TT__PRIVATE void tt__tokens_header(unsigned char *h, int32_t vocab, uint64_t n, uint32_t crc) {
    memset(h, 0, TT_TOKENS_HEADER_SIZE);
    memcpy(h, TT_TOKENS_MAGIC, 4);
    tt__put_u32(h + 4, TT_TOKENS_VERSION);
    tt__put_u32(h + 8, TT_TOKENS_HEADER_SIZE);
    tt__put_u32(h + 12, (uint32_t)vocab);
    tt__put_u32(h + 16, tt__tokens_width(vocab));
    tt__put_u64(h + 24, n);
    tt__put_u32(h + 32, crc);
    tt__put_u32(h + 36, tt_crc32(0, h, 36));
}

TTDEF tt_status tt_tokens_write(const tt_io *io, const int32_t *ids, uint64_t n, int32_t vocab_size) {
    unsigned char buf[4096], h[TT_TOKENS_HEADER_SIZE];
    uint32_t width, crc = 0;
    uint64_t i, chunk = 1024, k;
    tt_status st;
    if (!io || !io->write || (n > 0 && !ids)) return TT_ERR_INVALID_ARG;
    if (vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    if (n > ((uint64_t)1 << 61)) return TT_ERR_INVALID_ARG;
    width = tt__tokens_width(vocab_size);
    /* pass 1: check ids and compute the CRC of the packed bytes */
    for (i = 0; i < n; i += k) {
        size_t j;
        k = n - i < chunk ? n - i : chunk;
        for (j = 0; j < (size_t)k; j++)
            if (ids[i + j] < 0 || ids[i + j] >= vocab_size) return TT_ERR_INVALID_ARG;
        tt__tokens_pack(buf, ids + i, (size_t)k, width);
        crc = tt_crc32(crc, buf, (size_t)k * width);
    }
    tt__tokens_header(h, vocab_size, n, crc);
    st = tt__write_all(io, h, sizeof(h));
    /* pass 2: write */
    for (i = 0; st == TT_OK && i < n; i += k) {
        k = n - i < chunk ? n - i : chunk;
        tt__tokens_pack(buf, ids + i, (size_t)k, width);
        st = tt__write_all(io, buf, (size_t)k * width);
    }
    return st;
}

/* check a 40-byte header in memory */
TT__PRIVATE tt_status tt__tokens_parse_header(const unsigned char *h, const tt_logger *lg,
                                              tt_token_file_info *out) {
    tt_token_file_info info;
    uint32_t vocab;
    if (memcmp(h, TT_TOKENS_MAGIC, 4) != 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: bad magic (not a TTTK token file)");
        return TT_ERR_BAD_FORMAT;
    }
    if (tt_crc32(0, h, 36) != tt__get_u32(h + 36)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: header checksum mismatch (corrupt header)");
        return TT_ERR_BAD_FORMAT;
    }
    info.version = tt__get_u32(h + 4);
    info.header_size = tt__get_u32(h + 8);
    vocab = tt__get_u32(h + 12);
    info.id_bytes = tt__get_u32(h + 16);
    info.count = tt__get_u64(h + 24);
    info.crc32 = tt__get_u32(h + 32);
    if (info.version != TT_TOKENS_VERSION) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: unsupported format version ", (long long)info.version);
        return TT_ERR_BAD_FORMAT;
    }
    if (info.header_size != TT_TOKENS_HEADER_SIZE || vocab < 1 || vocab > (uint32_t)TT_MAX_VOCAB ||
        info.id_bytes != tt__tokens_width((int32_t)vocab) || tt__get_u32(h + 20) != 0 ||
        info.count > ((uint64_t)1 << 61)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: inconsistent header fields");
        return TT_ERR_BAD_FORMAT;
    }
    info.vocab_size = (int32_t)vocab;
    *out = info;
    return TT_OK;
}

TTDEF tt_status tt_tokens_read_header(const tt_io *io, const tt_logger *logger, tt_token_file_info *out_info) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    if (!io || !io->read || !out_info) return TT_ERR_INVALID_ARG;
    if (tt__read_all(io, h, sizeof(h)) != TT_OK) {
        tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated header");
        return TT_ERR_BAD_FORMAT;
    }
    return tt__tokens_parse_header(h, logger, out_info);
}

TTDEF tt_status tt_tokens_read_ids(const tt_io *io, const tt_token_file_info *info, const tt_logger *logger,
                                   int32_t *out, uint64_t cap) {
    unsigned char buf[4096];
    uint64_t i, k, chunk;
    uint32_t crc = 0;
    if (!io || !io->read || !info || (info->count > 0 && !out)) return TT_ERR_INVALID_ARG;
    if (info->id_bytes != 2 && info->id_bytes != 4) return TT_ERR_INVALID_ARG;
    if (cap < info->count) return TT_ERR_BUFFER_TOO_SMALL;
    chunk = sizeof(buf) / info->id_bytes;
    for (i = 0; i < info->count; i += k) {
        k = info->count - i < chunk ? info->count - i : chunk;
        if (tt__read_all(io, buf, (size_t)k * info->id_bytes) != TT_OK) {
            tt__logf(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated after id ", (long long)i);
            return TT_ERR_BAD_FORMAT;
        }
        crc = tt_crc32(crc, buf, (size_t)k * info->id_bytes);
        if (!tt__tokens_unpack(out + i, buf, (size_t)k, info->id_bytes, info->vocab_size)) {
            tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: id >= vocab size");
            return TT_ERR_BAD_FORMAT;
        }
    }
    if (crc != info->crc32) {
        tt__log(logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: data checksum mismatch (corrupt file)");
        return TT_ERR_BAD_FORMAT;
    }
    return TT_OK;
}

#ifndef TT_NO_STDIO
typedef struct tt__tokens_write_args { const int32_t *ids; uint64_t n; int32_t vocab; } tt__tokens_write_args;
TT__PRIVATE tt_status tt__tokens_write_cb(const void *obj, const tt_io *io) {
    const tt__tokens_write_args *a = (const tt__tokens_write_args *)obj;
    return tt_tokens_write(io, a->ids, a->n, a->vocab);
}
TTDEF tt_status tt_tokens_write_file(const char *path, const int32_t *ids, uint64_t n, int32_t vocab_size) {
    tt__tokens_write_args a;
    uint64_t i;
    if (!path || (n > 0 && !ids) || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)  /* validate before creating the temp file */
        if (ids[i] < 0 || ids[i] >= vocab_size) return TT_ERR_INVALID_ARG;
    a.ids = ids; a.n = n; a.vocab = vocab_size;
    return tt__save_atomic(path, tt__tokens_write_cb, &a);
}

/* open path, check the header and that the size is exactly header + count*width */
TT__PRIVATE tt_status tt__tokens_open(const char *path, const tt_logger *lg, FILE **out_f,
                                      tt_token_file_info *out_info) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    tt_token_file_info info;
    tt_status st;
    FILE *f;
    long end;
    uint64_t want;
    if (!path || !out_info) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "token file: cannot open file");
        return TT_ERR_IO;
    }
    if (fread(h, 1, sizeof(h), f) != sizeof(h)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: truncated header");
        fclose(f);
        return TT_ERR_BAD_FORMAT;
    }
    st = tt__tokens_parse_header(h, lg, &info);
    if (st != TT_OK) { fclose(f); return st; }
    want = (uint64_t)info.header_size + info.count * info.id_bytes;
    if (want > (uint64_t)LONG_MAX) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "token file: larger than fseek can address on this platform");
        fclose(f);
        return TT_ERR_UNSUPPORTED;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "token file: cannot seek");
        fclose(f);
        return TT_ERR_IO;
    }
    if ((uint64_t)end != want) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT,
                 "token file: size does not match the header (truncated or extended); bytes: ", (long long)end);
        fclose(f);
        return TT_ERR_BAD_FORMAT;
    }
    if (fseek(f, (long)info.header_size, SEEK_SET) != 0) { fclose(f); return TT_ERR_IO; }
    *out_f = f;
    *out_info = info;
    return TT_OK;
}

TTDEF tt_status tt_tokens_info_file(const char *path, const tt_logger *logger, tt_token_file_info *out_info) {
    FILE *f = NULL;
    tt_status st = tt__tokens_open(path, logger, &f, out_info);
    if (st == TT_OK) fclose(f);
    return st;
}
#endif

/* ---- shuffled window order: a keyed Feistel permutation ------------------- */

TT__PRIVATE uint64_t tt__mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* a bijection of [0, n) keyed by key: 4 Feistel rounds over the smallest
 * even-bit power of two >= n, cycle-walking until the value lands in range */
TT__PRIVATE uint64_t tt__permute(uint64_t i, uint64_t n, uint64_t key) {
    unsigned bits = 0, half, r;
    uint64_t mask, L, R, t;
    if (n <= 1) return 0;
    while (bits < 62 && ((uint64_t)1 << bits) < n) bits++;
    if (bits & 1u) bits++;
    half = bits / 2;
    mask = ((uint64_t)1 << half) - 1;
    do {
        L = i >> half;
        R = i & mask;
        for (r = 0; r < 4; r++) {
            t = L ^ (tt__mix64(R ^ key ^ ((uint64_t)(r + 1) * 0x9e3779b97f4a7c15ULL)) & mask);
            L = R;
            R = t;
        }
        i = (L << half) | R;
    } while (i >= n);
    return i;
}

/* ---- loader ---------------------------------------------------------------- */

struct tt_loader {
    tt_allocator alloc;
    tt_logger log;
    size_t self_bytes;
    const int32_t *mem;       /* memory source, or NULL */
#ifndef TT_NO_STDIO
    FILE *file;               /* file source, or NULL */
#endif
    uint64_t data_offset;
    uint32_t id_bytes;
    int32_t vocab;
    int32_t B, T;
    int32_t shuffle;
    uint64_t seed;
    uint64_t n_tokens, n_train, n_val;
    uint64_t n_train_windows, n_val_windows;
    uint64_t epoch, index;
    int32_t *row;             /* T+1 ids */
    unsigned char *raw;       /* (T+1) * id_bytes, file source only */
};

TT__PRIVATE tt_status tt__loader_check_config(const tt_loader_config *cfg, float *out_frac) {
    float f;
    if (!cfg || cfg->batch < 1 || cfg->seq_len < 1 || cfg->seq_len > TT_MAX_DIM * 16) return TT_ERR_INVALID_ARG;
    if (!tt__allocator_valid(&cfg->allocator)) return TT_ERR_INVALID_ARG;
    f = cfg->no_val ? 0.0f : (cfg->val_fraction == 0.0f ? 0.1f : cfg->val_fraction);
    if (!(f >= 0.0f && f < 0.5f)) return TT_ERR_INVALID_ARG;
    *out_frac = f;
    return TT_OK;
}

/* allocate the loader and fill the split arithmetic */
TT__PRIVATE tt_status tt__loader_new(const tt_loader_config *cfg, uint64_t n, int32_t vocab, uint32_t id_bytes,
                                     tt_loader **out) {
    tt__plan plan;
    size_t o_row, o_raw;
    float frac;
    unsigned char *mem;
    tt_loader *l;
    uint64_t T, n_val;
    tt_status st = tt__loader_check_config(cfg, &frac);
    if (st != TT_OK) return st;
    T = (uint64_t)cfg->seq_len;
    n_val = (uint64_t)((double)n * (double)frac);
    if (n_val > 0 && n_val < T + 1) {
        tt__log(&cfg->logger, TT_LOG_WARN, TT_OK, "loader: validation split shorter than one window; none used");
        n_val = 0;
    }
    if (n - n_val < T + 1) {
        tt__logf(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                 "loader: training split has fewer ids than one window of seq_len+1; ids: ", (long long)(n - n_val));
        return TT_ERR_INVALID_ARG;
    }
    plan.size = 0; plan.overflow = 0;
    (void)tt__plan_take(&plan, 1, sizeof(tt_loader));
    o_row = tt__plan_take(&plan, (size_t)T + 1, sizeof(int32_t));
    o_raw = tt__plan_take(&plan, (size_t)T + 1, id_bytes);
    if (plan.overflow) return TT_ERR_INVALID_ARG;
    mem = (unsigned char *)tt__alloc(&cfg->allocator, plan.size, TT__ALIGN);
    if (!mem) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "loader: allocation failed");
        return TT_ERR_OUT_OF_MEMORY;
    }
    memset(mem, 0, plan.size);
    l = (tt_loader *)mem;
    l->alloc = cfg->allocator;
    l->log = cfg->logger;
    l->self_bytes = plan.size;
    l->row = (int32_t *)(mem + o_row);
    l->raw = mem + o_raw;
    l->id_bytes = id_bytes;
    l->vocab = vocab;
    l->B = cfg->batch;
    l->T = cfg->seq_len;
    l->shuffle = cfg->no_shuffle ? 0 : 1;
    l->seed = cfg->seed ? cfg->seed : (uint64_t)TT_DEFAULT_SEED;
    l->n_tokens = n;
    l->n_val = n_val;
    l->n_train = n - n_val;
    l->n_train_windows = (l->n_train - 1) / T;
    l->n_val_windows = n_val ? (n_val - 1) / T : 0;
    *out = l;
    return TT_OK;
}

TTDEF tt_status tt_loader_open_memory(const int32_t *ids, uint64_t n, int32_t vocab_size,
                                      const tt_loader_config *cfg, tt_loader **out_loader) {
    uint64_t i;
    tt_loader *l = NULL;
    tt_status st;
    if (!out_loader || (n > 0 && !ids) || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= vocab_size) {
            tt__logf(cfg ? &cfg->logger : NULL, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                     "loader: id out of range at position ", (long long)i);
            return TT_ERR_INVALID_ARG;
        }
    st = tt__loader_new(cfg, n, vocab_size, 4, &l);
    if (st != TT_OK) return st;
    l->mem = ids;
    *out_loader = l;
    return TT_OK;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_loader_open_file(const char *path, const tt_loader_config *cfg, tt_loader **out_loader) {
    tt_token_file_info info;
    FILE *f = NULL;
    tt_loader *l = NULL;
    tt_status st;
    float frac;
    const tt_logger *lg = cfg ? &cfg->logger : NULL;
    if (!path || !out_loader) return TT_ERR_INVALID_ARG;
    st = tt__loader_check_config(cfg, &frac);
    if (st != TT_OK) return st;
    st = tt__tokens_open(path, lg, &f, &info);
    if (st != TT_OK) return st;
    if (!cfg->skip_crc) {
        /* one streaming pass: CRC and id range, 16 KB at a time */
        unsigned char buf[16384];
        int32_t ids[16384 / 2];
        uint64_t left = info.count * info.id_bytes;
        uint32_t crc = 0;
        while (left > 0 && st == TT_OK) {
            size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
            if (fread(buf, 1, k, f) != k) {
                tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: short read");
                st = TT_ERR_BAD_FORMAT;
                break;
            }
            crc = tt_crc32(crc, buf, k);
            if (!tt__tokens_unpack(ids, buf, k / info.id_bytes, info.id_bytes, info.vocab_size)) {
                tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: id >= vocab size");
                st = TT_ERR_BAD_FORMAT;
            }
            left -= k;
        }
        if (st == TT_OK && crc != info.crc32) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "token file: data checksum mismatch (corrupt file)");
            st = TT_ERR_BAD_FORMAT;
        }
    }
    if (st == TT_OK) st = tt__loader_new(cfg, info.count, info.vocab_size, info.id_bytes, &l);
    if (st != TT_OK) { fclose(f); return st; }
    l->file = f;
    l->data_offset = info.header_size;
    *out_loader = l;
    return TT_OK;
}
#endif

TTDEF void tt_loader_close(tt_loader *loader) {
    tt_allocator a;
    if (!loader) return;
#ifndef TT_NO_STDIO
    if (loader->file) fclose(loader->file);
#endif
    a = loader->alloc;
    tt__free(&a, loader, loader->self_bytes);
}

/* read ids [pos, pos + T + 1) into l->row */
TT__PRIVATE tt_status tt__loader_fetch(tt_loader *l, uint64_t pos) {
    size_t n = (size_t)l->T + 1;
    if (pos + n > l->n_tokens) return TT_ERR_INVALID_ARG; /* cannot happen: windows are in range */
    if (l->mem) {
        memcpy(l->row, l->mem + pos, n * sizeof(int32_t));
        return TT_OK;
    }
#ifndef TT_NO_STDIO
    if (l->file) {
        uint64_t off = l->data_offset + pos * l->id_bytes;
        if (fseek(l->file, (long)off, SEEK_SET) != 0 || fread(l->raw, l->id_bytes, n, l->file) != n) {
            tt__log(&l->log, TT_LOG_ERROR, TT_ERR_IO, "loader: read from token file failed");
            return TT_ERR_IO;
        }
        if (!tt__tokens_unpack(l->row, l->raw, n, l->id_bytes, l->vocab)) {
            tt__log(&l->log, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "loader: id >= vocab size (file changed?)");
            return TT_ERR_BAD_FORMAT;
        }
        return TT_OK;
    }
#endif
    return TT_ERR_INVALID_ARG;
}

TT__PRIVATE void tt__loader_emit(const tt_loader *l, int b, int32_t *inputs, int32_t *targets) {
    size_t T = (size_t)l->T;
    memcpy(inputs + (size_t)b * T, l->row, T * sizeof(int32_t));
    memcpy(targets + (size_t)b * T, l->row + 1, T * sizeof(int32_t));
}

TTDEF uint64_t tt_loader_window_start(const tt_loader *l, uint64_t epoch, uint64_t index) {
    uint64_t w;
    if (!l || l->n_train_windows == 0) return 0;
    index %= l->n_train_windows;
    w = l->shuffle ? tt__permute(index, l->n_train_windows, tt__mix64(l->seed ^ tt__mix64(epoch + 1))) : index;
    return w * (uint64_t)l->T;
}

TTDEF tt_status tt_loader_next(tt_loader *l, int32_t *inputs, int32_t *targets) {
    uint64_t epoch, index;
    int b;
    tt_status st;
    if (!l || !inputs || !targets) return TT_ERR_INVALID_ARG;
    epoch = l->epoch;
    index = l->index;
    for (b = 0; b < l->B; b++) {
        if (index >= l->n_train_windows) { epoch++; index = 0; }
        st = tt__loader_fetch(l, tt_loader_window_start(l, epoch, index));
        if (st != TT_OK) return st; /* position unchanged */
        tt__loader_emit(l, b, inputs, targets);
        index++;
    }
    if (index >= l->n_train_windows) { epoch++; index = 0; }
    l->epoch = epoch;
    l->index = index;
    return TT_OK;
}

TTDEF tt_status tt_loader_val_batch(tt_loader *l, uint64_t i, int32_t *inputs, int32_t *targets) {
    int b;
    tt_status st;
    if (!l || !inputs || !targets || l->n_val_windows == 0) return TT_ERR_INVALID_ARG;
    for (b = 0; b < l->B; b++) {
        uint64_t w = (uint64_t)((i % l->n_val_windows) * (uint64_t)l->B + (uint64_t)b) % l->n_val_windows;
        st = tt__loader_fetch(l, l->n_train + w * (uint64_t)l->T);
        if (st != TT_OK) return st;
        tt__loader_emit(l, b, inputs, targets);
    }
    return TT_OK;
}

TTDEF tt_loader_info tt_loader_get_info(const tt_loader *l) {
    tt_loader_info info;
    memset(&info, 0, sizeof(info));
    if (!l) return info;
    info.vocab_size = l->vocab;
    info.batch = l->B;
    info.seq_len = l->T;
    info.n_tokens = l->n_tokens;
    info.n_train_tokens = l->n_train;
    info.n_val_tokens = l->n_val;
    info.n_train_windows = l->n_train_windows;
    info.n_val_windows = l->n_val_windows;
    info.epoch = l->epoch;
    info.index = l->index;
    return info;
}

TTDEF void tt_loader_get_state(const tt_loader *l, tt_loader_state *out) {
    if (!out) return;
    memset(out, 0, sizeof(*out));
    if (!l) return;
    out->epoch = l->epoch;
    out->index = l->index;
    out->seed = l->seed;
    out->n_tokens = l->n_tokens;
    out->n_train_tokens = l->n_train;
    out->seq_len = l->T;
    out->shuffle = l->shuffle;
}

TTDEF tt_status tt_loader_set_state(tt_loader *l, const tt_loader_state *s) {
    if (!l || !s) return TT_ERR_INVALID_ARG;
    if (s->n_tokens != l->n_tokens || s->n_train_tokens != l->n_train || s->seq_len != l->T ||
        s->shuffle != l->shuffle) {
        tt__log(&l->log, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "loader: saved position is for another token stream, split, seq_len or shuffle mode");
        return TT_ERR_MISMATCH;
    }
    if (s->index >= l->n_train_windows || s->seed == 0) return TT_ERR_INVALID_ARG;
    l->epoch = s->epoch;
    l->index = s->index;
    l->seed = s->seed;
    return TT_OK;
}
/* ==== end src/tt_data.c ==== */
/* ==== begin src/tt_model.c ==== */
/* >>model  GPT-2: config, memory plan, parameter layout, forward and backward */
/* #include "tt_internal.h" */

/* rows of the lm head processed at once: the (B*T x V) logits are never held
 * whole, only (TT__HEAD_ROWS x Vp) */
#define TT__HEAD_ROWS 128

/* parameter kinds in layout order (llm.c order: each kind holds all layers) */
enum {
    TT__P_WTE, TT__P_WPE, TT__P_LN1W, TT__P_LN1B, TT__P_QKVW, TT__P_QKVB, TT__P_ATTPROJW,
    TT__P_ATTPROJB, TT__P_LN2W, TT__P_LN2B, TT__P_FCW, TT__P_FCB, TT__P_FCPROJW, TT__P_FCPROJB,
    TT__P_LNFW, TT__P_LNFB, TT__P_COUNT
};

typedef struct tt__layout {
    size_t param_off[TT__P_COUNT];   /* in floats */
    size_t param_per_layer[TT__P_COUNT]; /* floats per layer (whole size for non-layer kinds) */
    size_t n_params;
    int n_tensors;
    /* byte offsets into the block */
    size_t off_model, off_pool, off_params, off_grads, off_m, off_v, off_acts, off_scratch,
        off_partials, off_names, off_tensors, total;
    size_t acts_floats, scratch_floats_per_slot, n_partials;
} tt__layout;

/* per-layer activations, each pointing into the activation block */
typedef struct tt__acts {
    float *x0;                          /* (N,C) embeddings */
    float *ln1, *ln1_mean, *ln1_rstd;   /* (L,N,C), (L,N), (L,N) */
    float *qkv;                         /* (L,N,3C) */
    float *atty;                        /* (L,N,C) */
    float *att_lse;                     /* (L,B,NH,T) */
    float *res2;                        /* (L,N,C) residual after attention */
    float *ln2, *ln2_mean, *ln2_rstd;   /* (L,N,C), (L,N), (L,N) */
    float *fch, *fch_gelu;              /* (L,N,4C) */
    float *res3;                        /* (L,N,C) residual after the MLP */
    float *lnf, *lnf_mean, *lnf_rstd;   /* (N,C), (N), (N) */
    float *row_lse, *row_loss;          /* (N) */
    float *head;                        /* (TT__HEAD_ROWS, Vp) logits chunk */
    float *last_logits;                 /* (max_batch, Vp) inference logits */
    /* backward buffers, reused across layers */
    float *dres;                        /* (N,C) gradient of the residual stream */
    float *dtmp;                        /* (N,C) */
    float *dln;                         /* (N,C) */
    float *dqkv;                        /* (N,3C) */
    float *dfch;                        /* (N,4C) */
} tt__acts;

struct tt_model {
    tt_model_config cfg;     /* resolved */
    int V, Vp, C, L, NH, maxT, maxB;
    tt__layout lay;
    float *params, *grads, *m, *v;
    float *params_p[TT__P_COUNT], *grads_p[TT__P_COUNT];
    tt__acts a;
    double *partials;        /* grad-norm partial sums, fixed chunks */
    tt_tensor_info *tensors;
    char *names;
    tt__exec ex;
    void *pool;              /* built-in pool, or NULL */
    void *block;             /* what tt_model_create allocated, or NULL */
    size_t block_size;
    uint64_t step;
    int last_B, last_T, have_targets, have_logits;
    int32_t *targets;        /* (N) copy of the last targets */
    int32_t *tokens;         /* (N) copy of the last tokens */
};

#define TT__NAME_LEN 48
#define TT__NORM_CHUNK 65536

/* ---- config ---- */
TT__PRIVATE void tt__model_config_defaults(tt_model_config *c) {
    if (c->n_ctx == 0) c->n_ctx = TT_DEFAULT_N_CTX;
    if (c->n_layer == 0) c->n_layer = TT_DEFAULT_N_LAYER;
    if (c->n_head == 0) c->n_head = TT_DEFAULT_N_HEAD;
    if (c->d_model == 0) c->d_model = TT_DEFAULT_D_MODEL;
    if (c->max_batch == 0) c->max_batch = TT_DEFAULT_MAX_BATCH;
    if (c->seed == 0) c->seed = TT_DEFAULT_SEED;
    if (c->n_threads <= 0) c->n_threads = 1;
    if (c->n_threads > TT__MAX_THREADS) c->n_threads = TT__MAX_THREADS;
#if !TT__HAS_THREADS
    if (!c->parallel.parallel_for) c->n_threads = 1;
#endif
}

TTDEF tt_model_config tt_model_config_resolve(const tt_model_config *cfg) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    if (cfg) c = *cfg;
    tt__model_config_defaults(&c);
    return c;
}

TT__PRIVATE tt_status tt__model_check_config(const tt_model_config *c) {
    const tt_logger *lg = &c->logger;
    if (c->vocab_size <= 0 || c->vocab_size > TT_MAX_VOCAB) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: vocab_size must be in [1, 2^24], got ", c->vocab_size);
        return TT_ERR_INVALID_ARG;
    }
    if (c->n_ctx < 1 || c->n_ctx > TT_MAX_DIM || c->n_layer < 1 || c->n_layer > 1024 || c->d_model < 1 ||
        c->d_model > TT_MAX_DIM || c->n_head < 1 || c->max_batch < 1 || c->max_batch > TT_MAX_DIM) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: a size is out of range");
        return TT_ERR_INVALID_ARG;
    }
    if (c->d_model % c->n_head != 0) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: n_head must divide d_model");
        return TT_ERR_INVALID_ARG;
    }
    if (!tt__allocator_valid(&c->allocator)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "model config: allocator needs both alloc and free (and TT_NO_MALLOC builds need one)");
        return TT_ERR_INVALID_ARG;
    }
    if (c->backend) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: the tt_backend hook is not implemented in this version");
        return TT_ERR_UNSUPPORTED;
    }
    return TT_OK;
}

/* ---- memory plan ---- */
TT__PRIVATE tt_status tt__model_plan(const tt_model_config *c, tt__layout *lay) {
    size_t V = (size_t)c->vocab_size, Vp = (V + 63) / 64 * 64, C = (size_t)c->d_model,
           L = (size_t)c->n_layer, T = (size_t)c->n_ctx, B = (size_t)c->max_batch, NH = (size_t)c->n_head;
    size_t N, sz[TT__P_COUNT], per[TT__P_COUNT], off = 0, a = 0, C4, tmp;
    int k, ok = 1;
    tt__plan plan;
    memset(lay, 0, sizeof(*lay));
    ok &= tt__mul_size(B, T, &N);
    ok &= tt__mul_size(C, 4, &C4);
    per[TT__P_WTE] = 0; per[TT__P_WPE] = 0;
    ok &= tt__mul_size(Vp, C, &sz[TT__P_WTE]);
    ok &= tt__mul_size(T, C, &sz[TT__P_WPE]);
    per[TT__P_LN1W] = C; per[TT__P_LN1B] = C;
    ok &= tt__mul_size(3 * C, C, &per[TT__P_QKVW]);
    per[TT__P_QKVB] = 3 * C;
    ok &= tt__mul_size(C, C, &per[TT__P_ATTPROJW]);
    per[TT__P_ATTPROJB] = C; per[TT__P_LN2W] = C; per[TT__P_LN2B] = C;
    ok &= tt__mul_size(C4, C, &per[TT__P_FCW]);
    per[TT__P_FCB] = C4;
    ok &= tt__mul_size(C, C4, &per[TT__P_FCPROJW]);
    per[TT__P_FCPROJB] = C;
    per[TT__P_LNFW] = 0; per[TT__P_LNFB] = 0;
    sz[TT__P_LNFW] = C; sz[TT__P_LNFB] = C;
    for (k = TT__P_LN1W; k <= TT__P_FCPROJB; k++) ok &= tt__mul_size(per[k], L, &sz[k]);
    for (k = 0; k < TT__P_COUNT; k++) {
        lay->param_off[k] = off;
        lay->param_per_layer[k] = per[k] ? per[k] : sz[k];
        ok &= tt__add_size(off, sz[k], &off);
    }
    lay->n_params = off;
    lay->n_tensors = 4 + 12 * (int)L;
    if (!ok) return TT_ERR_INVALID_ARG;

    /* activations (floats) */
    {
        size_t NC, NC3, NC4, lnc, parts[32];
        int np = 0, i;
        ok &= tt__mul_size(N, C, &NC);
        ok &= tt__mul_size(NC, 3, &NC3);
        ok &= tt__mul_size(NC, 4, &NC4);
        ok &= tt__mul_size(NC, L, &lnc);
        parts[np++] = NC;                         /* x0 */
        parts[np++] = lnc;                        /* ln1 */
        ok &= tt__mul_size(N, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* ln1 mean, rstd */
        ok &= tt__mul_size(NC3, L, &tmp); parts[np++] = tmp;  /* qkv */
        parts[np++] = lnc;                        /* atty */
        ok &= tt__mul_size(N * NH, L, &tmp); parts[np++] = tmp; /* lse */
        parts[np++] = lnc;                        /* res2 */
        parts[np++] = lnc;                        /* ln2 */
        ok &= tt__mul_size(N, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* ln2 mean, rstd */
        ok &= tt__mul_size(NC4, L, &tmp);
        parts[np++] = tmp; parts[np++] = tmp;     /* fch, fch_gelu */
        parts[np++] = lnc;                        /* res3 */
        parts[np++] = NC; parts[np++] = N; parts[np++] = N;  /* lnf */
        parts[np++] = N; parts[np++] = N;         /* row lse, loss */
        ok &= tt__mul_size(TT__HEAD_ROWS, Vp, &tmp); parts[np++] = tmp; /* head */
        ok &= tt__mul_size(B, Vp, &tmp); parts[np++] = tmp;  /* last logits */
        parts[np++] = NC; parts[np++] = NC; parts[np++] = NC; /* dres dtmp dln */
        parts[np++] = NC3; parts[np++] = NC4;     /* dqkv dfch */
        parts[np++] = N; parts[np++] = N;         /* targets, tokens (int32 = float size) */
        for (i = 0; i < np; i++) {
            ok &= tt__add_size(parts[i], 16, &tmp);   /* keep each array 64-byte aligned */
            ok &= tt__add_size(a, tmp & ~(size_t)15, &a);
        }
        if (!ok) return TT_ERR_INVALID_ARG;
        lay->acts_floats = a;
    }
    lay->scratch_floats_per_slot = tt__align_up(tt__gemm_scratch_floats() + 2 * T + 64, 16);
    lay->n_partials = lay->n_params / TT__NORM_CHUNK + 1;

    memset(&plan, 0, sizeof(plan));
    lay->off_model = tt__plan_take(&plan, 1, sizeof(struct tt_model));
#if TT__HAS_THREADS
    lay->off_pool = tt__plan_take(&plan, 1, c->n_threads > 1 && !c->parallel.parallel_for ? tt__pool_size(c->n_threads) : 1);
#else
    lay->off_pool = tt__plan_take(&plan, 1, 1);
#endif
    lay->off_params = tt__plan_take(&plan, lay->n_params, sizeof(float));
    lay->off_grads = tt__plan_take(&plan, lay->n_params, sizeof(float));
    lay->off_m = tt__plan_take(&plan, lay->n_params, sizeof(float));
    lay->off_v = tt__plan_take(&plan, lay->n_params, sizeof(float));
    lay->off_acts = tt__plan_take(&plan, lay->acts_floats, sizeof(float));
    ok &= tt__mul_size(lay->scratch_floats_per_slot, (size_t)c->n_threads, &tmp);
    lay->off_scratch = tt__plan_take(&plan, tmp, sizeof(float));
    lay->off_partials = tt__plan_take(&plan, lay->n_partials, sizeof(double));
    lay->off_names = tt__plan_take(&plan, (size_t)lay->n_tensors, TT__NAME_LEN);
    lay->off_tensors = tt__plan_take(&plan, (size_t)lay->n_tensors, sizeof(tt_tensor_info));
    if (!ok || plan.overflow) return TT_ERR_INVALID_ARG;
    /* + alignment slack for an unaligned caller buffer */
    if (!tt__add_size(plan.size, TT__ALIGN, &lay->total)) return TT_ERR_INVALID_ARG;
    return TT_OK;
}

TTDEF tt_status tt_model_memory_size(const tt_model_config *cfg, size_t *out_bytes) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    if (!cfg || !out_bytes) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, st, "model config: memory size overflows size_t");
        return st;
    }
    *out_bytes = lay.total;
    return TT_OK;
}

/* ---- tensor names and init ---- */
TT__PRIVATE void tt__strcat_int(char *dst, const char *a, int v, const char *b) {
    size_t n = 0;
    char d[12];
    int nd = 0;
    while (*a) dst[n++] = *a++;
    if (v >= 0) {
        do { d[nd++] = (char)('0' + v % 10); v /= 10; } while (v);
        while (nd) dst[n++] = d[--nd];
    }
    while (*b) dst[n++] = *b++;
    dst[n] = 0;
}

TT__PRIVATE void tt__model_fill_tensors(tt_model *m) {
    static const char *suffix[TT__P_COUNT] = {
        "wte.weight", "wpe.weight", ".ln_1.weight", ".ln_1.bias", ".attn.c_attn.weight", ".attn.c_attn.bias",
        ".attn.c_proj.weight", ".attn.c_proj.bias", ".ln_2.weight", ".ln_2.bias", ".mlp.c_fc.weight",
        ".mlp.c_fc.bias", ".mlp.c_proj.weight", ".mlp.c_proj.bias", "ln_f.weight", "ln_f.bias" };
    int k, l, i = 0, C = m->C;
    for (k = 0; k < TT__P_COUNT; k++) {
        int per_layer = k >= TT__P_LN1W && k <= TT__P_FCPROJB;
        int nl = per_layer ? m->L : 1;
        for (l = 0; l < nl; l++) {
            tt_tensor_info *t = &m->tensors[i];
            char *name = m->names + (size_t)i * TT__NAME_LEN;
            if (per_layer) tt__strcat_int(name, "h.", l, suffix[k]);
            else tt__strcat_int(name, "", -1, suffix[k]);
            t->name = name;
            t->numel = m->lay.param_per_layer[k];
            t->offset = m->lay.param_off[k] + (size_t)l * t->numel;
            t->ndim = 1;
            t->shape[0] = (int32_t)t->numel;
            t->shape[1] = 0;
            t->decay = 0;
            switch (k) {
            case TT__P_WTE: t->ndim = 2; t->shape[0] = m->Vp; t->shape[1] = C; t->decay = 1; break;
            case TT__P_WPE: t->ndim = 2; t->shape[0] = m->maxT; t->shape[1] = C; break;
            case TT__P_QKVW: t->ndim = 2; t->shape[0] = 3 * C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_ATTPROJW: t->ndim = 2; t->shape[0] = C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_FCW: t->ndim = 2; t->shape[0] = 4 * C; t->shape[1] = C; t->decay = 1; break;
            case TT__P_FCPROJW: t->ndim = 2; t->shape[0] = C; t->shape[1] = 4 * C; t->decay = 1; break;
            default: break;
            }
            i++;
        }
    }
}

/* GPT-2 init, one tensor after another in layout order from one PCG32 stream */
TT__PRIVATE void tt__model_init_params(tt_model *m) {
    tt_rng rng;
    int i;
    size_t j;
    float resid_std = 0.02f / TT_SQRTF(2.0f * (float)m->L);
    tt_rng_seed(&rng, m->cfg.seed);
    memset(m->params, 0, m->lay.n_params * sizeof(float));
    for (i = 0; i < m->lay.n_tensors; i++) {
        const tt_tensor_info *t = &m->tensors[i];
        float *p = m->params + t->offset;
        size_t n = t->numel;
        const char *nm = t->name;
        size_t len = strlen(nm);
        if (t->ndim == 2) {
            float sd = 0.02f;
            if (len > 13 && strcmp(nm + len - 13, "c_proj.weight") == 0) sd = resid_std;
            if (i == 0) n = (size_t)m->V * (size_t)m->C; /* padded wte rows stay 0 */
            for (j = 0; j < n; j++) p[j] = sd * tt_rng_normal(&rng);
        } else if (len > 7 && strcmp(nm + len - 7, ".weight") == 0) {
            for (j = 0; j < n; j++) p[j] = 1.0f; /* LayerNorm weight */
        }
    }
}

/* ---- create / destroy ---- */
TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    unsigned char *base;
    tt_model *m;
    float *a;
    size_t N;
    if (!cfg || !mem || !out_model) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) return st;
    if (bytes < lay.total) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_BUFFER_TOO_SMALL, "tt_model_create_in: buffer too small, need bytes: ", (long long)lay.total);
        return TT_ERR_BUFFER_TOO_SMALL;
    }
    base = (unsigned char *)(((uintptr_t)mem + (TT__ALIGN - 1)) & ~(uintptr_t)(TT__ALIGN - 1));
    m = (tt_model *)(base + lay.off_model);
    memset(m, 0, sizeof(*m));
    m->cfg = c;
    m->lay = lay;
    m->V = c.vocab_size;
    m->Vp = (c.vocab_size + 63) / 64 * 64;
    m->C = c.d_model;
    m->L = c.n_layer;
    m->NH = c.n_head;
    m->maxT = c.n_ctx;
    m->maxB = c.max_batch;
    m->params = (float *)(base + lay.off_params);
    m->grads = (float *)(base + lay.off_grads);
    m->m = (float *)(base + lay.off_m);
    m->v = (float *)(base + lay.off_v);
    m->partials = (double *)(base + lay.off_partials);
    m->names = (char *)(base + lay.off_names);
    m->tensors = (tt_tensor_info *)(base + lay.off_tensors);
    {
        int k;
        for (k = 0; k < TT__P_COUNT; k++) {
            m->params_p[k] = m->params + lay.param_off[k];
            m->grads_p[k] = m->grads + lay.param_off[k];
        }
    }
    /* carve activations in the order the plan counted them */
    {
        size_t C = (size_t)m->C, L = (size_t)m->L, NH = (size_t)m->NH, Vp = (size_t)m->Vp;
        float *p = (float *)(base + lay.off_acts);
        N = (size_t)c.max_batch * (size_t)c.n_ctx;
#define TT__TAKE(field, count) do { m->a.field = p; p += ((count) + 16) & ~(size_t)15; } while (0)
        TT__TAKE(x0, N * C);
        TT__TAKE(ln1, L * N * C); TT__TAKE(ln1_mean, L * N); TT__TAKE(ln1_rstd, L * N);
        TT__TAKE(qkv, L * N * 3 * C); TT__TAKE(atty, L * N * C); TT__TAKE(att_lse, L * N * NH);
        TT__TAKE(res2, L * N * C); TT__TAKE(ln2, L * N * C); TT__TAKE(ln2_mean, L * N);
        TT__TAKE(ln2_rstd, L * N); TT__TAKE(fch, L * N * 4 * C); TT__TAKE(fch_gelu, L * N * 4 * C);
        TT__TAKE(res3, L * N * C); TT__TAKE(lnf, N * C); TT__TAKE(lnf_mean, N); TT__TAKE(lnf_rstd, N);
        TT__TAKE(row_lse, N); TT__TAKE(row_loss, N); TT__TAKE(head, TT__HEAD_ROWS * Vp);
        TT__TAKE(last_logits, (size_t)c.max_batch * Vp);
        TT__TAKE(dres, N * C); TT__TAKE(dtmp, N * C); TT__TAKE(dln, N * C);
        TT__TAKE(dqkv, N * 3 * C); TT__TAKE(dfch, N * 4 * C);
        a = p;
        m->targets = (int32_t *)(void *)a; a += (N + 16) & ~(size_t)15;
        m->tokens = (int32_t *)(void *)a;
#undef TT__TAKE
    }
    m->ex.n_threads = c.n_threads;
    m->ex.force_scalar = c.force_scalar;
    m->ex.scratch = (float *)(base + lay.off_scratch);
    m->ex.scratch_floats = lay.scratch_floats_per_slot;
    m->ex.par = c.parallel;
    tt__model_fill_tensors(m);
    memset(m->grads, 0, lay.n_params * sizeof(float));
    memset(m->m, 0, lay.n_params * sizeof(float));
    memset(m->v, 0, lay.n_params * sizeof(float));
    if (c.no_init) memset(m->params, 0, lay.n_params * sizeof(float));
    else tt__model_init_params(m);
#if TT__HAS_THREADS
    if (c.n_threads > 1 && !c.parallel.parallel_for) {
        tt__pool *pool = (tt__pool *)(base + lay.off_pool);
        if ((st = tt__pool_start(pool, c.n_threads)) != TT_OK) {
            tt__log(&c.logger, TT_LOG_ERROR, st, "tt_model_create: could not start worker threads");
            return st;
        }
        m->pool = pool;
        m->ex.par.parallel_for = tt__pool_parallel_for;
        m->ex.par.pool = pool;
    }
#endif
    *out_model = m;
    return TT_OK;
}

TTDEF tt_status tt_model_create(const tt_model_config *cfg, tt_model **out_model) {
    tt_model_config c;
    size_t bytes;
    void *mem;
    tt_model *m = NULL;
    tt_status st;
    if (!cfg || !out_model) return TT_ERR_INVALID_ARG;
    if ((st = tt_model_memory_size(cfg, &bytes)) != TT_OK) return st;
    c = tt_model_config_resolve(cfg);
    mem = tt__alloc(&c.allocator, bytes, TT__ALIGN);
    if (!mem) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "tt_model_create: allocation failed, bytes: ", (long long)bytes);
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = tt_model_create_in(cfg, mem, bytes, &m);
    if (st != TT_OK) {
        tt__free(&c.allocator, mem, bytes);
        return st;
    }
    m->block = mem;
    m->block_size = bytes;
    *out_model = m;
    return TT_OK;
}

TTDEF void tt_model_destroy(tt_model *m) {
    tt_allocator al;
    void *block;
    size_t size;
    if (!m) return;
#if TT__HAS_THREADS
    if (m->pool) tt__pool_stop((tt__pool *)m->pool);
#endif
    al = m->cfg.allocator;
    block = m->block;
    size = m->block_size;
    if (block) tt__free(&al, block, size);
}

/* ---- accessors ---- */
TTDEF tt_model_config tt_model_get_config(const tt_model *m) { return m->cfg; }
TTDEF int tt_model_num_tensors(const tt_model *m) { return m ? m->lay.n_tensors : 0; }
TTDEF tt_status tt_model_tensor(const tt_model *m, int i, tt_tensor_info *out) {
    if (!m || !out || i < 0 || i >= m->lay.n_tensors) return TT_ERR_INVALID_ARG;
    *out = m->tensors[i];
    return TT_OK;
}
TTDEF size_t tt_model_num_params(const tt_model *m) { return m ? m->lay.n_params : 0; }
TTDEF float *tt_model_params(tt_model *m) { return m ? m->params : NULL; }
TTDEF float *tt_model_grads(tt_model *m) { return m ? m->grads : NULL; }
TTDEF float *tt_model_adam_m(tt_model *m) { return m ? m->m : NULL; }
TTDEF float *tt_model_adam_v(tt_model *m) { return m ? m->v : NULL; }
TTDEF uint64_t tt_model_step(const tt_model *m) { return m ? m->step : 0; }
TTDEF void tt_model_set_step(tt_model *m, uint64_t step) { if (m) m->step = step; }
TTDEF void tt_model_zero_grad(tt_model *m) {
    if (m) memset(m->grads, 0, m->lay.n_params * sizeof(float));
}

/* ---- parallel helpers: fixed contiguous ranges, one task per thread ---- */
typedef struct tt__range_job {
    void (*fn)(void *ctx, int lo, int hi, int slot);
    void *ctx;
    int n, n_tasks;
} tt__range_job;

TT__PRIVATE void tt__range_task(void *arg, int t) {
    const tt__range_job *j = (const tt__range_job *)arg;
    int chunk = (j->n + j->n_tasks - 1) / j->n_tasks;
    int lo = t * chunk, hi = lo + chunk < j->n ? lo + chunk : j->n;
    if (lo < hi) j->fn(j->ctx, lo, hi, t);
}

/* run fn over [0,n) split into n_threads contiguous ranges; slot = task index
 * (slot < n_threads, for per-slot scratch). Only for work whose results do not
 * depend on the split (independent rows or columns). */
TT__PRIVATE void tt__for_range(const tt__exec *ex, int n, void (*fn)(void *, int, int, int), void *ctx) {
    tt__range_job j;
    j.fn = fn; j.ctx = ctx; j.n = n;
    j.n_tasks = ex->n_threads < n ? ex->n_threads : n;
    if (j.n_tasks < 1) j.n_tasks = 1;
    tt__parallel_for(ex, j.n_tasks, tt__range_task, &j);
}

/* ---- op contexts ---- */
typedef struct tt__op {
    tt_model *m;
    const float *x, *w, *b, *dy;
    float *y, *mean, *rstd, *dx, *dw, *db, *lse;
    const float *mean_c, *rstd_c, *lse_c;
    int N, C, B, T, accumulate;
} tt__op;

TT__PRIVATE void tt__ln_fwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_fwd_scalar(o->y, o->mean, o->rstd, o->x, o->w, o->b, lo, hi, o->C);
}
TT__PRIVATE void tt__ln_bwd_dx_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dx_scalar(o->dx, o->dy, o->x, o->w, o->mean_c, o->rstd_c, lo, hi, o->C, o->accumulate);
}
TT__PRIVATE void tt__ln_bwd_dwdb_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dwdb_scalar(o->dw, o->db, o->dy, o->x, o->mean_c, o->rstd_c, o->N, o->C, lo, hi);
}
/* y[r,:] += b (+ x[r,:] when x) over rows: bias add and residual in one pass */
TT__PRIVATE void tt__bias_res_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    int r, i, C = o->C;
    (void)slot;
    for (r = lo; r < hi; r++) {
        float *y = o->y + (size_t)r * C;
        const float *x = o->x ? o->x + (size_t)r * C : NULL;
        if (x) for (i = 0; i < C; i++) y[i] += o->b[i] + x[i];
        else for (i = 0; i < C; i++) y[i] += o->b[i];
    }
}
/* db[c] += sum over rows of dy[r,c], columns [lo,hi), rows in order */
TT__PRIVATE void tt__colsum_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    int r, c, C = o->C;
    (void)slot;
    for (r = 0; r < o->N; r++) {
        const float *d = o->dy + (size_t)r * C;
        for (c = lo; c < hi; c++) o->db[c] += d[c];
    }
}
TT__PRIVATE void tt__gelu_fwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__gelu_fwd_scalar(o->y, o->x, (size_t)lo * o->C, (size_t)hi * o->C);
}
TT__PRIVATE void tt__gelu_bwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    (void)slot;
    tt__gelu_bwd_scalar(o->dx, o->dy, o->x, (size_t)lo * o->C, (size_t)hi * o->C);
}
TT__PRIVATE void tt__attn_fwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    float *scratch = m->ex.scratch + (size_t)slot * m->ex.scratch_floats;
    int bh;
    for (bh = lo; bh < hi; bh++)
        tt__attention_fwd_scalar(o->y, o->lse, o->x, bh / m->NH, bh % m->NH, o->T, m->C, m->NH, scratch);
}
TT__PRIVATE void tt__attn_bwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    float *scratch = m->ex.scratch + (size_t)slot * m->ex.scratch_floats;
    int bh;
    for (bh = lo; bh < hi; bh++)
        tt__attention_bwd_scalar(o->dx, o->dy, o->x, o->lse_c, bh / m->NH, bh % m->NH, o->T,
                                 m->C, m->NH, scratch);
}

/* ---- lm head: softmax cross-entropy over one chunk of rows ---- */
typedef struct tt__head_op {
    tt_model *m;
    int r0, V, Vp;
    float scale;   /* backward: grad_scale / N */
    int backward;
} tt__head_op;

/* forward: row_lse, row_loss for rows r0+lo..r0+hi; backward: overwrite the
 * chunk's logits with dlogits = (softmax - onehot) * scale */
TT__PRIVATE void tt__head_rows(void *ctx, int lo, int hi, int slot) {
    tt__head_op *h = (tt__head_op *)ctx;
    tt_model *m = h->m;
    int i, j;
    (void)slot;
    for (i = lo; i < hi; i++) {
        int r = h->r0 + i;
        float *z = m->a.head + (size_t)i * h->Vp;
        int tgt = m->targets[r];
        if (!h->backward) {
            float mx = z[0], sum = 0.0f, lse;
            for (j = 1; j < h->V; j++) if (z[j] > mx) mx = z[j];
            for (j = 0; j < h->V; j++) sum += TT_EXPF(z[j] - mx);
            lse = mx + TT_LOGF(sum);
            m->a.row_lse[r] = lse;
            m->a.row_loss[r] = lse - z[tgt];
        } else {
            float lse = m->a.row_lse[r];
            for (j = 0; j < h->V; j++) z[j] = TT_EXPF(z[j] - lse) * h->scale;
            z[tgt] -= h->scale;
        }
    }
}

/* ---- encoder ---- */
TT__PRIVATE void tt__encode_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    int r, i, C = m->C;
    (void)slot;
    for (r = lo; r < hi; r++) {
        const float *we = m->params_p[TT__P_WTE] + (size_t)m->tokens[r] * C;
        const float *pe = m->params_p[TT__P_WPE] + (size_t)(r % o->T) * C;
        float *x = m->a.x0 + (size_t)r * C;
        for (i = 0; i < C; i++) x[i] = we[i] + pe[i];
    }
}
/* dwte[tok[r], c] += dres[r, c]; dwpe[t, c] += dres[r, c]; columns [lo,hi), rows in order */
TT__PRIVATE void tt__encode_bwd_range(void *ctx, int lo, int hi, int slot) {
    tt__op *o = (tt__op *)ctx;
    tt_model *m = o->m;
    int r, c, C = m->C;
    (void)slot;
    for (r = 0; r < o->N; r++) {
        const float *d = m->a.dres + (size_t)r * C;
        float *gw = m->grads_p[TT__P_WTE] + (size_t)m->tokens[r] * C;
        float *gp = m->grads_p[TT__P_WPE] + (size_t)(r % o->T) * C;
        for (c = lo; c < hi; c++) { gw[c] += d[c]; gp[c] += d[c]; }
    }
}

/* ---- small wrappers ---- */
TT__PRIVATE void tt__m_layernorm(tt_model *m, float *y, float *mean, float *rstd, const float *x,
                                 const float *w, const float *b, int N) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.m = m; o.y = y; o.mean = mean; o.rstd = rstd; o.x = x; o.w = w; o.b = b; o.C = m->C;
    tt__for_range(&m->ex, N, tt__ln_fwd_range, &o);
}
TT__PRIVATE void tt__m_layernorm_bwd(tt_model *m, float *dx, float *dw, float *db, const float *dy,
                                     const float *x, const float *w, const float *mean,
                                     const float *rstd, int N, int accumulate) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.m = m; o.dx = dx; o.dw = dw; o.db = db; o.dy = dy; o.x = x; o.w = w; o.mean_c = mean;
    o.rstd_c = rstd; o.N = N; o.C = m->C; o.accumulate = accumulate;
    tt__for_range(&m->ex, N, tt__ln_bwd_dx_range, &o);
    tt__for_range(&m->ex, m->C, tt__ln_bwd_dwdb_range, &o);
}
/* y (N, OC) = x (N, IC) W^T (OC, IC) [+ b] [+ res] */
TT__PRIVATE void tt__m_linear(tt_model *m, float *y, const float *x, const float *w, const float *b,
                              const float *res, int N, int IC, int OC) {
    tt__op o;
    tt__gemm(&m->ex, N, OC, IC, x, IC, 1, w, 1, IC, y, OC, 0);
    memset(&o, 0, sizeof(o));
    o.m = m; o.y = y; o.x = res; o.b = b; o.C = OC;
    tt__for_range(&m->ex, N, tt__bias_res_range, &o);
}
/* backward of y = x W^T + b: dW += dy^T x; db += colsum(dy); dx = dy W (when dx) */
TT__PRIVATE void tt__m_linear_bwd(tt_model *m, float *dx, float *dw, float *db, const float *dy,
                                  const float *x, const float *w, int N, int IC, int OC) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.m = m; o.dy = dy; o.db = db; o.N = N; o.C = OC;
    tt__for_range(&m->ex, OC, tt__colsum_range, &o);
    tt__gemm(&m->ex, OC, IC, N, dy, 1, OC, x, IC, 1, dw, IC, 1);
    if (dx) tt__gemm(&m->ex, N, IC, OC, dy, OC, 1, w, IC, 1, dx, IC, 0);
}

/* ---- forward ---- */
TT__PRIVATE tt_status tt__model_check_batch(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                            int B, int T) {
    size_t i, N;
    if (B < 1 || T < 1 || B > m->maxB || T > m->maxT) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "forward: need 1 <= B <= max_batch and 1 <= T <= n_ctx");
        return TT_ERR_SHAPE;
    }
    N = (size_t)B * (size_t)T;
    for (i = 0; i < N; i++) {
        if (tokens[i] < 0 || tokens[i] >= m->V || (targets && (targets[i] < 0 || targets[i] >= m->V))) {
            tt__logf(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "forward: token id out of range [0, V) at index ", (long long)i);
            return TT_ERR_INVALID_ARG;
        }
    }
    return TT_OK;
}

#define TT__LAYER(m, ptr, l, per) ((ptr) + (size_t)(l) * (per))

TTDEF tt_status tt_model_forward(tt_model *m, const int32_t *tokens, const int32_t *targets, int B, int T,
                                 float *out_loss) {
    int l, N, C, L;
    size_t NmC, Nm;
    tt__op o;
    tt_status st;
    if (!m || !tokens) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    N = B * T; C = m->C; L = m->L;
    Nm = (size_t)m->maxB * (size_t)m->maxT;
    NmC = Nm * (size_t)C;
    memcpy(m->tokens, tokens, (size_t)N * sizeof(int32_t));
    if (targets) memcpy(m->targets, targets, (size_t)N * sizeof(int32_t));
    m->have_targets = 0;
    m->have_logits = 0;
    memset(&o, 0, sizeof(o));
    o.m = m; o.T = T; o.N = N;
    tt__for_range(&m->ex, N, tt__encode_range, &o);
    for (l = 0; l < L; l++) {
        const float *res_in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * NmC;
        float *ln1 = m->a.ln1 + l * NmC, *qkv = m->a.qkv + l * 3 * NmC, *atty = m->a.atty + l * NmC;
        float *res2 = m->a.res2 + l * NmC, *ln2 = m->a.ln2 + l * NmC, *fch = m->a.fch + l * 4 * NmC;
        float *fchg = m->a.fch_gelu + l * 4 * NmC, *res3 = m->a.res3 + l * NmC;
        float *lse = m->a.att_lse + (size_t)l * Nm * (size_t)m->NH;
        tt__m_layernorm(m, ln1, m->a.ln1_mean + l * Nm, m->a.ln1_rstd + l * Nm, res_in,
                        m->params_p[TT__P_LN1W] + (size_t)l * C, m->params_p[TT__P_LN1B] + (size_t)l * C, N);
        tt__m_linear(m, qkv, ln1, m->params_p[TT__P_QKVW] + (size_t)l * 3 * C * C,
                     m->params_p[TT__P_QKVB] + (size_t)l * 3 * C, NULL, N, C, 3 * C);
        memset(&o, 0, sizeof(o));
        o.m = m; o.y = atty; o.lse = lse; o.x = qkv; o.T = T;
        tt__for_range(&m->ex, B * m->NH, tt__attn_fwd_range, &o);
        tt__m_linear(m, res2, atty, m->params_p[TT__P_ATTPROJW] + (size_t)l * C * C,
                     m->params_p[TT__P_ATTPROJB] + (size_t)l * C, res_in, N, C, C);
        tt__m_layernorm(m, ln2, m->a.ln2_mean + l * Nm, m->a.ln2_rstd + l * Nm, res2,
                        m->params_p[TT__P_LN2W] + (size_t)l * C, m->params_p[TT__P_LN2B] + (size_t)l * C, N);
        tt__m_linear(m, fch, ln2, m->params_p[TT__P_FCW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCB] + (size_t)l * 4 * C, NULL, N, C, 4 * C);
        memset(&o, 0, sizeof(o));
        o.m = m; o.y = fchg; o.x = fch; o.C = 4 * C;
        tt__for_range(&m->ex, N, tt__gelu_fwd_range, &o);
        tt__m_linear(m, res3, fchg, m->params_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C,
                     m->params_p[TT__P_FCPROJB] + (size_t)l * C, res2, N, 4 * C, C);
    }
    tt__m_layernorm(m, m->a.lnf, m->a.lnf_mean, m->a.lnf_rstd, m->a.res3 + (size_t)(L - 1) * NmC,
                    m->params_p[TT__P_LNFW], m->params_p[TT__P_LNFB], N);
    m->last_B = B;
    m->last_T = T;
    if (targets) {
        tt__head_op h;
        int r0;
        double sum = 0.0;
        h.m = m; h.V = m->V; h.Vp = m->Vp; h.backward = 0; h.scale = 0.0f;
        for (r0 = 0; r0 < N; r0 += TT__HEAD_ROWS) {
            int R = N - r0 < TT__HEAD_ROWS ? N - r0 : TT__HEAD_ROWS;
            tt__gemm(&m->ex, R, m->V, C, m->a.lnf + (size_t)r0 * C, C, 1, m->params_p[TT__P_WTE], 1, C,
                     m->a.head, m->Vp, 0);
            h.r0 = r0;
            tt__for_range(&m->ex, R, tt__head_rows, &h);
        }
        for (l = 0; l < N; l++) sum += m->a.row_loss[l];
        m->have_targets = 1;
        if (out_loss) *out_loss = (float)(sum / N);
    } else {
        /* logits of the last position of each row */
        tt__gemm(&m->ex, B, m->V, C, m->a.lnf + (size_t)(T - 1) * C, (ptrdiff_t)T * C, 1,
                 m->params_p[TT__P_WTE], 1, C, m->a.last_logits, m->Vp, 0);
        m->have_logits = 1;
        if (out_loss) *out_loss = 0.0f;
    }
    return TT_OK;
}

TTDEF tt_status tt_model_logits(const tt_model *m, float *out, size_t n) {
    int b;
    if (!m || !out || !m->have_logits) return TT_ERR_INVALID_ARG;
    if (n < (size_t)m->last_B * (size_t)m->V) return TT_ERR_BUFFER_TOO_SMALL;
    for (b = 0; b < m->last_B; b++)
        memcpy(out + (size_t)b * m->V, m->a.last_logits + (size_t)b * m->Vp, (size_t)m->V * sizeof(float));
    return TT_OK;
}

/* ---- backward ---- */
TTDEF tt_status tt_model_backward(tt_model *m, float grad_scale) {
    int l, N, C, L, B, T, r0;
    size_t NmC, Nm;
    tt__op o;
    tt__head_op h;
    if (!m) return TT_ERR_INVALID_ARG;
    if (!m->have_targets) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "backward: needs a forward with targets first");
        return TT_ERR_INVALID_ARG;
    }
    B = m->last_B; T = m->last_T; N = B * T; C = m->C; L = m->L;
    Nm = (size_t)m->maxB * (size_t)m->maxT;
    NmC = Nm * (size_t)C;
    /* lm head, chunk by chunk: recompute logits, dlogits in place, then
     * dlnf rows and dwte */
    h.m = m; h.V = m->V; h.Vp = m->Vp; h.backward = 1; h.scale = grad_scale / (float)N;
    for (r0 = 0; r0 < N; r0 += TT__HEAD_ROWS) {
        int R = N - r0 < TT__HEAD_ROWS ? N - r0 : TT__HEAD_ROWS;
        const float *xc = m->a.lnf + (size_t)r0 * C;
        tt__gemm(&m->ex, R, m->V, C, xc, C, 1, m->params_p[TT__P_WTE], 1, C, m->a.head, m->Vp, 0);
        h.r0 = r0;
        tt__for_range(&m->ex, R, tt__head_rows, &h);
        tt__gemm(&m->ex, R, C, m->V, m->a.head, m->Vp, 1, m->params_p[TT__P_WTE], C, 1,
                 m->a.dtmp + (size_t)r0 * C, C, 0);
        tt__gemm(&m->ex, m->V, C, R, m->a.head, 1, m->Vp, xc, C, 1, m->grads_p[TT__P_WTE], C, 1);
    }
    tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LNFW], m->grads_p[TT__P_LNFB], m->a.dtmp,
                        m->a.res3 + (size_t)(L - 1) * NmC, m->params_p[TT__P_LNFW], m->a.lnf_mean,
                        m->a.lnf_rstd, N, 0);
    for (l = L - 1; l >= 0; l--) {
        const float *res_in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * NmC;
        float *ln1 = m->a.ln1 + l * NmC, *qkv = m->a.qkv + l * 3 * NmC, *atty = m->a.atty + l * NmC;
        float *res2 = m->a.res2 + l * NmC, *ln2 = m->a.ln2 + l * NmC, *fch = m->a.fch + l * 4 * NmC;
        float *fchg = m->a.fch_gelu + l * 4 * NmC;
        float *lse = m->a.att_lse + (size_t)l * Nm * (size_t)m->NH;
        /* MLP: res3 = res2 + fchg Wp^T + bp */
        tt__m_linear_bwd(m, m->a.dfch, m->grads_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C,
                         m->grads_p[TT__P_FCPROJB] + (size_t)l * C, m->a.dres, fchg,
                         m->params_p[TT__P_FCPROJW] + (size_t)l * 4 * C * C, N, 4 * C, C);
        memset(&o, 0, sizeof(o));
        o.m = m; o.dx = m->a.dfch; o.dy = m->a.dfch; o.x = fch; o.C = 4 * C;
        tt__for_range(&m->ex, N, tt__gelu_bwd_range, &o);
        tt__m_linear_bwd(m, m->a.dln, m->grads_p[TT__P_FCW] + (size_t)l * 4 * C * C,
                         m->grads_p[TT__P_FCB] + (size_t)l * 4 * C, m->a.dfch, ln2,
                         m->params_p[TT__P_FCW] + (size_t)l * 4 * C * C, N, C, 4 * C);
        tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LN2W] + (size_t)l * C,
                            m->grads_p[TT__P_LN2B] + (size_t)l * C, m->a.dln, res2,
                            m->params_p[TT__P_LN2W] + (size_t)l * C, m->a.ln2_mean + l * Nm,
                            m->a.ln2_rstd + l * Nm, N, 1);
        /* attention: res2 = res_in + atty Wo^T + bo */
        tt__m_linear_bwd(m, m->a.dtmp, m->grads_p[TT__P_ATTPROJW] + (size_t)l * C * C,
                         m->grads_p[TT__P_ATTPROJB] + (size_t)l * C, m->a.dres, atty,
                         m->params_p[TT__P_ATTPROJW] + (size_t)l * C * C, N, C, C);
        memset(m->a.dqkv, 0, (size_t)N * 3 * C * sizeof(float));
        memset(&o, 0, sizeof(o));
        o.m = m; o.dx = m->a.dqkv; o.dy = m->a.dtmp; o.x = qkv; o.lse_c = lse; o.T = T;
        tt__for_range(&m->ex, B * m->NH, tt__attn_bwd_range, &o);
        tt__m_linear_bwd(m, m->a.dln, m->grads_p[TT__P_QKVW] + (size_t)l * 3 * C * C,
                         m->grads_p[TT__P_QKVB] + (size_t)l * 3 * C, m->a.dqkv, ln1,
                         m->params_p[TT__P_QKVW] + (size_t)l * 3 * C * C, N, C, 3 * C);
        tt__m_layernorm_bwd(m, m->a.dres, m->grads_p[TT__P_LN1W] + (size_t)l * C,
                            m->grads_p[TT__P_LN1B] + (size_t)l * C, m->a.dln, res_in,
                            m->params_p[TT__P_LN1W] + (size_t)l * C, m->a.ln1_mean + l * Nm,
                            m->a.ln1_rstd + l * Nm, N, 1);
    }
    memset(&o, 0, sizeof(o));
    o.m = m; o.N = N; o.T = T;
    tt__for_range(&m->ex, C, tt__encode_bwd_range, &o);
    return TT_OK;
}
/* ==== end src/tt_model.c ==== */
/* ==== begin src/tt_adamw.c ==== */
/* >>adamw  AdamW, LR schedule, global-norm clipping */
/* #include "tt_internal.h" */

TTDEF tt_adamw_config tt_adamw_config_resolve(const tt_adamw_config *cfg) {
    tt_adamw_config c;
    memset(&c, 0, sizeof(c));
    if (cfg) c = *cfg;
    if (c.lr == 0.0f) c.lr = 3e-4f;
    if (c.beta1 == 0.0f) c.beta1 = 0.9f;
    if (c.beta2 == 0.0f) c.beta2 = 0.95f;
    if (c.eps == 0.0f) c.eps = 1e-8f;
    return c;
}

/* linear warmup: lr * (step+1) / warmup for step < warmup; then constant, or
 * cosine: min_lr + 0.5 (lr - min_lr) (1 + cos(pi * p)), p = (step - warmup) /
 * (total - warmup) clamped to [0, 1] (Loshchilov & Hutter 2017, SGDR, without restarts) */
TTDEF float tt_lr_at(const tt_adamw_config *cfg, uint64_t step) {
    tt_adamw_config c = tt_adamw_config_resolve(cfg);
    if (c.warmup_steps > 0 && step < (uint64_t)c.warmup_steps)
        return c.lr * (float)(step + 1) / (float)c.warmup_steps;
    if (c.schedule == TT_LR_COSINE && c.total_steps > c.warmup_steps) {
        double p = (double)(step - (uint64_t)(c.warmup_steps > 0 ? c.warmup_steps : 0)) /
                   (double)(c.total_steps - (c.warmup_steps > 0 ? c.warmup_steps : 0));
        if (p > 1.0) p = 1.0;
        return c.min_lr + 0.5f * (c.lr - c.min_lr) * (1.0f + TT_COSF((float)(3.14159265358979323846 * p)));
    }
    return c.lr;
}

typedef struct tt__adamw_job {
    tt_model *m;
    tt_adamw_config c;
    float lr, gscale, bc1, bc2_sqrt;
    size_t n;
} tt__adamw_job;

/* sum of squares of the gradients in fixed chunks of TT__NORM_CHUNK floats,
 * each in double, into m->partials[chunk]: independent of the thread count */
TT__PRIVATE void tt__gradnorm_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    int ch;
    (void)slot;
    for (ch = lo; ch < hi; ch++) {
        size_t i0 = (size_t)ch * TT__NORM_CHUNK, i1 = i0 + TT__NORM_CHUNK, i;
        const float *g = j->m->grads;
        double s = 0.0;
        if (i1 > j->n) i1 = j->n;
        for (i = i0; i < i1; i++) s += (double)g[i] * (double)g[i];
        j->m->partials[ch] = s;
    }
}

/* AdamW on whole tensors [lo,hi) */
TT__PRIVATE void tt__adamw_range(void *ctx, int lo, int hi, int slot) {
    tt__adamw_job *j = (tt__adamw_job *)ctx;
    tt_model *m = j->m;
    int i;
    (void)slot;
    for (i = lo; i < hi; i++) {
        const tt_tensor_info *t = &m->tensors[i];
        tt__adamw_scalar(m->params + t->offset, m->m + t->offset, m->v + t->offset, m->grads + t->offset,
                         t->numel, j->lr, j->c.beta1, j->c.beta2, j->c.eps, t->decay ? j->c.weight_decay : 0.0f,
                         j->gscale, j->bc1, j->bc2_sqrt);
        memset(m->grads + t->offset, 0, t->numel * sizeof(float));
    }
}

TTDEF tt_status tt_adamw_step(tt_model *m, const tt_adamw_config *cfg, tt_step_stats *out) {
    tt__adamw_job j;
    int n_chunks, i;
    double ss = 0.0;
    float norm;
    uint64_t t;
    if (!m) return TT_ERR_INVALID_ARG;
    j.m = m;
    j.c = tt_adamw_config_resolve(cfg);
    j.n = m->lay.n_params;
    if (!(j.c.lr > 0.0f) || !(j.c.beta1 >= 0.0f && j.c.beta1 < 1.0f) || !(j.c.beta2 >= 0.0f && j.c.beta2 < 1.0f) ||
        !(j.c.eps > 0.0f) || !(j.c.weight_decay >= 0.0f) || !(j.c.grad_clip >= 0.0f)) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: lr, eps must be > 0; betas in [0,1); wd, clip >= 0");
        return TT_ERR_INVALID_ARG;
    }
    n_chunks = (int)(j.n / TT__NORM_CHUNK + 1);
    tt__for_range(&m->ex, n_chunks, tt__gradnorm_range, &j);
    for (i = 0; i < n_chunks; i++) ss += m->partials[i];
    norm = (float)TT_SQRTF((float)ss);
    if (!(norm <= 3.0e38f)) { /* NaN or Inf */
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_NONFINITE, "adamw: gradient norm is NaN/Inf; step skipped, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    j.gscale = 1.0f;
    if (j.c.grad_clip > 0.0f) {
        /* as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1 */
        float coef = j.c.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) j.gscale = coef;
    }
    t = m->step + 1;
    j.lr = tt_lr_at(&j.c, m->step);
    j.bc1 = 1.0f - TT_POWF(j.c.beta1, (float)t);
    j.bc2_sqrt = TT_SQRTF(1.0f - TT_POWF(j.c.beta2, (float)t));
    tt__for_range(&m->ex, m->lay.n_tensors, tt__adamw_range, &j);
    m->step = t;
    if (out) { out->lr = j.lr; out->grad_norm = norm; out->step = t; }
    return TT_OK;
}
/* ==== end src/tt_adamw.c ==== */
/* ==== begin src/tt_checkpoint.c ==== */
/* >>checkpoint  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_checkpoint.c ==== */
/* ==== begin src/tt_generate.c ==== */
/* >>generate  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_generate.c ==== */
#endif /* TINYTRAIN_IMPLEMENTATION_DONE */
#endif /* TINYTRAIN_IMPLEMENTATION */

/*
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 The tinytrain.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication for the benefit of the public at large and to
the detriment of our heirs and successors. We intend this dedication to be an
overt act of relinquishment in perpetuity of all present and future rights to
this software under copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
