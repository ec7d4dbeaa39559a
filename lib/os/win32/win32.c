/*
 * lib/os/win32/win32.c: the Win32 backend of the OS shim.
 *
 * Every member of terminus_os over kernel32, user32 and wtsapi32, with the
 * W functions (UTF-8 is converted to UTF-16 here). Native errors are turned
 * into TERMINUS_E_* codes in one place, tm_win_fail(), which also keeps the
 * native number and the system's message in the thread's error record.
 *
 * Wine 8 notes (see /work/shared/FACTS.md), handled here:
 * - TerminateProcess on an exited process returns TRUE: the state is checked
 *   first;
 * - OpenProcess on a bogus pid fails with ERROR_INVALID_PARAMETER (87);
 * - wtsapi32 is mostly stubs: ERROR_CALL_NOT_IMPLEMENTED (120), or a failure
 *   that leaves GetLastError at 0; both become TERMINUS_E_UNSUPPORTED;
 * - a message-only window (HWND_MESSAGE) never hears a broadcast: the
 *   listener is a hidden top-level window.
 *
 * Measured under Wine 8 (tests/integration/win32, 2 cores): request to
 * observed exit of a listener 2.5-7 ms (the first broadcast of a process
 * costs ~20-100 ms more); one BroadcastSystemMessageW costs about 0.1-0.3 ms
 * per top-level window on the desktop, since Wine posts to each through
 * wineserver, so with 100 listeners running each request takes ~30 ms.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef UNICODE
#define UNICODE
#endif
#include <windows.h>
#include <wtsapi32.h>
#include <process.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "terminus/logoff.h"

/* ---------------------------------------------------------------------- */
/* Errors: the one place where native errors become terminus codes.        */
/* ---------------------------------------------------------------------- */

/* Which call failed, for the few numbers whose meaning depends on it. */
enum tm_win_site {
    TM_SITE_GENERIC = 0,
    TM_SITE_OPEN,   /* OpenProcess: ERROR_INVALID_PARAMETER means "no such process" */
    TM_SITE_WTS     /* wtsapi32: Wine's stubs may fail with GetLastError() == 0 */
};

/* Whether this is Wine (for messages that explain its stubs). */
static int tm_win_is_wine(void)
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
static int tm_win_fail(enum tm_win_site site, DWORD err, const char *fmt, ...)
    TERMINUS_PRINTF(3, 4);

static int tm_win_fail(enum tm_win_site site, DWORD err, const char *fmt, ...)
{
    char call[512];
    char sys[512];
    va_list ap;
    int code;

    va_start(ap, fmt);
    vsnprintf(call, sizeof call, fmt, ap);
    va_end(ap);

    if (err == 0) {
        if (site == TM_SITE_WTS)
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
        code = site == TM_SITE_OPEN ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
        if (site == TM_SITE_OPEN)
            return terminus_os_error(code, (long)err, "%s: no such process (%s (%lu))", call, sys,
                                     (unsigned long)err);
        break;
    case ERROR_CTX_WINSTATION_NOT_FOUND:
        code = site == TM_SITE_WTS ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
        break;
    case RPC_S_SERVER_UNAVAILABLE:
    case RPC_S_INVALID_NET_ADDR:
    case RPC_S_SERVER_TOO_BUSY:
    case ERROR_BAD_NETPATH:
        code = TERMINUS_E_UNAVAILABLE;
        break;
    case ERROR_CALL_NOT_IMPLEMENTED:
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, (long)err,
                                 "%s: not implemented by this system (%s (%lu))%s", call, sys,
                                 (unsigned long)err,
                                 tm_win_is_wine() ? "; Wine stubs most of wtsapi32" : "");
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

/* The error of the call that just failed. */
#define TM_LAST() GetLastError()

/* UTF-8 -> UTF-16 into `out` (`cap` units). 0 on success, else a code. */
static int tm_win_wide(const char *what, const char *s, wchar_t *out, int cap)
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
static void tm_win_narrow(const wchar_t *w, char *out, size_t cap)
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
/* Processes                                                               */
/* ---------------------------------------------------------------------- */

struct terminus_os_process {
    HANDLE h;
    DWORD pid;
    int can_kill; /* opened with PROCESS_TERMINATE */
};

static int tm_win_process_open(void *data, terminus_pid pid, terminus_os_process **out)
{
    (void)data;
    const DWORD base = SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION;
    int can_kill = 1;
    HANDLE h = OpenProcess(base | PROCESS_TERMINATE, FALSE, (DWORD)pid);
    if (h == NULL && GetLastError() == ERROR_ACCESS_DENIED) {
        /* we may still ask it to leave; a kill will then fail with ACCESS_DENIED */
        can_kill = 0;
        h = OpenProcess(base, FALSE, (DWORD)pid);
    }
    if (h == NULL)
        return tm_win_fail(TM_SITE_OPEN, TM_LAST(), "OpenProcess(%lu)", (unsigned long)pid);
    /* NT ignores the low two bits of a process id: OpenProcess(pid + 1..3)
     * opens pid. Only the process whose id is exactly the one asked for is
     * the target; anything else (the caller itself, System) is not. */
    DWORD got = GetProcessId(h);
    if (got != (DWORD)pid) {
        CloseHandle(h);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "OpenProcess(%lu): no such process (the id names process %lu, "
                                 "whose id differs in its low two bits)",
                                 (unsigned long)pid, (unsigned long)got);
    }
    terminus_os_process *p = malloc(sizeof *p);
    if (p == NULL) {
        CloseHandle(h);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "process_open(%lu): out of memory",
                                 (unsigned long)pid);
    }
    p->h = h;
    p->pid = (DWORD)pid;
    p->can_kill = can_kill;
    *out = p;
    return TERMINUS_OK;
}

static void tm_win_process_close(void *data, terminus_os_process *proc)
{
    (void)data;
    if (proc == NULL)
        return;
    CloseHandle(proc->h);
    free(proc);
}

/* 1 running, 0 ended, or a negative code (recorded). */
static int tm_win_running(terminus_os_process *proc)
{
    DWORD r = WaitForSingleObject(proc->h, 0);
    if (r == WAIT_TIMEOUT)
        return 1;
    if (r == WAIT_OBJECT_0)
        return 0;
    return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "WaitForSingleObject(process %lu)",
                       (unsigned long)proc->pid);
}

static int tm_win_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
{
    (void)data;
    /* the handle's state, not the exit code: a process may exit with 259 */
    int r = tm_win_running(proc);
    if (r < 0)
        return r;
    st->running = r;
    st->code_known = 0;
    st->exit_code = 0;
    if (!r) {
        DWORD code;
        if (!GetExitCodeProcess(proc->h, &code))
            return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "GetExitCodeProcess(%lu)",
                               (unsigned long)proc->pid);
        st->code_known = 1;
        st->exit_code = (uint32_t)code;
    }
    return TERMINUS_OK;
}

/* The registered message for `message` (UTF-8), or 0 with the error recorded. */
static UINT tm_win_register_message(const char *message, int *code)
{
    wchar_t wname[512];
    int rc = tm_win_wide("RegisterWindowMessageW", message, wname, 512);
    if (rc != TERMINUS_OK) {
        *code = rc;
        return 0;
    }
    UINT msg = RegisterWindowMessageW(wname);
    if (msg == 0)
        *code = tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "RegisterWindowMessageW(\"%s\")", message);
    return msg;
}

/* OK while the process runs; E_NOT_FOUND once it has ended; or the error. */
static int tm_win_must_run(terminus_os_process *proc)
{
    int r = tm_win_running(proc);
    if (r < 0)
        return r;
    if (r == 0)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "process %lu has already ended",
                                 (unsigned long)proc->pid);
    return TERMINUS_OK;
}

static int tm_win_process_request(void *data, terminus_os_process *proc, const char *message)
{
    (void)data;
    int code = tm_win_must_run(proc);
    if (code != TERMINUS_OK)
        return code;
    UINT msg = tm_win_register_message(message, &code);
    if (msg == 0)
        return code;
    /*
     * Posted, never sent: BroadcastSystemMessageW with BSF_POSTMESSAGE returns
     * at once, so a hung application cannot hold the caller. Every top-level
     * window of every application gets it; only the one whose process has
     * this pid acts on it.
     */
    DWORD recipients = BSM_APPLICATIONS;
    long rv = BroadcastSystemMessageW(BSF_IGNORECURRENTTASK | BSF_POSTMESSAGE, &recipients, msg,
                                      (WPARAM)proc->pid, 0);
    if (rv <= 0)
        return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "BroadcastSystemMessageW(\"%s\", %lu)",
                           message, (unsigned long)proc->pid);
    return TERMINUS_OK;
}

static int tm_win_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
{
    (void)data;
    /* Wine's TerminateProcess returns TRUE on an exited process: look first */
    int r = tm_win_must_run(proc);
    if (r != TERMINUS_OK)
        return r;
    if (!proc->can_kill)
        return terminus_os_error(TERMINUS_E_ACCESS_DENIED, ERROR_ACCESS_DENIED,
                                 "OpenProcess(%lu, PROCESS_TERMINATE): access denied (5)",
                                 (unsigned long)proc->pid);
    if (!TerminateProcess(proc->h, (UINT)exit_code)) {
        DWORD err = GetLastError();
        /* Windows: access denied on a process that has just ended (as libuv) */
        if (err == ERROR_ACCESS_DENIED && tm_win_running(proc) == 0)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, (long)err,
                                     "process %lu has already ended", (unsigned long)proc->pid);
        return tm_win_fail(TM_SITE_GENERIC, err, "TerminateProcess(%lu, %lu)",
                           (unsigned long)proc->pid, (unsigned long)exit_code);
    }
    return TERMINUS_OK;
}

/* ---------------------------------------------------------------------- */
/* Wait sets                                                               */
/*                                                                         */
/* Up to MAXIMUM_WAIT_OBJECTS (64) processes: WaitForMultipleObjects over   */
/* the ones not reported yet. More: one thread-pool wait per process        */
/* (RegisterWaitForSingleObject, WT_EXECUTEONLYONCE), whose callback queues */
/* its index under a lock and sets an event the caller waits on. Neither    */
/* polls.                                                                   */
/* ---------------------------------------------------------------------- */

struct tm_pool_wait {
    struct terminus_os_waitset *set;
    size_t index;
    HANDLE dup;  /* our own handle to the process, so the wait does not depend on the caller's */
    HANDLE wait; /* the registered wait, or NULL */
};

struct terminus_os_waitset {
    size_t count;
    int pooled;
    /* direct: the processes not reported yet */
    size_t npending;
    HANDLE pending_h[MAXIMUM_WAIT_OBJECTS];
    size_t pending_i[MAXIMUM_WAIT_OBJECTS];
    /* pooled */
    struct tm_pool_wait *waits;
    SRWLOCK lock;
    HANDLE event;  /* manual reset; set while the queue holds something */
    size_t *queue; /* `count` slots: each index is queued at most once */
    size_t head, tail;
};

static void CALLBACK tm_win_pool_cb(PVOID ctx, BOOLEAN timed_out)
{
    struct tm_pool_wait *w = ctx;
    struct terminus_os_waitset *set = w->set;
    (void)timed_out; /* INFINITE: never */
    AcquireSRWLockExclusive(&set->lock);
    set->queue[set->tail++] = w->index;
    SetEvent(set->event);
    ReleaseSRWLockExclusive(&set->lock);
}

static void tm_win_wait_close(void *data, terminus_os_waitset *set);

static int tm_win_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                            terminus_os_waitset **out)
{
    struct terminus_os_waitset *set = calloc(1, sizeof *set);
    if (set == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "wait_open: out of memory");
    set->count = count;
    if (count <= MAXIMUM_WAIT_OBJECTS) {
        for (size_t i = 0; i < count; i++) {
            set->pending_h[i] = procs[i]->h;
            set->pending_i[i] = i;
        }
        set->npending = count;
        *out = set;
        return TERMINUS_OK;
    }

    set->pooled = 1;
    InitializeSRWLock(&set->lock);
    set->waits = calloc(count, sizeof *set->waits);
    set->queue = calloc(count, sizeof *set->queue);
    if (set->waits == NULL || set->queue == NULL) {
        tm_win_wait_close(data, set);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "wait_open(%lu): out of memory",
                                 (unsigned long)count);
    }
    set->event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (set->event == NULL) {
        int rc = tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "CreateEventW");
        tm_win_wait_close(data, set);
        return rc;
    }
    HANDLE self = GetCurrentProcess();
    for (size_t i = 0; i < count; i++) {
        struct tm_pool_wait *w = &set->waits[i];
        w->set = set;
        w->index = i;
        if (!DuplicateHandle(self, procs[i]->h, self, &w->dup, SYNCHRONIZE, FALSE, 0)) {
            int rc = tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "DuplicateHandle(process %lu)",
                                 (unsigned long)procs[i]->pid);
            w->dup = NULL;
            tm_win_wait_close(data, set);
            return rc;
        }
        if (!RegisterWaitForSingleObject(&w->wait, w->dup, tm_win_pool_cb, w, INFINITE,
                                         WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
            int rc = tm_win_fail(TM_SITE_GENERIC, TM_LAST(),
                                 "RegisterWaitForSingleObject(process %lu)",
                                 (unsigned long)procs[i]->pid);
            w->wait = NULL;
            tm_win_wait_close(data, set);
            return rc;
        }
    }
    *out = set;
    return TERMINUS_OK;
}

static int tm_win_wait_direct(struct terminus_os_waitset *set, uint32_t timeout_ms,
                              size_t *ready, size_t capacity, size_t *nready)
{
    *nready = 0;
    if (set->npending == 0)
        return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: every process was reported");
    DWORD r = WaitForMultipleObjects((DWORD)set->npending, set->pending_h, FALSE,
                                     (DWORD)timeout_ms);
    if (r == WAIT_TIMEOUT)
        return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: timed out after %lu ms",
                                 (unsigned long)timeout_ms);
    if (r >= WAIT_OBJECT_0 + set->npending)
        return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "WaitForMultipleObjects(%lu)",
                           (unsigned long)set->npending);
    /* the first one that ended, then whichever others have ended too */
    size_t n = 0, keep = 0;
    for (size_t j = 0; j < set->npending; j++) {
        int ended = n < capacity &&
                    (j == (size_t)(r - WAIT_OBJECT_0) ||
                     (j > (size_t)(r - WAIT_OBJECT_0) &&
                      WaitForSingleObject(set->pending_h[j], 0) == WAIT_OBJECT_0));
        if (ended) {
            ready[n++] = set->pending_i[j];
        } else {
            set->pending_h[keep] = set->pending_h[j];
            set->pending_i[keep] = set->pending_i[j];
            keep++;
        }
    }
    set->npending = keep;
    *nready = n;
    return TERMINUS_OK;
}

static int tm_win_wait_pooled(struct terminus_os_waitset *set, uint32_t timeout_ms,
                              size_t *ready, size_t capacity, size_t *nready)
{
    ULONGLONG start = GetTickCount64();
    *nready = 0;
    for (;;) {
        AcquireSRWLockExclusive(&set->lock);
        if (set->head < set->tail) {
            size_t n = 0;
            while (n < capacity && set->head < set->tail)
                ready[n++] = set->queue[set->head++];
            if (set->head == set->tail)
                ResetEvent(set->event);
            ReleaseSRWLockExclusive(&set->lock);
            *nready = n;
            return TERMINUS_OK;
        }
        int all_reported = set->head == set->count;
        ReleaseSRWLockExclusive(&set->lock);
        if (all_reported)
            return terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                     "wait_any: every process was reported");

        DWORD remaining = INFINITE;
        if (timeout_ms != INFINITE) {
            ULONGLONG spent = GetTickCount64() - start;
            if (spent >= timeout_ms)
                return terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                         "wait_any: timed out after %lu ms",
                                         (unsigned long)timeout_ms);
            remaining = (DWORD)(timeout_ms - spent);
        }
        DWORD r = WaitForSingleObject(set->event, remaining);
        if (r == WAIT_TIMEOUT) {
            timeout_ms = 0; /* one last look at the queue, then give up */
            start = GetTickCount64();
            continue;
        }
        if (r != WAIT_OBJECT_0)
            return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "WaitForSingleObject(wait set event)");
    }
}

static int tm_win_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms,
                           size_t *ready, size_t capacity, size_t *nready)
{
    (void)data;
    if (capacity == 0) {
        *nready = 0;
        return terminus_os_error(TERMINUS_E_OS, 0, "wait_any: capacity 0");
    }
    if (set->pooled)
        return tm_win_wait_pooled(set, timeout_ms, ready, capacity, nready);
    return tm_win_wait_direct(set, timeout_ms, ready, capacity, nready);
}

static void tm_win_wait_close(void *data, terminus_os_waitset *set)
{
    (void)data;
    if (set == NULL)
        return;
    if (set->pooled && set->waits != NULL) {
        for (size_t i = 0; i < set->count; i++) {
            struct tm_pool_wait *w = &set->waits[i];
            /* INVALID_HANDLE_VALUE: returns once a running callback is done */
            if (w->wait != NULL)
                UnregisterWaitEx(w->wait, INVALID_HANDLE_VALUE);
            if (w->dup != NULL)
                CloseHandle(w->dup);
        }
    }
    if (set->event != NULL)
        CloseHandle(set->event);
    free(set->waits);
    free(set->queue);
    free(set);
}

/* ---------------------------------------------------------------------- */
/* Exit                                                                    */
/* ---------------------------------------------------------------------- */

static int tm_win_exit_process(void *data, uint32_t exit_code, int fast)
{
    (void)data;
    if (fast) {
        TerminateProcess(GetCurrentProcess(), (UINT)exit_code);
        return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "TerminateProcess(self, %lu)",
                           (unsigned long)exit_code);
    }
    ExitProcess((UINT)exit_code);
}

/* ---------------------------------------------------------------------- */
/* Listener                                                                */
/*                                                                         */
/* A hidden top-level window (message-only windows never hear broadcasts)  */
/* on a thread of its own, with its own message loop. It acts on the        */
/* registered message only when wParam is this process's pid, and on the    */
/* end of the session. Console programs also get CTRL_CLOSE / LOGOFF /      */
/* SHUTDOWN through a console control handler. The UIPI filter is never     */
/* widened (no ChangeWindowMessageFilter): a process of lower integrity     */
/* cannot make this one exit.                                               */
/* ---------------------------------------------------------------------- */

#define TM_WM_STOP (WM_APP + 0x7e1) /* posted by listen_stop */

struct terminus_os_listener {
    terminus_os_listen_fn fn;
    void *arg;
    UINT msg;
    DWORD self;
    HANDLE thread;
    unsigned tid;
    HANDLE ready;      /* set once the window exists, or failed to */
    HWND hwnd;
    DWORD create_err;  /* GetLastError() of a failed RegisterClassExW/CreateWindowExW */
    const char *failed_call;
    HINSTANCE hinst;
    LONG logoff_done;  /* LOGOFF is reported once, by the window or the console handler */
    int console_handler;
};

static const wchar_t tm_win_class[] = L"terminus.listener.1";

/*
 * The one listener of this process (the console control handler is per
 * process). The console handler never holds the lock while it calls fn: fn
 * may lead to terminus_exit, whose at-exit hooks may free the listener, and
 * an SRW lock is not recursive. It counts itself busy instead, and
 * listen_stop waits on tm_win_listener_idle until no other thread is in fn.
 */
static SRWLOCK tm_win_listener_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE tm_win_listener_idle = CONDITION_VARIABLE_INIT;
static struct terminus_os_listener *tm_win_listener;
static unsigned tm_win_console_busy;          /* console handler calls of fn in progress */
static _Thread_local unsigned tm_win_console_mine; /* ... of them on this thread */

static void tm_win_logoff_once(struct terminus_os_listener *l)
{
    if (InterlockedExchange(&l->logoff_done, 1) == 0)
        l->fn(l->arg, TERMINUS_REASON_LOGOFF);
}

static LRESULT CALLBACK tm_win_wndproc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    struct terminus_os_listener *l;
    if (msg == WM_NCCREATE) {
        const CREATESTRUCTW *cs = (const CREATESTRUCTW *)lp;
        SetWindowLongPtrW(hwnd, GWLP_USERDATA, (LONG_PTR)cs->lpCreateParams);
        return DefWindowProcW(hwnd, msg, wp, lp);
    }
    l = (struct terminus_os_listener *)GetWindowLongPtrW(hwnd, GWLP_USERDATA);
    if (l == NULL)
        return DefWindowProcW(hwnd, msg, wp, lp);

    if (msg == l->msg && l->msg != 0) {
        /* a broadcast reaches every application: act only when it names us */
        if (wp == (WPARAM)l->self)
            l->fn(l->arg, TERMINUS_REASON_REQUEST);
        return 0;
    }
    switch (msg) {
    case WM_QUERYENDSESSION:
        return TRUE; /* never veto; the data is saved at WM_ENDSESSION */
    case WM_ENDSESSION:
        if (wp)
            tm_win_logoff_once(l);
        return 0;
    case WM_CLOSE:
        return 0; /* only listen_stop closes this window */
    case TM_WM_STOP:
        DestroyWindow(hwnd);
        return 0;
    case WM_DESTROY:
        PostQuitMessage(0);
        return 0;
    default:
        return DefWindowProcW(hwnd, msg, wp, lp);
    }
}

static unsigned __stdcall tm_win_listener_main(void *p)
{
    struct terminus_os_listener *l = p;
    WNDCLASSEXW wc;
    memset(&wc, 0, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = tm_win_wndproc;
    wc.hInstance = l->hinst;
    wc.lpszClassName = tm_win_class;
    if (!RegisterClassExW(&wc) && GetLastError() != ERROR_CLASS_ALREADY_EXISTS) {
        l->create_err = GetLastError();
        l->failed_call = "RegisterClassExW";
        SetEvent(l->ready);
        return 1;
    }
    /* top-level (no parent, not HWND_MESSAGE) and hidden (no WS_VISIBLE) */
    l->hwnd = CreateWindowExW(0, tm_win_class, L"terminus listener", WS_OVERLAPPED, 0, 0, 0, 0,
                              NULL, NULL, l->hinst, l);
    if (l->hwnd == NULL) {
        l->create_err = GetLastError();
        l->failed_call = "CreateWindowExW";
        SetEvent(l->ready);
        return 1;
    }
    SetEvent(l->ready);

    MSG m;
    BOOL r;
    while ((r = GetMessageW(&m, NULL, 0, 0)) > 0) {
        TranslateMessage(&m);
        DispatchMessageW(&m);
    }
    if (IsWindow(l->hwnd))
        DestroyWindow(l->hwnd);
    return 0;
}

static BOOL WINAPI tm_win_console_handler(DWORD type)
{
    if (type != CTRL_CLOSE_EVENT && type != CTRL_LOGOFF_EVENT && type != CTRL_SHUTDOWN_EVENT)
        return FALSE; /* Ctrl+C and Ctrl+Break keep their default handling */
    terminus_os_listen_fn fn = NULL;
    void *arg = NULL;
    /* under the lock: listen_stop clears the slot under it, then waits for busy == 0,
       so fn is never called after it returns */
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    struct terminus_os_listener *l = tm_win_listener;
    if (l != NULL && InterlockedExchange(&l->logoff_done, 1) == 0) {
        fn = l->fn;
        arg = l->arg;
        tm_win_console_busy++;
        tm_win_console_mine++;
    }
    ReleaseSRWLockExclusive(&tm_win_listener_lock);
    if (fn == NULL)
        return TRUE;
    /* without the lock: fn may end in at-exit hooks that stop the listener
       (listen_stop on this thread then does not wait for itself); `l` may be
       freed by the time fn returns and is not used after it */
    fn(arg, TERMINUS_REASON_LOGOFF);
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    tm_win_console_mine--;
    if (--tm_win_console_busy == 0)
        WakeAllConditionVariable(&tm_win_listener_idle);
    ReleaseSRWLockExclusive(&tm_win_listener_lock);
    return TRUE;
}

static void tm_win_listener_free(struct terminus_os_listener *l)
{
    if (l->ready != NULL)
        CloseHandle(l->ready);
    if (l->thread != NULL)
        CloseHandle(l->thread);
    free(l);
}

/*
 * Free the slot, then wait until the console handler is no longer in fn on
 * another thread (calls on this thread are the caller's own: a hook that
 * stops the listener from inside fn; waiting for them would never end).
 */
static void tm_win_listen_release_slot(struct terminus_os_listener *l)
{
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    if (tm_win_listener == l)
        tm_win_listener = NULL;
    while (tm_win_console_busy > tm_win_console_mine)
        SleepConditionVariableSRW(&tm_win_listener_idle, &tm_win_listener_lock, INFINITE, 0);
    ReleaseSRWLockExclusive(&tm_win_listener_lock);
}

static int tm_win_listen_start(void *data, const char *message, terminus_os_listen_fn fn,
                               void *arg, terminus_os_listener **out)
{
    (void)data;
    int code = TERMINUS_OK;
    struct terminus_os_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "listen_start: out of memory");
    l->fn = fn;
    l->arg = arg;
    l->self = GetCurrentProcessId();

    l->msg = tm_win_register_message(message, &code);
    if (l->msg == 0) {
        free(l);
        return code;
    }
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)(void *)tm_win_class, &l->hinst))
        l->hinst = GetModuleHandleW(NULL);
    l->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (l->ready == NULL) {
        code = tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "CreateEventW");
        tm_win_listener_free(l);
        return code;
    }

    /* reserve the slot (a second listen_start now gets E_REFUSED) */
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    if (tm_win_listener != NULL) {
        ReleaseSRWLockExclusive(&tm_win_listener_lock);
        tm_win_listener_free(l);
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 "listen_start: this process already has a listener");
    }
    tm_win_listener = l;
    ReleaseSRWLockExclusive(&tm_win_listener_lock);

    uintptr_t th = _beginthreadex(NULL, 0, tm_win_listener_main, l, 0, &l->tid);
    if (th == 0) {
        code = terminus_os_error(TERMINUS_E_OS, 0, "_beginthreadex(listener): cannot start");
        tm_win_listen_release_slot(l);
        tm_win_listener_free(l);
        return code;
    }
    l->thread = (HANDLE)th;
    WaitForSingleObject(l->ready, INFINITE);
    if (l->hwnd == NULL) {
        WaitForSingleObject(l->thread, INFINITE);
        if (l->create_err == 0)
            code = terminus_os_error(
                TERMINUS_E_OS, 0,
                "%s: cannot create the listener window, without an error code (under Wine "
                "without a display, set HKCU\\Software\\Wine\\Drivers Graphics=null)",
                l->failed_call);
        else
            code = tm_win_fail(TM_SITE_GENERIC, l->create_err,
                               "%s(listener window; under Wine without a display, set "
                               "HKCU\\Software\\Wine\\Drivers Graphics=null)",
                               l->failed_call);
        UnregisterClassW(tm_win_class, l->hinst);
        tm_win_listen_release_slot(l);
        tm_win_listener_free(l);
        return code;
    }
    if (SetConsoleCtrlHandler(tm_win_console_handler, TRUE))
        l->console_handler = 1;
    *out = l;
    return TERMINUS_OK;
}

static void tm_win_listen_stop(void *data, terminus_os_listener *l)
{
    (void)data;
    if (l == NULL)
        return;
    /* after this, the console handler no longer calls fn (it waits for a call in
       progress on another thread; one on this thread is the caller's own) */
    tm_win_listen_release_slot(l);
    if (l->console_handler)
        SetConsoleCtrlHandler(tm_win_console_handler, FALSE);
    if (!PostMessageW(l->hwnd, TM_WM_STOP, 0, 0))
        PostThreadMessageW(l->tid, WM_QUIT, 0, 0);
    if (GetCurrentThreadId() == (DWORD)l->tid) {
        /* from its own callback (documented as not allowed): the window still
           uses `l` until the loop ends, so it is left allocated */
        return;
    }
    WaitForSingleObject(l->thread, INFINITE);
    UnregisterClassW(tm_win_class, l->hinst);
    tm_win_listener_free(l);
}

/* ---------------------------------------------------------------------- */
/* Logoff                                                                  */
/* ---------------------------------------------------------------------- */

static int tm_win_logoff(void *data, uint32_t flags)
{
    (void)data;
    UINT how = EWX_LOGOFF;
    if (flags & TERMINUS_LOGOFF_FORCE)
        how |= EWX_FORCE;
    if (flags & TERMINUS_LOGOFF_FORCE_IF_HUNG)
        how |= EWX_FORCEIFHUNG;
    if (!ExitWindowsEx(how, SHTDN_REASON_MAJOR_OTHER | SHTDN_REASON_MINOR_OTHER |
                                SHTDN_REASON_FLAG_PLANNED))
        return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "ExitWindowsEx(EWX_LOGOFF%s%s)",
                           (flags & TERMINUS_LOGOFF_FORCE) ? " | EWX_FORCE" : "",
                           (flags & TERMINUS_LOGOFF_FORCE_IF_HUNG) ? " | EWX_FORCEIFHUNG" : "");
    return TERMINUS_OK;
}

/* ---------------------------------------------------------------------- */
/* Servers and sessions                                                    */
/* ---------------------------------------------------------------------- */

struct terminus_os_server {
    HANDLE h;       /* WTS_CURRENT_SERVER_HANDLE for this machine */
    int local;
    char name[256]; /* for messages; "" for this machine */
};

static const char *tm_win_srv_name(const terminus_os_server *s)
{
    return s->local ? "(this machine)" : s->name;
}

static int tm_win_server_open(void *data, const char *name, terminus_os_server **out)
{
    (void)data;
    terminus_os_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "server_open: out of memory");
    if (name == NULL || name[0] == '\0') {
        s->h = WTS_CURRENT_SERVER_HANDLE; /* nothing to open or close */
        s->local = 1;
        *out = s;
        return TERMINUS_OK;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    wchar_t wname[512];
    int rc = tm_win_wide("WTSOpenServerW", name, wname, 512);
    if (rc != TERMINUS_OK) {
        free(s);
        return rc;
    }
    SetLastError(0);
    s->h = WTSOpenServerW(wname);
    if (s->h == NULL) {
        rc = tm_win_fail(TM_SITE_WTS, TM_LAST(), "WTSOpenServerW(\"%s\")", name);
        free(s);
        return rc;
    }
    *out = s;
    return TERMINUS_OK;
}

static void tm_win_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    if (s == NULL)
        return;
    if (!s->local)
        WTSCloseServer(s->h);
    free(s);
}

static int32_t tm_win_state(WTS_CONNECTSTATE_CLASS st)
{
    switch (st) {
    case WTSActive:
        return TERMINUS_SESSION_ACTIVE;
    case WTSConnected:
        return TERMINUS_SESSION_CONNECTED;
    case WTSDisconnected:
        return TERMINUS_SESSION_DISCONNECTED;
    default:
        return TERMINUS_SESSION_OTHER;
    }
}

/* A string property of a session, in UTF-8; "" if it has none or cannot be read. */
static void tm_win_session_string(HANDLE h, DWORD id, WTS_INFO_CLASS what, char *out, size_t cap)
{
    LPWSTR buf = NULL;
    DWORD bytes = 0;
    out[0] = '\0';
    if (WTSQuerySessionInformationW(h, id, what, &buf, &bytes) && buf != NULL)
        tm_win_narrow(buf, out, cap);
    if (buf != NULL)
        WTSFreeMemory(buf);
}

static int tm_win_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn,
                               void *arg)
{
    (void)data;
    WTS_SESSION_INFOW *list = NULL;
    DWORD count = 0;
    SetLastError(0);
    if (!WTSEnumerateSessionsW(s->h, 0, 1, &list, &count))
        return tm_win_fail(TM_SITE_WTS, TM_LAST(), "WTSEnumerateSessionsW(%s)",
                           tm_win_srv_name(s));
    if (count == 0) {
        /* Every Windows server has at least session 0 (services): an empty
         * list is a stub's answer (Wine's), not a server with no session. */
        if (list != NULL)
            WTSFreeMemory(list);
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "WTSEnumerateSessionsW(%s) listed no session, not even session 0: "
                                 "this system does not implement it%s",
                                 tm_win_srv_name(s),
                                 tm_win_is_wine() ? " (Wine stubs most of wtsapi32)" : "");
    }
    int rc = TERMINUS_OK;
    for (DWORD i = 0; i < count && rc == TERMINUS_OK; i++) {
        terminus_session_info info;
        char user[256], domain[256];
        memset(&info, 0, sizeof info);
        info.id = (uint32_t)list[i].SessionId;
        info.state = tm_win_state(list[i].State);
        tm_win_narrow(list[i].pWinStationName, info.name, sizeof info.name);
        /* a session that went away since the enumeration just has no user */
        tm_win_session_string(s->h, list[i].SessionId, WTSUserName, user, sizeof user);
        if (user[0] != '\0') {
            tm_win_session_string(s->h, list[i].SessionId, WTSDomainName, domain,
                                  sizeof domain);
            if (domain[0] != '\0' && strlen(domain) + 1 + strlen(user) < sizeof info.user)
                snprintf(info.user, sizeof info.user, "%s\\%s", domain, user);
            else
                snprintf(info.user, sizeof info.user, "%s", user);
        }
        rc = fn(arg, &info);
    }
    if (list != NULL)
        WTSFreeMemory(list);
    return rc;
}

static int tm_win_session_current(void *data, terminus_os_server *s, uint32_t *id)
{
    (void)data;
    if (!s->local)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "session_current: the caller has no session on server \"%s\"",
                                 s->name);
    DWORD sid = 0;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &sid))
        return tm_win_fail(TM_SITE_GENERIC, TM_LAST(), "ProcessIdToSessionId(%lu)",
                           (unsigned long)GetCurrentProcessId());
    *id = (uint32_t)sid;
    return TERMINUS_OK;
}

static int tm_win_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    (void)data;
    SetLastError(0);
    /* bWait FALSE: returns at once; session_wait_gone does the bounded wait */
    if (!WTSLogoffSession(s->h, (DWORD)id, FALSE))
        return tm_win_fail(TM_SITE_WTS, TM_LAST(), "WTSLogoffSession(%s, %lu)",
                           tm_win_srv_name(s), (unsigned long)id);
    return TERMINUS_OK;
}

/*
 * How long session_wait_gone sleeps between two looks. WTS has no wait with a
 * timeout: WTSLogoffSession's bWait=TRUE blocks for as long as the logoff
 * takes, and WTSWaitSystemEvent cannot be bounded either (only cancelled
 * from another thread). So the session's state is polled, with a short
 * bounded sleep, and the wait stops at the caller's timeout.
 */
#define TM_WIN_SESSION_POLL_MS 50u

static int tm_win_session_wait_gone(void *data, terminus_os_server *s, uint32_t id,
                                    uint32_t timeout_ms)
{
    (void)data;
    ULONGLONG start = GetTickCount64();
    for (;;) {
        WTS_CONNECTSTATE_CLASS *state = NULL;
        DWORD bytes = 0;
        SetLastError(0);
        if (!WTSQuerySessionInformationW(s->h, (DWORD)id, WTSConnectState, (LPWSTR *)&state,
                                         &bytes)) {
            DWORD err = GetLastError();
            if (err == ERROR_CTX_WINSTATION_NOT_FOUND || err == ERROR_INVALID_PARAMETER ||
                err == ERROR_FILE_NOT_FOUND)
                return TERMINUS_OK; /* gone */
            return tm_win_fail(TM_SITE_WTS, err, "WTSQuerySessionInformationW(%s, %lu, "
                                                 "WTSConnectState)",
                               tm_win_srv_name(s), (unsigned long)id);
        }
        int down = state != NULL && bytes >= sizeof *state && *state == WTSDown;
        if (state != NULL)
            WTSFreeMemory(state);
        if (down)
            return TERMINUS_OK;
        ULONGLONG spent = GetTickCount64() - start;
        if (spent >= timeout_ms)
            return terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                     "session %lu on %s is still there after %lu ms",
                                     (unsigned long)id, tm_win_srv_name(s),
                                     (unsigned long)timeout_ms);
        ULONGLONG left = timeout_ms - spent;
        Sleep((DWORD)(left < TM_WIN_SESSION_POLL_MS ? left : TM_WIN_SESSION_POLL_MS));
    }
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

static const terminus_os tm_win_os = {
    TERMINUS_OS_VERSION,
    "win32",
    NULL,
    4, /* System */
    tm_win_clock_us,
    tm_win_self_pid,
    tm_win_process_open,
    tm_win_process_close,
    tm_win_process_status,
    tm_win_process_request,
    tm_win_process_kill,
    tm_win_wait_open,
    tm_win_wait_any,
    tm_win_wait_close,
    tm_win_exit_process,
    tm_win_listen_start,
    tm_win_listen_stop,
    tm_win_logoff,
    tm_win_server_open,
    tm_win_server_close,
    tm_win_session_list,
    tm_win_session_current,
    tm_win_session_logoff,
    tm_win_session_wait_gone,
};

TERMINUS_API const terminus_os *terminus_os_native(void)
{
    return &tm_win_os;
}
