/*
 * lib/os/fake/fake.h: the private header of the fake OS of terminus/sys/fake.h:
 * its state, the handle registry, the helpers its files share and the one
 * opening and closing every member of its terminus_os table goes through.
 *
 * A terminus_fake is a scripted world behind a terminus_os table. Nothing
 * in it touches the real OS: no process is opened, no time is spent. The
 * fake is in seven files:
 *   fake.h     this header
 *   world.c    the scripted world (processes, servers, sessions, the
 *              virtual clock) and the registry of the handles given out
 *   inject.c   the primitives' table, the opening and closing of every
 *              member call, latency and fault injection, the call log
 *   members.c  the members of the table
 *   api.c      the scripting API of terminus/sys/fake.h
 *   procs.c    what names a process (listing, identity, boot id: the
 *              members and their scripting)
 *   groups.c   the groups that hold a tree (a cgroup, a job object: the
 *              members group_open to group_close and their scripting)
 *
 * Handles
 * -------
 * Every process handle, wait set, server and listener is on one list, so
 * that terminus_fake_open_handles() can count them and terminus_fake_free()
 * can free the ones a user leaked.
 *
 * Threads
 * -------
 * One tm_mutex guards the whole state. It is never held while user code
 * runs: session_list copies the sessions and calls `fn` without it, and
 * terminus_fake_deliver() takes a snapshot of the listeners and calls each
 * without it. listen_stop sleeps on a condition variable until no delivery
 * is inside that listener's callback, so the callback is never called after
 * listen_stop returns; a callback that stops its own listener does not wait
 * for itself (the delivery frees the listener when it leaves the callback).
 */
#ifndef TERMINUS_OS_FAKE_FAKE_H
#define TERMINUS_OS_FAKE_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "terminus/session.h"
#include "terminus/sys/fake.h"
#include "terminus/sys/os.h"
#include "terminus/terminate.h"

#include "../../core/sync.h"

/* ------------------------------------------------------------------------ */
/* Primitives: names for the log, the counters and fault injection.         */

enum tm_fake_prim {
    TM_FP_PROCESS_OPEN,
    TM_FP_PROCESS_CLOSE,
    TM_FP_PROCESS_STATUS,
    TM_FP_PROCESS_REQUEST,
    TM_FP_PROCESS_KILL,
    TM_FP_WAIT_OPEN,
    TM_FP_WAIT_ANY,
    TM_FP_WAIT_CLOSE,
    TM_FP_EXIT_PROCESS,
    TM_FP_LISTEN_START,
    TM_FP_LISTEN_STOP,
    TM_FP_LOGOFF,
    TM_FP_SERVER_OPEN,
    TM_FP_SERVER_CLOSE,
    TM_FP_SESSION_LIST,
    TM_FP_SESSION_CURRENT,
    TM_FP_SESSION_LOGOFF,
    TM_FP_SESSION_WAIT_GONE,
    TM_FP_PROCESS_REACH,
    TM_FP_PROCESS_STEP,
    TM_FP_SESSION_DETAILS,
    TM_FP_SESSION_MESSAGE,
    TM_FP_SESSION_BLOCKERS,
    TM_FP_PROCESS_LIST,
    TM_FP_PROCESS_IDENTITY,
    TM_FP_BOOT_ID,
    TM_FP_GROUP_OPEN,
    TM_FP_GROUP_LIST,
    TM_FP_GROUP_KILL,
    TM_FP_GROUP_EMPTY,
    TM_FP_GROUP_CLOSE,
    TM_FP_COUNT
};

/* A fault on every primitive that can fail ("*"). */
#define TM_FP_ANY (-1)

/* The kinds of handle. TM_FK_PROCESSES is no handle's kind: it is what
 * wait_open takes, a struct tm_fake_procs of process handles. */
enum tm_fake_kind {
    TM_FK_PROCESS = 1,
    TM_FK_WAITSET,
    TM_FK_SERVER,
    TM_FK_LISTENER,
    TM_FK_GROUP,
    TM_FK_PROCESSES
};

/* What tm_fake_enter() knows of a primitive. */
struct tm_fake_prim_info {
    const char *name;
    int fallible;         /* returns int: a fault can be injected, bad arguments are reported */
    int takes;            /* the kind of the handle it is given, or 0 */
    int makes;            /* the kind of the handle it gives out through `out`, or 0 */
    const char *bad_args; /* the message when an argument is NULL (or a count is 0) */
};

extern const struct tm_fake_prim_info tm_fake_prims[TM_FP_COUNT];

/* The index of a primitive's name, or -2 if it names none. */
int tm_fake_prim_find(const char *name);

/* ------------------------------------------------------------------------ */
/* State                                                                    */

/* The head of every handle the fake gives out; all sit on one circular list. */
struct tm_fake_handle {
    struct tm_fake_handle *prev;
    struct tm_fake_handle *next;
    terminus_fake *fake;
    int kind;
};

/* How many step bits a process keeps counts for (TERMINUS_STEP_* bits 0 to 7). */
#define TM_FAKE_STEPS TERMINUS_DETAIL_STEPS

/* A scripted process. Never removed before terminus_fake_free(), so handles
 * and wait sets may point at it. */
struct tm_fake_proc {
    terminus_pid pid;
    int behaviour;
    uint32_t after_ms;             /* how long after one of exit_steps it leaves */
    uint32_t exit_code;            /* the code it leaves with by itself */
    uint32_t exit_steps;           /* the steps it leaves after (MESSAGE: also process_request) */
    uint32_t reach;                /* the steps process_reach finds able to reach it */
    uint32_t denied;               /* the steps process_step refuses with E_ACCESS_DENIED */
    uint32_t steps[TM_FAKE_STEPS]; /* the steps that arrived, per bit */
    int running;
    int due_set; /* it will end by itself at due_us */
    uint64_t due_us;
    uint32_t end_code; /* its exit code once ended */
    uint64_t ended_us;
    uint32_t requests;
    uint32_t kills;
    /* What names it (shim version 2: process_list, process_identity; see procs.c) */
    uint64_t start;    /* the virtual time it started: before then it does not exist */
    uint64_t unique;   /* the number no other process has (0: none) */
    terminus_pid ppid; /* its parent link, kept as it was set (never re-parented) */
    uint32_t session;  /* TERMINUS_SESSION_NONE by default */
    uint32_t uid;      /* TERMINUS_UID_UNKNOWN by default */
    char name[256];    /* its image name, "fake-<pid>" by default */
    /* A child it forks when one of fork_steps first reaches it (fork_pid 0: none) */
    uint32_t fork_steps;
    terminus_pid fork_pid;
    uint32_t fork_generations; /* the processes the forks make, this child's included */
    int fork_behaviour;
    uint32_t fork_after_ms;
    uint32_t fork_exit_code;
    /* The group it is in (terminus_fake_process_set_group; 0: none); a
     * child it forks is in it too. See groups.c. */
    uint32_t group;
};

/* A group a group_kill went to (groups.c): a process that joins it later
 * (starts in it after the kill) ends at its start. */
struct tm_fake_group {
    uint32_t id;
    uint64_t killed_us; /* the kill's time */
    uint32_t code;      /* the kill's exit code */
};

/* The most of a message a session keeps: the title, ": " and the text. */
#define TM_FAKE_MESSAGE_MAX (255 + 2 + 1023 + 1)

struct tm_fake_session {
    terminus_session_info info;
    terminus_session_details details; /* the scripted rest; its first four members unused */
    int behaviour;
    uint32_t after_ms;
    int due_set; /* logged off, or it ends by itself: gone at due_us */
    uint64_t due_us;
    int message_code;  /* what session_message to it returns (OK: it is shown) */
    uint32_t messages; /* messages shown */
    char last_message[TM_FAKE_MESSAGE_MAX];
};

/* A server. Never removed before terminus_fake_free(). */
struct tm_fake_server {
    char name[64];
    int reachable;
    struct tm_fake_session *sessions;
    size_t nsessions;
    size_t cap;
    terminus_blocker *blockers; /* what session_blockers lists, for any session */
    size_t nblockers;
    size_t capblockers;
};

struct terminus_os_process {
    struct tm_fake_handle h;
    struct tm_fake_proc *proc;
};

struct terminus_os_waitset {
    struct tm_fake_handle h;
    size_t count;
    struct tm_fake_proc **procs;
    unsigned char *reported;
};

struct terminus_os_server {
    struct tm_fake_handle h;
    struct tm_fake_server *server;
};

struct terminus_os_group {
    struct tm_fake_handle h;
    uint32_t id;
    int job; /* opened as a job (Windows), not found (Linux) */
};

struct terminus_os_listener {
    struct tm_fake_handle h;
    unsigned long serial; /* identifies it across a delivery's snapshot */
    terminus_os_listen_fn fn;
    void *arg;
    unsigned busy; /* deliveries inside fn right now */
    int stopped;   /* stopped from its own callback: the last delivery frees it */
};

/* The process handles wait_open is given, as tm_fake_enter() checks them. */
struct tm_fake_procs {
    terminus_os_process *const *procs;
    size_t count;
};

/* The listener whose callback runs on this thread, if any (members.c). */
extern _Thread_local terminus_os_listener *tm_fake_in_callback;

struct tm_fake_entry {
    int prim;
    char *text; /* NULL if it could not be allocated */
};

struct terminus_fake {
    tm_mutex lock;
    tm_cond idle; /* signalled when a listener's last delivery leaves its callback */
    terminus_os os;

    uint64_t now_us;
    terminus_pid self;
    uint32_t current_session; /* TERMINUS_SESSION_CURRENT = none */

    struct tm_fake_proc **procs;
    size_t nprocs, capprocs;
    struct tm_fake_server **servers; /* servers[0] is the local one, "" */
    size_t nservers, capservers;

    struct tm_fake_handle handles; /* the list's sentinel */
    size_t nhandles;
    size_t handle_limit; /* process_open and wait_open fail at this many handles; 0 = none */
    unsigned long next_serial;

    struct {
        int set;
        int prim; /* a TM_FP_* or TM_FP_ANY */
        uint32_t nth;
        int persistent;
        int code;
        int64_t os_code;
        uint32_t seen; /* matching calls since terminus_fake_fail() */
    } fault;
    uint32_t faults_fired;            /* failures made by the current (or last) fault */
    uint32_t latency_us[TM_FP_COUNT]; /* virtual time each call of a primitive costs */

    struct tm_fake_entry *log;
    size_t nlog, caplog;
    int log_lost; /* memory ran out: no more text until cleared */
    size_t calls_total;
    size_t calls[TM_FP_COUNT];

    uint32_t exits, exit_code;
    int exit_fast;
    uint32_t logoffs, logoff_flags;

    char boot_id[64];     /* what boot_id gives (terminus_fake_set_boot_id) */
    uint64_t next_unique; /* the unique id of the next process added */

    uint32_t self_group;          /* the caller's own group (terminus_fake_set_self_group) */
    struct tm_fake_group *killed; /* the groups a group_kill went to */
    size_t nkilled, capkilled;
};

/* The members' table (members.c), by member name; `data` is each fake's own. */
extern const terminus_os tm_fake_table;

/* The members of shim version 2 that name processes (procs.c). */
int tm_fake_process_list(void *data, uint32_t fields, terminus_os_process_fn fn, void *arg);
int tm_fake_process_identity(void *data, terminus_os_process *proc, terminus_process_info *info,
                             uint64_t *unique);
int tm_fake_boot_id(void *data, char *buf, size_t size);
/* What names p, as process_list gives it with `fields` (TERMINUS_OS_LIST_*). */
void tm_fake_proc_info(terminus_fake *fake, const struct tm_fake_proc *p, uint32_t fields,
                       terminus_process_info *info);
/* Call fn(arg, v[i]) for the n processes copied from the world, without the
 * lock (fn may call the fake), stopping at the first code other than OK;
 * *emitted counts the calls. Called and returns with the lock held. */
int tm_fake_emit_procs(terminus_fake *fake, const terminus_process_info *v, size_t n,
                       terminus_os_process_fn fn, void *arg, size_t *emitted);

/* The members of the groups that hold a tree (groups.c). */
int tm_fake_group_open(void *data, terminus_os_process *proc, void *job, terminus_os_group **out);
int tm_fake_group_list(void *data, terminus_os_group *group, terminus_os_process_fn fn, void *arg);
int tm_fake_group_kill(void *data, terminus_os_group *group, uint32_t exit_code);
int tm_fake_group_empty(void *data, terminus_os_group *group, int *empty);
void tm_fake_group_close(void *data, terminus_os_group *group);
/* End p at its start if it started in a group after that group's kill. */
void tm_fake_group_update(terminus_fake *fake, struct tm_fake_proc *p);

/* ------------------------------------------------------------------------ */
/* The opening and closing of every member call (inject.c)                  */

/*
 * The opening every member shares, in this order: the NULL check of the
 * fake, of `handle` (if the primitive takes one), of `out` (if it gives one
 * out) and of the member's other arguments (`args_ok`); then `*out` = NULL;
 * the lock; the check that `handle` is a live handle of this fake of the
 * kind the primitive takes; and, for a primitive that returns int, its
 * latency, the fault and, on a server handle, the server's reachability.
 *
 * Returns 1 with the lock held when the call goes on: *rc is TERMINUS_OK, or
 * the code of the fault or of the unreachable server (recorded), and the
 * member does its work only on TERMINUS_OK and ends with tm_fake_leave().
 * Returns 0 with the lock not held when the arguments are refused: the call
 * is neither counted nor logged, and *rc is TERMINUS_E_INVALID (recorded
 * with terminus_os_error() unless the member returns void).
 */
int tm_fake_enter(terminus_fake *fake, int prim, int args_ok, const void *handle, void *out,
                  int *rc);

/* The closing: log the call's line, release the lock, return `rc`. */
int tm_fake_leave(terminus_fake *fake, int prim, int rc, const char *fmt, ...)
    TERMINUS_PRINTF(4, 5);

/* The closing of a member that closes a handle: log the call's line, close
 * the handle (tm_fake_handle_close), release the lock. */
void tm_fake_leave_closing(terminus_fake *fake, int prim, struct tm_fake_handle *h, const char *fmt,
                           ...) TERMINUS_PRINTF(4, 5);

/* Append one line to the call log and count the call, with the lock held.
 * Only portable conversions are used in the formats (no %zu, no 64-bit ones). */
void tm_fake_log(terminus_fake *fake, int prim, const char *fmt, ...) TERMINUS_PRINTF(3, 4);

/* A string for the log as the three arguments of a "%s%s%s": quoted, or
 * NULL (unquoted) for a NULL pointer. */
#define TM_FAKE_QUOTED(s)                                                                          \
    (s) != NULL ? "\"" : "", (s) != NULL ? (s) : "NULL", (s) != NULL ? "\"" : ""

/* ------------------------------------------------------------------------ */
/* The world and the handles (world.c); all with the lock held unless said  */

/* Make room for `need` elements of `size` bytes in `arr` of capacity *cap.
 * Returns the (maybe moved) array, or NULL (and `arr` untouched) when out of memory. */
void *tm_fake_grow(void *arr, size_t *cap, size_t need, size_t size);
uint64_t tm_fake_ms_to_us(uint32_t ms);
/* a + b, saturated at UINT64_MAX */
uint64_t tm_fake_add_sat(uint64_t a, uint64_t b);

/* The process that has `pid` now: the one added last of those that have
 * started (whether it still runs or not); NULL if none. */
struct tm_fake_proc *tm_fake_proc_find(terminus_fake *fake, terminus_pid pid);
/* The process added last with `pid`, started or not (what the scripting
 * calls act on); NULL if none. */
struct tm_fake_proc *tm_fake_proc_last(terminus_fake *fake, terminus_pid pid);
/* Add a process that starts at start_us (see procs.c). Returns OK, or
 * E_INVALID (recorded, naming fn) when the pid is in use then, or
 * E_NO_MEMORY. *out may be NULL. */
int tm_fake_proc_add(terminus_fake *fake, const char *fn, terminus_pid pid, int behaviour,
                     uint32_t after_ms, uint32_t exit_code, uint64_t start_us,
                     struct tm_fake_proc **out);
/* End a process whose due time has come (lazy ending). */
void tm_fake_proc_update(terminus_fake *fake, struct tm_fake_proc *p);
void tm_fake_proc_end_now(terminus_fake *fake, struct tm_fake_proc *p, uint32_t code);
/* A step (or a process_request, as TERMINUS_STEP_MESSAGE) reached a running
 * process: count it and, if it is one the process leaves after, make it due
 * after_ms from now (an earlier due time stays). */
void tm_fake_proc_step_arrived(terminus_fake *fake, struct tm_fake_proc *p, uint32_t step);

struct tm_fake_server *tm_fake_server_find(terminus_fake *fake, const char *name);
/* Add a server (reachable) if missing. NULL if out of memory. */
struct tm_fake_server *tm_fake_server_get(terminus_fake *fake, const char *name);

int tm_fake_session_gone(const terminus_fake *fake, const struct tm_fake_session *s);
/* A session by id, gone or not; NULL if it never was. */
struct tm_fake_session *tm_fake_session_find(struct tm_fake_server *srv, uint32_t id);

void tm_fake_link(terminus_fake *fake, struct tm_fake_handle *h, int kind);
void tm_fake_unlink(terminus_fake *fake, struct tm_fake_handle *h);
/* Whether `h` is a live handle of this fake of that kind (see world.c). */
int tm_fake_owns(terminus_fake *fake, const void *h, int kind);
/* Set the handle `out` points at (a terminus_os_<kind> **) to NULL. */
void tm_fake_clear_out(void *out, int kind);
/* A new handle of `size` bytes, zeroed and on the list; NULL if out of memory. */
void *tm_fake_handle_new(terminus_fake *fake, size_t size, int kind);
/* Take a handle off the list and free it. */
void tm_fake_handle_close(terminus_fake *fake, struct tm_fake_handle *h);
/* Free a handle of any kind (the lock need not be held: used by free). */
void tm_fake_handle_free(struct tm_fake_handle *h);
/* TERMINUS_E_NO_MEMORY (os_code 24, EMFILE), recorded, when the handle limit
 * (terminus_fake_set_handle_limit) is reached; else TERMINUS_OK. */
int tm_fake_handle_room(terminus_fake *fake, const char *what);

/* ------------------------------------------------------------------------ */
/* Shared by the scripting calls (api.c, procs.c); the lock not held        */

/* The scripted process added last with `pid`, with the lock held; or NULL,
 * the lock not held and E_NOT_FOUND recorded for `fn`. */
struct tm_fake_proc *tm_fake_proc_locked(terminus_fake *fake, terminus_pid pid, const char *fn);
/* A TERMINUS_STEP_* mask argument: E_INVALID (recorded) for bits no step has. */
int tm_fake_steps_check(const char *fn, const char *what, uint32_t steps);

#endif /* TERMINUS_OS_FAKE_FAKE_H */
