/*
 * tests/install/consumer.c: a program written outside the library, built
 * against the installed headers through pkg-config (terminus.pc and
 * terminus-static.pc) by tests/install/check-install.py.
 */
#include <terminus.h>

#include <stdio.h>
#include <string.h>

static int fails;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        fails++;
}

int main(void)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_result r;

    check(strcmp(terminus_version(), TERMINUS_VERSION_STRING) == 0,
          "terminus_version() matches the installed version.h");
    check(strcmp(terminus_strerror(TERMINUS_E_ACCESS_DENIED), "access denied") == 0,
          "terminus_strerror(TERMINUS_E_ACCESS_DENIED)");
    check(strcmp(terminus_error_name(TERMINUS_E_TIMEOUT), "TERMINUS_E_TIMEOUT") == 0,
          "terminus_error_name(TERMINUS_E_TIMEOUT)");

    check(terminus_fake_new(&fake) == TERMINUS_OK, "terminus_fake_new");
    check(terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7) ==
              TERMINUS_OK,
          "fake process 42 leaves 300 ms after a request");
    check(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK,
          "terminus_ctx_new over the fake");
    memset(&r, 0, sizeof r);
    check(terminus_terminate(ctx, 42, NULL, &r) == TERMINUS_OK, "terminus_terminate(42)");
    check(r.status == TERMINUS_OK && r.outcome == TERMINUS_OUTCOME_EXITED, "it exited on request");
    check(r.exit_code == 7, "with its exit code");
    check(r.elapsed_us == 300000, "after 300 ms of virtual time");
    check(terminus_terminate(ctx, 0, NULL, &r) == TERMINUS_E_INVALID, "pid 0 is invalid");
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);

    printf("%s\n", fails ? "FAILED" : "all good");
    return fails ? 1 : 0;
}
