/* _fastptrace: the engine's per-stop and per-thread system calls, in batches.
 *
 * Loaded with ctypes by fastptrace.py (no Python headers needed: gcc is
 * enough); the pure-Python path does the same work one call at a time and
 * stays in use where this library is missing.
 *
 * Everything here runs on the thread that calls it, which must be the ptrace
 * owner (man 2 ptrace: requests from another thread fail with ESRCH): it is
 * called from the asyncio loop exactly where the Python code would make the
 * same calls.
 *
 * The drain resumes, without Python, the stops whose handling needs no
 * decision: those of threads the tracer wants running (mode RUN, set by
 * Python) that are a signal-delivery-stop (resumed with the signal, as
 * man 2 ptrace "Signal-delivery-stop" requires), a PTRACE_EVENT_STOP with
 * SIGTRAP (a new thread's first stop, or an interrupt that arrived after a
 * resume), or a PTRACE_EVENT_CLONE (the new tid, read with GETEVENTMSG, is
 * RUN from then on). Syscall-stops and seccomp stops (a catchpoint's) are
 * never resumed here: Python sets no thread RUN while a catchpoint is set,
 * and a syscall-stop left over from one goes to Python all the same.
 * It reports every status it did not resume, and every
 * clone and exit, to Python, which keeps the thread table and builds events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

/* What Python has said of a tid: run it (resume its simple stops here), or
 * report everything (held, unknown, or a forked child to be detached). */
enum { MODE_REPORT = 0, MODE_RUN = 1 };

/* Three int64 per status, so Python reads a batch with one slice:
 * tid, status, and the new tid of a clone resumed here (-1: not resumed). */
struct fp_record {
    int64_t tid;
    int64_t status;
    int64_t child;
};

/* One byte per possible tid: pid_max is at most 2^22 (4 MiB of address space,
 * only the pages of tids in use are ever touched). */
static uint8_t *modes;
static long nmodes;

int fp_init(long pid_max)
{
    if (modes)
        return 0;
    modes = calloc((size_t)pid_max, 1);
    if (!modes)
        return -1;
    nmodes = pid_max;
    return 0;
}

static int mode_of(pid_t tid)
{
    return tid > 0 && tid < nmodes ? modes[tid] : MODE_REPORT;
}

void fp_set_mode(int tid, int mode)
{
    if (tid > 0 && tid < nmodes)
        modes[tid] = (uint8_t)mode;
}

void fp_set_modes(const int32_t *tids, int n, int mode)
{
    for (int i = 0; i < n; i++)
        fp_set_mode(tids[i], mode);
}

static int resume_now(pid_t tid, int status, struct fp_record *record)
{
    int event = (unsigned)status >> 16;
    int sig = WSTOPSIG(status);
    if (event == PTRACE_EVENT_CLONE) {
        unsigned long child = 0;
        if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) != 0)
            return 0; /* let Python see it (and its ESRCH) */
        /* ESRCH: killed meanwhile; its death reaches us through waitpid */
        ptrace(PTRACE_CONT, tid, 0, 0);
        record->child = (int64_t)child;
        fp_set_mode((int)child, MODE_RUN); /* a running creator's new thread runs */
        return 1;
    }
    if (event == 0 && sig == (SIGTRAP | 0x80))
        return 0; /* a syscall-stop (PTRACE_O_TRACESYSGOOD): a catchpoint's, Python decides */
    if (event == 0 || (event == PTRACE_EVENT_STOP && sig == SIGTRAP)) {
        ptrace(PTRACE_CONT, tid, 0, (void *)(intptr_t)(event ? 0 : sig));
        return 1;
    }
    return 0; /* group-stop, fork, vfork, exec, ...: Python decides */
}

/* waitpid(-1, WNOHANG | __WALL | __WNOTHREAD) until it has nothing (or max
 * records are filled). Returns the number of records; *state is 1 when max
 * was reached (more may be waiting), -1 when there is no child or tracee left
 * (ECHILD), else 0. Resumed stops that Python need not hear of (a new
 * thread's first stop, a re-injected signal) leave no record. */
int fp_drain(struct fp_record *out, int max, int *state)
{
    int n = 0;
    *state = 0;
    while (n < max) {
        int status;
        pid_t tid = waitpid(-1, &status, WNOHANG | __WALL | __WNOTHREAD);
        if (tid == 0)
            return n;
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            *state = -1;
            return n;
        }
        struct fp_record *record = &out[n];
        record->tid = tid;
        record->status = status;
        record->child = -1;
        if (WIFSTOPPED(status)) {
            if (mode_of(tid) == MODE_RUN && resume_now(tid, status, record) && record->child < 0)
                continue; /* resumed, and nothing for Python to learn */
        } else {
            fp_set_mode(tid, MODE_REPORT); /* gone: its tid may be reused */
        }
        n++;
    }
    *state = 1;
    return n;
}

/* waitpid(tid, WNOHANG | __WALL | __WNOTHREAD) for each tid in order, until
 * max_misses in a row have not stopped yet: one record per tid that reported
 * (none resumed: an all-stop holds what it reaps). */
int fp_wait_each(const int32_t *tids, int n, int max_misses, struct fp_record *out)
{
    int found = 0, misses = 0;
    for (int i = 0; i < n; i++) {
        int status;
        pid_t tid = waitpid(tids[i], &status, WNOHANG | __WALL | __WNOTHREAD);
        if (tid < 0)
            continue; /* already reaped (gone), or not ours any more */
        if (tid == 0) {
            if (++misses >= max_misses)
                break;
            continue;
        }
        misses = 0;
        struct fp_record *record = &out[found++];
        record->tid = tid;
        record->status = status;
        record->child = -1;
        if (!WIFSTOPPED(status))
            fp_set_mode(tid, MODE_REPORT);
    }
    return found;
}

/* The same ptrace request (with the same data) for each tid; errnos[i] is
 * its errno, or 0. Returns how many failed. */
int fp_ptrace_each(long request, const int32_t *tids, int n, long data, int32_t *errnos)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        if (ptrace((enum __ptrace_request)request, tids[i], 0, (void *)data) != 0) {
            errnos[i] = errno;
            failed++;
        } else {
            errnos[i] = 0;
        }
    }
    return failed;
}
