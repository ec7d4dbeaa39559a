/*
 * lib/os/win32/process.c: processes, wait sets and the caller's exit.
 *
 * A process is held by a handle from OpenProcess, checked with GetProcessId
 * to be the one asked for and with IsProcessCritical not to be one the
 * system cannot lose (refused: TERMINUS_E_REFUSED). It is asked to leave with a registered message
 * posted to every top-level window (BroadcastSystemMessageW), which the
 * target's listener (listener.c) acts on, and killed with TerminateProcess,
 * after a look at its state (Wine 8's TerminateProcess returns TRUE on a
 * process that has already exited). Wait sets wait on up to 64 processes
 * with WaitForMultipleObjects and on more with thread-pool waits.
 *
 * Measured under Wine 8 (tests/integration/win32, 2 cores): request to
 * observed exit of a listener 2.5-7 ms (the first broadcast of a process
 * costs ~20-100 ms more); one BroadcastSystemMessageW costs about 0.1-0.3 ms
 * per top-level window on the desktop, since Wine posts to each through
 * wineserver, so with 100 listeners running each request takes ~30 ms.
 */
#include "win32.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Processes                                                               */
/* ---------------------------------------------------------------------- */

/* What process_open decides about the process it has opened (win32.h). */
int tm_win_open_decision(DWORD asked, DWORD got, int critical)
{
    if (got != asked)
        return TERMINUS_E_NOT_FOUND;
    if (critical == 1)
        return TERMINUS_E_REFUSED;
    return TERMINUS_OK;
}

typedef BOOL(WINAPI *tm_win_critical_fn)(HANDLE process, PBOOL critical);

/*
 * 1 critical, 0 not, -1 unknown. IsProcessCritical is resolved at run time:
 * kernel32 has it from Windows 8.1 (Wine 8's has not), and a static import
 * would stop the DLL from loading where it is missing.
 */
static int tm_win_is_critical(HANDLE h)
{
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    tm_win_critical_fn is_critical = NULL;
    BOOL crit = FALSE;
    if (k32 != NULL)
        is_critical = (tm_win_critical_fn)(void (*)(void))GetProcAddress(k32, "IsProcessCritical");
    if (is_critical == NULL || !is_critical(h, &crit))
        return -1;
    return crit ? 1 : 0;
}

int tm_win_process_open(void *data, terminus_pid pid, terminus_os_process **out)
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
        return tm_win_fail(TM_WIN_SITE_OPEN, TM_WIN_LAST(), "OpenProcess(%lu)", (unsigned long)pid);
    /* NT ignores the low two bits of a process id: OpenProcess(pid + 1..3)
     * opens pid. Only the process whose id is exactly the one asked for is
     * the target; anything else (the caller itself, System) is not. A
     * critical process (csrss, wininit, smss, ...) is refused like System:
     * an elevated caller could kill it, and the machine would stop. An id
     * whose low two bits are 0 names exactly the process opened, so only
     * the others are asked (a wineserver call under Wine 8, on every
     * target of a terminate). */
    DWORD got = ((DWORD)pid & 3u) == 0 ? (DWORD)pid : GetProcessId(h);
    int critical = got == (DWORD)pid ? tm_win_is_critical(h) : -1;
    int decision = tm_win_open_decision((DWORD)pid, got, critical);
    if (decision != TERMINUS_OK) {
        CloseHandle(h);
        if (decision == TERMINUS_E_REFUSED)
            return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                     "process %lu is critical: ending it would stop the system",
                                     (unsigned long)pid);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "OpenProcess(%lu): no such process (the id names process %lu, "
                                 "whose id differs in its low two bits)",
                                 (unsigned long)pid, (unsigned long)got);
    }
    terminus_os_process *p = calloc(1, sizeof *p);
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

void tm_win_process_close(void *data, terminus_os_process *proc)
{
    (void)data;
    if (proc == NULL)
        return;
    tm_win_chain_forget(proc);
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
    return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "WaitForSingleObject(process %lu)",
                       (unsigned long)proc->pid);
}

int tm_win_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
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
            return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "GetExitCodeProcess(%lu)",
                               (unsigned long)proc->pid);
        st->code_known = 1;
        st->exit_code = (uint32_t)code;
    }
    return TERMINUS_OK;
}

/* The last name registered and its number: a call registers one name for every target. */
static SRWLOCK tm_win_msg_lock = SRWLOCK_INIT;
static char tm_win_msg_name[256];
static UINT tm_win_msg_id;

/* The registered message for `message` (UTF-8), or 0 with the error recorded. */
UINT tm_win_register_message(const char *message, int *code)
{
    UINT cached = 0;
    AcquireSRWLockShared(&tm_win_msg_lock);
    if (tm_win_msg_id != 0 && strcmp(tm_win_msg_name, message) == 0)
        cached = tm_win_msg_id;
    ReleaseSRWLockShared(&tm_win_msg_lock);
    if (cached != 0)
        return cached;
    wchar_t wname[512];
    int rc = tm_win_wide("RegisterWindowMessageW", message, wname, 512);
    if (rc != TERMINUS_OK) {
        *code = rc;
        return 0;
    }
    UINT msg = RegisterWindowMessageW(wname);
    if (msg == 0) {
        *code = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "RegisterWindowMessageW(\"%s\")",
                            message);
        return 0;
    }
    if (strlen(message) < sizeof tm_win_msg_name) {
        AcquireSRWLockExclusive(&tm_win_msg_lock);
        strcpy(tm_win_msg_name, message);
        tm_win_msg_id = msg;
        ReleaseSRWLockExclusive(&tm_win_msg_lock);
    }
    return msg;
}

/* OK while the process runs; E_NOT_FOUND once it has ended; or the error (win32.h). */
int tm_win_must_run(terminus_os_process *proc)
{
    int r = tm_win_running(proc);
    if (r < 0)
        return r;
    if (r == 0)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "process %lu has already ended",
                                 (unsigned long)proc->pid);
    return TERMINUS_OK;
}

int tm_win_process_request(void *data, terminus_os_process *proc, const char *message)
{
    (void)data;
    int code = tm_win_must_run(proc);
    if (code != TERMINUS_OK)
        return code;
    UINT msg = tm_win_register_message(message, &code);
    if (msg == 0)
        return code;
    return tm_win_broadcast(proc, msg, message);
}

/* Broadcast the registered message `msg` (named `message`) for the process (win32.h). */
int tm_win_broadcast(terminus_os_process *proc, UINT msg, const char *message)
{
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
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "BroadcastSystemMessageW(\"%s\", %lu)", message,
                           (unsigned long)proc->pid);
    return TERMINUS_OK;
}

int tm_win_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
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
        return tm_win_fail(TM_WIN_SITE_GENERIC, err, "TerminateProcess(%lu, %lu)",
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

struct tm_win_pool_wait {
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
    struct tm_win_pool_wait *waits;
    SRWLOCK lock;
    HANDLE event;  /* manual reset; set while the queue holds something */
    size_t *queue; /* `count` slots: each index is queued at most once */
    size_t head, tail;
};

static void CALLBACK tm_win_pool_cb(PVOID ctx, BOOLEAN timed_out)
{
    struct tm_win_pool_wait *w = ctx;
    struct terminus_os_waitset *set = w->set;
    (void)timed_out; /* INFINITE: never */
    AcquireSRWLockExclusive(&set->lock);
    set->queue[set->tail++] = w->index;
    SetEvent(set->event);
    ReleaseSRWLockExclusive(&set->lock);
}

int tm_win_wait_open(void *data, terminus_os_process *const *procs, size_t count,
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
        int rc = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "CreateEventW");
        tm_win_wait_close(data, set);
        return rc;
    }
    HANDLE self = GetCurrentProcess();
    for (size_t i = 0; i < count; i++) {
        struct tm_win_pool_wait *w = &set->waits[i];
        w->set = set;
        w->index = i;
        if (!DuplicateHandle(self, procs[i]->h, self, &w->dup, SYNCHRONIZE, FALSE, 0)) {
            int rc = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "DuplicateHandle(process %lu)",
                                 (unsigned long)procs[i]->pid);
            w->dup = NULL;
            tm_win_wait_close(data, set);
            return rc;
        }
        if (!RegisterWaitForSingleObject(&w->wait, w->dup, tm_win_pool_cb, w, INFINITE,
                                         WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
            int rc = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
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

static int tm_win_wait_direct(struct terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                              size_t capacity, size_t *nready)
{
    *nready = 0;
    if (set->npending == 0)
        return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: every process was reported");
    DWORD r =
        WaitForMultipleObjects((DWORD)set->npending, set->pending_h, FALSE, (DWORD)timeout_ms);
    if (r == WAIT_TIMEOUT)
        return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: timed out after %lu ms",
                                 (unsigned long)timeout_ms);
    if (r >= WAIT_OBJECT_0 + set->npending)
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "WaitForMultipleObjects(%lu)",
                           (unsigned long)set->npending);
    /* the first one that ended, then whichever others have ended too */
    size_t n = 0, keep = 0;
    for (size_t j = 0; j < set->npending; j++) {
        int ended = n < capacity && (j == (size_t)(r - WAIT_OBJECT_0) ||
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

static int tm_win_wait_pooled(struct terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                              size_t capacity, size_t *nready)
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
            return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: every process was reported");

        DWORD remaining = INFINITE;
        if (timeout_ms != INFINITE) {
            ULONGLONG spent = GetTickCount64() - start;
            if (spent >= timeout_ms)
                return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: timed out after %lu ms",
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
            return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                               "WaitForSingleObject(wait set event)");
    }
}

int tm_win_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                    size_t capacity, size_t *nready)
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

void tm_win_wait_close(void *data, terminus_os_waitset *set)
{
    (void)data;
    if (set == NULL)
        return;
    if (set->pooled && set->waits != NULL) {
        for (size_t i = 0; i < set->count; i++) {
            struct tm_win_pool_wait *w = &set->waits[i];
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

int tm_win_exit_process(void *data, uint32_t exit_code, int fast)
{
    (void)data;
    if (fast) {
        TerminateProcess(GetCurrentProcess(), (UINT)exit_code);
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "TerminateProcess(self, %lu)",
                           (unsigned long)exit_code);
    }
    ExitProcess((UINT)exit_code);
}
