/*
 * lib/os/posix/posix.c: the Linux backend of terminus.
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
 * tm_px_code(); tm_px_fail() records it with the native number.
 *
 * Linux specifics, documented for users:
 * - process_kill sends SIGKILL: the exit code cannot be chosen; a killed
 *   process reports 128 + 9 = 137.
 * - a process that is not the caller's child has a known exit code only on
 *   kernels with PIDFD_GET_INFO and once its parent has reaped it; otherwise
 *   the code is unknown.
 * - process_open may raise the soft RLIMIT_NOFILE to the hard limit (once
 *   per process) when pidfd_open hits EMFILE, so that a terminate of many
 *   targets stays correct past the open-files limit.
 * - the listener installs handlers for SIGTERM and SIGHUP that forward the
 *   signal through a pipe to a dedicated thread, which calls back with the
 *   signal mask terminus_listen's caller had; stop puts the earlier handlers
 *   back. The caller's signal mask never changes (see the listener section
 *   for why). An ignored SIGHUP (nohup) is left ignored. A forked copy of a
 *   listening process does not listen. The registered message name is unused
 *   on Linux.
 * - logoff: logind has no FORCE distinction; every flag gives the same
 *   TerminateSession.
 * - without pidfds (kernels before 5.3, or under valgrind 3.19, which does
 *   not know the syscall) process_open fails with TERMINUS_E_UNSUPPORTED:
 *   there is deliberately no kill() fallback, which could hit a recycled pid.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "../../core/sync.h"

/* --- PIDFD_GET_INFO (kernel 6.15+), not in Debian 12's headers ------------ */

#define TM_P_PIDFD ((idtype_t)3)

#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT (1UL << 3)
#endif

/* The first version of the kernel's struct pidfd_info (64 bytes); the ioctl is
 * extensible, the kernel reads the size from the request number. */
struct tm_pidfd_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
_Static_assert(sizeof(struct tm_pidfd_info) == 64, "pidfd_info version 0 is 64 bytes");

#define TM_PIDFS_IOCTL_MAGIC 0xFF
#define TM_PIDFD_GET_INFO _IOWR(TM_PIDFS_IOCTL_MAGIC, 11, struct tm_pidfd_info)

/* --- errors: the one translation ------------------------------------------ */

/* Where an error comes from: the meaning of ENOENT and EINVAL depends on it. */
enum { TM_PX_PROC = 0, TM_PX_BUS = 1 };

#define TM_DBUS_ERR "org.freedesktop.DBus.Error."

/* errno (positive) or D-Bus error name (may be NULL) => TERMINUS code. */
static int tm_px_code(int err, const char *dbus_name, int domain)
{
    if (dbus_name != NULL) {
        static const struct { const char *name; int code; } names[] = {
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
        return domain == TM_PX_BUS && dbus_name == NULL && err == ENOENT
                   ? TERMINUS_E_UNAVAILABLE : TERMINUS_E_NOT_FOUND;
    case EINVAL:
        /* pidfd_open of a thread id, not a process */
        return domain == TM_PX_PROC ? TERMINUS_E_NOT_FOUND : TERMINUS_E_OS;
    case EPERM:
    case EACCES:
        return TERMINUS_E_ACCESS_DENIED;
    case ENOMEM:
        return TERMINUS_E_NO_MEMORY;
    case ETIMEDOUT:
        return domain == TM_PX_BUS ? TERMINUS_E_UNAVAILABLE : TERMINUS_E_TIMEOUT;
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
static int tm_px_fail(int err, const sd_bus_error *e, int domain, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int tm_px_fail(int err, const sd_bus_error *e, int domain, const char *fmt, ...)
{
    char what[512];
    char buf[256];
    va_list ap;
    const char *name = (e != NULL && sd_bus_error_is_set(e)) ? e->name : NULL;
    int code = tm_px_code(err, name, domain);

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (name != NULL)
        return terminus_os_error(code, err, "%s: %s: %s", what, name,
                                 e->message != NULL ? e->message : "");
    return terminus_os_error(code, err, "%s: %s (%d)", what,
                             strerror_r(err, buf, sizeof buf), err);
}

/* --- clock and identity ---------------------------------------------------- */

static uint64_t tm_px_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t px_clock_us(void *data)
{
    (void)data;
    return tm_px_now_us();
}

static terminus_pid px_self_pid(void *data)
{
    (void)data;
    return (terminus_pid)getpid();
}

/* --- processes -------------------------------------------------------------- */

struct terminus_os_process {
    pid_t pid;
    int fd; /* the pidfd: the identity for the whole call */
};

static tm_mutex tm_px_rlimit_lock = TM_MUTEX_INIT;
static int tm_px_rlimit_raised;

/* Raise the soft open-files limit to the hard one, once per process.
 * Returns 1 if it is (now or already) raised, so that a retry may help. */
static int tm_px_raise_nofile(void)
{
    int ok;
    tm_mutex_lock(&tm_px_rlimit_lock);
    if (!tm_px_rlimit_raised) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
                tm_px_rlimit_raised = 1;
        }
    }
    ok = tm_px_rlimit_raised;
    tm_mutex_unlock(&tm_px_rlimit_lock);
    return ok;
}

static int px_process_open(void *data, terminus_pid pid, terminus_os_process **out)
{
    terminus_os_process *p;
    int fd, err, retried = 0;
    (void)data;

    *out = NULL;
    for (;;) {
        fd = pidfd_open((pid_t)pid, 0);
        if (fd >= 0)
            break;
        err = errno;
        if ((err == EMFILE || err == ENFILE) && !retried && tm_px_raise_nofile()) {
            retried = 1;
            continue;
        }
        return tm_px_fail(err, NULL, TM_PX_PROC, "pidfd_open(%u)", (unsigned)pid);
    }
    p = malloc(sizeof *p);
    if (p == NULL) {
        close(fd);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "pidfd_open(%u): out of memory",
                                 (unsigned)pid);
    }
    p->pid = (pid_t)pid;
    p->fd = fd;
    *out = p;
    return TERMINUS_OK;
}

static void px_process_close(void *data, terminus_os_process *proc)
{
    (void)data;
    if (proc == NULL)
        return;
    close(proc->fd);
    free(proc);
}

/* A wait status (WIFEXITED / WIFSIGNALED) => the exit code terminus reports. */
static uint32_t tm_px_wait_code(int status)
{
    if (WIFEXITED(status))
        return (uint32_t)WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128u + (uint32_t)WTERMSIG(status);
    return TERMINUS_EXIT_CODE_UNKNOWN;
}

static int px_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
{
    struct pollfd pfd;
    siginfo_t si;
    int r;
    (void)data;

    st->running = 1;
    st->code_known = 0;
    st->exit_code = TERMINUS_EXIT_CODE_UNKNOWN;

    pfd.fd = proc->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    do
        r = poll(&pfd, 1, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return tm_px_fail(errno, NULL, TM_PX_PROC, "poll(pidfd of %d)", (int)proc->pid);
    if (r == 0 || (pfd.revents & (POLLIN | POLLHUP)) == 0)
        return TERMINUS_OK;
    st->running = 0;

    /* The caller's child: read the status and leave it for the caller. */
    memset(&si, 0, sizeof si);
    r = waitid(TM_P_PIDFD, (id_t)proc->fd, &si, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && si.si_pid != 0) {
        if (si.si_code == CLD_EXITED) {
            st->exit_code = (uint32_t)si.si_status;
            st->code_known = 1;
        } else if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
            st->exit_code = 128u + (uint32_t)si.si_status;
            st->code_known = 1;
        }
        return TERMINUS_OK;
    }
    if (r < 0 && errno != ECHILD)
        return TERMINUS_OK; /* ended; the code is unknown */

    /* Not our child (or already reaped): the kernel keeps the exit status in
     * the pidfd once the process is reaped (6.15+). */
    {
        struct tm_pidfd_info info;
        memset(&info, 0, sizeof info);
        info.mask = PIDFD_INFO_EXIT;
        if (ioctl(proc->fd, TM_PIDFD_GET_INFO, &info) == 0 && (info.mask & PIDFD_INFO_EXIT)) {
            st->exit_code = tm_px_wait_code(info.exit_code);
            st->code_known = st->exit_code != TERMINUS_EXIT_CODE_UNKNOWN;
        }
        /* ENOTTY / EINVAL (older kernel), ESRCH (reaped without exit info):
         * the code stays unknown */
    }
    return TERMINUS_OK;
}

static int tm_px_signal(terminus_os_process *proc, int sig, const char *name)
{
    if (pidfd_send_signal(proc->fd, sig, NULL, 0) == 0)
        return TERMINUS_OK;
    return tm_px_fail(errno, NULL, TM_PX_PROC, "pidfd_send_signal(%d, %s)", (int)proc->pid, name);
}

static int px_process_request(void *data, terminus_os_process *proc, const char *message)
{
    (void)data;
    (void)message; /* unused on Linux: the request is SIGTERM */
    return tm_px_signal(proc, SIGTERM, "SIGTERM");
}

static int px_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
{
    (void)data;
    (void)exit_code; /* Linux cannot choose it: a SIGKILLed process reports 137 */
    return tm_px_signal(proc, SIGKILL, "SIGKILL");
}

/* --- wait sets: one epoll instance, every pidfd registered once ------------- */

struct terminus_os_waitset {
    int epfd;
    size_t count;
};

static int px_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                        terminus_os_waitset **out)
{
    terminus_os_waitset *set;
    (void)data;

    *out = NULL;
    set = malloc(sizeof *set);
    if (set == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "wait set of %zu: out of memory",
                                 count);
    set->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (set->epfd < 0) {
        int err = errno;
        free(set);
        return tm_px_fail(err, NULL, TM_PX_PROC, "epoll_create1");
    }
    set->count = count;
    for (size_t i = 0; i < count; i++) {
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        /* one-shot: an ended process fires once and is then disabled, so
         * each index is reported once with no EPOLL_CTL_DEL per target */
        ev.events = EPOLLIN | EPOLLONESHOT;
        ev.data.u64 = (uint64_t)i;
        if (epoll_ctl(set->epfd, EPOLL_CTL_ADD, procs[i]->fd, &ev) < 0) {
            int err = errno;
            close(set->epfd);
            free(set);
            return tm_px_fail(err, NULL, TM_PX_PROC, "epoll_ctl(ADD, pidfd of %d)",
                              (int)procs[i]->pid);
        }
    }
    *out = set;
    return TERMINUS_OK;
}

#define TM_PX_EVENTS 256

static int px_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                       size_t capacity, size_t *nready)
{
    struct epoll_event ev[TM_PX_EVENTS];
    uint64_t deadline = tm_px_now_us() + (uint64_t)timeout_ms * 1000u;
    int max = capacity < TM_PX_EVENTS ? (int)capacity : TM_PX_EVENTS;
    int n;
    (void)data;

    *nready = 0;
    if (capacity == 0)
        return terminus_os_error(TERMINUS_E_OS, EINVAL, "epoll_wait: no room to report into");
    for (;;) {
        uint64_t now = tm_px_now_us();
        uint64_t left_ms = now >= deadline ? 0 : (deadline - now + 999u) / 1000u;
        int t = left_ms > (uint64_t)INT_MAX ? INT_MAX : (int)left_ms;
        n = epoll_wait(set->epfd, ev, max, t);
        if (n > 0)
            break;
        if (n < 0 && errno != EINTR)
            return tm_px_fail(errno, NULL, TM_PX_PROC, "epoll_wait");
        if (n == 0 && tm_px_now_us() >= deadline)
            return TERMINUS_E_TIMEOUT;
    }
    for (int i = 0; i < n; i++)
        ready[(*nready)++] = (size_t)ev[i].data.u64;
    return TERMINUS_OK;
}

static void px_wait_close(void *data, terminus_os_waitset *set)
{
    (void)data;
    if (set == NULL)
        return;
    close(set->epfd);
    free(set);
}

/* --- exit ------------------------------------------------------------------- */

static int px_exit_process(void *data, uint32_t exit_code, int fast)
{
    (void)data;
    if (fast)
        _exit((int)exit_code);
    exit((int)exit_code);
}

/* --- the listener ----------------------------------------------------------- */

/*
 * SIGTERM and SIGHUP get a handler that only writes the signal number to a
 * pipe; a dedicated thread reads the pipe and calls back. The caller's
 * signal mask is never changed, on purpose:
 * - a mask blocked in the caller's thread is inherited across fork and exec,
 *   so every program the caller starts afterwards (Python's subprocess and
 *   .NET's Process included) would ignore SIGTERM;
 * - runtimes such as Python and Mono have threads before any user code runs,
 *   and a mask set now would not reach them anyway.
 * The listener thread blocks every signal while it waits (the program's
 * signals, SIGCHLD and the like, are not ours to take), but runs the
 * callback with the mask the thread that called terminus_listen had: the
 * callback may start programs (posix_spawn, or fork and exec as Python's
 * subprocess does), which inherit the mask of the thread that starts them,
 * and a program started with SIGTERM blocked could never be asked to stop.
 *
 * The handler is installed with SA_RESTART; whichever thread the kernel picks
 * runs it for a few instructions (calls that never restart, such as poll or
 * nanosleep, may see EINTR there, as with any handler).
 *
 * SIGHUP is left alone when it is ignored at terminus_listen (a program run
 * under nohup): the program then hears no logoff, and nohup keeps working.
 * SIGTERM is always taken: hearing it is what the listener is for.
 *
 * fork: a process forked from the listening one does not listen (the thread
 * is not copied). Its handler puts the earlier disposition back and raises
 * the signal again; terminus_listener_free in it only puts the dispositions
 * back (it neither writes to the pipe, which it shares with its parent, nor
 * joins a thread it does not have); terminus_listen in it starts afresh with
 * a pipe of its own.
 *
 * One listener per process. The pipe lives as long as the process (or until
 * a forked copy starts its own listener), so a handler that runs late on
 * another thread never writes to a closed or reused descriptor.
 */
static tm_mutex tm_px_listen_lock = TM_MUTEX_INIT;
static int tm_px_listening;
static int tm_px_hup_taken; /* SIGHUP's handler is ours (it was not ignored) */
static int tm_px_pipe[2] = { -1, -1 };
static volatile sig_atomic_t tm_px_owner; /* the pid that listens (0: none yet) */
static struct sigaction tm_px_old_term, tm_px_old_hup;

struct terminus_os_listener {
    pthread_t thread;
    pid_t pid;     /* the process that started it (a forked copy is not it) */
    sigset_t mask; /* the mask of the thread that called terminus_listen */
    terminus_os_listen_fn fn;
    void *arg;
    int self_stop; /* stopped from its own callback: the thread ends and frees it */
};

static void tm_px_forward(int sig)
{
    int saved = errno;
    if ((pid_t)tm_px_owner != getpid()) {
        /* a forked child: behave as before terminus_listen */
        sigaction(sig, sig == SIGHUP ? &tm_px_old_hup : &tm_px_old_term, NULL);
        raise(sig); /* delivered when this handler returns */
    } else {
        unsigned char b = (unsigned char)sig;
        ssize_t r = write(tm_px_pipe[1], &b, 1); /* async-signal-safe; full pipe: dropped */
        (void)r;
    }
    errno = saved;
}

static void *tm_px_listen_thread(void *p)
{
    terminus_os_listener *l = p;
    sigset_t all;

    /* Started with every signal blocked (see px_listen_start); it stays so
     * while waiting. */
    sigfillset(&all);
    for (;;) {
        unsigned char buf[64];
        struct pollfd pfd = { tm_px_pipe[0], POLLIN, 0 };
        ssize_t n;
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL; /* the pipe is broken: stop rather than spin */
        }
        n = read(tm_px_pipe[0], buf, sizeof buf);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 0)
                return NULL; /* listen_stop */
            /* the caller's mask for the callback: what it starts inherits it */
            pthread_sigmask(SIG_SETMASK, &l->mask, NULL);
            l->fn(l->arg, buf[i] == SIGHUP ? TERMINUS_REASON_LOGOFF : TERMINUS_REASON_REQUEST);
            pthread_sigmask(SIG_SETMASK, &all, NULL);
            if (l->self_stop) {
                /* listen_stop ran inside the callback (an exit hook): it
                 * could not join this thread, which now ends by itself */
                free(l);
                return NULL;
            }
        }
    }
}

/* Put back the dispositions terminus_listen found. */
static void tm_px_restore_signals(void)
{
    sigaction(SIGTERM, &tm_px_old_term, NULL);
    if (tm_px_hup_taken)
        sigaction(SIGHUP, &tm_px_old_hup, NULL);
    tm_px_hup_taken = 0;
}

/* In a process forked from a listening one: drop what was inherited (the
 * handlers of a listener whose thread is not here, and the parent's pipe). */
static void tm_px_forget_parent(void)
{
    if (tm_px_owner == 0 || (pid_t)tm_px_owner == getpid())
        return;
    if (tm_px_listening)
        tm_px_restore_signals();
    tm_px_listening = 0;
    /* No handler of ours is installed now, and a late one on this process
     * would not write (tm_px_owner is not this pid): the descriptors can go. */
    if (tm_px_pipe[0] >= 0)
        close(tm_px_pipe[0]);
    if (tm_px_pipe[1] >= 0)
        close(tm_px_pipe[1]);
    tm_px_pipe[0] = tm_px_pipe[1] = -1;
}

static int tm_px_pipe_ready(void)
{
    unsigned char buf[64];
    if (tm_px_pipe[0] < 0 && pipe2(tm_px_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        tm_px_pipe[0] = tm_px_pipe[1] = -1;
        return tm_px_fail(errno, NULL, TM_PX_PROC, "pipe2 (listener)");
    }
    while (read(tm_px_pipe[0], buf, sizeof buf) > 0)
        ; /* drop what an earlier listener left */
    return TERMINUS_OK;
}

static int px_listen_start(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                           terminus_os_listener **out)
{
    terminus_os_listener *l;
    struct sigaction sa, hup;
    sigset_t all;
    int r, err;
    (void)data;
    (void)message; /* unused on Linux: the request is SIGTERM */

    *out = NULL;
    tm_mutex_lock(&tm_px_listen_lock);
    tm_px_forget_parent();
    if (tm_px_listening) {
        tm_mutex_unlock(&tm_px_listen_lock);
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 "listen: a listener is already running in this process");
    }
    r = tm_px_pipe_ready();
    if (r != TERMINUS_OK) {
        tm_mutex_unlock(&tm_px_listen_lock);
        return r;
    }
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        tm_mutex_unlock(&tm_px_listen_lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "listen: out of memory");
    }
    l->pid = getpid();
    l->fn = fn;
    l->arg = arg;

    /* The thread starts with every signal blocked (a new thread inherits its
     * creator's mask); the caller's own mask is saved for the callback and
     * put back at once. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &l->mask);
    err = pthread_create(&l->thread, NULL, tm_px_listen_thread, l);
    pthread_sigmask(SIG_SETMASK, &l->mask, NULL);
    if (err != 0) {
        free(l);
        tm_mutex_unlock(&tm_px_listen_lock);
        return tm_px_fail(err, NULL, TM_PX_PROC, "pthread_create (listener)");
    }

    /* Then the handlers: from here a SIGTERM is a request, never fatal. */
    tm_px_owner = (sig_atomic_t)getpid();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tm_px_forward;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGTERM, &sa, &tm_px_old_term);
    /* An ignored SIGHUP (nohup) stays ignored. */
    sigaction(SIGHUP, NULL, &hup);
    tm_px_hup_taken = (hup.sa_flags & SA_SIGINFO) != 0 || hup.sa_handler != SIG_IGN;
    if (tm_px_hup_taken)
        sigaction(SIGHUP, &sa, &tm_px_old_hup);
    tm_px_listening = 1;
    tm_mutex_unlock(&tm_px_listen_lock);
    *out = l;
    return TERMINUS_OK;
}

static void px_listen_stop(void *data, terminus_os_listener *l)
{
    unsigned char stop = 0;
    ssize_t r;
    (void)data;
    if (l == NULL)
        return;
    tm_mutex_lock(&tm_px_listen_lock);
    if (l->pid != getpid()) {
        /* A forked copy of the listening process: the thread is not here,
         * and the pipe is the parent's, whose listener must keep running.
         * Only the dispositions go back (unless this copy has started a
         * listener of its own since). */
        if ((pid_t)tm_px_owner == l->pid && tm_px_listening) {
            tm_px_restore_signals();
            tm_px_listening = 0;
        }
        tm_mutex_unlock(&tm_px_listen_lock);
        free(l);
        return;
    }
    /* Give the signals back to their earlier dispositions first: from here a
     * SIGTERM does what it did before terminus_listen. */
    tm_px_restore_signals();
    tm_px_listening = 0;
    if (pthread_equal(pthread_self(), l->thread)) {
        /* From inside the callback (an exit hook run by the clean exit it
         * asked for): a thread cannot join itself. It is detached and, once
         * the callback returns, ends and frees the listener by itself; the
         * callback is not called again. */
        l->self_stop = 1;
        pthread_detach(l->thread);
        tm_mutex_unlock(&tm_px_listen_lock);
        return;
    }
    do
        r = write(tm_px_pipe[1], &stop, 1);
    while (r < 0 && errno == EINTR);
    while (r < 0) {
        /* a full pipe: wait until the thread makes room */
        struct pollfd pfd = { tm_px_pipe[1], POLLOUT, 0 };
        poll(&pfd, 1, -1);
        r = write(tm_px_pipe[1], &stop, 1);
    }
    pthread_join(l->thread, NULL);
    tm_mutex_unlock(&tm_px_listen_lock);
    free(l);
}

/* --- logind over sd-bus ----------------------------------------------------- */

#define TM_LOGIN1 "org.freedesktop.login1"
#define TM_LOGIN1_PATH "/org/freedesktop/login1"
#define TM_LOGIN1_MANAGER "org.freedesktop.login1.Manager"
#define TM_LOGIN1_SESSION "org.freedesktop.login1.Session"

/* A logind id that is not a small decimal number gets an id from here up. */
#define TM_PX_MAPPED_BASE 0x80000000u

struct tm_px_idmap {
    char *lid;
    uint32_t id;
};

struct terminus_os_server {
    sd_bus *bus;
    int remote;
    tm_mutex lock; /* sd-bus objects are not thread-safe */
    struct tm_px_idmap *map;
    size_t nmap, cap;
};

/* "3" => 3; anything else (leading zero, letters, too large) => 0. */
static uint32_t tm_px_numeric(const char *lid)
{
    uint32_t v = 0;
    if (lid[0] < '1' || lid[0] > '9')
        return 0;
    for (const char *c = lid; *c; c++) {
        if (*c < '0' || *c > '9' || v > (TM_PX_MAPPED_BASE - 1u - (uint32_t)(*c - '0')) / 10u)
            return 0;
        v = v * 10u + (uint32_t)(*c - '0');
    }
    return v;
}

/* The terminus id of a logind id, adding it to the map if new. Locked. */
static int tm_px_id_of(terminus_os_server *s, const char *lid, uint32_t *id)
{
    uint32_t v = tm_px_numeric(lid);
    char *copy;
    if (v != 0) {
        *id = v;
        return TERMINUS_OK;
    }
    for (size_t i = 0; i < s->nmap; i++)
        if (strcmp(s->map[i].lid, lid) == 0) {
            *id = s->map[i].id;
            return TERMINUS_OK;
        }
    if (s->nmap == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct tm_px_idmap *m = realloc(s->map, cap * sizeof *m);
        if (m == NULL)
            return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "session map: out of memory");
        s->map = m;
        s->cap = cap;
    }
    copy = strdup(lid);
    if (copy == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "session map: out of memory");
    s->map[s->nmap].lid = copy;
    s->map[s->nmap].id = TM_PX_MAPPED_BASE + (uint32_t)s->nmap;
    *id = s->map[s->nmap].id;
    s->nmap++;
    return TERMINUS_OK;
}

/* The logind id of a terminus id. Locked. */
static int tm_px_lid_of(terminus_os_server *s, uint32_t id, char *buf, size_t size)
{
    if (id != 0 && id < TM_PX_MAPPED_BASE) {
        snprintf(buf, size, "%u", (unsigned)id);
        return TERMINUS_OK;
    }
    for (size_t i = 0; i < s->nmap; i++)
        if (s->map[i].id == id) {
            snprintf(buf, size, "%s", s->map[i].lid);
            return TERMINUS_OK;
        }
    return terminus_os_error(TERMINUS_E_NOT_FOUND, 0, "session %u: no such session on this server",
                             (unsigned)id);
}

/* Call a login1 Manager method. Returns OK or the translated error. */
static int tm_px_call(terminus_os_server *s, const char *method, uint64_t timeout_us,
                      sd_bus_message **reply, const char *what, const char *types, ...)
{
    sd_bus_message *m = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    va_list ap;
    int r;

    r = sd_bus_message_new_method_call(s->bus, &m, TM_LOGIN1, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                       method);
    if (r >= 0 && types != NULL) {
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
    }
    if (r >= 0)
        r = sd_bus_call(s->bus, m, timeout_us, &e, reply);
    sd_bus_message_unref(m);
    if (r < 0) {
        r = tm_px_fail(-r, &e, TM_PX_BUS, "logind %s(%s)", method, what);
        sd_bus_error_free(&e);
        return r;
    }
    return TERMINUS_OK;
}

static int px_server_open(void *data, const char *name, terminus_os_server **out)
{
    terminus_os_server *s;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r;
    (void)data;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "server: out of memory");
    tm_mutex_init(&s->lock);
    s->remote = name != NULL;
    r = name == NULL ? sd_bus_open_system(&s->bus) : sd_bus_open_system_remote(&s->bus, name);
    if (r < 0) {
        r = tm_px_fail(-r, NULL, TM_PX_BUS, "%s(%s)",
                       name == NULL ? "sd_bus_open_system" : "sd_bus_open_system_remote",
                       name == NULL ? "local" : name);
        /* a name sd-bus cannot parse is not a reachable server */
        if (r == TERMINUS_E_OS && name != NULL)
            r = terminus_os_error(TERMINUS_E_NOT_FOUND, terminus_error_last()->os_code, "%s",
                                  terminus_error_last()->message);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    /* Is logind there? (Remote: this is also when ssh runs.) */
    r = sd_bus_call_method(s->bus, TM_LOGIN1, TM_LOGIN1_PATH, "org.freedesktop.DBus.Peer", "Ping",
                           &e, NULL, NULL);
    if (r < 0) {
        r = tm_px_fail(-r, &e, TM_PX_BUS, "logind on %s", name == NULL ? "the system bus" : name);
        /* the bus is there but logind is not: unavailable, whatever sd-bus said */
        if (r == TERMINUS_E_NOT_FOUND || r == TERMINUS_E_OS)
            r = terminus_os_error(TERMINUS_E_UNAVAILABLE, terminus_error_last()->os_code, "%s",
                                  terminus_error_last()->message);
        sd_bus_error_free(&e);
        sd_bus_flush_close_unref(s->bus);
        tm_mutex_destroy(&s->lock);
        free(s);
        return r;
    }
    *out = s;
    return TERMINUS_OK;
}

static void px_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    if (s == NULL)
        return;
    sd_bus_flush_close_unref(s->bus);
    for (size_t i = 0; i < s->nmap; i++)
        free(s->map[i].lid);
    free(s->map);
    tm_mutex_destroy(&s->lock);
    free(s);
}

static int32_t tm_px_state(const char *state)
{
    if (state == NULL)
        return TERMINUS_SESSION_OTHER;
    if (strcmp(state, "active") == 0)
        return TERMINUS_SESSION_ACTIVE;
    if (strcmp(state, "online") == 0)
        return TERMINUS_SESSION_CONNECTED;
    return TERMINUS_SESSION_OTHER; /* "closing", or anything new */
}

struct tm_px_entry {
    char *lid, *user, *path;
};

static void tm_px_entries_free(struct tm_px_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].lid);
        free(v[i].user);
        free(v[i].path);
    }
    free(v);
}

/* ListSessions => a malloc'ed array of copies. Locked. */
static int tm_px_list(terminus_os_server *s, struct tm_px_entry **out, size_t *count)
{
    sd_bus_message *reply = NULL;
    struct tm_px_entry *v = NULL;
    size_t n = 0, cap = 0;
    int r;

    *out = NULL;
    *count = 0;
    r = tm_px_call(s, "ListSessions", 0, &reply, "", NULL);
    if (r != TERMINUS_OK)
        return r;
    r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(susso)");
    while (r >= 0) {
        const char *lid, *user, *seat, *path;
        uint32_t uid;
        r = sd_bus_message_read(reply, "(susso)", &lid, &uid, &user, &seat, &path);
        if (r <= 0)
            break;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            struct tm_px_entry *nv = realloc(v, c * sizeof *nv);
            if (nv == NULL) {
                r = -ENOMEM;
                break;
            }
            v = nv;
            cap = c;
        }
        v[n].lid = strdup(lid);
        v[n].user = strdup(user);
        v[n].path = strdup(path);
        n++;
        if (v[n - 1].lid == NULL || v[n - 1].user == NULL || v[n - 1].path == NULL) {
            r = -ENOMEM;
            break;
        }
    }
    sd_bus_message_unref(reply);
    if (r < 0) {
        tm_px_entries_free(v, n);
        return tm_px_fail(-r, NULL, TM_PX_BUS, "logind ListSessions: reading the reply");
    }
    *out = v;
    *count = n;
    return TERMINUS_OK;
}

static int px_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg)
{
    struct tm_px_entry *v;
    size_t n;
    int r;
    (void)data;

    tm_mutex_lock(&s->lock);
    r = tm_px_list(s, &v, &n);
    for (size_t i = 0; r == TERMINUS_OK && i < n; i++) {
        terminus_session_info info;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *state = NULL;
        int q;

        memset(&info, 0, sizeof info);
        r = tm_px_id_of(s, v[i].lid, &info.id);
        if (r != TERMINUS_OK)
            break;
        q = sd_bus_get_property_string(s->bus, TM_LOGIN1, v[i].path, TM_LOGIN1_SESSION, "State", &e,
                                       &state);
        if (q < 0) {
            int code = tm_px_code(-q, sd_bus_error_is_set(&e) ? e.name : NULL, TM_PX_BUS);
            if (code != TERMINUS_E_NOT_FOUND && code != TERMINUS_E_UNSUPPORTED) {
                r = tm_px_fail(-q, &e, TM_PX_BUS, "logind session %s: State", v[i].lid);
                sd_bus_error_free(&e);
                break;
            }
            /* it went away meanwhile, or has no State: list it as OTHER */
        }
        sd_bus_error_free(&e);
        info.state = tm_px_state(state);
        free(state);
        snprintf(info.name, sizeof info.name, "%s", v[i].lid);
        snprintf(info.user, sizeof info.user, "%s", v[i].user);
        r = fn(arg, &info);
    }
    tm_mutex_unlock(&s->lock);
    tm_px_entries_free(v, n);
    return r;
}

/* The caller's own logind session id (malloc'ed), from /proc via sd-login. */
static int tm_px_own_session(char **lid)
{
    int r = sd_pid_get_session(0, lid);
    if (r < 0) {
        *lid = NULL;
        if (r == -ENOMEM)
            return tm_px_fail(ENOMEM, NULL, TM_PX_PROC, "sd_pid_get_session");
        return terminus_os_error(TERMINUS_E_NOT_FOUND, -r,
                                 "sd_pid_get_session: this process is in no logind session (%d)", -r);
    }
    return TERMINUS_OK;
}

static int px_session_current(void *data, terminus_os_server *s, uint32_t *id)
{
    char *lid;
    int r;
    (void)data;
    if (s->remote)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "session_current: the caller has no session on a remote server");
    r = tm_px_own_session(&lid);
    if (r != TERMINUS_OK)
        return r;
    tm_mutex_lock(&s->lock);
    r = tm_px_id_of(s, lid, id);
    tm_mutex_unlock(&s->lock);
    free(lid);
    return r;
}

static int px_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    char lid[256];
    int r;
    (void)data;
    tm_mutex_lock(&s->lock);
    r = tm_px_lid_of(s, id, lid, sizeof lid);
    if (r == TERMINUS_OK)
        r = tm_px_call(s, "TerminateSession", 0, NULL, lid, "s", lid);
    tm_mutex_unlock(&s->lock);
    return r;
}

struct tm_px_gone {
    const char *lid;
    int gone;
};

static int tm_px_on_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    struct tm_px_gone *g = userdata;
    const char *lid = NULL, *path = NULL;
    (void)ret_error;
    if (sd_bus_message_read(m, "so", &lid, &path) >= 0 && lid != NULL && strcmp(lid, g->lid) == 0)
        g->gone = 1;
    return 0;
}

/* How long GetSession may take when timeout_ms is 0 ("only look"): a look
 * needs one round trip to logind, which 0 cannot bound; past this, the
 * session counts as not seen gone (E_TIMEOUT). */
#define TM_PX_LOOK_US 100000u

/*
 * Bounded by timeout_ms: every bus call here gets at most the time that is
 * left (at least 1 ms), so the whole wait overruns timeout_ms by no more than
 * a few ms (timeout_ms 0: by at most TM_PX_LOOK_US). A logind that does not
 * answer GetSession in time gives E_TIMEOUT (the session was not seen gone
 * within the bound). s->lock is held for the whole wait, as for every call
 * on this server's bus connection (sd-bus is not thread-safe): other calls
 * on the same server wait behind it, at most timeout_ms.
 */
static int px_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms)
{
    char lid[256];
    struct tm_px_gone g;
    sd_bus_slot *slot = NULL;
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    uint64_t deadline = tm_px_now_us() + (uint64_t)timeout_ms * 1000u;
    uint64_t call_us;
    int r;
    (void)data;

    tm_mutex_lock(&s->lock);
    r = tm_px_lid_of(s, id, lid, sizeof lid);
    if (r != TERMINUS_OK) {
        tm_mutex_unlock(&s->lock);
        return TERMINUS_OK; /* never was */
    }
    g.lid = lid;
    g.gone = 0;
    /* Subscribe first, then look: a removal in between is not missed. The
     * AddMatch is sent without waiting for its reply (which could take the
     * bus's default 25 s): the bus daemon handles this connection's messages
     * in order, so the match is in place before GetSession reaches logind. */
    r = sd_bus_match_signal_async(s->bus, &slot, NULL, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                  "SessionRemoved", tm_px_on_removed, NULL, &g);
    if (r < 0) {
        r = tm_px_fail(-r, NULL, TM_PX_BUS, "logind: subscribing to SessionRemoved");
        goto done;
    }
    /* sd-bus reads a call timeout of 0 as its default (25 s): never pass 0. */
    if (timeout_ms == 0) {
        call_us = TM_PX_LOOK_US;
    } else {
        uint64_t now = tm_px_now_us();
        call_us = now < deadline ? deadline - now : 0;
        if (call_us < 1000u)
            call_us = 1000u;
    }
    r = sd_bus_message_new_method_call(s->bus, &m, TM_LOGIN1, TM_LOGIN1_PATH, TM_LOGIN1_MANAGER,
                                       "GetSession");
    if (r >= 0)
        r = sd_bus_message_append(m, "s", lid);
    if (r >= 0)
        r = sd_bus_call(s->bus, m, call_us, &e, &reply);
    sd_bus_message_unref(m);
    sd_bus_message_unref(reply);
    if (r == -ETIMEDOUT) {
        r = terminus_os_error(TERMINUS_E_TIMEOUT, ETIMEDOUT,
                              "logind: no answer about session %s within %u ms", lid,
                              (unsigned)(call_us / 1000u));
        sd_bus_error_free(&e);
        goto done;
    }
    if (r < 0) {
        r = tm_px_fail(-r, &e, TM_PX_BUS, "logind GetSession(%s)", lid);
        sd_bus_error_free(&e);
        if (r == TERMINUS_E_NOT_FOUND)
            r = TERMINUS_OK; /* gone already */
        goto done;
    }
    for (;;) {
        uint64_t now;
        do
            r = sd_bus_process(s->bus, NULL);
        while (r > 0 && !g.gone);
        if (g.gone) {
            r = TERMINUS_OK;
            break;
        }
        if (r < 0) {
            r = tm_px_fail(-r, NULL, TM_PX_BUS, "logind: waiting for session %s", lid);
            break;
        }
        now = tm_px_now_us();
        if (now >= deadline) {
            r = terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                  "logind: session %s still there after %u ms", lid,
                                  (unsigned)timeout_ms);
            break;
        }
        r = sd_bus_wait(s->bus, deadline - now);
        if (r < 0 && r != -EINTR) {
            r = tm_px_fail(-r, NULL, TM_PX_BUS, "logind: waiting for session %s", lid);
            break;
        }
    }
done:
    sd_bus_slot_unref(slot);
    tm_mutex_unlock(&s->lock);
    return r;
}

static int px_logoff(void *data, uint32_t flags)
{
    terminus_os_server *s = NULL;
    char *lid;
    int r;
    (void)flags; /* logind has no FORCE distinction */

    r = tm_px_own_session(&lid);
    if (r != TERMINUS_OK)
        return r;
    r = px_server_open(data, NULL, &s);
    if (r == TERMINUS_OK) {
        tm_mutex_lock(&s->lock);
        r = tm_px_call(s, "TerminateSession", 0, NULL, lid, "s", lid);
        tm_mutex_unlock(&s->lock);
        px_server_close(data, s);
    }
    free(lid);
    return r;
}

/* --- the table -------------------------------------------------------------- */

static const terminus_os tm_px_os = {
    TERMINUS_OS_VERSION,
    "posix",
    NULL,
    1, /* init */
    px_clock_us,
    px_self_pid,
    px_process_open,
    px_process_close,
    px_process_status,
    px_process_request,
    px_process_kill,
    px_wait_open,
    px_wait_any,
    px_wait_close,
    px_exit_process,
    px_listen_start,
    px_listen_stop,
    px_logoff,
    px_server_open,
    px_server_close,
    px_session_list,
    px_session_current,
    px_session_logoff,
    px_session_wait_gone,
};

TERMINUS_API const terminus_os *terminus_os_native(void)
{
    return &tm_px_os;
}
