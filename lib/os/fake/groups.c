/*
 * lib/os/fake/groups.c: the groups that hold a tree (shim version 2: the
 * members group_open, group_list, group_kill, group_empty and group_close
 * of include/terminus/sys/os.h) and their scripting calls of
 * terminus/sys/fake.h.
 *
 * - A group is a number (not 0): a scripted process is in at most one
 *   (terminus_fake_process_set_group; none by default) and a child it forks
 *   (terminus_fake_process_fork_on) is in its parent's. The caller's own
 *   group is terminus_fake_set_self_group()'s (none by default).
 * - group_open with `job` NULL finds the group of the process, as Linux
 *   finds its cgroup: E_NOT_FOUND when it is in none or in the caller's
 *   own. With a `job`, the job is the group whose number is the pointer's
 *   value ((void *)(uintptr_t)number), as Windows is given a job HANDLE:
 *   E_REFUSED when the caller's own group is that one, E_INVALID when the
 *   process is not in it. A process the fake scripts with the caller's pid
 *   (terminus_fake_set_self) is listed like any other: a caller in a
 *   group below the one opened, as a cgroup below it would be.
 * - group_list lists the processes of the group that have started and still
 *   run (fields 0: pid, parent link, start), copies them and calls `fn`
 *   without the lock, as process_list does. In a group found without a job
 *   (Linux), a DENIED process is given with pid 0 (parent 0, start 0), as
 *   Linux gives a process in the cgroup it cannot tell or may not signal.
 * - group_kill ends every running process of the group at once with the
 *   kill's exit code (counted as a kill; an UNKILLABLE one stays, a
 *   KILL_DENIED one does not: the group's kill does not ask each process),
 *   and from then on a process that starts in the group (a fork racing the
 *   kill) or is put in it ends at once.
 * - group_empty says whether the group has no running process.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fake.h"

static const struct tm_fake_group *tm_fake_killed_find(const terminus_fake *fake, uint32_t id)
{
    for (size_t i = 0; i < fake->nkilled; i++) {
        if (fake->killed[i].id == id)
            return &fake->killed[i];
    }
    return NULL;
}

/* End p now (at `at`) by its group's kill, unless nothing ends it. */
static void tm_fake_group_end(struct tm_fake_proc *p, uint64_t at, uint32_t code)
{
    if (p->kills < UINT32_MAX)
        p->kills++;
    if (p->behaviour == TERMINUS_FAKE_UNKILLABLE)
        return;
    p->running = 0;
    p->due_set = 0;
    p->end_code = code;
    p->ended_us = at;
}

void tm_fake_group_update(terminus_fake *fake, struct tm_fake_proc *p)
{
    const struct tm_fake_group *g;

    if (!p->running || p->group == 0 || p->start > fake->now_us || fake->nkilled == 0)
        return;
    g = tm_fake_killed_find(fake, p->group);
    if (g != NULL && p->start > g->killed_us && p->behaviour != TERMINUS_FAKE_UNKILLABLE)
        tm_fake_group_end(p, p->start, g->code); /* it started in a group killed before */
}

/* Whether p is a running member of group `id` now. */
static int tm_fake_in_group(terminus_fake *fake, struct tm_fake_proc *p, uint32_t id)
{
    if (p->group != id || p->start > fake->now_us)
        return 0;
    tm_fake_proc_update(fake, p);
    return p->running;
}

int tm_fake_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out)
{
    terminus_fake *fake = data;
    terminus_os_group *h;
    struct tm_fake_proc *p;
    uintptr_t want = (uintptr_t)job;
    uint32_t id = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_GROUP_OPEN, 1, proc, out, &rc))
        return rc;
    p = proc->proc;
    if (rc != TERMINUS_OK) {
        /* the fault */
    } else if (job == NULL && p->group == 0) {
        rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "fake: group_open(%u): in no group",
                               (unsigned)p->pid);
    } else if (job == NULL && p->group == fake->self_group) {
        rc = terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                               "fake: group_open(%u): group %lu is the caller's own",
                               (unsigned)p->pid, (unsigned long)p->group);
    } else if (job != NULL && ((uint64_t)want > UINT32_MAX || p->group != want)) {
        rc = terminus_os_error(TERMINUS_E_INVALID, 0, "fake: group_open(%u): not in job %lu",
                               (unsigned)p->pid, (unsigned long)want);
    } else if (job != NULL && want == fake->self_group) {
        rc = terminus_os_error(TERMINUS_E_REFUSED, 0,
                               "fake: group_open(%u): the caller is in job %lu", (unsigned)p->pid,
                               (unsigned long)want);
    } else if ((h = tm_fake_handle_new(fake, sizeof *h, TM_FK_GROUP)) == NULL) {
        rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: group_open(%u): out of memory",
                               (unsigned)p->pid);
    } else {
        id = p->group;
        h->id = id;
        h->job = job != NULL;
        *out = h;
    }
    if (job == NULL)
        return tm_fake_leave(fake, TM_FP_GROUP_OPEN, rc, "group_open(%u, NULL) = %d [group %lu]",
                             (unsigned)p->pid, rc, (unsigned long)id);
    return tm_fake_leave(fake, TM_FP_GROUP_OPEN, rc, "group_open(%u, %lu) = %d", (unsigned)p->pid,
                         (unsigned long)want, rc);
}

int tm_fake_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg)
{
    terminus_fake *fake = data;
    terminus_process_info *copy = NULL;
    size_t i, n = 0, emitted = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_GROUP_LIST, fn != NULL, group, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK && fake->nprocs > 0) {
        copy = malloc(fake->nprocs * sizeof *copy);
        if (copy == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "fake: group_list: out of memory");
        } else {
            for (i = 0; i < fake->nprocs; i++) {
                if (!tm_fake_in_group(fake, fake->procs[i], group->id))
                    continue;
                tm_fake_proc_info(fake, fake->procs[i], 0, &copy[n]);
                if (!group->job && fake->procs[i]->behaviour == TERMINUS_FAKE_DENIED) {
                    copy[n].pid = 0; /* one it cannot tell */
                    copy[n].ppid = 0;
                    copy[n].start = 0;
                }
                n++;
            }
        }
    }
    if (rc == TERMINUS_OK)
        rc = tm_fake_emit_procs(fake, copy, n, fn, arg, &emitted);
    free(copy);
    return tm_fake_leave(fake, TM_FP_GROUP_LIST, rc, "group_list(%lu) = %d [%lu processes]",
                         (unsigned long)group->id, rc, (unsigned long)emitted);
}

int tm_fake_group_kill(void *data, terminus_os_group *group, uint32_t exit_code)
{
    terminus_fake *fake = data;
    struct tm_fake_group *killed;
    size_t i, n = 0;
    int rc;

    if (!tm_fake_enter(fake, TM_FP_GROUP_KILL, 1, group, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK && tm_fake_killed_find(fake, group->id) == NULL) {
        killed =
            tm_fake_grow(fake->killed, &fake->capkilled, fake->nkilled + 1, sizeof *fake->killed);
        if (killed == NULL) {
            rc = terminus_os_error(TERMINUS_E_OS, 0, "fake: group_kill(%lu): out of memory",
                                   (unsigned long)group->id);
        } else {
            fake->killed = killed;
            fake->killed[fake->nkilled].id = group->id;
            fake->nkilled++;
        }
    }
    if (rc == TERMINUS_OK) {
        for (i = 0; i < fake->nkilled; i++) {
            if (fake->killed[i].id == group->id) {
                fake->killed[i].killed_us = fake->now_us;
                fake->killed[i].code = exit_code;
            }
        }
        for (i = 0; i < fake->nprocs; i++) {
            if (tm_fake_in_group(fake, fake->procs[i], group->id)) {
                tm_fake_group_end(fake->procs[i], fake->now_us, exit_code);
                n++;
            }
        }
    }
    return tm_fake_leave(fake, TM_FP_GROUP_KILL, rc, "group_kill(%lu, %lu) = %d [%lu killed]",
                         (unsigned long)group->id, (unsigned long)exit_code, rc, (unsigned long)n);
}

int tm_fake_group_empty(void *data, terminus_os_group *group, int *empty)
{
    terminus_fake *fake = data;
    size_t i;
    int rc, none = 1;

    if (!tm_fake_enter(fake, TM_FP_GROUP_EMPTY, empty != NULL, group, NULL, &rc))
        return rc;
    if (rc == TERMINUS_OK) {
        for (i = 0; i < fake->nprocs && none; i++)
            none = !tm_fake_in_group(fake, fake->procs[i], group->id);
        *empty = none;
    }
    return tm_fake_leave(fake, TM_FP_GROUP_EMPTY, rc, "group_empty(%lu) = %d%s",
                         (unsigned long)group->id, rc,
                         rc != TERMINUS_OK ? ""
                         : none            ? " [empty]"
                                           : " [not empty]");
}

void tm_fake_group_close(void *data, terminus_os_group *group)
{
    terminus_fake *fake = data;
    int rc;

    if (tm_fake_enter(fake, TM_FP_GROUP_CLOSE, 1, group, NULL, &rc))
        tm_fake_leave_closing(fake, TM_FP_GROUP_CLOSE, &group->h, "group_close(%lu)",
                              (unsigned long)group->id);
}

/* ------------------------------------------------------------------------ */
/* The scripting calls                                                      */

TERMINUS_API int terminus_fake_process_set_group(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t group)
{
    static const char fn[] = "terminus_fake_process_set_group";
    const struct tm_fake_group *g;
    struct tm_fake_proc *p;

    if (fake == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: fake is NULL", fn);
    if ((p = tm_fake_proc_locked(fake, pid, fn)) == NULL)
        return TERMINUS_E_NOT_FOUND;
    p->group = group;
    g = group != 0 ? tm_fake_killed_find(fake, group) : NULL;
    if (g != NULL && p->running && p->start <= fake->now_us)
        tm_fake_group_end(p, fake->now_us, g->code); /* put in a group that was killed */
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_self_group(terminus_fake *fake, uint32_t group)
{
    if (fake == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_set_self_group: fake is NULL");
    tm_mutex_lock(&fake->lock);
    fake->self_group = group;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}
