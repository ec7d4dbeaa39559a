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
 *
 * A server belongs to the process that opened it. After `fork()` the child
 * must open its own: on Linux a child's use of an inherited server returns
 * #TERMINUS_E_UNAVAILABLE at once ("server opened by process P, used in its
 * child C after fork(): open a new one") without touching the parent's
 * connection, and terminus_server_close() in the child frees only
 * terminus's own memory. The parent's server is not affected.
 *
 * @param ctx      the context, or NULL for the default context; it must
 *                 outlive the server
 * @param name     NULL or "" (exactly the empty string) for this machine;
 *                 otherwise a host name (Windows) or `[user@]host[:port]`
 *                 (Linux; an IPv6 address in brackets, `[::1]:2222`; the
 *                 port 1 to 65535), UTF-8, at most 255 bytes, no control
 *                 characters or spaces. A program that takes the name from
 *                 its user should refuse an empty one rather than pass it
 *                 on, or it acts on this machine (the example programs do).
 * @param[out] out receives the server; close it with terminus_server_close()
 * @retval TERMINUS_OK            open
 * @retval TERMINUS_E_INVALID     `out` NULL or a malformed name (`"host:"`,
 *                                `"user@"`, `"[::1"`, `"host:22:33"`: the
 *                                message says what is wrong)
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
 * The values of terminus_session_info::state. LISTEN, DOWN and INIT are
 * states no user's session is in: terminus_session_logoff() refuses a
 * session in one of them (#TERMINUS_E_REFUSED). A backend that cannot tell
 * these states reports #TERMINUS_SESSION_OTHER, as all backends did before
 * they were added. Windows reports all three (`WTSListen`, `WTSDown`,
 * `WTSInit`); Linux (logind) none: its "opening" and "closing" sessions are
 * OTHER.
 * @{ */
#define TERMINUS_SESSION_ACTIVE       0 /**< a user is logged on and it is in front */
#define TERMINUS_SESSION_CONNECTED    1 /**< connected, not (yet) active */
#define TERMINUS_SESSION_DISCONNECTED 4 /**< a user is logged on, nobody is connected */
#define TERMINUS_SESSION_OTHER        9 /**< idle, closing, or a state the backend does not name */
/** a listener that waits for connections, no user's session: the RDP listener
 *  ("RDP-Tcp", id 65536) on Windows (`WTSListen`); never logged off */
#define TERMINUS_SESSION_LISTEN 6
/** down: the session is ending or failed to start (`WTSDown`); never logged off */
#define TERMINUS_SESSION_DOWN 8
/** being initialized, no user's session yet (`WTSInit`); never logged off */
#define TERMINUS_SESSION_INIT 10
/** @} */

/** @brief One session. Fixed-size, so that bindings map it directly. */
typedef struct terminus_session_info {
    uint32_t id;    /**< the session id. On Linux, a pure function of the logind id,
                          the same in every process: a number N (1 to 2147483647,
                          written without a leading zero) is N; "cN" (N below
                          0x40000000, no leading zero) is 0x80000000 + N; any other
                          ("0", "01", "2147483648") is 0xC0000000 | (its 32-bit
                          FNV-1a hash modulo 0x3FFFFFFF), never 0 or
                          #TERMINUS_SESSION_CURRENT. Two logind ids may share an id:
                          terminus_session_logoff() then refuses it (name the
                          session instead) */
    int32_t state;  /**< TERMINUS_SESSION_* */
    char name[64];  /**< "RDP-Tcp#3", "Console", the logind id "c2"; UTF-8, NUL-terminated */
    char user[256]; /**< "alice" or "DOMAIN\\alice"; "" if none; UTF-8, NUL-terminated */
} terminus_session_info;

/**
 * @brief List the sessions on a server.
 * @param server     the server
 * @param[out] out   receives an array; free it with terminus_session_list_free()
 *                   (NULL when there are none)
 * @param[out] count receives how many
 * @retval TERMINUS_OK            listed
 * @retval TERMINUS_E_INVALID     a NULL argument
 * @retval TERMINUS_E_UNAVAILABLE the server went away, or it was opened by
 *                                the parent of this process (see
 *                                terminus_server_open())
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not list sessions
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot list sessions
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_session_list(terminus_server *server, terminus_session_info **out,
                                       size_t *count);

/**
 * @brief Free a list from terminus_session_list().
 * @param list  the list; NULL is ignored
 */
TERMINUS_API void terminus_session_list_free(terminus_session_info *list);

/**
 * @brief Find a session's id, as the `logoff` command reads its argument.
 *
 * The same rules on every backend: digits without a leading zero ("12",
 * "0") name the session with that id if there is one, else the session with
 * that name (a logind id such as "2147483648"); anything else ("Console",
 * "c2", "01") is a name, matched without regard to (ASCII) case. A spec that
 * is the id of one session and the name of another, an id two sessions
 * share, and a match on a name of the full 63 bytes (which may have been
 * cut from a longer one) are refused: the caller must say which it means.
 *
 * @param server  the server
 * @param spec    NULL = the caller's own session; otherwise an id or a name
 *                as above
 * @param[out] id receives the id
 * @retval TERMINUS_OK            found
 * @retval TERMINUS_E_INVALID     `server` or `id` NULL; `spec` empty, longer than
 *                                63 bytes, not UTF-8, with control characters,
 *                                or a number that does not fit or is
 *                                #TERMINUS_SESSION_CURRENT; or `spec` names
 *                                two sessions, or one by a possibly cut name
 * @retval TERMINUS_E_NOT_FOUND   no session has that id or name, or the caller
 *                                is in no session
 * @return or a code of terminus_session_list()
 */
TERMINUS_API int terminus_session_resolve(terminus_server *server, const char *spec, uint32_t *id);

/** @brief terminus_session_logoff() flag: return once the session is gone. */
#define TERMINUS_SESSION_WAIT 0x1u

/**
 * @brief Log off a session.
 *
 * Before the logoff, the session is looked up in one listing of the server's
 * sessions (as terminus_session_list()): a session in state
 * #TERMINUS_SESSION_LISTEN, #TERMINUS_SESSION_DOWN or #TERMINUS_SESSION_INIT
 * is refused, as session 0 is, and nothing is logged off. A listing that
 * fails fails the call, with nothing logged off, except where the backend
 * cannot list sessions at all (#TERMINUS_E_UNSUPPORTED, e.g. under Wine):
 * then there is no state to check and the logoff goes on as before. A
 * session missing from the list is left to the backend, which answers
 * #TERMINUS_E_NOT_FOUND when there is none.
 *
 * With #TERMINUS_SESSION_WAIT on Windows, where session ids are reused, a
 * new session that takes the id during the wait does not keep the wait
 * going: the id's logon time, read before the logoff, tells them apart.
 *
 * @param server      the server
 * @param id          the session, or #TERMINUS_SESSION_CURRENT
 * @param flags       0 or #TERMINUS_SESSION_WAIT
 * @param timeout_ms  with WAIT, how long to wait for the session to be gone;
 *                    ignored without it
 * @retval TERMINUS_OK            logged off (and gone, with WAIT)
 * @retval TERMINUS_E_INVALID     `server` NULL or unknown bits in `flags`; on
 *                                Linux, an id that two live logind sessions
 *                                share (the message names both: name the
 *                                session instead). A logoff by id never acts
 *                                on another session than the one the id was
 *                                derived from
 * @retval TERMINUS_E_REFUSED     session 0 (the services' session); a session
 *                                that terminus_session_list() shows in state
 *                                #TERMINUS_SESSION_LISTEN, #TERMINUS_SESSION_DOWN
 *                                or #TERMINUS_SESSION_INIT (the message names
 *                                the session and its state); or vetoed
 * @retval TERMINUS_E_NOT_FOUND   no such session
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not log it off
 * @retval TERMINUS_E_TIMEOUT     with WAIT: still there after `timeout_ms`
 * @retval TERMINUS_E_UNAVAILABLE the server went away, or it was opened by
 *                                the parent of this process (see
 *                                terminus_server_open())
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot log sessions off
 * @retval TERMINUS_E_NO_MEMORY   out of memory (listing the sessions)
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_session_logoff(terminus_server *server, uint32_t id, uint32_t flags,
                                         uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_SESSION_H */
