/* examples/train.c -- the whole tinytrain.h pipeline as one program:
 * corpus -> BPE tokenizer -> token file -> batch loader -> GPT training
 * (AdamW, cosine schedule, clipping, accumulation) with evaluation,
 * checkpoints (also on Ctrl-C) and exact --resume, a CSV log, an SVG loss
 * curve, and a generated sample at the end.
 *
 * Build: cc -O2 -march=native -std=c99 -I. examples/train.c -o train -lm -lpthread
 *        (with the CUDA backend, --backend cuda: make train-cuda, which adds
 *        -DTT_WITH_CUDA -Iexamples/cuda and links examples/cuda/tt_cuda.o)
 * Run:   ./train --help
 * Uses the public API of tinytrain.h only; POSIX for directories, time,
 * signals and the terminal. */
#define _XOPEN_SOURCE 700
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#ifdef TT_WITH_CUDA
#include "tt_cuda.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

/* ---- options ---------------------------------------------------------------- */
typedef struct options {
    char  *corpus[64];
    int    n_corpus;
    char  *ext;
    double max_mb;
    int    vocab;
    int    layers, d_model, heads, ctx;
    int    batch, steps, accum, threads, warmup;
    double lr, min_lr, wd, clip, val_frac;
    int    seed;
    int    eval_every, eval_batches;
    char  *out, *ckpt, *log, *plot, *init;
    int    ckpt_every, resume, stop_at;
    char  *sample_prompt;
    int    sample_tokens, top_k;
    double temperature, top_p;
    int    help, overwrite;
    char  *backend;
    int    tf32;
    char  *precision;
    int    recompute;
    unsigned char given[64]; /* flags given on the command line, by opt_defs index */
} options;

enum { O_INT, O_DBL, O_STR, O_FLAG, O_LIST };
typedef struct opt_def { const char *name; int type; size_t off; const char *arg, *help; } opt_def;
#define OFF(f) offsetof(options, f)
static const opt_def opt_defs[] = {
    { "corpus", O_LIST, OFF(corpus), "PATH", "text file or directory (recursive); repeat for more. Default: a sample of /usr/include/**/*.h chosen by --seed" },
    { "ext", O_STR, OFF(ext), "SUFFIX", "only files ending in SUFFIX inside directories (\"\" = all; for --corpus directories only when given)" },
    { "max-mb", O_DBL, OFF(max_mb), "MB", "read at most MB megabytes (default corpus: files in an order shuffled by --seed; --corpus paths: the first by path)" },
    { "vocab", O_INT, OFF(vocab), "N", "BPE vocabulary size (256 bytes + merges)" },
    { "layers", O_INT, OFF(layers), "N", "transformer layers" },
    { "d-model", O_INT, OFF(d_model), "N", "model width C" },
    { "heads", O_INT, OFF(heads), "N", "attention heads (must divide d-model)" },
    { "ctx", O_INT, OFF(ctx), "N", "context length n_ctx (= training sequence length T)" },
    { "batch", O_INT, OFF(batch), "N", "sequences per micro-batch B" },
    { "steps", O_INT, OFF(steps), "N", "optimizer steps (the cosine schedule ends here)" },
    { "lr", O_DBL, OFF(lr), "X", "peak learning rate" },
    { "min-lr", O_DBL, OFF(min_lr), "X", "learning rate at the end of the cosine" },
    { "warmup", O_INT, OFF(warmup), "N", "linear warmup steps (-1 = steps/20)" },
    { "wd", O_DBL, OFF(wd), "X", "AdamW weight decay (matrices only)" },
    { "clip", O_DBL, OFF(clip), "X", "clip the global gradient norm to X (0 = off)" },
    { "accum", O_INT, OFF(accum), "N", "micro-batches accumulated per step" },
    { "threads", O_INT, OFF(threads), "N", "threads (default: online CPUs)" },
    { "seed", O_INT, OFF(seed), "N", "seed for init, data order and sampling" },
    { "val-frac", O_DBL, OFF(val_frac), "X", "fraction of tokens held out for validation (the end of the corpus; 0 = none)" },
    { "eval-every", O_INT, OFF(eval_every), "N", "validation loss every N steps (0 = steps/10)" },
    { "eval-batches", O_INT, OFF(eval_batches), "N", "validation batches per evaluation" },
    { "out", O_STR, OFF(out), "DIR", "output directory (created if missing)" },
    { "ckpt", O_STR, OFF(ckpt), "PATH", "checkpoint file (default: DIR/checkpoint.ttck)" },
    { "ckpt-every", O_INT, OFF(ckpt_every), "N", "save a checkpoint every N steps (0 = only at the end / Ctrl-C)" },
    { "init", O_STR, OFF(init), "FILE", "start from these weights: safetensors (Hugging Face GPT-2) or llm.c .bin; flags and vocab must match it" },
    { "resume", O_FLAG, OFF(resume), NULL, "continue from the checkpoint (model, optimizer, data position, tokenizer)" },
    { "overwrite", O_FLAG, OFF(overwrite), NULL, "start a new run even where a checkpoint exists (it is replaced)" },
    { "stop-at", O_INT, OFF(stop_at), "N", "save a checkpoint and exit after step N, as Ctrl-C would (0 = off)" },
    { "sample-prompt", O_STR, OFF(sample_prompt), "TEXT", "prompt for the sample (default: \"#include <\" for the C headers, else the first 12 tokens of the validation text)" },
    { "sample-tokens", O_INT, OFF(sample_tokens), "N", "tokens to generate at the end (0 = no sample)" },
    { "temperature", O_DBL, OFF(temperature), "X", "sampling temperature" },
    { "top-k", O_INT, OFF(top_k), "N", "sample among the N most likely tokens (0 = all)" },
    { "top-p", O_DBL, OFF(top_p), "X", "nucleus sampling mass (1 = off)" },
    { "log", O_STR, OFF(log), "PATH", "CSV log, one row per step (default: DIR/log.csv)" },
    { "plot", O_STR, OFF(plot), "PATH", "SVG loss curve (default: DIR/loss.svg)" },
    { "backend", O_STR, OFF(backend), "NAME", "where the model trains: cpu, or cuda[:N] for GPU N (a build from make train-cuda)" },
    { "tf32", O_FLAG, OFF(tf32), NULL, "with --backend cuda: GEMMs on TF32 tensor cores (faster; 10-bit mantissa products)" },
    { "precision", O_STR, OFF(precision), "P", "fp32, or bf16: the linear layers' GEMMs on bf16 inputs with fp32 accumulation and fp32 master weights (cfg.precision)" },
    { "recompute", O_FLAG, OFF(recompute), NULL, "keep fewer activations: recompute LayerNorm, GELU and attention outputs in the backward (cfg.recompute; same results)" },
    { "help", O_FLAG, OFF(help), NULL, "this text" },
};
#define N_OPTS ((int)(sizeof(opt_defs) / sizeof(opt_defs[0])))

static void set_defaults(options *o) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof(*o));
    o->ext = (char *)".h";
    o->max_mb = 8;
    o->vocab = 2048;
    o->layers = 4; o->d_model = 128; o->heads = 4; o->ctx = 128;
    o->batch = 16; o->steps = 1200; o->accum = 1;
    o->threads = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
    o->warmup = -1;
    o->lr = 2e-3; o->min_lr = 2e-4; o->wd = 0.1; o->clip = 1.0; o->val_frac = 0.1;
    o->seed = 1337;
    o->eval_every = 0; o->eval_batches = 8;
    o->out = (char *)"tinytrain_demo";
    o->ckpt_every = 100;
    o->sample_prompt = NULL; /* default corpus: "#include <"; else the start of the validation text */
    o->sample_tokens = 200;
    o->temperature = 0.8; o->top_k = 40; o->top_p = 0.95;
    o->backend = (char *)"cpu";
    o->precision = (char *)"fp32";
}

static void print_help(const options *d) {
    int i;
    printf("usage: train [flags]   (make demo [STEPS=N] [CORPUS=\"files or dirs\"] [DEMO_FLAGS=\"...\"])\n"
           "Trains a BPE tokenizer and a GPT-2 style model on a text corpus with tinytrain.h,\n"
           "then prints a sample. Flags (defaults in brackets):\n");
    for (i = 0; i < N_OPTS; i++) {
        const opt_def *od = &opt_defs[i];
        const char *p = (const char *)d + od->off;
        char def[160], lhs[64];
        def[0] = 0;
        switch (od->type) {
        case O_INT: snprintf(def, sizeof(def), " [%d]", *(const int *)p); break;
        case O_DBL: snprintf(def, sizeof(def), " [%g]", *(const double *)p); break;
        case O_STR: if (*(char *const *)p) snprintf(def, sizeof(def), " [\"%s\"]", *(char *const *)p); break;
        default: break;
        }
        if (strcmp(od->name, "eval-every") == 0 && *(const int *)p == 0) snprintf(def, sizeof(def), " [steps/10]");
        if (strcmp(od->name, "warmup") == 0 && *(const int *)p < 0) snprintf(def, sizeof(def), " [steps/20]");
        if (strcmp(od->name, "ckpt") == 0 || strcmp(od->name, "log") == 0 || strcmp(od->name, "plot") == 0) def[0] = 0;
        snprintf(lhs, sizeof(lhs), "--%s%s%s", od->name, od->arg ? " " : "", od->arg ? od->arg : "");
        printf("  %-22s %s%s\n", lhs, od->help, def);
    }
}

static int parse_args(options *o, int argc, char **argv) {
    int i, k;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const opt_def *od = NULL;
        char *p;
        if (strncmp(a, "--", 2) != 0) { /* bare paths are corpus paths */
            if (o->n_corpus >= 64) { fprintf(stderr, "train: at most 64 corpus paths\n"); return 0; }
            o->corpus[o->n_corpus++] = argv[i];
            continue;
        }
        for (k = 0; k < N_OPTS; k++) if (strcmp(a + 2, opt_defs[k].name) == 0) od = &opt_defs[k];
        if (!od) { fprintf(stderr, "train: unknown flag %s (see --help)\n", a); return 0; }
        o->given[od - opt_defs] = 1;
        p = (char *)o + od->off;
        if (od->type == O_FLAG) { *(int *)p = 1; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "train: %s needs a value\n", a); return 0; }
        a = argv[++i];
        switch (od->type) {
        case O_INT: {
            char *e;
            long v;
            errno = 0;
            v = strtol(a, &e, 10);
            if (e == a || *e) goto bad;
            if (errno == ERANGE || v < INT_MIN || v > INT_MAX) {
                fprintf(stderr, "train: --%s %s is out of range (at most %d)\n", od->name, a, INT_MAX);
                return 0;
            }
            *(int *)p = (int)v;
            break;
        }
        case O_DBL: {
            char *e;
            double v = strtod(a, &e);
            if (e == a || *e) goto bad;
            if (!isfinite(v)) { fprintf(stderr, "train: --%s must be a finite number, not %s\n", od->name, a); return 0; }
            *(double *)p = v;
            break;
        }
        case O_STR: *(char **)p = argv[i]; break;
        case O_LIST:
            if (o->n_corpus >= 64) { fprintf(stderr, "train: at most 64 corpus paths\n"); return 0; }
            o->corpus[o->n_corpus++] = argv[i];
            break;
        }
        continue;
    bad:
        fprintf(stderr, "train: bad value for --%s: \"%s\" (expected %s)\n", od->name, a,
                od->type == O_INT ? "an integer" : "a number");
        return 0;
    }
    return 1;
}

static int given(const options *o, const char *name) {
    int k;
    for (k = 0; k < N_OPTS; k++) if (strcmp(opt_defs[k].name, name) == 0) return o->given[k];
    return 0;
}

/* --backend: -1 for cpu, the device number for cuda[:N], -2 for anything else */
static int cuda_device(const char *b) {
    char *e;
    long d;
    if (strcmp(b, "cpu") == 0) return -1;
    if (strcmp(b, "cuda") == 0) return 0;
    if (strncmp(b, "cuda:", 5) != 0 || b[5] < '0' || b[5] > '9') return -2;
    d = strtol(b + 5, &e, 10);
    return *e || d > 1024 ? -2 : (int)d;
}

/* every number in its range before anything is read or written; one line
 * naming the flag on failure */
static int check_options(const options *o) {
#define NEED(cond, ...) do { if (!(cond)) { fprintf(stderr, "train: " __VA_ARGS__); fputc('\n', stderr); return 0; } } while (0)
    NEED(o->max_mb > 0 && o->max_mb <= 1048576, "--max-mb must be > 0 and <= 1048576 (got %g)", o->max_mb);
    NEED(o->vocab >= 256 && o->vocab <= TT_MAX_VOCAB, "--vocab must be in [256, %d] (got %d)", TT_MAX_VOCAB, o->vocab);
    NEED(o->layers >= 1 && o->layers <= 1024, "--layers must be in [1, 1024] (got %d)", o->layers);
    NEED(o->d_model >= 1 && o->d_model <= TT_MAX_DIM, "--d-model must be in [1, %d] (got %d)", TT_MAX_DIM, o->d_model);
    NEED(o->heads >= 1 && o->heads <= o->d_model && o->d_model % o->heads == 0,
         "--heads must divide --d-model (got %d heads, d-model %d)", o->heads, o->d_model);
    NEED(o->ctx >= 1 && o->ctx <= TT_MAX_DIM, "--ctx must be in [1, %d] (got %d)", TT_MAX_DIM, o->ctx);
    NEED(o->batch >= 1 && o->batch <= 65536, "--batch must be in [1, 65536] (got %d)", o->batch);
    NEED(o->steps >= 1, "--steps must be >= 1 (got %d)", o->steps);
    NEED(o->accum >= 1 && o->accum <= 65536, "--accum must be in [1, 65536] (got %d)", o->accum);
    NEED(o->threads >= 1 && o->threads <= 64, "--threads must be in [1, 64] (got %d)", o->threads);
    NEED(o->warmup >= -1, "--warmup must be >= 0, or -1 for steps/20 (got %d)", o->warmup);
    NEED(o->lr > 0 && o->lr <= 1e6, "--lr must be > 0 and <= 1e6 (got %g)", o->lr);
    NEED(o->min_lr >= 0 && o->min_lr <= 1e6, "--min-lr must be >= 0 and <= 1e6 (got %g)", o->min_lr);
    NEED(o->wd >= 0 && o->wd <= 1e6, "--wd must be >= 0 and <= 1e6 (got %g)", o->wd);
    NEED(o->clip >= 0 && o->clip <= 1e30, "--clip must be >= 0, 0 = off (got %g)", o->clip);
    NEED(o->val_frac >= 0 && o->val_frac < 0.5, "--val-frac must be in [0, 0.5), 0 = no validation (got %g)", o->val_frac);
    NEED(o->seed >= 0, "--seed must be >= 0 (got %d)", o->seed);
    NEED(o->eval_every >= 0, "--eval-every must be >= 0, 0 = steps/10 (got %d)", o->eval_every);
    NEED(o->eval_batches >= 0, "--eval-batches must be >= 0 (got %d)", o->eval_batches);
    NEED(o->ckpt_every >= 0, "--ckpt-every must be >= 0, 0 = only at the end (got %d)", o->ckpt_every);
    NEED(o->stop_at >= 0, "--stop-at must be >= 0, 0 = off (got %d)", o->stop_at);
    NEED(o->sample_tokens >= 0 && o->sample_tokens <= 1000000, "--sample-tokens must be in [0, 1000000] (got %d)", o->sample_tokens);
    NEED(o->temperature > 0 && o->temperature <= 1e6, "--temperature must be > 0 (for the most likely token use --top-k 1; got %g)", o->temperature);
    NEED(o->top_k >= 0, "--top-k must be >= 0, 0 = all (got %d)", o->top_k);
    NEED(o->top_p > 0 && o->top_p <= 1, "--top-p must be in (0, 1], 1 = off (got %g)", o->top_p);
    NEED(o->out && o->out[0], "--out needs a directory name");
    NEED(!(o->resume && o->overwrite), "--resume and --overwrite exclude each other");
    NEED((double)o->batch * o->ctx <= 1e9, "--batch x --ctx is too large");
    NEED(cuda_device(o->backend) >= -1, "--backend must be cpu, cuda or cuda:N (got \"%s\")", o->backend);
    NEED(!o->tf32 || cuda_device(o->backend) >= 0, "--tf32 needs --backend cuda");
    NEED(!strcmp(o->precision, "fp32") || !strcmp(o->precision, "bf16"), "--precision must be fp32 or bf16 (got \"%s\")",
         o->precision);
#ifndef TT_WITH_CUDA
    NEED(cuda_device(o->backend) < 0, "--backend %s: this build has no CUDA backend: make train-cuda", o->backend);
#endif
#undef NEED
    return 1;
}

/* ---- small utilities --------------------------------------------------------- */
static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) { fprintf(stderr, "train: out of memory (%zu bytes)\n", n); exit(1); }
    return p;
}
static void *xrealloc(void *q, size_t n) {
    void *p = realloc(q, n ? n : 1);
    if (!p) { fprintf(stderr, "train: out of memory (%zu bytes)\n", n); exit(1); }
    return p;
}
/* can a file be created at path? (probe: path.probe, removed again) */
static int can_create(const char *path) {
    size_t n = strlen(path) + 8;
    char *p = (char *)xmalloc(n);
    FILE *f;
    int ok, e;
    snprintf(p, n, "%s.probe", path);
    f = fopen(p, "wb");
    e = errno;
    ok = f != NULL;
    if (f) { fclose(f); remove(p); }
    free(p);
    errno = e;
    return ok;
}
/* hold an fcntl write lock on DIR/.train.lock for the life of the process:
 * the kernel drops it when the process ends however it ends, so a killed
 * run never leaves it stuck. 0 and a message when another process has it. */
static int lock_out_dir(const char *dir) {
    size_t n = strlen(dir) + 16;
    char *p = (char *)xmalloc(n);
    struct flock fl;
    int fd;
    snprintf(p, n, "%s/.train.lock", dir);
    fd = open(p, O_RDWR | O_CREAT, 0666);
    if (fd < 0) {
        fprintf(stderr, "train: cannot write in %s (%s)\n", dir, strerror(errno));
        free(p);
        return 0;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK; fl.l_whence = SEEK_SET; fl.l_start = 0; fl.l_len = 0;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        struct flock q = fl;
        if ((e == EACCES || e == EAGAIN) && fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
            fprintf(stderr, "train: another run (pid %ld) is using %s: wait for it to end, or pass another --out\n",
                    (long)q.l_pid, dir);
        else if (e == EACCES || e == EAGAIN)
            fprintf(stderr, "train: another run is using %s: wait for it to end, or pass another --out\n", dir);
        else
            fprintf(stderr, "train: cannot lock %s (%s)\n", p, strerror(e));
        close(fd);
        free(p);
        return 0;
    }
    free(p);
    return 1; /* fd stays open until exit */
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static void fmt_time(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}
static void fmt_rate(char *buf, size_t n, double r) {
    if (r >= 1e6) snprintf(buf, n, "%.2fM", r / 1e6);
    else if (r >= 1e3) snprintf(buf, n, "%.1fk", r / 1e3);
    else snprintf(buf, n, "%.0f", r);
}
static int mkdir_p(const char *path) {
    char tmp[1024];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof(tmp)) { errno = n ? ENAMETOOLONG : ENOENT; return 0; }
    memcpy(tmp, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == 0) {
            char c = tmp[i];
            tmp[i] = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return 0;
            tmp[i] = c;
        }
    }
    return 1;
}
static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = (char *)xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static volatile sig_atomic_t g_stop = 0;
static void on_sigint(int sig) {
    (void)sig;
    g_stop = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the program at once */
}

/* ---- corpus ------------------------------------------------------------------ */
typedef struct pathlist { char **p; size_t n, cap; } pathlist;
static void pl_add(pathlist *pl, const char *s) {
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? 2 * pl->cap : 256;
        pl->p = (char **)xrealloc(pl->p, pl->cap * sizeof(char *));
    }
    pl->p[pl->n] = (char *)xmalloc(strlen(s) + 1);
    strcpy(pl->p[pl->n++], s);
}
static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}
/* files under path (recursively for directories; symlinked directories are
 * not followed, so there are no cycles) */
static void collect(const char *path, const char *ext, int top, pathlist *pl) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (top) fprintf(stderr, "train: cannot read %s: %s\n", path, strerror(errno));
        return;
    }
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d;
        struct dirent *e;
        struct stat lst;
        if (!top && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) return;
        d = opendir(path);
        if (!d) return;
        while ((e = readdir(d)) != NULL) {
            char *child;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            child = join(path, e->d_name);
            collect(child, ext, 0, pl);
            free(child);
        }
        closedir(d);
    } else if (S_ISREG(st.st_mode)) {
        if (top || !ext || !ext[0] || ends_with(path, ext)) pl_add(pl, path);
    }
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* a seeded Fisher-Yates shuffle of order[0..n) */
static void shuffle(size_t *order, size_t n, uint64_t seed) {
    tt_rng r;
    size_t i;
    tt_rng_seed(&r, seed);
    for (i = n; i > 1; i--) { size_t j = tt_rng_u32(&r) % i, t = order[i - 1]; order[i - 1] = order[j]; order[j] = t; }
}

/* Reorders pick[0..n) (already shuffled) round-robin across top-level
 * directories: the first file of every directory under root (in shuffled
 * order), then the second of each, and so on; files directly in root form
 * one group. A uniform sample of /usr/include would be ~40 % ATen's generated
 * headers on a machine with libtorch-dev; this one is spread over all the
 * libraries there. Deterministic: depends only on the shuffled order. */
typedef struct pick_key { size_t idx, pos, rank; const char *g; size_t glen; } pick_key;
static int cmp_group(const void *a, const void *b) {
    const pick_key *x = (const pick_key *)a, *y = (const pick_key *)b;
    size_t n = x->glen < y->glen ? x->glen : y->glen;
    int c = memcmp(x->g, y->g, n);
    if (c) return c;
    if (x->glen != y->glen) return x->glen < y->glen ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}
static int cmp_rank(const void *a, const void *b) {
    const pick_key *x = (const pick_key *)a, *y = (const pick_key *)b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}
static void spread_over_dirs(const pathlist *pl, size_t *pick, size_t n, const char *root) {
    size_t i, rl = strlen(root);
    pick_key *k = (pick_key *)xmalloc((n + 1) * sizeof(pick_key));
    for (i = 0; i < n; i++) {
        const char *p = pl->p[pick[i]], *rest = strncmp(p, root, rl) == 0 ? p + rl : p, *slash;
        while (*rest == '/') rest++;
        slash = strchr(rest, '/');
        k[i].idx = pick[i]; k[i].pos = i; k[i].g = rest; k[i].glen = slash ? (size_t)(slash - rest) : 0;
    }
    qsort(k, n, sizeof(pick_key), cmp_group);
    for (i = 0; i < n; i++)
        k[i].rank = (i > 0 && k[i - 1].glen == k[i].glen && memcmp(k[i - 1].g, k[i].g, k[i].glen) == 0)
                        ? k[i - 1].rank + 1 : 0;
    qsort(k, n, sizeof(pick_key), cmp_rank);
    for (i = 0; i < n; i++) pick[i] = k[i].idx;
    free(k);
}

/* At most cap bytes of the text files in pl, concatenated in an order
 * shuffled by seed, so that the validation split (the end of the stream) is
 * a random sample of files rather than the alphabetically last directory.
 *   sample = 1: the files are taken in the shuffled order, spread
 *     round-robin over the top-level directories (spread_over_dirs), until
 *     cap is reached: a seeded sample across the whole list (same seed and
 *     same files: same text);
 *   sample = 0: the first files in list order until cap, then shuffled.
 * The last file taken is cut at cap. A file with a NUL byte in its first
 * 8 KB is skipped as binary (as git decides). */
static unsigned char *read_files(const pathlist *pl, size_t cap, uint64_t seed, int sample, size_t *out_n,
                                 size_t *out_files) {
    unsigned char *buf, *cat;
    size_t n = 0, i, files = 0, total = 0;
    size_t *pick = (size_t *)xmalloc((pl->n + 1) * sizeof(size_t));  /* files in reading order */
    size_t *start = (size_t *)xmalloc((pl->n + 1) * sizeof(size_t)); /* offset of each file read */
    size_t *order = (size_t *)xmalloc((pl->n + 1) * sizeof(size_t)); /* concatenation order */
    for (i = 0; i < pl->n; i++) pick[i] = i;
    if (sample) {
        shuffle(pick, pl->n, seed);
        spread_over_dirs(pl, pick, pl->n, "/usr/include");
    }
    /* the buffer holds what the files have, not the whole cap */
    for (i = 0; i < pl->n && total < cap; i++) {
        struct stat st;
        if (stat(pl->p[pick[i]], &st) == 0 && st.st_size > 0)
            total += (size_t)st.st_size < cap - total ? (size_t)st.st_size : cap - total;
    }
    if (cap > total) cap = total;
    buf = (unsigned char *)xmalloc(cap + 1);
    for (i = 0; i < pl->n && n < cap; i++) {
        const char *path = pl->p[pick[i]];
        FILE *f = fopen(path, "rb");
        size_t k = 0;
        start[files] = n;
        if (!f) fprintf(stderr, "train: skipping %s: %s\n", path, strerror(errno));
        if (f) {
            k = fread(buf + n, 1, cap - n, f);
            if (ferror(f)) { fprintf(stderr, "train: skipping %s: read error\n", path); k = 0; }
            if (k > 0 && memchr(buf + n, 0, k < 8192 ? k : 8192)) {
                fprintf(stderr, "train: skipping %s: a binary file (NUL bytes), not text\n", path);
                k = 0;
            }
            fclose(f);
        }
        if (k > 0) files++;
        n += k;
    }
    start[files] = n;
    for (i = 0; i < files; i++) order[i] = i;
    if (!sample) shuffle(order, files, seed); /* a sample is in shuffled order already */
    cat = (unsigned char *)xmalloc(n + 1);
    for (i = 0, n = 0; i < files; i++) {
        size_t len = start[order[i] + 1] - start[order[i]];
        memcpy(cat + n, buf + start[order[i]], len);
        n += len;
    }
    free(buf); free(start); free(order); free(pick);
    *out_n = n;
    *out_files = files;
    return cat;
}

/* ---- CSV log and SVG plot ------------------------------------------------------ */
typedef struct history { int *step; float *train, *val; size_t n, cap; } history;
static void hist_add(history *h, int step, float tr, float va) {
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 1024;
        h->step = (int *)xrealloc(h->step, h->cap * sizeof(int));
        h->train = (float *)xrealloc(h->train, h->cap * sizeof(float));
        h->val = (float *)xrealloc(h->val, h->cap * sizeof(float));
    }
    h->step[h->n] = step; h->train[h->n] = tr; h->val[h->n] = va;
    h->n++;
}

/* start the CSV; when resuming keep the rows up to the checkpoint's step */
static FILE *csv_open(const char *path, int resume, int keep_upto, history *h) {
    static const char *header = "step,train_loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s\n";
    char line[512];
    char **rows = NULL;
    size_t n = 0, cap = 0, i;
    FILE *f;
    if (resume && (f = fopen(path, "r")) != NULL) {
        while (fgets(line, sizeof(line), f)) {
            int step;
            float tr, va = NAN;
            char vbuf[64];
            if (sscanf(line, "%d,%f,%63[^,]", &step, &tr, vbuf) < 2 || step > keep_upto) continue;
            if (vbuf[0] && vbuf[0] != ',' && sscanf(line, "%*d,%*f,%f", &va) != 1) va = NAN;
            if (n == cap) { cap = cap ? 2 * cap : 1024; rows = (char **)xrealloc(rows, cap * sizeof(char *)); }
            rows[n] = (char *)xmalloc(strlen(line) + 1);
            strcpy(rows[n++], line);
            hist_add(h, step, tr, va);
        }
        fclose(f);
    }
    /* rewritten atomically (a kill here keeps the old log), then appended to */
    {
        size_t tn = strlen(path) + 8;
        char *tmp = (char *)xmalloc(tn);
        int ok;
        snprintf(tmp, tn, "%s.tmp", path);
        f = fopen(tmp, "w");
        ok = f != NULL;
        if (f) {
            fputs(header, f);
            for (i = 0; i < n; i++) fputs(rows[i], f);
            ok = fclose(f) == 0 && rename(tmp, path) == 0;
            if (!ok) remove(tmp);
        }
        for (i = 0; i < n; i++) free(rows[i]);
        free(rows);
        free(tmp);
        f = ok ? fopen(path, "a") : NULL;
    }
    if (!f) { fprintf(stderr, "train: cannot write %s: %s\n", path, strerror(errno)); return NULL; }
    return f;
}

static void svg_write(const char *path, const history *h, double unigram, int steps_total) {
    const double W = 800, H = 480, L = 70, R = 20, T = 40, B = 60;
    double ymin = 1e30, ymax = -1e30, xmax = steps_total > 0 ? steps_total : 1, ystep;
    size_t i;
    int k, first;
    char tmp[1100];
    FILE *f;
    for (i = 0; i < h->n; i++) {
        if (isfinite(h->train[i])) { if (h->train[i] < ymin) ymin = h->train[i]; if (h->train[i] > ymax) ymax = h->train[i]; }
        if (isfinite(h->val[i])) { if (h->val[i] < ymin) ymin = h->val[i]; if (h->val[i] > ymax) ymax = h->val[i]; }
        if (h->step[i] > xmax) xmax = h->step[i];
    }
    if (unigram > 0) { if (unigram < ymin) ymin = unigram; if (unigram > ymax) ymax = unigram; }
    if (ymin > ymax) { ymin = 0; ymax = 1; }
    ymin = floor(ymin * 2) / 2; ymax = ceil(ymax * 2) / 2;
    if (ymax - ymin < 0.5) ymax = ymin + 0.5;
    ystep = (ymax - ymin) > 6 ? 1.0 : 0.5;
    /* at most 12 grid lines however far a diverged run's loss went */
    if ((ymax - ymin) / ystep > 12) {
        while ((ymax - ymin) / ystep > 12) ystep *= 2;
        ymin = floor(ymin / ystep) * ystep; ymax = ceil(ymax / ystep) * ystep;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) { fprintf(stderr, "train: cannot write %s\n", path); return; }
#define SX(x) (L + (W - L - R) * (double)(x) / xmax)
#define SY(y) (T + (H - T - B) * (1.0 - ((double)(y) - ymin) / (ymax - ymin)))
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%.0f\" y=\"24\" font-size=\"16\">tinytrain.h: loss (nats/token) against step</text>\n", L);
    /* grid and axes */
    for (k = 0; ymin + k * ystep <= ymax + 1e-9; k++) {
        double y = ymin + k * ystep;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, SY(y), W - R, SY(y));
        fprintf(f, ystep > 1000 ? "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n"
                                : "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", L - 6, SY(y) + 4, y);
    }
    for (k = 0; k <= 5; k++) {
        double x = xmax * k / 5;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", SX(x), T, SX(x), H - B);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", SX(x), H - B + 18, x);
    }
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#444\"/>\n", L, T, W - L - R, H - T - B);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">step</text>\n", (L + W - R) / 2, H - 20);
    fprintf(f, "<text transform=\"translate(20,%.1f) rotate(-90)\" text-anchor=\"middle\">loss (nats/token)</text>\n",
            (T + H - B) / 2);
    if (unigram > 0) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"6,4\"/>\n",
                L, SY(unigram), W - R, SY(unigram));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">unigram entropy %.2f</text>\n",
                W - R - 4, SY(unigram) - 5, unigram);
    }
    /* train loss */
    fprintf(f, "<polyline fill=\"none\" stroke=\"#4a90d9\" stroke-width=\"1.2\" points=\"");
    for (i = 0; i < h->n; i++)
        if (isfinite(h->train[i])) fprintf(f, "%.1f,%.1f ", SX(h->step[i]), SY(h->train[i]));
    fprintf(f, "\"/>\n");
    /* val loss with markers */
    fprintf(f, "<polyline fill=\"none\" stroke=\"#d9534f\" stroke-width=\"2\" points=\"");
    first = 1;
    for (i = 0; i < h->n; i++)
        if (isfinite(h->val[i])) { fprintf(f, "%s%.1f,%.1f", first ? "" : " ", SX(h->step[i]), SY(h->val[i])); first = 0; }
    fprintf(f, "\"/>\n");
    for (i = 0; i < h->n; i++)
        if (isfinite(h->val[i])) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d9534f\"/>\n", SX(h->step[i]), SY(h->val[i]));
    /* legend */
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#4a90d9\" stroke-width=\"2\"/>"
               "<text x=\"%.0f\" y=\"%.0f\">train</text>\n", W - 180, T + 16, W - 160, T + 16, W - 154, T + 20);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#d9534f\" stroke-width=\"2\"/>"
               "<text x=\"%.0f\" y=\"%.0f\">validation</text>\n", W - 180, T + 34, W - 160, T + 34, W - 154, T + 38);
    fprintf(f, "</svg>\n");
#undef SX
#undef SY
    if (fclose(f) != 0 || rename(tmp, path) != 0) fprintf(stderr, "train: cannot write %s\n", path);
}

/* ---- the run ------------------------------------------------------------------- */
/* What this program keeps in tt_checkpoint_state.user[] next to the
 * library's own state, one named field per slot. The slot numbers are part
 * of the checkpoint files this program writes: keep them. */
enum { SLOT_TOKENS_SEEN, SLOT_ELAPSED_MS, SLOT_BATCH, SLOT_ACCUM, SLOT_STEPS, SLOT_SEED, SLOT_IDS_CRC };
typedef struct run_meta {
    uint64_t tokens_seen; /* tokens of every step so far, all runs */
    uint64_t elapsed_ms;  /* training wall time so far, all runs */
    uint64_t batch;       /* sequences per micro-batch (--batch) */
    uint64_t accum;       /* micro-batches per step (--accum) */
    uint64_t steps;       /* total steps of the schedule (--steps) */
    uint64_t seed;        /* --seed of the first run: corpus sample, data order, init */
    uint64_t ids_crc;     /* CRC-32 of the corpus' token ids: --resume needs the same corpus */
} run_meta;
static void meta_store(const run_meta *m, tt_checkpoint_state *s) {
    s->user[SLOT_TOKENS_SEEN] = m->tokens_seen;
    s->user[SLOT_ELAPSED_MS] = m->elapsed_ms;
    s->user[SLOT_BATCH] = m->batch;
    s->user[SLOT_ACCUM] = m->accum;
    s->user[SLOT_STEPS] = m->steps;
    s->user[SLOT_SEED] = m->seed;
    s->user[SLOT_IDS_CRC] = m->ids_crc;
}
static void meta_load(const tt_checkpoint_state *s, run_meta *m) {
    m->tokens_seen = s->user[SLOT_TOKENS_SEEN];
    m->elapsed_ms = s->user[SLOT_ELAPSED_MS];
    m->batch = s->user[SLOT_BATCH];
    m->accum = s->user[SLOT_ACCUM];
    m->steps = s->user[SLOT_STEPS];
    m->seed = s->user[SLOT_SEED];
    m->ids_crc = s->user[SLOT_IDS_CRC];
}

/* Everything one training run holds, filled in by the steps main calls in
 * order. Each step returns GO_ON, or the exit code after its message. */
enum { GO_ON = -1 };
struct run {
    options o, def;             /* the command line; the defaults (for --help) */
    tt_model_stats eval_ops;    /* op stats of the evals, kept out of the training breakdown */
    int tty;                    /* stdout is a terminal: progress updated in place */
    tt_logger logger;
    tt_backend be;              /* --backend cuda: the table (destroyed after the model) */
    int use_be;                 /* be is created and goes into the model config */
    char *ckpt_path, *log_path, *plot_path, *tok_path; /* allocated unless given by flags */
    /* corpus */
    pathlist files;             /* sorted by path */
    int default_corpus;         /* no --corpus: the sample of /usr/include */
    unsigned char *text;        /* concatenated files, n_text bytes (freed once encoded) */
    size_t n_text, n_files;
    /* tokenizer and token ids */
    tt_tokenizer_config tc;
    tt_tokenizer *tok;
    size_t n_ids;
    uint32_t ids_crc;
    double unigram;             /* unigram entropy of the training tokens, nats/token */
    /* model, optimizer, data */
    tt_model_config mc;
    tt_model *model;
    tt_adamw_config opt;
    tt_loader *loader;
    int32_t *in_b, *tg_b;       /* one micro-batch of inputs and targets: int32[B*T] each */
    int B, T, accum, steps;     /* micro-batch, sequence length, micro-batches per step, total steps */
    /* checkpoint */
    tt_checkpoint_state cks;
    run_meta meta;              /* tokens_seen and elapsed_ms of earlier runs when resumed */
    tt_rng rng;
    /* progress */
    int start_step, step;       /* steps done when this process started, and now */
    int eval_every, refused_in_row, interrupted, failed;
    float last_loss, last_val;
    history hist;
    FILE *csv;
    double last_bar;
    uint64_t tokens_seen;       /* all runs */
    double run_tokens;          /* this process's steps */
    struct {                    /* seconds */
        double tokenizer, encode;
        double train0, before;  /* start of this process's training; training time of earlier runs */
        double fwdbwd, opt, data, steps; /* within steps; steps = whole steps */
        double eval, ckpt;
    } t;
};

/* ---- training helpers ---------------------------------------------------------- */
static void log_stderr(void *user, int level, tt_status code, const char *msg) {
    (void)user;
    fprintf(stderr, "\ntinytrain %s: %s (%s)\n", level == TT_LOG_ERROR ? "error" : level == TT_LOG_WARN ? "warning" : "info",
            msg ? msg : "", tt_strerror(code));
}

static int tok_progress(void *user, uint64_t done, uint64_t total) {
    int tty = *(const int *)user;
    static double last = 0;
    double t = now_s();
    if (tty && (t - last > 0.2 || done == total)) {
        printf("\r  training tokenizer: %llu/%llu merges", (unsigned long long)done, (unsigned long long)total);
        fflush(stdout);
        last = t;
    }
    return g_stop != 0;
}

typedef struct sample_out { const tt_tokenizer *tok; tt_tokenizer_decoder dec; } sample_out;
static int on_token(void *user, int32_t id) {
    sample_out *s = (sample_out *)user;
    char buf[65536 + 8];
    size_t nb = 0;
    if (tt_tokenizer_decode_stream(s->tok, &s->dec, &id, 1, 0, buf, sizeof(buf), &nb) == TT_OK) {
        fwrite(buf, 1, nb, stdout);
        fflush(stdout);
    }
    return g_stop != 0;
}

static double unigram_entropy(const int32_t *ids, size_t n, int V) {
    double *c = (double *)xmalloc((size_t)V * sizeof(double)), h = 0;
    size_t i;
    for (i = 0; i < (size_t)V; i++) c[i] = 0;
    for (i = 0; i < n; i++) c[ids[i]] += 1;
    for (i = 0; i < (size_t)V; i++) if (c[i] > 0) { double p = c[i] / (double)n; h -= p * log(p); }
    free(c);
    return h;
}

static void progress_line(int tty, int step, int steps, float loss, float val, double tok_s, double elapsed, double eta) {
    char el[32], et[32], rate[32], bar[64];
    int w = 24, fill = steps > 0 ? (int)((double)w * step / steps) : w, i;
    fmt_time(el, sizeof(el), elapsed);
    fmt_time(et, sizeof(et), eta);
    fmt_rate(rate, sizeof(rate), tok_s);
    for (i = 0; i < w; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[w] = 0;
    if (isfinite(val))
        printf("%sstep %d/%d [%s] loss %.3f | val %.3f | %s tok/s | %s elapsed | ETA %s%s", tty ? "\r" : "", step, steps,
               bar, loss, val, rate, el, et, tty ? "\033[K" : "\n");
    else
        printf("%sstep %d/%d [%s] loss %.3f | val   -   | %s tok/s | %s elapsed | ETA %s%s", tty ? "\r" : "", step, steps,
               bar, loss, rate, el, et, tty ? "\033[K" : "\n");
    fflush(stdout);
}

/* ---- step: options and output directory ------------------------------------------ */
static int parse_options(struct run *r, int argc, char **argv) {
    set_defaults(&r->o);
    r->def = r->o;
    if (!parse_args(&r->o, argc, argv)) return 2;
    if (r->o.help) { print_help(&r->def); return 0; }
    if (!check_options(&r->o)) return 2;
    r->tty = isatty(STDOUT_FILENO);
    r->logger.fn = log_stderr;
    r->logger.user = NULL;
    r->tc.n_threads = r->o.threads;
    r->tc.logger = r->logger;
    r->B = r->o.batch; r->accum = r->o.accum; r->steps = r->o.steps;
    r->last_loss = NAN; r->last_val = NAN;
    return GO_ON;
}

/* create and lock --out, and before anything is written: never replace a
 * checkpoint unasked, and find unwritable paths now rather than after the
 * training */
static int open_output(struct run *r) {
    const options *o = &r->o;
    const char *outs[4];
    struct stat cst;
    int k;
    if (!mkdir_p(o->out)) { fprintf(stderr, "train: cannot create directory %s (%s)\n", o->out, strerror(errno)); return 1; }
    if (!lock_out_dir(o->out)) return 1;
    r->ckpt_path = o->ckpt ? o->ckpt : join(o->out, "checkpoint.ttck");
    r->log_path = o->log ? o->log : join(o->out, "log.csv");
    r->plot_path = o->plot ? o->plot : join(o->out, "loss.svg");
    r->tok_path = join(o->out, "tokens.tok");
    signal(SIGINT, on_sigint);
    signal(SIGXFSZ, SIG_IGN); /* over a file-size limit a write fails (and is reported) instead of killing the run */
    if (o->resume) {
        if (stat(r->ckpt_path, &cst) != 0) {
            fprintf(stderr, "train: nothing to resume: %s: %s (start without --resume)\n", r->ckpt_path, strerror(errno));
            return 1;
        }
        if (!S_ISREG(cst.st_mode)) { fprintf(stderr, "train: %s is not a checkpoint file (a directory?)\n", r->ckpt_path); return 1; }
    } else if (stat(r->ckpt_path, &cst) == 0 && !o->overwrite) {
        fprintf(stderr, "train: %s already exists: continue it with --resume, replace it with --overwrite, "
                        "or pass another --out\n", r->ckpt_path);
        return 1;
    }
    outs[0] = r->ckpt_path; outs[1] = r->log_path; outs[2] = r->plot_path; outs[3] = r->tok_path;
    for (k = 0; k < 4; k++) {
        if (!can_create(outs[k])) { fprintf(stderr, "train: cannot write %s (%s)\n", outs[k], strerror(errno)); return 1; }
    }
    printf("tinytrain.h %s demo: %d threads, SIMD width %d\n", tt_version_string(), o->threads, tt_simd_width());
    return GO_ON;
}

/* ---- step: backend ------------------------------------------------------------- */
/* --backend cuda[:N]: the CUDA op table (examples/cuda/tt_cuda.h) that the
 * model is then created with; fails here, before any work, without a GPU */
static int open_backend(struct run *r) {
    int dev = cuda_device(r->o.backend);
    if (dev < 0) return GO_ON;
#ifdef TT_WITH_CUDA
    {
        tt_cuda_options co;
        tt_status st;
        memset(&co, 0, sizeof(co));
        co.tf32 = r->o.tf32;
        co.logger = r->logger;
        if ((st = tt_cuda_backend_create(dev, &co, &r->be)) != TT_OK) {
            fprintf(stderr, "train: cannot open --backend %s: %s\n", r->o.backend, tt_strerror(st));
            return 1;
        }
        r->use_be = 1;
        printf("backend %s (%s GEMMs)\n", r->be.name, r->o.tf32 ? "TF32" : "fp32");
        return GO_ON;
    }
#else
    return 2; /* refused by check_options */
#endif
}

/* ---- step: corpus ---------------------------------------------------------------- */
/* the list of corpus files, sorted by path: --corpus paths (files as given,
 * directories recursively, filtered by --ext only when --ext is given), or
 * by default every *.h under /usr/include */
static int find_corpus(struct run *r) {
    const options *o = &r->o;
    int i;
    r->default_corpus = o->n_corpus == 0;
    if (r->default_corpus) collect("/usr/include", o->ext, 1, &r->files);
    for (i = 0; i < o->n_corpus; i++) {
        struct stat st;
        int isdir = stat(o->corpus[i], &st) == 0 && S_ISDIR(st.st_mode);
        collect(o->corpus[i], isdir && given(o, "ext") ? o->ext : "", 1, &r->files);
    }
    if (r->files.n == 0) {
        if (r->default_corpus)
            fprintf(stderr, "train: the default corpus (C headers, /usr/include/**/*.h) was not found on this machine.\n"
                            "       Pass text files or directories: ./train --corpus FILE_OR_DIR ...  or  make demo CORPUS=\"...\"\n");
        else
            fprintf(stderr, "train: no readable files in the given --corpus paths\n");
        return 1;
    }
    if (r->default_corpus || r->files.n > 1) qsort(r->files.p, r->files.n, sizeof(char *), cmp_str);
    return GO_ON;
}

/* read the text: the default corpus is a sample of whole files across all of
 * /usr/include chosen by --seed (the first files by path would be one
 * library's headers: on a machine with libtorch-dev, only ATen's); given
 * paths are read in path order up to --max-mb */
static int read_corpus(struct run *r) {
    r->text = read_files(&r->files, (size_t)(r->o.max_mb * 1048576.0), (uint64_t)r->o.seed, r->default_corpus,
                         &r->n_text, &r->n_files);
    if (r->n_text < 1024) {
        fprintf(stderr, "train: corpus too small: %zu bytes in %zu readable file(s), need at least 1024\n", r->n_text,
                r->n_files);
        return 1;
    }
    if (r->default_corpus)
        printf("corpus: %zu of %zu files from /usr/include (*.h, a sample by --seed %d), %.2f MB%s, concatenated in "
               "that order\n", r->n_files, r->files.n, r->o.seed, r->n_text / 1048576.0,
               r->n_files < r->files.n ? " (capped by --max-mb)" : "");
    else
        printf("corpus: %zu files, %.2f MB%s, concatenated in a seeded random order\n", r->n_files,
               r->n_text / 1048576.0, r->n_files < r->files.n ? " (capped by --max-mb)" : "");
    return GO_ON;
}

/* ---- step: resume ---------------------------------------------------------------- */
/* --precision and --recompute: run settings, not stored in the checkpoint
 * (a run may resume with other ones) */
static void set_precision(struct run *r) {
    r->mc.precision = !strcmp(r->o.precision, "bf16") ? TT_PRECISION_BF16 : TT_PRECISION_FP32;
    r->mc.recompute = r->o.recompute;
}

/* model, optimizer, tokenizer, data position and run settings from the
 * checkpoint; flags given now must agree with it */
static int resume_checkpoint(struct run *r) {
    options *o = &r->o;
    double t0;
    int k;
    tt_status st = tt_checkpoint_read_config_file(r->ckpt_path, NULL, &r->mc); /* one message, below */
    if (st != TT_OK) {
        fprintf(stderr, "train: cannot resume from %s: %s\n", r->ckpt_path,
                st == TT_ERR_BAD_FORMAT ? "not a checkpoint, or a truncated or corrupt one" : tt_strerror(st));
        return 1;
    }
    {   /* a shape flag given with --resume must agree with the checkpoint */
        const struct { const char *flag; int want, have; } shape[4] = {
            { "layers", o->layers, r->mc.n_layer }, { "d-model", o->d_model, r->mc.d_model },
            { "heads", o->heads, r->mc.n_head }, { "ctx", o->ctx, r->mc.n_ctx } };
        for (k = 0; k < 4; k++) {
            if (given(o, shape[k].flag) && shape[k].want != shape[k].have) {
                fprintf(stderr, "train: --%s %d, but the checkpoint %s has %d (another model shape)\n", shape[k].flag,
                        shape[k].want, r->ckpt_path, shape[k].have);
                return 1;
            }
        }
    }
    r->mc.n_threads = o->threads; r->mc.no_init = 1; r->mc.logger = r->logger; r->mc.profile = !r->use_be;
    r->mc.backend = r->use_be ? &r->be : NULL;
    set_precision(r);
    if ((st = tt_model_create(&r->mc, &r->model)) != TT_OK) { fprintf(stderr, "train: model: %s\n", tt_strerror(st)); return 1; }
    t0 = now_s();
    st = tt_checkpoint_load_file(r->ckpt_path, r->model, &r->tc, &r->cks, &r->tok);
    if (st != TT_OK || !r->tok) {
        fprintf(stderr, "train: cannot resume from %s: %s\n", r->ckpt_path, st ? tt_strerror(st) : "no tokenizer in it");
        return 1;
    }
    meta_load(&r->cks, &r->meta);
    if (r->meta.batch < 1 || r->meta.batch > (uint64_t)r->mc.max_batch || r->meta.accum < 1 || r->meta.accum > 65536 ||
        r->meta.steps < 1 || r->meta.steps > INT_MAX || r->meta.seed > INT_MAX) {
        fprintf(stderr, "train: %s was not written by this program (no batch/steps in it)\n", r->ckpt_path);
        return 1;
    }
    if ((given(o, "batch") && (uint64_t)o->batch != r->meta.batch) || (given(o, "accum") && (uint64_t)o->accum != r->meta.accum)) {
        fprintf(stderr, "train: --batch/--accum differ from the checkpoint's (%d x %d)\n", (int)r->meta.batch,
                (int)r->meta.accum);
        return 1;
    }
    if (given(o, "steps") && (uint64_t)r->steps < tt_model_step(r->model)) {
        fprintf(stderr, "train: --steps %d is below the checkpoint's step %llu\n", r->steps,
                (unsigned long long)tt_model_step(r->model));
        return 1;
    }
    r->opt = r->cks.adamw;
    r->tokens_seen = r->meta.tokens_seen;
    r->t.before = (double)r->meta.elapsed_ms / 1000.0;
    r->B = (int)r->meta.batch; r->accum = (int)r->meta.accum;
    if (!given(o, "steps")) r->steps = (int)r->meta.steps;
    else if (r->steps != r->opt.total_steps)
        printf("note: --steps %d differs from the checkpoint's %d: the schedule changes\n", r->steps, r->opt.total_steps);
    r->opt.total_steps = r->steps;
    r->start_step = (int)tt_model_step(r->model);
    o->seed = (int)r->meta.seed; /* the corpus sample, its order and the data seed of the first run */
    printf("resumed from %s at step %d (%.2fs to load)\n", r->ckpt_path, r->start_step, now_s() - t0);
    return GO_ON;
}

/* ---- step: tokenizer and token file ---------------------------------------------- */
static int train_tokenizer(struct run *r) {
    double t0 = now_s();
    tt_status st;
    r->tc.vocab_size = r->o.vocab;
    r->tc.progress = tok_progress;
    r->tc.progress_user = &r->tty;
    st = tt_tokenizer_train(&r->tc, r->text, r->n_text, &r->tok);
    r->t.tokenizer = now_s() - t0;
    if (r->tty) printf("\r\033[K");
    if (st == TT_ERR_CANCELLED) { printf("interrupted during tokenizer training; nothing saved\n"); return 130; }
    if (st != TT_OK) { fprintf(stderr, "train: tokenizer training failed: %s\n", tt_strerror(st)); return 1; }
    return GO_ON;
}

/* encode the corpus once into the token file the loader streams from */
static int encode_corpus(struct run *r) {
    int32_t *ids = (int32_t *)xmalloc((r->n_text + 1) * sizeof(int32_t));
    double t0 = now_s();
    int V = tt_tokenizer_vocab_size(r->tok);
    tt_status st = tt_tokenizer_encode(r->tok, r->text, r->n_text, 0, ids, r->n_text + 1, &r->n_ids);
    if (st != TT_OK) {
        fprintf(stderr, "train: encoding failed\n");
        free(ids);
        return 1;
    }
    r->t.encode = now_s() - t0;
    r->ids_crc = tt_crc32(0, ids, r->n_ids * sizeof(int32_t));
    if (r->o.resume && r->ids_crc != (uint32_t)r->meta.ids_crc) {
        fprintf(stderr, "train: the corpus gives other tokens than the checkpoint was trained on:\n"
                        "       pass the same --corpus and --max-mb as the first run\n");
        free(ids);
        return 1;
    }
    st = tt_tokens_write_file(r->tok_path, ids, r->n_ids, V);
    if (st != TT_OK) {
        fprintf(stderr, "train: cannot write %s: %s (disk full?)\n", r->tok_path, tt_strerror(st));
        free(ids);
        return 1;
    }
    r->unigram = unigram_entropy(ids, (size_t)((double)r->n_ids * (1.0 - r->o.val_frac)), V);
    printf("tokenizer: vocab %d, %zu tokens, %.2f bytes/token; %s%.1fs, encode %.1fs (%.1f MB/s)\n", V, r->n_ids,
           (double)r->n_text / (double)r->n_ids, r->o.resume ? "from checkpoint, " : "train ", r->t.tokenizer,
           r->t.encode, r->n_text / 1048576.0 / (r->t.encode > 0 ? r->t.encode : 1e-9));
    free(ids);
    free(r->text);
    r->text = NULL;
    return GO_ON;
}

/* ---- step: model and loader ------------------------------------------------------ */
/* a new model (random, or --init weights) and its optimizer settings; a
 * resumed run has both from the checkpoint */
static int create_model(struct run *r) {
    const options *o = &r->o;
    tt_status st;
    if (!r->model) {
        memset(&r->mc, 0, sizeof(r->mc));
        r->mc.vocab_size = tt_tokenizer_vocab_size(r->tok);
        r->mc.n_ctx = o->ctx; r->mc.n_layer = o->layers; r->mc.d_model = o->d_model; r->mc.n_head = o->heads;
        r->mc.max_batch = r->B; r->mc.n_threads = o->threads; r->mc.seed = (uint64_t)o->seed; r->mc.logger = r->logger;
        r->mc.profile = !r->use_be; /* the per-op breakdown of the report (a clock read per op; off on a
                                        GPU, where it would time kernel launches, not kernels) */
        r->mc.backend = r->use_be ? &r->be : NULL;
        set_precision(r);
        memset(&r->opt, 0, sizeof(r->opt));
        r->opt.lr = (float)o->lr; r->opt.min_lr = (float)o->min_lr; r->opt.weight_decay = (float)o->wd;
        r->opt.grad_clip = (float)o->clip;
        r->opt.warmup_steps = o->warmup >= 0 ? o->warmup : (r->steps / 20 > 0 ? r->steps / 20 : 1);
        r->opt.schedule = TT_LR_COSINE;
        r->opt.total_steps = r->steps;
        st = tt_model_create(&r->mc, &r->model);
        if (st != TT_OK) { fprintf(stderr, "train: cannot create the model: %s\n", tt_strerror(st)); return 1; }
        if (o->init) {
            st = ends_with(o->init, ".bin") ? tt_model_load_llmc_file(o->init, r->model)
                                            : tt_model_load_safetensors_file(o->init, r->model);
            if (st != TT_OK) { fprintf(stderr, "train: cannot start from %s: %s\n", o->init, tt_strerror(st)); return 1; }
        }
    }
    r->mc = tt_model_get_config(r->model);
    r->T = r->mc.n_ctx;
    return GO_ON;
}

static int open_loader(struct run *r) {
    tt_loader_config lc;
    tt_loader_info li;
    size_t mem = 0;
    tt_status st;
    memset(&lc, 0, sizeof(lc));
    lc.batch = r->B; lc.seq_len = r->T; lc.val_fraction = (float)r->o.val_frac; lc.seed = (uint64_t)r->o.seed;
    lc.logger = r->logger;
    lc.no_val = r->o.val_frac == 0;
    st = tt_loader_open_file(r->tok_path, &lc, &r->loader);
    if (st == TT_ERR_INVALID_ARG) {
        fprintf(stderr, "train: %zu tokens are too few for --ctx %d with --val-frac %g: pass more text or a smaller --ctx\n",
                r->n_ids, r->T, r->o.val_frac);
        return 1;
    }
    if (st != TT_OK) { fprintf(stderr, "train: cannot read back %s: %s\n", r->tok_path, tt_strerror(st)); return 1; }
    if (r->o.resume && r->cks.has_loader && tt_loader_set_state(r->loader, &r->cks.loader) != TT_OK) {
        fprintf(stderr, "train: the corpus gives other tokens than the checkpoint was trained on:\n"
                        "       pass the same --corpus, --max-mb and --val-frac as the first run\n");
        return 1;
    }
    r->in_b = (int32_t *)xmalloc((size_t)r->B * r->T * sizeof(int32_t));
    r->tg_b = (int32_t *)xmalloc((size_t)r->B * r->T * sizeof(int32_t));
    li = tt_loader_get_info(r->loader);
    tt_model_memory_size(&r->mc, &mem);
    printf("data: %llu train / %llu val tokens, %llu windows of %d per epoch\n", (unsigned long long)li.n_train_tokens,
           (unsigned long long)li.n_val_tokens, (unsigned long long)li.n_train_windows, r->T);
    printf("model: GPT-2 style, %d layers, d_model %d, %d heads, n_ctx %d, vocab %d: %.2fM parameters, %.0f MB%s%s\n",
           r->mc.n_layer, r->mc.d_model, r->mc.n_head, r->mc.n_ctx, r->mc.vocab_size,
           tt_model_num_params(r->model) / 1e6, mem / 1048576.0,
           r->mc.precision == TT_PRECISION_BF16 ? ", bf16 GEMMs" : "", r->mc.recompute ? ", recompute" : "");
    printf("training: %d steps x %d x %d x %d tokens, AdamW lr %g (warmup %d, cosine to %g), wd %g, clip %g\n",
           r->steps, r->accum, r->B, r->T, r->opt.lr, r->opt.warmup_steps, r->opt.min_lr, r->opt.weight_decay,
           r->opt.grad_clip);
    printf("baselines: uniform ln(V) = %.3f, unigram entropy of the training tokens = %.3f nats/token\n",
           log((double)r->mc.vocab_size), r->unigram);
    return GO_ON;
}

/* ---- step: training --------------------------------------------------------------- */
enum { STEP_DONE, STEP_REFUSED, STEP_FAILED };

/* one optimizer step: --accum micro-batches through the fused forward +
 * backward (the lm head forms the loss and its gradient in one pass), then
 * AdamW. STEP_REFUSED: NaN/Inf gradient or update, the optimizer dropped
 * the batch and left the model as it was; STEP_FAILED: message printed. */
static int train_step(struct run *r, tt_step_stats *ss, float *loss) {
    double s0 = now_s(), s1;
    float loss_sum = 0;
    tt_status st = TT_OK;
    int a;
    memset(ss, 0, sizeof(*ss));
    for (a = 0; a < r->accum && st == TT_OK; a++) {
        float l = 0;
        double q0 = now_s(), q1;
        st = tt_loader_next(r->loader, r->in_b, r->tg_b);
        q1 = now_s();
        r->t.data += q1 - q0;
        if (st == TT_OK) st = tt_model_forward_backward(r->model, r->in_b, r->tg_b, r->B, r->T, 1.0f / (float)r->accum, &l);
        r->t.fwdbwd += now_s() - q1;
        loss_sum += l;
    }
    if (st != TT_OK) { fprintf(stderr, "\ntrain: step %d failed: %s\n", r->step + 1, tt_strerror(st)); return STEP_FAILED; }
    s1 = now_s();
    st = tt_adamw_step(r->model, &r->opt, ss);
    r->t.opt += now_s() - s1;
    r->t.steps += now_s() - s0;
    r->tokens_seen += (uint64_t)r->B * r->T * r->accum;
    r->run_tokens += (double)r->B * r->T * r->accum;
    *loss = loss_sum / (float)r->accum;
    if (st == TT_ERR_NONFINITE) {
        fprintf(stderr, "\ntrain: step %d: NaN/Inf gradient or update, batch skipped\n", r->step + 1);
        if (++r->refused_in_row >= 10) {
            fprintf(stderr, "train: 10 steps in a row refused: the run diverged (try a lower --lr)\n");
            return STEP_FAILED;
        }
        return STEP_REFUSED;
    }
    if (st != TT_OK) { fprintf(stderr, "\ntrain: optimizer: %s\n", tt_strerror(st)); return STEP_FAILED; }
    r->refused_in_row = 0;
    return STEP_DONE;
}

/* mean loss over --eval-batches validation batches (NaN when none) */
static float evaluate(struct run *r) {
    double sum = 0, t0 = now_s();
    int i, n = 0, k;
    tt_model_stats s0, s1;
    int have = tt_model_get_stats(r->model, &s0) == TT_OK;
    for (i = 0; i < r->o.eval_batches; i++) {
        float loss;
        if (tt_loader_val_batch(r->loader, (uint64_t)i, r->in_b, r->tg_b) != TT_OK) break;
        if (tt_model_forward(r->model, r->in_b, r->tg_b, r->B, r->T, &loss) != TT_OK) break;
        sum += loss;
        n++;
    }
    r->t.eval += now_s() - t0;
    if (have && tt_model_get_stats(r->model, &s1) == TT_OK)
        for (k = 0; k < TT_OP_COUNT; k++) {
            r->eval_ops.seconds[k] += s1.seconds[k] - s0.seconds[k];
            r->eval_ops.flops[k] += s1.flops[k] - s0.flops[k];
        }
    return n ? (float)(sum / n) : NAN;
}

/* the CSV row, the loss history and the progress line of the step just done */
static void log_step(struct run *r, const tt_step_stats *ss, float val, double step_time) {
    double now = now_s(), el = r->t.before + (now - r->t.train0);
    double rate = r->run_tokens / (r->t.steps > 0 ? r->t.steps : 1e-9);
    double eta = (now - r->t.train0) / (double)(r->step - r->start_step) * (double)(r->steps - r->step);
    if (r->csv) {
        fprintf(r->csv, "%d,%.6f,", r->step, r->last_loss);
        if (isfinite(val)) fprintf(r->csv, "%.6f", val);
        fprintf(r->csv, ",%.6g,%.6g,%.1f,%.3f\n", ss->lr, ss->grad_norm, (double)r->B * r->T * r->accum / step_time, el);
        fflush(r->csv);
    }
    hist_add(&r->hist, r->step, r->last_loss, val);
    if ((r->tty && (now - r->last_bar > 0.1 || r->step == r->steps)) || isfinite(val) || r->step == r->start_step + 1) {
        r->last_bar = now;
        progress_line(r->tty, r->step, r->steps, r->last_loss, r->last_val, rate, el, eta);
        if (r->tty && isfinite(val)) printf("\n");
    }
}

/* write the checkpoint: model, optimizer, tokenizer, data position, RNG and
 * this program's run_meta */
static tt_status save_checkpoint(struct run *r) {
    double c0 = now_s();
    tt_status st;
    run_meta m;
    r->cks.adamw = r->opt;
    r->cks.has_loader = 1;
    r->cks.rng = r->rng;
    tt_loader_get_state(r->loader, &r->cks.loader);
    m.tokens_seen = r->tokens_seen;
    m.elapsed_ms = (uint64_t)((r->t.before + now_s() - r->t.train0) * 1000.0);
    m.batch = (uint64_t)r->B; m.accum = (uint64_t)r->accum; m.steps = (uint64_t)r->steps;
    m.seed = (uint64_t)r->o.seed; m.ids_crc = r->ids_crc;
    meta_store(&m, &r->cks);
    st = tt_checkpoint_save_file(r->ckpt_path, r->model, r->tok, &r->cks);
    r->t.ckpt += now_s() - c0;
    return st;
}

/* the checkpoint within the run: every --ckpt-every steps, at --stop-at and
 * on Ctrl-C. 1 = stop the loop (interrupted, or failed to save). */
static int checkpoint_in_run(struct run *r, int stepped) {
    int at_stop = stepped && r->o.stop_at > 0 && r->step == r->o.stop_at;
    int periodic = stepped && r->o.ckpt_every > 0 && r->step % r->o.ckpt_every == 0 && r->step < r->steps;
    tt_status st;
    if (!periodic && !at_stop && !g_stop) return 0;
    st = save_checkpoint(r);
    if (st != TT_OK) {
        fprintf(stderr, "\ntrain: checkpoint %s not saved at step %d: %s (disk full?); stopping, the previous one "
                        "is unchanged\n", r->ckpt_path, r->step, tt_strerror(st));
        r->failed = 1;
        return 1;
    }
    if (g_stop || at_stop) {
        r->interrupted = 1;
        if (r->tty) printf("\n");
        printf("%s at step %d: checkpoint saved to %s; continue with --resume\n",
               g_stop ? "interrupted (Ctrl-C)" : "stopped (--stop-at)", r->step, r->ckpt_path);
        return 1;
    }
    return 0;
}

/* the training loop, the loss plot and the final checkpoint. A refused step
 * (NaN/Inf) is not counted: the loop's step stays the model's step. */
static int train(struct run *r) {
    r->eval_every = r->o.eval_every > 0 ? r->o.eval_every : (r->steps >= 10 ? r->steps / 10 : 1);
    r->csv = csv_open(r->log_path, r->o.resume, r->start_step, &r->hist);
    tt_rng_seed(&r->rng, (uint64_t)r->o.seed);
    if (r->o.resume) r->rng = r->cks.rng;
    r->t.train0 = now_s();
    r->step = r->start_step;
    while (r->step < r->steps) {
        tt_step_stats ss;
        float loss = NAN, val = NAN;
        double s0 = now_s();
        int s = train_step(r, &ss, &loss);
        if (s == STEP_FAILED) { r->failed = 1; break; }
        if (s == STEP_DONE) {
            double step_time = now_s() - s0;
            r->step++;
            r->last_loss = loss;
            if (r->step % r->eval_every == 0 || r->step == r->steps) val = r->last_val = evaluate(r);
            log_step(r, &ss, val, step_time);
        }
        if (checkpoint_in_run(r, s == STEP_DONE)) break;
    }
    if (r->tty && !r->interrupted) printf("\n");
    if (r->csv) fclose(r->csv);
    r->csv = NULL;
    svg_write(r->plot_path, &r->hist, r->unigram, r->steps);
    if (!r->interrupted && !r->failed) {
        tt_status st = save_checkpoint(r);
        if (st != TT_OK) {
            fprintf(stderr, "train: final checkpoint %s not saved: %s (disk full?); the previous one is unchanged\n",
                    r->ckpt_path, tt_strerror(st));
            r->failed = 1;
        }
    }
    if (r->failed) {
        fprintf(stderr, "train: failed at step %d of %d\n", r->step, r->steps);
        return 1;
    }
    return GO_ON;
}

/* ---- step: report and sample ------------------------------------------------------ */
/* the time of the training steps by op kind, from the library's profiling
 * API (cfg.profile = 1, tt_model_get_stats; the evals' share subtracted):
 * forward, backward and AdamW shares, then the op kinds above 3 % with
 * their GFLOP/s */
static void report_breakdown(struct run *r) {
    tt_model_stats s;
    double fwd = 0, bwd = 0, opt = 0, all;
    int k, first = 1;
    if (tt_model_get_stats(r->model, &s) != TT_OK) return;
    for (k = 0; k < TT_OP_COUNT; k++) {
        s.seconds[k] -= r->eval_ops.seconds[k];
        s.flops[k] -= r->eval_ops.flops[k];
        if (s.seconds[k] < 0) s.seconds[k] = 0;
        if (k == TT_OP_ADAMW) opt += s.seconds[k];
        else if (k >= TT_OP_EMBEDDING_BWD) bwd += s.seconds[k];
        else fwd += s.seconds[k];
    }
    all = fwd + bwd + opt;
    if (all <= 0) return;
    printf("ops: forward %.1f%% | backward %.1f%% | AdamW %.1f%% of %.1fs in ops; largest:", 100 * fwd / all,
           100 * bwd / all, 100 * opt / all, all);
    for (k = 0; k < TT_OP_COUNT; k++) {
        if (s.seconds[k] < 0.03 * all) continue;
        printf("%s %s %.0f%%", first ? "" : ",", tt_op_kind_name(k), 100 * s.seconds[k] / all);
        if (s.flops[k] > 0) printf(" (%.1f GFLOP/s)", s.flops[k] / s.seconds[k] * 1e-9);
        first = 0;
    }
    printf("\n");
}

static int report(struct run *r) {
    double total = r->t.fwdbwd + r->t.opt + r->t.data + r->t.eval + r->t.ckpt;
    struct rusage ru;
    char rate[32];
    uint32_t crc;
    tt_status st = tt_model_download(r->model); /* the host copies of a backend's buffers; a no-op on the CPU */
    if (st != TT_OK) { fprintf(stderr, "train: cannot read the parameters back: %s\n", tt_strerror(st)); return 1; }
    crc = tt_crc32(0, tt_model_params(r->model), tt_model_num_params(r->model) * sizeof(float));
    if (total <= 0) total = 1e-9;
    getrusage(RUSAGE_SELF, &ru);
    fmt_rate(rate, sizeof(rate), r->run_tokens / (r->t.steps + 1e-12));
    printf("final: step %d, train loss %.3f, val loss %.3f (unigram entropy %.3f, uniform %.3f)\n",
           (int)tt_model_step(r->model), r->last_loss, r->last_val, r->unigram, log((double)r->mc.vocab_size));
    printf("time: forward+backward %.1f%% | optimizer %.1f%% | data %.1f%% | eval %.1f%% | checkpoint %.1f%% of %.1fs\n",
           100 * r->t.fwdbwd / total, 100 * r->t.opt / total, 100 * r->t.data / total, 100 * r->t.eval / total,
           100 * r->t.ckpt / total, total);
    report_breakdown(r);
    printf("throughput: %s tok/s in training steps; peak memory %.0f MB\n", rate, ru.ru_maxrss / 1024.0);
    printf("parameters CRC32: %08x (equal across runs that stop and --resume)\n", (unsigned)crc);
    printf("files: %s, %s, %s, %s\n", r->ckpt_path, r->log_path, r->plot_path, r->tok_path);
    return GO_ON;
}

/* the prompt's ids into prompt[0..cap), its text into *text: --sample-prompt,
 * "#include <" for the default corpus, else the first 12 tokens of the
 * validation text; a newline when there is none */
static size_t sample_prompt(struct run *r, int32_t *prompt, size_t cap, const char **text) {
    static char shown[4096];
    const char *p = r->o.sample_prompt;
    tt_status st = TT_OK;
    size_t np = 0;
    if (!p && r->default_corpus) p = "#include <";
    if (p) {
        st = tt_tokenizer_encode(r->tok, p, strlen(p), 0, prompt, cap, &np);
    } else if (tt_loader_val_batch(r->loader, 0, r->in_b, r->tg_b) == TT_OK) {
        size_t nb = 0;
        np = r->T < 12 ? (size_t)r->T : 12;
        memcpy(prompt, r->in_b, np * sizeof(int32_t));
        shown[0] = 0;
        if (tt_tokenizer_decode(r->tok, prompt, np, shown, sizeof(shown) - 1, &nb) == TT_OK) shown[nb] = 0;
        p = shown;
    }
    if ((st != TT_OK && st != TT_ERR_BUFFER_TOO_SMALL) || np == 0) { prompt[0] = (int32_t)'\n'; np = 1; p = "\n"; }
    if (np > (size_t)r->T) { memmove(prompt, prompt + np - r->T, (size_t)r->T * sizeof(int32_t)); np = (size_t)r->T; }
    *text = p;
    return np;
}

/* generate --sample-tokens tokens with the KV cache, streamed to stdout */
static int sample(struct run *r) {
    const options *o = &r->o;
    tt_generator *gen = NULL;
    tt_sample_config sc;
    sample_out so;
    int32_t prompt[4096], *out;
    const char *ptext;
    size_t np, nt = 0;
    int n_out = 0;
    double g0, gt;
    char tail[16];
    tt_status st;
    if (o->sample_tokens <= 0 || g_stop) return GO_ON;
    np = sample_prompt(r, prompt, 4096, &ptext);
    if ((st = tt_generator_create(r->model, &gen)) != TT_OK) {
        fprintf(stderr, "train: no sample: %s\n", tt_strerror(st));
        return GO_ON;
    }
    memset(&sc, 0, sizeof(sc));
    sc.temperature = (float)o->temperature; sc.top_k = o->top_k; sc.top_p = (float)o->top_p;
    sc.seed = (uint64_t)o->seed; sc.on_token = on_token; sc.user = &so;
    memset(&so, 0, sizeof(so));
    so.tok = r->tok;
    out = (int32_t *)xmalloc((size_t)o->sample_tokens * sizeof(int32_t));
    printf("\nsample (temperature %g, top-k %d, top-p %g):\n----\n%s", o->temperature, o->top_k, o->top_p, ptext);
    fflush(stdout);
    g0 = now_s();
    st = tt_generate(gen, prompt, (int)np, &sc, out, o->sample_tokens, &n_out);
    if (st != TT_OK) fprintf(stderr, "\ntrain: sampling stopped: %s\n", tt_strerror(st));
    gt = now_s() - g0;
    tt_tokenizer_decode_stream(r->tok, &so.dec, NULL, 0, 1, tail, sizeof(tail), &nt);
    fwrite(tail, 1, nt, stdout);
    printf("\n----\n%d tokens in %.2fs: %.1f tok/s (KV cache, %d threads)\n", n_out, gt, n_out / (gt > 0 ? gt : 1e-9),
           r->mc.n_threads);
    free(out);
    tt_generator_destroy(gen);
    return GO_ON;
}

static void run_free(struct run *r) {
    size_t i;
    if (r->csv) fclose(r->csv);
    free(r->in_b); free(r->tg_b);
    if (r->loader) tt_loader_close(r->loader);
    if (r->model) tt_model_destroy(r->model);
#ifdef TT_WITH_CUDA
    if (r->use_be) tt_cuda_backend_destroy(&r->be); /* after the model, which frees its buffers through it */
#endif
    if (r->tok) tt_tokenizer_destroy(r->tok);
    free(r->text);
    for (i = 0; i < r->files.n; i++) free(r->files.p[i]);
    free(r->files.p);
    free(r->hist.step); free(r->hist.train); free(r->hist.val);
    if (r->ckpt_path != r->o.ckpt) free(r->ckpt_path);
    if (r->log_path != r->o.log) free(r->log_path);
    if (r->plot_path != r->o.plot) free(r->plot_path);
    free(r->tok_path);
}

/* ---- main ------------------------------------------------------------------------ */
int main(int argc, char **argv) {
    static struct run r; /* zeroed */
    int rc = parse_options(&r, argc, argv);
    if (rc == GO_ON) rc = open_output(&r);
    if (rc == GO_ON) rc = open_backend(&r);
    if (rc == GO_ON) rc = find_corpus(&r);
    if (rc == GO_ON && r.o.resume) rc = resume_checkpoint(&r);
    if (rc == GO_ON) rc = read_corpus(&r);
    if (rc == GO_ON && !r.o.resume) rc = train_tokenizer(&r);
    if (rc == GO_ON) rc = encode_corpus(&r);
    if (rc == GO_ON) rc = create_model(&r);
    if (rc == GO_ON) rc = open_loader(&r);
    if (rc == GO_ON) rc = train(&r);
    if (rc == GO_ON) rc = report(&r);
    if (rc == GO_ON) rc = sample(&r);
    run_free(&r);
    return rc == GO_ON ? 0 : rc; /* 0 also after Ctrl-C: the checkpoint is saved, nothing failed */
}
