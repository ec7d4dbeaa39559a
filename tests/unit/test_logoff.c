/*
 * tests/unit/test_logoff.c: logging off the current user: flags pass through
 * to the OS, bad flags never reach it.
 */
#include "fixture.h"

static void flags_pass_through(void)
{
    static const uint32_t ok[] = { 0, TERMINUS_LOGOFF_FORCE, TERMINUS_LOGOFF_FORCE_IF_HUNG, 0 };
    uint32_t flags = 12345;
    size_t i;
    fx f;

    fx_open(&f);
    CHECK_EQ(terminus_fake_logoffs(f.fake, NULL), 0);
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_RC(terminus_logoff(f.ctx, ok[i]), TERMINUS_OK);
        CHECK_EQ(terminus_fake_logoffs(f.fake, &flags), i + 1);
        CHECK_EQ(flags, ok[i]);
    }
    CHECK_EQ(fx_calls(&f, "logoff"), 4);
    fx_close(&f);
}

static void bad_flags(void)
{
    static const uint32_t bad[] = { TERMINUS_LOGOFF_FORCE | TERMINUS_LOGOFF_FORCE_IF_HUNG,
                                    0x4,
                                    0x8,
                                    0x80000000u,
                                    TERMINUS_LOGOFF_FORCE | 0x100,
                                    UINT32_MAX };
    size_t i;
    fx f;

    fx_open(&f);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_error_clear();
        CHECK_RC(terminus_logoff(f.ctx, bad[i]), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "flags");
    }
    CHECK_EQ(terminus_fake_logoffs(f.fake, NULL), 0);
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    fx_close(&f);
}

static void os_failure(void)
{
    static const int codes[] = { TERMINUS_E_NOT_FOUND, TERMINUS_E_ACCESS_DENIED, TERMINUS_E_REFUSED,
                                 TERMINUS_E_UNAVAILABLE, TERMINUS_E_OS };
    size_t i;
    fx f;

    fx_open(&f);
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        terminus_error_clear();
        REQUIRE_RC(terminus_fake_fail(f.fake, "logoff", 1, 0, codes[i], (long)(100 + i)),
                   TERMINUS_OK);
        CHECK_RC(terminus_logoff(f.ctx, 0), codes[i]);
        CHECK_RC(terminus_error_last()->code, codes[i]);
        CHECK_EQ(terminus_error_last()->os_code, 100 + (long)i);
        CHECK(fx_has_message());
    }
    terminus_fake_fail_clear(f.fake);
    CHECK_RC(terminus_logoff(f.ctx, 0), TERMINUS_OK);
    fx_close(&f);
}

HARNESS_MAIN(T(flags_pass_through), T(bad_flags), T(os_failure))
