/*
 * tm_stubborn: a program that knows nothing of terminus: no window, no
 * listener; it sleeps until it is killed.
 *
 *   tm_stubborn           sleep forever
 *   tm_stubborn exit N    exit at once with N
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
        return (int)strtoul(argv[2], NULL, 10);
    tmt_signal_ready();
    Sleep(INFINITE);
    return 0;
}
