/* threadstates: one thread per ROLE, each held in a known state, until killed.
 *
 * usage: threadstates ROLE...
 *
 * Each ROLE starts one thread named after the role, which prints
 * "thread ROLE TID DETAIL" and then stays, forever, in (DETAIL in brackets):
 *   spin    a busy loop without syscalls (state R, ~100% of a CPU)
 *   read    read(2) on a pipe nobody writes (S, read(FD)) [FD]
 *   futex   a raw FUTEX_WAIT_PRIVATE on a word nobody wakes (S, futex(ADDR, FUTEX_WAIT_PRIVATE)) [ADDR]
 *   sleep   a raw nanosleep(2) of an hour, again and again (S, nanosleep)
 *   epoll   epoll_wait(2) on an empty epoll set (S, epoll_wait(FD)) [FD]
 *   accept  accept(2) on a listening Unix socket nobody connects to (S, accept(FD)) [FD]
 *   poll    poll(2) on the pipe (S, poll(1 fds))
 *   disk    vfork-style wait: clone(CLONE_VM|CLONE_VFORK) of a child that
 *           never execs or exits; the kernel keeps the parent in an
 *           uninterruptible (killable) sleep, state D, until it does
 * The calls are made as raw syscalls where glibc would pick another one
 * (nanosleep -> clock_nanosleep, cond waits -> FUTEX_WAIT_BITSET), so the
 * wait a reader of /proc/TID/syscall sees is the one named here.
 * Main prints "ready" once every thread has printed its line, then sleeps.
 * The disk role's child asks for SIGKILL when its parent thread dies
 * (PR_SET_PDEATHSIG), so killing the program leaves nothing behind.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static int pipe_fds[2];
static uint32_t futex_word;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t printed = PTHREAD_COND_INITIALIZER;
static int nprinted;

/* Called by each thread once its wait is set up (DETAIL: "-" when there is none). */
static void announce(const char *role, const char *detail)
{
    pthread_setname_np(pthread_self(), role);
    pthread_mutex_lock(&lock);
    printf("thread %s %d %s\n", role, (int)tid_self(), detail);
    nprinted++;
    pthread_cond_signal(&printed);
    pthread_mutex_unlock(&lock);
}

static void do_spin(void)
{
    volatile unsigned long x = 0;
    announce("spin", "-");
    for (;;)
        x++;
}

static void do_read(void)
{
    char c, fd[16];
    snprintf(fd, sizeof fd, "%d", pipe_fds[0]);
    announce("read", fd);
    for (;;)
        if (read(pipe_fds[0], &c, 1) < 0 && errno != EINTR)
            die_err("threadstates", "read", errno);
}

static void do_futex(void)
{
    char addr[32];
    snprintf(addr, sizeof addr, "%p", (void *)&futex_word);
    announce("futex", addr);
    for (;;)
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void do_sleep(void)
{
    struct timespec hour = { 3600, 0 };
    announce("sleep", "-");
    for (;;)
        syscall(SYS_nanosleep, &hour, NULL);
}

static void do_epoll(void)
{
    int ep = epoll_create1(0);
    struct epoll_event ev;
    if (ep < 0)
        die_err("threadstates", "epoll_create1", errno);
    char fd[16];
    snprintf(fd, sizeof fd, "%d", ep);
    announce("epoll", fd);
    for (;;)
        epoll_wait(ep, &ev, 1, -1);
}

static void do_accept(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    /* An abstract socket: no file to clean up. */
    snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "threadstates-%d", (int)getpid());
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 1) < 0)
        die_err("threadstates", "socket", errno);
    char fd[16];
    snprintf(fd, sizeof fd, "%d", s);
    announce("accept", fd);
    for (;;)
        syscall(SYS_accept, s, NULL, NULL);
}

static void do_poll(void)
{
    struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
    announce("poll", "-");
    for (;;)
        poll(&p, 1, -1);
}

static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int vfork_child(void *arg)
{
    (void)arg;
    /* Shares the parent's memory: raw syscalls only, nothing that writes globals. */
    syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (;;)
        syscall(SYS_pause);
    return 0;
}

static void do_disk(void)
{
    /* The parent sleeps in wait_for_vfork_done (TASK_KILLABLE, shown as D)
     * while the child lives. */
    announce("disk", "-");
    if (clone(vfork_child, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL) < 0)
        die_err("threadstates", "clone", errno);
    sleep_forever();
}

struct role {
    const char *name;
    void (*run)(void);
};

static const struct role roles[] = {
    { "spin", do_spin },   { "read", do_read },     { "futex", do_futex }, { "sleep", do_sleep },
    { "epoll", do_epoll }, { "accept", do_accept }, { "poll", do_poll },   { "disk", do_disk },
};

static void *role_main(void *arg)
{
    const struct role *role = arg;
    role->run();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipe_fds) < 0)
        die_err("threadstates", "pipe", errno);
    int wanted = 0;
    for (int i = 1; i < argc; i++) {
        const struct role *found = NULL;
        for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++)
            if (strcmp(argv[i], roles[r].name) == 0)
                found = &roles[r];
        if (!found) {
            fprintf(stderr, "threadstates: unknown role '%s'\n", argv[i]);
            return 2;
        }
        pthread_t t;
        int err = pthread_create(&t, NULL, role_main, (void *)found);
        if (err)
            die_err("threadstates", "pthread_create", err);
        wanted++;
    }
    pthread_mutex_lock(&lock);
    while (nprinted < wanted)
        pthread_cond_wait(&printed, &lock);
    pthread_mutex_unlock(&lock);
    printf("ready\n");
    sleep_forever();
}
