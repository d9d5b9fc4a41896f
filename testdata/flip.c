/* flip: N threads whose wait changes every second: the cost of refreshing the thread list
 * (benchmarks/pane.py, and the VS Code measurement of vscode-extension/e2e/threadPane.ts).
 *
 *   flip N
 *
 * Every thread loops: nanosleep(2) for a second, then poll(2) on nothing for a
 * second. A sampler reading /proc/TID/syscall each second sees every thread's
 * wait change (nanosleep <-> poll), so every name that shows {wait} changes and
 * the adapter refreshes the list at each sample. The threads start together
 * (a barrier) and use no CPU to speak of. Stacks are 64 KiB so that 10,000 fit.
 * Prints "flip: ready N" once all run, then runs until killed.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t together;

static void *flipper(void *arg)
{
    (void)arg;
    struct timespec second = { 1, 0 };
    pthread_barrier_wait(&together);
    for (;;) {
        syscall(SYS_nanosleep, &second, NULL);
        poll(NULL, 0, 1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    pthread_attr_t attr;
    if (n < 1) {
        fprintf(stderr, "usage: flip N (N >= 1)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_barrier_init(&together, NULL, (unsigned)n + 1);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, flipper, NULL) != 0) {
            perror("flip: pthread_create");
            return 1;
        }
    }
    pthread_barrier_wait(&together);
    printf("flip: ready %ld\n", n);
    for (;;)
        pause();
}
