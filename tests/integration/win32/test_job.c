/*
 * tests/integration/win32/test_job.c: a job object that holds a tree, on
 * Windows (under Wine in the cross build): the Win32 backend's group members
 * (lib/os/win32/job.c) white-box through terminus_os_native()'s table, and
 * a tree terminate through terminus_terminate with
 * terminus_terminate_options::job.
 *
 *   test_job NAME     run one case; exit 0 pass, 1 fail, 77 skipped
 *   test_job --list   the names of the cases (the harness: tests/common/check.h)
 *
 * The helper tm_tree.exe (a chain of processes: `tm_tree 3` is a child, a
 * grandchild and a great-grandchild of the test) is found next to this
 * program. A process started by a member of a job is in the job too, so
 * only the first of a chain is assigned (started suspended, assigned, then
 * resumed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>
#include <terminus/sys/os.h>

#include "check.h"
#include "helpers.h"

#include <tlhelp32.h>

static wchar_t exe_dir[MAX_PATH];
static HANDLE job; /* the case's job: every child; they die with it, whatever happens */

/* Before each case: where the helpers are, the job. */
static void setup(char **args)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    DWORD n = GetModuleFileNameW(NULL, exe_dir, MAX_PATH);
    wchar_t *slash;
    (void)args;
    REQUIRE(n > 0 && n < MAX_PATH);
    slash = wcsrchr(exe_dir, L'\\');
    REQUIRE(slash != NULL);
    *slash = 0;
    job = CreateJobObjectW(NULL, NULL);
    REQUIRE(job != NULL);
    ZeroMemory(&li, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    REQUIRE(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li));
}

static void teardown(void)
{
    if (job != NULL) {
        TerminateJobObject(job, 1);
        CloseHandle(job);
        job = NULL;
    }
}

/* Start exe_dir\exe with args in job `in` (or in none: NULL), and wait until
 * it is ready (its ready event). Returns its process handle; *pid its id. */
static HANDLE start_in(HANDLE in, const wchar_t *exe, const char *args, DWORD *pid)
{
    wchar_t cmd[1024], wargs[512], evname[64];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE ready, hs[2];
    DWORD r;

    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    REQUIRE(MultiByteToWideChar(CP_UTF8, 0, args, -1, wargs, 512) > 0);
    REQUIRE(wcslen(exe_dir) + wcslen(exe) + wcslen(wargs) + 8 < 1024);
    swprintf(cmd, 1024, L"\"%ls\\%ls\" %ls", exe_dir, exe, wargs);
    REQUIRE(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi));
    if (in != NULL && !AssignProcessToJobObject(in, pi.hProcess)) {
        printf("# AssignProcessToJobObject: error %lu\n", (unsigned long)GetLastError());
        TerminateProcess(pi.hProcess, 1);
        REQUIRE(0);
    }
    tmt_ready_name(pi.dwProcessId, evname, 64);
    ready = CreateEventW(NULL, TRUE, FALSE, evname);
    REQUIRE(ready != NULL);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    hs[0] = ready;
    hs[1] = pi.hProcess;
    r = WaitForMultipleObjects(2, hs, FALSE, 60000);
    CloseHandle(ready);
    if (r != WAIT_OBJECT_0)
        printf("# child %lu not ready (wait %lu)\n", (unsigned long)pi.dwProcessId,
               (unsigned long)r);
    REQUIRE(r == WAIT_OBJECT_0);
    *pid = pi.dwProcessId;
    return pi.hProcess;
}

static uint64_t created_of(HANDLE h)
{
    FILETIME c, e, k, u;
    if (!GetProcessTimes(h, &c, &e, &k, &u))
        return 0;
    return ((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime;
}

static double ms_since(LARGE_INTEGER t0)
{
    LARGE_INTEGER t1, f;
    QueryPerformanceCounter(&t1);
    QueryPerformanceFrequency(&f);
    return (double)(t1.QuadPart - t0.QuadPart) * 1000.0 / (double)f.QuadPart;
}

/* A listing, collected. */
struct plist {
    terminus_process_info *v;
    size_t n, cap;
};

static int collect(void *arg, const terminus_process_info *info)
{
    struct plist *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        terminus_process_info *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return TERMINUS_E_NO_MEMORY;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *info;
    return TERMINUS_OK;
}

static const terminus_process_info *find(const struct plist *l, DWORD pid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].pid == (terminus_pid)pid)
            return &l->v[i];
    return NULL;
}

/* The child of `parent` in a listing (tm_tree has one), or NULL. */
static const terminus_process_info *child_of(const struct plist *l, terminus_pid parent)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].ppid == parent)
            return &l->v[i];
    return NULL;
}

/* group_open on the process `pid` with `j`, through the native table. */
static int open_group(DWORD pid, HANDLE j, terminus_os_group **g)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_process *proc = NULL;
    int rc = os->process_open(os->data, (terminus_pid)pid, &proc);
    if (rc != TERMINUS_OK)
        return rc;
    *g = NULL;
    rc = os->group_open(os->data, proc, j, g);
    os->process_close(os->data, proc);
    return rc;
}

static int running(HANDLE h)
{
    return WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
}

/* ---- list_kill: a job with a chain of three and one more process: listed, killed, empty ---- */

static void t_list_kill(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_group *g = NULL;
    struct plist l, all;
    const terminus_process_info *a, *b, *c, *d;
    HANDLE ha, hd, hb, hc, mine;
    DWORD pa, pd, code = 0;
    int empty = -1;
    LARGE_INTEGER t0;
    double t_open, t_list, t_snap, t_plist, t_kill;

    ha = start_in(job, L"tm_tree.exe", "3", &pa);
    hd = start_in(job, L"tm_tree.exe", "1", &pd);

    /* the caller's handle is its own: group_open keeps a duplicate */
    REQUIRE(DuplicateHandle(GetCurrentProcess(), job, GetCurrentProcess(), &mine, 0, FALSE,
                            DUPLICATE_SAME_ACCESS));
    QueryPerformanceCounter(&t0);
    REQUIRE_RC(open_group(pa, mine, &g), TERMINUS_OK);
    t_open = ms_since(t0);
    REQUIRE(g != NULL);
    CloseHandle(mine);

    memset(&l, 0, sizeof l);
    QueryPerformanceCounter(&t0);
    REQUIRE_RC(os->group_list(os->data, g, collect, &l), TERMINUS_OK);
    t_list = ms_since(t0);
    CHECK_EQ(l.n, 4);
    a = find(&l, pa);
    d = find(&l, pd);
    REQUIRE(a != NULL && d != NULL);
    b = child_of(&l, a->pid);
    REQUIRE(b != NULL);
    c = child_of(&l, b->pid);
    REQUIRE(c != NULL);
    /* parents and starts as process_list gives them */
    CHECK_EQ(a->ppid, GetCurrentProcessId());
    CHECK_EQ(d->ppid, GetCurrentProcessId());
    CHECK_EQ(a->start, created_of(ha));
    CHECK_EQ(d->start, created_of(hd));
    CHECK(a->start != 0 && b->start >= a->start && c->start >= b->start);
    memset(&all, 0, sizeof all);
    QueryPerformanceCounter(&t0);
    REQUIRE_RC(os->process_list(os->data, 0, collect, &all), TERMINUS_OK);
    t_plist = ms_since(t0);
    for (size_t i = 0; i < l.n; i++) {
        const terminus_process_info *p = find(&all, (DWORD)l.v[i].pid);
        REQUIRE(p != NULL);
        CHECK_EQ(l.v[i].ppid, p->ppid);
        CHECK_EQ(l.v[i].start, p->start);
        CHECK_EQ(l.v[i].uid, TERMINUS_UID_UNKNOWN);
        CHECK_EQ(l.v[i].session, TERMINUS_SESSION_NONE);
        CHECK_STR_EQ(l.v[i].name, "");
    }
    /* what the parents would cost from a snapshot instead (job.c says why not) */
    QueryPerformanceCounter(&t0);
    {
        HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        PROCESSENTRY32W pe;
        size_t seen = 0;
        REQUIRE(snap != INVALID_HANDLE_VALUE);
        pe.dwSize = sizeof pe;
        for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe))
            seen++;
        CloseHandle(snap);
        CHECK(seen >= 5);
    }
    t_snap = ms_since(t0);

    hb = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)b->pid);
    hc = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)c->pid);
    REQUIRE(hb != NULL && hc != NULL);
    REQUIRE_RC(os->group_empty(os->data, g, &empty), TERMINUS_OK);
    CHECK_EQ(empty, 0);

    QueryPerformanceCounter(&t0);
    REQUIRE_RC(os->group_kill(os->data, g, 42), TERMINUS_OK);
    for (int i = 0; i < 500; i++) {
        REQUIRE_RC(os->group_empty(os->data, g, &empty), TERMINUS_OK);
        if (empty == 1)
            break;
        Sleep(10);
    }
    t_kill = ms_since(t0);
    CHECK_EQ(empty, 1);
    CHECK(WaitForSingleObject(ha, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hb, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hc, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hd, 5000) == WAIT_OBJECT_0);
    CHECK(GetExitCodeProcess(ha, &code) && code == 42);
    CHECK(GetExitCodeProcess(hd, &code) && code == 42);
    /* and the list is empty now */
    l.n = 0;
    REQUIRE_RC(os->group_list(os->data, g, collect, &l), TERMINUS_OK);
    CHECK_EQ(l.n, 0);
    os->group_close(os->data, g);
    printf("# members %lu %lu %lu %lu; group_open %.2f ms, group_list (4) %.2f ms, "
           "a Toolhelp walk %.2f ms, process_list %.2f ms (%u processes), kill to empty "
           "%.2f ms\n",
           (unsigned long)pa, (unsigned long)b->pid, (unsigned long)c->pid, (unsigned long)pd,
           t_open, t_list, t_snap, t_plist, (unsigned)all.n, t_kill);
    CloseHandle(ha);
    CloseHandle(hb);
    CloseHandle(hc);
    CloseHandle(hd);
    free(l.v);
    free(all.v);
}

/* ---- list_grow: a job of more members than the first buffer holds (job.c: 16) ---- */

static void t_list_grow(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_group *g = NULL;
    struct plist l;
    const terminus_process_info *p;
    DWORD pid;
    int depth = 0;
    HANDLE h = start_in(job, L"tm_tree.exe", "40", &pid);

    REQUIRE_RC(open_group(pid, job, &g), TERMINUS_OK);
    memset(&l, 0, sizeof l);
    REQUIRE_RC(os->group_list(os->data, g, collect, &l), TERMINUS_OK);
    os->group_close(os->data, g);
    CHECK_EQ(l.n, 40);
    /* every one of the chain, each the parent of the next */
    for (p = find(&l, pid); p != NULL; p = child_of(&l, p->pid))
        depth++;
    CHECK_EQ(depth, 40);
    CloseHandle(h);
    free(l.v);
}

/* ---- list_ended: a member that ends during the listing is left out ---- */

struct ending {
    HANDLE h[3];
    DWORD pid[3];
    int calls;
    struct plist l;
};

/* At the first entry, end every other member: one whose handle the test
 * keeps (the process still exists, ended) and one whose last handle goes
 * (no such process). */
static int end_the_others(void *arg, const terminus_process_info *info)
{
    struct ending *e = arg;
    if (e->calls++ == 0) {
        int kept = 0;
        for (int i = 0; i < 3; i++) {
            if (e->pid[i] == (DWORD)info->pid)
                continue;
            TerminateProcess(e->h[i], 7);
            WaitForSingleObject(e->h[i], 5000);
            if (kept++ > 0) {
                CloseHandle(e->h[i]);
                e->h[i] = NULL;
            }
        }
    }
    return collect(&e->l, info);
}

static void t_list_ended(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_group *g = NULL;
    struct ending e;

    memset(&e, 0, sizeof e);
    for (int i = 0; i < 3; i++)
        e.h[i] = start_in(job, L"tm_tree.exe", "1", &e.pid[i]);
    REQUIRE_RC(open_group(e.pid[0], job, &g), TERMINUS_OK);
    REQUIRE_RC(os->group_list(os->data, g, end_the_others, &e), TERMINUS_OK);
    CHECK_EQ(e.l.n, 1);
    CHECK_EQ(e.calls, 1);
    /* the one listed is the one still running */
    for (int i = 0; i < 3; i++)
        if (e.h[i] != NULL && running(e.h[i]))
            CHECK_EQ(e.l.v[0].pid, e.pid[i]);
    os->group_close(os->data, g);
    for (int i = 0; i < 3; i++)
        if (e.h[i] != NULL)
            CloseHandle(e.h[i]);
    free(e.l.v);
}

/* ---- list_stop: the listing stops at the first code the callback returns ---- */

static int stop_at_first(void *arg, const terminus_process_info *info)
{
    int *calls = arg;
    (void)info;
    ++*calls;
    return TERMINUS_E_TIMEOUT;
}

static void t_list_stop(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_group *g = NULL;
    DWORD pid;
    int calls = 0;
    HANDLE h = start_in(job, L"tm_tree.exe", "3", &pid);

    REQUIRE_RC(open_group(pid, job, &g), TERMINUS_OK);
    CHECK_RC(os->group_list(os->data, g, stop_at_first, &calls), TERMINUS_E_TIMEOUT);
    CHECK_EQ(calls, 1);
    os->group_close(os->data, g);
    CHECK(running(h));
    CloseHandle(h);
}

/* ---- open_errors: no job, not a job, the root outside, missing rights ---- */

static void t_open_errors(void)
{
    terminus_os_group *g = NULL;
    DWORD pid, out_pid;
    HANDLE h = start_in(job, L"tm_tree.exe", "1", &pid);
    HANDLE other = CreateJobObjectW(NULL, NULL);
    /* no handle: a value far above any this process has (a closed handle's
     * value would be reused by the process handle open_group opens) */
    HANDLE bogus = (HANDLE)(uintptr_t)0x3ffff000u;
    HANDLE query_only = NULL, terminate_only = NULL, outside, outside_job;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;

    REQUIRE(other != NULL);

    /* Windows finds no group by itself */
    CHECK_RC(open_group(pid, NULL, &g), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "no job object given");
    CHECK(g == NULL);
    /* no handle, a handle that is no job (a process) */
    CHECK_RC(open_group(pid, bogus, &g), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "not a valid handle");
    CHECK_RC(open_group(pid, h, &g), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "not a handle to a job object");
    /* the root is not in that job */
    CHECK_RC(open_group(pid, other, &g), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "is not in the job");
    CHECK(g == NULL);
    /* a root in no job at all (its own job only holds it, for the clean-up) */
    outside_job = CreateJobObjectW(NULL, NULL);
    REQUIRE(outside_job != NULL);
    ZeroMemory(&li, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    REQUIRE(
        SetInformationJobObject(outside_job, JobObjectExtendedLimitInformation, &li, sizeof li));
    outside = start_in(outside_job, L"tm_tree.exe", "1", &out_pid);
    CHECK_RC(open_group(out_pid, job, &g), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "is not in the job");
    /* a handle without the rights a tree terminate needs */
    REQUIRE(DuplicateHandle(GetCurrentProcess(), job, GetCurrentProcess(), &query_only,
                            JOB_OBJECT_QUERY, FALSE, 0));
    REQUIRE(DuplicateHandle(GetCurrentProcess(), job, GetCurrentProcess(), &terminate_only,
                            JOB_OBJECT_TERMINATE, FALSE, 0));
    CHECK_RC(open_group(pid, query_only, &g), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "lacks JOB_OBJECT_TERMINATE");
    CHECK_RC(open_group(pid, terminate_only, &g), TERMINUS_E_ACCESS_DENIED);
    CHECK_ERROR(TERMINUS_E_ACCESS_DENIED, "lacks JOB_OBJECT_QUERY");
    CHECK(g == NULL);
    /* nothing was ended */
    CHECK(running(h));
    CHECK(running(outside));
    CloseHandle(query_only);
    CloseHandle(terminate_only);
    CloseHandle(other);
    TerminateJobObject(outside_job, 1);
    CloseHandle(outside_job);
    CloseHandle(outside);
    CloseHandle(h);
}

/* ---- caller_in_job: TerminateJobObject would end the caller: refused ---- */

static void t_caller_in_job(void)
{
    terminus_os_group *g = NULL;
    BOOL in = FALSE;
    DWORD pid;
    /* a job of its own, without kill-on-close: this process joins it for good */
    HANDLE mine = CreateJobObjectW(NULL, NULL);
    HANDLE h;

    REQUIRE(mine != NULL);
    h = start_in(mine, L"tm_tree.exe", "1", &pid);
    if (!AssignProcessToJobObject(mine, GetCurrentProcess())) {
        DWORD err = GetLastError();
        TerminateProcess(h, 1);
        CloseHandle(h);
        SKIP("this process cannot join a job (error %lu)", (unsigned long)err);
    }
    REQUIRE(IsProcessInJob(GetCurrentProcess(), mine, &in) && in);
    CHECK_RC(open_group(pid, mine, &g), TERMINUS_E_REFUSED);
    CHECK_ERROR(TERMINUS_E_REFUSED, "would end it too");
    CHECK(g == NULL);
    CHECK(running(h));
    TerminateProcess(h, 1);
    WaitForSingleObject(h, 5000);
    CloseHandle(h);
    CloseHandle(mine);
}

/* ---- terminate_job: terminus_terminate with TREE and a job ends every member ---- */

static void t_terminate_job(void)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_result res;
    terminus_detail det;
    struct plist l;
    const terminus_os *os = terminus_os_native();
    terminus_os_group *g = NULL;
    HANDLE h[4];
    DWORD pa, pd, n = 0;
    BOOL in = FALSE;

    /* a chain of three (the tree of pa) and a fourth member that is no
     * descendant of it: with the job, the tree is every process in the job */
    h[0] = start_in(job, L"tm_tree.exe", "3", &pa);
    h[3] = start_in(job, L"tm_tree.exe", "1", &pd);
    REQUIRE_RC(open_group(pa, job, &g), TERMINUS_OK);
    memset(&l, 0, sizeof l);
    REQUIRE_RC(os->group_list(os->data, g, collect, &l), TERMINUS_OK);
    os->group_close(os->data, g);
    REQUIRE_EQ(l.n, 4);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].pid != (terminus_pid)pa && l.v[i].pid != (terminus_pid)pd) {
            REQUIRE(n < 2);
            h[1 + n] = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)l.v[i].pid);
            REQUIRE(h[1 + n] != NULL);
            n++;
        }
    REQUIRE_EQ(n, 2);

    memset(&det, 0, sizeof det);
    o.flags = TERMINUS_TERMINATE_TREE;
    o.grace_ms = 500;
    o.job = job;
    o.details = &det;
    o.details_count = 1;
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)pa, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.status, TERMINUS_OK);
    /* tm_tree has no window and no listener: nothing reaches it; killed */
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(det.tree_members, 4);
    CHECK_EQ(det.tree_escaped, 0);
    for (int i = 0; i < 4; i++) {
        CHECK_MSG(WaitForSingleObject(h[i], 5000) == WAIT_OBJECT_0, "member %d still runs", i);
        CloseHandle(h[i]);
    }
    /* the caller's handle is still its own, and the job is empty */
    REQUIRE(IsProcessInJob(GetCurrentProcess(), job, &in));
    CHECK(!in);
    {
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
        REQUIRE(QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &acc,
                                          sizeof acc, NULL));
        CHECK_EQ(acc.ActiveProcesses, 0);
    }
    printf("# tree of the job: members %u, escaped %u\n", det.tree_members, det.tree_escaped);
    free(l.v);
}

/* ---- terminate_job_errors: a root outside the job, and no TREE: nothing is sent ---- */

static void t_terminate_job_errors(void)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_result res;
    HANDLE other = CreateJobObjectW(NULL, NULL);
    DWORD pid;
    HANDLE h = start_in(job, L"tm_tree.exe", "1", &pid);

    REQUIRE(other != NULL);
    o.flags = TERMINUS_TERMINATE_TREE;
    o.grace_ms = 200;
    o.job = other;
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)pid, &o, &res), TERMINUS_E_INVALID);
    CHECK_ERROR(TERMINUS_E_INVALID, "is not in the job");
    CHECK(running(h));
    /* the job needs TREE */
    o.flags = 0;
    o.job = job;
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)pid, &o, &res), TERMINUS_E_INVALID);
    CHECK(running(h));
    CloseHandle(other);
    CloseHandle(h);
}

static const h_test tests[] = {
    { "list_kill", t_list_kill, 0 },
    { "list_grow", t_list_grow, 0 },
    { "list_ended", t_list_ended, 0 },
    { "list_stop", t_list_stop, 0 },
    { "open_errors", t_open_errors, 0 },
    { "caller_in_job", t_caller_in_job, 0 },
    /* through terminus_terminate: need the core's use of the group members */
    { "terminate_job", t_terminate_job, 0 },
    { "terminate_job_errors", t_terminate_job_errors, 0 },
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
        .setup = setup,
        .teardown = teardown,
    };
    return h_main(&program, argc, argv);
}
