/*
 * fuzz_session_resolve: terminus_session_resolve() with the input as the
 * spec, against a fake server with a few sessions. Never crashes, answers
 * with a known code and a record, finds only listed sessions, leaves no
 * handle open. The first byte also picks the caller's own session, and
 * whether the spec is NULL (the current session).
 */
#include "fuzz.h"

static const uint32_t ids[] = { 0, 1, 2, 17, 65536, 4294967294u };
static const char *const names[] = { "Services",   "Console", "console2",
                                     "RDP-Tcp#17", "c2",      "Ünïcode" };
#define N_SESSIONS (sizeof ids / sizeof ids[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_server *server = NULL;
    uint8_t mode = size > 0 ? data[0] : 0;
    char *spec;
    uint32_t id = 12345;
    size_t i;
    int rc;

    FUZZ_CHECK(terminus_fake_new(&fake) == TERMINUS_OK);
    for (i = 0; i < N_SESSIONS; i++)
        FUZZ_CHECK(terminus_fake_session_add(fake, "", ids[i], TERMINUS_SESSION_ACTIVE, names[i],
                                             "user", TERMINUS_FAKE_SESSION_ENDS, 0) == TERMINUS_OK);
    if (mode & 1)
        FUZZ_CHECK(terminus_fake_set_current_session(fake, ids[(mode >> 1) % N_SESSIONS]) ==
                   TERMINUS_OK);
    FUZZ_CHECK(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK);
    FUZZ_CHECK(terminus_server_open(ctx, NULL, &server) == TERMINUS_OK);

    spec = fuzz_string(size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
    terminus_error_clear();
    rc = terminus_session_resolve(server, (mode & 0x80) ? NULL : spec, &id);
    fuzz_check_code(rc);
    if (rc == TERMINUS_OK) {
        int listed = 0;
        for (i = 0; i < N_SESSIONS; i++)
            listed |= ids[i] == id;
        FUZZ_CHECK(listed);
    } else {
        FUZZ_CHECK(rc == TERMINUS_E_INVALID || rc == TERMINUS_E_NOT_FOUND);
        FUZZ_CHECK(id == 12345); /* not written on failure */
    }
    if (!(mode & 0x80) && fuzz_has_bad_byte(spec, 0))
        FUZZ_CHECK(rc == TERMINUS_E_INVALID);
    free(spec);

    terminus_server_close(server);
    FUZZ_CHECK(terminus_fake_open_handles(fake) == 0);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
    return 0;
}
