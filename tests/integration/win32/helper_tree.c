/*
 * tm_tree: a chain of processes for the tree tests of test_procs.c.
 *
 *   tm_tree DEPTH    DEPTH > 1: start `tm_tree DEPTH-1` and wait until it is
 *                    ready; then tell the test it is ready and sleep until
 *                    killed (so the chain is DEPTH processes, each the
 *                    parent of the next)
 */
#include <stdlib.h>

#include "helpers.h"

int main(int argc, char **argv)
{
    int depth = argc == 2 ? atoi(argv[1]) : 1;

    if (depth > 1) {
        wchar_t self[MAX_PATH], cmd[MAX_PATH + 32], evname[64];
        STARTUPINFOW si;
        PROCESS_INFORMATION pi;
        HANDLE ready, hs[2];
        DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
        if (n == 0 || n >= MAX_PATH)
            return 10;
        swprintf(cmd, MAX_PATH + 32, L"\"%ls\" %d", self, depth - 1);
        ZeroMemory(&si, sizeof si);
        si.cb = sizeof si;
        if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi))
            return 11;
        tmt_ready_name(pi.dwProcessId, evname, 64);
        ready = CreateEventW(NULL, TRUE, FALSE, evname);
        if (ready == NULL)
            return 12;
        ResumeThread(pi.hThread);
        CloseHandle(pi.hThread);
        hs[0] = ready;
        hs[1] = pi.hProcess;
        if (WaitForMultipleObjects(2, hs, FALSE, 60000) != WAIT_OBJECT_0)
            return 13;
        CloseHandle(ready);
        CloseHandle(pi.hProcess);
    }
    tmt_signal_ready();
    Sleep(INFINITE);
    return 0;
}
