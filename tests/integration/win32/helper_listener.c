/*
 * tm_listener: a program that opts in with terminus_listen().
 *
 *   tm_listener EXIT_CODE MARKER_FILE [exit | exit_fast]
 *
 * When asked to leave (or when the session ends), the callback writes
 * "reason=N" to MARKER_FILE (its "unsaved data") and returns 0, so terminus
 * exits with EXIT_CODE after running the at-exit hook, which appends "hook".
 * With "exit" or "exit_fast" it does not listen: it calls terminus_exit()
 * at once (clean: the hook runs; fast: it does not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>

#include "helpers.h"

static const char *marker;

static int on_request(void *arg, int reason)
{
    (void)arg;
    FILE *f = fopen(marker, "w");
    if (f != NULL) {
        fprintf(f, "reason=%d\n", reason);
        fclose(f);
    }
    return 0;
}

static void on_exit_hook(void *arg)
{
    (void)arg;
    FILE *f = fopen(marker, "a");
    if (f != NULL) {
        fputs("hook\n", f);
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    terminus_listener *l = NULL;
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: tm_listener EXIT_CODE MARKER_FILE [exit | exit_fast]\n");
        return 2;
    }
    marker = argv[2];
    if (terminus_at_exit(NULL, on_exit_hook, NULL) != TERMINUS_OK) {
        fprintf(stderr, "tm_listener: terminus_at_exit: %s\n", terminus_error_last()->message);
        return 3;
    }
    if (argc == 4) {
        uint32_t flags = strcmp(argv[3], "exit_fast") == 0 ? TERMINUS_EXIT_FAST : 0;
        tmt_signal_ready();
        terminus_exit(NULL, (uint32_t)strtoul(argv[1], NULL, 10), flags);
        fprintf(stderr, "tm_listener: terminus_exit returned: %s\n",
                terminus_error_last()->message);
        return 5;
    }
    int rc =
        terminus_listen(NULL, NULL, (uint32_t)strtoul(argv[1], NULL, 10), on_request, NULL, &l);
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "tm_listener: terminus_listen: %s\n", terminus_error_last()->message);
        return 4;
    }
    tmt_signal_ready();
    Sleep(INFINITE);
    terminus_listener_free(l);
    return 0;
}
