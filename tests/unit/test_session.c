/*
 * tests/unit/test_session.c: servers, session lists, resolving a session as
 * the `logoff` command reads its argument, and session logoff with the
 * bounded WAIT, against the fake's scripted servers.
 */
#include "fixture.h"

/* srv1: four sessions; down: exists but cannot be reached; local: empty. */
static void setup(fx *f)
{
    fx_open(f);
    REQUIRE_RC(terminus_fake_server_add(f->fake, "srv1", 1), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_server_add(f->fake, "down", 0), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 0, TERMINUS_SESSION_OTHER, "Services", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 1, TERMINUS_SESSION_ACTIVE, "Console", "alice",
                                         TERMINUS_FAKE_SESSION_ENDS, 300),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 12, TERMINUS_SESSION_DISCONNECTED, "RDP-Tcp#3",
                                         "DOMAIN\\bob", TERMINUS_FAKE_SESSION_HANGS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 7, TERMINUS_SESSION_CONNECTED, "c2", "",
                                         TERMINUS_FAKE_SESSION_DENIED, 0),
               TERMINUS_OK);
    terminus_fake_calls_clear(f->fake);
    terminus_error_clear();
}

static terminus_server *open_server(fx *f, const char *name)
{
    terminus_server *s = NULL;

    REQUIRE_RC(terminus_server_open(f->ctx, name, &s), TERMINUS_OK);
    REQUIRE(s != NULL);
    return s;
}

static void open_local(void)
{
    terminus_server *s1, *s2;
    fx f;

    setup(&f);
    s1 = open_server(&f, NULL);
    s2 = open_server(&f, "");
    CHECK_EQ(terminus_fake_open_handles(f.fake), 2);
    CHECK_EQ(fx_calls(&f, "server_open"), 2);
    /* NULL and "" both mean this machine: the backend gets NULL. */
    CHECK(fx_log_contains(&f, "server_open(NULL)"));
    CHECK(!fx_log_contains(&f, "server_open(\"\")"));
    terminus_server_close(s1);
    terminus_server_close(s2);
    CHECK_EQ(fx_calls(&f, "server_close"), 2);
    terminus_server_close(NULL);
    fx_close(&f);
}

static void open_named(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_EQ(terminus_fake_open_handles(f.fake), 1);
    terminus_server_close(s);
    fx_close(&f);
}

static void open_unknown_and_unreachable(void)
{
    terminus_server *s = NULL;
    char longest[256];
    fx f;

    setup(&f);
    CHECK_RC(terminus_server_open(f.ctx, "nosuch", &s), TERMINUS_E_NOT_FOUND);
    CHECK(fx_has_message());
    CHECK_RC(terminus_server_open(f.ctx, "down", &s), TERMINUS_E_UNAVAILABLE);
    CHECK(fx_has_message());
    /* 255 bytes is well formed: the OS is asked, and knows no such server. */
    memset(longest, 'h', 255);
    longest[255] = '\0';
    CHECK_RC(terminus_server_open(f.ctx, longest, &s), TERMINUS_E_NOT_FOUND);
    CHECK_EQ(fx_calls(&f, "server_open"), 3);
    CHECK_EQ(terminus_fake_open_handles(f.fake), 0);
    fx_close(&f);
}

static void open_malformed(void)
{
    static const char *const bad[] = { "a b", " srv1", "srv1 ", "a\x01", "a\tb", "srv\n", "a\x7f",
                                       "\xff", "srv\xc3", "\xc0\xaf", "\xed\xa0\x80" };
    terminus_server *s = NULL;
    char big[300];
    size_t i;
    fx f;

    setup(&f);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_error_clear();
        CHECK_RC(terminus_server_open(f.ctx, bad[i], &s), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "name");
    }
    memset(big, 'h', sizeof big);
    big[256] = '\0';
    CHECK_RC(terminus_server_open(f.ctx, big, &s), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "name");
    big[256] = 'h';
    big[sizeof big - 1] = '\0';
    CHECK_RC(terminus_server_open(f.ctx, big, &s), TERMINUS_E_INVALID);
    CHECK_RC(terminus_server_open(f.ctx, "srv1", NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "out");
    CHECK_RC(terminus_server_open(f.ctx, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    fx_close(&f);
}

static const terminus_session_info *find(const terminus_session_info *list, size_t count, uint32_t id)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (list[i].id == id)
            return &list[i];
    }
    return NULL;
}

static void list_sessions(void)
{
    terminus_server *s;
    terminus_session_info *list = NULL;
    const terminus_session_info *e;
    size_t count = 0;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    REQUIRE_RC(terminus_session_list(s, &list, &count), TERMINUS_OK);
    REQUIRE(list != NULL);
    CHECK_EQ(count, 4);
    e = find(list, count, 0);
    REQUIRE(e != NULL);
    CHECK_EQ(e->state, TERMINUS_SESSION_OTHER);
    CHECK_STR_EQ(e->name, "Services");
    CHECK_STR_EQ(e->user, "");
    e = find(list, count, 1);
    REQUIRE(e != NULL);
    CHECK_EQ(e->state, TERMINUS_SESSION_ACTIVE);
    CHECK_STR_EQ(e->name, "Console");
    CHECK_STR_EQ(e->user, "alice");
    e = find(list, count, 12);
    REQUIRE(e != NULL);
    CHECK_EQ(e->state, TERMINUS_SESSION_DISCONNECTED);
    CHECK_STR_EQ(e->name, "RDP-Tcp#3");
    CHECK_STR_EQ(e->user, "DOMAIN\\bob");
    e = find(list, count, 7);
    REQUIRE(e != NULL);
    CHECK_EQ(e->state, TERMINUS_SESSION_CONNECTED);
    CHECK_STR_EQ(e->name, "c2");
    CHECK_STR_EQ(e->user, "");
    terminus_session_list_free(list);
    terminus_session_list_free(NULL);
    terminus_server_close(s);
    fx_close(&f);
}

static void list_empty(void)
{
    static terminus_session_info dummy;
    terminus_server *s;
    terminus_session_info *list = &dummy;
    size_t count = 99;
    fx f;

    setup(&f);
    s = open_server(&f, NULL);
    CHECK_RC(terminus_session_list(s, &list, &count), TERMINUS_OK);
    CHECK(list == NULL);
    CHECK_EQ(count, 0);
    terminus_session_list_free(list);
    terminus_server_close(s);
    fx_close(&f);
}

/* The longest name and user a session can have come through whole. */
static void list_long_fields(void)
{
    char name[64], user[256];
    terminus_server *s;
    terminus_session_info *list = NULL;
    size_t count = 0;
    fx f;

    memset(name, 'n', 63);
    name[63] = '\0';
    memset(user, 'u', 255);
    user[255] = '\0';
    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 5, TERMINUS_SESSION_ACTIVE, name, user,
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "");
    REQUIRE_RC(terminus_session_list(s, &list, &count), TERMINUS_OK);
    REQUIRE_EQ(count, 1);
    REQUIRE(list != NULL);
    CHECK_EQ(list[0].id, 5);
    CHECK_STR_EQ(list[0].name, name);
    CHECK_STR_EQ(list[0].user, user);
    terminus_session_list_free(list);
    terminus_server_close(s);
    fx_close(&f);
}

static void list_bad_arguments(void)
{
    terminus_server *s;
    terminus_session_info *list = NULL;
    size_t count = 0;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_list(NULL, &list, &count), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "server");
    CHECK_RC(terminus_session_list(s, NULL, &count), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "out");
    CHECK_RC(terminus_session_list(s, &list, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "count");
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    terminus_server_close(s);
    fx_close(&f);
}

static void list_failure(void)
{
    terminus_server *s;
    terminus_session_info *list = NULL;
    size_t count = 0;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_list", 1, 0, TERMINUS_E_UNAVAILABLE, 1722), TERMINUS_OK);
    CHECK_RC(terminus_session_list(s, &list, &count), TERMINUS_E_UNAVAILABLE);
    CHECK_EQ(terminus_error_last()->os_code, 1722);
    CHECK(fx_has_message());
    CHECK_RC(terminus_session_list(s, &list, &count), TERMINUS_OK);
    CHECK_EQ(count, 4);
    terminus_session_list_free(list);
    terminus_server_close(s);
    fx_close(&f);
}

/* resolve(spec) gives want_rc and, on success, want_id. */
static void expect_resolve(terminus_server *s, const char *spec, int want_rc, uint32_t want_id)
{
    uint32_t id = 0xDEADBEEFu;

    terminus_error_clear();
    CHECK_RC(terminus_session_resolve(s, spec, &id), want_rc);
    if (want_rc == TERMINUS_OK)
        CHECK_EQ(id, want_id);
    else
        CHECK(fx_has_message());
}

static void resolve_ids_and_names(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    expect_resolve(s, "12", TERMINUS_OK, 12);
    expect_resolve(s, "0012", TERMINUS_E_NOT_FOUND, 0); /* "0012" is no way to write an id: a name */
    expect_resolve(s, "1", TERMINUS_OK, 1);
    expect_resolve(s, "0", TERMINUS_OK, 0);
    expect_resolve(s, "7", TERMINUS_OK, 7);
    expect_resolve(s, "Console", TERMINUS_OK, 1);
    expect_resolve(s, "console", TERMINUS_OK, 1);
    expect_resolve(s, "CONSOLE", TERMINUS_OK, 1);
    expect_resolve(s, "rdp-tcp#3", TERMINUS_OK, 12);
    expect_resolve(s, "C2", TERMINUS_OK, 7);
    expect_resolve(s, "services", TERMINUS_OK, 0);
    expect_resolve(s, "nosuch", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "Consol", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "Console2", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "99", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "4294967294", TERMINUS_E_NOT_FOUND, 0);
    terminus_server_close(s);
    fx_close(&f);
}

/* Names are compared without regard to ASCII case only. */
static void resolve_ascii_case_only(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 20, TERMINUS_SESSION_ACTIVE, "caf\xc3\xa9", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    expect_resolve(s, "caf\xc3\xa9", TERMINUS_OK, 20);
    expect_resolve(s, "CAF\xc3\xa9", TERMINUS_OK, 20);
    expect_resolve(s, "CAF\xc3\x89", TERMINUS_E_NOT_FOUND, 0); /* "CAFÉ": É is not ASCII */
    terminus_server_close(s);
    fx_close(&f);
}

static void resolve_malformed(void)
{
    static const char *const bad[] = { "", "4294967295", "99999999999", "4294967296",
                                       "00000000000000000000000000004294967295", "\xff", "a\x01",
                                       "Con\tsole", "\xc0\xaf", "\xed\xa0\x80" };
    terminus_server *s;
    char big[80];
    uint32_t id = 0;
    size_t i;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    terminus_fake_calls_clear(f.fake);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_resolve(s, bad[i], TERMINUS_E_INVALID, 0);
    memset(big, 'n', sizeof big);
    big[64] = '\0';
    expect_resolve(s, big, TERMINUS_E_INVALID, 0);
    CHECK_ERROR(TERMINUS_E_INVALID, "spec");
    big[sizeof big - 1] = '\0';
    expect_resolve(s, big, TERMINUS_E_INVALID, 0);
    CHECK_RC(terminus_session_resolve(s, "1", NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_resolve(NULL, "1", &id), TERMINUS_E_INVALID);
    /* No OS call for any of these. */
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    /* 63 bytes is well formed: looked up, not found. */
    big[63] = '\0';
    expect_resolve(s, big, TERMINUS_E_NOT_FOUND, 0);
    terminus_server_close(s);
    fx_close(&f);
}

static void resolve_current(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, NULL);
    expect_resolve(s, NULL, TERMINUS_E_NOT_FOUND, 0);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 3, TERMINUS_SESSION_ACTIVE, "Console", "carol",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 3), TERMINUS_OK);
    expect_resolve(s, NULL, TERMINUS_OK, 3);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, TERMINUS_SESSION_CURRENT), TERMINUS_OK);
    expect_resolve(s, NULL, TERMINUS_E_NOT_FOUND, 0);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_session_zero_refused(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    terminus_error_clear();
    CHECK_RC(terminus_session_logoff(s, 0, 0, 0), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "0");
    CHECK_RC(terminus_session_logoff(s, 0, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_REFUSED);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 0), 1);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_current(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, NULL);
    /* In no session. */
    CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    /* The current session is 0: refused. */
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 0, TERMINUS_SESSION_OTHER, "Services", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 0), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, 0, 0), TERMINUS_E_REFUSED);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "", 0), 1);
    /* Session 3 is current. */
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 3, TERMINUS_SESSION_ACTIVE, "Console", "carol",
                                         TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 3), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 1);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "", 3), 0);
    CHECK_EQ(terminus_fake_now_us(f.fake), 100000);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_wait_ends(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 1, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), 300000);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 1);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 1);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_wait_too_slow(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 30, TERMINUS_SESSION_ACTIVE, "slow", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 2000),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 30, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_TIMEOUT);
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    CHECK(fx_has_message());
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_no_wait(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 1, 0, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 1);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
    /* HANGS: the logoff itself succeeds. */
    CHECK_RC(terminus_session_logoff(s, 12, 0, 0), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 12), 1);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_hangs_times_out(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 12, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_TIMEOUT);
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 12), 1);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_TIMEOUT);
    CHECK(fx_has_message());
    /* A timeout of 0 only looks. */
    CHECK_RC(terminus_session_logoff(s, 12, TERMINUS_SESSION_WAIT, 0), TERMINUS_E_TIMEOUT);
    CHECK_EQ(terminus_fake_now_us(f.fake), 1000000);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_denied(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 7, 0, 0), TERMINUS_E_ACCESS_DENIED);
    CHECK(fx_has_message());
    CHECK_RC(terminus_session_logoff(s, 7, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 7), 1);
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_unknown_id(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    CHECK_RC(terminus_session_logoff(s, 77, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK(fx_has_message());
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_bad_flags(void)
{
    static const uint32_t bad[] = { 0x2, 0x4, 0x80000000u, TERMINUS_SESSION_WAIT | 0x10, UINT32_MAX };
    terminus_server *s;
    size_t i;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    terminus_fake_calls_clear(f.fake);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_error_clear();
        CHECK_RC(terminus_session_logoff(s, 1, bad[i], 1000), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "flags");
    }
    CHECK_RC(terminus_session_logoff(NULL, 1, 0, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "server");
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 1);
    terminus_server_close(s);
    fx_close(&f);
}

/* The `logoff` command's path: resolve a name, log it off, wait. */
static void resolve_then_logoff(void)
{
    terminus_server *s;
    uint32_t id = 0;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    REQUIRE_RC(terminus_session_resolve(s, "CONSOLE", &id), TERMINUS_OK);
    CHECK_EQ(id, 1);
    CHECK_RC(terminus_session_logoff(s, id, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 0);
    CHECK_RC(terminus_session_resolve(s, "console", &id), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_resolve(s, "1", &id), TERMINUS_E_NOT_FOUND);
    terminus_server_close(s);
    fx_close(&f);
}

HARNESS_MAIN(T(open_local), T(open_named), T(open_unknown_and_unreachable), T(open_malformed), T(list_sessions),
             T(list_empty), T(list_long_fields), T(list_bad_arguments), T(list_failure),
             T(resolve_ids_and_names), T(resolve_ascii_case_only), T(resolve_malformed), T(resolve_current),
             T(logoff_session_zero_refused), T(logoff_current), T(logoff_wait_ends), T(logoff_wait_too_slow),
             T(logoff_no_wait), T(logoff_hangs_times_out), T(logoff_denied), T(logoff_unknown_id),
             T(logoff_bad_flags), T(resolve_then_logoff))
