/* examples/args.c: the argument parsers of logoff, tkill and sessions. */
#include <stdio.h>
#include <string.h>

#include <terminus.h>

#include "args.h"

const char logoff_usage[] =
    "Terminates a session, or every session that matches.\n"
    "\n"
    "LOGOFF [sessionname | sessionid] [/SERVER:servername]... [/V]\n"
    "       [/IDLE:duration] [/DISCONNECTED] [/USER:username] [/TEST]\n"
    "       [/WARN:duration [/MESSAGE:text]]\n"
    "\n"
    "  sessionname         The name of the session.\n"
    "  sessionid           The ID of the session.\n"
    "  /SERVER:servername  The server containing the session to log off\n"
    "                      (default is this machine). On Linux:\n"
    "                      --server [user@]host[:port] (logind over ssh).\n"
    "                      Give it more than once for several servers: they\n"
    "                      are worked on at the same time (at most 4 at once),\n"
    "                      and each server's errors are reported on its own.\n"
    "  /IDLE:duration      Only the sessions idle for at least that long: 90m,\n"
    "                      2h, 1d, 1h30m, 45s, or as QUERY USER writes idle\n"
    "                      times (5, 1:02, 2+03:04). A disconnected session is\n"
    "                      idle since it was disconnected.\n"
    "  /DISCONNECTED       Only the disconnected sessions.\n"
    "  /USER:username      Only the sessions of that user (user or DOMAIN\\user).\n"
    "                      With /IDLE, /DISCONNECTED or /USER and no session\n"
    "                      named, every session that matches them all is\n"
    "                      logged off; never session 0, the RDP listener, a\n"
    "                      session with no user or a login screen.\n"
    "  /TEST               Says what would be done, and does nothing.\n"
    "  /WARN:duration      Warns each session's user first, then waits that\n"
    "                      long (a user who logs off meanwhile is not logged\n"
    "                      off again). Windows: a message box that closes at\n"
    "                      the logoff. Linux: a message on the session's\n"
    "                      terminal, as wall writes it; a graphical session\n"
    "                      cannot be warned and is logged off all the same.\n"
    "  /MESSAGE:text       The warning's text (with /WARN).\n"
    "  /V                  Displays information about the actions performed\n"
    "                      (-v on Linux).\n"
    "  /?                  Shows this information (--help on Linux).\n"
    "  --version           Shows the version of logoff and terminus.\n"
    "\n"
    "On Linux: --idle, --disconnected, --user, --test, --warn and --message.\n"
    "\n"
    "Exit code: 0 when every session was logged off (with /TEST: would be),\n"
    "1 when none matched (\"no session matched\") or any failed, 2 for a bad\n"
    "/IDLE, /USER, /WARN or /MESSAGE or too many servers. Other usage errors\n"
    "give 1, as the Windows command does.\n";

const char tkill_usage[] =
    "Asks processes to leave, and kills them only after a grace period.\n"
    "\n"
    "TKILL [/F] [/GRACE:ms] [/NOWAIT] [/STEPS:list] [/BROADCAST] [/CTRLBREAK] [/V] pid...\n"
    "\n"
    "  /F            Kill at once, without asking (-f, --force).\n"
    "  /GRACE:ms     How long the processes have to leave after the first request\n"
    "                (--grace ms); default 5000.\n"
    "  /NOWAIT       Ask and return: never kill, do not wait (--nowait).\n"
    "  /STEPS:list   The requests to send, names separated by commas (--steps=list):\n"
    "                  message  Windows: the terminus message to its listener window;\n"
    "                           Linux: SIGTERM (also term, sigterm)\n"
    "                  close    Windows: WM_CLOSE to its windows (taskkill without /F)\n"
    "                  console  Windows: Ctrl+C to it alone, if it is a console program\n"
    "                  int      Linux: SIGINT (also sigint)\n"
    "                  hup      Linux: SIGHUP (also sighup)\n"
    "                  all      all of them\n"
    "                Default: message,close,console (on Linux: SIGTERM alone). They go\n"
    "                out in the order above, whatever order they are given in; each\n"
    "                one that can reach a process gets an equal share of the grace,\n"
    "                and a step of the other system is skipped. Example:\n"
    "                --steps=int,term sends SIGTERM, then SIGINT half the grace later.\n"
    "  --signal=SIG  Linux: add one signal to the steps: TERM, INT or HUP (repeatable;\n"
    "                --signal=INT alone sends SIGINT only).\n"
    "  /BROADCAST    Windows: broadcast the message to every window instead of\n"
    "                posting it to the listener (--broadcast).\n"
    "  /CTRLBREAK    Windows: the console step sends Ctrl+Break (--ctrl-break).\n"
    "  /V            Shows each step as it goes out (or is skipped, and why), each\n"
    "                kill and each end (-v, --verbose).\n"
    "  /?            Shows this information (-h, --help).\n"
    "  --version     Shows the version of tkill and terminus.\n"
    "\n"
    "For each process it prints how it ended and which step ended it: message (SIGTERM\n"
    "on Linux), close, console, SIGINT, SIGHUP, kill or already gone.\n"
    "\n"
    "Exit code: 0 when every process ended (or was asked, with /NOWAIT),\n"
    "1 when any could not be ended, 2 for bad usage.\n";

int args_done(int parsed, const char *usage, const char *prefix, const char *err, int bad_exit)
{
    if (parsed == ARGS_HELP) {
        fputs(usage, stdout);
        return 0;
    }
    if (parsed == ARGS_ERROR) {
        fprintf(stderr, "%s%s\n\n%s", prefix, err, usage);
        return bad_exit;
    }
    return -1;
}

static int err_set(char *err, size_t size, const char *fmt, const char *arg)
{
    if (err != NULL && size > 0)
        snprintf(err, size, fmt, arg);
    return ARGS_ERROR;
}

/* Case-insensitive ASCII prefix test; returns what follows the prefix. */
static const char *after(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (c != *prefix)
            return NULL;
    }
    return s;
}

static int is(const char *s, const char *word)
{
    const char *rest = after(s, word);
    return rest != NULL && *rest == '\0';
}

static int is_help(const char *a)
{
    return is(a, "/?") || is(a, "-?") || is(a, "-h") || is(a, "--help");
}

int args_version(int argc, char **argv, const char *program, const char *version)
{
    for (int i = 1; i < argc && argv[i] != NULL; i++) {
        if (is_help(argv[i]))
            return -1; /* the help came first: the parser prints it */
        if (is(argv[i], "--version") || is(argv[i], "/version")) {
            printf("%s (terminus) %s\n", program, version);
            return 0;
        }
    }
    return -1;
}

/*
 * The server option of logoff and sessions at argv[*i]: /server:NAME,
 * --server=NAME or --server NAME (the option's name in any case). Returns 1
 * when it was one (*server set, *i moved past it), 0 when it was not,
 * ARGS_ERROR (with err) when malformed. The name must be there, not empty
 * (the library reads "" as this machine: `logoff --server "" 5` must not log
 * off the local session 5) and not an option (`--server /v` must not take
 * /v as the server).
 */
static int server_opt(int argc, char **argv, int *i, const char **server, char *err, size_t errsize)
{
    const char *a = argv[*i], *v;
    int joined = 1;

    if ((v = after(a, "/server:")) == NULL && (v = after(a, "--server=")) == NULL) {
        if (!is(a, "--server"))
            return 0;
        if (*i + 1 >= argc || argv[*i + 1] == NULL)
            return err_set(err, errsize, "%s needs a server name (leave it out for this machine)",
                           a);
        v = argv[*i + 1];
        joined = 0;
    }
    if (*v == '\0') {
        if (joined)
            return err_set(err, errsize,
                           "missing server name in '%s' (leave the option out for this machine)",
                           a);
        return err_set(err, errsize,
                       "%s needs a server name, not an empty one (leave it out for this machine)",
                       a);
    }
    if (*v == '-' || *v == '/') {
        if (joined)
            return err_set(err, errsize, "server name in '%s' starts like an option ('-' or '/')",
                           a);
        if (err != NULL && errsize > 0)
            snprintf(err, errsize, "%s needs a server name, not the option '%s'", a, v);
        return ARGS_ERROR;
    }
    *server = v;
    if (!joined)
        ++*i;
    return 1;
}

/* A decimal number that fits in 32 bits, digits only. */
static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

/* One more server into servers[] (and the first into *first). ARGS_OK, or
 * ARGS_ERROR when there are too many. */
static int server_add(const char **servers, size_t *n, const char **first, const char *name,
                      char *err, size_t errsize)
{
    if (*n == ARGS_MAX_SERVERS)
        return err_set(err, errsize, "too many servers (at most %s)", "64");
    servers[(*n)++] = name;
    if (*first == NULL)
        *first = name;
    return ARGS_OK;
}

/*
 * An option of 0.2 that takes a value at argv[*i]: /NAME:value, --name=value
 * or --name value (slash and dashes: the option's names, e.g. "/idle:",
 * "--idle"). Returns 1 with *value set (and *i moved past a separate
 * value), 0 when argv[*i] is not that option, ARGS_ERROR (with err) when
 * its value is missing or empty, or (`no_option`) starts like an option.
 */
static int value_opt(int argc, char **argv, int *i, const char *slash, const char *dashes,
                     int no_option, const char **value, char *err, size_t errsize)
{
    const char *a = argv[*i], *v;
    char eq[32];

    snprintf(eq, sizeof eq, "%s=", dashes);
    if ((v = after(a, slash)) == NULL && (v = after(a, eq)) == NULL) {
        if (!is(a, dashes))
            return 0;
        if (*i + 1 >= argc || argv[*i + 1] == NULL)
            return err_set(err, errsize, "%s needs a value (see /?)", a);
        v = argv[++*i];
    }
    if (*v == '\0')
        return err_set(err, errsize, "'%s' needs a value, not an empty one", a);
    if (no_option && (*v == '-' || *v == '/') && v == argv[*i])
        return err_set(err, errsize, "the value of '%s' starts like an option ('-' or '/')",
                       argv[*i - 1]);
    *value = v;
    return 1;
}

/* A duration of /IDLE or /WARN: terminus_duration_parse(), its message kept. */
static int duration_opt(const char *opt, const char *v, uint64_t *ms, char *err, size_t errsize)
{
    if (terminus_duration_parse(v, ms) == TERMINUS_OK)
        return ARGS_OK;
    if (err != NULL && errsize > 0)
        snprintf(err, errsize, "bad duration for %s: %s", opt, terminus_error_last()->message);
    return ARGS_ERROR;
}

int logoff_selects(const logoff_args *a)
{
    return a->disconnected || a->idle_set || a->user != NULL || a->test || a->warn_set ||
           a->nservers > 1;
}

int logoff_parse(int argc, char **argv, logoff_args *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    out->bad_exit = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *server = NULL, *v = NULL;
        int srv, opt;

        if (a == NULL)
            break;
        if (is_help(a))
            return ARGS_HELP;
        if ((srv = server_opt(argc, argv, &i, &server, err, errsize)) != 0) {
            if (srv == ARGS_ERROR)
                return ARGS_ERROR;
            if (server_add(out->servers, &out->nservers, &out->server, server, err, errsize) !=
                ARGS_OK) {
                out->bad_exit = 2;
                return ARGS_ERROR;
            }
            continue;
        }
        if (is(a, "/v") || is(a, "-v") || is(a, "--verbose")) {
            out->verbose = 1;
            continue;
        }
        /* the options of 0.2: a bad use of them is exit code 2 */
        out->bad_exit = 2;
        if (is(a, "/disconnected") || is(a, "--disconnected")) {
            out->disconnected = 1;
        } else if (is(a, "/test") || is(a, "--test")) {
            out->test = 1;
        } else if ((opt = value_opt(argc, argv, &i, "/idle:", "--idle", 1, &v, err, errsize)) !=
                   0) {
            if (opt == ARGS_ERROR)
                return ARGS_ERROR;
            if (out->idle_set)
                return err_set(err, errsize, "'%s': /IDLE is given twice", a);
            if (duration_opt(a, v, &out->idle_ms, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            out->idle_set = 1;
        } else if ((opt = value_opt(argc, argv, &i, "/warn:", "--warn", 1, &v, err, errsize)) !=
                   0) {
            if (opt == ARGS_ERROR)
                return ARGS_ERROR;
            if (out->warn_set)
                return err_set(err, errsize, "'%s': /WARN is given twice", a);
            if (duration_opt(a, v, &out->warn_ms, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            if (out->warn_ms > UINT32_MAX)
                return err_set(err, errsize,
                               "'%s': the countdown is too long (at most 49d17h2m47s)", a);
            out->warn_set = 1;
        } else if ((opt = value_opt(argc, argv, &i, "/user:", "--user", 1, &v, err, errsize)) !=
                   0) {
            if (opt == ARGS_ERROR)
                return ARGS_ERROR;
            if (out->user != NULL)
                return err_set(err, errsize, "'%s': /USER is given twice", a);
            out->user = v;
        } else if ((opt = value_opt(argc, argv, &i, "/message:", "--message", 0, &v, err,
                                    errsize)) != 0) {
            if (opt == ARGS_ERROR)
                return ARGS_ERROR;
            if (out->message != NULL)
                return err_set(err, errsize, "'%s': /MESSAGE is given twice", a);
            out->message = v;
        } else if (a[0] == '/' || (a[0] == '-' && a[1] != '\0')) {
            out->bad_exit = 1;
            return err_set(err, errsize, "Invalid parameter(s): '%s'", a);
        } else {
            out->bad_exit = 1;
            if (out->session != NULL)
                return err_set(err, errsize, "Invalid parameter(s): more than one session ('%s')",
                               a);
            out->session = a;
        }
        out->bad_exit = 1;
    }
    if (out->message != NULL && !out->warn_set) {
        out->bad_exit = 2;
        return err_set(err, errsize, "%s",
                       "/MESSAGE needs /WARN:duration (the countdown before the logoff)");
    }
    return ARGS_OK;
}

/* The step names of /STEPS, in the chain's order (TERMINUS_STEP_* bits,
 * include/terminus/terminate.h), with their aliases. */
static const struct {
    const char *name;
    uint32_t step;
} tkill_steps[] = {
    { "message", 0x01u }, { "term", 0x01u }, { "sigterm", 0x01u }, { "close", 0x02u },
    { "console", 0x04u }, { "int", 0x08u },  { "sigint", 0x08u },  { "hup", 0x10u },
    { "sighup", 0x10u },  { "all", 0x1Fu },
};

uint32_t tkill_step_named(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof tkill_steps / sizeof tkill_steps[0]; i++) {
        const char *n = tkill_steps[i].name;
        size_t k = 0;
        while (k < len && n[k] != '\0') {
            char c = name[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + ('a' - 'A'));
            if (c != n[k])
                break;
            k++;
        }
        if (k == len && n[k] == '\0')
            return tkill_steps[i].step;
    }
    return 0;
}

/* A steps list ("int,term") => bits added to *steps; ARGS_ERROR (with err) for
 * an empty list, an empty name or an unknown one. opt: the option, for the
 * message. */
static int steps_list(const char *list, const char *opt, uint32_t *steps, char *err, size_t errsize)
{
    const char *p = list;

    if (*p == '\0')
        return err_set(err, errsize,
                       "%s needs steps, e.g. message,close,console or int,term (see /?)", opt);
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        uint32_t s = tkill_step_named(p, len);
        if (s == 0) {
            if (err != NULL && errsize > 0)
                snprintf(err, errsize,
                         "unknown step '%.*s' in '%s' (message, close, console, int, hup, all; "
                         "term, sigterm, sigint, sighup)",
                         (int)(len > 64 ? 64 : len), p, opt);
            return ARGS_ERROR;
        }
        *steps |= s;
        if (end == NULL)
            return ARGS_OK;
        p = end + 1;
    }
}

/* One signal of --signal (TERM, INT, HUP, with or without SIG, any case). */
static int signal_opt(const char *name, const char *opt, uint32_t *steps, char *err, size_t errsize)
{
    const char *n = after(name, "sig") != NULL ? name + 3 : name;
    uint32_t s = 0;

    if (is(n, "term"))
        s = 0x01u;
    else if (is(n, "int"))
        s = 0x08u;
    else if (is(n, "hup"))
        s = 0x10u;
    if (s == 0)
        return err_set(err, errsize, "%s: the signal is TERM, INT or HUP", opt);
    *steps |= s;
    return ARGS_OK;
}

int tkill_parse(int argc, char **argv, tkill_args *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    out->grace_ms = 5000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;

        if (a == NULL)
            break;
        if (is_help(a))
            return ARGS_HELP;
        if (is(a, "/f") || is(a, "-f") || is(a, "--force")) {
            out->force = 1;
        } else if (is(a, "/nowait") || is(a, "--nowait")) {
            out->nowait = 1;
        } else if (is(a, "/v") || is(a, "-v") || is(a, "--verbose")) {
            out->verbose = 1;
        } else if (is(a, "/broadcast") || is(a, "--broadcast")) {
            out->broadcast = 1;
        } else if (is(a, "/ctrlbreak") || is(a, "--ctrl-break")) {
            out->ctrl_break = 1;
        } else if ((v = after(a, "/grace:")) != NULL || (v = after(a, "--grace=")) != NULL) {
            if (!parse_u32(v, &out->grace_ms))
                return err_set(err, errsize,
                               "bad grace period in '%s' (milliseconds, 0 to 4294967295)", a);
        } else if (is(a, "--grace")) {
            if (i + 1 >= argc || argv[i + 1] == NULL || !parse_u32(argv[i + 1], &out->grace_ms))
                return err_set(err, errsize, "%s needs milliseconds (0 to 4294967295)", a);
            i++;
        } else if ((v = after(a, "/steps:")) != NULL || (v = after(a, "--steps=")) != NULL) {
            if (steps_list(v, a, &out->steps, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            out->steps_set = 1;
        } else if (is(a, "--steps")) {
            if (i + 1 >= argc || argv[i + 1] == NULL)
                return err_set(err, errsize, "%s needs steps, e.g. int,term (see --help)", a);
            if (steps_list(argv[i + 1], a, &out->steps, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            out->steps_set = 1;
            i++;
        } else if ((v = after(a, "--signal=")) != NULL) {
            if (signal_opt(v, a, &out->steps, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            out->steps_set = 1;
        } else if (is(a, "--signal")) {
            if (i + 1 >= argc || argv[i + 1] == NULL)
                return err_set(err, errsize, "%s needs a signal: TERM, INT or HUP", a);
            if (signal_opt(argv[i + 1], a, &out->steps, err, errsize) != ARGS_OK)
                return ARGS_ERROR;
            out->steps_set = 1;
            i++;
        } else if (a[0] == '/' || a[0] == '-') {
            return err_set(err, errsize, "unknown option '%s'", a);
        } else {
            uint32_t pid;
            if (!parse_u32(a, &pid))
                return err_set(err, errsize, "'%s' is not a process id", a);
            if (out->count == TKILL_MAX_PIDS)
                return err_set(err, errsize, "too many process ids (at most %s)", "4096");
            out->pids[out->count++] = pid;
        }
    }
    if (out->force && out->nowait)
        return err_set(err, errsize, "%s", "/F and /NOWAIT cannot be used together");
    if (out->count == 0)
        return err_set(err, errsize, "%s", "no process id given");
    return ARGS_OK;
}

const char sessions_usage[] =
    "Displays information about the users' sessions on servers, as QUERY USER does.\n"
    "\n"
    "SESSIONS [/SERVER:servername]... [/V] [/ALL] [/BLOCKERS]\n"
    "\n"
    "  /SERVER:servername  The server to query (default is this machine). On\n"
    "                      Linux: --server [user@]host[:port] (logind over ssh).\n"
    "                      Give it more than once for several servers: they are\n"
    "                      queried at the same time (at most 4 at once), and each\n"
    "                      server's errors are reported on its own.\n"
    "  /V                  Also the session's type and its client's host\n"
    "                      (-v on Linux).\n"
    "  /ALL                Also the sessions no user is in (services, listener).\n"
    "  /BLOCKERS           Also what holds a logoff or shutdown back (Linux:\n"
    "                      logind's inhibitors; Windows: the reasons windows of\n"
    "                      this session give).\n"
    "  /?                  Shows this information (--help on Linux).\n"
    "  --version           Shows the version of sessions and terminus.\n"
    "\n"
    "Columns: USERNAME, SESSIONNAME, ID, STATE, IDLE TIME (. less than a minute,\n"
    "5 minutes, 1:02 hours, 2+03:04 days; none when unknown), LOGON TIME (local\n"
    "time); '>' marks the caller's own session.\n"
    "\n"
    "Exit code: 0 when the sessions of every server were listed, 1 otherwise.\n";

int sessions_parse(int argc, char **argv, sessions_args *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *server = NULL;
        int srv;

        if (a == NULL)
            break;
        if (is_help(a))
            return ARGS_HELP;
        srv = server_opt(argc, argv, &i, &server, err, errsize);
        if (srv == ARGS_ERROR)
            return ARGS_ERROR;
        if (srv != 0) {
            if (server_add(out->servers, &out->nservers, &out->server, server, err, errsize) !=
                ARGS_OK)
                return ARGS_ERROR;
        } else if (is(a, "/v") || is(a, "-v") || is(a, "--verbose")) {
            out->verbose = 1;
        } else if (is(a, "/all") || is(a, "--all")) {
            out->all = 1;
        } else if (is(a, "/blockers") || is(a, "--blockers")) {
            out->blockers = 1;
        } else {
            return err_set(err, errsize, "Invalid parameter(s): '%s'", a);
        }
    }
    return ARGS_OK;
}
