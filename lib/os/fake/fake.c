/*
 * lib/os/fake/fake.c: the fake OS of terminus/sys/fake.h.
 *
 * A terminus_fake is a scripted world behind a terminus_os table. Nothing
 * here touches the real OS: no process is opened, no time is spent.
 *
 * The world
 * ---------
 * - A virtual clock in microseconds, starting at 0. It moves only in
 *   terminus_fake_advance() and when a wait would block (wait_any,
 *   session_wait_gone): it then jumps to the next scripted event if that
 *   falls within the timeout, or to the end of the timeout.
 * - Scripted processes (terminus_fake_process_add). A process may carry a
 *   "due" time at which it ends by itself; ending is lazy: whenever the fake
 *   looks at a process whose due time is <= now, it is marked ended with
 *   ended_us = the due time. Behaviours:
 *     EXITS_ON_REQUEST  the first request sets due = now + after_ms (later
 *                       requests do not move it); it ends with exit_code
 *     IGNORES           requests are counted and ignored
 *     EXITS_AFTER       due = (time added) + after_ms; requests ignored
 *     GONE              ended already (at the time it was added)
 *     DENIED            process_open fails with E_ACCESS_DENIED
 *     UNKILLABLE        requests ignored; a kill returns OK and does nothing
 *     KILL_DENIED       requests ignored; a kill fails with E_ACCESS_DENIED
 *   A kill on any other running process ends it at once with the kill's
 *   exit code. A request or a kill on an ended process fails with
 *   E_NOT_FOUND and is not counted. Requests and kills that reach a running
 *   process are counted (the denied and the unkillable ones included).
 * - Servers: "" is the local machine and is always there and reachable;
 *   terminus_fake_server_add() adds others, reachable or not. A server made
 *   unreachable after it was opened makes the session calls on its open
 *   handles fail with E_UNAVAILABLE (a dropped connection).
 * - Sessions per server. A session logged off with behaviour ENDS is gone
 *   after_ms later (lazily, like processes); DENIED refuses the logoff with
 *   E_ACCESS_DENIED; HANGS accepts it and never goes. A second logoff of a
 *   session already on its way out does not move its due time.
 * - The caller's own process: pid 1000 by default (terminus_fake_set_self),
 *   its session on the local server (terminus_fake_set_current_session,
 *   none by default), the exits and logoffs the core asked for, and its
 *   listeners, which terminus_fake_deliver() calls on the calling thread.
 *
 * Faults
 * ------
 * One fault at a time (terminus_fake_fail): the Nth call, counted from the
 * terminus_fake_fail() call, of one int-returning member (or of all of them
 * together with "*") fails, once or from then on. The failing call does
 * nothing else: it records the error with terminus_os_error(), is logged
 * with its code, and returns the code. Calls rejected for bad arguments
 * (a NULL pointer, a handle of another fake or of another kind) fail with
 * E_INVALID before the fault is consulted; they are neither counted nor
 * logged. terminus_fake_faults_fired() counts the failures the current fault
 * made; it stays readable after terminus_fake_fail_clear() and restarts at 0
 * with the next terminus_fake_fail().
 *
 * The call log
 * ------------
 * Every member call except clock_us and self_pid appends one line; void
 * members have no "= code"; a NULL string shows as NULL:
 *     process_open(42) = 0                  process_close(42)
 *     process_status(42) = 0 [running]      process_status(42) = 0 [exited 3]
 *     process_request(42, "msg") = 0        process_kill(42, 1) = -3
 *     wait_open(2 procs) = 0                wait_close(2 procs)
 *     wait_any(2 procs, 5000 ms) = 0 [1 ready]
 *     exit_process(3, 0) = 0                logoff(0x1) = 0
 *     listen_start("msg") = 0               listen_stop()
 *     server_open(NULL) = 0                 server_open("WF12") = -7
 *     server_close("WF12")                  session_list("") = 0 [2 sessions]
 *     session_current("") = 0 [3]           session_logoff("", 3) = 0
 *     session_wait_gone("", 3, 1000 ms) = 0
 * The log grows as needed, with no cap. If memory runs out the call is still
 * counted but its text is dropped: that line reads "(not recorded: out of
 * memory)"; if the log itself cannot grow, so do all the lines after it until
 * terminus_fake_calls_clear().
 *
 * Handles
 * -------
 * Every process handle, wait set, server and listener is on one list, so
 * that terminus_fake_open_handles() can count them and terminus_fake_free()
 * can free the ones a user leaked.
 *
 * Threads
 * -------
 * One tm_mutex guards the whole state. It is never held while user code
 * runs: session_list copies the sessions and calls `fn` without it, and
 * terminus_fake_deliver() takes a snapshot of the listeners and calls each
 * without it. listen_stop sleeps on a condition variable until no delivery
 * is inside that listener's callback, so the callback is never called after
 * listen_stop returns; a callback that stops its own listener does not wait
 * for itself (the delivery frees the listener when it leaves the callback).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terminus/session.h"
#include "terminus/sys/fake.h"
#include "terminus/sys/os.h"
#include "terminus/terminate.h"

#include "../../core/sync.h"

/* ------------------------------------------------------------------------ */
/* Primitives: names for the log, the counters and fault injection.         */

enum tm_fake_prim {
    TM_FP_PROCESS_OPEN,
    TM_FP_PROCESS_CLOSE,
    TM_FP_PROCESS_STATUS,
    TM_FP_PROCESS_REQUEST,
    TM_FP_PROCESS_KILL,
    TM_FP_WAIT_OPEN,
    TM_FP_WAIT_ANY,
    TM_FP_WAIT_CLOSE,
    TM_FP_EXIT_PROCESS,
    TM_FP_LISTEN_START,
    TM_FP_LISTEN_STOP,
    TM_FP_LOGOFF,
    TM_FP_SERVER_OPEN,
    TM_FP_SERVER_CLOSE,
    TM_FP_SESSION_LIST,
    TM_FP_SESSION_CURRENT,
    TM_FP_SESSION_LOGOFF,
    TM_FP_SESSION_WAIT_GONE,
    TM_FP_COUNT
};

/* A fault on every primitive that can fail ("*"). */
#define TM_FP_ANY (-1)

static const struct {
    const char *name;
    int fallible; /* returns int: a fault can be injected */
} tm_fake_prims[TM_FP_COUNT] = {
    {"process_open", 1},   {"process_close", 0},     {"process_status", 1},
    {"process_request", 1}, {"process_kill", 1},     {"wait_open", 1},
    {"wait_any", 1},       {"wait_close", 0},        {"exit_process", 1},
    {"listen_start", 1},   {"listen_stop", 0},       {"logoff", 1},
    {"server_open", 1},    {"server_close", 0},      {"session_list", 1},
    {"session_current", 1}, {"session_logoff", 1},   {"session_wait_gone", 1},
};

/* The index of a primitive's name, or -2 if it names none. */
static int tm_fake_prim_find(const char *name)
{
    int i;
    for (i = 0; i < TM_FP_COUNT; i++)
        if (strcmp(tm_fake_prims[i].name, name) == 0)
            return i;
    return -2;
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */

enum tm_fake_kind { TM_FK_PROCESS = 1, TM_FK_WAITSET, TM_FK_SERVER, TM_FK_LISTENER };

/* The head of every handle the fake gives out; all sit on one circular list. */
struct tm_fake_handle {
    struct tm_fake_handle *prev;
    struct tm_fake_handle *next;
    terminus_fake *fake;
    int kind;
};

/* A scripted process. Never removed before terminus_fake_free(), so handles
 * and wait sets may point at it. */
struct tm_fake_proc {
    terminus_pid pid;
    int behaviour;
    uint32_t after_ms;
    uint32_t exit_code; /* the code it leaves with by itself */
    int running;
    int due_set;        /* it will end by itself at due_us */
    uint64_t due_us;
    uint32_t end_code;  /* its exit code once ended */
    uint64_t ended_us;
    uint32_t requests;
    uint32_t kills;
};

struct tm_fake_session {
    terminus_session_info info;
    int behaviour;
    uint32_t after_ms;
    int due_set;        /* logged off: gone at due_us */
    uint64_t due_us;
};

/* A server. Never removed before terminus_fake_free(). */
struct tm_fake_server {
    char name[64];
    int reachable;
    struct tm_fake_session *sessions;
    size_t nsessions;
    size_t cap;
};

struct terminus_os_process {
    struct tm_fake_handle h;
    struct tm_fake_proc *proc;
};

struct terminus_os_waitset {
    struct tm_fake_handle h;
    size_t count;
    struct tm_fake_proc **procs;
    unsigned char *reported;
};

struct terminus_os_server {
    struct tm_fake_handle h;
    struct tm_fake_server *server;
};

struct terminus_os_listener {
    struct tm_fake_handle h;
    unsigned long serial; /* identifies it across a delivery's snapshot */
    terminus_os_listen_fn fn;
    void *arg;
    unsigned busy;        /* deliveries inside fn right now */
    int stopped;          /* stopped from its own callback: the last delivery frees it */
};

/* The listener whose callback runs on this thread, if any. */
static _Thread_local terminus_os_listener *tm_fake_in_callback;

struct tm_fake_entry {
    int prim;
    char *text; /* NULL if it could not be allocated */
};

struct terminus_fake {
    tm_mutex lock;
    tm_cond idle;  /* signalled when a listener's last delivery leaves its callback */
    terminus_os os;

    uint64_t now_us;
    terminus_pid self;
    uint32_t current_session; /* TERMINUS_SESSION_CURRENT = none */

    struct tm_fake_proc **procs;
    size_t nprocs, capprocs;
    struct tm_fake_server **servers; /* servers[0] is the local one, "" */
    size_t nservers, capservers;

    struct tm_fake_handle handles; /* the list's sentinel */
    size_t nhandles;
    unsigned long next_serial;

    struct {
        int set;
        int prim;            /* a TM_FP_* or TM_FP_ANY */
        uint32_t nth;
        int persistent;
        int code;
        int64_t os_code;
        uint32_t seen;       /* matching calls since terminus_fake_fail() */
    } fault;
    uint32_t faults_fired;   /* failures made by the current (or last) fault */
    uint32_t latency_us[TM_FP_COUNT]; /* virtual time each call of a primitive costs */

    struct tm_fake_entry *log;
    size_t nlog, caplog;
    int log_lost;            /* memory ran out: no more text until cleared */
    size_t calls_total;
    size_t calls[TM_FP_COUNT];

    uint32_t exits, exit_code;
    int exit_fast;
    uint32_t logoffs, logoff_flags;
};

/* ------------------------------------------------------------------------ */
/* Helpers (all called with the lock held unless said otherwise)            */

/* Make room for `need` elements of `size` bytes in `arr` of capacity *cap.
 * Returns the (maybe moved) array, or NULL (and `arr` untouched) when out of memory. */
static void *tm_fake_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *p;
    if (need <= *cap)
        return arr;
    ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > (size_t)-1 / size)
        return NULL;
    p = realloc(arr, ncap * size);
    if (!p)
        return NULL;
    *cap = ncap;
    return p;
}

static uint64_t tm_fake_ms_to_us(uint32_t ms) { return (uint64_t)ms * 1000u; }

static uint64_t tm_fake_add_sat(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Append one line to the call log and count the call. Only portable
 * conversions are used in the formats (no %zu, no 64-bit ones). */
static void tm_fake_log(terminus_fake *fake, int prim, const char *fmt, ...) TERMINUS_PRINTF(3, 4);
static void tm_fake_log(terminus_fake *fake, int prim, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    char *text;
    struct tm_fake_entry *entries;
    size_t len;

    fake->calls_total++;
    fake->calls[prim]++;
    if (fake->log_lost)
        return;
    entries = tm_fake_grow(fake->log, &fake->caplog, fake->nlog + 1, sizeof *fake->log);
    if (!entries) {
        fake->log_lost = 1;
        return;
    }
    fake->log = entries;
    va_start(ap, fmt);
    if (vsnprintf(buf, sizeof buf, fmt, ap) < 0)
        buf[0] = '\0';
    va_end(ap);
    buf[sizeof buf - 1] = '\0';
    len = strlen(buf);
    text = malloc(len + 1);
    if (text)
        memcpy(text, buf, len + 1);
    fake->log[fake->nlog].prim = prim;
    fake->log[fake->nlog].text = text;
    fake->nlog++;
}

/* Count a call of a primitive that can fail against the fault; if the fault
 * fires, record the error and return its code, else return TERMINUS_OK. */
static int tm_fake_fault(terminus_fake *fake, int prim)
{
    /* Every int-returning primitive comes through here first: charge the
     * virtual time it is set to cost (terminus_fake_set_latency). */
    fake->now_us = tm_fake_add_sat(fake->now_us, fake->latency_us[prim]);
    if (!fake->fault.set || (fake->fault.prim != TM_FP_ANY && fake->fault.prim != prim))
        return TERMINUS_OK;
    if (fake->fault.seen < UINT32_MAX)
        fake->fault.seen++;
    if (fake->fault.seen == fake->fault.nth ||
        (fake->fault.persistent && fake->fault.seen > fake->fault.nth)) {
        if (fake->faults_fired < UINT32_MAX)
            fake->faults_fired++;
        return terminus_os_error(fake->fault.code, fake->fault.os_code,
                                 "fake: %s failed (injected, call %u)", tm_fake_prims[prim].name,
                                 (unsigned)fake->fault.seen);
    }
    return TERMINUS_OK;
}

static void tm_fake_link(terminus_fake *fake, struct tm_fake_handle *h, int kind)
{
    h->fake = fake;
    h->kind = kind;
    h->next = &fake->handles;
    h->prev = fake->handles.prev;
    fake->handles.prev->next = h;
    fake->handles.prev = h;
    fake->nhandles++;
}

static void tm_fake_unlink(terminus_fake *fake, struct tm_fake_handle *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->prev = h->next = NULL;
    h->kind = 0;
    fake->nhandles--;
}

/* Whether `h` is a live handle of this fake of that kind. An O(1) check of
 * the handle's head: it catches a handle of another fake or of another kind,
 * and (since a closed handle's kind is wiped before it is freed) most uses of
 * a closed one; it cannot make a freed pointer safe to pass. */
static int tm_fake_owns(terminus_fake *fake, const void *h, int kind)
{
    const struct tm_fake_handle *hh = h;
    return hh != NULL && hh->fake == fake && hh->kind == kind;
}

static struct tm_fake_proc *tm_fake_proc_find(terminus_fake *fake, terminus_pid pid)
{
    size_t i;
    for (i = 0; i < fake->nprocs; i++)
        if (fake->procs[i]->pid == pid)
            return fake->procs[i];
    return NULL;
}

/* End a process whose due time has come (lazy ending). */
static void tm_fake_proc_update(terminus_fake *fake, struct tm_fake_proc *p)
{
    if (p->running && p->due_set && p->due_us <= fake->now_us) {
        p->running = 0;
        p->end_code = p->exit_code;
        p->ended_us = p->due_us;
    }
}

static void tm_fake_proc_end_now(terminus_fake *fake, struct tm_fake_proc *p, uint32_t code)
{
    p->running = 0;
    p->due_set = 0;
    p->end_code = code;
    p->ended_us = fake->now_us;
}

static struct tm_fake_server *tm_fake_server_find(terminus_fake *fake, const char *name)
{
    size_t i;
    for (i = 0; i < fake->nservers; i++)
        if (strcmp(fake->servers[i]->name, name) == 0)
            return fake->servers[i];
    return NULL;
}

/* Add a server (reachable) if missing. NULL if out of memory. */
static struct tm_fake_server *tm_fake_server_get(terminus_fake *fake, const char *name)
{
    struct tm_fake_server *s = tm_fake_server_find(fake, name);
    struct tm_fake_server **arr;
    if (s)
        return s;
    arr = tm_fake_grow(fake->servers, &fake->capservers, fake->nservers + 1, sizeof *fake->servers);
    if (!arr)
        return NULL;
    fake->servers = arr;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->name, name, strlen(name) + 1);
    s->reachable = 1;
    fake->servers[fake->nservers++] = s;
    return s;
}

static int tm_fake_session_gone(const terminus_fake *fake, const struct tm_fake_session *s)
{
    return s->due_set && s->due_us <= fake->now_us;
}

/* A session by id, gone or not; NULL if it never was. */
static struct tm_fake_session *tm_fake_session_find(struct tm_fake_server *srv, uint32_t id)
{
    size_t i;
    for (i = 0; i < srv->nsessions; i++)
        if (srv->sessions[i].info.id == id)
            return &srv->sessions[i];
    return NULL;
}

/* The length of `s` if it is shorter than `max` bytes, else `max`. */
static size_t tm_fake_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

#define TM_FAKE_NULL(fn) terminus_os_error(TERMINUS_E_INVALID, 0, "%s: fake is NULL", fn)
#define TM_FAKE_BADARG(prim, what)                                                             \
    terminus_os_error(TERMINUS_E_INVALID, 0, "fake: %s: %s", tm_fake_prims[prim].name, what)

/* ------------------------------------------------------------------------ */
/* The members of the table                                                 */

static uint64_t tm_fake_clock_us(void *data)
{
    terminus_fake *fake = data;
    uint64_t now;
    if (!fake)
        return 0;
    tm_mutex_lock(&fake->lock);
    now = fake->now_us;
    tm_mutex_unlock(&fake->lock);
    return now;
}

static terminus_pid tm_fake_self_pid(void *data)
{
    terminus_fake *fake = data;
    terminus_pid pid;
    if (!fake)
        return 0;
    tm_mutex_lock(&fake->lock);
    pid = fake->self;
    tm_mutex_unlock(&fake->lock);
    return pid;
}

static int tm_fake_process_open(void *data, terminus_pid pid, terminus_os_process **out)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    terminus_os_process *h;
    int rc;

    if (!fake || !out)
        return TM_FAKE_BADARG(TM_FP_PROCESS_OPEN, "NULL argument");
    *out = NULL;
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_fault(fake, TM_FP_PROCESS_OPEN);
    if (rc == TERMINUS_OK) {
        p = tm_fake_proc_find(fake, pid);
        if (!p) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "fake: process_open(%u): no such process",
                                   (unsigned)pid);
        } else if (p->behaviour == TERMINUS_FAKE_DENIED) {
            rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                   "fake: process_open(%u): access denied", (unsigned)pid);
        } else if ((h = calloc(1, sizeof *h)) == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: process_open(%u): out of memory",
                                   (unsigned)pid);
        } else {
            h->proc = p;
            tm_fake_link(fake, &h->h, TM_FK_PROCESS);
            *out = h;
        }
    }
    tm_fake_log(fake, TM_FP_PROCESS_OPEN, "process_open(%u) = %d", (unsigned)pid, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static void tm_fake_process_close(void *data, terminus_os_process *proc)
{
    terminus_fake *fake = data;
    if (!fake || !proc)
        return;
    tm_mutex_lock(&fake->lock);
    if (tm_fake_owns(fake, proc, TM_FK_PROCESS)) {
        tm_fake_log(fake, TM_FP_PROCESS_CLOSE, "process_close(%u)", (unsigned)proc->proc->pid);
        tm_fake_unlink(fake, &proc->h);
        free(proc);
    }
    tm_mutex_unlock(&fake->lock);
}

static int tm_fake_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!fake || !proc || !st)
        return TM_FAKE_BADARG(TM_FP_PROCESS_STATUS, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, proc, TM_FK_PROCESS)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_PROCESS_STATUS, "not a process handle of this fake");
    }
    p = proc->proc;
    rc = tm_fake_fault(fake, TM_FP_PROCESS_STATUS);
    if (rc == TERMINUS_OK) {
        tm_fake_proc_update(fake, p);
        st->running = p->running;
        st->code_known = !p->running;
        st->exit_code = p->running ? 0 : p->end_code;
        if (p->running)
            tm_fake_log(fake, TM_FP_PROCESS_STATUS, "process_status(%u) = 0 [running]",
                        (unsigned)p->pid);
        else
            tm_fake_log(fake, TM_FP_PROCESS_STATUS, "process_status(%u) = 0 [exited %u]",
                        (unsigned)p->pid, (unsigned)p->end_code);
    } else {
        tm_fake_log(fake, TM_FP_PROCESS_STATUS, "process_status(%u) = %d", (unsigned)p->pid, rc);
    }
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_process_request(void *data, terminus_os_process *proc, const char *message)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!fake || !proc)
        return TM_FAKE_BADARG(TM_FP_PROCESS_REQUEST, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, proc, TM_FK_PROCESS)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_PROCESS_REQUEST, "not a process handle of this fake");
    }
    p = proc->proc;
    rc = tm_fake_fault(fake, TM_FP_PROCESS_REQUEST);
    if (rc == TERMINUS_OK) {
        tm_fake_proc_update(fake, p);
        if (!p->running) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: process_request(%u): the process has ended",
                                   (unsigned)p->pid);
        } else {
            if (p->requests < UINT32_MAX)
                p->requests++;
            if (p->behaviour == TERMINUS_FAKE_EXITS_ON_REQUEST && !p->due_set) {
                p->due_set = 1;
                p->due_us = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(p->after_ms));
            }
        }
    }
    if (message)
        tm_fake_log(fake, TM_FP_PROCESS_REQUEST, "process_request(%u, \"%s\") = %d",
                    (unsigned)p->pid, message, rc);
    else
        tm_fake_log(fake, TM_FP_PROCESS_REQUEST, "process_request(%u, NULL) = %d", (unsigned)p->pid,
                    rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!fake || !proc)
        return TM_FAKE_BADARG(TM_FP_PROCESS_KILL, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, proc, TM_FK_PROCESS)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_PROCESS_KILL, "not a process handle of this fake");
    }
    p = proc->proc;
    rc = tm_fake_fault(fake, TM_FP_PROCESS_KILL);
    if (rc == TERMINUS_OK) {
        tm_fake_proc_update(fake, p);
        if (!p->running) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: process_kill(%u): the process has ended",
                                   (unsigned)p->pid);
        } else {
            if (p->kills < UINT32_MAX)
                p->kills++;
            if (p->behaviour == TERMINUS_FAKE_KILL_DENIED)
                rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                       "fake: process_kill(%u): access denied", (unsigned)p->pid);
            else if (p->behaviour != TERMINUS_FAKE_UNKILLABLE)
                tm_fake_proc_end_now(fake, p, exit_code);
        }
    }
    tm_fake_log(fake, TM_FP_PROCESS_KILL, "process_kill(%u, %u) = %d", (unsigned)p->pid,
                (unsigned)exit_code, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                             terminus_os_waitset **out)
{
    terminus_fake *fake = data;
    terminus_os_waitset *set = NULL;
    size_t i;
    int rc;

    if (!fake || !out || !procs || count == 0)
        return TM_FAKE_BADARG(TM_FP_WAIT_OPEN, "NULL argument or count 0");
    *out = NULL;
    tm_mutex_lock(&fake->lock);
    for (i = 0; i < count; i++) {
        if (!procs[i] || !tm_fake_owns(fake, procs[i], TM_FK_PROCESS)) {
            tm_mutex_unlock(&fake->lock);
            return TM_FAKE_BADARG(TM_FP_WAIT_OPEN, "not a process handle of this fake");
        }
    }
    rc = tm_fake_fault(fake, TM_FP_WAIT_OPEN);
    if (rc == TERMINUS_OK) {
        set = calloc(1, sizeof *set);
        if (set && count <= (size_t)-1 / sizeof *set->procs) {
            set->procs = malloc(count * sizeof *set->procs);
            set->reported = calloc(count, 1);
        }
        if (!set || !set->procs || !set->reported) {
            if (set) {
                free(set->procs);
                free(set->reported);
                free(set);
            }
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: wait_open(%lu procs): out of memory",
                                   (unsigned long)count);
        } else {
            set->count = count;
            for (i = 0; i < count; i++)
                set->procs[i] = procs[i]->proc;
            tm_fake_link(fake, &set->h, TM_FK_WAITSET);
            *out = set;
        }
    }
    tm_fake_log(fake, TM_FP_WAIT_OPEN, "wait_open(%lu procs) = %d", (unsigned long)count, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

/* Report the ended, unreported processes of the set, up to capacity. */
static size_t tm_fake_wait_collect(terminus_fake *fake, terminus_os_waitset *set, size_t *ready,
                                   size_t capacity)
{
    size_t i, n = 0;
    for (i = 0; i < set->count && n < capacity; i++) {
        if (set->reported[i])
            continue;
        tm_fake_proc_update(fake, set->procs[i]);
        if (!set->procs[i]->running) {
            set->reported[i] = 1;
            ready[n++] = i;
        }
    }
    return n;
}

static int tm_fake_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms,
                            size_t *ready, size_t capacity, size_t *nready)
{
    terminus_fake *fake = data;
    size_t i, n = 0;
    int rc, have_due = 0;
    uint64_t due = 0, limit;

    if (nready)
        *nready = 0;
    if (!fake || !set || !ready || !nready || capacity == 0)
        return TM_FAKE_BADARG(TM_FP_WAIT_ANY, "NULL argument or capacity 0");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, set, TM_FK_WAITSET)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_WAIT_ANY, "not a wait set of this fake");
    }
    rc = tm_fake_fault(fake, TM_FP_WAIT_ANY);
    if (rc == TERMINUS_OK) {
        n = tm_fake_wait_collect(fake, set, ready, capacity);
        if (n == 0) {
            /* It would block: find the next end among the unreported ones. */
            for (i = 0; i < set->count; i++) {
                const struct tm_fake_proc *p = set->procs[i];
                if (set->reported[i] || !p->running || !p->due_set)
                    continue;
                if (!have_due || p->due_us < due) {
                    due = p->due_us;
                    have_due = 1;
                }
            }
            limit = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(timeout_ms));
            if (have_due && due <= limit) {
                if (due > fake->now_us)
                    fake->now_us = due;
                n = tm_fake_wait_collect(fake, set, ready, capacity);
            } else {
                fake->now_us = limit;
            }
        }
        if (n == 0)
            rc = terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                   "fake: wait_any(%lu procs, %lu ms): timed out",
                                   (unsigned long)set->count, (unsigned long)timeout_ms);
        *nready = n;
    }
    tm_fake_log(fake, TM_FP_WAIT_ANY, "wait_any(%lu procs, %lu ms) = %d [%lu ready]",
                (unsigned long)set->count, (unsigned long)timeout_ms, rc, (unsigned long)n);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static void tm_fake_wait_close(void *data, terminus_os_waitset *set)
{
    terminus_fake *fake = data;
    if (!fake || !set)
        return;
    tm_mutex_lock(&fake->lock);
    if (tm_fake_owns(fake, set, TM_FK_WAITSET)) {
        tm_fake_log(fake, TM_FP_WAIT_CLOSE, "wait_close(%lu procs)", (unsigned long)set->count);
        tm_fake_unlink(fake, &set->h);
        free(set->procs);
        free(set->reported);
        free(set);
    }
    tm_mutex_unlock(&fake->lock);
}

static int tm_fake_exit_process(void *data, uint32_t exit_code, int fast)
{
    terminus_fake *fake = data;
    int rc;
    if (!fake)
        return TM_FAKE_BADARG(TM_FP_EXIT_PROCESS, "NULL argument");
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_fault(fake, TM_FP_EXIT_PROCESS);
    if (rc == TERMINUS_OK) {
        if (fake->exits < UINT32_MAX)
            fake->exits++;
        fake->exit_code = exit_code;
        fake->exit_fast = fast ? 1 : 0;
    }
    tm_fake_log(fake, TM_FP_EXIT_PROCESS, "exit_process(%u, %d) = %d", (unsigned)exit_code, fast,
                rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_listen_start(void *data, const char *message, terminus_os_listen_fn fn,
                                void *arg, terminus_os_listener **out)
{
    terminus_fake *fake = data;
    terminus_os_listener *l;
    int rc;

    if (!fake || !fn || !out)
        return TM_FAKE_BADARG(TM_FP_LISTEN_START, "NULL argument");
    *out = NULL;
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_fault(fake, TM_FP_LISTEN_START);
    if (rc == TERMINUS_OK) {
        l = calloc(1, sizeof *l);
        if (!l) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: listen_start: out of memory");
        } else {
            l->fn = fn;
            l->arg = arg;
            l->serial = ++fake->next_serial;
            tm_fake_link(fake, &l->h, TM_FK_LISTENER);
            *out = l;
        }
    }
    if (message)
        tm_fake_log(fake, TM_FP_LISTEN_START, "listen_start(\"%s\") = %d", message, rc);
    else
        tm_fake_log(fake, TM_FP_LISTEN_START, "listen_start(NULL) = %d", rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static void tm_fake_listen_stop(void *data, terminus_os_listener *listener)
{
    terminus_fake *fake = data;
    if (!fake || !listener)
        return;
    tm_mutex_lock(&fake->lock);
    if (tm_fake_owns(fake, listener, TM_FK_LISTENER)) {
        tm_fake_log(fake, TM_FP_LISTEN_STOP, "listen_stop()");
        /* Off the list first: no new delivery finds it. Then wait, asleep,
         * for the deliveries inside its callback to leave it; stopped from
         * its own callback, it cannot wait for itself: the last delivery to
         * leave frees it. */
        tm_fake_unlink(fake, &listener->h);
        if (listener->busy && tm_fake_in_callback == listener) {
            listener->stopped = 1;
        } else {
            while (listener->busy)
                tm_cond_wait(&fake->idle, &fake->lock);
            free(listener);
        }
    }
    tm_mutex_unlock(&fake->lock);
}

static int tm_fake_logoff(void *data, uint32_t flags)
{
    terminus_fake *fake = data;
    int rc;
    if (!fake)
        return TM_FAKE_BADARG(TM_FP_LOGOFF, "NULL argument");
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_fault(fake, TM_FP_LOGOFF);
    if (rc == TERMINUS_OK) {
        if (fake->logoffs < UINT32_MAX)
            fake->logoffs++;
        fake->logoff_flags = flags;
    }
    tm_fake_log(fake, TM_FP_LOGOFF, "logoff(0x%x) = %d", (unsigned)flags, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_server_open(void *data, const char *name, terminus_os_server **out)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_os_server *h;
    int rc;

    if (!fake || !out)
        return TM_FAKE_BADARG(TM_FP_SERVER_OPEN, "NULL argument");
    *out = NULL;
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_fault(fake, TM_FP_SERVER_OPEN);
    if (rc == TERMINUS_OK) {
        srv = tm_fake_server_find(fake, name ? name : "");
        if (!srv) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "fake: server_open(\"%s\"): no such server",
                                   name ? name : "");
        } else if (!srv->reachable) {
            rc = terminus_os_error(TERMINUS_E_UNAVAILABLE, 0,
                                   "fake: server_open(\"%s\"): the server cannot be reached", srv->name);
        } else if ((h = calloc(1, sizeof *h)) == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: server_open: out of memory");
        } else {
            h->server = srv;
            tm_fake_link(fake, &h->h, TM_FK_SERVER);
            *out = h;
        }
    }
    if (name)
        tm_fake_log(fake, TM_FP_SERVER_OPEN, "server_open(\"%s\") = %d", name, rc);
    else
        tm_fake_log(fake, TM_FP_SERVER_OPEN, "server_open(NULL) = %d", rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static void tm_fake_server_close(void *data, terminus_os_server *server)
{
    terminus_fake *fake = data;
    if (!fake || !server)
        return;
    tm_mutex_lock(&fake->lock);
    if (tm_fake_owns(fake, server, TM_FK_SERVER)) {
        tm_fake_log(fake, TM_FP_SERVER_CLOSE, "server_close(\"%s\")", server->server->name);
        tm_fake_unlink(fake, &server->h);
        free(server);
    }
    tm_mutex_unlock(&fake->lock);
}

/* The checks common to the session members, with the lock held and the
 * handle checked: a fault, then a reachable server. */
static int tm_fake_session_enter(terminus_fake *fake, terminus_os_server *server, int prim)
{
    int rc = tm_fake_fault(fake, prim);
    if (rc == TERMINUS_OK && !server->server->reachable)
        rc = terminus_os_error(TERMINUS_E_UNAVAILABLE, 0,
                               "fake: %s(\"%s\"): the server cannot be reached",
                               tm_fake_prims[prim].name, server->server->name);
    return rc;
}

static int tm_fake_session_list(void *data, terminus_os_server *server, terminus_os_session_fn fn,
                                void *arg)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_session_info *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!fake || !server || !fn)
        return TM_FAKE_BADARG(TM_FP_SESSION_LIST, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, server, TM_FK_SERVER)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_SESSION_LIST, "not a server handle of this fake");
    }
    srv = server->server;
    rc = tm_fake_session_enter(fake, server, TM_FP_SESSION_LIST);
    if (rc == TERMINUS_OK && srv->nsessions > 0) {
        /* Copy, so that fn runs without the lock (it may call the fake). */
        copy = malloc(srv->nsessions * sizeof *copy);
        if (!copy) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: session_list: out of memory");
        } else {
            for (i = 0; i < srv->nsessions; i++)
                if (!tm_fake_session_gone(fake, &srv->sessions[i]))
                    copy[n++] = srv->sessions[i].info;
        }
    }
    if (rc != TERMINUS_OK || n == 0) {
        tm_fake_log(fake, TM_FP_SESSION_LIST, "session_list(\"%s\") = %d [0 sessions]", srv->name,
                    rc);
        tm_mutex_unlock(&fake->lock);
        free(copy);
        return rc;
    }
    tm_mutex_unlock(&fake->lock);

    for (i = 0; i < n && rc == TERMINUS_OK; i++) {
        rc = fn(arg, &copy[i]);
        emitted++;
    }
    free(copy);

    tm_mutex_lock(&fake->lock);
    tm_fake_log(fake, TM_FP_SESSION_LIST, "session_list(\"%s\") = %d [%lu sessions]", srv->name, rc,
                (unsigned long)emitted);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_session_current(void *data, terminus_os_server *server, uint32_t *id)
{
    terminus_fake *fake = data;
    int rc;

    if (!fake || !server || !id)
        return TM_FAKE_BADARG(TM_FP_SESSION_CURRENT, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, server, TM_FK_SERVER)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_SESSION_CURRENT, "not a server handle of this fake");
    }
    rc = tm_fake_session_enter(fake, server, TM_FP_SESSION_CURRENT);
    if (rc == TERMINUS_OK) {
        if (server->server->name[0] != '\0')
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: session_current(\"%s\"): the server is remote",
                                   server->server->name);
        else if (fake->current_session == TERMINUS_SESSION_CURRENT)
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: session_current: the caller is in no session");
        else
            *id = fake->current_session;
    }
    if (rc == TERMINUS_OK)
        tm_fake_log(fake, TM_FP_SESSION_CURRENT, "session_current(\"%s\") = 0 [%u]",
                    server->server->name, (unsigned)*id);
    else
        tm_fake_log(fake, TM_FP_SESSION_CURRENT, "session_current(\"%s\") = %d",
                    server->server->name, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_session_logoff(void *data, terminus_os_server *server, uint32_t id)
{
    terminus_fake *fake = data;
    struct tm_fake_session *s;
    int rc;

    if (!fake || !server)
        return TM_FAKE_BADARG(TM_FP_SESSION_LOGOFF, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, server, TM_FK_SERVER)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_SESSION_LOGOFF, "not a server handle of this fake");
    }
    rc = tm_fake_session_enter(fake, server, TM_FP_SESSION_LOGOFF);
    if (rc == TERMINUS_OK) {
        s = tm_fake_session_find(server->server, id);
        if (!s || tm_fake_session_gone(fake, s)) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: session_logoff(\"%s\", %u): no such session",
                                   server->server->name, (unsigned)id);
        } else if (s->behaviour == TERMINUS_FAKE_SESSION_DENIED) {
            rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                   "fake: session_logoff(\"%s\", %u): access denied",
                                   server->server->name, (unsigned)id);
        } else if (s->behaviour == TERMINUS_FAKE_SESSION_ENDS && !s->due_set) {
            s->due_set = 1;
            s->due_us = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(s->after_ms));
        }
    }
    tm_fake_log(fake, TM_FP_SESSION_LOGOFF, "session_logoff(\"%s\", %u) = %d", server->server->name,
                (unsigned)id, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

static int tm_fake_session_wait_gone(void *data, terminus_os_server *server, uint32_t id,
                                     uint32_t timeout_ms)
{
    terminus_fake *fake = data;
    struct tm_fake_session *s;
    uint64_t limit;
    int rc;

    if (!fake || !server)
        return TM_FAKE_BADARG(TM_FP_SESSION_WAIT_GONE, "NULL argument");
    tm_mutex_lock(&fake->lock);
    if (!tm_fake_owns(fake, server, TM_FK_SERVER)) {
        tm_mutex_unlock(&fake->lock);
        return TM_FAKE_BADARG(TM_FP_SESSION_WAIT_GONE, "not a server handle of this fake");
    }
    rc = tm_fake_session_enter(fake, server, TM_FP_SESSION_WAIT_GONE);
    if (rc == TERMINUS_OK) {
        s = tm_fake_session_find(server->server, id);
        limit = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(timeout_ms));
        if (!s || tm_fake_session_gone(fake, s)) {
            /* gone, or never was */
        } else if (s->due_set && s->due_us <= limit) {
            fake->now_us = s->due_us;
        } else {
            fake->now_us = limit;
            rc = terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                   "fake: session_wait_gone(\"%s\", %u, %lu ms): timed out",
                                   server->server->name, (unsigned)id, (unsigned long)timeout_ms);
        }
    }
    tm_fake_log(fake, TM_FP_SESSION_WAIT_GONE, "session_wait_gone(\"%s\", %u, %lu ms) = %d",
                server->server->name, (unsigned)id, (unsigned long)timeout_ms, rc);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The public API                                                           */

TERMINUS_API int terminus_fake_new(terminus_fake **out)
{
    terminus_fake *fake;

    if (!out)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_new: out is NULL");
    *out = NULL;
    fake = calloc(1, sizeof *fake);
    if (!fake)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_new: out of memory");
    fake->handles.next = fake->handles.prev = &fake->handles;
    fake->self = 1000;
    fake->current_session = TERMINUS_SESSION_CURRENT;
    if (!tm_fake_server_get(fake, "")) {
        free(fake->servers);
        free(fake);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_new: out of memory");
    }
    tm_mutex_init(&fake->lock);
    tm_cond_init(&fake->idle);

    fake->os.version = TERMINUS_OS_VERSION;
    fake->os.name = "fake";
    fake->os.data = fake;
    fake->os.system_pid = 1;
    fake->os.clock_us = tm_fake_clock_us;
    fake->os.self_pid = tm_fake_self_pid;
    fake->os.process_open = tm_fake_process_open;
    fake->os.process_close = tm_fake_process_close;
    fake->os.process_status = tm_fake_process_status;
    fake->os.process_request = tm_fake_process_request;
    fake->os.process_kill = tm_fake_process_kill;
    fake->os.wait_open = tm_fake_wait_open;
    fake->os.wait_any = tm_fake_wait_any;
    fake->os.wait_close = tm_fake_wait_close;
    fake->os.exit_process = tm_fake_exit_process;
    fake->os.listen_start = tm_fake_listen_start;
    fake->os.listen_stop = tm_fake_listen_stop;
    fake->os.logoff = tm_fake_logoff;
    fake->os.server_open = tm_fake_server_open;
    fake->os.server_close = tm_fake_server_close;
    fake->os.session_list = tm_fake_session_list;
    fake->os.session_current = tm_fake_session_current;
    fake->os.session_logoff = tm_fake_session_logoff;
    fake->os.session_wait_gone = tm_fake_session_wait_gone;

    *out = fake;
    return TERMINUS_OK;
}

/* Free a handle of any kind (the lock need not be held: used by free). */
static void tm_fake_handle_free(struct tm_fake_handle *h)
{
    if (h->kind == TM_FK_WAITSET) {
        terminus_os_waitset *set = (terminus_os_waitset *)h;
        free(set->procs);
        free(set->reported);
    }
    free(h);
}

TERMINUS_API void terminus_fake_free(terminus_fake *fake)
{
    size_t i;
    struct tm_fake_handle *h, *next;

    if (!fake)
        return;
    for (h = fake->handles.next; h != &fake->handles; h = next) {
        next = h->next;
        tm_fake_handle_free(h);
    }
    for (i = 0; i < fake->nprocs; i++)
        free(fake->procs[i]);
    free(fake->procs);
    for (i = 0; i < fake->nservers; i++) {
        free(fake->servers[i]->sessions);
        free(fake->servers[i]);
    }
    free(fake->servers);
    for (i = 0; i < fake->nlog; i++)
        free(fake->log[i].text);
    free(fake->log);
    tm_cond_destroy(&fake->idle);
    tm_mutex_destroy(&fake->lock);
    free(fake);
}

TERMINUS_API const terminus_os *terminus_fake_os(terminus_fake *fake)
{
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_os");
        return NULL;
    }
    return &fake->os;
}

TERMINUS_API uint64_t terminus_fake_now_us(terminus_fake *fake)
{
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_now_us");
        return 0;
    }
    return tm_fake_clock_us(fake);
}

TERMINUS_API int terminus_fake_advance(terminus_fake *fake, uint64_t us)
{
    if (!fake)
        return TM_FAKE_NULL("terminus_fake_advance");
    tm_mutex_lock(&fake->lock);
    fake->now_us = tm_fake_add_sat(fake->now_us, us);
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_self(terminus_fake *fake, terminus_pid pid)
{
    if (!fake)
        return TM_FAKE_NULL("terminus_fake_set_self");
    if (pid == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_set_self: pid 0 is not a process");
    tm_mutex_lock(&fake->lock);
    fake->self = pid;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_add(terminus_fake *fake, terminus_pid pid, int behaviour,
                                           uint32_t after_ms, uint32_t exit_code)
{
    struct tm_fake_proc *p, **procs;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_process_add");
    if (pid == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_process_add: pid 0 is not a process");
    if (behaviour < TERMINUS_FAKE_EXITS_ON_REQUEST || behaviour > TERMINUS_FAKE_KILL_DENIED)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_process_add: unknown behaviour %d", behaviour);
    tm_mutex_lock(&fake->lock);
    if (tm_fake_proc_find(fake, pid)) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_process_add: pid %u is in use", (unsigned)pid);
    }
    procs = tm_fake_grow(fake->procs, &fake->capprocs, fake->nprocs + 1, sizeof *fake->procs);
    if (procs)
        fake->procs = procs;
    if (!procs || (p = calloc(1, sizeof *p)) == NULL) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_process_add: out of memory");
    }
    p->pid = pid;
    p->behaviour = behaviour;
    p->after_ms = after_ms;
    p->exit_code = exit_code;
    p->running = 1;
    if (behaviour == TERMINUS_FAKE_GONE) {
        p->running = 0;
        p->end_code = exit_code;
        p->ended_us = fake->now_us;
    } else if (behaviour == TERMINUS_FAKE_EXITS_AFTER) {
        p->due_set = 1;
        p->due_us = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(after_ms));
    }
    fake->procs[fake->nprocs++] = p;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_get(terminus_fake *fake, terminus_pid pid,
                                           terminus_fake_process_info *info)
{
    struct tm_fake_proc *p;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_process_get");
    if (!info)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_process_get: info is NULL");
    tm_mutex_lock(&fake->lock);
    p = tm_fake_proc_find(fake, pid);
    if (!p) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "terminus_fake_process_get: no scripted process %u", (unsigned)pid);
    }
    tm_fake_proc_update(fake, p);
    info->running = p->running;
    info->exit_code = p->running ? 0 : p->end_code;
    info->requests = p->requests;
    info->kills = p->kills;
    info->ended_us = p->running ? 0 : p->ended_us;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_server_add(terminus_fake *fake, const char *name, int reachable)
{
    struct tm_fake_server *s;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_server_add");
    if (!name)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_server_add: name is NULL");
    if (tm_fake_strnlen(name, 64) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_server_add: name is 64 bytes or more");
    if (name[0] == '\0' && !reachable)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_server_add: the local server is always reachable");
    tm_mutex_lock(&fake->lock);
    s = tm_fake_server_get(fake, name);
    if (s)
        s->reachable = reachable ? 1 : 0;
    tm_mutex_unlock(&fake->lock);
    if (!s)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_server_add: out of memory");
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_add(terminus_fake *fake, const char *server, uint32_t id,
                                           int32_t state, const char *name, const char *user,
                                           int behaviour, uint32_t after_ms)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s;
    size_t nlen, ulen;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_session_add");
    if (!server || tm_fake_strnlen(server, 64) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: server is NULL or 64 bytes or more");
    if (id == TERMINUS_SESSION_CURRENT)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: id %u is TERMINUS_SESSION_CURRENT",
                                 (unsigned)id);
    if (state != TERMINUS_SESSION_ACTIVE && state != TERMINUS_SESSION_CONNECTED &&
        state != TERMINUS_SESSION_DISCONNECTED && state != TERMINUS_SESSION_OTHER)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: unknown state %ld", (long)state);
    if (!name || (nlen = tm_fake_strnlen(name, 64)) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: name is NULL or 64 bytes or more");
    if (!user || (ulen = tm_fake_strnlen(user, 256)) >= 256)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: user is NULL or 256 bytes or more");
    if (behaviour < TERMINUS_FAKE_SESSION_ENDS || behaviour > TERMINUS_FAKE_SESSION_HANGS)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: unknown behaviour %d", behaviour);

    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_get(fake, server);
    if (!srv) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_session_add: out of memory");
    }
    s = tm_fake_session_find(srv, id);
    if (s && !tm_fake_session_gone(fake, s)) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: id %u is in use on \"%s\"",
                                 (unsigned)id, server);
    }
    if (!s) { /* a gone session's slot is reused */
        s = tm_fake_grow(srv->sessions, &srv->cap, srv->nsessions + 1, sizeof *srv->sessions);
        if (!s) {
            tm_mutex_unlock(&fake->lock);
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "terminus_fake_session_add: out of memory");
        }
        srv->sessions = s;
        s = &srv->sessions[srv->nsessions++];
    }
    memset(s, 0, sizeof *s);
    s->info.id = id;
    s->info.state = state;
    memcpy(s->info.name, name, nlen);
    memcpy(s->info.user, user, ulen);
    s->behaviour = behaviour;
    s->after_ms = after_ms;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_current_session(terminus_fake *fake, uint32_t id)
{
    if (!fake)
        return TM_FAKE_NULL("terminus_fake_set_current_session");
    tm_mutex_lock(&fake->lock);
    fake->current_session = id;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_exists(terminus_fake *fake, const char *server, uint32_t id)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s;
    int there = 0;

    if (!fake) {
        TM_FAKE_NULL("terminus_fake_session_exists");
        return 0;
    }
    if (!server) {
        terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_session_exists: server is NULL");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_find(fake, server);
    s = srv ? tm_fake_session_find(srv, id) : NULL;
    there = s && !tm_fake_session_gone(fake, s);
    tm_mutex_unlock(&fake->lock);
    return there;
}

TERMINUS_API int terminus_fake_fail(terminus_fake *fake, const char *primitive, uint32_t nth,
                                    int persistent, int code, int64_t os_code)
{
    int prim;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_fail");
    if (!primitive)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_fail: primitive is NULL");
    prim = strcmp(primitive, "*") == 0 ? TM_FP_ANY : tm_fake_prim_find(primitive);
    if (prim == -2 || (prim >= 0 && !tm_fake_prims[prim].fallible))
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_fail: \"%s\" is not a primitive that can fail",
                                 primitive);
    if (nth == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_fail: nth is 0 (calls count from 1)");
    if (code >= 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_fail: code %d is not an error", code);
    tm_mutex_lock(&fake->lock);
    fake->fault.set = 1;
    fake->fault.prim = prim;
    fake->fault.nth = nth;
    fake->fault.persistent = persistent ? 1 : 0;
    fake->fault.code = code;
    fake->fault.os_code = os_code;
    fake->fault.seen = 0;
    fake->faults_fired = 0;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_latency(terminus_fake *fake, const char *primitive, uint32_t us)
{
    int prim;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_set_latency");
    if (!primitive)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_set_latency: primitive is NULL");
    prim = strcmp(primitive, "*") == 0 ? TM_FP_ANY : tm_fake_prim_find(primitive);
    if (prim == -2 || (prim >= 0 && !tm_fake_prims[prim].fallible))
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_set_latency: \"%s\" is not a primitive that returns int",
                                 primitive);
    tm_mutex_lock(&fake->lock);
    for (int i = 0; i < TM_FP_COUNT; i++) {
        if (tm_fake_prims[i].fallible && (prim == TM_FP_ANY || prim == i))
            fake->latency_us[i] = us;
    }
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API void terminus_fake_fail_clear(terminus_fake *fake)
{
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_fail_clear");
        return;
    }
    tm_mutex_lock(&fake->lock);
    fake->fault.set = 0; /* faults_fired stays readable until the next fault */
    tm_mutex_unlock(&fake->lock);
}

TERMINUS_API uint32_t terminus_fake_faults_fired(terminus_fake *fake)
{
    uint32_t n;
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_faults_fired");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->faults_fired;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API size_t terminus_fake_call_count(terminus_fake *fake, const char *primitive)
{
    size_t n = 0;
    int prim = -2;

    if (!fake) {
        TM_FAKE_NULL("terminus_fake_call_count");
        return 0;
    }
    if (primitive) {
        prim = tm_fake_prim_find(primitive);
        if (prim < 0) /* not a logged member (clock_us, self_pid, a typo) */
            return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = primitive ? fake->calls[prim] : fake->calls_total;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API int terminus_fake_call(terminus_fake *fake, size_t index, char *buf, size_t size)
{
    static const char lost[] = "(not recorded: out of memory)";
    const char *text;
    size_t len;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_call");
    if (!buf || size == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_call: buf is NULL or size 0");
    tm_mutex_lock(&fake->lock);
    if (index >= fake->calls_total) {
        tm_mutex_unlock(&fake->lock);
        buf[0] = '\0';
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "terminus_fake_call: index %lu is past the end (%lu calls)",
                                 (unsigned long)index, (unsigned long)fake->calls_total);
    }
    text = index < fake->nlog && fake->log[index].text ? fake->log[index].text : lost;
    len = strlen(text);
    if (len >= size)
        len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API void terminus_fake_calls_clear(terminus_fake *fake)
{
    size_t i;
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_calls_clear");
        return;
    }
    tm_mutex_lock(&fake->lock);
    for (i = 0; i < fake->nlog; i++)
        free(fake->log[i].text);
    free(fake->log);
    fake->log = NULL;
    fake->nlog = fake->caplog = 0;
    fake->log_lost = 0;
    fake->calls_total = 0;
    memset(fake->calls, 0, sizeof fake->calls);
    tm_mutex_unlock(&fake->lock);
}

TERMINUS_API size_t terminus_fake_open_handles(terminus_fake *fake)
{
    size_t n;
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_open_handles");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->nhandles;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API int terminus_fake_deliver(terminus_fake *fake, int reason)
{
    unsigned long *serials = NULL;
    size_t n = 0, i;
    int called = 0;
    struct tm_fake_handle *h;

    if (!fake)
        return TM_FAKE_NULL("terminus_fake_deliver");
    if (reason != TERMINUS_REASON_REQUEST && reason != TERMINUS_REASON_LOGOFF)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_deliver: unknown reason %d",
                                 reason);

    /* A snapshot of the listeners, by serial: listeners started during the
     * delivery are not called, listeners stopped during it are skipped. */
    tm_mutex_lock(&fake->lock);
    for (h = fake->handles.next; h != &fake->handles; h = h->next)
        if (h->kind == TM_FK_LISTENER)
            n++;
    if (n > 0) {
        serials = malloc(n * sizeof *serials);
        if (!serials) {
            tm_mutex_unlock(&fake->lock);
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_deliver: out of memory");
        }
        n = 0;
        for (h = fake->handles.next; h != &fake->handles; h = h->next)
            if (h->kind == TM_FK_LISTENER)
                serials[n++] = ((terminus_os_listener *)h)->serial;
    }
    tm_mutex_unlock(&fake->lock);

    for (i = 0; i < n; i++) {
        terminus_os_listener *l = NULL;
        terminus_os_listen_fn fn = NULL;
        void *arg = NULL;

        tm_mutex_lock(&fake->lock);
        for (h = fake->handles.next; h != &fake->handles; h = h->next) {
            if (h->kind == TM_FK_LISTENER && ((terminus_os_listener *)h)->serial == serials[i]) {
                l = (terminus_os_listener *)h;
                l->busy++; /* listen_stop waits for it to drop to 0 before freeing */
                fn = l->fn;
                arg = l->arg;
                break;
            }
        }
        tm_mutex_unlock(&fake->lock);
        if (!l)
            continue;
        {
            terminus_os_listener *outer = tm_fake_in_callback;
            tm_fake_in_callback = l;
            fn(arg, reason);
            tm_fake_in_callback = outer;
        }
        called++;
        tm_mutex_lock(&fake->lock);
        if (--l->busy == 0) {
            if (l->stopped)
                free(l);
            tm_cond_broadcast(&fake->idle);
        }
        tm_mutex_unlock(&fake->lock);
    }
    free(serials);
    return called;
}

TERMINUS_API uint32_t terminus_fake_exits(terminus_fake *fake, uint32_t *exit_code, int *fast)
{
    uint32_t n;
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_exits");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->exits;
    if (exit_code)
        *exit_code = fake->exit_code;
    if (fast)
        *fast = fake->exit_fast;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API uint32_t terminus_fake_logoffs(terminus_fake *fake, uint32_t *flags)
{
    uint32_t n;
    if (!fake) {
        TM_FAKE_NULL("terminus_fake_logoffs");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->logoffs;
    if (flags)
        *flags = fake->logoff_flags;
    tm_mutex_unlock(&fake->lock);
    return n;
}
