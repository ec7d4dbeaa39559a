/*
 * lib/os/win32/procs.c: processes by identity for the Win32 backend:
 * process_list (a Toolhelp snapshot), process_identity (through the open
 * HANDLE) and boot_id. No policy: which processes make a tree, what a token
 * holds and when two identities are the same process is lib/core's
 * business.
 *
 * The listing: CreateToolhelp32Snapshot gives each process's id, its
 * parent's id and its executable's file name ("notepad.exe"); the creation
 * time (GetProcessTimes: FILETIME, 100 ns units since 1601) and the session
 * (ProcessIdToSessionId) are read through a handle from
 * OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION). A pid names one process
 * only while it lives, and the snapshot is taken before the opens: the one
 * opened may have started after the snapshot, with the pid of a process
 * that ended since. So the clock is read before the snapshot, and a process
 * opened whose creation time is not before it is left out of this walk (the
 * process the snapshot saw has ended; the new one, or one that started in
 * the same clock tick as the snapshot, is in the next walk). The session is
 * read while that handle is held, so it is the same process's. Every field
 * of an entry is therefore of one process.
 *
 * What differs from Linux, documented for users:
 * - a process the caller may not open (a protected process, System, one of
 *   another user without the rights) is listed with start 0: the core
 *   counts a process as a child only if it started no earlier than its
 *   parent, so such a process is never anyone's child nor a tree member
 *   (it can only be a tree's root, named by the caller), and its session is
 *   TERMINUS_SESSION_NONE unless ProcessIdToSessionId tells it without the
 *   handle;
 * - uid is always TERMINUS_UID_UNKNOWN (Windows has SIDs, not uids);
 * - pid 0 (the System Idle Process) is not listed: it is no process that
 *   terminus can name;
 * - there is no unique number (identity `unique` 0) and boot_id is "": the
 *   creation time already tells processes of different boots apart;
 * - trees are found by the snapshot, unless the caller gives a job object
 *   that holds one (terminus_terminate_options::job): job.c lists it.
 *
 * The identity of an open process is read through its HANDLE, which keeps
 * the pid from being reused: GetProcessId, GetProcessTimes (the creation
 * time), the parent's id from NtQueryInformationProcess
 * (ProcessBasicInformation; resolved at run time from ntdll), the image's
 * base name from QueryFullProcessImageNameW, the session. A process that
 * has exited still has them while the handle is held.
 */
#include "win32.h"

#include <string.h>
#include <tlhelp32.h>

static uint64_t tm_win_filetime(const FILETIME *ft)
{
    return ((uint64_t)ft->dwHighDateTime << 32) | (uint64_t)ft->dwLowDateTime;
}

/* The base name of a path (after the last '\\' or '/'), into out (UTF-8). */
static void tm_win_base_name(const wchar_t *path, char *out, size_t cap)
{
    const wchar_t *base = path;
    for (const wchar_t *p = path; *p != L'\0'; p++)
        if (*p == L'\\' || *p == L'/')
            base = p + 1;
    tm_win_utf8(base, wcslen(base), out, cap);
}

/* ---------------------------------------------------------------------- */
/* process_list                                                            */
/* ---------------------------------------------------------------------- */

/* Fill what a handle to pid tells (start, session) when the process opened
 * was created before `before`. 1: fill done (start 0 if it cannot be
 * opened); 0: the process opened is newer than the snapshot (leave it out). */
static int tm_win_entry(DWORD pid, uint64_t before, uint32_t fields, terminus_process_info *info)
{
    FILETIME created, exited, kernel, user;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);

    info->start = 0;
    if (h == NULL) {
        /* not ours to open: no start, and the session only if told without it */
        DWORD s;
        if ((fields & TERMINUS_OS_LIST_SESSION) && ProcessIdToSessionId(pid, &s))
            info->session = s;
        return 1;
    }
    if (GetProcessTimes(h, &created, &exited, &kernel, &user)) {
        info->start = tm_win_filetime(&created);
        if (info->start >= before) {
            CloseHandle(h);
            return 0;
        }
    }
    if (fields & TERMINUS_OS_LIST_SESSION) {
        DWORD s;
        if (ProcessIdToSessionId(pid, &s))
            info->session = s;
    }
    CloseHandle(h);
    return 1;
}

typedef VOID(WINAPI *tm_win_now_fn)(LPFILETIME now);

/* The time now, as precise as the system gives it: GetSystemTimePreciseAsFileTime
 * (Windows 8 and later, resolved at run time), else GetSystemTimeAsFileTime,
 * which lags by up to a clock tick (a process created in that tick before
 * the snapshot waits for the next listing). */
static void tm_win_now(FILETIME *now)
{
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    tm_win_now_fn precise = NULL;

    if (k32 != NULL)
        precise =
            (tm_win_now_fn)(void (*)(void))GetProcAddress(k32, "GetSystemTimePreciseAsFileTime");
    if (precise != NULL)
        precise(now);
    else
        GetSystemTimeAsFileTime(now);
}

int tm_win_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg)
{
    terminus_process_info info;
    PROCESSENTRY32W pe;
    FILETIME now;
    uint64_t before;
    HANDLE snap;
    DWORD err;
    int rc = TERMINUS_OK;
    (void)data;

    tm_win_now(&now);
    before = tm_win_filetime(&now);
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS)");
    memset(&pe, 0, sizeof pe);
    pe.dwSize = sizeof pe;
    if (!Process32FirstW(snap, &pe)) {
        err = TM_WIN_LAST();
        CloseHandle(snap);
        if (err == ERROR_NO_MORE_FILES)
            return TERMINUS_OK;
        return tm_win_fail(TM_WIN_SITE_GENERIC, err, "Process32FirstW");
    }
    for (;;) {
        if (pe.th32ProcessID != 0) {
            memset(&info, 0, sizeof info);
            info.pid = (terminus_pid)pe.th32ProcessID;
            info.ppid = (terminus_pid)pe.th32ParentProcessID;
            info.uid = TERMINUS_UID_UNKNOWN;
            info.session = TERMINUS_SESSION_NONE;
            if (fields & TERMINUS_OS_LIST_NAME) {
                size_t n = wcsnlen(pe.szExeFile, sizeof pe.szExeFile / sizeof pe.szExeFile[0]);
                tm_win_utf8(pe.szExeFile, n, info.name, sizeof info.name);
            }
            if (tm_win_entry(pe.th32ProcessID, before, fields, &info)) {
                rc = fn(arg, &info);
                if (rc != TERMINUS_OK)
                    break;
            }
        }
        pe.dwSize = sizeof pe;
        if (!Process32NextW(snap, &pe)) {
            err = TM_WIN_LAST();
            if (err != ERROR_NO_MORE_FILES)
                rc = tm_win_fail(TM_WIN_SITE_GENERIC, err, "Process32NextW");
            break;
        }
    }
    CloseHandle(snap);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* process_identity                                                        */
/* ---------------------------------------------------------------------- */

/* ProcessBasicInformation (winternl.h names the parent's id Reserved3). */
typedef struct tm_win_basic_info {
    LONG exit_status;
    PVOID peb;
    ULONG_PTR affinity;
    LONG base_priority;
    ULONG_PTR pid;
    ULONG_PTR parent_pid;
} tm_win_basic_info;

typedef LONG(NTAPI *tm_win_query_process_fn)(HANDLE process, ULONG what, PVOID buf, ULONG size,
                                             PULONG got);

/* The parent's id of the process h holds, or 0 when it cannot be read
 * (win32.h; job.c's group_list reads it too).
 * NtQueryInformationProcess is looked up in ntdll (always loaded) each time:
 * a lookup costs little, and nothing is shared between threads. */
DWORD tm_win_parent_of(HANDLE h)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    tm_win_query_process_fn query = NULL;
    tm_win_basic_info bi;
    ULONG got = 0;

    if (ntdll != NULL)
        query = (tm_win_query_process_fn)(void (*)(void))GetProcAddress(
            ntdll, "NtQueryInformationProcess");
    if (query == NULL)
        return 0;
    memset(&bi, 0, sizeof bi);
    if (query(h, 0 /* ProcessBasicInformation */, &bi, sizeof bi, &got) < 0)
        return 0;
    return (DWORD)bi.parent_pid;
}

int tm_win_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                            uint64_t *unique)
{
    HANDLE h = proc->h;
    FILETIME created, exited, kernel, user;
    wchar_t image[MAX_PATH + 1];
    DWORD len = MAX_PATH, pid, session;
    (void)data;

    memset(info, 0, sizeof *info);
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;
    *unique = 0;

    pid = GetProcessId(h);
    if (pid == 0)
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "GetProcessId");
    if (!GetProcessTimes(h, &created, &exited, &kernel, &user))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "GetProcessTimes(%lu)",
                           (unsigned long)pid);
    info->pid = (terminus_pid)pid;
    info->start = tm_win_filetime(&created);
    info->ppid = (terminus_pid)tm_win_parent_of(h);
    if (QueryFullProcessImageNameW(h, 0, image, &len) && len > 0) {
        image[len] = L'\0';
        tm_win_base_name(image, info->name, sizeof info->name);
    }
    /* the handle is held: pid is this process's while the call runs */
    if (ProcessIdToSessionId(pid, &session))
        info->session = session;
    return TERMINUS_OK;
}

/* ---------------------------------------------------------------------- */
/* boot_id                                                                 */
/* ---------------------------------------------------------------------- */

int tm_win_boot_id(void *data, char *buf, size_t size)
{
    (void)data;
    (void)size;
    buf[0] = '\0'; /* creation times tell boots apart */
    return TERMINUS_OK;
}
