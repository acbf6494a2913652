/* examples/train_mpi.c -- data parallel training with tinytrain.h on MPI
 * (Open MPI, MPICH): one process per rank, each with the whole model and
 * 1/size of every batch. The library knows nothing of MPI: this file fills
 * its tt_comm hook (a fixed-order sum, so results do not depend on how a
 * batch is split across ranks), shards the loader by rank, and saves
 * checkpoints from rank 0.
 *
 * Build: mpicc -O2 -march=native -std=c99 -I. examples/train_mpi.c -o train_mpi -lm -lpthread
 *        (or `make build/train_mpi`)
 * Run:   mpirun -np 4 ./train_mpi --text corpus.txt --batch 16 --steps 200
 *        (--text: bytes are the tokens, vocab 256; --tokens: a token file)
 * Flags: ./train_mpi --help. Output: one line per step from rank 0 (the
 * loss, as every rank's mean, with its bits), then the parameters' CRC32. */
#define _XOPEN_SOURCE 700
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"

#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tt_comm hook on MPI -------------------------------------------- */
typedef struct mpi_ctx {
    MPI_Comm comm;
    int rank, size;
    float *scratch;        /* bucket_floats + size floats */
    int *cnt, *dsp, *rcnt, *rdsp;
} mpi_ctx;

/* sum in rank order: rank j gathers part j of every rank's x (alltoall),
 * sums x_0 + x_1 + ... left to right, then every part goes to every rank
 * (allgather). 2 (size-1)/size * n floats sent per rank, like a ring. */
static int mpi_allreduce_sum(void *user, float *x, size_t n) {
    mpi_ctx *c = (mpi_ctx *)user;
    int j, S = c->size, len;
    size_t e, lo;
    if (S == 1) return 0;
    for (j = 0; j < S; j++) {
        size_t a = n * (size_t)j / (size_t)S, b = n * (size_t)(j + 1) / (size_t)S;
        c->cnt[j] = (int)(b - a);
        c->dsp[j] = (int)a;
    }
    len = c->cnt[c->rank];
    lo = (size_t)c->dsp[c->rank];
    for (j = 0; j < S; j++) { c->rcnt[j] = len; c->rdsp[j] = j * len; }
    if (MPI_Alltoallv(x, c->cnt, c->dsp, MPI_FLOAT, c->scratch, c->rcnt, c->rdsp, MPI_FLOAT, c->comm) != MPI_SUCCESS)
        return 1;
    for (e = 0; e < (size_t)len; e++) {
        float s = c->scratch[e];
        for (j = 1; j < S; j++) s += c->scratch[(size_t)j * (size_t)len + e];
        x[lo + e] = s;
    }
    return MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x, c->cnt, c->dsp, MPI_FLOAT, c->comm) != MPI_SUCCESS;
}
static int mpi_broadcast(void *user, void *buf, size_t bytes, int root) {
    mpi_ctx *c = (mpi_ctx *)user;
    return MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, c->comm) != MPI_SUCCESS; /* bytes <= 4 * bucket */
}
static int mpi_barrier(void *user) { return MPI_Barrier(((mpi_ctx *)user)->comm) != MPI_SUCCESS; }

/* ---- options ------------------------------------------------------------- */
typedef struct options {
    const char *text, *tokens, *ckpt;
    int layers, d_model, heads, ctx, batch, accum, steps, warmup, threads, zero1, seed, vocab;
    int ckpt_every, resume, die_at, die_rank, quiet, inexact;
    long bucket;
    double lr, clip, wd;
} options;

static void usage(void) {
    printf("usage: mpirun -np N train_mpi (--text FILE | --tokens FILE) [flags]\n"
           "  --layers N --d-model N --heads N --ctx N   model (2, 64, 4, 32)\n"
           "  --vocab N      with --text: model vocabulary (>= 256; e.g. 50257 for GPT-2 shapes)\n"
           "  --batch N      global rows per step, split over ranks and --accum (8)\n"
           "  --accum N      micro-batches per rank per step (1)\n"
           "  --steps N --lr X --warmup N --clip X --wd X --seed N   (20, 3e-3, 2, 1, 0.1, 1337)\n"
           "  --threads N    threads per rank (1)\n"
           "  --zero1        ZeRO-1: AdamW moments sharded over ranks\n"
           "  --bucket N     floats per allreduce call (0 = library default)\n"
           "  --ckpt PATH --ckpt-every N --resume   checkpoint (rank 0 writes)\n"
           "  --die-at-step N --die-rank R          test: rank R kills itself at step N\n"
           "  --accum-inexact  accumulate inside the backward GEMMs (accum_exact = 0: less memory,\n"
           "                 no longer bitwise equal to the same micro-batches on more ranks)\n"
           "  --quiet        no per-step lines\n");
}

static int parse(int argc, char **argv, options *o) {
    int i;
    memset(o, 0, sizeof(*o));
    o->layers = 2; o->d_model = 64; o->heads = 4; o->ctx = 32; o->batch = 8; o->accum = 1; o->steps = 20;
    o->warmup = 2; o->threads = 1; o->seed = 1337; o->lr = 3e-3; o->clip = 1.0; o->wd = 0.1; o->die_rank = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define INT_OPT(name, field) if (!strcmp(a, name) && v) { o->field = atoi(v); i++; continue; }
#define DBL_OPT(name, field) if (!strcmp(a, name) && v) { o->field = atof(v); i++; continue; }
#define STR_OPT(name, field) if (!strcmp(a, name) && v) { o->field = v; i++; continue; }
        INT_OPT("--layers", layers) INT_OPT("--d-model", d_model) INT_OPT("--heads", heads) INT_OPT("--ctx", ctx)
        INT_OPT("--batch", batch) INT_OPT("--accum", accum) INT_OPT("--steps", steps) INT_OPT("--warmup", warmup)
        INT_OPT("--threads", threads) INT_OPT("--seed", seed) INT_OPT("--vocab", vocab) INT_OPT("--ckpt-every", ckpt_every)
        INT_OPT("--die-at-step", die_at) INT_OPT("--die-rank", die_rank)
        DBL_OPT("--lr", lr) DBL_OPT("--clip", clip) DBL_OPT("--wd", wd)
        STR_OPT("--text", text) STR_OPT("--tokens", tokens) STR_OPT("--ckpt", ckpt)
        if (!strcmp(a, "--bucket") && v) { o->bucket = atol(v); i++; continue; }
        if (!strcmp(a, "--zero1")) { o->zero1 = 1; continue; }
        if (!strcmp(a, "--resume")) { o->resume = 1; continue; }
        if (!strcmp(a, "--quiet")) { o->quiet = 1; continue; }
        if (!strcmp(a, "--accum-inexact")) { o->inexact = 1; continue; }
        if (!strcmp(a, "--help")) { usage(); return 1; }
        fprintf(stderr, "train_mpi: unknown flag or missing value: %s (see --help)\n", a);
        return 2;
    }
    if (!o->text == !o->tokens) { fprintf(stderr, "train_mpi: give one of --text or --tokens\n"); return 2; }
    return 0;
}

/* --text: the file's bytes are the ids (vocab 256) */
static int32_t *read_text(const char *path, uint64_t *n) {
    FILE *f = fopen(path, "rb");
    long sz;
    int32_t *ids = NULL;
    unsigned char *raw;
    uint64_t i;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (raw = (unsigned char *)malloc((size_t)sz)) != NULL) {
        if (fread(raw, 1, (size_t)sz, f) == (size_t)sz && (ids = (int32_t *)malloc((size_t)sz * 4)) != NULL) {
            for (i = 0; i < (uint64_t)sz; i++) ids[i] = raw[i];
            *n = (uint64_t)sz;
        }
        free(raw);
    }
    fclose(f);
    return ids;
}

static void log_rank(void *user, int level, tt_status code, const char *msg) {
    fprintf(stderr, "rank %d: tinytrain %s: %s (%s)\n", *(int *)user, level == TT_LOG_ERROR ? "error" : "note",
            msg ? msg : "", tt_strerror(code));
}

static size_t file_read(void *user, void *buf, size_t n) { return fread(buf, 1, n, (FILE *)user); }
static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

int main(int argc, char **argv) {
    options o;
    mpi_ctx mc;
    tt_model_config cfg;
    tt_model *model = NULL;
    tt_loader_config lc;
    tt_loader *loader = NULL;
    tt_adamw_config opt;
    tt_checkpoint_state cks;
    int32_t *ids = NULL, *in = NULL, *tg = NULL, V = 256;
    uint64_t n_ids = 0;
    int rank, size, b, step, start = 0, a, rc = 1, pr;
    size_t bucket;
    double t_fb = 0, t_opt = 0, t0, t_all;
    tt_status st = TT_OK;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* errors come back as codes: a dead peer ends the run with a message, not a hang */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    pr = parse(argc, argv, &o);
    if (pr) { MPI_Finalize(); return pr == 1 ? 0 : 2; }
    if (o.batch % (size * o.accum) != 0) {
        if (rank == 0) fprintf(stderr, "train_mpi: --batch %d is not a multiple of ranks (%d) x --accum (%d)\n", o.batch, size, o.accum);
        MPI_Finalize();
        return 2;
    }
    b = o.batch / (size * o.accum); /* rows per micro-batch on each rank */

    memset(&mc, 0, sizeof(mc));
    mc.comm = MPI_COMM_WORLD; mc.rank = rank; mc.size = size;
    bucket = o.bucket > 0 ? (size_t)o.bucket : (size_t)TT_COMM_DEFAULT_BUCKET;
    mc.scratch = (float *)malloc((bucket + (size_t)size) * sizeof(float));
    mc.cnt = (int *)malloc(4 * (size_t)size * sizeof(int));
    if (!mc.scratch || !mc.cnt) { fprintf(stderr, "rank %d: out of memory\n", rank); MPI_Abort(MPI_COMM_WORLD, 1); }
    mc.dsp = mc.cnt + size; mc.rcnt = mc.dsp + size; mc.rdsp = mc.rcnt + size;

    /* data: every rank reads it; the loader hands each its block of windows */
    if (o.text) { ids = read_text(o.text, &n_ids); if (o.vocab > 256) V = o.vocab; }
    else {
        tt_token_file_info info;
        FILE *f = fopen(o.tokens, "rb");
        tt_io io;
        io.read = NULL; io.write = NULL; io.user = f;
        if (f) {
            io.read = file_read;
            if (tt_tokens_read_header(&io, NULL, &info) == TT_OK &&
                (ids = (int32_t *)malloc((size_t)info.count * 4)) != NULL &&
                tt_tokens_read_ids(&io, &info, NULL, ids, info.count) == TT_OK) { n_ids = info.count; V = info.vocab_size; }
            else { free(ids); ids = NULL; }
            fclose(f);
        }
    }
    if (!ids) { fprintf(stderr, "rank %d: cannot read %s\n", rank, o.text ? o.text : o.tokens); MPI_Abort(MPI_COMM_WORLD, 1); }

    memset(&cfg, 0, sizeof(cfg));
    cfg.vocab_size = V; cfg.n_ctx = o.ctx; cfg.n_layer = o.layers; cfg.n_head = o.heads; cfg.d_model = o.d_model;
    cfg.max_batch = b; cfg.n_threads = o.threads; cfg.seed = (uint64_t)o.seed;
    cfg.logger.fn = log_rank; cfg.logger.user = &rank;
    cfg.comm.user = &mc; cfg.comm.rank = rank; cfg.comm.size = size; cfg.comm.bucket_floats = (int64_t)bucket;
    cfg.comm.allreduce_sum = mpi_allreduce_sum; cfg.comm.broadcast = mpi_broadcast; cfg.comm.barrier = mpi_barrier;
    cfg.zero1 = o.zero1;
    cfg.accum_exact = o.accum > 1 && !o.inexact; /* accumulation sums like the allreduce: see the contract in tinytrain.h */
    memset(&lc, 0, sizeof(lc));
    lc.batch = b; lc.seq_len = o.ctx; lc.no_val = 1; lc.seed = (uint64_t)o.seed;
    lc.shard_rank = rank; lc.shard_count = size;
    lc.logger = cfg.logger;
    in = (int32_t *)malloc((size_t)b * (size_t)o.ctx * 4);
    tg = (int32_t *)malloc((size_t)b * (size_t)o.ctx * 4);
    if (!in || !tg || tt_model_create(&cfg, &model) != TT_OK ||
        tt_loader_open_memory(ids, n_ids, V, &lc, &loader) != TT_OK) {
        fprintf(stderr, "rank %d: setup failed\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(&opt, 0, sizeof(opt));
    opt.lr = (float)o.lr; opt.warmup_steps = o.warmup; opt.schedule = TT_LR_COSINE; opt.total_steps = o.steps;
    opt.min_lr = (float)o.lr / 10; opt.weight_decay = (float)o.wd; opt.grad_clip = (float)o.clip;
    memset(&cks, 0, sizeof(cks));
    if (o.resume && o.ckpt) {
        /* every rank reads the file and keeps what it needs (its ZeRO-1 slice) */
        st = tt_checkpoint_load_file(o.ckpt, model, NULL, &cks, NULL);
        if (st == TT_OK && cks.user[0] != (uint64_t)o.batch) {
            fprintf(stderr, "rank %d: checkpoint was made with global batch %llu, not %d\n", rank,
                    (unsigned long long)cks.user[0], o.batch);
            st = TT_ERR_MISMATCH;
        }
        if (st == TT_OK) st = tt_loader_set_state(loader, &cks.loader);
        if (st != TT_OK) { fprintf(stderr, "rank %d: resume failed: %s\n", rank, tt_strerror(st)); MPI_Abort(MPI_COMM_WORLD, 1); }
        opt = cks.adamw;
        start = (int)tt_model_step(model);
    }
    if (rank == 0)
        printf("train_mpi: %d ranks x %d threads, global batch %d = %d ranks x %d micro-batches x %d rows of %d, "
               "%zu parameters, zero1 %d, from step %d\n", size, o.threads, o.batch, size, o.accum, b, o.ctx,
               tt_model_num_params(model), o.zero1, start);

    MPI_Barrier(MPI_COMM_WORLD);
    t_all = MPI_Wtime();
    for (step = start; step < o.steps && st == TT_OK; step++) {
        float loss = 0.0f, gs = 1.0f / (float)(o.accum * size);
        unsigned long long idsum = 0, idsum_all = 0;
        tt_step_stats ss;
        size_t k;
        if (step + 1 == o.die_at && rank == o.die_rank) raise(SIGKILL); /* the failure test */
        t0 = MPI_Wtime();
        for (a = 0; a < o.accum && st == TT_OK; a++) {
            float l = 0.0f;
            st = tt_loader_next(loader, in, tg);
            if (st == TT_OK) st = tt_model_forward_backward(model, in, tg, b, o.ctx, 1.0f / (float)o.accum, &l);
            loss += l * gs; /* this rank's share of the global mean, summed like the gradients */
            for (k = 0; k < (size_t)b * (size_t)o.ctx; k++) idsum += (unsigned long long)in[k];
        }
        t_fb += MPI_Wtime() - t0;
        if (st != TT_OK) break;
        t0 = MPI_Wtime();
        st = tt_adamw_step(model, &opt, &ss);
        if (st == TT_OK && mpi_allreduce_sum(&mc, &loss, 1) != 0) st = TT_ERR_COMM;
        if (st == TT_OK && MPI_Allreduce(&idsum, &idsum_all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            st = TT_ERR_COMM;
        t_opt += MPI_Wtime() - t0;
        if (st != TT_OK) break;
        if (rank == 0 && !o.quiet)
            printf("step %d loss %.6f bits %08x norm %.6f idsum %llu\n", step + 1, loss, (unsigned)f2u(loss),
                   ss.grad_norm, idsum_all);
        if (o.ckpt && o.ckpt_every > 0 && (step + 1) % o.ckpt_every == 0) {
            /* a collective: rank 0 writes, every rank gets its status */
            cks.adamw = opt; cks.has_loader = 1;
            tt_loader_get_state(loader, &cks.loader);
            cks.user[0] = (uint64_t)o.batch;
            st = tt_checkpoint_save_file(o.ckpt, model, NULL, &cks);
        }
        fflush(stdout);
    }
    t_all = MPI_Wtime() - t_all;
    if (st != TT_OK) {
        fprintf(stderr, "rank %d: stopped at step %d: %s\n", rank, step + 1, tt_strerror(st));
    } else {
        uint32_t crc = tt_crc32(0, tt_model_params(model), tt_model_num_params(model) * sizeof(float));
        if (rank == 0) {
            double tok = (double)(o.steps - start) * o.batch * o.ctx;
            printf("params crc32 %08x\n", (unsigned)crc);
            printf("time %.3fs for %d steps: %.1f tok/s (rank 0: forward+backward %.3fs, optimizer+comm %.3fs)\n", t_all,
                   o.steps - start, t_all > 0 ? tok / t_all : 0.0, t_fb, t_opt);
        }
        rc = 0;
    }
    fflush(stdout);
    tt_loader_close(loader);
    tt_model_destroy(model);
    free(in); free(tg); free(ids); free(mc.scratch); free(mc.cnt);
    if (rc != 0) MPI_Abort(MPI_COMM_WORLD, 1); /* the other ranks may be blocked in a collective */
    MPI_Finalize();
    return rc;
}
