/*
 * fuzz_terminate_options: terminus_terminate_many() with options and pids
 * read from the input, against a fake with processes of every behaviour, the
 * system's first process (pid 1) and the caller (pid 1000).
 *
 * Input: a control byte (bit 0: pass options; bit 1: a message; bit 2:
 * results NULL), version, flags, grace_ms, forced_exit_code (4 bytes each,
 * little-endian), a message length byte and the message, then pids (4 bytes
 * each, at most 16). Promises checked: no crash; known codes and records;
 * results that agree with the code; pid 1 and the caller are never asked or
 * killed; with NO_FORCE nothing is ever killed; every handle is closed;
 * invalid options send nothing at all.
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
};
#define N_WORLD (sizeof world / sizeof world[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminus_terminate_options o;
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_result results[MAX_PIDS];
    terminus_pid pids[MAX_PIDS];
    const uint8_t *p = data;
    size_t left = size, n = 0, i, mlen;
    char *message = NULL;
    uint8_t control;
    int rc, first = TERMINUS_OK, valid_opts;

    control = left > 0 ? *p : 0;
    if (left > 0)
        p++, left--;
    memset(&o, 0, sizeof o);
    o.version = take_u32(&p, &left);
    o.flags = take_u32(&p, &left);
    o.grace_ms = take_u32(&p, &left);
    o.forced_exit_code = take_u32(&p, &left);
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
    FUZZ_CHECK(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK);
    terminus_fake_calls_clear(fake);
    memset(results, 0xAB, sizeof results);

    terminus_error_clear();
    rc = terminus_terminate_many(ctx, n > 0 ? pids : NULL, n, (control & 1) ? &o : NULL,
                                 (control & 4) ? NULL : results);
    fuzz_check_code(rc);

    valid_opts = !(control & 1) ||
                 (o.version == TERMINUS_TERMINATE_OPTIONS_VERSION &&
                  (o.flags & ~(TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE)) == 0 &&
                  (o.flags & 3u) != 3u);
    if (!valid_opts) {
        FUZZ_CHECK(rc == TERMINUS_E_INVALID);
        FUZZ_CHECK(terminus_fake_call_count(fake, NULL) == 0);
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
