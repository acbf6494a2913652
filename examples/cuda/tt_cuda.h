/* tt_cuda.h -- a CUDA implementation of the tinytrain.h backend op table
 * (tt_backend, TT_BACKEND_API_VERSION 2), kept outside the header: build
 * examples/cuda/tt_cuda.cu with nvcc (`make cuda`) and link it with cuBLAS
 * (-lcublas) and the CUDA runtime. This header needs only tinytrain.h (no
 * CUDA headers), so C99 and C++ callers can include it.
 *
 * Use: create the table, put its address in tt_model_config.backend,
 * create the model, destroy the table after the model (README.md, "CUDA
 * backend"). Every table entry is implemented; tests/cuda/test_cuda_ops.c
 * checks each op against CPU references and tests/cuda/test_cuda_model.c
 * trains a small model against the CPU path, wherever a GPU is present
 * (and on a CPU emulation of CUDA in make test). No GPU has run this code
 * in this project yet.
 *
 * What runs where: buffers are device memory from cudaMalloc; every op is
 * queued on the backend's one CUDA stream in call order. GEMM products use
 * cuBLAS (fp32, or TF32 tensor cores with opt->tf32); bias, residual, GELU
 * and its backward, the bias gradient, LayerNorm, attention, embedding,
 * softmax / cross-entropy, the parameter statistics and AdamW are this
 * file's own kernels.
 *
 * Determinism: same inputs and the same options on the same GPU model and
 * CUDA/cuBLAS versions give bitwise the same outputs: no kernel uses float
 * atomics; every reduction has an order fixed by the shapes (and by
 * workspace_bytes); cuBLAS runs with atomics disallowed on a workspace
 * given at create (cuBLAS documents bitwise reproducibility for one
 * architecture and SM count on one stream).
 *
 * Waiting: besides download, param_stats and sync (which the table says
 * wait), upload and free also wait for the stream: upload so that the host
 * buffer may be reused at once whatever memory it is in, free because
 * cudaFree synchronizes anyway.
 *
 * Memory: tt_cuda_backend_create allocates all scratch (workspace_bytes of
 * device memory, a cuBLAS workspace, a small pinned host block); the ops
 * never allocate. Only `alloc` calls cudaMalloc.
 *
 * Attention: FlashAttention-style in its bookkeeping (online softmax, the
 * log-sum-exp kept, no T x T matrix, backward recomputes the
 * probabilities) but on CUDA cores in fp32: one warp per query row (dq) or
 * key row (dk, dv), blocks of 8 rows sharing 32-row chunks of K/V (or Q/dout)
 * staged in shared memory when that fits in 48 KiB (head size up to 153
 * forward, 138 for dq, 126 for dk/dv), one row per warp from global memory
 * beyond.
 * No tensor cores: expect it, not the GEMMs, to bound the speed.
 *
 * Limits: attention head size C/NH <= 512 (larger: TT_ERR_INVALID_ARG);
 * every dimension and leading dimension must fit in int for cuBLAS; token
 * ids and targets must lie in the ranges the table states (a target out of
 * [0, V) gives a NaN row loss rather than a fault; a token id out of range
 * is undefined behaviour on the device).
 *
 * Thread safety: one backend is used from one host thread at a time (its
 * stream and cuBLAS handle are not locked). Distinct backends are
 * independent. */
#ifndef TT_CUDA_H
#define TT_CUDA_H

#include "tinytrain.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tt_cuda_options {
    int tf32;               /* 1: cuBLAS GEMMs on TF32 tensor cores (10-bit
                               mantissa products, fp32 accumulate); 0
                               (default): full fp32 */
    size_t workspace_bytes; /* device scratch for the lm head logits chunk,
                               LayerNorm/stat partials, the embedding sort;
                               0 = default 256 MiB. The lm head processes
                               workspace_bytes / (4 Vp) rows at a time */
    tt_logger logger;       /* errors (with the CUDA/cuBLAS message) go here;
                               fn NULL = silent */
} tt_cuda_options;

/* tt_cuda_backend_create: selects CUDA device `device` (0-based), creates
 * one stream, one cuBLAS handle and the scratch above, and fills *out (the
 * table, name "cuda:<device>", ctx owned by the backend). opt may be NULL
 * (all defaults). Errors: TT_ERR_INVALID_ARG (out NULL, device out of
 * range), TT_ERR_OUT_OF_MEMORY (device or host allocation), TT_ERR_BACKEND
 * (no driver / no device / CUDA or cuBLAS failure); on error *out is zeroed
 * and nothing is left allocated. Allocates. */
tt_status tt_cuda_backend_create(int device, const tt_cuda_options *opt, tt_backend *out);

/* tt_cuda_backend_destroy: waits for queued work, releases what create
 * made and zeroes *b. Buffers from b->alloc must be freed before (they are
 * not tracked). NULL or an already destroyed table is a no-op. */
void tt_cuda_backend_destroy(tt_backend *b);

/* What a program needs to know about a device for reports (e.g. the peak
 * FLOP/s a benchmark divides by): the CUDA device name, streaming
 * multiprocessors, compute capability, global memory. */
typedef struct tt_cuda_device_info {
    char   name[256];       /* e.g. "NVIDIA H100 80GB HBM3" */
    int    sm_count;
    int    cc_major, cc_minor;
    size_t total_mem;       /* bytes */
} tt_cuda_device_info;

/* tt_cuda_device_info_get: fills *out for CUDA device `device` (0-based)
 * without creating a backend. Errors: TT_ERR_INVALID_ARG (out NULL, device
 * out of range), TT_ERR_BACKEND (no driver / no device); *out is zeroed on
 * error. Allocates nothing itself (the CUDA runtime may initialise). */
tt_status tt_cuda_device_info_get(int device, tt_cuda_device_info *out);

#ifdef __cplusplus
}
#endif
#endif
