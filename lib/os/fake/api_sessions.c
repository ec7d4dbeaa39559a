/*
 * lib/os/fake/api_sessions.c: the part of the scripting API of
 * terminus/sys/fake.h that scripts servers and sessions: servers, sessions
 * and their behaviours, the current session, a session's details, its
 * messages and the server's blockers.
 */
#include <stdlib.h>
#include <string.h>

#include "terminus/terminate.h"

#include "fake.h"

#define TM_FAKE_NULL(fn) terminus_os_error(TERMINUS_E_INVALID, 0, "%s: fake is NULL", fn)

/* The length of `s` if it is shorter than `max` bytes, else `max`. */
static size_t tm_fake_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

TERMINUS_API int terminus_fake_server_add(terminus_fake *fake, const char *name, int reachable)
{
    struct tm_fake_server *s;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_server_add");
    if (name == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_server_add: name is NULL");
    if (tm_fake_strnlen(name, 64) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_server_add: name is 64 bytes or more");
    if (name[0] == '\0' && !reachable)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_server_add: the local server is always reachable");
    tm_mutex_lock(&fake->lock);
    s = tm_fake_server_get(fake, name);
    if (s != NULL)
        s->reachable = reachable ? 1 : 0;
    tm_mutex_unlock(&fake->lock);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                 "terminus_fake_server_add: out of memory");
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_add(terminus_fake *fake, const char *server, uint32_t id,
                                           int32_t state, const char *name, const char *user,
                                           int behaviour, uint32_t after_ms)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s;
    size_t nlen, ulen;

    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_session_add");
    if (server == NULL || tm_fake_strnlen(server, 64) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: server is NULL or 64 bytes or more");
    if (id == TERMINUS_SESSION_CURRENT)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: id %u is TERMINUS_SESSION_CURRENT",
                                 (unsigned)id);
    if (state != TERMINUS_SESSION_ACTIVE && state != TERMINUS_SESSION_CONNECTED &&
        state != TERMINUS_SESSION_DISCONNECTED && state != TERMINUS_SESSION_OTHER &&
        state != TERMINUS_SESSION_LISTEN && state != TERMINUS_SESSION_DOWN &&
        state != TERMINUS_SESSION_INIT)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: unknown state %ld", (long)state);
    if (name == NULL || (nlen = tm_fake_strnlen(name, 64)) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: name is NULL or 64 bytes or more");
    if (user == NULL || (ulen = tm_fake_strnlen(user, 256)) >= 256)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: user is NULL or 256 bytes or more");
    if (behaviour < TERMINUS_FAKE_SESSION_ENDS || behaviour > TERMINUS_FAKE_SESSION_HANGS)
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: unknown behaviour %d", behaviour);

    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_get(fake, server);
    if (srv == NULL) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                 "terminus_fake_session_add: out of memory");
    }
    s = tm_fake_session_find(srv, id);
    if (s != NULL && !tm_fake_session_gone(fake, s)) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "terminus_fake_session_add: id %u is in use on \"%s\"",
                                 (unsigned)id, server);
    }
    if (s == NULL) { /* a gone session's slot is reused */
        s = tm_fake_grow(srv->sessions, &srv->cap, srv->nsessions + 1, sizeof *srv->sessions);
        if (s == NULL) {
            tm_mutex_unlock(&fake->lock);
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "terminus_fake_session_add: out of memory");
        }
        srv->sessions = s;
        s = &srv->sessions[srv->nsessions++];
    }
    memset(s, 0, sizeof *s);
    s->info.id = id;
    s->info.state = state;
    memcpy(s->info.name, name, nlen);
    memcpy(s->info.user, user, ulen);
    s->behaviour = behaviour;
    s->after_ms = after_ms;
    s->details.remote = -1;
    s->details.idle_hint = -1;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_set_current_session(terminus_fake *fake, uint32_t id)
{
    if (fake == NULL)
        return TM_FAKE_NULL("terminus_fake_set_current_session");
    tm_mutex_lock(&fake->lock);
    fake->current_session = id;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_exists(terminus_fake *fake, const char *server, uint32_t id)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s;
    int there = 0;

    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_session_exists");
        return 0;
    }
    if (server == NULL) {
        terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_session_exists: server is NULL");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_find(fake, server);
    s = srv != NULL ? tm_fake_session_find(srv, id) : NULL;
    there = s != NULL && !tm_fake_session_gone(fake, s);
    tm_mutex_unlock(&fake->lock);
    return there;
}

/* The live session `id` of server `server`, with the lock held; or NULL, the
 * lock not held and the error recorded for `fn`. */
static struct tm_fake_session *tm_fake_session_locked(terminus_fake *fake, const char *server,
                                                      uint32_t id, const char *fn)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s = NULL;

    if (server == NULL) {
        terminus_os_error(TERMINUS_E_INVALID, 0, "%s: server is NULL", fn);
        return NULL;
    }
    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_find(fake, server);
    if (srv != NULL)
        s = tm_fake_session_find(srv, id);
    if (s == NULL || tm_fake_session_gone(fake, s)) {
        tm_mutex_unlock(&fake->lock);
        terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "%s: no session %u on \"%.63s\"", fn,
                          (unsigned)id, server);
        return NULL;
    }
    return s;
}

TERMINUS_API int terminus_fake_session_set_details(terminus_fake *fake, const char *server,
                                                   uint32_t id,
                                                   const terminus_session_details *details)
{
    static const char fn[] = "terminus_fake_session_set_details";
    struct tm_fake_session *s;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (details == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: details is NULL", fn);
    if ((s = tm_fake_session_locked(fake, server, id, fn)) == NULL)
        return terminus_error_last()->code;
    s->details = *details;
    s->details.client[sizeof s->details.client - 1] = '\0';
    s->details.address[sizeof s->details.address - 1] = '\0';
    s->details.seat[sizeof s->details.seat - 1] = '\0';
    s->details.tty[sizeof s->details.tty - 1] = '\0';
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_end_after(terminus_fake *fake, const char *server,
                                                 uint32_t id, uint32_t after_ms)
{
    static const char fn[] = "terminus_fake_session_end_after";
    struct tm_fake_session *s;
    uint64_t due;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if ((s = tm_fake_session_locked(fake, server, id, fn)) == NULL)
        return terminus_error_last()->code;
    due = tm_fake_add_sat(fake->now_us, tm_fake_ms_to_us(after_ms));
    if (!s->due_set || due < s->due_us) {
        s->due_set = 1;
        s->due_us = due;
    }
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API int terminus_fake_session_set_message(terminus_fake *fake, const char *server,
                                                   uint32_t id, int code)
{
    static const char fn[] = "terminus_fake_session_set_message";
    struct tm_fake_session *s;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (code > 0 || code < TERMINUS_E_LAST)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: %d is not a TERMINUS_* code", fn,
                                 code);
    if ((s = tm_fake_session_locked(fake, server, id, fn)) == NULL)
        return terminus_error_last()->code;
    s->message_code = code;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}

TERMINUS_API uint32_t terminus_fake_session_messages(terminus_fake *fake, const char *server,
                                                     uint32_t id, char *last, size_t size)
{
    struct tm_fake_server *srv;
    struct tm_fake_session *s;
    uint32_t n = 0;

    if (last != NULL && size > 0)
        last[0] = '\0';
    if (fake == NULL) {
        TM_FAKE_NULL("terminus_fake_session_messages");
        return 0;
    }
    if (server == NULL) {
        terminus_os_error(TERMINUS_E_INVALID, 0, "terminus_fake_session_messages: server is NULL");
        return 0;
    }
    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_find(fake, server);
    s = srv != NULL ? tm_fake_session_find(srv, id) : NULL; /* gone or not */
    if (s != NULL) {
        n = s->messages;
        if (last != NULL && size > 0) {
            size_t len = strlen(s->last_message);
            if (len >= size)
                len = size - 1;
            memcpy(last, s->last_message, len);
            last[len] = '\0';
        }
    }
    tm_mutex_unlock(&fake->lock);
    return n;
}

TERMINUS_API int terminus_fake_blocker_add(terminus_fake *fake, const char *server,
                                           const terminus_blocker *blocker)
{
    static const char fn[] = "terminus_fake_blocker_add";
    struct tm_fake_server *srv;
    terminus_blocker *arr;

    if (fake == NULL)
        return TM_FAKE_NULL(fn);
    if (server == NULL || blocker == NULL)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: %s is NULL", fn,
                                 server == NULL ? "server" : "blocker");
    if (tm_fake_strnlen(server, 64) >= 64)
        return terminus_os_error(TERMINUS_E_INVALID, 0, "%s: server is 64 bytes or more", fn);
    tm_mutex_lock(&fake->lock);
    srv = tm_fake_server_get(fake, server);
    arr = srv == NULL ? NULL
                      : tm_fake_grow(srv->blockers, &srv->capblockers, srv->nblockers + 1,
                                     sizeof *srv->blockers);
    if (arr == NULL) {
        tm_mutex_unlock(&fake->lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "%s: out of memory", fn);
    }
    srv->blockers = arr;
    arr[srv->nblockers] = *blocker;
    arr[srv->nblockers].what[sizeof arr->what - 1] = '\0';
    arr[srv->nblockers].who[sizeof arr->who - 1] = '\0';
    arr[srv->nblockers].why[sizeof arr->why - 1] = '\0';
    arr[srv->nblockers].mode[sizeof arr->mode - 1] = '\0';
    srv->nblockers++;
    tm_mutex_unlock(&fake->lock);
    return TERMINUS_OK;
}
