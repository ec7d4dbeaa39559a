/*
 * lib/core/process.c: the calls of include/terminus/process.h: the listing,
 * identity tokens (written and read by lib/core/token.c), the terminate by
 * token and the terminate by image name. The terminates are those of
 * lib/core/call.c, each target with the identity it must have when it is
 * opened: a token's (start and unique id; another one is E_NOT_FOUND), or
 * the listing's (another one means the process listed has ended: GONE).
 *
 * Image names (terminus_terminate_name). The name given is a file name, 1 to
 * 255 bytes of UTF-8 without '/' or '\'. It matches a listed process whose
 * name is equal to it byte for byte or, where the table has the trait
 * TERMINUS_OS_NAMES_NOCASE (Windows), equal but for the case of the ASCII
 * letters (other letters must be equal: "É" is not "é"). The caller is never
 * a match, nor the system's first process, nor, with
 * TERMINUS_TERMINATE_TREE, one of the caller's ancestors (their trees would
 * hold the caller); those are left out silently. A match that the backend
 * refuses to open (a critical process) is E_REFUSED in its result and never
 * signalled. The matches are taken in the order of their pids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* ------------------------------------------------------------------------ */
/* The listing                                                              */

typedef struct tm_list_acc {
    terminus_process_info *v;
    size_t n, cap;
} tm_list_acc;

static int list_add(void *arg, const terminus_process_info *info)
{
    tm_list_acc *l = arg;

    if (l->n == l->cap && !TM_GROW(l->v, l->cap, 64))
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for a list of %lu processes",
                       (unsigned long)l->n);
    l->v[l->n] = *info;
    l->v[l->n].name[sizeof l->v[l->n].name - 1] = '\0';
    l->n++;
    return TERMINUS_OK;
}

/* A failed shim call of fn: its record, prefixed with fn. */
static int os_failed(const char *fn, unsigned mark, int rc, const terminus_os *os,
                     const char *primitive)
{
    const terminus_error *e;

    tm_os_failed(mark, rc, os, primitive);
    e = terminus_error_last();
    return terminus_os_error(rc, e->code == rc ? e->os_code : 0, "%s: %s", fn,
                             e->code == rc ? e->message : terminus_strerror(rc));
}

int terminus_process_list(terminus_ctx *ctx, terminus_process_info **out, size_t *count)
{
    static const char fn[] = "terminus_process_list";
    tm_list_acc l = { NULL, 0, 0 };
    unsigned mark;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (out == NULL || count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, out == NULL ? "out" : "count");
    rc = tm_ctx_get(&ctx, fn);
    if (rc != TERMINUS_OK)
        return rc;
    if (!TM_HAS(&ctx->os, process_list))
        return tm_unsupported(&ctx->os, fn, "process_list");
    mark = tm_error_mark();
    rc = ctx->os.process_list(ctx->os.data, TERMINUS_OS_LIST_ALL, list_add, &l);
    if (rc != TERMINUS_OK) {
        free(l.v);
        return os_failed(fn, mark, rc, &ctx->os, "process_list");
    }
    *out = tm_handout(l.v, l.n);
    *count = l.n;
    return TERMINUS_OK;
}

void terminus_process_list_free(terminus_process_info *list)
{
    free(list);
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */

/* The boot id of this boot, checked that a token can hold it. */
static int boot_read(const char *fn, const terminus_os *os, char boot[64])
{
    unsigned mark = tm_error_mark();
    int rc = os->boot_id(os->data, boot, 64);

    if (rc != TERMINUS_OK)
        return os_failed(fn, mark, rc, os, "boot_id");
    boot[63] = '\0';
    if (!tm_token_boot_ok(boot))
        return tm_fail(TERMINUS_E_OS,
                       "%s: the %s backend's boot id (%lu bytes) is not one a token can hold "
                       "(up to %d letters, digits, '-' or '_')",
                       fn, os->name ? os->name : "unnamed", (unsigned long)strlen(boot),
                       TM_TOKEN_BOOT_MAX);
    return TERMINUS_OK;
}

int terminus_process_token(terminus_ctx *ctx, terminus_pid pid, char *buf, size_t size)
{
    static const char fn[] = "terminus_process_token";
    char text[TERMINUS_TOKEN_MAX];
    terminus_os_process *proc = NULL;
    terminus_process_info info;
    const terminus_os *os;
    tm_token tk;
    unsigned mark;
    int rc, len;

    if (buf != NULL && size > 0)
        buf[0] = '\0';
    if (buf == NULL || size == 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s", fn, buf == NULL ? "buf is NULL" : "size is 0");
    if (pid == 0 || pid > INT32_MAX)
        return tm_fail(TERMINUS_E_INVALID, "%s: pid %lu is not a process", fn, (unsigned long)pid);
    rc = tm_ctx_get(&ctx, fn);
    if (rc != TERMINUS_OK)
        return rc;
    os = &ctx->os;
    if (!TM_HAS(os, process_open) || !TM_HAS(os, process_close))
        return tm_unsupported(os, fn, "process_open");
    if (!TM_HAS(os, process_identity))
        return tm_unsupported(os, fn, "process_identity");
    if (!TM_HAS(os, boot_id))
        return tm_unsupported(os, fn, "boot_id");

    memset(&tk, 0, sizeof tk);
    rc = boot_read(fn, os, text);
    if (rc != TERMINUS_OK)
        return rc;
    memcpy(tk.boot, text, strlen(text) + 1);
    mark = tm_error_mark();
    rc = os->process_open(os->data, pid, &proc);
    if (rc != TERMINUS_OK)
        return os_failed(fn, mark, rc, os, "process_open");
    mark = tm_error_mark();
    rc = os->process_identity(os->data, proc, &info, &tk.unique);
    if (rc != TERMINUS_OK)
        rc = os_failed(fn, mark, rc, os, "process_identity");
    os->process_close(os->data, proc);
    if (rc != TERMINUS_OK)
        return rc;
    tk.pid = pid;
    tk.start = info.start;
    len = tm_token_format(&tk, text, sizeof text);
    if (len < 0) /* cannot be: the boot id was checked, the pid too */
        return tm_fail(TERMINUS_E_OS, "%s: pid %lu: the token cannot be written", fn,
                       (unsigned long)pid);
    if ((size_t)len >= size)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: size %lu is too small for the token of pid %lu (%d bytes with its NUL)",
                       fn, (unsigned long)size, (unsigned long)pid, len + 1);
    memcpy(buf, text, (size_t)len + 1);
    return TERMINUS_OK;
}

int terminus_terminate_token(terminus_ctx *ctx, const char *token,
                             const terminus_terminate_options *opts, terminus_result *result)
{
    static const char fn[] = "terminus_terminate_token";
    terminus_terminate_options o;
    char why[160], boot[64];
    int checked = 0, rc;
    tm_token tk;
    tm_want want;

    rc = tm_ctx_get(&ctx, fn);
    if (rc == TERMINUS_OK && !tm_token_parse(token, &tk, why, sizeof why))
        rc = tm_fail(TERMINUS_E_INVALID, "%s: the token does not parse: %s", fn, why);
    if (rc == TERMINUS_OK)
        rc = tm_opts_check(fn, opts, 1, &o);
    checked = rc == TERMINUS_OK;
    if (rc == TERMINUS_OK)
        rc = tm_check_pid(fn, &ctx->os, tk.pid);
    if (rc == TERMINUS_OK)
        rc = tm_terminate_members(fn, &ctx->os, &o, 1);
    if (rc == TERMINUS_OK && !TM_HAS(&ctx->os, boot_id))
        rc = tm_unsupported(&ctx->os, fn, "boot_id");
    if (rc == TERMINUS_OK) {
        rc = boot_read(fn, &ctx->os, boot);
        if (rc == TERMINUS_OK && strcmp(boot, tk.boot) != 0)
            rc = tm_fail(TERMINUS_E_NOT_FOUND,
                         "%s: the token is of another boot (\"%s\"; this one is \"%s\"): its "
                         "process has ended",
                         fn, tk.boot, boot);
    }
    if (rc != TERMINUS_OK) {
        tm_results_fill(result, 1, rc);
        if (checked)
            tm_details_fill(&o, 1, rc);
        return rc;
    }
    want.start = tk.start;
    want.unique = tk.unique;
    return tm_terminate_run(fn, ctx, &tk.pid, 1, &o, result, &want, TERMINUS_E_NOT_FOUND, NULL);
}

/* ------------------------------------------------------------------------ */
/* Targets by image name                                                    */

typedef struct tm_match {
    terminus_pid pid;
    uint64_t start;
} tm_match;

typedef struct tm_name_scan {
    const char *image;
    size_t len;
    int nocase;
    terminus_name_filter filter;
    tm_match *v;
    size_t n, cap;
    tm_snap *snap; /* with a tree: every process, for tree.c */
} tm_name_scan;

static int name_equal(const char *a, const char *b, size_t len, int nocase)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (nocase) {
            x = (unsigned char)(x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x);
            y = (unsigned char)(y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
        }
        if (x != y)
            return 0;
    }
    return b[len] == '\0';
}

static int name_add(void *arg, const terminus_process_info *info)
{
    tm_name_scan *s = arg;

    if (s->snap != NULL) {
        int rc = tm_snap_add(s->snap, info);

        if (rc != TERMINUS_OK)
            return rc;
    }
    if (memchr(info->name, '\0', sizeof info->name) == NULL ||
        !name_equal(s->image, info->name, s->len, s->nocase) ||
        (s->filter.session != TERMINUS_SESSION_NONE && info->session != s->filter.session) ||
        (s->filter.uid != TERMINUS_UID_UNKNOWN && info->uid != s->filter.uid))
        return TERMINUS_OK;
    if (s->n == s->cap && !TM_GROW(s->v, s->cap, 16))
        return tm_fail(TERMINUS_E_NO_MEMORY, "out of memory for the matches");
    s->v[s->n].pid = info->pid;
    s->v[s->n].start = info->start;
    s->n++;
    return TERMINUS_OK;
}

static int cmp_match(const void *a, const void *b)
{
    const tm_match *x = a, *y = b;

    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_snap(const void *a, const void *b)
{
    const tm_proc *x = a, *y = b;

    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* The checks of terminus_terminate_name before anything is listed. */
static int name_check(const char *fn, const char *image, const terminus_name_filter *filter,
                      size_t *count)
{
    int rc;

    if (count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: count is NULL", fn);
    rc = tm_check_string(fn, "image", image, 255, 1);
    if (rc != TERMINUS_OK)
        return rc;
    if (strpbrk(image, "/\\") != NULL)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: image \"%s\" has a '/' or a '\\' (an image name is a file name)", fn,
                       image);
    if (filter != NULL && filter->version != TERMINUS_NAME_FILTER_VERSION)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: filter->version %u is not %d (use TERMINUS_NAME_FILTER_INIT)", fn,
                       (unsigned)filter->version, TERMINUS_NAME_FILTER_VERSION);
    if (filter != NULL && filter->reserved != 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: filter->reserved is %u, not 0", fn,
                       (unsigned)filter->reserved);
    return TERMINUS_OK;
}

/* Keep the matches that may be targets, each pid once, in pid order. */
static size_t name_keep(tm_name_scan *s, const terminus_os *os, int tree)
{
    terminus_pid self = os->self_pid != NULL ? os->self_pid(os->data) : 0;
    size_t n = 0;

    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_match);
    for (size_t i = 0; i < s->n; i++) {
        const tm_match *m = &s->v[i];

        if (m->pid == 0 || m->pid > INT32_MAX || m->pid == self || m->pid == os->system_pid ||
            (n > 0 && s->v[n - 1].pid == m->pid) ||
            (tree && tm_snap_is_caller_line(s->snap, os, m->pid)))
            continue;
        s->v[n++] = *m;
    }
    return n;
}

int terminus_terminate_name(terminus_ctx *ctx, const char *image,
                            const terminus_name_filter *filter,
                            const terminus_terminate_options *opts, terminus_pid **pids,
                            terminus_result **results, size_t *count)
{
    static const char fn[] = "terminus_terminate_name";
    terminus_terminate_options o;
    tm_name_scan s;
    tm_snap snap = { NULL, 0, 0 };
    terminus_pid *out_pids = NULL;
    terminus_result *out_res = NULL;
    tm_want *want = NULL;
    unsigned mark;
    size_t n;
    int rc, tree;

    if (pids != NULL)
        *pids = NULL;
    if (results != NULL)
        *results = NULL;
    if (count != NULL)
        *count = 0;
    rc = name_check(fn, image, filter, count);
    if (rc == TERMINUS_OK)
        rc = tm_ctx_get(&ctx, fn);
    if (rc == TERMINUS_OK)
        rc = tm_opts_check(fn, opts, 0, &o);
    if (rc == TERMINUS_OK && !TM_HAS(&ctx->os, process_list))
        rc = tm_unsupported(&ctx->os, fn, "process_list");
    if (rc == TERMINUS_OK)
        rc = tm_terminate_members(fn, &ctx->os, &o, 1);
    if (rc != TERMINUS_OK)
        return rc;

    tree = (o.flags & TERMINUS_TERMINATE_TREE) != 0;
    memset(&s, 0, sizeof s);
    s.image = image;
    s.len = strlen(image);
    s.nocase = (ctx->os.traits & TERMINUS_OS_NAMES_NOCASE) != 0;
    s.filter.session = filter != NULL ? filter->session : TERMINUS_SESSION_NONE;
    s.filter.uid = filter != NULL ? filter->uid : TERMINUS_UID_UNKNOWN;
    s.snap = tree ? &snap : NULL;
    mark = tm_error_mark();
    rc = ctx->os.process_list(
        ctx->os.data,
        TERMINUS_OS_LIST_NAME |
            (s.filter.session != TERMINUS_SESSION_NONE ? TERMINUS_OS_LIST_SESSION : 0) |
            (s.filter.uid != TERMINUS_UID_UNKNOWN ? TERMINUS_OS_LIST_UID : 0),
        name_add, &s);
    if (rc != TERMINUS_OK) {
        free(s.v);
        tm_snap_free(&snap);
        return os_failed(fn, mark, rc, &ctx->os, "process_list");
    }
    if (tree && snap.n > 1)
        qsort(snap.v, snap.n, sizeof *snap.v, cmp_snap);
    n = name_keep(&s, &ctx->os, tree);
    if (n == 0) {
        rc = tm_fail(TERMINUS_E_NOT_FOUND, "%s: no process is named \"%s\"%s", fn, image,
                     filter != NULL && (s.filter.session != TERMINUS_SESSION_NONE ||
                                        s.filter.uid != TERMINUS_UID_UNKNOWN)
                         ? " in the session or for the user asked for"
                         : "");
    } else {
        out_pids = malloc(n * sizeof *out_pids);
        out_res = malloc(n * sizeof *out_res);
        want = malloc(n * sizeof *want);
        if (out_pids == NULL || out_res == NULL || want == NULL)
            rc = tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory for %lu matches", fn,
                         (unsigned long)n);
    }
    if (rc != TERMINUS_OK) {
        free(s.v);
        free(out_pids);
        free(out_res);
        free(want);
        tm_snap_free(&snap);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        out_pids[i] = s.v[i].pid;
        want[i].start = s.v[i].start;
        want[i].unique = 0; /* a listing has none */
    }
    free(s.v);
    rc =
        tm_terminate_run(fn, ctx, out_pids, n, &o, out_res, want, TERMINUS_OK, tree ? &snap : NULL);
    free(want);
    *count = n;
    if (pids != NULL)
        *pids = out_pids;
    else
        free(out_pids);
    if (results != NULL)
        *results = out_res;
    else
        free(out_res);
    return rc;
}

void terminus_name_results_free(void *array)
{
    free(array);
}
