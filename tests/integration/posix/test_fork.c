/*
 * tests/integration/posix/test_fork.c: a listening process forks, on real
 * processes (docs/guarantees.md, "Listeners survive fork"). One case per
 * run (tests/common/check.h): test_fork NAME; test_fork --list names them.
 *
 * Each child reports what went wrong by its exit code; the parent waits for
 * it with a timeout and kills it if it hangs.
 */
#include "util.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>

/* ThreadSanitizer starts no thread in a process forked from a threaded one:
 * these scenarios need exactly that (the child's own listener). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* Wait for a child at most timeout_ms; one still running then is killed
 * (and reaped) and -1 is returned. Otherwise its wait status. */
static int wait_or_kill(pid_t pid, int timeout_ms)
{
    int status = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -2;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

static int wait_flag(atomic_int *flag, int want, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms && atomic_load(flag) != want; waited += 5)
        sleep_ms(5);
    return atomic_load(flag) == want;
}

/* --- during_stop: fork while another thread stops a listener -------------------- */

static atomic_int in_callback; /* the parent's slow callback is running */
static atomic_int freeing;     /* the stopper thread is in terminus_listener_free */
static atomic_int freed;       /* ... and has come back */
static atomic_int heard;       /* requests the current listener heard */

/* Returns non-zero: the process goes on (the request is SIGTERM to itself). */
static int slow_callback(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    atomic_store(&in_callback, 1);
    sleep_ms(300);
    atomic_store(&in_callback, 0);
    return 1;
}

static int counting_callback(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    atomic_fetch_add(&heard, 1);
    return 1;
}

static void *stopper(void *arg)
{
    atomic_store(&freeing, 1);
    terminus_listener_free(arg);
    atomic_store(&freed, 1);
    return NULL;
}

/* The child of during_stop. Exit codes: 0 ok, 3 forked outside the window
 * (the caller tries again), 4 terminus_listen failed, 5 the child's own
 * listener did not hear its SIGTERM. A hang is the defect itself. */
static void during_stop_child(void)
{
    terminus_listener *mine = NULL;

    if (!atomic_load(&in_callback) || !atomic_load(&freeing) || atomic_load(&freed))
        _exit(3);
    atomic_store(&heard, 0);
    if (terminus_listen(NULL, NULL, 0, counting_callback, NULL, &mine) != TERMINUS_OK)
        _exit(4);
    kill(getpid(), SIGTERM);
    if (!wait_flag(&heard, 1, 1000))
        _exit(5);
    terminus_listener_free(mine);
    _exit(0);
}

/* Thread A stops a listener whose callback sleeps 300 ms; this thread forks
 * 100 ms into that stop; the child must be able to listen and stop within
 * 2 s (it hung for ever when the stop held the listener's lock across the
 * join: the lock was copied held into a child without the thread that
 * would release it). */
static void during_stop(void)
{
    int attempt, status = -1;

    for (attempt = 0; attempt < 5; attempt++) {
        terminus_listener *l = NULL;
        pthread_t a;
        pid_t pid;

        atomic_store(&in_callback, 0);
        atomic_store(&freeing, 0);
        atomic_store(&freed, 0);
        CHECK_RC(terminus_listen(NULL, NULL, 0, slow_callback, NULL, &l), TERMINUS_OK);
        if (l == NULL)
            return;
        kill(getpid(), SIGTERM);
        CHECK_MSG(wait_flag(&in_callback, 1, 2000), "the slow callback did not start");
        CHECK_MSG(pthread_create(&a, NULL, stopper, l) == 0, "pthread_create");
        wait_flag(&freeing, 1, 2000);
        sleep_ms(100); /* thread A is now joining the listener's thread */
        pid = fork();
        if (pid == 0)
            during_stop_child();
        CHECK_MSG(pid > 0, "fork: %s", strerror(errno));
        status = pid > 0 ? wait_or_kill(pid, 2000) : -2;
        pthread_join(a, NULL);
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 3))
            break;
        printf("# during_stop: attempt %d forked outside the stop, again\n", attempt + 1);
    }
    CHECK_MSG(status != -1,
              "the child forked during terminus_listener_free hung in terminus_listen "
              "or terminus_listener_free (killed after 2 s)");
    CHECK_MSG(status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0),
              "the child ended with status 0x%x (exit 3: never forked inside the stop; 4: "
              "terminus_listen failed; 5: its own listener did not hear SIGTERM)",
              (unsigned)status);

    /* The stop finished its bookkeeping: this process can listen again. */
    {
        terminus_listener *l = NULL;
        atomic_store(&heard, 0);
        CHECK_RC(terminus_listen(NULL, NULL, 0, counting_callback, NULL, &l), TERMINUS_OK);
        kill(getpid(), SIGTERM);
        CHECK_MSG(wait_flag(&heard, 1, 2000), "the next listener did not hear SIGTERM");
        terminus_listener_free(l);
    }
}

/* --- reused_fds: a child reuses the numbers of the inherited pipe -------------- */

static atomic_int keep_running; /* the callback returns non-zero (no exit) */

/* Counts; returns 0 (a clean exit with code 42) unless keep_running. */
static int exiting_callback(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    atomic_fetch_add(&heard, 1);
    return atomic_load(&keep_running) ? 1 : 0;
}

/* The descriptors of this process that are pipes, as a bit set of 0..1023. */
static void pipe_fds(unsigned char set[128])
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    memset(set, 0, 128);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[64], link[64];
        ssize_t n;
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd >= 1024)
            continue;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        n = readlink(path, link, sizeof link - 1);
        if (n > 0 && (link[n] = '\0', strncmp(link, "pipe:[", 6) == 0))
            set[fd / 8] |= (unsigned char)(1u << (fd % 8));
    }
    closedir(d);
}

/* Put a file of this process's own at descriptor number fd, holding text. */
static int own_file_at(int fd, const char *name, const char *text, struct stat *st)
{
    char path[300];
    int f;

    path_in_dir(path, sizeof path, name);
    f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f < 0)
        return -1;
    if (f != fd) {
        if (dup2(f, fd) < 0)
            return -1;
        close(f);
    }
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fstat(fd, st) < 0)
        return -1;
    return 0;
}

/* fd is still the file st describes, open, and holds exactly text. */
static int own_file_intact(int fd, const struct stat *st, const char *text)
{
    char buf[64];
    struct stat now;
    ssize_t n;

    if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &now) < 0 || now.st_dev != st->st_dev ||
        now.st_ino != st->st_ino)
        return 0;
    n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0)
        return 0;
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

/* The child of reused_fds. Exit codes: 0 ok, 10 setting up its files failed,
 * 11 terminus_listen failed, 12 a write to its own file failed, 13 a file
 * was closed, replaced or changed by terminus_listen, 14 a callback ran,
 * 15 its own listener did not hear SIGTERM, 16 a file was closed by
 * terminus_listener_free, 42 the callback ran and exited the process (a
 * write to the child's own file reached the listener's pipe). */
static void reused_fds_child(terminus_listener *parents, int rfd, int wfd)
{
    terminus_listener *mine = NULL;
    struct stat sa, sb;
    int wrote;

    atomic_store(&heard, 0);
    atomic_store(&keep_running, 0);
    /* Close the inherited pipe ends; files of its own take their numbers. */
    close(rfd);
    close(wfd);
    if (own_file_at(rfd, "a", "file a", &sa) != 0 || own_file_at(wfd, "b", "file b", &sb) != 0)
        _exit(10);
    if (terminus_listen(NULL, NULL, 42, exiting_callback, NULL, &mine) != TERMINUS_OK)
        _exit(11);
    wrote = write(wfd, "+", 1) == 1;
    wrote = write(rfd, "+", 1) == 1 && wrote;
    sleep_ms(200); /* room for a callback to run, if a byte reached one */
    if (atomic_load(&heard) != 0)
        _exit(14);
    if (!wrote)
        _exit(12);
    if (!own_file_intact(rfd, &sa, "file a+") || !own_file_intact(wfd, &sb, "file b+"))
        _exit(13);
    /* The child's own listener works. */
    atomic_store(&keep_running, 1);
    kill(getpid(), SIGTERM);
    if (!wait_flag(&heard, 1, 1000))
        _exit(15);
    terminus_listener_free(mine);
    terminus_listener_free(parents); /* the copy of the parent's */
    if (!own_file_intact(rfd, &sa, "file a+") || !own_file_intact(wfd, &sb, "file b+"))
        _exit(16);
    _exit(0);
}

/* The parent listens; the child closes the listener's inherited pipe ends,
 * opens files of its own under their numbers, listens, and writes to its
 * files. Its files must stay open and intact and no callback may run (the
 * old code closed those numbers in terminus_listen, so the child's files
 * went and the new pipe took their numbers: a byte written to the child's
 * own file ran the callback, which exited the process). */
static void reused_fds(void)
{
    unsigned char before[128], after[128];
    terminus_listener *l = NULL;
    int rfd = -1, wfd = -1, status;
    pid_t pid;

    atomic_store(&keep_running, 1);
    atomic_store(&heard, 0);
    pipe_fds(before);
    CHECK_RC(terminus_listen(NULL, NULL, 42, exiting_callback, NULL, &l), TERMINUS_OK);
    if (l == NULL)
        return;
    pipe_fds(after);
    for (int fd = 0; fd < 1024; fd++) {
        int fl;
        if (!(after[fd / 8] & (1u << (fd % 8))) || (before[fd / 8] & (1u << (fd % 8))))
            continue;
        fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY)
            rfd = fd;
        else if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY)
            wfd = fd;
    }
    CHECK_MSG(rfd >= 0 && wfd >= 0, "the listener's pipe was not found in /proc/self/fd");
    if (rfd < 0 || wfd < 0) {
        terminus_listener_free(l);
        return;
    }
    printf("# reused_fds: the listener's pipe is %d (read), %d (write)\n", rfd, wfd);

    /* Fork only once the listener's thread has started, as shown by its
     * answer. Clang's ASan before LLVM 18 takes no lock around fork: a thread
     * still in its start then (glibc's pthread_getattr_np allocates) can hold
     * an allocator lock, which the child inherits held, and the child's own
     * listener thread blocked on it for ever in its own start (exit 15, about
     * 1 run in 20 under load). */
    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_flag(&heard, 1, 5000), "the listener did not hear SIGTERM before the fork");
    atomic_store(&heard, 0);

    pid = fork();
    if (pid == 0)
        reused_fds_child(l, rfd, wfd);
    CHECK_MSG(pid > 0, "fork: %s", strerror(errno));
    status = pid > 0 ? wait_or_kill(pid, 5000) : -2;
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the child ended with status 0x%x (exit 42: a write to its own file ran the callback "
              "and exited; 12: a write to its own file failed (closed); 13: its files were closed "
              "or changed; 14: a callback ran; 11: terminus_listen failed; 15: its own listener "
              "did not hear SIGTERM; 16: terminus_listener_free closed its files)",
              (unsigned)status);

    /* The parent's listener still runs. */
    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_flag(&heard, 1, 2000), "the parent's listener no longer hears SIGTERM");
    terminus_listener_free(l);
}

/* Before each case: a fresh directory (and none of them under TSan). */
static void setup(char **args)
{
    (void)args;
    if (UNDER_TSAN)
        SKIP("ThreadSanitizer starts no thread in a process forked from a threaded one");
    make_dir();
}

static const h_test tests[] = {
    T(during_stop),
    T(reused_fds),
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
        .setup = setup,
        .teardown = cleanup_dir,
    };

    return h_main(&program, argc, argv);
}
