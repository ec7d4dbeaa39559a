/*
 * lib/core/admin.c: sessions an administrator acts on (include/terminus/session.h):
 * details, a message to a session's user, the selection and logoff of every
 * session that matches, and what blocks a logoff. The policy lives here:
 * which sessions a filter may pick (never session 0, a listener, a session
 * down or starting, one with no user, a login screen), the checks of every
 * argument before any OS call, the order (the caller's own session last),
 * the countdown and the check after it that an id still names the session
 * that was warned. The backend lists, sends and logs off (terminus/sys/os.h).
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ------------------------------------------------------------------------ */
/* Details                                                                  */

typedef struct tm_dlist {
    terminus_session_details *items;
    size_t count, cap;
    const char *fn;
} tm_dlist;

static int dlist_add(tm_dlist *l, const terminus_session_details *d)
{
    terminus_session_details *x;

    if (l->count == l->cap && !TM_GROW(l->items, l->cap, 16))
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", l->fn);
    x = &l->items[l->count++];
    *x = *d;
    /* A backend's strings are always terminated here, whatever it wrote. */
    x->name[sizeof x->name - 1] = '\0';
    x->user[sizeof x->user - 1] = '\0';
    x->client[sizeof x->client - 1] = '\0';
    x->address[sizeof x->address - 1] = '\0';
    x->seat[sizeof x->seat - 1] = '\0';
    x->tty[sizeof x->tty - 1] = '\0';
    return TERMINUS_OK;
}

static int collect_details(void *arg, const terminus_session_details *d)
{
    return dlist_add(arg, d);
}

/* A backend without details: what session_list gives, the rest unknown. */
static int collect_info(void *arg, const terminus_session_info *info)
{
    terminus_session_details d;

    memset(&d, 0, sizeof d);
    d.id = info->id;
    d.state = info->state;
    memcpy(d.name, info->name, sizeof d.name);
    memcpy(d.user, info->user, sizeof d.user);
    d.remote = -1;
    d.idle_hint = -1;
    return dlist_add(arg, &d);
}

/* One listing with details (or without, see collect_info). */
static int details(terminus_server *server, const char *fn, tm_dlist *l)
{
    const terminus_os *os = &server->ctx->os;
    unsigned mark;
    int rc;

    memset(l, 0, sizeof *l);
    l->fn = fn;
    mark = tm_error_mark();
    if (TM_HAS(os, session_details)) {
        rc = os->session_details(os->data, server->os_server, collect_details, l);
        if (rc != TERMINUS_OK)
            rc = tm_os_failed(mark, rc, os, "session_details");
    } else if (TM_HAS(os, session_list)) {
        rc = os->session_list(os->data, server->os_server, collect_info, l);
        if (rc != TERMINUS_OK)
            rc = tm_os_failed(mark, rc, os, "session_list");
    } else {
        rc = tm_unsupported(os, fn, "session_details or session_list");
    }
    if (rc != TERMINUS_OK) {
        free(l->items);
        memset(l, 0, sizeof *l);
    }
    return rc;
}

int terminus_session_details_list(terminus_server *server, terminus_session_details **out,
                                  size_t *count)
{
    static const char fn[] = "terminus_session_details_list";
    tm_dlist l;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (out == NULL || count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, out == NULL ? "out" : "count");
    rc = details(server, fn, &l);
    if (rc != TERMINUS_OK)
        return rc;
    *out = tm_handout(l.items, l.count);
    *count = l.count;
    return TERMINUS_OK;
}

void terminus_session_details_free(terminus_session_details *list)
{
    free(list);
}

/* ------------------------------------------------------------------------ */
/* A message to a session's user                                            */

#define TM_MESSAGE_MAX 1023
#define TM_TITLE_MAX   255

/* The text of a message: 1..TM_MESSAGE_MAX bytes of UTF-8; "\n" and "\t"
 * the only control characters. */
static int check_text(const char *fn, const char *what, const char *s)
{
    size_t len;

    if (s == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, what);
    for (len = 0; len <= TM_MESSAGE_MAX && s[len] != '\0'; len++) {
        unsigned char c = (unsigned char)s[len];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            return tm_fail(TERMINUS_E_INVALID,
                           "%s: %s has a control character (0x%02X) at byte %u (only line breaks "
                           "and tabs may be in it)",
                           fn, what, (unsigned)c, (unsigned)len);
    }
    if (len == 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is empty", fn, what);
    if (len > TM_MESSAGE_MAX)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is longer than %u bytes", fn, what,
                       (unsigned)TM_MESSAGE_MAX);
    if (!tm_utf8_valid(s, len))
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is not valid UTF-8", fn, what);
    return TERMINUS_OK;
}

static int check_title(const char *fn, const char *what, const char *title)
{
    return title == NULL ? TERMINUS_OK : tm_check_string(fn, what, title, TM_TITLE_MAX, 1);
}

/* Whole seconds for a message box, rounded up. */
static uint32_t seconds_of(uint32_t ms)
{
    return ms / 1000u + (ms % 1000u != 0);
}

/* session_message, recorded for `fn` on failure. */
static int send_message(terminus_server *server, uint32_t id, const char *title, const char *text,
                        uint32_t timeout_ms)
{
    const terminus_os *os = &server->ctx->os;
    unsigned mark = tm_error_mark();
    int rc = os->session_message(os->data, server->os_server, id,
                                 title != NULL ? title : "terminus", text, seconds_of(timeout_ms));
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, os, "session_message");
    return TERMINUS_OK;
}

int terminus_session_message(terminus_server *server, uint32_t id, const char *title,
                             const char *text, uint32_t timeout_ms)
{
    static const char fn[] = "terminus_session_message";
    const terminus_os *os;
    int rc;

    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if ((rc = check_title(fn, "title", title)) != TERMINUS_OK ||
        (rc = check_text(fn, "text", text)) != TERMINUS_OK)
        return rc;
    os = &server->ctx->os;
    if (!TM_HAS(os, session_message))
        return tm_unsupported(os, fn, "session_message");
    if (id == TERMINUS_SESSION_CURRENT) {
        rc = tm_session_current(server, fn, &id);
        if (rc != TERMINUS_OK)
            return rc;
    }
    return send_message(server, id, title, text, timeout_ms);
}

/* ------------------------------------------------------------------------ */
/* Selection                                                                */

/* The states a filter may name: every state a session can be in. */
#define TM_STATES_KNOWN                                                                            \
    (TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_ACTIVE) |                                         \
     TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_CONNECTED) |                                      \
     TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED) |                                   \
     TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_OTHER))
#define TM_STATES_NEVER                                                                            \
    (TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_LISTEN) |                                         \
     TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DOWN) |                                           \
     TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_INIT))

static int check_filter(const char *fn, const terminus_session_filter *f)
{
    const uint32_t known = TERMINUS_FILTER_IDLE | TERMINUS_FILTER_ID;

    if (f == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: filter is NULL", fn);
    if (f->version != TERMINUS_SESSION_FILTER_VERSION)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: filter->version %u is not one this library knows (%u)", fn,
                       (unsigned)f->version, (unsigned)TERMINUS_SESSION_FILTER_VERSION);
    if (f->flags & ~known)
        return tm_fail(TERMINUS_E_INVALID, "%s: filter->flags has unknown bits 0x%x", fn,
                       (unsigned)(f->flags & ~known));
    if (f->states & TM_STATES_NEVER)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: filter->states names LISTEN, DOWN or INIT: no session in those states "
                       "is ever logged off",
                       fn);
    if (f->states & ~TM_STATES_KNOWN)
        return tm_fail(TERMINUS_E_INVALID, "%s: filter->states has bits of no state: 0x%x", fn,
                       (unsigned)(f->states & ~TM_STATES_KNOWN));
    if (f->user != NULL) {
        int rc = tm_check_string(fn, "filter->user", f->user,
                                 sizeof((terminus_session_info *)0)->user - 1, 1);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (f->states == 0 && f->user == NULL && (f->flags & known) == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: the filter has no criterion (give states, an idle time, a user or an "
                       "id): it would select every session",
                       fn);
    return TERMINUS_OK;
}

static int check_options(const char *fn, const terminus_session_logoff_options *o)
{
    const uint32_t known =
        TERMINUS_SESSION_WAIT | TERMINUS_SESSION_DRY_RUN | TERMINUS_SESSION_WARNED_ONLY;
    int rc;

    if (o->version != TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->version %u is not one this library knows (%u)", fn,
                       (unsigned)o->version, (unsigned)TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION);
    if (o->flags & ~known)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->flags has unknown bits 0x%x", fn,
                       (unsigned)(o->flags & ~known));
    if (o->message == NULL && o->countdown_ms != 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: opts->countdown_ms is %lu but there is no message: a countdown "
                       "follows a warning",
                       fn, (unsigned long)o->countdown_ms);
    if (o->message == NULL && (o->flags & TERMINUS_SESSION_WARNED_ONLY))
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: TERMINUS_SESSION_WARNED_ONLY without a message: no session would be "
                       "warned",
                       fn);
    if (o->message == NULL && o->title != NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: opts->title without a message", fn);
    if (o->message != NULL && (rc = check_text(fn, "opts->message", o->message)) != TERMINUS_OK)
        return rc;
    return check_title(fn, "opts->title", o->title);
}

/* `want` names the session's user: the same name, or (without a domain) the
 * name after the session user's domain; ASCII case aside. */
static int user_matches(const char *user, const char *want)
{
    const char *bare = strrchr(user, '\\');

    if (user[0] == '\0')
        return 0;
    if (tm_ascii_casecmp(user, want) == 0)
        return 1;
    return bare != NULL && strchr(want, '\\') == NULL && tm_ascii_casecmp(bare + 1, want) == 0;
}

/* Why a session is never picked by state, idle time or user; NULL if it may be. */
static const char *never_picked(const terminus_session_details *d)
{
    if (d->id == 0)
        return "session 0, the services' session";
    if (tm_session_never(d->state) != NULL)
        return tm_session_never(d->state);
    if (d->user[0] == '\0')
        return "no user's session";
    if (d->session_class == TERMINUS_SESSION_CLASS_GREETER)
        return "a login screen";
    return NULL;
}

static int matches(const terminus_session_details *d, const terminus_session_filter *f)
{
    if (f->states != 0 &&
        (d->state < 0 || d->state > 31 || (f->states & TERMINUS_SESSION_STATE_BIT(d->state)) == 0))
        return 0;
    if (f->user != NULL && !user_matches(d->user, f->user))
        return 0;
    if (f->flags & TERMINUS_FILTER_IDLE) {
        int64_t idle = terminus_session_idle_ms(d);
        if (idle < 0 || (uint64_t)idle < f->idle_ms)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Logoff of every session that matches                                     */

typedef struct tm_sel {
    terminus_server *server;
    const terminus_os *os;
    const char *fn;
    terminus_session_outcome *o; /* one per matched session, in listing order */
    size_t n;
    size_t *order;    /* the order they are acted on: the caller's own session last */
    int *pending;     /* still to be logged off */
    int64_t *os_code; /* the native code of each failure, for the call's record */
} tm_sel;

/* Settle outcome i with the thread's record (a failure just recorded). */
static void settle_failed(tm_sel *s, size_t i, int rc)
{
    const terminus_error *e = terminus_error_last();
    terminus_session_outcome *o = &s->o[i];

    o->status = rc;
    strncpy(o->message, e->code == rc ? e->message : terminus_strerror(rc), sizeof o->message - 1);
    o->message[sizeof o->message - 1] = '\0';
    s->os_code[i] = e->code == rc ? e->os_code : 0;
    s->pending[i] = 0;
}

static void settle_warn(tm_sel *s, size_t i, int rc)
{
    const terminus_error *e = terminus_error_last();
    terminus_session_outcome *o = &s->o[i];

    o->warn_status = rc;
    strncpy(o->warn_message, e->code == rc ? e->message : terminus_strerror(rc),
            sizeof o->warn_message - 1);
    o->warn_message[sizeof o->warn_message - 1] = '\0';
}

static uint64_t now_us(const terminus_os *os)
{
    return TM_HAS(os, clock_us) ? os->clock_us(os->data) : 0;
}

/* The milliseconds left until `deadline` (0 once it has passed). */
static uint32_t left_ms(const terminus_os *os, uint64_t deadline)
{
    uint64_t now = now_us(os), ms;

    if (now >= deadline)
        return 0;
    ms = (deadline - now + 999u) / 1000u;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static uint64_t deadline_after(const terminus_os *os, uint32_t ms)
{
    uint64_t now = now_us(os), add = (uint64_t)ms * 1000u;

    return add > UINT64_MAX - now ? UINT64_MAX : now + add;
}

/* The warnings, and the countdown after them. */
static void warn_all(tm_sel *s, const terminus_session_logoff_options *o)
{
    uint64_t deadline;
    size_t k;

    for (k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        int rc;

        if (!s->pending[i])
            continue;
        rc = send_message(s->server, s->o[i].session.id, o->title, o->message, o->countdown_ms);
        if (rc == TERMINUS_OK) {
            s->o[i].warned = 1;
            continue;
        }
        settle_warn(s, i, rc);
        if (o->flags & TERMINUS_SESSION_WARNED_ONLY)
            settle_failed(s, i, rc);
    }
    if (o->countdown_ms == 0)
        return;
    /* One countdown for all, slept on the OS: the wait for each session to
     * end, which returns early for a session its user logs off. */
    deadline = deadline_after(s->os, o->countdown_ms);
    for (k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        unsigned mark;

        if (!s->pending[i])
            continue;
        mark = tm_error_mark();
        if (s->os->session_wait_gone(s->os->data, s->server->os_server, s->o[i].session.id,
                                     left_ms(s->os, deadline)) == TERMINUS_OK) {
            s->o[i].ended_early = 1;
            s->pending[i] = 0;
        }
        (void)mark; /* a wait that fails is no verdict: the logoff tells */
    }
    /* If every session ended early, the rest of the countdown is not waited:
     * nobody is left to log off. Otherwise the waits above took it all. */
}

/* After a countdown: the ids must still name the sessions that were warned
 * (Windows reuses ids). A session no longer listed ended by itself. */
static void recheck(tm_sel *s)
{
    tm_dlist l;
    size_t i, j;
    int rc;

    for (i = 0; i < s->n && !s->pending[i]; i++)
        ;
    if (i == s->n)
        return; /* every one ended, or failed: nothing to check */
    rc = details(s->server, s->fn, &l);

    for (i = 0; i < s->n; i++) {
        const terminus_session_details *was = &s->o[i].session, *now = NULL;

        if (!s->pending[i])
            continue;
        if (rc != TERMINUS_OK) {
            settle_failed(s, i, rc);
            continue;
        }
        for (j = 0; j < l.count && now == NULL; j++)
            if (l.items[j].id == was->id)
                now = &l.items[j];
        if (now == NULL) {
            s->o[i].ended_early = 1;
            s->pending[i] = 0;
        } else if (tm_ascii_casecmp(now->user, was->user) != 0 ||
                   (was->logon_us != 0 && now->logon_us != 0 && now->logon_us != was->logon_us)) {
            settle_failed(
                s, i,
                tm_fail(TERMINUS_E_NOT_FOUND,
                        "%s: session %lu (user \"%s\") ended during the countdown and its id now "
                        "names another session (user \"%s\"): left alone",
                        s->fn, (unsigned long)was->id, was->user, now->user));
        }
    }
    free(l.items);
}

static void logoff_all(tm_sel *s, const terminus_session_logoff_options *o)
{
    uint64_t deadline;
    size_t k;

    for (k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        unsigned mark;
        int rc;

        if (!s->pending[i])
            continue;
        mark = tm_error_mark();
        rc = s->os->session_logoff(s->os->data, s->server->os_server, s->o[i].session.id);
        if (rc != TERMINUS_OK)
            settle_failed(s, i, tm_os_failed(mark, rc, s->os, "session_logoff"));
    }
    if (!(o->flags & TERMINUS_SESSION_WAIT))
        return;
    deadline = deadline_after(s->os, o->timeout_ms);
    for (k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        unsigned mark;
        int rc;

        if (!s->pending[i])
            continue;
        mark = tm_error_mark();
        rc = s->os->session_wait_gone(s->os->data, s->server->os_server, s->o[i].session.id,
                                      left_ms(s->os, deadline));
        if (rc == TERMINUS_E_TIMEOUT)
            settle_failed(s, i,
                          tm_fail(rc, "%s: session %lu is still there %lu ms after the logoff",
                                  s->fn, (unsigned long)s->o[i].session.id,
                                  (unsigned long)o->timeout_ms));
        else if (rc != TERMINUS_OK)
            settle_failed(s, i, tm_os_failed(mark, rc, s->os, "session_wait_gone"));
    }
}

/* What the session's table must have for the options; E_UNSUPPORTED if not. */
static int check_table(const char *fn, const terminus_os *os, const terminus_session_filter *f,
                       const terminus_session_logoff_options *o)
{
    if ((f->flags & TERMINUS_FILTER_IDLE) && !TM_HAS(os, session_details))
        return tm_fail(TERMINUS_E_UNSUPPORTED,
                       "%s: not supported: the %s OS backend has no session_details, so no idle "
                       "time is known",
                       fn, os->name ? os->name : "unnamed");
    if (o->flags & TERMINUS_SESSION_DRY_RUN)
        return TERMINUS_OK;
    if (!TM_HAS(os, session_logoff))
        return tm_unsupported(os, fn, "session_logoff");
    if (o->message != NULL && !TM_HAS(os, session_message))
        return tm_unsupported(os, fn, "session_message");
    if (((o->flags & TERMINUS_SESSION_WAIT) || (o->message != NULL && o->countdown_ms != 0)) &&
        !TM_HAS(os, session_wait_gone))
        return tm_unsupported(os, fn, "session_wait_gone");
    return TERMINUS_OK;
}

int terminus_session_logoff_matching(terminus_server *server, const terminus_session_filter *filter,
                                     const terminus_session_logoff_options *opts,
                                     terminus_session_outcome **out, size_t *count)
{
    static const char fn[] = "terminus_session_logoff_matching";
    const terminus_session_logoff_options defaults = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    uint32_t want = 0, own = TERMINUS_SESSION_CURRENT;
    tm_sel s;
    tm_dlist l;
    size_t i, k, first = (size_t)-1;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (out != NULL && count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: count is NULL (it must be given with out)", fn);
    if ((rc = check_filter(fn, filter)) != TERMINUS_OK)
        return rc;
    if (opts == NULL)
        opts = &defaults;
    if ((rc = check_options(fn, opts)) != TERMINUS_OK)
        return rc;
    memset(&s, 0, sizeof s);
    s.server = server;
    s.os = &server->ctx->os;
    s.fn = fn;
    if ((rc = check_table(fn, s.os, filter, opts)) != TERMINUS_OK)
        return rc;

    if ((filter->flags & TERMINUS_FILTER_ID) && (want = filter->id) == TERMINUS_SESSION_CURRENT) {
        rc = tm_session_current(server, fn, &want);
        if (rc != TERMINUS_OK)
            return rc;
        own = want;
    }
    rc = details(server, fn, &l);
    if (rc != TERMINUS_OK)
        return rc;

    /* Pick, in the listing's order. */
    for (i = 0; i < l.count; i++) {
        const terminus_session_details *d = &l.items[i];
        int pick = (filter->flags & TERMINUS_FILTER_ID) ? d->id == want : never_picked(d) == NULL;
        if (pick && matches(d, filter))
            l.items[s.n++] = *d; /* s.n <= i: compacted in place */
    }
    if (s.n == 0) {
        free(l.items);
        if (filter->flags & TERMINUS_FILTER_ID)
            return tm_fail(TERMINUS_E_NOT_FOUND,
                           "%s: no session matched: session %lu is not "
                           "there, or does not meet the other criteria",
                           fn, (unsigned long)want);
        return tm_fail(TERMINUS_E_NOT_FOUND, "%s: no session matched (%lu listed)", fn,
                       (unsigned long)l.count);
    }
    s.o = calloc(s.n, sizeof *s.o);
    s.order = calloc(s.n, sizeof *s.order);
    s.pending = calloc(s.n, sizeof *s.pending);
    s.os_code = calloc(s.n, sizeof *s.os_code);
    if (s.o == NULL || s.order == NULL || s.pending == NULL || s.os_code == NULL) {
        free(s.o);
        free(s.order);
        free(s.pending);
        free(s.os_code);
        free(l.items);
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", fn);
    }
    for (i = 0; i < s.n; i++) {
        s.o[i].session = l.items[i];
        s.pending[i] = 1;
    }
    free(l.items);

    /* A session named by id may still be one never logged off. */
    for (i = 0; i < s.n; i++) {
        const terminus_session_details *d = &s.o[i].session;
        if (d->id == 0)
            settle_failed(&s, i,
                          tm_fail(TERMINUS_E_REFUSED,
                                  "%s: session 0 is the services' session and is never logged off",
                                  fn));
        else if (tm_session_never(d->state) != NULL)
            settle_failed(&s, i,
                          tm_fail(TERMINUS_E_REFUSED,
                                  "%s: session %lu (%s) is %s: it is never logged off", fn,
                                  (unsigned long)d->id, d->name, tm_session_never(d->state)));
    }

    /* The caller's own session last: its logoff may end the caller. */
    if (own == TERMINUS_SESSION_CURRENT && !(opts->flags & TERMINUS_SESSION_DRY_RUN) &&
        TM_HAS(s.os, session_current) &&
        s.os->session_current(s.os->data, server->os_server, &own) != TERMINUS_OK)
        own = TERMINUS_SESSION_CURRENT; /* none, or remote: no order to keep */
    k = 0;
    for (i = 0; i < s.n; i++)
        if (s.o[i].session.id != own)
            s.order[k++] = i;
    for (i = 0; i < s.n; i++)
        if (s.o[i].session.id == own)
            s.order[k++] = i;

    if (!(opts->flags & TERMINUS_SESSION_DRY_RUN)) {
        if (opts->message != NULL) {
            warn_all(&s, opts);
            if (opts->countdown_ms != 0)
                recheck(&s);
        }
        logoff_all(&s, opts);
    }

    for (i = 0; i < s.n && first == (size_t)-1; i++)
        if (s.o[i].status != TERMINUS_OK)
            first = i;
    rc = TERMINUS_OK;
    if (first != (size_t)-1) /* the record of that failure, its native code kept */
        rc = terminus_os_error(s.o[first].status, s.os_code[first], "%s", s.o[first].message);
    free(s.order);
    free(s.pending);
    free(s.os_code);
    if (out != NULL) {
        *out = s.o;
        *count = s.n;
    } else {
        free(s.o);
    }
    return rc;
}

void terminus_session_outcomes_free(terminus_session_outcome *list)
{
    free(list);
}

/* ------------------------------------------------------------------------ */
/* Blockers                                                                 */

typedef struct tm_blist {
    terminus_blocker *items;
    size_t count, cap;
} tm_blist;

static int collect_blocker(void *arg, const terminus_blocker *b)
{
    tm_blist *l = arg;
    terminus_blocker *x;

    if (l->count == l->cap && !TM_GROW(l->items, l->cap, 8))
        return tm_fail(TERMINUS_E_NO_MEMORY, "terminus_session_blockers: out of memory");
    x = &l->items[l->count++];
    *x = *b;
    x->what[sizeof x->what - 1] = '\0';
    x->who[sizeof x->who - 1] = '\0';
    x->why[sizeof x->why - 1] = '\0';
    x->mode[sizeof x->mode - 1] = '\0';
    return TERMINUS_OK;
}

int terminus_session_blockers(terminus_server *server, uint32_t id, terminus_blocker **out,
                              size_t *count)
{
    static const char fn[] = "terminus_session_blockers";
    const terminus_os *os;
    tm_blist l;
    unsigned mark;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (server == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: server is NULL", fn);
    if (out == NULL || count == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, out == NULL ? "out" : "count");
    os = &server->ctx->os;
    if (!TM_HAS(os, session_blockers))
        return tm_unsupported(os, fn, "session_blockers");
    memset(&l, 0, sizeof l);
    mark = tm_error_mark();
    rc = os->session_blockers(os->data, server->os_server, id, collect_blocker, &l);
    if (rc != TERMINUS_OK) {
        free(l.items);
        return tm_os_failed(mark, rc, os, "session_blockers");
    }
    *out = tm_handout(l.items, l.count);
    *count = l.count;
    return TERMINUS_OK;
}

void terminus_blockers_free(terminus_blocker *list)
{
    free(list);
}
