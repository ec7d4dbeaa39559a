/*
 * lib/os/fake/members.c: the members of the fake OS's terminus_os table and
 * the table itself (tm_fake_table).
 *
 * Each member that is logged opens with tm_fake_enter() (argument and handle
 * checks, the lock, latency, the fault), does its work on the scripted world
 * only when that leaves TERMINUS_OK, and closes with tm_fake_leave() (its
 * line in the call log, the unlock); see inject.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

_Thread_local terminus_os_listener *tm_fake_in_callback;

/* What clock_us and self_pid read, under the lock: the virtual clock and
 * the caller's pid; both 0 for a NULL fake. These two are not logged. */
static void tm_fake_read_self(terminus_fake *fake, uint64_t *now, terminus_pid *pid)
{
    *now = 0;
    *pid = 0;
    if (fake == NULL)
        return;
    tm_mutex_lock(&fake->lock);
    *now = fake->now_us;
    *pid = fake->self;
    tm_mutex_unlock(&fake->lock);
}

static uint64_t tm_fake_clock_us(void *data)
{
    uint64_t now;
    terminus_pid pid;
    tm_fake_read_self(data, &now, &pid);
    return now;
}

static terminus_pid tm_fake_self_pid(void *data)
{
    uint64_t now;
    terminus_pid pid;
    tm_fake_read_self(data, &now, &pid);
    return pid;
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                */

static int tm_fake_process_open(void *data, terminus_pid pid, terminus_os_process **out)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    terminus_os_process *h;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_OPEN, 1, NULL, out, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        p = tm_fake_proc_find(fake, pid);
        if (p == NULL) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: process_open(%u): no such process", (unsigned)pid);
        } else if (p->behaviour == TERMINUS_FAKE_DENIED) {
            rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                   "fake: process_open(%u): access denied", (unsigned)pid);
        } else if ((rc = tm_fake_handle_room(fake, "process_open")) != TERMINUS_OK) {
            /* recorded */
        } else if ((h = tm_fake_handle_new(fake, sizeof *h, TM_FK_PROCESS)) == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: process_open(%u): out of memory",
                                   (unsigned)pid);
        } else {
            h->proc = p;
            *out = h;
        }
    }
    return tm_fake_leave(fake, TM_FP_PROCESS_OPEN, rc, "process_open(%u) = %d", (unsigned)pid, rc);
}

static void tm_fake_process_close(void *data, terminus_os_process *proc)
{
    terminus_fake *fake = data;
    int rc;

    if (tm_fake_enter(fake, TM_FP_PROCESS_CLOSE, 1, proc, NULL, &rc))
        tm_fake_leave_closing(fake, TM_FP_PROCESS_CLOSE, &proc->h, "process_close(%u)",
                              (unsigned)proc->proc->pid);
}

static int tm_fake_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_STATUS, st != NULL, proc, NULL, &rc))
        return rc;
    p = proc->proc;
    if (rc != TERMINUS_OK)
        return tm_fake_leave(fake, TM_FP_PROCESS_STATUS, rc, "process_status(%u) = %d",
                             (unsigned)p->pid, rc);
    tm_fake_proc_update(fake, p);
    st->running = p->running;
    st->code_known = !p->running;
    st->exit_code = p->running ? 0 : p->end_code;
    if (p->running)
        return tm_fake_leave(fake, TM_FP_PROCESS_STATUS, rc, "process_status(%u) = 0 [running]",
                             (unsigned)p->pid);
    return tm_fake_leave(fake, TM_FP_PROCESS_STATUS, rc, "process_status(%u) = 0 [exited %u]",
                         (unsigned)p->pid, (unsigned)p->end_code);
}

/* A request, a step or a kill reaches only a running process. */
static int tm_fake_process_alive(terminus_fake *fake, int prim, struct tm_fake_proc *p)
{
    tm_fake_proc_update(fake, p);
    if (!p->running)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "fake: %s(%u): the process has ended",
                                 tm_fake_prims[prim].name, (unsigned)p->pid);
    return TERMINUS_OK;
}

/* The exit request of a version-1 table: the MESSAGE step, which reaches
 * every running process (see world.c). */
static int tm_fake_process_request(void *data, terminus_os_process *proc, const char *message)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_REQUEST, 1, proc, NULL, &rc))
        return rc;
    p = proc->proc;
    if (rc == TERMINUS_OK)
        rc = tm_fake_process_alive(fake, TM_FP_PROCESS_REQUEST, p);
    if (rc == TERMINUS_OK)
        tm_fake_proc_step_arrived(fake, p, TERMINUS_STEP_MESSAGE);
    return tm_fake_leave(fake, TM_FP_PROCESS_REQUEST, rc, "process_request(%u, %s%s%s) = %d",
                         (unsigned)p->pid, TM_FAKE_QUOTED(message), rc);
}

static int tm_fake_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_KILL, 1, proc, NULL, &rc))
        return rc;
    p = proc->proc;
    if (rc == TERMINUS_OK)
        rc = tm_fake_process_alive(fake, TM_FP_PROCESS_KILL, p);
    if (rc == TERMINUS_OK && p->kills < UINT32_MAX)
        p->kills++;
    if (rc == TERMINUS_OK) {
        if (p->behaviour == TERMINUS_FAKE_KILL_DENIED)
            rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                   "fake: process_kill(%u): access denied", (unsigned)p->pid);
        else if (p->behaviour != TERMINUS_FAKE_UNKILLABLE)
            tm_fake_proc_end_now(fake, p, exit_code);
    }
    return tm_fake_leave(fake, TM_FP_PROCESS_KILL, rc, "process_kill(%u, %u) = %d",
                         (unsigned)p->pid, (unsigned)exit_code, rc);
}

/* ------------------------------------------------------------------------ */
/* The close chain (shim version 2)                                         */

/* How many processes' reach the log line of process_reach lists. */
#define TM_FAKE_REACH_LOGGED 16

static int tm_fake_process_reach(void *data, terminus_os_process *const *procs, size_t count,
                                 uint32_t steps, uint32_t flags, const char *message,
                                 uint32_t *reach)
{
    terminus_fake *fake = data;
    struct tm_fake_procs list = { procs, count };
    char found[TM_FAKE_REACH_LOGGED * 11 + 8] = "";
    size_t i, len = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_REACH, procs != NULL && count != 0 && reach != NULL,
                       &list, NULL, &rc))
        return rc;
    for (i = 0; rc == TERMINUS_OK && i < count; i++) {
        struct tm_fake_proc *p = procs[i]->proc;

        tm_fake_proc_update(fake, p);
        reach[i] = p->running ? p->reach & steps : 0;
        if (i < TM_FAKE_REACH_LOGGED)
            len += (size_t)snprintf(found + len, sizeof found - len, "%s0x%x", i == 0 ? " [" : " ",
                                    (unsigned)reach[i]);
    }
    if (len > 0)
        snprintf(found + len, sizeof found - len, "%s]",
                 count > TM_FAKE_REACH_LOGGED ? " ..." : "");
    return tm_fake_leave(
        fake, TM_FP_PROCESS_REACH, rc, "process_reach(%lu procs, 0x%x, 0x%x, %s%s%s) = %d%s",
        (unsigned long)count, (unsigned)steps, (unsigned)flags, TM_FAKE_QUOTED(message), rc, found);
}

static int tm_fake_process_step(void *data, terminus_os_process *proc, uint32_t step,
                                uint32_t flags, const char *message)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_STEP, step != 0 && (step & (step - 1)) == 0, proc, NULL,
                       &rc))
        return rc;
    p = proc->proc;
    if (rc == TERMINUS_OK && (step & TERMINUS_STEPS_ALL) == 0)
        rc = terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                               "fake: process_step(%u, 0x%x): no such step", (unsigned)p->pid,
                               (unsigned)step);
    if (rc == TERMINUS_OK)
        rc = tm_fake_process_alive(fake, TM_FP_PROCESS_STEP, p);
    if (rc == TERMINUS_OK && (p->reach & step) == 0)
        rc = terminus_os_error(TERMINUS_E_UNREACHABLE, 0,
                               "fake: process_step(%u, 0x%x): the step cannot reach it",
                               (unsigned)p->pid, (unsigned)step);
    else if (rc == TERMINUS_OK && (p->denied & step) != 0)
        rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 5,
                               "fake: process_step(%u, 0x%x): refused (as UIPI refuses a post to "
                               "an elevated window)",
                               (unsigned)p->pid, (unsigned)step);
    if (rc == TERMINUS_OK)
        tm_fake_proc_step_arrived(fake, p, step);
    return tm_fake_leave(fake, TM_FP_PROCESS_STEP, rc, "process_step(%u, 0x%x, 0x%x, %s%s%s) = %d",
                         (unsigned)p->pid, (unsigned)step, (unsigned)flags, TM_FAKE_QUOTED(message),
                         rc);
}

/* ------------------------------------------------------------------------ */
/* Wait sets                                                                */

static int tm_fake_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                             terminus_os_waitset **out)
{
    terminus_fake *fake = data;
    struct tm_fake_procs list = { procs, count };
    terminus_os_waitset *set;
    size_t i;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_WAIT_OPEN, procs != NULL && count != 0, &list, out, &rc))
        return rc;
    if (rc == TERMINUS_OK)
        rc = tm_fake_handle_room(fake, "wait_open");
    if (rc == TERMINUS_OK) {
        set = tm_fake_handle_new(fake, sizeof *set, TM_FK_WAITSET);
        if (set != NULL && count <= (size_t)-1 / sizeof *set->procs) {
            set->procs = malloc(count * sizeof *set->procs);
            set->reported = calloc(count, 1);
        }
        if (set == NULL || set->procs == NULL || set->reported == NULL) {
            if (set != NULL)
                tm_fake_handle_close(fake, &set->h);
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                   "fake: wait_open(%lu procs): out of memory",
                                   (unsigned long)count);
        } else {
            set->count = count;
            for (i = 0; i < count; i++)
                set->procs[i] = procs[i]->proc;
            *out = set;
        }
    }
    return tm_fake_leave(fake, TM_FP_WAIT_OPEN, rc, "wait_open(%lu procs) = %d",
                         (unsigned long)count, rc);
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

/* The wait would block: move the clock to the next end among the
 * unreported processes of the set if it comes within the timeout (and
 * collect again), else to the end of the timeout. */
static size_t tm_fake_wait_block(terminus_fake *fake, terminus_os_waitset *set, uint32_t timeout_ms,
                                 size_t *ready, size_t capacity)
{
    size_t i;
    int have_due = 0;
    uint64_t due = 0, limit;

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
        return tm_fake_wait_collect(fake, set, ready, capacity);
    }
    fake->now_us = limit;
    return 0;
}

static int tm_fake_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms,
                            size_t *ready, size_t capacity, size_t *nready)
{
    terminus_fake *fake = data;
    size_t n = 0;
    int rc;

    if (nready != NULL)
        *nready = 0;
    if (!tm_fake_enter(fake, TM_FP_WAIT_ANY, ready != NULL && nready != NULL && capacity != 0, set,
                       NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        n = tm_fake_wait_collect(fake, set, ready, capacity);
        if (n == 0)
            n = tm_fake_wait_block(fake, set, timeout_ms, ready, capacity);
        if (n == 0)
            rc = terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                   "fake: wait_any(%lu procs, %lu ms): timed out",
                                   (unsigned long)set->count, (unsigned long)timeout_ms);
        *nready = n;
    }
    return tm_fake_leave(fake, TM_FP_WAIT_ANY, rc, "wait_any(%lu procs, %lu ms) = %d [%lu ready]",
                         (unsigned long)set->count, (unsigned long)timeout_ms, rc,
                         (unsigned long)n);
}

static void tm_fake_wait_close(void *data, terminus_os_waitset *set)
{
    terminus_fake *fake = data;
    int rc;

    if (tm_fake_enter(fake, TM_FP_WAIT_CLOSE, 1, set, NULL, &rc))
        tm_fake_leave_closing(fake, TM_FP_WAIT_CLOSE, &set->h, "wait_close(%lu procs)",
                              (unsigned long)set->count);
}

/* ------------------------------------------------------------------------ */
/* The caller's own process: exit, listeners, logoff                        */

static int tm_fake_exit_process(void *data, uint32_t exit_code, int fast)
{
    terminus_fake *fake = data;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_EXIT_PROCESS, 1, NULL, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        if (fake->exits < UINT32_MAX)
            fake->exits++;
        fake->exit_code = exit_code;
        fake->exit_fast = fast ? 1 : 0;
    }
    return tm_fake_leave(fake, TM_FP_EXIT_PROCESS, rc, "exit_process(%u, %d) = %d",
                         (unsigned)exit_code, fast, rc);
}

static int tm_fake_listen_start(void *data, const char *message, terminus_os_listen_fn fn,
                                void *arg, terminus_os_listener **out)
{
    terminus_fake *fake = data;
    terminus_os_listener *l;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_LISTEN_START, fn != NULL, NULL, out, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        l = tm_fake_handle_new(fake, sizeof *l, TM_FK_LISTENER);
        if (l == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: listen_start: out of memory");
        } else {
            l->fn = fn;
            l->arg = arg;
            l->serial = ++fake->next_serial;
            *out = l;
        }
    }
    return tm_fake_leave(fake, TM_FP_LISTEN_START, rc, "listen_start(%s%s%s) = %d",
                         TM_FAKE_QUOTED(message), rc);
}

static void tm_fake_listen_stop(void *data, terminus_os_listener *listener)
{
    terminus_fake *fake = data;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_LISTEN_STOP, 1, listener, NULL, &rc))
        return;
    tm_fake_log(fake, TM_FP_LISTEN_STOP, "listen_stop()");
    /* Off the list first: no new delivery finds it. Then wait, asleep, for
     * the deliveries inside its callback to leave it; stopped from its own
     * callback, it cannot wait for itself: the last delivery to leave frees
     * it. */
    tm_fake_unlink(fake, &listener->h);
    if (listener->busy && tm_fake_in_callback == listener) {
        listener->stopped = 1;
    } else {
        while (listener->busy)
            tm_cond_wait(&fake->idle, &fake->lock);
        free(listener);
    }
    tm_mutex_unlock(&fake->lock);
}

static int tm_fake_logoff(void *data, uint32_t flags)
{
    terminus_fake *fake = data;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_LOGOFF, 1, NULL, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        if (fake->logoffs < UINT32_MAX)
            fake->logoffs++;
        fake->logoff_flags = flags;
    }
    return tm_fake_leave(fake, TM_FP_LOGOFF, rc, "logoff(0x%x) = %d", (unsigned)flags, rc);
}

/* ------------------------------------------------------------------------ */
/* Servers and sessions                                                     */

static int tm_fake_server_open(void *data, const char *name, terminus_os_server **out)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_os_server *h;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SERVER_OPEN, 1, NULL, out, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        srv = tm_fake_server_find(fake, name != NULL ? name : "");
        if (srv == NULL) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: server_open(\"%s\"): no such server",
                                   name != NULL ? name : "");
        } else if (!srv->reachable) {
            rc = terminus_os_error(TERMINUS_E_UNAVAILABLE, 0,
                                   "fake: server_open(\"%s\"): the server cannot be reached",
                                   srv->name);
        } else if ((h = tm_fake_handle_new(fake, sizeof *h, TM_FK_SERVER)) == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: server_open: out of memory");
        } else {
            h->server = srv;
            *out = h;
        }
    }
    return tm_fake_leave(fake, TM_FP_SERVER_OPEN, rc, "server_open(%s%s%s) = %d",
                         TM_FAKE_QUOTED(name), rc);
}

static void tm_fake_server_close(void *data, terminus_os_server *server)
{
    terminus_fake *fake = data;
    int rc;

    if (tm_fake_enter(fake, TM_FP_SERVER_CLOSE, 1, server, NULL, &rc))
        tm_fake_leave_closing(fake, TM_FP_SERVER_CLOSE, &server->h, "server_close(\"%s\")",
                              server->server->name);
}

static int tm_fake_session_list(void *data, terminus_os_server *server, terminus_os_session_fn fn,
                                void *arg)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_session_info *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_LIST, fn != NULL, server, NULL, &rc))
        return rc;
    srv = server->server;
    if (rc == TERMINUS_OK && srv->nsessions > 0) {
        /* Copy, so that fn runs without the lock (it may call the fake). */
        copy = malloc(srv->nsessions * sizeof *copy);
        if (copy == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: session_list: out of memory");
        } else {
            for (i = 0; i < srv->nsessions; i++)
                if (!tm_fake_session_gone(fake, &srv->sessions[i]))
                    copy[n++] = srv->sessions[i].info;
        }
    }
    if (rc == TERMINUS_OK && n > 0) {
        tm_mutex_unlock(&fake->lock);
        for (i = 0; i < n && rc == TERMINUS_OK; i++) {
            rc = fn(arg, &copy[i]);
            emitted++;
        }
        tm_mutex_lock(&fake->lock);
    }
    free(copy);
    return tm_fake_leave(fake, TM_FP_SESSION_LIST, rc, "session_list(\"%s\") = %d [%lu sessions]",
                         srv->name, rc, (unsigned long)emitted);
}

static int tm_fake_session_current(void *data, terminus_os_server *server, uint32_t *id)
{
    terminus_fake *fake = data;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_CURRENT, id != NULL, server, NULL, &rc))
        return rc;
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
        return tm_fake_leave(fake, TM_FP_SESSION_CURRENT, rc, "session_current(\"%s\") = 0 [%u]",
                             server->server->name, (unsigned)*id);
    return tm_fake_leave(fake, TM_FP_SESSION_CURRENT, rc, "session_current(\"%s\") = %d",
                         server->server->name, rc);
}

static int tm_fake_session_logoff(void *data, terminus_os_server *server, uint32_t id)
{
    terminus_fake *fake = data;
    struct tm_fake_session *s;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_LOGOFF, 1, server, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        s = tm_fake_session_find(server->server, id);
        if (s == NULL || tm_fake_session_gone(fake, s)) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: session_logoff(\"%s\", %u): no such session",
                                   server->server->name, (unsigned)id);
        } else if (s->behaviour == TERMINUS_FAKE_SESSION_DENIED) {
            rc = terminus_os_error(TERMINUS_E_ACCESS_DENIED, 0,
                                   "fake: session_logoff(\"%s\", %u): access denied",
                                   server->server->name, (unsigned)id);
        } else if (s->behaviour == TERMINUS_FAKE_SESSION_ENDS) {
            uint64_t due = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(s->after_ms));
            if (!s->due_set || due < s->due_us) {
                s->due_set = 1;
                s->due_us = due;
            }
        }
    }
    return tm_fake_leave(fake, TM_FP_SESSION_LOGOFF, rc, "session_logoff(\"%s\", %u) = %d",
                         server->server->name, (unsigned)id, rc);
}

static int tm_fake_session_wait_gone(void *data, terminus_os_server *server, uint32_t id,
                                     uint32_t timeout_ms)
{
    terminus_fake *fake = data;
    struct tm_fake_session *s;
    uint64_t limit;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_WAIT_GONE, 1, server, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        s = tm_fake_session_find(server->server, id);
        limit = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(timeout_ms));
        if (s == NULL || tm_fake_session_gone(fake, s)) {
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
    return tm_fake_leave(fake, TM_FP_SESSION_WAIT_GONE, rc,
                         "session_wait_gone(\"%s\", %u, %lu ms) = %d", server->server->name,
                         (unsigned)id, (unsigned long)timeout_ms, rc);
}

/* ------------------------------------------------------------------------ */
/* Sessions an administrator acts on (shim version 2)                       */

static int tm_fake_session_details(void *data, terminus_os_server *server,
                                   terminus_os_details_fn fn, void *arg)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_session_details *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_DETAILS, fn != NULL, server, NULL, &rc))
        return rc;
    srv = server->server;
    if (rc == TERMINUS_OK && srv->nsessions > 0) {
        /* Copy, so that fn runs without the lock (it may call the fake). */
        copy = malloc(srv->nsessions * sizeof *copy);
        if (copy == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: session_details: out of memory");
        } else {
            for (i = 0; i < srv->nsessions; i++) {
                const struct tm_fake_session *s = &srv->sessions[i];
                terminus_session_details *d = &copy[n];
                if (tm_fake_session_gone(fake, s))
                    continue;
                *d = s->details;
                d->id = s->info.id;
                d->state = s->info.state;
                memcpy(d->name, s->info.name, sizeof d->name);
                memcpy(d->user, s->info.user, sizeof d->user);
                d->now_us = (int64_t)tm_fake_add_sat(TERMINUS_FAKE_EPOCH_US, fake->now_us);
                n++;
            }
        }
    }
    if (rc == TERMINUS_OK && n > 0) {
        tm_mutex_unlock(&fake->lock);
        for (i = 0; i < n && rc == TERMINUS_OK; i++) {
            rc = fn(arg, &copy[i]);
            emitted++;
        }
        tm_mutex_lock(&fake->lock);
    }
    free(copy);
    return tm_fake_leave(fake, TM_FP_SESSION_DETAILS, rc,
                         "session_details(\"%s\") = %d [%lu sessions]", srv->name, rc,
                         (unsigned long)emitted);
}

static int tm_fake_session_message(void *data, terminus_os_server *server, uint32_t id,
                                   const char *title, const char *text, uint32_t timeout_s)
{
    terminus_fake *fake = data;
    struct tm_fake_session *s;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_MESSAGE, title != NULL && text != NULL, server, NULL,
                       &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        s = tm_fake_session_find(server->server, id);
        if (s == NULL || tm_fake_session_gone(fake, s)) {
            rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                   "fake: session_message(\"%s\", %u): no such session",
                                   server->server->name, (unsigned)id);
        } else if (s->message_code != TERMINUS_OK) {
            rc = terminus_os_error(
                s->message_code, 0, "fake: session_message(\"%s\", %u): refused as scripted (%s)",
                server->server->name, (unsigned)id, terminus_error_name(s->message_code));
        } else {
            if (s->messages < UINT32_MAX)
                s->messages++;
            snprintf(s->last_message, sizeof s->last_message, "%s: %s", title, text);
        }
    }
    return tm_fake_leave(fake, TM_FP_SESSION_MESSAGE, rc,
                         "session_message(\"%s\", %u, %s%s%s, %lu s) = %d", server->server->name,
                         (unsigned)id, TM_FAKE_QUOTED(title), (unsigned long)timeout_s, rc);
}

static int tm_fake_session_blockers(void *data, terminus_os_server *server, uint32_t id,
                                    terminus_os_blocker_fn fn, void *arg)
{
    terminus_fake *fake = data;
    struct tm_fake_server *srv;
    terminus_blocker *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_SESSION_BLOCKERS, fn != NULL, server, NULL, &rc))
        return rc;
    srv = server->server;
    if (rc == TERMINUS_OK && srv->nblockers > 0) {
        copy = malloc(srv->nblockers * sizeof *copy);
        if (copy == NULL) {
            rc =
                terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: session_blockers: out of memory");
        } else {
            n = srv->nblockers;
            memcpy(copy, srv->blockers, n * sizeof *copy);
        }
    }
    if (rc == TERMINUS_OK && n > 0) {
        tm_mutex_unlock(&fake->lock);
        for (i = 0; i < n && rc == TERMINUS_OK; i++) {
            rc = fn(arg, &copy[i]);
            emitted++;
        }
        tm_mutex_lock(&fake->lock);
    }
    free(copy);
    return tm_fake_leave(fake, TM_FP_SESSION_BLOCKERS, rc,
                         "session_blockers(\"%s\", %lu) = %d [%lu blockers]", srv->name,
                         (unsigned long)id, rc, (unsigned long)emitted);
}

/* ------------------------------------------------------------------------ */
/* The table                                                                */

const terminus_os tm_fake_table = {
    .version = TERMINUS_OS_VERSION,
    .name = "fake",
    .data = NULL, /* terminus_fake_new() sets each fake's own */
    .system_pid = 1,
    .clock_us = tm_fake_clock_us,
    .self_pid = tm_fake_self_pid,
    .process_open = tm_fake_process_open,
    .process_close = tm_fake_process_close,
    .process_status = tm_fake_process_status,
    .process_request = tm_fake_process_request,
    .process_kill = tm_fake_process_kill,
    .wait_open = tm_fake_wait_open,
    .wait_any = tm_fake_wait_any,
    .wait_close = tm_fake_wait_close,
    .exit_process = tm_fake_exit_process,
    .listen_start = tm_fake_listen_start,
    .listen_stop = tm_fake_listen_stop,
    .logoff = tm_fake_logoff,
    .server_open = tm_fake_server_open,
    .server_close = tm_fake_server_close,
    .session_list = tm_fake_session_list,
    .session_current = tm_fake_session_current,
    .session_logoff = tm_fake_session_logoff,
    .session_wait_gone = tm_fake_session_wait_gone,
    .process_reach = tm_fake_process_reach,
    .process_step = tm_fake_process_step,
    .session_details = tm_fake_session_details,
    .session_message = tm_fake_session_message,
    .session_blockers = tm_fake_session_blockers,
    .process_list = tm_fake_process_list,
    .process_identity = tm_fake_process_identity,
    .boot_id = tm_fake_boot_id,
    .group_open = tm_fake_group_open,
    .group_list = tm_fake_group_list,
    .group_kill = tm_fake_group_kill,
    .group_empty = tm_fake_group_empty,
    .group_close = tm_fake_group_close,
    .traits = 0, /* terminus_fake_set_traits() sets each fake's own */
};
