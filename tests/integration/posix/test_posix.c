/*
 * tests/integration/posix/test_posix.c: the Linux backend against real
 * processes. One case per run: test_posix NAME CHILD, where CHILD is the
 * path of the child helper (child.c); exit 0 = pass, 1 = fail, 77 = skipped.
 * test_posix --list names the cases (the harness: tests/common/check.h).
 */
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <grp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>

static const char *child_path;

/* ThreadSanitizer starts no thread in a process forked from a threaded one,
 * and swallows a signal re-raised with its default action: the listener's
 * fork checks that need either are left out under it. */
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

/* Start `child MODE ...` with a ready pipe; the literal "READY" in args is
 * replaced by the pipe's descriptor. Waits until the child is ready. */
static pid_t spawn_child(const char *mode, ...)
{
    char *argv[16];
    char fdbuf[16];
    int p[2], n = 0;
    va_list ap;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) != 0) {
        perror("pipe2");
        exit(1);
    }
    fcntl(p[1], F_SETFD, 0); /* inherited by the child */
    snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
    argv[n++] = (char *)child_path;
    argv[n++] = (char *)mode;
    va_start(ap, mode);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 15;)
        argv[n++] = strcmp(a, "READY") == 0 ? fdbuf : (char *)a;
    va_end(ap);
    argv[n] = NULL;
    pid = spawn_argv(argv);
    close(p[1]);
    if (strcmp(mode, "exit") != 0 && strcmp(mode, "parent") != 0 && wait_ready(p[0], 1) != 0) {
        fprintf(stderr, "child %s %d never got ready\n", mode, (int)pid);
        exit(1);
    }
    close(p[0]);
    return pid;
}

static terminus_terminate_options opts_with(uint32_t flags, uint32_t grace_ms)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    o.flags = flags;
    o.grace_ms = grace_ms;
    return o;
}

/* --- a cooperative child saves its data and exits ---------------------------- */

static void test_cooperative(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 5000);
    uint64_t t0, t1;
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "coop");
    pid = spawn_child("listen", "READY", marker, "42", NULL);
    t0 = now_us();
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    t1 = now_us();
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.status == TERMINUS_OK, "status %d", res.status);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 42, "exit code %u", res.exit_code);
    CHECK_MSG(res.elapsed_us < 2000000, "elapsed %llu us", (unsigned long long)res.elapsed_us);
    CHECK_MSG(file_contains(marker, "reason 1"),
              "the child did not save its data (REASON_REQUEST)");
    /* terminus never reaps: the caller's waitpid gets the real status */
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 42, "waitpid status %d",
              status);
    printf("cooperative: one terminate took %.3f ms (request to observed exit %.3f ms)\n",
           (double)(t1 - t0) / 1000.0, (double)res.elapsed_us / 1000.0);
}

/* An exit hook frees the listener whose callback asked for the exit: the
 * listener thread cannot join itself, so it must end by itself, and the
 * process must still leave cleanly with the listener's code. */
static void test_free_in_hook(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 5000);
    int status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "freehook");
    pid = spawn_child("listenfree", "READY", marker, "43", NULL);
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)pid, &o, &res), TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 43, "exit code %u", res.exit_code);
    CHECK_MSG(file_contains(marker, "reason 1"), "the child did not save its data");
    CHECK_MSG(file_contains(marker, "freed 1"), "the hook did not free the listener");
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 43, "waitpid status %d",
              status);
}

/* --- a stubborn child is forced after grace ---------------------------------- */

static void test_stubborn(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 300);
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "stubborn");
    pid = spawn_child("ignore", "READY", marker, NULL);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_FORCED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 137, "exit code %u", res.exit_code);
    CHECK_MSG(res.elapsed_us >= 300000 && res.elapsed_us < 800000, "elapsed %llu us",
              (unsigned long long)res.elapsed_us);
    CHECK_MSG(file_contains(marker, "signal 15"), "SIGTERM was not sent first");
    /* a version-1 caller gets the default chain: on Linux SIGTERM alone */
    CHECK_MSG(!file_contains(marker, "signal 1\n"), "SIGHUP was sent by the default chain");
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "waitpid status %d", status);
    printf("stubborn: forced after %.1f ms (grace 300 ms)\n", (double)res.elapsed_us / 1000.0);
}

/* --- NO_FORCE: E_TIMEOUT and the child still runs ---------------------------- */

static void test_noforce(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(TERMINUS_TERMINATE_NO_FORCE, 200);
    uint64_t t0;
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "noforce");
    pid = spawn_child("ignore", "READY", marker, NULL);
    t0 = now_us();
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_E_TIMEOUT);
    CHECK_MSG(now_us() - t0 >= 200000, "returned before grace");
    CHECK_MSG(res.status == TERMINUS_E_TIMEOUT, "status %d", res.status);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_NONE, "outcome %d", res.outcome);
    CHECK_MSG(child_running(pid), "the child was killed under NO_FORCE");
    CHECK_MSG(file_contains(marker, "signal 15"), "SIGTERM was not sent");
    kill(pid, SIGKILL);
    status = reap(pid);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "waitpid status %d", status);
}

/* --- FORCE: no request, killed at once --------------------------------------- */

static void test_force(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(TERMINUS_TERMINATE_FORCE, 5000);
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "force");
    pid = spawn_child("ignore", "READY", marker, NULL);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_FORCED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 137, "exit code %u", res.exit_code);
    CHECK_MSG(res.elapsed_us < 1000000, "elapsed %llu us", (unsigned long long)res.elapsed_us);
    CHECK_MSG(!file_exists(marker), "a request was sent under FORCE");
    status = reap(pid);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "waitpid status %d", status);
}

/* --- already ended (a zombie child): GONE, and still reapable ---------------- */

static void test_gone(void)
{
    terminus_result res;
    int rc, status;
    pid_t pid = spawn_child("exit", "7", NULL);

    wait_ended(pid);
    rc = terminus_terminate(NULL, (terminus_pid)pid, NULL, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_GONE, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 7, "exit code %u", res.exit_code);
    status = reap(pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 7, "waitpid status %d", status);
}

/* --- processes that are not the caller's children ---------------------------- */

/* Start `child parent OUT MODE ...`: the target is the helper's grandchild,
 * reparented to the helper (a subreaper). Returns the target's pid. */
static pid_t spawn_grandchild(pid_t *helper, int *out, const char *mode, const char *a1,
                              const char *a2, const char *a3)
{
    char outbuf[16], readybuf[16], line[64];
    int o[2], r[2];
    char *argv[12];
    int n = 0;

    if (pipe2(o, O_CLOEXEC) != 0 || pipe2(r, O_CLOEXEC) != 0)
        exit(1);
    fcntl(o[1], F_SETFD, 0);
    fcntl(r[1], F_SETFD, 0);
    snprintf(outbuf, sizeof outbuf, "%d", o[1]);
    snprintf(readybuf, sizeof readybuf, "%d", r[1]);
    argv[n++] = (char *)child_path;
    argv[n++] = (char *)"parent";
    argv[n++] = outbuf;
    argv[n++] = (char *)mode;
    argv[n++] = readybuf;
    if (a1)
        argv[n++] = (char *)a1;
    if (a2)
        argv[n++] = (char *)a2;
    if (a3)
        argv[n++] = (char *)a3;
    argv[n] = NULL;
    *helper = spawn_argv(argv);
    close(o[1]);
    close(r[1]);
    if (read_line(o[0], line, sizeof line, 10000) != 0 || strncmp(line, "pid ", 4) != 0 ||
        wait_ready(r[0], 1) != 0) {
        fprintf(stderr, "the subreaper helper failed\n");
        exit(1);
    }
    close(r[0]);
    *out = o[0];
    return (pid_t)atoi(line + 4);
}

static int kernel_has_pidfd_info(void)
{
    struct utsname u;
    int major = 0, minor = 0;
    if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
        return 0;
    return major > 6 || (major == 6 && minor >= 15);
}

static int helper_status(int out)
{
    char line[64];
    if (read_line(out, line, sizeof line, 10000) != 0 || strncmp(line, "status ", 7) != 0)
        return -1;
    return atoi(line + 7);
}

static void test_nonchild(void)
{
    char marker[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 5000);
    int out, rc, status, info = kernel_has_pidfd_info();
    pid_t helper, g;

    /* cooperative */
    path_in_dir(marker, sizeof marker, "nonchild-coop");
    g = spawn_grandchild(&helper, &out, "listen", marker, "42", NULL);
    CHECK_MSG(waitpid(g, &status, WNOHANG) < 0 && errno == ECHILD, "the target is our child");
    rc = terminus_terminate(NULL, (terminus_pid)g, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        kill(g, SIGKILL); /* leave nothing behind */
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 42 || res.exit_code == TERMINUS_EXIT_CODE_UNKNOWN, "exit code %u",
              res.exit_code);
    CHECK_MSG(file_contains(marker, "reason 1"), "the non-child did not save its data");
    status = helper_status(out);
    CHECK_MSG(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 42,
              "the real parent got status %d", status);
    printf("non-child cooperative: exit code %s\n",
           res.exit_code == 42 ? "42 (PIDFD_GET_INFO)" : "unknown (not reaped yet)");
    close(out);
    reap(helper);

    /* stubborn */
    o.grace_ms = 200;
    g = spawn_grandchild(&helper, &out, "ignore", NULL, NULL, NULL);
    rc = terminus_terminate(NULL, (terminus_pid)g, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        kill(g, SIGKILL);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_FORCED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 137 || res.exit_code == TERMINUS_EXIT_CODE_UNKNOWN, "exit code %u",
              res.exit_code);
    status = helper_status(out);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the real parent got status %d",
              status);
    close(out);
    reap(helper);

    /* The exit code of a reaped non-child through the shim (PIDFD_GET_INFO). */
    {
        const terminus_os *os = terminus_os_native();
        terminus_os_process *proc = NULL;
        terminus_os_status st;
        g = spawn_grandchild(&helper, &out, "ignore", NULL, NULL, NULL);
        rc = os->process_open(os->data, (terminus_pid)g, &proc);
        CHECK_RC(rc, TERMINUS_OK);
        if (rc != TERMINUS_OK)
            kill(g, SIGKILL);
        if (rc == TERMINUS_OK) {
            rc = os->process_status(os->data, proc, &st);
            CHECK_MSG(rc == TERMINUS_OK && st.running == 1, "running %d", st.running);
            CHECK_RC(os->process_kill(os->data, proc, 1), TERMINUS_OK);
            status = helper_status(out); /* reaped by its parent now */
            CHECK_MSG(WIFSIGNALED(status), "status %d", status);
            rc = os->process_status(os->data, proc, &st);
            CHECK_RC(rc, TERMINUS_OK);
            CHECK_MSG(st.running == 0, "still running");
            if (info) {
                CHECK_MSG(st.code_known == 1 && st.exit_code == 137, "code_known %d exit %u",
                          st.code_known, st.exit_code);
            } else {
                CHECK_MSG(st.code_known == 0, "code known without PIDFD_GET_INFO");
            }
            printf("non-child reaped by its parent: code_known %d exit %u (kernel %s "
                   "PIDFD_GET_INFO)\n",
                   st.code_known, st.exit_code, info ? "with" : "without");
            /* the pidfd pins the identity: no signal reaches anything else */
            CHECK_RC(os->process_request(os->data, proc, NULL), TERMINUS_E_NOT_FOUND);
            CHECK_RC(os->process_kill(os->data, proc, 1), TERMINUS_E_NOT_FOUND);
            os->process_close(os->data, proc);
        }
        close(out);
        reap(helper);
    }
}

/* --- pid reuse in a private pid namespace ------------------------------------ */

struct reuse {
    pid_t a; /* the target that exits early */
    pid_t n; /* the new process that gets a's pid */
    char nmarker[300];
    int ok;
};

static int set_last_pid(pid_t last)
{
    FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
    int ok;
    if (f == NULL)
        return -1;
    ok = fprintf(f, "%d", (int)last) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void *reuse_thread(void *p)
{
    struct reuse *r = p;
    int status = reap(r->a); /* the test's own waitpid: terminus never reaps */
    (void)status;
    if (set_last_pid(r->a - 1) != 0)
        return NULL;
    r->n = spawn_child("ignore", "READY", r->nmarker, NULL);
    r->ok = 1;
    return NULL;
}

static void test_reuse_inner(void)
{
    const terminus_os *os = terminus_os_native();
    char amarker[300], bmarker[300];
    struct reuse r;
    terminus_pid pids[2];
    terminus_result res[2];
    terminus_terminate_options o = opts_with(0, 1500);
    pthread_t th;
    int rc;
    pid_t b;

    if (getpid() != 1) {
        fprintf(stderr, "reuse-inner: not pid 1 of a namespace\n");
        exit(1);
    }
    /* 1. At the shim: a handle keeps pointing at the dead process after its
     *    pid has gone to a new one. */
    {
        terminus_os_process *proc = NULL;
        pid_t a, n;
        char nm[300];
        path_in_dir(nm, sizeof nm, "shim-new");
        a = spawn_child("ignore", "READY", NULL);
        CHECK_RC(os->process_open(os->data, (terminus_pid)a, &proc), TERMINUS_OK);
        kill(a, SIGKILL);
        reap(a);
        CHECK_MSG(set_last_pid(a - 1) == 0, "cannot write ns_last_pid");
        n = spawn_child("ignore", "READY", nm, NULL);
        CHECK_MSG(n == a, "pid not reused: %d, wanted %d", (int)n, (int)a);
        if (proc != NULL) {
            CHECK_RC(os->process_request(os->data, proc, NULL), TERMINUS_E_NOT_FOUND);
            CHECK_RC(os->process_kill(os->data, proc, 1), TERMINUS_E_NOT_FOUND);
            os->process_close(os->data, proc);
        }
        sleep_ms(50);
        CHECK_MSG(child_running(n) && !file_exists(nm), "the new process was signalled");
        kill(n, SIGKILL);
        reap(n);
    }

    /* 2. In terminus_terminate_many: target A exits early, its pid goes to a
     *    new process N during the grace period, B is forced; N is untouched. */
    memset(&r, 0, sizeof r);
    path_in_dir(amarker, sizeof amarker, "a");
    path_in_dir(bmarker, sizeof bmarker, "b");
    path_in_dir(r.nmarker, sizeof r.nmarker, "n");
    r.a = spawn_child("linger", "READY", "300", "5", amarker, NULL);
    b = spawn_child("ignore", "READY", bmarker, NULL);
    pthread_create(&th, NULL, reuse_thread, &r);
    pids[0] = (terminus_pid)r.a;
    pids[1] = (terminus_pid)b;
    rc = terminus_terminate_many(NULL, pids, 2, &o, res);
    pthread_join(th, NULL);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(r.ok && r.n == r.a, "pid not reused: %d, wanted %d", (int)r.n, (int)r.a);
    CHECK_MSG(res[0].outcome == TERMINUS_OUTCOME_EXITED && res[0].exit_code == 5,
              "A: outcome %d code %u", res[0].outcome, res[0].exit_code);
    CHECK_MSG(res[1].outcome == TERMINUS_OUTCOME_FORCED && res[1].exit_code == 137,
              "B: outcome %d code %u", res[1].outcome, res[1].exit_code);
    CHECK_MSG(file_contains(amarker, "signal 15") && file_contains(bmarker, "signal 15"),
              "requests not sent");
    sleep_ms(50);
    CHECK_MSG(r.ok && child_running(r.n), "the new process with A's pid was killed");
    CHECK_MSG(!file_exists(r.nmarker), "the new process with A's pid got a signal");
    printf("pid reuse: A=%d exited (code %u), new process %d with its pid untouched, B forced\n",
           (int)r.a, res[0].exit_code, (int)r.n);
    if (r.ok) {
        kill(r.n, SIGKILL);
        reap(r.n);
    }
    reap(b);
}

static void test_reuse(void)
{
    char self[4096], cmd[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    int status;
    if (n <= 0)
        exit(1);
    self[n] = '\0';
    if (system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") != 0)
        SKIP("unshare --pid --fork --mount-proc is not permitted here");
    snprintf(cmd, sizeof cmd, "unshare --pid --fork --mount-proc '%s' reuse-inner '%s'", self,
             child_path);
    status = system(cmd);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reuse-inner failed: status %d",
              status);
}

/* --- bad pids signal nothing ------------------------------------------------- */

static atomic_int self_signals;

static void count_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&self_signals, 1);
}

static void test_badpids(void)
{
    static const struct {
        terminus_pid pid;
        int want;
    } cases[] = {
        { 0, TERMINUS_E_INVALID },
        { 0xFFFFFFFFu, TERMINUS_E_INVALID },
        { 0x80000000u, TERMINUS_E_INVALID },
        { 1, TERMINUS_E_REFUSED },
        { 0, TERMINUS_E_REFUSED },             /* the caller's own pid, filled in below */
        { 0x7FFFFFFFu, TERMINUS_E_NOT_FOUND }, /* above pid_max: no such process */
    };
    char marker[300];
    struct sigaction sa;
    terminus_result res, two[2];
    terminus_pid pids[2];
    pid_t victim;
    int status;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    path_in_dir(marker, sizeof marker, "victim");
    victim = spawn_child("ignore", "READY", marker, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        terminus_pid pid = i == 4 ? (terminus_pid)getpid() : cases[i].pid;
        terminus_terminate_options o = opts_with(TERMINUS_TERMINATE_FORCE, 100);
        int rc = terminus_terminate(NULL, pid, &o, &res);
        CHECK_MSG(rc == cases[i].want, "pid %u: got %s, want %s", (unsigned)pid,
                  terminus_error_name(rc), terminus_error_name(cases[i].want));
        CHECK_MSG(res.status == cases[i].want && res.outcome == TERMINUS_OUTCOME_NONE,
                  "pid %u: result %d/%d", (unsigned)pid, res.status, res.outcome);
        CHECK_MSG(terminus_error_last()->message[0] != '\0', "pid %u: no message", (unsigned)pid);
        /* a batch with a bad pid sends nothing to the good one */
        pids[0] = (terminus_pid)victim;
        pids[1] = pid;
        rc = terminus_terminate_many(NULL, pids, 2, &o, two);
        if (cases[i].want != TERMINUS_E_NOT_FOUND) {
            CHECK_MSG(rc == cases[i].want, "batch with pid %u: got %s", (unsigned)pid,
                      terminus_error_name(rc));
            CHECK_MSG(two[0].status == cases[i].want && two[0].outcome == TERMINUS_OUTCOME_NONE,
                      "batch with pid %u: the good target got %d/%d", (unsigned)pid, two[0].status,
                      two[0].outcome);
        }
        if (cases[i].want == TERMINUS_E_NOT_FOUND)
            break; /* that batch does act on the victim: keep it for last */
    }
    sleep_ms(50);
    CHECK_MSG(atomic_load(&self_signals) == 0, "the caller got %d signals",
              atomic_load(&self_signals));
    CHECK_MSG(!file_exists(marker), "the victim got a signal from a refused batch");
    /* The last batch (victim + a pid that does not exist) acts on the victim:
     * nonexistence is not a validation error. */
    CHECK_MSG(!child_running(victim), "the victim survived a FORCE batch");
    status = reap(victim);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "victim status %d", status);
}

/* --- a batch of 200 children, and past the open-files limit ------------------ */

static double batch(int n_coop, int n_stubborn, int n_gone, uint32_t grace, const char *marker,
                    terminus_result **out_res, pid_t **out_pids, int *rc_out)
{
    int total = n_coop + n_stubborn + n_gone;
    pid_t *pids = calloc((size_t)total, sizeof *pids);
    terminus_pid *tp = calloc((size_t)total, sizeof *tp);
    terminus_result *res = calloc((size_t)total, sizeof *res);
    terminus_terminate_options o = opts_with(0, grace);
    char fdbuf[16];
    int p[2];
    uint64_t t0, t1;

    if (pids == NULL || tp == NULL || res == NULL || pipe2(p, O_CLOEXEC) != 0)
        exit(1);
    fcntl(p[1], F_SETFD, 0);
    snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
    for (int i = 0; i < total; i++) {
        /* interleaved: gone, stubborn and cooperative targets mixed */
        int kind = i < n_gone ? 2 : (i < n_gone + n_stubborn ? 1 : 0);
        char *argv[8];
        argv[0] = (char *)child_path;
        if (kind == 0 && marker == NULL) {
            /* a plain process: SIGTERM's default action ends it (143) */
            argv[1] = (char *)"sleep";
            argv[2] = fdbuf;
            argv[3] = (char *)"60000";
            argv[4] = (char *)"0";
            argv[5] = NULL;
        } else if (kind == 0) {
            argv[1] = (char *)"listen";
            argv[2] = fdbuf;
            argv[3] = (char *)marker;
            argv[4] = (char *)"42";
            argv[5] = NULL;
        } else if (kind == 1) {
            argv[1] = (char *)"ignore";
            argv[2] = fdbuf;
            argv[3] = NULL;
        } else {
            argv[1] = (char *)"exit";
            argv[2] = (char *)"3";
            argv[3] = NULL;
        }
        pids[i] = spawn_argv(argv);
    }
    close(p[1]);
    if (wait_ready(p[0], n_coop + n_stubborn) != 0) {
        fprintf(stderr, "children never got ready\n");
        exit(1);
    }
    close(p[0]);
    for (int i = 0; i < n_gone; i++)
        wait_ended(pids[i]);
    /* shuffle the order of the targets deterministically */
    for (int i = 0; i < total; i++) {
        int j = (i * 37 + 11) % total;
        pid_t t = pids[i];
        pids[i] = pids[j];
        pids[j] = t;
    }
    for (int i = 0; i < total; i++)
        tp[i] = (terminus_pid)pids[i];
    t0 = now_us();
    *rc_out = terminus_terminate_many(NULL, tp, (size_t)total, &o, res);
    t1 = now_us();
    free(tp);
    *out_res = res;
    *out_pids = pids;
    return (double)(t1 - t0) / 1000.0;
}

static void test_many(void)
{
    char marker[300];
    terminus_result *res;
    pid_t *pids;
    struct rlimit rl, low;
    double ms, coop_max = 0;
    int rc, exited = 0, forced = 0, gone = 0;

    /* Under AddressSanitizer, 200 children running the leak checker at once
     * take seconds to exit: spare them that (this process keeps its own). */
    {
        const char *old = getenv("ASAN_OPTIONS");
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%sdetect_leaks=0", old ? old : "", old && *old ? ":" : "");
        setenv("ASAN_OPTIONS", buf, 1);
    }

    /* 200 cooperative children, with the soft open-files limit at 64. */
    getrlimit(RLIMIT_NOFILE, &rl);
    low = rl;
    low.rlim_cur = 64;
    if (rl.rlim_max > 300)
        setrlimit(RLIMIT_NOFILE, &low);
    path_in_dir(marker, sizeof marker, "many-coop");
    ms = batch(200, 0, 0, 5000, marker, &res, &pids, &rc);
    CHECK_RC(rc, TERMINUS_OK);
    for (int i = 0; i < 200; i++) {
        int status;
        CHECK_MSG(res[i].outcome == TERMINUS_OUTCOME_EXITED && res[i].exit_code == 42,
                  "target %d: %d/%d code %u", i, res[i].status, res[i].outcome, res[i].exit_code);
        status = reap(pids[i]);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 42, "target %d status %d", i, status);
    }
    CHECK_MSG(count_lines(marker, "reason 1") == 200, "%d of 200 saved their data",
              count_lines(marker, "reason 1"));
    {
        struct rlimit now;
        getrlimit(RLIMIT_NOFILE, &now);
        printf("200 cooperative children: %.1f ms for the batch (soft fd limit 64 -> %llu)\n", ms,
               (unsigned long long)now.rlim_cur);
    }
    free(res);
    free(pids);

    /* 200 mixed: 50 already gone, 50 stubborn, 100 cooperative. */
    path_in_dir(marker, sizeof marker, "many-mixed");
    ms = batch(100, 50, 50, 1000, marker, &res, &pids, &rc);
    CHECK_RC(rc, TERMINUS_OK);
    for (int i = 0; i < 200; i++) {
        int status = reap(pids[i]);
        if (res[i].outcome == TERMINUS_OUTCOME_EXITED) {
            exited++;
            CHECK_MSG(res[i].exit_code == 42, "exited target %d code %u", i, res[i].exit_code);
            CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 42, "status %d", status);
            if ((double)res[i].elapsed_us / 1000.0 > coop_max)
                coop_max = (double)res[i].elapsed_us / 1000.0;
        } else if (res[i].outcome == TERMINUS_OUTCOME_FORCED) {
            forced++;
            CHECK_MSG(res[i].exit_code == 137, "forced target %d code %u", i, res[i].exit_code);
            CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
        } else if (res[i].outcome == TERMINUS_OUTCOME_GONE) {
            gone++;
            CHECK_MSG(res[i].exit_code == 3, "gone target %d code %u", i, res[i].exit_code);
            CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status %d", status);
        } else {
            CHECK_MSG(0, "target %d: outcome %d status %d", i, res[i].outcome, res[i].status);
        }
    }
    CHECK_MSG(exited == 100 && forced == 50 && gone == 50, "exited %d forced %d gone %d", exited,
              forced, gone);
    printf("200 mixed children (100 cooperative, 50 stubborn, 50 gone), grace 1000 ms: %.1f ms; "
           "cooperative ones all seen gone within %.1f ms\n",
           ms, coop_max);
    free(res);
    free(pids);
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* 1000 cooperative children in one call, with the soft open-files limit at
 * 1024 (a common default: pidfd_open hits EMFILE near 1018 targets). */
static void test_thousand(void)
{
    char marker[300];
    terminus_result *res;
    pid_t *pids;
    struct rlimit rl, low;
    double ms, last = 0;
    int rc, bad = 0;

    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < 1100)
        SKIP("the hard open-files limit (%llu) is too low", (unsigned long long)rl.rlim_max);
    low = rl;
    low.rlim_cur = 1024;
    setrlimit(RLIMIT_NOFILE, &low);
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    path_in_dir(marker, sizeof marker, "thousand");
    ms = batch(1000, 0, 0, 10000, marker, &res, &pids, &rc);
    CHECK_RC(rc, TERMINUS_OK);
    for (int i = 0; i < 1000; i++) {
        int status = reap(pids[i]);
        if (res[i].outcome != TERMINUS_OUTCOME_EXITED || res[i].exit_code != 42 ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 42)
            bad++;
        if ((double)res[i].elapsed_us / 1000.0 > last)
            last = (double)res[i].elapsed_us / 1000.0;
    }
    CHECK_MSG(bad == 0, "%d of 1000 targets did not exit cooperatively", bad);
    printf("1000 cooperative children: %.1f ms for the batch, the last seen gone %.1f ms after "
           "the first request\n",
           ms, last);
    free(res);
    free(pids);

    /* 1000 plain processes (SIGTERM's default action): the kernel's floor */
    ms = batch(1000, 0, 0, 10000, NULL, &res, &pids, &rc);
    CHECK_RC(rc, TERMINUS_OK);
    bad = 0;
    for (int i = 0; i < 1000; i++) {
        int status = reap(pids[i]);
        if (res[i].outcome != TERMINUS_OUTCOME_EXITED || res[i].exit_code != 128 + SIGTERM ||
            !WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
            bad++;
    }
    CHECK_MSG(bad == 0, "%d of 1000 plain targets did not end on SIGTERM", bad);
    printf("1000 plain children (default SIGTERM): %.1f ms for the batch\n", ms);
    free(res);
    free(pids);
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* --- past the open-files limit: batches, and the limit left alone ----------- */

/* How many descriptors this process has open. */
static int open_fds(void)
{
    char path[64];
    int n = 0;

    for (int fd = 0; fd < 1024; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (access(path, F_OK) == 0)
            n++;
    }
    return n;
}

/* 251 children that ignore SIGTERM, with the soft RLIMIT_NOFILE at 256 and
 * this process holding 5 descriptors: the 251 pidfds fill the table, so the
 * wait cannot be made in one piece. Every child is killed all the same, and
 * the limit is what it was. */
static void test_nofile(void)
{
    enum { N = 251, LIMIT = 256, GRACE = 200 };
    terminus_terminate_options o = opts_with(0, GRACE);
    struct rlimit saved, low, after;
    terminus_pid *tp = calloc(N, sizeof *tp);
    terminus_result *res = calloc(N, sizeof *res);
    pid_t *pids = calloc(N, sizeof *pids);
    int pad[LIMIT], npad = 0, forced = 0, left_running = 0, p[2], rc;
    char fdbuf[16];
    uint64_t t0, t1;

    REQUIRE(tp != NULL && res != NULL && pids != NULL);
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    if (saved.rlim_max < LIMIT + 64)
        SKIP("the hard open-files limit (%llu) is too low", (unsigned long long)saved.rlim_max);
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    fcntl(p[1], F_SETFD, 0);
    snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
    for (int i = 0; i < N; i++) {
        char *argv[] = { (char *)child_path, (char *)"ignore", fdbuf, NULL };
        pids[i] = spawn_argv(argv);
        tp[i] = (terminus_pid)pids[i];
    }
    close(p[1]);
    if (wait_ready(p[0], N) != 0) {
        FAIL("the children never got ready");
        for (int i = 0; i < N; i++) {
            kill(pids[i], SIGKILL);
            reap(pids[i]);
        }
        return;
    }
    close(p[0]);

    /* 5 descriptors open (stdin, stdout, stderr and padding): 251 pidfds
     * fill a table of 256 */
    while (open_fds() < LIMIT - N && npad < LIMIT)
        pad[npad++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    printf("# %d descriptors open before the call, soft limit %d\n", open_fds(), LIMIT);
    low = saved;
    low.rlim_cur = LIMIT;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    t0 = now_us();
    rc = terminus_terminate_many(NULL, tp, N, &o, res);
    t1 = now_us();
    CHECK(getrlimit(RLIMIT_NOFILE, &after) == 0);
    setrlimit(RLIMIT_NOFILE, &saved);
    CHECK_MSG(after.rlim_cur == LIMIT && after.rlim_max == saved.rlim_max,
              "terminus changed the limit: soft %llu hard %llu (were %d and %llu)",
              (unsigned long long)after.rlim_cur, (unsigned long long)after.rlim_max, LIMIT,
              (unsigned long long)saved.rlim_max);
    CHECK_RC(rc, TERMINUS_OK);
    for (int i = 0; i < N; i++) {
        int status;
        if (res[i].status == TERMINUS_OK && res[i].outcome == TERMINUS_OUTCOME_FORCED &&
            res[i].exit_code == 137)
            forced++;
        else if (forced == i) /* the first target that is wrong, only */
            FAIL("target %d: status %s outcome %d code %u", i, terminus_error_name(res[i].status),
                 res[i].outcome, res[i].exit_code);
        if (child_running(pids[i])) {
            left_running++;
            kill(pids[i], SIGKILL); /* leave nothing behind */
        }
        status = reap(pids[i]);
        CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "target %d: status %d", i,
                  status);
    }
    CHECK_MSG(forced == N, "%d of %d targets FORCED", forced, N);
    CHECK_MSG(left_running == 0, "%d of %d targets left running", left_running, N);
    printf("# %d stubborn children past the open-files limit: %.1f ms (grace %d ms)\n", N,
           (double)(t1 - t0) / 1000.0, GRACE);
    while (npad > 0)
        close(pad[--npad]);
    free(tp);
    free(res);
    free(pids);
}

/* --- a stopped target runs its SIGTERM handler -------------------------------- */

static void test_stopped(void)
{
    char saved[300];
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 3000);
    int status, rc;
    pid_t pid;

    path_in_dir(saved, sizeof saved, "saved");
    pid = spawn_child("save", "READY", saved, "23", NULL);
    kill(pid, SIGSTOP);
    REQUIRE(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status));
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d (2 = FORCED: killed unsaved)",
              res.outcome);
    CHECK_MSG(res.exit_code == 23, "exit code %u", res.exit_code);
    CHECK_MSG(file_contains(saved, "saved"), "the stopped child did not save its data");
    status = reap(pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 23, "waitpid status %d", status);
    printf("# a stopped child: %s after %.1f ms\n",
           res.outcome == TERMINUS_OUTCOME_EXITED ? "saved and exited" : "not saved",
           (double)res.elapsed_us / 1000.0);

    /* Only a stopped target is continued. A SIGCONT to a running one throws
     * away any stop signal pending in it: LeakSanitizer's exit-time check,
     * set off by the request, attaches to every thread (PTRACE_ATTACH: a
     * SIGSTOP it waits for) and waited for ever, so a cooperative child was
     * killed at the end of the grace (lib/os/linux/process.c). Both children
     * note SIGTERM and SIGCONT and keep running (NO_FORCE, a short grace). */
    for (int stop = 0; stop < 2; stop++) {
        char marker[300];
        path_in_dir(marker, sizeof marker, stop ? "watch-stopped" : "watch-running");
        pid = spawn_child("watch", "READY", marker, NULL);
        if (stop) {
            kill(pid, SIGSTOP);
            REQUIRE(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status));
        }
        o = opts_with(TERMINUS_TERMINATE_NO_FORCE, 300);
        CHECK_RC(terminus_terminate(NULL, (terminus_pid)pid, &o, &res), TERMINUS_E_TIMEOUT);
        for (int i = 0; i < 500 && !(file_contains(marker, "signal 15\n") &&
                                     (!stop || file_contains(marker, "signal 18\n")));
             i++)
            sleep_ms(10);
        CHECK_MSG(file_contains(marker, "signal 15\n"), "the %s child did not hear SIGTERM",
                  stop ? "stopped" : "running");
        if (stop)
            CHECK_MSG(file_contains(marker, "signal 18\n"), "the stopped child was not continued");
        else
            CHECK_MSG(!file_contains(marker, "signal 18\n"),
                      "the running child was sent SIGCONT (it was not stopped)");
        kill(pid, SIGKILL);
        status = reap(pid);
        CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "waitpid status %d", status);
    }
}

/* --- the close chain: a signal sequence (options version 2) ------------------- */

/* Version-2 options with these steps and one detail entry. */
static terminus_terminate_options opts_v2(uint32_t flags, uint32_t grace_ms, uint32_t steps,
                                          terminus_detail *detail)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    o.flags = flags;
    o.grace_ms = grace_ms;
    o.steps = steps;
    o.details = detail;
    o.details_count = detail != NULL ? 1 : 0;
    if (detail != NULL)
        memset(detail, 0xAB, sizeof *detail); /* the call must fill every member */
    return o;
}

/* The detail's index of a step bit (its slot in step_status and step_at_us). */
static int step_slot(uint32_t step)
{
    int b = 0;
    while (b < TERMINUS_DETAIL_STEPS && (1u << b) != step)
        b++;
    return b;
}

/* The events a progress callback saw. */
struct seen {
    terminus_progress ev[16];
    size_t n;
};

static void on_progress(void *arg, const terminus_progress *p)
{
    struct seen *s = arg;
    if (s->n < sizeof s->ev / sizeof s->ev[0])
        s->ev[s->n] = *p;
    s->n++;
}

/* A stopped target is continued where /proc is of another pid namespace
 * than the caller's (a caller in a new pid namespace without a /proc of its
 * own): the state is read from the /proc entry of the pid /proc knows it
 * by, not from /proc/PID (here pid 2, kthreadd, sleeping: no SIGCONT, and
 * the target kept its SIGTERM pending for ever). */
static void test_stopped_pidns(void)
{
    pid_t a;
    int st;

    if (geteuid() != 0)
        SKIP("needs root, for a pid namespace");
    a = fork();
    REQUIRE(a >= 0);
    if (a == 0) {
        pid_t b;
        if (unshare(CLONE_NEWPID) != 0)
            _exit(77);
        b = fork();
        if (b < 0)
            _exit(3);
        if (b == 0) {
            const terminus_os *os = terminus_os_native();
            terminus_os_process *proc = NULL;
            pid_t t = fork(); /* pid 2 of the namespace */
            int rc;
            if (t < 0)
                _exit(3);
            if (t == 0) {
                raise(SIGSTOP);
                for (;;)
                    pause();
            }
            if (waitpid(t, &st, WUNTRACED) != t || !WIFSTOPPED(st))
                _exit(3);
            rc = os->process_open(os->data, (terminus_pid)t, &proc);
            if (rc == TERMINUS_OK)
                rc = os->process_request(os->data, proc, "x");
            printf("# pid %d of a new pid namespace, stopped: process_request: %s\n", (int)t,
                   terminus_error_name(rc));
            fflush(stdout);
            if (rc != TERMINUS_OK)
                _exit(4);
            for (int i = 0; i < 300; i++) {
                if (waitpid(t, &st, WNOHANG) == t)
                    _exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : 5);
                sleep_ms(10);
            }
            printf("# still stopped after 3 s: no SIGCONT\n");
            fflush(stdout);
            kill(t, SIGKILL);
            _exit(1);
        }
        if (waitpid(b, &st, 0) != b || !WIFEXITED(st))
            _exit(3);
        _exit(WEXITSTATUS(st));
    }
    st = reap(a);
    REQUIRE(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        SKIP("cannot make a pid namespace");
    CHECK_EQ(WEXITSTATUS(st), 0);
}

/* A program that cleans up on Ctrl+C and ignores SIGTERM: steps SIGINT
 * alone reach it; it writes its file and dies of SIGINT within the grace
 * (EXITED, ended by SIGINT); SIGTERM never goes out. */
static void test_chain_sigint(void)
{
    char marker[300], file[300];
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = opts_v2(0, 5000, TERMINUS_STEP_SIGINT, &d);
    const int b = step_slot(TERMINUS_STEP_SIGINT);
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "chain-int");
    path_in_dir(file, sizeof file, "cleaned");
    pid = spawn_child("chain", "READY", marker, "2", file, NULL);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 128 + SIGINT, "exit code %u (130: died of SIGINT)", res.exit_code);
    CHECK_MSG(res.elapsed_us < 2000000, "elapsed %llu us", (unsigned long long)res.elapsed_us);
    CHECK_MSG(d.ended_by == TERMINUS_STEP_SIGINT, "ended_by 0x%x", (unsigned)d.ended_by);
    CHECK_MSG(d.reach == TERMINUS_STEP_SIGINT, "reach 0x%x", (unsigned)d.reach);
    CHECK_MSG(d.sent == TERMINUS_STEP_SIGINT, "sent 0x%x", (unsigned)d.sent);
    CHECK_MSG(d.skipped == 0, "skipped 0x%x", (unsigned)d.skipped);
    CHECK_MSG(d.step_status[b] == TERMINUS_OK, "SIGINT status %d", (int)d.step_status[b]);
    CHECK_MSG(d.kill_at_us == 0, "kill_at_us %llu", (unsigned long long)d.kill_at_us);
    CHECK_MSG(file_contains(file, "cleaned 2"), "the child did not clean up on SIGINT");
    CHECK_MSG(file_contains(marker, "signal 2\n"), "SIGINT did not arrive");
    CHECK_MSG(!file_contains(marker, "signal 15"), "SIGTERM was sent: it is not in the steps");
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
              "waitpid status %d", status);
    printf("chain SIGINT: cleaned up and exited after %.1f ms\n", (double)res.elapsed_us / 1000.0);
}

/* MESSAGE | SIGHUP on a program that ignores SIGTERM and ends on SIGHUP:
 * SIGTERM goes out first, SIGHUP half a grace later (each step gets its
 * share), and it ends by SIGHUP (EXITED, not FORCED). The progress
 * callback sees the two steps and the end, in that order. */
static void test_chain_sighup(void)
{
    char marker[300];
    terminus_detail d;
    terminus_result res;
    struct seen seen;
    const uint32_t grace = 1000;
    terminus_terminate_options o =
        opts_v2(0, grace, TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGHUP, &d);
    const int bt = step_slot(TERMINUS_STEP_MESSAGE), bh = step_slot(TERMINUS_STEP_SIGHUP);
    uint64_t gap;
    int rc, status;
    pid_t pid;

    memset(&seen, 0, sizeof seen);
    o.progress = on_progress;
    o.progress_arg = &seen;
    path_in_dir(marker, sizeof marker, "chain-hup");
    pid = spawn_child("chain", "READY", marker, "1", NULL);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_EXITED, "outcome %d (2 = FORCED)", res.outcome);
    CHECK_MSG(res.exit_code == 128 + SIGHUP, "exit code %u (129: died of SIGHUP)", res.exit_code);
    CHECK_MSG(d.ended_by == TERMINUS_STEP_SIGHUP, "ended_by 0x%x", (unsigned)d.ended_by);
    CHECK_MSG(d.sent == (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGHUP), "sent 0x%x",
              (unsigned)d.sent);
    CHECK_MSG(d.reach == (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGHUP), "reach 0x%x",
              (unsigned)d.reach);
    CHECK_MSG(d.skipped == 0, "skipped 0x%x", (unsigned)d.skipped);
    CHECK_MSG(d.kill_at_us == 0, "kill_at_us %llu", (unsigned long long)d.kill_at_us);
    gap = d.step_at_us[bh] - d.step_at_us[bt];
    CHECK_MSG(d.step_at_us[bh] > d.step_at_us[bt] && gap >= (uint64_t)grace * 500u &&
                  gap < (uint64_t)grace * 1000u,
              "SIGHUP %llu us after SIGTERM (grace/2 = %u us)", (unsigned long long)gap,
              (unsigned)grace * 500u);
    CHECK_MSG(res.elapsed_us >= (uint64_t)grace * 500u && res.elapsed_us < (uint64_t)grace * 1000u,
              "elapsed %llu us", (unsigned long long)res.elapsed_us);
    CHECK_MSG(file_contains(marker, "signal 15\nsignal 1\n"), "not SIGTERM then SIGHUP");
    CHECK_MSG(!file_contains(marker, "signal 2\n"), "SIGINT was sent: it is not in the steps");
    CHECK_MSG(seen.n == 3, "%zu progress events (STEP, STEP, ENDED)", seen.n);
    if (seen.n == 3) {
        CHECK_MSG(seen.ev[0].event == TERMINUS_PROGRESS_STEP &&
                      seen.ev[0].step == TERMINUS_STEP_MESSAGE && seen.ev[0].status == TERMINUS_OK,
                  "event 0: %d step 0x%x status %d", (int)seen.ev[0].event,
                  (unsigned)seen.ev[0].step, (int)seen.ev[0].status);
        CHECK_MSG(seen.ev[1].event == TERMINUS_PROGRESS_STEP &&
                      seen.ev[1].step == TERMINUS_STEP_SIGHUP && seen.ev[1].status == TERMINUS_OK,
                  "event 1: %d step 0x%x status %d", (int)seen.ev[1].event,
                  (unsigned)seen.ev[1].step, (int)seen.ev[1].status);
        CHECK_MSG(seen.ev[2].event == TERMINUS_PROGRESS_ENDED &&
                      seen.ev[2].outcome == TERMINUS_OUTCOME_EXITED,
                  "event 2: %d outcome %d", (int)seen.ev[2].event, (int)seen.ev[2].outcome);
        for (size_t i = 0; i < 3; i++)
            CHECK_MSG(seen.ev[i].pid == (terminus_pid)pid && seen.ev[i].index == 0,
                      "event %zu: pid %lu index %zu", i, (unsigned long)seen.ev[i].pid,
                      seen.ev[i].index);
        CHECK_MSG(seen.ev[0].at_us <= seen.ev[1].at_us && seen.ev[1].at_us <= seen.ev[2].at_us,
                  "events out of time order");
        CHECK_MSG(seen.ev[1].at_us == d.step_at_us[bh], "the SIGHUP event at %llu, detail %llu",
                  (unsigned long long)seen.ev[1].at_us, (unsigned long long)d.step_at_us[bh]);
    }
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP,
              "waitpid status %d", status);
    printf("chain SIGTERM, SIGHUP: SIGHUP %.1f ms after SIGTERM (grace %u ms), ended after "
           "%.1f ms\n",
           (double)gap / 1000.0, (unsigned)grace, (double)res.elapsed_us / 1000.0);
}

/* The default chain on Linux is SIGTERM alone: a program that ignores
 * SIGTERM (and would end on SIGINT or SIGHUP, were they sent) gets the
 * whole grace and is killed; the Windows steps are skipped as unreachable. */
static void test_chain_default(void)
{
    char marker[300];
    terminus_detail d;
    terminus_result res;
    const uint32_t grace = 600;
    terminus_terminate_options o = opts_v2(0, grace, TERMINUS_STEPS_DEFAULT, &d);
    int rc, status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "chain-default");
    pid = spawn_child("chain", "READY", marker, "1,2", NULL);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &res);
    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(res.outcome == TERMINUS_OUTCOME_FORCED, "outcome %d", res.outcome);
    CHECK_MSG(res.exit_code == 137, "exit code %u", res.exit_code);
    CHECK_MSG(res.elapsed_us >= (uint64_t)grace * 1000u &&
                  res.elapsed_us < (uint64_t)grace * 1000u + 1000000u,
              "elapsed %llu us (the whole grace, %u ms)", (unsigned long long)res.elapsed_us,
              (unsigned)grace);
    CHECK_MSG(d.ended_by == TERMINUS_ENDED_KILL, "ended_by 0x%x", (unsigned)d.ended_by);
    CHECK_MSG(d.reach == TERMINUS_STEP_MESSAGE, "reach 0x%x", (unsigned)d.reach);
    CHECK_MSG(d.sent == TERMINUS_STEP_MESSAGE, "sent 0x%x", (unsigned)d.sent);
    CHECK_MSG(d.skipped == (TERMINUS_STEP_CLOSE | TERMINUS_STEP_CONSOLE), "skipped 0x%x",
              (unsigned)d.skipped);
    CHECK_MSG(d.step_status[step_slot(TERMINUS_STEP_CLOSE)] == TERMINUS_E_UNREACHABLE &&
                  d.step_status[step_slot(TERMINUS_STEP_CONSOLE)] == TERMINUS_E_UNREACHABLE,
              "CLOSE %d, CONSOLE %d (UNREACHABLE: Windows steps)",
              (int)d.step_status[step_slot(TERMINUS_STEP_CLOSE)],
              (int)d.step_status[step_slot(TERMINUS_STEP_CONSOLE)]);
    CHECK_MSG(d.step_status[step_slot(TERMINUS_STEP_SIGINT)] == TERMINUS_OK &&
                  d.step_status[step_slot(TERMINUS_STEP_SIGHUP)] == TERMINUS_OK,
              "steps not asked for are OK");
    CHECK_MSG(d.kill_at_us >= (uint64_t)grace * 1000u, "kill_at_us %llu",
              (unsigned long long)d.kill_at_us);
    CHECK_MSG(count_lines(marker, "signal 15") == 1, "SIGTERM sent %d times",
              count_lines(marker, "signal 15"));
    CHECK_MSG(!file_contains(marker, "signal 1\n") && !file_contains(marker, "signal 2\n"),
              "SIGHUP or SIGINT was sent by the default chain");
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "waitpid status %d", status);
}

/* The shim members themselves (terminus_os_native(), version 2): what
 * reaches, what each step sends, SIGCONT after it, and the codes. */
static void test_chain_shim(void)
{
    const terminus_os *os = terminus_os_native();
    char marker[300], marker2[300];
    terminus_os_process *procs[2] = { NULL, NULL };
    uint32_t reach[2];
    pid_t pid, pid2;
    int status, rc;

    REQUIRE(os->version >= 2);
    REQUIRE(os->process_reach != NULL && os->process_step != NULL);
    path_in_dir(marker, sizeof marker, "shim");
    path_in_dir(marker2, sizeof marker2, "shim2");
    pid = spawn_child("chain", "READY", marker, "2", NULL);
    pid2 = spawn_child("chain", "READY", marker2, "2", NULL);
    CHECK_RC(os->process_open(os->data, (terminus_pid)pid, &procs[0]), TERMINUS_OK);
    CHECK_RC(os->process_open(os->data, (terminus_pid)pid2, &procs[1]), TERMINUS_OK);
    if (procs[0] == NULL || procs[1] == NULL) {
        kill(pid, SIGKILL);
        kill(pid2, SIGKILL);
        reap(pid);
        reap(pid2);
        os->process_close(os->data, procs[0]);
        os->process_close(os->data, procs[1]);
        return;
    }

    /* reach: the three signal steps, for every target; never a Windows step */
    memset(reach, 0xFF, sizeof reach);
    CHECK_RC(os->process_reach(os->data, procs, 2, TERMINUS_STEPS_ALL, 0, TERMINUS_DEFAULT_MESSAGE,
                               reach),
             TERMINUS_OK);
    for (int i = 0; i < 2; i++)
        CHECK_MSG(reach[i] == (TERMINUS_STEP_MESSAGE | TERMINUS_STEP_SIGINT | TERMINUS_STEP_SIGHUP),
                  "reach[%d] 0x%x", i, (unsigned)reach[i]);
    CHECK_RC(os->process_reach(os->data, procs, 2, TERMINUS_STEP_CLOSE | TERMINUS_STEP_CONSOLE,
                               TERMINUS_TERMINATE_BROADCAST, TERMINUS_DEFAULT_MESSAGE, reach),
             TERMINUS_OK);
    CHECK_MSG(reach[0] == 0 && reach[1] == 0, "a Windows step reaches 0x%x 0x%x",
              (unsigned)reach[0], (unsigned)reach[1]);
    CHECK_RC(os->process_reach(os->data, procs, 2, TERMINUS_STEP_SIGHUP, 0,
                               TERMINUS_DEFAULT_MESSAGE, reach),
             TERMINUS_OK);
    CHECK_MSG(reach[0] == TERMINUS_STEP_SIGHUP && reach[1] == TERMINUS_STEP_SIGHUP,
              "only the steps asked for: 0x%x 0x%x", (unsigned)reach[0], (unsigned)reach[1]);
    CHECK_RC(os->process_reach(os->data, procs, 0, TERMINUS_STEPS_ALL, 0, TERMINUS_DEFAULT_MESSAGE,
                               reach),
             TERMINUS_OK);

    /* the Windows steps are no steps here: UNSUPPORTED, nothing sent */
    CHECK_RC(os->process_step(os->data, procs[0], TERMINUS_STEP_CLOSE, 0, TERMINUS_DEFAULT_MESSAGE),
             TERMINUS_E_UNSUPPORTED);
    CHECK_MSG(strstr(terminus_error_last()->message, "0x2") != NULL, "message: %s",
              terminus_error_last()->message);
    CHECK_RC(os->process_step(os->data, procs[0], TERMINUS_STEP_CONSOLE,
                              TERMINUS_TERMINATE_CTRL_BREAK, TERMINUS_DEFAULT_MESSAGE),
             TERMINUS_E_UNSUPPORTED);
    CHECK_RC(os->process_step(os->data, procs[0], TERMINUS_STEP_SIGINT | TERMINUS_STEP_SIGHUP, 0,
                              TERMINUS_DEFAULT_MESSAGE),
             TERMINUS_E_UNSUPPORTED);
    sleep_ms(50);
    CHECK_MSG(!file_exists(marker), "a signal went out for a step Linux does not have");

    /* a stopped target is continued after its step, so that its handler runs */
    kill(pid, SIGSTOP);
    REQUIRE(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status));
    CHECK_RC(
        os->process_step(os->data, procs[0], TERMINUS_STEP_SIGHUP, 0, TERMINUS_DEFAULT_MESSAGE),
        TERMINUS_OK);
    for (int i = 0; i < 200 && !file_contains(marker, "signal 1\n"); i++)
        sleep_ms(10);
    CHECK_MSG(file_contains(marker, "signal 1\n"), "the stopped child did not run its handler");
    CHECK_RC(
        os->process_step(os->data, procs[0], TERMINUS_STEP_MESSAGE, 0, TERMINUS_DEFAULT_MESSAGE),
        TERMINUS_OK);
    for (int i = 0; i < 200 && !file_contains(marker, "signal 15\n"); i++)
        sleep_ms(10);
    CHECK_MSG(file_contains(marker, "signal 15\n"), "MESSAGE is SIGTERM");
    CHECK_MSG(child_running(pid), "the child ended on a signal it ignores");
    /* the flags are Windows's: ignored */
    CHECK_RC(os->process_step(os->data, procs[0], TERMINUS_STEP_SIGINT,
                              TERMINUS_TERMINATE_BROADCAST | TERMINUS_TERMINATE_CTRL_BREAK, NULL),
             TERMINUS_OK);
    status = reap(pid);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
              "waitpid status %d", status);
    /* reaped: the pidfd pins the identity, every step is NOT_FOUND */
    CHECK_RC(
        os->process_step(os->data, procs[0], TERMINUS_STEP_MESSAGE, 0, TERMINUS_DEFAULT_MESSAGE),
        TERMINUS_E_NOT_FOUND);
    CHECK_RC(
        os->process_step(os->data, procs[0], TERMINUS_STEP_SIGHUP, 0, TERMINUS_DEFAULT_MESSAGE),
        TERMINUS_E_NOT_FOUND);

    /* EPERM is ACCESS_DENIED: a process of another user (an unprivileged
     * copy of this one steps our root-owned child; were it let through, it
     * would signal only that child) */
    if (geteuid() == 0) {
        pid_t h = fork();
        if (h == 0) {
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
            rc = os->process_step(os->data, procs[1], TERMINUS_STEP_SIGHUP, 0,
                                  TERMINUS_DEFAULT_MESSAGE);
            _exit(rc == TERMINUS_E_ACCESS_DENIED && terminus_error_last()->os_code == EPERM ? 0
                                                                                            : 1);
        }
        status = reap(h);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "another user's step: exit %d (0: ACCESS_DENIED with EPERM, 1: not, 3: could "
                  "not drop privileges)",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        sleep_ms(50);
        CHECK_MSG(!file_exists(marker2), "the refused step reached the child");
    } else {
        printf("# not root: the EPERM case is left out\n");
    }
    CHECK_RC(os->process_step(os->data, procs[1], TERMINUS_STEP_SIGINT, 0, NULL), TERMINUS_OK);
    status = reap(pid2);
    CHECK_MSG(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
              "waitpid status %d", status);
    os->process_close(os->data, procs[0]);
    os->process_close(os->data, procs[1]);
}

/* --- a thread id is not a process --------------------------------------------- */

struct tid_thread {
    atomic_int tid;
    atomic_int stop;
};

static void *tid_thread_main(void *arg)
{
    struct tid_thread *t = arg;
    atomic_store(&t->tid, (int)gettid());
    while (!atomic_load(&t->stop))
        sleep_ms(5);
    return NULL;
}

static void test_thread(void)
{
    struct tid_thread t;
    struct sigaction sa, old_term;
    terminus_result res;
    terminus_terminate_options o = opts_with(0, 100);
    char want[128];
    pthread_t th;
    int rc, tid;

    atomic_store(&self_signals, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old_term);
    atomic_store(&t.tid, 0);
    atomic_store(&t.stop, 0);
    REQUIRE(pthread_create(&th, NULL, tid_thread_main, &t) == 0);
    while ((tid = atomic_load(&t.tid)) == 0)
        sleep_ms(1);
    REQUIRE(tid != (int)getpid());
    rc = terminus_terminate(NULL, (terminus_pid)tid, &o, &res);
    CHECK_RC(rc, TERMINUS_E_NOT_FOUND);
    CHECK_RC(res.status, TERMINUS_E_NOT_FOUND);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_NONE);
    snprintf(want, sizeof want, "%d is a thread of process %d, not a process: terminate %d", tid,
             (int)getpid(), (int)getpid());
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, want);
    printf("# %s\n", terminus_error_last()->message);
    sleep_ms(50);
    CHECK_MSG(atomic_load(&self_signals) == 0, "the process got %d signals",
              atomic_load(&self_signals));
    atomic_store(&t.stop, 1);
    pthread_join(th, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

/* --- the listener, in this process ------------------------------------------- */

static atomic_int got_request, got_logoff;
static pthread_t main_thread;
static atomic_int on_main_thread;
/* When set, the callback starts `grep SigBlk /proc/self/status` (fork and
 * exec) with its output in this file (as a program's callback might start one). */
static char spawn_out[300];

static void spawn_from_callback(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(spawn_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        /* grep itself, not through sh: dash clears its signal mask */
        char *argv[] = { (char *)"grep", (char *)"SigBlk", (char *)"/proc/self/status", NULL };
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid > 0)
        reap(pid);
}

static int on_request(void *arg, int reason)
{
    (void)arg;
    if (pthread_equal(pthread_self(), main_thread))
        atomic_store(&on_main_thread, 1);
    if (spawn_out[0] != '\0')
        spawn_from_callback();
    if (reason == TERMINUS_REASON_REQUEST)
        atomic_fetch_add(&got_request, 1);
    else if (reason == TERMINUS_REASON_LOGOFF)
        atomic_fetch_add(&got_logoff, 1);
    return 1; /* do not exit: the test goes on */
}

static int wait_count(atomic_int *c, int want)
{
    for (int i = 0; i < 200 && atomic_load(c) < want; i++)
        sleep_ms(10);
    return atomic_load(c);
}

/* The SigBlk mask a file written by spawn_from_callback holds: 0 if read. */
static int sigblk_of(const char *path, unsigned long long *v)
{
    char line[128];
    FILE *f = fopen(path, "r");
    int ok;
    if (f == NULL)
        return -1;
    ok = fgets(line, sizeof line, f) != NULL && sscanf(line, "SigBlk: %llx", v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

#define SIGBIT(sig) (1ull << ((sig)-1))

/* Programs the callback starts inherit the mask of the thread that called
 * terminus_listen, not the listener thread's (which blocks everything). */
static void listener_callback_mask(void)
{
    terminus_listener *l = NULL;
    sigset_t set, saved;
    unsigned long long b = 0;
    int got, want = atomic_load(&got_request) + 1;

    /* the caller: SIGTERM, SIGINT and SIGHUP open, SIGUSR2 blocked (so the
     * test sees the caller's mask, not merely an empty one) */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &set, &saved);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    path_in_dir(spawn_out, sizeof spawn_out, "sigblk");
    CHECK_RC(terminus_listen(NULL, NULL, 0, on_request, NULL, &l), TERMINUS_OK);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_count(&got_request, want) == want, "request count %d",
              atomic_load(&got_request));
    terminus_listener_free(l);
    got = sigblk_of(spawn_out, &b);
    spawn_out[0] = '\0';
    CHECK_MSG(got == 0, "the callback's program wrote no SigBlk");
    if (got == 0) {
        CHECK_MSG(
            !(b & SIGBIT(SIGTERM)) && !(b & SIGBIT(SIGINT)) && !(b & SIGBIT(SIGHUP)),
            "a program started by the callback has SigBlk %llx (SIGTERM/SIGINT/SIGHUP blocked)", b);
        CHECK_MSG(b & SIGBIT(SIGUSR2), "SigBlk %llx: not the caller's mask", b);
        printf("listener: a program started by the callback has SigBlk %016llx\n", b);
    }
}

/* Under nohup (SIGHUP ignored), SIGHUP stays ignored while listening. */
static void listener_nohup(void)
{
    terminus_listener *l = NULL;
    struct sigaction ign, old, now;
    int logoffs = atomic_load(&got_logoff), requests = atomic_load(&got_request);

    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGHUP, &ign, &old);
    CHECK_RC(terminus_listen(NULL, NULL, 0, on_request, NULL, &l), TERMINUS_OK);
    sigaction(SIGHUP, NULL, &now);
    CHECK_MSG(now.sa_handler == SIG_IGN, "SIGHUP no longer ignored while listening");
    kill(getpid(), SIGHUP);  /* ignored: this process survives, no callback */
    kill(getpid(), SIGTERM); /* still heard */
    CHECK_MSG(wait_count(&got_request, requests + 1) == requests + 1, "request count %d",
              atomic_load(&got_request));
    sleep_ms(20);
    CHECK_MSG(atomic_load(&got_logoff) == logoffs, "an ignored SIGHUP reached the callback");
    terminus_listener_free(l);
    sigaction(SIGHUP, NULL, &now);
    CHECK_MSG(now.sa_handler == SIG_IGN, "SIGHUP no longer ignored after terminus_listener_free");
    sigaction(SIGHUP, &old, NULL);
}

/* A forked copy that frees the inherited listener leaves the parent's
 * listener running, and can listen on its own. */
static void listener_fork(void)
{
    terminus_listener *l = NULL;
    struct sigaction before, now;
    int status, want;
    pid_t pid;

    sigaction(SIGTERM, NULL, &before);
    CHECK_RC(terminus_listen(NULL, NULL, 0, on_request, NULL, &l), TERMINUS_OK);
    /* Fork once the listener's thread has started (it answers): under ASan
     * a thread still in its start may hold an allocator lock that the child
     * would inherit held (tests/integration/posix/test_fork.c, reused_fds). */
    want = atomic_load(&got_request) + 1;
    kill(getpid(), SIGTERM);
    REQUIRE(wait_count(&got_request, want) == want);
    pid = fork();
    if (pid == 0) {
        /* exit codes: 0 ok, 2 dispositions not restored, 3 listen refused,
         * 4 the child's own listener did not hear SIGTERM */
        terminus_listener *mine = NULL;
        int base = atomic_load(&got_request);
        terminus_listener_free(l);
        sigaction(SIGTERM, NULL, &now);
        if (now.sa_handler != before.sa_handler)
            _exit(2);
        if (UNDER_TSAN)
            _exit(0);
        if (terminus_listen(NULL, NULL, 0, on_request, NULL, &mine) != TERMINUS_OK)
            _exit(3);
        kill(getpid(), SIGTERM);
        if (wait_count(&got_request, base + 1) != base + 1)
            _exit(4);
        terminus_listener_free(mine);
        _exit(0);
    }
    status = reap(pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child status %d", status);
    want = atomic_load(&got_request) + 1;
    kill(getpid(), SIGTERM); /* fatal if the parent's listener had stopped */
    CHECK_MSG(wait_count(&got_request, want) == want,
              "the parent's listener stopped after a fork freed its copy (request count %d)",
              atomic_load(&got_request));
    terminus_listener_free(l);
}

static void test_listener(void)
{
    terminus_listener *l = NULL, *l2 = NULL;
    struct sigaction now, before_term, before_hup;
    sigset_t before, mask;
    int status;
    pid_t pid;

    main_thread = pthread_self();
    sigaction(SIGTERM, NULL, &before_term);
    sigaction(SIGHUP, NULL, &before_hup);
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    CHECK_RC(terminus_listen(NULL, NULL, 0, on_request, NULL, &l), TERMINUS_OK);
    CHECK_RC(terminus_listen(NULL, NULL, 0, on_request, NULL, &l2), TERMINUS_E_REFUSED);
    CHECK_MSG(l2 == NULL, "second listener handed out");
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    CHECK_MSG(sigismember(&mask, SIGTERM) == sigismember(&before, SIGTERM) &&
                  sigismember(&mask, SIGHUP) == sigismember(&before, SIGHUP),
              "the caller's signal mask changed");

    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_count(&got_request, 1) == 1, "request count %d", atomic_load(&got_request));
    if (before_hup.sa_handler == SIG_IGN) {
        /* run under nohup: SIGHUP stays ignored (see listener_nohup) */
        kill(getpid(), SIGHUP);
        sleep_ms(20);
        CHECK_MSG(atomic_load(&got_logoff) == 0, "an ignored SIGHUP was heard");
    } else {
        kill(getpid(), SIGHUP);
        CHECK_MSG(wait_count(&got_logoff, 1) == 1, "logoff count %d", atomic_load(&got_logoff));
    }
    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_count(&got_request, 2) == 2, "request count %d", atomic_load(&got_request));
    CHECK_MSG(!atomic_load(&on_main_thread), "the callback ran on the main thread");

    /* A program started now still dies of SIGTERM (no blocked mask inherited). */
    pid = spawn_child("sleep", "READY", "10000", "0", NULL);
    kill(pid, SIGTERM);
    status = reap(pid);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "spawned child status %d",
              status);
    /* A forked copy of this process does not listen: SIGTERM ends it, and
     * this process hears nothing. */
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    sleep_ms(20);
    kill(pid, SIGTERM);
    if (UNDER_TSAN) {
        sleep_ms(50);
        kill(pid, SIGKILL);
    }
    status = reap(pid);
    CHECK_MSG(UNDER_TSAN || (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM),
              "forked child status %d", status);
    sleep_ms(50);
    CHECK_MSG(atomic_load(&got_request) == 2, "the fork's SIGTERM reached this listener");
    terminus_listener_free(l);

    /* everything as it was before (not necessarily SIG_DFL: under nohup,
     * SIGHUP was and stays ignored) */
    sigaction(SIGTERM, NULL, &now);
    CHECK_MSG(now.sa_handler == before_term.sa_handler, "SIGTERM handler not restored");
    sigaction(SIGHUP, NULL, &now);
    CHECK_MSG(now.sa_handler == before_hup.sa_handler, "SIGHUP handler not restored");

    /* and again */
    CHECK_RC(terminus_listen(NULL, "any-name", 0, on_request, NULL, &l), TERMINUS_OK);
    kill(getpid(), SIGTERM);
    CHECK_MSG(wait_count(&got_request, 3) == 3, "request count %d", atomic_load(&got_request));
    terminus_listener_free(l);

    listener_fork();
    listener_callback_mask();
    listener_nohup();

    sigaction(SIGTERM, NULL, &now);
    CHECK_MSG(now.sa_handler == before_term.sa_handler, "SIGTERM handler not restored at the end");
    sigaction(SIGHUP, NULL, &now);
    CHECK_MSG(now.sa_handler == before_hup.sa_handler, "SIGHUP handler not restored at the end");
}

/* --- exit ---------------------------------------------------------------------- */

static void hook(void *arg)
{
    const char *path = arg;
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs("hook ran\n", f);
        fclose(f);
    }
}

static void test_exit(void)
{
    char marker[300];
    int status;
    pid_t pid;

    path_in_dir(marker, sizeof marker, "exit-clean");
    pid = fork();
    if (pid == 0) {
        terminus_at_exit(NULL, hook, marker);
        terminus_exit(NULL, 9, 0);
        _exit(100);
    }
    status = reap(pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 9, "clean exit status %d", status);
    CHECK_MSG(file_contains(marker, "hook ran"), "hook did not run on a clean exit");

    path_in_dir(marker, sizeof marker, "exit-fast");
    pid = fork();
    if (pid == 0) {
        terminus_at_exit(NULL, hook, marker);
        terminus_exit(NULL, 11, TERMINUS_EXIT_FAST);
        _exit(100);
    }
    status = reap(pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 11, "fast exit status %d", status);
    CHECK_MSG(!file_exists(marker), "hook ran on a fast exit");
}

/* Before each case: the CHILD argument, and a fresh directory. */
static void setup(char **args)
{
    child_path = args[0];
    make_dir();
}

static const h_test tests[] = {
    { "cooperative", test_cooperative, 0 },
    { "free_in_hook", test_free_in_hook, 0 },
    { "stubborn", test_stubborn, 0 },
    { "noforce", test_noforce, 0 },
    { "force", test_force, 0 },
    { "gone", test_gone, 0 },
    { "nonchild", test_nonchild, 0 },
    { "reuse", test_reuse, 0 },
    /* run by test_reuse as pid 1 of a new pid namespace */
    { "reuse-inner", test_reuse_inner, H_HIDDEN },
    { "badpids", test_badpids, 0 },
    { "many", test_many, 0 },
    { "thousand", test_thousand, 0 },
    { "nofile", test_nofile, 0 },
    { "stopped", test_stopped, 0 },
    { "stopped_pidns", test_stopped_pidns, 0 },
    { "chain_sigint", test_chain_sigint, 0 },
    { "chain_sighup", test_chain_sighup, 0 },
    { "chain_default", test_chain_default, 0 },
    { "chain_shim", test_chain_shim, 0 },
    { "thread", test_thread, 0 },
    { "listener", test_listener, 0 },
    { "exit", test_exit, 0 },
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
        .nargs = 1,
        .usage = "CHILD",
        .setup = setup,
        .teardown = cleanup_dir,
    };

    return h_main(&program, argc, argv);
}
