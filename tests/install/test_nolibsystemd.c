/*
 * tests/install/test_nolibsystemd.c: the Linux backend loads libsystemd.so.0
 * only when a session function needs it (lib/os/linux/sdbus.h), so that
 * terminus works on a system without it. One case per run
 * (tests/common/check.h): test_nolibsystemd NAME; --list names them.
 *
 * "Without it" is made two ways. TERMINUS_TEST_NO_LIBSYSTEMD, the variable
 * that only tests set (docs/install.md), makes the loader act as if dlopen
 * had failed (cases unsupported, processes). The case absent really takes
 * the file away: in a mount namespace of its own it lays an overlay over the
 * directory of libsystemd.so.0 that hides it (root and overlayfs needed,
 * else it skips), so dlopen itself fails. The loader answers once per
 * process, so each case runs in its own process and arranges that before
 * its first session call.
 *
 * Built with -DLOGIND_ENABLED=0 or 1 (meson -Dlogind).
 */
#define _GNU_SOURCE 1

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#ifndef LOGIND_ENABLED
#define LOGIND_ENABLED 1
#endif

#define LIBSYSTEMD "libsystemd.so.0"
#define TEST_ENV   "TERMINUS_TEST_NO_LIBSYSTEMD"

/* A child that waits for a signal; terminated with the default SIGTERM
 * action. Returns its pid. */
static pid_t start_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    REQUIRE(pid > 0);
    return pid;
}

/* Reap a child that terminus terminated; 1 if it died of SIGTERM or SIGKILL. */
static int reaped_by_signal(pid_t pid)
{
    int status = 0;
    pid_t r;

    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    return r == pid && WIFSIGNALED(status) &&
           (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL);
}

/* Is libsystemd in this process now? (RTLD_NOLOAD loads nothing.) */
static int libsystemd_loaded(void)
{
    void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_NOLOAD);
    if (h == NULL)
        return 0;
    dlclose(h);
    return 1;
}

/* Terminate three real children, one by one and together: the process
 * functions need no libsystemd. */
static void terminate_children(void)
{
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_result r, many[2];
    terminus_pid pids[2];
    pid_t a, b, c;

    opts.grace_ms = 10000;
    a = start_child();
    memset(&r, 0, sizeof r);
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)a, &opts, &r), TERMINUS_OK);
    CHECK_EQ(r.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK(reaped_by_signal(a));

    b = start_child();
    c = start_child();
    pids[0] = (terminus_pid)b;
    pids[1] = (terminus_pid)c;
    memset(many, 0, sizeof many);
    CHECK_RC(terminus_terminate_many(NULL, pids, 2, &opts, many), TERMINUS_OK);
    CHECK_EQ(many[0].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(many[1].outcome, TERMINUS_OUTCOME_EXITED);
    CHECK(reaped_by_signal(b));
    CHECK(reaped_by_signal(c));
}

/* The answer of a session function without libsystemd. */
static void check_unsupported(int rc, const char *what)
{
    const terminus_error *e = terminus_error_last();

    CHECK_MSG(rc == TERMINUS_E_UNSUPPORTED, "%s: %d (%s)", what, rc, e->message);
    CHECK_CONTAINS(e->message, LIBSYSTEMD);
#if LOGIND_ENABLED
    CHECK_CONTAINS(e->message, TEST_ENV);
#else
    CHECK_CONTAINS(e->message, "-Dlogind=disabled");
#endif
}

static void *server_open_thread(void *arg)
{
    terminus_server *s = NULL;
    int rc = terminus_server_open(NULL, NULL, &s);
    const terminus_error *e = terminus_error_last();
    int *ok = arg;

    *ok = rc == TERMINUS_E_UNSUPPORTED && s == NULL && strstr(e->message, LIBSYSTEMD) != NULL;
    return NULL;
}

/* --- the cases ----------------------------------------------------------------- */

/* Without libsystemd: every way into the session functions answers
 * UNSUPPORTED, naming the library and why; in every thread. */
static void unsupported(void)
{
    terminus_server *s = NULL;
    pthread_t t;
    int ok = 0;

    REQUIRE(setenv(TEST_ENV, "1", 1) == 0);
    check_unsupported(terminus_server_open(NULL, NULL, &s), "terminus_server_open(local)");
    CHECK(s == NULL);
    check_unsupported(terminus_server_open(NULL, "someone@example.invalid", &s),
                      "terminus_server_open(remote)");
    CHECK(s == NULL);
    check_unsupported(terminus_logoff(NULL, 0), "terminus_logoff");
    check_unsupported(terminus_logoff(NULL, TERMINUS_LOGOFF_FORCE), "terminus_logoff(FORCE)");
    /* the error record is per thread: another thread gets its own */
    REQUIRE(pthread_create(&t, NULL, server_open_thread, &ok) == 0);
    REQUIRE(pthread_join(t, NULL) == 0);
    CHECK_MSG(ok, "terminus_server_open in a second thread: not UNSUPPORTED naming %s", LIBSYSTEMD);
    CHECK(!libsystemd_loaded());
}

/* Without libsystemd the process functions work: real children are asked to
 * leave and do; the session functions still say UNSUPPORTED afterwards. */
static void processes(void)
{
    terminus_server *s = NULL;

    REQUIRE(setenv(TEST_ENV, "1", 1) == 0);
    terminate_children();
    check_unsupported(terminus_server_open(NULL, NULL, &s), "terminus_server_open");
    terminate_children();
    CHECK(!libsystemd_loaded());
}

/* With libsystemd on the machine: it is not in the process until a session
 * function needs it (the process functions never load it), and then the
 * answer is whatever logind's bus gives, never the loader's UNSUPPORTED. */
static void loaded(void)
{
    terminus_server *s = NULL;
    const terminus_error *e;
    int rc;

    REQUIRE(unsetenv(TEST_ENV) == 0);
    CHECK_MSG(!libsystemd_loaded(), "%s is loaded before any session call", LIBSYSTEMD);
    terminate_children();
    CHECK_MSG(!libsystemd_loaded(), "a terminate loaded %s", LIBSYSTEMD);
    rc = terminus_server_open(NULL, NULL, &s);
    e = terminus_error_last();
#if LOGIND_ENABLED
    if (rc == TERMINUS_E_UNSUPPORTED && strstr(e->message, "dlopen: ") != NULL)
        SKIP("%s is not on this machine: %s", LIBSYSTEMD, e->message);
    CHECK_MSG(rc != TERMINUS_E_UNSUPPORTED, "terminus_server_open: %s", e->message);
    CHECK_MSG(libsystemd_loaded(), "%s not loaded after terminus_server_open", LIBSYSTEMD);
    printf("# terminus_server_open(local): %s%s%s\n", terminus_error_name(rc),
           rc == TERMINUS_OK ? "" : ": ", rc == TERMINUS_OK ? "" : e->message);
    if (rc == TERMINUS_OK)
        terminus_server_close(s);
#else
    CHECK_RC(rc, TERMINUS_E_UNSUPPORTED);
    CHECK_CONTAINS(e->message, "-Dlogind=disabled");
    CHECK(!libsystemd_loaded());
#endif
}

/* --- absent: libsystemd.so.0 hidden in a mount namespace ----------------------------- */

/* Where dlopen finds libsystemd.so.0 (the real file), asked in a child so
 * that this process does not load it. Returns 1 with path, 0 if not found. */
static int libsystemd_path(char *path, size_t size)
{
    int fd[2];
    pid_t pid;
    ssize_t n;
    size_t got = 0;

    REQUIRE(pipe(fd) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        void *h = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
        void *sym = h != NULL ? dlsym(h, "sd_bus_open_system") : NULL;
        Dl_info info;
        char real[PATH_MAX];

        if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL &&
            realpath(info.dli_fname, real) != NULL)
            (void)!write(fd[1], real, strlen(real));
        _exit(0);
    }
    close(fd[1]);
    while (got + 1 < size && (n = read(fd[0], path + got, size - 1 - got)) > 0)
        got += (size_t)n;
    close(fd[0]);
    path[got] = '\0';
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return got > 0;
}

/* Can a fresh process load libsystemd.so.0? (Asked in a child.) */
static int libsystemd_loadable(void)
{
    int status = 0;
    pid_t pid = fork();

    REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL) != NULL ? 0 : 1);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Without libsystemd.so.0 on the (namespaced) file system: the session
 * functions answer UNSUPPORTED with dlopen's own text, the process functions
 * work. */
static void absent(void)
{
    char lib[PATH_MAX], dir[PATH_MAX], tmp[] = "/tmp/terminus-nolibsystemd-XXXXXX";
    char upper[PATH_MAX + 8], work[PATH_MAX + 8], whiteout[3 * PATH_MAX], opts[4 * PATH_MAX];
    char workwork[PATH_MAX + 16], hide2[3 * PATH_MAX];
    terminus_server *s = NULL;
    const terminus_error *e;
    char *slash;
    int rc;

    REQUIRE(unsetenv(TEST_ENV) == 0);
    if (!LOGIND_ENABLED)
        SKIP("built with -Dlogind=disabled");
    if (!libsystemd_path(lib, sizeof lib))
        SKIP("%s is not on this machine", LIBSYSTEMD);
    snprintf(dir, sizeof dir, "%s", lib);
    slash = strrchr(dir, '/');
    REQUIRE(slash != NULL && slash != dir);
    *slash = '\0';
    if (unshare(CLONE_NEWNS) != 0)
        SKIP("unshare(CLONE_NEWNS): %s (root needed)", strerror(errno));
    /* mounts made from now on stay in this process's namespace */
    REQUIRE(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    REQUIRE(mkdtemp(tmp) != NULL);
    snprintf(upper, sizeof upper, "%s/upper", tmp);
    snprintf(work, sizeof work, "%s/work", tmp);
    REQUIRE(mkdir(upper, 0700) == 0 && mkdir(work, 0700) == 0);
    /* a whiteout (a 0:0 character device) hides the name: the soname link,
     * and the file it points to */
    snprintf(whiteout, sizeof whiteout, "%s/%s", upper, LIBSYSTEMD);
    REQUIRE(mknod(whiteout, S_IFCHR | 0600, makedev(0, 0)) == 0);
    snprintf(hide2, sizeof hide2, "%s/%s", upper, slash + 1);
    if (strcmp(slash + 1, LIBSYSTEMD) != 0)
        REQUIRE(mknod(hide2, S_IFCHR | 0600, makedev(0, 0)) == 0);
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", dir, upper, work);
    if (mount("overlay", dir, "overlay", 0, opts) != 0)
        SKIP("mount -t overlay over %s: %s", dir, strerror(errno));
    if (libsystemd_loadable())
        SKIP("%s is still found elsewhere with %s hidden", LIBSYSTEMD, lib);
    printf("# %s hidden (overlay over %s)\n", lib, dir);

    terminate_children();
    rc = terminus_server_open(NULL, NULL, &s);
    e = terminus_error_last();
    printf("# terminus_server_open: %s\n", e->message);
    CHECK_RC(rc, TERMINUS_E_UNSUPPORTED);
    CHECK(s == NULL);
    CHECK_CONTAINS(e->message, LIBSYSTEMD);
    CHECK_CONTAINS(e->message, "dlopen: ");
    CHECK_RC(terminus_logoff(NULL, 0), TERMINUS_E_UNSUPPORTED);
    CHECK_CONTAINS(terminus_error_last()->message, "dlopen: ");
    terminate_children();
    CHECK(!libsystemd_loaded());
    /* the mount goes with the process's namespace; the directories are ours */
    umount2(dir, MNT_DETACH);
    snprintf(workwork, sizeof workwork, "%s/work", work);
    unlink(whiteout);
    unlink(hide2);
    rmdir(upper);
    rmdir(workwork);
    rmdir(work);
    rmdir(tmp);
}

static const h_test tests[] = {
    T(unsupported),
    T(processes),
    T(loaded),
    T(absent),
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
    };

    return h_main(&program, argc, argv);
}
