/*
 * fuzz_token: identity tokens read and written (lib/core/token.c), and
 * terminus_terminate_token() with the input as the token, against a fake
 * with a few processes. Never crashes, never reads past the input; a token
 * that reads is written back byte for byte the same (a token is its own
 * canonical form) and fits in TERMINUS_TOKEN_MAX; one that does not says
 * why, and the public call answers E_INVALID for it, with nothing asked of
 * the OS; one that reads never ends a process other than the one it names
 * (pid 42: start 0, unique id 1; pid 43: unique id 2).
 */
#include "fuzz.h"

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_fake_process_info info;
    char *s = fuzz_string(data, size);
    char why[160], back[TERMINUS_TOKEN_MAX];
    tm_token tk;
    int ok, rc;

    memset(why, 'x', sizeof why);
    ok = tm_token_parse(s, &tk, why, sizeof why);
    FUZZ_CHECK(ok == 0 || ok == 1);
    if (ok) {
        int len = tm_token_format(&tk, back, sizeof back);

        FUZZ_CHECK(len > 0 && (size_t)len < TERMINUS_TOKEN_MAX);
        FUZZ_CHECK(strcmp(back, s) == 0);
        FUZZ_CHECK(tk.pid != 0 && tk.pid <= INT32_MAX);
        FUZZ_CHECK(tm_token_boot_ok(tk.boot));
    } else {
        FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why) != NULL);
    }

    /* The public call: pid 42 (start 0, unique 1) ends only for its own token. */
    FUZZ_CHECK(terminus_fake_new(&fake) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 5, 0) ==
               TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_process_add(fake, 43, TERMINUS_FAKE_IGNORES, 0, 0) == TERMINUS_OK);
    FUZZ_CHECK(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK);
    terminus_fake_calls_clear(fake);
    terminus_error_clear();
    rc = terminus_terminate_token(ctx, (size > 0 && data[0] == 0) ? NULL : s, NULL, NULL);
    fuzz_check_code(rc);
    if (!ok) {
        FUZZ_CHECK(rc == TERMINUS_E_INVALID);
        FUZZ_CHECK(terminus_fake_call_count(fake, NULL) == 0);
    }
    /* each is ended by its own token only (or by one without a unique id) */
    FUZZ_CHECK(terminus_fake_process_get(fake, 42, &info) == TERMINUS_OK);
    if (info.requests != 0 || info.kills != 0)
        FUZZ_CHECK(strcmp(s, "t1.fakeboot.42.0.1") == 0 || strcmp(s, "t1.fakeboot.42.0.0") == 0);
    FUZZ_CHECK(terminus_fake_process_get(fake, 43, &info) == TERMINUS_OK);
    if (info.requests != 0 || info.kills != 0)
        FUZZ_CHECK(strcmp(s, "t1.fakeboot.43.0.2") == 0 || strcmp(s, "t1.fakeboot.43.0.0") == 0);
    FUZZ_CHECK(terminus_fake_open_handles(fake) == 0);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
    free(s);
    return 0;
}
