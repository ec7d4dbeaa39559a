/*
 * lib/core/session.c: servers and sessions. Resolving a spec the way the
 * `logoff` command reads its argument, the refusal of session 0 and of the
 * states no user's session is in (listener, down, init) and the bounded wait
 * live here; the backend only lists, logs off and waits. What an
 * administrator acts on (details, selection, warnings, blockers) is in
 * admin.c and duration.c (lib/core/server.h).
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/*
 * A server name is `[user@]host[:port]`, the host a name or an address, an
 * IPv6 address in brackets (`[::1]:2222`). Only the shape is checked here,
 * the same on every backend: whether such a host exists is the backend's to
 * find out. Returns OK or E_INVALID saying what is wrong.
 */
static int server_name_check(const char *fn, const char *name)
{
    const char *at = strchr(name, '@');
    const char *host = at != NULL ? at + 1 : name;
    const char *port = NULL;
    const char *end;

    if (at != NULL && at == name)
        return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": no user before '@'", fn, name);
    if (at != NULL && strchr(host, '@') != NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": more than one '@'", fn, name);
    if (at != NULL && (strpbrk(name, ":[]/") != NULL && strpbrk(name, ":[]/") < at))
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: server name \"%s\": the user has a ':', '[', ']' or '/'", fn, name);
    if (host[0] == '\0')
        return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": no host%s", fn, name,
                       at != NULL ? " after '@'" : "");
    if (host[0] == '[') {
        end = strchr(host, ']');
        if (end == NULL)
            return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": '[' without ']'", fn, name);
        if (end == host + 1)
            return tm_fail(TERMINUS_E_INVALID,
                           "%s: server name \"%s\": nothing between '[' and ']'", fn, name);
        for (const char *p = host + 1; p < end; p++) {
            if (strchr("0123456789abcdefABCDEF:.", *p) == NULL)
                return tm_fail(TERMINUS_E_INVALID,
                               "%s: server name \"%s\": '%c' in an IPv6 address", fn, name, *p);
        }
        if (end[1] != '\0' && end[1] != ':')
            return tm_fail(TERMINUS_E_INVALID,
                           "%s: server name \"%s\": text after ']' is not ':port'", fn, name);
        if (end[1] == ':')
            port = end + 2;
    } else {
        const char *colon = strchr(host, ':');

        if (strpbrk(host, "[]/") != NULL)
            return tm_fail(TERMINUS_E_INVALID,
                           "%s: server name \"%s\": '[', ']' or '/' in the host name", fn, name);
        if (colon == host)
            return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": no host before ':'", fn,
                           name);
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            return tm_fail(TERMINUS_E_INVALID,
                           "%s: server name \"%s\": more than one ':' (write an IPv6 address as "
                           "[address]:port)",
                           fn, name);
        if (colon != NULL)
            port = colon + 1;
    }
    if (port != NULL) {
        unsigned long v = 0;

        if (port[0] == '\0')
            return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": no port after ':'", fn,
                           name);
        for (const char *p = port; *p != '\0'; p++) {
            if (*p < '0' || *p > '9')
                return tm_fail(TERMINUS_E_INVALID,
                               "%s: server name \"%s\": port \"%s\" is not a number", fn, name,
                               port);
            v = v * 10 + (unsigned long)(*p - '0');
            if (v > 65535)
                break;
        }
        if (v == 0 || v > 65535)
            return tm_fail(TERMINUS_E_INVALID, "%s: server name \"%s\": port %s is not in 1..65535",
                           fn, name, port);
    }
    return TERMINUS_OK;
}

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
        if (rc == TERMINUS_OK)
            rc = server_name_check(fn, name);
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

    if (l->count == l->cap && !TM_GROW(l->items, l->cap, 16))
        return tm_fail(TERMINUS_E_NO_MEMORY, "terminus_session_list: out of memory");
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
    *out = tm_handout(l.items, l.count);
    *count = l.count;
    return TERMINUS_OK;
}

void terminus_session_list_free(terminus_session_info *list)
{
    free(list);
}

int tm_session_current(terminus_server *server, const char *fn, uint32_t *id)
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

int tm_ascii_casecmp(const char *a, const char *b)
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

/*
 * How a spec is read (the same on every backend):
 * - digits only, without a leading zero ("12", "0"), is a candidate id; out
 *   of range (4294967295 and up, whatever its zeros) is E_INVALID;
 * - a candidate id names the session with that id if there is one, else the
 *   session with that name ("2147483648" can be a logind session's name);
 * - anything else ("Console", "c2", "01") is a name, matched without regard to
 *   ASCII case;
 * - a spec that is the id of one session and the name of another, or the id
 *   of two sessions (a backend's derived ids collided), is E_INVALID: the
 *   caller must say which it means;
 * - a name of the full 63 bytes may have been cut from a longer one, so a
 *   match on it is refused (E_INVALID): name that session by its id.
 * Returns 1 for a candidate id (in *id), 0 for a name only, E_INVALID.
 */
static int parse_id(const char *fn, const char *spec, uint32_t *id)
{
    uint64_t v = 0;

    for (const char *p = spec; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
    }
    for (const char *p = spec; *p != '\0'; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v >= TERMINUS_SESSION_CURRENT)
            return tm_fail(TERMINUS_E_INVALID, "%s: session id \"%s\" is out of range (below %lu)",
                           fn, spec, (unsigned long)TERMINUS_SESSION_CURRENT);
    }
    if (spec[0] == '0' && spec[1] != '\0')
        return 0; /* "01" is not how an id is written: a name */
    *id = (uint32_t)v;
    return 1;
}

/* The index of the session that spec names in l, or -1 with a record. */
static long find(const char *fn, const tm_list *l, const char *spec, int numeric, uint32_t want)
{
    const size_t full = sizeof((terminus_session_info *)0)->name - 1;
    long by_id = -1, by_name = -1;

    for (size_t i = 0; i < l->count; i++) {
        if (numeric && l->items[i].id == want) {
            if (by_id >= 0)
                return tm_fail(TERMINUS_E_INVALID,
                               "%s: sessions \"%s\" and \"%s\" have the same id %lu: name the "
                               "session instead",
                               fn, l->items[by_id].name, l->items[i].name, (unsigned long)want),
                       -1;
            by_id = (long)i;
        }
        if (tm_ascii_casecmp(l->items[i].name, spec) == 0 && by_name < 0)
            by_name = (long)i;
    }
    if (by_id >= 0 && by_name >= 0 && by_id != by_name)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: \"%s\" is the id of session \"%s\" and the name of session %lu", fn,
                       spec, l->items[by_id].name, (unsigned long)l->items[by_name].id),
               -1;
    if (by_id >= 0)
        return by_id;
    if (by_name >= 0 && strlen(l->items[by_name].name) >= full)
        return tm_fail(
                   TERMINUS_E_INVALID,
                   "%s: session %lu's name is %lu bytes, the most a name can hold, and may have "
                   "been cut from a longer one: name it by its id",
                   fn, (unsigned long)l->items[by_name].id, (unsigned long)full),
               -1;
    if (by_name < 0)
        return tm_fail(TERMINUS_E_NOT_FOUND, "%s: no session has the %s \"%s\"", fn,
                       numeric ? "id or name" : "name", spec),
               -1;
    return by_name;
}

int terminus_session_resolve(terminus_server *server, const char *spec, uint32_t *id)
{
    static const char fn[] = "terminus_session_resolve";
    uint32_t want = 0;
    int numeric, rc;
    long at;
    tm_list l;

    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (id == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: id is NULL", fn);
    if (spec == NULL)
        return tm_session_current(server, fn, id);
    rc = tm_check_string(fn, "spec", spec, sizeof((terminus_session_info *)0)->name - 1, 1);
    if (rc != TERMINUS_OK)
        return rc;
    numeric = parse_id(fn, spec, &want);
    if (numeric < 0)
        return numeric;
    rc = list(server, fn, &l);
    if (rc != TERMINUS_OK)
        return rc;
    at = find(fn, &l, spec, numeric, want);
    if (at >= 0)
        *id = l.items[at].id;
    free(l.items);
    return at >= 0 ? TERMINUS_OK : terminus_error_last()->code;
}

/*
 * Why a session in `state` is never logged off (its description for the
 * message), or NULL when it may be: a listener, a session that is down and
 * one being initialized are no user's session (include/terminus/session.h).
 */
const char *tm_session_never(int32_t state)
{
    switch (state) {
    case TERMINUS_SESSION_LISTEN:
        return "a listener (state LISTEN, like the RDP listener)";
    case TERMINUS_SESSION_DOWN:
        return "down (state DOWN)";
    case TERMINUS_SESSION_INIT:
        return "being initialized (state INIT)";
    default:
        return NULL;
    }
}

/*
 * Before a logoff: look session `id` up in one listing and refuse it if it is
 * in a state that is never logged off. Every entry with that id counts (a
 * backend's derived ids may collide: then the backend refuses the id
 * itself). Missing from the list: OK, the backend answers for it. A failed
 * listing is returned, so that nothing is logged off on a check that could
 * not be made; but a backend that cannot list at all (no session_list, or
 * E_UNSUPPORTED from it, as Wine's stub gives) has no states to check, and
 * the logoff goes on.
 */
static int check_state(terminus_server *server, const char *fn, uint32_t id)
{
    const char *why = NULL;
    const char *name = "";
    tm_list l;
    int rc;

    if (!TM_HAS(&server->ctx->os, session_list))
        return TERMINUS_OK;
    rc = list(server, fn, &l);
    if (rc == TERMINUS_E_UNSUPPORTED)
        return TERMINUS_OK;
    if (rc != TERMINUS_OK)
        return rc;
    for (size_t i = 0; i < l.count && why == NULL; i++) {
        if (l.items[i].id == id) {
            why = tm_session_never(l.items[i].state);
            name = l.items[i].name;
        }
    }
    if (why != NULL)
        rc = tm_fail(TERMINUS_E_REFUSED, "%s: session %lu%s%s%s is %s: it is never logged off", fn,
                     (unsigned long)id, name[0] != '\0' ? " (" : "", name,
                     name[0] != '\0' ? ")" : "", why);
    free(l.items);
    return rc;
}

int terminus_session_logoff(terminus_server *server, uint32_t id, uint32_t flags,
                            uint32_t timeout_ms)
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
        rc = tm_session_current(server, fn, &id);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (id == 0)
        return tm_fail(TERMINUS_E_REFUSED,
                       "%s: session 0 is the services' session and is never logged off", fn);
    rc = check_state(server, fn, id);
    if (rc != TERMINUS_OK)
        return rc;
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
