/*
 * lib/os/linux/listener.c: the listener of the Linux backend. SIGTERM and
 * SIGHUP are forwarded through a pipe to a thread of the listener's, which
 * calls back; the comment below says why the caller's signal mask never
 * changes and what a forked copy of a listening process does.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "terminus/terminate.h"
#include "../../core/sync.h"
#include "linux.h"

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
 * One listener per process. The pipe lives as long as the process (or until
 * a forked copy starts its own listener), so a handler that runs late on
 * another thread never writes to a closed or reused descriptor.
 *
 * The lock is never held across a wait: listen_stop takes what it needs
 * under it, marks the listener as stopping, lets it go, joins the thread
 * (which lasts as long as a running callback) and takes it again for the
 * bookkeeping. While a listener stops, listen_start refuses (it would drain
 * the pipe of the stop byte the joined thread waits for).
 *
 * fork: a process forked from the listening one does not listen (the thread
 * is not copied). pthread_atfork handlers hold the lock across the fork, so
 * the child gets it free and the state whole, and mark the child as a new
 * generation: everything the parent set up (the listening and stopping
 * state, the pipe, the listener objects) is then recognised as inherited,
 * by the generation and by the pid (either differing is enough). In the
 * child:
 * - the handler puts the earlier disposition back and raises the signal
 *   again (tm_linux_owner is no longer its pid);
 * - terminus_listener_free of the parent's listener only puts the
 *   dispositions back (it neither writes to the pipe, which it shares with
 *   its parent, nor joins a thread it does not have);
 * - terminus_listen starts afresh with a pipe of its own. The parent's pipe
 *   descriptors are closed only where they provably still are that pipe (the
 *   same pipe inode, the same end, close-on-exec still set): a child may have
 *   closed them and opened files of its own that took their numbers, which
 *   must not be closed (nor become the new pipe). Descriptors that are not
 *   proven are forgotten, never closed; the parent's are close-on-exec, so
 *   they go at the child's next exec anyway.
 */

/* Which process a piece of state belongs to. */
struct tm_linux_origin {
    unsigned gen; /* tm_linux_gen when it was set up */
    pid_t pid;
};

static tm_mutex tm_linux_listen_lock = TM_MUTEX_INIT;
static pthread_once_t tm_linux_atfork_once = PTHREAD_ONCE_INIT;
static int tm_linux_atfork_err;                      /* what pthread_atfork returned */
static unsigned tm_linux_gen;                        /* bumped in every forked child */
static struct tm_linux_origin tm_linux_state_origin; /* of the four below */
static int tm_linux_listening;
static int tm_linux_stopping;  /* listen_stop is joining the thread */
static int tm_linux_hup_taken; /* SIGHUP's handler is ours (it was not ignored) */
static struct sigaction tm_linux_old_term, tm_linux_old_hup;
static int tm_linux_pipe[2] = { -1, -1 };
static struct tm_linux_origin tm_linux_pipe_origin;
static dev_t tm_linux_pipe_dev; /* the pipe's identity (both ends share it) */
static ino_t tm_linux_pipe_ino;
static volatile sig_atomic_t tm_linux_owner; /* the pid that listens (0: none) */

struct terminus_os_listener {
    pthread_t thread;
    struct tm_linux_origin origin; /* a forked copy is not it */
    int rfd;                       /* the pipe's read end */
    sigset_t mask;                 /* the mask of the thread that called terminus_listen */
    terminus_os_listen_fn fn;
    void *arg;
    int self_stop; /* stopped from its own callback: the thread ends and frees it */
};

static void tm_linux_forward(int sig)
{
    int saved = errno;
    if ((pid_t)tm_linux_owner != getpid()) {
        /* a forked child: behave as before terminus_listen */
        sigaction(sig, sig == SIGHUP ? &tm_linux_old_hup : &tm_linux_old_term, NULL);
        raise(sig); /* delivered when this handler returns */
    } else {
        unsigned char b = (unsigned char)sig;
        ssize_t r = write(tm_linux_pipe[1], &b, 1); /* async-signal-safe; full pipe: dropped */
        (void)r;
    }
    errno = saved;
}

static void tm_linux_atfork_prepare(void)
{
    tm_mutex_lock(&tm_linux_listen_lock);
}
static void tm_linux_atfork_parent(void)
{
    tm_mutex_unlock(&tm_linux_listen_lock);
}

static void tm_linux_atfork_child(void)
{
    /* Single-threaded here: what the parent set up is now inherited. */
    tm_linux_gen++;
    tm_linux_owner = 0;
    tm_mutex_unlock(&tm_linux_listen_lock);
}

static void tm_linux_atfork_register(void)
{
    tm_linux_atfork_err =
        pthread_atfork(tm_linux_atfork_prepare, tm_linux_atfork_parent, tm_linux_atfork_child);
}

static struct tm_linux_origin tm_linux_here(void)
{
    struct tm_linux_origin o;
    o.gen = tm_linux_gen;
    o.pid = getpid();
    return o;
}

/* Set up by this process (not inherited through fork)? Under the lock. */
static int tm_linux_mine(const struct tm_linux_origin *o)
{
    return o->gen == tm_linux_gen && o->pid == getpid();
}

static void *tm_linux_listen_thread(void *p)
{
    terminus_os_listener *l = p;
    sigset_t all;

    /* Started with every signal blocked (see tm_linux_listen_start); it stays so
     * while waiting. */
    sigfillset(&all);
    for (;;) {
        unsigned char buf[64];
        struct pollfd pfd = { l->rfd, POLLIN, 0 };
        ssize_t n;
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL; /* the pipe is broken: stop rather than spin */
        }
        n = read(l->rfd, buf, sizeof buf);
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
static void tm_linux_restore_signals(void)
{
    sigaction(SIGTERM, &tm_linux_old_term, NULL);
    if (tm_linux_hup_taken)
        sigaction(SIGHUP, &tm_linux_old_hup, NULL);
    tm_linux_hup_taken = 0;
}

/* Close fd only if it is still the end of the listener's pipe that this
 * process inherited (the same pipe inode, the same direction, close-on-exec
 * as pipe2 made it); anything else has been reused and is not ours. */
static void tm_linux_close_if_pipe(int fd, int accmode)
{
    struct stat st;
    int fl, fdfl;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) || st.st_dev != tm_linux_pipe_dev ||
        st.st_ino != tm_linux_pipe_ino)
        return;
    fl = fcntl(fd, F_GETFL);
    fdfl = fcntl(fd, F_GETFD);
    if (fl < 0 || (fl & O_ACCMODE) != accmode || fdfl < 0 || !(fdfl & FD_CLOEXEC))
        return;
    close(fd);
}

/* In a process forked from a listening one: drop what was inherited (the
 * state and handlers of a listener whose thread is not here, and the
 * parent's pipe). Under the lock. */
static void tm_linux_forget_parent(void)
{
    if (!tm_linux_mine(&tm_linux_state_origin)) {
        if (tm_linux_listening)
            tm_linux_restore_signals();
        tm_linux_listening = 0;
        tm_linux_stopping = 0; /* the stopping thread is the parent's */
        tm_linux_hup_taken = 0;
        tm_linux_state_origin = tm_linux_here();
    }
    if (tm_linux_pipe[0] >= 0 && !tm_linux_mine(&tm_linux_pipe_origin)) {
        /* No handler of ours is installed now, and a late one in this
         * process would not write (tm_linux_owner is not this pid). */
        tm_linux_close_if_pipe(tm_linux_pipe[0], O_RDONLY);
        tm_linux_close_if_pipe(tm_linux_pipe[1], O_WRONLY);
        tm_linux_pipe[0] = tm_linux_pipe[1] = -1;
    }
}

static int tm_linux_pipe_ready(void)
{
    unsigned char buf[64];
    if (tm_linux_pipe[0] < 0) {
        int p[2], err;
        struct stat st;
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
            return tm_linux_fail(errno, NULL, TM_LINUX_PROC, "pipe2 (listener)");
        if (fstat(p[0], &st) < 0) {
            err = errno;
            close(p[0]);
            close(p[1]);
            return tm_linux_fail(err, NULL, TM_LINUX_PROC, "fstat (listener pipe)");
        }
        tm_linux_pipe_dev = st.st_dev;
        tm_linux_pipe_ino = st.st_ino;
        tm_linux_pipe_origin = tm_linux_here();
        tm_linux_pipe[0] = p[0];
        tm_linux_pipe[1] = p[1];
    }
    while (read(tm_linux_pipe[0], buf, sizeof buf) > 0)
        ; /* drop what an earlier listener left */
    return TERMINUS_OK;
}

int tm_linux_listen_start(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                          terminus_os_listener **out)
{
    terminus_os_listener *l;
    struct sigaction sa, hup;
    sigset_t all;
    int r, err;
    (void)data;
    (void)message; /* unused on Linux: the request is SIGTERM */

    *out = NULL;
    pthread_once(&tm_linux_atfork_once, tm_linux_atfork_register);
    if (tm_linux_atfork_err != 0)
        return tm_linux_fail(tm_linux_atfork_err, NULL, TM_LINUX_PROC, "pthread_atfork (listener)");
    tm_mutex_lock(&tm_linux_listen_lock);
    tm_linux_forget_parent();
    if (tm_linux_listening || tm_linux_stopping) {
        tm_mutex_unlock(&tm_linux_listen_lock);
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 tm_linux_listening
                                     ? "listen: a listener is already running in this process"
                                     : "listen: the previous listener of this process is still "
                                       "stopping (terminus_listener_free has not returned)");
    }
    r = tm_linux_pipe_ready();
    if (r != TERMINUS_OK) {
        tm_mutex_unlock(&tm_linux_listen_lock);
        return r;
    }
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        tm_mutex_unlock(&tm_linux_listen_lock);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "listen: out of memory");
    }
    l->origin = tm_linux_here();
    l->rfd = tm_linux_pipe[0];
    l->fn = fn;
    l->arg = arg;

    /* The thread starts with every signal blocked (a new thread inherits its
     * creator's mask); the caller's own mask is saved for the callback and
     * put back at once. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &l->mask);
    err = pthread_create(&l->thread, NULL, tm_linux_listen_thread, l);
    pthread_sigmask(SIG_SETMASK, &l->mask, NULL);
    if (err != 0) {
        free(l);
        tm_mutex_unlock(&tm_linux_listen_lock);
        return tm_linux_fail(err, NULL, TM_LINUX_PROC, "pthread_create (listener)");
    }

    /* Then the handlers: from here a SIGTERM is a request, never fatal. */
    tm_linux_owner = (sig_atomic_t)getpid();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tm_linux_forward;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGTERM, &sa, &tm_linux_old_term);
    /* An ignored SIGHUP (nohup) stays ignored. */
    sigaction(SIGHUP, NULL, &hup);
    tm_linux_hup_taken = (hup.sa_flags & SA_SIGINFO) != 0 || hup.sa_handler != SIG_IGN;
    if (tm_linux_hup_taken)
        sigaction(SIGHUP, &sa, &tm_linux_old_hup);
    tm_linux_listening = 1;
    tm_mutex_unlock(&tm_linux_listen_lock);
    *out = l;
    return TERMINUS_OK;
}

void tm_linux_listen_stop(void *data, terminus_os_listener *l)
{
    unsigned char stop = 0;
    ssize_t r;
    int wfd;
    (void)data;
    if (l == NULL)
        return;
    tm_mutex_lock(&tm_linux_listen_lock);
    if (!tm_linux_mine(&l->origin)) {
        /* A forked copy of the listening process: the thread is not here,
         * and the pipe is the parent's, whose listener must keep running.
         * Only what was inherited is dropped (the dispositions go back,
         * unless this copy has started a listener of its own since). */
        tm_linux_forget_parent();
        tm_mutex_unlock(&tm_linux_listen_lock);
        free(l);
        return;
    }
    /* Give the signals back to their earlier dispositions first: from here a
     * SIGTERM does what it did before terminus_listen. */
    tm_linux_restore_signals();
    tm_linux_listening = 0;
    if (pthread_equal(pthread_self(), l->thread)) {
        /* From inside the callback (an exit hook run by the clean exit it
         * asked for): a thread cannot join itself. It is detached and, once
         * the callback returns, ends and frees the listener by itself; the
         * callback is not called again. */
        l->self_stop = 1;
        pthread_detach(l->thread);
        tm_mutex_unlock(&tm_linux_listen_lock);
        return;
    }
    /* The join lasts as long as a running callback: never under the lock
     * (a fork meanwhile would copy it held into a child that has no thread
     * to release it). The pipe stays as it is while stopping is set. */
    tm_linux_stopping = 1;
    wfd = tm_linux_pipe[1];
    tm_mutex_unlock(&tm_linux_listen_lock);
    do
        r = write(wfd, &stop, 1);
    while (r < 0 && errno == EINTR);
    while (r < 0) {
        /* a full pipe: wait until the thread makes room */
        struct pollfd pfd = { wfd, POLLOUT, 0 };
        poll(&pfd, 1, -1);
        r = write(wfd, &stop, 1);
    }
    pthread_join(l->thread, NULL);
    tm_mutex_lock(&tm_linux_listen_lock);
    tm_linux_stopping = 0;
    tm_mutex_unlock(&tm_linux_listen_lock);
    free(l);
}
