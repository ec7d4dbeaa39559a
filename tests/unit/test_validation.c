/*
 * tests/unit/test_validation.c: "never act on the wrong target" and "bad
 * input gets a clear error and changes nothing": every rejected argument of a
 * terminate gives its code, a message naming the argument, and no shim call
 * at all.
 */
#include "fixture.h"

/* Two live targets that a wrong call must leave alone. */
static void setup(fx *f)
{
    fx_open(f);
    fx_add(f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    terminus_fake_calls_clear(f->fake);
    terminus_error_clear();
}

static void check_untouched(fx *f)
{
    static const terminus_pid pids[] = { 42, 43 };
    size_t i;

    CHECK_EQ(terminus_fake_call_count(f->fake, NULL), 0);
    CHECK_EQ(terminus_fake_now_us(f->fake), 0);
    CHECK_EQ(terminus_fake_open_handles(f->fake), 0);
    for (i = 0; i < 2; i++) {
        terminus_fake_process_info info = fx_proc(f, pids[i]);
        CHECK_EQ(info.running, 1);
        CHECK_EQ(info.requests, 0);
        CHECK_EQ(info.kills, 0);
    }
}

/* terminus_terminate(pid, opts) is rejected with want, naming `needle`. */
static void expect_rejected(fx *f, terminus_pid pid, const terminus_terminate_options *opts,
                            int want, const char *needle)
{
    terminus_result r = fx_garbage_result();

    terminus_error_clear();
    CHECK_RC(terminus_terminate(f->ctx, pid, opts, &r), want);
    CHECK_RC(r.status, want);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_ERROR(want, needle);
    CHECK_RC(terminus_terminate(f->ctx, pid, opts, NULL), want);
    check_untouched(f);
}

static void pid_zero(void)
{
    fx f;
    terminus_terminate_options force = fx_opts(TERMINUS_TERMINATE_FORCE, 0, 1);

    setup(&f);
    expect_rejected(&f, 0, NULL, TERMINUS_E_INVALID, "pid");
    expect_rejected(&f, 0, &force, TERMINUS_E_INVALID, "pid");
    fx_close(&f);
}

static void pid_above_int32_max(void)
{
    fx f;

    setup(&f);
    expect_rejected(&f, 0x80000000u, NULL, TERMINUS_E_INVALID, "pid");
    expect_rejected(&f, 0xFFFFFFFFu, NULL, TERMINUS_E_INVALID, "pid");
    expect_rejected(&f, 0x80000001u, NULL, TERMINUS_E_INVALID, "pid");
    fx_close(&f);
}

static void own_pid_refused(void)
{
    fx f;
    terminus_terminate_options force = fx_opts(TERMINUS_TERMINATE_FORCE, 0, 1);

    setup(&f);
    /* The fake's default self pid. */
    expect_rejected(&f, 1000, NULL, TERMINUS_E_REFUSED, "1000");
    REQUIRE_RC(terminus_fake_set_self(f.fake, 4321), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add(f.fake, 4321, TERMINUS_FAKE_IGNORES, 0, 0), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    expect_rejected(&f, 4321, NULL, TERMINUS_E_REFUSED, "4321");
    expect_rejected(&f, 4321, &force, TERMINUS_E_REFUSED, "4321");
    CHECK_EQ(fx_proc(&f, 4321).requests, 0);
    CHECK_EQ(fx_proc(&f, 4321).kills, 0);
    CHECK_EQ(fx_proc(&f, 4321).running, 1);
    fx_close(&f);
}

static void system_pid_refused(void)
{
    fx f;
    terminus_terminate_options force = fx_opts(TERMINUS_TERMINATE_FORCE, 0, 1);

    setup(&f);
    CHECK_EQ(terminus_fake_os(f.fake)->system_pid, 1);
    expect_rejected(&f, 1, NULL, TERMINUS_E_REFUSED, "pid 1");
    expect_rejected(&f, 1, &force, TERMINUS_E_REFUSED, "pid 1");
    fx_close(&f);
}

static void options_version(void)
{
    fx f;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;

    setup(&f);
    o.version = 0;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "version");
    o.version = 3; /* 2 is known: tests/unit/test_chain.c */
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "version");
    o.version = UINT32_MAX;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "version");
    fx_close(&f);
}

static void options_flags(void)
{
    fx f;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;

    setup(&f);
    o.flags = 0x4;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "flags");
    o.flags = 0x80000000u;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "flags");
    o.flags = TERMINUS_TERMINATE_NO_FORCE | 0x100;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "flags");
    o.flags = TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "flags");
    fx_close(&f);
}

static void options_message(void)
{
    static const char *const bad[] = {
        "",
        "\xff",             /* not UTF-8 at all */
        "abc\xc3",          /* cut sequence */
        "\x80",             /* lone continuation byte */
        "a\xc3(",           /* bad continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong */
        "\xed\xa0\x80",     /* UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\x01",             /* control characters */
        "a\tb",
        "line\n",
        "a\x7f",
        "\x1b[0m",
    };
    fx f;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    char big[300];
    size_t i;

    setup(&f);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.message = bad[i];
        expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "message");
    }
    memset(big, 'm', sizeof big);
    big[256] = '\0';
    o.message = big;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "message");
    big[256] = 'm';
    big[sizeof big - 1] = '\0';
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "message");
    fx_close(&f);
}

/* Checks happen in the core even for a valid pid with bad options, FORCE or not. */
static void bad_options_with_force(void)
{
    fx f;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, 0, 1);

    setup(&f);
    o.message = "";
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "message");
    o.message = NULL;
    o.version = 7;
    expect_rejected(&f, 42, &o, TERMINUS_E_INVALID, "version");
    fx_close(&f);
}

/* terminate_many(pids, count) is rejected: every result carries the code. */
static void expect_many_rejected(fx *f, const terminus_pid *pids, size_t count,
                                 const terminus_terminate_options *opts, int want,
                                 const char *needle)
{
    terminus_result r[8];
    size_t i;

    REQUIRE(count <= 8);
    for (i = 0; i < 8; i++)
        r[i] = fx_garbage_result();
    terminus_error_clear();
    CHECK_RC(terminus_terminate_many(f->ctx, pids, count, opts, r), want);
    for (i = 0; i < count; i++) {
        CHECK_RC(r[i].status, want);
        CHECK_EQ(r[i].outcome, TERMINUS_OUTCOME_NONE);
    }
    /* Nothing written past count. */
    for (i = count; i < 8; i++)
        CHECK_EQ(r[i].status, fx_garbage_result().status);
    CHECK_ERROR(want, needle);
    CHECK_RC(terminus_terminate_many(f->ctx, pids, count, opts, NULL), want);
    check_untouched(f);
}

static void many_null_pids(void)
{
    fx f;

    setup(&f);
    expect_many_rejected(&f, NULL, 3, NULL, TERMINUS_E_INVALID, "pids");
    fx_close(&f);
}

static void many_count_zero(void)
{
    fx f;
    terminus_pid pids[2] = { 42, 43 };
    terminus_result r = fx_garbage_result();

    setup(&f);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 0, NULL, &r), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, pids, 0, NULL, NULL), TERMINUS_OK);
    CHECK_RC(terminus_terminate_many(f.ctx, NULL, 0, NULL, NULL), TERMINUS_OK);
    /* Nothing written. */
    CHECK_EQ(r.status, fx_garbage_result().status);
    check_untouched(&f);
    fx_close(&f);
}

static void many_duplicates(void)
{
    fx f;
    terminus_pid dup1[3] = { 42, 43, 42 };
    terminus_pid dup2[4] = { 43, 43, 42, 44 };

    setup(&f);
    expect_many_rejected(&f, dup1, 3, NULL, TERMINUS_E_INVALID, "42");
    expect_many_rejected(&f, dup2, 4, NULL, TERMINUS_E_INVALID, "43");
    fx_close(&f);
}

static void many_one_bad_pid(void)
{
    fx f;
    terminus_pid zero[3] = { 42, 0, 43 };
    terminus_pid big[3] = { 42, 43, 0x80000000u };
    terminus_pid self[3] = { 42, 1000, 43 };
    terminus_pid init[3] = { 1, 42, 43 };
    terminus_pid first[4] = { 42, 0, 1000, 43 };

    setup(&f);
    expect_many_rejected(&f, zero, 3, NULL, TERMINUS_E_INVALID, "pid");
    expect_many_rejected(&f, big, 3, NULL, TERMINUS_E_INVALID, "pid");
    expect_many_rejected(&f, self, 3, NULL, TERMINUS_E_REFUSED, "1000");
    expect_many_rejected(&f, init, 3, NULL, TERMINUS_E_REFUSED, "pid 1");
    /* The first bad pid in order decides the code. */
    expect_many_rejected(&f, first, 4, NULL, TERMINUS_E_INVALID, "pid 0");
    fx_close(&f);
}

static void many_bad_options(void)
{
    fx f;
    terminus_pid pids[2] = { 42, 43 };
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;

    setup(&f);
    o.version = 0;
    expect_many_rejected(&f, pids, 2, &o, TERMINUS_E_INVALID, "version");
    o.version = TERMINUS_TERMINATE_OPTIONS_VERSION;
    o.flags = TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE;
    expect_many_rejected(&f, pids, 2, &o, TERMINUS_E_INVALID, "flags");
    o.flags = 0;
    o.message = "bad\x01";
    expect_many_rejected(&f, pids, 2, &o, TERMINUS_E_INVALID, "message");
    fx_close(&f);
}

/* After all the rejections, the same fixture still works. */
static void valid_call_after_rejections(void)
{
    fx f;
    terminus_result r = fx_garbage_result();

    setup(&f);
    expect_rejected(&f, 0, NULL, TERMINUS_E_INVALID, "pid");
    CHECK_RC(terminus_terminate(f.ctx, 43, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    fx_close(&f);
}

HARNESS_MAIN(T(pid_zero), T(pid_above_int32_max), T(own_pid_refused), T(system_pid_refused),
             T(options_version), T(options_flags), T(options_message), T(bad_options_with_force),
             T(many_null_pids), T(many_count_zero), T(many_duplicates), T(many_one_bad_pid),
             T(many_bad_options), T(valid_call_after_rejections))
