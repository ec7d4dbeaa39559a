/*
 * lib/os/linux/procs.c: processes by identity for the Linux backend:
 * process_list (a walk of /proc), process_identity (through the pidfd) and
 * boot_id. No policy: which processes make a tree, what a token holds and
 * when two identities are the same process is lib/core's business.
 *
 * What a process is, as this file reads it:
 * - pid, parent and start from /proc/PID/stat: fields 4 (ppid) and 22
 *   (starttime, clock ticks since boot). The command name (field 2) is in
 *   parentheses and may itself hold spaces, parentheses and newlines (any
 *   program can name itself with prctl(PR_SET_NAME)); every field after it
 *   is a number or a single letter, so the name ends at the last ')' of the
 *   file. A start is counted in clock ticks (10 ms at USER_HZ 100), so a
 *   child forked within the same tick as its parent has an equal start,
 *   never a smaller one.
 * - the image name: the base name of the /proc/PID/exe link, without the
 *   " (deleted)" the kernel appends when the file was removed or replaced
 *   (an upgraded program keeps its name); where the link cannot be read
 *   (another user's process without CAP_SYS_PTRACE, a kernel thread, a
 *   zombie) the command name, which the kernel cuts to 15 bytes and which a
 *   process may change: a name filter on another user's processes sees
 *   that name.
 * - the owner: the real uid, the first number of the "Uid:" line of
 *   /proc/PID/status.
 * - the session: the logind session whose scope holds the process, read
 *   from /proc/PID/cgroup as libsystemd's sd_pid_get_session() reads it
 *   (the first unit below the slices of the systemd hierarchy, when it is
 *   "session-ID.scope"), without loading libsystemd or asking logind: a
 *   process of a user's service manager (user@UID.service) or of a system
 *   service is in no session (TERMINUS_SESSION_NONE). The id is the one
 *   terminus gives that logind session (tm_linux_session_id_of).
 * Each of the last three costs one more read per process, so process_list
 * reads only those its caller asks for (terminus_os::process_list).
 *
 * Processes that end during a walk are left out (their files vanish:
 * ENOENT, ESRCH). A /proc mounted with hidepid shows the caller only its own
 * processes (hidepid=2 hides the others, hidepid=1 refuses to read them:
 * EACCES): the listing is then those. A field a process refuses (its owner,
 * its session) stays unknown. A /proc of another pid namespace
 * (`unshare --pid --fork` without --mount-proc) names processes by numbers
 * that pidfd_open would read in this namespace: the walk refuses it
 * (TERMINUS_E_OS, naming the fix) rather than hand out pids of other
 * processes.
 *
 * Identity (process_identity) is read through the pidfd: its pid as /proc
 * knows it (the pid it was opened with while /proc is of the caller's pid
 * namespace, else the pid /proc/self/fdinfo/FD shows for it: -1 once the
 * process is reaped), then /proc/PID/stat, then a null signal through
 * the pidfd: if it still reaches the process (EPERM also means it exists),
 * the process was alive all along, its pid cannot have been reused, and the
 * stat read was its own; ESRCH means it was reaped (TERMINUS_E_NOT_FOUND).
 * A zombie still has its identity. A process that existed before this
 * thread's last walk and still holds its pid is not read again: its start
 * is the walk's (see "what the last walk saw" below; kernel 6.13+). On
 * kernels 6.9+ every pidfd is an inode of pidfs whose number is unique to
 * one process for the whole boot: that number is the identity's `unique`
 * (0 on older kernels, whose pidfds share one anonymous inode, and on
 * 32-bit builds, where the number is cut).
 *
 * Trees use the /proc walk and these identity checks; a tree's cgroup
 * (cgroup.procs, cgroup.kill) is lib/os/linux/cgroup.c's, which takes the
 * members' parents and starts from the walk before it (tm_linux_walk_seen:
 * a process the walk read that still holds its pid) or reads them through
 * tm_linux_proc_stat.
 */
#define _GNU_SOURCE 1

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "terminus/sys/os.h"
#include "linux.h"

/* The magic number of pidfs (kernel 6.9+), not in Debian 12's headers. */
#define TM_PIDFS_MAGIC 0x50494446
/* pidfd_open of a thread (6.9+; O_EXCL), not in Debian 12's headers. */
#define TM_PIDFD_THREAD O_EXCL

/* The files read here are procfs "single" files: the kernel makes the whole
 * text at the first read, which a buffer of this size always holds (stat is
 * below 1 KiB, cgroup below 4 KiB except for odd nesting, status below 2 KiB
 * on every kernel seen). A longer file is read on to its end. */
#define TM_PROC_BUF 4096

/* --- reading /proc ------------------------------------------------------------ */

/* Read `path` (relative to `dirfd`) into buf (size >= 2), NUL-terminated
 * (linux.h). Returns its length, or -1 with errno set. One read gives the
 * whole of a single file; what does not fit in buf is read and dropped. */
ssize_t tm_linux_read(int dirfd, const char *path, char *buf, size_t size)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t n;

    if (fd < 0)
        return -1;
    do
        n = read(fd, buf, size - 1);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    buf[n] = '\0';
    if ((size_t)n == size - 1) {
        char drop[256];
        ssize_t k;
        do
            k = read(fd, drop, sizeof drop);
        while (k > 0 || (k < 0 && errno == EINTR));
    }
    close(fd);
    return n;
}

/* An identity read failed with errno err: the codes process_identity may
 * return (it has no E_NO_MEMORY). */
static int tm_linux_identity_fail(int err, const char *what, int pid)
{
    char buf[256];

    return terminus_os_error(
        err == EACCES || err == EPERM ? TERMINUS_E_ACCESS_DENIED : TERMINUS_E_OS, err,
        "%s (the pidfd of %d): %s (%d)", what, pid, strerror_r(err, buf, sizeof buf), err);
}

/* What /proc/PID/stat says (the fields this file uses). */
struct tm_linux_stat {
    char state; /* field 3: R, S, D, T (stopped), t (traced), Z, X, ... */
    pid_t ppid;
    uint64_t start;
    char comm[72]; /* the kernel prints at most 64 bytes (a workqueue's name) */
};

/* A decimal number of up to `max` ending at a space, newline or the end:
 * 1 with *v and *pp past it, else 0. */
static int tm_linux_number(const char **pp, uint64_t max, uint64_t *v)
{
    const char *p = *pp;
    uint64_t n = 0;

    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (n > (max - d) / 10u)
            return 0;
        n = n * 10u + d;
    }
    if (*p != ' ' && *p != '\n' && *p != '\0')
        return 0;
    *v = n;
    *pp = p;
    return 1;
}

/* Parse /proc/PID/stat (see the top of this file): 1 when it holds the
 * fields up to 22, else 0. */
static int tm_linux_parse_stat(const char *buf, struct tm_linux_stat *st)
{
    const char *open = strchr(buf, '(');
    const char *close = strrchr(buf, ')');
    const char *p;
    size_t n;

    if (open == NULL || close == NULL || close < open)
        return 0;
    n = (size_t)(close - open - 1);
    if (n >= sizeof st->comm)
        n = sizeof st->comm - 1;
    memcpy(st->comm, open + 1, n);
    st->comm[n] = '\0';
    p = close + 1;
    for (int field = 3; field <= 22; field++) {
        uint64_t v;
        if (*p != ' ')
            return 0;
        p++;
        if (field == 3)
            st->state = *p;
        if (field == 4 || field == 22) {
            if (!tm_linux_number(&p, field == 4 ? (uint64_t)INT_MAX : UINT64_MAX, &v))
                return 0;
            if (field == 4)
                st->ppid = (pid_t)v;
            else
                st->start = v;
            continue;
        }
        if (*p == ' ' || *p == '\0' || *p == '\n')
            return 0;
        while (*p != ' ' && *p != '\0' && *p != '\n')
            p++;
    }
    return 1;
}

/* The real uid from /proc/PID/status, or TERMINUS_UID_UNKNOWN. */
static uint32_t tm_linux_parse_uid(const char *buf)
{
    const char *p = strstr(buf, "\nUid:");
    uint64_t v;

    if (p == NULL)
        return TERMINUS_UID_UNKNOWN;
    p += 5;
    while (*p == '\t' || *p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return TERMINUS_UID_UNKNOWN;
    v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10u + (uint64_t)(*p - '0');
        if (v >= TERMINUS_UID_UNKNOWN)
            return TERMINUS_UID_UNKNOWN;
    }
    return (uint32_t)v;
}

/* --- sessions ----------------------------------------------------------------- */

/* s is a decimal number below limit written canonically (digits, no leading
 * zero; "0" alone is canonical): 1 with *v, else 0. The rule of
 * lib/os/linux/logind.c. */
static int tm_linux_canonical(const char *s, uint32_t limit, uint32_t *v)
{
    uint32_t n = 0;

    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
        return 0;
    for (const char *c = s; *c != '\0'; c++) {
        uint32_t d = (uint32_t)(*c - '0');
        if (*c < '0' || *c > '9' || n > (limit - 1u - d) / 10u)
            return 0;
        n = n * 10u + d;
    }
    *v = n;
    return 1;
}

/* The terminus id of a logind id (linux.h; lib/os/linux/logind.c documents
 * the mapping): N for a canonical number N in 1..0x7FFFFFFF, 0x80000000 + N
 * for "cN", else 0xC0000000 | (FNV-1a hash % 0x3FFFFFFF). */
uint32_t tm_linux_session_id_of(const char *lid)
{
    uint32_t n, h = 2166136261u; /* FNV-1a, 32 bits */

    if (tm_linux_canonical(lid, 0x80000000u, &n) && n != 0)
        return n;
    if (lid[0] == 'c' && tm_linux_canonical(lid + 1, 0x40000000u, &n))
        return 0x80000000u + n;
    for (const unsigned char *p = (const unsigned char *)lid; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return 0xC0000000u | (h % 0x3FFFFFFFu);
}

/* The session of the cgroup path p (up to its end of line): the first unit
 * below the slices, when it is "session-ID.scope" with ID of letters and
 * digits (logind's rule for a session id). */
static uint32_t tm_linux_path_session(const char *p)
{
    for (;;) {
        const char *c, *end;
        size_t n;
        while (*p == '/')
            p++;
        end = p;
        while (*end != '/' && *end != '\n' && *end != '\0')
            end++;
        n = (size_t)(end - p);
        if (n == 0)
            return TERMINUS_SESSION_NONE;
        if (n > 6 && memcmp(end - 6, ".slice", 6) == 0) {
            p = end;
            continue;
        }
        /* the unit */
        if (n <= 14 || n - 14 > 64 || memcmp(p, "session-", 8) != 0 ||
            memcmp(end - 6, ".scope", 6) != 0)
            return TERMINUS_SESSION_NONE;
        {
            char id[72];
            size_t k = n - 14;
            memcpy(id, p + 8, k);
            id[k] = '\0';
            for (c = id; *c != '\0'; c++)
                if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                      (*c >= 'A' && *c <= 'Z')))
                    return TERMINUS_SESSION_NONE;
            return tm_linux_session_id_of(id);
        }
    }
}

/* The session from /proc/PID/cgroup: the line of the unified hierarchy
 * ("0::PATH") or of systemd's own ("N:name=systemd:PATH"), whichever names
 * a session first (a hybrid system has both, with the same path). */
static uint32_t tm_linux_parse_session(const char *buf)
{
    const char *line = buf;

    while (*line != '\0') {
        const char *a = strchr(line, ':');
        const char *nl = strchr(line, '\n');
        const char *b = a != NULL ? strchr(a + 1, ':') : NULL;
        if (nl == NULL)
            nl = line + strlen(line);
        if (a != NULL && b != NULL && b < nl) {
            size_t clen = (size_t)(b - a - 1);
            int systemd = clen == 0;
            for (const char *c = a + 1; !systemd && c < b;) {
                const char *e = memchr(c, ',', (size_t)(b - c));
                if (e == NULL)
                    e = b;
                systemd = (size_t)(e - c) == 12 && memcmp(c, "name=systemd", 12) == 0;
                c = e + 1;
            }
            if (systemd) {
                uint32_t s = tm_linux_path_session(b + 1);
                if (s != TERMINUS_SESSION_NONE)
                    return s;
            }
        }
        line = *nl == '\n' ? nl + 1 : nl;
    }
    return TERMINUS_SESSION_NONE;
}

/* --- the image name --------------------------------------------------------- */

/* The base name of the /proc/PID/exe link (dirfd/path), without " (deleted)",
 * into name (256 bytes): 1, or 0 when it cannot be read. */
static int tm_linux_exe_name(int dirfd, const char *path, char *name)
{
    static const char deleted[] = " (deleted)";
    char target[PATH_MAX + 16];
    ssize_t n = readlinkat(dirfd, path, target, sizeof target - 1);
    const char *base;
    size_t len;

    if (n <= 0)
        return 0;
    target[n] = '\0';
    if ((size_t)n > sizeof deleted - 1 && strcmp(target + n - (sizeof deleted - 1), deleted) == 0) {
        n -= (ssize_t)(sizeof deleted - 1);
        target[n] = '\0';
    }
    base = strrchr(target, '/');
    base = base != NULL ? base + 1 : target;
    len = strlen(base);
    if (len == 0 || len > 255)
        return 0;
    memcpy(name, base, len + 1);
    return 1;
}

/* --- errors ------------------------------------------------------------------ */

/* The code of an errno from a read or a write of /proc or a cgroup: refused
 * (EACCES, EPERM, EROFS), out of memory or descriptors, or any other. */
int tm_linux_errno_code(int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
        return TERMINUS_E_ACCESS_DENIED;
    case ENOMEM:
    case EMFILE:
    case ENFILE:
        return TERMINUS_E_NO_MEMORY;
    default:
        return TERMINUS_E_OS;
    }
}

/* A failure of the walk: the codes process_list may return. */
static int tm_linux_list_fail(int err, const char *what)
{
    char buf[256];

    return terminus_os_error(tm_linux_errno_code(err), err, "%s: %s (%d)", what,
                             strerror_r(err, buf, sizeof buf), err);
}

/* An error that means the process ended while it was read. */
static int tm_linux_gone(int err)
{
    return err == ENOENT || err == ESRCH;
}

/* --- /proc is this process's ------------------------------------------------ */

/* 1 when /proc is of the caller's pid namespace: its /proc/self/status
 * shows one pid in "NSpid:" (a /proc of an ancestor namespace shows one per
 * level) and it is getpid(); 0 when it is not; -1 with errno when it cannot
 * be read. Records nothing. */
static int tm_linux_proc_ours(void)
{
    char buf[TM_PROC_BUF];
    const char *p;
    uint64_t v;

    if (tm_linux_read(AT_FDCWD, "/proc/self/status", buf, sizeof buf) < 0)
        return -1;
    p = strstr(buf, "\nNSpid:");
    if (p == NULL)
        return 1; /* kernels before 4.1: no pid namespaces to tell */
    p += 7;
    while (*p == '\t' || *p == ' ')
        p++;
    return tm_linux_number(&p, (uint64_t)INT_MAX, &v) && (*p == '\n' || *p == '\0') &&
           v == (uint64_t)getpid();
}

/* OK when /proc is of the caller's pid namespace (tm_linux_proc_ours), else
 * a recorded E_OS (or E_NO_MEMORY) naming the fix (linux.h). */
int tm_linux_proc_is_ours(void)
{
    char msg[256];
    int ours = tm_linux_proc_ours();

    if (ours == 1)
        return TERMINUS_OK;
    if (ours < 0) {
        int err = errno;
        return terminus_os_error(
            err == EMFILE || err == ENFILE || err == ENOMEM ? TERMINUS_E_NO_MEMORY : TERMINUS_E_OS,
            err,
            "/proc/self/status: %s (%d): is /proc mounted for this "
            "process's pid namespace?",
            strerror_r(err, msg, sizeof msg), err);
    }
    return terminus_os_error(TERMINUS_E_OS, 0,
                             "/proc is not of this process's pid namespace (/proc/self/status "
                             "shows another pid than %d): mount one (mount -t proc proc /proc, "
                             "unshare --mount-proc)",
                             (int)getpid());
}

/* --- process_list ------------------------------------------------------------ */

/* "123" => 123 (1 .. INT_MAX, no sign, no leading zero); else 0. */
static pid_t tm_linux_pid_name(const char *s)
{
    uint64_t v;
    const char *p = s;

    if (s[0] == '0' || !tm_linux_number(&p, (uint64_t)INT_MAX, &v) || *p != '\0')
        return 0;
    return (pid_t)v;
}

/* Read one process for the walk. OK with info filled; E_NOT_FOUND when it
 * ended during the walk (left out); any other code is recorded. */
static int tm_linux_read_one(int dirfd, pid_t pid, uint32_t fields, terminus_process_info *info)
{
    char path[64], buf[TM_PROC_BUF];
    struct tm_linux_stat st;

    memset(info, 0, sizeof *info);
    info->pid = (terminus_pid)pid;
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;

    snprintf(path, sizeof path, "%d/stat", (int)pid);
    if (tm_linux_read(dirfd, path, buf, sizeof buf) < 0) {
        int err = errno;
        /* ended, or hidden from the caller (hidepid=1): left out */
        if (tm_linux_gone(err) || err == EACCES || err == EPERM)
            return TERMINUS_E_NOT_FOUND;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        return tm_linux_list_fail(err, path);
    }
    if (!tm_linux_parse_stat(buf, &st))
        return terminus_os_error(TERMINUS_E_OS, 0, "/proc/%d/stat: unexpected content", (int)pid);
    info->ppid = (terminus_pid)st.ppid;
    info->start = st.start;

    if (fields & TERMINUS_OS_LIST_NAME) {
        snprintf(path, sizeof path, "%d/exe", (int)pid);
        if (!tm_linux_exe_name(dirfd, path, info->name))
            snprintf(info->name, sizeof info->name, "%s", st.comm);
    }
    if (fields & TERMINUS_OS_LIST_UID) {
        snprintf(path, sizeof path, "%d/status", (int)pid);
        if (tm_linux_read(dirfd, path, buf, sizeof buf) < 0) {
            int err = errno;
            if (tm_linux_gone(err))
                return TERMINUS_E_NOT_FOUND;
            if (err != EACCES && err != EPERM) {
                snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
                return tm_linux_list_fail(err, path);
            }
        } else {
            info->uid = tm_linux_parse_uid(buf);
        }
    }
    if (fields & TERMINUS_OS_LIST_SESSION) {
        snprintf(path, sizeof path, "%d/cgroup", (int)pid);
        if (tm_linux_read(dirfd, path, buf, sizeof buf) < 0) {
            int err = errno;
            char dir[16];
            snprintf(dir, sizeof dir, "%d", (int)pid);
            /* gone, unless the process is there without the file: a kernel
             * without cgroups, no session to tell */
            if (tm_linux_gone(err) && faccessat(dirfd, dir, F_OK, 0) != 0)
                return TERMINUS_E_NOT_FOUND;
            if (!tm_linux_gone(err) && err != EACCES && err != EPERM && err != EOPNOTSUPP &&
                err != ENOTSUP) {
                snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
                return tm_linux_list_fail(err, path);
            }
        } else {
            info->session = tm_linux_parse_session(buf);
        }
    }
    return TERMINUS_OK;
}

/* pid, ppid and start of one process for group_list (linux.h): OK, or
 * E_NOT_FOUND when it has ended (or is hidden), or a recorded failure. */
int tm_linux_proc_stat(int procfd, pid_t pid, terminus_process_info *info)
{
    return tm_linux_read_one(procfd, pid, 0, info);
}

/* --- process_identity -------------------------------------------------------- */

static pthread_once_t tm_linux_pidfs_once = PTHREAD_ONCE_INIT;
static int tm_linux_pidfs_unique; /* 1: a pidfd's inode number names one process per boot */

/* pidfs (kernel 6.9+) with 64-bit inode numbers, and two processes' pidfds
 * indeed have two inodes (an anonymous inode, before 6.9, is one for all). */
static void tm_linux_pidfs_detect(void)
{
    struct statfs sf;
    struct stat a, b;
    int self, other;

    if (sizeof(unsigned long) < 8 || sizeof a.st_ino < 8)
        return;
    self = pidfd_open(getpid(), 0);
    if (self < 0)
        return;
    if (fstatfs(self, &sf) == 0 && (unsigned long)sf.f_type == TM_PIDFS_MAGIC &&
        fstat(self, &a) == 0) {
        /* the parent, else init; a process alone in its namespace trusts pidfs */
        other = getppid() > 0 ? pidfd_open(getppid(), 0) : -1;
        if (other < 0 && getpid() != 1)
            other = pidfd_open(1, 0);
        if (other < 0)
            tm_linux_pidfs_unique = 1;
        else {
            tm_linux_pidfs_unique = fstat(other, &b) == 0 && b.st_ino != a.st_ino;
            close(other);
        }
    }
    close(self);
}

/* --- what the last walk saw: identities without a /proc read ---------------- */

/*
 * process_identity reads /proc/PID/stat, whose open is the dearest part of
 * a tree's checks (a /proc entry made for each process: tens of
 * microseconds, against about one for an ioctl on a pidfd). A member's
 * start was read by the walk just before it was opened, so each thread
 * keeps what its last walk read (pid and start, in the order of /proc, by
 * pid; group_list's listing of a cgroup too) and, with it, a mark: the
 * pidfs inode number (kernel 6.9+, 64-bit)
 * of a process that existed before the walk's first read (the process
 * that got the last pid, /proc/sys/kernel/ns_last_pid, or one just below).
 * pidfs numbers each process from one counter when its pid is allocated,
 * so a pidfd whose number is below the mark names a process that existed
 * before the walk; if ioctl(PIDFD_GET_INFO) (6.13+) still gives its pid
 * now, it has held that pid ever since, and the walk's read of that pid
 * was its own: its start is the walk's, its parent the ioctl's (now), with
 * no /proc read and no pid reuse possible in between. Anything else (no
 * mark, a newer process, a pid the walk did not read, another process
 * than the walk's: a fork since) takes the read of /proc.
 */

struct tm_linux_seen {
    pid_t pid;
    uint64_t start;
};

/* One listing's record. */
struct tm_linux_record {
    pid_t self;    /* getpid() of the walk: a forked child does not use it */
    uint64_t mark; /* 0: no mark, nothing to use */
    int sorted;    /* 1 while the pids came in rising order (as /proc lists them) */
    struct tm_linux_seen *v;
    size_t n, cap;
};

/* A thread's record: the listing being made or last made, and the one
 * before it, which a group listing takes its members from
 * (tm_linux_walk_seen). */
struct tm_linux_walk {
    struct tm_linux_record cur, last;
};

static pthread_once_t tm_linux_walk_once = PTHREAD_ONCE_INIT;
static pthread_key_t tm_linux_walk_key;
static int tm_linux_walk_keyed;         /* the key was made */
static atomic_int tm_linux_no_get_info; /* PIDFD_GET_INFO was refused (before 6.13) */

static void tm_linux_walk_free(void *p)
{
    struct tm_linux_walk *w = p;

    if (w != NULL) {
        free(w->cur.v);
        free(w->last.v);
    }
    free(w);
}

static void tm_linux_walk_init(void)
{
    tm_linux_walk_keyed = pthread_key_create(&tm_linux_walk_key, tm_linux_walk_free) == 0;
}

/* The pidfs number of a process that exists now: the one with the last pid
 * given out, or one of the few below it; 0 if none can be opened. */
static uint64_t tm_linux_mark(void)
{
    char buf[32];
    struct stat sb;
    long last;
    char *end;

    if (tm_linux_read(AT_FDCWD, "/proc/sys/kernel/ns_last_pid", buf, sizeof buf) <= 0)
        return 0;
    errno = 0;
    last = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || last <= 0 || last > INT_MAX)
        return 0;
    for (long pid = last; pid > 0 && pid > last - 16; pid--) {
        /* a thread's own pidfd (6.9+): the last pid may be a thread's */
        int fd = pidfd_open((pid_t)pid, TM_PIDFD_THREAD);
        if (fd < 0 && errno == EINVAL)
            fd = pidfd_open((pid_t)pid, 0);
        if (fd < 0)
            continue;
        if (fstat(fd, &sb) != 0) {
            close(fd);
            return 0;
        }
        close(fd);
        return (uint64_t)sb.st_ino;
    }
    return 0;
}

/* Start recording a walk in this thread's record (linux.h): the record, or
 * NULL when there is nothing to record (no pidfs numbers, no PIDFD_GET_INFO,
 * no mark, out of memory). With keep_last, the record so far is kept for
 * tm_linux_walk_seen, else forgotten. */
struct tm_linux_walk *tm_linux_walk_begin(int keep_last)
{
    struct tm_linux_record r;
    struct tm_linux_walk *w;

    pthread_once(&tm_linux_pidfs_once, tm_linux_pidfs_detect);
    pthread_once(&tm_linux_walk_once, tm_linux_walk_init);
    if (!tm_linux_pidfs_unique || !tm_linux_walk_keyed || atomic_load(&tm_linux_no_get_info))
        return NULL;
    w = pthread_getspecific(tm_linux_walk_key);
    if (w == NULL) {
        w = calloc(1, sizeof *w);
        if (w == NULL)
            return NULL;
        if (pthread_setspecific(tm_linux_walk_key, w) != 0) {
            free(w);
            return NULL;
        }
    }
    /* the buffers swap: the one of the record before is reused */
    r = w->last;
    w->last = w->cur;
    w->cur = r;
    if (!keep_last)
        w->last.mark = 0;
    w->cur.n = 0;
    w->cur.sorted = 1;
    w->cur.self = getpid();
    w->cur.mark = tm_linux_mark();
    return w->cur.mark != 0 ? w : NULL;
}

/* Record one process the walk read (linux.h); 0 (and nothing kept) when out
 * of memory. */
int tm_linux_walk_add(struct tm_linux_walk *walk, pid_t pid, uint64_t start)
{
    struct tm_linux_record *w = &walk->cur;

    if (w->n == w->cap) {
        size_t cap = w->cap != 0 ? w->cap * 2 : 1024;
        struct tm_linux_seen *v =
            cap > (size_t)-1 / sizeof *v ? NULL : realloc(w->v, cap * sizeof *v);
        if (v == NULL) {
            w->mark = 0;
            return 0;
        }
        w->v = v;
        w->cap = cap;
    }
    if (w->n > 0 && w->v[w->n - 1].pid >= pid)
        w->sorted = 0;
    w->v[w->n].pid = pid;
    w->v[w->n].start = start;
    w->n++;
    return 1;
}

/* The start the record read for pid: 1 with *start, else 0. */
static int tm_linux_walk_find(const struct tm_linux_record *w, pid_t pid, uint64_t *start)
{
    size_t lo = 0, hi = w->n;

    if (!w->sorted) {
        for (size_t i = 0; i < w->n; i++) {
            if (w->v[i].pid == pid) {
                *start = w->v[i].start;
                return 1;
            }
        }
        return 0;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->v[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == w->n || w->v[lo].pid != pid)
        return 0;
    *start = w->v[lo].start;
    return 1;
}

/* The identity of proc from this thread's last walk (see above): 1 with
 * info and *unique filled, 0 when it must be read from /proc. */
static int tm_linux_identity_seen(const terminus_os_process *proc, terminus_process_info *info,
                                  uint64_t *unique)
{
    struct tm_linux_pidfd_info pi;
    struct tm_linux_walk *w;
    struct stat sb;
    uint64_t start;

    if (atomic_load(&tm_linux_no_get_info))
        return 0;
    pthread_once(&tm_linux_walk_once, tm_linux_walk_init);
    if (!tm_linux_walk_keyed)
        return 0;
    w = pthread_getspecific(tm_linux_walk_key);
    if (w == NULL || w->cur.mark == 0 || w->cur.self != getpid())
        return 0;
    if (fstat(proc->fd, &sb) != 0 || (uint64_t)sb.st_ino >= w->cur.mark)
        return 0; /* newer than the walk: a fork since, perhaps with a reused pid */
    if (!tm_linux_walk_find(&w->cur, proc->pid, &start))
        return 0;
    memset(&pi, 0, sizeof pi);
    pi.mask = PIDFD_INFO_PID;
    if (ioctl(proc->fd, TM_PIDFD_GET_INFO, &pi) != 0) {
        if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)
            atomic_store(&tm_linux_no_get_info, 1); /* before 6.13: /proc from now on */
        return 0;                                   /* ESRCH: reaped; the /proc path says so */
    }
    if ((pid_t)pi.pid != proc->pid)
        return 0;
    info->pid = (terminus_pid)proc->pid;
    info->ppid = (terminus_pid)pi.ppid;
    info->start = start;
    *unique = (uint64_t)sb.st_ino;
    return 1;
}

/* pid, ppid and start of process `pid` from the record before the one
 * being made (linux.h; tm_linux_walk_begin(1)): 1 with info filled, 0 when
 * it must be read from /proc. As for an identity (see above): a pidfd
 * opened now on pid whose number is below that record's mark, and which
 * PIDFD_GET_INFO says still holds pid, names a process that has held pid
 * since before that record's read of it: its start is that read's, its
 * parent the ioctl's (now). */
int tm_linux_walk_seen(pid_t pid, terminus_process_info *info)
{
    struct tm_linux_pidfd_info pi;
    struct tm_linux_walk *w;
    struct stat sb;
    uint64_t start;
    int fd, ok;

    if (atomic_load(&tm_linux_no_get_info))
        return 0;
    pthread_once(&tm_linux_walk_once, tm_linux_walk_init);
    if (!tm_linux_walk_keyed)
        return 0;
    w = pthread_getspecific(tm_linux_walk_key);
    if (w == NULL || w->last.mark == 0 || w->last.self != getpid() ||
        !tm_linux_walk_find(&w->last, pid, &start))
        return 0;
    fd = pidfd_open(pid, 0);
    if (fd < 0)
        return 0; /* ended: the /proc read says so */
    memset(&pi, 0, sizeof pi);
    pi.mask = PIDFD_INFO_PID;
    ok = fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino < w->last.mark;
    if (ok && ioctl(fd, TM_PIDFD_GET_INFO, &pi) != 0) {
        if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)
            atomic_store(&tm_linux_no_get_info, 1);
        ok = 0;
    }
    close(fd);
    if (!ok || (pid_t)pi.pid != pid)
        return 0;
    memset(info, 0, sizeof *info);
    info->pid = (terminus_pid)pid;
    info->ppid = (terminus_pid)pi.ppid;
    info->start = start;
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;
    return 1;
}

int tm_linux_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg)
{
    terminus_process_info info;
    struct tm_linux_walk *w;
    struct dirent *e;
    DIR *d;
    int rc;
    (void)data;

    rc = tm_linux_proc_is_ours();
    if (rc != TERMINUS_OK)
        return rc;
    w = tm_linux_walk_begin(0); /* before the first read: its mark is older than all */
    d = opendir("/proc");
    if (d == NULL)
        return tm_linux_list_fail(errno, "opendir(/proc)");
    for (;;) {
        pid_t pid;
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            int err = errno;
            closedir(d);
            return err == 0 ? TERMINUS_OK : tm_linux_list_fail(err, "readdir(/proc)");
        }
        pid = tm_linux_pid_name(e->d_name);
        if (pid == 0)
            continue;
        rc = tm_linux_read_one(dirfd(d), pid, fields, &info);
        if (rc == TERMINUS_E_NOT_FOUND)
            continue; /* it ended during the walk */
        /* only a read that succeeded: a failed one has no start to give */
        if (rc == TERMINUS_OK && w != NULL && !tm_linux_walk_add(w, pid, info.start))
            w = NULL;
        if (rc == TERMINUS_OK)
            rc = fn(arg, &info);
        if (rc != TERMINUS_OK) {
            closedir(d);
            return rc;
        }
    }
}

static pthread_once_t tm_linux_ns_once = PTHREAD_ONCE_INIT;
static int tm_linux_ns_ours; /* /proc was of this process's pid namespace at the first look */

static void tm_linux_ns_detect(void)
{
    tm_linux_ns_ours = tm_linux_proc_ours() == 1;
}

/* The pids of pidfd_open are those of /proc: /proc was of the caller's pid
 * namespace at the first look (one read of /proc/self/status per process),
 * and /proc/self still names getpid() (a readlink, no file read: a child
 * forked after unshare(CLONE_NEWPID), which inherits the first look, has
 * another pid in the old /proc). Otherwise the pid is read from the pidfd's
 * fdinfo, one read per identity. */
static int tm_linux_same_pids(void)
{
    char link[32];
    ssize_t n;
    long v;
    char *end;

    pthread_once(&tm_linux_ns_once, tm_linux_ns_detect);
    if (!tm_linux_ns_ours)
        return 0;
    n = readlink("/proc/self", link, sizeof link - 1);
    if (n <= 0)
        return 0;
    link[n] = '\0';
    errno = 0;
    v = strtol(link, &end, 10);
    return errno == 0 && *end == '\0' && v == (long)getpid();
}

/* The pid /proc/self/fdinfo/FD shows for pidfd fd: > 0, or -1 (reaped), or
 * 0 (not in /proc's namespace). OK, or a recorded failure. */
static int tm_linux_fdinfo_pid(const terminus_os_process *proc, long *pid)
{
    char path[64], buf[TM_PROC_BUF];
    const char *p;
    long v;
    char *end;

    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", proc->fd);
    if (tm_linux_read(AT_FDCWD, path, buf, sizeof buf) < 0)
        return tm_linux_identity_fail(errno, path, (int)proc->pid);
    p = strstr(buf, "\nPid:");
    if (p == NULL && strncmp(buf, "Pid:", 4) == 0)
        p = buf - 1;
    if (p == NULL)
        return terminus_os_error(TERMINUS_E_OS, 0, "%s (the pidfd of %d): no \"Pid:\" line", path,
                                 (int)proc->pid);
    errno = 0;
    v = strtol(p + 5, &end, 10);
    if (errno != 0 || end == p + 5 || v < -1 || v > INT_MAX)
        return terminus_os_error(TERMINUS_E_OS, 0, "%s (the pidfd of %d): bad \"Pid:\" line", path,
                                 (int)proc->pid);
    *pid = v;
    return TERMINUS_OK;
}

/* The pid /proc names the open process by (linux.h): OK with *pid > 0;
 * E_NOT_FOUND once it was reaped; E_OS when it is not in /proc's pid
 * namespace; the failure of the fdinfo read. Recorded. */
int tm_linux_proc_pid(const terminus_os_process *proc, long *pid)
{
    int rc;

    *pid = 0;
    if (tm_linux_same_pids())
        *pid = (long)proc->pid;
    else {
        rc = tm_linux_fdinfo_pid(proc, pid);
        if (rc != TERMINUS_OK)
            return rc;
    }
    if (*pid < 0)
        return terminus_os_error(TERMINUS_E_NOT_FOUND, ESRCH,
                                 "the pidfd of %d: the process has ended and was reaped",
                                 (int)proc->pid);
    if (*pid == 0)
        return terminus_os_error(TERMINUS_E_OS, 0,
                                 "the pidfd of %d: the process is not in the pid namespace of "
                                 "/proc: mount one (mount -t proc proc /proc)",
                                 (int)proc->pid);
    return TERMINUS_OK;
}

char tm_linux_proc_state(const terminus_os_process *proc)
{
    char path[64], buf[TM_PROC_BUF];
    struct tm_linux_stat st;
    long pid;

    memset(&st, 0, sizeof st);
    if (tm_linux_proc_pid(proc, &pid) != TERMINUS_OK)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (tm_linux_read(AT_FDCWD, path, buf, sizeof buf) < 0 || !tm_linux_parse_stat(buf, &st))
        return 0;
    return st.state;
}

int tm_linux_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                              uint64_t *unique)
{
    char path[64], buf[TM_PROC_BUF];
    struct tm_linux_stat st;
    long pid = 0;
    int rc;
    (void)data;

    memset(&st, 0, sizeof st);
    memset(info, 0, sizeof *info);
    info->uid = TERMINUS_UID_UNKNOWN;
    info->session = TERMINUS_SESSION_NONE;
    *unique = 0;

    if (tm_linux_identity_seen(proc, info, unique))
        return TERMINUS_OK;
    rc = tm_linux_proc_pid(proc, &pid);
    if (rc != TERMINUS_OK)
        return rc;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (tm_linux_read(AT_FDCWD, path, buf, sizeof buf) < 0) {
        int err = errno;
        if (!tm_linux_gone(err))
            return tm_linux_identity_fail(err, path, (int)proc->pid);
        buf[0] = '\0'; /* reaped since: the null signal below says so */
    } else if (!tm_linux_parse_stat(buf, &st)) {
        return terminus_os_error(TERMINUS_E_OS, 0, "%s: unexpected content", path);
    }
    /* Still the pidfd's process: then it lived all through the read. */
    if (pidfd_send_signal(proc->fd, 0, NULL, 0) != 0 && errno != EPERM) {
        int err = errno;
        if (err == ESRCH)
            return terminus_os_error(TERMINUS_E_NOT_FOUND, err,
                                     "the pidfd of %d: the process has ended and was reaped",
                                     (int)proc->pid);
        return tm_linux_identity_fail(err, "pidfd_send_signal(0)", (int)proc->pid);
    }
    if (buf[0] == '\0')
        return terminus_os_error(TERMINUS_E_OS, ENOENT, "%s: gone while the pidfd of %d lives",
                                 path, (int)proc->pid);
    info->pid = (terminus_pid)pid;
    info->ppid = (terminus_pid)st.ppid;
    info->start = st.start;

    pthread_once(&tm_linux_pidfs_once, tm_linux_pidfs_detect);
    if (tm_linux_pidfs_unique) {
        struct stat sb;
        if (fstat(proc->fd, &sb) != 0)
            return tm_linux_identity_fail(errno, "fstat", (int)proc->pid);
        *unique = (uint64_t)sb.st_ino;
    }
    return TERMINUS_OK;
}

/* --- boot_id ----------------------------------------------------------------- */

int tm_linux_boot_id(void *data, char *buf, size_t size)
{
    static const char path[] = "/proc/sys/kernel/random/boot_id";
    char raw[128], msg[256];
    size_t n = 0;
    (void)data;

    if (tm_linux_read(AT_FDCWD, path, raw, sizeof raw) < 0) {
        int err = errno;
        buf[0] = '\0';
        return terminus_os_error(TERMINUS_E_OS, err, "%s: %s (%d)", path,
                                 strerror_r(err, msg, sizeof msg), err);
    }
    for (const char *p = raw; *p != '\0' && *p != '\n'; p++) {
        if (*p == '-')
            continue;
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) || n + 1 >= size || n >= 32) {
            buf[0] = '\0';
            return terminus_os_error(TERMINUS_E_OS, 0, "%s: unexpected content", path);
        }
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (n != 32) {
        buf[0] = '\0';
        return terminus_os_error(TERMINUS_E_OS, 0, "%s: unexpected content", path);
    }
    return TERMINUS_OK;
}
