/*
 * tests/unit/test_process.c: the calls of terminus/process.h through the fake
 * OS (lib/core/process.c, lib/core/token.c): the listing; identity tokens
 * (their form, their round trip, a token whose pid now names another
 * process, one of another boot, malformed ones); targets by image name (the
 * rules of case, never the caller, the filters, a pid reused between the
 * listing and the open).
 */
#include "fixture.h"

static void named(fx *f, terminus_pid pid, const char *name, int behaviour)
{
    fx_add(f, pid, behaviour, 10, 0);
    REQUIRE_RC(terminus_fake_process_set_name(f->fake, pid, name), TERMINUS_OK);
}

static int untouched(fx *f, terminus_pid pid)
{
    terminus_fake_process_info p = fx_proc(f, pid);

    return p.running && p.requests == 0 && p.kills == 0;
}

/* Nothing but `allowed` (a primitive, or NULL for none) reached the fake. */
static int only_called(fx *f, const char *allowed)
{
    return fx_calls(f, NULL) == (allowed != NULL ? fx_calls(f, allowed) : 0);
}

/* ------------------------------------------------------------------------ */
/* The listing                                                              */

static void list_processes(void)
{
    fx f;
    terminus_process_info *list = NULL;
    size_t n = 99;

    fx_open(&f);
    CHECK_RC(terminus_process_list(f.ctx, &list, &n), TERMINUS_OK);
    CHECK(list == NULL);
    CHECK_EQ(n, 0);

    REQUIRE_RC(terminus_fake_advance(f.fake, 7), TERMINUS_OK);
    named(&f, 42, "sleep", TERMINUS_FAKE_IGNORES);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 42, 41), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_owner(f.fake, 42, 3, 1001), TERMINUS_OK);
    fx_add(&f, 43, TERMINUS_FAKE_GONE, 0, 0); /* ended: not listed */
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 44, TERMINUS_FAKE_IGNORES, 0, 0, 100),
               TERMINUS_OK); /* not started yet */
    fx_add(&f, 45, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(terminus_process_list(f.ctx, &list, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 2);
    REQUIRE(list != NULL);
    CHECK_EQ(list[0].pid, 42);
    CHECK_EQ(list[0].ppid, 41);
    CHECK_EQ(list[0].session, 3);
    CHECK_EQ(list[0].uid, 1001);
    CHECK_EQ(list[0].start, 7);
    CHECK_STR_EQ(list[0].name, "sleep");
    CHECK_EQ(list[1].pid, 45);
    CHECK_STR_EQ(list[1].name, "fake-45");
    CHECK_EQ(list[1].session, TERMINUS_SESSION_NONE);
    CHECK_EQ(list[1].uid, TERMINUS_UID_UNKNOWN);
    terminus_process_list_free(list);
    terminus_process_list_free(NULL);

    CHECK_RC(terminus_process_list(f.ctx, NULL, &n), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "out is NULL");
    CHECK_RC(terminus_process_list(f.ctx, &list, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "count is NULL");

    REQUIRE_RC(terminus_fake_fail(f.fake, "process_list", 1, 0, TERMINUS_E_ACCESS_DENIED, 13),
               TERMINUS_OK);
    list = (terminus_process_info *)&n;
    CHECK_RC(terminus_process_list(f.ctx, &list, &n), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "terminus_process_list: fake: process_list failed");
    CHECK(list == NULL);
    CHECK_EQ(n, 0);
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */

static void token_form(void)
{
    fx f;
    char tok[TERMINUS_TOKEN_MAX];

    fx_open(&f);
    REQUIRE_RC(terminus_fake_advance(f.fake, 0xabc), TERMINUS_OK);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_OK);
    CHECK_STR_EQ(tok, "t1.fakeboot.42.abc.1");
    REQUIRE_RC(terminus_fake_process_set_unique(f.fake, 42, UINT64_MAX), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_boot_id(f.fake, ""), TERMINUS_OK);
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_OK);
    CHECK_STR_EQ(tok, "t1..42.abc.ffffffffffffffff");
    /* the caller may take its own (for its pidfile) */
    fx_add(&f, 1000, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(terminus_process_token(f.ctx, 1000, tok, sizeof tok), TERMINUS_OK);
    CHECK_STR_EQ(tok, "t1..1000.abc.2");
    /* the longest one fits in TERMINUS_TOKEN_MAX */
    REQUIRE_RC(terminus_fake_set_boot_id(f.fake, "0123456789abcdef0123456789abcdef-_ABCDEFGHIJKLM"),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_advance(f.fake, UINT64_MAX), TERMINUS_OK);
    fx_add(&f, 2147483647u, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_process_set_unique(f.fake, 2147483647u, UINT64_MAX), TERMINUS_OK);
    CHECK_RC(terminus_process_token(f.ctx, 2147483647u, tok, sizeof tok), TERMINUS_OK);
    CHECK_EQ(strlen(tok), TERMINUS_TOKEN_MAX - 1);
    CHECK_STR_EQ(tok, "t1.0123456789abcdef0123456789abcdef-_ABCDEFGHIJKLM.2147483647."
                      "ffffffffffffffff.ffffffffffffffff");
    fx_close(&f);
}

static void token_bad_input(void)
{
    fx f;
    char tok[TERMINUS_TOKEN_MAX];

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    terminus_fake_calls_clear(f.fake);
    strcpy(tok, "junk");
    CHECK_RC(terminus_process_token(f.ctx, 0, tok, sizeof tok), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "pid 0");
    CHECK_STR_EQ(tok, "");
    CHECK_RC(terminus_process_token(f.ctx, 0x80000000u, tok, sizeof tok), TERMINUS_E_INVALID);
    CHECK_RC(terminus_process_token(f.ctx, 42, NULL, 10), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "buf is NULL");
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "size is 0");
    CHECK(only_called(&f, NULL));
    /* too small: nothing written but a NUL */
    memset(tok, 'x', sizeof tok);
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, 18), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "size 18 is too small for the token of pid 42 (19 bytes");
    CHECK_EQ(tok[0], '\0');
    CHECK_EQ(tok[1], 'x');
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, 19), TERMINUS_OK); /* 18 + NUL */
    CHECK_STR_EQ(tok, "t1.fakeboot.42.0.1");
    /* no such process */
    CHECK_RC(terminus_process_token(f.ctx, 77, tok, sizeof tok), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "terminus_process_token: fake: process_open(77)");
    /* a boot id no token can hold */
    REQUIRE_RC(terminus_fake_set_boot_id(f.fake, "a.b"), TERMINUS_OK);
    CHECK_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_E_OS);
    CHECK_ERROR(TERMINUS_E_OS, "boot id");
    fx_close(&f);
}

static terminus_terminate_options token_opts(uint32_t flags)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;

    o.flags = flags;
    o.grace_ms = 1000;
    return o;
}

static void token_round_trip(void)
{
    fx f;
    char tok[TERMINUS_TOKEN_MAX];
    terminus_terminate_options o = token_opts(0);
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 100, 5);
    REQUIRE_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_token(f.ctx, tok, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(r.exit_code, 5);
    CHECK_EQ(fx_proc(&f, 42).requests, 1);
    CHECK(fx_log_contains(&f, "boot_id() = 0"));
    CHECK(fx_log_contains(&f, "process_identity(42) = 0 [start 0, unique 1]"));
    /* ended now: its token names no process */
    CHECK_RC(terminus_terminate_token(f.ctx, tok, NULL, &r), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "terminus_terminate_token(pid 42)");
    CHECK_RC(r.status, TERMINUS_E_NOT_FOUND);
    /* with a tree */
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    fx_add(&f, 44, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 44, 43), TERMINUS_OK);
    REQUIRE_RC(terminus_process_token(f.ctx, 43, tok, sizeof tok), TERMINUS_OK);
    o.flags = TERMINUS_TERMINATE_TREE;
    CHECK_RC(terminus_terminate_token(f.ctx, tok, &o, &r), TERMINUS_OK);
    CHECK(!fx_proc(&f, 44).running);
    fx_close(&f);
}

/* The token's process has ended and its pid names another one now: NOT_FOUND
 * and nothing goes out to the new one. */
static void token_pid_reused(void)
{
    fx f;
    char tok[TERMINUS_TOKEN_MAX], tok2[TERMINUS_TOKEN_MAX];
    terminus_terminate_options o = token_opts(0);
    terminus_result r = fx_garbage_result();

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_EXITS_AFTER, 5, 0);
    REQUIRE_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 42, TERMINUS_FAKE_IGNORES, 0, 0, 5000),
               TERMINUS_OK); /* another start */
    REQUIRE_RC(terminus_fake_advance(f.fake, 6000), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_token(f.ctx, tok, &o, &r), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "names another process now (start 1388, not 0)");
    CHECK_RC(r.status, TERMINUS_E_NOT_FOUND);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_NONE);
    CHECK(untouched(&f, 42));
    CHECK_EQ(fx_calls(&f, "process_step"), 0);
    CHECK_EQ(fx_calls(&f, "process_request"), 0);
    CHECK_EQ(fx_calls(&f, "process_kill"), 0);
    CHECK_EQ(fx_calls(&f, "wait_open"), 0);

    /* the same start, another unique id (a pid reused within one clock tick) */
    REQUIRE_RC(terminus_process_token(f.ctx, 42, tok2, sizeof tok2), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_unique(f.fake, 42, 77), TERMINUS_OK);
    CHECK_RC(terminus_terminate_token(f.ctx, tok2, &o, &r), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "another unique id");
    CHECK(untouched(&f, 42));
    /* a token with no unique id (a backend without one) compares the start */
    tok2[strlen(tok2) - 1] = '0';
    CHECK_RC(terminus_terminate_token(f.ctx, tok2, &o, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_FORCED);
    fx_close(&f);
}

static void token_other_boot(void)
{
    fx f;
    char tok[TERMINUS_TOKEN_MAX];
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_process_token(f.ctx, 42, tok, sizeof tok), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_boot_id(f.fake, "boot2"), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_token(f.ctx, tok, NULL, &r), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "another boot");
    CHECK_RC(r.status, TERMINUS_E_NOT_FOUND);
    CHECK(only_called(&f, "boot_id"));
    CHECK(untouched(&f, 42));
    fx_close(&f);
}

/* Malformed tokens: INVALID, saying why, and nothing asked of the OS. */
static void token_malformed(void)
{
    static const struct {
        const char *token;
        const char *why;
    } cases[] = {
        { "", "empty" },
        { "42", "does not start with \"t1.\"" },
        { "t2.b.42.0.1", "does not start with \"t1.\"" },
        { "T1.b.42.0.1", "does not start with \"t1.\"" },
        { "t1.b.42.0", "has 4 fields, not 5" },
        { "t1.b.42.0.1.2", "more than 5 fields" },
        { "t1.b..0.1", "its pid is empty" },
        { "t1.b.0.0.1", "its pid is 0" },
        { "t1.b.042.0.1", "its pid has a leading zero" },
        { "t1.b.-42.0.1", "its pid is not a decimal number" },
        { "t1.b.+42.0.1", "its pid is not a decimal number" },
        { "t1.b.2147483648.0.1", "above INT32_MAX" },
        { "t1.b.99999999999999999999.0.1", "above INT32_MAX" },
        { "t1.b.42..1", "its start is empty" },
        { "t1.b.42.0A.1", "its start has a leading zero" },
        { "t1.b.42.A.1", "its start is not lowercase hex" },
        { "t1.b.42.0x1.1", "its start has a leading zero" },
        { "t1.b.42.12345678901234567.1", "more than 16 hex digits" },
        { "t1.b.42.1.", "its unique id is empty" },
        { "t1.b.42.1.g", "its unique id is not lowercase hex" },
        { "t1.b.42.1.1 ", "its unique id is not lowercase hex" },
        { "t1.b c.42.1.1", "its boot id has a character" },
        { "t1.b\xc3\xa9.42.1.1", "its boot id has a character" },
        { "t1.0123456789abcdef0123456789abcdef0123456789abcdef.42.1.1", "longer than 47" },
        { "t1.b.42.1.1\n", "its unique id is not lowercase hex" },
    };
    char longer[TERMINUS_TOKEN_MAX + 10];
    terminus_result r;
    fx f;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    terminus_fake_calls_clear(f.fake);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = fx_garbage_result();
        if (!CHECK_RC(terminus_terminate_token(f.ctx, cases[i].token, NULL, &r),
                      TERMINUS_E_INVALID))
            printf("#   ^ token \"%s\"\n", cases[i].token);
        CHECK_ERROR(TERMINUS_E_INVALID, "terminus_terminate_token: the token does not parse");
        CHECK_ERROR(TERMINUS_E_INVALID, cases[i].why);
        CHECK_RC(r.status, TERMINUS_E_INVALID);
    }
    CHECK_RC(terminus_terminate_token(f.ctx, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "NULL");
    memset(longer, '1', sizeof longer - 1);
    memcpy(longer, "t1.b.42.1.", 10);
    longer[sizeof longer - 1] = '\0';
    CHECK_RC(terminus_terminate_token(f.ctx, longer, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "longer than 95 bytes");
    CHECK(only_called(&f, NULL));
    CHECK(untouched(&f, 42));
    fx_close(&f);
}

/* A well-formed token of the caller (or init): REFUSED as the pid is; bad
 * options: INVALID; a table without identities: UNSUPPORTED. */
static void token_refused_and_unsupported(void)
{
    fx f;
    terminus_os table;
    terminus_ctx *ctx = NULL;
    terminus_terminate_options o = token_opts(TERMINUS_TERMINATE_FORCE | 0x20);
    terminus_result r;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_token(f.ctx, "t1.fakeboot.1000.0.1", NULL, &r), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "calling process");
    CHECK_RC(terminus_terminate_token(f.ctx, "t1.fakeboot.1.0.1", NULL, &r), TERMINUS_E_REFUSED);
    CHECK_RC(terminus_terminate_token(f.ctx, "t1.fakeboot.42.0.1", &o, &r), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->flags");
    CHECK(only_called(&f, NULL));

    table = *terminus_fake_os(f.fake);
    table.boot_id = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    CHECK_RC(terminus_terminate_token(ctx, "t1.fakeboot.42.0.1", NULL, &r), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "boot_id");
    CHECK_RC(terminus_process_token(ctx, 42, (char[TERMINUS_TOKEN_MAX]){ 0 }, TERMINUS_TOKEN_MAX),
             TERMINUS_E_UNSUPPORTED);
    terminus_ctx_free(ctx);
    table.boot_id = terminus_fake_os(f.fake)->boot_id;
    table.process_identity = NULL;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    CHECK_RC(terminus_terminate_token(ctx, "t1.fakeboot.42.0.1", NULL, &r), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "process_identity");
    CHECK_RC(terminus_process_token(ctx, 42, (char[TERMINUS_TOKEN_MAX]){ 0 }, TERMINUS_TOKEN_MAX),
             TERMINUS_E_UNSUPPORTED);
    terminus_ctx_free(ctx);
    CHECK(only_called(&f, NULL));
    CHECK(untouched(&f, 42));
    fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* By image name                                                            */

static terminus_terminate_options name_opts(uint32_t flags)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;

    o.flags = flags;
    o.grace_ms = 500;
    return o;
}

/* Linux's rule: the name exactly. */
static void by_name_exact(void)
{
    fx f;
    terminus_terminate_options o = name_opts(0);
    terminus_pid *pids = NULL;
    terminus_result *res = NULL;
    size_t n = 99;

    fx_open(&f);
    named(&f, 52, "sleep", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 50, "sleep", TERMINUS_FAKE_IGNORES);
    named(&f, 51, "Sleep", TERMINUS_FAKE_IGNORES);
    named(&f, 53, "sleeper", TERMINUS_FAKE_IGNORES);
    named(&f, 54, "sleep with space", TERMINUS_FAKE_IGNORES);
    named(&f, 1000, "sleep", TERMINUS_FAKE_IGNORES); /* the caller */
    named(&f, 1, "sleep", TERMINUS_FAKE_IGNORES);    /* the system's first process */
    terminus_fake_calls_clear(f.fake);

    CHECK_RC(terminus_terminate_name(f.ctx, "sleep", NULL, &o, &pids, &res, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 2);
    REQUIRE(pids != NULL && res != NULL);
    CHECK_EQ(pids[0], 50); /* in pid order */
    CHECK_EQ(pids[1], 52);
    CHECK_EQ(res[0].outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(res[1].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK(untouched(&f, 51) && untouched(&f, 53) && untouched(&f, 1000) && untouched(&f, 1));
    CHECK(!fx_log_contains(&f, "process_open(1000)"));
    CHECK(!fx_log_contains(&f, "process_open(1)"));
    terminus_name_results_free(pids);
    terminus_name_results_free(res);
    terminus_name_results_free(NULL);

    CHECK_RC(terminus_terminate_name(f.ctx, "sleep with space", NULL, &o, NULL, NULL, &n),
             TERMINUS_OK);
    CHECK_EQ(n, 1);
    CHECK(!fx_proc(&f, 54).running);
    fx_close(&f);
}

/* Windows' rule (TERMINUS_OS_NAMES_NOCASE): the ASCII letters folded, no
 * other. */
static void by_name_nocase(void)
{
    fx f;
    terminus_ctx *ctx = NULL;
    terminus_pid *pids = NULL;
    size_t n = 0;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_set_traits(f.fake, TERMINUS_OS_NAMES_NOCASE), TERMINUS_OK);
    REQUIRE_RC(terminus_ctx_new(&ctx, terminus_fake_os(f.fake)), TERMINUS_OK);
    named(&f, 50, "notepad.exe", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 51, "NOTEPAD.EXE", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 52, "Notepad.exe.old", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 53, "\xc3\x89t\xc3\xa9.exe", TERMINUS_FAKE_EXITS_ON_REQUEST); /* Été.exe */
    CHECK_RC(terminus_terminate_name(ctx, "NotePad.Exe", NULL, NULL, &pids, NULL, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 2);
    CHECK_EQ(pids[0] + pids[1], 101);
    terminus_name_results_free(pids);
    CHECK(untouched(&f, 52));
    /* É and é are not folded */
    CHECK_RC(terminus_terminate_name(ctx, "\xc3\xa9T\xc3\xa9.EXE", NULL, NULL, NULL, NULL, &n),
             TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_terminate_name(ctx, "\xc3\x89T\xc3\xa9.EXE", NULL, NULL, NULL, NULL, &n),
             TERMINUS_OK);
    terminus_ctx_free(ctx);
    /* the context made before the trait was set keeps Linux's rule */
    named(&f, 60, "calc.exe", TERMINUS_FAKE_EXITS_ON_REQUEST);
    CHECK_RC(terminus_terminate_name(f.ctx, "CALC.EXE", NULL, NULL, NULL, NULL, &n),
             TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_set_traits(f.fake, 0x4), TERMINUS_E_INVALID);
    fx_close(&f);
}

static void by_name_filters(void)
{
    fx f;
    terminus_name_filter filter = TERMINUS_NAME_FILTER_INIT;
    terminus_pid *pids = NULL;
    size_t n = 0;

    fx_open(&f);
    named(&f, 50, "job", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 51, "job", TERMINUS_FAKE_EXITS_ON_REQUEST);
    named(&f, 52, "job", TERMINUS_FAKE_EXITS_ON_REQUEST);
    REQUIRE_RC(terminus_fake_process_set_owner(f.fake, 50, 2, 1000), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_owner(f.fake, 51, 3, 1000), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_owner(f.fake, 52, 3, 1001), TERMINUS_OK);
    filter.session = 3;
    CHECK_RC(terminus_terminate_name(f.ctx, "job", &filter, NULL, &pids, NULL, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 2);
    terminus_name_results_free(pids);
    CHECK(untouched(&f, 50));
    filter.session = TERMINUS_SESSION_NONE;
    filter.uid = 1001;
    CHECK_RC(terminus_terminate_name(f.ctx, "job", &filter, NULL, NULL, NULL, &n),
             TERMINUS_E_NOT_FOUND); /* 52 has ended */
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "in the session or for the user asked for");
    filter.uid = 1000;
    CHECK_RC(terminus_terminate_name(f.ctx, "job", &filter, NULL, NULL, NULL, &n), TERMINUS_OK);
    CHECK_EQ(n, 1);
    CHECK(!fx_proc(&f, 50).running);
    fx_close(&f);
}

static void by_name_not_found(void)
{
    fx f;
    terminus_pid *pids = (terminus_pid *)&f;
    terminus_result *res = (terminus_result *)&f;
    size_t n = 99;

    fx_open(&f);
    named(&f, 50, "a", TERMINUS_FAKE_GONE);
    named(&f, 1000, "me", TERMINUS_FAKE_IGNORES);
    CHECK_RC(terminus_terminate_name(f.ctx, "a", NULL, NULL, &pids, &res, &n),
             TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "terminus_terminate_name: no process is named \"a\"");
    CHECK(pids == NULL && res == NULL);
    CHECK_EQ(n, 0);
    CHECK_RC(terminus_terminate_name(f.ctx, "me", NULL, NULL, &pids, &res, &n),
             TERMINUS_E_NOT_FOUND); /* never the caller */
    CHECK_EQ(fx_calls(&f, "process_open"), 0);
    fx_close(&f);
}

/* A match whose pid is reused between the listing and the open: the match
 * has ended (GONE); the process that has the pid now is never signalled. */
static void by_name_pid_reused(void)
{
    fx f;
    terminus_pid *pids = NULL;
    terminus_result *res = NULL;
    size_t n = 0;

    fx_open(&f);
    named(&f, 50, "x", TERMINUS_FAKE_EXITS_AFTER);
    REQUIRE_RC(terminus_fake_process_add_at(f.fake, 50, TERMINUS_FAKE_IGNORES, 0, 0, 15000),
               TERMINUS_OK);
    REQUIRE_RC(terminus_fake_process_set_name(f.fake, 50, "x"), TERMINUS_OK);
    REQUIRE_RC(terminus_fake_set_latency(f.fake, "process_open", 20000), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    CHECK_RC(terminus_terminate_name(f.ctx, "x", NULL, NULL, &pids, &res, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 1);
    CHECK_EQ(res[0].outcome, TERMINUS_OUTCOME_GONE);
    CHECK_EQ(res[0].exit_code, TERMINUS_EXIT_CODE_UNKNOWN);
    CHECK(untouched(&f, 50));
    CHECK(fx_log_contains(&f, "process_identity(50) = 0 [start 15000"));
    CHECK_EQ(fx_calls(&f, "process_step") + fx_calls(&f, "process_kill"), 0);
    terminus_name_results_free(pids);
    terminus_name_results_free(res);
    fx_close(&f);
}

/* A match the backend refuses to open (a critical process): REFUSED, never
 * signalled; the others are ended. */
static void by_name_refused(void)
{
    fx f;
    terminus_pid *pids = NULL;
    terminus_result *res = NULL;
    size_t n = 0;

    fx_open(&f);
    named(&f, 50, "csrss.exe", TERMINUS_FAKE_IGNORES);
    named(&f, 51, "csrss.exe", TERMINUS_FAKE_EXITS_ON_REQUEST);
    REQUIRE_RC(terminus_fake_fail(f.fake, "process_open", 1, 0, TERMINUS_E_REFUSED, 0),
               TERMINUS_OK);
    CHECK_RC(terminus_terminate_name(f.ctx, "csrss.exe", NULL, NULL, &pids, &res, &n),
             TERMINUS_E_REFUSED);
    REQUIRE_EQ(n, 2);
    CHECK_RC(res[0].status, TERMINUS_E_REFUSED);
    CHECK_RC(res[1].status, TERMINUS_OK);
    CHECK(untouched(&f, 50));
    terminus_name_results_free(pids);
    terminus_name_results_free(res);
    fx_close(&f);
}

/* With a tree: the matches' trees; a match that is the caller's ancestor
 * is left out (its tree holds the caller). */
static void by_name_tree(void)
{
    fx f;
    terminus_terminate_options o = name_opts(TERMINUS_TERMINATE_TREE);
    terminus_detail d[2];
    terminus_pid *pids = NULL;
    size_t n = 0;

    fx_open(&f);
    named(&f, 40, "sh", TERMINUS_FAKE_IGNORES);
    named(&f, 1000, "tkill", TERMINUS_FAKE_IGNORES);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 1000, 40), TERMINUS_OK);
    named(&f, 50, "sh", TERMINUS_FAKE_IGNORES);
    named(&f, 51, "sleep", TERMINUS_FAKE_IGNORES);
    REQUIRE_RC(terminus_fake_process_set_parent(f.fake, 51, 50), TERMINUS_OK);
    o.details = d;
    o.details_count = 1;
    CHECK_RC(terminus_terminate_name(f.ctx, "sh", NULL, &o, &pids, NULL, &n), TERMINUS_OK);
    REQUIRE_EQ(n, 1);
    CHECK_EQ(pids[0], 50);
    CHECK_EQ(d[0].tree_members, 2);
    CHECK(!fx_proc(&f, 51).running);
    CHECK(untouched(&f, 40) && untouched(&f, 1000));
    terminus_name_results_free(pids);
    fx_close(&f);
}

static void by_name_bad_input(void)
{
    static const struct {
        const char *image;
        const char *why;
    } cases[] = {
        { NULL, "image is NULL" },
        { "", "image is empty" },
        { "a/b", "'/' or a '\\'" },
        { "a\\b.exe", "'/' or a '\\'" },
        { "tab\tname", "control character" },
        { "\xff", "UTF-8" },
    };
    char longname[300];
    fx f;
    terminus_name_filter filter = TERMINUS_NAME_FILTER_INIT;
    terminus_terminate_options o = name_opts(0);
    terminus_detail d[2];
    size_t n = 0;

    fx_open(&f);
    named(&f, 50, "x", TERMINUS_FAKE_IGNORES);
    named(&f, 51, "x", TERMINUS_FAKE_IGNORES);
    terminus_fake_calls_clear(f.fake);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_RC(terminus_terminate_name(f.ctx, cases[i].image, NULL, NULL, NULL, NULL, &n),
                 TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, cases[i].why);
    }
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_RC(terminus_terminate_name(f.ctx, longname, NULL, NULL, NULL, NULL, &n),
             TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "longer than 255 bytes");
    CHECK_RC(terminus_terminate_name(f.ctx, "x", NULL, NULL, NULL, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "count is NULL");
    filter.version = 2;
    CHECK_RC(terminus_terminate_name(f.ctx, "x", &filter, NULL, NULL, NULL, &n),
             TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "filter->version");
    filter.version = TERMINUS_NAME_FILTER_VERSION;
    filter.reserved = 1;
    CHECK_RC(terminus_terminate_name(f.ctx, "x", &filter, NULL, NULL, NULL, &n),
             TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "filter->reserved");
    o.steps = 0;
    CHECK_RC(terminus_terminate_name(f.ctx, "x", NULL, &o, NULL, NULL, &n), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "opts->steps");
    CHECK(only_called(&f, NULL));
    CHECK(untouched(&f, 50) && untouched(&f, 51));
    /* room for fewer details than matches: the first match gets one, the
     * second none (how many match is not known before the call) */
    o = name_opts(0);
    memset(d, 0xAB, sizeof d);
    o.details = d;
    o.details_count = 1;
    CHECK_RC(terminus_terminate_name(f.ctx, "x", NULL, &o, NULL, NULL, &n), TERMINUS_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(d[0].ended_by, TERMINUS_ENDED_KILL);
    CHECK_EQ(d[1].ended_by, 0xABABABABu);
    fx_close(&f);
}

/* The fake's scripting of what names a process: its checks. */
static void fake_scripting(void)
{
    fx f;

    fx_open(&f);
    fx_add(&f, 42, TERMINUS_FAKE_IGNORES, 0, 0);
    CHECK_RC(terminus_fake_process_add(f.fake, 42, TERMINUS_FAKE_IGNORES, 0, 0),
             TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "in use");
    CHECK_RC(terminus_fake_process_add_at(f.fake, 42, TERMINUS_FAKE_IGNORES, 0, 0, 10),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_add_at(NULL, 43, TERMINUS_FAKE_IGNORES, 0, 0, 10),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_set_parent(f.fake, 77, 1), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_process_set_name(f.fake, 42, ""), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_set_name(f.fake, 42, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_set_owner(f.fake, 77, 1, 1), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_fake_process_set_unique(NULL, 42, 1), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_fork_on(f.fake, 42, 0x100, 43, 1, TERMINUS_FAKE_IGNORES, 0, 0),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_fork_on(f.fake, 42, 1, 0, 1, TERMINUS_FAKE_IGNORES, 0, 0),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_process_fork_on(f.fake, 42, 1, 43, 1, 99, 0, 0), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_set_boot_id(f.fake, NULL), TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_set_boot_id(f.fake,
                                       "0123456789012345678901234567890123456789012345678901234567"
                                       "890123"),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_fake_set_traits(NULL, 0), TERMINUS_E_INVALID);
    /* a fork into a pid in use adds nothing */
    fx_add(&f, 43, TERMINUS_FAKE_IGNORES, 0, 0);
    REQUIRE_RC(terminus_fake_process_fork_on(f.fake, 42, TERMINUS_STEP_MESSAGE, 43, 1,
                                             TERMINUS_FAKE_IGNORES, 0, 0),
               TERMINUS_OK);
    CHECK_RC(terminus_terminate(f.ctx, 42, NULL, NULL), TERMINUS_OK);
    CHECK(untouched(&f, 43));
    /* a pid reused: the scripting and process_get act on the new one */
    CHECK_RC(terminus_fake_process_add(f.fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 0, 0),
             TERMINUS_OK);
    CHECK(fx_proc(&f, 42).running);
    fx_close(&f);
}

HARNESS_MAIN(T(list_processes), T(token_form), T(token_bad_input), T(token_round_trip),
             T(token_pid_reused), T(token_other_boot), T(token_malformed),
             T(token_refused_and_unsupported), T(by_name_exact), T(by_name_nocase),
             T(by_name_filters), T(by_name_not_found), T(by_name_pid_reused), T(by_name_refused),
             T(by_name_tree), T(by_name_bad_input), T(fake_scripting))
