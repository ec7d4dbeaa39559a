/*
 * lib/core/chain.c: the close chain of a batch (the policy of
 * include/terminus/terminate.h, "Close-chain steps"; docs/design.md, "One
 * terminate, step by step").
 *
 * Once a batch's targets are open and its wait set is made, one
 * process_reach over the batch says which of the steps asked for can reach
 * each target (without process_reach, as in a version-1 table, every step
 * asked for is tried; without process_step only the message can go out,
 * through process_request). A target's chain is the steps that can reach
 * it, in bit order; k is their number. The steps that cannot are skipped
 * at once. A target with no chain is not made to wait: it is killed at once
 * (under NO_FORCE it fails with E_UNREACHABLE, at once). Every other target
 * gets its first step; the grace window opens when the batch's first steps
 * are out (t0), and step j of a target goes out at t0 + j * grace / k while
 * it still runs. A step that cannot go out (any code but E_NOT_FOUND, which
 * means the target has ended) is skipped and the next one goes out at once;
 * a target to which no step at all could go out is handled as one with no
 * chain. What is left when the window closes is killed by terminate.c.
 *
 * Progress events are queued and delivered (tm_events_flush) only between
 * the phases, where no failure record is still to be read and after the
 * clock reading that opens the grace window: the callback's own time is on
 * the clock, inside the window, and can neither stretch it nor delay it.
 */
#include <stdio.h>
#include <string.h>

#include "run.h"

/* A failure record kept across other calls (the callback may overwrite the
 * thread's record). */
typedef struct tm_saved_error {
    int code;
    int64_t os_code;
    char msg[512];
} tm_saved_error;

static unsigned bit_count(uint32_t x)
{
    unsigned n = 0;

    for (; x != 0; x &= x - 1)
        n++;
    return n;
}

/* The bit number of a one-bit step. */
static unsigned bit_index(uint32_t step)
{
    unsigned b = 0;

    while (b < 31 && step != 1u << b)
        b++;
    return b;
}

uint64_t tm_since_start(const tm_run *r, uint64_t at)
{
    return at > r->start ? at - r->start : 0;
}

void tm_event_add(tm_run *r, size_t i, int32_t event, uint32_t step, int32_t status, uint64_t at)
{
    tm_event *e;

    if (r->events == NULL || i >= r->nroots)
        return; /* a tree's members have no events of their own */
    if (r->nevents == r->capevents)
        tm_events_flush(r); /* cannot happen: a phase queues at most its room per target */
    e = &r->events[r->nevents++];
    e->index = i;
    e->event = event;
    e->step = step;
    e->status = status;
    e->at = at;
}

void tm_events_flush(tm_run *r)
{
    size_t k, n = r->nevents;

    if (r->events == NULL)
        return;
    r->nevents = 0;
    for (k = 0; k < n; k++) {
        const tm_event *e = &r->events[k];
        terminus_progress p;

        memset(&p, 0, sizeof p);
        p.index = e->index;
        p.pid = r->pids[e->index];
        p.event = e->event;
        p.step = e->step;
        p.status = e->status;
        p.outcome =
            e->event == TERMINUS_PROGRESS_ENDED ? r->res[e->index].outcome : TERMINUS_OUTCOME_NONE;
        p.at_us = tm_since_start(r, e->at);
        r->opts->progress(r->opts->progress_arg, &p);
    }
}

void tm_settled(tm_run *r, size_t i)
{
    const tm_target *t = &r->t[i];
    const terminus_result *res = &r->res[i];

    if (tm_detail(r, i) != NULL) {
        terminus_detail *d = tm_detail(r, i);
        uint32_t untried = r->asked & ~t->tried;
        /* An asked step never tried: the target had ended before its turn
         * (E_NOT_FOUND), or the call stopped its chain: its failure, or, for
         * a target killed, why the grace was over (r->stop). */
        int why = res->status != TERMINUS_OK ? res->status
                  : t->killed                ? r->stop
                                             : TERMINUS_E_NOT_FOUND;

        d->reach = t->chain;
        d->sent = t->sent;
        d->skipped = r->asked & ~t->sent;
        for (unsigned b = 0; b < TERMINUS_DETAIL_STEPS; b++) {
            if (untried & (1u << b))
                d->step_status[b] = why;
        }
        switch (res->outcome) {
        case TERMINUS_OUTCOME_GONE:
            d->ended_by = TERMINUS_ENDED_GONE;
            break;
        case TERMINUS_OUTCOME_FORCED:
            d->ended_by = TERMINUS_ENDED_KILL;
            break;
        case TERMINUS_OUTCOME_EXITED:
            d->ended_by = t->last != 0 ? t->last : TERMINUS_ENDED_GONE;
            break;
        default:
            d->ended_by = TERMINUS_ENDED_NONE;
            break;
        }
    }
    /* A tree's targets end when their trees do: tm_tree_finish tells it. */
    if (r->events != NULL && r->tree == NULL)
        tm_event_add(r, i, TERMINUS_PROGRESS_ENDED, 0, res->status, tm_now(r->os));
}

/* The chain of each of the n targets of procs / map (all pending). */
static void batch_reach(tm_run *r, terminus_os_process *const *procs, const size_t *map, size_t n)
{
    const terminus_os *os = r->os;
    const uint32_t can = r->has_step ? TERMINUS_STEPS_ALL : TERMINUS_STEP_MESSAGE;
    int known = 0;

    if (n > 0 && TM_HAS(os, process_reach)) {
        unsigned mark = tm_error_mark();
        int rc = os->process_reach(os->data, procs, n, r->asked, r->opts->flags, r->opts->message,
                                   r->reach);

        if (rc == TERMINUS_OK)
            known = 1;
        else
            tm_os_failed(mark, rc, os, "process_reach"); /* then every step asked for is tried */
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = map[k];
        tm_target *t = &r->t[i];

        t->chain = (known ? r->reach[k] : r->asked) & r->asked & can;
        t->todo = t->chain;
        t->tried = 0;
        t->sent = 0;
        t->last = 0;
    }
}

/* The steps asked for that cannot reach target i are skipped at once. */
static void skip_unreachable(tm_run *r, size_t i)
{
    tm_target *t = &r->t[i];
    uint32_t skip = r->asked & ~t->chain;
    uint64_t at = r->events != NULL ? tm_now(r->os) : 0;

    t->tried |= skip;
    for (unsigned b = 0; b < TERMINUS_DETAIL_STEPS; b++) {
        if (!(skip & (1u << b)))
            continue;
        if (tm_detail(r, i) != NULL)
            tm_detail(r, i)->step_status[b] = TERMINUS_E_UNREACHABLE;
        tm_event_add(r, i, TERMINUS_PROGRESS_STEP, 1u << b, TERMINUS_E_UNREACHABLE, at);
    }
}

/* No step can go out to target i: kill it at once, or under NO_FORCE fail
 * it with `code` (E_UNREACHABLE, or the first other code a step gave, whose
 * record is `saved`). */
static void target_unreachable(tm_run *r, size_t i, int code, const tm_saved_error *saved)
{
    if (!(r->opts->flags & TERMINUS_TERMINATE_NO_FORCE)) {
        tm_kill_one(r, i);
        return;
    }
    if (saved != NULL)
        terminus_os_error(saved->code, saved->os_code, "%s", saved->msg);
    else
        tm_fail(TERMINUS_E_UNREACHABLE,
                "no step of the close chain (steps 0x%x) can reach it (NO_FORCE: not killed)",
                (unsigned)r->asked);
    tm_target_fail(r, i, code);
}

/* Send one step to target i. */
static int send_step(tm_run *r, size_t i, uint32_t step, const char **primitive)
{
    const terminus_os *os = r->os;

    if (r->has_step) {
        *primitive = "process_step";
        return os->process_step(os->data, r->t[i].proc, step, r->opts->flags, r->opts->message);
    }
    *primitive = "process_request"; /* a version-1 table: the chain is the message alone */
    return os->process_request(os->data, r->t[i].proc, r->opts->message);
}

/*
 * Send target i the next step of its chain; a step that cannot go out is
 * skipped and the one after it goes out at once. If none could go out to it
 * at all, it is handled as unreachable.
 */
static void chain_next(tm_run *r, size_t i)
{
    const terminus_os *os = r->os;
    tm_target *t = &r->t[i];
    tm_saved_error saved;
    int first = TERMINUS_OK;

    while (t->todo != 0) {
        uint32_t step = t->todo & (0u - t->todo);
        unsigned b = bit_index(step);
        uint64_t at = tm_now(os);
        const char *primitive = "";
        unsigned mark = tm_error_mark();
        int rc = send_step(r, i, step, &primitive);

        t->todo &= ~step;
        t->tried |= step;
        if (tm_detail(r, i) != NULL) {
            tm_detail(r, i)->step_status[b] = rc;
            if (rc == TERMINUS_OK)
                tm_detail(r, i)->step_at_us[b] = tm_since_start(r, at);
        }
        tm_event_add(r, i, TERMINUS_PROGRESS_STEP, step, rc, at);
        if (rc == TERMINUS_OK) {
            if (t->sent == 0)
                t->since = at; /* each target is timed from its own first step */
            t->sent |= step;
            t->last = step;
            return;
        }
        if (rc == TERMINUS_E_NOT_FOUND) { /* it has ended (before anything went out: GONE) */
            tm_target_ended(r, i, t->sent ? TERMINUS_OUTCOME_EXITED : TERMINUS_OUTCOME_GONE,
                            tm_now(os));
            return;
        }
        tm_os_failed(mark, rc, os, primitive);
        if (first == TERMINUS_OK && rc != TERMINUS_E_UNREACHABLE) {
            const terminus_error *e = terminus_error_last();

            first = rc;
            saved.code = rc;
            saved.os_code = e->os_code;
            snprintf(saved.msg, sizeof saved.msg, "%s", e->message);
        }
    }
    if (t->sent == 0)
        target_unreachable(r, i, first != TERMINUS_OK ? first : TERMINUS_E_UNREACHABLE,
                           first != TERMINUS_OK ? &saved : NULL);
}

/* When a target's next step is due: step j of its k at w0 + j * wspan / k
 * (its window: the batch's, or what was left of it when a tree's scan found
 * it). */
static uint64_t step_due(const tm_target *t)
{
    uint64_t off = t->wspan * bit_count(t->chain & ~t->todo) / bit_count(t->chain);

    return t->w0 > UINT64_MAX - off ? UINT64_MAX : t->w0 + off;
}

/* The next of a tree's scans during the window [t0, t0 + grace], after
 * `now`: at each quarter of it (the end is scanned when the window closes). */
static uint64_t next_scan(uint64_t t0, uint64_t grace_us, uint64_t now)
{
    for (uint64_t j = 1; j < 4; j++) {
        uint64_t at = t0 + grace_us * j / 4;

        if (at > now)
            return at;
    }
    return UINT64_MAX;
}

/*
 * A tree's scan during the window (lib/core/tree.c): what it takes into the
 * batch is asked at once, each with its reach and its first step; its
 * window is what is left of the batch's, until `end`.
 */
static size_t scan_late(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n, uint64_t end)
{
    size_t taken = tm_tree_round(r, b, set, n), m = 0;
    uint64_t now;

    if (taken == 0)
        return 0;
    for (size_t i = b->b0; i < b->end; i++) {
        if (r->t[i].late) {
            r->t[i].late = 0;
            if (r->t[i].pending) {
                r->procs2[m] = r->t[i].proc;
                r->map2[m++] = i;
            }
        }
    }
    batch_reach(r, r->procs2, r->map2, m);
    now = tm_now(r->os);
    r->killed_any = 0;
    for (size_t k = 0; k < m; k++) {
        size_t i = r->map2[k];

        r->t[i].w0 = now;
        r->t[i].wspan = end > now ? end - now : 0;
        skip_unreachable(r, i);
        if (r->t[i].chain == 0)
            target_unreachable(r, i, TERMINUS_E_UNREACHABLE, NULL);
        else
            chain_next(r, i);
    }
    if (r->killed_any)
        r->last_kill = tm_now(r->os);
    tm_events_flush(r);
    return taken;
}

/*
 * The grace window [t0, t0 + grace] over the targets of the wait set: wake
 * for each step as it falls due, and stop when no target not killed yet is
 * pending or the window is over (then nothing more goes out). A tree scans
 * again at each quarter of the window, when no member is left running
 * before its end, and at its end (lib/core/tree.c, "Rounds").
 */
static void grace_window(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n, uint64_t t0)
{
    const uint64_t grace_us = (uint64_t)r->opts->grace_ms * 1000;
    const uint64_t end = tm_after_ms(t0, r->opts->grace_ms);
    uint64_t scan_at = r->tree != NULL ? next_scan(t0, grace_us, t0) : UINT64_MAX;

    for (int waited = 0;; waited = 1) {
        uint64_t now = tm_now(r->os), next = end;
        size_t live = 0;
        int over = now >= end && waited, scanned = 0;

        if (r->tree != NULL && (over || now >= scan_at)) {
            scan_late(r, b, set, n, end);
            scanned = 1;
            now = tm_now(r->os);
            scan_at = next_scan(t0, grace_us, now);
        }
        if (over)
            break; /* over: nothing more goes out (a window of 0 still looks once) */

        for (size_t k = 0; k < *n; k++) {
            size_t i = r->map[k];
            tm_target *t = &r->t[i];

            if (!t->pending || t->killed)
                continue;
            if (now < end && t->todo != 0 && step_due(t) <= now) {
                chain_next(r, i);
                if (!t->pending)
                    continue;
            }
            if (now < end && t->todo != 0 && step_due(t) < next)
                next = step_due(t);
            live++;
        }
        tm_events_flush(r);
        if (live == 0) {
            /* Before a tree's window closes early: did its members fork
             * before they ended? Only where a child keeps its link to a
             * parent that has ended (not TERMINUS_OS_REPARENTS), or where a
             * group lists what they forked (tree_group.c). */
            if (r->tree == NULL || scanned ||
                ((r->os->traits & TERMINUS_OS_REPARENTS) && !tm_tree_grouped(r)) ||
                scan_late(r, b, set, n, end) == 0)
                break;
            continue;
        }
        if (scan_at < next)
            next = scan_at;
        tm_wait_run(r, *set, *n, next, TERMINUS_OUTCOME_EXITED, 1);
        tm_events_flush(r);
    }
}

void tm_chain_batch(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *np, int wrc)
{
    const uint64_t grace_us = (uint64_t)r->opts->grace_ms * 1000;
    size_t n = *np;
    uint64_t t0;

    if (wrc != TERMINUS_OK && wrc != TERMINUS_E_NO_MEMORY)
        n = 0; /* the wait could not be made: its targets have failed */
    r->stop = *set != NULL ? TERMINUS_E_TIMEOUT : wrc;
    batch_reach(r, r->procs, r->map, n);
    r->killed_any = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = r->map[k];

        if (!r->t[i].pending)
            continue;
        skip_unreachable(r, i);
        if (r->t[i].chain == 0)
            target_unreachable(r, i, TERMINUS_E_UNREACHABLE, NULL);
        else
            chain_next(r, i);
    }
    t0 = tm_now(r->os);
    for (size_t k = 0; k < n; k++) {
        r->t[r->map[k]].w0 = t0;
        r->t[r->map[k]].wspan = grace_us;
    }
    if (r->killed_any)
        r->last_kill = t0;
    /* The window is open: from here the callback's time is the targets'. */
    tm_events_flush(r);
    if (*set != NULL)
        grace_window(r, b, set, np, t0);
    else if (wrc == TERMINUS_E_NO_MEMORY) /* no grace can be waited for */
        tm_see_ended(r, b->b0, b->end, TERMINUS_OUTCOME_EXITED);
    if (r->opts->flags & TERMINUS_TERMINATE_NO_FORCE) {
        for (size_t i = b->b0; i < b->end; i++) {
            if (!r->t[i].pending)
                continue;
            if (*set == NULL) {
                tm_target_wait_fail(r, i); /* asked; neither waited for nor killed */
            } else {
                tm_fail(TERMINUS_E_TIMEOUT,
                        "still runs %lu ms after the request (NO_FORCE: not killed)",
                        (unsigned long)r->opts->grace_ms);
                tm_target_fail(r, i, TERMINUS_E_TIMEOUT);
            }
        }
    }
    tm_events_flush(r);
}
