/*
 * lib/os/win32/reach.c: what each step of the close chain can reach
 * (process_reach): the targets' windows, their sessions and consoles. The
 * steps themselves are chain.c.
 *
 * ONE EnumWindows pass for the whole batch, each top-level window matched
 * to a target with GetWindowThreadProcessId (a sorted table of the targets'
 * pids), the listener's window told by its class (TM_WIN_LISTENER_CLASS,
 * listener.c); the windows found are kept in each process for process_step.
 * A target with a window on the caller's desktop is in the caller's
 * session; for the others the session is read through the process's handle
 * (ProcessSessionInformation), the caller's once. The pass stops as soon as
 * no later window can change a reach (every target's listener window found,
 * or any window where no listener is needed): under Wine 8 each window of
 * another process costs a wineserver call, and a full pass over 200
 * bystander windows costs more than the post it prepares. A CLOSE step
 * after such a pass looks again for the target's windows
 * (tm_win_own_windows: only then, and for that target only). A target in
 * another session reaches nothing. Whether a target has a console is read
 * from the process itself, never by attaching the caller to anything:
 * ProcessConsoleHostProcess (NtQueryInformationProcess class 49, Windows 7
 * and later) and, where that class is missing (Wine 8:
 * STATUS_INVALID_INFO_CLASS), the ConsoleHandle of its process parameters.
 * Nothing waits on a target: a hung window cannot hold the caller.
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <winternl.h>

#include "terminus/terminate.h"

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
    /* the first window of a target is told by its name alone (a batch of one pays no atom);
       its atom is read when a second window needs one */
    HWND named;
    unsigned char named_kind;
    int any_named;
};

/* TM_WIN_CLASS_* of a class name. */
static int tm_win_kind_of(HWND hwnd)
{
    wchar_t cls[64];
    if (GetClassNameW(hwnd, cls, 64) > 0) {
        if (wcscmp(cls, TM_WIN_LISTENER_CLASS) == 0)
            return TM_WIN_CLASS_LISTENER;
        if (tm_win_system_class(cls))
            return TM_WIN_CLASS_SYSTEM;
    }
    return TM_WIN_CLASS_OTHER;
}

/* Remember that `atom` names a class of `kind`, while there is room. */
static void tm_win_atom_keep(struct tm_win_enum *e, ATOM atom, int kind)
{
    if (atom != 0 && e->natoms < sizeof e->atoms / sizeof e->atoms[0]) {
        e->atoms[e->natoms] = atom;
        e->kinds[e->natoms++] = (unsigned char)kind;
    }
}

/* TM_WIN_CLASS_* of a window of a target. */
static int tm_win_class_kind(struct tm_win_enum *e, HWND hwnd)
{
    int kind;
    if (!e->any_named) {
        e->any_named = 1;
        e->named = hwnd;
        e->named_kind = (unsigned char)tm_win_kind_of(hwnd);
        return e->named_kind;
    }
    if (e->named != NULL) {
        tm_win_atom_keep(e, (ATOM)GetClassLongPtrW(e->named, GCW_ATOM), e->named_kind);
        e->named = NULL;
    }
    ATOM atom = (ATOM)GetClassLongPtrW(hwnd, GCW_ATOM);
    for (size_t k = 0; atom != 0 && k < e->natoms; k++)
        if (e->atoms[k] == atom)
            return e->kinds[k];
    kind = tm_win_kind_of(hwnd);
    tm_win_atom_keep(e, atom, kind);
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

/* The target's top-level windows that process_reach did not see (win32.h). */
int tm_win_own_windows(terminus_os_process *proc)
{
    struct tm_win_own o = { proc, 0 };
    if (proc->windows_complete)
        return TERMINUS_OK;
    EnumWindows(tm_win_own_window, (LPARAM)&o);
    if (o.no_memory)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                 "CLOSE step: out of memory for the windows of process %lu",
                                 (unsigned long)proc->pid);
    proc->windows_complete = 1;
    return TERMINUS_OK;
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

/* The module this code runs in, when it is the DLL (win32.h). */
int tm_win_console_module(HMODULE *out)
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
        e.named = NULL;
        e.named_kind = TM_WIN_CLASS_OTHER;
        e.any_named = 0;
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
