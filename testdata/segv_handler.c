/* segv_handler: deliberate, recovered SIGSEGVs (like a JVM's implicit null
 * checks / safepoint polls).  A tracer must pass these SIGSEGVs on to the
 * program rather than treat them as crashes.
 *
 * usage: segv_handler [ITERATIONS=1000] [NTHREADS=2] [MODE=mixed]
 *   ITERATIONS  total faults, split across the threads
 *   NTHREADS    threads that fault (0 = the main thread does all of it)
 *   MODE        jmp       handler siglongjmp()s back past the faulting store
 *               mprotect  handler makes the page RW and returns, so the store
 *                         is re-executed; the page is made PROT_NONE again
 *               mixed     alternate both (default)
 *
 * Each thread writes to its own PROT_NONE page.  The SA_SIGINFO handler
 * checks si_code == SEGV_ACCERR and that si_addr is in the thread's page;
 * any other SIGSEGV is a real crash (default action).
 *
 * Output: "segv: recovered=ITERATIONS"; exit 0, or 1 if a check failed.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

enum { MODE_JMP, MODE_MPROTECT, MODE_MIXED };

static int mode;
static size_t page_size;
static atomic_long recovered, failures;

static __thread char *my_page;
static __thread sigjmp_buf my_jmp;
static __thread volatile sig_atomic_t armed;    /* a fault is expected */
static __thread volatile sig_atomic_t use_jmp;  /* recover by siglongjmp */

static void crash(const char *msg)
{
    ssize_t w = write(STDERR_FILENO, msg, strlen(msg));
    (void)w;
    signal(SIGSEGV, SIG_DFL);   /* returning re-faults and kills us */
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    char *addr = si->si_addr;

    if (!armed || !my_page || addr < my_page || addr >= my_page + page_size) {
        crash("segv_handler: unexpected SIGSEGV\n");
        return;
    }
    if (si->si_code != SEGV_ACCERR)
        atomic_fetch_add(&failures, 1);
    armed = 0;
    atomic_fetch_add(&recovered, 1);
    if (use_jmp)
        siglongjmp(my_jmp, 1);
    if (mprotect(my_page, page_size, PROT_READ | PROT_WRITE) != 0)
        crash("segv_handler: mprotect in handler failed\n");
}

/* Fault once, recover through siglongjmp. */
static __attribute__((noinline)) void fault_jmp(long value)
{
    use_jmp = 1;
    if (sigsetjmp(my_jmp, 1) == 0) {
        armed = 1;
        *(volatile long *)my_page = value;
        /* Not reached: the store faults. */
        armed = 0;
        atomic_fetch_add(&failures, 1);
    }
}

/* Fault once, recover by the handler unprotecting the page. */
static __attribute__((noinline)) void fault_mprotect(long value)
{
    use_jmp = 0;
    armed = 1;
    *(volatile long *)my_page = value;
    if (armed || *(volatile long *)my_page != value)
        atomic_fetch_add(&failures, 1);
    armed = 0;
    if (mprotect(my_page, page_size, PROT_NONE) != 0)
        die_err("segv_handler", "mprotect", errno);
}

static void *faulter(void *arg)
{
    long iters = (long)(intptr_t)arg;

    void *p = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die_err("segv_handler", "mmap", errno);
    my_page = p;
    for (long i = 0; i < iters; i++) {
        if (mode == MODE_JMP || (mode == MODE_MIXED && i % 2 == 0))
            fault_jmp(i);
        else
            fault_mprotect(i);
    }
    my_page = NULL;
    munmap(p, page_size);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long iterations = arg_long(argc, argv, 1, 1000, "ITERATIONS");
    long nthreads   = arg_long(argc, argv, 2, 2, "NTHREADS");
    const char *m   = argc > 3 ? argv[3] : "mixed";
    if (strcmp(m, "jmp") == 0)
        mode = MODE_JMP;
    else if (strcmp(m, "mprotect") == 0)
        mode = MODE_MPROTECT;
    else if (strcmp(m, "mixed") == 0)
        mode = MODE_MIXED;
    else
        nthreads = -1;
    if (iterations < 0 || nthreads < 0) {
        fprintf(stderr, "usage: segv_handler [ITERATIONS>=0] [NTHREADS>=0] [jmp|mprotect|mixed]\n");
        return 2;
    }
    page_size = (size_t)sysconf(_SC_PAGESIZE);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        die_err("segv_handler", "sigaction", errno);

    if (nthreads == 0) {
        faulter((void *)(intptr_t)iterations);
    } else {
        pthread_t *threads = calloc((size_t)nthreads, sizeof *threads);
        if (!threads)
            die_err("segv_handler", "calloc", ENOMEM);
        for (long t = 0; t < nthreads; t++) {
            long share = iterations / nthreads + (t < iterations % nthreads);
            int err = pthread_create(&threads[t], NULL, faulter, (void *)(intptr_t)share);
            if (err)
                die_err("segv_handler", "pthread_create", err);
        }
        for (long t = 0; t < nthreads; t++)
            pthread_join(threads[t], NULL);
        free(threads);
    }

    long rec = atomic_load(&recovered);
    printf("segv: recovered=%ld\n", rec);
    if (rec != iterations || atomic_load(&failures) != 0) {
        fprintf(stderr, "segv_handler: expected %ld recoveries, failures=%ld\n",
                iterations, atomic_load(&failures));
        return 1;
    }
    return 0;
}
