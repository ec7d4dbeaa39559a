/*
 * examples/sessions.c: the users' sessions of servers, as the Windows
 * `query user` command shows them, on Windows and Linux alike.
 *
 *   sessions [/server:servername]... [/v] [/all] [/blockers] [/?]
 *
 * One line a session: USERNAME, SESSIONNAME, ID, STATE, IDLE TIME, LOGON
 * TIME ('>' before the caller's own session); with /V also its TYPE and
 * CLIENT (the client's host and address). Several servers are queried at
 * once (examples/servers.h), each one's table under its name. Exit code 0
 * when every server's sessions were listed (none is not an error), 1 on any
 * failure (bad usage included).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <terminus.h>

#include "args.h"
#include "servers.h"

/* The state as query user writes it. */
static const char *state_name(int32_t state)
{
    switch (state) {
    case TERMINUS_SESSION_ACTIVE:
        return "Active";
    case TERMINUS_SESSION_CONNECTED:
        return "Conn";
    case TERMINUS_SESSION_DISCONNECTED:
        return "Disc";
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

static const char *type_name(int32_t type)
{
    switch (type) {
    case TERMINUS_SESSION_TYPE_TTY:
        return "tty";
    case TERMINUS_SESSION_TYPE_X11:
        return "x11";
    case TERMINUS_SESSION_TYPE_WAYLAND:
        return "wayland";
    case TERMINUS_SESSION_TYPE_RDP:
        return "rdp";
    case TERMINUS_SESSION_TYPE_CONSOLE:
        return "console";
    case TERMINUS_SESSION_TYPE_OTHER:
        return "other";
    default:
        return "-";
    }
}

/* A time (microseconds since the epoch) in local time, "2024-03-05 09:01". */
static void local_time(int64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    int ok;

#ifdef _WIN32
    ok = us > 0 && localtime_s(&tm, &t) == 0;
#else
    ok = us > 0 && localtime_r(&t, &tm) != NULL;
#endif
    if (!ok || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, size, "unknown");
}

static int failed(server_job *job, const char *what)
{
    const terminus_error *e = terminus_error_last();
    job_printf(job, 1, "%s: %s (%s)\n", what, e->message, terminus_error_name(e->code));
    return 1;
}

static void blockers(server_job *job, terminus_server *server)
{
    terminus_blocker *b = NULL;
    size_t n = 0;

    if (terminus_session_blockers(server, TERMINUS_SESSION_CURRENT, &b, &n) != TERMINUS_OK) {
        job->result = failed(job, "Could not list what blocks a logoff");
        return;
    }
    job_printf(job, 0, "\nBLOCKED BY (what holds a logoff or shutdown back)\n");
    if (n == 0)
        job_printf(job, 0, "(nothing)\n");
    else
        job_printf(job, 0, "%-20s %8s %10s %-6s %-16s %s\n", "WHO", "PID", "UID", "MODE", "WHAT",
                   "WHY");
    for (size_t i = 0; i < n; i++) {
        char uid[16];
        if (b[i].uid == TERMINUS_BLOCKER_UID_UNKNOWN)
            snprintf(uid, sizeof uid, "-");
        else
            snprintf(uid, sizeof uid, "%lu", (unsigned long)b[i].uid);
        job_printf(job, 0, "%-20s %8lu %10s %-6s %-16s %s\n", b[i].who, (unsigned long)b[i].pid,
                   uid, b[i].mode, b[i].what, b[i].why);
    }
    terminus_blockers_free(b);
}

static void query(server_job *job)
{
    const sessions_args *args = job->arg;
    terminus_server *server = NULL;
    terminus_session_details *list = NULL;
    size_t count = 0, shown = 0;
    uint32_t own = TERMINUS_SESSION_CURRENT;
    int idw = 2;

    job->result = 0;
    if (terminus_server_open(NULL, job->server, &server) != TERMINUS_OK) {
        job->result = failed(job, job->server ? "Could not open the server"
                                              : "Could not reach the session manager");
        return;
    }
    if (terminus_session_details_list(server, &list, &count) != TERMINUS_OK) {
        job->result = failed(job, "Could not list the sessions");
        terminus_server_close(server);
        return;
    }
    /* the caller's own session, where it has one */
    if (terminus_session_resolve(server, NULL, &own) != TERMINUS_OK)
        own = TERMINUS_SESSION_CURRENT;
    for (size_t i = 0; i < count; i++) {
        char id[16];
        int w = snprintf(id, sizeof id, "%lu", (unsigned long)list[i].id);
        if (w > idw)
            idw = w;
    }
    job_printf(job, 0, " %-21s %-18s %*s  %-6s %9s  %s\n", "USERNAME", "SESSIONNAME", idw, "ID",
               "STATE", "IDLE TIME",
               args->verbose ? "LOGON TIME        TYPE     CLIENT" : "LOGON TIME");
    for (size_t i = 0; i < count; i++) {
        const terminus_session_details *d = &list[i];
        char idle[32], logon[32], client[400];

        if (d->user[0] == '\0' && !args->all)
            continue; /* as query user: the users' sessions */
        shown++;
        terminus_idle_format(terminus_session_idle_ms(d), idle, sizeof idle);
        local_time(d->logon_us, logon, sizeof logon);
        job_printf(job, 0, "%c%-21s %-18s %*lu  %-6s %9s  %-*s", d->id == own ? '>' : ' ', d->user,
                   d->name, idw, (unsigned long)d->id, state_name(d->state), idle,
                   args->verbose ? 16 : 0, logon);
        if (args->verbose) {
            if (d->client[0] != '\0' && d->address[0] != '\0')
                snprintf(client, sizeof client, "%s (%s)", d->client, d->address);
            else
                snprintf(client, sizeof client, "%s",
                         d->client[0] != '\0'    ? d->client
                         : d->address[0] != '\0' ? d->address
                                                 : "-");
            job_printf(job, 0, "  %-8s %s", type_name(d->type), client);
        }
        job_printf(job, 0, "\n");
    }
    if (shown == 0)
        job_printf(job, 0, "(no session)\n");
    terminus_session_details_free(list);
    if (args->blockers)
        blockers(job, server);
    terminus_server_close(server);
}

int main(int argc, char **argv)
{
    static server_job jobs[ARGS_MAX_SERVERS];
    static char prefixes[ARGS_MAX_SERVERS][300];
    sessions_args args;
    char err[256];
    size_t n;
    int rc;

    rc = args_version(argc, argv, "sessions", terminus_version());
    if (rc >= 0)
        return rc;
    rc = args_done(sessions_parse(argc, argv, &args, err, sizeof err), sessions_usage, "", err, 1);
    if (rc >= 0)
        return rc;
    n = args.nservers > 0 ? args.nservers : 1;
    for (size_t i = 0; i < n; i++) {
        jobs[i].server = args.nservers > 0 ? args.servers[i] : NULL;
        /* several servers: each line says whose it is */
        if (n > 1)
            snprintf(prefixes[i], sizeof prefixes[i], "%s: ", jobs[i].server);
        jobs[i].prefix = prefixes[i];
        jobs[i].arg = &args;
    }
    servers_run(jobs, n, SERVERS_THREADS, query);
    rc = 0;
    for (size_t i = 0; i < n; i++)
        rc |= jobs[i].result;
    return rc;
}
