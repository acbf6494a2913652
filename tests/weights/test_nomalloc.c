/* Under TT_NO_MALLOC (and TT_NO_STDIO): an inference-only model and its
 * generator live in caller buffers; safetensors weights load from a memory
 * tt_io with a caller arena for the load temporaries; generation from the
 * loaded model equals generation from the model that saved them. Also
 * compiles as C++. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

/* a stack arena: blocks are freed in reverse order of allocation */
static unsigned char arena[4 << 20];
static size_t arena_top = 0, saved_top[16];
static void *saved_ptr[16];
static int depth = 0;
static void *bump_alloc(void *u, size_t size, size_t align) {
    size_t at = (arena_top + align - 1) & ~(align - 1);
    (void)u;
    if (at + size > sizeof(arena) || depth == 16) return NULL;
    saved_top[depth] = arena_top;
    saved_ptr[depth++] = arena + at;
    arena_top = at + size;
    return arena + at;
}
static void bump_free(void *u, void *p, size_t size) {
    (void)u; (void)size;
    if (depth > 0 && saved_ptr[depth - 1] == p) arena_top = saved_top[--depth];
}

typedef struct mem { unsigned char *p; size_t n, cap, pos; } mem;
static size_t m_write(void *u, const void *b, size_t n) {
    mem *m = (mem *)u;
    if (m->n + n > m->cap) return 0;
    memcpy(m->p + m->n, b, n); m->n += n;
    return n;
}
static size_t m_read(void *u, void *b, size_t n) {
    mem *m = (mem *)u;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(b, m->p + m->pos, k); m->pos += k;
    return k;
}

static unsigned char model_a[8 << 20], model_b[8 << 20], gen_a[1 << 20], gen_b[1 << 20], file[1 << 20];

static int generate(tt_model *m, unsigned char *buf, size_t n, int32_t *out) {
    tt_generator *g = NULL;
    tt_sample_config sc;
    int32_t prompt[3] = { 1, 2, 3 };
    int got = 0;
    size_t need = 0;
    CHECK(tt_generator_memory_size(m, &need) == TT_OK && need <= n);
    if (tt_generator_create_in(m, buf, n, &g) != TT_OK) { CHECK(0); return 0; }
    memset(&sc, 0, sizeof(sc));
    sc.top_k = 20; sc.seed = 42;
    CHECK(tt_generate(g, prompt, 3, &sc, out, 50, &got) == TT_OK);
    tt_generator_destroy(g);
    return got;
}

int main(void) {
    tt_model_config c;
    tt_model *a = NULL, *b = NULL, *x = NULL;
    mem f;
    tt_io io;
    int32_t ga[50], gb[50];
    int na, nb;
    memset(&c, 0, sizeof(c));
    c.vocab_size = 90; c.n_ctx = 32; c.n_layer = 2; c.n_head = 2; c.d_model = 32; c.inference_only = 1;
    CHECK(tt_model_create(&c, &x) == TT_ERR_INVALID_ARG && x == NULL); /* no malloc in this build */
    {
        size_t need = 0;
        CHECK(tt_model_memory_size(&c, &need) == TT_OK && need <= sizeof(model_a));
    }
    CHECK(tt_model_create_in(&c, model_a, sizeof(model_a), &a) == TT_OK);
    c.seed = 999;
    c.allocator.alloc = bump_alloc; c.allocator.free = bump_free;
    CHECK(tt_model_create_in(&c, model_b, sizeof(model_b), &b) == TT_OK);
    if (!a || !b) return 1;
    f.p = file; f.n = 0; f.cap = sizeof(file); f.pos = 0;
    io.read = m_read; io.write = m_write; io.user = &f;
    CHECK(tt_model_save_safetensors(&io, a, TT_DTYPE_F32) == TT_OK);
    na = generate(a, gen_a, sizeof(gen_a), ga);
    nb = generate(b, gen_b, sizeof(gen_b), gb);
    CHECK(na == 50 && nb == 50 && memcmp(ga, gb, sizeof(ga)) != 0); /* different weights, different text */
    CHECK(tt_model_load_safetensors(&io, b) == TT_OK);
    if (arena_top != 0) printf("arena_top %lu\n", (unsigned long)arena_top);
    CHECK(arena_top == 0); /* temporaries released */
    CHECK(memcmp(tt_model_params(a), tt_model_params(b), tt_model_num_params(a) * sizeof(float)) == 0);
    nb = generate(b, gen_b, sizeof(gen_b), gb);
    CHECK(nb == 50 && memcmp(ga, gb, sizeof(ga)) == 0);
    tt_model_destroy(a);
    tt_model_destroy(b);
    if (failures) { printf("test_nomalloc: %d failures\n", failures); return 1; }
    printf("test_nomalloc: inference-only model, safetensors load and generation without malloc: passed\n");
    return 0;
}
