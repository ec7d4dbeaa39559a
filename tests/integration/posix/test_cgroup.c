/*
 * tests/integration/posix/test_cgroup.c: the groups of the Linux backend
 * (lib/os/linux/cgroup.c) against real cgroups v2. Each case makes a cgroup
 * of its own under the cgroup2 mount, moves children into it (their pids
 * to its cgroup.procs) and uses the shim members of terminus_os_native()
 * (group_open, group_list, group_kill, group_empty, group_close), then a
 * tree terminate of a tree in its own cgroup. The cgroup is killed and
 * removed after every case, also a failed one. A case is skipped (exit 77,
 * saying why) where no cgroup can be made: no cgroup2 mount, no right to
 * make or enter one, no cgroup.kill (a kernel before 5.14).
 *
 * One case per run: test_cgroup NAME; test_cgroup --list names the cases
 * (the harness: tests/common/check.h).
 */
#include "util.h"

#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* --- the private cgroup ------------------------------------------------------- */

static char mount_point[1024]; /* the cgroup2 mount */
static char cg[2048];          /* the case's cgroup, "" when none */

/* Every child a case started, killed by the teardown if the case left it. */
static pid_t kids[64];
static size_t nkids;

static pid_t track(pid_t pid)
{
    if (nkids < sizeof kids / sizeof kids[0])
        kids[nkids++] = pid;
    return pid;
}

/* The mount point of the first cgroup2 file system of /proc/self/mountinfo
 * (no escapes expected in it): 1, or 0 when there is none. */
static int find_mount(void)
{
    char line[4096];
    FILE *f = fopen("/proc/self/mountinfo", "re");
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char root[1024], point[1024];
        const char *dash = strstr(line, " - ");
        if (dash == NULL || strncmp(dash + 3, "cgroup2 ", 8) != 0)
            continue;
        if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) == 2) {
            snprintf(mount_point, sizeof mount_point, "%s", point);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* The "0::" path of /proc/PID/cgroup (pid 0: this process) into out. */
static int cgroup_of(pid_t pid, char *out, size_t size)
{
    char path[64], line[4096];
    FILE *f;
    int found = 0;

    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/cgroup");
    else
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, size, "%s", line + 3);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* Write text to dir/file: 0, or the errno. */
static int write_file(const char *dir, const char *file, const char *text)
{
    char path[PATH_MAX + 64];
    int fd, err = 0;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        err = errno != 0 ? errno : EIO;
    close(fd);
    return err;
}

/* Move process pid into cgroup dir: 0, or the errno. */
static int move_to(const char *dir, pid_t pid)
{
    char text[32];
    snprintf(text, sizeof text, "%d\n", (int)pid);
    return write_file(dir, "cgroup.procs", text);
}

/* "populated" of dir/cgroup.events: 1, 0, or -1 when it cannot be read. */
static int populated(const char *dir)
{
    char path[PATH_MAX + 64], line[128];
    FILE *f;
    int v = -1;

    snprintf(path, sizeof path, "%s/cgroup.events", dir);
    f = fopen(path, "re");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "populated %d", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* Make the case's cgroup under the mount (and `sub`, below it, when not
 * NULL); skips the case when it cannot. */
static void make_cgroup(void)
{
    char probe[PATH_MAX + 32];
    static unsigned serial;

    if (!find_mount())
        SKIP("no cgroup2 file system is mounted");
    snprintf(cg, sizeof cg, "%s/terminus-test-%d-%u", mount_point, (int)getpid(), serial++);
    if (mkdir(cg, 0755) != 0) {
        int err = errno;
        cg[0] = '\0';
        SKIP("cannot make a cgroup under %s: %s", mount_point, strerror(err));
    }
    snprintf(probe, sizeof probe, "%s/cgroup.kill", cg);
    if (!file_exists(probe))
        SKIP("%s: no cgroup.kill (a kernel before 5.14)", cg);
}

/* dir/name made below the case's cgroup, its path into out. */
static void make_sub(const char *dir, const char *name, char *out, size_t size)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
        SKIP("the cgroup path %s/%s is too long", dir, name);
    if (mkdir(out, 0755) != 0) {
        int err = errno;
        SKIP("cannot make the cgroup %s: %s", out, strerror(err));
    }
}

/* Remove dir and the cgroups below it, deepest first. */
static void remove_tree(const char *dir)
{
    struct dirent *e;
    DIR *d = opendir(dir);

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char sub[PATH_MAX];
            if (e->d_type != DT_DIR || e->d_name[0] == '.')
                continue;
            if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) < (int)sizeof sub)
                remove_tree(sub);
        }
        closedir(d);
    }
    if (rmdir(dir) != 0 && errno != ENOENT)
        fprintf(stderr, "could not remove the cgroup %s: %s\n", dir, strerror(errno));
}

/* Kill what is left in the case's cgroup, wait until it is empty (5 s at
 * most), and remove it. */
static void drop_cgroup(void)
{
    if (cg[0] == '\0')
        return;
    write_file(cg, "cgroup.kill", "1");
    for (int i = 0; i < 500 && populated(cg) == 1; i++)
        sleep_ms(10);
    remove_tree(cg);
    cg[0] = '\0';
}

/* --- children ------------------------------------------------------------------ */

/* What a child does once it is in its cgroup: write to `out` what the
 * parent is to learn (at least one byte) and never return. */
typedef void (*body_fn)(int out);

/* Fork a child that waits until the parent has moved it into cgroup dir,
 * then runs body. The read end of body's pipe into *rfd. Skips the case
 * when the child cannot be moved. */
static pid_t start_in(const char *dir, body_fn body, int *rfd)
{
    int go[2], out[2], err;
    pid_t pid;
    char c = 1;

    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        perror("pipe2");
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        close(go[1]);
        close(out[0]);
        if (read(go[0], &c, 1) != 1)
            _exit(3);
        close(go[0]);
        body(out[1]);
        _exit(4);
    }
    track(pid);
    close(go[0]);
    close(out[1]);
    err = dir != NULL ? move_to(dir, pid) : 0;
    if (err != 0) {
        close(go[1]);
        close(out[0]);
        SKIP("cannot move a process into %s: %s", dir, strerror(err));
    }
    if (write(go[1], &c, 1) != 1) {
        perror("write");
        exit(1);
    }
    close(go[1]);
    *rfd = out[0];
    return pid;
}

static void pause_forever(void)
{
    for (;;)
        pause();
}

/* Writes its pid and pauses. */
static void body_pause(int out)
{
    pid_t me = getpid();
    if (write(out, &me, sizeof me) != (ssize_t)sizeof me)
        _exit(3);
    close(out);
    pause_forever();
}

/* Forks a grandchild that pauses; writes the grandchild's pid, pauses. */
static void body_family(int out)
{
    pid_t g = fork();
    if (g < 0)
        _exit(3);
    if (g == 0) {
        close(out);
        pause_forever();
    }
    if (write(out, &g, sizeof g) != (ssize_t)sizeof g)
        _exit(3);
    close(out);
    pause_forever();
}

/* Ignores SIGTERM and forks a child every 2 ms (up to 400), each also
 * ignoring SIGTERM and pausing; writes its pid before the first fork. */
static void body_forker(int out)
{
    pid_t me = getpid();
    signal(SIGTERM, SIG_IGN);
    if (write(out, &me, sizeof me) != (ssize_t)sizeof me)
        _exit(3);
    close(out);
    for (int i = 0; i < 400; i++) {
        pid_t c = fork();
        if (c == 0)
            pause_forever();
        sleep_ms(2);
    }
    pause_forever();
}

/* Read one pid from a child's pipe (10 s at most). */
static pid_t read_pid(int fd)
{
    pid_t v = 0;
    if (read_n(fd, (char *)&v, sizeof v, 10000) != 0) {
        fprintf(stderr, "a child never told its pid\n");
        exit(1);
    }
    return v;
}

/* --- what the shim says ------------------------------------------------------- */

static const terminus_os *os;

/* A group_list, collected. */
struct glist {
    terminus_process_info v[1024];
    size_t n;
};

static int collect(void *arg, const terminus_process_info *info)
{
    struct glist *l = arg;
    if (l->n == sizeof l->v / sizeof l->v[0])
        return TERMINUS_E_NO_MEMORY;
    l->v[l->n++] = *info;
    return TERMINUS_OK;
}

static const terminus_process_info *find(const struct glist *l, pid_t pid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].pid == (terminus_pid)pid)
            return &l->v[i];
    return NULL;
}

/* The start of pid from /proc/PID/stat, read here (0: none). */
static uint64_t start_of(pid_t pid, pid_t *ppid)
{
    char path[64], buf[2048];
    unsigned long long st = 0;
    int pp = 0;
    const char *p;
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
               "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &pp, &st) != 2)
        return 0;
    if (ppid != NULL)
        *ppid = (pid_t)pp;
    return (uint64_t)st;
}

/* group_open of pid through the shim: its code; the group in *g (or NULL). */
static int open_group(pid_t pid, void *job, terminus_os_group **g)
{
    terminus_os_process *proc = NULL;
    int rc = os->process_open(os->data, (terminus_pid)pid, &proc);

    *g = NULL;
    if (rc != TERMINUS_OK)
        return rc;
    rc = os->group_open(os->data, proc, job, g);
    os->process_close(os->data, proc);
    return rc;
}

/* Wait until group_empty says 1 (timeout_ms at most): 1, or 0. */
static int wait_empty(terminus_os_group *g, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        int empty = 0;
        if (os->group_empty(os->data, g, &empty) != TERMINUS_OK)
            return 0;
        if (empty)
            return 1;
        sleep_ms(5);
    }
    return 0;
}

/* The process behind pidfd fd has ended (its pidfd is readable). */
static int ended(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, 0) == 1;
}

/* --- list: the cgroup's processes and those of the cgroups below it ------------ */

static void test_list(void)
{
    char sub[PATH_MAX];
    struct glist *l = calloc(1, sizeof *l);
    const terminus_process_info *a, *g, *b;
    terminus_os_group *grp = NULL;
    pid_t pa, pg, pb, ppid = 0;
    int ra, rb, empty = -1;

    REQUIRE(l != NULL);
    make_cgroup();
    make_sub(cg, "sub", sub, sizeof sub);
    pa = start_in(cg, body_family, &ra);
    pg = read_pid(ra); /* forked inside: in the cgroup too */
    pb = start_in(sub, body_pause, &rb);
    REQUIRE_EQ(read_pid(rb), pb);

    REQUIRE_RC(open_group(pa, NULL, &grp), TERMINUS_OK);
    REQUIRE(grp != NULL);
    REQUIRE_RC(os->group_list(os->data, grp, collect, l), TERMINUS_OK);
    CHECK_EQ(l->n, 3);
    a = find(l, pa);
    g = find(l, pg);
    b = find(l, pb);
    CHECK(find(l, getpid()) == NULL);
    REQUIRE(a != NULL && g != NULL && b != NULL);
    CHECK_EQ(a->ppid, getpid());
    CHECK_EQ(a->start, start_of(pa, NULL));
    CHECK_EQ(g->ppid, pa);
    CHECK_EQ(g->start, start_of(pg, &ppid));
    CHECK_EQ(ppid, pa);
    CHECK(g->start >= a->start);
    CHECK_EQ(b->ppid, getpid());
    CHECK_EQ(b->start, start_of(pb, NULL));
    CHECK_RC(os->group_empty(os->data, grp, &empty), TERMINUS_OK);
    CHECK_EQ(empty, 0);
    /* the identities through pidfds agree with the listing (which the
     * backend keeps for them) */
    for (size_t i = 0; i < l->n; i++) {
        terminus_os_process *proc = NULL;
        terminus_process_info id;
        uint64_t unique = 0;
        REQUIRE_RC(os->process_open(os->data, l->v[i].pid, &proc), TERMINUS_OK);
        CHECK_RC(os->process_identity(os->data, proc, &id, &unique), TERMINUS_OK);
        CHECK_EQ(id.pid, l->v[i].pid);
        CHECK_EQ(id.ppid, l->v[i].ppid);
        CHECK_EQ(id.start, l->v[i].start);
        os->process_close(os->data, proc);
    }

    /* the sub-cgroup's group holds b alone */
    {
        terminus_os_group *gs = NULL;
        l->n = 0;
        REQUIRE_RC(open_group(pb, NULL, &gs), TERMINUS_OK);
        CHECK_RC(os->group_list(os->data, gs, collect, l), TERMINUS_OK);
        CHECK_EQ(l->n, 1);
        CHECK(find(l, pb) != NULL);
        os->group_close(os->data, gs);
    }

    /* once they have all ended: empty, and an empty listing */
    kill(pg, SIGKILL);
    kill(pa, SIGKILL);
    kill(pb, SIGKILL);
    reap(pa);
    reap(pb);
    CHECK(wait_empty(grp, 5000));
    l->n = 0;
    CHECK_RC(os->group_list(os->data, grp, collect, l), TERMINUS_OK);
    CHECK_EQ(l->n, 0);
    os->group_close(os->data, grp);
    close(ra);
    close(rb);
    printf("# %s: a, its grandchild and a process of a cgroup below listed\n", cg);
    free(l);
}

/* --- relist: a listing after a walk takes what the walk read, exactly --------- */

/* Forks a middle child, which forks a grandchild and pauses; writes the
 * middle's pid and the grandchild's; pauses. */
static void body_chain(int out)
{
    pid_t v[2];
    int fr[2];

    if (pipe(fr) != 0)
        _exit(3);
    v[0] = fork();
    if (v[0] < 0)
        _exit(3);
    if (v[0] == 0) {
        pid_t g = fork();
        if (g < 0)
            _exit(3);
        if (g == 0)
            pause_forever();
        if (write(fr[1], &g, sizeof g) != (ssize_t)sizeof g)
            _exit(3);
        pause_forever();
    }
    close(fr[1]);
    if (read_n(fr[0], (char *)&v[1], sizeof v[1], 10000) != 0)
        _exit(3);
    if (write(out, v, sizeof v) != (ssize_t)sizeof v)
        _exit(3);
    close(out);
    pause_forever();
}

static int count_one(void *arg, const terminus_process_info *info)
{
    (void)info;
    ++*(size_t *)arg;
    return TERMINUS_OK;
}

/* group_list just after a walk of /proc (process_list), as a tree's first
 * look at its cgroup is: the members the walk read are taken from it
 * (lib/os/linux/procs.c, tm_linux_walk_seen) and must still be exact: the
 * parent of a grandchild re-parented since the walk is its new one, a
 * process started since the walk is listed with its own start, and one
 * that ended since is left out. */
static void test_relist(void)
{
    struct glist *l = calloc(1, sizeof *l);
    const terminus_process_info *e;
    terminus_os_group *grp = NULL;
    pid_t a, m, g, b = 0, ppid = 0, v[2];
    size_t walked = 0;
    int ra, rb = -1;

    REQUIRE(l != NULL);
    make_cgroup();
    a = start_in(cg, body_chain, &ra);
    REQUIRE(read_n(ra, (char *)v, sizeof v, 10000) == 0);
    m = v[0];
    g = v[1];
    REQUIRE_RC(open_group(a, NULL, &grp), TERMINUS_OK);
    for (int round = 0; round < 2; round++) {
        /* the walk, then the middle process ends (its child goes to another
         * parent) and a new process enters the cgroup */
        walked = 0;
        REQUIRE_RC(os->process_list(os->data, 0, count_one, &walked), TERMINUS_OK);
        REQUIRE(walked > 3);
        if (round == 0) {
            REQUIRE(start_of(g, &ppid) != 0);
            REQUIRE_EQ(ppid, m);
            kill(m, SIGKILL);
            for (int k = 0; k < 500 && (start_of(g, &ppid) == 0 || ppid == m); k++)
                sleep_ms(10);
            REQUIRE(ppid != m);
            b = start_in(cg, body_pause, &rb);
            REQUIRE_EQ(read_pid(rb), b);
        }
        l->n = 0;
        REQUIRE_RC(os->group_list(os->data, grp, collect, l), TERMINUS_OK);
        CHECK_EQ(l->n, 3);
        CHECK(find(l, m) == NULL);
        e = find(l, a);
        REQUIRE(e != NULL);
        CHECK_EQ(e->ppid, getpid());
        CHECK_EQ(e->start, start_of(a, NULL));
        e = find(l, g);
        REQUIRE(e != NULL);
        CHECK_EQ(e->start, start_of(g, &ppid));
        CHECK_MSG(e->ppid == (terminus_pid)ppid,
                  "pid %d listed with parent %d, not its parent now %d", (int)g, (int)e->ppid,
                  (int)ppid);
        e = find(l, b);
        REQUIRE(e != NULL);
        CHECK_EQ(e->ppid, getpid());
        CHECK_EQ(e->start, start_of(b, NULL));
        /* the identities through pidfds agree with the listing */
        for (size_t i = 0; i < l->n; i++) {
            terminus_os_process *proc = NULL;
            terminus_process_info id;
            uint64_t unique = 0;
            REQUIRE_RC(os->process_open(os->data, l->v[i].pid, &proc), TERMINUS_OK);
            CHECK_RC(os->process_identity(os->data, proc, &id, &unique), TERMINUS_OK);
            CHECK_EQ(id.ppid, l->v[i].ppid);
            CHECK_EQ(id.start, l->v[i].start);
            os->process_close(os->data, proc);
        }
    }
    os->group_close(os->data, grp);
    close(ra);
    close(rb);
    printf("# %s: after a walk of %lu, %d re-parented to %d, %d new, %d ended\n", cg,
           (unsigned long)walked, (int)g, (int)ppid, (int)b, (int)m);
    free(l);
}

/* --- kill: cgroup.kill ends every process, also those forked just before ------- */

static int stop_at_first(void *arg, const terminus_process_info *info)
{
    (void)arg;
    (void)info;
    return TERMINUS_E_TIMEOUT;
}

static void test_kill(void)
{
    char sub[PATH_MAX];
    struct glist *l = calloc(1, sizeof *l);
    terminus_os_group *grp = NULL;
    int fds[1024], nfd = 0, ra, rb, st;
    pid_t pa, pb;
    size_t before;

    REQUIRE(l != NULL);
    make_cgroup();
    make_sub(cg, "sub", sub, sizeof sub);
    pa = start_in(cg, body_forker, &ra);
    REQUIRE_EQ(read_pid(ra), pa);
    pb = start_in(sub, body_pause, &rb);
    REQUIRE_EQ(read_pid(rb), pb);
    REQUIRE_RC(open_group(pa, NULL, &grp), TERMINUS_OK);
    CHECK_RC(os->group_list(os->data, grp, stop_at_first, NULL), TERMINUS_E_TIMEOUT);

    /* the forker has forked a few: hold every process listed by a pidfd */
    for (int i = 0; i < 1000; i++) {
        l->n = 0;
        REQUIRE_RC(os->group_list(os->data, grp, collect, l), TERMINUS_OK);
        if (l->n >= 20)
            break;
        sleep_ms(5);
    }
    REQUIRE(l->n >= 20);
    for (size_t i = 0; i < l->n && nfd < 1024; i++) {
        int fd = pidfd_open((pid_t)l->v[i].pid, 0);
        if (fd >= 0)
            fds[nfd++] = fd;
    }
    before = l->n;
    /* it still forks: the kill reaches what is forked between the listing and it */
    CHECK_RC(os->group_kill(os->data, grp, 9), TERMINUS_OK);
    CHECK(wait_empty(grp, 5000));
    for (int i = 0; i < nfd; i++) {
        CHECK(ended(fds[i]));
        close(fds[i]);
    }
    st = reap(pa);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    st = reap(pb);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK_EQ(populated(cg), 0);
    CHECK_EQ(populated(sub), 0);
    /* killing an empty group again is harmless */
    CHECK_RC(os->group_kill(os->data, grp, 9), TERMINUS_OK);
    os->group_close(os->data, grp);
    close(ra);
    close(rb);
    printf("# %zu listed before the kill (the forker still forking); all ended\n", before);
    free(l);
}

/* --- own: the caller's own cgroup, or one above it, is no group ---------------- */

/* Run in a child moved into `inner`: group_open of q (in the cgroup above,
 * an ancestor of the caller's) must be NOT_FOUND, of r (a sibling cgroup)
 * OK. Exit code: 0 if so. */
static int own_inner(pid_t q, pid_t r)
{
    terminus_os_group *g = NULL;
    int rc = open_group(q, NULL, &g);

    if (rc != TERMINUS_E_NOT_FOUND) {
        printf("# group_open of a process in an ancestor of the caller's cgroup: %s\n",
               terminus_error_name(rc));
        return 1;
    }
    printf("# above the caller: %s\n", terminus_error_last()->message);
    rc = open_group(r, NULL, &g);
    if (rc != TERMINUS_OK) {
        printf("# group_open of a process in a sibling cgroup: %s (%s)\n", terminus_error_name(rc),
               terminus_error_last()->message);
        return 2;
    }
    os->group_close(os->data, g);
    return 0;
}

static void test_own(void)
{
    char inner[PATH_MAX], sibling[PATH_MAX], mine[PATH_MAX];
    terminus_os_group *g = NULL;
    pid_t here, q, r, h;
    int rh, rq, rr, st;

    make_cgroup();
    /* a process in the caller's own cgroup; the caller itself */
    here = start_in(NULL, body_pause, &rh);
    REQUIRE_EQ(read_pid(rh), here);
    REQUIRE(cgroup_of(0, mine, sizeof mine));
    CHECK_RC(open_group(here, NULL, &g), TERMINUS_E_NOT_FOUND);
    CHECK(g == NULL);
    printf("# the caller's cgroup (%s): %s\n", mine, terminus_error_last()->message);
    CHECK_RC(open_group(getpid(), NULL, &g), TERMINUS_E_NOT_FOUND);
    CHECK(g == NULL);

    /* a process in cgroup C; the caller in C/inner: C would reach it */
    make_sub(cg, "inner", inner, sizeof inner);
    make_sub(cg, "sibling", sibling, sizeof sibling);
    q = start_in(cg, body_pause, &rq);
    REQUIRE_EQ(read_pid(rq), q);
    r = start_in(sibling, body_pause, &rr);
    REQUIRE_EQ(read_pid(rr), r);
    h = fork();
    REQUIRE(h >= 0);
    if (h == 0) {
        int code;
        if (move_to(inner, getpid()) != 0)
            _exit(77);
        code = own_inner(q, r);
        fflush(stdout);
        _exit(code);
    }
    track(h);
    st = reap(h);
    REQUIRE(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        SKIP("cannot move a process into %s", inner);
    CHECK_EQ(WEXITSTATUS(st), 0);
    close(rh);
    close(rq);
    close(rr);
}

/* --- denied: a cgroup whose cgroup.kill the caller may not write is no group --- */

static void test_denied(void)
{
    pid_t p, h;
    int rp, st;

    if (geteuid() != 0)
        SKIP("needs root, to drop to another user");
    make_cgroup();
    p = start_in(cg, body_pause, &rp);
    REQUIRE_EQ(read_pid(rp), p);
    h = fork();
    REQUIRE(h >= 0);
    if (h == 0) {
        terminus_os_group *g = NULL;
        int rc;
        /* nobody: the cgroup's files are root's (0644) */
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(77);
        rc = open_group(p, NULL, &g);
        printf("# as uid 65534: %s: %s\n", terminus_error_name(rc), terminus_error_last()->message);
        fflush(stdout);
        _exit(rc == TERMINUS_E_NOT_FOUND && g == NULL ? 0 : 1);
    }
    track(h);
    st = reap(h);
    REQUIRE(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        SKIP("cannot drop to uid 65534");
    CHECK_EQ(WEXITSTATUS(st), 0);
    close(rp);
}

/* The exit code of child h (reaped): 77 skips the case with `why`. */
static int child_code(pid_t h, const char *why)
{
    int st = reap(h);
    REQUIRE(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        SKIP("%s", why);
    return WEXITSTATUS(st);
}

/* In a child: the group's listing (an error: 2), one line per entry; 0 when
 * it holds exactly one entry and that has pid, ppid and start 0. */
static int one_unknown(terminus_os_group *g, const char *who)
{
    static struct glist l;
    int rc;

    l.n = 0;
    rc = os->group_list(os->data, g, collect, &l);
    printf("# %s: group_list: %s, %zu entries\n", who, terminus_error_name(rc), l.n);
    if (rc != TERMINUS_OK)
        printf("# %s\n", terminus_error_last()->message);
    for (size_t i = 0; i < l.n; i++)
        printf("# %s: pid %d ppid %d start %llu\n", who, (int)l.v[i].pid, (int)l.v[i].ppid,
               (unsigned long long)l.v[i].start);
    fflush(stdout);
    if (rc != TERMINUS_OK)
        return 2;
    return l.n == 1 && l.v[0].pid == 0 && l.v[0].ppid == 0 && l.v[0].start == 0 ? 0 : 1;
}

/* --- unsignalled: a process the caller may not signal is listed as unknown --- */

static void test_unsignalled(void)
{
    static const char *const files[] = { "", "/cgroup.procs", "/cgroup.kill" };
    pid_t p, h;
    int rp;

    if (geteuid() != 0)
        SKIP("needs root, to drop to another user");
    make_cgroup();
    p = start_in(cg, body_pause, &rp); /* root's */
    REQUIRE_EQ(read_pid(rp), p);
    /* nobody may write the cgroup's files, and so open it as a group */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s%s", cg, files[i]);
        if (chown(path, 65534, 65534) != 0)
            SKIP("chown %s: %s", path, strerror(errno));
    }
    h = fork();
    REQUIRE(h >= 0);
    if (h == 0) {
        terminus_os_group *g = NULL;
        int rc;
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(77);
        rc = open_group(p, NULL, &g);
        if (rc != TERMINUS_OK) {
            printf("# as uid 65534: group_open: %s: %s\n", terminus_error_name(rc),
                   terminus_error_last()->message);
            fflush(stdout);
            _exit(3);
        }
        /* cgroup.kill would end p, which kill() may not: p is no member */
        rc = one_unknown(g, "as uid 65534");
        os->group_close(os->data, g);
        _exit(rc);
    }
    track(h);
    CHECK_EQ(child_code(h, "cannot drop to uid 65534"), 0);
    close(rp);
}

/* --- foreign: a process of another pid namespace is listed as unknown ---------- */

static void test_foreign(void)
{
    terminus_os_group *g = NULL;
    pid_t p, h;
    int rp;

    if (geteuid() != 0)
        SKIP("needs root, for a pid namespace");
    make_cgroup();
    p = start_in(cg, body_pause, &rp);
    REQUIRE_EQ(read_pid(rp), p);
    REQUIRE_RC(open_group(p, NULL, &g), TERMINUS_OK);
    h = fork();
    REQUIRE(h >= 0);
    if (h == 0) {
        pid_t inner;
        int st;
        if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
            _exit(77);
        inner = fork();
        if (inner < 0)
            _exit(3);
        if (inner == 0) {
            /* pid 1 of a new namespace, with a /proc of its own: p, outside
             * it, is a "0" line of cgroup.procs */
            if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
                mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
                _exit(77);
            _exit(one_unknown(g, "in a new pid namespace"));
        }
        if (waitpid(inner, &st, 0) != inner || !WIFEXITED(st))
            _exit(3);
        _exit(WEXITSTATUS(st));
    }
    track(h);
    CHECK_EQ(child_code(h, "cannot make a pid namespace with a /proc of its own"), 0);
    os->group_close(os->data, g);
    close(rp);
}

/* --- hidden: a process /proc hides is listed as unknown ------------------------ */

/* Drops to uid 65534 and is not dumpable (hidepid=2 hides it from another
 * process of that uid, which may signal it); writes its pid, pauses. */
static void body_hidden(int out)
{
    pid_t me = getpid();
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0 || prctl(PR_SET_DUMPABLE, 0) != 0)
        me = 0;
    if (write(out, &me, sizeof me) != (ssize_t)sizeof me)
        _exit(3);
    close(out);
    pause_forever();
}

static void test_hidden(void)
{
    terminus_os_group *g = NULL;
    pid_t p, h, q;
    int rp;

    if (geteuid() != 0)
        SKIP("needs root, to mount a /proc and drop to another user");
    make_cgroup();
    p = start_in(cg, body_hidden, &rp);
    q = read_pid(rp);
    if (q == 0)
        SKIP("cannot drop to uid 65534");
    REQUIRE_EQ(q, p);
    REQUIRE_RC(open_group(p, NULL, &g), TERMINUS_OK);
    h = fork();
    REQUIRE(h >= 0);
    if (h == 0) {
        /* a /proc of its own that hides p (same uid, not dumpable), which
         * kill() may still signal */
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") != 0)
            _exit(77);
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(77);
        if (access("/proc/1/stat", F_OK) == 0 || kill(p, 0) != 0)
            _exit(77); /* hidepid not in force, or p not signalled */
        _exit(one_unknown(g, "as uid 65534, with hidepid=2"));
    }
    track(h);
    CHECK_EQ(child_code(h, "cannot mount a /proc with hidepid=2 as uid 65534"), 0);
    os->group_close(os->data, g);
    close(rp);
}

/* --- threaded: a threaded cgroup is no group ----------------------------------- */

static void test_threaded(void)
{
    char sub[PATH_MAX], text[32];
    terminus_os_group *g = (terminus_os_group *)&g;
    pid_t p;
    int rp, err;

    make_cgroup();
    make_sub(cg, "threads", sub, sizeof sub);
    err = write_file(sub, "cgroup.type", "threaded");
    if (err != 0)
        SKIP("cannot make %s threaded: %s", sub, strerror(err));
    p = start_in(cg, body_pause, &rp);
    REQUIRE_EQ(read_pid(rp), p);
    /* the cgroup of cg (now "domain threaded") is one */
    REQUIRE_RC(open_group(p, NULL, &g), TERMINUS_OK);
    os->group_close(os->data, g);
    /* p's only thread into the threaded cgroup: its cgroup.kill cannot be
     * written (EOPNOTSUPP) */
    snprintf(text, sizeof text, "%d\n", (int)p);
    err = write_file(sub, "cgroup.threads", text);
    if (err != 0)
        SKIP("cannot move %d into %s: %s", (int)p, sub, strerror(err));
    CHECK_RC(open_group(p, NULL, &g), TERMINUS_E_NOT_FOUND);
    CHECK(g == NULL);
    printf("# %s\n", terminus_error_last()->message);
    close(rp);
}

/* --- badread: a walk's failed read is not kept as an identity ------------------ */

static int count_any(void *arg, const terminus_process_info *info)
{
    (void)info;
    ++*(size_t *)arg;
    return TERMINUS_OK;
}

static void test_badread(void)
{
    terminus_os_process *proc = NULL;
    terminus_process_info id;
    struct rlimit old, low;
    uint64_t unique = 0, start;
    size_t seen = 0;
    int fds[64], n = 0, rc;

    start = start_of(1, NULL);
    if (start == 0)
        SKIP("/proc/1/stat cannot be read");
    /* a walk first: the backend's one-time looks are done */
    REQUIRE_RC(os->process_list(os->data, 0, count_any, &seen), TERMINUS_OK);
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
    low = old;
    low.rlim_cur = 64;
    if (low.rlim_cur > old.rlim_max)
        SKIP("RLIMIT_NOFILE is below 64");
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    /* every descriptor taken but one: the walk opens /proc, then fails to
     * read the first process in it (pid 1) with EMFILE */
    while (n < 64) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        fds[n++] = fd;
    }
    if (n > 0)
        close(fds[--n]);
    rc = os->process_list(os->data, 0, count_any, &seen);
    while (n > 0)
        close(fds[--n]);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &old) == 0);
    CHECK(rc != TERMINUS_OK);
    printf("# a walk with one descriptor free: %s: %s\n", terminus_error_name(rc),
           terminus_error_last()->message);
    /* pid 1's identity is its own, not the failed read's start 0 */
    REQUIRE_RC(os->process_open(os->data, 1, &proc), TERMINUS_OK);
    CHECK_RC(os->process_identity(os->data, proc, &id, &unique), TERMINUS_OK);
    CHECK_EQ(id.pid, 1);
    CHECK_EQ(id.start, start);
    os->process_close(os->data, proc);
}

/* --- job: Linux has no job objects -------------------------------------------- */

static void test_job(void)
{
    terminus_os_group *g = (terminus_os_group *)&g;
    int job = 0, rh;
    pid_t here = start_in(NULL, body_pause, &rh);

    REQUIRE_EQ(read_pid(rh), here);
    CHECK_RC(open_group(here, &job, &g), TERMINUS_E_UNSUPPORTED);
    CHECK(g == NULL);
    CHECK(strstr(terminus_error_last()->message, "job") != NULL);
    printf("# %s\n", terminus_error_last()->message);
    close(rh);
}

/* --- gone: the process has ended and was reaped -------------------------------- */

static void test_gone(void)
{
    terminus_os_process *proc = NULL;
    terminus_os_group *g = (terminus_os_group *)&g;
    int rh;
    pid_t p;

    make_cgroup();
    p = start_in(cg, body_pause, &rh);
    REQUIRE_EQ(read_pid(rh), p);
    REQUIRE_RC(os->process_open(os->data, (terminus_pid)p, &proc), TERMINUS_OK);
    kill(p, SIGKILL);
    reap(p);
    CHECK_RC(os->group_open(os->data, proc, NULL, &g), TERMINUS_E_NOT_FOUND);
    CHECK(g == NULL);
    printf("# %s\n", terminus_error_last()->message);
    os->process_close(os->data, proc);
    close(rh);
}

/* --- tree: a tree terminate of a tree alone in its cgroup ---------------------- */

/* The group members of the native table, counted: the core's cgroup path
 * calls them, its /proc walk does not. */
static unsigned n_open, n_kill;

static int count_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out)
{
    n_open++;
    return terminus_os_native()->group_open(data, proc, job, out);
}

static int count_kill(void *data, terminus_os_group *group, uint32_t exit_code)
{
    n_kill++;
    return terminus_os_native()->group_kill(data, group, exit_code);
}

/* The tree's root: forks a cooperative child and the forker; writes its
 * own pid, the child's and the forker's; pauses. */
static void body_root(int out)
{
    pid_t v[3];
    int fr[2];

    v[0] = getpid();
    v[1] = fork();
    if (v[1] < 0)
        _exit(3);
    if (v[1] == 0) {
        close(out);
        pause_forever();
    }
    if (pipe(fr) != 0)
        _exit(3);
    v[2] = fork();
    if (v[2] < 0)
        _exit(3);
    if (v[2] == 0) {
        close(out);
        close(fr[0]);
        body_forker(fr[1]);
    }
    close(fr[1]);
    if (read_n(fr[0], (char *)&v[2], sizeof v[2], 10000) != 0)
        _exit(3);
    close(fr[0]);
    if (write(out, v, sizeof v) != (ssize_t)sizeof v)
        _exit(3);
    close(out);
    pause_forever();
}

static void test_tree(void)
{
    terminus_terminate_options o = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    terminus_os table = *terminus_os_native();
    terminus_ctx *ctx = NULL;
    terminus_detail d;
    terminus_result res;
    pid_t v[3];
    int fds[3], rr, left;

    make_cgroup();
    start_in(cg, body_root, &rr);
    REQUIRE(read_n(rr, (char *)v, sizeof v, 10000) == 0);
    for (int i = 0; i < 3; i++) {
        fds[i] = pidfd_open(v[i], 0);
        REQUIRE(fds[i] >= 0);
    }
    sleep_ms(50); /* the forker has forked a few */
    table.group_open = count_open;
    table.group_kill = count_kill;
    REQUIRE_RC(terminus_ctx_new(&ctx, &table), TERMINUS_OK);
    memset(&d, 0, sizeof d);
    o.flags = TERMINUS_TERMINATE_TREE;
    o.grace_ms = 300;
    o.details = &d;
    o.details_count = 1;
    CHECK_RC(terminus_terminate(ctx, (terminus_pid)v[0], &o, &res), TERMINUS_OK);
    printf("# group_open called %u times, group_kill %u; status %s, outcome %d, members %u, "
           "escaped %u\n",
           n_open, n_kill, terminus_error_name(res.status), (int)res.outcome, d.tree_members,
           d.tree_escaped);
    /* the root ends at its request; the forker and what it forked needed the kill */
    CHECK_EQ(res.status, TERMINUS_OK);
    CHECK(res.outcome == TERMINUS_OUTCOME_EXITED || res.outcome == TERMINUS_OUTCOME_FORCED);
    CHECK_EQ(d.tree_escaped, 0);
    CHECK(d.tree_members >= 3);
    /* every member has ended, and nothing is left in the cgroup */
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 200 && !ended(fds[i]); k++)
            sleep_ms(10);
        CHECK_MSG(ended(fds[i]), "member %d (pid %d) still runs", i, (int)v[i]);
        close(fds[i]);
    }
    left = populated(cg);
    for (int k = 0; k < 200 && left == 1; k++) {
        sleep_ms(10);
        left = populated(cg);
    }
    /* the cgroup path: the tree is alone in its cgroup, so the core takes
     * it, and the cgroup's kill reaches what the forker forked last */
    CHECK(n_open > 0);
    CHECK_EQ(d.tree_group, TERMINUS_TREE_GROUP);
    CHECK(n_kill > 0);
    CHECK_MSG(left == 0, "processes are left in %s", cg);
    terminus_ctx_free(ctx);
    close(rr);
}

/* --- the program --------------------------------------------------------------- */

static void setup(char **args)
{
    (void)args;
    os = terminus_os_native();
    REQUIRE(os->version >= 2 && os->group_open != NULL && os->group_list != NULL &&
            os->group_kill != NULL && os->group_empty != NULL && os->group_close != NULL);
}

static void teardown(void)
{
    drop_cgroup();
    while (nkids > 0) {
        pid_t p = kids[--nkids];
        int st;
        /* only a child not reaped yet: a reaped one's pid may name another now */
        if (waitpid(p, &st, WNOHANG) == 0) {
            kill(p, SIGKILL);
            reap(p);
        }
    }
}

static const h_test tests[] = {
    { "list", test_list, 0 },
    { "kill", test_kill, 0 },
    { "own", test_own, 0 },
    { "denied", test_denied, 0 },
    { "job", test_job, 0 },
    { "gone", test_gone, 0 },
    { "tree", test_tree, 0 },
    { "relist", test_relist, 0 },
    { "unsignalled", test_unsignalled, 0 },
    { "foreign", test_foreign, 0 },
    { "hidden", test_hidden, 0 },
    { "threaded", test_threaded, 0 },
    { "badread", test_badread, 0 },
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
