/* >>threads  built-in pthread pool behind parallel_for */
#include "tt_internal.h"

TT__PRIVATE void tt__parallel_for(const tt__exec *ex, int n, void (*task)(void *arg, int i), void *arg) {
    int i;
    if (n <= 0) return;
    if (n == 1 || !ex || !ex->par.parallel_for || ex->n_threads <= 1) {
        for (i = 0; i < n; i++) task(arg, i);
        return;
    }
    ex->par.parallel_for(ex->par.pool, n, task, arg);
}

#if TT__HAS_THREADS
/* n_threads-1 persistent workers plus the calling thread.
 * A dispatch publishes (task, arg, n) and bumps a generation counter; tasks
 * are claimed from a shared atomic counter, so which thread runs a task never
 * changes its result (tasks of one dispatch have disjoint outputs). Workers
 * spin briefly on the generation (a training step dispatches many short
 * phases), then sleep on a condition variable; the caller wakes sleepers
 * only when there are any. With GCC/Clang atomics; other compilers take the
 * mutex for every access. */
#if defined(__GNUC__) || defined(__clang__)
#  define TT__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define TT__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#  define TT__ATOMIC_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#  if defined(__x86_64__) || defined(__i386__)
#    define TT__PAUSE() __builtin_ia32_pause()
#  else
#    define TT__PAUSE() ((void)0)
#  endif
#  define TT__POOL_SPIN 20000
#else
#  define TT__POOL_SPIN 0
#endif

struct tt__pool {
    pthread_mutex_t mu;
    pthread_cond_t  wake;
    void (*task)(void *arg, int i);
    void *arg;
    int n_tasks;
    int next;            /* next task to claim */
    int n_done;          /* workers finished with the current generation */
    unsigned generation;
    int sleepers;        /* workers waiting on the condition variable (under mu) */
    int stop;
    int n_workers;
    int n_started;
    pthread_t threads[1]; /* n_workers entries */
};

TT__PRIVATE size_t tt__pool_size(int n_threads) {
    int nw = n_threads > 1 ? n_threads - 1 : 1;
    return sizeof(struct tt__pool) + (size_t)nw * sizeof(pthread_t);
}

#if TT__POOL_SPIN
TT__PRIVATE int tt__pool_claim(struct tt__pool *p) { return TT__ATOMIC_ADD(&p->next, 1); }
TT__PRIVATE unsigned tt__pool_gen(struct tt__pool *p) { return TT__ATOMIC_LOAD(&p->generation); }
TT__PRIVATE void tt__pool_done(struct tt__pool *p) { (void)TT__ATOMIC_ADD(&p->n_done, 1); }
TT__PRIVATE int tt__pool_ndone(struct tt__pool *p) { return TT__ATOMIC_LOAD(&p->n_done); }
#else
TT__PRIVATE int tt__pool_claim(struct tt__pool *p) { int i; pthread_mutex_lock(&p->mu); i = p->next++; pthread_mutex_unlock(&p->mu); return i; }
TT__PRIVATE unsigned tt__pool_gen(struct tt__pool *p) { unsigned g; pthread_mutex_lock(&p->mu); g = p->generation; pthread_mutex_unlock(&p->mu); return g; }
TT__PRIVATE void tt__pool_done(struct tt__pool *p) { pthread_mutex_lock(&p->mu); p->n_done++; pthread_mutex_unlock(&p->mu); }
TT__PRIVATE int tt__pool_ndone(struct tt__pool *p) { int n; pthread_mutex_lock(&p->mu); n = p->n_done; pthread_mutex_unlock(&p->mu); return n; }
#endif

TT__PRIVATE void tt__pool_run(struct tt__pool *p) {
    int n = p->n_tasks, i;
    while ((i = tt__pool_claim(p)) < n) p->task(p->arg, i);
}

TT__PRIVATE void *tt__pool_worker(void *arg) {
    struct tt__pool *p = (struct tt__pool *)arg;
    unsigned seen = 0;
    for (;;) {
        int spin;
        for (spin = 0; spin < TT__POOL_SPIN && tt__pool_gen(p) == seen; spin++) {
#if TT__POOL_SPIN
            TT__PAUSE();
#endif
        }
        pthread_mutex_lock(&p->mu);
        if (p->generation == seen && !p->stop) {
            p->sleepers++;
            while (p->generation == seen && !p->stop) pthread_cond_wait(&p->wake, &p->mu);
            p->sleepers--;
        }
        if (p->stop) { pthread_mutex_unlock(&p->mu); break; }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        tt__pool_run(p);
        tt__pool_done(p);
    }
    return NULL;
}

TT__PRIVATE tt_status tt__pool_start(tt__pool *p, int n_threads) {
    int i;
    memset(p, 0, sizeof(*p));
    if (pthread_mutex_init(&p->mu, NULL) != 0) return TT_ERR_OUT_OF_MEMORY;
    if (pthread_cond_init(&p->wake, NULL) != 0) { pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY; }
    p->n_workers = n_threads - 1;
    for (i = 0; i < p->n_workers; i++) {
        if (pthread_create(&p->threads[i], NULL, tt__pool_worker, p) != 0) {
            tt__pool_stop(p);
            return TT_ERR_OUT_OF_MEMORY;
        }
        p->n_started++;
    }
    return TT_OK;
}

TT__PRIVATE void tt__pool_stop(tt__pool *p) {
    int i;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->n_started; i++) pthread_join(p->threads[i], NULL);
    p->n_started = 0;
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
}

TT__PRIVATE void tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    struct tt__pool *p = (struct tt__pool *)pool;
    int spin = 0;
    /* publish the job, then the generation (release) */
    pthread_mutex_lock(&p->mu);
    p->task = task;
    p->arg = arg;
    p->n_tasks = n;
    p->next = 0;
    p->n_done = 0;
#if TT__POOL_SPIN
    TT__ATOMIC_STORE(&p->generation, p->generation + 1);
#else
    p->generation++;
#endif
    if (p->sleepers > 0) pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    tt__pool_run(p);
    /* wait for every started worker to leave this generation */
    while (tt__pool_ndone(p) < p->n_started) {
        if (++spin > 1000) sched_yield();
#if TT__POOL_SPIN
        else TT__PAUSE();
#endif
    }
}
#endif /* TT__HAS_THREADS */
