/*
 * fuzz_terminate_options: terminus_terminate_many() with options and pids
 * read from the input, against a fake with processes of every behaviour and
 * reach (none, part of the chain, a refused step), the system's first
 * process (pid 1) and the caller (pid 1000).
 *
 * Input: a control byte (bit 0: pass options; bit 1: a message; bit 2:
 * results NULL; bit 3: the version-2 members follow), version, flags,
 * grace_ms, forced_exit_code (4 bytes each, little-endian); with bit 3:
 * steps and reserved (4 bytes each), a byte (bit 0: a progress callback;
 * bit 1: progress_arg set; bit 2: a detail array) and details_count (one
 * byte); then a message length byte and the message, then pids (4 bytes
 * each, at most 16). Promises checked: no crash; known codes and records;
 * results that agree with the code; pid 1 and the caller are never asked or
 * killed; with NO_FORCE nothing is ever killed; every handle is closed;
 * invalid options send nothing at all and call no callback; every target
 * that was run ends exactly once in the progress events, nothing about it
 * comes after; and each detail agrees with its result.
 */
#include "fuzz.h"

#define MAX_PIDS 16

static uint32_t take_u32(const uint8_t **p, size_t *left)
{
    uint32_t v = 0;
    size_t i;

    for (i = 0; i < 4 && *left > 0; i++, (*p)++, (*left)--)
        v |= (uint32_t) * *p << (8 * i);
    return v;
}

static const struct {
    terminus_pid pid;
    int behaviour;
    uint32_t after_ms;
} world[] = {
    { 1, TERMINUS_FAKE_IGNORES, 0 },    /* the system's first process */
    { 1000, TERMINUS_FAKE_IGNORES, 0 }, /* the caller itself */
    { 10, TERMINUS_FAKE_EXITS_ON_REQUEST, 100 },
    { 11, TERMINUS_FAKE_IGNORES, 0 },
    { 12, TERMINUS_FAKE_EXITS_AFTER, 300 },
    { 13, TERMINUS_FAKE_GONE, 0 },
    { 14, TERMINUS_FAKE_DENIED, 0 },
    { 15, TERMINUS_FAKE_UNKILLABLE, 0 },
    { 16, TERMINUS_FAKE_KILL_DENIED, 0 },
    { 17, TERMINUS_FAKE_EXITS_ON_REQUEST, 7000 },
    { 18, TERMINUS_FAKE_IGNORES, 0 },           /* nothing reaches it */
    { 19, TERMINUS_FAKE_IGNORES, 0 },           /* message and close; leaves on close */
    { 20, TERMINUS_FAKE_EXITS_ON_REQUEST, 50 }, /* every step; the close refused */
};
#define N_WORLD (sizeof world / sizeof world[0])

/* What the progress callback saw. */
static struct {
    const terminus_pid *pids;
    size_t n;
    unsigned ended[MAX_PIDS];
    size_t events;
} seen;

static void on_progress(void *arg, const terminus_progress *p)
{
    FUZZ_CHECK(arg == NULL || arg == &seen);
    FUZZ_CHECK(p != NULL && p->index < seen.n);
    FUZZ_CHECK(p->pid == seen.pids[p->index]);
    FUZZ_CHECK(seen.ended[p->index] == 0); /* nothing about a target after its end */
    FUZZ_CHECK(p->event >= TERMINUS_PROGRESS_STEP && p->event <= TERMINUS_PROGRESS_ENDED);
    FUZZ_CHECK(p->status <= 0 && p->status >= TERMINUS_E_LAST);
    if (p->event == TERMINUS_PROGRESS_STEP)
        FUZZ_CHECK(p->step != 0 && (p->step & (p->step - 1)) == 0 &&
                   (p->step & ~TERMINUS_STEPS_ALL) == 0);
    if (p->event == TERMINUS_PROGRESS_ENDED)
        seen.ended[p->index]++;
    seen.events++;
    (void)terminus_error_last(); /* a callback may read the record */
}

/* Whether the options are valid for n targets (the message aside: the
 * library checks its bytes). */
static int options_valid(const terminus_terminate_options *o, size_t n)
{
    const uint32_t v1 = TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE;
    const uint32_t v2 = v1 | TERMINUS_TERMINATE_BROADCAST | TERMINUS_TERMINATE_CTRL_BREAK;

    if (o->version == TERMINUS_TERMINATE_OPTIONS_VERSION)
        return (o->flags & ~v1) == 0 && (o->flags & v1) != v1;
    if (o->version != TERMINUS_TERMINATE_OPTIONS_VERSION_2)
        return 0;
    return (o->flags & ~v2) == 0 && (o->flags & v1) != v1 &&
           (o->steps & ~TERMINUS_STEPS_ALL) == 0 &&
           (o->steps != 0 || (o->flags & TERMINUS_TERMINATE_FORCE)) && o->reserved == 0 &&
           !(o->progress == NULL && o->progress_arg != NULL) &&
           !(o->details == NULL && o->details_count != 0) &&
           !(o->details != NULL && (o->details_count == 0 || o->details_count < n));
}

/* A detail that agrees with its result and with the steps asked for. */
static void check_detail(const terminus_result *r, const terminus_detail *d, uint32_t asked)
{
    FUZZ_CHECK((d->sent & ~d->reach) == 0 && (d->reach & ~asked) == 0);
    FUZZ_CHECK(d->skipped == (asked & ~d->sent));
    for (unsigned b = 0; b < TERMINUS_DETAIL_STEPS; b++) {
        if (d->skipped & (1u << b))
            FUZZ_CHECK(d->step_status[b] < 0 && d->step_status[b] >= TERMINUS_E_LAST);
        else
            FUZZ_CHECK(d->step_status[b] == TERMINUS_OK);
        if (!(d->sent & (1u << b)))
            FUZZ_CHECK(d->step_at_us[b] == 0);
    }
    if (r->status != TERMINUS_OK)
        FUZZ_CHECK(d->ended_by == TERMINUS_ENDED_NONE);
    else if (r->outcome == TERMINUS_OUTCOME_GONE)
        FUZZ_CHECK(d->ended_by == TERMINUS_ENDED_GONE);
    else if (r->outcome == TERMINUS_OUTCOME_FORCED)
        FUZZ_CHECK(d->ended_by == TERMINUS_ENDED_KILL);
    else
        FUZZ_CHECK((d->ended_by & d->sent) != 0 || d->ended_by == TERMINUS_ENDED_GONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminus_terminate_options o;
    terminus_detail details[MAX_PIDS];
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_result results[MAX_PIDS];
    terminus_pid pids[MAX_PIDS];
    const uint8_t *p = data;
    size_t left = size, n = 0, i, mlen;
    char *message = NULL;
    uint8_t control;
    int rc, first = TERMINUS_OK, valid_opts, ran, v2_used;
    uint8_t extra = 0;

    control = left > 0 ? *p : 0;
    if (left > 0)
        p++, left--;
    memset(&o, 0, sizeof o);
    o.version = take_u32(&p, &left);
    o.flags = take_u32(&p, &left);
    o.grace_ms = take_u32(&p, &left);
    o.forced_exit_code = take_u32(&p, &left);
    if (control & 8) {
        o.steps = take_u32(&p, &left);
        o.reserved = take_u32(&p, &left);
        extra = left > 0 ? *p : 0;
        if (left > 0)
            p++, left--;
        o.details_count = left > 0 ? *p : 0;
        if (left > 0)
            p++, left--;
        if (extra & 1)
            o.progress = on_progress;
        if (extra & 2)
            o.progress_arg = &seen;
        if (extra & 4)
            o.details = details;
    }
    mlen = left > 0 ? *p : 0;
    if (left > 0)
        p++, left--;
    if (mlen > left)
        mlen = left;
    if (control & 2) {
        message = fuzz_string(p, mlen);
        o.message = message;
    }
    p += mlen, left -= mlen;
    while (left > 0 && n < MAX_PIDS)
        pids[n++] = take_u32(&p, &left);

    FUZZ_CHECK(terminus_fake_new(&fake) == TERMINUS_OK);
    for (i = 0; i < N_WORLD; i++)
        FUZZ_CHECK(terminus_fake_process_add(fake, world[i].pid, world[i].behaviour,
                                             world[i].after_ms, 5) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_set_reach(fake, 18, 0) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_set_reach(
                   fake, 19, TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_exit_on(fake, 19, TERMINUS_STEP_CLOSE, 20, 6) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_set_reach(fake, 20, TERMINUS_STEPS_ALL) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_deny_step(fake, 20, TERMINUS_STEP_CLOSE) == TERMINUS_OK);
    FUZZ_CHECK(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK);
    terminus_fake_calls_clear(fake);
    memset(results, 0xAB, sizeof results);
    memset(details, 0xAB, sizeof details);
    memset(&seen, 0, sizeof seen);
    seen.pids = pids;
    seen.n = n;

    terminus_error_clear();
    rc = terminus_terminate_many(ctx, n > 0 ? pids : NULL, n, (control & 1) ? &o : NULL,
                                 (control & 4) ? NULL : results);
    fuzz_check_code(rc);

    valid_opts = !(control & 1) || options_valid(&o, n);
    /* A version-1 struct is read up to `message`: its newer members are not
     * there (a callback and an array in them are never used). */
    v2_used = (control & 1) && o.version == TERMINUS_TERMINATE_OPTIONS_VERSION_2;
    ran = terminus_fake_call_count(fake, "process_open") > 0;
    if (!valid_opts) {
        FUZZ_CHECK(rc == TERMINUS_E_INVALID);
        FUZZ_CHECK(terminus_fake_call_count(fake, NULL) == 0);
        FUZZ_CHECK(seen.events == 0);
    }
    if (!v2_used)
        FUZZ_CHECK(seen.events == 0);
    if (v2_used && o.progress != NULL) {
        for (i = 0; i < n; i++)
            FUZZ_CHECK(seen.ended[i] == (ran ? 1u : 0u));
    }
    if (v2_used && o.details != NULL && ran && !(control & 4)) {
        for (i = 0; i < n; i++)
            check_detail(&results[i], &details[i],
                         (o.flags & TERMINUS_TERMINATE_FORCE) ? 0 : o.steps);
    }
    if (o.details != NULL) {
        /* nothing past the targets; nothing at all for bad options or a
         * version-1 struct */
        for (i = v2_used && valid_opts ? n : 0; i < MAX_PIDS; i++)
            FUZZ_CHECK(details[i].ended_by == 0xABABABABu);
    }
    if (!(control & 4)) {
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(results[i].status <= 0 && results[i].status >= TERMINUS_E_LAST);
            if (results[i].status == TERMINUS_OK)
                FUZZ_CHECK(results[i].outcome >= TERMINUS_OUTCOME_EXITED &&
                           results[i].outcome <= TERMINUS_OUTCOME_GONE);
            else
                FUZZ_CHECK(results[i].outcome == TERMINUS_OUTCOME_NONE);
            if (first == TERMINUS_OK)
                first = results[i].status;
        }
        if (n > 0) /* with no target, bad options still give E_INVALID */
            FUZZ_CHECK(rc == first);
    }
    for (i = 0; i < N_WORLD; i++) {
        terminus_fake_process_info info;
        FUZZ_CHECK(terminus_fake_process_get(fake, world[i].pid, &info) == TERMINUS_OK);
        if (world[i].pid == 1 || world[i].pid == 1000)
            FUZZ_CHECK(info.requests == 0 && info.kills == 0);
        if ((control & 1) && (o.flags & TERMINUS_TERMINATE_NO_FORCE))
            FUZZ_CHECK(info.kills == 0);
    }
    if ((control & 1) && (o.flags & TERMINUS_TERMINATE_NO_FORCE))
        FUZZ_CHECK(terminus_fake_call_count(fake, "process_kill") == 0);
    FUZZ_CHECK(terminus_fake_open_handles(fake) == 0);

    free(message);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
    return 0;
}
