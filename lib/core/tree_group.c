/*
 * lib/core/tree_group.c: the OS group that may hold a tree of
 * TERMINUS_TERMINATE_TREE (include/terminus/process.h, "Groups"): a cgroup
 * v2 on Linux, a job object on Windows, behind the shim members group_open
 * to group_close (include/terminus/sys/os.h). Who the members are without a
 * group is lib/core/tree.c's walk; this file decides when a group is the
 * tree and what it changes.
 *
 * When a group is the tree
 * ------------------------
 * Each target is opened and its identity checked (lib/core/terminate.c);
 * then, with the table's group members:
 * - A job given (terminus_terminate_options::job): the caller's statement
 *   that the job is the tree. Every process group_list gives is a member,
 *   whatever its parent link; the process list is never walked. Whatever
 *   makes the job unusable is the target's error, and nothing is sent to its
 *   tree: group_open's code (E_INVALID: the target is not in the job;
 *   E_REFUSED: the caller is; E_UNSUPPORTED: no jobs, as on Linux), a
 *   group_list that fails, the caller's pid in the listing (E_REFUSED). The
 *   job is opened even for a target that has already ended: the rest of the
 *   job is still its tree.
 * - No job (Linux finds the target's cgroup): the group is used only when it
 *   holds the tree alone: every process it lists is the target or descends
 *   from it through processes it lists (parent link to parent link, each
 *   child started no earlier than its parent), and the caller is not in it.
 *   A re-parented daemon in the cgroup, an outsider, the caller, a process
 *   the backend cannot tell (listed with pid 0): the group is closed and
 *   the process list walked, as without a group (the daemon stays outside
 *   the tree, as a walk leaves it). A member the walk found that is not in
 *   the group (a child put in a cgroup of its own) keeps the walk going
 *   beside the group, so that what it forks is still found. Any failure of group_open
 *   or group_list means the walk too, silently: the group is a help the
 *   caller did not ask for, and the walk is the tree terminate that works
 *   everywhere; the record of the call is then the walk's.
 *
 * What a group changes
 * --------------------
 * - The scans (lib/core/tree.c, "Rounds") list the group (group_list)
 *   instead of every process (once every tree is a group and none reaches
 *   outside its group), and the scans
 *   that a walk spares once every member has ended (TERMINUS_OS_REPARENTS)
 *   are made: a group still lists what its members forked.
 * - Each member is still opened, checked and asked with the one shared
 *   grace, and killed one by one when the grace ends (each target's outcome
 *   is its own). Then the group is killed once (group_kill: it catches what
 *   was forked during the kills; atomically on Linux), if a member of the
 *   tree was killed or the group is not empty; at once with FORCE (every
 *   member is killed at once), never with NO_FORCE.
 * - What starts in the group or is put in it during the grace is of the
 *   tree (a member's orphan stays in its cgroup: only the group finds it),
 *   except a process the backend cannot tell (pid 0): the group is then
 *   dropped before its kill could reach it, and the tree walked.
 * - After the last scan, the group says whether anything is left in it
 *   (group_empty); what group_list still lists then and is no member yet
 *   is appended as a member that escaped (E_TIMEOUT, or the code of a
 *   group_kill that failed). A group that cannot be listed then fails the
 *   tree with that code.
 * - A tree found in several batches (more members than handles) has its
 *   group killed and looked at in the batch that holds the last of its
 *   members still to settle, so that no member loses its grace.
 * - Every group opened is closed at the end of the call (tm_tree_free).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

/* Whether the table has every member a group needs. */
static int has_groups(const terminus_os *os)
{
    return TM_HAS(os, group_open) && TM_HAS(os, group_list) && TM_HAS(os, group_kill) &&
           TM_HAS(os, group_empty) && TM_HAS(os, group_close);
}

static terminus_pid self_pid(const terminus_os *os)
{
    return os->self_pid != NULL ? os->self_pid(os->data) : 0;
}

/* Whether the group's listing (tree->gsnap) holds root i's tree alone: the
 * root, and processes that descend from it through processes listed there;
 * never the caller. */
static int holds_tree_alone(const tm_run *r, size_t i)
{
    const tm_snap *s = &r->tree->gsnap;
    const terminus_pid root = r->pids[i], self = self_pid(r->os);
    const tm_proc *e = tm_snap_find(s, root);

    if (!r->t[i].start_known || e == NULL || e->start != r->t[i].start)
        return 0; /* the root is not listed as itself */
    for (size_t k = 0; k < s->n; k++) {
        const tm_proc *cur = &s->v[k];

        if (cur->pid == self || cur->pid == 0)
            return 0; /* the caller, or a process the backend could not tell */
        for (size_t hops = 0; cur->pid != root; hops++) {
            const tm_proc *p = tm_snap_find(s, cur->ppid);

            if (p == NULL || p == cur || p->start > cur->start || hops >= s->n)
                return 0; /* a link out of the group, or a stale one */
            cur = p;
        }
    }
    return 1;
}

/* Whether a member of root i's tree that the walk found (a process listed
 * as itself, not the root) is missing from the group's listing: a process of
 * the tree in another cgroup (systemd-run --scope), whose forks only a walk
 * finds. */
static int reaches_outside(const tm_run *r, size_t i)
{
    const tm_snap *s = &r->tree->gsnap;

    for (size_t j = 0; j < r->count; j++) {
        const tm_proc *e;
        uint64_t start;

        if (j == i || r->t[j].root != i || !tm_target_start(&r->t[j], &start))
            continue;
        e = tm_snap_find(s, r->pids[j]);
        if (e == NULL || e->start != start)
            return 1;
    }
    return 0;
}

/* Whether the group's listing holds a process the backend could not tell
 * (pid 0: in another pid namespace, hidden, or one the caller may not
 * signal): the group's kill would reach it, so the group is no longer used. */
static int holds_unknown(const tm_snap *s)
{
    for (size_t k = 0; k < s->n; k++) {
        if (s->v[k].pid == 0)
            return 1;
    }
    return 0;
}

/* Stop using root i's group: closed, and its tree walked from now on. */
static void group_drop(tm_run *r, size_t i)
{
    tm_tree_root *root = &r->tree->roots[i];

    r->os->group_close(r->os->data, root->group);
    root->group = NULL;
    r->tree->ngroups--;
    if (root->outside) {
        root->outside = 0;
        r->tree->noutside--;
    }
}

/* The processes of the group's listing that are not targets yet become
 * members of root i's tree (never the caller, pid 0 or the system's first
 * process). OK or E_NO_MEMORY. */
static int take_members(tm_run *r, size_t i)
{
    const tm_snap *s = &r->tree->gsnap;
    const terminus_pid self = self_pid(r->os);

    if (!tm_tree_mark_known(r, s))
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for a tree");
    for (size_t k = 0; k < s->n; k++) {
        terminus_pid pid = s->v[k].pid;
        int rc;

        if (r->tree->known[k] || pid == 0 || pid == self || pid == r->os->system_pid)
            continue;
        rc = tm_tree_member_add(r, s, k, i);
        if (rc != TERMINUS_OK)
            return rc;
    }
    return TERMINUS_OK;
}

int tm_tree_group_open(tm_run *r, size_t i, int running)
{
    const terminus_os *os = r->os;
    tm_tree *tree = r->tree;
    terminus_os_group *g = NULL;
    size_t count = r->count;
    unsigned mark;
    int rc;

    if (tree->roots[i].group != NULL)
        return 1; /* opened again after a batch gave its handle back: its group stays */
    if (!tree->job && (!running || !has_groups(os)))
        return 1; /* the walk */
    mark = tm_error_mark();
    rc = os->group_open(os->data, r->t[i].proc, r->opts->job, &g);
    if (rc != TERMINUS_OK) {
        if (!tree->job)
            return 1; /* no group to use: the walk */
        tm_os_failed(mark, rc, os, "group_open");
        tm_target_fail(r, i, rc);
        return 0;
    }
    rc = tm_snap_take_group(os, g, &tree->gsnap);
    if (rc == TERMINUS_OK && tree->job && tm_snap_find(&tree->gsnap, self_pid(os)) != NULL) {
        rc = tm_fail(TERMINUS_E_REFUSED,
                     "the caller (pid %lu) is in the job given for pid %lu's tree "
                     "(terminus_terminate_options::job): its tree would include the caller",
                     (unsigned long)self_pid(os), (unsigned long)r->pids[i]);
    } else if (rc == TERMINUS_OK && !tree->job && !holds_tree_alone(r, i)) {
        os->group_close(os->data, g);
        return 1; /* it holds more than the tree: the walk */
    }
    if (rc == TERMINUS_OK)
        rc = take_members(r, i);
    if (rc != TERMINUS_OK) {
        os->group_close(os->data, g);
        if (!tree->job)
            return 1;     /* what was taken is of the tree: the walk finds it too */
        r->count = count; /* nothing of this tree is opened or sent to */
        tm_target_fail(r, i, rc);
        return 0;
    }
    tree->roots[i].group = g;
    tree->ngroups++;
    if (!tree->job && reaches_outside(r, i)) {
        tree->roots[i].outside = 1; /* the group is still killed; the walk goes on too */
        tree->noutside++;
    }
    return 1;
}

int tm_tree_group_round(tm_run *r)
{
    tm_tree *tree = r->tree;

    for (size_t i = 0; i < r->nroots && tree->ngroups > 0; i++) {
        int rc;

        if (tree->roots[i].group == NULL)
            continue;
        rc = tm_snap_take_group(r->os, tree->roots[i].group, &tree->gsnap);
        if (rc == TERMINUS_OK && !tree->job && holds_unknown(&tree->gsnap)) {
            group_drop(r, i); /* its kill would reach what terminus cannot tell */
            continue;
        }
        if (rc == TERMINUS_OK)
            rc = take_members(r, i);
        if (rc != TERMINUS_OK)
            return rc;
    }
    return TERMINUS_OK;
}

int tm_tree_groups_only(const tm_run *r)
{
    return r->tree->job || (r->tree->ngroups == r->nroots && r->tree->noutside == 0);
}

int tm_tree_grouped(const tm_run *r)
{
    return r->tree != NULL && r->tree->ngroups > 0;
}

/* The roots whose group is still to be killed and looked at, and whose
 * tree has no member left to settle outside batch b: into `ready`
 * (nroots flags). Returns how many, or 0 (none, or out of memory). */
static size_t groups_ready(const tm_run *r, const tm_batch *b, unsigned char *ready)
{
    const tm_tree *tree = r->tree;
    size_t n = 0;

    for (size_t i = 0; i < r->nroots; i++)
        ready[i] = tree->roots[i].group != NULL && !tree->roots[i].group_done;
    for (size_t j = 0; j < r->count; j++) {
        if (!r->t[j].settled && (j < b->b0 || j >= b->end))
            ready[r->t[j].root] = 0; /* a later batch asks it: its grace is its own */
    }
    for (size_t i = 0; i < r->nroots; i++)
        n += ready[i];
    return n;
}

/* Whether group g has no process left; a look that fails says no. */
static int group_is_empty(const terminus_os *os, terminus_os_group *g)
{
    int empty = 0;

    return os->group_empty(os->data, g, &empty) == TERMINUS_OK && empty;
}

void tm_tree_group_kill(tm_run *r, tm_batch *b)
{
    const terminus_os *os = r->os;
    unsigned char *ready;

    if (!tm_tree_grouped(r) || (r->opts->flags & TERMINUS_TERMINATE_NO_FORCE))
        return;
    ready = malloc(r->nroots);
    if (ready == NULL || groups_ready(r, b, ready) == 0) {
        free(ready);
        return; /* out of memory: the members were killed one by one */
    }
    for (size_t i = 0; i < r->nroots; i++) {
        tm_tree_root *root = &r->tree->roots[i];
        int killed = 0;
        unsigned mark;

        if (!ready[i] || root->group_killed)
            continue;
        for (size_t j = b->b0; j < b->end && !killed; j++)
            killed = r->t[j].root == i && r->t[j].killed;
        if (!killed && group_is_empty(os, root->group))
            continue; /* every member left by itself, and nothing else is there */
        mark = tm_error_mark();
        root->group_killed = 1; /* once */
        root->kill_rc = os->group_kill(os->data, root->group, r->opts->forced_exit_code);
        if (root->kill_rc == TERMINUS_OK) {
            r->batch_killed = 1; /* the scans after the kills follow */
            r->last_kill = tm_now(os);
        } else {
            const terminus_error *e;

            tm_os_failed(mark, root->kill_rc, os, "group_kill");
            e = terminus_error_last();
            root->kill_os_code = e->os_code;
            free(root->kill_msg);
            root->kill_msg = malloc(strlen(e->message) + 1);
            if (root->kill_msg != NULL)
                memcpy(root->kill_msg, e->message, strlen(e->message) + 1);
        }
    }
    free(ready);
}

/* What group g of root i still holds after the last scan: each process not
 * a member yet is one that escaped. */
static void group_escaped(tm_run *r, size_t i)
{
    tm_tree_root *root = &r->tree->roots[i];
    size_t first = r->count;
    int rc = tm_snap_take_group(r->os, root->group, &r->tree->gsnap);

    if (rc == TERMINUS_OK)
        rc = take_members(r, i);
    if (rc != TERMINUS_OK) {
        tm_tree_failed(r, i, rc); /* what is left in it cannot be told */
        root->lost = 1;
    } else if (holds_unknown(&r->tree->gsnap)) {
        tm_fail(TERMINUS_E_TIMEOUT,
                "pid %lu's group still holds a process terminus cannot tell (another pid "
                "namespace, hidden, or not the caller's to signal)",
                (unsigned long)r->pids[i]);
        tm_tree_failed(r, i, TERMINUS_E_TIMEOUT);
        root->lost = 1;
    }
    for (size_t j = first; j < r->count; j++) {
        r->t[j].settled = 1;
        if (root->kill_rc != TERMINUS_OK) {
            terminus_os_error(root->kill_rc, root->kill_os_code,
                              "pid %lu is still in the group: %s", (unsigned long)r->pids[j],
                              root->kill_msg != NULL ? root->kill_msg
                                                     : terminus_strerror(root->kill_rc));
            tm_target_fail(r, j, root->kill_rc);
        } else {
            tm_fail(TERMINUS_E_TIMEOUT, "pid %lu is still in the group that holds the tree%s",
                    (unsigned long)r->pids[j],
                    (r->opts->flags & TERMINUS_TERMINATE_NO_FORCE) ? " (NO_FORCE: not killed)"
                                                                   : " after its kill");
            tm_target_fail(r, j, TERMINUS_E_TIMEOUT);
        }
    }
}

void tm_tree_group_settle(tm_run *r, tm_batch *b)
{
    unsigned char *ready;

    if (!tm_tree_grouped(r))
        return;
    ready = malloc(r->nroots);
    if (ready == NULL || groups_ready(r, b, ready) == 0) {
        free(ready);
        return;
    }
    for (size_t i = 0; i < r->nroots; i++) {
        if (!ready[i])
            continue;
        r->tree->roots[i].group_done = 1;
        if (!group_is_empty(r->os, r->tree->roots[i].group))
            group_escaped(r, i);
    }
    free(ready);
    tm_events_flush(r);
}
