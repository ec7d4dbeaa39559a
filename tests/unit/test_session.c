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
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 1, TERMINUS_SESSION_ACTIVE, "Console",
                                         "alice", TERMINUS_FAKE_SESSION_ENDS, 300),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 12, TERMINUS_SESSION_DISCONNECTED,
                                         "RDP-Tcp#3", "DOMAIN\\bob", TERMINUS_FAKE_SESSION_HANGS,
                                         0),
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

/* The primitives of the fake's call log, in order, each followed by a space
 * ("session_list session_logoff "): what a call asked the backend, and when. */
static const char *log_names(fx *f)
{
    static char names[1024];
    size_t i, at = 0, n = terminus_fake_call_count(f->fake, NULL);
    char entry[512];

    names[0] = '\0';
    for (i = 0; i < n; i++) {
        size_t len;

        if (terminus_fake_call(f->fake, i, entry, sizeof entry) != TERMINUS_OK)
            continue;
        len = strcspn(entry, "(");
        if (at + len + 2 > sizeof names)
            break;
        memcpy(names + at, entry, len);
        at += len;
        names[at++] = ' ';
        names[at] = '\0';
    }
    return names;
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
    static const char *const bad[] = { "a b",     " srv1",    "srv1 ",       "a\x01",
                                       "a\tb",    "srv\n",    "a\x7f",       "\xff",
                                       "srv\xc3", "\xc0\xaf", "\xed\xa0\x80" };
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

static const terminus_session_info *find(const terminus_session_info *list, size_t count,
                                         uint32_t id)
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
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_list", 1, 0, TERMINUS_E_UNAVAILABLE, 1722),
               TERMINUS_OK);
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
    expect_resolve(s, "0012", TERMINUS_E_NOT_FOUND,
                   0); /* "0012" is no way to write an id: a name */
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
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 20, TERMINUS_SESSION_ACTIVE, "caf\xc3\xa9",
                                         "", TERMINUS_FAKE_SESSION_ENDS, 0),
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
    static const char *const bad[] = {
        "",     "4294967295", "99999999999", "4294967296", "00000000000000000000000000004294967295",
        "\xff", "a\x01",      "Con\tsole",   "\xc0\xaf",   "\xed\xa0\x80"
    };
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
    CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, TERMINUS_SESSION_WAIT, 1000),
             TERMINUS_OK);
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
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 1, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), 300000);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 1);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 1);
    /* the state is looked up first, in one listing */
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff session_wait_gone ");
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
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 1, 0, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 1);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff ");
    /* HANGS: the logoff itself succeeds (a DISCONNECTED session). */
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 12, 0, 0), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 12), 1);
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff ");
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
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 77, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK(fx_has_message());
    /* missing from the list: the backend is asked, and answers */
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff ");
    CHECK(fx_log_contains(&f, "session_logoff(\"srv1\", 77)"));
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_bad_flags(void)
{
    static const uint32_t bad[] = { 0x2, 0x4, 0x80000000u, TERMINUS_SESSION_WAIT | 0x10,
                                    UINT32_MAX };
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

/*
 * A server name is [user@]host[:port], an IPv6 address in brackets: a
 * malformed one is E_INVALID with a message naming the fault, and the OS is
 * not asked (lib/core/session.c, server_name_check).
 */
static void server_name_shape_refused(void)
{
    static const struct {
        const char *name, *fault;
    } bad[] = {
        { "host:", "no port after ':'" },
        { "user@", "no host after '@'" },
        { "[::1", "'[' without ']'" },
        { "host:22:33", "more than one ':'" },
        { "@host", "no user before '@'" },
        { "[::1]:0", "port 0 is not in 1..65535" },
        { "h:65536", "port 65536 is not in 1..65535" },
    };
    terminus_server *s = NULL;
    size_t i;
    fx f;

    setup(&f);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_error_clear();
        CHECK_RC(terminus_server_open(f.ctx, bad[i].name, &s), TERMINUS_E_INVALID);
        CHECK(s == NULL);
        CHECK_ERROR(TERMINUS_E_INVALID, bad[i].fault);
        CHECK_ERROR(TERMINUS_E_INVALID, bad[i].name);
    }
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    fx_close(&f);
}

/* Well-formed names reach the backend's server_open as they are. */
static void server_name_shape_accepted(void)
{
    static const char *const good[] = { "user@host:22", "[::1]:2222", "host" };
    terminus_server *s;
    char entry[64];
    size_t i;
    fx f;

    setup(&f);
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        REQUIRE_RC(terminus_fake_server_add(f.fake, good[i], 1), TERMINUS_OK);
        s = open_server(&f, good[i]);
        snprintf(entry, sizeof entry, "server_open(\"%s\")", good[i]);
        CHECK(fx_log_contains(&f, entry));
        terminus_server_close(s);
    }
    CHECK_EQ(fx_calls(&f, "server_open"), 3);
    fx_close(&f);
}

/* "01" is a name, not the id 1: a session named "01" is found, and with no
 * such session the spec finds nothing (never session 1). */
static void resolve_leading_zero_is_name(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 40, TERMINUS_SESSION_ACTIVE, "01", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    expect_resolve(s, "01", TERMINUS_OK, 40);
    expect_resolve(s, "001", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "07", TERMINUS_E_NOT_FOUND, 0);
    expect_resolve(s, "1", TERMINUS_OK, 1);
    terminus_server_close(s);
    fx_close(&f);
}

/* Digits name the session with that id if there is one, else the session
 * with that name (a logind id such as "2147483648"); a spec that is one
 * session's id and another's name is refused, naming both. */
static void resolve_id_or_name_ambiguity(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 0xC0000123u, TERMINUS_SESSION_ACTIVE,
                                         "2147483648", "", TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 50, TERMINUS_SESSION_ACTIVE, "12", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 51, TERMINUS_SESSION_ACTIVE, "51", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    expect_resolve(s, "2147483648", TERMINUS_OK, 0xC0000123u);
    /* "12" is session 12's id and session 50's name */
    expect_resolve(s, "12", TERMINUS_E_INVALID, 0);
    CHECK_ERROR(TERMINUS_E_INVALID, "RDP-Tcp#3");
    CHECK_ERROR(TERMINUS_E_INVALID, "session 50");
    /* "51" is session 51's id and its own name: no doubt */
    expect_resolve(s, "51", TERMINUS_OK, 51);
    terminus_server_close(s);
    fx_close(&f);
}

/* A name of the full 63 bytes may have been cut from a longer one: a match
 * on it is refused; the session is named by its id. */
static void resolve_full_name_refused(void)
{
    char name[64];
    terminus_server *s;
    fx f;

    memset(name, 'n', 63);
    name[63] = '\0';
    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 60, TERMINUS_SESSION_ACTIVE, name, "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    expect_resolve(s, name, TERMINUS_E_INVALID, 0);
    CHECK_ERROR(TERMINUS_E_INVALID, "by its id");
    expect_resolve(s, "60", TERMINUS_OK, 60);
    name[62] = '\0'; /* 62 bytes cannot have been cut: no such session */
    expect_resolve(s, name, TERMINUS_E_NOT_FOUND, 0);
    terminus_server_close(s);
    fx_close(&f);
}

/* The fake's table, with a session_list that reports the sessions named
 * "twin..." under one id, 9, as a backend whose derived ids collide would. */
static const terminus_os *twin_inner;

struct twin_arg {
    terminus_os_session_fn fn;
    void *arg;
};

static int twin_each(void *arg, const terminus_session_info *info)
{
    struct twin_arg *t = arg;
    terminus_session_info copy = *info;

    if (strncmp(copy.name, "twin", 4) == 0)
        copy.id = 9;
    return t->fn(t->arg, &copy);
}

static int twin_list(void *data, terminus_os_server *server, terminus_os_session_fn fn, void *arg)
{
    struct twin_arg t;

    t.fn = fn;
    t.arg = arg;
    return twin_inner->session_list(data, server, twin_each, &t);
}

/* An id that two sessions share names neither: refused, naming both. */
static void resolve_shared_id_refused(void)
{
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_server *s = NULL;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 21, TERMINUS_SESSION_ACTIVE, "twin-a", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 22, TERMINUS_SESSION_ACTIVE, "twin-b", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    twin_inner = terminus_fake_os(f.fake);
    table = *twin_inner;
    table.session_list = twin_list;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(ctx, "srv1", &s), TERMINUS_OK);
    expect_resolve(s, "9", TERMINUS_E_INVALID, 0);
    CHECK_ERROR(TERMINUS_E_INVALID, "twin-a");
    CHECK_ERROR(TERMINUS_E_INVALID, "twin-b");
    CHECK_ERROR(TERMINUS_E_INVALID, "name the session");
    expect_resolve(s, "twin-b", TERMINUS_OK, 9);
    expect_resolve(s, "1", TERMINUS_OK, 1);
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/*
 * Sessions no user is in: the RDP listener (WTSListen), one that is down
 * (WTSDown), one being initialized (WTSInit). They are listed and resolved,
 * but a logoff is refused like session 0's, with a message naming the session
 * and its state, after one listing and before any logoff
 * (lib/core/session.c, check_state).
 */
static void add_no_user_sessions(fx *f)
{
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 65536, TERMINUS_SESSION_LISTEN, "RDP-Tcp",
                                         "", TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 20, TERMINUS_SESSION_DOWN, "RDP-Tcp#5",
                                         "DOMAIN\\eve", TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv1", 21, TERMINUS_SESSION_INIT, "", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
}

static void logoff_no_user_states_refused(void)
{
    static const struct {
        uint32_t id;
        const char *session, *state;
    } refused[] = {
        { 65536, "session 65536 (RDP-Tcp) is a listener", "LISTEN" },
        { 20, "session 20 (RDP-Tcp#5) is down", "DOWN" },
        { 21, "session 21 is being initialized", "INIT" },
    };
    terminus_session_info *list = NULL;
    const terminus_session_info *e;
    terminus_server *s;
    size_t i, count = 0;
    uint32_t id = 0;
    fx f;

    setup(&f);
    add_no_user_sessions(&f);
    s = open_server(&f, "srv1");
    /* listed with their states, and resolved */
    REQUIRE_RC(terminus_session_list(s, &list, &count), TERMINUS_OK);
    CHECK_EQ(count, 7);
    e = find(list, count, 65536);
    CHECK(e != NULL && e->state == TERMINUS_SESSION_LISTEN);
    e = find(list, count, 20);
    CHECK(e != NULL && e->state == TERMINUS_SESSION_DOWN);
    e = find(list, count, 21);
    CHECK(e != NULL && e->state == TERMINUS_SESSION_INIT);
    terminus_session_list_free(list);
    CHECK_RC(terminus_session_resolve(s, "rdp-tcp", &id), TERMINUS_OK);
    CHECK_EQ(id, 65536);
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        terminus_fake_calls_clear(f.fake);
        terminus_error_clear();
        CHECK_RC(terminus_session_logoff(s, refused[i].id, 0, 0), TERMINUS_E_REFUSED);
        CHECK_ERROR(TERMINUS_E_REFUSED, refused[i].session);
        CHECK_ERROR(TERMINUS_E_REFUSED, refused[i].state);
        CHECK_ERROR(TERMINUS_E_REFUSED, "never logged off");
        CHECK_RC(terminus_session_logoff(s, refused[i].id, TERMINUS_SESSION_WAIT, 1000),
                 TERMINUS_E_REFUSED);
        /* one listing per call, and nothing else */
        CHECK_STR_EQ(log_names(&f), "session_list session_list ");
        CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
        CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
        CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", refused[i].id), 1);
        CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    }
    terminus_server_close(s);
    fx_close(&f);
}

/* Beside them, sessions a user is in are still logged off: ACTIVE,
 * DISCONNECTED, CONNECTED, and OTHER (idle; logind's "closing"). */
static void logoff_user_states_still_logged_off(void)
{
    terminus_server *s;
    fx f;

    setup(&f);
    add_no_user_sessions(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 8, TERMINUS_SESSION_OTHER, "c8", "dave",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv1", 9, TERMINUS_SESSION_CONNECTED, "c9", "",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    s = open_server(&f, "srv1");
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 1, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK); /* ACTIVE */
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 0);
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff session_wait_gone ");
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 12, 0, 0), TERMINUS_OK); /* DISCONNECTED */
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff ");
    CHECK_RC(terminus_session_logoff(s, 8, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK); /* OTHER */
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 8), 0);
    CHECK_RC(terminus_session_logoff(s, 9, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 9), 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 3);
    /* the listener, the down and the init sessions are untouched */
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 65536), 1);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 20), 1);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 21), 1);
    terminus_server_close(s);
    fx_close(&f);
}

/* The look-up's listing fails: its code, and nothing is logged off. */
static void logoff_lookup_fails(void)
{
    static const int codes[] = { TERMINUS_E_UNAVAILABLE, TERMINUS_E_ACCESS_DENIED,
                                 TERMINUS_E_NO_MEMORY, TERMINUS_E_OS };
    terminus_server *s;
    size_t i;
    fx f;

    setup(&f);
    add_no_user_sessions(&f);
    s = open_server(&f, "srv1");
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        terminus_fake_calls_clear(f.fake);
        terminus_error_clear();
        REQUIRE_RC(terminus_fake_fail(f.fake, "session_list", 1, 0, codes[i], 1722), TERMINUS_OK);
        CHECK_RC(terminus_session_logoff(s, 1, TERMINUS_SESSION_WAIT, 1000), codes[i]);
        CHECK_EQ(terminus_error_last()->os_code, 1722);
        CHECK(fx_has_message());
        CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
        CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
        CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 1);
        /* the listener is never logged off for want of a listing either */
        REQUIRE_RC(terminus_fake_fail(f.fake, "session_list", 1, 0, codes[i], 1722), TERMINUS_OK);
        CHECK_RC(terminus_session_logoff(s, 65536, 0, 0), codes[i]);
        CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    }
    CHECK_EQ(terminus_fake_now_us(f.fake), 0);
    terminus_server_close(s);
    fx_close(&f);
}

/* A backend that cannot list sessions at all (no session_list in its table,
 * or E_UNSUPPORTED from it, as under Wine) has no state to check: the logoff
 * goes on as before. */
static void logoff_without_listing_goes_on(void)
{
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_server *s = NULL;
    fx f;

    setup(&f);
    s = open_server(&f, "srv1");
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_list", 1, 1, TERMINUS_E_UNSUPPORTED, 120),
               TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 1, TERMINUS_SESSION_WAIT, 1000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv1", 1), 0);
    CHECK_STR_EQ(log_names(&f), "session_list session_logoff session_wait_gone ");
    terminus_server_close(s);
    fx_close(&f);

    setup(&f);
    table = *terminus_fake_os(f.fake);
    table.session_list = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(ctx, "srv1", &s), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 1, 0, 0), TERMINUS_OK);
    CHECK_STR_EQ(log_names(&f), "session_logoff ");
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* The fake scripts every public state, and no other. */
static void fake_session_states(void)
{
    static const int32_t good[] = { TERMINUS_SESSION_ACTIVE,       TERMINUS_SESSION_CONNECTED,
                                    TERMINUS_SESSION_DISCONNECTED, TERMINUS_SESSION_LISTEN,
                                    TERMINUS_SESSION_DOWN,         TERMINUS_SESSION_OTHER,
                                    TERMINUS_SESSION_INIT };
    static const int32_t bad[] = { -1, 2, 3, 5, 7, 11 };
    size_t i;
    fx f;

    setup(&f);
    for (i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_RC(terminus_fake_session_add(f.fake, "srv2", (uint32_t)(100 + i), good[i], "s", "",
                                           TERMINUS_FAKE_SESSION_ENDS, 0),
                 TERMINUS_OK);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_RC(terminus_fake_session_add(f.fake, "srv2", (uint32_t)(200 + i), bad[i], "s", "",
                                           TERMINUS_FAKE_SESSION_ENDS, 0),
                 TERMINUS_E_INVALID);
    fx_close(&f);
}

/* The fake's table, with a session_list that reports every session under
 * the id 9, as a backend whose derived ids collide would: the id names a
 * listener and a user's session; the listener's state refuses it. */
static const terminus_os *collide_inner;

static int collide_each(void *arg, const terminus_session_info *info)
{
    struct twin_arg *t = arg;
    terminus_session_info copy = *info;

    copy.id = 9;
    return t->fn(t->arg, &copy);
}

static int collide_list(void *data, terminus_os_server *server, terminus_os_session_fn fn,
                        void *arg)
{
    struct twin_arg t;

    t.fn = fn;
    t.arg = arg;
    return collide_inner->session_list(data, server, collide_each, &t);
}

static void logoff_shared_id_with_listener_refused(void)
{
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_server *s = NULL;
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv3", 9, TERMINUS_SESSION_ACTIVE, "c9", "ann",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv3", 65536, TERMINUS_SESSION_LISTEN, "RDP-Tcp",
                                         "", TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    collide_inner = terminus_fake_os(f.fake);
    table = *collide_inner;
    table.session_list = collide_list;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(ctx, "srv3", &s), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff(s, 9, 0, 0), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "(RDP-Tcp)");
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    CHECK_EQ(terminus_fake_session_exists(f.fake, "srv3", 9), 1);
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

HARNESS_MAIN(T(open_local), T(open_named), T(open_unknown_and_unreachable), T(open_malformed),
             T(list_sessions), T(list_empty), T(list_long_fields), T(list_bad_arguments),
             T(list_failure), T(resolve_ids_and_names), T(resolve_ascii_case_only),
             T(resolve_malformed), T(resolve_current), T(logoff_session_zero_refused),
             T(logoff_current), T(logoff_wait_ends), T(logoff_wait_too_slow), T(logoff_no_wait),
             T(logoff_hangs_times_out), T(logoff_denied), T(logoff_unknown_id), T(logoff_bad_flags),
             T(resolve_then_logoff), T(server_name_shape_refused), T(server_name_shape_accepted),
             T(resolve_leading_zero_is_name), T(resolve_id_or_name_ambiguity),
             T(resolve_full_name_refused), T(resolve_shared_id_refused),
             T(logoff_no_user_states_refused), T(logoff_user_states_still_logged_off),
             T(logoff_lookup_fails), T(logoff_without_listing_goes_on), T(fake_session_states),
             T(logoff_shared_id_with_listener_refused))
