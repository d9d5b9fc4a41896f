/* signals: signal-heavy program with deterministic counts.
 *
 * usage: signals [NTHREADS=4] [ROUNDS=200]
 *
 * Starts NTHREADS workers (blocked in read() on a pipe) and installs one
 * SA_SIGINFO handler for SIGUSR1, SIGUSR2 and SIGRTMIN+1.  Each round r
 * (0-based) the main thread sends:
 *   (a) SIGUSR1 to every worker (pthread_kill for even workers, raw tgkill
 *       for odd ones),
 *   (b) SIGRTMIN+1 with sival_int = r+1: sigqueue() to the process on even
 *       rounds, pthread_sigqueue() to worker r%NTHREADS on odd rounds,
 *   (c) SIGUSR2 to the whole process with kill(getpid(), SIGUSR2).
 * Only one signal is outstanding at a time: the handler posts a semaphore
 * and main waits for it before sending the next one, so nothing coalesces.
 *
 * The handler also checks si_code / si_pid / si_value and that a
 * thread-directed signal ran on the targeted thread.
 *
 * Output: "signals: usr1=U usr2=V rt=R payload_sum=S"
 *   (U = NTHREADS*ROUNDS, V = R = ROUNDS, S = ROUNDS*(ROUNDS+1)/2)
 * Exit 0 when every count and check matches; 1 on a mismatch (details on
 * stderr); 3 if a signal is not handled within 30 s.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>

#define ACK_TIMEOUT_S 30

static int rt_sig;
static pid_t my_pid;
static sem_t ack;
static atomic_int expected_tid;   /* thread that must run the handler; 0 = any */
static atomic_long n_usr1, n_usr2, n_rt, payload_sum, misrouted, bad_info;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int saved_errno = errno;
    int want = atomic_load(&expected_tid);

    if (want != 0 && want != tid_self())
        atomic_fetch_add(&misrouted, 1);
    if (si->si_pid != my_pid)
        atomic_fetch_add(&bad_info, 1);

    if (sig == SIGUSR1) {
        atomic_fetch_add(&n_usr1, 1);
        if (si->si_code != SI_TKILL)
            atomic_fetch_add(&bad_info, 1);
    } else if (sig == SIGUSR2) {
        atomic_fetch_add(&n_usr2, 1);
        if (si->si_code != SI_USER)
            atomic_fetch_add(&bad_info, 1);
    } else if (sig == rt_sig) {
        atomic_fetch_add(&n_rt, 1);
        atomic_fetch_add(&payload_sum, si->si_value.sival_int);
        if (si->si_code != SI_QUEUE)
            atomic_fetch_add(&bad_info, 1);
    } else {
        atomic_fetch_add(&bad_info, 1);
    }
    sem_post(&ack);
    errno = saved_errno;
}

static void wait_ack(const char *what, long round)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ACK_TIMEOUT_S;
    while (sem_timedwait(&ack, &dl) != 0) {
        if (errno == EINTR)
            continue;
        fprintf(stderr, "signals: %s in round %ld was not handled (%s)\n",
                what, round, strerror(errno));
        exit(3);
    }
}

static int pipefd[2];
static pid_t *worker_tids;
static atomic_long ready;

static void *worker(void *arg)
{
    long i = (long)(intptr_t)arg;
    char c;

    worker_tids[i] = tid_self();
    atomic_fetch_add(&ready, 1);
    /* Returns 0 (EOF) once main closes the write end. */
    while (read(pipefd[0], &c, 1) != 0)
        ;
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long nthreads = arg_long(argc, argv, 1, 4, "NTHREADS");
    long rounds   = arg_long(argc, argv, 2, 200, "ROUNDS");
    if (nthreads < 0 || rounds < 0) {
        fprintf(stderr, "signals: NTHREADS and ROUNDS must be >= 0\n");
        return 2;
    }

    my_pid = getpid();
    rt_sig = SIGRTMIN + 1;
    if (sem_init(&ack, 0, 0) != 0)
        die_err("signals", "sem_init", errno);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
        sigaction(rt_sig, &sa, NULL))
        die_err("signals", "sigaction", errno);

    if (pipe(pipefd) != 0)
        die_err("signals", "pipe", errno);

    pthread_t *threads = calloc((size_t)nthreads + 1, sizeof *threads);
    worker_tids = calloc((size_t)nthreads + 1, sizeof *worker_tids);
    if (!threads || !worker_tids)
        die_err("signals", "calloc", ENOMEM);
    for (long i = 0; i < nthreads; i++) {
        int err = pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
        if (err)
            die_err("signals", "pthread_create", err);
    }
    while (atomic_load(&ready) < nthreads)
        sleep_ms(1);

    for (long r = 0; r < rounds; r++) {
        /* (a) SIGUSR1 to each worker. */
        for (long i = 0; i < nthreads; i++) {
            atomic_store(&expected_tid, worker_tids[i]);
            int err;
            if (i % 2 == 0)
                err = pthread_kill(threads[i], SIGUSR1);
            else
                err = syscall(SYS_tgkill, my_pid, worker_tids[i], SIGUSR1) ? errno : 0;
            if (err)
                die_err("signals", "pthread_kill/tgkill", err);
            wait_ack("SIGUSR1", r);
        }

        /* (b) realtime signal with a payload. */
        union sigval val = { .sival_int = (int)(r + 1) };
        if (r % 2 == 0 || nthreads == 0) {
            atomic_store(&expected_tid, 0);
            if (sigqueue(my_pid, rt_sig, val) != 0)
                die_err("signals", "sigqueue", errno);
        } else {
            long target = r % nthreads;
            atomic_store(&expected_tid, worker_tids[target]);
            int err = pthread_sigqueue(threads[target], rt_sig, val);
            if (err)
                die_err("signals", "pthread_sigqueue", err);
        }
        wait_ack("SIGRTMIN+1", r);

        /* (c) SIGUSR2 to the whole process. */
        atomic_store(&expected_tid, 0);
        if (kill(my_pid, SIGUSR2) != 0)
            die_err("signals", "kill", errno);
        wait_ack("SIGUSR2", r);
    }

    close(pipefd[1]);
    for (long i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);

    long u1 = atomic_load(&n_usr1), u2 = atomic_load(&n_usr2);
    long rt = atomic_load(&n_rt), ps = atomic_load(&payload_sum);
    printf("signals: usr1=%ld usr2=%ld rt=%ld payload_sum=%ld\n", u1, u2, rt, ps);

    int ok = 1;
    if (u1 != nthreads * rounds || u2 != rounds || rt != rounds ||
        ps != rounds * (rounds + 1) / 2) {
        fprintf(stderr, "signals: unexpected totals (want usr1=%ld usr2=%ld rt=%ld payload_sum=%ld)\n",
                nthreads * rounds, rounds, rounds, rounds * (rounds + 1) / 2);
        ok = 0;
    }
    if (atomic_load(&misrouted) || atomic_load(&bad_info)) {
        fprintf(stderr, "signals: misrouted=%ld bad_siginfo=%ld\n",
                atomic_load(&misrouted), atomic_load(&bad_info));
        ok = 0;
    }
    return ok ? 0 : 1;
}
