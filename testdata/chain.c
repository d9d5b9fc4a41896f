/* chain: threads created by threads other than main, all the time.
 *
 * usage: chain [LINEAGES=32] [LIFE_MS=10]
 *
 * Main starts LINEAGES detached threads, prints "chain: ready LINEAGES" and
 * sleeps forever.  Each thread lives LIFE_MS ms, starts its successor
 * (detached) and returns, so about LINEAGES threads are alive at any moment
 * and every thread after the first generation was created by a non-main
 * thread.  The first generation's lives are staggered (lineage i first lives
 * i*LIFE_MS/LINEAGES ms), so successors are born at a steady rate of
 * LINEAGES/LIFE_MS per ms, not in bursts.  An attach that seizes only the threads of one /proc/PID/task scan
 * misses the successors that unseized threads create meanwhile, and those
 * lineages then run untraced for good.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#define STACK_SIZE (64 * 1024)

static long life_ms;
static pthread_attr_t attr;

static void sleep_ns(uint64_t ns)
{
    struct timespec req = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) }, rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

/* arg: this thread's life in ns (the first generation's are staggered). */
static void *link_main(void *arg)
{
    pthread_t next;
    sleep_ns((uint64_t)(uintptr_t)arg);
    int err;
    while ((err = pthread_create(&next, &attr, link_main, (void *)(uintptr_t)(life_ms * 1000000ull))) == EAGAIN)
        sleep_ms(1);
    if (err)
        die_err("chain", "pthread_create", err);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long lineages = arg_long(argc, argv, 1, 32, "LINEAGES");
    life_ms = arg_long(argc, argv, 2, 10, "LIFE_MS");
    if (lineages < 0 || life_ms < 0) {
        fprintf(stderr, "chain: LINEAGES and LIFE_MS must be >= 0\n");
        return 2;
    }
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (long i = 0; i < lineages; i++) {
        pthread_t t;
        uint64_t first = (uint64_t)life_ms * 1000000ull * (uint64_t)i / (uint64_t)lineages;
        int err = pthread_create(&t, &attr, link_main, (void *)(uintptr_t)first);
        if (err)
            die_err("chain", "pthread_create", err);
    }
    printf("chain: ready %ld\n", lineages);
    sleep_forever();
}
