/*
 * lib/os/win32/job.c: the groups of the Win32 backend: a job object the
 * caller gives (terminus_terminate_options::job) that holds a tree. No
 * policy: whether the job is the tree, when to kill it and what to report
 * is lib/core's business.
 *
 * group_open keeps its own duplicate of the caller's handle (the caller may
 * close theirs once the call has started), after checking that it is a job
 * with the rights the members below need, that the root is in it and that
 * the caller is not (TerminateJobObject would end the caller too). Windows
 * finds no job by itself: without one group_open is E_NOT_FOUND and the core
 * walks the process list.
 *
 * group_list reads the job's process ids (JobObjectBasicProcessIdList) and
 * opens each one, as procs.c's process_list reads the start: through a
 * handle from OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION), which here
 * also gives the parent's id (NtQueryInformationProcess, tm_win_parent_of)
 * instead of a Toolhelp snapshot of the whole system: the listing then
 * costs as many opens as the job has members, not a walk of every process,
 * and the parent and the start are read through one handle, so they are
 * one process's. A process that has ended by the time it is opened is left
 * out, and so is one whose id was reused meanwhile by a process outside
 * the job (IsProcessInJob through that handle). A member the caller may not
 * open is listed with ppid 0 and start 0 (process_list gives such a process
 * start 0 too).
 *
 * Seen under Wine 8 (tests/integration/win32/test_job.c): the process id
 * list (with ERROR_MORE_DATA for a short buffer) and the active count of the
 * accounting are kept, a process started by a member is in the job,
 * TerminateJobObject ends every member with its exit code (the job is empty
 * 1-2.5 ms later); TotalTerminatedProcesses stays 0, so group_empty reads only
 * ActiveProcesses. Wine's IsProcessInJob asks for PROCESS_QUERY_INFORMATION
 * (tm_win_in_job), a member that has ended can still be opened by its id
 * after its last handle is closed (so the listing asks the handle whether it
 * has ended), and DuplicateHandle gives a job handle more rights than its
 * source had, so the rights are read (NtQueryObject), never probed by a
 * duplicate. A group_list of 4 members took 0.45-2.6 ms there (5 runs, 2
 * busy cores), a Toolhelp walk of the 12 processes of the prefix alone
 * 2.3-23 ms.
 */
#include "win32.h"

#include <stdlib.h>
#include <string.h>

struct terminus_os_group {
    HANDLE job; /* the group's own duplicate of the caller's handle */
};

/* The rights group_list, group_kill and group_empty need (terminate.h). */
#define TM_WIN_JOB_RIGHTS (JOB_OBJECT_QUERY | JOB_OBJECT_TERMINATE)

/* ObjectBasicInformation of NtQueryObject (winternl.h's
 * PUBLIC_OBJECT_BASIC_INFORMATION). */
typedef struct tm_win_object_basic {
    ULONG attributes;
    ACCESS_MASK granted;
    ULONG handles;
    ULONG pointers;
    ULONG reserved[10];
} tm_win_object_basic;

typedef LONG(NTAPI *tm_win_query_object_fn)(HANDLE h, ULONG what, PVOID buf, ULONG size,
                                            PULONG got);

/* The rights `h` was opened with, or 0 when they cannot be read (then
 * nothing is checked before the calls that need them). NtQueryObject is
 * resolved at run time from ntdll, as procs.c does NtQueryInformationProcess. */
static ACCESS_MASK tm_win_granted(HANDLE h)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    tm_win_query_object_fn query = NULL;
    tm_win_object_basic info;
    ULONG got = 0;

    if (ntdll != NULL)
        query = (tm_win_query_object_fn)(void (*)(void))GetProcAddress(ntdll, "NtQueryObject");
    if (query == NULL)
        return 0;
    memset(&info, 0, sizeof info);
    if (query(h, 0 /* ObjectBasicInformation */, &info, sizeof info, &got) < 0)
        return 0;
    return info.granted;
}

/*
 * IsProcessInJob(process, job), where `process` may hold only
 * PROCESS_QUERY_LIMITED_INFORMATION (as process_open's handles do): that is
 * the right Microsoft documents, but Wine 8 asks for PROCESS_QUERY_INFORMATION
 * and answers ERROR_ACCESS_DENIED; then the question is asked again through
 * a duplicate of the same handle with that right (the same process, whatever
 * its id names by now). FALSE with GetLastError() as IsProcessInJob's.
 */
static BOOL tm_win_in_job(HANDLE process, HANDLE job, BOOL *in)
{
    HANDLE self = GetCurrentProcess();
    HANDLE more = NULL;
    BOOL ok;
    DWORD err;

    if (IsProcessInJob(process, job, in))
        return TRUE;
    err = TM_WIN_LAST();
    if (err != ERROR_ACCESS_DENIED ||
        !DuplicateHandle(self, process, self, &more, PROCESS_QUERY_INFORMATION, FALSE, 0)) {
        SetLastError(err);
        return FALSE;
    }
    ok = IsProcessInJob(more, job, in);
    err = TM_WIN_LAST();
    CloseHandle(more);
    SetLastError(err);
    return ok;
}

/* A failed call on the job handle: an invalid handle (or one of another
 * kind of object) is the caller's bad input. */
static int tm_win_job_fail(DWORD err, const char *call, const void *job)
{
    if (err == ERROR_INVALID_HANDLE)
        return terminus_os_error(TERMINUS_E_INVALID, (long)err,
                                 "%s: the job %p is not a handle to a job object (error %lu)", call,
                                 job, (unsigned long)err);
    if (err == ERROR_ACCESS_DENIED)
        return terminus_os_error(TERMINUS_E_ACCESS_DENIED, (long)err,
                                 "%s: the job handle %p lacks JOB_OBJECT_QUERY (error %lu)", call,
                                 job, (unsigned long)err);
    return tm_win_fail(TM_WIN_SITE_GENERIC, err, "%s(job %p)", call, job);
}

int tm_win_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out)
{
    HANDLE self = GetCurrentProcess();
    HANDLE dup = NULL;
    BOOL in = FALSE;
    ACCESS_MASK granted;
    terminus_os_group *g;
    (void)data;

    *out = NULL;
    if (job == NULL)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "no job object given: Windows finds no group that holds a tree "
                                 "by itself (terminus_terminate_options::job)");
    if (!DuplicateHandle(self, (HANDLE)job, self, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        DWORD err = TM_WIN_LAST();
        if (err == ERROR_INVALID_HANDLE)
            return terminus_os_error(TERMINUS_E_INVALID, (long)err,
                                     "DuplicateHandle(job %p): not a valid handle (error %lu)", job,
                                     (unsigned long)err);
        return tm_win_fail(TM_WIN_SITE_GENERIC, err, "DuplicateHandle(job %p)", job);
    }
    /* the root first: this call also tells a job from another object */
    if (!tm_win_in_job(proc->h, dup, &in)) {
        int rc = tm_win_job_fail(TM_WIN_LAST(), "IsProcessInJob", job);
        CloseHandle(dup);
        return rc;
    }
    if (!in) {
        CloseHandle(dup);
        return terminus_os_error(TERMINUS_E_INVALID, 0,
                                 "the root (process %lu) is not in the job %p: the job holds "
                                 "no tree of it",
                                 (unsigned long)proc->pid, job);
    }
    if (!IsProcessInJob(self, dup, &in)) {
        int rc = tm_win_job_fail(TM_WIN_LAST(), "IsProcessInJob", job);
        CloseHandle(dup);
        return rc;
    }
    if (in) {
        CloseHandle(dup);
        return terminus_os_error(TERMINUS_E_REFUSED, 0,
                                 "the caller (process %lu) is in the job %p: TerminateJobObject "
                                 "would end it too",
                                 (unsigned long)GetCurrentProcessId(), job);
    }
    granted = tm_win_granted(dup);
    if (granted != 0 && (granted & TM_WIN_JOB_RIGHTS) != TM_WIN_JOB_RIGHTS) {
        CloseHandle(dup);
        return terminus_os_error(TERMINUS_E_ACCESS_DENIED, (long)ERROR_ACCESS_DENIED,
                                 "the job handle %p lacks %s (it has access 0x%lx; a tree "
                                 "terminate needs JOB_OBJECT_QUERY | JOB_OBJECT_TERMINATE)",
                                 job,
                                 (granted & JOB_OBJECT_TERMINATE) == 0 ? "JOB_OBJECT_TERMINATE"
                                                                       : "JOB_OBJECT_QUERY",
                                 (unsigned long)granted);
    }
    g = calloc(1, sizeof *g);
    if (g == NULL) {
        CloseHandle(dup);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, 0, "group_open: out of memory");
    }
    g->job = dup;
    *out = g;
    return TERMINUS_OK;
}

/* The job's process ids now, in a buffer that grows while the call answers
 * ERROR_MORE_DATA (members started between two calls). *list is malloc'd. */
static int tm_win_job_pids(HANDLE job, JOBOBJECT_BASIC_PROCESS_ID_LIST **list)
{
    DWORD cap = 16; /* ids the buffer holds: a tree's few at once, more by growing */
    *list = NULL;
    for (int attempt = 0; attempt < 32; attempt++) {
        size_t size = offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList) +
                      (size_t)cap * sizeof(ULONG_PTR);
        JOBOBJECT_BASIC_PROCESS_ID_LIST *l = malloc(size);
        DWORD err;
        if (l == NULL)
            return terminus_os_error(TERMINUS_E_NO_MEMORY, 0,
                                     "group_list: out of memory for %lu process ids",
                                     (unsigned long)cap);
        memset(l, 0, size);
        if (QueryInformationJobObject(job, JobObjectBasicProcessIdList, l, (DWORD)size, NULL)) {
            *list = l;
            return TERMINUS_OK;
        }
        err = TM_WIN_LAST();
        if (err != ERROR_MORE_DATA) {
            free(l);
            return tm_win_fail(TM_WIN_SITE_GENERIC, err,
                               "QueryInformationJobObject(JobObjectBasicProcessIdList)");
        }
        /* room for what is there now and for some more; at least twice as much */
        cap = l->NumberOfAssignedProcesses + 16 > cap * 2 ? l->NumberOfAssignedProcesses + 16
                                                          : cap * 2;
        free(l);
    }
    return terminus_os_error(TERMINUS_E_OS, (long)ERROR_MORE_DATA,
                             "QueryInformationJobObject(JobObjectBasicProcessIdList): the job "
                             "kept growing faster than its list could be read");
}

/* Fill `info` for the member `pid`: 1 to list it, 0 to leave it out (it has
 * ended, or the id now names a process outside the job). */
static int tm_win_member(HANDLE job, DWORD pid, terminus_process_info *info)
{
    FILETIME created, exited, kernel, user;
    BOOL in = FALSE;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid);

    memset(info, 0, sizeof *info);
    info->pid = (terminus_pid)pid;
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;
    if (h == NULL)
        /* ERROR_INVALID_PARAMETER: no such process now; else (access denied)
         * a member not ours to open: listed without a parent and a start */
        return TM_WIN_LAST() != ERROR_INVALID_PARAMETER;
    if (WaitForSingleObject(h, 0) == WAIT_OBJECT_0 || (tm_win_in_job(h, job, &in) && !in)) {
        CloseHandle(h);
        return 0;
    }
    if (GetProcessTimes(h, &created, &exited, &kernel, &user))
        info->start = ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
    info->ppid = (terminus_pid)tm_win_parent_of(h);
    CloseHandle(h);
    return 1;
}

int tm_win_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg)
{
    JOBOBJECT_BASIC_PROCESS_ID_LIST *list = NULL;
    terminus_process_info info;
    int rc;
    (void)data;

    rc = tm_win_job_pids(group->job, &list);
    if (rc != TERMINUS_OK)
        return rc;
    for (DWORD i = 0; i < list->NumberOfProcessIdsInList && rc == TERMINUS_OK; i++) {
        DWORD pid = (DWORD)list->ProcessIdList[i];
        if (pid != 0 && tm_win_member(group->job, pid, &info))
            rc = fn(arg, &info);
    }
    free(list);
    return rc;
}

int tm_win_group_kill(void *data, terminus_os_group *group, uint32_t exit_code)
{
    (void)data;
    if (!TerminateJobObject(group->job, (UINT)exit_code))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(), "TerminateJobObject(%lu)",
                           (unsigned long)exit_code);
    return TERMINUS_OK;
}

int tm_win_group_empty(void *data, terminus_os_group *group, int *empty)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    (void)data;

    memset(&acc, 0, sizeof acc);
    if (!QueryInformationJobObject(group->job, JobObjectBasicAccountingInformation, &acc,
                                   sizeof acc, NULL))
        return tm_win_fail(TM_WIN_SITE_GENERIC, TM_WIN_LAST(),
                           "QueryInformationJobObject(JobObjectBasicAccountingInformation)");
    *empty = acc.ActiveProcesses == 0;
    return TERMINUS_OK;
}

void tm_win_group_close(void *data, terminus_os_group *group)
{
    (void)data;
    if (group == NULL)
        return;
    CloseHandle(group->job);
    free(group);
}
