/**
 * @file terminus/process.h
 * @brief Processes by identity: listing, identity tokens, targets by image
 *        name, and whole trees.
 *
 * A pid names a process only while it lives: after it ends the number may
 * name another. An **identity token** is a short printable string that names
 * one process and that no other process matches during this boot (Linux: the
 * boot id, the pid and the pidfd's inode number, or the start time on kernels
 * before 6.9; Windows: the pid and the creation time). Take one with
 * terminus_process_token(), keep it (a pidfile), and end exactly that
 * process later with terminus_terminate_token(): a token whose process is
 * gone, or whose pid now names another process, is #TERMINUS_E_NOT_FOUND and
 * nothing is signalled.
 *
 * A **tree** terminate (#TERMINUS_TERMINATE_TREE) ends a target and all its
 * descendants with one shared grace; a process counts as a child only if it
 * started after its parent, so a recycled pid with a stale parent link is
 * never included. Every member is opened and its identity checked through
 * the handle before anything is sent to it (a pid reused between the
 * listing and the open is not a member); every member gets the close chain,
 * what is left when the grace ends is killed. The tree is scanned again
 * while it is being ended (at each quarter of the grace, when no member is
 * left running, when the grace ends, and after the kills until a scan finds
 * nothing new; at most 8 scans), so that processes forked meanwhile are
 * found and handled; what the last scan still finds is counted as escaped
 * (terminus_detail::tree_escaped). A target that is the caller or one of
 * its ancestors is #TERMINUS_E_REFUSED (its tree would hold the caller),
 * before anything is sent to any target.
 *
 * With a tree, a target's terminus_result is its tree's: #TERMINUS_OK when
 * every member ended (the outcome, exit code and time are then the
 * target's own), otherwise the code of the first member that did not end
 * (outcome #TERMINUS_OUTCOME_NONE; the record names that member; the
 * target's terminus_detail still says how the target itself ended, and
 * counts the members and those that escaped). The progress callback sees
 * the targets' events only; a target's #TERMINUS_PROGRESS_ENDED comes once
 * its whole tree is settled.
 *
 * A process that left the tree before a scan is outside it: a daemon that
 * forked twice and whose middle process exited has been re-parented (Linux:
 * to init, or to the nearest subreaper; Windows keeps the link to the
 * parent that ended, and while terminus holds that member the link still
 * leads to it). If the caller made itself a subreaper
 * (`prctl(PR_SET_CHILD_SUBREAPER)`), such orphans become the caller's own
 * children: still outside the tree, and the caller's to wait for and to
 * end.
 *
 * **Groups.** Where the OS keeps a tree in a group, a tree terminate uses
 * it once the target is opened and checked (terminus_detail::tree_group
 * says whether it did):
 * - Linux: the target's own cgroup v2, found without being asked, when it
 *   holds the target and its descendants alone: every process listed in it
 *   (and the cgroups below it) is the target or descends from it through
 *   processes listed there (parent link and start, as above), the caller is
 *   not in it, and it is neither the root cgroup nor the caller's own.
 *   Otherwise (a process that re-parented away but stayed in the cgroup, an
 *   outsider, a process terminus cannot tell: in another pid namespace,
 *   hidden by `/proc`, or one the caller may not signal; a cgroup that
 *   cannot be opened or listed, no cgroup v2) the process list is walked as
 *   above, silently: the group is a help, never a condition. A member found
 *   outside the cgroup (a child put in a cgroup of its own) keeps the walk
 *   going beside the group. What starts in the cgroup or is moved into it
 *   during the grace is of the tree (as for systemd's control-group kill),
 *   except a process terminus cannot tell: the cgroup is then no longer
 *   used, and never killed.
 * - Windows: the job object the caller gives (terminus_terminate_options::job),
 *   which is the caller's statement that the job is the tree: every process
 *   in the job is a member, whatever its parent link, and one that
 *   re-parented away but stayed in the job is ended with it (that is what a
 *   job is for). The target must be in the job (#TERMINUS_E_INVALID) and the
 *   caller must not be (#TERMINUS_E_REFUSED); any failure to open or list the
 *   job is that target's error, and nothing is sent to its tree. A target
 *   that has ended before it could be opened has no job to check against:
 *   GONE, and nothing else is ended. Without a job, the Toolhelp snapshot is
 *   walked, with creation times as starts.
 *
 * With a group, the scans list the group instead of every process; each
 * member is still opened, checked and asked with the one shared grace, and
 * killed one by one when the grace ends; then the group is killed as a whole
 * (Linux `cgroup.kill`, which also catches processes forked during the
 * kill; Windows TerminateJobObject), never under
 * #TERMINUS_TERMINATE_NO_FORCE, and at once with #TERMINUS_TERMINATE_FORCE.
 * At the end the group is asked whether anything is left in it (Linux
 * `cgroup.events`): what is still there counts as escaped. A tree found in
 * several batches (more members than handles) is killed as a group only in
 * its last batch, so that no member loses its grace.
 */
#ifndef TERMINUS_PROCESS_H
#define TERMINUS_PROCESS_H

#include "terminus/common.h"
#include "terminus/terminate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The longest identity token, with its terminating NUL. */
#define TERMINUS_TOKEN_MAX 96

/** @brief terminus_process_info::session when the process is in no session (or it cannot
 *  be told). */
#define TERMINUS_SESSION_NONE UINT32_MAX

/** @brief terminus_process_info::uid when the owner cannot be told (Windows). */
#define TERMINUS_UID_UNKNOWN UINT32_MAX

/** @brief One process, as terminus_process_list() sees it. */
typedef struct terminus_process_info {
    /** the process id */
    terminus_pid pid;
    /** its parent's pid as the OS records it (0 if none); only meaningful together with
     *  `start`: a parent link may point at a pid that was reused */
    terminus_pid ppid;
    /** the session it runs in: Windows' session id (ProcessIdToSessionId); Linux: the id
     *  terminus gives its logind session (see terminus/session.h), or
     *  #TERMINUS_SESSION_NONE */
    uint32_t session;
    /** its owner's user id (Linux: the real uid); #TERMINUS_UID_UNKNOWN on Windows */
    uint32_t uid;
    /** when it started, comparable between processes of this boot: Linux: clock ticks
     *  since boot (`/proc/PID/stat` field 22); Windows: the creation time (FILETIME,
     *  100 ns units since 1601) */
    uint64_t start;
    /** its image name, UTF-8: Windows: the executable's file name ("notepad.exe");
     *  Linux: the executable's file name (the base name of `/proc/PID/exe`, else `comm`) */
    char name[256];
} terminus_process_info;

/**
 * @brief List the processes of this machine.
 *
 * A snapshot: processes may start and end while it is taken.
 *
 * @param ctx        the context, or NULL for the default context
 * @param[out] out   receives the array (NULL when empty); free it with
 *                   terminus_process_list_free()
 * @param[out] count receives its length
 * @retval TERMINUS_OK              listed
 * @retval TERMINUS_E_INVALID       `out` or `count` is NULL
 * @retval TERMINUS_E_ACCESS_DENIED the OS refused to list processes
 * @retval TERMINUS_E_UNSUPPORTED   the backend cannot list processes
 * @retval TERMINUS_E_NO_MEMORY     out of memory
 * @retval TERMINUS_E_OS            any other OS failure
 */
TERMINUS_API int terminus_process_list(terminus_ctx *ctx, terminus_process_info **out,
                                       size_t *count);

/**
 * @brief Free a list from terminus_process_list().
 * @param list  the list; NULL is allowed
 */
TERMINUS_API void terminus_process_list_free(terminus_process_info *list);

/**
 * @brief Take the identity token of a running process.
 *
 * @param ctx   the context, or NULL for the default context
 * @param pid   the process
 * @param buf   receives the token, NUL-terminated
 * @param size  the size of `buf`; #TERMINUS_TOKEN_MAX is always enough
 * @retval TERMINUS_OK              written
 * @retval TERMINUS_E_INVALID       pid 0 or above INT32_MAX, `buf` NULL, or `size` too
 *                                  small for the token (nothing written but a NUL)
 * @retval TERMINUS_E_NOT_FOUND     no such process
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not open it
 * @retval TERMINUS_E_REFUSED       the backend refuses to open it (Windows: a critical
 *                                  process)
 * @retval TERMINUS_E_UNSUPPORTED   the backend has no identity for processes
 * @retval TERMINUS_E_NO_MEMORY     out of memory, or of handles
 * @retval TERMINUS_E_OS            any other OS failure
 */
TERMINUS_API int terminus_process_token(terminus_ctx *ctx, terminus_pid pid, char *buf,
                                        size_t size);

/**
 * @brief Terminate the process a token names, and only that process.
 *
 * The token's pid is opened and its identity compared with the token's
 * before anything is sent: a process that is gone, or another process that
 * has the pid now, is #TERMINUS_E_NOT_FOUND and nothing is signalled. Then it
 * is terminus_terminate() on that open process (with its options:
 * #TERMINUS_TERMINATE_TREE ends its tree). A token of the caller or of the
 * system's first process is #TERMINUS_E_REFUSED, as their pids are.
 *
 * @param ctx     the context, or NULL for the default context
 * @param token   a token from terminus_process_token() (of this or another process)
 * @param opts    the options, or NULL for the defaults
 * @param result  receives what happened; may be NULL
 * @return the codes of terminus_terminate(), and #TERMINUS_E_INVALID for a token
 *         that does not parse (the message says why), #TERMINUS_E_NOT_FOUND for one
 *         whose process is gone or was replaced, or from another boot or machine
 */
TERMINUS_API int terminus_terminate_token(terminus_ctx *ctx, const char *token,
                                          const terminus_terminate_options *opts,
                                          terminus_result *result);

/** @brief A selection of processes by image name (terminus_terminate_name()). */
typedef struct terminus_name_filter {
    /** #TERMINUS_NAME_FILTER_VERSION */
    uint32_t version;
    /** only processes in this session; #TERMINUS_SESSION_NONE for any */
    uint32_t session;
    /** only processes of this user id (Linux); #TERMINUS_UID_UNKNOWN for any */
    uint32_t uid;
    /** must be 0 */
    uint32_t reserved;
} terminus_name_filter;

/** @brief The version of terminus_name_filter this header describes. */
#define TERMINUS_NAME_FILTER_VERSION 1
/** @brief A filter that selects every process whose name matches. */
#define TERMINUS_NAME_FILTER_INIT                                                                  \
    {                                                                                              \
        TERMINUS_NAME_FILTER_VERSION, TERMINUS_SESSION_NONE, TERMINUS_UID_UNKNOWN, 0               \
    }

/**
 * @brief Terminate every process whose image name matches, with one shared grace.
 *
 * The name is compared exactly on Linux and, on Windows (a backend with
 * #TERMINUS_OS_NAMES_NOCASE), without regard to the case of the ASCII
 * letters (other letters must match as they are). The caller and the
 * system's first process (init, System) are never matches, nor, with
 * #TERMINUS_TERMINATE_TREE, the caller's ancestors (their trees hold the
 * caller): they are left out silently. A match the backend refuses to open
 * (a Windows critical process) is #TERMINUS_E_REFUSED in its result and
 * never signalled. Each match is held by its identity from the listing to
 * the end: a match that has ended by the time it is opened, or whose pid now
 * names another process, is #TERMINUS_OUTCOME_GONE (its exit code unknown),
 * and the other process is never signalled. The matches are taken in the
 * order of their pids; `opts->details` (if any) receives one entry per
 * match, in that order, for as many as `opts->details_count` has room for
 * (the matches beyond it get none: how many will match is not known
 * before the call).
 *
 * @param ctx          the context, or NULL for the default context
 * @param image        the image name ("notepad.exe", "sleep"), 1 to 255 bytes, no '/'
 *                     or '\\'
 * @param filter       restricts the match; NULL for none
 * @param opts         the options, or NULL for the defaults
 * @param[out] pids    receives the pids that matched (free with
 *                     terminus_name_results_free()); may be NULL
 * @param[out] results receives one result per matched pid; may be NULL
 * @param[out] count   receives how many matched; must not be NULL
 * @return the codes of terminus_terminate_many(), and #TERMINUS_E_NOT_FOUND when
 *         nothing matched
 */
TERMINUS_API int terminus_terminate_name(terminus_ctx *ctx, const char *image,
                                         const terminus_name_filter *filter,
                                         const terminus_terminate_options *opts,
                                         terminus_pid **pids, terminus_result **results,
                                         size_t *count);

/**
 * @brief Free what terminus_terminate_name() returned (either array).
 * @param array  `*pids` or `*results` of terminus_terminate_name(); NULL is allowed
 */
TERMINUS_API void terminus_name_results_free(void *array);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_PROCESS_H */
