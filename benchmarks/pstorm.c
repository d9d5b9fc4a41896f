/* pstorm: the parallel storm - P creator threads, each creating short threads in batches.
 *
 *   pstorm P TOTAL BATCH OUTFILE [--wait[=FIFO]]
 *
 * Starts P creator threads; each creates TOTAL/P short threads in batches of
 * BATCH (create the batch, join it, repeat). Writes "elapsed_ns threads" to
 * OUTFILE: the time from releasing the creators to the last one's end, so a
 * tracer's start-up is not counted. On a P-core machine the kernel handles
 * the creators' clones in parallel; a tracer that handles every stop on one
 * thread becomes the program's ceiling. --wait: as tstorm's ("ready", a byte;
 * "done", a byte). */
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
static long per_creator, batch;
static pthread_barrier_t start_line;

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

static void *creator(void *arg)
{
    (void)arg;
    pthread_t *threads = calloc((size_t)batch, sizeof *threads);
    if (!threads)
        exit(1);
    pthread_barrier_wait(&start_line);
    for (long first = 0; first < per_creator; first += batch) {
        long n = per_creator - first < batch ? per_creator - first : batch;
        for (long j = 0; j < n; j++)
            if (pthread_create(&threads[j], NULL, worker, (void *)(uintptr_t)(first + j)) != 0) {
                perror("pstorm: pthread_create");
                exit(1);
            }
        for (long j = 0; j < n; j++)
            pthread_join(threads[j], NULL);
    }
    free(threads);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: pstorm P TOTAL BATCH OUTFILE [--wait[=FIFO]]\n");
        return 2;
    }
    /* --wait reads its go-ahead bytes from stdin, --wait=PATH from PATH (a FIFO:
     * a tracer may give the program /dev/null as stdin) */
    int wait = argc > 5 && strncmp(argv[5], "--wait", 6) == 0;
    int go = 0;
    char c;
    if (wait) {
        printf("ready\n");
        fflush(stdout);
        if (argv[5][6] == '=' && (go = open(argv[5] + 7, O_RDONLY)) < 0) {
            perror(argv[5] + 7);
            return 1;
        }
        if (read(go, &c, 1) != 1)
            return 1;
    }
    long p = atol(argv[1]), total = atol(argv[2]);
    batch = atol(argv[3]);
    if (p < 1 || total < p || batch < 1) {
        fprintf(stderr, "pstorm: need P >= 1, TOTAL >= P, BATCH >= 1\n");
        return 2;
    }
    per_creator = total / p;
    pthread_t *creators = calloc((size_t)p, sizeof *creators);
    if (!creators || pthread_barrier_init(&start_line, NULL, (unsigned)p + 1) != 0)
        return 1;
    for (long i = 0; i < p; i++)
        if (pthread_create(&creators[i], NULL, creator, NULL) != 0) {
            perror("pstorm: pthread_create");
            return 1;
        }
    pthread_barrier_wait(&start_line);
    uint64_t start = now_ns();
    for (long i = 0; i < p; i++)
        pthread_join(creators[i], NULL);
    uint64_t elapsed = now_ns() - start;
    FILE *f = fopen(argv[4], "w");
    if (!f) {
        perror(argv[4]);
        return 1;
    }
    fprintf(f, "%llu %ld\n", (unsigned long long)elapsed, per_creator * p);
    fclose(f);
    if (wait) {
        printf("done\n");
        fflush(stdout);
        if (read(go, &c, 1) < 0)
            return 1;
    }
    return 0;
}
