/*
 * lib/os/win32/chain.c: the close chain's decisions (pure, checked
 * white-box by test_win32_rules.c), sending one step (process_step), and
 * the console step's helper. What each step can reach (process_reach) is
 * reach.c.
 *
 * Steps, each returning at once: MESSAGE posts the registered message to
 * the target's listener window only (PostMessageW, wParam = the pid, as the
 * listener checks), or broadcasts it with TERMINUS_TERMINATE_BROADCAST (as
 * 0.1 did, process.c). CLOSE posts WM_CLOSE to each top-level window of the
 * target, as taskkill without /F. A post that UIPI refuses (a target of
 * higher integrity) fails with ERROR_ACCESS_DENIED: TERMINUS_E_ACCESS_DENIED.
 *
 * CONSOLE: Ctrl+C (or Ctrl+Break) must reach the target only, and the
 * caller must never leave or change its own console: AttachConsole,
 * AllocConsole and FreeConsole also reset the calling process's table of
 * control handlers, and GenerateConsoleCtrlEvent reaches every process of
 * the console, the sender included. So a short-lived helper process does
 * it: rundll32.exe runs this DLL's terminus_os_win32_console_helper, which
 * leaves the console it may have (none: rundll32 is a GUI program, started
 * DETACHED_PROCESS), attaches to the target's, counts the processes on it
 * (GetConsoleProcessList) and, when the target and itself are alone there,
 * absorbs the event in itself and sends it to the console
 * (GenerateConsoleCtrlEvent, group 0). A console shared with another
 * process is refused (TERMINUS_E_UNREACHABLE: the event would reach the
 * others too). The helper's exit code says what it did
 * (tm_win_helper_result). The static library has no DLL for rundll32 to
 * load: there the step is TERMINUS_E_UNSUPPORTED and reach never counts it.
 *
 * Measured under Wine 8 (tests/integration/win32, 2 cores): the helper takes
 * about 130 ms from CreateProcessW to its exit, the Ctrl+C arriving in the
 * target within it; Wine sends Ctrl+Break to nobody (GenerateConsoleCtrlEvent
 * fails), so the step then fails.
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <winternl.h>

#include "terminus/terminate.h"

/* ---------------------------------------------------------------------- */
/* The decisions (pure: test_win32_rules.c checks them white-box)          */
/* ---------------------------------------------------------------------- */

uint32_t tm_win_reach_bits(uint32_t steps, uint32_t flags, const struct tm_win_found *f)
{
    uint32_t r = 0;
    if (f->other_session)
        return 0; /* its windows are on another desktop, its console out of reach */
    if ((steps & TERMINUS_STEP_MESSAGE) &&
        (f->listener || ((flags & TERMINUS_TERMINATE_BROADCAST) && f->windows > 0)))
        r |= TERMINUS_STEP_MESSAGE;
    if ((steps & TERMINUS_STEP_CLOSE) && (f->listener || f->windows > 0))
        r |= TERMINUS_STEP_CLOSE;
    /* a listener answers Ctrl+C with the callback the message and WM_CLOSE reach */
    if ((steps & TERMINUS_STEP_CONSOLE) && f->console != 0 && f->console_sender &&
        !(f->listener && (steps & (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE))))
        r |= TERMINUS_STEP_CONSOLE;
    return r;
}

int tm_win_other_session(DWORD caller, DWORD target)
{
    return caller != TM_WIN_SESSION_UNKNOWN && target != TM_WIN_SESSION_UNKNOWN && caller != target;
}

int tm_win_post_code(DWORD err)
{
    switch (err) {
    case ERROR_ACCESS_DENIED: /* 5: UIPI */
        return TERMINUS_E_ACCESS_DENIED;
    case ERROR_INVALID_WINDOW_HANDLE: /* 1400: the window is gone */
        return TERMINUS_E_UNREACHABLE;
    default:
        return TERMINUS_E_OS;
    }
}

int tm_win_system_class(const wchar_t *cls)
{
    return wcscmp(cls, L"IME") == 0 || wcscmp(cls, L"MSCTFIME UI") == 0;
}

int tm_win_console_handle_attached(uintptr_t handle, int is_wine)
{
    if (handle == 0)
        return 0;
    if (is_wine && handle == (uintptr_t)(intptr_t)-4)
        return 0; /* Wine: started from a shell without a terminal, no console */
    return 1;
}

int tm_win_helper_result(DWORD exit_code, DWORD pid, int ctrl_break, char *msg, size_t cap,
                         DWORD *native)
{
    DWORD kind = exit_code & ~TM_WIN_HELPER_VALUE, v = exit_code & TM_WIN_HELPER_VALUE;
    const char *event = ctrl_break ? "CTRL_BREAK_EVENT" : "CTRL_C_EVENT";
    unsigned long p = (unsigned long)pid, n = (unsigned long)v;
    *native = 0;
    msg[0] = '\0';
    if (exit_code == TM_WIN_HELPER_SENT || exit_code == TM_WIN_HELPER_UNSEEN)
        return TERMINUS_OK;
    switch (kind) {
    case TM_WIN_HELPER_NO_ATTACH:
        *native = v;
        if (v == ERROR_INVALID_HANDLE || v == ERROR_GEN_FAILURE) {
            snprintf(msg, cap, "AttachConsole(%lu): process %lu has no console (error %lu)", p, p,
                     n);
            return TERMINUS_E_UNREACHABLE;
        }
        if (v == ERROR_INVALID_PARAMETER) {
            snprintf(msg, cap, "AttachConsole(%lu): process %lu has ended (error %lu)", p, p, n);
            return TERMINUS_E_NOT_FOUND;
        }
        if (v == ERROR_ACCESS_DENIED) {
            snprintf(msg, cap, "AttachConsole(%lu): access denied (5)", p);
            return TERMINUS_E_ACCESS_DENIED;
        }
        snprintf(msg, cap, "AttachConsole(%lu) failed (error %lu)", p, n);
        return TERMINUS_E_OS;
    case TM_WIN_HELPER_SHARED:
        snprintf(msg, cap,
                 "process %lu: its console is shared with %lu other process%s, which %s would "
                 "reach too: not sent",
                 p, n, n == 1 ? "" : "es", event);
        return TERMINUS_E_UNREACHABLE;
    case TM_WIN_HELPER_NO_EVENT:
        *native = v;
        snprintf(msg, cap,
                 "GenerateConsoleCtrlEvent(%s) to the console of process %lu failed (error %lu)%s",
                 event, p, n, ctrl_break ? "; Wine 8 sends Ctrl+C only" : "");
        return v == ERROR_CALL_NOT_IMPLEMENTED ? TERMINUS_E_UNSUPPORTED : TERMINUS_E_OS;
    case TM_WIN_HELPER_BAD_ARGS:
        snprintf(msg, cap, "the console helper refused its command line (pid %lu)", p);
        return TERMINUS_E_OS;
    default:
        snprintf(msg, cap,
                 "the console helper (rundll32.exe) for process %lu ended with exit code 0x%lx", p,
                 (unsigned long)exit_code);
        return TERMINUS_E_OS;
    }
}

/* ---------------------------------------------------------------------- */
/* process_step                                                            */
/* ---------------------------------------------------------------------- */

/* Whether `hwnd` is still a window of process `pid` (a window found by
 * process_reach may have gone since, and its handle may name another). */
static int tm_win_window_of(HWND hwnd, DWORD pid)
{
    DWORD owner = 0;
    return GetWindowThreadProcessId(hwnd, &owner) != 0 && owner == pid;
}

/* Record a failed PostMessageW (error `err`) to `what` of process `pid`. */
static int tm_win_post_failed(DWORD err, const char *what, DWORD pid)
{
    int code = tm_win_post_code(err);
    if (code == TERMINUS_E_ACCESS_DENIED)
        return terminus_os_error(code, (long)err,
                                 "PostMessageW(%s of process %lu): access denied (5): UIPI drops "
                                 "posts to a process of higher integrity",
                                 what, (unsigned long)pid);
    if (code == TERMINUS_E_UNREACHABLE)
        return terminus_os_error(code, (long)err,
                                 "PostMessageW(%s of process %lu): the window is gone (1400)", what,
                                 (unsigned long)pid);
    return tm_win_fail(TM_WIN_SITE_GENERIC, err, "PostMessageW(%s of process %lu)", what,
                       (unsigned long)pid);
}

static int tm_win_step_message(terminus_os_process *proc, uint32_t flags, const char *message)
{
    int code = TERMINUS_OK;
    UINT msg = proc->msg;
    if (msg == 0) {
        msg = tm_win_register_message(message, &code);
        if (msg == 0)
            return code;
        proc->msg = msg;
    }
    if (flags & TERMINUS_TERMINATE_BROADCAST) {
        code = tm_win_must_run(proc);
        return code != TERMINUS_OK ? code : tm_win_broadcast(proc, msg, message);
    }
    if (proc->listener == NULL) {
        code = tm_win_must_run(proc);
        if (code != TERMINUS_OK)
            return code;
        return terminus_os_error(TERMINUS_E_UNREACHABLE, 0,
                                 "process %lu has no terminus listener window",
                                 (unsigned long)proc->pid);
    }
    /*
     * Posted, never sent: a hung listener cannot hold the caller. No look
     * first (each costs a wineserver call under Wine 8): a window that is
     * gone fails the post, and then the process's state says why. Were the
     * handle taken by another window meanwhile, the message would only reach
     * a window that ignores it (wParam names this pid).
     */
    if (!PostMessageW(proc->listener, msg, (WPARAM)proc->pid, 0)) {
        DWORD err = GetLastError();
        code = tm_win_must_run(proc);
        if (code != TERMINUS_OK)
            return code;
        return tm_win_post_failed(err, "the listener window", proc->pid);
    }
    return TERMINUS_OK;
}

static int tm_win_step_close(terminus_os_process *proc)
{
    size_t posted = 0;
    DWORD first_err = 0;
    int code = tm_win_must_run(proc);
    if (code != TERMINUS_OK)
        return code;
    /* process_reach may have stopped its pass once the reach was known: the rest */
    code = tm_win_own_windows(proc);
    if (code != TERMINUS_OK)
        return code;
    /* every top-level window, the listener's too (WM_CLOSE is a request to it), as
       taskkill without /F; posted, never sent: a hung window cannot hold the caller */
    for (size_t i = 0; i <= proc->nwindows; i++) {
        HWND w = i < proc->nwindows ? proc->windows[i] : proc->listener;
        if (w == NULL || !tm_win_window_of(w, proc->pid))
            continue;
        if (PostMessageW(w, WM_CLOSE, 0, 0))
            posted++;
        else if (first_err == 0)
            first_err = GetLastError();
    }
    if (posted > 0)
        return TERMINUS_OK;
    if (first_err != 0)
        return tm_win_post_failed(first_err, "WM_CLOSE to the top-level windows", proc->pid);
    return terminus_os_error(TERMINUS_E_UNREACHABLE, 0,
                             "process %lu has no top-level window (any more) to close",
                             (unsigned long)proc->pid);
}

/* How long the caller waits for the console helper (it never waits on the target). */
#define TM_WIN_HELPER_WAIT_MS 10000u

static int tm_win_step_console(terminus_os_process *proc, uint32_t flags)
{
    enum { PATH = 2048 };
    wchar_t dll[PATH], dir[PATH], app[PATH], cmd[3 * PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HMODULE module;
    DWORD n, exit_code = 0, native = 0;
    int ctrl_break = (flags & TERMINUS_TERMINATE_CTRL_BREAK) != 0;
    char text[512];

    int code = tm_win_must_run(proc);
    if (code != TERMINUS_OK)
        return code;
    if (!tm_win_console_module(&module))
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "the console step needs libterminus-0.dll: its helper is "
                                 "rundll32.exe running the DLL, which a program linked with the "
                                 "static library does not have (process %lu)",
                                 (unsigned long)proc->pid);
    n = GetModuleFileNameW(module, dll, PATH);
    if (n == 0 || n >= PATH)
        return tm_win_fail(TM_WIN_SITE_GENERIC, n == 0 ? TM_WIN_LAST() : ERROR_INSUFFICIENT_BUFFER,
                           "GetModuleFileNameW(libterminus)");
    wcscpy(dir, dll);
    wchar_t *slash = wcsrchr(dir, L'\\');
    if (slash != NULL)
        *slash = L'\0';
    n = GetSystemDirectoryW(app, PATH - 16);
    if (n == 0 || n >= PATH - 16)
        return tm_win_fail(TM_WIN_SITE_GENERIC, n == 0 ? TM_WIN_LAST() : ERROR_INSUFFICIENT_BUFFER,
                           "GetSystemDirectoryW");
    wcscat(app, L"\\rundll32.exe");
    swprintf(cmd, sizeof cmd / sizeof cmd[0],
             L"\"%ls\" \"%ls\",terminus_os_win32_console_helper %lu %lu", app, dll,
             (unsigned long)proc->pid,
             (unsigned long)(ctrl_break ? CTRL_BREAK_EVENT : CTRL_C_EVENT));

    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    /* no console of its own (rundll32 is a GUI program, DETACHED_PROCESS makes sure), no
       handle inherited; in the DLL's directory, so that what the DLL needs is found */
    if (!CreateProcessW(app, cmd, NULL, NULL, FALSE, DETACHED_PROCESS, NULL, dir, &si, &pi))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "CreateProcessW(rundll32.exe, the console helper for process %lu)",
                           (unsigned long)proc->pid);
    CloseHandle(pi.hThread);
    if (WaitForSingleObject(pi.hProcess, TM_WIN_HELPER_WAIT_MS) != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        CloseHandle(pi.hProcess);
        return terminus_os_error(TERMINUS_E_OS, 0,
                                 "the console helper (rundll32.exe) for process %lu did not end "
                                 "within %u ms",
                                 (unsigned long)proc->pid, TM_WIN_HELPER_WAIT_MS);
    }
    if (!GetExitCodeProcess(pi.hProcess, &exit_code)) {
        code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "GetExitCodeProcess(the console helper)");
        CloseHandle(pi.hProcess);
        return code;
    }
    CloseHandle(pi.hProcess);
    code = tm_win_helper_result(exit_code, proc->pid, ctrl_break, text, sizeof text, &native);
    if (code == TERMINUS_OK)
        return TERMINUS_OK;
    return terminus_os_error(code, (long)native, "%s", text);
}

int tm_win_process_step(void *data, terminus_os_process *proc, uint32_t step, uint32_t flags,
                        const char *message)
{
    (void)data;
    switch (step) {
    case TERMINUS_STEP_MESSAGE:
        return tm_win_step_message(proc, flags, message);
    case TERMINUS_STEP_CLOSE:
        return tm_win_step_close(proc);
    case TERMINUS_STEP_CONSOLE:
        return tm_win_step_console(proc, flags);
    default: {
        int code = tm_win_must_run(proc);
        if (code != TERMINUS_OK)
            return code;
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "process_step: step 0x%lx is not one Windows has",
                                 (unsigned long)step);
    }
    }
}

/* ---------------------------------------------------------------------- */
/* The console helper, in rundll32.exe                                     */
/* ---------------------------------------------------------------------- */

static HANDLE tm_win_helper_seen;

/* The helper's own copy of the event: it is absorbed here, and its arrival
   shows that the console has sent it out. */
static BOOL WINAPI tm_win_helper_absorb(DWORD type)
{
    (void)type;
    if (tm_win_helper_seen != NULL)
        SetEvent(tm_win_helper_seen);
    return TRUE;
}

/* Attach to the console of `pid` and send `event` when nobody else is on it. */
static DWORD tm_win_helper_run(DWORD pid, DWORD event)
{
    DWORD list[64], n, others = 0, self = GetCurrentProcessId();
    FreeConsole();
    if (!AttachConsole(pid))
        return TM_WIN_HELPER_NO_ATTACH | (GetLastError() & TM_WIN_HELPER_VALUE);
    n = GetConsoleProcessList(list, 64);
    if (n == 0)
        return TM_WIN_HELPER_NO_ATTACH | (GetLastError() & TM_WIN_HELPER_VALUE);
    if (n > 64) {
        others = n - 2; /* the list did not fit: the target and the helper are among them */
    } else {
        for (DWORD i = 0; i < n; i++)
            others += list[i] != pid && list[i] != self;
    }
    if (others > 0)
        return TM_WIN_HELPER_SHARED | (others & TM_WIN_HELPER_VALUE);
    tm_win_helper_seen = CreateEventW(NULL, TRUE, FALSE, NULL);
    SetConsoleCtrlHandler(NULL, FALSE); /* an inherited "ignore Ctrl+C" would hide it here */
    SetConsoleCtrlHandler(tm_win_helper_absorb, TRUE);
    if (!GenerateConsoleCtrlEvent(event, 0))
        return TM_WIN_HELPER_NO_EVENT | (GetLastError() & TM_WIN_HELPER_VALUE);
    if (tm_win_helper_seen == NULL ||
        WaitForSingleObject(tm_win_helper_seen, 2000) != WAIT_OBJECT_0)
        return TM_WIN_HELPER_UNSEEN;
    return TM_WIN_HELPER_SENT;
}

/*
 * rundll32 calls it as CALLBACK (stdcall on 32-bit x86); it is declared
 * without, so that its exported name is undecorated everywhere: it never
 * returns (ExitProcess), so who pops the arguments does not matter.
 */
TERMINUS_API void terminus_os_win32_console_helper(void *hwnd, void *instance, char *cmdline,
                                                   int show)
{
    char *end = NULL, *end2 = NULL;
    unsigned long pid, event;
    (void)hwnd;
    (void)instance;
    (void)show;
    if (cmdline == NULL)
        ExitProcess(TM_WIN_HELPER_BAD_ARGS);
    pid = strtoul(cmdline, &end, 10);
    event = strtoul(end, &end2, 10);
    if (end == cmdline || end2 == end || pid == 0 ||
        (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT))
        ExitProcess(TM_WIN_HELPER_BAD_ARGS);
    ExitProcess(tm_win_helper_run((DWORD)pid, (DWORD)event));
}
