/* execer: execve() from a multi-threaded process.
 *
 * usage: execer [MODE=thread] [NTHREADS=3]
 *        execer after-exec          (what the program re-execs itself into)
 *
 * Creates NTHREADS threads (one of them is the exec thread in MODE=thread,
 * the rest just pause()), prints "execer: before exec pid=PID", and ~200 ms
 * later re-executes /proc/self/exe with the argument "after-exec":
 *   MODE=thread  from the last created (non-main) thread; the kernel kills
 *                the other threads and gives the execing thread the leader's
 *                tid (== PID)
 *   MODE=main    from the main thread
 * Just before execve the execing thread prints "execer: exec from MODE tid=TID".
 * After exec: prints "execer: after exec, pid=PID tid=TID", exits 0.
 *
 * Output:
 *   execer: before exec pid=PID
 *   execer: exec from thread tid=TID      (MODE=main: "from main tid=PID")
 *   execer: after exec, pid=PID tid=PID
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <semaphore.h>

static char *argv0;
static int exec_from_thread;
static long nthreads;
static sem_t go;   /* posted by main after it printed "before exec" */

static void do_exec(const char *who)
{
    printf("execer: exec from %s tid=%d\n", who, (int)tid_self());
    char *args[] = { argv0, "after-exec", NULL };
    execv("/proc/self/exe", args);
    fprintf(stderr, "execer: execv: %s\n", strerror(errno));
    _exit(127);
}

static void *worker(void *arg)
{
    long i = (long)(intptr_t)arg;
    if (exec_from_thread && i == nthreads) {
        while (sem_wait(&go) != 0)
            ;
        sleep_ms(200);
        do_exec("thread");
    }
    sleep_forever();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    argv0 = argv[0];

    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        printf("execer: after exec, pid=%d tid=%d\n", (int)getpid(), (int)tid_self());
        return 0;
    }

    const char *mode = argc > 1 ? argv[1] : "thread";
    nthreads = arg_long(argc, argv, 2, 3, "NTHREADS");
    if (strcmp(mode, "thread") == 0)
        exec_from_thread = 1;
    else if (strcmp(mode, "main") != 0) {
        fprintf(stderr, "usage: execer [thread|main] [NTHREADS=3]\n");
        return 2;
    }
    if (nthreads < (exec_from_thread ? 1 : 0)) {
        fprintf(stderr, "execer: NTHREADS must be >= 1 for MODE=thread, >= 0 for MODE=main\n");
        return 2;
    }
    sem_init(&go, 0, 0);

    for (long i = 1; i <= nthreads; i++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, worker, (void *)(intptr_t)i);
        if (err)
            die_err("execer", "pthread_create", err);
    }

    printf("execer: before exec pid=%d\n", (int)getpid());
    if (exec_from_thread) {
        sem_post(&go);
        sleep_forever();
    }
    sleep_ms(200);
    do_exec("main");
    return 1;
}
