/*
 * tests/unit/test_exit.c: terminus_at_exit and terminus_exit against the
 * fake, which records the exit and returns.
 */
#include "fixture.h"

static char hook_log[64];
static size_t hook_len;

static void log_hook(void *arg)
{
    if (hook_len + 1 < sizeof hook_log)
        hook_log[hook_len++] = *(const char *)arg;
    hook_log[hook_len] = '\0';
}

static void log_reset(void)
{
    hook_len = 0;
    hook_log[0] = '\0';
}

static void hooks_lifo_once(void)
{
    static const char a = 'a', b = 'b', c = 'c';
    uint32_t code = 0;
    int fast = -1;
    fx f;

    fx_open(&f);
    log_reset();
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&b), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&c), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "");
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 0);
    CHECK_RC(terminus_exit(f.ctx, 7, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "cba");
    CHECK_EQ(terminus_fake_exits(f.fake, &code, &fast), 1);
    CHECK_EQ(code, 7);
    CHECK_EQ(fast, 0);
    CHECK_EQ(fx_calls(&f, "exit_process"), 1);

    /* The list was emptied: a second exit runs nothing. */
    CHECK_RC(terminus_exit(f.ctx, 8, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "cba");
    CHECK_EQ(terminus_fake_exits(f.fake, &code, &fast), 2);
    CHECK_EQ(code, 8);
    CHECK_EQ(fast, 0);
    fx_close(&f);
}

/* The same hook may be registered twice; it runs twice. */
static void same_hook_twice(void)
{
    static const char a = 'a', b = 'b';
    fx f;

    fx_open(&f);
    log_reset();
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&b), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    CHECK_RC(terminus_exit(f.ctx, 0, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "aba");
    fx_close(&f);
}

static void many_hooks(void)
{
    static char letters[40];
    size_t i;
    fx f;

    fx_open(&f);
    log_reset();
    for (i = 0; i < 40; i++) {
        letters[i] = (char)('0' + (int)(i % 10));
        CHECK_RC(terminus_at_exit(f.ctx, log_hook, &letters[i]), TERMINUS_OK);
    }
    CHECK_RC(terminus_exit(f.ctx, 0, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "9876543210987654321098765432109876543210");
    fx_close(&f);
}

static void fast_skips_hooks(void)
{
    static const char a = 'a';
    uint32_t code = 0;
    int fast = -1;
    fx f;

    fx_open(&f);
    log_reset();
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    CHECK_RC(terminus_exit(f.ctx, 9, TERMINUS_EXIT_FAST), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "");
    CHECK_EQ(terminus_fake_exits(f.fake, &code, &fast), 1);
    CHECK_EQ(code, 9);
    CHECK_EQ(fast, 1);
    fx_close(&f);
}

static void unknown_flags(void)
{
    static const char a = 'a';
    static const uint32_t bad[] = { 0x2, 0x4, 0x80000000u, TERMINUS_EXIT_FAST | 0x10 };
    size_t i;
    fx f;

    fx_open(&f);
    log_reset();
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    terminus_fake_calls_clear(f.fake);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_error_clear();
        CHECK_RC(terminus_exit(f.ctx, 3, bad[i]), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "flags");
    }
    CHECK_STR_EQ(hook_log, "");
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 0);
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    /* The hook is still registered. */
    CHECK_RC(terminus_exit(f.ctx, 3, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "a");
    fx_close(&f);
}

static void at_exit_null_fn(void)
{
    fx f;

    fx_open(&f);
    CHECK_RC(terminus_at_exit(f.ctx, NULL, NULL), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "fn");
    CHECK_RC(terminus_at_exit(f.ctx, NULL, &f), TERMINUS_E_INVALID);
    CHECK_EQ(terminus_fake_call_count(f.fake, NULL), 0);
    log_reset();
    CHECK_RC(terminus_exit(f.ctx, 0, 0), TERMINUS_OK);
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 1);
    fx_close(&f);
}

/* Hooks belong to their context. */
static void hooks_per_context(void)
{
    static const char a = 'a', b = 'b';
    terminus_ctx *other = NULL;
    fx f;

    fx_open(&f);
    log_reset();
    REQUIRE_RC(terminus_ctx_new(&other, terminus_fake_os(f.fake)), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(f.ctx, log_hook, (void *)&a), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(other, log_hook, (void *)&b), TERMINUS_OK);
    CHECK_RC(terminus_exit(other, 1, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "b");
    CHECK_RC(terminus_exit(f.ctx, 2, 0), TERMINUS_OK);
    CHECK_STR_EQ(hook_log, "ba");
    terminus_ctx_free(other);
    fx_close(&f);
}

/* Freeing a context drops its hooks without running them. */
static void ctx_free_drops_hooks(void)
{
    static const char a = 'a';
    terminus_ctx *other = NULL;
    fx f;

    fx_open(&f);
    log_reset();
    REQUIRE_RC(terminus_ctx_new(&other, terminus_fake_os(f.fake)), TERMINUS_OK);
    CHECK_RC(terminus_at_exit(other, log_hook, (void *)&a), TERMINUS_OK);
    terminus_ctx_free(other);
    CHECK_STR_EQ(hook_log, "");
    CHECK_EQ(terminus_fake_exits(f.fake, NULL, NULL), 0);
    fx_close(&f);
}

static void exit_codes_pass_through(void)
{
    static const uint32_t codes[] = { 0, 1, 255, 256, 0x7FFFFFFFu, UINT32_MAX };
    uint32_t code = 0;
    int fast = -1;
    size_t i;
    fx f;

    fx_open(&f);
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK_RC(terminus_exit(f.ctx, codes[i], i % 2 ? TERMINUS_EXIT_FAST : 0), TERMINUS_OK);
        CHECK_EQ(terminus_fake_exits(f.fake, &code, &fast), i + 1);
        CHECK_EQ(code, codes[i]);
        CHECK_EQ(fast, (int)(i % 2));
    }
    fx_close(&f);
}

/* A failing exit_process is reported. */
static void exit_process_failure(void)
{
    fx f;

    fx_open(&f);
    REQUIRE_RC(terminus_fake_fail(f.fake, "exit_process", 1, 0, TERMINUS_E_OS, 77), TERMINUS_OK);
    CHECK_RC(terminus_exit(f.ctx, 3, 0), TERMINUS_E_OS);
    CHECK_EQ(terminus_error_last()->code, TERMINUS_E_OS);
    CHECK_EQ(terminus_error_last()->os_code, 77);
    CHECK(fx_has_message());
    fx_close(&f);
}

HARNESS_MAIN(T(hooks_lifo_once), T(same_hook_twice), T(many_hooks), T(fast_skips_hooks),
             T(unknown_flags), T(at_exit_null_fn), T(hooks_per_context), T(ctx_free_drops_hooks),
             T(exit_codes_pass_through), T(exit_process_failure))
