/*
 * lib/os/fake/api.c: the scripting API of terminus/sys/fake.h (terminus_fake_*):
 * making and freeing a fake, scripting its processes (servers and sessions:
 * api_sessions.c), faults and latency,
 * reading its call log and what the core asked of it, delivering requests
 * to its listeners.
 */
#include <stdlib.h>
#include <string.h>

#include "terminus/terminate.h"

#include "fake.h"

#define TM_FAKE_NULL(fn) terminus_os_error(TERMINUS_E_INVALID, 0, "%s: fake is NULL", fn)

TERMINUS_API int terminus_fake_new(terminus_fake **out)
{
    terminus_fake *fake;

    if (out == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_new: out is NULL");
    *out = NULL;
    fake = calloc(1, sizeof *fake);
    if (fake == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_new: out of memory");
    fake->handles.next = fake->handles.prev = &fake->handles;
    fake->self = 1000;
    fake->current_session = TERMINUS_SESSION_CURRENT;
    memcpy(fake->boot_id, TERMINUS_FAKE_BOOT_ID, sizeof TERMINUS_FAKE_BOOT_ID);
    fake->next_unique = 1;
    if (tm_fake_server_get(fake, "") == NULL) {
        free(fake->servers);
        free(fake);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "terminus_fake_new: out of memory");
    }
    tm_mutex_init(&fake->lock);
    tm_cond_init(&fake->idle);

    fake->os = tm_fake_table;
    fake->os.data = fake;

    *out = fake;
    return TERMINUS_OK;
}

TERMINUS_API void terminus_fake_free(terminus_fake *fake)
{
    size_t i;
    struct tm_fake_handle *h, *next;

    if (fake == NULL)
        return;
    for (h = fake->handles.next; h != &fake->handles; h = next) {
        next = h->next;
        tm_fake_handle_free(h);
    }
    for (i = 0; i < fake->nprocs; i++)
        free(fake->procs[i]);
    free(fake->procs);
    free(fake->killed);
    for (i = 0; i < fake->nservers; i++) {
        free(fake->servers[i]->sessions);
        free(fake->servers[i]->blockers);
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
    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_os");
        return NULL;
    }
    return &fake->os;
}

TERMINUS_API uint64_t terminus_fake_now_us(terminus_fake *fake)
{
    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_now_us");
        return 0;
    }
    return fake->os.clock_us(fake);
}

TERMINUS_API int terminus_fake_advance(terminus_fake *fake, uint64_t us)
{
    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_advance");
    tm_mutex_lock(&fake->lock);
    fake->now_us = tm_fake_add_sat(fake->now_us, us);
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_self(terminus_fake *fake, terminus_pid pid)
{
    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_set_self");
    if (pid == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_set_self: pid 0 is not a process");
    tm_mutex_lock(&fake->lock);
    fake->self = pid;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_add(terminus_fake *fake, terminus_pid pid, int behaviour,
                                           uint32_t after_ms, uint32_t exit_code)
{
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_process_add");
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_proc_add(fake, "terminus_fake_process_add", pid, behaviour, after_ms, exit_code,
                          fake->now_us, NULL);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

TERMINUS_API int terminus_fake_process_get(terminus_fake *fake, terminus_pid pid,
                                           terminus_fake_process_info *info)
{
    struct tm_fake_proc *p;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_process_get");
    if (info == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_process_get: info is NULL");
    tm_mutex_lock(&fake->lock);
    p = tm_fake_proc_last(fake, pid);
    if (p == NULL) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "terminus_fake_process_get: no scripted process %u",
                                 (unsigned)pid);
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

/* The scripted process `pid`, with the lock held; or NULL, the lock not
 * held and the error recorded for `fn`. */
struct tm_fake_proc *tm_fake_proc_locked(terminus_fake *fake, terminus_pid pid, const char *fn)
{
    struct tm_fake_proc *p;

    tm_mutex_lock(&fake->lock);
    p = tm_fake_proc_last(fake, pid);
    if (p == NULL) {
        tm_mutex_unlock(&fake->lock);
        terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "%s: no scripted process %u", fn, (unsigned)pid);
    }
    return p;
}

/* A TERMINUS_STEP_* mask argument: E_INVALID for bits no step has. */
int tm_fake_steps_check(const char *fn, const char *what, uint32_t steps)
{
    if ((steps & ~TERMINUS_STEPS_ALL) != 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: %s has unknown step bits 0x%x", fn,
                                 what, (unsigned)(steps & ~TERMINUS_STEPS_ALL));
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_set_reach(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t reach)
{
    static const char fn[] = "terminus_fake_process_set_reach";
    struct tm_fake_proc *p;
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((rc = tm_fake_steps_check(fn, "reach", reach)) != TERMINUS_OK)
        return rc;
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->reach = reach;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_exit_on(terminus_fake *fake, terminus_pid pid,
                                               uint32_t steps, uint32_t after_ms,
                                               uint32_t exit_code)
{
    static const char fn[] = "terminus_fake_process_exit_on";
    struct tm_fake_proc *p;
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((rc = tm_fake_steps_check(fn, "steps", steps)) != TERMINUS_OK)
        return rc;
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->exit_steps = steps;
    p->after_ms = after_ms;
    p->exit_code = exit_code;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_deny_step(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t steps)
{
    static const char fn[] = "terminus_fake_process_deny_step";
    struct tm_fake_proc *p;
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((rc = tm_fake_steps_check(fn, "steps", steps)) != TERMINUS_OK)
        return rc;
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->denied = steps;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_step_count(terminus_fake *fake, terminus_pid pid,
                                                  uint32_t step, uint32_t *count)
{
    static const char fn[] = "terminus_fake_process_step_count";
    struct tm_fake_proc *p;
    unsigned b;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (count == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: count is NULL", fn);
    *count = 0;
    for (b = 0; b < TM_FAKE_STEPS && step != 1u << b; b++)
        ;
    if (b == TM_FAKE_STEPS || (step & ~TERMINUS_STEPS_ALL) != 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: step 0x%x is not one step bit", fn,
                                 (unsigned)step);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    *count = p->steps[b];
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_fail(terminus_fake *fake, const char *primitive, uint32_t nth,
                                    int persistent, int code, int64_t os_code)
{
    int prim;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_fail");
    if (primitive == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_fail: primitive is NULL");
    prim = strcmp(primitive, "*") == 0 ? TM_FP_ANY : tm_fake_prim_find(primitive);
    if (prim == -2 || (prim >= 0 && !tm_fake_prims[prim].fallible))
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_fail: \"%s\" is not a primitive that can fail",
                                 primitive);
    if (nth == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_fail: nth is 0 (calls count from 1)");
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

TERMINUS_API int terminus_fake_set_handle_limit(terminus_fake *fake, size_t limit)
{
    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_set_handle_limit");
    tm_mutex_lock(&fake->lock);
    fake->handle_limit = limit;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_latency(terminus_fake *fake, const char *primitive, uint32_t us)
{
    int prim;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_set_latency");
    if (primitive == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_set_latency: primitive is NULL");
    prim = strcmp(primitive, "*") == 0 ? TM_FP_ANY : tm_fake_prim_find(primitive);
    if (prim == -2 || (prim >= 0 && !tm_fake_prims[prim].fallible))
        return terminus_os_error(
            TERMINUS_E_INVALID, 0,
            "terminus_fake_set_latency: \"%s\" is not a primitive that returns int", primitive);
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
    if (fake == NULL) {
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
    if (fake == NULL) {
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

    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_call_count");
        return 0;
    }
    if (primitive) {
        prim = tm_fake_prim_find(primitive);
        if (prim < 0) /* not a logged member (clock_us, self_pid, a typo) */
            return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = primitive != NULL ? fake->calls[prim] : fake->calls_total;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API int terminus_fake_call(terminus_fake *fake, size_t index, char *buf, size_t size)
{
    static const char lost[] = "(not recorded: out of memory)";
    const char *text;
    size_t len;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_call");
    if (buf == NULL || size == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_call: buf is NULL or size 0");
    tm_mutex_lock(&fake->lock);
    if (index >= fake->calls_total) {
        tm_mutex_unlock(&fake->lock);
        buf[0] = '\0';
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "terminus_fake_call: index %lu is past the end (%lu calls)",
                                 (unsigned long)index, (unsigned long)fake->calls_total);
    }
    text = index < fake->nlog && fake->log[index].text != NULL ? fake->log[index].text : lost;
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
    if (fake == NULL) {
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
    if (fake == NULL) {
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

    if (fake == NULL)
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
        if (serials == NULL) {
            tm_mutex_unlock(&fake->lock);
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "terminus_fake_deliver: out of memory");
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
        if (l == NULL)
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
    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_exits");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->exits;
    if (exit_code != NULL)
        *exit_code = fake->exit_code;
    if (fast != NULL)
        *fast = fake->exit_fast;
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API uint32_t terminus_fake_logoffs(terminus_fake *fake, uint32_t *flags)
{
    uint32_t n;
    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_logoffs");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    n = fake->logoffs;
    if (flags != NULL)
        *flags = fake->logoff_flags;
    tm_mutex_unlock(&fake->lock);
    return n;
}
