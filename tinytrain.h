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
/* >>api_bpe  tokenizer API (byte-level BPE). Placeholder: not implemented yet. */
#ifndef TINYTRAIN_BPE_H
#define TINYTRAIN_BPE_H
/* #include "tt_api.h" */
#endif /* TINYTRAIN_BPE_H */
/* ==== end src/tt_api_bpe.h ==== */
/* ==== begin src/tt_api_data.h ==== */
/* >>api_data  token files, batch loader, checkpoints, generation. Placeholder. */
#ifndef TINYTRAIN_DATA_H
#define TINYTRAIN_DATA_H
/* #include "tt_api.h" */
/* #include "tt_api_bpe.h" */
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
    if (a != 0 && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}
TT__PRIVATE int tt__add_size(size_t a, size_t b, size_t *out) {
    if (b > (size_t)-1 - a) return 0;
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
/* ==== end src/tt_kern_scalar.c ==== */
/* ==== begin src/tt_kern_avx2.c ==== */
/* >>kern_avx2  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_kern_avx2.c ==== */
/* ==== begin src/tt_kern_avx512.c ==== */
/* >>kern_avx512  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_kern_avx512.c ==== */
/* ==== begin src/tt_backend.c ==== */
/* >>backend  dispatch: picks the scalar or SIMD kernel for each op and splits
 * the work over threads (never over a reduction dimension). */
/* #include "tt_internal.h" */

/* ---- GEMM dispatch ---- */
typedef struct tt__gemm_job {
    const tt__exec *ex;
    int M, N, K, n_tasks, split_n;
    const float *A, *B;
    ptrdiff_t rsa, csa, rsb, csb, ldc;
    float *C;
    int accumulate;
} tt__gemm_job;

TT__PRIVATE size_t tt__gemm_scratch_floats(void) { return 0; }

TT__PRIVATE void tt__gemm_task(void *arg, int t) {
    const tt__gemm_job *g = (const tt__gemm_job *)arg;
    int lo, hi, total = g->split_n ? g->N : g->M;
    /* fixed partition into n_tasks contiguous ranges (multiples of 8 rows/cols) */
    int chunk = (total + g->n_tasks - 1) / g->n_tasks;
    chunk = (chunk + 7) & ~7;
    lo = t * chunk;
    hi = lo + chunk < total ? lo + chunk : total;
    if (lo >= hi) return;
    if (g->split_n)
        tt__gemm_scalar(g->M, hi - lo, g->K, g->A, g->rsa, g->csa, g->B + (ptrdiff_t)lo * g->csb, g->rsb,
                        g->csb, g->C + lo, g->ldc, g->accumulate);
    else
        tt__gemm_scalar(hi - lo, g->N, g->K, g->A + (ptrdiff_t)lo * g->rsa, g->rsa, g->csa, g->B, g->rsb,
                        g->csb, g->C + (ptrdiff_t)lo * g->ldc, g->ldc, g->accumulate);
}

TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                          ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                          ptrdiff_t ldc, int accumulate) {
    tt__gemm_job g;
    g.ex = ex; g.M = M; g.N = N; g.K = K; g.A = A; g.B = B; g.rsa = rsa; g.csa = csa;
    g.rsb = rsb; g.csb = csb; g.C = C; g.ldc = ldc; g.accumulate = accumulate;
    g.n_tasks = ex ? ex->n_threads : 1;
    g.split_n = M < 8 * g.n_tasks;
    tt__parallel_for(ex, g.n_tasks, tt__gemm_task, &g);
}
/* ==== end src/tt_backend.c ==== */
/* ==== begin src/tt_bpe_tables.h ==== */
/* >>bpe_tables  Unicode tables for the pre-tokenizer (placeholder) */
/* ==== end src/tt_bpe_tables.h ==== */
/* ==== begin src/tt_bpe.c ==== */
/* >>bpe  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_bpe.c ==== */
/* ==== begin src/tt_data.c ==== */
/* >>data  (placeholder: not implemented yet) */
/* #include "tt_internal.h" */
/* ==== end src/tt_data.c ==== */
/* ==== begin src/tt_model.c ==== */
/* >>model  (placeholder) */
/* #include "tt_internal.h" */
/* ==== end src/tt_model.c ==== */
/* ==== begin src/tt_adamw.c ==== */
/* >>adamw  (placeholder) */
/* #include "tt_internal.h" */
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
