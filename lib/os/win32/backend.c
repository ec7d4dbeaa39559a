/*
 * lib/os/win32/backend.c: the Win32 backend's table, its errors and strings.
 *
 * The backend fills every member of terminus_os over kernel32, user32 and
 * wtsapi32, with the W functions (UTF-8 is converted to UTF-16 here). Its
 * files: process.c (processes, requests, kills, wait sets, exit),
 * listener.c (the listener window and the console handler), wts.c
 * (ExitWindowsEx logoff, servers and sessions) and this one, which holds the
 * table, the clock, the caller's identity, the UTF-8/UTF-16 conversions and
 * the one place where native errors are turned into TERMINUS_E_* codes:
 * tm_win_fail(), which also keeps the native number and the system's message
 * in the thread's error record.
 *
 * Wine 8 behaves differently from Windows in a few places, each handled in
 * the file named:
 * - TerminateProcess on an exited process returns TRUE: the state is checked
 *   first (process.c);
 * - OpenProcess on a bogus pid fails with ERROR_INVALID_PARAMETER (87),
 *   taken as "no such process" (here, TM_WIN_SITE_OPEN);
 * - wtsapi32 is mostly stubs: ERROR_CALL_NOT_IMPLEMENTED (120), or a failure
 *   that leaves GetLastError at 0; both become TERMINUS_E_UNSUPPORTED (here,
 *   TM_WIN_SITE_WTS; wts.c);
 * - a message-only window (HWND_MESSAGE) never hears a broadcast: the
 *   listener is a hidden top-level window (listener.c).
 */
#include "win32.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Errors: the one place where native errors become terminus codes.        */
/* ---------------------------------------------------------------------- */

/* Whether this is Wine (for messages that explain its stubs). */
int tm_win_is_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* The system's text for `err`, in UTF-8, without the trailing newline and dot. */
static void tm_win_sysmsg(DWORD err, char *out, size_t size)
{
    wchar_t wbuf[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
                             0, wbuf, (DWORD)(sizeof wbuf / sizeof wbuf[0]), NULL);
    out[0] = '\0';
    if (n == 0)
        return;
    while (n > 0 && (wbuf[n - 1] == L'\r' || wbuf[n - 1] == L'\n' || wbuf[n - 1] == L' ' ||
                     wbuf[n - 1] == L'.'))
        n--;
    if (n == 0)
        return;
    int len = WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)n, out, (int)size - 1, NULL, NULL);
    if (len <= 0)
        len = 0;
    out[len] = '\0';
    /* newlines inside the text (a few messages have them) become spaces */
    for (char *p = out; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
}

/*
 * Translate `err` (a GetLastError() value) from a call made at `site` into a
 * TERMINUS_E_* code, record it with the call's description (fmt, ...), the
 * system's message and the native number, and return the code.
 */
int tm_win_fail(enum tm_win_site site, DWORD err, const char *fmt, ...)
{
    char call[512];
    char sys[512];
    va_list ap;
    int code;

    va_start(ap, fmt);
    vsnprintf(call, sizeof call, fmt, ap);
    va_end(ap);

    if (err == 0) {
        if (site == TM_WIN_SITE_WTS)
            return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                     "%s: failed without an error code (GetLastError() is 0); "
                                     "taken as not implemented by this system%s",
                                     call,
                                     tm_win_is_wine() ? " (Wine's wtsapi32 is mostly stubs)" : "");
        return terminus_os_error(TERMINUS_E_OS, 0, "%s: failed without an error code", call);
    }

    tm_win_sysmsg(err, sys, sizeof sys);
    if (sys[0] == '\0')
        snprintf(sys, sizeof sys, "error %lu", (unsigned long)err);

    switch (err) {
    case ERROR_ACCESS_DENIED:
        code = TERMINUS_E_ACCESS_DENIED;
        break;
    case ERROR_INVALID_PARAMETER:
        code = site == TM_WIN_SITE_OPEN ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
        if (site == TM_WIN_SITE_OPEN)
            return terminus_os_error(code, (long)err, "%s: no such process (%s (%lu))", call, sys,
                                     (unsigned long)err);
        break;
    case ERROR_CTX_WINSTATION_NOT_FOUND:
        code = site == TM_WIN_SITE_WTS ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
        break;
    case RPC_S_SERVER_UNAVAILABLE:
    case RPC_S_INVALID_NET_ADDR:
    case RPC_S_SERVER_TOO_BUSY:
    case ERROR_BAD_NETPATH:
        code = TERMINUS_E_UNAVAILABLE;
        break;
    case ERROR_CALL_NOT_IMPLEMENTED:
        return terminus_os_error(
            TERMINUS_E_UNSUPPORTED, (long)err, "%s: not implemented by this system (%s (%lu))%s",
            call, sys, (unsigned long)err, tm_win_is_wine() ? "; Wine stubs most of wtsapi32" : "");
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        code = TERMINUS_E_NO_MEMORY;
        break;
    default:
        code = TERMINUS_E_OS;
        break;
    }
    return terminus_os_error(code, (long)err, "%s: %s (%lu)", call, sys, (unsigned long)err);
}

/* UTF-8 -> UTF-16 into `out` (`cap` units). 0 on success, else a code. */
int tm_win_wide(const char *what, const char *s, wchar_t *out, int cap)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, cap);
    if (n <= 0) {
        DWORD err = GetLastError();
        if (err == ERROR_INSUFFICIENT_BUFFER)
            return terminus_os_error(TERMINUS_E_INVALID, (long)err, "%s: \"%s\" is too long", what,
                                     s);
        return terminus_os_error(TERMINUS_E_INVALID, (long)err, "%s: \"%s\" is not valid UTF-8",
                                 what, s);
    }
    return TERMINUS_OK;
}

/* UTF-16 -> UTF-8 into `out` (`cap` bytes), cut at a character boundary. */
void tm_win_narrow(const wchar_t *w, char *out, size_t cap)
{
    out[0] = '\0';
    if (w == NULL || cap == 0)
        return;
    size_t wl = wcslen(w);
    /* shorten until it fits, so that a long name is cut, not dropped */
    while (wl > 0) {
        int n = WideCharToMultiByte(CP_UTF8, 0, w, (int)wl, out, (int)cap - 1, NULL, NULL);
        if (n > 0) {
            out[n] = '\0';
            return;
        }
        if (GetLastError() != ERROR_INSUFFICIENT_BUFFER)
            break;
        wl--;
        if (wl > 0 && w[wl] >= 0xDC00 && w[wl] <= 0xDFFF && w[wl - 1] >= 0xD800 &&
            w[wl - 1] <= 0xDBFF)
            wl--; /* never split a surrogate pair */
    }
    out[0] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Clock and identity                                                      */
/* ---------------------------------------------------------------------- */

static uint64_t tm_win_clock_us(void *data)
{
    LARGE_INTEGER c, f;
    (void)data;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);
    uint64_t cnt = (uint64_t)c.QuadPart, freq = (uint64_t)f.QuadPart;
    return (cnt / freq) * 1000000u + (cnt % freq) * 1000000u / freq;
}

static terminus_pid tm_win_self_pid(void *data)
{
    (void)data;
    return (terminus_pid)GetCurrentProcessId();
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

static const terminus_os tm_win_os = {
    .version = TERMINUS_OS_VERSION,
    .name = "win32",
    .data = NULL,
    .system_pid = 4, /* System */
    .clock_us = tm_win_clock_us,
    .self_pid = tm_win_self_pid,
    .process_open = tm_win_process_open,
    .process_close = tm_win_process_close,
    .process_status = tm_win_process_status,
    .process_request = tm_win_process_request,
    .process_kill = tm_win_process_kill,
    .wait_open = tm_win_wait_open,
    .wait_any = tm_win_wait_any,
    .wait_close = tm_win_wait_close,
    .exit_process = tm_win_exit_process,
    .listen_start = tm_win_listen_start,
    .listen_stop = tm_win_listen_stop,
    .logoff = tm_win_logoff,
    .server_open = tm_win_server_open,
    .server_close = tm_win_server_close,
    .session_list = tm_win_session_list,
    .session_current = tm_win_session_current,
    .session_logoff = tm_win_session_logoff,
    .session_wait_gone = tm_win_session_wait_gone,
};

TERMINUS_API const terminus_os *terminus_os_native(void)
{
    return &tm_win_os;
}
