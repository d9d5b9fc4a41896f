/* flip: N threads whose name changes every second: the cost of refreshing the thread list
 * (benchmarks/pane.py, and the VS Code measurement of vscode-extension/e2e/threadPane.ts).
 *
 *   flip N
 *
 * Every thread loops: it names itself "flip-a" or "flip-b" (in turn), then
 * sleeps a second. The name is in /proc/TID/stat, which a sampler reads each
 * second: every thread's name, and so every name in the thread list, changes
 * at each sample, and the adapter refreshes the list each second. (A wait that
 * changes without a tick of CPU is not seen at once: the sampler re-reads a
 * thread's wait only when its stat line moved.) The threads start together
 * (a barrier) and use no CPU to speak of; stacks are 64 KiB so that 10,000 fit.
 * Prints "flip: ready N" once all run, then runs until killed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t together;

static void *flipper(void *arg)
{
    (void)arg;
    struct timespec second = { 1, 0 };
    pthread_barrier_wait(&together);
    for (unsigned long i = 0;; i++) {
        prctl(PR_SET_NAME, i % 2 ? "flip-b" : "flip-a", 0, 0, 0);
        syscall(SYS_nanosleep, &second, NULL);
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
