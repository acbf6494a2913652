/* tests/core/tt_test.h -- small helpers shared by the core tests: checks,
 * zero-initialisation that is valid C and C++, and a counting allocator
 * that can be told to fail on its Nth call. Include after tinytrain.h. */
#ifndef TT_TEST_H
#define TT_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#ifdef __cplusplus
#  define TT_ZERO {}
#else
#  define TT_ZERO {0}
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define TEST_UNUSED __attribute__((unused))
#else
#  define TEST_UNUSED
#endif

static int tt_test_failures = 0;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    tt_test_failures++; } } while (0)

#define CHECK_STATUS(expr, want) do { tt_status got_ = (expr); \
    if (got_ != (want)) { \
        fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__, __LINE__, #expr, \
                (int)got_, tt_strerror(got_), (int)(want), tt_strerror(want)); \
        tt_test_failures++; } } while (0)

#define REQUIRE_OK(expr) do { tt_status got_ = (expr); \
    if (got_ != TT_OK) { \
        fprintf(stderr, "%s:%d: %s failed: %d (%s)\n", __FILE__, __LINE__, #expr, (int)got_, \
                tt_strerror(got_)); \
        exit(1); } } while (0)

/* ---- test allocator: counts live blocks and bytes, checks sizes on free,
 * fails the call whose 0-based index is fail_at (-1 = never). ---- */
#define TA_MAX_BLOCKS 256
typedef struct test_alloc {
    long calls;            /* alloc calls so far */
    long fail_at;          /* index of the call that returns NULL, -1 never */
    long live;             /* blocks not yet freed */
    long frees;
    long bad_frees;        /* unknown pointer or wrong size */
    long bad_align;        /* align not a power of two */
    size_t live_bytes, peak_bytes;
    void  *ptr[TA_MAX_BLOCKS];
    void  *raw[TA_MAX_BLOCKS];
    size_t size[TA_MAX_BLOCKS];
} test_alloc;

static TEST_UNUSED void *test_alloc_fn(void *user, size_t size, size_t align) {
    test_alloc *ta = (test_alloc *)user;
    long idx = ta->calls++;
    int slot;
    unsigned char *raw, *p;
    if (idx == ta->fail_at) return NULL;
    if (align == 0 || (align & (align - 1)) != 0) { ta->bad_align++; return NULL; }
    for (slot = 0; slot < TA_MAX_BLOCKS; slot++) if (!ta->ptr[slot]) break;
    if (slot == TA_MAX_BLOCKS) return NULL;
    raw = (unsigned char *)malloc(size + align);
    if (!raw) return NULL;
    p = (unsigned char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    memset(p, 0xA5, size); /* the library must not rely on zeroed memory */
    ta->ptr[slot] = p; ta->raw[slot] = raw; ta->size[slot] = size;
    ta->live++;
    ta->live_bytes += size;
    if (ta->live_bytes > ta->peak_bytes) ta->peak_bytes = ta->live_bytes;
    return p;
}

static TEST_UNUSED void test_free_fn(void *user, void *ptr, size_t size) {
    test_alloc *ta = (test_alloc *)user;
    int slot;
    ta->frees++;
    for (slot = 0; slot < TA_MAX_BLOCKS; slot++) if (ptr && ta->ptr[slot] == ptr) break;
    if (slot == TA_MAX_BLOCKS) { ta->bad_frees++; return; }
    if (ta->size[slot] != size) ta->bad_frees++;
    free(ta->raw[slot]);
    ta->ptr[slot] = NULL;
    ta->live--;
    ta->live_bytes -= ta->size[slot];
}

static TEST_UNUSED tt_allocator test_allocator(test_alloc *ta, long fail_at) {
    tt_allocator a;
    memset(ta, 0, sizeof(*ta));
    ta->fail_at = fail_at;
    a.alloc = test_alloc_fn;
    a.free = test_free_fn;
    a.user = ta;
    return a;
}

/* deterministic token streams independent of the library's RNG */
static TEST_UNUSED uint32_t test_rand(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

static TEST_UNUSED int test_finish(const char *name) {
    if (tt_test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, tt_test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}
#endif
