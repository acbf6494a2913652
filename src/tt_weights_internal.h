/* >>weights_internal  private declarations shared by the weight-format files:
 * tt_safetensors.c (Hugging Face safetensors, and the helpers the others
 * use), tt_llmc.c (llm.c .bin) and tt_infer.c (a model from any checkpoint).
 * They see the model only through tt__model_shape (tt_internal.h). */
#ifndef TT_WEIGHTS_INTERNAL_H
#define TT_WEIGHTS_INTERNAL_H
#include "tt_internal.h"

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
