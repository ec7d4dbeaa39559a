/*
 * lib/os/win32/chain.c: the close chain: what each step can reach
 * (process_reach) and sending one step (process_step), and the console
 * step's helper.
 *
 * Reach: ONE EnumWindows pass for the whole batch, each top-level window
 * matched to a target with GetWindowThreadProcessId (a sorted table of the
 * targets' pids), the listener's window told by its class
 * (TM_WIN_LISTENER_CLASS, listener.c); the windows found are kept in each
 * process for process_step. A target with a window on the caller's desktop
 * is in the caller's session; for the others the session is read through
 * the process's handle (ProcessSessionInformation), the caller's once. The pass stops as soon as no later window can
 * change a reach (every target's listener window found, or any window where
 * no listener is needed): under Wine 8 each window of another process costs
 * a wineserver call, and a full pass over 200 bystander windows costs more
 * than the post it prepares. A CLOSE step after such a pass looks again for
 * the target's windows (only then, and for that target only). A target in another session reaches nothing. Whether a target has a console is read from the process
 * itself, never by attaching the caller to anything: ProcessConsoleHostProcess
 * (NtQueryInformationProcess class 49, Windows 7 and later) and, where that
 * class is missing (Wine 8: STATUS_INVALID_INFO_CLASS), the ConsoleHandle of
 * its process parameters. Nothing waits on a target: a hung window cannot
 * hold the caller.
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
/* What process_reach found                                                */
/* ---------------------------------------------------------------------- */

void tm_win_chain_forget(terminus_os_process *proc)
{
    free(proc->windows);
    proc->windows = NULL;
    proc->nwindows = 0;
    proc->capwindows = 0;
    proc->windows_complete = 0;
    proc->listener = NULL;
}

static int tm_win_keep_window(terminus_os_process *p, HWND hwnd)
{
    if (p->nwindows == p->capwindows) {
        size_t cap = p->capwindows == 0 ? 4 : p->capwindows * 2;
        HWND *w = realloc(p->windows, cap * sizeof *w);
        if (w == NULL)
            return 0;
        p->windows = w;
        p->capwindows = cap;
    }
    p->windows[p->nwindows++] = hwnd;
    return 1;
}

/* One target of the EnumWindows pass: its pid and its index in `procs`. */
struct tm_win_slot {
    DWORD pid;
    size_t index;
};

/* What a window's class makes it, for the pass. */
enum { TM_WIN_CLASS_OTHER, TM_WIN_CLASS_LISTENER, TM_WIN_CLASS_SYSTEM };

struct tm_win_enum {
    const struct tm_win_slot *slots; /* sorted by pid */
    size_t n;
    terminus_os_process *const *procs;
    int need_listener; /* a target is settled by its listener window, not by any window */
    size_t unsettled;  /* targets whose reach a later window could still change */
    int no_memory;
    /* class atoms already named in this pass: an atom names one class on the desktop,
       and reading it is one wineserver call where the class's name is two (Wine 8) */
    ATOM atoms[8];
    unsigned char kinds[8];
    size_t natoms;
};

/* TM_WIN_CLASS_* of a window of a target. */
static int tm_win_class_kind(struct tm_win_enum *e, HWND hwnd)
{
    wchar_t cls[64];
    int kind = TM_WIN_CLASS_OTHER;
    ATOM atom = (ATOM)GetClassLongPtrW(hwnd, GCW_ATOM);
    for (size_t k = 0; atom != 0 && k < e->natoms; k++)
        if (e->atoms[k] == atom)
            return e->kinds[k];
    if (GetClassNameW(hwnd, cls, 64) > 0) {
        if (wcscmp(cls, TM_WIN_LISTENER_CLASS) == 0)
            kind = TM_WIN_CLASS_LISTENER;
        else if (tm_win_system_class(cls))
            kind = TM_WIN_CLASS_SYSTEM;
    }
    if (atom != 0 && e->natoms < sizeof e->atoms / sizeof e->atoms[0]) {
        e->atoms[e->natoms] = atom;
        e->kinds[e->natoms++] = (unsigned char)kind;
    }
    return kind;
}

static int tm_win_slot_cmp(const void *a, const void *b)
{
    DWORD x = ((const struct tm_win_slot *)a)->pid, y = ((const struct tm_win_slot *)b)->pid;
    return (x > y) - (x < y);
}

/* Whether what was found of `p` settles its reach: no later window can change it. */
static int tm_win_settled(const terminus_os_process *p, int need_listener)
{
    return p->listener != NULL || (!need_listener && p->nwindows > 0);
}

static BOOL CALLBACK tm_win_enum_window(HWND hwnd, LPARAM lp)
{
    struct tm_win_enum *e = (struct tm_win_enum *)lp;
    struct tm_win_slot key = { 0, 0 };
    const struct tm_win_slot *s;
    if (GetWindowThreadProcessId(hwnd, &key.pid) == 0)
        return TRUE; /* gone meanwhile */
    s = bsearch(&key, e->slots, e->n, sizeof key, tm_win_slot_cmp);
    if (s == NULL)
        return TRUE; /* a bystander: one call, nothing more */
    terminus_os_process *p = e->procs[s->index];
    int was = tm_win_settled(p, e->need_listener);
    int kind = tm_win_class_kind(e, hwnd);
    if (kind == TM_WIN_CLASS_LISTENER && p->listener == NULL) {
        p->listener = hwnd;
    } else if (kind == TM_WIN_CLASS_SYSTEM) {
        return TRUE;
    } else if (!tm_win_keep_window(p, hwnd)) {
        e->no_memory = 1;
        return FALSE;
    }
    /* once every target is settled, the rest of the desktop cannot change a
       reach: stop (the CLOSE step looks again for the windows not seen) */
    if (!was && tm_win_settled(p, e->need_listener) && --e->unsettled == 0)
        return FALSE;
    return TRUE;
}

/* A target's own top-level windows, for a CLOSE step after a pass that stopped early. */
struct tm_win_own {
    terminus_os_process *p;
    int no_memory;
};

static BOOL CALLBACK tm_win_own_window(HWND hwnd, LPARAM lp)
{
    struct tm_win_own *o = (struct tm_win_own *)lp;
    DWORD pid = 0;
    wchar_t cls[64];
    if (GetWindowThreadProcessId(hwnd, &pid) == 0 || pid != o->p->pid || hwnd == o->p->listener)
        return TRUE;
    if (GetClassNameW(hwnd, cls, 64) > 0 && tm_win_system_class(cls))
        return TRUE;
    for (size_t i = 0; i < o->p->nwindows; i++)
        if (o->p->windows[i] == hwnd)
            return TRUE;
    if (!tm_win_keep_window(o->p, hwnd)) {
        o->no_memory = 1;
        return FALSE;
    }
    return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Whether a target has a console, read from the process                   */
/* ---------------------------------------------------------------------- */

typedef LONG(NTAPI *tm_win_ntquery_fn)(HANDLE process, ULONG info_class, PVOID info, ULONG size,
                                       PULONG returned);

#define TM_WIN_PROCESS_BASIC_INFORMATION    0
#define TM_WIN_PROCESS_SESSION_INFORMATION  24
#define TM_WIN_PROCESS_CONSOLE_HOST_PROCESS 49 /* Windows 7 and later */

/* NtQueryInformationProcess, looked up once (a race only looks it up twice). */
static tm_win_ntquery_fn tm_win_ntquery(void)
{
    static tm_win_ntquery_fn query;
    static volatile LONG looked;
    if (!looked) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        FARPROC f = ntdll != NULL ? GetProcAddress(ntdll, "NtQueryInformationProcess") : NULL;
        query = f != NULL ? (tm_win_ntquery_fn)(void (*)(void))f : NULL;
        InterlockedExchange(&looked, 1);
    }
    return query;
}

/* The caller's session, read once: a process never changes session. */
static DWORD tm_win_self_session(void)
{
    static volatile LONG known;
    static DWORD session;
    if (!known) {
        DWORD s;
        if (!ProcessIdToSessionId(GetCurrentProcessId(), &s))
            return TM_WIN_SESSION_UNKNOWN; /* asked again next time */
        session = s;
        InterlockedExchange(&known, 1);
    }
    return session;
}

/* The session of an open process, through its handle (ProcessIdToSessionId would open
 * it again: under Wine 8 five times the cost). */
static DWORD tm_win_session_of(terminus_os_process *p, tm_win_ntquery_fn query)
{
    ULONG s = 0;
    DWORD s2;
    if (query != NULL && query(p->h, TM_WIN_PROCESS_SESSION_INFORMATION, &s, sizeof s, NULL) >= 0)
        return (DWORD)s;
    return ProcessIdToSessionId(p->pid, &s2) ? s2 : TM_WIN_SESSION_UNKNOWN;
}

/*
 * The ConsoleHandle of the target's process parameters: 1 attached, 0 not,
 * -1 unknown. A second handle with the rights to read its memory: opened by
 * pid, it is the same process as `p->h`, since Windows never gives a pid to
 * another process while a handle to the first one is open.
 */
static int tm_win_console_from_params(terminus_os_process *p, tm_win_ntquery_fn query, int is_wine)
{
    PROCESS_BASIC_INFORMATION pbi;
    PVOID params = NULL;
    uintptr_t console = 0;
    SIZE_T got = 0;
    int r = -1;
    HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, p->pid);
    if (h == NULL)
        return -1;
    memset(&pbi, 0, sizeof pbi);
    if (query(h, TM_WIN_PROCESS_BASIC_INFORMATION, &pbi, sizeof pbi, NULL) >= 0 &&
        pbi.PebBaseAddress != NULL &&
        ReadProcessMemory(h, (const char *)pbi.PebBaseAddress + offsetof(PEB, ProcessParameters),
                          &params, sizeof params, &got) &&
        got == sizeof params && params != NULL &&
        ReadProcessMemory(h,
                          (const char *)params + offsetof(RTL_USER_PROCESS_PARAMETERS, Reserved2),
                          &console, sizeof console, &got) &&
        got == sizeof console)
        r = tm_win_console_handle_attached(console, is_wine); /* Reserved2[0]: ConsoleHandle */
    CloseHandle(h);
    return r;
}

/* 1: the target is attached to a console; 0: not; -1: unknown. */
static int tm_win_console_of(terminus_os_process *p, tm_win_ntquery_fn query, int is_wine)
{
    static volatile LONG no_host_class; /* the system lacks class 49 (Wine 8) */
    ULONG_PTR host = 0;
    if (query == NULL)
        return -1;
    /* the process id of its console host, with flags in the low two bits; 0 for none */
    if (!no_host_class) {
        LONG st = query(p->h, TM_WIN_PROCESS_CONSOLE_HOST_PROCESS, &host, sizeof host, NULL);
        if (st >= 0)
            return (host & ~(ULONG_PTR)3) != 0;
        if (st == (LONG)0xC0000003L) /* STATUS_INVALID_INFO_CLASS */
            InterlockedExchange(&no_host_class, 1);
    }
    return tm_win_console_from_params(p, query, is_wine);
}

/*
 * The module this code runs in, when it is the DLL (whose helper rundll32
 * can run); 0 when the backend is linked into the program itself.
 */
static int tm_win_console_module(HMODULE *out)
{
    HMODULE m = NULL;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)(uintptr_t)tm_win_process_step, &m) ||
        m == NULL || m == GetModuleHandleW(NULL))
        return 0;
    *out = m;
    return 1;
}

/* ---------------------------------------------------------------------- */
/* process_reach                                                           */
/* ---------------------------------------------------------------------- */

int tm_win_process_reach(void *data, terminus_os_process *const *procs, size_t count,
                         uint32_t steps, uint32_t flags, const char *message, uint32_t *reach)
{
    (void)data;
    struct tm_win_found *found = NULL;
    struct tm_win_slot *slots = NULL;
    DWORD self_session = TM_WIN_SESSION_UNKNOWN;
    tm_win_ntquery_fn query = tm_win_ntquery();
    UINT msg = 0;
    int code = TERMINUS_OK;
    size_t nslots = 0;

    for (size_t i = 0; i < count; i++) {
        reach[i] = 0;
        tm_win_chain_forget(procs[i]);
        procs[i]->msg = 0;
    }
    if (count == 0)
        return TERMINUS_OK;
    found = calloc(count, sizeof *found);
    slots = calloc(count, sizeof *slots);
    if (found == NULL || slots == NULL) {
        code = terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                 "process_reach(%lu targets): out of memory", (unsigned long)count);
        goto out;
    }

    for (size_t i = 0; i < count; i++) {
        slots[nslots].pid = procs[i]->pid;
        slots[nslots].index = i;
        nslots++;
    }

    if ((steps & TERMINUS_STEP_MESSAGE) != 0) {
        int ignored = TERMINUS_OK;
        /* a failure shows again, recorded, when the step registers it itself */
        msg = tm_win_register_message(message, &ignored);
    }

    if ((steps & (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE)) != 0 && nslots > 0) {
        struct tm_win_enum e;
        qsort(slots, nslots, sizeof *slots, tm_win_slot_cmp);
        e.slots = slots;
        e.n = nslots;
        e.procs = procs;
        e.need_listener =
            (steps & TERMINUS_STEP_MESSAGE) && !(flags & TERMINUS_TERMINATE_BROADCAST);
        e.unsettled = nslots;
        e.no_memory = 0;
        e.natoms = 0;
        SetLastError(0);
        if (!EnumWindows(tm_win_enum_window, (LPARAM)&e) && !e.no_memory && e.unsettled > 0 &&
            GetLastError() != 0) {
            code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "EnumWindows");
            goto out;
        }
        if (e.no_memory) {
            code = terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "process_reach: out of memory for the targets' windows");
            goto out;
        }
        for (size_t i = 0; i < count; i++)
            procs[i]->windows_complete = e.unsettled > 0;
    }

    /* Windows live on the desktops of their own session: a target with a window on the
       caller's desktop is in the caller's session. Only the others are asked. */
    self_session = tm_win_self_session();
    for (size_t i = 0; i < count; i++)
        if (procs[i]->listener == NULL && procs[i]->nwindows == 0)
            found[i].other_session =
                tm_win_other_session(self_session, tm_win_session_of(procs[i], query));

    if ((steps & TERMINUS_STEP_CONSOLE) != 0) {
        HMODULE module;
        int sender = tm_win_console_module(&module);
        int is_wine = sender ? tm_win_is_wine() : 0;
        int by_listener = (steps & (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE)) != 0;
        for (size_t i = 0; i < count; i++) {
            found[i].console_sender = sender;
            /* not looked for where a listener window answers (tm_win_reach_bits): reading
               another process's console costs two ReadProcessMemory under Wine 8 */
            if (sender && !found[i].other_session && !(by_listener && procs[i]->listener != NULL))
                found[i].console = tm_win_console_of(procs[i], query, is_wine);
        }
    }

    for (size_t i = 0; i < count; i++) {
        found[i].listener = procs[i]->listener != NULL;
        found[i].windows = procs[i]->nwindows;
        reach[i] = tm_win_reach_bits(steps, flags, &found[i]);
        procs[i]->msg = msg;
    }
out:
    if (code != TERMINUS_OK)
        for (size_t i = 0; i < count; i++)
            tm_win_chain_forget(procs[i]);
    free(found);
    free(slots);
    return code;
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
    if (!proc->windows_complete) {
        /* process_reach stopped its pass once the reach was known: look for the rest */
        struct tm_win_own o = { proc, 0 };
        EnumWindows(tm_win_own_window, (LPARAM)&o);
        if (o.no_memory)
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "CLOSE step: out of memory for the windows of process %lu",
                                     (unsigned long)proc->pid);
        proc->windows_complete = 1;
    }
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
