/* Small helpers shared by the test programs (argument parsing, sleeping,
 * clocks, tids). Header-only so every program stays a single .c file. */
#ifndef TESTDATA_COMMON_H
#define TESTDATA_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline pid_t tid_self(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Parse a whole decimal integer or exit(2) with a message. */
static inline long parse_long(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        fprintf(stderr, "bad value for %s: '%s'\n", what, s);
        exit(2);
    }
    return v;
}

/* argv[idx] as an integer, or def when absent. */
static inline long arg_long(int argc, char **argv, int idx, long def, const char *what)
{
    return idx < argc ? parse_long(argv[idx], what) : def;
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep ms milliseconds; restarts after signal handlers (EINTR). */
static inline void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec req = { ms / 1000, (ms % 1000) * 1000000L }, rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

static inline void sleep_forever(void)
{
    for (;;)
        pause();
}

/* Print "prog: what: strerror(err)" and exit(1). */
static inline void die_err(const char *prog, const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
    exit(1);
}

#endif
