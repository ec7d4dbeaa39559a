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

/* ------------------------------------------------------------------------ */
/* Sessions an administrator acts on (0.2): details, idle times, selection,   */
/* a warning before the logoff, and what blocks it.                           */

/** @name Session types
 * The values of terminus_session_details::type.
 * @{ */
#define TERMINUS_SESSION_TYPE_UNKNOWN 0 /**< the backend cannot tell */
/** a text terminal: a Linux virtual console or a login over ssh (logind "tty") */
#define TERMINUS_SESSION_TYPE_TTY     1
#define TERMINUS_SESSION_TYPE_X11     2 /**< an X11 desktop (logind "x11") */
#define TERMINUS_SESSION_TYPE_WAYLAND 3 /**< a Wayland desktop (logind "wayland") */
/** a Remote Desktop session (Windows: client protocol type 2, RDP) */
#define TERMINUS_SESSION_TYPE_RDP 4
/** Windows: the machine's own console (client protocol type 0); session 0, the
 *  services' session, has that protocol too */
#define TERMINUS_SESSION_TYPE_CONSOLE 5
/** a type terminus has no name for: logind "unspecified", "mir", "web"; Windows
 *  client protocol type 1 (ICA) */
#define TERMINUS_SESSION_TYPE_OTHER 6
/** @} */

/** @name Session classes
 * The values of terminus_session_details::session_class: logind's `Class`.
 * Windows has no such thing: its sessions are all #TERMINUS_SESSION_CLASS_UNKNOWN.
 * @{ */
#define TERMINUS_SESSION_CLASS_UNKNOWN 0 /**< the backend has no class (Windows) */
#define TERMINUS_SESSION_CLASS_USER    1 /**< a user's session (logind "user") */
/** a login screen (logind "greeter", as gdm's): no user's work is in it, and
 *  terminus_session_logoff_matching() never selects it by state, idle time or
 *  user */
#define TERMINUS_SESSION_CLASS_GREETER     2
#define TERMINUS_SESSION_CLASS_LOCK_SCREEN 3 /**< a lock screen (logind "lock-screen") */
#define TERMINUS_SESSION_CLASS_BACKGROUND                                                          \
    4 /**< no one in front of it: cron, a service (logind "background") */
#define TERMINUS_SESSION_CLASS_OTHER 5 /**< a class terminus has no name for */
/** @} */

/**
 * @brief One session, with what an administrator needs to decide about it.
 *
 * Fixed-size, so that bindings map it directly. The first four members are
 * those of #terminus_session_info, with the same meaning. Times are
 * microseconds since 1970-01-01 00:00 UTC (the Unix epoch) on the server's
 * clock; 0 means unknown, or never. Strings are UTF-8, NUL-terminated, ""
 * when unknown or none.
 *
 * Where each comes from: Windows, `WTSQuerySessionInformationW`
 * (`WTSSessionInfo`: the times; `WTSClientName`, `WTSClientAddress`,
 * `WTSClientProtocolType`); Linux, logind's session properties (`Timestamp`,
 * `IdleHint`, `IdleSinceHint`, `Remote`, `RemoteHost`, `Type`, `Class`,
 * `TTY`, `Seat`). See docs/guarantees.md, "Session details", for what each
 * platform can and cannot tell.
 */
typedef struct terminus_session_details {
    uint32_t id;           /**< as terminus_session_info::id */
    int32_t state;         /**< TERMINUS_SESSION_* state */
    char name[64];         /**< as terminus_session_info::name */
    char user[256];        /**< as terminus_session_info::user */
    int32_t type;          /**< TERMINUS_SESSION_TYPE_* */
    int32_t session_class; /**< TERMINUS_SESSION_CLASS_* */
    /** 1: used from another machine (RDP, ssh); 0: at the machine itself; -1: unknown */
    int32_t remote;
    /** 1: idle (logind `IdleHint`); 0: in use; -1: the backend has no such hint
     *  (Windows: its idle time comes from the last input, `idle_since_us`) */
    int32_t idle_hint;
    int64_t logon_us; /**< when the user logged on (logind `Timestamp`, WTS `LogonTime`) */
    /** since when nobody has used it: logind `IdleSinceHint` (only while idle),
     *  WTS `LastInputTime`; 0 unknown */
    int64_t idle_since_us;
    /** when it was disconnected (WTS `DisconnectTime`); 0 unknown or never
     *  (always on Linux: logind sessions are never disconnected) */
    int64_t disconnect_us;
    /** the server's clock when these were read: what idle times count to (WTS
     *  `CurrentTime`; Linux: this machine's clock, also for a remote server) */
    int64_t now_us;
    /** the client's host: WTS `WTSClientName` (the computer the RDP client runs
     *  on), logind `RemoteHost` (where an ssh login came from) */
    char client[256];
    /** the client's address as text ("192.0.2.7", "2001:db8::5"): WTS
     *  `WTSClientAddress`; "" on Linux (its `RemoteHost` may be one) */
    char address[64];
    /** the seat (logind `Seat`, "seat0") or station (Windows: the window
     *  station's name, as `name`) */
    char seat[64];
    /** the terminal (logind `TTY`: "tty2", "pts/3"); "" for none and on Windows */
    char tty[64];
} terminus_session_details;

/**
 * @brief List the sessions on a server with their details.
 *
 * The same sessions as terminus_session_list(), in one listing. A backend
 * with no details (a shim table without terminus_os::session_details) gives
 * what terminus_session_list() gives and leaves the rest unknown.
 *
 * @param server     the server
 * @param[out] out   receives an array; free it with terminus_session_details_free()
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
TERMINUS_API int terminus_session_details_list(terminus_server *server,
                                               terminus_session_details **out, size_t *count);

/**
 * @brief Free a list from terminus_session_details_list().
 * @param list  the list; NULL is ignored
 */
TERMINUS_API void terminus_session_details_free(terminus_session_details *list);

/**
 * @brief How long a session has been idle, in milliseconds.
 *
 * The rule, the same for every backend: a disconnected session whose
 * disconnect time is known has been idle since then (as Windows counts it);
 * otherwise a session whose `idle_hint` is 0 is not idle (0); otherwise
 * since `idle_since_us`, if known. The time counts to `now_us`, the
 * server's clock when the details were read; a time after it counts as 0.
 *
 * @param d  the session's details
 * @return the idle time in milliseconds (0: in use); -1 when unknown (no
 *         idle or disconnect time, no clock, or `d` NULL)
 */
TERMINUS_API int64_t terminus_session_idle_ms(const terminus_session_details *d);

/**
 * @brief Read a duration, as the `logoff` command's `/IDLE:` takes it.
 *
 * Pure: no OS call. Accepted (ASCII letters in either case):
 * - numbers with units, largest first, each unit at most once: `90m`, `2h`,
 *   `1d`, `45s`, `1h30m`, `2d4h` (`d` days, `h` hours, `m` minutes, `s`
 *   seconds);
 * - the notation `query user` writes idle times in: `5` (minutes), `1:02`
 *   (hours:minutes), `2+03:04` (days+hours:minutes); minutes and hours after a
 *   `:` or `+` have two digits, below 60 and 24;
 * - `.` (idle less than a minute, as `query user` writes it): 0.
 *
 * @param text     the duration, NUL-terminated
 * @param[out] ms  receives the duration in milliseconds
 * @retval TERMINUS_OK        read
 * @retval TERMINUS_E_INVALID `text` or `ms` NULL, or a duration that does not
 *                            parse; the message says why and where ("unknown
 *                            unit 'x'", "'m' after 's'", "no number before
 *                            'h'", "too long", ...)
 */
TERMINUS_API int terminus_duration_parse(const char *text, uint64_t *ms);

/**
 * @brief Write an idle time as `query user` writes it.
 *
 * Pure: no OS call. Below a minute `.`; below an hour the minutes (`5`);
 * below a day hours and minutes (`1:02`); else days, hours and minutes
 * (`2+03:04`); an unknown idle time (negative) is `none`. Whole minutes,
 * rounded down. terminus_duration_parse() reads every text it writes back
 * (`none` aside) to the minute it shows.
 *
 * @param idle_ms  the idle time (terminus_session_idle_ms()), negative if unknown
 * @param buf      receives the text, NUL-terminated
 * @param size     the size of `buf`; 24 bytes always suffice
 * @retval TERMINUS_OK        written
 * @retval TERMINUS_E_INVALID `buf` NULL, or `size` too small for the text
 *                            (then `buf` holds "" if `size` is not 0)
 */
TERMINUS_API int terminus_idle_format(int64_t idle_ms, char *buf, size_t size);

/**
 * @brief Send a message to a session's user.
 *
 * Windows: `WTSSendMessageW`, a message box in the session that closes by
 * itself after `timeout_ms` (rounded up to seconds; 0 = it stays until the
 * user closes it); the call returns at once, without waiting for the user.
 * Linux: written to the session's terminal as `wall` writes (the session's
 * `TTY`, opened with `O_WRONLY | O_NOCTTY | O_NONBLOCK`), on this machine
 * only; `timeout_ms` is not used. A session with no terminal (a graphical
 * one: logind has no channel to its user) is #TERMINUS_E_UNSUPPORTED, and
 * so is a remote server's session, each with a message saying so. The text
 * is not changed, except that each line break is sent as the terminal needs
 * it ("\r\n").
 *
 * @param server      the server
 * @param id          the session, or #TERMINUS_SESSION_CURRENT
 * @param title       a title (Windows: the box's caption; Linux: the first
 *                    line); NULL for "terminus". At most 255 bytes of UTF-8,
 *                    no control character
 * @param text        the message: 1 to 1023 bytes of UTF-8; line breaks ("\n")
 *                    and tabs are the only control characters allowed
 * @param timeout_ms  Windows: how long the message stays (0: until closed)
 * @retval TERMINUS_OK            sent (on Windows: displayed; on Linux: written
 *                                to the terminal)
 * @retval TERMINUS_E_INVALID     `server` or `text` NULL, a bad title or text
 * @retval TERMINUS_E_NOT_FOUND   no such session, or (CURRENT) the caller is in none
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not write to it
 * @retval TERMINUS_E_UNSUPPORTED the session has no channel to its user
 *                                (Linux: no terminal, a graphical session, a
 *                                remote server), or the backend cannot send
 *                                messages (Wine's stub)
 * @retval TERMINUS_E_UNAVAILABLE the server went away
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure (a terminal that does not
 *                                take the text at once)
 */
TERMINUS_API int terminus_session_message(terminus_server *server, uint32_t id, const char *title,
                                          const char *text, uint32_t timeout_ms);

/** @brief The version of #terminus_session_filter this header describes. */
#define TERMINUS_SESSION_FILTER_VERSION 1

/** @brief The bit of a TERMINUS_SESSION_* state in terminus_session_filter::states. */
#define TERMINUS_SESSION_STATE_BIT(state) (1u << (state))

/** @brief terminus_session_filter::flags: `idle_ms` applies. */
#define TERMINUS_FILTER_IDLE 0x1u
/** @brief terminus_session_filter::flags: `id` applies (one session, as named). */
#define TERMINUS_FILTER_ID 0x2u

/**
 * @brief Which sessions terminus_session_logoff_matching() acts on.
 *
 * A session matches when it meets every criterion given. At least one must
 * be given (a state, an idle time, a user or an id): a filter with none is
 * refused, so that no call logs off every session by omission.
 *
 * Whatever the filter, a selection by state, idle time or user never
 * includes session 0, a session in state #TERMINUS_SESSION_LISTEN,
 * #TERMINUS_SESSION_DOWN or #TERMINUS_SESSION_INIT, a session with no user,
 * or a login screen (#TERMINUS_SESSION_CLASS_GREETER). A session named by
 * its id (#TERMINUS_FILTER_ID) is refused instead (#TERMINUS_E_REFUSED) when
 * it is one of the first three, as terminus_session_logoff() refuses it.
 */
typedef struct terminus_session_filter {
    /** #TERMINUS_SESSION_FILTER_VERSION */
    uint32_t version;
    /** #TERMINUS_FILTER_IDLE, #TERMINUS_FILTER_ID */
    uint32_t flags;
    /** TERMINUS_SESSION_STATE_BIT(state) of each state that matches; 0 = any
     *  state (`TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_DISCONNECTED)`: the
     *  disconnected sessions) */
    uint32_t states;
    /** with #TERMINUS_FILTER_ID: the session, or #TERMINUS_SESSION_CURRENT */
    uint32_t id;
    /** with #TERMINUS_FILTER_IDLE: idle for at least this long
     *  (terminus_session_idle_ms()); a session whose idle time is unknown
     *  never matches */
    uint64_t idle_ms;
    /** NULL: any user; else the user, as terminus_session_info::user gives it
     *  ("DOMAIN\\alice") or without its domain ("alice"), compared without
     *  regard to ASCII case (as Windows compares account names) */
    const char *user;
} terminus_session_filter;

/** @brief Static initialiser: version 1, no criterion yet. */
#define TERMINUS_SESSION_FILTER_INIT                                                               \
    {                                                                                              \
        TERMINUS_SESSION_FILTER_VERSION, 0, 0, 0, 0, NULL                                          \
    }

/** @brief The version of #terminus_session_logoff_options this header describes. */
#define TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION 1

/** @brief terminus_session_logoff_options::flags: change nothing; say what would be done. */
#define TERMINUS_SESSION_DRY_RUN 0x2u
/** @brief terminus_session_logoff_options::flags: log off only the sessions the
 *  warning reached (the others: the warning's code). */
#define TERMINUS_SESSION_WARNED_ONLY 0x4u

/** @brief How terminus_session_logoff_matching() logs off. */
typedef struct terminus_session_logoff_options {
    /** #TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION */
    uint32_t version;
    /** #TERMINUS_SESSION_WAIT, #TERMINUS_SESSION_DRY_RUN, #TERMINUS_SESSION_WARNED_ONLY
     *  (which needs `message`) */
    uint32_t flags;
    /** with #TERMINUS_SESSION_WAIT: how long to wait, for all of them together,
     *  for the sessions logged off to be gone */
    uint32_t timeout_ms;
    /** with `message`: the countdown between the warnings and the logoffs; 0 = none */
    uint32_t countdown_ms;
    /** the warning's title (terminus_session_message()); NULL for "terminus" */
    const char *title;
    /** NULL: no warning; else the text each session's user is sent first
     *  (terminus_session_message(), with `countdown_ms` as its timeout) */
    const char *message;
} terminus_session_logoff_options;

/** @brief Static initialiser: version 1, no flag, no warning. */
#define TERMINUS_SESSION_LOGOFF_OPTIONS_INIT                                                       \
    {                                                                                              \
        TERMINUS_SESSION_LOGOFF_OPTIONS_VERSION, 0, 0, 0, NULL, NULL                               \
    }

/** @brief What terminus_session_logoff_matching() did to one session. */
typedef struct terminus_session_outcome {
    /** the session, as listed when it was selected */
    terminus_session_details session;
    /** #TERMINUS_OK: logged off (with #TERMINUS_SESSION_WAIT: and gone), or it
     *  ended by itself during the countdown, or (dry run) it would be logged
     *  off; else why not */
    int32_t status;
    /** #TERMINUS_OK: warned, or no warning was asked; else why the warning
     *  did not reach it */
    int32_t warn_status;
    /** 1: the warning went out to it */
    int32_t warned;
    /** 1: it ended by itself during the countdown, and was not logged off */
    int32_t ended_early;
    /** why `status` is not #TERMINUS_OK (the error record of that failure); "" when it is */
    char message[256];
    /** why `warn_status` is not #TERMINUS_OK; "" when it is */
    char warn_message[256];
} terminus_session_outcome;

/**
 * @brief Log off every session that matches, in one call.
 *
 * 1. One listing of the server's sessions with their details
 *    (terminus_session_details_list()); the filter picks the sessions (see
 *    #terminus_session_filter for those never picked). None: #TERMINUS_E_NOT_FOUND,
 *    "no session matched".
 * 2. With #TERMINUS_SESSION_DRY_RUN, stop here: every outcome is #TERMINUS_OK
 *    and nothing is sent to any session.
 * 3. With a `message`, each session's user is warned
 *    (terminus_session_message()); then the countdown: the call waits
 *    `countdown_ms` (on the OS, terminus_os::session_wait_gone), and a
 *    session that ends meanwhile is not logged off (`ended_early`). After a
 *    countdown the sessions are listed again, and a session whose id now
 *    names another session (another logon time, user or name: Windows
 *    reuses ids) is left alone with #TERMINUS_E_NOT_FOUND.
 * 4. Each session is logged off (terminus_session_logoff() without its own
 *    listing), the caller's own session last; with #TERMINUS_SESSION_WAIT,
 *    then waited for, all within one `timeout_ms`.
 *
 * Every argument is checked first: bad input changes nothing.
 *
 * @param server     the server
 * @param filter     which sessions (must not be NULL)
 * @param opts       how; NULL for the defaults (no warning, no wait)
 * @param[out] out   receives one outcome per matched session, in the order of
 *                   the listing (NULL when none matched or the call failed
 *                   before any was matched); free it with
 *                   terminus_session_outcomes_free(). May be NULL when the
 *                   caller needs only the code.
 * @param[out] count receives how many; may be NULL with `out`
 * @retval TERMINUS_OK            every matched session was logged off (or
 *                                ended by itself), or would be (dry run)
 * @retval TERMINUS_E_INVALID     `server` or `filter` NULL, `out` without
 *                                `count`, a bad version, unknown flags or
 *                                states, no criterion, a bad user, a non-zero
 *                                countdown, WARNED_ONLY or a title without a
 *                                message, a bad title or message; nothing is done
 * @retval TERMINUS_E_NOT_FOUND   no session matched ("no session matched"); with
 *                                #TERMINUS_FILTER_ID and CURRENT: the caller is in
 *                                no session
 * @retval TERMINUS_E_UNSUPPORTED a countdown without terminus_os::session_wait_gone,
 *                                or an idle criterion on a backend with no details
 * @return or the code of the first session that failed, in the order of the
 *         outcomes (its `message` is the thread's error record): a code of
 *         terminus_session_logoff() or of terminus_session_list()
 */
TERMINUS_API int terminus_session_logoff_matching(terminus_server *server,
                                                  const terminus_session_filter *filter,
                                                  const terminus_session_logoff_options *opts,
                                                  terminus_session_outcome **out, size_t *count);

/**
 * @brief Free the outcomes of terminus_session_logoff_matching().
 * @param list  the outcomes; NULL is ignored
 */
TERMINUS_API void terminus_session_outcomes_free(terminus_session_outcome *list);

/** @brief terminus_blocker::uid when unknown (Windows). */
#define TERMINUS_BLOCKER_UID_UNKNOWN UINT32_MAX

/** @brief One thing that holds a logoff or a shutdown back. Fixed-size. */
typedef struct terminus_blocker {
    /** what it holds back: logind's `what` ("shutdown:sleep", "idle",
     *  "handle-power-key", ...); Windows: "shutdown" (a logoff too) */
    char what[64];
    /** who: logind's `who` (the program's name for itself); Windows: the
     *  window's program ("notepad.exe") */
    char who[256];
    /** why, as the program wrote it (logind's `why`; Windows: the reason
     *  `ShutdownBlockReasonCreate` set) */
    char why[512];
    /** "block" (holds it back until released) or "delay" (for a few seconds,
     *  logind's `InhibitDelayMaxSec`); Windows: "block" */
    char mode[16];
    /** the program's user id; #TERMINUS_BLOCKER_UID_UNKNOWN on Windows */
    uint32_t uid;
    /** the program's process id; 0 unknown */
    uint32_t pid;
} terminus_blocker;

/**
 * @brief List what holds a logoff or a shutdown of a session back.
 *
 * Linux: logind's inhibitors (`ListInhibitors`: who, why, mode, uid, pid).
 * They are the server's, not one session's: the list is the same for every
 * `id`. They hold back what their `what` says (shutdown, sleep, idle, power
 * keys); logind's `TerminateSession`, the logoff, is held back by none, so
 * on Linux the list says what would delay a shutdown, and why.
 *
 * Windows: the reasons top-level windows set with
 * `ShutdownBlockReasonCreate`, read with `ShutdownBlockReasonQuery` on the
 * windows of the caller's own session, the only ones a program can see:
 * any other session, or a remote server, is #TERMINUS_E_UNSUPPORTED, with a
 * message saying so. Wine 8's user32 has no `ShutdownBlockReasonQuery`:
 * #TERMINUS_E_UNSUPPORTED too.
 *
 * @param server     the server
 * @param id         the session, or #TERMINUS_SESSION_CURRENT
 * @param[out] out   receives an array; free it with terminus_blockers_free()
 *                   (NULL when there is none)
 * @param[out] count receives how many
 * @retval TERMINUS_OK            listed (none is not an error)
 * @retval TERMINUS_E_INVALID     a NULL argument
 * @retval TERMINUS_E_NOT_FOUND   (Windows) the caller's own session cannot be found
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot tell for this session (see above)
 * @retval TERMINUS_E_UNAVAILABLE the server went away
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not ask
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_session_blockers(terminus_server *server, uint32_t id,
                                           terminus_blocker **out, size_t *count);

/**
 * @brief Free a list from terminus_session_blockers().
 * @param list  the list; NULL is ignored
 */
TERMINUS_API void terminus_blockers_free(terminus_blocker *list);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_SESSION_H */
