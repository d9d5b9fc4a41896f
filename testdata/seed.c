/* seed: the seed chapter's program, made testable.
 *
 * usage: seed [INTERVAL_MS=1000] [COUNT=10] [LINGER_MS=1000] [THREAD_LIFE_MS=200]
 *
 * Main prints "process: PID, thread: TID", then COUNT times: sleeps
 * INTERVAL_MS and starts a thread named "worker-N" (N from 1) which prints
 * "process: PID, thread: TID", sleeps THREAD_LIFE_MS and returns.  After the
 * loop main sleeps LINGER_MS, joins every thread, prints "done", exits 0.
 *
 *   COUNT=-1      create threads forever (threads are detached)
 *   LINGER_MS<0   sleep forever after the loop; with COUNT=0 the program just
 *                 sleeps forever (useful for attach tests)
 */
#include "common.h"

static long thread_life_ms;

static void *worker_main(void *arg)
{
    long n = (long)(intptr_t)arg;
    char name[16];

    snprintf(name, sizeof name, "worker-%ld", n);
    pthread_setname_np(pthread_self(), name);
    printf("process: %d, thread: %d\n", (int)getpid(), (int)tid_self());
    sleep_ms(thread_life_ms);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long interval_ms = arg_long(argc, argv, 1, 1000, "INTERVAL_MS");
    long count       = arg_long(argc, argv, 2, 10, "COUNT");
    long linger_ms   = arg_long(argc, argv, 3, 1000, "LINGER_MS");
    thread_life_ms   = arg_long(argc, argv, 4, 200, "THREAD_LIFE_MS");
    if (count < -1) {
        fprintf(stderr, "seed: COUNT must be >= -1\n");
        return 2;
    }

    pthread_t *threads = NULL;
    if (count > 0) {
        threads = calloc((size_t)count, sizeof *threads);
        if (!threads)
            die_err("seed", "calloc", ENOMEM);
    }

    printf("process: %d, thread: %d\n", (int)getpid(), (int)tid_self());

    for (long i = 1; count < 0 || i <= count; i++) {
        sleep_ms(interval_ms);
        pthread_t t;
        int err = pthread_create(&t, NULL, worker_main, (void *)(intptr_t)i);
        if (err)
            die_err("seed", "pthread_create", err);
        if (count < 0)
            pthread_detach(t);
        else
            threads[i - 1] = t;
    }

    if (linger_ms < 0)
        sleep_forever();
    sleep_ms(linger_ms);

    for (long i = 0; i < count; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    printf("done\n");
    return 0;
}
