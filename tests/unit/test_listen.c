/*
 * tests/unit/test_listen.c: the target's side: listeners get requests from
 * the fake (terminus_fake_deliver), and a callback returning 0 makes the core
 * exit the process cleanly with the listener's exit code.
 */
#include "fixture.h"

typedef struct state {
    int calls;
    int last_reason;
    int answer; /* what the callback returns */
} state;

static int on_request(void *arg, int reason)
{
    state *s = arg;

    s->calls++;
    s->last_reason = reason;
    return s->answer;
}

static int hook_runs;

static void hook(void *arg)
{
    (void)arg;
    hook_runs++;
}

static void request_then_clean_exit(void)
{
    state s = { 0, 0, 0 };
    terminus_listener *l = NULL;
    uint32_t code = 0;
    int fast = -1;
    fx f;

    fx_open(&f);
    hook_runs = 0;
    CHECK_RC(terminus_at_exit(f.ctx, hook, NULL), TERMINUS_OK);
    REQUIRE_RC(terminus_listen(f.ctx, NULL, 42, on_request, &s, &l), TERMINUS_OK);
    REQUIRE(l != NULL);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 1);
    CHECK_EQ(fx_calls(&f, "listen_start"), 1);
    /* NULL means the default message, and the backend is given it. */
    CHECK(fx_log_contains(&f, "\"" TERMINUS_DEFAULT_MESSAGE "\""));
    CHECK_EQ(s.calls, 0);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 1);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.last_reason, TERMINUS_REASON_REQUEST);
    CHECK_EQ(terminus_fake_exits(f.fake, &code, &fast), 1);
    CHECK_EQ(code, 42);
    CHECK_EQ(fast, 0);
    CHECK_EQ(hook_runs, 1);
    terminus_listener_free(l);
    CHECK_EQ(fx_calls(&f, "listen_stop"), 1);
    fx_close(&f);
}

static void logoff_reason(void)
{
    state s = { 0, 0, 0 };
    terminus_listener *l = NULL;
    uint32_t code = 0;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_listen(f.ctx, "my-app-quit", 5, on_request, &s, &l), TERMINUS_OK);
    CHECK(fx_log_contains(&f, "\"my-app-quit\""));
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_LOGOFF), 1);
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.last_reason, TERMINUS_REASON_LOGOFF);
    CHECK_EQ(terminus_fake_exits(f.fake, &code, NULL), 1);
    CHECK_EQ(code, 5);
    terminus_listener_free(l);
    fx_close(&f);
}

static void nonzero_answer_no_exit(void)
{
    state s = { 0, 0, 1 };
    terminus_listener *l = NULL;
    fx f;

    fx_open(&f);
    hook_runs = 0;
    CHECK_RC(terminus_at_exit(f.ctx, hook, NULL), TERMINUS_OK);
    REQUIRE_RC(terminus_listen(f.ctx, NULL, 42, on_request, &s, &l), TERMINUS_OK);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 1);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_LOGOFF), 1);
    CHECK_EQ(s.calls, 2);
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 0);
    CHECK_EQ(hook_runs, 0);
    CHECK_EQ(fx_calls(&f, "exit_process"), 0);
    terminus_listener_free(l);
    fx_close(&f);
}

static void after_free_nothing_called(void)
{
    state s = { 0, 0, 1 };
    terminus_listener *l = NULL;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_listen(f.ctx, NULL, 42, on_request, &s, &l), TERMINUS_OK);
    terminus_listener_free(l);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 0);
    CHECK_EQ(s.calls, 0);
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 0);
    fx_close(&f);
}

static void free_null(void)
{
    terminus_listener_free(NULL);
    CHECK(1);
}

static void bad_arguments(void)
{
    static const char *const bad_messages[] = { "", "a\x01", "\xff", "\xc0\xaf", "tab\there" };
    state s = { 0, 0, 0 };
    terminus_listener *l = NULL;
    char big[257];
    size_t i;
    fx f;

    fx_open(&f);
    terminus_error_clear();
    CHECK_RC(terminus_listen(f.ctx, NULL, 0, NULL, &s, &l), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "fn");
    CHECK(l == NULL);
    CHECK_RC(terminus_listen(f.ctx, NULL, 0, on_request, &s, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "out");
    for (i = 0; i < sizeof bad_messages / sizeof bad_messages[0]; i++) {
        CHECK_RC(terminus_listen(f.ctx, bad_messages[i], 0, on_request, &s, &l),
                 TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "message");
        CHECK(l == NULL);
    }
    memset(big, 'x', 256);
    big[256] = '\0';
    CHECK_RC(terminus_listen(f.ctx, big, 0, on_request, &s, &l), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "message");
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    /* 255 bytes is fine. */
    big[255] = '\0';
    REQUIRE_RC(terminus_listen(f.ctx, big, 0, on_request, &s, &l), TERMINUS_OK);
    terminus_listener_free(l);
    CHECK_EQ(s.calls, 0);
    fx_close(&f);
}

static void listen_start_failure(void)
{
    state s = { 0, 0, 0 };
    terminus_listener *l = NULL;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_fail(f.fake, "listen_start", 1, 0, TERMINUS_E_OS, 31), TERMINUS_OK);
    CHECK_RC(terminus_listen(f.ctx, NULL, 0, on_request, &s, &l), TERMINUS_E_OS);
    CHECK(l == NULL);
    CHECK_EQ(terminus_error_last()->os_code, 31);
    CHECK(fx_has_message());
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 0);
    CHECK_EQ(s.calls, 0);
    fx_close(&f);
}

static void deliver_bad_reason(void)
{
    state s = { 0, 0, 1 };
    terminus_listener *l = NULL;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_listen(f.ctx, NULL, 0, on_request, &s, &l), TERMINUS_OK);
    CHECK(terminus_fake_deliver(f.fake, 0) < 0);
    CHECK(terminus_fake_deliver(f.fake, 3) < 0);
    CHECK(terminus_fake_deliver(NULL, TERMINUS_REASON_REQUEST) < 0);
    CHECK_EQ(s.calls, 0);
    terminus_listener_free(l);
    fx_close(&f);
}

/* An at_exit hook that frees the listener whose request made the process
 * exit: the natural cleanup must neither hang nor leak (the fake's
 * listen_stop, called from inside the listener's own callback). */
static terminus_listener *hook_listener;

static void free_listener_hook(void *arg)
{
    (void)arg;
    terminus_listener_free(hook_listener);
    hook_listener = NULL;
}

static void hook_frees_own_listener(void)
{
    state s = { 0, 0, 0 };
    uint32_t code = 0;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_listen(f.ctx, NULL, 9, on_request, &s, &hook_listener), TERMINUS_OK);
    REQUIRE_RC(terminus_at_exit(f.ctx, free_listener_hook, NULL), TERMINUS_OK);
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 1);
    CHECK_EQ(s.calls, 1);
    CHECK(hook_listener == NULL);
    CHECK_EQ(terminus_fake_exits(f.fake, &code, NULL), 1);
    CHECK_EQ(code, 9);
    /* gone for good: nothing is called any more, and nothing is left open */
    CHECK_EQ(terminus_fake_deliver(f.fake, TERMINUS_REASON_REQUEST), 0);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    fx_close(&f);
}

HARNESS_MAIN(T(hook_frees_own_listener), T(request_then_clean_exit), T(logoff_reason),
             T(nonzero_answer_no_exit), T(after_free_nothing_called), T(free_null),
             T(bad_arguments), T(listen_start_failure), T(deliver_bad_reason))
