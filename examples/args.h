/*
 * examples/args.h: the argument parsers of the example programs, kept apart
 * from their main() so that tests and fuzzers can drive them.
 */
#ifndef TERMINUS_EXAMPLES_ARGS_H
#define TERMINUS_EXAMPLES_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define ARGS_OK    0 /* run */
#define ARGS_HELP  1 /* print the usage, exit 0 */
#define ARGS_ERROR 2 /* print err and the usage, exit with the usage code */

/* What a program does with a parser's answer: ARGS_HELP prints the usage and
 * gives 0; ARGS_ERROR prints "prefix" err and the usage to stderr and gives
 * bad_exit; ARGS_OK gives -1 (go on). Use: if ((rc = args_done(...)) >= 0) return rc; */
int args_done(int parsed, const char *usage, const char *prefix, const char *err, int bad_exit);

/* --version, the one handling every tool shares: when --version (or
 * /version) comes before any help option, prints "program (terminus)
 * version" and gives 0; otherwise -1 (go on and parse). version: the
 * library's, terminus_version(). Use, before the parser:
 * if ((rc = args_version(argc, argv, "tkill", terminus_version())) >= 0) return rc; */
int args_version(int argc, char **argv, const char *program, const char *version);

/* The most /SERVER options a command takes (each a server worked on). */
#define ARGS_MAX_SERVERS 64

/* logoff [sessionID | sessionname] [/server:servername]... [/v] [/?]
 *        [/IDLE:duration] [/DISCONNECTED] [/USER:name] [/TEST] [/WARN:duration [/MESSAGE:text]]
 * Linux spellings too: --server NAME, --server=NAME, -v, --verbose, -h, --help,
 * --idle DURATION, --idle=DURATION, --disconnected, --user NAME, --user=NAME, --test,
 * --warn DURATION, --warn=DURATION, --message TEXT, --message=TEXT. */
typedef struct logoff_args {
    const char *session;                   /* NULL: the current session (or, with a filter, any) */
    const char *server;                    /* the first server; NULL: this machine */
    const char *servers[ARGS_MAX_SERVERS]; /* every /SERVER, in order */
    size_t nservers;
    int verbose;
    /* 0.2: the sessions that match, a dry run, a warning first */
    int disconnected;    /* /DISCONNECTED */
    int idle_set;        /* /IDLE was given */
    uint64_t idle_ms;    /* /IDLE: idle at least this long */
    const char *user;    /* /USER */
    int test;            /* /TEST: say what would be done, do nothing */
    int warn_set;        /* /WARN was given */
    uint64_t warn_ms;    /* /WARN: the countdown between the warning and the logoff */
    const char *message; /* /MESSAGE: the warning's text (NULL: the default) */
    int bad_exit; /* with ARGS_ERROR: 1 for the options of logoff 0.1, as the Windows command;
                     2 for those of 0.2 (a bad duration, an empty /USER, ...) */
} logoff_args;
/* Whether the command line asks for 0.2's logoff (of the sessions that match,
 * a dry run, a warning, several servers) rather than the Windows command's. */
int logoff_selects(const logoff_args *a);
int logoff_parse(int argc, char **argv, logoff_args *out, char *err, size_t errsize);
extern const char logoff_usage[];

/* tkill [/F] [/grace:MS] [/nowait] [/steps:LIST] [/broadcast] [/ctrlbreak] [/v] PID...
 * Linux spellings too: -f, --force, --grace MS, --grace=MS, --nowait, --steps LIST,
 * --steps=LIST, --signal SIG, --signal=SIG, --broadcast, --ctrl-break, -v, --verbose,
 * -h, --help. LIST: step names separated by commas (tkill_usage). */
#define TKILL_MAX_PIDS 4096
typedef struct tkill_args {
    int force;
    int nowait;
    int verbose;
    int broadcast;
    int ctrl_break;
    int steps_set;  /* a steps or signal option was given */
    uint32_t steps; /* TERMINUS_STEP_* bits (valid when steps_set) */
    uint32_t grace_ms;
    size_t count;
    uint32_t pids[TKILL_MAX_PIDS];
} tkill_args;
int tkill_parse(int argc, char **argv, tkill_args *out, char *err, size_t errsize);
extern const char tkill_usage[];

/* One step name of a steps list (case-insensitive: message, term, sigterm, close,
 * console, int, sigint, hup, sighup) => its TERMINUS_STEP_* bit, or 0. len: the
 * name's length (it need not end there). */
uint32_t tkill_step_named(const char *name, size_t len);

/* sessions [/server:servername]... [/V] [/ALL] [/BLOCKERS] [/?]
 * Linux spellings too: --server NAME, --server=NAME, -v, --verbose, --all, --blockers,
 * -h, --help. */
typedef struct sessions_args {
    const char *server; /* the first server; NULL: this machine */
    const char *servers[ARGS_MAX_SERVERS];
    size_t nservers;
    int verbose;  /* /V: the type and the client too */
    int all;      /* /ALL: the sessions with no user too */
    int blockers; /* /BLOCKERS: what holds a logoff or shutdown back */
} sessions_args;
int sessions_parse(int argc, char **argv, sessions_args *out, char *err, size_t errsize);
extern const char sessions_usage[];

#endif
