/*
 * lib/os/linux/cgroup.c: the groups of the Linux backend (the shim members
 * group_open, group_list, group_kill, group_empty and group_close of
 * include/terminus/sys/os.h): a cgroup v2 directory, which holds a process
 * and whatever it starts. No policy: whether a cgroup holds a tree and
 * nothing else, and when to kill it, is lib/core's business.
 *
 * group_open reads the "0::PATH" line of /proc/PID/cgroup of the open
 * process (then checks through the pidfd that the process is still the one
 * opened, so that a reused pid does not name another's cgroup), and opens
 * the directory PATH under the cgroup2 mount (/proc/self/mountinfo, read
 * once: /sys/fs/cgroup on a pure v2 system, /sys/fs/cgroup/unified on a
 * hybrid one). Every later read and write is relative to that directory's
 * descriptor, so a rename of the cgroup does not redirect them. It is
 * TERMINUS_E_NOT_FOUND (the core then walks /proc) when:
 * - there is no cgroup2 mount, or the process has no "0::" line;
 * - the path is the root cgroup "/" (every process of the machine);
 * - the path is the caller's own cgroup or one of its ancestors (its
 *   cgroup.kill would end the caller too);
 * - the path is outside what the mount shows (another cgroup namespace);
 * - there is no cgroup.kill (kernels before 5.14), or the caller may not
 *   write it.
 * `job` non-NULL is TERMINUS_E_UNSUPPORTED: Linux has no job objects.
 *
 * group_list reads cgroup.procs of the directory and of every cgroup below
 * it (cgroup.kill reaches those too), each pid once, and the parent and
 * start of each: from the listing before it in the thread (a tree's walk of
 * /proc, or the last group_list) when that listing read the process that
 * still holds the pid (procs.c, tm_linux_walk_seen: a pidfd and an ioctl,
 * no /proc read), else from /proc/PID/stat; procs.c keeps them for
 * process_identity as it keeps a walk's. A process that ended during the
 * listing is left out. group_kill writes "1" to cgroup.kill: the kernel
 * kills every process of the subtree, including those forked meanwhile.
 * group_empty reads "populated" in cgroup.events.
 */
#define _GNU_SOURCE 1

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "linux.h"

/* A group: the cgroup's directory, held open. */
struct terminus_os_group {
    int fd;       /* O_DIRECTORY of the cgroup */
    char path[1]; /* its path under the mount, for messages */
};

/* How deep group_list goes below the group's directory (the kernel's own
 * default, cgroup.max.depth, is unlimited; a deeper tree is E_OS). */
#define TM_CGROUP_DEPTH 64

/* /proc/PID/cgroup: a few lines; a path is at most PATH_MAX. */
#define TM_CGROUP_BUF (PATH_MAX + 1024)

/* --- errors ------------------------------------------------------------------- */

/* A failure of a group read or write: the codes the members may return. */
static int tm_linux_group_fail(int err, const char *what, const char *path)
{
    char buf[256];

    return terminus_os_error(tm_linux_errno_code(err), err, "%s (cgroup %s): %s (%d)", what, path,
                             strerror_r(err, buf, sizeof buf), err);
}

/* The cgroup was removed: it had no process left (rmdir refuses otherwise). */
static int tm_linux_removed(int err)
{
    return err == ENOENT || err == ENODEV;
}

/* --- the cgroup2 mount: /proc/self/mountinfo, read once ------------------------ */

static pthread_once_t tm_linux_mount_once = PTHREAD_ONCE_INIT;
static char *tm_linux_mount_point; /* NULL: no cgroup2 mount */
static char *tm_linux_mount_root;  /* the cgroup the mount shows at its top */
static int tm_linux_mount_err;     /* errno of the mountinfo read, or 0 */

/* A mountinfo field (octal escapes \040 and the like undone) into a new
 * string; *pp moves past it and its space. NULL when out of memory. */
static char *tm_linux_field(const char **pp)
{
    const char *p = *pp, *end = p;
    char *out, *o;

    while (*end != ' ' && *end != '\n' && *end != '\0')
        end++;
    out = malloc((size_t)(end - p) + 1);
    if (out == NULL)
        return NULL;
    for (o = out; p < end; p++) {
        if (*p == '\\' && end - p >= 4 && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
            p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    *pp = *end == ' ' ? end + 1 : end;
    return out;
}

/* The fields of one mountinfo line (up to its '\n'): "ID PARENT MAJ:MIN
 * ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER". 1 for the first
 * cgroup2 mount (root and point set), else 0. */
static int tm_linux_mount_line(const char *line, const char *nl)
{
    const char *p = line, *dash = NULL;
    char *root, *point;

    for (const char *c = line; c + 2 < nl; c++) {
        if (c[0] == ' ' && c[1] == '-' && c[2] == ' ') {
            dash = c + 3;
            break;
        }
    }
    if (dash == NULL || (size_t)(nl - dash) < 8 || memcmp(dash, "cgroup2 ", 8) != 0)
        return 0;
    for (int skip = 0; skip < 3; skip++) {
        while (p < nl && *p != ' ')
            p++;
        if (p == nl)
            return 0;
        p++;
    }
    root = tm_linux_field(&p);
    point = root != NULL ? tm_linux_field(&p) : NULL;
    if (point == NULL || root[0] != '/' || point[0] != '/') {
        free(root);
        free(point);
        return 0;
    }
    tm_linux_mount_root = root;
    tm_linux_mount_point = point;
    return 1;
}

static void tm_linux_mount_find(void)
{
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap);
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (buf == NULL || fd < 0) {
        tm_linux_mount_err = buf == NULL ? ENOMEM : errno;
        free(buf);
        if (fd >= 0)
            close(fd);
        return;
    }
    for (;;) {
        ssize_t n;
        if (cap - len < 4096) {
            char *b = cap > ((size_t)64 << 20) ? NULL : realloc(buf, cap * 2);
            if (b == NULL) {
                tm_linux_mount_err = ENOMEM;
                break;
            }
            buf = b;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            tm_linux_mount_err = errno;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    if (tm_linux_mount_err == 0) {
        for (const char *line = buf; *line != '\0';) {
            const char *nl = strchr(line, '\n');
            if (nl == NULL)
                nl = line + strlen(line);
            if (tm_linux_mount_line(line, nl))
                break;
            line = *nl == '\n' ? nl + 1 : nl;
        }
    }
    free(buf);
}

/* --- /proc/PID/cgroup ---------------------------------------------------------- */

/* The path of the "0::" line of a /proc/PID/cgroup text, into out (size
 * PATH_MAX): 1, or 0 when there is none. */
static int tm_linux_v2_path(const char *buf, char *out)
{
    for (const char *line = buf; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            nl = line + strlen(line);
        if (nl - line >= 4 && memcmp(line, "0::", 3) == 0) {
            size_t n = (size_t)(nl - line - 3);
            if (n >= PATH_MAX || line[3] != '/')
                return 0;
            memcpy(out, line + 3, n);
            out[n] = '\0';
            return 1;
        }
        line = *nl == '\n' ? nl + 1 : nl;
    }
    return 0;
}

/* `a` is `b` or one of its ancestors (cgroup paths, "/" the root). */
static int tm_linux_path_covers(const char *a, const char *b)
{
    size_t n = strlen(a);

    if (strcmp(a, "/") == 0)
        return 1;
    return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* A path with a ".." component: a cgroup outside the caller's cgroup
 * namespace, which no mount of it shows. */
static int tm_linux_path_escapes(const char *p)
{
    for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2)
        if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
            return 1;
    return 0;
}

/* --- group_open ---------------------------------------------------------------- */

int tm_linux_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out)
{
    char path[64], own[PATH_MAX], cg[PATH_MAX], dir[2 * PATH_MAX], type[32];
    char *buf;
    const char *rel;
    terminus_os_group *g;
    size_t rootlen;
    long pid;
    int rc, fd, err;
    (void)data;

    *out = NULL;
    if (job != NULL)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "group_open(%d): Linux has no job objects (the job option is "
                                 "for Windows; a tree's cgroup is found without it)",
                                 (int)proc->pid);
    pthread_once(&tm_linux_mount_once, tm_linux_mount_find);
    if (tm_linux_mount_point == NULL) {
        if (tm_linux_mount_err != 0)
            return tm_linux_group_fail(tm_linux_mount_err, "/proc/self/mountinfo", "-");
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "group_open(%d): no cgroup2 file system is mounted",
                                 (int)proc->pid);
    }

    rc = tm_linux_proc_pid(proc, &pid);
    if (rc != TERMINUS_OK)
        return rc;
    buf = malloc(TM_CGROUP_BUF);
    if (buf == NULL)
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "group_open(%d): out of memory",
                                 (int)proc->pid);
    snprintf(path, sizeof path, "/proc/%ld/cgroup", pid);
    if (tm_linux_read(AT_FDCWD, path, buf, TM_CGROUP_BUF) < 0) {
        err = errno;
        free(buf);
        if (err == ENOENT || err == ESRCH)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err, "%s: the process has ended", path);
        return tm_linux_group_fail(err, path, "-");
    }
    /* Still the pidfd's process: then it lived all through the read, and
     * the cgroup read was its own. */
    if (pidfd_send_signal(proc->fd, 0, NULL, 0) != 0 && errno != EPERM) {
        err = errno;
        free(buf);
        if (err == ESRCH)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "the pidfd of %d: the process has ended and was reaped",
                                     (int)proc->pid);
        return tm_linux_fail(err, NULL, TM_LINUX_PROC, "pidfd_send_signal(%d, 0)", (int)proc->pid);
    }
    if (!tm_linux_v2_path(buf, cg)) {
        free(buf);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "%s: no cgroup v2 (\"0::\") line (or a path too long)", path);
    }
    if (strcmp(cg, "/") == 0) {
        free(buf);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "%s: the root cgroup: it holds every process of the machine",
                                 path);
    }
    if (tm_linux_path_escapes(cg)) {
        free(buf);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "%s: cgroup %s is outside this process's cgroup namespace", path,
                                 cg);
    }
    /* The caller's own cgroup, or one above it: its cgroup.kill would end
     * the caller. */
    if (tm_linux_read(AT_FDCWD, "/proc/self/cgroup", buf, TM_CGROUP_BUF) < 0) {
        err = errno;
        free(buf);
        return tm_linux_group_fail(err, "/proc/self/cgroup", cg);
    }
    if (!tm_linux_v2_path(buf, own)) {
        free(buf);
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "/proc/self/cgroup: no cgroup v2 (\"0::\") line");
    }
    free(buf);
    if (tm_linux_path_covers(cg, own))
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "group_open(%d): cgroup %s holds the caller too (its cgroup is "
                                 "%s)",
                                 (int)proc->pid, cg, own);

    /* The directory under the mount, which shows the hierarchy from its root. */
    rootlen = strcmp(tm_linux_mount_root, "/") == 0 ? 0 : strlen(tm_linux_mount_root);
    if (rootlen > 0 && !tm_linux_path_covers(tm_linux_mount_root, cg))
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "group_open(%d): cgroup %s is not under the cgroup2 mount %s "
                                 "(which shows %s)",
                                 (int)proc->pid, cg, tm_linux_mount_point, tm_linux_mount_root);
    rel = cg + rootlen;
    if (snprintf(dir, sizeof dir, "%s%s", tm_linux_mount_point, rel) >= (int)sizeof dir)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, ENAMETOOLONG, "cgroup %s: path too long",
                                 cg);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        if (err == ENOENT || err == ENOTDIR)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "%s: gone (the process moved to another cgroup)", dir);
        return tm_linux_group_fail(err, "open", dir);
    }
    if (faccessat(fd, "cgroup.kill", F_OK, 0) != 0) {
        err = errno;
        close(fd);
        if (err == ENOENT)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "%s/cgroup.kill: none (a kernel before 5.14)", dir);
        return tm_linux_group_fail(err, "cgroup.kill", dir);
    }
    if (faccessat(fd, "cgroup.kill", W_OK, AT_EACCESS) != 0) {
        err = errno;
        close(fd);
        if (err == EACCES || err == EPERM || err == EROFS)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "%s/cgroup.kill: the caller may not write it", dir);
        return tm_linux_group_fail(err, "cgroup.kill", dir);
    }
    /* a threaded cgroup has a cgroup.kill whose write fails (EOPNOTSUPP) */
    if (tm_linux_read(fd, "cgroup.type", type, sizeof type) < 0) {
        err = errno;
        close(fd);
        if (tm_linux_removed(err))
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "%s: gone (the process moved to another cgroup)", dir);
        return tm_linux_group_fail(err, "cgroup.type", dir);
    }
    if (strcmp(type, "domain\n") != 0 && strcmp(type, "domain threaded\n") != 0) {
        close(fd);
        type[strcspn(type, "\n")] = '\0';
        return terminus_os_error(TERMINUS_E_NOT_FOUND, 0,
                                 "%s: a cgroup of type \"%s\" (cgroup.kill ends only a domain)",
                                 dir, type);
    }
    g = malloc(sizeof *g + strlen(dir));
    if (g == NULL) {
        close(fd);
        return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM, "cgroup %s: out of memory", dir);
    }
    g->fd = fd;
    memcpy(g->path, dir, strlen(dir) + 1);
    *out = g;
    return TERMINUS_OK;
}

void tm_linux_group_close(void *data, terminus_os_group *group)
{
    (void)data;
    if (group == NULL)
        return;
    close(group->fd);
    free(group);
}

/* --- group_list ---------------------------------------------------------------- */

/* The pids found so far. */
struct tm_linux_pids {
    pid_t *v;
    size_t n, cap;
};

static int tm_linux_pids_add(struct tm_linux_pids *l, pid_t pid)
{
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 256;
        pid_t *v = cap > (size_t)-1 / sizeof *v ? NULL : realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return 0;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = pid;
    return 1;
}

/* Add the pids of dirfd's cgroup.procs (one decimal a line) to l. OK (a
 * cgroup removed meanwhile adds none), or a recorded failure. */
static int tm_linux_procs_of(int dirfd, const char *path, struct tm_linux_pids *l)
{
    char buf[4096];
    size_t have = 0;
    int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        int err = errno;
        return tm_linux_removed(err) ? TERMINUS_OK : tm_linux_group_fail(err, "cgroup.procs", path);
    }
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        size_t start = 0, end;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return tm_linux_removed(err) ? TERMINUS_OK
                                         : tm_linux_group_fail(err, "cgroup.procs", path);
        }
        end = have + (size_t)n;
        if (n == 0 && have > 0 && buf[end - 1] != '\n' && end < sizeof buf)
            buf[end++] = '\n'; /* the last line without its newline */
        for (size_t i = 0; i < end; i++) {
            long v = 0;
            if (buf[i] != '\n')
                continue;
            for (size_t k = start; k < i; k++) {
                if (buf[k] < '0' || buf[k] > '9' || v > INT_MAX / 10) {
                    close(fd);
                    return terminus_os_error(TERMINUS_E_OS, 0,
                                             "%s/cgroup.procs: unexpected content", path);
                }
                v = v * 10 + (buf[k] - '0');
            }
            /* 0: a process of another pid namespace, which this one cannot
             * name: kept, and given as one the caller cannot identify */
            if (!tm_linux_pids_add(l, (pid_t)v)) {
                close(fd);
                return terminus_os_error(TERMINUS_E_NO_MEMORY, ENOMEM,
                                         "%s/cgroup.procs: out of memory", path);
            }
            start = i + 1;
        }
        if (n == 0)
            break;
        have = end - start;
        if (have == sizeof buf) {
            close(fd);
            return terminus_os_error(TERMINUS_E_OS, 0, "%s/cgroup.procs: unexpected content", path);
        }
        memmove(buf, buf + start, have);
    }
    close(fd);
    return TERMINUS_OK;
}

/* The pids of dir's cgroup and of every cgroup below it, into l. dir
 * stays the caller's. */
static int tm_linux_procs_below(int dir, const char *path, int depth, struct tm_linux_pids *l)
{
    struct dirent *e;
    DIR *d;
    int fd, rc = tm_linux_procs_of(dir, path, l);

    if (rc != TERMINUS_OK)
        return rc;
    fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return tm_linux_removed(err) ? TERMINUS_OK : tm_linux_group_fail(err, "open", path);
    }
    d = fdopendir(fd);
    if (d == NULL) {
        int err = errno;
        close(fd);
        return tm_linux_group_fail(err, "fdopendir", path);
    }
    for (;;) {
        int sub;
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            int err = errno;
            closedir(d);
            return err == 0 || tm_linux_removed(err) ? TERMINUS_OK
                                                     : tm_linux_group_fail(err, "readdir", path);
        }
        if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue; /* ".", "..", and the files of the cgroup */
        sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            int err = errno;
            if (tm_linux_removed(err) || err == ENOTDIR)
                continue; /* removed meanwhile, or a file */
            closedir(d);
            return tm_linux_group_fail(err, e->d_name, path);
        }
        if (depth >= TM_CGROUP_DEPTH)
            rc = terminus_os_error(TERMINUS_E_OS, 0, "cgroup %s: more than %d levels below it",
                                   path, TM_CGROUP_DEPTH);
        else
            rc = tm_linux_procs_below(sub, path, depth + 1, l);
        close(sub);
        if (rc != TERMINUS_OK) {
            closedir(d);
            return rc;
        }
    }
}

static int tm_linux_cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* A process of the group the caller cannot identify (include/terminus/sys/os.h,
 * group_list): pid, ppid and start 0. The core then does not take the
 * group as the tree, which cgroup.kill would end with it. */
static void tm_linux_unknown(terminus_process_info *info)
{
    memset(info, 0, sizeof *info);
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;
}

/* Whether pid (a line of cgroup.procs) can be given: 1 if so; 0 if it is
 * to be given as unknown (0: another pid namespace's; one the caller may
 * not signal, which cgroup.kill, checking only the write access to the
 * file, would kill all the same); -1 if it has ended. */
static int tm_linux_knowable(pid_t pid)
{
    if (pid == 0)
        return 0;
    if (kill(pid, 0) == 0)
        return 1;
    if (errno == ESRCH)
        return -1;
    return errno == EPERM ? 0 : 1; /* anything else: the /proc read says */
}

/* Whether pid, which /proc would not show, has ended (no process holds
 * it), rather than being hidden from the caller (hidepid). */
static int tm_linux_ended(pid_t pid)
{
    int fd = pidfd_open(pid, 0);

    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == ESRCH;
}

int tm_linux_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg)
{
    struct tm_linux_pids l = { NULL, 0, 0 };
    struct tm_linux_walk *w;
    int procfd = -1, rc;
    (void)data;

    rc = tm_linux_proc_is_ours(); /* the pids of cgroup.procs are those of /proc */
    if (rc != TERMINUS_OK)
        return rc;
    rc = tm_linux_procs_below(group->fd, group->path, 0, &l);
    if (rc != TERMINUS_OK || l.n == 0) {
        free(l.v);
        return rc; /* an empty group: nothing to read, the record stays */
    }
    /* what is read is kept for process_identity (the mark taken before the
     * first read); the record before (the walk's, or the last listing's)
     * gives each process it read that still holds its pid, without /proc */
    w = tm_linux_walk_begin(1);
    /* a process that moved between two cgroups of the subtree is listed once */
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, tm_linux_cmp_pid);
    for (size_t i = 0; i < l.n && rc == TERMINUS_OK; i++) {
        terminus_process_info info;
        int known;
        /* a 0 line stands for one process each: never one of the pids */
        if (i > 0 && l.v[i] != 0 && l.v[i] == l.v[i - 1])
            continue;
        known = tm_linux_knowable(l.v[i]);
        if (known < 0)
            continue; /* it ended during the listing */
        if (known == 0) {
            tm_linux_unknown(&info);
            rc = fn(arg, &info);
            continue;
        }
        if (tm_linux_walk_seen(l.v[i], &info)) {
            rc = TERMINUS_OK;
        } else {
            if (procfd < 0 && (procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                rc = tm_linux_group_fail(errno, "open(/proc)", group->path);
                break;
            }
            rc = tm_linux_proc_stat(procfd, l.v[i], &info);
        }
        if (rc == TERMINUS_E_NOT_FOUND) {
            rc = TERMINUS_OK;
            if (tm_linux_ended(l.v[i]))
                continue;            /* it ended during the listing */
            tm_linux_unknown(&info); /* hidden by /proc (hidepid) */
            rc = fn(arg, &info);
            continue;
        }
        if (rc == TERMINUS_OK && w != NULL && !tm_linux_walk_add(w, l.v[i], info.start))
            w = NULL;
        if (rc == TERMINUS_OK)
            rc = fn(arg, &info);
    }
    if (procfd >= 0)
        close(procfd);
    free(l.v);
    return rc;
}

/* --- group_kill, group_empty -------------------------------------------------- */

int tm_linux_group_kill(void *data, terminus_os_group *group, uint32_t exit_code)
{
    int fd, err;
    ssize_t n;
    (void)data;
    (void)exit_code; /* the kernel sends SIGKILL: every process reports 137 */

    fd = openat(group->fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        /* removed: rmdir takes only a cgroup without processes */
        return tm_linux_removed(err) ? TERMINUS_OK
                                     : tm_linux_group_fail(err, "open(cgroup.kill)", group->path);
    }
    do
        n = write(fd, "1", 1);
    while (n < 0 && errno == EINTR);
    err = errno;
    close(fd);
    if (n == 1 || (n < 0 && tm_linux_removed(err)))
        return TERMINUS_OK;
    return tm_linux_group_fail(n < 0 ? err : EIO, "write(cgroup.kill, 1)", group->path);
}

int tm_linux_group_empty(void *data, terminus_os_group *group, int *empty)
{
    char buf[512];
    const char *p;
    (void)data;

    *empty = 0;
    if (tm_linux_read(group->fd, "cgroup.events", buf, sizeof buf) < 0) {
        int err = errno;
        if (tm_linux_removed(err)) {
            *empty = 1; /* removed: it had no process left */
            return TERMINUS_OK;
        }
        return tm_linux_group_fail(err, "cgroup.events", group->path);
    }
    p = strncmp(buf, "populated ", 10) == 0 ? buf - 1 : strstr(buf, "\npopulated ");
    if (p == NULL || (p[11] != '0' && p[11] != '1'))
        return terminus_os_error(TERMINUS_E_OS, 0, "%s/cgroup.events: no \"populated\" line",
                                 group->path);
    *empty = p[11] == '0';
    return TERMINUS_OK;
}
