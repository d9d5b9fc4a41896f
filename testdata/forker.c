/* forker: fork / posix_spawn / vfork from a multi-threaded process.
 *
 * usage: forker [NCHILDREN=3] [FROM=main] [CHILD_MS=0] [CLONERS=0]
 *   FROM=main    the forks are done by the main thread
 *   FROM=thread  the forks are done by a non-main thread (main joins it)
 *   CHILD_MS     each forked child sleeps this long before it prints (so a
 *                debugger following it has time to look at it)
 *   CLONERS      threads that keep creating (and joining) short threads
 *                until the forks are done: forks happen while others clone
 * Env FORKER_WAIT=1: print "forker: ready PID" and wait for a line on stdin
 * before the first fork (for tests that attach first).
 *
 * Two idle threads are started first, so the process is multi-threaded.
 * For N = 1..NCHILDREN: fork a child that prints "child N" and _exit(N+10);
 * the parent waits for it and prints "child N exited N+10".  Then
 * posix_spawn "/bin/echo spawned" (glibc uses clone(CLONE_VM|CLONE_VFORK))
 * and an explicit vfork() + execl("/bin/true"); each is waited for.
 *
 * Output (one child at a time, so the order is fixed):
 *   child 1
 *   child 1 exited 11
 *   ...
 *   spawned
 *   posix_spawn exited 0
 *   vfork exited 0
 *   forker: done
 * Exit 0; 1 if any child ends differently than expected.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <spawn.h>
#include <stdatomic.h>
#include <sys/wait.h>

extern char **environ;

static int idle_pipe[2];
static long nchildren;
static long child_ms;
static int failures;
static atomic_int forks_done;

static void *short_thread(void *arg)
{
    return arg;
}

/* Creates and joins threads until the forks are done. */
static void *cloner_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&forks_done)) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_thread, NULL) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

static void *idle_thread(void *arg)
{
    (void)arg;
    char c;
    while (read(idle_pipe[0], &c, 1) != 0)
        ;
    return NULL;
}

/* Print how pid ended; count it as a failure unless it exited with want. */
static void report(const char *label, pid_t pid, int want)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        die_err("forker", "waitpid", errno);
    if (WIFEXITED(st)) {
        printf("%s exited %d\n", label, WEXITSTATUS(st));
        if (WEXITSTATUS(st) != want)
            failures++;
    } else if (WIFSIGNALED(st)) {
        printf("%s killed by signal %d\n", label, WTERMSIG(st));
        failures++;
    } else {
        printf("%s status 0x%x\n", label, st);
        failures++;
    }
}

static __attribute__((noinline)) pid_t do_vfork_true(void)
{
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void *run_all(void *arg)
{
    (void)arg;
    for (long n = 1; n <= nchildren; n++) {
        pid_t pid = fork();
        if (pid < 0)
            die_err("forker", "fork", errno);
        if (pid == 0) {
            /* Only async-signal-safe calls in the child of a threaded parent. */
            if (child_ms > 0) {
                struct timespec t = { child_ms / 1000, (child_ms % 1000) * 1000000L };
                while (nanosleep(&t, &t) != 0 && errno == EINTR)
                    ;
            }
            char buf[64];
            int len = snprintf(buf, sizeof buf, "child %ld\n", n);
            ssize_t w = write(STDOUT_FILENO, buf, (size_t)len);
            (void)w;
            _exit((int)(n + 10));
        }
        char label[64];
        snprintf(label, sizeof label, "child %ld", n);
        report(label, pid, (int)(n + 10));
    }

    char *spawn_argv[] = { "echo", "spawned", NULL };
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/echo", NULL, NULL, spawn_argv, environ);
    if (err)
        die_err("forker", "posix_spawn", err);
    report("posix_spawn", pid, 0);

    pid = do_vfork_true();
    if (pid < 0)
        die_err("forker", "vfork", errno);
    report("vfork", pid, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    nchildren = arg_long(argc, argv, 1, 3, "NCHILDREN");
    const char *from = argc > 2 ? argv[2] : "main";
    child_ms = arg_long(argc, argv, 3, 0, "CHILD_MS");
    long ncloners = arg_long(argc, argv, 4, 0, "CLONERS");
    if (nchildren < 0 || nchildren > 245 || child_ms < 0 || ncloners < 0 || ncloners > 64 ||
        (strcmp(from, "main") != 0 && strcmp(from, "thread") != 0)) {
        fprintf(stderr, "usage: forker [NCHILDREN=3 (0..245)] [main|thread] [CHILD_MS=0] [CLONERS=0 (0..64)]\n");
        return 2;
    }

    if (pipe(idle_pipe) != 0)
        die_err("forker", "pipe", errno);
    pthread_t idle[2];
    for (int i = 0; i < 2; i++) {
        int err = pthread_create(&idle[i], NULL, idle_thread, NULL);
        if (err)
            die_err("forker", "pthread_create", err);
    }

    pthread_t cloners[64];
    for (long i = 0; i < ncloners; i++) {
        int err = pthread_create(&cloners[i], NULL, cloner_thread, NULL);
        if (err)
            die_err("forker", "pthread_create", err);
    }

    const char *wait = getenv("FORKER_WAIT");
    if (wait && strcmp(wait, "1") == 0) {
        char line[16];
        printf("forker: ready %d\n", (int)getpid());
        if (!fgets(line, sizeof line, stdin))
            return 3;
    }

    if (strcmp(from, "thread") == 0) {
        pthread_t t;
        int err = pthread_create(&t, NULL, run_all, NULL);
        if (err)
            die_err("forker", "pthread_create", err);
        pthread_join(t, NULL);
    } else {
        run_all(NULL);
    }

    atomic_store(&forks_done, 1);
    for (long i = 0; i < ncloners; i++)
        pthread_join(cloners[i], NULL);

    close(idle_pipe[1]);
    for (int i = 0; i < 2; i++)
        pthread_join(idle[i], NULL);
    printf("forker: done\n");
    return failures ? 1 : 0;
}
