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
 * with WaitForMultipleObjects and on more with threads of their own, 63
 * processes each; a process a wait set has seen end is not asked again
 * whether it runs (process_status reads its exit code only).
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
    static tm_win_critical_fn is_critical;
    static volatile LONG looked; /* looked up once (a race only looks it up twice) */
    BOOL crit = FALSE;
    if (!looked) {
        HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
        FARPROC f = k32 != NULL ? GetProcAddress(k32, "IsProcessCritical") : NULL;
        is_critical = f != NULL ? (tm_win_critical_fn)(void (*)(void))f : NULL;
        InterlockedExchange(&looked, 1);
    }
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
    if (proc->ended)
        return 0; /* a wait set saw it end: no need to ask again */
    DWORD r = WaitForSingleObject(proc->h, 0);
    if (r == WAIT_TIMEOUT)
        return 1;
    if (r == WAIT_OBJECT_0) {
        proc->ended = 1; /* for good */
        return 0;
    }
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
/* Up to MAXIMUM_WAIT_OBJECTS (64) processes: the caller's thread waits    */
/* with WaitForMultipleObjects over the ones not reported yet. More: the   */
/* caller keeps 63 of them and an event, and each further 63 are waited    */
/* for by a thread of the set's own (WaitForMultipleObjects over them and  */
/* the set's stop event), which queues the index of each one that ends     */
/* under a lock and sets the event. The handles are the caller's (the      */
/* processes stay open while the set lives, os.h): nothing is duplicated   */
/* or registered per process, since under Wine 8 each of those is a        */
/* wineserver call. Nothing polls.                                         */
/* ---------------------------------------------------------------------- */

/* What one thread of a set waits for: [0] the stop event, then processes. */
struct tm_win_waiter {
    struct terminus_os_waitset *set;
    HANDLE thread;
    size_t n; /* processes not reported yet: h[1..n] */
    HANDLE h[MAXIMUM_WAIT_OBJECTS];
    size_t idx[MAXIMUM_WAIT_OBJECTS];
};

struct terminus_os_waitset {
    size_t count;
    terminus_os_process **procs; /* count: marked `ended` as they are reported */
    /* the caller's own: the processes not reported yet */
    size_t npending;
    HANDLE pending_h[MAXIMUM_WAIT_OBJECTS];
    size_t pending_i[MAXIMUM_WAIT_OBJECTS];
    /* the threads' (more than 64 processes) */
    struct tm_win_waiter *waiters;
    size_t nwaiters, started;
    SRWLOCK lock;
    HANDLE event;  /* auto reset: set when a thread queues to an empty queue */
    HANDLE stop;   /* manual reset: set by wait_close */
    size_t *queue; /* `count` slots: each index is queued at most once */
    size_t head, tail;
    DWORD failed;    /* a thread's wait failed: its error (ERROR_GEN_FAILURE if none) */
    size_t reported; /* indices reported so far */
};

#define TM_WIN_WAIT_CHUNK (MAXIMUM_WAIT_OBJECTS - 1) /* processes per thread, and the caller's */

static DWORD WINAPI tm_win_waiter_run(LPVOID arg)
{
    struct tm_win_waiter *w = arg;
    struct terminus_os_waitset *set = w->set;
    while (w->n > 0) {
        DWORD r = WaitForMultipleObjects((DWORD)(w->n + 1), w->h, FALSE, INFINITE);
        if (r == WAIT_OBJECT_0)
            return 0; /* stop */
        if (r > WAIT_OBJECT_0 && r <= WAIT_OBJECT_0 + w->n) {
            size_t j = r - WAIT_OBJECT_0;
            AcquireSRWLockExclusive(&set->lock);
            /* the event is still set, or its waker has yet to look, while the queue holds one */
            if (set->head == set->tail)
                SetEvent(set->event);
            set->queue[set->tail++] = w->idx[j];
            ReleaseSRWLockExclusive(&set->lock);
            w->h[j] = w->h[w->n];
            w->idx[j] = w->idx[w->n];
            w->n--;
            continue;
        }
        DWORD err = GetLastError();
        AcquireSRWLockExclusive(&set->lock);
        if (set->failed == 0)
            set->failed = err != 0 ? err : ERROR_GEN_FAILURE;
        SetEvent(set->event);
        ReleaseSRWLockExclusive(&set->lock);
        return 1;
    }
    return 0;
}

int tm_win_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                     terminus_os_waitset **out)
{
    struct terminus_os_waitset *set = calloc(1, sizeof *set);
    if (set == NULL || (set->procs = malloc(count * sizeof *set->procs)) == NULL) {
        free(set);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "wait_open(%lu): out of memory",
                                 (unsigned long)count);
    }
    set->count = count;
    memcpy(set->procs, procs, count * sizeof *procs);
    InitializeSRWLock(&set->lock);
    size_t own = count <= MAXIMUM_WAIT_OBJECTS ? count : TM_WIN_WAIT_CHUNK;
    for (size_t i = 0; i < own; i++) {
        set->pending_h[i] = procs[i]->h;
        set->pending_i[i] = i;
    }
    set->npending = own;
    if (own == count) {
        *out = set;
        return TERMINUS_OK;
    }

    set->nwaiters = (count - own + TM_WIN_WAIT_CHUNK - 1) / TM_WIN_WAIT_CHUNK;
    set->waiters = calloc(set->nwaiters, sizeof *set->waiters);
    set->queue = calloc(count, sizeof *set->queue);
    if (set->waiters == NULL || set->queue == NULL) {
        tm_win_wait_close(data, set);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "wait_open(%lu): out of memory",
                                 (unsigned long)count);
    }
    set->event = CreateEventW(NULL, FALSE, FALSE, NULL);
    set->stop = set->event != NULL ? CreateEventW(NULL, TRUE, FALSE, NULL) : NULL;
    if (set->stop == NULL) {
        int rc = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "CreateEventW");
        tm_win_wait_close(data, set);
        return rc;
    }
    for (size_t t = 0, i = own; t < set->nwaiters; t++) {
        struct tm_win_waiter *w = &set->waiters[t];
        w->set = set;
        w->h[0] = set->stop;
        for (; w->n < TM_WIN_WAIT_CHUNK && i < count; i++) {
            w->n++;
            w->h[w->n] = procs[i]->h;
            w->idx[w->n] = i;
        }
        /* a small stack: the thread only waits and queues */
        w->thread = CreateThread(NULL, 64 * 1024, tm_win_waiter_run, w,
                                 STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (w->thread == NULL) {
            int rc = tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                                 "CreateThread(a wait for %lu processes)", (unsigned long)w->n);
            tm_win_wait_close(data, set);
            return rc;
        }
        set->started++;
    }
    *out = set;
    return TERMINUS_OK;
}

/* Report set->procs[index] ended. */
static void tm_win_reported(struct terminus_os_waitset *set, size_t index)
{
    set->procs[index]->ended = 1;
    set->reported++;
}

/* What the threads have queued, up to `capacity`; how many. `*failed`: a thread's error. */
static size_t tm_win_take_queued(struct terminus_os_waitset *set, size_t *ready, size_t capacity,
                                 DWORD *failed)
{
    size_t n = 0;
    *failed = 0;
    if (set->nwaiters == 0)
        return 0;
    AcquireSRWLockExclusive(&set->lock);
    while (n < capacity && set->head < set->tail)
        ready[n++] = set->queue[set->head++];
    *failed = set->failed;
    ReleaseSRWLockExclusive(&set->lock);
    for (size_t k = 0; k < n; k++)
        tm_win_reported(set, ready[k]);
    return n;
}

/* The caller's process at `first` has ended: report it, and whichever of the ones after it
 * have ended too (one WaitForMultipleObjects over the rest each), up to `capacity`. */
static size_t tm_win_take_own(struct terminus_os_waitset *set, size_t first, size_t *ready,
                              size_t capacity)
{
    unsigned char ended[MAXIMUM_WAIT_OBJECTS] = { 0 };
    size_t n = 1, from = first + 1, keep = 0;
    ended[first] = 1;
    while (n < capacity && from < set->npending) {
        DWORD m = (DWORD)(set->npending - from);
        DWORD r = WaitForMultipleObjects(m, &set->pending_h[from], FALSE, 0);
        if (r >= WAIT_OBJECT_0 + m)
            break; /* none (or a failure: the next wait says it) */
        from += r - WAIT_OBJECT_0;
        ended[from++] = 1;
        n++;
    }
    n = 0;
    for (size_t j = 0; j < set->npending; j++) {
        if (ended[j]) {
            ready[n++] = set->pending_i[j];
            tm_win_reported(set, set->pending_i[j]);
        } else {
            set->pending_h[keep] = set->pending_h[j];
            set->pending_i[keep] = set->pending_i[j];
            keep++;
        }
    }
    set->npending = keep;
    return n;
}

int tm_win_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                    size_t capacity, size_t *nready)
{
    (void)data;
    ULONGLONG start = GetTickCount64();
    *nready = 0;
    if (capacity == 0)
        return terminus_os_error(TERMINUS_E_OS, 0, "wait_any: capacity 0");
    for (;;) {
        DWORD failed;
        size_t n = tm_win_take_queued(set, ready, capacity, &failed);
        if (n > 0) {
            *nready = n;
            return TERMINUS_OK;
        }
        if (failed != 0)
            return tm_win_fail(TM_WIN_SITE_GENERIC, failed,
                               "WaitForMultipleObjects(a wait set's thread)");
        if (set->reported == set->count)
            return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: every process was reported");

        DWORD remaining = INFINITE;
        if (timeout_ms != INFINITE) {
            ULONGLONG spent = GetTickCount64() - start;
            remaining = spent >= timeout_ms ? 0 : (DWORD)(timeout_ms - spent);
        }
        HANDLE h[MAXIMUM_WAIT_OBJECTS];
        DWORD m = (DWORD)set->npending;
        memcpy(h, set->pending_h, m * sizeof *h);
        if (set->nwaiters > 0)
            h[m++] = set->event;
        DWORD r = WaitForMultipleObjects(m, h, FALSE, remaining);
        if (r < WAIT_OBJECT_0 + set->npending) {
            *nready = tm_win_take_own(set, r - WAIT_OBJECT_0, ready, capacity);
            return TERMINUS_OK;
        }
        if (r < WAIT_OBJECT_0 + m)
            continue; /* the threads queued something */
        if (r != WAIT_TIMEOUT)
            return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "WaitForMultipleObjects(%lu)",
                               (unsigned long)m);
        /* one last look at the queue, then give up */
        n = tm_win_take_queued(set, ready, capacity, &failed);
        *nready = n;
        if (n > 0)
            return TERMINUS_OK;
        return terminus_os_error(TERMINUS_E_TIMEOUT, 0, "wait_any: timed out after %lu ms",
                                 (unsigned long)timeout_ms);
    }
}

void tm_win_wait_close(void *data, terminus_os_waitset *set)
{
    (void)data;
    if (set == NULL)
        return;
    if (set->started > 0) {
        SetEvent(set->stop);
        for (size_t t = 0; t < set->started; t++)
            WaitForSingleObject(set->waiters[t].thread, INFINITE);
        for (size_t t = 0; t < set->started; t++)
            CloseHandle(set->waiters[t].thread);
    }
    if (set->event != NULL)
        CloseHandle(set->event);
    if (set->stop != NULL)
        CloseHandle(set->stop);
    free(set->waiters);
    free(set->queue);
    free(set->procs);
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
