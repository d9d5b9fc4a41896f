/* echo_stdin: a program that reads its input, for launching in a terminal (DAP runInTerminal).
 *
 * usage: echo_stdin [PROMPT]
 *
 * Writes PROMPT (if given) to stdout, then a thread named "echo-reader" copies stdin to stdout
 * byte for byte (read/write: no stdio buffering, no translation) until the end of input. Then
 * the main thread writes "echo_stdin: N bytes, M lines" to stderr and exits with status M % 256,
 * so a test can check stdout, stderr and the exit status exactly.
 */
#include "common.h"

static long bytes, lines;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            exit(3);
        }
        p += w;
        n -= (size_t)w;
    }
}

static void *reader(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "echo-reader");
    char buf[4096];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        write_all(buf, (size_t)n);
        bytes += n;
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        write_all(argv[1], strlen(argv[1]));
    pthread_t t;
    if (pthread_create(&t, NULL, reader, NULL) != 0)
        return 4;
    pthread_join(t, NULL);
    fprintf(stderr, "echo_stdin: %ld bytes, %ld lines\n", bytes, lines);
    return (int)(lines % 256);
}
