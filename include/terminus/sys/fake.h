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
 * @param pid        its pid; not 0, not in use (the pid of a process that has ended may be
 *                   used again: see terminus_fake_process_add_at())
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
 * @name What names a process
 * How scripted processes appear to terminus_process_list(),
 * terminus_process_token(), terminus_terminate_token(),
 * terminus_terminate_name() and a #TERMINUS_TERMINATE_TREE terminate (shim
 * version 2: terminus_os::process_list, terminus_os::process_identity,
 * terminus_os::boot_id). A process added with terminus_fake_process_add()
 * starts at the fake's clock then: its terminus_process_info::start is that
 * virtual time, in microseconds. It has a unique id no other process of the
 * fake has (1, 2, 3... in the order added), no parent (0), the image name
 * "fake-<pid>", no session (#TERMINUS_SESSION_NONE) and no known uid
 * (#TERMINUS_UID_UNKNOWN). Parent links stay as they are set, as Windows
 * keeps the link of a process whose parent has ended; with the trait
 * #TERMINUS_OS_REPARENTS (terminus_fake_set_traits()) such a process is
 * listed with parent 1, as Linux re-parents it to init. The listing holds the
 * processes that have started and still run, in the order added, with the
 * name, uid and session only when the caller asked for them (as a backend
 * may leave them unread: a core that reads one it did not ask for sees ""
 * or none); the caller is in it only if a process with its pid
 * (terminus_fake_set_self()) is scripted. terminus_os::process_identity
 * reads the process a handle holds whether it has ended or not (as Windows
 * does while a handle is held, and Linux of a zombie).
 * @{
 */

/** @brief The boot id a new fake gives (terminus_fake_set_boot_id()). */
#define TERMINUS_FAKE_BOOT_ID "fakeboot"

/**
 * @brief Add a scripted process that starts at a given virtual time.
 *
 * As terminus_fake_process_add(), but the process starts at `start_us`: in
 * the past (a process that was already there), or later, and then it does
 * not exist until the clock gets there (it is not listed, process_open does
 * not find it; an #TERMINUS_FAKE_EXITS_AFTER delay counts from its start).
 * The pid may be one whose process has ended, or is due to end, by
 * `start_us`: the pid is reused. From then on process_open opens the new
 * process; handles open on the old one stay on it; the scripting calls act
 * on the new one.
 * @param fake       the fake
 * @param pid        its pid; not 0, not used by a process that runs at `start_us`
 * @param behaviour  a TERMINUS_FAKE_* behaviour
 * @param after_ms   for EXITS_ON_REQUEST and EXITS_AFTER, the delay
 * @param exit_code  the code it leaves with by itself
 * @param start_us   when it starts, on the fake's clock
 * @retval TERMINUS_OK          added
 * @retval TERMINUS_E_INVALID   NULL fake, pid 0 or in use, unknown behaviour
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_process_add_at(terminus_fake *fake, terminus_pid pid, int behaviour,
                                              uint32_t after_ms, uint32_t exit_code,
                                              uint64_t start_us);

/**
 * @brief Set a scripted process's parent link (terminus_process_info::ppid).
 * @param fake  the fake
 * @param pid   a scripted process
 * @param ppid  its parent's pid; 0 = none. Any pid: a link to a process that has ended,
 *              or to a pid that now names a process started later, is kept as it is
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   `fake` is NULL
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_parent(terminus_fake *fake, terminus_pid pid,
                                                  terminus_pid ppid);

/**
 * @brief Set a scripted process's image name (terminus_process_info::name).
 * @param fake  the fake
 * @param pid   a scripted process
 * @param name  the name, 1 to 255 bytes (taken as it is: any byte but NUL)
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   NULL argument, or a name empty or of 256 bytes or more
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_name(terminus_fake *fake, terminus_pid pid,
                                                const char *name);

/**
 * @brief Set the session and the user a scripted process runs in.
 * @param fake     the fake
 * @param pid      a scripted process
 * @param session  terminus_process_info::session (#TERMINUS_SESSION_NONE: none)
 * @param uid      terminus_process_info::uid (#TERMINUS_UID_UNKNOWN: not known)
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   `fake` is NULL
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_owner(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t session, uint32_t uid);

/**
 * @brief Set the number that names a scripted process and no other (the
 *        `unique` of terminus_os::process_identity; Linux 6.9+: the pidfd's inode).
 * @param fake    the fake
 * @param pid     a scripted process
 * @param unique  the number; 0 = none, as on a system without one (Windows)
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   `fake` is NULL
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_unique(terminus_fake *fake, terminus_pid pid,
                                                  uint64_t unique);

/**
 * @brief Make a scripted process fork a child when it is asked to leave.
 *
 * When one of `steps` first reaches it (process_step, or process_request as
 * the #TERMINUS_STEP_MESSAGE step), it forks once: a new process `child`
 * starts then, with this process as its parent and its image name, session
 * and user, and `behaviour`, `after_ms` and `exit_code` as
 * terminus_fake_process_add() takes them. With `generations` above 1 the
 * child forks in the same way when asked (its child's pid one above its
 * own), and so on: `generations` processes in all, a tree that keeps
 * growing while it is asked to leave. A child pid in use then makes the
 * fork fail (nothing is added). The process's own end is scripted as
 * before: a tree terminate has to find the child by scanning again.
 * @param fake         the fake
 * @param pid          a scripted process
 * @param steps        TERMINUS_STEP_* bits; 0 = it never forks
 * @param child        the child's pid; not 0
 * @param generations  how many processes the forks make, one after the other; 0 is 1
 * @param behaviour    the child's TERMINUS_FAKE_* behaviour
 * @param after_ms     the child's delay
 * @param exit_code    the child's exit code
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   NULL fake, unknown step bits, child 0, unknown behaviour
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_fork_on(terminus_fake *fake, terminus_pid pid,
                                               uint32_t steps, terminus_pid child,
                                               uint32_t generations, int behaviour,
                                               uint32_t after_ms, uint32_t exit_code);

/**
 * @brief Set the boot id the fake gives (terminus_os::boot_id; default
 *        #TERMINUS_FAKE_BOOT_ID), as if the machine had booted again.
 *
 * Taken as it is (any byte but NUL), so that a test can give the core one
 * that no token can hold.
 * @param fake  the fake
 * @param boot  the id, up to 63 bytes; "" is allowed (Windows gives none)
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID NULL argument, or 64 bytes or more
 */
TERMINUS_API int terminus_fake_set_boot_id(terminus_fake *fake, const char *boot);

/**
 * @brief Set the traits of the fake's table (terminus_os::traits):
 *        #TERMINUS_OS_NAMES_NOCASE to match image names as Windows does,
 *        #TERMINUS_OS_REPARENTS to re-parent orphans as Linux does.
 *
 * A context copies the table when it is made: set the traits before
 * terminus_ctx_new().
 * @param fake    the fake
 * @param traits  TERMINUS_OS_* bits; 0 (the default): names compared exactly, parent
 *                links kept
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID NULL fake or unknown bits
 */
TERMINUS_API int terminus_fake_set_traits(terminus_fake *fake, uint32_t traits);
/** @} */

/**
 * @name Groups
 * The groups that hold a tree (shim version 2: terminus_os::group_open,
 * group_list, group_kill, group_empty, group_close), as Linux's cgroups and
 * Windows' job objects hold a process and what it starts. A group is a
 * number (not 0); a scripted process is in none until
 * terminus_fake_process_set_group(), and a child it forks
 * (terminus_fake_process_fork_on()) is in its parent's group.
 *
 * group_open without a job (terminus_terminate_options::job NULL) finds
 * the group of the process, as the Linux backend finds its cgroup, and is
 * #TERMINUS_E_NOT_FOUND when the process is in none or in the caller's own
 * (terminus_fake_set_self_group()). A job is given as the group's number
 * cast to a pointer, `(void *)(uintptr_t)number`, where Windows takes a job
 * HANDLE: group_open is then #TERMINUS_E_REFUSED when it is the caller's
 * own group and #TERMINUS_E_INVALID when the process is not in it.
 * group_list gives the group's processes that have started and still run
 * (a process scripted with the caller's pid included, as a caller in a
 * cgroup below the one opened would be); group_kill ends them all at once
 * with the kill's exit code (each counted in
 * terminus_fake_process_info::kills; an #TERMINUS_FAKE_UNKILLABLE one stays,
 * a #TERMINUS_FAKE_KILL_DENIED one does not), and from then on a process
 * that starts in the group, or is put in it, ends at once (the kill catches
 * forks that race it); group_empty says whether none runs. Faults are
 * injected by their names like any other primitive's.
 * @{
 */

/**
 * @brief Put a scripted process in a group, or in none.
 * @param fake   the fake
 * @param pid    a scripted process
 * @param group  the group's number; 0 = none. A running process put in a group that
 *               group_kill has killed ends at once
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   `fake` is NULL
 * @retval TERMINUS_E_NOT_FOUND no such scripted process
 */
TERMINUS_API int terminus_fake_process_set_group(terminus_fake *fake, terminus_pid pid,
                                                 uint32_t group);

/**
 * @brief Set the caller's own group (what group_open refuses; default none).
 * @param fake   the fake
 * @param group  the group's number; 0 = none
 * @retval TERMINUS_OK        set
 * @retval TERMINUS_E_INVALID `fake` is NULL
 */
TERMINUS_API int terminus_fake_set_self_group(terminus_fake *fake, uint32_t group);
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
 * @name Sessions an administrator acts on
 * What terminus_os::session_details, terminus_os::session_message and
 * terminus_os::session_blockers find (shim version 2). A session added with
 * terminus_fake_session_add() has unknown details (remote and idle hint -1,
 * times 0, strings "") until terminus_fake_session_set_details(), takes
 * every message, and a server has no blocker until
 * terminus_fake_blocker_add().
 * @{
 */

/** @brief The fake's wall clock at virtual time 0, in microseconds since the
 *  Unix epoch: 2024-01-01 00:00:00 UTC. terminus_session_details::now_us is
 *  this plus terminus_fake_now_us(). */
#define TERMINUS_FAKE_EPOCH_US INT64_C(1704067200000000)

/**
 * @brief Set what session_details tells of a session.
 *
 * Everything but the first four members (id, state, name and user, set by
 * terminus_fake_session_add()) and `now_us` (the fake's clock) is copied.
 * @param fake     the fake
 * @param server   the server's name ("" = local)
 * @param id       a session that is there
 * @param details  the details
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   a NULL argument
 * @retval TERMINUS_E_NOT_FOUND no such session (or it is gone)
 */
TERMINUS_API int terminus_fake_session_set_details(terminus_fake *fake, const char *server,
                                                   uint32_t id,
                                                   const terminus_session_details *details);

/**
 * @brief Make a session end by itself (its user logs off) some time from now.
 *
 * Whatever its behaviour on logoff; an earlier end it has stays.
 * @param fake      the fake
 * @param server    the server's name ("" = local)
 * @param id        a session that is there
 * @param after_ms  how long from now
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   a NULL argument
 * @retval TERMINUS_E_NOT_FOUND no such session (or it is gone)
 */
TERMINUS_API int terminus_fake_session_end_after(terminus_fake *fake, const char *server,
                                                 uint32_t id, uint32_t after_ms);

/**
 * @brief Make messages to a session fail, or succeed again.
 *
 * For example #TERMINUS_E_UNSUPPORTED, as Linux answers for a graphical session.
 * @param fake    the fake
 * @param server  the server's name ("" = local)
 * @param id      a session that is there
 * @param code    #TERMINUS_OK (the default: each message is shown) or the
 *                TERMINUS_E_* code every message to it fails with
 * @retval TERMINUS_OK          set
 * @retval TERMINUS_E_INVALID   a NULL argument or a number that is no code
 * @retval TERMINUS_E_NOT_FOUND no such session (or it is gone)
 */
TERMINUS_API int terminus_fake_session_set_message(terminus_fake *fake, const char *server,
                                                   uint32_t id, int code);

/**
 * @brief How many messages a session was shown, and the last one.
 * @param fake    the fake
 * @param server  the server's name ("" = local)
 * @param id      the session (gone or not)
 * @param last    receives the last message as "title: text", cut to fit; may be NULL
 * @param size    the size of `last`
 * @return the count; 0 if none, or no such session
 */
TERMINUS_API uint32_t terminus_fake_session_messages(terminus_fake *fake, const char *server,
                                                     uint32_t id, char *last, size_t size);

/**
 * @brief Add a blocker to a server: session_blockers lists it for every session.
 * @param fake     the fake
 * @param server   the server's name ("" = local); added if missing
 * @param blocker  the blocker (copied)
 * @retval TERMINUS_OK          added
 * @retval TERMINUS_E_INVALID   a NULL argument or a server name of 64 bytes or more
 * @retval TERMINUS_E_NO_MEMORY out of memory
 */
TERMINUS_API int terminus_fake_blocker_add(terminus_fake *fake, const char *server,
                                           const terminus_blocker *blocker);
/** @} */

/**
 * @brief Inject a fault.
 *
 * The Nth call (counting from 1, from now) of the primitive fails with `code`
 * and `os_code`, once, or with `persistent` every call from the Nth on. The
 * primitive is the name of a member of #terminus_os that returns an int
 * (process_open, process_status, process_request, process_kill, wait_open,
 * wait_any, exit_process, listen_start, logoff, server_open, session_list,
 * session_current, session_logoff, session_wait_gone, process_reach,
 * process_step, process_list, process_identity, boot_id, session_details,
 * session_message, session_blockers, group_open, group_list, group_kill,
 * group_empty) or "*" for all of them, counted together. Adding a
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
 * @brief How many handles (processes, wait sets, servers, listeners, groups) are open.
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
