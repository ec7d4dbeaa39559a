/*
 * tests/threads/test_threads.c: 8 threads x 1000 operations at once, each
 * thread on its own fake context and all of them on one shared fake context
 * (and on the default native context, where each thread also terminates ten
 * real processes: copies of this program), mixing terminates, session lookups on
 * a shared server, exit hooks registered on the shared context and reads of
 * the error record. Every thread checks, after every operation, that
 * terminus_error_last() still holds its own last failure: a message naming a
 * pid or a session name that only this thread uses.
 *
 * Threads are pthreads natively and Windows threads under _WIN32 (mingw-w64
 * has no <threads.h>); the library itself uses neither here. The program runs
 * natively, under Wine, and in the TSan build (build/tsan).
 *
 * The workers count their own failures (fail(), below: the checks of
 * tests/common/check.h belong to the thread that runs the case); the case
 * checks after the join that every count is 0.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>

#include "check.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
#endif

#define N_THREADS   8
#define N_OPS       1000
#define MAX_REPORTS 8

typedef struct worker {
    int index;
    terminus_fake *fake; /* its own */
    terminus_ctx *ctx;
    int failures;
    int hooks; /* hooks it registered on the shared context */
    int real;  /* real processes it terminated */
    int real_tried;
    char last[96]; /* what its error record must hold */
} worker;

static const char *self_exe; /* argv[0]: real targets are copies of this program */
static terminus_fake *shared_fake;
static terminus_ctx *shared_ctx;
static terminus_server *shared_server;
static int hooks_run; /* only touched by the main thread, after the join */
static atomic_int go; /* the workers start together, once all exist */

static void fail(worker *w, int op, const char *fmt, ...)
{
    const terminus_error *e = terminus_error_last();
    char text[256];
    va_list ap;

    w->failures++;
    if (w->failures > MAX_REPORTS)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    printf("# thread %d, op %d: %s (error_last: %s \"%s\")\n", w->index, op, text,
           terminus_error_name(e->code), e->message);
    fflush(stdout);
}

/* The record must still be this thread's own last failure. */
static void check_record(worker *w, int op)
{
    const terminus_error *e = terminus_error_last();

    if (w->last[0] == '\0') {
        if (e->code != TERMINUS_OK)
            fail(w, op, "the record should be clear");
    } else if (e->message == NULL || strstr(e->message, w->last) == NULL) {
        fail(w, op, "the record should name \"%s\"", w->last);
    }
}

static void expect(worker *w, int op, int got, int want, const char *what)
{
    if (got != want)
        fail(w, op, "%s returned %s, expected %s", what, terminus_error_name(got),
             terminus_error_name(want));
}

/* A failure that names `marker`: the record must now say so. */
static void expect_failure(worker *w, int op, int got, int want, const char *what,
                           const char *marker)
{
    const terminus_error *e = terminus_error_last();

    expect(w, op, got, want, what);
    if (e->code != want || strstr(e->message, marker) == NULL)
        fail(w, op, "%s: the record should name \"%s\"", what, marker);
    snprintf(w->last, sizeof w->last, "%s", marker);
}

/*
 * A real process, terminated through the default native context from this
 * thread while the others run: a copy of this program that only waits.
 * POSIX: it dies of the request (SIGTERM), EXITED, and this thread reaps it;
 * Windows: it has no listener, so it is killed at once (FORCE), FORCED.
 */
static void real_terminate(worker *w, int i)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_result r;
    int rc;
#ifdef _WIN32
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    char cmd[1024];

    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    snprintf(cmd, sizeof cmd, "\"%s\" wait", self_exe);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        fail(w, i, "CreateProcess(%s) failed: %lu", cmd, (unsigned long)GetLastError());
        return;
    }
    o.flags = TERMINUS_TERMINATE_FORCE;
    o.forced_exit_code = 70u + (uint32_t)w->index;
    rc = terminus_terminate(NULL, (terminus_pid)pi.dwProcessId, &o, &r);
    expect(w, i, rc, TERMINUS_OK, "terminate of a real process");
    w->real += rc == TERMINUS_OK;
    if (rc == TERMINUS_OK &&
        (r.outcome != TERMINUS_OUTCOME_FORCED || r.exit_code != o.forced_exit_code))
        fail(w, i, "real process: outcome %d, exit code %u", (int)r.outcome, (unsigned)r.exit_code);
    if (rc != TERMINUS_OK)
        TerminateProcess(pi.hProcess, 1);
    WaitForSingleObject(pi.hProcess, 10000);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
#else
    char *argv[] = { (char *)self_exe, (char *)"wait", NULL };
    pid_t pid;
    int status = 0;

    if (posix_spawn(&pid, self_exe, NULL, NULL, argv, environ) != 0) {
        fail(w, i, "posix_spawn(%s) failed", self_exe);
        return;
    }
    o.grace_ms = 10000;
    rc = terminus_terminate(NULL, (terminus_pid)pid, &o, &r);
    expect(w, i, rc, TERMINUS_OK, "terminate of a real process");
    w->real += rc == TERMINUS_OK;
    if (rc == TERMINUS_OK && r.outcome != TERMINUS_OUTCOME_EXITED)
        fail(w, i, "real process: outcome %d", (int)r.outcome);
    if (rc != TERMINUS_OK)
        kill(pid, SIGKILL);
    /* terminus never reaps: this thread does, and sees the signal */
    if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
        (rc == TERMINUS_OK && WTERMSIG(status) != SIGTERM))
        fail(w, i, "waitpid of the real process: status %d", status);
#endif
}

static void hook(void *arg)
{
    (void)arg;
    hooks_run++;
}

static void one_op(worker *w, int i)
{
    terminus_result r;
    char marker[96];
    uint32_t id;
    int rc;

    switch (i % 7) {
    case 0: { /* a cooperative process on its own fake */
        terminus_pid pid = 2000u + (terminus_pid)i;
        if (terminus_fake_process_add(w->fake, pid, TERMINUS_FAKE_EXITS_ON_REQUEST, 10,
                                      (uint32_t)w->index) != TERMINUS_OK) {
            fail(w, i, "process_add(%u) on its own fake", (unsigned)pid);
            break;
        }
        rc = terminus_terminate(w->ctx, pid, NULL, &r);
        expect(w, i, rc, TERMINUS_OK, "terminate on its own fake");
        if (rc == TERMINUS_OK && (r.outcome != TERMINUS_OUTCOME_EXITED ||
                                  r.exit_code != (uint32_t)w->index || r.elapsed_us != 10000))
            fail(w, i, "terminate on its own fake: outcome %d, exit code %u, %u us", (int)r.outcome,
                 (unsigned)r.exit_code, (unsigned)r.elapsed_us);
        break;
    }
    case 1: { /* a process of its own on the shared fake */
        terminus_pid pid = 100000u + (terminus_pid)w->index * 10000u + (terminus_pid)i;
        terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
        if (terminus_fake_process_add(shared_fake, pid, TERMINUS_FAKE_EXITS_ON_REQUEST, 5, 0) !=
            TERMINUS_OK) {
            fail(w, i, "process_add(%u) on the shared fake", (unsigned)pid);
            break;
        }
        o.grace_ms = 1000;
        rc = terminus_terminate(shared_ctx, pid, &o, &r);
        expect(w, i, rc, TERMINUS_OK, "terminate on the shared fake");
        /* The shared clock moves with every thread's waits: it may have
         * passed the grace window of this one, so EXITED or FORCED. */
        if (rc == TERMINUS_OK && r.outcome != TERMINUS_OUTCOME_EXITED &&
            r.outcome != TERMINUS_OUTCOME_FORCED)
            fail(w, i, "terminate on the shared fake: outcome %d", (int)r.outcome);
        break;
    }
    case 2: { /* the default native context: validation, and now and then a real process */
        if ((i / 7) % 15 == 0) { /* ten per thread */
            w->real_tried++;
            real_terminate(w, i);
        }
        terminus_pid big = 0x80000000u + (terminus_pid)w->index * 10000u + (terminus_pid)i;
        rc = terminus_terminate(NULL, 0, NULL, &r);
        expect_failure(w, i, rc, TERMINUS_E_INVALID, "terminate(NULL, 0)", "pid 0");
        if (r.status != TERMINUS_E_INVALID || r.outcome != TERMINUS_OUTCOME_NONE)
            fail(w, i, "terminate(NULL, 0): result %d %d", (int)r.status, (int)r.outcome);
        snprintf(marker, sizeof marker, "pid %lu ", (unsigned long)big);
        rc = terminus_terminate(NULL, big, NULL, NULL);
        expect_failure(w, i, rc, TERMINUS_E_INVALID, "terminate(NULL, big pid)", marker);
        break;
    }
    case 3: /* session lookups on the shared server */
        id = 0;
        rc = terminus_session_resolve(shared_server, "CONSOLE", &id);
        expect(w, i, rc, TERMINUS_OK, "resolve CONSOLE");
        if (rc == TERMINUS_OK && id != 5)
            fail(w, i, "resolve CONSOLE gave %u", (unsigned)id);
        rc = terminus_session_resolve(shared_server, "7", &id);
        expect(w, i, rc, TERMINUS_OK, "resolve 7");
        if (rc == TERMINUS_OK && id != 7)
            fail(w, i, "resolve 7 gave %u", (unsigned)id);
        snprintf(marker, sizeof marker, "nobody-t%d-op%d", w->index, i);
        rc = terminus_session_resolve(shared_server, marker, &id);
        expect_failure(w, i, rc, TERMINUS_E_NOT_FOUND, "resolve of an unknown name", marker);
        break;
    case 4: { /* list the shared server */
        terminus_session_info *list = NULL;
        size_t count = 0;
        rc = terminus_session_list(shared_server, &list, &count);
        expect(w, i, rc, TERMINUS_OK, "session_list");
        if (rc == TERMINUS_OK &&
            (count != 3 || list == NULL || list[1].id + list[0].id + list[2].id != 12))
            fail(w, i, "session_list gave %u sessions", (unsigned)count);
        terminus_session_list_free(list);
        break;
    }
    case 5: /* an exit hook on the shared context */
        rc = terminus_at_exit(shared_ctx, hook, w);
        expect(w, i, rc, TERMINUS_OK, "at_exit on the shared context");
        if (rc == TERMINUS_OK)
            w->hooks++;
        break;
    case 6: { /* failures only this thread can cause, on both fakes */
        terminus_pid pid = 600000u + (terminus_pid)w->index * 10000u + (terminus_pid)i;
        snprintf(marker, sizeof marker, "(%lu)", (unsigned long)pid);
        rc = terminus_terminate((i / 7) % 2 ? w->ctx : shared_ctx, pid, NULL, &r);
        expect_failure(w, i, rc, TERMINUS_E_NOT_FOUND, "terminate of a missing pid", marker);
        if (r.status != TERMINUS_E_NOT_FOUND || r.outcome != TERMINUS_OUTCOME_NONE)
            fail(w, i, "terminate of a missing pid: result %d %d", (int)r.status, (int)r.outcome);
        break;
    }
    }
    check_record(w, i);
}

static void work(worker *w)
{
    int i;

    while (!atomic_load(&go)) {
#ifdef _WIN32
        SwitchToThread();
#else
        sched_yield();
#endif
    }
    terminus_error_clear();
    for (i = 0; i < N_OPS; i++)
        one_op(w, i);
}

#ifdef _WIN32
static DWORD WINAPI thread_main(LPVOID arg)
{
    work(arg);
    return 0;
}
#else
static void *thread_main(void *arg)
{
    work(arg);
    return NULL;
}
#endif

static int setup_shared(void)
{
    if (terminus_fake_new(&shared_fake) != TERMINUS_OK ||
        terminus_ctx_new(&shared_ctx, terminus_fake_os(shared_fake)) != TERMINUS_OK ||
        terminus_fake_server_add(shared_fake, "shared", 1) != TERMINUS_OK ||
        terminus_fake_session_add(shared_fake, "shared", 0, TERMINUS_SESSION_OTHER, "Services", "",
                                  TERMINUS_FAKE_SESSION_ENDS, 0) != TERMINUS_OK ||
        terminus_fake_session_add(shared_fake, "shared", 5, TERMINUS_SESSION_ACTIVE, "Console",
                                  "alice", TERMINUS_FAKE_SESSION_ENDS, 0) != TERMINUS_OK ||
        terminus_fake_session_add(shared_fake, "shared", 7, TERMINUS_SESSION_DISCONNECTED,
                                  "RDP-Tcp#2", "bob", TERMINUS_FAKE_SESSION_ENDS,
                                  0) != TERMINUS_OK ||
        terminus_server_open(shared_ctx, "shared", &shared_server) != TERMINUS_OK) {
        printf("# setting up the shared fake failed: %s\n", terminus_error_last()->message);
        return 0;
    }
    return 1;
}

/* The one case: the threads, then what they left behind. */
static void threads(void)
{
    static worker workers[N_THREADS];
#ifdef _WIN32
    HANDLE handles[N_THREADS];
#else
    pthread_t handles[N_THREADS];
#endif
    const terminus_error *e;
    int t, hooks = 0, started = 0, real = 0, rc, exits;
    uint32_t code = 99;

    REQUIRE(setup_shared());
    for (t = 0; t < N_THREADS; t++) {
        workers[t].index = t;
        REQUIRE_RC(terminus_fake_new(&workers[t].fake), TERMINUS_OK);
        REQUIRE_RC(terminus_ctx_new(&workers[t].ctx, terminus_fake_os(workers[t].fake)),
                   TERMINUS_OK);
    }

    /* The main thread's own record, which no worker may touch. */
    CHECK_RC(terminus_terminate(NULL, 0xFFFFFFF0u, NULL, NULL), TERMINUS_E_INVALID);

    for (t = 0; t < N_THREADS; t++) {
#ifdef _WIN32
        handles[t] = CreateThread(NULL, 0, thread_main, &workers[t], 0, NULL);
        if (handles[t] == NULL)
            break;
#else
        if (pthread_create(&handles[t], NULL, thread_main, &workers[t]) != 0)
            break;
#endif
        started++;
    }
    atomic_store(&go, 1);
    CHECK_MSG(started == N_THREADS, "only %d threads started", started);
    for (t = 0; t < started; t++) {
#ifdef _WIN32
        WaitForSingleObject(handles[t], INFINITE);
        CloseHandle(handles[t]);
#else
        pthread_join(handles[t], NULL);
#endif
    }

    e = terminus_error_last();
    CHECK_MSG(e->code == TERMINUS_E_INVALID && strstr(e->message, "4294967280") != NULL,
              "the main thread's record changed: %s \"%s\"", terminus_error_name(e->code),
              e->message);
    for (t = 0; t < N_THREADS; t++) {
        CHECK_MSG(workers[t].failures == 0, "thread %d: %d failures", t, workers[t].failures);
        hooks += workers[t].hooks;
        CHECK_MSG(terminus_fake_open_handles(workers[t].fake) == 0,
                  "thread %d left handles open on its fake", t);
        terminus_ctx_free(workers[t].ctx);
        terminus_fake_free(workers[t].fake);
    }

    /* Every hook registered by any thread runs once, on a clean exit. */
    rc = terminus_exit(shared_ctx, 3, 0);
    exits = rc == TERMINUS_OK ? terminus_fake_exits(shared_fake, &code, NULL) : 0;
    CHECK_MSG(rc == TERMINUS_OK && hooks_run == hooks && exits == 1 && code == 3,
              "exit of the shared context: %d of %d hooks ran", hooks_run, hooks);
    terminus_server_close(shared_server);
    CHECK_MSG(terminus_fake_open_handles(shared_fake) == 0, "handles left open on the shared fake");
    terminus_ctx_free(shared_ctx);
    terminus_fake_free(shared_fake);

    for (t = 0; t < N_THREADS; t++) {
        real += workers[t].real;
        CHECK_MSG(workers[t].real == workers[t].real_tried && workers[t].real_tried >= 10,
                  "thread %d: %d of %d real processes terminated (10 wanted)", t, workers[t].real,
                  workers[t].real_tried);
    }
    printf("# %d threads x %d operations, %d hooks, %d real processes terminated\n", N_THREADS,
           N_OPS, hooks, real);
}

int main(int argc, char **argv)
{
    static const h_test tests[] = { T(threads) };
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
    };

    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        /* a real target: wait to be ended (at most a minute) */
#ifdef _WIN32
        Sleep(60000);
#else
        sleep(60);
#endif
        return 3;
    }
    self_exe = argv[0];
    return h_main(&program, argc, argv);
}
