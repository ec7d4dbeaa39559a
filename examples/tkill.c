/*
 * examples/tkill.c: ask processes to leave, kill them only after a grace
 * period, and say what happened to each, which step ended it and how long
 * it took; with /V, each step as it goes out (the progress callback).
 *
 *   tkill [/F] [/T] [/GRACE:ms] [/NOWAIT] [/STEPS:list] [/BROADCAST] [/CTRLBREAK] [/V]
 *         { [/PID] pid | [/PID] token | /IM imagename }...
 *   tkill /ID pid...
 *
 * taskkill's spelling: /T ends whole trees (TERMINUS_TERMINATE_TREE), /IM
 * ends processes by image name (terminus_terminate_name), /PID is a pid as
 * a bare one is; an identity token (terminus_process_token, printed by /ID)
 * is taken wherever a pid is (terminus_terminate_token). The pids go in one
 * call; each token and each image name in one of its own, after them.
 *
 * The usage text, with every option and the exit codes, is tkill_usage in
 * examples/args.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* With /T: how many processes the tree had, and how many did not end. */
static void tree_note(const terminus_detail *d, const tkill_args *args, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!args->tree)
        return;
    if (d->tree_escaped > 0)
        snprintf(buf, size, " [tree: %lu processes, %lu did not end]",
                 (unsigned long)d->tree_members, (unsigned long)d->tree_escaped);
    else
        snprintf(buf, size, " [tree: %lu process%s]", (unsigned long)d->tree_members,
                 d->tree_members == 1 ? "" : "es");
}

static void report(uint32_t pid, const terminus_result *r, const terminus_detail *d,
                   const tkill_args *args)
{
    double ms = (double)r->elapsed_us / 1000.0;
    char code[32] = "unknown";
    char by[64], tree[80];

    if (r->exit_code != TERMINUS_EXIT_CODE_UNKNOWN)
        snprintf(code, sizeof code, "%lu", (unsigned long)r->exit_code);
    ended_by(d, args->force, by, sizeof by);
    tree_note(d, args, tree, sizeof tree);
    switch (r->outcome) {
    case TERMINUS_OUTCOME_EXITED:
        printf("pid %lu: left when asked, after %.1f ms (exit code %s)%s%s\n", (unsigned long)pid,
               ms, code, by, tree);
        return;
    case TERMINUS_OUTCOME_FORCED:
        printf("pid %lu: killed after %.1f ms (exit code %s)%s%s\n", (unsigned long)pid, ms, code,
               by, tree);
        return;
    case TERMINUS_OUTCOME_GONE:
        printf("pid %lu: had already exited (exit code %s)%s%s\n", (unsigned long)pid, code, by,
               tree);
        return;
    default:
        break;
    }
    if (args->nowait && r->status == TERMINUS_E_TIMEOUT)
        printf("pid %lu: asked to leave%s\n", (unsigned long)pid, tree);
    else
        printf("pid %lu: %s%s\n", (unsigned long)pid, terminus_strerror(r->status), tree);
}

/* Whether a result counts as not ended (with /NOWAIT, asked is enough). */
static int not_ended(const terminus_result *r, const tkill_args *args)
{
    return r->status != TERMINUS_OK && !(args->nowait && r->status == TERMINUS_E_TIMEOUT);
}

/* /ID: each process's identity token, one a line. */
static int print_tokens(const tkill_args *args)
{
    int failed = 0;

    for (size_t i = 0; i < args->nids; i++) {
        char token[TERMINUS_TOKEN_MAX];

        if (terminus_process_token(NULL, args->ids[i], token, sizeof token) == TERMINUS_OK) {
            printf("%s\n", token);
        } else {
            fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
            failed = 1;
        }
    }
    return failed;
}

/* The answer of a call rejected as a whole (nothing was sent): its message,
 * and the exit code: 2 for bad input, else 1. 0 when it was not rejected. */
static int rejected(int rc)
{
    if (rc != TERMINUS_E_INVALID && rc != TERMINUS_E_REFUSED && rc != TERMINUS_E_UNSUPPORTED)
        return 0;
    fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    return rc == TERMINUS_E_INVALID ? 2 : 1;
}

/* The pids, in one call with one shared grace. Returns the exit code so
 * far: 0, 1, or 2 (then stop: nothing was sent). */
static int end_pids(const tkill_args *args, terminus_terminate_options *opts)
{
    terminus_result *results = calloc(args->count, sizeof *results);
    terminus_detail *details = calloc(args->count, sizeof *details);
    int rc, failed = 0;

    if (results == NULL || details == NULL) {
        fputs("tkill: out of memory\n", stderr);
        free(results);
        free(details);
        return 1;
    }
    opts->details = details;
    opts->details_count = args->count;
    rc = terminus_terminate_many(NULL, args->pids, args->count, opts, results);
    if ((failed = rejected(rc)) == 0) {
        for (size_t i = 0; i < args->count; i++) {
            report(args->pids[i], &results[i], &details[i], args);
            failed |= not_ended(&results[i], args);
        }
        if (failed && rc != TERMINUS_OK)
            fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    }
    free(results);
    free(details);
    return failed;
}

/* Each identity token, in a call of its own. */
static int end_token(const tkill_args *args, size_t k, terminus_terminate_options *opts)
{
    terminus_result r;
    terminus_detail d;
    int rc;

    opts->details = &d;
    opts->details_count = 1;
    rc = terminus_terminate_token(NULL, args->tokens[k], opts, &r);
    if (rc == TERMINUS_E_INVALID || rc == TERMINUS_E_REFUSED || rc == TERMINUS_E_UNSUPPORTED)
        return rejected(rc);
    if (rc == TERMINUS_E_NOT_FOUND && r.outcome == TERMINUS_OUTCOME_NONE) {
        /* its process has ended (another may have its pid): nothing was sent */
        printf("pid %lu: %s\n", (unsigned long)args->token_pids[k], terminus_strerror(rc));
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
        return 1;
    }
    report(args->token_pids[k], &r, &d, args);
    if (not_ended(&r, args) && rc != TERMINUS_OK)
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    return not_ended(&r, args);
}

/* Each image name, in a call of its own. */
static int end_image(const tkill_args *args, const char *image, terminus_terminate_options *opts)
{
    /* One detail per match, as many as there is room for: how many match is
     * known only after the call. */
    terminus_detail *details = calloc(TKILL_MAX_PIDS, sizeof *details);
    terminus_pid *pids = NULL;
    terminus_result *results = NULL;
    size_t n = 0;
    int rc, failed = 0;

    if (details == NULL) {
        fputs("tkill: out of memory\n", stderr);
        return 1;
    }
    opts->details = details;
    opts->details_count = TKILL_MAX_PIDS;
    rc = terminus_terminate_name(NULL, image, NULL, opts, &pids, &results, &n);
    if (n == 0) {
        /* nothing matched, or rejected as a whole: nothing was sent */
        failed = rejected(rc);
        if (failed == 0) {
            fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
            failed = 1;
        }
        free(details);
        return failed;
    }
    for (size_t i = 0; i < n; i++) {
        terminus_detail none;

        memset(&none, 0, sizeof none); /* a match past the room for details */
        printf("%s: ", image);
        report(pids[i], &results[i], i < TKILL_MAX_PIDS ? &details[i] : &none, args);
        failed |= not_ended(&results[i], args);
    }
    if (failed && rc != TERMINUS_OK)
        fprintf(stderr, "tkill: %s\n", terminus_error_last()->message);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    free(details);
    return failed;
}

int main(int argc, char **argv)
{
    static tkill_args args;
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    char err[256];
    int rc, failed = 0;

    rc = args_version(argc, argv, "tkill", terminus_version());
    if (rc >= 0)
        return rc;
    rc = args_done(tkill_parse(argc, argv, &args, err, sizeof err), tkill_usage, "tkill: ", err, 2);
    if (rc >= 0)
        return rc;
    if (args.nids > 0)
        return print_tokens(&args);
    opts.grace_ms = args.nowait ? 0 : args.grace_ms;
    if (args.force)
        opts.flags = TERMINUS_TERMINATE_FORCE;
    else if (args.nowait)
        opts.flags = TERMINUS_TERMINATE_NO_FORCE;
    if (args.broadcast)
        opts.flags |= TERMINUS_TERMINATE_BROADCAST;
    if (args.ctrl_break)
        opts.flags |= TERMINUS_TERMINATE_CTRL_BREAK;
    if (args.tree)
        opts.flags |= TERMINUS_TERMINATE_TREE;
    if (args.steps_set)
        opts.steps = args.steps;
    if (args.verbose)
        opts.progress = on_progress;
    if (args.count > 0) {
        failed = end_pids(&args, &opts);
        if (failed == 2 || (failed && args.ntokens + args.nimages == 0))
            return failed;
    }
    for (size_t k = 0; k < args.ntokens; k++) {
        rc = end_token(&args, k, &opts);
        if (rc == 2)
            return 2;
        failed |= rc;
    }
    for (size_t k = 0; k < args.nimages; k++) {
        rc = end_image(&args, args.images[k], &opts);
        if (rc == 2)
            return 2;
        failed |= rc;
    }
    return failed;
}
