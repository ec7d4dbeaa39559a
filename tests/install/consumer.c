/*
 * tests/install/consumer.c: a program written outside the library, built
 * against the installed headers and libraries by tests/install/check-install.py:
 * through pkg-config (terminus.pc, shared and with --static; terminus-static.pc)
 * and through CMake (terminus::terminus, terminus::static, pkg_check_modules).
 *
 *   consumer [static]
 *
 * It checks the version, a terminate over the fake OS and, on Linux, the
 * terminate of a real child it starts. "static": the program is fully
 * static, so the session functions must refuse (libsystemd.so.0 is never
 * loaded into a static program) while the process functions work.
 */
#ifdef __linux__
#define _GNU_SOURCE 1
#endif

#include <terminus.h>

#include <stdio.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

static int fails;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        fails++;
}

#ifdef __linux__
/* Start a child that waits for a signal, terminate it with terminus (the
 * native backend), reap it. */
static void real_child(void)
{
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_result r;
    int status = 0, rc;
    pid_t pid, got;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    check(pid > 0, "fork a child");
    if (pid <= 0)
        return;
    opts.grace_ms = 10000;
    memset(&r, 0, sizeof r);
    rc = terminus_terminate(NULL, (terminus_pid)pid, &opts, &r);
    check(rc == TERMINUS_OK, "terminus_terminate(a real child)");
    if (rc != TERMINUS_OK)
        printf("     %s\n", terminus_error_last()->message);
    check(r.outcome == TERMINUS_OUTCOME_EXITED, "it left when asked (SIGTERM)");
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    check(got == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "and the caller reaps it: killed by SIGTERM");
}

/* A fully static program: the session functions refuse, naming the library. */
static void static_sessions(void)
{
    terminus_server *s = NULL;
    int rc = terminus_server_open(NULL, NULL, &s);
    const char *msg = terminus_error_last()->message;

    printf("     terminus_server_open: %s\n", msg);
    check(rc == TERMINUS_E_UNSUPPORTED, "static: terminus_server_open is UNSUPPORTED");
    check(strstr(msg, "libsystemd.so.0") != NULL, "static: the message names libsystemd.so.0");
    check(terminus_logoff(NULL, 0) == TERMINUS_E_UNSUPPORTED, "static: terminus_logoff too");
}
#endif

int main(int argc, char **argv)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_result r;

    check(strcmp(terminus_version(), TERMINUS_VERSION_STRING) == 0,
          "terminus_version() matches the installed version.h");
    check(strcmp(terminus_strerror(TERMINUS_E_ACCESS_DENIED), "access denied") == 0,
          "terminus_strerror(TERMINUS_E_ACCESS_DENIED)");
    check(strcmp(terminus_error_name(TERMINUS_E_TIMEOUT), "TERMINUS_E_TIMEOUT") == 0,
          "terminus_error_name(TERMINUS_E_TIMEOUT)");

    check(terminus_fake_new(&fake) == TERMINUS_OK, "terminus_fake_new");
    check(terminus_fake_process_add(fake, 42, TERMINUS_FAKE_EXITS_ON_REQUEST, 300, 7) ==
              TERMINUS_OK,
          "fake process 42 leaves 300 ms after a request");
    check(terminus_ctx_new(&ctx, terminus_fake_os(fake)) == TERMINUS_OK,
          "terminus_ctx_new over the fake");
    memset(&r, 0, sizeof r);
    check(terminus_terminate(ctx, 42, NULL, &r) == TERMINUS_OK, "terminus_terminate(42)");
    check(r.status == TERMINUS_OK && r.outcome == TERMINUS_OUTCOME_EXITED, "it exited on request");
    check(r.exit_code == 7, "with its exit code");
    check(r.elapsed_us == 300000, "after 300 ms of virtual time");
    check(terminus_terminate(ctx, 0, NULL, &r) == TERMINUS_E_INVALID, "pid 0 is invalid");
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);

#ifdef __linux__
    real_child();
    if (argc > 1 && strcmp(argv[1], "static") == 0)
        static_sessions();
#else
    (void)argc;
    (void)argv;
#endif

    printf("%s\n", fails ? "FAILED" : "all good");
    return fails ? 1 : 0;
}
