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

/* logoff [sessionID | sessionname] [/server:servername] [/v] [/?]
 * Linux spellings too: --server NAME, --server=NAME, -v, --verbose, -h, --help. */
typedef struct logoff_args {
    const char *session; /* NULL: the current session */
    const char *server;  /* NULL: this machine */
    int verbose;
} logoff_args;
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

/* sessions [/server:servername] [/?]
 * Linux spellings too: --server NAME, --server=NAME, -h, --help. */
typedef struct sessions_args {
    const char *server; /* NULL: this machine */
} sessions_args;
int sessions_parse(int argc, char **argv, sessions_args *out, char *err, size_t errsize);
extern const char sessions_usage[];

#endif
