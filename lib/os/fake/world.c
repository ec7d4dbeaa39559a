/*
 * lib/os/fake/world.c: the scripted world of the fake OS (processes, servers,
 * sessions, the virtual clock) and the registry of the handles it gives out.
 *
 * - A virtual clock in microseconds, starting at 0. It moves only in
 *   terminus_fake_advance(), by the latency of a call
 *   (terminus_fake_set_latency) and when a wait would block (wait_any,
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
 * - The close chain (shim version 2). Each process has the steps that can
 *   reach it (`reach`, TERMINUS_FAKE_REACH_DEFAULT: the message and the
 *   signals, as a Linux process; no window, no console), the steps it
 *   refuses (`denied`: E_ACCESS_DENIED, as UIPI refuses a post to an
 *   elevated window) and the steps it leaves after (`exit_steps`, with
 *   after_ms and exit_code; EXITS_ON_REQUEST is exit_steps = MESSAGE).
 *   process_reach gives reach & steps for a running process, 0 for an ended
 *   one; process_step of a step outside reach is E_UNREACHABLE, of a denied
 *   one E_ACCESS_DENIED, of a step no version knows E_UNSUPPORTED, on an
 *   ended process E_NOT_FOUND; a step that arrives is counted (a MESSAGE
 *   step also as a request) and, if it is one of exit_steps, makes the
 *   process due after_ms later (an earlier due time stays: the first such
 *   step counts). process_request is the MESSAGE step of a version-1 table:
 *   it reaches every running process and is never denied.
 * - Servers: "" is the local machine and is always there and reachable;
 *   terminus_fake_server_add() adds others, reachable or not. A server made
 *   unreachable after it was opened makes the session calls on its open
 *   handles fail with E_UNAVAILABLE (a dropped connection).
 * - Sessions per server. A session logged off with behaviour ENDS is gone
 *   after_ms later (lazily, like processes); DENIED refuses the logoff with
 *   E_ACCESS_DENIED; HANGS accepts it and never goes. A second logoff of a
 *   session already on its way out does not move its due time (the earlier
 *   of the two stays). terminus_fake_session_end_after() makes a session go
 *   by itself (its user logs off), whatever its behaviour.
 * - Each session's details (terminus_fake_session_set_details: type,
 *   class, remote, idle hint, times, client, address, seat, tty; unknown
 *   until set), given by session_details with the state, name and user of
 *   session_list and now_us = TERMINUS_FAKE_EPOCH_US + the virtual clock.
 *   Messages (session_message) are counted and the last one kept; a session
 *   can be made to refuse them with a code (terminus_fake_session_set_message).
 *   Blockers (terminus_fake_blocker_add) belong to a server: session_blockers
 *   lists them whatever the session.
 * - What names a process (shim version 2; lib/os/fake/procs.c): its start
 *   (the virtual time it started; a process added to start later does not
 *   exist until then), a unique id, a parent link, an image name, a session
 *   and a uid; the boot id. A pid may be used again once its process has
 *   ended (or is due to end) by the new one's start: process_open then
 *   opens the new one, the handles of the old one stay on the old one.
 * - Groups (groups.c): the group each process is in (a cgroup, a job
 *   object), inherited by the children it forks; the caller's own group.
 * - The caller's own process: pid 1000 by default (terminus_fake_set_self),
 *   its session on the local server (terminus_fake_set_current_session,
 *   none by default), the exits and logoffs the core asked for, and its
 *   listeners, which terminus_fake_deliver() calls on the calling thread.
 * - A limit on open handles (terminus_fake_set_handle_limit, none by
 *   default): at that many handles of any kind, process_open and wait_open
 *   fail with E_NO_MEMORY and os_code 24 (EMFILE), as a full descriptor
 *   table makes pidfd_open and epoll_create1 fail on Linux. It is checked
 *   after the process is found, as the kernel does.
 *
 * Everything here is called with the fake's lock held unless said otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "fake.h"

void *tm_fake_grow(void *arr, size_t *cap, size_t need, size_t size)
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
    if (p == NULL)
        return NULL;
    *cap = ncap;
    return p;
}

uint64_t tm_fake_ms_to_us(uint32_t ms)
{
    return (uint64_t)ms * 1000u;
}

uint64_t tm_fake_add_sat(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                */

struct tm_fake_proc *tm_fake_proc_find(terminus_fake *fake, terminus_pid pid)
{
    size_t i;
    for (i = fake->nprocs; i-- > 0;)
        if (fake->procs[i]->pid == pid && fake->procs[i]->start <= fake->now_us)
            return fake->procs[i];
    return NULL;
}

struct tm_fake_proc *tm_fake_proc_last(terminus_fake *fake, terminus_pid pid)
{
    size_t i;
    for (i = fake->nprocs; i-- > 0;)
        if (fake->procs[i]->pid == pid)
            return fake->procs[i];
    return NULL;
}

void tm_fake_proc_update(terminus_fake *fake, struct tm_fake_proc *p)
{
    tm_fake_group_update(fake, p);
    if (p->running && p->due_set && p->due_us <= fake->now_us && p->start <= fake->now_us) {
        p->running = 0;
        p->end_code = p->exit_code;
        p->ended_us = p->due_us;
    }
}

void tm_fake_proc_step_arrived(terminus_fake *fake, struct tm_fake_proc *p, uint32_t step)
{
    uint64_t due;
    unsigned b;

    for (b = 0; b < TM_FAKE_STEPS; b++) {
        if (step == 1u << b && p->steps[b] < UINT32_MAX)
            p->steps[b]++;
    }
    if (step == TERMINUS_STEP_MESSAGE && p->requests < UINT32_MAX)
        p->requests++;
    if ((step & p->fork_steps) != 0 && p->fork_pid != 0) {
        /* It forks its child once (terminus_fake_process_fork_on); a pid in
         * use makes the fork fail, as the scripting says. */
        struct tm_fake_proc *child = NULL;
        terminus_pid pid = p->fork_pid;

        p->fork_pid = 0;
        if (tm_fake_proc_add(fake, NULL, pid, p->fork_behaviour, p->fork_after_ms,
                             p->fork_exit_code, fake->now_us, &child) == TERMINUS_OK) {
            child->ppid = p->pid;
            child->session = p->session;
            child->uid = p->uid;
            child->group = p->group;
            memcpy(child->name, p->name, sizeof child->name);
            if (p->fork_generations > 1 && pid < INT32_MAX) {
                child->fork_steps = p->fork_steps;
                child->fork_pid = pid + 1;
                child->fork_generations = p->fork_generations - 1;
                child->fork_behaviour = p->fork_behaviour;
                child->fork_after_ms = p->fork_after_ms;
                child->fork_exit_code = p->fork_exit_code;
            }
        }
    }
    if ((step & p->exit_steps) == 0)
        return;
    due = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(p->after_ms));
    if (!p->due_set || due < p->due_us) {
        p->due_set = 1;
        p->due_us = due;
    }
}

void tm_fake_proc_end_now(terminus_fake *fake, struct tm_fake_proc *p, uint32_t code)
{
    p->running = 0;
    p->due_set = 0;
    p->end_code = code;
    p->ended_us = fake->now_us;
}

/* ------------------------------------------------------------------------ */
/* Servers and sessions                                                     */

struct tm_fake_server *tm_fake_server_find(terminus_fake *fake, const char *name)
{
    size_t i;
    for (i = 0; i < fake->nservers; i++)
        if (strcmp(fake->servers[i]->name, name) == 0)
            return fake->servers[i];
    return NULL;
}

struct tm_fake_server *tm_fake_server_get(terminus_fake *fake, const char *name)
{
    struct tm_fake_server *s = tm_fake_server_find(fake, name);
    struct tm_fake_server **arr;
    if (s != NULL)
        return s;
    arr = tm_fake_grow(fake->servers, &fake->capservers, fake->nservers + 1, sizeof *fake->servers);
    if (arr == NULL)
        return NULL;
    fake->servers = arr;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    memcpy(s->name, name, strlen(name) + 1);
    s->reachable = 1;
    fake->servers[fake->nservers++] = s;
    return s;
}

int tm_fake_session_gone(const terminus_fake *fake, const struct tm_fake_session *s)
{
    return s->due_set && s->due_us <= fake->now_us;
}

struct tm_fake_session *tm_fake_session_find(struct tm_fake_server *srv, uint32_t id)
{
    size_t i;
    for (i = 0; i < srv->nsessions; i++)
        if (srv->sessions[i].info.id == id)
            return &srv->sessions[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The handles                                                              */

void tm_fake_link(terminus_fake *fake, struct tm_fake_handle *h, int kind)
{
    h->fake = fake;
    h->kind = kind;
    h->next = &fake->handles;
    h->prev = fake->handles.prev;
    fake->handles.prev->next = h;
    fake->handles.prev = h;
    fake->nhandles++;
}

void tm_fake_unlink(terminus_fake *fake, struct tm_fake_handle *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->prev = h->next = NULL;
    h->kind = 0;
    fake->nhandles--;
}

/* An O(1) check of the handle's head: it catches a handle of another fake or
 * of another kind, and (since a closed handle's kind is wiped before it is
 * freed) most uses of a closed one; it cannot make a freed pointer safe to
 * pass. For TM_FK_PROCESSES, `h` is a struct tm_fake_procs, each of whose
 * handles must be a process handle of this fake. */
int tm_fake_owns(terminus_fake *fake, const void *h, int kind)
{
    const struct tm_fake_handle *hh = h;
    if (kind == TM_FK_PROCESSES) {
        const struct tm_fake_procs *list = h;
        size_t i;
        for (i = 0; i < list->count; i++)
            if (!tm_fake_owns(fake, list->procs[i], TM_FK_PROCESS))
                return 0;
        return 1;
    }
    return hh != NULL && hh->fake == fake && hh->kind == kind;
}

void tm_fake_clear_out(void *out, int kind)
{
    switch (kind) {
    case TM_FK_PROCESS:
        *(terminus_os_process **)out = NULL;
        break;
    case TM_FK_WAITSET:
        *(terminus_os_waitset **)out = NULL;
        break;
    case TM_FK_SERVER:
        *(terminus_os_server **)out = NULL;
        break;
    case TM_FK_LISTENER:
        *(terminus_os_listener **)out = NULL;
        break;
    case TM_FK_GROUP:
        *(terminus_os_group **)out = NULL;
        break;
    default:
        break;
    }
}

void *tm_fake_handle_new(terminus_fake *fake, size_t size, int kind)
{
    struct tm_fake_handle *h = calloc(1, size);
    if (h != NULL)
        tm_fake_link(fake, h, kind);
    return h;
}

/* Free a handle that is off the list (its kind wiped) or never left it. */
static void tm_fake_handle_release(struct tm_fake_handle *h, int kind)
{
    if (kind == TM_FK_WAITSET) {
        terminus_os_waitset *set = (terminus_os_waitset *)h;
        free(set->procs);
        free(set->reported);
    }
    free(h);
}

void tm_fake_handle_close(terminus_fake *fake, struct tm_fake_handle *h)
{
    int kind = h->kind;
    tm_fake_unlink(fake, h);
    tm_fake_handle_release(h, kind);
}

void tm_fake_handle_free(struct tm_fake_handle *h)
{
    tm_fake_handle_release(h, h->kind);
}

/* Linux's EMFILE, so that a fake's record reads like a real one. */
#define TM_FAKE_EMFILE 24

int tm_fake_handle_room(terminus_fake *fake, const char *what)
{
    if (fake->handle_limit == 0 || fake->nhandles < fake->handle_limit)
        return TERMINUS_OK;
    return terminus_os_error(TERMINUS_E_NO_MEMORY, TM_FAKE_EMFILE,
                             "fake: %s: out of handles (EMFILE: %lu open, the limit)", what,
                             (unsigned long)fake->nhandles);
}
