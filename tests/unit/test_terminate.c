/*
 * tests/unit/test_terminate.c: terminating one process against the fake:
 * every behaviour of a target, the escalation policy, the options, and the
 * virtual clock.
 */
#include "fixture.h"

/* Terminate pid with opts; check the return code equals result.status. */
static int run(fx *f, terminus_pid pid, const terminus_terminate_options *opts, terminus_result *r)
{
    int rc;

    *r = fx_garbage_result();
    rc = terminus_terminate(f->ctx, pid, opts, r);
    CHECK_RC(r->status, rc);
    return rc;
}

static void cooperative_exits(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 7);
    CHECK_EQ(r.elapsed_us, 300000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 300000);
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 0);
    CHECK_EQ(info.exit_code, 7);
    CHECK_EQ(info.requests, 1);
    CHECK_EQ(info.kills, 0);
    CHECK_EQ(info.ended_us, 300000);
    CHECK_EQ(fx_calls(&f, "process_open"), 1);
    CHECK_EQ(fx_calls(&f, "process_close"), 1);
    /* The request is the message step (shim version 2): the default chain
     * reaches the fake's process by the message alone. */
    CHECK_EQ(fx_calls(&f, "process_reach"), 1);
    CHECK_EQ(fx_calls(&f, "process_step"), 1);
    CHECK(fx_log_contains(&f, "process_step(42, 0x1, 0x0, "));
    CHECK_EQ(fx_calls(&f, "process_request"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    /* The default message reaches the OS. */
    CHECK(fx_log_contains(&f, "\"" TERMINUS_DEFAULT_MESSAGE "\""));
    fx_close(&f);
}

/* elapsed_us counts from the request, not from the fake's start. */
static void elapsed_is_relative(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 250, 0);
    REQUIRE_RC(terminus_fake_advance(f.fake, 1000000), TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 0);
    CHECK_EQ(r.elapsed_us, 250000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 1250000);
    fx_close(&f);
}

static void stubborn_forced(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;
    terminus_terminate_options o = fx_opts(0, 2000, 77);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 5);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 77);
    CHECK_EQ(r.elapsed_us, 2000000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 2000000);
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 0);
    CHECK_EQ(info.exit_code, 77);
    CHECK_EQ(info.requests, 1);
    CHECK_EQ(info.kills, 1);
    CHECK_EQ(info.ended_us, 2000000);
    /* The kill carries the chosen exit code. */
    CHECK(fx_log_contains(&f, "process_kill(42, 77)"));
    fx_close(&f);
}

static void stubborn_no_force_times_out(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 2000, 77);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 5);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_fake_now_us(f.fake), 2000000);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "42");
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 1);
    CHECK_EQ(info.requests, 1);
    CHECK_EQ(info.kills, 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

static void cooperative_no_force(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 2000, 77);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 1999, 3);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 3);
    CHECK_EQ(r.elapsed_us, 1999000);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    fx_close(&f);
}

/* A target that leaves after the grace window closed is killed at the deadline. */
static void cooperative_too_slow_is_forced(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 3000, 3);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 9);
    CHECK_EQ(r.elapsed_us, 1000000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    CHECK_EQ(fx_proc(&f, 42).kills, 1);
    fx_close(&f);
}

static void force_kills_at_once(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, 2000, 66);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 5);
    fx_add(&f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 5);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 66);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 0);
    CHECK_EQ(info.requests, 0);
    CHECK_EQ(info.kills, 1);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_reach"), 0);

    /* A cooperative target is not asked either. */
    CHECK_RC(run(&f, 43, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 66);
    info = fx_proc(&f, 43);
    CHECK_EQ(info.requests, 0);
    CHECK_EQ(info.kills, 1);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    fx_close(&f);
}

static void gone_target(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_GONE, 0, 12);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r.exit_code, 12);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    info = fx_proc(&f, 42);
    CHECK_EQ(info.requests, 0);
    CHECK_EQ(info.kills, 0);
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

static void gone_target_with_force(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_FORCE, 2000, 66);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_GONE, 0, 12);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r.exit_code, 12);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    fx_close(&f);
}

/* The second terminate of the same pid finds it gone. */
static void terminate_twice(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 4);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r.exit_code, 4);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    fx_close(&f);
}

static void unknown_pid_not_found(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    CHECK_RC(run(&f, 4242, NULL, &r), TERMINUS_E_NOT_FOUND);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_NOT_FOUND);
    CHECK(fx_has_message());
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

static void denied_target(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_DENIED, 0, 0);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_ACCESS_DENIED);
    CHECK(fx_has_message());
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    fx_close(&f);
}

static void unkillable_times_out(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_UNKILLABLE, 0, 0);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_fake_now_us(f.fake), (1000u + TERMINUS_KILL_WAIT_MS) * 1000u);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_TIMEOUT);
    CHECK(fx_has_message());
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 1);
    CHECK_EQ(info.kills, 1);
    fx_close(&f);
}

static void kill_denied(void)
{
    fx f;
    terminus_result r;
    terminus_fake_process_info info;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_KILL_DENIED, 0, 0);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_ACCESS_DENIED);
    CHECK(fx_has_message());
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    info = fx_proc(&f, 42);
    CHECK_EQ(info.running, 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 1);
    fx_close(&f);
}

static void exits_after_within_grace(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 2000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_AFTER, 800, 4);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 4);
    CHECK_EQ(r.elapsed_us, 800000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 800000);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    fx_close(&f);
}

static void exits_after_past_grace(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_AFTER, 3000, 4);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 9);
    CHECK_EQ(r.elapsed_us, 1000000);
    fx_close(&f);
}

/* EXITS_AFTER that ended before the terminate: GONE. */
static void exits_after_already_ended(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_AFTER, 100, 4);
    REQUIRE_RC(terminus_fake_advance(f.fake, 200000), TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(r.exit_code, 4);
    CHECK_EQ(r.elapsed_us, 0);
    fx_close(&f);
}

static void grace_zero_stubborn(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 0, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 9);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    fx_close(&f);
}

static void grace_zero_no_force(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 0, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    fx_close(&f);
}

/* A target that leaves the moment it is asked, with no grace: it ended. */
static void grace_zero_cooperative(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 0, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 3);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK(r.outcome == TERMINUS_OUTCOME_EXITED || r.outcome == TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    fx_close(&f);
}

static void null_result_ok(void)
{
    fx f;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 44, TERMINUS_FAKE_DENIED, 0, 0);
    CHECK_RC(terminus_terminate(f.ctx, 42, NULL, NULL), TERMINUS_OK);
    CHECK_EQ(fx_proc(&f, 42).running, 0);
    CHECK_RC(terminus_terminate(f.ctx, 43, NULL, NULL), TERMINUS_OK);
    CHECK_EQ(fx_proc(&f, 43).running, 0);
    CHECK_RC(terminus_terminate(f.ctx, 44, NULL, NULL), TERMINUS_E_ACCESS_DENIED);
    CHECK_RC(terminus_terminate(f.ctx, 0, NULL, NULL), TERMINUS_E_INVALID);
    fx_close(&f);
}

static void default_options(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 1);
    CHECK_EQ(r.elapsed_us, 5000000);
    CHECK_EQ(terminus_fake_now_us(f.fake), 5000000);
    fx_close(&f);
}

static void init_macro_options(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 1);
    CHECK_EQ(r.elapsed_us, 5000000);
    fx_close(&f);
}

static void options_init_equals_macro(void)
{
    terminus_terminate_options m = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_terminate_options o;

    memset(&o, 0x5A, sizeof o);
    CHECK_RC(terminus_terminate_options_init(&o, TERMINUS_TERMINATE_OPTIONS_VERSION), TERMINUS_OK);
    CHECK_EQ(o.version, m.version);
    CHECK_EQ(o.flags, m.flags);
    CHECK_EQ(o.grace_ms, m.grace_ms);
    CHECK_EQ(o.forced_exit_code, m.forced_exit_code);
    CHECK(o.message == m.message);
    CHECK_EQ(m.version, 1);
    CHECK_EQ(m.flags, 0);
    CHECK_EQ(m.grace_ms, 5000);
    CHECK_EQ(m.forced_exit_code, 1);
    CHECK(m.message == NULL);
}

static void options_init_bad(void)
{
    terminus_terminate_options o;

    terminus_error_clear();
    CHECK_RC(terminus_terminate_options_init(NULL, TERMINUS_TERMINATE_OPTIONS_VERSION),
             TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts");
    CHECK_RC(terminus_terminate_options_init(&o, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "version");
    CHECK_RC(terminus_terminate_options_init(&o, 3), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "version");
}

/* A 0.1 caller's struct ends at `message`: a version-1 fill writes nothing
 * past it, and a version-2 fill gives the close chain's defaults. */
static void options_init_by_version(void)
{
    const size_t v1 = offsetof(terminus_terminate_options, steps);
    unsigned char buf[sizeof(terminus_terminate_options)];
    terminus_terminate_options o;

    memset(buf, 0xAB, sizeof buf);
    REQUIRE_RC(terminus_terminate_options_init((terminus_terminate_options *)(void *)buf,
                                               TERMINUS_TERMINATE_OPTIONS_VERSION),
               TERMINUS_OK);
    for (size_t i = v1; i < sizeof buf; i++)
        CHECK_EQ(buf[i], 0xAB);
    memcpy(&o, buf, v1);
    CHECK_EQ(o.version, 1);
    CHECK_EQ(o.grace_ms, 5000);
    CHECK_EQ(o.forced_exit_code, 1);
    CHECK(o.message == NULL);
    REQUIRE_RC(terminus_terminate_options_init(&o, TERMINUS_TERMINATE_OPTIONS_VERSION_2),
               TERMINUS_OK);
    CHECK_EQ(o.version, 2);
    CHECK_EQ(o.steps, TERMINUS_STEPS_DEFAULT);
    CHECK(o.progress == NULL && o.progress_arg == NULL && o.details == NULL);
    CHECK_EQ(o.details_count, 0);
}

static void custom_messages(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);
    char longest[256];

    memset(longest, 'm', 255);
    longest[255] = '\0';
    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    fx_add(&f, 43, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    fx_add(&f, 44, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    o.message = "my-app-please-quit";
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK(fx_log_contains(&f, "\"my-app-please-quit\""));
    CHECK(!fx_log_contains(&f, TERMINUS_DEFAULT_MESSAGE));
    o.message = longest;
    CHECK_RC(run(&f, 43, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    o.message = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80";
    CHECK_RC(run(&f, 44, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    fx_close(&f);
}

/* A failing wait stops the waiting: the target gets the error and is not killed. */
static void wait_failure_does_not_kill(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_any", 1, 0, TERMINUS_E_OS, 99), TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_OS);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_fake_faults_fired(f.fake), 1);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    CHECK_EQ(fx_proc(&f, 42).running, 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_OS);
    CHECK_EQ(terminus_error_last()->os_code, 99);
    fx_close(&f);
}

/* The backend's native number reaches the error record. */
static void os_code_reported(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_open", 1, 0, TERMINUS_E_ACCESS_DENIED, 5),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(terminus_error_last()->os_code, 5);
    CHECK(fx_has_message());
    CHECK_EQ(fx_proc(&f, 42).requests, 0);
    fx_close(&f);
}

/* A request (the message step) that finds the target gone (E_NOT_FOUND): it
 * just ended, GONE. */
static void request_not_found_is_gone(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_step", 1, 0, TERMINUS_E_NOT_FOUND, 3),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    fx_close(&f);
}

/* A request that cannot be sent, the only step of the chain: no step can
 * reach the target, so it is killed at once (no grace waited for nobody to
 * hear); under NO_FORCE it is that target's error, and it is not killed.
 * (terminus 0.1 failed the target without killing it in both cases.) */
static void request_failure(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options no_force = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 5000, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_step", 1, 0, TERMINUS_E_ACCESS_DENIED, 5),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, &no_force, &r), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_EQ(terminus_error_last()->os_code, 5);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);

    REQUIRE_RC(terminus_fake_fail(f.fake, "process_step", 1, 0, TERMINUS_E_ACCESS_DENIED, 5),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.elapsed_us, 0);
    CHECK_EQ(fx_proc(&f, 42).kills, 1);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    fx_close(&f);
}

/* A kill that finds the target gone (E_NOT_FOUND): it left by itself, EXITED. */
static void kill_not_found_is_exited(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_kill", 1, 0, TERMINUS_E_NOT_FOUND, 3),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(terminus_fake_faults_fired(f.fake), 1);
    fx_close(&f);
}

/* A status read that fails after the end loses only the exit code. */
static void status_failure_after_end(void)
{
    fx f;
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 200, 7);
    /* process_status #1 is the look before the request, #2 the read after the end. */
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_status", 2, 0, TERMINUS_E_OS, 3), TERMINUS_OK);
    CHECK_RC(run(&f, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.elapsed_us, 200000);
    CHECK_EQ(r.exit_code, TERMINUS_EXIT_CODE_UNKNOWN);
    fx_close(&f);
}

/* A wait that "times out" with no time passed (a broken backend, or a
 * fault) is a failed wait: the target is not killed early, nothing spins. */
static void wait_timeout_without_time_is_failure(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_any", 1, 1, TERMINUS_E_TIMEOUT, 0), TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_OS);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_ERROR(TERMINUS_E_OS, "no time passed");
    CHECK_EQ(fx_calls(&f, "wait_any"), 1);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(fx_proc(&f, 42).running, 1);
    fx_close(&f);
}

/* A clock near its end: the grace deadline saturates instead of wrapping
 * into the past, so the target still gets its grace (no kill at once). */
static void clock_near_end_keeps_grace(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 5000, 1);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_advance(f.fake, UINT64_MAX - 1000000), TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_TIMEOUT);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    /* the wait ran to the end of the clock (1 s left), not for 0 ms */
    CHECK(fx_log_contains(&f, "wait_any(1 procs, 1000 ms)"));
    CHECK(!fx_log_contains(&f, "wait_any(1 procs, 0 ms)"));
    fx_close(&f);
}

/* A wait set refused for want of memory or handles (E_NO_MEMORY, e.g. a
 * full descriptor table) is no reason to leave the target running: it is
 * killed anyway and, seen gone by a status read, FORCED. */
static void wait_open_no_memory_still_kills(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(0, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_open", 1, 1, TERMINUS_E_NO_MEMORY, 24),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(r.exit_code, 9);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    CHECK_EQ(fx_proc(&f, 42).kills, 1);
    CHECK_EQ(fx_proc(&f, 42).running, 0);
    /* once for the grace, once after the kill */
    CHECK_EQ(terminus_fake_faults_fired(f.fake), 2);
    fx_close(&f);
}

/* The same under NO_FORCE: nothing is killed, and the target fails with the
 * wait's own record. */
static void wait_open_no_memory_no_force(void)
{
    fx f;
    terminus_result r;
    terminus_terminate_options o = fx_opts(TERMINUS_TERMINATE_NO_FORCE, 1000, 9);

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_fail(f.fake, "wait_open", 1, 1, TERMINUS_E_NO_MEMORY, 24),
               TERMINUS_OK);
    CHECK_RC(run(&f, 42, &o, &r), TERMINUS_E_NO_MEMORY);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK_ERROR(TERMINUS_E_NO_MEMORY, "wait_open");
    CHECK_EQ(terminus_error_last()->os_code, 24);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    CHECK_EQ(fx_proc(&f, 42).kills, 0);
    CHECK_EQ(fx_proc(&f, 42).running, 1);
    fx_close(&f);
}

HARNESS_MAIN(T(clock_near_end_keeps_grace), T(wait_timeout_without_time_is_failure),
             T(cooperative_exits), T(elapsed_is_relative), T(stubborn_forced),
             T(stubborn_no_force_times_out), T(cooperative_no_force),
             T(cooperative_too_slow_is_forced), T(force_kills_at_once), T(gone_target),
             T(gone_target_with_force), T(terminate_twice), T(unknown_pid_not_found),
             T(denied_target), T(unkillable_times_out), T(kill_denied), T(exits_after_within_grace),
             T(exits_after_past_grace), T(exits_after_already_ended), T(grace_zero_stubborn),
             T(grace_zero_no_force), T(grace_zero_cooperative), T(null_result_ok),
             T(default_options), T(init_macro_options), T(options_init_equals_macro),
             T(options_init_bad), T(options_init_by_version), T(custom_messages),
             T(wait_failure_does_not_kill), T(os_code_reported), T(request_not_found_is_gone),
             T(request_failure), T(kill_not_found_is_exited), T(status_failure_after_end),
             T(wait_open_no_memory_still_kills), T(wait_open_no_memory_no_force))
