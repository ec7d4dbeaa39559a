/*
 * lib/os/linux/linux.h: what the files of the Linux backend share. Private
 * to the backend (lib/os/linux/backend.c describes it as a whole):
 * - the error translation and the error helper (backend.c);
 * - the monotonic clock (backend.c);
 * - the open process (process.c opens it, procs.c reads its identity);
 * - the members of the terminus_os table that process.c, procs.c,
 *   cgroup.c, listener.c and logind.c define, for the table in backend.c;
 * - what procs.c reads of /proc for cgroup.c.
 */
#ifndef TERMINUS_OS_LINUX_H
#define TERMINUS_OS_LINUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "sdbus.h" /* sd_bus_error; libsystemd, loaded at run time */

#include "terminus/sys/os.h"

/* --- errors: the one translation (backend.c) -------------------------------- */

/* Where an error comes from: the meaning of ENOENT and EINVAL depends on it. */
enum { TM_LINUX_PROC = 0, TM_LINUX_BUS = 1 };

/* errno (positive) or D-Bus error name (may be NULL) => TERMINUS code. */
int tm_linux_code(int err, const char *dbus_name, int domain);

/* Record a failure: "what: reason (errno)" or "what: D-Bus name: message".
 * err is a positive errno (0 if none); e may be NULL. Returns the code. */
int tm_linux_fail(int err, const sd_bus_error *e, int domain, const char *fmt, ...)
    TERMINUS_PRINTF(4, 5);

/* --- PIDFD_GET_INFO (kernel 6.13+; the exit code 6.15+), not in Debian 12's
 * headers: process.c reads exit codes with it, procs.c pids and parents ---- */

#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID (1UL << 0)
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT (1UL << 3)
#endif

/* The first version of the kernel's struct pidfd_info (64 bytes); the ioctl is
 * extensible, the kernel reads the size from the request number. */
struct tm_linux_pidfd_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
_Static_assert(sizeof(struct tm_linux_pidfd_info) == 64, "pidfd_info version 0 is 64 bytes");

#define TM_PIDFS_IOCTL_MAGIC 0xFF
#define TM_PIDFD_GET_INFO    _IOWR(TM_PIDFS_IOCTL_MAGIC, 11, struct tm_linux_pidfd_info)

/* --- clock (backend.c) ------------------------------------------------------ */

/* CLOCK_MONOTONIC in microseconds. */
uint64_t tm_linux_now_us(void);

/* --- processes and wait sets (process.c) ------------------------------------ */

/* An open process: shared with procs.c, which reads its identity. */
struct terminus_os_process {
    pid_t pid;
    int fd; /* the pidfd: the identity for the whole call */
};

int tm_linux_process_open(void *data, terminus_pid pid, terminus_os_process **out);
void tm_linux_process_close(void *data, terminus_os_process *proc);
int tm_linux_process_status(void *data, terminus_os_process *proc, terminus_os_status *st);
int tm_linux_process_request(void *data, terminus_os_process *proc, const char *message);
int tm_linux_process_kill(void *data, terminus_os_process *proc, uint32_t exit_code);
int tm_linux_process_reach(void *data, terminus_os_process *const *procs, size_t count,
                           uint32_t steps, uint32_t flags, const char *message, uint32_t *reach);
int tm_linux_process_step(void *data, terminus_os_process *proc, uint32_t step, uint32_t flags,
                          const char *message);
int tm_linux_wait_open(void *data, terminus_os_process *const *procs, size_t count,
                       terminus_os_waitset **out);
int tm_linux_wait_any(void *data, terminus_os_waitset *set, uint32_t timeout_ms, size_t *ready,
                      size_t capacity, size_t *nready);
void tm_linux_wait_close(void *data, terminus_os_waitset *set);

/* --- listing and identities (procs.c) --------------------------------------- */

int tm_linux_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg);
int tm_linux_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                              uint64_t *unique);
int tm_linux_boot_id(void *data, char *buf, size_t size);

/* Read `path` (relative to `dirfd`) into buf (size >= 2), NUL-terminated:
 * its length, or -1 with errno set; what does not fit is read and dropped. */
ssize_t tm_linux_read(int dirfd, const char *path, char *buf, size_t size);
/* OK when /proc is of the caller's pid namespace, else a recorded failure. */
int tm_linux_proc_is_ours(void);
/* The TERMINUS_E_* code of an errno from a read or write of /proc or a cgroup:
 * ACCESS_DENIED (EACCES, EPERM, EROFS), NO_MEMORY (ENOMEM, EMFILE, ENFILE), else OS. */
int tm_linux_errno_code(int err);
/* The pid /proc names the open process by: OK with *pid > 0, else recorded
 * (E_NOT_FOUND once it was reaped). */
int tm_linux_proc_pid(const terminus_os_process *proc, long *pid);
/* The state letter of the open process's /proc/PID/stat (read under the pid
 * /proc knows it by): 'R', 'S', 'T' (stopped), 't' (traced), 'Z', ...; 0
 * when it cannot be read. The pidfd, not this, tells whether it is still
 * the process opened. */
char tm_linux_proc_state(const terminus_os_process *proc);
/* pid, ppid and start of process `pid` from PROCFD/PID/stat (procfd: an
 * open /proc): OK; E_NOT_FOUND when it has ended; else recorded. */
int tm_linux_proc_stat(int procfd, pid_t pid, terminus_process_info *info);
/* What a listing read (pids and starts), kept per thread so that
 * process_identity need not read them again (procs.c): begin before the
 * first read (NULL: nothing to keep), add each process read; an add that
 * returns 0 ends the record. Begun with keep_last, the record before stays
 * for tm_linux_walk_seen: a process it read that still holds its pid (1,
 * info's pid, ppid and start filled), else 0 (read /proc). */
struct tm_linux_walk;
struct tm_linux_walk *tm_linux_walk_begin(int keep_last);
int tm_linux_walk_add(struct tm_linux_walk *w, pid_t pid, uint64_t start);
int tm_linux_walk_seen(pid_t pid, terminus_process_info *info);

/*
 * The id terminus gives the logind session `lid` ("3", "c1"), as
 * lib/os/linux/logind.c documents it; defined in procs.c, which is built
 * without libsystemd too (the session of a listed process), and used by
 * logind.c for every session it lists.
 */
uint32_t tm_linux_session_id_of(const char *lid);

/* --- groups: cgroup v2 (cgroup.c) ------------------------------------------ */

int tm_linux_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out);
int tm_linux_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg);
int tm_linux_group_kill(void *data, terminus_os_group *group, uint32_t exit_code);
int tm_linux_group_empty(void *data, terminus_os_group *group, int *empty);
void tm_linux_group_close(void *data, terminus_os_group *group);

/* --- the listener (listener.c) ---------------------------------------------- */

int tm_linux_listen_start(void *data, const char *message, terminus_os_listen_fn fn, void *arg,
                          terminus_os_listener **out);
void tm_linux_listen_stop(void *data, terminus_os_listener *l);

/* --- logind over sd-bus (logind.c) ------------------------------------------ */

int tm_linux_logoff(void *data, uint32_t flags);
int tm_linux_server_open(void *data, const char *name, terminus_os_server **out);
void tm_linux_server_close(void *data, terminus_os_server *s);
int tm_linux_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg);
int tm_linux_session_current(void *data, terminus_os_server *s, uint32_t *id);
int tm_linux_session_logoff(void *data, terminus_os_server *s, uint32_t id);
int tm_linux_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms);
int tm_linux_session_details(void *data, terminus_os_server *s, terminus_os_details_fn fn,
                             void *arg);
int tm_linux_session_message(void *data, terminus_os_server *s, uint32_t id, const char *title,
                             const char *text, uint32_t timeout_s);
int tm_linux_session_blockers(void *data, terminus_os_server *s, uint32_t id,
                              terminus_os_blocker_fn fn, void *arg);

#endif
