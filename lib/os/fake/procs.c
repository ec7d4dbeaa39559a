/*
 * lib/os/fake/procs.c: what names a scripted process (shim version 2): the
 * members process_list, process_identity and boot_id, adding a process at a
 * given start, and their scripting calls of terminus/sys/fake.h.
 *
 * - A process's start is the virtual time it started. One added with
 *   terminus_fake_process_add() starts at the clock then; one added with
 *   terminus_fake_process_add_at() may start earlier (a process that was
 *   already there) or later: until its start it does not exist (it is not
 *   listed, process_open does not find it, its EXITS_AFTER delay counts from
 *   its start).
 * - A pid is in use while a process that has it runs; it may be given to a
 *   new process whose start comes at or after the end of every process that
 *   had it (ended, or due to end by then): the pid is reused. process_open
 *   opens the process that has the pid now (the last one added of those that
 *   have started); handles already open stay on the process they opened, so
 *   process_identity through them still names the old one (NOT_FOUND once
 *   it has ended). The scripting calls act on the last one added.
 * - Each process gets a unique id (1, 2, 3... in the order added;
 *   terminus_fake_process_set_unique() changes it, 0 = none, as a backend
 *   without one), no parent (0), the image name "fake-<pid>", no session
 *   and no known uid. Parent links stay as set, unless the fake's table has
 *   the trait TERMINUS_OS_REPARENTS (terminus_fake_set_traits): then a
 *   process whose parent has ended is listed with parent 1, as Linux
 *   re-parents it to init.
 * - process_identity reads the process a handle holds, ended or not (as
 *   Windows does while a handle is held, and Linux of a zombie).
 * - process_list lists, in the order added, the processes that have started
 *   and still run; it copies them and calls `fn` without the lock (it may
 *   call the fake). Of the name, uid and session it gives only those the
 *   caller asked for (`fields`), the others left unread (name "", uid and
 *   session none), as a backend may; process_identity gives them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

/* Whether p runs during [from, forever): it has not ended, and is not due to
 * end, by `from`. */
static int tm_fake_proc_runs_at(const terminus_fake *fake, const struct tm_fake_proc *p,
                                uint64_t from)
{
    uint64_t end;

    if (!p->running)
        end = p->ended_us;
    else if (p->due_set)
        end = p->due_us;
    else
        return 1;
    (void)fake;
    return end > from || p->start >= from;
}

int tm_fake_proc_add(terminus_fake *fake, const char *fn, terminus_pid pid, int behaviour,
                     uint32_t after_ms, uint32_t exit_code, uint64_t start_us,
                     struct tm_fake_proc **out)
{
    struct tm_fake_proc *p, **procs;
    size_t i;

    if (out != NULL)
        *out = NULL;
    if (pid == 0)
        return fn == NULL
                   ? TERMINUS_E_INVALID
                   : terminus_os_error(TERMINUS_E_INVALID, 0, "%s: pid 0 is not a process", fn);
    if (behaviour < TERMINUS_FAKE_EXITS_ON_REQUEST || behaviour > TERMINUS_FAKE_KILL_DENIED)
        return fn == NULL ? TERMINUS_E_INVALID
                          : terminus_os_error(TERMINUS_E_INVALID, 0, "%s: unknown behaviour %d", fn,
                                              behaviour);
    for (i = 0; i < fake->nprocs; i++) {
        tm_fake_proc_update(fake, fake->procs[i]);
        if (fake->procs[i]->pid == pid && tm_fake_proc_runs_at(fake, fake->procs[i], start_us))
            return fn == NULL
                       ? TERMINUS_E_INVALID
                       : terminus_os_error(TERMINUS_E_INVALID, 0,
                                           "%s: pid %u is in use (its process runs at %lu us)", fn,
                                           (unsigned)pid, (unsigned long)start_us);
    }
    procs = tm_fake_grow(fake->procs, &fake->capprocs, fake->nprocs + 1, sizeof *fake->procs);
    if (procs != NULL)
        fake->procs = procs;
    if (procs == NULL || (p = calloc(1, sizeof *p)) == NULL)
        return fn == NULL ? TERMINUS_E_NO_MEMORY
                          : terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "%s: out of memory", fn);
    p->pid = pid;
    p->behaviour = behaviour;
    p->after_ms = after_ms;
    p->exit_code = exit_code;
    p->running = 1;
    p->reach = TERMINUS_FAKE_REACH_DEFAULT;
    p->start = start_us;
    p->unique = fake->next_unique++;
    p->session = TERMINUS_SESSION_NONE;
    p->uid = TERMINUS_UID_UNKNOWN;
    snprintf(p->name, sizeof p->name, "fake-%u", (unsigned)pid);
    if (behaviour == TERMINUS_FAKE_EXITS_ON_REQUEST)
        p->exit_steps = TERMINUS_STEP_MESSAGE;
    if (behaviour == TERMINUS_FAKE_GONE) {
        p->running = 0;
        p->end_code = exit_code;
        p->ended_us = start_us;
    } else if (behaviour == TERMINUS_FAKE_EXITS_AFTER) {
        p->due_set = 1;
        p->due_us = tm_fake_add_sat(start_us, tm_fake_ms_to_us(after_ms));
    }
    fake->procs[fake->nprocs++] = p;
    if (out != NULL)
        *out = p;
    return TERMINUS_OK;
}

/* ------------------------------------------------------------------------ */
/* The members                                                              */

/* What names p: pid, ppid and start always; of the others only `fields`
 * (TERMINUS_OS_LIST_*), the rest left unread as a backend may leave them, so
 * that a core that reads a field it did not ask for is caught. */
void tm_fake_proc_info(terminus_fake *fake, const struct tm_fake_proc *p, uint32_t fields,
                       terminus_process_info *info)
{
    memset(info, 0, sizeof *info);
    info->pid = p->pid;
    info->ppid = p->ppid;
    if (fake->os.traits & TERMINUS_OS_REPARENTS) {
        /* Linux: re-parented to init (pid 1) once its parent (the last
         * process with that pid started no later than it) has ended */
        for (size_t i = fake->nprocs; i-- > 0;) {
            struct tm_fake_proc *q = fake->procs[i];

            if (q->pid == p->ppid && q->start <= p->start) {
                tm_fake_proc_update(fake, q);
                if (!q->running)
                    info->ppid = 1;
                break;
            }
        }
    }
    info->start = p->start;
    info->session = (fields & TERMINUS_OS_LIST_SESSION) ? p->session : TERMINUS_SESSION_NONE;
    info->uid = (fields & TERMINUS_OS_LIST_UID) ? p->uid : TERMINUS_UID_UNKNOWN;
    if (fields & TERMINUS_OS_LIST_NAME)
        memcpy(info->name, p->name, sizeof info->name);
}

int tm_fake_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg)
{
    terminus_fake *fake = data;
    terminus_process_info *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_LIST, fn != NULL, NULL, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK && fake->nprocs > 0) {
        copy = malloc(fake->nprocs * sizeof *copy);
        if (copy == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: process_list: out of memory");
        } else {
            for (i = 0; i < fake->nprocs; i++) {
                struct tm_fake_proc *p = fake->procs[i];

                tm_fake_proc_update(fake, p);
                if (p->running && p->start <= fake->now_us)
                    tm_fake_proc_info(fake, p, fields, &copy[n++]);
            }
        }
    }
    if (rc == TERMINUS_OK)
        rc = tm_fake_emit_procs(fake, copy, n, fn, arg, &emitted);
    free(copy);
    return tm_fake_leave(fake, TM_FP_PROCESS_LIST, rc, "process_list(0x%x) = %d [%lu processes]",
                         (unsigned)fields, rc, (unsigned long)emitted);
}

int tm_fake_emit_procs(terminus_fake *fake, const terminus_process_info *v, size_t n,
                       terminus_os_process_fn fn, void *arg, size_t *emitted)
{
    int rc = TERMINUS_OK;

    if (n == 0)
        return rc;
    tm_mutex_unlock(&fake->lock); /* fn may call the fake */
    for (size_t i = 0; i < n && rc == TERMINUS_OK; i++) {
        rc = fn(arg, &v[i]);
        (*emitted)++;
    }
    tm_mutex_lock(&fake->lock);
    return rc;
}

int tm_fake_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                             uint64_t *unique)
{
    terminus_fake *fake = data;
    struct tm_fake_proc *p;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_PROCESS_IDENTITY, info != NULL && unique != NULL, proc, NULL,
                       &rc))
        return rc;
    p = proc->proc;
    if (rc != TERMINUS_OK)
        return tm_fake_leave(fake, TM_FP_PROCESS_IDENTITY, rc, "process_identity(%u) = %d",
                             (unsigned)p->pid, rc);
    tm_fake_proc_info(fake, p, TERMINUS_OS_LIST_ALL, info);
    *unique = p->unique;
    return tm_fake_leave(fake, TM_FP_PROCESS_IDENTITY, rc,
                         "process_identity(%u) = 0 [start %lu, unique %lu]", (unsigned)p->pid,
                         (unsigned long)p->start, (unsigned long)p->unique);
}

int tm_fake_boot_id(void *data, char *buf, size_t size)
{
    terminus_fake *fake = data;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_BOOT_ID, buf != NULL && size >= 64, NULL, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK)
        memcpy(buf, fake->boot_id, sizeof fake->boot_id);
    return tm_fake_leave(fake, TM_FP_BOOT_ID, rc, "boot_id() = %d [\"%s\"]", rc,
                         rc == TERMINUS_OK ? fake->boot_id : "");
}

/* ------------------------------------------------------------------------ */
/* The scripting calls                                                      */

#define TM_FAKE_NULL(fn) terminus_os_error(TERMINUS_E_INVALID, 0, "%s: fake is NULL", fn)

/* The length of `s` if it is shorter than `max` bytes, else `max`. */
static size_t tm_fake_len(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

TERMINUS_API int terminus_fake_process_add_at(terminus_fake *fake, terminus_pid pid, int behaviour,
                                              uint32_t after_ms, uint32_t exit_code,
                                              uint64_t start_us)
{
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_process_add_at");
    tm_mutex_lock(&fake->lock);
    rc = tm_fake_proc_add(fake, "terminus_fake_process_add_at", pid, behaviour, after_ms, exit_code,
                          start_us, NULL);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

TERMINUS_API int terminus_fake_process_set_parent(terminus_fake *fake, terminus_pid pid,
                                                  terminus_pid ppid)
{
    static const char fn[] = "terminus_fake_process_set_parent";
    struct tm_fake_proc *p;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->ppid = ppid;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_set_name(terminus_fake *fake, terminus_pid pid,
                                                const char *name)
{
    static const char fn[] = "terminus_fake_process_set_name";
    struct tm_fake_proc *p;
    size_t len;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (name == NULL || (len = tm_fake_len(name, 256)) == 0 || len >= 256)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "%s: name is NULL, empty or 256 bytes or more", fn);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    memset(p->name, 0, sizeof p->name);
    memcpy(p->name, name, len);
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_set_owner(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t session, uint32_t uid)
{
    static const char fn[] = "terminus_fake_process_set_owner";
    struct tm_fake_proc *p;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->session = session;
    p->uid = uid;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_set_unique(terminus_fake *fake, terminus_pid pid,
                                                  uint64_t unique)
{
    static const char fn[] = "terminus_fake_process_set_unique";
    struct tm_fake_proc *p;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->unique = unique;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_process_fork_on(terminus_fake *fake, terminus_pid pid,
                                               uint32_t steps, terminus_pid child,
                                               uint32_t generations, int behaviour,
                                               uint32_t after_ms, uint32_t exit_code)
{
    static const char fn[] = "terminus_fake_process_fork_on";
    struct tm_fake_proc *p;
    int rc;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((rc = tm_fake_steps_check(fn, "steps", steps)) != TERMINUS_OK)
        return rc;
    if (child == 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: child pid 0 is not a process", fn);
    if (behaviour < TERMINUS_FAKE_EXITS_ON_REQUEST || behaviour > TERMINUS_FAKE_KILL_DENIED)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: unknown behaviour %d", fn, behaviour);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->fork_steps = steps;
    p->fork_pid = child;
    p->fork_generations = generations > 0 ? generations : 1;
    p->fork_behaviour = behaviour;
    p->fork_after_ms = after_ms;
    p->fork_exit_code = exit_code;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_boot_id(terminus_fake *fake, const char *boot)
{
    static const char fn[] = "terminus_fake_set_boot_id";
    size_t len;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (boot == NULL || (len = tm_fake_len(boot, 64)) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: boot is NULL or 64 bytes or more", fn);
    tm_mutex_lock(&fake->lock);
    memset(fake->boot_id, 0, sizeof fake->boot_id);
    memcpy(fake->boot_id, boot, len);
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_traits(terminus_fake *fake, uint32_t traits)
{
    static const char fn[] = "terminus_fake_set_traits";
    const uint32_t known = TERMINUS_OS_NAMES_NOCASE | TERMINUS_OS_REPARENTS;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((traits & ~known) != 0)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: unknown trait bits 0x%x", fn,
                                 (unsigned)(traits & ~known));
    tm_mutex_lock(&fake->lock);
    fake->os.traits = traits;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}
