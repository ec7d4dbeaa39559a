/**
 * @file terminus/terminate.h
 * @brief Ask other processes to leave, and kill them only after a grace period;
 *        and the target's side: listen for such requests.
 *
 * A terminate opens each target once and uses only that handle afterwards, so
 * a recycled pid is never signalled. It sends the steps of the close chain
 * that can reach each target (Windows: the registered window message posted
 * to its listener window, `WM_CLOSE`, Ctrl+C; Linux: SIGTERM), waits up to
 * `grace_ms` on the OS (no polling), and only then kills what is
 * left, unless #TERMINUS_TERMINATE_NO_FORCE. It never reaps the caller's
 * children: the caller's own `waitpid` still gets their status.
 *
 * A handle held is a promise about the call only: a pid that was recycled
 * before the call (the process the caller meant has ended and the pid now
 * names another one) is opened and signalled like any other, because a pid
 * names whatever process has it now.
 *
 * terminus never changes the process's limits (Linux: `RLIMIT_NOFILE` stays
 * as the caller set it) and works within them: each open target and each
 * wait costs one handle (a descriptor on Linux), and a terminate of more
 * targets than fit works in batches (see terminus_terminate_many()).
 */
#ifndef TERMINUS_TERMINATE_H
#define TERMINUS_TERMINATE_H

#include "terminus/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The registered message name used when options give none. */
#define TERMINUS_DEFAULT_MESSAGE "terminus-request-exit-v1"

/** @brief Terminate flag: never escalate; #TERMINUS_E_TIMEOUT if still running after grace. */
#define TERMINUS_TERMINATE_NO_FORCE 0x1u
/** @brief Terminate flag: skip the request and kill at once. */
#define TERMINUS_TERMINATE_FORCE 0x2u

/** @brief Terminate flag (version 2): the message step broadcasts the registered message
 *  to every top-level window (`BroadcastSystemMessage`, as terminus 0.1 did) instead of
 *  posting it to the target's listener window. Windows only; ignored on Linux. */
#define TERMINUS_TERMINATE_BROADCAST 0x4u
/** @brief Terminate flag (version 2): the console step sends Ctrl+Break instead of Ctrl+C.
 *  Windows only; ignored on Linux. */
#define TERMINUS_TERMINATE_CTRL_BREAK 0x8u

/** @brief Terminate flag (version 2): end each target and all its descendants, with one
 *  shared grace (see terminus/process.h). A process counts as a child only if it started
 *  after its parent; processes forked during the grace are found and handled, for a
 *  bounded number of rounds; terminus_detail says how many members there were, how many
 *  escaped and how the tree was found. Where the OS keeps the tree in a group, the group
 *  is used: on Linux the target's own cgroup v2 when it holds the target and its
 *  descendants alone (the scans list `cgroup.procs`, `cgroup.kill` follows the kills and
 *  `cgroup.events` says whether anything escaped); on Windows the job object the caller
 *  gives (terminus_terminate_options::job). Otherwise the process list is walked. A
 *  target's result is then its tree's; a target that is the caller or one of its
 *  ancestors is #TERMINUS_E_REFUSED. Needs a backend that lists processes
 *  (#TERMINUS_E_UNSUPPORTED otherwise). */
#define TERMINUS_TERMINATE_TREE 0x10u

/** @brief The version of terminus_terminate_options that 0.1 callers use (the contract's
 *  #TERMINUS_TERMINATE_OPTIONS_INIT gives it); everything added later takes its default. */
#define TERMINUS_TERMINATE_OPTIONS_VERSION 1
/** @brief The version of terminus_terminate_options with the close chain, the detail
 *  array and the progress callback. */
#define TERMINUS_TERMINATE_OPTIONS_VERSION_2 2

/**
 * @name Close-chain steps
 * The graceful requests of a terminate (terminus_terminate_options::steps,
 * version 2), in the order they go out. Each step that can reach a target
 * gets its share of the grace period (the grace divided by the number of
 * steps that can reach it); a step that cannot reach a target is skipped for
 * it at once. What is still running when the grace ends is killed (unless
 * #TERMINUS_TERMINATE_NO_FORCE). A step of the other platform never reaches
 * anything (it is skipped), so one set of steps serves both.
 * @{
 */
/** Windows: the registered message, posted to the target's terminus listener window (or
 *  broadcast with #TERMINUS_TERMINATE_BROADCAST). Linux: SIGTERM (then SIGCONT if it is stopped). */
#define TERMINUS_STEP_MESSAGE 0x01u
/** Windows: `WM_CLOSE` to each top-level window of the target, as `taskkill` without /F. */
#define TERMINUS_STEP_CLOSE 0x02u
/** Windows: Ctrl+C (Ctrl+Break with #TERMINUS_TERMINATE_CTRL_BREAK) to a console program,
 *  delivered to the target only: never to another process that shares its console, and
 *  never by detaching the caller from its own. A short-lived helper process does it
 *  (`rundll32.exe` running libterminus-0.dll's terminus_os_win32_console_helper(), about
 *  0.1 s): it attaches to the target's console and sends the event only when nobody else is
 *  on it; a console shared with another process is #TERMINUS_E_UNREACHABLE for this step
 *  (a program started from `cmd.exe` shares cmd's console). Costs: a process start per
 *  target, and a program linked with the static library has no DLL for the helper: there
 *  this step never reaches anything. A terminus listener answers Ctrl+C with its callback,
 *  which the message already reached, so this step does not count for a target whose
 *  listener window was found. */
#define TERMINUS_STEP_CONSOLE 0x04u
/** Linux: SIGINT (then SIGCONT if it is stopped), for programs that clean up on Ctrl+C. */
#define TERMINUS_STEP_SIGINT 0x08u
/** Linux: SIGHUP (then SIGCONT if it is stopped), for programs that end when their terminal goes. */
#define TERMINUS_STEP_SIGHUP 0x10u
/** Every step this version knows. */
#define TERMINUS_STEPS_ALL 0x1Fu
/** The default chain: Windows: message, close, console; Linux: SIGTERM alone. */
#define TERMINUS_STEPS_DEFAULT (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_CLOSE | TERMINUS_STEP_CONSOLE)
/** @} */

/** @name Progress events (terminus_progress::event)
 * @{ */
#define TERMINUS_PROGRESS_STEP  1 /**< a step went out to a target (or was skipped for it) */
#define TERMINUS_PROGRESS_KILL  2 /**< the kill went out to a target */
#define TERMINUS_PROGRESS_ENDED 3 /**< a target ended, or its result is settled */
/** @} */

/** @brief One event of a terminate, as terminus_terminate_options::progress sees it. */
typedef struct terminus_progress {
    /** which target: its index in the `pids` given */
    size_t index;
    /** that target's pid */
    terminus_pid pid;
    /** TERMINUS_PROGRESS_* */
    int32_t event;
    /** for #TERMINUS_PROGRESS_STEP: the TERMINUS_STEP_* */
    uint32_t step;
    /**
     * #TERMINUS_OK (it went out) or why not: #TERMINUS_E_UNREACHABLE (the step cannot reach
     * this target), #TERMINUS_E_ACCESS_DENIED (refused, e.g. by UIPI), another code; for
     * ENDED: terminus_result::status
     */
    int32_t status;
    /** for #TERMINUS_PROGRESS_ENDED: terminus_result::outcome */
    int32_t outcome;
    /** when, counted from the start of the call */
    uint64_t at_us;
} terminus_progress;

/**
 * @brief Called on the caller's thread as each step goes out, each kill goes
 *        out and each target ends.
 *
 * It runs inside the terminate, between waits: keep it short. It may call
 * any terminus function that does not wait (terminus_error_last(),
 * terminus_strerror(), ...); time it takes comes out of the targets' grace,
 * never in addition to it (the grace window is on the clock, not counted in
 * waits), so a slow callback cannot stretch the call past the grace and the
 * kill wait. It must not free what the options point to.
 * @param arg  terminus_terminate_options::progress_arg
 * @param p    the event; valid during the call only
 */
typedef void (*terminus_progress_fn)(void *arg, const terminus_progress *p);

/** @brief How many steps a terminus_detail has room for (the step bits 0 to 7). */
#define TERMINUS_DETAIL_STEPS 8

/** @name What ended a target (terminus_detail::ended_by)
 * A TERMINUS_STEP_* value means the target left after that step went out
 * and before the next one (or the kill) did.
 * @{ */
#define TERMINUS_ENDED_NONE 0      /**< it did not end (an error, or still running with NO_FORCE) */
#define TERMINUS_ENDED_KILL 0x100u /**< the kill */
#define TERMINUS_ENDED_GONE 0x200u /**< it had already ended before anything was sent */
/** @} */

/**
 * @brief What a terminate did to one target, step by step (version 2).
 *
 * Given as an array through terminus_terminate_options::details, one entry
 * per target in the order of `pids`; terminus_result keeps its 0.1 layout.
 */
typedef struct terminus_detail {
    /** a TERMINUS_STEP_*, #TERMINUS_ENDED_KILL, #TERMINUS_ENDED_GONE or #TERMINUS_ENDED_NONE */
    uint32_t ended_by;
    /** the steps asked for that could reach this target */
    uint32_t reach;
    /** the steps that went out to it */
    uint32_t sent;
    /** the steps asked for that were not sent (see `step_status`) */
    uint32_t skipped;
    /**
     * per step bit b (step 1u << b): #TERMINUS_OK when it went out, else why not
     * (#TERMINUS_E_UNREACHABLE: it cannot reach this target; #TERMINUS_E_ACCESS_DENIED:
     * refused, e.g. UIPI; another code: it failed); #TERMINUS_OK for steps not asked for
     */
    int32_t step_status[TERMINUS_DETAIL_STEPS];
    /** when step 1u << b went out, counted from the start of the call; 0 if it did not */
    uint64_t step_at_us[TERMINUS_DETAIL_STEPS];
    /** when the kill went out, from the start of the call; 0 if not */
    uint64_t kill_at_us;
    /** with #TERMINUS_TERMINATE_TREE: how many processes the tree had (the target
     *  included), as found by every scan; 1 otherwise */
    uint32_t tree_members;
    /** with #TERMINUS_TERMINATE_TREE: how many members were still running, or still being
     *  forked, when the last scan round ended (0 when the whole tree ended) */
    uint32_t tree_escaped;
    /**
     * with #TERMINUS_TERMINATE_TREE: how the tree was found. #TERMINUS_TREE_WALKED (0): by
     * the process list, parent link by parent link; #TERMINUS_TREE_GROUP (1): the OS group
     * that holds it was the tree (Linux: the target's own cgroup, holding the target and its
     * descendants alone; Windows: the job object given in terminus_terminate_options::job),
     * listed for the scans, killed as a whole after the grace and checked empty at the end.
     * 0 otherwise.
     */
    uint32_t tree_group;
} terminus_detail;

/** @brief terminus_detail::tree_group: the tree was found by walking the process list. */
#define TERMINUS_TREE_WALKED 0
/** @brief terminus_detail::tree_group: the tree was the OS group that holds it (a cgroup,
 *  a job object). */
#define TERMINUS_TREE_GROUP 1

/**
 * @brief How to terminate. Initialise with #TERMINUS_TERMINATE_OPTIONS_INIT,
 *        #TERMINUS_TERMINATE_OPTIONS_INIT_V2 or terminus_terminate_options_init().
 *
 * A version-1 struct (0.1 callers) ends at `message`: terminus reads nothing
 * past it and uses the defaults for everything newer (the default close
 * chain, no detail, no progress). A version-2 struct has every member.
 */
typedef struct terminus_terminate_options {
    /** #TERMINUS_TERMINATE_OPTIONS_VERSION or #TERMINUS_TERMINATE_OPTIONS_VERSION_2 */
    uint32_t version;
    /**
     * TERMINUS_TERMINATE_* (NO_FORCE and FORCE exclude each other; BROADCAST and CTRL_BREAK
     * need version 2)
     */
    uint32_t flags;
    /** how long the targets have to leave after the request; default 5000 */
    uint32_t grace_ms;
    /** exit code a forced kill gives, where the OS lets us choose (Windows); default 1 */
    uint32_t forced_exit_code;
    /**
     * registered message name, UTF-8, 1 to 255 bytes; NULL = #TERMINUS_DEFAULT_MESSAGE (unused
     * on Linux)
     */
    const char *message;
    /* --- version 2 --- */
    /**
     * TERMINUS_STEP_* bits: the close chain; default #TERMINUS_STEPS_DEFAULT; 0 only with
     * FORCE
     */
    uint32_t steps;
    /** must be 0 */
    uint32_t reserved;
    /** called as steps go out and targets end; NULL for none */
    terminus_progress_fn progress;
    /** passed to `progress`; must be NULL when `progress` is */
    void *progress_arg;
    /** receives one entry per target; NULL for none */
    terminus_detail *details;
    /** entries in `details`: at least the number of targets; 0 with NULL */
    size_t details_count;
    /**
     * Windows: a job object HANDLE (with JOB_OBJECT_QUERY and JOB_OBJECT_TERMINATE rights)
     * that holds the tree, for #TERMINUS_TERMINATE_TREE: the caller's statement that the
     * job is the tree. Every process in the job is then a member, whatever its parent link
     * (a process that re-parented away but stayed in the job is ended with it: that is
     * what a job is for); the scans list the job, and what is left after the grace goes
     * with TerminateJobObject as well as one by one. Each target must be in the job
     * (#TERMINUS_E_INVALID for that target otherwise) and the caller must not be
     * (#TERMINUS_E_REFUSED); nothing is sent to a target whose job cannot be used. NULL
     * for none (always NULL on Linux, where the target's own cgroup is found without
     * being given: a job there is #TERMINUS_E_UNSUPPORTED). Needs TREE
     * (#TERMINUS_E_INVALID without it); the fake OS takes a group's number here
     * (terminus/sys/fake.h).
     */
    void *job;
} terminus_terminate_options;

/** @brief Static initialiser with the defaults, version 1 (the newer members are zero and
 *  unread: a version-1 struct means the defaults for them). */
#define TERMINUS_TERMINATE_OPTIONS_INIT                                                            \
    {                                                                                              \
        TERMINUS_TERMINATE_OPTIONS_VERSION, 0, 5000, 1, NULL, 0, 0, NULL, NULL, NULL, 0, NULL      \
    }
/** @brief Static initialiser with the defaults, version 2. */
#define TERMINUS_TERMINATE_OPTIONS_INIT_V2                                                         \
    {                                                                                              \
        TERMINUS_TERMINATE_OPTIONS_VERSION_2, 0, 5000, 1, NULL, TERMINUS_STEPS_DEFAULT, 0, NULL,   \
            NULL, NULL, 0, NULL                                                                    \
    }

/**
 * @brief Fill an options struct with the defaults (for bindings that cannot
 *        use the macro).
 * @param opts     the struct to fill
 * @param version  #TERMINUS_TERMINATE_OPTIONS_VERSION or #TERMINUS_TERMINATE_OPTIONS_VERSION_2
 *                 (a version-1 fill writes only the version-1 members)
 * @retval TERMINUS_OK         filled
 * @retval TERMINUS_E_INVALID  `opts` is NULL or `version` is not one this library knows
 */
TERMINUS_API int terminus_terminate_options_init(terminus_terminate_options *opts,
                                                 uint32_t version);

/** @name Outcomes
 * @{ */
#define TERMINUS_OUTCOME_NONE   0 /**< nothing happened (an error, or still running) */
#define TERMINUS_OUTCOME_EXITED 1 /**< it left by itself after the request, within grace */
#define TERMINUS_OUTCOME_FORCED 2 /**< it was killed */
#define TERMINUS_OUTCOME_GONE   3 /**< it had already exited */
/** @} */

/** @brief terminus_result::exit_code when the exit code cannot be known
 *  (Linux: a process that is not the caller's child, on kernels without PIDFD_GET_INFO). */
#define TERMINUS_EXIT_CODE_UNKNOWN UINT32_MAX

/** @brief How long a terminate waits for a killed process to be seen gone. */
#define TERMINUS_KILL_WAIT_MS 5000u

/** @brief What happened to one target. */
typedef struct terminus_result {
    /** #TERMINUS_OK or a TERMINUS_E_* code, for this target */
    int32_t status;
    /** TERMINUS_OUTCOME_* */
    int32_t outcome;
    /**
     * the target's exit code where known, else #TERMINUS_EXIT_CODE_UNKNOWN. On Linux a process
     * killed by signal N reports 128 + N.
     */
    uint32_t exit_code;
    /** from its own request (its kill, with FORCE) to the observed end; 0 for GONE */
    uint64_t elapsed_us;
} terminus_result;

/**
 * @brief Ask one process to leave; kill it after the grace period.
 *
 * The same as terminus_terminate_many() with one target.
 *
 * The target is opened once and acted on only through that handle, so a pid
 * recycled during the call is never signalled. A pid recycled before the
 * call is another matter: `pid` then names the new process, which is the one
 * opened, asked and killed (that is the nature of a pid; see
 * docs/guarantees.md, "Identity held"). On Linux a thread id that is not its
 * process's own pid is #TERMINUS_E_NOT_FOUND, with a message naming the
 * process to terminate instead; a stopped target (`SIGSTOP`, Ctrl-Z) is
 * continued right after its `SIGTERM`, so that it can run its handler.
 *
 * @param ctx     the context, or NULL for the default context
 * @param pid     the target
 * @param opts    the options, or NULL for the defaults
 * @param result  receives what happened; may be NULL
 * @retval TERMINUS_OK              the target ended (EXITED, FORCED or GONE)
 * @retval TERMINUS_E_INVALID       pid 0 or above INT32_MAX, a bad options version,
 *                                  unknown or conflicting flags, a bad message name,
 *                                  a bad version-2 member (steps, reserved, progress,
 *                                  details, a job without #TERMINUS_TERMINATE_TREE);
 *                                  nothing is sent. With a job: the target is not in it
 * @retval TERMINUS_E_REFUSED       the caller's own pid (use terminus_exit()), the
 *                                  system's first process (init, System) or, on
 *                                  Windows, a critical process; with
 *                                  #TERMINUS_TERMINATE_TREE, one of the caller's
 *                                  ancestors, or a job the caller is in
 * @retval TERMINUS_E_NOT_FOUND     no such process (Linux: or a thread id, not a process)
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not signal or open it
 * @retval TERMINUS_E_TIMEOUT       still running after grace with NO_FORCE, or
 *                                  after #TERMINUS_KILL_WAIT_MS past a kill; with
 *                                  #TERMINUS_TERMINATE_TREE, also a member found by
 *                                  the last scan, still being forked
 * @retval TERMINUS_E_UNREACHABLE   with NO_FORCE, no step of the close chain can reach
 *                                  it; returned at once, without waiting (without
 *                                  NO_FORCE such a target is killed at once)
 * @retval TERMINUS_E_UNSUPPORTED   the backend cannot terminate processes (or, with
 *                                  #TERMINUS_TERMINATE_TREE, cannot list them; or a
 *                                  job is given where there are none, as on Linux)
 * @retval TERMINUS_E_NO_MEMORY     out of memory, or of handles (Linux: file
 *                                  descriptors) with none of the caller's to spare
 * @retval TERMINUS_E_OS            any other OS failure
 */
TERMINUS_API int terminus_terminate(terminus_ctx *ctx, terminus_pid pid,
                                    const terminus_terminate_options *opts,
                                    terminus_result *result);

/**
 * @brief Ask many processes to leave at once, with one shared grace window.
 *
 * Every argument is checked first; if any is bad, nothing is sent to any
 * target and every result gets the returned code. Then every target is
 * opened, every request goes out, and one wait covers all of them. The grace
 * window opens when the last request is out, so every target gets at least
 * `grace_ms` however long sending took; what is left when it closes is
 * killed (unless NO_FORCE).
 *
 * **Batches.** Each open target holds a handle (Linux: a pidfd, one file
 * descriptor) until its batch ends, and the wait needs one more; terminus
 * never raises the process's limit on them. When opening a target (or the
 * wait) runs out of handles (#TERMINUS_E_NO_MEMORY) while others are held,
 * the targets opened so far form a batch: the last one opened (not asked
 * yet) is closed again to leave a handle for the wait, and the batch is run
 * to its end (requests, its own grace window, kills, handles closed) before
 * the next batch opens, starting with that target. Each batch gets the whole
 * `grace_ms`, so the call may take a multiple of the grace period; each
 * target's elapsed time is still counted from its own request. Only a target
 * that cannot be opened while nothing is held fails with
 * #TERMINUS_E_NO_MEMORY. If even the wait cannot be made (another thread took
 * the handle freed for it), the grace cannot be waited for: the batch's
 * targets already seen ended are settled, the rest are killed at once (with
 * NO_FORCE: left alone), and those whose end cannot be seen then fail with
 * #TERMINUS_E_NO_MEMORY.
 *
 * @param ctx      the context, or NULL for the default context
 * @param pids     the targets; no pid may appear twice
 * @param count    how many; 0 is allowed and does nothing
 * @param opts     the options, or NULL for the defaults
 * @param results  `count` entries, one per target, in the same order; may be
 *                 NULL when the caller needs only the return code
 * @return #TERMINUS_OK when every target ended, else the first target's error
 *         in the order of `pids` (the codes of terminus_terminate(), plus
 *         #TERMINUS_E_INVALID for a NULL `pids` with a non-zero count or a pid
 *         given twice)
 */
TERMINUS_API int terminus_terminate_many(terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                                         const terminus_terminate_options *opts,
                                         terminus_result *results);

/** @brief A listener: the target's side of the request. Opaque. */
typedef struct terminus_listener terminus_listener;

/** @name Listener reasons
 * @{ */
#define TERMINUS_REASON_REQUEST 1 /**< a terminate request for this process */
#define TERMINUS_REASON_LOGOFF  2 /**< the session is ending */
/** @} */

/**
 * @brief Called on the listener's own thread when a request arrives.
 *
 * Save your data here. Return 0 and terminus exits the process cleanly (hooks
 * run) with the listener's exit code; return non-zero and the program exits
 * by itself (or not at all).
 * @param arg     the pointer given to terminus_listen()
 * @param reason  #TERMINUS_REASON_REQUEST or #TERMINUS_REASON_LOGOFF
 */
typedef int (*terminus_request_fn)(void *arg, int reason);

/**
 * @brief Opt in to graceful requests.
 *
 * Windows: a hidden top-level window on its own thread hears the registered
 * message, posted to it or broadcast (and acts only when it names this
 * process), `WM_CLOSE` (a request: `taskkill` without /F), the end of the
 * session and console control events, as Windows sends them: a callback
 * that declines `WM_QUERYENDSESSION` refuses the end (a shutdown block
 * reason says that it is saving meanwhile), and the next end is asked again;
 * `ENDSESSION_CLOSEAPP` (the Restart Manager) is a request; Ctrl+C and
 * Ctrl+Break are requests, which a callback that declines leaves the process
 * running after; `CTRL_CLOSE_EVENT` is the end, with the ~5 s the system
 * gives; `CTRL_LOGOFF_EVENT` (which only services get, for any user's
 * logoff) is left to the program's other handlers. Linux: a dedicated thread
 * receives SIGTERM (#TERMINUS_REASON_REQUEST) and SIGHUP
 * (#TERMINUS_REASON_LOGOFF). The callback must not free its own listener
 * (an exit hook it triggers may).
 *
 * fork (Linux): a listening process may fork at any time, from any thread,
 * even while another thread is in terminus_listener_free() waiting for a
 * callback to return. The parent's listener does not run in the child (its
 * thread is not copied): there SIGTERM and SIGHUP do what they did before
 * terminus_listen(), and the callback is never called. In the child:
 * - terminus_listen() starts a listener of the child's own (the parent's
 *   listener does not count as one);
 * - terminus_listener_free() on the child's copy of the parent's listener
 *   puts the signal dispositions back and frees the copy (the parent's
 *   listener keeps running in the parent);
 * - the parent's pipe descriptors are close-on-exec; terminus closes them
 *   only where they provably still are that pipe, so a descriptor the child
 *   closed and reused (a file opened under the same number) is never closed
 *   or touched.
 *
 * These calls allocate memory and start a thread, as in any process:
 * glibc makes that possible in the child of a threaded process; locks of
 * the program's own that other threads held at the fork stay held.
 *
 * @param ctx        the context, or NULL for the default context
 * @param message    the registered message name; NULL = #TERMINUS_DEFAULT_MESSAGE
 * @param exit_code  the exit code when `fn` returns 0
 * @param fn         the callback; must not be NULL
 * @param arg        passed to `fn`
 * @param[out] out   receives the listener; free it with terminus_listener_free()
 * @retval TERMINUS_OK            listening
 * @retval TERMINUS_E_INVALID     `fn` or `out` NULL, or a bad message name
 * @retval TERMINUS_E_REFUSED     the backend allows one listener per process and one is active
 *                               (or still stopping: its terminus_listener_free() has not returned)
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot listen
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 * @retval TERMINUS_E_OS          any other OS failure
 */
TERMINUS_API int terminus_listen(terminus_ctx *ctx, const char *message, uint32_t exit_code,
                                 terminus_request_fn fn, void *arg, terminus_listener **out);

/**
 * @brief Stop listening and free the listener.
 * Once it returns, the callback is never called again. It may be called from
 * a terminus_at_exit() hook, including one that runs because the callback
 * returned 0 (a natural cleanup before the exit); it must not be called by the
 * callback itself. No lock is held while it waits for a running callback,
 * so another thread may fork meanwhile (see terminus_listen() for what the
 * child may do).
 * @param listener  the listener; NULL is ignored
 */
TERMINUS_API void terminus_listener_free(terminus_listener *listener);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_TERMINATE_H */
