/*
 * examples/tkill.c: ask processes to leave, kill them only after a grace
 * period, and say what happened to each and how long it took.
 *
 *   tkill [/F] [/GRACE:ms] [/NOWAIT] pid...
 */
#include <stdio.h>
#include <stdlib.h>

#include <terminus.h>

#include "args.h"

static void report(uint32_t pid, const terminus_result *r, int nowait)
{
    double ms = (double)r->elapsed_us / 1000.0;
    char code[32] = "unknown";

    if (r->exit_code != TERMINUS_EXIT_CODE_UNKNOWN)
        snprintf(code, sizeof code, "%lu", (unsigned long)r->exit_code);
    switch (r->outcome) {
    case TERMINUS_OUTCOME_EXITED:
        printf("pid %lu: left when asked, after %.1f ms (exit code %s)\n", (unsigned long)pid, ms, code);
        return;
    case TERMINUS_OUTCOME_FORCED:
        printf("pid %lu: killed after %.1f ms (exit code %s)\n", (unsigned long)pid, ms, code);
        return;
    case TERMINUS_OUTCOME_GONE:
        printf("pid %lu: had already exited (exit code %s)\n", (unsigned long)pid, code);
        return;
    default:
        break;
    }
    if (nowait && r->status == TERMINUS_E_TIMEOUT)
        printf("pid %lu: asked to leave\n", (unsigned long)pid);
    else
        printf("pid %lu: %s\n", (unsigned long)pid, terminus_strerror(r->status));
}

int main(int argc, char **argv)
{
    static tkill_args args;
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_result *results;
    char err[256];
    int rc, failed = 0;

    rc = args_done(tkill_parse(argc, argv, &args, err, sizeof err), tkill_usage, "tkill: ", err, 2);
    if (rc >= 0)
        return rc;
    opts.grace_ms = args.nowait ? 0 : args.grace_ms;
    opts.flags = args.force ? TERMINUS_TERMINATE_FORCE : args.nowait ? TERMINUS_TERMINATE_NO_FORCE : 0;
    results = calloc(args.count, sizeof *results);
    if (results == NULL) {
        fputs("tkill: out of memory\n", stderr);
        return 1;
    }
    rc = terminus_terminate_many(NULL, args.pids, args.count, &opts, results);
    if (rc == TERMINUS_E_INVALID || rc == TERMINUS_E_REFUSED || rc == TERMINUS_E_UNSUPPORTED) {
        /* checked before anything was sent: one message says why */
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
        free(results);
        return rc == TERMINUS_E_INVALID ? 2 : 1;
    }
    for (size_t i = 0; i < args.count; i++) {
        report(args.pids[i], &results[i], args.nowait);
        if (results[i].status != TERMINUS_OK && !(args.nowait && results[i].status == TERMINUS_E_TIMEOUT))
            failed = 1;
    }
    if (failed && rc != TERMINUS_OK)
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    free(results);
    return failed;
}
