/*
 * lib/os/win32/listener.c: the listener window and the console handler.
 *
 * A hidden top-level window (message-only windows, HWND_MESSAGE, never hear
 * broadcasts under Wine 8) on a thread of its own, with its own message
 * loop, of the class TM_WIN_LISTENER_CLASS, by which process_reach finds it
 * (chain.c). It acts on the registered message, posted to it (chain.c) or
 * broadcast (process.c), only when wParam is this process's pid. The UIPI
 * filter is never widened (no ChangeWindowMessageFilter): a process of lower
 * integrity cannot make this one exit.
 *
 * What else it hears, as Windows sends it (tm_win_window_action and
 * tm_win_console_action decide; test_win32_rules.c checks them):
 * - WM_CLOSE to its window is a request, so that taskkill without /F (and
 *   the close chain's CLOSE step) ends a console program that listens;
 * - WM_QUERYENDSESSION asks the callback (LOGOFF) while a shutdown block
 *   reason says that it saves (ShutdownBlockReasonCreate); a callback that
 *   declines refuses the end (FALSE) and nothing is latched, so the next
 *   real logoff is reported again. With ENDSESSION_CLOSEAPP (the Restart
 *   Manager wants the application closed) it is a request, not a logoff.
 *   WM_ENDSESSION TRUE is the end, reported once; FALSE calls it off;
 * - the console control handler returns TRUE only when it handled the
 *   event: Ctrl+C and Ctrl+Break are requests (a callback that declines
 *   keeps the process running), CTRL_CLOSE and CTRL_SHUTDOWN the end (the
 *   callback runs inside the handler, so it gets the ~5 s the system
 *   gives), CTRL_LOGOFF is left to the next handler: a process that loads
 *   user32, as the listener does, never gets it, and a service gets it for
 *   any user's logoff, which is not its own end. Without a listener (one
 *   being stopped) it handles nothing.
 *
 * The thread runs this module's code (the loop, the window procedure) and
 * the console handler is this module's too: while a listener lives it holds
 * a reference on the module (GetModuleHandleExW), so that a FreeLibrary of
 * the DLL by the program does not unmap them under it, and the thread drops
 * that reference as it ends (FreeLibraryAndExitThread, which never returns
 * into the module).
 */
#include "win32.h"

#include <stdlib.h>
#include <string.h>

#include "terminus/terminate.h"

#define TM_WIN_WM_STOP (WM_APP + 0x7e1) /* posted by listen_stop */

struct terminus_os_listener {
    terminus_os_listen_fn fn;
    void *arg;
    UINT msg;
    DWORD self;
    HANDLE thread;
    DWORD tid;
    HMODULE module_ref; /* a reference on this DLL, dropped as the thread ends; NULL
                           when the backend is linked into the program itself */
    HANDLE ready;       /* set once the window exists, or failed to */
    HWND hwnd;
    DWORD create_err; /* GetLastError() of a failed RegisterClassExW/CreateWindowExW */
    const char *failed_call;
    HINSTANCE hinst;
    LONG logoff_done; /* the end (LOGOFF) is reported once, by the window or the console
                         handler; a query that the callback declined does not set it */
    int block_reason; /* ShutdownBlockReasonCreate holds (window thread only) */
    int console_handler;
};

static const wchar_t tm_win_class[] = TM_WIN_LISTENER_CLASS;

/* What the shutdown screen shows while the callback runs (or after it declined). */
static const wchar_t tm_win_block_reason[] = L"Saving its data before the session ends";

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
static unsigned tm_win_console_busy;               /* console handler calls of fn in progress */
static _Thread_local unsigned tm_win_console_mine; /* ... of them on this thread */

static void tm_win_logoff_once(struct terminus_os_listener *l)
{
    if (InterlockedExchange(&l->logoff_done, 1) == 0)
        l->fn(l->arg, TERMINUS_REASON_LOGOFF);
}

/* (pure; win32.h) */
enum tm_win_act tm_win_console_action(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        return TM_WIN_ACT_REQUEST;
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        return TM_WIN_ACT_END;
    default: /* CTRL_LOGOFF_EVENT: some user's logoff, seen by services only */
        return TM_WIN_ACT_PASS;
    }
}

/* (pure; win32.h) */
enum tm_win_act tm_win_window_action(UINT msg, WPARAM wp, LPARAM lp)
{
    int closeapp = ((DWORD)lp & ENDSESSION_CLOSEAPP) != 0;
    switch (msg) {
    case WM_CLOSE:
        return TM_WIN_ACT_REQUEST;
    case WM_QUERYENDSESSION:
        return closeapp ? TM_WIN_ACT_REQUEST : TM_WIN_ACT_QUERY_END;
    case WM_ENDSESSION:
        if (!wp)
            return TM_WIN_ACT_END_CANCEL;
        return closeapp ? TM_WIN_ACT_IGNORE : TM_WIN_ACT_END;
    default:
        return TM_WIN_ACT_PASS;
    }
}

/* The session may end: ask the callback, with a block reason while it runs. */
static LRESULT tm_win_query_end(struct terminus_os_listener *l, HWND hwnd)
{
    if (l->logoff_done)
        return TRUE; /* the end was reported already */
    if (ShutdownBlockReasonCreate(hwnd, tm_win_block_reason))
        l->block_reason = 1;
    l->fn(l->arg, TERMINUS_REASON_LOGOFF);
    /* here only when the callback declined (agreeing exits the process): refuse the end,
       keeping the reason on the shutdown screen until WM_ENDSESSION */
    return FALSE;
}

static void tm_win_drop_reason(struct terminus_os_listener *l, HWND hwnd)
{
    if (l->block_reason)
        ShutdownBlockReasonDestroy(hwnd);
    l->block_reason = 0;
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
        /* posted to this window or broadcast to every application: act only when it
           names us */
        if (wp == (WPARAM)l->self)
            l->fn(l->arg, TERMINUS_REASON_REQUEST);
        return 0;
    }
    switch (tm_win_window_action(msg, wp, lp)) {
    case TM_WIN_ACT_REQUEST:
        /* WM_CLOSE never closes this window (only listen_stop does) */
        l->fn(l->arg, TERMINUS_REASON_REQUEST);
        return msg == WM_QUERYENDSESSION ? FALSE : 0; /* declined */
    case TM_WIN_ACT_QUERY_END:
        return tm_win_query_end(l, hwnd);
    case TM_WIN_ACT_END:
        tm_win_drop_reason(l, hwnd);
        tm_win_logoff_once(l);
        return 0;
    case TM_WIN_ACT_END_CANCEL:
        tm_win_drop_reason(l, hwnd);
        return 0;
    case TM_WIN_ACT_IGNORE:
        return 0;
    default:
        break;
    }
    switch (msg) {
    case TM_WIN_WM_STOP:
        DestroyWindow(hwnd);
        return 0;
    case WM_DESTROY:
        PostQuitMessage(0);
        return 0;
    default:
        return DefWindowProcW(hwnd, msg, wp, lp);
    }
}

/* The listener thread's work; returns the thread's exit code. */
static DWORD tm_win_listener_run(struct terminus_os_listener *l)
{
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

static DWORD WINAPI tm_win_listener_main(void *p)
{
    struct terminus_os_listener *l = p;
    HMODULE module_ref = l->module_ref; /* `l` is not used once run has returned */
    DWORD code = tm_win_listener_run(l);
    if (module_ref != NULL)
        FreeLibraryAndExitThread(module_ref, code); /* may unmap this code: never returns here */
    return code;
}

static BOOL WINAPI tm_win_console_handler(DWORD type)
{
    enum tm_win_act act = tm_win_console_action(type);
    if (act == TM_WIN_ACT_PASS)
        return FALSE; /* not ours: the next handler (for a service, the system's) */
    terminus_os_listen_fn fn = NULL;
    void *arg = NULL;
    int handled = 0;
    /* under the lock: listen_stop clears the slot under it, then waits for busy == 0,
       so fn is never called after it returns */
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    struct terminus_os_listener *l = tm_win_listener;
    if (l != NULL) {
        handled = 1; /* an end reported already is handled too */
        if (act == TM_WIN_ACT_REQUEST || InterlockedExchange(&l->logoff_done, 1) == 0) {
            fn = l->fn;
            arg = l->arg;
            tm_win_console_busy++;
            tm_win_console_mine++;
        }
    }
    ReleaseSRWLockExclusive(&tm_win_listener_lock);
    if (fn == NULL)
        return handled ? TRUE : FALSE; /* no listener: the default handling */
    /* without the lock: fn may end in at-exit hooks that stop the listener
       (listen_stop on this thread then does not wait for itself); `l` may be
       freed by the time fn returns and is not used after it. A callback that
       agrees exits the process; one that declines returns here, and TRUE keeps
       the process running (for CTRL_CLOSE the system ends it anyway). */
    fn(arg, act == TM_WIN_ACT_REQUEST ? TERMINUS_REASON_REQUEST : TERMINUS_REASON_LOGOFF);
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    tm_win_console_mine--;
    if (--tm_win_console_busy == 0)
        WakeAllConditionVariable(&tm_win_listener_idle);
    ReleaseSRWLockExclusive(&tm_win_listener_lock);
    return TRUE;
}

/* Drop the module reference of a listener whose thread never started. */
static void tm_win_listen_drop_module(struct terminus_os_listener *l)
{
    if (l->module_ref != NULL)
        FreeLibrary(l->module_ref); /* the caller holds its own: this never unloads */
    l->module_ref = NULL;
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

int tm_win_listen_start(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                        terminus_os_listener **out)
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
    /* in a DLL, hold it while the thread runs its code (dropped by the thread) */
    if (l->hinst != GetModuleHandleW(NULL) &&
        !GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                            (LPCWSTR)(uintptr_t)tm_win_listener_main, &l->module_ref)) {
        code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "GetModuleHandleExW(the listener's module)");
        free(l);
        return code;
    }
    l->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (l->ready == NULL) {
        code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "CreateEventW");
        tm_win_listen_drop_module(l);
        tm_win_listener_free(l);
        return code;
    }

    /* reserve the slot (a second listen_start now gets E_REFUSED) */
    AcquireSRWLockExclusive(&tm_win_listener_lock);
    if (tm_win_listener != NULL) {
        ReleaseSRWLockExclusive(&tm_win_listener_lock);
        tm_win_listen_drop_module(l);
        tm_win_listener_free(l);
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 "listen_start: this process already has a listener");
    }
    tm_win_listener = l;
    ReleaseSRWLockExclusive(&tm_win_listener_lock);

    /* CreateThread, not _beginthreadex: the thread ends with
       FreeLibraryAndExitThread, which the C runtime's thread start would not expect */
    l->thread = CreateThread(NULL, 0, tm_win_listener_main, l, 0, &l->tid);
    if (l->thread == NULL) {
        code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "CreateThread(listener)");
        tm_win_listen_release_slot(l);
        tm_win_listen_drop_module(l);
        tm_win_listener_free(l);
        return code;
    }
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
            code = tm_win_fail(TM_WIN_SITE_GENERIC, l->create_err,
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

void tm_win_listen_stop(void *data, terminus_os_listener *l)
{
    (void)data;
    if (l == NULL)
        return;
    /* after this, the console handler no longer calls fn (it waits for a call in
       progress on another thread; one on this thread is the caller's own) */
    tm_win_listen_release_slot(l);
    if (l->console_handler)
        SetConsoleCtrlHandler(tm_win_console_handler, FALSE);
    if (!PostMessageW(l->hwnd, TM_WIN_WM_STOP, 0, 0))
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
