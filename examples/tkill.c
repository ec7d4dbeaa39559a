/*
 * examples/tkill.c: ask processes to leave, kill them only after a grace
 * period, and say what happened to each, which step ended it and how long
 * it took; with /V, each step as it goes out (the progress callback).
 *
 *   tkill [/F] [/GRACE:ms] [/NOWAIT] [/STEPS:list] [/BROADCAST] [/CTRLBREAK] [/V] pid...
 *
 * The usage text, with every option and the exit codes, is tkill_usage in
 * examples/args.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include <terminus.h>

#include "args.h"

/* examples/args.c spells the step bits out (it does not include terminus). */
_Static_assert(TERMINUS_STEP_MESSAGE == 0x01u && TERMINUS_STEP_CLOSE == 0x02u &&
                   TERMINUS_STEP_CONSOLE == 0x04u && TERMINUS_STEP_SIGINT == 0x08u &&
                   TERMINUS_STEP_SIGHUP == 0x10u && TERMINUS_STEPS_ALL == 0x1Fu,
               "the step bits of examples/args.c");

/* What a step or an end is called in the output. */
static const char *step_name(uint32_t step)
{
    switch (step) {
    case TERMINUS_STEP_MESSAGE:
#ifdef _WIN32
        return "message";
#else
        return "SIGTERM";
#endif
    case TERMINUS_STEP_CLOSE:
        return "close";
    case TERMINUS_STEP_CONSOLE:
        return "console";
    case TERMINUS_STEP_SIGINT:
        return "SIGINT";
    case TERMINUS_STEP_SIGHUP:
        return "SIGHUP";
    case TERMINUS_ENDED_KILL:
        return "kill";
    case TERMINUS_ENDED_GONE:
        return "already gone";
    default:
        return "nothing";
    }
}

/* /V: each step as it goes out (or is skipped), each kill and each end. */
static void on_progress(void *arg, const terminus_progress *p)
{
    double ms = (double)p->at_us / 1000.0;
    (void)arg;

    switch (p->event) {
    case TERMINUS_PROGRESS_STEP:
        if (p->status == TERMINUS_OK)
            printf("[%9.1f ms] pid %lu: %s sent\n", ms, (unsigned long)p->pid, step_name(p->step));
        else
            printf("[%9.1f ms] pid %lu: %s skipped: %s\n", ms, (unsigned long)p->pid,
                   step_name(p->step), terminus_strerror(p->status));
        break;
    case TERMINUS_PROGRESS_KILL:
        printf("[%9.1f ms] pid %lu: kill sent\n", ms, (unsigned long)p->pid);
        break;
    case TERMINUS_PROGRESS_ENDED:
        if (p->outcome == TERMINUS_OUTCOME_NONE)
            printf("[%9.1f ms] pid %lu: settled: %s\n", ms, (unsigned long)p->pid,
                   terminus_strerror(p->status));
        else
            printf("[%9.1f ms] pid %lu: ended\n", ms, (unsigned long)p->pid);
        break;
    default:
        break;
    }
    fflush(stdout);
}

/* Which step ended it, and why none could when it was killed unasked. */
static void ended_by(const terminus_detail *d, int force, char *buf, size_t size)
{
    int unasked = !force && d->ended_by == TERMINUS_ENDED_KILL && d->sent == 0;

    if (unasked && d->reach == 0)
        snprintf(buf, size, " [ended by: kill; no request could reach it]");
    else if (unasked)
        snprintf(buf, size, " [ended by: kill; no request could be sent]");
    else if (d->ended_by != TERMINUS_ENDED_NONE)
        snprintf(buf, size, " [ended by: %s]", step_name(d->ended_by));
    else
        buf[0] = '\0';
}

static void report(uint32_t pid, const terminus_result *r, const terminus_detail *d,
                   const tkill_args *args)
{
    double ms = (double)r->elapsed_us / 1000.0;
    char code[32] = "unknown";
    char by[64];

    if (r->exit_code != TERMINUS_EXIT_CODE_UNKNOWN)
        snprintf(code, sizeof code, "%lu", (unsigned long)r->exit_code);
    ended_by(d, args->force, by, sizeof by);
    switch (r->outcome) {
    case TERMINUS_OUTCOME_EXITED:
        printf("pid %lu: left when asked, after %.1f ms (exit code %s)%s\n", (unsigned long)pid, ms,
               code, by);
        return;
    case TERMINUS_OUTCOME_FORCED:
        printf("pid %lu: killed after %.1f ms (exit code %s)%s\n", (unsigned long)pid, ms, code,
               by);
        return;
    case TERMINUS_OUTCOME_GONE:
        printf("pid %lu: had already exited (exit code %s)%s\n", (unsigned long)pid, code, by);
        return;
    default:
        break;
    }
    if (args->nowait && r->status == TERMINUS_E_TIMEOUT)
        printf("pid %lu: asked to leave\n", (unsigned long)pid);
    else
        printf("pid %lu: %s\n", (unsigned long)pid, terminus_strerror(r->status));
}

int main(int argc, char **argv)
{
    static tkill_args args;
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_result *results;
    terminus_detail *details;
    char err[256];
    int rc, failed = 0;

    rc = args_done(tkill_parse(argc, argv, &args, err, sizeof err), tkill_usage, "tkill: ", err, 2);
    if (rc >= 0)
        return rc;
    opts.grace_ms = args.nowait ? 0 : args.grace_ms;
    if (args.force)
        opts.flags = TERMINUS_TERMINATE_FORCE;
    else if (args.nowait)
        opts.flags = TERMINUS_TERMINATE_NO_FORCE;
    if (args.broadcast)
        opts.flags |= TERMINUS_TERMINATE_BROADCAST;
    if (args.ctrl_break)
        opts.flags |= TERMINUS_TERMINATE_CTRL_BREAK;
    if (args.steps_set)
        opts.steps = args.steps;
    if (args.verbose)
        opts.progress = on_progress;
    results = calloc(args.count, sizeof *results);
    details = calloc(args.count, sizeof *details);
    if (results == NULL || details == NULL) {
        fputs("tkill: out of memory\n", stderr);
        free(results);
        free(details);
        return 1;
    }
    opts.details = details;
    opts.details_count = args.count;
    rc = terminus_terminate_many(NULL, args.pids, args.count, &opts, results);
    if (rc == TERMINUS_E_INVALID || rc == TERMINUS_E_REFUSED || rc == TERMINUS_E_UNSUPPORTED) {
        /* checked before anything was sent: one message says why */
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
        free(results);
        free(details);
        return rc == TERMINUS_E_INVALID ? 2 : 1;
    }
    for (size_t i = 0; i < args.count; i++) {
        report(args.pids[i], &results[i], &details[i], &args);
        if (results[i].status != TERMINUS_OK &&
            !(args.nowait && results[i].status == TERMINUS_E_TIMEOUT))
            failed = 1;
    }
    if (failed && rc != TERMINUS_OK)
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    free(results);
    free(details);
    return failed;
}
