/* soak: threads, forks and execs without end, for the adapter's soak run (make soak).
 *
 * usage: soak SECONDS [PAUSE_MS=20]
 *        soak child N          (what each forked child execs: it exits with status N % 200)
 *
 * Round r (from 0): starts 4 threads; thread i sleeps 1 + i ms, adds r * 4 + i to a shared sum and
 * returns; main joins them. Every 4th round main also forks a child that execs "soak child r" (through
 * /proc/self/exe) and waits for it, checking its exit status is r % 200 (EINTR-safe: a debugger's
 * stops must not disturb it). Then it sleeps PAUSE_MS. After SECONDS it prints
 * "soak: R rounds, T threads, C children, sum S ok" when the sum is the closed form sum(0 .. 4R-1) and
 * every child's status was right (exit 0), else the same line ending "WRONG ..." (exit 1).
 */
#include "common.h"

#include <stdatomic.h>
#include <sys/wait.h>

static atomic_ullong sum;

struct job {
    unsigned long long value;
    long sleep;
};

static void *worker(void *arg)
{
    struct job *job = arg;
    sleep_ms(job->sleep);
    atomic_fetch_add(&sum, job->value);
    return NULL;
}

static int child_ok(unsigned long long round)
{
    pid_t pid = fork();
    if (pid < 0)
        die_err("soak", "fork", errno);
    if (pid == 0) {
        char n[32];
        snprintf(n, sizeof n, "%llu", round);
        execl("/proc/self/exe", "soak", "child", n, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die_err("soak", "waitpid", errno);
    return WIFEXITED(status) && WEXITSTATUS(status) == (int)(round % 200);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "child"))
        return (int)(parse_long(argv[2], "N") % 200);
    long seconds = arg_long(argc, argv, 1, 60, "SECONDS");
    long pause_ms = arg_long(argc, argv, 2, 20, "PAUSE_MS");
    uint64_t end = now_ns() + (uint64_t)seconds * 1000000000ULL;
    unsigned long long rounds = 0, children = 0, bad_children = 0;
    while (now_ns() < end) {
        pthread_t t[4];
        struct job jobs[4];
        for (int i = 0; i < 4; i++) {
            jobs[i] = (struct job){rounds * 4 + i, 1 + i};
            int err = pthread_create(&t[i], NULL, worker, &jobs[i]);
            if (err)
                die_err("soak", "pthread_create", err);
        }
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        if (rounds % 4 == 0) {
            children++;
            bad_children += !child_ok(rounds);
        }
        rounds++;
        sleep_ms(pause_ms);
    }
    unsigned long long n = rounds * 4, expected = n * (n - 1) / 2, got = atomic_load(&sum);
    int ok = got == expected && bad_children == 0;
    printf("soak: %llu rounds, %llu threads, %llu children, sum %llu %s", rounds, n, children, got, ok ? "ok\n" : "WRONG");
    if (!ok)
        printf(" (expected sum %llu, %llu children with a wrong status)\n", expected, bad_children);
    return ok ? 0 : 1;
}
