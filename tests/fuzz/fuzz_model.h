/* shared pieces of the model-file and token-file fuzz targets
 * (tests/fuzz/): a tiny model shape (the seeds of make_model_seeds.c use
 * it), tt_io over memory, and a CRC of everything a failed load must leave
 * unchanged */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H
#include "fuzz_util.h"
#include <unistd.h>

/* V=32, n_ctx=4, L=1, NH=1, C=4: about 400 parameters, so a whole
 * checkpoint (plus a small tokenizer) stays under libFuzzer's -max_len */
static __attribute__((unused)) tt_model_config fuzz_tiny_config(void) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = 32; c.n_ctx = 4; c.n_layer = 1; c.n_head = 1; c.d_model = 4; c.max_batch = 1; c.seed = 7;
    return c;
}

typedef struct fuzz_rd { const uint8_t *p; size_t n, pos; } fuzz_rd;
static __attribute__((unused)) size_t fuzz_rd_read(void *u, void *buf, size_t n) {
    fuzz_rd *m = (fuzz_rd *)u;
    if (n > m->n - m->pos) n = m->n - m->pos;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return n;
}
/* a tt_io reading data[0..size) */
static __attribute__((unused)) tt_io fuzz_mem_io(fuzz_rd *m, const uint8_t *data, size_t size) {
    tt_io io;
    m->p = data; m->n = size; m->pos = 0;
    memset(&io, 0, sizeof(io));
    io.read = fuzz_rd_read; io.user = m;
    return io;
}

/* a write callback that keeps only the byte count */
static __attribute__((unused)) size_t fuzz_count_write(void *u, const void *buf, size_t n) {
    (void)buf;
    *(uint64_t *)u += n;
    return n;
}

/* CRC of parameters, AdamW m and v, and the step */
static __attribute__((unused)) uint32_t fuzz_model_crc(tt_model *m) {
    size_t P = tt_model_num_params(m);
    uint64_t s = tt_model_step(m);
    uint32_t c = tt_crc32(0, tt_model_params(m), P * sizeof(float));
    if (tt_model_adam_m(m)) c = tt_crc32(c, tt_model_adam_m(m), P * sizeof(float));
    if (tt_model_adam_v(m)) c = tt_crc32(c, tt_model_adam_v(m), P * sizeof(float));
    return tt_crc32(c, &s, sizeof(s));
}

static __attribute__((unused)) void fuzz_put_u32(uint8_t *p, uint32_t v) {
    int i;
    for (i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static __attribute__((unused)) uint64_t fuzz_get_u64(const uint8_t *p) {
    return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}

/* write data to a file private to this process (tmpfs when there is one);
 * returns its path */
static __attribute__((unused)) const char *fuzz_temp_file(const uint8_t *data, size_t size) {
    static char path[256];
    FILE *f;
    if (!path[0]) {
        const char *d = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof(path), "%s/tt_fuzz_%ld.bin", d, (long)getpid());
    }
    f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(fwrite(data, 1, size, f) == size);
    FUZZ_ASSERT(fclose(f) == 0);
    return path;
}
#endif
