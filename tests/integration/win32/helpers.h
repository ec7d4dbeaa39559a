/*
 * tests/integration/win32/helpers.h: what the win32 integration tests and
 * their helper programs share: how a helper tells the test it is ready.
 *
 * The test creates a named event for the child's pid (the child is started
 * suspended, so the event exists before it runs); the child sets it once it
 * is in the state the test needs (listening, window created, ...).
 */
#ifndef TM_TEST_WIN32_HELPERS_H
#define TM_TEST_WIN32_HELPERS_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stdio.h>

static inline void tmt_ready_name(DWORD pid, wchar_t *buf, size_t cap)
{
    char name[64];
    snprintf(name, sizeof name, "Local\\terminus-test-ready-%lu", (unsigned long)pid);
    if (MultiByteToWideChar(CP_UTF8, 0, name, -1, buf, (int)cap) <= 0)
        buf[0] = 0;
}

/* In a helper: tell the test we are ready (nothing if no test waits). */
static inline void tmt_signal_ready(void)
{
    wchar_t name[64];
    tmt_ready_name(GetCurrentProcessId(), name, 64);
    HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, name);
    if (ev != NULL) {
        SetEvent(ev);
        CloseHandle(ev);
    }
}

#endif
