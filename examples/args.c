/* examples/args.c: the argument parsers of logoff, tkill and sessions. */
#include <stdio.h>
#include <string.h>

#include "args.h"

const char logoff_usage[] =
    "Terminates a session.\n"
    "\n"
    "LOGOFF [sessionname | sessionid] [/SERVER:servername] [/V]\n"
    "\n"
    "  sessionname         The name of the session.\n"
    "  sessionid           The ID of the session.\n"
    "  /SERVER:servername  The server containing the session to log off\n"
    "                      (default is this machine). On Linux:\n"
    "                      --server [user@]host[:port] (logind over ssh).\n"
    "  /V                  Displays information about the actions performed\n"
    "                      (-v on Linux).\n"
    "  /?                  Shows this information (--help on Linux).\n";

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

int logoff_parse(int argc, char **argv, logoff_args *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int srv;

        if (a == NULL)
            break;
        if (is_help(a))
            return ARGS_HELP;
        if ((srv = server_opt(argc, argv, &i, &out->server, err, errsize)) != 0) {
            if (srv == ARGS_ERROR)
                return ARGS_ERROR;
        } else if (is(a, "/v") || is(a, "-v") || is(a, "--verbose")) {
            out->verbose = 1;
        } else if (a[0] == '/' || (a[0] == '-' && a[1] != '\0')) {
            return err_set(err, errsize, "Invalid parameter(s): '%s'", a);
        } else {
            if (out->session != NULL)
                return err_set(err, errsize, "Invalid parameter(s): more than one session ('%s')",
                               a);
            out->session = a;
        }
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
    "Displays information about the sessions on a server.\n"
    "\n"
    "SESSIONS [/SERVER:servername]\n"
    "\n"
    "  /SERVER:servername  The server to query (default is this machine). On\n"
    "                      Linux: --server [user@]host[:port] (logind over ssh).\n"
    "  /?                  Shows this information (--help on Linux).\n"
    "\n"
    "Exit code: 0 when the sessions were listed, 1 otherwise.\n";

int sessions_parse(int argc, char **argv, sessions_args *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int srv;

        if (a == NULL)
            break;
        if (is_help(a))
            return ARGS_HELP;
        srv = server_opt(argc, argv, &i, &out->server, err, errsize);
        if (srv == ARGS_ERROR)
            return ARGS_ERROR;
        if (srv == 0)
            return err_set(err, errsize, "Invalid parameter(s): '%s'", a);
    }
    return ARGS_OK;
}
