/*
 * examples/sessions.c: list the sessions of a server, as the Windows
 * `query session` command does, on Windows and Linux alike.
 *
 *   sessions [/server:servername] [/?]
 *
 * One line a session: ID, NAME, STATE, USER. Exit code 0 when the sessions
 * were listed (none is not an error), 1 on any failure (bad usage included).
 */
#include <stdio.h>

#include <terminus.h>

#include "args.h"

static const char *state_name(int32_t state)
{
    switch (state) {
    case TERMINUS_SESSION_ACTIVE:
        return "Active";
    case TERMINUS_SESSION_CONNECTED:
        return "Connected";
    case TERMINUS_SESSION_DISCONNECTED:
        return "Disconnected";
    case TERMINUS_SESSION_LISTEN:
        return "Listen";
    case TERMINUS_SESSION_DOWN:
        return "Down";
    case TERMINUS_SESSION_INIT:
        return "Init";
    default:
        return "Other";
    }
}

static int fail(const char *what)
{
    const terminus_error *e = terminus_error_last();
    fprintf(stderr, "%s: %s (%s)\n", what, e->message, terminus_error_name(e->code));
    return 1;
}

int main(int argc, char **argv)
{
    sessions_args args;
    terminus_server *server = NULL;
    terminus_session_info *list = NULL;
    size_t count = 0;
    char err[256];
    int rc;

    rc = args_done(sessions_parse(argc, argv, &args, err, sizeof err), sessions_usage, "", err, 1);
    if (rc >= 0)
        return rc;
    rc = terminus_server_open(NULL, args.server, &server);
    if (rc != TERMINUS_OK)
        return fail(args.server ? "Could not open the server"
                                : "Could not reach the session manager");
    rc = terminus_session_list(server, &list, &count);
    if (rc != TERMINUS_OK) {
        terminus_server_close(server);
        return fail("Could not list the sessions");
    }
    printf("%-12s %-20s %-13s %s\n", "ID", "NAME", "STATE", "USER");
    for (size_t i = 0; i < count; i++)
        printf("%-12lu %-20s %-13s %s\n", (unsigned long)list[i].id, list[i].name,
               state_name(list[i].state), list[i].user);
    if (count == 0)
        printf("(no session)\n");
    terminus_session_list_free(list);
    terminus_server_close(server);
    return 0;
}
