/* tests/core/cfg_prog.c -- the program tools/check_configs.sh builds under
 * each configuration of the build matrix. Trains a tiny model 8 steps and
 * checks the loss is finite and falls. Adapts to the configuration macros:
 *   TT_NO_MALLOC   builds with tt_model_create_in in a static buffer; checks
 *                  tt_model_create without an allocator fails cleanly and
 *                  (with -Wl,--wrap=malloc,...) that malloc is never called
 *   TT_NO_THREADS  n_threads 4 is clamped to 1; a user parallel_for works
 *   TT_NO_ERROR_STRINGS  tt_strerror gives code names
 *   CFG_CUSTOM_MALLOC    TT_MALLOC/TT_FREE defined by this program
 *   CFG_SPLIT      the implementation lives in another object (impl.c)
 *   CFG_STATIC_PAIR  also links cfg_static_a.c, a TINYTRAIN_STATIC copy, and
 *                  compares its loss with this copy's
 * Exit status 0 = pass. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

#ifdef CFG_CUSTOM_MALLOC
#include <stdlib.h>
static long custom_allocs = 0, custom_live = 0;
/* over-allocate and keep the raw pointer just below the aligned block */
static void *custom_malloc(size_t size, size_t align) {
    unsigned char *raw, *p;
    if (align < sizeof(void *)) align = sizeof(void *);
    custom_allocs++;
    raw = (unsigned char *)malloc(size + align + sizeof(void *));
    if (!raw) return NULL;
    p = (unsigned char *)(((uintptr_t)(raw + sizeof(void *)) + align - 1) & ~(uintptr_t)(align - 1));
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    custom_live++;
    return p;
}
static void custom_free(void *p, size_t size) {
    void *raw;
    (void)size;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
    custom_live--;
    free(raw);
}
#define TT_MALLOC(sz, al) custom_malloc((sz), (al))
#define TT_FREE(p, sz) custom_free((p), (sz))
#endif

#ifndef CFG_SPLIT
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"

#ifdef __cplusplus
#  define ZERO_INIT {}
#else
#  define ZERO_INIT {0}
#endif

#define B 2
#define T 12

#ifdef CFG_WRAP_MALLOC
/* linked with -Wl,--wrap=malloc,...: every call from our objects lands here */
#ifdef __cplusplus
extern "C" {
#endif
static long wrapped_calls = 0;
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
int   __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void  __wrap_free(void *p);
void *__wrap_malloc(size_t n) { (void)n; wrapped_calls++; return NULL; }
void *__wrap_calloc(size_t a, size_t b) { (void)a; (void)b; wrapped_calls++; return NULL; }
void *__wrap_realloc(void *p, size_t n) { (void)p; (void)n; wrapped_calls++; return NULL; }
int   __wrap_posix_memalign(void **p, size_t a, size_t n) { (void)p; (void)a; (void)n; wrapped_calls++; return 12; }
void *__wrap_aligned_alloc(size_t a, size_t n) { (void)a; (void)n; wrapped_calls++; return NULL; }
void  __wrap_free(void *p) { if (p) wrapped_calls++; }
#ifdef __cplusplus
}
#endif
#endif

#ifdef CFG_STATIC_PAIR
#ifdef __cplusplus
extern "C"
#endif
float static_side_loss(void);
#endif

static int user_pf_calls = 0;
static void user_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    int i;
    (void)pool;
    user_pf_calls++;
    for (i = 0; i < n; i++) task(arg, i);
}

#ifdef TT_NO_MALLOC
static unsigned char arena[32u << 20]; /* SIMD GEMM scratch is ~4.5 MB per thread slot */
#endif

static int fail(const char *what, tt_status st) {
    printf("FAIL: %s: %d (%s)\n", what, (int)st, tt_strerror(st));
    return 1;
}

static int run(int n_threads, int user_pool, float *first_loss) {
    tt_model_config cfg = ZERO_INIT;
    tt_adamw_config opt = ZERO_INIT;
    tt_model *m = NULL;
    int32_t tok[B * T], tgt[B * T];
    float loss = 0.0f, first = 0.0f;
    int i, step;
    tt_status st;
    for (i = 0; i < B * T; i++) { tok[i] = (int32_t)((i * 5 + 1) % 23); tgt[i] = (int32_t)((tok[i] * 3 + 2) % 23); }
    cfg.vocab_size = 23; cfg.n_ctx = T; cfg.n_layer = 1; cfg.n_head = 2; cfg.d_model = 16;
    cfg.max_batch = B; cfg.n_threads = n_threads;
    if (user_pool) cfg.parallel.parallel_for = user_parallel_for;
#ifdef TT_NO_MALLOC
    {
        size_t need = 0;
        tt_model *none = NULL;
        st = tt_model_create(&cfg, &none); /* no allocator and no malloc: refused */
        if (st == TT_OK || none != NULL) { printf("FAIL: tt_model_create without malloc succeeded\n"); return 1; }
        st = tt_model_memory_size(&cfg, &need);
        if (st != TT_OK) return fail("memory_size", st);
        if (need > sizeof(arena)) { printf("FAIL: arena too small (%lu)\n", (unsigned long)need); return 1; }
        st = tt_model_create_in(&cfg, arena, sizeof(arena), &m);
        if (st != TT_OK) return fail("create_in", st);
    }
#else
    st = tt_model_create(&cfg, &m);
    if (st != TT_OK) return fail("create", st);
#endif
    {
        tt_model_config r = tt_model_get_config(m);
#ifdef TT_NO_THREADS
        if (!user_pool && r.n_threads != 1) { printf("FAIL: n_threads %d under TT_NO_THREADS\n", (int)r.n_threads); return 1; }
#endif
        (void)r;
    }
    opt.lr = 1e-2f;
    opt.grad_clip = 1.0f;
    opt.weight_decay = 0.01f;
    for (step = 0; step < 8; step++) {
        st = tt_model_forward(m, tok, tgt, B, T, &loss);
        if (st == TT_OK) st = tt_model_backward(m, 1.0f);
        if (st == TT_OK) st = tt_adamw_step(m, &opt, NULL);
        if (st != TT_OK) { tt_model_destroy(m); return fail("train step", st); }
        if (step == 0) first = loss;
    }
    tt_model_destroy(m);
    if (!(loss == loss) || !(loss < first)) { printf("FAIL: loss %f -> %f\n", first, loss); return 1; }
    if (user_pool && user_pf_calls == 0) { printf("FAIL: user parallel_for never called\n"); return 1; }
    if (first_loss) *first_loss = first;
    printf("  threads=%d user_pool=%d: loss %.4f -> %.4f\n", n_threads, user_pool, first, loss);
    return 0;
}

int main(void) {
    float l1 = 0.0f, l2 = 0.0f;
    if (run(1, 0, &l1)) return 1;
    if (run(4, 0, &l2)) return 1;
    if (l1 != l2) { printf("FAIL: first loss differs with threads\n"); return 1; }
    if (run(3, 1, NULL)) return 1;
#ifdef TT_NO_ERROR_STRINGS
    if (strcmp(tt_strerror(TT_ERR_SHAPE), "TT_ERR_SHAPE") != 0) { printf("FAIL: tt_strerror %s\n", tt_strerror(TT_ERR_SHAPE)); return 1; }
#endif
#ifdef CFG_STATIC_PAIR
    {
        float ls = static_side_loss();
        if (ls != l1) { printf("FAIL: static copy loss %.9g, extern copy %.9g\n", ls, l1); return 1; }
    }
#endif
#ifdef CFG_CUSTOM_MALLOC
    if (custom_allocs == 0 || custom_live != 0) { printf("FAIL: TT_MALLOC used %ld times, %ld live\n", custom_allocs, custom_live); return 1; }
#endif
#ifdef CFG_WRAP_MALLOC
    if (wrapped_calls != 0) { printf("FAIL: malloc family called %ld times under TT_NO_MALLOC\n", wrapped_calls); return 1; }
#endif
    printf("ok: simd width %d, version %s\n", tt_simd_width(), tt_version_string());
    return 0;
}
