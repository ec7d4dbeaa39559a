/*
 * fuzz_server_open: terminus_server_open() with the input as the server
 * name, on the fake (which knows "srv", "host.example:22" and an unreachable
 * "down"). A name with a space or a control character is refused before the
 * shim is called; nothing crashes; every server opened is closed.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_server *server = NULL;
    char *name = fuzz_string(data, size);
    int rc;

    FUZZ_CHECK(terminus_fake_new(&fake) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_server_add(fake, "srv", 1) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_server_add(fake, "host.example:22", 1) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_server_add(fake, "down", 0) == TERMINUS_OK);
    FUZZ_CHECK(terminus_fake_session_add(fake, "srv", 3, TERMINUS_SESSION_ACTIVE, "Console",
                                         "alice", TERMINUS_FAKE_SESSION_ENDS, 0) == TERMINUS_OK);
    FUZZ_CHECK(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK);
    terminus_fake_calls_clear(fake);

    terminus_error_clear();
    rc = terminus_server_open(ctx, name, &server);
    fuzz_check_code(rc);
    if (fuzz_has_bad_byte(name, 1) || strlen(name) > 255) {
        FUZZ_CHECK(rc == TERMINUS_E_INVALID);
        FUZZ_CHECK(terminus_fake_call_count(fake, NULL) == 0); /* bad input reaches no shim call */
    }
    if (rc == TERMINUS_OK) {
        terminus_session_info *list = NULL;
        size_t count = 0;
        FUZZ_CHECK(server != NULL);
        rc = terminus_session_list(server, &list, &count);
        fuzz_check_code(rc);
        terminus_session_list_free(list);
        terminus_server_close(server);
    } else {
        FUZZ_CHECK(server == NULL);
    }
    free(name);

    FUZZ_CHECK(terminus_fake_open_handles(fake) == 0);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
    return 0;
}
