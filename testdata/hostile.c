/* hostile: programs that resist tracing, one MODE each.
 *
 * usage: hostile MODE [LIFE_MS=1500]
 *
 * Every mode starts two threads that sleep LIFE_MS, prints "hostile: MODE pid=PID ready" once its
 * resistance is in place, and ends by printing "done" and exiting 0 (unless the mode kills it):
 *   seccomp-trace  a seccomp filter returns SECCOMP_RET_TRACE for getppid: untraced (or traced without
 *                  PTRACE_O_TRACESECCOMP) the call fails with ENOSYS; prints "getppid: RESULT ERRNO"
 *                  before and after the sleep
 *   seccomp-kill   a filter returns SECCOMP_RET_KILL_PROCESS for getppid, called after the sleep: the
 *                  process dies of SIGSYS ("done" is never printed)
 *   dumpable       prctl(PR_SET_DUMPABLE, 0)
 *   traceme        ptrace(PTRACE_TRACEME): its parent becomes its tracer; prints "traceme: 0" or the errno
 *   stop-SIG       sends itself SIGSTOP, SIGTSTP or SIGTTIN (stop-STOP, stop-TSTP, stop-TTIN) after
 *                  "ready", then prints "resumed" once continued
 *   blockall       blocks every signal in every thread (before creating them)
 *   nproc          creates sleeping threads until pthread_create fails (RLIMIT_NPROC: run it under
 *                  prlimit --nproc as a non-root user), prints "nproc: N threads, then ERROR" and ends
 */
#include "common.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

static long life_ms;

static void *sleeper(void *arg)
{
    (void)arg;
    sleep_ms(life_ms);
    return NULL;
}

static void filter_getppid(unsigned int action)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        perror("hostile: seccomp");
        exit(2);
    }
}

static void call_getppid(void)
{
    errno = 0;
    long r = syscall(SYS_getppid);
    printf("getppid: %ld %s\n", r < 0 ? r : 1L, r < 0 ? strerror(errno) : "ok");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    life_ms = arg_long(argc, argv, 2, 1500, "LIFE_MS");
    int stop_sig = 0;

    if (!strcmp(mode, "seccomp-trace"))
        filter_getppid(SECCOMP_RET_TRACE);
    else if (!strcmp(mode, "seccomp-kill"))
        filter_getppid(SECCOMP_RET_KILL_PROCESS);
    else if (!strcmp(mode, "dumpable"))
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    else if (!strcmp(mode, "traceme"))
        printf("traceme: %s\n", ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? strerror(errno) : "0");
    else if (!strcmp(mode, "stop-STOP"))
        stop_sig = SIGSTOP;
    else if (!strcmp(mode, "stop-TSTP"))
        stop_sig = SIGTSTP;
    else if (!strcmp(mode, "stop-TTIN"))
        stop_sig = SIGTTIN;
    else if (!strcmp(mode, "blockall")) {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
    } else if (!strcmp(mode, "nproc")) {
        long n = 0;
        int err;
        pthread_t t;
        while ((err = pthread_create(&t, NULL, sleeper, NULL)) == 0)
            n++;
        printf("nproc: %ld threads, then %s\n", n, strerror(err));
        return 0;  /* exit() ends the sleepers */
    } else {
        fprintf(stderr, "hostile: unknown MODE %s\n", mode);
        return 2;
    }
    if (!strcmp(mode, "seccomp-trace"))
        call_getppid();

    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        int err = pthread_create(&t[i], NULL, sleeper, NULL);
        if (err)
            die_err("hostile", "pthread_create", err);
    }
    printf("hostile: %s pid=%d ready\n", mode, (int)getpid());
    if (stop_sig) {
        kill(getpid(), stop_sig);
        printf("resumed\n");
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (!strcmp(mode, "seccomp-trace") || !strcmp(mode, "seccomp-kill"))
        call_getppid();
    printf("done\n");
    return 0;
}
