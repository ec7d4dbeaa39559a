/*
 * fuzz_args: the argument parsers of the example programs (examples/args.c),
 * with the input split on NUL bytes into argv. Built twice: FUZZ_LOGOFF for
 * logoff_parse(), FUZZ_TKILL for tkill_parse(). Never crashes or reads past
 * an argument; an error always has a message; what it returns points into
 * argv; a server name it accepts is neither empty nor an option; the tkill
 * steps it accepts are known step bits, never none when a steps option was
 * given.
 */
#include "fuzz.h"

#include "args.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS + 2];
    char *copy[MAX_ARGS + 2];
    char err[256];
    size_t start = 0, i;
    int argc = 0, rc, k;

    copy[argc] = fuzz_string((const uint8_t *)"prog", 4);
    argv[argc] = copy[argc];
    argc++;
    /* Each piece in its own exact-size buffer: ASan sees any overread. */
    for (i = 0; i <= size && argc <= MAX_ARGS; i++) {
        if (i == size || data[i] == 0) {
            copy[argc] = fuzz_string(data + start, i - start);
            argv[argc] = copy[argc];
            argc++;
            start = i + 1;
        }
    }
    argv[argc] = NULL;
    memset(err, 0, sizeof err);

#if defined(FUZZ_LOGOFF)
    {
        logoff_args a;
        rc = logoff_parse(argc, argv, &a, err, sizeof err);
        FUZZ_CHECK(rc == ARGS_OK || rc == ARGS_HELP || rc == ARGS_ERROR);
        if (rc == ARGS_OK) {
            int session_ok = a.session == NULL, server_ok = a.server == NULL;
            for (k = 1; k < argc; k++) {
                size_t len = strlen(argv[k]);
                session_ok |= a.session == argv[k];
                server_ok |= a.server >= argv[k] && a.server <= argv[k] + len;
            }
            FUZZ_CHECK(session_ok && server_ok);
            /* "" would be this machine, and "-x" or "/v" an option taken as
             * the server: both are usage errors (examples/args.c) */
            FUZZ_CHECK(a.server == NULL ||
                       (a.server[0] != '\0' && a.server[0] != '-' && a.server[0] != '/'));
            FUZZ_CHECK(a.verbose == 0 || a.verbose == 1);
        }
    }
#elif defined(FUZZ_TKILL)
    {
        static tkill_args a;
        rc = tkill_parse(argc, argv, &a, err, sizeof err);
        FUZZ_CHECK(rc == ARGS_OK || rc == ARGS_HELP || rc == ARGS_ERROR);
        if (rc == ARGS_OK) {
            FUZZ_CHECK(a.count >= 1 && a.count <= TKILL_MAX_PIDS);
            FUZZ_CHECK(a.count <= (size_t)argc);
            FUZZ_CHECK(!(a.force && a.nowait));
            FUZZ_CHECK(a.verbose == 0 || a.verbose == 1);
            FUZZ_CHECK(a.broadcast == 0 || a.broadcast == 1);
            FUZZ_CHECK(a.ctrl_break == 0 || a.ctrl_break == 1);
            /* only the five step bits, and a steps option never gives none */
            FUZZ_CHECK((a.steps & ~0x1Fu) == 0);
            FUZZ_CHECK(a.steps_set ? a.steps != 0 : a.steps == 0);
        }
    }
#else
#error "define FUZZ_LOGOFF or FUZZ_TKILL"
#endif
    if (rc == ARGS_ERROR)
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);

    for (k = 0; k < argc; k++)
        free(copy[k]);
    return 0;
}
