/*
 * lib/os/win32/wts.c: logoff (ExitWindowsEx), servers and sessions (wtsapi32).
 *
 * Wine 8 stubs most of wtsapi32: its calls fail with
 * ERROR_CALL_NOT_IMPLEMENTED (120), e.g. WTSLogoffSession, or fail leaving
 * GetLastError at 0, and WTSEnumerateSessionsW lists no session at all.
 * tm_win_fail (TM_WIN_SITE_WTS) and session_list turn each of these into
 * TERMINUS_E_UNSUPPORTED.
 *
 * Two calls report success for what they did not do, so each is checked
 * first or after: ExitWindowsEx(EWX_LOGOFF) from session 0 or a window
 * station nobody sees logs nobody off (tm_win_logoff refuses it), and
 * WTSOpenServerW may return a handle to a server that cannot be reached
 * (tm_win_server_open tries the handle once: tm_win_server_probe).
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terminus/logoff.h"

/* ---------------------------------------------------------------------- */
/* Logoff                                                                  */
/* ---------------------------------------------------------------------- */

/* Why ExitWindowsEx(EWX_LOGOFF) would log nobody off (win32.h). */
const char *tm_win_logoff_refusal(DWORD session, int station_visible)
{
    if (session == 0)
        return "the caller runs in session 0 (the services' session)";
    if (station_visible == 0)
        return "the caller runs on a non-interactive window station (a service, an ssh logon or "
               "a scheduled task)";
    return NULL;
}

/* 1 if the caller's window station is visible (WinSta0), 0 if not, -1 unknown. */
static int tm_win_station_visible(void)
{
    USEROBJECTFLAGS f;
    DWORD need = 0;
    HWINSTA ws = GetProcessWindowStation();
    if (ws == NULL || !GetUserObjectInformationW(ws, UOI_FLAGS, &f, sizeof f, &need))
        return -1;
    return (f.dwFlags & WSF_VISIBLE) ? 1 : 0;
}

int tm_win_logoff(void *data, uint32_t flags)
{
    (void)data;
    /*
     * From session 0 or a window station nobody sees, ExitWindowsEx returns
     * TRUE and logs nobody off: find out first. (EWX_FORCE has no effect
     * under terminal services, per ExitWindowsEx's documentation; see
     * include/terminus/logoff.h.)
     */
    DWORD session = TM_WIN_SESSION_UNKNOWN;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &session))
        session = TM_WIN_SESSION_UNKNOWN;
    const char *why = tm_win_logoff_refusal(session, tm_win_station_visible());
    if (why != NULL)
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 "ExitWindowsEx(EWX_LOGOFF) refused: %s: ExitWindowsEx would "
                                 "log nobody off",
                                 why);
    UINT how = EWX_LOGOFF;
    if (flags & TERMINUS_LOGOFF_FORCE)
        how |= EWX_FORCE;
    if (flags & TERMINUS_LOGOFF_FORCE_IF_HUNG)
        how |= EWX_FORCEIFHUNG;
    if (!ExitWindowsEx(how, SHTDN_REASON_MAJOR_OTHER | SHTDN_REASON_MINOR_OTHER |
                                SHTDN_REASON_FLAG_PLANNED))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "ExitWindowsEx(EWX_LOGOFF%s%s)",
                           (flags & TERMINUS_LOGOFF_FORCE) ? " | EWX_FORCE" : "",
                           (flags & TERMINUS_LOGOFF_FORCE_IF_HUNG) ? " | EWX_FORCEIFHUNG" : "");
    return TERMINUS_OK;
}

/* ---------------------------------------------------------------------- */
/* Servers and sessions                                                    */
/* ---------------------------------------------------------------------- */

struct terminus_os_server {
    HANDLE h; /* WTS_CURRENT_SERVER_HANDLE for this machine */
    int local;
    char name[256];       /* for messages; "" for this machine */
    SRWLOCK lock;         /* guards logons */
    tm_win_logons logons; /* read by session_logoff, for session_wait_gone */
};

static const char *tm_win_srv_name(const terminus_os_server *s)
{
    return s->local ? "(this machine)" : s->name;
}

int tm_win_server_open(void *data, const char *name, terminus_os_server **out)
{
    (void)data;
    terminus_os_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "server_open: out of memory");
    InitializeSRWLock(&s->lock);
    if (name == NULL || name[0] == '\0') {
        s->h = WTS_CURRENT_SERVER_HANDLE; /* nothing to open or close */
        s->local = 1;
        *out = s;
        return TERMINUS_OK;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    wchar_t wname[512];
    int rc = tm_win_wide("WTSOpenServerW", name, wname, 512);
    if (rc != TERMINUS_OK) {
        free(s);
        return rc;
    }
    SetLastError(0);
    s->h = WTSOpenServerW(wname);
    if (s->h == NULL) {
        rc = tm_win_fail(TM_WIN_SITE_WTS, TM_WIN_LAST(), "WTSOpenServerW(\"%s\")", name);
        free(s);
        return rc;
    }
    /* the handle may be one of a server that cannot be reached: try it once */
    rc = tm_win_server_probe(s->h, name, WTSEnumerateSessionsW, WTSFreeMemory);
    if (rc != TERMINUS_OK) {
        WTSCloseServer(s->h);
        free(s);
        return rc;
    }
    *out = s;
    return TERMINUS_OK;
}

/* Whether the server behind `h` answers (win32.h). */
int tm_win_server_probe(HANDLE h, const char *name, tm_win_enum_fn enumerate,
                        tm_win_free_fn release)
{
    WTS_SESSION_INFOW *list = NULL;
    DWORD count = 0;
    SetLastError(0);
    BOOL ok = enumerate(h, 0, 1, &list, &count);
    DWORD err = GetLastError();
    if (list != NULL)
        release(list);
    if (!ok)
        return tm_win_fail(TM_WIN_SITE_WTS, err,
                           "WTSEnumerateSessionsW(\"%s\", after WTSOpenServerW succeeded)", name);
    return TERMINUS_OK;
}

void tm_win_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    if (s == NULL)
        return;
    if (!s->local)
        WTSCloseServer(s->h);
    free(s);
}

/* The public state of a WTS state (win32.h). */
int32_t tm_win_state(int st)
{
    switch (st) {
    case WTSActive:
        return TERMINUS_SESSION_ACTIVE;
    case WTSConnected:
        return TERMINUS_SESSION_CONNECTED;
    case WTSDisconnected:
        return TERMINUS_SESSION_DISCONNECTED;
    case WTSListen:
        return TERMINUS_SESSION_LISTEN;
    case WTSDown:
        return TERMINUS_SESSION_DOWN;
    case WTSInit:
        return TERMINUS_SESSION_INIT;
    default: /* WTSConnectQuery, WTSShadow, WTSIdle, WTSReset */
        return TERMINUS_SESSION_OTHER;
    }
}

/* A string property of a session, in UTF-8; "" if it has none or cannot be read. */
static void tm_win_session_string(HANDLE h, DWORD id, WTS_INFO_CLASS what, char *out, size_t cap)
{
    LPWSTR buf = NULL;
    DWORD bytes = 0;
    out[0] = '\0';
    if (WTSQuerySessionInformationW(h, id, what, &buf, &bytes) && buf != NULL)
        tm_win_narrow(buf, out, cap);
    if (buf != NULL)
        WTSFreeMemory(buf);
}

int tm_win_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg)
{
    (void)data;
    WTS_SESSION_INFOW *list = NULL;
    DWORD count = 0;
    SetLastError(0);
    if (!WTSEnumerateSessionsW(s->h, 0, 1, &list, &count))
        return tm_win_fail(TM_WIN_SITE_WTS, TM_WIN_LAST(), "WTSEnumerateSessionsW(%s)",
                           tm_win_srv_name(s));
    if (count == 0) {
        /* Every Windows server has at least session 0 (services): an empty
         * list is a stub's answer (Wine's), not a server with no session. */
        if (list != NULL)
            WTSFreeMemory(list);
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "WTSEnumerateSessionsW(%s) listed no session, not even session 0: "
                                 "this system does not implement it%s",
                                 tm_win_srv_name(s),
                                 tm_win_is_wine() ? " (Wine stubs most of wtsapi32)" : "");
    }
    int rc = TERMINUS_OK;
    for (DWORD i = 0; i < count && rc == TERMINUS_OK; i++) {
        terminus_session_info info;
        char user[256], domain[256];
        memset(&info, 0, sizeof info);
        info.id = (uint32_t)list[i].SessionId;
        info.state = tm_win_state((int)list[i].State);
        tm_win_narrow(list[i].pWinStationName, info.name, sizeof info.name);
        /* a session that went away since the enumeration just has no user */
        tm_win_session_string(s->h, list[i].SessionId, WTSUserName, user, sizeof user);
        if (user[0] != '\0') {
            tm_win_session_string(s->h, list[i].SessionId, WTSDomainName, domain, sizeof domain);
            if (domain[0] != '\0' && strlen(domain) + 1 + strlen(user) < sizeof info.user)
                snprintf(info.user, sizeof info.user, "%s\\%s", domain, user);
            else
                snprintf(info.user, sizeof info.user, "%s", user);
        }
        rc = fn(arg, &info);
    }
    if (list != NULL)
        WTSFreeMemory(list);
    return rc;
}

int tm_win_session_current(void *data, terminus_os_server *s, uint32_t *id)
{
    (void)data;
    if (!s->local)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "session_current: the caller has no session on server \"%s\"",
                                 s->name);
    DWORD sid = 0;
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &sid))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "ProcessIdToSessionId(%lu)",
                           (unsigned long)GetCurrentProcessId());
    *id = (uint32_t)sid;
    return TERMINUS_OK;
}

/* Remember `time` for `id` (win32.h). */
void tm_win_logons_set(tm_win_logons *t, uint32_t id, int64_t time)
{
    size_t i;
    for (i = 0; i < t->count && t->id[i] != id; i++)
        ;
    if (time == TM_WIN_LOGON_UNKNOWN) {
        if (i < t->count) { /* forget: the last entry takes its place */
            t->count--;
            t->id[i] = t->id[t->count];
            t->time[i] = t->time[t->count];
        }
        return;
    }
    if (i == t->count) {
        if (t->count < TM_WIN_LOGONS) {
            t->count++;
        } else {
            i = t->next;
            t->next = (t->next + 1) % TM_WIN_LOGONS;
        }
    }
    t->id[i] = id;
    t->time[i] = time;
}

/* The time remembered for `id` (win32.h). */
int64_t tm_win_logons_get(const tm_win_logons *t, uint32_t id)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->id[i] == id)
            return t->time[i];
    }
    return TM_WIN_LOGON_UNKNOWN;
}

/* Whether the wait after a logoff is over (win32.h). */
int tm_win_session_gone(int found, int state, int64_t logon_before, int64_t logon_now)
{
    if (!found)
        return 1;
    if (state == WTSDown)
        return 1;
    /* ids are reused: another logon time under the id is another session */
    if (logon_before > 0 && logon_now != TM_WIN_LOGON_UNKNOWN && logon_now != logon_before)
        return 1;
    return 0;
}

/* The logon time of the session that has `id` now (win32.h). */
int64_t tm_win_session_logon(HANDLE h, DWORD id, tm_win_query_fn query, tm_win_free_fn release)
{
    WTSINFOW *info = NULL;
    DWORD bytes = 0;
    int64_t t = TM_WIN_LOGON_UNKNOWN;
    if (query(h, id, WTSSessionInfo, (LPWSTR *)&info, &bytes) && info != NULL &&
        bytes >= sizeof *info && info->SessionId == id && info->LogonTime.QuadPart >= 0)
        t = (int64_t)info->LogonTime.QuadPart;
    if (info != NULL)
        release(info);
    return t;
}

int tm_win_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    (void)data;
    /* what the session with this id is, for session_wait_gone: its logon time */
    int64_t logon =
        tm_win_session_logon(s->h, (DWORD)id, WTSQuerySessionInformationW, WTSFreeMemory);
    AcquireSRWLockExclusive(&s->lock);
    tm_win_logons_set(&s->logons, id, logon);
    ReleaseSRWLockExclusive(&s->lock);
    SetLastError(0);
    /* bWait FALSE: returns at once; session_wait_gone does the bounded wait */
    if (!WTSLogoffSession(s->h, (DWORD)id, FALSE))
        return tm_win_fail(TM_WIN_SITE_SESSION, TM_WIN_LAST(), "WTSLogoffSession(%s, %lu)",
                           tm_win_srv_name(s), (unsigned long)id);
    return TERMINUS_OK;
}

/*
 * How long session_wait_gone sleeps between two looks. WTS has no wait with a
 * timeout: WTSLogoffSession's bWait=TRUE blocks for as long as the logoff
 * takes, and WTSWaitSystemEvent cannot be bounded either (only cancelled
 * from another thread). So the session's state is polled, with a short
 * bounded sleep, and the wait stops at the caller's timeout. The poll asks by
 * id, and ids are reused: session_logoff remembers the session's logon time
 * (WTSINFOW.LogonTime) in the server's state, and another one under the id
 * means another session, so ours is gone (tm_win_session_gone).
 */
#define TM_WIN_SESSION_POLL_MS 50u

/* The wait of session_wait_gone (win32.h). */
int tm_win_session_poll(HANDLE h, const char *srv, uint32_t id, uint32_t timeout_ms,
                        int64_t logon_before, tm_win_query_fn query, tm_win_free_fn release)
{
    ULONGLONG start = GetTickCount64();
    for (;;) {
        WTS_CONNECTSTATE_CLASS *state = NULL;
        DWORD bytes = 0;
        SetLastError(0);
        if (!query(h, (DWORD)id, WTSConnectState, (LPWSTR *)&state, &bytes)) {
            DWORD err = GetLastError();
            if (state != NULL)
                release(state);
            /* the same numbers as "no such session" in session_logoff (tm_win_code) */
            if (tm_win_code(TM_WIN_SITE_SESSION, err, tm_win_is_wine()) == TERMINUS_E_NOT_FOUND)
                return TERMINUS_OK; /* gone (tm_win_session_gone with found 0) */
            return tm_win_fail(TM_WIN_SITE_SESSION, err,
                               "WTSQuerySessionInformationW(%s, %lu, WTSConnectState)", srv,
                               (unsigned long)id);
        }
        int st = state != NULL && bytes >= sizeof *state ? (int)*state : -1;
        if (state != NULL)
            release(state);
        /* whose is the id now: only worth a look if we know whose it was */
        int64_t logon_now = logon_before > 0 ? tm_win_session_logon(h, (DWORD)id, query, release)
                                             : TM_WIN_LOGON_UNKNOWN;
        if (tm_win_session_gone(1, st, logon_before, logon_now))
            return TERMINUS_OK;
        ULONGLONG spent = GetTickCount64() - start;
        if (spent >= timeout_ms)
            return terminus_os_error(TERMINUS_E_TIMEOUT, 0,
                                     "session %lu on %s is still there after %lu ms",
                                     (unsigned long)id, srv, (unsigned long)timeout_ms);
        ULONGLONG left = timeout_ms - spent;
        Sleep((DWORD)(left < TM_WIN_SESSION_POLL_MS ? left : TM_WIN_SESSION_POLL_MS));
    }
}

int tm_win_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms)
{
    (void)data;
    /* the logon time session_logoff read before the logoff, if it could */
    AcquireSRWLockShared(&s->lock);
    int64_t logon_before = tm_win_logons_get(&s->logons, id);
    ReleaseSRWLockShared(&s->lock);
    return tm_win_session_poll(s->h, tm_win_srv_name(s), id, timeout_ms, logon_before,
                               WTSQuerySessionInformationW, WTSFreeMemory);
}
