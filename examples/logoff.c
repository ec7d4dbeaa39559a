/*
 * examples/logoff.c: the Windows `logoff` command over terminus, on Windows
 * and Linux alike, with what administrators do every day on top of it.
 *
 *   logoff [sessionID | sessionname] [/server:servername]... [/v] [/?]
 *          [/IDLE:duration] [/DISCONNECTED] [/USER:name] [/TEST]
 *          [/WARN:duration [/MESSAGE:text]]
 *
 * No argument logs off the current session, as the Windows command does
 * (and with the Windows command's exit codes: 0 on success, 1 on any
 * failure, bad usage included). With /IDLE, /DISCONNECTED or /USER, every
 * session that matches is logged off in one call
 * (terminus_session_logoff_matching); /TEST says what would be done; /WARN
 * warns each user first and waits; several /SERVER are worked on at once
 * (examples/servers.h), each server's errors reported on its own. Then the
 * exit code is 0 when every session that matched was logged off, 1 when
 * none matched ("no session matched") or any failed, 2 for a bad use of
 * those options.
 */
#include <stdio.h>
#include <string.h>

#include <terminus.h>

#include "args.h"
#include "servers.h"

/* What a job found on its server. */
#define JOB_DONE   0 /* every session that matched was logged off (or would be) */
#define JOB_FAILED 1 /* the server, a session or the call failed */
#define JOB_NONE   2 /* no session matched */

static int fail(const char *what)
{
    const terminus_error *e = terminus_error_last();
    fprintf(stderr, "%s: %s (%s)\n", what, e->message, terminus_error_name(e->code));
    return 1;
}

/* The Windows command: one session (or the current one) on one server. */
static int logoff_one(const logoff_args *args)
{
    terminus_server *server = NULL;
    uint32_t id;
    int rc;

    rc = terminus_server_open(NULL, args->server, &server);
    if (rc != TERMINUS_OK)
        return fail(args->server ? "Could not open the server"
                                 : "Could not reach the session manager");
    rc = terminus_session_resolve(server, args->session, &id);
    if (rc != TERMINUS_OK) {
        terminus_server_close(server);
        if (rc == TERMINUS_E_NOT_FOUND && args->session != NULL) {
            fprintf(stderr, "Session %s not found.\n", args->session);
            return 1;
        }
        return fail("Could not find the session");
    }
    if (args->verbose) {
        if (args->session == NULL)
            printf("Logging off the current session (ID %lu)", (unsigned long)id);
        else
            printf("Logging off session ID %lu", (unsigned long)id);
        printf("%s%s\n", args->server ? " on server " : "", args->server ? args->server : "");
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

/* A duration in words, for the warning: "5 minutes", "1 hour 30 minutes". */
static void duration_words(uint64_t ms, char *buf, size_t size)
{
    static const struct {
        uint64_t ms;
        const char *one, *many;
    } units[] = {
        { 86400000u, "day", "days" },
        { 3600000u, "hour", "hours" },
        { 60000u, "minute", "minutes" },
        { 1000u, "second", "seconds" },
    };
    size_t at = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof units / sizeof units[0] && at < size; i++) {
        uint64_t k = ms / units[i].ms;
        if (k == 0)
            continue;
        ms %= units[i].ms;
        at += (size_t)snprintf(buf + at, size - at, "%s%llu %s", at > 0 ? " " : "",
                               (unsigned long long)k, k == 1 ? units[i].one : units[i].many);
    }
    if (at == 0)
        snprintf(buf, size, "a moment");
}

/* "session ID 12 (RDP-Tcp#3, user DOMAIN\bob, Disc, idle 1:02)" */
static void describe(const terminus_session_details *d, char *buf, size_t size)
{
    static const char *const states[] = { "Active", "Conn", "?",    "?",     "Disc", "?",
                                          "Listen", "?",    "Down", "Other", "Init" };
    char idle[32];

    terminus_idle_format(terminus_session_idle_ms(d), idle, sizeof idle);
    snprintf(buf, size, "session ID %lu (%s%suser %s, %s, idle %s)", (unsigned long)d->id, d->name,
             d->name[0] != '\0' ? ", " : "", d->user[0] != '\0' ? d->user : "none",
             d->state >= 0 && d->state <= 10 ? states[d->state] : "?", idle);
}

static int job_fail(server_job *job, const char *what)
{
    const terminus_error *e = terminus_error_last();
    job_printf(job, 1, "%s: %s (%s)\n", what, e->message, terminus_error_name(e->code));
    return JOB_FAILED;
}

/* 0.2's logoff on one server: the sessions that match, in one call. */
static void logoff_matching(server_job *job)
{
    const logoff_args *args = job->arg;
    terminus_session_filter filter = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options opts = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *server = NULL;
    int criteria = args->disconnected || args->idle_set || args->user != NULL;
    char countdown[96], text[400], what[400];
    size_t n = 0;
    int rc;

    if (terminus_server_open(NULL, job->server, &server) != TERMINUS_OK) {
        job->result = job_fail(job, job->server ? "Could not open the server"
                                                : "Could not reach the session manager");
        return;
    }
    if (args->session != NULL || !criteria) {
        filter.flags |= TERMINUS_FILTER_ID;
        filter.id = TERMINUS_SESSION_CURRENT;
        rc = args->session == NULL ? TERMINUS_OK
                                   : terminus_session_resolve(server, args->session, &filter.id);
        if (rc == TERMINUS_E_NOT_FOUND) {
            job_printf(job, 1, "Session %s not found.\n", args->session);
            job->result = JOB_FAILED;
        } else if (rc != TERMINUS_OK) {
            job->result = job_fail(job, "Could not find the session");
        }
        if (rc != TERMINUS_OK) {
            terminus_server_close(server);
            return;
        }
    }
    if (args->disconnected)
        filter.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED);
    if (args->idle_set) {
        filter.flags |= TERMINUS_FILTER_IDLE;
        filter.idle_ms = args->idle_ms;
    }
    filter.user = args->user;
    if (args->test)
        opts.flags |= TERMINUS_SESSION_DRY_RUN;
    countdown[0] = '\0';
    if (args->warn_set) {
        duration_words(args->warn_ms, countdown, sizeof countdown);
        snprintf(text, sizeof text,
                 "Your session will be logged off in %s by an administrator. Save your work "
                 "and log off.",
                 countdown);
        opts.title = "Logoff";
        opts.message = args->message != NULL ? args->message : text;
        opts.countdown_ms = (uint32_t)args->warn_ms;
    }

    rc = terminus_session_logoff_matching(server, &filter, &opts, &out, &n);
    if (rc == TERMINUS_E_NOT_FOUND && n == 0 && criteria) {
        job_printf(job, 1, "no session matched\n");
        job->result = JOB_NONE;
    } else if (rc != TERMINUS_OK && n == 0) {
        job->result = job_fail(job, "Could not log off");
    } else {
        job->result = rc == TERMINUS_OK ? JOB_DONE : JOB_FAILED;
    }
    for (size_t i = 0; i < n; i++) {
        const terminus_session_outcome *o = &out[i];
        describe(&o->session, what, sizeof what);
        if (args->test && o->status == TERMINUS_OK) {
            job_printf(job, 0, "Would log off %s%s%s\n", what,
                       args->warn_set ? ", after warning its user and waiting " : "", countdown);
            continue;
        }
        if (args->warn_set && !o->warned && o->warn_status != TERMINUS_OK)
            job_printf(job, 1, "Could not warn %s: %s (%s)\n", what, o->warn_message,
                       terminus_error_name(o->warn_status));
        else if (args->warn_set && args->verbose)
            job_printf(job, 0, "Warned %s\n", what);
        if (o->status != TERMINUS_OK)
            job_printf(job, 1, "Could not log off %s: %s (%s)\n", what, o->message,
                       terminus_error_name(o->status));
        else if (o->ended_early && args->verbose)
            job_printf(job, 0, "The user ended %s during the countdown\n", what);
        else if (args->verbose)
            job_printf(job, 0, "Logged off %s\n", what);
    }
    terminus_session_outcomes_free(out);
    terminus_server_close(server);
}

int main(int argc, char **argv)
{
    static server_job jobs[ARGS_MAX_SERVERS];
    static char prefixes[ARGS_MAX_SERVERS][300];
    logoff_args args;
    char err[512];
    size_t n, none = 0;
    int rc, parsed;

    rc = args_version(argc, argv, "logoff", terminus_version());
    if (rc >= 0)
        return rc;
    parsed = logoff_parse(argc, argv, &args, err, sizeof err);
    rc = args_done(parsed, logoff_usage, "", err, args.bad_exit);
    if (rc >= 0)
        return rc;
    if (!logoff_selects(&args))
        return logoff_one(&args);

    n = args.nservers > 0 ? args.nservers : 1;
    for (size_t i = 0; i < n; i++) {
        jobs[i].server = args.nservers > 0 ? args.servers[i] : NULL;
        /* several servers: each line says whose it is */
        if (n > 1)
            snprintf(prefixes[i], sizeof prefixes[i], "%s: ", jobs[i].server);
        jobs[i].prefix = prefixes[i];
        jobs[i].arg = &args;
    }
    servers_run(jobs, n, SERVERS_THREADS, logoff_matching);
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].result == JOB_FAILED)
            rc = 1;
        none += jobs[i].result == JOB_NONE;
    }
    return rc != 0 || none == n ? 1 : 0;
}
