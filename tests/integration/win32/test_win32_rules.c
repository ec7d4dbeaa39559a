/*
 * tests/integration/win32/test_win32_rules.c: the Win32 backend's decisions
 * that Wine cannot show, white-box (under Wine in the cross build).
 *
 *   test_win32_rules --list | NAME
 *
 * Linked against the static library, so that it reaches the backend's
 * private functions (lib/os/win32/win32.h): the error translation, the
 * logoff refusal, the server probe, the decision on an opened process and
 * the conversion of system messages, the session states and the wait after
 * a session logoff (a session id reused) are pure functions (or take the OS
 * calls as arguments), checked here for the numbers and states real Windows
 * gives and Wine 8 never does. Two cases use the OS itself:
 *   logoff_hidden_station  only in a throwaway prefix (run-fresh-prefix.py):
 *                          on a window station nobody sees, terminus_logoff
 *                          must refuse instead of calling ExitWindowsEx;
 *   dll_listener_outlives_freelibrary  loads libterminus-0.dll
 *                          ($TERMINUS_DLL) at run time, starts a listener,
 *                          FreeLibrary's it, and asks the listener to leave.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "os/win32/win32.h"

#include <terminus.h>

/* ---- error translation (tm_win_code, tm_win_fail) ---- */

static const struct {
    enum tm_win_site site;
    DWORD err;
    int wine; /* -1: the same on Wine and Windows */
    int want;
} codes[] = {
    /* the server or the network cannot be reached: RPC and the network below */
    { TM_WIN_SITE_WTS, 1717, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_UNKNOWN_IF */
    { TM_WIN_SITE_WTS, 1726, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_CALL_FAILED */
    { TM_WIN_SITE_WTS, 1727, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_CALL_FAILED_DNE */
    { TM_WIN_SITE_WTS, 1753, -1, TERMINUS_E_UNAVAILABLE },     /* EPT_S_NOT_REGISTERED */
    { TM_WIN_SITE_WTS, 53, -1, TERMINUS_E_UNAVAILABLE },       /* ERROR_BAD_NETPATH */
    { TM_WIN_SITE_WTS, 64, -1, TERMINUS_E_UNAVAILABLE },       /* ERROR_NETNAME_DELETED */
    { TM_WIN_SITE_WTS, 67, -1, TERMINUS_E_UNAVAILABLE },       /* ERROR_BAD_NET_NAME */
    { TM_WIN_SITE_WTS, 1231, -1, TERMINUS_E_UNAVAILABLE },     /* ERROR_NETWORK_UNREACHABLE */
    { TM_WIN_SITE_WTS, 1232, -1, TERMINUS_E_UNAVAILABLE },     /* ERROR_HOST_UNREACHABLE */
    { TM_WIN_SITE_WTS, 1722, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_SERVER_UNAVAILABLE */
    { TM_WIN_SITE_WTS, 1707, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_INVALID_NET_ADDR */
    { TM_WIN_SITE_WTS, 1723, -1, TERMINUS_E_UNAVAILABLE },     /* RPC_S_SERVER_TOO_BUSY */
    { TM_WIN_SITE_SESSION, 1726, -1, TERMINUS_E_UNAVAILABLE }, /* in WTSLogoffSession too */
    { TM_WIN_SITE_SESSION, 1753, -1, TERMINUS_E_UNAVAILABLE },
    { TM_WIN_SITE_GENERIC, 1232, -1, TERMINUS_E_UNAVAILABLE },
    /* not allowed */
    { TM_WIN_SITE_WTS, 1326, -1, TERMINUS_E_ACCESS_DENIED },     /* ERROR_LOGON_FAILURE */
    { TM_WIN_SITE_WTS, 1314, -1, TERMINUS_E_ACCESS_DENIED },     /* ERROR_PRIVILEGE_NOT_HELD */
    { TM_WIN_SITE_SESSION, 7045, -1, TERMINUS_E_ACCESS_DENIED }, /* ..._WINSTATION_ACCESS_DENIED */
    { TM_WIN_SITE_GENERIC, 1314, -1, TERMINUS_E_ACCESS_DENIED },
    { TM_WIN_SITE_GENERIC, 5, -1, TERMINUS_E_ACCESS_DENIED },
    /* a failed WTS call without an error: Wine's stubs; on Windows, no error was given */
    { TM_WIN_SITE_WTS, 0, 1, TERMINUS_E_UNSUPPORTED },
    { TM_WIN_SITE_WTS, 0, 0, TERMINUS_E_OS },
    { TM_WIN_SITE_SESSION, 0, 1, TERMINUS_E_UNSUPPORTED },
    { TM_WIN_SITE_SESSION, 0, 0, TERMINUS_E_OS },
    { TM_WIN_SITE_GENERIC, 0, -1, TERMINUS_E_OS },
    /* no such session: the same numbers in the logoff as in the wait */
    { TM_WIN_SITE_SESSION, 2, -1, TERMINUS_E_NOT_FOUND },    /* ERROR_FILE_NOT_FOUND */
    { TM_WIN_SITE_SESSION, 87, -1, TERMINUS_E_NOT_FOUND },   /* ERROR_INVALID_PARAMETER */
    { TM_WIN_SITE_SESSION, 7022, -1, TERMINUS_E_NOT_FOUND }, /* ..._WINSTATION_NOT_FOUND */
    { TM_WIN_SITE_WTS, 7022, -1, TERMINUS_E_NOT_FOUND },
    /* elsewhere 2 and 87 are not "no such session" */
    { TM_WIN_SITE_OPEN, 87, -1, TERMINUS_E_NOT_FOUND }, /* OpenProcess: no such process */
    { TM_WIN_SITE_GENERIC, 87, -1, TERMINUS_E_OS },
    { TM_WIN_SITE_GENERIC, 2, -1, TERMINUS_E_OS },
    { TM_WIN_SITE_WTS, 87, -1, TERMINUS_E_OS },
    { TM_WIN_SITE_GENERIC, 7022, -1, TERMINUS_E_OS },
    /* the rest as before */
    { TM_WIN_SITE_WTS, 120, -1, TERMINUS_E_UNSUPPORTED }, /* ERROR_CALL_NOT_IMPLEMENTED */
    { TM_WIN_SITE_GENERIC, 8, -1, TERMINUS_E_NO_MEMORY },
    { TM_WIN_SITE_GENERIC, 14, -1, TERMINUS_E_NO_MEMORY },
    { TM_WIN_SITE_GENERIC, 1, -1, TERMINUS_E_OS },
};

/* Every number of the table, on Wine and on Windows. */
static void error_codes(void)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        for (int wine = 0; wine <= 1; wine++) {
            if (codes[i].wine != -1 && codes[i].wine != wine)
                continue;
            int got = tm_win_code(codes[i].site, codes[i].err, wine);
            CHECK_MSG(got == codes[i].want, "site %d, error %lu, %s: %s, want %s",
                      (int)codes[i].site, (unsigned long)codes[i].err, wine ? "Wine" : "Windows",
                      terminus_error_name(got), terminus_error_name(codes[i].want));
        }
    }
}

/* tm_win_fail records the code of the table with a message that says what it means. */
static void error_messages(void)
{
    const terminus_error *e;

    CHECK_RC(tm_win_fail(TM_WIN_SITE_SESSION, 87, "WTSLogoffSession(srv, %d)", 7),
             TERMINUS_E_NOT_FOUND);
    e = terminus_error_last();
    CHECK_CONTAINS(e->message, "WTSLogoffSession(srv, 7)");
    CHECK_CONTAINS(e->message, "no such session");
    CHECK_EQ(e->os_code, 87);

    CHECK_RC(tm_win_fail(TM_WIN_SITE_WTS, 1726, "WTSOpenServerW(\"far\")"), TERMINUS_E_UNAVAILABLE);
    e = terminus_error_last();
    CHECK_CONTAINS(e->message, "WTSOpenServerW(\"far\")");
    CHECK_CONTAINS(e->message, "(1726)");

    CHECK_RC(tm_win_fail(TM_WIN_SITE_GENERIC, 0, "SomeCall"), TERMINUS_E_OS);
    CHECK_CONTAINS(terminus_error_last()->message, "no error");

    if (tm_win_is_wine()) {
        CHECK_RC(tm_win_fail(TM_WIN_SITE_WTS, 0, "WTSSomething"), TERMINUS_E_UNSUPPORTED);
        CHECK_CONTAINS(terminus_error_last()->message, "Wine");
    } else {
        CHECK_RC(tm_win_fail(TM_WIN_SITE_WTS, 0, "WTSSomething"), TERMINUS_E_OS);
        CHECK_CONTAINS(terminus_error_last()->message, "no error");
    }
}

/* ---- system messages (tm_win_sysmsg_text, tm_win_utf8) ---- */

/* 1 if s[0..n) is well-formed UTF-8. */
static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = p[i] < 0x80         ? 1
                   : (p[i] >> 5) == 6  ? 2
                   : (p[i] >> 4) == 14 ? 3
                   : (p[i] >> 3) == 30 ? 4
                                       : 0;
        if (k == 0 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

/*
 * A localized message longer than the error record (here 700 UTF-16 units of
 * Cyrillic, 1400 bytes of UTF-8) keeps its text, cut at a character boundary,
 * instead of becoming "error N".
 */
static void sysmsg_long(void)
{
    static const wchar_t word[] = L"\x0421\x0435\x0440\x0432\x0435\x0440 RPC "; /* "Сервер RPC " */
    wchar_t w[1024];
    char full[4096], out[512];
    size_t n = 0;

    while (n + wcslen(word) < 700) {
        wcscpy(w + n, word);
        n += wcslen(word);
    }
    wcscpy(w + n, L"\x043d\x0435\x0442.\r\n"); /* "нет.\r\n" */
    n += 6;
    int fl = WideCharToMultiByte(CP_UTF8, 0, w, (int)n - 3, full, sizeof full, NULL, NULL);
    REQUIRE(fl > 1000);

    size_t len = tm_win_sysmsg_text(w, n, out, sizeof out);
    CHECK(len > 0);
    CHECK(len <= sizeof out - 1);
    CHECK(len >= sizeof out - 1 - 1); /* a Cyrillic letter is 2 bytes: at most 1 byte unused */
    CHECK_EQ(strlen(out), len);
    CHECK(utf8_valid(out, len));
    CHECK(memcmp(out, full, len) == 0); /* the text itself, from its start */

    /* short enough: the whole text, without the trailing dot and newline */
    len = tm_win_sysmsg_text(w + n - 10, 10, out, sizeof out); /* "RPC нет.\r\n" */
    CHECK_STR_EQ(out, "RPC \xd0\xbd\xd0\xb5\xd1\x82");
    CHECK_EQ(len, 10);
    /* inner newlines become spaces */
    len = tm_win_sysmsg_text(L"one\r\ntwo.\r\n", 11, out, sizeof out);
    CHECK_STR_EQ(out, "one  two");
}

/* The UTF-16 -> UTF-8 conversion never splits a character, even a surrogate pair. */
static void utf8_cut(void)
{
    /* "a" U+1F600 (surrogate pair, 4 bytes) "b" */
    static const wchar_t w[] = { L'a', 0xD83D, 0xDE00, L'b', 0 };
    char out[16];

    CHECK_EQ(tm_win_utf8(w, 4, out, sizeof out), 6);
    CHECK_STR_EQ(out, "a\xf0\x9f\x98\x80"
                      "b");
    for (size_t cap = 1; cap <= 5; cap++) { /* room for "a" only: the pair is left out whole */
        size_t len = tm_win_utf8(w, 4, out, cap);
        CHECK_EQ(len, cap >= 2 ? 1 : 0);
        CHECK_EQ(strlen(out), len);
    }
    CHECK_EQ(tm_win_utf8(w, 4, out, 6), 5);
    /* an unpaired surrogate is U+FFFD */
    static const wchar_t lone[] = { 0xD800, L'x', 0xDC00, 0 };
    CHECK_EQ(tm_win_utf8(lone, 3, out, sizeof out), 7);
    CHECK_STR_EQ(out, "\xef\xbf\xbdx\xef\xbf\xbd");
    /* tm_win_narrow (session names) cuts the same way */
    tm_win_narrow(w, out, 3);
    CHECK_STR_EQ(out, "a");
}

/* ---- logoff (tm_win_logoff_refusal) ---- */

static void logoff_refusal(void)
{
    const char *why;

    CHECK(tm_win_logoff_refusal(1, 1) == NULL); /* an interactive logon */
    CHECK(tm_win_logoff_refusal(2, 1) == NULL);
    CHECK(tm_win_logoff_refusal(1, -1) == NULL); /* what is unknown does not refuse */
    CHECK(tm_win_logoff_refusal(TM_WIN_SESSION_UNKNOWN, 1) == NULL);
    CHECK(tm_win_logoff_refusal(TM_WIN_SESSION_UNKNOWN, -1) == NULL);

    why = tm_win_logoff_refusal(0, 1); /* session 0: services */
    CHECK(why != NULL && strstr(why, "session 0") != NULL);
    CHECK(tm_win_logoff_refusal(0, 0) != NULL);
    CHECK(tm_win_logoff_refusal(0, -1) != NULL);
    why = tm_win_logoff_refusal(1, 0); /* ssh, a scheduled task: a hidden window station */
    CHECK(why != NULL && strstr(why, "window station") != NULL);
    CHECK(tm_win_logoff_refusal(TM_WIN_SESSION_UNKNOWN, 0) != NULL);
}

/*
 * Run only by run-fresh-prefix.py: on a window station of its own (not
 * WinSta0, so not visible), terminus_logoff must refuse. Before the refusal
 * existed it called ExitWindowsEx, which logged the prefix off and returned OK.
 */
static void logoff_hidden_station(void)
{
    if (getenv("TERMINUS_THROWAWAY_PREFIX") == NULL)
        SKIP("calls terminus_logoff: only in a throwaway Wine prefix");
    HWINSTA mine = GetProcessWindowStation();
    HWINSTA hidden = CreateWindowStationW(L"terminus-rules-hidden", 0, WINSTA_ALL_ACCESS, NULL);
    REQUIRE(mine != NULL && hidden != NULL);
    USEROBJECTFLAGS f;
    DWORD need = 0;
    REQUIRE(GetUserObjectInformationW(hidden, UOI_FLAGS, &f, sizeof f, &need));
    CHECK((f.dwFlags & WSF_VISIBLE) == 0);
    REQUIRE(SetProcessWindowStation(hidden));

    int rc = terminus_logoff(NULL, 0);

    SetProcessWindowStation(mine);
    CloseWindowStation(hidden);
    CHECK_RC(rc, TERMINUS_E_REFUSED);
    CHECK_CONTAINS(terminus_error_last()->message, "window station");
    CHECK_CONTAINS(terminus_error_last()->message, "would log nobody off");
}

/* ---- the server probe (tm_win_server_probe) ---- */

static WTS_SESSION_INFOW probe_list[1];
static DWORD probe_err;
static int probe_calls, probe_freed;

static BOOL WINAPI probe_ok(HANDLE h, DWORD reserved, DWORD version, PWTS_SESSION_INFOW *list,
                            DWORD *count)
{
    (void)h, (void)reserved, (void)version;
    probe_calls++;
    *list = probe_list;
    *count = 1;
    return TRUE;
}

static BOOL WINAPI probe_fails(HANDLE h, DWORD reserved, DWORD version, PWTS_SESSION_INFOW *list,
                               DWORD *count)
{
    (void)h, (void)reserved, (void)version, (void)list, (void)count;
    probe_calls++;
    SetLastError(probe_err);
    return FALSE;
}

static void WINAPI probe_free(PVOID p)
{
    CHECK(p == probe_list);
    probe_freed++;
}

/*
 * WTSOpenServerW's handle for a server that cannot be reached fails at first
 * use: the probe makes that failure server_open's, with the RPC error read as
 * UNAVAILABLE; a server that answers is OK and its list is freed.
 */
static void server_probe(void)
{
    HANDLE h = (HANDLE)(uintptr_t)0x1234;

    probe_calls = probe_freed = 0;
    CHECK_RC(tm_win_server_probe(h, "near", probe_ok, probe_free), TERMINUS_OK);
    CHECK_EQ(probe_calls, 1);
    CHECK_EQ(probe_freed, 1);

    static const struct {
        DWORD err;
        int want;
    } fails[] = {
        { 1722, TERMINUS_E_UNAVAILABLE }, /* RPC_S_SERVER_UNAVAILABLE */
        { 1726, TERMINUS_E_UNAVAILABLE }, /* RPC_S_CALL_FAILED */
        { 1753, TERMINUS_E_UNAVAILABLE }, /* EPT_S_NOT_REGISTERED */
        { 53, TERMINUS_E_UNAVAILABLE },   /* ERROR_BAD_NETPATH */
        { 5, TERMINUS_E_ACCESS_DENIED },  { 1326, TERMINUS_E_ACCESS_DENIED },
        { 120, TERMINUS_E_UNSUPPORTED },
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        probe_calls = probe_freed = 0;
        probe_err = fails[i].err;
        CHECK_RC(tm_win_server_probe(h, "far.example", probe_fails, probe_free), fails[i].want);
        CHECK_EQ(probe_calls, 1);
        CHECK_EQ(probe_freed, 0);
        CHECK_EQ(terminus_error_last()->os_code, (long long)fails[i].err);
        CHECK_CONTAINS(terminus_error_last()->message, "WTSEnumerateSessionsW(\"far.example\"");
    }
    probe_err = 0; /* no error given: Wine's stubs, else E_OS */
    CHECK_RC(tm_win_server_probe(h, "far.example", probe_fails, probe_free),
             tm_win_is_wine() ? TERMINUS_E_UNSUPPORTED : TERMINUS_E_OS);
}

/* ---- session states and the wait after a logoff (wts.c) ---- */

/*
 * Each WTS state as terminus reports it: the listener (WTSListen, the
 * "RDP-Tcp" session 65536), a session that is down and one being
 * initialized have their own states, which the core refuses to log off
 * (tests/unit/test_session.c). Before, tm_win_state was private to wts.c and
 * reported all three as OTHER. Wine lists no session, so only this shows it.
 */
static void session_state_map(void)
{
    CHECK_EQ(tm_win_state(WTSActive), TERMINUS_SESSION_ACTIVE);
    CHECK_EQ(tm_win_state(WTSConnected), TERMINUS_SESSION_CONNECTED);
    CHECK_EQ(tm_win_state(WTSDisconnected), TERMINUS_SESSION_DISCONNECTED);
    CHECK_EQ(tm_win_state(WTSListen), TERMINUS_SESSION_LISTEN);
    CHECK_EQ(tm_win_state(WTSDown), TERMINUS_SESSION_DOWN);
    CHECK_EQ(tm_win_state(WTSInit), TERMINUS_SESSION_INIT);
    CHECK_EQ(tm_win_state(WTSConnectQuery), TERMINUS_SESSION_OTHER);
    CHECK_EQ(tm_win_state(WTSShadow), TERMINUS_SESSION_OTHER);
    CHECK_EQ(tm_win_state(WTSIdle), TERMINUS_SESSION_OTHER);
    CHECK_EQ(tm_win_state(WTSReset), TERMINUS_SESSION_OTHER);
    CHECK_EQ(tm_win_state(99), TERMINUS_SESSION_OTHER);
}

/*
 * Session ids are reused: after the logoff of session 3 (logged on at T), a
 * new session 3 (another logon time, or nobody logged on yet) is not ours,
 * and the wait is over. Without a logon time from before, only "no such
 * session" and WTSDown end it, as before.
 */
static void session_gone_rule(void)
{
    const int64_t t = 133500000000000000; /* a FILETIME of 2024 */
    const int64_t unknown = TM_WIN_LOGON_UNKNOWN;

    /* no session has the id, or it is down: gone, whatever the times */
    CHECK_EQ(tm_win_session_gone(0, WTSActive, t, t), 1);
    CHECK_EQ(tm_win_session_gone(0, -1, unknown, unknown), 1);
    CHECK_EQ(tm_win_session_gone(1, WTSDown, t, t), 1);
    CHECK_EQ(tm_win_session_gone(1, WTSDown, unknown, unknown), 1);
    /* the same session, still there */
    CHECK_EQ(tm_win_session_gone(1, WTSActive, t, t), 0);
    CHECK_EQ(tm_win_session_gone(1, WTSDisconnected, t, t), 0);
    CHECK_EQ(tm_win_session_gone(1, -1, t, t), 0);
    /* another session has the id now: another logon, or none yet */
    CHECK_EQ(tm_win_session_gone(1, WTSActive, t, t + 1), 1);
    CHECK_EQ(tm_win_session_gone(1, WTSActive, t, t - 10000000), 1);
    CHECK_EQ(tm_win_session_gone(1, WTSConnected, t, 0), 1);
    CHECK_EQ(tm_win_session_gone(1, WTSInit, t, 0), 1);
    /* the time now could not be read: no evidence either way */
    CHECK_EQ(tm_win_session_gone(1, WTSActive, t, unknown), 0);
    /* no logon time from before (unread, or nobody had logged on): as before */
    CHECK_EQ(tm_win_session_gone(1, WTSActive, unknown, t), 0);
    CHECK_EQ(tm_win_session_gone(1, WTSActive, 0, t), 0);
    CHECK_EQ(tm_win_session_gone(1, WTSConnected, 0, 0), 0);
}

/* The server's memory of logon times, by id (tm_win_logons_set/get). */
static void session_logons_table(void)
{
    tm_win_logons t;

    memset(&t, 0, sizeof t);
    CHECK(tm_win_logons_get(&t, 3) == TM_WIN_LOGON_UNKNOWN);
    tm_win_logons_set(&t, 3, 1000);
    tm_win_logons_set(&t, 65536, 0);
    CHECK(tm_win_logons_get(&t, 3) == 1000);
    CHECK(tm_win_logons_get(&t, 65536) == 0);
    CHECK(tm_win_logons_get(&t, 4) == TM_WIN_LOGON_UNKNOWN);
    /* a later logoff of the same id replaces its time */
    tm_win_logons_set(&t, 3, 2000);
    CHECK(tm_win_logons_get(&t, 3) == 2000);
    CHECK_EQ(t.count, 2);
    /* a logoff whose time could not be read forgets the old one */
    tm_win_logons_set(&t, 3, TM_WIN_LOGON_UNKNOWN);
    CHECK(tm_win_logons_get(&t, 3) == TM_WIN_LOGON_UNKNOWN);
    CHECK(tm_win_logons_get(&t, 65536) == 0);
    CHECK_EQ(t.count, 1);
    tm_win_logons_set(&t, 77, TM_WIN_LOGON_UNKNOWN); /* nothing to forget */
    CHECK_EQ(t.count, 1);
    /* full: new ids take the places in turn, the others stay */
    for (uint32_t id = 100; id < 100 + TM_WIN_LOGONS - 1; id++)
        tm_win_logons_set(&t, id, (int64_t)id * 10);
    CHECK_EQ(t.count, TM_WIN_LOGONS);
    tm_win_logons_set(&t, 500, 5000);
    CHECK_EQ(t.count, TM_WIN_LOGONS);
    CHECK(tm_win_logons_get(&t, 500) == 5000);
    CHECK(tm_win_logons_get(&t, 65536) == TM_WIN_LOGON_UNKNOWN); /* took its place */
    CHECK(tm_win_logons_get(&t, 100) == 1000);
    tm_win_logons_set(&t, 501, 5010);
    CHECK(tm_win_logons_get(&t, 100) == TM_WIN_LOGON_UNKNOWN);
    CHECK(tm_win_logons_get(&t, 101) == 1010);
    CHECK(tm_win_logons_get(&t, 500) == 5000);
    CHECK(tm_win_logons_get(&t, 501) == 5010);
}

/*
 * A scripted WTSQuerySessionInformationW for one session id: poll k (from 0)
 * sees script[k] (the last one from then on): its state, its logon time, or
 * the error of a failed query.
 */
static struct {
    DWORD id;
    struct {
        DWORD err; /* 0: the query succeeds */
        WTS_CONNECTSTATE_CLASS state;
        int64_t logon;
    } script[8];
    int n;         /* steps in script */
    int polls;     /* WTSConnectState queries so far: one a poll */
    int cur;       /* the step of the current poll */
    int allocated; /* buffers not freed yet */
} wq;

static BOOL WINAPI wq_query(HANDLE h, DWORD id, WTS_INFO_CLASS what, LPWSTR *buf, DWORD *bytes)
{
    (void)h;
    if (what == WTSConnectState) /* a new poll: its state first, then its logon time */
        wq.cur = wq.polls < wq.n ? wq.polls : wq.n - 1;
    int k = wq.cur;
    *buf = NULL;
    *bytes = 0;
    if (what == WTSConnectState)
        wq.polls++;
    if (id != wq.id || wq.script[k].err != 0) {
        SetLastError(id != wq.id ? 7022 : wq.script[k].err);
        return FALSE;
    }
    if (what == WTSConnectState) {
        WTS_CONNECTSTATE_CLASS *st = malloc(sizeof *st);
        REQUIRE(st != NULL);
        *st = wq.script[k].state;
        *buf = (LPWSTR)st;
        *bytes = sizeof *st;
    } else if (what == WTSSessionInfo) {
        WTSINFOW *info = calloc(1, sizeof *info);
        REQUIRE(info != NULL);
        info->State = wq.script[k].state;
        info->SessionId = id;
        info->LogonTime.QuadPart = wq.script[k].logon;
        *buf = (LPWSTR)info;
        *bytes = sizeof *info;
    } else {
        SetLastError(87);
        return FALSE;
    }
    wq.allocated++;
    return TRUE;
}

static void WINAPI wq_free(PVOID p)
{
    wq.allocated--;
    free(p);
}

static void wq_start(DWORD id)
{
    memset(&wq, 0, sizeof wq);
    wq.id = id;
}

static void wq_step(DWORD err, WTS_CONNECTSTATE_CLASS state, int64_t logon)
{
    wq.script[wq.n].err = err;
    wq.script[wq.n].state = state;
    wq.script[wq.n].logon = logon;
    wq.n++;
}

/*
 * The wait after a logoff (tm_win_session_poll), with the query scripted:
 * session 3, logged on at T, logged off; two polls later a new session gets
 * id 3 (logon T2): the wait ends there, where before it went on until the
 * timeout (the new session stays) or ended when that other session ended.
 * The logon time is read at the logoff (tm_win_session_logon): from the
 * session's WTSINFOW, never from a short answer or another session's.
 */
static void session_wait_reused_id(void)
{
    const int64_t t = 133500000000000000, t2 = t + 600000000;

    /* the time a logoff remembers */
    wq_start(3);
    wq_step(0, WTSActive, t);
    CHECK(tm_win_session_logon(NULL, 3, wq_query, wq_free) == t);
    CHECK(tm_win_session_logon(NULL, 4, wq_query, wq_free) == TM_WIN_LOGON_UNKNOWN);
    CHECK_EQ(wq.allocated, 0);

    /* the id is taken by a new session during the wait: gone */
    wq_start(3);
    wq_step(0, WTSActive, t);
    wq_step(0, WTSActive, t);
    wq_step(0, WTSConnected, 0); /* a new session 3, nobody logged on yet */
    wq_step(0, WTSActive, t2);   /* someone logs on to it */
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 10000, t, wq_query, wq_free), TERMINUS_OK);
    CHECK_EQ(wq.polls, 3);
    CHECK_EQ(wq.allocated, 0);
    wq_start(3);
    wq_step(0, WTSActive, t);
    wq_step(0, WTSActive, t2);
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 10000, t, wq_query, wq_free), TERMINUS_OK);
    CHECK_EQ(wq.polls, 2);

    /* without a time from before, the new session keeps the wait going */
    wq_start(3);
    wq_step(0, WTSActive, t);
    wq_step(0, WTSActive, t2);
    terminus_error_clear();
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 200, TM_WIN_LOGON_UNKNOWN, wq_query, wq_free),
             TERMINUS_E_TIMEOUT);
    CHECK_CONTAINS(terminus_error_last()->message, "session 3 on (test) is still there");
    CHECK(wq.polls >= 2);
    CHECK_EQ(wq.allocated, 0);

    /* the same session until it is down, or until no session has the id */
    wq_start(3);
    wq_step(0, WTSActive, t);
    wq_step(0, WTSDown, t);
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 10000, t, wq_query, wq_free), TERMINUS_OK);
    CHECK_EQ(wq.polls, 2);
    wq_start(3);
    wq_step(0, WTSDisconnected, t);
    wq_step(7022, WTSActive, 0); /* ERROR_CTX_WINSTATION_NOT_FOUND */
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 10000, t, wq_query, wq_free), TERMINUS_OK);
    /* still ours at the timeout */
    wq_start(3);
    wq_step(0, WTSActive, t);
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 120, t, wq_query, wq_free), TERMINUS_E_TIMEOUT);
    CHECK_EQ(wq.allocated, 0);
    /* a query that fails otherwise is that failure */
    wq_start(3);
    wq_step(5, WTSActive, t); /* ERROR_ACCESS_DENIED */
    CHECK_RC(tm_win_session_poll(NULL, "(test)", 3, 10000, t, wq_query, wq_free),
             TERMINUS_E_ACCESS_DENIED);
    CHECK_CONTAINS(terminus_error_last()->message, "WTSConnectState");
}

/* ---- processes (tm_win_open_decision, tm_win_process_open) ---- */

static void open_decision(void)
{
    CHECK_RC(tm_win_open_decision(42, 42, 0), TERMINUS_OK);
    CHECK_RC(tm_win_open_decision(42, 42, -1), TERMINUS_OK); /* unknown: no IsProcessCritical */
    CHECK_RC(tm_win_open_decision(42, 42, 1), TERMINUS_E_REFUSED);
    CHECK_RC(tm_win_open_decision(42, 40, 0), TERMINUS_E_NOT_FOUND); /* low two bits */
    CHECK_RC(tm_win_open_decision(42, 40, 1), TERMINUS_E_NOT_FOUND);

    /* an ordinary process (this one) is not refused */
    terminus_os_process *p = NULL;
    CHECK_RC(tm_win_process_open(NULL, (terminus_pid)GetCurrentProcessId(), &p), TERMINUS_OK);
    if (p != NULL)
        tm_win_process_close(NULL, p);
}

/* ---- the close chain (chain.c, listener.c) ---- */

#define S_MSG TERMINUS_STEP_MESSAGE
#define S_CLS TERMINUS_STEP_CLOSE
#define S_CON TERMINUS_STEP_CONSOLE
#define S_BC  TERMINUS_TERMINATE_BROADCAST

/* What each step reaches, from what process_reach found (tm_win_reach_bits). */
static void reach_bits(void)
{
    static const struct {
        uint32_t steps, flags;
        struct tm_win_found f; /* other_session, listener, windows, console, console_sender */
        uint32_t want;
    } cases[] = {
        /* nothing found: unreachable */
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 0, 0, 1 }, 0 },
        { TERMINUS_STEPS_ALL, S_BC, { 0, 0, 0, 0, 1 }, 0 },
        /* a listener window: the message, and CLOSE (WM_CLOSE is a request to it) */
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 1, 0, 0, 1 }, S_MSG | S_CLS },
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 1, 2, 0, 1 }, S_MSG | S_CLS },
        { S_CLS, 0, { 0, 1, 0, 0, 1 }, S_CLS },
        /* a listener's console handler calls the callback the message reached */
        { S_CLS | S_CON, 0, { 0, 1, 0, 1, 1 }, S_CLS },
        { S_MSG | S_CON, 0, { 0, 1, 0, 1, 1 }, S_MSG },
        { S_CON, 0, { 0, 1, 0, 1, 1 }, S_CON },
        /* other windows only: CLOSE; a broadcast reaches them too */
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 3, 0, 1 }, S_CLS },
        { TERMINUS_STEPS_DEFAULT, S_BC, { 0, 0, 3, 0, 1 }, S_MSG | S_CLS },
        { S_MSG, S_BC, { 0, 0, 1, 0, 1 }, S_MSG },
        { S_MSG, 0, { 0, 0, 1, 0, 1 }, 0 },
        /* a console, or one that cannot be ruled out; none without the helper (static) */
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 0, 1, 1 }, S_CON },
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 0, -1, 1 }, S_CON },
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 0, 1, 0 }, 0 },
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 1, 4, 1, 1 }, S_MSG | S_CLS },
        { TERMINUS_STEPS_DEFAULT, 0, { 0, 0, 4, 1, 1 }, S_CLS | S_CON },
        /* only the steps asked for */
        { S_MSG, 0, { 0, 1, 4, 1, 1 }, S_MSG },
        { S_CON, 0, { 0, 1, 4, 1, 1 }, S_CON },
        /* the Linux steps reach nothing on Windows */
        { TERMINUS_STEP_SIGINT | TERMINUS_STEP_SIGHUP, 0, { 0, 1, 4, 1, 1 }, 0 },
        /* another session (Wine has one session only): nothing at all */
        { TERMINUS_STEPS_ALL, 0, { 1, 1, 4, 1, 1 }, 0 },
        { TERMINUS_STEPS_ALL, S_BC, { 1, 1, 4, 1, 1 }, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t got = tm_win_reach_bits(cases[i].steps, cases[i].flags, &cases[i].f);
        if (!CHECK_EQ(got, cases[i].want))
            printf("#   case %lu\n", (unsigned long)i);
    }
}

/* Another session, from the two session ids (tm_win_other_session). */
static void other_session(void)
{
    const DWORD unknown = TM_WIN_SESSION_UNKNOWN;
    CHECK_EQ(tm_win_other_session(1, 1), 0);
    CHECK_EQ(tm_win_other_session(1, 2), 1);
    CHECK_EQ(tm_win_other_session(0, 1), 1); /* a service and a user's program */
    CHECK_EQ(tm_win_other_session(2, 0), 1);
    CHECK_EQ(tm_win_other_session(unknown, 2), 0); /* what is unknown rules nothing out */
    CHECK_EQ(tm_win_other_session(2, unknown), 0);
}

/* A refused post (tm_win_post_code): UIPI is access denied for that step. */
static void post_codes(void)
{
    CHECK_RC(tm_win_post_code(ERROR_ACCESS_DENIED), TERMINUS_E_ACCESS_DENIED);
    CHECK_RC(tm_win_post_code(ERROR_INVALID_WINDOW_HANDLE), TERMINUS_E_UNREACHABLE);
    CHECK_RC(tm_win_post_code(ERROR_NOT_ENOUGH_QUOTA), TERMINUS_E_OS); /* a full queue */
    CHECK_RC(tm_win_post_code(0), TERMINUS_E_OS);
    CHECK_EQ(tm_win_system_class(L"IME"), 1);
    CHECK_EQ(tm_win_system_class(L"MSCTFIME UI"), 1);
    CHECK_EQ(tm_win_system_class(L"Notepad"), 0);
    CHECK_EQ(tm_win_system_class(L"terminus.listener.1"), 0);
    CHECK_EQ(tm_win_system_class(L"ime"), 0);
}

/* A process's ConsoleHandle (tm_win_console_handle_attached). */
static void console_handle(void)
{
    CHECK_EQ(tm_win_console_handle_attached(0, 0), 0);
    CHECK_EQ(tm_win_console_handle_attached(0, 1), 0);
    CHECK_EQ(tm_win_console_handle_attached(0x34, 0), 1);
    CHECK_EQ(tm_win_console_handle_attached(0x34, 1), 1);
    /* Wine: started from a shell without a terminal */
    CHECK_EQ(tm_win_console_handle_attached((uintptr_t)(intptr_t)-4, 1), 0);
    CHECK_EQ(tm_win_console_handle_attached((uintptr_t)(intptr_t)-4, 0), 1);
}

/* What the console helper's exit code means (tm_win_helper_result). */
static void helper_result(void)
{
    static const struct {
        DWORD code;
        int ctrl_break;
        int want;
        DWORD native;
        const char *text; /* in the message; NULL for OK */
    } cases[] = {
        { TM_WIN_HELPER_SENT, 0, TERMINUS_OK, 0, NULL },
        { TM_WIN_HELPER_UNSEEN, 0, TERMINUS_OK, 0, NULL },
        { TM_WIN_HELPER_NO_ATTACH | 6, 0, TERMINUS_E_UNREACHABLE, 6, "has no console" },
        { TM_WIN_HELPER_NO_ATTACH | 31, 0, TERMINUS_E_UNREACHABLE, 31, "has no console" },
        { TM_WIN_HELPER_NO_ATTACH | 87, 0, TERMINUS_E_NOT_FOUND, 87, "has ended" },
        { TM_WIN_HELPER_NO_ATTACH | 5, 0, TERMINUS_E_ACCESS_DENIED, 5, "access denied" },
        { TM_WIN_HELPER_NO_ATTACH | 1450, 0, TERMINUS_E_OS, 1450, "AttachConsole(77)" },
        { TM_WIN_HELPER_SHARED | 1, 0, TERMINUS_E_UNREACHABLE, 0,
          "its console is shared with 1 other process, which CTRL_C_EVENT" },
        { TM_WIN_HELPER_SHARED | 3, 1, TERMINUS_E_UNREACHABLE, 0,
          "shared with 3 other processes, which CTRL_BREAK_EVENT" },
        { TM_WIN_HELPER_NO_EVENT | 6, 1, TERMINUS_E_OS, 6, "Wine 8 sends Ctrl+C only" },
        { TM_WIN_HELPER_NO_EVENT | 120, 1, TERMINUS_E_UNSUPPORTED, 120, "CTRL_BREAK_EVENT" },
        { TM_WIN_HELPER_NO_EVENT | 5, 0, TERMINUS_E_OS, 5, "CTRL_C_EVENT" },
        { TM_WIN_HELPER_BAD_ARGS, 0, TERMINUS_E_OS, 0, "command line" },
        /* killed by a console event of its own (STATUS_CONTROL_C_EXIT), or rundll32's own */
        { 0xC000013Au, 0, TERMINUS_E_OS, 0, "exit code 0xc000013a" },
        { 1, 0, TERMINUS_E_OS, 0, "rundll32.exe" },
        { 0, 0, TERMINUS_E_OS, 0, "exit code 0x0" },
        { TM_WIN_HELPER_SENT | 1, 0, TERMINUS_E_OS, 0, "exit code 0x60000001" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[512];
        DWORD native = 99;
        int got =
            tm_win_helper_result(cases[i].code, 77, cases[i].ctrl_break, msg, sizeof msg, &native);
        int ok = CHECK_RC(got, cases[i].want);
        ok &= CHECK_EQ(native, cases[i].native);
        if (cases[i].text == NULL)
            ok &= CHECK(msg[0] == '\0');
        else
            ok &= CHECK_CONTAINS(msg, cases[i].text);
        if (!ok)
            printf("#   case %lu: \"%s\"\n", (unsigned long)i, msg);
    }
}

/* The listener's console handler and window, as Windows sends them. */
static void listener_actions(void)
{
    CHECK_EQ(tm_win_console_action(CTRL_C_EVENT), TM_WIN_ACT_REQUEST);
    CHECK_EQ(tm_win_console_action(CTRL_BREAK_EVENT), TM_WIN_ACT_REQUEST);
    CHECK_EQ(tm_win_console_action(CTRL_CLOSE_EVENT), TM_WIN_ACT_END);
    CHECK_EQ(tm_win_console_action(CTRL_SHUTDOWN_EVENT), TM_WIN_ACT_END);
    /* a service hears every user's logoff: not its own end */
    CHECK_EQ(tm_win_console_action(CTRL_LOGOFF_EVENT), TM_WIN_ACT_PASS);
    CHECK_EQ(tm_win_console_action(3), TM_WIN_ACT_PASS);

    CHECK_EQ(tm_win_window_action(WM_CLOSE, 0, 0), TM_WIN_ACT_REQUEST);
    CHECK_EQ(tm_win_window_action(WM_QUERYENDSESSION, 0, 0), TM_WIN_ACT_QUERY_END);
    CHECK_EQ(tm_win_window_action(WM_QUERYENDSESSION, 0, (LPARAM)ENDSESSION_LOGOFF),
             TM_WIN_ACT_QUERY_END);
    CHECK_EQ(tm_win_window_action(WM_QUERYENDSESSION, 0, (LPARAM)ENDSESSION_CRITICAL),
             TM_WIN_ACT_QUERY_END);
    /* the Restart Manager: a request, not a logoff */
    CHECK_EQ(tm_win_window_action(WM_QUERYENDSESSION, 0, ENDSESSION_CLOSEAPP), TM_WIN_ACT_REQUEST);
    CHECK_EQ(tm_win_window_action(WM_QUERYENDSESSION, 0,
                                  (LPARAM)(ENDSESSION_CLOSEAPP | ENDSESSION_CRITICAL)),
             TM_WIN_ACT_REQUEST);
    CHECK_EQ(tm_win_window_action(WM_ENDSESSION, TRUE, 0), TM_WIN_ACT_END);
    CHECK_EQ(tm_win_window_action(WM_ENDSESSION, TRUE, (LPARAM)ENDSESSION_LOGOFF), TM_WIN_ACT_END);
    CHECK_EQ(tm_win_window_action(WM_ENDSESSION, TRUE, ENDSESSION_CLOSEAPP), TM_WIN_ACT_IGNORE);
    CHECK_EQ(tm_win_window_action(WM_ENDSESSION, FALSE, 0), TM_WIN_ACT_END_CANCEL);
    CHECK_EQ(tm_win_window_action(WM_ENDSESSION, FALSE, ENDSESSION_CLOSEAPP),
             TM_WIN_ACT_END_CANCEL);
    CHECK_EQ(tm_win_window_action(WM_DESTROY, 0, 0), TM_WIN_ACT_PASS);
    CHECK_EQ(tm_win_window_action(WM_USER, 0, 0), TM_WIN_ACT_PASS);
}

/*
 * The static library (this program) has no DLL for rundll32 to run: the
 * console step is TERMINUS_E_UNSUPPORTED, saying why, and reach never counts it.
 */
static void static_console_step(void)
{
    terminus_os_process *p = NULL;
    uint32_t reach = 0xff;
    REQUIRE_RC(tm_win_process_open(NULL, (terminus_pid)GetCurrentProcessId(), &p), TERMINUS_OK);
    CHECK_RC(tm_win_process_reach(NULL, &p, 1, TERMINUS_STEP_CONSOLE, 0, TERMINUS_DEFAULT_MESSAGE,
                                  &reach),
             TERMINUS_OK);
    CHECK_EQ(reach, 0);
    CHECK_RC(tm_win_process_step(NULL, p, TERMINUS_STEP_CONSOLE, 0, TERMINUS_DEFAULT_MESSAGE),
             TERMINUS_E_UNSUPPORTED);
    CHECK_CONTAINS(terminus_error_last()->message, "libterminus-0.dll");
    tm_win_process_close(NULL, p);
}

/* ---- the listener holds its DLL ---- */

typedef int (*listen_fn)(terminus_ctx *, const char *, uint32_t, terminus_request_fn, void *,
                         terminus_listener **);
typedef void (*listener_free_fn)(terminus_listener *);

static HANDLE asked;

static int on_request(void *arg, int reason)
{
    (void)arg;
    if (reason == TERMINUS_REASON_REQUEST)
        SetEvent(asked);
    return 1; /* do not exit */
}

/* The DLL's path, as Windows reads it ($TERMINUS_DLL may be a Unix path). */
static int dll_path(wchar_t *out, size_t cap)
{
    const char *p = getenv("TERMINUS_DLL");
    char buf[MAX_PATH];
    if (p == NULL || p[0] == '\0')
        return 0;
    if (p[0] == '/')
        snprintf(buf, sizeof buf, "Z:%s", p);
    else
        snprintf(buf, sizeof buf, "%s", p);
    for (char *c = buf; *c; c++)
        if (*c == '/')
            *c = '\\';
    return MultiByteToWideChar(CP_UTF8, 0, buf, -1, out, (int)cap) > 0;
}

/* Our own listener window of the DLL's class, or NULL. */
static HWND find_listener(void)
{
    HWND w = NULL;
    while ((w = FindWindowExW(NULL, w, L"terminus.listener.1", NULL)) != NULL) {
        DWORD pid = 0;
        GetWindowThreadProcessId(w, &pid);
        if (pid == GetCurrentProcessId())
            return w;
    }
    return NULL;
}

/*
 * A program loads the DLL, starts a listener and frees the DLL: the listener's
 * thread runs the DLL's code, so the DLL must stay until the listener is
 * freed. Before, it was unmapped under the thread, which crashed at its next
 * message; now the listener answers, and freeing it unloads the DLL.
 */
static void dll_listener_outlives_freelibrary(void)
{
    wchar_t path[MAX_PATH];
    terminus_listener *l = NULL;

    if (!dll_path(path, MAX_PATH))
        SKIP("TERMINUS_DLL (the path of libterminus-0.dll) is not set");
    REQUIRE(GetModuleHandleW(L"libterminus-0.dll") == NULL);
    HMODULE dll = LoadLibraryW(path);
    REQUIRE(dll != NULL);
    listen_fn listen = (listen_fn)(void (*)(void))GetProcAddress(dll, "terminus_listen");
    REQUIRE(listen != NULL);
    asked = CreateEventW(NULL, TRUE, FALSE, NULL);
    REQUIRE(asked != NULL);
    REQUIRE_RC(listen(NULL, NULL, 0, on_request, NULL, &l), TERMINUS_OK);

    FreeLibrary(dll);
    /* the listener holds it */
    REQUIRE(GetModuleHandleW(L"libterminus-0.dll") != NULL);

    HWND w = find_listener();
    REQUIRE(w != NULL);
    wchar_t name[256];
    REQUIRE(MultiByteToWideChar(CP_UTF8, 0, TERMINUS_DEFAULT_MESSAGE, -1, name, 256) > 0);
    UINT msg = RegisterWindowMessageW(name);
    REQUIRE(msg != 0);
    REQUIRE(PostMessageW(w, msg, (WPARAM)GetCurrentProcessId(), 0));
    CHECK(WaitForSingleObject(asked, 20000) == WAIT_OBJECT_0);

    /* free the listener through the DLL, loaded again (the same module) */
    HMODULE again = LoadLibraryW(path);
    REQUIRE(again != NULL);
    listener_free_fn lfree =
        (listener_free_fn)(void (*)(void))GetProcAddress(again, "terminus_listener_free");
    REQUIRE(lfree != NULL);
    lfree(l);
    FreeLibrary(again);
    /* every reference is dropped: the listener's thread let go of its own */
    CHECK(GetModuleHandleW(L"libterminus-0.dll") == NULL);
    CloseHandle(asked);
}

/* ---- sessions an administrator acts on: details, addresses, blockers ---- */

static void filetime_conv(void)
{
    const int64_t epoch = INT64_C(116444736000000000);

    CHECK_EQ(tm_win_filetime_us(0), 0);
    CHECK_EQ(tm_win_filetime_us(-5), 0);
    CHECK_EQ(tm_win_filetime_us(epoch), 0);
    CHECK_EQ(tm_win_filetime_us(epoch + 10), 1);
    /* 2024-01-01 00:00:00 UTC */
    CHECK_EQ(tm_win_filetime_us(epoch + INT64_C(1704067200) * 10000000), INT64_C(1704067200000000));
}

static WTS_CLIENT_ADDRESS addr_of(DWORD family, const BYTE *bytes, size_t n)
{
    WTS_CLIENT_ADDRESS a;

    memset(&a, 0, sizeof a);
    a.AddressFamily = family;
    memcpy(a.Address + 2, bytes, n);
    return a;
}

static void address_text(void)
{
    static const BYTE v4[] = { 192, 0, 2, 7 };
    static const struct {
        BYTE b[16];
        const char *text;
    } v6[] = {
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 }, "2001:db8::5" },
        { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "::1" },
        { { 0 }, "::" },
        { { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "1::" },
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 }, "2001:db8:0:1:1:1:1:1" },
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, "2001:db8:0:0:1::" },
        { { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0, 0, 0, 0x12, 0x34 },
          "fe80::abcd:0:0:1234" },
    };
    WTS_CLIENT_ADDRESS a;
    char out[64];

    a = addr_of(2, v4, sizeof v4);
    CHECK_EQ(tm_win_address_text(&a, out, sizeof out), 9);
    CHECK_STR_EQ(out, "192.0.2.7");
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        a = addr_of(23, v6[i].b, 16);
        tm_win_address_text(&a, out, sizeof out);
        CHECK_STR_EQ(out, v6[i].text);
    }
    a = addr_of(0, v4, sizeof v4); /* AF_UNSPEC: the console */
    CHECK_EQ(tm_win_address_text(&a, out, sizeof out), 0);
    CHECK_STR_EQ(out, "");
    a = addr_of(17, v4, sizeof v4); /* AF_NETBIOS: no text */
    CHECK_EQ(tm_win_address_text(&a, out, sizeof out), 0);
    CHECK_EQ(tm_win_address_text(NULL, out, sizeof out), 0);
    CHECK_STR_EQ(out, "");
    a = addr_of(2, v4, sizeof v4);
    CHECK_EQ(tm_win_address_text(&a, out, 5), 0); /* does not fit: nothing */
    CHECK_STR_EQ(out, "");
}

static void details_fill(void)
{
    const int64_t epoch = INT64_C(116444736000000000), s = 10000000;
    const int64_t now = epoch + INT64_C(1704067200) * s;
    terminus_session_details d;
    WTSINFOW info;
    WTS_CLIENT_ADDRESS a;
    static const BYTE v4[] = { 10, 1, 2, 3 };

    memset(&info, 0, sizeof info);
    info.LogonTime.QuadPart = now - 7200 * s;
    info.LastInputTime.QuadPart = now - 600 * s;
    info.DisconnectTime.QuadPart = now - 3600 * s;
    info.CurrentTime.QuadPart = now;
    a = addr_of(2, v4, sizeof v4);

    memset(&d, 0, sizeof d);
    d.id = 3;
    d.state = TERMINUS_SESSION_ACTIVE;
    snprintf(d.name, sizeof d.name, "RDP-Tcp#3");
    tm_win_details_fill(&d, &info, 2, &a, L"LAPTOP-\u00c9");
    CHECK_EQ(d.type, TERMINUS_SESSION_TYPE_RDP);
    CHECK_EQ(d.remote, 1);
    CHECK_EQ(d.idle_hint, -1);
    CHECK_EQ(d.session_class, TERMINUS_SESSION_CLASS_UNKNOWN);
    CHECK_EQ(d.logon_us, INT64_C(1704067200000000) - INT64_C(7200000000));
    CHECK_EQ(d.now_us, INT64_C(1704067200000000));
    CHECK_STR_EQ(d.client, "LAPTOP-\xc3\x89");
    CHECK_STR_EQ(d.address, "10.1.2.3");
    CHECK_STR_EQ(d.seat, "RDP-Tcp#3");
    CHECK_STR_EQ(d.tty, "");
    /* active: idle since the last input, as query user counts it */
    CHECK_EQ(terminus_session_idle_ms(&d), 600000);
    /* disconnected: since the disconnect */
    d.state = TERMINUS_SESSION_DISCONNECTED;
    CHECK_EQ(terminus_session_idle_ms(&d), 3600000);

    /* the console; ICA; a protocol unknown */
    memset(&d, 0, sizeof d);
    tm_win_details_fill(&d, &info, 0, NULL, NULL);
    CHECK_EQ(d.type, TERMINUS_SESSION_TYPE_CONSOLE);
    CHECK_EQ(d.remote, 0);
    CHECK_STR_EQ(d.client, "");
    CHECK_STR_EQ(d.address, "");
    tm_win_details_fill(&d, &info, 1, NULL, NULL);
    CHECK_EQ(d.type, TERMINUS_SESSION_TYPE_OTHER);
    CHECK_EQ(d.remote, 1);
    tm_win_details_fill(&d, NULL, -1, NULL, NULL);
    CHECK_EQ(d.type, TERMINUS_SESSION_TYPE_UNKNOWN);
    CHECK_EQ(d.remote, -1);
    /* no WTSINFOW: the times stay unknown, as they were */
    memset(&d, 0, sizeof d);
    tm_win_details_fill(&d, NULL, 2, NULL, NULL);
    CHECK_EQ(d.logon_us, 0);
    CHECK_EQ(d.now_us, 0);
    CHECK_EQ(terminus_session_idle_ms(&d), -1);
    /* a session nobody logged on to: LastInputTime 0 is unknown, not 1601 */
    memset(&info.LastInputTime, 0, sizeof info.LastInputTime);
    memset(&d, 0, sizeof d);
    d.state = TERMINUS_SESSION_ACTIVE;
    tm_win_details_fill(&d, &info, 0, NULL, NULL);
    CHECK_EQ(d.idle_since_us, 0);
    CHECK_EQ(terminus_session_idle_ms(&d), -1);
}

/* Stand-ins for EnumWindows, ShutdownBlockReasonQuery and the window's owner:
 * windows 1..n; those whose number is in `reasons` have that reason. */
static size_t sb_windows;
static const wchar_t *sb_reason[300];

static BOOL WINAPI sb_enum(WNDENUMPROC fn, LPARAM arg)
{
    for (size_t i = 1; i <= sb_windows; i++)
        if (!fn((HWND)(uintptr_t)i, arg))
            return FALSE;
    return TRUE;
}

static BOOL WINAPI sb_query(HWND w, LPWSTR buf, DWORD *len)
{
    const wchar_t *r = sb_reason[(uintptr_t)w];
    size_t n;

    if (r == NULL) {
        SetLastError(ERROR_NOT_FOUND);
        return FALSE;
    }
    n = wcslen(r);
    if (buf == NULL) {
        *len = (DWORD)(n + 1);
        return TRUE;
    }
    if (*len < n + 1) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return FALSE;
    }
    memcpy(buf, r, (n + 1) * sizeof *buf);
    *len = (DWORD)(n + 1);
    return TRUE;
}

static void sb_owner(HWND w, DWORD *pid, char *who, size_t cap)
{
    *pid = 1000 + (DWORD)(uintptr_t)w;
    snprintf(who, cap, "app%u.exe", (unsigned)(uintptr_t)w);
}

static terminus_blocker sb_got[300];
static size_t sb_n, sb_stop_after;

static int sb_collect(void *arg, const terminus_blocker *b)
{
    (void)arg;
    if (sb_n < 300)
        sb_got[sb_n] = *b;
    sb_n++;
    return sb_stop_after != 0 && sb_n >= sb_stop_after ? TERMINUS_E_NO_MEMORY : TERMINUS_OK;
}

static void blockers_scan(void)
{
    static wchar_t longer[700];

    for (size_t i = 0; i < 699; i++)
        longer[i] = L'a' + (wchar_t)(i % 26);
    longer[699] = L'\0';
    memset(sb_reason, 0, sizeof sb_reason);
    sb_windows = 5;
    sb_reason[2] = L"Saving report.docx";
    sb_reason[3] = longer;
    sb_reason[5] = L"\u00c9criture en cours";
    sb_n = 0;
    sb_stop_after = 0;
    CHECK_RC(tm_win_blockers_scan(sb_enum, sb_query, sb_owner, sb_collect, NULL), TERMINUS_OK);
    REQUIRE(sb_n == 3);
    CHECK_STR_EQ(sb_got[0].what, "shutdown");
    CHECK_STR_EQ(sb_got[0].who, "app2.exe");
    CHECK_STR_EQ(sb_got[0].why, "Saving report.docx");
    CHECK_STR_EQ(sb_got[0].mode, "block");
    CHECK_EQ(sb_got[0].pid, 1002);
    CHECK_EQ(sb_got[0].uid, TERMINUS_BLOCKER_UID_UNKNOWN);
    CHECK_EQ(strlen(sb_got[1].why), sizeof sb_got[1].why - 1); /* cut to fit */
    CHECK(strncmp(sb_got[1].why, "abcdefghijklmnopqrstuvwxyzab", 28) == 0);
    CHECK_STR_EQ(sb_got[2].why, "\xc3\x89"
                                "criture en cours");
    /* no window has a reason */
    memset(sb_reason, 0, sizeof sb_reason);
    sb_n = 0;
    CHECK_RC(tm_win_blockers_scan(sb_enum, sb_query, sb_owner, sb_collect, NULL), TERMINUS_OK);
    CHECK_EQ(sb_n, 0);
    /* many windows (the list grows); the callback's code stops the scan */
    sb_windows = 299;
    for (size_t i = 1; i <= 299; i++)
        sb_reason[i] = L"busy";
    sb_n = 0;
    CHECK_RC(tm_win_blockers_scan(sb_enum, sb_query, sb_owner, sb_collect, NULL), TERMINUS_OK);
    CHECK_EQ(sb_n, 299);
    CHECK_EQ(sb_got[298].pid, 1299);
    sb_n = 0;
    sb_stop_after = 7;
    CHECK_RC(tm_win_blockers_scan(sb_enum, sb_query, sb_owner, sb_collect, NULL),
             TERMINUS_E_NO_MEMORY);
    CHECK_EQ(sb_n, 7);
    sb_stop_after = 0;
}

/* The real calls: what Wine 8 answers (Windows would list, show or read). */
static void admin_real_calls(void)
{
    terminus_server *s = NULL;
    terminus_session_details *d = NULL;
    terminus_blocker *b = NULL;
    DWORD own = 0;
    size_t n = 0;
    int rc;

    REQUIRE_RC(terminus_server_open(NULL, NULL, &s), TERMINUS_OK);
    REQUIRE(ProcessIdToSessionId(GetCurrentProcessId(), &own));
    /* another session's windows cannot be read: said so */
    CHECK_RC(terminus_session_blockers(s, own + 1, &b, &n), TERMINUS_E_UNSUPPORTED);
    CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "is another");
    rc = terminus_session_blockers(s, TERMINUS_SESSION_CURRENT, &b, &n);
    printf("# blockers of the own session: %s: %s\n", terminus_error_name(rc),
           rc == TERMINUS_OK ? "listed" : terminus_error_last()->message);
    if (tm_win_is_wine()) {
        CHECK_RC(rc, TERMINUS_E_UNSUPPORTED);
        CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "no ShutdownBlockReasonQuery (Wine 8 lacks it)");
    } else {
        CHECK_RC(rc, TERMINUS_OK);
    }
    terminus_blockers_free(b);
    rc = terminus_session_details_list(s, &d, &n);
    printf("# session details: %s\n", terminus_error_name(rc));
    CHECK(rc == TERMINUS_OK || (tm_win_is_wine() && rc == TERMINUS_E_UNSUPPORTED));
    terminus_session_details_free(d);
    rc = terminus_session_message(s, own, "terminus test", "A test message: it closes by itself.",
                                  1000);
    printf("# a message to the own session: %s: %s\n", terminus_error_name(rc),
           rc == TERMINUS_OK ? "shown" : terminus_error_last()->message);
    CHECK(rc == TERMINUS_OK || (tm_win_is_wine() && rc == TERMINUS_E_UNSUPPORTED));
    if (rc != TERMINUS_OK)
        CHECK_ERROR(TERMINUS_E_UNSUPPORTED, "WTSSendMessageW");
    terminus_server_close(s);
}

/*
 * The console step of the DLL, loaded from a directory whose name has a
 * space: rundll32.exe gets the DLL's path quoted, runs its helper, and the
 * console program's own Ctrl+C handler ends it (tm_console, next to this
 * program, exits with 40).
 */
static void dll_console_step_spaced_path(void)
{
    typedef const terminus_os *(*native_fn)(void);
    wchar_t src[MAX_PATH], dir[MAX_PATH], dst[MAX_PATH], exe[MAX_PATH], cmd[2 * MAX_PATH];
    terminus_os_process *p = NULL;
    uint32_t reach = 0;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0;

    if (!dll_path(src, MAX_PATH))
        SKIP("TERMINUS_DLL (the path of libterminus-0.dll) is not set");
    REQUIRE(GetTempPathW(MAX_PATH, dir) > 0);
    swprintf(dir + wcslen(dir), MAX_PATH - wcslen(dir), L"tm rules %lu",
             (unsigned long)GetCurrentProcessId());
    CreateDirectoryW(dir, NULL);
    swprintf(dst, MAX_PATH, L"%ls\\libterminus-0.dll", dir);
    REQUIRE(CopyFileW(src, dst, FALSE));
    HMODULE dll = LoadLibraryW(dst);
    REQUIRE(dll != NULL);
    native_fn native = (native_fn)(void (*)(void))GetProcAddress(dll, "terminus_os_native");
    REQUIRE(native != NULL);
    const terminus_os *os = native();
    REQUIRE(os->version >= 2 && os->process_step != NULL);

    DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
    REQUIRE(n > 0 && n < MAX_PATH);
    *wcsrchr(exe, L'\\') = 0;
    swprintf(cmd, 2 * MAX_PATH, L"\"%ls\\tm_console.exe\" handler \"%ls\\marker.txt\"", exe, dir);
    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    REQUIRE(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_NEW_CONSOLE, NULL, NULL, &si, &pi));
    CloseHandle(pi.hThread);
    Sleep(500); /* its handler is set at once; no ready event here */
    REQUIRE_RC(os->process_open(os->data, (terminus_pid)pi.dwProcessId, &p), TERMINUS_OK);
    CHECK_RC(os->process_reach(os->data, &p, 1, TERMINUS_STEPS_DEFAULT, 0, TERMINUS_DEFAULT_MESSAGE,
                               &reach),
             TERMINUS_OK);
    CHECK_EQ(reach, TERMINUS_STEP_CONSOLE);
    int rc = os->process_step(os->data, p, TERMINUS_STEP_CONSOLE, 0, TERMINUS_DEFAULT_MESSAGE);
    if (!CHECK_RC(rc, TERMINUS_OK))
        printf("#   %s\n", terminus_error_last()->message);
    CHECK(WaitForSingleObject(pi.hProcess, 10000) == WAIT_OBJECT_0);
    GetExitCodeProcess(pi.hProcess, &code);
    CHECK_EQ(code, 40);
    os->process_close(os->data, p);
    if (code != 40)
        TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hProcess);
    FreeLibrary(dll);
    swprintf(cmd, 2 * MAX_PATH, L"%ls\\marker.txt", dir);
    DeleteFileW(cmd);
    DeleteFileW(dst);
    RemoveDirectoryW(dir);
}

HARNESS_MAIN(T(error_codes), T(error_messages), T(sysmsg_long), T(utf8_cut), T(logoff_refusal),
             T(logoff_hidden_station), T(server_probe), T(session_state_map), T(session_gone_rule),
             T(session_logons_table), T(session_wait_reused_id), T(open_decision), T(reach_bits),
             T(other_session), T(post_codes), T(console_handle), T(helper_result),
             T(listener_actions), T(static_console_step), T(dll_listener_outlives_freelibrary),
             T(dll_console_step_spaced_path), T(filetime_conv), T(address_text), T(details_fill),
             T(blockers_scan), T(admin_real_calls))
