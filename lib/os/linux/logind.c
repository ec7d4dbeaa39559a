/*
 * lib/os/linux/logind.c: logoff, servers and sessions of the Linux backend:
 * systemd-logind's sessions, over sd-bus: the local system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured) or a remote one through ssh
 * (sd_bus_open_system_remote, as `loginctl -H`). logind has no FORCE
 * distinction: every logoff flag gives the same TerminateSession.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "../../core/sync.h"
#include "linux.h"

/* --- logind over sd-bus ----------------------------------------------------- */

#define TM_LOGIN1         "org.freedesktop.login1"
#define TM_LOGIN1_PATH    "/org/freedesktop/login1"
#define TM_LOGIN1_MANAGER "org.freedesktop.login1.Manager"
#define TM_LOGIN1_SESSION "org.freedesktop.login1.Session"

/* A logind id that is not a small decimal number gets an id from here up. */
#define TM_LINUX_MAPPED_BASE 0x80000000u

struct tm_linux_idmap {
    char *lid;
    uint32_t id;
};

struct terminus_os_server {
    sd_bus *bus;
    int remote;
    tm_mutex lock; /* sd-bus objects are not thread-safe */
    struct tm_linux_idmap *map;
    size_t nmap, cap;
};

/* "3" => 3; anything else (leading zero, letters, too large) => 0. */
static uint32_t tm_linux_numeric(const char *lid)
{
    uint32_t v = 0;
    if (lid[0] < '1' || lid[0] > '9')
        return 0;
    for (const char *c = lid; *c; c++) {
        if (*c < '0' || *c > '9' || v > (TM_LINUX_MAPPED_BASE - 1u - (uint32_t)(*c - '0')) / 10u)
            return 0;
        v = v * 10u + (uint32_t)(*c - '0');
    }
    return v;
}

/* The terminus id of a logind id, adding it to the map if new. Locked. */
static int tm_linux_id_of(terminus_os_server *s, const char *lid, uint32_t *id)
{
    uint32_t v = tm_linux_numeric(lid);
    char *copy;
    if (v != 0) {
        *id = v;
        return TERMINUS_OK;
    }
    for (size_t i = 0; i < s->nmap; i++)
        if (strcmp(s->map[i].lid, lid) == 0) {
            *id = s->map[i].id;
            return TERMINUS_OK;
        }
    if (s->nmap == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct tm_linux_idmap *m = realloc(s->map, cap * sizeof *m);
        if (m == NULL)
            return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "session map: out of memory");
        s->map = m;
        s->cap = cap;
    }
    copy = strdup(lid);
    if (copy == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "session map: out of memory");
    s->map[s->nmap].lid = copy;
    s->map[s->nmap].id = TM_LINUX_MAPPED_BASE + (uint32_t)s->nmap;
    *id = s->map[s->nmap].id;
    s->nmap++;
    return TERMINUS_OK;
}

/* The logind id of a terminus id. Locked. */
static int tm_linux_lid_of(terminus_os_server *s, uint32_t id, char *buf, size_t size)
{
    if (id != 0 && id < TM_LINUX_MAPPED_BASE) {
        snprintf(buf, size, "%u", (unsigned)id);
        return TERMINUS_OK;
    }
    for (size_t i = 0; i < s->nmap; i++)
        if (s->map[i].id == id) {
            snprintf(buf, size, "%s", s->map[i].lid);
            return TERMINUS_OK;
        }
    return terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "session %u: no such session on this server",
                             (unsigned)id);
}

/* Call a login1 Manager method. Returns OK or the translated error. */
static int tm_linux_call(terminus_os_server *s, const char *method, uint64_t timeout_us,
                         sd_bus_message **reply, const char *what, const char *types, ...)
{
    sd_bus_message *m = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    va_list ap;
    int r;

    r = sd_bus_message_new_method_call(s->bus, &m, TM_LOGIN1, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                       method);
    if (r >= 0 && types != NULL) {
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
    }
    if (r >= 0)
        r = sd_bus_call(s->bus, m, timeout_us, &e, reply);
    sd_bus_message_unref(m);
    if (r < 0) {
        r = tm_linux_fail(-r, &e, TM_LINUX_BUS, "logind %s(%s)", method, what);
        sd_bus_error_free(&e);
        return r;
    }
    return TERMINUS_OK;
}

int tm_linux_server_open(void *data, const char *name, terminus_os_server **out)
{
    terminus_os_server *s;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r;
    (void)data;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "server: out of memory");
    tm_mutex_init(&s->lock);
    s->remote = name != NULL;
    r = name == NULL ? sd_bus_open_system(&s->bus) : sd_bus_open_system_remote(&s->bus, name);
    if (r < 0) {
        r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "%s(%s)",
                          name == NULL ? "sd_bus_open_system" : "sd_bus_open_system_remote",
                          name == NULL ? "local" : name);
        /* a name sd-bus cannot parse is not a reachable server */
        if (r == TERMINUS_E_OS && name != NULL)
            r = terminus_os_error(TERMINUS_E_NOT_FOUND, terminus_error_last()->os_code, "%s",
                                  terminus_error_last()->message);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    /* Is logind there? (Remote: this is also when ssh runs.) */
    r = sd_bus_call_method(s->bus, TM_LOGIN1, TM_LOGIN1_PATH, "org.freedesktop.DBus.Peer", "Ping",
                           &e, NULL, NULL);
    if (r < 0) {
        r = tm_linux_fail(-r, &e, TM_LINUX_BUS, "logind on %s",
                          name == NULL ? "the system bus" : name);
        /* the bus is there but logind is not: unavailable, whatever sd-bus said */
        if (r == TERMINUS_E_NOT_FOUND || r == TERMINUS_E_OS)
            r = terminus_os_error(TERMINUS_E_UNAVAILABLE, terminus_error_last()->os_code, "%s",
                                  terminus_error_last()->message);
        sd_bus_error_free(&e);
        sd_bus_flush_close_unref(s->bus);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    *out = s;
    return TERMINUS_OK;
}

void tm_linux_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    if (s == NULL)
        return;
    sd_bus_flush_close_unref(s->bus);
    for (size_t i = 0; i < s->nmap; i++)
        free(s->map[i].lid);
    free(s->map);
    tm_mutex_destroy(&s->lock);
    free(s);
}

static int32_t tm_linux_state(const char *state)
{
    if (state == NULL)
        return TERMINUS_SESSION_OTHER;
    if (strcmp(state, "active") == 0)
        return TERMINUS_SESSION_ACTIVE;
    if (strcmp(state, "online") == 0)
        return TERMINUS_SESSION_CONNECTED;
    return TERMINUS_SESSION_OTHER; /* "closing", or anything new */
}

struct tm_linux_entry {
    char *lid, *user, *path;
};

static void tm_linux_entries_free(struct tm_linux_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].lid);
        free(v[i].user);
        free(v[i].path);
    }
    free(v);
}

/* ListSessions => a malloc'ed array of copies. Locked. */
static int tm_linux_list(terminus_os_server *s, struct tm_linux_entry **out, size_t *count)
{
    sd_bus_message *reply = NULL;
    struct tm_linux_entry *v = NULL;
    size_t n = 0, cap = 0;
    int r;

    *out = NULL;
    *count = 0;
    r = tm_linux_call(s, "ListSessions", 0, &reply, "", NULL);
    if (r != TERMINUS_OK)
        return r;
    r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(susso)");
    while (r >= 0) {
        const char *lid, *user, *seat, *path;
        uint32_t uid;
        r = sd_bus_message_read(reply, "(susso)", &lid, &uid, &user, &seat, &path);
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
    sd_bus_message_unref(reply);
    if (r < 0) {
        tm_linux_entries_free(v, n);
        return tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind ListSessions: reading the reply");
    }
    *out = v;
    *count = n;
    return TERMINUS_OK;
}

int tm_linux_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg)
{
    struct tm_linux_entry *v;
    size_t n;
    int r;
    (void)data;

    tm_mutex_lock(&s->lock);
    r = tm_linux_list(s, &v, &n);
    for (size_t i = 0; r == TERMINUS_OK && i < n; i++) {
        terminus_session_info info;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *state = NULL;
        int q;

        memset(&info, 0, sizeof info);
        r = tm_linux_id_of(s, v[i].lid, &info.id);
        if (r != TERMINUS_OK)
            break;
        q = sd_bus_get_property_string(s->bus, TM_LOGIN1, v[i].path, TM_LOGIN1_SESSION, "State", &e,
                                       &state);
        if (q < 0) {
            int code = tm_linux_code(-q, sd_bus_error_is_set(&e) ? e.name : NULL, TM_LINUX_BUS);
            if (code != TERMINUS_E_NOT_FOUND && code != TERMINUS_E_UNSUPPORTED) {
                r = tm_linux_fail(-q, &e, TM_LINUX_BUS, "logind session %s: State", v[i].lid);
                sd_bus_error_free(&e);
                break;
            }
            /* it went away meanwhile, or has no State: list it as OTHER */
        }
        sd_bus_error_free(&e);
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
static int tm_linux_own_session(char **lid)
{
    int r = sd_pid_get_session(0, lid);
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
    if (s->remote)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "session_current: the caller has no session on a remote server");
    r = tm_linux_own_session(&lid);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    r = tm_linux_id_of(s, lid, id);
    tm_mutex_unlock(&s->lock);
    free(lid);
    return r;
}

int tm_linux_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    char lid[256];
    int r;
    (void)data;
    tm_mutex_lock(&s->lock);
    r = tm_linux_lid_of(s, id, lid, sizeof lid);
    if (r == TERMINUS_OK)
        r = tm_linux_call(s, "TerminateSession", 0, NULL, lid, "s", lid);
    tm_mutex_unlock(&s->lock);
    return r;
}

struct tm_linux_gone {
    const char *lid;
    int gone;
};

static int tm_linux_on_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    struct tm_linux_gone *g = userdata;
    const char *lid = NULL, *path = NULL;
    (void)ret_error;
    if (sd_bus_message_read(m, "so", &lid, &path) >= 0 && lid != NULL && strcmp(lid, g->lid) == 0)
        g->gone = 1;
    return 0;
}

/* How long GetSession may take when timeout_ms is 0 ("only look"): a look
 * needs one round trip to logind, which 0 cannot bound; past this, the
 * session counts as not seen gone (E_TIMEOUT). */
#define TM_LINUX_LOOK_US 100000u

/*
 * Bounded by timeout_ms: every bus call here gets at most the time that is
 * left (at least 1 ms), so the whole wait overruns timeout_ms by no more than
 * a few ms (timeout_ms 0: by at most TM_LINUX_LOOK_US). A logind that does not
 * answer GetSession in time gives E_TIMEOUT (the session was not seen gone
 * within the bound). s->lock is held for the whole wait, as for every call
 * on this server's bus connection (sd-bus is not thread-safe): other calls
 * on the same server wait behind it, at most timeout_ms.
 */
int tm_linux_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms)
{
    char lid[256];
    struct tm_linux_gone g;
    sd_bus_slot *slot = NULL;
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    uint64_t deadline = tm_linux_now_us() + (uint64_t)timeout_ms * 1000u;
    uint64_t call_us;
    int r;
    (void)data;

    tm_mutex_lock(&s->lock);
    r = tm_linux_lid_of(s, id, lid, sizeof lid);
    if (r != TERMINUS_OK) {
        tm_mutex_unlock(&s->lock);
        return TERMINUS_OK; /* never was */
    }
    g.lid = lid;
    g.gone = 0;
    /* Subscribe first, then look: a removal in between is not missed. The
     * AddMatch is sent without waiting for its reply (which could take the
     * bus's default 25 s): the bus daemon handles this connection's messages
     * in order, so the match is in place before GetSession reaches logind. */
    r = sd_bus_match_signal_async(s->bus, &slot, NULL, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
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
    r = sd_bus_message_new_method_call(s->bus, &m, TM_LOGIN1, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                       "GetSession");
    if (r >= 0)
        r = sd_bus_message_append(m, "s", lid);
    if (r >= 0)
        r = sd_bus_call(s->bus, m, call_us, &e, &reply);
    sd_bus_message_unref(m);
    sd_bus_message_unref(reply);
    if (r == -ETIMEDOUT) {
        r = terminus_os_error(TERMINUS_E_TIMEOUT, ETIMEDOUT,
                              "logind: no answer about session %s within %u ms", lid,
                              (unsigned)(call_us / 1000u));
        sd_bus_error_free(&e);
        goto done;
    }
    if (r < 0) {
        r = tm_linux_fail(-r, &e, TM_LINUX_BUS, "logind GetSession(%s)", lid);
        sd_bus_error_free(&e);
        if (r == TERMINUS_E_NOT_FOUND)
            r = TERMINUS_OK; /* gone already */
        goto done;
    }
    for (;;) {
        uint64_t now;
        do
            r = sd_bus_process(s->bus, NULL);
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
        r = sd_bus_wait(s->bus, deadline - now);
        if (r < 0 && r != -EINTR) {
            r = tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind: waiting for session %s", lid);
            break;
        }
    }
done:
    sd_bus_slot_unref(slot);
    tm_mutex_unlock(&s->lock);
    return r;
}

int tm_linux_logoff(void *data, uint32_t flags)
{
    terminus_os_server *s = NULL;
    char *lid;
    int r;
    (void)flags; /* logind has no FORCE distinction */

    r = tm_linux_own_session(&lid);
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
