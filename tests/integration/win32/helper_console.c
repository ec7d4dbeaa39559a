/*
 * tm_console: a console program that knows nothing of terminus.
 *
 *   tm_console handler MARKER        its own Ctrl+C / Ctrl+Break handler writes
 *                                    "ctrl=N" to MARKER and exits with 40 + N
 *   tm_console ignore MARKER         ignores Ctrl+C (SetConsoleCtrlHandler(NULL, TRUE));
 *                                    sleeps until killed
 *   tm_console bystander MARKER PID  leaves its own console and attaches to the console
 *                                    of PID (so that it shares it); its handler writes
 *                                    "ctrl=N" to MARKER and keeps running
 *
 * None has a window. The test starts the first two with a console of their
 * own (CREATE_NEW_CONSOLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char *marker;
static int keep_running;

static BOOL WINAPI on_ctrl(DWORD type)
{
    FILE *f = fopen(marker, "a");
    if (f != NULL) {
        fprintf(f, "ctrl=%lu\n", (unsigned long)type);
        fclose(f);
    }
    if (!keep_running)
        ExitProcess(40 + (UINT)type);
    return TRUE;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tm_console handler|ignore|bystander MARKER [PID]\n");
        return 2;
    }
    marker = argv[2];
    if (strcmp(argv[1], "handler") == 0) {
        SetConsoleCtrlHandler(on_ctrl, TRUE);
    } else if (strcmp(argv[1], "ignore") == 0) {
        SetConsoleCtrlHandler(NULL, TRUE);
    } else if (strcmp(argv[1], "bystander") == 0 && argc == 4) {
        keep_running = 1;
        FreeConsole();
        if (!AttachConsole((DWORD)strtoul(argv[3], NULL, 10))) {
            fprintf(stderr, "tm_console: AttachConsole: error %lu\n", GetLastError());
            return 3;
        }
        SetConsoleCtrlHandler(on_ctrl, TRUE); /* after attaching, which resets the handlers */
    } else {
        fprintf(stderr, "tm_console: unknown mode %s\n", argv[1]);
        return 2;
    }
    tmt_signal_ready();
    Sleep(INFINITE);
    return 0;
}
