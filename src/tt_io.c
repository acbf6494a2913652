/* >>io  CRC32, little-endian helpers, callback I/O, atomic file writes */
#include "tt_internal.h"

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
