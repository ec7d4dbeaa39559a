/*
 * examples/listener.c: an application that holds unsaved data and saves it
 * when asked to leave (a terminate request) or when the session ends.
 *
 *   listener [FILE] [EXIT_CODE]
 *
 * It prints "ready PID" once it listens, then works until asked; the
 * callback writes the data to FILE and returns 0, so terminus exits the
 * process cleanly with EXIT_CODE (default 0).
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define pause_ms(ms) Sleep(ms)
#define self_pid()   ((unsigned long)GetCurrentProcessId())
#else
#include <time.h>
#include <unistd.h>
#define self_pid() ((unsigned long)getpid())
static void pause_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}
#endif

#include <terminus.h>

static const char *data_file = "listener-data.txt";
static volatile unsigned long edits; /* the "unsaved data" */

static int on_request(void *arg, int reason)
{
    FILE *f = fopen(data_file, "w");

    (void)arg;
    if (f == NULL)
        return 1; /* could not save: refuse to leave */
    fprintf(f, "saved %lu edits (%s)\n", edits,
            reason == TERMINUS_REASON_LOGOFF ? "session ending" : "asked to leave");
    fclose(f);
    printf("saved %lu edits to %s; leaving\n", edits, data_file);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    terminus_listener *listener;
    uint32_t exit_code = 0;
    int rc;

    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "/?") == 0)) {
        puts("usage: listener [FILE] [EXIT_CODE]");
        return 0;
    }
    if (argc > 1)
        data_file = argv[1];
    if (argc > 2)
        exit_code = (uint32_t)strtoul(argv[2], NULL, 10);
    rc = terminus_listen(NULL, NULL, exit_code, on_request, NULL, &listener);
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "listener: %s (%s)\n", terminus_error_last()->message,
                terminus_error_name(rc));
        return 1;
    }
    printf("ready %lu\n", self_pid());
    fflush(stdout);
    for (;;) {
        edits++;
        pause_ms(50);
    }
}
