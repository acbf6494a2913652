/* >>alloc  allocator plumbing and memory plans */
#include "tt_internal.h"

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
