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

#include <termios.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

/*
 * The terminus id of a logind id, written here from its documentation
 * (include/terminus/session.h, terminus_session_info::id), not from the
 * backend's code: N stays N, "cN" is 0x80000000 + N, anything else
 * 0xC0000000 | (FNV-1a 32 % 0x3FFFFFFF).
 */
static uint32_t derived_id(const char *lid)
{
    uint64_t n = 0;
    uint32_t h = 2166136261u;
    const char *digits = lid[0] == 'c' ? lid + 1 : lid;
    uint64_t limit = lid[0] == 'c' ? 0x40000000u : 0x80000000u;
    int canonical = digits[0] >= '0' && digits[0] <= '9' && (digits[0] != '0' || digits[1] == '\0');

    for (const char *c = digits; canonical && *c != '\0'; c++) {
        if (*c < '0' || *c > '9' || (n = n * 10 + (uint64_t)(*c - '0')) >= limit)
            canonical = 0;
    }
    if (canonical && lid[0] == 'c')
        return 0x80000000u + (uint32_t)n;
    if (canonical && n != 0)
        return (uint32_t)n;
    for (const unsigned char *p = (const unsigned char *)lid; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return 0xC0000000u | (h % 0x3FFFFFFFu);
}

/* c2's id */
#define MAPPED 0x80000002u

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
static void mock_empty(void)
{
    if (!have("/usr/bin/dbus-daemon") ||
        system("/usr/bin/python3 -c 'import dbusmock' >/dev/null 2>&1") != 0)
        SKIP("dbus-daemon or python3-dbusmock missing");
    start_bus();
    start_mock(template_path);
}

static void mock_up(void)
{
    mock_empty();
    add_sessions();
}

static void add_session(const char *lid, uint32_t uid, const char *user)
{
    mock_call("AddSession", "ssusb", lid, "seat0", uid, user, 0);
}

/* logind's own TerminateSession on the mock, as another program would call
 * it: the session is removed at once. */
static void end_session(const char *lid)
{
    sd_bus *bus = test_bus();
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_call_method(bus, "org.freedesktop.login1", "/org/freedesktop/login1",
                               "org.freedesktop.login1.Manager", "TerminateSession", &e, NULL, "s",
                               lid);
    if (r < 0) {
        fprintf(stderr, "TerminateSession(%s): %s\n", lid, e.message ? e.message : strerror(-r));
        exit(1);
    }
    sd_bus_error_free(&e);
    sd_bus_flush_close_unref(bus);
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
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no session has the id 99");
    CHECK_RC(terminus_session_logoff(s, 99, TERMINUS_SESSION_WAIT, 1000), TERMINUS_E_NOT_FOUND);
    CHECK_RC(terminus_session_logoff(s, MAPPED + 5, 0, 0), TERMINUS_E_NOT_FOUND); /* never listed */
    CHECK_RC(terminus_session_logoff(s, derived_id("x"), 0, 0), TERMINUS_E_NOT_FOUND);
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
        /* details and blockers come over ssh; a remote session's terminal
         * cannot be written to */
        {
            terminus_session_details *l = NULL;
            terminus_blocker *b = NULL;
            size_t n = 0;
            CHECK_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
            CHECK_EQ(n, 2);
            terminus_session_details_free(l);
            mock_call("AddInhibitor", "ssssuu", "shutdown", "updater", "Installing", "block", 0u,
                      77u);
            CHECK_RC(terminus_session_blockers(s, 3, &b, &n), TERMINUS_OK);
            CHECK_EQ(n, 1);
            terminus_blockers_free(b);
            CHECK_RC(terminus_session_message(s, 3, NULL, "hello", 0), TERMINUS_E_UNSUPPORTED);
            CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "remote server");
        }
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

/* The id the list gives the session named lid, or 0 when it is not listed. */
static uint32_t listed_id(terminus_server *s, const char *lid)
{
    terminus_session_info *list = NULL;
    const terminus_session_info *x;
    size_t n = 0;
    uint32_t id = 0;

    if (terminus_session_list(s, &list, &n) != TERMINUS_OK)
        return 0;
    x = find(list, n, lid);
    if (x != NULL)
        id = x->id;
    terminus_session_list_free(list);
    return id;
}

/*
 * An id printed by one process names the same session in the next, whatever
 * ended in between: c1, c2 and c3 are listed; c1 ends; a new process (a
 * child with its own server, which lists the sessions first, as `logoff`
 * does) logs off the id listed for c2: c2 goes, c3 stays with its id.
 */
static void test_stable_ids(void)
{
    terminus_server *s = NULL;
    uint32_t c2, c3;
    int status = -1;
    pid_t child;

    mock_empty();
    add_session("c1", 1001, "bob");
    add_session("c2", 1002, "carol");
    add_session("c3", 1003, "dave");
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    c2 = listed_id(s, "c2");
    c3 = listed_id(s, "c3");
    CHECK_EQ(listed_id(s, "c1"), 0x80000001u);
    CHECK_EQ(c2, 0x80000002u);
    CHECK_EQ(c3, 0x80000003u);
    end_session("c1");
    CHECK_EQ(listed(s, "c1"), 0);

    fflush(stdout);
    child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        terminus_server *t = NULL;
        terminus_session_info *list = NULL;
        size_t n = 0;
        int rc = terminus_server_open(NULL, NULL, &t);
        if (rc == TERMINUS_OK)
            rc = terminus_session_list(t, &list, &n);
        terminus_session_list_free(list);
        if (rc == TERMINUS_OK)
            rc = terminus_session_logoff(t, c2, TERMINUS_SESSION_WAIT, 5000);
        if (rc != TERMINUS_OK)
            printf("# child: %s: %s\n", terminus_error_name(rc), terminus_error_last()->message);
        fflush(stdout);
        _exit(rc == TERMINUS_OK ? 0 : 1);
    }
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's logoff: status %#x",
              status);
    CHECK_MSG(listed(s, "c2") == 0, "c2 is still there");
    CHECK_MSG(listed(s, "c3") == 1, "c3 was logged off in c2's place");
    CHECK_EQ(listed_id(s, "c3"), c3);
    /* and in this process, with the same server */
    CHECK_RC(terminus_session_logoff(s, c3, 0, 0), TERMINUS_OK);
    CHECK_EQ(listed(s, "c3"), 0);
    terminus_server_close(s);
}

/*
 * logind ids that are not what they look like: "2147483648" (digits, too
 * large to keep its number), "01" (not session 1), "0" (not id 0, which is
 * refused for logoff), "c01" (not c1). Each gets the documented id, can be
 * named, and a logoff of it touches only it.
 */
static void test_odd_ids(void)
{
    static const char *const odd[] = { "2147483648", "01", "0", "c01", "c1073741824" };
    terminus_server *s = NULL;
    uint32_t id = 0;

    mock_empty();
    add_session("1", 1001, "bob");
    add_session("c1", 1002, "carol");
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        add_session(odd[i], 1003, "dave");
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    CHECK_EQ(listed_id(s, "1"), 1);
    CHECK_EQ(listed_id(s, "c1"), 0x80000001u);
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        uint32_t want = derived_id(odd[i]);
        CHECK_MSG(want >= 0xC0000000u && want != TERMINUS_SESSION_CURRENT, "%s => %#x", odd[i],
                  want);
        CHECK_EQ(listed_id(s, odd[i]), want);
        CHECK_RC(terminus_session_resolve(s, odd[i], &id), TERMINUS_OK);
        CHECK_MSG(id == want, "resolve %s => %#x, not %#x", odd[i], id, want);
    }
    /* "2147483648" names the session of that name (no session has that id) */
    CHECK_RC(terminus_session_resolve(s, "2147483648", &id), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, id, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    CHECK_EQ(listed(s, "2147483648"), 0);
    /* "01" is not session 1 */
    CHECK_RC(terminus_session_resolve(s, "01", &id), TERMINUS_OK);
    CHECK_NE(id, 1);
    CHECK_RC(terminus_session_logoff(s, id, 0, 0), TERMINUS_OK);
    CHECK_EQ(listed(s, "01"), 0);
    CHECK_EQ(listed(s, "1"), 1);
    CHECK_RC(terminus_session_resolve(s, "01", &id), TERMINUS_E_NOT_FOUND);
    /* "0" can be logged off: its id is not 0 */
    CHECK_RC(terminus_session_resolve(s, "0", &id), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, id, 0, 0), TERMINUS_OK);
    CHECK_EQ(listed(s, "0"), 0);
    /* "c01" is not c1 */
    CHECK_RC(terminus_session_resolve(s, "c01", &id), TERMINUS_OK);
    CHECK_RC(terminus_session_logoff(s, id, 0, 0), TERMINUS_OK);
    CHECK_EQ(listed(s, "c01"), 0);
    CHECK_EQ(listed(s, "c1"), 1);
    CHECK_EQ(listed(s, "1"), 1);
    CHECK_EQ(listed(s, "c1073741824"), 1);
    terminus_server_close(s);
}

/*
 * Two logind ids whose hashes collide ("x58975" and "x329405", both
 * 0xfa6d2ac0): the shared id names neither; a logoff by it is refused,
 * naming both, and nothing is logged off. Each is still named by its name.
 */
static void test_collision(void)
{
    terminus_server *s = NULL;
    uint32_t id = 0;

    mock_up();
    add_session("x58975", 1003, "dave");
    add_session("x329405", 1004, "erin");
    CHECK_EQ(derived_id("x58975"), 0xfa6d2ac0u);
    CHECK_EQ(derived_id("x329405"), 0xfa6d2ac0u);
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    CHECK_EQ(listed_id(s, "x58975"), 0xfa6d2ac0u);
    CHECK_EQ(listed_id(s, "x329405"), 0xfa6d2ac0u);
    CHECK_RC(terminus_session_logoff(s, 0xfa6d2ac0u, 0, 0), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "\"x58975\"");
    CHECK_ERROR(TERMINUS_E_INVALID, "\"x329405\"");
    CHECK_ERROR(TERMINUS_E_INVALID, "name the session");
    CHECK_RC(terminus_session_logoff(s, 0xfa6d2ac0u, TERMINUS_SESSION_WAIT, 1000),
             TERMINUS_E_INVALID);
    CHECK_RC(terminus_session_resolve(s, "4201458368", &id), TERMINUS_E_INVALID);
    CHECK_EQ(listed(s, "x58975"), 1);
    CHECK_EQ(listed(s, "x329405"), 1);
    CHECK_RC(terminus_session_resolve(s, "x329405", &id), TERMINUS_OK);
    CHECK_EQ(id, 0xfa6d2ac0u);
    /* the wait alone refuses it too (the backend member, as the core calls it) */
    {
        const terminus_os *os = terminus_os_native();
        terminus_os_server *srv = NULL;
        REQUIRE_RC(os->server_open(os->data, NULL, &srv), TERMINUS_OK);
        CHECK_RC(os->session_wait_gone(os->data, srv, 0xfa6d2ac0u, 100), TERMINUS_E_INVALID);
        os->server_close(os->data, srv);
    }
    /* once one of them is gone, the id names the other */
    end_session("x58975");
    CHECK_RC(terminus_session_logoff(s, 0xfa6d2ac0u, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    CHECK_EQ(listed(s, "x329405"), 0);
    CHECK_EQ(listed(s, "3"), 1);
    terminus_server_close(s);
}

/*
 * Malformed server names are INVALID with a message saying what is wrong
 * (the core checks them); the backend itself, given a name sd-bus cannot
 * read, says INVALID too (not NOT_FOUND) with a message built once.
 */
static void test_bad_names(void)
{
    static const struct {
        const char *name, *fault;
    } bad[] = {
        { "host:", "no port" },
        { "user@", "no host" },
        { "[::1", "without ']'" },
        { "host:22:33", "more than one ':'" },
    };
    const terminus_os *os = terminus_os_native();

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        terminus_server *s = NULL;
        terminus_os_server *srv = NULL;

        CHECK_RC(terminus_server_open(NULL, bad[i].name, &s), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, bad[i].fault);
        CHECK_MSG(s == NULL, "a server for %s", bad[i].name);
        terminus_error_clear();
        CHECK_RC(os->server_open(os->data, bad[i].name, &srv), TERMINUS_E_INVALID);
        CHECK_ERROR(TERMINUS_E_INVALID, "sd_bus_open_system_remote");
        CHECK_ERROR(TERMINUS_E_INVALID, bad[i].name);
        CHECK_ERROR(TERMINUS_E_INVALID, "cannot read the server name");
        CHECK_MSG(srv == NULL, "a server for %s", bad[i].name);
    }
}

/*
 * A server belongs to the process that opened it: in a child after fork()
 * every use is UNAVAILABLE at once, saying so, and touches nothing (the
 * session the child tried to log off is still there, the parent's server
 * still works); the child's own server works.
 */
static void test_fork(void)
{
    terminus_server *s = NULL;
    int status = -1;
    pid_t child, parent = getpid();

    mock_up();
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    CHECK_EQ(listed(s, "3"), 1);
    fflush(stdout);
    child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        terminus_server *t = NULL;
        terminus_session_info *list = NULL;
        size_t n = 0;
        uint32_t id = 0;
        char want[128];

        snprintf(want, sizeof want,
                 "server opened by process %ld, used in its child %ld after fork(): open a new one",
                 (long)parent, (long)getpid());
        CHECK_RC(terminus_session_list(s, &list, &n), TERMINUS_E_UNAVAILABLE);
        CHECK_ERROR(TERMINUS_E_UNAVAILABLE, want);
        CHECK_EQ(terminus_error_last()->os_code, ECHILD);
        CHECK_RC(terminus_session_logoff(s, 3, 0, 0), TERMINUS_E_UNAVAILABLE);
        CHECK_ERROR(TERMINUS_E_UNAVAILABLE, want);
        CHECK_RC(terminus_session_logoff(s, 7, TERMINUS_SESSION_WAIT, 1000),
                 TERMINUS_E_UNAVAILABLE);
        CHECK_RC(terminus_session_resolve(s, "c2", &id), TERMINUS_E_UNAVAILABLE);
        CHECK_RC(terminus_session_resolve(s, NULL, &id), TERMINUS_E_UNAVAILABLE);
        CHECK_ERROR(TERMINUS_E_UNAVAILABLE, want);
        {
            terminus_session_details *l = NULL;
            terminus_blocker *b = NULL;
            terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
            flt.user = "alice";
            CHECK_RC(terminus_session_details_list(s, &l, &n), TERMINUS_E_UNAVAILABLE);
            CHECK_ERROR(TERMINUS_E_UNAVAILABLE, want);
            CHECK_RC(terminus_session_blockers(s, 3, &b, &n), TERMINUS_E_UNAVAILABLE);
            CHECK_RC(terminus_session_message(s, 3, NULL, "x", 0), TERMINUS_E_UNAVAILABLE);
            CHECK_RC(terminus_session_logoff_matching(s, &flt, NULL, NULL, NULL),
                     TERMINUS_E_UNAVAILABLE);
            CHECK_ERROR(TERMINUS_E_UNAVAILABLE, want);
        }
        terminus_server_close(s); /* frees only what is the child's */
        /* its own server works */
        CHECK_RC(terminus_server_open(NULL, NULL, &t), TERMINUS_OK);
        if (t != NULL)
            CHECK_EQ(listed(t, "3"), 1);
        terminus_server_close(t);
        fflush(stdout);
        _exit(h_failures == 0 ? 0 : 1);
    }
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's checks: status %#x",
              status);
    /* nothing was logged off, and the parent's server still works */
    CHECK_EQ(listed(s, "3"), 1);
    CHECK_EQ(listed(s, "7"), 1);
    CHECK_RC(terminus_session_logoff(s, 3, TERMINUS_SESSION_WAIT, 5000), TERMINUS_OK);
    CHECK_EQ(listed(s, "3"), 0);
    terminus_server_close(s);
}

/* --- sessions an administrator acts on ------------------------------------------- */

/* UpdateProperties on a session's object: a{sv} of (name, type, value)
 * triples; the types used: "b" (int), "t" (uint64_t), "s" (const char *). */
static void set_props(const char *lid, unsigned n, ...)
{
    sd_bus *bus = test_bus();
    sd_bus_message *m = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    char path[128];
    va_list ap;
    int r;

    snprintf(path, sizeof path, "/org/freedesktop/login1/session/%s", lid);
    r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.login1", path,
                                       "org.freedesktop.DBus.Mock", "UpdateProperties");
    if (r >= 0)
        r = sd_bus_message_append(m, "s", "org.freedesktop.login1.Session");
    if (r >= 0)
        r = sd_bus_message_open_container(m, 'a', "{sv}");
    va_start(ap, n);
    for (unsigned i = 0; r >= 0 && i < n; i++) {
        const char *name = va_arg(ap, const char *), *type = va_arg(ap, const char *);
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
            r = sd_bus_message_append(m, "s", name);
        if (r >= 0 && type[0] == 'b')
            r = sd_bus_message_append(m, "v", "b", va_arg(ap, int));
        else if (r >= 0 && type[0] == 't')
            r = sd_bus_message_append(m, "v", "t", va_arg(ap, uint64_t));
        else if (r >= 0)
            r = sd_bus_message_append(m, "v", "s", va_arg(ap, const char *));
        if (r >= 0)
            r = sd_bus_message_close_container(m);
    }
    va_end(ap);
    if (r >= 0)
        r = sd_bus_message_close_container(m);
    if (r >= 0)
        r = sd_bus_call(bus, m, 0, &e, NULL);
    if (r < 0) {
        fprintf(stderr, "UpdateProperties(%s): %s\n", lid, e.message ? e.message : strerror(-r));
        exit(1);
    }
    sd_bus_message_unref(m);
    sd_bus_error_free(&e);
    sd_bus_flush_close_unref(bus);
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const terminus_session_details *find_details(const terminus_session_details *l, size_t n,
                                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].name, name) == 0)
            return &l[i];
    return NULL;
}

/* Every property the details read, from the mock as logind gives them. */
static void test_details(void)
{
    terminus_server *s = NULL;
    terminus_session_details *l = NULL;
    const terminus_session_details *d;
    const int64_t now = wall_us();
    size_t n = 0;
    uint64_t t0;
    int64_t idle;

    mock_up();
    set_props("c2", 9, "Remote", "b", 1, "RemoteHost", "s", "laptop.example", "Type", "s", "tty",
              "TTY", "s", "pts/9", "Class", "s", "user", "Timestamp", "t",
              (uint64_t)(now - 3600 * INT64_C(1000000)), "IdleHint", "b", 1, "IdleSinceHint", "t",
              (uint64_t)(now - 600 * INT64_C(1000000)), "State", "s", "online");
    set_props("7", 2, "Type", "s", "x11", "Class", "s", "greeter");
    set_props("3", 3, "IdleHint", "b", 0, "IdleSinceHint", "t",
              (uint64_t)(now - 60 * INT64_C(1000000)), "Type", "s", "web");
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    t0 = now_us();
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    printf("session_details of 3: %.2f ms\n", (double)(now_us() - t0) / 1000.0);
    CHECK_EQ(n, 3);
    d = find_details(l, n, "c2");
    REQUIRE(d != NULL);
    CHECK_EQ(d->id, MAPPED);
    CHECK_EQ(d->state, TERMINUS_SESSION_CONNECTED);
    CHECK_STR_EQ(d->user, "bob");
    CHECK_EQ(d->remote, 1);
    CHECK_STR_EQ(d->client, "laptop.example");
    CHECK_STR_EQ(d->address, "");
    CHECK_EQ(d->type, TERMINUS_SESSION_TYPE_TTY);
    CHECK_EQ(d->session_class, TERMINUS_SESSION_CLASS_USER);
    CHECK_STR_EQ(d->tty, "pts/9");
    CHECK_STR_EQ(d->seat, "seat0");
    CHECK_EQ(d->logon_us, now - 3600 * INT64_C(1000000));
    CHECK_EQ(d->idle_hint, 1);
    CHECK_EQ(d->idle_since_us, now - 600 * INT64_C(1000000));
    CHECK_EQ(d->disconnect_us, 0);
    CHECK(d->now_us >= now && d->now_us < now + 30 * INT64_C(1000000));
    idle = terminus_session_idle_ms(d);
    CHECK_MSG(idle >= 600000 && idle < 630000, "c2 idle %lld ms", (long long)idle);
    d = find_details(l, n, "7");
    REQUIRE(d != NULL);
    CHECK_EQ(d->type, TERMINUS_SESSION_TYPE_X11);
    CHECK_EQ(d->session_class, TERMINUS_SESSION_CLASS_GREETER);
    CHECK_EQ(d->remote, 0);
    CHECK_STR_EQ(d->tty, "");
    /* AddSession's logon time is its own time */
    CHECK_MSG(d->logon_us > now - 120 * INT64_C(1000000) && d->logon_us <= d->now_us,
              "7 logged on at %lld", (long long)d->logon_us);
    d = find_details(l, n, "3");
    REQUIRE(d != NULL);
    CHECK_EQ(d->state, TERMINUS_SESSION_ACTIVE);
    CHECK_EQ(d->type, TERMINUS_SESSION_TYPE_OTHER);
    CHECK_EQ(d->idle_hint, 0);
    CHECK_EQ(d->idle_since_us, 0); /* the last change, not an idleness: not idle */
    CHECK_EQ(terminus_session_idle_ms(d), 0);
    terminus_session_details_free(l);

    /* classes and types terminus has a name for, and the others */
    set_props("3", 2, "Class", "s", "user-early", "Type", "s", "wayland");
    set_props("7", 2, "Class", "s", "background-light", "Type", "s", "unspecified");
    set_props("c2", 2, "Class", "s", "lock-screen", "Type", "s", "");
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    CHECK_EQ(find_details(l, n, "3")->session_class, TERMINUS_SESSION_CLASS_USER);
    CHECK_EQ(find_details(l, n, "3")->type, TERMINUS_SESSION_TYPE_WAYLAND);
    CHECK_EQ(find_details(l, n, "7")->session_class, TERMINUS_SESSION_CLASS_BACKGROUND);
    CHECK_EQ(find_details(l, n, "7")->type, TERMINUS_SESSION_TYPE_OTHER);
    CHECK_EQ(find_details(l, n, "c2")->session_class, TERMINUS_SESSION_CLASS_LOCK_SCREEN);
    CHECK_EQ(find_details(l, n, "c2")->type, TERMINUS_SESSION_TYPE_UNKNOWN);
    terminus_session_details_free(l);
    set_props("7", 1, "Class", "s", "manager");
    REQUIRE_RC(terminus_session_details_list(s, &l, &n), TERMINUS_OK);
    CHECK_EQ(find_details(l, n, "7")->session_class, TERMINUS_SESSION_CLASS_OTHER);
    terminus_session_details_free(l);
    terminus_server_close(s);
}

/* The ids (names) of the outcomes, "c2 7 ". */
static const char *outcome_names(const terminus_session_outcome *o, size_t n)
{
    static char buf[256];
    size_t at = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && at + 70 < sizeof buf; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s ", o[i].session.name);
    return buf;
}

static void test_select(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s = NULL;
    const int64_t now = wall_us();
    size_t n = 0;

    mock_up();
    add_session("c4", 1001, "bob");
    set_props("c2", 2, "IdleHint", "b", 1, "IdleSinceHint", "t",
              (uint64_t)(now - 7200 * INT64_C(1000000)));
    set_props("c4", 2, "IdleHint", "b", 1, "IdleSinceHint", "t",
              (uint64_t)(now - 120 * INT64_C(1000000)));
    set_props("7", 3, "Class", "s", "greeter", "IdleHint", "b", 1, "IdleSinceHint", "t",
              (uint64_t)(now - 9000 * INT64_C(1000000)));
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);

    /* a dry run: idle an hour or more; the login screen never */
    o.flags = TERMINUS_SESSION_DRY_RUN;
    flt.flags = TERMINUS_FILTER_IDLE;
    flt.idle_ms = 3600000;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_OK);
    CHECK_STR_EQ(outcome_names(out, n), "c2 ");
    terminus_session_outcomes_free(out);
    flt.idle_ms = 60000;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_OK);
    CHECK_STR_EQ(outcome_names(out, n), "c2 c4 ");
    terminus_session_outcomes_free(out);
    CHECK_EQ(listed(s, "c2"), 1);
    /* carol's only session is the login screen */
    flt.flags = 0;
    flt.user = "carol";
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no session matched (4 listed)");
    CHECK(out == NULL && n == 0);
    /* bob's sessions, idle two minutes or more: both, for real */
    o.flags = TERMINUS_SESSION_WAIT;
    o.timeout_ms = 5000;
    flt.user = "BOB";
    flt.flags = TERMINUS_FILTER_IDLE;
    flt.idle_ms = 120000;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_OK);
    CHECK_STR_EQ(outcome_names(out, n), "c2 c4 ");
    terminus_session_outcomes_free(out);
    CHECK_EQ(listed(s, "c2"), 0);
    CHECK_EQ(listed(s, "c4"), 0);
    CHECK_EQ(listed(s, "3"), 1);
    CHECK_EQ(listed(s, "7"), 1);
    /* by state: logind's "active" */
    flt.user = NULL;
    flt.flags = 0;
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_ACTIVE);
    mock_call("DenyTerminate", "s", "3");
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "AccessDenied");
    REQUIRE(n == 1);
    CHECK_CONTAINS(out[0].message, "TerminateSession");
    terminus_session_outcomes_free(out);
    CHECK_EQ(listed(s, "3"), 1);
    terminus_server_close(s);
}

/* A pseudo-terminal in raw mode (no output processing: the bytes written to
 * its slave are what its master reads). Returns the master; the slave's
 * name ("pts/N") in name. */
static int open_pty(char *name, size_t size, int *slave)
{
    struct termios t;
    const char *path;
    int m = posix_openpt(O_RDWR | O_NOCTTY);

    REQUIRE(m >= 0);
    REQUIRE(grantpt(m) == 0 && unlockpt(m) == 0);
    path = ptsname(m);
    REQUIRE(path != NULL && strncmp(path, "/dev/", 5) == 0);
    snprintf(name, size, "%s", path + 5);
    *slave = open(path, O_RDWR | O_NOCTTY);
    REQUIRE(*slave >= 0);
    REQUIRE(tcgetattr(*slave, &t) == 0);
    cfmakeraw(&t);
    REQUIRE(tcsetattr(*slave, TCSANOW, &t) == 0);
    return m;
}

/* What the master has to read within ms (NUL-terminated). */
static size_t read_pty(int m, char *buf, size_t size, int ms)
{
    size_t len = 0;
    struct pollfd p = { m, POLLIN, 0 };

    while (len + 1 < size && poll(&p, 1, len == 0 ? ms : 100) > 0) {
        ssize_t r = read(m, buf + len, size - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return len;
}

static void test_message(void)
{
    terminus_server *s = NULL;
    char pts[64], got[2048];
    uint64_t t0;
    double ms;
    int slave, m;

    mock_up();
    m = open_pty(pts, sizeof pts, &slave);
    set_props("c2", 2, "Type", "s", "tty", "TTY", "s", pts);
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_message(s, MAPPED, "Maintenance", "Save your work.\nLogoff at 18:00.",
                                      60000),
             TERMINUS_OK);
    read_pty(m, got, sizeof got, 2000);
    CHECK_MSG(strncmp(got, "\r\nMaintenance (", 15) == 0, "wrote \"%s\"", got);
    CHECK_CONTAINS(got, "):\r\n\r\nSave your work.\r\nLogoff at 18:00.\r\n");
    CHECK_MSG(strstr(got, "18:00.\r\n") + 8 == got + strlen(got), "more after the text: \"%s\"",
              got);
    /* the default title */
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_OK);
    read_pty(m, got, sizeof got, 2000);
    CHECK_MSG(strncmp(got, "\r\nterminus (", 12) == 0, "wrote \"%s\"", got);

    /* no channel to the user: said so, nothing written */
    set_props("c2", 2, "Type", "s", "x11", "TTY", "s", "");
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session c2 is graphical (x11): logind has no channel");
    set_props("c2", 2, "Type", "s", "wayland", "TTY", "s", pts);
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "graphical (wayland)");
    set_props("c2", 2, "Type", "s", "tty", "TTY", "s", "");
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "session c2 has no terminal");
    set_props("c2", 1, "TTY", "s", "../../etc/passwd");
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "is not a terminal name under /dev");
    set_props("c2", 1, "TTY", "s", "null");
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_OS);
    CHECK_ERROR(TERMINUS_E_OS, "/dev/null, the TTY of session c2, is not a terminal");
    set_props("c2", 1, "TTY", "s", "pts/999999");
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "open(/dev/pts/999999)");
    CHECK_EQ(read_pty(m, got, sizeof got, 200), 0);
    /* no such session */
    CHECK_RC(terminus_session_message(s, 99, NULL, "hello", 0), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no session has the id 99");
    /* a terminal that takes nothing more (output stopped, as Ctrl+S does) */
    set_props("c2", 1, "TTY", "s", pts);
    REQUIRE(tcflow(slave, TCOOFF) == 0);
    t0 = now_us();
    CHECK_RC(terminus_session_message(s, MAPPED, NULL, "hello", 0), TERMINUS_E_OS);
    CHECK_ERROR(TERMINUS_E_OS, "no more at once");
    ms = (double)(now_us() - t0) / 1000.0;
    printf("message to a terminal whose output is stopped: %.2f ms\n", ms);
    CHECK_MSG(ms < 1000, "a stopped terminal held the call %.1f ms", ms);
    terminus_server_close(s);
    close(slave);
    close(m);
}

/* The warning, its countdown, the logoff: in one call. */
static void test_warn(void)
{
    terminus_session_filter flt = TERMINUS_SESSION_FILTER_INIT;
    terminus_session_logoff_options o = TERMINUS_SESSION_LOGOFF_OPTIONS_INIT;
    terminus_session_outcome *out = NULL;
    terminus_server *s = NULL;
    char pts[64], got[2048];
    uint64_t t0;
    double ms;
    size_t n = 0;
    int slave, m;
    pid_t child;

    mock_up();
    m = open_pty(pts, sizeof pts, &slave);
    set_props("c2", 2, "Type", "s", "tty", "TTY", "s", pts);
    set_props("7", 2, "Type", "s", "x11", "TTY", "s", "");
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    flt.states = TERMINUS_SESSION_STATE_BIT(TERMINUS_SESSION_CONNECTED);
    o.flags = TERMINUS_SESSION_WAIT;
    o.timeout_ms = 5000;
    o.message = "You will be logged off in a moment.";
    o.countdown_ms = 400;
    t0 = now_us();
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_OK);
    ms = (double)(now_us() - t0) / 1000.0;
    printf("warn, 400 ms countdown, logoff and WAIT of 2 sessions: %.1f ms\n", ms);
    CHECK_MSG(ms >= 400 && ms < 2000, "took %.1f ms", ms);
    REQUIRE(n == 2);
    CHECK_STR_EQ(outcome_names(out, n), "c2 7 ");
    CHECK_EQ(out[0].warned, 1);
    CHECK_EQ(out[1].warned, 0);
    CHECK_RC(out[1].warn_status, TERMINUS_E_UNSUPPORTED);
    CHECK_CONTAINS(out[1].warn_message, "graphical (x11)");
    CHECK_RC(out[1].status, TERMINUS_OK); /* logged off all the same */
    terminus_session_outcomes_free(out);
    read_pty(m, got, sizeof got, 2000);
    CHECK_CONTAINS(got, "You will be logged off in a moment.\r\n");
    CHECK_EQ(listed(s, "c2"), 0);
    CHECK_EQ(listed(s, "7"), 0);

    /* a user who logs off after the warning: the call does not wait out the
     * countdown for a session that is gone */
    add_session("c5", 1005, "frank");
    set_props("c5", 2, "Type", "s", "tty", "TTY", "s", pts);
    fflush(stdout);
    child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        sleep_ms(300);
        end_session("c5");
        _exit(0);
    }
    flt.states = 0;
    flt.user = "frank";
    o.countdown_ms = 10000;
    t0 = now_us();
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_OK);
    ms = (double)(now_us() - t0) / 1000.0;
    printf("10 s countdown, the user logged off after 300 ms: %.1f ms\n", ms);
    CHECK_MSG(ms >= 250 && ms < 3000, "took %.1f ms", ms);
    REQUIRE(n == 1);
    CHECK_EQ(out[0].ended_early, 1);
    CHECK_RC(out[0].status, TERMINUS_OK);
    terminus_session_outcomes_free(out);
    reap(child);

    /* WARNED_ONLY: a graphical session is not logged off unwarned */
    set_props("3", 2, "Type", "s", "wayland", "TTY", "s", "tty2");
    flt.user = "alice";
    o.flags = TERMINUS_SESSION_WARNED_ONLY;
    o.countdown_ms = 0;
    CHECK_RC(terminus_session_logoff_matching(s, &flt, &o, &out, &n), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "graphical (wayland)");
    terminus_session_outcomes_free(out);
    CHECK_EQ(listed(s, "3"), 1);
    terminus_server_close(s);
    close(slave);
    close(m);
}

static void test_blockers(void)
{
    terminus_server *s = NULL;
    terminus_blocker *l = NULL;
    size_t n = 5;

    mock_up();
    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    CHECK_RC(terminus_session_blockers(s, TERMINUS_SESSION_CURRENT, &l, &n), TERMINUS_OK);
    CHECK(l == NULL && n == 0);
    mock_call("AddInhibitor", "ssssuu", "shutdown:sleep", "backup", "Copying 3 files", "block",
              1000u, 4242u);
    mock_call("AddInhibitor", "ssssuu", "idle", "video player", "Playing a film", "delay", 1001u,
              99u);
    REQUIRE_RC(terminus_session_blockers(s, MAPPED, &l, &n), TERMINUS_OK);
    REQUIRE(n == 2);
    CHECK_STR_EQ(l[0].what, "shutdown:sleep");
    CHECK_STR_EQ(l[0].who, "backup");
    CHECK_STR_EQ(l[0].why, "Copying 3 files");
    CHECK_STR_EQ(l[0].mode, "block");
    CHECK_EQ(l[0].uid, 1000);
    CHECK_EQ(l[0].pid, 4242);
    CHECK_STR_EQ(l[1].who, "video player");
    CHECK_STR_EQ(l[1].mode, "delay");
    terminus_blockers_free(l);
    /* the same for every session: they are the server's */
    REQUIRE_RC(terminus_session_blockers(s, 3, &l, &n), TERMINUS_OK);
    CHECK_EQ(n, 2);
    terminus_blockers_free(l);
    mock_call("ClearInhibitors", "");
    REQUIRE_RC(terminus_session_blockers(s, 3, &l, &n), TERMINUS_OK);
    CHECK_EQ(n, 0);
    /* logind gone */
    stop(&mock_pid);
    CHECK_RC(terminus_session_blockers(s, 3, &l, &n), TERMINUS_E_UNAVAILABLE);
    CHECK_RC(terminus_session_details_list(s, &(terminus_session_details *){ NULL }, &n),
             TERMINUS_E_UNAVAILABLE);
    CHECK_RC(terminus_session_message(s, 3, NULL, "x", 0), TERMINUS_E_UNAVAILABLE);
    terminus_server_close(s);
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
    { "stable-ids", test_stable_ids, 0 },
    { "odd-ids", test_odd_ids, 0 },
    { "collision", test_collision, 0 },
    { "bad-names", test_bad_names, 0 },
    { "fork", test_fork, 0 },
    { "details", test_details, 0 },
    { "select", test_select, 0 },
    { "message", test_message, 0 },
    { "warn", test_warn, 0 },
    { "blockers", test_blockers, 0 },
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
