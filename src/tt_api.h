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
#    if defined(__GNUC__) || defined(__clang__)
#      define TTDEF static __attribute__((unused))
#    else
#      define TTDEF static
#    endif
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
    X(TT_ERR_NONFINITE,        -8, "NaN/Inf in loss, gradients or update")   \
    X(TT_ERR_BACKEND,          -9, "backend call failed")                    \
    X(TT_ERR_CANCELLED,       -10, "stopped by callback")                    \
    X(TT_ERR_MISMATCH,        -11, "file does not match this model/tokenizer") \
    X(TT_ERR_COMM,            -12, "communication hook failed (another rank stopped?)")

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
/* tt_simd_width: floats per vector in the compiled kernels: 1, 4 (NEON), 8 or 16. */
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

/* ---- backend hook (CUDA and others): an op table over backend buffers ----
 * An accelerator backend (e.g. examples/cuda/tt_cuda.cu) fills this table;
 * the model then keeps parameters, gradients, AdamW moments and
 * activations in buffers from `alloc` and runs every op of a step through it,
 * moving only token ids in and per-row losses out. The ops mirror the CPU
 * path's (same shapes, same fused epilogues), so the CPU kernels are one
 * instance of the table.
 *
 * The CPU path is itself an instance of this table (tt_model_backend of a
 * model created without cfg.backend), so every op of a step and of
 * generation goes through the same dispatch. With cfg.backend the model
 * allocates parameters, gradients, moments and activations through `alloc`
 * (generators their KV cache and activations too) and keeps host copies of
 * the parameters, gradients and moments for tt_model_params() and the
 * weight files (tt_model_download / tt_model_upload). A training step
 * uploads the token ids and targets and downloads the (N) row losses;
 * generation uploads the new ids and downloads one row of logits per
 * position it returns. cfg.comm, zero1 and accum_exact are refused with a
 * backend (TT_ERR_UNSUPPORTED); they run on the CPU path only.
 *
 * Buffers: `alloc` returns an address in the backend's memory; base + k
 * bytes (k < size) addresses byte k of it, so one allocation may be cut
 * into tensors by pointer arithmetic (true of CUDA device memory and host
 * memory). Every float * / int32_t * below is such an address unless it
 * says "host". Layout: row-major; "(N, C)" = N rows of C floats; "+=" =
 * accumulates into what is there. Shapes: B batch, T sequence length,
 * N = B*T rows, C channels, NH heads (C % NH == 0, head size C/NH), V vocab,
 * Vp = V padded (the row stride of wte and of logits).
 * Ordering: ops run in call order (a CUDA backend uses one stream); only
 * `download`, `param_stats` and `sync` wait for the work before them.
 * Numerics contract: fp32 storage and fp32 accumulation unless the backend
 * documents an option (e.g. TF32 or bf16 GEMM inputs); results may differ
 * from the CPU kernels by rounding (summation order), but a backend must be
 * deterministic: same inputs and settings, bitwise the same outputs.
 * Every entry returns TT_OK, or TT_ERR_BACKEND / TT_ERR_OUT_OF_MEMORY / TT_ERR_INVALID_ARG
 * (detail through the backend's own logging); the model stops the step
 * on the first error, logs it and returns it (a failed backward leaves the
 * gradients incomplete; a failed AdamW may leave parameters partly updated). */
#define TT_BACKEND_API_VERSION 2

/* cfg.precision */
enum { TT_PRECISION_FP32 = 0, TT_PRECISION_BF16 = 1 };

/* GEMM layouts of the training step (A, B, C row-major, leading dims in
 * elements): */
typedef enum tt_gemm_layout {
    TT_GEMM_NT = 0, /* C (M,N) = A (M,K) B(N,K)^T   forward:   y = x W^T          */
    TT_GEMM_NN = 1, /* C (M,N) = A (M,K) B(K,N)     backward:  dx = dy W          */
    TT_GEMM_TN = 2  /* C (M,N) = A(K,M)^T B (K,N)   backward:  dW += dy^T x       */
} tt_gemm_layout;

/* One GEMM with the epilogue the CPU path fuses, applied in this order once
 * the sums are complete: C = [C +] op(A) op(B); C += bias[col] + res[row,col]
 * (either may be NULL); gelu_out[row,col] = GELU(C) (tanh form, Hendrycks &
 * Gimpel 2016) if set; C = C * GELU'(gelu_bwd_x[row,col]) if set. bias_grad
 * (M floats, TN only): bias_grad[i] += sum over k of A(k, i), the bias
 * gradient colsum(dy) of dW = dy^T x. */
typedef struct tt_backend_gemm {
    tt_gemm_layout layout;
    int M, N, K;
    const float *A; ptrdiff_t lda;
    const float *B; ptrdiff_t ldb;
    float *C;       ptrdiff_t ldc;
    int accumulate;            /* 1: C += product */
    const float *bias;         /* (N) or NULL */
    const float *res;          /* (M, N), row stride ldr, or NULL */
    ptrdiff_t ldr;
    float *gelu_out;           /* (M, N), row stride ldg, or NULL */
    ptrdiff_t ldg;
    const float *gelu_bwd_x;   /* (M, N), row stride ldx, or NULL */
    ptrdiff_t ldx;
    float *bias_grad;          /* (M) or NULL; TT_GEMM_TN only */
    int bf16;                  /* 1: A and B rounded to bfloat16 (nearest even)
                                  before the products, fp32 products and sums
                                  (bias_grad sums the unrounded A) */
    const uint16_t *B_bf16;    /* bf16 only, optional: B already rounded (the
                                  top 16 bits of each float), same layout and
                                  ldb as B; then B is not read */
} tt_backend_gemm;

/* lm head + softmax + cross-entropy over all N rows (the backend chooses
 * row chunks so the (N, V) logits need not exist at once): logits = x wte^T
 * (columns [0, V); padded vocab rows of wte are never read), row_lse[r] =
 * log sum exp logits[r], row_loss[r] = row_lse[r] - logits[r, targets[r]]
 * (nats). mode 0: forward only; 1: backward from the row_lse kept by an
 * earlier forward; 2: both. Backward: dlogits = (softmax - onehot(target))
 * * scale, dx (N, C) = dlogits wte (overwritten), dwte (Vp, C) += dlogits^T x. */
typedef struct tt_backend_head {
    const float *x;          /* (N, C) final LayerNorm output */
    const float *wte;        /* (Vp, C) */
    const int32_t *targets;  /* (N), each in [0, V) */
    float *row_lse, *row_loss; /* (N) each */
    float *dx;               /* (N, C), mode 1/2 */
    float *dwte;             /* (Vp, C), mode 1/2 */
    int N, V, Vp, C, mode;
    float scale;             /* backward: grad_scale / N */
} tt_backend_head;

/* Statistics AdamW needs before it updates (tt_adamw_step's clipping and
 * its refusal of updates that would overflow): sumsq = sum of g^2 in double
 * (deterministic order), and the largest IEEE-754 bit patterns of |g|, |p|,
 * |m| and of v itself (sign bit kept: a negative or NaN v is above
 * 0x7f7fffff), compared as unsigned 32-bit integers. m, v may be NULL
 * (max 0). */
typedef struct tt_backend_stats {
    double   sumsq;
    uint32_t max_g, max_p, max_m, max_v;
} tt_backend_stats;

typedef struct tt_backend {
    uint32_t    api_version;   /* = TT_BACKEND_API_VERSION */
    const char *name;          /* e.g. "cuda:0", used in log messages */
    void       *ctx;           /* first argument of every entry */

    /* -- buffers -- */
    tt_status (*alloc)(void *ctx, size_t bytes, void **out_buf); /* 256-byte aligned, contents undefined;
                                                                    bytes 0: a valid, distinct buffer */
    void      (*free)(void *ctx, void *buf);                     /* NULL is a no-op; errors only logged */
    /* host -> backend; host_src may be reused as soon as it returns */
    tt_status (*upload)(void *ctx, void *dst, const void *host_src, size_t bytes);
    tt_status (*download)(void *ctx, void *host_dst, const void *src, size_t bytes); /* waits; backend -> host */
    tt_status (*zero)(void *ctx, void *dst, size_t bytes);
    tt_status (*copy)(void *ctx, void *dst, const void *src, size_t bytes);          /* within the backend */
    tt_status (*sync)(void *ctx);                                /* waits for all queued work */

    /* -- ops of a training step and of generation -- */
    tt_status (*gemm)(void *ctx, const tt_backend_gemm *g);
    /* x (N, C) = wte[tokens[b*T+t]] + wpe[pos0 + t]; tokens (N) in backend
     * memory, already checked in [0, V) by the model (the host copy) */
    tt_status (*embed_fwd)(void *ctx, float *x, const int32_t *tokens, const float *wte, const float *wpe,
                           int B, int T, int pos0, int C);
    /* dwte[tokens[r]] += dx[r], dwpe[r % T] += dx[r]; repeated tokens must
     * add in a fixed order (deterministic) */
    tt_status (*embed_bwd)(void *ctx, float *dwte, float *dwpe, const float *dx, const int32_t *tokens,
                           int B, int T, int C);
    /* y (N, C) = (x - mean) * rstd * w + b, biased variance, eps 1e-5 (Ba et
     * al. 2016); mean, rstd (N) kept for the backward */
    tt_status (*layernorm_fwd)(void *ctx, float *y, float *mean, float *rstd, const float *x, const float *w,
                               const float *b, int N, int C);
    /* dx (N, C) = (accumulate ? += : =) d LayerNorm / dx; dw, db (C) += */
    tt_status (*layernorm_bwd)(void *ctx, float *dx, float *dw, float *db, const float *dy, const float *x,
                               const float *w, const float *mean, const float *rstd, int N, int C, int accumulate);
    /* causal self-attention over qkv (B, T, 3C) (q, k, v at column offsets
     * 0, C, 2C; head h uses columns [h*hs, (h+1)*hs) of each): out (B, T, C)
     * = softmax(q k^T / sqrt(hs), causal) v; lse (B, NH, T) log-sum-exp of
     * each scaled score row, kept for the backward (FlashAttention-2, Dao 2023) */
    tt_status (*attention_fwd)(void *ctx, float *out, float *lse, const float *qkv, int B, int T, int C, int NH);
    /* dqkv (B, T, 3C) = gradient of the above (overwritten); out is the
     * forward's output (for rowsum(dout * out)) */
    tt_status (*attention_bwd)(void *ctx, float *dqkv, const float *dout, const float *qkv, const float *out,
                               const float *lse, int B, int T, int C, int NH);
    /* generation (B = 1): n new rows qkv (n, 3C) at positions p0 .. p0+n-1;
     * their k, v are appended to the layer's cache kv (n_ctx, 2C) (key in
     * columns [0, C), value in [C, 2C)) and row i attends to positions
     * [0, p0 + i]; out (n, C) */
    tt_status (*attention_cached)(void *ctx, float *out, const float *qkv, float *kv, int p0, int n, int n_ctx,
                                  int C, int NH);
    tt_status (*lm_head)(void *ctx, const tt_backend_head *h);
    /* see tt_backend_stats; *out is host memory, so this waits */
    tt_status (*param_stats)(void *ctx, tt_backend_stats *out, const float *g, const float *p, const float *m,
                             const float *v, size_t n);
    /* AdamW (Loshchilov & Hutter 2019) on n floats of one weight-decay
     * group (the model calls it once per tensor range), as the CPU kernel:
     * g' = g * grad_scale; p = p - lr*wd*p; m = b1 m + (1-b1) g';
     * v = b2 v + (1-b2) g'^2; p -= (lr / bc1) * m / (sqrt(v) / bc2_sqrt + eps);
     * then g = 0. bc1 = 1 - b1^t, bc2_sqrt = sqrt(1 - b2^t) at step t. */
    tt_status (*adamw)(void *ctx, float *p, float *m, float *v, float *g, size_t n, float lr, float beta1,
                       float beta2, float eps, float weight_decay, float grad_scale, float bc1, float bc2_sqrt);
    /* optional (needed only with cfg.recompute): y (n) = GELU(x) (tanh
     * form, as the GEMM epilogue's gelu_out, bitwise the same values) */
    tt_status (*gelu_fwd)(void *ctx, float *y, const float *x, size_t n);
    /* optional (needed only with cfg.precision = TT_PRECISION_BF16): dst (n)
     * = src rounded to bfloat16, nearest even (NaN stays NaN, denormals to
     * signed zero, as VCVTNE2PS2BF16) */
    tt_status (*to_bf16)(void *ctx, uint16_t *dst, const float *src, size_t n);
} tt_backend;

/* ---- data parallel: communication hook ---------------------------------
 * Training on `size` processes (ranks), each with the whole model and its
 * own share of every batch: the library stays free of any transport; the
 * caller fills this table (examples/train_mpi.c does it with MPI) and puts
 * it in tt_model_config.comm. All-zero = one process. Every entry returns
 * 0 on success and nonzero on failure (the library then returns
 * TT_ERR_COMM); every rank must make the same calls in the same order
 * (they are collectives); the library calls them from the thread that
 * calls it, never from its worker threads.
 *   allreduce_sum(user, x, n): x float[n] (n <= bucket_floats) becomes, on
 *       every rank, the elementwise sum over the ranks' x, with the SAME
 *       bits on every rank. For results that do not depend on how a batch
 *       is split across ranks, sum in rank order: ((x_0 + x_1) + x_2) + ...
 *       (the determinism contract below needs it; MPI_Allreduce's order is
 *       unspecified).
 *   broadcast(user, buf, bytes, root): buf of rank `root` copied into buf
 *       of every other rank (bytes <= 4 * bucket_floats per call).
 *   barrier(user): returns when every rank has entered it (optional: NULL
 *       means the library never needs it; it uses none today, it is there
 *       for applications sharing the table).
 * What the library does with it (see tt_model_backward, tt_adamw_step,
 * tt_checkpoint_save, tt_loader_config.shard_*):
 *   - backward scales gradients by grad_scale / size, so their sum over
 *     ranks is the mean over every rank's micro-batches;
 *   - tt_adamw_step first sums the gradients across ranks with
 *     allreduce_sum, bucket_floats at a time, in layout order, after the
 *     backward pass (no overlap with it), so the norm, clipping and update
 *     see the global gradient;
 *   - with zero1, each rank keeps AdamW m and v only for its slice of the
 *     parameters, updates that slice, and the slices are broadcast from
 *     their owners (ZeRO stage 1, Rajbhandari et al. 2020); results are
 *     bitwise those of zero1 = 0;
 *   - checkpoints are written by rank 0 (a collective call).
 * Determinism contract: with allreduce_sum in rank order, S ranks running
 * one micro-batch of B rows per step give bitwise the losses and
 * parameters of one process accumulating S micro-batches of B rows
 * (accum_exact = 1, grad_scale 1/S), provided grad_scale / S rounds the
 * same as the single process's 1/S (always true when S is a power of 2).
 * With accumulation on the ranks as well the sums are grouped differently
 * (float rounding only). */
#define TT_COMM_DEFAULT_BUCKET (1 << 20) /* floats per allreduce call: 4 MB */
typedef struct tt_comm {
    void   *user;          /* first argument of every entry                    */
    int32_t rank;          /* this process, 0 .. size-1                         */
    int32_t size;          /* number of ranks; 0 = no data parallelism          */
    int64_t bucket_floats; /* most floats per allreduce_sum call; 0 = default   */
    int (*allreduce_sum)(void *user, float *x, size_t n);
    int (*broadcast)(void *user, void *buf, size_t bytes, int root);
    int (*barrier)(void *user);
} tt_comm;

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

/* A monotonic clock for cfg.profile: now(user) returns seconds (any
 * origin, never decreasing). Called from the thread running the model. */
typedef struct tt_clock {
    double (*now)(void *user);
    void *user;
} tt_clock;

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
    int32_t  inference_only; /* 1 = parameters only, no training (tt_api_io.h) */
    int32_t  precision;    /* TT_PRECISION_FP32 (0, default) or
                              TT_PRECISION_BF16: the GEMMs of the linear
                              layers (qkv, attention projection, MLP; forward,
                              dx and dW) take bfloat16 inputs with fp32
                              accumulation, weights rounded once per AdamW
                              step into a bf16 copy (n_params * 2 bytes more);
                              master weights, moments, LayerNorm, attention,
                              the lm head, softmax and cross-entropy stay
                              fp32. Needs backend->to_bf16.                   */
    int32_t  recompute;    /* 1 = keep fewer activations: the LayerNorm, GELU
                              and attention outputs are recomputed in the
                              backward (in the gradient buffers, 7 (B*T, C)
                              floats per layer less), the lm head's logits
                              chunk lives in those buffers too (on the CPU,
                              when >= 64 rows fit) and packs wte per chunk
                              instead of keeping two packed copies (2 V C
                              floats less); same results bitwise, a few %
                              slower. Needs backend->gelu_fwd.               */
    tt_allocator      allocator; /* zero = TT_MALLOC/TT_FREE                   */
    tt_logger         logger;    /* zero = silent                              */
    tt_parallel       parallel;  /* zero = built-in pool, or serial            */
    const tt_backend *backend;   /* NULL = CPU; else every op runs through this
                                    table (see tt_backend); it must outlive the
                                    model and its generators                   */
    tt_comm  comm;         /* data parallel hook; zero = one process (above)   */
    int32_t  zero1;        /* 1 = ZeRO-1: AdamW m, v for this rank's slice only
                              (about n_params / size floats each); needs comm  */
    int32_t  accum_exact;  /* 1 = a backward that adds to pending gradients
                              computes its own into a separate block (n_params
                              floats more) and then adds it, element by
                              element: accumulating k micro-batches then sums
                              them like an allreduce over k ranks, bitwise   */
    int32_t  profile;      /* 1 = time every op kind (tt_model_get_stats);
                              needs a clock: cfg.clock, else CLOCK_MONOTONIC
                              where <time.h> has it (POSIX: e.g. build with
                              _POSIX_C_SOURCE; TT_NO_CLOCK leaves it out);
                              without either, create refuses the config with
                              TT_ERR_UNSUPPORTED. 0 = off: no timing, one
                              branch per op; results bitwise the same      */
    tt_clock clock;        /* clock for profile; zero = CLOCK_MONOTONIC      */
} tt_model_config;

typedef struct tt_model tt_model;

/* tt_model_config_resolve: the config with every default filled in and
 * n_threads clamped as the build requires. The input is not modified. */
TTDEF tt_model_config tt_model_config_resolve(const tt_model_config *cfg);

/* tt_model_memory_size: bytes tt_model_create_in needs for this config
 * (parameters, gradients, AdamW m and v, activations for (max_batch, n_ctx),
 * scratch, the model struct, and in SIMD builds with max_batch * n_ctx > 512
 * two packed copies of wte for the lm head's GEMMs: 2 * vocab * d_model
 * floats), including 64-byte alignment slack. With zero1, m and v hold only
 * this rank's slice; with accum_exact, one more gradient-sized block. With
 * cfg.inference_only: parameters, scratch and the struct only.
 * Returns TT_OK, TT_ERR_INVALID_ARG (bad config or size overflow). */
TTDEF tt_status tt_model_memory_size(const tt_model_config *cfg, size_t *out_bytes);
/* tt_model_memory_breakdown: where tt_model_memory_size's bytes go, for
 * this config (bytes; the host fields add up to total):
 *   params, grads (+ accum_exact's extra block), moments (AdamW m and v),
 *   activations (training activations for (max_batch, n_ctx), the lm head's
 *   logits chunk included), scratch (per-thread GEMM/attention scratch,
 *   AdamW partial sums, a backend's host copies of losses and logits),
 *   packed (the packed wte copies, the GEMMs' shared packed B, and with
 *   precision bf16 the weights' bf16 copy), other
 *   (model struct, thread pool, tensor table, names, alignment).
 *   backend: bytes allocated through cfg.backend (its parameters,
 *   gradients, moments, activations; 0 on the CPU), not in total.
 * Returns TT_OK, TT_ERR_INVALID_ARG (as tt_model_memory_size). No allocation. */
typedef struct tt_memory_breakdown {
    size_t params, grads, moments, activations, scratch, packed, other, total;
    size_t backend;
} tt_memory_breakdown;
TTDEF tt_status tt_model_memory_breakdown(const tt_model_config *cfg, tt_memory_breakdown *out);

/* tt_model_create_in: build a model inside the caller's buffer mem (any
 * alignment; at least tt_model_memory_size bytes). Allocates nothing; with
 * n_threads > 1 and the built-in pool it starts n_threads-1 threads.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL,
 * TT_ERR_UNSUPPORTED (CPU lacks the compiled SIMD width, cfg.backend, or
 * cfg.profile without a clock),
 * TT_ERR_OUT_OF_MEMORY (thread creation failed). On failure *out_model is
 * unchanged and nothing is left running. */
TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model);
/* tt_model_create: tt_model_memory_size + one allocation + create_in. */
TTDEF tt_status tt_model_create(const tt_model_config *cfg, tt_model **out_model);
/* tt_model_destroy: stop threads, free what create allocated. NULL: no-op. */
TTDEF void      tt_model_destroy(tt_model *model);

/* tt_model_get_config: the resolved config the model was created with
 * (all zero for a NULL model). */
TTDEF tt_model_config tt_model_get_config(const tt_model *model);

/* tt_model_forward: forward pass for one batch.
 *   tokens   (in)            int32[B*T], row-major (b,t); ids in [0, V)
 *   targets  (in, optional)  int32[B*T] next-token ids in [0, V); NULL =
 *                            inference: logits of the last position of each
 *                            row are kept (tt_model_logits)
 *   B, T     (in)            1 <= B <= max_batch, 1 <= T <= n_ctx
 *   out_loss (out, optional) mean cross-entropy over B*T positions, in nats
 * Returns TT_OK, TT_ERR_INVALID_ARG (NULL tokens, id out of range),
 * TT_ERR_SHAPE. A failed forward still ends the previous one: backward and
 * logits are refused until the next successful forward.
 * Allocates: no. Thread safety: one call per model at a time. */
TTDEF tt_status tt_model_forward(tt_model *model, const int32_t *tokens,
                                 const int32_t *targets, int B, int T, float *out_loss);

/* tt_model_backward: add grad_scale * d(loss)/d(param) of the last forward
 * (which must have had targets) to the gradients of every parameter. For
 * gradient accumulation over n micro-batches pass grad_scale = 1/n.
 * With cfg.comm of size S > 1 the scale used is grad_scale / S (the sum
 * over ranks in tt_adamw_step is then the mean); with accum_exact and
 * gradients already pending, this backward's gradient is formed apart and
 * then added (see tt_model_config).
 * Call order: one backward per successful forward with targets, before the
 * parameters change: after a failed forward, a second backward, a
 * successful tt_adamw_step or a checkpoint load it is refused.
 * Returns TT_OK, TT_ERR_INVALID_ARG (call order above, grad_scale NaN/Inf;
 * nothing changed). Allocates: no. */
TTDEF tt_status tt_model_backward(tt_model *model, float grad_scale);

/* tt_model_forward_backward: tt_model_forward with targets followed by
 * tt_model_backward(grad_scale), fused: the lm head computes the loss and
 * its gradient in one pass over the logit chunks instead of recomputing the
 * logits (saves 2*B*T*V*C FLOPs). Same arguments and errors as the two
 * calls; the loss is bitwise the same and the gradients agree up to float
 * rounding (dlogits are formed from exp(z - max) instead of exp(z - lse)).
 * tokens and targets are required; the backward is done, so a following
 * tt_model_backward is refused. Allocates: no. */
TTDEF tt_status tt_model_forward_backward(tt_model *model, const int32_t *tokens,
                                          const int32_t *targets, int B, int T,
                                          float grad_scale, float *out_loss);

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

/* Flat blocks of n floats each (n = tt_model_num_params) in host memory.
 * On the CPU (cfg.backend NULL) they are the model's own arrays: live,
 * and writing parameters is allowed between steps. With cfg.backend they
 * are host copies of the backend's buffers: call tt_model_download first
 * to read current values, and tt_model_upload after writing them.
 * With zero1 (and comm size > 1), adam_m and adam_v hold only this rank's
 * slice, floats [lo, hi) of the layout (tt_model_moment_slice). */
TTDEF size_t tt_model_num_params(const tt_model *model);
TTDEF float *tt_model_params(tt_model *model);
TTDEF float *tt_model_grads(tt_model *model);
TTDEF float *tt_model_adam_m(tt_model *model);
TTDEF float *tt_model_adam_v(tt_model *model);
/* tt_model_download: with cfg.backend, copies parameters, gradients and
 * AdamW moments from the backend's buffers to the host copies above
 * (4 * n_params floats, through backend->download: waits for queued work);
 * tt_model_upload copies them the other way (after writing them) and drops
 * the activations (a backward needs a new forward). Both are no-ops
 * returning TT_OK on the CPU path (tt_model_upload still drops the
 * activations). Checkpoint, safetensors and llm.c saves download, and
 * their loads upload, by themselves. Errors: TT_ERR_INVALID_ARG (model
 * NULL), the backend's status (logged). No allocation. */
TTDEF tt_status tt_model_download(tt_model *model);
TTDEF tt_status tt_model_upload(tt_model *model);
/* tt_model_backend: the op table the model runs on: cfg.backend, or the
 * model's own CPU instance (name "cpu") when that was NULL. The CPU table
 * is valid while the model lives; a wrapper (a recorder, a profiler) may
 * forward to it from another model of the same or smaller config (same
 * vocab_size and d_model for the lm head), one call at a time: its ops use
 * this model's threads and scratch. */
TTDEF const tt_backend *tt_model_backend(const tt_model *model);
/* tt_model_moment_slice: the range [lo, hi) of the flat layout whose AdamW
 * moments this model holds: [0, n) unless zero1 with comm size > 1. */
TTDEF void     tt_model_moment_slice(const tt_model *model, size_t *out_lo, size_t *out_hi);
/* AdamW step counter (number of successful tt_adamw_step calls). It sets
 * the bias correction; at UINT64_MAX tt_adamw_step refuses to advance it. */
/* ---- profiling (cfg.profile = 1) ----
 * Per op kind: wall seconds, FLOPs (multiply-add = 2; GEMMs and attention
 * only, elementwise ops count 0) and calls, summed over every forward,
 * backward and tt_adamw_step since create or the last reset. Kinds ending
 * in _BWD are the backward counterparts; TT_OP_LM_HEAD is the logits GEMM
 * (recomputed in the backward of an unfused step), TT_OP_SOFTMAX_CE the
 * softmax and cross-entropy (and dlogits when fused), TT_OP_LM_HEAD_BWD the
 * dx and dwte GEMMs; TT_OP_ADAMW the gradient norm, clipping and update.
 * The generator is not counted. */
typedef enum tt_op_kind {
    TT_OP_EMBEDDING, TT_OP_LAYERNORM, TT_OP_QKV, TT_OP_ATTENTION, TT_OP_ATTN_PROJ, TT_OP_FC, TT_OP_FC_PROJ,
    TT_OP_LM_HEAD, TT_OP_SOFTMAX_CE,
    TT_OP_EMBEDDING_BWD, TT_OP_LAYERNORM_BWD, TT_OP_QKV_BWD, TT_OP_ATTENTION_BWD, TT_OP_ATTN_PROJ_BWD,
    TT_OP_FC_BWD, TT_OP_FC_PROJ_BWD, TT_OP_LM_HEAD_BWD,
    TT_OP_ADAMW,
    TT_OP_COUNT
} tt_op_kind;
typedef struct tt_model_stats {
    double   seconds[TT_OP_COUNT];
    double   flops[TT_OP_COUNT];
    uint64_t calls[TT_OP_COUNT];
} tt_model_stats;
/* tt_op_kind_name: a short lowercase name ("qkv", "attention_bwd", ...);
 * "?" for a kind out of range. Thread-safe, static storage. */
TTDEF const char *tt_op_kind_name(int kind);
/* tt_model_get_stats: the sums so far into *out (all zero when cfg.profile
 * is 0). Returns TT_OK or TT_ERR_INVALID_ARG (NULL). Allocates nothing; not
 * concurrently with a step on the same model. */
TTDEF tt_status tt_model_get_stats(const tt_model *model, tt_model_stats *out);
/* tt_model_reset_stats: zero the sums. NULL is ignored. */
TTDEF void tt_model_reset_stats(tt_model *model);

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
 * Returns TT_OK, or refuses with parameters, m, v and the step counter
 * untouched:
 *   TT_ERR_INVALID_ARG  (gradients kept too) NULL model; after defaults, a
 *       config number NaN/Inf or out of range: lr and eps must be > 0,
 *       beta1/beta2 in [0, 1), weight_decay, grad_clip, min_lr >= 0,
 *       warmup_steps, total_steps >= 0, schedule TT_LR_CONSTANT or
 *       TT_LR_COSINE; the scheduled LR not finite; step counter UINT64_MAX.
 *   TT_ERR_NONFINITE  (gradients zeroed: the batch is dropped) the gradient
 *       norm is NaN/Inf; or parameters, m or v already hold NaN/Inf (or a
 *       v < 0); or the update could overflow: a bound from the largest |g|,
 *       |p|, |m|, v (max |p| (1 + lr wd) + lr/(1-b1^t) max |m'| / eps) is
 *       over 1e38 (lr = 3e38, say). Found in the gradient-norm pass (it
 *       reads p, m and v too), so a valid step computes exactly as before.
 *   TT_ERR_COMM  (cfg.comm of size > 1) a hook call failed: the ranks'
 *       models may differ; stop and resume from the last checkpoint.
 * With cfg.comm (size > 1) it is a collective: the gradients are first
 * summed across ranks (stats, clipping and the checks see the global
 * values), and with zero1 the updated slices are broadcast.
 * A successful step ends the last forward (backward is refused until the
 * next). Allocates: no. Deterministic for a given n_threads. */
TTDEF tt_status tt_adamw_step(tt_model *model, const tt_adamw_config *cfg,
                              tt_step_stats *out_stats);

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_H */
