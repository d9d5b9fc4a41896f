/* leader_exit: the main thread exits first (zombie thread-group leader).
 *
 * usage: leader_exit [NTHREADS=3] [LIFE_MS=500]
 *
 * Main prints "leader_exit: pid=PID threads=N", starts NTHREADS threads and
 * calls pthread_exit(NULL).  Each worker N (1..NTHREADS) sleeps LIFE_MS,
 * then prints "worker N done" (in order 1..N, by taking turns) and returns.
 * The process exits with status 0 when the last thread ends.
 */
#include "common.h"

static long life_ms;
static long turn = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg)
{
    long n = (long)(intptr_t)arg;

    sleep_ms(life_ms);
    pthread_mutex_lock(&lock);
    while (turn != n)
        pthread_cond_wait(&cond, &lock);
    printf("worker %ld done\n", n);
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long nthreads = arg_long(argc, argv, 1, 3, "NTHREADS");
    life_ms = arg_long(argc, argv, 2, 500, "LIFE_MS");
    if (nthreads < 0) {
        fprintf(stderr, "leader_exit: NTHREADS must be >= 0\n");
        return 2;
    }

    printf("leader_exit: pid=%d threads=%ld\n", (int)getpid(), nthreads);
    for (long n = 1; n <= nthreads; n++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, worker, (void *)(intptr_t)n);
        if (err)
            die_err("leader_exit", "pthread_create", err);
        pthread_detach(t);
    }
    pthread_exit(NULL);
}
