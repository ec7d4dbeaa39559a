/*
 * lib/core/options.c: what a terminate checks before it does anything (the
 * first step of docs/design.md, "One terminate, step by step"): its options,
 * of version 1 or 2 (include/terminus/terminate.h), and its pids. Nothing
 * here calls the shim but self_pid; every failure is E_INVALID or
 * E_REFUSED with a message that names the argument.
 */
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* How many bytes of an options struct each version has: terminus reads and
 * writes no byte past them, so a 0.1 caller's shorter struct is safe. */
static size_t opts_size(uint32_t version)
{
    switch (version) {
    case TERMINUS_TERMINATE_OPTIONS_VERSION:
        return offsetof(terminus_terminate_options, steps);
    case TERMINUS_TERMINATE_OPTIONS_VERSION_2:
        return sizeof(terminus_terminate_options);
    default:
        return 0;
    }
}

int terminus_terminate_options_init(terminus_terminate_options *opts, uint32_t version)
{
    static const terminus_terminate_options defaults = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_terminate_options o = defaults;
    size_t size = opts_size(version);

    if (opts == NULL)
        return tm_fail(TERMINUS_E_INVALID, "terminus_terminate_options_init: opts is NULL");
    if (size == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "terminus_terminate_options_init: version %u is not one this library "
                       "knows (%d or %d)",
                       (unsigned)version, TERMINUS_TERMINATE_OPTIONS_VERSION,
                       TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    o.version = version;
    memcpy(opts, &o, size);
    return TERMINUS_OK;
}

/* The members version 2 added: read only from a version-2 struct. */
static int opts_check_v2(const char *fn, const terminus_terminate_options *in, size_t count)
{
    if (in->steps & ~TERMINUS_STEPS_ALL)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->steps has unknown step bits 0x%x", fn,
                       (unsigned)(in->steps & ~TERMINUS_STEPS_ALL));
    if (in->steps == 0 && !(in->flags & TERMINUS_TERMINATE_FORCE))
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->steps is 0 (an empty close chain) without "
                       "TERMINUS_TERMINATE_FORCE",
                       fn);
    if (in->reserved != 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->reserved is %u, not 0", fn,
                       (unsigned)in->reserved);
    if (in->progress == NULL && in->progress_arg != NULL)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->progress_arg is set but opts->progress is NULL", fn);
    if (in->details == NULL && in->details_count != 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->details is NULL with opts->details_count %lu",
                       fn, (unsigned long)in->details_count);
    if (in->details != NULL && in->details_count == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->details is set with opts->details_count 0 (no entry)", fn);
    if (in->job != NULL && !(in->flags & TERMINUS_TERMINATE_TREE))
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->job is set without TERMINUS_TERMINATE_TREE (a job holds a tree)",
                       fn);
    if (in->details != NULL && in->details_count < count)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->details_count %lu is fewer than the %lu targets (one entry each)",
                       fn, (unsigned long)in->details_count, (unsigned long)count);
    return TERMINUS_OK;
}

int tm_opts_check(const char *fn, const terminus_terminate_options *in, size_t count,
                  terminus_terminate_options *out)
{
    const uint32_t v1 = TERMINUS_TERMINATE_NO_FORCE | TERMINUS_TERMINATE_FORCE;
    const uint32_t v2 =
        v1 | TERMINUS_TERMINATE_BROADCAST | TERMINUS_TERMINATE_CTRL_BREAK | TERMINUS_TERMINATE_TREE;
    uint32_t known;
    size_t size;
    int rc;

    /* Everything newer than the caller's version takes its default. */
    terminus_terminate_options_init(out, TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    if (in == NULL) {
        out->message = TERMINUS_DEFAULT_MESSAGE;
        return TERMINUS_OK;
    }
    size = opts_size(in->version);
    if (size == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->version %u is not %d or %d (use TERMINUS_TERMINATE_OPTIONS_INIT, "
                       "TERMINUS_TERMINATE_OPTIONS_INIT_V2 or terminus_terminate_options_init)",
                       fn, (unsigned)in->version, TERMINUS_TERMINATE_OPTIONS_VERSION,
                       TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    known = in->version == TERMINUS_TERMINATE_OPTIONS_VERSION ? v1 : v2;
    if (in->flags & ~known)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->flags has unknown bits 0x%x%s", fn,
                       (unsigned)(in->flags & ~known),
                       (in->flags & ~known & v2) != 0
                           ? " (BROADCAST, CTRL_BREAK and TREE need version 2)"
                           : "");
    if ((in->flags & v1) == v1)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->flags has both NO_FORCE and FORCE", fn);
    if (in->message != NULL) {
        rc = tm_check_string(fn, "opts->message", in->message, 255, 1);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (in->version >= TERMINUS_TERMINATE_OPTIONS_VERSION_2) {
        rc = opts_check_v2(fn, in, count);
        if (rc != TERMINUS_OK)
            return rc;
    }
    memcpy(out, in, size);
    if (out->message == NULL)
        out->message = TERMINUS_DEFAULT_MESSAGE;
    return TERMINUS_OK;
}

static int cmp_pid(const void *a, const void *b)
{
    terminus_pid x = *(const terminus_pid *)a, y = *(const terminus_pid *)b;
    return (x > y) - (x < y);
}

/* Every pid valid, none twice. Returns OK or the first problem. */
int tm_pids_check(const char *fn, const terminus_os *os, const terminus_pid *pids, size_t count)
{
    terminus_pid *sorted;
    int rc = TERMINUS_OK;

    if (count > 0 && pids == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: pids is NULL with count %lu", fn,
                       (unsigned long)count);
    for (size_t i = 0; i < count; i++) {
        rc = tm_check_pid(fn, os, pids[i]);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (count < 2)
        return TERMINUS_OK;
    sorted = malloc(count * sizeof *sorted);
    if (sorted == NULL)
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", fn);
    memcpy(sorted, pids, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, cmp_pid);
    for (size_t i = 1; i < count; i++) {
        if (sorted[i] == sorted[i - 1]) {
            rc = tm_fail(TERMINUS_E_INVALID, "%s: pid %lu is given twice", fn,
                         (unsigned long)sorted[i]);
            break;
        }
    }
    free(sorted);
    return rc;
}
