/*
 * lib/os/win32/backend.c: the Win32 backend's table, its errors and strings.
 *
 * The backend fills every member of terminus_os over kernel32, user32 and
 * wtsapi32, with the W functions (UTF-8 is converted to UTF-16 here). Its
 * files: process.c (processes, requests, kills, wait sets, exit), reach.c
 * (what each close-chain step reaches: the window map, sessions, consoles),
 * chain.c (the close chain's steps and the console step's helper), procs.c
 * (the process listing and identities), job.c (a job object that holds a
 * tree), listener.c (the listener window and the console handler), wts.c
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
 *   TM_WIN_SITE_WTS; wts.c). A failure without an error on Windows itself is
 *   TERMINUS_E_OS, with a message that says no error was given;
 * - IsProcessCritical is missing from its kernel32 (process.c);
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

/*
 * The TERMINUS_E_* code for `err` from a call made at `site` (win32.h). The
 * numbers that mean "the other machine cannot be reached" are those of RPC
 * (WTS talks to a remote server over it) and of the network below it; those
 * that mean "not allowed" include a failed logon to the server (1326) and a
 * missing privilege (1314).
 */
int tm_win_code(enum tm_win_site site, DWORD err, int is_wine)
{
    int wts = site == TM_WIN_SITE_WTS || site == TM_WIN_SITE_SESSION;
    switch (err) {
    case 0:
        /* Wine's wtsapi32 stubs fail without setting an error; Windows gave none */
        return wts && is_wine ? TERMINUS_E_UNSUPPORTED : TERMINUS_E_OS;
    case ERROR_ACCESS_DENIED:                /* 5 */
    case ERROR_PRIVILEGE_NOT_HELD:           /* 1314 */
    case ERROR_LOGON_FAILURE:                /* 1326 */
    case ERROR_CTX_WINSTATION_ACCESS_DENIED: /* 7045 */
        return TERMINUS_E_ACCESS_DENIED;
    case ERROR_FILE_NOT_FOUND: /* 2 */
        return site == TM_WIN_SITE_SESSION ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
    case ERROR_INVALID_PARAMETER: /* 87 */
        return site == TM_WIN_SITE_OPEN || site == TM_WIN_SITE_SESSION ? TERMINUS_E_NOT_FOUND
                                                                       : TERMINUS_E_OS;
    case ERROR_CTX_WINSTATION_NOT_FOUND: /* 7022 */
        return wts ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
    case ERROR_BAD_NETPATH:         /* 53 */
    case ERROR_NETNAME_DELETED:     /* 64 */
    case ERROR_BAD_NET_NAME:        /* 67 */
    case ERROR_NETWORK_UNREACHABLE: /* 1231 */
    case ERROR_HOST_UNREACHABLE:    /* 1232 */
    case RPC_S_INVALID_NET_ADDR:    /* 1707 */
    case RPC_S_UNKNOWN_IF:          /* 1717 */
    case RPC_S_SERVER_UNAVAILABLE:  /* 1722 */
    case RPC_S_SERVER_TOO_BUSY:     /* 1723 */
    case RPC_S_CALL_FAILED:         /* 1726 */
    case RPC_S_CALL_FAILED_DNE:     /* 1727 */
    case EPT_S_NOT_REGISTERED:      /* 1753 */
        return TERMINUS_E_UNAVAILABLE;
    case ERROR_CALL_NOT_IMPLEMENTED: /* 120 */
        return TERMINUS_E_UNSUPPORTED;
    case ERROR_NOT_ENOUGH_MEMORY: /* 8 */
    case ERROR_OUTOFMEMORY:       /* 14 */
        return TERMINUS_E_NO_MEMORY;
    default:
        return TERMINUS_E_OS;
    }
}

/* UTF-16 -> UTF-8, cut at a character boundary (win32.h). */
size_t tm_win_utf8(const wchar_t *w, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)w[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            c = 0x10000u + ((c - 0xD800u) << 10) + ((uint32_t)w[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD; /* an unpaired surrogate */
        }
        char b[4];
        size_t k;
        if (c < 0x80) {
            b[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            b[0] = (char)(0xC0 | (c >> 6));
            b[1] = (char)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            b[0] = (char)(0xE0 | (c >> 12));
            b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[2] = (char)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            b[0] = (char)(0xF0 | (c >> 18));
            b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[3] = (char)(0x80 | (c & 0x3F));
            k = 4;
        }
        if (len + k > cap - 1)
            break; /* the whole character, or nothing of it */
        memcpy(out + len, b, k);
        len += k;
    }
    out[len] = '\0';
    return len;
}

/* A system message as one line of UTF-8 (win32.h). */
size_t tm_win_sysmsg_text(const wchar_t *w, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    while (n > 0 &&
           (w[n - 1] == L'\r' || w[n - 1] == L'\n' || w[n - 1] == L' ' || w[n - 1] == L'.'))
        n--;
    size_t len = tm_win_utf8(w, n, out, cap);
    /* newlines inside the text (a few messages have them) become spaces */
    for (size_t i = 0; i < len; i++)
        if (out[i] == '\r' || out[i] == '\n')
            out[i] = ' ';
    return len;
}

/*
 * The system's text for `err`, in UTF-8. FormatMessageW allocates it, so
 * that a long (e.g. localized) message keeps its text: a fixed buffer would
 * make FormatMessageW fail and the message read "error N".
 */
static void tm_win_sysmsg(DWORD err, char *out, size_t size)
{
    wchar_t *text = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, err, 0, (LPWSTR)(void *)&text, 0, NULL);
    out[0] = '\0';
    if (n > 0 && text != NULL)
        tm_win_sysmsg_text(text, n, out, size);
    if (text != NULL)
        LocalFree(text);
}

/*
 * Translate `err` (a GetLastError() value) from a call made at `site` into a
 * TERMINUS_E_* code (tm_win_code), record it with the call's description
 * (fmt, ...), the system's message and the native number, and return the code.
 */
int tm_win_fail(enum tm_win_site site, DWORD err, const char *fmt, ...)
{
    char call[512];
    char sys[1024];
    va_list ap;
    int wine = tm_win_is_wine();
    int code = tm_win_code(site, err, wine);

    va_start(ap, fmt);
    vsnprintf(call, sizeof call, fmt, ap);
    va_end(ap);

    if (err == 0) {
        if (code == TERMINUS_E_UNSUPPORTED)
            return terminus_os_error(code, 0,
                                     "%s: failed without an error code (GetLastError() is 0); "
                                     "taken as not implemented by this system (Wine's wtsapi32 "
                                     "is mostly stubs)",
                                     call);
        return terminus_os_error(
            code, 0, "%s: failed, and the system gave no error (GetLastError() is 0)", call);
    }

    tm_win_sysmsg(err, sys, sizeof sys);
    if (sys[0] == '\0')
        snprintf(sys, sizeof sys, "error %lu", (unsigned long)err);

    if (err == ERROR_CALL_NOT_IMPLEMENTED)
        return terminus_os_error(code, (long)err, "%s: not implemented by this system (%s (%lu))%s",
                                 call, sys, (unsigned long)err,
                                 wine ? "; Wine stubs most of wtsapi32" : "");
    if (code == TERMINUS_E_NOT_FOUND && site == TM_WIN_SITE_OPEN)
        return terminus_os_error(code, (long)err, "%s: no such process (%s (%lu))", call, sys,
                                 (unsigned long)err);
    if (code == TERMINUS_E_NOT_FOUND && site == TM_WIN_SITE_SESSION)
        return terminus_os_error(code, (long)err, "%s: no such session (%s (%lu))", call, sys,
                                 (unsigned long)err);
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
    if (cap == 0)
        return;
    if (w == NULL) {
        out[0] = '\0';
        return;
    }
    tm_win_utf8(w, wcslen(w), out, cap);
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
    .process_reach = tm_win_process_reach,
    .process_step = tm_win_process_step,
    /* version 2: processes by identity (procs.c) */
    .process_list = tm_win_process_list,
    .process_identity = tm_win_process_identity,
    .boot_id = tm_win_boot_id,
    /* version 2: sessions an administrator acts on */
    .session_details = tm_win_session_details,
    .session_message = tm_win_session_message,
    .session_blockers = tm_win_session_blockers,
    .traits = TERMINUS_OS_NAMES_NOCASE, /* NTFS file names */
    /* version 2: a job object the caller gives (job.c) */
    .group_open = tm_win_group_open,
    .group_list = tm_win_group_list,
    .group_kill = tm_win_group_kill,
    .group_empty = tm_win_group_empty,
    .group_close = tm_win_group_close,
};

TERMINUS_API const terminus_os *terminus_os_native(void)
{
    return &tm_win_os;
}
