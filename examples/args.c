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

const char tkill_usage[] = "Asks processes to leave, and kills them only after a grace period.\n"
                           "\n"
                           "TKILL [/F] [/GRACE:ms] [/NOWAIT] pid...\n"
                           "\n"
                           "  /F          Kill at once, without asking (-f, --force).\n"
                           "  /GRACE:ms   How long the processes have to leave after the request\n"
                           "              (--grace ms); default 5000.\n"
                           "  /NOWAIT     Ask and return: never kill, do not wait (--nowait).\n"
                           "  /?          Shows this information (-h, --help).\n"
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
        } else if ((v = after(a, "/grace:")) != NULL || (v = after(a, "--grace=")) != NULL) {
            if (!parse_u32(v, &out->grace_ms))
                return err_set(err, errsize,
                               "bad grace period in '%s' (milliseconds, 0 to 4294967295)", a);
        } else if (is(a, "--grace")) {
            if (i + 1 >= argc || argv[i + 1] == NULL || !parse_u32(argv[i + 1], &out->grace_ms))
                return err_set(err, errsize, "%s needs milliseconds (0 to 4294967295)", a);
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
