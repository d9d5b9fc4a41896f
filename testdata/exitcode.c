/* exitcode: exits with a chosen status after writing to stdout and stderr.
 *
 * usage: exitcode [CODE=3] [DELAY_MS=100]
 *
 * Prints "exitcode: CODE" to stdout, then "exitcode: stderr line" to
 * stderr, sleeps DELAY_MS and exits with status CODE (0..255).
 */
#include "common.h"

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    long code     = arg_long(argc, argv, 1, 3, "CODE");
    long delay_ms = arg_long(argc, argv, 2, 100, "DELAY_MS");
    if (code < 0 || code > 255) {
        fprintf(stderr, "exitcode: CODE must be 0..255\n");
        return 2;
    }

    printf("exitcode: %ld\n", code);
    fprintf(stderr, "exitcode: stderr line\n");
    sleep_ms(delay_ms);
    return (int)code;
}
