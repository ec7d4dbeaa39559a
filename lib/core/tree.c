/*
 * lib/core/tree.c: TERMINUS_TERMINATE_TREE (include/terminus/terminate.h,
 * include/terminus/process.h): each target and all its descendants, with one
 * shared grace. The escalation is lib/core/terminate.c's and chain.c's; this
 * file says who the members are.
 *
 * Who is a member
 * ---------------
 * A listing (terminus_os::process_list) gives each process's parent link
 * and start. Process C is a child of member M when
 *   - C's parent link is M's pid, and C started no earlier than M (a link to
 *     a pid that now names a process started after C is stale: the parent C
 *     had has ended and its pid was reused; Windows keeps such links); and
 *   - M is M: the listing's process with M's pid has M's start, or, when the
 *     listing has no process with that pid, terminus still holds M open (M
 *     has ended; on Windows its children keep their link, and the handle
 *     held keeps its pid from being reused; on Linux they were re-parented
 *     when it ended).
 * C is never the caller nor the system's first process. The members of a
 * target are found from the target, child by child, in one listing: a
 * process is in the tree of the first target (in the order given) whose
 * tree it is found in, and a target is never a member of another's. Every
 * member is opened, and the identity read through the handle must have the
 * listing's start: a pid reused between the listing and the open is not the
 * member, and is never signalled (the member has ended: GONE).
 *
 * A process that re-parented away before a scan (a daemon that forked twice
 * and whose middle process exited) is not linked to the tree any more and
 * is outside it. If the caller made itself a subreaper (Linux
 * PR_SET_CHILD_SUBREAPER), such orphans become the caller's own children:
 * still outside the tree, and the caller's to wait for or to end.
 *
 * Rounds
 * ------
 * The targets' trees are found in the first listing, before anything is
 * opened; a target that is the caller or one of its ancestors (by the same
 * rule, from the caller up) is E_REFUSED then, and nothing is sent. Members
 * may fork while they are being asked to leave, so the tree is scanned again
 * (a "round": a listing, the members it finds, each opened, checked and,
 * during the grace, asked with its own chain in what is left of the
 * window): at each quarter of the grace window, when no member is left
 * running before the window ends, and when it ends; then, if members were
 * killed, again after each kill and its wait, until a round finds nothing
 * new. Where the OS re-parents the children of a process that ends
 * (TERMINUS_OS_REPARENTS: Linux), a round once every member has ended
 * could find nothing, and is not made. At most TM_TREE_ROUNDS rounds in a
 * call: what the last one finds is
 * still being forked, not handled, and counted as escaped. A round that
 * cannot list ends the rounds. Members count against the handle limit as
 * every target does: what a round finds that does not fit in the batch is
 * left for the next batch, with a grace window of its own.
 *
 * Groups
 * ------
 * Where the OS keeps a tree in a group (a cgroup, a job object) and the
 * group is the tree, the scans list the group and the group is killed and
 * looked at after the kills: lib/core/tree_group.c says when, and its
 * rounds are made from tm_tree_round() with the walk's. With a job given
 * the process list is never walked (the first listing still refuses the
 * caller's line).
 *
 * The result
 * ----------
 * Each target's result is its tree's: OK when every member ended (the
 * target's outcome is then its own), otherwise the first failure of a member
 * (outcome NONE; the detail still tells how the target itself ended). The
 * detail counts the members (the target included, unless it was never
 * found) and those that did not end; a target's ENDED event comes when its
 * tree is settled, after the last batch. Members have no detail and no
 * event of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

/* ------------------------------------------------------------------------ */
/* Listings                                                                 */

int tm_snap_add(tm_snap *s, const terminus_process_info *info)
{
    if (s->n == s->cap && !TM_GROW(s->v, s->cap, 256))
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for a listing of %lu processes",
                       (unsigned long)s->n);
    s->v[s->n].pid = info->pid;
    s->v[s->n].ppid = info->ppid;
    s->v[s->n].start = info->start;
    s->n++;
    return TERMINUS_OK;
}

static int snap_add(void *arg, const terminus_process_info *info)
{
    return tm_snap_add(arg, info);
}

static int cmp_proc(const void *a, const void *b)
{
    const tm_proc *x = a, *y = b;

    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

int tm_snap_take(const char *fn, const terminus_os *os, tm_snap *s)
{
    unsigned mark = tm_error_mark();
    int rc;

    s->n = 0;
    rc = os->process_list(os->data, 0, snap_add, s); /* pid, ppid and start only */
    if (rc != TERMINUS_OK) {
        s->n = 0;
        tm_os_failed(mark, rc, os, "process_list");
        if (fn != NULL) {
            const terminus_error *e = terminus_error_last();
            terminus_os_error(rc, e->code == rc ? e->os_code : 0, "%s: %s", fn,
                              e->code == rc ? e->message : terminus_strerror(rc));
        }
        return rc;
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_proc);
    return TERMINUS_OK;
}

int tm_snap_take_group(const terminus_os *os, terminus_os_group *group, tm_snap *s)
{
    unsigned mark = tm_error_mark();
    int rc;

    s->n = 0;
    rc = os->group_list(os->data, group, snap_add, s);
    if (rc != TERMINUS_OK) {
        s->n = 0;
        return tm_os_failed(mark, rc, os, "group_list");
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_proc);
    return TERMINUS_OK;
}

void tm_snap_free(tm_snap *s)
{
    if (s == NULL)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* The index of the first entry of `pid`, or s->n. */
static size_t snap_first(const tm_snap *s, terminus_pid pid)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->v[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->v[lo].pid == pid ? lo : s->n;
}

const tm_proc *tm_snap_find(const tm_snap *s, terminus_pid pid)
{
    size_t k = snap_first(s, pid);

    return k < s->n ? &s->v[k] : NULL;
}

int tm_snap_is_caller_line(const tm_snap *s, const terminus_os *os, terminus_pid pid)
{
    terminus_pid self = os->self_pid != NULL ? os->self_pid(os->data) : 0;
    const tm_proc *cur = tm_snap_find(s, self);

    if (pid == self)
        return 1;
    for (size_t hops = 0; cur != NULL && hops < s->n; hops++) {
        const tm_proc *p = tm_snap_find(s, cur->ppid);

        if (p == NULL || p == cur || p->start > cur->start)
            return 0; /* no parent, or a stale link */
        if (p->pid == pid)
            return 1;
        cur = p;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Members                                                                  */

/* Target i's start, if the call knows it (read through its handle, or the
 * one it must have). */
int tm_target_start(const tm_target *t, uint64_t *start)
{
    if (t->start_known)
        *start = t->start;
    else if (t->want)
        *start = t->want_start;
    else
        return 0;
    return 1;
}

static int cmp_parent(const void *a, const void *b)
{
    const tm_parent *x = a, *y = b;

    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The members that may be parents in the tree's listing, into tree->par
 * sorted by pid; returns how many, or (size_t)-1 when out of memory. */
static size_t parents(tm_run *r)
{
    tm_tree *tree = r->tree;
    size_t n = 0;

    if (tree->cappar < r->count) {
        tm_parent *p =
            r->count > (size_t)-1 / sizeof *p ? NULL : realloc(tree->par, r->count * sizeof *p);
        if (p == NULL)
            return (size_t)-1;
        tree->par = p;
        tree->cappar = r->count;
    }
    for (size_t i = 0; i < r->count; i++) {
        const tm_target *t = &r->t[i];
        const tm_proc *e;
        uint64_t start;

        if (!tm_target_start(t, &start))
            continue;
        e = tm_snap_find(&tree->snap, r->pids[i]);
        /* the listed process with its pid is it; or none is, and it is held */
        if (e != NULL) {
            size_t k = (size_t)(e - tree->snap.v);
            int same = 0;

            for (; k < tree->snap.n && tree->snap.v[k].pid == r->pids[i]; k++)
                same |= tree->snap.v[k].start == start;
            if (!same)
                continue;
        } else if (t->proc == NULL) {
            continue;
        }
        tree->par[n].pid = r->pids[i];
        tree->par[n].start = start;
        tree->par[n].i = i;
        n++;
    }
    qsort(tree->par, n, sizeof *tree->par, cmp_parent);
    return n;
}

/* The parent among the n of tree->par of a listed process, or NULL. */
static const tm_parent *parent_of(const tm_tree *tree, size_t n, const tm_proc *c)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tree->par[mid].pid < c->ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && tree->par[lo].pid == c->ppid; lo++) {
        if (tree->par[lo].start <= c->start)
            return &tree->par[lo];
    }
    return NULL;
}

int tm_tree_mark_known(tm_run *r, const tm_snap *s)
{
    tm_tree *tree = r->tree;

    if (tree->capknown < s->n) {
        unsigned char *k = realloc(tree->known, s->n);

        if (k == NULL)
            return 0;
        tree->known = k;
        tree->capknown = s->n;
    }
    if (s->n > 0)
        memset(tree->known, 0, s->n);
    /* a target whose start is not known marks every process with its pid */
    for (size_t i = 0; i < r->count; i++) {
        uint64_t start = 0;
        int has = tm_target_start(&r->t[i], &start);

        for (size_t k = snap_first(s, r->pids[i]); k < s->n && s->v[k].pid == r->pids[i]; k++) {
            if (!has || s->v[k].start == start)
                tree->known[k] = 1;
        }
    }
    return 1;
}

int tm_tree_member_add(tm_run *r, const tm_snap *s, size_t k, size_t root)
{
    const tm_proc c = s->v[k];
    size_t i = r->count;
    int rc = tm_run_reserve(r, i + 1);

    if (rc != TERMINUS_OK)
        return rc;
    memset(&r->t[i], 0, sizeof r->t[i]);
    r->t[i].root = root;
    r->t[i].want = 1;
    r->t[i].want_start = c.start;
    r->own_pids[i] = c.pid;
    r->count++;
    r->tree->known[k] = 1;
    return TERMINUS_OK;
}

/* Every process of the tree's listing that is a descendant of a target or
 * member and not one yet becomes a member (appended to the targets). */
static int expand(tm_run *r)
{
    tm_tree *tree = r->tree;
    const tm_snap *s = &tree->snap;
    terminus_pid self = r->os->self_pid != NULL ? r->os->self_pid(r->os->data) : 0;

    if (!tm_tree_mark_known(r, s))
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for a tree");
    for (;;) {
        size_t np = parents(r), added = 0;

        if (np == (size_t)-1)
            return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for a tree");
        for (size_t k = 0; k < s->n; k++) {
            const tm_proc *c = &s->v[k];
            const tm_parent *p;
            int rc;

            if (tree->known[k] || c->pid == 0 || c->pid == self || c->pid == r->os->system_pid)
                continue;
            p = parent_of(tree, np, c);
            if (p == NULL)
                continue;
            rc = tm_tree_member_add(r, s, k, r->t[p->i].root);
            if (rc != TERMINUS_OK)
                return rc;
            added++;
        }
        if (added == 0)
            return TERMINUS_OK; /* a pass finds children of the last one's: until none */
    }
}

int tm_tree_begin(tm_run *r, const char *fn, tm_snap *snap)
{
    tm_tree *tree = calloc(1, sizeof *tree);
    int rc;

    if (tree == NULL || (tree->roots = calloc(r->nroots, sizeof *tree->roots)) == NULL) {
        free(tree);
        tm_snap_free(snap);
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for %lu trees",
                       (unsigned long)r->nroots);
    }
    r->tree = tree;
    tree->job = r->opts->job != NULL;
    if (snap != NULL) {
        tree->snap = *snap; /* taken over */
        memset(snap, 0, sizeof *snap);
    } else if ((rc = tm_snap_take(NULL, r->os, &tree->snap)) != TERMINUS_OK) {
        return rc;
    }
    for (size_t i = 0; i < r->nroots; i++) {
        const tm_proc *e;

        if (tm_snap_is_caller_line(&tree->snap, r->os, r->pids[i]))
            return tm_fail(TERMINUS_E_REFUSED,
                           "%s: pid %lu is an ancestor of the calling process: its tree would "
                           "include the caller (TERMINUS_TERMINATE_TREE)",
                           fn, (unsigned long)r->pids[i]);
        /* The target is the process the listing has with its pid. */
        if (!r->t[i].want && (e = tm_snap_find(&tree->snap, r->pids[i])) != NULL) {
            r->t[i].want = 1;
            r->t[i].want_start = e->start;
        }
    }
    /* With a job, each tree is its job: listed once its target is open */
    return tree->job ? TERMINUS_OK : expand(r);
}

size_t tm_tree_round(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n)
{
    const terminus_os *os = r->os;
    tm_tree *tree = r->tree;
    size_t first = r->count, taken = 0, m, i;
    int last, rc;

    if (tree == NULL || tree->stopped || tree->rounds >= TM_TREE_ROUNDS)
        return 0;
    tree->rounds++;
    last = tree->rounds == TM_TREE_ROUNDS;
    /* The walk lists every process, the groups only theirs (tree_group.c) */
    if ((!tm_tree_groups_only(r) &&
         (tm_snap_take(NULL, os, &tree->snap) != TERMINUS_OK || expand(r) != TERMINUS_OK)) ||
        tm_tree_group_round(r) != TERMINUS_OK) {
        tree->stopped = 1; /* what was found stays: the next batch takes it */
        return 0;
    }
    if (last) {
        /* No round after this one: what it found is still being forked. */
        for (i = first; i < r->count; i++) {
            tm_fail(TERMINUS_E_TIMEOUT,
                    "pid %lu was found by the tree's last scan (%d): still being forked",
                    (unsigned long)r->pids[i], TM_TREE_ROUNDS);
            tm_target_fail(r, i, TERMINUS_E_TIMEOUT);
        }
        return 0;
    }
    if (first == r->count || b->end != first)
        return 0; /* nothing new, or not next to the batch: the next batch takes it */
    for (i = first; i < r->count; i++) {
        int pending = 0;

        if (tm_open_target(r, i, &pending) == TERMINUS_E_NO_MEMORY)
            break; /* no handle left: it and those after it wait for the next batch */
        r->t[i].late = (unsigned char)pending;
        taken += (size_t)pending;
    }
    b->end = b->next = i;
    /* One wait set over the batch's pending targets, the old one kept until
     * the new one is made; out of handles, the last ones taken wait for the
     * next batch. */
    while (taken > 0) {
        terminus_os_waitset *nset = NULL;
        terminus_os_process **tp;
        size_t *tm, k;
        unsigned mark;

        for (m = 0, k = b->b0; k < b->end; k++) {
            if (r->t[k].pending) {
                r->procs2[m] = r->t[k].proc;
                r->map2[m++] = k;
            }
        }
        mark = tm_error_mark();
        rc = os->wait_open(os->data, r->procs2, m, &nset);
        if (rc == TERMINUS_OK) {
            if (*set != NULL)
                os->wait_close(os->data, *set);
            *set = nset;
            *n = m;
            tp = r->procs, r->procs = r->procs2, r->procs2 = tp;
            tm = r->map, r->map = r->map2, r->map2 = tm;
            return taken;
        }
        tm_os_failed(mark, rc, os, "wait_open");
        /* Give back from the last one taken (all of them unless out of handles). */
        k = first;
        for (i = first; rc == TERMINUS_E_NO_MEMORY && i < b->end; i++) {
            if (r->t[i].late && r->t[i].pending)
                k = i;
        }
        for (i = k; i < b->end; i++) {
            if (r->t[i].proc != NULL)
                tm_target_close(r, i);
            if (!r->t[i].settled) {
                taken -= r->t[i].late;
                r->t[i].pending = 0;
            }
            r->t[i].late = 0;
        }
        b->end = b->next = k;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */

void tm_tree_failed(tm_run *r, size_t i, int code)
{
    tm_tree_root *root = &r->tree->roots[r->t[i].root];
    const terminus_error *e = terminus_error_last();

    if (root->code != TERMINUS_OK)
        return;
    root->code = code;
    root->member = r->pids[i];
    root->os_code = e->code == code ? e->os_code : 0;
    if (e->code == code && e->message[0] != '\0') {
        size_t len = strlen(e->message);

        root->msg = malloc(len + 1);
        if (root->msg != NULL)
            memcpy(root->msg, e->message, len + 1);
    }
}

void tm_tree_finish(tm_run *r)
{
    tm_tree *tree = r->tree;

    for (size_t i = 0; i < r->count; i++) {
        tm_tree_root *root = &tree->roots[r->t[i].root];

        if (i < r->nroots && r->res[i].status == TERMINUS_E_NOT_FOUND)
            continue; /* a target never found is no member of its tree */
        root->members++;
        root->escaped += r->res[i].status != TERMINUS_OK;
    }
    for (size_t i = 0; i < r->nroots; i++) {
        tm_tree_root *root = &tree->roots[i];

        if (root->lost && root->escaped == 0)
            root->escaped = 1; /* at least one, in its group */
        if (tm_detail(r, i) != NULL) {
            tm_detail(r, i)->tree_members = root->members;
            tm_detail(r, i)->tree_escaped = root->escaped;
            tm_detail(r, i)->tree_group =
                root->group != NULL ? TERMINUS_TREE_GROUP : TERMINUS_TREE_WALKED;
        }
        if (r->res[i].status == TERMINUS_OK && root->code != TERMINUS_OK) {
            r->res[i].status = root->code;
            r->res[i].outcome = TERMINUS_OUTCOME_NONE;
            if (i < r->first_fail) {
                r->first_fail = i;
                r->first_err.code = root->code;
                r->first_err.os_code = root->os_code;
                snprintf(r->first_msg, sizeof r->first_msg,
                         "%lu of its %lu processes did not end; pid %lu: %s",
                         (unsigned long)root->escaped, (unsigned long)root->members,
                         (unsigned long)root->member,
                         root->msg != NULL ? root->msg : terminus_strerror(root->code));
            }
        }
        if (r->events != NULL)
            tm_event_add(r, i, TERMINUS_PROGRESS_ENDED, 0, r->res[i].status, tm_now(r->os));
    }
    tm_events_flush(r);
}

void tm_tree_free(tm_run *r)
{
    tm_tree *tree = r->tree;

    if (tree == NULL)
        return;
    for (size_t i = 0; tree->roots != NULL && i < r->nroots; i++) {
        if (tree->roots[i].group != NULL)
            r->os->group_close(r->os->data, tree->roots[i].group);
        free(tree->roots[i].msg);
        free(tree->roots[i].kill_msg);
    }
    free(tree->roots);
    free(tree->par);
    free(tree->known);
    tm_snap_free(&tree->snap);
    tm_snap_free(&tree->gsnap);
    free(tree);
    r->tree = NULL;
}
