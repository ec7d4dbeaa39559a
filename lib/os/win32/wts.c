/*
 * lib/os/win32/wts.c: logoff (ExitWindowsEx), servers and sessions (wtsapi32).
 *
 * Wine 8 stubs most of wtsapi32: its calls fail with
 * ERROR_CALL_NOT_IMPLEMENTED (120), e.g. WTSLogoffSession, or fail leaving
 * GetLastError at 0, and WTSEnumerateSessionsW lists no session at all.
 * tm_win_fail (TM_WIN_SITE_WTS) and session_list turn each of these into
 * TERMINUS_E_UNSUPPORTED.
 *
 * What an administrator acts on (shim version 2): details from
 * WTSQuerySessionInformationW (WTSSessionInfo, WTSClientName,
 * WTSClientAddress, WTSClientProtocolType), a message with WTSSendMessageW
 * (not waiting for the user), the blockers of the caller's own session's
 * windows with ShutdownBlockReasonQuery (looked up at run time: Wine 8's
 * user32 lacks it). The conversions and the window scan are pure functions
 * or take the OS calls as arguments (win32.h), for test_win32_rules.c.
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

/* ---------------------------------------------------------------------- */
/* Sessions an administrator acts on (shim version 2)                      */
/* ---------------------------------------------------------------------- */

/* 100 ns intervals between 1601-01-01 and 1970-01-01 (UTC) */
#define TM_WIN_EPOCH_DIFF INT64_C(116444736000000000)

/* A FILETIME count as microseconds since the Unix epoch (win32.h). */
int64_t tm_win_filetime_us(int64_t filetime)
{
    if (filetime <= TM_WIN_EPOCH_DIFF)
        return 0;
    return (filetime - TM_WIN_EPOCH_DIFF) / 10;
}

/* A WTS_CLIENT_ADDRESS as text (win32.h). */
size_t tm_win_address_text(const WTS_CLIENT_ADDRESS *a, char *out, size_t cap)
{
    int n = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (a == NULL)
        return 0;
    if (a->AddressFamily == 2) { /* AF_INET */
        n = snprintf(out, cap, "%u.%u.%u.%u", a->Address[2], a->Address[3], a->Address[4],
                     a->Address[5]);
    } else if (a->AddressFamily == 23) { /* AF_INET6 */
        unsigned w[8];
        int best = -1, best_len = 0, at = -1, len = 0;
        size_t used = 0;
        for (int i = 0; i < 8; i++)
            w[i] = (unsigned)a->Address[2 + 2 * i] << 8 | a->Address[3 + 2 * i];
        /* the longest run of two or more zero words becomes "::" (the first such) */
        for (int i = 0; i <= 8; i++) {
            if (i < 8 && w[i] == 0) {
                if (at < 0)
                    at = i, len = 0;
                len++;
            } else if (at >= 0) {
                if (len > best_len && len >= 2)
                    best = at, best_len = len;
                at = -1;
            }
        }
        for (int i = 0; i < 8 && used < cap; i++) {
            if (i == best) {
                used += (size_t)snprintf(out + used, cap - used, "::");
                i += best_len - 1;
                continue;
            }
            used += (size_t)snprintf(out + used, cap - used, "%s%x",
                                     i > 0 && i != best + best_len ? ":" : "", w[i]);
        }
        n = (int)(used < cap ? used : cap - 1);
    }
    if (n < 0)
        n = 0;
    if ((size_t)n >= cap) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

/* The Windows part of a session's details (win32.h). */
void tm_win_details_fill(terminus_session_details *d, const WTSINFOW *info, int protocol,
                         const WTS_CLIENT_ADDRESS *addr, const wchar_t *client)
{
    d->idle_hint = -1; /* Windows has none: its idle time is the last input's */
    d->session_class = TERMINUS_SESSION_CLASS_UNKNOWN;
    switch (protocol) {
    case 0:
        d->type = TERMINUS_SESSION_TYPE_CONSOLE;
        d->remote = 0;
        break;
    case 1:
        d->type = TERMINUS_SESSION_TYPE_OTHER; /* ICA */
        d->remote = 1;
        break;
    case 2:
        d->type = TERMINUS_SESSION_TYPE_RDP;
        d->remote = 1;
        break;
    default:
        d->type = protocol < 0 ? TERMINUS_SESSION_TYPE_UNKNOWN : TERMINUS_SESSION_TYPE_OTHER;
        d->remote = protocol < 0 ? -1 : 1;
        break;
    }
    if (info != NULL) {
        d->logon_us = tm_win_filetime_us((int64_t)info->LogonTime.QuadPart);
        d->idle_since_us = tm_win_filetime_us((int64_t)info->LastInputTime.QuadPart);
        d->disconnect_us = tm_win_filetime_us((int64_t)info->DisconnectTime.QuadPart);
        d->now_us = tm_win_filetime_us((int64_t)info->CurrentTime.QuadPart);
    }
    tm_win_address_text(addr, d->address, sizeof d->address);
    if (client != NULL)
        tm_win_narrow(client, d->client, sizeof d->client);
    else
        d->client[0] = '\0';
    snprintf(d->seat, sizeof d->seat, "%s", d->name);
    d->tty[0] = '\0';
}

/* One session's WTS details (what cannot be read stays unknown). */
static void tm_win_session_more(HANDLE h, terminus_session_details *d)
{
    WTSINFOW *info = NULL;
    USHORT *proto = NULL;
    WTS_CLIENT_ADDRESS *addr = NULL;
    LPWSTR client = NULL;
    DWORD bytes = 0;
    int protocol = -1;

    if (!WTSQuerySessionInformationW(h, d->id, WTSSessionInfo, (LPWSTR *)&info, &bytes) ||
        bytes < sizeof *info || info->SessionId != d->id) {
        if (info != NULL)
            WTSFreeMemory(info);
        info = NULL;
    }
    if (WTSQuerySessionInformationW(h, d->id, WTSClientProtocolType, (LPWSTR *)&proto, &bytes) &&
        proto != NULL && bytes >= sizeof *proto)
        protocol = *proto;
    if (!WTSQuerySessionInformationW(h, d->id, WTSClientAddress, (LPWSTR *)&addr, &bytes) ||
        bytes < sizeof *addr) {
        if (addr != NULL)
            WTSFreeMemory(addr);
        addr = NULL;
    }
    if (!WTSQuerySessionInformationW(h, d->id, WTSClientName, &client, &bytes)) {
        if (client != NULL)
            WTSFreeMemory(client);
        client = NULL;
    }
    tm_win_details_fill(d, info, protocol, addr, client);
    if (d->now_us == 0) { /* no WTSINFOW: this machine's clock */
        FILETIME ft;
        GetSystemTimeAsFileTime(&ft);
        d->now_us =
            tm_win_filetime_us((int64_t)((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime));
    }
    if (info != NULL)
        WTSFreeMemory(info);
    if (proto != NULL)
        WTSFreeMemory(proto);
    if (addr != NULL)
        WTSFreeMemory(addr);
    if (client != NULL)
        WTSFreeMemory(client);
}

struct tm_win_details_ctx {
    HANDLE h;
    terminus_os_details_fn fn;
    void *arg;
};

/* session_list's callback: add the details, pass them on. */
static int tm_win_details_one(void *arg, const terminus_session_info *info)
{
    struct tm_win_details_ctx *c = arg;
    terminus_session_details d;

    memset(&d, 0, sizeof d);
    d.id = info->id;
    d.state = info->state;
    memcpy(d.name, info->name, sizeof d.name);
    memcpy(d.user, info->user, sizeof d.user);
    tm_win_session_more(c->h, &d);
    return c->fn(c->arg, &d);
}

int tm_win_session_details(void *data, terminus_os_server *s, terminus_os_details_fn fn, void *arg)
{
    struct tm_win_details_ctx c = { s->h, fn, arg };
    /* the same listing as session_list, Wine's empty one included */
    return tm_win_session_list(data, s, tm_win_details_one, &c);
}

int tm_win_session_message(void *data, terminus_os_server *s, uint32_t id, const char *title,
                           const char *text, uint32_t timeout_s)
{
    wchar_t wtitle[256], wtext[1024];
    DWORD response = 0;
    int rc;
    (void)data;

    if ((rc = tm_win_wide("WTSSendMessageW", title, wtitle, 256)) != TERMINUS_OK ||
        (rc = tm_win_wide("WTSSendMessageW", text, wtext, 1024)) != TERMINUS_OK)
        return rc;
    SetLastError(0);
    /* bWait FALSE: the box is shown and the call returns at once (IDASYNC);
     * it closes by itself after timeout_s (0: when the user closes it) */
    if (!WTSSendMessageW(s->h, (DWORD)id, wtitle, (DWORD)(wcslen(wtitle) * sizeof(wchar_t)), wtext,
                         (DWORD)(wcslen(wtext) * sizeof(wchar_t)),
                         MB_OK | MB_ICONWARNING | MB_SETFOREGROUND, (DWORD)timeout_s, &response,
                         FALSE))
        return tm_win_fail(TM_WIN_SITE_SESSION, TM_WIN_LAST(), "WTSSendMessageW(%s, %lu)",
                           tm_win_srv_name(s), (unsigned long)id);
    return TERMINUS_OK;
}

/* The windows EnumWindows gives, collected first (its callback cannot fail). */
struct tm_win_windows {
    HWND *w;
    size_t n, cap;
    int failed;
};

static BOOL CALLBACK tm_win_collect_window(HWND w, LPARAM arg)
{
    struct tm_win_windows *l = (struct tm_win_windows *)arg;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        HWND *nw = realloc(l->w, cap * sizeof *nw);
        if (nw == NULL) {
            l->failed = 1;
            return FALSE;
        }
        l->w = nw;
        l->cap = cap;
    }
    l->w[l->n++] = w;
    return TRUE;
}

/* The blockers of the windows `enumerate` finds (win32.h). */
int tm_win_blockers_scan(tm_win_enumwindows_fn enumerate, tm_win_reason_fn query,
                         tm_win_owner_fn owner, terminus_os_blocker_fn fn, void *arg)
{
    struct tm_win_windows l = { NULL, 0, 0, 0 };
    int rc = TERMINUS_OK;

    enumerate(tm_win_collect_window, (LPARAM)&l);
    if (l.failed) {
        free(l.w);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "EnumWindows: out of memory");
    }
    for (size_t i = 0; i < l.n && rc == TERMINUS_OK; i++) {
        wchar_t *buf;
        DWORD len = 0, cap;
        terminus_blocker b;
        DWORD pid = 0;

        /* the length first (with NULL: it succeeds only for a window that
         * has a reason), then the reason */
        if (!query(l.w[i], NULL, &len) || len == 0)
            continue;
        cap = len + 1;
        buf = calloc((size_t)cap, sizeof *buf);
        if (buf == NULL) {
            rc = terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                   "ShutdownBlockReasonQuery: out of memory");
            break;
        }
        len = cap - 1;
        if (!query(l.w[i], buf, &len)) {
            free(buf);
            continue; /* released, or lengthened, meanwhile */
        }
        buf[len < cap ? len : cap - 1] = L'\0'; /* whether or not the count holds the NUL */
        memset(&b, 0, sizeof b);
        snprintf(b.what, sizeof b.what, "shutdown");
        snprintf(b.mode, sizeof b.mode, "block");
        b.uid = TERMINUS_BLOCKER_UID_UNKNOWN;
        owner(l.w[i], &pid, b.who, sizeof b.who);
        b.pid = (uint32_t)pid;
        tm_win_narrow(buf, b.why, sizeof b.why);
        free(buf);
        rc = fn(arg, &b);
    }
    free(l.w);
    return rc;
}

/* A window's process and its program's file name, without a message to it. */
static void tm_win_window_owner(HWND w, DWORD *pid, char *who, size_t cap)
{
    wchar_t path[MAX_PATH];
    DWORD n = MAX_PATH;
    HANDLE p;

    *pid = 0;
    who[0] = '\0';
    GetWindowThreadProcessId(w, pid);
    p = *pid != 0 ? OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, *pid) : NULL;
    if (p == NULL)
        return;
    if (QueryFullProcessImageNameW(p, 0, path, &n)) {
        const wchar_t *base = wcsrchr(path, L'\\');
        tm_win_narrow(base != NULL ? base + 1 : path, who, cap);
    }
    CloseHandle(p);
}

int tm_win_session_blockers(void *data, terminus_os_server *s, uint32_t id,
                            terminus_os_blocker_fn fn, void *arg)
{
    DWORD own = 0;
    tm_win_reason_fn query;
    HMODULE user32;
    (void)data;

    if (!s->local)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "ShutdownBlockReasonQuery reads the windows of the caller's own "
                                 "session only: server \"%s\" is another machine",
                                 s->name);
    if (!ProcessIdToSessionId(GetCurrentProcessId(), &own))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "ProcessIdToSessionId(%lu)",
                           (unsigned long)GetCurrentProcessId());
    if (id != TERMINUS_SESSION_CURRENT && id != own)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "ShutdownBlockReasonQuery reads the windows of the caller's own "
                                 "session (%lu) only: session %lu is another",
                                 (unsigned long)own, (unsigned long)id);
    /* looked up, not linked: Wine 8's user32 has no ShutdownBlockReasonQuery */
    user32 = GetModuleHandleW(L"user32.dll");
    query =
        user32 == NULL
            ? NULL
            : (tm_win_reason_fn)(void (*)(void))GetProcAddress(user32, "ShutdownBlockReasonQuery");
    if (query == NULL)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "user32 has no ShutdownBlockReasonQuery%s: the reasons windows "
                                 "give cannot be read",
                                 tm_win_is_wine() ? " (Wine 8 lacks it)" : "");
    return tm_win_blockers_scan(EnumWindows, query, tm_win_window_owner, fn, arg);
}
