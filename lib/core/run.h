/*
 * lib/core/run.h: the state of one terminate, shared by the files of the
 * escalation policy:
 *   options.c    the validation of the options and the pids
 *   terminate.c  batches, waits, kills and the result of each target
 *                (docs/design.md, "One terminate, step by step")
 *   chain.c      the close chain of a batch: reach, steps and their share
 *                of the grace window; the detail array and the progress
 *                events
 * Nothing here is seen outside lib/core.
 */
#ifndef TERMINUS_CORE_RUN_H
#define TERMINUS_CORE_RUN_H

#include "core.h"

#define TM_NONE ((size_t)-1)

typedef struct tm_target {
    terminus_os_process *proc;
    uint64_t since;        /* when its first step went out (its kill, if none did) */
    uint32_t chain;        /* its chain: the steps asked for that can reach it */
    uint32_t todo;         /* the steps of its chain not tried yet */
    uint32_t tried;        /* the asked steps whose status is known (sent or skipped) */
    uint32_t sent;         /* the steps that went out */
    uint32_t last;         /* the last step that went out, or 0 */
    unsigned char pending; /* open, running and not yet settled */
    unsigned char settled; /* its result is final */
    unsigned char killed;  /* its kill went out */
} tm_target;

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
    size_t count;
    tm_target *t;
    terminus_result *res;
    terminus_detail *details;    /* opts->details, or NULL */
    terminus_os_process **procs; /* scratch for wait sets and process_reach */
    size_t *map;                 /* wait-set index -> target index */
    uint32_t *reach;             /* scratch for process_reach */
    tm_event *events;            /* progress events not delivered yet (NULL without progress) */
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

/* options.c: the options (a NULL `in` is the defaults; everything newer
 * than the caller's version takes its default in `out`) and the pids, for
 * a call on `count` targets. */
int tm_opts_check(const char *fn, const terminus_terminate_options *in, size_t count,
                  terminus_terminate_options *out);
/* Every pid valid, none twice. Returns OK or the first problem. */
int tm_pids_check(const char *fn, const terminus_os *os, const terminus_pid *pids, size_t count);

/* terminate.c */
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
 * window with the later steps, and under NO_FORCE what is left. `set` is the
 * batch's wait set over the n targets of r->map, or NULL (`wrc` says why). */
void tm_chain_batch(tm_run *r, const tm_batch *b, terminus_os_waitset *set, size_t n, int wrc);
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

#endif
