/*
 * lib/os/linux/logind.c: logoff, servers and sessions of the Linux backend:
 * systemd-logind's sessions, over sd-bus: the local system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured) or a remote one through ssh
 * (sd_bus_open_system_remote, as `loginctl -H`). logind has no FORCE
 * distinction: every logoff flag gives the same TerminateSession.
 *
 * libsystemd is not linked: tm_sdbus_load() (sdbus.h) loads it at the first
 * server_open or logoff, and every sd-bus call goes through the table it
 * gives, kept in the server (s->sd). Without libsystemd.so.0 those two
 * answer TERMINUS_E_UNSUPPORTED, naming it.
 *
 * What an administrator acts on (shim version 2): a session's details are
 * its properties, read with one GetAll per session (Timestamp, IdleHint,
 * IdleSinceHint, Remote, RemoteHost, Type, Class, TTY, Seat, State) against
 * this machine's CLOCK_REALTIME (logind gives no clock); a message goes to
 * the session's terminal as `wall` writes it (logind has no channel to a
 * user), never to a graphical or remote session; the blockers are logind's
 * inhibitors (ListInhibitors), the server's, whatever the session.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "../../core/sync.h"
#include "linux.h"
#include "logind.h"

/* --- logind over sd-bus ----------------------------------------------------- */

/*
 * A session's terminus id is a pure function of its logind id, the same in
 * every process and on every server (include/terminus/session.h documents
 * it for users):
 * - a decimal number N written canonically, 1 <= N < 0x80000000: N;
 * - "c" and a canonical N < 0x40000000 (logind's ids for sessions it makes
 *   itself, "c1"): 0x80000000 + N;
 * - anything else ("0", "01", "2147483648", "x"): 0xC0000000 | the 32-bit
 *   FNV-1a hash of the id modulo 0x3FFFFFFF, so never 0xFFFFFFFF
 *   (TERMINUS_SESSION_CURRENT) and never 0 (refused for logoff).
 * Two logind ids may give one id (a hash collision): a logoff by that id is
 * then refused, never guessed (tm_linux_lid_of). The function is
 * tm_linux_session_id_of (linux.h, defined in procs.c: the listing of
 * processes needs it without libsystemd).
 */

/*
 * A server belongs to the process that opened it: in a child after fork()
 * the sd-bus connection is the parent's (sd-bus answers ECHILD, and a
 * message sent on the shared socket would mix with the parent's). Checked
 * before the lock, which another thread of the parent may have held at
 * fork() time. Returns OK, or E_UNAVAILABLE with a record.
 */
int tm_linux_owned(const terminus_os_server *s)
{
    pid_t self = getpid();

    if (self == s->pid)
        return TERMINUS_OK;
    return terminus_os_error(TERMINUS_E_UNAVAILABLE, ECHILD,
                             "server opened by process %ld, used in its child %ld after fork(): "
                             "open a new one",
                             (long)s->pid, (long)self);
}

/* Record a failure as tm_linux_fail does, but with the code given. */
static int tm_linux_fail_as(int code, int err, const sd_bus_error *e, const char *what)
{
    char buf[256];

    if (e != NULL && e->name != NULL)
        return terminus_os_error(code, err, "%s: %s: %s", what, e->name,
                                 e->message != NULL ? e->message : "");
    return terminus_os_error(code, err, "%s: %s (%d)", what, strerror_r(err, buf, sizeof buf), err);
}

/* Call a login1 Manager method. timeout_us 0 is sd-bus's default (25 s);
 * with a timeout given, no answer in time is E_TIMEOUT. Returns OK or the
 * translated error. */
int tm_linux_call(terminus_os_server *s, const char *method, uint64_t timeout_us,
                  sd_bus_message **reply, const char *what, const char *types, ...)
{
    const tm_sdbus *sd = s->sd;
    sd_bus_message *m = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    va_list ap;
    int r;

    r = sd->sd_bus_message_new_method_call(s->bus, &m, TM_LOGIN1, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                           method);
    if (r >= 0 && types != NULL) {
        va_start(ap, types);
        r = sd->sd_bus_message_appendv(m, types, ap);
        va_end(ap);
    }
    if (r >= 0)
        r = sd->sd_bus_call(s->bus, m, timeout_us, &e, reply);
    sd->sd_bus_message_unref(m);
    if (r == -ETIMEDOUT && timeout_us != 0) {
        sd->sd_bus_error_free(&e);
        return terminus_os_error(TERMINUS_E_TIMEOUT, ETIMEDOUT,
                                 "logind %s(%s): no answer within %u ms", method, what,
                                 (unsigned)(timeout_us / 1000u));
    }
    if (r < 0) {
        r = tm_linux_fail(-r, &e, TM_LINUX_BUS, "logind %s(%s)", method, what);
        sd->sd_bus_error_free(&e);
        return r;
    }
    return TERMINUS_OK;
}

int tm_linux_server_open(void *data, const char *name, terminus_os_server **out)
{
    terminus_os_server *s;
    const tm_sdbus *sd;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    char what[300];
    int r, code;
    (void)data;

    *out = NULL;
    r = tm_sdbus_load(&sd);
    if (r != TERMINUS_OK)
        return r;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "server: out of memory");
    s->sd = sd;
    tm_mutex_init(&s->lock);
    s->remote = name != NULL;
    s->pid = getpid();
    r = name == NULL ? sd->sd_bus_open_system(&s->bus)
                     : sd->sd_bus_open_system_remote(&s->bus, name);
    if (r < 0) {
        snprintf(what, sizeof what, "%s(%s)",
                 name == NULL ? "sd_bus_open_system" : "sd_bus_open_system_remote",
                 name == NULL ? "local" : name);
        /* sd-bus reads the name before it starts ssh: EINVAL is a name it
         * cannot read (the core has checked the shape, so this is rare) */
        if (r == -EINVAL && name != NULL)
            r = terminus_os_error(TERMINUS_E_INVALID, EINVAL,
                                  "%s: sd-bus cannot read the server name \"%s\" (%d)", what, name,
                                  EINVAL);
        else
            r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "%s", what);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    /* Is logind there? (Remote: this is also when ssh runs.) */
    r = sd->sd_bus_call_method(s->bus, TM_LOGIN1, TM_LOGIN1_PATH, "org.freedesktop.DBus.Peer",
                               "Ping", &e, NULL, NULL);
    if (r < 0) {
        snprintf(what, sizeof what, "logind on %s", name == NULL ? "the system bus" : name);
        code = tm_linux_code(-r, e.name, TM_LINUX_BUS);
        /* the bus is there but logind is not: unavailable, whatever sd-bus said */
        if (code == TERMINUS_E_NOT_FOUND || code == TERMINUS_E_OS)
            code = TERMINUS_E_UNAVAILABLE;
        r = tm_linux_fail_as(code, -r, &e, what);
        sd->sd_bus_error_free(&e);
        sd->sd_bus_flush_close_unref(s->bus);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    *out = s;
    return TERMINUS_OK;
}

/* In a child after fork(), only the memory terminus allocated is freed: the
 * inherited connection is the parent's (sd-bus would refuse with ECHILD, and
 * closing a remote one could stop the parent's ssh), and the lock may have
 * been held by a thread that the child does not have. */
void tm_linux_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    if (s == NULL)
        return;
    if (s->pid == getpid()) {
        s->sd->sd_bus_flush_close_unref(s->bus);
        tm_mutex_destroy(&s->lock);
    }
    free(s);
}

/*
 * logind's states are "opening", "online", "active" and "closing", each a
 * user's session: none is a listener, down or initializing session in the
 * sense of TERMINUS_SESSION_LISTEN, DOWN and INIT (which the core refuses to
 * log off), so "opening" and "closing" stay OTHER.
 */
int32_t tm_linux_state(const char *state)
{
    if (state == NULL)
        return TERMINUS_SESSION_OTHER;
    if (strcmp(state, "active") == 0)
        return TERMINUS_SESSION_ACTIVE;
    if (strcmp(state, "online") == 0)
        return TERMINUS_SESSION_CONNECTED;
    return TERMINUS_SESSION_OTHER; /* "opening", "closing", or anything new */
}

void tm_linux_entries_free(struct tm_linux_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].lid);
        free(v[i].user);
        free(v[i].path);
    }
    free(v);
}

/* ListSessions => a malloc'ed array of copies (timeout_us as for
 * tm_linux_call). Locked. */
int tm_linux_list(terminus_os_server *s, uint64_t timeout_us, struct tm_linux_entry **out,
                  size_t *count)
{
    const tm_sdbus *sd = s->sd;
    sd_bus_message *reply = NULL;
    struct tm_linux_entry *v = NULL;
    size_t n = 0, cap = 0;
    int r;

    *out = NULL;
    *count = 0;
    r = tm_linux_call(s, "ListSessions", timeout_us, &reply, "", NULL);
    if (r != TERMINUS_OK)
        return r;
    r = sd->sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(susso)");
    while (r >= 0) {
        const char *lid, *user, *seat, *path;
        uint32_t uid;
        r = sd->sd_bus_message_read(reply, "(susso)", &lid, &uid, &user, &seat, &path);
        if (r <= 0)
            break;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            struct tm_linux_entry *nv = realloc(v, c * sizeof *nv);
            if (nv == NULL) {
                r = -ENOMEM;
                break;
            }
            v = nv;
            cap = c;
        }
        v[n].lid = strdup(lid);
        v[n].user = strdup(user);
        v[n].path = strdup(path);
        n++;
        if (v[n - 1].lid == NULL || v[n - 1].user == NULL || v[n - 1].path == NULL) {
            r = -ENOMEM;
            break;
        }
    }
    sd->sd_bus_message_unref(reply);
    if (r < 0) {
        tm_linux_entries_free(v, n);
        return tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind ListSessions: reading the reply");
    }
    *out = v;
    *count = n;
    return TERMINUS_OK;
}

/*
 * The logind id (malloc'ed, in *lid) of the one listed session whose id is
 * id; *lid NULL when no session has it. Two sessions with that id (a hash
 * collision) is E_INVALID: a logoff never guesses. Locked.
 */
int tm_linux_find(terminus_os_server *s, uint32_t id, uint64_t timeout_us, char **lid, char **path)
{
    struct tm_linux_entry *v;
    size_t n, at = (size_t)-1;
    int r;

    *lid = NULL;
    if (path != NULL)
        *path = NULL;
    r = tm_linux_list(s, timeout_us, &v, &n);
    for (size_t i = 0; r == TERMINUS_OK && i < n; i++) {
        if (tm_linux_session_id_of(v[i].lid) != id)
            continue;
        if (at != (size_t)-1)
            r = terminus_os_error(
                TERMINUS_E_INVALID, 0,
                "logind sessions \"%s\" and \"%s\" both have the id %lu: name the "
                "session instead",
                v[at].lid, v[i].lid, (unsigned long)id);
        at = i;
    }
    if (r == TERMINUS_OK && at != (size_t)-1) {
        *lid = v[at].lid;
        v[at].lid = NULL;
        if (path != NULL) {
            *path = v[at].path;
            v[at].path = NULL;
        }
    }
    tm_linux_entries_free(v, n);
    return r;
}

static int tm_linux_lid_of(terminus_os_server *s, uint32_t id, uint64_t timeout_us, char **lid)
{
    return tm_linux_find(s, id, timeout_us, lid, NULL);
}

int tm_linux_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg)
{
    const tm_sdbus *sd = s->sd;
    struct tm_linux_entry *v = NULL;
    size_t n = 0;
    int r;
    (void)data;

    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    r = tm_linux_list(s, 0, &v, &n);
    for (size_t i = 0; r == TERMINUS_OK && i < n; i++) {
        terminus_session_info info;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *state = NULL;
        int q;

        memset(&info, 0, sizeof info);
        info.id = tm_linux_session_id_of(v[i].lid);
        q = sd->sd_bus_get_property_string(s->bus, TM_LOGIN1, v[i].path, TM_LOGIN1_SESSION, "State",
                                           &e, &state);
        if (q < 0) {
            int code = tm_linux_code(-q, e.name, TM_LINUX_BUS);
            if (code != TERMINUS_E_NOT_FOUND && code != TERMINUS_E_UNSUPPORTED) {
                r = tm_linux_fail(-q, &e, TM_LINUX_BUS, "logind session %s: State", v[i].lid);
                sd->sd_bus_error_free(&e);
                break;
            }
            /* it went away meanwhile, or has no State: list it as OTHER */
        }
        sd->sd_bus_error_free(&e);
        info.state = tm_linux_state(state);
        free(state);
        snprintf(info.name, sizeof info.name, "%s", v[i].lid);
        snprintf(info.user, sizeof info.user, "%s", v[i].user);
        r = fn(arg, &info);
    }
    tm_mutex_unlock(&s->lock);
    tm_linux_entries_free(v, n);
    return r;
}

/* The caller's own logind session id (malloc'ed), from /proc via sd-login. */
static int tm_linux_own_session(const tm_sdbus *sd, char **lid)
{
    int r = sd->sd_pid_get_session(0, lid);
    if (r < 0) {
        *lid = NULL;
        if (r == -ENOMEM)
            return tm_linux_fail(ENOMEM, NULL, TM_LINUX_PROC, "sd_pid_get_session");
        return terminus_os_error(TERMINUS_E_NOT_FOUND, -r,
                                 "sd_pid_get_session: this process is in no logind session (%d)",
                                 -r);
    }
    return TERMINUS_OK;
}

int tm_linux_session_current(void *data, terminus_os_server *s, uint32_t *id)
{
    char *lid;
    int r;
    (void)data;
    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    if (s->remote)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "session_current: the caller has no session on a remote server");
    r = tm_linux_own_session(s->sd, &lid);
    if (r != TERMINUS_OK)
        return r;
    *id = tm_linux_session_id_of(lid);
    free(lid);
    return TERMINUS_OK;
}

/* The session is found by listing and deriving each one's id, so that an id
 * only ever names the session it was derived from. */
int tm_linux_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    char *lid = NULL;
    int r;
    (void)data;
    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    r = tm_linux_lid_of(s, id, 0, &lid);
    if (r == TERMINUS_OK && lid == NULL)
        r = terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "logind: no session has the id %lu",
                              (unsigned long)id);
    if (r == TERMINUS_OK)
        r = tm_linux_call(s, "TerminateSession", 0, NULL, lid, "s", lid);
    tm_mutex_unlock(&s->lock);
    free(lid);
    return r;
}

struct tm_linux_gone {
    const tm_sdbus *sd;
    const char *lid;
    int gone;
};

static int tm_linux_on_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    struct tm_linux_gone *g = userdata;
    const char *lid = NULL, *path = NULL;
    (void)ret_error;
    if (g->lid != NULL && g->sd->sd_bus_message_read(m, "so", &lid, &path) >= 0 && lid != NULL &&
        strcmp(lid, g->lid) == 0)
        g->gone = 1;
    return 0;
}

/* How long the look (ListSessions) may take when timeout_ms is 0 ("only
 * look"): a look needs one round trip to logind, which 0 cannot bound; past
 * this, the session counts as not seen gone (E_TIMEOUT). */
#define TM_LINUX_LOOK_US 100000u

/*
 * Bounded by timeout_ms: every bus call here gets at most the time that is
 * left (at least 1 ms), so the whole wait overruns timeout_ms by no more than
 * a few ms (timeout_ms 0: by at most TM_LINUX_LOOK_US). A logind that does not
 * answer ListSessions in time gives E_TIMEOUT (the session was not seen gone
 * within the bound). s->lock is held for the whole wait, as for every call
 * on this server's bus connection (sd-bus is not thread-safe): other calls
 * on the same server wait behind it, at most timeout_ms.
 */
int tm_linux_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms)
{
    const tm_sdbus *sd = s->sd;
    char *lid = NULL;
    struct tm_linux_gone g;
    sd_bus_slot *slot = NULL;
    uint64_t deadline = tm_linux_now_us() + (uint64_t)timeout_ms * 1000u;
    uint64_t call_us;
    int r;
    (void)data;

    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    g.sd = sd;
    g.lid = NULL;
    g.gone = 0;
    /* Subscribe first, then look: a removal in between is not missed (its
     * signal waits in the connection's queue until sd_bus_process below,
     * when g.lid is known). The AddMatch is sent without waiting for its
     * reply (which could take the bus's default 25 s): the bus daemon handles
     * this connection's messages in order, so the match is in place before
     * ListSessions reaches logind. */
    r = sd->sd_bus_match_signal_async(s->bus, &slot, NULL, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                      "SessionRemoved", tm_linux_on_removed, NULL, &g);
    if (r < 0) {
        r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind: subscribing to SessionRemoved");
        goto done;
    }
    /* sd-bus reads a call timeout of 0 as its default (25 s): never pass 0. */
    if (timeout_ms == 0) {
        call_us = TM_LINUX_LOOK_US;
    } else {
        uint64_t now = tm_linux_now_us();
        call_us = now < deadline ? deadline - now : 0;
        if (call_us < 1000u)
            call_us = 1000u;
    }
    r = tm_linux_lid_of(s, id, call_us, &lid);
    if (r != TERMINUS_OK || lid == NULL)
        goto done; /* OK with no lid: gone already, or never was */
    g.lid = lid;
    for (;;) {
        uint64_t now;
        do
            r = sd->sd_bus_process(s->bus, NULL);
        while (r > 0 && !g.gone);
        if (g.gone) {
            r = TERMINUS_OK;
            break;
        }
        if (r < 0) {
            r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind: waiting for session %s", lid);
            break;
        }
        now = tm_linux_now_us();
        if (now >= deadline) {
            r = terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                  "logind: session %s still there after %u ms", lid,
                                  (unsigned)timeout_ms);
            break;
        }
        r = sd->sd_bus_wait(s->bus, deadline - now);
        if (r < 0 && r != -EINTR) {
            r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind: waiting for session %s", lid);
            break;
        }
    }
done:
    sd->sd_bus_slot_unref(slot);
    tm_mutex_unlock(&s->lock);
    free(lid);
    return r;
}

int tm_linux_logoff(void *data, uint32_t flags)
{
    terminus_os_server *s = NULL;
    const tm_sdbus *sd;
    char *lid;
    int r;
    (void)flags; /* logind has no FORCE distinction */

    r = tm_sdbus_load(&sd);
    if (r != TERMINUS_OK)
        return r;
    r = tm_linux_own_session(sd, &lid);
    if (r != TERMINUS_OK)
        return r;
    r = tm_linux_server_open(data, NULL, &s);
    if (r == TERMINUS_OK) {
        tm_mutex_lock(&s->lock);
        r = tm_linux_call(s, "TerminateSession", 0, NULL, lid, "s", lid);
        tm_mutex_unlock(&s->lock);
        tm_linux_server_close(data, s);
    }
    free(lid);
    return r;
}
