/*
 * lib/core/terminate.c: the escalation policy. Open every target once (the
 * handle is its identity from then on), ask each to leave, wait once for all
 * of them within one shared grace window, and only then kill what is left,
 * unless NO_FORCE. The OS is reached only through the context's shim. How
 * the asking goes (the close chain: which steps reach each target, and when
 * each goes out) is lib/core/chain.c; what is checked before anything is
 * done, lib/core/options.c; the state they share, lib/core/run.h.
 *
 * Batches. Each open target and each wait set may cost the OS a handle (a
 * descriptor on Linux), and the process's limit on them is the caller's:
 * terminus never raises it. So the targets are taken in batches that fit,
 * each with one wait set, used for its grace window and again after its
 * kills. A batch's targets are opened one by one and nothing is sent to any
 * of them before the batch's wait set is made; so when an open fails with
 * E_NO_MEMORY (out of memory or of handles) while the batch holds targets,
 * or when its wait set does (the targets filled the table exactly), the
 * last target opened is closed again, which leaves a handle free for the
 * wait set; the batch runs to its end (its chain, its own grace window, its
 * kills, its handles closed) and the next batch starts with the target
 * closed. A batch never gives back its first target, so every batch gets
 * somewhere; only an E_NO_MEMORY with nothing held is a failure of that
 * target. A wait set that still cannot be made costs no kill: the batch's
 * targets that are seen ended are settled, the others are killed (unless
 * NO_FORCE) and only those whose end cannot be seen fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

uint64_t tm_now(const terminus_os *os)
{
    return os->clock_us ? os->clock_us(os->data) : 0;
}

uint64_t tm_after_ms(uint64_t t, uint32_t ms)
{
    uint64_t d = (uint64_t)ms * 1000;
    return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

/* Target i failed with code: keep the record if it is the first in pid order. */
void tm_target_fail(tm_run *r, size_t i, int code)
{
    const terminus_error *e = terminus_error_last();

    r->res[i].status = code;
    r->res[i].outcome = TERMINUS_OUTCOME_NONE;
    r->t[i].pending = 0;
    r->t[i].settled = 1;
    if (i >= r->nroots && r->tree != NULL)
        tm_tree_failed(r, i, code); /* a member: its tree's result says it */
    else if (i < r->first_fail) {
        r->first_fail = i;
        r->first_err.code = code;
        r->first_err.os_code = e->code == code ? e->os_code : 0;
        snprintf(r->first_msg, sizeof r->first_msg, "%s",
                 e->code == code && e->message[0] ? e->message : terminus_strerror(code));
    }
    tm_settled(r, i);
}

/* A shim call on target i failed: make sure there is a record, then fail it. */
static void target_os_fail(tm_run *r, size_t i, unsigned mark, int code, const char *primitive)
{
    tm_os_failed(mark, code, r->os, primitive);
    tm_target_fail(r, i, code);
}

/* Target i failed because the wait set could not be made: its record is the
 * wait's, kept in r->wait_err (status reads may have written others since). */
void tm_target_wait_fail(tm_run *r, size_t i)
{
    terminus_os_error(r->wait_err.code, r->wait_err.os_code, "%s", r->wait_msg);
    tm_target_fail(r, i, r->wait_err.code);
}

/* Target i has ended at `now`: settle its result, timed from its own
 * request (or kill), with its exit code from `known` when the caller has just
 * read it, else from a fresh status read. A target whose kill went out is
 * FORCED, whoever saw it end. */
static void target_ended_st(tm_run *r, size_t i, int outcome, uint64_t now,
                            const terminus_os_status *known)
{
    uint64_t since = r->t[i].since;

    terminus_os_status st = { 0, 0, 0 };
    terminus_result *res = &r->res[i];

    if (r->t[i].killed && outcome == TERMINUS_OUTCOME_EXITED)
        outcome = TERMINUS_OUTCOME_FORCED;
    res->outcome = outcome;
    res->status = TERMINUS_OK;
    res->elapsed_us = outcome == TERMINUS_OUTCOME_GONE || now < since ? 0 : now - since;
    res->exit_code = TERMINUS_EXIT_CODE_UNKNOWN;
    if (known != NULL)
        st = *known;
    /* A failing status read after the end loses only the exit code. */
    else if (r->os->process_status(r->os->data, r->t[i].proc, &st) != TERMINUS_OK)
        st.code_known = 0;
    if (st.code_known)
        res->exit_code = st.exit_code;
    r->t[i].pending = 0;
    r->t[i].settled = 1;
    tm_settled(r, i);
}

void tm_target_ended(tm_run *r, size_t i, int outcome, uint64_t now)
{
    target_ended_st(r, i, outcome, now, NULL);
}

/* No wait set: settle, by one status read each, the pending targets of
 * [b0, b1) that have already ended. No waiting, no handle needed. */
void tm_see_ended(tm_run *r, size_t b0, size_t b1, int outcome)
{
    const terminus_os *os = r->os;

    for (size_t i = b0; i < b1; i++) {
        terminus_os_status st = { 0, 0, 0 };

        if (r->t[i].pending && os->process_status(os->data, r->t[i].proc, &st) == TERMINUS_OK &&
            !st.running)
            target_ended_st(r, i, outcome, tm_now(os), &st);
    }
}

/* The pending targets of [b0, b1) into r->procs and r->map; returns how many. */
static size_t collect(tm_run *r, size_t b0, size_t b1)
{
    size_t n = 0;

    for (size_t i = b0; i < b1; i++) {
        if (r->t[i].pending) {
            r->procs[n] = r->t[i].proc;
            r->map[n++] = i;
        }
    }
    return n;
}

/*
 * Make a wait set over the n targets collected. On E_NO_MEMORY (out of
 * memory or of handles) the record is kept in r->wait_err and the targets
 * stay pending, for the caller to decide; any other failure fails them: no
 * kill follows a wait that could not be made.
 */
static int wait_make(tm_run *r, size_t n, terminus_os_waitset **set)
{
    const terminus_os *os = r->os;
    unsigned mark = tm_error_mark();
    int rc = os->wait_open(os->data, r->procs, n, set);

    if (rc == TERMINUS_OK)
        return rc;
    *set = NULL;
    tm_os_failed(mark, rc, os, "wait_open");
    if (rc == TERMINUS_E_NO_MEMORY) {
        const terminus_error *e = terminus_error_last();
        r->wait_err.code = rc;
        r->wait_err.os_code = e->os_code;
        snprintf(r->wait_msg, sizeof r->wait_msg, "%s", e->message);
        return rc;
    }
    for (size_t k = 0; k < n; k++)
        tm_target_fail(r, r->map[k], rc);
    return rc;
}

/* Whether target i is one tm_wait_run waits for. */
static int waited_for(const tm_run *r, size_t i, int grace_only)
{
    return r->t[i].pending && !(grace_only && r->t[i].killed);
}

/*
 * Wait on `set` (over the n targets of r->map) until every one of them that
 * matters (see waited_for) has ended, or until deadline (on the context's
 * clock). Ended targets get `outcome` (FORCED if killed). A failing wait
 * fails every target still pending with its code: no kill follows it. The
 * set stays open: a batch waits on it for the grace window, then again
 * after its kills.
 */
void tm_wait_run(tm_run *r, terminus_os_waitset *set, size_t n, uint64_t deadline, int outcome,
                 int grace_only)
{
    const terminus_os *os = r->os;
    size_t left = 0;

    for (size_t k = 0; k < n; k++)
        left += waited_for(r, r->map[k], grace_only) != 0;
    while (left > 0) {
        size_t ready[64], nready = 0;
        uint64_t now = tm_now(os);
        uint32_t timeout_ms = 0;
        unsigned mark;
        int rc;

        if (now < deadline) {
            uint64_t ms = (deadline - now + 999) / 1000;
            timeout_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
        }
        mark = tm_error_mark();
        rc =
            os->wait_any(os->data, set, timeout_ms, ready, sizeof ready / sizeof ready[0], &nready);
        if (rc == TERMINUS_E_TIMEOUT && timeout_ms > 0 && tm_now(os) <= now) {
            /* A wait that timed out without any time passing is broken (or a
             * fault): treat it as a failed wait, never as the end of grace,
             * so that nothing is killed early and nothing spins. */
            rc =
                tm_fail(TERMINUS_E_OS, "%s backend: wait_any(%lu ms) timed out with no time passed",
                        os->name ? os->name : "unnamed", (unsigned long)timeout_ms);
        }
        if (rc == TERMINUS_OK) {
            now = tm_now(os);
            for (size_t k = 0; k < nready && k < sizeof ready / sizeof ready[0]; k++) {
                size_t i;
                if (ready[k] >= n)
                    continue; /* a broken backend: ignore what we did not ask for */
                i = r->map[ready[k]];
                if (!r->t[i].pending)
                    continue;
                if (waited_for(r, i, grace_only))
                    left--;
                tm_target_ended(r, i, outcome, now);
            }
            tm_events_flush(r); /* each end is told as it is seen */
            continue;
        }
        if (rc == TERMINUS_E_TIMEOUT) {
            if (timeout_ms == 0 || tm_now(os) >= deadline)
                break;
            continue; /* woke early: wait out the rest */
        }
        tm_os_failed(mark, rc, os, "wait_any");
        for (size_t k = 0; k < n; k++) {
            if (r->t[r->map[k]].pending)
                tm_target_fail(r, r->map[k], rc);
        }
        break;
    }
}

void tm_target_close(tm_run *r, size_t i)
{
    r->os->process_close(r->os->data, r->t[i].proc);
    r->t[i].proc = NULL;
}

/*
 * Free one handle of the batch for its wait set: the spare's (the last target
 * opened), which then starts the next batch; never the batch's first target,
 * so that every batch gets somewhere. Returns 1 if freed.
 */
static int batch_give_back(tm_run *r, tm_batch *b)
{
    size_t i = b->spare;

    if (i == TM_NONE || i == b->first)
        return 0;
    tm_target_close(r, i);
    r->t[i].pending = 0; /* not settled: opened again in the next batch */
    b->end = b->next = i;
    b->spare = TM_NONE;
    return 1;
}

/* Target i is not the process the call means: its pid names another one
 * now, or it has ended (`why`). A caller's target is then r->replaced
 * (E_NOT_FOUND for a token) or GONE; a tree member, GONE. Nothing is sent. */
static void target_replaced(tm_run *r, size_t i, const char *why)
{
    static const terminus_os_status ended = { 0, 0, 0 }; /* its exit code is not its own */

    if (i < r->nroots && r->replaced != TERMINUS_OK) {
        tm_fail(r->replaced, "%s", why);
        tm_target_fail(r, i, r->replaced);
        return;
    }
    target_ended_st(r, i, TERMINUS_OUTCOME_GONE, 0, &ended);
}

/* Read target i's identity through its handle, when the call needs it (an
 * identity to compare, or a tree, which needs every start). Returns 1 when
 * it goes on; 0 when it was settled. */
static int target_identify(tm_run *r, size_t i)
{
    const terminus_os *os = r->os;
    tm_target *t = &r->t[i];
    terminus_process_info info;
    uint64_t unique = 0;
    char why[160], now[17], meant[17];
    unsigned mark;
    int rc;

    if (!t->want && r->tree == NULL)
        return 1;
    mark = tm_error_mark();
    rc = os->process_identity(os->data, t->proc, &info, &unique);
    if (rc == TERMINUS_OK) {
        t->start = info.start;
        t->start_known = 1;
        if (!t->want ||
            (info.start == t->want_start && (t->want_unique == 0 || unique == t->want_unique)))
            return 1;
        tm_hex64(info.start, now);
        tm_hex64(t->want_start, meant);
        snprintf(why, sizeof why,
                 "the process meant has ended: pid %lu names another process now (start %s, "
                 "not %s%s)",
                 (unsigned long)r->pids[i], now, meant,
                 info.start == t->want_start ? ", another unique id" : "");
        target_replaced(r, i, why);
        return 0;
    }
    if (rc == TERMINUS_E_NOT_FOUND && t->want) {
        snprintf(why, sizeof why, "the process meant (pid %lu) has ended",
                 (unsigned long)r->pids[i]);
        target_replaced(r, i, why);
        return 0;
    }
    if (rc == TERMINUS_E_NOT_FOUND)
        return 1; /* it has ended: its status says so */
    target_os_fail(r, i, mark, rc, "process_identity");
    return 0;
}

int tm_open_target(tm_run *r, size_t i, int *pending)
{
    const terminus_os *os = r->os;
    terminus_os_status st = { 0, 0, 0 };
    unsigned mark = tm_error_mark();
    int rc = os->process_open(os->data, r->pids[i], &r->t[i].proc);

    *pending = 0;
    if (rc != TERMINUS_OK) {
        r->t[i].proc = NULL;
        if (rc == TERMINUS_E_NOT_FOUND && r->t[i].want &&
            (i >= r->nroots || r->replaced == TERMINUS_OK)) {
            /* the process the call listed has ended since */
            static const terminus_os_status ended = { 0, 0, 0 };

            target_ended_st(r, i, TERMINUS_OUTCOME_GONE, 0, &ended);
        } else if (rc != TERMINUS_E_NO_MEMORY) {
            target_os_fail(r, i, mark, rc, "process_open");
        } else {
            tm_os_failed(mark, rc, os, "process_open"); /* the caller decides */
        }
        return rc;
    }
    if (!target_identify(r, i))
        return TERMINUS_OK;
    mark = tm_error_mark();
    rc = os->process_status(os->data, r->t[i].proc, &st);
    if (rc != TERMINUS_OK) {
        target_os_fail(r, i, mark, rc, "process_status");
        return TERMINUS_OK;
    }
    /* A tree's target: the group that may hold its tree (tree_group.c) */
    if (r->tree != NULL && i < r->nroots && !tm_tree_group_open(r, i, st.running))
        return TERMINUS_OK;
    r->t[i].pending = 1;
    if (!st.running && r->t[i].want && i < r->nroots && r->replaced != TERMINUS_OK) {
        /* a token's process, identified but ended (a zombie): a token of a
         * process that has ended names none */
        tm_fail(r->replaced, "the process meant (pid %lu) has ended", (unsigned long)r->pids[i]);
        tm_target_fail(r, i, r->replaced);
    } else if (!st.running) {
        target_ended_st(r, i, TERMINUS_OUTCOME_GONE, 0, &st);
    } else {
        *pending = 1;
    }
    return TERMINUS_OK;
}

/*
 * Open the batch's targets from b->b0 on; nothing is sent to them yet. The
 * batch ends at the end of the list or at an open that runs out of memory or
 * handles while the batch holds targets; then the last target opened gives
 * its handle back (see the top of this file).
 */
static void batch_open(tm_run *r, tm_batch *b)
{
    size_t last = TM_NONE;

    b->first = b->spare = TM_NONE;
    for (size_t i = b->b0; i < r->count; i++) {
        int pending = 0, rc;

        if (r->t[i].settled)
            continue; /* done in an earlier batch */
        if (b->first == TM_NONE)
            b->first = i;
        rc = tm_open_target(r, i, &pending);
        if (rc == TERMINUS_E_NO_MEMORY && last != TM_NONE) {
            b->end = b->next = i;
            if (r->t[last].settled)
                tm_target_close(r, last); /* ended or failed: its handle is spare */
            else
                batch_give_back(r, b);
            return;
        }
        if (rc == TERMINUS_E_NO_MEMORY) {
            tm_target_fail(r, i, rc); /* nothing held: it cannot be opened */
            continue;
        }
        if (rc != TERMINUS_OK)
            continue;
        last = i;
        b->spare = pending ? i : TM_NONE;
    }
    b->end = b->next = r->count;
}

/*
 * The batch's one wait set, over its pending targets, made before anything
 * is sent. Out of handles, the batch frees one (a settled target's, else the
 * spare's) and tries again. Returns the wait_open code; *n is how many
 * targets the set covers (r->procs and r->map hold them).
 */
static int batch_wait_set(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n)
{
    int rc = TERMINUS_OK;

    *set = NULL;
    for (;;) {
        int freed = 0;

        *n = collect(r, b->b0, b->end);
        if (*n == 0)
            return TERMINUS_OK;
        rc = wait_make(r, *n, set);
        if (rc != TERMINUS_E_NO_MEMORY)
            return rc;
        for (size_t i = b->b0; i < b->end && !freed; i++) {
            if (r->t[i].settled && r->t[i].proc != NULL) {
                tm_target_close(r, i);
                freed = 1;
            }
        }
        if (!freed && !batch_give_back(r, b))
            return rc;
    }
}

void tm_kill_one(tm_run *r, size_t i)
{
    const terminus_os *os = r->os;
    tm_target *t = &r->t[i];
    uint64_t at = tm_now(os);
    unsigned mark;
    int rc;

    if (t->sent == 0)
        t->since = at; /* nothing went out: timed from the kill */
    mark = tm_error_mark();
    rc = os->process_kill(os->data, t->proc, r->opts->forced_exit_code);
    tm_event_add(r, i, TERMINUS_PROGRESS_KILL, 0, rc, at); /* queued before its end */
    if (rc == TERMINUS_OK) {
        t->killed = 1;
        r->killed_any = 1;
        r->batch_killed = 1;
        if (tm_detail(r, i) != NULL)
            tm_detail(r, i)->kill_at_us = tm_since_start(r, at);
    } else if (rc == TERMINUS_E_NOT_FOUND) {
        /* it left by itself just before the kill (GONE: before anything went out) */
        tm_target_ended(r, i, t->sent ? TERMINUS_OUTCOME_EXITED : TERMINUS_OUTCOME_GONE,
                        tm_now(os));
    } else {
        target_os_fail(r, i, mark, rc, "process_kill");
    }
}

/* Kill every pending target of [k0, k1) not killed yet; returns whether a
 * kill went out (r->last_kill is then its time). */
static int kill_pending(tm_run *r, size_t k0, size_t k1)
{
    r->killed_any = 0;
    for (size_t i = k0; i < k1; i++) {
        if (r->t[i].pending && !r->t[i].killed)
            tm_kill_one(r, i);
    }
    if (r->killed_any)
        r->last_kill = tm_now(r->os);
    tm_events_flush(r);
    return r->killed_any;
}

/* Whether a scan could find nothing new: every member of the batch has
 * ended and the OS re-parents the children of a process that ends
 * (TERMINUS_OS_REPARENTS), so no listing links anything to them. */
static int tree_all_ended(const tm_run *r, const tm_batch *b)
{
    if (!(r->os->traits & TERMINUS_OS_REPARENTS) || tm_tree_grouped(r))
        return 0; /* a group still lists what its members forked */
    for (size_t i = b->b0; i < b->end; i++) {
        if (r->t[i].pending)
            return 0;
    }
    return 1;
}

/* A tree whose members were killed: scan again, as long as a scan finds
 * more, and kill what it finds at once (the grace is over), each time
 * waiting for them to be seen gone (tree.c, "Rounds"). */
static void tree_after_kills(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n)
{
    size_t taken;

    while (!tree_all_ended(r, b) && (taken = tm_tree_round(r, b, set, n)) > 0) {
        size_t k0 = r->count; /* the late ones: in [b0, end), flagged */

        for (size_t i = b->b0; i < b->end; i++) {
            if (r->t[i].late) {
                r->t[i].late = 0;
                k0 = i < k0 ? i : k0;
            }
        }
        if (!kill_pending(r, k0, b->end))
            break;
        tm_wait_run(r, *set, *n, tm_after_ms(r->last_kill, TERMINUS_KILL_WAIT_MS),
                    TERMINUS_OUTCOME_FORCED, 0);
    }
}

/* Kill every pending target of the batch not killed yet, then wait for the
 * killed ones to be seen gone, up to TERMINUS_KILL_WAIT_MS after the last
 * kill: on `set` if the batch has one, else on a set made now; if none can
 * be made, a status read each, and what is not seen ended fails. */
static void batch_kill(tm_run *r, tm_batch *b, terminus_os_waitset **setp, size_t *np)
{
    const terminus_os *os = r->os;
    terminus_os_waitset *set = *setp;
    size_t n = *np;
    int wrc = TERMINUS_OK;

    if (r->opts->flags & TERMINUS_TERMINATE_NO_FORCE)
        return; /* never a kill: tm_chain_batch settled every target */
    kill_pending(r, b->b0, b->end);
    tm_tree_group_kill(r, b); /* what was forked during the kills */
    if (set != NULL) {
        tm_wait_run(r, set, n, tm_after_ms(r->last_kill, TERMINUS_KILL_WAIT_MS),
                    TERMINUS_OUTCOME_FORCED, 0);
        if (r->tree != NULL && r->batch_killed)
            tree_after_kills(r, b, setp, np);
    } else if ((n = collect(r, b->b0, b->end)) > 0) {
        wrc = wait_make(r, n, &set);
        if (wrc == TERMINUS_OK) {
            tm_wait_run(r, set, n, tm_after_ms(tm_now(os), TERMINUS_KILL_WAIT_MS),
                        TERMINUS_OUTCOME_FORCED, 0);
            os->wait_close(os->data, set);
        } else if (wrc == TERMINUS_E_NO_MEMORY) {
            tm_see_ended(r, b->b0, b->end, TERMINUS_OUTCOME_FORCED);
        }
    }
    for (size_t i = b->b0; i < b->end; i++) {
        if (!r->t[i].pending)
            continue;
        if (wrc != TERMINUS_OK) {
            tm_target_wait_fail(r, i); /* killed, but its end could not be seen */
        } else {
            tm_fail(TERMINUS_E_TIMEOUT, "still runs %u ms after it was killed",
                    TERMINUS_KILL_WAIT_MS);
            tm_target_fail(r, i, TERMINUS_E_TIMEOUT);
        }
    }
    tm_events_flush(r);
}

/*
 * One batch: open its targets, make its wait set, then (unless FORCE) its
 * chain and grace window (lib/core/chain.c), kill what is left (unless
 * NO_FORCE), close its handles. A tree's scans may add targets to the
 * batch (b->end moves) and replace its wait set.
 */
static void batch_run(tm_run *r, tm_batch *b)
{
    const terminus_os *os = r->os;
    terminus_os_waitset *set = NULL;
    size_t n = 0;
    int wrc;

    r->last_kill = 0;
    r->batch_killed = 0;
    batch_open(r, b);
    wrc = batch_wait_set(r, b, &set, &n);
    tm_events_flush(r);
    if (!(r->opts->flags & TERMINUS_TERMINATE_FORCE))
        tm_chain_batch(r, b, &set, &n, wrc);
    batch_kill(r, b, &set, &n);
    tm_tree_group_settle(r, b);
    if (set != NULL)
        os->wait_close(os->data, set);
    for (size_t i = b->b0; i < b->end; i++) {
        if (r->t[i].proc != NULL)
            tm_target_close(r, i);
    }
}

void tm_run_batches(tm_run *r)
{
    tm_batch b;

    /* r->count may grow as a tree's scans find members: each batch starts
     * where the last one ended. */
    for (b.b0 = 0; b.b0 < r->count; b.b0 = b.next)
        batch_run(r, &b);
}
