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
     TT_SIMD_WIDTH             implementation file   1 scalar, 4 NEON (AArch64), 8 AVX2+FMA
                                                     (-mavx2 -mfma), 16 AVX-512 (-mavx512f
                                                     ...); default from the compiler's flags
     TT_MALLOC(sz,al)/TT_FREE(p,sz)  implementation  both or neither
     TT_EXPF TT_LOGF TT_SQRTF TT_TANHF TT_COSF TT_POWF  math functions for freestanding builds
     TT_NO_ASM                 implementation file   intrinsics instead of the inline-asm
                                                     AVX2 GEMM micro-kernel
     TT_GEMM_MIN_TASK_FLOPS    implementation file   smallest GEMM task in FLOPs (default 2e6;
                                                     0 = every product on all threads)
     TT_GEMM_SPLIT             implementation file   GEMM blocks per thread (default 1; see
                                                     tt_config.h)
     TT_NO_CLOCK               implementation file   no built-in clock_gettime for cfg.profile
                                                     (then cfg.clock is required)
     TT_CPU_CHECK()            implementation file   replaces the run-time CPU feature check
                                                     (nonzero = the build's SIMD can run;
                                                     used when emulating AVX-512)

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
/* ==== end src/tt_api_data.h ==== */
/* ==== begin src/tt_api_io.h ==== */
/* >>api_io  weights made elsewhere and weights for elsewhere: safetensors
 * (Hugging Face GPT2LMHeadModel), llm.c's GPT-2 .bin, one-call model
 * creation from a file, inference-only use (generator in caller memory,
 * per-position logits, per-token losses) and GPT-2 tokenizer export. */
#ifndef TINYTRAIN_IO_H
#define TINYTRAIN_IO_H
/* #include "tt_api.h" */
/* #include "tt_api_bpe.h" */
/* #include "tt_api_data.h" */

#ifdef __cplusplus
extern "C" {
#endif

/* Element type of a saved file: IEEE float32, or bfloat16 (the top 16 bits
 * of a float32, rounded to nearest even; NaN stays NaN). Loading converts
 * either to float32 exactly. */
enum { TT_DTYPE_F32 = 0, TT_DTYPE_BF16 = 1 };

/* ---- safetensors -----------------------------------------------------------
 * The format of the PyPI package `safetensors`: u64 little-endian N, then N
 * bytes of JSON (padded with spaces so the data starts 8-byte aligned),
 * then the raw little-endian data. The JSON maps each tensor name to
 * {"dtype": "F32"|"BF16", "shape": [...], "data_offsets": [begin, end]}
 * (byte offsets into the data, which the tensors cover without holes), and
 * "__metadata__" (string -> string) to the config: vocab_size, n_positions,
 * n_embd, n_layer, n_head (Hugging Face GPT2Config names), format "pt".
 * Names and layouts are GPT2LMHeadModel's state dict: transformer.wte.weight
 * (V,C) without the padded rows, transformer.wpe.weight (n_ctx,C),
 * transformer.h.{l}.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,mlp.c_proj}
 * .{weight,bias}, transformer.ln_f.{weight,bias}. The four matrices are
 * Conv1D weights, stored (in, out): the transpose of this library's
 * (out, in); save and load transpose them. lm_head.weight is not written
 * (tied to wte). Loading also accepts names without "transformer.", skips
 * the attention-mask buffers (h.{l}.attn.bias, .masked_bias) older files
 * carry, and accepts an lm_head.weight only if it equals wte bit for bit
 * (this model's head is tied). */

/* tt_model_save_safetensors: write model's parameters to io as dtype
 * (TT_DTYPE_F32 or TT_DTYPE_BF16). Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_IO. Allocates: no (stack buffers). Never changes the model.
 * Thread safety: not during a step of the same model. */
TTDEF tt_status tt_model_save_safetensors(const tt_io *io, tt_model *model, int dtype);

/* tt_model_load_safetensors: read a safetensors file from io into model's
 * parameters (the padded wte rows are set to 0; gradients, AdamW moments and
 * the step are not touched). The whole header is parsed and checked first
 * (JSON, dtypes, every tensor present once with this model's shape, offsets
 * covering the data, metadata config equal to the model's), then the data
 * is read into a temporary; the parameters change only when all of it was
 * read. Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (truncated,
 * corrupt, bad JSON, header past the end), TT_ERR_MISMATCH (shape, name or
 * config differ; lm_head differs from wte), TT_ERR_UNSUPPORTED (a dtype
 * other than F32/BF16), TT_ERR_OUT_OF_MEMORY; detail to the model's logger.
 * On failure the model is unchanged. Allocates: the header (N bytes) and a
 * temporary of 4 bytes per parameter, freed before returning. */
TTDEF tt_status tt_model_load_safetensors(const tt_io *io, tt_model *model);

/* tt_safetensors_read_config: read and check the header of a safetensors
 * file (not the data) and return the model shape it holds: vocab_size,
 * n_ctx, n_layer and d_model from the tensor shapes, n_head from the
 * metadata (0 when the file has none, as Hugging Face files: the caller then
 * sets it, e.g. from config.json); every other field 0. allocator (NULL =
 * TT_MALLOC) holds the header while it is parsed.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH
 * (not a GPT-2 tensor set), TT_ERR_OUT_OF_MEMORY. */
TTDEF tt_status tt_safetensors_read_config(const tt_io *io, const tt_allocator *allocator,
                                           const tt_logger *logger, tt_model_config *out_cfg);

/* ---- llm.c -----------------------------------------------------------------
 * karpathy/llm.c's GPT-2 checkpoint (gpt2_124M.bin): 256 little-endian
 * int32 (magic 20240326, version 3 = float32 or 5 = bfloat16, max_seq_len,
 * vocab_size, num_layers, num_heads, channels, padded_vocab_size, zeros),
 * then every parameter in this library's own layout order (wte (Vp,C), wpe,
 * ln_1 w/b, c_attn w/b, attn c_proj w/b, ln_2 w/b, c_fc w/b, mlp c_proj
 * w/b for all layers per kind, ln_f w/b), matrices (out, in), wte padded to
 * Vp rows. Save writes Vp = V rounded up to 128 (as llm.c's exporter) with
 * zero rows; load accepts any Vp >= V and ignores the rows past V. */
#define TT_LLMC_MAGIC 20240326
#define TT_LLMC_VERSION_F32 3
#define TT_LLMC_VERSION_BF16 5

/* tt_model_save_llmc: write model's parameters to io in llm.c's format.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO. Allocates: no. */
TTDEF tt_status tt_model_save_llmc(const tt_io *io, tt_model *model, int dtype);
/* tt_model_load_llmc: read an llm.c checkpoint into model's parameters.
 * Checks magic, version, shape (equal to the model's) before reading the
 * data into a temporary. Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH, TT_ERR_UNSUPPORTED (another version),
 * TT_ERR_OUT_OF_MEMORY. On failure the model is unchanged. Allocates: a
 * temporary of 4 bytes per parameter, freed before returning. */
TTDEF tt_status tt_model_load_llmc(const tt_io *io, tt_model *model);
/* tt_llmc_read_config: read and check the 1024-byte header only; returns the
 * shape (vocab_size, n_ctx, n_layer, n_head, d_model; other fields 0).
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT, TT_ERR_UNSUPPORTED. */
TTDEF tt_status tt_llmc_read_config(const tt_io *io, const tt_logger *logger, tt_model_config *out_cfg);

#ifndef TT_NO_STDIO
/* File wrappers. save is atomic (path.tmp, then rename). load also refuses
 * a file with bytes after the data. */
TTDEF tt_status tt_model_save_safetensors_file(const char *path, tt_model *model, int dtype);
TTDEF tt_status tt_model_load_safetensors_file(const char *path, tt_model *model);
TTDEF tt_status tt_model_save_llmc_file(const char *path, tt_model *model, int dtype);
TTDEF tt_status tt_model_load_llmc_file(const char *path, tt_model *model);

/* tt_model_create_from_checkpoint: create a model shaped like the file at
 * path and load its parameters, reading the file once. The kind is found
 * from its first bytes: a tinytrain checkpoint ("TTCK": parameters, AdamW
 * moments and step; the file is read into memory once), an llm.c .bin or a
 * safetensors file (streamed: header, then the data straight into the new
 * model). base (may be NULL) gives every field the file does not fix:
 * max_batch, n_threads, allocator, logger, inference_only, ...; and n_head
 * for a safetensors file without metadata (required then). A base shape
 * field that is nonzero and differs from the file is TT_ERR_MISMATCH.
 * Returns as tt_model_create plus TT_ERR_IO (cannot open),
 * TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH, TT_ERR_UNSUPPORTED (unknown kind).
 * On failure *out_model is unchanged and nothing is left allocated. */
TTDEF tt_status tt_model_create_from_checkpoint(const char *path, const tt_model_config *base,
                                                tt_model **out_model);
#endif

/* ---- inference -------------------------------------------------------------
 * cfg.inference_only = 1 makes a model of parameters only: no gradients,
 * AdamW moments or training activations (tt_model_memory_size is about 4
 * bytes per parameter plus GEMM scratch). tt_model_forward,
 * tt_model_backward, tt_model_forward_backward and tt_adamw_step return
 * TT_ERR_UNSUPPORTED; tt_model_grads / adam_m / adam_v return NULL; run it
 * through a generator (KV cache), below. */

/* tt_generator_memory_size: bytes tt_generator_create_in needs for model
 * (KV cache (L, n_ctx, 2C), scratch for n_ctx positions, the struct and
 * alignment slack). Returns TT_OK, TT_ERR_INVALID_ARG (NULL, overflow). */
TTDEF tt_status tt_generator_memory_size(const tt_model *model, size_t *out_bytes);
/* tt_generator_create_in: a generator inside the caller's buffer mem (any
 * alignment, >= tt_generator_memory_size bytes; it must outlive the
 * generator; tt_generator_destroy then frees nothing). Works under
 * TT_NO_MALLOC. Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL.
 * Allocates: no. Threads: the generator runs on the model's threads and
 * per-thread scratch (it does not change the model), so do not use it at
 * the same time as a training call or another generator of the same model. */
TTDEF tt_status tt_generator_create_in(tt_model *model, void *mem, size_t bytes, tt_generator **out_gen);

/* tt_generator_feed_logits: tt_generator_feed, and the logits of every fed
 * position: out float[n*V], row i = the unnormalised logits for the id
 * after ids[i] (so row n-1 equals tt_generator_logits). cap = floats in out.
 * Returns as tt_generator_feed plus TT_ERR_BUFFER_TOO_SMALL (cap < n*V:
 * nothing is fed). Allocates: no. */
TTDEF tt_status tt_generator_feed_logits(tt_generator *gen, const int32_t *ids, int n,
                                         float *out, size_t cap);
/* tt_generator_score: feed ids int32[n] (n >= 2, appended after what the
 * cache holds) and write out_losses float[n-1]: out_losses[i] =
 * -ln p(ids[i+1] | the cache and ids[0..i]), in nats. Perplexity of a text
 * = exp(mean loss); for texts longer than n_ctx score windows of up to
 * n_ctx ids (reset between them) that overlap by one id. Returns as
 * tt_generator_feed. Allocates: no (uses the generator's scratch). */
TTDEF tt_status tt_generator_score(tt_generator *gen, const int32_t *ids, int n, float *out_losses);

/* tt_model_token_losses: after tt_model_forward with targets (or
 * tt_model_forward_backward), the loss of every position: out float[B*T],
 * row-major (b, t), -ln p(targets[b*T+t]) in nats (their mean is the loss
 * forward returned). Returns TT_OK, TT_ERR_INVALID_ARG (no forward with
 * targets before), TT_ERR_BUFFER_TOO_SMALL (n < B*T). */
TTDEF tt_status tt_model_token_losses(const tt_model *model, float *out, size_t n);

/* ---- tokenizer export ------------------------------------------------------
 * tt_tokenizer_save_gpt2: write the tokenizer as GPT-2's pair encoder.json
 * (JSON object: token -> id, every byte of a token shown as GPT-2's
 * printable byte-to-unicode character, special tokens as they are) and
 * vocab.bpe ("#version: 0.2", then one merge "left right" per line in rank
 * order), which Hugging Face `tokenizers` (ByteLevel BPE) and
 * `transformers` (GPT2Tokenizer) load. The merge of each multi-byte token
 * is the last step of BPE on its bytes with the lower-ranked tokens.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO, TT_ERR_OUT_OF_MEMORY,
 * TT_ERR_UNSUPPORTED (a token BPE cannot build from two lower-ranked ones,
 * so no merge list describes it). Allocates: an index of the tokens
 * (about 16 bytes per token), freed before returning. */
TTDEF tt_status tt_tokenizer_save_gpt2(const tt_tokenizer *tok, const tt_io *encoder_json,
                                       const tt_io *vocab_bpe);
#ifndef TT_NO_STDIO
/* File form; both files are written atomically (the first is renamed into
 * place only after the second was written). */
TTDEF tt_status tt_tokenizer_save_gpt2_file(const tt_tokenizer *tok, const char *encoder_json_path,
                                            const char *vocab_bpe_path);
#endif

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_IO_H */
/* ==== end src/tt_api_io.h ==== */

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

#ifndef TT_SIMD_WIDTH
#  if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 16
#  elif defined(__AVX2__) && defined(__FMA__)
#    define TT_SIMD_WIDTH 8
#  elif defined(__aarch64__) && defined(__ARM_NEON)
#    define TT_SIMD_WIDTH 4
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
#elif TT_SIMD_WIDTH == 4
#  if !defined(__aarch64__) || !defined(__ARM_NEON)
#    error "tinytrain: TT_SIMD_WIDTH=4 needs an AArch64 compiler with Advanced SIMD (NEON)"
#  endif
#  include <arm_neon.h>
#elif TT_SIMD_WIDTH != 1
#  error "tinytrain: TT_SIMD_WIDTH must be 1, 4, 8 or 16"
#endif

/* GEMM task tuning (tt_gemm.c; results are bitwise the same for any value):
 * TT_GEMM_MIN_TASK_FLOPS: a product uses fewer threads than it is given
 *   until each task has at least this many FLOPs (2*M*N*K / tasks): a
 *   dispatch to the thread pool costs ~10 us. 0 splits every product over
 *   all threads (lower it for a cheaper cfg.parallel scheduler).
 * TT_GEMM_SPLIT: up to this many blocks per thread (a power of 2; 1 = one
 *   each), claimed dynamically; used only when the cost model says the
 *   extra packing stays within 2 %. Finer blocks even out unequal thread
 *   speeds (other tenants, hybrid cores), but each block re-packs its share
 *   of A or B: on config M at 2 threads, 4 was ~4 % slower than 1 (7
 *   alternating runs, busy 2-core VM), so it is 1 unless tuned. */
#ifndef TT_GEMM_MIN_TASK_FLOPS
#  define TT_GEMM_MIN_TASK_FLOPS 2e6
#endif
#ifndef TT_GEMM_SPLIT
#  define TT_GEMM_SPLIT 1
#endif

#if defined(TT_NO_THREADS)
#  define TT__HAS_THREADS 0
#else
#  define TT__HAS_THREADS 1
#  include <pthread.h>
#  include <sched.h>
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
/* #include "tt_api_io.h" */ /* all public types (includes tt_api_bpe.h, tt_api_data.h) */

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
    float *shared;         /* GEMM: B packed once for all threads (64-byte aligned), or NULL */
    size_t shared_floats;
} tt__exec;
TT__PRIVATE void tt__parallel_for(const tt__exec *ex, int n, void (*task)(void *arg, int i), void *arg);

/* ---- built-in thread pool ---- */
#if TT__HAS_THREADS
typedef struct tt__pool tt__pool;
TT__PRIVATE size_t    tt__pool_size(int n_threads);
TT__PRIVATE tt_status tt__pool_start(tt__pool *pool, int n_threads);   /* in caller memory */
TT__PRIVATE void      tt__pool_stop(tt__pool *pool);
TT__PRIVATE void      tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg);
#endif

/* ---- I/O helpers ---- */
TT__PRIVATE tt_status tt__write_all(const tt_io *io, const void *buf, size_t n);
TT__PRIVATE tt_status tt__read_all(const tt_io *io, void *buf, size_t n);
TT__PRIVATE void      tt__put_u32(unsigned char *p, uint32_t v);
TT__PRIVATE void      tt__put_u64(unsigned char *p, uint64_t v);
TT__PRIVATE uint32_t  tt__get_u32(const unsigned char *p);
TT__PRIVATE uint64_t  tt__get_u64(const unsigned char *p);
#ifndef TT_NO_STDIO
/* stdio behind tt_io (user: the FILE *); fopen "rb" refusing what cannot be read (tt_io.c) */
TT__PRIVATE size_t tt__stdio_read(void *user, void *buf, size_t n);
TT__PRIVATE size_t tt__stdio_write(void *user, const void *buf, size_t n);
TT__PRIVATE FILE  *tt__fopen_rb(const char *path);
/* atomic file write of save(obj, io) and read of a path through load(obj, io) (tt_io.c) */
TT__PRIVATE tt_status tt__save_atomic(const char *path, tt_status (*save)(const void *obj, const tt_io *io),
                                      const void *obj);
TT__PRIVATE tt_status tt__load_path(const char *path, tt_status (*load)(void *obj, const tt_io *io), void *obj);
#endif

/* ---- hash probe and binary heap over caller memory (tt_hashheap.c) ---- */
/* 64-bit hash of a byte string (host byte order: only used in memory) */
TT__PRIVATE uint64_t tt__hash_bytes(const unsigned char *p, size_t n);
/* Open addressing, linear probing: mask + 1 slots (a power of two), each an
 * item index of the caller's (TT__HASH_EMPTY when free) and the top 32 bits
 * of the item's 64-bit hash as a tag; the low bits pick the first slot. The
 * caller owns the slots and the items, compares keys on a tag match, and
 * keeps the load <= 1/2, so every probe path ends at a free slot. Lookup:
 *   tt__hash_begin(t, h, &pr);
 *   while ((it = tt__hash_probe(t, &pr)) != TT__HASH_EMPTY) if (key of it == key) found;
 *   tt__hash_put(t, &pr, new_item);   (not found: pr is at the free slot) */
#define TT__HASH_EMPTY 0xFFFFFFFFu
typedef struct tt__hslot { uint32_t tag, item; } tt__hslot;
typedef struct tt__htab { tt__hslot *slot; size_t mask; } tt__htab;
typedef struct tt__hprobe { size_t k; uint32_t tag; } tt__hprobe;
TT__PRIVATE void     tt__hash_clear(tt__htab *t);  /* every slot free */
TT__PRIVATE void     tt__hash_begin(const tt__htab *t, uint64_t h, tt__hprobe *pr);
/* next item on the path whose tag matches, or TT__HASH_EMPTY at the free slot ending it */
TT__PRIVATE uint32_t tt__hash_probe(const tt__htab *t, tt__hprobe *pr);
TT__PRIVATE void     tt__hash_put(tt__htab *t, const tt__hprobe *pr, uint32_t item);
/* item (known absent) into the first free slot on its path: rebuilds, rehashes */
TT__PRIVATE void     tt__hash_insert(tt__htab *t, uint64_t h, uint32_t item);
/* Binary heap: n elements of elem bytes (elem <= TT__HEAP_MAX_ELEM) at base,
 * room for cap. The order comes with each call (so that a compiler that
 * inlines the call can inline the order too): before(ctx, x, y) != 0 when x
 * must leave before y, a strict weak order ("less" gives a min-heap).
 * Elements equal under the order may leave in any order, so callers keep it
 * total where results depend on it. Push needs n < cap, pop n > 0; neither
 * allocates. */
#define TT__HEAP_MAX_ELEM 32
typedef int (*tt__heap_before)(const void *ctx, const void *x, const void *y);
typedef struct tt__heap { void *base; size_t n, cap, elem; } tt__heap;
TT__PRIVATE inline void tt__heap_push(tt__heap *h, const void *x, tt__heap_before before, const void *ctx);
/* the first element into out (which may be the last slot, base + (n-1)*elem) */
TT__PRIVATE inline void tt__heap_pop(tt__heap *h, void *out, tt__heap_before before, const void *ctx);
/* restore the order below i after the element at i moved later (a replaced top) */
TT__PRIVATE inline void tt__heap_sift_down(tt__heap *h, size_t i, tt__heap_before before, const void *ctx);

/* ---- GEMM (tt_gemm.c; the scalar reference in tt_kern_w1.c) ---- */
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
/* B packed ahead of time (weights packed once, used by many products):
 * floats for a (K x N) B (0 in scalar builds: nothing to pack), the packing
 * (threaded over columns; pk 64-byte aligned), and tt__gemm with B read from
 * pk. tt__gemm_pk still takes B: the scalar path (scalar builds,
 * force_scalar) uses it, and pk may be NULL. Same C bits either way. */
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N);
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk);
TT__PRIVATE void tt__gemm_pk(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                             const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk, float *C, ptrdiff_t ldc,
                             int accumulate);
/* GEMM epilogue, applied to C once its sums are complete (fused into the
 * product instead of separate passes over C): C = C + (bias[col] + res[row,
 * col]) (either may be NULL), then gelu_out[row, col] = gelu(C) if set,
 * then C = GELU backward of C at gelu_bwd_x if set (dx = dy * gelu'(x)). */
typedef struct tt__gemm_epi {
    const float *bias;  /* (N) or NULL */
    const float *res;   /* (M, N), row stride ldr, or NULL */
    ptrdiff_t ldr;
    float *gelu_out;    /* (M, N), row stride ldg, or NULL */
    ptrdiff_t ldg;
    const float *gelu_bwd_x; /* (M, N), row stride ldx, or NULL: C = gelu'(x) * C (after the above) */
    ptrdiff_t ldx;
} tt__gemm_epi;
/* rowsum_a (M floats, or NULL): rowsum_a[i] += sum_k A(i,k), k increasing,
 * computed while A is packed (the bias gradient of dW = dY^T X) */
TT__PRIVATE void tt__gemm_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                             const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk, float *C, ptrdiff_t ldc,
                             int accumulate, const tt__gemm_epi *epi, float *rowsum_a);

/* ---- bf16 GEMM inputs (tt_kern_bf16.c, tt_gemm_bf16.c) ----
 * bf16: the top 16 bits of an fp32, in a uint16_t. tt__bf16_from_f32 rounds
 * to nearest even (denormals to signed zero, NaN stays NaN: the rule of
 * VCVTNE2PS2BF16, documented in tt_kern_bf16.c); tt__f32_from_bf16 is exact.
 * tt__bf16_from_f32_n: n of them, threaded over ex (NULL: serial), no
 * allocation; the bits do not depend on the thread count or the width. */
TT__PRIVATE uint16_t tt__bf16_from_f32(float x);
TT__PRIVATE float    tt__f32_from_bf16(uint16_t h);
TT__PRIVATE void     tt__bf16_from_f32_n(const tt__exec *ex, uint16_t *dst, const float *src, size_t n);
/* C (M,N) = [C +] bf16(A) bf16(B), fp32 products and sums: the scalar
 * reference (A and fp32 B rounded per element; Bh: B given in bf16 with
 * the strides rsb, csb, then B is unused and may be NULL) and the driver,
 * with tt__gemm_ex's shapes, threads, epilogue and rowsum_a (which sums
 * the unrounded A). Exactly one of B, Bh is non-NULL. The driver uses
 * ex->scratch like tt__gemm (tt__gemm_scratch_floats per slot), allocates
 * nothing, and gives the same bits for any thread count. Its C: the
 * reference's bits where the products are normal floats, except with the
 * vdpbf16ps kernel (tt__gemm_bf16_kernel_name), which adds the products in
 * pairs: there |C - E| <= gamma_{K+1} S + (K+1) 2^-126 per element, E and
 * S the exact sums of C0 and the rounded products and of their magnitudes,
 * gamma_n = n 2^-24 / (1 - n 2^-24) (tested: tests/kernels/test_gemm_bf16.c). */
TT__PRIVATE void tt__gemm_bf16_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                      const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                      float *C, ptrdiff_t ldc, int accumulate);
TT__PRIVATE void tt__gemm_bf16_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                                  ptrdiff_t csa, const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi,
                                  float *rowsum_a);
TT__PRIVATE const char *tt__gemm_bf16_kernel_name(void);

/* ---- elementwise kernels, the build's SIMD variant or (force_scalar, or a
 * scalar build) the reference; tt_dispatch.c. Math and argument meaning at
 * the scalar references in tt_kern_w1.c. Rows [r0, r1) / elements [i0, i1)
 * are a thread's share: results never depend on how a range is split. */
TT__PRIVATE void  tt__vec_scale(const tt__exec *ex, float *y, int n, float f);              /* y *= f */
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n);                   /* n >= 1 */
/* y[i] = exp(a x[i] - s) (y may alias x); returns their sum */
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                    const float *w, const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                       const float *w, const float *mean, const float *rstd, int r0, int r1,
                                       int C, int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy,
                                         const float *x, const float *mean, const float *rstd, int N, int C,
                                         int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd(const tt__exec *ex, float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd(const tt__exec *ex, float *dx, const float *dy, const float *x, size_t i0,
                               size_t i1);
TT__PRIVATE void  tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n,
                            float lr, float b1, float b2, float eps, float wd, float gscale, float bc1,
                            float bc2_sqrt);

/* ---- data parallel (tt_comm.c; the model struct is in tt_model.c) ---- */
typedef struct tt__dp {
    size_t lo, hi;  /* the slice of the flat layout whose AdamW moments this rank holds */
    float *micro;   /* accum_exact: one backward's own gradient block, or NULL */
    int dirty;      /* gradients pending (a backward since the last step / zero_grad) */
} tt__dp;
TT__PRIVATE int       tt__dp_size(const tt_model_config *c);  /* ranks; 1 without comm */
TT__PRIVATE tt_status tt__dp_check_config(const tt_model_config *c);
TT__PRIVATE void      tt__dp_slice(const tt_model_config *c, size_t n, int rank, size_t *lo, size_t *hi);
TT__PRIVATE void      tt__dp_init(tt_model *m, float *micro);
TT__PRIVATE float     tt__dp_backward_begin(tt_model *m, float grad_scale);
TT__PRIVATE void      tt__dp_backward_end(tt_model *m);
TT__PRIVATE tt_status tt__dp_reduce_grads(tt_model *m);
TT__PRIVATE tt_status tt__dp_after_update(tt_model *m);
TT__PRIVATE tt_status tt__dp_moment_bounds(tt_model *m, uint32_t *mbits, uint32_t *vbits);
TT__PRIVATE int       tt__dp_sharded(tt_model *m);
TT__PRIVATE int       tt__dp_dirty(tt_model *m);     /* gradients pending */
TT__PRIVATE int       tt__dp_writer(tt_model *m);
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out);
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st);
TT__PRIVATE void      tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full);

/* ==== model: parameter and activation lists, per-layer views, ops ==== */

/* kernel entry points the model ops call (dispatched by SIMD width with the
 * kernels); rows [r0, r1) of an (N, C) row-major array */
TT__PRIVATE void  tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                    const float *w, const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                       const float *w, const float *mean, const float *rstd, int r0, int r1, int C,
                                       int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy, const float *x,
                                         const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__vec_scale(const tt__exec *ex, float *y, int n, float f);
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n, float lr,
                            float b1, float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);

/* Parameters, in layout order (llm.c order: each kind holds all layers).
 * X(ID, field, per_layer, rows, cols, decay, name): shape (rows, cols) per
 * layer (cols 0: a vector of rows floats), written with C, Vp (vocab padded
 * to 64) and T (n_ctx) in scope; name is the GPT-2 (HF) tensor name, after
 * "h.<layer>" for per-layer kinds. Shapes are (out, in). */
#define TT__PARAM_LIST(X) \
    X(WTE,      wte,      0, Vp,    C,     1, "wte.weight") \
    X(WPE,      wpe,      0, T,     C,     0, "wpe.weight") \
    X(LN1W,     ln1w,     1, C,     0,     0, ".ln_1.weight") \
    X(LN1B,     ln1b,     1, C,     0,     0, ".ln_1.bias") \
    X(QKVW,     qkvw,     1, 3 * C, C,     1, ".attn.c_attn.weight") \
    X(QKVB,     qkvb,     1, 3 * C, 0,     0, ".attn.c_attn.bias") \
    X(ATTPROJW, attprojw, 1, C,     C,     1, ".attn.c_proj.weight") \
    X(ATTPROJB, attprojb, 1, C,     0,     0, ".attn.c_proj.bias") \
    X(LN2W,     ln2w,     1, C,     0,     0, ".ln_2.weight") \
    X(LN2B,     ln2b,     1, C,     0,     0, ".ln_2.bias") \
    X(FCW,      fcw,      1, 4 * C, C,     1, ".mlp.c_fc.weight") \
    X(FCB,      fcb,      1, 4 * C, 0,     0, ".mlp.c_fc.bias") \
    X(FCPROJW,  fcprojw,  1, C,     4 * C, 1, ".mlp.c_proj.weight") \
    X(FCPROJB,  fcprojb,  1, C,     0,     0, ".mlp.c_proj.bias") \
    X(LNFW,     lnfw,     0, C,     0,     0, "ln_f.weight") \
    X(LNFB,     lnfb,     0, C,     0,     0, "ln_f.bias")

#define TT__IF_0(x)
#define TT__IF_1(x) x
#define TT__IF_2(x) x
#define TT__P_ENUM(ID, f, l, r, c, d, nm) TT__P_##ID,
enum { TT__PARAM_LIST(TT__P_ENUM) TT__P_COUNT };
#undef TT__P_ENUM

/* one layer's weights (or gradients): pointers into the flat block, e.g.
 * ln1w (C), qkvw (3C, C), qkvb (3C), attprojw (C, C), fcw (4C, C),
 * fcprojw (C, 4C); shapes as in TT__PARAM_LIST */
#define TT__P_LFIELD(ID, f, l, r, c, d, nm) TT__IF_##l(float *f;)
typedef struct tt__layer_w { TT__PARAM_LIST(TT__P_LFIELD) } tt__layer_w;
#undef TT__P_LFIELD
/* the weights outside the layers: wte (Vp, C), wpe (T, C), lnfw, lnfb (C) */
#define TT__IFNOT_0(x) x
#define TT__IFNOT_1(x)
#define TT__P_GFIELD(ID, f, l, r, c, d, nm) TT__IFNOT_##l(float *f;)
typedef struct tt__model_w { TT__PARAM_LIST(TT__P_GFIELD) } tt__model_w;
#undef TT__P_GFIELD

/* Activations of the training forward/backward, in carve order.
 * X(type, field, per_layer, count): count elements (per layer when
 * per_layer) with N = max_batch * n_ctx, C, NH, Vp, B = max_batch and
 * HR (the rows of the lm head's logits chunk kept apart: min(N,
 * TT__HEAD_ROWS), or 0 when the chunk lives in dqkv..dfch, see
 * tt__model_head_rows) in scope; per-layer kinds are stacked L deep.
 * per_layer 2: per layer, unless cfg.recompute: then not kept at all (the
 * layer's forward writes it into dln or dfch, free until the backward,
 * and the backward recomputes it there just before its use). */
#define TT__ACT_MULT(lyr, L, rc) ((lyr) == 0 ? (size_t)1 : (lyr) == 2 && (rc) ? (size_t)0 : (size_t)(L))
#define TT__ACT_LIST(X) \
    X(float,   x0,          0, N * C)       /* (N, C) embeddings */ \
    X(float,   ln1,         2, N * C)       /* (N, C) LayerNorm 1 output; recompute: in dln */ \
    X(float,   ln1_mean,    1, N)           /* (N) */ \
    X(float,   ln1_rstd,    1, N)           /* (N) */ \
    X(float,   qkv,         1, N * 3 * C)   /* (N, 3C) */ \
    X(float,   atty,        2, N * C)       /* (N, C) attention output; recompute: in dfch */ \
    X(float,   att_lse,     1, N * NH)      /* (B, NH, T) softmax log-sum-exp */ \
    X(float,   res2,        1, N * C)       /* (N, C) residual after attention */ \
    X(float,   ln2,         2, N * C)       /* (N, C); recompute: in dln */ \
    X(float,   ln2_mean,    1, N)           /* (N) */ \
    X(float,   ln2_rstd,    1, N)           /* (N) */ \
    X(float,   fch,         1, N * 4 * C)   /* (N, 4C) MLP pre-activation */ \
    X(float,   fch_gelu,    2, N * 4 * C)   /* (N, 4C); recompute: in dfch */ \
    X(float,   res3,        1, N * C)       /* (N, C) residual after the MLP */ \
    X(float,   lnf,         0, N * C)       /* (N, C) final LayerNorm */ \
    X(float,   lnf_mean,    0, N)           /* (N) */ \
    X(float,   lnf_rstd,    0, N)           /* (N) */ \
    X(float,   row_lse,     0, N)           /* (N) lm head log-sum-exp */ \
    X(float,   row_loss,    0, N)           /* (N) */ \
    X(float,   head,        0, HR * Vp)     /* (HR, Vp) logits chunk (HR 0: in dqkv..dfch) */ \
    X(float,   last_logits, 0, B * Vp)      /* (B, Vp) inference logits */ \
    X(float,   dres,        0, N * C)       /* (N, C) gradient of the residual stream */ \
    X(float,   dtmp,        0, N * C)       /* (N, C) */ \
    X(float,   dln,         0, N * C)       /* (N, C) */ \
    X(float,   dqkv,        0, N * 3 * C)   /* (N, 3C) */ \
    X(float,   dfch,        0, N * 4 * C)   /* (N, 4C) */ \
    X(int32_t, targets,     0, N)           /* (N) copy of the last targets */ \
    X(int32_t, tokens,      0, N)           /* (N) copy of the last tokens */

/* one layer's activations for the block: in (N, C) is the residual stream
 * entering the layer, res3 (N, C) the one leaving it (may be the same
 * array when nothing keeps the input: the generator); the other fields as
 * in TT__ACT_LIST. ln1 and ln2 (and their mean/rstd) may share storage. */
#define TT__A_LFIELD(ty, f, l, n) TT__IF_##l(ty *f;)
typedef struct tt__layer_acts {
    const float *in;
    int recompute; /* backward: recompute fch_gelu, ln2, atty (with att_lse), ln1 before their use */
    TT__ACT_LIST(TT__A_LFIELD)
} tt__layer_acts;
#undef TT__A_LFIELD
/* the backward's scratch, reused by every layer: dres (N, C) gradient of
 * the residual stream (in: of res3; out: of in), dtmp, dln (N, C), dqkv
 * (N, 3C), dfch (N, 4C) */
typedef struct tt__block_grads { float *dres, *dtmp, *dln, *dqkv, *dfch; } tt__block_grads;

/* ---- profiling (cfg.profile): per op kind wall time, FLOPs, calls ----
 * The built-in clock is clock_gettime(CLOCK_MONOTONIC) where <time.h> has
 * it (POSIX); TT_NO_CLOCK leaves it out (then cfg.clock is required). */
#if !defined(TT_NO_CLOCK)
#  include <time.h>
#endif
#if !defined(TT_NO_CLOCK) && defined(CLOCK_MONOTONIC)
#  define TT__HAS_CLOCK 1
#else
#  define TT__HAS_CLOCK 0
#endif
typedef struct tt__prof {
    double (*now)(void *user); /* seconds, monotonic */
    void *user;
    tt_model_stats st;
} tt__prof;
/* when p: start time, else 0 (one branch when profiling is off) */
TT__PRIVATE double tt__prof_begin(tt__prof *p);
TT__PRIVATE void   tt__prof_end(tt__prof *p, int kind, double t0, double flops);

/* How the ops of the block run: through an op table (tt_backend, tt_api.h;
 * the CPU kernels are the instance of tt_backend_cpu.c), timed into prof
 * (or NULL); st keeps the first error, after which no op runs. */
typedef struct tt__bk {
    const tt_backend *be;
    tt__prof *prof;
    tt_status st;
    /* bf16 linear layers: the weights' bf16 copy wh, parallel to the flat
     * parameters from wbase (a weight w is at wh + (w - wbase)); NULL: fp32 */
    const uint16_t *wh;
    const float *wbase;
} tt__bk;
/* call the table entry `call` (e.g. gemm(ctx, &g)) unless an earlier op
 * failed, timed as op kind `kind` with `flops` when profiling */
#define TT__BK(k, kind, flops, call) do { \
        if ((k)->st == TT_OK) { \
            double tt__t0_ = tt__prof_begin((k)->prof); \
            tt_status tt__s_ = (k)->be->call; \
            if ((k)->prof) tt__prof_end((k)->prof, (kind), tt__t0_, (flops)); \
            if (tt__s_ != TT_OK) (k)->st = tt__s_; \
        } \
    } while (0)


/* attention of the block: full-sequence causal over (B, T) (kv NULL; lse
 * (B, NH, T) kept for the backward), or cached: the T new rows sit at
 * positions p0.. of one sequence (B = 1), their keys and values are
 * appended to the layer's cache kv (n_ctx, 2C) and each row attends to
 * positions [0, p0 + i]. */
typedef struct tt__attn_arg {
    float *kv;      /* cached: (n_ctx, 2C), key at [0, C), value at [C, 2C) of each row; NULL = full */
    float *scores;  /* cached, CPU op: (slots, ld_scores) scratch */
    size_t ld_scores;
    int p0, n_ctx;
} tt__attn_arg;

/* The CPU instance of the op table (tt_backend_cpu.c): ops with fewer than
 * par_macs multiply-adds run on ser (results do not depend on the pick:
 * no op splits a reduction by thread); prof times the lm head's parts (or
 * NULL); head (head_rows <= TT__HEAD_ROWS, max_Vp) is the lm head's logits
 * chunk (NULL: no lm head), pk_fwd/pk_dx wte packed for V = pk_V, C = pk_C (or NULL);
 * partials: param_stats scratch for up to max_stats floats; attention rows
 * up to max_T; alloc for the alloc/free entries. */
typedef struct tt__cpu_be {
    tt__exec par, ser;
    size_t par_macs;
    tt__prof *prof;
    float *head, *pk_fwd, *pk_dx;
    int head_rows, pk_V, pk_C, max_Vp, max_T;
    double *partials;
    size_t max_stats;
    tt_allocator alloc;
} tt__cpu_be;
/* fill be with the CPU entries over ctx (which must outlive be's use) */
TT__PRIVATE void tt__cpu_backend_init(tt_backend *be, tt__cpu_be *ctx);

/* ---- ops (tt_ops.c): an executor, plain buffers and shapes; never the
 * model. N = rows (B*T), C = channels, NH = heads, V = vocab, Vp = V
 * padded (row stride of logits). Row-major throughout; "+=" = accumulates. */
/* x (B*T, C) = wte[tokens[b*T+t]] + wpe[pos0 + t]; wte (Vp, C), wpe (n_ctx, C) */
TT__PRIVATE void tt__op_embed_fwd(const tt__exec *ex, float *x, const int32_t *tokens, const float *wte,
                                  const float *wpe, int B, int T, int pos0, int C);
/* dwte[tokens[r]] += dx[r]; dwpe[r % T] += dx[r] (rows in order; threaded over columns) */
TT__PRIVATE void tt__op_embed_bwd(const tt__exec *ex, float *dwte, float *dwpe, const float *dx,
                                  const int32_t *tokens, int B, int T, int C);
/* y (N, C) = LayerNorm(x) * w + b; mean, rstd (N) kept for the backward */
TT__PRIVATE void tt__op_layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                      const float *w, const float *b, int N, int C);
/* dx (N, C) = (or += when accumulate) d LayerNorm; dw, db (C) += */
TT__PRIVATE void tt__op_layernorm_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, const float *mean, const float *rstd, int N,
                                      int C, int accumulate);
/* y (N, OC) = x (N, IC) w^T + b [+ res (N, OC)]; gelu_out (N, OC) = gelu(y)
 * if set; w (OC, IC), b (OC): bias, residual, GELU in the GEMM epilogue */
TT__PRIVATE void tt__op_linear_fwd(const tt__exec *ex, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC);
/* dw (OC, IC) += dy^T x; db (OC) += colsum(dy); dx (N, IC) = dy w, then
 * dx *= gelu'(gelu_x) when gelu_x (N, IC) is set; dx NULL: no dx */
TT__PRIVATE void tt__op_linear_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC);
/* floats of per-thread scratch the full attention needs after the GEMM's (n_ctx = T max) */
TT__PRIVATE size_t tt__op_attention_scratch_floats(int n_ctx);
/* full causal attention: out (B, T, C), lse (B, NH, T) from qkv (B, T, 3C);
 * uses ex->scratch (tt__gemm_scratch_floats + tt__op_attention_scratch_floats(T) per slot) */
TT__PRIVATE void tt__op_attention_fwd(const tt__exec *ex, float *out, float *lse, const float *qkv, int B, int T,
                                      int C, int NH);
/* dqkv (B, T, 3C) = gradient of the above (overwritten) from dout (B, T, C) */
TT__PRIVATE void tt__op_attention_bwd(const tt__exec *ex, float *dqkv, const float *dout, const float *qkv,
                                      const float *lse, int B, int T, int C, int NH);
/* cached attention (see tt__attn_arg): out (n, C) from qkv (n, 3C) of n new
 * rows at positions p0..p0+n-1; appends their k, v to kv (n_ctx, 2C) */
TT__PRIVATE void tt__op_attention_cached(const tt__exec *ex, float *out, const float *qkv, const tt__attn_arg *a,
                                         int n, int C, int NH);
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T, wte (V, C) */
TT__PRIVATE void tt__op_logits(const tt__exec *ex, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C);
/* lm head + softmax + cross-entropy over chunks of rows (<= TT__HEAD_ROWS;
 * the (N, V) logits are never whole). mode 0: forward (row_lse, row_loss (N));
 * 1: backward from the kept row_lse; 2: both in one pass. Backward: dx
 * (N, C) = dlogits wte, dwte (Vp, C) += dlogits^T x, dlogits = (softmax -
 * onehot(targets)) * scale. head (rows, Vp) scratch; pk_fwd/pk_dx:
 * space for wte packed (or NULL: pack per chunk). The chunk size does not
 * change the bits: every row's logits, lse and dx are computed alone, and
 * dwte's GEMM continues each element's FMA chain from the stored value
 * (K = rows fits one K block: tt_gemm.c), so chunks of any size give the
 * same sequential chain over the N rows. */
typedef struct tt__head_arg {
    const float *x, *wte;     /* (N, C), (Vp, C) */
    const int32_t *targets;   /* (N) */
    float *head, *row_lse, *row_loss, *dx, *dwte;
    float *pk_fwd, *pk_dx;
    int N, V, Vp, C, mode;
    int rows;                 /* rows of head: the chunk size, 1..TT__HEAD_ROWS */
    float scale;              /* backward: grad_scale / N */
    tt__prof *prof;           /* or NULL */
} tt__head_arg;
#ifndef TT__HEAD_ROWS
#define TT__HEAD_ROWS 512 /* M at 2 threads: 512 rows 4-11 % faster than 256, 1024 no better */
#endif
TT__PRIVATE void tt__op_head(const tt__exec *ex, const tt__head_arg *h);
/* fn over [0, n) in n_threads contiguous ranges; slot = task index */
TT__PRIVATE void tt__for_range(const tt__exec *ex, int n, void (*fn)(void *, int, int, int), void *ctx);

/* ---- the transformer block, written once (tt_ops.c), over the op table ----
 * Forward of one GPT-2 layer over w (tt__layer_w) and a (tt__layer_acts)
 * for B sequences of T rows: ln1 -> qkv -> attention (full or cached, att)
 * -> proj + residual -> ln2 -> fc + GELU -> proj + residual into a->res3.
 * Errors of the table land in k->st. */
TT__PRIVATE void tt__block_fwd(tt__bk *k, const tt__layer_w *w, const tt__layer_acts *a, const tt__attn_arg *att,
                               int B, int T, int C, int NH);
/* backward of one layer (full attention): d->dres holds dL/d res3 on entry
 * and dL/d in on return; gradients added into g */
TT__PRIVATE void tt__block_bwd(tt__bk *k, const tt__layer_w *w, const tt__layer_w *g, const tt__layer_acts *a,
                               const tt__block_grads *d, int B, int T, int C, int NH);
/* single ops through the table (the model's embedding, final LayerNorm, logits) */
TT__PRIVATE void tt__bk_layernorm_fwd(tt__bk *k, float *y, float *mean, float *rstd, const float *x, const float *w,
                                      const float *b, int N, int C);
TT__PRIVATE void tt__bk_layernorm_bwd(tt__bk *k, float *dx, float *dw, float *db, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int N, int C, int accumulate);
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T over vocab rows [0, V) */
TT__PRIVATE void tt__bk_logits(tt__bk *k, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C);

/* ---- model accessors for the other model files (tt_model.c) ---- */
TT__PRIVATE const tt__exec *tt__model_exec(const tt_model *m);
TT__PRIVATE const tt_backend *tt__model_cfg_backend(const tt_model *m); /* cfg.backend (NULL: the CPU) */
TT__PRIVATE void tt__model_layer_w(const tt_model *m, int l, tt__layer_w *out);
TT__PRIVATE void tt__model_globals(const tt_model *m, tt__model_w *out);
TT__PRIVATE int  tt__model_vp(const tt_model *m);   /* vocab padded to 64 */
TT__PRIVATE const tt_tensor_info *tt__model_tensors(const tt_model *m);
/* the weight formats' narrow view of a model (tt_safetensors.c, tt_llmc.c,
 * tt_infer.c): its shape, tensor table and flat parameters */
typedef struct tt__model_shape {
    int V, Vp, C, L, NH, maxT;     /* vocab, padded vocab, channels, layers, heads, max sequence */
    size_t n_params;               /* floats in params */
    int n_tensors;
    const tt_tensor_info *tensors; /* (n_tensors) in offset order, wte first */
    float *params;                 /* (n_params): the loaders write it, nothing else of the model */
    const tt_logger *logger;       /* the model's resolved config */
    const tt_allocator *allocator;
} tt__model_shape;
TT__PRIVATE void tt__model_shape_of(const tt_model *m, tt__model_shape *out);

/* the optimizer's narrow view of a model: flat parameters, gradients and
 * AdamW moments; tensors (offset order) give the decay ranges */
typedef struct tt__param_view {
    float *params, *grads;  /* (n) */
    float *m, *v;           /* (dp->hi - dp->lo): moments of [dp->lo, dp->hi) */
    size_t n;
    const tt_tensor_info *tensors;
    int n_tensors;
    double *partials;       /* (n / TT__NORM_CHUNK + 1) * 3 doubles of scratch */
    const tt_backend *be;   /* the model's op table (param_stats, adamw) */
    const tt__exec *ex;
    tt__dp *dp;
    const tt_model_config *cfg; /* logger, comm */
    uint64_t *step;
    tt__prof *prof;         /* or NULL */
} tt__param_view;
#define TT__NORM_CHUNK 65536
TT__PRIVATE void tt__model_param_view(tt_model *m, tt__param_view *out);
/* the activations belong to old weights: no backward until a new forward */
TT__PRIVATE void tt__model_params_changed(tt_model *m);
/* new parameters loaded: no backward, logits or losses of the old ones */
TT__PRIVATE void tt__model_forget_acts(tt_model *m);
/* file helpers (tt_io.c): atomic save through save(obj, io), and fopen "rb" */
#ifndef TT_NO_STDIO
TT__PRIVATE tt_status tt__save_atomic(const char *path, tt_status (*save)(const void *obj, const tt_io *io),
                                      const void *obj);
TT__PRIVATE FILE *tt__fopen_rb(const char *path);
TT__PRIVATE size_t tt__stdio_read(void *user, void *buf, size_t n);        /* user: FILE * */
TT__PRIVATE size_t tt__stdio_write(void *user, const void *buf, size_t n);
#endif
/* the model's gradient base for the current backward (tt_comm.c redirects it) */
TT__PRIVATE void tt__model_set_grad_base(tt_model *m, float *base);
TT__PRIVATE float *tt__model_grad_base(const tt_model *m);

#endif /* TT_INTERNAL_H */
/* ==== end src/tt_internal.h ==== */
/* ==== begin src/tt_kern.h ==== */
/* >>kern  the kernel files' interface: the GEMM micro-kernel of this build
 * (shape and entry point, defined by tt_kern_w4.c, tt_kern_w8.c or
 * tt_kern_w16.c and driven by tt_gemm.c), the elementwise kernels (scalar references in
 * tt_kern_w1.c, the build-width variants in tt_kern_vec.c over the vector
 * layer tt_vec.h, chosen per call by tt_dispatch.c), and the helpers more
 * than one kernel file uses. */
#ifndef TT_KERN_H
#define TT_KERN_H
/* #include "tt_internal.h" */

/* Keep a loaded vector in a register: without it gcc 12 re-reads B from
 * memory in every FMA of the last unrolled k steps (12 loads instead of 2 per
 * k), which costs ~10 % once the panels are no longer in L1. Overridable: an
 * emulated vector type (SIMDe's __m512 on an AVX2 CPU) fits no "v" register. */
#ifndef TT__KEEP_IN_REG
#  if (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
#    define TT__KEEP_IN_REG(v) __asm__("" : "+w"(v)) /* an Advanced SIMD register */
#  elif defined(__GNUC__) || defined(__clang__)
#    define TT__KEEP_IN_REG(v) __asm__("" : "+v"(v))
#  else
#    define TT__KEEP_IN_REG(v) ((void)0)
#  endif
#endif

/* ---- GEMM micro-kernel (SIMD builds) ----
 * C[MR x NR] = (load_c ? C : 0) + sum_k a[k*MR + r] * b[k*NR + c] for
 * k = 0..kc-1, each element one chain of fused multiply-adds in increasing
 * k. a: an MR-tall packed A micro-panel; b: an NR-wide packed B
 * micro-panel, 64-byte aligned; C row-major with row stride ldc (unaligned).
 * tt__sgemm_ukernel_name says which implementation the build selected. */
#define TT__SGEMM_MR 6
#if TT_SIMD_WIDTH == 16
#  define TT__SGEMM_NR 64 /* 6 x 4 zmm accumulators (tt_kern_w16.c) */
#elif TT_SIMD_WIDTH == 8
#  define TT__SGEMM_NR 16 /* 6 x 2 ymm accumulators (tt_kern_w8.c) */
#elif TT_SIMD_WIDTH == 4
#  define TT__SGEMM_NR 16 /* 6 x 4 NEON q accumulators (tt_kern_w4.c) */
#endif
#if TT_SIMD_WIDTH > 1
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b, float *C,
                                   ptrdiff_t ldc, int load_c);
TT__PRIVATE const char *tt__sgemm_ukernel_name(void);
#endif

/* nonzero when the build's SIMD kernels are to be used for this exec
 * (TT_SIMD_WIDTH > 1 and not ex->force_scalar); tt_dispatch.c */
TT__PRIVATE int tt__use_simd(const tt__exec *ex);

/* sqrt(2/pi), the GELU tanh form's constant (tt_kern_w1.c) */
#define TT__GELU_K 0.7978845608028654f

/* ---- elementwise kernels: scalar references (tt_kern_w1.c) ----
 * The math of each is documented at its definition; the variants written
 * over the vector layer (suffix _vec, tt_kern_vec.c, compiled at the build's
 * width) take the same arguments. */
TT__PRIVATE void  tt__vec_scale_scalar(float *y, int n, float f);
TT__PRIVATE float tt__row_max_scalar(const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum_scalar(float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd_scalar(float *y, float *mean, float *rstd, const float *x, const float *w,
                                           const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx_scalar(float *dx, const float *dy, const float *x, const float *w,
                                              const float *mean, const float *rstd, int r0, int r1, int C,
                                              int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb_scalar(float *dw, float *db, const float *dy, const float *x,
                                                const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd_scalar(float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd_scalar(float *dx, const float *dy, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__adamw_scalar(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                                   float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);
TT__PRIVATE void  tt__vec_scale_vec(float *y, int n, float f);
TT__PRIVATE float tt__row_max_vec(const float *x, int n);
TT__PRIVATE float tt__exp_shift_sum_vec(float *y, const float *x, int n, float a, float s);
TT__PRIVATE void  tt__layernorm_fwd_vec(float *y, float *mean, float *rstd, const float *x, const float *w,
                                        const float *b, int r0, int r1, int C);
TT__PRIVATE void  tt__layernorm_bwd_dx_vec(float *dx, const float *dy, const float *x, const float *w,
                                           const float *mean, const float *rstd, int r0, int r1, int C,
                                           int accumulate);
TT__PRIVATE void  tt__layernorm_bwd_dwdb_vec(float *dw, float *db, const float *dy, const float *x,
                                             const float *mean, const float *rstd, int N, int C, int c0, int c1);
TT__PRIVATE void  tt__gelu_fwd_vec(float *y, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__gelu_bwd_vec(float *dx, const float *dy, const float *x, size_t i0, size_t i1);
TT__PRIVATE void  tt__adamw_vec(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                                float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt);

/* ---- the GEMM driver's pieces the bf16 driver (tt_gemm_bf16.c) shares
 * with tt_gemm.c (defined there) ---- */
typedef struct tt__gemm_job {
    const tt__exec *ex;
    int M, N, K, tm, tn;      /* block grid: tm row blocks x tn column blocks */
    int n_slots;              /* tasks dispatched (one per scratch slot); each claims blocks */
    int next;                 /* next block to claim (atomic) */
    int mstep, nstep;         /* rows / columns per task (multiples of MR / NR) */
    const float *A, *B;
    ptrdiff_t rsa, csa, rsb, csb, ldc;
    float *C;
    const float *pk;          /* B packed ahead (tt__gemm_pack_b layout), or NULL */
    const tt__gemm_epi *epi;  /* applied to each finished block of C, or NULL */
    float *rowsum_a;          /* (M): rowsum_a[i] += sum_k A(i,k), or NULL */
    int accumulate, simd;
} tt__gemm_job;
/* task grid tm x tn for T threads (sets tm, tn, mstep, nstep); its cost */
TT__PRIVATE double tt__gemm_grid(tt__gemm_job *g, int T);
/* the epilogue on rows [r0, r0+mr) x columns [c0, c0+nc) of g->C */
TT__PRIVATE void tt__gemm_epi_block(const tt__gemm_job *g, int r0, int mr, int c0, int nc);
/* rs[i] += A(i, k), rows [0, m), k increasing over [0, kb) */
TT__PRIVATE void tt__gemm_rowsum(int m, int kb, const float *A, ptrdiff_t rsa, ptrdiff_t csa, float *rs);
#if TT_SIMD_WIDTH >= 8
/* the K block of a K-deep product (every block but the last is this deep) */
TT__PRIVATE int tt__sgemm_kc(int K);
/* fp32 packers: A rows [0, mc) into MR-tall panels [k][MR] (rows past mc
 * zero, up to 8 floats of slack written past the last panel); B columns
 * [0, nc) into nr-wide panels [k][nr] (columns past nc zero, pb 32-byte aligned) */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa);
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb);
#endif

/* ---- bf16 kernels (tt_kern_bf16.c; rounding rule documented there) ----
 * TT__BGEMM_DPBF16: the bf16 GEMM runs the 6x64 vdpbf16ps micro-kernel
 * (AVX-512 build with AVX512_BF16 codegen); else its operands are widened
 * to fp32 while packing and the fp32 micro-kernel runs. The _vec
 * conversions give the bits of the _scalar ones. */
#if TT_SIMD_WIDTH == 16 && defined(__AVX512BF16__)
#  define TT__BGEMM_DPBF16 1
#else
#  define TT__BGEMM_DPBF16 0
#endif
TT__PRIVATE float tt__bf16_round(float x); /* nearest bf16, as an fp32 */
TT__PRIVATE void  tt__bf16_from_f32_scalar(uint16_t *dst, const float *src, size_t n);
TT__PRIVATE void  tt__bf16_from_f32_vec(uint16_t *dst, const float *src, size_t n);
TT__PRIVATE void  tt__bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n);
TT__PRIVATE void  tt__bf16_to_f32_vec(float *dst, const uint16_t *src, size_t n);
TT__PRIVATE void  tt__bf16_round_scalar(float *x, size_t n); /* in place */
TT__PRIVATE void  tt__bf16_round_vec(float *x, size_t n);
#if TT__BGEMM_DPBF16
/* C[6 x 64] (+)= A B over kp k-pairs of packed bf16 pairs (layout: tt_kern_bf16.c) */
TT__PRIVATE void tt__bgemm_ukernel_dp(int kp, const uint32_t *TT__RESTRICT a, const uint32_t *TT__RESTRICT b,
                                      float *C, ptrdiff_t ldc, int load_c);
#endif

#endif /* TT_KERN_H */
/* ==== end src/tt_kern.h ==== */
/* ==== begin src/tt_vec.h ==== */
/* >>vec  the vector layer: one set of float-vector operations over the
 * build's SIMD width TT__VW (1 scalar, 4 AArch64 NEON 128-bit, 8 AVX2
 * 256-bit, 16 AVX-512 512-bit), so that each elementwise kernel
 * (tt_kern_vec.c) is written once and compiled at every width.
 *
 * tt__vf is a vector of TT__VW floats, tt__vmask selects its first lanes
 * (tails). Loads and stores are unaligned. Every operation rounds each lane
 * once, as its scalar form does (fma: fused at widths 4, 8 and 16, a
 * multiply then an add at width 1), so lane results do not depend on the
 * width; only reductions (tt__v_hsum) fold in a width-dependent order, fixed
 * for each width. max and min are those of x86 maxps/minps and the scalar
 * a > b ? a : b (a NaN or two zeros give the second operand) at every width. */
#ifndef TT_VEC_H
#define TT_VEC_H
/* #include "tt_internal.h" */

#if TT_SIMD_WIDTH == 16
#  define TT__VW 16
typedef __m512 tt__vf;
typedef __mmask16 tt__vmask;
#elif TT_SIMD_WIDTH == 8
#  define TT__VW 8
typedef __m256 tt__vf;
typedef __m256i tt__vmask;
#elif TT_SIMD_WIDTH == 4
#  define TT__VW 4
typedef float32x4_t tt__vf;
typedef int tt__vmask; /* the number of leading lanes selected */
#else
#  define TT__VW 1
typedef float tt__vf;
typedef int tt__vmask;
#endif

#if TT__VW == 16
TT__PRIVATE tt__vf tt__v_load(const float *p) { return _mm512_loadu_ps(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { _mm512_storeu_ps(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return _mm512_set1_ps(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return _mm512_setzero_ps(); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return _mm512_add_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return _mm512_sub_ps(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return _mm512_mul_ps(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return _mm512_div_ps(a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fmadd_ps(a, b, c); }   /* a b + c */
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fmsub_ps(a, b, c); }   /* a b - c */
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a b */
/* ge ? a : b per lane, ge = (s >= t) */
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(s, t, _CMP_GE_OQ), b, a);
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { return (tt__vmask)((1u << r) - 1u); } /* first r lanes, 0 <= r <= 16 */
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return _mm512_maskz_loadu_ps(m, p); }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { _mm512_mask_storeu_ps(p, m, v); }
/* g++ before 13 reports a false -Wmaybe-uninitialized inside the AVX-512
 * intrinsics built on _mm512_undefined_* (GCC bug 105593) once they are
 * inlined into C++ code; there the zero-masking forms with every lane set
 * (the same instructions) are used instead. */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#  define TT__V16_ALL ((__mmask16)0xFFFF)
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm512_maskz_sqrt_ps(TT__V16_ALL, a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm512_maskz_max_ps(TT__V16_ALL, a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm512_maskz_min_ps(TT__V16_ALL, a, b); }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) {
    return _mm512_maskz_roundscale_ps(TT__V16_ALL, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    __m512i e = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(TT__V16_ALL, n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(TT__V16_ALL, e, 23));
}
TT__PRIVATE __m256 tt__v_lo(tt__vf v) { return _mm512_maskz_extractf32x8_ps((__mmask8)0xFF, v, 0); }
TT__PRIVATE __m256 tt__v_hi(tt__vf v) { return _mm512_maskz_extractf32x8_ps((__mmask8)0xFF, v, 1); }
#else
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm512_sqrt_ps(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm512_max_ps(a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm512_min_ps(a, b); }
/* round to nearest even */
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* 2^n for an integral n in [-126, 127], built in the exponent bits */
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
TT__PRIVATE __m256 tt__v_lo(tt__vf v) { return _mm512_castps512_ps256(v); }
TT__PRIVATE __m256 tt__v_hi(tt__vf v) { return _mm512_extractf32x8_ps(v, 1); }
#endif
/* for the horizontal sum and max: the two 256-bit halves first, then as at width 8 */
TT__PRIVATE __m256 tt__v_half_add(tt__vf v) { return _mm256_add_ps(tt__v_lo(v), tt__v_hi(v)); }
TT__PRIVATE __m256 tt__v_half_max(tt__vf v) { return _mm256_max_ps(tt__v_lo(v), tt__v_hi(v)); }
#elif TT__VW == 8
TT__PRIVATE tt__vf tt__v_load(const float *p) { return _mm256_loadu_ps(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { _mm256_storeu_ps(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return _mm256_set1_ps(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return _mm256_setzero_ps(); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return _mm256_add_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return _mm256_sub_ps(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return _mm256_mul_ps(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return _mm256_div_ps(a, b); }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return _mm256_sqrt_ps(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return _mm256_max_ps(a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return _mm256_min_ps(a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fmadd_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fmsub_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return _mm256_fnmadd_ps(a, b, c); }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(s, t, _CMP_GE_OQ));
}
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { /* first r lanes, 0 <= r <= 8 */
    static const int32_t tbl[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };
    return _mm256_loadu_si256((const __m256i *)(const void *)(tbl + 8 - r));
}
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return _mm256_maskload_ps(p, m); }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { _mm256_maskstore_ps(p, m, v); }
TT__PRIVATE __m256 tt__v_half_add(tt__vf v) { return v; }
TT__PRIVATE __m256 tt__v_half_max(tt__vf v) { return v; }
#elif TT__VW == 4
/* AArch64 Advanced SIMD: FMLA/FMLS are fused, FDIV and FSQRT correctly
 * rounded, FRINTN rounds to nearest even, as the x86 forms. */
TT__PRIVATE tt__vf tt__v_load(const float *p) { return vld1q_f32(p); }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { vst1q_f32(p, v); }
TT__PRIVATE tt__vf tt__v_set1(float x) { return vdupq_n_f32(x); }
TT__PRIVATE tt__vf tt__v_zero(void) { return vdupq_n_f32(0.0f); }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return vaddq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return vsubq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return vmulq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return vdivq_f32(a, b); }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return vsqrtq_f32(a); }
/* compare and select, not FMAX/FMIN (which return NaN for a NaN operand and
 * +0 for max(-0, +0)): the same lanes as maxps/minps and the scalar form */
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return vfmaq_f32(c, a, b); }
/* a b - c = -(c - a b): one rounding either way (round to nearest is symmetric) */
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return vnegq_f32(vfmsq_f32(c, a, b)); }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return vfmsq_f32(c, a, b); }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) { return vbslq_f32(vcgeq_f32(s, t), a, b); }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) { return vrndnq_f32(x); }
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23));
}
/* No masked loads in NEON: the first r lanes go through a zeroed stack
 * buffer, so a tail lane gets the value of a full vector's lane (unselected
 * lanes read as 0 and are never written, as maskload/maskstore do). */
TT__PRIVATE tt__vmask tt__v_mask(int r) { return r; } /* first r lanes, 0 <= r <= 4 */
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) {
    float t[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    int i;
    for (i = 0; i < m; i++) t[i] = p[i];
    return vld1q_f32(t);
}
TT__PRIVATE void tt__v_store_m(float *p, tt__vmask m, tt__vf v) {
    float t[4];
    int i;
    vst1q_f32(t, v);
    for (i = 0; i < m; i++) p[i] = t[i];
}
#else
TT__PRIVATE tt__vf tt__v_load(const float *p) { return *p; }
TT__PRIVATE void   tt__v_store(float *p, tt__vf v) { *p = v; }
TT__PRIVATE tt__vf tt__v_set1(float x) { return x; }
TT__PRIVATE tt__vf tt__v_zero(void) { return 0.0f; }
TT__PRIVATE tt__vf tt__v_add(tt__vf a, tt__vf b) { return a + b; }
TT__PRIVATE tt__vf tt__v_sub(tt__vf a, tt__vf b) { return a - b; }
TT__PRIVATE tt__vf tt__v_mul(tt__vf a, tt__vf b) { return a * b; }
TT__PRIVATE tt__vf tt__v_div(tt__vf a, tt__vf b) { return a / b; }
TT__PRIVATE tt__vf tt__v_sqrt(tt__vf a) { return TT_SQRTF(a); }
TT__PRIVATE tt__vf tt__v_max(tt__vf a, tt__vf b) { return a > b ? a : b; }
TT__PRIVATE tt__vf tt__v_min(tt__vf a, tt__vf b) { return a < b ? a : b; }
/* not fused at width 1 (a software fmaf would be slow): two roundings */
TT__PRIVATE tt__vf tt__v_fma(tt__vf a, tt__vf b, tt__vf c) { return a * b + c; }
TT__PRIVATE tt__vf tt__v_fms(tt__vf a, tt__vf b, tt__vf c) { return a * b - c; }
TT__PRIVATE tt__vf tt__v_fnma(tt__vf a, tt__vf b, tt__vf c) { return c - a * b; }
TT__PRIVATE tt__vf tt__v_sel_ge(tt__vf s, tt__vf t, tt__vf a, tt__vf b) { return s >= t ? a : b; }
TT__PRIVATE tt__vf tt__v_round(tt__vf x) {
    /* adding and removing 1.5 * 2^23 rounds to nearest even (|x| < 2^22) */
    float t = x + 12582912.0f;
    return t - 12582912.0f;
}
TT__PRIVATE tt__vf tt__v_pow2i(tt__vf n) {
    uint32_t u = (uint32_t)((int32_t)n + 127) << 23;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
TT__PRIVATE tt__vmask tt__v_mask(int r) { return r; }
TT__PRIVATE tt__vf tt__v_load_m(const float *p, tt__vmask m) { return m ? *p : 0.0f; }
TT__PRIVATE void   tt__v_store_m(float *p, tt__vmask m, tt__vf v) { if (m) *p = v; }
#endif

/* horizontal sum and max, folded in a fixed order (per width) */
TT__PRIVATE float tt__v_hsum(tt__vf v) {
#if TT__VW >= 8
    __m256 h = tt__v_half_add(v);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
#elif TT__VW == 4
    /* (v0 + v2) + (v1 + v3), the last two steps of the x86 fold */
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(s, 0) + vget_lane_f32(s, 1);
#else
    return v;
#endif
}
TT__PRIVATE float tt__v_hmax(tt__vf v) {
#if TT__VW >= 8
    __m256 h = tt__v_half_max(v);
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
#elif TT__VW == 4
    float32x2_t lo = vget_low_f32(v), hi = vget_high_f32(v), s = vbsl_f32(vcgt_f32(lo, hi), lo, hi);
    float s0 = vget_lane_f32(s, 0), s1 = vget_lane_f32(s, 1);
    return s0 > s1 ? s0 : s1;
#else
    return v;
#endif
}

/* exp(x) per lane: n = round(x log2 e), r = x - n ln2 (Cody-Waite, two
 * constants), exp(r) by its degree-6 Taylor polynomial on |r| <= ln2/2,
 * times 2^n built in the exponent bits. x is clamped to [-87.3, 88.7] so
 * 2^n stays a normal float: results below 1.2e-38 come out as ~1.2e-38 and
 * results above 3.4e38 as ~3.4e38. Error bound (relative, against double
 * exp over [-87, 88]): at most 4 ULP, checked by tests/unit/test_vec.c
 * (about 2 ULP measured with fused multiply-adds at widths 4, 8 and 16,
 * which give bitwise the same lanes). */
TT__PRIVATE tt__vf tt__v_exp(tt__vf x) {
    const tt__vf ln2_hi = tt__v_set1(0.693359375f), ln2_lo = tt__v_set1(-2.12194440e-4f);
    tt__vf n, r, p;
    x = tt__v_min(tt__v_max(x, tt__v_set1(-87.3f)), tt__v_set1(88.7f));
    n = tt__v_round(tt__v_mul(x, tt__v_set1(1.44269504088896341f)));
    r = tt__v_fnma(n, ln2_hi, x);
    r = tt__v_fnma(n, ln2_lo, r);
    p = tt__v_set1(1.0f / 720.0f);
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 120.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 24.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f / 6.0f));
    p = tt__v_fma(p, r, tt__v_set1(0.5f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f));
    p = tt__v_fma(p, r, tt__v_set1(1.0f));
    return tt__v_mul(p, tt__v_pow2i(n));
}

#endif /* TT_VEC_H */
/* ==== end src/tt_vec.h ==== */
/* ==== begin src/tt_kern_bf16.c ==== */
/* >>kern_bf16  bfloat16 kernels: fp32 <-> bf16 conversion (scalar
 * reference and the build-width vector versions, bitwise equal), the bf16
 * GEMM's scalar reference, and the 6x64 vdpbf16ps micro-kernel of AVX-512
 * builds that have AVX512_BF16 (driven by tt_gemm_bf16.c).
 *
 * bf16 is the top half of an fp32 (sign, 8 exponent bits, 7 fraction
 * bits); bf16 -> fp32 is exact (a 16-bit shift). fp32 -> bf16 follows the
 * pseudo-code of VCVTNE2PS2BF16 in the Intel SDM (convert_fp32_to_bfloat16),
 * so that the AVX512_BF16 instruction gives the same bits as every other
 * version:
 *   zero or denormal input -> zero of the same sign (denormals flushed);
 *   NaN -> NaN: the top 16 bits with the quiet bit (0x0040) set;
 *   otherwise round to nearest, ties to even (integer add of 0x7FFF plus
 *   the lowest kept bit); finite values past the largest bf16 round to inf,
 *   inf stays inf.
 * PyTorch's c10::BFloat16 rounds the same way but keeps denormals (and
 * gives one canonical NaN): the two differ only on denormal inputs. */
/* #include "tt_kern.h" */

TT__PRIVATE uint16_t tt__bf16_from_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7F800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);            /* zero, denormal */
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x0040u);   /* NaN, made quiet */
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);                      /* nearest even */
}
TT__PRIVATE float tt__f32_from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}
/* x rounded to the nearest bf16, as an fp32 */
TT__PRIVATE float tt__bf16_round(float x) { return tt__f32_from_bf16(tt__bf16_from_f32(x)); }

TT__PRIVATE void tt__bf16_from_f32_scalar(uint16_t *dst, const float *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) dst[i] = tt__bf16_from_f32(src[i]);
}
TT__PRIVATE void tt__bf16_to_f32_scalar(float *dst, const uint16_t *src, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) dst[i] = tt__f32_from_bf16(src[i]);
}
TT__PRIVATE void tt__bf16_round_scalar(float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) x[i] = tt__bf16_round(x[i]);
}

/* ---- vector versions (same bits as the scalar ones) ----
 * (AVX2 at widths 8 and 16, and vcvtne2ps2bf16 where AVX512_BF16 is there)
 * 8 lanes of the rounding above, as 32-bit lanes holding the bf16
 * in their low half: the integer add, then the NaN and the zero/denormal
 * lanes replaced. */
#if TT_SIMD_WIDTH >= 8
TT__PRIVATE __m256i tt__bf16_cvt8(__m256 x) {
    __m256i u = _mm256_castps_si256(x), hi = _mm256_srli_epi32(u, 16);
    __m256i r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF),
                                                     _mm256_and_si256(hi, _mm256_set1_epi32(1))));
    __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    __m256i den = _mm256_cmpeq_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
    r = _mm256_srli_epi32(r, 16);
    r = _mm256_blendv_epi8(r, _mm256_or_si256(hi, _mm256_set1_epi32(0x0040)), nan);
    return _mm256_blendv_epi8(r, _mm256_and_si256(hi, _mm256_set1_epi32(0x8000)), den);
}
#endif
/* AVX512_BF16's vector type from any 512-bit integer vector (same bits) */
#ifndef TT__AS_BH512
#  define TT__AS_BH512(v) ((__m512bh)(v))
#endif
#ifndef TT__FROM_BH512
#  define TT__FROM_BH512(v) ((__m512i)(v))
#endif

TT__PRIVATE void tt__bf16_from_f32_vec(uint16_t *dst, const float *src, size_t n) {
    size_t i = 0;
#if TT__BGEMM_DPBF16
    /* vcvtne2ps2bf16: 32 floats; the second operand gives the low 16 bf16 */
    for (; i + 32 <= n; i += 32) {
        __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512((void *)(dst + i), TT__FROM_BH512(h));
    }
#endif
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8) {
        __m256i r = tt__bf16_cvt8(_mm256_loadu_ps(src + i));
        _mm_storeu_si128((__m128i *)(void *)(dst + i),
                         _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1)));
    }
#endif
    for (; i < n; i++) dst[i] = tt__bf16_from_f32(src[i]);
}
TT__PRIVATE void tt__bf16_to_f32_vec(float *dst, const uint16_t *src, size_t n) {
    size_t i = 0;
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
    }
#endif
    for (; i < n; i++) dst[i] = tt__f32_from_bf16(src[i]);
}
/* x[i] = the nearest bf16 of x[i], as an fp32 (in place) */
TT__PRIVATE void tt__bf16_round_vec(float *x, size_t n) {
    size_t i = 0;
#if TT_SIMD_WIDTH >= 8
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_castsi256_ps(_mm256_slli_epi32(tt__bf16_cvt8(_mm256_loadu_ps(x + i)), 16)));
#endif
    for (; i < n; i++) x[i] = tt__bf16_round(x[i]);
}

/* ---- threaded conversion (e.g. the weights' bf16 copy, once per step) ---- */
typedef struct tt__bf16_cvt_job {
    uint16_t *dst;
    const float *src;
    size_t n, per;
    int simd;
} tt__bf16_cvt_job;
TT__PRIVATE void tt__bf16_cvt_task(void *arg, int t) {
    const tt__bf16_cvt_job *j = (const tt__bf16_cvt_job *)arg;
    size_t i0 = (size_t)t * j->per, i1 = i0 + j->per < j->n ? i0 + j->per : j->n;
    if (i0 >= i1) return;
    if (j->simd) tt__bf16_from_f32_vec(j->dst + i0, j->src + i0, i1 - i0);
    else tt__bf16_from_f32_scalar(j->dst + i0, j->src + i0, i1 - i0);
}
TT__PRIVATE void tt__bf16_from_f32_n(const tt__exec *ex, uint16_t *dst, const float *src, size_t n) {
    tt__bf16_cvt_job j;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (n == 0) return;
    if (n < 65536) T = 1; /* a dispatch costs more than converting this */
    j.dst = dst; j.src = src; j.n = n; j.simd = tt__use_simd(ex);
    j.per = ((n + (size_t)T - 1) / (size_t)T + 63) & ~(size_t)63;
    tt__parallel_for(ex, (int)((n + j.per - 1) / j.per), tt__bf16_cvt_task, &j);
}

/* ---- the bf16 GEMM's scalar reference ----
 * C (M,N) = [C +] bf16(A) (M,K) bf16(B) (K,N): A, and B when it is fp32
 * (Bh NULL), rounded to bf16 per element; Bh: B already in bf16 (same
 * strides). Per element the k-sum runs in increasing k from C (accumulate)
 * or 0, one fp32 add per product. The product of two bf16 values is exact
 * in fp32 (8 x 8 significant bits) unless it underflows (|product| < 2^-126)
 * or overflows, so a fused multiply-add gives the same bits as this loop. */
TT__PRIVATE void tt__gemm_bf16_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                      const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                      float *C, ptrdiff_t ldc, int accumulate) {
    int i, j, k;
    for (i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (!accumulate) for (j = 0; j < N; j++) c[j] = 0.0f;
        for (k = 0; k < K; k++) {
            float a = tt__bf16_round(A[(ptrdiff_t)i * rsa + (ptrdiff_t)k * csa]);
            ptrdiff_t o = (ptrdiff_t)k * rsb;
            if (Bh)
                for (j = 0; j < N; j++) c[j] += a * tt__f32_from_bf16(Bh[o + (ptrdiff_t)j * csb]);
            else
                for (j = 0; j < N; j++) c[j] += a * tt__bf16_round(B[o + (ptrdiff_t)j * csb]);
        }
    }
}

/* ---- 6x64 vdpbf16ps micro-kernel (AVX-512 with AVX512_BF16) ----
 * C[6 x 64] = (load_c ? C : 0) + sum over k pairs q of
 *   a(r, 2q) b(2q, c) + a(r, 2q+1) b(2q+1, c)
 * a: kp pairs x 6 rows, a[q*6 + r] = the bf16 pair (a(r,2q) low half,
 * a(r,2q+1) high half) in one uint32; b: kp x 64 pairs likewise,
 * b[q*64 + c], 64-byte aligned. One vdpbf16ps per (row, 16 columns, pair):
 * fp32 accumulation, its two products added as the Intel SDM's VDPBF16PS
 * specifies (denormal inputs and outputs flushed, round to nearest even,
 * MXCSR not consulted); the sum order within a pair is the instruction's,
 * which is why its results are held to a summation-order bound, not to the
 * reference's bits (tests/kernels/test_gemm_bf16.c). */
#if TT__BGEMM_DPBF16
TT__PRIVATE void tt__bgemm_ukernel_dp(int kp, const uint32_t *TT__RESTRICT a, const uint32_t *TT__RESTRICT b,
                                      float *C, ptrdiff_t ldc, int load_c) {
    __m512 c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    __m512 c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int q;
#define TT__LD4(r)                                                                                 \
    c##r##0 = _mm512_loadu_ps(C + r * ldc);      c##r##1 = _mm512_loadu_ps(C + r * ldc + 16);     \
    c##r##2 = _mm512_loadu_ps(C + r * ldc + 32); c##r##3 = _mm512_loadu_ps(C + r * ldc + 48)
#define TT__ST4(r)                                                                                 \
    _mm512_storeu_ps(C + r * ldc, c##r##0);      _mm512_storeu_ps(C + r * ldc + 16, c##r##1);     \
    _mm512_storeu_ps(C + r * ldc + 32, c##r##2); _mm512_storeu_ps(C + r * ldc + 48, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = _mm512_setzero_ps();
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = _mm512_setzero_ps();
    }
#define TT__DROW(r)                                                                                \
    av = TT__AS_BH512(_mm512_set1_epi32((int)a[r]));                                               \
    c##r##0 = _mm512_dpbf16_ps(c##r##0, av, b0); c##r##1 = _mm512_dpbf16_ps(c##r##1, av, b1);      \
    c##r##2 = _mm512_dpbf16_ps(c##r##2, av, b2); c##r##3 = _mm512_dpbf16_ps(c##r##3, av, b3)
    for (q = 0; q < kp; q++, a += 6, b += 64) {
        __m512bh b0 = TT__AS_BH512(_mm512_load_si512((const void *)b));
        __m512bh b1 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 16)));
        __m512bh b2 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 32)));
        __m512bh b3 = TT__AS_BH512(_mm512_load_si512((const void *)(b + 48))), av;
        TT__DROW(0); TT__DROW(1); TT__DROW(2); TT__DROW(3); TT__DROW(4); TT__DROW(5);
    }
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__DROW
#undef TT__LD4
#undef TT__ST4
}
#endif

TT__PRIVATE const char *tt__gemm_bf16_kernel_name(void) {
#if TT__BGEMM_DPBF16
    return "6x64 AVX512_BF16 vdpbf16ps";
#elif TT_SIMD_WIDTH >= 8
    return "bf16 operands widened to fp32 in packing, fp32 micro-kernel";
#else
    return "scalar reference";
#endif
}
/* ==== end src/tt_kern_bf16.c ==== */
/* ==== begin src/tt_gemm_bf16.c ==== */
/* >>gemm_bf16  the bf16 GEMM: C (+)= bf16(A) bf16(B) with fp32 products
 * and sums, for mixed precision (issue 13: GEMM inputs in bf16, fp32
 * accumulation, as PyTorch's CPU autocast does). Same interface as
 * tt__gemm_ex (strides, epilogue, rowsum_a, threads); A is rounded to bf16
 * while it is packed, B either while it is packed (fp32 B) or read from a
 * bf16 copy the caller keeps (Bh: e.g. the weights, converted once per
 * optimizer step with tt__bf16_from_f32_n).
 *
 * Blocking and threads as in tt_gemm.c (Goto & van de Geijn loops, the
 * same task grid tt__gemm_grid, kc = tt__sgemm_kc(K), epilogue per finished
 * block), each task packing its own panels in its scratch slot. Two
 * packings, chosen when the build is compiled (TT__BGEMM_DPBF16, tt_kern.h):
 *  - vdpbf16ps (AVX-512 with AVX512_BF16): panels of bf16 pairs along k
 *    (uint32 words, an odd K padded with a zero), A micro-panels [k/2][MR],
 *    B [k/2][NR]; the 6x64 kernel of tt_kern_bf16.c. Half the bytes.
 *  - otherwise: fp32 panels holding the bf16-rounded values, the build's
 *    fp32 micro-kernel (fma chain in increasing k). Products of bf16
 *    values are exact in fp32, so this gives the scalar reference's bits
 *    (tt__gemm_bf16_scalar), for any thread count: correct, not faster.
 * Packing here is plain loops (not tuned: no measurements on AVX512_BF16
 * hardware were possible). Scalar builds and ex->force_scalar run the
 * scalar reference, threaded the same way. */
/* #include "tt_kern.h" */

#if defined(__GNUC__) || defined(__clang__)
#  define TT__BGEMM_CLAIM(g, t, i) ((void)(t), (void)(i), __atomic_fetch_add(&(g)->next, 1, __ATOMIC_RELAXED))
#else
#  define TT__BGEMM_CLAIM(g, t, i) ((t) + (i) * (g)->n_slots)
#endif

typedef struct tt__bgemm_job {
    tt__gemm_job g;      /* shapes, A, C, epilogue, rowsum_a, grid; g.B is B when fp32, else NULL */
    const uint16_t *Bh;  /* B in bf16 (strides g.rsb, g.csb), or NULL */
} tt__bgemm_job;

#if TT_SIMD_WIDTH >= 8
#define TT__BGEMM_MR TT__SGEMM_MR
#define TT__BGEMM_NR TT__SGEMM_NR
#define TT__BGEMM_MC 144  /* rows of a packed A block (multiple of MR) */
#define TT__BGEMM_NC 2048 /* columns of a packed B panel at most (less if the scratch is smaller) */

/* floats of scratch one slot needs for a K-deep product with B panels of
 * nc columns: B panel, A block (+ 8 floats of the fp32 packer's slack),
 * 64-byte alignment */
TT__PRIVATE size_t tt__bgemm_need(int kc, int nc) {
    return (size_t)kc * (size_t)nc + (size_t)TT__BGEMM_MC * (size_t)kc + 16 + 16;
}

#if TT__BGEMM_DPBF16
TT__PRIVATE uint32_t tt__bgemm_bits(const float *F, const uint16_t *H, ptrdiff_t o) {
    return H ? (uint32_t)H[o] : (uint32_t)tt__bf16_from_f32(F[o]);
}
/* Pack x [0, nx) by k [0, kb) into w-wide panels of bf16 pairs: element
 * (x, k) of the source is F[x*sx + k*sk] (rounded) or H[x*sx + k*sk];
 * p[(x/w)*w*kp + q*w + x%w] = (k = 2q) | (k = 2q+1) << 16, kp = ceil(kb/2);
 * x past nx and k = kb (odd kb) are zero. A: x = row (w = MR); B: x =
 * column (w = NR). */
TT__PRIVATE void tt__bgemm_pack_pairs(int nx, int kb, int w, const float *F, const uint16_t *H, ptrdiff_t sx,
                                      ptrdiff_t sk, uint32_t *TT__RESTRICT p) {
    int kp = (kb + 1) / 2, x0, x, q;
    for (x0 = 0; x0 < nx; x0 += w) {
        uint32_t *d = p + (ptrdiff_t)x0 * kp;
        for (x = 0; x < w; x++) {
            ptrdiff_t o = (ptrdiff_t)(x0 + x) * sx;
            if (x0 + x >= nx) {
                for (q = 0; q < kp; q++) d[q * w + x] = 0;
                continue;
            }
            for (q = 0; q < kb / 2; q++)
                d[q * w + x] = tt__bgemm_bits(F, H, o + (ptrdiff_t)(2 * q) * sk) |
                               tt__bgemm_bits(F, H, o + (ptrdiff_t)(2 * q + 1) * sk) << 16;
            if (kb & 1) d[q * w + x] = tt__bgemm_bits(F, H, o + (ptrdiff_t)(kb - 1) * sk);
        }
    }
}
#else
/* Pack bf16 B k [0, kb) x columns [0, nc) into nr-wide fp32 panels (the
 * layout of tt__sgemm_pack_b), widening each value exactly. */
TT__PRIVATE void tt__bgemm_pack_b_h(int kb, int nc, int nr, const uint16_t *H, ptrdiff_t rsb, ptrdiff_t csb,
                                    float *TT__RESTRICT pb) {
    int j0, k, c;
    for (j0 = 0; j0 < nc; j0 += nr) {
        int w = nc - j0 < nr ? nc - j0 : nr;
        float *d = pb + (ptrdiff_t)j0 * kb;
        if (csb == 1) {
            for (k = 0; k < kb; k++) {
                tt__bf16_to_f32_vec(d + (ptrdiff_t)k * nr, H + (ptrdiff_t)k * rsb + j0, (size_t)w);
                for (c = w; c < nr; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
            }
        } else {
            for (c = 0; c < nr; c++) {
                const uint16_t *s = H + (ptrdiff_t)(j0 + c) * csb;
                if (c < w) for (k = 0; k < kb; k++) d[(ptrdiff_t)k * nr + c] = tt__f32_from_bf16(s[(ptrdiff_t)k * rsb]);
                else for (k = 0; k < kb; k++) d[(ptrdiff_t)k * nr + c] = 0.0f;
            }
        }
    }
}
#endif

/* C[m0:m1, n0:n1] (+)= bf16(A) bf16(B) with the slot's scratch ws (ws_floats) */
TT__PRIVATE void tt__bgemm_range(const tt__bgemm_job *j, int m0, int m1, int n0, int n1, float *ws,
                                 size_t ws_floats) {
    const tt__gemm_job *g = &j->g;
    float *pb = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63), *pa;
    int K = g->K, kc = tt__sgemm_kc(K), ncmax, jc, pc, ic, jr, ir, r, c;
    float tile[TT__BGEMM_MR * TT__BGEMM_NR];
    /* the widest B panel the slot holds next to the A block (>= NR: checked by the caller) */
    size_t cols = (ws_floats - tt__bgemm_need(kc, 0)) / (size_t)kc;
    ncmax = cols >= TT__BGEMM_NC ? TT__BGEMM_NC : (int)(cols / TT__BGEMM_NR * TT__BGEMM_NR);
    pa = pb + (size_t)ncmax * kc;
    for (jc = n0; jc < n1; jc += ncmax) {
        int nc = n1 - jc < ncmax ? n1 - jc : ncmax;
        for (pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc, kp = (kb + 1) / 2;
            int load_c = g->accumulate || pc > 0;
            ptrdiff_t boff = (ptrdiff_t)pc * g->rsb + (ptrdiff_t)jc * g->csb;
#if TT__BGEMM_DPBF16
            tt__bgemm_pack_pairs(nc, kb, TT__BGEMM_NR, g->B ? g->B + boff : NULL, j->Bh ? j->Bh + boff : NULL, g->csb,
                                 g->rsb, (uint32_t *)(void *)pb);
#else
            if (j->Bh) {
                tt__bgemm_pack_b_h(kb, nc, TT__BGEMM_NR, j->Bh + boff, g->rsb, g->csb, pb);
            } else {
                tt__sgemm_pack_b(kb, nc, TT__BGEMM_NR, g->B + boff, g->rsb, g->csb, pb);
                tt__bf16_round_vec(pb, (size_t)((nc + TT__BGEMM_NR - 1) / TT__BGEMM_NR * TT__BGEMM_NR) * (size_t)kb);
            }
            (void)kp;
#endif
            for (ic = m0; ic < m1; ic += TT__BGEMM_MC) {
                int mc = m1 - ic < TT__BGEMM_MC ? m1 - ic : TT__BGEMM_MC;
                const float *ablk = g->A + (ptrdiff_t)ic * g->rsa + (ptrdiff_t)pc * g->csa;
                if (g->rowsum_a && n0 == 0 && jc == 0) tt__gemm_rowsum(mc, kb, ablk, g->rsa, g->csa, g->rowsum_a + ic);
#if TT__BGEMM_DPBF16
                tt__bgemm_pack_pairs(mc, kb, TT__BGEMM_MR, ablk, NULL, g->rsa, g->csa, (uint32_t *)(void *)pa);
#else
                tt__sgemm_pack_a(mc, kb, ablk, g->rsa, g->csa, pa);
                tt__bf16_round_vec(pa, (size_t)((mc + TT__BGEMM_MR - 1) / TT__BGEMM_MR * TT__BGEMM_MR) * (size_t)kb);
#endif
                for (jr = 0; jr < nc; jr += TT__BGEMM_NR) {
                    int nr = nc - jr < TT__BGEMM_NR ? nc - jr : TT__BGEMM_NR;
                    for (ir = 0; ir < mc; ir += TT__BGEMM_MR) {
                        int mr = mc - ir < TT__BGEMM_MR ? mc - ir : TT__BGEMM_MR;
                        float *cp = g->C + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr, *cd = cp;
                        ptrdiff_t ldd = g->ldc;
                        int edge = mr < TT__BGEMM_MR || nr < TT__BGEMM_NR;
                        if (edge) {
                            /* edge tile: the same kernel on a local tile */
                            cd = tile;
                            ldd = TT__BGEMM_NR;
                            if (load_c)
                                for (r = 0; r < mr; r++)
                                    for (c = 0; c < nr; c++) tile[r * TT__BGEMM_NR + c] = cp[(ptrdiff_t)r * g->ldc + c];
                        }
#if TT__BGEMM_DPBF16
                        tt__bgemm_ukernel_dp(kp, (const uint32_t *)(const void *)pa + (ptrdiff_t)ir * kp,
                                             (const uint32_t *)(const void *)pb + (ptrdiff_t)jr * kp, cd, ldd, load_c);
#else
                        tt__sgemm_ukernel(kb, pa + (ptrdiff_t)ir * kb, pb + (ptrdiff_t)jr * kb, cd, ldd, load_c);
#endif
                        if (edge)
                            for (r = 0; r < mr; r++)
                                for (c = 0; c < nr; c++) cp[(ptrdiff_t)r * g->ldc + c] = tile[r * TT__BGEMM_NR + c];
                    }
                }
                if (g->epi && pc + kb == K) tt__gemm_epi_block(g, ic, mc, jc, nc);
            }
        }
    }
}
#endif /* TT_SIMD_WIDTH >= 8 */

TT__PRIVATE void tt__bgemm_block(const tt__bgemm_job *j, int b, int slot) {
    const tt__gemm_job *g = &j->g;
    int m0 = (b / g->tn) * g->mstep, n0 = (b % g->tn) * g->nstep;
    int m1 = m0 + g->mstep < g->M ? m0 + g->mstep : g->M;
    int n1 = n0 + g->nstep < g->N ? n0 + g->nstep : g->N;
    ptrdiff_t boff = (ptrdiff_t)n0 * g->csb;
    if (m0 >= m1 || n0 >= n1) return;
#if TT_SIMD_WIDTH >= 8
    if (g->simd) {
        tt__bgemm_range(j, m0, m1, n0, n1, g->ex->scratch + (size_t)slot * g->ex->scratch_floats,
                        g->ex->scratch_floats);
        return;
    }
#else
    (void)slot;
#endif
    tt__gemm_bf16_scalar(m1 - m0, n1 - n0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa,
                         g->B ? g->B + boff : NULL, j->Bh ? j->Bh + boff : NULL, g->rsb, g->csb,
                         g->C + (ptrdiff_t)m0 * g->ldc + n0, g->ldc, g->accumulate);
    if (g->rowsum_a && n0 == 0) tt__gemm_rowsum(m1 - m0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa, g->rowsum_a + m0);
    if (g->epi) tt__gemm_epi_block(g, m0, m1 - m0, n0, n1 - n0);
}
TT__PRIVATE void tt__bgemm_task(void *arg, int t) {
    tt__bgemm_job *j = (tt__bgemm_job *)arg;
    int nb = j->g.tm * j->g.tn, i, b;
    for (i = 0; (b = TT__BGEMM_CLAIM(&j->g, t, i)) < nb; i++) tt__bgemm_block(j, b, t);
}

TT__PRIVATE void tt__gemm_bf16_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                                  ptrdiff_t csa, const float *B, const uint16_t *Bh, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi,
                                  float *rowsum_a) {
    tt__bgemm_job j;
    tt__gemm_job *g = &j.g;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (M <= 0 || N <= 0) return;
    memset(&j, 0, sizeof j);
    g->ex = ex; g->M = M; g->N = N; g->K = K; g->A = A; g->B = Bh ? NULL : B; g->rsa = rsa; g->csa = csa;
    g->rsb = rsb; g->csb = csb; g->C = C; g->ldc = ldc; g->accumulate = accumulate;
    g->pk = NULL;
    g->epi = epi && (epi->bias || epi->res || epi->gelu_out || epi->gelu_bwd_x) ? epi : NULL;
    g->rowsum_a = rowsum_a;
    j.Bh = Bh;
    g->simd = 0;
#if TT_SIMD_WIDTH >= 8
    g->simd = ex && !ex->force_scalar && ex->scratch && K > 0 &&
              ex->scratch_floats >= tt__bgemm_need(tt__sgemm_kc(K), TT__BGEMM_NR);
#endif
    if (K <= 0) {
        int i, c;
        if (!accumulate)
            for (i = 0; i < M; i++)
                for (c = 0; c < N; c++) C[(ptrdiff_t)i * ldc + c] = 0.0f;
        if (g->epi) tt__gemm_epi_block(g, 0, M, 0, N);
        return;
    }
    tt__gemm_grid(g, T);
    g->next = 0;
    g->n_slots = g->tm * g->tn < T ? g->tm * g->tn : T;
    tt__parallel_for(ex, g->n_slots, tt__bgemm_task, &j);
}
/* ==== end src/tt_gemm_bf16.c ==== */
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

/* tt__fopen_rb: fopen(path, "rb"), refusing what opens but cannot be read
 * (on POSIX a directory opens and then every read fails). NULL on failure. */
TT__PRIVATE FILE *tt__fopen_rb(const char *path) {
    FILE *f;
    int c;
    if (!path) return NULL;
    f = fopen(path, "rb");
    if (!f) return NULL;
    c = getc(f);
    if ((c == EOF && ferror(f)) || (c != EOF && ungetc(c, f) == EOF)) {
        fclose(f);
        return NULL;
    }
    return f;
}

/* tt__load_path: open path for reading and call load(obj, io). */
typedef tt_status (*tt__load_fn)(void *obj, const tt_io *io);
TT__PRIVATE tt_status tt__load_path(const char *path, tt__load_fn load, void *obj) {
    FILE *f;
    tt_io io;
    tt_status st;
    if (!path) return TT_ERR_INVALID_ARG;
    f = tt__fopen_rb(path);
    if (!f) return TT_ERR_IO;
    io.read = tt__stdio_read; io.write = NULL; io.user = f;
    st = load(obj, &io);
    fclose(f);
    return st;
}
#endif
/* ==== end src/tt_io.c ==== */
/* ==== begin src/tt_hashheap.c ==== */
/* >>hashheap  byte-string hash, open-addressing hash probe and binary heap
 * over caller memory (declared in tt_internal.h) */
/* #include "tt_internal.h" */

/* multiply-xorshift over 8-byte words */
TT__PRIVATE uint64_t tt__hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull), v;
    while (n >= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n) {
        v = 0;
        memcpy(&v, p, n);
        h = (h ^ v) * 0x94d049bb133111ebull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* ---- hash probe ---- */

TT__PRIVATE void tt__hash_clear(tt__htab *t) { memset(t->slot, 0xFF, (t->mask + 1) * sizeof(tt__hslot)); }

TT__PRIVATE void tt__hash_begin(const tt__htab *t, uint64_t h, tt__hprobe *pr) {
    pr->k = (size_t)h & t->mask;
    pr->tag = (uint32_t)(h >> 32);
}

TT__PRIVATE uint32_t tt__hash_probe(const tt__htab *t, tt__hprobe *pr) {
    for (;;) {
        tt__hslot s = t->slot[pr->k];
        if (s.item == TT__HASH_EMPTY) return TT__HASH_EMPTY; /* pr->k stays on the free slot */
        pr->k = (pr->k + 1) & t->mask;
        if (s.tag == pr->tag) return s.item;
    }
}

TT__PRIVATE void tt__hash_put(tt__htab *t, const tt__hprobe *pr, uint32_t item) {
    t->slot[pr->k].tag = pr->tag;
    t->slot[pr->k].item = item;
}

TT__PRIVATE void tt__hash_insert(tt__htab *t, uint64_t h, uint32_t item) {
    tt__hprobe pr;
    tt__hash_begin(t, h, &pr);
    while (t->slot[pr.k].item != TT__HASH_EMPTY) pr.k = (pr.k + 1) & t->mask;
    tt__hash_put(t, &pr, item);
}

/* ---- binary heap (the moving element is held aside, parents/children
 * move into the hole) ---- */

/* one element: fixed-size copies for the sizes in use (no library call) */
TT__PRIVATE inline void tt__heap_copy(unsigned char *d, const void *s, size_t es) {
    if (es == 8) memcpy(d, s, 8);
    else if (es == 16) memcpy(d, s, 16);
    else if (es == 4) memcpy(d, s, 4);
    else memcpy(d, s, es);
}

TT__PRIVATE inline void tt__heap_push(tt__heap *h, const void *x, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base;
    size_t i = h->n++, es = h->elem;
    while (i > 0) {
        size_t par = (i - 1) / 2;
        if (!before(ctx, x, b + par * es)) break;
        tt__heap_copy(b + i * es, b + par * es, es);
        i = par;
    }
    tt__heap_copy(b + i * es, x, es);
}

TT__PRIVATE inline void tt__heap_sift_down(tt__heap *h, size_t i, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base, x[TT__HEAP_MAX_ELEM];
    size_t n = h->n, es = h->elem;
    tt__heap_copy(x, b + i * es, es);
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(ctx, b + (c + 1) * es, b + c * es)) c++;
        if (!before(ctx, b + c * es, x)) break;
        tt__heap_copy(b + i * es, b + c * es, es);
        i = c;
    }
    tt__heap_copy(b + i * es, x, es);
}

TT__PRIVATE inline void tt__heap_pop(tt__heap *h, void *out, tt__heap_before before, const void *ctx) {
    unsigned char *b = (unsigned char *)h->base, last[TT__HEAP_MAX_ELEM];
    size_t es = h->elem;
    tt__heap_copy(last, b + --h->n * es, es);
    if ((unsigned char *)out != b) tt__heap_copy((unsigned char *)out, b, es); /* out may be the old last slot: saved above */
    if (h->n) {
        tt__heap_copy(b, last, es);
        tt__heap_sift_down(h, 0, before, ctx);
    }
}
/* ==== end src/tt_hashheap.c ==== */
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
/* n_threads-1 persistent workers plus the calling thread.
 * A dispatch publishes (task, arg, n) and bumps a generation counter; tasks
 * are claimed from a shared atomic counter, so which thread runs a task never
 * changes its result (tasks of one dispatch have disjoint outputs). Workers
 * spin briefly on the generation (a training step dispatches many short
 * phases), then sleep on a condition variable; the caller wakes sleepers
 * only when there are any. With GCC/Clang atomics; other compilers take the
 * mutex for every access. */
#if defined(__GNUC__) || defined(__clang__)
#  define TT__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define TT__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#  define TT__ATOMIC_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#  if defined(__x86_64__) || defined(__i386__)
#    define TT__PAUSE() __builtin_ia32_pause()
#  else
#    define TT__PAUSE() ((void)0)
#  endif
#  define TT__POOL_SPIN 20000
#else
#  define TT__POOL_SPIN 0
#endif

struct tt__pool {
    pthread_mutex_t mu;
    pthread_cond_t  wake;
    void (*task)(void *arg, int i);
    void *arg;
    int n_tasks;
    int next;            /* next task to claim */
    int n_done;          /* workers finished with the current generation */
    unsigned generation;
    int sleepers;        /* workers waiting on the condition variable (under mu) */
    int stop;
    int n_workers;
    int n_started;
    pthread_t threads[1]; /* n_workers entries */
};

TT__PRIVATE size_t tt__pool_size(int n_threads) {
    int nw = n_threads > 1 ? n_threads - 1 : 1;
    return sizeof(struct tt__pool) + (size_t)nw * sizeof(pthread_t);
}

#if TT__POOL_SPIN
TT__PRIVATE int tt__pool_claim(struct tt__pool *p) { return TT__ATOMIC_ADD(&p->next, 1); }
TT__PRIVATE unsigned tt__pool_gen(struct tt__pool *p) { return TT__ATOMIC_LOAD(&p->generation); }
TT__PRIVATE void tt__pool_done(struct tt__pool *p) { (void)TT__ATOMIC_ADD(&p->n_done, 1); }
TT__PRIVATE int tt__pool_ndone(struct tt__pool *p) { return TT__ATOMIC_LOAD(&p->n_done); }
#else
TT__PRIVATE int tt__pool_claim(struct tt__pool *p) { int i; pthread_mutex_lock(&p->mu); i = p->next++; pthread_mutex_unlock(&p->mu); return i; }
TT__PRIVATE unsigned tt__pool_gen(struct tt__pool *p) { unsigned g; pthread_mutex_lock(&p->mu); g = p->generation; pthread_mutex_unlock(&p->mu); return g; }
TT__PRIVATE void tt__pool_done(struct tt__pool *p) { pthread_mutex_lock(&p->mu); p->n_done++; pthread_mutex_unlock(&p->mu); }
TT__PRIVATE int tt__pool_ndone(struct tt__pool *p) { int n; pthread_mutex_lock(&p->mu); n = p->n_done; pthread_mutex_unlock(&p->mu); return n; }
#endif

TT__PRIVATE void tt__pool_run(struct tt__pool *p) {
    int n = p->n_tasks, i;
    while ((i = tt__pool_claim(p)) < n) p->task(p->arg, i);
}

TT__PRIVATE void *tt__pool_worker(void *arg) {
    struct tt__pool *p = (struct tt__pool *)arg;
    unsigned seen = 0;
    for (;;) {
        int spin;
        for (spin = 0; spin < TT__POOL_SPIN && tt__pool_gen(p) == seen; spin++) {
#if TT__POOL_SPIN
            TT__PAUSE();
#endif
        }
        pthread_mutex_lock(&p->mu);
        if (p->generation == seen && !p->stop) {
            p->sleepers++;
            while (p->generation == seen && !p->stop) pthread_cond_wait(&p->wake, &p->mu);
            p->sleepers--;
        }
        if (p->stop) { pthread_mutex_unlock(&p->mu); break; }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        tt__pool_run(p);
        tt__pool_done(p);
    }
    return NULL;
}

TT__PRIVATE tt_status tt__pool_start(tt__pool *p, int n_threads) {
    int i;
    memset(p, 0, sizeof(*p));
    if (pthread_mutex_init(&p->mu, NULL) != 0) return TT_ERR_OUT_OF_MEMORY;
    if (pthread_cond_init(&p->wake, NULL) != 0) { pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY; }
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
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
}

TT__PRIVATE void tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    struct tt__pool *p = (struct tt__pool *)pool;
    int spin = 0;
    /* publish the job, then the generation (release) */
    pthread_mutex_lock(&p->mu);
    p->task = task;
    p->arg = arg;
    p->n_tasks = n;
    p->next = 0;
    p->n_done = 0;
#if TT__POOL_SPIN
    TT__ATOMIC_STORE(&p->generation, p->generation + 1);
#else
    p->generation++;
#endif
    if (p->sleepers > 0) pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    tt__pool_run(p);
    /* wait for every started worker to leave this generation */
    while (tt__pool_ndone(p) < p->n_started) {
        if (++spin > 1000) sched_yield();
#if TT__POOL_SPIN
        else TT__PAUSE();
#endif
    }
}
#endif /* TT__HAS_THREADS */
/* ==== end src/tt_threads.c ==== */
/* ==== begin src/tt_kern_w1.c ==== */
/* >>kern_w1  scalar reference kernels: always compiled, the ground truth every
 * SIMD variant is tested against. Plain loops, fixed summation order. */
/* #include "tt_kern.h" */

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

/* ---- row helpers for softmax (attention, lm head) ---- */
/* max of x[0..n) (n >= 1) */
/* y[i] *= f for i in [0, n) */
TT__PRIVATE void tt__vec_scale_scalar(float *y, int n, float f) {
    int i;
    for (i = 0; i < n; i++) y[i] *= f;
}
TT__PRIVATE float tt__row_max_scalar(const float *x, int n) {
    float m = x[0];
    int i;
    for (i = 1; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}
/* y[i] = exp(a * x[i] - s) (y may alias x); returns the sum of the y[i] */
TT__PRIVATE float tt__exp_shift_sum_scalar(float *y, const float *x, int n, float a, float s) {
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) { y[i] = TT_EXPF(a * x[i] - s); sum += y[i]; }
    return sum;
}
/* ==== end src/tt_kern_w1.c ==== */
/* ==== begin src/tt_kern_vec.c ==== */
/* >>kern_vec  elementwise kernels, written once over the vector layer
 * (tt_vec.h) and compiled at the build's width TT__VW: same arguments and
 * math as the _scalar references in tt_kern_w1.c. SIMD builds run them
 * (tt_dispatch.c); a scalar build (TT__VW 1) runs the references, and these
 * are compiled for tests/unit/test_vec.c.
 * Reductions run in TT__VW lanes folded in a fixed order, so results depend
 * on the width but never on the thread count; elementwise results are the
 * same at widths 4, 8 and 16. Tails of a reduction use the scalar formulas;
 * elementwise tails run the vector instructions on masked lanes, so an
 * element's value never depends on where a thread's range starts or ends. */
/* #include "tt_kern.h" */
/* #include "tt_vec.h" */

TT__PRIVATE void tt__vec_scale_vec(float *y, int n, float f) {
    tt__vf vf = tt__v_set1(f);
    int i = 0;
    for (; i + TT__VW <= n; i += TT__VW) tt__v_store(y + i, tt__v_mul(tt__v_load(y + i), vf));
    for (; i < n; i++) y[i] *= f;
}

TT__PRIVATE float tt__row_max_vec(const float *x, int n) {
    int i = 0;
    float m;
    tt__vf v;
    if (n < TT__VW) return tt__row_max_scalar(x, n);
    v = tt__v_load(x);
    for (i = TT__VW; i + TT__VW <= n; i += TT__VW) v = tt__v_max(v, tt__v_load(x + i));
    m = tt__v_hmax(v);
    for (; i < n; i++) if (x[i] > m) m = x[i];
    return m;
}

TT__PRIVATE float tt__exp_shift_sum_vec(float *y, const float *x, int n, float a, float s) {
    tt__vf va = tt__v_set1(a), vs = tt__v_set1(s), acc = tt__v_zero();
    float sum;
    int i = 0;
    for (; i + TT__VW <= n; i += TT__VW) {
        tt__vf e = tt__v_exp(tt__v_fms(va, tt__v_load(x + i), vs));
        tt__v_store(y + i, e);
        acc = tt__v_add(acc, e);
    }
    sum = tt__v_hsum(acc);
    for (; i < n; i++) { y[i] = TT_EXPF(a * x[i] - s); sum += y[i]; }
    return sum;
}

TT__PRIVATE void tt__layernorm_fwd_vec(float *y, float *mean, float *rstd, const float *x, const float *w,
                                       const float *b, int r0, int r1, int C) {
    int r, i;
    if (C % TT__VW != 0) { tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, r0, r1, C); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C;
        float *yr = y + (size_t)r * C;
        tt__vf acc = tt__v_zero(), vm, vs;
        float m, v, s;
        for (i = 0; i < C; i += TT__VW) acc = tt__v_add(acc, tt__v_load(xr + i));
        m = tt__v_hsum(acc) / (float)C;
        vm = tt__v_set1(m);
        acc = tt__v_zero();
        for (i = 0; i < C; i += TT__VW) {
            tt__vf d = tt__v_sub(tt__v_load(xr + i), vm);
            acc = tt__v_fma(d, d, acc);
        }
        v = tt__v_hsum(acc) / (float)C;
        s = 1.0f / TT_SQRTF(v + 1e-5f);
        vs = tt__v_set1(s);
        for (i = 0; i < C; i += TT__VW) {
            tt__vf d = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            tt__v_store(yr + i, tt__v_fma(d, tt__v_load(w + i), tt__v_load(b + i)));
        }
        mean[r] = m;
        rstd[r] = s;
    }
}

TT__PRIVATE void tt__layernorm_bwd_dx_vec(float *dx, const float *dy, const float *x, const float *w,
                                          const float *mean, const float *rstd, int r0, int r1, int C,
                                          int accumulate) {
    int r, i;
    if (C % TT__VW != 0) { tt__layernorm_bwd_dx_scalar(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate); return; }
    for (r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        float *dxr = dx + (size_t)r * C;
        tt__vf vm = tt__v_set1(mean[r]), vs = tt__v_set1(rstd[r]);
        tt__vf ag = tt__v_zero(), agx = tt__v_zero(), vg, vgx;
        for (i = 0; i < C; i += TT__VW) {
            tt__vf g = tt__v_mul(tt__v_load(dyr + i), tt__v_load(w + i));
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            ag = tt__v_add(ag, g);
            agx = tt__v_fma(g, xh, agx);
        }
        vg = tt__v_set1(tt__v_hsum(ag) / (float)C);
        vgx = tt__v_set1(tt__v_hsum(agx) / (float)C);
        for (i = 0; i < C; i += TT__VW) {
            tt__vf g = tt__v_mul(tt__v_load(dyr + i), tt__v_load(w + i));
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + i), vm), vs);
            tt__vf d = tt__v_mul(vs, tt__v_fnma(xh, vgx, tt__v_sub(g, vg)));
            if (accumulate) d = tt__v_add(d, tt__v_load(dxr + i));
            tt__v_store(dxr + i, d);
        }
    }
}

TT__PRIVATE void tt__layernorm_bwd_dwdb_vec(float *dw, float *db, const float *dy, const float *x,
                                            const float *mean, const float *rstd, int N, int C, int c0, int c1) {
    int r, c;
    tt__vmask tm = tt__v_mask((c1 - c0) % TT__VW);
    int cend = c0 + (c1 - c0) / TT__VW * TT__VW;
    for (r = 0; r < N; r++) {
        const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
        tt__vf vm = tt__v_set1(mean[r]), vs = tt__v_set1(rstd[r]);
        for (c = c0; c < cend; c += TT__VW) {
            tt__vf d = tt__v_load(dyr + c);
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load(xr + c), vm), vs);
            tt__v_store(dw + c, tt__v_add(tt__v_load(dw + c), tt__v_mul(d, xh)));
            tt__v_store(db + c, tt__v_add(tt__v_load(db + c), d));
        }
        if (cend < c1) {
            tt__vf d = tt__v_load_m(dyr + c, tm);
            tt__vf xh = tt__v_mul(tt__v_sub(tt__v_load_m(xr + c, tm), vm), vs);
            tt__v_store_m(dw + c, tm, tt__v_add(tt__v_load_m(dw + c, tm), tt__v_mul(d, xh)));
            tt__v_store_m(db + c, tm, tt__v_add(tt__v_load_m(db + c, tm), d));
        }
    }
}

/* GELU as x * sigmoid(2u) (0.5 (1 + tanh u) = sigmoid(2u); see tt_kern_w1.c), vector exp */
TT__PRIVATE void tt__gelu_fwd_vec(float *y, const float *x, size_t i0, size_t i1) {
    const tt__vf k = tt__v_set1(-2.0f * TT__GELU_K), c = tt__v_set1(0.044715f), one = tt__v_set1(1.0f);
    size_t i = i0;
    for (; i < i1; i += TT__VW) {
        int full = i + TT__VW <= i1;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(i1 - i));
        tt__vf v = full ? tt__v_load(x + i) : tt__v_load_m(x + i, tm);
        tt__vf u = tt__v_mul(k, tt__v_fma(tt__v_mul(c, v), tt__v_mul(v, v), v));
        tt__vf o = tt__v_div(v, tt__v_add(one, tt__v_exp(u)));
        if (full) tt__v_store(y + i, o); else tt__v_store_m(y + i, tm, o);
    }
}

TT__PRIVATE void tt__gelu_bwd_vec(float *dx, const float *dy, const float *x, size_t i0, size_t i1) {
    const tt__vf k = tt__v_set1(TT__GELU_K), c = tt__v_set1(0.044715f), c3 = tt__v_set1(3.0f * 0.044715f);
    const tt__vf one = tt__v_set1(1.0f), two = tt__v_set1(2.0f), half = tt__v_set1(0.5f);
    size_t i = i0;
    for (; i < i1; i += TT__VW) {
        int full = i + TT__VW <= i1;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(i1 - i));
        tt__vf v = full ? tt__v_load(x + i) : tt__v_load_m(x + i, tm), v2 = tt__v_mul(v, v);
        tt__vf vdy = full ? tt__v_load(dy + i) : tt__v_load_m(dy + i, tm), o;
        tt__vf u = tt__v_mul(k, tt__v_fma(tt__v_mul(c, v), v2, v));
        tt__vf du = tt__v_mul(k, tt__v_fma(c3, v2, one));
        tt__vf e = tt__v_exp(tt__v_mul(tt__v_set1(-2.0f), u));
        tt__vf s = tt__v_div(one, tt__v_add(one, e));
        /* 1 - s without cancellation: e*s where s >= 0.5, 1 - s elsewhere */
        tt__vf oms = tt__v_sel_ge(s, half, tt__v_mul(e, s), tt__v_sub(one, s));
        tt__vf g = tt__v_fma(tt__v_mul(two, v), tt__v_mul(tt__v_mul(s, oms), du), s);
        o = tt__v_mul(vdy, g);
        if (full) tt__v_store(dx + i, o); else tt__v_store_m(dx + i, tm, o);
    }
}

TT__PRIVATE void tt__adamw_vec(float *p, float *m, float *v, const float *g, size_t n, float lr, float b1,
                               float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt) {
    const tt__vf vgs = tt__v_set1(gscale), vdec = tt__v_set1(lr * wd), vb1 = tt__v_set1(b1),
                 vb2 = tt__v_set1(b2), v1b1 = tt__v_set1(1.0f - b1), v1b2 = tt__v_set1(1.0f - b2),
                 vstep = tt__v_set1(lr / bc1), vbc2 = tt__v_set1(bc2_sqrt), veps = tt__v_set1(eps);
    size_t i = 0;
    for (; i < n; i += TT__VW) {
        int full = i + TT__VW <= n;
        tt__vmask tm = tt__v_mask(full ? TT__VW : (int)(n - i));
        tt__vf gi = tt__v_mul(full ? tt__v_load(g + i) : tt__v_load_m(g + i, tm), vgs);
        tt__vf pi = full ? tt__v_load(p + i) : tt__v_load_m(p + i, tm);
        tt__vf mi = tt__v_add(tt__v_mul(vb1, full ? tt__v_load(m + i) : tt__v_load_m(m + i, tm)), tt__v_mul(v1b1, gi));
        tt__vf vi = tt__v_add(tt__v_mul(vb2, full ? tt__v_load(v + i) : tt__v_load_m(v + i, tm)),
                              tt__v_mul(tt__v_mul(v1b2, gi), gi));
        tt__vf den = tt__v_add(tt__v_div(tt__v_sqrt(vi), vbc2), veps);
        pi = tt__v_sub(pi, tt__v_mul(vdec, pi));
        pi = tt__v_sub(pi, tt__v_div(tt__v_mul(vstep, mi), den));
        if (full) {
            tt__v_store(m + i, mi); tt__v_store(v + i, vi); tt__v_store(p + i, pi);
        } else {
            tt__v_store_m(m + i, tm, mi); tt__v_store_m(v + i, tm, vi); tt__v_store_m(p + i, tm, pi);
        }
    }
}
/* ==== end src/tt_kern_vec.c ==== */
/* ==== begin src/tt_kern_w4.c ==== */
/* >>kern_w4  AArch64 Advanced SIMD (NEON, 128-bit): the 6x16 SGEMM
 * micro-kernel of the TT_SIMD_WIDTH 4 build, driven by tt_gemm.c. (The
 * elementwise kernels are written once for every width: tt_kern_vec.c.)
 *
 * Shape: 6 rows x 4 q registers of 4 columns = 24 accumulators, plus 4 for
 * the B row and 2 for the A column: 30 of the 32 vector registers. Per k,
 * 24 FMLA (by element: vfmaq_laneq_f32 multiplies a B vector by one lane of
 * the A vector, no broadcasts) for 4 loads of B and 2 of A. It is the AVX2
 * kernel's tile (MR 6, NR 16), so the driver packs the same panels and every
 * C element is the same chain of fused multiply-adds in increasing k: the
 * width-4 GEMM gives bitwise the width-8 and width-16 results. (BLIS uses 8x12 on ARMv8;
 * 6x16 keeps one packing layout for the three SIMD widths.) */
/* #include "tt_kern.h" */

#if TT_SIMD_WIDTH == 4

/* C[6 x 16] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*16 + c], fma in
 * increasing k (the contract in tt_kern.h). */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    float32x4_t c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    float32x4_t c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int k;
#define TT__LD4(r)                                                                                 \
    c##r##0 = vld1q_f32(C + r * ldc);     c##r##1 = vld1q_f32(C + r * ldc + 4);                    \
    c##r##2 = vld1q_f32(C + r * ldc + 8); c##r##3 = vld1q_f32(C + r * ldc + 12)
#define TT__ST4(r)                                                                                 \
    vst1q_f32(C + r * ldc, c##r##0);     vst1q_f32(C + r * ldc + 4, c##r##1);                      \
    vst1q_f32(C + r * ldc + 8, c##r##2); vst1q_f32(C + r * ldc + 12, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = vdupq_n_f32(0.0f);
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = vdupq_n_f32(0.0f);
    }
    /* rows 0-3 take their A value from lanes of a0, rows 4-5 from lanes of a1 */
#define TT__ROWQ(r)                                                                                \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, a0, r); c##r##1 = vfmaq_laneq_f32(c##r##1, b1, a0, r);  \
    c##r##2 = vfmaq_laneq_f32(c##r##2, b2, a0, r); c##r##3 = vfmaq_laneq_f32(c##r##3, b3, a0, r)
#define TT__ROWD(r, l)                                                                             \
    c##r##0 = vfmaq_lane_f32(c##r##0, b0, a1, l); c##r##1 = vfmaq_lane_f32(c##r##1, b1, a1, l);    \
    c##r##2 = vfmaq_lane_f32(c##r##2, b2, a1, l); c##r##3 = vfmaq_lane_f32(c##r##3, b3, a1, l)
#define TT__K6x16N(o)                                                                              \
    do {                                                                                           \
        float32x4_t b0 = vld1q_f32(b + 16 * (o)), b1 = vld1q_f32(b + 16 * (o) + 4);                \
        float32x4_t b2 = vld1q_f32(b + 16 * (o) + 8), b3 = vld1q_f32(b + 16 * (o) + 12);           \
        float32x4_t a0 = vld1q_f32(a + 6 * (o));                                                   \
        float32x2_t a1 = vld1_f32(a + 6 * (o) + 4);                                                \
        TT__ROWQ(0); TT__ROWQ(1); TT__ROWQ(2); TT__ROWQ(3);                                        \
        TT__ROWD(4, 0); TT__ROWD(5, 1);                                                            \
    } while (0)
    /* one k per iteration: unrolled by 4 (as the x86 kernels are), gcc 12
     * hoists the later steps' loads and spills accumulators to the stack
     * (-O2: 30+ stack accesses in the loop; none in this form, gcc or clang) */
    for (k = 0; k < kc; k++, a += 6, b += 16) TT__K6x16N(0);
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__K6x16N
#undef TT__ROWQ
#undef TT__ROWD
#undef TT__LD4
#undef TT__ST4
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) { return "6x16 NEON intrinsics"; }
#endif /* TT_SIMD_WIDTH == 4 */
/* ==== end src/tt_kern_w4.c ==== */
/* ==== begin src/tt_kern_w8.c ==== */
/* >>kern_w8  AVX2 + FMA (256-bit): the 6x16 SGEMM micro-kernel of the
 * TT_SIMD_WIDTH 8 build, driven by tt_gemm.c. (The elementwise kernels are
 * written once for every width: tt_kern_vec.c.) */
/* #include "tt_kern.h" */

#if TT_SIMD_WIDTH == 8
/* ---- 6x16 micro-kernel: 6 rows x 2 ymm, 12 accumulators ----
 * Two implementations of the same instructions per element (one
 * vfmadd231ps per k, increasing k), so they give bitwise the same C:
 *  - tt__sgemm_6x16_asm: the k loop in inline assembly (gcc/clang, x86-64).
 *    gcc 12 compiles the intrinsics loop with register rotations and one
 *    accumulator spilled to the stack every 4 k steps, which cost 5-6 % of
 *    the kernel's speed on Zen 3 (macro-kernel 88-90 % -> 94-96 % of peak).
 *  - tt__sgemm_6x16_intrin: intrinsics only; the build's kernel where inline
 *    asm is unavailable or TT_NO_ASM is defined (tests/kernels/test_gemm.c
 *    checks both against a plain fmaf chain). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(TT_NO_ASM)
#define TT__SGEMM_ASM 1
#else
#define TT__SGEMM_ASM 0
#endif

#define TT__K6x16_LOADC()                                                                          \
    do {                                                                                           \
        if (load_c) {                                                                              \
            c00 = _mm256_loadu_ps(C + 0 * ldc); c01 = _mm256_loadu_ps(C + 0 * ldc + 8);            \
            c10 = _mm256_loadu_ps(C + 1 * ldc); c11 = _mm256_loadu_ps(C + 1 * ldc + 8);            \
            c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);            \
            c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);            \
            c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);            \
            c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);            \
        } else {                                                                                   \
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps(); \
        }                                                                                          \
    } while (0)
/* one k step o of the intrinsics loop: 2 B loads, 6 A broadcasts, 12 FMAs */
#define TT__K6x16(o)                                                                               \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(b + 16 * (o)), b1 = _mm256_load_ps(b + 16 * (o) + 8), av;       \
        TT__KEEP_IN_REG(b0); TT__KEEP_IN_REG(b1);                                                  \
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
/* k from the current value to kc: by 4, then one at a time */
#define TT__K6x16_LOOP()                                                                           \
    do {                                                                                           \
        for (; k + 4 <= kc; k += 4, a += 24, b += 64) {                                            \
            TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);                                \
        }                                                                                          \
        for (; k < kc; k++, a += 6, b += 16) TT__K6x16(0);                                         \
    } while (0)
#define TT__K6x16_STOREC()                                                                         \
    do {                                                                                           \
        _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);                \
        _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);                \
        _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);                \
        _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);                \
        _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);                \
        _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);                \
    } while (0)

TT__PRIVATE void tt__sgemm_6x16_intrin(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                       float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}

#if TT__SGEMM_ASM
/* one k step o (0..3) of the unrolled asm loop: the instructions of TT__K6x16
 * (B panel rows of 16 floats = 64 bytes, A steps of 6 floats = 24 bytes) */
#define TT__A6x16(o)                                                                               \
    "vmovaps " #o "*64(%[b]), %%ymm12\n\t"                                                         \
    "vmovaps " #o "*64+32(%[b]), %%ymm13\n\t"                                                      \
    "vbroadcastss " #o "*24+0(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c00]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c01]\n\t"                                                     \
    "vbroadcastss " #o "*24+4(%[a]), %%ymm15\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm15, %[c10]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c11]\n\t"                                                     \
    "vbroadcastss " #o "*24+8(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c20]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c21]\n\t"                                                     \
    "vbroadcastss " #o "*24+12(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c30]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c31]\n\t"                                                     \
    "vbroadcastss " #o "*24+16(%[a]), %%ymm14\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm14, %[c40]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c41]\n\t"                                                     \
    "vbroadcastss " #o "*24+20(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c50]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c51]\n\t"

/* k in blocks of 4 in assembly, the last kc % 4 steps with intrinsics */
TT__PRIVATE void tt__sgemm_6x16_asm(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                    float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    if (kc >= 4) {
        long n4 = kc / 4;
        k = kc & ~3;
        __asm__ volatile(
            ".p2align 5\n"
            "1:\n\t"
            TT__A6x16(0) TT__A6x16(1) TT__A6x16(2) TT__A6x16(3)
            "add $96, %[a]\n\t"
            "add $256, %[b]\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            : [a] "+r"(a), [b] "+r"(b), [n] "+r"(n4),
              [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
              [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
              [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)
            :
            : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    }
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}
#undef TT__A6x16
#endif /* TT__SGEMM_ASM */
#undef TT__K6x16_LOADC
#undef TT__K6x16
#undef TT__K6x16_LOOP
#undef TT__K6x16_STOREC

TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b, float *C,
                                   ptrdiff_t ldc, int load_c) {
#if TT__SGEMM_ASM
    tt__sgemm_6x16_asm(kc, a, b, C, ldc, load_c);
#else
    tt__sgemm_6x16_intrin(kc, a, b, C, ldc, load_c);
#endif
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) {
    return TT__SGEMM_ASM ? "6x16 AVX2 inline asm" : "6x16 AVX2 intrinsics";
}
#endif /* TT_SIMD_WIDTH == 8 */
/* ==== end src/tt_kern_w8.c ==== */
/* ==== begin src/tt_kern_w16.c ==== */
/* >>kern_w16  AVX-512 kernels, 512-bit (TT_SIMD_WIDTH 16): the 6x64 SGEMM
 * micro-kernel (6 rows x 4 zmm, 24 accumulators), driven by tt_gemm.c.
 * (The elementwise kernels are written once for every width: tt_kern_vec.c.) */
/* #include "tt_kern.h" */

#if TT_SIMD_WIDTH == 16

/* C[6 x 64] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*64 + c], fma in
 * increasing k (the contract in tt_kern.h). */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    __m512 c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    __m512 c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int k;
#define TT__LD4(r)                                                                                 \
    c##r##0 = _mm512_loadu_ps(C + r * ldc);      c##r##1 = _mm512_loadu_ps(C + r * ldc + 16);     \
    c##r##2 = _mm512_loadu_ps(C + r * ldc + 32); c##r##3 = _mm512_loadu_ps(C + r * ldc + 48)
#define TT__ST4(r)                                                                                 \
    _mm512_storeu_ps(C + r * ldc, c##r##0);      _mm512_storeu_ps(C + r * ldc + 16, c##r##1);     \
    _mm512_storeu_ps(C + r * ldc + 32, c##r##2); _mm512_storeu_ps(C + r * ldc + 48, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = _mm512_setzero_ps();
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = _mm512_setzero_ps();
    }
#define TT__ROW4(r, o)                                                                             \
    av = _mm512_set1_ps(a[6 * (o) + r]);                                                           \
    c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0); c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1);        \
    c##r##2 = _mm512_fmadd_ps(av, b2, c##r##2); c##r##3 = _mm512_fmadd_ps(av, b3, c##r##3)
#define TT__K6x64(o)                                                                               \
    do {                                                                                           \
        __m512 b0 = _mm512_load_ps(b + 64 * (o)), b1 = _mm512_load_ps(b + 64 * (o) + 16);          \
        __m512 b2 = _mm512_load_ps(b + 64 * (o) + 32), b3 = _mm512_load_ps(b + 64 * (o) + 48), av; \
        TT__KEEP_IN_REG(b0); TT__KEEP_IN_REG(b1); TT__KEEP_IN_REG(b2); TT__KEEP_IN_REG(b3);        \
        TT__ROW4(0, o); TT__ROW4(1, o); TT__ROW4(2, o);                                            \
        TT__ROW4(3, o); TT__ROW4(4, o); TT__ROW4(5, o);                                            \
    } while (0)
    for (k = 0; k + 4 <= kc; k += 4, a += 24, b += 256) {
        TT__K6x64(0); TT__K6x64(1); TT__K6x64(2); TT__K6x64(3);
    }
    for (; k < kc; k++, a += 6, b += 64) TT__K6x64(0);
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__K6x64
#undef TT__ROW4
#undef TT__LD4
#undef TT__ST4
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) { return "6x64 AVX-512 intrinsics"; }
#endif /* TT_SIMD_WIDTH == 16 */
/* ==== end src/tt_kern_w16.c ==== */
/* ==== begin src/tt_dispatch.c ==== */
/* >>dispatch  which elementwise kernel runs: in SIMD builds (TT_SIMD_WIDTH
 * 4, 8 or 16) the build-width kernels of tt_kern_vec.c unless ex->force_scalar is
 * set, else (and always in scalar builds) the scalar reference of
 * tt_kern_w1.c (same arguments and math; see there). The GEMM makes its own
 * choice in tt_gemm.c. */
/* #include "tt_kern.h" */

/* nonzero when the build's SIMD kernels are to be used for this exec */
TT__PRIVATE int tt__use_simd(const tt__exec *ex) {
#if TT_SIMD_WIDTH > 1
    return !ex || !ex->force_scalar;
#else
    (void)ex;
    return 0;
#endif
}

TT__PRIVATE void tt__vec_scale(const tt__exec *ex, float *y, int n, float f) {
    if (tt__use_simd(ex)) tt__vec_scale_vec(y, n, f);
    else tt__vec_scale_scalar(y, n, f);
}
TT__PRIVATE float tt__row_max(const tt__exec *ex, const float *x, int n) {
    return tt__use_simd(ex) ? tt__row_max_vec(x, n) : tt__row_max_scalar(x, n);
}
TT__PRIVATE float tt__exp_shift_sum(const tt__exec *ex, float *y, const float *x, int n, float a, float s) {
    return tt__use_simd(ex) ? tt__exp_shift_sum_vec(y, x, n, a, s) : tt__exp_shift_sum_scalar(y, x, n, a, s);
}
TT__PRIVATE void tt__layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                   const float *w, const float *b, int r0, int r1, int C) {
    if (tt__use_simd(ex)) tt__layernorm_fwd_vec(y, mean, rstd, x, w, b, r0, r1, C);
    else tt__layernorm_fwd_scalar(y, mean, rstd, x, w, b, r0, r1, C);
}
TT__PRIVATE void tt__layernorm_bwd_dx(const tt__exec *ex, float *dx, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int r0, int r1,
                                      int C, int accumulate) {
    if (tt__use_simd(ex)) tt__layernorm_bwd_dx_vec(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate);
    else tt__layernorm_bwd_dx_scalar(dx, dy, x, w, mean, rstd, r0, r1, C, accumulate);
}
TT__PRIVATE void tt__layernorm_bwd_dwdb(const tt__exec *ex, float *dw, float *db, const float *dy,
                                        const float *x, const float *mean, const float *rstd, int N, int C,
                                        int c0, int c1) {
    if (tt__use_simd(ex)) tt__layernorm_bwd_dwdb_vec(dw, db, dy, x, mean, rstd, N, C, c0, c1);
    else tt__layernorm_bwd_dwdb_scalar(dw, db, dy, x, mean, rstd, N, C, c0, c1);
}
TT__PRIVATE void tt__gelu_fwd(const tt__exec *ex, float *y, const float *x, size_t i0, size_t i1) {
    if (tt__use_simd(ex)) tt__gelu_fwd_vec(y, x, i0, i1);
    else tt__gelu_fwd_scalar(y, x, i0, i1);
}
TT__PRIVATE void tt__gelu_bwd(const tt__exec *ex, float *dx, const float *dy, const float *x, size_t i0,
                              size_t i1) {
    if (tt__use_simd(ex)) tt__gelu_bwd_vec(dx, dy, x, i0, i1);
    else tt__gelu_bwd_scalar(dx, dy, x, i0, i1);
}
TT__PRIVATE void tt__adamw(const tt__exec *ex, float *p, float *m, float *v, const float *g, size_t n, float lr,
                           float b1, float b2, float eps, float wd, float gscale, float bc1, float bc2_sqrt) {
    if (tt__use_simd(ex)) tt__adamw_vec(p, m, v, g, n, lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt);
    else tt__adamw_scalar(p, m, v, g, n, lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt);
}
/* ==== end src/tt_dispatch.c ==== */
/* ==== begin src/tt_gemm.c ==== */
/* >>gemm  SGEMM: C (+)= A B with strided A and B (transposes are strides),
 * the one GEMM of the library: driver, task grid and its cost model,
 * packing, cache blocking, the fused epilogue, and B packed ahead. The
 * micro-kernel that computes one MR x NR tile is the only per-ISA piece
 * (tt_kern_w4.c, tt_kern_w8.c, tt_kern_w16.c; interface in tt_kern.h), with
 * the packers' transposes (x86 or NEON).
 *
 * Blocking (SIMD builds): the five loops of Goto & van de Geijn, "Anatomy
 * of high-performance matrix multiplication", ACM TOMS 34(3), 2008, as
 * structured in BLIS (Van Zee & van de Geijn, ACM TOMS 41(3), 2015):
 *   for jc in N step NC:          B panel (kc x nc) packed into NR-wide micro-panels [k][NR]
 *     for pc in K step kc:
 *       for ic in M step MC:      A block (mc x kc) packed into MR-tall micro-panels [k][MR]
 *         for jr in nc step NR:   one B micro-panel, reused across ir (L1)
 *           for ir in mc step MR: micro-kernel C[MR x NR] (+)= A_p B_p, C tile in registers
 * MR = 6 rows; NR = 16 (2 ymm, AVX2; 4 q registers, NEON) or 64 (4 zmm,
 * AVX-512). Transposes happen in packing (strided packers), so X W^T, dY W
 * and dY^T X all run the same kernel. Packed panels are zero-padded: no
 * k-loop branches.
 *
 * Numerics: each C element is computed as acc = C_in (or 0), then
 * acc = fma(a_k, b_k, acc) for k increasing inside a KC block, then stored;
 * the next KC block starts from the stored value. kc depends only on K
 * (tt__sgemm_kc), never on the thread count or the tile position (edge tiles
 * run the same kernel on a local tile), so any split of M/N over threads
 * gives bitwise identical C.
 *
 * Threads: the work is split into a tm x tn grid of output blocks (tm*tn <=
 * n_threads tasks, rows in multiples of MR, columns in multiples of NR);
 * every task packs its own A and B panels in its scratch slot, so there is
 * no barrier and no shared buffer (except B packed once into ex->shared for
 * row splits). K is never split. Scalar builds and ex->force_scalar run
 * tt__gemm_scalar (tt_kern_w1.c) threaded the same way (no scratch). */
/* #include "tt_kern.h" */
/* #include "tt_vec.h" */

#if TT_SIMD_WIDTH > 1

/* Blocking. AVX2 (6x16, Zen 3: 32 KiB L1D, 512 KiB L2): KC 512/384 keeps the
 * B micro-panel (kc x 16) near L1 and the A block (144 x kc) in L2; sweeps of
 * KC 256..1024, MC 72..288 and NC 1024/2048 on a busy 2-core Zen 3 VM were
 * within the noise (+-5 %). AVX-512 (6x64): K whole up to 1024, else blocks
 * <= 768, from a Zen 4 sweep made outside this repository; not measured on
 * AVX-512 hardware here. NEON (6x16) takes the AVX2 values, not tuned on
 * AArch64 hardware (only run under qemu-user here). The macros are
 * overridable for tuning only: kc changes the rounding (never the
 * thread-count invariance). */
#ifndef TT__SGEMM_MC
#define TT__SGEMM_MC 144           /* rows of the packed A block (multiple of MR) */
#endif
#ifndef TT__SGEMM_KC_WHOLE
#  if TT_SIMD_WIDTH == 16
#    define TT__SGEMM_KC_WHOLE 1024 /* K <= this: one K block */
#  else
#    define TT__SGEMM_KC_WHOLE 512
#  endif
#endif
#ifndef TT__SGEMM_KC_SPLIT
#  if TT_SIMD_WIDTH == 16
#    define TT__SGEMM_KC_SPLIT 768  /* else K in equal blocks <= this (multiple of 16) */
#  else
#    define TT__SGEMM_KC_SPLIT 384
#  endif
#endif
#ifndef TT__SGEMM_NC
#define TT__SGEMM_NC 2048          /* columns of the packed B panel (multiple of 64) */
#endif

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

/* a read prefetch into all cache levels */
#if TT_SIMD_WIDTH >= 8
#  define TT__PREFETCH(p) _mm_prefetch((p), _MM_HINT_T0)
#elif defined(__GNUC__) || defined(__clang__)
#  define TT__PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#  define TT__PREFETCH(p) ((void)(p))
#endif

#if TT_SIMD_WIDTH >= 8
/* In-register 8x8 transpose of the named __m256 variables r0..r7 (rows in,
 * columns out). A macro, not a function: gcc 12 did not inline the function
 * version and passed the rows through memory, which made the transposing
 * packers 1.5x slower (6-7 GB/s instead of 10-11 GB/s on Zen 3). */
#define TT__TR8x8(r0, r1, r2, r3, r4, r5, r6, r7)                                                  \
    do {                                                                                           \
        __m256 t0_ = _mm256_unpacklo_ps(r0, r1), t1_ = _mm256_unpackhi_ps(r0, r1);                 \
        __m256 t2_ = _mm256_unpacklo_ps(r2, r3), t3_ = _mm256_unpackhi_ps(r2, r3);                 \
        __m256 t4_ = _mm256_unpacklo_ps(r4, r5), t5_ = _mm256_unpackhi_ps(r4, r5);                 \
        __m256 t6_ = _mm256_unpacklo_ps(r6, r7), t7_ = _mm256_unpackhi_ps(r6, r7);                 \
        __m256 s0_ = _mm256_shuffle_ps(t0_, t2_, 0x44), s1_ = _mm256_shuffle_ps(t0_, t2_, 0xEE);   \
        __m256 s2_ = _mm256_shuffle_ps(t1_, t3_, 0x44), s3_ = _mm256_shuffle_ps(t1_, t3_, 0xEE);   \
        __m256 s4_ = _mm256_shuffle_ps(t4_, t6_, 0x44), s5_ = _mm256_shuffle_ps(t4_, t6_, 0xEE);   \
        __m256 s6_ = _mm256_shuffle_ps(t5_, t7_, 0x44), s7_ = _mm256_shuffle_ps(t5_, t7_, 0xEE);   \
        r0 = _mm256_permute2f128_ps(s0_, s4_, 0x20); r1 = _mm256_permute2f128_ps(s1_, s5_, 0x20); \
        r2 = _mm256_permute2f128_ps(s2_, s6_, 0x20); r3 = _mm256_permute2f128_ps(s3_, s7_, 0x20); \
        r4 = _mm256_permute2f128_ps(s0_, s4_, 0x31); r5 = _mm256_permute2f128_ps(s1_, s5_, 0x31); \
        r6 = _mm256_permute2f128_ps(s2_, s6_, 0x31); r7 = _mm256_permute2f128_ps(s3_, s7_, 0x31); \
    } while (0)
#else
/* In-register 4x4 transpose of the named float32x4_t variables r0..r3 (rows
 * in, columns out): 32-bit then 64-bit TRN1/TRN2. */
#define TT__TR4x4(r0, r1, r2, r3)                                                                  \
    do {                                                                                           \
        float64x2_t t0_ = vreinterpretq_f64_f32(vtrn1q_f32(r0, r1));                               \
        float64x2_t t1_ = vreinterpretq_f64_f32(vtrn2q_f32(r0, r1));                               \
        float64x2_t t2_ = vreinterpretq_f64_f32(vtrn1q_f32(r2, r3));                               \
        float64x2_t t3_ = vreinterpretq_f64_f32(vtrn2q_f32(r2, r3));                               \
        r0 = vreinterpretq_f32_f64(vtrn1q_f64(t0_, t2_));                                          \
        r1 = vreinterpretq_f32_f64(vtrn1q_f64(t1_, t3_));                                          \
        r2 = vreinterpretq_f32_f64(vtrn2q_f64(t0_, t2_));                                          \
        r3 = vreinterpretq_f32_f64(vtrn2q_f64(t1_, t3_));                                          \
    } while (0)
#endif

/* Pack A rows [0, mc) x k [0, kc) (A points at the block's (0,0)) into MR-tall
 * micro-panels: panel p holds pa[p*MR*kc + k*MR + r] = A(p*MR + r, k), rows
 * past mc zero. Writes up to 8 floats past the last panel (slack). */
TT__PRIVATE void tt__sgemm_pack_a(int mc, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                  float *TT__RESTRICT pa) {
    int i, k, r, full = mc - mc % TT__SGEMM_MR;
    if (rsa == 1) {
        /* MR values contiguous per k (A = dY^T): k outer, so each row of the
         * source is read once, front to back, for all full panels */
        for (k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)k * csa;
            float *d = pa + k * TT__SGEMM_MR;
            for (i = 0; i < full; i += TT__SGEMM_MR, d += TT__SGEMM_MR * kc) {
#if TT_SIMD_WIDTH >= 8
                _mm_storeu_ps(d, _mm_loadu_ps(s + i));
                _mm_storel_pi((__m64 *)(d + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(s + i + 4)));
#else
                vst1q_f32(d, vld1q_f32(s + i));
                vst1_f32(d + 4, vld1_f32(s + i + 4));
#endif
            }
        }
    } else if (csa == 1) {
        /* rows contiguous in k: 8x8 transposes (rows 6, 7 zero), stored
         * 8 wide at a stride of 6 in increasing k: each store's 2 extra
         * floats are overwritten by the next one (or land in the slack).
         * NEON: 4 k at a time, rows 0-3 by a 4x4 transpose, rows 4-5 zipped. */
        for (i = 0; i < full; i += TT__SGEMM_MR) {
            const float *a = A + (ptrdiff_t)i * rsa;
            float *d = pa + (ptrdiff_t)i * kc;
#if TT_SIMD_WIDTH == 4
            for (k = 0; k + 4 <= kc; k += 4) {
                float32x4_t v0 = vld1q_f32(a + k), v1 = vld1q_f32(a + rsa + k);
                float32x4_t v2 = vld1q_f32(a + 2 * rsa + k), v3 = vld1q_f32(a + 3 * rsa + k);
                float32x4_t v4 = vld1q_f32(a + 4 * rsa + k), v5 = vld1q_f32(a + 5 * rsa + k);
                float32x4_t z0 = vzip1q_f32(v4, v5), z1 = vzip2q_f32(v4, v5);
                float *o = d + k * 6;
                TT__TR4x4(v0, v1, v2, v3);
                vst1q_f32(o, v0);      vst1_f32(o + 4, vget_low_f32(z0));
                vst1q_f32(o + 6, v1);  vst1_f32(o + 10, vget_high_f32(z0));
                vst1q_f32(o + 12, v2); vst1_f32(o + 16, vget_low_f32(z1));
                vst1q_f32(o + 18, v3); vst1_f32(o + 22, vget_high_f32(z1));
            }
#else
            for (k = 0; k + 8 <= kc; k += 8) {
                __m256 v0 = _mm256_loadu_ps(a + k), v1 = _mm256_loadu_ps(a + rsa + k);
                __m256 v2 = _mm256_loadu_ps(a + 2 * rsa + k), v3 = _mm256_loadu_ps(a + 3 * rsa + k);
                __m256 v4 = _mm256_loadu_ps(a + 4 * rsa + k), v5 = _mm256_loadu_ps(a + 5 * rsa + k);
                __m256 v6 = _mm256_setzero_ps(), v7 = _mm256_setzero_ps();
                float *o = d + k * 6;
                TT__TR8x8(v0, v1, v2, v3, v4, v5, v6, v7);
                _mm256_storeu_ps(o, v0); _mm256_storeu_ps(o + 6, v1); _mm256_storeu_ps(o + 12, v2);
                _mm256_storeu_ps(o + 18, v3); _mm256_storeu_ps(o + 24, v4); _mm256_storeu_ps(o + 30, v5);
                _mm256_storeu_ps(o + 36, v6); _mm256_storeu_ps(o + 42, v7);
            }
#endif
            for (; k < kc; k++)
                for (r = 0; r < 6; r++) d[k * 6 + r] = a[(ptrdiff_t)r * rsa + k];
        }
    } else {
        full = 0;
    }
    /* general strides, and the last partial panel (zero rows past mc) */
    for (i = full; i < mc; i += TT__SGEMM_MR) {
        int mr = mc - i < TT__SGEMM_MR ? mc - i : TT__SGEMM_MR;
        const float *a = A + (ptrdiff_t)i * rsa;
        float *d = pa + (ptrdiff_t)i * kc;
        for (k = 0; k < kc; k++) {
            for (r = 0; r < mr; r++) d[k * TT__SGEMM_MR + r] = a[(ptrdiff_t)r * rsa + (ptrdiff_t)k * csa];
            for (; r < TT__SGEMM_MR; r++) d[k * TT__SGEMM_MR + r] = 0.0f;
        }
    }
}

#if TT_SIMD_WIDTH >= 8
#  define TT__BW 8 /* columns per transpose in tt__sgemm_pack_b: 8x8 (AVX) */
#else
#  define TT__BW 4 /* 4x4 (NEON) */
#endif
/* Pack B k [0, kc) x columns [0, nc) (B points at the panel's (0,0)) into
 * nr-wide micro-panels (nr a multiple of TT__BW): pb[p*nr*kc + k*nr + c] =
 * B(k, p*nr + c), columns past nc zero. pb 32-byte aligned. */
TT__PRIVATE void tt__sgemm_pack_b(int kc, int nc, int nr, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                  float *TT__RESTRICT pb) {
    int j, k, c, full = nc - nc % nr;
    if (csb == 1) {
        /* rows contiguous in n (B = W or X): k outer, each source row read
         * once front to back into all full panels */
        for (k = 0; k < kc; k++) {
            const float *s = B + (ptrdiff_t)k * rsb;
            float *d = pb + (ptrdiff_t)k * nr;
            for (j = 0; j < full; j += nr, d += (ptrdiff_t)nr * kc)
#if TT_SIMD_WIDTH >= 8
                for (c = 0; c < nr; c += 8) _mm256_store_ps(d + c, _mm256_loadu_ps(s + j + c));
#else
                for (c = 0; c < nr; c += 4) vst1q_f32(d + c, vld1q_f32(s + j + c));
#endif
        }
    } else if (rsb == 1) {
        /* columns contiguous in k (B = W^T): 8x8 transposes of 8 columns
         * (NEON: 4x4 of 4) */
        for (j = 0; j < full; j += TT__BW) {
            const float *s = B + (ptrdiff_t)j * csb;
            float *d = pb + (ptrdiff_t)(j / nr) * nr * kc + j % nr;
#if TT_SIMD_WIDTH == 4
            for (k = 0; k + 4 <= kc; k += 4) {
                float32x4_t v0 = vld1q_f32(s + k), v1 = vld1q_f32(s + csb + k);
                float32x4_t v2 = vld1q_f32(s + 2 * csb + k), v3 = vld1q_f32(s + 3 * csb + k);
                float *o = d + (ptrdiff_t)k * nr;
                TT__TR4x4(v0, v1, v2, v3);
                vst1q_f32(o, v0); vst1q_f32(o + nr, v1); vst1q_f32(o + 2 * nr, v2); vst1q_f32(o + 3 * nr, v3);
            }
#else
            for (k = 0; k + 8 <= kc; k += 8) {
                __m256 v0 = _mm256_loadu_ps(s + k), v1 = _mm256_loadu_ps(s + csb + k);
                __m256 v2 = _mm256_loadu_ps(s + 2 * csb + k), v3 = _mm256_loadu_ps(s + 3 * csb + k);
                __m256 v4 = _mm256_loadu_ps(s + 4 * csb + k), v5 = _mm256_loadu_ps(s + 5 * csb + k);
                __m256 v6 = _mm256_loadu_ps(s + 6 * csb + k), v7 = _mm256_loadu_ps(s + 7 * csb + k);
                float *o = d + (ptrdiff_t)k * nr;
                TT__TR8x8(v0, v1, v2, v3, v4, v5, v6, v7);
                _mm256_store_ps(o, v0); _mm256_store_ps(o + nr, v1); _mm256_store_ps(o + 2 * nr, v2);
                _mm256_store_ps(o + 3 * nr, v3); _mm256_store_ps(o + 4 * nr, v4); _mm256_store_ps(o + 5 * nr, v5);
                _mm256_store_ps(o + 6 * nr, v6); _mm256_store_ps(o + 7 * nr, v7);
            }
#endif
            for (; k < kc; k++)
                for (c = 0; c < TT__BW; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)c * csb + k];
        }
    } else {
        full = 0;
    }
    /* general strides, and the last partial panel (zero columns past nc) */
    for (j = full; j < nc; j += nr) {
        int w = nc - j < nr ? nc - j : nr;
        const float *s = B + (ptrdiff_t)j * csb;
        float *d = pb + (ptrdiff_t)j * kc;
        for (k = 0; k < kc; k++) {
            for (c = 0; c < w; c++) d[(ptrdiff_t)k * nr + c] = s[(ptrdiff_t)k * rsb + (ptrdiff_t)c * csb];
            for (; c < nr; c++) d[(ptrdiff_t)k * nr + c] = 0.0f;
        }
    }
}
#endif /* TT_SIMD_WIDTH > 1 */

/* tt__gemm_job: tt_kern.h (the bf16 driver, tt_gemm_bf16.c, fills one too) */

/* rs[i] += A(i, k) for rows [0, m), k increasing over [0, kb) (one add per
 * element in that order, so the sums are those of a plain loop over k; the
 * vector layer only does TT__VW rows at once) */
TT__PRIVATE void tt__gemm_rowsum(int m, int kb, const float *A, ptrdiff_t rsa, ptrdiff_t csa, float *rs) {
    int i, k;
    for (k = 0; k < kb; k++) {
        const float *a = A + (ptrdiff_t)k * csa;
        i = 0;
        if (rsa == 1)
            for (; i + TT__VW <= m; i += TT__VW) tt__v_store(rs + i, tt__v_add(tt__v_load(rs + i), tt__v_load(a + i)));
        for (; i < m; i++) rs[i] += a[(ptrdiff_t)i * rsa];
    }
}

/* The epilogue on rows [r0, r0+mr) x columns [c0, c0+nc) of C, once their
 * sums are complete: C = C + (bias + res) (the order of the separate pass
 * it replaces), then gelu_out = gelu(C) with the elementwise GELU kernel.
 * Each element's value does not depend on the block it falls in. */
TT__PRIVATE void tt__gemm_epi_block(const tt__gemm_job *g, int r0, int mr, int c0, int nc) {
    const tt__gemm_epi *e = g->epi;
    int r, c;
    for (r = r0; r < r0 + mr; r++) {
        float *y = g->C + (ptrdiff_t)r * g->ldc + c0;
        const float *b = e->bias ? e->bias + c0 : NULL;
        const float *x = e->res ? e->res + (ptrdiff_t)r * e->ldr + c0 : NULL;
        c = 0;
        if (tt__use_simd(g->ex)) {
            if (b && x)
                for (; c + TT__VW <= nc; c += TT__VW)
                    tt__v_store(y + c, tt__v_add(tt__v_load(y + c), tt__v_add(tt__v_load(b + c), tt__v_load(x + c))));
            else if (b)
                for (; c + TT__VW <= nc; c += TT__VW) tt__v_store(y + c, tt__v_add(tt__v_load(y + c), tt__v_load(b + c)));
        }
        if (b && x) for (; c < nc; c++) y[c] += b[c] + x[c];
        else if (b) for (; c < nc; c++) y[c] += b[c];
        else if (x) for (; c < nc; c++) y[c] += x[c];
        if (e->gelu_out) tt__gelu_fwd(g->ex, e->gelu_out + (ptrdiff_t)r * e->ldg + c0, y, 0, (size_t)nc);
        if (e->gelu_bwd_x) tt__gelu_bwd(g->ex, y, y, e->gelu_bwd_x + (ptrdiff_t)r * e->ldx + c0, 0, (size_t)nc);
    }
}

#if TT_SIMD_WIDTH > 1
#define TT__SGEMM_PB_FLOATS ((size_t)TT__SGEMM_KC_MAX * TT__SGEMM_NC)
#define TT__SGEMM_PA_FLOATS ((size_t)TT__SGEMM_MC * TT__SGEMM_KC_MAX + 16)
TT__PRIVATE size_t tt__gemm_scratch_floats(void) {
    /* B panel + A block + 8 floats of pack_a slack + 16 to align to 64 bytes */
    return TT__SGEMM_PB_FLOATS + TT__SGEMM_PA_FLOATS + 16;
}

/* C[m0:m1, n0:n1] (+)= A[m0:m1, :] B[:, n0:n1] using the scratch at ws.
 * When the rows fit one A block (m1 - m0 <= MC: the lm head's row chunks,
 * the attention blocks, thin tasks) each B micro-panel serves one pass over
 * the rows only. If B is a transpose (rsb == 1, B = W^T: each micro-panel's
 * source is NR contiguous rows of W), B is then packed one micro-panel at a
 * time just before its use ("jit": it stays in L1/L2 instead of a round
 * trip through L3; with the inlined transposes, +14 % on the lm head's
 * forward). Not for row-major B (csb == 1): one micro-panel's source is
 * then kb lines a row stride apart, which conflict in L1 (measured 10 %
 * slower on the lm head's dX). Same packed values either way: C's bits do
 * not depend on it. */
/* columns of a packed B: N rounded up to whole NR-wide micro-panels */
TT__PRIVATE ptrdiff_t tt__gemm_npad(int N) { return ((ptrdiff_t)N + TT__SGEMM_NR - 1) / TT__SGEMM_NR * TT__SGEMM_NR; }

TT__PRIVATE void tt__sgemm_range(const tt__gemm_job *g, int m0, int m1, int n0, int n1, float *ws) {
    float *pb = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
    float *pa = pb + TT__SGEMM_PB_FLOATS;
    int K = g->K, kc = tt__sgemm_kc(K), jc, pc, ic, jr, ir, r, c, eg;
    int jit = !g->pk && m1 - m0 <= TT__SGEMM_MC && g->rsb == 1 && g->csb != 1;
    ptrdiff_t npad = tt__gemm_npad(g->N);
    float tile[TT__SGEMM_MR * TT__SGEMM_NR];
    for (jc = n0; jc < n1; jc += TT__SGEMM_NC) {
        int nc = n1 - jc < TT__SGEMM_NC ? n1 - jc : TT__SGEMM_NC;
        for (pc = 0; pc < K; pc += kc) {
            int kb = K - pc < kc ? K - pc : kc;
            int load_c = g->accumulate || pc > 0;
            const float *bsrc = g->B + (ptrdiff_t)pc * g->rsb + (ptrdiff_t)jc * g->csb;
            const float *pbc = g->pk ? g->pk + (ptrdiff_t)pc * npad + (ptrdiff_t)jc * kb : pb;
            if (!g->pk && !jit) tt__sgemm_pack_b(kb, nc, TT__SGEMM_NR, bsrc, g->rsb, g->csb, pb);
            for (ic = m0; ic < m1; ic += TT__SGEMM_MC) {
                int mc = m1 - ic < TT__SGEMM_MC ? m1 - ic : TT__SGEMM_MC;
                const float *ablk = g->A + (ptrdiff_t)ic * g->rsa + (ptrdiff_t)pc * g->csa;
                /* the first column block sums A's rows while they are in cache */
                if (g->rowsum_a && n0 == 0 && jc == 0) tt__gemm_rowsum(mc, kb, ablk, g->rsa, g->csa, g->rowsum_a + ic);
                tt__sgemm_pack_a(mc, kb, ablk, g->rsa, g->csa, pa);
                eg = 0;
                for (jr = 0; jr < nc; jr += TT__SGEMM_NR) {
                    int nr = nc - jr < TT__SGEMM_NR ? nc - jr : TT__SGEMM_NR;
                    const float *bp = pbc + (ptrdiff_t)jr * kb;
                    if (jit) {
                        tt__sgemm_pack_b(kb, nr, TT__SGEMM_NR, bsrc + (ptrdiff_t)jr * g->csb, g->rsb, g->csb, pb);
                        bp = pb;
                    }
                    for (ir = 0; ir < mc; ir += TT__SGEMM_MR) {
                        int mr = mc - ir < TT__SGEMM_MR ? mc - ir : TT__SGEMM_MR;
                        const float *ap = pa + (ptrdiff_t)ir * kb;
                        float *cp = g->C + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr;
#ifndef TT__SGEMM_NO_PREFETCH
                        /* fetch the next C tile while this one computes: C rows are
                         * far apart, and a miss at the kernel's start stalls it */
                        if (ir + TT__SGEMM_MR < mc) {
                            const char *cn = (const char *)(cp + TT__SGEMM_MR * g->ldc);
                            for (r = 0; r < TT__SGEMM_MR; r++) {
                                TT__PREFETCH(cn + (ptrdiff_t)r * g->ldc * 4);
                                TT__PREFETCH(cn + (ptrdiff_t)r * g->ldc * 4 + 4 * TT__SGEMM_NR - 4);
                            }
                        }
#endif
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
                    /* epilogue over finished groups of >= 256 columns (still in L2):
                     * per tile, the row calls' overhead cost more than the math */
                    if (g->epi && pc + kb == K && (jr + nr - eg >= 256 || jr + nr == nc)) {
                        tt__gemm_epi_block(g, ic, mc, jc + eg, jr + nr - eg);
                        eg = jr + nr;
                    }
                }
            }
        }
    }
}
#define TT__GEMM_MR TT__SGEMM_MR
#define TT__GEMM_NR TT__SGEMM_NR

/* B packed ahead: K blocks of tt__sgemm_kc(K) rows one after another, each
 * block (kb x Npad) as NR-wide micro-panels [k][NR], Npad = N rounded up to
 * NR: element (k, n) of block pc is at pc*Npad + (n/NR)*NR*kb + (k-pc)*NR + n%NR.
 * tt__sgemm_range reads its panels there instead of packing them. */
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N) {
    return (size_t)K * (size_t)tt__gemm_npad(N);
}
typedef struct tt__pack_job {
    int K, N, per;
    const float *B;
    ptrdiff_t rsb, csb;
    float *pk;
} tt__pack_job;
TT__PRIVATE void tt__gemm_pack_task(void *arg, int t) {
    const tt__pack_job *j = (const tt__pack_job *)arg;
    int n0 = t * j->per, n1 = n0 + j->per < j->N ? n0 + j->per : j->N, kc = tt__sgemm_kc(j->K), pc;
    ptrdiff_t npad = tt__gemm_npad(j->N);
    if (n0 >= n1) return;
    for (pc = 0; pc < j->K; pc += kc) {
        int kb = j->K - pc < kc ? j->K - pc : kc;
        tt__sgemm_pack_b(kb, n1 - n0, TT__SGEMM_NR, j->B + (ptrdiff_t)pc * j->rsb + (ptrdiff_t)n0 * j->csb, j->rsb,
                         j->csb, j->pk + (ptrdiff_t)pc * npad + (ptrdiff_t)n0 * kb);
    }
}
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk) {
    tt__pack_job j;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1, np = (N + TT__SGEMM_NR - 1) / TT__SGEMM_NR;
    if (K <= 0 || N <= 0) return;
    j.K = K; j.N = N; j.B = B; j.rsb = rsb; j.csb = csb; j.pk = pk;
    j.per = (np + T - 1) / T * TT__SGEMM_NR;
    tt__parallel_for(ex, (N + j.per - 1) / j.per, tt__gemm_pack_task, &j);
}
#else
TT__PRIVATE size_t tt__gemm_scratch_floats(void) { return 0; }
TT__PRIVATE size_t tt__gemm_packed_floats(int K, int N) { (void)K; (void)N; return 0; }
TT__PRIVATE void tt__gemm_pack_b(const tt__exec *ex, int K, int N, const float *B, ptrdiff_t rsb, ptrdiff_t csb,
                                 float *pk) {
    (void)ex; (void)K; (void)N; (void)B; (void)rsb; (void)csb; (void)pk;
}
#define TT__GEMM_MR 8
#define TT__GEMM_NR 8
#endif

/* How products are cut into tasks: TT_GEMM_SPLIT (blocks per thread) and
 * TT_GEMM_MIN_TASK_FLOPS (smallest task), tunables documented in tt_config.h.
 * Blocks are claimed from a shared counter (GCC/Clang atomics), so a thread
 * that is descheduled or slowed by another tenant takes fewer of them; which
 * thread computes a block never changes its bits. Without atomics, slot t
 * takes blocks t, t + n_slots, ... */
#if defined(__GNUC__) || defined(__clang__)
#  define TT__GEMM_CLAIM(g, t, i) ((void)(t), (void)(i), __atomic_fetch_add(&(g)->next, 1, __ATOMIC_RELAXED))
#else
#  define TT__GEMM_CLAIM(g, t, i) ((t) + (i) * (g)->n_slots)
#endif
TT__PRIVATE void tt__gemm_block(const tt__gemm_job *g, int b, int slot) {
    int m0 = (b / g->tn) * g->mstep, n0 = (b % g->tn) * g->nstep;
    int m1 = m0 + g->mstep < g->M ? m0 + g->mstep : g->M;
    int n1 = n0 + g->nstep < g->N ? n0 + g->nstep : g->N;
    if (m0 >= m1 || n0 >= n1) return;
#if TT_SIMD_WIDTH > 1
    if (g->simd) {
        tt__sgemm_range(g, m0, m1, n0, n1, g->ex->scratch + (size_t)slot * g->ex->scratch_floats);
        return;
    }
#else
    (void)slot;
#endif
    tt__gemm_scalar(m1 - m0, n1 - n0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa,
                    g->B + (ptrdiff_t)n0 * g->csb, g->rsb, g->csb, g->C + (ptrdiff_t)m0 * g->ldc + n0, g->ldc,
                    g->accumulate);
    if (g->rowsum_a && n0 == 0) tt__gemm_rowsum(m1 - m0, g->K, g->A + (ptrdiff_t)m0 * g->rsa, g->rsa, g->csa, g->rowsum_a + m0);
    if (g->epi) tt__gemm_epi_block(g, m0, m1 - m0, n0, n1 - n0);
}
TT__PRIVATE void tt__gemm_task(void *arg, int t) {
    tt__gemm_job *g = (tt__gemm_job *)arg;
    int nb = g->tm * g->tn, i, b;
    for (i = 0; (b = TT__GEMM_CLAIM(g, t, i)) < nb; i++) tt__gemm_block(g, b, t);
}

/* Choose the task grid tm x tn (tm*tn <= T) that minimises a rough cost:
 * the largest task's micro-tiles x K, plus the packing every task repeats
 * (each of the tn column blocks packs its rows of A, each of the tm row
 * blocks packs its columns of B). In units of one MR x NR x 1 tile step. */
TT__PRIVATE double tt__gemm_grid(tt__gemm_job *g, int T) {
    double best = -1.0;
    int mt = (g->M + TT__GEMM_MR - 1) / TT__GEMM_MR, nt = (g->N + TT__GEMM_NR - 1) / TT__GEMM_NR;
    int tm, tn;
    /* tiny products are not worth a dispatch (~10 us): keep >= ~2 MFLOP a task */
    double flops = 2.0 * g->M * (double)g->N * g->K;
    while (T > 1 && flops / T < TT_GEMM_MIN_TASK_FLOPS) T--;
    g->tm = 1; g->tn = 1;
    for (tm = 1; tm <= T; tm++) {
        for (tn = 1; tm * tn <= T; tn++) {
            int mpt = (mt + tm - 1) / tm, npt = (nt + tn - 1) / tn;
            double cost, pack;
            if ((tm > 1 && mpt * (tm - 1) >= mt) || (tn > 1 && npt * (tn - 1) >= nt)) continue; /* idle task */
            /* packing one float (strided load, transpose, store) costs about as
             * much as 4 FMA lanes; a tile step is MR*NR lanes; a B packed ahead costs nothing */
            pack = 4.0 * ((double)mpt * TT__GEMM_MR + (g->pk ? 0.0 : (double)npt * TT__GEMM_NR)) /
                   (TT__GEMM_MR * TT__GEMM_NR);
            cost = ((double)mpt * npt + pack) * g->K;
            if (best < 0 || cost < best * 0.999) { best = cost; g->tm = tm; g->tn = tn; }
        }
    }
    g->mstep = ((mt + g->tm - 1) / g->tm) * TT__GEMM_MR;
    g->nstep = ((nt + g->tn - 1) / g->tn) * TT__GEMM_NR;
    return best;
}

TT__PRIVATE void tt__gemm_ex(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                             ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk,
                             float *C, ptrdiff_t ldc, int accumulate, const tt__gemm_epi *epi, float *rowsum_a) {
    tt__gemm_job g;
    int T = ex && ex->n_threads > 1 ? ex->n_threads : 1;
    if (M <= 0 || N <= 0) return;
    g.ex = ex; g.M = M; g.N = N; g.K = K; g.A = A; g.B = B; g.rsa = rsa; g.csa = csa;
    g.rsb = rsb; g.csb = csb; g.C = C; g.ldc = ldc; g.accumulate = accumulate;
    g.simd = 0;
#if TT_SIMD_WIDTH > 1
    g.simd = ex && !ex->force_scalar && ex->scratch && ex->scratch_floats >= tt__gemm_scratch_floats();
#endif
    g.pk = g.simd ? pk : NULL;
    g.epi = epi && (epi->bias || epi->res || epi->gelu_out || epi->gelu_bwd_x) ? epi : NULL;
    g.rowsum_a = rowsum_a;
    if (g.simd && !g.pk && T > 1 && ex->shared && K > 0 && tt__gemm_packed_floats(K, N) <= ex->shared_floats) {
        /* the threads would split the rows, each packing all of B: pack B
         * once into the shared buffer (one more dispatch). Same packed values. */
        tt__gemm_grid(&g, T);
        if (g.tm > 1) {
            tt__gemm_pack_b(ex, K, N, B, rsb, csb, ex->shared);
            g.pk = ex->shared;
        }
    }
    if (K <= 0) {
        int i, j;
        if (!accumulate)
            for (i = 0; i < M; i++)
                for (j = 0; j < N; j++) C[(ptrdiff_t)i * ldc + j] = 0.0f;
        if (g.epi) tt__gemm_epi_block(&g, 0, M, 0, N);
        return; /* rowsum_a: nothing to add */
    }
    {
        /* T blocks, or S*T smaller ones (S <= TT_GEMM_SPLIT) when the cost
         * model says that adds little packing (within 2 %) */
        double c1 = tt__gemm_grid(&g, T);
        int S;
        if (T > 1 && TT_GEMM_SPLIT >= 2) {
            for (S = TT_GEMM_SPLIT; S >= 2; S /= 2) {
                double cs = tt__gemm_grid(&g, S * T);
                int nb = g.tm * g.tn;
                if (nb > T && (double)((nb + T - 1) / T) * cs <= 1.02 * c1) break;
            }
            if (S < 2) tt__gemm_grid(&g, T);
        }
    }
    g.next = 0;
    g.n_slots = g.tm * g.tn < T ? g.tm * g.tn : T;
    tt__parallel_for(ex, g.n_slots, tt__gemm_task, &g);
}
TT__PRIVATE void tt__gemm_pk(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                             ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, const float *pk,
                             float *C, ptrdiff_t ldc, int accumulate) {
    tt__gemm_ex(ex, M, N, K, A, rsa, csa, B, rsb, csb, pk, C, ldc, accumulate, NULL, NULL);
}
TT__PRIVATE void tt__gemm(const tt__exec *ex, int M, int N, int K, const float *A, ptrdiff_t rsa,
                          ptrdiff_t csa, const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C,
                          ptrdiff_t ldc, int accumulate) {
    tt__gemm_ex(ex, M, N, K, A, rsa, csa, B, rsb, csb, NULL, C, ldc, accumulate, NULL, NULL);
}
/* ==== end src/tt_gemm.c ==== */
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
/* ==== begin src/tt_bpe_internal.h ==== */
/* >>bpe_internal  private declarations shared by the tokenizer files:
 * tt_pretok.c (GPT-2 pre-tokenizer), tt_bpe.c (the tokenizer object, encode,
 * decode), tt_bpe_files.c (file formats), tt_bpe_train.c (training) and
 * tt_bpe_export.c (GPT-2 export). */
#ifndef TT_BPE_INTERNAL_H
#define TT_BPE_INTERNAL_H
/* #include "tt_internal.h" */
/* #include "tt_api_bpe.h" */

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
/* ==== end src/tt_bpe_internal.h ==== */
/* ==== begin src/tt_pretok.c ==== */
/* >>pretok  GPT-2 pre-tokenizer: the split pattern written by hand over
 * the Unicode class tables of tt_bpe_tables.h (see tt_api_bpe.h for the
 * pattern and how invalid UTF-8 is treated) */
/* #include "tt_internal.h" */
/* #include "tt_bpe_internal.h" */
/* #include "tt_bpe_tables.h" */

/* class of ASCII bytes */
static const unsigned char tt__ascii_class[128] = {
    0,0,0,0,0,0,0,0,0,3,3,3,3,3,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 2,2,2,2,2,2,2,2,2,2,0,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
    0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0 };

TT__PRIVATE int tt__uc_class(uint32_t cp) {
    uint32_t blk, off;
    if (cp >= TT__UC_LIMIT) return TT__CL_OTHER;
    blk = tt__uc_stage1[cp >> TT__UC_SHIFT];
    off = (blk << TT__UC_SHIFT) + (cp & ((1u << TT__UC_SHIFT) - 1));
    return (tt__uc_stage2[off >> 2] >> ((off & 3) * 2)) & 3;
}

/* Class and byte length of the character at s[i] (i < end). Strict UTF-8
 * (Unicode Table 3-7); a byte that does not start a valid sequence is one
 * character of class OTHER. */
TT__PRIVATE int tt__char_at(const unsigned char *s, size_t i, size_t end, size_t *len) {
    unsigned c = s[i], c1, c2, c3;
    size_t left = end - i;
    if (c < 0x80) { *len = 1; return tt__ascii_class[c]; }
    *len = 1;
    if (c < 0xC2 || c > 0xF4 || left < 2) return TT__CL_OTHER;
    c1 = s[i + 1];
    if (c < 0xE0) {
        if ((c1 & 0xC0) != 0x80) return TT__CL_OTHER;
        *len = 2;
        return tt__uc_class(((uint32_t)(c & 0x1F) << 6) | (c1 & 0x3F));
    }
    if (left < 3) return TT__CL_OTHER;
    c2 = s[i + 2];
    if (c < 0xF0) {
        if ((c2 & 0xC0) != 0x80) return TT__CL_OTHER;
        if (c == 0xE0 ? (c1 < 0xA0 || c1 > 0xBF) : c == 0xED ? (c1 < 0x80 || c1 > 0x9F)
                                                 : (c1 & 0xC0) != 0x80)
            return TT__CL_OTHER;
        *len = 3;
        return tt__uc_class(((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(c1 & 0x3F) << 6) | (c2 & 0x3F));
    }
    if (left < 4) return TT__CL_OTHER;
    c3 = s[i + 3];
    if ((c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80) return TT__CL_OTHER;
    if (c == 0xF0 ? (c1 < 0x90 || c1 > 0xBF) : c == 0xF4 ? (c1 < 0x80 || c1 > 0x8F)
                                             : (c1 & 0xC0) != 0x80)
        return TT__CL_OTHER;
    *len = 4;
    return tt__uc_class(((uint32_t)(c & 0x07) << 18) | ((uint32_t)(c1 & 0x3F) << 12) |
                        ((uint32_t)(c2 & 0x3F) << 6) | (c3 & 0x3F));
}

/* end of the run of characters of class cl starting at i */
TT__PRIVATE size_t tt__run_end(const unsigned char *s, size_t i, size_t end, int cl) {
    size_t len;
    while (i < end) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (tt__ascii_class[c] != cl) break;
            i++;
            continue;
        }
        if (tt__char_at(s, i, end, &len) != cl) break;
        i += len;
    }
    return i;
}

/* End of the GPT-2 piece that starts at i (i < end). The alternatives of
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * are tried in order, as a backtracking regex engine does. */
TT__PRIVATE size_t tt__piece_end(const unsigned char *s, size_t i, size_t end) {
    size_t len, j, last;
    int cl;
    unsigned c = s[i];
    if (c == '\'' && i + 1 < end) {
        unsigned d = s[i + 1];
        if (d == 's' || d == 't' || d == 'm' || d == 'd') return i + 2;
        if (i + 2 < end) {
            unsigned e = s[i + 2];
            if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return i + 3;
        }
    }
    j = i;
    if (c == ' ' && i + 1 < end) {
        cl = tt__char_at(s, i + 1, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + 1 + len, end, cl);
        cl = TT__CL_SPACE;
    } else {
        cl = tt__char_at(s, i, end, &len);
        if (cl != TT__CL_SPACE) return tt__run_end(s, i + len, end, cl);
    }
    /* whitespace run: \s+(?!\S) leaves its last character to the next piece
     * when a non-space follows and the run has at least 2 characters;
     * otherwise \s+ takes it all */
    last = j;
    while (j < end) {
        cl = tt__char_at(s, j, end, &len);
        if (cl != TT__CL_SPACE) break;
        last = j;
        j += len;
    }
    if (j == end || last == i) return j;
    return last;
}

/* A cut before s[p] is safe (the pieces on both sides are the same as in
 * the whole text) when s[p] is ' ' and s[p-1] is an ASCII non-space: no
 * piece extends past a non-space into a following space, and matching from
 * p looks only at bytes >= p. */
TT__PRIVATE int tt__safe_cut(const unsigned char *s, size_t p) {
    unsigned c;
    if (s[p] != ' ' || p == 0) return 0;
    c = s[p - 1];
    return c < 0x80 && tt__ascii_class[c] != TT__CL_SPACE;
}
/* ==== end src/tt_pretok.c ==== */
/* ==== begin src/tt_bpe.c ==== */
/* >>bpe  byte-level BPE tokenizer: the tokenizer object, encode (short and
 * long pieces, threaded, streaming) and decode. The pre-tokenizer is in
 * tt_pretok.c, file formats in tt_bpe_files.c, training in tt_bpe_train.c. */
/* #include "tt_internal.h" */
/* #include "tt_bpe_internal.h" */

/* ======================================================================
 * Growable arrays
 * ====================================================================== */

TT__PRIVATE int tt__bpe_grow(const tt_allocator *a, void **p, size_t *cap, size_t need, size_t elem) {
    size_t ncap = *cap ? *cap : 16, nb, ob;
    void *q;
    if (need <= *cap) return 1;
    while (ncap < need) {
        if (ncap > ((size_t)-1 >> 2)) return 0;
        ncap *= 2;
    }
    if (!tt__mul_size(ncap, elem, &nb)) return 0;
    q = tt__alloc(a, nb, 16);
    if (!q) return 0;
    ob = *cap * elem;
    if (*p && ob) memcpy(q, *p, ob);
    if (*p) tt__free(a, *p, ob);
    *p = q;
    *cap = ncap;
    return 1;
}

TT__PRIVATE void tt__bpe_release(const tt_allocator *a, void **p, size_t *cap, size_t elem) {
    if (*p) tt__free(a, *p, *cap * elem);
    *p = NULL;
    *cap = 0;
}

/* ======================================================================
 * The tokenizer object
 * ====================================================================== */

TT__PRIVATE const unsigned char *tt__tok_bytes(const tt_tokenizer *t, int32_t id) { return t->blob + t->off[id]; }

TT__PRIVATE int32_t tt__tok_lookup_h(const tt_tokenizer *t, const unsigned char *p, size_t n, uint64_t h) {
    tt__hprobe pr;
    uint32_t id;
    tt__hash_begin(&t->ht, h, &pr);
    while ((id = tt__hash_probe(&t->ht, &pr)) != TT__HASH_EMPTY)
        if (t->len[id] == n && memcmp(t->blob + t->off[id], p, n) == 0) return (int32_t)id;
    return -1;
}
TT__PRIVATE int32_t tt__tok_lookup(const tt_tokenizer *t, const unsigned char *p, size_t n) {
    if (n == 1) return t->byte_id[p[0]];
    if (n > t->max_len) return -1;
    return tt__tok_lookup_h(t, p, n, tt__hash_bytes(p, n));
}

/* resolve threads of a config into an exec (pool started by the caller) */
TT__PRIVATE int tt__bpe_threads(const tt_tokenizer_config *cfg) {
    int n = cfg ? cfg->n_threads : 0;
    if (n <= 0) n = 1;
    if (n > TT__MAX_THREADS) n = TT__MAX_THREADS;
#if !TT__HAS_THREADS
    if (!cfg || !cfg->parallel.parallel_for) n = 1;
#endif
    return n;
}

/* start threads into ex (pool memory allocated here) */
TT__PRIVATE tt_status tt__bpe_exec_start(const tt_tokenizer_config *cfg, const tt_allocator *a,
                                         tt__exec *ex, void **pool) {
    memset(ex, 0, sizeof(*ex));
    *pool = NULL;
    ex->n_threads = tt__bpe_threads(cfg);
    if (cfg && cfg->parallel.parallel_for) {
        ex->par = cfg->parallel;
        return TT_OK;
    }
#if TT__HAS_THREADS
    if (ex->n_threads > 1) {
        tt_status st;
        tt__pool *p = (tt__pool *)tt__alloc(a, tt__pool_size(ex->n_threads), 64);
        if (!p) return TT_ERR_OUT_OF_MEMORY;
        if ((st = tt__pool_start(p, ex->n_threads)) != TT_OK) {
            tt__free(a, p, tt__pool_size(ex->n_threads));
            return st;
        }
        ex->par.parallel_for = tt__pool_parallel_for;
        ex->par.pool = p;
        *pool = p;
    }
#else
    (void)a;
#endif
    if (!ex->par.parallel_for) ex->n_threads = 1;
    return TT_OK;
}

TT__PRIVATE void tt__bpe_exec_stop(const tt_allocator *a, tt__exec *ex, void **pool) {
#if TT__HAS_THREADS
    if (*pool) {
        tt__pool_stop((tt__pool *)*pool);
        tt__free(a, *pool, tt__pool_size(ex->n_threads));
    }
#else
    (void)a; (void)ex;
#endif
    *pool = NULL;
}

TT__PRIVATE tt_status tt__tok_build(const tt_tokenizer_config *cfg, int32_t vocab, int32_t n_special,
                                    int32_t split_mode, const uint32_t *lens, const unsigned char *blob,
                                    uint64_t blob_bytes, tt_tokenizer **out) {
    tt_allocator a;
    tt_logger lg;
    tt__plan plan;
    size_t o_struct, o_off, o_len, o_blob, o_ht, nslots = 16;
    int32_t i, n_ranked;
    uint64_t sum = 0;
    unsigned char *base;
    tt_tokenizer *t;
    tt_status st;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if (vocab <= 0 || vocab > TT_MAX_VOCAB || n_special < 0 || n_special > TT_TOKENIZER_MAX_SPECIAL ||
        n_special > vocab - 256 || (split_mode != TT_SPLIT_GPT2 && split_mode != TT_SPLIT_NONE)) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tokenizer: bad vocab size, special count or split mode");
        return TT_ERR_BAD_FORMAT;
    }
    n_ranked = vocab - n_special;
    for (i = 0; i < vocab; i++) {
        uint32_t max = i < n_ranked ? TT_TOKENIZER_MAX_TOKEN_BYTES : TT_TOKENIZER_MAX_SPECIAL_BYTES;
        if (lens[i] == 0 || lens[i] > max) {
            tt__logf(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tokenizer: empty or too long token, id ", i);
            return TT_ERR_BAD_FORMAT;
        }
        sum += lens[i];
    }
    if (sum != blob_bytes || sum > 0xFFFFFFFFull) return TT_ERR_BAD_FORMAT;
    while (nslots < (size_t)n_ranked * 2) nslots *= 2;
    memset(&plan, 0, sizeof(plan));
    o_struct = tt__plan_take(&plan, 1, sizeof(tt_tokenizer));
    o_off = tt__plan_take(&plan, (size_t)vocab, sizeof(uint32_t));
    o_len = tt__plan_take(&plan, (size_t)vocab, sizeof(uint32_t));
    o_blob = tt__plan_take(&plan, (size_t)blob_bytes, 1);
    o_ht = tt__plan_take(&plan, nslots, sizeof(tt__hslot));
    if (plan.overflow) return TT_ERR_OUT_OF_MEMORY;
    base = (unsigned char *)tt__alloc(&a, plan.size, TT__ALIGN);
    if (!base) return TT_ERR_OUT_OF_MEMORY;
    t = (tt_tokenizer *)(base + o_struct);
    memset(t, 0, sizeof(*t));
    t->alloc = a;
    t->logger = lg;
    t->mem_bytes = plan.size;
    t->vocab = vocab;
    t->n_special = n_special;
    t->n_ranked = n_ranked;
    t->split_mode = split_mode;
    t->off = (uint32_t *)(base + o_off);
    t->len = (uint32_t *)(base + o_len);
    t->blob = base + o_blob;
    t->blob_bytes = blob_bytes;
    t->ht.slot = (tt__hslot *)(base + o_ht);
    t->ht.mask = nslots - 1;
    if (blob_bytes) memcpy(t->blob, blob, (size_t)blob_bytes);
    sum = 0;
    for (i = 0; i < vocab; i++) {
        t->off[i] = (uint32_t)sum;
        t->len[i] = lens[i];
        sum += lens[i];
    }
    for (i = 0; i < 256; i++) t->byte_id[i] = -1;
    tt__hash_clear(&t->ht);
    st = TT_OK;
    for (i = 0; i < n_ranked && st == TT_OK; i++) {
        const unsigned char *p = t->blob + t->off[i];
        size_t n = t->len[i];
        tt__hprobe pr;
        uint32_t id;
        tt__hash_begin(&t->ht, tt__hash_bytes(p, n), &pr);
        while ((id = tt__hash_probe(&t->ht, &pr)) != TT__HASH_EMPTY)
            if (t->len[id] == n && memcmp(t->blob + t->off[id], p, n) == 0) break;
        if (id != TT__HASH_EMPTY) { st = TT_ERR_BAD_FORMAT; break; }
        tt__hash_put(&t->ht, &pr, (uint32_t)i);
        if (n == 1) t->byte_id[p[0]] = i;
        if (n > t->max_len) t->max_len = n;
    }
    if (st != TT_OK) tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: duplicate token, id ", i);
    for (i = 0; i < 256 && st == TT_OK; i++)
        if (t->byte_id[i] < 0) {
            st = TT_ERR_BAD_FORMAT;
            tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: no token for byte value ", i);
        }
    for (i = n_ranked; i < vocab && st == TT_OK; i++) {
        int32_t j;
        for (j = n_ranked; j < i; j++)
            if (t->len[j] == t->len[i] && memcmp(tt__tok_bytes(t, j), tt__tok_bytes(t, i), t->len[i]) == 0) {
                st = TT_ERR_BAD_FORMAT;
                tt__logf(&lg, TT_LOG_ERROR, st, "tokenizer: duplicate special token, id ", i);
                break;
            }
        t->special_first[tt__tok_bytes(t, i)[0]] = 1;
        if (t->len[i] > t->special_max_len) t->special_max_len = t->len[i];
    }
    if (st == TT_OK) st = tt__bpe_exec_start(cfg, &a, &t->ex, &t->pool);
    if (st != TT_OK) {
        tt__free(&a, base, plan.size);
        return st;
    }
    *out = t;
    return TT_OK;
}

TTDEF void tt_tokenizer_destroy(tt_tokenizer *tok) {
    tt_allocator a;
    if (!tok) return;
    a = tok->alloc;
    tt__bpe_exec_stop(&a, &tok->ex, &tok->pool);
    tt__free(&a, tok, tok->mem_bytes);
}

TTDEF int32_t tt_tokenizer_vocab_size(const tt_tokenizer *tok) { return tok ? tok->vocab : 0; }
TTDEF int32_t tt_tokenizer_n_special(const tt_tokenizer *tok) { return tok ? tok->n_special : 0; }

TTDEF int32_t tt_tokenizer_special_id(const tt_tokenizer *tok, const char *name) {
    int32_t i;
    size_t n;
    if (!tok || !name) return -1;
    n = strlen(name);
    for (i = tok->n_ranked; i < tok->vocab; i++)
        if (tok->len[i] == n && memcmp(tt__tok_bytes(tok, i), name, n) == 0) return i;
    return -1;
}

TTDEF tt_status tt_tokenizer_token(const tt_tokenizer *tok, int32_t id, const unsigned char **out_bytes,
                                   size_t *out_len) {
    if (!tok || id < 0 || id >= tok->vocab || !out_bytes || !out_len) return TT_ERR_INVALID_ARG;
    *out_bytes = tt__tok_bytes(tok, id);
    *out_len = tok->len[id];
    return TT_OK;
}

/* ======================================================================
 * Building a vocabulary from token strings (loaders, training)
 * ====================================================================== */

TT__PRIVATE int tt__vb_add(tt__vocab_buf *v, const void *p, size_t n) {
    void *lp = v->lens, *bp = v->bytes;
    if (n > 0xFFFFFFFFu) return 0;
    if (!tt__bpe_grow(v->a, &lp, &v->cap_lens, v->n + 1, sizeof(uint32_t))) return 0;
    v->lens = (uint32_t *)lp;
    if (!tt__bpe_grow(v->a, &bp, &v->cap_bytes, v->nb + n, 1)) return 0;
    v->bytes = (unsigned char *)bp;
    v->lens[v->n++] = (uint32_t)n;
    if (n) memcpy(v->bytes + v->nb, p, n);
    v->nb += n;
    return 1;
}
TT__PRIVATE void tt__vb_free(tt__vocab_buf *v) {
    void *lp = v->lens, *bp = v->bytes;
    tt__bpe_release(v->a, &lp, &v->cap_lens, sizeof(uint32_t));
    tt__bpe_release(v->a, &bp, &v->cap_bytes, 1);
    v->lens = NULL;
    v->bytes = NULL;
}

TT__PRIVATE tt_status tt__vb_add_specials(tt__vocab_buf *v, const tt_tokenizer_config *cfg) {
    int32_t i;
    if (!cfg || cfg->n_special == 0) return TT_OK;
    if (cfg->n_special < 0 || cfg->n_special > TT_TOKENIZER_MAX_SPECIAL || !cfg->special_tokens)
        return TT_ERR_INVALID_ARG;
    for (i = 0; i < cfg->n_special; i++) {
        const char *sp = cfg->special_tokens[i];
        size_t l;
        if (!sp) return TT_ERR_INVALID_ARG;
        l = strlen(sp);
        if (l == 0 || l > TT_TOKENIZER_MAX_SPECIAL_BYTES) return TT_ERR_INVALID_ARG;
        if (!tt__vb_add(v, sp, l)) return TT_ERR_OUT_OF_MEMORY;
    }
    return TT_OK;
}


/* ======================================================================
 * Encoding
 * ====================================================================== */

typedef struct tt__enc {
    const tt_tokenizer *t;
    int32_t *ids;
    size_t cap, n;
    /* scratch for long pieces (heap + linked list), grown on demand */
    void *scratch;
    size_t scratch_bytes;
    tt_status st;
} tt__enc;

TT__PRIVATE void tt__emit(tt__enc *e, int32_t id) {
    if (e->n < e->cap) e->ids[e->n] = id;
    e->n++;
}

#define TT__BPE_SMALL 64
#define TT__RANK_NONE 0x7FFFFFFF

/* tiktoken's byte_pair_merge for short pieces: O(n^2) worst case, n <= 64 */
TT__PRIVATE void tt__bpe_merge_small(tt__enc *e, const unsigned char *p, size_t n) {
    const tt_tokenizer *t = e->t;
    uint32_t start[TT__BPE_SMALL + 1];
    int32_t rank[TT__BPE_SMALL], id[TT__BPE_SMALL];
    size_t m = n, i, best;
    for (i = 0; i < n; i++) { start[i] = (uint32_t)i; id[i] = t->byte_id[p[i]]; }
    start[n] = (uint32_t)n;
    for (i = 0; i + 1 < m; i++) {
        int32_t r = tt__tok_lookup(t, p + i, 2);
        rank[i] = r < 0 ? TT__RANK_NONE : r;
    }
    rank[m - 1] = TT__RANK_NONE;
    for (;;) {
        int32_t br = TT__RANK_NONE;
        best = 0;
        for (i = 0; i + 1 < m; i++)
            if (rank[i] < br) { br = rank[i]; best = i; }
        if (br == TT__RANK_NONE) break;
        id[best] = br;
        for (i = best + 1; i + 1 < m; i++) { start[i] = start[i + 1]; id[i] = id[i + 1]; rank[i] = rank[i + 1]; }
        start[m - 1] = start[m];
        m--;
        rank[m - 1] = TT__RANK_NONE;
        if (best + 1 < m) {
            int32_t r = tt__tok_lookup(t, p + start[best], start[best + 2] - start[best]);
            rank[best] = r < 0 ? TT__RANK_NONE : r;
        }
        if (best > 0) {
            int32_t r = tt__tok_lookup(t, p + start[best - 1], start[best + 1] - start[best - 1]);
            rank[best - 1] = r < 0 ? TT__RANK_NONE : r;
        }
    }
    for (i = 0; i < m; i++) tt__emit(e, id[i]);
}

/* Long pieces: parts in a doubly linked list, candidate merges in a binary
 * min-heap keyed by (rank, start). A popped entry is current iff its part
 * is alive and still has that pair rank (same rank at the same start means
 * the same bytes). O(n log n).
 * Heap capacity: stale entries stay in the heap until popped, so its size
 * is bounded by the number of pushes, not by the number of parts: at most
 * n - 1 initial pairs, then at most 2 per merge (the merged part and its
 * left neighbour) and at most n - 1 merges, 3n - 3 in all. The scratch
 * holds 3n heap entries and n nodes. */
typedef struct tt__bpe_node { uint32_t next, prev; int32_t id, rank; } tt__bpe_node;

/* min-heap order of (rank << 32 | start) keys */
TT__PRIVATE int tt__key_less(const void *ctx, const void *x, const void *y) {
    (void)ctx;
    return *(const uint64_t *)x < *(const uint64_t *)y;
}

TT__PRIVATE void tt__bpe_merge_long(tt__enc *e, const unsigned char *p, size_t n) {
    const tt_tokenizer *t = e->t;
    tt__bpe_node *nd;
    tt__heap heap;
    uint64_t k;
    size_t need, cap_heap, i;
    uint32_t cur;
    if (n >= 0xFFFFFFF0u) { e->st = TT_ERR_INVALID_ARG; return; }
    /* 3n heap entries, then n nodes (see the bound above) */
    if (!tt__mul_size(n, 3, &cap_heap) ||
        !tt__mul_size(n, 3 * sizeof(uint64_t) + sizeof(tt__bpe_node), &need)) {
        e->st = TT_ERR_OUT_OF_MEMORY;
        return;
    }
    if (need > e->scratch_bytes) {
        void *q = tt__alloc(&t->alloc, need, 16);
        if (!q) { e->st = TT_ERR_OUT_OF_MEMORY; return; }
        if (e->scratch) tt__free(&t->alloc, e->scratch, e->scratch_bytes);
        e->scratch = q;
        e->scratch_bytes = need;
    }
    memset(&heap, 0, sizeof(heap));
    heap.base = e->scratch;
    heap.cap = cap_heap;
    heap.elem = sizeof(uint64_t);
    nd = (tt__bpe_node *)(void *)((uint64_t *)e->scratch + cap_heap);
    /* node i covers p[i .. nd[i].next) */
    for (i = 0; i < n; i++) {
        nd[i].next = (uint32_t)(i + 1);
        nd[i].prev = (uint32_t)(i - 1);
        nd[i].id = t->byte_id[p[i]];
        nd[i].rank = TT__RANK_NONE;
    }
    for (i = 0; i + 1 < n; i++) {
        int32_t r = tt__tok_lookup(t, p + i, 2);
        if (r >= 0) {
            nd[i].rank = r;
            k = ((uint64_t)r << 32) | i;
            tt__heap_push(&heap, &k, tt__key_less, NULL);
        }
    }
    while (heap.n) {
        uint32_t a, b, c;
        int32_t r;
        tt__heap_pop(&heap, &k, tt__key_less, NULL);
        a = (uint32_t)k;
        r = (int32_t)(k >> 32);
        if (nd[a].rank != r) continue; /* stale (dead nodes have rank NONE) */
        b = nd[a].next;
        c = nd[b].next;
        /* merge b into a */
        nd[a].id = r;
        nd[a].next = c;
        nd[b].rank = TT__RANK_NONE;
        if (c < n) nd[c].prev = a;
        nd[a].rank = TT__RANK_NONE;
        if (c < n) {
            int32_t r2 = tt__tok_lookup(t, p + a, nd[c].next - a);
            if (r2 >= 0) {
                nd[a].rank = r2;
                k = ((uint64_t)r2 << 32) | a;
                tt__heap_push(&heap, &k, tt__key_less, NULL);
            }
        }
        if (a > 0) {
            uint32_t z = nd[a].prev;
            int32_t r3 = tt__tok_lookup(t, p + z, c - z);
            nd[z].rank = r3 < 0 ? TT__RANK_NONE : r3;
            if (r3 >= 0) {
                k = ((uint64_t)r3 << 32) | z;
                tt__heap_push(&heap, &k, tt__key_less, NULL);
            }
        }
    }
    for (cur = 0; cur < n; cur = nd[cur].next) tt__emit(e, nd[cur].id);
}

TT__PRIVATE void tt__encode_piece(tt__enc *e, const unsigned char *p, size_t n) {
    int32_t id;
    if (n == 1) { tt__emit(e, e->t->byte_id[p[0]]); return; }
    id = n > e->t->max_len ? -1 : tt__tok_lookup_h(e->t, p, n, tt__hash_bytes(p, n));
    if (id >= 0) { tt__emit(e, id); return; }
    if (n <= TT__BPE_SMALL) tt__bpe_merge_small(e, p, n);
    else tt__bpe_merge_long(e, p, n);
}

/* encode ordinary text (no special tokens) */
TT__PRIVATE void tt__encode_ordinary(tt__enc *e, const unsigned char *s, size_t n) {
    size_t i = 0, j;
    if (e->t->split_mode == TT_SPLIT_NONE) {
        if (n) tt__encode_piece(e, s, n);
        return;
    }
    while (i < n && e->st == TT_OK) {
        j = tt__piece_end(s, i, n);
        tt__encode_piece(e, s + i, j - i);
        i = j;
    }
}

/* First special token match at or after pos: returns its start (or end if
 * none) and sets *id, *mlen. The longest special wins at one position. */
TT__PRIVATE size_t tt__find_special(const tt_tokenizer *t, const unsigned char *s, size_t pos, size_t end,
                                    int32_t *id, size_t *mlen) {
    size_t i;
    for (i = pos; i < end; i++) {
        int32_t k, best = -1;
        size_t bl = 0;
        if (!t->special_first[s[i]]) continue;
        for (k = t->n_ranked; k < t->vocab; k++) {
            size_t l = t->len[k];
            if (l <= end - i && l > bl && memcmp(s + i, tt__tok_bytes(t, k), l) == 0) { best = k; bl = l; }
        }
        if (best >= 0) { *id = best; *mlen = bl; return i; }
    }
    return end;
}

TT__PRIVATE void tt__encode_text(tt__enc *e, const unsigned char *s, size_t n, int flags) {
    size_t pos = 0;
    if (!(flags & TT_ENCODE_SPECIAL) || e->t->n_special == 0) {
        tt__encode_ordinary(e, s, n);
        return;
    }
    while (pos < n && e->st == TT_OK) {
        int32_t id = -1;
        size_t ml = 0, m = tt__find_special(e->t, s, pos, n, &id, &ml);
        tt__encode_ordinary(e, s + pos, m - pos);
        if (m == n) break;
        tt__emit(e, id);
        pos = m + ml;
    }
}

/* Cut text into chunks of about target bytes at safe points (never inside
 * a special token match when flags has TT_ENCODE_SPECIAL). Writes up to
 * max_cuts chunk ends into cuts (the last is always n); returns the count.
 * With TT_SPLIT_NONE only special token boundaries are safe. */
TT__PRIVATE size_t tt__chunk_cuts(const tt_tokenizer *t, const unsigned char *s, size_t n, int flags,
                                  size_t target, size_t *cuts, size_t max_cuts) {
    size_t nc = 0, pos = 0;
    int specials = (flags & TT_ENCODE_SPECIAL) && t->n_special > 0;
    size_t next_sp = n, sp_len = 0;
    int32_t sp_id;
    if (specials) next_sp = tt__find_special(t, s, 0, n, &sp_id, &sp_len);
    while (pos < n && nc + 1 < max_cuts) {
        size_t want = n - pos > target ? pos + target : n, p;
        if (want >= n) break;
        /* specials passed on the way are boundaries too */
        while (specials && next_sp < n && next_sp + sp_len <= want) {
            size_t after = next_sp + sp_len;
            next_sp = tt__find_special(t, s, after, n, &sp_id, &sp_len);
        }
        p = want;
        if (t->split_mode == TT_SPLIT_NONE) {
            if (!specials || next_sp >= n) break;
            p = next_sp; /* cut right before the next special */
            if (p <= pos) p = next_sp + sp_len;
        } else {
            size_t lim = specials ? next_sp : n;
            while (p < lim && !tt__safe_cut(s, p)) p++;
            if (p >= lim) p = lim; /* the start of a special (or the end) */
        }
        if (p >= n) break;
        if (p <= pos) break;
        cuts[nc++] = p;
        pos = p;
        if (specials && next_sp < pos) next_sp = tt__find_special(t, s, pos, n, &sp_id, &sp_len);
    }
    cuts[nc++] = n;
    return nc;
}

typedef struct tt__par_enc {
    const tt_tokenizer *t;
    const unsigned char *s;
    const size_t *cuts;
    size_t first;      /* first chunk index of this round */
    int flags;
    tt__enc enc[2 * TT__MAX_THREADS];
    size_t cap[2 * TT__MAX_THREADS];
} tt__par_enc;

TT__PRIVATE void tt__par_enc_task(void *arg, int i) {
    tt__par_enc *pe = (tt__par_enc *)arg;
    size_t c = pe->first + (size_t)i;
    size_t a = c == 0 ? 0 : pe->cuts[c - 1], b = pe->cuts[c];
    tt__enc *e = &pe->enc[i];
    e->n = 0;
    tt__encode_text(e, pe->s + a, b - a, pe->flags);
}

#define TT__PAR_CHUNK ((size_t)1 << 20)
#define TT__PAR_MAX_CUTS 4096

/* direct path when out_ids can hold n ids: chunk c is encoded in place at
 * out_ids + (its first byte), as ids <= bytes, then the runs are moved down
 * in order. One parallel_for over all chunks (tasks are claimed
 * dynamically, so a slow thread does not hold the others). */
typedef struct tt__par_direct {
    const tt_tokenizer *t;
    const unsigned char *s;
    const size_t *cuts;
    int flags;
    tt__enc *enc;
} tt__par_direct;

TT__PRIVATE void tt__par_direct_task(void *arg, int i) {
    tt__par_direct *pd = (tt__par_direct *)arg;
    size_t a = i == 0 ? 0 : pd->cuts[i - 1], b = pd->cuts[i];
    tt__encode_text(&pd->enc[i], pd->s + a, b - a, pd->flags);
}

TT__PRIVATE tt_status tt__encode_direct(tt__enc *e, const unsigned char *s, size_t n, int flags,
                                        const size_t *cuts, size_t nc) {
    const tt_tokenizer *t = e->t;
    tt__par_direct pd;
    size_t i, total = 0, bytes = nc * sizeof(tt__enc);
    tt_status st = TT_OK;
    pd.enc = (tt__enc *)tt__alloc(&t->alloc, bytes, 16);
    if (!pd.enc) return TT_ERR_OUT_OF_MEMORY;
    memset(pd.enc, 0, bytes);
    for (i = 0; i < nc; i++) {
        size_t a = i == 0 ? 0 : cuts[i - 1];
        pd.enc[i].t = t;
        pd.enc[i].ids = e->ids + a;
        pd.enc[i].cap = cuts[i] - a;
    }
    pd.t = t; pd.s = s; pd.cuts = cuts; pd.flags = flags;
    tt__parallel_for(&t->ex, (int)nc, tt__par_direct_task, &pd);
    for (i = 0; i < nc; i++) {
        size_t a = i == 0 ? 0 : cuts[i - 1];
        if (pd.enc[i].st != TT_OK && st == TT_OK) st = pd.enc[i].st;
        if (st == TT_OK) {
            if (total != a) memmove(e->ids + total, e->ids + a, pd.enc[i].n * sizeof(int32_t));
            total += pd.enc[i].n;
        }
        if (pd.enc[i].scratch) tt__free(&t->alloc, pd.enc[i].scratch, pd.enc[i].scratch_bytes);
    }
    tt__free(&t->alloc, pd.enc, bytes);
    (void)n;
    if (st == TT_OK) e->n = total;
    return st;
}

/* encode with the pool: chunks are encoded in rounds of 2*n_threads into
 * per-task buffers (ids <= bytes), then appended in order */
TT__PRIVATE tt_status tt__encode_parallel(tt__enc *e, const unsigned char *s, size_t n, int flags) {
    const tt_tokenizer *t = e->t;
    size_t *cuts, nc, c, target, cap_cuts = TT__PAR_MAX_CUTS;
    tt__par_enc *pe;
    int k, per = 2 * t->ex.n_threads;
    tt_status st = TT_OK;
    target = n / ((size_t)per * 4);
    if (target < TT__PAR_CHUNK / 4) target = TT__PAR_CHUNK / 4;
    if (n / target > cap_cuts - 16) target = n / (cap_cuts - 16) + 1;
    cuts = (size_t *)tt__alloc(&t->alloc, cap_cuts * sizeof(size_t), 16);
    pe = (tt__par_enc *)tt__alloc(&t->alloc, sizeof(tt__par_enc), 16);
    if (!cuts || !pe) {
        tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
        tt__free(&t->alloc, pe, sizeof(tt__par_enc));
        return TT_ERR_OUT_OF_MEMORY;
    }
    memset(pe, 0, sizeof(*pe));
    if (e->ids && e->cap >= n && e->n == 0) {
        /* smaller chunks balance better; the output needs no copies */
        target = n / ((size_t)t->ex.n_threads * 16);
        if (target < TT__PAR_CHUNK / 4) target = TT__PAR_CHUNK / 4;
        if (n / target > cap_cuts - 16) target = n / (cap_cuts - 16) + 1;
        nc = tt__chunk_cuts(t, s, n, flags, target, cuts, cap_cuts);
        st = tt__encode_direct(e, s, n, flags, cuts, nc);
        tt__free(&t->alloc, pe, sizeof(tt__par_enc));
        tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
        return st;
    }
    nc = tt__chunk_cuts(t, s, n, flags, target, cuts, cap_cuts);
    pe->t = t; pe->s = s; pe->cuts = cuts; pe->flags = flags;
    for (c = 0; c < nc && st == TT_OK; c += (size_t)per) {
        int nt = (int)(nc - c < (size_t)per ? nc - c : (size_t)per);
        pe->first = c;
        for (k = 0; k < nt; k++) {
            size_t a = c + k == 0 ? 0 : cuts[c + k - 1], len = cuts[c + k] - a;
            tt__enc *ek = &pe->enc[k];
            if (pe->cap[k] < len) {
                void *q = tt__alloc(&t->alloc, len * sizeof(int32_t), 16);
                if (!q) { st = TT_ERR_OUT_OF_MEMORY; break; }
                if (ek->ids) tt__free(&t->alloc, ek->ids, pe->cap[k] * sizeof(int32_t));
                ek->ids = (int32_t *)q;
                pe->cap[k] = len;
            }
            ek->t = t;
            ek->cap = pe->cap[k];
            ek->st = TT_OK;
        }
        if (st != TT_OK) break;
        tt__parallel_for(&t->ex, nt, tt__par_enc_task, pe);
        for (k = 0; k < nt; k++) {
            tt__enc *ek = &pe->enc[k];
            size_t j;
            if (ek->st != TT_OK) { st = ek->st; break; }
            for (j = 0; j < ek->n; j++) tt__emit(e, ek->ids[j]);
        }
    }
    for (k = 0; k < per; k++) {
        tt__enc *ek = &pe->enc[k];
        if (ek->ids) tt__free(&t->alloc, ek->ids, pe->cap[k] * sizeof(int32_t));
        if (ek->scratch) tt__free(&t->alloc, ek->scratch, ek->scratch_bytes);
    }
    tt__free(&t->alloc, pe, sizeof(tt__par_enc));
    tt__free(&t->alloc, cuts, cap_cuts * sizeof(size_t));
    return st;
}

TTDEF tt_status tt_tokenizer_encode(const tt_tokenizer *tok, const void *text, size_t n, int flags,
                                    int32_t *out_ids, size_t max_ids, size_t *out_n_ids) {
    tt__enc e;
    if (!tok || (!text && n) || !out_n_ids || (flags & ~TT_ENCODE_SPECIAL)) return TT_ERR_INVALID_ARG;
    memset(&e, 0, sizeof(e));
    e.t = tok;
    e.ids = out_ids;
    e.cap = out_ids ? max_ids : 0;
    if (tok->ex.n_threads > 1 && n >= 2 * TT__PAR_CHUNK)
        e.st = tt__encode_parallel(&e, (const unsigned char *)text, n, flags);
    else
        tt__encode_text(&e, (const unsigned char *)text, n, flags);
    if (e.scratch) tt__free(&tok->alloc, e.scratch, e.scratch_bytes);
    if (e.st != TT_OK) return e.st;
    *out_n_ids = e.n;
    return out_ids && e.n > max_ids ? TT_ERR_BUFFER_TOO_SMALL : TT_OK;
}

TTDEF tt_status tt_tokenizer_encode_prefix(const tt_tokenizer *tok, const void *text, size_t n, int flags,
                                           int final, int32_t *out_ids, size_t max_ids, size_t *out_n_ids,
                                           size_t *out_consumed) {
    const unsigned char *s = (const unsigned char *)text;
    size_t p = 0, lim, nn = 0;
    tt_status st;
    if (!tok || (!text && n) || !out_n_ids || !out_consumed || (flags & ~TT_ENCODE_SPECIAL))
        return TT_ERR_INVALID_ARG;
    if (final) {
        p = n;
    } else {
        int specials = (flags & TT_ENCODE_SPECIAL) && tok->n_special > 0;
        size_t q, pos;
        /* a special token could still be completed by the next bytes */
        lim = specials ? (n > tok->special_max_len ? n - tok->special_max_len : 0) : n;
        if (tok->split_mode == TT_SPLIT_GPT2) {
            for (q = lim; q > 0; q--)
                if (q < n && tt__safe_cut(s, q)) { p = q; break; }
        }
        if (specials) {
            /* a cut inside a special match moves to its start; the end of
             * a complete match before lim is a safe point too */
            pos = 0;
            while (pos < lim) {
                int32_t id;
                size_t ml, m = tt__find_special(tok, s, pos, n, &id, &ml);
                if (m >= lim) break;
                if (m < p && p < m + ml) p = m;
                if (m + ml <= lim && m + ml > p) p = m + ml;
                pos = m + ml;
            }
        }
    }
    st = tt_tokenizer_encode(tok, text, p, flags, out_ids, max_ids, &nn);
    *out_n_ids = nn;
    *out_consumed = st == TT_OK ? p : 0;
    return st;
}

/* ======================================================================
 * Decoding
 * ====================================================================== */

TTDEF tt_status tt_tokenizer_decode(const tt_tokenizer *tok, const int32_t *ids, size_t n_ids, void *out,
                                    size_t max_bytes, size_t *out_n_bytes) {
    size_t i, total = 0;
    unsigned char *o = (unsigned char *)out;
    if (!tok || (!ids && n_ids) || !out_n_bytes) return TT_ERR_INVALID_ARG;
    for (i = 0; i < n_ids; i++) {
        if (ids[i] < 0 || ids[i] >= tok->vocab) return TT_ERR_INVALID_ARG;
        if (!tt__add_size(total, tok->len[ids[i]], &total)) { /* more than SIZE_MAX bytes */
            *out_n_bytes = (size_t)-1;
            return TT_ERR_BUFFER_TOO_SMALL;
        }
    }
    *out_n_bytes = total;
    if (!out) return TT_OK;
    if (total > max_bytes) return TT_ERR_BUFFER_TOO_SMALL;
    for (i = 0; i < n_ids; i++) {
        size_t l = tok->len[ids[i]];
        memcpy(o, tt__tok_bytes(tok, ids[i]), l);
        o += l;
    }
    return TT_OK;
}

/* length of a trailing incomplete-but-valid UTF-8 prefix at the end of p[0..n) */
TT__PRIVATE size_t tt__utf8_tail(const unsigned char *p, size_t n) {
    size_t k, back = n < 3 ? n : 3;
    for (k = 1; k <= back; k++) {
        unsigned c = p[n - k];
        size_t need;
        if ((c & 0xC0) == 0x80) continue; /* continuation: look further back */
        if (c >= 0xC2 && c <= 0xDF) need = 2;
        else if (c >= 0xE0 && c <= 0xEF) need = 3;
        else if (c >= 0xF0 && c <= 0xF4) need = 4;
        else return 0;
        if (k >= need) return 0; /* complete (or over-long run): nothing held */
        /* check the second byte's range for the lead */
        if (k >= 2) {
            unsigned c1 = p[n - k + 1];
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) ||
                (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
                return 0;
        }
        return k;
    }
    return 0;
}

TTDEF tt_status tt_tokenizer_decode_stream(const tt_tokenizer *tok, tt_tokenizer_decoder *dec,
                                           const int32_t *ids, size_t n_ids, int final, void *out,
                                           size_t max_bytes, size_t *out_n_bytes) {
    size_t need, np, total, hold, i;
    unsigned char *o = (unsigned char *)out;
    tt_status st;
    if (!tok || !dec || !out || !out_n_bytes || dec->n_pending < 0 || dec->n_pending > 3) return TT_ERR_INVALID_ARG;
    st = tt_tokenizer_decode(tok, ids, n_ids, NULL, 0, &need);
    if (st != TT_OK) return st;
    np = (size_t)dec->n_pending;
    if (!tt__add_size(np, need, &total)) { *out_n_bytes = (size_t)-1; return TT_ERR_BUFFER_TOO_SMALL; }
    if (total > max_bytes) { *out_n_bytes = total; return TT_ERR_BUFFER_TOO_SMALL; }
    memcpy(o, dec->pending, np);
    for (i = 0; i < n_ids; i++) {
        memcpy(o + np, tt__tok_bytes(tok, ids[i]), tok->len[ids[i]]);
        np += tok->len[ids[i]];
    }
    hold = final ? 0 : tt__utf8_tail(o, total);
    memcpy(dec->pending, o + total - hold, hold);
    dec->n_pending = (int32_t)hold;
    *out_n_bytes = total - hold;
    return TT_OK;
}
/* ==== end src/tt_bpe.c ==== */
/* ==== begin src/tt_bpe_files.c ==== */
/* >>bpe_files  tokenizer files: the own format (TTBP, save and load), tiktoken
 * rank files, GPT-2's encoder.json + vocab.bpe (with the small JSON string
 * reader they need), and the path-based wrappers */
/* #include "tt_internal.h" */
/* #include "tt_bpe_internal.h" */

#define TT__BPE_MAGIC "TTBP"
#define TT__BPE_VERSION 1u
#define TT__BPE_HEADER 40u

TTDEF tt_status tt_tokenizer_save_size(const tt_tokenizer *tok, uint64_t *out_bytes) {
    if (!tok || !out_bytes) return TT_ERR_INVALID_ARG;
    *out_bytes = TT__BPE_HEADER + 4ull * (uint64_t)tok->vocab + tok->blob_bytes;
    return TT_OK;
}

TT__PRIVATE tt_status tt__tok_save(const void *obj, const tt_io *io) {
    const tt_tokenizer *tok = (const tt_tokenizer *)obj;
    unsigned char h[TT__BPE_HEADER], buf[1024];
    uint32_t crc = 0;
    int32_t i;
    size_t k = 0;
    tt_status st;
    uint64_t payload = 4ull * (uint64_t)tok->vocab + tok->blob_bytes;
    memcpy(h, TT__BPE_MAGIC, 4);
    tt__put_u32(h + 4, TT__BPE_VERSION);
    tt__put_u32(h + 8, TT__BPE_HEADER);
    tt__put_u32(h + 12, (uint32_t)tok->split_mode);
    tt__put_u32(h + 16, (uint32_t)tok->vocab);
    tt__put_u32(h + 20, (uint32_t)tok->n_special);
    tt__put_u64(h + 24, payload);
    crc = tt_crc32(0, h, 32);
    for (i = 0; i < tok->vocab; i++) {
        tt__put_u32(buf, tok->len[i]);
        crc = tt_crc32(crc, buf, 4);
    }
    crc = tt_crc32(crc, tok->blob, (size_t)tok->blob_bytes);
    tt__put_u32(h + 32, crc);
    tt__put_u32(h + 36, 0);
    if ((st = tt__write_all(io, h, sizeof(h))) != TT_OK) return st;
    for (i = 0; i < tok->vocab; i++) {
        tt__put_u32(buf + k, tok->len[i]);
        k += 4;
        if (k == sizeof(buf) || i + 1 == tok->vocab) {
            if ((st = tt__write_all(io, buf, k)) != TT_OK) return st;
            k = 0;
        }
    }
    return tt__write_all(io, tok->blob, (size_t)tok->blob_bytes);
}

TTDEF tt_status tt_tokenizer_save(const tt_tokenizer *tok, const tt_io *io) {
    if (!tok || !io || !io->write) return TT_ERR_INVALID_ARG;
    return tt__tok_save(tok, io);
}

/* read n bytes in chunks, growing the buffer as data arrives, so a file
 * that claims a huge size cannot make us allocate more than ~2x its data */
TT__PRIVATE tt_status tt__read_grow(const tt_allocator *a, const tt_io *io, uint64_t n,
                                    unsigned char **out, size_t *out_cap) {
    size_t cap = 0, have = 0;
    void *buf = NULL;
    tt_status st = TT_OK;
    if (n > (uint64_t)((size_t)-1 >> 1)) return TT_ERR_BAD_FORMAT;
    while (have < n) {
        size_t want = (size_t)n - have;
        if (want > ((size_t)1 << 20)) want = (size_t)1 << 20;
        if (!tt__bpe_grow(a, &buf, &cap, have + want, 1)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        if ((st = tt__read_all(io, (unsigned char *)buf + have, want)) != TT_OK) break;
        have += want;
    }
    if (st != TT_OK) { tt__bpe_release(a, &buf, &cap, 1); return st; }
    *out = (unsigned char *)buf;
    *out_cap = cap;
    return TT_OK;
}

typedef struct tt__load_ctx { const tt_tokenizer_config *cfg; tt_tokenizer *tok; } tt__load_ctx;

TT__PRIVATE tt_status tt__tok_load(void *obj, const tt_io *io) {
    tt__load_ctx *lc = (tt__load_ctx *)obj;
    const tt_tokenizer_config *cfg = lc->cfg;
    tt_allocator a;
    tt_logger lg;
    unsigned char h[TT__BPE_HEADER], skip[64];
    uint32_t version, hsize, split, vocab, nspec, crc, i;
    uint64_t payload, left, blob;
    unsigned char *buf = NULL;
    size_t cap = 0;
    uint32_t *lens;
    tt_status st;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if ((st = tt__read_all(io, h, 12)) != TT_OK) return st;
    version = tt__get_u32(h + 4);
    hsize = tt__get_u32(h + 8);
    if (memcmp(h, TT__BPE_MAGIC, 4) != 0 || version != TT__BPE_VERSION || hsize < TT__BPE_HEADER || hsize > 4096) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: bad magic, version or header size");
        return TT_ERR_BAD_FORMAT;
    }
    if ((st = tt__read_all(io, h + 12, TT__BPE_HEADER - 12)) != TT_OK) return st;
    for (left = hsize - TT__BPE_HEADER; left > 0;) { /* newer header fields: skip */
        size_t k = left > sizeof(skip) ? sizeof(skip) : (size_t)left;
        if ((st = tt__read_all(io, skip, k)) != TT_OK) return st;
        left -= k;
    }
    split = tt__get_u32(h + 12);
    vocab = tt__get_u32(h + 16);
    nspec = tt__get_u32(h + 20);
    payload = tt__get_u64(h + 24);
    crc = tt__get_u32(h + 32);
    if (tt__get_u32(h + 36) != 0 || split > 1 || vocab < 256 || vocab > TT_MAX_VOCAB || nspec > TT_TOKENIZER_MAX_SPECIAL ||
        nspec > vocab - 256 || payload < 4ull * vocab ||
        payload - 4ull * vocab > (uint64_t)vocab * TT_TOKENIZER_MAX_TOKEN_BYTES || payload - 4ull * vocab > 0xFFFFFFFFull) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: bad sizes in header");
        return TT_ERR_BAD_FORMAT;
    }
    if ((st = tt__read_grow(&a, io, payload, &buf, &cap)) != TT_OK) return st;
    if (tt_crc32(tt_crc32(0, h, 32), buf, (size_t)payload) != crc) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: CRC mismatch");
        tt__free(&a, buf, cap);
        return TT_ERR_BAD_FORMAT;
    }
    /* lengths in place as native u32 (the payload buffer is 16-aligned) */
    lens = (uint32_t *)(void *)buf;
    blob = 0;
    for (i = 0; i < vocab; i++) {
        uint32_t l = tt__get_u32(buf + 4ull * i);
        lens[i] = l;
        blob += l;
    }
    if (blob != payload - 4ull * vocab) {
        tt__log(&lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "tt_tokenizer_load: token lengths do not add up");
        tt__free(&a, buf, cap);
        return TT_ERR_BAD_FORMAT;
    }
    st = tt__tok_build(cfg, (int32_t)vocab, (int32_t)nspec, (int32_t)split, lens, buf + 4ull * vocab, blob, &lc->tok);
    tt__free(&a, buf, cap);
    return st;
}

TTDEF tt_status tt_tokenizer_load(const tt_tokenizer_config *cfg, const tt_io *io, tt_tokenizer **out) {
    tt__load_ctx lc;
    tt_status st;
    if (!io || !io->read || !out) return TT_ERR_INVALID_ARG;
    lc.cfg = cfg;
    lc.tok = NULL;
    st = tt__tok_load(&lc, io);
    if (st == TT_OK) *out = lc.tok;
    return st;
}

TT__PRIVATE int tt__b64val(unsigned c) {
    if (c >= 'A' && c <= 'Z') return (int)(c - 'A');
    if (c >= 'a' && c <= 'z') return (int)(c - 'a') + 26;
    if (c >= '0' && c <= '9') return (int)(c - '0') + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

TTDEF tt_status tt_tokenizer_load_tiktoken(const tt_tokenizer_config *cfg, const void *data, size_t n,
                                           tt_tokenizer **out) {
    const unsigned char *s = (const unsigned char *)data;
    tt__vocab_buf v;
    tt_allocator a;
    tt_logger lg;
    size_t pos = 0;
    uint64_t rank_expect = 0;
    unsigned char tokb[TT_TOKENIZER_MAX_TOKEN_BYTES / 64]; /* 1 KiB: tiktoken tokens are short */
    tt_status st = TT_OK;
    int32_t split = cfg ? cfg->split_mode : TT_SPLIT_GPT2;
    if ((!data && n) || !out || (split != TT_SPLIT_GPT2 && split != TT_SPLIT_NONE)) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    memset(&v, 0, sizeof(v));
    v.a = &a;
    while (pos < n && st == TT_OK) {
        size_t e = pos, nb = 0;
        unsigned acc = 0;
        int bits = 0, pad = 0;
        uint64_t rank = 0;
        if (s[pos] == '\n') { pos++; continue; }
        while (e < n && s[e] != ' ' && s[e] != '\n') {
            int d;
            if (s[e] == '=') { pad++; e++; continue; }
            d = tt__b64val(s[e]);
            if (d < 0 || pad || nb >= sizeof(tokb)) { st = TT_ERR_BAD_FORMAT; break; }
            acc = (acc << 6) | (unsigned)d;
            bits += 6;
            if (bits >= 8) { bits -= 8; tokb[nb++] = (unsigned char)(acc >> bits); acc &= (1u << bits) - 1; }
            e++;
        }
        if (st != TT_OK) break;
        if (e >= n || s[e] != ' ' || nb == 0 || pad > 2) { st = TT_ERR_BAD_FORMAT; break; }
        e++;
        if (e >= n || s[e] < '0' || s[e] > '9') { st = TT_ERR_BAD_FORMAT; break; }
        while (e < n && s[e] >= '0' && s[e] <= '9') {
            rank = rank * 10 + (uint64_t)(s[e] - '0');
            if (rank > TT_MAX_VOCAB) break;
            e++;
        }
        if (e < n && s[e] == '\r') e++;
        if ((e < n && s[e] != '\n') || rank != rank_expect) { st = TT_ERR_BAD_FORMAT; break; }
        if (!tt__vb_add(&v, tokb, nb)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        rank_expect++;
        pos = e;
    }
    if (st == TT_ERR_BAD_FORMAT) tt__logf(&lg, TT_LOG_ERROR, st, "tt_tokenizer_load_tiktoken: bad line for rank ", (long long)rank_expect);
    if (st == TT_OK) st = tt__vb_add_specials(&v, cfg);
    if (st == TT_OK && v.n > (size_t)TT_MAX_VOCAB) st = TT_ERR_BAD_FORMAT;
    if (st == TT_OK)
        st = tt__tok_build(cfg, (int32_t)v.n, cfg ? cfg->n_special : 0, split, v.lens, v.bytes, v.nb, out);
    tt__vb_free(&v);
    return st;
}

/* GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to
 * 256, 257, ... in byte order. Returns the byte for code point cp or -1. */
TT__PRIVATE int tt__gpt2_cp_to_byte(uint32_t cp) {
    int b, k = 0;
    if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255)) return (int)cp;
    for (b = 0; b < 256; b++) {
        if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) continue;
        if (cp == (uint32_t)(256 + k)) return b;
        k++;
    }
    return -1;
}

/* parse a JSON string at s[*pos] (the opening quote) into code points,
 * mapped through the GPT-2 byte table into bytes (raw = 0) or into UTF-8
 * (raw = 1, for special tokens). Returns 0 on malformed input. */
TT__PRIVATE int tt__json_string(const unsigned char *s, size_t n, size_t *pos, unsigned char *out, size_t cap,
                                size_t *out_n, size_t *out_raw_n, unsigned char *raw) {
    size_t i = *pos, k = 0, kr = 0;
    int ok_bytes = 1;
    if (i >= n || s[i] != '"') return 0;
    i++;
    for (;;) {
        uint32_t cp;
        size_t l;
        if (i >= n) return 0;
        if (s[i] == '"') { i++; break; }
        if (s[i] == '\\') {
            unsigned c;
            if (i + 1 >= n) return 0;
            c = s[i + 1];
            i += 2;
            if (c == 'u') {
                int j;
                cp = 0;
                if (i + 4 > n) return 0;
                for (j = 0; j < 4; j++) {
                    unsigned d = s[i + j];
                    cp <<= 4;
                    if (d >= '0' && d <= '9') cp |= d - '0';
                    else if (d >= 'a' && d <= 'f') cp |= d - 'a' + 10;
                    else if (d >= 'A' && d <= 'F') cp |= d - 'A' + 10;
                    else return 0;
                }
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDFFF) return 0; /* not used by GPT-2's file */
            } else if (c == 'n') cp = '\n';
            else if (c == 't') cp = '\t';
            else if (c == 'r') cp = '\r';
            else if (c == 'b') cp = 8;
            else if (c == 'f') cp = 12;
            else if (c == '"' || c == '\\' || c == '/') cp = c;
            else return 0;
        } else {
            /* raw UTF-8 */
            if (tt__char_at(s, i, n, &l) < 0) return 0;
            if (s[i] < 0x80) cp = s[i];
            else if (l == 2) cp = ((uint32_t)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
            else if (l == 3) cp = ((uint32_t)(s[i] & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            else if (l == 4) cp = ((uint32_t)(s[i] & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                                  ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            else return 0;
            i += l;
        }
        {
            int b = tt__gpt2_cp_to_byte(cp);
            if (b < 0) ok_bytes = 0;
            else if (k < cap) out[k++] = (unsigned char)b;
            else return 0;
        }
        /* UTF-8 copy for specials */
        if (kr + 4 > cap) return 0;
        if (cp < 0x80) raw[kr++] = (unsigned char)cp;
        else if (cp < 0x800) { raw[kr++] = (unsigned char)(0xC0 | (cp >> 6)); raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            raw[kr++] = (unsigned char)(0xE0 | (cp >> 12));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F));
        } else {
            raw[kr++] = (unsigned char)(0xF0 | (cp >> 18));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            raw[kr++] = (unsigned char)(0x80 | (cp & 0x3F));
        }
    }
    *pos = i;
    *out_n = ok_bytes ? k : (size_t)-1;
    *out_raw_n = kr;
    return 1;
}

TT__PRIVATE size_t tt__skip_ws(const unsigned char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    return i;
}

typedef struct tt__json_ent { uint32_t id, off, len, raw_off, raw_len; } tt__json_ent;

TTDEF tt_status tt_tokenizer_load_gpt2(const tt_tokenizer_config *cfg, const void *encoder_json, size_t n_json,
                                       const void *vocab_bpe, size_t n_bpe, tt_tokenizer **out) {
    const unsigned char *js = (const unsigned char *)encoder_json, *vb = (const unsigned char *)vocab_bpe;
    tt_allocator a;
    tt_logger lg;
    tt__vocab_buf v;
    tt__json_ent *ent = NULL;
    uint32_t *by_id = NULL, *voff = NULL;
    unsigned char *store = NULL, tmp[1024], rawtmp[1024];
    size_t store_cap = 0, store_n = 0, cap_ent = 0, n_ent = 0, i, pos, n_ids = 0, n_merges = 0;
    size_t n_ranked = 0, nspec = 0, by_id_bytes = 0, voff_bytes = 0;
    tt_status st = TT_OK;
    if ((!js && n_json) || (!vb && n_bpe) || !out) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    memset(&lg, 0, sizeof(lg));
    if (cfg) { a = cfg->allocator; lg = cfg->logger; }
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    memset(&v, 0, sizeof(v));
    v.a = &a;
    /* merges: the non-empty lines of vocab.bpe after its "#version" line */
    for (pos = 0; pos < n_bpe;) {
        size_t e = pos;
        while (e < n_bpe && vb[e] != '\n') e++;
        if (e > pos && !(pos == 0 && vb[0] == '#') && !(e == pos + 1 && vb[pos] == '\r')) n_merges++;
        pos = e + 1;
    }
    /* encoder.json: { "key": id, ... } */
    pos = tt__skip_ws(js, n_json, 0);
    if (pos >= n_json || js[pos] != '{') st = TT_ERR_BAD_FORMAT;
    else pos = tt__skip_ws(js, n_json, pos + 1);
    while (st == TT_OK && pos < n_json && js[pos] != '}') {
        size_t kn, kr, idv = 0;
        int digits = 0;
        void *pe = ent, *ps = store;
        if (!tt__json_string(js, n_json, &pos, tmp, sizeof(tmp), &kn, &kr, rawtmp)) { st = TT_ERR_BAD_FORMAT; break; }
        pos = tt__skip_ws(js, n_json, pos);
        if (pos >= n_json || js[pos] != ':') { st = TT_ERR_BAD_FORMAT; break; }
        pos = tt__skip_ws(js, n_json, pos + 1);
        while (pos < n_json && js[pos] >= '0' && js[pos] <= '9' && idv <= TT_MAX_VOCAB) {
            idv = idv * 10 + (size_t)(js[pos++] - '0');
            digits++;
        }
        if (!digits || idv >= TT_MAX_VOCAB) { st = TT_ERR_BAD_FORMAT; break; }
        if (!tt__bpe_grow(&a, &pe, &cap_ent, n_ent + 1, sizeof(tt__json_ent))) { st = TT_ERR_OUT_OF_MEMORY; break; }
        ent = (tt__json_ent *)pe;
        if (!tt__bpe_grow(&a, &ps, &store_cap, store_n + (kn == (size_t)-1 ? 0 : kn) + kr, 1)) {
            st = TT_ERR_OUT_OF_MEMORY;
            break;
        }
        store = (unsigned char *)ps;
        ent[n_ent].id = (uint32_t)idv;
        ent[n_ent].off = (uint32_t)store_n;
        ent[n_ent].len = kn == (size_t)-1 ? 0xFFFFFFFFu : (uint32_t)kn;
        /* an empty key leaves store unallocated: no pointer math on NULL */
        if (kn != (size_t)-1 && kn) { memcpy(store + store_n, tmp, kn); store_n += kn; }
        ent[n_ent].raw_off = (uint32_t)store_n;
        ent[n_ent].raw_len = (uint32_t)kr;
        if (kr) memcpy(store + store_n, rawtmp, kr);
        store_n += kr;
        n_ent++;
        if (idv + 1 > n_ids) n_ids = idv + 1;
        pos = tt__skip_ws(js, n_json, pos);
        if (pos < n_json && js[pos] == ',') pos = tt__skip_ws(js, n_json, pos + 1);
    }
    if (st == TT_OK && (pos >= n_json || js[pos] != '}')) st = TT_ERR_BAD_FORMAT;
    n_ranked = 256 + n_merges;
    if (st == TT_OK && (n_ids != n_ent || n_ids < n_ranked || n_ids - n_ranked > TT_TOKENIZER_MAX_SPECIAL))
        st = TT_ERR_BAD_FORMAT;
    if (st == TT_OK) {
        nspec = n_ids - n_ranked;
        by_id_bytes = n_ids * sizeof(uint32_t);
        by_id = (uint32_t *)tt__alloc(&a, by_id_bytes, 16);
        voff_bytes = (n_ids + 1) * sizeof(uint32_t);
        voff = (uint32_t *)tt__alloc(&a, voff_bytes, 16);
        if (!by_id || !voff) st = TT_ERR_OUT_OF_MEMORY;
    }
    if (st == TT_OK) {
        memset(by_id, 0xFF, by_id_bytes);
        for (i = 0; i < n_ent && st == TT_OK; i++) {
            if (by_id[ent[i].id] != 0xFFFFFFFFu) st = TT_ERR_BAD_FORMAT; /* duplicate id */
            by_id[ent[i].id] = (uint32_t)i;
        }
    }
    for (i = 0; st == TT_OK && i < n_ids; i++) {
        const tt__json_ent *en = &ent[by_id[i]];
        voff[i] = (uint32_t)v.nb;
        if (i < n_ranked) {
            if (en->len == 0xFFFFFFFFu || en->len == 0) { st = TT_ERR_BAD_FORMAT; break; }
            if (!tt__vb_add(&v, store + en->off, en->len)) st = TT_ERR_OUT_OF_MEMORY;
        } else if (!tt__vb_add(&v, en->raw_len ? store + en->raw_off : NULL, en->raw_len)) {
            st = TT_ERR_OUT_OF_MEMORY;
        }
    }
    /* vocab.bpe: merge k is "left right" whose bytes joined are token 256+k */
    if (st == TT_OK) {
        size_t k = 0;
        for (pos = 0; pos < n_bpe && st == TT_OK;) {
            size_t e = pos, le, j, m = 0, sp = (size_t)-1;
            while (e < n_bpe && vb[e] != '\n') e++;
            le = e;
            if (le > pos && vb[le - 1] == '\r') le--;
            if (le > pos && !(pos == 0 && vb[0] == '#')) {
                size_t id = 256 + k;
                for (j = pos; j < le;) {
                    size_t l;
                    uint32_t cp;
                    int b;
                    if (vb[j] == ' ' && sp == (size_t)-1) { sp = j; j++; continue; }
                    (void)tt__char_at(vb, j, le, &l);
                    if (vb[j] < 0x80) cp = vb[j];
                    else if (l == 2) cp = ((uint32_t)(vb[j] & 0x1F) << 6) | (vb[j + 1] & 0x3F);
                    else cp = 0xFFFFFFFFu;
                    b = tt__gpt2_cp_to_byte(cp);
                    if (b < 0 || m >= sizeof(tmp)) { st = TT_ERR_BAD_FORMAT; break; }
                    tmp[m++] = (unsigned char)b;
                    j += l;
                }
                if (st == TT_OK && (sp == (size_t)-1 || sp == pos || sp + 1 >= le || m != v.lens[id] ||
                                    memcmp(tmp, v.bytes + voff[id], m) != 0))
                    st = TT_ERR_BAD_FORMAT;
                k++;
            }
            pos = e + 1;
        }
    }
    if (st == TT_ERR_BAD_FORMAT) tt__log(&lg, TT_LOG_ERROR, st, "tt_tokenizer_load_gpt2: malformed encoder.json or vocab.bpe");
    if (st == TT_OK)
        st = tt__tok_build(cfg, (int32_t)v.n, (int32_t)nspec, TT_SPLIT_GPT2, v.lens, v.bytes, v.nb, out);
    tt__vb_free(&v);
    if (by_id) tt__free(&a, by_id, by_id_bytes);
    if (voff) tt__free(&a, voff, voff_bytes);
    if (ent) tt__free(&a, ent, cap_ent * sizeof(tt__json_ent));
    if (store) tt__free(&a, store, store_cap);
    return st;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_tokenizer_save_file(const tt_tokenizer *tok, const char *path) {
    if (!tok || !path) return TT_ERR_INVALID_ARG;
    return tt__save_atomic(path, tt__tok_save, tok);
}
TTDEF tt_status tt_tokenizer_load_file(const tt_tokenizer_config *cfg, const char *path, tt_tokenizer **out) {
    tt__load_ctx lc;
    tt_status st;
    if (!path || !out) return TT_ERR_INVALID_ARG;
    lc.cfg = cfg;
    lc.tok = NULL;
    st = tt__load_path(path, tt__tok_load, &lc);
    if (st == TT_OK) *out = lc.tok;
    return st;
}

/* read a whole file into memory with the config's allocator */
TT__PRIVATE tt_status tt__bpe_slurp(const tt_allocator *a, const char *path, unsigned char **out, size_t *out_n,
                                    size_t *out_cap) {
    FILE *f;
    size_t cap = 0, n = 0;
    void *buf = NULL;
    tt_status st = TT_OK;
    if (!path) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) return TT_ERR_IO;
    for (;;) {
        size_t got;
        if (!tt__bpe_grow(a, &buf, &cap, n + 65536, 1)) { st = TT_ERR_OUT_OF_MEMORY; break; }
        got = fread((unsigned char *)buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) st = TT_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (st != TT_OK) { tt__bpe_release(a, &buf, &cap, 1); return st; }
    *out = (unsigned char *)buf;
    *out_n = n;
    *out_cap = cap;
    return TT_OK;
}

TTDEF tt_status tt_tokenizer_load_tiktoken_file(const tt_tokenizer_config *cfg, const char *path, tt_tokenizer **out) {
    tt_allocator a;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    tt_status st;
    memset(&a, 0, sizeof(a));
    if (cfg) a = cfg->allocator;
    if (!out || !tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if ((st = tt__bpe_slurp(&a, path, &buf, &n, &cap)) != TT_OK) return st;
    st = tt_tokenizer_load_tiktoken(cfg, buf, n, out);
    tt__free(&a, buf, cap);
    return st;
}

TTDEF tt_status tt_tokenizer_load_gpt2_file(const tt_tokenizer_config *cfg, const char *encoder_json_path,
                                            const char *vocab_bpe_path, tt_tokenizer **out) {
    tt_allocator a;
    unsigned char *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0, c1 = 0, c2 = 0;
    tt_status st;
    memset(&a, 0, sizeof(a));
    if (cfg) a = cfg->allocator;
    if (!out || !tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if ((st = tt__bpe_slurp(&a, encoder_json_path, &b1, &n1, &c1)) != TT_OK) return st;
    if ((st = tt__bpe_slurp(&a, vocab_bpe_path, &b2, &n2, &c2)) != TT_OK) { tt__free(&a, b1, c1); return st; }
    st = tt_tokenizer_load_gpt2(cfg, b1, n1, b2, n2, out);
    tt__free(&a, b1, c1);
    tt__free(&a, b2, c2);
    return st;
}
#endif /* TT_NO_STDIO */
/* ==== end src/tt_bpe_files.c ==== */
/* ==== begin src/tt_bpe_train.c ==== */
/* >>bpe_train  byte-level BPE training: pieces counted into a word table
 * (threaded feed), then merges of the most frequent pair with incremental
 * pair counts, occurrence lists and a heap of candidate pairs */
/* #include "tt_internal.h" */
/* #include "tt_bpe_internal.h" */

/* ======================================================================
 * Counting words
 * ====================================================================== */

/* word -> count table: the words in the order first seen, their bytes in
 * an arena, found through a hash probe (items: word indices) */
typedef struct tt__word { uint64_t count, off; uint32_t len, pad; } tt__word;
typedef struct tt__wtab {
    const tt_allocator *a;
    tt__htab ht;             /* mask + 1 slots, a power of two (slot NULL: no table yet) */
    tt__word *w;
    size_t n, cap_w;
    unsigned char *bytes;
    size_t nb, cap_bytes;
} tt__wtab;

TT__PRIVATE void tt__wt_free(tt__wtab *w) {
    void *p = w->w, *q = w->bytes;
    if (w->ht.slot) tt__free(w->a, w->ht.slot, (w->ht.mask + 1) * sizeof(tt__hslot));
    w->ht.slot = NULL;
    w->ht.mask = 0;
    tt__bpe_release(w->a, &p, &w->cap_w, sizeof(tt__word));
    tt__bpe_release(w->a, &q, &w->cap_bytes, 1);
    w->w = NULL;
    w->bytes = NULL;
    w->n = w->nb = 0;
}

/* new slots (ncap, a power of two) with every word put back */
TT__PRIVATE int tt__wt_rehash(tt__wtab *w, size_t ncap) {
    tt__htab nt;
    size_t i, bytes;
    if (!tt__mul_size(ncap, sizeof(tt__hslot), &bytes)) return 0;
    nt.slot = (tt__hslot *)tt__alloc(w->a, bytes, 64);
    if (!nt.slot) return 0;
    nt.mask = ncap - 1;
    tt__hash_clear(&nt);
    for (i = 0; i < w->n; i++)
        tt__hash_insert(&nt, tt__hash_bytes(w->bytes + w->w[i].off, w->w[i].len), (uint32_t)i);
    if (w->ht.slot) tt__free(w->a, w->ht.slot, (w->ht.mask + 1) * sizeof(tt__hslot));
    w->ht = nt;
    return 1;
}

/* add count to word p[0..n) (hash h). Returns 0 when out of memory. */
TT__PRIVATE int tt__wt_add(tt__wtab *w, const unsigned char *p, size_t n, uint64_t h, uint64_t count) {
    size_t cap = w->ht.slot ? w->ht.mask + 1 : 0;
    tt__hprobe pr;
    uint32_t it;
    void *q;
    if ((w->n + 1) * 2 > cap && !tt__wt_rehash(w, cap ? cap * 2 : 1024)) return 0;
    tt__hash_begin(&w->ht, h, &pr);
    while ((it = tt__hash_probe(&w->ht, &pr)) != TT__HASH_EMPTY)
        if (w->w[it].len == n && memcmp(w->bytes + w->w[it].off, p, n) == 0) {
            w->w[it].count += count;
            return 1;
        }
    if (w->n >= 0x7FFFFFF0u) return 0; /* word indices are int32 in the merge loop */
    q = w->w;
    if (!tt__bpe_grow(w->a, &q, &w->cap_w, w->n + 1, sizeof(tt__word))) return 0;
    w->w = (tt__word *)q;
    q = w->bytes;
    if (!tt__bpe_grow(w->a, &q, &w->cap_bytes, w->nb + n, 1)) return 0;
    w->bytes = (unsigned char *)q;
    memcpy(w->bytes + w->nb, p, n);
    w->w[w->n].count = count;
    w->w[w->n].off = w->nb;
    w->w[w->n].len = (uint32_t)n;
    w->w[w->n].pad = 0;
    tt__hash_put(&w->ht, &pr, (uint32_t)w->n);
    w->nb += n;
    w->n++;
    return 1;
}

/* ======================================================================
 * The trainer object and feeding text
 * ====================================================================== */

struct tt_tokenizer_trainer {
    tt_allocator alloc;
    tt_logger logger;
    tt_tokenizer_config cfg;   /* copy; special_tokens pointer cleared */
    tt__vocab_buf spec;        /* special token strings */
    uint32_t *spec_off;
    size_t spec_off_bytes;
    unsigned char spec_first[256];
    int32_t split_mode, vocab_size, min_freq;
    tt__exec ex;
    void *pool;
    tt__wtab words;
    int finished;
};

/* first special match in s[pos..end) (longest at a position) */
TT__PRIVATE size_t tt__tr_find_special(const tt_tokenizer_trainer *tr, const unsigned char *s, size_t pos, size_t end,
                                       size_t *mlen) {
    size_t i, k;
    if (tr->spec.n == 0) return end;
    for (i = pos; i < end; i++) {
        size_t bl = 0;
        if (!tr->spec_first[s[i]]) continue;
        for (k = 0; k < tr->spec.n; k++) {
            size_t l = tr->spec.lens[k];
            if (l <= end - i && l > bl && memcmp(s + i, tr->spec.bytes + tr->spec_off[k], l) == 0) bl = l;
        }
        if (bl) { *mlen = bl; return i; }
    }
    return end;
}

/* count the pieces of s[0..n) (no special tokens inside) into w */
TT__PRIVATE int tt__tr_count(tt__wtab *w, int split_mode, const unsigned char *s, size_t n) {
    size_t i = 0, j;
    if (split_mode == TT_SPLIT_NONE) return n == 0 || (n < 0xFFFFFFFFu && tt__wt_add(w, s, n, tt__hash_bytes(s, n), 1));
    while (i < n) {
        j = tt__piece_end(s, i, n);
        if (j - i >= 0xFFFFFFFFu || !tt__wt_add(w, s + i, j - i, tt__hash_bytes(s + i, j - i), 1)) return 0;
        i = j;
    }
    return 1;
}

typedef struct tt__tr_range { size_t a, b; } tt__tr_range;
typedef struct tt__tr_job {
    tt_tokenizer_trainer *tr;
    const unsigned char *s;
    const tt__tr_range *r;
    size_t nr;
    int nt;
    tt__wtab local[TT__MAX_THREADS];
    int ok[TT__MAX_THREADS];
} tt__tr_job;

TT__PRIVATE void tt__tr_task(void *arg, int i) {
    tt__tr_job *j = (tt__tr_job *)arg;
    size_t k;
    j->ok[i] = 1;
    for (k = (size_t)i; k < j->nr && j->ok[i]; k += (size_t)j->nt)
        j->ok[i] = tt__tr_count(&j->local[i], j->tr->split_mode, j->s + j->r[k].a, j->r[k].b - j->r[k].a);
}

TTDEF tt_status tt_tokenizer_trainer_create(const tt_tokenizer_config *cfg, tt_tokenizer_trainer **out) {
    tt_allocator a;
    tt_tokenizer_trainer *tr;
    tt_status st;
    int32_t i;
    size_t k, off = 0;
    if (!cfg || !out) return TT_ERR_INVALID_ARG;
    a = cfg->allocator;
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    if (cfg->vocab_size < 256 + (cfg->n_special > 0 ? cfg->n_special : 0) || cfg->vocab_size > TT_MAX_VOCAB ||
        cfg->n_special < 0 || cfg->min_frequency < 0 ||
        (cfg->split_mode != TT_SPLIT_GPT2 && cfg->split_mode != TT_SPLIT_NONE)) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "tt_tokenizer_train: need 256 + n_special <= vocab_size <= TT_MAX_VOCAB and a valid split mode");
        return TT_ERR_INVALID_ARG;
    }
    tr = (tt_tokenizer_trainer *)tt__alloc(&a, sizeof(*tr), 64);
    if (!tr) return TT_ERR_OUT_OF_MEMORY;
    memset(tr, 0, sizeof(*tr));
    tr->alloc = a;
    tr->logger = cfg->logger;
    tr->cfg = *cfg;
    tr->cfg.special_tokens = NULL;
    tr->cfg.n_special = 0;
    tr->split_mode = cfg->split_mode;
    tr->vocab_size = cfg->vocab_size;
    tr->min_freq = cfg->min_frequency > 0 ? cfg->min_frequency : 2;
    tr->spec.a = &tr->alloc;
    tr->words.a = &tr->alloc;
    st = tt__vb_add_specials(&tr->spec, cfg);
    if (st == TT_OK && tr->spec.n) {
        tr->spec_off_bytes = tr->spec.n * sizeof(uint32_t);
        tr->spec_off = (uint32_t *)tt__alloc(&a, tr->spec_off_bytes, 16);
        if (!tr->spec_off) st = TT_ERR_OUT_OF_MEMORY;
        for (k = 0; st == TT_OK && k < tr->spec.n; k++) {
            tr->spec_off[k] = (uint32_t)off;
            off += tr->spec.lens[k];
            tr->spec_first[tr->spec.bytes[tr->spec_off[k]]] = 1;
        }
        for (k = 0; st == TT_OK && k < tr->spec.n; k++)
            for (i = 0; (size_t)i < k; i++)
                if (tr->spec.lens[i] == tr->spec.lens[k] &&
                    memcmp(tr->spec.bytes + tr->spec_off[i], tr->spec.bytes + tr->spec_off[k], tr->spec.lens[k]) == 0)
                    st = TT_ERR_INVALID_ARG; /* duplicate special token */
    }
    if (st == TT_OK) st = tt__bpe_exec_start(cfg, &a, &tr->ex, &tr->pool);
    if (st != TT_OK) {
        tt__vb_free(&tr->spec);
        if (tr->spec_off) tt__free(&a, tr->spec_off, tr->spec_off_bytes);
        tt__free(&a, tr, sizeof(*tr));
        return st;
    }
    *out = tr;
    return TT_OK;
}

TTDEF void tt_tokenizer_trainer_destroy(tt_tokenizer_trainer *tr) {
    tt_allocator a;
    if (!tr) return;
    a = tr->alloc;
    tt__bpe_exec_stop(&a, &tr->ex, &tr->pool);
    tt__wt_free(&tr->words);
    tt__vb_free(&tr->spec);
    if (tr->spec_off) tt__free(&a, tr->spec_off, tr->spec_off_bytes);
    tt__free(&a, tr, sizeof(*tr));
}

#define TT__TR_CHUNK ((size_t)1 << 19)

TTDEF tt_status tt_tokenizer_trainer_feed(tt_tokenizer_trainer *tr, const void *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    tt__tr_range *r = NULL;
    size_t nr = 0, cap_r = 0, pos = 0;
    tt_status st = TT_OK;
    int k;
    if (!tr || (!text && n) || tr->finished) return TT_ERR_INVALID_ARG;
    /* segments between special tokens, cut further at safe points */
    while (pos < n && st == TT_OK) {
        size_t ml = 0, m = tt__tr_find_special(tr, s, pos, n, &ml), a = pos;
        while (a < m) {
            size_t b = m - a > TT__TR_CHUNK && tr->split_mode == TT_SPLIT_GPT2 ? a + TT__TR_CHUNK : m;
            void *q = r;
            while (b < m && !tt__safe_cut(s, b)) b++;
            if (!tt__bpe_grow(&tr->alloc, &q, &cap_r, nr + 1, sizeof(tt__tr_range))) { st = TT_ERR_OUT_OF_MEMORY; break; }
            r = (tt__tr_range *)q;
            r[nr].a = a;
            r[nr].b = b;
            nr++;
            a = b;
        }
        pos = m + ml;
    }
    if (st == TT_OK && (tr->ex.n_threads <= 1 || nr < 2)) {
        size_t i;
        for (i = 0; i < nr && st == TT_OK; i++)
            if (!tt__tr_count(&tr->words, tr->split_mode, s + r[i].a, r[i].b - r[i].a)) st = TT_ERR_OUT_OF_MEMORY;
    } else if (st == TT_OK) {
        tt__tr_job *j = (tt__tr_job *)tt__alloc(&tr->alloc, sizeof(tt__tr_job), 64);
        if (!j) st = TT_ERR_OUT_OF_MEMORY;
        else {
            memset(j, 0, sizeof(*j));
            j->tr = tr; j->s = s; j->r = r; j->nr = nr;
            j->nt = tr->ex.n_threads;
            for (k = 0; k < j->nt; k++) j->local[k].a = &tr->alloc;
            tt__parallel_for(&tr->ex, j->nt, tt__tr_task, j);
            /* merge in task order (counts add up the same in any order) */
            for (k = 0; k < j->nt; k++) {
                tt__wtab *w = &j->local[k];
                size_t i;
                if (!j->ok[k]) st = TT_ERR_OUT_OF_MEMORY;
                for (i = 0; i < w->n && st == TT_OK; i++) {
                    const tt__word *wd = &w->w[i];
                    if (!tt__wt_add(&tr->words, w->bytes + wd->off, wd->len, tt__hash_bytes(w->bytes + wd->off, wd->len),
                                    wd->count))
                        st = TT_ERR_OUT_OF_MEMORY;
                }
                tt__wt_free(w);
            }
            tt__free(&tr->alloc, j, sizeof(tt__tr_job));
        }
    }
    if (r) tt__free(&tr->alloc, r, cap_r * sizeof(tt__tr_range));
    if (st != TT_OK) tt__log(&tr->logger, TT_LOG_ERROR, st, "tt_tokenizer_trainer_feed: out of memory");
    return st;
}

/* ======================================================================
 * The merge loop
 * ====================================================================== */

typedef struct tt__pair {
    int64_t count;
    int32_t a, b;
    int32_t head, tail;      /* occurrence blocks (-1 = none) */
    int32_t last_word;       /* last word appended (avoids repeats) */
    int32_t stamp;           /* merge step that last raised the count */
    int32_t tail_fill;       /* words used in the tail block */
    int32_t banned;          /* merged token would be too long */
} tt__pair;

#define TT__OCC_N 7
typedef struct tt__occ { int32_t w[TT__OCC_N]; int32_t next; } tt__occ;
typedef struct tt__heap_ent { int64_t count; int32_t pair, pad; } tt__heap_ent;

typedef struct tt__merger {
    const tt_allocator *a;
    tt__pair *pairs;
    size_t n_pairs, cap_pairs;
    tt__htab pmap;           /* pairs by (a, b) (items: pair indices; slot NULL: none yet) */
    tt__occ *occ;
    size_t n_occ, cap_occ;
    int32_t free_occ;
    tt__heap heap;           /* tt__heap_ent in tt__pair_before order: most frequent first */
    int32_t *touched;
    size_t n_touched, cap_touched;
    int32_t step;
} tt__merger;

TT__PRIVATE uint64_t tt__pair_hash(int32_t a, int32_t b) {
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* heap order: higher count first, then smaller left id, then right id */
TT__PRIVATE int tt__pair_before(const void *ctx, const void *x, const void *y) {
    const tt__merger *m = (const tt__merger *)ctx;
    const tt__heap_ent *ex = (const tt__heap_ent *)x, *ey = (const tt__heap_ent *)y;
    const tt__pair *px, *py;
    if (ex->count != ey->count) return ex->count > ey->count;
    px = &m->pairs[ex->pair];
    py = &m->pairs[ey->pair];
    if (px->a != py->a) return px->a < py->a;
    return px->b < py->b;
}

TT__PRIVATE void tt__merger_init(tt__merger *m, const tt_allocator *a) {
    memset(m, 0, sizeof(*m));
    m->a = a;
    m->free_occ = -1;
    m->heap.elem = sizeof(tt__heap_ent);
}

TT__PRIVATE void tt__merger_free(tt__merger *m) {
    void *p;
    p = m->pairs; tt__bpe_release(m->a, &p, &m->cap_pairs, sizeof(tt__pair));
    if (m->pmap.slot) tt__free(m->a, m->pmap.slot, (m->pmap.mask + 1) * sizeof(tt__hslot));
    p = m->occ; tt__bpe_release(m->a, &p, &m->cap_occ, sizeof(tt__occ));
    p = m->heap.base; tt__bpe_release(m->a, &p, &m->heap.cap, sizeof(tt__heap_ent));
    p = m->touched; tt__bpe_release(m->a, &p, &m->cap_touched, sizeof(int32_t));
}

TT__PRIVATE int tt__pmap_rehash(tt__merger *m, size_t ncap) {
    tt__htab nt;
    size_t i, bytes;
    if (!tt__mul_size(ncap, sizeof(tt__hslot), &bytes)) return 0;
    nt.slot = (tt__hslot *)tt__alloc(m->a, bytes, 64);
    if (!nt.slot) return 0;
    nt.mask = ncap - 1;
    tt__hash_clear(&nt);
    for (i = 0; i < m->n_pairs; i++) tt__hash_insert(&nt, tt__pair_hash(m->pairs[i].a, m->pairs[i].b), (uint32_t)i);
    if (m->pmap.slot) tt__free(m->a, m->pmap.slot, (m->pmap.mask + 1) * sizeof(tt__hslot));
    m->pmap = nt;
    return 1;
}

/* index of pair (a, b), created with count 0 if create; -1 if absent or
 * (create only) out of memory. Only a create may grow the table: a lookup
 * that failed to grow it would read as "absent" and drop a count. The load
 * stays <= 1/2, so a probe always reaches an empty slot. */
TT__PRIVATE int32_t tt__pair_get(tt__merger *m, int32_t a, int32_t b, int create) {
    size_t cap = m->pmap.slot ? m->pmap.mask + 1 : 0;
    tt__hprobe pr;
    uint32_t it;
    void *q;
    tt__pair *p;
    if (!cap && !create) return -1;
    if (create && (m->n_pairs + 1) * 2 > cap && !tt__pmap_rehash(m, cap ? cap * 2 : 4096)) return -1;
    tt__hash_begin(&m->pmap, tt__pair_hash(a, b), &pr);
    while ((it = tt__hash_probe(&m->pmap, &pr)) != TT__HASH_EMPTY)
        if (m->pairs[it].a == a && m->pairs[it].b == b) return (int32_t)it;
    if (!create) return -1;
    q = m->pairs;
    if (m->n_pairs >= 0x7FFFFFF0u || !tt__bpe_grow(m->a, &q, &m->cap_pairs, m->n_pairs + 1, sizeof(tt__pair))) return -1;
    m->pairs = (tt__pair *)q;
    p = &m->pairs[m->n_pairs];
    memset(p, 0, sizeof(*p));
    p->a = a;
    p->b = b;
    p->head = p->tail = p->last_word = -1;
    p->stamp = -1;
    tt__hash_put(&m->pmap, &pr, (uint32_t)m->n_pairs);
    return (int32_t)m->n_pairs++;
}

TT__PRIVATE int tt__occ_append(tt__merger *m, tt__pair *p, int32_t w) {
    int32_t blk;
    if (p->last_word == w) return 1;
    p->last_word = w;
    if (p->tail >= 0 && p->tail_fill < TT__OCC_N) {
        m->occ[p->tail].w[p->tail_fill++] = w;
        return 1;
    }
    if (m->free_occ >= 0) {
        blk = m->free_occ;
        m->free_occ = m->occ[blk].next;
    } else {
        void *q = m->occ;
        if (m->n_occ >= 0x7FFFFFF0u || !tt__bpe_grow(m->a, &q, &m->cap_occ, m->n_occ + 1, sizeof(tt__occ))) return 0;
        m->occ = (tt__occ *)q;
        blk = (int32_t)m->n_occ++;
    }
    m->occ[blk].next = -1;
    m->occ[blk].w[0] = w;
    if (p->tail >= 0) m->occ[p->tail].next = blk;
    else p->head = blk;
    p->tail = blk;
    p->tail_fill = 1;
    return 1;
}

/* the pair with its current count into the heap */
TT__PRIVATE int tt__hpush(tt__merger *m, int32_t pair) {
    tt__heap_ent e;
    if (!tt__bpe_grow(m->a, &m->heap.base, &m->heap.cap, m->heap.n + 1, sizeof(tt__heap_ent))) return 0;
    e.count = m->pairs[pair].count;
    e.pair = pair;
    e.pad = 0;
    tt__heap_push(&m->heap, &e, tt__pair_before, m);
    return 1;
}

/* pair (x, y) count += d; on increase remember word w and the pair */
TT__PRIVATE int tt__pair_delta(tt__merger *m, int32_t x, int32_t y, int64_t d, int32_t w) {
    int32_t pi = tt__pair_get(m, x, y, d > 0);
    tt__pair *p;
    if (pi < 0) return d <= 0; /* a decrement of a missing pair cannot happen */
    p = &m->pairs[pi];
    p->count += d;
    if (d > 0) {
        if (!tt__occ_append(m, p, w)) return 0;
        if (p->stamp != m->step) {
            void *q = m->touched;
            p->stamp = m->step;
            if (!tt__bpe_grow(m->a, &q, &m->cap_touched, m->n_touched + 1, sizeof(int32_t))) return 0;
            m->touched = (int32_t *)q;
            m->touched[m->n_touched++] = pi;
        }
    }
    return 1;
}

/* ======================================================================
 * tt_tokenizer_trainer_finish, step by step
 * ====================================================================== */

typedef struct tt__fin {
    tt_tokenizer_trainer *tr;
    const tt_allocator *a;
    tt__merger m;
    tt__vocab_buf v;          /* the vocabulary so far: 256 bytes, then a token per merge */
    uint64_t *voff;           /* per token: offset of its bytes in v.bytes */
    size_t cap_voff;
    tt__htab tm;              /* token bytes -> id (items: ids; slot NULL: none yet) */
    /* the words as symbol arrays: word i is sym[w_off[i] .. + w_len[i]),
     * counted w_cnt[i] times; w_stamp[i]: the merge step that last rewrote it */
    uint64_t *w_off, *w_cnt;
    uint32_t *w_len;
    int32_t *sym, *w_stamp;
    size_t nw, b_woff, b_wlen, b_sym, b_wst;
    int32_t n_merges, n_done, n_tok;
} tt__fin;

/* the counted words as symbol arrays (byte values); frees the word table */
TT__PRIVATE tt_status tt__fin_words(tt__fin *f) {
    tt__wtab *wt = &f->tr->words;
    size_t i, k, o = 0, nw = wt->n;
    /* word indices are int32 (occurrence lists); byte counts may not wrap */
    if (nw >= 0x7FFFFFF0u || !tt__mul_size(nw + 1, sizeof(uint64_t), &f->b_woff) ||
        !tt__mul_size(wt->nb + 1, sizeof(int32_t), &f->b_sym))
        return TT_ERR_OUT_OF_MEMORY;
    f->nw = nw;
    f->b_wlen = (nw + 1) * sizeof(uint32_t);
    f->b_wst = (nw + 1) * sizeof(int32_t);
    f->w_off = (uint64_t *)tt__alloc(f->a, f->b_woff, 64);
    f->w_cnt = (uint64_t *)tt__alloc(f->a, f->b_woff, 64);
    f->w_len = (uint32_t *)tt__alloc(f->a, f->b_wlen, 64);
    f->sym = (int32_t *)tt__alloc(f->a, f->b_sym, 64);
    f->w_stamp = (int32_t *)tt__alloc(f->a, f->b_wst, 64);
    if (!f->w_off || !f->w_cnt || !f->w_len || !f->sym || !f->w_stamp) return TT_ERR_OUT_OF_MEMORY;
    for (i = 0; i < nw; i++) {
        const tt__word *wd = &wt->w[i];
        f->w_off[i] = o;
        f->w_len[i] = wd->len;
        f->w_cnt[i] = wd->count;
        f->w_stamp[i] = -1;
        for (k = 0; k < wd->len; k++) f->sym[o + k] = wt->bytes[wd->off + k];
        o += wd->len;
    }
    tt__wt_free(wt);
    return TT_OK;
}

/* the 256 single bytes as the first tokens, and the bytes -> id map */
TT__PRIVATE tt_status tt__fin_vocab_init(tt__fin *f) {
    size_t i, cap = 1024;
    void *q = NULL;
    for (i = 0; i < 256; i++) {
        unsigned char c = (unsigned char)i;
        if (!tt__vb_add(&f->v, &c, 1)) return TT_ERR_OUT_OF_MEMORY;
    }
    while (cap < (size_t)f->tr->vocab_size * 2) cap *= 2;
    f->tm.slot = (tt__hslot *)tt__alloc(f->a, cap * sizeof(tt__hslot), 64);
    if (!f->tm.slot) return TT_ERR_OUT_OF_MEMORY;
    f->tm.mask = cap - 1;
    tt__hash_clear(&f->tm);
    if (!tt__bpe_grow(f->a, &q, &f->cap_voff, (size_t)f->tr->vocab_size + 1, sizeof(uint64_t)))
        return TT_ERR_OUT_OF_MEMORY;
    f->voff = (uint64_t *)q;
    for (i = 0; i < 256; i++) {
        f->voff[i] = i;
        tt__hash_insert(&f->tm, tt__hash_bytes(f->v.bytes + i, 1), (uint32_t)i);
    }
    return TT_OK;
}

/* every adjacent pair's count and the words it occurs in; the pairs seen
 * at least min_frequency times into the heap */
TT__PRIVATE tt_status tt__fin_pairs_init(tt__fin *f) {
    tt__merger *m = &f->m;
    size_t i, k;
    for (i = 0; i < f->nw; i++) {
        const int32_t *s = f->sym + f->w_off[i];
        for (k = 0; k + 1 < f->w_len[i]; k++) {
            int32_t pi = tt__pair_get(m, s[k], s[k + 1], 1);
            if (pi < 0 || !tt__occ_append(m, &m->pairs[pi], (int32_t)i)) return TT_ERR_OUT_OF_MEMORY;
            m->pairs[pi].count += (int64_t)f->w_cnt[i];
        }
    }
    for (i = 0; i < m->n_pairs; i++)
        if (m->pairs[i].count >= f->tr->min_freq && !tt__hpush(m, (int32_t)i)) return TT_ERR_OUT_OF_MEMORY;
    return TT_OK;
}

/* the progress callback with the merges done; TT_ERR_CANCELLED when it says stop */
TT__PRIVATE tt_status tt__fin_progress(const tt__fin *f) {
    const tt_tokenizer_config *c = &f->tr->cfg;
    if (c->progress && c->progress(c->progress_user, (uint64_t)f->n_done, (uint64_t)f->n_merges))
        return TT_ERR_CANCELLED;
    return TT_OK;
}

/* *out_t = the token for tokens pa, pb joined: the existing token with
 * those bytes, or a new one (a merge done) */
TT__PRIVATE tt_status tt__fin_token(tt__fin *f, int32_t pa, int32_t pb, int32_t *out_t) {
    tt__vocab_buf *v = &f->v;
    size_t la = v->lens[pa], lb = v->lens[pb], off = v->nb;
    unsigned char *nb;
    void *q = v->bytes;
    tt__hprobe pr;
    uint32_t it;
    if (!tt__bpe_grow(f->a, &q, &v->cap_bytes, v->nb + la + lb, 1)) return TT_ERR_OUT_OF_MEMORY;
    v->bytes = (unsigned char *)q;
    nb = v->bytes + off;
    memcpy(nb, v->bytes + f->voff[pa], la);
    memcpy(nb + la, v->bytes + f->voff[pb], lb);
    tt__hash_begin(&f->tm, tt__hash_bytes(nb, la + lb), &pr);
    while ((it = tt__hash_probe(&f->tm, &pr)) != TT__HASH_EMPTY)
        if (v->lens[it] == la + lb && memcmp(v->bytes + f->voff[it], nb, la + lb) == 0) {
            *out_t = (int32_t)it;
            return TT_OK;
        }
    if (!tt__vb_add(v, nb, 0)) return TT_ERR_OUT_OF_MEMORY; /* the bytes are in place already */
    v->lens[v->n - 1] = (uint32_t)(la + lb);
    v->nb = off + la + lb;
    *out_t = f->n_tok++;
    f->voff[*out_t] = off;
    tt__hash_put(&f->tm, &pr, (uint32_t)*out_t);
    f->n_done++;
    return TT_OK;
}

/* rewrite word w with every (pa, pb) -> t, moving the counts of the
 * neighbouring pairs; pair pi = (pa, pb) loses the merged occurrences */
TT__PRIVATE tt_status tt__fin_merge_word(tt__fin *f, int32_t w, int32_t pi, int32_t t) {
    tt__merger *m = &f->m;
    int32_t *s = f->sym + f->w_off[w], pa = m->pairs[pi].a, pb = m->pairs[pi].b;
    uint32_t n = f->w_len[w], r = 0, o = 0;
    int64_t c = (int64_t)f->w_cnt[w];
    while (r < n) {
        if (r + 1 < n && s[r] == pa && s[r + 1] == pb) {
            if (o > 0 && (!tt__pair_delta(m, s[o - 1], pa, -c, w) || !tt__pair_delta(m, s[o - 1], t, c, w)))
                return TT_ERR_OUT_OF_MEMORY;
            if (r + 2 < n && (!tt__pair_delta(m, pb, s[r + 2], -c, w) || !tt__pair_delta(m, t, s[r + 2], c, w)))
                return TT_ERR_OUT_OF_MEMORY;
            m->pairs[pi].count -= c;
            s[o++] = t;
            r += 2;
        } else {
            s[o++] = s[r++];
        }
    }
    f->w_len[w] = o;
    return TT_OK;
}

/* apply the merge of pair pi into t inside every word on its occurrence
 * list (each word once: the list may name a word more than once) */
TT__PRIVATE tt_status tt__fin_apply(tt__fin *f, int32_t pi, int32_t t) {
    tt__merger *m = &f->m;
    int32_t blk;
    tt_status st = TT_OK;
    m->step++;
    m->n_touched = 0;
    for (blk = m->pairs[pi].head; blk >= 0 && st == TT_OK; blk = m->occ[blk].next) {
        int32_t nin = m->occ[blk].next >= 0 ? TT__OCC_N : m->pairs[pi].tail_fill, q;
        for (q = 0; q < nin && st == TT_OK; q++) {
            int32_t w = m->occ[blk].w[q];
            if (f->w_stamp[w] == m->step) continue;
            f->w_stamp[w] = m->step;
            st = tt__fin_merge_word(f, w, pi, t);
        }
    }
    return st;
}

/* pair pi is merged away: recycle its occurrence blocks; the pairs whose
 * count rose in this step go (back) into the heap */
TT__PRIVATE tt_status tt__fin_retire(tt__fin *f, int32_t pi) {
    tt__merger *m = &f->m;
    tt__pair *p = &m->pairs[pi];
    size_t i;
    if (p->tail >= 0) {
        m->occ[p->tail].next = m->free_occ;
        m->free_occ = p->head;
    }
    p->head = p->tail = p->last_word = -1;
    p->tail_fill = 0;
    p->count = 0;
    for (i = 0; i < m->n_touched; i++) {
        int32_t t = m->touched[i];
        if (m->pairs[t].count >= f->tr->min_freq && !tt__hpush(m, t)) return TT_ERR_OUT_OF_MEMORY;
    }
    return TT_OK;
}

/* merge the most frequent pair until n_merges tokens are new, no pair
 * reaches min_frequency, or the heap runs dry */
TT__PRIVATE tt_status tt__fin_merge_loop(tt__fin *f) {
    tt__merger *m = &f->m;
    int32_t min_freq = f->tr->min_freq, t;
    tt_status st = TT_OK;
    while (st == TT_OK && f->n_done < f->n_merges && m->heap.n) {
        tt__heap_ent e;
        tt__pair *p;
        tt__heap_pop(&m->heap, &e, tt__pair_before, m);
        p = &m->pairs[e.pair];
        if (p->count != e.count) {
            /* stale: lower now (re-score) or a fresher entry exists */
            if (p->count < e.count && p->count >= min_freq && !p->banned && !tt__hpush(m, e.pair))
                st = TT_ERR_OUT_OF_MEMORY;
            continue;
        }
        if (e.count < min_freq) break;
        if (p->banned) continue;
        if ((size_t)f->v.lens[p->a] + f->v.lens[p->b] > TT_TOKENIZER_MAX_TOKEN_BYTES) {
            p->banned = 1;
            continue;
        }
        if ((st = tt__fin_token(f, p->a, p->b, &t)) != TT_OK) break;
        if ((st = tt__fin_apply(f, e.pair, t)) != TT_OK) break;
        if ((st = tt__fin_retire(f, e.pair)) != TT_OK) break;
        if (f->n_done % 1024 == 0 || f->n_done == f->n_merges) st = tt__fin_progress(f);
    }
    if (st == TT_OK && f->n_done < f->n_merges) {
        st = tt__fin_progress(f);
        if (st == TT_OK)
            tt__logf(&f->tr->logger, TT_LOG_INFO, TT_OK, "tt_tokenizer_train: no pair reaches min_frequency; merges: ",
                     f->n_done);
    }
    return st;
}

/* the special tokens after the merges, then the tokenizer */
TT__PRIVATE tt_status tt__fin_build(tt__fin *f, tt_tokenizer **out) {
    const tt_tokenizer_trainer *tr = f->tr;
    tt_tokenizer_config c = tr->cfg;
    size_t i;
    tt_status st;
    for (i = 0; i < tr->spec.n; i++)
        if (!tt__vb_add(&f->v, tr->spec.bytes + tr->spec_off[i], tr->spec.lens[i])) return TT_ERR_OUT_OF_MEMORY;
    st = tt__tok_build(&c, (int32_t)f->v.n, (int32_t)tr->spec.n, tr->split_mode, f->v.lens, f->v.bytes, f->v.nb, out);
    return st == TT_ERR_BAD_FORMAT ? TT_ERR_INVALID_ARG : st;
}

TT__PRIVATE void tt__fin_free(tt__fin *f) {
    const tt_allocator *a = f->a;
    tt__merger_free(&f->m);
    tt__vb_free(&f->v);
    if (f->tm.slot) tt__free(a, f->tm.slot, (f->tm.mask + 1) * sizeof(tt__hslot));
    if (f->voff) tt__free(a, f->voff, f->cap_voff * sizeof(uint64_t));
    if (f->w_off) tt__free(a, f->w_off, f->b_woff);
    if (f->w_cnt) tt__free(a, f->w_cnt, f->b_woff);
    if (f->w_len) tt__free(a, f->w_len, f->b_wlen);
    if (f->sym) tt__free(a, f->sym, f->b_sym);
    if (f->w_stamp) tt__free(a, f->w_stamp, f->b_wst);
}

TTDEF tt_status tt_tokenizer_trainer_finish(tt_tokenizer_trainer *tr, tt_tokenizer **out) {
    tt__fin f;
    tt_status st;
    if (!tr || !out || tr->finished) return TT_ERR_INVALID_ARG;
    tr->finished = 1;
    memset(&f, 0, sizeof(f));
    f.tr = tr;
    f.a = &tr->alloc;
    tt__merger_init(&f.m, f.a);
    f.v.a = f.a;
    f.n_merges = tr->vocab_size - 256 - (int32_t)tr->spec.n;
    f.n_tok = 256;
    st = tt__fin_words(&f);
    if (st == TT_OK) st = tt__fin_vocab_init(&f);
    if (st == TT_OK) st = tt__fin_pairs_init(&f);
    if (st == TT_OK) st = tt__fin_progress(&f);
    if (st == TT_OK) st = tt__fin_merge_loop(&f);
    if (st == TT_OK) st = tt__fin_build(&f, out);
    if (st == TT_ERR_OUT_OF_MEMORY) tt__log(&tr->logger, TT_LOG_ERROR, st, "tt_tokenizer_train: out of memory");
    tt__fin_free(&f);
    return st;
}

TTDEF tt_status tt_tokenizer_train(const tt_tokenizer_config *cfg, const void *text, size_t n, tt_tokenizer **out) {
    tt_tokenizer_trainer *tr = NULL;
    tt_status st;
    if (!cfg || (!text && n) || !out) return TT_ERR_INVALID_ARG;
    if ((st = tt_tokenizer_trainer_create(cfg, &tr)) != TT_OK) return st;
    st = tt_tokenizer_trainer_feed(tr, text, n);
    if (st == TT_OK) st = tt_tokenizer_trainer_finish(tr, out);
    tt_tokenizer_trainer_destroy(tr);
    return st;
}
/* ==== end src/tt_bpe_train.c ==== */
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
    if (n > ((uint64_t)1 << 60)) return TT_ERR_INVALID_ARG;
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
    /* count <= 2^60: header + 4 * count fits a 64-bit long, so a corrupt
     * count is a size mismatch there, not a file too large to seek */
    if (info.header_size != TT_TOKENS_HEADER_SIZE || vocab < 1 || vocab > (uint32_t)TT_MAX_VOCAB ||
        info.id_bytes != tt__tokens_width((int32_t)vocab) || tt__get_u32(h + 20) != 0 ||
        info.count > ((uint64_t)1 << 60)) {
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

struct tt_token_writer {
    FILE *f;
    tt_allocator alloc;
    size_t bytes;        /* of this allocation (struct + both paths) */
    char *path, *tmp;
    uint64_t count;
    uint32_t crc, width;
    int32_t vocab;
    tt_status st;        /* first error */
};

TTDEF tt_status tt_token_writer_open(const char *path, int32_t vocab_size, const tt_allocator *allocator,
                                     tt_token_writer **out) {
    tt_token_writer *w;
    size_t n, bytes;
    unsigned char zero[TT_TOKENS_HEADER_SIZE];
    tt_allocator a;
    if (!path || !out || vocab_size < 1 || vocab_size > TT_MAX_VOCAB) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    if (allocator) a = *allocator;
    if (!tt__allocator_valid(&a)) return TT_ERR_INVALID_ARG;
    n = strlen(path);
    if (n > 4096) return TT_ERR_INVALID_ARG;
    bytes = sizeof(tt_token_writer) + 2 * n + 6;
    w = (tt_token_writer *)tt__alloc(&a, bytes, TT__ALIGN);
    if (!w) return TT_ERR_OUT_OF_MEMORY;
    memset(w, 0, sizeof(*w));
    w->alloc = a;
    w->bytes = bytes;
    w->path = (char *)(w + 1);
    w->tmp = w->path + n + 1;
    memcpy(w->path, path, n + 1);
    memcpy(w->tmp, path, n);
    memcpy(w->tmp + n, ".tmp", 5);
    w->vocab = vocab_size;
    w->width = tt__tokens_width(vocab_size);
    w->f = fopen(w->tmp, "wb");
    memset(zero, 0, sizeof(zero));
    if (!w->f || fwrite(zero, 1, sizeof(zero), w->f) != sizeof(zero)) {
        if (w->f) { fclose(w->f); remove(w->tmp); }
        tt__free(&a, w, bytes);
        return TT_ERR_IO;
    }
    *out = w;
    return TT_OK;
}

TTDEF tt_status tt_token_writer_append(tt_token_writer *w, const int32_t *ids, size_t n) {
    unsigned char buf[4096];
    size_t i, k, chunk;
    if (!w) return TT_ERR_INVALID_ARG;
    if (w->st != TT_OK) return w->st;
    /* a refused append is an error of the writer's life: close then keeps
     * the old file rather than write one with a hole where these ids were */
    if (n > 0 && !ids) return w->st = TT_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= w->vocab) return w->st = TT_ERR_INVALID_ARG;
    chunk = sizeof(buf) / w->width;
    for (i = 0; i < n; i += k) {
        k = n - i < chunk ? n - i : chunk;
        tt__tokens_pack(buf, ids + i, k, w->width);
        w->crc = tt_crc32(w->crc, buf, k * w->width);
        if (fwrite(buf, w->width, k, w->f) != k) { w->st = TT_ERR_IO; return w->st; }
        w->count += k;
    }
    return TT_OK;
}

TTDEF void tt_token_writer_abort(tt_token_writer *w) {
    tt_allocator a;
    if (!w) return;
    if (w->f) fclose(w->f);
    remove(w->tmp);
    a = w->alloc;
    tt__free(&a, w, w->bytes);
}

TTDEF tt_status tt_token_writer_close(tt_token_writer *w) {
    unsigned char h[TT_TOKENS_HEADER_SIZE];
    tt_status st;
    tt_allocator a;
    if (!w) return TT_ERR_INVALID_ARG;
    st = w->st;
    if (st == TT_OK) {
        tt__tokens_header(h, w->vocab, w->count, w->crc);
        if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) st = TT_ERR_IO;
    }
    if (fflush(w->f) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (fclose(w->f) != 0 && st == TT_OK) st = TT_ERR_IO;
    w->f = NULL;
    if (st == TT_OK && rename(w->tmp, w->path) != 0) st = TT_ERR_IO;
    if (st != TT_OK) remove(w->tmp);
    a = w->alloc;
    tt__free(&a, w, w->bytes);
    return st;
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
    f = tt__fopen_rb(path);
    if (!f) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "token file: cannot open or read the file (missing, a directory, no permission?)");
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
    int32_t shard_rank, shard_count; /* data parallel sharding (count >= 1) */
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
    if (cfg->shard_count < 0 || cfg->shard_rank < 0 || cfg->shard_rank >= (cfg->shard_count > 1 ? cfg->shard_count : 1)) {
        tt__log(&cfg->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "loader: need 0 <= shard_rank < shard_count");
        return TT_ERR_INVALID_ARG;
    }
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
    l->shard_rank = cfg->shard_rank;
    l->shard_count = cfg->shard_count > 1 ? cfg->shard_count : 1;
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

/* move (epoch, index) on by k windows */
TT__PRIVATE void tt__loader_skip(const tt_loader *l, uint64_t *epoch, uint64_t *index, uint64_t k) {
    *epoch += k / l->n_train_windows;
    *index += k % l->n_train_windows;
    if (*index >= l->n_train_windows) { (*epoch)++; *index -= l->n_train_windows; }
}

TTDEF tt_status tt_loader_next(tt_loader *l, int32_t *inputs, int32_t *targets) {
    uint64_t epoch, index;
    int b;
    tt_status st;
    if (!l || !inputs || !targets) return TT_ERR_INVALID_ARG;
    epoch = l->epoch;
    index = l->index;
    /* sharded: this rank's block of the next shard_count * B windows */
    tt__loader_skip(l, &epoch, &index, (uint64_t)l->shard_rank * (uint64_t)l->B);
    for (b = 0; b < l->B; b++) {
        if (index >= l->n_train_windows) { epoch++; index = 0; }
        st = tt__loader_fetch(l, tt_loader_window_start(l, epoch, index));
        if (st != TT_OK) return st; /* position unchanged */
        tt__loader_emit(l, b, inputs, targets);
        index++;
    }
    if (index >= l->n_train_windows) { epoch++; index = 0; }
    tt__loader_skip(l, &epoch, &index, (uint64_t)(l->shard_count - 1 - l->shard_rank) * (uint64_t)l->B);
    l->epoch = epoch;
    l->index = index;
    return TT_OK;
}

TTDEF tt_status tt_loader_val_batch(tt_loader *l, uint64_t i, int32_t *inputs, int32_t *targets) {
    int b;
    tt_status st;
    if (!l || !inputs || !targets || l->n_val_windows == 0) return TT_ERR_INVALID_ARG;
    for (b = 0; b < l->B; b++) {
        /* slot k of the fixed (seeded) permutation of the validation windows */
        uint64_t k = ((i % l->n_val_windows) * (uint64_t)l->B + (uint64_t)b) % l->n_val_windows;
        uint64_t w = tt__permute(k, l->n_val_windows, tt__mix64(l->seed ^ 0x76616c6964ULL));
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
/* ==== begin src/tt_ops.c ==== */
/* >>ops  the model's ops over an executor and plain buffers (embedding,
 * LayerNorm, linear, attention full and cached, lm head + cross-entropy),
 * and the GPT-2 block written once over per-layer views (tt_internal.h).
 * Nothing here reads the model: shapes are arguments (B, T, C, NH, V). */
/* #include "tt_internal.h" */

/* ---- profiling ---- */
TT__PRIVATE double tt__prof_begin(tt__prof *p) { return p ? p->now(p->user) : 0.0; }
TT__PRIVATE void tt__prof_end(tt__prof *p, int kind, double t0, double flops) {
    if (!p) return;
    p->st.seconds[kind] += p->now(p->user) - t0;
    p->st.flops[kind] += flops;
    p->st.calls[kind]++;
}
/* stmt timed as op kind (one branch each side when profiling is off) */
#define TT__TIMED(prof, kind, flops, stmt) do { \
        double tt__t0_ = tt__prof_begin(prof); \
        stmt; \
        if (prof) tt__prof_end((prof), (kind), tt__t0_, (flops)); \
    } while (0)

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
    const tt__exec *ex;
    const float *x, *w, *b, *dy, *wpe;
    const int32_t *tok;
    float *y, *mean, *rstd, *dx, *dw, *db, *lse;
    const float *mean_c, *rstd_c, *lse_c;
    int N, C, B, T, NH, pos0, accumulate;
} tt__op;

/* ---- embedding ---- */
TT__PRIVATE void tt__embed_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int r, i, C = o->C;
    (void)slot;
    for (r = lo; r < hi; r++) {
        const float *we = o->w + (size_t)o->tok[r] * C;
        const float *pe = o->wpe + (size_t)(o->pos0 + r % o->T) * C;
        float *x = o->y + (size_t)r * C;
        for (i = 0; i < C; i++) x[i] = we[i] + pe[i];
    }
}
TT__PRIVATE void tt__op_embed_fwd(const tt__exec *ex, float *x, const int32_t *tokens, const float *wte,
                                  const float *wpe, int B, int T, int pos0, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.y = x; o.tok = tokens; o.w = wte; o.wpe = wpe; o.T = T; o.pos0 = pos0; o.C = C;
    tt__for_range(ex, B * T, tt__embed_fwd_range, &o);
}
/* columns [lo,hi), rows in order */
TT__PRIVATE void tt__embed_bwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int r, c, C = o->C;
    (void)slot;
    for (r = 0; r < o->N; r++) {
        const float *d = o->dy + (size_t)r * C;
        float *gw = o->dw + (size_t)o->tok[r] * C;
        float *gp = o->db + (size_t)(r % o->T) * C;
        for (c = lo; c < hi; c++) { gw[c] += d[c]; gp[c] += d[c]; }
    }
}
TT__PRIVATE void tt__op_embed_bwd(const tt__exec *ex, float *dwte, float *dwpe, const float *dx,
                                  const int32_t *tokens, int B, int T, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.dw = dwte; o.db = dwpe; o.dy = dx; o.tok = tokens; o.N = B * T; o.T = T; o.C = C;
    tt__for_range(ex, C, tt__embed_bwd_range, &o);
}

/* ---- LayerNorm ---- */
TT__PRIVATE void tt__ln_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_fwd(o->ex, o->y, o->mean, o->rstd, o->x, o->w, o->b, lo, hi, o->C);
}
TT__PRIVATE void tt__ln_bwd_dx_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dx(o->ex, o->dx, o->dy, o->x, o->w, o->mean_c, o->rstd_c, lo, hi, o->C, o->accumulate);
}
TT__PRIVATE void tt__ln_bwd_dwdb_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    (void)slot;
    tt__layernorm_bwd_dwdb(o->ex, o->dw, o->db, o->dy, o->x, o->mean_c, o->rstd_c, o->N, o->C, lo, hi);
}
TT__PRIVATE void tt__op_layernorm_fwd(const tt__exec *ex, float *y, float *mean, float *rstd, const float *x,
                                      const float *w, const float *b, int N, int C) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.y = y; o.mean = mean; o.rstd = rstd; o.x = x; o.w = w; o.b = b; o.C = C;
    tt__for_range(ex, N, tt__ln_fwd_range, &o);
}
TT__PRIVATE void tt__op_layernorm_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                      const float *x, const float *w, const float *mean, const float *rstd, int N,
                                      int C, int accumulate) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.dx = dx; o.dw = dw; o.db = db; o.dy = dy; o.x = x; o.w = w; o.mean_c = mean;
    o.rstd_c = rstd; o.N = N; o.C = C; o.accumulate = accumulate;
    tt__for_range(ex, N, tt__ln_bwd_dx_range, &o);
    tt__for_range(ex, C, tt__ln_bwd_dwdb_range, &o);
}

/* ---- linear: the bias, residual and GELU run in the GEMM's epilogue, on
 * each block of y as it is finished (no extra passes over y) ---- */
TT__PRIVATE void tt__op_linear_fwd(const tt__exec *ex, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC) {
    tt__gemm_epi e;
    memset(&e, 0, sizeof(e));
    e.bias = b; e.res = res; e.ldr = OC; e.gelu_out = gelu_out; e.ldg = OC;
    tt__gemm_ex(ex, N, OC, IC, x, IC, 1, w, 1, IC, NULL, y, OC, 0, &e, NULL);
}
TT__PRIVATE void tt__op_linear_bwd(const tt__exec *ex, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC) {
    tt__gemm_epi e;
    /* dw += dy^T x; db += column sums of dy, summed while dy^T is packed */
    tt__gemm_ex(ex, OC, IC, N, dy, 1, OC, x, IC, 1, NULL, dw, IC, 1, NULL, db);
    memset(&e, 0, sizeof(e));
    e.gelu_bwd_x = gelu_x; e.ldx = IC;
    if (dx) tt__gemm_ex(ex, N, IC, OC, dy, OC, 1, w, IC, 1, NULL, dx, IC, 0, &e, NULL);
}

/* ---- causal attention, blocked over query rows ----
 * Per (b,h) and block of TT__ATT_BQ query rows [t0,t1): S = Q K[0:t1]^T (GEMM),
 * row softmax with the causal mask, O = P V[0:t1] (GEMM); lse kept per row.
 * Extra memory: 2 * TT__ATT_BQ * T floats per thread (O(T)). The math is
 * that of tt__attention_fwd_scalar / _bwd_scalar, which the tests compare. */
#define TT__ATT_BQ 64

TT__PRIVATE size_t tt__op_attention_scratch_floats(int n_ctx) {
    return tt__align_up(2 * TT__ATT_BQ * (size_t)n_ctx + 64, 16);
}

typedef struct tt__attn_slot { tt__exec ex1; float *S, *dP; } tt__attn_slot;

/* slot's scratch: the GEMM's packing buffers, then S and dP (TT__ATT_BQ, ldS) */
TT__PRIVATE tt__attn_slot tt__attn_slot_get(const tt__exec *ex, int slot, int ldS) {
    tt__attn_slot a;
    float *base = ex->scratch + (size_t)slot * ex->scratch_floats;
    size_t g = tt__align_up(tt__gemm_scratch_floats(), 16);
    memset(&a.ex1, 0, sizeof(a.ex1));
    a.ex1.n_threads = 1;
    a.ex1.force_scalar = ex->force_scalar;
    a.ex1.scratch = base;
    a.ex1.scratch_floats = g;
    a.S = base + g;
    a.dP = a.S + (size_t)TT__ATT_BQ * ldS;
    return a;
}

TT__PRIVATE void tt__attn_fwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int C = o->C, NH = o->NH, hs = C / NH, T = o->T, ldS = T, bh, t0, i;
    tt__attn_slot a = tt__attn_slot_get(o->ex, slot, ldS);
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (bh = lo; bh < hi; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = o->x + (size_t)b * T * 3 * C + (size_t)h * hs;
        const float *k = q + C, *v = q + 2 * C;
        float *out = o->y + (size_t)b * T * C + (size_t)h * hs;
        float *lse = o->lse + ((size_t)b * NH + h) * T;
        for (t0 = 0; t0 < T; t0 += TT__ATT_BQ) {
            int t1 = t0 + TT__ATT_BQ < T ? t0 + TT__ATT_BQ : T, nq = t1 - t0;
            tt__gemm(&a.ex1, nq, t1, hs, q + (size_t)t0 * 3 * C, 3 * C, 1, k, 1, 3 * C, a.S, ldS, 0);
            for (i = 0; i < nq; i++) {
                float *srow = a.S + (size_t)i * ldS;
                int nv = t0 + i + 1, j;
                float mx = tt__row_max(o->ex, srow, nv) * scale;
                float sum = tt__exp_shift_sum(o->ex, srow, srow, nv, scale, mx), inv = 1.0f / sum;
                tt__vec_scale(o->ex, srow, nv, inv);
                for (j = nv; j < t1; j++) srow[j] = 0.0f;
                lse[t0 + i] = mx + TT_LOGF(sum);
            }
            tt__gemm(&a.ex1, nq, hs, t1, a.S, ldS, 1, v, 3 * C, 1, out + (size_t)t0 * C, C, 0);
        }
    }
}

TT__PRIVATE void tt__attn_bwd_range(void *ctx, int lo, int hi, int slot) {
    const tt__op *o = (const tt__op *)ctx;
    int C = o->C, NH = o->NH, hs = C / NH, T = o->T, ldS = T, bh, t0, i, j;
    tt__attn_slot a = tt__attn_slot_get(o->ex, slot, ldS);
    float scale = 1.0f / TT_SQRTF((float)hs);
    for (bh = lo; bh < hi; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = o->x + (size_t)b * T * 3 * C + (size_t)h * hs;
        const float *k = q + C, *v = q + 2 * C;
        const float *dout = o->dy + (size_t)b * T * C + (size_t)h * hs;
        const float *lse = o->lse_c + ((size_t)b * NH + h) * T;
        float *dq = o->dx + (size_t)b * T * 3 * C + (size_t)h * hs, *dk = dq + C, *dv = dq + 2 * C;
        for (t0 = 0; t0 < T; t0 += TT__ATT_BQ) {
            int t1 = t0 + TT__ATT_BQ < T ? t0 + TT__ATT_BQ : T, nq = t1 - t0;
            tt__gemm(&a.ex1, nq, t1, hs, q + (size_t)t0 * 3 * C, 3 * C, 1, k, 1, 3 * C, a.S, ldS, 0);
            tt__gemm(&a.ex1, nq, t1, hs, dout + (size_t)t0 * C, C, 1, v, 1, 3 * C, a.dP, ldS, 0);
            for (i = 0; i < nq; i++) {
                float *p = a.S + (size_t)i * ldS, *dp = a.dP + (size_t)i * ldS;
                int nv = t0 + i + 1;
                float D = 0.0f;
                tt__exp_shift_sum(o->ex, p, p, nv, scale, lse[t0 + i]);
                for (j = 0; j < nv; j++) D += p[j] * dp[j];
                for (j = 0; j < nv; j++) dp[j] = p[j] * (dp[j] - D) * scale;
                for (j = nv; j < t1; j++) { p[j] = 0.0f; dp[j] = 0.0f; }
            }
            /* dQ_blk += dS K; dK += dS^T Q_blk; dV += P^T dO_blk */
            tt__gemm(&a.ex1, nq, hs, t1, a.dP, ldS, 1, k, 3 * C, 1, dq + (size_t)t0 * 3 * C, 3 * C, 1);
            tt__gemm(&a.ex1, t1, hs, nq, a.dP, 1, ldS, q + (size_t)t0 * 3 * C, 3 * C, 1, dk, 3 * C, 1);
            tt__gemm(&a.ex1, t1, hs, nq, a.S, 1, ldS, dout + (size_t)t0 * C, C, 1, dv, 3 * C, 1);
        }
    }
}

TT__PRIVATE void tt__op_attention_fwd(const tt__exec *ex, float *out, float *lse, const float *qkv, int B, int T,
                                      int C, int NH) {
    tt__op o;
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.y = out; o.lse = lse; o.x = qkv; o.T = T; o.C = C; o.NH = NH;
    tt__for_range(ex, B * NH, tt__attn_fwd_range, &o);
}
TT__PRIVATE void tt__op_attention_bwd(const tt__exec *ex, float *dqkv, const float *dout, const float *qkv,
                                      const float *lse, int B, int T, int C, int NH) {
    tt__op o;
    memset(dqkv, 0, (size_t)B * T * 3 * C * sizeof(float));
    memset(&o, 0, sizeof(o));
    o.ex = ex; o.dx = dqkv; o.dy = dout; o.x = qkv; o.lse_c = lse; o.T = T; o.C = C; o.NH = NH;
    tt__for_range(ex, B * NH, tt__attn_bwd_range, &o);
}

/* cached: one task per (new row, head): s_j = q.k_j / sqrt(hs), j <= p0+i;
 * out = softmax(s) V */
typedef struct tt__attc { const tt__attn_arg *a; const float *qkv; float *out; int C, NH; } tt__attc;
TT__PRIVATE void tt__attc_range(void *ctx, int lo, int hi, int slot) {
    const tt__attc *c = (const tt__attc *)ctx;
    int C = c->C, NH = c->NH, hs = C / NH, task, j, k;
    float scale = 1.0f / TT_SQRTF((float)hs);
    float *s = c->a->scores + (size_t)slot * c->a->ld_scores;
    const float *kvl = c->a->kv;
    for (task = lo; task < hi; task++) {
        int i = task / NH, h = task % NH, nv = c->a->p0 + i + 1;
        const float *q = c->qkv + (size_t)i * 3 * C + (size_t)h * hs;
        float *o = c->out + (size_t)i * C + (size_t)h * hs;
        float mx = -3.0e38f, sum = 0.0f, inv;
        for (j = 0; j < nv; j++) {
            const float *kr = kvl + (size_t)j * 2 * C + (size_t)h * hs;
            float d = 0.0f;
            for (k = 0; k < hs; k++) d += q[k] * kr[k];
            s[j] = d * scale;
            if (s[j] > mx) mx = s[j];
        }
        for (j = 0; j < nv; j++) { s[j] = TT_EXPF(s[j] - mx); sum += s[j]; }
        inv = 1.0f / sum;
        for (k = 0; k < hs; k++) o[k] = 0.0f;
        for (j = 0; j < nv; j++) {
            const float *vr = kvl + (size_t)j * 2 * C + C + (size_t)h * hs;
            float p = s[j] * inv;
            for (k = 0; k < hs; k++) o[k] += p * vr[k];
        }
    }
}
TT__PRIVATE void tt__op_attention_cached(const tt__exec *ex, float *out, const float *qkv, const tt__attn_arg *a,
                                         int n, int C, int NH) {
    tt__attc c;
    int i;
    for (i = 0; i < n; i++)
        memcpy(a->kv + (size_t)(a->p0 + i) * 2 * C, qkv + (size_t)i * 3 * C + C, (size_t)2 * C * sizeof(float));
    c.a = a; c.qkv = qkv; c.out = out; c.C = C; c.NH = NH;
    tt__for_range(ex, n * NH, tt__attc_range, &c);
}

/* ---- lm head ---- */
TT__PRIVATE void tt__op_logits(const tt__exec *ex, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C) {
    tt__gemm(ex, rows, V, C, x, ldx, 1, wte, 1, C, logits, ld, 0);
}

typedef struct tt__head_rows_job { const tt__head_arg *h; const tt__exec *ex; int r0; } tt__head_rows_job;

/* forward: row_lse, row_loss for rows r0+lo..r0+hi; backward: overwrite the
 * chunk's logits with dlogits = (softmax - onehot) * scale */
TT__PRIVATE void tt__head_rows(void *ctx, int lo, int hi, int slot) {
    const tt__head_rows_job *j = (const tt__head_rows_job *)ctx;
    const tt__head_arg *h = j->h;
    const tt__exec *ex = j->ex;
    int i;
    (void)slot;
    for (i = lo; i < hi; i++) {
        int r = j->r0 + i;
        float *z = h->head + (size_t)i * h->Vp;
        int tgt = h->targets[r];
        if (h->mode != 1) {
            float mx = tt__row_max(ex, z, h->V);
            float zt = z[tgt];
            float lse = mx + TT_LOGF(tt__exp_shift_sum(ex, z, z, h->V, 1.0f, mx));
            /* z now holds exp(z - mx): turn it into softmax * scale directly */
            h->row_lse[r] = lse;
            h->row_loss[r] = lse - zt;
            if (h->mode == 2) {
                tt__vec_scale(ex, z, h->V, h->scale * TT_EXPF(mx - lse));
                z[tgt] -= h->scale;
            }
        } else {
            float lse = h->row_lse[r];
            (void)tt__exp_shift_sum(ex, z, z, h->V, 1.0f, lse);
            tt__vec_scale(ex, z, h->V, h->scale);
            z[tgt] -= h->scale;
        }
    }
}

/* dx rows [r0, r0+R) = dlogits wte; dwte += dlogits^T x */
TT__PRIVATE void tt__head_bwd_chunk(const tt__exec *ex, const tt__head_arg *h, const float *pk_dx, int r0, int R) {
    int C = h->C, V = h->V;
    tt__gemm_pk(ex, R, C, V, h->head, h->Vp, 1, h->wte, C, 1, pk_dx, h->dx + (size_t)r0 * C, C, 0);
    tt__gemm(ex, V, C, R, h->head, 1, h->Vp, h->x + (size_t)r0 * C, C, 1, h->dwte, C, 1);
}

TT__PRIVATE void tt__op_head(const tt__exec *ex, const tt__head_arg *h) {
    tt__head_rows_job j;
    tt__prof *pf = h->prof;
    int r0, C = h->C, N = h->N, V = h->V, HR = h->rows;
    const float *wte = h->wte, *pk_fwd = NULL, *pk_dx = NULL;
    double fl = 2.0 * (double)C * (double)V;
    j.h = h; j.ex = ex;
    /* with more than one chunk, pack wte once here rather than in every
     * chunk's GEMM (same packed values, so the same bits) */
    if (N > HR && h->pk_fwd && !ex->force_scalar) {
        TT__TIMED(pf, TT_OP_LM_HEAD, 0.0, tt__gemm_pack_b(ex, C, V, wte, 1, C, h->pk_fwd));
        pk_fwd = h->pk_fwd;
        if (h->mode != 0) {
            TT__TIMED(pf, TT_OP_LM_HEAD_BWD, 0.0, tt__gemm_pack_b(ex, V, C, wte, C, 1, h->pk_dx));
            pk_dx = h->pk_dx;
        }
    }
    for (r0 = 0; r0 < N; r0 += HR) {
        int R = N - r0 < HR ? N - r0 : HR;
        const float *xc = h->x + (size_t)r0 * C;
        TT__TIMED(pf, TT_OP_LM_HEAD, fl * R,
                  tt__gemm_pk(ex, R, V, C, xc, C, 1, wte, 1, C, pk_fwd, h->head, h->Vp, 0));
        j.r0 = r0;
        TT__TIMED(pf, TT_OP_SOFTMAX_CE, 0.0, tt__for_range(ex, R, tt__head_rows, &j));
        if (h->mode == 0) continue;
        TT__TIMED(pf, TT_OP_LM_HEAD_BWD, 2.0 * fl * R, tt__head_bwd_chunk(ex, h, pk_dx, r0, R));
    }
}

/* ---- ops through the backend table (tt__bk: the table, the profiler,
 * the first error); the block below is written over these ---- */
TT__PRIVATE void tt__bk_layernorm_fwd(tt__bk *k, float *y, float *mean, float *rstd, const float *x, const float *w,
                                      const float *b, int N, int C) {
    TT__BK(k, TT_OP_LAYERNORM, 0.0, layernorm_fwd(k->be->ctx, y, mean, rstd, x, w, b, N, C));
}
TT__PRIVATE void tt__bk_layernorm_bwd(tt__bk *k, float *dx, float *dw, float *db, const float *dy, const float *x,
                                      const float *w, const float *mean, const float *rstd, int N, int C, int accumulate) {
    TT__BK(k, TT_OP_LAYERNORM_BWD, 0.0, layernorm_bwd(k->be->ctx, dx, dw, db, dy, x, w, mean, rstd, N, C, accumulate));
}
/* y (N, OC) = x (N, IC) w^T + b [+ res] [gelu_out = GELU(y)]: one NT GEMM with its epilogue */
TT__PRIVATE void tt__bk_linear_fwd(tt__bk *k, int kind, float *y, const float *x, const float *w, const float *b,
                                   const float *res, float *gelu_out, int N, int IC, int OC) {
    tt_backend_gemm g;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = N; g.N = OC; g.K = IC;
    g.A = x; g.lda = IC; g.B = w; g.ldb = IC; g.C = y; g.ldc = OC;
    g.bias = b; g.res = res; g.ldr = OC; g.gelu_out = gelu_out; g.ldg = OC;
    if (k->wh) { g.bf16 = 1; g.B_bf16 = k->wh + (w - k->wbase); }
    TT__BK(k, kind, 2.0 * (double)N * (double)IC * (double)OC, gemm(k->be->ctx, &g));
}
/* dw (OC, IC) += dy^T x and db += colsum(dy) (TN); dx (N, IC) = dy w, times
 * GELU'(gelu_x) when set (NN); dx NULL: no dx */
TT__PRIVATE void tt__bk_linear_bwd(tt__bk *k, int kind, float *dx, float *dw, float *db, const float *dy,
                                   const float *x, const float *w, const float *gelu_x, int N, int IC, int OC) {
    tt_backend_gemm g;
    double fl = 2.0 * (double)N * (double)IC * (double)OC;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_TN; g.M = OC; g.N = IC; g.K = N;
    g.A = dy; g.lda = OC; g.B = x; g.ldb = IC; g.C = dw; g.ldc = IC; g.accumulate = 1; g.bias_grad = db;
    g.bf16 = k->wh != NULL;
    TT__BK(k, kind, fl, gemm(k->be->ctx, &g));
    if (!dx) return;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NN; g.M = N; g.N = IC; g.K = OC;
    g.A = dy; g.lda = OC; g.B = w; g.ldb = IC; g.C = dx; g.ldc = IC;
    g.gelu_bwd_x = gelu_x; g.ldx = IC;
    if (k->wh) { g.bf16 = 1; g.B_bf16 = k->wh + (w - k->wbase); }
    TT__BK(k, kind, fl, gemm(k->be->ctx, &g));
}
/* logits (rows, ld) = x (rows, C; row stride ldx) wte^T over vocab rows [0, V) */
TT__PRIVATE void tt__bk_logits(tt__bk *k, float *logits, ptrdiff_t ld, const float *x, ptrdiff_t ldx,
                               const float *wte, int rows, int V, int C) {
    tt_backend_gemm g;
    memset(&g, 0, sizeof(g));
    g.layout = TT_GEMM_NT; g.M = rows; g.N = V; g.K = C;
    g.A = x; g.lda = ldx; g.B = wte; g.ldb = C; g.C = logits; g.ldc = ld;
    TT__BK(k, TT_OP_LM_HEAD, 2.0 * (double)rows * (double)V * (double)C, gemm(k->be->ctx, &g));
}

/* ---- the GPT-2 block ---- */
TT__PRIVATE void tt__block_fwd(tt__bk *k, const tt__layer_w *w, const tt__layer_acts *a, const tt__attn_arg *att,
                               int B, int T, int C, int NH) {
    int N = B * T;
    size_t nc = (size_t)N * (size_t)C, kv_len = att->kv ? (size_t)att->p0 + (size_t)T : (size_t)T;
    void *ctx = k->be->ctx;
    tt__bk_layernorm_fwd(k, a->ln1, a->ln1_mean, a->ln1_rstd, a->in, w->ln1w, w->ln1b, N, C);
    tt__bk_linear_fwd(k, TT_OP_QKV, a->qkv, a->ln1, w->qkvw, w->qkvb, NULL, NULL, N, C, 3 * C);
    if (att->kv)
        TT__BK(k, TT_OP_ATTENTION, 4.0 * (double)nc * (double)kv_len,
               attention_cached(ctx, a->atty, a->qkv, att->kv, att->p0, T, att->n_ctx, C, NH));
    else
        TT__BK(k, TT_OP_ATTENTION, 2.0 * (double)nc * (double)(T + 1),
               attention_fwd(ctx, a->atty, a->att_lse, a->qkv, B, T, C, NH));
    tt__bk_linear_fwd(k, TT_OP_ATTN_PROJ, a->res2, a->atty, w->attprojw, w->attprojb, a->in, NULL, N, C, C);
    tt__bk_layernorm_fwd(k, a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2w, w->ln2b, N, C);
    tt__bk_linear_fwd(k, TT_OP_FC, a->fch, a->ln2, w->fcw, w->fcb, NULL, a->fch_gelu, N, C, 4 * C);
    tt__bk_linear_fwd(k, TT_OP_FC_PROJ, a->res3, a->fch_gelu, w->fcprojw, w->fcprojb, a->res2, NULL, N, 4 * C, C);
}

TT__PRIVATE void tt__block_bwd(tt__bk *k, const tt__layer_w *w, const tt__layer_w *g, const tt__layer_acts *a,
                               const tt__block_grads *d, int B, int T, int C, int NH) {
    int N = B * T;
    void *ctx = k->be->ctx;
    size_t n4 = (size_t)N * 4 * (size_t)C;
    /* recompute: fch_gelu and atty live in d->dfch, ln1 and ln2 in d->dln, each
     * rebuilt just before the GEMM that reads it and dead before the dx
     * GEMM that overwrites it (the same ops and inputs as the forward, so
     * the same bits) */
    if (a->recompute) TT__BK(k, TT_OP_FC, 0.0, gelu_fwd(ctx, a->fch_gelu, a->fch, n4));
    /* MLP: res3 = res2 + gelu(fch) Wp^T + bp */
    tt__bk_linear_bwd(k, TT_OP_FC_PROJ_BWD, d->dfch, g->fcprojw, g->fcprojb, d->dres, a->fch_gelu, w->fcprojw, a->fch,
                      N, 4 * C, C);
    if (a->recompute) tt__bk_layernorm_fwd(k, a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2w, w->ln2b, N, C);
    tt__bk_linear_bwd(k, TT_OP_FC_BWD, d->dln, g->fcw, g->fcb, d->dfch, a->ln2, w->fcw, NULL, N, C, 4 * C);
    tt__bk_layernorm_bwd(k, d->dres, g->ln2w, g->ln2b, d->dln, a->res2, w->ln2w, a->ln2_mean, a->ln2_rstd, N, C, 1);
    /* recompute: atty lives in d->dfch (dead from here on); the attention
     * forward rewrites att_lse with the values it holds */
    if (a->recompute)
        TT__BK(k, TT_OP_ATTENTION, 0.0, attention_fwd(ctx, a->atty, a->att_lse, a->qkv, B, T, C, NH));
    /* attention: res2 = in + atty Wo^T + bo */
    tt__bk_linear_bwd(k, TT_OP_ATTN_PROJ_BWD, d->dtmp, g->attprojw, g->attprojb, d->dres, a->atty, w->attprojw, NULL,
                      N, C, C);
    TT__BK(k, TT_OP_ATTENTION_BWD, 5.0 * (double)N * (double)C * (double)(T + 1),
           attention_bwd(ctx, d->dqkv, d->dtmp, a->qkv, a->atty, a->att_lse, B, T, C, NH));
    if (a->recompute) tt__bk_layernorm_fwd(k, a->ln1, a->ln1_mean, a->ln1_rstd, a->in, w->ln1w, w->ln1b, N, C);
    tt__bk_linear_bwd(k, TT_OP_QKV_BWD, d->dln, g->qkvw, g->qkvb, d->dqkv, a->ln1, w->qkvw, NULL, N, C, 3 * C);
    tt__bk_layernorm_bwd(k, d->dres, g->ln1w, g->ln1b, d->dln, a->in, w->ln1w, a->ln1_mean, a->ln1_rstd, N, C, 1);
}
/* ==== end src/tt_ops.c ==== */
/* ==== begin src/tt_backend_cpu.c ==== */
/* >>backend_cpu  the CPU kernels as an instance of the tt_backend op table
 * (tt_api.h, TT_BACKEND_API_VERSION 2). The model runs every op of a step
 * through a table: this one when cfg.backend is NULL, so the CPU path and an
 * accelerator backend share one dispatch. Buffers are host memory; the ops
 * are those of tt_ops.c over the context's executors and scratch. */
/* #include "tt_internal.h" */

#define TT__CPU(ctx) ((tt__cpu_be *)(ctx))

/* the executor of an op with `macs` multiply-adds (see tt__run) */
TT__PRIVATE const tt__exec *tt__cpu_ex(const tt__cpu_be *c, size_t macs) {
    return macs >= c->par_macs ? &c->par : &c->ser;
}

/* ---- buffers: host memory from the context's allocator ---- */
/* a small header before each buffer keeps its size for free */
#define TT__CPU_HDR 256
TT__PRIVATE tt_status tt__cpu_alloc(void *ctx, size_t bytes, void **out) {
    tt__cpu_be *c = TT__CPU(ctx);
    unsigned char *p;
    size_t total;
    if (!out) return TT_ERR_INVALID_ARG;
    *out = NULL;
    if (!tt__add_size(bytes, TT__CPU_HDR, &total)) return TT_ERR_OUT_OF_MEMORY;
    p = (unsigned char *)tt__alloc(&c->alloc, total, TT__CPU_HDR);
    if (!p) return TT_ERR_OUT_OF_MEMORY;
    memcpy(p, &total, sizeof(total));
    *out = p + TT__CPU_HDR;
    return TT_OK;
}
TT__PRIVATE void tt__cpu_free(void *ctx, void *buf) {
    unsigned char *p;
    size_t total;
    if (!buf) return;
    p = (unsigned char *)buf - TT__CPU_HDR;
    memcpy(&total, p, sizeof(total));
    tt__free(&TT__CPU(ctx)->alloc, p, total);
}
TT__PRIVATE tt_status tt__cpu_copy(void *ctx, void *dst, const void *src, size_t bytes) {
    (void)ctx;
    if (bytes && dst != src) memmove(dst, src, bytes);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_zero(void *ctx, void *dst, size_t bytes) {
    (void)ctx;
    if (bytes) memset(dst, 0, bytes);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_sync(void *ctx) { (void)ctx; return TT_OK; }

/* ---- ops ---- */
TT__PRIVATE tt_status tt__cpu_gemm(void *ctx, const tt_backend_gemm *g) {
    const tt__cpu_be *c = TT__CPU(ctx);
    const tt__exec *ex;
    tt__gemm_epi e;
    ptrdiff_t rsa, csa, rsb, csb;
    int any;
    if (!g || g->M < 0 || g->N < 0 || g->K < 0 || (g->bias_grad && g->layout != TT_GEMM_TN)) return TT_ERR_INVALID_ARG;
    switch (g->layout) {
    case TT_GEMM_NT: rsa = g->lda; csa = 1; rsb = 1; csb = g->ldb; break;
    case TT_GEMM_NN: rsa = g->lda; csa = 1; rsb = g->ldb; csb = 1; break;
    case TT_GEMM_TN: rsa = 1; csa = g->lda; rsb = g->ldb; csb = 1; break;
    default: return TT_ERR_INVALID_ARG;
    }
    memset(&e, 0, sizeof(e));
    e.bias = g->bias; e.res = g->res; e.ldr = g->ldr; e.gelu_out = g->gelu_out; e.ldg = g->ldg;
    e.gelu_bwd_x = g->gelu_bwd_x; e.ldx = g->ldx;
    any = e.bias || e.res || e.gelu_out || e.gelu_bwd_x;
    ex = tt__cpu_ex(c, (size_t)g->M * (size_t)g->N * (size_t)g->K);
    if (g->bf16) {
        tt__gemm_bf16_ex(ex, g->M, g->N, g->K, g->A, rsa, csa, g->B_bf16 ? NULL : g->B, g->B_bf16, rsb, csb, g->C,
                         g->ldc, g->accumulate, any ? &e : NULL, g->bias_grad);
        return TT_OK;
    }
    tt__gemm_ex(ex, g->M, g->N, g->K, g->A, rsa, csa, g->B, rsb, csb, NULL, g->C, g->ldc, g->accumulate,
                any ? &e : NULL, g->bias_grad);
    return TT_OK;
}

TT__PRIVATE tt_status tt__cpu_embed_fwd(void *ctx, float *x, const int32_t *tokens, const float *wte,
                                        const float *wpe, int B, int T, int pos0, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_embed_fwd(tt__cpu_ex(c, (size_t)B * (size_t)T * (size_t)C), x, tokens, wte, wpe, B, T, pos0, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_embed_bwd(void *ctx, float *dwte, float *dwpe, const float *dx, const int32_t *tokens,
                                        int B, int T, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_embed_bwd(tt__cpu_ex(c, (size_t)B * (size_t)T * (size_t)C), dwte, dwpe, dx, tokens, B, T, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_layernorm_fwd(void *ctx, float *y, float *mean, float *rstd, const float *x,
                                            const float *w, const float *b, int N, int C) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_layernorm_fwd(tt__cpu_ex(c, (size_t)N * (size_t)C * 16), y, mean, rstd, x, w, b, N, C);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_layernorm_bwd(void *ctx, float *dx, float *dw, float *db, const float *dy,
                                            const float *x, const float *w, const float *mean, const float *rstd,
                                            int N, int C, int accumulate) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__op_layernorm_bwd(tt__cpu_ex(c, (size_t)N * (size_t)C * 16), dx, dw, db, dy, x, w, mean, rstd, N, C,
                         accumulate);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_fwd(void *ctx, float *out, float *lse, const float *qkv, int B, int T,
                                            int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    if (T > c->max_T) return TT_ERR_INVALID_ARG; /* the per-slot scratch holds rows of T scores */
    tt__op_attention_fwd(tt__cpu_ex(c, 2 * (size_t)B * (size_t)T * (size_t)C * (size_t)T), out, lse, qkv, B, T,
                         C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_bwd(void *ctx, float *dqkv, const float *dout, const float *qkv,
                                            const float *out, const float *lse, int B, int T, int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    (void)out; /* rowsum(dout * out) is recomputed from P and dP */
    if (T > c->max_T) return TT_ERR_INVALID_ARG;
    tt__op_attention_bwd(tt__cpu_ex(c, 2 * (size_t)B * (size_t)T * (size_t)C * (size_t)T), dqkv, dout, qkv, lse,
                         B, T, C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_attention_cached(void *ctx, float *out, const float *qkv, float *kv, int p0, int n,
                                               int n_ctx, int C, int NH) {
    const tt__cpu_be *c = TT__CPU(ctx);
    const tt__exec *ex = tt__cpu_ex(c, 2 * (size_t)n * (size_t)C * (size_t)(p0 + n));
    tt__attn_arg a;
    if (p0 < 0 || n < 1 || p0 + n > n_ctx || n_ctx > c->max_T) return TT_ERR_INVALID_ARG;
    /* the scores of one (row, head) task per slot, in the slot's scratch
     * (the cached attention runs no GEMM, so all of it is free) */
    a.kv = kv; a.scores = ex->scratch; a.ld_scores = ex->scratch_floats; a.p0 = p0;
    tt__op_attention_cached(ex, out, qkv, &a, n, C, NH);
    return TT_OK;
}
TT__PRIVATE tt_status tt__cpu_lm_head(void *ctx, const tt_backend_head *h) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__head_arg a;
    if (!c->head || h->Vp > c->max_Vp || h->mode < 0 || h->mode > 2) return TT_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    a.x = h->x; a.wte = h->wte; a.targets = h->targets;
    a.head = c->head; a.row_lse = h->row_lse; a.row_loss = h->row_loss; a.dx = h->dx; a.dwte = h->dwte;
    /* the packed wte copies were sized for this V and C */
    if (h->V == c->pk_V && h->C == c->pk_C) { a.pk_fwd = c->pk_fwd; a.pk_dx = c->pk_dx; }
    a.N = h->N; a.V = h->V; a.Vp = h->Vp; a.C = h->C; a.mode = h->mode; a.scale = h->scale;
    a.rows = c->head_rows > 0 ? c->head_rows : TT__HEAD_ROWS;
    a.prof = c->prof;
    tt__op_head(&c->par, &a);
    return TT_OK;
}

/* ---- parameter statistics: per chunk of TT__NORM_CHUNK floats, in
 * parallel; the chunk results combined in chunk order (deterministic) ---- */
typedef struct tt__stats_job {
    const float *g, *p, *m, *v;
    size_t n;
    double *sums;
    uint32_t *bounds; /* 4 per chunk */
} tt__stats_job;
TT__PRIVATE void tt__cpu_stats_range(void *ctx, int lo, int hi, int slot) {
    const tt__stats_job *j = (const tt__stats_job *)ctx;
    int ch;
    (void)slot;
    for (ch = lo; ch < hi; ch++) {
        size_t i0 = (size_t)ch * TT__NORM_CHUNK, i1 = i0 + TT__NORM_CHUNK, i;
        double s = 0.0;
        uint32_t gb = 0, pb = 0, mb = 0, vb = 0, u;
        if (i1 > j->n) i1 = j->n;
        /* one pass: the maxima run in the shadow of the sum's dependency chain */
        for (i = i0; i < i1; i++) {
            s += (double)j->g[i] * (double)j->g[i];
            memcpy(&u, j->g + i, sizeof(u)); u &= 0x7fffffffu; gb = u > gb ? u : gb;
            memcpy(&u, j->p + i, sizeof(u)); u &= 0x7fffffffu; pb = u > pb ? u : pb;
            if (j->m) { memcpy(&u, j->m + i, sizeof(u)); u &= 0x7fffffffu; mb = u > mb ? u : mb; }
            if (j->v) { memcpy(&u, j->v + i, sizeof(u)); vb = u > vb ? u : vb; }
        }
        j->sums[ch] = s;
        j->bounds[4 * ch + 0] = gb; j->bounds[4 * ch + 1] = pb;
        j->bounds[4 * ch + 2] = mb; j->bounds[4 * ch + 3] = vb;
    }
}
TT__PRIVATE tt_status tt__cpu_param_stats(void *ctx, tt_backend_stats *out, const float *g, const float *p,
                                          const float *m, const float *v, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__stats_job j;
    int n_chunks = (int)(n / TT__NORM_CHUNK + 1), i;
    if (!out || n > c->max_stats) return TT_ERR_INVALID_ARG;
    j.g = g; j.p = p; j.m = m; j.v = v; j.n = n;
    j.sums = c->partials;
    j.bounds = (uint32_t *)(void *)(c->partials + n_chunks);
    tt__for_range(&c->par, n_chunks, tt__cpu_stats_range, &j);
    memset(out, 0, sizeof(*out));
    for (i = 0; i < n_chunks; i++) {
        out->sumsq += j.sums[i];
        if (j.bounds[4 * i + 0] > out->max_g) out->max_g = j.bounds[4 * i + 0];
        if (j.bounds[4 * i + 1] > out->max_p) out->max_p = j.bounds[4 * i + 1];
        if (j.bounds[4 * i + 2] > out->max_m) out->max_m = j.bounds[4 * i + 2];
        if (j.bounds[4 * i + 3] > out->max_v) out->max_v = j.bounds[4 * i + 3];
    }
    return TT_OK;
}

/* ---- AdamW over one decay group, in contiguous ranges (elementwise: the
 * split does not change a bit) ---- */
typedef struct tt__adamw_arg {
    const tt__exec *ex;
    float *p, *m, *v, *g;
    float lr, b1, b2, eps, wd, gscale, bc1, bc2_sqrt;
} tt__adamw_arg;
TT__PRIVATE void tt__cpu_adamw_range(void *ctx, int lo, int hi, int slot) {
    const tt__adamw_arg *a = (const tt__adamw_arg *)ctx;
    size_t i0 = (size_t)lo * 1024, i1 = (size_t)hi * 1024;
    (void)slot;
    tt__adamw(a->ex, a->p + i0, a->m + i0, a->v + i0, a->g + i0, i1 - i0, a->lr, a->b1, a->b2, a->eps, a->wd,
              a->gscale, a->bc1, a->bc2_sqrt);
    memset(a->g + i0, 0, (i1 - i0) * sizeof(float));
}
TT__PRIVATE tt_status tt__cpu_adamw(void *ctx, float *p, float *m, float *v, float *g, size_t n, float lr,
                                    float beta1, float beta2, float eps, float weight_decay, float grad_scale,
                                    float bc1, float bc2_sqrt) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__adamw_arg a;
    size_t whole = n / 1024 * 1024;
    a.ex = &c->par; a.p = p; a.m = m; a.v = v; a.g = g;
    a.lr = lr; a.b1 = beta1; a.b2 = beta2; a.eps = eps; a.wd = weight_decay; a.gscale = grad_scale;
    a.bc1 = bc1; a.bc2_sqrt = bc2_sqrt;
    /* whole 1024-float blocks in parallel (small groups on this thread), the tail here */
    if (whole > 0) tt__for_range(whole >= ((size_t)1 << 15) ? &c->par : &c->ser, (int)(whole / 1024),
                                 tt__cpu_adamw_range, &a);
    if (n > whole) {
        tt__adamw(&c->ser, p + whole, m + whole, v + whole, g + whole, n - whole, lr, beta1, beta2, eps,
                  weight_decay, grad_scale, bc1, bc2_sqrt);
        memset(g + whole, 0, (n - whole) * sizeof(float));
    }
    return TT_OK;
}

/* GELU over n floats in contiguous ranges (elementwise: any split, same bits) */
typedef struct tt__gelu_arg { const tt__exec *ex; float *y; const float *x; } tt__gelu_arg;
TT__PRIVATE void tt__cpu_gelu_range(void *ctx, int lo, int hi, int slot) {
    const tt__gelu_arg *a = (const tt__gelu_arg *)ctx;
    (void)slot;
    tt__gelu_fwd(a->ex, a->y, a->x, (size_t)lo * 1024, (size_t)hi * 1024);
}
TT__PRIVATE tt_status tt__cpu_gelu_fwd(void *ctx, float *y, const float *x, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__gelu_arg a;
    size_t whole = n / 1024 * 1024;
    a.ex = &c->par; a.y = y; a.x = x;
    if (whole > 0) tt__for_range(tt__cpu_ex(c, n * 16), (int)(whole / 1024), tt__cpu_gelu_range, &a);
    if (n > whole) tt__gelu_fwd(&c->ser, y, x, whole, n);
    return TT_OK;
}

TT__PRIVATE tt_status tt__cpu_to_bf16(void *ctx, uint16_t *dst, const float *src, size_t n) {
    const tt__cpu_be *c = TT__CPU(ctx);
    tt__bf16_from_f32_n(tt__cpu_ex(c, n * 4), dst, src, n);
    return TT_OK;
}

TT__PRIVATE void tt__cpu_backend_init(tt_backend *be, tt__cpu_be *ctx) {
    memset(be, 0, sizeof(*be));
    be->api_version = TT_BACKEND_API_VERSION;
    be->name = "cpu";
    be->ctx = ctx;
    be->alloc = tt__cpu_alloc;
    be->free = tt__cpu_free;
    be->upload = tt__cpu_copy;
    be->download = tt__cpu_copy;
    be->zero = tt__cpu_zero;
    be->copy = tt__cpu_copy;
    be->sync = tt__cpu_sync;
    be->gemm = tt__cpu_gemm;
    be->embed_fwd = tt__cpu_embed_fwd;
    be->embed_bwd = tt__cpu_embed_bwd;
    be->layernorm_fwd = tt__cpu_layernorm_fwd;
    be->layernorm_bwd = tt__cpu_layernorm_bwd;
    be->attention_fwd = tt__cpu_attention_fwd;
    be->attention_bwd = tt__cpu_attention_bwd;
    be->attention_cached = tt__cpu_attention_cached;
    be->lm_head = tt__cpu_lm_head;
    be->param_stats = tt__cpu_param_stats;
    be->adamw = tt__cpu_adamw;
    be->gelu_fwd = tt__cpu_gelu_fwd;
    be->to_bf16 = tt__cpu_to_bf16;
}
/* ==== end src/tt_backend_cpu.c ==== */
/* ==== begin src/tt_model.c ==== */
/* >>model  GPT-2: config, memory plan, parameter layout, forward and backward
 * over the block of tt_ops.c (per-layer views from the lists in tt_internal.h) */
/* #include "tt_internal.h" */

typedef struct tt__layout {
    size_t param_off[TT__P_COUNT];   /* in floats */
    size_t param_per_layer[TT__P_COUNT]; /* floats per layer (whole size for non-layer kinds) */
    size_t n_params;
    int n_tensors;
    /* byte offsets into the block */
    size_t off_model, off_pool, off_params, off_grads, off_m, off_v, off_acts, off_scratch,
        off_partials, off_names, off_tensors, off_wte_pk, off_shared, off_micro, total;
    size_t n_moments;             /* floats of AdamW m (and of v): n_params, or the ZeRO-1 slice */
    size_t acts_floats, scratch_floats_per_slot, n_partials;
    size_t wte_pk_fwd, wte_pk_dx; /* floats of the packed wte copies (0: not used) */
    size_t be_acts_floats;        /* with a backend: floats of its activation buffer */
    size_t n_wh, off_wh;          /* precision bf16: uint16 of the weights' bf16 copy (even), offset */
    size_t n_host, off_hostbuf;   /* a backend's host copies of row losses and logits (floats, offset) */
    size_t shared_floats;         /* the GEMMs' shared packed B (0 with one thread) */
    size_t head_alloc_rows;       /* rows of the logits chunk kept apart (0: it lives in dqkv..dfch) */
    int head_rows;                /* rows of the lm head's chunk */
} tt__layout;

/* The lm head's logits chunk: (min(N, TT__HEAD_ROWS), Vp) kept apart, or,
 * with cfg.recompute on the CPU, inside dqkv..dfch (>= 7 N C floats, dead
 * while the lm head runs: it runs after the last layer's forward and before
 * the first layer's backward) with as many rows as fit there, when that is
 * at least min(N, 64). The chunk size does not change the bits (tt__op_head). */
TT__PRIVATE void tt__model_head_rows(const tt_model_config *c, size_t N, size_t C, size_t Vp, size_t *alloc_rows,
                                     int *rows) {
    size_t hr = N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS, fit;
    *alloc_rows = hr;
    *rows = (int)hr;
    if (!c->recompute || c->backend) return; /* N * 4C * L fits size_t (tt__model_plan) */
    fit = (((3 * N * C + 15) & ~(size_t)15) + 4 * N * C) / Vp;
    if (fit >= (hr < 64 ? hr : 64)) {
        *alloc_rows = 0;
        *rows = (int)(fit < hr ? fit : hr);
    }
}

/* the activation arrays (TT__ACT_LIST), each pointing into the activation
 * block; per-layer kinds hold all layers, layer l at l * count */
#define TT__A_FIELD(ty, f, l, n) ty *f;
typedef struct tt__acts { TT__ACT_LIST(TT__A_FIELD) } tt__acts;
#undef TT__A_FIELD

struct tt_model {
    tt_model_config cfg;     /* resolved */
    int V, Vp, C, L, NH, maxT, maxB;
    tt__layout lay;
    float *params, *grads, *m, *v; /* where the ops run: the backend's buffers (host memory on the CPU) */
    float *h_params, *h_grads, *h_m, *h_v; /* the host copies (the same arrays on the CPU) */
    float *h_row_loss, *h_logits; /* host copies of a.row_loss (N) and a.last_logits (B, Vp) */
    void *bbuf[6];           /* a backend's allocations: params, grads, m, v, activations, bf16 weights */
    uint16_t *wh;            /* precision bf16: the parameters rounded to bf16 (n_params), or NULL */
    int wh_stale;            /* wh must be refreshed before the next forward */
    const tt_backend *be;    /* the op table: cfg.backend, or be_cpu */
    tt_backend be_cpu;       /* the CPU instance (tt_backend_cpu.c) over ex */
    tt__cpu_be cpu;
    float *gbase;            /* where the running backward writes gradients: grads, or tt_comm.c's own block */
    tt__acts a;
    double *partials;        /* grad-norm partial sums, fixed chunks */
    float *wte_pk_fwd;       /* wte packed as the GEMM's B for logits = x wte^T, or NULL */
    float *wte_pk_dx;        /* wte packed as B for dx = dlogits wte, or NULL */
    tt_tensor_info *tensors;
    char *names;
    tt__exec ex;
    tt__prof prof;           /* cfg.profile: the sums and the clock */
    void *pool;              /* built-in pool, or NULL */
    void *block;             /* what tt_model_create allocated, or NULL */
    size_t block_size;
    uint64_t step;
    int last_B, last_T, have_targets, have_logits;
    int have_loss; /* row_loss holds the last forward with targets (kept after its backward) */
    tt__dp dp;               /* data parallel state (tt_comm.c) */
};

#define TT__NAME_LEN 48

/* ---- config ---- */
#if TT__HAS_CLOCK
/* the built-in clock of cfg.profile */
TT__PRIVATE double tt__clock_monotonic(void *user) {
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#endif

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

/* does this CPU (and OS) run the instructions the build was compiled for?
 * Define TT_CPU_CHECK() (an int expression, nonzero = yes) to replace the
 * check, e.g. when an emulation layer supplies the AVX-512 intrinsics. */
TT__PRIVATE int tt__cpu_has_simd(void) {
#if defined(TT_CPU_CHECK)
    return TT_CPU_CHECK() != 0;
#elif TT_SIMD_WIDTH > 1 && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#  if TT_SIMD_WIDTH == 16
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")
#    if defined(__AVX512BF16__) /* the vdpbf16ps GEMM kernel (tt_gemm_bf16.c) */
           && __builtin_cpu_supports("avx512bf16")
#    endif
        ;
#  else
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#  endif
#else
    return 1;
#endif
}

TT__PRIVATE tt_status tt__model_check_config(const tt_model_config *c) {
    const tt_logger *lg = &c->logger;
    if (!tt__cpu_has_simd()) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                 "this build's kernels need a CPU with SIMD width (AVX2+FMA = 8, AVX-512 F/BW/DQ/VL = 16, "
                 "+ AVX512_BF16 when compiled with it) ", TT_SIMD_WIDTH);
        return TT_ERR_UNSUPPORTED;
    }
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
    if ((c->allocator.alloc == NULL) != (c->allocator.free == NULL)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: allocator needs both alloc and free, or neither");
        return TT_ERR_INVALID_ARG;
    }
    if (c->precision != TT_PRECISION_FP32 && c->precision != TT_PRECISION_BF16) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: precision must be TT_PRECISION_FP32 or _BF16, got ",
                 c->precision);
        return TT_ERR_INVALID_ARG;
    }
    if (c->profile && !c->clock.now && !TT__HAS_CLOCK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "model config: profile needs a clock: this build has no CLOCK_MONOTONIC (define _POSIX_C_SOURCE) "
                "or set cfg.clock");
        return TT_ERR_UNSUPPORTED;
    }
    if (c->backend) {
        const tt_backend *b = c->backend;
        if (b->api_version != TT_BACKEND_API_VERSION) {
            tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: backend api_version is not this header's: ",
                     (long long)b->api_version);
            return TT_ERR_UNSUPPORTED;
        }
        if (!b->alloc || !b->free || !b->upload || !b->download || !b->zero || !b->copy || !b->sync || !b->gemm ||
            !b->embed_fwd || !b->embed_bwd || !b->layernorm_fwd || !b->layernorm_bwd || !b->attention_fwd ||
            !b->attention_bwd || !b->attention_cached || !b->lm_head || !b->param_stats || !b->adamw) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: the backend table has an empty entry");
            return TT_ERR_INVALID_ARG;
        }
        if (c->precision == TT_PRECISION_BF16 && !b->to_bf16) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: precision bf16 needs the backend's to_bf16 entry");
            return TT_ERR_UNSUPPORTED;
        }
        if (c->recompute && !b->gelu_fwd) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED, "model config: recompute needs the backend's gelu_fwd entry");
            return TT_ERR_UNSUPPORTED;
        }
        if (c->comm.size > 1 || c->comm.allreduce_sum || c->zero1 || c->accum_exact) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                    "model config: comm, zero1 and accum_exact run on the CPU path only (not with cfg.backend)");
            return TT_ERR_UNSUPPORTED;
        }
    }
    return tt__dp_check_config(c);
}

/* ---- memory plan ---- */
TT__PRIVATE tt_status tt__model_plan(const tt_model_config *c, tt__layout *lay) {
    size_t V = (size_t)c->vocab_size, Vp = (V + 63) / 64 * 64, C = (size_t)c->d_model,
           L = (size_t)c->n_layer, T = (size_t)c->n_ctx, B = (size_t)c->max_batch, NH = (size_t)c->n_head;
    size_t N, off = 0, a = 0, tmp;
    int k = 0, ok = 1;
    tt__plan plan;
    memset(lay, 0, sizeof(*lay));
    ok &= tt__mul_size(B, T, &N);
    /* parameters, from TT__PARAM_LIST (rows, cols <= 4 * TT_MAX_DIM: their product fits 64 bits) */
    lay->n_tensors = 0;
#define TT__P_PLAN(ID, f, lyr, r, c, d, nm) \
    ok &= tt__mul_size((size_t)(r), (c) != 0 ? (size_t)(c) : 1, &lay->param_per_layer[k]); \
    ok &= tt__mul_size(lay->param_per_layer[k], (lyr) ? L : 1, &tmp); \
    lay->param_off[k++] = off; \
    ok &= tt__add_size(off, tmp, &off); \
    lay->n_tensors += (lyr) ? (int)L : 1;
    TT__PARAM_LIST(TT__P_PLAN)
#undef TT__P_PLAN
    lay->n_params = off;
    if (!ok) return TT_ERR_INVALID_ARG;

    /* activations (floats), from TT__ACT_LIST: each count (x L when per
     * layer) is at most N * 4C * L, HR * Vp or B * Vp (int32 = float size) */
    {
        size_t HR;
        ok &= tt__mul_size(N, 4 * C, &tmp) && tt__mul_size(tmp, L, &tmp) && tt__mul_size(N, NH, &tmp) &&
              tt__mul_size(N < TT__HEAD_ROWS ? N : TT__HEAD_ROWS, Vp, &tmp) && tt__mul_size(B, Vp, &tmp) &&
              tt__mul_size(N, 3 * C, &tmp);
        if (!ok) return TT_ERR_INVALID_ARG;
        tt__model_head_rows(c, N, C, Vp, &lay->head_alloc_rows, &lay->head_rows);
        HR = lay->head_alloc_rows;
#define TT__A_PLAN(ty, f, lyr, n) \
        ok &= tt__add_size((size_t)(n) * TT__ACT_MULT(lyr, L, c->recompute), 16, &tmp); /* 64-byte aligned */ \
        ok &= tt__add_size(a, tmp & ~(size_t)15, &a);
        TT__ACT_LIST(TT__A_PLAN)
#undef TT__A_PLAN
        if (!ok) return TT_ERR_INVALID_ARG;
        lay->acts_floats = c->inference_only ? 0 : a; /* inference runs in a generator */
    }
    if (c->backend) { /* activations and scratch live in the backend's buffers */
        lay->be_acts_floats = lay->acts_floats;
        lay->acts_floats = 0;
    }
    lay->scratch_floats_per_slot = c->backend ? 0 :
        tt__align_up(tt__gemm_scratch_floats(), 16) + tt__op_attention_scratch_floats((int)T);
    /* per chunk of TT__NORM_CHUNK: the gradient sum of squares, then the
     * four u32 magnitude bounds of tt_adamw_step's update check (2 doubles) */
    lay->n_partials = (lay->n_params / TT__NORM_CHUNK + 1) * 3;

    memset(&plan, 0, sizeof(plan));
    lay->off_model = tt__plan_take(&plan, 1, sizeof(struct tt_model));
#if TT__HAS_THREADS
    lay->off_pool = tt__plan_take(&plan, 1, c->n_threads > 1 && !c->parallel.parallel_for && !c->backend
                                                ? tt__pool_size(c->n_threads) : 1);
#else
    lay->off_pool = tt__plan_take(&plan, 1, 1);
#endif
    lay->off_params = tt__plan_take(&plan, lay->n_params, sizeof(float));
    tmp = c->inference_only ? 0 : lay->n_params; /* no gradients or moments */
    lay->off_grads = tt__plan_take(&plan, tmp, sizeof(float));
    if (c->inference_only) {
        lay->n_moments = 0;
    } else {   /* AdamW moments: this rank's ZeRO-1 slice, or all */
        size_t lo, hi;
        tt__dp_slice(c, lay->n_params, c->comm.rank, &lo, &hi);
        lay->n_moments = hi - lo;
    }
    lay->off_m = tt__plan_take(&plan, lay->n_moments, sizeof(float));
    lay->off_v = tt__plan_take(&plan, lay->n_moments, sizeof(float));
    lay->off_micro = tt__plan_take(&plan, c->accum_exact && !c->inference_only ? lay->n_params : 1, sizeof(float));
    lay->off_acts = tt__plan_take(&plan, lay->acts_floats, sizeof(float));
    ok &= tt__mul_size(lay->scratch_floats_per_slot, (size_t)c->n_threads, &tmp);
    lay->off_scratch = tt__plan_take(&plan, tmp, sizeof(float));
    lay->off_partials = tt__plan_take(&plan, lay->n_partials, sizeof(double));
    /* packed copies of wte for the lm head's GEMMs: packed once per forward
     * instead of once per chunk of TT__HEAD_ROWS rows (SIMD builds, and only
     * when a batch can span more than one chunk) */
    lay->wte_pk_fwd = lay->wte_pk_dx = 0;
    if (N > TT__HEAD_ROWS && !c->inference_only && !c->backend && !c->recompute && tt__mul_size(V + 64, C + 64, &tmp)) { /* tmp: overflow guard */
        lay->wte_pk_fwd = tt__gemm_packed_floats((int)C, (int)c->vocab_size);
        lay->wte_pk_dx = tt__gemm_packed_floats((int)c->vocab_size, (int)C);
    }
    /* shared packed B for the layer GEMMs with more than one thread: the
     * largest B of the training products (W^T, W, and x for dW) */
    lay->shared_floats = 0;
    if (c->n_threads > 1 && !c->backend && tt__mul_size(N + 64, 4 * C + 64, &tmp)) {
        /* (K, N) of each B: W^T (IC, OC), W (OC, IC), x for dW (rows, IC) */
        size_t kn[7][2], k, best = 0;
        kn[0][0] = C; kn[0][1] = 3 * C;  kn[1][0] = C; kn[1][1] = 4 * C;  kn[2][0] = 4 * C; kn[2][1] = C;
        kn[3][0] = 3 * C; kn[3][1] = C;  kn[4][0] = C; kn[4][1] = C;      kn[5][0] = N; kn[5][1] = C;
        kn[6][0] = N; kn[6][1] = 4 * C;
        for (k = 0; k < (c->inference_only ? 5u : 7u); k++) { /* inference: no dW */
            size_t f = tt__gemm_packed_floats((int)kn[k][0], (int)kn[k][1]);
            if (f > best) best = f;
        }
        lay->shared_floats = best;
    }
    lay->off_shared = tt__plan_take(&plan, lay->shared_floats + 16, sizeof(float));
    ok &= tt__add_size(lay->wte_pk_fwd, 16, &tmp);
    ok &= tt__add_size(tmp, lay->wte_pk_dx, &tmp);
    lay->off_wte_pk = tt__plan_take(&plan, tmp, sizeof(float));
    /* precision bf16: the weights rounded once per step (in the backend's memory with one) */
    lay->n_wh = c->precision == TT_PRECISION_BF16 && !c->inference_only ? (lay->n_params + 1) / 2 * 2 : 0;
    lay->off_wh = tt__plan_take(&plan, c->backend ? 0 : lay->n_wh, sizeof(uint16_t));
    {   /* a backend's host copies of the row losses and last logits */
        size_t hl = 0;
        if (c->backend && !c->inference_only && !(tt__mul_size(B, Vp, &hl) && tt__add_size(hl, N + 16, &hl))) ok = 0;
        lay->n_host = hl;
        lay->off_hostbuf = tt__plan_take(&plan, hl, sizeof(float));
    }
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

TTDEF tt_status tt_model_memory_breakdown(const tt_model_config *cfg, tt_memory_breakdown *out) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    size_t f = sizeof(float), known;
    if (!cfg || !out) return TT_ERR_INVALID_ARG;
    c = tt_model_config_resolve(cfg);
    if ((st = tt__model_check_config(&c)) != TT_OK) return st;
    if ((st = tt__model_plan(&c, &lay)) != TT_OK) return st;
    memset(out, 0, sizeof(*out));
    /* the plan's regions (region sizes are the differences of their offsets
     * where alignment matters little; every count below is an exact count) */
    out->params = lay.n_params * f;
    out->grads = (c.inference_only ? 0 : lay.n_params * f) + (c.accum_exact && !c.inference_only ? lay.n_params * f : 0);
    out->moments = 2 * lay.n_moments * f;
    out->activations = lay.acts_floats * f;
    out->scratch = lay.scratch_floats_per_slot * (size_t)c.n_threads * f + lay.n_partials * sizeof(double) +
                   lay.n_host * f;
    out->packed = (lay.wte_pk_fwd + lay.wte_pk_dx + lay.shared_floats) * f + (c.backend ? 0 : lay.n_wh * 2);
    out->total = lay.total;
    known = out->params + out->grads + out->moments + out->activations + out->scratch + out->packed;
    out->other = lay.total > known ? lay.total - known : 0;
    if (c.backend)
        out->backend = (lay.n_params + (c.inference_only ? 0 : lay.n_params) + 2 * lay.n_moments + lay.be_acts_floats) * f +
                       lay.n_wh * 2;
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
    typedef struct { const char *name; int per_layer, rows, cols, decay; } tt__pinfo;
    int Vp = m->Vp, T = m->maxT, C = m->C, k, l, i = 0;
#define TT__P_INFO(ID, f, lyr, r, c, d, nm) { nm, lyr, r, c, d },
    const tt__pinfo info[TT__P_COUNT] = { TT__PARAM_LIST(TT__P_INFO) };
#undef TT__P_INFO
    for (k = 0; k < TT__P_COUNT; k++) {
        int nl = info[k].per_layer ? m->L : 1;
        for (l = 0; l < nl; l++) {
            tt_tensor_info *t = &m->tensors[i];
            char *name = m->names + (size_t)i * TT__NAME_LEN;
            if (info[k].per_layer) tt__strcat_int(name, "h.", l, info[k].name);
            else tt__strcat_int(name, "", -1, info[k].name);
            t->name = name;
            t->numel = m->lay.param_per_layer[k];
            t->offset = m->lay.param_off[k] + (size_t)l * t->numel;
            t->ndim = info[k].cols ? 2 : 1;
            t->shape[0] = (int32_t)info[k].rows;
            t->shape[1] = (int32_t)info[k].cols;
            t->decay = info[k].decay;
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
    memset(m->h_params, 0, m->lay.n_params * sizeof(float));
    for (i = 0; i < m->lay.n_tensors; i++) {
        const tt_tensor_info *t = &m->tensors[i];
        float *p = m->h_params + t->offset;
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
/* a backend's buffers for what the ops touch: parameters, gradients,
 * moments (same offsets as the host copies) and the activations */
TT__PRIVATE void tt__model_free_backend(tt_model *m) {
    int i;
    if (m->be == &m->be_cpu) return;
    for (i = 0; i < 6; i++) {
        if (m->bbuf[i]) m->be->free(m->be->ctx, m->bbuf[i]);
        m->bbuf[i] = NULL;
    }
}
TT__PRIVATE tt_status tt__model_alloc_backend(tt_model *m) {
    const tt_backend *be = m->be;
    size_t P = m->lay.n_params, M = m->lay.n_moments, A = m->lay.be_acts_floats;
    size_t n[6];
    tt_status st = TT_OK;
    int i;
    n[0] = P; n[1] = m->cfg.inference_only ? 0 : P; n[2] = n[3] = M; n[4] = A;
    n[5] = m->lay.n_wh / 2; /* bf16 copy: n_wh halves */
    for (i = 0; i < 6 && st == TT_OK; i++) {
        if (!n[i]) continue;
        st = be->alloc(be->ctx, n[i] * sizeof(float), &m->bbuf[i]);
        if (st == TT_OK && !m->bbuf[i]) st = TT_ERR_BACKEND;
        if (st == TT_OK && i > 0 && i < 4) st = be->zero(be->ctx, m->bbuf[i], n[i] * sizeof(float));
    }
    if (st != TT_OK) {
        tt__logf(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_create: backend buffer allocation failed, floats: ",
                 (long long)n[i - 1]);
        tt__model_free_backend(m);
        return st;
    }
    m->params = (float *)m->bbuf[0];
    m->grads = (float *)m->bbuf[1];
    m->m = (float *)m->bbuf[2];
    m->v = (float *)m->bbuf[3];
    m->wh = (uint16_t *)m->bbuf[5];
    return TT_OK;
}

/* the CPU instance of the op table over the model's executor and scratch */
TT__PRIVATE void tt__model_init_cpu(tt_model *m) {
    tt__cpu_be *c = &m->cpu;
    memset(c, 0, sizeof(*c));
    c->par = m->ex;
    c->ser = m->ex;
    c->ser.n_threads = 1;
    c->ser.par.parallel_for = NULL;
    c->ser.par.pool = NULL;
    c->par_macs = 0; /* training: every op on all threads */
    c->prof = m->prof.now ? &m->prof : NULL;
    c->head = m->a.head;
    c->head_rows = m->lay.head_rows;
    c->pk_fwd = m->wte_pk_fwd; c->pk_dx = m->wte_pk_dx;
    c->pk_V = m->V; c->pk_C = m->C; c->max_Vp = m->Vp; c->max_T = m->maxT;
    c->partials = m->partials;
    c->max_stats = m->lay.n_params;
    c->alloc = m->cfg.allocator;
    tt__cpu_backend_init(&m->be_cpu, c);
}

TTDEF tt_status tt_model_create_in(const tt_model_config *cfg, void *mem, size_t bytes,
                                   tt_model **out_model) {
    tt_model_config c;
    tt__layout lay;
    tt_status st;
    unsigned char *base;
    tt_model *m;
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
    m->h_params = (float *)(base + lay.off_params);
    if (!c.inference_only) {
        m->h_grads = (float *)(base + lay.off_grads);
        m->h_m = (float *)(base + lay.off_m);
        m->h_v = (float *)(base + lay.off_v);
    }
    m->be = c.backend ? c.backend : &m->be_cpu;
    if (c.backend) {
        if ((st = tt__model_alloc_backend(m)) != TT_OK) return st;
    } else {
        m->params = m->h_params; m->grads = m->h_grads; m->m = m->h_m; m->v = m->h_v;
        m->wh = lay.n_wh ? (uint16_t *)(void *)(base + lay.off_wh) : NULL;
    }
    m->wh_stale = 1;
    m->partials = (double *)(base + lay.off_partials);
    m->wte_pk_fwd = lay.wte_pk_fwd ? (float *)(base + lay.off_wte_pk) : NULL;
    m->wte_pk_dx = lay.wte_pk_dx ? (float *)(base + lay.off_wte_pk) + tt__align_up(lay.wte_pk_fwd, 16) : NULL;
    m->names = (char *)(base + lay.off_names);
    m->tensors = (tt_tensor_info *)(base + lay.off_tensors);
    m->gbase = m->grads;
    /* carve the activations of TT__ACT_LIST in the order the plan counted
     * them, from the host block or the backend's buffer */
    if (!c.inference_only) {
        size_t C = (size_t)m->C, L = (size_t)m->L, NH = (size_t)m->NH, Vp = (size_t)m->Vp, B = (size_t)c.max_batch;
        size_t N = B * (size_t)c.n_ctx, HR = lay.head_alloc_rows;
        float *p = c.backend ? (float *)m->bbuf[4] : (float *)(base + lay.off_acts);
#define TT__A_CARVE(ty, f, lyr, n) \
        m->a.f = (ty *)(void *)p; p += ((size_t)(n) * TT__ACT_MULT(lyr, L, c.recompute) + 16) & ~(size_t)15;
        TT__ACT_LIST(TT__A_CARVE)
#undef TT__A_CARVE
        if (c.recompute) { /* not kept: written into the backward's buffers */
            m->a.ln1 = m->a.ln2 = m->a.dln;
            m->a.fch_gelu = m->a.atty = m->a.dfch;
            if (HR == 0) m->a.head = m->a.dqkv; /* through dfch (tt__model_head_rows) */
        }
        if (c.backend) {
            m->h_row_loss = (float *)(base + lay.off_hostbuf);
            m->h_logits = m->h_row_loss + tt__align_up(N, 16);
        } else {
            m->h_row_loss = m->a.row_loss;
            m->h_logits = m->a.last_logits;
        }
    }
    m->ex.n_threads = c.n_threads;
    m->ex.force_scalar = c.force_scalar;
    m->ex.scratch = (float *)(base + lay.off_scratch);
    m->ex.scratch_floats = lay.scratch_floats_per_slot;
    m->ex.shared = lay.shared_floats ? (float *)(base + lay.off_shared) : NULL;
    m->ex.shared_floats = lay.shared_floats;
    m->ex.par = c.parallel;
    if (c.profile) {
        if (c.clock.now) { m->prof.now = c.clock.now; m->prof.user = c.clock.user; }
#if TT__HAS_CLOCK
        else m->prof.now = tt__clock_monotonic;
#endif
    }
    tt__model_fill_tensors(m);
    if (!c.inference_only && !c.backend) {
        memset(m->grads, 0, lay.n_params * sizeof(float));
        memset(m->m, 0, lay.n_moments * sizeof(float));
        memset(m->v, 0, lay.n_moments * sizeof(float));
    }
    if (!c.inference_only && c.backend) {
        memset(m->h_grads, 0, lay.n_params * sizeof(float));
        memset(m->h_m, 0, lay.n_moments * sizeof(float));
        memset(m->h_v, 0, lay.n_moments * sizeof(float));
    }
    tt__dp_init(m, c.accum_exact && !c.inference_only ? (float *)(base + lay.off_micro) : NULL);
    if (c.no_init) memset(m->h_params, 0, lay.n_params * sizeof(float));
    else tt__model_init_params(m);
    if (c.backend && (st = c.backend->upload(c.backend->ctx, m->params, m->h_params, lay.n_params * sizeof(float))) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, st, "tt_model_create: backend upload of the parameters failed");
        tt__model_free_backend(m);
        return st;
    }
#if TT__HAS_THREADS
    if (c.n_threads > 1 && !c.parallel.parallel_for && !c.backend) {
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
    tt__model_init_cpu(m);
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
    if (!tt__allocator_valid(&c.allocator)) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "tt_model_create: this build has TT_NO_MALLOC: pass cfg.allocator or use tt_model_create_in");
        return TT_ERR_INVALID_ARG;
    }
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
    tt__model_free_backend(m);
    al = m->cfg.allocator;
    block = m->block;
    size = m->block_size;
    if (block) tt__free(&al, block, size);
}

/* ---- accessors ---- */
TTDEF tt_model_config tt_model_get_config(const tt_model *m) {
    tt_model_config c;
    if (m) return m->cfg;
    memset(&c, 0, sizeof(c));
    return c;
}
TTDEF int tt_model_num_tensors(const tt_model *m) { return m ? m->lay.n_tensors : 0; }
TTDEF tt_status tt_model_tensor(const tt_model *m, int i, tt_tensor_info *out) {
    if (!m || !out || i < 0 || i >= m->lay.n_tensors) return TT_ERR_INVALID_ARG;
    *out = m->tensors[i];
    return TT_OK;
}
TTDEF size_t tt_model_num_params(const tt_model *m) { return m ? m->lay.n_params : 0; }
TTDEF float *tt_model_params(tt_model *m) {
    if (!m) return NULL;
    m->wh_stale = 1; /* the caller may write them: round the bf16 copy again */
    return m->h_params;
}
TTDEF float *tt_model_grads(tt_model *m) { return m ? m->h_grads : NULL; }
TTDEF float *tt_model_adam_m(tt_model *m) { return m ? m->h_m : NULL; }
TTDEF float *tt_model_adam_v(tt_model *m) { return m ? m->h_v : NULL; }
TTDEF const tt_backend *tt_model_backend(const tt_model *m) { return m ? m->be : NULL; }
/* host <-> backend copies of parameters, gradients and moments (no-ops on the CPU) */
TTDEF tt_status tt_model_download(tt_model *m) {
    const tt_backend *be;
    size_t P, M;
    tt_status st = TT_OK;
    if (!m) return TT_ERR_INVALID_ARG;
    if (m->be == &m->be_cpu) return TT_OK;
    be = m->be; P = m->lay.n_params * sizeof(float); M = m->lay.n_moments * sizeof(float);
    st = be->download(be->ctx, m->h_params, m->params, P);
    if (st == TT_OK && m->grads) st = be->download(be->ctx, m->h_grads, m->grads, P);
    if (st == TT_OK && m->m && M) st = be->download(be->ctx, m->h_m, m->m, M);
    if (st == TT_OK && m->v && M) st = be->download(be->ctx, m->h_v, m->v, M);
    if (st != TT_OK) tt__log(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_download: the backend's download failed");
    return st;
}
TTDEF tt_status tt_model_upload(tt_model *m) {
    const tt_backend *be;
    size_t P, M;
    tt_status st = TT_OK;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0; /* the activations belong to the old weights */
    m->wh_stale = 1;
    if (m->be == &m->be_cpu) return TT_OK;
    be = m->be; P = m->lay.n_params * sizeof(float); M = m->lay.n_moments * sizeof(float);
    st = be->upload(be->ctx, m->params, m->h_params, P);
    if (st == TT_OK && m->grads) st = be->upload(be->ctx, m->grads, m->h_grads, P);
    if (st == TT_OK && m->m && M) st = be->upload(be->ctx, m->m, m->h_m, M);
    if (st == TT_OK && m->v && M) st = be->upload(be->ctx, m->v, m->h_v, M);
    if (st != TT_OK) tt__log(&m->cfg.logger, TT_LOG_ERROR, st, "tt_model_upload: the backend's upload failed");
    return st;
}
TTDEF uint64_t tt_model_step(const tt_model *m) { return m ? m->step : 0; }
TTDEF void tt_model_set_step(tt_model *m, uint64_t step) { if (m) m->step = step; }
TTDEF void tt_model_zero_grad(tt_model *m) {
    if (m && m->grads) {
        if (m->be == &m->be_cpu) memset(m->grads, 0, m->lay.n_params * sizeof(float));
        else if (m->be->zero(m->be->ctx, m->grads, m->lay.n_params * sizeof(float)) != TT_OK)
            tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_BACKEND, "tt_model_zero_grad: the backend's zero failed");
    }
    if (m) m->dp.dirty = 0;
}

/* ---- views and accessors for the other model files ---- */
/* layer l's weights (base = params) or gradients (base = a gradient block) */
TT__PRIVATE void tt__model_layer_at(const tt_model *m, const float *base, int l, tt__layer_w *w) {
#define TT__P_LSET(ID, f, lyr, r, c, d, nm) \
    TT__IF_##lyr(w->f = (float *)base + m->lay.param_off[TT__P_##ID] + (size_t)l * m->lay.param_per_layer[TT__P_##ID];)
    TT__PARAM_LIST(TT__P_LSET)
#undef TT__P_LSET
}
TT__PRIVATE void tt__model_globals_at(const tt_model *m, const float *base, tt__model_w *w) {
#define TT__P_GSET(ID, f, lyr, r, c, d, nm) TT__IFNOT_##lyr(w->f = (float *)base + m->lay.param_off[TT__P_##ID];)
    TT__PARAM_LIST(TT__P_GSET)
#undef TT__P_GSET
}
/* layer l's training activations */
TT__PRIVATE void tt__model_acts_at(const tt_model *m, int l, tt__layer_acts *a) {
    size_t N = (size_t)m->maxB * (size_t)m->maxT, C = (size_t)m->C, NH = (size_t)m->NH;
#define TT__A_LSET(ty, f, lyr, n) TT__IF_##lyr(a->f = m->a.f + (size_t)l * (n) * (TT__ACT_MULT(lyr, 1, m->cfg.recompute));)
    TT__ACT_LIST(TT__A_LSET)
#undef TT__A_LSET
    (void)NH;
    a->recompute = m->cfg.recompute;
    a->in = l == 0 ? m->a.x0 : m->a.res3 + (size_t)(l - 1) * N * C;
}
TT__PRIVATE const tt__exec *tt__model_exec(const tt_model *m) { return &m->ex; }
TT__PRIVATE const tt_backend *tt__model_cfg_backend(const tt_model *m) { return m->cfg.backend; }
TT__PRIVATE void tt__model_layer_w(const tt_model *m, int l, tt__layer_w *out) { tt__model_layer_at(m, m->params, l, out); }
TT__PRIVATE void tt__model_globals(const tt_model *m, tt__model_w *out) { tt__model_globals_at(m, m->params, out); }
TT__PRIVATE int tt__model_vp(const tt_model *m) { return m->Vp; }
TT__PRIVATE const tt_tensor_info *tt__model_tensors(const tt_model *m) { return m->tensors; }
TT__PRIVATE void tt__model_shape_of(const tt_model *m, tt__model_shape *s) {
    s->V = m->V; s->Vp = m->Vp; s->C = m->C; s->L = m->L; s->NH = m->NH; s->maxT = m->maxT;
    s->n_params = m->lay.n_params;
    s->n_tensors = m->lay.n_tensors;
    s->tensors = m->tensors;
    s->params = m->h_params;
    s->logger = &m->cfg.logger;
    s->allocator = &m->cfg.allocator;
}
TT__PRIVATE void tt__model_param_view(tt_model *m, tt__param_view *v) {
    v->params = m->params; v->grads = m->grads; v->m = m->m; v->v = m->v;
    v->n = m->lay.n_params;
    v->tensors = m->tensors; v->n_tensors = m->lay.n_tensors;
    v->partials = m->partials;
    v->be = m->be;
    v->ex = &m->ex;
    v->dp = &m->dp;
    v->cfg = &m->cfg;
    v->step = &m->step;
    v->prof = m->prof.now ? &m->prof : NULL;
}
TT__PRIVATE void tt__model_params_changed(tt_model *m) { m->have_targets = 0; m->wh_stale = 1; }
TT__PRIVATE void tt__model_forget_acts(tt_model *m) {
    m->have_targets = m->have_logits = m->have_loss = 0;
    m->wh_stale = 1;
}
TT__PRIVATE void tt__model_set_grad_base(tt_model *m, float *base) { m->gbase = base; }
TT__PRIVATE float *tt__model_grad_base(const tt_model *m) { return m->gbase; }

/* how the model's ops run: through its op table, timed when profiling */
TT__PRIVATE tt__bk tt__model_bk(tt_model *m) {
    tt__bk k;
    k.be = m->be;
    k.prof = m->prof.now ? &m->prof : NULL;
    k.st = TT_OK;
    k.wh = m->wh; /* NULL unless precision bf16 */
    k.wbase = m->params;
    return k;
}

TTDEF const char *tt_op_kind_name(int kind) {
    static const char *const names[TT_OP_COUNT] = {
        "embedding", "layernorm", "qkv", "attention", "attn_proj", "fc", "fc_proj", "lm_head", "softmax_ce",
        "embedding_bwd", "layernorm_bwd", "qkv_bwd", "attention_bwd", "attn_proj_bwd", "fc_bwd", "fc_proj_bwd",
        "lm_head_bwd", "adamw" };
    return kind >= 0 && kind < TT_OP_COUNT ? names[kind] : "?";
}
TTDEF tt_status tt_model_get_stats(const tt_model *m, tt_model_stats *out) {
    if (!m || !out) return TT_ERR_INVALID_ARG;
    *out = m->prof.st;
    return TT_OK;
}
TTDEF void tt_model_reset_stats(tt_model *m) {
    if (m) memset(&m->prof.st, 0, sizeof(m->prof.st));
}

/* ---- lm head ---- */
/* mean of the per-row losses, summed in row order (thread-count independent) */
TT__PRIVATE float tt__mean_loss(const tt_model *m, int N) {
    double sum = 0.0;
    int i;
    for (i = 0; i < N; i++) sum += m->h_row_loss[i];
    return (float)(sum / N);
}

/* lm head + softmax + cross-entropy (the table's lm_head): mode 0 loss; 1/2
 * also dlnf -> a.dtmp and dwte += dlogits^T lnf */
TT__PRIVATE void tt__head(tt_model *m, tt__bk *k, int N, int mode, float grad_scale) {
    tt_backend_head h;
    tt__model_w pw, gw;
    tt__prof *pf = m->be == &m->be_cpu ? NULL : k->prof; /* the CPU instance times the head's parts itself */
    tt__model_globals_at(m, m->params, &pw);
    memset(&h, 0, sizeof(h));
    h.x = m->a.lnf; h.wte = pw.wte; h.targets = m->a.targets;
    h.row_lse = m->a.row_lse; h.row_loss = m->a.row_loss;
    h.dx = m->a.dtmp;
    if (m->gbase) {
        tt__model_globals_at(m, m->gbase, &gw);
        h.dwte = gw.wte;
    }
    h.N = N; h.V = m->V; h.Vp = m->Vp; h.C = m->C; h.mode = mode; h.scale = grad_scale / (float)N;
    if (k->st == TT_OK) {
        double t0 = tt__prof_begin(pf);
        k->st = m->be->lm_head(m->be->ctx, &h);
        if (pf) tt__prof_end(pf, mode ? TT_OP_LM_HEAD_BWD : TT_OP_LM_HEAD, t0,
                             2.0 * (mode ? 3.0 : 1.0) * (double)N * (double)m->V * (double)m->C);
    }
}

/* backend -> host copy (nothing when they are the same memory: the CPU) */
TT__PRIVATE void tt__model_to_host(tt_model *m, tt__bk *k, void *dst, const void *src, size_t bytes) {
    if (k->st != TT_OK || dst == src) return;
    k->st = m->be->download(m->be->ctx, dst, src, bytes);
}
TT__PRIVATE void tt__model_to_backend(tt_model *m, tt__bk *k, void *dst, const void *src, size_t bytes) {
    if (k->st != TT_OK) return;
    if (m->be == &m->be_cpu) memcpy(dst, src, bytes);
    else k->st = m->be->upload(m->be->ctx, dst, src, bytes);
}
/* a failed op of the table: logged, and the model holds no usable activations */
TT__PRIVATE tt_status tt__model_op_failed(tt_model *m, const tt__bk *k, const char *what) {
    m->have_targets = m->have_logits = m->have_loss = 0;
    tt__log(&m->cfg.logger, TT_LOG_ERROR, k->st, what);
    return k->st;
}

/* ---- forward ---- */
TT__PRIVATE tt_status tt__model_check_batch(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                            int B, int T) {
    size_t i, N;
    if (m->cfg.inference_only) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "inference_only model: no training activations; use a generator (tt_generator_feed/score)");
        return TT_ERR_UNSUPPORTED;
    }
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

/* everything up to the final LayerNorm (a.lnf); inputs already checked */
TT__PRIVATE void tt__forward_body(tt_model *m, tt__bk *k, const int32_t *tokens, const int32_t *targets, int B, int T) {
    int l, N = B * T, C = m->C;
    tt__model_w gw;
    tt__layer_w w;
    tt__layer_acts a;
    tt__attn_arg att;
    if (m->wh && m->wh_stale && k->st == TT_OK) { /* bf16: the weights rounded once per change */
        TT__BK(k, TT_OP_ADAMW, 0.0, to_bf16(m->be->ctx, m->wh, m->params, m->lay.n_params));
        if (k->st == TT_OK) m->wh_stale = 0;
    }
    tt__model_to_backend(m, k, m->a.tokens, tokens, (size_t)N * sizeof(int32_t));
    if (targets) tt__model_to_backend(m, k, m->a.targets, targets, (size_t)N * sizeof(int32_t));
    m->have_targets = 0;
    m->have_logits = 0;
    memset(&att, 0, sizeof(att)); /* full-sequence attention */
    tt__model_globals_at(m, m->params, &gw);
    TT__BK(k, TT_OP_EMBEDDING, 0.0, embed_fwd(m->be->ctx, m->a.x0, m->a.tokens, gw.wte, gw.wpe, B, T, 0, C));
    for (l = 0; l < m->L; l++) {
        tt__model_layer_at(m, m->params, l, &w);
        tt__model_acts_at(m, l, &a);
        tt__block_fwd(k, &w, &a, &att, B, T, C, m->NH);
    }
    tt__bk_layernorm_fwd(k, m->a.lnf, m->a.lnf_mean, m->a.lnf_rstd, a.res3, gw.lnfw, gw.lnfb, N, C);
    m->last_B = B;
    m->last_T = T;
}

TTDEF tt_status tt_model_forward(tt_model *m, const int32_t *tokens, const int32_t *targets, int B, int T,
                                 float *out_loss) {
    int N, C;
    tt_status st;
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0; /* a failed forward leaves nothing to backward or read */
    if (!tokens) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    k = tt__model_bk(m);
    tt__forward_body(m, &k, tokens, targets, B, T);
    N = B * T; C = m->C;
    if (targets) {
        tt__head(m, &k, N, 0, 0.0f);
        tt__model_to_host(m, &k, m->h_row_loss, m->a.row_loss, (size_t)N * sizeof(float));
        if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward: a backend op failed");
        m->have_targets = m->have_loss = 1;
        if (out_loss) *out_loss = tt__mean_loss(m, N);
    } else {
        /* logits of the last position of each row */
        tt__model_w pw;
        tt__model_globals_at(m, m->params, &pw);
        tt__bk_logits(&k, m->a.last_logits, m->Vp, m->a.lnf + (size_t)(T - 1) * C, (ptrdiff_t)T * C, pw.wte, B,
                      m->V, C);
        tt__model_to_host(m, &k, m->h_logits, m->a.last_logits, (size_t)B * (size_t)m->Vp * sizeof(float));
        if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward: a backend op failed");
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
        memcpy(out + (size_t)b * m->V, m->h_logits + (size_t)b * m->Vp, (size_t)m->V * sizeof(float));
    return TT_OK;
}

/* ---- backward ---- */
/* backward from dlnf (in a.dtmp) down to the embeddings, gradients into m->gbase */
TT__PRIVATE void tt__backward_body(tt_model *m, tt__bk *k) {
    int l, B = m->last_B, T = m->last_T, N = B * T, C = m->C;
    tt__model_w pw, gw;
    tt__layer_w w, g;
    tt__layer_acts a;
    tt__block_grads d;
    tt__model_globals_at(m, m->params, &pw);
    tt__model_globals_at(m, m->gbase, &gw);
    d.dres = m->a.dres; d.dtmp = m->a.dtmp; d.dln = m->a.dln; d.dqkv = m->a.dqkv; d.dfch = m->a.dfch;
    tt__model_acts_at(m, m->L - 1, &a);
    tt__bk_layernorm_bwd(k, m->a.dres, gw.lnfw, gw.lnfb, m->a.dtmp, a.res3, pw.lnfw, m->a.lnf_mean, m->a.lnf_rstd,
                         N, C, 0);
    for (l = m->L - 1; l >= 0; l--) {
        tt__model_layer_at(m, m->params, l, &w);
        tt__model_layer_at(m, m->gbase, l, &g);
        tt__model_acts_at(m, l, &a);
        tt__block_bwd(k, &w, &g, &a, &d, B, T, C, m->NH);
    }
    TT__BK(k, TT_OP_EMBEDDING_BWD, 0.0, embed_bwd(m->be->ctx, gw.wte, gw.wpe, m->a.dres, m->a.tokens, B, T, C));
}

TTDEF tt_status tt_model_backward(tt_model *m, float grad_scale) {
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    if (m->cfg.inference_only) return TT_ERR_UNSUPPORTED;
    if (!m->have_targets) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "backward: needs a successful forward with targets since the last backward or optimizer step");
        return TT_ERR_INVALID_ARG;
    }
    if (!(grad_scale >= -3.0e38f && grad_scale <= 3.0e38f)) {
        tt__log(&m->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "backward: grad_scale must be finite");
        return TT_ERR_INVALID_ARG;
    }
    m->have_targets = 0; /* one backward per forward */
    k = tt__model_bk(m);
    /* lm head: recompute the logits chunk by chunk, dlogits, dlnf, dwte */
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, &k, m->last_B * m->last_T, 1, grad_scale);
    tt__backward_body(m, &k);
    tt__dp_backward_end(m);
    if (k.st != TT_OK) return tt__model_op_failed(m, &k, "backward: a backend op failed (gradients incomplete)");
    return TT_OK;
}

TTDEF tt_status tt_model_forward_backward(tt_model *m, const int32_t *tokens, const int32_t *targets,
                                          int B, int T, float grad_scale, float *out_loss) {
    int N;
    tt_status st;
    tt__bk k;
    if (!m) return TT_ERR_INVALID_ARG;
    m->have_targets = m->have_logits = m->have_loss = 0;
    if (!tokens || !targets || !(grad_scale >= -3.0e38f && grad_scale <= 3.0e38f)) return TT_ERR_INVALID_ARG;
    if ((st = tt__model_check_batch(m, tokens, targets, B, T)) != TT_OK) return st;
    k = tt__model_bk(m);
    tt__forward_body(m, &k, tokens, targets, B, T);
    N = B * T;
    grad_scale = tt__dp_backward_begin(m, grad_scale);
    tt__head(m, &k, N, 2, grad_scale);
    tt__backward_body(m, &k); /* have_targets stays 0: the backward is done */
    tt__dp_backward_end(m);
    tt__model_to_host(m, &k, m->h_row_loss, m->a.row_loss, (size_t)N * sizeof(float));
    if (k.st != TT_OK) return tt__model_op_failed(m, &k, "forward_backward: a backend op failed (gradients incomplete)");
    m->have_loss = 1;
    if (out_loss) *out_loss = tt__mean_loss(m, N);
    return TT_OK;
}

TTDEF tt_status tt_model_token_losses(const tt_model *m, float *out, size_t n) {
    size_t N;
    if (!m || !out || !m->have_loss) return TT_ERR_INVALID_ARG;
    N = (size_t)m->last_B * (size_t)m->last_T;
    if (n < N) return TT_ERR_BUFFER_TOO_SMALL;
    memcpy(out, m->h_row_loss, N * sizeof(float));
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

TT__PRIVATE double tt__bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof(f));
    return (double)f;
}

/* the config and the step's learning rate are usable numbers */
TT__PRIVATE int tt__adamw_config_ok(const tt_adamw_config *c) {
    const float big = 3.0e38f; /* finite: |x| <= big also refuses NaN */
    return c->lr > 0.0f && c->lr <= big && c->beta1 >= 0.0f && c->beta1 < 1.0f && c->beta2 >= 0.0f &&
           c->beta2 < 1.0f && c->eps > 0.0f && c->eps <= big && c->weight_decay >= 0.0f && c->weight_decay <= big &&
           c->grad_clip >= 0.0f && c->grad_clip <= big && c->min_lr >= 0.0f && c->min_lr <= big &&
           c->warmup_steps >= 0 && c->total_steps >= 0 &&
           (c->schedule == TT_LR_CONSTANT || c->schedule == TT_LR_COSINE);
}

TTDEF tt_status tt_adamw_step(tt_model *m, const tt_adamw_config *cfg, tt_step_stats *out) {
    tt_adamw_config c;
    float lr, gscale, bc1, bc2_sqrt;
    double gmax, pmax, mmax, vmax, lim = 1.0e38, mb, vb, stepd, pb;
    tt_status st;
    float norm;
    uint64_t t;
    uint32_t gbits, pbits, mbits, vbits;
    tt__param_view pv;
    tt_backend_stats s1, s2;
    const tt_backend *be;
    const tt_logger *lg;
    size_t lo, hi;
    int i;
    double t0;
    if (!m) return TT_ERR_INVALID_ARG;
    tt__model_param_view(m, &pv);
    lg = &pv.cfg->logger;
    be = pv.be;
    if (!pv.grads) return TT_ERR_UNSUPPORTED; /* inference_only */
    c = tt_adamw_config_resolve(cfg);
    if (!tt__adamw_config_ok(&c)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "adamw: lr, eps must be finite and > 0; betas in [0,1); wd, clip, min_lr finite and >= 0; "
                "warmup, total_steps >= 0; schedule TT_LR_CONSTANT or TT_LR_COSINE");
        return TT_ERR_INVALID_ARG;
    }
    if (*pv.step == UINT64_MAX) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: the step counter is at its maximum");
        return TT_ERR_INVALID_ARG;
    }
    t = *pv.step + 1;
    lr = tt_lr_at(&c, *pv.step);
    bc1 = 1.0f - TT_POWF(c.beta1, (float)t);
    bc2_sqrt = TT_SQRTF(1.0f - TT_POWF(c.beta2, (float)t));
    if (!(lr >= 0.0f && lr <= 3.0e38f) || !(bc1 > 0.0f) || !(bc2_sqrt > 0.0f)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "adamw: the schedule gives no usable learning rate at this step");
        return TT_ERR_INVALID_ARG;
    }
    if ((st = tt__dp_reduce_grads(m)) != TT_OK) return st; /* data parallel: global gradients */
    t0 = pv.prof ? tt__prof_begin(pv.prof) : 0.0;
    /* statistics through the op table: the sum of squares and the |g|, |p|
     * bounds over all n, the moment bounds over the slice held [lo, hi)
     * (all of it, unless ZeRO-1 shards the moments) */
    lo = pv.dp->lo; hi = pv.dp->hi;
    memset(&s2, 0, sizeof(s2));
    if (lo == 0 && hi == pv.n) {
        st = be->param_stats(be->ctx, &s1, pv.grads, pv.params, pv.m, pv.v, pv.n);
        s2 = s1;
    } else {
        st = be->param_stats(be->ctx, &s1, pv.grads, pv.params, NULL, NULL, pv.n);
        if (st == TT_OK && hi > lo) st = be->param_stats(be->ctx, &s2, pv.grads + lo, pv.params + lo, pv.m, pv.v, hi - lo);
    }
    if (st != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, st, "adamw: the backend's param_stats failed; step skipped");
        return st;
    }
    gbits = s1.max_g; pbits = s1.max_p; mbits = s2.max_m; vbits = s2.max_v;
    /* ZeRO-1: every rank must decide alike on moments it does not hold */
    if ((st = tt__dp_moment_bounds(m, &mbits, &vbits)) != TT_OK) return st;
    norm = (float)TT_SQRTF((float)s1.sumsq);
    if (!(norm <= 3.0e38f)) { /* NaN or Inf */
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE, "adamw: gradient norm is NaN/Inf; step skipped, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    gscale = 1.0f;
    if (c.grad_clip > 0.0f) {
        /* as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1 */
        float coef = c.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) gscale = coef;
    }
    /* Would every new p, m, v be finite? Bounds from the largest magnitudes
     * (in double, against 1e38 so the kernels' float rounding cannot cross
     * FLT_MAX): |g'| <= G, |m'| <= b1 M + (1-b1) G, v' <= b2 V + (1-b2) G^2,
     * |p'| <= P (1 + lr wd) + (lr/bc1) |m'| / eps (the denominator is >=
     * eps). A NaN/Inf or negative v already held fails too. Refusing here
     * leaves everything as it was; valid steps compute exactly as before. */
    gmax = tt__bits_float(gbits) * (double)gscale;
    pmax = tt__bits_float(pbits);
    mmax = tt__bits_float(mbits);
    vmax = tt__bits_float(vbits);
    mb = (double)c.beta1 * mmax + (1.0 - (double)c.beta1) * gmax;
    vb = (double)c.beta2 * vmax + (1.0 - (double)c.beta2) * gmax * gmax;
    stepd = (double)lr / (double)bc1;
    pb = pmax * (1.0 + (double)lr * (double)c.weight_decay) + stepd * mb / (double)c.eps;
    if (!(pbits <= 0x7f7fffffu && mbits <= 0x7f7fffffu && vbits <= 0x7f7fffffu && mb <= lim && vb <= lim &&
          pb <= lim && stepd * mb <= lim && (double)lr * (double)c.weight_decay <= lim && stepd <= lim)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_NONFINITE,
                pbits > 0x7f7fffffu || mbits > 0x7f7fffffu || vbits > 0x7f7fffffu
                    ? "adamw: parameters or moments already hold NaN/Inf (or v < 0); step refused, gradients zeroed"
                    : "adamw: this update would overflow to NaN/Inf (learning rate too large?); step refused, gradients zeroed");
        tt_model_zero_grad(m);
        return TT_ERR_NONFINITE;
    }
    /* the update, one table call per tensor (its decay group) within [lo, hi) */
    for (i = 0; i < pv.n_tensors && st == TT_OK; i++) {
        const tt_tensor_info *ti = &pv.tensors[i];
        size_t a = ti->offset, b = ti->offset + ti->numel;
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        if (a >= b) continue;
        st = be->adamw(be->ctx, pv.params + a, pv.m + (a - lo), pv.v + (a - lo), pv.grads + a, b - a, lr, c.beta1,
                       c.beta2, c.eps, ti->decay ? c.weight_decay : 0.0f, gscale, bc1, bc2_sqrt);
    }
    if (pv.prof) tt__prof_end(pv.prof, TT_OP_ADAMW, t0, 0.0);
    if (st != TT_OK) { /* some tensors updated: the model is not usable as it was */
        tt__log(lg, TT_LOG_ERROR, st, "adamw: the backend's adamw failed part way; parameters partly updated");
        return st;
    }
    *pv.step = t;
    tt__model_params_changed(m); /* the activations belong to the old weights */
    if ((st = tt__dp_after_update(m)) != TT_OK) return st; /* ZeRO-1: slices to every rank */
    if (out) { out->lr = lr; out->grad_norm = norm; out->step = t; }
    return TT_OK;
}
/* ==== end src/tt_adamw.c ==== */
/* ==== begin src/tt_checkpoint.c ==== */
/* >>checkpoint  save/load everything a training run needs to resume exactly */
/* #include "tt_internal.h" */

/* the sections of a checkpoint, in file order: X(ID, tag, bytes), bytes
 * the fixed length (0: variable, given in the section header) */
#define TT__CK_SECTION_LIST(X) \
    X(CONF, "CONF", 48u) /* model shape, seed, parameter and tensor counts */ \
    X(OPTM, "OPTM", 48u) /* AdamW config and step */ \
    X(LOAD, "LOAD", 56u) /* data loader position */ \
    X(RNG,  "RNG ", 16u) /* the caller's PCG32 state */ \
    X(USER, "USER", 64u) /* 8 caller u64s */ \
    X(TOKN, "TOKN", 0u)  /* the tokenizer file, or empty */ \
    X(PARM, "PARM", 0u)  /* parameters, P floats */ \
    X(ADMM, "ADMM", 0u)  /* AdamW m, P floats */ \
    X(ADMV, "ADMV", 0u)  /* AdamW v, P floats */
#define TT__CK_ENUM(ID, tag, bytes) TT__CK_##ID,
enum { TT__CK_SECTION_LIST(TT__CK_ENUM) TT__CK_SECTIONS };
#undef TT__CK_ENUM
#define TT__CK_BYTES(ID, tag, bytes) enum { TT__CK_##ID##_BYTES = bytes };
TT__CK_SECTION_LIST(TT__CK_BYTES)
#undef TT__CK_BYTES
#define TT__CK_TAG(ID, tag, bytes) tag,
static const char tt__ck_tags[TT__CK_SECTIONS][5] = { TT__CK_SECTION_LIST(TT__CK_TAG) };
#undef TT__CK_TAG

TT__PRIVATE uint32_t tt__f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
TT__PRIVATE float tt__u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* ---- writing: a byte sink that counts and checksums; io NULL = count only */
typedef struct tt__ckw {
    const tt_io *io;
    uint32_t crc;
    uint64_t n;
    tt_status st;
} tt__ckw;

TT__PRIVATE void tt__ckw_bytes(tt__ckw *w, const void *p, size_t n) {
    if (w->st != TT_OK || n == 0) return;
    w->crc = tt_crc32(w->crc, p, n);
    w->n += n;
    if (w->io) w->st = tt__write_all(w->io, p, n);
}
TT__PRIVATE size_t tt__ckw_io_write(void *user, const void *p, size_t n) {
    tt__ckw *w = (tt__ckw *)user;
    tt__ckw_bytes(w, p, n);
    return w->st == TT_OK ? n : 0;
}
TT__PRIVATE void tt__ckw_section(tt__ckw *w, int i, uint64_t len) {
    unsigned char h[16];
    memcpy(h, tt__ck_tags[i], 4);
    tt__put_u32(h + 4, 0);
    tt__put_u64(h + 8, len);
    tt__ckw_bytes(w, h, sizeof(h));
}
TT__PRIVATE void tt__ckw_floats(tt__ckw *w, const float *x, size_t n) {
    unsigned char buf[4096];
    size_t i, k, j;
    for (i = 0; i < n && w->st == TT_OK; i += k) {
        k = n - i < sizeof(buf) / 4 ? n - i : sizeof(buf) / 4;
        for (j = 0; j < k; j++) tt__put_u32(buf + 4 * j, tt__f2u(x[i + j]));
        tt__ckw_bytes(w, buf, k * 4);
    }
}

TT__PRIVATE void tt__ck_put_adamw(unsigned char *p, const tt_adamw_config *a, uint64_t step) {
    memset(p, 0, TT__CK_OPTM_BYTES);
    tt__put_u32(p + 0, tt__f2u(a->lr));
    tt__put_u32(p + 4, tt__f2u(a->beta1));
    tt__put_u32(p + 8, tt__f2u(a->beta2));
    tt__put_u32(p + 12, tt__f2u(a->eps));
    tt__put_u32(p + 16, tt__f2u(a->weight_decay));
    tt__put_u32(p + 20, tt__f2u(a->grad_clip));
    tt__put_u32(p + 24, (uint32_t)a->warmup_steps);
    tt__put_u32(p + 28, (uint32_t)a->schedule);
    tt__put_u32(p + 32, (uint32_t)a->total_steps);
    tt__put_u32(p + 36, tt__f2u(a->min_lr));
    tt__put_u64(p + 40, step);
}
TT__PRIVATE void tt__ck_get_adamw(const unsigned char *p, tt_adamw_config *a, uint64_t *step) {
    memset(a, 0, sizeof(*a));
    a->lr = tt__u2f(tt__get_u32(p + 0));
    a->beta1 = tt__u2f(tt__get_u32(p + 4));
    a->beta2 = tt__u2f(tt__get_u32(p + 8));
    a->eps = tt__u2f(tt__get_u32(p + 12));
    a->weight_decay = tt__u2f(tt__get_u32(p + 16));
    a->grad_clip = tt__u2f(tt__get_u32(p + 20));
    a->warmup_steps = (int32_t)tt__get_u32(p + 24);
    a->schedule = (int32_t)tt__get_u32(p + 28);
    a->total_steps = (int32_t)tt__get_u32(p + 32);
    a->min_lr = tt__u2f(tt__get_u32(p + 36));
    *step = tt__get_u64(p + 40);
}
TT__PRIVATE void tt__ck_put_loader(unsigned char *p, int has, const tt_loader_state *s) {
    memset(p, 0, TT__CK_LOAD_BYTES);
    tt__put_u32(p, has ? 1u : 0u);
    if (!has) return;
    tt__put_u64(p + 8, s->epoch);
    tt__put_u64(p + 16, s->index);
    tt__put_u64(p + 24, s->seed);
    tt__put_u64(p + 32, s->n_tokens);
    tt__put_u64(p + 40, s->n_train_tokens);
    tt__put_u32(p + 48, (uint32_t)s->seq_len);
    tt__put_u32(p + 52, (uint32_t)s->shuffle);
}
TT__PRIVATE int tt__ck_get_loader(const unsigned char *p, int32_t *has, tt_loader_state *s) {
    uint32_t flag = tt__get_u32(p);
    memset(s, 0, sizeof(*s));
    if (flag > 1 || tt__get_u32(p + 4) != 0) return 0;
    *has = (int32_t)flag;
    s->epoch = tt__get_u64(p + 8);
    s->index = tt__get_u64(p + 16);
    s->seed = tt__get_u64(p + 24);
    s->n_tokens = tt__get_u64(p + 32);
    s->n_train_tokens = tt__get_u64(p + 40);
    s->seq_len = (int32_t)tt__get_u32(p + 48);
    s->shuffle = (int32_t)tt__get_u32(p + 52);
    return 1;
}

/* AdamW m (which 0) or v (1), all P floats; with ZeRO-1 the slices are
 * gathered from their ranks first (a collective: called on every rank
 * whatever w's status, so the ranks stay in step) */
TT__PRIVATE void tt__ck_moments(tt__ckw *w, tt_model *model, int which, size_t P) {
    const float *src = which ? tt_model_adam_v(model) : tt_model_adam_m(model);
    if (tt__dp_sharded(model)) {
        tt_status st = tt__dp_gather_moments(model, which, &src);
        if (st != TT_OK && w->st == TT_OK) w->st = st;
    }
    tt__ckw_floats(w, src, P);
}

/* the whole payload through w; the same bytes on every call */
TT__PRIVATE void tt__ck_payload(tt__ckw *w, tt_model *model, const tt_tokenizer *tok,
                                const tt_checkpoint_state *state, uint64_t tok_bytes) {
    unsigned char b[64];
    tt_model_config c = tt_model_get_config(model);
    tt_adamw_config ad;
    size_t P = tt_model_num_params(model);
    int i;
    /* CONF */
    tt__ckw_section(w, TT__CK_CONF, TT__CK_CONF_BYTES);
    memset(b, 0, sizeof(b));
    tt__put_u32(b + 0, (uint32_t)c.vocab_size);
    tt__put_u32(b + 4, (uint32_t)c.n_ctx);
    tt__put_u32(b + 8, (uint32_t)c.n_layer);
    tt__put_u32(b + 12, (uint32_t)c.n_head);
    tt__put_u32(b + 16, (uint32_t)c.d_model);
    tt__put_u32(b + 20, (uint32_t)c.max_batch);
    tt__put_u64(b + 24, c.seed);
    tt__put_u64(b + 32, (uint64_t)P);
    tt__put_u32(b + 40, (uint32_t)tt_model_num_tensors(model));
    tt__ckw_bytes(w, b, TT__CK_CONF_BYTES);
    /* OPTM */
    ad = tt_adamw_config_resolve(state ? &state->adamw : NULL);
    tt__ckw_section(w, TT__CK_OPTM, TT__CK_OPTM_BYTES);
    tt__ck_put_adamw(b, &ad, tt_model_step(model));
    tt__ckw_bytes(w, b, TT__CK_OPTM_BYTES);
    /* LOAD */
    tt__ckw_section(w, TT__CK_LOAD, TT__CK_LOAD_BYTES);
    tt__ck_put_loader(b, state && state->has_loader, state ? &state->loader : NULL);
    tt__ckw_bytes(w, b, TT__CK_LOAD_BYTES);
    /* RNG */
    tt__ckw_section(w, TT__CK_RNG, TT__CK_RNG_BYTES);
    tt__put_u64(b, state ? state->rng.state : 0);
    tt__put_u64(b + 8, state ? state->rng.inc : 0);
    tt__ckw_bytes(w, b, TT__CK_RNG_BYTES);
    /* USER */
    tt__ckw_section(w, TT__CK_USER, TT__CK_USER_BYTES);
    for (i = 0; i < 8; i++) tt__put_u64(b + 8 * i, state ? state->user[i] : 0);
    tt__ckw_bytes(w, b, TT__CK_USER_BYTES);
    /* TOKN */
    tt__ckw_section(w, TT__CK_TOKN, tok_bytes);
    if (tok && w->st == TT_OK) {
        tt_io tio;
        uint64_t before = w->n;
        tio.read = NULL; tio.write = tt__ckw_io_write; tio.user = w;
        if (tt_tokenizer_save(tok, &tio) != TT_OK && w->st == TT_OK) w->st = TT_ERR_IO;
        if (w->st == TT_OK && w->n - before != tok_bytes) w->st = TT_ERR_IO; /* save_size disagreed */
    }
    /* PARM, ADMM, ADMV */
    tt__ckw_section(w, TT__CK_PARM, (uint64_t)P * 4);
    tt__ckw_floats(w, tt_model_params(model), P);
    tt__ckw_section(w, TT__CK_ADMM, (uint64_t)P * 4);
    tt__ck_moments(w, model, 0, P);
    tt__ckw_section(w, TT__CK_ADMV, (uint64_t)P * 4);
    tt__ck_moments(w, model, 1, P);
}

/* every x[i] finite (exponent bits not all ones) */
TT__PRIVATE int tt__ck_finite(const float *x, size_t n) {
    uint32_t u, acc = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        memcpy(&u, x + i, sizeof(u));
        acc |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return acc == 0;
}

TTDEF tt_status tt_checkpoint_save(const tt_io *io, tt_model *model, const tt_tokenizer *tok,
                                   const tt_checkpoint_state *state) {
    unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
    tt__ckw count, out;
    uint64_t tok_bytes = 0;
    tt_model_config c;
    tt_status st = TT_OK;
    /* with comm, ranks other than 0 take part without writing; both passes
     * always run on every rank (they contain the ZeRO-1 collectives) */
    if (!model || (tt__dp_writer(model) && (!io || !io->write))) return TT_ERR_INVALID_ARG;
    if (!tt__dp_writer(model)) io = NULL;
    c = tt_model_get_config(model);
    if (c.inference_only) return TT_ERR_UNSUPPORTED; /* no AdamW moments to save */
    if ((st = tt_model_download(model)) != TT_OK) return st; /* a backend's buffers -> the host copies */
    if (tt__dp_sharded(model) && tt__dp_dirty(model)) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "checkpoint: with zero1, save between steps (gradients are pending)");
        return TT_ERR_INVALID_ARG;
    }
    /* with ZeRO-1 a rank holds only its moment slice; only the parameters
     * (the same on every rank) decide, so that all ranks return alike */
    if (!tt__ck_finite(tt_model_params(model), tt_model_num_params(model)) ||
        (!tt__dp_sharded(model) && (!tt__ck_finite(tt_model_adam_m(model), tt_model_num_params(model)) ||
                                    !tt__ck_finite(tt_model_adam_v(model), tt_model_num_params(model))))) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_NONFINITE,
                "checkpoint: parameters or AdamW moments hold NaN/Inf; nothing written");
        return TT_ERR_NONFINITE;
    }
    if (tok) {
        st = tt_tokenizer_save_size(tok, &tok_bytes);
        if (st == TT_OK && tok_bytes > TT_CHECKPOINT_MAX_TOKENIZER_BYTES) {
            tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "checkpoint: tokenizer too large");
            st = TT_ERR_INVALID_ARG;
        }
        if (st != TT_OK) { tok = NULL; tok_bytes = 0; }
    }
    /* pass 1: size and CRC of the payload; pass 2: the same bytes, written */
    count.io = NULL; count.crc = 0; count.n = 0; count.st = TT_OK;
    tt__ck_payload(&count, model, tok, state, tok_bytes);
    if (st == TT_OK) st = count.st;
    memset(h, 0, sizeof(h));
    memcpy(h, TT_CHECKPOINT_MAGIC, 4);
    tt__put_u32(h + 4, TT_CHECKPOINT_VERSION);
    tt__put_u32(h + 8, TT_CHECKPOINT_HEADER_SIZE);
    tt__put_u64(h + 16, count.n);
    tt__put_u32(h + 24, count.crc);
    tt__put_u32(h + 28, TT__CK_SECTIONS);
    tt__put_u32(h + 44, tt_crc32(0, h, 44));
    if (st == TT_OK && io && tt__write_all(io, h, sizeof(h)) != TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_IO, "checkpoint: write failed");
        st = TT_ERR_IO;
    }
    out.io = st == TT_OK ? io : NULL; out.crc = 0; out.n = 0; out.st = TT_OK;
    tt__ck_payload(&out, model, tok, state, tok_bytes);
    if (out.st == TT_OK && (out.crc != count.crc || out.n != count.n)) out.st = TT_ERR_IO;
    if (out.st != TT_OK && st == TT_OK) {
        tt__log(&c.logger, TT_LOG_ERROR, out.st, "checkpoint: write failed");
        st = out.st;
    }
    return tt__dp_save_end(model, st); /* with comm: every rank returns rank 0's status */
}

/* ---- reading -------------------------------------------------------------- */
typedef struct tt__ckr {
    const tt_io *io;
    const tt_logger *lg;
    uint32_t crc;
    uint64_t left;      /* payload bytes not read yet */
    tt_status st;
} tt__ckr;

TT__PRIVATE void tt__ckr_fail(tt__ckr *r, tt_status st, const char *msg) {
    if (r->st != TT_OK) return;
    r->st = st;
    tt__log(r->lg, TT_LOG_ERROR, st, msg);
}
/* read n payload bytes into p (NULL: read and discard) */
TT__PRIVATE void tt__ckr_bytes(tt__ckr *r, void *p, uint64_t n) {
    unsigned char tmp[4096];
    if (r->st != TT_OK) return;
    if (n > r->left) { tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: a section runs past the payload (corrupt)"); return; }
    while (n > 0) {
        size_t k = p ? (n > ((size_t)-1 >> 1) ? ((size_t)-1 >> 1) : (size_t)n) : (n < sizeof(tmp) ? (size_t)n : sizeof(tmp));
        unsigned char *dst = p ? (unsigned char *)p : tmp;
        if (tt__read_all(r->io, dst, k) != TT_OK) {
            tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: file is truncated");
            return;
        }
        r->crc = tt_crc32(r->crc, dst, k);
        r->left -= k;
        n -= k;
        if (p) p = dst + k;
    }
}
/* section header i; returns its length */
TT__PRIVATE uint64_t tt__ckr_section(tt__ckr *r, int i) {
    unsigned char h[16];
    tt__ckr_bytes(r, h, sizeof(h));
    if (r->st != TT_OK) return 0;
    if (memcmp(h, tt__ck_tags[i], 4) != 0 || tt__get_u32(h + 4) != 0) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: unexpected section tag (corrupt or other version)");
        return 0;
    }
    return tt__get_u64(h + 8);
}
TT__PRIVATE void tt__ckr_fixed(tt__ckr *r, int i, unsigned char *p, uint64_t want) {
    uint64_t len = tt__ckr_section(r, i);
    if (r->st == TT_OK && len != want) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: section has the wrong length");
    tt__ckr_bytes(r, p, want);
}
TT__PRIVATE void tt__ckr_floats(tt__ckr *r, int i, float *dst, uint64_t P) {
    uint64_t len = tt__ckr_section(r, i), j;
    if (r->st == TT_OK && len != P * 4) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: tensor section has the wrong length");
    if (!dst) { tt__ckr_bytes(r, NULL, P * 4); return; }
    tt__ckr_bytes(r, dst, P * 4);
    if (r->st != TT_OK) return;
    for (j = 0; j < P; j++) { /* little-endian bytes -> float, in place */
        const unsigned char *b = (const unsigned char *)(dst + j);
        dst[j] = tt__u2f(tt__get_u32(b));
    }
}

/* parse CONF into a config; checks the numbers are sane */
TT__PRIVATE int tt__ck_conf(const unsigned char *b, tt_model_config *c, uint64_t *P, uint32_t *n_tensors) {
    memset(c, 0, sizeof(*c));
    c->vocab_size = (int32_t)tt__get_u32(b + 0);
    c->n_ctx = (int32_t)tt__get_u32(b + 4);
    c->n_layer = (int32_t)tt__get_u32(b + 8);
    c->n_head = (int32_t)tt__get_u32(b + 12);
    c->d_model = (int32_t)tt__get_u32(b + 16);
    c->max_batch = (int32_t)tt__get_u32(b + 20);
    c->seed = tt__get_u64(b + 24);
    *P = tt__get_u64(b + 32);
    *n_tensors = tt__get_u32(b + 40);
    return tt__get_u32(b + 44) == 0 && c->vocab_size >= 1 && c->vocab_size <= TT_MAX_VOCAB && c->n_ctx >= 1 &&
           c->n_ctx <= TT_MAX_DIM && c->n_layer >= 1 && c->n_layer <= 1024 && c->n_head >= 1 && c->d_model >= 1 &&
           c->d_model <= TT_MAX_DIM && c->d_model % c->n_head == 0 && c->max_batch >= 1 && *P > 0 &&
           *P < ((uint64_t)1 << 40);
}

/* what the header declares about the payload */
typedef struct tt__ck_hdr { uint32_t crc; uint64_t payload; } tt__ck_hdr;

/* read the header, keeping the CRC and size it declares */
TT__PRIVATE tt_status tt__ckr_open(tt__ckr *r, const tt_io *io, const tt_logger *lg, tt__ck_hdr *hd) {
    unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
    r->io = io; r->lg = lg; r->crc = 0; r->left = 0; r->st = TT_OK;
    if (tt__read_all(io, h, sizeof(h)) != TT_OK) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: file is shorter than its header (truncated)");
    } else if (memcmp(h, TT_CHECKPOINT_MAGIC, 4) != 0) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: bad magic (not a TTCK checkpoint)");
    } else if (tt_crc32(0, h, 44) != tt__get_u32(h + 44)) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: header checksum mismatch (corrupt header)");
    } else if (tt__get_u32(h + 4) != TT_CHECKPOINT_VERSION) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: unsupported format version ",
                 (long long)tt__get_u32(h + 4));
        r->st = TT_ERR_BAD_FORMAT;
    } else if (tt__get_u32(h + 8) != TT_CHECKPOINT_HEADER_SIZE || tt__get_u32(h + 12) != 0 ||
               tt__get_u32(h + 28) != TT__CK_SECTIONS) {
        tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: inconsistent header fields");
    }
    if (r->st != TT_OK) return r->st;
    hd->payload = tt__get_u64(h + 16);
    hd->crc = tt__get_u32(h + 24);
    r->left = hd->payload;
    return TT_OK;
}

TT__PRIVATE tt_status tt__ckr_close(tt__ckr *r, const tt__ck_hdr *hd) {
    if (r->st != TT_OK) return r->st;
    if (r->left != 0) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: payload size does not match its sections");
    else if (r->crc != hd->crc) tt__ckr_fail(r, TT_ERR_BAD_FORMAT, "checkpoint: payload checksum mismatch (corrupt file)");
    return r->st;
}

TTDEF tt_status tt_checkpoint_read_config(const tt_io *io, const tt_logger *logger, tt_model_config *out_cfg) {
    tt__ckr r;
    tt__ck_hdr hd;
    unsigned char b[64];
    tt_model_config c;
    uint64_t P = 0, len;
    uint32_t nt = 0;
    int i;
    if (!io || !io->read || !out_cfg) return TT_ERR_INVALID_ARG;
    if (tt__ckr_open(&r, io, logger, &hd) != TT_OK) return r.st;
    tt__ckr_fixed(&r, TT__CK_CONF, b, TT__CK_CONF_BYTES);
    if (r.st == TT_OK && !tt__ck_conf(b, &c, &P, &nt))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: model shape out of range (corrupt)");
    tt__ckr_fixed(&r, TT__CK_OPTM, b, TT__CK_OPTM_BYTES);
    tt__ckr_fixed(&r, TT__CK_LOAD, b, TT__CK_LOAD_BYTES);
    tt__ckr_fixed(&r, TT__CK_RNG, b, TT__CK_RNG_BYTES);
    tt__ckr_fixed(&r, TT__CK_USER, b, TT__CK_USER_BYTES);
    len = tt__ckr_section(&r, TT__CK_TOKN);
    if (r.st == TT_OK && len > TT_CHECKPOINT_MAX_TOKENIZER_BYTES)
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: tokenizer section too large (corrupt)");
    tt__ckr_bytes(&r, NULL, len);
    for (i = TT__CK_PARM; i <= TT__CK_ADMV; i++) tt__ckr_floats(&r, i, NULL, P);
    if (tt__ckr_close(&r, &hd) != TT_OK) return r.st;
    *out_cfg = c;
    return TT_OK;
}

/* tt_io over a byte range in memory (for the embedded tokenizer) */
typedef struct tt__memrd { const unsigned char *p; size_t n, pos; } tt__memrd;
TT__PRIVATE size_t tt__memrd_read(void *user, void *buf, size_t n) {
    tt__memrd *m = (tt__memrd *)user;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return k;
}

TTDEF tt_status tt_checkpoint_load(const tt_io *io, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                   tt_checkpoint_state *out_state, tt_tokenizer **out_tok) {
    tt__ckr r;
    tt__ck_hdr hd;
    unsigned char b[64];
    tt_model_config mc, fc;
    tt_checkpoint_state st;
    tt_tokenizer *tok = NULL;
    uint64_t P = 0, tok_len = 0, step = 0;
    uint32_t nt = 0;
    size_t bytes = 0, Pm;
    float *tmp = NULL;
    unsigned char *tok_bytes;
    const tt_logger *lg;
    int i;
    if (!io || !io->read || !model) return TT_ERR_INVALID_ARG;
    mc = tt_model_get_config(model);
    lg = &mc.logger;
    Pm = tt_model_num_params(model);
    memset(&st, 0, sizeof(st));
    if (tt__ckr_open(&r, io, lg, &hd) != TT_OK) return r.st;
    /* CONF: refuse another shape before allocating anything */
    tt__ckr_fixed(&r, TT__CK_CONF, b, TT__CK_CONF_BYTES);
    if (r.st != TT_OK) return r.st;
    if (!tt__ck_conf(b, &fc, &P, &nt)) {
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: model shape out of range (corrupt)");
        return r.st;
    }
    if (fc.vocab_size != mc.vocab_size || fc.n_ctx != mc.n_ctx || fc.n_layer != mc.n_layer ||
        fc.n_head != mc.n_head || fc.d_model != mc.d_model || P != (uint64_t)Pm ||
        nt != (uint32_t)tt_model_num_tensors(model)) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                 "checkpoint: model shape differs from this model (vocab/n_ctx/n_layer/n_head/d_model); "
                 "file's number of parameters: ", (long long)P);
        return TT_ERR_MISMATCH;
    }
    tt__ckr_fixed(&r, TT__CK_OPTM, b, TT__CK_OPTM_BYTES);
    if (r.st == TT_OK) tt__ck_get_adamw(b, &st.adamw, &step);
    tt__ckr_fixed(&r, TT__CK_LOAD, b, TT__CK_LOAD_BYTES);
    if (r.st == TT_OK && !tt__ck_get_loader(b, &st.has_loader, &st.loader))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: bad loader section");
    tt__ckr_fixed(&r, TT__CK_RNG, b, TT__CK_RNG_BYTES);
    if (r.st == TT_OK) { st.rng.state = tt__get_u64(b); st.rng.inc = tt__get_u64(b + 8); }
    tt__ckr_fixed(&r, TT__CK_USER, b, TT__CK_USER_BYTES);
    if (r.st == TT_OK) for (i = 0; i < 8; i++) st.user[i] = tt__get_u64(b + 8 * i);
    tok_len = tt__ckr_section(&r, TT__CK_TOKN);
    if (r.st == TT_OK && (tok_len > TT_CHECKPOINT_MAX_TOKENIZER_BYTES || tok_len > r.left))
        tt__ckr_fail(&r, TT_ERR_BAD_FORMAT, "checkpoint: tokenizer section too large (corrupt)");
    if (r.st != TT_OK) return r.st;
    /* temporaries: 3 tensors + tokenizer bytes, one block */
    if (!tt__mul_size(Pm, 12, &bytes) || !tt__add_size(bytes, (size_t)tok_len, &bytes)) return TT_ERR_OUT_OF_MEMORY;
    tmp = (float *)tt__alloc(&mc.allocator, bytes, TT__ALIGN);
    if (!tmp) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "checkpoint: cannot allocate load buffers");
        return TT_ERR_OUT_OF_MEMORY;
    }
    tok_bytes = (unsigned char *)(tmp + 3 * Pm);
    tt__ckr_bytes(&r, tok_bytes, tok_len);
    for (i = 0; i < 3; i++) tt__ckr_floats(&r, TT__CK_PARM + i, tmp + (size_t)i * Pm, P);
    if (tt__ckr_close(&r, &hd) == TT_OK && tok_len > 0 && out_tok) {
        tt__memrd m;
        tt_io tio;
        tt_status ts;
        m.p = tok_bytes; m.n = (size_t)tok_len; m.pos = 0;
        tio.read = tt__memrd_read; tio.write = NULL; tio.user = &m;
        ts = tt_tokenizer_load(tok_cfg, &tio, &tok);
        if (ts == TT_OK && m.pos != m.n) {
            tt_tokenizer_destroy(tok);
            tok = NULL;
            ts = TT_ERR_BAD_FORMAT;
        }
        if (ts != TT_OK) {
            tt__ckr_fail(&r, ts == TT_ERR_OUT_OF_MEMORY ? ts : TT_ERR_BAD_FORMAT,
                         "checkpoint: the embedded tokenizer does not load");
        }
    }
    if (r.st == TT_OK) {
        /* commit */
        memcpy(tt_model_params(model), tmp, Pm * sizeof(float));
        if (tt_model_adam_m(model)) /* NULL: inference_only, parameters only */
            tt__dp_load_moments(model, tmp + Pm, tmp + 2 * Pm); /* all, or this rank's ZeRO-1 slice */
        tt_model_set_step(model, step);
        tt__model_forget_acts(model); /* activations of the old weights */
        r.st = tt_model_upload(model); /* the host copies -> a backend's buffers */
        if (out_state) *out_state = st;
        if (out_tok) *out_tok = tok;
    }
    tt__free(&mc.allocator, tmp, bytes);
    return r.st;
}

#ifndef TT_NO_STDIO
typedef struct tt__ck_save_args {
    tt_model *model;
    const tt_tokenizer *tok;
    const tt_checkpoint_state *state;
    int *entered;        /* set when the callback runs (NULL: not tracked) */
} tt__ck_save_args;

TT__PRIVATE tt_status tt__ck_save_cb(const void *obj, const tt_io *io) {
    const tt__ck_save_args *a = (const tt__ck_save_args *)obj;
    if (a->entered) *a->entered = 1;
    return tt_checkpoint_save(io, a->model, a->tok, a->state);
}
TT__PRIVATE size_t tt__ck_discard(void *user, const void *buf, size_t n) { (void)user; (void)buf; return n; }
TT__PRIVATE tt_status tt__checkpoint_save_path(const char *path, const tt__ck_save_args *a0) {
    tt_status st;
    tt__ck_save_args a = *a0;
    int entered = 0;
    if (!path || !a.model) return TT_ERR_INVALID_ARG;
    if (!tt__dp_writer(a.model)) /* another rank: take part in the collective, touch no file */
        return tt__dp_save_end(a.model, tt_checkpoint_save(NULL, a.model, a.tok, a.state));
    a.entered = &entered;
    st = tt__save_atomic(path, tt__ck_save_cb, &a);
    if (!entered && tt_model_get_config(a.model).comm.size > 1) { /* could not create the file: still take part */
        tt_io dio;
        dio.read = NULL; dio.write = tt__ck_discard; dio.user = NULL;
        (void)tt_checkpoint_save(&dio, a.model, a.tok, a.state);
    }
    st = tt__dp_save_end(a.model, st); /* rank 0's final status (after the rename) to every rank */
    if (st != TT_OK) {
        tt_model_config c = tt_model_get_config(a.model);
        tt__log(&c.logger, TT_LOG_ERROR, st, "checkpoint: save failed; the previous file (if any) is unchanged");
    }
    return st;
}
TTDEF tt_status tt_checkpoint_save_file(const char *path, tt_model *model, const tt_tokenizer *tok,
                                        const tt_checkpoint_state *state) {
    tt__ck_save_args a;
    a.model = model; a.tok = tok; a.state = state; a.entered = NULL;
    return tt__checkpoint_save_path(path, &a);
}

/* open path; after a successful read, refuse trailing bytes */
TT__PRIVATE FILE *tt__ck_fopen(const char *path, const tt_logger *lg, tt_io *io) {
    FILE *f = tt__fopen_rb(path);
    if (!f) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_IO, "checkpoint: cannot open or read the file (missing, a directory, no permission?)");
        return NULL;
    }
    io->read = tt__stdio_read; io->write = NULL; io->user = f;
    return f;
}
TT__PRIVATE tt_status tt__ck_fclose(FILE *f, tt_status st, const tt_logger *lg) {
    if (st == TT_OK && fgetc(f) != EOF) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: extra bytes after the end of the checkpoint");
        st = TT_ERR_BAD_FORMAT;
    }
    fclose(f);
    return st;
}
TTDEF tt_status tt_checkpoint_read_config_file(const char *path, const tt_logger *logger, tt_model_config *out_cfg) {
    tt_io io;
    tt_model_config c;
    tt_status st;
    FILE *f;
    if (!path || !out_cfg) return TT_ERR_INVALID_ARG;
    f = tt__ck_fopen(path, logger, &io);
    if (!f) return TT_ERR_IO;
    st = tt__ck_fclose(f, tt_checkpoint_read_config(&io, logger, &c), logger);
    if (st == TT_OK) *out_cfg = c;
    return st;
}
TTDEF tt_status tt_checkpoint_load_file(const char *path, tt_model *model, const tt_tokenizer_config *tok_cfg,
                                        tt_checkpoint_state *out_state, tt_tokenizer **out_tok) {
    tt_io io;
    tt_model_config mc;
    tt_checkpoint_state st;
    tt_tokenizer *tok = NULL;
    tt_status s;
    FILE *f;
    if (!path || !model) return TT_ERR_INVALID_ARG;
    mc = tt_model_get_config(model);
    /* load commits before the end of the file is seen, so check the size
     * against the header first: no trailing bytes, no truncation */
    f = tt__ck_fopen(path, &mc.logger, &io);
    if (!f) return TT_ERR_IO;
    {
        unsigned char h[TT_CHECKPOINT_HEADER_SIZE];
        long end;
        if (fread(h, 1, sizeof(h), f) == sizeof(h) && fseek(f, 0, SEEK_END) == 0 && (end = ftell(f)) >= 0 &&
            memcmp(h, TT_CHECKPOINT_MAGIC, 4) == 0 &&
            (uint64_t)end != (uint64_t)TT_CHECKPOINT_HEADER_SIZE + tt__get_u64(h + 16)) {
            tt__log(&mc.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT,
                    "checkpoint: file size does not match its header (truncated or extended)");
            fclose(f);
            return TT_ERR_BAD_FORMAT;
        }
        if (fseek(f, 0, SEEK_SET) != 0) { fclose(f); return TT_ERR_IO; }
    }
    s = tt_checkpoint_load(&io, model, tok_cfg, &st, out_tok ? &tok : NULL);
    fclose(f);
    if (s == TT_OK) {
        if (out_state) *out_state = st;
        if (out_tok) *out_tok = tok;
    }
    return s;
}
#endif
/* ==== end src/tt_checkpoint.c ==== */
/* ==== begin src/tt_comm.c ==== */
/* >>comm  data parallel training through the tt_comm hook: gradient sum
 * across ranks, ZeRO-1 moment slices, exact accumulation, collective
 * checkpoints. The transport (MPI or anything else) is the caller's. */
/* #include "tt_internal.h" */

/* ranks taking part; 1 without a hook */
TT__PRIVATE int tt__dp_size(const tt_model_config *c) { return c->comm.size > 1 ? c->comm.size : 1; }
TT__PRIVATE size_t tt__dp_bucket(const tt_model_config *c) {
    return c->comm.bucket_floats > 0 ? (size_t)c->comm.bucket_floats : (size_t)TT_COMM_DEFAULT_BUCKET;
}
/* the hook's failures, reported once with where they happened */
TT__PRIVATE tt_status tt__dp_fail(const tt_model_config *c, const char *what) {
    tt__logf(&c->logger, TT_LOG_ERROR, TT_ERR_COMM, what, (long long)c->comm.rank);
    return TT_ERR_COMM;
}
/* the model's parameter view (tt_model.c): everything this file touches */
TT__PRIVATE tt__param_view tt__dp_view(tt_model *m) {
    tt__param_view v;
    tt__model_param_view(m, &v);
    return v;
}

TT__PRIVATE tt_status tt__dp_check_config(const tt_model_config *c) {
    const tt_comm *k = &c->comm;
    if (k->size == 0 && k->rank == 0 && !k->allreduce_sum && !k->broadcast && !k->barrier) {
        if (c->zero1) {
            tt__log(&c->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "model config: zero1 needs comm");
            return TT_ERR_INVALID_ARG;
        }
        return TT_OK;
    }
    if (k->size < 1 || k->rank < 0 || k->rank >= k->size || !k->allreduce_sum || !k->broadcast ||
        k->bucket_floats < 0 || k->bucket_floats > ((int64_t)1 << 40)) {
        tt__log(&c->logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "model config: comm needs size >= 1, 0 <= rank < size, allreduce_sum and broadcast, bucket_floats >= 0");
        return TT_ERR_INVALID_ARG;
    }
    return TT_OK;
}

/* ZeRO-1 slice of rank r: n floats in size nearly equal parts, cut at
 * multiples of 16 floats (64 bytes); all of [0, n) when not sharded */
TT__PRIVATE void tt__dp_slice(const tt_model_config *c, size_t n, int rank, size_t *lo, size_t *hi) {
    size_t u = (n + 15) / 16, S, q, r, a, b;
    if (!c->zero1 || tt__dp_size(c) == 1) { *lo = 0; *hi = n; return; }
    S = (size_t)tt__dp_size(c);
    q = u / S; r = u % S;
    a = q * (size_t)rank + ((size_t)rank < r ? (size_t)rank : r);
    b = a + q + ((size_t)rank < r ? 1 : 0);
    *lo = a * 16 < n ? a * 16 : n;
    *hi = b * 16 < n ? b * 16 : n;
}

TT__PRIVATE void tt__dp_init(tt_model *m, float *micro) {
    tt__param_view v = tt__dp_view(m);
    tt__dp_slice(v.cfg, v.n, v.cfg->comm.rank, &v.dp->lo, &v.dp->hi);
    v.dp->micro = micro;
    v.dp->dirty = 0;
}

TTDEF void tt_model_moment_slice(const tt_model *m, size_t *lo, size_t *hi) {
    tt__param_view v;
    if (!m) {
        if (lo) *lo = 0;
        if (hi) *hi = 0;
        return;
    }
    v = tt__dp_view((tt_model *)m); /* reads only */
    if (lo) *lo = v.dp->lo;
    if (hi) *hi = v.dp->hi;
}
TT__PRIVATE int tt__dp_dirty(tt_model *m) { return tt__dp_view(m).dp->dirty; }

/* before a backward: the scale it uses (mean over ranks), and with
 * accum_exact and gradients pending, its own zeroed block to write into */
TT__PRIVATE float tt__dp_backward_begin(tt_model *m, float grad_scale) {
    tt__param_view v = tt__dp_view(m);
    if (v.dp->micro && v.dp->dirty) {
        memset(v.dp->micro, 0, v.n * sizeof(float));
        tt__model_set_grad_base(m, v.dp->micro);
    }
    return tt__dp_size(v.cfg) > 1 ? grad_scale / (float)tt__dp_size(v.cfg) : grad_scale;
}

/* grads[i] += micro[i] over fixed chunks (any thread count: same bits) */
TT__PRIVATE void tt__dp_add_range(void *ctx, int lo, int hi, int slot) {
    const tt__param_view *m = (const tt__param_view *)ctx;
    size_t i = (size_t)lo * TT__NORM_CHUNK, e = (size_t)hi * TT__NORM_CHUNK;
    (void)slot;
    if (e > m->n) e = m->n;
    for (; i < e; i++) m->grads[i] += m->dp->micro[i];
}

TT__PRIVATE void tt__dp_backward_end(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    if (tt__model_grad_base(m) != v.grads) {
        tt__for_range(v.ex, (int)(v.n / TT__NORM_CHUNK + 1), tt__dp_add_range, &v);
        tt__model_set_grad_base(m, v.grads);
    }
    v.dp->dirty = 1;
}

/* the gradient sum across ranks, bucket by bucket in layout order (after
 * the whole backward: no overlap); on failure the gradients are zeroed */
TT__PRIVATE tt_status tt__dp_reduce_grads(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    size_t n = v.n, bucket = tt__dp_bucket(v.cfg), i;
    if (tt__dp_size(v.cfg) == 1) return TT_OK;
    for (i = 0; i < n; i += bucket) {
        size_t len = n - i < bucket ? n - i : bucket;
        if (k->allreduce_sum(k->user, v.grads + i, len) != 0) {
            tt_model_zero_grad(m);
            return tt__dp_fail(v.cfg, "adamw: gradient allreduce failed (step not taken) on rank ");
        }
    }
    return TT_OK;
}

/* broadcast floats [lo, hi) of x from rank root, in buckets */
TT__PRIVATE int tt__dp_bcast(const tt_model_config *c, float *x, size_t lo, size_t hi, int root) {
    const tt_comm *k = &c->comm;
    size_t bucket = tt__dp_bucket(c), i;
    for (i = lo; i < hi; i += bucket) {
        size_t len = hi - i < bucket ? hi - i : bucket;
        if (k->broadcast(k->user, x + i, len * sizeof(float), root) != 0) return 1;
    }
    return 0;
}

/* after the AdamW update of this rank's slice: every rank's slice of the
 * parameters to every rank (ZeRO-1), gradients outside the slice zeroed */
TT__PRIVATE tt_status tt__dp_after_update(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    int r, S = tt__dp_size(v.cfg), fail = 0;
    v.dp->dirty = 0;
    if (v.dp->lo == 0 && v.dp->hi == v.n) return TT_OK;
    memset(v.grads, 0, v.dp->lo * sizeof(float));
    memset(v.grads + v.dp->hi, 0, (v.n - v.dp->hi) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(v.cfg, v.n, r, &lo, &hi);
        fail = tt__dp_bcast(v.cfg, v.params, lo, hi, r);
    }
    return fail ? tt__dp_fail(v.cfg, "adamw: parameter broadcast failed (ranks now differ: resume from a checkpoint) on rank ")
                : TT_OK;
}

TT__PRIVATE int tt__dp_sharded(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    return v.dp->lo != 0 || v.dp->hi != v.n;
}

/* ZeRO-1: the update check of tt_adamw_step needs the largest |m| and v
 * over all ranks' slices, so that every rank refuses or takes the step
 * alike. Each rank's maxima (bit patterns as in tt_adamw.c: above
 * 0x7f7fffff means NaN, Inf or a negative v) are summed across ranks as
 * floats, a bad one as 3e38 (over the check's limit); the sum bounds the maximum from above, which is
 * all the check needs, and is the same on every rank. */
TT__PRIVATE tt_status tt__dp_moment_bounds(tt_model *m, uint32_t *mbits, uint32_t *vbits) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    float b[2];
    uint32_t *bits[2];
    int i;
    if (tt__dp_size(v.cfg) == 1 || !tt__dp_sharded(m)) return TT_OK;
    bits[0] = mbits; bits[1] = vbits;
    for (i = 0; i < 2; i++) {
        if (*bits[i] > 0x7f7fffffu) b[i] = 3.0e38f;
        else memcpy(&b[i], bits[i], sizeof(float));
    }
    if (k->allreduce_sum(k->user, b, 2) != 0) return tt__dp_fail(v.cfg, "adamw: moment bound allreduce failed (step not taken) on rank ");
    for (i = 0; i < 2; i++) {
        if (!(b[i] <= 3.4e38f)) *bits[i] = 0x7f800000u; /* Inf or NaN: refused */
        else memcpy(bits[i], &b[i], sizeof(float));
    }
    return TT_OK;
}
TT__PRIVATE int tt__dp_writer(tt_model *m) {
    tt__param_view v = tt__dp_view(m);
    return v.cfg->comm.rank == 0 || tt__dp_size(v.cfg) == 1;
}

/* ZeRO-1: the whole m (which 0) or v (1) assembled in the gradient block
 * (free between steps) from every rank's slice; *out points at it */
TT__PRIVATE tt_status tt__dp_gather_moments(tt_model *m, int which, const float **out) {
    tt__param_view v = tt__dp_view(m);
    int r, S = tt__dp_size(v.cfg), fail = 0;
    memcpy(v.grads + v.dp->lo, which ? v.v : v.m, (v.dp->hi - v.dp->lo) * sizeof(float));
    for (r = 0; r < S && !fail; r++) {
        size_t lo, hi;
        tt__dp_slice(v.cfg, v.n, r, &lo, &hi);
        fail = tt__dp_bcast(v.cfg, v.grads, lo, hi, r);
    }
    *out = v.grads;
    return fail ? tt__dp_fail(v.cfg, "checkpoint: gathering the AdamW moments failed on rank ") : TT_OK;
}

/* end of a (collective) save: the gradient block is zero again, and every
 * rank returns rank 0's status */
TT__PRIVATE tt_status tt__dp_save_end(tt_model *m, tt_status st) {
    tt__param_view v = tt__dp_view(m);
    const tt_comm *k = &v.cfg->comm;
    unsigned char b[4];
    if (tt__dp_sharded(m)) memset(v.grads, 0, v.n * sizeof(float));
    if (tt__dp_size(v.cfg) == 1) return st;
    tt__put_u32(b, (uint32_t)(int32_t)st);
    if (k->broadcast(k->user, b, sizeof(b), 0) != 0) return tt__dp_fail(v.cfg, "checkpoint: status broadcast failed on rank ");
    return (tt_status)(int32_t)tt__get_u32(b);
}

/* load: whole m and v from a checkpoint; keep this rank's slice */
TT__PRIVATE void tt__dp_load_moments(tt_model *m, const float *m_full, const float *v_full) {
    /* into the host copies (the moments themselves on the CPU path; with a
     * backend, tt_model_upload moves them to its buffers) */
    tt__param_view v = tt__dp_view(m);
    memcpy(tt_model_adam_m(m), m_full + v.dp->lo, (v.dp->hi - v.dp->lo) * sizeof(float));
    memcpy(tt_model_adam_v(m), v_full + v.dp->lo, (v.dp->hi - v.dp->lo) * sizeof(float));
}
/* ==== end src/tt_comm.c ==== */
/* ==== begin src/tt_generate.c ==== */
/* >>generate  KV-cache inference (the block of tt_ops.c with cached
 * attention, over the model's weight views), per-position logits and
 * scores, and sampling (temperature, top-k, top-p). */
/* #include "tt_internal.h" */

struct tt_generator {
    tt_model *m;
    tt_model_config cfg;  /* the model's (logger, allocator, sizes) */
    int V, Vp, C, L, NH, T;
    const tt_backend *be; /* the model's op table, or be_cpu */
    tt_backend be_cpu;    /* the CPU instance over the model's executor (ops under TT__GEN_PAR_MACS on one thread) */
    tt__cpu_be cpu;
    void *dbuf;           /* a backend's buffer for the arrays marked [b] below, or NULL */
    tt__model_w gw;       /* wte, wpe, lnf of the model */
    tt_allocator alloc;
    void *block;          /* what tt_generator_create allocated, or NULL (create_in) */
    size_t bytes;
    int pos;              /* positions in the cache */
    int have_logits;
    float *kv;            /* [b] (L, n_ctx, 2C): key at [0,C), value at [C,2C) */
    float *xa, *xb, *ln, *att;  /* [b] (n_ctx, C) each */
    float *qkv;           /* [b] (n_ctx, 3C) */
    float *h, *g;         /* [b] (n_ctx, 4C) each */
    float *mean, *rstd;   /* [b] (n_ctx) */
    float *dlogits;       /* [b] (Vp) the last row's logits where the ops run */
    int32_t *tok;         /* [b] (n_ctx) ids where the ops run */
    float *logits;        /* (Vp) host copy of dlogits (the same array on the CPU) */
    float *prob;          /* (V) sampling weights */
    int32_t *idx;         /* (V) candidate ids */
    int32_t *hist;        /* (n_ctx) ids in the cache */
};

/* the generator's memory plan: byte offsets of its arrays from the struct;
 * with a backend the [b] arrays are offsets into its buffer of dbytes */
typedef struct tt__gen_plan {
    size_t kv, xa, xb, ln, att, qkv, h, g, mean, rstd, dlg, tok, lg, pr, idx, hist, total, dbytes;
} tt__gen_plan;
TT__PRIVATE tt_status tt__gen_plan_make(const tt_model *m, tt__gen_plan *o) {
    tt__plan plan, dplan, *d;
    tt_model_config c = tt_model_get_config(m);
    size_t C, T, L, V, Vp, CT, kvn;
    int on_backend = tt__model_cfg_backend(m) != NULL;
    C = (size_t)c.d_model; T = (size_t)c.n_ctx; L = (size_t)c.n_layer; V = (size_t)c.vocab_size;
    Vp = (size_t)tt__model_vp(m);
    plan.size = 0; plan.overflow = 0;
    dplan.size = 0; dplan.overflow = 0;
    d = on_backend ? &dplan : &plan;
    (void)tt__plan_take(&plan, 1, sizeof(tt_generator));
    if (!tt__mul_size(C, T, &CT) || !tt__mul_size(CT, 2 * L, &kvn)) return TT_ERR_INVALID_ARG;
    o->kv = tt__plan_take(d, kvn, sizeof(float));
    o->xa = tt__plan_take(d, CT, sizeof(float));
    o->xb = tt__plan_take(d, CT, sizeof(float));
    o->ln = tt__plan_take(d, CT, sizeof(float));
    o->att = tt__plan_take(d, CT, sizeof(float));
    o->qkv = tt__plan_take(d, CT, 3 * sizeof(float));
    o->h = tt__plan_take(d, CT, 4 * sizeof(float));
    o->g = tt__plan_take(d, CT, 4 * sizeof(float));
    o->mean = tt__plan_take(d, T, sizeof(float));
    o->rstd = tt__plan_take(d, T, sizeof(float));
    o->dlg = on_backend ? tt__plan_take(d, Vp, sizeof(float)) : 0;
    o->tok = on_backend ? tt__plan_take(d, T, sizeof(int32_t)) : 0;
    o->lg = tt__plan_take(&plan, Vp, sizeof(float));
    o->pr = tt__plan_take(&plan, V, sizeof(float));
    o->idx = tt__plan_take(&plan, V, sizeof(int32_t));
    o->hist = tt__plan_take(&plan, T, sizeof(int32_t));
    if (plan.overflow || dplan.overflow) return TT_ERR_INVALID_ARG;
    o->total = plan.size;
    o->dbytes = dplan.size;
    return TT_OK;
}

TTDEF tt_status tt_generator_memory_size(const tt_model *m, size_t *out_bytes) {
    tt__gen_plan o;
    if (!m || !out_bytes || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    if (!tt__add_size(o.total, TT__ALIGN, out_bytes)) return TT_ERR_INVALID_ARG; /* alignment slack */
    return TT_OK;
}

/* Ops with less work than this many multiply-adds run on the calling
 * thread: waking the pool costs more than it saves (decoding one token of a
 * small model). Results do not depend on it: GEMMs never split K. */
#define TT__GEN_PAR_MACS ((size_t)1 << 20)

TTDEF tt_status tt_generator_create_in(tt_model *m, void *buf, size_t bytes, tt_generator **out) {
    tt__gen_plan o;
    size_t need;
    unsigned char *mem, *dm;
    tt_generator *g;
    tt_model_config c;
    const tt_backend *mbe;
    if (!m || !buf || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &need) != TT_OK || tt__gen_plan_make(m, &o) != TT_OK) return TT_ERR_INVALID_ARG;
    c = tt_model_get_config(m);
    if (bytes < need) {
        tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_BUFFER_TOO_SMALL, "generator: buffer too small, need bytes: ",
                 (long long)need);
        return TT_ERR_BUFFER_TOO_SMALL;
    }
    mem = (unsigned char *)(((uintptr_t)buf + (TT__ALIGN - 1)) & ~(uintptr_t)(TT__ALIGN - 1));
    memset(mem, 0, sizeof(tt_generator));
    g = (tt_generator *)mem;
    g->m = m;
    g->cfg = c;
    g->V = c.vocab_size; g->Vp = tt__model_vp(m); g->C = c.d_model; g->L = c.n_layer; g->NH = c.n_head;
    g->T = c.n_ctx;
    mbe = tt__model_cfg_backend(m);
    if (mbe) { /* the model's backend: the cache and activations in its memory */
        tt_status st = mbe->alloc(mbe->ctx, o.dbytes, &g->dbuf);
        if (st != TT_OK || !g->dbuf) {
            tt__logf(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "generator: backend allocation failed, bytes: ",
                     (long long)o.dbytes);
            return st != TT_OK ? st : TT_ERR_BACKEND;
        }
        g->be = mbe;
        dm = (unsigned char *)g->dbuf;
    } else {
        /* the CPU instance over the model's executor (its pool and scratch:
         * not concurrently with a training step) and a serial copy for ops
         * too small to share */
        memset(&g->cpu, 0, sizeof(g->cpu));
        g->cpu.par = *tt__model_exec(m);
        g->cpu.ser = g->cpu.par;
        g->cpu.ser.n_threads = 1;
        g->cpu.ser.par.parallel_for = NULL;
        g->cpu.ser.par.pool = NULL;
        g->cpu.par_macs = TT__GEN_PAR_MACS;
        g->cpu.max_Vp = g->Vp;
        g->cpu.max_T = g->T;
        g->cpu.alloc = c.allocator;
        tt__cpu_backend_init(&g->be_cpu, &g->cpu);
        g->be = &g->be_cpu;
        dm = mem;
    }
    tt__model_globals(m, &g->gw);
    g->kv = (float *)(dm + o.kv);
    g->xa = (float *)(dm + o.xa);
    g->xb = (float *)(dm + o.xb);
    g->ln = (float *)(dm + o.ln);
    g->att = (float *)(dm + o.att);
    g->qkv = (float *)(dm + o.qkv);
    g->h = (float *)(dm + o.h);
    g->g = (float *)(dm + o.g);
    g->mean = (float *)(dm + o.mean);
    g->rstd = (float *)(dm + o.rstd);
    g->logits = (float *)(mem + o.lg);
    g->prob = (float *)(mem + o.pr);
    g->idx = (int32_t *)(void *)(mem + o.idx);
    g->hist = (int32_t *)(void *)(mem + o.hist);
    g->dlogits = mbe ? (float *)(dm + o.dlg) : g->logits;
    g->tok = mbe ? (int32_t *)(void *)(dm + o.tok) : g->hist;
    *out = g;
    return TT_OK;
}

TTDEF tt_status tt_generator_create(tt_model *m, tt_generator **out) {
    size_t bytes;
    void *mem;
    tt_generator *g = NULL;
    tt_model_config c;
    tt_status st;
    if (!m || !out) return TT_ERR_INVALID_ARG;
    if (tt_generator_memory_size(m, &bytes) != TT_OK) return TT_ERR_INVALID_ARG;
    c = tt_model_get_config(m);
    mem = tt__alloc(&c.allocator, bytes, TT__ALIGN);
    if (!mem) {
        tt__log(&c.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "generator: cannot allocate the KV cache");
        return TT_ERR_OUT_OF_MEMORY;
    }
    if ((st = tt_generator_create_in(m, mem, bytes, &g)) != TT_OK) { /* sized above: only a backend can fail */
        tt__free(&c.allocator, mem, bytes);
        return st;
    }
    g->alloc = c.allocator;
    g->block = mem;
    g->bytes = bytes;
    *out = g;
    return TT_OK;
}

TTDEF void tt_generator_destroy(tt_generator *g) {
    tt_allocator a;
    if (!g) return;
    if (g->dbuf) g->be->free(g->be->ctx, g->dbuf);
    g->dbuf = NULL;
    if (!g->block) return; /* create_in: the caller owns the memory */
    a = g->alloc;
    tt__free(&a, g->block, g->bytes);
}
TTDEF void tt_generator_reset(tt_generator *g) {
    if (!g) return;
    g->pos = 0;
    g->have_logits = 0;
}
TTDEF int tt_generator_pos(const tt_generator *g) { return g ? g->pos : 0; }
TTDEF const float *tt_generator_logits(const tt_generator *g) {
    return g && g->have_logits ? g->logits : NULL;
}

TT__PRIVATE tt__bk tt__gen_bk(const tt_generator *g) {
    tt__bk k;
    k.be = g->be; k.prof = NULL; k.st = TT_OK;
    k.wh = NULL; k.wbase = NULL; /* generation runs fp32 */
    return k;
}
TT__PRIVATE tt_status tt__gen_failed(tt_generator *g, const tt__bk *k) {
    g->have_logits = 0;
    tt__log(&g->cfg.logger, TT_LOG_ERROR, k->st, "generator: a backend op failed");
    return k->st;
}
/* rows of logits where the ops run -> host dst (nothing when the same array) */
TT__PRIVATE void tt__gen_to_host(const tt_generator *g, tt__bk *k, float *dst, const float *src, size_t n) {
    if (k->st != TT_OK || dst == src) return;
    k->st = g->be->download(g->be->ctx, dst, src, n * sizeof(float));
}

/* the n new rows through every layer (tt__block_fwd with cached attention),
 * leaving the last layer's output in g->xa */
TT__PRIVATE tt_status tt__gen_layers(tt_generator *g, tt__bk *k, const int32_t *ids, int n) {
    int C = g->C, T = g->T, p0 = g->pos, i, l;
    tt__layer_w w;
    tt__layer_acts a;
    tt__attn_arg att;
    if (n > T - p0) {
        tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generator: feeding past n_ctx (reset first)");
        return TT_ERR_SHAPE;
    }
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= g->V) {
            tt__logf(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_INVALID_ARG, "generator: id out of range: ", (long long)ids[i]);
            return TT_ERR_INVALID_ARG;
        }
    g->have_logits = 0; /* the ops below replace the cache's rows and the logits */
    memmove(g->hist + p0, ids, (size_t)n * sizeof(int32_t));
    if (g->tok != g->hist) k->st = g->be->upload(g->be->ctx, g->tok + p0, g->hist + p0, (size_t)n * sizeof(int32_t));
    TT__BK(k, TT_OP_EMBEDDING, 0.0, embed_fwd(g->be->ctx, g->xa, g->tok + p0, g->gw.wte, g->gw.wpe, 1, n, p0, C));
    /* the block's activations in the generator's (n_ctx, .) buffers: the
     * residual stream updated in place in xa, ln1 and ln2 sharing ln */
    memset(&a, 0, sizeof(a));
    a.in = g->xa; a.res3 = g->xa;
    a.ln1 = a.ln2 = g->ln; a.ln1_mean = a.ln2_mean = g->mean; a.ln1_rstd = a.ln2_rstd = g->rstd;
    a.qkv = g->qkv; a.atty = g->att; a.res2 = g->xb; a.fch = g->h; a.fch_gelu = g->g;
    memset(&att, 0, sizeof(att));
    att.p0 = p0; att.n_ctx = T;
    for (l = 0; l < g->L; l++) {
        tt__model_layer_w(g->m, l, &w);
        att.kv = g->kv + (size_t)l * (size_t)T * 2 * C;
        tt__block_fwd(k, &w, &a, &att, 1, n, C, g->NH);
    }
    return k->st;
}

TTDEF tt_status tt_generator_feed(tt_generator *g, const int32_t *ids, int n) {
    tt_status st;
    tt__bk k;
    int C;
    if (!g || !ids || n < 1) return TT_ERR_INVALID_ARG;
    k = tt__gen_bk(g);
    if ((st = tt__gen_layers(g, &k, ids, n)) != TT_OK) return k.st != TT_OK ? tt__gen_failed(g, &k) : st;
    C = g->C;
    /* final LayerNorm and the lm head for the last new position only */
    tt__bk_layernorm_fwd(&k, g->ln, g->mean, g->rstd, g->xa + (size_t)(n - 1) * C, g->gw.lnfw, g->gw.lnfb, 1, C);
    tt__bk_logits(&k, g->dlogits, g->Vp, g->ln, C, g->gw.wte, 1, g->V, C);
    tt__gen_to_host(g, &k, g->logits, g->dlogits, (size_t)g->Vp);
    g->pos += n;
    if (k.st != TT_OK) return tt__gen_failed(g, &k);
    g->have_logits = 1;
    return TT_OK;
}

/* after tt__gen_layers of n rows: the final LayerNorm of all of them into
 * g->ln, then the logits of rows [0, n_rows) chunk by chunk into the
 * (n_ctx, 4C) MLP scratch (free now; row by row in dlogits when a row does
 * not fit there), each chunk handed to fn on the host row by row */
typedef void (*tt__gen_row_fn)(void *user, int r, const float *z);
TT__PRIVATE void tt__gen_rows(tt_generator *g, tt__bk *k, int n, int n_rows, tt__gen_row_fn fn, void *user) {
    int R, r0, i, V = g->V, C = g->C;
    size_t Vp = (size_t)g->Vp;
    float *buf;
    tt__bk_layernorm_fwd(k, g->ln, g->mean, g->rstd, g->xa, g->gw.lnfw, g->gw.lnfb, n, C);
    R = (int)((size_t)g->T * 4 * (size_t)C / Vp);
    if (R >= 1) buf = g->h;
    else { R = 1; buf = g->dlogits; }
    for (r0 = 0; r0 < n_rows && k->st == TT_OK; r0 += R) {
        int rows = n_rows - r0 < R ? n_rows - r0 : R;
        tt__bk_logits(k, buf, (ptrdiff_t)Vp, g->ln + (size_t)r0 * C, C, g->gw.wte, rows, V, C);
        for (i = 0; i < rows && k->st == TT_OK; i++) {
            const float *z = buf + (size_t)i * Vp;
            if (g->be != &g->be_cpu) { /* one row to the host (the sampling buffer is free for it) */
                tt__gen_to_host(g, k, g->logits, z, (size_t)V);
                z = g->logits;
            }
            if (k->st == TT_OK) fn(user, r0 + i, z);
        }
    }
    /* the feed's last-row logits back where sampling reads them: recomputed
     * when dlogits served as the chunk buffer, else downloaded again when
     * the host copy served as the row buffer (a backend) */
    if (buf == g->dlogits)
        tt__bk_logits(k, g->dlogits, (ptrdiff_t)Vp, g->ln + (size_t)(n - 1) * C, C, g->gw.wte, 1, V, C);
    if (buf == g->dlogits || g->be != &g->be_cpu) tt__gen_to_host(g, k, g->logits, g->dlogits, Vp);
}

typedef struct tt__gen_copy { float *out; int V; } tt__gen_copy;
TT__PRIVATE void tt__gen_copy_row(void *user, int r, const float *z) {
    const tt__gen_copy *c = (const tt__gen_copy *)user;
    memcpy(c->out + (size_t)r * c->V, z, (size_t)c->V * sizeof(float));
}
TTDEF tt_status tt_generator_feed_logits(tt_generator *g, const int32_t *ids, int n, float *out, size_t cap) {
    size_t need;
    tt_status st;
    tt__bk k;
    tt__gen_copy c;
    if (!g || !ids || !out || n < 1) return TT_ERR_INVALID_ARG;
    if (!tt__mul_size((size_t)n, (size_t)g->V, &need) || cap < need) return TT_ERR_BUFFER_TOO_SMALL;
    if ((st = tt_generator_feed(g, ids, n)) != TT_OK) return st;
    k = tt__gen_bk(g);
    c.out = out; c.V = g->V;
    tt__gen_rows(g, &k, n, n, tt__gen_copy_row, &c);
    return k.st != TT_OK ? tt__gen_failed(g, &k) : TT_OK;
}

typedef struct tt__gen_loss { const int32_t *ids; float *out; int V; } tt__gen_loss;
TT__PRIVATE void tt__gen_loss_row(void *user, int r, const float *z) {
    const tt__gen_loss *c = (const tt__gen_loss *)user;
    float mx = z[0];
    double s = 0.0;
    int j;
    for (j = 1; j < c->V; j++) if (z[j] > mx) mx = z[j];
    for (j = 0; j < c->V; j++) s += (double)TT_EXPF(z[j] - mx);
    c->out[r] = (float)((double)mx + (double)TT_LOGF((float)s) - (double)z[c->ids[r + 1]]);
}
TTDEF tt_status tt_generator_score(tt_generator *g, const int32_t *ids, int n, float *out_losses) {
    tt_status st;
    tt__bk k;
    tt__gen_loss c;
    if (!g || !ids || !out_losses || n < 2) return TT_ERR_INVALID_ARG;
    if ((st = tt_generator_feed(g, ids, n)) != TT_OK) return st;
    k = tt__gen_bk(g);
    c.ids = ids; c.out = out_losses; c.V = g->V;
    tt__gen_rows(g, &k, n, n - 1, tt__gen_loss_row, &c);
    return k.st != TT_OK ? tt__gen_failed(g, &k) : TT_OK;
}

/* ---- sampling ---- */
/* a before b in the candidate order: larger logit first, then smaller id */
TT__PRIVATE int tt__gen_better(const float *z, int32_t a, int32_t b) {
    return z[a] > z[b] || (z[a] == z[b] && a < b);
}
/* the heap order for top-k: x after y in the candidate order, so the root
 * of the shared binary heap (tt_hashheap.c) is the worst candidate kept */
TT__PRIVATE int tt__gen_worse(const void *z, const void *x, const void *y) {
    return tt__gen_better((const float *)z, *(const int32_t *)y, *(const int32_t *)x);
}
/* idx[0..k) = the k best ids in order, best first; O(V log k). The order is
 * total (ids differ), so the result does not depend on the heap's moves. */
TT__PRIVATE void tt__gen_topk(const float *z, int V, int k, int32_t *idx) {
    tt__heap h;
    int32_t i;
    h.base = idx; h.n = 0; h.cap = (size_t)k; h.elem = sizeof(int32_t);
    for (i = 0; i < k; i++) tt__heap_push(&h, &i, tt__gen_worse, z);
    for (i = k; i < V; i++)
        if (tt__gen_better(z, i, idx[0])) { idx[0] = i; tt__heap_sift_down(&h, 0, tt__gen_worse, z); }
    while (h.n > 1) tt__heap_pop(&h, idx + h.n - 1, tt__gen_worse, z); /* the worst to the end */
}

TTDEF tt_status tt_generator_sample(tt_generator *g, const tt_sample_config *cfg, tt_rng *rng, int32_t *out_id) {
    const float *z;
    float temp = 1.0f, top_p = 1.0f, zmax, u;
    double total = 0.0, cum;
    int V, k, i, n;
    if (!g || !out_id || !g->have_logits) return TT_ERR_INVALID_ARG;
    z = g->logits;
    V = g->V;
    k = V;
    if (cfg) {
        if (cfg->temperature != 0.0f) temp = cfg->temperature;
        if (cfg->top_p != 0.0f) top_p = cfg->top_p;
        if (cfg->top_k > 0 && cfg->top_k < V) k = cfg->top_k;
        if (cfg->top_k < 0 || !(temp > 0.0f && temp < 3.0e38f) || !(top_p > 0.0f && top_p <= 1.0f))
            return TT_ERR_INVALID_ARG;
    }
    for (i = 0; i < V; i++) {
        if (!(z[i] >= -3.0e38f && z[i] <= 3.0e38f)) { /* NaN/Inf: the model is broken */
            tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_NONFINITE, "sample: the logits are NaN/Inf (broken parameters?)");
            return TT_ERR_NONFINITE;
        }
    }
    if ((cfg && cfg->greedy) || k == 1) {
        int32_t best = 0;
        for (i = 1; i < V; i++) if (tt__gen_better(z, i, best)) best = i;
        *out_id = best;
        return TT_OK;
    }
    if (!rng) return TT_ERR_INVALID_ARG;
    if (k < V || top_p < 1.0f) {
        tt__gen_topk(z, V, k, g->idx);
        n = k;
    } else {
        for (i = 0; i < V; i++) g->idx[i] = i;
        n = V;
    }
    zmax = z[g->idx[0]];
    for (i = 1; i < n; i++) if (z[g->idx[i]] > zmax) zmax = z[g->idx[i]];
    for (i = 0; i < n; i++) {
        g->prob[i] = TT_EXPF((z[g->idx[i]] - zmax) / temp);
        total += g->prob[i];
    }
    if (top_p < 1.0f) { /* candidates are sorted: keep the smallest prefix reaching top_p */
        double want = (double)top_p * total, c = 0.0;
        for (i = 0; i < n; i++) {
            c += g->prob[i];
            if (c >= want) { n = i + 1; break; }
        }
        total = c;
    }
    u = tt_rng_uniform(rng);
    cum = 0.0;
    for (i = 0; i < n - 1; i++) {
        cum += g->prob[i];
        if ((double)u * total < cum) break;
    }
    *out_id = g->idx[i];
    return TT_OK;
}

TTDEF tt_status tt_generate(tt_generator *g, const int32_t *prompt, int n_prompt, const tt_sample_config *cfg,
                            int32_t *out_ids, int max_new, int *out_n) {
    tt_rng rng;
    tt_status st;
    int n = 0, T;
    int32_t id;
    if (out_n) *out_n = 0;
    if (!g || !prompt || n_prompt < 1 || max_new < 0 || (max_new > 0 && !out_ids)) return TT_ERR_INVALID_ARG;
    T = g->T;
    if (n_prompt > T) {
        tt__log(&g->cfg.logger, TT_LOG_ERROR, TT_ERR_SHAPE, "generate: prompt longer than n_ctx");
        return TT_ERR_SHAPE;
    }
    tt_rng_seed(&rng, cfg && cfg->seed ? cfg->seed : (uint64_t)TT_DEFAULT_SEED);
    tt_generator_reset(g);
    if ((st = tt_generator_feed(g, prompt, n_prompt)) != TT_OK) return st;
    while (n < max_new) {
        if ((st = tt_generator_sample(g, cfg, &rng, &id)) != TT_OK) break;
        if (cfg && cfg->use_stop && id == cfg->stop_token) break;
        out_ids[n++] = id;
        if (cfg && cfg->on_token && cfg->on_token(cfg->user, id)) break;
        if (n == max_new) break;
        if (g->pos == T) { /* slide: the newest half becomes the new context */
            int keep = T / 2 > 0 ? T / 2 : 1;
            g->pos = 0;
            if ((st = tt_generator_feed(g, g->hist + T - keep, keep)) != TT_OK) break;
            if (g->pos == T) { g->pos = 0; }
        }
        if ((st = tt_generator_feed(g, &id, 1)) != TT_OK) break;
    }
    if (out_n) *out_n = n;
    return st;
}
/* ==== end src/tt_generate.c ==== */
/* ==== begin src/tt_weights_internal.h ==== */
/* >>weights_internal  private declarations shared by the weight-format files:
 * tt_safetensors.c (Hugging Face safetensors, and the helpers the others
 * use), tt_llmc.c (llm.c .bin) and tt_infer.c (a model from any checkpoint).
 * They see the model only through tt__model_shape (tt_internal.h). */
#ifndef TT_WEIGHTS_INTERNAL_H
#define TT_WEIGHTS_INTERNAL_H
/* #include "tt_internal.h" */

/* ---- shared helpers (tt_safetensors.c) ---- */
/* log "a b" at TT_LOG_ERROR (b, e.g. a tensor name, cut to fit 256 bytes) */
TT__PRIVATE void tt__log2(const tt_logger *lg, tt_status code, const char *a, const char *b);

/* a byte sink that counts (io NULL) or writes; st keeps the first error */
typedef struct tt__wsink { const tt_io *io; uint64_t n; tt_status st; } tt__wsink;
TT__PRIVATE void tt__ws_bytes(tt__wsink *w, const void *p, size_t n);

/* a tensor of ours as another format stores it */
typedef struct tt__wt {
    size_t off;        /* in floats, into the parameter block */
    size_t rows, cols; /* as stored in the file (after transposition) */
    int transpose;     /* file (in, out) = ours (out, in) transposed */
    size_t numel;      /* rows * cols */
} tt__wt;
/* write the tensor t (p: its first float) in file order as dtype
 * (TT_DTYPE_F32 / TT_DTYPE_BF16) through w */
TT__PRIVATE void tt__ws_tensor(tt__wsink *w, const float *p, const tt__wt *t, int dtype);
/* read t->numel elements (esz 2 = bf16, 4 = f32) from io into dst in our
 * layout (dst NULL = read and drop). Returns TT_OK or TT_ERR_BAD_FORMAT. */
TT__PRIVATE tt_status tt__read_tensor(const tt_io *io, float *dst, const tt__wt *t, size_t esz);
/* one past-the-end probe: 1 = io has another byte */
TT__PRIVATE int tt__io_has_more(const tt_io *io);

/* ---- safetensors reading (tt_safetensors.c) ---- */
#define TT__ST_MAX_HEADER ((uint64_t)100 << 20) /* as the reference reader */
#define TT__ST_MAX_DIMS 8

typedef struct tt__st_ent {
    const char *name;   /* NUL-terminated, inside the header buffer */
    int dtype;          /* 0 F32, 1 BF16, 2 other (skipped only) */
    size_t esz;
    int ndim;
    uint64_t shape[TT__ST_MAX_DIMS];
    uint64_t begin, end;
    int target;         /* our tensor index, -1 ignored buffer, -2 lm_head */
} tt__st_ent;

typedef struct tt__st {
    const tt_logger *lg;
    tt_allocator al;
    char *buf;          /* header bytes + NUL, then the entries */
    size_t buf_bytes;
    size_t n;           /* header length */
    size_t pos;
    tt__st_ent *ent;
    unsigned char *seen; /* cap_ent flags */
    int n_ent, cap_ent;
    uint64_t data_bytes;
    int64_t meta[5];    /* vocab_size, n_positions, n_embd, n_layer, n_head; -1 absent */
    tt_status st;
    const char *why;
} tt__st;

/* read the 8-byte length and the header from io and parse it (at most
 * cap_ent entries); p->buf owns an allocation (tt__st_free) even on failure */
TT__PRIVATE tt_status tt__st_parse(tt__st *p, const tt_io *io, const tt_allocator *al, const tt_logger *lg,
                                   int cap_ent);
TT__PRIVATE void      tt__st_free(tt__st *p);
/* the GPT-2 shape the parsed header implies (n_head only from __metadata__) */
TT__PRIVATE tt_status tt__st_shape(tt__st *p, tt_model_config *c);
/* match every entry to one of s's tensors and check dtype, shape, config */
TT__PRIVATE tt_status tt__st_validate(tt__st *p, const tt__model_shape *s);
/* the data after a validated header into dst (s->n_params floats, our layout) */
TT__PRIVATE tt_status tt__st_read_data(tt__st *p, const tt_io *io, const tt__model_shape *s, float *dst);

/* ---- the *_file savers' callback for tt__save_atomic (tt_safetensors.c) ---- */
#ifndef TT_NO_STDIO
typedef struct tt__save_args { tt_model *m; int dtype; int llmc; } tt__save_args;
TT__PRIVATE tt_status tt__weights_save_cb(const void *obj, const tt_io *io);
#endif

/* ---- llm.c (tt_llmc.c) ---- */
typedef struct tt__llmc_hdr { int32_t version, T, V, L, NH, C, Vp; } tt__llmc_hdr;
/* read and check the 1024-byte header */
TT__PRIVATE tt_status tt__llmc_read_header(const tt_io *io, const tt_logger *lg, tt__llmc_hdr *h);
/* TT_ERR_MISMATCH (logged) unless h has s's shape */
TT__PRIVATE tt_status tt__llmc_check_model(const tt__model_shape *s, const tt__llmc_hdr *h);
/* the data after a checked header into dst (s->n_params floats, our layout) */
TT__PRIVATE tt_status tt__llmc_read_data(const tt_io *io, const tt__model_shape *s, const tt__llmc_hdr *h,
                                         float *dst);

#endif /* TT_WEIGHTS_INTERNAL_H */
/* ==== end src/tt_weights_internal.h ==== */
/* ==== begin src/tt_safetensors.c ==== */
/* >>safetensors  Hugging Face GPT-2 weights: safetensors save/load, and the
 * helpers the llm.c format shares (bfloat16, tensor streaming). Sees the
 * model through tt__model_shape (tt_internal.h). */
/* #include "tt_weights_internal.h" */

/* log "a b" (b, e.g. a tensor name, cut to fit 256 bytes) */
TT__PRIVATE void tt__log2(const tt_logger *lg, tt_status code, const char *a, const char *b) {
    char buf[256];
    size_t n = 0;
    if (!lg || !lg->fn) return;
    while (*a && n < 160) buf[n++] = *a++;
    buf[n++] = ' ';
    while (b && *b && n < sizeof(buf) - 1) buf[n++] = *b++;
    buf[n] = 0;
    lg->fn(lg->user, TT_LOG_ERROR, code, buf);
}

/* ---- bfloat16 ---- */
TT__PRIVATE uint16_t tt__f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* NaN stays a quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);                                          /* round to nearest even */
    return (uint16_t)(u >> 16);
}
TT__PRIVATE float tt__bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- a byte sink that counts (io NULL) or writes ---- */
TT__PRIVATE void tt__ws_bytes(tt__wsink *w, const void *p, size_t n) {
    if (w->st != TT_OK || n == 0) return;
    w->n += n;
    if (w->io) w->st = tt__write_all(w->io, p, n);
}
TT__PRIVATE void tt__ws_str(tt__wsink *w, const char *s) { tt__ws_bytes(w, s, strlen(s)); }
TT__PRIVATE void tt__ws_u64(tt__wsink *w, uint64_t v) {
    char d[24];
    int n = 0, i;
    char o[24];
    do { d[n++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
    for (i = 0; i < n; i++) o[i] = d[n - 1 - i];
    tt__ws_bytes(w, o, (size_t)n);
}

/* tensor i of s as Hugging Face stores it: wte without the padded rows,
 * Conv1D matrices transposed */
TT__PRIVATE void tt__wt_hf(const tt__model_shape *s, int i, tt__wt *t) {
    const tt_tensor_info *ti = &s->tensors[i];
    size_t len = strlen(ti->name);
    t->off = ti->offset;
    t->transpose = 0;
    if (ti->ndim == 1) { t->rows = ti->numel; t->cols = 0; t->numel = ti->numel; return; }
    t->rows = (size_t)ti->shape[0];
    t->cols = (size_t)ti->shape[1];
    if (i == 0) t->rows = (size_t)s->V; /* wte: V rows, not Vp */
    if (len > 7 && strcmp(ti->name + len - 7, ".weight") == 0 && strncmp(ti->name, "h.", 2) == 0 &&
        !strstr(ti->name, "ln_")) {
        t->transpose = 1;
        t->rows = (size_t)ti->shape[1];
        t->cols = (size_t)ti->shape[0];
    }
    t->numel = t->rows * t->cols;
}

/* write n floats of a tensor in file order as dtype through w; 4 KB at a time */
TT__PRIVATE void tt__ws_tensor(tt__wsink *w, const float *p, const tt__wt *t, int dtype) {
    unsigned char buf[4096];
    size_t esz = dtype == TT_DTYPE_BF16 ? 2 : 4, per = sizeof(buf) / esz, e = 0, k, j;
    if (!w->io) { w->n += (uint64_t)t->numel * esz; return; }
    while (e < t->numel && w->st == TT_OK) {
        k = t->numel - e < per ? t->numel - e : per;
        for (j = 0; j < k; j++) {
            size_t f = e + j, src = f;
            float x;
            if (t->transpose) src = (f % t->cols) * t->rows + f / t->cols; /* file (r, c) = ours (c, r) */
            x = p[src];
            if (esz == 2) {
                uint16_t h = tt__f32_to_bf16(x);
                buf[2 * j] = (unsigned char)h; buf[2 * j + 1] = (unsigned char)(h >> 8);
            } else {
                uint32_t u;
                memcpy(&u, &x, 4);
                tt__put_u32(buf + 4 * j, u);
            }
        }
        tt__ws_bytes(w, buf, k * esz);
        e += k;
    }
}

/* read numel elements (esz 2 = bf16, 4 = f32) from io into dst in our
 * layout (dst NULL = read and drop). Returns TT_OK or TT_ERR_BAD_FORMAT. */
TT__PRIVATE tt_status tt__read_tensor(const tt_io *io, float *dst, const tt__wt *t, size_t esz) {
    unsigned char buf[4096];
    size_t per = sizeof(buf) / esz, e = 0, k, j;
    while (e < t->numel) {
        k = t->numel - e < per ? t->numel - e : per;
        if (tt__read_all(io, buf, k * esz) != TT_OK) return TT_ERR_BAD_FORMAT;
        if (dst) {
            for (j = 0; j < k; j++) {
                size_t f = e + j, d = f;
                float x;
                if (t->transpose) d = (f % t->cols) * t->rows + f / t->cols;
                if (esz == 2) x = tt__bf16_to_f32((uint16_t)(buf[2 * j] | (buf[2 * j + 1] << 8)));
                else { uint32_t u = tt__get_u32(buf + 4 * j); memcpy(&x, &u, 4); }
                dst[d] = x;
            }
        }
        e += k;
    }
    return TT_OK;
}

/* ---- safetensors: writing ---- */
/* the header JSON (without the 8-byte length and padding) through w */
TT__PRIVATE void tt__st_header(tt__wsink *w, const tt__model_shape *s, int dtype) {
    uint64_t off = 0, esz = dtype == TT_DTYPE_BF16 ? 2 : 4;
    int i;
    tt__ws_str(w, "{\"__metadata__\":{\"format\":\"pt\",\"producer\":\"tinytrain.h " TT_VERSION_STRING "\",\"vocab_size\":\"");
    tt__ws_u64(w, (uint64_t)s->V);
    tt__ws_str(w, "\",\"n_positions\":\"");
    tt__ws_u64(w, (uint64_t)s->maxT);
    tt__ws_str(w, "\",\"n_embd\":\"");
    tt__ws_u64(w, (uint64_t)s->C);
    tt__ws_str(w, "\",\"n_layer\":\"");
    tt__ws_u64(w, (uint64_t)s->L);
    tt__ws_str(w, "\",\"n_head\":\"");
    tt__ws_u64(w, (uint64_t)s->NH);
    tt__ws_str(w, "\"}");
    for (i = 0; i < s->n_tensors; i++) {
        tt__wt t;
        tt__wt_hf(s, i, &t);
        tt__ws_str(w, ",\"transformer.");
        tt__ws_str(w, s->tensors[i].name);
        tt__ws_str(w, dtype == TT_DTYPE_BF16 ? "\":{\"dtype\":\"BF16\",\"shape\":[" : "\":{\"dtype\":\"F32\",\"shape\":[");
        tt__ws_u64(w, (uint64_t)t.rows);
        if (t.cols) { tt__ws_str(w, ","); tt__ws_u64(w, (uint64_t)t.cols); }
        tt__ws_str(w, "],\"data_offsets\":[");
        tt__ws_u64(w, off);
        tt__ws_str(w, ",");
        off += (uint64_t)t.numel * esz;
        tt__ws_u64(w, off);
        tt__ws_str(w, "]}");
    }
    tt__ws_str(w, "}");
}

TTDEF tt_status tt_model_save_safetensors(const tt_io *io, tt_model *m, int dtype) {
    tt__model_shape s;
    tt__wsink cnt, w;
    unsigned char len8[8];
    uint64_t n;
    int i;
    if (!io || !io->write || !m || (dtype != TT_DTYPE_F32 && dtype != TT_DTYPE_BF16)) return TT_ERR_INVALID_ARG;
    if (tt_model_download(m) != TT_OK) return TT_ERR_BACKEND;
    tt__model_shape_of(m, &s);
    memset(&cnt, 0, sizeof(cnt));
    tt__st_header(&cnt, &s, dtype);
    n = (cnt.n + 8 + 7) / 8 * 8 - 8; /* data starts 8-byte aligned */
    memset(&w, 0, sizeof(w));
    w.io = io;
    tt__put_u64(len8, n);
    tt__ws_bytes(&w, len8, 8);
    tt__st_header(&w, &s, dtype);
    while (w.st == TT_OK && w.n < 8 + n) tt__ws_bytes(&w, " ", 1);
    for (i = 0; i < s.n_tensors && w.st == TT_OK; i++) {
        tt__wt t;
        tt__wt_hf(&s, i, &t);
        tt__ws_tensor(&w, s.params + t.off, &t, dtype);
    }
    return w.st;
}

/* ---- safetensors: reading ----
 * The header is parsed in place (strings are unescaped inside the buffer)
 * into entries; nothing of the model is touched until the data is read. */
TT__PRIVATE int tt__st_fail(tt__st *p, tt_status st, const char *why) {
    if (p->st == TT_OK) { p->st = st; p->why = why; }
    return 0;
}
TT__PRIVATE void tt__st_ws(tt__st *p) {
    while (p->pos < p->n) {
        char c = p->buf[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}
TT__PRIVATE int tt__st_eat(tt__st *p, char c) {
    tt__st_ws(p);
    if (p->pos < p->n && p->buf[p->pos] == c) { p->pos++; return 1; }
    return 0;
}
TT__PRIVATE int tt__st_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
/* a JSON string, unescaped in place and NUL-terminated; *out points at it */
TT__PRIVATE int tt__st_string(tt__st *p, char **out) {
    size_t o;
    tt__st_ws(p);
    if (p->pos >= p->n || p->buf[p->pos] != '"') return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected a string");
    o = ++p->pos;
    *out = p->buf + o;
    for (;;) {
        unsigned char c;
        if (p->pos >= p->n) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unterminated string");
        c = (unsigned char)p->buf[p->pos++];
        if (c == '"') break;
        if (c < 0x20) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "control character in a string");
        if (c == '\\') {
            char e;
            if (p->pos >= p->n) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unterminated string");
            e = p->buf[p->pos++];
            switch (e) {
            case '"': case '\\': case '/': c = (unsigned char)e; break;
            case 'b': c = 8; break;
            case 'f': c = 12; break;
            case 'n': c = 10; break;
            case 'r': c = 13; break;
            case 't': c = 9; break;
            case 'u': {
                uint32_t cp = 0;
                int k;
                if (p->n - p->pos < 4) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad \\u escape");
                for (k = 0; k < 4; k++) {
                    int h = tt__st_hex(p->buf[p->pos++]);
                    if (h < 0) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad \\u escape");
                    cp = cp * 16 + (uint32_t)h;
                }
                if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* lone or paired surrogates: replaced */
                /* UTF-8 is never longer than the 6-byte escape, so in place is safe */
                if (cp < 0x80) p->buf[o++] = (char)cp;
                else if (cp < 0x800) { p->buf[o++] = (char)(0xC0 | (cp >> 6)); p->buf[o++] = (char)(0x80 | (cp & 63)); }
                else {
                    p->buf[o++] = (char)(0xE0 | (cp >> 12)); p->buf[o++] = (char)(0x80 | ((cp >> 6) & 63));
                    p->buf[o++] = (char)(0x80 | (cp & 63));
                }
                continue;
            }
            default: return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad escape in a string");
            }
        }
        p->buf[o++] = (char)c;
    }
    p->buf[o] = 0; /* o < pos: the closing quote's place or earlier */
    return 1;
}
TT__PRIVATE int tt__st_uint(tt__st *p, uint64_t *out) {
    uint64_t v = 0;
    size_t start;
    tt__st_ws(p);
    start = p->pos;
    while (p->pos < p->n && p->buf[p->pos] >= '0' && p->buf[p->pos] <= '9') {
        unsigned d = (unsigned)(p->buf[p->pos] - '0');
        if (v > ((uint64_t)1 << 53)) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "integer too large");
        v = v * 10 + d;
        p->pos++;
    }
    if (p->pos == start) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected an unsigned integer");
    if (p->pos - start > 1 && p->buf[start] == '0') return tt__st_fail(p, TT_ERR_BAD_FORMAT, "leading zero");
    *out = v;
    return 1;
}
/* [u, u, ...] into a (at most max); *count = number read */
TT__PRIVATE int tt__st_uarray(tt__st *p, uint64_t *a, int max, int *count) {
    int n = 0;
    if (!tt__st_eat(p, '[')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '['");
    if (!tt__st_eat(p, ']')) {
        do {
            if (n == max) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "array too long");
            if (!tt__st_uint(p, &a[n++])) return 0;
        } while (tt__st_eat(p, ','));
        if (!tt__st_eat(p, ']')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected ']'");
    }
    *count = n;
    return 1;
}

TT__PRIVATE int tt__st_metadata(tt__st *p) {
    static const char *keys[5] = { "vocab_size", "n_positions", "n_embd", "n_layer", "n_head" };
    if (!tt__st_eat(p, '{')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__ must be an object");
    if (tt__st_eat(p, '}')) return 1;
    do {
        char *k, *v;
        int i;
        if (!tt__st_string(p, &k) || !tt__st_eat(p, ':') || !tt__st_string(p, &v))
            return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__ must map strings to strings");
        for (i = 0; i < 5; i++) {
            if (strcmp(k, keys[i]) == 0) {
                int64_t x = 0;
                const char *c = v;
                if (!*c) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__: empty number");
                for (; *c; c++) {
                    if (*c < '0' || *c > '9' || x > TT_MAX_VOCAB)
                        return tt__st_fail(p, TT_ERR_BAD_FORMAT, "__metadata__: config value is not a small integer");
                    x = x * 10 + (*c - '0');
                }
                p->meta[i] = x;
            }
        }
    } while (tt__st_eat(p, ','));
    if (!tt__st_eat(p, '}')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' after __metadata__");
    return 1;
}

TT__PRIVATE int tt__st_dtype(const char *s, int *dtype, size_t *esz) {
    static const char *n1[] = { "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2" };
    static const char *n2[] = { "U16", "I16", "F16" };
    static const char *n4[] = { "U32", "I32" };
    static const char *n8[] = { "U64", "I64", "F64" };
    size_t i;
    if (strcmp(s, "F32") == 0) { *dtype = 0; *esz = 4; return 1; }
    if (strcmp(s, "BF16") == 0) { *dtype = 1; *esz = 2; return 1; }
    *dtype = 2;
    for (i = 0; i < sizeof(n1) / sizeof(n1[0]); i++) if (strcmp(s, n1[i]) == 0) { *esz = 1; return 1; }
    for (i = 0; i < sizeof(n2) / sizeof(n2[0]); i++) if (strcmp(s, n2[i]) == 0) { *esz = 2; return 1; }
    for (i = 0; i < sizeof(n4) / sizeof(n4[0]); i++) if (strcmp(s, n4[i]) == 0) { *esz = 4; return 1; }
    for (i = 0; i < sizeof(n8) / sizeof(n8[0]); i++) if (strcmp(s, n8[i]) == 0) { *esz = 8; return 1; }
    return 0;
}

TT__PRIVATE int tt__st_tensor(tt__st *p, const char *name) {
    tt__st_ent *e;
    int have_dt = 0, have_sh = 0, have_off = 0;
    if (p->n_ent == p->cap_ent) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "too many tensors in the header");
    e = &p->ent[p->n_ent++];
    memset(e, 0, sizeof(*e));
    e->name = name;
    if (!tt__st_eat(p, '{')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "a tensor entry must be an object");
    do {
        char *k;
        if (!tt__st_string(p, &k) || !tt__st_eat(p, ':')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad tensor entry");
        if (strcmp(k, "dtype") == 0 && !have_dt) {
            char *v;
            if (!tt__st_string(p, &v)) return 0;
            if (!tt__st_dtype(v, &e->dtype, &e->esz)) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unknown dtype");
            have_dt = 1;
        } else if (strcmp(k, "shape") == 0 && !have_sh) {
            if (!tt__st_uarray(p, e->shape, TT__ST_MAX_DIMS, &e->ndim)) return 0;
            have_sh = 1;
        } else if (strcmp(k, "data_offsets") == 0 && !have_off) {
            uint64_t o[2];
            int n;
            if (!tt__st_uarray(p, o, 2, &n)) return 0;
            if (n != 2 || o[0] > o[1]) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "bad data_offsets");
            e->begin = o[0]; e->end = o[1];
            have_off = 1;
        } else {
            return tt__st_fail(p, TT_ERR_BAD_FORMAT, "unknown or repeated key in a tensor entry");
        }
    } while (tt__st_eat(p, ','));
    if (!tt__st_eat(p, '}')) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' after a tensor entry");
    if (!have_dt || !have_sh || !have_off) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor entry lacks dtype, shape or data_offsets");
    {   /* bytes = product of the shape * element size, without overflow */
        uint64_t nb = e->esz;
        int d;
        for (d = 0; d < e->ndim; d++) {
            if (e->shape[d] != 0 && nb > ((uint64_t)1 << 62) / e->shape[d])
                return tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor size overflows");
            nb *= e->shape[d];
        }
        if (nb != e->end - e->begin) return tt__st_fail(p, TT_ERR_BAD_FORMAT, "data_offsets disagree with shape and dtype");
    }
    return 1;
}

/* read the 8-byte length and the header from io and parse it; p->buf owns
 * an allocation (tt__st_free) even on failure */
TT__PRIVATE tt_status tt__st_parse(tt__st *p, const tt_io *io, const tt_allocator *al, const tt_logger *lg,
                                   int cap_ent) {
    unsigned char b8[8];
    uint64_t n;
    size_t bytes, ent_off;
    int i;
    memset(p, 0, sizeof(*p));
    p->lg = lg;
    if (al) p->al = *al;
    for (i = 0; i < 5; i++) p->meta[i] = -1;
    if (tt__read_all(io, b8, 8) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: file shorter than 8 bytes");
        return TT_ERR_BAD_FORMAT;
    }
    n = tt__get_u64(b8);
    if (n < 2 || n > TT__ST_MAX_HEADER) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: header length out of range: ", (long long)(n > ((uint64_t)1 << 62) ? -1 : (long long)n));
        return TT_ERR_BAD_FORMAT;
    }
    ent_off = tt__align_up((size_t)n + 1, 16);
    if (!tt__mul_size((size_t)cap_ent, sizeof(tt__st_ent) + 1, &bytes) || !tt__add_size(bytes, ent_off, &bytes))
        return TT_ERR_OUT_OF_MEMORY;
    p->buf = (char *)tt__alloc(&p->al, bytes, 16);
    if (!p->buf) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate the header");
        return TT_ERR_OUT_OF_MEMORY;
    }
    p->buf_bytes = bytes;
    p->ent = (tt__st_ent *)(void *)(p->buf + ent_off);
    p->seen = (unsigned char *)(p->ent + cap_ent);
    p->cap_ent = cap_ent;
    p->n = (size_t)n;
    if (tt__read_all(io, p->buf, p->n) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: header length runs past the end of the file");
        return TT_ERR_BAD_FORMAT;
    }
    p->buf[p->n] = 0;
    if (!tt__st_eat(p, '{')) tt__st_fail(p, TT_ERR_BAD_FORMAT, "header is not a JSON object");
    else if (!tt__st_eat(p, '}')) {
        int have_meta = 0;
        do {
            char *k;
            if (!tt__st_string(p, &k) || !tt__st_eat(p, ':')) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected \"name\":"); break; }
            if (strcmp(k, "__metadata__") == 0) {
                if (have_meta) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "two __metadata__ entries"); break; }
                have_meta = 1;
                if (!tt__st_metadata(p)) break;
            } else if (!tt__st_tensor(p, k)) {
                break;
            }
        } while (tt__st_eat(p, ','));
        if (p->st == TT_OK && !tt__st_eat(p, '}')) tt__st_fail(p, TT_ERR_BAD_FORMAT, "expected '}' at the end of the header");
    }
    tt__st_ws(p);
    if (p->st == TT_OK && p->pos != p->n) tt__st_fail(p, TT_ERR_BAD_FORMAT, "bytes after the header's JSON");
    if (p->st == TT_OK) {
        /* the tensors must cover [0, total) without holes or overlaps: sort
         * by begin (insertion sort; tensor counts are small) and walk */
        uint64_t at = 0;
        for (i = 1; i < p->n_ent; i++) {
            tt__st_ent e = p->ent[i];
            int j = i - 1;
            while (j >= 0 && (p->ent[j].begin > e.begin || (p->ent[j].begin == e.begin && p->ent[j].end > e.end))) {
                p->ent[j + 1] = p->ent[j];
                j--;
            }
            p->ent[j + 1] = e;
        }
        for (i = 0; i < p->n_ent; i++) {
            if (p->ent[i].begin != at) { tt__st_fail(p, TT_ERR_BAD_FORMAT, "tensor data overlaps or leaves a hole"); break; }
            at = p->ent[i].end;
        }
        p->data_bytes = at;
    }
    if (p->st != TT_OK) {
        tt__log2(lg, p->st, "safetensors: bad header:", p->why);
        return p->st;
    }
    return TT_OK;
}
TT__PRIVATE void tt__st_free(tt__st *p) {
    if (p->buf) tt__free(&p->al, p->buf, p->buf_bytes);
    p->buf = NULL;
}

/* the name without "transformer.", or NULL when it has another prefix */
TT__PRIVATE const char *tt__st_base(const char *name) {
    if (strncmp(name, "transformer.", 12) == 0) return name + 12;
    return name;
}
/* "h.<digits>.attn.bias" / ".attn.masked_bias": the causal-mask buffers */
TT__PRIVATE int tt__st_is_mask(const char *b) {
    const char *s;
    if (strncmp(b, "h.", 2) != 0) return 0;
    s = b + 2;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
    return strcmp(s, ".attn.bias") == 0 || strcmp(s, ".attn.masked_bias") == 0;
}

/* the shape a GPT-2 file implies: V from wte, n_ctx from wpe, C, and L from
 * the highest h.<l> present */
TT__PRIVATE tt_status tt__st_shape(tt__st *p, tt_model_config *c) {
    int i, have_wte = 0, have_wpe = 0;
    long long L = 0;
    memset(c, 0, sizeof(*c));
    for (i = 0; i < p->n_ent; i++) {
        const tt__st_ent *e = &p->ent[i];
        const char *b = tt__st_base(e->name);
        if (strcmp(b, "wte.weight") == 0 && e->ndim == 2) {
            have_wte = 1;
            if (e->shape[0] < 1 || e->shape[0] > TT_MAX_VOCAB || e->shape[1] < 1 || e->shape[1] > TT_MAX_DIM) break;
            c->vocab_size = (int32_t)e->shape[0];
            c->d_model = (int32_t)e->shape[1];
        } else if (strcmp(b, "wpe.weight") == 0 && e->ndim == 2) {
            have_wpe = 1;
            if (e->shape[0] < 1 || e->shape[0] > TT_MAX_DIM) break;
            c->n_ctx = (int32_t)e->shape[0];
        } else if (strncmp(b, "h.", 2) == 0 && b[2] >= '0' && b[2] <= '9') {
            long long l = 0;
            const char *s = b + 2;
            while (*s >= '0' && *s <= '9' && l < 100000) l = l * 10 + (*s++ - '0');
            if (l + 1 > L) L = l + 1;
        }
    }
    if (i < p->n_ent || !have_wte || !have_wpe || L < 1 || L > 1024) {
        tt__log(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "safetensors: not a GPT-2 tensor set (needs wte.weight, wpe.weight and h.<layer>.* in range)");
        return TT_ERR_MISMATCH;
    }
    c->n_layer = (int32_t)L;
    if (p->meta[4] > 0) c->n_head = (int32_t)p->meta[4];
    return TT_OK;
}

/* match every entry to one of s's tensors and check dtype, shape, config;
 * sets ent[].target. Logs and returns the first problem. */
TT__PRIVATE tt_status tt__st_validate(tt__st *p, const tt__model_shape *s) {
    int i, k, nt = s->n_tensors;
    unsigned char *seen;
    int64_t want[5];
    static const char *keys[5] = { "vocab_size", "n_positions", "n_embd", "n_layer", "n_head" };
    want[0] = s->V; want[1] = s->maxT; want[2] = s->C; want[3] = s->L; want[4] = s->NH;
    for (k = 0; k < 5; k++) {
        if (p->meta[k] >= 0 && p->meta[k] != want[k]) {
            tt__logf(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH, "safetensors: __metadata__ config differs from the model; "
                     "index (vocab_size, n_positions, n_embd, n_layer, n_head): ", k);
            (void)keys;
            return TT_ERR_MISMATCH;
        }
    }
    seen = p->seen; /* cap_ent >= nt bytes */
    memset(seen, 0, (size_t)nt);
    for (i = 0; i < p->n_ent; i++) {
        tt__st_ent *e = &p->ent[i];
        const char *b = tt__st_base(e->name);
        tt__wt t;
        uint64_t want_shape[2];
        int want_nd;
        if (tt__st_is_mask(b)) { e->target = -1; continue; }
        if (strcmp(e->name, "lm_head.weight") == 0) {
            e->target = -2;
            want_nd = 2; want_shape[0] = (uint64_t)s->V; want_shape[1] = (uint64_t)s->C;
            t.numel = 0;
        } else {
            for (k = 0; k < nt; k++) if (strcmp(b, s->tensors[k].name) == 0) break;
            if (k == nt) {
                tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: a tensor name is not a GPT-2 parameter of this model", e->name);
                return TT_ERR_MISMATCH;
            }
            if (seen[k]) {
                tt__log2(p->lg, TT_ERR_BAD_FORMAT, "safetensors: a tensor appears twice", e->name);
                return TT_ERR_BAD_FORMAT;
            }
            seen[k] = 1;
            e->target = k;
            tt__wt_hf(s, k, &t);
            want_nd = t.cols ? 2 : 1;
            want_shape[0] = (uint64_t)t.rows; want_shape[1] = (uint64_t)t.cols;
        }
        if (e->dtype == 2) {
            tt__log2(p->lg, TT_ERR_UNSUPPORTED, "safetensors: only F32 and BF16 parameters load; tensor", e->name);
            return TT_ERR_UNSUPPORTED;
        }
        if (e->ndim != want_nd || e->shape[0] != want_shape[0] || (want_nd == 2 && e->shape[1] != want_shape[1])) {
            tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: shape differs from this model's (Conv1D weights are (in, out)); tensor", e->name);
            return TT_ERR_MISMATCH;
        }
    }
    for (k = 0; k < nt; k++) {
        if (!seen[k]) {
            tt__log2(p->lg, TT_ERR_MISMATCH, "safetensors: the file lacks a tensor of this model", s->tensors[k].name);
            return TT_ERR_MISMATCH;
        }
    }
    return TT_OK;
}

/* read the data (after a validated header) into dst (P floats, our layout);
 * the padded wte rows are zeroed. lm_head, if present, must equal wte. */
TT__PRIVATE tt_status tt__st_read_data(tt__st *p, const tt_io *io, const tt__model_shape *s, float *dst) {
    int i;
    int have_head = 0;
    float *head = NULL;
    size_t head_bytes = 0, VC = (size_t)s->V * (size_t)s->C;
    tt_status st = TT_OK;
    for (i = 0; i < p->n_ent; i++) if (p->ent[i].target == -2) have_head = 1;
    if (have_head) {
        head_bytes = VC * sizeof(float);
        head = (float *)tt__alloc(&p->al, head_bytes, TT__ALIGN);
        if (!head) {
            tt__log(p->lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate lm_head for the tie check");
            return TT_ERR_OUT_OF_MEMORY;
        }
    }
    memset(dst + VC, 0, ((size_t)s->Vp - (size_t)s->V) * (size_t)s->C * sizeof(float)); /* padded wte rows */
    for (i = 0; i < p->n_ent && st == TT_OK; i++) {
        const tt__st_ent *e = &p->ent[i];
        tt__wt t;
        if (e->target >= 0) {
            tt__wt_hf(s, e->target, &t);
            st = tt__read_tensor(io, dst + t.off, &t, e->esz);
        } else if (e->target == -2) {
            t.off = 0; t.rows = (size_t)s->V; t.cols = (size_t)s->C; t.transpose = 0; t.numel = VC;
            st = tt__read_tensor(io, head, &t, e->esz);
        } else {
            uint64_t left = e->end - e->begin;
            unsigned char buf[4096];
            while (left > 0 && st == TT_OK) {
                size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
                st = tt__read_all(io, buf, k) == TT_OK ? TT_OK : TT_ERR_BAD_FORMAT;
                left -= k;
            }
        }
    }
    if (st != TT_OK) tt__log(p->lg, TT_LOG_ERROR, st, "safetensors: data ends early (truncated file)");
    if (st == TT_OK && head && memcmp(head, dst, VC * sizeof(float)) != 0) {
        tt__log(p->lg, TT_LOG_ERROR, TT_ERR_MISMATCH, "safetensors: lm_head.weight differs from wte (untied head is not supported)");
        st = TT_ERR_MISMATCH;
    }
    if (head) tt__free(&p->al, head, head_bytes);
    return st;
}

/* one past-the-end probe: 1 = io has another byte */
TT__PRIVATE int tt__io_has_more(const tt_io *io) {
    unsigned char c;
    return io->read(io->user, &c, 1) == 1;
}

/* load into m from io; check_eof: refuse trailing bytes */
TT__PRIVATE tt_status tt__st_load(const tt_io *io, tt_model *m, int check_eof) {
    tt__model_shape s;
    tt__st p;
    tt_status st;
    float *tmp = NULL;
    size_t bytes = 0;
    if (!io || !io->read || !m) return TT_ERR_INVALID_ARG;
    tt__model_shape_of(m, &s);
    st = tt__st_parse(&p, io, s.allocator, s.logger, 4 * s.n_tensors + 16);
    if (st == TT_OK) st = tt__st_validate(&p, &s);
    if (st == TT_OK) {
        if (!tt__mul_size(s.n_params, sizeof(float), &bytes) ||
            !(tmp = (float *)tt__alloc(s.allocator, bytes, TT__ALIGN))) {
            tt__log(s.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "safetensors: cannot allocate the load buffer");
            st = TT_ERR_OUT_OF_MEMORY;
        }
    }
    if (st == TT_OK) st = tt__st_read_data(&p, io, &s, tmp);
    if (st == TT_OK && check_eof && tt__io_has_more(io)) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: bytes after the data");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) { memcpy(s.params, tmp, bytes); st = tt_model_upload(m); }
    if (tmp) tt__free(s.allocator, tmp, bytes);
    tt__st_free(&p);
    return st;
}

TTDEF tt_status tt_model_load_safetensors(const tt_io *io, tt_model *m) { return tt__st_load(io, m, 0); }

TTDEF tt_status tt_safetensors_read_config(const tt_io *io, const tt_allocator *al, const tt_logger *lg,
                                           tt_model_config *out_cfg) {
    tt__st p;
    tt_model_config c;
    tt_status st;
    if (!io || !io->read || !out_cfg || !tt__allocator_valid(al)) return TT_ERR_INVALID_ARG;
    st = tt__st_parse(&p, io, al, lg, 4 * (4 + 12 * 1024) + 16);
    if (st == TT_OK) st = tt__st_shape(&p, &c);
    tt__st_free(&p);
    if (st == TT_OK) *out_cfg = c;
    return st;
}

#ifndef TT_NO_STDIO
TT__PRIVATE tt_status tt__weights_save_cb(const void *obj, const tt_io *io) {
    const tt__save_args *a = (const tt__save_args *)obj;
    return a->llmc ? tt_model_save_llmc(io, a->m, a->dtype) : tt_model_save_safetensors(io, a->m, a->dtype);
}
TTDEF tt_status tt_model_save_safetensors_file(const char *path, tt_model *m, int dtype) {
    tt__save_args a;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    a.m = m; a.dtype = dtype; a.llmc = 0;
    return tt__save_atomic(path, tt__weights_save_cb, &a);
}
TT__PRIVATE tt_status tt__st_load_cb(void *obj, const tt_io *io) { return tt__st_load(io, (tt_model *)obj, 1); }
TTDEF tt_status tt_model_load_safetensors_file(const char *path, tt_model *m) {
    tt__model_shape s;
    tt_status st;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    st = tt__load_path(path, tt__st_load_cb, m);
    tt__model_shape_of(m, &s);
    if (st == TT_ERR_IO) tt__log(s.logger, TT_LOG_ERROR, st, "safetensors: cannot open the file");
    return st;
}
#endif
/* ==== end src/tt_safetensors.c ==== */
/* ==== begin src/tt_llmc.c ==== */
/* >>llmc  karpathy/llm.c GPT-2 checkpoints (.bin, versions 3 and 5). The
 * parameter order of the format is this library's own layout, so the data
 * is the flat parameter block with wte padded to the file's Vp rows. */
/* #include "tt_weights_internal.h" */

#define TT__LLMC_HEADER_INTS 256

TT__PRIVATE tt_status tt__llmc_read_header(const tt_io *io, const tt_logger *lg, tt__llmc_hdr *h) {
    unsigned char b[4 * TT__LLMC_HEADER_INTS];
    int32_t v[8];
    int i;
    if (tt__read_all(io, b, sizeof(b)) != TT_OK) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: file shorter than its 1024-byte header");
        return TT_ERR_BAD_FORMAT;
    }
    for (i = 0; i < 8; i++) v[i] = (int32_t)tt__get_u32(b + 4 * i);
    if (v[0] != TT_LLMC_MAGIC) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bad magic (not a GPT-2 model file from llm.c)");
        return TT_ERR_BAD_FORMAT;
    }
    if (v[1] != TT_LLMC_VERSION_F32 && v[1] != TT_LLMC_VERSION_BF16) {
        tt__logf(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                 "llm.c: only versions 3 (float32) and 5 (bfloat16) with a padded vocab load; version ", v[1]);
        return TT_ERR_UNSUPPORTED;
    }
    h->version = v[1]; h->T = v[2]; h->V = v[3]; h->L = v[4]; h->NH = v[5]; h->C = v[6]; h->Vp = v[7];
    if (h->T < 1 || h->T > TT_MAX_DIM || h->V < 1 || h->V > TT_MAX_VOCAB || h->L < 1 || h->L > 1024 ||
        h->NH < 1 || h->C < 1 || h->C > TT_MAX_DIM || h->C % h->NH != 0 || h->Vp < h->V || h->Vp > TT_MAX_VOCAB + 1024) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: header sizes out of range (corrupt)");
        return TT_ERR_BAD_FORMAT;
    }
    return TT_OK;
}

TTDEF tt_status tt_llmc_read_config(const tt_io *io, const tt_logger *lg, tt_model_config *out_cfg) {
    tt__llmc_hdr h;
    tt_status st;
    if (!io || !io->read || !out_cfg) return TT_ERR_INVALID_ARG;
    if ((st = tt__llmc_read_header(io, lg, &h)) != TT_OK) return st;
    memset(out_cfg, 0, sizeof(*out_cfg));
    out_cfg->vocab_size = h.V; out_cfg->n_ctx = h.T; out_cfg->n_layer = h.L;
    out_cfg->n_head = h.NH; out_cfg->d_model = h.C;
    return TT_OK;
}

TTDEF tt_status tt_model_save_llmc(const tt_io *io, tt_model *m, int dtype) {
    tt__model_shape s;
    unsigned char b[4 * TT__LLMC_HEADER_INTS];
    tt__wsink w;
    int32_t Vp;
    int i;
    if (!io || !io->write || !m || (dtype != TT_DTYPE_F32 && dtype != TT_DTYPE_BF16)) return TT_ERR_INVALID_ARG;
    if (tt_model_download(m) != TT_OK) return TT_ERR_BACKEND;
    tt__model_shape_of(m, &s);
    Vp = (s.V + 127) / 128 * 128;
    memset(b, 0, sizeof(b));
    tt__put_u32(b + 0, (uint32_t)TT_LLMC_MAGIC);
    tt__put_u32(b + 4, (uint32_t)(dtype == TT_DTYPE_BF16 ? TT_LLMC_VERSION_BF16 : TT_LLMC_VERSION_F32));
    tt__put_u32(b + 8, (uint32_t)s.maxT);
    tt__put_u32(b + 12, (uint32_t)s.V);
    tt__put_u32(b + 16, (uint32_t)s.L);
    tt__put_u32(b + 20, (uint32_t)s.NH);
    tt__put_u32(b + 24, (uint32_t)s.C);
    tt__put_u32(b + 28, (uint32_t)Vp);
    memset(&w, 0, sizeof(w));
    w.io = io;
    tt__ws_bytes(&w, b, sizeof(b));
    for (i = 0; i < s.n_tensors && w.st == TT_OK; i++) {
        tt__wt t;
        t.off = s.tensors[i].offset; t.transpose = 0; t.cols = 0;
        t.rows = t.numel = s.tensors[i].numel;
        if (i == 0) t.rows = t.numel = (size_t)s.V * (size_t)s.C; /* wte rows [0, V) ... */
        tt__ws_tensor(&w, s.params + t.off, &t, dtype);
        if (i == 0) { /* ... then zero rows up to the file's Vp */
            size_t pad = ((size_t)Vp - (size_t)s.V) * (size_t)s.C * (dtype == TT_DTYPE_BF16 ? 2 : 4);
            memset(b, 0, sizeof(b));
            while (pad > 0 && w.st == TT_OK) {
                size_t k = pad < sizeof(b) ? pad : sizeof(b);
                tt__ws_bytes(&w, b, k);
                pad -= k;
            }
        }
    }
    return w.st;
}

/* the data after a checked header, into dst (P floats, our layout; the
 * padded wte rows zeroed) */
TT__PRIVATE tt_status tt__llmc_read_data(const tt_io *io, const tt__model_shape *s, const tt__llmc_hdr *h, float *dst) {
    size_t esz = h->version == TT_LLMC_VERSION_BF16 ? 2 : 4, VC = (size_t)s->V * (size_t)s->C;
    tt__wt t;
    tt_status st;
    memset(&t, 0, sizeof(t));
    t.rows = t.numel = VC;
    st = tt__read_tensor(io, dst, &t, esz);                                /* wte rows [0, V) */
    t.rows = t.numel = ((size_t)h->Vp - (size_t)s->V) * (size_t)s->C;
    if (st == TT_OK) st = tt__read_tensor(io, NULL, &t, esz);              /* the file's padding */
    memset(dst + VC, 0, ((size_t)s->Vp - (size_t)s->V) * (size_t)s->C * sizeof(float));
    t.rows = t.numel = s->n_params - s->tensors[1].offset;
    if (st == TT_OK) st = tt__read_tensor(io, dst + s->tensors[1].offset, &t, esz); /* wpe .. ln_f */
    if (st != TT_OK) tt__log(s->logger, TT_LOG_ERROR, st, "llm.c: data ends early (truncated file)");
    return st;
}

TT__PRIVATE tt_status tt__llmc_check_model(const tt__model_shape *s, const tt__llmc_hdr *h) {
    if (h->V != s->V || h->T != s->maxT || h->L != s->L || h->NH != s->NH || h->C != s->C) {
        tt__log(s->logger, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "llm.c: the file's shape (vocab, max_seq_len, layers, heads, channels) differs from the model's");
        return TT_ERR_MISMATCH;
    }
    return TT_OK;
}

TT__PRIVATE tt_status tt__llmc_load(const tt_io *io, tt_model *m, int check_eof) {
    tt__model_shape s;
    tt__llmc_hdr h;
    tt_status st;
    float *tmp;
    size_t bytes;
    if (!io || !io->read || !m) return TT_ERR_INVALID_ARG;
    tt__model_shape_of(m, &s);
    if ((st = tt__llmc_read_header(io, s.logger, &h)) != TT_OK) return st;
    if ((st = tt__llmc_check_model(&s, &h)) != TT_OK) return st;
    if (!tt__mul_size(s.n_params, sizeof(float), &bytes) ||
        !(tmp = (float *)tt__alloc(s.allocator, bytes, TT__ALIGN))) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "llm.c: cannot allocate the load buffer");
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = tt__llmc_read_data(io, &s, &h, tmp);
    if (st == TT_OK && check_eof && tt__io_has_more(io)) {
        tt__log(s.logger, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bytes after the parameters");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) { memcpy(s.params, tmp, bytes); st = tt_model_upload(m); }
    tt__free(s.allocator, tmp, bytes);
    return st;
}

TTDEF tt_status tt_model_load_llmc(const tt_io *io, tt_model *m) { return tt__llmc_load(io, m, 0); }

#ifndef TT_NO_STDIO
TTDEF tt_status tt_model_save_llmc_file(const char *path, tt_model *m, int dtype) {
    tt__save_args a;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    a.m = m; a.dtype = dtype; a.llmc = 1;
    return tt__save_atomic(path, tt__weights_save_cb, &a);
}
TT__PRIVATE tt_status tt__llmc_load_cb(void *obj, const tt_io *io) { return tt__llmc_load(io, (tt_model *)obj, 1); }
TTDEF tt_status tt_model_load_llmc_file(const char *path, tt_model *m) {
    tt__model_shape s;
    tt_status st;
    if (!path || !m) return TT_ERR_INVALID_ARG;
    st = tt__load_path(path, tt__llmc_load_cb, m);
    tt__model_shape_of(m, &s);
    if (st == TT_ERR_IO) tt__log(s.logger, TT_LOG_ERROR, st, "llm.c: cannot open the file");
    return st;
}
#endif
/* ==== end src/tt_llmc.c ==== */
/* ==== begin src/tt_infer.c ==== */
/* >>infer  one-call model creation from a checkpoint of any supported kind */
/* #include "tt_weights_internal.h" */

#ifndef TT_NO_STDIO
/* ---- tt_model_create_from_checkpoint ---- */
/* a tt_io over a FILE that first returns bytes already read (the sniffed prefix) */
typedef struct tt__pfx { const unsigned char *p; size_t n, pos; FILE *f; } tt__pfx;
TT__PRIVATE size_t tt__pfx_read(void *user, void *buf, size_t n) {
    tt__pfx *x = (tt__pfx *)user;
    size_t k = 0;
    if (x->pos < x->n) {
        k = x->n - x->pos < n ? x->n - x->pos : n;
        memcpy(buf, x->p + x->pos, k);
        x->pos += k;
    }
    if (k < n) k += fread((unsigned char *)buf + k, 1, n - k, x->f);
    return k;
}
typedef struct tt__memio { const unsigned char *p; size_t n, pos; } tt__memio;
TT__PRIVATE size_t tt__memio_read(void *user, void *buf, size_t n) {
    tt__memio *x = (tt__memio *)user;
    size_t k = x->n - x->pos < n ? x->n - x->pos : n;
    memcpy(buf, x->p + x->pos, k);
    x->pos += k;
    return k;
}

/* the config to create: base with the file's shape; a nonzero base shape
 * field must agree with the file */
TT__PRIVATE tt_status tt__merge_shape(const tt_model_config *base, const tt_model_config *f, tt_model_config *out) {
    tt_model_config c;
    const tt_logger *lg;
    memset(&c, 0, sizeof(c));
    if (base) c = *base;
    lg = &c.logger;
    if ((c.vocab_size && c.vocab_size != f->vocab_size) || (c.n_ctx && c.n_ctx != f->n_ctx) ||
        (c.n_layer && c.n_layer != f->n_layer) || (c.d_model && c.d_model != f->d_model) ||
        (c.n_head && f->n_head && c.n_head != f->n_head)) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_MISMATCH,
                "create_from_checkpoint: a shape field of the base config differs from the file's");
        return TT_ERR_MISMATCH;
    }
    c.vocab_size = f->vocab_size; c.n_ctx = f->n_ctx; c.n_layer = f->n_layer; c.d_model = f->d_model;
    if (f->n_head) c.n_head = f->n_head;
    if (!c.n_head) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                "create_from_checkpoint: the file does not record n_head (Hugging Face safetensors): set base->n_head");
        return TT_ERR_INVALID_ARG;
    }
    c.no_init = 1; /* every parameter comes from the file */
    *out = c;
    return TT_OK;
}

TT__PRIVATE tt_status tt__cfc_ttck(FILE *f, const tt_model_config *base, tt_model **out) {
    tt_model_config b, fc, c;
    const tt_logger *lg;
    unsigned char *buf;
    long end;
    size_t n;
    tt__memio mi;
    tt_io io;
    tt_model *m = NULL;
    tt_status st;
    memset(&b, 0, sizeof(b));
    if (base) b = *base;
    lg = &b.logger;
    if (!tt__allocator_valid(&b.allocator)) return TT_ERR_INVALID_ARG;
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return TT_ERR_IO;
    n = (size_t)end;
    buf = (unsigned char *)tt__alloc(&b.allocator, n, TT__ALIGN);
    if (!buf) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "create_from_checkpoint: cannot hold the checkpoint in memory");
        return TT_ERR_OUT_OF_MEMORY;
    }
    st = fread(buf, 1, n, f) == n ? TT_OK : TT_ERR_IO;
    mi.p = buf; mi.n = n; mi.pos = 0;
    io.read = tt__memio_read; io.write = NULL; io.user = &mi;
    if (st == TT_OK) st = tt_checkpoint_read_config(&io, lg, &fc);
    if (st == TT_OK && mi.pos != n) {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "checkpoint: bytes after the checkpoint");
        st = TT_ERR_BAD_FORMAT;
    }
    if (st == TT_OK) st = tt__merge_shape(base, &fc, &c);
    if (st == TT_OK) {
        if (!b.max_batch) c.max_batch = fc.max_batch;
        if (!b.seed) c.seed = fc.seed;
        st = tt_model_create(&c, &m);
    }
    if (st == TT_OK) {
        mi.pos = 0;
        st = tt_checkpoint_load(&io, m, NULL, NULL, NULL);
    }
    tt__free(&b.allocator, buf, n);
    if (st != TT_OK) { tt_model_destroy(m); return st; }
    *out = m;
    return TT_OK;
}

TTDEF tt_status tt_model_create_from_checkpoint(const char *path, const tt_model_config *base, tt_model **out) {
    FILE *f;
    unsigned char h[8];
    size_t got;
    tt__pfx px;
    tt_io io;
    tt_model_config fc, c;
    tt_model *m = NULL;
    tt__model_shape ms;
    tt_status st;
    const tt_logger *lg = base ? &base->logger : NULL;
    if (!path || !out) return TT_ERR_INVALID_ARG;
    f = fopen(path, "rb");
    if (!f) {
        tt__log2(lg, TT_ERR_IO, "create_from_checkpoint: cannot open", path);
        return TT_ERR_IO;
    }
    got = fread(h, 1, sizeof(h), f);
    px.p = h; px.n = got; px.pos = 0; px.f = f;
    io.read = tt__pfx_read; io.write = NULL; io.user = &px;
    if (got >= 4 && memcmp(h, TT_CHECKPOINT_MAGIC, 4) == 0) {
        st = tt__cfc_ttck(f, base, &m);
    } else if (got >= 4 && tt__get_u32(h) == (uint32_t)TT_LLMC_MAGIC) {
        tt__llmc_hdr hd;
        st = tt__llmc_read_header(&io, lg, &hd);
        if (st == TT_OK) {
            memset(&fc, 0, sizeof(fc));
            fc.vocab_size = hd.V; fc.n_ctx = hd.T; fc.n_layer = hd.L; fc.n_head = hd.NH; fc.d_model = hd.C;
            st = tt__merge_shape(base, &fc, &c);
        }
        if (st == TT_OK) st = tt_model_create(&c, &m);
        if (st == TT_OK) { tt__model_shape_of(m, &ms); st = tt__llmc_check_model(&ms, &hd); }
        if (st == TT_OK) st = tt__llmc_read_data(&io, &ms, &hd, tt_model_params(m));
        if (st == TT_OK) st = tt_model_upload(m);
        if (st == TT_OK && tt__io_has_more(&io)) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "llm.c: bytes after the parameters");
            st = TT_ERR_BAD_FORMAT;
        }
    } else if (got == 8 && tt__get_u64(h) >= 2 && tt__get_u64(h) <= TT__ST_MAX_HEADER) {
        tt__st p;
        tt_allocator al;
        memset(&p, 0, sizeof(p));
        memset(&al, 0, sizeof(al));
        if (base) al = base->allocator;
        st = tt__allocator_valid(&al) ? tt__st_parse(&p, &io, &al, lg, 4 * (4 + 12 * 1024) + 16) : TT_ERR_INVALID_ARG;
        if (st == TT_OK) st = tt__st_shape(&p, &fc);
        if (st == TT_OK) st = tt__merge_shape(base, &fc, &c);
        if (st == TT_OK) st = tt_model_create(&c, &m);
        if (st == TT_OK) { tt__model_shape_of(m, &ms); st = tt__st_validate(&p, &ms); }
        if (st == TT_OK) st = tt__st_read_data(&p, &io, &ms, tt_model_params(m));
        if (st == TT_OK) st = tt_model_upload(m);
        if (st == TT_OK && tt__io_has_more(&io)) {
            tt__log(lg, TT_LOG_ERROR, TT_ERR_BAD_FORMAT, "safetensors: bytes after the data");
            st = TT_ERR_BAD_FORMAT;
        }
        tt__st_free(&p);
    } else {
        tt__log(lg, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "create_from_checkpoint: not a tinytrain checkpoint, llm.c .bin or safetensors file");
        st = TT_ERR_UNSUPPORTED;
    }
    fclose(f);
    if (st != TT_OK) { tt_model_destroy(m); return st; }
    *out = m;
    return TT_OK;
}
#endif
/* ==== end src/tt_infer.c ==== */
/* ==== begin src/tt_bpe_export.c ==== */
/* >>bpe_export  a tokenizer as GPT-2's encoder.json + vocab.bpe. Uses the
 * tokenizer's private byte lookup (tt_bpe_internal.h). */
/* #include "tt_internal.h" */
/* #include "tt_bpe_internal.h" */

/* GPT-2's byte -> printable character map: the printable Latin-1 bytes
 * ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) stand for themselves, the other 68
 * bytes get U+0100, U+0101, ... in byte order. Writes UTF-8, returns its length. */
TT__PRIVATE int tt__gpt2_byte_utf8(unsigned char b, unsigned char *out) {
    unsigned cp;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174) {
        cp = b;
    } else {
        unsigned k = 0, x;
        for (x = 0; x < b; x++)
            if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174)) k++;
        cp = 256 + k;
    }
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 63));
    return 2;
}

/* buffered writer over a tt_io */
typedef struct tt__bw { const tt_io *io; unsigned char buf[4096]; size_t n; tt_status st; } tt__bw;
TT__PRIVATE void tt__bw_flush(tt__bw *w) {
    if (w->st == TT_OK && w->n) w->st = tt__write_all(w->io, w->buf, w->n);
    w->n = 0;
}
TT__PRIVATE void tt__bw_bytes(tt__bw *w, const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    while (n > 0 && w->st == TT_OK) {
        size_t k = sizeof(w->buf) - w->n < n ? sizeof(w->buf) - w->n : n;
        memcpy(w->buf + w->n, s, k);
        w->n += k; s += k; n -= k;
        if (w->n == sizeof(w->buf)) tt__bw_flush(w);
    }
}
TT__PRIVATE void tt__bw_str(tt__bw *w, const char *s) { tt__bw_bytes(w, s, strlen(s)); }
TT__PRIVATE void tt__bw_int(tt__bw *w, uint32_t v) {
    char d[12], o[12];
    int n = 0, i;
    do { d[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (i = 0; i < n; i++) o[i] = d[n - 1 - i];
    tt__bw_bytes(w, o, (size_t)n);
}
/* bytes as GPT-2 characters (JSON-escaped when json: '"' and '\\') */
TT__PRIVATE void tt__bw_mapped(tt__bw *w, const unsigned char *p, size_t n, int json) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char u[2];
        int k = tt__gpt2_byte_utf8(p[i], u);
        if (json && (p[i] == '"' || p[i] == '\\')) tt__bw_bytes(w, "\\", 1);
        tt__bw_bytes(w, u, (size_t)k);
    }
}
/* raw bytes as a JSON string body (special tokens are stored as text) */
TT__PRIVATE void tt__bw_json_raw(tt__bw *w, const unsigned char *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') { tt__bw_bytes(w, "\\", 1); tt__bw_bytes(w, p + i, 1); }
        else if (p[i] < 0x20) {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[p[i] >> 4]; e[5] = hex[p[i] & 15];
            tt__bw_bytes(w, e, 6);
        } else tt__bw_bytes(w, p + i, 1);
    }
}

/* the merge that makes ordinary token id: BPE on its bytes with tokens of
 * rank < id only (lowest rank first, leftmost on ties) must end in exactly
 * two parts; *split = length of the left one. start/len: scratch of max_len. */
TT__PRIVATE int tt__export_merge(const tt_tokenizer *t, int32_t id, size_t *start, size_t *len, size_t *split) {
    const unsigned char *s = tt__tok_bytes(t, id);
    size_t n = t->len[id], np = n, i;
    for (i = 0; i < n; i++) { start[i] = i; len[i] = 1; }
    while (np > 2) {
        int32_t best = -1;
        size_t at = 0;
        for (i = 0; i + 1 < np; i++) {
            int32_t r = tt__tok_lookup(t, s + start[i], len[i] + len[i + 1]);
            if (r >= 0 && r < id && (best < 0 || r < best)) { best = r; at = i; }
        }
        if (best < 0) return 0;
        len[at] += len[at + 1];
        for (i = at + 1; i + 1 < np; i++) { start[i] = start[i + 1]; len[i] = len[i + 1]; }
        np--;
    }
    if (np != 2) return 0;
    {   /* both halves must be tokens of lower rank */
        int32_t a = tt__tok_lookup(t, s, len[0]), b = tt__tok_lookup(t, s + start[1], len[1]);
        if (a < 0 || b < 0 || a >= id || b >= id) return 0;
    }
    *split = len[0];
    return 1;
}

TTDEF tt_status tt_tokenizer_save_gpt2(const tt_tokenizer *t, const tt_io *enc, const tt_io *bpe) {
    tt__bw *w;
    size_t *scratch, bytes, n2;
    int32_t id;
    tt_status st = TT_OK;
    if (!t || !enc || !enc->write || !bpe || !bpe->write) return TT_ERR_INVALID_ARG;
    if (t->split_mode != TT_SPLIT_GPT2) {
        tt__log(&t->logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                "save_gpt2: GPT-2 files imply GPT-2's pre-tokenization; this tokenizer uses TT_SPLIT_NONE");
        return TT_ERR_UNSUPPORTED;
    }
    n2 = t->max_len + 1;
    if (!tt__mul_size(n2, 2 * sizeof(size_t), &bytes) || !tt__add_size(bytes, sizeof(tt__bw), &bytes)) return TT_ERR_OUT_OF_MEMORY;
    scratch = (size_t *)tt__alloc(&t->alloc, bytes, 16);
    if (!scratch) {
        tt__log(&t->logger, TT_LOG_ERROR, TT_ERR_OUT_OF_MEMORY, "save_gpt2: cannot allocate scratch");
        return TT_ERR_OUT_OF_MEMORY;
    }
    w = (tt__bw *)(void *)(scratch + 2 * n2);
    /* vocab.bpe first: it is where a tokenizer can turn out unrepresentable */
    w->io = bpe; w->n = 0; w->st = TT_OK;
    tt__bw_str(w, "#version: 0.2\n");
    for (id = 0; id < t->n_ranked && w->st == TT_OK; id++) {
        size_t split;
        const unsigned char *s = tt__tok_bytes(t, id);
        if (t->len[id] < 2) continue;
        if (!tt__export_merge(t, id, scratch, scratch + n2, &split)) {
            tt__logf(&t->logger, TT_LOG_ERROR, TT_ERR_UNSUPPORTED,
                     "save_gpt2: BPE cannot build this token from two lower-ranked ones, id ", id);
            st = TT_ERR_UNSUPPORTED;
            break;
        }
        tt__bw_mapped(w, s, split, 0);
        tt__bw_bytes(w, " ", 1);
        tt__bw_mapped(w, s + split, t->len[id] - split, 0);
        tt__bw_bytes(w, "\n", 1);
    }
    tt__bw_flush(w);
    if (st == TT_OK) st = w->st;
    if (st == TT_OK) {
        w->io = enc; w->n = 0; w->st = TT_OK;
        tt__bw_str(w, "{");
        for (id = 0; id < t->vocab && w->st == TT_OK; id++) {
            const unsigned char *s = tt__tok_bytes(t, id);
            if (id) tt__bw_str(w, ", ");
            tt__bw_str(w, "\"");
            if (id < t->n_ranked) tt__bw_mapped(w, s, t->len[id], 1);
            else tt__bw_json_raw(w, s, t->len[id]);
            tt__bw_str(w, "\": ");
            tt__bw_int(w, (uint32_t)id);
        }
        tt__bw_str(w, "}");
        tt__bw_flush(w);
        st = w->st;
    }
    tt__free(&t->alloc, scratch, bytes);
    return st;
}

#ifndef TT_NO_STDIO
TTDEF tt_status tt_tokenizer_save_gpt2_file(const tt_tokenizer *t, const char *enc_path, const char *bpe_path) {
    char ta[4096], tb[4096];
    size_t na, nb;
    FILE *fa, *fb;
    tt_io ia, ib;
    tt_status st;
    if (!t || !enc_path || !bpe_path) return TT_ERR_INVALID_ARG;
    na = strlen(enc_path); nb = strlen(bpe_path);
    if (na + 5 > sizeof(ta) || nb + 5 > sizeof(tb)) return TT_ERR_INVALID_ARG;
    memcpy(ta, enc_path, na); memcpy(ta + na, ".tmp", 5);
    memcpy(tb, bpe_path, nb); memcpy(tb + nb, ".tmp", 5);
    fa = fopen(ta, "wb");
    if (!fa) return TT_ERR_IO;
    fb = fopen(tb, "wb");
    if (!fb) { fclose(fa); remove(ta); return TT_ERR_IO; }
    ia.read = NULL; ia.write = tt__stdio_write; ia.user = fa;
    ib.read = NULL; ib.write = tt__stdio_write; ib.user = fb;
    st = tt_tokenizer_save_gpt2(t, &ia, &ib);
    if (fclose(fa) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (fclose(fb) != 0 && st == TT_OK) st = TT_ERR_IO;
    if (st == TT_OK && rename(tb, bpe_path) != 0) st = TT_ERR_IO;
    if (st == TT_OK && rename(ta, enc_path) != 0) st = TT_ERR_IO;
    if (st != TT_OK) { remove(ta); remove(tb); }
    return st;
}
#endif
/* ==== end src/tt_bpe_export.c ==== */
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
