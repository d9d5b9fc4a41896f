/* memfd_exec: run a program from a memfd, as fileless loaders and some sandboxes do.
 *
 * usage: memfd_exec PROGRAM [ARGS...]
 *
 * Copies PROGRAM into a memfd named "memfd_exec" and fexecve()s it with argv
 * PROGRAM ARGS...: the running program has no file on disk (/proc/PID/exe
 * reads "/memfd:memfd_exec (deleted)").  Exits 127 if that fails.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: memfd_exec PROGRAM [ARGS...]\n");
        return 2;
    }
    int in = open(argv[1], O_RDONLY | O_CLOEXEC);
    int fd = memfd_create("memfd_exec", MFD_CLOEXEC);
    if (in < 0 || fd < 0) {
        perror("memfd_exec");
        return 127;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n) {
            perror("memfd_exec: write");
            return 127;
        }
    close(in);
    fexecve(fd, argv + 1, environ);
    perror("memfd_exec: fexecve");
    return 127;
}
