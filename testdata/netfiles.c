/* netfiles: threads that open files and connect to a local socket, for syscall catchpoints.
 *
 * usage: netfiles [ROUNDS=3] [THREADS=2] [NOISE=0] [EXITERS=0]
 *
 * Main listens on 127.0.0.1 (a free port) and on an abstract Unix socket, and
 * an acceptor thread accepts and closes every connection. THREADS workers
 * (named "files-N") each do ROUNDS rounds of:
 *   openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC), read, close
 *   openat(AT_FDCWD, "/nonexistent/netfiles", O_RDONLY)      -> ENOENT
 *   socket + connect to 127.0.0.1:PORT, write one byte, close
 *   socket + connect to the abstract Unix socket, close
 *   NOISE getppid() calls (calls a catchpoint on openat/connect lets pass)
 * EXITERS threads each start and end a short thread 50 times meanwhile
 * (threads exit while calls are caught).
 * Prints "netfiles: opened O, missing M, connected C" (O = M = ROUNDS*THREADS,
 * C = 2*ROUNDS*THREADS) and exits 0; 1 if anything went differently.
 * Env NETFILES_ELAPSED=path: writes the nanoseconds the workers took (from
 * their creation to the last join) to path, for benchmarks (a tracer's
 * start-up is not counted).
 */
#include "common.h"  /* first: defines _GNU_SOURCE */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>

static long rounds, noise;
static int tcp_listener, unix_listener;
static struct sockaddr_in tcp_address;
static struct sockaddr_un unix_address;
static socklen_t unix_length;
static atomic_long opened, missing, connected, failures;

static void *acceptor(void *arg)
{
    int listener = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd >= 0)
            close(fd);
        else if (errno != EINTR)
            return NULL;
    }
}

static void connect_once(int domain, const struct sockaddr *address, socklen_t length, int send_byte)
{
    int s = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, address, length) != 0) {
        atomic_fetch_add(&failures, 1);
    } else {
        atomic_fetch_add(&connected, 1);
        if (send_byte && write(s, "x", 1) != 1)
            atomic_fetch_add(&failures, 1);
    }
    if (s >= 0)
        close(s);
}

static void *worker(void *arg)
{
    char name[16], buf[256];
    snprintf(name, sizeof name, "files-%ld", (long)(intptr_t)arg);
    pthread_setname_np(pthread_self(), name);
    for (long r = 0; r < rounds; r++) {
        int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            atomic_fetch_add(&opened, 1);
            if (read(fd, buf, sizeof buf) < 0)
                atomic_fetch_add(&failures, 1);
            close(fd);
        } else {
            atomic_fetch_add(&failures, 1);
        }
        fd = openat(AT_FDCWD, "/nonexistent/netfiles", O_RDONLY);
        if (fd < 0 && errno == ENOENT)
            atomic_fetch_add(&missing, 1);
        else
            atomic_fetch_add(&failures, 1);
        connect_once(AF_INET, (struct sockaddr *)&tcp_address, sizeof tcp_address, 1);
        connect_once(AF_UNIX, (struct sockaddr *)&unix_address, unix_length, 0);
        for (long n = 0; n < noise; n++)
            (void)syscall(SYS_getppid);
    }
    return NULL;
}

static void *short_life(void *arg)
{
    return arg;
}

static void *exiter(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_life, NULL) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

static void listen_tcp(void)
{
    socklen_t length = sizeof tcp_address;
    tcp_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    tcp_address.sin_family = AF_INET;
    tcp_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (tcp_listener < 0 || bind(tcp_listener, (struct sockaddr *)&tcp_address, sizeof tcp_address) != 0 ||
        listen(tcp_listener, 128) != 0 || getsockname(tcp_listener, (struct sockaddr *)&tcp_address, &length) != 0)
        die_err("netfiles", "listen on 127.0.0.1", errno);
}

static void listen_unix(void)
{
    unix_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unix_address.sun_family = AF_UNIX;
    /* An abstract socket (a leading NUL): no file to clean up. */
    int n = snprintf(unix_address.sun_path + 1, sizeof unix_address.sun_path - 1, "netfiles-%d", (int)getpid());
    unix_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (unix_listener < 0 || bind(unix_listener, (struct sockaddr *)&unix_address, unix_length) != 0 ||
        listen(unix_listener, 128) != 0)
        die_err("netfiles", "listen on a Unix socket", errno);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    rounds = arg_long(argc, argv, 1, 3, "ROUNDS");
    long nthreads = arg_long(argc, argv, 2, 2, "THREADS");
    noise = arg_long(argc, argv, 3, 0, "NOISE");
    long nexiters = arg_long(argc, argv, 4, 0, "EXITERS");
    if (rounds < 0 || nthreads < 1 || nthreads > 64 || noise < 0 || nexiters < 0 || nexiters > 64) {
        fprintf(stderr, "usage: netfiles [ROUNDS=3] [THREADS=2 (1..64)] [NOISE=0] [EXITERS=0 (0..64)]\n");
        return 2;
    }
    listen_tcp();
    listen_unix();
    pthread_t accept_tcp, accept_unix, workers[64], exiters[64];
    if (pthread_create(&accept_tcp, NULL, acceptor, (void *)(intptr_t)tcp_listener) ||
        pthread_create(&accept_unix, NULL, acceptor, (void *)(intptr_t)unix_listener))
        die_err("netfiles", "pthread_create", EAGAIN);
    for (long i = 0; i < nexiters; i++)
        if (pthread_create(&exiters[i], NULL, exiter, NULL))
            die_err("netfiles", "pthread_create", EAGAIN);
    uint64_t started = now_ns();
    for (long i = 0; i < nthreads; i++)
        if (pthread_create(&workers[i], NULL, worker, (void *)(intptr_t)(i + 1)))
            die_err("netfiles", "pthread_create", EAGAIN);
    for (long i = 0; i < nthreads; i++)
        pthread_join(workers[i], NULL);
    uint64_t elapsed = now_ns() - started;
    const char *elapsed_path = getenv("NETFILES_ELAPSED");
    if (elapsed_path) {
        FILE *f = fopen(elapsed_path, "w");
        if (!f)
            die_err("netfiles", elapsed_path, errno);
        fprintf(f, "%llu\n", (unsigned long long)elapsed);
        fclose(f);
    }
    for (long i = 0; i < nexiters; i++)
        pthread_join(exiters[i], NULL);
    printf("netfiles: opened %ld, missing %ld, connected %ld\n", atomic_load(&opened), atomic_load(&missing),
           atomic_load(&connected));
    return atomic_load(&failures) ? 1 : 0;
}
