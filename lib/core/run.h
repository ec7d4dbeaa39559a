/*
 * lib/core/run.h: the state of one terminate, shared by the files of the
 * escalation policy:
 *   options.c    the validation of the options and the pids
 *   call.c       one call: its checks, its state, its end
 *   terminate.c  batches, waits, kills and the result of each target
 *                (docs/design.md, "One terminate, step by step"); the
 *                identity a target must have when it is opened
 *   chain.c      the close chain of a batch: reach, steps and their share
 *                of the grace window; the detail array and the progress
 *                events
 *   tree.c       TERMINUS_TERMINATE_TREE: the members of each target's tree,
 *                found by the listing and by scans during the call
 *   tree_group.c the OS group (a cgroup, a job) that may hold a tree
 *   process.c    the calls of terminus/process.h: listing, tokens, targets
 *                by image name, over terminate.c
 * Nothing here is seen outside lib/core.
 */
#ifndef TERMINUS_CORE_RUN_H
#define TERMINUS_CORE_RUN_H

#include "core.h"

#define TM_NONE ((size_t)-1)

typedef struct tm_target {
    terminus_os_process *proc;
    uint64_t since;        /* when its first step went out (its kill, if none did) */
    uint64_t w0, wspan;    /* its grace window: step j of k goes out at w0 + j * wspan / k */
    uint64_t start;        /* its start (terminus_process_info::start), once start_known */
    uint64_t want_start;   /* with want: the start it must have when it is opened */
    uint64_t want_unique;  /* with want: the unique id it must have; 0: not compared */
    size_t root;           /* tree: the caller's target whose tree it is in (itself for one) */
    uint32_t chain;        /* its chain: the steps asked for that can reach it */
    uint32_t todo;         /* the steps of its chain not tried yet */
    uint32_t tried;        /* the asked steps whose status is known (sent or skipped) */
    uint32_t sent;         /* the steps that went out */
    uint32_t last;         /* the last step that went out, or 0 */
    unsigned char pending; /* open, running and not yet settled */
    unsigned char settled; /* its result is final */
    unsigned char killed;  /* its kill went out */
    unsigned char want;    /* its identity is compared when it is opened */
    unsigned char start_known;
    unsigned char late; /* tree: taken into its batch by a scan; its chain not started */
} tm_target;

/* What a target must be when it is opened: its start and (if not 0) its
 * unique id (a token's; a listing's, unique 0). */
typedef struct tm_want {
    uint64_t start;
    uint64_t unique;
} tm_want;

/* One process of a listing, as much as the policy needs of it. */
typedef struct tm_proc {
    terminus_pid pid;
    terminus_pid ppid;
    uint64_t start;
} tm_proc;

/* A listing (process_list), sorted by pid once taken. */
typedef struct tm_snap {
    tm_proc *v;
    size_t n, cap;
} tm_snap;

struct tm_tree;

/* One progress event waiting for tm_events_flush(). */
typedef struct tm_event {
    size_t index;
    int32_t event; /* TERMINUS_PROGRESS_* */
    uint32_t step;
    int32_t status; /* for ENDED: read from the result when it is delivered */
    uint64_t at;    /* on the context's clock */
} tm_event;

/* One terminate call: everything the phases share. */
typedef struct tm_run {
    const terminus_os *os;
    const terminus_terminate_options *opts;
    const terminus_pid *pids;
    size_t count;  /* the targets: the caller's, then (tree) the members found */
    size_t nroots; /* the caller's targets: [0, nroots) */
    size_t cap;    /* room in the per-target arrays */
    tm_target *t;
    terminus_result *res;
    terminus_detail *details;     /* opts->details, or NULL */
    size_t ndetails;              /* its entries: the first targets' (nroots, or fewer) */
    terminus_os_process **procs;  /* scratch for wait sets and process_reach */
    size_t *map;                  /* wait-set index -> target index */
    terminus_os_process **procs2; /* scratch: a tree's next wait set, the reach of late members */
    size_t *map2;
    uint32_t *reach; /* scratch for process_reach */
    /* what this run owns of the arrays above (the others are the caller's) */
    terminus_pid *own_pids;
    terminus_result *own_res;
    int replaced;         /* a caller's target that is not the process meant (another
                           * identity): TERMINUS_E_NOT_FOUND (a token), or TERMINUS_OK (it
                           * has ended: GONE) */
    int batch_killed;     /* a kill went out in the batch being run */
    struct tm_tree *tree; /* TREE: the state of tree.c; NULL otherwise */
    tm_event *events;     /* progress events not delivered yet (NULL without progress) */
    size_t nevents, capevents;
    uint32_t asked;     /* the steps asked for: opts->steps, 0 with FORCE */
    int has_step;       /* the table has process_step (else MESSAGE is process_request) */
    uint64_t start;     /* the clock at the start of the call: at_us counts from it */
    int killed_any;     /* a kill went out since the flag was cleared */
    uint64_t last_kill; /* the batch's last kills were out by then */
    int stop;           /* why the untried steps of a killed target never went out */
    /* the record of the first failing target, in pid order */
    size_t first_fail;
    terminus_error first_err;
    char first_msg[512];
    /* the record of the last wait set that could not be made */
    terminus_error wait_err;
    char wait_msg[512];
} tm_run;

/* The batch being opened and run: [b0, end); the next one starts at next. */
typedef struct tm_batch {
    size_t b0, end, next;
    size_t first; /* the first target it tried to open */
    size_t spare; /* the last target it opened, still running (TM_NONE: none) */
} tm_batch;

/* The detail of target i, or NULL (none asked for, no room for it, or a
 * tree member). */
static inline terminus_detail *tm_detail(const tm_run *r, size_t i)
{
    return i < r->ndetails ? &r->details[i] : NULL;
}

/* options.c: the options (a NULL `in` is the defaults; everything newer
 * than the caller's version takes its default in `out`) and the pids, for
 * a call on `count` targets. */
int tm_opts_check(const char *fn, const terminus_terminate_options *in, size_t count,
                  terminus_terminate_options *out);
/* Every pid valid, none twice. Returns OK or the first problem. */
int tm_pids_check(const char *fn, const terminus_os *os, const terminus_pid *pids, size_t count);

/* terminate.c */
/* A terminate of `count` targets whose options `o` (a full version-2 copy)
 * and pids are checked and whose table has every member the call needs;
 * `want` (or NULL) the identity each must have, `replaced` what a target
 * that has another is (see tm_run), `snap` (or NULL) a listing already
 * taken for a tree. Writes `results` (or nothing if NULL) and returns the
 * call's code, with the record of the first failing target. */
int tm_terminate_run(const char *fn, terminus_ctx *ctx, const terminus_pid *pids, size_t count,
                     const terminus_terminate_options *o, terminus_result *results,
                     const tm_want *want, int replaced, tm_snap *snap);
/* The members the table lacks for a terminate with the options `o` (and
 * identities to check): E_UNSUPPORTED, recorded; or OK. */
int tm_terminate_members(const char *fn, const terminus_os *os, const terminus_terminate_options *o,
                         int identities);
/* Results and details of a call that failed as a whole with `code` (the
 * details of the first `count` targets that opts->details has room for). */
void tm_results_fill(terminus_result *res, size_t count, int code);
void tm_details_fill(const terminus_terminate_options *o, size_t count, int code);
/* Room for `need` targets in every per-target array. OK or E_NO_MEMORY. */
int tm_run_reserve(tm_run *r, size_t need);
/* Open target i, read its identity if the call needs it, then its status;
 * a target that cannot be opened, is not the process meant or has ended is
 * settled. Returns the code of process_open (E_NO_MEMORY: nothing done, its
 * handle is not held) or OK; `*pending` says whether it runs, open. */
int tm_open_target(tm_run *r, size_t i, int *pending);
/* Close target i's handle (before the end of its batch). */
void tm_target_close(tm_run *r, size_t i);
/* Every batch of the run, until every target is settled. */
void tm_run_batches(tm_run *r);
uint64_t tm_now(const terminus_os *os);
/* t + ms, saturating: a clock near its end never wraps a deadline into the past. */
uint64_t tm_after_ms(uint64_t t, uint32_t ms);
void tm_target_fail(tm_run *r, size_t i, int code);
void tm_target_wait_fail(tm_run *r, size_t i);
void tm_target_ended(tm_run *r, size_t i, int outcome, uint64_t now);
/* Kill target i now (it becomes FORCED once seen gone); sets r->killed_any. */
void tm_kill_one(tm_run *r, size_t i);
/* Wait on `set` (over the n targets of r->map) until deadline or until no
 * target that matters is pending: every pending one, or with grace_only the
 * pending ones not killed yet. */
void tm_wait_run(tm_run *r, terminus_os_waitset *set, size_t n, uint64_t deadline, int outcome,
                 int grace_only);
void tm_see_ended(tm_run *r, size_t b0, size_t b1, int outcome);

/* chain.c */
/* Everything of a batch between its wait set and its kills: the reach, the
 * first steps (and the kill at once of what no step can reach), the grace
 * window with the later steps, and under NO_FORCE what is left. `*set` is the
 * batch's wait set over the *n targets of r->map, or NULL (`wrc` says why);
 * a tree's scans may replace it with one over more targets. */
void tm_chain_batch(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n, int wrc);
/* Target i's result has just been settled: finish its detail, queue its ENDED. */
void tm_settled(tm_run *r, size_t i);
/* Queue a progress event (nothing without a progress callback). */
void tm_event_add(tm_run *r, size_t i, int32_t event, uint32_t step, int32_t status, uint64_t at);
/* Deliver the queued events, in order, to the progress callback. Called only
 * where no record of a failure is still to be read: the callback may call
 * terminus and overwrite the thread's record. */
void tm_events_flush(tm_run *r);
/* A time on the context's clock as microseconds from the start of the call. */
uint64_t tm_since_start(const tm_run *r, uint64_t at);

/* tree.c */
/* How many scans a tree terminate makes after its first listing, at most. */
#define TM_TREE_ROUNDS 8
/* Take a listing into `s` (sorted by pid); the record names fn. OK or the
 * code of process_list (E_NO_MEMORY when it cannot be kept). */
int tm_snap_take(const char *fn, const terminus_os *os, tm_snap *s);
/* Append a process (pid, ppid, start) to an unsorted listing. OK or E_NO_MEMORY. */
int tm_snap_add(tm_snap *s, const terminus_process_info *info);
void tm_snap_free(tm_snap *s);
/* The entry of `pid` in a sorted listing, or NULL. */
const tm_proc *tm_snap_find(const tm_snap *s, terminus_pid pid);
/* Whether `pid` is the caller or one of its ancestors in the listing (a
 * parent counts only if it started no later than its child). */
int tm_snap_is_caller_line(const tm_snap *s, const terminus_os *os, terminus_pid pid);
/* Start a tree terminate: the listing (`snap`, taken if NULL; the run takes
 * it over), the targets' refusal when one is the caller's ancestor, and
 * their members in the listing. Before anything is opened. OK, or E_REFUSED,
 * the code of process_list, E_NO_MEMORY. */
int tm_tree_begin(tm_run *r, const char *fn, tm_snap *snap);
/* Scan again (at most TM_TREE_ROUNDS times in a call) and take what is new
 * into batch b: opened and checked, with a wait set over the batch's
 * pending targets in place of *set. Returns how many were taken that run:
 * each is `late` (its chain, or kill, is the caller's to start). */
size_t tm_tree_round(tm_run *r, tm_batch *b, terminus_os_waitset **set, size_t *n);
/* Note that member i failed with `code` (its record is the thread's). */
void tm_tree_failed(tm_run *r, size_t i, int code);
/* After the last batch: each target's tree counts and result, its detail,
 * its ENDED event, the record of the first failing one. */
void tm_tree_finish(tm_run *r);
/* Close every group and free the tree's state. */
void tm_tree_free(tm_run *r);

/* tree_group.c: the OS group that may hold a tree (a cgroup, a job) */
/* Root i has just been opened and checked (`running`: it has not ended):
 * open the group that may hold its tree and, if the group is the tree, take
 * its processes as members. Returns 1 when the root goes on, 0 when it
 * failed (its result is set: its group, a job, could not be used). */
int tm_tree_group_open(tm_run *r, size_t i, int running);
/* Whether a tree's group is in use (its scans list the group). */
int tm_tree_grouped(const tm_run *r);
/* After the batch's members were killed one by one (never under NO_FORCE):
 * the group_kill of each tree whose last members to settle are the batch's,
 * if a member was killed or the group is not empty. */
void tm_tree_group_kill(tm_run *r, tm_batch *b);
/* At the end of a batch: for each tree whose last members were the batch's,
 * what its group still holds (group_empty, then group_list) escaped. */
void tm_tree_group_settle(tm_run *r, tm_batch *b);

#endif
