/* spin: busy/sleeping threads for pause/continue tests, and many threads.
 *
 * usage: spin [NTHREADS=4] [SECONDS=-1]
 *
 * Starts NTHREADS threads named "spinner-N" (N from 1) with 64 KiB stacks
 * (so 10,000 threads fit).  With NTHREADS <= 64 each thread alternates a
 * few ms of busy looping (no syscalls) with a few ms of nanosleep, so at any
 * moment some threads are running and some are in a syscall.  With
 * NTHREADS > 64 threads only sleep: nanosleep loops of 50 ms, or of
 * NTHREADS/20 ms when NTHREADS > 1000 (to bound the total wakeup rate).
 * Once every thread has started, prints "spin: ready NTHREADS".
 * SECONDS < 0: runs forever.  Otherwise after SECONDS (may be fractional)
 * it stops and joins the threads, prints "spin: done" and exits 0.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <stdatomic.h>

#define STACK_SIZE (64 * 1024)

static long nthreads;
static atomic_int stop;
static long started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_started = PTHREAD_COND_INITIALIZER;

/* Busy loop for ns nanoseconds; clock_gettime goes through the vDSO. */
static void busy_ns(uint64_t ns)
{
    volatile unsigned long x = 0;
    uint64_t end = now_ns() + ns;
    while (now_ns() < end)
        for (int i = 0; i < 1000; i++)
            x += (unsigned long)i;
}

static void *spinner(void *arg)
{
    long n = (long)(intptr_t)arg;
    char name[16];

    snprintf(name, sizeof name, "spinner-%ld", n);
    pthread_setname_np(pthread_self(), name);

    pthread_mutex_lock(&lock);
    if (++started == nthreads)
        pthread_cond_signal(&all_started);
    pthread_mutex_unlock(&lock);

    /* Many threads: only sleep, and sleep longer the more threads there
     * are, so 10,000 threads cost ~20k wakeups/s in total. */
    long nap_ms = nthreads > 1000 ? nthreads / 20 : 50;
    int sleepy = nthreads > 64;
    while (!atomic_load(&stop)) {
        if (sleepy) {
            sleep_ms(nap_ms);
        } else {
            busy_ns((uint64_t)(2 + n % 3) * 1000000);
            sleep_ms(3 + n % 5);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    nthreads = arg_long(argc, argv, 1, 4, "NTHREADS");
    double seconds = -1;
    if (argc > 2) {
        char *end;
        seconds = strtod(argv[2], &end);
        if (end == argv[2] || *end != '\0') {
            fprintf(stderr, "bad value for SECONDS: '%s'\n", argv[2]);
            return 2;
        }
    }
    if (nthreads < 0) {
        fprintf(stderr, "spin: NTHREADS must be >= 0\n");
        return 2;
    }

    pthread_t *threads = calloc((size_t)nthreads + 1, sizeof *threads);
    if (!threads)
        die_err("spin", "calloc", ENOMEM);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int err = pthread_attr_setstacksize(&attr, STACK_SIZE);
    if (err)
        die_err("spin", "pthread_attr_setstacksize", err);
    for (long i = 0; i < nthreads; i++) {
        err = pthread_create(&threads[i], &attr, spinner, (void *)(intptr_t)(i + 1));
        if (err) {
            fprintf(stderr, "spin: pthread_create #%ld: %s\n", i + 1, strerror(err));
            return 1;
        }
    }
    pthread_attr_destroy(&attr);

    pthread_mutex_lock(&lock);
    while (started < nthreads)
        pthread_cond_wait(&all_started, &lock);
    pthread_mutex_unlock(&lock);
    printf("spin: ready %ld\n", nthreads);

    if (seconds < 0)
        sleep_forever();
    sleep_ms((long)(seconds * 1000));

    atomic_store(&stop, 1);
    for (long i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    printf("spin: done\n");
    return 0;
}
