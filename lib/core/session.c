/*
 * lib/core/session.c: servers and sessions. Resolving a spec the way the
 * `logoff` command reads its argument, the refusal of session 0 and the
 * bounded wait live here; the backend only lists, logs off and waits.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct terminus_server {
    terminus_ctx *ctx;
    terminus_os_server *os_server;
};

int terminus_server_open(terminus_ctx *ctx, const char *name, terminus_server **out)
{
    static const char fn[] = "terminus_server_open";
    terminus_server *s;
    unsigned mark;
    int rc;

    if (out != NULL)
        *out = NULL;
    rc = tm_ctx_get(&ctx, fn);
    if (rc != TERMINUS_OK)
        return rc;
    if (out == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: out is NULL", fn);
    if (name != NULL && name[0] == '\0')
        name = NULL;
    if (name != NULL) {
        rc = tm_check_string(fn, "name", name, 255, 0);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (!TM_HAS(&ctx->os, server_open) || !TM_HAS(&ctx->os, server_close))
        return tm_unsupported(&ctx->os, fn, "server_open and server_close");
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", fn);
    s->ctx = ctx;
    mark = tm_error_mark();
    rc = ctx->os.server_open(ctx->os.data, name, &s->os_server);
    if (rc != TERMINUS_OK) {
        free(s);
        return tm_os_failed(mark, rc, &ctx->os, "server_open");
    }
    *out = s;
    return TERMINUS_OK;
}

void terminus_server_close(terminus_server *server)
{
    if (server == NULL)
        return;
    server->ctx->os.server_close(server->ctx->os.data, server->os_server);
    free(server);
}

typedef struct tm_list {
    terminus_session_info *items;
    size_t count, cap;
} tm_list;

static int collect(void *arg, const terminus_session_info *info)
{
    tm_list *l = arg;

    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        terminus_session_info *items = realloc(l->items, cap * sizeof *items);
        if (items == NULL)
            return tm_fail(TERMINUS_E_NO_MEMORY, "terminus_session_list: out of memory");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count] = *info;
    /* A backend's strings are always terminated here, whatever it wrote. */
    l->items[l->count].name[sizeof info->name - 1] = '\0';
    l->items[l->count].user[sizeof info->user - 1] = '\0';
    l->count++;
    return TERMINUS_OK;
}

static int list(terminus_server *server, const char *fn, tm_list *l)
{
    const terminus_os *os = &server->ctx->os;
    unsigned mark;
    int rc;

    memset(l, 0, sizeof *l);
    if (!TM_HAS(os, session_list))
        return tm_unsupported(os, fn, "session_list");
    mark = tm_error_mark();
    rc = os->session_list(os->data, server->os_server, collect, l);
    if (rc != TERMINUS_OK) {
        free(l->items);
        memset(l, 0, sizeof *l);
        return tm_os_failed(mark, rc, os, "session_list");
    }
    return TERMINUS_OK;
}

int terminus_session_list(terminus_server *server, terminus_session_info **out, size_t *count)
{
    static const char fn[] = "terminus_session_list";
    tm_list l;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (out == NULL || count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, out == NULL ? "out" : "count");
    rc = list(server, fn, &l);
    if (rc != TERMINUS_OK)
        return rc;
    if (l.count == 0) {
        free(l.items);
        l.items = NULL;
    }
    *out = l.items;
    *count = l.count;
    return TERMINUS_OK;
}

void terminus_session_list_free(terminus_session_info *list)
{
    free(list);
}

static int current(terminus_server *server, const char *fn, uint32_t *id)
{
    const terminus_os *os = &server->ctx->os;
    unsigned mark;
    int rc;

    if (!TM_HAS(os, session_current))
        return tm_unsupported(os, fn, "session_current");
    mark = tm_error_mark();
    rc = os->session_current(os->data, server->os_server, id);
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, os, "session_current");
    return TERMINUS_OK;
}

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || x == 0)
            return x - y;
    }
}

/* "12" => 12. Returns 1 for digits only, 0 for a name; E_INVALID if it does not fit. */
static int parse_id(const char *fn, const char *spec, uint32_t *id)
{
    uint64_t v = 0;

    for (const char *p = spec; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
    }
    for (const char *p = spec; *p; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v >= TERMINUS_SESSION_CURRENT)
            return tm_fail(TERMINUS_E_INVALID, "%s: session id \"%s\" is out of range (below %lu)", fn,
                           spec, (unsigned long)TERMINUS_SESSION_CURRENT);
    }
    *id = (uint32_t)v;
    return 1;
}

int terminus_session_resolve(terminus_server *server, const char *spec, uint32_t *id)
{
    static const char fn[] = "terminus_session_resolve";
    uint32_t want = 0;
    int numeric, rc;
    tm_list l;

    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (id == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: id is NULL", fn);
    if (spec == NULL)
        return current(server, fn, id);
    rc = tm_check_string(fn, "spec", spec, sizeof ((terminus_session_info *)0)->name - 1, 1);
    if (rc != TERMINUS_OK)
        return rc;
    numeric = parse_id(fn, spec, &want);
    if (numeric < 0)
        return numeric;
    rc = list(server, fn, &l);
    if (rc != TERMINUS_OK)
        return rc;
    rc = TERMINUS_E_NOT_FOUND;
    for (size_t i = 0; i < l.count; i++) {
        if (numeric ? l.items[i].id == want : ascii_casecmp(l.items[i].name, spec) == 0) {
            *id = l.items[i].id;
            rc = TERMINUS_OK;
            break;
        }
    }
    free(l.items);
    if (rc != TERMINUS_OK)
        return tm_fail(rc, "%s: no session has the %s \"%s\"", fn, numeric ? "id" : "name", spec);
    return TERMINUS_OK;
}

int terminus_session_logoff(terminus_server *server, uint32_t id, uint32_t flags, uint32_t timeout_ms)
{
    static const char fn[] = "terminus_session_logoff";
    const terminus_os *os;
    unsigned mark;
    int rc;

    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (flags & ~TERMINUS_SESSION_WAIT)
        return tm_fail(TERMINUS_E_INVALID, "%s: flags has unknown bits 0x%x", fn,
                       (unsigned)(flags & ~TERMINUS_SESSION_WAIT));
    os = &server->ctx->os;
    if (!TM_HAS(os, session_logoff))
        return tm_unsupported(os, fn, "session_logoff");
    if ((flags & TERMINUS_SESSION_WAIT) && !TM_HAS(os, session_wait_gone))
        return tm_unsupported(os, fn, "session_wait_gone");
    if (id == TERMINUS_SESSION_CURRENT) {
        rc = current(server, fn, &id);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (id == 0)
        return tm_fail(TERMINUS_E_REFUSED, "%s: session 0 is the services' session and is never logged off",
                       fn);
    mark = tm_error_mark();
    rc = os->session_logoff(os->data, server->os_server, id);
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, os, "session_logoff");
    if (!(flags & TERMINUS_SESSION_WAIT))
        return TERMINUS_OK;
    mark = tm_error_mark();
    rc = os->session_wait_gone(os->data, server->os_server, id, timeout_ms);
    if (rc == TERMINUS_E_TIMEOUT)
        return tm_fail(rc, "%s: session %lu is still there %lu ms after the logoff", fn,
                       (unsigned long)id, (unsigned long)timeout_ms);
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, os, "session_wait_gone");
    return TERMINUS_OK;
}
