/* pool: threads that block in known call chains, for the stack tests.
 *
 * usage: pool [WORKERS=3] [EXTRA=0]
 *
 * main -> spawn starts WORKERS threads that block in
 *     worker_loop -> wait_for_job -> next_job (inline) -> pthread_cond_wait,
 * one that blocks in reader_loop -> read_pipe -> read (on a pipe nobody writes),
 * one in sleeper_loop -> nap -> nanosleep, and EXTRA more workers started the
 * same way (for the benchmark's thousands of threads, with small stacks).
 * Then main blocks in main -> idle_main -> pause, and prints
 * "pool: ready PID" once every thread has reached its blocking call's caller.
 *
 * Every function of a chain is noinline and noclone (so that -O2 neither merges
 * it into its caller nor renames it foo.constprop.0), and does some work after
 * its call (so the call is not a tail call, which would drop the caller's frame).
 * next_job is always_inline: it is an inline frame of its own in a debugger.
 * The line numbers of the calls are checked by the tests: grep for "LINE:".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHAIN __attribute__((noinline, noclone))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs = PTHREAD_COND_INITIALIZER;
static volatile int job_count;
static int pipe_fds[2];
static atomic_int arrived;
volatile long sink;

static inline __attribute__((always_inline)) int next_job(void)
{
    while (job_count == 0)
        pthread_cond_wait(&jobs, &lock); /* LINE:cond_wait */
    return job_count--;
}

CHAIN int wait_for_job(void)
{
    pthread_mutex_lock(&lock);
    int job = next_job(); /* LINE:next_job */
    pthread_mutex_unlock(&lock);
    return job;
}

CHAIN void *worker_loop(void *arg)
{
    atomic_fetch_add(&arrived, 1);
    for (;;)
        sink += wait_for_job() + (long)arg; /* LINE:wait_for_job */
    return NULL;
}

CHAIN long read_pipe(int fd)
{
    char byte;
    long n = read(fd, &byte, 1); /* LINE:read */
    sink += n;
    return n;
}

CHAIN void *reader_loop(void *arg)
{
    atomic_fetch_add(&arrived, 1);
    for (;;)
        sink += read_pipe(pipe_fds[0]) + (long)arg; /* LINE:read_pipe */
    return NULL;
}

CHAIN void nap(long seconds)
{
    struct timespec req = { seconds, 0 };
    while (nanosleep(&req, &req) != 0 && errno == EINTR) /* LINE:nanosleep */
        ;
    sink += seconds;
}

CHAIN void *sleeper_loop(void *arg)
{
    atomic_fetch_add(&arrived, 1);
    for (;;)
        nap(1000 + (long)arg); /* LINE:nap */
    return NULL;
}

CHAIN int spawn(void *(*body)(void *), size_t stack_size)
{
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    if (stack_size)
        pthread_attr_setstacksize(&attr, stack_size);
    int err = pthread_create(&thread, &attr, body, NULL);
    pthread_attr_destroy(&attr);
    sink += err;
    return err;
}

CHAIN void idle_main(void)
{
    for (;;) {
        pause(); /* LINE:pause */
        sink++;
    }
}

int main(int argc, char **argv)
{
    long workers = argc > 1 ? strtol(argv[1], NULL, 10) : 3;
    long extra = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipe_fds) != 0) {
        perror("pool: pipe");
        return 1;
    }
    int started = 0;
    for (long i = 0; i < workers + extra; i++) {
        int err = spawn(worker_loop, i < workers ? 0 : 64 * 1024); /* LINE:spawn */
        if (err) {
            fprintf(stderr, "pool: pthread_create: %s\n", strerror(err));
            return 1;
        }
        started++;
    }
    if (spawn(reader_loop, 0) || spawn(sleeper_loop, 0))
        return 1;
    started += 2;
    while (atomic_load(&arrived) < started)
        usleep(1000);
    printf("pool: ready %d\n", (int)getpid());
    idle_main(); /* LINE:idle_main */
    return 0;
}
