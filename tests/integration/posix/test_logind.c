/*
 * tests/integration/posix/test_logind.c: sessions through the Linux backend
 * against a logind mock on a private system bus: a dbus-daemon of type
 * "system" on a socket in a temp dir, and python3-dbusmock with the stricter
 * template logind_template.py. Remote: a fake `ssh` on PATH that bridges to
 * the private bus with systemd-stdio-bridge, so "user@host:port" goes
 * through sd_bus_open_system_remote for real.
 *
 *   test_logind NAME TEMPLATE   exit 0 = pass, 1 = fail, 77 = skipped
 *   test_logind --list          the names of the cases (tests/common/check.h)
 */
#include "util.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

#define MAPPED 0x80000000u

static pid_t daemon_pid, mock_pid;
static const char *template_path; /* the TEMPLATE argument */
static char bus_path[300], bus_addr[320];

static int have(const char *path)
{
    return access(path, X_OK) == 0;
}

static void start_bus(void)
{
    char conf[300];
    FILE *f;
    char *argv[6];
    char cfarg[320];

    path_in_dir(conf, sizeof conf, "bus.conf");
    path_in_dir(bus_path, sizeof bus_path, "bus");
    snprintf(bus_addr, sizeof bus_addr, "unix:path=%s", bus_path);
    f = fopen(conf, "w");
    if (f == NULL)
        exit(1);
    fprintf(f,
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
            " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
            "<busconfig>\n"
            "  <type>system</type>\n"
            "  <listen>%s</listen>\n"
            "  <auth>EXTERNAL</auth>\n"
            "  <policy context=\"default\">\n"
            "    <allow user=\"*\"/>\n"
            "    <allow own=\"*\"/>\n"
            "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
            "    <allow receive_sender=\"*\"/>\n"
            "  </policy>\n"
            "</busconfig>\n",
            bus_addr);
    fclose(f);
    snprintf(cfarg, sizeof cfarg, "--config-file=%s", conf);
    argv[0] = (char *)"/usr/bin/dbus-daemon";
    argv[1] = cfarg;
    argv[2] = (char *)"--nofork";
    argv[3] = (char *)"--nopidfile";
    argv[4] = NULL;
    daemon_pid = fork();
    if (daemon_pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2); /* "Failed to set fd limit" noise */
        execv(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 500 && !file_exists(bus_path); i++)
        sleep_ms(10);
    if (!file_exists(bus_path)) {
        fprintf(stderr, "dbus-daemon did not start\n");
        exit(1);
    }
    setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_addr, 1);
}

static sd_bus *test_bus(void)
{
    sd_bus *bus = NULL;
    /* the socket may exist a moment before the daemon accepts on it */
    for (int i = 0; i < 500; i++) {
        if (sd_bus_open_system(&bus) >= 0)
            return bus;
        sleep_ms(10);
    }
    fprintf(stderr, "cannot connect to the private bus\n");
    exit(1);
}

static void start_mock(const char *template)
{
    char log[300];
    sd_bus *bus;
    int owned = 0;

    path_in_dir(log, sizeof log, "mock.log");
    mock_pid = fork();
    if (mock_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char *argv[] = { (char *)"/usr/bin/python3",
                         (char *)"-m",
                         (char *)"dbusmock",
                         (char *)"--system",
                         (char *)"--template",
                         (char *)template,
                         NULL };
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    bus = test_bus();
    for (int i = 0; i < 1000 && !owned; i++) {
        sd_bus_message *reply = NULL;
        int b = 0;
        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s",
                               "org.freedesktop.login1") >= 0 &&
            sd_bus_message_read(reply, "b", &b) >= 0)
            owned = b;
        sd_bus_message_unref(reply);
        if (!owned)
            sleep_ms(10);
    }
    sd_bus_flush_close_unref(bus);
    if (!owned) {
        fprintf(stderr, "the logind mock did not start; see its log\n");
        exit(1);
    }
}

static void stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        reap(*pid);
        *pid = 0;
    }
}

static void stop_all(void)
{
    stop(&mock_pid);
    stop(&daemon_pid);
}

/* On every exit path: leave no daemon behind (it would hold the test's
 * output open) and no temp dir. */
static void at_exit(void)
{
    stop_all();
    cleanup_dir();
}

/* A call on the mock's control interface. */
static void mock_call(const char *method, const char *types, ...)
{
    sd_bus *bus = test_bus();
    sd_bus_error e = SD_BUS_ERROR_NULL;
    va_list ap;
    int r;
    va_start(ap, types);
    r = sd_bus_call_methodv(bus, "org.freedesktop.login1", "/org/freedesktop/login1",
                            "org.freedesktop.DBus.Mock", method, &e, NULL, types, ap);
    va_end(ap);
    if (r < 0) {
        fprintf(stderr, "mock %s: %s\n", method, e.message ? e.message : strerror(-r));
        exit(1);
    }
    sd_bus_error_free(&e);
    sd_bus_flush_close_unref(bus);
}

static void add_sessions(void)
{
    mock_call("AddSession", "ssusb", "3", "seat0", 1000u, "alice", 1);
    mock_call("AddSession", "ssusb", "c2", "seat0", 1001u, "bob", 0);
    mock_call("AddSession", "ssusb", "7", "seat0", 1002u, "carol", 0);
}

/* The bus, the mock on it and its three sessions: what every case but
 * "unavailable" starts with. */
static void mock_up(void)
{
    if (!have("/usr/bin/dbus-daemon") ||
        system("/usr/bin/python3 -c 'import dbusmock' >/dev/null 2>&1") != 0)
        SKIP("dbus-daemon or python3-dbusmock missing");
    start_bus();
    start_mock(template_path);
    add_sessions();
}

/* The listed session named name, or NULL. */
static const terminus_session_info *find(const terminus_session_info *list, size_t n,
                                         const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

static int listed(terminus_server *s, const char *name)
{
    terminus_session_info *list = NULL;
    size_t n = 0;
    int found;
    if (terminus_session_list(s, &list, &n) != TERMINUS_OK)
        return -1;
    found = find(list, n, name) != NULL;
    terminus_session_list_free(list);
    return found;
}

static int in_a_real_session(void)
{
    char *s = NULL;
    int r = sd_pid_get_session(0, &s);
    free(s);
    return r >= 0;
}

/* --- the tests ------------------------------------------------------------------ */

static void check_three(terminus_server *s)
{
    terminus_session_info *list = NULL;
    const terminus_session_info *x;
    size_t n = 0;
    int rc = terminus_session_list(s, &list, &n);

    CHECK_RC(rc, TERMINUS_OK);
    CHECK_MSG(n == 3, "%zu sessions", n);
    x = find(list, n, "3");
    CHECK_MSG(x != NULL && x->id == 3 && x->state == TERMINUS_SESSION_ACTIVE &&
                  strcmp(x->user, "alice") == 0,
              "session 3: %u %d %s", x ? x->id : 0, x ? x->state : -1, x ? x->user : "-");
    x = find(list, n, "c2");
    CHECK_MSG(x != NULL && x->id == MAPPED && x->state == TERMINUS_SESSION_CONNECTED &&
                  strcmp(x->user, "bob") == 0,
              "session c2: %#x %d %s", x ? x->id : 0, x ? x->state : -1, x ? x->user : "-");
    x = find(list, n, "7");
    CHECK_MSG(x != NULL && x->id == 7 && strcmp(x->user, "carol") == 0, "session 7");
    terminus_session_list_free(list);
}

static void test_list(void)
{
    terminus_server *s = NULL;
    uint64_t t0;
    int rc;

    mock_up();
    t0 = now_us();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    printf("server_open (local): %.2f ms\n", (double)(now_us() - t0) / 1000.0);
    t0 = now_us();
    check_three(s);
    printf("session_list of 3: %.2f ms\n", (double)(now_us() - t0) / 1000.0);
    check_three(s); /* the mapped id stays the same */

    /* a session that is closing */
    {
        sd_bus *bus = test_bus();
        terminus_session_info *list = NULL;
        size_t n = 0;
        const terminus_session_info *x;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r =
            sd_bus_set_property(bus, "org.freedesktop.login1", "/org/freedesktop/login1/session/7",
                                "org.freedesktop.login1.Session", "State", &e, "s", "closing");
        CHECK_MSG(r >= 0, "setting State: %s", e.message ? e.message : "");
        sd_bus_error_free(&e);
        sd_bus_flush_close_unref(bus);
        CHECK_RC(terminus_session_list(s, &list, &n), TERMINUS_OK);
        x = find(list, n, "7");
        CHECK_MSG(x != NULL && x->state == TERMINUS_SESSION_OTHER, "closing => %d",
                  x ? x->state : -1);
        terminus_session_list_free(list);
    }
    terminus_server_close(s);

    /* "" is this machine too */
    rc = terminus_server_open(NULL, "", &s);
    CHECK_RC(rc, TERMINUS_OK);
    terminus_server_close(s);
}

static void test_resolve(void)
{
    terminus_server *s = NULL;
    uint32_t id = 0;
    int rc;

    mock_up();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    CHECK_RC(terminus_session_resolve(s, "3", &id), TERMINUS_OK);
    CHECK_MSG(id == 3, "3 => %u", id);
    CHECK_RC(terminus_session_resolve(s, "c2", &id), TERMINUS_OK);
    CHECK_MSG(id == MAPPED, "c2 => %#x", id);
    CHECK_RC(terminus_session_resolve(s, "C2", &id), TERMINUS_OK);
    CHECK_MSG(id == MAPPED, "C2 => %#x", id);
    CHECK_RC(terminus_session_resolve(s, "7", &id), TERMINUS_OK);
    CHECK_MSG(id == 7, "7 => %u", id);
    CHECK_RC(terminus_session_resolve(s, "99", &id), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_resolve(s, "nosuch", &id), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_resolve(s, "alice", &id),
             TERMINUS_E_NOT_FOUND); /* a user, not a session */
    if (!in_a_real_session())
        CHECK_RC(terminus_session_resolve(s, NULL, &id), TERMINUS_E_NOT_FOUND);
    terminus_server_close(s);
}

static void test_logoff(void)
{
    terminus_server *s = NULL;
    uint32_t id = 0;
    int rc;

    mock_up();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_OK);
    CHECK_MSG(listed(s, "3") == 0, "session 3 still listed");
    CHECK_RC(terminus_session_resolve(s, "c2", &id), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, id, 0, 0), TERMINUS_OK);
    CHECK_MSG(listed(s, "c2") == 0, "session c2 still listed");
    CHECK_MSG(listed(s, "7") == 1, "session 7 gone too");
    CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_logoff(s, id, 0, 0), TERMINUS_E_NOT_FOUND);
    terminus_server_close(s);
}

static void test_logoff_wait(void)
{
    terminus_server *s = NULL;
    uint32_t c2 = 0;
    uint64_t t0;
    double ms;
    int rc;

    mock_up();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    CHECK_RC(terminus_session_resolve(s, "c2", &c2), TERMINUS_OK);

    /* removed at once */
    t0 = now_us();
    CHECK_RC(terminus_session_logoff(s, c2, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    ms = (double)(now_us() - t0) / 1000.0;
    CHECK_MSG(listed(s, "c2") == 0, "c2 still listed after WAIT");
    printf("logoff with WAIT, session removed at once: %.2f ms\n", ms);

    /* removed 300 ms after TerminateSession: WAIT waits for SessionRemoved */
    mock_call("SetRemoveDelay", "u", 300u);
    t0 = now_us();
    CHECK_RC(terminus_session_logoff(s, 3, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    ms = (double)(now_us() - t0) / 1000.0;
    CHECK_MSG(ms >= 250 && ms < 2000, "WAIT took %.1f ms for a 300 ms removal", ms);
    CHECK_MSG(listed(s, "3") == 0, "3 still listed after WAIT");
    printf("logoff with WAIT, session removed after 300 ms: %.1f ms\n", ms);

    /* never removed: E_TIMEOUT after timeout_ms */
    mock_call("KeepOnTerminate", "s", "7");
    t0 = now_us();
    CHECK_RC(terminus_session_logoff(s, 7, TERMINUS_SESSION_WAIT, 300), TERMINUS_E_TIMEOUT);
    ms = (double)(now_us() - t0) / 1000.0;
    CHECK_MSG(ms >= 300 && ms < 2000, "timeout after %.1f ms", ms);
    CHECK_MSG(listed(s, "7") == 1, "7 gone");
    /* timeout 0 only looks */
    t0 = now_us();
    CHECK_RC(terminus_session_logoff(s, 7, TERMINUS_SESSION_WAIT, 0), TERMINUS_E_TIMEOUT);
    CHECK_MSG(now_us() - t0 < 200000, "timeout 0 waited");
    terminus_server_close(s);

    /* A logind that does not answer at all (stopped): the wait keeps its
     * bound, GetSession included (timeout 0: one short look, 100 ms). */
    {
        const terminus_os *os = terminus_os_native();
        terminus_os_server *srv = NULL;
        rc = os->server_open(os->data, NULL, &srv);
        CHECK_RC(rc, TERMINUS_OK);
        if (rc == TERMINUS_OK) {
            kill(mock_pid, SIGSTOP);
            t0 = now_us();
            CHECK_RC(os->session_wait_gone(os->data, srv, 7, 300), TERMINUS_E_TIMEOUT);
            ms = (double)(now_us() - t0) / 1000.0;
            CHECK_MSG(ms >= 290 && ms < 500, "wait_gone(300 ms) on a stopped logind took %.1f ms",
                      ms);
            printf("wait_gone(300 ms), logind stopped: %.1f ms\n", ms);
            t0 = now_us();
            CHECK_RC(os->session_wait_gone(os->data, srv, 7, 0), TERMINUS_E_TIMEOUT);
            ms = (double)(now_us() - t0) / 1000.0;
            CHECK_MSG(ms < 200, "wait_gone(0) on a stopped logind took %.1f ms", ms);
            printf("wait_gone(0), logind stopped: %.1f ms\n", ms);
            kill(mock_pid, SIGCONT);
            os->server_close(os->data, srv);
        }
    }
}

static void test_unknown(void)
{
    terminus_server *s = NULL;
    int rc;

    mock_up();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    CHECK_RC(terminus_session_logoff(s, 99, 0, 0), TERMINUS_E_NOT_FOUND);
    CHECK_MSG(strstr(terminus_error_last()->message, "NoSuchSession") != NULL, "message: %s",
              terminus_error_last()->message);
    CHECK_RC(terminus_session_logoff(s, 99, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_logoff(s, MAPPED + 5, 0, 0), TERMINUS_E_NOT_FOUND); /* never listed */
    CHECK_MSG(listed(s, "3") == 1 && listed(s, "c2") == 1 && listed(s, "7") == 1,
              "a session went away");
    terminus_server_close(s);
}

static void test_denied(void)
{
    terminus_server *s = NULL;
    int rc;

    mock_up();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc != TERMINUS_OK)
        return;
    mock_call("DenyTerminate", "s", "3");
    CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_E_ACCESS_DENIED);
    CHECK_MSG(strstr(terminus_error_last()->message, "AccessDenied") != NULL, "message: %s",
              terminus_error_last()->message);
    CHECK_RC(terminus_session_logoff(s, 3, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_ACCESS_DENIED);
    CHECK_MSG(listed(s, "3") == 1, "a denied session went away");
    terminus_server_close(s);
}

static void test_unavailable(void)
{
    terminus_server *s = NULL;
    char none[300], addr[320];
    int rc;

    if (!have("/usr/bin/dbus-daemon"))
        SKIP("dbus-daemon missing");
    /* no bus at all */
    path_in_dir(none, sizeof none, "no-such-socket");
    snprintf(addr, sizeof addr, "unix:path=%s", none);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_E_UNAVAILABLE);
    CHECK_MSG(s == NULL, "a server handed out");
    CHECK_RC(terminus_logoff(NULL, 0),
             in_a_real_session() ? TERMINUS_E_UNAVAILABLE : TERMINUS_E_NOT_FOUND);

    /* a bus, but no logind on it */
    start_bus();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_E_UNAVAILABLE);

    /* logind goes away under an open server */
    start_mock(template_path);
    add_sessions();
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc == TERMINUS_OK) {
        terminus_session_info *list = NULL;
        size_t n = 0;
        stop(&mock_pid);
        rc = terminus_session_list(s, &list, &n);
        CHECK_RC(rc, TERMINUS_E_UNAVAILABLE);
        /* and the bus too */
        stop(&daemon_pid);
        rc = terminus_session_list(s, &list, &n);
        CHECK_RC(rc, TERMINUS_E_UNAVAILABLE);
        CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_E_UNAVAILABLE);
        terminus_server_close(s);
    }
}

static void test_logoff_self(void)
{
    terminus_server *s = NULL;
    uint32_t id = 0;
    int rc;

    mock_up();
    if (in_a_real_session()) {
        /* never log the developer off: the bus is the mock's, which knows no
         * real session, so this can only fail */
        CHECK_RC(terminus_logoff(NULL, 0), TERMINUS_E_NOT_FOUND);
        return;
    }
    CHECK_RC(terminus_logoff(NULL, 0), TERMINUS_E_NOT_FOUND);
    CHECK_MSG(strstr(terminus_error_last()->message, "sd_pid_get_session") != NULL, "message: %s",
              terminus_error_last()->message);
    CHECK_RC(terminus_logoff(NULL, TERMINUS_LOGOFF_FORCE), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_logoff(NULL, TERMINUS_LOGOFF_FORCE_IF_HUNG), TERMINUS_E_NOT_FOUND);
    rc = terminus_server_open(NULL, NULL, &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc == TERMINUS_OK) {
        CHECK_RC(terminus_session_logoff(s, TERMINUS_SESSION_CURRENT, 0, 0), TERMINUS_E_NOT_FOUND);
        CHECK_RC(terminus_session_resolve(s, NULL, &id), TERMINUS_E_NOT_FOUND);
        terminus_server_close(s);
    }
}

static const char *find_bridge(void)
{
    static const char *const places[] = { "/usr/bin/systemd-stdio-bridge",
                                          "/usr/lib/systemd/systemd-stdio-bridge",
                                          "/lib/systemd/systemd-stdio-bridge" };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (have(places[i]))
            return places[i];
    return NULL;
}

static void test_remote(void)
{
    terminus_server *s = NULL;
    char bindir[300], ssh[320], log[300], path[4096];
    const char *bridge = find_bridge();
    uint32_t c2 = 0;
    uint64_t t0;
    FILE *f;
    int rc;

    mock_up();
    if (bridge == NULL)
        SKIP("no systemd-stdio-bridge on this machine");
    path_in_dir(bindir, sizeof bindir, "bin");
    path_in_dir(log, sizeof log, "ssh.log");
    mkdir(bindir, 0755);
    snprintf(ssh, sizeof ssh, "%s/ssh", bindir);
    f = fopen(ssh, "w");
    if (f == NULL)
        exit(1);
    fprintf(
        f,
        "#!/bin/sh\n"
        "# a fake ssh: record the arguments, then bridge to the private bus\n"
        "echo \"$@\" >> '%s'\n"
        "for a; do case \"$a\" in *unreachable*)\n"
        "  echo \"ssh: connect to host $a port 22: No route to host\" >&2; exit 255;; esac; done\n"
        "exec '%s' --bus-path='%s'\n",
        log, bridge, bus_addr);
    fclose(f);
    chmod(ssh, 0755);
    snprintf(path, sizeof path, "%s:%s", bindir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", path, 1);

    t0 = now_us();
    rc = terminus_server_open(NULL, "alice@testhost:2222", &s);
    CHECK_RC(rc, TERMINUS_OK);
    if (rc == TERMINUS_OK) {
        uint32_t id;
        printf("server_open (remote through ssh): %.1f ms\n", (double)(now_us() - t0) / 1000.0);
        check_three(s);
        CHECK_RC(terminus_session_resolve(s, NULL, &id), TERMINUS_E_NOT_FOUND);
        CHECK_RC(terminus_session_resolve(s, "c2", &c2), TERMINUS_OK);
        CHECK_RC(terminus_session_logoff(s, c2, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
        CHECK_MSG(listed(s, "c2") == 0, "c2 still listed");
        CHECK_RC(terminus_session_logoff(s, 99, 0, 0), TERMINUS_E_NOT_FOUND);
        terminus_server_close(s);
    }
    CHECK_MSG(file_contains(log, "alice@testhost"), "ssh did not get the host");
    CHECK_MSG(file_contains(log, "-p 2222"), "ssh did not get the port");
    CHECK_MSG(file_contains(log, "systemd-stdio-bridge"), "ssh did not get the bridge");

    s = NULL;
    rc = terminus_server_open(NULL, "bob@unreachable", &s);
    CHECK_RC(rc, TERMINUS_E_UNAVAILABLE);
    CHECK_MSG(s == NULL, "a server handed out");
}

/* Before each case: the TEMPLATE argument and a fresh directory; the bus and
 * the mock are stopped after it, and on every exit path too. */
static void setup(char **args)
{
    template_path = args[0];
    signal(SIGPIPE, SIG_IGN);
    make_dir();
    atexit(at_exit);
}

static const h_test tests[] = {
    { "list", test_list, 0 },
    { "resolve", test_resolve, 0 },
    { "logoff", test_logoff, 0 },
    { "logoff-wait", test_logoff_wait, 0 },
    { "unknown", test_unknown, 0 },
    { "denied", test_denied, 0 },
    { "unavailable", test_unavailable, 0 },
    { "logoff-self", test_logoff_self, 0 },
    { "remote", test_remote, 0 },
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
        .nargs = 1,
        .usage = "TEMPLATE",
        .setup = setup,
        .teardown = at_exit,
    };

    return h_main(&program, argc, argv);
}
