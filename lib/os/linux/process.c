/*
 * lib/os/linux/process.c: processes and wait sets of the Linux backend.
 *
 * Processes are held by pidfds (pidfd_open), signalled with
 * pidfd_send_signal and waited for in epoll, so a recycled pid is never
 * touched and nothing sleep-polls. Exit codes are read without reaping:
 * waitid(P_PIDFD, WNOWAIT) for the caller's children, ioctl(PIDFD_GET_INFO)
 * (kernel 6.15+) for other processes once their parent has reaped them.
 *
 * Every process handle and every wait set costs one descriptor. The process's
 * limits are never changed: when the table is full (EMFILE, ENFILE),
 * pidfd_open and epoll_create1 fail with TERMINUS_E_NO_MEMORY ("out of file
 * descriptors", errno kept as the native code) and the core works in batches
 * that fit (lib/core/terminate.c). What users see of this is listed in
 * lib/os/linux/backend.c.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "linux.h"

/* waitid's P_PIDFD, not in Debian 12's headers; PIDFD_GET_INFO is linux.h's. */
#define TM_P_PIDFD ((idtype_t)3)

/* --- processes -------------------------------------------------------------- */

/* Record the failure of a call that makes a descriptor: a full table (EMFILE
 * for this process, ENFILE for the system) is TERMINUS_E_NO_MEMORY, which
 * tells the core to work in smaller batches; anything else goes through the
 * one translation (backend.c). */
static int tm_linux_fd_fail(int err, const char *what)
{
    char buf[256];

    if (err == EMFILE || err == ENFILE)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, err, "%s: out of file descriptors: %s (%d)",
                                 what, strerror_r(err, buf, sizeof buf), err);
    return tm_linux_fail(err, NULL, TM_LINUX_PROC, "%s", what);
}

/* The thread group of task `tid` from /proc/TID/status (threads have an
 * entry there too, though not listed), or 0 if it cannot be read. */
static pid_t tm_linux_tgid_of(pid_t tid)
{
    char path[64], line[256];
    pid_t tgid = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    f = fopen(path, "re");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        long v;
        if (sscanf(line, "Tgid: %ld", &v) == 1) {
            tgid = v > 0 && v <= INT_MAX ? (pid_t)v : 0;
            break;
        }
    }
    fclose(f);
    return tgid;
}

int tm_linux_process_open(void *data, terminus_pid pid, terminus_os_process **out)
{
    terminus_os_process *p;
    char what[64];
    int fd;
    (void)data;

    *out = NULL;
    fd = pidfd_open((pid_t)pid, 0);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == EINVAL || err == ESRCH) {
            /* A thread id is no process: name the process it belongs to. */
            pid_t tgid = tm_linux_tgid_of((pid_t)pid);
            if (tgid > 0 && (terminus_pid)tgid != pid)
                return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                         "pidfd_open(%u): %u is a thread of process %d, not a "
                                         "process: terminate %d",
                                         (unsigned)pid, (unsigned)pid, (int)tgid, (int)tgid);
        }
        snprintf(what, sizeof what, "pidfd_open(%u)", (unsigned)pid);
        return tm_linux_fd_fail(err, what);
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

void tm_linux_process_close(void *data, terminus_os_process *proc)
{
    (void)data;
    if (proc == NULL)
        return;
    close(proc->fd);
    free(proc);
}

/* A wait status (WIFEXITED / WIFSIGNALED) => the exit code terminus reports. */
static uint32_t tm_linux_wait_code(int status)
{
    if (WIFEXITED(status))
        return (uint32_t)WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128u + (uint32_t)WTERMSIG(status);
    return TERMINUS_EXIT_CODE_UNKNOWN;
}

int tm_linux_process_status(void *data, terminus_os_process *proc, terminus_os_status *st)
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
        return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "poll(pidfd of %d)", (int)proc->pid);
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
        struct tm_linux_pidfd_info info;
        memset(&info, 0, sizeof info);
        info.mask = PIDFD_INFO_EXIT;
        if (ioctl(proc->fd, TM_PIDFD_GET_INFO, &info) == 0 && (info.mask & PIDFD_INFO_EXIT)) {
            st->exit_code = tm_linux_wait_code(info.exit_code);
            st->code_known = st->exit_code != TERMINUS_EXIT_CODE_UNKNOWN;
        }
        /* ENOTTY / EINVAL (older kernel), ESRCH (reaped without exit info):
         * the code stays unknown */
    }
    return TERMINUS_OK;
}

static int tm_linux_signal(terminus_os_process *proc, int sig, const char *name)
{
    if (pidfd_send_signal(proc->fd, sig, NULL, 0) == 0)
        return TERMINUS_OK;
    return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "pidfd_send_signal(%d, %s)", (int)proc->pid,
                         name);
}

/* Whether the process is stopped by job control (SIGSTOP, Ctrl-Z): 1 if so,
 * 0 if not (running, sleeping, held by a tracer: state 't'), -1 if it cannot
 * be told (/proc unreadable or hidden, or of a pid namespace the process is
 * not in, a thread-group leader that has exited while its threads run on). Read from /proc/PID/stat, whose state is the
 * letter after the last ')' (the command name may hold any byte); the pidfd
 * then shows that PID was still this process during the read (a process
 * that has ended, reaped or not, is not stopped). */
static int tm_linux_stopped(const terminus_os_process *proc)
{
    char state = tm_linux_proc_state(proc);

    if (state == 0)
        return -1;
    if (pidfd_send_signal(proc->fd, 0, NULL, 0) != 0)
        return errno == ESRCH ? 0 : -1;
    switch (state) {
    case 'T':
        return 1;
    case 'Z':
    case 'X':
        return -1;
    default:
        return 0;
    }
}

/* Send sig, then SIGCONT through the same pidfd if the process is stopped
 * (or may be): a stopped process (Ctrl-Z, SIGSTOP) would keep the signal
 * pending and be killed after the grace with its data unsaved, so it is
 * continued to run its handler (systemd does the same). One that ended since
 * the signal (ESRCH on the SIGCONT) was asked all the same.
 *
 * A process that is not stopped gets no SIGCONT: sending one throws away
 * every stop signal pending in it, and one may be pending for a reason of its
 * own at that very moment. A tracer that attaches (PTRACE_ATTACH sends
 * SIGSTOP and waits for the stop) then waits for ever: LeakSanitizer's
 * leak check, which runs in the clean exit the request has just set off,
 * attaches to every thread of the exiting process that way, and so does a
 * debugger. The state is read after the signal, so a process stopped before
 * it is seen stopped (the signal does not continue it). */
static int tm_linux_signal_cont(terminus_os_process *proc, int sig, const char *name)
{
    int rc = tm_linux_signal(proc, sig, name);
    if (rc != TERMINUS_OK)
        return rc;
    if (tm_linux_stopped(proc) == 0)
        return TERMINUS_OK;
    if (pidfd_send_signal(proc->fd, SIGCONT, NULL, 0) != 0 && errno != ESRCH)
        return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "pidfd_send_signal(%d, SIGCONT)",
                             (int)proc->pid);
    return TERMINUS_OK;
}

int tm_linux_process_request(void *data, terminus_os_process *proc, const char *message)
{
    (void)data;
    (void)message; /* unused on Linux: the request is SIGTERM */
    return tm_linux_signal_cont(proc, SIGTERM, "SIGTERM");
}

/* --- the close chain: signals ------------------------------------------------ */

/* The steps Linux has: each one a signal through the pidfd. */
#define TM_LINUX_STEPS (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGINT | TERMINUS_STEP_SIGHUP)

int tm_linux_process_reach(void *data, terminus_os_process *const *procs, size_t count,
                           uint32_t steps, uint32_t flags, const char *message, uint32_t *reach)
{
    (void)data;
    (void)procs;
    (void)flags;   /* BROADCAST and CTRL_BREAK are Windows's */
    (void)message; /* no registered message on Linux */
    /* A held pidfd can be signalled for as long as the process lives: every
     * signal step reaches every target. Whether the caller may signal it is
     * the step's answer (EPERM: TERMINUS_E_ACCESS_DENIED), as a refused post
     * is on Windows; an ended target is the step's E_NOT_FOUND. The Windows
     * steps (CLOSE, CONSOLE) reach nothing here. */
    for (size_t i = 0; i < count; i++)
        reach[i] = steps & TM_LINUX_STEPS;
    return TERMINUS_OK;
}

int tm_linux_process_step(void *data, terminus_os_process *proc, uint32_t step, uint32_t flags,
                          const char *message)
{
    (void)data;
    (void)flags;
    (void)message;
    switch (step) {
    case TERMINUS_STEP_MESSAGE:
        return tm_linux_signal_cont(proc, SIGTERM, "SIGTERM");
    case TERMINUS_STEP_SIGINT:
        return tm_linux_signal_cont(proc, SIGINT, "SIGINT");
    case TERMINUS_STEP_SIGHUP:
        return tm_linux_signal_cont(proc, SIGHUP, "SIGHUP");
    default:
        /* CLOSE and CONSOLE are Windows steps (process_reach never says
         * they reach); anything else is no single step */
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "close-chain step 0x%x for %d: Linux has no such step (only "
                                 "MESSAGE = SIGTERM, SIGINT and SIGHUP)",
                                 (unsigned)step, (int)proc->pid);
    }
}

int tm_linux_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code)
{
    (void)data;
    (void)exit_code; /* Linux cannot choose it: a SIGKILLed process reports 137 */
    return tm_linux_signal(proc, SIGKILL, "SIGKILL");
}

/* --- wait sets: one epoll instance, every pidfd registered once ------------- */

struct terminus_os_waitset {
    int epfd;
    size_t count;
};

int tm_linux_wait_open(void *data, terminus_os_process *const *procs, size_t count,
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
        return tm_linux_fd_fail(err, "epoll_create1");
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
            return tm_linux_fail(err, NULL, TM_LINUX_PROC, "epoll_ctl(ADD, pidfd of %d)",
                                 (int)procs[i]->pid);
        }
    }
    *out = set;
    return TERMINUS_OK;
}

#define TM_LINUX_EVENTS 256

int tm_linux_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                      size_t capacity, size_t *nready)
{
    struct epoll_event ev[TM_LINUX_EVENTS];
    uint64_t deadline = tm_linux_now_us() + (uint64_t)timeout_ms * 1000u;
    int max = capacity < TM_LINUX_EVENTS ? (int)capacity : TM_LINUX_EVENTS;
    int n;
    (void)data;

    *nready = 0;
    if (capacity == 0)
        return terminus_os_error(TERMINUS_E_OS, EINVAL, "epoll_wait: no room to report into");
    for (;;) {
        uint64_t now = tm_linux_now_us();
        uint64_t left_ms = now >= deadline ? 0 : (deadline - now + 999u) / 1000u;
        int t = left_ms > (uint64_t)INT_MAX ? INT_MAX : (int)left_ms;
        n = epoll_wait(set->epfd, ev, max, t);
        if (n > 0)
            break;
        if (n < 0 && errno != EINTR)
            return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "epoll_wait");
        if (n == 0 && tm_linux_now_us() >= deadline)
            return TERMINUS_E_TIMEOUT;
    }
    for (int i = 0; i < n; i++)
        ready[(*nready)++] = (size_t)ev[i].data.u64;
    return TERMINUS_OK;
}

void tm_linux_wait_close(void *data, terminus_os_waitset *set)
{
    (void)data;
    if (set == NULL)
        return;
    close(set->epfd);
    free(set);
}
