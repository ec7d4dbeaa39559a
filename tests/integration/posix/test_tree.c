/*
 * tests/integration/posix/test_tree.c: processes by identity on Linux,
 * against real processes: the listing (names, parents, starts, sessions),
 * identities through the pidfd, the boot id, and pid reuse forced in a pid
 * namespace. One case per run: test_tree NAME CHILD, where CHILD is the path
 * of the child helper (child.c); exit 0 = pass, 1 = fail, 77 = skipped.
 * test_tree --list names the cases (the harness: tests/common/check.h).
 */
#include "util.h"

#include <limits.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/vfs.h>

static const char *child_path;

/* Every child a case started, killed by the teardown if the case left it
 * (a failed REQUIRE): no test leaves processes behind. */
static pid_t kids[64];
static size_t nkids;

static pid_t track(pid_t pid)
{
    if (nkids < sizeof kids / sizeof kids[0])
        kids[nkids++] = pid;
    return pid;
}

/* --- helpers ------------------------------------------------------------------ */

/* Start `child MODE ARGS...` (NULL-terminated); the literal "READY" is
 * replaced by a pipe's descriptor, whose read end is returned in *rfd (or
 * closed once the child is ready, when rfd is NULL). */
static pid_t start_child(int *rfd, const char *mode, ...)
{
    char *argv[16];
    char fdbuf[16];
    int p[2], n = 0;
    va_list ap;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) != 0) {
        perror("pipe2");
        exit(1);
    }
    fcntl(p[1], F_SETFD, 0);
    snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
    argv[n++] = (char *)child_path;
    argv[n++] = (char *)mode;
    va_start(ap, mode);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 15;)
        argv[n++] = strcmp(a, "READY") == 0 ? fdbuf : (char *)a;
    va_end(ap);
    argv[n] = NULL;
    pid = track(spawn_argv(argv));
    close(p[1]);
    if (rfd != NULL) {
        *rfd = p[0];
        return pid;
    }
    if (wait_ready(p[0], 1) != 0) {
        fprintf(stderr, "child %s %d never got ready\n", mode, (int)pid);
        kill(pid, SIGKILL);
        exit(1);
    }
    close(p[0]);
    return pid;
}

/* What /proc/PID/stat says of a process, read here independently of the
 * library: 1 with its state, parent and start, 0 if there is no such pid. */
static int read_stat(pid_t pid, char *state, pid_t *ppid, uint64_t *start)
{
    char path[64], buf[2048];
    const char *p;
    unsigned long long st = 0;
    int pp = 0;
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (p == NULL ||
        sscanf(p + 2,
               "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               state, &pp, &st) != 3)
        return 0;
    *ppid = (pid_t)pp;
    *start = (uint64_t)st;
    return 1;
}

/* The process pid with that start still runs (not a zombie, not gone). */
static int alive(pid_t pid, uint64_t start)
{
    char state;
    pid_t ppid;
    uint64_t s;
    return read_stat(pid, &state, &ppid, &s) && s == start && state != 'Z' && state != 'X';
}

static uint64_t start_of(pid_t pid)
{
    char state;
    pid_t ppid;
    uint64_t s = 0;
    if (!read_stat(pid, &state, &ppid, &s))
        return 0;
    return s;
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

static const terminus_process_info *find(const struct plist *l, pid_t pid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].pid == (terminus_pid)pid)
            return &l->v[i];
    return NULL;
}

/* The identity the shim reads through a pidfd of pid. */
static int shim_identity(pid_t pid, terminus_process_info *info, uint64_t *unique)
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

/* This kernel's pidfds are inodes of pidfs (6.9+): unique numbers. */
static int have_pidfs(void)
{
    struct statfs sf;
    int fd = pidfd_open(getpid(), 0);
    int yes;
    if (fd < 0)
        return 0;
    yes = fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == 0x50494446ul &&
          sizeof(unsigned long) >= 8;
    close(fd);
    return yes;
}

static void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    reap(pid);
    for (size_t i = 0; i < nkids; i++)
        if (kids[i] == pid)
            kids[i] = kids[--nkids];
}

/* Copy /bin/sleep to dir/name and start it (sleep 60): a process whose image
 * name is `name`. Waits until it runs that file. */
static pid_t start_sleep_as(const char *name, char *path, size_t size)
{
    char cmd[1024], link[PATH_MAX], proc[64];
    char *argv[] = { path, "60", NULL };
    pid_t pid;

    snprintf(path, size, "%s/%s", test_dir, name);
    snprintf(cmd, sizeof cmd, "cp /bin/sleep '%s'", path);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy /bin/sleep to %s\n", path);
        exit(1);
    }
    pid = track(spawn_argv(argv));
    snprintf(proc, sizeof proc, "/proc/%d/exe", (int)pid);
    for (int i = 0; i < 500; i++) {
        ssize_t n = readlink(proc, link, sizeof link - 1);
        if (n > 0) {
            link[n] = '\0';
            if (strcmp(link, path) == 0)
                return pid;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "%s never ran\n", path);
    end_child(pid);
    exit(1);
}

/* --- list_self: the caller, its parent and its child as the listing shows them - */

static void test_list_self(void)
{
    struct plist l;
    const terminus_process_info *me, *parent, *child;
    pid_t pid = start_child(NULL, "named", "READY", "x) (y z", NULL);

    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &l), TERMINUS_OK);
    me = find(&l, getpid());
    parent = find(&l, getppid());
    child = find(&l, pid);
    REQUIRE(me != NULL && parent != NULL && child != NULL);
    CHECK_EQ(me->ppid, getppid());
    CHECK_STR_EQ(me->name, "test-tree");
    CHECK_EQ(me->uid, getuid());
    CHECK_EQ(me->start, start_of(getpid()));
    CHECK(parent->start <= me->start);
    /* the command name holds ") (" and spaces: parent and start still right */
    CHECK_EQ(child->ppid, getpid());
    CHECK_STR_EQ(child->name, "posix-child"); /* the file's name, not the command name */
    CHECK_EQ(child->start, start_of(pid));
    CHECK(child->start >= me->start);
    CHECK_EQ(child->uid, getuid());
    CHECK_EQ(child->session, me->session);
    /* pid 1 is there and has no parent */
    {
        const terminus_process_info *init = find(&l, 1);
        CHECK(init != NULL && init->ppid == 0);
    }
    printf("# listed %zu processes; this one: pid %u, parent %u, start %llu, name %s, uid %u, "
           "session 0x%x\n",
           l.n, me->pid, me->ppid, (unsigned long long)me->start, me->name, me->uid, me->session);
    free(l.v);
    end_child(pid);
}

/* --- list_fields: a walk that asks for no field reads none ------------------- */

static void test_list_fields(void)
{
    struct plist all, bare;
    size_t same = 0;

    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &all), TERMINUS_OK);
    REQUIRE_RC(shim_list(0, &bare), TERMINUS_OK);
    for (size_t i = 0; i < bare.n; i++) {
        const terminus_process_info *a = find(&all, (pid_t)bare.v[i].pid);
        CHECK_STR_EQ(bare.v[i].name, "");
        CHECK_EQ(bare.v[i].uid, TERMINUS_UID_UNKNOWN);
        CHECK_EQ(bare.v[i].session, TERMINUS_SESSION_NONE);
        if (a != NULL && a->start == bare.v[i].start) {
            /* the same process, read twice: the same parent, unless that
             * parent ended between the walks and it was re-parented (other
             * tests fork and end trees meanwhile) */
            const terminus_process_info *pa = find(&all, (pid_t)a->ppid);
            const terminus_process_info *pb = find(&bare, (pid_t)a->ppid);
            if (a->ppid == 0 || (pa != NULL && pb != NULL && pa->start == pb->start))
                CHECK_EQ(a->ppid, bare.v[i].ppid);
            same++;
        }
    }
    CHECK(find(&bare, getpid()) != NULL);
    CHECK(same > 0);
    /* one field at a time */
    {
        struct plist l;
        const terminus_process_info *me;
        REQUIRE_RC(shim_list(TERMINUS_OS_LIST_UID, &l), TERMINUS_OK);
        me = find(&l, getpid());
        REQUIRE(me != NULL);
        CHECK_EQ(me->uid, getuid());
        CHECK_STR_EQ(me->name, "");
        free(l.v);
        REQUIRE_RC(shim_list(TERMINUS_OS_LIST_NAME, &l), TERMINUS_OK);
        me = find(&l, getpid());
        REQUIRE(me != NULL);
        CHECK_STR_EQ(me->name, "test-tree");
        CHECK_EQ(me->uid, TERMINUS_UID_UNKNOWN);
        free(l.v);
    }
    free(all.v);
    free(bare.v);
}

/* A callback that stops the walk. */
static int stop_at_second(void *arg, const terminus_process_info *info)
{
    int *n = arg;
    (void)info;
    return ++*n == 2 ? TERMINUS_E_TIMEOUT : TERMINUS_OK;
}

/* --- list_stop: the callback's code ends the walk and is returned ------------ */

static void test_list_stop(void)
{
    const terminus_os *os = terminus_os_native();
    int n = 0;
    CHECK_RC(os->process_list(os->data, TERMINUS_OS_LIST_ALL, stop_at_second, &n),
             TERMINUS_E_TIMEOUT);
    CHECK_EQ(n, 2);
}

/* --- list_names: odd names, a zombie, a deleted file ------------------------- */

static void test_list_names(void)
{
    char path[512], line[64];
    struct plist l;
    const terminus_process_info *z, *d;
    pid_t holder, zombie = 0, copy;
    int rfd;

    /* a zombie has no executable to read: its command name, parentheses and all */
    holder = start_child(&rfd, "zombie", "READY", "z) (q", NULL);
    REQUIRE(read_line(rfd, line, sizeof line, 10000) == 0);
    close(rfd);
    REQUIRE(sscanf(line, "zombie %d", &zombie) == 1);
    /* a program whose file was removed after it started: its name, no " (deleted)" */
    copy = start_sleep_as("tm copy (x)", path, sizeof path);
    REQUIRE(unlink(path) == 0);

    REQUIRE_RC(shim_list(TERMINUS_OS_LIST_ALL, &l), TERMINUS_OK);
    z = find(&l, zombie);
    d = find(&l, copy);
    REQUIRE(z != NULL && d != NULL);
    CHECK_STR_EQ(z->name, "z) (q");
    CHECK_EQ(z->ppid, holder);
    CHECK_EQ(z->start, start_of(zombie));
    CHECK_STR_EQ(d->name, "tm copy (x)");
    CHECK_EQ(d->ppid, getpid());
    free(l.v);
    end_child(copy);
    end_child(holder);
}

/* --- identity: through the pidfd, the listing's pid, parent and start -------- */

static void test_identity(void)
{
    terminus_process_info a, b, me;
    uint64_t ua = 0, ub = 0, ua2 = 0, ume = 0;
    struct plist l;
    const terminus_process_info *la;
    pid_t pa = start_child(NULL, "named", "READY", "a", NULL);
    pid_t pb = start_child(NULL, "named", "READY", "b", NULL);

    REQUIRE_RC(shim_identity(pa, &a, &ua), TERMINUS_OK);
    REQUIRE_RC(shim_identity(pb, &b, &ub), TERMINUS_OK);
    REQUIRE_RC(shim_identity(getpid(), &me, &ume), TERMINUS_OK);
    REQUIRE_RC(shim_list(0, &l), TERMINUS_OK);
    la = find(&l, pa);
    REQUIRE(la != NULL);
    CHECK_EQ(a.pid, pa);
    CHECK_EQ(a.ppid, getpid());
    CHECK_EQ(a.start, la->start);
    CHECK_EQ(me.ppid, getppid());
    CHECK_EQ(me.start, start_of(getpid()));
    /* a second pidfd of the same process: the same unique number */
    REQUIRE_RC(shim_identity(pa, &a, &ua2), TERMINUS_OK);
    CHECK_EQ(ua, ua2);
    if (have_pidfs()) {
        CHECK(ua != 0 && ub != 0 && ume != 0);
        CHECK(ua != ub && ua != ume && ub != ume);
        printf("# pidfs: unique numbers %llu, %llu, %llu\n", (unsigned long long)ua,
               (unsigned long long)ub, (unsigned long long)ume);
    } else {
        CHECK(ua == 0 && ub == 0 && ume == 0);
        printf("# no pidfs (kernel before 6.9): unique numbers are 0\n");
    }
    free(l.v);
    end_child(pa);
    end_child(pb);
}

/* --- identity_gone: a zombie keeps its identity; a reaped process has none --- */

static void test_identity_gone(void)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_process *proc = NULL;
    terminus_process_info info;
    uint64_t unique = 0, start;
    pid_t pid = start_child(NULL, "named", "READY", "gone", NULL);

    start = start_of(pid);
    REQUIRE_RC(os->process_open(os->data, (terminus_pid)pid, &proc), TERMINUS_OK);
    kill(pid, SIGKILL);
    wait_ended(pid); /* a zombie now */
    CHECK_RC(os->process_identity(os->data, proc, &info, &unique), TERMINUS_OK);
    CHECK_EQ(info.start, start);
    CHECK_EQ(info.pid, pid);
    reap(pid);
    CHECK_RC(os->process_identity(os->data, proc, &info, &unique), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "reaped");
    os->process_close(os->data, proc);
}

/* --- boot_id: the kernel's boot id without its dashes ------------------------ */

static void test_boot_id(void)
{
    const terminus_os *os = terminus_os_native();
    char buf[64], want[64];
    size_t n = 0;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    int c;

    REQUIRE(f != NULL);
    while ((c = fgetc(f)) != EOF && c != '\n' && n + 1 < sizeof want)
        if (c != '-')
            want[n++] = (char)c;
    want[n] = '\0';
    fclose(f);
    CHECK_RC(os->boot_id(os->data, buf, sizeof buf), TERMINUS_OK);
    CHECK_STR_EQ(buf, want);
    CHECK_EQ(strlen(buf), 32);
}

/* --- session: a process in a session scope has that logind session's id ----- */

/* Make `dir` (a cgroup) and move pid into it: 0, or -1. */
static int cgroup_move(const char *dir, pid_t pid)
{
    char path[600];
    FILE *f;
    int ok;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    ok = fprintf(f, "%d\n", (int)pid) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_session(void)
{
    static const char *roots[] = { "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified",
                                   "/sys/fs/cgroup" };
    static const struct {
        const char *scope;
        uint32_t id;
    } cases[] = {
        { "session-12.scope", 12 },
        { "session-c77.scope", 0x80000000u + 77 },
        { "session-0.scope", 0 }, /* hashed: checked against 0xC0000000 below */
    };
    char slice[300], dir[600], back[600];
    const char *root = NULL;
    pid_t pid = start_child(NULL, "named", "READY", "sess", NULL);

    if (geteuid() != 0) {
        end_child(pid);
        SKIP("moving a process between cgroups needs root");
    }
    for (size_t i = 0; i < sizeof roots / sizeof roots[0] && root == NULL; i++) {
        struct statfs sf;
        snprintf(slice, sizeof slice, "%s/terminus-test-%d.slice", roots[i], (int)getpid());
        if (statfs(roots[i], &sf) == 0 && mkdir(slice, 0755) == 0) {
            snprintf(dir, sizeof dir, "%s/%s", slice, cases[0].scope);
            if (cgroup_move(dir, pid) == 0)
                root = roots[i];
            else {
                rmdir(dir);
                rmdir(slice);
            }
        }
    }
    if (root == NULL) {
        end_child(pid);
        SKIP("no writable systemd or unified cgroup hierarchy");
    }
    snprintf(back, sizeof back, "%s", root);
    printf("# cgroups under %s\n", slice);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct plist l;
        const terminus_process_info *info;
        snprintf(dir, sizeof dir, "%s/%s", slice, cases[i].scope);
        REQUIRE(cgroup_move(dir, pid) == 0);
        REQUIRE_RC(shim_list(TERMINUS_OS_LIST_SESSION, &l), TERMINUS_OK);
        info = find(&l, pid);
        REQUIRE(info != NULL);
        if (cases[i].id != 0)
            CHECK_MSG(info->session == cases[i].id, "%s: session 0x%x, want 0x%x", cases[i].scope,
                      info->session, cases[i].id);
        else
            CHECK_MSG((info->session & 0xC0000000u) == 0xC0000000u &&
                          info->session != TERMINUS_SESSION_NONE,
                      "%s: session 0x%x, want a hashed id", cases[i].scope, info->session);
        free(l.v);
    }
    /* a service's unit is no session, nor a scope below another unit */
    {
        static const char *none[] = { "user@0.service", "other.scope" };
        for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
            struct plist l;
            const terminus_process_info *info;
            snprintf(dir, sizeof dir, "%s/%s", slice, none[i]);
            REQUIRE(cgroup_move(dir, pid) == 0);
            REQUIRE_RC(shim_list(TERMINUS_OS_LIST_SESSION, &l), TERMINUS_OK);
            info = find(&l, pid);
            REQUIRE(info != NULL);
            CHECK_MSG(info->session == TERMINUS_SESSION_NONE, "%s: session 0x%x", none[i],
                      info->session);
            free(l.v);
        }
    }
    /* back where it was, then the test's cgroups go */
    cgroup_move(back, pid);
    end_child(pid);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(dir, sizeof dir, "%s/%s", slice, cases[i].scope);
        rmdir(dir);
    }
    snprintf(dir, sizeof dir, "%s/user@0.service", slice);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/other.scope", slice);
    rmdir(dir);
    rmdir(slice);
}

/* --- other_ns: a /proc of another pid namespace is refused ------------------- */

static void test_other_ns_inner(void)
{
    struct plist l;
    terminus_process_info info;
    uint64_t unique;

    if (getpid() != 1) {
        fprintf(stderr, "other_ns-inner: not pid 1 of a namespace\n");
        exit(1);
    }
    /* /proc is the parent namespace's: its pids are not ours */
    CHECK_RC(shim_list(0, &l), TERMINUS_E_OS);
    CHECK_ERROR(TERMINUS_E_OS, "pid namespace");
    /* an identity is still right: fdinfo gives the pid /proc knows us by */
    {
        char self[64];
        ssize_t n = readlink("/proc/self", self, sizeof self - 1);
        REQUIRE(n > 0);
        self[n] = '\0';
        CHECK_RC(shim_identity(1, &info, &unique), TERMINUS_OK);
        CHECK_EQ(info.pid, atol(self));
        CHECK_EQ(info.start, start_of((pid_t)atol(self)));
    }
}

/* After unshare(CLONE_NEWPID), the children are in a new namespace and
 * /proc stays the old one's; a first look taken before (in this process)
 * must not make them trust their own pids. Exit code: 0 ok, 1 wrong, 2 no
 * unshare. */
static int other_ns_forked(void)
{
    terminus_process_info info;
    uint64_t unique;
    pid_t kid;
    int status;

    if (shim_identity(getpid(), &info, &unique) != TERMINUS_OK) /* the first look */
        return 1;
    if (unshare(CLONE_NEWPID) != 0)
        return 2;
    kid = fork();
    if (kid < 0)
        return 1;
    if (kid == 0) {
        char self[64];
        ssize_t n = readlink("/proc/self", self, sizeof self - 1);
        if (getpid() != 1 || n <= 0)
            _exit(1);
        self[n] = '\0';
        if (shim_identity(1, &info, &unique) != TERMINUS_OK)
            _exit(1);
        _exit(info.pid == (terminus_pid)atol(self) && info.start == start_of((pid_t)atol(self))
                  ? 0
                  : 1);
    }
    while (waitpid(kid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void test_other_ns(void)
{
    char self[4096], cmd[4300];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    int status;
    if (n <= 0)
        exit(1);
    self[n] = '\0';
    if (system("unshare --pid --fork true >/dev/null 2>&1") != 0)
        SKIP("unshare --pid --fork is not permitted here");
    snprintf(cmd, sizeof cmd, "unshare --pid --fork '%s' other_ns-inner '%s'", self, child_path);
    status = system(cmd);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "other_ns-inner failed: status %d",
              status);
    /* the same in a process forked after an unshare, once this one has looked */
    {
        pid_t kid = fork();
        REQUIRE(kid >= 0);
        if (kid == 0)
            _exit(other_ns_forked());
        track(kid);
        status = reap(kid);
        end_child(kid);
        CHECK_MSG(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2),
                  "a child of an unshared process read a wrong identity: status %d", status);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
            printf("# unshare(CLONE_NEWPID) not permitted: the forked case was not run\n");
    }
}

/* --- trees, tokens and names through the public calls ------------------------ */

/* Options for a tree: version 2, one detail. */
static terminus_terminate_options tree_opts(uint32_t grace_ms, terminus_detail *detail)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    o.flags = TERMINUS_TERMINATE_TREE;
    o.grace_ms = grace_ms;
    o.details = detail;
    o.details_count = 1;
    return o;
}

/* The tree of root in a public listing, by the test's own walk of the parent
 * links (a child started no earlier than its parent): up to cap pids with
 * their starts, root first; returns how many. */
static size_t descendants(pid_t root, pid_t *pids, uint64_t *starts, size_t cap)
{
    terminus_process_info *v = NULL;
    size_t n = 0, k = 0;

    if (terminus_process_list(NULL, &v, &n) != TERMINUS_OK)
        return 0;
    for (size_t i = 0; i < n && k < cap; i++)
        if (v[i].pid == (terminus_pid)root) {
            pids[k] = root;
            starts[k++] = v[i].start;
        }
    for (size_t done = 0; done < k; done++)
        for (size_t i = 0; i < n && k < cap; i++)
            if (v[i].ppid == (terminus_pid)pids[done] && v[i].start >= starts[done]) {
                pids[k] = (pid_t)v[i].pid;
                starts[k++] = v[i].start;
            }
    terminus_process_list_free(v);
    return k;
}

/* Wait up to 5 s until none of the n processes runs (a zombie has ended). */
static int all_gone(const pid_t *pids, const uint64_t *starts, size_t n)
{
    for (int t = 0; t < 500; t++) {
        size_t left = 0;
        for (size_t i = 0; i < n; i++)
            left += (size_t)alive(pids[i], starts[i]);
        if (left == 0)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

/* Kill what is left of a tree (a failed case), by identity. */
static void kill_left(const pid_t *pids, const uint64_t *starts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int fd = pidfd_open(pids[i], 0);
        if (fd < 0)
            continue;
        if (start_of(pids[i]) == starts[i])
            pidfd_send_signal(fd, SIGKILL, NULL, 0);
        close(fd);
    }
}

/* --- list_public: terminus_process_list shows this process ------------------- */

static void test_list_public(void)
{
    terminus_process_info *v = NULL;
    const terminus_process_info *me = NULL;
    size_t n = 0;

    REQUIRE_RC(terminus_process_list(NULL, &v, &n), TERMINUS_OK);
    for (size_t i = 0; i < n; i++)
        if (v[i].pid == (terminus_pid)getpid())
            me = &v[i];
    REQUIRE(me != NULL);
    CHECK_EQ(me->ppid, getppid());
    CHECK_STR_EQ(me->name, "test-tree");
    CHECK_EQ(me->uid, getuid());
    CHECK_EQ(me->start, start_of(getpid()));
    terminus_process_list_free(v);
}

/* --- tree_three: a tree of three levels ends with one shared grace ----------- */

static void test_tree_three(void)
{
    char marker[300];
    pid_t pids[16];
    uint64_t starts[16];
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = tree_opts(5000, &d);
    size_t n;
    pid_t root;

    path_in_dir(marker, sizeof marker, "tree");
    root = start_child(NULL, "tree", "READY", marker, "3", "2", NULL);
    n = descendants(root, pids, starts, 16);
    REQUIRE_EQ(n, 7); /* 1 + 2 + 4 */
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)root, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.status, TERMINUS_OK);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(d.tree_members, 7);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK_MSG(res.elapsed_us < 3000000, "elapsed %llu us", (unsigned long long)res.elapsed_us);
    CHECK(all_gone(pids, starts, n));
    /* each was asked and left by itself: every member wrote its line */
    for (size_t i = 0; i < n; i++) {
        char line[64];
        snprintf(line, sizeof line, "term %d\n", (int)pids[i]);
        CHECK_MSG(file_contains(marker, line), "member %d was not asked", (int)pids[i]);
    }
    CHECK_EQ(count_lines(marker, "term "), 7);
    kill_left(pids, starts, n);
    end_child(root);
    printf("# tree of %zu: members %u, escaped %u, %.1f ms\n", n, d.tree_members, d.tree_escaped,
           (double)res.elapsed_us / 1000.0);
}

/* --- tree_fork: a member that forks during the grace ------------------------- */

static void test_tree_fork(void)
{
    char marker[300], line[64];
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = tree_opts(2000, &d);
    pid_t root, late = 0;
    uint64_t late_start = 0;
    FILE *f;

    path_in_dir(marker, sizeof marker, "fork");
    root = start_child(NULL, "forker", "READY", marker, NULL);
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)root, &o, &res), TERMINUS_OK);
    /* the member forked on its SIGTERM; the child ignores SIGTERM */
    f = fopen(marker, "re");
    if (f != NULL) {
        int v;
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "late %d", &v) == 1)
                late = (pid_t)v;
        fclose(f);
    }
    if (late <= 0)
        printf("# the member did not fork\n");
    REQUIRE(late > 0);
    late_start = start_of(late);
    CHECK_EQ(res.status, TERMINUS_OK);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_members, 2);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK_MSG(late_start == 0 || !alive(late, late_start), "the late child %d still runs",
              (int)late);
    printf("# forked during the grace: %d, members %u, escaped %u\n", (int)late, d.tree_members,
           d.tree_escaped);
    if (late_start != 0)
        kill_left(&late, &late_start, 1);
    end_child(root);
}

/* Start a daemon mode child: its pid in *root, the daemon's in *daemon. */
static void start_daemon(const char *marker, pid_t *root, pid_t *daemon)
{
    char line[64];
    int rfd, v = 0;

    *root = start_child(&rfd, "daemon", "READY", marker, NULL);
    REQUIRE(read_line(rfd, line, sizeof line, 10000) == 0);
    close(rfd);
    REQUIRE(sscanf(line, "daemon %d", &v) == 1 && v > 0);
    *daemon = (pid_t)v;
}

/* --- tree_daemon: a daemon that re-parented away is outside the tree --------- */

static void test_tree_daemon(void)
{
    char marker[300];
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = tree_opts(2000, &d);
    pid_t root, daemon;
    uint64_t dstart;
    char state;
    pid_t dppid = 0;

    path_in_dir(marker, sizeof marker, "daemon");
    start_daemon(marker, &root, &daemon);
    REQUIRE(read_stat(daemon, &state, &dppid, &dstart));
    CHECK(dppid != root && dppid != getpid()); /* re-parented to init or a subreaper above */
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)root, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(d.tree_members, 1);
    sleep_ms(50);
    CHECK_MSG(alive(daemon, dstart), "the daemon was ended");
    CHECK_MSG(!file_contains(marker, "signal 15"), "the daemon was signalled");
    printf("# daemon %d (parent %d) outside the tree of %d\n", (int)daemon, (int)dppid, (int)root);
    kill_left(&daemon, &dstart, 1);
    end_child(root);
}

/* --- tree_subreaper: with the caller a subreaper, the daemon is its child ---- */

static void test_tree_subreaper(void)
{
    char marker[300];
    terminus_detail d;
    terminus_result res;
    terminus_terminate_options o = tree_opts(2000, &d);
    pid_t root, daemon, dppid = 0;
    uint64_t dstart;
    char state;

    REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
    path_in_dir(marker, sizeof marker, "daemon");
    start_daemon(marker, &root, &daemon);
    track(daemon);
    REQUIRE(read_stat(daemon, &state, &dppid, &dstart));
    CHECK_EQ(dppid, getpid()); /* the orphan came to the caller */
    CHECK_RC(terminus_terminate(NULL, (terminus_pid)root, &o, &res), TERMINUS_OK);
    CHECK_EQ(d.tree_members, 1);
    sleep_ms(50);
    CHECK_MSG(alive(daemon, dstart), "the daemon was ended");
    CHECK_MSG(!file_contains(marker, "signal 15"), "the daemon was signalled");
    /* the caller's own child: it can end it, and reap it */
    {
        terminus_result r2;
        terminus_terminate_options o2 = TERMINUS_TERMINATE_OPTIONS_INIT;
        o2.grace_ms = 300;
        CHECK_RC(terminus_terminate(NULL, (terminus_pid)daemon, &o2, &r2), TERMINUS_OK);
        CHECK_EQ(r2.outcome, TERMINUS_OUTCOME_FORCED); /* it runs on after SIGTERM */
        CHECK(WIFSIGNALED(reap(daemon)));
    }
    end_child(daemon);
    end_child(root);
}

/* --- tree_refused: the caller's tree, or an ancestor's, is refused ----------- */

static volatile sig_atomic_t parent_signals;

static void count_term(int sig)
{
    (void)sig;
    parent_signals++;
}

static void test_tree_refused(void)
{
    struct sigaction sa, old;
    pid_t kid;
    int status;

    /* A child of this process asks for the tree of this process (its parent,
     * holding it) and of itself: both refused; this process counts SIGTERMs. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old);
    kid = fork();
    REQUIRE(kid >= 0);
    if (kid == 0) {
        terminus_detail d;
        terminus_result res;
        terminus_terminate_options o = tree_opts(500, &d);
        int bad = 0;
        bad |= terminus_terminate(NULL, (terminus_pid)getppid(), &o, &res) != TERMINUS_E_REFUSED;
        bad |= terminus_terminate(NULL, (terminus_pid)getpid(), &o, &res) != TERMINUS_E_REFUSED;
        _exit(bad);
    }
    track(kid);
    status = reap(kid);
    end_child(kid);
    sleep_ms(50);
    sigaction(SIGTERM, &old, NULL);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    CHECK_EQ(parent_signals, 0);
}

/* --- token_real: a token names its process until it is reaped ---------------- */

static void test_token(void)
{
    char token[TERMINUS_TOKEN_MAX], boot[64], want[96], file[300];
    const terminus_os *os = terminus_os_native();
    terminus_result res;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    pid_t pid;

    path_in_dir(file, sizeof file, "saved");
    pid = start_child(NULL, "save", "READY", file, "7", NULL);
    REQUIRE_RC(terminus_process_token(NULL, (terminus_pid)pid, token, sizeof token), TERMINUS_OK);
    REQUIRE_RC(os->boot_id(os->data, boot, sizeof boot), TERMINUS_OK);
    snprintf(want, sizeof want, "t1.%s.%d.%llx.", boot, (int)pid,
             (unsigned long long)start_of(pid));
    CHECK_MSG(strncmp(token, want, strlen(want)) == 0, "token %s, want %s...", token, want);
    printf("# token %s\n", token);
    o.grace_ms = 5000;
    CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_OK);
    CHECK_EQ(res.outcome, TERMINUS_OUTCOME_EXITED);
    CHECK_EQ(res.exit_code, 7);
    CHECK(file_contains(file, "saved"));
    /* ended (a zombie, not reaped yet) and then reaped: the process meant is gone */
    CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_E_NOT_FOUND);
    end_child(pid);
    CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_E_NOT_FOUND);
    CHECK_ERROR(TERMINUS_E_NOT_FOUND, "terminus_terminate_token");
}

/* --- name: every process of an image name, and nothing else ------------------ */

static void test_name(void)
{
    char name[64], other[64], upper[64], path[512];
    terminus_pid *pids = NULL;
    terminus_result *results = NULL;
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT;
    terminus_name_filter filter = TERMINUS_NAME_FILTER_INIT;
    size_t count = 0;
    pid_t a, b, c;
    uint64_t cstart;

    /* names no other process has: copies of /bin/sleep */
    snprintf(name, sizeof name, "tm-name-%d", (int)getpid());
    snprintf(other, sizeof other, "tm-other-%d", (int)getpid());
    a = start_sleep_as(name, path, sizeof path);
    snprintf(path, sizeof path, "%s/b", test_dir);
    REQUIRE(mkdir(path, 0755) == 0);
    {
        char sub[80];
        snprintf(sub, sizeof sub, "b/%s", name);
        b = start_sleep_as(sub, path, sizeof path);
    }
    c = start_sleep_as(other, path, sizeof path);
    cstart = start_of(c);
    /* another case: no match on Linux */
    for (size_t i = 0; i <= strlen(name); i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    CHECK_RC(terminus_terminate_name(NULL, upper, NULL, &o, &pids, &results, &count),
             TERMINUS_E_NOT_FOUND);
    CHECK_EQ(count, 0);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    /* another user's: no match */
    filter.uid = getuid() + 1;
    CHECK_RC(terminus_terminate_name(NULL, name, &filter, &o, &pids, &results, &count),
             TERMINUS_E_NOT_FOUND);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    /* this user's: both */
    filter.uid = getuid();
    o.grace_ms = 5000;
    CHECK_RC(terminus_terminate_name(NULL, name, &filter, &o, &pids, &results, &count),
             TERMINUS_OK);
    REQUIRE_EQ(count, 2);
    CHECK((pids[0] == (terminus_pid)a && pids[1] == (terminus_pid)b) ||
          (pids[0] == (terminus_pid)b && pids[1] == (terminus_pid)a));
    CHECK(results[0].outcome == TERMINUS_OUTCOME_EXITED &&
          results[1].outcome == TERMINUS_OUTCOME_EXITED);
    terminus_name_results_free(pids);
    terminus_name_results_free(results);
    CHECK_MSG(alive(c, cstart), "%s was ended", other);
    end_child(a);
    end_child(b);
    end_child(c);
}

/* --- hidepid: processes /proc will not show are left out -------------------- */

static void test_hidepid_inner(void)
{
    pid_t kid;
    int status;

    if (getpid() != 1) {
        fprintf(stderr, "hidepid-inner: not pid 1 of a namespace\n");
        exit(1);
    }
    /* this namespace's own /proc: the others' directories unreadable */
    if (mount("proc", "/proc", "proc", MS_REMOUNT, "hidepid=1") != 0) {
        printf("# mount -o remount,hidepid=1 /proc: %s\n", strerror(errno));
        exit(77);
    }
    kid = fork();
    REQUIRE(kid >= 0);
    if (kid == 0) {
        struct plist l;
        int rc;
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(3);
        rc = shim_list(TERMINUS_OS_LIST_ALL, &l);
        if (rc != TERMINUS_OK) {
            printf("# process_list as nobody: %s\n", terminus_error_last()->message);
            _exit(1);
        }
        /* itself, with what it may read; not pid 1, root's */
        _exit(find(&l, getpid()) != NULL && find(&l, getpid())->uid == 65534 && find(&l, 1) == NULL
                  ? 0
                  : 2);
    }
    status = reap(kid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the listing as nobody: status %d",
              status);
}

static void test_hidepid(void)
{
    char self[4096], cmd[4300];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    int status;
    if (n <= 0)
        exit(1);
    self[n] = '\0';
    if (geteuid() != 0)
        SKIP("mounting a /proc with hidepid needs root");
    if (system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") != 0)
        SKIP("unshare --pid --fork --mount-proc is not permitted here");
    snprintf(cmd, sizeof cmd, "unshare --pid --fork --mount-proc '%s' hidepid-inner '%s'", self,
             child_path);
    status = system(cmd);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        SKIP("this kernel does not remount /proc with hidepid");
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hidepid-inner failed: status %d",
              status);
}

/* --- reuse: a pid reused between the listing and the open -------------------- */

static int set_last_pid(pid_t last)
{
    FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
    int ok;
    if (f == NULL)
        return -1;
    ok = fprintf(f, "%d", (int)last) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Start `child ignore READY MARKER` with the pid `want` (the namespace's
 * last pid set just below it); 0 on failure. */
static pid_t start_with_pid(pid_t want, const char *marker)
{
    pid_t n;
    if (set_last_pid(want - 1) != 0)
        return 0;
    n = start_child(NULL, "ignore", "READY", marker, NULL);
    if (n != want) {
        end_child(n);
        return 0;
    }
    return n;
}

static void test_reuse_inner(void)
{
    char nmarker[300];
    struct plist l;
    const terminus_process_info *listed;
    terminus_process_info info;
    uint64_t unique = 0, unique_a = 0;
    terminus_process_info ia;
    pid_t a, n;

    if (getpid() != 1) {
        fprintf(stderr, "reuse-inner: not pid 1 of a namespace\n");
        exit(1);
    }
    path_in_dir(nmarker, sizeof nmarker, "n");
    a = start_child(NULL, "named", "READY", "a", NULL);
    REQUIRE_RC(shim_identity(a, &ia, &unique_a), TERMINUS_OK);
    sleep_ms(30); /* a later tick: the new process's start differs */
    REQUIRE_RC(shim_list(0, &l), TERMINUS_OK);
    listed = find(&l, a);
    REQUIRE(listed != NULL);
    /* a ends and its pid goes to a new process */
    end_child(a);
    n = start_with_pid(a, nmarker);
    if (n != a)
        printf("# pid %d not reused\n", (int)a);
    REQUIRE(n == a);
    /* the pid now opens the new process: its identity is not the listing's */
    REQUIRE_RC(shim_identity(n, &info, &unique), TERMINUS_OK);
    CHECK_EQ(info.pid, a);
    CHECK_MSG(info.start != listed->start, "start %llu for both", (unsigned long long)info.start);
    CHECK(info.start > listed->start);
    if (have_pidfs())
        CHECK(unique != unique_a && unique != 0);
    sleep_ms(50);
    CHECK_MSG(child_running(n) && alive(n, info.start) && !file_exists(nmarker),
              "the new process was signalled");
    printf("# pid %d: listed with start %llu, reused by a process with start %llu\n", (int)a,
           (unsigned long long)listed->start, (unsigned long long)info.start);
    free(l.v);
    end_child(n);

    /* A token taken before its process ended, used once its pid names
     * another process: NOT_FOUND, and nothing is signalled (its tree either). */
    {
        char token[TERMINUS_TOKEN_MAX], marker[300];
        terminus_detail d;
        terminus_result res;
        terminus_terminate_options o = tree_opts(300, &d);
        pid_t t, m;
        path_in_dir(marker, sizeof marker, "m");
        t = start_child(NULL, "named", "READY", "t", NULL);
        REQUIRE_RC(terminus_process_token(NULL, (terminus_pid)t, token, sizeof token), TERMINUS_OK);
        sleep_ms(30);
        end_child(t);
        m = start_with_pid(t, marker);
        if (m != t)
            printf("# pid %d not reused\n", (int)t);
        REQUIRE(m == t);
        CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_E_NOT_FOUND);
        CHECK_ERROR(TERMINUS_E_NOT_FOUND, "");
        o.flags = 0;
        CHECK_RC(terminus_terminate_token(NULL, token, &o, &res), TERMINUS_E_NOT_FOUND);
        sleep_ms(50);
        CHECK_MSG(child_running(m) && !file_exists(marker),
                  "the process with the pid was signalled");
        printf("# token %s: pid %d reused, NOT_FOUND: %s\n", token, (int)m,
               terminus_error_last()->message);
        end_child(m);
    }
}

static void test_reuse(void)
{
    char self[4096], cmd[4300];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    int status;
    if (n <= 0)
        exit(1);
    self[n] = '\0';
    if (system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") != 0)
        SKIP("unshare --pid --fork --mount-proc is not permitted here");
    snprintf(cmd, sizeof cmd, "unshare --pid --fork --mount-proc '%s' reuse-inner '%s'", self,
             child_path);
    status = system(cmd);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reuse-inner failed: status %d",
              status);
}

/* --- the table ---------------------------------------------------------------- */

static void setup(char **args)
{
    child_path = args[0];
    make_dir();
}

static void teardown(void)
{
    while (nkids > 0)
        end_child(kids[nkids - 1]);
    cleanup_dir();
}

static const h_test tests[] = {
    { "list_self", test_list_self, 0 },
    { "list_fields", test_list_fields, 0 },
    { "list_stop", test_list_stop, 0 },
    { "list_names", test_list_names, 0 },
    { "identity", test_identity, 0 },
    { "identity_gone", test_identity_gone, 0 },
    { "boot_id", test_boot_id, 0 },
    { "session", test_session, 0 },
    { "other_ns", test_other_ns, 0 },
    /* run by test_other_ns as pid 1 of a new pid namespace, with the old /proc */
    { "other_ns-inner", test_other_ns_inner, H_HIDDEN },
    { "list_public", test_list_public, 0 },
    { "tree_three", test_tree_three, 0 },
    { "tree_fork", test_tree_fork, 0 },
    { "tree_daemon", test_tree_daemon, 0 },
    { "tree_subreaper", test_tree_subreaper, 0 },
    { "tree_refused", test_tree_refused, 0 },
    { "token", test_token, 0 },
    { "name", test_name, 0 },
    { "hidepid", test_hidepid, 0 },
    /* run by test_hidepid as pid 1 of a new pid namespace */
    { "hidepid-inner", test_hidepid_inner, H_HIDDEN },
    { "reuse", test_reuse, 0 },
    /* run by test_reuse as pid 1 of a new pid namespace */
    { "reuse-inner", test_reuse_inner, H_HIDDEN },
};

int main(int argc, char **argv)
{
    static const h_program program = {
        .tests = tests,
        .count = sizeof tests / sizeof tests[0],
        .need_name = 1,
        .nargs = 1,
        .usage = "CHILD",
        .setup = setup,
        .teardown = teardown,
    };

    return h_main(&program, argc, argv);
}
