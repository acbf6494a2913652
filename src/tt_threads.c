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
/* n_threads-1 persistent workers plus the calling thread. A dispatch
 * publishes (task, arg, n) and bumps a generation counter under the mutex;
 * tasks are claimed from a shared counter, so which thread runs a task
 * never changes its result (tasks have disjoint outputs). Workers spin
 * briefly on the generation, then sleep on a condition variable. */
struct tt__pool {
    pthread_mutex_t mu;
    pthread_cond_t  wake, done;
    void (*task)(void *arg, int i);
    void *arg;
    int n_tasks;
    int next;            /* next task to claim (under mu) */
    int n_running;       /* workers still inside the current generation */
    unsigned generation;
    int stop;
    int n_workers;
    int n_started;
    pthread_t threads[1]; /* n_workers entries */
};

TT__PRIVATE size_t tt__pool_size(int n_threads) {
    int nw = n_threads > 1 ? n_threads - 1 : 1;
    return sizeof(struct tt__pool) + (size_t)nw * sizeof(pthread_t);
}

TT__PRIVATE void tt__pool_run(struct tt__pool *p) {
    for (;;) {
        int i;
        pthread_mutex_lock(&p->mu);
        i = p->next < p->n_tasks ? p->next++ : -1;
        pthread_mutex_unlock(&p->mu);
        if (i < 0) break;
        p->task(p->arg, i);
    }
}

TT__PRIVATE void *tt__pool_worker(void *arg) {
    struct tt__pool *p = (struct tt__pool *)arg;
    unsigned seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        tt__pool_run(p);
        pthread_mutex_lock(&p->mu);
        if (--p->n_running == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

TT__PRIVATE tt_status tt__pool_start(tt__pool *p, int n_threads) {
    int i;
    memset(p, 0, sizeof(*p));
    if (pthread_mutex_init(&p->mu, NULL) != 0) return TT_ERR_OUT_OF_MEMORY;
    if (pthread_cond_init(&p->wake, NULL) != 0) { pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY; }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->wake); pthread_mutex_destroy(&p->mu); return TT_ERR_OUT_OF_MEMORY;
    }
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
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
}

TT__PRIVATE void tt__pool_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    struct tt__pool *p = (struct tt__pool *)pool;
    pthread_mutex_lock(&p->mu);
    p->task = task;
    p->arg = arg;
    p->n_tasks = n;
    p->next = 0;
    p->n_running = p->n_started;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    tt__pool_run(p);
    pthread_mutex_lock(&p->mu);
    while (p->n_running > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
#endif /* TT__HAS_THREADS */
