/* forker: fork / posix_spawn / vfork from a multi-threaded process.
 *
 * usage: forker [NCHILDREN=3] [FROM=main]
 *   FROM=main    the forks are done by the main thread
 *   FROM=thread  the forks are done by a non-main thread (main joins it)
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
#include <sys/wait.h>

extern char **environ;

static int idle_pipe[2];
static long nchildren;
static int failures;

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
    if (nchildren < 0 || nchildren > 245 ||
        (strcmp(from, "main") != 0 && strcmp(from, "thread") != 0)) {
        fprintf(stderr, "usage: forker [NCHILDREN=3 (0..245)] [main|thread]\n");
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

    if (strcmp(from, "thread") == 0) {
        pthread_t t;
        int err = pthread_create(&t, NULL, run_all, NULL);
        if (err)
            die_err("forker", "pthread_create", err);
        pthread_join(t, NULL);
    } else {
        run_all(NULL);
    }

    close(idle_pipe[1]);
    for (int i = 0; i < 2; i++)
        pthread_join(idle[i], NULL);
    printf("forker: done\n");
    return failures ? 1 : 0;
}
