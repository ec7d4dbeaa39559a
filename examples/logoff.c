/*
 * examples/logoff.c: the Windows `logoff` command over terminus, on Windows
 * and Linux alike.
 *
 *   logoff [sessionID | sessionname] [/server:servername] [/v] [/?]
 *
 * No argument logs off the current session. Exit code 0 on success, 1 on
 * any failure (bad usage included), as the Windows command does.
 */
#include <stdio.h>

#include <terminus.h>

#include "args.h"

static int fail(const char *what)
{
    const terminus_error *e = terminus_error_last();
    fprintf(stderr, "%s: %s (%s)\n", what, e->message, terminus_error_name(e->code));
    return 1;
}

int main(int argc, char **argv)
{
    logoff_args args;
    terminus_server *server = NULL;
    uint32_t id;
    char err[256];
    int rc;

    rc = args_version(argc, argv, "logoff", terminus_version());
    if (rc >= 0)
        return rc;
    rc = args_done(logoff_parse(argc, argv, &args, err, sizeof err), logoff_usage, "", err, 1);
    if (rc >= 0)
        return rc;
    rc = terminus_server_open(NULL, args.server, &server);
    if (rc != TERMINUS_OK)
        return fail(args.server ? "Could not open the server"
                                : "Could not reach the session manager");
    rc = terminus_session_resolve(server, args.session, &id);
    if (rc != TERMINUS_OK) {
        terminus_server_close(server);
        if (rc == TERMINUS_E_NOT_FOUND && args.session != NULL) {
            fprintf(stderr, "Session %s not found.\n", args.session);
            return 1;
        }
        return fail("Could not find the session");
    }
    if (args.verbose) {
        if (args.session == NULL)
            printf("Logging off the current session (ID %lu)", (unsigned long)id);
        else
            printf("Logging off session ID %lu", (unsigned long)id);
        printf("%s%s\n", args.server ? " on server " : "", args.server ? args.server : "");
    }
    rc = terminus_session_logoff(server, id, 0, 0);
    terminus_server_close(server);
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "Could not log off session ID %lu, error %s\n", (unsigned long)id,
                terminus_error_name(rc));
        return fail("Error");
    }
    return 0;
}
