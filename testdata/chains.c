/* chains: threads that create threads (never the main thread).
 *
 * usage: chains [NCHAINS=64] [GENERATIONS=100] [HOLD_MS=0]
 *
 * Main starts NCHAINS threads and then only waits. Each thread sleeps about
 * HOLD_MS, creates its successor and returns, so about NCHAINS threads live
 * at any moment and every thread after the first generation was created by a
 * non-main thread. An attach racing with this must rescan /proc: a thread
 * created by a creator not yet seized is not auto-attached
 * (PTRACE_O_TRACECLONE applies to traced creators only), and its lineage
 * would run untraced for good.
 *
 * GENERATIONS >= 1: each chain has that many threads. Chain c sleeps HOLD_MS
 * ms + (c*37 % 1000) us, so the chains drift apart and creations spread out.
 * Main prints "chains: ready" before starting the chains and, once every
 * thread has ended, "chains: done N" (N = NCHAINS*GENERATIONS); exits 0.
 * Env CHAINS_RECORD=path: after "done", main writes one line "tid ns" per
 * thread (its tid and CLOCK_MONOTONIC start) to path (a FIFO makes main wait
 * there until the reader comes).
 *
 * GENERATIONS = 0: the chains never end. The first generation's lives are
 * staggered (chain c first lives c*HOLD_MS/NCHAINS ms), so successors are
 * born at a steady NCHAINS/HOLD_MS per ms, not in waves. Main prints
 * "chains: ready NCHAINS" once the first generation exists (an attach then
 * meets threads already busy creating threads) and sleeps until killed.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <stdatomic.h>

static long nchains, generations, hold_ms;
static pid_t *rec_tid;
static uint64_t *rec_ns;
static atomic_long finished;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;

static void sleep_us(long us)
{
    struct timespec req = { us / 1000000, (us % 1000000) * 1000 }, rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

static void start_link(long slot)
{
    pthread_t t;
    pthread_attr_t attr;
    void *link_main(void *);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int err;
    /* Endless chains may meet the thread limit for a moment: wait, as a server would. */
    while ((err = pthread_create(&t, &attr, link_main, (void *)(intptr_t)slot)) == EAGAIN && generations == 0)
        sleep_ms(1);
    if (err)
        die_err("chains", "pthread_create", err);
    pthread_attr_destroy(&attr);
}

/* arg: slot = chain * GENERATIONS + generation (finite), or -1 - chain for an endless chain's first link,
 * or -(NCHAINS + 1) for a later link of an endless chain. */
void *link_main(void *arg)
{
    long slot = (long)(intptr_t)arg;

    if (generations == 0) {
        long us = hold_ms * 1000;
        if (slot < 0 && slot >= -nchains)
            us = hold_ms * 1000 * (-1 - slot) / nchains; /* the staggered first generation */
        sleep_us(us);
        start_link(-(nchains + 1));
        return NULL;
    }
    rec_tid[slot] = tid_self();
    rec_ns[slot] = now_ns();
    if (hold_ms > 0)
        sleep_us(hold_ms * 1000 + ((slot / generations) * 37) % 1000);
    if ((slot + 1) % generations != 0)
        start_link(slot + 1);
    if (atomic_fetch_add(&finished, 1) + 1 == nchains * generations) {
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&all_done);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void run_endless(void)
{
    for (long c = 0; c < nchains; c++)
        start_link(-1 - c);
    printf("chains: ready %ld\n", nchains);
    sleep_forever();
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    nchains     = arg_long(argc, argv, 1, 64, "NCHAINS");
    generations = arg_long(argc, argv, 2, 100, "GENERATIONS");
    hold_ms     = arg_long(argc, argv, 3, 0, "HOLD_MS");
    if (nchains < 1 || generations < 0 || hold_ms < 0) {
        fprintf(stderr, "chains: NCHAINS must be >= 1, GENERATIONS >= 0 (0: endless), HOLD_MS >= 0\n");
        return 2;
    }
    if (generations == 0)
        run_endless();

    long total = nchains * generations;
    rec_tid = calloc((size_t)total, sizeof *rec_tid);
    rec_ns = calloc((size_t)total, sizeof *rec_ns);
    if (!rec_tid || !rec_ns)
        die_err("chains", "calloc", ENOMEM);

    printf("chains: ready\n");
    for (long c = 0; c < nchains; c++)
        start_link(c * generations);
    pthread_mutex_lock(&lock);
    while (atomic_load(&finished) < total)
        pthread_cond_wait(&all_done, &lock);
    pthread_mutex_unlock(&lock);
    /* A detached thread may still be on its way out after counting itself. */
    sleep_ms(50);
    printf("chains: done %ld\n", total);

    const char *path = getenv("CHAINS_RECORD");
    if (path && *path) {
        FILE *f = fopen(path, "w");
        if (!f)
            die_err("chains", path, errno);
        for (long i = 0; i < total; i++)
            fprintf(f, "%d %llu\n", (int)rec_tid[i], (unsigned long long)rec_ns[i]);
        if (fclose(f) != 0)
            die_err("chains", path, errno);
    }
    return 0;
}
