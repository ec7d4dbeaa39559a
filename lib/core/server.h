/*
 * lib/core/server.h: what the core's session files share (private):
 *   session.c   servers, listing, resolving, logging one session off
 *   admin.c     details, messages, selection and logoff of many sessions,
 *               blockers (include/terminus/session.h, "Sessions an
 *               administrator acts on")
 *   duration.c  the duration parser, the idle time and its text (pure)
 */
#ifndef TERMINUS_CORE_SERVER_H
#define TERMINUS_CORE_SERVER_H

#include "core.h"

struct terminus_server {
    terminus_ctx *ctx;
    terminus_os_server *os_server;
};

/* session.c: the caller's own session on the server (session_current),
 * recorded for `fn` on failure. */
int tm_session_current(terminus_server *server, const char *fn, uint32_t *id);

/* session.c: why a session in `state` is never logged off (for a message), or
 * NULL when it may be: LISTEN, DOWN, INIT. */
const char *tm_session_never(int32_t state);

/* session.c: strcmp without regard to ASCII case. */
int tm_ascii_casecmp(const char *a, const char *b);

#endif
