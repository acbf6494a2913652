/* cuda_runtime.h -- a CPU emulation of the small part of CUDA that
 * examples/cuda/tt_cuda.cu uses, for tests on machines without a GPU
 * (make test-cuda-emu). Not NVIDIA's header: it is found first through
 * -Itests/cuda/emu when tt_cuda.cu is compiled as C++ by the host compiler.
 *
 * Model: one host thread. A launch runs its blocks one after another; the
 * threads of a block are coroutines (own stacks; switched by ucontext or,
 * on x86-64, by the small switch below) run round-robin, each until
 * it finishes or reaches __syncthreads / __syncwarp / a shuffle, which are
 * barriers over the live threads of the block or warp (a shuffle is: write,
 * warp barrier, read, warp barrier). Threads that wait at a barrier no other
 * live thread can reach make the emulator report a deadlock. When no thread
 * of block 0 reached a barrier, the other blocks of that launch run their
 * threads as plain calls one after another (fast path). __shared__
 * variables become function statics (one block at a time). Device memory is
 * host memory; streams are synchronous; cuBLAS (cublas_v2.h) is a reference
 * loop. What it checks: kernel logic and indexing, launch limits (1024
 * threads per block, grid y/z <= 65535, 48 KiB dynamic shared memory),
 * barrier use. What it cannot: timing, the memory model, real rounding of
 * GPU math functions, anything about performance. */
#ifndef TTEMU_CUDA_RUNTIME_H
#define TTEMU_CUDA_RUNTIME_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <algorithm>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorNoDevice = 100
} cudaError_t;
typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3
} cudaMemcpyKind;
typedef struct ttemu_stream *cudaStream_t;
#define cudaStreamNonBlocking 1u

/* ---- the block scheduler ---- */
/* Switching between threads: on x86-64, a small switch that saves only the
 * callee-saved registers and the SSE/x87 control words (ucontext's
 * swapcontext also makes a sigprocmask system call per switch, which made
 * the emulation several times slower); elsewhere, or with
 * -DTTEMU_UCONTEXT, ucontext. */
#if defined(__x86_64__) && !defined(TTEMU_UCONTEXT)
#define TTEMU_FAST_SWITCH 1
/* ttemu_switch(from, to): pushes rbp, rbx, r12-r15 and the MXCSR / x87
 * control words on the current stack, stores the stack pointer in *from,
 * loads `to` and pops the same from there */
extern "C" void ttemu_switch(void **from, void *to);
__asm__(".text\n"
        ".weak ttemu_switch\n"
        ".type ttemu_switch,@function\n"
        "ttemu_switch:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  subq $8, %rsp\n  stmxcsr (%rsp)\n  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n  fldcw 4(%rsp)\n  addq $8, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size ttemu_switch,.-ttemu_switch\n");
#endif
struct ttemu_lane {
    ucontext_t ctx;
    void *sp;       /* TTEMU_FAST_SWITCH: the saved stack pointer */
    int done, wait; /* wait: 0 running, 1 warp barrier, 2 block barrier */
    char *stack;
};
struct ttemu_state {
    dim3 grid, block;
    std::vector<ttemu_lane> lanes;
    std::vector<float> shfl;    /* one slot per thread */
    std::vector<float> dyn;     /* dynamic shared memory */
    ucontext_t sched;
    void *sched_sp;
    int cur;
    int direct;   /* run lanes as plain calls (block 0 reached no barrier) */
    int yielded;  /* a lane of this block waited at a barrier */
    cudaError_t last;
    void (*body)(void *);
    void *arg;
};
inline ttemu_state ttemu_g;
inline dim3 threadIdx, blockIdx, blockDim, gridDim;
#define TTEMU_STACK (64 * 1024)

inline void ttemu_yield(int wait) {
    if (ttemu_g.direct) {
        fprintf(stderr, "cuda emulation: a barrier in a block run directly (block 0 of this launch used none)\n");
        abort();
    }
    ttemu_lane &l = ttemu_g.lanes[ttemu_g.cur];
    ttemu_g.yielded = 1;
    l.wait = wait;
#ifdef TTEMU_FAST_SWITCH
    ttemu_switch(&l.sp, ttemu_g.sched_sp);
#else
    swapcontext(&l.ctx, &ttemu_g.sched);
#endif
}
inline void __syncthreads() { ttemu_yield(2); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { (void)mask; ttemu_yield(1); }
inline float __shfl_xor_sync(unsigned mask, float v, int o) {
    int t = ttemu_g.cur, base = t & ~31;
    ttemu_g.shfl[t] = v;
    __syncwarp(mask);
    float r = ttemu_g.shfl[base + ((t - base) ^ o)];
    __syncwarp(mask);
    return r;
}
inline float __shfl_sync(unsigned mask, float v, int src) {
    int t = ttemu_g.cur, base = t & ~31;
    ttemu_g.shfl[t] = v;
    __syncwarp(mask);
    float r = ttemu_g.shfl[base + src];
    __syncwarp(mask);
    return r;
}

inline void ttemu_trampoline(void) {
    ttemu_g.body(ttemu_g.arg);
    ttemu_g.lanes[ttemu_g.cur].done = 1;
#ifdef TTEMU_FAST_SWITCH
    ttemu_switch(&ttemu_g.lanes[ttemu_g.cur].sp, ttemu_g.sched_sp); /* never resumed */
    abort();
#endif
    /* returning resumes uc_link = the scheduler */
}

inline void ttemu_run_block(unsigned bx, unsigned by, unsigned bz) {
    ttemu_state &s = ttemu_g;
    int n = (int)(s.block.x * s.block.y * s.block.z), i, live;
    blockIdx = dim3(bx, by, bz);
    if (s.direct) { /* no coroutines: each thread runs to its end in turn */
        for (i = 0; i < n; i++) {
            s.cur = i;
            threadIdx = dim3((unsigned)i % s.block.x, ((unsigned)i / s.block.x) % s.block.y,
                             (unsigned)i / (s.block.x * s.block.y));
            s.body(s.arg);
        }
        return;
    }
    for (i = 0; i < n; i++) {
        ttemu_lane &l = s.lanes[i];
        l.done = 0; l.wait = 0;
#ifdef TTEMU_FAST_SWITCH
        {   /* a frame that ttemu_switch pops into ttemu_trampoline: control
             * words, six zero registers, the entry, a dummy return address
             * (at entry rsp = 8 mod 16, as after a call) */
            uintptr_t top = ((uintptr_t)l.stack + TTEMU_STACK) & ~(uintptr_t)15;
            uint64_t *sp = (uint64_t *)top;
            *--sp = 0;
            *--sp = (uint64_t)(uintptr_t)&ttemu_trampoline;
            for (int r = 0; r < 6; r++) *--sp = 0;
            *--sp = (uint64_t)0x1F80 | ((uint64_t)0x037F << 32); /* MXCSR default, x87 CW default */
            l.sp = sp;
        }
        continue;
#endif
        getcontext(&l.ctx);
        l.ctx.uc_stack.ss_sp = l.stack;
        l.ctx.uc_stack.ss_size = TTEMU_STACK;
        l.ctx.uc_link = &s.sched;
        makecontext(&l.ctx, ttemu_trampoline, 0);
    }
    std::fill(s.dyn.begin(), s.dyn.end(), nanf("")); /* shared memory starts undefined */
    for (;;) {
        int progressed = 0;
        for (i = 0; i < n; i++) {
            ttemu_lane &l = s.lanes[i];
            if (l.done || l.wait) continue;
            s.cur = i;
            threadIdx = dim3((unsigned)i % s.block.x, ((unsigned)i / s.block.x) % s.block.y,
                             (unsigned)i / (s.block.x * s.block.y));
#ifdef TTEMU_FAST_SWITCH
            ttemu_switch(&s.sched_sp, l.sp);
#else
            swapcontext(&s.sched, &l.ctx);
#endif
            progressed = 1;
        }
        live = 0;
        for (i = 0; i < n; i++) live += !s.lanes[i].done;
        if (!live) return;
        /* release a warp whose live lanes all wait at the warp barrier,
         * and the block when all its live lanes wait at __syncthreads */
        int released = 0, all_block = 1;
        for (int w = 0; w < n; w += 32) {
            int all = 1, any = 0;
            for (i = w; i < n && i < w + 32; i++) {
                if (s.lanes[i].done) continue;
                any = 1;
                if (s.lanes[i].wait != 1) all = 0;
            }
            if (any && all) {
                for (i = w; i < n && i < w + 32; i++) s.lanes[i].wait = 0;
                released = 1;
            }
        }
        for (i = 0; i < n; i++)
            if (!s.lanes[i].done && s.lanes[i].wait != 2) all_block = 0;
        if (all_block) {
            for (i = 0; i < n; i++) s.lanes[i].wait = 0;
            released = 1;
        }
        if (!released && !progressed) {
            fprintf(stderr, "cuda emulation: deadlock in block (%u,%u,%u): threads wait at barriers that "
                            "other live threads never reach\n", bx, by, bz);
            abort();
        }
    }
}

template <class F> void ttemu_call(void *f) { (*(F *)f)(); }

template <class F> void ttemu_launch(dim3 g, dim3 b, size_t smem, F f) {
    ttemu_state &s = ttemu_g;
    unsigned n = b.x * b.y * b.z;
    if (n == 0 || n > 1024 || g.x == 0 || g.y == 0 || g.z == 0 || g.y > 65535 || g.z > 65535 || smem > 48 * 1024) {
        s.last = cudaErrorInvalidConfiguration;
        return;
    }
    s.grid = g; s.block = b; gridDim = g; blockDim = b;
    if (s.lanes.size() < n) {
        size_t old = s.lanes.size();
        s.lanes.resize(n);
        for (size_t i = old; i < n; i++) s.lanes[i].stack = (char *)malloc(TTEMU_STACK);
    }
    s.shfl.assign(n, 0.0f);
    s.dyn.assign(smem / sizeof(float) + 1, 0.0f);
    s.body = ttemu_call<F>;
    s.arg = &f;
    /* block 0 runs as coroutines; if none of its threads reached a
     * barrier, the other blocks run as plain calls (much faster; a barrier
     * there after all stops the emulation with a message) */
    s.direct = 0;
    s.yielded = 0;
    for (unsigned z = 0; z < g.z; z++)
        for (unsigned y = 0; y < g.y; y++)
            for (unsigned x = 0; x < g.x; x++) {
                ttemu_run_block(x, y, z);
                if (!s.yielded) s.direct = 1;
            }
    s.direct = 0;
}
#define TTC_LAUNCH(kernel, grid, block, smem, stream, ...)                                      \
    ((void)(stream), ttemu_launch(dim3(grid), dim3(block), (size_t)(smem), [&]() { kernel(__VA_ARGS__); }))
#define TTC_DYN_SMEM(name) float *name = ttemu_g.dyn.data()

/* ---- device functions ---- */
inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
inline float __fdiv_rn(float a, float b) { volatile float r = a / b; return r; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }

/* ---- runtime API (synchronous; device memory is host memory) ---- */
inline const char *cudaGetErrorString(cudaError_t e) {
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorMemoryAllocation: return "out of memory (emulated)";
    case cudaErrorInvalidConfiguration: return "invalid launch configuration (emulated)";
    case cudaErrorNoDevice: return "no device (emulated)";
    default: return "invalid value (emulated)";
    }
}
inline cudaError_t cudaGetLastError(void) { cudaError_t e = ttemu_g.last; ttemu_g.last = cudaSuccess; return e; }
inline cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
struct cudaDeviceProp { /* the fields tt_cuda.cu reads */
    char name[256];
    size_t totalGlobalMem;
    int major, minor, multiProcessorCount;
};
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int d) {
    if (d != 0) return cudaErrorInvalidValue;
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "CPU emulation (tests/cuda/emu)");
    p->multiProcessorCount = 1;
    return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : cudaErrorInvalidValue; }
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned) {
    static int one;
    *s = (cudaStream_t)(void *)&one;
    return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaMalloc(void **p, size_t n) {
    /* 256-byte aligned, contents undefined (filled with a NaN pattern) */
    if (posix_memalign(p, 256, n ? n : 1) != 0) { *p = NULL; return cudaErrorMemoryAllocation; }
    memset(*p, 0xff, n);
    return cudaSuccess;
}
template <class T> cudaError_t cudaMalloc(T **p, size_t n) { return cudaMalloc((void **)p, n); }
inline cudaError_t cudaFree(void *p) { free(p); return cudaSuccess; }
inline cudaError_t cudaMallocHost(void **p, size_t n) { return cudaMalloc(p, n); }
inline cudaError_t cudaFreeHost(void *p) { free(p); return cudaSuccess; }
inline cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, cudaMemcpyKind, cudaStream_t) {
    memmove(d, s, n);
    return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void *d, int v, size_t n, cudaStream_t) { memset(d, v, n); return cudaSuccess; }
inline cudaError_t cudaMemcpy2DAsync(void *d, size_t dp, const void *s, size_t sp, size_t w, size_t h, cudaMemcpyKind,
                                     cudaStream_t) {
    if (w > dp || w > sp) return cudaErrorInvalidValue;
    for (size_t r = 0; r < h; r++) memmove((char *)d + r * dp, (const char *)s + r * sp, w);
    return cudaSuccess;
}

#endif
