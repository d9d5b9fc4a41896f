/* lineage: threads that create threads, and the program's own record of who created whom.
 *
 * usage: lineage [DEPTH=3] [FANOUT=2] [HOLD_MS=300]
 *
 * Main is node "n". Every node above depth DEPTH starts FANOUT threads; the
 * k-th child of node X is named X followed by the digit k ("n", "n1", "n12",
 * ...; FANOUT <= 9 and DEPTH <= 14 keep names within 15 characters). Each
 * thread names itself and prints "node TID CREATOR NAME", where CREATOR is
 * the tid of the thread whose pthread_create started it (main prints 0 as its
 * creator). Once every thread of the tree exists, main prints "ready TOTAL"
 * (TOTAL counts main); every thread then stays HOLD_MS, joins its children
 * and returns; main prints "done" and exits 0.
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

static long depth_max, fanout, hold_ms, total;
static long existing;  /* threads of the tree that exist, main included */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_exist = PTHREAD_COND_INITIALIZER;

struct node {
    char name[16];
    pid_t creator;
    long depth;
};

static void *node_main(void *arg);

static void grow(const struct node *self)
{
    pthread_t children[9];
    long n = self->depth < depth_max ? fanout : 0;

    pthread_setname_np(pthread_self(), self->name);
    printf("node %d %d %s\n", (int)tid_self(), (int)self->creator, self->name);
    for (long k = 0; k < n; k++) {
        struct node *child = malloc(sizeof *child);
        if (!child)
            die_err("lineage", "malloc", ENOMEM);
        size_t len = strlen(self->name);  /* < 15: DEPTH <= 14 */
        memcpy(child->name, self->name, len);
        child->name[len] = (char)('1' + k);
        child->name[len + 1] = '\0';
        child->creator = tid_self();
        child->depth = self->depth + 1;
        int err = pthread_create(&children[k], NULL, node_main, child);
        if (err)
            die_err("lineage", "pthread_create", err);
    }

    pthread_mutex_lock(&lock);
    if (++existing == total)
        pthread_cond_broadcast(&all_exist);
    while (existing < total)
        pthread_cond_wait(&all_exist, &lock);
    pthread_mutex_unlock(&lock);

    if (self->depth == 0)
        printf("ready %ld\n", total);
    sleep_ms(hold_ms);
    for (long k = 0; k < n; k++)
        pthread_join(children[k], NULL);
}

static void *node_main(void *arg)
{
    struct node *self = arg;
    grow(self);
    free(self);
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    depth_max = arg_long(argc, argv, 1, 3, "DEPTH");
    fanout = arg_long(argc, argv, 2, 2, "FANOUT");
    hold_ms = arg_long(argc, argv, 3, 300, "HOLD_MS");
    if (depth_max < 0 || depth_max > 14 || fanout < 1 || fanout > 9) {
        fprintf(stderr, "lineage: need 0 <= DEPTH <= 14 and 1 <= FANOUT <= 9\n");
        return 2;
    }
    total = 1;
    for (long d = 1, level = 1; d <= depth_max; d++) {
        level *= fanout;
        total += level;
    }
    struct node root = { "n", 0, 0 };
    grow(&root);
    printf("done\n");
    return 0;
}
