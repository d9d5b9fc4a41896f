/* corrupt: two threads whose stacks cannot be unwound to the end, and healthy ones beside them.
 *
 * usage: corrupt
 *
 * garbage_thread overwrites the return address of its own frame with
 * 0x4141414141414141 and blocks in pause: an unwinder reads that as a return
 * address into unmapped memory. loop_thread makes its frame's saved frame
 * pointer point at itself and its return address point back into its own
 * body: an unwinder that follows the frame pointer would walk in circles.
 * Neither ever returns. Two healthy threads block in healthy_wait -> pause.
 * Prints "corrupt: ready PID". Built with -O0 (frame pointers, rbp-based CFI).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int arrived;

__attribute__((noinline)) static void healthy_wait(void)
{
    for (;;)
        pause();
}

static void *healthy_thread(void *arg)
{
    (void)arg;
    atomic_fetch_add(&arrived, 1);
    healthy_wait();
    return NULL;
}

__attribute__((noinline)) static uintptr_t return_address(void)
{
    return (uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static void smash_and_wait(void)
{
    uintptr_t *frame = __builtin_frame_address(0); /* [0]: saved rbp, [1]: return address */
    frame[1] = 0x4141414141414141ull;
    atomic_fetch_add(&arrived, 1);
    for (;;)
        pause();
}

__attribute__((noinline)) static void loop_and_wait(void)
{
    uintptr_t *frame = __builtin_frame_address(0);
    uintptr_t here = return_address(); /* an address in this function's body */
    frame[0] = (uintptr_t)frame;       /* the caller's frame is this frame... */
    frame[1] = here;                   /* ...and it returns into this function */
    atomic_fetch_add(&arrived, 1);
    for (;;)
        pause();
}

static void *garbage_thread(void *arg)
{
    (void)arg;
    smash_and_wait();
    return NULL;
}

static void *loop_thread(void *arg)
{
    (void)arg;
    loop_and_wait();
    return NULL;
}

int main(void)
{
    pthread_t t;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_create(&t, NULL, garbage_thread, NULL);
    pthread_create(&t, NULL, loop_thread, NULL);
    pthread_create(&t, NULL, healthy_thread, NULL);
    pthread_create(&t, NULL, healthy_thread, NULL);
    while (atomic_load(&arrived) < 4)
        usleep(1000);
    printf("corrupt: ready %d\n", (int)getpid());
    healthy_wait();
    return 0;
}
