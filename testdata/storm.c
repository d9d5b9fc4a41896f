/* storm: thread storm - many short-lived threads, few alive at once.
 *
 * usage: storm [TOTAL=4000] [BATCH=8] [HOLD_MS=0]
 *        storm [TOTAL] [BATCH] --hold-ms N      (also --hold-ms=N)
 *
 * Creates TOTAL threads in batches of at most BATCH (create the batch, join
 * the batch).  Thread i (0-based) adds i to an atomic sum and stays alive
 * HOLD_MS ms.  Prints "storm: threads=TOTAL sum=S" (S = TOTAL*(TOTAL-1)/2)
 * and exits 0.
 *
 * Env STORM_TIMESTAMPS=path: each thread stores CLOCK_MONOTONIC ns taken at
 * its start; at exit main writes one line "index tid ns" per thread to path.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <stdatomic.h>

static atomic_ullong sum;
static long hold_ms;
static uint64_t *ts_ns;   /* per-thread start time, only with STORM_TIMESTAMPS */
static pid_t *ts_tid;

static void *worker(void *arg)
{
    long idx = (long)(intptr_t)arg;

    if (ts_ns) {
        ts_ns[idx] = now_ns();
        ts_tid[idx] = tid_self();
    }
    atomic_fetch_add(&sum, (unsigned long long)idx);
    sleep_ms(hold_ms);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long pos[3] = { 4000, 8, 0 };
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--hold-ms") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "storm: --hold-ms needs a value\n");
                return 2;
            }
            pos[2] = parse_long(argv[++i], "--hold-ms");
        } else if (strncmp(argv[i], "--hold-ms=", 10) == 0) {
            pos[2] = parse_long(argv[i] + 10, "--hold-ms");
        } else if (npos < 3) {
            static const char *names[3] = { "TOTAL", "BATCH", "HOLD_MS" };
            pos[npos] = parse_long(argv[i], names[npos]);
            npos++;
        } else {
            fprintf(stderr, "usage: storm [TOTAL=4000] [BATCH=8] [--hold-ms N]\n");
            return 2;
        }
    }
    long total = pos[0], batch = pos[1];
    hold_ms = pos[2];
    if (total < 0 || batch < 1) {
        fprintf(stderr, "storm: need TOTAL >= 0 and BATCH >= 1\n");
        return 2;
    }

    const char *ts_path = getenv("STORM_TIMESTAMPS");
    if (ts_path && *ts_path) {
        ts_ns = calloc((size_t)total + 1, sizeof *ts_ns);
        ts_tid = calloc((size_t)total + 1, sizeof *ts_tid);
        if (!ts_ns || !ts_tid)
            die_err("storm", "calloc", ENOMEM);
    }

    pthread_t *threads = calloc((size_t)batch, sizeof *threads);
    if (!threads)
        die_err("storm", "calloc", ENOMEM);

    for (long start = 0; start < total; start += batch) {
        long n = total - start < batch ? total - start : batch;
        for (long j = 0; j < n; j++) {
            int err = pthread_create(&threads[j], NULL, worker,
                                     (void *)(intptr_t)(start + j));
            if (err)
                die_err("storm", "pthread_create", err);
        }
        for (long j = 0; j < n; j++)
            pthread_join(threads[j], NULL);
    }

    printf("storm: threads=%ld sum=%llu\n", total, (unsigned long long)atomic_load(&sum));

    if (ts_ns) {
        FILE *f = fopen(ts_path, "w");
        if (!f)
            die_err("storm", ts_path, errno);
        for (long i = 0; i < total; i++)
            fprintf(f, "%ld %d %llu\n", i, (int)ts_tid[i], (unsigned long long)ts_ns[i]);
        if (fclose(f) != 0)
            die_err("storm", ts_path, errno);
    }
    free(threads);
    return 0;
}
