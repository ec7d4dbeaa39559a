/*
 * tests/unit/test_ctx.c: contexts: creation over the fake and the native
 * table, table versions, missing members, the table copy.
 */
#include "fixture.h"

static int dummy_object;

static void ctx_new_null_out(void)
{
    terminus_fake *fake = NULL;

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    terminus_error_clear();
    CHECK_RC(terminus_ctx_new(NULL, terminus_fake_os(fake)), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "out");
    CHECK_EQ(terminus_fake_call_count(fake, NULL), 0);
    CHECK_RC(terminus_ctx_new(NULL, NULL), TERMINUS_E_INVALID);
    terminus_fake_free(fake);
}

static void ctx_new_over_fake(void)
{
    fx f;

    fx_open(&f);
    CHECK(f.ctx != NULL);
    fx_close(&f);
}

static void ctx_new_native(void)
{
    terminus_ctx *ctx = NULL;
    const terminus_os *os = terminus_os_native();

    REQUIRE(os != NULL);
    CHECK(os->version >= 1);
    CHECK(os->version <= TERMINUS_OS_VERSION);
    CHECK(os->name != NULL);
    REQUIRE_RC(terminus_ctx_new(&ctx, NULL), TERMINUS_OK);
    CHECK(ctx != NULL);
    terminus_ctx_free(ctx);
    ctx = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, os), TERMINUS_OK);
    CHECK(ctx != NULL);
    terminus_ctx_free(ctx);
}

static void check_bad_version(uint32_t version)
{
    terminus_fake *fake = NULL;
    terminus_os table;
    terminus_ctx *ctx = (terminus_ctx *)(void *)&dummy_object;

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    table = *terminus_fake_os(fake);
    table.version = version;
    terminus_error_clear();
    CHECK_RC(terminus_ctx_new(&ctx, &table), TERMINUS_E_INVALID);
    CHECK(ctx == NULL);
    CHECK_ERROR(TERMINUS_E_INVALID, "version");
    CHECK_EQ(terminus_fake_call_count(fake, NULL), 0);
    terminus_fake_free(fake);
}

static void ctx_new_version_zero(void)
{
    check_bad_version(0);
}

static void ctx_new_version_too_new(void)
{
    check_bad_version(TERMINUS_OS_VERSION + 1);
    check_bad_version(UINT32_MAX);
}

static void ctx_free_null(void)
{
    terminus_ctx_free(NULL);
    CHECK(1);
}

/* The table is copied: changing the caller's table afterwards changes nothing. */
static void ctx_copies_table(void)
{
    terminus_fake *fake = NULL;
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_result r = fx_garbage_result();

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7),
               TERMINUS_OK);
    table = *terminus_fake_os(fake);
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    /* Wreck the caller's copy. */
    memset(&table, 0, sizeof table);
    CHECK_RC(terminus_terminate(ctx, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 7);
    CHECK_EQ(r.elapsed_us, 300000);
    CHECK_EQ(terminus_fake_open_handles(fake), 0);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
}

/* Several contexts over one fake are independent. */
static void two_contexts(void)
{
    fx f;
    terminus_ctx *ctx2 = NULL;
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0);
    REQUIRE_RC(terminus_ctx_new(&ctx2, terminus_fake_os(f.fake)), TERMINUS_OK);
    terminus_ctx_free(f.ctx);
    f.ctx = ctx2;
    CHECK_RC(terminus_terminate(ctx2, 42, NULL, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    fx_close(&f);
}

/* A context over a table with some members NULL. */
static terminus_ctx *ctx_without(terminus_fake *fake, const char *member)
{
    terminus_os table = *terminus_fake_os(fake);
    terminus_ctx *ctx = NULL;

    if (strcmp(member, "process_open") == 0)
        table.process_open = NULL;
    else if (strcmp(member, "wait") == 0) {
        table.wait_open = NULL;
        table.wait_any = NULL;
        table.wait_close = NULL;
    } else if (strcmp(member, "exit_process") == 0)
        table.exit_process = NULL;
    else if (strcmp(member, "listen") == 0) {
        table.listen_start = NULL;
        table.listen_stop = NULL;
    } else if (strcmp(member, "logoff") == 0)
        table.logoff = NULL;
    else if (strcmp(member, "server_open") == 0)
        table.server_open = NULL;
    else if (strcmp(member, "session_list") == 0)
        table.session_list = NULL;
    else if (strcmp(member, "session_logoff") == 0)
        table.session_logoff = NULL;
    else if (strcmp(member, "session_current") == 0)
        table.session_current = NULL;
    else if (strcmp(member, "session_wait_gone") == 0)
        table.session_wait_gone = NULL;
    if (terminus_ctx_new(&ctx, &table) != TERMINUS_OK)
        return NULL;
    return ctx;
}

static void null_member_terminate(void)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx;
    terminus_pid pids[2] = { 42, 43 };
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_fake_process_info info;

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 10, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add(fake, 43, TERMINUS_FAKE_IGNORES, 0, 0), TERMINUS_OK);

    ctx = ctx_without(fake, "process_open");
    REQUIRE(ctx != NULL);
    terminus_error_clear();
    CHECK_RC(terminus_terminate(ctx, 42, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK(fx_has_message());
    CHECK_RC(terminus_terminate_many(ctx, pids, 2, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    o.flags = TERMINUS_TERMINATE_FORCE;
    CHECK_RC(terminus_terminate(ctx, 43, &o, NULL), TERMINUS_E_UNSUPPORTED);
    /* Validation still comes first. */
    CHECK_RC(terminus_terminate(ctx, 0, NULL, NULL), TERMINUS_E_INVALID);
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "wait");
    REQUIRE(ctx != NULL);
    CHECK_RC(terminus_terminate(ctx, 42, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    terminus_ctx_free(ctx);

    REQUIRE_RC(terminus_fake_process_get(fake, 42, &info), TERMINUS_OK);
    CHECK_EQ(info.running, 1);
    CHECK_EQ(info.requests, 0);
    CHECK_EQ(info.kills, 0);
    REQUIRE_RC(terminus_fake_process_get(fake, 43, &info), TERMINUS_OK);
    CHECK_EQ(info.running, 1);
    CHECK_EQ(info.kills, 0);
    CHECK_EQ(terminus_fake_open_handles(fake), 0);
    terminus_fake_free(fake);
}

static int never_called(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    return 1;
}

static void null_member_exit_listen_logoff(void)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx;
    terminus_listener *l = NULL;

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);

    ctx = ctx_without(fake, "exit_process");
    REQUIRE(ctx != NULL);
    CHECK_RC(terminus_exit(ctx, 3, 0), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_exit(ctx, 3, TERMINUS_EXIT_FAST), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_exit(ctx, 3, 0x80), TERMINUS_E_INVALID);
    CHECK_EQ(terminus_fake_exits(fake, NULL, NULL), 0);
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "listen");
    REQUIRE(ctx != NULL);
    CHECK_RC(terminus_listen(ctx, NULL, 0, never_called, NULL, &l), TERMINUS_E_UNSUPPORTED);
    CHECK(l == NULL);
    CHECK_RC(terminus_listen(ctx, NULL, 0, NULL, NULL, &l), TERMINUS_E_INVALID);
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "logoff");
    REQUIRE(ctx != NULL);
    CHECK_RC(terminus_logoff(ctx, 0), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_logoff(ctx, 0x10), TERMINUS_E_INVALID);
    CHECK_EQ(terminus_fake_logoffs(fake, NULL), 0);
    terminus_ctx_free(ctx);

    CHECK_EQ(terminus_fake_open_handles(fake), 0);
    terminus_fake_free(fake);
}

static void null_member_sessions(void)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx;
    terminus_server *s = NULL;
    terminus_session_info *list = NULL;
    size_t count = 99;
    uint32_t id = 0;

    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(fake, "", 3, TERMINUS_SESSION_ACTIVE, "Console", "alice",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(fake, 3), TERMINUS_OK);

    ctx = ctx_without(fake, "server_open");
    REQUIRE(ctx != NULL);
    CHECK_RC(terminus_server_open(ctx, NULL, &s), TERMINUS_E_UNSUPPORTED);
    CHECK(s == NULL);
    CHECK_RC(terminus_server_open(ctx, "bad name", &s), TERMINUS_E_INVALID);
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "session_list");
    REQUIRE(ctx != NULL);
    REQUIRE_RC(terminus_server_open(ctx, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_list(s, &list, &count), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_session_resolve(s, "Console", &id), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_session_resolve(s, "3", &id), TERMINUS_E_UNSUPPORTED);
    terminus_server_close(s);
    s = NULL;
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "session_current");
    REQUIRE(ctx != NULL);
    REQUIRE_RC(terminus_server_open(ctx, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_resolve(s, NULL, &id), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, 0, 0), TERMINUS_E_UNSUPPORTED);
    terminus_server_close(s);
    s = NULL;
    terminus_ctx_free(ctx);

    ctx = ctx_without(fake, "session_logoff");
    REQUIRE(ctx != NULL);
    REQUIRE_RC(terminus_server_open(ctx, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_E_UNSUPPORTED);
    CHECK_RC(terminus_session_logoff(s, 3, 0x8, 0), TERMINUS_E_INVALID);
    terminus_server_close(s);
    s = NULL;
    terminus_ctx_free(ctx);
    CHECK_EQ(terminus_fake_session_exists(fake, "", 3), 1);

    ctx = ctx_without(fake, "session_wait_gone");
    REQUIRE(ctx != NULL);
    REQUIRE_RC(terminus_server_open(ctx, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, 3, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_UNSUPPORTED);
    terminus_server_close(s);
    terminus_ctx_free(ctx);

    CHECK_EQ(terminus_fake_open_handles(fake), 0);
    terminus_fake_free(fake);
}

/* Validation gives the same code with the native (or unsupported) backend. */
static void native_validation(void)
{
    terminus_ctx *ctx = NULL;
    terminus_pid dup[2] = { 42, 42 };
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_listener *l = NULL;
    terminus_server *s = NULL;

    REQUIRE_RC(terminus_ctx_new(&ctx, NULL), TERMINUS_OK);
    CHECK_RC(terminus_terminate(ctx, 0, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_terminate(ctx, 0x80000000u, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_terminate_many(ctx, dup, 2, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_terminate_many(ctx, NULL, 2, NULL, NULL), TERMINUS_E_INVALID);
    o.message = "";
    CHECK_RC(terminus_terminate(ctx, 42, &o, NULL), TERMINUS_E_INVALID);
    o.message = NULL;
    o.flags = TERMINUS_TERMINATE_FORCE | TERMINUS_TERMINATE_NO_FORCE;
    CHECK_RC(terminus_terminate(ctx, 42, &o, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_exit(ctx, 0, 0x4), TERMINUS_E_INVALID);
    CHECK_RC(terminus_logoff(ctx, TERMINUS_LOGOFF_FORCE | TERMINUS_LOGOFF_FORCE_IF_HUNG),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_listen(ctx, NULL, 0, NULL, NULL, &l), TERMINUS_E_INVALID);
    CHECK_RC(terminus_server_open(ctx, "a b", &s), TERMINUS_E_INVALID);
    CHECK_RC(terminus_at_exit(ctx, NULL, NULL), TERMINUS_E_INVALID);
    terminus_ctx_free(ctx);

    /* The default context (NULL). */
    CHECK_RC(terminus_terminate(NULL, 0, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_terminate_many(NULL, dup, 2, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_exit(NULL, 0, 0x4), TERMINUS_E_INVALID);
    CHECK_RC(terminus_logoff(NULL, 0x4), TERMINUS_E_INVALID);
    CHECK_RC(terminus_server_open(NULL, "a\x01", &s), TERMINUS_E_INVALID);
    CHECK_RC(terminus_server_open(NULL, NULL, NULL), TERMINUS_E_INVALID);
}

HARNESS_MAIN(T(ctx_new_null_out), T(ctx_new_over_fake), T(ctx_new_native), T(ctx_new_version_zero),
             T(ctx_new_version_too_new), T(ctx_free_null), T(ctx_copies_table), T(two_contexts),
             T(null_member_terminate), T(null_member_exit_listen_logoff), T(null_member_sessions),
             T(native_validation))
