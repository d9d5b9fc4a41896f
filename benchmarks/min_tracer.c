/* min_tracer: the floor - the least a ptrace-based thread tracer can do.
 *
 *   min_tracer [--exit-event] [--cpu] -- PROGRAM ARGS...
 *       Launch PROGRAM seized (PTRACE_SEIZE with PTRACE_O_TRACECLONE, plus
 *       PTRACE_O_TRACEEXIT with --exit-event), resume every stop at once,
 *       exit with the program's status when its leader is reaped. With
 *       --cpu, print "min_tracer: cpu_ns=N" on stderr at the end: the
 *       tracer's own CPU time (user + system, not the program's).
 *
 *   min_tracer --probe PID [--wait-any]
 *       Attach to a running process and time the primitive steps, printing
 *       one line "seize_ns=A pause_ns=B cont_ns=C detach_ns=D threads=N":
 *       seize every thread (rescanning /proc/PID/task until nothing new),
 *       interrupt all and wait for every stop, resume all; then stop and
 *       detach again (D: what a disconnect must do), so the process runs on
 *       untouched. The stops are collected with
 *       waitpid(tid) for each thread in turn, or with --wait-any by
 *       waitpid(-1) as an event loop must: the kernel walks the tracer's
 *       whole tracee list on every waitpid(-1), so collecting N stops that
 *       way costs O(N^2).
 *
 * It keeps no thread table and builds no events: whatever a real tracer does
 * beyond this is its own cost. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "min_tracer: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The signal to deliver when resuming a stop: only a signal-delivery-stop carries one. */
static int resume(pid_t tid, int status)
{
    int sig = WSTOPSIG(status);
    int event = (unsigned)status >> 16;
    if (event == PTRACE_EVENT_STOP &&
        (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
        return (int)ptrace(PTRACE_LISTEN, tid, 0, 0); /* group-stop: stay stopped */
    return (int)ptrace(PTRACE_CONT, tid, 0, (void *)(intptr_t)(event ? 0 : sig));
}

static void report_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    unsigned long long ns = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
                            (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
    fprintf(stderr, "min_tracer: cpu_ns=%llu\n", ns);
}

static int launch(char **argv, long options, int cpu)
{
    int go[2];
    if (pipe(go) != 0)
        die("pipe");
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) /* wait until seized */
            _exit(127);
        execvp(argv[0], argv);
        fprintf(stderr, "min_tracer: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(go[0]);
    if (ptrace(PTRACE_SEIZE, child, 0, (void *)options) != 0)
        die("PTRACE_SEIZE");
    if (write(go[1], "x", 1) != 1)
        die("write");
    close(go[1]);

    for (;;) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            die("waitpid");
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (tid == child) { /* the leader is reaped last */
                if (cpu)
                    report_cpu();
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            continue;
        }
        if (WIFSTOPPED(status))
            resume(tid, status); /* ESRCH: killed meanwhile, its exit follows */
    }
}

/* ----- --probe ------------------------------------------------------------ */

static pid_t *tids;
static int *pending_sig;
static size_t ntids, cap;

static int known(pid_t tid)
{
    for (size_t i = 0; i < ntids; i++)
        if (tids[i] == tid)
            return 1;
    return 0;
}

static size_t index_of(pid_t tid)
{
    for (size_t i = 0; i < ntids; i++)
        if (tids[i] == tid)
            return i;
    return (size_t)-1;
}

static void seize_all(pid_t pid, long options)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    int fresh = 1;
    while (fresh) {
        fresh = 0;
        DIR *dir = opendir(path);
        if (!dir)
            die(path);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            pid_t tid = (pid_t)atoi(de->d_name);
            if (known(tid))
                continue;
            if (ptrace(PTRACE_SEIZE, tid, 0, (void *)options) != 0) {
                if (errno == ESRCH || errno == EPERM)
                    continue;
                die("PTRACE_SEIZE");
            }
            if (ntids == cap) {
                cap = cap ? 2 * cap : 1024;
                tids = realloc(tids, cap * sizeof *tids);
                pending_sig = realloc(pending_sig, cap * sizeof *pending_sig);
                if (!tids || !pending_sig)
                    die("realloc");
            }
            pending_sig[ntids] = 0;
            tids[ntids++] = tid;
            fresh = 1;
        }
        closedir(dir);
    }
}

/* Interrupt every thread and wait until each has reported a stop. */
static void stop_all(int wait_any)
{
    for (size_t i = 0; i < ntids; i++)
        if (ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) != 0 && errno != ESRCH)
            die("PTRACE_INTERRUPT");
    if (!wait_any) {
        for (size_t i = 0; i < ntids; i++) {
            int status;
            while (waitpid(tids[i], &status, __WALL) < 0)
                if (errno != EINTR)
                    die("waitpid");
            if (WIFSTOPPED(status) && ((unsigned)status >> 16) == 0)
                pending_sig[i] = WSTOPSIG(status);
        }
        return;
    }
    size_t stopped = 0;
    while (stopped < ntids) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            die("waitpid");
        }
        size_t i = index_of(tid);
        if (i == (size_t)-1 || !WIFSTOPPED(status))
            continue;
        if (((unsigned)status >> 16) == 0)
            pending_sig[i] = WSTOPSIG(status);
        stopped++;
    }
}

static int probe(pid_t pid, int wait_any)
{
    long options = PTRACE_O_TRACECLONE;
    uint64_t t0 = now_ns();
    seize_all(pid, options);
    uint64_t t1 = now_ns();
    stop_all(wait_any);
    uint64_t t2 = now_ns();
    for (size_t i = 0; i < ntids; i++) {
        if (ptrace(PTRACE_CONT, tids[i], 0, (void *)(intptr_t)pending_sig[i]) != 0 && errno != ESRCH)
            die("PTRACE_CONT");
        pending_sig[i] = 0;
    }
    uint64_t t3 = now_ns();
    stop_all(0);
    for (size_t i = 0; i < ntids; i++)
        ptrace(PTRACE_DETACH, tids[i], 0, (void *)(intptr_t)pending_sig[i]);
    uint64_t t4 = now_ns();
    printf("seize_ns=%llu pause_ns=%llu cont_ns=%llu detach_ns=%llu threads=%zu\n", (unsigned long long)(t1 - t0),
           (unsigned long long)(t2 - t1), (unsigned long long)(t3 - t2), (unsigned long long)(t4 - t3), ntids);
    return 0;
}

int main(int argc, char **argv)
{
    long options = PTRACE_O_TRACECLONE;
    int i = 1;
    if (i < argc && strcmp(argv[i], "--probe") == 0) {
        if (i + 1 >= argc) {
            fprintf(stderr, "usage: min_tracer --probe PID [--wait-any]\n");
            return 2;
        }
        return probe((pid_t)atoi(argv[i + 1]), i + 2 < argc && strcmp(argv[i + 2], "--wait-any") == 0);
    }
    int cpu = 0;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
        if (strcmp(argv[i], "--exit-event") == 0)
            options |= PTRACE_O_TRACEEXIT;
        else if (strcmp(argv[i], "--cpu") == 0)
            cpu = 1;
        else {
            fprintf(stderr, "min_tracer: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc) {
        fprintf(stderr, "usage: min_tracer [--exit-event] [--cpu] -- PROGRAM ARGS...\n"
                        "       min_tracer --probe PID [--wait-any]\n");
        return 2;
    }
    return launch(argv + i, options, cpu);
}
