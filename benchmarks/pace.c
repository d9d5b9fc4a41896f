/* pace: create threads at an offered rate, and say when each was created.
 *
 *   pace RATE COUNT OUTFILE
 *
 * Creates COUNT detached, immediately-ending threads, thread i at
 * start + i/RATE seconds (absolute CLOCK_MONOTONIC deadlines, so a late
 * creation does not shift the later ones). When all have ended it writes one
 * line per thread to OUTFILE: "index tid call_ns return_ns child_ns", the
 * CLOCK_MONOTONIC times just before pthread_create is called, right after it
 * returns, and at the start of the thread itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t *call_ns, *return_ns, *child_ns;
static pid_t *tid_of;
static atomic_long finished;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *worker(void *arg)
{
    long i = (long)(intptr_t)arg;
    child_ns[i] = now_ns();
    tid_of[i] = (pid_t)syscall(SYS_gettid);
    atomic_fetch_add(&finished, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pace RATE COUNT OUTFILE\n");
        return 2;
    }
    double rate = atof(argv[1]);
    long count = atol(argv[2]);
    if (rate <= 0 || count < 0) {
        fprintf(stderr, "pace: need RATE > 0 and COUNT >= 0\n");
        return 2;
    }
    call_ns = calloc((size_t)count + 1, sizeof *call_ns);
    return_ns = calloc((size_t)count + 1, sizeof *return_ns);
    child_ns = calloc((size_t)count + 1, sizeof *child_ns);
    tid_of = calloc((size_t)count + 1, sizeof *tid_of);
    if (!call_ns || !return_ns || !child_ns || !tid_of)
        return 1;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);

    uint64_t start = now_ns() + 1000000; /* 1 ms from now */
    double period = 1e9 / rate;
    for (long i = 0; i < count; i++) {
        uint64_t due = start + (uint64_t)(period * (double)i);
        struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        pthread_t t;
        call_ns[i] = now_ns();
        int err = pthread_create(&t, &attr, worker, (void *)(intptr_t)i);
        return_ns[i] = now_ns();
        if (err) {
            fprintf(stderr, "pace: pthread_create #%ld: %s\n", i, strerror(err));
            return 1;
        }
    }
    while (atomic_load(&finished) < count) {
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    FILE *f = fopen(argv[3], "w");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    for (long i = 0; i < count; i++)
        fprintf(f, "%ld %d %llu %llu %llu\n", i, (int)tid_of[i], (unsigned long long)call_ns[i],
                (unsigned long long)return_ns[i], (unsigned long long)child_ns[i]);
    fclose(f);
    return 0;
}
