/*
 * fuzz_duration: the duration parser and the idle text
 * (terminus_duration_parse, terminus_idle_format; include/terminus/session.h),
 * pure functions. Never crashes or reads past the text; a text it refuses
 * is TERMINUS_E_INVALID with a message naming the function and *ms 0; a
 * duration it reads, written as query user writes idle times, reads back to
 * the minute; the first 8 bytes, as an idle time, are written in 24 bytes
 * and read back the same way.
 */
#include "fuzz.h"

#define MIN_MS 60000u

static void round_trip(int64_t idle_ms)
{
    char text[24];
    uint64_t back = 1;
    int rc = terminus_idle_format(idle_ms, text, sizeof text);

    fuzz_check_code(rc);
    FUZZ_CHECK(rc == TERMINUS_OK);
    FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL);
    if (idle_ms < 0) {
        FUZZ_CHECK(strcmp(text, "none") == 0);
        return;
    }
    rc = terminus_duration_parse(text, &back);
    fuzz_check_code(rc);
    FUZZ_CHECK(rc == TERMINUS_OK);
    FUZZ_CHECK(back == (uint64_t)idle_ms / MIN_MS * MIN_MS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    uint64_t ms = 12345;
    int rc = terminus_duration_parse(text, &ms);

    fuzz_check_code(rc);
    FUZZ_CHECK(rc == TERMINUS_OK || rc == TERMINUS_E_INVALID);
    if (rc != TERMINUS_OK) {
        FUZZ_CHECK(ms == 0);
        FUZZ_CHECK(strncmp(terminus_error_last()->message, "terminus_duration_parse: ", 25) == 0);
    } else {
        /* a text with a NUL inside reads up to it; what was read is a duration */
        FUZZ_CHECK(strlen(text) > 0);
        if (ms <= (uint64_t)INT64_MAX)
            round_trip((int64_t)ms);
    }
    if (size >= 8) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        round_trip(v);
    }
    free(text);
    return 0;
}
