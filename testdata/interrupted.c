/* interrupted: a program with something to do when Ctrl-C comes, for testing how
 * `dap-threads run` lets SIGINT reach it.
 *
 * usage: interrupted MODE [CLEANUP_MS=300]
 *
 *   trap    on SIGINT prints "cleaning up", sleeps CLEANUP_MS, prints
 *           "cleaned up after N SIGINT" (N: how many arrived by then) and exits 3
 *   stay    on each SIGINT prints "SIGINT N: carrying on" and keeps running
 *   ignore  ignores SIGINT (SIG_IGN) and runs until killed
 *
 * It starts a thread named "helper" that sleeps, then prints "ready" once its
 * SIGINT disposition is in place. stdout is line-buffered.
 */
#include "common.h"

#include <signal.h>

static volatile sig_atomic_t interrupts;

static void on_sigint(int sig)
{
    (void)sig;
    interrupts++;
}

static void *helper_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "helper");
    sleep_forever();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *mode = argc > 1 ? argv[1] : "";
    long cleanup_ms  = arg_long(argc, argv, 2, 300, "CLEANUP_MS");
    int trap = strcmp(mode, "trap") == 0, stay = strcmp(mode, "stay") == 0;
    if (!trap && !stay && strcmp(mode, "ignore") != 0) {
        fprintf(stderr, "usage: interrupted trap|stay|ignore [CLEANUP_MS]\n");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = strcmp(mode, "ignore") == 0 ? SIG_IGN : on_sigint;
    if (sigaction(SIGINT, &sa, NULL) != 0)
        die_err("interrupted", "sigaction", errno);

    /* SIGINT stays blocked but in sigsuspend, so one that comes between a
     * check and the wait is not lost; the helper inherits the block, so the
     * main thread takes every SIGINT. */
    sigset_t block, during_wait;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &during_wait);
    sigdelset(&during_wait, SIGINT);

    pthread_t helper;
    int err = pthread_create(&helper, NULL, helper_main, NULL);
    if (err != 0)
        die_err("interrupted", "pthread_create", err);
    printf("ready\n");

    sig_atomic_t seen = 0;
    for (;;) {
        while (interrupts == seen)
            sigsuspend(&during_wait);
        seen = interrupts;
        if (stay) {
            printf("SIGINT %d: carrying on\n", (int)seen);
            continue;
        }
        printf("cleaning up\n");
        pthread_sigmask(SIG_UNBLOCK, &block, NULL); /* count any SIGINT that comes meanwhile */
        sleep_ms(cleanup_ms);
        printf("cleaned up after %d SIGINT\n", (int)interrupts);
        return 3;
    }
}
