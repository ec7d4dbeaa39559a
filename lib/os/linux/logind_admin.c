/*
 * lib/os/linux/logind_admin.c: sessions an administrator acts on, over
 * logind: a session's details (one GetAll each), a message written to the
 * session's terminal as `wall` writes it, and logind's inhibitors as what
 * holds a logoff or shutdown back. Shares logind.h with logind.c.
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

/* --- sessions an administrator acts on (shim version 2) ---------------------- */

#define TM_DBUS_PROPERTIES "org.freedesktop.DBus.Properties"

/* CLOCK_REALTIME in microseconds since the Unix epoch: what logind's
 * Timestamp and IdleSinceHint count in. */
static int64_t tm_linux_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
}

/* logind's Type => TERMINUS_SESSION_TYPE_*. */
static int32_t tm_linux_type(const char *type)
{
    if (type == NULL || type[0] == '\0')
        return TERMINUS_SESSION_TYPE_UNKNOWN;
    if (strcmp(type, "tty") == 0)
        return TERMINUS_SESSION_TYPE_TTY;
    if (strcmp(type, "x11") == 0)
        return TERMINUS_SESSION_TYPE_X11;
    if (strcmp(type, "wayland") == 0)
        return TERMINUS_SESSION_TYPE_WAYLAND;
    return TERMINUS_SESSION_TYPE_OTHER; /* "unspecified", "mir", "web" */
}

/* logind's Class => TERMINUS_SESSION_CLASS_*. */
static int32_t tm_linux_class(const char *klass)
{
    if (klass == NULL || klass[0] == '\0')
        return TERMINUS_SESSION_CLASS_UNKNOWN;
    if (strncmp(klass, "user", 4) == 0) /* "user", "user-early", "user-incomplete" */
        return TERMINUS_SESSION_CLASS_USER;
    if (strcmp(klass, "greeter") == 0)
        return TERMINUS_SESSION_CLASS_GREETER;
    if (strcmp(klass, "lock-screen") == 0)
        return TERMINUS_SESSION_CLASS_LOCK_SCREEN;
    if (strncmp(klass, "background", 10) == 0) /* "background", "background-light" */
        return TERMINUS_SESSION_CLASS_BACKGROUND;
    return TERMINUS_SESSION_CLASS_OTHER; /* "manager", or anything new */
}

/* Read one property's value (the variant is entered) into d; a property
 * terminus does not use, or of an unexpected type, is skipped. */
static int tm_linux_prop(const tm_sdbus *sd, sd_bus_message *m, const char *name,
                         const char *contents, terminus_session_details *d, char *state,
                         size_t state_size)
{
    const char *str = NULL;
    uint64_t t = 0;
    int b = 0, r;

    if (strcmp(contents, "t") == 0 &&
        (strcmp(name, "Timestamp") == 0 || strcmp(name, "IdleSinceHint") == 0)) {
        r = sd->sd_bus_message_read_basic(m, 't', &t);
        if (r >= 0 && t <= (uint64_t)INT64_MAX) {
            if (name[0] == 'T')
                d->logon_us = (int64_t)t;
            else
                d->idle_since_us = (int64_t)t;
        }
        return r;
    }
    if (strcmp(contents, "b") == 0 &&
        (strcmp(name, "IdleHint") == 0 || strcmp(name, "Remote") == 0)) {
        r = sd->sd_bus_message_read_basic(m, 'b', &b);
        if (r >= 0 && name[0] == 'I')
            d->idle_hint = b ? 1 : 0;
        else if (r >= 0)
            d->remote = b ? 1 : 0;
        return r;
    }
    if (strcmp(contents, "s") == 0) {
        r = sd->sd_bus_message_read_basic(m, 's', &str);
        if (r < 0 || str == NULL)
            return r;
        if (strcmp(name, "RemoteHost") == 0)
            snprintf(d->client, sizeof d->client, "%s", str);
        else if (strcmp(name, "TTY") == 0)
            snprintf(d->tty, sizeof d->tty, "%s", str);
        else if (strcmp(name, "Type") == 0)
            d->type = tm_linux_type(str);
        else if (strcmp(name, "Class") == 0)
            d->session_class = tm_linux_class(str);
        else if (strcmp(name, "State") == 0)
            snprintf(state, state_size, "%s", str);
        return r;
    }
    if (strcmp(contents, "(so)") == 0 && strcmp(name, "Seat") == 0) {
        const char *path = NULL;
        r = sd->sd_bus_message_read(m, "(so)", &str, &path);
        if (r >= 0 && str != NULL)
            snprintf(d->seat, sizeof d->seat, "%s", str);
        return r;
    }
    return sd->sd_bus_message_skip(m, contents);
}

/* Every property of the session at `path` (one GetAll) into d; its state
 * into state. E_NOT_FOUND when the session went away meanwhile. Locked. */
static int tm_linux_props(terminus_os_server *s, const char *lid, const char *path,
                          terminus_session_details *d, char *state, size_t state_size)
{
    const tm_sdbus *sd = s->sd;
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r;

    state[0] = '\0';
    d->remote = -1;
    d->idle_hint = -1;
    r = sd->sd_bus_call_method(s->bus, TM_LOGIN1, path, TM_DBUS_PROPERTIES, "GetAll", &e, &reply,
                               "s", TM_LOGIN1_SESSION);
    if (r < 0) {
        r = tm_linux_fail(-r, &e, TM_LINUX_BUS, "logind session %s: GetAll", lid);
        sd->sd_bus_error_free(&e);
        return r;
    }
    r = sd->sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
    while (r >= 0) {
        const char *name = NULL, *contents = NULL;
        char type = 0;

        r = sd->sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r <= 0)
            break;
        r = sd->sd_bus_message_read_basic(reply, 's', &name);
        if (r >= 0)
            r = sd->sd_bus_message_peek_type(reply, &type, &contents);
        if (r >= 0 && (type != SD_BUS_TYPE_VARIANT || contents == NULL))
            r = -EBADMSG;
        if (r >= 0)
            r = sd->sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, contents);
        if (r >= 0)
            r = tm_linux_prop(sd, reply, name, contents, d, state, state_size);
        if (r >= 0)
            r = sd->sd_bus_message_exit_container(reply); /* the variant */
        if (r >= 0)
            r = sd->sd_bus_message_exit_container(reply); /* the entry */
    }
    if (r >= 0)
        r = sd->sd_bus_message_exit_container(reply);
    sd->sd_bus_message_unref(reply);
    if (r < 0)
        return tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind session %s: reading its properties",
                             lid);
    /* IdleSinceHint is when the idle hint last changed: the start of the
     * idleness only while the session is idle. */
    if (d->idle_hint != 1)
        d->idle_since_us = 0;
    return TERMINUS_OK;
}

int tm_linux_session_details(void *data, terminus_os_server *s, terminus_os_details_fn fn,
                             void *arg)
{
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
        terminus_session_details d;
        char state[32];
        int q;

        memset(&d, 0, sizeof d);
        d.id = tm_linux_session_id_of(v[i].lid);
        q = tm_linux_props(s, v[i].lid, v[i].path, &d, state, sizeof state);
        if (q == TERMINUS_E_NOT_FOUND)
            continue; /* it went away since ListSessions */
        if (q != TERMINUS_OK) {
            r = q;
            break;
        }
        d.state = tm_linux_state(state[0] != '\0' ? state : NULL);
        d.now_us = tm_linux_wall_us();
        snprintf(d.name, sizeof d.name, "%s", v[i].lid);
        snprintf(d.user, sizeof d.user, "%s", v[i].user);
        r = fn(arg, &d);
    }
    tm_mutex_unlock(&s->lock);
    tm_linux_entries_free(v, n);
    return r;
}

/* A TTY property that names a terminal under /dev: "tty2", "pts/3". Nothing
 * that could leave /dev ("..", a leading '/'), no odd byte. */
static int tm_linux_tty_ok(const char *tty)
{
    size_t len = strlen(tty);

    if (len == 0 || len > 32 || tty[0] == '/' || tty[0] == '.' || strstr(tty, "..") != NULL)
        return 0;
    for (const char *p = tty; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* The text as `wall` writes it on a terminal: a blank line, the title and
 * the time, a blank line, the text with each "\n" as "\r\n"; cut to fit. */
static size_t tm_linux_wall_text(const char *title, const char *text, const char *when, char *out,
                                 size_t cap)
{
    size_t len = 0;
    const char *parts[] = { "\r\n", title, " (", when, "):\r\n\r\n" };

    if (cap == 0)
        return 0;
#define TM_PUT(ch)                                                                                 \
    do {                                                                                           \
        if (len + 1 < cap)                                                                         \
            out[len++] = (ch);                                                                     \
    } while (0)
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        for (const char *p = parts[k]; *p != '\0'; p++)
            TM_PUT(*p);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n')
            TM_PUT('\r');
        TM_PUT(*p);
    }
    TM_PUT('\r');
    TM_PUT('\n');
#undef TM_PUT
    out[len] = '\0';
    return len;
}

/* Write to the terminal of session `lid` (a TTY property already checked). */
static int tm_linux_write_tty(const char *lid, const char *tty, const char *title, const char *text)
{
    char dev[64], when[16], buf[1536];
    struct tm t;
    time_t now = time(NULL);
    size_t len, done = 0;
    int fd;

    snprintf(dev, sizeof dev, "/dev/%s", tty);
    if (localtime_r(&now, &t) == NULL || strftime(when, sizeof when, "%H:%M", &t) == 0)
        snprintf(when, sizeof when, "now");
    len = tm_linux_wall_text(title, text, when, buf, sizeof buf);
    /* as wall: never our controlling terminal, never a wait on a full one */
    fd = open(dev, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "open(%s) for session %s", dev, lid);
    if (!isatty(fd)) {
        close(fd);
        return terminus_os_error(TERMINUS_E_OS, ENOTTY,
                                 "%s, the TTY of session %s, is not a terminal", dev, lid);
    }
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            close(fd);
            return terminus_os_error(TERMINUS_E_OS, EAGAIN,
                                     "write(%s) for session %s: the terminal took %lu of %lu "
                                     "bytes and no more at once (its output is held)",
                                     dev, lid, (unsigned long)done, (unsigned long)len);
        }
        if (w <= 0) {
            int err = w < 0 ? errno : EIO;
            close(fd);
            return tm_linux_fail(err, NULL, TM_LINUX_PROC, "write(%s) for session %s", dev, lid);
        }
        done += (size_t)w;
    }
    close(fd);
    return TERMINUS_OK;
}

int tm_linux_session_message(void *data, terminus_os_server *s, uint32_t id, const char *title,
                             const char *text, uint32_t timeout_s)
{
    terminus_session_details d;
    char *lid = NULL, *path = NULL, state[32];
    int r;
    (void)data;
    (void)timeout_s; /* a terminal has no message box to close */

    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    if (s->remote)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "session_message: a session of a remote server cannot be written "
                                 "to: logind has no channel to its user, and its terminal is on "
                                 "the other machine");
    memset(&d, 0, sizeof d);
    tm_mutex_lock(&s->lock);
    r = tm_linux_find(s, id, 0, &lid, &path);
    if (r == TERMINUS_OK && lid == NULL)
        r = terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "logind: no session has the id %lu",
                              (unsigned long)id);
    if (r == TERMINUS_OK)
        r = tm_linux_props(s, lid, path, &d, state, sizeof state);
    tm_mutex_unlock(&s->lock);
    if (r == TERMINUS_OK &&
        (d.type == TERMINUS_SESSION_TYPE_X11 || d.type == TERMINUS_SESSION_TYPE_WAYLAND))
        r = terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                              "session_message: session %s is graphical (%s): logind has no "
                              "channel to its user, and terminus writes only to terminals",
                              lid, d.type == TERMINUS_SESSION_TYPE_X11 ? "x11" : "wayland");
    else if (r == TERMINUS_OK && d.tty[0] == '\0')
        r = terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                              "session_message: session %s has no terminal (its TTY is empty): "
                              "logind has no channel to its user",
                              lid);
    else if (r == TERMINUS_OK && !tm_linux_tty_ok(d.tty))
        r = terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                              "session_message: session %s's TTY \"%.32s\" is not a terminal "
                              "name under /dev",
                              lid, d.tty);
    else if (r == TERMINUS_OK)
        r = tm_linux_write_tty(lid, d.tty, title, text);
    free(lid);
    free(path);
    return r;
}

int tm_linux_session_blockers(void *data, terminus_os_server *s, uint32_t id,
                              terminus_os_blocker_fn fn, void *arg)
{
    const tm_sdbus *sd = s->sd;
    sd_bus_message *reply = NULL;
    int r;
    (void)data;
    (void)id; /* logind's inhibitors are the server's, not one session's */

    r = tm_linux_owned(s);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    r = tm_linux_call(s, "ListInhibitors", 0, &reply, "", NULL);
    if (r != TERMINUS_OK) {
        tm_mutex_unlock(&s->lock);
        return r;
    }
    r = sd->sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ssssuu)");
    while (r >= 0) {
        const char *what, *who, *why, *mode;
        uint32_t uid, pid;
        terminus_blocker b;
        int q;

        r = sd->sd_bus_message_read(reply, "(ssssuu)", &what, &who, &why, &mode, &uid, &pid);
        if (r <= 0)
            break;
        memset(&b, 0, sizeof b);
        snprintf(b.what, sizeof b.what, "%s", what);
        snprintf(b.who, sizeof b.who, "%s", who);
        snprintf(b.why, sizeof b.why, "%s", why);
        snprintf(b.mode, sizeof b.mode, "%s", mode);
        b.uid = uid;
        b.pid = pid;
        q = fn(arg, &b);
        if (q != TERMINUS_OK) {
            sd->sd_bus_message_unref(reply);
            tm_mutex_unlock(&s->lock);
            return q;
        }
    }
    sd->sd_bus_message_unref(reply);
    tm_mutex_unlock(&s->lock);
    if (r < 0)
        return tm_linux_fail(-r, NULL, TM_LINUX_BUS, "logind ListInhibitors: reading the reply");
    return TERMINUS_OK;
}
