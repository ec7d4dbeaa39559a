/*
 * tests/unit/test_sessions_admin.c: sessions an administrator acts on
 * (include/terminus/session.h, 0.2), the core over the fake OS: the duration
 * parser and the idle text (pure), the idle rule, session details, a message
 * to a session's user, the selection and logoff of every session that
 * matches (refusals, order, the warning and its countdown, the check that an
 * id still names the session after it, the shared WAIT) and the blockers.
 * Every bad argument is refused before any shim call.
 */
#include "fixture.h"

#define MIN_MS  60000ull
#define HOUR_MS (60ull * MIN_MS)
#define DAY_MS  (24ull * HOUR_MS)
#define SEC_US  INT64_C(1000000)

/* ------------------------------------------------------------------------ */
/* The duration parser                                                      */

static void duration_parse_good(void)
{
    static const struct {
        const char *text;
        uint64_t ms;
    } good[] = {
        { "90m", 90 * MIN_MS },
        { "2h", 2 * HOUR_MS },
        { "1d", DAY_MS },
        { "45s", 45000 },
        { "1h30m", 90 * MIN_MS },
        { "2d4h", 2 * DAY_MS + 4 * HOUR_MS },
        { "1d2h3m4s", DAY_MS + 2 * HOUR_MS + 3 * MIN_MS + 4000 },
        { "1D", DAY_MS },
        { "90M", 90 * MIN_MS },
        { "0m", 0 },
        { "0", 0 },
        { "5", 5 * MIN_MS },
        { "1:02", HOUR_MS + 2 * MIN_MS },
        { "23:59", 23 * HOUR_MS + 59 * MIN_MS },
        { "2+03:04", 2 * DAY_MS + 3 * HOUR_MS + 4 * MIN_MS },
        { "0+00:00", 0 },
        { ".", 0 },
        { "36h", 36 * HOUR_MS },
        { "007m", 7 * MIN_MS },
    };
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t ms = 12345;
        int rc = terminus_duration_parse(good[i].text, &ms);
        CHECK_MSG(rc == TERMINUS_OK && ms == good[i].ms, "\"%s\" => %d, %llu (want %llu)",
                  good[i].text, rc, (unsigned long long)ms, (unsigned long long)good[i].ms);
    }
}

static void duration_parse_bad(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        { "", "is empty" },
        { "90x", "unknown unit 'x' at byte 2" },
        { "m", "no number before 'm'" },
        { "h5", "no number before 'h'" },
        { "1h30", "no unit after 30" },
        { "30m1h", "'h' after 'm'" },
        { "1h1h", "'h' after 'h'" },
        { "-5m", "not negative" },
        { "1:5", "two digits of minutes" },
        { "1:60", "below 60" },
        { "1+24:00", "below 24" },
        { "1+3:00", "two digits of hours" },
        { "1+03", "expected ':'" },
        { "1:02x", "unexpected text after the minutes" },
        { "1:02:03", "unexpected text after the minutes" },
        { ":30", "expected a number" },
        { "5x:00", "unexpected 'x'" },
        { "99999999999999999999999m", "too long" },
        { "213503982335d", "too long" },
        { "5124095576030431h", "too long" },
        { "213503982334d23h59m59s", "too long" },
        { " 5m", "unexpected ' ' at byte 0" },
        { "5 m", "unknown unit ' '" },
        { "5m ", "unexpected ' '" },
        { "\x01", "0x01" },
        { "5\xc3\xa9", "0xC3" },
        { "..", "unexpected '.'" },
        { "1.5h", "unknown unit '.'" },
    };
    uint64_t ms;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms = 77;
        terminus_error_clear();
        CHECK_RC(terminus_duration_parse(bad[i].text, &ms), TERMINUS_E_INVALID);
        CHECK_EQ(ms, 0);
        CHECK_ERROR(TERMINUS_E_INVALID, "terminus_duration_parse: \"");
        CHECK_ERROR(TERMINUS_E_INVALID, bad[i].why);
    }
    CHECK_RC(terminus_duration_parse(NULL, &ms), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "text is NULL");
    CHECK_RC(terminus_duration_parse("5m", NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "ms is NULL");
    /* the largest that fits */
    CHECK_RC(terminus_duration_parse("213503982334d", &ms), TERMINUS_OK);
    CHECK_EQ(ms, 213503982334ull * DAY_MS);
    /* a long text is shown cut, never read past its end */
    {
        char longer[300];
        memset(longer, '7', sizeof longer - 2);
        longer[sizeof longer - 2] = 'q';
        longer[sizeof longer - 1] = '\0';
        CHECK_RC(terminus_duration_parse(longer, &ms), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "...\": ");
    }
}

/* ------------------------------------------------------------------------ */
/* The idle text and the idle rule                                          */

static void idle_format(void)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        { -1, "none" },
        { INT64_MIN, "none" },
        { 0, "." },
        { 59999, "." },
        { 60000, "1" },
        { 5 * 60000 + 59999, "5" },
        { 59 * 60000, "59" },
        { 60 * 60000, "1:00" },
        { 62 * 60000, "1:02" },
        { 24 * 60 * 60000 - 1, "23:59" },
        { 24 * 60 * 60000, "1+00:00" },
        { (2 * 24 * 60 + 3 * 60 + 4) * INT64_C(60000), "2+03:04" },
        { INT64_MAX, "106751991167+07:12" },
    };
    char buf[32];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_RC(terminus_idle_format(cases[i].ms, buf, sizeof buf), TERMINUS_OK);
        CHECK_STR_EQ(buf, cases[i].text);
    }
    /* 24 bytes always suffice */
    CHECK_RC(terminus_idle_format(INT64_MAX, buf, 24), TERMINUS_OK);
    CHECK_RC(terminus_idle_format(62 * 60000, buf, 4), TERMINUS_E_INVALID);
    CHECK_STR_EQ(buf, "");
    CHECK_ERROR(TERMINUS_E_INVALID, "\"1:02\"");
    CHECK_RC(terminus_idle_format(62 * 60000, buf, 5), TERMINUS_OK);
    CHECK_RC(terminus_idle_format(0, buf, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_idle_format(0, NULL, 8), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "buf is NULL");
}

/* What the formatter writes, the parser reads back to the minute. */
static void idle_round_trip(void)
{
    uint64_t ms = 0;
    char buf[32];
    int64_t t;

    for (t = 0; t < INT64_C(400) * 24 * 3600 * 1000; t = t * 3 + 7919) {
        REQUIRE_RC(terminus_idle_format(t, buf, sizeof buf), TERMINUS_OK);
        REQUIRE_RC(terminus_duration_parse(buf, &ms), TERMINUS_OK);
        CHECK_MSG(ms == (uint64_t)t / MIN_MS * MIN_MS, "%lld => \"%s\" => %llu", (long long)t, buf,
                  (unsigned long long)ms);
    }
}

static terminus_session_details details_at(int32_t state, int32_t hint, int64_t since,
                                           int64_t disconnect, int64_t now)
{
    terminus_session_details d;

    memset(&d, 0, sizeof d);
    d.state = state;
    d.idle_hint = hint;
    d.idle_since_us = since;
    d.disconnect_us = disconnect;
    d.now_us = now;
    return d;
}

static void idle_rule(void)
{
    const int64_t now = TERMINUS_FAKE_EPOCH_US;
    terminus_session_details d;

    CHECK_EQ(terminus_session_idle_ms(NULL), -1);
    /* no clock: unknown */
    d = details_at(TERMINUS_SESSION_ACTIVE, 1, now - 10 * SEC_US, 0, 0);
    CHECK_EQ(terminus_session_idle_ms(&d), -1);
    /* logind: idle since IdleSinceHint */
    d = details_at(TERMINUS_SESSION_ACTIVE, 1, now - 10 * SEC_US, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 10000);
    /* in use: 0, whatever the time */
    d = details_at(TERMINUS_SESSION_ACTIVE, 0, now - 10 * SEC_US, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 0);
    /* idle, since unknown */
    d = details_at(TERMINUS_SESSION_ACTIVE, 1, 0, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), -1);
    /* Windows: no hint, the last input */
    d = details_at(TERMINUS_SESSION_ACTIVE, -1, now - 90 * 60 * SEC_US, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 90 * 60000);
    d = details_at(TERMINUS_SESSION_ACTIVE, -1, 0, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), -1);
    /* disconnected: since the disconnect, whatever the input */
    d = details_at(TERMINUS_SESSION_DISCONNECTED, -1, now - 10 * SEC_US, now - 3600 * SEC_US, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 3600000);
    d = details_at(TERMINUS_SESSION_DISCONNECTED, 0, 0, now - 60 * SEC_US, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 60000);
    /* disconnected, time unknown: the input */
    d = details_at(TERMINUS_SESSION_DISCONNECTED, -1, now - 10 * SEC_US, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 10000);
    /* a time after the clock (two clocks): 0 */
    d = details_at(TERMINUS_SESSION_ACTIVE, -1, now + 5 * SEC_US, 0, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 0);
    /* connected but not disconnected: the disconnect time is not used */
    d = details_at(TERMINUS_SESSION_CONNECTED, 0, 0, now - 60 * SEC_US, now);
    CHECK_EQ(terminus_session_idle_ms(&d), 0);
}

/* ------------------------------------------------------------------------ */
/* A scripted server                                                        */

/*
 * "srv": 0 services (no user), 1 alice at the console (in use), 2 bob
 * disconnected an hour ago, 3 carol disconnected five minutes ago, 4
 * DOMAIN\dave active and idle for two hours, 5 gdm's login screen (idle for
 * days), 65536 the RDP listener, 6 alice again (RDP, idle unknown). The
 * fake's clock is at TERMINUS_FAKE_EPOCH_US.
 */
static void add(fx *f, uint32_t id, int32_t state, const char *name, const char *user,
                int behaviour)
{
    REQUIRE_RC(terminus_fake_session_add(f->fake, "srv", id, state, name, user, behaviour, 100),
               TERMINUS_OK);
}

static void details_set(fx *f, uint32_t id, int32_t type, int32_t klass, int32_t hint,
                        int64_t since_s_ago, int64_t disc_s_ago, const char *client)
{
    terminus_session_details d;
    const int64_t now = TERMINUS_FAKE_EPOCH_US;

    memset(&d, 0, sizeof d);
    d.type = type;
    d.session_class = klass;
    d.remote = type == TERMINUS_SESSION_TYPE_RDP;
    d.idle_hint = hint;
    d.logon_us = now - 86400 * SEC_US + (int64_t)id * SEC_US;
    d.idle_since_us = since_s_ago < 0 ? 0 : now - since_s_ago * SEC_US;
    d.disconnect_us = disc_s_ago < 0 ? 0 : now - disc_s_ago * SEC_US;
    snprintf(d.client, sizeof d.client, "%s", client);
    snprintf(d.seat, sizeof d.seat, "seat%u", (unsigned)id);
    REQUIRE_RC(terminus_fake_session_set_details(f->fake, "srv", id, &d), TERMINUS_OK);
}

static void setup(fx *f)
{
    fx_open(f);
    REQUIRE_RC(terminus_fake_server_add(f->fake, "srv", 1), TERMINUS_OK);
    add(f, 0, TERMINUS_SESSION_OTHER, "Services", "", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 1, TERMINUS_SESSION_ACTIVE, "Console", "alice", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 2, TERMINUS_SESSION_DISCONNECTED, "", "bob", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 3, TERMINUS_SESSION_DISCONNECTED, "", "carol", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 4, TERMINUS_SESSION_ACTIVE, "RDP-Tcp#4", "DOMAIN\\dave", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 5, TERMINUS_SESSION_ACTIVE, "c5", "gdm", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 65536, TERMINUS_SESSION_LISTEN, "RDP-Tcp", "", TERMINUS_FAKE_SESSION_ENDS);
    add(f, 6, TERMINUS_SESSION_ACTIVE, "RDP-Tcp#6", "alice", TERMINUS_FAKE_SESSION_ENDS);
    details_set(f, 1, TERMINUS_SESSION_TYPE_CONSOLE, TERMINUS_SESSION_CLASS_USER, 0, -1, -1, "");
    details_set(f, 2, TERMINUS_SESSION_TYPE_RDP, TERMINUS_SESSION_CLASS_USER, -1, 7200, 3600,
                "laptop-b");
    details_set(f, 3, TERMINUS_SESSION_TYPE_RDP, TERMINUS_SESSION_CLASS_USER, -1, 300, 300,
                "laptop-c");
    details_set(f, 4, TERMINUS_SESSION_TYPE_RDP, TERMINUS_SESSION_CLASS_USER, -1, 7200, -1,
                "laptop-d");
    details_set(f, 5, TERMINUS_SESSION_TYPE_WAYLAND, TERMINUS_SESSION_CLASS_GREETER, 1, 5 * 86400,
                -1, "");
    terminus_fake_calls_clear(f->fake);
    terminus_error_clear();
}

static terminus_server *srv(fx *f)
{
    terminus_server *s = NULL;

    REQUIRE_RC(terminus_server_open(f->ctx, "srv", &s), TERMINUS_OK);
    terminus_fake_calls_clear(f->fake);
    return s;
}

static int there(fx *f, uint32_t id)
{
    return terminus_fake_session_exists(f->fake, "srv", id);
}

/* The order of the session_logoff calls in the log: "6 1 " */
static const char *logoff_order(fx *f)
{
    static char order[256];
    size_t i, at = 0, n = terminus_fake_call_count(f->fake, NULL);
    char entry[512];

    order[0] = '\0';
    for (i = 0; i < n; i++) {
        unsigned id;
        if (terminus_fake_call(f->fake, i, entry, sizeof entry) == TERMINUS_OK &&
            sscanf(entry, "session_logoff(\"srv\", %u)", &id) == 1 && at + 12 < sizeof order)
            at += (size_t)snprintf(order + at, sizeof order - at, "%u ", id);
    }
    return order;
}

/* ------------------------------------------------------------------------ */
/* Details                                                                  */

static const terminus_session_details *find_id(const terminus_session_details *l, size_t n,
                                               uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (l[i].id == id)
            return &l[i];
    return NULL;
}

static void details_list(void)
{
    terminus_session_details *l = NULL;
    const terminus_session_details *d;
    terminus_server *s;
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_fake_advance(f.fake, 5 * SEC_US), TERMINUS_OK);
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    CHECK_EQ(n, 8);
    CHECK_EQ(fx_calls(&f, "session_details"), 1);
    CHECK_EQ(fx_calls(&f, "session_list"), 0);
    d = find_id(l, n, 2);
    REQUIRE(d != NULL);
    CHECK_EQ(d->state, TERMINUS_SESSION_DISCONNECTED);
    CHECK_STR_EQ(d->user, "bob");
    CHECK_EQ(d->type, TERMINUS_SESSION_TYPE_RDP);
    CHECK_EQ(d->session_class, TERMINUS_SESSION_CLASS_USER);
    CHECK_EQ(d->remote, 1);
    CHECK_EQ(d->idle_hint, -1);
    CHECK_EQ(d->now_us, TERMINUS_FAKE_EPOCH_US + 5 * SEC_US);
    CHECK_EQ(d->disconnect_us, TERMINUS_FAKE_EPOCH_US - 3600 * SEC_US);
    CHECK_EQ(d->logon_us, TERMINUS_FAKE_EPOCH_US - 86400 * SEC_US + 2 * SEC_US);
    CHECK_STR_EQ(d->client, "laptop-b");
    CHECK_STR_EQ(d->seat, "seat2");
    CHECK_EQ(terminus_session_idle_ms(d), 3605000);
    /* a session never described: unknown */
    d = find_id(l, n, 6);
    REQUIRE(d != NULL);
    CHECK_STR_EQ(d->name, "RDP-Tcp#6");
    CHECK_EQ(d->type, TERMINUS_SESSION_TYPE_UNKNOWN);
    CHECK_EQ(d->remote, -1);
    CHECK_EQ(d->idle_hint, -1);
    CHECK_EQ(d->logon_us, 0);
    CHECK_STR_EQ(d->client, "");
    CHECK_EQ(terminus_session_idle_ms(d), -1);
    terminus_session_details_free(l);

    /* bad arguments: no shim call */
    terminus_fake_calls_clear(f.fake);
    l = (terminus_session_details *)&n;
    n = 9;
    CHECK_RC(terminus_session_details_list(NULL, &l, &n), TERMINUS_E_INVALID);
    CHECK(l == NULL && n == 0);
    CHECK_RC(terminus_session_details_list(s, NULL, &n), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_details_list(s, &l, NULL), TERMINUS_E_INVALID);
    CHECK_EQ(fx_calls(&f, NULL), 0);
    /* a failure leaves nothing */
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_details", 1, 0, TERMINUS_E_ACCESS_DENIED, 5),
               TERMINUS_OK);
    CHECK_RC(terminus_session_details_list(s, &l, &n), TERMINUS_E_ACCESS_DENIED);
    CHECK(l == NULL && n == 0);
    terminus_server_close(s);

    /* no session: NULL and 0 */
    REQUIRE_RC(terminus_server_open(f.ctx, NULL, &s), TERMINUS_OK);
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    CHECK(l == NULL && n == 0);
    terminus_server_close(s);
    fx_close(&f);
}

/* A copy of the fake's table without some members. */
static terminus_ctx *ctx_without(fx *f, terminus_os *table, int details, int message, int wait,
                                 int logoff)
{
    terminus_ctx *ctx = NULL;

    *table = *terminus_fake_os(f->fake);
    if (!details)
        table->session_details = NULL;
    if (!message)
        table->session_message = NULL;
    if (!wait)
        table->session_wait_gone = NULL;
    if (!logoff)
        table->session_logoff = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, table), TERMINUS_OK);
    return ctx;
}

/* Without session_details: what session_list gives, the rest unknown. */
static void details_fallback(void)
{
    terminus_session_details *l = NULL;
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_os table;
    terminus_ctx *ctx;
    terminus_server *s = NULL;
    size_t n = 0;
    fx f;

    setup(&f);
    ctx = ctx_without(&f, &table, 0, 1, 1, 1);
    REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    CHECK_EQ(n, 8);
    CHECK_EQ(fx_calls(&f, "session_list"), 1);
    CHECK_EQ(fx_calls(&f, "session_details"), 0);
    REQUIRE(find_id(l, n, 2) != NULL);
    CHECK_STR_EQ(find_id(l, n, 2)->user, "bob");
    CHECK_EQ(find_id(l, n, 2)->remote, -1);
    CHECK_EQ(find_id(l, n, 2)->idle_hint, -1);
    CHECK_EQ(find_id(l, n, 2)->disconnect_us, 0);
    terminus_session_details_free(l);

    /* a state filter works without details; an idle one cannot */
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_advance(f.fake, 200000), TERMINUS_OK);
    CHECK(!there(&f, 2) && !there(&f, 3) && there(&f, 4));
    flt.states = 0;
    flt.flags = TERMINUS_FILTER_IDLE;
    flt.idle_ms = 0;
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "no idle time is known");
    CHECK_EQ(fx_calls(&f, NULL), 0);
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* A message                                                                */

static void message(void)
{
    terminus_server *s;
    char last[2048], text[1100];
    fx f;

    setup(&f);
    s = srv(&f);
    CHECK_RC(terminus_session_message(s, 2, NULL, "Save your work.", 90000), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 2, last, sizeof last), 1);
    CHECK_STR_EQ(last, "terminus: Save your work.");
    CHECK(fx_log_contains(&f, "session_message(\"srv\", 2, \"terminus\", 90 s) = 0"));
    CHECK_RC(terminus_session_message(s, 2, "Maintenance", "Line 1\n\tLine 2", 1500), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 2, last, sizeof last), 2);
    CHECK_STR_EQ(last, "Maintenance: Line 1\n\tLine 2");
    CHECK(fx_log_contains(&f, "\"Maintenance\", 2 s) = 0"));
    CHECK_RC(terminus_session_message(s, 2, "t", "x", 0), TERMINUS_OK);
    CHECK(fx_log_contains(&f, "\"t\", 0 s) = 0"));
    /* the longest text */
    memset(text, 'a', 1023);
    text[1023] = '\0';
    CHECK_RC(terminus_session_message(s, 3, "t", text, 0), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 3, NULL, 0), 1);

    /* refused before any shim call */
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_message(NULL, 2, NULL, "x", 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_message(s, 2, NULL, NULL, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "text is NULL");
    CHECK_RC(terminus_session_message(s, 2, NULL, "", 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "text is empty");
    CHECK_RC(terminus_session_message(s, 2, NULL, "bell\a", 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "control character (0x07) at byte 4");
    CHECK_RC(terminus_session_message(s, 2, NULL, "esc\x1b[2J", 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_message(s, 2, NULL, "cr\r", 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_message(s, 2, NULL, "\xff", 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "not valid UTF-8");
    text[1023] = 'b';
    text[1024] = '\0';
    CHECK_RC(terminus_session_message(s, 2, NULL, text, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "longer than 1023 bytes");
    CHECK_RC(terminus_session_message(s, 2, "two\nlines", "x", 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "title has a control character");
    CHECK_RC(terminus_session_message(s, 2, "", "x", 0), TERMINUS_E_INVALID);
    CHECK_EQ(fx_calls(&f, NULL), 0);

    /* what the backend says */
    CHECK_RC(terminus_session_message(s, 99, NULL, "x", 0), TERMINUS_E_NOT_FOUND);
    REQUIRE_RC(terminus_fake_session_set_message(f.fake, "srv", 4, TERMINUS_E_UNSUPPORTED),
               TERMINUS_OK);
    CHECK_RC(terminus_session_message(s, 4, NULL, "x", 0), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "refused as scripted");
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 4, NULL, 0), 0);
    /* CURRENT: the caller's own session (none on a remote server) */
    CHECK_RC(terminus_session_message(s, TERMINUS_SESSION_CURRENT, NULL, "x", 0),
             TERMINUS_E_NOT_FOUND);
    terminus_server_close(s);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 9, TERMINUS_SESSION_ACTIVE, "Console", "me",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 9), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(f.ctx, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_message(s, TERMINUS_SESSION_CURRENT, "t", "to me", 0), TERMINUS_OK);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "", 9, NULL, 0), 1);
    terminus_server_close(s);

    /* a table without the member */
    {
        terminus_os table;
        terminus_ctx *ctx = ctx_without(&f, &table, 1, 0, 1, 1);
        REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
        CHECK_RC(terminus_session_message(s, 2, NULL, "x", 0), TERMINUS_E_UNSUPPORTED);
        CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session_message");
        terminus_server_close(s);
        terminus_ctx_free(ctx);
    }
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Selection: the checks                                                    */

static void filter_refused(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    size_t n = 5;
    fx f;

    setup(&f);
    s = srv(&f);
    out = (terminus_session_outcome *)&n;
    CHECK_RC(terminus_session_logoff_matching(NULL, &flt, NULL, &out, &n), TERMINUS_E_INVALID);
    CHECK(out == NULL && n == 0);
    CHECK_RC(terminus_session_logoff_matching(s, NULL, NULL, &out, &n), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "filter is NULL");
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, &out, &n), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "no criterion");
    flt.user = "bob";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, &out, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "count is NULL");
    flt.version = 2;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "filter->version 2");
    flt.version = TERMINUS_SESSION_FILTER_VERSION;
    flt.flags = 0x10;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "unknown bits 0x10");
    flt.flags = 0;
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_LISTEN);
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "LISTEN, DOWN or INIT");
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_INIT);
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    flt.states = 1u << 20;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "bits of no state");
    flt.states = 0;
    flt.user = "";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "filter->user is empty");
    flt.user = "bo\tb";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_INVALID);
    flt.user = "bob";

    o.version = 0;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->version 0");
    o.version = TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION;
    o.flags = 0x8;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    o.flags = 0;
    o.countdown_ms = 1000;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "a countdown follows a warning");
    o.countdown_ms = 0;
    o.flags = TERMINUS_SESSION_WARNED_ONLY;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "WARNED_ONLY without a message");
    o.flags = 0;
    o.title = "Maintenance";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "title without a message");
    o.message = "";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->message is empty");
    o.message = "ok";
    o.title = "bad\x01";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->title has a control character");
    CHECK_EQ(fx_calls(&f, NULL), 0);
    CHECK(there(&f, 2));
    terminus_server_close(s);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Selection: who is picked                                                 */

/* logoff_matching, and the ids of its outcomes ("2 3 "). */
static int run(terminus_server *s, const terminus_session_filter *flt,
               const terminus_session_logoff_options *o, char *ids, size_t size,
               terminus_session_outcome **keep, size_t *nkeep)
{
    terminus_session_outcome *out = NULL;
    size_t n = 77, at = 0;
    int rc = terminus_session_logoff_matching(s, flt, o, &out, &n);

    ids[0] = '\0';
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(ids + at, size - at, "%u ", (unsigned)out[i].session.id);
    if (out == NULL)
        CHECK_EQ(n, 0);
    if (keep != NULL) {
        *keep = out;
        *nkeep = n;
    } else {
        terminus_session_outcomes_free(out);
    }
    return rc;
}

static void select_state(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, &out, &n), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 3 ");
    REQUIRE(n == 2);
    CHECK_RC(out[0].status, TERMINUS_OK);
    CHECK_STR_EQ(out[0].message, "");
    CHECK_STR_EQ(out[0].session.user, "bob");
    CHECK_STR_EQ(out[1].session.client, "laptop-c");
    CHECK_EQ(out[0].warned, 0);
    CHECK_EQ(out[0].ended_early, 0);
    terminus_session_outcomes_free(out);
    CHECK_STR_EQ(logoff_order(&f), "2 3 ");
    CHECK_EQ(fx_calls(&f, "session_details"), 1);
    CHECK_EQ(fx_calls(&f, "session_message"), 0);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
    REQUIRE_RC(terminus_fake_advance(f.fake, 200000), TERMINUS_OK);
    CHECK(!there(&f, 2) && !there(&f, 3));
    CHECK(there(&f, 0) && there(&f, 1) && there(&f, 4) && there(&f, 65536));

    /* the active ones: never 0, the listener or the login screen */
    terminus_fake_calls_clear(f.fake);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_ACTIVE) |
                 TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_OTHER);
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "1 4 6 ");
    CHECK(there(&f, 5));
    terminus_server_close(s);
    fx_close(&f);
}

static void select_user(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options dry = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_server *s;
    char ids[128];
    fx f;

    setup(&f);
    s = srv(&f);
    dry.flags = TERMINUS_SESSION_DRY_RUN;
    flt.user = "dave";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "4 ");
    flt.user = "domain\\DAVE";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "4 ");
    flt.user = "OTHER\\dave";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no session matched");
    flt.user = "ave";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    flt.user = "Alice";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "1 6 ");
    /* a login screen is never picked by its user */
    flt.user = "gdm";
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no session matched (8 listed)");
    CHECK_STR_EQ(ids, "");
    /* a dry run sends nothing */
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    CHECK_EQ(fx_calls(&f, "session_current"), 0);
    CHECK(there(&f, 1) && there(&f, 4) && there(&f, 6));
    terminus_server_close(s);
    fx_close(&f);
}

static void select_idle(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options dry = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_server *s;
    char ids[128];
    fx f;

    setup(&f);
    s = srv(&f);
    dry.flags = TERMINUS_SESSION_DRY_RUN;
    flt.flags = TERMINUS_FILTER_IDLE;
    /* 2: disconnected an hour ago; 4: no input for two hours; 3: five
     * minutes; 1: in use; 6: unknown (never picked); 5: a login screen */
    flt.idle_ms = HOUR_MS;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 4 ");
    flt.idle_ms = HOUR_MS + 1;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "4 ");
    flt.idle_ms = 5 * MIN_MS;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 3 4 ");
    flt.idle_ms = 0;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "1 2 3 4 ");
    /* time moves: 3 has been disconnected for an hour and five minutes */
    REQUIRE_RC(terminus_fake_advance(f.fake, 3600 * SEC_US), TERMINUS_OK);
    flt.idle_ms = HOUR_MS;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 3 4 ");
    flt.idle_ms = 3 * DAY_MS;
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    /* combined: disconnected AND idle two hours AND bob */
    flt.idle_ms = HOUR_MS;
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    CHECK_RC(run(s, &flt, &dry, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 3 ");
    flt.user = "BOB";
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 ");
    CHECK_STR_EQ(logoff_order(&f), "2 ");
    terminus_server_close(s);
    fx_close(&f);
}

static void select_id(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    flt.flags = TERMINUS_FILTER_ID;
    flt.id = 3;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "3 ");
    /* an id and another criterion it does not meet */
    flt.id = 4;
    flt.user = "bob";
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "session 4 is not there");
    flt.user = NULL;
    flt.id = 99;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    /* named by id, 0 and the listener are refused, as terminus_session_logoff refuses them */
    terminus_fake_calls_clear(f.fake);
    flt.id = 0;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, &out, &n), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "session 0 is the services' session");
    REQUIRE(n == 1);
    CHECK_RC(out[0].status, TERMINUS_E_REFUSED);
    CHECK_CONTAINS(out[0].message, "never logged off");
    terminus_session_outcomes_free(out);
    flt.id = 65536;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "a listener");
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
    /* the login screen, named, is logged off as terminus_session_logoff would */
    flt.id = 5;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    /* CURRENT: on a remote server the caller has no session */
    flt.id = TERMINUS_SESSION_CURRENT;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "remote");
    terminus_server_close(s);
    fx_close(&f);
}

/* The caller's own session is logged off last: its logoff may end the caller. */
static void own_session_last(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_server *s = NULL;
    char ids[128];
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 1, TERMINUS_SESSION_ACTIVE, "Console", "alice",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 2, TERMINUS_SESSION_ACTIVE, "RDP-Tcp#1",
                                         "alice", TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 3, TERMINUS_SESSION_DISCONNECTED, "", "alice",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 1), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(f.ctx, NULL, &s), TERMINUS_OK);
    flt.user = "alice";
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "1 2 3 ");
    {
        static char order[64];
        size_t i, at = 0, n = terminus_fake_call_count(f.fake, NULL);
        char entry[256];
        unsigned id;
        for (i = 0; i < n; i++)
            if (terminus_fake_call(f.fake, i, entry, sizeof entry) == TERMINUS_OK &&
                sscanf(entry, "session_logoff(\"\", %u)", &id) == 1)
                at += (size_t)snprintf(order + at, sizeof order - at, "%u ", id);
        CHECK_STR_EQ(order, "2 3 1 ");
    }
    /* named as CURRENT */
    REQUIRE_RC(terminus_fake_session_add(f.fake, "", 4, TERMINUS_SESSION_ACTIVE, "Console", "bob",
                                         TERMINUS_FAKE_SESSION_ENDS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_current_session(f.fake, 4), TERMINUS_OK);
    flt.user = NULL;
    flt.flags = TERMINUS_FILTER_ID;
    flt.id = TERMINUS_SESSION_CURRENT;
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, NULL, NULL), TERMINUS_OK);
    CHECK_STR_EQ(ids, "4 ");
    CHECK(!terminus_fake_session_exists(f.fake, "", 4));
    terminus_server_close(s);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Warning, countdown, WAIT                                                 */

static void warn_countdown(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128], last[512];
    size_t n = 0, i, first_logoff = 0, last_message = 0, calls;
    fx f;

    setup(&f);
    s = srv(&f);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    o.message = "You will be logged off in 60 s.";
    o.title = "Maintenance";
    o.countdown_ms = 60000;
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_OK);
    CHECK_STR_EQ(ids, "2 3 ");
    REQUIRE(n == 2);
    for (i = 0; i < n; i++) {
        CHECK_EQ(out[i].warned, 1);
        CHECK_RC(out[i].warn_status, TERMINUS_OK);
        CHECK_EQ(out[i].ended_early, 0);
        CHECK_RC(out[i].status, TERMINUS_OK);
    }
    terminus_session_outcomes_free(out);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 2, last, sizeof last), 1);
    CHECK_STR_EQ(last, "Maintenance: You will be logged off in 60 s.");
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 3, NULL, 0), 1);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 4, NULL, 0), 0);
    CHECK(fx_log_contains(&f, "\"Maintenance\", 60 s) = 0"));
    /* the countdown on the (virtual) clock, the messages before it, the
     * logoffs after it, and one listing again in between */
    CHECK(terminus_fake_now_us(f.fake) >= 60 * SEC_US);
    CHECK(terminus_fake_now_us(f.fake) < 61 * SEC_US);
    CHECK_EQ(fx_calls(&f, "session_details"), 2);
    calls = terminus_fake_call_count(f.fake, NULL);
    for (i = 0; i < calls; i++) {
        char entry[256];
        if (terminus_fake_call(f.fake, i, entry, sizeof entry) != TERMINUS_OK)
            continue;
        if (strncmp(entry, "session_message", 15) == 0)
            last_message = i;
        if (strncmp(entry, "session_logoff", 14) == 0 && first_logoff == 0)
            first_logoff = i;
    }
    CHECK(last_message < first_logoff);
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 2);
    terminus_server_close(s);
    fx_close(&f);
}

/* A user who logs off after the warning is not logged off again, and the
 * call does not wait out the countdown for a session that is gone. */
static void warn_ended_early(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_fake_session_end_after(f.fake, "srv", 2, 10000), TERMINUS_OK);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    o.message = "bye";
    o.countdown_ms = 60000;
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_OK);
    REQUIRE(n == 2);
    CHECK_EQ(out[0].ended_early, 1);
    CHECK_RC(out[0].status, TERMINUS_OK);
    CHECK_EQ(out[1].ended_early, 0);
    terminus_session_outcomes_free(out);
    CHECK_STR_EQ(logoff_order(&f), "3 ");
    terminus_server_close(s);

    /* every one gone before the countdown ends: no more waiting than that */
    fx_close(&f);
    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_fake_session_end_after(f.fake, "srv", 2, 10000), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_end_after(f.fake, "srv", 3, 20000), TERMINUS_OK);
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_OK);
    REQUIRE(n == 2);
    CHECK(out[0].ended_early == 1 && out[1].ended_early == 1);
    terminus_session_outcomes_free(out);
    CHECK_EQ(terminus_fake_now_us(f.fake), 20 * SEC_US);
    CHECK_STR_EQ(logoff_order(&f), "");
    terminus_server_close(s);
    fx_close(&f);
}

static void warn_refused(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_fake_session_set_message(f.fake, "srv", 3, TERMINUS_E_UNSUPPORTED),
               TERMINUS_OK);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    o.message = "bye";
    /* the warning is a courtesy: 3 is logged off all the same */
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_OK);
    REQUIRE(n == 2);
    CHECK_EQ(out[1].warned, 0);
    CHECK_RC(out[1].warn_status, TERMINUS_E_UNSUPPORTED);
    CHECK_CONTAINS(out[1].warn_message, "refused as scripted");
    CHECK_RC(out[1].status, TERMINUS_OK);
    terminus_session_outcomes_free(out);
    CHECK_STR_EQ(logoff_order(&f), "2 3 ");
    /* no countdown: no wait, no second listing */
    CHECK_EQ(fx_calls(&f, "session_wait_gone"), 0);
    CHECK_EQ(fx_calls(&f, "session_details"), 1);
    terminus_server_close(s);

    /* WARNED_ONLY: not warned, not logged off */
    fx_close(&f);
    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_fake_session_set_message(f.fake, "srv", 2, TERMINUS_E_UNSUPPORTED),
               TERMINUS_OK);
    o.flags = TERMINUS_SESSION_WARNED_ONLY;
    o.countdown_ms = 5000;
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "refused as scripted");
    REQUIRE(n == 2);
    CHECK_RC(out[0].status, TERMINUS_E_UNSUPPORTED);
    CHECK_RC(out[0].warn_status, TERMINUS_E_UNSUPPORTED);
    CHECK_RC(out[1].status, TERMINUS_OK);
    terminus_session_outcomes_free(out);
    CHECK_STR_EQ(logoff_order(&f), "3 ");
    CHECK(there(&f, 2));
    terminus_server_close(s);
    fx_close(&f);
}

/* An id that names another session after the countdown is left alone. */
static terminus_fake *reuse_fake;
static int reuse_done;
static int (*reuse_wait)(void *, terminus_os_server *, uint32_t, uint32_t);
static int (*reuse_logoff)(void *, terminus_os_server *, uint32_t);

static int wait_then_reuse(void *data, terminus_os_server *server, uint32_t id, uint32_t timeout_ms)
{
    int rc = reuse_wait(data, server, id, timeout_ms);

    if (!reuse_done) {
        /* bob's session 2 ends, and eve logs on: Windows gives her id 2 */
        reuse_done = 1;
        REQUIRE_RC(reuse_logoff(data, server, 2), TERMINUS_OK);
        REQUIRE_RC(terminus_fake_advance(reuse_fake, 200000), TERMINUS_OK);
        REQUIRE_RC(terminus_fake_session_add(reuse_fake, "srv", 2, TERMINUS_SESSION_ACTIVE,
                                             "RDP-Tcp#9", "eve", TERMINUS_FAKE_SESSION_ENDS, 0),
                   TERMINUS_OK);
    }
    return rc;
}

static void warn_id_reused(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_os table;
    terminus_ctx *ctx;
    terminus_server *s = NULL;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    table = *terminus_fake_os(f.fake);
    reuse_fake = f.fake;
    reuse_done = 0;
    reuse_wait = table.session_wait_gone;
    reuse_logoff = table.session_logoff;
    table.session_wait_gone = wait_then_reuse;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    o.message = "bye";
    o.countdown_ms = 1000;
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "now names another session (user \"eve\"): left alone");
    REQUIRE(n == 2);
    CHECK_RC(out[0].status, TERMINUS_E_NOT_FOUND);
    CHECK_CONTAINS(out[0].message, "user \"bob\"");
    CHECK_RC(out[1].status, TERMINUS_OK);
    terminus_session_outcomes_free(out);
    CHECK(there(&f, 2)); /* eve's */
    /* the stand-in's logoff of bob's 2, then the core's of 3 only */
    CHECK_STR_EQ(logoff_order(&f), "2 3 ");
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

static void wait_shared(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    /* 7 and 8 never go; 9 goes 100 ms after its logoff */
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv", 7, TERMINUS_SESSION_DISCONNECTED, "", "x",
                                         TERMINUS_FAKE_SESSION_HANGS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv", 8, TERMINUS_SESSION_DISCONNECTED, "", "x",
                                         TERMINUS_FAKE_SESSION_HANGS, 0),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv", 9, TERMINUS_SESSION_DISCONNECTED, "", "x",
                                         TERMINUS_FAKE_SESSION_ENDS, 100),
               TERMINUS_OK);
    s = srv(&f);
    flt.user = "x";
    o.flags = TERMINUS_SESSION_WAIT;
    o.timeout_ms = 1000;
    CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_E_TIMEOUT);
    CHECK_ERROR(TERMINUS_E_TIMEOUT, "session 7 is still there 1000 ms after the logoff");
    REQUIRE(n == 3);
    CHECK_RC(out[0].status, TERMINUS_E_TIMEOUT);
    CHECK_RC(out[1].status, TERMINUS_E_TIMEOUT);
    CHECK_RC(out[2].status, TERMINUS_OK);
    terminus_session_outcomes_free(out);
    /* one window for all: a second, not two */
    CHECK(terminus_fake_now_us(f.fake) >= 1000000);
    CHECK(terminus_fake_now_us(f.fake) < 1100000);
    CHECK(!there(&f, 9));
    terminus_server_close(s);
    fx_close(&f);
}

static void logoff_failures(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s;
    char ids[128];
    size_t n = 0;
    fx f;

    setup(&f);
    REQUIRE_RC(terminus_fake_session_add(f.fake, "srv", 7, TERMINUS_SESSION_DISCONNECTED, "", "bob",
                                         TERMINUS_FAKE_SESSION_DENIED, 0),
               TERMINUS_OK);
    s = srv(&f);
    flt.user = "bob";
    /* 2 logged off, 7 denied: the first failure is the code and the record */
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, &out, &n), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "session_logoff(\"srv\", 7): access denied");
    REQUIRE(n == 2);
    CHECK_RC(out[0].status, TERMINUS_OK);
    CHECK_RC(out[1].status, TERMINUS_E_ACCESS_DENIED);
    CHECK_CONTAINS(out[1].message, "access denied");
    terminus_session_outcomes_free(out);
    CHECK_STR_EQ(logoff_order(&f), "2 7 ");

    /* the listing fails: nothing is done */
    terminus_fake_calls_clear(f.fake);
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_details", 1, 0, TERMINUS_E_UNAVAILABLE, 0),
               TERMINUS_OK);
    flt.user = "carol";
    CHECK_RC(run(s, &flt, NULL, ids, sizeof ids, &out, &n), TERMINUS_E_UNAVAILABLE);
    CHECK(out == NULL && n == 0);
    CHECK_EQ(fx_calls(&f, "session_logoff"), 0);

    /* the listing after the countdown fails: nothing is logged off on a guess */
    terminus_fake_calls_clear(f.fake);
    {
        terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
        o.message = "bye";
        o.countdown_ms = 1000;
        REQUIRE_RC(terminus_fake_fail(f.fake, "session_details", 2, 0, TERMINUS_E_OS, 42),
                   TERMINUS_OK);
        CHECK_RC(run(s, &flt, &o, ids, sizeof ids, &out, &n), TERMINUS_E_OS);
        REQUIRE(n == 1);
        CHECK_CONTAINS(out[0].message, "injected");
        terminus_session_outcomes_free(out);
        CHECK_EQ(fx_calls(&f, "session_logoff"), 0);
        CHECK(there(&f, 3));
    }
    terminus_server_close(s);
    fx_close(&f);
}

static void table_without(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_os table;
    terminus_ctx *ctx;
    terminus_server *s = NULL;
    fx f;

    setup(&f);
    flt.user = "bob";
    ctx = ctx_without(&f, &table, 1, 1, 1, 0);
    REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session_logoff");
    CHECK_EQ(fx_calls(&f, NULL), 0);
    o.flags = TERMINUS_SESSION_DRY_RUN;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_OK);
    terminus_server_close(s);
    terminus_ctx_free(ctx);

    ctx = ctx_without(&f, &table, 1, 1, 0, 1);
    REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
    o.flags = 0;
    o.message = "bye";
    o.countdown_ms = 10;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session_wait_gone");
    o.countdown_ms = 0;
    o.flags = TERMINUS_SESSION_WAIT;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    terminus_server_close(s);
    terminus_ctx_free(ctx);

    ctx = ctx_without(&f, &table, 1, 0, 1, 1);
    REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
    o.flags = 0;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, NULL, NULL), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session_message");
    CHECK(there(&f, 2));
    terminus_server_close(s);
    terminus_ctx_free(ctx);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Blockers                                                                 */

static void blockers(void)
{
    terminus_blocker b, *l = NULL;
    terminus_server *s;
    size_t n = 0;
    fx f;

    setup(&f);
    s = srv(&f);
    REQUIRE_RC(terminus_session_blockers(s, 2, &l, &n), TERMINUS_OK);
    CHECK(l == NULL && n == 0);
    memset(&b, 0, sizeof b);
    snprintf(b.what, sizeof b.what, "shutdown");
    snprintf(b.who, sizeof b.who, "notepad.exe");
    snprintf(b.why, sizeof b.why, "Unsaved changes in report.txt");
    snprintf(b.mode, sizeof b.mode, "block");
    b.uid = TERMINUS_BLOCKER_UID_UNKNOWN;
    b.pid = 4242;
    REQUIRE_RC(terminus_fake_blocker_add(f.fake, "srv", &b), TERMINUS_OK);
    memset(b.why, 'w', sizeof b.why); /* unterminated: cut */
    snprintf(b.who, sizeof b.who, "backup");
    REQUIRE_RC(terminus_fake_blocker_add(f.fake, "srv", &b), TERMINUS_OK);
    REQUIRE_RC(terminus_session_blockers(s, TERMINUS_SESSION_CURRENT, &l, &n), TERMINUS_OK);
    REQUIRE(n == 2);
    CHECK_STR_EQ(l[0].who, "notepad.exe");
    CHECK_STR_EQ(l[0].why, "Unsaved changes in report.txt");
    CHECK_STR_EQ(l[0].mode, "block");
    CHECK_EQ(l[0].pid, 4242);
    CHECK_EQ(l[0].uid, TERMINUS_BLOCKER_UID_UNKNOWN);
    CHECK_EQ(strlen(l[1].why), sizeof l[1].why - 1);
    terminus_blockers_free(l);
    CHECK(fx_log_contains(&f, "session_blockers(\"srv\", 4294967295) = 0 [2 blockers]"));

    CHECK_RC(terminus_session_blockers(NULL, 2, &l, &n), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_blockers(s, 2, NULL, &n), TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_blockers(s, 2, &l, NULL), TERMINUS_E_INVALID);
    REQUIRE_RC(terminus_fake_fail(f.fake, "session_blockers", 1, 0, TERMINUS_E_UNSUPPORTED, 0),
               TERMINUS_OK);
    CHECK_RC(terminus_session_blockers(s, 2, &l, &n), TERMINUS_E_UNSUPPORTED);
    CHECK(l == NULL && n == 0);
    terminus_server_close(s);
    {
        terminus_os table = *terminus_fake_os(f.fake);
        terminus_ctx *ctx = NULL;
        table.session_blockers = NULL;
        REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
        REQUIRE_RC(terminus_server_open(ctx, "srv", &s), TERMINUS_OK);
        CHECK_RC(terminus_session_blockers(s, 2, &l, &n), TERMINUS_E_UNSUPPORTED);
        CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session_blockers");
        terminus_server_close(s);
        terminus_ctx_free(ctx);
    }
    fx_close(&f);
}

/* The fake's own scripting calls refuse what they cannot do. */
static void fake_scripting(void)
{
    terminus_session_details d;
    terminus_blocker b;
    fx f;

    setup(&f);
    memset(&d, 0, sizeof d);
    memset(&b, 0, sizeof b);
    CHECK_RC(terminus_fake_session_set_details(NULL, "srv", 2, &d), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_details(f.fake, NULL, 2, &d), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_details(f.fake, "srv", 2, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_details(f.fake, "srv", 99, &d), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_session_set_details(f.fake, "nosuch", 2, &d), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_session_end_after(f.fake, "srv", 99, 0), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_session_end_after(NULL, "srv", 2, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_message(f.fake, "srv", 2, 1), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_message(f.fake, "srv", 2, TERMINUS_E_LAST - 1),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_session_set_message(f.fake, "srv", 99, TERMINUS_E_OS),
             TERMINUS_E_NOT_FOUND);
    CHECK_EQ(terminus_fake_session_messages(NULL, "srv", 2, NULL, 0), 0);
    CHECK_EQ(terminus_fake_session_messages(f.fake, NULL, 2, NULL, 0), 0);
    CHECK_EQ(terminus_fake_session_messages(f.fake, "srv", 99, NULL, 0), 0);
    CHECK_RC(terminus_fake_blocker_add(NULL, "srv", &b), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_blocker_add(f.fake, NULL, &b), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_blocker_add(f.fake, "srv", NULL), TERMINUS_E_INVALID);
    /* a session gone after end_after */
    CHECK_RC(terminus_fake_session_end_after(f.fake, "srv", 2, 5), TERMINUS_OK);
    CHECK(there(&f, 2));
    REQUIRE_RC(terminus_fake_advance(f.fake, 5000), TERMINUS_OK);
    CHECK(!there(&f, 2));
    CHECK_RC(terminus_fake_session_set_details(f.fake, "srv", 2, &d), TERMINUS_E_NOT_FOUND);
    fx_close(&f);
}

HARNESS_MAIN(T(duration_parse_good), T(duration_parse_bad), T(idle_format), T(idle_round_trip),
             T(idle_rule), T(details_list), T(details_fallback), T(message), T(filter_refused),
             T(select_state), T(select_user), T(select_idle), T(select_id), T(own_session_last),
             T(warn_countdown), T(warn_ended_early), T(warn_refused), T(warn_id_reused),
             T(wait_shared), T(logoff_failures), T(table_without), T(blockers), T(fake_scripting))
