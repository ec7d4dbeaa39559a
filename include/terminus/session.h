/**
 * @file terminus/session.h
 * @brief Sessions on a server, local or remote: list, resolve, log off.
 *
 * Windows: Remote Desktop Services (`WTSOpenServerW`, `WTSEnumerateSessionsW`,
 * `WTSLogoffSession`). Linux: systemd-logind over D-Bus, locally or through
 * ssh (`"user@host:port"`, as `loginctl -H`).
 */
#ifndef TERMINUS_SESSION_H
#define TERMINUS_SESSION_H

#include "terminus/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A connection to a server's session manager. Opaque. */
typedef struct terminus_server terminus_server;

/**
 * @brief Open a server.
 * @param ctx      the context, or NULL for the default context; it must
 *                 outlive the server
 * @param name     NULL or "" for this machine; otherwise a host name
 *                 (Windows) or `[user@]host[:port]` (Linux), UTF-8, at most
 *                 255 bytes, no control characters or spaces
 * @param[out] out receives the server; close it with terminus_server_close()
 * @retval TERMINUS_OK            open
 * @retval TERMINUS_E_INVALID     `out` NULL or a malformed name
 * @retval TERMINUS_E_NOT_FOUND   no such server
 * @retval TERMINUS_E_UNAVAILABLE the server or bus cannot be reached
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not connect
 * @retval TERMINUS_E_UNSUPPORTED the backend has no sessions, or no remote ones
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_server_open(terminus_ctx *ctx, const char *name, terminus_server **out);

/**
 * @brief Close a server.
 * @param server  the server; NULL is ignored
 */
TERMINUS_API void terminus_server_close(terminus_server *server);

/** @brief terminus_session_logoff() id: the caller's own session. */
#define TERMINUS_SESSION_CURRENT UINT32_MAX

/** @name Session states
 * @{ */
#define TERMINUS_SESSION_ACTIVE 0       /**< a user is logged on and it is in front */
#define TERMINUS_SESSION_CONNECTED 1    /**< connected, not (yet) active */
#define TERMINUS_SESSION_DISCONNECTED 4 /**< a user is logged on, nobody is connected */
#define TERMINUS_SESSION_OTHER 9        /**< listening, idle, down, closing, ... */
/** @} */

/** @brief One session. Fixed-size, so that bindings map it directly. */
typedef struct terminus_session_info {
    uint32_t id;     /**< the session id; on Linux a logind id that is not a number gets
                          an id from 0x80000000 up that stays the same for the life of the server */
    int32_t state;   /**< TERMINUS_SESSION_* */
    char name[64];   /**< "RDP-Tcp#3", "Console", the logind id "c2"; UTF-8, NUL-terminated */
    char user[256];  /**< "alice" or "DOMAIN\\alice"; "" if none; UTF-8, NUL-terminated */
} terminus_session_info;

/**
 * @brief List the sessions on a server.
 * @param server     the server
 * @param[out] out   receives an array; free it with terminus_session_list_free()
 *                   (NULL when there are none)
 * @param[out] count receives how many
 * @retval TERMINUS_OK            listed
 * @retval TERMINUS_E_INVALID     a NULL argument
 * @retval TERMINUS_E_UNAVAILABLE the server went away
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not list sessions
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot list sessions
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_session_list(terminus_server *server, terminus_session_info **out, size_t *count);

/**
 * @brief Free a list from terminus_session_list().
 * @param list  the list; NULL is ignored
 */
TERMINUS_API void terminus_session_list_free(terminus_session_info *list);

/**
 * @brief Find a session's id, as the `logoff` command reads its argument.
 * @param server  the server
 * @param spec    NULL = the caller's own session; digits ("12") = that id;
 *                anything else = a session name, matched without regard to
 *                (ASCII) case
 * @param[out] id receives the id
 * @retval TERMINUS_OK            found
 * @retval TERMINUS_E_INVALID     `server` or `id` NULL; `spec` empty, longer than
 *                                63 bytes, not UTF-8, with control characters,
 *                                or a number that does not fit or is
 *                                #TERMINUS_SESSION_CURRENT
 * @retval TERMINUS_E_NOT_FOUND   no session has that id or name, or the caller
 *                                is in no session
 * @return or a code of terminus_session_list()
 */
TERMINUS_API int terminus_session_resolve(terminus_server *server, const char *spec, uint32_t *id);

/** @brief terminus_session_logoff() flag: return once the session is gone. */
#define TERMINUS_SESSION_WAIT 0x1u

/**
 * @brief Log off a session.
 * @param server      the server
 * @param id          the session, or #TERMINUS_SESSION_CURRENT
 * @param flags       0 or #TERMINUS_SESSION_WAIT
 * @param timeout_ms  with WAIT, how long to wait for the session to be gone;
 *                    ignored without it
 * @retval TERMINUS_OK            logged off (and gone, with WAIT)
 * @retval TERMINUS_E_INVALID     `server` NULL or unknown bits in `flags`
 * @retval TERMINUS_E_REFUSED     session 0 (the services' session), or vetoed
 * @retval TERMINUS_E_NOT_FOUND   no such session
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not log it off
 * @retval TERMINUS_E_TIMEOUT     with WAIT: still there after `timeout_ms`
 * @retval TERMINUS_E_UNAVAILABLE the server went away
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot log sessions off
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_session_logoff(terminus_server *server, uint32_t id, uint32_t flags,
                                         uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_SESSION_H */
