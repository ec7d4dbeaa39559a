/*
 * lib/core/call.c: one terminate call, around the batches of
 * lib/core/terminate.c: what is checked before anything is done (the
 * options and pids, lib/core/options.c; the members the table needs), the
 * state of the call (lib/core/run.h), its results and the record of its
 * first failing target. terminus_terminate() and terminus_terminate_many()
 * come in here; so do the calls of terminus/process.h (lib/core/process.c),
 * which give each target the identity it must have, and a tree
 * (lib/core/tree.c) its listing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

void tm_results_fill(terminus_result *res, size_t count, int code)
{
    for (size_t i = 0; i < count && res != NULL; i++) {
        res[i].status = code;
        res[i].outcome = TERMINUS_OUTCOME_NONE;
        res[i].exit_code = TERMINUS_EXIT_CODE_UNKNOWN;
        res[i].elapsed_us = 0;
    }
}

/* A call that failed as a whole after validation: each detail says that
 * nothing was sent, every step asked for skipped with the call's code; a
 * tree that was never scanned has no member. */
void tm_details_fill(const terminus_terminate_options *o, size_t count, int code)
{
    uint32_t asked = (o->flags & TERMINUS_TERMINATE_FORCE) ? 0 : o->steps;

    for (size_t i = 0; i < count && i < o->details_count && o->details != NULL; i++) {
        terminus_detail *d = &o->details[i];

        memset(d, 0, sizeof *d);
        d->skipped = asked;
        d->tree_members = (o->flags & TERMINUS_TERMINATE_TREE) ? 0 : 1;
        for (unsigned b = 0; b < TERMINUS_DETAIL_STEPS; b++) {
            if (asked & (1u << b))
                d->step_status[b] = code;
        }
    }
}

int tm_terminate_members(const char *fn, const terminus_os *os, const terminus_terminate_options *o,
                         int identities)
{
    if (!TM_HAS(os, process_open))
        return tm_unsupported(os, fn, "process_open");
    if (!TM_HAS(os, process_close))
        return tm_unsupported(os, fn, "process_close");
    if (!TM_HAS(os, process_status))
        return tm_unsupported(os, fn, "process_status");
    if (!(o->flags & TERMINUS_TERMINATE_FORCE) && !TM_HAS(os, process_step) &&
        !TM_HAS(os, process_request))
        return tm_unsupported(os, fn, "process_request");
    if (!(o->flags & TERMINUS_TERMINATE_NO_FORCE) && !TM_HAS(os, process_kill))
        return tm_unsupported(os, fn, "process_kill");
    if (!TM_HAS(os, wait_open) || !TM_HAS(os, wait_any) || !TM_HAS(os, wait_close))
        return tm_unsupported(os, fn, "wait_open, wait_any and wait_close");
    if ((o->flags & TERMINUS_TERMINATE_TREE) && !TM_HAS(os, process_list))
        return tm_unsupported(os, fn, "process_list (TERMINUS_TERMINATE_TREE)");
    if ((identities || (o->flags & TERMINUS_TERMINATE_TREE)) && !TM_HAS(os, process_identity))
        return tm_unsupported(os, fn, "process_identity");
    if (o->job != NULL &&
        (!TM_HAS(os, group_open) || !TM_HAS(os, group_list) || !TM_HAS(os, group_kill) ||
         !TM_HAS(os, group_empty) || !TM_HAS(os, group_close)))
        return tm_unsupported(os, fn, "group_open to group_close (opts->job)");
    return TERMINUS_OK;
}

int tm_run_reserve(tm_run *r, size_t need)
{
    size_t cap = r->cap;
    int ok;

    if (need <= cap)
        return TERMINUS_OK;
    if (cap == 0 || r->tree == NULL) {
        cap = need; /* a call without a tree knows its targets */
    } else {
        while (cap < need) {
            if (cap > (size_t)-1 / 2)
                return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for %lu targets",
                               (unsigned long)need);
            cap *= 2;
        }
    }
    ok = tm_resize(&r->t, cap, sizeof *r->t) && tm_resize(&r->procs, cap, sizeof *r->procs) &&
         tm_resize(&r->map, cap, sizeof *r->map) && tm_resize(&r->procs2, cap, sizeof *r->procs2) &&
         tm_resize(&r->map2, cap, sizeof *r->map2) && tm_resize(&r->reach, cap, sizeof *r->reach);
    if (ok && r->own_pids != NULL)
        ok = tm_resize(&r->own_pids, cap, sizeof *r->own_pids);
    if (ok && r->own_res != NULL)
        ok = tm_resize(&r->own_res, cap, sizeof *r->own_res);
    if (!ok)
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for %lu targets", (unsigned long)need);
    memset(&r->t[r->cap], 0, (cap - r->cap) * sizeof *r->t);
    if (r->own_pids != NULL)
        r->pids = r->own_pids;
    if (r->own_res != NULL) {
        tm_results_fill(&r->own_res[r->cap], cap - r->cap, TERMINUS_OK);
        r->res = r->own_res;
    }
    r->cap = cap;
    return TERMINUS_OK;
}

static void run_free(tm_run *r)
{
    tm_tree_free(r);
    free(r->t);
    free(r->procs);
    free(r->map);
    free(r->procs2);
    free(r->map2);
    free(r->reach);
    free(r->own_pids);
    free(r->own_res);
    free(r->events);
}

/* How many events a phase may queue per target before they are delivered:
 * one per step bit, a kill and the end. */
#define TM_EVENTS_PER_TARGET (TERMINUS_DETAIL_STEPS + 2)

/* The state of the call: its arrays (a tree's own pids and results, which
 * grow with its members), each target's wanted identity. */
static int run_init(tm_run *r, const terminus_pid *pids, size_t count,
                    const terminus_terminate_options *o, terminus_result *results,
                    const tm_want *want)
{
    int rc;

    r->opts = o;
    r->pids = pids;
    r->count = r->nroots = count;
    r->details = o->details;
    r->ndetails = o->details == NULL ? 0 : count < o->details_count ? count : o->details_count;
    r->asked = (o->flags & TERMINUS_TERMINATE_FORCE) ? 0 : o->steps;
    r->has_step = TM_HAS(r->os, process_step);
    r->first_fail = (size_t)-1;
    r->res = results;
    if ((o->flags & TERMINUS_TERMINATE_TREE) || results == NULL) {
        /* A tree's results grow with its members; the caller gets the
         * targets' own at the end. */
        r->own_res = calloc(1, sizeof *r->own_res);
        if (r->own_res == NULL)
            return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory");
    }
    if (o->flags & TERMINUS_TERMINATE_TREE) {
        r->own_pids = calloc(1, sizeof *r->own_pids);
        if (r->own_pids == NULL)
            return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory");
    }
    rc = tm_run_reserve(r, count);
    if (rc != TERMINUS_OK)
        return rc;
    if (r->own_pids != NULL)
        memcpy(r->own_pids, pids, count * sizeof *pids);
    if (o->progress != NULL) {
        r->capevents = TM_EVENTS_PER_TARGET * count;
        r->events = count > (size_t)-1 / TM_EVENTS_PER_TARGET / sizeof *r->events
                        ? NULL
                        : malloc(r->capevents * sizeof *r->events);
        if (r->events == NULL)
            return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for %lu targets",
                           (unsigned long)count);
    }
    for (size_t i = 0; i < count; i++) {
        r->t[i].root = i;
        if (want != NULL) {
            r->t[i].want = 1;
            r->t[i].want_start = want[i].start;
            r->t[i].want_unique = want[i].unique;
        }
    }
    tm_results_fill(r->res, count, TERMINUS_OK);
    if (r->ndetails > 0) {
        memset(r->details, 0, r->ndetails * sizeof *r->details);
        for (size_t i = 0; i < r->ndetails; i++)
            r->details[i].tree_members = 1;
    }
    return TERMINUS_OK;
}

int tm_terminate_run(const char *fn, terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                     const terminus_terminate_options *o, terminus_result *results,
                     const tm_want *want, int replaced, tm_snap *snap)
{
    tm_error_saved saved;
    tm_run r;
    int rc;

    tm_error_save(&saved);
    memset(&r, 0, sizeof r);
    r.os = &ctx->os;
    r.replaced = replaced;
    rc = run_init(&r, pids, count, o, results, want);
    if (rc == TERMINUS_OK && (o->flags & TERMINUS_TERMINATE_TREE))
        rc = tm_tree_begin(&r, fn, snap); /* nothing opened yet */
    else
        tm_snap_free(snap);
    if (rc != TERMINUS_OK) {
        const terminus_error *e = terminus_error_last();
        int64_t os_code = e->code == rc ? e->os_code : 0;
        char msg[512];

        snprintf(msg, sizeof msg, "%s", e->code == rc ? e->message : terminus_strerror(rc));
        run_free(&r);
        tm_results_fill(results, count, rc);
        tm_details_fill(o, count, rc);
        if (strncmp(msg, fn, strlen(fn)) == 0)
            return terminus_os_error(rc, os_code, "%s", msg);
        return terminus_os_error(rc, os_code, "%s: %s", fn, msg);
    }
    r.start = tm_now(r.os);

    tm_run_batches(&r);
    if (r.tree != NULL)
        tm_tree_finish(&r); /* the targets' results are their trees' */
    if (results != NULL && r.res != results)
        memcpy(results, r.res, count * sizeof *results);
    run_free(&r);

    if (r.first_fail == (size_t)-1) {
        tm_error_restore(&saved); /* what it got over on the way is not a failure */
        return TERMINUS_OK;
    }
    /* The record describes the first failing target, naming its pid. */
    terminus_os_error(r.first_err.code, r.first_err.os_code, "%s(pid %lu): %s", fn,
                      (unsigned long)pids[r.first_fail], r.first_msg);
    return r.first_err.code;
}

static int terminate(const char *fn, terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                     const terminus_terminate_options *opts, terminus_result *results)
{
    terminus_terminate_options o;
    int rc;

    rc = tm_ctx_get(&ctx, fn);
    if (rc == TERMINUS_OK)
        rc = tm_opts_check(fn, opts, count, &o);
    if (rc == TERMINUS_OK)
        rc = tm_pids_check(fn, &ctx->os, pids, count);
    if (rc == TERMINUS_OK && count > 0) {
        rc = tm_terminate_members(fn, &ctx->os, &o, 0);
        if (rc != TERMINUS_OK)
            tm_details_fill(&o, count, rc);
    }
    if (rc != TERMINUS_OK || count == 0) {
        tm_results_fill(results, count, rc);
        return rc;
    }
    return tm_terminate_run(fn, ctx, pids, count, &o, results, NULL, TERMINUS_OK, NULL);
}

int terminus_terminate(terminus_ctx *ctx, terminus_pid pid, const terminus_terminate_options *opts,
                       terminus_result *result)
{
    return terminate("terminus_terminate", ctx, &pid, 1, opts, result);
}

int terminus_terminate_many(terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                            const terminus_terminate_options *opts, terminus_result *results)
{
    return terminate("terminus_terminate_many", ctx, pids, count, opts, results);
}
