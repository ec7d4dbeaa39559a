/*
 * lib/os/linux/backend.c: the Linux backend of terminus (selected with
 * -Dnative_backend=posix): its table, terminus_os_native(), and what its
 * files share (declared in lib/os/linux/linux.h): the error translation,
 * the clock. The rest is in
 * - lib/os/linux/process.c: processes (pidfds) and wait sets (epoll);
 * - lib/os/linux/procs.c: the process listing (a walk of /proc), identities
 *   through the pidfd, the boot id;
 * - lib/os/linux/cgroup.c: groups (a tree's cgroup v2: cgroup.procs,
 *   cgroup.kill, cgroup.events);
 * - lib/os/linux/listener.c: the listener (SIGTERM and SIGHUP);
 * - lib/os/linux/logind.c: logoff, servers and sessions (logind over sd-bus).
 *
 * Processes are held by pidfds (pidfd_open), signalled with
 * pidfd_send_signal and waited for in epoll, so a recycled pid is never
 * touched and nothing sleep-polls. Exit codes are read without reaping:
 * waitid(P_PIDFD, WNOWAIT) for the caller's children, ioctl(PIDFD_GET_INFO)
 * (kernel 6.15+) for other processes once their parent has reaped them.
 * Sessions are systemd-logind's, over sd-bus: the local system bus
 * (DBUS_SYSTEM_BUS_ADDRESS is honoured) or a remote one through ssh
 * (sd_bus_open_system_remote, as `loginctl -H`).
 *
 * Every errno and D-Bus error name becomes a TERMINUS code in one place,
 * tm_linux_code(); tm_linux_fail() records it with the native number.
 *
 * Linux specifics, documented for users:
 * - process_kill sends SIGKILL: the exit code cannot be chosen; a killed
 *   process reports 128 + 9 = 137.
 * - a process that is not the caller's child has a known exit code only on
 *   kernels with PIDFD_GET_INFO and once its parent has reaped it; otherwise
 *   the code is unknown.
 * - every process handle (a pidfd) and every wait set (an epoll instance)
 *   costs one descriptor. terminus never changes the process's limits
 *   (RLIMIT_NOFILE stays as the caller set it): a full descriptor table
 *   (EMFILE, ENFILE) is TERMINUS_E_NO_MEMORY with errno as the native code,
 *   and a terminate of more targets than fit works in batches
 *   (lib/core/terminate.c).
 * - process_request sends SIGTERM, then SIGCONT if the target is stopped
 *   (state T after the signal, so that a Ctrl-Z'd target runs its SIGTERM
 *   handler; a running one gets none, which would throw away the SIGSTOP of
 *   a tracer attaching at that moment).
 * - the close chain (shim version 2) is a signal sequence: process_step
 *   sends TERMINUS_STEP_MESSAGE as SIGTERM, TERMINUS_STEP_SIGINT as SIGINT
 *   and TERMINUS_STEP_SIGHUP as SIGHUP, each with SIGCONT as above;
 *   process_reach says these three reach every target (the pidfd can
 *   signal it while it lives; EPERM is the step's TERMINUS_E_ACCESS_DENIED)
 *   and the Windows steps (CLOSE, CONSOLE) reach none, so the default chain
 *   (MESSAGE | CLOSE | CONSOLE) is SIGTERM alone. The flags BROADCAST and
 *   CTRL_BREAK and the registered message name are unused.
 * - process_open of a thread id that is not its process's (the thread-group
 *   leader's) fails with TERMINUS_E_NOT_FOUND and a message naming the
 *   process to terminate instead.
 * - the listener installs handlers for SIGTERM and SIGHUP that forward the
 *   signal through a pipe to a dedicated thread, which calls back with the
 *   signal mask terminus_listen's caller had; stop puts the earlier handlers
 *   back. The caller's signal mask never changes (see listener.c for why).
 *   An ignored SIGHUP (nohup) is left ignored. A forked copy of a listening
 *   process does not listen. The registered message name is unused on Linux.
 * - groups are cgroups v2 (kernel 5.14+ for cgroup.kill): group_open finds
 *   the cgroup of a process, and answers TERMINUS_E_NOT_FOUND for the root
 *   cgroup, the caller's own cgroup or one above it, and a cgroup the caller
 *   may not kill; a `job` is TERMINUS_E_UNSUPPORTED. group_kill sends
 *   SIGKILL through cgroup.kill: the exit code cannot be chosen (137).
 * - logoff: logind has no FORCE distinction; every flag gives the same
 *   TerminateSession.
 * - without pidfds (kernels before 5.3, or under valgrind 3.19, which does
 *   not know the syscall) process_open fails with TERMINUS_E_UNSUPPORTED:
 *   there is deliberately no kill() fallback, which could hit a recycled pid.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "linux.h"

/* --- errors: the one translation ------------------------------------------ */

#define TM_DBUS_ERR "org.freedesktop.DBus.Error."

/* errno (positive) or D-Bus error name (may be NULL) => TERMINUS code. */
int tm_linux_code(int err, const char *dbus_name, int domain)
{
    if (dbus_name != NULL) {
        static const struct {
            const char *name;
            int code;
        } names[] = {
            { "org.freedesktop.login1.NoSuchSession", TERMINUS_E_NOT_FOUND },
            { TM_DBUS_ERR "UnknownObject", TERMINUS_E_NOT_FOUND },
            { TM_DBUS_ERR "AccessDenied", TERMINUS_E_ACCESS_DENIED },
            { TM_DBUS_ERR "InteractiveAuthorizationRequired", TERMINUS_E_ACCESS_DENIED },
            { TM_DBUS_ERR "AuthFailed", TERMINUS_E_ACCESS_DENIED },
            { TM_DBUS_ERR "ServiceUnknown", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "NameHasNoOwner", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "NoServer", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "Disconnected", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "NoReply", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "Timeout", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "TimedOut", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "Spawn.ChildExited", TERMINUS_E_UNAVAILABLE },
            { TM_DBUS_ERR "UnknownMethod", TERMINUS_E_UNSUPPORTED },
            { TM_DBUS_ERR "UnknownInterface", TERMINUS_E_UNSUPPORTED },
            { TM_DBUS_ERR "NotSupported", TERMINUS_E_UNSUPPORTED },
            { TM_DBUS_ERR "NoMemory", TERMINUS_E_NO_MEMORY },
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(dbus_name, names[i].name) == 0)
                return names[i].code;
    }
    switch (err) {
    case ESRCH:
        return TERMINUS_E_NOT_FOUND;
    case ENOENT:
    case ENXIO:
        /* no socket / no bus there, versus no such object or session */
        return domain == TM_LINUX_BUS && dbus_name == NULL && err == ENOENT ? TERMINUS_E_UNAVAILABLE
                                                                            : TERMINUS_E_NOT_FOUND;
    case EINVAL:
        /* pidfd_open of a thread id, not a process */
        return domain == TM_LINUX_PROC ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
    case EPERM:
    case EACCES:
        return TERMINUS_E_ACCESS_DENIED;
    case ENOMEM:
        return TERMINUS_E_NO_MEMORY;
    case ETIMEDOUT:
        return domain == TM_LINUX_BUS ? TERMINUS_E_UNAVAILABLE : TERMINUS_E_TIMEOUT;
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case ENOTCONN:
    case EPIPE:
    case ESHUTDOWN:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETUNREACH:
    case ENETDOWN:
    case EADDRNOTAVAIL:
    case ENOMEDIUM:
    case ECHILD: /* the ssh child of a remote bus exited */
        return TERMINUS_E_UNAVAILABLE;
    case ENOSYS:
    case EOPNOTSUPP:
        return TERMINUS_E_UNSUPPORTED;
    default:
        return TERMINUS_E_OS;
    }
}

/* Record a failure: "what: reason (errno)" or "what: D-Bus name: message".
 * err is a positive errno (0 if none); e may be NULL. Returns the code. */
int tm_linux_fail(int err, const sd_bus_error *e, int domain, const char *fmt, ...)
{
    char what[512];
    char buf[256];
    va_list ap;
    const char *name = e != NULL ? e->name : NULL; /* sd_bus_error_is_set() */
    int code = tm_linux_code(err, name, domain);

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (name != NULL)
        return terminus_os_error(code, err, "%s: %s: %s", what, name,
                                 e->message != NULL ? e->message : "");
    return terminus_os_error(code, err, "%s: %s (%d)", what, strerror_r(err, buf, sizeof buf), err);
}

/* --- clock and identity ---------------------------------------------------- */

uint64_t tm_linux_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t tm_linux_clock_us(void *data)
{
    (void)data;
    return tm_linux_now_us();
}

static terminus_pid tm_linux_self_pid(void *data)
{
    (void)data;
    return (terminus_pid)getpid();
}

/* --- exit ------------------------------------------------------------------- */

static int tm_linux_exit_process(void *data, uint32_t exit_code, int fast)
{
    (void)data;
    if (fast)
        _exit((int)exit_code);
    exit((int)exit_code);
}

/* --- the table -------------------------------------------------------------- */

static const terminus_os tm_linux_os = {
    .version = TERMINUS_OS_VERSION,
    .name = "posix", /* the value of -Dnative_backend that selects it */
    .data = NULL,
    .system_pid = 1, /* init */
    .clock_us = tm_linux_clock_us,
    .self_pid = tm_linux_self_pid,
    .process_open = tm_linux_process_open,
    .process_close = tm_linux_process_close,
    .process_status = tm_linux_process_status,
    .process_request = tm_linux_process_request,
    .process_kill = tm_linux_process_kill,
    .wait_open = tm_linux_wait_open,
    .wait_any = tm_linux_wait_any,
    .wait_close = tm_linux_wait_close,
    .exit_process = tm_linux_exit_process,
    .listen_start = tm_linux_listen_start,
    .listen_stop = tm_linux_listen_stop,
    .logoff = tm_linux_logoff,
    .server_open = tm_linux_server_open,
    .server_close = tm_linux_server_close,
    .session_list = tm_linux_session_list,
    .session_current = tm_linux_session_current,
    .session_logoff = tm_linux_session_logoff,
    .session_wait_gone = tm_linux_session_wait_gone,
    /* version 2: the close chain */
    .process_reach = tm_linux_process_reach,
    .process_step = tm_linux_process_step,
    /* version 2: processes by identity */
    .process_list = tm_linux_process_list,
    .process_identity = tm_linux_process_identity,
    .boot_id = tm_linux_boot_id,
    /* version 2: sessions an administrator acts on */
    .session_details = tm_linux_session_details,
    .session_message = tm_linux_session_message,
    .session_blockers = tm_linux_session_blockers,
    /* an orphan is re-parented at once (to init or the nearest subreaper) */
    .traits = TERMINUS_OS_REPARENTS,
    /* version 2: groups that hold a tree (cgroup v2) */
    .group_open = tm_linux_group_open,
    .group_list = tm_linux_group_list,
    .group_kill = tm_linux_group_kill,
    .group_empty = tm_linux_group_empty,
    .group_close = tm_linux_group_close,
};

TERMINUS_API const terminus_os *terminus_os_native(void)
{
    return &tm_linux_os;
}
