/*
 * lib/os/win32/win32.h: the private header of the Win32 backend.
 *
 * What the files of lib/os/win32 share: the translation of native errors
 * (tm_win_fail and its call sites), the UTF-8/UTF-16 conversions, the
 * registered message, and the members of terminus_os that backend.c puts in
 * the table. Every name carries the prefix tm_win_ (TM_WIN_ for constants).
 */
#ifndef TERMINUS_OS_WIN32_H
#define TERMINUS_OS_WIN32_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef UNICODE
#define UNICODE
#endif
#include <windows.h>
#include <wtsapi32.h>

#include <stddef.h>
#include <stdint.h>

#include "terminus/sys/os.h"

/* ---------------------------------------------------------------------- */
/* Errors and strings (backend.c)                                          */
/* ---------------------------------------------------------------------- */

/* Which call failed, for the few numbers whose meaning depends on it. */
enum tm_win_site {
    TM_WIN_SITE_GENERIC = 0,
    TM_WIN_SITE_OPEN,   /* OpenProcess: ERROR_INVALID_PARAMETER means "no such process" */
    TM_WIN_SITE_WTS,    /* wtsapi32: Wine's stubs may fail with GetLastError() == 0 */
    TM_WIN_SITE_SESSION /* a wtsapi32 call on one session (WTSLogoffSession,
                           WTSQuerySessionInformationW): 2, 87 and 7022 mean
                           "no such session" */
};

/* The error of the call that just failed. */
#define TM_WIN_LAST() GetLastError()

/* Whether this is Wine (for messages that explain its stubs). */
int tm_win_is_wine(void);

/*
 * The TERMINUS_E_* code for `err` (a GetLastError() value) from a call made
 * at `site`, on Wine (`is_wine` non-zero) or Windows. Pure: no OS call, so
 * that tests/integration/win32/test_win32_rules.c checks every number,
 * including those Wine never gives. tm_win_fail uses it.
 */
int tm_win_code(enum tm_win_site site, DWORD err, int is_wine);

/*
 * Translate `err` (a GetLastError() value) from a call made at `site` into a
 * TERMINUS_E_* code (tm_win_code), record it with the call's description
 * (fmt, ...), the system's message and the native number, and return the code.
 */
int tm_win_fail(enum tm_win_site site, DWORD err, const char *fmt, ...) TERMINUS_PRINTF(3, 4);

/*
 * UTF-16 (`n` units of `w`) -> UTF-8 into `out` (`cap` bytes, `cap` >= 1),
 * cut at a character boundary when it does not fit; an unpaired surrogate
 * becomes U+FFFD. Returns the length written (out is always terminated).
 * Pure: no OS call.
 */
size_t tm_win_utf8(const wchar_t *w, size_t n, char *out, size_t cap);

/*
 * A system message (`n` units of FormatMessageW's text) as one line of UTF-8
 * for an error record: without the trailing newline, spaces and dot, with
 * inner newlines as spaces, cut at a character boundary to fit `cap` bytes
 * however long it is. Returns the length written. Pure: no OS call.
 */
size_t tm_win_sysmsg_text(const wchar_t *w, size_t n, char *out, size_t cap);

/* UTF-8 -> UTF-16 into `out` (`cap` units). 0 on success, else a code. */
int tm_win_wide(const char *what, const char *s, wchar_t *out, int cap);

/* UTF-16 -> UTF-8 into `out` (`cap` bytes), cut at a character boundary. */
void tm_win_narrow(const wchar_t *w, char *out, size_t cap);

/* ---------------------------------------------------------------------- */
/* Processes, wait sets and exit (process.c)                               */
/* ---------------------------------------------------------------------- */

/*
 * An open process (process_open). What process_reach found for the close
 * chain is kept here for process_step (chain.c): the target's listener
 * window, its other top-level windows and the registered message.
 */
struct terminus_os_process {
    HANDLE h;
    DWORD pid;
    int can_kill;         /* opened with PROCESS_TERMINATE */
    HWND listener;        /* its terminus listener window (TM_WIN_LISTENER_CLASS), or NULL */
    HWND *windows;        /* its other top-level windows (not the system's IME windows) */
    size_t nwindows;      /* how many */
    size_t capwindows;    /* room in `windows` */
    int windows_complete; /* `windows` holds every one (the pass was not stopped early) */
    UINT msg;             /* the registered message of the last process_reach, or 0 */
    int ended;            /* a wait set has reported its end: process_status need not look */
};

/* The registered message for `message` (UTF-8), or 0 with the error recorded. */
UINT tm_win_register_message(const char *message, int *code);

/* OK while the process runs; TERMINUS_E_NOT_FOUND (recorded) once it has ended; or the error. */
int tm_win_must_run(terminus_os_process *proc);

/* Broadcast the registered message `msg` (named `message`, for the record) to every
 * top-level window, with the process's pid as wParam (BroadcastSystemMessageW, posted). */
int tm_win_broadcast(terminus_os_process *proc, UINT msg, const char *message);

/*
 * What process_open decides about the process it has opened for pid `asked`:
 * `got` is the id the handle names (GetProcessId), `critical` whether it is
 * a critical process (IsProcessCritical: 1 yes, 0 no, -1 unknown: the call
 * is missing, as before Windows 8.1 and under Wine 8, or failed).
 * TERMINUS_OK: the target; TERMINUS_E_NOT_FOUND: another process (NT ignores
 * the low two bits of an id); TERMINUS_E_REFUSED: a critical process, whose
 * end stops the system. Pure: no OS call.
 */
int tm_win_open_decision(DWORD asked, DWORD got, int critical);

int tm_win_process_open(void *data, terminus_pid pid, terminus_os_process **out);
void tm_win_process_close(void *data, terminus_os_process *proc);
int tm_win_process_status(void *data, terminus_os_process *proc, terminus_os_status *st);
int tm_win_process_request(void *data, terminus_os_process *proc, const char *message);
int tm_win_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code);
int tm_win_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                     terminus_os_waitset **out);
int tm_win_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                    size_t capacity, size_t *nready);
void tm_win_wait_close(void *data, terminus_os_waitset *set);
int tm_win_exit_process(void *data, uint32_t exit_code, int fast);

/* ---------------------------------------------------------------------- */
/* Listing and identities (procs.c)                                        */
/* ---------------------------------------------------------------------- */

int tm_win_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg);
int tm_win_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                            uint64_t *unique);
int tm_win_boot_id(void *data, char *buf, size_t size);

/* The parent's id of the process `h` holds (NtQueryInformationProcess,
 * ProcessBasicInformation), or 0 when it cannot be read. */
DWORD tm_win_parent_of(HANDLE h);

/* ---------------------------------------------------------------------- */
/* Groups: a job object the caller gives (job.c)                           */
/* ---------------------------------------------------------------------- */

int tm_win_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out);
int tm_win_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg);
int tm_win_group_kill(void *data, terminus_os_group *group, uint32_t exit_code);
int tm_win_group_empty(void *data, terminus_os_group *group, int *empty);
void tm_win_group_close(void *data, terminus_os_group *group);

/* ---------------------------------------------------------------------- */
/* The close chain (chain.c)                                               */
/* ---------------------------------------------------------------------- */

/* The window class of a terminus listener's window (listener.c), by which
 * process_reach tells it from the target's other windows. */
#define TM_WIN_LISTENER_CLASS L"terminus.listener.1"

/* What process_reach found about one target, for tm_win_reach_bits. */
struct tm_win_found {
    int other_session;  /* 1: it runs in another session than the caller */
    int listener;       /* 1: it has a terminus listener window */
    size_t windows;     /* how many other top-level windows it has */
    int console;        /* 1: attached to a console; 0: not; -1: unknown */
    int console_sender; /* 1: this build can send the console step (the DLL: its helper) */
};

/*
 * The TERMINUS_STEP_* bits of `steps` that can reach a target, given the
 * call's `flags` and what was found. Another session: none. MESSAGE: a
 * listener window (with TERMINUS_TERMINATE_BROADCAST: any top-level window,
 * since a broadcast reaches them all). CLOSE: any top-level window, the
 * listener's included (its WM_CLOSE is a request). CONSOLE: a console, or
 * one that cannot be ruled out, when the build can send the step, unless a
 * listener window takes the Ctrl+C's place (MESSAGE or CLOSE asked: they
 * reach the callback that the listener's console handler would call). The
 * Linux steps never. Pure: no OS call.
 */
uint32_t tm_win_reach_bits(uint32_t steps, uint32_t flags, const struct tm_win_found *f);

/* Whether the target's session differs from the caller's; an unknown id
 * (TM_WIN_SESSION_UNKNOWN) on either side does not rule it out. Pure. */
int tm_win_other_session(DWORD caller, DWORD target);

/*
 * The code for a PostMessageW that failed with `err`: 5 (UIPI refused the
 * post to a process of higher integrity) is TERMINUS_E_ACCESS_DENIED; 1400
 * (the window is gone) TERMINUS_E_UNREACHABLE; anything else TERMINUS_E_OS.
 * Pure.
 */
int tm_win_post_code(DWORD err);

/* Whether a window class is one the system gives every GUI thread ("IME",
 * "MSCTFIME UI"), not a window of the application. Pure. */
int tm_win_system_class(const wchar_t *cls);

/*
 * Whether a process whose RTL_USER_PROCESS_PARAMETERS.ConsoleHandle is
 * `handle` is attached to a console: NULL is not; under Wine (`is_wine`)
 * neither is (HANDLE)-4, Wine's mark of a process started from a shell
 * without a terminal; any other value is. Pure.
 */
int tm_win_console_handle_attached(uintptr_t handle, int is_wine);

/*
 * The exit code of the console helper (terminus_os_win32_console_helper):
 * what it did in the high nibble, a number in the rest (none for SENT and
 * UNSEEN), so that no exit code of rundll32's own (0, 1) or of a process
 * ended by a console event (0xC000013A) reads as one of them.
 */
#define TM_WIN_HELPER_NO_ATTACH 0x10000000u /* AttachConsole failed: | its error */
#define TM_WIN_HELPER_SHARED    0x20000000u /* the console is shared: | how many others */
#define TM_WIN_HELPER_NO_EVENT  0x30000000u /* GenerateConsoleCtrlEvent failed: | its error */
#define TM_WIN_HELPER_BAD_ARGS  0x40000000u /* its command line was not "PID EVENT" */
#define TM_WIN_HELPER_UNSEEN    0x50000000u /* sent, not seen arriving within its wait */
#define TM_WIN_HELPER_SENT      0x60000000u /* sent, and seen arriving in the helper */
#define TM_WIN_HELPER_VALUE     0x0FFFFFFFu /* the number's bits */

/*
 * What the helper's exit code means for the console step to process `pid`:
 * the TERMINUS_* code, and a message for the error record in `msg` (`cap`
 * bytes; empty for OK). `*native` receives the Windows error it carries, or
 * 0. A code of no known form (the helper was killed, rundll32 failed) is
 * TERMINUS_E_OS. Pure.
 */
int tm_win_helper_result(DWORD exit_code, DWORD pid, int ctrl_break, char *msg, size_t cap,
                         DWORD *native);

int tm_win_process_reach(void *data, terminus_os_process *const *procs, size_t count,
                         uint32_t steps, uint32_t flags, const char *message, uint32_t *reach);
int tm_win_process_step(void *data, terminus_os_process *proc, uint32_t step, uint32_t flags,
                        const char *message);

/* Forget what process_reach found (process_close, and before a new reach). */
void tm_win_chain_forget(terminus_os_process *proc);

/* ---------------------------------------------------------------------- */
/* The listener (listener.c)                                               */
/* ---------------------------------------------------------------------- */

/* What the listener does with a console control event or a window message. */
enum tm_win_act {
    TM_WIN_ACT_PASS = 0,   /* not the listener's: the next handler, DefWindowProc */
    TM_WIN_ACT_REQUEST,    /* ask the callback (REQUEST); declined: the process keeps running */
    TM_WIN_ACT_QUERY_END,  /* the session may end: ask the callback (LOGOFF); declined: refuse,
                              and nothing is latched */
    TM_WIN_ACT_END,        /* the session (or the console) ends: tell the callback (LOGOFF), once */
    TM_WIN_ACT_END_CANCEL, /* the end was called off: drop the block reason */
    TM_WIN_ACT_IGNORE      /* handled by doing nothing */
};

/*
 * The action for console control event `type` while a listener listens:
 * Ctrl+C and Ctrl+Break are requests; CTRL_CLOSE (its console goes; the
 * system ends the process when the handler returns, or after ~5 s) and
 * CTRL_SHUTDOWN are the end; CTRL_LOGOFF is PASS: it reaches services only
 * (a process that loads user32 never gets it, and the listener does), and
 * there it means that some user logs off, not that the service ends. Pure.
 */
enum tm_win_act tm_win_console_action(DWORD type);

/*
 * The action for window message `msg` (wParam `wp`, lParam `lp`) at the
 * listener's window: WM_CLOSE is a request (taskkill without /F);
 * WM_QUERYENDSESSION with ENDSESSION_CLOSEAPP (Restart Manager) a request
 * that may be refused, without it the query of the session's end;
 * WM_ENDSESSION TRUE the end (with ENDSESSION_CLOSEAPP: IGNORE, the request
 * was asked at the query), FALSE the end called off. Everything else PASS
 * (the registered message is handled before). Pure.
 */
enum tm_win_act tm_win_window_action(UINT msg, WPARAM wp, LPARAM lp);

int tm_win_listen_start(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                        terminus_os_listener **out);
void tm_win_listen_stop(void *data, terminus_os_listener *l);

/* ---------------------------------------------------------------------- */
/* Logoff, servers and sessions (wts.c)                                    */
/* ---------------------------------------------------------------------- */

/* No session id known (ProcessIdToSessionId failed). */
#define TM_WIN_SESSION_UNKNOWN ((DWORD)-1)

/*
 * Why ExitWindowsEx(EWX_LOGOFF) would log nobody off for a caller in session
 * `session` (TM_WIN_SESSION_UNKNOWN if unknown) whose window station is
 * visible (`station_visible` 1), not visible (0: WSF_VISIBLE off) or unknown
 * (-1): a service, an ssh logon or a scheduled task, for which ExitWindowsEx
 * returns TRUE and does nothing. NULL when the logoff may go ahead (what
 * is unknown does not refuse). Pure: no OS call.
 */
const char *tm_win_logoff_refusal(DWORD session, int station_visible);

/* WTSEnumerateSessionsW and WTSFreeMemory, or stand-ins (test_win32_rules.c). */
typedef BOOL(WINAPI *tm_win_enum_fn)(HANDLE server, DWORD reserved, DWORD version,
                                     PWTS_SESSION_INFOW *list, DWORD *count);
typedef void(WINAPI *tm_win_free_fn)(PVOID memory);

/*
 * Whether the server behind `h` (opened by WTSOpenServerW for `name`) answers:
 * WTSOpenServerW returns a handle even for a server that cannot be reached,
 * so one enumeration (`enumerate`, its list freed with `release`) finds out.
 * OK, or the code of the failure (recorded; an RPC error is
 * TERMINUS_E_UNAVAILABLE). The caller closes `h` either way.
 */
int tm_win_server_probe(HANDLE h, const char *name, tm_win_enum_fn enumerate,
                        tm_win_free_fn release);

/*
 * The TERMINUS_SESSION_* state of a WTS_CONNECTSTATE_CLASS `st`: WTSListen,
 * WTSDown and WTSInit have their own (the core refuses to log them off), the
 * states with no public one are TERMINUS_SESSION_OTHER. Pure: no OS call.
 */
int32_t tm_win_state(int st);

/* A logon time that could not be read (WTSINFOW.LogonTime is never negative). */
#define TM_WIN_LOGON_UNKNOWN ((int64_t)-1)

/*
 * Whether the wait after a logoff of a session is over, from one look at the
 * session's id: `found` 0 when no session has the id now (gone); `state` its
 * WTS_CONNECTSTATE_CLASS (WTSDown: gone); `logon_before` the logon time the
 * id had before the logoff (WTSINFOW.LogonTime; 0 when nobody had logged on,
 * TM_WIN_LOGON_UNKNOWN when it could not be read) and `logon_now` the one it
 * has now. Session ids are reused: a logon time that changed means another
 * session has the id, so ours is gone. Without a logon time from before (0 or
 * unknown), or one now (unknown), only `found` and `state` decide. 1 gone, 0
 * still there. Pure: no OS call (test_win32_rules.c).
 */
int tm_win_session_gone(int found, int state, int64_t logon_before, int64_t logon_now);

/*
 * The logon times session_logoff read before each logoff, by session id, for
 * the wait that follows (a server's state; the caller locks). At most
 * TM_WIN_LOGONS ids: when full, a new id takes the entries' places in turn
 * (round robin), so a wait finds its id unless that many other ids were
 * logged off on the same server meanwhile.
 */
#define TM_WIN_LOGONS 32
typedef struct tm_win_logons {
    uint32_t id[TM_WIN_LOGONS];
    int64_t time[TM_WIN_LOGONS];
    size_t count; /* entries in use: 0 .. count-1 */
    size_t next;  /* when full, the entry the next new id replaces */
} tm_win_logons;

/* Remember `time` for `id`, replacing what `id` had; TM_WIN_LOGON_UNKNOWN forgets `id`. */
void tm_win_logons_set(tm_win_logons *t, uint32_t id, int64_t time);
/* The time remembered for `id`, or TM_WIN_LOGON_UNKNOWN. */
int64_t tm_win_logons_get(const tm_win_logons *t, uint32_t id);

/* WTSQuerySessionInformationW, or a stand-in (test_win32_rules.c). */
typedef BOOL(WINAPI *tm_win_query_fn)(HANDLE server, DWORD id, WTS_INFO_CLASS what, LPWSTR *buffer,
                                      DWORD *bytes);

/*
 * The logon time of the session that has `id` on server `h` now: the
 * LogonTime of its WTSINFOW (`query` with WTSSessionInfo; the buffer freed
 * with `release`), 0 when nobody is logged on to it, TM_WIN_LOGON_UNKNOWN
 * when it cannot be read (the query fails, its answer is short or is
 * another session's).
 */
int64_t tm_win_session_logon(HANDLE h, DWORD id, tm_win_query_fn query, tm_win_free_fn release);

/*
 * The wait of session_wait_gone: look at session `id` on server `h` (`srv`
 * names it in messages) with `query` (WTSConnectState, and the logon time
 * when `logon_before` is one) every TM_WIN_SESSION_POLL_MS until
 * tm_win_session_gone says it is gone (OK) or `timeout_ms` has passed
 * (E_TIMEOUT, recorded). A failed query that means "no such session" is
 * gone; any other is its code (tm_win_fail).
 */
int tm_win_session_poll(HANDLE h, const char *srv, uint32_t id, uint32_t timeout_ms,
                        int64_t logon_before, tm_win_query_fn query, tm_win_free_fn release);

/* ---- sessions an administrator acts on (wts.c; shim version 2) ---- */

/* A FILETIME count (100 ns since 1601-01-01 UTC) as microseconds since the
 * Unix epoch; 0 (and anything not after 1970) is 0, unknown. Pure. */
int64_t tm_win_filetime_us(int64_t filetime);

/* A WTS_CLIENT_ADDRESS as text: AF_INET (2) from Address[2..5]
 * ("192.0.2.7"), AF_INET6 (23) from Address[2..17] in RFC 5952's short
 * form ("2001:db8::5"); "" for AF_UNSPEC or any other family, or `a` NULL.
 * Returns the length. Pure. */
size_t tm_win_address_text(const WTS_CLIENT_ADDRESS *a, char *out, size_t cap);

/*
 * The Windows part of a session's details (`d` has its id, state, name and
 * user already): the times of `info` (WTSSessionInfo; NULL: unknown), the
 * client protocol (`protocol` 0 console, 1 ICA, 2 RDP; -1 unknown: type
 * UNKNOWN, remote -1), the client's address (NULL: "") and computer name
 * (NULL: ""); no idle hint (-1), no class, no tty, the station's name as
 * the seat. Pure.
 */
void tm_win_details_fill(terminus_session_details *d, const WTSINFOW *info, int protocol,
                         const WTS_CLIENT_ADDRESS *addr, const wchar_t *client);

/* EnumWindows, ShutdownBlockReasonQuery and a window's program, or stand-ins
 * (test_win32_rules.c). `owner` writes the window's process id and its
 * program's file name ("notepad.exe"; "" when it cannot be read). */
typedef BOOL(WINAPI *tm_win_enumwindows_fn)(WNDENUMPROC fn, LPARAM arg);
typedef BOOL(WINAPI *tm_win_reason_fn)(HWND w, LPWSTR buf, DWORD *len);
typedef void (*tm_win_owner_fn)(HWND w, DWORD *pid, char *who, size_t cap);

/*
 * The blockers of the windows `enumerate` finds: each top-level window for
 * which `query` (ShutdownBlockReasonQuery) gives a reason is one blocker
 * ("shutdown", its program, the reason, "block", uid unknown, its pid),
 * passed to `fn(arg, ...)`; the first code other than OK that `fn` returns
 * stops the scan and is returned. `query` is asked the length first (a NULL
 * buffer: it succeeds for a window with a reason only), then the reason. No
 * window is sent a message (a hung one never blocks the scan). OK,
 * E_NO_MEMORY, or the code of `fn`.
 */
int tm_win_blockers_scan(tm_win_enumwindows_fn enumerate, tm_win_reason_fn query,
                         tm_win_owner_fn owner, terminus_os_blocker_fn fn, void *arg);

int tm_win_session_details(void *data, terminus_os_server *s, terminus_os_details_fn fn, void *arg);
int tm_win_session_message(void *data, terminus_os_server *s, uint32_t id, const char *title,
                           const char *text, uint32_t timeout_s);
int tm_win_session_blockers(void *data, terminus_os_server *s, uint32_t id,
                            terminus_os_blocker_fn fn, void *arg);

int tm_win_logoff(void *data, uint32_t flags);
int tm_win_server_open(void *data, const char *name, terminus_os_server **out);
void tm_win_server_close(void *data, terminus_os_server *s);
int tm_win_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg);
int tm_win_session_current(void *data, terminus_os_server *s, uint32_t *id);
int tm_win_session_logoff(void *data, terminus_os_server *s, uint32_t id);
int tm_win_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms);

/* ---------------------------------------------------------------------- */
/* The window map of process_reach, for the steps (reach.c)                */
/* ---------------------------------------------------------------------- */

/*
 * Complete `proc->windows` with the target's top-level windows that
 * process_reach's pass did not see (it stops once every reach is known),
 * for the CLOSE step; nothing when the pass saw them all. OK or
 * E_NO_MEMORY (recorded).
 */
int tm_win_own_windows(terminus_os_process *proc);

/*
 * The module this code runs in, when it is the DLL (whose console helper
 * rundll32 can run): 1 and `*out`; 0 when the backend is linked into the
 * program itself.
 */
int tm_win_console_module(HMODULE *out);

#endif
