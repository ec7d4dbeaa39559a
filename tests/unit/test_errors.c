/*
 * tests/unit/test_errors.c: error codes, their names and messages, the
 * thread's error record, and the version.
 */
#include <limits.h>
#include <stdio.h>

#include "fixture.h"

/* Runs first: nothing has failed on this thread yet. */
static void error_last_initial(void)
{
    const terminus_error *e = terminus_error_last();

    REQUIRE(e != NULL);
    CHECK_RC(e->code, TERMINUS_OK);
    CHECK_EQ(e->os_code, 0);
    REQUIRE(e->message != NULL);
    CHECK_STR_EQ(e->message, "");
}

static void strerror_and_name_every_code(void)
{
#define XX(code, msg)                                                                              \
    CHECK_STR_EQ(terminus_strerror(code), msg);                                                    \
    CHECK_STR_EQ(terminus_error_name(code), #code);
    TERMINUS_ERROR_MAP(XX)
#undef XX
}

/* The map lists 0, -1, -2, ... down to TERMINUS_E_LAST, each once. */
static void error_map_is_dense(void)
{
    static const int codes[] = {
#define XX(code, msg) code,
        TERMINUS_ERROR_MAP(XX)
#undef XX
    };
    size_t i, n = sizeof codes / sizeof codes[0];

    CHECK_EQ(n, 1 - TERMINUS_E_LAST);
    for (i = 0; i < n; i++)
        CHECK_EQ(codes[i], -(int)i);
    CHECK_EQ(TERMINUS_OK, 0);
    CHECK_EQ(TERMINUS_E_INVALID, -1);
    CHECK_EQ(TERMINUS_E_NOT_FOUND, -2);
    CHECK_EQ(TERMINUS_E_ACCESS_DENIED, -3);
    CHECK_EQ(TERMINUS_E_TIMEOUT, -4);
    CHECK_EQ(TERMINUS_E_REFUSED, -5);
    CHECK_EQ(TERMINUS_E_UNSUPPORTED, -6);
    CHECK_EQ(TERMINUS_E_UNAVAILABLE, -7);
    CHECK_EQ(TERMINUS_E_NO_MEMORY, -8);
    CHECK_EQ(TERMINUS_E_OS, -9);
}

static void strerror_examples(void)
{
    CHECK_STR_EQ(terminus_strerror(TERMINUS_E_ACCESS_DENIED), "access denied");
    CHECK_STR_EQ(terminus_error_name(TERMINUS_E_ACCESS_DENIED), "TERMINUS_E_ACCESS_DENIED");
    CHECK_STR_EQ(terminus_strerror(TERMINUS_OK), "success");
    CHECK_STR_EQ(terminus_error_name(TERMINUS_OK), "TERMINUS_OK");
    CHECK_EQ(TERMINUS_E_UNREACHABLE, -10);
    CHECK_STR_EQ(terminus_error_name(TERMINUS_E_UNREACHABLE), "TERMINUS_E_UNREACHABLE");
    CHECK_STR_EQ(terminus_strerror(TERMINUS_E_UNREACHABLE), "no request can reach the target");
}

static void unknown_codes(void)
{
    static const int unknown[] = { 1,     2,       100,    TERMINUS_E_LAST - 1, -20, -100,
                                   -1000, INT_MAX, INT_MIN };
    size_t i;

    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_STR_EQ(terminus_strerror(unknown[i]), "unknown error");
        CHECK_STR_EQ(terminus_error_name(unknown[i]), "TERMINUS_E_UNKNOWN");
    }
}

static void error_last_after_failure(void)
{
    const terminus_error *e;

    CHECK_RC(terminus_ctx_new(NULL, NULL), TERMINUS_E_INVALID);
    e = terminus_error_last();
    REQUIRE(e != NULL);
    CHECK_RC(e->code, TERMINUS_E_INVALID);
    REQUIRE(e->message != NULL);
    CHECK(e->message[0] != '\0');
    CHECK_CONTAINS(e->message, "out");
}

static void error_clear_resets(void)
{
    const terminus_error *e;

    CHECK_RC(terminus_ctx_new(NULL, NULL), TERMINUS_E_INVALID);
    terminus_error_clear();
    e = terminus_error_last();
    REQUIRE(e != NULL);
    CHECK_RC(e->code, TERMINUS_OK);
    CHECK_EQ(e->os_code, 0);
    REQUIRE(e->message != NULL);
    CHECK_STR_EQ(e->message, "");
}

/* A function that succeeds leaves the record as it was. */
static void success_keeps_record(void)
{
    terminus_fake *fake = NULL;
    terminus_terminate_options o;
    const terminus_error *e;

    CHECK_RC(terminus_ctx_new(NULL, NULL), TERMINUS_E_INVALID);
    REQUIRE_RC(terminus_fake_new(&fake), TERMINUS_OK);
    CHECK_RC(terminus_terminate_options_init(&o, TERMINUS_TERMINATE_OPTIONS_VERSION), TERMINUS_OK);
    (void)terminus_strerror(TERMINUS_E_OS);
    (void)terminus_version();
    e = terminus_error_last();
    REQUIRE(e != NULL);
    CHECK_RC(e->code, TERMINUS_E_INVALID);
    REQUIRE(e->message != NULL);
    CHECK(e->message[0] != '\0');
    terminus_fake_free(fake);
}

static void os_error_records(void)
{
    const terminus_error *e;

    terminus_error_clear();
    CHECK_RC(terminus_os_error(TERMINUS_E_OS, 1234, "SomeCall(%d, \"%s\")", 42, "x"),
             TERMINUS_E_OS);
    e = terminus_error_last();
    REQUIRE(e != NULL);
    CHECK_RC(e->code, TERMINUS_E_OS);
    CHECK_EQ(e->os_code, 1234);
    REQUIRE(e->message != NULL);
    CHECK_CONTAINS(e->message, "SomeCall(42, \"x\")");

    CHECK_RC(terminus_os_error(TERMINUS_E_ACCESS_DENIED, 5, "OpenProcess(%u)", 7u),
             TERMINUS_E_ACCESS_DENIED);
    e = terminus_error_last();
    CHECK_RC(e->code, TERMINUS_E_ACCESS_DENIED);
    CHECK_EQ(e->os_code, 5);
    CHECK_CONTAINS(e->message, "OpenProcess(7)");
    terminus_error_clear();
}

/* A message far longer than any buffer is cut, not overflowed. */
static void os_error_long_message(void)
{
    static char big[5000];
    const terminus_error *e;

    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_RC(terminus_os_error(TERMINUS_E_OS, 1, "%s", big), TERMINUS_E_OS);
    e = terminus_error_last();
    REQUIRE(e != NULL && e->message != NULL);
    CHECK(e->message[0] == 'x');
    CHECK(strlen(e->message) < sizeof big);
    terminus_error_clear();
}

/* A backend that rewrites a code keeps the text by formatting the record's
 * own message into the new record: the text must survive. */
static void os_error_into_itself(void)
{
    const terminus_error *e;
    char want[128];

    terminus_os_error(TERMINUS_E_OS, 111, "logind on %s: %s", "host", "Connection refused");
    e = terminus_error_last();
    snprintf(want, sizeof want, "%s", e->message);
    CHECK_RC(terminus_os_error(TERMINUS_E_UNAVAILABLE, e->os_code, "%s", e->message),
             TERMINUS_E_UNAVAILABLE);
    e = terminus_error_last();
    CHECK_STR_EQ(e->message, want);
    CHECK_EQ(e->os_code, 111);
    CHECK_RC(terminus_os_error(TERMINUS_E_UNAVAILABLE, 111, "open: %s", e->message),
             TERMINUS_E_UNAVAILABLE);
    CHECK_STR_EQ(terminus_error_last()->message, "open: logind on host: Connection refused");
    terminus_error_clear();
}

/* 1 when s is well-formed UTF-8 (no sequence cut short). */
static int utf8_whole(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != 0;) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (n == 0)
            return 0;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        }
        p += n;
    }
    return 1;
}

/* A long message (a localized system message) is cut on a character
 * boundary: never in the middle of a UTF-8 sequence. */
static void os_error_cut_on_char_boundary(void)
{
    static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
    char msg[700];

    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        for (size_t pad = 505; pad <= 511; pad++) {
            size_t len;

            memset(msg, 'x', pad);
            snprintf(msg + pad, sizeof msg - pad, "%s%s", chars[c], chars[c]);
            terminus_os_error(TERMINUS_E_OS, 1, "%s", msg);
            len = strlen(terminus_error_last()->message);
            CHECK(utf8_whole(terminus_error_last()->message));
            CHECK(len >= 508 && len <= 511);
            CHECK(strncmp(terminus_error_last()->message, msg, len) == 0);
        }
    }
    terminus_error_clear();
}

static void version_string(void)
{
    char buf[64];

    REQUIRE(terminus_version() != NULL);
    CHECK_STR_EQ(terminus_version(), TERMINUS_VERSION_STRING);
    snprintf(buf, sizeof buf, "%d.%d.%d", TERMINUS_VERSION_MAJOR, TERMINUS_VERSION_MINOR,
             TERMINUS_VERSION_PATCH);
    CHECK_STR_EQ(terminus_version(), buf);
    CHECK_EQ(TERMINUS_VERSION_NUMBER, TERMINUS_VERSION_MAJOR * 10000 +
                                          TERMINUS_VERSION_MINOR * 100 + TERMINUS_VERSION_PATCH);
}

HARNESS_MAIN(T(error_last_initial), T(strerror_and_name_every_code), T(error_map_is_dense),
             T(strerror_examples), T(unknown_codes), T(error_last_after_failure),
             T(error_clear_resets), T(success_keeps_record), T(os_error_records),
             T(os_error_long_message), T(os_error_into_itself), T(os_error_cut_on_char_boundary),
             T(version_string))
