/*
 * tests/unit/fixture.h: what every unit test needs: a fake OS and a context
 * over it, and a dump of the fake's call log when a test fails. The checks
 * (CHECK, CHECK_RC, CHECK_ERROR, REQUIRE, ...) are those of tests/common/check.h.
 */
#ifndef TERMINUS_TEST_FIXTURE_H
#define TERMINUS_TEST_FIXTURE_H

#include <terminus.h>

#include "check.h"

typedef struct fx {
    terminus_fake *fake;
    terminus_ctx *ctx;
} fx;

/* Whether the last error record has a non-empty message. */
static inline int fx_has_message(void)
{
    const terminus_error *e = terminus_error_last();
    return e != NULL && e->message != NULL && e->message[0] != '\0';
}

static inline void fx_dump_calls(terminus_fake *fake)
{
    size_t i, n = terminus_fake_call_count(fake, NULL);
    char buf[256];

    printf("#   fake call log (%d calls):\n", (int)n);
    for (i = 0; i < n && i < 200; i++) {
        if (terminus_fake_call(fake, i, buf, sizeof buf) == TERMINUS_OK)
            printf("#     %s\n", buf);
    }
    fflush(stdout);
}

/* A fresh fake (self pid 1000, system pid 1, clock 0) and a context over it;
 * the call log is emptied and the error record cleared. */
static inline void fx_open(fx *f)
{
    f->fake = NULL;
    f->ctx = NULL;
    REQUIRE_RC(terminus_fake_new(&f->fake), TERMINUS_OK);
    REQUIRE(f->fake != NULL);
    REQUIRE(terminus_fake_os(f->fake) != NULL);
    REQUIRE_RC(terminus_ctx_new(&f->ctx, terminus_fake_os(f->fake)), TERMINUS_OK);
    REQUIRE(f->ctx != NULL);
    terminus_fake_calls_clear(f->fake);
    terminus_error_clear();
}

/* Check nothing is left open, dump the log if the test failed, free all. */
static inline void fx_close(fx *f)
{
    CHECK_EQ(terminus_fake_open_handles(f->fake), 0);
    if (h_failures > 0)
        fx_dump_calls(f->fake);
    terminus_ctx_free(f->ctx);
    terminus_fake_free(f->fake);
    f->ctx = NULL;
    f->fake = NULL;
}

static inline void fx_add(fx *f, terminus_pid pid, int behaviour, uint32_t after_ms,
                          uint32_t exit_code)
{
    REQUIRE_RC(terminus_fake_process_add(f->fake, pid, behaviour, after_ms, exit_code),
               TERMINUS_OK);
}

static inline terminus_fake_process_info fx_proc(fx *f, terminus_pid pid)
{
    terminus_fake_process_info info;

    memset(&info, 0, sizeof info);
    REQUIRE_RC(terminus_fake_process_get(f->fake, pid, &info), TERMINUS_OK);
    return info;
}

static inline size_t fx_calls(fx *f, const char *primitive)
{
    return terminus_fake_call_count(f->fake, primitive);
}

/* Whether an entry of the fake's call log holds `needle`
 * (entries look like "process_kill(42, 1) = 0"). */
static inline int fx_log_contains(fx *f, const char *needle)
{
    size_t i, n = terminus_fake_call_count(f->fake, NULL);
    char buf[512];

    for (i = 0; i < n; i++) {
        if (terminus_fake_call(f->fake, i, buf, sizeof buf) == TERMINUS_OK &&
            strstr(buf, needle) != NULL)
            return 1;
    }
    return 0;
}

static inline terminus_terminate_options fx_opts(uint32_t flags, uint32_t grace_ms,
                                                 uint32_t forced_exit_code)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;

    o.flags = flags;
    o.grace_ms = grace_ms;
    o.forced_exit_code = forced_exit_code;
    return o;
}

/* A result full of garbage, to see that the call writes it. */
static inline terminus_result fx_garbage_result(void)
{
    terminus_result r;

    memset(&r, 0xAB, sizeof r);
    return r;
}

#endif /* TERMINUS_TEST_FIXTURE_H */
