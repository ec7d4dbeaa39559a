/**
 * @file terminus/sys/os.h
 * @brief The OS shim: the one table through which terminus touches the OS.
 *
 * This page is for backend writers. The core of terminus makes no OS call of
 * its own: it validates arguments, applies the escalation policy, resolves
 * sessions and keeps time through the members of a #terminus_os table. The
 * library ships three tables: the native one of the platform (Win32 or
 * POSIX, returned by terminus_os_native()), and the fake OS of
 * terminus/sys/fake.h.
 *
 * Rules for every member:
 * - it returns #TERMINUS_OK or a TERMINUS_E_* code, and on failure records
 *   the native error with terminus_os_error() (the core adds a generic record
 *   if it does not);
 * - it does only what its name says: no policy, no retries, no validation of
 *   what the core already validated;
 * - it may be called from any thread, concurrently, with distinct handles.
 *
 * The table is versioned like SQLite's `sqlite3_vfs`: members are only ever
 * appended, a new member comes with a new #TERMINUS_OS_VERSION, and the core
 * never calls a member beyond the table's `version`. terminus_ctx_new()
 * copies the table, so it cannot change under a running call.
 */
#ifndef TERMINUS_SYS_OS_H
#define TERMINUS_SYS_OS_H

#include "terminus/common.h"
#include "terminus/session.h"
#include "terminus/process.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The newest version of #terminus_os this library knows. */
#define TERMINUS_OS_VERSION 2

/** @brief A backend's open process: holds the identity of one process. Opaque. */
typedef struct terminus_os_process terminus_os_process;
/** @brief A backend's wait set over open processes. Opaque. */
typedef struct terminus_os_waitset terminus_os_waitset;
/** @brief A backend's listener. Opaque. */
typedef struct terminus_os_listener terminus_os_listener;
/** @brief A backend's connection to a server. Opaque. */
typedef struct terminus_os_server terminus_os_server;
/** @brief A backend's open process group: a container the OS keeps a process and what it
 *  starts in (Linux: a cgroup v2; Windows: a job object). Opaque. */
typedef struct terminus_os_group terminus_os_group;

/** @brief The state of an open process, as terminus_os::process_status gives it. */
typedef struct terminus_os_status {
    int running;        /**< 1 while the process runs, 0 once it has ended */
    int code_known;     /**< 1 when `exit_code` holds its exit code (only once ended) */
    uint32_t exit_code; /**< the exit code (POSIX: the status, or 128 + signal) */
} terminus_os_status;

/**
 * @brief What a backend calls, on its listener thread, when a request arrives.
 * @param arg     the `arg` given to terminus_os::listen_start
 * @param reason  #TERMINUS_REASON_REQUEST or #TERMINUS_REASON_LOGOFF
 */
typedef void (*terminus_os_listen_fn)(void *arg, int reason);

/**
 * @brief What a backend calls once per session from terminus_os::session_list.
 * @param arg   the `arg` given to terminus_os::session_list
 * @param info  the session; copied before the call returns
 * @return #TERMINUS_OK to go on; any other code: stop and return that code
 */
typedef int (*terminus_os_session_fn)(void *arg, const terminus_session_info *info);

/**
 * @brief What a backend calls once per process from terminus_os::process_list.
 * @param arg   the `arg` given to terminus_os::process_list
 * @param info  the process; copied before the call returns
 * @return #TERMINUS_OK to go on; any other code: stop and return that code
 */
typedef int (*terminus_os_process_fn)(void *arg, const terminus_process_info *info);

/** @brief terminus_os::process_list: the caller reads terminus_process_info::name. */
#define TERMINUS_OS_LIST_NAME 0x1u
/** @brief terminus_os::process_list: the caller reads terminus_process_info::uid. */
#define TERMINUS_OS_LIST_UID 0x2u
/** @brief terminus_os::process_list: the caller reads terminus_process_info::session. */
#define TERMINUS_OS_LIST_SESSION 0x4u
/** @brief terminus_os::process_list: every field (terminus_process_list()). */
#define TERMINUS_OS_LIST_ALL 0x7u

/**
 * @brief What a backend calls once per session from terminus_os::session_details.
 * @param arg      the `arg` given to terminus_os::session_details
 * @param details  the session; copied before the call returns
 * @return #TERMINUS_OK to go on; any other code: stop and return that code
 */
typedef int (*terminus_os_details_fn)(void *arg, const terminus_session_details *details);

/**
 * @brief What a backend calls once per blocker from terminus_os::session_blockers.
 * @param arg      the `arg` given to terminus_os::session_blockers
 * @param blocker  the blocker; copied before the call returns
 * @return #TERMINUS_OK to go on; any other code: stop and return that code
 */
typedef int (*terminus_os_blocker_fn)(void *arg, const terminus_blocker *blocker);

/**
 * @brief The OS shim table.
 *
 * Fill every member you can; leave the others NULL (the operations that need
 * them return #TERMINUS_E_UNSUPPORTED). Each function member gets the
 * table's `data` as its first argument.
 */
struct terminus_os {
    /** #TERMINUS_OS_VERSION of the header the table was written against; 0 is invalid. */
    uint32_t version;
    /** A short name for messages and logs: "win32", "posix", "fake". */
    const char *name;
    /** The backend's own state, passed to every member; owned by the backend. */
    void *data;
    /** The pid of the system's first process (1 for init on Linux, 4 for System on
     *  Windows), which the core never terminates; 0 if there is none. */
    terminus_pid system_pid;

    /** A monotonic clock in microseconds (the fake's is virtual). Never fails. */
    uint64_t (*clock_us)(void *data);
    /** The calling process's own pid. Never fails. */
    terminus_pid (*self_pid)(void *data);

    /**
     * Open a process and hold its identity (a HANDLE, a pidfd) until
     * process_close. Only this handle is used afterwards. Out of handles (a
     * full descriptor table) is E_NO_MEMORY: the core then works in batches.
     * @return OK; E_NOT_FOUND (no such process), E_ACCESS_DENIED, E_REFUSED (a process the
     *         system cannot lose: Windows' critical processes), E_NO_MEMORY, E_OS
     */
    int (*process_open)(void *data, terminus_pid pid, terminus_os_process **out);
    /** Release a process opened by process_open. Never fails. */
    void (*process_close)(void *data, terminus_os_process *proc);
    /**
     * Whether the process still runs and, once it has ended, its exit code.
     * Must not reap a child of the caller (POSIX: `WNOWAIT`).
     * @return OK; E_ACCESS_DENIED, E_OS
     */
    int (*process_status)(void *data, terminus_os_process *proc, terminus_os_status *st);
    /**
     * Send the exit request: the registered message `message` (never NULL) with the pid as
     * wParam (Windows), SIGTERM (POSIX; then SIGCONT if the process is stopped, so
     * that it can act on it, and only then, except where its state cannot be
     * read (Linux: its /proc entry unreadable, hidden, or of a pid namespace it
     * is not in): then SIGCONT is sent all the same, so that a stopped target
     * still wakes). Must return at once, whatever the target does.
     * @return OK; E_NOT_FOUND (it has ended), E_ACCESS_DENIED, E_OS
     */
    int (*process_request)(void *data, terminus_os_process *proc, const char *message);
    /**
     * Kill the process, with `exit_code` where the OS lets the killer choose.
     * Returns without waiting for it to be gone.
     * @return OK; E_NOT_FOUND (it had already ended), E_ACCESS_DENIED, E_OS
     */
    int (*process_kill)(void *data, terminus_os_process *proc, uint32_t exit_code);

    /**
     * Make a wait set over `count` (>= 1) open processes, in that order. The
     * processes stay open and owned by the caller. Out of handles is
     * E_NO_MEMORY, as for process_open.
     * @return OK; E_NO_MEMORY, E_OS
     */
    int (*wait_open)(void *data, terminus_os_process *const *procs, size_t count,
                     terminus_os_waitset **out);
    /**
     * Block, on the OS and without polling, until at least one process of the
     * set that has not been reported yet has ended, or `timeout_ms` passes.
     * Writes the indices (into the array given to wait_open) of up to
     * `capacity` newly ended processes to `ready` and their number to
     * `*nready`; each index is reported once. A `timeout_ms` of 0 only looks.
     * @return OK (`*nready` >= 1); E_TIMEOUT (`*nready` = 0); E_OS
     */
    int (*wait_any)(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                    size_t capacity, size_t *nready);
    /** Free a wait set. Never fails. */
    void (*wait_close)(void *data, terminus_os_waitset *set);

    /**
     * End the calling process. `fast` 0: the platform's clean exit (ExitProcess,
     * exit); 1: at once (TerminateProcess on itself, _exit). The hooks of
     * terminus_at_exit() have already run. Native backends do not return;
     * the fake records the exit and returns OK.
     */
    int (*exit_process)(void *data, uint32_t exit_code, int fast);

    /**
     * Start listening for exit requests named `message` (never NULL; Windows) or for
     * SIGTERM / SIGHUP (POSIX), on a thread of the backend's, which calls
     * `fn(arg, reason)` for each request that names this process.
     * @return OK; E_REFUSED (one listener only, and one runs), E_NO_MEMORY, E_OS
     */
    int (*listen_start)(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                        terminus_os_listener **out);
    /** Stop a listener and join its thread; `fn` is never called after it returns. */
    void (*listen_stop)(void *data, terminus_os_listener *listener);

    /**
     * Log off the caller's session; `flags` are TERMINUS_LOGOFF_* and valid.
     * @return OK; E_NOT_FOUND, E_ACCESS_DENIED, E_REFUSED, E_UNAVAILABLE, E_OS
     */
    int (*logoff)(void *data, uint32_t flags);

    /**
     * Open a server: `name` NULL is this machine; otherwise a well-formed name.
     * @return OK; E_NOT_FOUND, E_UNAVAILABLE, E_ACCESS_DENIED, E_UNSUPPORTED, E_NO_MEMORY, E_OS;
     *         E_INVALID for a name of the right shape that the OS still cannot read
     */
    int (*server_open)(void *data, const char *name, terminus_os_server **out);
    /** Close a server. Never fails. */
    void (*server_close)(void *data, terminus_os_server *server);
    /**
     * Call `fn(arg, info)` once per session on the server, stopping at the
     * first code `fn` returns other than OK (and returning it).
     * @return OK; the code of `fn`; E_UNAVAILABLE, E_ACCESS_DENIED, E_OS
     */
    int (*session_list)(void *data, terminus_os_server *server, terminus_os_session_fn fn,
                        void *arg);
    /**
     * The caller's own session on this server.
     * @return OK; E_NOT_FOUND (the caller is in none, or the server is remote), E_UNAVAILABLE, E_OS
     */
    int (*session_current)(void *data, terminus_os_server *server, uint32_t *id);
    /**
     * Log a session off and return without waiting for it to be gone.
     * @return OK; E_NOT_FOUND, E_ACCESS_DENIED, E_REFUSED, E_UNAVAILABLE, E_UNSUPPORTED, E_OS;
     *         E_INVALID when `id` is shared by two sessions (never guess which)
     */
    int (*session_logoff)(void *data, terminus_os_server *server, uint32_t id);
    /**
     * Wait until the session is gone, at most `timeout_ms` (0: only look).
     * @return OK (gone, or never was); E_TIMEOUT; E_UNAVAILABLE, E_OS; E_INVALID as session_logoff
     */
    int (*session_wait_gone)(void *data, terminus_os_server *server, uint32_t id,
                             uint32_t timeout_ms);

    /* --- version 2: the close chain --- */

    /**
     * Find what each close-chain step can reach, for every target of one call
     * at once (Windows: one `EnumWindows` pass matched with
     * `GetWindowThreadProcessId`, the listener's window told by its class,
     * the target's console and session). Writes to `reach[i]` the
     * TERMINUS_STEP_* bits of `steps` that can reach `procs[i]`; a step this
     * platform does not have never can. `flags` are the call's
     * TERMINUS_TERMINATE_* flags and `message` (never NULL) the registered
     * message name. The backend may keep what it found (a target's windows)
     * in each process for process_step. It must not wait on a target (a hung
     * window never blocks it).
     * @return OK; E_NO_MEMORY, E_OS (the core then tries every step asked for)
     */
    int (*process_reach)(void *data, terminus_os_process *const *procs, size_t count,
                         uint32_t steps, uint32_t flags, const char *message, uint32_t *reach);
    /**
     * Send one close-chain step (a single TERMINUS_STEP_* bit) to the
     * process, and return at once whatever the target does. POSIX: each step
     * is a signal, then SIGCONT as process_request sends it (only to a stopped
     * target, or to one whose state cannot be read).
     * @return OK; E_NOT_FOUND (it has ended); E_UNREACHABLE (the step cannot
     *         reach it after all: its window or console is gone);
     *         E_ACCESS_DENIED (refused: UIPI, rights); E_UNSUPPORTED (a step
     *         this backend does not have); E_OS
     */
    int (*process_step)(void *data, terminus_os_process *proc, uint32_t step, uint32_t flags,
                        const char *message);

    /* --- version 2: processes by identity --- */

    /**
     * Call `fn(arg, info)` once per process of the machine (a snapshot),
     * stopping at the first code `fn` returns other than OK (and returning
     * it). `info->pid`, `ppid` and `start` are always filled; `fields`
     * (TERMINUS_OS_LIST_* bits) says which of the others the caller reads:
     * the backend may leave those not asked for unread (`name` "", `uid`
     * #TERMINUS_UID_UNKNOWN, `session` #TERMINUS_SESSION_NONE), as each costs
     * a read per process on Linux (a tree walk asks for none of them).
     * `info->start` must be comparable between processes (a child started
     * after its parent has a larger or equal start). A process the backend
     * cannot read (it ended during the walk) is left out.
     * @return OK; the code of `fn`; E_ACCESS_DENIED, E_NO_MEMORY, E_OS
     */
    int (*process_list)(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg);
    /**
     * Read what names an open process, through its handle (so that it is
     * the process opened, not whatever has its pid now): its pid, ppid and
     * start in `info` (the backend may leave the other fields unread, as
     * process_list with `fields` 0) and, where the OS has one, a number no
     * other process of this boot has (Linux 6.9+: the pidfd's inode number;
     * 0 where there is none).
     * @return OK (also for one that has ended while its identity can still be read:
     *         a Linux zombie, a Windows process whose handle is held); E_NOT_FOUND (it
     *         has ended and can no longer be told: Linux, once reaped), E_ACCESS_DENIED,
     *         E_OS
     */
    int (*process_identity)(void *data, terminus_os_process *proc, terminus_process_info *info,
                            uint64_t *unique);
    /**
     * Write a name of this boot of this machine (Linux: the boot id without its dashes,
     * 32 hex digits; "" where processes' start times already tell boots apart) to
     * `buf` (`size` >= 64).
     * @return OK; E_OS
     */
    int (*boot_id)(void *data, char *buf, size_t size);

    /* --- version 2 (continued): sessions an administrator acts on --- */

    /**
     * Call `fn(arg, details)` once per session on the server, with what the
     * OS tells of it (the members it cannot tell: 0, -1 or "", as
     * #terminus_session_details says), stopping at the first code `fn`
     * returns other than OK (and returning it). The same sessions, ids and
     * states as session_list. `now_us` is the server's clock if the OS gives
     * it, else this machine's. One listing: no wait beyond the OS calls.
     * @return OK; the code of `fn`; E_UNAVAILABLE, E_ACCESS_DENIED, E_UNSUPPORTED, E_NO_MEMORY,
     *         E_OS
     */
    int (*session_details)(void *data, terminus_os_server *server, terminus_os_details_fn fn,
                           void *arg);
    /**
     * Show `text` (valid UTF-8, 1 to 1023 bytes; "\n" and tabs its only
     * control characters) under `title` (never NULL) to the user of session
     * `id` (never #TERMINUS_SESSION_CURRENT), and return at once, without
     * waiting for the user; `timeout_s` is how long a message box stays (0:
     * until closed) where the OS has one.
     * @return OK; E_NOT_FOUND, E_ACCESS_DENIED, E_UNSUPPORTED (no channel to
     *         that session's user), E_UNAVAILABLE, E_NO_MEMORY, E_OS; E_INVALID as session_logoff
     */
    int (*session_message)(void *data, terminus_os_server *server, uint32_t id, const char *title,
                           const char *text, uint32_t timeout_s);
    /**
     * Call `fn(arg, blocker)` once per thing that holds a logoff or shutdown
     * of session `id` (or #TERMINUS_SESSION_CURRENT) back, stopping at the
     * first code `fn` returns other than OK (and returning it). Must not
     * wait on a program (a hung window never blocks it).
     * @return OK; the code of `fn`; E_NOT_FOUND, E_UNSUPPORTED (the backend cannot
     *         tell for that session), E_UNAVAILABLE, E_ACCESS_DENIED, E_NO_MEMORY, E_OS
     */
    int (*session_blockers)(void *data, terminus_os_server *server, uint32_t id,
                            terminus_os_blocker_fn fn, void *arg);
    /**
     * What the core must know of this OS's rules: TERMINUS_OS_* bits
     * (#TERMINUS_OS_NAMES_NOCASE, #TERMINUS_OS_REPARENTS); 0 for none. Not a
     * function: set it in the table (Windows: #TERMINUS_OS_NAMES_NOCASE; Linux:
     * #TERMINUS_OS_REPARENTS).
     */
    uint32_t traits;

    /* --- version 2 (continued): groups that hold a tree --- */

    /**
     * Open the group that holds `proc` and whatever it starts, for a tree
     * terminate (#TERMINUS_TERMINATE_TREE). Linux (`job` NULL): the cgroup v2
     * directory of `proc` (the "0::" line of /proc/PID/cgroup, under the
     * cgroup2 mount), unless it is the root cgroup or the caller's own cgroup,
     * or the caller may not write its `cgroup.kill`. Windows: the job object
     * `job` (a HANDLE the caller gave through terminus_terminate_options::job),
     * when `proc` is in it and the caller is not. `job` NULL on Windows, or a
     * cgroup Linux cannot use, is E_NOT_FOUND: the core then walks the
     * process list. Whether the group holds the tree and nothing else is the
     * core's to decide, from group_list.
     * @return OK; E_NOT_FOUND (no such group); E_REFUSED (the caller is in the
     *         job); E_INVALID (`proc` is not in `job`); E_UNSUPPORTED (a `job` on
     *         a platform without jobs); E_ACCESS_DENIED; E_NO_MEMORY; E_OS
     */
    int (*group_open)(void *data, terminus_os_process *proc, void *job, terminus_os_group **out);
    /**
     * Call `fn(arg, info)` once per process in the group now (Linux: the
     * `cgroup.procs` of the directory and of every cgroup below it; Windows:
     * the job's process id list), with `pid`, `ppid` and `start` filled as
     * process_list fills them with `fields` 0, stopping at the first code `fn`
     * returns other than OK (and returning it). A process that ended during
     * the listing is left out. A process in the group the caller cannot
     * identify (in another pid namespace, hidden by /proc, or one it may not
     * signal) is given with pid 0 (ppid 0, start 0): the core then does not
     * take the group as the tree.
     * @return OK; the code of `fn`; E_ACCESS_DENIED, E_NO_MEMORY, E_OS
     */
    int (*group_list)(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg);
    /**
     * Kill every process in the group at once, with any it starts meanwhile
     * (Linux: "1" to `cgroup.kill`; Windows: TerminateJobObject with
     * `exit_code`). Returns without waiting for them to be gone.
     * @return OK; E_ACCESS_DENIED, E_OS
     */
    int (*group_kill)(void *data, terminus_os_group *group, uint32_t exit_code);
    /**
     * Whether the group has no process left: `*empty` 1 or 0 (Linux:
     * "populated 0" in `cgroup.events`; Windows: no active process in the
     * job's accounting). Only looks; never waits.
     * @return OK; E_ACCESS_DENIED, E_OS
     */
    int (*group_empty)(void *data, terminus_os_group *group, int *empty);
    /** Release a group opened by group_open (never ends its processes). Never fails. */
    void (*group_close)(void *data, terminus_os_group *group);
};

/** @brief terminus_os::traits bit: image names are compared without regard to case
 *  (Windows: the file names of NTFS), the ASCII letters folded; without it, exactly
 *  (Linux). terminus_terminate_name() follows it. */
#define TERMINUS_OS_NAMES_NOCASE 0x1u
/** @brief terminus_os::traits bit: a process whose parent ends is re-parented at once
 *  (Linux: to init, or to the nearest subreaper), so that no listing links a process to a
 *  parent that has ended. A tree terminate then spares the scans that could only find
 *  such links (when every member has ended); without it (Windows keeps the link), it
 *  makes them. */
#define TERMINUS_OS_REPARENTS 0x2u

/**
 * @brief The native table of this platform (Win32 or POSIX).
 *
 * Where terminus has no native backend, a table whose every operation
 * returns #TERMINUS_E_UNSUPPORTED.
 * @return a static table; never NULL
 */
TERMINUS_API const terminus_os *terminus_os_native(void);

#if defined(_WIN32) || defined(TERMINUS_DOXYGEN)
/**
 * @brief Windows, the DLL: the helper process of the console step
 *        (#TERMINUS_STEP_CONSOLE); not for programs to call.
 *
 * The Win32 backend runs it, for one target, as
 * `rundll32.exe "<libterminus-0.dll>",terminus_os_win32_console_helper PID EVENT`:
 * a short-lived process of its own, so that the caller never leaves or
 * changes its own console. It attaches to the console of PID and, when
 * only PID and itself are on it, sends EVENT there (GenerateConsoleCtrlEvent),
 * absorbing its own copy. It never returns: its exit code says what it did.
 * @param hwnd      unused (rundll32's window)
 * @param instance  unused
 * @param cmdline   "PID EVENT": the target's pid, and 0 (Ctrl+C) or 1 (Ctrl+Break)
 * @param show      unused
 */
TERMINUS_API void terminus_os_win32_console_helper(void *hwnd, void *instance, char *cmdline,
                                                   int show);
#endif

/**
 * @brief Record a failure in the calling thread's error record (for backends).
 *
 * @param code     the TERMINUS_E_* code
 * @param os_code  the native error number (GetLastError, errno), or 0
 * @param fmt      printf-style message naming the OS call and its argument,
 *                 e.g. `"OpenProcess(%u)"`; the core keeps it as it is
 * @return `code`, so that a backend can write `return terminus_os_error(...)`
 */
TERMINUS_API int terminus_os_error(int code, int64_t os_code, const char *fmt, ...)
    TERMINUS_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_SYS_OS_H */
