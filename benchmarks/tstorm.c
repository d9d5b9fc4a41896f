/* tstorm: testdata/storm, timed from inside.
 *
 *   tstorm TOTAL BATCH OUTFILE [--wait[=FIFO]]
 *
 * Creates TOTAL short threads in batches of BATCH (create the batch, join
 * it) and writes "elapsed_ns threads" to OUTFILE: the time of the
 * create/join loop alone, so a tracer's own start-up (gdb reading symbols,
 * the adapter's imports) is not counted. With --wait it prints "ready" and
 * waits for a byte on stdin (--wait=FIFO: from FIFO) before the storm, so a
 * tracer can attach first, and after writing OUTFILE prints "done" and waits
 * for another byte (or the end of the input), so a tracer's CPU time can be
 * read while it still traces. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_ullong sum;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *worker(void *arg)
{
    atomic_fetch_add(&sum, (unsigned long long)(uintptr_t)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tstorm TOTAL BATCH OUTFILE [--wait[=FIFO]]\n");
        return 2;
    }
    long total = atol(argv[1]), batch = atol(argv[2]);
    const char *out = argv[3];
    if (total < 0 || batch < 1) {
        fprintf(stderr, "tstorm: need TOTAL >= 0 and BATCH >= 1\n");
        return 2;
    }
    /* --wait reads its go-ahead bytes from stdin, --wait=PATH from PATH (a FIFO:
     * a tracer may give the program /dev/null as stdin) */
    int wait = argc > 4 && strncmp(argv[4], "--wait", 6) == 0;
    int go = 0;
    char c;
    if (wait) {
        printf("ready\n");
        fflush(stdout);
        if (argv[4][6] == '=' && (go = open(argv[4] + 7, O_RDONLY)) < 0) {
            perror(argv[4] + 7);
            return 1;
        }
        if (read(go, &c, 1) != 1)
            return 1;
    }
    pthread_t *threads = calloc((size_t)batch, sizeof *threads);
    if (!threads)
        return 1;
    uint64_t start = now_ns();
    for (long first = 0; first < total; first += batch) {
        long n = total - first < batch ? total - first : batch;
        for (long j = 0; j < n; j++)
            if (pthread_create(&threads[j], NULL, worker, (void *)(uintptr_t)(first + j)) != 0) {
                perror("tstorm: pthread_create");
                return 1;
            }
        for (long j = 0; j < n; j++)
            pthread_join(threads[j], NULL);
    }
    uint64_t elapsed = now_ns() - start;
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    fprintf(f, "%llu %ld\n", (unsigned long long)elapsed, total);
    fclose(f);
    if (wait) {
        printf("done\n");
        fflush(stdout);
        if (read(go, &c, 1) < 0)
            return 1;
    }
    return 0;
}
