/**
 * @file terminus/sys/fake.h
 * @brief The fake OS: test your own code against terminus with no real
 *        process at risk and no real time spent.
 *
 * A fake is a scripted world: processes that leave on request after some
 * milliseconds, ignore requests, leave by themselves, are already gone, or
 * cannot be opened; servers with sessions; faults injected into any primitive
 * by name; a log of every call; and a virtual clock, so that a 5-second grace
 * period costs no real time. Hand terminus_fake_os() to terminus_ctx_new():
 *
 * @code
 * terminus_fake *fake;
 * terminus_ctx *ctx;
 * terminus_fake_new(&fake);
 * terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 0);
 * terminus_ctx_new(&ctx, terminus_fake_os(fake));
 * terminus_result r;
 * terminus_terminate(ctx, 42, NULL, &r);  // r.outcome == EXITED, r.elapsed_us == 300000
 * terminus_ctx_free(ctx);
 * terminus_fake_free(fake);
 * @endcode
 *
 * A fake is safe to use from several threads at once. Its clock only moves
 * when a wait would block: it jumps to the next scripted event or to the end
 * of the timeout.
 */
#ifndef TERMINUS_SYS_FAKE_H
#define TERMINUS_SYS_FAKE_H

#include "terminus/common.h"
#include "terminus/terminate.h"
#include "terminus/sys/os.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A fake OS. Opaque. */
typedef struct terminus_fake terminus_fake;

/**
 * @brief Make a fake OS: self pid 1000, system pid 1, clock at 0, one local
 *        server ("") with no sessions.
 * @param[out] out  receives the fake; free it with terminus_fake_free()
 * @retval TERMINUS_OK          made
 * @retval TERMINUS_E_INVALID   `out` is NULL
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_new(terminus_fake **out);

/**
 * @brief Free a fake. Contexts made over it must be freed first.
 * @param fake  the fake; NULL is ignored
 */
TERMINUS_API void terminus_fake_free(terminus_fake *fake);

/**
 * @brief The shim table of the fake, for terminus_ctx_new().
 * @param fake  the fake
 * @return a table owned by the fake, valid until terminus_fake_free(); NULL if `fake` is NULL
 */
TERMINUS_API const terminus_os *terminus_fake_os(terminus_fake *fake);

/** @name Virtual clock
 * @{ */
/**
 * @brief The fake's clock, in microseconds since terminus_fake_new().
 * @param fake  the fake
 * @return the time; 0 if `fake` is NULL
 */
TERMINUS_API uint64_t terminus_fake_now_us(terminus_fake *fake);
/**
 * @brief Move the clock forward; processes due to exit by then exit.
 * @param fake  the fake
 * @param us    how far
 * @retval TERMINUS_OK        moved
 * @retval TERMINUS_E_INVALID `fake` is NULL
 */
TERMINUS_API int terminus_fake_advance(terminus_fake *fake, uint64_t us);
/** @} */

/**
 * @brief Set the pid the fake says the calling process has (default 1000).
 * @param fake  the fake
 * @param pid   the pid
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID `fake` is NULL or `pid` is 0
 */
TERMINUS_API int terminus_fake_set_self(terminus_fake *fake, terminus_pid pid);

/** @name Process behaviours
 * @{ */
#define TERMINUS_FAKE_EXITS_ON_REQUEST 1 /**< leaves `after_ms` after a request, with `exit_code` */
#define TERMINUS_FAKE_IGNORES                                                                      \
    2 /**< ignores requests (a hung or stubborn process); a kill ends it */
#define TERMINUS_FAKE_EXITS_AFTER                                                                  \
    3 /**< leaves by itself `after_ms` after it was added; ignores requests */
#define TERMINUS_FAKE_GONE        4 /**< has already exited with `exit_code` */
#define TERMINUS_FAKE_DENIED      5 /**< cannot be opened: access denied */
#define TERMINUS_FAKE_UNKILLABLE  6 /**< ignores requests and kills (stuck in the kernel) */
#define TERMINUS_FAKE_KILL_DENIED 7 /**< ignores requests; a kill fails with access denied */
/** @} */

/**
 * @brief Add a scripted process.
 * @param fake       the fake
 * @param pid        its pid; not 0, not in use
 * @param behaviour  a TERMINUS_FAKE_* behaviour
 * @param after_ms   for EXITS_ON_REQUEST and EXITS_AFTER, the delay
 * @param exit_code  the code it leaves with by itself
 * @retval TERMINUS_OK          added
 * @retval TERMINUS_E_INVALID   NULL fake, pid 0 or in use, unknown behaviour
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_process_add(terminus_fake *fake, terminus_pid pid, int behaviour,
                                           uint32_t after_ms, uint32_t exit_code);

/** @brief What happened to a scripted process (terminus_fake_process_get()). */
typedef struct terminus_fake_process_info {
    int running;        /**< 1 while it runs */
    uint32_t exit_code; /**< its exit code once ended */
    uint32_t requests;  /**< exit requests it received: message steps, process_request calls */
    uint32_t kills;     /**< kills it received */
    uint64_t ended_us;  /**< the virtual time it ended at, once ended */
} terminus_fake_process_info;

/**
 * @brief Read what happened to a scripted process.
 * @param fake      the fake
 * @param pid       the pid
 * @param[out] info receives it
 * @retval TERMINUS_OK         read
 * @retval TERMINUS_E_INVALID  NULL argument
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_get(terminus_fake *fake, terminus_pid pid,
                                           terminus_fake_process_info *info);

/**
 * @name The close chain
 * How a scripted process meets the steps of a terminate (shim version 2:
 * terminus_os::process_reach and terminus_os::process_step). A process
 * added with terminus_fake_process_add() can be reached by
 * #TERMINUS_FAKE_REACH_DEFAULT, refuses no step, and leaves after the
 * #TERMINUS_STEP_MESSAGE step if it is #TERMINUS_FAKE_EXITS_ON_REQUEST (after
 * no step otherwise). With the default chain (#TERMINUS_STEPS_DEFAULT) its
 * chain is then the message alone, the exit request of terminus 0.1, and
 * the grace period is all its own. A step that reaches a process is counted
 * (terminus_fake_process_step_count()); the message step is also counted as
 * a request (terminus_fake_process_info::requests).
 * @{
 */

/** @brief The steps that can reach a scripted process unless
 *  terminus_fake_process_set_reach() says otherwise: the message and the
 *  signals, as for a Linux process (no window, no console). */
#define TERMINUS_FAKE_REACH_DEFAULT                                                                \
    (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGINT | TERMINUS_STEP_SIGHUP)

/**
 * @brief Set the steps that can reach a scripted process.
 *
 * terminus_os::process_reach then finds `reach` (of the steps asked for)
 * while the process runs, and nothing once it has ended; a step outside
 * `reach` sent all the same fails with #TERMINUS_E_UNREACHABLE (its window
 * or console has gone). It may be changed at any time, for example from a
 * progress callback between two steps.
 * @param fake   the fake
 * @param pid    a scripted process
 * @param reach  TERMINUS_STEP_* bits; 0 = nothing can reach it (no window, no
 *               console, another session)
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   NULL fake or unknown step bits
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_reach(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t reach);

/**
 * @brief Make a scripted process leave after some steps.
 *
 * The process leaves with `exit_code`, `after_ms` after the first of
 * `steps` reaches it (a later one never puts its end off; an earlier end it
 * had, e.g. #TERMINUS_FAKE_EXITS_AFTER, stays). It replaces the rule it had:
 * #TERMINUS_FAKE_EXITS_ON_REQUEST is `steps` = #TERMINUS_STEP_MESSAGE with the
 * delay and code given to terminus_fake_process_add(). How it meets a kill
 * stays its behaviour's.
 * @param fake       the fake
 * @param pid        a scripted process
 * @param steps      TERMINUS_STEP_* bits; 0 = it leaves after no step
 * @param after_ms   the delay
 * @param exit_code  the code it leaves with
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   NULL fake or unknown step bits
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_exit_on(terminus_fake *fake, terminus_pid pid,
                                               uint32_t steps, uint32_t after_ms,
                                               uint32_t exit_code);

/**
 * @brief Make some steps fail on a scripted process with
 *        #TERMINUS_E_ACCESS_DENIED, as Windows' UIPI refuses a post from a
 *        lower integrity level to an elevated window.
 *
 * The steps still count as reaching it (terminus_os::process_reach finds
 * them: the window is there); sending one fails, and it does not arrive.
 * @param fake   the fake
 * @param pid    a scripted process
 * @param steps  TERMINUS_STEP_* bits; 0 = none refused (the default)
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   NULL fake or unknown step bits
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_deny_step(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t steps);

/**
 * @brief How many times a step reached a scripted process.
 * @param fake        the fake
 * @param pid         a scripted process
 * @param step        one TERMINUS_STEP_* bit
 * @param[out] count  receives the count (0 on failure)
 * @retval TERMINUS_OK          read
 * @retval TERMINUS_E_INVALID   NULL argument, or `step` is not one step bit
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_step_count(terminus_fake *fake, terminus_pid pid,
                                                  uint32_t step, uint32_t *count);
/** @} */

/**
 * @brief Add a server that terminus_server_open() can reach.
 * @param fake       the fake
 * @param name       its name; "" is the local machine (always there)
 * @param reachable  0: it exists but cannot be reached (E_UNAVAILABLE)
 * @retval TERMINUS_OK          added (or changed)
 * @retval TERMINUS_E_INVALID   NULL argument or a name of 64 bytes or more
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_server_add(terminus_fake *fake, const char *name, int reachable);

/** @name Session behaviours on logoff
 * @{ */
#define TERMINUS_FAKE_SESSION_ENDS   0 /**< gone `after_ms` after a logoff */
#define TERMINUS_FAKE_SESSION_DENIED 1 /**< logoff fails: access denied */
#define TERMINUS_FAKE_SESSION_HANGS  2 /**< logoff succeeds, the session never goes */
/** @} */

/**
 * @brief Add a session to a server.
 * @param fake       the fake
 * @param server     the server's name ("" = local); added if missing
 * @param id         its id (not #TERMINUS_SESSION_CURRENT, not in use on that server)
 * @param state      a TERMINUS_SESSION_* state
 * @param name       its name (< 64 bytes)
 * @param user       its user (< 256 bytes), "" for none
 * @param behaviour  a TERMINUS_FAKE_SESSION_* behaviour
 * @param after_ms   for ENDS, the delay between logoff and gone
 * @retval TERMINUS_OK          added
 * @retval TERMINUS_E_INVALID   a bad argument
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_session_add(terminus_fake *fake, const char *server, uint32_t id,
                                           int32_t state, const char *name, const char *user,
                                           int behaviour, uint32_t after_ms);

/**
 * @brief Set the caller's own session on the local server.
 * @param fake  the fake
 * @param id    the id; #TERMINUS_SESSION_CURRENT = the caller is in no session (the default)
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID `fake` is NULL
 */
TERMINUS_API int terminus_fake_set_current_session(terminus_fake *fake, uint32_t id);

/**
 * @brief Whether a session is still there.
 * @param fake    the fake
 * @param server  the server's name ("" = local)
 * @param id      the session
 * @return 1 if there, 0 if gone or never was
 */
TERMINUS_API int terminus_fake_session_exists(terminus_fake *fake, const char *server, uint32_t id);

/**
 * @brief Inject a fault.
 *
 * The Nth call (counting from 1, from now) of the primitive fails with `code`
 * and `os_code`, once, or with `persistent` every call from the Nth on. The
 * primitive is the name of a member of #terminus_os that returns an int
 * (process_open, process_status, process_request, process_kill, wait_open,
 * wait_any, exit_process, listen_start, logoff, server_open, session_list,
 * session_current, session_logoff, session_wait_gone, process_reach,
 * process_step) or "*" for all of them, counted together. Adding a
 * fault replaces the one set before.
 * @param fake        the fake
 * @param primitive   the member name or "*"
 * @param nth         which call, from 1
 * @param persistent  0: once; 1: from the Nth on
 * @param code        a TERMINUS_E_* code
 * @param os_code     the native number to report
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID NULL argument, unknown primitive, nth 0, code not an error
 */
TERMINUS_API int terminus_fake_fail(terminus_fake *fake, const char *primitive, uint32_t nth,
                                    int persistent, int code, int64_t os_code);

/**
 * @brief Make each call of a primitive cost virtual time.
 *
 * Every later call of the primitive moves the fake's clock forward by `us`
 * before it acts, as a slow OS call would (a broadcast that visits every
 * window, a remote server). 0 makes it free again.
 * @param fake       the fake
 * @param primitive  the name of a member of #terminus_os that returns an int, or "*" for all
 * @param us         the cost of one call, in microseconds
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID NULL argument or unknown primitive
 */
TERMINUS_API int terminus_fake_set_latency(terminus_fake *fake, const char *primitive, uint32_t us);

/**
 * @brief Limit how many handles may be open at once, as a process's limit on
 *        open descriptors does (Linux: `RLIMIT_NOFILE`).
 *
 * While `limit` handles of any kind (processes, wait sets, servers,
 * listeners; see terminus_fake_open_handles()) are open, every later
 * process_open and wait_open fails with #TERMINUS_E_NO_MEMORY and native
 * code 24 (Linux's `EMFILE`), as `pidfd_open` and `epoll_create1` do on a
 * full descriptor table; a process that does not exist is still
 * #TERMINUS_E_NOT_FOUND. A terminate of more targets than fit then works in
 * batches (terminus_terminate_many()). Handles already open stay open.
 * @param fake   the fake
 * @param limit  the most handles open at once; 0 = no limit (the default)
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID `fake` is NULL
 */
TERMINUS_API int terminus_fake_set_handle_limit(terminus_fake *fake, size_t limit);

/**
 * @brief Remove the fault.
 * @param fake  the fake
 */
TERMINUS_API void terminus_fake_fail_clear(terminus_fake *fake);

/**
 * @brief How many calls the fault has made fail.
 * @param fake  the fake
 * @return the count (0 if `fake` is NULL)
 */
TERMINUS_API uint32_t terminus_fake_faults_fired(terminus_fake *fake);

/**
 * @brief How many primitive calls were made.
 * @param fake       the fake
 * @param primitive  a member name, or NULL for all
 * @return the count (0 if `fake` is NULL)
 */
TERMINUS_API size_t terminus_fake_call_count(terminus_fake *fake, const char *primitive);

/**
 * @brief One entry of the call log, e.g. "process_kill(42, 1) = 0".
 * @param fake   the fake
 * @param index  from 0 to terminus_fake_call_count(fake, NULL) - 1
 * @param buf    receives the entry, NUL-terminated, cut to fit
 * @param size   the size of `buf`
 * @retval TERMINUS_OK         written
 * @retval TERMINUS_E_INVALID  NULL argument or size 0
 * @retval TERMINUS_E_NOT_FOUND `index` is past the end
 */
TERMINUS_API int terminus_fake_call(terminus_fake *fake, size_t index, char *buf, size_t size);

/**
 * @brief Empty the call log.
 * @param fake  the fake
 */
TERMINUS_API void terminus_fake_calls_clear(terminus_fake *fake);

/**
 * @brief How many handles (processes, wait sets, servers, listeners) are open.
 *
 * A test checks it is 0 after each operation: nothing leaks.
 * @param fake  the fake
 * @return the count (0 if `fake` is NULL)
 */
TERMINUS_API size_t terminus_fake_open_handles(terminus_fake *fake);

/**
 * @brief Deliver a request to the listeners of this (fake) process, on the
 *        calling thread, as a backend's listener thread would.
 * @param fake    the fake
 * @param reason  #TERMINUS_REASON_REQUEST or #TERMINUS_REASON_LOGOFF
 * @return how many listeners were called; a negative code for a NULL fake or
 *         an unknown reason
 */
TERMINUS_API int terminus_fake_deliver(terminus_fake *fake, int reason);

/**
 * @brief Whether terminus_exit() reached the fake, and how.
 * @param fake            the fake
 * @param[out] exit_code  receives the code; may be NULL
 * @param[out] fast       receives 1 for a fast exit; may be NULL
 * @return the number of exits recorded (0 if none)
 */
TERMINUS_API uint32_t terminus_fake_exits(terminus_fake *fake, uint32_t *exit_code, int *fast);

/**
 * @brief Whether terminus_logoff() reached the fake, and with which flags.
 * @param fake        the fake
 * @param[out] flags  receives the last flags; may be NULL
 * @return the number of logoffs recorded
 */
TERMINUS_API uint32_t terminus_fake_logoffs(terminus_fake *fake, uint32_t *flags);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_SYS_FAKE_H */
