/*
 * lib/core/terminate.c: the escalation policy. Open every target once (the
 * handle is its identity from then on), ask each to leave, wait once for all
 * of them within one shared grace window, and only then kill what is left,
 * unless NO_FORCE. The OS is reached only through the context's shim.
 *
 * Batches. Each open target and each wait set may cost the OS a handle (a
 * descriptor on Linux), and the process's limit on them is the caller's:
 * terminus never raises it. So the targets are taken in batches that fit,
 * each with one wait set, used for its grace window and again after its
 * kills. Targets are opened one by one and each one's request goes out one
 * step late, right after the next target opened; the batch's wait set is
 * made before its last request. So the last target opened has not been
 * asked yet when the batch finds it is out of handles: when an open fails
 * with E_NO_MEMORY (out of memory or of handles) while the batch holds
 * targets, or when its wait set does (the targets filled the table exactly),
 * that last one is closed again, which leaves a handle free for the wait
 * set; the batch runs to its end (its own grace window, its kills, its
 * handles closed) and the next batch starts with the target closed. A batch
 * never gives back its first target, so every batch gets somewhere; only an
 * E_NO_MEMORY with nothing held is a failure of that target. A wait set that
 * still cannot be made costs no kill: the batch's targets that are seen
 * ended are settled, the others are killed (unless NO_FORCE) and only those
 * whose end cannot be seen fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define TM_NONE ((size_t)-1)

typedef struct tm_target {
    terminus_os_process *proc;
    int pending;    /* open, running and not yet settled */
    int settled;    /* its result is final */
    uint64_t since; /* when its request (or its kill, with FORCE) went out */
} tm_target;

/* One terminate call: everything the phases share. */
typedef struct tm_run {
    const terminus_os *os;
    const terminus_terminate_options *opts;
    const terminus_pid *pids;
    size_t count;
    tm_target *t;
    terminus_result *res;
    terminus_os_process **procs; /* scratch for wait sets */
    size_t *map;                 /* wait-set index -> target index */
    /* the record of the first failing target, in pid order */
    size_t first_fail;
    terminus_error first_err;
    char first_msg[512];
    /* the record of the last wait set that could not be made */
    terminus_error wait_err;
    char wait_msg[512];
} tm_run;

/* How many bytes of an options struct each version has: terminus reads and
 * writes no byte past them, so a 0.1 caller's shorter struct is safe. */
static size_t opts_size(uint32_t version)
{
    switch (version) {
    case TERMINUS_TERMINATE_OPTIONS_VERSION:
        return offsetof(terminus_terminate_options, steps);
    case TERMINUS_TERMINATE_OPTIONS_VERSION_2:
        return sizeof(terminus_terminate_options);
    default:
        return 0;
    }
}

int terminus_terminate_options_init(terminus_terminate_options *opts, uint32_t version)
{
    static const terminus_terminate_options defaults = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_terminate_options o = defaults;
    size_t size = opts_size(version);

    if (opts == NULL)
        return tm_fail(TERMINUS_E_INVALID, "terminus_terminate_options_init: opts is NULL");
    if (size == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "terminus_terminate_options_init: version %u is not one this library "
                       "knows (%d or %d)",
                       (unsigned)version, TERMINUS_TERMINATE_OPTIONS_VERSION,
                       TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    o.version = version;
    memcpy(opts, &o, size);
    return TERMINUS_OK;
}

static int opts_check(const char *fn, const terminus_terminate_options *in,
                      terminus_terminate_options *out)
{
    const uint32_t known = TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE;

    /* Everything newer than the caller's version takes its default. */
    terminus_terminate_options_init(out, TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    if (in == NULL) {
        out->message = TERMINUS_DEFAULT_MESSAGE;
        return TERMINUS_OK;
    }
    if (in->version != TERMINUS_TERMINATE_OPTIONS_VERSION)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->version %u is not %d (use TERMINUS_TERMINATE_OPTIONS_INIT or "
                       "terminus_terminate_options_init)",
                       fn, (unsigned)in->version, TERMINUS_TERMINATE_OPTIONS_VERSION);
    if (in->flags & ~known)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->flags has unknown bits 0x%x", fn,
                       (unsigned)(in->flags & ~known));
    if ((in->flags & known) == known)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->flags has both NO_FORCE and FORCE", fn);
    if (in->message != NULL) {
        int rc = tm_check_string(fn, "opts->message", in->message, 255, 1);
        if (rc != TERMINUS_OK)
            return rc;
    }
    memcpy(out, in, opts_size(in->version));
    if (out->message == NULL)
        out->message = TERMINUS_DEFAULT_MESSAGE;
    return TERMINUS_OK;
}

static int cmp_pid(const void *a, const void *b)
{
    terminus_pid x = *(const terminus_pid *)a, y = *(const terminus_pid *)b;
    return (x > y) - (x < y);
}

/* Every pid valid, none twice. Returns OK or the first problem. */
static int pids_check(const char *fn, const terminus_os *os, const terminus_pid *pids, size_t count)
{
    terminus_pid *sorted;
    int rc = TERMINUS_OK;

    if (count > 0 && pids == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: pids is NULL with count %lu", fn,
                       (unsigned long)count);
    for (size_t i = 0; i < count; i++) {
        rc = tm_check_pid(fn, os, pids[i]);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (count < 2)
        return TERMINUS_OK;
    sorted = malloc(count * sizeof *sorted);
    if (sorted == NULL)
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", fn);
    memcpy(sorted, pids, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, cmp_pid);
    for (size_t i = 1; i < count; i++) {
        if (sorted[i] == sorted[i - 1]) {
            rc = tm_fail(TERMINUS_E_INVALID, "%s: pid %lu is given twice", fn,
                         (unsigned long)sorted[i]);
            break;
        }
    }
    free(sorted);
    return rc;
}

static uint64_t now_us(const terminus_os *os)
{
    return os->clock_us ? os->clock_us(os->data) : 0;
}

/* t + ms, saturating: a clock near its end never wraps a deadline into the past. */
static uint64_t after_ms(uint64_t t, uint32_t ms)
{
    uint64_t d = (uint64_t)ms * 1000;
    return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

/* Target i failed with code: keep the record if it is the first in pid order. */
static void target_fail(tm_run *r, size_t i, int code)
{
    const terminus_error *e = terminus_error_last();

    r->res[i].status = code;
    r->res[i].outcome = TERMINUS_OUTCOME_NONE;
    r->t[i].pending = 0;
    r->t[i].settled = 1;
    if (i < r->first_fail) {
        r->first_fail = i;
        r->first_err.code = code;
        r->first_err.os_code = e->code == code ? e->os_code : 0;
        snprintf(r->first_msg, sizeof r->first_msg, "%s",
                 e->code == code && e->message[0] ? e->message : terminus_strerror(code));
    }
}

/* A shim call on target i failed: make sure there is a record, then fail it. */
static void target_os_fail(tm_run *r, size_t i, unsigned mark, int code, const char *primitive)
{
    tm_os_failed(mark, code, r->os, primitive);
    target_fail(r, i, code);
}

/* Target i failed because the wait set could not be made: its record is the
 * wait's, kept in r->wait_err (status reads may have written others since). */
static void target_wait_fail(tm_run *r, size_t i)
{
    terminus_os_error(r->wait_err.code, r->wait_err.os_code, "%s", r->wait_msg);
    target_fail(r, i, r->wait_err.code);
}

/* Target i has ended at `now`: settle its result, timed from its own
 * request (or kill), with its exit code from `known` when the caller has just
 * read it, else from a fresh status read. */
static void target_ended_st(tm_run *r, size_t i, int outcome, uint64_t now,
                            const terminus_os_status *known)
{
    uint64_t since = r->t[i].since;

    terminus_os_status st = { 0, 0, 0 };
    terminus_result *res = &r->res[i];

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
}

static void target_ended(tm_run *r, size_t i, int outcome, uint64_t now)
{
    target_ended_st(r, i, outcome, now, NULL);
}

/* No wait set: settle, by one status read each, the pending targets of
 * [b0, b1) that have already ended. No waiting, no handle needed. */
static void see_ended(tm_run *r, size_t b0, size_t b1, int outcome)
{
    const terminus_os *os = r->os;

    for (size_t i = b0; i < b1; i++) {
        terminus_os_status st = { 0, 0, 0 };

        if (r->t[i].pending && os->process_status(os->data, r->t[i].proc, &st) == TERMINUS_OK &&
            !st.running)
            target_ended_st(r, i, outcome, now_us(os), &st);
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
        target_fail(r, r->map[k], rc);
    return rc;
}

/*
 * Wait on `set` (over the n targets of r->map) until every one of them that
 * is still pending has ended, or until deadline (on the context's clock).
 * Ended targets get `outcome`. A failing wait fails every target still
 * pending with its code: no kill follows it. The set stays open: a batch
 * waits on it for the grace window, then again after its kills.
 */
static void wait_run(tm_run *r, terminus_os_waitset *set, size_t n, uint64_t deadline, int outcome)
{
    const terminus_os *os = r->os;
    size_t left = 0;

    for (size_t k = 0; k < n; k++)
        left += r->t[r->map[k]].pending != 0;
    while (left > 0) {
        size_t ready[64], nready = 0;
        uint64_t now = now_us(os);
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
        if (rc == TERMINUS_E_TIMEOUT && timeout_ms > 0 && now_us(os) <= now) {
            /* A wait that timed out without any time passing is broken (or a
             * fault): treat it as a failed wait, never as the end of grace,
             * so that nothing is killed early and nothing spins. */
            rc =
                tm_fail(TERMINUS_E_OS, "%s backend: wait_any(%lu ms) timed out with no time passed",
                        os->name ? os->name : "unnamed", (unsigned long)timeout_ms);
        }
        if (rc == TERMINUS_OK) {
            now = now_us(os);
            for (size_t k = 0; k < nready && k < sizeof ready / sizeof ready[0]; k++) {
                size_t i;
                if (ready[k] >= n)
                    continue; /* a broken backend: ignore what we did not ask for */
                i = r->map[ready[k]];
                if (!r->t[i].pending)
                    continue;
                target_ended(r, i, outcome, now);
                left--;
            }
            continue;
        }
        if (rc == TERMINUS_E_TIMEOUT) {
            if (timeout_ms == 0 || now_us(os) >= deadline)
                break;
            continue; /* woke early: wait out the rest */
        }
        for (size_t k = 0; k < n; k++) {
            if (r->t[r->map[k]].pending)
                target_os_fail(r, r->map[k], mark, rc, "wait_any");
        }
        break;
    }
}

/* Send target i its exit request, timed from now. */
static void request_one(tm_run *r, size_t i)
{
    const terminus_os *os = r->os;
    unsigned mark;
    int rc;

    r->t[i].since = now_us(os);
    mark = tm_error_mark();
    rc = os->process_request(os->data, r->t[i].proc, r->opts->message);
    if (rc == TERMINUS_E_NOT_FOUND)
        target_ended(r, i, TERMINUS_OUTCOME_GONE, 0); /* it ended before the request */
    else if (rc != TERMINUS_OK)
        target_os_fail(r, i, mark, rc, "process_request");
}

/* Close target i's handle before the end of its batch. */
static void target_close(tm_run *r, size_t i)
{
    r->os->process_close(r->os->data, r->t[i].proc);
    r->t[i].proc = NULL;
}

/* The batch being opened and run: [b0, end); the next one starts at next. */
typedef struct tm_batch {
    size_t b0, end, next;
    size_t first; /* the first target it tried to open */
    size_t spare; /* the last target it opened: pending, not asked yet (TM_NONE: none) */
} tm_batch;

/*
 * Free one handle of the batch for its wait set: the spare's (the last target
 * opened, not asked yet), which then starts the next batch; never the batch's
 * first target, so that every batch gets somewhere. Returns 1 if freed.
 */
static int batch_give_back(tm_run *r, tm_batch *b)
{
    size_t i = b->spare;

    if (i == TM_NONE || i == b->first)
        return 0;
    target_close(r, i);
    r->t[i].pending = 0; /* not settled: opened again in the next batch */
    b->end = b->next = i;
    b->spare = TM_NONE;
    return 1;
}

/*
 * Open the batch's targets from b->b0 on and, unless FORCE, send each its
 * request one step late (right after the next target opened), so that the
 * first targets are leaving while the last are opened. The batch ends at the
 * end of the list or at an open that runs out of memory or handles while the
 * batch holds targets; then the last target opened gives its handle back
 * (see the top of this file).
 */
static void batch_open(tm_run *r, tm_batch *b)
{
    const terminus_os *os = r->os;
    int ask = !(r->opts->flags & TERMINUS_TERMINATE_FORCE);
    size_t last = TM_NONE;

    b->first = b->spare = TM_NONE;
    for (size_t i = b->b0; i < r->count; i++) {
        unsigned mark;
        terminus_os_status st = { 0, 0, 0 };
        int rc;

        if (r->t[i].settled)
            continue; /* done in an earlier batch */
        if (b->first == TM_NONE)
            b->first = i;
        mark = tm_error_mark();
        rc = os->process_open(os->data, r->pids[i], &r->t[i].proc);
        if (rc == TERMINUS_E_NO_MEMORY && last != TM_NONE) {
            r->t[i].proc = NULL;
            b->end = b->next = i;
            if (r->t[last].settled)
                target_close(r, last); /* ended or failed: its handle is spare */
            else
                batch_give_back(r, b);
            return;
        }
        if (rc != TERMINUS_OK) {
            r->t[i].proc = NULL;
            target_os_fail(r, i, mark, rc, "process_open");
            continue;
        }
        last = i;
        if (ask && b->spare != TM_NONE && r->t[b->spare].pending)
            request_one(r, b->spare);
        b->spare = TM_NONE;
        mark = tm_error_mark();
        rc = os->process_status(os->data, r->t[i].proc, &st);
        if (rc != TERMINUS_OK) {
            target_os_fail(r, i, mark, rc, "process_status");
            continue;
        }
        r->t[i].pending = 1;
        if (!st.running)
            target_ended_st(r, i, TERMINUS_OUTCOME_GONE, 0, &st);
        else
            b->spare = i;
    }
    b->end = b->next = r->count;
}

/*
 * The batch's one wait set, over its pending targets, made before the last
 * request goes out (or before the kills, with FORCE). Out of handles, the
 * batch frees one (a settled target's, else the spare's) and tries again.
 * Returns the wait_open code; *n is how many targets the set covers.
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
                target_close(r, i);
                freed = 1;
            }
        }
        if (!freed && !batch_give_back(r, b))
            return rc;
    }
}

/* Kill every pending target of the batch, then wait for them to be seen
 * gone: on `set` if the batch has one, else on a set made now; if none can
 * be made, a status read each, and what is not seen ended fails. */
static void batch_kill(tm_run *r, const tm_batch *b, terminus_os_waitset *set, size_t n)
{
    const terminus_os *os = r->os;
    int forced = (r->opts->flags & TERMINUS_TERMINATE_FORCE) != 0;
    int wrc = TERMINUS_OK;

    for (size_t i = b->b0; i < b->end; i++) {
        unsigned mark;
        int rc;

        if (!r->t[i].pending)
            continue;
        if (forced)
            r->t[i].since = now_us(os); /* no request: timed from the kill */
        mark = tm_error_mark();
        rc = os->process_kill(os->data, r->t[i].proc, r->opts->forced_exit_code);
        if (rc == TERMINUS_E_NOT_FOUND) /* it left by itself just before the kill */
            target_ended(r, i, forced ? TERMINUS_OUTCOME_GONE : TERMINUS_OUTCOME_EXITED,
                         now_us(os));
        else if (rc != TERMINUS_OK)
            target_os_fail(r, i, mark, rc, "process_kill");
    }
    if (set != NULL) {
        wait_run(r, set, n, after_ms(now_us(os), TERMINUS_KILL_WAIT_MS), TERMINUS_OUTCOME_FORCED);
    } else if ((n = collect(r, b->b0, b->end)) > 0) {
        wrc = wait_make(r, n, &set);
        if (wrc == TERMINUS_OK) {
            wait_run(r, set, n, after_ms(now_us(os), TERMINUS_KILL_WAIT_MS),
                     TERMINUS_OUTCOME_FORCED);
            os->wait_close(os->data, set);
        } else if (wrc == TERMINUS_E_NO_MEMORY) {
            see_ended(r, b->b0, b->end, TERMINUS_OUTCOME_FORCED);
        }
    }
    for (size_t i = b->b0; i < b->end; i++) {
        if (!r->t[i].pending)
            continue;
        if (wrc != TERMINUS_OK) {
            target_wait_fail(r, i); /* killed, but its end could not be seen */
        } else {
            tm_fail(TERMINUS_E_TIMEOUT, "still runs %u ms after it was killed",
                    TERMINUS_KILL_WAIT_MS);
            target_fail(r, i, TERMINUS_E_TIMEOUT);
        }
    }
}

/*
 * One batch: open its targets, make its wait set, send the last request
 * (the grace window opens then, so that no target gets less than grace_ms
 * however long opening and sending took: a broadcast costs per window on the
 * desktop), wait, kill what is left (unless NO_FORCE), close its handles.
 */
static void batch_run(tm_run *r, tm_batch *b)
{
    const terminus_os *os = r->os;
    terminus_os_waitset *set = NULL;
    size_t n = 0;
    int wrc;

    batch_open(r, b);
    wrc = batch_wait_set(r, b, &set, &n);
    if (!(r->opts->flags & TERMINUS_TERMINATE_FORCE)) {
        uint64_t sent;

        if (b->spare != TM_NONE && r->t[b->spare].pending)
            request_one(r, b->spare);
        sent = now_us(os);
        if (set != NULL)
            wait_run(r, set, n, after_ms(sent, r->opts->grace_ms), TERMINUS_OUTCOME_EXITED);
        else if (wrc == TERMINUS_E_NO_MEMORY)
            see_ended(r, b->b0, b->end, TERMINUS_OUTCOME_EXITED); /* no grace can be waited */
        if (r->opts->flags & TERMINUS_TERMINATE_NO_FORCE) {
            for (size_t i = b->b0; i < b->end; i++) {
                if (!r->t[i].pending)
                    continue;
                if (set == NULL) {
                    target_wait_fail(r, i); /* asked; neither waited for nor killed */
                } else {
                    tm_fail(TERMINUS_E_TIMEOUT,
                            "still runs %lu ms after the request (NO_FORCE: not killed)",
                            (unsigned long)r->opts->grace_ms);
                    target_fail(r, i, TERMINUS_E_TIMEOUT);
                }
            }
        }
    }
    batch_kill(r, b, set, n);
    if (set != NULL)
        os->wait_close(os->data, set);
    for (size_t i = b->b0; i < b->end; i++) {
        if (r->t[i].proc != NULL)
            target_close(r, i);
    }
}

static void run(tm_run *r)
{
    tm_batch b;

    for (b.b0 = 0; b.b0 < r->count; b.b0 = b.next)
        batch_run(r, &b);
}

static void results_fill(terminus_result *res, size_t count, int code)
{
    for (size_t i = 0; i < count && res != NULL; i++) {
        res[i].status = code;
        res[i].outcome = TERMINUS_OUTCOME_NONE;
        res[i].exit_code = TERMINUS_EXIT_CODE_UNKNOWN;
        res[i].elapsed_us = 0;
    }
}

static int missing_member(const char *fn, const terminus_os *os,
                          const terminus_terminate_options *o)
{
    if (!TM_HAS(os, process_open))
        return tm_unsupported(os, fn, "process_open");
    if (!TM_HAS(os, process_close))
        return tm_unsupported(os, fn, "process_close");
    if (!TM_HAS(os, process_status))
        return tm_unsupported(os, fn, "process_status");
    if (!(o->flags & TERMINUS_TERMINATE_FORCE) && !TM_HAS(os, process_request))
        return tm_unsupported(os, fn, "process_request");
    if (!(o->flags & TERMINUS_TERMINATE_NO_FORCE) && !TM_HAS(os, process_kill))
        return tm_unsupported(os, fn, "process_kill");
    if (!TM_HAS(os, wait_open) || !TM_HAS(os, wait_any) || !TM_HAS(os, wait_close))
        return tm_unsupported(os, fn, "wait_open, wait_any and wait_close");
    return TERMINUS_OK;
}

static int terminate(const char *fn, terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                     const terminus_terminate_options *opts, terminus_result *results)
{
    terminus_terminate_options o;
    tm_run r;
    void *block;
    int rc;

    rc = tm_ctx_get(&ctx, fn);
    if (rc == TERMINUS_OK)
        rc = opts_check(fn, opts, &o);
    if (rc == TERMINUS_OK)
        rc = pids_check(fn, &ctx->os, pids, count);
    if (rc == TERMINUS_OK && count > 0)
        rc = missing_member(fn, &ctx->os, &o);
    if (rc != TERMINUS_OK || count == 0) {
        results_fill(results, count, rc);
        return rc;
    }

    memset(&r, 0, sizeof r);
    r.os = &ctx->os;
    r.opts = &o;
    r.pids = pids;
    r.count = count;
    r.first_fail = (size_t)-1;
    /* One block for all the per-target state, so that nothing leaks on any path. */
    block = calloc(count, sizeof(tm_target) + sizeof(terminus_os_process *) + sizeof(size_t) +
                              (results ? 0 : sizeof(terminus_result)));
    if (block == NULL) {
        results_fill(results, count, TERMINUS_E_NO_MEMORY);
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory for %lu targets", fn,
                       (unsigned long)count);
    }
    r.t = block;
    r.procs = (terminus_os_process **)(r.t + count);
    r.map = (size_t *)(r.procs + count);
    r.res = results ? results : (terminus_result *)(r.map + count);
    results_fill(r.res, count, TERMINUS_OK);

    run(&r);
    free(block);

    if (r.first_fail == (size_t)-1)
        return TERMINUS_OK;
    /* The record describes the first failing target, naming its pid. */
    terminus_os_error(r.first_err.code, r.first_err.os_code, "%s(pid %lu): %s", fn,
                      (unsigned long)pids[r.first_fail], r.first_msg);
    return r.first_err.code;
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
