/* tt_cuda.cu -- the tinytrain.h backend op table (TT_BACKEND_API_VERSION 2)
 * on CUDA: cuBLAS for GEMM products, the kernels below for everything else.
 * See tt_cuda.h for the contract (determinism, memory, limits). Written from
 * the formulas documented in src/tt_api.h; technique (one warp per row,
 * online softmax with the log-sum-exp kept for the backward pass) after
 * FlashAttention-2 (Dao 2023, arXiv:2307.08691). No kernel uses float
 * atomics: every sum has an order fixed by the shapes. */
#include "tt_cuda.h"

#include <cuda_runtime.h>
#include <cublas_v2.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* everything but the two entry points has internal linkage (kernels included) */
namespace {

/* kernel launch and dynamic shared memory: macros so that tests can build
 * this file for the CPU with a CUDA emulation (tests/cuda/emu/) */
#ifndef TTC_LAUNCH
#define TTC_LAUNCH(kernel, grid, block, smem, stream, ...) kernel<<<(grid), (block), (smem), (stream)>>>(__VA_ARGS__)
#endif
#ifndef TTC_DYN_SMEM
#define TTC_DYN_SMEM(name) extern __shared__ float name[]
#endif

#define TTC_WARPS 4                      /* warps per block, row kernels */
#define TTC_MAX_HS 512                   /* attention head size limit */
#define TTC_STAT_BLOCKS 512              /* param_stats: fixed grid */
#define TTC_CUBLAS_WS ((size_t)32 << 20) /* cuBLAS workspace (Hopper guidance) */
#define TTC_DEFAULT_WS ((size_t)256 << 20)

typedef struct ttc_ctx {
    int device, tf32;
    cudaStream_t stream;
    cublasHandle_t blas;
    void *blas_ws;
    char *ws;            /* device scratch, ws_bytes */
    size_t ws_bytes;
    void *host;          /* pinned, 64 bytes: param_stats result */
    tt_logger log;
    char name[32];
} ttc_ctx;

/* ---- errors ---- */
static void ttc_log(const ttc_ctx *c, tt_status st, const char *what, const char *detail) {
    char msg[256];
    if (!c || !c->log.fn) return;
    snprintf(msg, sizeof(msg), "%s: %s: %s", c->name, what, detail ? detail : "");
    c->log.fn(c->log.user, TT_LOG_ERROR, st, msg);
}
static tt_status ttc_cuda_err(const ttc_ctx *c, cudaError_t e, const char *what) {
    tt_status st;
    if (e == cudaSuccess) return TT_OK;
    st = e == cudaErrorMemoryAllocation ? TT_ERR_OUT_OF_MEMORY : TT_ERR_BACKEND;
    ttc_log(c, st, what, cudaGetErrorString(e));
    return st;
}
static const char *ttc_blas_str(cublasStatus_t s) {
    switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "cuBLAS not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "cuBLAS allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "cuBLAS invalid value";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "cuBLAS architecture mismatch";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "cuBLAS execution failed";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "cuBLAS internal error";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "cuBLAS not supported";
    default: return "cuBLAS error";
    }
}
static tt_status ttc_blas_err(const ttc_ctx *c, cublasStatus_t s, const char *what) {
    tt_status st;
    if (s == CUBLAS_STATUS_SUCCESS) return TT_OK;
    st = s == CUBLAS_STATUS_ALLOC_FAILED ? TT_ERR_OUT_OF_MEMORY : TT_ERR_BACKEND;
    ttc_log(c, st, what, ttc_blas_str(s));
    return st;
}
static tt_status ttc_bad(const ttc_ctx *c, const char *what, const char *detail) {
    ttc_log(c, TT_ERR_INVALID_ARG, what, detail);
    return TT_ERR_INVALID_ARG;
}

#define TTC_CK(call, what)                                                   \
    do {                                                                     \
        tt_status ttc_st_ = ttc_cuda_err(c, (call), (what));                 \
        if (ttc_st_ != TT_OK) return ttc_st_;                                \
    } while (0)
#define TTC_BLAS(call, what)                                                 \
    do {                                                                     \
        tt_status ttc_st_ = ttc_blas_err(c, (call), (what));                 \
        if (ttc_st_ != TT_OK) return ttc_st_;                                \
    } while (0)
/* after a kernel launch: launch-configuration errors surface here */
#define TTC_LAUNCHED(what) TTC_CK(cudaGetLastError(), (what))
/* every entry: the context's device is current for this host thread */
#define TTC_ENTER(ctxp)                                                      \
    ttc_ctx *c = (ttc_ctx *)(ctxp);                                          \
    if (!c) return TT_ERR_INVALID_ARG;                                       \
    TTC_CK(cudaSetDevice(c->device), "cudaSetDevice")

static unsigned ttc_blocks(size_t n, unsigned per) { return (unsigned)((n + per - 1) / per); }

/* ---- device helpers ---- */
__device__ __forceinline__ float ttc_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v; /* same tree on every lane: every lane holds the same bits */
}
__device__ __forceinline__ float ttc_warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
#define TTC_GELU_K 0.7978845608028654f
/* GELU, tanh form (Hendrycks & Gimpel 2016): x * sigmoid(2u),
 * u = sqrt(2/pi) (x + 0.044715 x^3) */
__device__ __forceinline__ float ttc_gelu(float x) {
    float u = TTC_GELU_K * (x + 0.044715f * x * x * x);
    return x / (1.0f + expf(-2.0f * u));
}
/* GELU'(x) = s + 2 x s (1 - s) u', s = sigmoid(2u) */
__device__ __forceinline__ float ttc_gelu_grad(float x) {
    float u = TTC_GELU_K * (x + 0.044715f * x * x * x);
    float du = TTC_GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
    float e = expf(-2.0f * u);
    float s = 1.0f / (1.0f + e);
    float oms = s < 0.5f ? 1.0f - s : e * s; /* 1 - s without cancellation */
    return s + 2.0f * x * s * oms * du;
}

/* ======================================================================
 * buffers
 * ==================================================================== */
static tt_status ttc_alloc(void *ctx, size_t bytes, void **out_buf) {
    if (!out_buf) return TT_ERR_INVALID_ARG;
    *out_buf = NULL;
    TTC_ENTER(ctx);
    /* cudaMalloc returns 256-byte aligned memory; a 0-byte request still
     * gets a distinct buffer */
    TTC_CK(cudaMalloc(out_buf, bytes ? bytes : 256), "cudaMalloc");
    return TT_OK;
}
static void ttc_free(void *ctx, void *buf) {
    ttc_ctx *c = (ttc_ctx *)ctx;
    if (!c || !buf) return;
    if (cudaSetDevice(c->device) != cudaSuccess) return;
    /* cudaFree waits for the device; errors here can only be logged */
    (void)ttc_cuda_err(c, cudaStreamSynchronize(c->stream), "free: cudaStreamSynchronize");
    (void)ttc_cuda_err(c, cudaFree(buf), "cudaFree");
}
/* the host buffer may be reused as soon as this returns (it waits for the
 * copy: pinned host memory would otherwise still be read later) */
static tt_status ttc_upload(void *ctx, void *dst, const void *src, size_t bytes) {
    TTC_ENTER(ctx);
    if (!bytes) return TT_OK;
    if (!dst || !src) return ttc_bad(c, "upload", "NULL buffer");
    TTC_CK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c->stream), "upload: cudaMemcpyAsync");
    TTC_CK(cudaStreamSynchronize(c->stream), "upload: cudaStreamSynchronize");
    return TT_OK;
}
static tt_status ttc_download(void *ctx, void *dst, const void *src, size_t bytes) {
    TTC_ENTER(ctx);
    if (!bytes) return TT_OK;
    if (!dst || !src) return ttc_bad(c, "download", "NULL buffer");
    TTC_CK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c->stream), "download: cudaMemcpyAsync");
    TTC_CK(cudaStreamSynchronize(c->stream), "download: cudaStreamSynchronize");
    return TT_OK;
}
static tt_status ttc_zero(void *ctx, void *dst, size_t bytes) {
    TTC_ENTER(ctx);
    if (!bytes) return TT_OK;
    if (!dst) return ttc_bad(c, "zero", "NULL buffer");
    TTC_CK(cudaMemsetAsync(dst, 0, bytes, c->stream), "zero: cudaMemsetAsync");
    return TT_OK;
}
static tt_status ttc_copy(void *ctx, void *dst, const void *src, size_t bytes) {
    TTC_ENTER(ctx);
    if (!bytes) return TT_OK;
    if (!dst || !src) return ttc_bad(c, "copy", "NULL buffer");
    TTC_CK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->stream), "copy: cudaMemcpyAsync");
    return TT_OK;
}
static tt_status ttc_sync(void *ctx) {
    TTC_ENTER(ctx);
    TTC_CK(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize");
    return TT_OK;
}

/* ======================================================================
 * GEMM: cuBLAS product, then the epilogue kernel
 * ==================================================================== */
/* C = C + (bias + res) (the CPU epilogue's order), gelu_out = GELU(C),
 * C = C * GELU'(gelu_bwd_x) */
__global__ void ttc_epilogue_k(float *C, ptrdiff_t ldc, int M, int N, const float *bias, const float *res,
                               ptrdiff_t ldr, float *gout, ptrdiff_t ldg, const float *gx, ptrdiff_t ldx) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)M * (size_t)N) return;
    int r = (int)(i / (size_t)N), col = (int)(i % (size_t)N);
    float *y = C + (ptrdiff_t)r * ldc + col;
    float v = *y;
    if (bias && res) v += bias[col] + res[(ptrdiff_t)r * ldr + col];
    else if (bias) v += bias[col];
    else if (res) v += res[(ptrdiff_t)r * ldr + col];
    if (gout) gout[(ptrdiff_t)r * ldg + col] = ttc_gelu(v);
    if (gx) v *= ttc_gelu_grad(gx[(ptrdiff_t)r * ldx + col]);
    *y = v;
}

/* bias_grad[i] += sum_k A(k, i), A (K, M) row-major: block of 32 x 32
 * threads covers 32 columns; thread (tx, ty) sums rows ty, ty+32, ... in
 * order, then row 0 of the block adds the 32 partials in order. */
__global__ void ttc_colsum_k(float *out, const float *A, ptrdiff_t lda, int K, int M) {
    __shared__ float part[32][33];
    int tx = threadIdx.x, ty = threadIdx.y, col = blockIdx.x * 32 + tx;
    float s = 0.0f;
    if (col < M)
        for (int k = ty; k < K; k += 32) s += A[(ptrdiff_t)k * lda + col];
    part[ty][tx] = s;
    __syncthreads();
    if (ty == 0 && col < M) {
        float t = 0.0f;
        for (int j = 0; j < 32; j++) t += part[j][tx];
        out[col] += t;
    }
}

static int ttc_fits_int(ptrdiff_t v) { return v >= 0 && v <= INT_MAX; }

static tt_status ttc_gemm(void *ctx, const tt_backend_gemm *g) {
    TTC_ENTER(ctx);
    if (!g) return ttc_bad(c, "gemm", "NULL descriptor");
    int M = g->M, N = g->N, K = g->K;
    if (M < 0 || N < 0 || K < 0) return ttc_bad(c, "gemm", "negative dimension");
    if (g->layout != TT_GEMM_NT && g->layout != TT_GEMM_NN && g->layout != TT_GEMM_TN)
        return ttc_bad(c, "gemm", "unknown layout");
    if (g->bias_grad && g->layout != TT_GEMM_TN) return ttc_bad(c, "gemm", "bias_grad needs TT_GEMM_TN");
    if (M == 0 || N == 0) {
        /* no output; a bias gradient of M columns still gets its sums */
    } else {
        /* row counts of A and B in row-major storage, and the row lengths
         * their leading dimensions must cover */
        ptrdiff_t a_cols = g->layout == TT_GEMM_TN ? M : K;
        ptrdiff_t b_cols = g->layout == TT_GEMM_NT ? K : N;
        if (!g->C || (K > 0 && (!g->A || !g->B))) return ttc_bad(c, "gemm", "NULL operand");
        if (!ttc_fits_int(g->lda) || !ttc_fits_int(g->ldb) || !ttc_fits_int(g->ldc) || g->lda < (a_cols ? a_cols : 1) ||
            g->ldb < (b_cols ? b_cols : 1) || g->ldc < N)
            return ttc_bad(c, "gemm", "leading dimension out of range");
        if ((g->res && g->ldr < N) || (g->gelu_out && g->ldg < N) || (g->gelu_bwd_x && g->ldx < N))
            return ttc_bad(c, "gemm", "epilogue leading dimension out of range");
        const float one = 1.0f, zero = 0.0f;
        const float *beta = g->accumulate ? &one : &zero;
        /* row-major C (M,N) is column-major C^T (N,M): compute C^T = op(B)^T op(A)^T */
        cublasOperation_t ta = CUBLAS_OP_N, tb = CUBLAS_OP_N;
        if (g->layout == TT_GEMM_NT) ta = CUBLAS_OP_T;      /* C^T = B A^T */
        else if (g->layout == TT_GEMM_TN) tb = CUBLAS_OP_T; /* C^T = B^T A */
        TTC_BLAS(cublasSgemm(c->blas, ta, tb, N, M, K, &one, g->B, (int)g->ldb, g->A, (int)g->lda, beta, g->C,
                             (int)g->ldc),
                 "cublasSgemm");
        if (g->bias || g->res || g->gelu_out || g->gelu_bwd_x) {
            size_t n = (size_t)M * (size_t)N;
            TTC_LAUNCH(ttc_epilogue_k, ttc_blocks(n, 256), 256, 0, c->stream, g->C, g->ldc, M, N, g->bias, g->res,
                       g->ldr, g->gelu_out, g->ldg, g->gelu_bwd_x, g->ldx);
            TTC_LAUNCHED("gemm epilogue");
        }
    }
    if (g->bias_grad && M > 0) {
        if (K > 0 && (!g->A || !ttc_fits_int(g->lda) || g->lda < M)) return ttc_bad(c, "gemm", "bias_grad operand");
        TTC_LAUNCH(ttc_colsum_k, ttc_blocks((size_t)M, 32), dim3(32, 32), 0, c->stream, g->bias_grad, g->A, g->lda,
                   K, M);
        TTC_LAUNCHED("gemm bias_grad");
    }
    return TT_OK;
}

/* ======================================================================
 * embedding
 * ==================================================================== */
__global__ void ttc_embed_fwd_k(float *x, const int32_t *tok, const float *wte, const float *wpe, int T, int pos0,
                                int C, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    size_t r = i / (size_t)C;
    int col = (int)(i % (size_t)C), t = (int)(r % (size_t)T);
    x[i] = wte[(size_t)tok[r] * C + col] + wpe[(size_t)(pos0 + t) * C + col];
}
static tt_status ttc_embed_fwd(void *ctx, float *x, const int32_t *tokens, const float *wte, const float *wpe, int B,
                               int T, int pos0, int C) {
    TTC_ENTER(ctx);
    if (B < 0 || T < 0 || C < 0 || pos0 < 0) return ttc_bad(c, "embed_fwd", "negative size");
    size_t n = (size_t)B * T * C;
    if (!n) return TT_OK;
    if (!x || !tokens || !wte || !wpe) return ttc_bad(c, "embed_fwd", "NULL buffer");
    TTC_LAUNCH(ttc_embed_fwd_k, ttc_blocks(n, 256), 256, 0, c->stream, x, tokens, wte, wpe, T, pos0, C, n);
    TTC_LAUNCHED("embed_fwd");
    return TT_OK;
}

/* keys (token << 32 | row), padded with UINT64_MAX to a power of two, are
 * sorted (bitonic network; the keys are distinct, so the order is unique);
 * then each run of one token adds its rows to dwte in increasing row order,
 * starting from dwte's value: the sequence of adds of a plain row loop. */
__global__ void ttc_keys_k(unsigned long long *keys, const int32_t *tok, int N, size_t n2) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n2) return;
    keys[i] = i < (size_t)N ? ((unsigned long long)(uint32_t)tok[i] << 32) | (unsigned long long)i : ~0ULL;
}
__global__ void ttc_bitonic_k(unsigned long long *keys, size_t j, size_t k, size_t n2) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n2) return;
    size_t l = i ^ j;
    if (l <= i) return;
    unsigned long long a = keys[i], b = keys[l];
    int up = (i & k) == 0;
    if ((a > b) == up) { keys[i] = b; keys[l] = a; }
}
__global__ void ttc_embed_wte_k(float *dwte, const float *dx, const unsigned long long *keys, int N, int C) {
    int i = blockIdx.x;
    unsigned tokv = (unsigned)(keys[i] >> 32);
    if (i > 0 && (unsigned)(keys[i - 1] >> 32) == tokv) return; /* not the first row of its run */
    float *d = dwte + (size_t)tokv * C;
    for (int col = threadIdx.x; col < C; col += blockDim.x) {
        float acc = d[col];
        for (int j = i; j < N && (unsigned)(keys[j] >> 32) == tokv; j++)
            acc += dx[(size_t)(keys[j] & 0xffffffffULL) * C + col];
        d[col] = acc;
    }
}
/* dwpe[t] += dx[b*T + t] for b = 0, 1, ... in order */
__global__ void ttc_embed_wpe_k(float *dwpe, const float *dx, int B, int T, int C) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)T * C) return;
    float acc = dwpe[i];
    for (int b = 0; b < B; b++) acc += dx[(size_t)b * T * C + i];
    dwpe[i] = acc;
}
static tt_status ttc_embed_bwd(void *ctx, float *dwte, float *dwpe, const float *dx, const int32_t *tokens, int B,
                               int T, int C) {
    TTC_ENTER(ctx);
    if (B < 0 || T < 0 || C < 0) return ttc_bad(c, "embed_bwd", "negative size");
    if ((size_t)B * T > 0x7fffffffu) return ttc_bad(c, "embed_bwd", "too many rows");
    int N = B * T;
    if (!N || !C) return TT_OK;
    if (!dwte || !dwpe || !dx || !tokens) return ttc_bad(c, "embed_bwd", "NULL buffer");
    size_t n2 = 1;
    while (n2 < (size_t)N) n2 <<= 1;
    if (n2 * sizeof(unsigned long long) > c->ws_bytes) {
        ttc_log(c, TT_ERR_OUT_OF_MEMORY, "embed_bwd", "workspace too small for the token sort (workspace_bytes)");
        return TT_ERR_OUT_OF_MEMORY;
    }
    unsigned long long *keys = (unsigned long long *)(void *)c->ws;
    TTC_LAUNCH(ttc_keys_k, ttc_blocks(n2, 256), 256, 0, c->stream, keys, tokens, N, n2);
    TTC_LAUNCHED("embed_bwd keys");
    for (size_t k = 2; k <= n2; k <<= 1)
        for (size_t j = k >> 1; j > 0; j >>= 1) {
            TTC_LAUNCH(ttc_bitonic_k, ttc_blocks(n2, 256), 256, 0, c->stream, keys, j, k, n2);
            TTC_LAUNCHED("embed_bwd sort");
        }
    TTC_LAUNCH(ttc_embed_wte_k, N, 128, 0, c->stream, dwte, dx, keys, N, C);
    TTC_LAUNCHED("embed_bwd wte");
    TTC_LAUNCH(ttc_embed_wpe_k, ttc_blocks((size_t)T * C, 256), 256, 0, c->stream, dwpe, dx, B, T, C);
    TTC_LAUNCHED("embed_bwd wpe");
    return TT_OK;
}

/* ======================================================================
 * LayerNorm (Ba et al. 2016), eps 1e-5, biased variance, two passes
 * ==================================================================== */
/* one warp per row */
__global__ void ttc_ln_fwd_k(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b,
                             int N, int C) {
    int r = blockIdx.x * TTC_WARPS + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (r >= N) return;
    const float *xr = x + (size_t)r * C;
    float s = 0.0f;
    for (int i = lane; i < C; i += 32) s += xr[i];
    float m = ttc_warp_sum(s) / (float)C;
    s = 0.0f;
    for (int i = lane; i < C; i += 32) { float d = xr[i] - m; s += d * d; }
    float v = ttc_warp_sum(s) / (float)C;
    float rs = 1.0f / sqrtf(v + 1e-5f);
    float *yr = y + (size_t)r * C;
    for (int i = lane; i < C; i += 32) yr[i] = (xr[i] - m) * rs * w[i] + b[i];
    if (lane == 0) { mean[r] = m; rstd[r] = rs; }
}
static tt_status ttc_layernorm_fwd(void *ctx, float *y, float *mean, float *rstd, const float *x, const float *w,
                                   const float *b, int N, int C) {
    TTC_ENTER(ctx);
    if (N < 0 || C < 0) return ttc_bad(c, "layernorm_fwd", "negative size");
    if (!N) return TT_OK;
    if (!C) return ttc_bad(c, "layernorm_fwd", "C = 0");
    if (!y || !mean || !rstd || !x || !w || !b) return ttc_bad(c, "layernorm_fwd", "NULL buffer");
    TTC_LAUNCH(ttc_ln_fwd_k, ttc_blocks((size_t)N, TTC_WARPS), 32 * TTC_WARPS, 0, c->stream, y, mean, rstd, x, w, b,
               N, C);
    TTC_LAUNCHED("layernorm_fwd");
    return TT_OK;
}
/* dx: xhat = (x-mean) rstd, g = dy w, dx (+)= rstd (g - mean(g) - xhat mean(g xhat)); one warp per row */
__global__ void ttc_ln_dx_k(float *dx, const float *dy, const float *x, const float *w, const float *mean,
                            const float *rstd, int N, int C, int acc) {
    int r = blockIdx.x * TTC_WARPS + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (r >= N) return;
    const float *xr = x + (size_t)r * C, *dyr = dy + (size_t)r * C;
    float m = mean[r], s = rstd[r], sg = 0.0f, sgx = 0.0f;
    for (int i = lane; i < C; i += 32) {
        float g = dyr[i] * w[i];
        sg += g;
        sgx += g * (xr[i] - m) * s;
    }
    sg = ttc_warp_sum(sg) / (float)C;
    sgx = ttc_warp_sum(sgx) / (float)C;
    float *dxr = dx + (size_t)r * C;
    for (int i = lane; i < C; i += 32) {
        float xhat = (xr[i] - m) * s;
        float d = s * (dyr[i] * w[i] - sg - xhat * sgx);
        dxr[i] = acc ? dxr[i] + d : d;
    }
}
/* dw, db partials: block (column tile, row block p) sums rows
 * [p*R, (p+1)*R) in order into part[p][0..C) (dw) and part[p][C..2C) (db) */
__global__ void ttc_ln_dwdb_part_k(float *part, const float *dy, const float *x, const float *mean,
                                   const float *rstd, int N, int C, int R) {
    int col = blockIdx.x * blockDim.x + threadIdx.x, p = blockIdx.y;
    if (col >= C) return;
    int r0 = p * R, r1 = r0 + R < N ? r0 + R : N;
    float sw = 0.0f, sb = 0.0f;
    for (int r = r0; r < r1; r++) {
        float d = dy[(size_t)r * C + col];
        sw += d * (x[(size_t)r * C + col] - mean[r]) * rstd[r];
        sb += d;
    }
    part[(size_t)p * 2 * C + col] = sw;
    part[(size_t)p * 2 * C + C + col] = sb;
}
__global__ void ttc_ln_dwdb_sum_k(float *dw, float *db, const float *part, int P, int C) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (col >= C) return;
    float sw = 0.0f, sb = 0.0f;
    for (int p = 0; p < P; p++) {
        sw += part[(size_t)p * 2 * C + col];
        sb += part[(size_t)p * 2 * C + C + col];
    }
    dw[col] += sw;
    db[col] += sb;
}
static tt_status ttc_layernorm_bwd(void *ctx, float *dx, float *dw, float *db, const float *dy, const float *x,
                                   const float *w, const float *mean, const float *rstd, int N, int C, int accumulate) {
    TTC_ENTER(ctx);
    if (N < 0 || C < 0) return ttc_bad(c, "layernorm_bwd", "negative size");
    if (!N || !C) return TT_OK;
    if (!dx || !dw || !db || !dy || !x || !w || !mean || !rstd) return ttc_bad(c, "layernorm_bwd", "NULL buffer");
    TTC_LAUNCH(ttc_ln_dx_k, ttc_blocks((size_t)N, TTC_WARPS), 32 * TTC_WARPS, 0, c->stream, dx, dy, x, w, mean, rstd,
               N, C, accumulate);
    TTC_LAUNCHED("layernorm_bwd dx");
    /* row blocks of R = 32 rows, fewer (longer) blocks if the partials
     * would not fit the workspace: P depends only on N, C, workspace_bytes */
    size_t cap = c->ws_bytes / (2 * (size_t)C * sizeof(float));
    if (cap < 1) {
        ttc_log(c, TT_ERR_OUT_OF_MEMORY, "layernorm_bwd", "workspace too small for 2C floats");
        return TT_ERR_OUT_OF_MEMORY;
    }
    size_t P = ((size_t)N + 31) / 32;
    if (P > cap) P = cap;
    if (P > 65535) P = 65535; /* gridDim.y limit */
    int R = (int)(((size_t)N + P - 1) / P);
    P = ((size_t)N + R - 1) / R;
    float *part = (float *)(void *)c->ws;
    TTC_LAUNCH(ttc_ln_dwdb_part_k, dim3(ttc_blocks((size_t)C, 128), (unsigned)P), 128, 0, c->stream, part, dy, x,
               mean, rstd, N, C, R);
    TTC_LAUNCHED("layernorm_bwd dw/db partials");
    TTC_LAUNCH(ttc_ln_dwdb_sum_k, ttc_blocks((size_t)C, 128), 128, 0, c->stream, dw, db, part, (int)P, C);
    TTC_LAUNCHED("layernorm_bwd dw/db");
    return TT_OK;
}

/* ======================================================================
 * causal attention: one warp per query row, online softmax over chunks of
 * 32 keys (lane j scores key j0+j), the output row accumulated in shared
 * memory by the lanes that own its columns.
 * ==================================================================== */
typedef struct ttc_att {
    const float *q, *k, *v;  /* head 0 of batch 0 */
    float *o, *lse;          /* lse: (B, NH, lse_T) or NULL */
    ptrdiff_t qs, ks, vs, os;        /* row strides */
    ptrdiff_t qb, kb, vb, ob;        /* batch strides */
    int nq, off, NH, hs, lse_T;      /* row i attends to keys [0, i + off] */
    float scale;
} ttc_att;

__global__ void ttc_att_fwd_k(ttc_att a) {
    TTC_DYN_SMEM(sm);
    int w = threadIdx.x / 32, lane = threadIdx.x % 32, hs = a.hs;
    int i = blockIdx.x * TTC_WARPS + w, h = blockIdx.y, b = blockIdx.z;
    float *qsh = sm + (size_t)w * 2 * hs, *osh = qsh + hs;
    if (i >= a.nq) return; /* whole warps leave together */
    const float *q = a.q + b * a.qb + (ptrdiff_t)i * a.qs + h * hs;
    const float *k = a.k + b * a.kb + h * hs, *v = a.v + b * a.vb + h * hs;
    for (int d = lane; d < hs; d += 32) { qsh[d] = q[d]; osh[d] = 0.0f; }
    __syncwarp();
    int nk = i + a.off + 1;
    float m = -INFINITY, l = 0.0f;
    for (int j0 = 0; j0 < nk; j0 += 32) {
        int j = j0 + lane;
        float s = -INFINITY;
        if (j < nk) {
            const float *kj = k + (ptrdiff_t)j * a.ks;
            float dot = 0.0f;
            for (int d = 0; d < hs; d++) dot += qsh[d] * kj[d];
            s = dot * a.scale;
        }
        float mn = fmaxf(m, ttc_warp_max(s)); /* finite: key j0 is valid */
        float p = j < nk ? expf(s - mn) : 0.0f;
        float corr = expf(m - mn);
        l = l * corr + ttc_warp_sum(p);
        for (int d = lane; d < hs; d += 32) osh[d] *= corr;
        int cnt = nk - j0 < 32 ? nk - j0 : 32;
        for (int jj = 0; jj < cnt; jj++) {
            float pj = __shfl_sync(0xffffffffu, p, jj);
            const float *vj = v + (ptrdiff_t)(j0 + jj) * a.vs;
            for (int d = lane; d < hs; d += 32) osh[d] += pj * vj[d];
        }
        m = mn;
    }
    float inv = 1.0f / l;
    float *o = a.o + b * a.ob + (ptrdiff_t)i * a.os + h * hs;
    for (int d = lane; d < hs; d += 32) o[d] = osh[d] * inv;
    if (a.lse && lane == 0) a.lse[((size_t)b * a.NH + h) * a.lse_T + i] = m + logf(l);
}

/* Tiled variant (used when its shared memory fits): a block of TTC_AW warps
 * takes TTC_AW consecutive query rows of one (b, h) and stages each chunk
 * of 32 keys and values in shared memory once for all of them (coalesced
 * loads, TTC_AW-fold reuse; K rows padded to hs+1 floats so that lane j
 * reading row j hits distinct banks). Per row the arithmetic is that of
 * ttc_att_fwd_k, in the same order. */
#define TTC_AW 8
static size_t ttc_att_fwd_tiled_smem(int hs) {
    return ((size_t)32 * (hs + 1) + (size_t)32 * hs + (size_t)TTC_AW * 2 * hs) * sizeof(float);
}
__global__ void ttc_att_fwd_tiled_k(ttc_att a) {
    TTC_DYN_SMEM(sm);
    int tid = threadIdx.x, w = tid / 32, lane = tid % 32, hs = a.hs;
    int i0 = blockIdx.x * TTC_AW, i = i0 + w, h = blockIdx.y, b = blockIdx.z;
    float *ksm = sm, *vsm = ksm + 32 * (hs + 1), *qsh = vsm + 32 * hs + (size_t)w * 2 * hs, *osh = qsh + hs;
    int valid = i < a.nq;
    int last = i0 + TTC_AW - 1 < a.nq - 1 ? i0 + TTC_AW - 1 : a.nq - 1;
    int nk_block = last + a.off + 1, nk = i + a.off + 1;
    const float *k = a.k + b * a.kb + h * hs, *v = a.v + b * a.vb + h * hs;
    if (valid) {
        const float *q = a.q + b * a.qb + (ptrdiff_t)i * a.qs + h * hs;
        for (int d = lane; d < hs; d += 32) { qsh[d] = q[d]; osh[d] = 0.0f; }
    }
    float m = -INFINITY, l = 0.0f;
    for (int j0 = 0; j0 < nk_block; j0 += 32) {
        __syncthreads(); /* the previous chunk is no longer read */
        for (int x = tid; x < 32 * hs; x += 32 * TTC_AW) {
            int jj = x / hs, d = x % hs, j = j0 + jj;
            ksm[jj * (hs + 1) + d] = j < nk_block ? k[(ptrdiff_t)j * a.ks + d] : 0.0f;
            vsm[jj * hs + d] = j < nk_block ? v[(ptrdiff_t)j * a.vs + d] : 0.0f;
        }
        __syncthreads();
        if (!valid || j0 >= nk) continue; /* warp-uniform */
        int j = j0 + lane;
        float s = -INFINITY;
        if (j < nk) {
            const float *kj = ksm + lane * (hs + 1);
            float dot = 0.0f;
            for (int d = 0; d < hs; d++) dot += qsh[d] * kj[d];
            s = dot * a.scale;
        }
        float mn = fmaxf(m, ttc_warp_max(s));
        float p = j < nk ? expf(s - mn) : 0.0f;
        float corr = expf(m - mn);
        l = l * corr + ttc_warp_sum(p);
        for (int d = lane; d < hs; d += 32) osh[d] *= corr;
        int cnt = nk - j0 < 32 ? nk - j0 : 32;
        for (int jj = 0; jj < cnt; jj++) {
            float pj = __shfl_sync(0xffffffffu, p, jj);
            const float *vj = vsm + jj * hs;
            for (int d = lane; d < hs; d += 32) osh[d] += pj * vj[d];
        }
        m = mn;
    }
    if (!valid) return;
    float inv = 1.0f / l;
    float *o = a.o + b * a.ob + (ptrdiff_t)i * a.os + h * hs;
    for (int d = lane; d < hs; d += 32) o[d] = osh[d] * inv;
    if (a.lse && lane == 0) a.lse[((size_t)b * a.NH + h) * a.lse_T + i] = m + logf(l);
}

/* launches the tiled forward when its shared memory fits in 48 KiB, else
 * the one-warp-per-row kernel; nb batches, nq query rows */
static tt_status ttc_att_fwd_launch(ttc_ctx *c, const ttc_att &a, int nb, const char *what) {
    size_t tsm = ttc_att_fwd_tiled_smem(a.hs);
    if (tsm <= 48 * 1024) {
        TTC_LAUNCH(ttc_att_fwd_tiled_k, dim3(ttc_blocks((size_t)a.nq, TTC_AW), a.NH, nb), 32 * TTC_AW, tsm, c->stream,
                   a);
    } else {
        size_t smem = (size_t)TTC_WARPS * 2 * a.hs * sizeof(float);
        TTC_LAUNCH(ttc_att_fwd_k, dim3(ttc_blocks((size_t)a.nq, TTC_WARPS), a.NH, nb), 32 * TTC_WARPS, smem,
                   c->stream, a);
    }
    TTC_LAUNCHED(what);
    return TT_OK;
}

static tt_status ttc_att_check(ttc_ctx *c, const char *what, int T, int C, int NH) {
    if (T < 0 || C <= 0 || NH <= 0 || C % NH) return ttc_bad(c, what, "bad T, C or NH (NH must divide C)");
    if (C / NH > TTC_MAX_HS) return ttc_bad(c, what, "head size C/NH above 512 is not supported by this backend");
    if (NH > 65535) return ttc_bad(c, what, "NH above 65535");
    return TT_OK;
}

static tt_status ttc_attention_fwd(void *ctx, float *out, float *lse, const float *qkv, int B, int T, int C, int NH) {
    TTC_ENTER(ctx);
    tt_status st = ttc_att_check(c, "attention_fwd", T, C, NH);
    if (st != TT_OK) return st;
    if (B < 0) return ttc_bad(c, "attention_fwd", "negative B");
    if (!B || !T) return TT_OK;
    if (!out || !lse || !qkv) return ttc_bad(c, "attention_fwd", "NULL buffer");
    if (B > 65535) return ttc_bad(c, "attention_fwd", "B above 65535");
    ttc_att a;
    int hs = C / NH;
    a.q = qkv; a.k = qkv + C; a.v = qkv + 2 * C; a.o = out; a.lse = lse;
    a.qs = a.ks = a.vs = 3 * (ptrdiff_t)C; a.os = C;
    a.qb = a.kb = a.vb = (ptrdiff_t)T * 3 * C; a.ob = (ptrdiff_t)T * C;
    a.nq = T; a.off = 0; a.NH = NH; a.hs = hs; a.lse_T = T;
    a.scale = 1.0f / sqrtf((float)hs);
    return ttc_att_fwd_launch(c, a, B, "attention_fwd");
}

/* D[b,h,t] = sum_d dout[t, d] out[t, d] over head h's columns */
__global__ void ttc_att_D_k(float *D, const float *dout, const float *out, int B, int T, int C, int NH) {
    int w = threadIdx.x / 32, lane = threadIdx.x % 32, hs = C / NH;
    int t = blockIdx.x * TTC_WARPS + w, h = blockIdx.y, b = blockIdx.z;
    if (t >= T) return;
    size_t base = ((size_t)b * T + t) * C + (size_t)h * hs;
    float s = 0.0f;
    for (int d = lane; d < hs; d += 32) s += dout[base + d] * out[base + d];
    s = ttc_warp_sum(s);
    if (lane == 0) D[((size_t)b * NH + h) * T + t] = s;
}
/* dq: one warp per query row t over keys j <= t:
 * p = exp(s scale - lse_t), ds = p (dout_t.v_j - D_t) scale, dq_t = sum ds k_j */
__global__ void ttc_att_dq_k(float *dqkv, const float *dout, const float *qkv, const float *lse, const float *D,
                             int T, int C, int NH, float scale) {
    TTC_DYN_SMEM(sm);
    int w = threadIdx.x / 32, lane = threadIdx.x % 32, hs = C / NH;
    int t = blockIdx.x * TTC_WARPS + w, h = blockIdx.y, b = blockIdx.z;
    float *qsh = sm + (size_t)w * 3 * hs, *dosh = qsh + hs, *dqsh = dosh + hs;
    if (t >= T) return;
    size_t C3 = 3 * (size_t)C, rq = ((size_t)b * T + t) * C3 + (size_t)h * hs;
    const float *dor = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
    for (int d = lane; d < hs; d += 32) { qsh[d] = qkv[rq + d]; dosh[d] = dor[d]; dqsh[d] = 0.0f; }
    __syncwarp();
    size_t li = ((size_t)b * NH + h) * T + t;
    float L = lse[li], Dt = D[li];
    const float *kb = qkv + (size_t)b * T * C3 + C + (size_t)h * hs;
    for (int j0 = 0; j0 <= t; j0 += 32) {
        int j = j0 + lane;
        float ds = 0.0f;
        if (j <= t) {
            const float *kj = kb + (size_t)j * C3, *vj = kj + C;
            float s = 0.0f, dp = 0.0f;
            for (int d = 0; d < hs; d++) { s += qsh[d] * kj[d]; dp += dosh[d] * vj[d]; }
            float p = expf(s * scale - L);
            ds = p * (dp - Dt) * scale;
        }
        int cnt = t + 1 - j0 < 32 ? t + 1 - j0 : 32;
        for (int jj = 0; jj < cnt; jj++) {
            float dsj = __shfl_sync(0xffffffffu, ds, jj);
            const float *kj = kb + (size_t)(j0 + jj) * C3;
            for (int d = lane; d < hs; d += 32) dqsh[d] += dsj * kj[d];
        }
    }
    for (int d = lane; d < hs; d += 32) dqkv[rq + d] = dqsh[d];
}
/* dk, dv: one warp per key row j over queries t >= j:
 * dk_j = sum ds_t q_t, dv_j = sum p_t dout_t */
__global__ void ttc_att_dkv_k(float *dqkv, const float *dout, const float *qkv, const float *lse, const float *D,
                              int T, int C, int NH, float scale) {
    TTC_DYN_SMEM(sm);
    int w = threadIdx.x / 32, lane = threadIdx.x % 32, hs = C / NH;
    int j = blockIdx.x * TTC_WARPS + w, h = blockIdx.y, b = blockIdx.z;
    float *ksh = sm + (size_t)w * 4 * hs, *vsh = ksh + hs, *dksh = vsh + hs, *dvsh = dksh + hs;
    if (j >= T) return;
    size_t C3 = 3 * (size_t)C, rj = ((size_t)b * T + j) * C3 + (size_t)h * hs;
    for (int d = lane; d < hs; d += 32) {
        ksh[d] = qkv[rj + C + d]; vsh[d] = qkv[rj + 2 * C + d]; dksh[d] = 0.0f; dvsh[d] = 0.0f;
    }
    __syncwarp();
    const float *qb = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    const float *dob = dout + (size_t)b * T * C + (size_t)h * hs;
    const float *Lb = lse + ((size_t)b * NH + h) * T, *Db = D + ((size_t)b * NH + h) * T;
    for (int t0 = j; t0 < T; t0 += 32) {
        int t = t0 + lane;
        float ds = 0.0f, p = 0.0f;
        if (t < T) {
            const float *qt = qb + (size_t)t * C3, *dot = dob + (size_t)t * C;
            float s = 0.0f, dp = 0.0f;
            for (int d = 0; d < hs; d++) { s += qt[d] * ksh[d]; dp += dot[d] * vsh[d]; }
            p = expf(s * scale - Lb[t]);
            ds = p * (dp - Db[t]) * scale;
        }
        int cnt = T - t0 < 32 ? T - t0 : 32;
        for (int tt = 0; tt < cnt; tt++) {
            float dst = __shfl_sync(0xffffffffu, ds, tt), pt = __shfl_sync(0xffffffffu, p, tt);
            const float *qt = qb + (size_t)(t0 + tt) * C3, *dot = dob + (size_t)(t0 + tt) * C;
            for (int d = lane; d < hs; d += 32) { dksh[d] += dst * qt[d]; dvsh[d] += pt * dot[d]; }
        }
    }
    for (int d = lane; d < hs; d += 32) { dqkv[rj + C + d] = dksh[d]; dqkv[rj + 2 * C + d] = dvsh[d]; }
}
/* Tiled dq (TTC_AW query rows per block, chunks of 32 keys and values
 * staged in shared memory) and tiled dk/dv (TTC_AW key rows per block,
 * chunks of 32 query rows, their dout, lse and D staged); per row the same
 * arithmetic in the same order as the kernels above. */
static size_t ttc_att_dq_tiled_smem(int hs) {
    return ((size_t)32 * (hs + 1) * 2 + (size_t)TTC_AW * 3 * hs) * sizeof(float);
}
static size_t ttc_att_dkv_tiled_smem(int hs) {
    return ((size_t)32 * (hs + 1) * 2 + 64 + (size_t)TTC_AW * 4 * hs) * sizeof(float);
}
__global__ void ttc_att_dq_tiled_k(float *dqkv, const float *dout, const float *qkv, const float *lse, const float *D,
                                   int T, int C, int NH, float scale) {
    TTC_DYN_SMEM(sm);
    int tid = threadIdx.x, w = tid / 32, lane = tid % 32, hs = C / NH;
    int t0b = blockIdx.x * TTC_AW, t = t0b + w, h = blockIdx.y, b = blockIdx.z;
    float *ksm = sm, *vsm = ksm + 32 * (hs + 1);
    float *qsh = vsm + 32 * (hs + 1) + (size_t)w * 3 * hs, *dosh = qsh + hs, *dqsh = dosh + hs;
    int valid = t < T, last = t0b + TTC_AW - 1 < T - 1 ? t0b + TTC_AW - 1 : T - 1;
    size_t C3 = 3 * (size_t)C, rq = ((size_t)b * T + t) * C3 + (size_t)h * hs;
    const float *kb = qkv + (size_t)b * T * C3 + C + (size_t)h * hs;
    float L = 0.0f, Dt = 0.0f;
    if (valid) {
        const float *dor = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
        for (int d = lane; d < hs; d += 32) { qsh[d] = qkv[rq + d]; dosh[d] = dor[d]; dqsh[d] = 0.0f; }
        size_t li = ((size_t)b * NH + h) * T + t;
        L = lse[li];
        Dt = D[li];
    }
    for (int j0 = 0; j0 <= last; j0 += 32) {
        __syncthreads();
        for (int x = tid; x < 32 * hs; x += 32 * TTC_AW) {
            int jj = x / hs, d = x % hs, j = j0 + jj;
            ksm[jj * (hs + 1) + d] = j <= last ? kb[(size_t)j * C3 + d] : 0.0f;
            vsm[jj * (hs + 1) + d] = j <= last ? kb[(size_t)j * C3 + C + d] : 0.0f;
        }
        __syncthreads();
        if (!valid || j0 > t) continue; /* warp-uniform */
        int j = j0 + lane;
        float ds = 0.0f;
        if (j <= t) {
            const float *kj = ksm + lane * (hs + 1), *vj = vsm + lane * (hs + 1);
            float s = 0.0f, dp = 0.0f;
            for (int d = 0; d < hs; d++) { s += qsh[d] * kj[d]; dp += dosh[d] * vj[d]; }
            float p = expf(s * scale - L);
            ds = p * (dp - Dt) * scale;
        }
        int cnt = t + 1 - j0 < 32 ? t + 1 - j0 : 32;
        for (int jj = 0; jj < cnt; jj++) {
            float dsj = __shfl_sync(0xffffffffu, ds, jj);
            const float *kj = ksm + jj * (hs + 1);
            for (int d = lane; d < hs; d += 32) dqsh[d] += dsj * kj[d];
        }
    }
    if (!valid) return;
    for (int d = lane; d < hs; d += 32) dqkv[rq + d] = dqsh[d];
}
__global__ void ttc_att_dkv_tiled_k(float *dqkv, const float *dout, const float *qkv, const float *lse,
                                    const float *D, int T, int C, int NH, float scale) {
    TTC_DYN_SMEM(sm);
    int tid = threadIdx.x, w = tid / 32, lane = tid % 32, hs = C / NH;
    int j0b = blockIdx.x * TTC_AW, j = j0b + w, h = blockIdx.y, b = blockIdx.z;
    float *qsm = sm, *dosm = qsm + 32 * (hs + 1), *Ls = dosm + 32 * (hs + 1), *Ds = Ls + 32;
    float *ksh = Ds + 32 + (size_t)w * 4 * hs, *vsh = ksh + hs, *dksh = vsh + hs, *dvsh = dksh + hs;
    int valid = j < T;
    size_t C3 = 3 * (size_t)C, rj = ((size_t)b * T + j) * C3 + (size_t)h * hs;
    if (valid)
        for (int d = lane; d < hs; d += 32) {
            ksh[d] = qkv[rj + C + d]; vsh[d] = qkv[rj + 2 * C + d]; dksh[d] = 0.0f; dvsh[d] = 0.0f;
        }
    const float *qb = qkv + (size_t)b * T * C3 + (size_t)h * hs;
    const float *dob = dout + (size_t)b * T * C + (size_t)h * hs;
    const float *Lb = lse + ((size_t)b * NH + h) * T, *Db = D + ((size_t)b * NH + h) * T;
    /* chunks start at j0b: the first chunk of the smallest key row of the
     * block; a warp skips chunks before its own row (t0 + 31 < j) */
    for (int t0 = j0b; t0 < T; t0 += 32) {
        __syncthreads();
        for (int x = tid; x < 32 * hs; x += 32 * TTC_AW) {
            int tt = x / hs, d = x % hs, tq = t0 + tt;
            qsm[tt * (hs + 1) + d] = tq < T ? qb[(size_t)tq * C3 + d] : 0.0f;
            dosm[tt * (hs + 1) + d] = tq < T ? dob[(size_t)tq * C + d] : 0.0f;
        }
        if (tid < 32) {
            int tq = t0 + tid;
            Ls[tid] = tq < T ? Lb[tq] : 0.0f;
            Ds[tid] = tq < T ? Db[tq] : 0.0f;
        }
        __syncthreads();
        if (!valid) continue; /* warp-uniform */
        int tq = t0 + lane;
        float ds = 0.0f, p = 0.0f;
        if (tq < T && tq >= j) {
            const float *qt = qsm + lane * (hs + 1), *dot = dosm + lane * (hs + 1);
            float s = 0.0f, dp = 0.0f;
            for (int d = 0; d < hs; d++) { s += qt[d] * ksh[d]; dp += dot[d] * vsh[d]; }
            p = expf(s * scale - Ls[lane]);
            ds = p * (dp - Ds[lane]) * scale;
        }
        /* rows tq < j contribute nothing; start the sums at the first row
         * >= j so that the adds are those of ttc_att_dkv_k */
        int first = j > t0 ? j - t0 : 0, cnt = T - t0 < 32 ? T - t0 : 32;
        for (int tt = 0; tt < cnt; tt++) {
            float dst = __shfl_sync(0xffffffffu, ds, tt), pt = __shfl_sync(0xffffffffu, p, tt);
            if (tt < first) continue;
            const float *qt = qsm + tt * (hs + 1), *dot = dosm + tt * (hs + 1);
            for (int d = lane; d < hs; d += 32) { dksh[d] += dst * qt[d]; dvsh[d] += pt * dot[d]; }
        }
    }
    if (!valid) return;
    for (int d = lane; d < hs; d += 32) { dqkv[rj + C + d] = dksh[d]; dqkv[rj + 2 * C + d] = dvsh[d]; }
}

static tt_status ttc_attention_bwd(void *ctx, float *dqkv, const float *dout, const float *qkv, const float *out,
                                   const float *lse, int B, int T, int C, int NH) {
    TTC_ENTER(ctx);
    tt_status st = ttc_att_check(c, "attention_bwd", T, C, NH);
    if (st != TT_OK) return st;
    if (B < 0) return ttc_bad(c, "attention_bwd", "negative B");
    if (!B || !T) return TT_OK;
    if (!dqkv || !dout || !qkv || !out || !lse) return ttc_bad(c, "attention_bwd", "NULL buffer");
    if (B > 65535) return ttc_bad(c, "attention_bwd", "B above 65535");
    if ((size_t)B * NH * T * sizeof(float) > c->ws_bytes) {
        ttc_log(c, TT_ERR_OUT_OF_MEMORY, "attention_bwd", "workspace too small for B*NH*T floats");
        return TT_ERR_OUT_OF_MEMORY;
    }
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs), *D = (float *)(void *)c->ws;
    dim3 grid(ttc_blocks((size_t)T, TTC_WARPS), NH, B);
    TTC_LAUNCH(ttc_att_D_k, grid, 32 * TTC_WARPS, 0, c->stream, D, dout, out, B, T, C, NH);
    TTC_LAUNCHED("attention_bwd D");
    dim3 tgrid(ttc_blocks((size_t)T, TTC_AW), NH, B);
    size_t sm_dq = ttc_att_dq_tiled_smem(hs), sm_dkv = ttc_att_dkv_tiled_smem(hs);
    if (sm_dq <= 48 * 1024)
        TTC_LAUNCH(ttc_att_dq_tiled_k, tgrid, 32 * TTC_AW, sm_dq, c->stream, dqkv, dout, qkv, lse, D, T, C, NH, scale);
    else
        TTC_LAUNCH(ttc_att_dq_k, grid, 32 * TTC_WARPS, (size_t)TTC_WARPS * 3 * hs * sizeof(float), c->stream,
                   dqkv, dout, qkv, lse, D, T, C, NH, scale);
    TTC_LAUNCHED("attention_bwd dq");
    if (sm_dkv <= 48 * 1024)
        TTC_LAUNCH(ttc_att_dkv_tiled_k, tgrid, 32 * TTC_AW, sm_dkv, c->stream, dqkv, dout, qkv, lse, D, T, C, NH,
                   scale);
    else
        TTC_LAUNCH(ttc_att_dkv_k, grid, 32 * TTC_WARPS, (size_t)TTC_WARPS * 4 * hs * sizeof(float), c->stream,
                   dqkv, dout, qkv, lse, D, T, C, NH, scale);
    TTC_LAUNCHED("attention_bwd dk/dv");
    return TT_OK;
}

static tt_status ttc_attention_cached(void *ctx, float *out, const float *qkv, float *kv, int p0, int n, int n_ctx,
                                      int C, int NH) {
    TTC_ENTER(ctx);
    tt_status st = ttc_att_check(c, "attention_cached", n, C, NH);
    if (st != TT_OK) return st;
    if (p0 < 0 || n_ctx < 0 || (long long)p0 + n > n_ctx) return ttc_bad(c, "attention_cached", "p0 + n > n_ctx");
    if (!n) return TT_OK;
    if (!out || !qkv || !kv) return ttc_bad(c, "attention_cached", "NULL buffer");
    /* append the new rows' k, v (2C floats from column C of qkv) to the cache */
    TTC_CK(cudaMemcpy2DAsync(kv + (size_t)p0 * 2 * C, 2 * (size_t)C * sizeof(float), qkv + C,
                             3 * (size_t)C * sizeof(float), 2 * (size_t)C * sizeof(float), (size_t)n,
                             cudaMemcpyDeviceToDevice, c->stream),
           "attention_cached: cudaMemcpy2DAsync");
    ttc_att a;
    int hs = C / NH;
    a.q = qkv; a.k = kv; a.v = kv + C; a.o = out; a.lse = NULL;
    a.qs = 3 * (ptrdiff_t)C; a.ks = a.vs = 2 * (ptrdiff_t)C; a.os = C;
    a.qb = a.kb = a.vb = a.ob = 0;
    a.nq = n; a.off = p0; a.NH = NH; a.hs = hs; a.lse_T = 0;
    a.scale = 1.0f / sqrtf((float)hs);
    return ttc_att_fwd_launch(c, a, 1, "attention_cached");
}

/* ======================================================================
 * lm head: per chunk of R rows, logits (R, V) = x wte^T (cuBLAS, row stride
 * Vp in the workspace), the softmax / cross-entropy kernel (one block per
 * row, fixed-tree block reductions), then dx = dlogits wte and
 * dwte += dlogits^T x (cuBLAS)
 * ==================================================================== */
#define TTC_HEAD_THREADS 256
__device__ float ttc_block_reduce(float v, float *sh, int is_max) {
    int tid = threadIdx.x;
    sh[tid] = v;
    __syncthreads();
    for (int s = TTC_HEAD_THREADS / 2; s > 0; s >>= 1) {
        if (tid < s) sh[tid] = is_max ? fmaxf(sh[tid], sh[tid + s]) : sh[tid] + sh[tid + s];
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}
__global__ void ttc_xent_k(float *z, int ldz, const int32_t *targets, float *row_lse, float *row_loss, int V,
                           int mode, float scale) {
    __shared__ float sh[TTC_HEAD_THREADS];
    int r = blockIdx.x, tid = threadIdx.x;
    float *zr = z + (size_t)r * ldz;
    int tgt = targets[r];
    int ok = tgt >= 0 && tgt < V;
    float lse;
    if (mode != 1) {
        float zt = ok ? zr[tgt] : NAN;
        float mx = -INFINITY;
        for (int i = tid; i < V; i += TTC_HEAD_THREADS) mx = fmaxf(mx, zr[i]);
        mx = ttc_block_reduce(mx, sh, 1);
        float s = 0.0f;
        for (int i = tid; i < V; i += TTC_HEAD_THREADS) s += expf(zr[i] - mx);
        s = ttc_block_reduce(s, sh, 0);
        lse = mx + logf(s);
        if (tid == 0) { row_lse[r] = lse; row_loss[r] = lse - zt; }
    } else {
        lse = row_lse[r];
    }
    if (mode == 0) return;
    for (int i = tid; i < V; i += TTC_HEAD_THREADS) {
        float p = expf(zr[i] - lse) * scale;
        zr[i] = i == tgt ? p - scale : p;
    }
}
static tt_status ttc_lm_head(void *ctx, const tt_backend_head *h) {
    TTC_ENTER(ctx);
    if (!h) return ttc_bad(c, "lm_head", "NULL descriptor");
    int N = h->N, V = h->V, Vp = h->Vp, C = h->C, mode = h->mode;
    if (N < 0 || V <= 0 || Vp < V || C <= 0 || mode < 0 || mode > 2)
        return ttc_bad(c, "lm_head", "bad N, V, Vp, C or mode");
    if (!N) return TT_OK;
    if (!h->x || !h->wte || !h->targets || !h->row_lse || !h->row_loss || (mode && (!h->dx || !h->dwte)))
        return ttc_bad(c, "lm_head", "NULL buffer");
    size_t rows = c->ws_bytes / ((size_t)Vp * sizeof(float));
    if (rows < 1) {
        ttc_log(c, TT_ERR_OUT_OF_MEMORY, "lm_head", "workspace too small for one row of Vp logits");
        return TT_ERR_OUT_OF_MEMORY;
    }
    int R = rows < (size_t)N ? (int)rows : N;
    float *z = (float *)(void *)c->ws;
    const float one = 1.0f, zero = 0.0f;
    for (int r0 = 0; r0 < N; r0 += R) {
        int nr = N - r0 < R ? N - r0 : R;
        const float *xc = h->x + (size_t)r0 * C;
        /* logits (nr, V) = xc (nr, C) wte (V, C)^T: NT, see ttc_gemm */
        TTC_BLAS(cublasSgemm(c->blas, CUBLAS_OP_T, CUBLAS_OP_N, V, nr, C, &one, h->wte, C, xc, C, &zero, z, Vp),
                 "lm_head logits: cublasSgemm");
        TTC_LAUNCH(ttc_xent_k, nr, TTC_HEAD_THREADS, 0, c->stream, z, Vp, h->targets + r0, h->row_lse + r0,
                   h->row_loss + r0, V, mode, h->scale);
        TTC_LAUNCHED("lm_head softmax");
        if (mode == 0) continue;
        /* dx (nr, C) = dlogits (nr, V) wte (V, C): NN */
        TTC_BLAS(cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, C, nr, V, &one, h->wte, C, z, Vp, &zero,
                             h->dx + (size_t)r0 * C, C),
                 "lm_head dx: cublasSgemm");
        /* dwte (V, C) += dlogits^T (V, nr) xc (nr, C): TN */
        TTC_BLAS(cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_T, C, V, nr, &one, xc, C, z, Vp, &one, h->dwte, C),
                 "lm_head dwte: cublasSgemm");
    }
    return TT_OK;
}

/* ======================================================================
 * parameter statistics and AdamW
 * ==================================================================== */
typedef struct ttc_stats_dev {
    double sumsq;
    unsigned int max_g, max_p, max_m, max_v;
} ttc_stats_dev;

/* fixed grid of TTC_STAT_BLOCKS x 256 threads; thread t of the grid takes
 * elements t, t + G, t + 2G, ... in order; block partials by a fixed tree,
 * then one thread adds the block partials in block order */
__global__ void ttc_stats_k(ttc_stats_dev *part, const float *g, const float *p, const float *m, const float *v,
                            size_t n) {
    __shared__ double ssum[256];
    __shared__ unsigned int smax[4][256];
    int tid = threadIdx.x;
    size_t G = (size_t)gridDim.x * blockDim.x;
    double s = 0.0;
    unsigned int mg = 0, mp = 0, mm = 0, mv = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + tid; i < n; i += G) {
        float gi = g[i];
        s += (double)gi * (double)gi;
        mg = max(mg, __float_as_uint(gi) & 0x7fffffffu);
        mp = max(mp, __float_as_uint(p[i]) & 0x7fffffffu);
        if (m) mm = max(mm, __float_as_uint(m[i]) & 0x7fffffffu);
        if (v) mv = max(mv, __float_as_uint(v[i]));
    }
    ssum[tid] = s; smax[0][tid] = mg; smax[1][tid] = mp; smax[2][tid] = mm; smax[3][tid] = mv;
    __syncthreads();
    for (int k = 128; k > 0; k >>= 1) {
        if (tid < k) {
            ssum[tid] += ssum[tid + k];
            for (int q = 0; q < 4; q++) smax[q][tid] = max(smax[q][tid], smax[q][tid + k]);
        }
        __syncthreads();
    }
    if (tid == 0) {
        ttc_stats_dev *o = part + blockIdx.x;
        o->sumsq = ssum[0]; o->max_g = smax[0][0]; o->max_p = smax[1][0]; o->max_m = smax[2][0]; o->max_v = smax[3][0];
    }
}
__global__ void ttc_stats_final_k(ttc_stats_dev *out, const ttc_stats_dev *part, int nb) {
    ttc_stats_dev r;
    r.sumsq = 0.0; r.max_g = r.max_p = r.max_m = r.max_v = 0;
    for (int b = 0; b < nb; b++) {
        r.sumsq += part[b].sumsq;
        r.max_g = max(r.max_g, part[b].max_g); r.max_p = max(r.max_p, part[b].max_p);
        r.max_m = max(r.max_m, part[b].max_m); r.max_v = max(r.max_v, part[b].max_v);
    }
    *out = r;
}
static tt_status ttc_param_stats(void *ctx, tt_backend_stats *out, const float *g, const float *p, const float *m,
                                 const float *v, size_t n) {
    TTC_ENTER(ctx);
    if (!out) return ttc_bad(c, "param_stats", "NULL out");
    memset(out, 0, sizeof(*out));
    if (n && (!g || !p)) return ttc_bad(c, "param_stats", "NULL buffer");
    if ((TTC_STAT_BLOCKS + 1) * sizeof(ttc_stats_dev) > c->ws_bytes) {
        ttc_log(c, TT_ERR_OUT_OF_MEMORY, "param_stats", "workspace too small");
        return TT_ERR_OUT_OF_MEMORY;
    }
    ttc_stats_dev *part = (ttc_stats_dev *)(void *)c->ws, *res = part + TTC_STAT_BLOCKS;
    TTC_LAUNCH(ttc_stats_k, TTC_STAT_BLOCKS, 256, 0, c->stream, part, g, p, m, v, n);
    TTC_LAUNCHED("param_stats");
    TTC_LAUNCH(ttc_stats_final_k, 1, 1, 0, c->stream, res, part, TTC_STAT_BLOCKS);
    TTC_LAUNCHED("param_stats final");
    TTC_CK(cudaMemcpyAsync(c->host, res, sizeof(ttc_stats_dev), cudaMemcpyDeviceToHost, c->stream),
           "param_stats: cudaMemcpyAsync");
    TTC_CK(cudaStreamSynchronize(c->stream), "param_stats: cudaStreamSynchronize");
    ttc_stats_dev r;
    memcpy(&r, c->host, sizeof(r));
    out->sumsq = r.sumsq;
    out->max_g = r.max_g; out->max_p = r.max_p; out->max_m = r.max_m; out->max_v = r.max_v;
    return TT_OK;
}

/* the documented formula with each operation rounded separately (no FMA
 * contraction), in the CPU kernel's evaluation order */
__global__ void ttc_adamw_k(float *p, float *m, float *v, float *g, size_t n, float lr, float b1, float b2, float eps,
                            float wd, float gs, float bc1, float bc2_sqrt) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float step = __fdiv_rn(lr, bc1);
    float gi = __fmul_rn(g[i], gs);
    float pv = p[i];
    float pi = __fsub_rn(pv, __fmul_rn(__fmul_rn(lr, wd), pv));
    float mi = __fadd_rn(__fmul_rn(b1, m[i]), __fmul_rn(__fsub_rn(1.0f, b1), gi));
    float vi = __fadd_rn(__fmul_rn(b2, v[i]), __fmul_rn(__fmul_rn(__fsub_rn(1.0f, b2), gi), gi));
    float den = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bc2_sqrt), eps);
    m[i] = mi;
    v[i] = vi;
    p[i] = __fsub_rn(pi, __fdiv_rn(__fmul_rn(step, mi), den));
    g[i] = 0.0f;
}
static tt_status ttc_adamw(void *ctx, float *p, float *m, float *v, float *g, size_t n, float lr, float beta1,
                           float beta2, float eps, float weight_decay, float grad_scale, float bc1, float bc2_sqrt) {
    TTC_ENTER(ctx);
    if (!n) return TT_OK;
    if (!p || !m || !v || !g) return ttc_bad(c, "adamw", "NULL buffer");
    TTC_LAUNCH(ttc_adamw_k, ttc_blocks(n, 256), 256, 0, c->stream, p, m, v, g, n, lr, beta1, beta2, eps, weight_decay,
                                                           grad_scale, bc1, bc2_sqrt);
    TTC_LAUNCHED("adamw");
    return TT_OK;
}

/* y = GELU(x), elementwise: cfg.recompute's forward again in the backward;
 * the same ttc_gelu as the GEMM epilogue's gelu_out */
__global__ void ttc_gelu_k(float *y, const float *x, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = ttc_gelu(x[i]);
}
static tt_status ttc_gelu_fwd(void *ctx, float *y, const float *x, size_t n) {
    TTC_ENTER(ctx);
    if (!n) return TT_OK;
    if (!y || !x) return ttc_bad(c, "gelu_fwd", "NULL buffer");
    TTC_LAUNCH(ttc_gelu_k, ttc_blocks(n, 256), 256, 0, c->stream, y, x, n);
    TTC_LAUNCHED("gelu_fwd");
    return TT_OK;
}

/* ======================================================================
 * create / destroy
 * ==================================================================== */
static void ttc_release(ttc_ctx *c) {
    if (!c) return;
    cudaSetDevice(c->device);
    if (c->stream) cudaStreamSynchronize(c->stream);
    if (c->blas) cublasDestroy(c->blas);
    if (c->blas_ws) cudaFree(c->blas_ws);
    if (c->ws) cudaFree(c->ws);
    if (c->host) cudaFreeHost(c->host);
    if (c->stream) cudaStreamDestroy(c->stream);
    free(c);
}

static tt_status ttc_setup(ttc_ctx *c, const tt_cuda_options *opt) {
    int n = 0;
    TTC_CK(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
    if (c->device >= n) return ttc_bad(c, "create", "device index out of range");
    TTC_CK(cudaSetDevice(c->device), "cudaSetDevice");
    TTC_CK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    TTC_CK(cudaMalloc((void **)&c->ws, c->ws_bytes), "workspace cudaMalloc");
    TTC_CK(cudaMalloc(&c->blas_ws, TTC_CUBLAS_WS), "cuBLAS workspace cudaMalloc");
    TTC_CK(cudaMallocHost(&c->host, 64), "cudaMallocHost");
    TTC_BLAS(cublasCreate(&c->blas), "cublasCreate");
    TTC_BLAS(cublasSetStream(c->blas, c->stream), "cublasSetStream");
    TTC_BLAS(cublasSetWorkspace(c->blas, c->blas_ws, TTC_CUBLAS_WS), "cublasSetWorkspace");
    TTC_BLAS(cublasSetAtomicsMode(c->blas, CUBLAS_ATOMICS_NOT_ALLOWED), "cublasSetAtomicsMode");
    TTC_BLAS(cublasSetPointerMode(c->blas, CUBLAS_POINTER_MODE_HOST), "cublasSetPointerMode");
    TTC_BLAS(cublasSetMathMode(c->blas, opt && opt->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
             "cublasSetMathMode");
    return TT_OK;
}

} /* namespace */

extern "C" tt_status tt_cuda_backend_create(int device, const tt_cuda_options *opt, tt_backend *out) {
    if (!out) return TT_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (device < 0) {
        if (opt && opt->logger.fn) opt->logger.fn(opt->logger.user, TT_LOG_ERROR, TT_ERR_INVALID_ARG,
                                                  "tt_cuda_backend_create: negative device index");
        return TT_ERR_INVALID_ARG;
    }
    ttc_ctx *c = (ttc_ctx *)calloc(1, sizeof(ttc_ctx));
    if (!c) return TT_ERR_OUT_OF_MEMORY;
    c->device = device;
    c->tf32 = opt ? opt->tf32 != 0 : 0;
    c->ws_bytes = opt && opt->workspace_bytes ? opt->workspace_bytes : TTC_DEFAULT_WS;
    if (opt) c->log = opt->logger;
    snprintf(c->name, sizeof(c->name), "cuda:%d", device);
    tt_status st = ttc_setup(c, opt);
    if (st != TT_OK) {
        ttc_release(c);
        return st;
    }
    out->api_version = TT_BACKEND_API_VERSION;
    out->name = c->name;
    out->ctx = c;
    out->alloc = ttc_alloc;
    out->free = ttc_free;
    out->upload = ttc_upload;
    out->download = ttc_download;
    out->zero = ttc_zero;
    out->copy = ttc_copy;
    out->sync = ttc_sync;
    out->gemm = ttc_gemm;
    out->embed_fwd = ttc_embed_fwd;
    out->embed_bwd = ttc_embed_bwd;
    out->layernorm_fwd = ttc_layernorm_fwd;
    out->layernorm_bwd = ttc_layernorm_bwd;
    out->attention_fwd = ttc_attention_fwd;
    out->attention_bwd = ttc_attention_bwd;
    out->attention_cached = ttc_attention_cached;
    out->lm_head = ttc_lm_head;
    out->param_stats = ttc_param_stats;
    out->adamw = ttc_adamw;
    out->gelu_fwd = ttc_gelu_fwd;
    return TT_OK;
}

extern "C" void tt_cuda_backend_destroy(tt_backend *b) {
    if (!b || !b->ctx) return;
    ttc_release((ttc_ctx *)b->ctx);
    memset(b, 0, sizeof(*b));
}

extern "C" tt_status tt_cuda_device_info_get(int device, tt_cuda_device_info *out) {
    if (!out) return TT_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return TT_ERR_BACKEND;
    if (device < 0 || device >= n) return TT_ERR_INVALID_ARG;
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, device) != cudaSuccess) return TT_ERR_BACKEND;
    snprintf(out->name, sizeof(out->name), "%.*s", (int)sizeof(p.name), p.name);
    out->sm_count = p.multiProcessorCount;
    out->cc_major = p.major;
    out->cc_minor = p.minor;
    out->total_mem = p.totalGlobalMem;
    return TT_OK;
}
