/*
 * tests/integration/win32/test_procs.c: processes by identity on Windows
 * (under Wine in the cross build): the listing (names, parents, creation
 * times, sessions), identities through the HANDLE, the boot id.
 *
 *   test_procs NAME     run one case; exit 0 pass, 1 fail, 77 skipped
 *   test_procs --list   the names of the cases (the harness: tests/common/check.h)
 *
 * The helper tm_tree.exe (a chain of processes) is found next to this
 * program; so is this program itself, started as `test_procs child_self
 * PARENT` (see t_list_self).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>
#include <terminus/sys/os.h>

#include "check.h"
#include "helpers.h"

static wchar_t exe_dir[MAX_PATH];
static HANDLE job; /* every child; they die with this process, whatever happens */

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
    ZeroMemory(&li, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    job = CreateJobObjectW(NULL, NULL);
    if (job != NULL &&
        !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li)) {
        CloseHandle(job);
        job = NULL;
    }
}

static void teardown(void)
{
    if (job != NULL) {
        TerminateJobObject(job, 1);
        CloseHandle(job);
        job = NULL;
    }
}

/* Start exe_dir\exe with args and wait until it is ready (its ready event,
 * or `wait_ready` 0: not at all). Returns its process handle; *pid its id. */
static HANDLE start(const wchar_t *exe, const char *args, int wait_ready, DWORD *pid)
{
    wchar_t cmd[1024], wargs[512], evname[64];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE ready = NULL;

    ZeroMemory(&si, sizeof si);
    si.cb = sizeof si;
    REQUIRE(MultiByteToWideChar(CP_UTF8, 0, args, -1, wargs, 512) > 0);
    REQUIRE(wcslen(exe_dir) + wcslen(exe) + wcslen(wargs) + 8 < 1024);
    wcscpy(cmd, L"\"");
    wcscat(cmd, exe_dir);
    wcscat(cmd, L"\\");
    wcscat(cmd, exe);
    wcscat(cmd, L"\" ");
    wcscat(cmd, wargs);
    REQUIRE(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi));
    if (job != NULL)
        AssignProcessToJobObject(job, pi.hProcess);
    if (wait_ready) {
        tmt_ready_name(pi.dwProcessId, evname, 64);
        ready = CreateEventW(NULL, TRUE, FALSE, evname);
        REQUIRE(ready != NULL);
    }
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    if (ready != NULL) {
        HANDLE hs[2] = { ready, pi.hProcess };
        DWORD r = WaitForMultipleObjects(2, hs, FALSE, 60000);
        CloseHandle(ready);
        if (r != WAIT_OBJECT_0)
            printf("# child %lu not ready (wait %lu)\n", (unsigned long)pi.dwProcessId,
                   (unsigned long)r);
        REQUIRE(r == WAIT_OBJECT_0);
    }
    *pid = pi.dwProcessId;
    return pi.hProcess;
}

static void stop(HANDLE h)
{
    TerminateProcess(h, 1);
    WaitForSingleObject(h, 10000);
    CloseHandle(h);
}

static uint64_t created_of(HANDLE h)
{
    FILETIME c, e, k, u;
    if (!GetProcessTimes(h, &c, &e, &k, &u))
        return 0;
    return ((uint64_t)c.dwHighDateTime << 32) | c.dwLowDateTime;
}

/* The shim's listing, collected. */
struct plist {
    terminus_process_info *v;
    size_t n, cap;
};

static int collect(void *arg, const terminus_process_info *info)
{
    struct plist *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        terminus_process_info *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return TERMINUS_E_NO_MEMORY;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *info;
    return TERMINUS_OK;
}

static int shim_list(uint32_t fields, struct plist *l)
{
    const terminus_os *os = terminus_os_native();
    memset(l, 0, sizeof *l);
    return os->process_list(os->data, fields, collect, l);
}

static const terminus_process_info *find(const struct plist *l, DWORD pid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].pid == (terminus_pid)pid)
            return &l->v[i];
    return NULL;
}

/* The identity the shim reads through a handle of pid. */
static int shim_identity(DWORD pid, terminus_process_info *info, uint64_t *unique)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_process *proc = NULL;
    int rc = os->process_open(os->data, (terminus_pid)pid, &proc);
    if (rc != TERMINUS_OK)
        return rc;
    rc = os->process_identity(os->data, proc, info, unique);
    os->process_close(os->data, proc);
    return rc;
}

static int name_is(const char *name, const char *want)
{
    return _stricmp(name, want) == 0;
}

/* ---- child_self: run by list_self; checks its own entry ---- */

static DWORD self_parent;

static void t_child_self(void)
{
    struct plist l;
    const terminus_process_info *me;
    DWORD session = TERMINUS_SESSION_NONE;

    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &l), TERMINUS_OK);
    me = find(&l, GetCurrentProcessId());
    REQUIRE(me != NULL);
    CHECK_EQ(me->ppid, self_parent);
    CHECK_MSG(name_is(me->name, "test_procs.exe"), "name %s", me->name);
    CHECK_EQ(me->uid, TERMINUS_UID_UNKNOWN);
    CHECK_EQ(me->start, created_of(GetCurrentProcess()));
    CHECK(me->start != 0);
    if (ProcessIdToSessionId(GetCurrentProcessId(), &session))
        CHECK_EQ(me->session, session);
    printf("# listed %u processes; this one: pid %u, parent %u, name %s, session %u\n",
           (unsigned)l.n, (unsigned)me->pid, (unsigned)me->ppid, me->name, (unsigned)me->session);
    free(l.v);
}

/* ---- list_self: the listing shows this program with its parent and name ---- */

static void t_list_self(void)
{
    char args[64];
    DWORD pid, code = 99;
    HANDLE h;

    /* run as a child of this process, whose pid the child knows */
    snprintf(args, sizeof args, "child_self %lu", (unsigned long)GetCurrentProcessId());
    h = start(L"test_procs.exe", args, 0, &pid);
    CHECK(WaitForSingleObject(h, 60000) == WAIT_OBJECT_0);
    GetExitCodeProcess(h, &code);
    CHECK_MSG(code == 0, "child_self exited with %lu", (unsigned long)code);
    CloseHandle(h);
    /* and here: this process is listed, with a start */
    {
        struct plist l;
        const terminus_process_info *me;
        REQUIRE_RC(shim_list(0, &l), TERMINUS_OK);
        me = find(&l, GetCurrentProcessId());
        REQUIRE(me != NULL);
        CHECK_EQ(me->start, created_of(GetCurrentProcess()));
        CHECK(find(&l, 0) == NULL); /* the idle process is not listed */
        free(l.v);
    }
}

/* ---- list_chain: a chain of three processes, parents and starts ---- */

static void t_list_chain(void)
{
    struct plist l;
    const terminus_process_info *a, *b = NULL, *c = NULL;
    DWORD pid;
    HANDLE h = start(L"tm_tree.exe", "3", 1, &pid);

    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &l), TERMINUS_OK);
    a = find(&l, pid);
    REQUIRE(a != NULL);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].ppid == pid)
            b = &l.v[i];
    REQUIRE(b != NULL);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].ppid == b->pid)
            c = &l.v[i];
    REQUIRE(c != NULL);
    CHECK_EQ(a->ppid, GetCurrentProcessId());
    CHECK_MSG(name_is(a->name, "tm_tree.exe") && name_is(b->name, "tm_tree.exe") &&
                  name_is(c->name, "tm_tree.exe"),
              "names %s %s %s", a->name, b->name, c->name);
    CHECK_EQ(a->start, created_of(h));
    CHECK(a->start != 0 && b->start >= a->start && c->start >= b->start);
    CHECK_EQ(a->session, b->session);
    printf("# chain %u -> %u -> %u, starts %llu <= %llu <= %llu\n", (unsigned)a->pid,
           (unsigned)b->pid, (unsigned)c->pid, (unsigned long long)a->start,
           (unsigned long long)b->start, (unsigned long long)c->start);
    /* the fields not asked for may be left unread; pid, parent and start never */
    {
        struct plist bare;
        const terminus_process_info *x;
        REQUIRE_RC(shim_list(0, &bare), TERMINUS_OK);
        x = find(&bare, pid);
        REQUIRE(x != NULL);
        CHECK_EQ(x->ppid, a->ppid);
        CHECK_EQ(x->start, a->start);
        CHECK_EQ(x->uid, TERMINUS_UID_UNKNOWN);
        free(bare.v);
    }
    free(l.v);
    stop(h);
}

/* ---- identity: through the handle, the listing's pid, parent, start, name ---- */

static void t_identity(void)
{
    terminus_process_info info;
    struct plist l;
    const terminus_process_info *listed;
    uint64_t unique = 1;
    DWORD pid;
    HANDLE h = start(L"tm_tree.exe", "1", 1, &pid);

    REQUIRE_RC(shim_identity(pid, &info, &unique), TERMINUS_OK);
    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &l), TERMINUS_OK);
    listed = find(&l, pid);
    REQUIRE(listed != NULL);
    CHECK_EQ(info.pid, pid);
    CHECK_EQ(info.ppid, GetCurrentProcessId());
    CHECK_EQ(info.start, listed->start);
    CHECK_EQ(info.start, created_of(h));
    CHECK_MSG(name_is(info.name, "tm_tree.exe"), "name %s", info.name);
    CHECK_EQ(info.session, listed->session);
    CHECK_EQ(unique, 0);
    free(l.v);
    stop(h);
}

/* ---- identity_exited: a process that has exited keeps its identity while held ---- */

static void t_identity_exited(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_process *proc = NULL;
    terminus_process_info info;
    uint64_t unique = 0;
    DWORD pid;
    HANDLE h = start(L"tm_tree.exe", "1", 1, &pid);
    uint64_t created = created_of(h);

    REQUIRE_RC(os->process_open(os->data, (terminus_pid)pid, &proc), TERMINUS_OK);
    TerminateProcess(h, 3);
    WaitForSingleObject(h, 10000);
    CloseHandle(h);
    CHECK_RC(os->process_identity(os->data, proc, &info, &unique), TERMINUS_OK);
    CHECK_EQ(info.pid, pid);
    CHECK_EQ(info.start, created);
    os->process_close(os->data, proc);
}

/* ---- boot_id: empty on Windows (creation times tell boots apart) ---- */

static void t_boot_id(void)
{
    const terminus_os *os = terminus_os_native();
    char buf[64] = "x";
    CHECK_RC(os->boot_id(os->data, buf, sizeof buf), TERMINUS_OK);
    CHECK_STR_EQ(buf, "");
}

/* ---- tree: a chain of three processes ends as one tree ---- */

static void t_tree(void)
{
    struct plist l;
    const terminus_process_info *a, *b = NULL, *c = NULL;
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    HANDLE hb = NULL, hc = NULL;
    DWORD pid;
    HANDLE h = start(L"tm_tree.exe", "3", 1, &pid);

    REQUIRE_RC(shim_list(0, &l), TERMINUS_OK);
    a = find(&l, pid);
    REQUIRE(a != NULL);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].ppid == pid && l.v[i].start >= a->start)
            b = &l.v[i];
    REQUIRE(b != NULL);
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].ppid == b->pid && l.v[i].start >= b->start)
            c = &l.v[i];
    REQUIRE(c != NULL);
    /* held here, to see them end */
    hb = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, b->pid);
    hc = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, c->pid);
    REQUIRE(hb != NULL && hc != NULL);
    o.flags = TERMINUS_TERMINATE_TREE;
    o.grace_ms = 1000;
    o.details = &d;
    o.details_count = 1;
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)pid, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.status, TERMINUS_OK);
    CHECK_EQ(d.tree_members, 3);
    CHECK_EQ(d.tree_escaped, 0);
    /* tm_tree has no window and no listener: nothing reaches it, so each is killed */
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK(WaitForSingleObject(h, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hb, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hc, 5000) == WAIT_OBJECT_0);
    printf("# tree %u -> %u -> %u: members %u, escaped %u\n", (unsigned)pid, (unsigned)b->pid,
           (unsigned)c->pid, d.tree_members, d.tree_escaped);
    CloseHandle(hb);
    CloseHandle(hc);
    CloseHandle(h);
    free(l.v);
}

/* ---- name: every process of an image name, compared without regard to case ---- */

static void t_name(void)
{
    wchar_t src[MAX_PATH], dst[MAX_PATH], tmp[MAX_PATH];
    char name[64], upper[64], args[8];
    terminus_pid *pids = NULL;
    terminus_result *results = NULL;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    size_t count = 0;
    DWORD pa, pb, pc;
    HANDLE ha, hb, hc;
    wchar_t saved[MAX_PATH];

    /* a name no other process has: a copy of tm_tree.exe next to it */
    snprintf(name, sizeof name, "tm_name_%lu.exe", (unsigned long)GetCurrentProcessId());
    REQUIRE(GetTempPathW(MAX_PATH, tmp) > 0);
    swprintf(src, MAX_PATH, L"%ls\\tm_tree.exe", exe_dir);
    swprintf(dst, MAX_PATH, L"%ls\\tm_name_%lu.exe", exe_dir, (unsigned long)GetCurrentProcessId());
    REQUIRE(CopyFileW(src, dst, FALSE));
    wcscpy(saved, dst);
    {
        wchar_t wname[64];
        REQUIRE(MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 64) > 0);
        snprintf(args, sizeof args, "1");
        ha = start(wname, args, 1, &pa);
        hb = start(wname, args, 1, &pb);
    }
    hc = start(L"tm_tree.exe", "1", 1, &pc);
    for (size_t i = 0; i <= strlen(name); i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    o.grace_ms = 500;
    CHECK_RC(terminus_terminate_name(NULL, upper, NULL, &o, &pids, &results, &count), TERMINUS_OK);
    REQUIRE_EQ(count, 2);
    CHECK((pids[0] == pa && pids[1] == pb) || (pids[0] == pb && pids[1] == pa));
    CHECK(results[0].status == TERMINUS_OK && results[1].status == TERMINUS_OK);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    CHECK(WaitForSingleObject(ha, 5000) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(hb, 5000) == WAIT_OBJECT_0);
    CHECK_MSG(WaitForSingleObject(hc, 0) == WAIT_TIMEOUT, "tm_tree.exe was ended");
    CloseHandle(ha);
    CloseHandle(hb);
    stop(hc);
    /* nothing of that name now */
    CHECK_RC(terminus_terminate_name(NULL, name, NULL, &o, &pids, &results, &count),
             TERMINUS_E_NOT_FOUND);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    for (int i = 0; i < 50 && !DeleteFileW(saved); i++)
        Sleep(100);
}

/* ---- list_public: terminus_process_list shows this program ---- */

static void t_list_public(void)
{
    terminus_process_info *v = NULL;
    const terminus_process_info *me = NULL;
    size_t n = 0;

    REQUIRE_RC(terminus_process_list(NULL, &v, &n), TERMINUS_OK);
    for (size_t i = 0; i < n; i++)
        if (v[i].pid == (terminus_pid)GetCurrentProcessId())
            me = &v[i];
    REQUIRE(me != NULL);
    CHECK_MSG(name_is(me->name, "test_procs.exe"), "name %s", me->name);
    CHECK_EQ(me->start, created_of(GetCurrentProcess()));
    terminus_process_list_free(v);
}

/* ---- token: a token names its process while it lives ---- */

static void t_token(void)
{
    char token[TERMINUS_TOKEN_MAX], want[64];
    terminus_result res;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    DWORD pid;
    HANDLE h = start(L"tm_tree.exe", "1", 1, &pid);

    REQUIRE_RC(terminus_process_token(NULL, (terminus_pid)pid, token, sizeof token), TERMINUS_OK);
    snprintf(want, sizeof want, "t1..%lu.%llx.0", (unsigned long)pid,
             (unsigned long long)created_of(h));
    CHECK_STR_EQ(token, want);
    o.grace_ms = 300;
    CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK(WaitForSingleObject(h, 5000) == WAIT_OBJECT_0);
    CloseHandle(h);
    /* ended: the token names nothing now */
    CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_E_NOT_FOUND);
    printf("# token %s\n", token);
}

static const h_test tests[] = {
    { "list_self", t_list_self, 0 }, { "list_chain", t_list_chain, 0 },
    { "identity", t_identity, 0 },   { "identity_exited", t_identity_exited, 0 },
    { "boot_id", t_boot_id, 0 },     { "list_public", t_list_public, 0 },
    { "tree", t_tree, 0 },           { "name", t_name, 0 },
    { "token", t_token, 0 },         { "child_self", t_child_self, H_HIDDEN },
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

    if (argc == 3 && strcmp(argv[1], "child_self") == 0) {
        self_parent = (DWORD)strtoul(argv[2], NULL, 10);
        argc = 2;
    }
    return h_main(&program, argc, argv);
}
